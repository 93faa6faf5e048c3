"""Short technique words and markers burned into images, with ground truth (session 16).

The classes the verification before labelling missed on blind9 (where a `LAT` and a boxed `PA`
were released under BurnedInAnnotation NO): short words whose letters touch (`LAT`, `PA`, `AP`,
`SUP`, `ERECT`: a component wider than one glyph and too short for a run of three), words in
an outline box, and one- to three-glyph labels near the image's edges.  Built with plain
pydicom, numpy and Pillow (nothing from curator): pydicom's CT, MR, CR (MONOCHROME1) and
ultrasound test images re-stored natively, an identifier block in a corner (so that the
cleaning cuts something and the check after it runs) and one or two short words drawn in
DejaVu, Liberation and Noto fonts (regular, bold, condensed, narrow), 9-24 px, anti-aliased or
not, light or dark, letters touching (negative spacing) or spaced, in an outline box or not,
at an edge or in a band.  Every fifth case carries the identifier block only (a control for
the short-word checks: nothing but the block may be cut).  Every drawn line keeps its ink
mask and box.

``short_cases(count, seed)`` returns the cases; deterministic for a seed; all fake.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
import pydicom
from pydicom.dataset import Dataset, FileMetaDataset

ROOT = "1.2.826.0.1.3680043.10.996."
FONT_ROOT = Path("/usr/share/fonts/truetype")
WORD_FONTS = (
    "dejavu/DejaVuSans.ttf", "dejavu/DejaVuSans-Bold.ttf", "dejavu/DejaVuSansCondensed.ttf",
    "dejavu/DejaVuSansCondensed-Bold.ttf", "liberation/LiberationSans-Regular.ttf",
    "liberation/LiberationSans-Bold.ttf", "liberation/LiberationSansNarrow-Regular.ttf",
    "liberation/LiberationSansNarrow-Bold.ttf", "noto/NotoSans-Bold.ttf", "noto/NotoSans-Regular.ttf",
    "dejavu/DejaVuSerif-Bold.ttf", "liberation/LiberationMono-Bold.ttf",
)
BLOCK_FONT = "dejavu/DejaVuSans.ttf"
WORDS = ("LAT", "PA", "AP", "R", "L", "SUP", "ERECT", "AP ERECT", "PA LAT", "LAT DEC", "SEMI ERECT", "RT", "LT")
BLOCK = ("ID 48213907", "ZZDOE^JANE", "DOB 1961-07-14", "ACC A2023118", "14.02.2023")


@dataclass
class Line:
    text: str
    frame: int
    box: tuple[int, int, int, int]  # y0, x0, y1, x1 of the ink (end exclusive)
    ink: np.ndarray = field(repr=False)  # ink mask inside the box (alpha >= 0.5)
    kind: str = ""  # "block", "word"

    def tokens(self) -> list[str]:
        """Words of the line (3+ letters or digits), upper case."""
        words = "".join(c if c.isalnum() else " " for c in self.text).split()
        return [w.upper() for w in words if len(w) >= 3]


@dataclass
class Short:
    name: str
    dataset: Dataset
    lines: list[Line]


def lines_left(case: Short, regions: list[tuple[int, tuple[int, int, int, int]]]) -> list[str]:
    """The texts of ``case``'s planted lines whose ink ``regions`` (``(frame, box)`` blacked
    out, as curator.deid.pixels' Outcome.regions) do not cover entirely."""
    shape = (int(case.dataset.Rows), int(case.dataset.Columns))
    left = []
    for line in case.lines:
        cut = np.zeros(shape, dtype=bool)
        for frame, (y0, x0, y1, x1) in regions:
            if frame == line.frame:
                cut[max(y0, 0):y1, max(x0, 0):x1] = True
        y0, x0, y1, x1 = line.box
        if not cut[y0:y1, x0:x1][line.ink].all():
            left.append(line.text)
    return left


@dataclass(frozen=True)
class Base:
    file: str
    modality: str
    rows: int
    cols: int
    bits: int
    signed: bool
    photometric: str  # MONOCHROME1, MONOCHROME2, RGB
    crop: tuple[float, float, float, float] = (0.0, 1.0, 0.0, 1.0)  # y0, y1, x0, x1 shares


BASES = (
    Base("CT_small.dcm", "CT", 512, 512, 16, True, "MONOCHROME2"),
    Base("693_J2KI.dcm", "CR", 880, 720, 12, False, "MONOCHROME1", (0.05, 0.95, 0.1, 0.9)),
    Base("MR_small.dcm", "MR", 320, 320, 16, False, "MONOCHROME2"),
    Base("examples_palette.dcm", "US", 420, 560, 8, False, "RGB", (0.18, 0.8, 0.38, 0.96)),
    Base("693_J2KI.dcm", "DX", 640, 560, 14, False, "MONOCHROME2", (0.2, 0.9, 0.15, 0.85)),
    Base("examples_ybr_color.dcm", "US", 360, 480, 8, False, "RGB", (0.2, 0.8, 0.15, 0.85)),
)


def missing_fonts() -> list[str]:
    return [f for f in (*WORD_FONTS, BLOCK_FONT) if not (FONT_ROOT / f).exists()]


@lru_cache(maxsize=None)
def _source(file: str) -> np.ndarray:
    """The first frame of a pydicom test file as floats 0..1 (RGB for colour)."""
    from pydicom.data import get_testdata_file

    path = get_testdata_file(file)
    if not isinstance(path, str):
        raise FileNotFoundError(f"pydicom's test file {file} is missing")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ds = pydicom.dcmread(path)
        data = np.asarray(ds.pixel_array)
    if str(ds.PhotometricInterpretation) == "PALETTE COLOR":
        from pydicom.pixels import apply_color_lut

        data = apply_color_lut(data, ds)
    if int(ds.get("NumberOfFrames", 1) or 1) > 1:
        data = data[0]
    data = np.asarray(data, dtype=np.float64)
    low, high = np.percentile(data, [0.5, 99.5])
    return np.clip((data - low) / max(high - low, 1e-9), 0.0, 1.0)


def _content(base: Base) -> np.ndarray:
    from PIL import Image

    frame = _source(base.file)
    y0, y1, x0, x1 = base.crop
    rows, cols = frame.shape[:2]
    frame = frame[int(y0 * rows):int(y1 * rows), int(x0 * cols):int(x1 * cols)]
    if frame.ndim == 3 and base.photometric != "RGB":
        frame = frame @ np.array([0.299, 0.587, 0.114])
    planes = [frame] if frame.ndim == 2 else [frame[..., c] for c in range(3)]
    resized = [np.asarray(Image.fromarray(p.astype(np.float32)).resize((base.cols, base.rows), Image.Resampling.BICUBIC))
               for p in planes]
    return np.clip(resized[0] if frame.ndim == 2 else np.stack(resized, axis=2), 0, 1).astype(np.float64)


def _alpha(text: str, font_file: str, size: int, spacing: int | None, antialias: bool) -> np.ndarray:
    """Alpha (0..1) of ``text``: ``spacing`` None, as the font lays it out (kerning: `LA`, `AT`
    and `AV` pairs touch in bold fonts); else letter by letter, ``spacing`` pixels added after
    each letter's advance (negative: letters touch or overlap a little)."""
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.truetype(str(FONT_ROOT / font_file), size)
    width = int(sum(font.getlength(c) for c in text) + 4 * size + 8)
    canvas = Image.new("L", (width, 3 * size), 0)
    x = 4.0
    if spacing is None:
        pen = ImageDraw.Draw(canvas)
        pen.fontmode = "L" if antialias else "1"
        pen.text((x, size // 2), text, fill=255, font=font)
    for char in text if spacing is not None else "":
        layer = Image.new("L", canvas.size, 0)
        pen = ImageDraw.Draw(layer)
        pen.fontmode = "L" if antialias else "1"
        pen.text((x, size // 2), char, fill=255, font=font)
        canvas = Image.fromarray(np.maximum(np.asarray(canvas), np.asarray(layer)))
        x += font.getlength(char) + (spacing if spacing is not None and char != " " else 0)
    alpha = np.asarray(canvas, dtype=np.float64) / 255.0
    ys, xs = np.nonzero(alpha > 0.02)
    if not len(ys):
        return alpha[:0, :0]
    return alpha[ys.min():ys.max() + 1, xs.min():xs.max() + 1]


def _place(rng: np.random.Generator, shape: tuple[int, ...], h: int, w: int, taken: list, edge: bool) -> tuple[int, int] | None:
    rows, cols = shape[0], shape[1]
    for _ in range(60):
        if edge:  # 2-12 px from an edge
            side = int(rng.integers(4))
            gap = int(rng.integers(2, 13))
            y = gap if side == 0 else (rows - h - gap if side == 1 else int(rng.integers(gap, rows - h - gap)))
            x = gap if side == 2 else (cols - w - gap if side == 3 else int(rng.integers(gap, cols - w - gap)))
        else:  # the bands where labels sit
            y = int(rng.integers(8, rows // 5)) if rng.random() < 0.5 else int(rng.integers(rows * 4 // 5, rows - h - 8))
            x = int(rng.integers(8, max(9, cols - w - 8)))
        box = (y - 8, x - 8, y + h + 8, x + w + 8)
        if y < 1 or x < 1 or y + h >= rows - 1 or x + w >= cols - 1:
            continue
        if any(box[0] < t[2] and t[0] < box[2] and box[1] < t[3] and t[1] < box[3] for t in taken):
            continue
        taken.append(box)
        return y, x
    return None


def _paint(frame: np.ndarray, alpha: np.ndarray, y: int, x: int, level: float) -> None:
    h, w = alpha.shape
    a = alpha[..., None] if frame.ndim == 3 else alpha
    frame[y:y + h, x:x + w] = frame[y:y + h, x:x + w] * (1 - a) + a * level


def _line(text: str, alpha: np.ndarray, y: int, x: int, kind: str) -> Line:
    ys, xs = np.nonzero(alpha > 0.02)
    box = (y + int(ys.min()), x + int(xs.min()), y + int(ys.max()) + 1, x + int(xs.max()) + 1)
    ink = alpha[box[0] - y:box[2] - y, box[1] - x:box[3] - x] >= 0.5
    return Line(text, 0, box, ink, kind)


def short_case(index: int, seed: int = 0) -> Short:
    """Case ``index`` (every fifth: the identifier block only)."""
    rng = np.random.default_rng([seed, index, 16])
    base = BASES[index % len(BASES)]
    frame = _content(base)
    lines: list[Line] = []
    taken: list = []
    # the identifier block in a corner: light text, 12-15 px, cut by the cleaning
    size = int(rng.integers(12, 16))
    top = bool(rng.random() < 0.5)
    left = bool(rng.random() < 0.5)
    y = 6 if top else base.rows - 6 - 2 * (size + 6)
    for k, text in enumerate(rng.choice(BLOCK, size=2, replace=False).tolist()):
        alpha = _alpha(str(text), BLOCK_FONT, size, 0, True)
        x = 6 if left else base.cols - 6 - alpha.shape[1]
        _paint(frame, alpha, y + k * (size + 6), x, 1.0)
        lines.append(_line(str(text), alpha, y + k * (size + 6), x, "block"))
        taken.append((y + k * (size + 6) - 8, x - 8, y + k * (size + 6) + alpha.shape[0] + 8, x + alpha.shape[1] + 8))
    if index % 5 != 4:
        for _ in range(1 + int(rng.random() < 0.3)):
            word = str(rng.choice(WORDS))
            font = str(rng.choice(WORD_FONTS))
            wsize = int(rng.integers(9, 25))
            mode = float(rng.random())
            spacing = None if mode < 0.35 else (-int(rng.integers(1, 3)) if mode < 0.7 else int(rng.integers(0, 3)))
            alpha = _alpha(word, font, wsize, spacing, bool(rng.random() < 0.7))
            if alpha.size == 0:
                continue
            boxed = bool(rng.random() < 0.3)
            pad = int(rng.integers(2, 5)) if boxed else 0
            side = max(alpha.shape) + 2 * pad + 2  # a square marker box (lead markers) or one around the word
            square = boxed and len(word) <= 3 and rng.random() < 0.5
            bh, bw = (side, side) if square else (alpha.shape[0] + 2 * pad + 2, alpha.shape[1] + 2 * pad + 2)
            spot = _place(rng, frame.shape, bh, bw, taken, edge=bool(rng.random() < 0.5))
            if spot is None:
                continue
            wy, wx = spot[0] + (bh - alpha.shape[0]) // 2, spot[1] + (bw - alpha.shape[1]) // 2
            under = frame[wy:wy + alpha.shape[0], wx:wx + alpha.shape[1]]
            grey = float(np.mean(under @ np.array([0.299, 0.587, 0.114]) if under.ndim == 3 else under))
            dark = grey > 0.55 or (grey > 0.3 and rng.random() < 0.3)
            if dark and grey < 0.55:  # a bright label plate under dark text
                frame[spot[0]:spot[0] + bh, spot[1]:spot[1] + bw] = 0.92
            level = float(rng.uniform(0.0, 0.1)) if dark else float(rng.uniform(0.88, 1.0))
            if boxed:  # a one- or two-pixel outline in the text's colour
                t = int(rng.integers(1, 3))
                y0, x0 = spot
                y1, x1 = y0 + bh, x0 + bw
                for sl in ((slice(y0, y0 + t), slice(x0, x1)), (slice(y1 - t, y1), slice(x0, x1)),
                           (slice(y0, y1), slice(x0, x0 + t)), (slice(y0, y1), slice(x1 - t, x1))):
                    frame[sl] = level
            _paint(frame, alpha, wy, wx, level)
            lines.append(_line(word, alpha, wy, wx, "word"))
    return Short(f"{index:03d}-{base.modality}-short", _dataset(base, frame, index, seed), lines)


def short_cases(count: int, seed: int = 0) -> list[Short]:
    return [short_case(i, seed) for i in range(count)]


def _dataset(base: Base, content: np.ndarray, index: int, seed: int) -> Dataset:
    top = (1 << base.bits) - 1
    values = 1.0 - content if base.photometric == "MONOCHROME1" else content
    values = np.rint(values * top)
    if base.signed:
        values -= 1 << (base.bits - 1)
    pixels = values.astype(np.uint8 if base.bits == 8 else (np.int16 if base.signed else np.uint16))
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.SOPClassUID = {"CT": "1.2.840.10008.5.1.4.1.1.2", "MR": "1.2.840.10008.5.1.4.1.1.4",
                      "CR": "1.2.840.10008.5.1.4.1.1.1", "DX": "1.2.840.10008.5.1.4.1.1.1.1",
                      "US": "1.2.840.10008.5.1.4.1.1.6.1"}[base.modality]
    ds.SOPInstanceUID = f"{ROOT}{seed}.{index}.1"
    ds.StudyInstanceUID = f"{ROOT}{seed}.{index}.2"
    ds.SeriesInstanceUID = f"{ROOT}{seed}.{index}.3"
    ds.PatientName, ds.PatientID, ds.Modality = f"SHORT^{index}", f"SW{index:04d}", base.modality
    ds.BurnedInAnnotation = "YES" if index % 3 == 0 else "NO"
    ds.Rows, ds.Columns = base.rows, base.cols
    ds.SamplesPerPixel = 3 if base.photometric == "RGB" else 1
    ds.PhotometricInterpretation = base.photometric
    if base.photometric == "RGB":
        ds.PlanarConfiguration = 0
    ds.BitsAllocated = 8 if base.bits == 8 else 16
    ds.BitsStored, ds.HighBit = base.bits, base.bits - 1
    ds.PixelRepresentation = 1 if base.signed else 0
    ds.file_meta.MediaStorageSOPClassUID = ds.SOPClassUID
    ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    ds.file_meta.TransferSyntaxUID = pydicom.uid.ExplicitVRLittleEndian
    ds.PixelData = pixels.tobytes()
    ds["PixelData"].VR = "OB" if base.bits == 8 else "OW"
    return ds
