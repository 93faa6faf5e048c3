"""blind6: an independent, blind set of DICOM images with burned-in text and its ground truth.

SOURCE / README
---------------
Written in session 11 (2026-12-02, issue 20) by a helper who did not read curator's detector,
screen, redaction or their rules (curator/deid/pixels.py, pixel_screen.py, textdetect.py,
frame_text.py, mappings/pixel_text.yaml), nor the other generators' scene code
(tests/pixel_heldout.py, tests/pixel_blind.py .. pixel_blind5.py; of blind5 only its module
docstring and its ``Line`` record were read, for the format this set must match) or their tests,
nor any notes on pixel results.  It imports nothing from curator.  Only benchmarks/pixels.py was
read, for the interface it expects.  Curator's detector and deid were never run on this set while
it was written (the lead measures it afterwards); once landed, the set is not to be changed
because of any result.

What it covers (15 scenes in turn; every fifth image is a text-free control):

* ``ct_corners``  CT, signed 16-bit, vendor overlay in four corners: name, ID, DOB, age/sex,
                  institution, kV/mAs, WL/WW, slice position, series/image numbers.
* ``mr_bright``   MR, 12-bit: text drawn over bright anatomy (white on bright, dark on bright).
* ``faint``       CR/DX on a mid-grey background, demographics only 3-8 grey levels (of 255)
                  above it; anti-aliasing on or off.
* ``edge_id``     DX, MONOCHROME1, 7-9 px vertical ID/name text along the left or right edge.
* ``us_header``   ultrasound, RGB: header bar with the patient name, probe label and settings,
                  depth scale digits, frame counter, a single outlined orientation letter;
                  Thai or Devanagari names sometimes.
* ``xa_cine``     XA/RF multi-frame cine (8-bit): frame counter on all frames, the name on some.
* ``petct``       PET/CT fusion screenshot (RGB) with a colour bar and its numbers; Korean, Chinese
                  or Japanese names.
* ``mammo``       MG, 12-bit, laterality/view markers, faint site text, exposure line.
* ``dental``      dental panoramic (wide 8/12-bit) with Cyrillic or Greek names in bands.
* ``oct``         ophthalmic OCT report page (RGB): B-scan, thickness map, table; Hebrew or Arabic
                  names sometimes.
* ``render3d``    secondary-capture 3D rendering screenshot with a viewer's UI text (menus,
                  buttons, orientation cube letters, the patient in the title bar).
* ``requisition`` scanned paper requisition form: printed labels, handwriting-like entries
                  (jittered italic glyphs) and a signature scribble (the scribble is not text).
* ``dose``        CT dose report page: table of CTDIvol/DLP, patient block, accession.
* ``leading``     two-line blocks with 1 px leading (tight boxes 1 px apart) over CT/CR.
* ``pills``       text in boxes and rounded pills over an NM/CR image; dates in many formats.

Lines of one image never overlap (a line whose tight box would touch an earlier one on the same
frame is left out).  Boxes, pills, header bars and colour bars are part of the image with or
without the text.

Controls carry text-like structure and no letters or digits: surgical clips, wires, rulers with
ticks, anti-scatter grid lines, trabecular texture, caliper crosses and ECG traces.

Pixel formats and encodings: 8/12/16-bit, signed and unsigned, MONOCHROME1/2, RGB, YBR_FULL_422;
explicit and implicit VR little endian, RLE, JPEG baseline (via Pillow, encapsulated), JPEG 2000
lossless and JPEG-LS lossless (pydicom's pylibjpeg-openjpeg and pyjpegls encoders).
BurnedInAnnotation is YES, NO or absent, drawn independently of the truth; the header's
PatientName equals the burned-in name only some of the time.

Ground truth: every drawn line is a :class:`Line` with its frame, a tight box (y0, x0, y1, x1)
clipped to the image (y1/x1 exclusive), ``ink`` (bool mask of the box: glyph alpha >= 0.25,
outline included), the text and ``identifier`` (names, IDs, dates, institutions, accession,
phone, physicians; technical text such as kV, WL/WW, depth, frame counters is False).  Lossy
encodings blur the decoded pixels; the truth stays the drawn ink.

Fonts (Debian packages, nothing downloaded): fonts-dejavu-core, fonts-liberation,
fonts-noto-core (Noto Sans/Serif/Mono, Thai, Devanagari, Hebrew, Arabic), fonts-wqy-microhei
(CJK and Hangul).  Base images are synthetic (numpy).

Usage: ``blind6_cases(count, seed)``; ``blind6_case(index, seed, text=False)`` gives the same image
with no text.  Same (count, seed), same bytes.
"""
from __future__ import annotations

import hashlib
import io
import math
import random
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pydicom
from PIL import Image, ImageDraw, ImageFont
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.encaps import encapsulate
from pydicom.uid import (
    ExplicitVRLittleEndian,
    ImplicitVRLittleEndian,
    JPEG2000Lossless,
    JPEGBaseline8Bit,
    JPEGLSLossless,
    RLELossless,
    UID,
)

FONT_DIRS = [Path("/usr/share/fonts"), Path("/usr/local/share/fonts")]
FONTS = {
    "sans": "DejaVuSans.ttf",
    "sans_bold": "DejaVuSans-Bold.ttf",
    "mono": "DejaVuSansMono.ttf",
    "serif": "DejaVuSerif.ttf",
    "lib_sans": "LiberationSans-Regular.ttf",
    "lib_bold": "LiberationSans-Bold.ttf",
    "lib_serif": "LiberationSerif-Regular.ttf",
    "lib_mono": "LiberationMono-Regular.ttf",
    "lib_italic": "LiberationSerif-Italic.ttf",
    "noto": "NotoSans-Regular.ttf",
    "noto_serif": "NotoSerif-Regular.ttf",
    "noto_mono": "NotoSansMono-Regular.ttf",
    "thai": "NotoSansThai-Regular.ttf",
    "deva": "NotoSansDevanagari-Regular.ttf",
    "hebrew": "NotoSansHebrew-Regular.ttf",
    "arabic": "NotoSansArabic-Regular.ttf",
    "cjk": "wqy-microhei.ttc",
}
LATIN_FONTS = ["sans", "sans_bold", "mono", "serif", "lib_sans", "lib_bold", "lib_serif", "lib_mono", "noto",
               "noto_serif", "noto_mono"]
SCRIPT_FONT = {"latin": None, "cyrillic": None, "greek": None, "thai": "thai", "devanagari": "deva",
               "hebrew": "hebrew", "arabic": "arabic", "cjk": "cjk", "korean": "cjk"}

NAMES = {
    "latin": ["NOVÁKOVÁ, Jiřina", "Müller-Lüdenscheidt, Jürgen", "Ørsted Søren", "ŁUKASIEWICZ^ZOFIA",
              "García Núñez, José Ángel", "Ó Súilleabháin, Aoife", "Çelik, Ayşe", "Szőke Ildikó",
              "BROWN, MICHAEL J", "O'Neill, Patrick", "Dubois, Hélène", "Þórsdóttir, Guðrún"],
    "cyrillic": ["Кузнецова Анна Петровна", "ШЕВЧЕНКО ОЛЕГ", "Иванов И. И.", "Смирнова Ольга"],
    "greek": ["Παπαδοπούλου Ελένη", "ΚΩΝΣΤΑΝΤΙΝΟΥ ΓΙΩΡΓΟΣ", "Νικολάου Μαρία"],
    "devanagari": ["अनीता शर्मा", "राजेश कुमार", "सुनीता देवी"],
    "thai": ["สมชาย ใจดี", "มาลี สุขสวัสดิ์", "ประเสริฐ วงศ์ไทย"],
    "hebrew": ["כהן דוד", "לוי מרים", "אברהם שרה"],
    "arabic": ["محمد العلي", "فاطمة الزهراء", "عمر الحسن"],
    "cjk": ["王秀英", "李建国", "山田 花子", "佐藤 健"],
    "korean": ["김민준", "이서연", "박지훈"],
}
INSTITUTIONS = ["St. Mary's Hospital", "Klinikum Süd-Ost", "CHU de Montpellier", "Hôpital Saint-Éloi",
                "Fakultní nemocnice Motol", "Mercy Regional Med Ctr", "Szpital Wojewódzki", "Karolinska Solna",
                "Royal Infirmary", "Ospedale San Raffaele", "Hospital Clínic", "Uniklinik Köln"]
PHYSICIANS = ["Dr. A. Haugen", "Dr Émile Fournier", "Ref: Dr. K. Osei", "Dr. med. B. Krämer", "Dr. L. Ferreira",
              "Dr. P. Wiśniewski", "Dr. T. Nakamura"]
MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
ROMAN = ["I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII"]


@dataclass
class Line:
    """One drawn line of text: where (frame, box) and which pixels (ink), and whether it identifies."""

    frame: int
    box: tuple[int, int, int, int]
    ink: np.ndarray
    identifier: bool
    text: str

    def tokens(self) -> list[str]:
        """Upper-cased words of 3+ letters or digits."""
        return [w.upper() for w in re.findall(r"\w+", self.text) if len(w) >= 3]


@dataclass
class Blind6Case:
    name: str
    dataset: Dataset
    lines: list[Line]


@lru_cache(maxsize=None)
def _font_path(name: str) -> Path | None:
    for root in FONT_DIRS:
        if root.is_dir():
            for path in sorted(root.rglob(name)):
                return path
    return None


def missing_fonts() -> list[str]:
    """Font files this set needs that are not installed (empty when all are there)."""
    return [name for name in FONTS.values() if _font_path(name) is None]


@lru_cache(maxsize=512)
def _font(key: str, size: int) -> ImageFont.FreeTypeFont:
    path = _font_path(FONTS[key])
    if path is None:
        raise RuntimeError(f"font {FONTS[key]} is not installed")
    return ImageFont.truetype(str(path), size)


def _crop(alpha: np.ndarray, *others: np.ndarray) -> tuple[np.ndarray, ...]:
    ys, xs = np.nonzero(alpha > 0)
    if not len(ys):
        return (alpha[:0, :0],) + tuple(o[:0, :0] for o in others)
    y0, y1, x0, x1 = ys.min(), ys.max() + 1, xs.min(), xs.max() + 1
    return (alpha[y0:y1, x0:x1],) + tuple(o[y0:y1, x0:x1] for o in others)


def render(text: str, font: str, size: int, aa: bool = True, outline: int = 0, hand: random.Random | None = None
           ) -> tuple[np.ndarray, np.ndarray]:
    """(outer alpha, fill alpha) of a text, tight; outer includes the outline when there is one."""
    f = _font(font, size)
    if hand is not None:  # handwriting-like: glyph by glyph, jittered and rotated
        width = int(size * (len(text) + 2))
        canvas = Image.new("L", (width, size * 3), 0)
        x = size // 2
        for ch in text:
            if ch == " ":
                x += size // 2 + hand.randrange(0, 3)
                continue
            box = [int(v) for v in f.getbbox(ch)]
            glyph = Image.new("L", (box[2] - box[0] + 4, box[3] - box[1] + 4), 0)
            ImageDraw.Draw(glyph).text((2 - box[0], 2 - box[1]), ch, font=f, fill=255)
            glyph = glyph.rotate(hand.uniform(-12, 12), resample=Image.Resampling.BILINEAR, expand=True)
            y = size + hand.randrange(-2, 3) + box[1] - 2
            canvas.paste(255, (x, y), glyph)
            x += box[2] - box[0] + hand.randrange(-1, 3)
        alpha = np.asarray(canvas, dtype=np.float32) / 255.0
        out = _crop(alpha)[0]
        return out, out
    left, top, right, bottom = (int(v) for v in f.getbbox(text, stroke_width=outline))
    pad = 4 + outline
    w, h = right - left + 2 * pad, bottom - top + 2 * pad
    fill_img = Image.new("L", (w, h), 0)
    d = ImageDraw.Draw(fill_img)
    if not aa:
        d.fontmode = "1"
    d.text((pad - left, pad - top), text, font=f, fill=255)
    fill = np.asarray(fill_img, dtype=np.float32) / 255.0
    if outline:
        outer_img = Image.new("L", (w, h), 0)
        d2 = ImageDraw.Draw(outer_img)
        if not aa:
            d2.fontmode = "1"
        d2.text((pad - left, pad - top), text, font=f, fill=255, stroke_width=outline, stroke_fill=255)
        outer = np.maximum(np.asarray(outer_img, dtype=np.float32) / 255.0, fill)
    else:
        outer = fill
    outer, fill = _crop(outer, fill)
    return outer, fill


class Canvas:
    """Frames in display scale 0..1 (F, H, W) or (F, H, W, 3), with the lines drawn on them."""

    def __init__(self, frames: np.ndarray, draw: bool = True) -> None:
        self.frames = frames.astype(np.float32)
        self.rgb = frames.ndim == 4
        self.draw = draw
        self.lines: list[Line] = []
        self.h, self.w = frames.shape[1], frames.shape[2]

    def size(self, text: str, font: str, size: int, angle: int = 0, outline: int = 0) -> tuple[int, int]:
        a, _ = render(text, font, size, outline=outline)
        return (a.shape[1], a.shape[0]) if angle in (90, 270) else a.shape

    def put(self, text: str, y: int, x: int, font: str, size: int, value: Any, identifier: bool, *,
            frames: list[int] | None = None, aa: bool = True, angle: int = 0, outline: int = 0,
            outline_value: Any = 0.0, ha: str = "l", va: str = "t", hand: random.Random | None = None,
            ) -> tuple[int, int, int, int] | None:
        """Draw one line; (y, x) is its tight box's top-left (or right/bottom edge with ha='r'/va='b').
        Returns the unclipped box, or None when it is left out (overlap, outside, no ink)."""
        outer, fill = render(text, font, size, aa, outline, hand)
        if angle:
            k = angle // 90
            outer, fill = np.rot90(outer, k), np.rot90(fill, k)
        hh, ww = outer.shape
        if hh == 0:
            return None
        y0 = y - hh if va == "b" else y
        x0 = x - ww if ha == "r" else x
        cy0, cx0, cy1, cx1 = max(y0, 0), max(x0, 0), min(y0 + hh, self.h), min(x0 + ww, self.w)
        if cy1 <= cy0 or cx1 <= cx0:
            return None
        o = outer[cy0 - y0:cy1 - y0, cx0 - x0:cx1 - x0]
        fl = fill[cy0 - y0:cy1 - y0, cx0 - x0:cx1 - x0]
        ys, xs = np.nonzero(o > 0)
        if not len(ys):
            return None
        by0, by1, bx0, bx1 = cy0 + ys.min(), cy0 + ys.max() + 1, cx0 + xs.min(), cx0 + xs.max() + 1
        o = o[by0 - cy0:by1 - cy0, bx0 - cx0:bx1 - cx0]
        fl = fl[by0 - cy0:by1 - cy0, bx0 - cx0:bx1 - cx0]
        ink = o >= 0.25
        if not ink.any():
            return None
        targets = list(range(self.frames.shape[0])) if frames is None else frames
        box = (int(by0), int(bx0), int(by1), int(bx1))
        for f in targets:
            for line in self.lines:
                if line.frame == f and _touch(line.box, box):
                    return None
        for f in targets:
            if self.draw:
                region = self.frames[f, by0:by1, bx0:bx1]
                if outline:
                    region[...] = _blend(region, o, outline_value, self.rgb)
                region[...] = _blend(region, fl, value, self.rgb)
            self.lines.append(Line(f, box, ink.copy(), identifier, text))
        return (y0, x0, y0 + hh, x0 + ww)

    def stack(self, items: list[tuple[str, bool]], y: int, x: int, font: str, size: int, value: Any, *,
              leading: int = 2, ha: str = "l", up: bool = False, **kw: Any) -> int:
        """Lines one under another (or above, ``up``) from (y, x); returns the next free y."""
        for text, ident in items:
            box = self.put(text, y, x, font, size, value, ident, ha=ha, va="b" if up else "t", **kw)
            step = (box[2] - box[0]) if box else size
            y = y - step - leading if up else y + step + leading
        return y


def _touch(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _blend(region: np.ndarray, alpha: np.ndarray, value: Any, rgb: bool) -> np.ndarray:
    if rgb:
        v = np.asarray(value, dtype=np.float32).reshape(1, 1, 3)
        a = alpha[..., None]
        return region * (1 - a) + v * a
    return region * (1 - alpha) + float(value) * alpha


# ---------------------------------------------------------------- people and formats


class Person:
    def __init__(self, r: random.Random, script: str = "latin") -> None:
        self.script = script
        self.name = r.choice(NAMES[script])
        self.font = SCRIPT_FONT[script] or r.choice(LATIN_FONTS)
        self.pid = r.choice([f"{r.randrange(10**6, 10**8)}", f"P{r.randrange(10**5, 10**6)}",
                             f"{r.randrange(100, 999)}-{r.randrange(100, 999)}-{r.randrange(1000, 9999)}",
                             f"KH{r.randrange(10**4, 10**5)}/{r.randrange(10, 27)}"])
        self.birth = (r.randrange(1928, 2022), r.randrange(1, 13), r.randrange(1, 29))
        self.exam = (2026, r.randrange(1, 13), r.randrange(1, 29))
        self.sex = r.choice("FM")
        self.age = 2026 - self.birth[0]
        self.site = r.choice(INSTITUTIONS)
        self.doctor = r.choice(PHYSICIANS)
        self.accession = r.choice(["Acc ", "ACC# ", "Accession: ", "A"]) + f"{r.randrange(10**6, 10**9)}"
        self.phone = r.choice(["Tel. +49 221 478-", "Ph (555) 013-", "tel 01 42 16 "]) + f"{r.randrange(1000, 9999)}"
        self.time = f"{r.randrange(0, 24):02d}:{r.randrange(60):02d}:{r.randrange(60):02d}"

    def date(self, r: random.Random, which: tuple[int, int, int]) -> str:
        y, m, d = which
        forms = [f"{d:02d}.{m:02d}.{y}", f"{y}-{m:02d}-{d:02d}", f"{m:02d}/{d:02d}/{y}", f"{d:02d}-{MONTHS[m - 1]}-{y}",
                 f"{d} {MONTHS[m - 1].title()} {y}", f"{y}{m:02d}{d:02d}", f"{d:02d}/{m:02d}/{y % 100:02d}",
                 f"{MONTHS[m - 1].title()} {d}, {y}", f"{d}.{ROMAN[m - 1]}.{y}", f"{y}/{m:02d}/{d:02d}"]
        return r.choice(forms)

    def dob(self, r: random.Random) -> str:
        return r.choice(["DOB ", "DOB: ", "Born ", "*", "Geb. ", "D.N. ", ""]) + self.date(r, self.birth)

    def examdate(self, r: random.Random) -> str:
        return self.date(r, self.exam) + r.choice(["", " " + self.time, " " + self.time[:5]])

    def agesex(self, r: random.Random) -> str:
        return r.choice([f"{self.age:03d}Y {self.sex}", f"{self.sex} {self.age}y", f"{self.age}Y/{self.sex}"])

    def header_name(self, r: random.Random) -> str:
        if self.script == "latin" and r.random() < 0.45:
            return self.name.replace(", ", "^").replace(" ", "^")
        return r.choice(["ANONYMOUS^PATIENT", "DOE^JOHN", "PHANTOM^QA", "MOUSE^MICKEY", ""])


def _person(r: random.Random, scripts: list[str] | None = None) -> Person:
    return Person(r, r.choice(scripts or ["latin"]))


def _name_line(canvas: Canvas, p: Person, r: random.Random, y: int, x: int, size: int, value: Any, **kw: Any
               ) -> tuple[int, int, int, int] | None:
    font = p.font if p.script not in ("latin", "cyrillic", "greek") else kw.pop("font", p.font)
    kw.pop("font", None)
    return canvas.put(p.name, y, x, font, size, value, True, **kw)


# ---------------------------------------------------------------- base images


def _smooth(nr: np.random.Generator, h: int, w: int, scale: int) -> np.ndarray:
    small = nr.random((max(h // scale, 2), max(w // scale, 2))).astype(np.float32)
    img = Image.fromarray((small * 255).astype(np.uint8)).resize((w, h), Image.Resampling.BICUBIC)
    return np.asarray(img, dtype=np.float32) / 255.0


def _ellipse(h: int, w: int, cy: float, cx: float, ry: float, rx: float) -> np.ndarray:
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    return ((yy - cy) / ry) ** 2 + ((xx - cx) / rx) ** 2 <= 1.0


def base_ct(nr: np.random.Generator, h: int, w: int) -> np.ndarray:
    img = np.full((h, w), 0.02, np.float32)
    body = _ellipse(h, w, h * 0.52, w / 2, h * 0.36, w * 0.44)
    img[body] = 0.27
    tex = _smooth(nr, h, w, 12)
    img += body * (tex - 0.5) * 0.05
    for cx in (0.35, 0.65):
        img[_ellipse(h, w, h * 0.48, w * cx, h * 0.18, w * 0.13)] = 0.08
    img[_ellipse(h, w, h * 0.75, w / 2, h * 0.05, w * 0.05)] = 0.7
    img[_ellipse(h, w, h * 0.45, w * 0.5, h * 0.07, w * 0.06)] = 0.33
    img[_ellipse(h, w, h * 0.9, w / 2, h * 0.02, w * 0.2)] = 0.1  # table
    img += nr.normal(0, 0.006, (h, w)).astype(np.float32)
    return np.clip(img, 0, 1)


def base_mr(nr: np.random.Generator, h: int, w: int) -> np.ndarray:
    img = np.zeros((h, w), np.float32)
    head = _ellipse(h, w, h / 2, w / 2, h * 0.42, w * 0.36)
    img[head] = 0.85
    img[_ellipse(h, w, h / 2, w / 2, h * 0.38, w * 0.32)] = 0.55
    img += _ellipse(h, w, h / 2, w / 2, h * 0.38, w * 0.32) * (_smooth(nr, h, w, 8) - 0.5) * 0.5
    img[_ellipse(h, w, h * 0.45, w * 0.45, h * 0.06, w * 0.03)] = 0.95
    img[_ellipse(h, w, h * 0.45, w * 0.55, h * 0.06, w * 0.03)] = 0.95
    img += np.abs(nr.normal(0, 0.015, (h, w))).astype(np.float32)
    return np.clip(img, 0, 1)


def base_xray(nr: np.random.Generator, h: int, w: int, level: float = 0.5) -> np.ndarray:
    img = np.full((h, w), level, np.float32) + (_smooth(nr, h, w, 40) - 0.5) * 0.25
    for cx in (0.32, 0.68):
        img -= _ellipse(h, w, h * 0.45, w * cx, h * 0.3, w * 0.15) * 0.25
    yy = np.arange(h, dtype=np.float32)[:, None]
    for k in range(8):
        rib = np.abs(yy - h * (0.2 + 0.07 * k) - 0.06 * h * np.sin(np.linspace(0, math.pi, w))[None, :]) < h * 0.012
        img += rib * 0.08
    img += nr.normal(0, 0.01, (h, w)).astype(np.float32)
    return np.clip(img, 0, 1)


def base_us(nr: np.random.Generator, h: int, w: int) -> np.ndarray:
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    cy, cx = -h * 0.1, w / 2
    rad = np.hypot(yy - cy, xx - cx)
    ang = np.arctan2(xx - cx, yy - cy)
    sector = (rad > h * 0.2) & (rad < h * 0.95) & (np.abs(ang) < 0.6)
    speckle = nr.rayleigh(0.22, (h, w)).astype(np.float32) * (0.6 + 0.6 * _smooth(nr, h, w, 25))
    img = np.where(sector, np.clip(speckle, 0, 1), 0.0).astype(np.float32)
    img[sector & _ellipse(h, w, h * 0.55, w * 0.5, h * 0.12, w * 0.15)] *= 0.15
    return img


def rgb(gray: np.ndarray, tint: tuple[float, float, float] = (1.0, 1.0, 1.0)) -> np.ndarray:
    return np.stack([gray * tint[0], gray * tint[1], gray * tint[2]], axis=-1).astype(np.float32)


# ---------------------------------------------------------------- scenes

# each scene: (r, nr, canvas factory) -> (Canvas, spec dict); the factory draws text or not
Spec = dict[str, Any]


def _lum(r: random.Random, dark: bool) -> float:
    return r.choice([0.0, 0.05, 0.12]) if dark else r.choice([1.0, 0.95, 0.85, 0.75])


def scene_ct_corners(r: random.Random, nr: np.random.Generator, draw: bool) -> tuple[Canvas, Spec]:
    n = r.choice([384, 512])
    c = Canvas(base_ct(nr, n, n)[None], draw)
    p = _person(r, ["latin", "latin", "cyrillic", "greek"])
    font, size, v, aa = r.choice(LATIN_FONTS), r.randrange(9, 15), _lum(r, False), r.random() < 0.7
    m = r.randrange(2, 8)
    c.put(p.name, m, m, p.font if p.script != "latin" else font, size + 1, v, True, aa=aa)
    c.stack([(f"ID: {p.pid}", True), (p.dob(r), True), (p.agesex(r), False), (p.accession, True)],
            m + size + 6, m, font, size, v, aa=aa)
    c.stack([(p.site, True), (r.choice(["SOMATOM Force", "Aquilion ONE", "Revolution CT", "Brilliance 64"]), False),
             (p.examdate(r), True), (f"Se: {r.randrange(1, 9)}  Im: {r.randrange(1, 300)}", False)],
            m, n - m, font, size, v, ha="r", aa=aa)
    c.stack([(f"{r.choice([80, 100, 120, 140])} kV", False), (f"{r.randrange(40, 400)} mAs", False),
             (f"Z: {r.uniform(-400, 200):.1f} mm", False), (f"ST {r.choice(['0.625', '1.0', '2.5', '5.0'])} mm", False)],
            n - m, m, font, size, v, up=True, aa=aa)
    c.stack([(f"W {r.choice([350, 400, 1500, 80])}  L {r.choice([40, 50, -600, 35])}", False),
             (f"DFOV {r.uniform(25, 45):.1f} cm", False), (p.doctor, True)],
            n - m, n - m, font, size, v, up=True, ha="r", aa=aa)
    return c, {"modality": "CT", "bits": 16, "signed": True, "person": p,
               "syntaxes": [ExplicitVRLittleEndian, ImplicitVRLittleEndian, RLELossless, JPEG2000Lossless]}


def scene_mr_bright(r: random.Random, nr: np.random.Generator, draw: bool) -> tuple[Canvas, Spec]:
    h, w = r.choice([(256, 256), (320, 288), (448, 384)])
    c = Canvas(base_mr(nr, h, w)[None], draw)
    p = _person(r, ["latin", "cyrillic"])
    font, size = r.choice(LATIN_FONTS), r.randrange(10, 17)
    for k, (text, ident) in enumerate([(p.name, True), (p.pid, True), (p.dob(r), True),
                                       (f"TR {r.randrange(400, 9000)} TE {r.randrange(8, 120)}", False)]):
        y = int(h * (0.22 + 0.14 * k))
        x = int(w * r.uniform(0.2, 0.4))
        v = r.choice([1.0, 0.0, 0.2, 0.98])  # white on bright anatomy or dark on it
        c.put(text, y, x, p.font if (ident and k == 0 and p.script != "latin") else font, size, v, ident,
              aa=r.random() < 0.8)
    c.put(r.choice(["T2 TSE AX", "FLAIR", "T1 MPRAGE", "DWI b1000"]), 4, 4, font, size - 2, 0.9, False)
    return c, {"modality": "MR", "bits": 12, "person": p,
               "syntaxes": [ExplicitVRLittleEndian, JPEGLSLossless, JPEG2000Lossless, RLELossless]}


def scene_faint(r: random.Random, nr: np.random.Generator, draw: bool) -> tuple[Canvas, Spec]:
    h, w = r.choice([(512, 420), (600, 500), (400, 400)])
    bg = r.uniform(0.35, 0.6)
    img = base_xray(nr, h, w, bg)
    band = r.randrange(0, h - 120)
    img[band:band + 110] = bg + nr.normal(0, 0.6 / 255, (110, w)).astype(np.float32)
    c = Canvas(img[None], draw)
    p = _person(r, ["latin", "greek", "cyrillic"])
    font, size = r.choice(LATIN_FONTS), r.randrange(8, 18)
    sign = r.choice([1, 1, -1])
    aa = r.random() < 0.5
    items = [(p.name, True), (f"{p.pid}  {p.agesex(r)}", True), (p.dob(r), True), (p.site, True)]
    y = band + 6
    for text, ident in items:
        v = bg + sign * r.randrange(3, 9) / 255.0
        font_i = p.font if (text == p.name and p.script != "latin") else font
        box = c.put(text, y, r.randrange(4, 30), font_i, size, v, ident, aa=aa)
        y += (box[2] - box[0] if box else size) + r.randrange(2, 6)
    return c, {"modality": r.choice(["CR", "DX"]), "bits": r.choice([8, 12]), "person": p,
               "syntaxes": [ExplicitVRLittleEndian, RLELossless, JPEGLSLossless]}


def scene_edge_id(r: random.Random, nr: np.random.Generator, draw: bool) -> tuple[Canvas, Spec]:
    h, w = r.choice([(640, 512), (512, 512), (700, 560)])
    c = Canvas(base_xray(nr, h, w, 0.45)[None], draw)
    p = _person(r, ["latin"])
    font, size = r.choice(LATIN_FONTS), r.randrange(7, 10)
    right = r.random() < 0.5
    angle = 270 if right else 90
    x = w - r.randrange(1, 4) if right else r.randrange(1, 4)
    v = r.choice([0.95, 1.0, 0.05])
    y = r.randrange(10, 60)
    for text, ident in [(f"{p.name}  {p.pid}", True), (f"{p.examdate(r)}  {p.site}", True)]:
        box = c.put(text, y, x, font, size, v, ident, angle=angle, ha="r" if right else "l", aa=r.random() < 0.6)
        if box:
            x = box[1] - 2 if right else box[3] + 2
    c.put(r.choice(["L", "R", "PA", "AP"]), r.randrange(40, 80), w // 2 + r.randrange(-150, 150),
          "sans_bold", r.randrange(24, 40), 1.0, False)
    return c, {"modality": "DX", "bits": r.choice([12, 16]), "mono1": True, "person": p,
               "syntaxes": [ExplicitVRLittleEndian, ImplicitVRLittleEndian, JPEG2000Lossless]}


def scene_us_header(r: random.Random, nr: np.random.Generator, draw: bool) -> tuple[Canvas, Spec]:
    h, w = r.choice([(480, 640), (600, 800)])
    gray = np.zeros((h, w), np.float32)
    top = r.randrange(28, 44)
    gray[top + 10:, 60:w - 60] = base_us(nr, h - top - 10, w - 120)
    img = rgb(gray)
    img[:top] = np.asarray(r.choice([(0.1, 0.15, 0.3), (0.2, 0.2, 0.2), (0.0, 0.0, 0.0)]), np.float32)
    c = Canvas(img[None], draw)
    p = _person(r, ["latin", "thai", "devanagari", "latin"])
    font = r.choice(LATIN_FONTS)
    white = (1.0, 1.0, 1.0)
    yel = (1.0, 0.9, 0.2)
    box = _name_line(c, p, r, 3, 6, r.randrange(12, 17), white, font=font)
    x = (box[3] + 14) if box else 200
    c.put(p.pid, 6, x, font, r.randrange(10, 14), white, True)
    c.put(p.examdate(r), 6, w - 6, font, r.randrange(10, 13), white, True, ha="r")
    c.put(r.choice(["C5-1", "L12-3", "C1-6-D", "IC5-9"]), top + 14, 4, font, 11, yel, False)
    c.put(f"{r.choice([3.5, 5.0, 7.5, 12.0])} MHz", top + 30, 4, font, 10, yel, False)
    c.put(f"Gn {r.randrange(30, 80)}  DR {r.randrange(40, 80)}", top + 46, 4, font, 10, yel, False)
    for k, depth in enumerate(range(0, 20, 5)):
        yd = top + 14 + int((h - top - 30) * k / 4)
        c.frames[0, yd, w - 46:w - 38] = 0.9
        c.put(str(depth), yd - 5, w - 34, font, 10, (0.9, 0.9, 0.9), False)
    c.put(f"Frm {r.randrange(1, 60)}/{r.randrange(60, 200)}", h - 6, w - 6, font, 11, white, False, ha="r", va="b")
    c.put(r.choice(["P", "R", "L", "M"]), top + 16, 70, "sans_bold", r.randrange(14, 22), (0.0, 0.0, 0.0), False,
          outline=1, outline_value=(1.0, 1.0, 1.0))
    return c, {"modality": "US", "rgb": True, "person": p,
               "syntaxes": [ExplicitVRLittleEndian, RLELossless, JPEGBaseline8Bit, JPEGLSLossless]}


def scene_xa_cine(r: random.Random, nr: np.random.Generator, draw: bool) -> tuple[Canvas, Spec]:
    n, nf = r.choice([256, 320]), r.randrange(6, 11)
    base = 0.75 + (_smooth(nr, n, n, 30) - 0.5) * 0.2
    frames = np.repeat(base[None], nf, axis=0)
    yy, xx = np.mgrid[0:n, 0:n].astype(np.float32)
    for f in range(nf):
        vessel = np.abs(yy - n * 0.5 - n * 0.25 * np.sin(xx / n * 3 + f * 0.3)) < 3 + 2 * math.sin(f)
        frames[f] -= vessel * min(0.5, 0.1 * f)
        frames[f] += nr.normal(0, 0.01, (n, n)).astype(np.float32)
    c = Canvas(np.clip(frames, 0, 1), draw)
    p = _person(r, ["latin", "cyrillic", "greek"])
    font, size = r.choice(LATIN_FONTS), r.randrange(9, 13)
    some = sorted(r.sample(range(nf), r.randrange(1, 3)))
    c.put(p.name, 3, 3, p.font if p.script != "latin" else font, size, 1.0, True, frames=some)
    c.put(p.dob(r), 4 + size + 3, 3, font, size, 1.0, True, frames=some)
    for f in range(nf):
        c.put(f"{f + 1}/{nf}", n - 3, n - 3, font, size, 1.0, False, frames=[f], ha="r", va="b")
    c.put(f"LAO {r.randrange(0, 45)}  CRA {r.randrange(0, 30)}", n - 3, 3, font, size, 1.0, False, va="b")
    return c, {"modality": r.choice(["XA", "RF"]), "bits": 8, "person": p,
               "syntaxes": [ExplicitVRLittleEndian, RLELossless, JPEGBaseline8Bit, JPEGLSLossless]}


def scene_petct(r: random.Random, nr: np.random.Generator, draw: bool) -> tuple[Canvas, Spec]:
    h, w = r.choice([(400, 560), (480, 640)])
    ct = base_ct(nr, h, h)
    hot = np.zeros((h, h), np.float32)
    for _ in range(r.randrange(2, 6)):
        hot += _ellipse(h, h, h * r.uniform(0.3, 0.7), h * r.uniform(0.3, 0.7), h * 0.04, h * 0.04) * r.uniform(0.4, 1)
    hot = (np.asarray(Image.fromarray((np.clip(hot, 0, 1) * 255).astype(np.uint8)), np.float32) / 255).astype(np.float32)
    fused = rgb(ct * 0.7) + np.stack([hot, hot * 0.5, hot * 0.0], -1)
    img = np.zeros((h, w, 3), np.float32)
    img[:, :h] = np.clip(fused, 0, 1)
    bar_x = h + 20
    for y in range(40, h - 40):
        t = 1 - (y - 40) / (h - 80)
        img[y, bar_x:bar_x + 16] = (min(1, 2 * t), max(0, 2 * t - 1), max(0, 1 - 3 * t))
    c = Canvas(img[None], draw)
    p = _person(r, ["korean", "cjk", "cjk", "latin"])
    font = r.choice(LATIN_FONTS)
    step = r.choice([2.0, 2.5, 3.0])
    for k in range(5):
        c.put(f"{(4 - k) * step:.1f}", 40 + int((h - 90) * k / 4), bar_x + 22, font, 11,
              (1.0, 1.0, 1.0), False)
    c.put("SUV", 20, bar_x, font, 12, (1.0, 1.0, 1.0), False)
    x0 = r.randrange(4, 12)
    box = _name_line(c, p, r, 10, x0, r.randrange(12, 18), (1.0, 1.0, 0.6), font=font)
    y = (box[2] + 6) if box else 40
    c.stack([(p.pid, True), (p.examdate(r), True), (f"SUVmax {r.uniform(2, 20):.1f}", False),
             (f"{r.randrange(150, 450)} MBq FDG", False)], y, x0, font, r.randrange(10, 13), (0.8, 1.0, 0.8))
    return c, {"modality": "OT", "rgb": True, "person": p, "sc": True,
               "syntaxes": [ExplicitVRLittleEndian, JPEG2000Lossless, RLELossless, JPEGBaseline8Bit]}


def scene_mammo(r: random.Random, nr: np.random.Generator, draw: bool) -> tuple[Canvas, Spec]:
    h, w = r.choice([(800, 640), (720, 560)])
    right_side = r.random() < 0.5
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    cx = w if right_side else 0
    breast = ((yy - h / 2) / (h * 0.45)) ** 2 + ((xx - cx) / (w * 0.7)) ** 2 <= 1
    img = np.where(breast, 0.45 + (_smooth(nr, h, w, 20) - 0.5) * 0.4, 0.03).astype(np.float32)
    img += nr.normal(0, 0.004, (h, w)).astype(np.float32)
    c = Canvas(np.clip(img, 0, 1)[None], draw)
    p = _person(r, ["latin"])
    lat = ("R" if right_side else "L") + r.choice(["CC", "MLO", " CC", " MLO"])
    far = 8 if right_side else w - 8
    ha = "l" if right_side else "r"
    c.put(lat, 20, far, "sans_bold", r.randrange(26, 40), 1.0, False, ha=ha)
    font = r.choice(LATIN_FONTS)
    faint = 0.03 + r.randrange(4, 10) / 255
    c.stack([(p.site, True), (p.name, True), (p.pid, True), (p.examdate(r), True)], h - 10, far, font,
            r.randrange(8, 12), faint, ha=ha, up=True)
    c.put(f"{r.randrange(25, 33)} kV {r.randrange(40, 200)} mAs  {r.randrange(30, 70)} mm  AGD {r.uniform(0.8, 2.5):.2f} mGy",
          h - 10, w // 2, font, 9, 0.7, False, ha="l" if right_side else "r", va="b")
    return c, {"modality": "MG", "bits": 12, "mono1": r.random() < 0.3, "person": p,
               "syntaxes": [ExplicitVRLittleEndian, JPEG2000Lossless, JPEGLSLossless]}


def scene_dental(r: random.Random, nr: np.random.Generator, draw: bool) -> tuple[Canvas, Spec]:
    h, w = r.choice([(300, 640), (360, 800)])
    img = 0.18 + (_smooth(nr, h, w, 30) - 0.5) * 0.1
    jaw = Image.new("L", (w, h), 0)
    dj = ImageDraw.Draw(jaw)
    dj.arc((w * 0.06, -h * 0.6, w * 0.94, h * 0.95), 10, 170, fill=110, width=int(h * 0.12))  # mandible
    teeth = Image.new("L", (w, h), 0)
    dt = ImageDraw.Draw(teeth)
    for row, sign in ((0.42, -1), (0.58, 1)):
        for k in range(16):
            u = (k + 0.5) / 16
            x = w * (0.22 + 0.56 * u)
            curve = -(u - 0.5) ** 2 * h * 0.8  # the occlusal plane smiles
            y = h * row + curve
            tw = w * 0.56 / 16 * 0.8
            th = h * (0.22 if 3 < k < 12 else 0.16)
            y0, y1 = (y - th, y) if sign < 0 else (y, y + th)
            dt.rounded_rectangle((x - tw / 2, y0, x + tw / 2, y1), radius=int(tw / 3), fill=int(150 + 80 * r.random()))
    img = img + np.asarray(jaw, np.float32) / 255 * 0.5 + np.asarray(teeth, np.float32) / 255 * 0.7
    img += nr.normal(0, 0.01, (h, w)).astype(np.float32)
    c = Canvas(np.clip(img, 0, 1)[None].astype(np.float32), draw)
    p = _person(r, ["cyrillic", "greek", "latin"])
    font = p.font if p.script != "latin" else r.choice(LATIN_FONTS)
    if p.script in ("cyrillic", "greek"):
        font = r.choice(["sans", "serif", "lib_sans", "noto", "mono"])
    size = r.randrange(10, 15)
    c.put(p.name, 4, 6, font, size, 0.9, True)
    c.put(p.dob(r), 4, w - 6, font, size, 0.9, True, ha="r")
    c.put(f"{r.randrange(60, 90)} kV  {r.randrange(4, 16)} mA  {r.uniform(8, 16):.1f} s", h - 4, 6, font, size - 2,
          0.8, False, va="b")
    c.put(r.choice(["R", "L"]), h // 2, 4, "sans_bold", 20, 1.0, False)
    return c, {"modality": "PX", "bits": r.choice([8, 12]), "person": p,
               "syntaxes": [ExplicitVRLittleEndian, ImplicitVRLittleEndian, JPEGLSLossless]}


def scene_oct(r: random.Random, nr: np.random.Generator, draw: bool) -> tuple[Canvas, Spec]:
    h, w = 560, 720
    img = np.ones((h, w, 3), np.float32) * 0.97
    img[:36] = (0.2, 0.3, 0.5)
    yy, xx = np.mgrid[0:180, 0:420].astype(np.float32)
    layers = np.zeros((180, 420), np.float32)
    for k, (off, v) in enumerate([(60, 0.9), (75, 0.5), (95, 0.7), (120, 0.95)]):
        layers += (np.abs(yy - off - 10 * np.sin(xx / 70)) < 4 + k) * v
    bscan = np.clip(layers + nr.random((180, 420)).astype(np.float32) * 0.2, 0, 1)
    img[60:240, 20:440] = rgb(bscan)
    tmap = _smooth(nr, 180, 180, 30)
    img[60:240, 480:660] = np.stack([tmap, 1 - tmap, 0.3 + tmap * 0, ], -1)
    for y in range(290, 500, 26):
        img[y, 20:700] = 0.6
    c = Canvas(img[None], draw)
    p = _person(r, ["latin", "hebrew", "arabic", "latin"])
    font = r.choice(LATIN_FONTS)
    if p.script in ("hebrew", "arabic"):
        c.put(p.name, 8, w - 10, p.font, 16, (1.0, 1.0, 1.0), True, ha="r")
        c.put(p.pid, 10, 10, font, 13, (1.0, 1.0, 1.0), True)
    else:
        c.put(f"{p.name}   {p.pid}", 10, 10, font, 14, (1.0, 1.0, 1.0), True)
    c.put(f"{p.dob(r)}   {p.sex}", 42, 20, font, 11, (0.1, 0.1, 0.1), True)
    c.put(f"Exam: {p.examdate(r)}  OD", 42, 480, font, 11, (0.1, 0.1, 0.1), True)
    rows = [("CST", f"{r.randrange(220, 320)} µm"), ("Volume", f"{r.uniform(8, 11):.2f} mm³"),
            ("Avg Thickness", f"{r.randrange(250, 300)} µm"), ("Signal Strength", f"{r.randrange(5, 10)}/10"),
            ("Scan", "Macular Cube 512x128"), ("Operator", p.doctor)]
    for k, (a, b) in enumerate(rows):
        y = 296 + 26 * k
        c.put(a, y, 24, font, 12, (0.15, 0.15, 0.15), False)
        c.put(b, y, 300, font, 12, (0.15, 0.15, 0.15), a == "Operator")
    c.put(p.site, h - 8, 20, font, 10, (0.4, 0.4, 0.4), True, va="b")
    return c, {"modality": "OPT", "rgb": True, "person": p, "sc": True,
               "syntaxes": [ExplicitVRLittleEndian, RLELossless, JPEGBaseline8Bit]}


def scene_render3d(r: random.Random, nr: np.random.Generator, draw: bool) -> tuple[Canvas, Spec]:
    h, w = 480, 640
    img = np.zeros((h, w, 3), np.float32)
    img[:, :] = (0.12, 0.12, 0.14)
    img[:24] = (0.22, 0.22, 0.25)
    img[24:48] = (0.18, 0.18, 0.2)
    yy, xx = np.mgrid[0:h - 60, 0:w - 160].astype(np.float32)
    cy, cx = (h - 60) / 2, (w - 160) / 2
    d = 1 - ((yy - cy) / 170) ** 2 - ((xx - cx) / 140) ** 2
    shade = np.sqrt(np.clip(d, 0, 1)) * (0.6 + 0.4 * _smooth(nr, h - 60, w - 160, 15))
    img[56:h - 4, 4:w - 156] = np.stack([shade * 0.95, shade * 0.8, shade * 0.65], -1)
    for k in range(6):
        img[60 + 40 * k:90 + 40 * k, w - 148:w - 12] = (0.26, 0.27, 0.3)
    c = Canvas(img[None], draw)
    p = _person(r, ["latin", "korean", "cjk"])
    ui = r.choice(["sans", "lib_sans", "noto"])
    white = (0.92, 0.92, 0.92)
    x = 8
    for item in ["File", "Edit", "View", "Tools", "Help"]:
        box = c.put(item, 6, x, ui, 11, white, False)
        x = (box[3] + 14) if box else x + 40
    if p.script == "latin":
        c.put(f"{p.name} - {p.pid} - Volume Rendering", 30, 8, ui, 12, white, True)
    else:
        box = c.put(p.name, 28, 8, p.font, 14, white, True)
        c.put(p.pid, 30, (box[3] + 10) if box else 120, ui, 12, white, True)
    for k, label in enumerate(["Preset: Bone", "Opacity 72%", "Crop", "Rotate", "Export", "Reset"]):
        c.put(label, 68 + 40 * k, w - 140, ui, 11, white, False)
    for label, (yy0, xx0) in zip("SAR", [(62, (w - 160) // 2), (h // 2, 10), (h // 2, w - 180)]):
        c.put(label, yy0, xx0, "sans_bold", 14, (1.0, 0.85, 0.2), False)
    c.put(f"{p.examdate(r)}  {p.site}", h - 8, 8, ui, 10, (0.7, 0.7, 0.7), True, va="b")
    return c, {"modality": "OT", "rgb": True, "person": p, "sc": True,
               "syntaxes": [ExplicitVRLittleEndian, JPEGLSLossless, RLELossless]}


def scene_requisition(r: random.Random, nr: np.random.Generator, draw: bool) -> tuple[Canvas, Spec]:
    h, w = 700, 540
    img = 0.93 + (_smooth(nr, h, w, 60) - 0.5) * 0.06 + nr.normal(0, 0.01, (h, w)).astype(np.float32)
    for y in range(120, 620, 44):
        img[y + 28, 30:w - 30] = 0.55
    c = Canvas(np.clip(img, 0, 1)[None].astype(np.float32), draw)
    p = _person(r, ["latin"])
    pf = r.choice(["lib_serif", "serif", "lib_sans", "sans"])
    c.put("RADIOLOGY REQUEST FORM", 30, 30, pf, r.randrange(18, 24), 0.1, False)
    c.put(p.site, 70, 30, pf, 12, 0.2, True)
    fields = [("Patient:", p.name, True), ("Hosp. No:", p.pid, True), ("DOB:", p.date(r, p.birth), True),
              ("Phone:", p.phone, True), ("Referrer:", p.doctor, True), ("Exam:", r.choice(["CT abdomen", "MRI knee L",
              "CXR PA", "US liver"]), False), ("Clinical info:", r.choice(["r/o PE", "pain since 3 wks", "fall, ? fx"]),
              False), ("Date:", p.date(r, p.exam), True), ("Urgency:", r.choice(["routine", "URGENT"]), False),
              ("Allergies:", r.choice(["none known", "iodine"]), False), ("Weight:", f"{r.randrange(40, 120)} kg", False)]
    for k, (label, value, ident) in enumerate(fields):
        y = 126 + 44 * k
        box = c.put(label, y + 10, 34, pf, 12, 0.15, False)
        x = (box[3] + 12) if box else 150
        c.put(value, y + 4, x, "lib_italic", r.randrange(15, 20), r.choice([0.1, 0.25, 0.35]), ident,
              hand=random.Random(r.randrange(2**32)))
    # signature scribble: strokes, not text
    pts = []
    for t in np.linspace(0, 1, 160):
        pts.append((360 + 140 * t + 12 * math.sin(t * 31), 640 + 14 * math.sin(t * 23) * math.cos(t * 7)))
    sig = Image.new("L", (w, h), 0)
    ImageDraw.Draw(sig).line(pts, fill=255, width=2)
    a = np.asarray(sig, np.float32)[None] / 255
    c.frames = (c.frames * (1 - a) + 0.15 * a).astype(np.float32)
    return c, {"modality": "OT", "bits": 8, "person": p, "sc": True,
               "syntaxes": [ExplicitVRLittleEndian, RLELossless, JPEGBaseline8Bit, JPEGLSLossless]}


def scene_dose(r: random.Random, nr: np.random.Generator, draw: bool) -> tuple[Canvas, Spec]:
    h, w = 512, 512
    dark = r.random() < 0.5
    img = np.full((h, w), 0.0 if dark else 1.0, np.float32)
    fg = 0.95 if dark else 0.0
    for y in range(150, 400, 28):
        img[y, 20:w - 20] = 0.5
    c = Canvas(img[None], draw)
    p = _person(r, ["latin"])
    font = r.choice(["mono", "lib_mono", "noto_mono", "sans", "lib_sans"])
    c.stack([("Dose Report", False), (f"Patient Name: {p.name}", True), (f"Patient ID: {p.pid}", True),
             (p.accession, True), (f"Exam Date: {p.examdate(r)}", True)], 16, 20, font, r.randrange(11, 14), fg,
            leading=4)
    c.put("Series   Type     Scan Range(mm)   CTDIvol(mGy)   DLP(mGy-cm)", 132, 20, font, 10, fg, False)
    for k in range(r.randrange(3, 8)):
        c.put(f"{k + 1:<8} {r.choice(['Helical', 'Axial  ', 'Scout  '])}  I{r.randrange(10, 300):>4}.0-S{r.randrange(10, 300):>4}.0"
              f"   {r.uniform(1, 30):>7.2f}      {r.uniform(10, 900):>8.2f}", 158 + 28 * k, 20, font, 10, fg, False)
    c.put(f"Total DLP: {r.uniform(100, 1500):.2f} mGy-cm", 440, 20, font, 12, fg, False)
    return c, {"modality": "CT", "bits": 8, "person": p, "sc": True,
               "syntaxes": [ExplicitVRLittleEndian, ImplicitVRLittleEndian, RLELossless, JPEG2000Lossless]}


def scene_leading(r: random.Random, nr: np.random.Generator, draw: bool) -> tuple[Canvas, Spec]:
    n = r.choice([384, 448])
    base = base_ct(nr, n, n) if r.random() < 0.5 else base_xray(nr, n, n, 0.3)
    c = Canvas(base[None], draw)
    p = _person(r, ["latin", "cyrillic"])
    font, size = r.choice(LATIN_FONTS), r.randrange(8, 14)
    v = _lum(r, False)
    nf = p.font if p.script != "latin" else font
    for (y, x, ha, va) in [(4, 4, "l", "t"), (n - 4, n - 4, "r", "b")]:
        if va == "t":
            b = c.put(p.name, y, x, nf, size, v, True, ha=ha)
            y2 = (b[2] + 1) if b else y + size
            c.put(f"{p.pid} {p.dob(r)}", y2, x, font, size, v, True, ha=ha)
        else:
            b = c.put(f"{r.choice([100, 120])}kV {r.randrange(50, 300)}mAs", y, x, font, size, v, False, ha=ha, va=va)
            y2 = (b[0] - 1) if b else y - size
            c.put(p.examdate(r), y2, x, font, size, v, True, ha=ha, va=va)
    return c, {"modality": "CT", "bits": 16, "signed": r.random() < 0.5, "person": p,
               "syntaxes": [ExplicitVRLittleEndian, RLELossless, JPEGLSLossless]}


def _pill(img: np.ndarray, box: tuple[int, int, int, int], value: Any, radius: int) -> None:
    h, w = img.shape[:2]
    m = Image.new("L", (w, h), 0)
    ImageDraw.Draw(m).rounded_rectangle((box[1], box[0], box[3], box[2]), radius=radius, fill=255)
    a = np.asarray(m, np.float32) / 255
    if img.ndim == 3:
        img[...] = img * (1 - a[..., None]) + np.asarray(value, np.float32) * a[..., None]
    else:
        img[...] = img * (1 - a) + float(value) * a


def scene_pills(r: random.Random, nr: np.random.Generator, draw: bool) -> tuple[Canvas, Spec]:
    h, w = r.choice([(512, 384), (600, 400)])
    nm = np.zeros((h, w), np.float32)
    body = _ellipse(h, w, h / 2, w / 2, h * 0.45, w * 0.16)
    nm[body] = 0.3
    nm += nr.poisson(np.where(body, 8.0, 0.5)).astype(np.float32) / 30
    nm = np.clip(nm, 0, 1)
    is_rgb = r.random() < 0.4
    img = rgb(nm, (0.3, 0.9, 1.0)) if is_rgb else nm
    p = _person(r, ["latin"])
    font, size = r.choice(LATIN_FONTS), r.randrange(10, 16)
    texts = [(p.name, True), (p.date(r, p.exam), True), (p.date(r, p.birth), True),
             (p.date(r, p.exam) + " " + p.time[:5], True), (r.choice(["ANT", "POST", "WB 15cm/min"]), False)]
    spots = [(8, 8), (8, w // 2 + 10), (h - 40, 8), (h - 40, w // 2 + 10), (h // 2, 6)]
    sizes = [render(t, font, size)[0].shape for t, _ in texts]
    pill_v = [r.choice([0.85, 0.9, 0.25]) for _ in texts]
    for (y, x), (th, tw), pv in zip(spots, sizes, pill_v):
        _pill(img, (y - 4, x - 6, y + th + 4, x + tw + 6), (pv, pv, pv) if is_rgb else pv, r.choice([3, 8, th // 2 + 4]))
    c = Canvas(img[None], draw)
    for ((t, ident), (y, x), pv) in zip(texts, spots, pill_v):
        v = 0.05 if pv > 0.5 else 0.95
        c.put(t, y, x, font, size, (v, v, v) if is_rgb else v, ident)
    return c, {"modality": "NM", "rgb": is_rgb, "bits": 16 if not is_rgb else 8, "person": p,
               "syntaxes": [ExplicitVRLittleEndian, RLELossless, JPEG2000Lossless]}


SCENES: list[tuple[str, Callable[[random.Random, np.random.Generator, bool], tuple[Canvas, Spec]]]] = [
    ("ct_corners", scene_ct_corners), ("mr_bright", scene_mr_bright), ("faint", scene_faint),
    ("edge_id", scene_edge_id), ("us_header", scene_us_header), ("xa_cine", scene_xa_cine), ("petct", scene_petct),
    ("mammo", scene_mammo), ("dental", scene_dental), ("oct", scene_oct), ("render3d", scene_render3d),
    ("requisition", scene_requisition), ("dose", scene_dose), ("leading", scene_leading), ("pills", scene_pills),
]

# ---------------------------------------------------------------- controls (no letters, no digits)


def _blend_mask(img: np.ndarray, mask: Image.Image, value: float) -> np.ndarray:
    a = np.asarray(mask, np.float32) / 255
    return img * (1 - a) + value * a


def control(r: random.Random, nr: np.random.Generator, kind: int) -> tuple[str, Canvas, Spec]:
    """A text-free image with text-like structure (no letters, no digits)."""
    kinds = ["clips", "wires", "ruler", "grid", "trabecular", "calipers", "ecg"]
    name = kinds[kind % len(kinds)]
    n = r.choice([384, 512])
    mask = Image.new("L", (n, n), 0)
    d = ImageDraw.Draw(mask)
    value = 1.0
    if name == "clips":
        img = base_ct(nr, n, n)
        for _ in range(r.randrange(4, 12)):
            y, x = r.randrange(80, n - 80), r.randrange(80, n - 80)
            ww, hh = r.randrange(3, 7), r.randrange(8, 16)
            if r.random() < 0.5:
                d.rectangle((x, y, x + ww, y + hh), fill=255)
            else:  # a V-shaped haemostatic clip at a random angle
                a = r.uniform(0, 2 * math.pi)
                tip = (x + hh * math.cos(a), y + hh * math.sin(a))
                d.line((x - 3 * math.sin(a), y + 3 * math.cos(a), tip[0], tip[1],
                        x + 3 * math.sin(a), y - 3 * math.cos(a)), fill=255, width=2)
    elif name == "wires":
        img = base_xray(nr, n, n, 0.4)
        value = 0.95
        for _ in range(r.randrange(2, 5)):
            pts = [(r.randrange(n), r.randrange(n)) for _ in range(4)]
            d.line(pts, fill=255, width=r.choice([1, 2, 3]), joint="curve")
        for k in range(r.randrange(3, 7)):  # sternal wire loops
            y = n // 4 + 30 * k
            d.ellipse((n // 2 - 8, y, n // 2 + 8, y + 10), outline=255, width=2)
    elif name == "ruler":
        img = base_xray(nr, n, n, 0.5)
        x0 = r.randrange(5, 30)
        d.line((x0, 20, x0, n - 20), fill=255, width=2)
        for k, y in enumerate(range(20, n - 20, 8)):
            d.line((x0, y, x0 + (12 if k % 5 == 0 else 6), y), fill=255, width=1)
    elif name == "grid":
        img = base_xray(nr, n, n, 0.5)
        period = r.randrange(3, 9)
        img = img + ((np.arange(n) % period) == 0)[None, :].astype(np.float32) * 0.06
    elif name == "trabecular":
        img = 0.4 + (_smooth(nr, n, n, 3) - 0.5) * 0.6 + (_smooth(nr, n, n, 6) - 0.5) * 0.4
    elif name == "calipers":
        img = base_us(nr, n, n)
        for _ in range(r.randrange(2, 6)):
            y, x = r.randrange(60, n - 60), r.randrange(60, n - 60)
            s = r.randrange(3, 7)
            if r.random() < 0.5:
                d.line((x - s, y, x + s, y), fill=255)
                d.line((x, y - s, x, y + s), fill=255)
            else:
                d.line((x - s, y - s, x + s, y + s), fill=255)
                d.line((x - s, y + s, x + s, y - s), fill=255)
            y2, x2 = y + r.randrange(-40, 40), x + r.randrange(-60, 60)
            for t in range(0, 21, 2):  # dotted measuring line
                d.point((x + (x2 - x) * t / 20, y + (y2 - y) * t / 20), fill=255)
    else:
        img = base_us(nr, n, n)
        value = 0.9
        xs = np.arange(n)
        beat = np.zeros(n, np.float32)
        for k in range(0, n, r.randrange(60, 110)):
            beat += 28 * np.exp(-((xs - k - 20) ** 2) / 6.0) - 6 * np.exp(-((xs - k - 26) ** 2) / 8.0) \
                + 6 * np.exp(-((xs - k - 50) ** 2) / 60.0)
        ys = (n - 40 - beat).astype(int)
        d.line(list(zip(xs.tolist(), ys.tolist())), fill=255, width=1)
    img = _blend_mask(img, mask, value)
    is_rgb = name in ("calipers", "ecg") and r.random() < 0.6
    frames = rgb(np.clip(img, 0, 1), (0.4, 1.0, 0.5)) if is_rgb else np.clip(img, 0, 1)
    c = Canvas(frames[None].astype(np.float32), True)
    spec = {"modality": {"clips": "CT", "wires": "DX", "ruler": "CR", "grid": "DX", "trabecular": "CT",
                         "calipers": "US", "ecg": "US"}[name], "rgb": is_rgb, "bits": r.choice([8, 12, 16]),
            "signed": name in ("clips", "trabecular") and r.random() < 0.5, "mono1": name == "grid" and r.random() < 0.5,
            "person": _person(r), "syntaxes": [ExplicitVRLittleEndian, ImplicitVRLittleEndian, RLELossless,
                                                 JPEG2000Lossless, JPEGLSLossless]}
    return "control_" + name, c, spec


# ---------------------------------------------------------------- DICOM encoding

SOP = {"CT": "1.2.840.10008.5.1.4.1.1.2", "MR": "1.2.840.10008.5.1.4.1.1.4", "CR": "1.2.840.10008.5.1.4.1.1.1",
       "DX": "1.2.840.10008.5.1.4.1.1.1.1", "MG": "1.2.840.10008.5.1.4.1.1.1.2", "US": "1.2.840.10008.5.1.4.1.1.6.1",
       "XA": "1.2.840.10008.5.1.4.1.1.12.1", "RF": "1.2.840.10008.5.1.4.1.1.12.2", "NM": "1.2.840.10008.5.1.4.1.1.20",
       "PX": "1.2.840.10008.5.1.4.1.1.1.3", "OT": "1.2.840.10008.5.1.4.1.1.7", "OPT": "1.2.840.10008.5.1.4.1.1.7"}
MULTIFRAME_SC = {8: "1.2.840.10008.5.1.4.1.1.7.2", 16: "1.2.840.10008.5.1.4.1.1.7.3"}


def _uid(*parts: Any) -> UID:
    digest = hashlib.sha256("|".join(map(str, parts)).encode()).digest()
    return UID("2.25." + str(int.from_bytes(digest[:16], "big")))


def encode(c: Canvas, spec: Spec, r: random.Random, key: tuple[int, int]) -> Dataset:
    frames = np.clip(c.frames, 0, 1)
    nf, h, w = frames.shape[:3]
    syntax = UID(r.choice(spec["syntaxes"]))
    is_rgb = bool(spec.get("rgb"))
    bits = 8 if is_rgb or syntax == JPEGBaseline8Bit else int(spec.get("bits", 8))
    signed = bool(spec.get("signed")) and bits == 16 and syntax != JPEGLSLossless
    mono1 = bool(spec.get("mono1")) and not is_rgb
    ds = Dataset()
    modality = spec["modality"]
    sop = SOP[modality]
    if spec.get("sc") or nf > 1 and modality not in ("XA", "RF", "US"):
        sop = SOP["OT"] if nf == 1 else MULTIFRAME_SC[8 if bits == 8 else 16]
    ds.SOPClassUID = sop
    ds.SOPInstanceUID = _uid("sop", *key)
    ds.StudyInstanceUID = _uid("study", *key)
    ds.SeriesInstanceUID = _uid("series", *key)
    ds.SpecificCharacterSet = "ISO_IR 192"
    ds.Modality = modality
    p: Person = spec["person"]
    ds.PatientName = p.header_name(r)
    ds.PatientID = p.pid if r.random() < 0.5 else f"X{key[1]:05d}"
    ds.PatientBirthDate = f"{p.birth[0]}{p.birth[1]:02d}{p.birth[2]:02d}"
    ds.StudyDate = f"{p.exam[0]}{p.exam[1]:02d}{p.exam[2]:02d}"
    ds.AccessionNumber = p.accession[-8:].strip()
    ds.InstitutionName = p.site if r.random() < 0.5 else ""
    choice = r.choice(["YES", "NO", None])
    if choice is not None:
        ds.BurnedInAnnotation = choice
    ds.Rows, ds.Columns = h, w
    if nf > 1:
        ds.NumberOfFrames = nf
    if is_rgb:
        arr = np.round(frames * 255).astype(np.uint8)
        ds.SamplesPerPixel = 3
        ds.PhotometricInterpretation = "RGB"
        ds.PlanarConfiguration = 0
        ds.BitsAllocated = ds.BitsStored = 8
        ds.HighBit = 7
        ds.PixelRepresentation = 0
    else:
        gray = frames if frames.ndim == 3 else frames.mean(axis=-1)
        top = 4095 if signed else (1 << bits) - 1  # signed: CT-like -1024..3071 in 16 bits
        stored = np.round(gray * top).astype(np.int64)
        if mono1:
            stored = top - stored
        ds.SamplesPerPixel = 1
        ds.PhotometricInterpretation = "MONOCHROME1" if mono1 else "MONOCHROME2"
        ds.BitsAllocated = 8 if bits == 8 else 16
        ds.BitsStored = bits
        ds.HighBit = bits - 1
        if signed:
            stored = stored - 1024
            ds.PixelRepresentation = 1
            arr = stored.astype(np.int16)
            ds.RescaleIntercept, ds.RescaleSlope = 0, 1
            ds.WindowCenter, ds.WindowWidth = top // 2 - 1024, top + 1
        else:
            ds.PixelRepresentation = 0
            arr = stored.astype(np.uint8 if bits == 8 else np.uint16)
            ds.WindowCenter, ds.WindowWidth = top // 2, top + 1
    if nf == 1:
        arr = arr[0]
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = ds.SOPClassUID
    meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    meta.ImplementationClassUID = UID("2.25.31107310941025093640720021606826611")
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.file_meta = meta
    if syntax == JPEGBaseline8Bit:
        blobs = []
        for f in range(nf):
            plane = arr if nf == 1 else arr[f]
            image = Image.fromarray(plane, "RGB" if is_rgb else "L")
            out = io.BytesIO()
            image.save(out, "JPEG", quality=r.randrange(85, 96), subsampling=1 if is_rgb else 0)
            blobs.append(out.getvalue())
        ds.PixelData = encapsulate(blobs)
        ds["PixelData"].VR = "OB"
        if is_rgb:
            ds.PhotometricInterpretation = "YBR_FULL_422"
        ds.LossyImageCompression = "01"
        meta.TransferSyntaxUID = JPEGBaseline8Bit
    elif syntax in (RLELossless, JPEG2000Lossless, JPEGLSLossless):
        ds.PixelData = arr.tobytes()
        ds["PixelData"].VR = "OB" if bits == 8 else "OW"
        ds.compress(syntax, arr, generate_instance_uid=False)
    else:
        ds.PixelData = arr.tobytes()
        ds["PixelData"].VR = "OB" if bits == 8 else "OW"
        meta.TransferSyntaxUID = syntax
    return ds


# ---------------------------------------------------------------- public API


def _rngs(index: int, seed: int) -> tuple[random.Random, np.random.Generator]:
    digest = hashlib.sha256(f"blind6|{seed}|{index}".encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big")), np.random.default_rng(int.from_bytes(digest[8:16], "big"))


def blind6_case(index: int, seed: int, text: bool = True) -> Blind6Case:
    """Image number ``index`` of the set for ``seed``; ``text=False``: the same image without its text."""
    r, nr = _rngs(index, seed)
    if index % 5 == 4:
        name, c, spec = control(r, nr, index // 5)
    else:
        scene_name, fn = SCENES[(index - index // 5) % len(SCENES)]
        c, spec = fn(r, nr, text)
        name = scene_name
    ds = encode(c, spec, r, (seed, index))
    return Blind6Case(f"blind6_{index:03d}_{name}", ds, c.lines if text else [])


def blind6_cases(count: int, seed: int) -> list[Blind6Case]:
    """``count`` images (every fifth a text-free control), deterministic for ``seed``."""
    return [blind6_case(i, seed) for i in range(count)]


def dicom_bytes(ds: Dataset) -> bytes:
    out = io.BytesIO()
    pydicom.dcmwrite(out, ds, enforce_file_format=True)
    return out.getvalue()
