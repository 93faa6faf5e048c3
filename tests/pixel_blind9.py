"""Blind image set 9 for burned-in text: archive-like images with ground-truth text boxes.

Written by an outside evaluator (session blind9) without reading curator's detector, its screen,
its rules, docs/deid.md or the other generators' scenes; only the benchmark's interface (cases of
``name``, ``dataset``, ``lines``; lines of ``frame``, ``box``, ``ink``, ``identifier``,
``tokens()``) was taken from tests/pixel_blind8.py.  Nothing here was chosen by running curator.

What is deliberately hard (see /work/notes/blind9.md):

* vendor-like annotation blocks in all four corners, 4 to 8 lines each, identifiers mixed with
  technical lines ("kVp 120 mAs 250", "W:400 L:40", "Se:3 Im:45") in the same block;
* anti-aliased text on 12, 14 and 16-bit data whose value is chosen from the display window, not
  the stored maximum: CT text at the top of a soft-tissue window (240 HU, inside the data range,
  darker than bone), MR text at window centre + width / 2 over bright anatomy, grey lines at the
  window centre;
* MONOCHROME1 mammograms (14-bit) with large laterality markers (``L CC``, ``R MLO``, not
  identifiers) a few pixels from the patient's name, and a name strip turned 90 degrees;
* a DX chest with a hospital logo block (a filled plate with a cross and the institution in
  inverse video) and the technologist's initials in 7 px type;
* dark grey text on a bright background (a light secondary capture, a scanned form);
* text at the very edge: lines cut by row 0, by column 0 and by the last row/column;
* JPEG baseline (lossy, 8-bit) grey radiographs and a YBR_FULL_422 ultrasound cine, where
  compression smears the text's edges (ground truth taken from the decoded pixels); JPEG 2000
  lossless (signed and unsigned); JPEG-LS lossless; RLE; deflated; implicit little endian;
* multi-frame: a 10-frame MR series and a 12-frame grey ultrasound cine with text on some frames
  only, moving from frame to frame; a 6-frame colour ultrasound cine with a freeze annotation on
  the last frames only;
* an RGB screenshot of a PACS viewer with a patient bar, thumbnails and coloured corner text;
* a scanned request form (secondary capture) with printed labels and names, tilted by the
  scanner, check boxes, table rules and handwriting-like scribbles (drawn in the controls too);
* dates and IDs in many formats; names in Latin with diacritics, Cyrillic, Greek, Arabic, Hebrew,
  Chinese, Japanese, Hangul, Devanagari and Thai; 6-9 px fonts without anti-aliasing and 40-72 px
  fonts; text turned 90 degrees;
* every fifth image (index 4, 9, ...) is a control rendered without any text: its graphics
  (rulers, calipers, grids, dot patterns, scale bars, logo plates, lead-marker squares, check
  boxes, scribbles, viewer chrome) stay, so over-redaction shows.

Counts at ``--count 40 --seed 2``: 40 images, 8 controls, 32 text images over the 18 scenes
(every scene at least once), 347 ground-truth lines (120 of them on frames of multi-frame
images) of which 212 are identifiers; line heights 4 to 187 px (median 9); transfer syntaxes:
explicit 12, implicit 6, deflated 5, JPEG baseline 5, JPEG 2000 lossless 5, RLE 4, JPEG-LS 3
(measured with ``python tests/pixel_blind9.py 40 2``).

Every image is a pydicom Dataset built from scratch (file meta included) over real pixel content
from pydicom's bundled test files (CT head 512, CT_small, MR_small, the abdominal MR) resampled,
or over synthetic anatomy (chest, breast, knee, ultrasound speckle, body scout, paper).  Fonts come
only from fonts-dejavu-core, fonts-liberation, fonts-noto-core, fonts-noto-mono and
fonts-wqy-microhei.

Ground truth: every drawn text line on every frame is one :class:`Line` (``frame``, ``box`` =
(y0, x0, y1, x1), ``ink`` = the pixels inside the box whose decoded value differs from the image
rendered without text and that lie under the line's glyphs); ``identifier`` is True for lines with
a patient name or ID, a birth date, an age, a study date, an institution, a physician, a
technologist or an accession number.  Header BurnedInAnnotation is drawn independently of the
truth.  Same seed, same bytes.
"""

from __future__ import annotations

import io
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pydicom
from PIL import Image, ImageDraw, ImageFont
from pydicom.data import get_testdata_file
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.encaps import encapsulate
from pydicom.uid import (
    DeflatedExplicitVRLittleEndian,
    ExplicitVRLittleEndian,
    ImplicitVRLittleEndian,
    JPEG2000Lossless,
    JPEGBaseline8Bit,
    JPEGLSLossless,
    UID,
    RLELossless,
    generate_uid,
)
from scipy import ndimage

__all__ = [
    "Blind9Case",
    "Line",
    "SCENES",
    "blind9_case",
    "blind9_cases",
    "dicom_bytes",
    "missing_fonts",
]

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
    "lmono": "liberation/LiberationMono-Regular.ttf",
    "narrow": "liberation/LiberationSansNarrow-Regular.ttf",
    "lserif": "liberation/LiberationSerif-Regular.ttf",
    "noto": "noto/NotoSans-Regular.ttf",
    "notomono": "noto/NotoMono-Regular.ttf",
    "arabic": "noto/NotoSansArabic-Regular.ttf",
    "hebrew": "noto/NotoSansHebrew-Regular.ttf",
    "deva": "noto/NotoSansDevanagari-Regular.ttf",
    "thai": "noto/NotoSansThai-Regular.ttf",
    "cjk": "wqy/wqy-microhei.ttc",
}
SCRIPT_FONT = {
    "latin": "sans",
    "cyrillic": "noto",
    "greek": "noto",
    "arabic": "arabic",
    "hebrew": "hebrew",
    "chinese": "cjk",
    "japanese": "cjk",
    "hangul": "cjk",
    "deva": "deva",
    "thai": "thai",
}
LATIN_FONTS = ["sans", "cond", "mono", "lsans", "lmono", "narrow", "notomono", "lsansb", "lserif"]

NAMES = {
    "latin": [
        "José Muñoz-Peña",
        "Zoë Đorđević",
        "Łukasz Wójcik",
        "Søren Kjærgaard",
        "Ana Gonçalves",
        "Hélène Lefèvre",
        "Jürgen Großmann",
        "Ömer Yılmaz",
        "Siobhán Ní Bhriain",
        "Tomáš Dvořák",
        "Margaret Okafor",
        "Kwame Asante",
        "Priya Raman",
        "Ingrid Halvorsen",
        "Mateus Araújo",
        "Aoife Brennan",
        "Dmitri Volkov",
        "Camille Durand",
        "Rafael Quintero",
        "Eleanor Whitcombe",
    ],
    "cyrillic": ["Иванова Мария", "Соколов Дмитрий", "Петренко Олена", "Кузнецов Игорь"],
    "greek": ["Παπαδόπουλος Γεώργιος", "Νικολάου Ελένη", "Σταυρίδης Κώστας"],
    "arabic": ["فاطمة الزهراء", "محمد العتيبي", "ليلى حداد"],
    "hebrew": ["יעל כהן", "אברהם לוי", "מרים שפירא"],
    "chinese": ["王秀英", "李建国", "陈志明"],
    "japanese": ["佐藤 花子", "鈴木 一郎", "高橋 美咲"],
    "hangul": ["김민준", "이서연", "박지훈"],
    "deva": ["प्रिया शर्मा", "राहुल वर्मा", "अनीता देसाई"],
    "thai": ["สมชาย ใจดี", "มาลี ศรีสุข", "ประเสริฐ วงศ์ไทย"],
}
INSTITUTIONS = [
    "St. Aldhelm's General Hospital",
    "Klinikum Bärenfels",
    "Hôpital Sainte-Odile",
    "Lakeshore Regional Medical Ctr",
    "Ospedale Maggiore di Lodi",
    "Kingsbridge Imaging",
    "Fjellheim Sykehus",
    "Marrow Creek Clinic",
    "Unidad Radiológica Norte",
    "Westgate Children's",
]
PHYSICIANS = [
    "Dr. A. Mbeki",
    "Dr Fontaine",
    "Dr. K. Oduya",
    "Dr. Ferreira-Lund",
    "Dr Haroutunian",
    "Dr. J. Whitlock",
    "Dr. S. Bhattacharya",
    "Dr Novak",
]
MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]

Value = float | tuple[float, float, float]


def missing_fonts() -> list[str]:
    """Font files this set needs that are not installed (empty when it can run)."""
    return [p for p in FONTS.values() if not (FONT_DIR / p).exists()]


@lru_cache(maxsize=256)
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
class Blind9Case:
    name: str
    dataset: Dataset
    lines: list[Line] = field(default_factory=list)


# --------------------------------------------------------------------------- glyphs and canvas

FALLBACK = [
    (0x0590, 0x05FF, "hebrew"),
    (0x0600, 0x06FF, "arabic"),
    (0x0900, 0x097F, "deva"),
    (0x0E00, 0x0E7F, "thai"),
    (0x2E80, 0xD7FF, "cjk"),
]


def fallback(text: str, key: str) -> str:
    """The font a viewer falls back to for a script the chosen font lacks."""
    for ch in text:
        for lo, hi, k in FALLBACK:
            if lo <= ord(ch) <= hi:
                return k
    return key


def glyphs(
    text: str, key: str, size: int, *, aa: bool = True, turn: int = 0, tilt: float = 0.0
) -> np.ndarray:
    """Alpha mask (0..1) of ``text`` in font ``key`` (or its fallback for the script) at ``size``
    px, trimmed to its ink; ``turn`` quarter turns counter-clockwise, ``tilt`` degrees."""
    f = font(fallback(text, key), size)
    x0, y0, x1, y1 = f.getbbox(text)
    im = Image.new("L", (int(x1 - x0) + 8, int(y1 - y0) + 8), 0)
    draw = ImageDraw.Draw(im)
    if not aa:
        draw.fontmode = "1"
    draw.text((4 - int(x0), 4 - int(y0)), text, font=f, fill=255)
    if tilt:
        im = im.rotate(tilt, resample=Image.Resampling.BILINEAR, expand=True)
    a = np.asarray(im, dtype=np.float64) / 255.0
    ys, xs = np.nonzero(a > 0)
    a = a[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1]
    return np.rot90(a, turn).copy() if turn else a


class Canvas:
    """Frames in stored units (grey) or 0..255 (RGB).  Text goes in only when ``text_on``, but every
    placement is decided either way, so both renders share all graphics and all randomness."""

    def __init__(self, frames: np.ndarray, text_on: bool) -> None:
        self.frames = frames.astype(np.float64)
        self.text_on = text_on
        self.drawn: list[tuple[str, int, int, int, np.ndarray, bool]] = []
        self.taken: list[tuple[int, int, int, int, int]] = []

    @property
    def h(self) -> int:
        return int(self.frames.shape[1])

    @property
    def w(self) -> int:
        return int(self.frames.shape[2])

    def put(
        self,
        text: str,
        a: np.ndarray,
        top: int,
        left: int,
        value: Value,
        identifier: bool,
        frame: int = 0,
        add: bool = False,
    ) -> bool:
        """Blend mask ``a`` at (top, left) (may hang over the border) towards ``value`` (``add``:
        add ``value`` times the mask); refused when it would touch another line of the frame."""
        bottom, right = top + a.shape[0], left + a.shape[1]
        for f, y0, x0, y1, x1 in self.taken:
            if f == frame and top - 3 < y1 and y0 < bottom + 3 and left - 3 < x1 and x0 < right + 3:
                return False
        ys0, xs0, ys1, xs1 = max(top, 0), max(left, 0), min(bottom, self.h), min(right, self.w)
        if ys1 - ys0 < 2 or xs1 - xs0 < 2:
            return False
        cut = a[ys0 - top : ys1 - top, xs0 - left : xs1 - left]
        self.taken.append((frame, top, left, bottom, right))
        self.drawn.append((text, frame, ys0, xs0, cut, identifier))
        if self.text_on:
            region = self.frames[frame, ys0:ys1, xs0:xs1]
            m = cut[..., None] if region.ndim == 3 else cut
            v = np.asarray(value, dtype=np.float64)
            region[...] = region + v * m if add else region * (1 - m) + v * m
        return True

    def text(
        self,
        text: str,
        key: str,
        size: int,
        top: int,
        left: int,
        value: Value,
        identifier: bool,
        frame: int = 0,
        *,
        align: str = "left",
        aa: bool = True,
        turn: int = 0,
        tilt: float = 0.0,
        add: bool = False,
    ) -> np.ndarray:
        a = glyphs(text, key, size, aa=aa, turn=turn, tilt=tilt)
        if align == "right":
            left -= a.shape[1]
        elif align == "center":
            left -= a.shape[1] // 2
        self.put(text, a, top, left, value, identifier, frame, add)
        return a

    def block(
        self,
        rows: list[tuple[str, bool]],
        corner: str,
        key: str,
        size: int,
        value: Value,
        frame: int = 0,
        margin: int = 6,
        leading: float = 1.3,
        aa: bool = True,
    ) -> None:
        """Stack ``rows`` in a corner ("tl", "tr", "bl", "br"), vendor style."""
        step = int(round(size * leading))
        n = len(rows)
        for i, (t, ident) in enumerate(rows):
            top = margin + i * step if corner[0] == "t" else self.h - margin - (n - i) * step
            if corner[1] == "l":
                self.text(t, key, size, top, margin, value, ident, frame, aa=aa)
            else:
                self.text(
                    t, key, size, top, self.w - margin, value, ident, frame, align="right", aa=aa
                )

    # graphics (drawn in both renders)
    def rect(
        self,
        y0: int,
        x0: int,
        y1: int,
        x1: int,
        value: Value,
        frames: list[int] | None = None,
        fill: bool = True,
        width: int = 1,
    ) -> None:
        for f in frames if frames is not None else range(self.frames.shape[0]):
            if fill:
                self.frames[f, max(y0, 0) : y1, max(x0, 0) : x1] = value
            else:
                for yy0, xx0, yy1, xx1 in (
                    (y0, x0, y0 + width, x1),
                    (y1 - width, x0, y1, x1),
                    (y0, x0, y1, x0 + width),
                    (y0, x1 - width, y1, x1),
                ):
                    self.frames[f, max(yy0, 0) : yy1, max(xx0, 0) : xx1] = value

    def ruler(
        self, y: int, x0: int, x1: int, value: Value, step: int, vertical: bool = False
    ) -> None:
        for f in range(self.frames.shape[0]):
            for k, x in enumerate(range(x0, x1, step)):
                ln = 9 if k % 5 == 0 else 4
                if vertical:
                    self.frames[f, x : x + 1, y : y + ln] = value
                else:
                    self.frames[f, y : y + ln, x : x + 1] = value
            if vertical:
                self.frames[f, x0:x1, y : y + 1] = value
            else:
                self.frames[f, y : y + 1, x0:x1] = value

    def cross(self, y: int, x: int, value: Value, r: int = 4) -> None:
        for f in range(self.frames.shape[0]):
            self.frames[f, y, max(x - r, 0) : x + r + 1] = value
            self.frames[f, max(y - r, 0) : y + r + 1, x] = value

    def dots(self, y0: int, x0: int, y1: int, x1: int, value: Value, step: int = 6) -> None:
        for f in range(self.frames.shape[0]):
            self.frames[f, y0:y1:step, x0:x1:step] = value


# --------------------------------------------------------------------------- anatomy


def resize(a: np.ndarray, h: int, w: int) -> np.ndarray:
    return np.asarray(
        Image.fromarray(a.astype(np.float32), "F").resize((w, h), Image.Resampling.BICUBIC),
        dtype=np.float64,
    )


@lru_cache(maxsize=None)
def _testdata(name: str) -> np.ndarray:
    ds = pydicom.dcmread(str(get_testdata_file(name)))
    a = ds.pixel_array.astype(np.float64)
    return a * float(ds.get("RescaleSlope", 1)) + float(ds.get("RescaleIntercept", 0))


def ct_head() -> np.ndarray:
    """The 512 px CT head in HU."""
    return _testdata("J2K_pixelrep_mismatch.dcm").copy()


def ellipse(h: int, w: int, cy: float, cx: float, ry: float, rx: float) -> np.ndarray:
    y, x = np.mgrid[0:h, 0:w]
    return (((y - cy) / ry) ** 2 + ((x - cx) / rx) ** 2) <= 1.0


def noise(rng: np.random.Generator, h: int, w: int, sigma: float) -> np.ndarray:
    return ndimage.gaussian_filter(rng.standard_normal((h, w)), sigma)


def chest(rng: np.random.Generator, h: int, w: int) -> np.ndarray:
    """0..1 attenuation of a PA chest (1 = bone/mediastinum)."""
    a = np.full((h, w), 0.15)
    body = ellipse(h, w, h * 0.55, w * 0.5, h * 0.5, w * 0.46)
    a[body] = 0.55
    for side in (-1, 1):
        a[ellipse(h, w, h * 0.5, w * (0.5 + side * 0.2), h * 0.32, w * 0.15)] = 0.25
        y, x = np.mgrid[0:h, 0:w]
        lung = ellipse(h, w, h * 0.5, w * (0.5 + side * 0.2), h * 0.36, w * 0.19)
        for k in range(8):  # posterior ribs: arcs falling away from the spine
            arc = h * (0.16 + 0.075 * k) + 0.9 * np.abs(x - w * 0.5) ** 1.25 / w ** 0.25
            a[(np.abs(y - arc) < h * 0.011) & lung] += 0.12
    a[ellipse(h, w, h * 0.55, w * 0.5, h * 0.4, w * 0.07)] = 0.8
    a[ellipse(h, w, h * 0.68, w * 0.55, h * 0.12, w * 0.13)] = 0.75
    a += 0.04 * noise(rng, h, w, 2.0)
    return np.clip(ndimage.gaussian_filter(a, 1.5), 0, 1)


def breast(rng: np.random.Generator, h: int, w: int, right: bool) -> np.ndarray:
    """0..1 density of a CC/MLO view, chest wall on the left (``right``: mirrored)."""
    y, x = np.mgrid[0:h, 0:w]
    r = np.sqrt(((y - h / 2) / (h * 0.46)) ** 2 + (x / (w * 0.7)) ** 2)
    tissue = np.clip(1.2 - r, 0, 1) ** 0.5
    tissue *= 0.45 + 0.3 * np.clip(noise(rng, h, w, 6) * 3 + 0.5, 0, 1)
    tissue[r > 1.0] = 0
    tissue = ndimage.gaussian_filter(tissue, 1.0)
    return tissue[:, ::-1].copy() if right else tissue


def knee(rng: np.random.Generator, h: int, w: int) -> np.ndarray:
    a = np.full((h, w), 0.05)
    a[ellipse(h, w, h / 2, w / 2, h * 0.6, w * 0.3)] = 0.35
    a[ellipse(h, w, h * 0.25, w / 2, h * 0.3, w * 0.12)] = 0.8
    a[ellipse(h, w, h * 0.78, w / 2, h * 0.3, w * 0.11)] = 0.8
    a[ellipse(h, w, h * 0.5, w * 0.5, h * 0.03, w * 0.1)] = 0.3
    a += 0.03 * noise(rng, h, w, 1.5)
    return np.clip(ndimage.gaussian_filter(a, 1.2), 0, 1)


def speckle(rng: np.random.Generator, h: int, w: int, shift: float = 0.0) -> np.ndarray:
    """Ultrasound sector with speckle, 0..1."""
    y, x = np.mgrid[0:h, 0:w]
    cy, cx = -h * 0.1, w / 2
    r = np.hypot(y - cy, x - cx)
    ang = np.arctan2(x - cx, y - cy)
    sector = (r > h * 0.2) & (r < h * 0.95) & (np.abs(ang) < 0.6)
    s = np.abs(rng.standard_normal((h, w)) + 1j * rng.standard_normal((h, w))) / 2.5
    s = ndimage.gaussian_filter(s, (0.6, 1.4))
    layers = 0.5 + 0.35 * np.sin((r + shift) / (h * 0.07))
    return np.clip(s * layers, 0, 1) * sector


def paper(rng: np.random.Generator, h: int, w: int) -> np.ndarray:
    return np.clip(232 + 4 * noise(rng, h, w, 1.0) + 6 * noise(rng, h, w, 20.0), 0, 255)


# --------------------------------------------------------------------------- identifiers


def pick(rng: np.random.Generator, pool: list[str]) -> str:
    return pool[int(rng.integers(len(pool)))]


def person(rng: np.random.Generator, script: str = "latin") -> str:
    name = pick(rng, NAMES[script])
    if script != "latin":
        return name
    parts = name.split(" ")
    given, family = parts[0], " ".join(parts[1:])
    style = int(rng.integers(5))
    if style == 0:
        return f"{family.upper()}^{given.upper()}"
    if style == 1:
        return f"{family}, {given}"
    if style == 2:
        return f"{given[0]}. {family.upper()}"
    if style == 3:
        return f"{family.upper()} {given}"
    return name


def a_script(rng: np.random.Generator, latin_share: float = 0.45) -> str:
    if rng.random() < latin_share:
        return "latin"
    return pick(rng, [s for s in NAMES if s != "latin"])


def a_date(rng: np.random.Generator, y0: int = 1930, y1: int = 2024) -> str:
    y, m, d = int(rng.integers(y0, y1)), int(rng.integers(1, 13)), int(rng.integers(1, 29))
    fmt = int(rng.integers(12))
    return [
        f"{y}-{m:02d}-{d:02d}",
        f"{d:02d}.{m:02d}.{y}",
        f"{m:02d}/{d:02d}/{y}",
        f"{d:02d}-{MONTHS[m - 1]}-{y}",
        f"{y}{m:02d}{d:02d}",
        f"{d} {MONTHS[m - 1].title()} {y}",
        f"{y}/{m:02d}/{d:02d}",
        f"{MONTHS[m - 1].title()} {d}, {y}",
        f"{d:02d}/{m:02d}/{y % 100:02d}",
        f"{y}.{m}.{d}",
        f"{d}-{m}-{y}",
        f"{y}年{m}月{d}日",
    ][fmt]


def a_time(rng: np.random.Generator) -> str:
    return f"{int(rng.integers(24)):02d}:{int(rng.integers(60)):02d}:{int(rng.integers(60)):02d}"


def an_id(rng: np.random.Generator) -> str:
    n = int(rng.integers(10**6, 10**8))
    fmt = int(rng.integers(7))
    return [
        f"{n:08d}",
        f"MRN {n}",
        f"ID: {n % 10**4:04d}-{n // 10**4:04d}",
        f"PID:A{n}",
        f"NHS {n % 1000:03d} {n // 1000 % 1000:03d} {n % 10000:04d}",
        f"#{chr(65 + n % 26)}{n}",
        f"{n // 1000}-{n % 1000:03d}-{n % 97:02d}",
    ][fmt]


def accession(rng: np.random.Generator) -> str:
    return (
        pick(rng, ["Acc#", "ACC:", "Accession", "A/N"])
        + f" {int(rng.integers(2015, 2027))}RA{int(rng.integers(10**5, 10**6))}"
    )


def age(rng: np.random.Generator) -> str:
    n = int(rng.integers(1, 95))
    return pick(rng, [f"{n:03d}Y", f"{n}Y", f"Age: {n}", f"{n} yrs", f"{n} y/o", f"{n}J"])


def sex(rng: np.random.Generator) -> str:
    return pick(rng, ["F", "M", "O"])


def name_font(script: str, rng: np.random.Generator, latin: str | None = None) -> str:
    return (latin or pick(rng, LATIN_FONTS)) if script == "latin" else SCRIPT_FONT[script]


# --------------------------------------------------------------------------- scenes

Meta = dict[str, Any]
Scene = Callable[[np.random.Generator, bool], tuple[Canvas, Meta]]


def ct_corners_j2k(rng: np.random.Generator, text: bool) -> tuple[Canvas, Meta]:
    """CT head 512, 12-bit unsigned with intercept -1024, JPEG 2000 lossless: four vendor corner
    blocks (5-8 lines) at 4095, identifiers and technique mixed, a scale bar and orientation ticks."""
    hu = ct_head()
    c = Canvas(np.clip(hu + 1024, 0, 4095)[None], text)
    key = pick(rng, ["mono", "lmono", "notomono", "lsans"])
    size = int(rng.integers(11, 15))
    script = a_script(rng)
    tl = [
        (pick(rng, INSTITUTIONS), True),
        (person(rng, "latin"), True),
        (an_id(rng), True),
        (f"{a_date(rng)} {sex(rng)} {age(rng)}", True),
        (accession(rng), True),
    ]
    tr = [
        (a_date(rng, 2015, 2026), True),
        (a_time(rng), False),
        (f"Se:{int(rng.integers(1, 9))}", False),
        (f"Im:{int(rng.integers(1, 300))}", False),
        ("HEAD W/O", False),
        (pick(rng, PHYSICIANS), True),
    ]
    bl = [
        (f"kVp {pick(rng, ['100', '120', '140'])}", False),
        (f"mAs {int(rng.integers(80, 400))}", False),
        (f"Thk {pick(rng, ['0.625', '1.25', '2.5', '5.0'])} mm", False),
        ("Tilt: 0.0", False),
        (f"CTDIvol {rng.uniform(20, 60):.1f} mGy", False),
    ]
    br = [("W:2000 L:300", False), ("DFOV 25.0cm", False), ("BONE", False), ("512x512", False)]
    c.block(tl, "tl", key, size, 4095.0)
    if script != "latin":  # the name line again in its own script font, below the block
        c.text(
            person(rng, script),
            SCRIPT_FONT[script],
            size + 2,
            8 + 6 * int(size * 1.3) + 4,
            6,
            4095.0,
            True,
        )
    c.block(tr, "tr", key, size, 4095.0)
    c.block(bl, "bl", key, size, 4095.0)
    c.block(br, "br", key, size, 4095.0)
    c.ruler(c.w - 20, 150, 362, 4095.0, 10, vertical=True)
    meta = dict(
        modality="CT",
        bits=12,
        signed=False,
        intercept=-1024.0,
        window=(300, 2000),
        syntax=JPEG2000Lossless,
    )
    return c, meta


def ct_soft_window_text(rng: np.random.Generator, text: bool) -> tuple[Canvas, Meta]:
    """CT_small resampled to 384, signed 16-bit HU: text at 240 HU (white in W:400 L:40, inside the
    data range) over muscle and fat, a mid-grey line at 140 HU, calipers and a dot pattern."""
    hu = resize(_testdata("CT_small.dcm"), 384, 384)
    c = Canvas(hu[None], text)
    script = a_script(rng)
    key = pick(rng, ["sans", "lsans", "cond"])
    c.text(
        person(rng, script),
        name_font(script, rng, key),
        16,
        int(rng.integers(225, 245)),
        int(rng.integers(50, 110)),
        240.0,
        True,
    )
    c.text(
        an_id(rng), key, 13, int(rng.integers(262, 272)), int(rng.integers(60, 130)), 240.0, True
    )
    c.text(f"DOB {a_date(rng)}", key, 12, 160, int(rng.integers(20, 50)), 140.0, True)
    c.text(
        f"W:400 L:40  Se:{int(rng.integers(2, 8))} Im:{int(rng.integers(10, 90))}",
        key,
        11,
        8,
        8,
        240.0,
        False,
    )
    c.text(f"Study {a_date(rng, 2018, 2026)}", key, 11, 8, 376, 240.0, True, align="right")
    c.text("kVp 120 mAs 250", key, 11, 360, 8, 240.0, False)
    c.text(pick(rng, INSTITUTIONS), key, 11, 360, 376, 240.0, True, align="right")
    for _ in range(3):
        y, x = int(rng.integers(60, 320)), int(rng.integers(60, 320))
        c.cross(y, x, 240.0)
    c.dots(300, 40, 340, 340, 240.0, 7)
    meta = dict(
        modality="CT",
        bits=16,
        signed=True,
        intercept=0.0,
        window=(40, 400),
        syntax=ExplicitVRLittleEndian,
    )
    return c, meta


def mr_window_corners(rng: np.random.Generator, text: bool) -> tuple[Canvas, Meta]:
    """Abdominal MR 12-bit: corner blocks at window centre + width / 2 (white on display, a third of
    the stored range), one grey block at the window centre, a name over the bright liver."""
    mr = _testdata("examples_overlay.dcm")
    c = Canvas(mr[None], text)
    center, width = 500.0, 900.0
    white, grey = center + width / 2, center
    key = pick(rng, ["lsans", "sans", "narrow"])
    size = int(rng.integers(10, 14))
    script = a_script(rng)
    c.block(
        [
            (person(rng, script) if script == "latin" else an_id(rng), True),
            (an_id(rng), True),
            (f"{sex(rng)} {age(rng)}", True),
            (pick(rng, INSTITUTIONS), True),
        ],
        "tl",
        key,
        size,
        white,
    )
    c.block(
        [
            (a_date(rng, 2016, 2026), True),
            (a_time(rng), False),
            ("Se:3 Im:45", False),
            ("Tra>Cor(-5.2)", False),
            ("FoV 350*263", False),
        ],
        "tr",
        key,
        size,
        white,
    )
    c.block(
        [("TR 4.1 TE 1.9", False), ("FA 10", False), ("SL 3.0", False), ("p2 M/ND", False)],
        "bl",
        key,
        size,
        grey,
    )
    c.block(
        [(f"W:{int(width)} L:{int(center)}", False), (pick(rng, PHYSICIANS), True)],
        "br",
        key,
        size,
        white,
    )
    if script != "latin":
        c.text(person(rng, script), SCRIPT_FONT[script], 15, 120, 170, white, True)
    else:
        c.text(person(rng, "latin"), key, 14, 120, 120, white, True)
    c.text("A", key, 14, 2, 236, white, False)
    c.text("R", key, 14, 140, 2, white, False)
    meta = dict(
        modality="MR", bits=12, signed=False, window=(center, width), syntax=ImplicitVRLittleEndian
    )
    return c, meta


def mg_mono1_markers(rng: np.random.Generator, text: bool) -> tuple[Canvas, Meta]:
    """Mammogram 14-bit MONOCHROME1 (white = 0): a 40-60 px laterality marker right beside the
    name, the ID under it, technique and facility at the bottom, a compression-paddle scale."""
    h, w = 640, 512
    right = bool(rng.integers(2))
    tissue = breast(rng, h, w, right)
    c = Canvas((16383 - tissue * 13000)[None], text)
    view = pick(rng, ["CC", "MLO"])
    marker = f"{'R' if right else 'L'} {view}"
    side = 20 if right else w - 20
    align = "left" if right else "right"
    big = int(rng.integers(40, 61))
    a = c.text(marker, "sansb", big, 20, side, 0.0, False, align=align)
    script = a_script(rng)
    key = pick(rng, ["lsans", "sans", "mono"])
    name_left = side + a.shape[1] + 7 if right else side - a.shape[1] - 7
    c.text(
        person(rng, script), name_font(script, rng, key), 14, 26, name_left, 0.0, True, align=align
    )
    c.text(an_id(rng), key, 12, 48, name_left, 0.0, True, align=align)
    c.text(f"DOB {a_date(rng, 1935, 1985)}", key, 12, 66, name_left, 0.0, True, align=align)
    c.block(
        [
            (f"{int(rng.integers(25, 33))} kV {int(rng.integers(40, 160))} mAs", False),
            (f"Comp {int(rng.integers(30, 70))} mm  Force {int(rng.integers(60, 140))} N", False),
            (f"AGD {rng.uniform(0.8, 2.5):.2f} mGy", False),
        ],
        "bl" if right else "bl",
        key,
        11,
        0.0,
    )
    c.block([(pick(rng, INSTITUTIONS), True), (a_date(rng, 2016, 2026), True)], "br", key, 11, 0.0)
    c.ruler(w - 12 if right else 4, 200, 440, 0.0, 8, vertical=True)
    c.rect(300, 30 if not right else w - 60, 330, 60 if not right else w - 30, 2000.0, fill=False)
    meta = dict(
        modality="MG",
        bits=14,
        signed=False,
        photometric="MONOCHROME1",
        window=(8000, 16000),
        syntax=ExplicitVRLittleEndian,
    )
    return c, meta


def mg_vertical_strip(rng: np.random.Generator, text: bool) -> tuple[Canvas, Meta]:
    """Mammogram 14-bit MONOCHROME1, RLE: the patient strip turned 90 degrees along the chest wall,
    a tiny marker, a grid of dots (biopsy grid) with no text."""
    h, w = 600, 480
    right = bool(rng.integers(2))
    c = Canvas((16383 - breast(rng, h, w, right) * 12000)[None], text)
    key = pick(rng, ["lsans", "narrow", "notomono"])
    script = a_script(rng, 0.5)
    x = w - 22 if right else 6
    top = int(rng.integers(40, 90))
    a = c.text(f"{person(rng, script)}", name_font(script, rng, key), 14, top, x, 0.0, True, turn=1)
    b = c.text(f"{an_id(rng)}  {a_date(rng)}", key, 12, top + a.shape[0] + 12, x, 0.0, True, turn=1)
    c.text(
        pick(rng, INSTITUTIONS), key, 11, top + a.shape[0] + b.shape[0] + 24, x, 0.0, True, turn=1
    )
    c.text(
        f"{'R' if right else 'L'}{pick(rng, ['CC', 'MLO', 'ML', 'XCCL'])}",
        "sansb",
        22,
        10,
        w // 2,
        0.0,
        False,
        align="center",
    )
    c.dots(250, 180, 420, 320, 3000.0, 10)
    meta = dict(
        modality="MG",
        bits=14,
        signed=False,
        photometric="MONOCHROME1",
        window=(8000, 16000),
        syntax=RLELossless,
    )
    return c, meta


def dx_logo_initials(rng: np.random.Generator, text: bool) -> tuple[Canvas, Meta]:
    """DX chest 16-bit: a hospital logo plate (filled, a cross, the institution in inverse video),
    the technologist's initials in 7 px type, a lead 'PA' marker in a square, a date."""
    h, w = 560, 480
    c = Canvas((chest(rng, h, w) * 40000 + 3000)[None], text)
    lx, ly = int(rng.integers(10, 40)), h - 70
    c.rect(ly, lx, ly + 56, lx + 200, 60000.0, frames=[0])
    c.rect(ly + 14, lx + 10, ly + 42, lx + 18, 8000.0, frames=[0])
    c.rect(ly + 24, lx + 0 + 0, ly + 32, lx + 28, 8000.0, frames=[0])
    inst = pick(rng, INSTITUTIONS)
    c.text(inst[:24], "lsansb", 12, ly + 8, lx + 34, 8000.0, True)
    c.text(
        pick(rng, ["Radiology Dept.", "Imaging Services", "Dept. of Radiology"]),
        "lsans",
        11,
        ly + 30,
        lx + 34,
        8000.0,
        False,
    )
    c.rect(30, w - 70, 66, w - 34, 60000.0, fill=False, width=2)
    c.text("PA", "sansb", 20, 38, w - 52, 60000.0, False, align="center")
    initials = "".join(chr(65 + int(rng.integers(26))) for _ in range(int(rng.integers(2, 4))))
    c.text(
        f"{pick(rng, ['Tech', 'RT', 'Op'])}: {initials}",
        "sans",
        7,
        h - 14,
        w - 8,
        60000.0,
        True,
        align="right",
        aa=False,
    )
    c.text(a_date(rng, 2015, 2026) + " " + a_time(rng)[:5], "lsans", 12, 8, 8, 60000.0, True)
    script = a_script(rng)
    c.text(person(rng, script), name_font(script, rng, "lsans"), 13, 26, 8, 60000.0, True)
    c.text(f"{an_id(rng)}  {sex(rng)}", "lsans", 12, 46, 8, 60000.0, True)
    c.text("ERECT  180 cm  kV 125  mAs 2.5", "lsans", 10, h - 14, 8, 60000.0, False)
    meta = dict(
        modality="DX", bits=16, signed=False, window=(30000, 60000), syntax=ImplicitVRLittleEndian
    )
    return c, meta


def sc_dark_on_bright(rng: np.random.Generator, text: bool) -> tuple[Canvas, Meta]:
    """8-bit secondary capture of a light page (value 220-240) with an inset radiograph: dark grey
    text (60-120) and some text only 18-30 levels darker than the page."""
    h, w = 480, 400
    bg = float(rng.integers(220, 241))
    base = np.full((h, w), bg) + 1.5 * noise(rng, h, w, 0.8)
    base[150:390, 80:320] = 40 + knee(rng, 240, 240) * 180
    c = Canvas(base[None], text)
    dark, faint = float(rng.integers(60, 121)), bg - float(rng.integers(18, 31))
    key = pick(rng, ["lsans", "serif", "cond", "lserif"])
    script = a_script(rng)
    c.text(pick(rng, INSTITUTIONS), key, 15, 12, 12, dark, True)
    c.text(person(rng, script), name_font(script, rng, key), 14, 40, 12, dark, True)
    c.text(f"{an_id(rng)}   DOB {a_date(rng)}", key, 12, 64, 12, faint, True)
    c.text(f"Exam: KNEE 2V  {a_date(rng, 2018, 2026)}", key, 12, 84, 12, dark, True)
    c.text(f"Ref: {pick(rng, PHYSICIANS)}", key, 12, 104, 12, faint, True)
    c.text("Page 1 of 1", key, 10, h - 20, w - 12, faint, False, align="right")
    c.rect(146, 76, 394, 324, 90.0, fill=False)
    c.ruler(h - 40, 80, 320, 90.0, 12)
    meta = dict(modality="OT", bits=8, signed=False, syntax=DeflatedExplicitVRLittleEndian)
    return c, meta


def cr_edge_text(rng: np.random.Generator, text: bool) -> tuple[Canvas, Meta]:
    """CR knee 12-bit: lines cut by row 0, by column 0, by the last row and column; a vertical ID
    touching the right edge."""
    h, w = 512, 400
    c = Canvas((knee(rng, h, w) * 3500 + 200)[None], text)
    key = pick(rng, ["lsans", "sans", "mono"])
    script = a_script(rng)
    c.text(
        person(rng, script),
        name_font(script, rng, key),
        16,
        -int(rng.integers(3, 7)),
        60,
        4095.0,
        True,
    )
    c.text(an_id(rng), key, 14, 140, -int(rng.integers(4, 10)), 4095.0, True)
    c.text(a_date(rng), key, 14, h - 12, w - 100, 4095.0, True)
    c.text(pick(rng, INSTITUTIONS), key, 12, h - 11, 10, 3800.0, True)
    acc = accession(rng)
    a = glyphs(acc, key, 12, turn=3)
    c.put(acc, a, 200, w - a.shape[1] + int(rng.integers(0, 4)), 4095.0, True)
    c.text("LAT", "sansb", 18, 40, w - 60, 4095.0, False)
    c.ruler(30, 120, 300, 4095.0, 10)
    meta = dict(
        modality="CR", bits=12, signed=False, window=(2048, 4096), syntax=ExplicitVRLittleEndian
    )
    return c, meta


def dx_jpeg_lossy(rng: np.random.Generator, text: bool) -> tuple[Canvas, Meta]:
    """8-bit JPEG baseline chest (quality 55-85): small and medium text whose edges the DCT smears."""
    h, w = 512, 432
    c = Canvas((chest(rng, h, w) * 200 + 20)[None], text)
    key = pick(rng, ["lsans", "sans", "narrow", "mono"])
    script = a_script(rng)
    c.block(
        [
            (person(rng, script) if script == "latin" else an_id(rng), True),
            (an_id(rng), True),
            (f"DOB: {a_date(rng)}", True),
            (age(rng), True),
        ],
        "tl",
        key,
        int(rng.integers(9, 14)),
        250.0,
    )
    c.block(
        [
            (pick(rng, INSTITUTIONS), True),
            (a_date(rng, 2015, 2026), True),
            ("AP PORTABLE", False),
            ("kVp 90 mAs 3.2", False),
        ],
        "tr",
        key,
        int(rng.integers(9, 13)),
        250.0,
    )
    if script != "latin":
        c.text(person(rng, script), SCRIPT_FONT[script], 16, h - 40, 12, 235.0, True)
    c.text("R", "sansb", 28, h // 2, 10, 250.0, False)
    c.text(
        f"Tech {chr(65 + int(rng.integers(26)))}{chr(65 + int(rng.integers(26)))}",
        key,
        9,
        h - 16,
        w - 8,
        200.0,
        True,
        align="right",
    )
    c.ruler(h - 60, 200, 400, 250.0, 10)
    meta = dict(
        modality="DX",
        bits=8,
        signed=False,
        syntax=JPEGBaseline8Bit,
        quality=int(rng.integers(55, 86)),
    )
    return c, meta


def us_rgb_jpeg_cine(rng: np.random.Generator, text: bool) -> tuple[Canvas, Meta]:
    """Colour ultrasound cine, 6 frames, JPEG baseline YBR_FULL_422: header with the name on every
    frame, a freeze annotation (name, caliper result) on the last frames only, moving up."""
    h, w, n = 360, 480, 6
    frames = np.zeros((n, h, w, 3))
    for f in range(n):
        s = speckle(rng, h - 40, w, shift=4.0 * f) * 220
        frames[f, 40:, :, :] = s[..., None]
        flow = ellipse(h - 40, w, 160 + 3 * f, 240, 25, 40) & (s > 30)
        frames[f, 40:][flow] = (200, 40, 30) if f % 2 else (40, 80, 220)
    frames[:, :36, :, :] = (20, 30, 60)
    c = Canvas(frames, text)
    key = pick(rng, ["lsans", "sans", "narrow"])
    script = a_script(rng)
    pname, pid, inst = person(rng, script), an_id(rng), pick(rng, INSTITUTIONS)
    date = a_date(rng, 2016, 2026)
    nkey = name_font(script, rng, key)
    for f in range(n):
        c.text(pname, nkey, 13, 4, 8, (235, 235, 235), True, f)
        c.text(pid, key, 11, 21, 8, (235, 235, 235), True, f)
        c.text(inst, key, 11, 4, w - 8, (240, 220, 120), True, f, align="right")
        c.text(date, key, 11, 21, w - 8, (235, 235, 235), True, f, align="right")
        c.text("C5-1  MI 1.1  TIb 0.4", key, 10, 50, 8, (200, 200, 200), False, f)
        for k in range(5):
            c.frames[f, 80 + 50 * k : 82 + 50 * k, w - 14 : w - 6] = (200, 200, 200)
        if f >= n - 2:
            y = 300 - 30 * (f - (n - 2))
            c.text(f"Dist 2.4{f} cm", key, 12, y, 20, (255, 255, 0), False, f)
            c.text(pid, key, 12, y - 22, 20 + 40 * (f - (n - 2)), (255, 255, 0), True, f)
    for f in range(n):
        c.frames[f, 200, 150:300:6] = (255, 255, 0)
    meta = dict(
        modality="US",
        bits=8,
        signed=False,
        photometric="RGB",
        syntax=JPEGBaseline8Bit,
        quality=int(rng.integers(70, 90)),
    )
    return c, meta


def mr_small_tiny_j2k(rng: np.random.Generator, text: bool) -> tuple[Canvas, Meta]:
    """MR_small resampled to 256, signed 16-bit, JPEG 2000 lossless: 6-9 px text, some without
    anti-aliasing, a line of pixel-font digits next to a scale bar."""
    mr = resize(_testdata("MR_small.dcm"), 256, 256)
    c = Canvas(mr[None], text)
    script = a_script(rng, 0.7)
    key = pick(rng, ["sans", "lsans", "mono", "narrow"])
    s = [int(rng.integers(6, 10)) for _ in range(6)]
    c.text(
        person(rng, script),
        name_font(script, rng, key),
        max(s[0], 9) if script != "latin" else s[0],
        3,
        3,
        2400.0,
        True,
        aa=bool(rng.integers(2)),
    )
    c.text(an_id(rng), key, s[1], 14, 3, 2400.0, True, aa=False)
    c.text(a_date(rng), key, s[2], 3, 252, 2400.0, True, align="right", aa=False)
    c.text(age(rng), key, s[3], 14, 252, 2400.0, True, align="right")
    c.text("TR 600 TE 15 NEX 2", key, s[4], 240, 3, 2400.0, False, aa=False)
    c.text("Se:5 Im:12", key, s[5], 240, 252, 2400.0, False, align="right")
    c.ruler(228, 150, 240, 2400.0, 5)
    meta = dict(modality="MR", bits=16, signed=True, window=(1100, 2200), syntax=JPEG2000Lossless)
    return c, meta


def mr_multiframe_moving(rng: np.random.Generator, text: bool) -> tuple[Canvas, Meta]:
    """10-frame MR (12-bit, RLE): slices from the abdominal MR shifted frame to frame; text on three
    frames only, in a different place on each; a grid overlay on every frame."""
    mr = _testdata("examples_overlay.dcm")
    n = 10
    frames = np.stack(
        [
            mr[20 + 2 * f : 276 + 2 * f, 100 + 3 * f : 356 + 3 * f] * (0.9 + 0.02 * f)
            for f in range(n)
        ]
    )
    c = Canvas(frames, text)
    key = pick(rng, ["lsans", "sans", "notomono"])
    chosen = sorted(int(v) for v in rng.choice(n, 3, replace=False))
    script = a_script(rng)
    pname, pid = person(rng, script), an_id(rng)
    for k, f in enumerate(chosen):
        y, x = int(rng.integers(4, 200)), int(rng.integers(4, 120))
        c.text(pname, name_font(script, rng, key), 13, y, x, 1100.0, True, f)
        c.text(pid, key, 11, y + 22, x, 1100.0, True, f)
        c.text(f"Im:{f + 1}/{n}", key, 10, y + 40, x + 4 * k, 1100.0, False, f)
    for f in range(n):
        c.frames[f, ::32, :] = 700.0
        c.frames[f, :, ::32] = 700.0
    meta = dict(
        modality="MR",
        bits=12,
        signed=False,
        window=(500, 1000),
        syntax=RLELossless,
        sop="1.2.840.10008.5.1.4.1.1.7.3",
    )
    return c, meta


def us_grey_cine_jpegls(rng: np.random.Generator, text: bool) -> tuple[Canvas, Meta]:
    """12-frame grey ultrasound cine, 8-bit, JPEG-LS lossless: the patient's name on frames 3-6
    only, sliding right; a depth scale with tick marks and a focus marker on every frame."""
    h, w, n = 300, 400, 12
    frames = np.stack([speckle(rng, h, w, shift=3.0 * f) * 230 for f in range(n)])
    c = Canvas(frames, text)
    key = pick(rng, ["lsans", "sans", "cond"])
    script = a_script(rng)
    pname = person(rng, script)
    for f in range(3, 7):
        c.text(pname, name_font(script, rng, key), 14, 6, 10 + 18 * (f - 3), 255.0, True, f)
        c.text(a_date(rng, 2018, 2026), key, 11, 26, 10 + 18 * (f - 3), 200.0, True, f)
    for f in range(n):
        c.text("Gn 60 DR 66", key, 10, h - 16, 8, 180.0, False, f)
    c.ruler(w - 16, 40, 290, 200.0, 10, vertical=True)
    for f in range(n):
        c.frames[f, 150:156, w - 30 : w - 24] = 255.0
    meta = dict(modality="US", bits=8, signed=False, syntax=JPEGLSLossless)
    return c, meta


def pacs_screenshot(rng: np.random.Generator, text: bool) -> tuple[Canvas, Meta]:
    """RGB screenshot of a PACS viewer: patient bar (dark text on light blue), toolbar icons,
    thumbnail column with series labels, the CT head in the viewport with coloured corner text."""
    h, w = 520, 760
    img = np.zeros((h, w, 3))
    img[:, :] = (38, 40, 46)
    img[0:30, :] = (190, 210, 235)
    img[30:62, :] = (58, 60, 68)
    for k in range(14):
        x = 8 + 34 * k
        img[36:56, x : x + 24] = (90, 96, 110) if k % 3 else (120, 150, 190)
        img[42:50, x + 6 : x + 18] = (200, 200, 200)
    head = np.clip((ct_head() + 160) / 320, 0, 1) * 255
    thumbs = resize(head, 90, 90)
    for k in range(4):
        img[74 + 110 * k : 164 + 110 * k, 10:100] = thumbs[..., None] * (1 - 0.15 * k)
    view = resize(head, 440, 440)
    img[70:510, 200:640] = view[..., None]
    img[70:510, 650:750] = (48, 50, 56)
    c = Canvas(img[None], text)
    script = a_script(rng)
    key = pick(rng, ["lsans", "sans", "noto"])
    dark = (20, 28, 50)
    x = 8
    for t, ident in [
        (person(rng, script), True),
        (an_id(rng), True),
        (f"DOB {a_date(rng)}", True),
        (f"{sex(rng)} {age(rng)}", True),
        (a_date(rng, 2018, 2026), True),
    ]:
        a = c.text(t, name_font(script, rng, key) if x == 8 else key, 13, 8, x, dark, ident)
        x += a.shape[1] + 22
    c.text(pick(rng, INSTITUTIONS), key, 12, 9, w - 8, dark, True, align="right")
    for k in range(4):
        c.text(
            f"Se {k + 1} {pick(rng, ['AX', 'COR', 'SAG'])} {pick(rng, ['T1', 'BONE', 'STD', 'SOFT'])}",
            key,
            9,
            167 + 110 * k,
            10,
            (170, 170, 170),
            False,
        )
    yellow, white = (240, 220, 90), (235, 235, 235)
    c.text(person(rng, "latin"), key, 12, 76, 206, yellow, True)
    c.text(an_id(rng), key, 11, 94, 206, yellow, True)
    c.text(
        f"W:80 L:40  Im:{int(rng.integers(1, 60))}/{int(rng.integers(60, 120))}",
        key,
        11,
        76,
        634,
        white,
        False,
        align="right",
    )
    c.text("Zoom 110%  Thk 5 mm", key, 11, 492, 206, white, False)
    c.text(pick(rng, PHYSICIANS), key, 11, 492, 634, yellow, True, align="right")
    c.ruler(600, 120, 460, (200, 200, 200), 10, vertical=True)
    meta = dict(
        modality="OT", bits=8, signed=False, photometric="RGB", syntax=ExplicitVRLittleEndian
    )
    return c, meta


def sc_request_form(rng: np.random.Generator, text: bool) -> tuple[Canvas, Meta]:
    """Scanned request form, 8-bit grey: printed labels and names tilted by the scanner, check
    boxes, table rules and handwriting-like scribbles (graphics, kept in the controls)."""
    h, w = 640, 500
    c = Canvas(paper(rng, h, w)[None], text)
    tilt = float(rng.uniform(-1.5, 1.5))
    key = pick(rng, ["lserif", "lsans", "serif", "cond"])
    ink = float(rng.integers(25, 70))
    script = a_script(rng)
    rows = [
        ("RADIOLOGY REQUEST", False),
        (f"Patient: {person(rng, 'latin')}", True),
        (f"Hospital No: {an_id(rng)}", True),
        (f"Date of birth: {a_date(rng)}", True),
        (f"Referring: {pick(rng, PHYSICIANS)}", True),
        (f"Ward: {pick(rng, ['4B', 'ICU', 'A&E', 'OPD 2'])}", False),
        (f"Examination: {pick(rng, ['CT chest', 'MRI knee', 'US abdomen', 'XR hand'])}", False),
        (pick(rng, INSTITUTIONS), True),
    ]
    y = 20
    for t, ident in rows:
        a = c.text(
            t,
            key,
            15 if y == 20 else 13,
            y,
            24 + int(y * np.tan(np.radians(tilt))),
            ink,
            ident,
            tilt=tilt,
        )
        y += a.shape[0] + 14
    if script != "latin":
        c.text(person(rng, script), SCRIPT_FONT[script], 16, y, 40, ink, True)
    for k in range(6):
        c.rect(400 + 30 * k, 30, 401 + 30 * k, w - 30, 120.0)
        c.rect(380, 30 + 60 * k, 402, 52 + 60 * k, 60.0, fill=False)
    # handwriting-like strokes: smooth random walks
    for s in range(4):
        pts = np.cumsum(rng.normal(0, 1.6, (160, 2)), axis=0) + (430 + 36 * (s % 3), 60 + 90 * s)
        pts[:, 1] += np.linspace(0, 80, 160)
        for yy, xx in pts.astype(int):
            if 0 <= yy < h - 1 and 0 <= xx < w - 1:
                c.frames[0, yy : yy + 2, xx : xx + 2] = 40.0
    meta = dict(modality="OT", bits=8, signed=False, syntax=DeflatedExplicitVRLittleEndian)
    return c, meta


def ct_scout_rotated(rng: np.random.Generator, text: bool) -> tuple[Canvas, Meta]:
    """CT localiser, signed 16-bit: identifiers turned 90 degrees along both long edges, a
    vertical ruler with ticks, table lines; JPEG 2000 lossless."""
    h, w = 512, 320
    body = np.full((h, w), -1000.0)
    body[ellipse(h, w, h / 2, w / 2, h * 0.55, w * 0.33)] = 40.0
    body[ellipse(h, w, h * 0.35, w * 0.35, h * 0.15, w * 0.08)] = -800.0
    body[ellipse(h, w, h * 0.35, w * 0.65, h * 0.15, w * 0.08)] = -800.0
    body[:, int(w * 0.48) : int(w * 0.52)] += (
        400 * ellipse(h, w, h / 2, w / 2, h * 0.55, w * 0.33)[:, int(w * 0.48) : int(w * 0.52)]
    )
    body += 20 * noise(rng, h, w, 1.0)
    c = Canvas(body[None], text)
    key = pick(rng, ["lsans", "mono", "narrow"])
    script = a_script(rng)
    a = c.text(person(rng, script), name_font(script, rng, key), 14, 10, 4, 3071.0, True, turn=1)
    c.text(f"{an_id(rng)}  {age(rng)}", key, 12, 24 + a.shape[0], 4, 3071.0, True, turn=1)
    b = c.text(pick(rng, INSTITUTIONS), key, 12, 10, w - 20, 3071.0, True, turn=3)
    c.text(a_date(rng, 2016, 2026), key, 12, 24 + b.shape[0], w - 20, 3071.0, True, turn=3)
    c.text("TOPO 120 kV 35 mA", key, 10, h - 16, w // 2, 3071.0, False, align="center")
    c.ruler(40, 60, 460, 3071.0, 10, vertical=True)
    c.rect(h - 40, 0, h - 37, w, 800.0)
    meta = dict(modality="CT", bits=16, signed=True, window=(40, 400), syntax=JPEG2000Lossless)
    return c, meta


def rf_big_small(rng: np.random.Generator, text: bool) -> tuple[Canvas, Meta]:
    """Fluoroscopy 8-bit, circular field: a 40-72 px name and date across the field, a 6-7 px
    operator line, collimator blades; a large scale-bar graphic."""
    h, w = 480, 480
    field_ = ellipse(h, w, h / 2, w / 2, 220, 220)
    base = np.where(field_, 110 + 60 * noise(rng, h, w, 12) + 40 * knee(rng, h, w), 0.0)
    c = Canvas(np.clip(base, 0, 255)[None], text)
    script = a_script(rng, 0.6)
    big = int(rng.integers(40, 73))
    key = pick(rng, ["sansb", "lsansb", "sans"])
    c.text(
        person(rng, script),
        name_font(script, rng, key),
        big,
        int(rng.integers(60, 140)),
        w // 2,
        255.0,
        True,
        align="center",
    )
    c.text(a_date(rng, 2016, 2026), key, int(big * 0.7), 300, w // 2, 230.0, True, align="center")
    c.text(
        f"Op {pick(rng, ['MK', 'JS', 'AL', 'PRD'])}  {pick(rng, INSTITUTIONS)}",
        "sans",
        int(rng.integers(6, 8)),
        h - 10,
        6,
        255.0,
        True,
        aa=False,
    )
    c.text("FL 0.8 mGy/min  15 p/s", "sans", 7, 4, w - 6, 255.0, False, align="right", aa=False)
    c.rect(400, 380, 406, 460, 255.0)
    c.rect(392, 380, 414, 382, 255.0)
    c.rect(392, 458, 414, 460, 255.0)
    meta = dict(modality="RF", bits=8, signed=False, syntax=ExplicitVRLittleEndian)
    return c, meta


def pt_mip_scripts(rng: np.random.Generator, text: bool) -> tuple[Canvas, Meta]:
    """PET MIP, 16-bit unsigned: names in two non-Latin scripts stacked over a Latin one, a colour-bar graphic
    with no labels, the ID in a translucent (added) band."""
    h, w = 512, 256
    base = np.zeros((h, w))
    body = ellipse(h, w, h * 0.55, w / 2, h * 0.42, w * 0.3)
    base[body] = 3000
    base[ellipse(h, w, h * 0.15, w / 2, 30, 24)] = 12000
    base[ellipse(h, w, h * 0.62, w * 0.45, 40, 22)] = 9000
    base += np.abs(800 * noise(rng, h, w, 2.0)) * body
    c = Canvas(base[None], text)
    s1 = a_script(rng, 0.0)
    s2 = pick(rng, [s for s in NAMES if s not in ("latin", s1)])
    c.text(person(rng, s1), SCRIPT_FONT[s1], 16, 6, 6, 20000.0, True)
    c.text(person(rng, s2), SCRIPT_FONT[s2], 16, 34, 6, 20000.0, True)
    c.text(person(rng, "latin"), pick(rng, LATIN_FONTS), 12, 60, 6, 20000.0, True)
    c.text(an_id(rng), "lsans", 12, h - 24, 6, 6000.0, True, add=True)
    c.text("SUV 0-7  MIP", "lsans", 10, h - 24, w - 30, 20000.0, False, align="right")
    for k in range(200):
        c.frames[0, 150 + k, w - 16 : w - 6] = 20000.0 * (1 - k / 200)
    meta = dict(
        modality="PT", bits=16, signed=False, window=(8000, 16000), syntax=ExplicitVRLittleEndian
    )
    return c, meta


SCENES: list[tuple[str, Scene]] = [
    ("ct-corners-j2k", ct_corners_j2k),
    ("ct-soft-window", ct_soft_window_text),
    ("mr-window-corners", mr_window_corners),
    ("mg-mono1-markers", mg_mono1_markers),
    ("mg-vertical-strip", mg_vertical_strip),
    ("dx-logo-initials", dx_logo_initials),
    ("sc-dark-on-bright", sc_dark_on_bright),
    ("cr-edge-text", cr_edge_text),
    ("dx-jpeg-lossy", dx_jpeg_lossy),
    ("us-rgb-jpeg-cine", us_rgb_jpeg_cine),
    ("mr-tiny-j2k", mr_small_tiny_j2k),
    ("mr-multiframe-moving", mr_multiframe_moving),
    ("us-grey-cine-jpegls", us_grey_cine_jpegls),
    ("pacs-screenshot", pacs_screenshot),
    ("sc-request-form", sc_request_form),
    ("ct-scout-rotated", ct_scout_rotated),
    ("rf-big-small", rf_big_small),
    ("pt-mip-scripts", pt_mip_scripts),
]

SOP = {
    "CT": "1.2.840.10008.5.1.4.1.1.2",
    "MR": "1.2.840.10008.5.1.4.1.1.4",
    "CR": "1.2.840.10008.5.1.4.1.1.1",
    "DX": "1.2.840.10008.5.1.4.1.1.1.1",
    "MG": "1.2.840.10008.5.1.4.1.1.1.2",
    "US": "1.2.840.10008.5.1.4.1.1.6.1",
    "USMF": "1.2.840.10008.5.1.4.1.1.3.1",
    "OT": "1.2.840.10008.5.1.4.1.1.7",
    "RF": "1.2.840.10008.5.1.4.1.1.12.2",
    "PT": "1.2.840.10008.5.1.4.1.1.128",
    "SCB": "1.2.840.10008.5.1.4.1.1.7.2",
}


# --------------------------------------------------------------------------- datasets


def _quantize(frames: np.ndarray, meta: Meta) -> np.ndarray:
    if frames.ndim == 4:
        return np.clip(np.rint(frames), 0, 255).astype(np.uint8)
    bits, signed = int(meta["bits"]), bool(meta["signed"])
    stored = frames - float(meta.get("intercept", 0.0))
    lo, hi = (-(2 ** (bits - 1)), 2 ** (bits - 1) - 1) if signed else (0, 2**bits - 1)
    dtype = np.uint8 if bits == 8 else (np.int16 if signed else np.uint16)
    return np.clip(np.rint(stored), lo, hi).astype(dtype)


def _dataset(arr: np.ndarray, meta: Meta, index: int, seed: int, flag: str) -> Dataset:
    n, rows, cols = arr.shape[:3]
    rgb = arr.ndim == 4
    modality = str(meta["modality"])
    sop = str(
        meta.get("sop")
        or (
            SOP["USMF"]
            if modality == "US" and n > 1
            else SOP["SCB"]
            if modality == "OT" and n > 1
            else SOP[modality]
        )
    )
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.MediaStorageSOPClassUID = UID(sop)
    uid = generate_uid(entropy_srcs=["blind9", str(seed), str(index)])
    ds.file_meta.MediaStorageSOPInstanceUID = uid
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.file_meta.ImplementationClassUID = UID("1.2.826.0.1.3680043.8.498.1")
    ds.SOPClassUID, ds.SOPInstanceUID = sop, uid
    ds.StudyInstanceUID = generate_uid(entropy_srcs=["blind9-study", str(seed), str(index)])
    ds.SeriesInstanceUID = generate_uid(entropy_srcs=["blind9-series", str(seed), str(index)])
    ds.PatientName, ds.PatientID = "BLIND9^SUBJECT", f"B9-{seed}-{index:03d}"
    ds.PatientBirthDate, ds.PatientSex = "", ""
    ds.StudyDate, ds.StudyTime, ds.AccessionNumber = "20200101", "120000", ""
    ds.ReferringPhysicianName, ds.StudyID = "", "1"
    ds.Modality, ds.SeriesNumber, ds.InstanceNumber = modality, 1, 1
    ds.ConversionType = "WSD" if sop.startswith("1.2.840.10008.5.1.4.1.1.7") else None
    if ds.ConversionType is None:
        del ds.ConversionType
    if modality in ("MG", "DX"):
        ds.PresentationIntentType = "FOR PRESENTATION"
    if flag != "absent":
        ds.BurnedInAnnotation = flag
    ds.Rows, ds.Columns = rows, cols
    if n > 1:
        ds.NumberOfFrames = n
        ds.FrameIncrementPointer = pydicom.tag.Tag(0x0018, 0x1063)
        ds.FrameTime = 40
    if rgb:
        ds.SamplesPerPixel, ds.PhotometricInterpretation, ds.PlanarConfiguration = 3, "RGB", 0
        ds.BitsAllocated = ds.BitsStored = 8
        ds.HighBit, ds.PixelRepresentation = 7, 0
    else:
        ds.SamplesPerPixel = 1
        ds.PhotometricInterpretation = str(meta.get("photometric", "MONOCHROME2"))
        ds.BitsAllocated = 8 if int(meta["bits"]) == 8 else 16
        ds.BitsStored, ds.HighBit = int(meta["bits"]), int(meta["bits"]) - 1
        ds.PixelRepresentation = int(bool(meta["signed"]))
        if "window" in meta:
            ds.WindowCenter, ds.WindowWidth = meta["window"]
        if modality in ("CT", "PT"):
            ds.RescaleIntercept, ds.RescaleSlope = float(meta.get("intercept", 0.0)), 1.0
            ds.RescaleType = "HU" if modality == "CT" else "US"
    ds.PixelData = arr.tobytes()
    syntax = meta["syntax"]
    if syntax in (ExplicitVRLittleEndian, ImplicitVRLittleEndian, DeflatedExplicitVRLittleEndian):
        ds.file_meta.TransferSyntaxUID = syntax
    elif syntax == JPEGBaseline8Bit:
        blobs = []
        for f in range(n):
            buf = io.BytesIO()
            if rgb:
                Image.fromarray(arr[f], "RGB").save(
                    buf, "JPEG", quality=int(meta["quality"]), subsampling=1
                )
            else:
                Image.fromarray(arr[f], "L").save(buf, "JPEG", quality=int(meta["quality"]))
            blobs.append(buf.getvalue())
        ds.PixelData = encapsulate(blobs)
        ds["PixelData"].VR = "OB"
        ds.file_meta.TransferSyntaxUID = JPEGBaseline8Bit
        if rgb:
            ds.PhotometricInterpretation = "YBR_FULL_422"
        ds.LossyImageCompression = "01"
        ds.LossyImageCompressionMethod = "ISO_10918_1"
        ds.LossyImageCompressionRatio = f"{arr.nbytes / sum(len(b) for b in blobs):.2f}"
    else:
        ds.compress(syntax, arr if n > 1 or rgb else arr[0], generate_instance_uid=False)
    return ds


def decoded(ds: Dataset) -> np.ndarray:
    """Frames as a reader decodes them (frame axis always present)."""
    back = pydicom.dcmread(io.BytesIO(dicom_bytes(ds)))
    a = back.pixel_array
    return a if int(back.get("NumberOfFrames", 1)) > 1 else a[None]


def dicom_bytes(ds: Dataset) -> bytes:
    """The file as written to disk."""
    buf = io.BytesIO()
    pydicom.dcmwrite(buf, ds, enforce_file_format=True)
    return buf.getvalue()


def scene_of(index: int, seed: int) -> tuple[str, Scene]:
    n = len(SCENES)
    if index % 5 == 4:
        return SCENES[(index // 5 * 7 + seed * 3) % n]
    k = index - (index + 1) // 5
    return SCENES[(k + seed) % n]


def blind9_case(index: int, seed: int, text: bool = True) -> Blind9Case:
    """Image ``index`` of the set; ``text=False``: the same image without its text (for checks)."""
    control = index % 5 == 4
    scene, fn = scene_of(index, seed)
    name = f"b9_{index:03d}_{'control-' if control else ''}{scene}"
    flag = ["YES", "NO", "absent"][(index * 7 + seed) % 3]
    canvas, meta = fn(np.random.default_rng([seed, index, 9]), False)
    plain = _dataset(_quantize(canvas.frames, meta), meta, index, seed, flag)
    if control or not text:
        return Blind9Case(name, plain)
    canvas, meta = fn(np.random.default_rng([seed, index, 9]), True)
    ds = _dataset(_quantize(canvas.frames, meta), meta, index, seed, flag)
    with_text, without = decoded(ds), decoded(plain)
    changed = with_text != without
    if changed.ndim == 4:
        changed = changed.any(axis=-1)
    lines: list[Line] = []
    for t, frame, y0, x0, alpha, ident in canvas.drawn:
        ink = (alpha > 0) & changed[frame, y0 : y0 + alpha.shape[0], x0 : x0 + alpha.shape[1]]
        if not ink.any():
            continue
        ys, xs = np.nonzero(ink)
        box = (
            y0 + int(ys.min()),
            x0 + int(xs.min()),
            y0 + int(ys.max()) + 1,
            x0 + int(xs.max()) + 1,
        )
        lines.append(
            Line(t, frame, box, ink[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1].copy(), ident)
        )
    return Blind9Case(name, ds, lines)


def blind9_cases(count: int, seed: int) -> list[Blind9Case]:
    """``count`` images; every fifth (index 4, 9, ...) a control without text."""
    return [blind9_case(i, seed) for i in range(count)]


if __name__ == "__main__":  # python tests/pixel_blind9.py [count] [seed]: the set's counts
    count, seed = (int(sys.argv[1]), int(sys.argv[2])) if len(sys.argv) > 2 else (40, 2)
    cs = blind9_cases(count, seed)
    lines = [ln for c in cs for ln in c.lines]
    print(
        f"{len(cs)} images, {sum(not c.lines for c in cs)} controls, {len(lines)} lines, "
        f"{sum(ln.identifier for ln in lines)} identifiers, scenes {len({c.name.split('_', 2)[2] for c in cs})}"
    )
