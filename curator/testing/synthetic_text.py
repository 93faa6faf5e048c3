"""Burned-in text with ground truth over real image content (tests and benchmarks/pixels.py).

The image content comes from pydicom's bundled test images (CT, MR, US, SC, OT), resized to
clinical sizes and stored in the layout of the case (8/12/16-bit, signed or not,
MONOCHROME1/2, RGB, multi-frame, native or RLE Lossless).  Over it, lines of fake
identifiers are drawn with varied fonts (DejaVu when installed, else PIL's default font),
sizes, contrasts, colours, positions and scripts (Latin with diacritics, Cyrillic, Greek,
digits, dates, IDs).  Each planted line keeps its ink mask and box: the ground truth.

Deterministic: the same seed gives the same cases.  Everything is fake.
"""
from __future__ import annotations

import functools
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pydicom
from numpy.typing import NDArray
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, RLELossless, generate_uid

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
FONTS = (
    "DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "DejaVuSerif.ttf", "DejaVuSansMono.ttf",
    "DejaVuSansCondensed.ttf", "DejaVuSansMono-Bold.ttf", "DejaVuSerif-Bold.ttf",
)
IDENTIFIERS = (
    "MÜLLER^JÖRG", "ŁUKASZEWICZ ANNA", "ÇELIK EMRE", "FRANÇOIS LEFÈVRE", "NØRGAARD SØREN",
    "ИВАНОВ ПЁТР", "СМИРНОВА ОЛЬГА", "ΠΑΠΑΔΟΠΟΥΛΟΣ ΓΙΑΝΝΗΣ", "ΚΩΝΣΤΑΝΤΙΝΟΥ ΕΛΕΝΗ",
    "DOE^JANE", "ZZSMITH^JOHN", "ID 84302177", "MRN: ZZ-4471-093", "DOB 1954-03-12",
    "12/03/1954", "ACC A20231187", "ST. ELSEWHERE HOSPITAL", "14.02.2023 10:32:05",
    "Dr. ZZHOUSE", "PID 00729315", "Age 71Y F", "Kliniken Süd-Ost",
)
MIN_CONTRAST = 0.25  # text differs from all the content under it by this much (0..1)
CONTROL_EVERY = 6  # every sixth case has no text (a control)


@dataclass
class Planted:
    text: str
    frame: int
    box: tuple[int, int, int, int]  # y0, x0, y1, x1 of the ink (end exclusive)
    ink: NDArray[np.bool_] = field(repr=False)  # ink mask inside the box (alpha >= 50%)

    def tokens(self) -> list[str]:
        """The identifying words of the line (3+ letters or digits)."""
        words = [w for w in "".join(c if c.isalnum() else " " for c in self.text).split()]
        return [w.upper() for w in words if len(w) >= 3]


@dataclass
class Case:
    name: str
    dataset: Dataset
    planted: list[Planted]


@dataclass(frozen=True)
class Layout:
    base: str  # pydicom test file
    modality: str
    rows: int
    columns: int
    bits: int  # 8, 12 or 16 (stored)
    signed: bool
    photometric: str  # MONOCHROME1, MONOCHROME2, RGB
    frames: int = 1
    rle: bool = False
    crop: tuple[int, int, int, int] | None = None  # y0, y1, x0, x1 of the base: leaves out its own text


LAYOUTS = (
    Layout("CT_small.dcm", "CT", 512, 512, 16, True, "MONOCHROME2"),
    Layout("693_J2KI.dcm", "CT", 512, 512, 12, True, "MONOCHROME2", rle=True),
    Layout("MR_small.dcm", "MR", 256, 256, 16, False, "MONOCHROME2"),
    Layout("examples_overlay.dcm", "MR", 300, 484, 12, False, "MONOCHROME2"),
    Layout("693_J2KI.dcm", "CR", 1024, 880, 12, False, "MONOCHROME1"),
    Layout("examples_palette.dcm", "US", 350, 800, 8, False, "MONOCHROME2", crop=(62, 345, 330, 770)),
    Layout("examples_rgb_color.dcm", "US", 480, 640, 8, False, "RGB", crop=(60, 168, 30, 290)),
    Layout("examples_ybr_color.dcm", "US", 240, 320, 8, False, "RGB", frames=3, crop=(40, 200, 40, 280)),
    Layout("SC_rgb_rle_2frame.dcm", "SC", 400, 400, 8, False, "RGB", frames=2, rle=True),
    Layout("image_dfl.dcm", "OT", 512, 512, 8, False, "MONOCHROME2"),
)


@functools.lru_cache(maxsize=None)
def _content(base: str) -> NDArray[np.float32]:
    """The base image's first frames as float (frames x rows x cols [x 3]), 0..1."""
    from pydicom.data import get_testdata_file

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        path = get_testdata_file(base)
        if not isinstance(path, str):
            raise FileNotFoundError(f"pydicom's test file {base} is missing")
        ds = pydicom.dcmread(path)
        data = np.asarray(ds.pixel_array, dtype=np.float32)
    frames = int(ds.get("NumberOfFrames", 1) or 1)
    if frames == 1:
        data = data[np.newaxis]
    if str(ds.get("PhotometricInterpretation", "")).startswith("YBR"):
        from pydicom.pixels import convert_color_space

        data = convert_color_space(data.astype(np.uint8), str(ds.PhotometricInterpretation), "RGB").astype(np.float32)
    low, high = np.percentile(data, [0.5, 99.5])
    return np.clip((data - low) / max(high - low, 1e-6), 0, 1)


def _resized(base: str, layout: Layout) -> NDArray[np.float32]:
    from PIL import Image

    content = _content(base)
    out = []
    for index in range(layout.frames):
        frame = content[index % content.shape[0]]
        if layout.crop is not None:
            y0, y1, x0, x1 = layout.crop
            frame = frame[y0:y1, x0:x1]
        if frame.ndim == 3 and layout.photometric != "RGB":
            frame = frame @ np.array([0.299, 0.587, 0.114], dtype=np.float32)
        if frame.ndim == 2 and layout.photometric == "RGB":
            frame = np.repeat(frame[..., np.newaxis], 3, axis=2)
        channels = [frame] if frame.ndim == 2 else [frame[..., c] for c in range(3)]
        resized = [np.asarray(Image.fromarray(c).resize((layout.columns, layout.rows), Image.Resampling.BILINEAR)) for c in channels]
        out.append(resized[0] if frame.ndim == 2 else np.stack(resized, axis=2))
    return np.stack(out)


@functools.lru_cache(maxsize=None)
def _font(name: str, size: int):
    from PIL import ImageFont

    path = FONT_DIR / name
    if path.exists():
        return ImageFont.truetype(str(path), size)
    return ImageFont.load_default(size=size)


def _render(text: str, font_name: str, size: int, shape: tuple[int, int], at: tuple[int, int]) -> NDArray[np.float32]:
    """The alpha (0..1) of ``text`` drawn at ``at`` (x, y) on a frame of ``shape``."""
    from PIL import Image, ImageDraw

    image = Image.new("L", (shape[1], shape[0]), 0)
    ImageDraw.Draw(image).text(at, text, fill=255, font=_font(font_name, size))
    return np.asarray(image, dtype=np.float32) / 255.0


def _place(rng: np.random.Generator, layout: Layout, size: int, width: int, taken: list[tuple[int, int, int, int]]) -> tuple[int, int] | None:
    """Where a line of ``width`` x ``size`` pixels goes: a corner or band mostly, anatomy sometimes."""
    rows, cols = layout.rows, layout.columns
    pad = max(rows // 60, 3)
    for _ in range(30):
        where = rng.choice(["tl", "tr", "bl", "br", "top", "bottom", "middle"], p=[0.2, 0.2, 0.15, 0.15, 0.1, 0.1, 0.1])
        y = {
            "tl": pad, "tr": pad, "top": pad,
            "bl": rows - pad - size * 3, "br": rows - pad - size * 3, "bottom": rows - pad - size * 3,
        }.get(where, rows // 3)
        y += int(rng.integers(0, max(size * 3, 1)))
        x = {"tl": pad, "bl": pad, "tr": cols - pad - width, "br": cols - pad - width}.get(where, (cols - width) // 2)
        x += int(rng.integers(-pad, pad + 1)) if where in ("top", "bottom", "middle") else 0
        box = (y - 2, x - 2, y + int(size * 1.4) + 2, x + width + 2)
        if box[0] < 0 or box[1] < 0 or box[2] > rows or box[3] > cols:
            continue
        if any(box[0] < t[2] and t[0] < box[2] and box[1] < t[3] and t[1] < box[3] for t in taken):
            continue
        taken.append(box)
        return x, y
    return None


def _colour(rng: np.random.Generator, layout: Layout) -> tuple[float, float, float]:
    """A text colour (0..1 per channel): white, grey, dark, or a colour on RGB images."""
    kind = rng.choice(["white", "grey", "dark", "colour"], p=[0.45, 0.25, 0.15, 0.15])
    if kind == "colour" and layout.photometric == "RGB":
        palette = [(1.0, 1.0, 0.0), (0.0, 1.0, 0.3), (0.2, 0.9, 1.0), (1.0, 0.4, 0.2)]
        return palette[int(rng.integers(len(palette)))]
    level = {"white": 1.0, "grey": float(rng.uniform(0.55, 0.8)), "dark": 0.0, "colour": 0.9}[str(kind)]
    return (level, level, level)


def _visible(rng: np.random.Generator, layout: Layout, frame: NDArray, alpha: NDArray) -> tuple[float, float, float] | None:
    """A colour that stands out from all the content under the text (so that every glyph
    is readable by a person), or None when no colour does there."""
    under = frame[alpha > 0.5]
    if under.ndim == 2:
        under = under @ np.array([0.299, 0.587, 0.114], dtype=np.float32)
    if not under.size:
        return None
    low, high = (float(v) for v in np.percentile(under, [2, 98]))
    for _ in range(12):
        colour = _colour(rng, layout)
        level = float(np.dot(colour, [0.299, 0.587, 0.114]))
        if level >= high + MIN_CONTRAST or level <= low - MIN_CONTRAST:
            return colour
    return None


def make_case(index: int, seed: int = 0) -> Case:
    """Case ``index``: its layout cycles through :data:`LAYOUTS`; text from the seed
    (none on every :data:`CONTROL_EVERY`-th case, a control)."""
    layout = LAYOUTS[index % len(LAYOUTS)]
    rng = np.random.default_rng([seed, index])
    content = _resized(layout.base, layout)
    planted: list[Planted] = []
    for frame_index in range(layout.frames):
        frame = content[frame_index]
        taken: list[tuple[int, int, int, int]] = []
        lines = 0 if index % CONTROL_EVERY == CONTROL_EVERY - 1 else int(rng.integers(2, 6))
        for _ in range(lines):
            text = IDENTIFIERS[int(rng.integers(len(IDENTIFIERS)))]
            font = FONTS[int(rng.integers(len(FONTS)))]
            size = int(rng.integers(max(9, layout.rows // 50), max(12, layout.rows // 14)))
            alpha0 = _render(text, font, size, frame.shape[:2], (0, 0))
            cols = np.flatnonzero(alpha0.max(axis=0) > 0)
            if len(cols) == 0:
                continue
            for _ in range(8):
                at = _place(rng, layout, size, int(cols.max()) + 1, taken)
                if at is None:
                    break
                alpha = _render(text, font, size, frame.shape[:2], at)
                colour = _visible(rng, layout, frame, alpha)
                if colour is not None:
                    break
                taken.pop()  # unreadable there: another place
            if at is None or colour is None:
                continue
            if frame.ndim == 3:
                frame = frame * (1 - alpha[..., None]) + alpha[..., None] * np.array(colour, dtype=np.float32)
            else:
                frame = frame * (1 - alpha) + alpha * colour[0]
            ys, xs = np.nonzero(alpha > 0)
            box = (int(ys.min()), int(xs.min()), int(ys.max()) + 1, int(xs.max()) + 1)
            ink = alpha[box[0]:box[2], box[1]:box[3]] >= 0.5
            planted.append(Planted(text, frame_index, box, ink))
        content[frame_index] = frame
    ds = _dataset(layout, content, index, seed)
    return Case(f"{index:03d}-{layout.modality}-{layout.base.split('.')[0]}", ds, planted)


def _stored(layout: Layout, content: NDArray[np.float32]) -> NDArray:
    """Float content (0..1) as stored values of the layout."""
    top = (1 << layout.bits) - 1
    values = content if layout.photometric != "MONOCHROME1" else 1.0 - content
    values = np.rint(values * top)
    if layout.signed:
        values -= 1 << (layout.bits - 1)
    dtype = np.uint8 if layout.bits == 8 else (np.int16 if layout.signed else np.uint16)
    return values.astype(dtype)


def _dataset(layout: Layout, content: NDArray[np.float32], index: int, seed: int) -> Dataset:
    pixels = _stored(layout, content)
    ds = Dataset()

    def uid(*parts: object) -> str:
        return generate_uid(entropy_srcs=["curator-synthetic-text", str(seed), str(index), *map(str, parts)])

    ds.SOPClassUID = {
        "CT": "1.2.840.10008.5.1.4.1.1.2", "MR": "1.2.840.10008.5.1.4.1.1.4", "CR": "1.2.840.10008.5.1.4.1.1.1",
        "US": "1.2.840.10008.5.1.4.1.1.6.1" if layout.frames == 1 else "1.2.840.10008.5.1.4.1.1.3.1",
    }.get(layout.modality, "1.2.840.10008.5.1.4.1.1.7")
    ds.SOPInstanceUID = uid("sop")
    ds.StudyInstanceUID = uid("study")
    ds.SeriesInstanceUID = uid("series")
    ds.PatientName = f"ZZTEXT^CASE{index:03d}"
    ds.PatientID = f"ZZT{index:05d}"
    ds.PatientSex = "O"
    ds.StudyDate = "20230214"
    ds.Modality = layout.modality
    ds.InstanceNumber = 1
    ds.Rows, ds.Columns = layout.rows, layout.columns
    ds.SamplesPerPixel = 3 if layout.photometric == "RGB" else 1
    if layout.photometric == "RGB":
        ds.PlanarConfiguration = 0
    ds.PhotometricInterpretation = layout.photometric
    ds.BitsAllocated = 8 if layout.bits == 8 else 16
    ds.BitsStored = layout.bits
    ds.HighBit = layout.bits - 1
    ds.PixelRepresentation = 1 if layout.signed else 0
    if layout.frames > 1:
        ds.NumberOfFrames = layout.frames
    ds.PixelData = (pixels if layout.frames > 1 else pixels[0]).tobytes()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.MediaStorageSOPClassUID = ds.SOPClassUID
    ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds["PixelData"].VR = "OB" if layout.bits == 8 else "OW"
    if layout.rle:
        ds.compress(RLELossless)
    return ds


def cases(count: int, seed: int = 0) -> list[Case]:
    return [make_case(index, seed) for index in range(count)]
