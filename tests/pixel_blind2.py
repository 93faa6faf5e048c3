"""A second blind burned-in text set ("blind2"): modality screens and labels over real images.

Written without looking at curator's text detector or at the three other generators' drawing
code, to be measured against and never tuned on.  It imitates how burned-in identifiers look
in clinical archives and in the public pixel de-identification benchmark issue #20 describes
(CT, MR, mammography and radiography images with names, IDs, dates of birth, ages and
institutions drawn into the pixels):

* CT and MR workstation overlays in the four corners (name, ID, birth date / age / sex, study
  date and time, institution; kV, mAs, slice, TR/TE, W/L), white, grey or dim, sometimes a line
  over the anatomy; 12-bit signed CT and 12/16-bit MR;
* XA cine (multi-frame, 10-bit) with text in every frame or only in some frames;
* ultrasound (RGB, multi-frame cine): a header bar (hospital, name, ID, date, probe, MI/TIs),
  a grey-scale bar, depth marks and a coloured measurement; JPEG baseline, RLE or native;
* radiographs (DX/CR, 10 to 14 bit, MONOCHROME1 or 2): an L/R marker and a label block drawn
  on a white or black rectangle;
* mammograms (14 bit): view and laterality, facility, patient block, exposure;
* secondary captures: viewer screenshots with anti-aliased UI fonts and coloured text;
* small (7 to 9 px, bitmap, not anti-aliased) and large fonts; accented Latin, Cyrillic, Greek
  and CJK names; dates in several formats;
* transfer syntaxes: explicit and implicit VR little endian, deflated, RLE lossless, JPEG
  baseline (Pillow's encoder); BurnedInAnnotation YES, NO or absent, whatever the pixels hold;
* one image in six carries no text at all (false redaction).

Ground truth: one :class:`Line` per drawn line of text and frame, with its ink box and ink mask
and whether it is an identifier or technical text (both are text a cleaner must remove).
``blind2_cases(count, seed)`` is deterministic for a seed; every name and number is made up.
Uses pydicom, numpy and Pillow only, with system fonts (DejaVu, Liberation, Noto, WenQuanYi).
"""
from __future__ import annotations

import io
import warnings
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
import pydicom
from PIL import Image, ImageDraw, ImageFont
from pydicom.data import get_testdata_file
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.encaps import encapsulate
from pydicom.uid import (
    UID,
    DeflatedExplicitVRLittleEndian,
    ExplicitVRLittleEndian,
    ImplicitVRLittleEndian,
    JPEGBaseline8Bit,
    RLELossless,
    generate_uid,
)

FONT_DIR = Path("/usr/share/fonts/truetype")
LATIN_FACES = (
    "dejavu/DejaVuSans.ttf", "dejavu/DejaVuSansMono.ttf", "dejavu/DejaVuSansCondensed-Bold.ttf",
    "liberation/LiberationSans-Regular.ttf", "liberation/LiberationMono-Regular.ttf",
    "liberation/LiberationSansNarrow-Regular.ttf", "liberation/LiberationSerif-Regular.ttf",
    "liberation/LiberationSans-Bold.ttf", "noto/NotoSans-Regular.ttf",
)
CJK_FACE = "wqy/wqy-microhei.ttc"
Color = tuple[float, float, float]


@dataclass
class Line:
    """One drawn line of text in one frame: ink box (y0, x0, y1, x1, end exclusive), ink mask
    inside the box (coverage >= 0.5), and whether it identifies someone or something."""

    text: str
    frame: int
    box: tuple[int, int, int, int]
    ink: np.ndarray = field(repr=False)
    identifier: bool = True

    def tokens(self) -> list[str]:
        """Words of 3+ letters or digits, upper case (what a reader could pick up)."""
        cleaned = "".join(c if c.isalnum() else " " for c in self.text)
        return [word.upper() for word in cleaned.split() if len(word) >= 3]


@dataclass
class Blind2Case:
    name: str
    dataset: Dataset
    lines: list[Line]


# ---------------------------------------------------------------- made-up identities

GIVEN = {
    "latin": ("Amélie", "Jörg", "Søren", "Zoë", "Łukasz", "Inés", "Tomáš", "Renée", "Gunnar",
              "Aurelio", "Birgit", "Kwame", "Priya", "Hamid", "Marguerite", "Ove", "Dalia"),
    "cyrillic": ("Алексей", "Наталья", "Дмитрий", "Ольга", "Святослав", "Ксения"),
    "greek": ("Γιώργος", "Ελένη", "Νικόλαος", "Δήμητρα", "Σπύρος", "Αθηνά"),
    "cjk": ("明华", "秀英", "志强", "丽娟", "建国", "晓燕"),
}
FAMILY = {
    "latin": ("Oyelaran", "Vasquez-Ruiz", "Brøndsted", "Kowalczyk", "Nakagawa", "Dufresne",
              "Schäfer", "O'Donnell", "Petrović", "Lindqvist", "Haddad", "Ferreira", "Quiñones"),
    "cyrillic": ("Воронцова", "Кузнецов", "Белоусов", "Миронова", "Тимофеев", "Ярцева"),
    "greek": ("Παπαδόπουλος", "Οικονόμου", "Καραγιάννη", "Βλάχος", "Ζαχαρίου"),
    "cjk": ("王", "李", "张", "刘", "陈", "欧阳"),
}
INSTITUTIONS = {
    "latin": ("St. Aldric Hospital", "Klinikum Nordheide-Süd", "Hôpital Sainte-Odile",
              "RIVERSIDE IMAGING CTR", "Ospedale San Vitale", "Hospital Universitário Alvorada",
              "Marlow Valley Medical Center"),
    "cyrillic": ("Городская больница №7", "Клиника Северная"),
    "greek": ("Νοσοκομείο Αγία Ειρήνη", "Κλινική Ολύμπιον"),
    "cjk": ("仁和医院", "东华医疗中心"),
}
MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")


@dataclass
class Identity:
    script: str
    name: str
    patient_id: str
    birth: str
    age: str
    sex: str
    study_date: str
    study_time: str
    institution: str
    accession: str
    dicom_name: str


def _pick(rng: np.random.Generator, options: tuple[str, ...]) -> str:
    return options[int(rng.integers(len(options)))]


def _date(rng: np.random.Generator, year0: int, year1: int) -> str:
    y, m, d = int(rng.integers(year0, year1)), int(rng.integers(1, 13)), int(rng.integers(1, 29))
    formats = (f"{y}-{m:02d}-{d:02d}", f"{d:02d}.{m:02d}.{y}", f"{m:02d}/{d:02d}/{y}",
               f"{d:02d}-{MONTHS[m - 1].title()}-{y}", f"{y}{m:02d}{d:02d}", f"{d} {MONTHS[m - 1]} {y}",
               f"{y}/{m:02d}/{d:02d}")
    return formats[int(rng.integers(len(formats)))]


def _identity(rng: np.random.Generator) -> Identity:
    script = _pick(rng, ("latin",) * 6 + ("cyrillic", "greek", "cjk"))
    given, family = _pick(rng, GIVEN[script]), _pick(rng, FAMILY[script])
    if script == "cjk":
        name = family + given
    else:
        style = int(rng.integers(4))
        name = (f"{family.upper()}^{given.upper()}", f"{family}, {given}",
                f"{given} {family}", f"{family.upper()} {given}")[style]
    digits = "".join(str(int(d)) for d in rng.integers(0, 10, 9))
    patient_id = _pick(rng, (digits[:8], f"K{digits[:7]}", f"{digits[:4]}-{digits[4:7]}-{digits[7:]}",
                             f"A{digits}", f"{digits[:2]}{chr(65 + int(rng.integers(26)))}{digits[2:8]}"))
    age = int(rng.integers(1, 96))
    return Identity(
        script=script, name=name, patient_id=patient_id, birth=_date(rng, 1928, 2024),
        age=_pick(rng, (f"{age:03d}Y", f"{age}Y", f"{age} y", f"Age {age}", f"{age}J")),
        sex=_pick(rng, ("M", "F", "O")), study_date=_date(rng, 2003, 2026),
        study_time=f"{int(rng.integers(24)):02d}:{int(rng.integers(60)):02d}:{int(rng.integers(60)):02d}",
        institution=_pick(rng, INSTITUTIONS[script if rng.random() < 0.7 else "latin"]),
        accession=f"{int(rng.integers(10**6, 10**8))}", dicom_name=f"{family}^{given}",
    )


# ---------------------------------------------------------------- drawing


@lru_cache(maxsize=64)
def _font_file(face: str, size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    path = FONT_DIR / face
    if path.exists():
        return ImageFont.truetype(str(path), size)
    return ImageFont.load_default(size)


@dataclass
class Style:
    """How a block of text is drawn: font face and size, bitmap (no anti-aliasing) or not."""

    face: str
    size: int
    bitmap: bool = False


def _style(rng: np.random.Generator, low: int, high: int) -> Style:
    size = int(rng.integers(low, high + 1))
    return Style(_pick(rng, LATIN_FACES), size, bitmap=size <= 10 and rng.random() < 0.6)


def _coverage(text: str, style: Style, script: str) -> np.ndarray:
    """Ink coverage in [0, 1] of one line, trimmed to its non-zero pixels."""
    face = CJK_FACE if script == "cjk" and any(ord(c) > 0x2E80 for c in text) else style.face
    font = _font_file(face, style.size)
    left, top, right, bottom = font.getbbox(text)
    image = Image.new("L", (int(right - left) + 4, int(bottom - top) + 4), 0)
    draw = ImageDraw.Draw(image)
    draw.fontmode = "1" if style.bitmap else "L"
    draw.text((2 - left, 2 - top), text, fill=255, font=font)
    cover = np.asarray(image, dtype=np.float32) / 255.0
    rows, cols = np.nonzero(cover > 0)
    return cover[rows.min():rows.max() + 1, cols.min():cols.max() + 1]


class Canvas:
    """Frames in display scale [0, 1] (grey (F, H, W) or colour (F, H, W, 3)) and the lines drawn."""

    def __init__(self, frames: np.ndarray, draw: bool, script: str) -> None:
        self.frames = frames.astype(np.float32)
        self.draw = draw
        self.script = script
        self.lines: list[Line] = []
        self.taken: list[tuple[int, int, int, int]] = []

    @property
    def height(self) -> int:
        return int(self.frames.shape[1])

    @property
    def width(self) -> int:
        return int(self.frames.shape[2])

    def fill(self, y0: int, x0: int, y1: int, x1: int, value: float | Color, frames: list[int] | None = None) -> None:
        """A graphic (label rectangle, bar): drawn whether or not text is, never ground truth."""
        for f in frames if frames is not None else range(len(self.frames)):
            self.frames[f, max(y0, 0):y1, max(x0, 0):x1] = value

    def measure(self, text: str, style: Style) -> tuple[int, int]:
        cover = _coverage(text, style, self.script)
        return int(cover.shape[0]), int(cover.shape[1])

    def put(self, text: str, style: Style, y: int, x: int, color: float | Color, identifier: bool,
            frames: list[int] | None = None) -> tuple[int, int]:
        """Draw one line with its top-left ink pixel at (y, x), clamped inside the image; returns
        the (height, width) of its ink.  Records a Line per frame whether or not ink is drawn
        (``draw`` False renders the same image without text, for the consistency test)."""
        cover = _coverage(text, style, self.script)
        h, w = cover.shape
        y = int(min(max(y, 0), self.height - h))
        x = int(min(max(x, 0), self.width - w))
        if y < 0 or x < 0:
            return h, w
        box = (y, x, y + h, x + w)
        self.taken.append(box)
        ink = cover >= 0.5
        alpha = cover[..., None] if self.frames.ndim == 4 else cover
        paint = self._legible(np.asarray(color, dtype=np.float32), box)
        for f in frames if frames is not None else range(len(self.frames)):
            region = self.frames[f, y:y + h, x:x + w]
            if self.draw:
                self.frames[f, y:y + h, x:x + w] = region * (1 - alpha) + paint * alpha
            self.lines.append(Line(text, int(f), box, ink.copy(), identifier))
        return h, w

    def _legible(self, paint: np.ndarray, box: tuple[int, int, int, int]) -> np.ndarray:
        """Burned-in text is written to be read: a grey too close to the background under the
        line (median brightness within 0.25) becomes white or black."""
        y0, x0, y1, x1 = box
        under = self.frames[0, y0:y1, x0:x1]
        background = float(np.median(under.mean(axis=-1) if under.ndim == 3 else under))
        if abs(float(paint.mean()) - background) >= 0.25:
            return paint
        return np.full_like(paint, 1.0 if background < 0.5 else 0.0)

    def block(self, texts: list[tuple[str, bool]], style: Style, corner: str, color: float | Color,
              margin: int, frames: list[int] | None = None, top: int | None = None) -> int:
        """Lines stacked in a corner ('tl', 'tr', 'bl', 'br'); returns the block height."""
        sizes = [self.measure(t, style) for t, _ in texts]
        gap = max(2, style.size // 4)
        total = sum(h for h, _ in sizes) + gap * (len(sizes) - 1)
        y = (margin if top is None else top) if corner[0] == "t" else self.height - margin - total
        for (text, identifier), (h, w) in zip(texts, sizes):
            x = margin if corner[1] == "l" else self.width - margin - w
            self.put(text, style, y, x, color, identifier, frames)
            y += h + gap
        return total


# ---------------------------------------------------------------- real image content


def _decoded(file: str) -> np.ndarray:
    path = get_testdata_file(file)
    if not isinstance(path, str):
        raise FileNotFoundError(f"pydicom test file {file} is missing")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return np.asarray(pydicom.dcmread(path).pixel_array)


@lru_cache(maxsize=8)
def _content(kind: str) -> np.ndarray:
    """Real pixels from pydicom's test files, scaled to [0, 1], cropped clear of their own text."""
    if kind == "ct":
        raw = _decoded("693_J2KI.dcm").astype(np.float32)
    elif kind == "ct_small":
        raw = _decoded("CT_small.dcm").astype(np.float32)
    elif kind == "mr":
        raw = _decoded("examples_overlay.dcm").astype(np.float32)
    elif kind == "mr_small":
        raw = _decoded("MR_small.dcm").astype(np.float32)
    elif kind == "us_cine":
        raw = _decoded("examples_ybr_color.dcm")[:8, 15:215, 45:280].astype(np.float32)
    else:  # us_doppler
        raw = _decoded("examples_jpeg2k.dcm")[110:335, 75:590].astype(np.float32)
    low, high = float(np.percentile(raw, 0.5)), float(np.percentile(raw, 99.8))
    return np.clip((raw - low) / max(high - low, 1.0), 0.0, 1.0)


def _resized(image: np.ndarray, height: int, width: int) -> np.ndarray:
    """A grey or RGB [0, 1] image resampled to (height, width)."""
    mode = Image.fromarray((image * 65535).astype(np.uint16)) if image.ndim == 2 else None
    if mode is not None:
        out = np.asarray(mode.convert("I").resize((width, height), Image.Resampling.BILINEAR), dtype=np.float32)
        return out / 65535.0
    rgb = Image.fromarray((image * 255).astype(np.uint8)).resize((width, height), Image.Resampling.BILINEAR)
    return np.asarray(rgb, dtype=np.float32) / 255.0


def _grey_frames(rng: np.random.Generator, kinds: tuple[str, ...], height: int, width: int,
                 count: int, scale: float) -> np.ndarray:
    base = _resized(_content(_pick(rng, kinds)), height, width) * scale
    frames = []
    for f in range(count):
        shifted = np.roll(base, (2 * f, -f), axis=(0, 1))
        frames.append(shifted + rng.normal(0, 0.004, shifted.shape).astype(np.float32))
    return np.clip(np.stack(frames), 0.0, 1.0)


# ---------------------------------------------------------------- scenes


@dataclass
class Scene:
    """A drawn image and how it is stored."""

    kind: str
    canvas: Canvas
    modality: str
    sop_class: str
    bits: int = 8
    signed: bool = False
    monochrome1: bool = False
    syntaxes: tuple[UID, ...] = (ExplicitVRLittleEndian, ImplicitVRLittleEndian, RLELossless)


def _grey(rng: np.random.Generator, low: float, high: float) -> float:
    return float(rng.uniform(low, high))


def _ct_mr(rng: np.random.Generator, who: Identity, draw: bool, modality: str) -> Scene:
    """Workstation overlay in the four corners of a CT or MR slice."""
    if modality == "CT":
        size = (512, 512)
        frames = _grey_frames(rng, ("ct", "ct", "ct_small"), *size, 1, 0.72)
    else:
        size = ((384, 384), (256, 320), (448, 512))[int(rng.integers(3))]
        frames = _grey_frames(rng, ("mr", "mr", "mr_small"), *size, 1, 0.75)
    canvas = Canvas(frames, draw, who.script)
    style = _style(rng, 7, min(16, size[1] // 30))
    color = 1.0 if rng.random() < 0.6 else _grey(rng, 0.55, 0.85)
    margin = int(rng.integers(2, 10))
    patient = [(who.name, True), (f"ID: {who.patient_id}" if rng.random() < 0.5 else who.patient_id, True),
               (_pick(rng, (f"DOB: {who.birth}", f"{who.birth} {who.sex}", f"*{who.birth}")), True),
               (f"{who.age} {who.sex}", True)]
    study = [(who.institution, True), (who.study_date, True), (who.study_time, True),
             (f"Se: {int(rng.integers(1, 12))}  Im: {int(rng.integers(1, 300))}", False)]
    if modality == "CT":
        technique = [(f"{_pick(rng, ('80', '100', '120', '140'))} kV", False),
                     (f"{int(rng.integers(40, 400))} mAs", False),
                     (f"{_pick(rng, ('0.625', '1.25', '2.5', '5.0'))} mm", False),
                     (f"Tilt: {_pick(rng, ('0.0', '-12.0', '15.5'))}", False)]
        window = _pick(rng, ("W 400 L 40", "WW 1500 WL 300", "W:80 L:35", "C 50 W 350"))
    else:
        technique = [(f"TR {int(rng.integers(300, 9000))}", False), (f"TE {int(rng.integers(8, 120))}", False),
                     (f"ST {_pick(rng, ('3.0', '4.0', '5.0'))}mm", False),
                     (f"FOV {_pick(rng, ('240', '320', '380'))}x{_pick(rng, ('240', '260', '320'))}", False)]
        window = _pick(rng, ("W 1245 L 622", "WW:890 WL:410", "C 300 W 700"))
    viewer = [(window, False), (f"Zoom {_pick(rng, ('1.00', '1.25', '2.10'))}", False)]
    if rng.random() < 0.4:
        viewer.append((f"Ref: Dr. {_pick(rng, FAMILY['latin'])}", True))
    blocks = {"tl": patient, "tr": study, "bl": technique, "br": viewer}
    if rng.random() < 0.3:
        blocks["tl"], blocks["tr"] = study, patient
    for corner, texts in blocks.items():
        keep = [t for t in texts if rng.random() < 0.85] or texts[:1]
        if corner in ("bl", "br") and rng.random() < 0.2:
            continue
        canvas.block(keep, style, corner, color, margin)
    if rng.random() < 0.3:  # a line over the anatomy, in a dimmer grey
        text = _pick(rng, (who.name, f"{who.name} {who.patient_id}", who.patient_id))
        h, w = canvas.measure(text, style)
        canvas.put(text, style, int(rng.integers(canvas.height // 3, 2 * canvas.height // 3)),
                   (canvas.width - w) // 2, _grey(rng, 0.5, 0.95), True)
    sop = "1.2.840.10008.5.1.4.1.1.2" if modality == "CT" else "1.2.840.10008.5.1.4.1.1.4"
    bits = 12 if modality == "CT" else _pick(rng, ("12", "16"))
    return Scene(modality.lower(), canvas, modality, sop, int(bits), signed=modality == "CT" and rng.random() < 0.5,
                 syntaxes=(ExplicitVRLittleEndian, ImplicitVRLittleEndian, RLELossless, DeflatedExplicitVRLittleEndian))


def _xa(rng: np.random.Generator, who: Identity, draw: bool) -> Scene:
    """XA cine, 10-bit: patient block in every frame or only in some; a per-frame counter."""
    count = int(rng.integers(3, 6))
    frames = _grey_frames(rng, ("ct", "mr"), 512, 512, count, 0.8)
    frames = 0.9 - frames * 0.8  # vessels dark on a bright field, as fluoroscopy displays them
    canvas = Canvas(frames, draw, who.script)
    style = _style(rng, 8, 14)
    color = _pick(rng, ("white", "black"))
    value = 1.0 if color == "white" else 0.0
    every = rng.random() < 0.5
    shown = list(range(count)) if every else sorted({0, int(rng.integers(1, count))})
    canvas.block([(who.name, True), (who.patient_id, True), (who.birth, True)], style, "tl", value, 6, shown)
    canvas.block([(who.institution, True), (f"{who.study_date} {who.study_time}", True)], style, "tr", value, 6, shown)
    for f in range(count):
        canvas.block([(f"Frame {f + 1}/{count}", False), ("LAO 30 CRAN 20", False)], style, "br", value, 6, [f])
    return Scene("xa", canvas, "XA", "1.2.840.10008.5.1.4.1.1.12.1", 10)


def _us_header(rng: np.random.Generator, canvas: Canvas, who: Identity, bar: int) -> None:
    style = _style(rng, 9, 14)
    white = (1.0, 1.0, 1.0)
    colour: Color = white if rng.random() < 0.5 else (0.55, 0.95, 1.0)
    canvas.block([(who.institution, True), (who.name, True)], style, "tl", colour, 4)
    middle = f"ID {who.patient_id}" if rng.random() < 0.6 else who.patient_id
    h, w = canvas.measure(middle, style)
    canvas.put(middle, style, 4, canvas.width // 2 - w // 2, colour, True)
    canvas.block([(f"{who.study_date} {who.study_time}", True),
                  (f"{_pick(rng, ('C5-1', 'L12-5', 'S5-1', 'C1-6'))}  MI {rng.uniform(0.2, 1.4):.1f}"
                   f"  TIs {rng.uniform(0.1, 0.9):.1f}", False)], style, "tr", white, 4)
    if rng.random() < 0.5:
        small = Style(_pick(rng, LATIN_FACES), int(rng.integers(8, 11)), bitmap=True)
        canvas.put(f"{who.age} {who.sex}", small, bar + 4, 4, white, True)


def _us(rng: np.random.Generator, who: Identity, draw: bool) -> Scene:
    """Ultrasound: header bar, grey-scale bar, depth marks, coloured measurement; RGB, cine or not."""
    cine = rng.random() < 0.5
    source = _content("us_cine" if cine else "us_doppler")
    count = int(rng.integers(2, 5)) if cine else 1
    height, width, bar = 480, 640, int(rng.integers(36, 52))
    frames = np.zeros((count, height, width, 3), dtype=np.float32)
    view_w = int(width * 0.7)
    for f in range(count):
        picture = source[f % len(source)] if cine else source
        picture = np.repeat(picture[..., None], 3, axis=2) if picture.ndim == 2 else picture
        frames[f, bar + 8:height - 40, 90:90 + view_w] = _resized(picture, height - 48 - bar, view_w)
    canvas = Canvas(frames, draw, who.script)
    canvas.fill(0, 0, bar, width, (0.08, 0.1, 0.22) if rng.random() < 0.5 else (0.12, 0.12, 0.12))
    ramp = np.linspace(1.0, 0.0, 200, dtype=np.float32)[:, None, None]
    for f in range(count):
        canvas.frames[f, bar + 30:bar + 230, 20:32] = ramp
    _us_header(rng, canvas, who, bar)
    marks = Style(_pick(rng, LATIN_FACES), int(rng.integers(8, 12)), bitmap=rng.random() < 0.5)
    for depth in range(0, 20, 5):
        canvas.put(str(depth), marks, bar + 10 + depth * 19, 90 + view_w + 8, (0.8, 0.8, 0.8), False)
    yellow: Color = (1.0, 0.95, 0.2) if rng.random() < 0.6 else (0.3, 1.0, 0.4)
    measured = list(range(count - 1, count)) if count > 1 and rng.random() < 0.6 else None
    style = _style(rng, 10, 15)
    canvas.put(f"D1 {rng.uniform(0.5, 9.9):.2f} cm", style, height - 34, 100, yellow, False, measured)
    for f in measured if measured is not None else range(count):
        y, x = int(rng.integers(bar + 60, height - 120)), int(rng.integers(150, 500))
        canvas.frames[f, y - 4:y + 5, x] = yellow
        canvas.frames[f, y, x - 4:x + 5] = yellow
    if rng.random() < 0.5:
        label = _pick(rng, ("LT KIDNEY", "RT LOBE", "GB LONG", "LYMPH NODE", "THYROID TRV"))
        canvas.put(label, style, height - 80, 380, (1.0, 1.0, 1.0), False)
    sop = "1.2.840.10008.5.1.4.1.1.3.1" if count > 1 else "1.2.840.10008.5.1.4.1.1.6.1"
    return Scene("us", canvas, "US", sop, 8, syntaxes=(JPEGBaseline8Bit, JPEGBaseline8Bit, RLELossless, ExplicitVRLittleEndian))


def _label(rng: np.random.Generator, canvas: Canvas, texts: list[tuple[str, bool]], style: Style,
           corner: str, margin: int) -> None:
    """A label block on its own rectangle: dark text on white or white text on black."""
    sizes = [canvas.measure(t, style) for t, _ in texts]
    gap, pad = max(2, style.size // 4), int(rng.integers(4, 10))
    height = sum(h for h, _ in sizes) + gap * (len(sizes) - 1) + 2 * pad
    width = max(w for _, w in sizes) + 2 * pad
    inverted = rng.random() < 0.5
    paper, ink = (0.0, 1.0) if inverted else (_grey(rng, 0.9, 1.0), _grey(rng, 0.0, 0.12))
    y0 = margin if corner[0] == "t" else canvas.height - margin - height
    x0 = margin if corner[1] == "l" else canvas.width - margin - width
    canvas.fill(y0, x0, y0 + height, x0 + width, paper)
    canvas.block(texts, style, corner, ink, margin + pad, top=y0 + pad)


def _dx(rng: np.random.Generator, who: Identity, draw: bool) -> Scene:
    """Radiograph: a label block on a rectangle, an L/R marker, a projection; 10 to 14 bit."""
    size = ((1024, 832), (832, 1024), (960, 960))[int(rng.integers(3))]
    canvas = Canvas(_grey_frames(rng, ("ct", "mr", "ct_small"), *size, 1, 0.85), draw, who.script)
    style = _style(rng, 10, 20)
    texts = [(who.institution, True), (who.name, True), (f"ID: {who.patient_id}", True),
             (_pick(rng, (f"DOB {who.birth}", f"Born {who.birth}", f"{who.birth} ({who.age})")), True),
             (f"{who.study_date}  {who.study_time}", True)]
    if rng.random() < 0.5:
        texts.append((f"Tech: {''.join(chr(65 + int(c)) for c in rng.integers(0, 26, 3))}", True))
    corner = _pick(rng, ("tl", "tr", "bl", "br"))
    _label(rng, canvas, [t for t in texts if rng.random() < 0.9] or texts[:2], style, corner,
           int(rng.integers(0, 24)))
    marker = Style(_pick(rng, ("liberation/LiberationSans-Bold.ttf", "dejavu/DejaVuSans-Bold.ttf",
                               "dejavu/DejaVuSansCondensed-Bold.ttf")), int(rng.integers(36, 80)))
    side = _pick(rng, ("L", "R"))
    x = int(rng.integers(20, 80)) if rng.random() < 0.5 else canvas.width - int(rng.integers(80, 140))
    y = int(rng.integers(30, canvas.height // 3)) if corner[0] == "b" else canvas.height - int(rng.integers(120, 260))
    canvas.put(side, marker, y, x, 1.0, False)
    if rng.random() < 0.6:
        view = _pick(rng, ("PA", "AP SUPINE", "LAT", "PORTABLE", "ERECT"))
        canvas.put(view, _style(rng, 14, 28), y, canvas.width // 2, _grey(rng, 0.8, 1.0), False)
    monochrome1 = rng.random() < 0.5
    return Scene("dx", canvas, _pick(rng, ("DX", "CR")), "1.2.840.10008.5.1.4.1.1.1.1",
                 int(_pick(rng, ("10", "12", "14"))), monochrome1=monochrome1)


def _mg(rng: np.random.Generator, who: Identity, draw: bool) -> Scene:
    """Mammogram: breast against the chest wall, view label, facility and patient block; 12/14 bit."""
    height, width = 1024, 768
    texture = _grey_frames(rng, ("ct", "mr"), height, width, 1, 0.8)
    side = _pick(rng, ("R", "L"))
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    wall = 0 if side == "R" else width - 1
    reach = float(rng.uniform(0.55, 0.8)) * width
    breast = ((xx - wall) / reach) ** 2 + ((yy - height / 2) / (height * 0.45)) ** 2 <= 1.0
    frames = np.where(breast[None], 0.15 + texture * 0.75, 0.02).astype(np.float32)
    canvas = Canvas(frames, draw, who.script)
    far = "r" if side == "R" else "l"
    view = _pick(rng, ("CC", "MLO", "XCCL", "ML"))
    label = Style(_pick(rng, LATIN_FACES), int(rng.integers(26, 48)))
    canvas.block([(_pick(rng, (f"{side}{view}", f"{side} {view}")), False)], label, "t" + far, 1.0, 20)
    style = _style(rng, 9, 15)
    texts = [(who.institution, True), (who.name, True), (who.patient_id, True), (who.birth, True),
             (who.study_date, True), (f"{int(rng.integers(24, 34))} kV {int(rng.integers(20, 200))} mAs", False),
             (f"{rng.uniform(4, 18):.1f} daN  {int(rng.integers(20, 80))} mm  W/Rh", False)]
    canvas.block([t for t in texts if rng.random() < 0.9] or texts[:2], style, "b" + far, _grey(rng, 0.7, 1.0), 12)
    return Scene("mg", canvas, "MG", "1.2.840.10008.5.1.4.1.1.1.2", int(_pick(rng, ("12", "14"))),
                 monochrome1=rng.random() < 0.4)


def _sc(rng: np.random.Generator, who: Identity, draw: bool) -> Scene:
    """Viewer screenshot: title bar, patient panel, viewport with a coloured overlay, status bar."""
    height, width = 600, 800
    dark = rng.random() < 0.5
    back, text = (0.16, 0.9) if dark else (0.86, 0.08)
    frames = np.full((1, height, width, 3), back, dtype=np.float32)
    canvas = Canvas(frames, draw, who.script)
    canvas.fill(0, 0, 26, width, (0.18, 0.3, 0.52))
    ui = Style(_pick(rng, ("dejavu/DejaVuSans.ttf", "liberation/LiberationSans-Regular.ttf",
                           "noto/NotoSans-Regular.ttf")), int(rng.integers(11, 14)))
    canvas.put(f"Viewer - {who.name} ({who.patient_id})", ui, 7, 10, (1.0, 1.0, 1.0), True)
    picture = _resized(_content(_pick(rng, ("ct", "mr"))), height - 60, width - 230)
    canvas.frames[0, 32:height - 28, 224:width - 6] = picture[..., None]
    rows = [f"Name: {who.name}", f"Patient ID: {who.patient_id}", f"Birth date: {who.birth}",
            f"Sex: {who.sex}   Age: {who.age}", f"Study: {who.study_date}", who.institution,
            f"Accession: {who.accession}"]
    y = 44
    for row in rows:
        h, _ = canvas.put(row, ui, y, 10, text, True)
        y += h + int(rng.integers(8, 14))
    overlay: Color = (1.0, 0.9, 0.1) if rng.random() < 0.5 else (0.4, 1.0, 0.4)
    small = _style(rng, 8, 12)
    canvas.block([(who.name, True), (who.study_date, True)], small, "tr", overlay, 10, top=38)
    canvas.put(_pick(rng, ("W 350 L 40", "WL 40 WW 400")), small, height - 48, 232, overlay, False)
    canvas.fill(height - 22, 0, height, width, back - 0.06 if dark else back - 0.1)
    canvas.put(f"Ready  |  {int(rng.integers(2, 400))} images  |  {who.institution}", ui, height - 18, 10, text, True)
    return Scene("sc", canvas, "OT", "1.2.840.10008.5.1.4.1.1.7", 8,
                 syntaxes=(ExplicitVRLittleEndian, JPEGBaseline8Bit, RLELossless, ImplicitVRLittleEndian))


# ---------------------------------------------------------------- storing


def _stored(scene: Scene) -> np.ndarray:
    """Display [0, 1] frames to stored values at the scene's bit depth and photometry."""
    frames = np.clip(scene.canvas.frames, 0.0, 1.0)
    if frames.ndim == 4:
        return np.rint(frames * 255).astype(np.uint8)
    if scene.monochrome1:
        frames = 1.0 - frames
    values = np.rint(frames * (2 ** scene.bits - 1))
    if scene.signed:  # CT in Hounsfield units, stored signed
        return (values - 1024).astype(np.int16)
    return values.astype(np.uint16 if scene.bits > 8 else np.uint8)


def _jpeg(stored: np.ndarray, rng: np.random.Generator) -> list[bytes]:
    quality = int(rng.integers(85, 97))
    out = []
    for frame in stored:
        buffer = io.BytesIO()
        Image.fromarray(frame).save(buffer, "JPEG", quality=quality, subsampling=1)
        out.append(buffer.getvalue())
    return out


def _header(scene: Scene, who: Identity, rng: np.random.Generator, uid_seed: str) -> Dataset:
    ds = Dataset()
    ds.SpecificCharacterSet = "ISO_IR 192"
    ds.SOPClassUID = scene.sop_class
    ds.SOPInstanceUID = generate_uid(entropy_srcs=[uid_seed, "sop"])
    ds.StudyInstanceUID = generate_uid(entropy_srcs=[uid_seed, "study"])
    ds.SeriesInstanceUID = generate_uid(entropy_srcs=[uid_seed, "series"])
    ds.Modality = scene.modality
    same = rng.random() < 0.5
    ds.PatientName = who.dicom_name if same else "Doe^Unrelated"
    ds.PatientID = who.patient_id if same else "X0000000"
    ds.StudyDate = f"{int(rng.integers(2003, 2026))}0{int(rng.integers(1, 10))}1{int(rng.integers(0, 10))}"
    ds.InstitutionName = who.institution if same else "Unrelated Clinic"
    ds.SeriesNumber, ds.InstanceNumber = 1, 1
    flag = int(rng.integers(3))
    if flag < 2:
        ds.BurnedInAnnotation = ("YES", "NO")[flag]
    return ds


def _pixel_module(ds: Dataset, scene: Scene, stored: np.ndarray) -> None:
    ds.Rows, ds.Columns = int(stored.shape[1]), int(stored.shape[2])
    ds.SamplesPerPixel = 3 if stored.ndim == 4 else 1
    ds.PhotometricInterpretation = ("RGB" if stored.ndim == 4 else
                                    "MONOCHROME1" if scene.monochrome1 else "MONOCHROME2")
    if stored.ndim == 4:
        ds.PlanarConfiguration = 0
    ds.BitsAllocated = 8 if stored.dtype == np.uint8 else 16
    ds.BitsStored = 8 if stored.dtype == np.uint8 else (16 if scene.signed else scene.bits)
    ds.HighBit = ds.BitsStored - 1
    ds.PixelRepresentation = 1 if scene.signed else 0
    if len(stored) > 1:
        ds.NumberOfFrames = len(stored)
        ds.FrameTime = "33.3"
        ds.FrameIncrementPointer = pydicom.tag.Tag("FrameTime")
    if scene.modality == "CT":
        ds.RescaleIntercept, ds.RescaleSlope = ("0" if scene.signed else "-1024"), "1"
        ds.WindowCenter, ds.WindowWidth = "40", "400"


def _dataset(scene: Scene, who: Identity, rng: np.random.Generator, uid_seed: str) -> Dataset:
    """The image as a DICOM file would hold it, written and read back."""
    stored = _stored(scene)
    ds = _header(scene, who, rng, uid_seed)
    _pixel_module(ds, scene, stored)
    syntax = scene.syntaxes[int(rng.integers(len(scene.syntaxes)))]
    if syntax == JPEGBaseline8Bit and stored.dtype != np.uint8:
        syntax = ExplicitVRLittleEndian
    ds.file_meta = FileMetaDataset()
    ds.file_meta.MediaStorageSOPClassUID = ds.SOPClassUID
    ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.PixelData = stored.tobytes()
    if syntax == RLELossless:
        ds.compress(RLELossless, stored if len(stored) > 1 else stored[0], generate_instance_uid=False)
    elif syntax == JPEGBaseline8Bit:
        ds.PixelData = encapsulate(_jpeg(stored, rng))
        ds["PixelData"].VR = "OB"
        ds.file_meta.TransferSyntaxUID = JPEGBaseline8Bit
        ds.LossyImageCompression = "01"
        if ds.SamplesPerPixel == 3:
            ds.PhotometricInterpretation = "YBR_FULL_422"
    else:
        ds.file_meta.TransferSyntaxUID = syntax
    buffer = io.BytesIO()
    pydicom.dcmwrite(buffer, ds, enforce_file_format=True, implicit_vr=syntax == ImplicitVRLittleEndian)
    buffer.seek(0)
    return pydicom.dcmread(buffer)


SCENES = ("ct", "mr", "us", "dx", "mg", "sc", "xa", "ct", "mr", "dx")


def _scene(kind: str, rng: np.random.Generator, who: Identity, draw: bool) -> Scene:
    if kind in ("ct", "mr"):
        return _ct_mr(rng, who, draw, kind.upper())
    return {"us": _us, "dx": _dx, "mg": _mg, "sc": _sc, "xa": _xa}[kind](rng, who, draw)


def blind2_case(index: int, seed: int = 0, draw: bool = True) -> Blind2Case:
    """Case ``index`` of the set for ``seed``; ``draw=False`` gives the same image without its
    text (same content, graphics and ground-truth boxes), which the consistency test compares."""
    rng = np.random.default_rng([seed, index, 20])
    order = np.random.default_rng([seed, index // len(SCENES), 21]).permutation(len(SCENES))
    kind = SCENES[int(order[index % len(SCENES)])]
    control = index % 6 == 3
    who = _identity(rng)
    scene = _scene(kind, rng, who, draw and not control)
    lines = [] if control else scene.canvas.lines
    dataset = _dataset(scene, who, rng, f"blind2-{seed}-{index}")
    name = f"blind2-{index:03d}-{kind}-{scene.modality.lower()}" + ("-control" if control else "")
    return Blind2Case(name, dataset, lines)


def blind2_cases(count: int, seed: int = 0) -> list[Blind2Case]:
    """``count`` cases, deterministic for ``seed``; every sixth (index 3, 9, ...) has no text."""
    return [blind2_case(index, seed) for index in range(count)]
