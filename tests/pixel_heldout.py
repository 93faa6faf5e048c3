"""A held-out burned-in text set with ground truth, built with plain pydicom, numpy and Pillow.

Written to evaluate curator's pixel cleaning on images it was not tuned on: nothing here
imports curator (nor shares code with curator.testing.synthetic_text, the tuning set).  Real pixel
content (pydicom's bundled CT, MR, NM, US, palette US, OT images), re-stored as CT, MR, CR
(MONOCHROME1), NM, US RGB, XA and SC, native, RLE, JPEG-LS or JPEG baseline (lossy),
single and multi-frame.  Over it, identifier lines (names in Latin with diacritics,
Cyrillic, Greek, CJK; IDs, dates, ages, institutions) drawn in many fonts (DejaVu,
Liberation, Noto, WenQuanYi when installed; PIL's bitmap and built-in fonts always), sizes
7-40 px, light, dark, coloured and low-contrast text, anti-aliased or not, some lines
rotated a few degrees, over anatomy and over background.  Every line keeps its ink mask
and box (the ground truth).  Every seventh case has no text (a control).

``heldout_cases(count, seed)`` returns the cases; deterministic for a seed; all fake.
"""
from __future__ import annotations

import io
import unicodedata
import warnings
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
import pydicom
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.encaps import encapsulate
from pydicom.uid import JPEGBaseline8Bit, JPEGLSLossless, RLELossless

ROOT = "1.2.826.0.1.3680043.10.998."
FONT_FILES = (
    "dejavu/DejaVuSans.ttf", "dejavu/DejaVuSerif-Bold.ttf", "dejavu/DejaVuSansMono.ttf",
    "dejavu/DejaVuSansCondensed-Oblique.ttf",
    "liberation/LiberationSans-Regular.ttf", "liberation/LiberationSans-Bold.ttf",
    "liberation/LiberationSerif-Regular.ttf", "liberation/LiberationMono-Regular.ttf",
    "liberation/LiberationSansNarrow-Regular.ttf",
    "noto/NotoSans-Regular.ttf", "noto/NotoSerif-Regular.ttf", "noto/NotoSans-Bold.ttf",
    "noto/NotoSansMono-Regular.ttf",
)
CJK_FONT = "wqy/wqy-microhei.ttc"
FONT_ROOT = Path("/usr/share/fonts/truetype")

FAMILIES = {
    "latin": ("Ødegård", "Łukasiewicz", "Guðmundsdóttir", "Núñez García", "Dvořák", "Şahin", "Nguyễn",
              "Müller-Lüdenscheidt", "O'Brien", "Kowalczyk", "Björklund", "Fontaine-Léger"),
    "cyrillic": ("Петров", "Кузнецова", "Соколов", "Шевченко", "Жуков"),
    "greek": ("Παπαδόπουλος", "Οικονόμου", "Γεωργίου", "Νικολάου"),
    "cjk": ("王", "李", "佐藤", "김"),
}
GIVEN = {
    "latin": ("Øyvind", "Żaneta", "Þórunn", "José María", "Zdeněk", "Ayşe", "Thị Hoa", "Hildegard", "Seán", "Åsa"),
    "cyrillic": ("Иван", "Ольга", "Дмитрий", "Наталья"),
    "greek": ("Σωκράτης", "Ελένη", "Δημήτρης"),
    "cjk": ("小明", "娜", "花子", "민준"),
}
INSTITUTIONS = {
    "latin": ("Hôpital Saint-Éloi", "Universitätsklinikum Süd", "Szpital Wojewódzki Łódź", "Landspítali Reykjavík",
              "Hospital Clínic Barcelona", "St. Bartholomew's Radiology"),
    "cyrillic": ("Больница №5 Москва", "Клиника Святого Луки"),
    "greek": ("Νοσοκομείο Αθηνών", "Γενικό Νοσοκομείο Πατρών"),
    "cjk": ("北京协和医院", "東京大学病院"),
}


@dataclass
class Line:
    text: str
    frame: int
    box: tuple[int, int, int, int]  # y0, x0, y1, x1 of the ink (end exclusive)
    ink: np.ndarray = field(repr=False)  # ink mask inside the box (alpha >= 0.5)
    font: str = ""
    size: int = 0

    def tokens(self) -> list[str]:
        """Identifying words of the line (3+ letters or digits), upper case."""
        words = "".join(c if c.isalnum() else " " for c in self.text).split()
        return [w.upper() for w in words if len(w) >= 3]


@dataclass
class HeldOut:
    name: str
    dataset: Dataset
    lines: list[Line]


@dataclass(frozen=True)
class Base:
    file: str
    frames: tuple[int, ...]  # frames of the base file used
    crop: tuple[float, float, float, float]  # y0, y1, x0, x1 as shares of the base frame
    modality: str
    rows: int
    cols: int
    bits: int
    signed: bool
    photometric: str  # MONOCHROME1, MONOCHROME2, RGB
    encoding: str  # native, rle, jpegls, jpeg
    frames_out: int = 1


# crops leave out the text the base images already carry (it has no ground truth)
BASES = (
    Base("693_J2KI.dcm", (0,), (0.1, 0.9, 0.05, 0.95), "CT", 480, 540, 12, False, "MONOCHROME2", "jpegls"),
    Base("JPEG2000.dcm", (0,), (0.0, 1.0, 0.0, 1.0), "NM", 768, 256, 16, True, "MONOCHROME2", "native"),
    Base("examples_jpeg2k.dcm", (0,), (0.23, 0.70, 0.08, 0.92), "US", 480, 640, 8, False, "RGB", "jpeg"),
    Base("MR_small_RLE.dcm", (0,), (0.0, 1.0, 0.0, 1.0), "MR", 320, 320, 16, False, "MONOCHROME2", "rle"),
    Base("examples_overlay.dcm", (0,), (0.0, 1.0, 0.0, 1.0), "CR", 900, 1200, 12, False, "MONOCHROME1", "native"),
    Base("examples_palette.dcm", (0,), (0.18, 0.8, 0.38, 0.96), "US", 420, 560, 8, False, "RGB", "rle"),
    Base("examples_ybr_color.dcm", (10, 14, 18, 22), (0.2, 0.8, 0.15, 0.85), "US", 300, 400, 8, False, "RGB", "native", 4),
    Base("CT_small.dcm", (0,), (0.0, 1.0, 0.0, 1.0), "CT", 384, 384, 16, True, "MONOCHROME2", "native"),
    Base("693_J2KI.dcm", (0,), (0.3, 0.8, 0.2, 0.8), "XA", 256, 320, 8, False, "MONOCHROME2", "jpeg", 3),
    Base("image_dfl.dcm", (0,), (0.2, 0.9, 0.1, 0.9), "SC", 360, 420, 8, False, "MONOCHROME2", "native"),
)


def _read(file: str) -> tuple[Dataset, np.ndarray]:
    from pydicom.data import get_testdata_file

    path = get_testdata_file(file)
    if not isinstance(path, str):
        raise FileNotFoundError(f"pydicom's test file {file} is missing")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ds = pydicom.dcmread(path)
        return ds, np.asarray(ds.pixel_array)


@lru_cache(maxsize=None)
def _source(file: str) -> np.ndarray:
    """Frames x rows x cols [x 3] of a pydicom test file, as floats 0..1 (colour as RGB:
    pydicom converts YBR to RGB when it decodes)."""
    ds, data = _read(file)
    photometric = str(ds.PhotometricInterpretation)
    if photometric == "PALETTE COLOR":
        from pydicom.pixels import apply_color_lut

        data = apply_color_lut(data, ds)
        data = data / max(float(data.max()), 1.0)
    data = np.asarray(data, dtype=np.float64)
    if int(ds.get("NumberOfFrames", 1) or 1) == 1:
        data = data[np.newaxis]
    low, high = np.percentile(data, [0.2, 99.8])
    return np.clip((data - low) / max(high - low, 1e-9), 0.0, 1.0)


def _content(base: Base) -> np.ndarray:
    """The base's frames cropped, resized and coloured as the output layout wants."""
    from PIL import Image

    source = _source(base.file)
    out = []
    for index in range(base.frames_out):
        frame = source[base.frames[index % len(base.frames)] % source.shape[0]]
        y0, y1, x0, x1 = base.crop
        rows, cols = frame.shape[:2]
        frame = frame[int(y0 * rows):int(y1 * rows), int(x0 * cols):int(x1 * cols)]
        if base.frames_out > 1 and len(base.frames) == 1:  # a stack: each frame shifted
            frame = np.roll(frame, 7 * index, axis=1)
        if frame.ndim == 3 and base.photometric != "RGB":
            frame = frame @ np.array([0.299, 0.587, 0.114])
        if frame.ndim == 2 and base.photometric == "RGB":
            frame = np.repeat(frame[..., None], 3, axis=2)
        planes = [frame] if frame.ndim == 2 else [frame[..., c] for c in range(3)]
        resized = [np.asarray(Image.fromarray(p.astype(np.float32)).resize((base.cols, base.rows), Image.Resampling.BICUBIC))
                   for p in planes]
        out.append(np.clip(resized[0] if frame.ndim == 2 else np.stack(resized, axis=2), 0, 1))
    return np.stack(out).astype(np.float64)


def _script_text(rng: np.random.Generator, script: str) -> str:
    """One identifier line in ``script``."""
    family = str(rng.choice(FAMILIES[script]))
    given = str(rng.choice(GIVEN[script]))
    day, month, year = int(rng.integers(1, 29)), int(rng.integers(1, 13)), int(rng.integers(1931, 2020))
    kind = int(rng.integers(0, 9))
    if kind == 0:
        return f"{family.upper()}^{given.upper()}" if script == "latin" else f"{family} {given}"
    if kind == 1:
        return f"{given} {family}"
    if kind == 2:
        return str(rng.choice(INSTITUTIONS[script]))
    if kind == 3:
        return f"ID: {int(rng.integers(10**6, 10**9))}"
    if kind == 4:
        return f"MRN {rng.choice(['AB', 'XQ', 'KZ'])}-{int(rng.integers(1000, 9999))}-{int(rng.integers(10, 999)):03d}"
    if kind == 5:
        return rng.choice([f"DOB {day:02d}.{month:02d}.{year}", f"Born {year}-{month:02d}-{day:02d}", f"{month:02d}/{day:02d}/{year}"])
    if kind == 6:
        return rng.choice([f"{int(rng.integers(1, 99))}Y {rng.choice(['M', 'F'])}", f"Age: {int(rng.integers(1, 99)):03d}Y"])
    if kind == 7:
        return f"Acc# {int(rng.integers(10**7, 10**8))}  {year + 3}{month:02d}{day:02d}"
    return f"Dr. {family}" if script != "cjk" else f"{family}{given} 医生"


def _font(rng: np.random.Generator, script: str, size: int):
    """A font (and its name) that has glyphs for ``script``; PIL's own when none is installed."""
    from PIL import ImageFont

    if script == "cjk":
        path = FONT_ROOT / CJK_FONT
        return (ImageFont.truetype(str(path), size), path.name) if path.exists() else (None, "")
    choice = int(rng.integers(0, len(FONT_FILES) + 2))
    if choice == len(FONT_FILES) and script == "latin":
        return ImageFont.load_default_imagefont(), "pil-bitmap"  # fixed ~11 px, ASCII only
    if choice == len(FONT_FILES) + 1 and script == "latin":
        return ImageFont.load_default(size=size), "pil-default"
    path = FONT_ROOT / FONT_FILES[choice % len(FONT_FILES)]
    if path.exists():
        return ImageFont.truetype(str(path), size), path.name
    return ImageFont.load_default(size=size), "pil-default"


def _glyphs(text: str, font, antialias: bool, angle: float) -> np.ndarray:
    """The alpha (0..1) of ``text`` on its own canvas, rotated by ``angle`` degrees."""
    from PIL import Image, ImageDraw

    left, top, right, bottom = ImageDraw.Draw(Image.new("L", (1, 1))).textbbox((0, 0), text, font=font)
    canvas = Image.new("L", (right - left + 8, bottom - top + 8), 0)
    draw = ImageDraw.Draw(canvas)
    draw.fontmode = "L" if antialias else "1"
    draw.text((4 - left, 4 - top), text, fill=255, font=font)
    if angle:
        canvas = canvas.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True)
    alpha = np.asarray(canvas, dtype=np.float64) / 255.0
    ys, xs = np.nonzero(alpha > 0.02)
    if not len(ys):
        return alpha[:0, :0]
    return alpha[ys.min():ys.max() + 1, xs.min():xs.max() + 1]


def _colour(rng: np.random.Generator, base: Base, under: np.ndarray) -> tuple[np.ndarray, bool] | None:
    """A colour that a reader sees on the content under the text (low contrast sometimes)."""
    grey = under @ np.array([0.299, 0.587, 0.114]) if under.ndim == 2 else under
    low, high = np.percentile(grey, [5, 95])
    for _ in range(10):
        kind = str(rng.choice(["light", "grey", "dark", "colour", "low"], p=[0.35, 0.2, 0.15, 0.15, 0.15]))
        if kind == "colour" and base.photometric == "RGB":
            rgb = np.array([(1, 1, 0.1), (0.1, 1, 0.3), (0.2, 0.85, 1), (1, 0.35, 0.2), (1, 0.5, 1)][int(rng.integers(5))])
        elif kind == "low":
            level = float(np.median(grey)) + float(rng.choice([-1, 1])) * float(rng.uniform(0.13, 0.2))
            rgb = np.full(3, level)
        else:
            level = {"light": float(rng.uniform(0.9, 1.0)), "grey": float(rng.uniform(0.5, 0.8)),
                     "dark": float(rng.uniform(0.0, 0.08)), "colour": float(rng.uniform(0.85, 1.0))}[kind]
            rgb = np.full(3, level)
        if not 0 <= rgb.min() <= rgb.max() <= 1:
            continue
        level = float(rgb @ np.array([0.299, 0.587, 0.114]))
        need = 0.12 if kind == "low" else 0.2
        if level >= high + need or level <= low - need:
            return rgb, kind == "low"
    return None


def _spot(rng: np.random.Generator, shape: tuple[int, ...], h: int, w: int, taken: list) -> tuple[int, int] | None:
    """Top-left corner for a line of h x w: corners and bands mostly, anywhere sometimes."""
    rows, cols = shape[0], shape[1]
    if h + 4 >= rows or w + 4 >= cols:
        return None
    for _ in range(40):
        where = str(rng.choice(["corner", "band", "anywhere"], p=[0.55, 0.2, 0.25]))
        edge = int(rng.integers(2, max(3, rows // 25)))
        if where == "corner":
            y = edge + int(rng.integers(0, max(1, rows // 6))) if rng.random() < 0.5 else rows - h - edge - int(rng.integers(0, max(1, rows // 6)))
            x = edge if rng.random() < 0.5 else cols - w - edge
        elif where == "band":
            y = edge if rng.random() < 0.5 else rows - h - edge
            x = int(rng.integers(2, cols - w - 2))
        else:
            y, x = int(rng.integers(2, rows - h - 2)), int(rng.integers(2, cols - w - 2))
        box = (y - 3, x - 3, y + h + 3, x + w + 3)
        if y < 1 or x < 1 or y + h >= rows or x + w >= cols:
            continue
        if any(box[0] < t[2] and t[0] < box[2] and box[1] < t[3] and t[1] < box[3] for t in taken):
            continue
        taken.append(box)
        return y, x
    return None


def _draw(rng: np.random.Generator, base: Base, frame: np.ndarray, frame_index: int, taken: list) -> tuple[np.ndarray, Line | None]:
    """One identifier line drawn on ``frame`` (a copy is returned), with its ground truth."""
    script = str(rng.choice(["latin", "cyrillic", "greek", "cjk"], p=[0.6, 0.15, 0.12, 0.13]))
    size = int(rng.integers(7, min(41, max(12, base.rows // 10))))
    font, font_name = _font(rng, script, size)
    if font is None:
        script, (font, font_name) = "latin", _font(rng, "latin", size)
    text = str(_script_text(rng, script))
    if font_name.startswith("pil-"):  # ASCII only: diacritics dropped (Ø and Ł have no decomposition)
        text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode() or "ID 48151623"
    angle = float(rng.uniform(-4, 4)) if rng.random() < 0.25 else 0.0
    alpha = _glyphs(text, font, antialias=rng.random() < 0.8, angle=angle)
    if alpha.size == 0:
        return frame, None
    spot = _spot(rng, frame.shape, alpha.shape[0], alpha.shape[1], taken)
    if spot is None:
        return frame, None
    y, x = spot
    h, w = alpha.shape
    region = frame[y:y + h, x:x + w]
    chosen = _colour(rng, base, region[alpha > 0.5])
    if chosen is None:
        taken.pop()
        return frame, None
    rgb, _ = chosen
    a = alpha[..., None] if frame.ndim == 3 else alpha
    paint = rgb if frame.ndim == 3 else float(rgb @ np.array([0.299, 0.587, 0.114]))
    out = frame.copy()
    out[y:y + h, x:x + w] = region * (1 - a) + a * paint
    ys, xs = np.nonzero(alpha > 0.02)
    box = (y + int(ys.min()), x + int(xs.min()), y + int(ys.max()) + 1, x + int(xs.max()) + 1)
    ink = alpha[box[0] - y:box[2] - y, box[1] - x:box[3] - x] >= 0.5
    return out, Line(text, frame_index, box, ink, font_name, size)


def heldout_case(index: int, seed: int = 0) -> HeldOut:
    """Case ``index`` of the held-out set (every seventh case has no text)."""
    base = BASES[index % len(BASES)]
    rng = np.random.default_rng([seed, index, 998])
    content = _content(base)
    lines: list[Line] = []
    control = index % 7 == 6
    shared = [] if control else [int(rng.integers(0, 10**6)) for _ in range(int(rng.integers(2, 7)))]
    for f in range(content.shape[0]):
        taken: list = []
        frame = content[f]
        # the same annotation on every frame (as a scanner writes it), and a frame-specific line
        for draw_seed in shared + ([int(rng.integers(0, 10**6))] if f and not control else []):
            frame, line = _draw(np.random.default_rng([seed, index, draw_seed]), base, frame, f, taken)
            if line is not None:
                lines.append(line)
        content[f] = frame
    return HeldOut(f"h{index:03d}-{base.modality}-{base.encoding}", _dataset(base, content, index, seed), lines)


def heldout_cases(count: int, seed: int = 0) -> list[HeldOut]:
    return [heldout_case(index, seed) for index in range(count)]


def _stored(base: Base, content: np.ndarray) -> np.ndarray:
    top = (1 << base.bits) - 1
    values = 1.0 - content if base.photometric == "MONOCHROME1" else content
    values = np.rint(values * top)
    if base.signed:
        values -= 1 << (base.bits - 1)
    dtype = np.uint8 if base.bits == 8 else (np.int16 if base.signed else np.uint16)
    return values.astype(dtype)


def _jpeg_frames(pixels: np.ndarray) -> list[bytes]:
    from PIL import Image

    out = []
    for frame in pixels:
        buffer = io.BytesIO()
        Image.fromarray(frame).save(buffer, format="JPEG", quality=92, subsampling=0)
        out.append(buffer.getvalue())
    return out


def _dataset(base: Base, content: np.ndarray, index: int, seed: int) -> Dataset:
    pixels = _stored(base, content)
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.SOPClassUID = {"CT": "1.2.840.10008.5.1.4.1.1.2", "MR": "1.2.840.10008.5.1.4.1.1.4",
                      "CR": "1.2.840.10008.5.1.4.1.1.1", "NM": "1.2.840.10008.5.1.4.1.1.20",
                      "XA": "1.2.840.10008.5.1.4.1.1.12.1",
                      "US": "1.2.840.10008.5.1.4.1.1.3.1" if base.frames_out > 1 else "1.2.840.10008.5.1.4.1.1.6.1",
                      }.get(base.modality, "1.2.840.10008.5.1.4.1.1.7")
    ds.SOPInstanceUID = f"{ROOT}{seed}.{index}.1"
    ds.StudyInstanceUID = f"{ROOT}{seed}.{index}.2"
    ds.SeriesInstanceUID = f"{ROOT}{seed}.{index}.3"
    ds.PatientName, ds.PatientID, ds.Modality = f"HELDOUT^{index}", f"HO{index:04d}", base.modality
    if index % 2 == 0:
        ds.BurnedInAnnotation = "NO"  # headers lie
    ds.Rows, ds.Columns = base.rows, base.cols
    ds.SamplesPerPixel = 3 if base.photometric == "RGB" else 1
    ds.PhotometricInterpretation = base.photometric
    if base.photometric == "RGB":
        ds.PlanarConfiguration = 0
    ds.BitsAllocated = 8 if base.bits == 8 else 16
    ds.BitsStored, ds.HighBit = base.bits, base.bits - 1
    ds.PixelRepresentation = 1 if base.signed else 0
    if base.frames_out > 1:
        ds.NumberOfFrames = base.frames_out
    ds.file_meta.MediaStorageSOPClassUID = ds.SOPClassUID
    ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    ds.file_meta.TransferSyntaxUID = pydicom.uid.ExplicitVRLittleEndian
    if base.encoding == "jpeg":
        ds.PixelData = encapsulate(_jpeg_frames(pixels))
        ds["PixelData"].VR = "OB"
        ds.file_meta.TransferSyntaxUID = JPEGBaseline8Bit
        if base.photometric == "RGB":
            ds.PhotometricInterpretation = "YBR_FULL"
        ds.LossyImageCompression = "01"
        ds.set_original_encoding(False, True)
        return ds
    ds.PixelData = (pixels if base.frames_out > 1 else pixels[0]).tobytes()
    ds["PixelData"].VR = "OB" if base.bits == 8 else "OW"
    if base.encoding in ("rle", "jpegls"):
        ds.compress(RLELossless if base.encoding == "rle" else JPEGLSLossless)
    return ds
