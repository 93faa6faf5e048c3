"""Blind image set 7 for burned-in text: hospital-like images with ground-truth text boxes.

Written by an outside evaluator (session blind7) without reading curator's detector, its docs or
the other generators' scenes; only the benchmark's interface (cases of ``name``, ``dataset``,
``lines``; lines of ``frame``, ``box``, ``ink``, ``tokens()``) was taken from tests/pixel_blind6.py.
Nothing here was chosen by running curator on it.

Every image is a pydicom Dataset built from scratch (file meta included) over real pixel content
from pydicom's bundled test files (CT head slices, abdominal MR, whole-body NM, colour-Doppler and
echocardiography ultrasound, each cropped to a text-free region and resampled) or over synthetic
anatomy (chest and hand radiographs, mammograms, angiography runs, fluoroscopy).  Text is drawn
with TrueType fonts installed on the machine (DejaVu, Liberation, Noto, WenQuanYi), anti-aliased or
not, light or dark, 6 to 40 px, horizontal, vertical or tilted.

Ground truth: every drawn text line is one :class:`Line` (``frame``, ``box`` = (y0, x0, y1, x1)
in pixels, ``ink`` = the changed pixels of that line inside the box).  As in the benchmark, every
line counts as a box to redact, identifiers and technical text alike (a cleaner is asked to
remove every region that looks like text); ``identifier`` says which lines carry a patient,
institution, physician, date or accession identifier.  Orientation letters, laterality markers,
ruler/depth-scale numbers, frame counters and acquisition parameters are lines with
``identifier`` False.  Ruler ticks, calipers, collimation edges, grids and colour bars are
graphics, not text: they are never lines, and they stay in the control images.

Every fifth image (index 4, 9, ...) is a control: a scene rendered without any text (graphics
kept).  Header flags are untrustworthy on purpose: images with text say BurnedInAnnotation NO,
YES, or carry no flag; header names are sometimes the burned-in ones, sometimes already
replaced by a previous anonymiser.  Same seed, same bytes; nothing is downloaded.
"""
from __future__ import annotations

import io
import re
import warnings
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pydicom
from PIL import Image, ImageDraw, ImageFont
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import (
    DeflatedExplicitVRLittleEndian,
    ExplicitVRLittleEndian,
    ImplicitVRLittleEndian,
    JPEG2000Lossless,
    JPEGLSLossless,
    RLELossless,
    generate_uid,
)

FONT_DIR = Path("/usr/share/fonts/truetype")
FONTS = {
    "sans": "dejavu/DejaVuSans.ttf",
    "sansb": "dejavu/DejaVuSans-Bold.ttf",
    "cond": "dejavu/DejaVuSansCondensed.ttf",
    "mono": "dejavu/DejaVuSansMono.ttf",
    "monob": "dejavu/DejaVuSansMono-Bold.ttf",
    "serif": "dejavu/DejaVuSerif.ttf",
    "lsans": "liberation/LiberationSans-Regular.ttf",
    "lsansb": "liberation/LiberationSans-Bold.ttf",
    "lnarrow": "liberation/LiberationSansNarrow-Regular.ttf",
    "lmono": "liberation/LiberationMono-Regular.ttf",
    "lserif": "liberation/LiberationSerif-Regular.ttf",
    "noto": "noto/NotoSans-Regular.ttf",
    "notomono": "noto/NotoSansMono-Regular.ttf",
    "hebrew": "noto/NotoSansHebrew-Regular.ttf",
    "arabic": "noto/NotoNaskhArabic-Regular.ttf",
    "cjk": "wqy/wqy-microhei.ttc",
}

# fake people, places and physicians; none is a real person
LATIN = ["Zoë Ångström", "Łukasz Wójcik", "Renée Lefèvre-Dubois", "Jürgen Schäfer", "Inés Muñoz Peña",
         "Søren Kjærgaard", "Tomáš Dvořák", "Ayşe Yılmaz", "Ólafur Guðmundsson", "Mária Szőke",
         "Margaret Whitfield", "Ngozi Okonkwo", "Priya Raghunathan", "João Conceição", "Hamish Ferguson",
         "Beatriz Gonçalves", "Krzysztof Brzęczyszczykiewicz", "Annelies Vandenbroucke", "Mehmet Öztürk",
         "Eleanor Pemberton-Hughes"]
CYRILLIC = ["Шевченко Олена", "Кузнецов Андрей", "Смирнова Татьяна", "Жуков Григорий", "Фёдорова Ксения"]
GREEK = ["Παπαδόπουλος Νικόλαος", "Κωνσταντίνου Ελένη", "Γεωργίου Δημήτριος", "Αλεξίου Σοφία"]
CJK = ["王秀英", "李建国", "张伟明", "山田太郎", "陈美玲", "刘志强"]
HEBREW = ["כהן מיכל", "לוי אברהם", "מזרחי יעל"]
ARABIC = ["محمد العلي", "فاطمة الزهراء", "عبد الله حسن"]
NAMES = {"latin": LATIN, "cyrillic": CYRILLIC, "greek": GREEK, "cjk": CJK, "hebrew": HEBREW, "arabic": ARABIC}
INSTITUTIONS = ["St. Aldhelm Hospital", "Klinikum Nordheide", "Hôpital Sainte-Anne-des-Prés",
                "Riverside Medical Center", "Ospedale San Vitale", "Городская больница 4",
                "Mercy Valley Imaging", "Kantonsspital Oberwil", "Hospital Universitario La Fe Norte"]
PHYSICIANS = ["Dr. A. Whitcombe", "Dr Haruka Mori", "Dr. Élodie Marchand", "Dr. R. Venkataraman",
              "Dr. Petra Novotná", "Dr. Samuel Adeyemi", "Dr. G. Lindqvist"]
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

SOP = {
    "CT": "1.2.840.10008.5.1.4.1.1.2", "MR": "1.2.840.10008.5.1.4.1.1.4", "CR": "1.2.840.10008.5.1.4.1.1.1",
    "DX": "1.2.840.10008.5.1.4.1.1.1.1", "MG": "1.2.840.10008.5.1.4.1.1.1.2", "US": "1.2.840.10008.5.1.4.1.1.6.1",
    "USMF": "1.2.840.10008.5.1.4.1.1.3.1", "XA": "1.2.840.10008.5.1.4.1.1.12.1", "RF": "1.2.840.10008.5.1.4.1.1.12.2",
    "SC": "1.2.840.10008.5.1.4.1.1.7", "NM": "1.2.840.10008.5.1.4.1.1.20", "PT": "1.2.840.10008.5.1.4.1.1.128",
}


def missing_fonts() -> list[str]:
    """Font files this set needs that are not installed (empty when it can run)."""
    return [p for p in FONTS.values() if not (FONT_DIR / p).is_file()]


@lru_cache(maxsize=None)
def font(key: str, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(FONT_DIR / FONTS[key]), size)


@dataclass
class Line:
    """One drawn text line: its frame, box (y0, x0, y1, x1), ink mask inside the box."""

    text: str
    frame: int
    box: tuple[int, int, int, int]
    ink: np.ndarray
    identifier: bool

    def tokens(self) -> list[str]:
        """Words of 3+ letters or digits, upper-cased (what an OCR check looks for)."""
        return [w.upper() for w in re.findall(r"\w+", self.text) if len(w) >= 3]


@dataclass
class Blind7Case:
    name: str
    dataset: Dataset
    lines: list[Line] = field(default_factory=list)


# ---------------------------------------------------------------- base pixel content

def _testfile(name: str) -> np.ndarray:
    from pydicom.data import get_testdata_file

    path = get_testdata_file(name, download=False)
    if path is None:
        raise RuntimeError(f"pydicom test file {name} is not bundled")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return np.asarray(pydicom.dcmread(path).pixel_array)


@lru_cache(maxsize=None)
def _real(name: str) -> np.ndarray:
    """Text-free real pixel content, as float (grey) or float RGB."""
    if name == "ct_head":
        return _testfile("693_J2KI.dcm").astype(np.float64)
    if name == "ct_skullbase":
        return _testfile("J2K_pixelrep_mismatch.dcm").astype(np.float64)
    if name == "mr_abdomen":
        return _testfile("examples_overlay.dcm").astype(np.float64)
    if name == "nm_body":
        return _testfile("JPEG2000.dcm").astype(np.float64)
    if name == "ct_small":
        return _testfile("CT_small.dcm").astype(np.float64)
    if name == "mr_small":
        return _testfile("MR_small.dcm").astype(np.float64)
    if name == "us_doppler":  # rows 62..172, cols 35..285 hold no text
        return _testfile("examples_rgb_color.dcm")[62:172, 35:285].astype(np.float64)
    if name == "us_echo":  # 30 frames (the JPEG decoder returns RGB); the cone, without the vendor text
        return _testfile("examples_ybr_color.dcm")[:, 12:208, 60:272].astype(np.float64)
    raise KeyError(name)


def resize(a: np.ndarray, h: int, w: int) -> np.ndarray:
    if a.ndim == 3:
        return np.stack([resize(a[..., c], h, w) for c in range(a.shape[2])], axis=-1)
    return np.asarray(Image.fromarray(a.astype(np.float32), mode="F").resize((w, h), Image.Resampling.BILINEAR),
                      dtype=np.float64)


def smooth(a: np.ndarray, radius: float) -> np.ndarray:
    """Separable Gaussian blur (sigma ``radius``), edges reflected."""
    half = max(int(3 * radius), 1)
    x = np.arange(-half, half + 1, dtype=np.float64)
    k = np.exp(-0.5 * (x / radius) ** 2)
    k /= k.sum()
    padded = np.pad(a.astype(np.float64), half, mode="reflect")
    h, w = a.shape
    rows = sum(k[i] * padded[i:i + h, :] for i in range(k.size))
    return sum(k[i] * rows[:, i:i + w] for i in range(k.size))


@lru_cache(maxsize=8)
def _grid(h: int, w: int) -> np.ndarray:
    return np.mgrid[0:h, 0:w].astype(np.float64)


def ellipse(h: int, w: int, cy: float, cx: float, ry: float, rx: float, angle: float = 0.0) -> np.ndarray:
    y, x = _grid(h, w)
    c, s = np.cos(angle), np.sin(angle)
    u, v = (x - cx) * c + (y - cy) * s, -(x - cx) * s + (y - cy) * c
    return (u / rx) ** 2 + (v / ry) ** 2 <= 1.0


def chest(rng: np.random.Generator, full_h: int, full_w: int) -> np.ndarray:
    """Attenuation-like chest radiograph in 0..1 (bright bone and mediastinum, dark lungs); shapes are
    drawn at half size, then resampled, with full-size quantum noise."""
    h, w = full_h // 2, full_w // 2
    img = np.full((h, w), 0.08)
    img[ellipse(h, w, h * 0.55, w * 0.5, h * 0.48, w * 0.42)] = 0.55
    for side in (-1, 1):
        img[ellipse(h, w, h * 0.5, w * (0.5 + side * 0.19), h * 0.33, w * 0.15, side * 0.08)] = 0.22
    img[ellipse(h, w, h * 0.6, w * 0.53, h * 0.16, w * 0.13)] = 0.62
    img[int(h * 0.12):int(h * 0.9), int(w * 0.47):int(w * 0.53)] = 0.7
    yy, xx = np.mgrid[0:h, 0:w]
    for k in range(9):  # ribs
        y0 = h * (0.22 + 0.065 * k)
        for side in (-1, 1):
            arc = np.abs(yy - (y0 + 0.0018 * (xx - w * (0.5 + side * 0.2)) ** 2 / (w / 512))) < h * 0.009
            band = (np.abs(xx - w * (0.5 + side * 0.2)) < w * 0.17)
            img[arc & band] += 0.12
    img = resize(smooth(img, max(h, w) / 200), full_h, full_w)
    return np.clip(img + rng.normal(0, 0.012, (full_h, full_w)), 0, 1)


def hand(rng: np.random.Generator, h: int, w: int) -> np.ndarray:
    img = np.full((h, w), 0.05)
    img[ellipse(h, w, h * 0.72, w * 0.5, h * 0.2, w * 0.22)] = 0.35
    for k, ang in enumerate((-0.5, -0.2, 0.0, 0.18, 0.36)):
        cx = w * (0.36 + 0.07 * k)
        for j in range(3):
            cy = h * (0.45 - 0.1 * j) + (40 if k == 0 else 0)
            img[ellipse(h, w, cy, cx + ang * 60 * (j + 1), h * 0.045, w * 0.03, ang)] = 0.3
            img[ellipse(h, w, cy, cx + ang * 60 * (j + 1), h * 0.036, w * 0.014, ang)] = 0.75
    img = smooth(img, 2.0)
    return np.clip(img + rng.normal(0, 0.01, (h, w)), 0, 1)


def breast(rng: np.random.Generator, h: int, w: int, right: bool) -> np.ndarray:
    img = np.zeros((h, w))
    cx = w * 0.02 if not right else w * 0.98
    tissue = ellipse(h, w, h * 0.5, cx, h * 0.42, w * 0.62)
    texture = resize(smooth(rng.normal(0, 1, (h // 4, w // 4)), 1.5), h, w) * 2.5 + \
        resize(smooth(rng.normal(0, 1, (h // 2, w // 2)), 1.0), h, w) * 0.8
    img[tissue] = 0.45 + 0.12 * np.clip(texture[tissue], -2, 2)
    pect = np.triu(np.ones((h, w)), k=0)[:, ::-1] if not right else np.triu(np.ones((h, w)))
    img[(pect[: h, :w] > 0) & tissue & (np.mgrid[0:h, 0:w][0] < h * 0.35)] += 0.15
    return np.clip(img, 0, 1)


def vessels(rng: np.random.Generator, h: int, w: int, phase: float) -> np.ndarray:
    img = np.full((h, w), 0.62) + resize(smooth(rng.normal(0, 1, (h // 8, w // 8)), 1.5), h, w) * 0.15
    layer = Image.new("F", (w, h), 0.0)
    d = ImageDraw.Draw(layer)
    local = np.random.default_rng(int(rng.integers(1 << 30)))
    for _ in range(7):
        x, y = w * 0.5 + local.normal(0, w * 0.05), h * 0.1
        ang, width = np.pi / 2 + local.normal(0, 0.3), local.uniform(3, 8)
        for _ in range(40):
            nx, ny = x + np.cos(ang) * h / 45, y + np.sin(ang) * h / 45
            d.line([(x, y), (nx, ny)], fill=float(phase), width=max(int(width), 1))
            x, y, ang, width = nx, ny, ang + local.normal(0, 0.18), width * 0.97
    return np.clip(img - 0.4 * smooth(np.asarray(layer, dtype=np.float64), 1.0), 0, 1)


# ---------------------------------------------------------------- drawing text with ground truth

@dataclass
class Canvas:
    """Frames (F, H, W) or (F, H, W, 3) as float in display units; text lines recorded per frame."""

    img: np.ndarray
    text_on: bool
    drawn: list[tuple[str, int, int, int, np.ndarray, bool]] = field(default_factory=list)  # text, frame, y, x, alpha

    @property
    def shape(self) -> tuple[int, int]:
        return int(self.img.shape[1]), int(self.img.shape[2])

    def text(self, xy: tuple[float, float], s: str, face: str, size: int, value: Any, identifier: bool, *,
             frames: list[int] | None = None, angle: float = 0.0, aa: bool = True, anchor: str = "la",
             opacity: float = 1.0) -> None:
        """Draw one line; ``value`` in display units (a number, or an RGB triple)."""
        if not self.text_on:
            return
        h, w = self.shape
        f = font(face, size)
        if angle == 0.0:
            mask = Image.new("L", (w, h), 0)
            d = ImageDraw.Draw(mask)
            d.fontmode = "L" if aa else "1"
            d.text(xy, s, fill=255, font=f, anchor=anchor)
        else:
            x0, y0, x1, y1 = f.getbbox(s)
            tmp = Image.new("L", (x1 + 4, y1 + 4), 0)
            d = ImageDraw.Draw(tmp)
            d.fontmode = "L" if aa else "1"
            d.text((2, 2), s, fill=255, font=f)
            tmp = tmp.rotate(angle, expand=True,
                             resample=Image.Resampling.BICUBIC if aa else Image.Resampling.NEAREST)
            mask = Image.new("L", (w, h), 0)
            mask.paste(tmp, (int(xy[0]), int(xy[1])))
        bbox = mask.getbbox()
        if bbox is None:
            return
        x0, y0, x1, y1 = bbox
        alpha = np.asarray(mask.crop(bbox), dtype=np.float64) / 255.0 * opacity
        a = alpha[..., None] if self.img.ndim == 4 else alpha
        for fr in (range(self.img.shape[0]) if frames is None else frames):
            part = self.img[fr, y0:y1, x0:x1]
            self.img[fr, y0:y1, x0:x1] = part * (1 - a) + np.asarray(value, dtype=np.float64) * a
            self.drawn.append((s, fr, y0, x0, alpha, identifier))

    def block(self, x: float, y: float, rows: list[tuple[str, bool]], face: str, size: int, value: Any, *,
              lead: int = 3, anchor: str = "la", up: bool = False, **kw: Any) -> None:
        """Several lines one under the other (``up``: the block ends at ``y``)."""
        step = size + lead
        if up:
            y -= step * len(rows)
        for k, (s, ident) in enumerate(rows):
            self.text((x, y + k * step), s, face, size, value, ident, anchor=anchor, **kw)

    def rect(self, y0: int, x0: int, y1: int, x1: int, value: Any, frames: list[int] | None = None) -> None:
        for fr in (range(self.img.shape[0]) if frames is None else frames):
            self.img[fr, y0:y1, x0:x1] = value


# ---------------------------------------------------------------- identifiers

def person(rng: np.random.Generator, script: str = "latin") -> str:
    pool = NAMES[script]
    return pool[int(rng.integers(len(pool)))]


def dicom_style(name: str, rng: np.random.Generator) -> str:
    parts = name.split(" ")
    if len(parts) < 2 or any(ord(ch) >= 0x250 for ch in name):
        return name
    style = int(rng.integers(3))
    first, last = parts[0], " ".join(parts[1:])
    if style == 0:
        return f"{last.upper()}^{first.upper()}"
    if style == 1:
        return f"{last}, {first}"
    return name


def a_date(rng: np.random.Generator, y0: int, y1: int) -> str:
    y, m, d = int(rng.integers(y0, y1)), int(rng.integers(1, 13)), int(rng.integers(1, 29))
    style = int(rng.integers(5))
    return [f"{d:02d}-{MONTHS[m - 1]}-{y}", f"{y}/{m:02d}/{d:02d}", f"{d:02d}.{m:02d}.{y}", f"{y}{m:02d}{d:02d}",
            f"{m}/{d}/{y}"][style]


def a_time(rng: np.random.Generator) -> str:
    return f"{int(rng.integers(0, 24)):02d}:{int(rng.integers(0, 60)):02d}:{int(rng.integers(0, 60)):02d}"


def an_id(rng: np.random.Generator) -> str:
    style = int(rng.integers(4))
    n = int(rng.integers(10 ** 6, 10 ** 8))
    return [f"{n}", f"MRN {n:08d}", f"H{n % 10 ** 7:07d}", f"{n // 1000}-{n % 1000:03d}"][style]


def accession(rng: np.random.Generator) -> str:
    return f"ACC {int(rng.integers(10 ** 7, 10 ** 9))}"


def pick(rng: np.random.Generator, pool: list[str]) -> str:
    return pool[int(rng.integers(len(pool)))]


def age_sex(rng: np.random.Generator) -> str:
    return f"{int(rng.integers(1, 96)):03d}Y {'FM'[int(rng.integers(2))]}"


# ---------------------------------------------------------------- scenes
# each returns (canvas, meta); meta: modality, bits, signed, photometric, syntax, header extras

Scene = Callable[[np.random.Generator, bool], tuple[Canvas, dict[str, Any]]]


def ct_four_corners(rng: np.random.Generator, text: bool) -> tuple[Canvas, dict[str, Any]]:
    """CT head 512x512, signed 16-bit HU, vendor overlay in all four corners, white 1-bit mono font."""
    hu = _real("ct_head")
    c = Canvas(hu[None].copy(), text)
    top = 3071.0
    name, ident = dicom_style(person(rng), rng), an_id(rng)
    c.block(6, 6, [(name, True), (ident, True), (f"DOB {a_date(rng, 1930, 2005)}", True), (age_sex(rng), True),
                   (accession(rng), True)], "mono", 12, top, aa=False, lead=2)
    c.block(506, 6, [(pick(rng, INSTITUTIONS), True), (a_date(rng, 2019, 2027), True), (a_time(rng), True),
                     (pick(rng, PHYSICIANS), True), ("SOMATOM go.Up", False)], "mono", 12, top, aa=False, lead=2, anchor="ra")
    c.block(6, 506, [("120 kV", False), ("285 mAs", False), ("ST 5.0 mm", False), ("Tilt 0.0", False)],
            "mono", 12, top, aa=False, lead=2, up=True)
    c.block(506, 506, [("W 80", False), ("C 40", False), ("Im 23/41", False)], "mono", 12, top, aa=False,
            lead=2, up=True, anchor="ra")
    c.text((4, 250), "R", "monob", 14, top, False, aa=False)
    c.text((496, 250), "L", "monob", 14, top, False, aa=False)
    return c, {"modality": "CT", "bits": 16, "signed": True, "photometric": "MONOCHROME2", "syntax": ExplicitVRLittleEndian,
               "extra": {"RescaleSlope": 1, "RescaleIntercept": 0, "WindowCenter": 40, "WindowWidth": 80},
               "burned": None, "header_name": name}


def ct_bone_overlay_dark(rng: np.random.Generator, text: bool) -> tuple[Canvas, dict[str, Any]]:
    """CT skull base stored unsigned 12-bit with intercept -1024; anti-aliased grey text, one tilted
    physician annotation over the anatomy, a scale bar with numbers."""
    hu = _real("ct_skullbase")
    stored = np.clip(hu + 1024, 0, 4095)
    c = Canvas(stored[None].copy(), text)
    for k in range(11):  # scale bar ticks (graphic)
        c.rect(470, 60 + 10 * k, 478 if k % 5 == 0 else 474, 61 + 10 * k, 3000.0)
    c.rect(470, 60, 471, 161, 3000.0)
    c.text((58, 480), "0", "lsans", 10, 3000.0, False)
    c.text((156, 480), "10 cm", "lsans", 10, 3000.0, False)
    name = person(rng)
    c.block(10, 10, [(name, True), (f"ID: {an_id(rng)}", True), (f"Born {a_date(rng, 1935, 2010)}", True)],
            "lsans", 13, 2600.0)
    c.block(500, 10, [(pick(rng, INSTITUTIONS), True), (f"Study {a_date(rng, 2018, 2027)} {a_time(rng)}", True)],
            "lsans", 13, 2600.0, anchor="ra")
    c.text((300, 300), f"see {pick(rng, PHYSICIANS)}", "lsansb", 15, 3600.0, True, angle=18.0)
    c.text((500, 490), "WL 500/2000", "lsans", 11, 2600.0, False, anchor="ra")
    return c, {"modality": "CT", "bits": 12, "signed": False, "photometric": "MONOCHROME2", "syntax": RLELossless,
               "extra": {"RescaleSlope": 1, "RescaleIntercept": -1024, "WindowCenter": 500, "WindowWidth": 2000},
               "burned": "NO", "header_name": "ANONYMOUS"}


def mr_small_font_block(rng: np.random.Generator, text: bool) -> tuple[Canvas, dict[str, Any]]:
    """Abdominal MR 300x484 12-bit, 7-8 px anti-aliased text, Greek name, window in the header only."""
    mr = _real("mr_abdomen")
    c = Canvas(mr[None].copy(), text)
    v = 1100.0
    name = person(rng, "greek")
    c.block(3, 2, [(name, True), (an_id(rng), True), (a_date(rng, 1940, 2000), True), (age_sex(rng), True)],
            "noto", 8, v, lead=1)
    c.block(480, 2, [(pick(rng, INSTITUTIONS), True), (a_date(rng, 2019, 2027), True), (a_time(rng), True)],
            "noto", 8, v, lead=1, anchor="ra")
    c.block(3, 297, [("TR 4.1 TE 1.9", False), ("FA 12", False), ("SL 3.0", False)], "cond", 7, v, lead=1, up=True)
    c.text((480, 286), pick(rng, PHYSICIANS), "cond", 7, v, True, anchor="ra")
    c.text((236, 2), "A", "sans", 9, v, False)
    c.text((236, 287), "P", "sans", 9, v, False)
    return c, {"modality": "MR", "bits": 12, "signed": False, "photometric": "MONOCHROME2", "syntax": ExplicitVRLittleEndian,
               "extra": {"WindowCenter": 500, "WindowWidth": 1000}, "burned": None, "header_name": name}


def mr_upscaled_cyrillic(rng: np.random.Generator, text: bool) -> tuple[Canvas, dict[str, Any]]:
    """MR_small upscaled to 256x256 16-bit signed, Cyrillic name and Russian hospital, light text on gradient band."""
    mr = resize(_real("mr_small"), 256, 256)
    band = np.linspace(0, 900, 256)[None, :] * np.ones((40, 1))
    mr[:40] = mr[:40] * 0.3 + band
    c = Canvas(mr[None].copy(), text)
    name = person(rng, "cyrillic")
    c.text((4, 3), name, "sans", 11, 2600.0, True)
    c.text((4, 19), f"ИД {an_id(rng)}", "sans", 10, 2600.0, True)
    c.text((252, 3), "Городская больница 4", "cond", 10, 2600.0, True, anchor="ra")
    c.text((252, 19), a_date(rng, 2019, 2027), "cond", 10, 2600.0, True, anchor="ra")
    c.text((4, 244), "T2 TSE cor", "sans", 9, 2600.0, False)
    c.text((252, 244), f"д.р. {a_date(rng, 1930, 2010)}", "sans", 9, 2600.0, True, anchor="ra")
    return c, {"modality": "MR", "bits": 16, "signed": True, "photometric": "MONOCHROME2", "syntax": ImplicitVRLittleEndian,
               "extra": {"WindowCenter": 800, "WindowWidth": 1800}, "burned": "NO", "header_name": name}


def cr_chest_monochrome1(rng: np.random.Generator, text: bool) -> tuple[Canvas, dict[str, Any]]:
    """CR chest 1024x880 12-bit MONOCHROME1: lead marker, label box with dark background, rotated ID."""
    img = chest(rng, 1024, 880) * 3600 + 200
    c = Canvas(img[None].copy(), text)
    c.rect(24, 560, 150, 860, 120.0)  # label field (black on display)
    c.rect(60, 40, 110, 90, 4000.0)  # lead marker plate
    c.text((50, 62), "R", "sansb", 40, 300.0, False, anchor="la")
    name = dicom_style(person(rng), rng)
    c.block(572, 32, [(name, True), (f"ID {an_id(rng)}", True), (f"{a_date(rng, 1930, 2008)}  {age_sex(rng)}", True),
                      (pick(rng, INSTITUTIONS), True), (a_date(rng, 2020, 2027) + " " + a_time(rng), True)],
            "lsans", 16, 3900.0, lead=6)
    c.text((846, 400), f"ACC {int(rng.integers(10 ** 7, 10 ** 8))}", "lmono", 14, 3500.0, True, angle=90.0)
    c.text((40, 990), "PA ERECT 180cm", "lsans", 14, 3500.0, False)
    return c, {"modality": "CR", "bits": 12, "signed": False, "photometric": "MONOCHROME1", "syntax": ExplicitVRLittleEndian,
               "extra": {"RescaleSlope": 0.5, "RescaleIntercept": 12, "WindowCenter": 1036, "WindowWidth": 2048},
               "burned": None, "header_name": name}


def dx_portable_gradient(rng: np.random.Generator, text: bool) -> tuple[Canvas, dict[str, Any]]:
    """DX portable chest 768x768 16-bit, rescale slope/intercept, VOI LUT sequence, dark text on a bright
    gradient, diacritics, 'PORTABLE' and 'AP SUPINE' as technical text."""
    img = chest(rng, 768, 768) * 30000 + 8000
    img += np.linspace(0, 18000, 768)[None, :]
    c = Canvas(img[None].copy(), text)
    name = person(rng)
    c.block(20, 14, [(name, True), (f"Pat.-Nr. {an_id(rng)}", True), (f"geb. {a_date(rng, 1930, 2010)}", True)],
            "serif", 15, 52000.0, lead=4)
    c.text((748, 14), "PORTABLE", "sansb", 20, 60000.0, False, anchor="ra")
    c.text((748, 40), "AP SUPINE", "sans", 14, 60000.0, False, anchor="ra")
    c.block(748, 752, [(pick(rng, INSTITUTIONS), True), (f"{a_date(rng, 2020, 2027)} {a_time(rng)}", True),
                       (f"Tech: {pick(rng, ['MKL', 'JRS', 'AVD', 'TPO'])}", False)], "sans", 12, 2000.0, up=True,
            anchor="ra")
    lut = np.clip(np.arange(4096) * 16, 0, 65535).astype(np.uint16)
    return c, {"modality": "DX", "bits": 16, "signed": False, "photometric": "MONOCHROME2", "syntax": JPEGLSLossless,
               "extra": {"RescaleSlope": 1, "RescaleIntercept": 0, "RescaleType": "US",
                         "PixelIntensityRelationship": "LIN", "PixelIntensityRelationshipSign": 1,
                         "PresentationLUTShape": "IDENTITY", "voi_lut": lut}, "burned": "NO",
               "header_name": "ANON^PATIENT"}


def mg_label_box(rng: np.random.Generator, text: bool) -> tuple[Canvas, dict[str, Any]]:
    """MG MLO 1200x900 12-bit: laterality marker, white label text on black, small institution line."""
    right = bool(rng.integers(2))
    img = breast(rng, 1200, 900, right) * 3300 + 60
    c = Canvas(img[None].copy(), text)
    x = 40 if right else 520
    name = dicom_style(person(rng), rng)
    c.block(x, 40, [(name, True), (f"{an_id(rng)}", True), (f"DOB {a_date(rng, 1940, 1990)}", True),
                    (pick(rng, INSTITUTIONS), True), (a_date(rng, 2021, 2027), True), (accession(rng), True)],
            "lnarrow", 18, 4000.0, lead=5)
    c.text((x, 260), ("R" if right else "L") + " MLO", "lsansb", 36, 4000.0, False)
    c.text((x, 1150), "28 kV 72 mAs W/Rh", "lnarrow", 14, 3000.0, False)
    return c, {"modality": "MG", "bits": 12, "signed": False, "photometric": "MONOCHROME2", "syntax": JPEG2000Lossless,
               "extra": {"WindowCenter": 1800, "WindowWidth": 3000}, "burned": None, "header_name": name}


def us_doppler_rgb(rng: np.random.Generator, text: bool) -> tuple[Canvas, dict[str, Any]]:
    """US RGB 480x640: colour-Doppler image in a black frame, coloured header text, depth scale digits."""
    canvas = np.zeros((480, 640, 3))
    canvas[80:410, 70:570] = resize(_real("us_doppler"), 330, 500)
    c = Canvas(canvas[None].copy(), text)
    for k in range(7):  # depth ticks
        c.rect(80 + 50 * k, 580, 82 + 50 * k, 590, (200.0, 200.0, 200.0))
    name = dicom_style(person(rng), rng)
    c.block(8, 6, [(name, True), (f"ID: {an_id(rng)}", True), (pick(rng, INSTITUTIONS), True),
                   (f"DOB {a_date(rng, 1930, 2010)}", True)], "lmono", 13,
            (255.0, 255.0, 90.0), lead=3)
    c.block(632, 6, [(a_date(rng, 2019, 2027), True), (a_time(rng), True), ("L12-5 MSK", False)], "lmono", 13,
            (90.0, 230.0, 255.0), lead=3, anchor="ra")
    for k in range(7):
        c.text((596, 74 + 50 * k), str(k), "sans", 10, (200.0, 200.0, 200.0), False)
    c.text((320, 440), "LT THIGH LONG", "sansb", 14, (255.0, 255.0, 255.0), False, anchor="ma")
    c.text((8, 460), "MI 0.8  TIS 0.4", "sans", 10, (160.0, 160.0, 160.0), False)
    return c, {"modality": "US", "bits": 8, "signed": False, "photometric": "RGB", "syntax": ExplicitVRLittleEndian,
               "extra": {}, "burned": None, "header_name": name}


def us_echo_cine_ybr(rng: np.random.Generator, text: bool) -> tuple[Canvas, dict[str, Any]]:
    """US multi-frame (6 frames) YBR_FULL (RLE, as the US IOD permits) 300x360: echo cone, name and date on every frame, frame counter,
    heart rate; CJK name in WenQuanYi."""
    echo = _real("us_echo")
    frames = np.zeros((6, 300, 360, 3))
    for k in range(6):
        frames[k, 40:280, 70:330] = resize(echo[k * 4], 240, 260)
    c = Canvas(frames, text)
    name = person(rng, "cjk")
    pid = an_id(rng)
    date, dob = a_date(rng, 2019, 2027), f"DOB {a_date(rng, 1950, 2010)}"
    for k in range(6):
        c.text((6, 4), name, "cjk", 14, (235.0, 235.0, 235.0), True, frames=[k])
        c.text((6, 22), pid, "lsans", 11, (235.0, 235.0, 235.0), True, frames=[k])
        c.text((354, 4), date, "lsans", 11, (235.0, 235.0, 235.0), True, frames=[k], anchor="ra")
        c.text((354, 20), dob, "lsans", 11, (235.0, 235.0, 235.0), True, frames=[k], anchor="ra")
        c.text((354, 284), f"Frm {k + 1}/6", "lsans", 10, (180.0, 180.0, 120.0), False, frames=[k], anchor="ra")
        c.text((6, 284), f"HR {int(rng.integers(55, 110))} bpm", "lsans", 10, (120.0, 220.0, 120.0), False, frames=[k])
    return c, {"modality": "USMF", "bits": 8, "signed": False, "photometric": "YBR_FULL", "syntax": RLELossless,
               "extra": {}, "burned": None, "header_name": name}


def us_grey_arabic(rng: np.random.Generator, text: bool) -> tuple[Canvas, dict[str, Any]]:
    """US MONOCHROME2 8-bit 420x560: echo cone in grey, Arabic name, Latin ID, calipers and a measurement."""
    echo = _real("us_echo")[20].mean(axis=-1)
    img = np.zeros((420, 560))
    img[50:390, 140:440] = resize(echo, 340, 300)
    c = Canvas(img[None].copy(), text)
    for cx, cy in ((250, 200), (330, 260)):  # calipers (graphic)
        c.rect(cy - 5, cx, cy + 6, cx + 1, 255.0)
        c.rect(cy, cx - 5, cy + 1, cx + 6, 255.0)
    name = person(rng, "arabic")
    c.text((552, 6), name, "arabic", 16, 240.0, True, anchor="ra")
    c.text((8, 8), f"ID {an_id(rng)}", "sans", 12, 240.0, True)
    c.text((8, 26), pick(rng, INSTITUTIONS), "sans", 11, 240.0, True)
    c.text((552, 36), a_date(rng, 2019, 2027), "sans", 11, 240.0, True, anchor="ra")
    c.text((8, 396), "D1 3.42 cm", "sans", 11, 255.0, False)
    c.text((552, 396), "C5-1 ABD", "sans", 11, 200.0, False, anchor="ra")
    return c, {"modality": "US", "bits": 8, "signed": False, "photometric": "MONOCHROME2", "syntax": DeflatedExplicitVRLittleEndian,
               "extra": {}, "burned": "NO", "header_name": name}


def xa_cine(rng: np.random.Generator, text: bool) -> tuple[Canvas, dict[str, Any]]:
    """XA multi-frame 8-bit 512x512 (5 frames): coronary run, name/DOB/date on every frame, C-arm angles,
    frame counter, dark text on a bright field in one corner."""
    frames = np.stack([vessels(np.random.default_rng([int(rng.integers(1 << 30)), k]), 512, 512, 0.6 + 0.1 * k)
                       for k in range(5)]) * 230
    c = Canvas(frames, text)
    name = dicom_style(person(rng), rng)
    dob, date, ins = a_date(rng, 1935, 1995), a_date(rng, 2020, 2027), pick(rng, INSTITUTIONS)
    for k in range(5):
        c.block(6, 6, [(name, True), (f"DOB {dob}", True)], "lsans", 13, 252.0, frames=[k])
        c.text((506, 6), ins, "lsans", 12, 252.0, True, frames=[k], anchor="ra")
        c.text((506, 22), date, "lsans", 12, 252.0, True, frames=[k], anchor="ra")
        c.text((6, 492), f"LAO {20 + k} CRA 15", "lsans", 12, 10.0, False, frames=[k])
        c.text((506, 492), f"{k + 1}/5", "lsans", 12, 10.0, False, frames=[k], anchor="ra")
    return c, {"modality": "XA", "bits": 8, "signed": False, "photometric": "MONOCHROME2", "syntax": RLELossless,
               "extra": {}, "burned": None, "header_name": name}


def rf_hebrew_circle(rng: np.random.Generator, text: bool) -> tuple[Canvas, dict[str, Any]]:
    """RF 10-bit 576x576: circular image intensifier field, text in the black surround, Hebrew name."""
    img = vessels(rng, 576, 576, 0.3) * 900 + 60
    img[~ellipse(576, 576, 288, 288, 262, 262)] = 0
    c = Canvas(img[None].copy(), text)
    name = person(rng, "hebrew")
    c.text((570, 6), name, "hebrew", 16, 1000.0, True, anchor="ra")
    c.text((6, 6), an_id(rng), "lsans", 13, 1000.0, True)
    c.text((6, 552), a_date(rng, 2020, 2027), "lsans", 12, 1000.0, True)
    c.text((570, 552), "Fluoro 7.5 p/s", "lsans", 12, 800.0, False, anchor="ra")
    c.text((6, 24), pick(rng, PHYSICIANS), "lsans", 11, 800.0, True)
    c.text((570, 28), f"DOB {a_date(rng, 1930, 2000)}", "lsans", 11, 800.0, True, anchor="ra")
    c.text((6, 534), f"{pick(rng, INSTITUTIONS)}  {a_time(rng)}", "lsans", 11, 800.0, True)
    return c, {"modality": "RF", "bits": 10, "signed": False, "photometric": "MONOCHROME2", "syntax": ExplicitVRLittleEndian,
               "extra": {}, "burned": None, "header_name": name}


def sc_dose_report(rng: np.random.Generator, text: bool) -> tuple[Canvas, dict[str, Any]]:
    """SC RGB 600x800 page: CT dose report, black text on white, a table, identifiers in the header."""
    page = np.full((800, 600, 3), 250.0)
    c = Canvas(page[None].copy(), text)
    c.rect(100, 30, 102, 570, (0.0, 0.0, 0.0))
    for k in range(6):
        c.rect(300 + 36 * k, 30, 301 + 36 * k, 570, (120.0, 120.0, 120.0))
    c.text((30, 20), "Dose Report", "sansb", 22, (0.0, 0.0, 0.0), False)
    name = dicom_style(person(rng), rng)
    c.block(30, 56, [(f"Patient: {name}", True), (f"ID: {an_id(rng)}", True)], "lsans", 13, (0.0, 0.0, 0.0), lead=4)
    c.block(320, 56, [(f"Exam: {a_date(rng, 2019, 2027)}", True), (accession(rng), True)], "lsans", 13,
            (0.0, 0.0, 0.0), lead=4)
    c.block(30, 120, [(f"Institution: {pick(rng, INSTITUTIONS)}", True), (f"Referring: {pick(rng, PHYSICIANS)}", True),
                      (f"Birth date: {a_date(rng, 1930, 2010)}", True), (f"Operator: {pick(rng, PHYSICIANS)}", True)],
            "lsans", 13, (20.0, 20.0, 20.0), lead=7)
    c.text((30, 280), "Series   Scan        CTDIvol   DLP", "lmono", 12, (0.0, 0.0, 0.0), False)
    for k in range(5):
        c.text((30, 312 + 36 * k), f"{k + 1}        Helical     {rng.uniform(2, 30):5.2f}     {rng.uniform(50, 900):6.1f}",
               "lmono", 12, (0.0, 0.0, 0.0), False)
    c.text((30, 760), f"Total DLP {rng.uniform(200, 2000):.1f} mGy*cm", "lsans", 12, (0.0, 0.0, 0.0), False)
    return c, {"modality": "SC", "bits": 8, "signed": False, "photometric": "RGB", "syntax": ExplicitVRLittleEndian,
               "extra": {"ConversionType": "WSD"}, "burned": "NO", "header_name": name}


def ot_worklist_screenshot(rng: np.random.Generator, text: bool) -> tuple[Canvas, dict[str, Any]]:
    """OT grey 8-bit 480x640 viewer screenshot: a worklist of several patients beside a thumbnail."""
    img = np.full((480, 640), 48.0)
    img[0:28] = 90.0
    img[60:420, 380:620] = resize(_real("ct_small"), 360, 240) / 10 + 40
    img = np.clip(img, 0, 255)
    c = Canvas(img[None].copy(), text)
    for k in range(11):
        c.rect(32 + 40 * k, 10, 33 + 40 * k, 360, 70.0)
    c.text((10, 6), "Worklist", "sansb", 14, 230.0, False)
    scripts = ["latin", "latin", "cyrillic", "greek", "latin", "cjk", "latin", "latin", "latin", "cyrillic"]
    for k, script in enumerate(scripts):
        y = 40 + 40 * k
        c.text((14, y), person(rng, script), "cjk" if script == "cjk" else "sans", 11, 220.0, True)
        c.text((215, y), an_id(rng), "sans", 10, 200.0, True)
        c.text((300, y + 14), a_date(rng, 2024, 2027), "cond", 9, 200.0, True)
    return c, {"modality": "SC", "bits": 8, "signed": False, "photometric": "MONOCHROME2", "syntax": ExplicitVRLittleEndian,
               "extra": {"ConversionType": "WSD", "Modality": "OT"}, "burned": None, "header_name": "WORKLIST"}


def nm_whole_body(rng: np.random.Generator, text: bool) -> tuple[Canvas, dict[str, Any]]:
    """NM whole body 1024x512 16-bit (two views), ANT/POST labels, vertical name, text brighter than any count."""
    body = _real("nm_body")
    img = np.zeros((1024, 512))
    img[:, :256] = body
    img[:, 256:] = body[:, ::-1] * 0.9
    img = np.clip(img, 0, None) * 40
    c = Canvas(img[None].copy(), text)
    v = 12000.0  # above the hottest count
    c.text((10, 10), "ANT", "sansb", 16, v, False)
    c.text((270, 10), "POST", "sansb", 16, v, False)
    name = person(rng)
    c.text((494, 200), f"{name}  {an_id(rng)}", "sans", 13, v, True, angle=270.0)
    c.block(10, 40, [(f"DOB {a_date(rng, 1930, 2000)}", True), (accession(rng), True)], "lsans", 10, v, lead=2)
    c.block(10, 1012, [(pick(rng, INSTITUTIONS), True), (f"{a_date(rng, 2019, 2027)}  Tc99m MDP 740 MBq", True)],
            "sans", 11, v, up=True)
    return c, {"modality": "NM", "bits": 16, "signed": False, "photometric": "MONOCHROME2", "syntax": ExplicitVRLittleEndian,
               "extra": {}, "burned": None, "header_name": name}


def pt_fusion_rgb(rng: np.random.Generator, text: bool) -> tuple[Canvas, dict[str, Any]]:
    """PT/CT fusion screenshot RGB 512x512: hot-iron colour over CT, SUV colour bar, Greek name."""
    hu = _real("ct_head")
    lo, hi = np.percentile(hu, 30), np.percentile(hu, 99.5)
    ct = np.clip((hu - lo) / (hi - lo), 0, 1) * 200
    pet = smooth(np.random.default_rng(int(rng.integers(1 << 30))).gamma(1.5, 1.0, (512, 512)), 9)
    pet = np.clip((pet - pet.mean()) * 3, 0, 1) * ellipse(512, 512, 256, 256, 200, 170)
    rgb = np.stack([ct + 255 * pet, ct + 180 * pet ** 2, ct * (1 - pet)], axis=-1)
    rgb = np.clip(rgb, 0, 255)
    c = Canvas(rgb[None].copy(), text)
    for k in range(200):  # colour bar
        t = 1 - k / 200
        c.rect(150 + k, 480, 151 + k, 496, (255 * t, 180 * t * t, 0.0))
    c.text((476, 140), "8.0", "sans", 10, (255.0, 255.0, 255.0), False, anchor="ra")
    c.text((476, 345), "0.0", "sans", 10, (255.0, 255.0, 255.0), False, anchor="ra")
    name = person(rng, "greek")
    c.block(6, 6, [(name, True), (an_id(rng), True), (a_date(rng, 1940, 2005), True)], "noto", 12,
            (255.0, 255.0, 255.0), lead=2)
    c.text((506, 6), pick(rng, INSTITUTIONS), "noto", 11, (255.0, 255.0, 255.0), True, anchor="ra")
    c.text((506, 22), f"{a_date(rng, 2019, 2027)} {a_time(rng)}", "noto", 11, (255.0, 255.0, 255.0), True,
           anchor="ra")
    c.text((6, 494), "SUVbw max 12.4", "noto", 11, (255.0, 255.0, 0.0), False)
    return c, {"modality": "SC", "bits": 8, "signed": False, "photometric": "RGB", "syntax": ExplicitVRLittleEndian,
               "extra": {"ConversionType": "WSD", "Modality": "PT"}, "burned": "YES", "header_name": name}


def dx_hand_tiny(rng: np.random.Generator, text: bool) -> tuple[Canvas, dict[str, Any]]:
    """DX hand 640x512 8-bit: 6 px non-anti-aliased text, ruler with numbers, text over soft tissue."""
    img = hand(rng, 640, 512) * 240 + 8
    c = Canvas(img[None].copy(), text)
    for k in range(21):
        c.rect(600, 40 + 20 * k, 612 if k % 5 == 0 else 606, 41 + 20 * k, 250.0)
    c.rect(600, 40, 601, 441, 250.0)
    for k in range(0, 21, 5):
        c.text((38 + 20 * k, 616), str(k), "lsans", 9, 250.0, False, aa=False)
    name = person(rng)
    c.block(6, 6, [(name, True), (an_id(rng), True), (a_date(rng, 2008, 2022), True), (pick(rng, INSTITUTIONS), True)],
            "lmono", 7, 250.0, aa=False, lead=1)
    c.text((300, 340), f"{dicom_style(person(rng), rng)}", "lsans", 8, 200.0, True, aa=False)
    c.text((506, 6), "L", "sansb", 22, 250.0, False, anchor="ra")
    return c, {"modality": "DX", "bits": 8, "signed": False, "photometric": "MONOCHROME2", "syntax": ExplicitVRLittleEndian,
               "extra": {}, "burned": None, "header_name": name}


def mr_large_banner(rng: np.random.Generator, text: bool) -> tuple[Canvas, dict[str, Any]]:
    """MR 12-bit 384x512 with a large-font name banner in a semi-opaque box over anatomy, translucent text."""
    mr = resize(_real("mr_abdomen"), 384, 512)
    c = Canvas(mr[None].copy(), text)
    c.img[0, 150:210, 40:472] = c.img[0, 150:210, 40:472] * 0.35  # translucent box
    name = person(rng)
    c.text((256, 158), name, "lsansb", 34, 1150.0, True, anchor="ma")
    c.text((256, 240), an_id(rng), "lsans", 24, 1150.0, True, anchor="ma", opacity=0.6)
    c.text((8, 370), pick(rng, PHYSICIANS), "lserif", 11, 1150.0, True)
    c.text((8, 8), f"DOB {a_date(rng, 1930, 2010)}  {age_sex(rng)}", "lserif", 11, 1150.0, True)
    c.text((504, 370), "Ax T1 FS post", "lserif", 11, 1150.0, False, anchor="ra")
    return c, {"modality": "MR", "bits": 12, "signed": False, "photometric": "MONOCHROME2", "syntax": ExplicitVRLittleEndian,
               "extra": {"WindowCenter": 550, "WindowWidth": 1100}, "burned": "NO", "header_name": "ANONYMIZED"}


def ct_small_scout_signed(rng: np.random.Generator, text: bool) -> tuple[Canvas, dict[str, Any]]:
    """CT_small upscaled to 384x384, signed 16-bit with negative stored values; dark text in a white corner
    box and light text over air, plus a tilted name."""
    ct = resize(_real("ct_small"), 384, 384)
    c = Canvas(ct[None].copy(), text)
    c.rect(0, 250, 60, 384, 1500.0)
    name = person(rng, "latin")
    c.block(256, 6, [(name, True), (an_id(rng), True), (a_date(rng, 1950, 2010), True)], "cond", 11, -1000.0, lead=3)
    c.text((6, 360), a_date(rng, 2019, 2027) + " " + a_time(rng), "mono", 10, 1500.0, True)
    c.text((20, 200), pick(rng, PHYSICIANS), "sans", 12, 1400.0, True, angle=-12.0)
    c.text((6, 6), "H", "sansb", 13, 1500.0, False)
    c.text((378, 360), pick(rng, INSTITUTIONS), "mono", 10, 1500.0, True, anchor="ra")
    return c, {"modality": "CT", "bits": 16, "signed": True, "photometric": "MONOCHROME2", "syntax": ExplicitVRLittleEndian,
               "extra": {"RescaleSlope": 1, "RescaleIntercept": -1024, "WindowCenter": 40, "WindowWidth": 400},
               "burned": None, "header_name": name}


def sc_film_sheet(rng: np.random.Generator, text: bool) -> tuple[Canvas, dict[str, Any]]:
    """SC 8-bit 640x720 digitised film sheet: 2x3 tiles of CT and MR, each tile with its own small
    name/date/slice overlay (the same patient six times), a header strip with the name in a serif font."""
    sheet = np.full((640, 720), 12.0)
    tiles = [_real("ct_head"), _real("ct_skullbase"), _real("mr_abdomen")]
    c = Canvas(sheet[None].copy(), text)
    for k in range(6):
        r, q = divmod(k, 3)
        src = tiles[k % 3]
        lo, hi = np.percentile(src, 2), np.percentile(src, 99.5)
        tile = np.clip((resize(src, 280, 230) - lo) / (hi - lo), 0, 1) * 235
        y0, x0 = 60 + r * 290, 5 + q * 238
        c.img[0, y0:y0 + 280, x0:x0 + 230] = tile
    name, ident, date = dicom_style(person(rng), rng), an_id(rng), a_date(rng, 2019, 2027)
    c.text((8, 10), name, "lserif", 20, 240.0, True)
    c.text((712, 10), pick(rng, INSTITUTIONS), "lserif", 16, 240.0, True, anchor="ra")
    c.text((712, 34), f"{ident}  {date}", "lserif", 14, 240.0, True, anchor="ra")
    for k in range(6):
        r, q = divmod(k, 3)
        y0, x0 = 60 + r * 290, 5 + q * 238
        c.text((x0 + 3, y0 + 2), name, "lnarrow", 9, 250.0, True, aa=bool(k % 2))
        c.text((x0 + 3, y0 + 13), date, "lnarrow", 9, 250.0, True, aa=bool(k % 2))
        c.text((x0 + 227, y0 + 268), f"Im {k + 12}", "lnarrow", 9, 250.0, False, anchor="ra")
    return c, {"modality": "SC", "bits": 8, "signed": False, "photometric": "MONOCHROME2", "syntax": ExplicitVRLittleEndian,
               "extra": {"ConversionType": "DF"}, "burned": "NO", "header_name": name}


SCENES: list[tuple[str, Scene]] = [
    ("ct_four_corners", ct_four_corners),
    ("cr_chest_monochrome1", cr_chest_monochrome1),
    ("us_doppler_rgb", us_doppler_rgb),
    ("mr_small_font_block", mr_small_font_block),
    ("xa_cine", xa_cine),
    ("sc_film_sheet", sc_film_sheet),
    ("sc_dose_report", sc_dose_report),
    ("mg_label_box", mg_label_box),
    ("nm_whole_body", nm_whole_body),
    ("ct_bone_overlay_dark", ct_bone_overlay_dark),
    ("us_echo_cine_ybr", us_echo_cine_ybr),
    ("dx_portable_gradient", dx_portable_gradient),
    ("rf_hebrew_circle", rf_hebrew_circle),
    ("pt_fusion_rgb", pt_fusion_rgb),
    ("mr_upscaled_cyrillic", mr_upscaled_cyrillic),
    ("ot_worklist_screenshot", ot_worklist_screenshot),
    ("us_grey_arabic", us_grey_arabic),
    ("dx_hand_tiny", dx_hand_tiny),
    ("mr_large_banner", mr_large_banner),
    ("ct_small_scout_signed", ct_small_scout_signed),
]


# ---------------------------------------------------------------- DICOM

def _stored(img: np.ndarray, meta: dict[str, Any]) -> np.ndarray:
    bits, signed = int(meta["bits"]), bool(meta["signed"])
    if meta["photometric"] in ("RGB", "YBR_FULL"):
        return np.clip(np.rint(img), 0, 255).astype(np.uint8)
    lo, hi = (-(1 << (bits - 1)), (1 << (bits - 1)) - 1) if signed else (0, (1 << bits) - 1)
    out = np.clip(np.rint(img), lo, hi)
    if meta["photometric"] == "MONOCHROME1" and meta.get("invert", True):
        out = hi + lo - out
    dtype = (np.int8 if signed else np.uint8) if bits <= 8 else (np.int16 if signed else np.uint16)
    return out.astype(dtype)


def _dataset(arr: np.ndarray, meta: dict[str, Any], seed: int, index: int, name: str) -> Dataset:
    key = meta["modality"]
    modality = meta["extra"].get("Modality", "US" if key == "USMF" else key)
    sop_uid = generate_uid(entropy_srcs=["blind7", str(seed), str(index), "sop"])
    frames = int(arr.shape[0])
    ds = Dataset()
    fm = FileMetaDataset()
    fm.MediaStorageSOPClassUID = SOP[key]
    fm.MediaStorageSOPInstanceUID = sop_uid
    fm.TransferSyntaxUID = ExplicitVRLittleEndian
    fm.ImplementationClassUID = "2.25.1181093745520174185217740516823471"
    fm.ImplementationVersionName = "BLIND7"
    ds.file_meta = fm
    ds.SpecificCharacterSet = "ISO_IR 192"
    ds.SOPClassUID = SOP[key]
    ds.SOPInstanceUID = sop_uid
    ds.StudyInstanceUID = generate_uid(entropy_srcs=["blind7", str(seed), str(index), "study"])
    ds.SeriesInstanceUID = generate_uid(entropy_srcs=["blind7", str(seed), str(index), "series"])
    ds.StudyDate = "20250101"
    ds.StudyTime = "120000"
    ds.ContentDate = "20250101"
    ds.ContentTime = "120000"
    ds.AccessionNumber = ""
    ds.Modality = modality
    ds.Manufacturer = "Blind7 Phantom Works"
    ds.ReferringPhysicianName = ""
    ds.PatientName = meta["header_name"] if index % 3 else "ANON"
    ds.PatientID = f"B7-{seed}-{index}"
    ds.PatientBirthDate = ""
    ds.PatientSex = ""
    ds.StudyID = "1"
    ds.SeriesNumber = 1
    ds.InstanceNumber = index + 1
    ds.PatientOrientation = ""
    ds.ImageType = {"SC": ["DERIVED", "SECONDARY"], "CT": ["ORIGINAL", "PRIMARY", "AXIAL"],
                    "MR": ["ORIGINAL", "PRIMARY", "OTHER"], "XA": ["ORIGINAL", "PRIMARY", "SINGLE PLANE"],
                    "RF": ["ORIGINAL", "PRIMARY", "SINGLE PLANE"],
                    "NM": ["ORIGINAL", "PRIMARY", "WHOLE BODY", "EMISSION"]}.get(key, ["ORIGINAL", "PRIMARY"])
    if key in ("DX", "MG"):
        ds.PresentationIntentType = "FOR PRESENTATION"
        ds.PatientOrientation = ["A", "F"]
    if meta["burned"] is not None:
        ds.BurnedInAnnotation = meta["burned"]
    if key == "SC":
        ds.ConversionType = meta["extra"].get("ConversionType", "WSD")
    photometric = meta["photometric"]
    ds.Rows, ds.Columns = int(arr.shape[1]), int(arr.shape[2])
    if photometric in ("RGB", "YBR_FULL"):
        ds.SamplesPerPixel = 3
        ds.PlanarConfiguration = 0
        ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 8, 8, 7, 0
        if photometric == "YBR_FULL":  # colour-by-plane, as the US IOD wants it for YBR_FULL
            arr = pydicom.pixels.convert_color_space(arr, "RGB", "YBR_FULL")
    else:
        ds.SamplesPerPixel = 1
        bits = int(meta["bits"])
        ds.BitsAllocated = 8 if bits <= 8 else 16
        ds.BitsStored, ds.HighBit = bits, bits - 1
        ds.PixelRepresentation = int(bool(meta["signed"]))
    ds.PhotometricInterpretation = photometric
    if frames > 1:
        ds.NumberOfFrames = frames
        ds.FrameIncrementPointer = 0x00181063
        ds.FrameTime = 33.3
    for k, v in meta["extra"].items():
        if k in ("ConversionType", "Modality", "voi_lut"):
            continue
        setattr(ds, k, v)
    if "voi_lut" in meta["extra"]:
        lut = meta["extra"]["voi_lut"]
        item = Dataset()
        item.add_new(0x00283002, "US", [len(lut), 0, 16])  # LUT Descriptor
        item.LUTExplanation = "LINEAR"
        item.add_new(0x00283006, "US", [int(v) for v in lut])  # LUT Data
        ds.VOILUTSequence = [item]
    data = np.ascontiguousarray(arr if frames > 1 else arr[0])
    ds.PixelData = data.astype(data.dtype.newbyteorder("<")).tobytes()
    if len(ds.PixelData) % 2:
        ds.PixelData += b"\0"
    syntax = meta["syntax"]
    if syntax in (RLELossless, JPEGLSLossless, JPEG2000Lossless):
        ds.compress(syntax, encoding_plugin="pylibjpeg" if syntax == JPEG2000Lossless else "",
                    generate_instance_uid=False)
        if photometric == "YBR_FULL":  # RLE segments are colour-by-plane; the US IOD wants it said
            ds.PlanarConfiguration = 1
    elif syntax != ExplicitVRLittleEndian:
        ds.file_meta.TransferSyntaxUID = syntax
    return ds


def dicom_bytes(ds: Dataset) -> bytes:
    """The file as written to disk."""
    buffer = io.BytesIO()
    ds.save_as(buffer, enforce_file_format=True)
    return buffer.getvalue()


def _render(index: int, seed: int, text: bool) -> tuple[str, str, np.ndarray, list[tuple[str, int, int, int, np.ndarray, bool]],
                                                       dict[str, Any]]:
    control = index % 5 == 4
    if control:
        slot = (index // 5 * 7 + 3) % len(SCENES)
    else:
        slot = (index - index // 5) % len(SCENES)
    scene_name, scene = SCENES[slot]
    rng = np.random.default_rng([seed, index, 7])
    canvas, meta = scene(rng, text and not control)
    return scene_name, meta["modality"], canvas.img, canvas.drawn, meta


def blind7_case(index: int, seed: int, text: bool = True) -> Blind7Case:
    """Image ``index`` of the set; ``text=False``: the same image without its text (for checks)."""
    scene_name, _, img, drawn, meta = _render(index, seed, text)
    control = index % 5 == 4
    label = f"{index:03d}_{meta['modality'].lower()[:2]}_{'control_' if control else ''}{scene_name}"
    stored = _stored(img, meta)
    lines: list[Line] = []
    if drawn:
        _, _, plain_img, _, _ = _render(index, seed, False)
        plain = _stored(plain_img, meta)
        for s, fr, top, left, alpha, identifier in drawn:
            h, w = alpha.shape
            changed = stored[fr, top:top + h, left:left + w] != plain[fr, top:top + h, left:left + w]
            if changed.ndim == 3:
                changed = changed.any(axis=-1)
            ink = (alpha >= 0.25) & changed
            if int(ink.sum()) < 3:
                continue
            ys, xs = np.nonzero(ink)
            y0, y1, x0, x1 = int(ys.min()), int(ys.max()) + 1, int(xs.min()), int(xs.max()) + 1
            ink = ink[y0:y1, x0:x1]
            y0, y1, x0, x1 = y0 + top, y1 + top, x0 + left, x1 + left
            lines.append(Line(s, fr, (y0, x0, y1, x1), ink.copy(), identifier))
    return Blind7Case(label, _dataset(stored, meta, seed, index, scene_name), lines)


def blind7_cases(count: int, seed: int) -> list[Blind7Case]:
    """``count`` images; every fifth (index 4, 9, ...) a control without text."""
    return [blind7_case(i, seed) for i in range(count)]
