"""A blind burned-in text set: scanner and workstation overlays over real images.

Imitates the public pixel de-identification benchmark issue #20 describes (CT, MR,
mammography and radiography images with patient names, IDs, dates of birth, ages and
institutions drawn into the pixels, with ground-truth boxes): overlay blocks of a few
lines in the image corners and in top/bottom bands, white or grey, in a few fonts and
sizes, written at the image's own bit depth (12/16-bit) over real content from pydicom's
test files.  About one image in six carries no text.

Written to be measured against, never tuned on: it imports nothing from curator and
shares no code with curator.testing.synthetic_text or tests/pixel_heldout.py.  Measure it
with ``python benchmarks/pixels.py --sets blind``.  ``blind_cases(count, seed)`` returns
the cases, deterministic for a seed; every name and number is made up.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
import pydicom
from PIL import Image, ImageDraw, ImageFont
from pydicom.data import get_testdata_file
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, RLELossless, generate_uid

FONTS = Path("/usr/share/fonts/truetype")
FACES = ("dejavu/DejaVuSans.ttf", "dejavu/DejaVuSansMono.ttf", "liberation/LiberationSans-Regular.ttf",
         "liberation/LiberationMono-Regular.ttf", "liberation/LiberationSans-Bold.ttf", "noto/NotoSans-Regular.ttf")
SURNAMES = ("SMITH", "JOHNSON", "WILLIAMS", "GARCIA", "MILLER", "DAVIS", "RODRIGUEZ", "MARTINEZ", "HERNANDEZ",
            "LOPEZ", "WILSON", "ANDERSON", "THOMAS", "TAYLOR", "MOORE", "JACKSON", "MARTIN", "LEE", "THOMPSON",
            "WHITE", "HARRIS", "CLARK", "LEWIS", "ROBINSON", "WALKER", "YOUNG", "ALLEN", "KING", "WRIGHT", "SCOTT")
FORENAMES = ("JAMES", "MARY", "ROBERT", "PATRICIA", "JOHN", "JENNIFER", "MICHAEL", "LINDA", "DAVID", "ELIZABETH",
             "WILLIAM", "BARBARA", "RICHARD", "SUSAN", "JOSEPH", "JESSICA", "CHARLES", "SARAH", "KAREN", "NANCY")
INSTITUTIONS = ("St. Mary's Medical Center", "Riverside General Hospital", "Mercy Regional Imaging",
                "University Hospital North", "Lakeview Community Hospital", "Memorial Cancer Institute",
                "County Radiology Associates", "Valley Children's Hospital")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@dataclass
class Overlay:
    """One drawn line of text: its frame, ink box (y0, x0, y1, x1, end exclusive) and ink
    mask inside the box (coverage >= 0.5)."""

    text: str
    frame: int
    box: tuple[int, int, int, int]
    ink: np.ndarray = field(repr=False)

    def tokens(self) -> list[str]:
        """Words of 3+ letters or digits, upper case (what a reader could pick up)."""
        cleaned = "".join(c if c.isalnum() else " " for c in self.text)
        return [word.upper() for word in cleaned.split() if len(word) >= 3]


@dataclass
class BlindCase:
    name: str
    dataset: Dataset
    lines: list[Overlay]


@dataclass(frozen=True)
class Source:
    """A kind of image made from one pydicom test file."""

    modality: str
    file: str
    shape: tuple[int, int]  # rows, cols of the image made
    bits: int  # bits stored
    signed: bool
    inverted: bool = False  # MONOCHROME1


SOURCES = (
    Source("CT", "J2K_pixelrep_mismatch.dcm", (512, 512), 12, True),
    Source("CT", "693_J2KI.dcm", (512, 512), 16, True),
    Source("CT", "CT_small.dcm", (512, 512), 12, False),
    Source("MR", "examples_overlay.dcm", (300, 484), 12, False),
    Source("MR", "MR_small.dcm", (256, 256), 16, False),
    Source("MG", "examples_overlay.dcm", (1024, 768), 14, False),
    Source("MG", "693_J2KI.dcm", (960, 720), 12, False, True),
    Source("DX", "JPEG2000.dcm", (1024, 832), 12, False),
    Source("CR", "J2K_pixelrep_mismatch.dcm", (880, 720), 10, False, True),
)


@lru_cache(maxsize=None)
def _pixels(file: str) -> np.ndarray:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ds = pydicom.dcmread(get_testdata_file(file))
        data = ds.pixel_array.astype(np.float64)
    return data[0] if data.ndim == 3 else data


def _content(source: Source, rng: np.random.Generator) -> np.ndarray:
    """The source image resized (bilinear) to the target shape and scaled to the stored
    bit range, as integers: real anatomy, the scanner's own background around it."""
    data = _pixels(source.file)
    if source.modality in ("MG", "CR", "DX"):
        rows, cols = data.shape
        top, left = int(rng.integers(0, rows // 6 + 1)), int(rng.integers(0, cols // 6 + 1))
        data = data[top: top + rows * 5 // 6, left: left + cols * 5 // 6]
    low, high = np.percentile(data, (0.5, 99.8))
    scaled = np.clip((data - low) / max(high - low, 1e-6), 0, 1)
    image = Image.fromarray((scaled * 65535).astype(np.uint16).astype(np.int32)).convert("F")
    resized = np.asarray(image.resize((source.shape[1], source.shape[0]), Image.BILINEAR)) / 65535.0
    top_value = (1 << source.bits) - 1
    values = np.clip(resized * top_value * rng.uniform(0.7, 0.9), 0, top_value)
    return top_value - values if source.inverted else values  # MONOCHROME1: displayed as the source looks


def _name(rng: np.random.Generator) -> str:
    surname, forename = str(rng.choice(SURNAMES)), str(rng.choice(FORENAMES))
    return str(rng.choice([f"{surname}^{forename}", f"{surname}, {forename}", f"{forename.title()} {surname.title()}",
                           f"{surname} {forename[0]}."]))


def _date(rng: np.random.Generator, year0: int, year1: int) -> str:
    y, m, d = int(rng.integers(year0, year1)), int(rng.integers(1, 13)), int(rng.integers(1, 29))
    return str(rng.choice([f"{y}{m:02d}{d:02d}", f"{y}-{m:02d}-{d:02d}", f"{m:02d}/{d:02d}/{y}",
                           f"{d:02d}-{MONTHS[m - 1]}-{y}", f"{d:02d}.{m:02d}.{y}"]))


def _patient_block(rng: np.random.Generator) -> list[str]:
    ident = "".join(str(d) for d in rng.integers(0, 10, int(rng.integers(6, 10))))
    age = int(rng.integers(18, 95))
    lines = [_name(rng), str(rng.choice([f"ID: {ident}", f"MRN {ident}", f"PID:{ident}", ident]))]
    lines.append(str(rng.choice([f"DOB: {_date(rng, 1930, 2005)}", f"Born {_date(rng, 1930, 2005)}", _date(rng, 1930, 2005)])))
    lines.append(str(rng.choice([f"{age:03d}Y {rng.choice(['M', 'F'])}", f"Age {age}", f"{age}Y/{rng.choice(['M', 'F'])}"])))
    return lines[: int(rng.integers(2, 5))]


def _study_block(rng: np.random.Generator) -> list[str]:
    when = f"{_date(rng, 2012, 2024)} {int(rng.integers(7, 19)):02d}:{int(rng.integers(0, 60)):02d}"
    accession = "".join(str(d) for d in rng.integers(0, 10, 7))
    lines = [str(rng.choice(INSTITUTIONS)), when, f"Acc {accession}"]
    return lines[: int(rng.integers(1, 4))]


def _technique_block(rng: np.random.Generator, modality: str) -> list[str]:
    if modality == "CT":
        return [f"{int(rng.choice([100, 120, 140]))} kV", f"W {int(rng.integers(80, 2000))} L {int(rng.integers(-600, 300))}"]
    if modality == "MR":
        return [f"TR {int(rng.integers(300, 6000))} TE {int(rng.integers(8, 120))}", f"Se {int(rng.integers(1, 12))} Im {int(rng.integers(1, 200))}"]
    if modality == "MG":
        return [str(rng.choice(["L CC", "R CC", "L MLO", "R MLO"])), f"{int(rng.integers(24, 34))} kV {int(rng.integers(40, 160))} mAs"]
    return [str(rng.choice(["PA", "AP", "LAT"])), f"{int(rng.integers(60, 125))} kVp"]


def _font(rng: np.random.Generator, size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    face = FONTS / str(rng.choice(FACES))
    return ImageFont.truetype(str(face), size) if face.exists() else ImageFont.load_default()


def _block(text_lines: list[str], font: ImageFont.FreeTypeFont | ImageFont.ImageFont, spacing: float) -> list[np.ndarray]:
    """Per line, its coverage (0..1) on a canvas as wide as the line and one line high."""
    out = []
    for text in text_lines:
        left, top, right, bottom = font.getbbox(text)
        canvas = Image.new("L", (int(right) + 4, int(bottom * spacing) + 2), 0)
        ImageDraw.Draw(canvas).text((0, 0), text, font=font, fill=255)
        out.append(np.asarray(canvas, dtype=np.float64) / 255.0)
    return out


def _place(image: np.ndarray, coverage: list[np.ndarray], texts: list[str], corner: str, value: float,
           rng: np.random.Generator) -> list[Overlay]:
    """Draw a block of lines at a corner (or centred in a band) and return their ground truth."""
    rows, cols = image.shape
    margin = int(rng.integers(2, max(3, cols // 40)))
    height = sum(c.shape[0] for c in coverage)
    y = margin if corner[0] == "t" else rows - height - margin
    placed = []
    for text, cover in zip(texts, coverage):
        h, w = cover.shape
        if w >= cols - 2 * margin or y < 0 or y + h > rows:
            y += h
            continue
        x = {"l": margin, "r": cols - w - margin}.get(corner[1], (cols - w) // 2)
        region = image[y:y + h, x:x + w]
        region[...] = region * (1 - cover) + value * cover
        ink = cover >= 0.5
        if ink.any():
            ys, xs = np.nonzero(ink)
            box = (y + int(ys.min()), x + int(xs.min()), y + int(ys.max()) + 1, x + int(xs.max()) + 1)
            placed.append(Overlay(text, 0, box, ink[ys.min(): ys.max() + 1, xs.min(): xs.max() + 1]))
        y += h
    return placed


def blind_case(index: int, seed: int = 0) -> BlindCase:
    rng = np.random.default_rng([seed, index, 2026])
    source = SOURCES[int(rng.integers(0, len(SOURCES)))]
    image = _content(source, rng)
    lines: list[Overlay] = []
    if index % 6 != 5:  # every sixth image carries no text
        top_value = (1 << source.bits) - 1
        size = int(rng.integers(10, 19) * max(1.0, source.shape[1] / 512) ** 0.8)
        font = _font(rng, size)
        spacing = float(rng.uniform(1.05, 1.4))
        blocks = [_patient_block(rng), _study_block(rng), _technique_block(rng, source.modality)]
        corners = ["tl", "tr", "bl", "br", "tc", "bc"]
        rng.shuffle(corners)
        for texts, corner in zip(blocks[: int(rng.integers(1, 4))], corners):
            white = rng.random() < 0.6
            value = top_value * (rng.uniform(0.92, 1.0) if white else rng.uniform(0.5, 0.75))
            if source.inverted:
                value = top_value - value  # MONOCHROME1: shown inverted, so text stays light on screen
            lines.extend(_place(image, _block(texts, font, spacing), texts, corner, value, rng))
    stored = np.rint(image).astype(np.int32)
    return BlindCase(f"blind-{seed}-{index:03d}-{source.modality}", _dataset(source, stored, index, seed, rng), lines)


def blind_cases(count: int, seed: int = 0) -> list[BlindCase]:
    return [blind_case(index, seed) for index in range(count)]


def _dataset(source: Source, stored: np.ndarray, index: int, seed: int, rng: np.random.Generator) -> Dataset:
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.MediaStorageSOPClassUID = {"CT": "1.2.840.10008.5.1.4.1.1.2", "MR": "1.2.840.10008.5.1.4.1.1.4",
                                            "MG": "1.2.840.10008.5.1.4.1.1.1.2", "DX": "1.2.840.10008.5.1.4.1.1.1.1",
                                            "CR": "1.2.840.10008.5.1.4.1.1.1"}[source.modality]
    ds.file_meta.MediaStorageSOPInstanceUID = generate_uid(entropy_srcs=["blind", str(seed), str(index)])
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.SOPClassUID, ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPClassUID, ds.file_meta.MediaStorageSOPInstanceUID
    ds.StudyInstanceUID = generate_uid(entropy_srcs=["blind-study", str(seed), str(index)])
    ds.SeriesInstanceUID = generate_uid(entropy_srcs=["blind-series", str(seed), str(index)])
    ds.Modality, ds.PatientName, ds.PatientID = source.modality, "BLIND^CASE", f"B{seed}{index:04d}"
    ds.Rows, ds.Columns = stored.shape
    ds.SamplesPerPixel, ds.BitsAllocated, ds.BitsStored, ds.HighBit = 1, 16, source.bits, source.bits - 1
    ds.PhotometricInterpretation = "MONOCHROME1" if source.inverted else "MONOCHROME2"
    if source.signed:  # CT: stored values shifted to signed, the rescale puts them back
        offset = 1 << (source.bits - 1)
        ds.PixelRepresentation, ds.RescaleIntercept, ds.RescaleSlope = 1, -1024 + offset, 1
        pixels = (stored - offset).astype(np.int16)
    else:
        ds.PixelRepresentation = 0
        pixels = stored.astype(np.uint16)
    flag = rng.choice(["NO", "NO", "", "YES"])
    if flag:
        ds.BurnedInAnnotation = str(flag)
    ds.PixelData = pixels.tobytes()
    if rng.random() < 0.25:
        ds.compress(RLELossless, encoding_plugin="pydicom")
    return ds
