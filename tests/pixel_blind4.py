"""blind4: an independent image set with burned-in identifiers and ground truth (issue 20).

SOURCE / README.  Written for session 8 by a helper who did not read curator's detector,
pixel screen or redaction code (curator/deid/pixels.py, pixel_screen.py, textdetect.py,
frame_text.py, mappings/pixel_text.yaml), nor the other image-set generators
(tests/pixel_heldout.py, tests/pixel_blind*.py) or their tests; only the interface that
benchmarks/pixels.py expects was read (a case has ``name``, ``dataset`` and ``lines``; a
line has ``frame``, ``box`` = (y0, x0, y1, x1), ``ink`` = bool mask of the box and
``tokens()``).  Its per-image results on curator are not to be looked at or tuned on.

What it covers (every drawn line is ground truth, identifiers and technical text alike;
``Line.identifier`` says which ones are identifiers):

* scenes: CT with low-contrast text over anatomy and text cut by the image edge; MR
  (MONOCHROME1/2) with italic, serif and outlined text at odd positions; XA cine where only
  some frames carry the patient's name and every frame a seven-segment frame counter; RF
  fluoroscopy with LED timers, an inverted name box and vertical text on the edge; PET/CT
  fused colour screens with shadowed text and a colour bar; ultrasound with calipers and
  measurements; ultrasound cine with text on some frames; viewer screenshots with UI chrome
  (title bar, menus, worklist); terminal screens in monospace fonts; fundus photographs;
  dental panoramics with very large side markers and vertical text; whole-slide-like H&E tiles
  with a tilted slide label; radiographs with dot-matrix printed labels and 6-8 px text; NM
  pages with very large titles.
* scripts: Latin, Cyrillic, Greek, Thai, Devanagari, Korean (Hangul); dates and IDs in many
  formats.
* base images: pydicom's bundled CT, MR and NM test images (693_J2KI, J2K_pixelrep_mismatch,
  CT_small, examples_overlay, MR_small, JPEG2000, JPGExtended) and synthetic anatomy.
* pixel formats: 8, 10, 12, 14 and 16 bits, signed and unsigned, MONOCHROME1, MONOCHROME2,
  RGB, YBR_FULL_422 (JPEG); transfer syntaxes explicit and implicit little endian, deflated,
  RLE, JPEG baseline, JPEG 2000 lossless, JPEG-LS lossless and near-lossless.
* headers: BurnedInAnnotation YES, NO or absent, drawn independently of the truth; the header's
  PatientName is the burned-in one in half of the images and another name otherwise.
* text-free controls (every fifth image) carry text-like marks without letters: rulers,
  calipers, grids, ECG traces, lead markers, fine texture.

Fonts (all from Debian packages, none shipped here): fonts-dejavu-core (DejaVu, Bitstream Vera
licence + public domain changes), fonts-liberation (Liberation, SIL Open Font License 1.1),
fonts-noto-core (Noto Sans, Noto Serif, Noto Sans Thai, Noto Sans Devanagari, SIL OFL 1.1),
fonts-wqy-microhei (WenQuanYi Micro Hei, Apache 2.0 / GPLv3 with font exception).
"""

from __future__ import annotations

import io
import random
from collections.abc import Callable
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
    DeflatedExplicitVRLittleEndian,
    ExplicitVRLittleEndian,
    ImplicitVRLittleEndian,
    JPEG2000Lossless,
    JPEGBaseline8Bit,
    JPEGLSLossless,
    JPEGLSNearLossless,
    RLELossless,
    generate_uid,
)

_TT = Path("/usr/share/fonts/truetype")
FONTS = {
    "sans": _TT / "dejavu/DejaVuSans.ttf",
    "sans_bold": _TT / "dejavu/DejaVuSans-Bold.ttf",
    "condensed": _TT / "dejavu/DejaVuSansCondensed.ttf",
    "condensed_bold_oblique": _TT / "dejavu/DejaVuSansCondensed-BoldOblique.ttf",
    "serif_italic": _TT / "dejavu/DejaVuSerif-Italic.ttf",
    "serif_condensed_bold": _TT / "dejavu/DejaVuSerifCondensed-Bold.ttf",
    "mono": _TT / "dejavu/DejaVuSansMono.ttf",
    "mono_bold": _TT / "dejavu/DejaVuSansMono-Bold.ttf",
    "narrow": _TT / "liberation/LiberationSansNarrow-Regular.ttf",
    "narrow_italic": _TT / "liberation/LiberationSansNarrow-Italic.ttf",
    "lib_mono": _TT / "liberation/LiberationMono-Regular.ttf",
    "lib_serif_bold_italic": _TT / "liberation/LiberationSerif-BoldItalic.ttf",
    "lib_sans_italic": _TT / "liberation/LiberationSans-Italic.ttf",
    "noto": _TT / "noto/NotoSans-Regular.ttf",
    "noto_bold_italic": _TT / "noto/NotoSans-BoldItalic.ttf",
    "noto_serif_italic": _TT / "noto/NotoSerif-Italic.ttf",
    "thai": _TT / "noto/NotoSansThai-Regular.ttf",
    "thai_bold": _TT / "noto/NotoSansThai-Bold.ttf",
    "devanagari": _TT / "noto/NotoSansDevanagari-Regular.ttf",
    "hangul": _TT / "wqy/wqy-microhei.ttc",
}
# Fonts that draw Latin, Cyrillic and Greek.
EUROPEAN = ["sans", "sans_bold", "condensed", "condensed_bold_oblique", "serif_italic", "serif_condensed_bold",
            "mono", "mono_bold", "narrow", "narrow_italic", "lib_mono", "lib_serif_bold_italic",
            "lib_sans_italic", "noto", "noto_bold_italic", "noto_serif_italic"]
MONO = ["mono", "mono_bold", "lib_mono"]
SCRIPT_FONTS = {"latin": EUROPEAN, "cyrillic": EUROPEAN, "greek": EUROPEAN,
                "thai": ["thai", "thai_bold"], "devanagari": ["devanagari"], "hangul": ["hangul"]}


def missing_fonts() -> list[str]:
    """Font files this set needs that are not installed."""
    return sorted(str(path) for path in FONTS.values() if not path.exists())


@lru_cache(maxsize=256)
def _font(key: str, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(FONTS[key]), size)


# ---------------------------------------------------------------- people, dates, identifiers

NAMES = {
    "latin": [("Marta", "Vermeulen"), ("Jonas", "Kowalczyk"), ("Ilse", "Lindqvist"), ("Tomasz", "Oyelaran"),
              ("Aoife", "Brannigan"), ("Bruno", "Castellano"), ("Odile", "Haugland"), ("Pieter", "Duarte"),
              ("Greta", "Szabolcsi"), ("Rafael", "Nwachukwu"), ("Sunniva", "Eriksdottir"), ("Matteo", "Quirke")],
    "cyrillic": [("Светлана", "Морозова"), ("Игорь", "Белоусов"), ("Ольга", "Кузнецова"),
                 ("Дмитрий", "Соколов"), ("Анна", "Лебедева"), ("Тарас", "Гриценко")],
    "greek": [("Ελένη", "Παπαδοπούλου"), ("Νικόλαος", "Γεωργίου"), ("Δήμητρα", "Κωνσταντίνου"),
              ("Σπύρος", "Αλεξίου"), ("Αθηνά", "Μαυρίδου")],
    "thai": [("สมชาย", "ใจดี"), ("วิไลวรรณ", "ศรีสุข"), ("ประเสริฐ", "วงศ์ทอง"), ("มาลี", "แก้วประเสริฐ")],
    "devanagari": [("राजेश", "कुमार"), ("सुनीता", "शर्मा"), ("अमित", "वर्मा"), ("प्रिया", "देशपांडे")],
    "hangul": [("민준", "김"), ("서연", "이"), ("지훈", "박"), ("수아", "최"), ("도윤", "정")],
}
MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
HOSPITALS = ["St. Brendan's Infirmary", "Klinikum Nordheide", "Hopital Saint-Aubin", "Riverside Women's Clinic",
             "Ospedale San Gerardo", "Fjordvik Sjukehus", "Mercy Valley Imaging", "Centro Medico Alcantara"]
DOCTORS = ["Dr. H. Okonkwo", "Dr A. Lindgren", "Prof. M. Ferreira", "Dr. S. Weißenborn", "Dr R. Talvitie"]


def name_text(r: random.Random, script: str, first: str, last: str) -> str:
    if script == "hangul":
        return r.choice([f"{last}{first}", f"{last} {first}", f"{last}{first} (KIM^{r.choice(['MJ', 'SY', 'JH'])})"])
    if script in ("thai", "devanagari"):
        return f"{first} {last}"
    forms = [f"{last.upper()}^{first.upper()}", f"{last}, {first}", f"{first} {last}", f"{last.upper()} {first}",
             f"{last} {first[0]}.", f"{last.upper()}, {first.upper()[0]}"]
    return r.choice(forms)


def date_text(r: random.Random, y: int, m: int, d: int) -> str:
    forms = [f"{d:02d}.{m:02d}.{y}", f"{y}-{m:02d}-{d:02d}", f"{m:02d}/{d:02d}/{y % 100:02d}",
             f"{d:02d}-{MONTHS[m - 1]}-{y}", f"{y}{m:02d}{d:02d}", f"{d} {MONTHS[m - 1].title()} {y}",
             f"{y}/{m:02d}/{d:02d}", f"{d:02d}/{m:02d}/{y}", f"{y}.{m}.{d}"]
    return r.choice(forms)


def id_text(r: random.Random) -> str:
    n = r.randrange(10**8)
    forms = [f"MRN {n:09d}", f"ID:{r.choice('ABKRZ')}{r.choice('BXQ')}-{n % 10**6:06d}", f"PID {n % 10**4:04d}-{n // 10**4:04d}",
             f"Acc# RX{n:08d}", f"{n % 1000:03d} {n // 1000 % 1000:03d} {n // 10**6:04d}", f"Pat.-Nr. {n}",
             f"#{n:08d}", f"Case S{n % 100:02d}-{n // 100 % 100000:05d}"]
    return r.choice(forms)


@dataclass
class Person:
    script: str
    name: str
    other_name: str
    birth: str
    ident: str
    study_date: str
    time: str
    hospital: str
    doctor: str


def person(r: random.Random, scripts: list[str] | None = None) -> Person:
    script = r.choice(scripts or ["latin", "latin", "cyrillic", "greek", "thai", "devanagari", "hangul"])
    first, last = r.choice(NAMES[script])
    other_first, other_last = r.choice(NAMES["latin"])
    y, m, d = r.randrange(1931, 2019), r.randrange(1, 13), r.randrange(1, 29)
    sy, sm, sd = r.randrange(2019, 2027), r.randrange(1, 13), r.randrange(1, 29)
    time = r.choice([f"{r.randrange(24):02d}:{r.randrange(60):02d}:{r.randrange(60):02d}",
                     f"{r.randrange(1, 13)}:{r.randrange(60):02d} {r.choice(['AM', 'PM'])}",
                     f"{r.randrange(24):02d}h{r.randrange(60):02d}"])
    return Person(script, name_text(r, script, first, last), f"{other_last.upper()}^{other_first.upper()}",
                  date_text(r, y, m, d), id_text(r), date_text(r, sy, sm, sd), time,
                  r.choice(HOSPITALS), r.choice(DOCTORS))


# ---------------------------------------------------------------- drawing with ground truth


@dataclass
class Line:
    """One drawn line of text: its frame, tight box (y0, x0, y1, x1), ink mask of the box."""

    frame: int
    box: tuple[int, int, int, int]
    ink: np.ndarray
    text: str
    identifier: bool
    style: str = "plain"

    def tokens(self) -> list[str]:
        words = "".join(c if c.isalnum() else " " for c in self.text).upper().split()
        return [w for w in words if len(w) >= 3]


def smooth(a: np.ndarray, r: int) -> np.ndarray:
    """Box blur of radius r, twice (close to a Gaussian), on the two image axes."""
    if r < 1:
        return a
    out = a.astype(np.float64)
    for _ in range(2):
        for axis in (0, 1):
            pad = [(0, 0)] * out.ndim
            pad[axis] = (r + 1, r)
            c = np.cumsum(np.pad(out, pad, mode="edge"), axis=axis)
            hi = np.take(c, np.arange(2 * r + 1, c.shape[axis]), axis=axis)
            lo = np.take(c, np.arange(0, c.shape[axis] - 2 * r - 1), axis=axis)
            out = (hi - lo) / (2 * r + 1)
    return out


def dilate(a: np.ndarray, r: int) -> np.ndarray:
    out = a.copy()
    h, w = a.shape
    for dy in range(-r, r + 1):
        for dx in range(-r, r + 1):
            shifted = np.zeros_like(a)
            shifted[max(dy, 0):h + min(dy, 0), max(dx, 0):w + min(dx, 0)] = a[max(-dy, 0):h - max(dy, 0), max(-dx, 0):w - max(dx, 0)]
            out = np.maximum(out, shifted)
    return out


def glyphs(text: str, font: str, size: int) -> np.ndarray:
    """Anti-aliased coverage (0..1) of a text, tightly cropped."""
    f = _font(font, size)
    x0, y0, x1, y1 = f.getbbox(text)
    im = Image.new("L", (x1 - x0 + 4, y1 - y0 + 4))
    ImageDraw.Draw(im).text((2 - x0, 2 - y0), text, font=f, fill=255)
    return _crop(np.asarray(im, dtype=np.float64) / 255.0)


def _crop(alpha: np.ndarray) -> np.ndarray:
    ys, xs = np.nonzero(alpha > 0.02)
    if not len(ys):
        return alpha[:1, :1] * 0
    return alpha[ys.min():ys.max() + 1, xs.min():xs.max() + 1]


def dot_matrix(text: str, pitch: int) -> np.ndarray:
    """Impact-printer text: a 1-bit 8 px monospace rendering, each pixel printed as a round dot."""
    f = _font("lib_mono", 9)
    x0, y0, x1, y1 = f.getbbox(text)
    im = Image.new("1", (x1 - x0 + 2, y1 - y0 + 2))
    draw = ImageDraw.Draw(im)
    draw.fontmode = "1"
    draw.text((1 - x0, 1 - y0), text, font=f, fill=1)
    bits = np.asarray(im, dtype=bool)
    h, w = bits.shape
    out = Image.new("L", (w * pitch + pitch, h * pitch + pitch))
    d = ImageDraw.Draw(out)
    rad = max(pitch * 0.45, 0.8)
    for y, x in zip(*np.nonzero(bits)):
        cx, cy = x * pitch + pitch, y * pitch + pitch
        d.ellipse((cx - rad, cy - rad, cx + rad, cy + rad), fill=235)
    return _crop(np.asarray(out, dtype=np.float64) / 255.0)


_SEGMENTS = {"0": "abcdef", "1": "bc", "2": "abged", "3": "abgcd", "4": "fgbc", "5": "afgcd", "6": "afgedc",
             "7": "abc", "8": "abcdefg", "9": "abcdfg", "-": "g", "A": "abcefg", "E": "adefg", "F": "aefg",
             "H": "bcefg", "P": "abefg", "L": "def", "U": "bcdef", "C": "adef", "b": "cdefg", "d": "bcdeg"}


def seven_segment(text: str, height: int) -> np.ndarray:
    """LED-style characters: bars for digits and a few letters, dots for ':' and '.'."""
    w, t = max(height // 2, 4), max(height // 8, 1)
    width = sum(w + 3 * t if ch not in ":. " else 3 * t for ch in text) + 2
    im = Image.new("L", (width + 2, height + 2))
    d = ImageDraw.Draw(im)
    x = 1
    half = height // 2
    for ch in text:
        if ch in ":.":
            ys = [half - 2 * t, half + 2 * t] if ch == ":" else [height - t]
            for y in ys:
                d.rectangle((x, y, x + t, y + t), fill=255)
            x += 3 * t
            continue
        if ch == " ":
            x += 3 * t
            continue
        bars = {"a": (x + t, 0, x + w - t, t), "b": (x + w - t, t, x + w, half), "c": (x + w - t, half, x + w, height - t),
                "d": (x + t, height - t, x + w - t, height), "e": (x, half, x + t, height - t), "f": (x, t, x + t, half),
                "g": (x + t, half - t // 2, x + w - t, half + (t + 1) // 2)}
        for s in _SEGMENTS.get(ch, ""):
            d.rectangle(bars[s], fill=255)
        x += w + 3 * t
    return _crop(np.asarray(im, dtype=np.float64) / 255.0)


def rotate(alpha: np.ndarray, angle: float) -> np.ndarray:
    if angle % 360 == 90:
        return np.rot90(alpha).copy()
    if angle % 360 == 270:
        return np.rot90(alpha, 3).copy()
    im = Image.fromarray((alpha * 255).astype(np.uint8)).rotate(angle, resample=Image.Resampling.BICUBIC, expand=True)
    return _crop(np.asarray(im, dtype=np.float64) / 255.0)


Colour = float | tuple[float, float, float]
INK = 0.3  # coverage from which a pixel counts as text ink


@dataclass
class Canvas:
    """Frames (floats 0..1, H x W or H x W x 3) and the lines drawn on them."""

    frames: list[np.ndarray]
    lines: list[Line] = field(default_factory=list)
    draw: bool = True  # False: the same image without its text (for the generator's own tests)

    @property
    def shape(self) -> tuple[int, int]:
        return self.frames[0].shape[0], self.frames[0].shape[1]

    def _place(self, alpha: np.ndarray, y: int, x: int) -> np.ndarray:
        h, w = self.shape
        full = np.zeros((h, w))
        ah, aw = alpha.shape
        ys, xs = max(y, 0), max(x, 0)
        ye, xe = min(y + ah, h), min(x + aw, w)
        if ye > ys and xe > xs:
            full[ys:ye, xs:xe] = alpha[ys - y:ye - y, xs - x:xe - x]
        return full

    def local(self, frame: int, alpha: np.ndarray, y: int, x: int) -> np.ndarray:
        h, w = self.shape
        region = self.frames[frame][max(y, 0):max(min(y + alpha.shape[0], h), max(y, 0) + 1),
                                    max(x, 0):max(min(x + alpha.shape[1], w), max(x, 0) + 1)]
        return np.asarray(region.reshape(-1, *self.frames[frame].shape[2:]).mean(axis=0))

    def _blend(self, frame: int, a: np.ndarray, colour: Colour | np.ndarray) -> None:
        img = self.frames[frame]
        col = np.asarray(colour, dtype=np.float64)
        if img.ndim == 3:
            self.frames[frame] = img * (1 - a[..., None]) + col.reshape(1, 1, -1) * a[..., None]
        else:
            self.frames[frame] = img * (1 - a) + float(col.mean()) * a

    def put(self, alpha: np.ndarray, y: int, x: int, colour: Colour | None, text: str, identifier: bool, *,
            frame: int = 0, contrast: float = 0.0, shadow: Colour | None = None, outline: Colour | None = None,
            box: Colour | None = None, style: str = "plain") -> Line | None:
        """Draw ``alpha`` with its top left at (y, x); ``contrast`` picks a colour that far from the
        local background instead of ``colour``.  Records the tight box of the ink."""
        a = self._place(alpha, y, x)
        if not (a >= INK).any() or not self.draw:
            return None
        if colour is None:
            bg = self.local(frame, alpha, y, x)
            colour = tuple(np.clip(np.where(bg + contrast <= 1, bg + contrast, bg - contrast), 0, 1)) \
                if bg.ndim else float(bg + contrast if bg + contrast <= 1 else bg - contrast)
        ink = a >= INK
        if box is not None:
            ys, xs = np.nonzero(ink)
            region = np.zeros_like(a)
            region[max(ys.min() - 2, 0):ys.max() + 3, max(xs.min() - 3, 0):xs.max() + 4] = 1
            self._blend(frame, region, box)
        if outline is not None:
            halo = dilate(a, 1)
            self._blend(frame, halo, outline)
            ink |= halo >= INK
        if shadow is not None:
            sh = self._place(alpha, y + 2, x + 2)
            self._blend(frame, sh, shadow)
            ink |= sh >= INK
        self._blend(frame, a, colour)
        ys, xs = np.nonzero(ink)
        y0, x0, y1, x1 = int(ys.min()), int(xs.min()), int(ys.max()) + 1, int(xs.max()) + 1
        line = Line(frame, (y0, x0, y1, x1), ink[y0:y1, x0:x1].copy(), text, identifier, style)
        self.lines.append(line)
        return line

    def text(self, text: str, font: str, size: int, y: int, x: int, colour: Colour | None, identifier: bool,
             angle: float = 0, **kw) -> Line | None:
        alpha = glyphs(text, font, size)
        if angle:
            alpha = rotate(alpha, angle)
        return self.put(alpha, y, x, colour, text, identifier, **kw)


# ---------------------------------------------------------------- base images


@lru_cache(maxsize=16)
def real(name: str) -> np.ndarray:
    """First frame of a pydicom test file, scaled to 0..1 by its 0.5 and 99.5 percentiles."""
    ds = pydicom.dcmread(get_testdata_file(name))
    a = ds.pixel_array.astype(np.float64)
    if a.ndim == 3:
        a = a[0]
    lo, hi = np.percentile(a, [0.5, 99.5])
    return np.clip((a - lo) / max(hi - lo, 1e-9), 0, 1)


def resized(a: np.ndarray, h: int, w: int) -> np.ndarray:
    im = Image.fromarray(a.astype(np.float32), mode="F").resize((w, h), Image.Resampling.BILINEAR)
    return np.clip(np.asarray(im, dtype=np.float64), 0, 1)


REAL_CT = ["693_J2KI.dcm", "J2K_pixelrep_mismatch.dcm", "CT_small.dcm"]
REAL_MR = ["examples_overlay.dcm", "MR_small.dcm"]
REAL_NM = ["JPEG2000.dcm", "JPGExtended.dcm"]


def noise_field(g: np.random.Generator, h: int, w: int, r: int) -> np.ndarray:
    f = smooth(g.normal(size=(h, w)), r)
    return (f - f.min()) / max(np.ptp(f), 1e-9)


def sector(g: np.random.Generator, h: int, w: int) -> np.ndarray:
    yy, xx = np.mgrid[0:h, 0:w]
    ay, ax = h * 0.06, w / 2
    rad = np.hypot(yy - ay, xx - ax)
    ang = np.degrees(np.arctan2(xx - ax, yy - ay))
    fan = (np.abs(ang) < 36) & (rad > h * 0.08) & (rad < h * 0.92)
    speckle = smooth(g.rayleigh(size=(h, w)), 1) * (0.25 + 0.6 * noise_field(g, h, w, 12))
    cy, cx = g.uniform(0.45, 0.7) * h, g.uniform(0.4, 0.6) * w
    cyst = np.hypot((yy - cy) / (0.09 * h), (xx - cx) / (0.14 * w)) < 1
    img = np.clip(speckle * 0.45, 0, 1) * fan
    img[cyst & fan] *= 0.15
    return img


def vessels(g: np.random.Generator, h: int, w: int) -> np.ndarray:
    im = Image.new("L", (w, h), 0)
    d = ImageDraw.Draw(im)
    for _ in range(5):
        y, x, ang, width = g.uniform(0, h * 0.2), g.uniform(w * 0.2, w * 0.8), g.uniform(1.2, 1.9), 7.0
        for _ in range(60):
            ny, nx = y + 6 * np.sin(ang), x + 6 * np.cos(ang)
            d.line((x, y, nx, ny), fill=200, width=max(int(width), 1))
            y, x, ang, width = ny, nx, ang + g.normal(0, 0.25), max(width * 0.985, 1.5)
    v = smooth(np.asarray(im, dtype=np.float64) / 255, 1)
    yy, xx = np.mgrid[0:h, 0:w]
    field_ = np.hypot(yy - h / 2, xx - w / 2) < 0.48 * min(h, w)
    return np.clip((0.62 + 0.15 * noise_field(g, h, w, 20) - 0.45 * v + g.normal(0, 0.02, (h, w))) * field_ + 0.04, 0, 1)


def chest(g: np.random.Generator, h: int, w: int) -> np.ndarray:
    im = Image.new("L", (w, h), 20)
    d = ImageDraw.Draw(im)
    d.ellipse((w * 0.08, h * 0.05, w * 0.92, h * 1.1), fill=140)
    d.ellipse((w * 0.16, h * 0.15, w * 0.47, h * 0.85), fill=60)
    d.ellipse((w * 0.53, h * 0.15, w * 0.84, h * 0.85), fill=60)
    d.ellipse((w * 0.42, h * 0.35, w * 0.62, h * 0.8), fill=175)
    for k in range(8):
        yk = h * (0.18 + 0.08 * k)
        d.arc((w * 0.15, yk, w * 0.5, yk + h * 0.12), 180, 330, fill=150, width=3)
        d.arc((w * 0.5, yk, w * 0.85, yk + h * 0.12), 210, 360, fill=150, width=3)
    a = smooth(np.asarray(im, dtype=np.float64) / 255, 3)
    return np.clip(a + 0.05 * noise_field(g, h, w, 6) + g.normal(0, 0.01, (h, w)), 0, 1)


def jaw(g: np.random.Generator, h: int, w: int) -> np.ndarray:
    im = Image.new("L", (w, h), 40)
    d = ImageDraw.Draw(im)
    d.ellipse((w * 0.05, h * 0.1, w * 0.95, h * 1.05), fill=95)
    d.ellipse((w * 0.2, h * 0.2, w * 0.8, h * 0.85), fill=70)
    for k in range(16):
        x = w * (0.18 + 0.04 * k)
        bend = 0.06 * h * ((k - 7.5) / 7.5) ** 2
        d.rounded_rectangle((x, h * 0.25 - bend, x + w * 0.032, h * 0.47 - bend), radius=4, fill=215)
        d.rounded_rectangle((x, h * 0.53 + bend, x + w * 0.032, h * 0.76 + bend), radius=4, fill=205)
    d.rectangle((0, 0, w * 0.07, h), fill=120)
    d.rectangle((w * 0.93, 0, w, h), fill=120)
    a = smooth(np.asarray(im, dtype=np.float64) / 255, 2)
    return np.clip(a + 0.06 * noise_field(g, h, w, 3) + g.normal(0, 0.015, (h, w)), 0, 1)


def fundus(g: np.random.Generator, h: int, w: int) -> np.ndarray:
    yy, xx = np.mgrid[0:h, 0:w]
    r = np.hypot(yy - h / 2, xx - w / 2) / (0.47 * min(h, w))
    base = np.clip(1.05 - 0.5 * r**2, 0, 1) * (r < 1)
    img = np.stack([0.78 * base, 0.36 * base, 0.14 * base], axis=-1)
    dy, dx = h * 0.5, w * g.uniform(0.3, 0.38)
    disc = np.hypot(yy - dy, xx - dx) < 0.08 * min(h, w)
    img[disc] = (0.98, 0.88, 0.55)
    im = Image.new("L", (w, h))
    d = ImageDraw.Draw(im)
    for _ in range(7):
        y, x, ang, width = dy, dx, g.uniform(0, 2 * np.pi), 5.0
        for _ in range(40):
            ny, nx = y + 7 * np.sin(ang), x + 7 * np.cos(ang)
            d.line((x, y, nx, ny), fill=255, width=max(int(width), 1))
            y, x, ang, width = ny, nx, ang + g.normal(0, 0.15), max(width * 0.96, 1.2)
    v = smooth(np.asarray(im, dtype=np.float64) / 255, 1)[..., None] * (r < 1)[..., None]
    img = img * (1 - 0.55 * v) + np.array([0.45, 0.05, 0.05]) * 0.55 * v
    return np.clip(img + g.normal(0, 0.01, img.shape), 0, 1)


def he_tile(g: np.random.Generator, h: int, w: int) -> np.ndarray:
    n = noise_field(g, h, w, 10)[..., None]
    img = np.array([0.92, 0.7, 0.82]) * (0.85 + 0.15 * n)
    im = Image.new("L", (w, h))
    d = ImageDraw.Draw(im)
    for _ in range(h * w // 220):
        y, x, a, b = g.uniform(0, h), g.uniform(0, w), g.uniform(2, 5), g.uniform(2, 4)
        d.ellipse((x - a, y - b, x + a, y + b), fill=int(g.uniform(150, 255)))
    lum = Image.new("L", (w, h))
    dl = ImageDraw.Draw(lum)
    for _ in range(6):
        y, x, a = g.uniform(0, h), g.uniform(0, w), g.uniform(10, 30)
        dl.ellipse((x - a, y - a * 0.7, x + a, y + a * 0.7), fill=255)
    nuc = smooth(np.asarray(im, dtype=np.float64) / 255, 1)[..., None]
    white = smooth(np.asarray(lum, dtype=np.float64) / 255, 2)[..., None]
    img = img * (1 - nuc) + np.array([0.32, 0.18, 0.52]) * nuc
    img = img * (1 - white) + np.array([0.97, 0.95, 0.97]) * white
    return np.clip(img + g.normal(0, 0.015, img.shape), 0, 1)


def hot(v: np.ndarray) -> np.ndarray:
    return np.stack([np.clip(3 * v, 0, 1), np.clip(3 * v - 1, 0, 1), np.clip(3 * v - 2, 0, 1)], axis=-1)


# ---------------------------------------------------------------- text-like marks without letters


def decorate(c: Canvas, r: random.Random, g: np.random.Generator, kinds: list[str] | None = None) -> None:
    """Rulers, calipers, grids, ECG traces, lead markers and scale bars: no letters, no digits."""
    h, w = c.shape
    im = Image.new("L", (w, h))
    d = ImageDraw.Draw(im)
    for kind in kinds or r.sample(["ruler", "calipers", "grid", "ecg", "markers", "scale"], r.randrange(2, 4)):
        if kind == "ruler":
            x = r.choice([3, w - 12])
            d.line((x + 4, h * 0.1, x + 4, h * 0.9), fill=255)
            for k, y in enumerate(range(int(h * 0.1), int(h * 0.9), r.choice([5, 8, 10]))):
                d.line((x + (0 if k % 5 == 0 else 2), y, x + 4, y), fill=255)
        elif kind == "calipers":
            for _ in range(r.randrange(1, 3)):
                (y0, x0), (y1, x1) = [(r.uniform(0.25, 0.75) * h, r.uniform(0.25, 0.75) * w) for _ in range(2)]
                for yy, xx in ((y0, x0), (y1, x1)):
                    d.line((xx - 4, yy, xx + 4, yy), fill=255)
                    d.line((xx, yy - 4, xx, yy + 4), fill=255)
                n = int(np.hypot(y1 - y0, x1 - x0) / 4)
                for k in range(1, n, 2):
                    t = k / n
                    d.point((x0 + t * (x1 - x0), y0 + t * (y1 - y0)), fill=255)
        elif kind == "grid":
            step = r.choice([8, 10, 16])
            y0 = int(h * r.uniform(0.6, 0.75))
            for y in range(y0, h, step):
                d.line((0, y, w, y), fill=110)
            for x in range(0, w, step):
                d.line((x, y0, x, h), fill=110)
        elif kind == "ecg":
            base, pts = h * r.uniform(0.82, 0.92), []
            for x in range(0, w, 2):
                phase = (x % 60) / 60
                spike = -22 if 0.30 < phase < 0.33 else (10 if 0.33 < phase < 0.36 else 0)
                wave = -5 * np.exp(-((phase - 0.6) ** 2) / 0.004)
                pts.append((x, base + spike + wave + g.normal(0, 0.5)))
            d.line(pts, fill=255, width=1)
        elif kind == "markers":
            for _ in range(r.randrange(2, 6)):
                y, x, s = r.uniform(0.05, 0.95) * h, r.uniform(0.05, 0.95) * w, r.randrange(3, 7)
                shape = r.choice(["square", "circle", "triangle"])
                if shape == "square":
                    d.rectangle((x, y, x + s, y + s), fill=255)
                elif shape == "circle":
                    d.ellipse((x, y, x + s, y + s), fill=255)
                else:
                    d.polygon([(x, y + s), (x + s, y + s), (x + s / 2, y)], fill=255)
        else:
            y, x0, length = h - r.randrange(8, 20), w * r.uniform(0.55, 0.7), w * 0.2
            d.line((x0, y, x0 + length, y), fill=255, width=2)
            for k in range(6):
                xk = x0 + k * length / 5
                d.line((xk, y - (5 if k in (0, 5) else 3), xk, y), fill=255)
    alpha = np.asarray(im, dtype=np.float64) / 255
    colour: Colour = (0.9, 0.9, 0.3) if c.frames[0].ndim == 3 else 0.92
    for f in range(len(c.frames)):
        c._blend(f, alpha, colour)


# ---------------------------------------------------------------- scenes


@dataclass
class Spec:
    modality: str
    sop: str
    colour: bool = False
    bits: int = 8
    signed: bool = False
    mono1: bool = False
    encodings: list[str] = field(default_factory=lambda: ["explicit"])


SOP = {"CT": "1.2.840.10008.5.1.4.1.1.2", "MR": "1.2.840.10008.5.1.4.1.1.4", "SC": "1.2.840.10008.5.1.4.1.1.7",
       "XA": "1.2.840.10008.5.1.4.1.1.12.1", "RF": "1.2.840.10008.5.1.4.1.1.12.2", "US": "1.2.840.10008.5.1.4.1.1.6.1",
       "USMF": "1.2.840.10008.5.1.4.1.1.3.1", "DX": "1.2.840.10008.5.1.4.1.1.1.1", "NM": "1.2.840.10008.5.1.4.1.1.20",
       "OP": "1.2.840.10008.5.1.4.1.1.77.1.5.1", "SM": "1.2.840.10008.5.1.4.1.1.77.1.6",
       "PX": "1.2.840.10008.5.1.4.1.1.1.1", "SCMF": "1.2.840.10008.5.1.4.1.1.7.4"}


def name_font(r: random.Random, p: Person) -> str:
    return r.choice(SCRIPT_FONTS[p.script])


def block(c: Canvas, entries: list[tuple[str, bool, str]], y: int, x: int, size: int, colour: Colour | None,
          *, right: bool = False, step: float = 1.3, **kw) -> int:
    """Lines one under another, left aligned at x or right aligned x from the right edge."""
    for text, ident, font in entries:
        alpha = glyphs(text, font, size)
        xx = c.shape[1] - x - alpha.shape[1] if right else x
        c.put(alpha, y, xx, colour, text, ident, **kw)
        y += int(size * step) + 1
    return y


Scene = Callable[[random.Random, np.random.Generator, bool, bool], tuple[Canvas, Spec, Person]]


def scene_ct(r: random.Random, g: np.random.Generator, control: bool, text: bool = True) -> tuple[Canvas, Spec, Person]:
    """CT: corner text in small condensed fonts, some at low contrast, a date cut by the right edge,
    a technologist's note in italics over the body."""
    n = r.choice([256, 384, 512])
    c = Canvas([resized(real(r.choice(REAL_CT)), n, n)], draw=text)
    p = person(r)
    signed = r.random() < 0.5
    spec = Spec("CT", SOP["CT"], bits=16 if signed else r.choice([12, 16]), signed=signed,
                encodings=["explicit", "implicit", "rle", "j2k", "deflated"] + ([] if signed else ["jls"]))
    if control:
        decorate(c, r, g, ["ruler", "scale", "markers"])
        return c, spec, p
    size = r.choice([7, 8, 9, 10, 12])
    font = r.choice(["condensed", "narrow", "lib_mono", "sans", "condensed_bold_oblique"])
    contrast = r.choice([0.08, 0.12, 0.2, 0.7])
    y = block(c, [(p.name, True, name_font(r, p)), (p.ident, True, font), (f"DOB {p.birth}", True, font)],
              r.randrange(1, 6), r.randrange(1, 8), size, None, contrast=contrast)
    block(c, [(p.hospital, True, font), (f"{p.study_date} {p.time}", True, font)], r.randrange(1, 6),
          -r.randrange(0, 2 * size), size, None, right=True, contrast=contrast)
    block(c, [("120 kV 245 mAs", False, font), ("W 400 L 40", False, font), (f"Se {r.randrange(1, 9)} Im {r.randrange(1, 300)}", False, font)],
          n - 4 * size - 6, 4, size, None, contrast=contrast)
    note = r.choice([f"re-scan {p.name}", f"pt {p.name} moved", p.name])
    font_note = name_font(r, p) if p.script not in ("latin", "cyrillic", "greek") else r.choice(["serif_italic", "narrow_italic", "lib_sans_italic"])
    c.text(note, font_note, r.choice([11, 14, 18]), int(n * r.uniform(0.35, 0.6)), int(n * r.uniform(0.2, 0.45)),
           None, True, contrast=r.choice([0.06, 0.1, 0.18]))
    del y
    return c, spec, p


def scene_mr(r: random.Random, g: np.random.Generator, control: bool, text: bool = True) -> tuple[Canvas, Spec, Person]:
    """MR (MONOCHROME1 or 2): italic and serif lines at odd positions, outlined text."""
    h, w = r.choice([(256, 256), (300, 484), (320, 320), (240, 384)])
    c = Canvas([resized(real(r.choice(REAL_MR)), h, w)], draw=text)
    p = person(r, ["latin", "cyrillic", "greek", "greek", "cyrillic"])
    spec = Spec("MR", SOP["MR"], bits=r.choice([12, 16]), mono1=r.random() < 0.5,
                encodings=["jls", "jls_near", "rle", "explicit", "j2k"])
    if control:
        decorate(c, r, g, ["calipers", "markers", "scale"])
        return c, spec, p
    font = r.choice(["serif_italic", "noto_serif_italic", "lib_serif_bold_italic", "narrow_italic"])
    outline = 0.0 if r.random() < 0.5 else None
    spots = [(r.uniform(0.02, 0.3), r.uniform(0.45, 0.7)), (r.uniform(0.6, 0.9), r.uniform(0.02, 0.2)),
             (r.uniform(0.4, 0.55), r.uniform(0.6, 0.75)), (r.uniform(0.85, 0.93), r.uniform(0.5, 0.7))]
    texts = [(p.name, True), (f"*{p.birth}", True), (p.ident, True), (f"TR {r.randrange(400, 9000)} TE {r.randrange(9, 140)}", False)]
    for (fy, fx), (text, ident) in zip(spots, texts):
        c.text(text, font, r.choice([9, 11, 13, 16]), int(h * fy), int(w * fx), r.choice([1.0, 0.85, None]), ident,
               outline=outline, contrast=0.15)
    c.text(p.doctor, r.choice(EUROPEAN), 8, h - 11, r.randrange(2, 40), 0.9, True)
    return c, spec, p


def scene_xa(r: random.Random, g: np.random.Generator, control: bool, text: bool = True) -> tuple[Canvas, Spec, Person]:
    """XA cine: a seven-segment frame counter on every frame, the patient only on some frames."""
    n, frames = 256, r.randrange(5, 9)
    base = vessels(g, n, n)
    c = Canvas([np.roll(base, (k, k // 2), axis=(0, 1)) for k in range(frames)], draw=text)
    p = person(r)
    spec = Spec("XA", SOP["XA"], bits=8, encodings=["jpeg", "jls", "rle", "explicit"])
    if control:
        decorate(c, r, g, ["scale", "markers"])
        return c, spec, p
    named = sorted(r.sample(range(frames), r.randrange(1, 3)))
    tech = f"LAO {r.randrange(0, 60)} CRA {r.randrange(0, 40)}"
    font = r.choice(MONO + ["condensed"])
    for f in range(frames):
        counter = f"{f + 1:02d}-{frames:02d}"
        c.put(seven_segment(counter, r.choice([10, 14])), 4, n - 60, 0.95, counter, False, frame=f, style="segment")
        c.text(tech, font, 9, n - 14, 4, 0.95, False, frame=f)
        if f in named:
            block(c, [(p.name, True, name_font(r, p)), (p.ident, True, font)], 3, 3, 10, 0.97, frame=f)
    return c, spec, p


def scene_rf(r: random.Random, g: np.random.Generator, control: bool, text: bool = True) -> tuple[Canvas, Spec, Person]:
    """RF: LED timer and dose, the name in an inverted box, the ID vertical on the left edge."""
    n, frames = 320, r.randrange(1, 4)
    yy, xx = np.mgrid[0:n, 0:n]
    circle = np.hypot(yy - n / 2, xx - n / 2) < 0.47 * n
    c = Canvas([chest(g, n, n) * circle * 0.9 + 0.03 for _ in range(frames)], draw=text)
    p = person(r)
    spec = Spec("RF", SOP["RF"], bits=r.choice([10, 12]), encodings=["explicit", "rle", "j2k", "jls"])
    if control:
        decorate(c, r, g, ["ruler", "markers"])
        return c, spec, p
    timer = f"{r.randrange(10):02d}:{r.randrange(60):02d}.{r.randrange(10)}"
    dose = f"{r.randrange(1, 99)}.{r.randrange(10)}"
    for f in range(frames):
        c.put(seven_segment(timer, 12), n - 18, n - 70, 0.9, timer, False, frame=f, style="segment")
        c.put(seven_segment(dose, 12), n - 18, 6, 0.9, dose, False, frame=f, style="segment")
        c.text(p.name, name_font(r, p), r.choice([9, 11]), 5, r.randrange(40, 120), 0.05, True, frame=f, box=0.92, style="inverted")
        c.text(p.ident, r.choice(EUROPEAN), 10, r.randrange(60, 120), 0, 0.95, True, angle=90, frame=f, style="vertical")
        c.text(p.study_date, r.choice(EUROPEAN), 10, r.randrange(60, 140), n - 9, 0.95, True, angle=270, frame=f, style="vertical")
    return c, spec, p


def scene_petct(r: random.Random, g: np.random.Generator, control: bool, text: bool = True) -> tuple[Canvas, Spec, Person]:
    """Fused PET/CT screen: hot colour map over grey CT, a colour bar, shadowed yellow text."""
    n = r.choice([256, 320])
    ct = resized(real(r.choice(REAL_CT)), n, n)
    blobs = np.zeros((n, n))
    yy, xx = np.mgrid[0:n, 0:n]
    for _ in range(r.randrange(2, 6)):
        cy, cx, s = g.uniform(0.3, 0.7) * n, g.uniform(0.3, 0.7) * n, g.uniform(4, 14)
        blobs += g.uniform(0.4, 1) * np.exp(-((yy - cy) ** 2 + (xx - cx) ** 2) / (2 * s * s))
    blobs = np.clip(blobs, 0, 1)[..., None]
    img = np.stack([ct] * 3, axis=-1) * (1 - 0.8 * blobs) + hot(blobs[..., 0]) * 0.8 * blobs
    bar = hot(np.linspace(1, 0, n // 2))[:, None, :]
    img[n // 4:n // 4 + n // 2, n - 14:n - 4] = bar
    c = Canvas([img], draw=text)
    p = person(r, ["latin", "cyrillic", "greek", "hangul"])
    spec = Spec("PT", SOP["SC"], colour=True, encodings=["jpeg", "rle", "explicit", "j2k"])
    if control:
        decorate(c, r, g, ["ruler", "scale"])
        return c, spec, p
    yellow = (1.0, 0.95, 0.25) if r.random() < 0.6 else (1.0, 1.0, 1.0)
    shadow = (0.0, 0.0, 0.0)
    font = r.choice(EUROPEAN)
    block(c, [(p.name, True, name_font(r, p)), (p.birth, True, font), (p.study_date, True, font)], r.randrange(2, 8), 4,
          r.choice([9, 11, 13]), yellow, shadow=shadow)
    c.text(f"SUVmax {r.uniform(2, 15):.1f}", font, 10, n - 16, 4, yellow, False, shadow=shadow)
    return c, spec, p


def scene_us(r: random.Random, g: np.random.Generator, control: bool, text: bool = True) -> tuple[Canvas, Spec, Person]:
    """Ultrasound: sector, calipers with measurements over the speckle, the patient on top."""
    h, w = r.choice([(300, 400), (240, 320), (360, 480)])
    grey = sector(g, h, w)
    colour = r.random() < 0.6
    c = Canvas([np.stack([grey] * 3, axis=-1) if colour else grey], draw=text)
    p = person(r, ["latin", "thai", "devanagari", "thai", "devanagari", "hangul"])
    spec = Spec("US", SOP["US"], colour=colour, encodings=["jpeg", "rle", "explicit"] + ([] if colour else ["jls"]))
    decorate(c, r, g, ["calipers"])
    if control:
        decorate(c, r, g, ["ruler", "scale"])
        return c, spec, p
    green: Colour = (0.3, 1.0, 0.4) if colour else 0.9
    white: Colour = (0.95, 0.95, 0.95) if colour else 0.95
    font = r.choice(EUROPEAN)
    c.text(p.name, name_font(r, p), r.choice([10, 12, 14]), 3, 4, white, True)
    block(c, [(p.hospital, True, font), (f"{p.study_date} {p.time}", True, font)], 3, 4, 9, white, right=True)
    c.text(p.ident, font, 9, 24, 4, white, True)
    for k in range(r.randrange(1, 3)):
        text = f"D{k + 1} {r.uniform(0.3, 9):.2f} cm"
        c.text(text, font, r.choice([8, 10]), int(h * r.uniform(0.5, 0.8)), int(w * r.uniform(0.35, 0.6)), green, False)
    c.text(f"C5-1 {r.choice(['3.5', '5.0', '2.5'])}MHz", font, 8, h - 12, 4, white, False)
    return c, spec, p


def scene_us_cine(r: random.Random, g: np.random.Generator, control: bool, text: bool = True) -> tuple[Canvas, Spec, Person]:
    """Ultrasound cine: the depth on every frame, the typed name on a few frames only."""
    h, w, frames = 200, 264, r.randrange(4, 8)
    c = Canvas([sector(g, h, w) for _ in range(frames)], draw=text)
    p = person(r)
    spec = Spec("US", SOP["USMF"], encodings=["jpeg", "jls", "rle", "explicit"])
    if control:
        decorate(c, r, g, ["ruler", "markers"])
        return c, spec, p
    named = set(r.sample(range(frames), r.randrange(1, frames)))
    font = r.choice(EUROPEAN)
    y, x = int(h * r.uniform(0.55, 0.8)), int(w * r.uniform(0.2, 0.5))
    for f in range(frames):
        c.text(f"{r.choice([12, 14, 16])} cm", font, 8, h - 11, w - 40, 0.9, False, frame=f)
        if f in named:
            c.text(p.name, name_font(r, p), r.choice([10, 12]), y, x, 0.95, True, frame=f)
            c.text(p.birth, font, 9, y + 16, x, 0.95, True, frame=f)
    return c, spec, p


def scene_screenshot(r: random.Random, g: np.random.Generator, control: bool, text: bool = True) -> tuple[Canvas, Spec, Person]:
    """Viewer screenshot: title bar, menu, worklist with a highlighted row, viewport, status bar."""
    h, w = 360, 480
    img = np.ones((h, w, 3)) * np.array([0.13, 0.13, 0.15])
    img[:18] = (0.18, 0.28, 0.48)
    img[18:32] = (0.22, 0.22, 0.24)
    img[h - 16:] = (0.2, 0.2, 0.22)
    img[36:h - 20, 4:150] = (0.08, 0.08, 0.1)
    view = resized(real(r.choice(REAL_CT + REAL_MR)), h - 56, w - 162)
    img[36:h - 20, 158:w - 4] = view[..., None]
    for k in range(5):
        img[2:15, w - 18 - 16 * k:w - 6 - 16 * k] = (0.35, 0.4, 0.55)
    c = Canvas([img], draw=text)
    p = person(r, ["latin", "hangul", "cyrillic", "greek", "hangul"])
    spec = Spec("OT", SOP["SC"], colour=True, encodings=["explicit", "rle", "jpeg"])
    if control:
        decorate(c, r, g, ["scale", "markers", "ruler"])
        return c, spec, p
    white, grey = (0.95, 0.95, 0.95), (0.75, 0.75, 0.78)
    ui = r.choice(["sans", "noto", "condensed"])
    title = glyphs(p.name, name_font(r, p), 11)
    c.put(title, 3, 6, white, p.name, True)
    c.text(r.choice(["- Vue PACS 12.2", "| RadiView Workstation", "— Osiris Lite"]), ui, 11, 3, 12 + title.shape[1], white, False)
    c.text("File   Edit   View   Image   Tools   Help", ui, 9, 21, 6, grey, False)
    y = 40
    selected = r.randrange(4)
    for k in range(4):
        who = p if k == selected else person(r, ["latin", "cyrillic", "hangul"])
        c.text(who.name, name_font(r, who), 9, y, 8, (0.05, 0.05, 0.05) if k == selected else grey, True,
               box=(0.55, 0.75, 0.95) if k == selected else None)
        c.text(f"{who.ident}  {who.study_date}", r.choice(MONO), 8, y + 13, 8, grey, True)
        y += 30
    c.text(f"{p.ident} | {r.choice(['512x512', '256x256'])} | Zoom {r.randrange(50, 400)}%", r.choice(MONO), 9, h - 13, 6, grey, True)
    c.text(p.name, name_font(r, p), 10, 40, 162, (1.0, 1.0, 0.6), True)
    return c, spec, p


def scene_terminal(r: random.Random, g: np.random.Generator, control: bool, text: bool = True) -> tuple[Canvas, Spec, Person]:
    """Terminal screen capture: monospace lines, green, amber or dim grey on black."""
    h, w = r.choice([(240, 400), (300, 480)])
    colour = r.random() < 0.6
    c = Canvas([np.zeros((h, w, 3)) + 0.02 if colour else np.zeros((h, w)) + 0.02], draw=text)
    p = person(r, ["latin", "cyrillic", "greek"])
    spec = Spec("OT", SOP["SC"], colour=colour, encodings=["explicit", "rle"] + ([] if colour else ["jls", "jpeg"]))
    if control:
        decorate(c, r, g, ["grid", "ecg"])
        return c, spec, p
    ink: Colour = r.choice([(0.2, 0.95, 0.3), (1.0, 0.7, 0.1), (0.35, 0.35, 0.35)]) if colour else r.choice([0.8, 0.3])
    font, size = r.choice(MONO), r.choice([8, 9, 10, 12])
    lines = [(f"$ findscu -S -k PatientName=\"{p.name}\" pacs 104", True),
             (f"(0010,0020) LO [{p.ident}]", True), (f"(0010,0030) DA [{p.birth}]", True),
             ("(0008,0060) CS [MR]", False), (f"(0008,0080) LO [{p.hospital}]", True),
             (f"W: {r.randrange(1, 9)} responses, status 0000H", False), ("$ _", False)]
    y = r.randrange(2, 10)
    for text, ident in lines:
        c.text(text, font, size, y, r.choice([2, 4, -3]), ink, ident)
        y += int(size * 1.5)
    return c, spec, p


def scene_fundus(r: random.Random, g: np.random.Generator, control: bool, text: bool = True) -> tuple[Canvas, Spec, Person]:
    """Fundus photograph: faint text at the bottom, the name cut by the bottom edge, a large eye marker."""
    n = r.choice([320, 384])
    c = Canvas([fundus(g, n, n)], draw=text)
    p = person(r)
    spec = Spec("OP", SOP["OP"], colour=True, encodings=["jpeg", "j2k", "explicit"])
    if control:
        decorate(c, r, g, ["scale", "calipers"])
        return c, spec, p
    font = r.choice(EUROPEAN)
    c.text(r.choice(["OD", "OS"]), "sans_bold", r.choice([28, 36]), 6, 6, (0.85, 0.85, 0.85), False)
    block(c, [(p.study_date, True, font), (p.time, True, font)], 4, 4, 10, None, right=True, contrast=0.25)
    alpha = glyphs(p.name, name_font(r, p), r.choice([12, 14, 16]))
    c.put(alpha, n - int(alpha.shape[0] * r.uniform(0.5, 0.8)), r.randrange(4, 60), (0.5, 0.5, 0.5), p.name, True)
    c.text(p.ident, font, 9, n - 36, n - 110, None, True, contrast=0.18)
    return c, spec, p


def scene_dental(r: random.Random, g: np.random.Generator, control: bool, text: bool = True) -> tuple[Canvas, Spec, Person]:
    """Dental panoramic: very large side markers, vertical name and ID, dot-matrix date."""
    h, w = 256, r.choice([512, 560, 600])
    c = Canvas([jaw(g, h, w)], draw=text)
    p = person(r)
    spec = Spec("PX", SOP["PX"], bits=r.choice([12, 14]), mono1=r.random() < 0.3, encodings=["explicit", "jls", "j2k", "rle"])
    if control:
        decorate(c, r, g, ["ruler", "markers"])
        return c, spec, p
    big = r.choice([40, 52, 64])
    c.text("R", "sans_bold", big, 6, 12, 0.97, False)
    c.text("L", "sans_bold", big, 6, w - big - 4, 0.97, False)
    c.text(p.name, name_font(r, p), r.choice([10, 12]), r.randrange(20, 80), w - 14, 0.95, True, angle=90, style="vertical")
    c.text(p.ident, r.choice(EUROPEAN), 9, r.randrange(120, 160), 2, 0.95, True, angle=270, style="vertical")
    date = p.study_date
    c.put(dot_matrix(date, r.choice([2, 3])), h - 30, w // 2 - 50, 0.9, date, True, style="dotmatrix")
    return c, spec, p


def scene_wsi(r: random.Random, g: np.random.Generator, control: bool, text: bool = True) -> tuple[Canvas, Spec, Person]:
    """Whole-slide-like tile with the slide label: accession printed, name handwritten and tilted."""
    h, w = 320, r.choice([384, 420])
    img = he_tile(g, h, w)
    img[:, :112] = (0.96, 0.96, 0.93)
    img[:, 112:115] = (0.6, 0.6, 0.6)
    c = Canvas([img], draw=text)
    p = person(r, ["latin", "latin", "cyrillic", "greek"])
    spec = Spec("SM", SOP["SM"], colour=True, encodings=["jpeg", "j2k", "explicit"])
    if control:
        decorate(c, r, g, ["scale", "markers"])
        return c, spec, p
    ink = (0.1, 0.1, 0.35)
    accession = f"S{r.randrange(19, 27)}-{r.randrange(10000, 99999)} {r.choice('ABCD')}{r.randrange(1, 9)}"
    c.text(accession, "sans_bold", r.choice([11, 13]), 12, 6, (0.05, 0.05, 0.05), True)
    hand = r.choice(["noto_serif_italic", "lib_serif_bold_italic", "narrow_italic", "serif_italic"])
    c.text(p.name, hand, r.choice([12, 14]), 60, 6, ink, True, angle=r.uniform(-9, 9), style="tilted")
    c.text(p.study_date, hand, 11, 110, 8, ink, True, angle=r.uniform(-6, 6), style="tilted")
    c.text("H&E", "sans_bold", 14, 200, 30, (0.05, 0.05, 0.05), False)
    return c, spec, p


def scene_dx(r: random.Random, g: np.random.Generator, control: bool, text: bool = True) -> tuple[Canvas, Spec, Person]:
    """Radiograph: dot-matrix label block, 6-8 px text, a large view label, near-background text."""
    h, w = r.choice([(384, 320), (448, 384)])
    c = Canvas([chest(g, h, w)], draw=text)
    p = person(r, ["latin", "latin", "cyrillic"])
    spec = Spec("DX", SOP["DX"], bits=r.choice([12, 14, 16]), mono1=r.random() < 0.5,
                encodings=["explicit", "rle", "j2k", "jls", "deflated"])
    if control:
        decorate(c, r, g, ["markers", "ruler", "scale"])
        return c, spec, p
    pitch = r.choice([2, 3])
    x0, y = r.randrange(4, 30), h - 4 * 11 * pitch // 2 - 8
    for text in (p.name.upper(), p.ident, p.birth, p.hospital[:18]):
        alpha = dot_matrix(text, pitch)
        c.put(alpha, y, x0, 0.05, text, True, box=0.9, style="dotmatrix")
        y += alpha.shape[0] + 3
    c.text(r.choice(["PA ERECT", "AP SUPINE", "LAT"]), "sans_bold", r.choice([24, 32]), 8, w - 150, 0.95, False)
    tiny = r.choice([6, 7, 8])
    c.text(f"{p.study_date} {p.time}", r.choice(["condensed", "narrow", "sans"]), tiny, 6, 4, 0.9, True)
    c.text(f"{p.doctor}", r.choice(["condensed", "narrow"]), tiny, 16, 4, None, True, contrast=0.1)
    c.text(f"{r.randrange(60, 125)} kVp {r.uniform(0.5, 8):.1f} mAs", "condensed", tiny, 26, 4, 0.9, False)
    return c, spec, p


def scene_nm(r: random.Random, g: np.random.Generator, control: bool, text: bool = True) -> tuple[Canvas, Spec, Person]:
    """NM page: two views side by side, a very large title with the name, lines at odd places."""
    h, w = 384, 384
    nm = real(r.choice(REAL_NM))
    view = resized(nm, h - 60, w // 2 - 8)
    img = np.zeros((h, w))
    img[50:h - 10, 4:w // 2 - 4] = view
    img[50:h - 10, w // 2 + 4:w - 4] = view[:, ::-1] * 0.9
    c = Canvas([img], draw=text)
    p = person(r, ["greek", "devanagari", "latin", "cyrillic", "thai"])
    spec = Spec("NM", SOP["NM"], bits=16, encodings=["explicit", "j2k", "rle"])
    if control:
        decorate(c, r, g, ["ruler", "scale", "grid"])
        return c, spec, p
    c.text(p.name, name_font(r, p), r.choice([26, 32, 40]), 2, r.randrange(2, 40), 0.95, True)
    font = r.choice(EUROPEAN)
    c.text("ANT", font, 10, 52, 8, 0.8, False)
    c.text("POST", font, 10, 52, w // 2 + 8, 0.8, False)
    c.text(p.birth, font, r.choice([9, 11]), int(h * r.uniform(0.3, 0.7)), int(w * r.uniform(0.3, 0.42)), 0.85, True)
    c.text(p.ident, font, 9, h - 9, int(w * r.uniform(0.55, 0.75)), 0.85, True)
    return c, spec, p


SCENES: list[tuple[str, Scene]] = [
    ("ct", scene_ct), ("mr", scene_mr), ("xa", scene_xa), ("rf", scene_rf), ("petct", scene_petct),
    ("us", scene_us), ("us_cine", scene_us_cine), ("screenshot", scene_screenshot), ("terminal", scene_terminal),
    ("fundus", scene_fundus), ("dental", scene_dental), ("wsi", scene_wsi), ("dx", scene_dx), ("nm", scene_nm),
]


# ---------------------------------------------------------------- DICOM


SYNTAX = {"explicit": ExplicitVRLittleEndian, "implicit": ImplicitVRLittleEndian,
          "deflated": DeflatedExplicitVRLittleEndian, "rle": RLELossless, "jpeg": JPEGBaseline8Bit,
          "j2k": JPEG2000Lossless, "jls": JPEGLSLossless, "jls_near": JPEGLSNearLossless}


def stored(c: Canvas, spec: Spec) -> np.ndarray:
    """The frames as stored pixel values (frames, rows, columns[, 3])."""
    stack = np.clip(np.stack(c.frames), 0, 1)
    if spec.colour:
        return np.round(stack * 255).astype(np.uint8)
    top = 2**spec.bits - 1
    values = np.round(stack * top).astype(np.int64)
    if spec.mono1:
        values = top - values
    if spec.signed:
        return (values - 2 ** (spec.bits - 1)).astype(np.int16)
    return values.astype(np.uint8 if spec.bits <= 8 else np.uint16)


def _jpeg_frames(pixels: np.ndarray, colour: bool, quality: int, subsampling: int) -> list[bytes]:
    out = []
    for frame in pixels:
        buffer = io.BytesIO()
        Image.fromarray(frame, "RGB" if colour else "L").save(buffer, "JPEG", quality=quality, subsampling=subsampling)
        out.append(buffer.getvalue())
    return out


def _pixel_module(ds: Dataset, spec: Spec, frames: int, rows: int, columns: int) -> None:
    ds.Rows, ds.Columns = rows, columns
    ds.SamplesPerPixel = 3 if spec.colour else 1
    ds.PhotometricInterpretation = "RGB" if spec.colour else ("MONOCHROME1" if spec.mono1 else "MONOCHROME2")
    if spec.colour:
        ds.PlanarConfiguration = 0
    ds.BitsAllocated = 8 if spec.bits <= 8 else 16
    ds.BitsStored = spec.bits
    ds.HighBit = spec.bits - 1
    ds.PixelRepresentation = 1 if spec.signed else 0
    if frames > 1:
        ds.NumberOfFrames = frames
        ds.FrameIncrementPointer = 0x00181063
        ds.FrameTime = "33.3"
    if not spec.colour:
        low = -(2 ** (spec.bits - 1)) if spec.signed else 0
        ds.RescaleIntercept, ds.RescaleSlope, ds.RescaleType = (-1024 - low if spec.modality == "CT" else 0), 1, "US"
        ds.WindowCenter = float(ds.RescaleIntercept) + low + 2 ** (spec.bits - 1)
        ds.WindowWidth = 2**spec.bits


def encode(ds: Dataset, pixels: np.ndarray, spec: Spec, encoding: str, r: random.Random) -> None:
    ds.file_meta.TransferSyntaxUID = SYNTAX[encoding]
    if encoding == "jpeg":
        subsampling = r.choice([0, 1, 2]) if spec.colour else 0
        ds.PixelData = encapsulate(_jpeg_frames(pixels, spec.colour, r.choice([85, 90, 95]), subsampling))
        ds["PixelData"].VR = "OB"
        if spec.colour:
            ds.PhotometricInterpretation = "YBR_FULL_422" if subsampling else "YBR_FULL"
        ds.LossyImageCompression = "01"
        return
    if encoding in ("explicit", "implicit", "deflated"):
        ds.PixelData = pixels.tobytes()
        ds["PixelData"].VR = "OW" if ds.BitsAllocated > 8 else "OB"
        return
    array = pixels if len(pixels) > 1 else pixels[0]
    if encoding == "jls_near":
        ds.compress(JPEGLSNearLossless, array, jls_error=r.choice([1, 2]), generate_instance_uid=False)
        ds.LossyImageCompression = "01"
    else:
        ds.compress(SYNTAX[encoding], array, generate_instance_uid=False)


def uid(*parts: object) -> str:
    return generate_uid(entropy_srcs=["blind4", *map(str, parts)])


def header(spec: Spec, p: Person, r: random.Random, key: tuple[int, int]) -> Dataset:
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.MediaStorageSOPClassUID = spec.sop
    ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID = uid(*key, "sop")
    ds.SOPClassUID = spec.sop
    ds.SpecificCharacterSet = "ISO_IR 192"
    ds.StudyInstanceUID, ds.SeriesInstanceUID = uid(*key, "study"), uid(*key, "series")
    ds.Modality = spec.modality
    ds.PatientName = p.name if r.random() < 0.5 else p.other_name
    ds.PatientID = "".join(ch for ch in p.ident if ch.isalnum())[-10:]
    ds.PatientBirthDate = f"{r.randrange(1931, 2019)}{r.randrange(1, 13):02d}{r.randrange(1, 29):02d}"
    ds.StudyDate = ds.ContentDate = f"{r.randrange(2019, 2027)}{r.randrange(1, 13):02d}{r.randrange(1, 29):02d}"
    ds.InstitutionName = p.hospital
    ds.Manufacturer = r.choice(["Halvorsen Medical", "Tanaka Imaging", "Corvid Systems", "NordRay"])
    ds.SeriesNumber, ds.InstanceNumber = r.randrange(1, 20), r.randrange(1, 300)
    ds.ImageType = ["DERIVED", "SECONDARY"] if spec.sop.startswith(SOP["SC"]) else ["ORIGINAL", "PRIMARY"]
    flag = r.choice(["YES", "NO", None])
    if flag is not None:
        ds.BurnedInAnnotation = flag
    return ds


@dataclass
class Blind4Case:
    name: str
    dataset: Dataset
    lines: list[Line]
    scene: str
    encoding: str
    script: str
    control: bool

    @property
    def identifier_lines(self) -> list[Line]:
        return [line for line in self.lines if line.identifier]


def blind4_case(index: int, seed: int, *, text: bool = True) -> Blind4Case:
    """Image ``index`` of the set for ``seed``: scenes in turn, every fifth image text-free.
    ``text=False`` gives the same image, header and encoding with no text drawn."""
    r = random.Random(f"blind4/{seed}/{index}")
    g = np.random.default_rng([seed, index, 4])
    label, scene = SCENES[(index + seed) % len(SCENES)]
    control = index % 5 == 4
    canvas, spec, p = scene(r, g, control, text)
    encodings = [e for e in spec.encodings if e != "jpeg" or spec.bits <= 8]
    encoding = r.choice(encodings)
    ds = header(spec, p, r, (seed, index))
    pixels = stored(canvas, spec)
    _pixel_module(ds, spec, len(canvas.frames), *canvas.shape)
    encode(ds, pixels, spec, encoding, r)
    lines = [] if control else canvas.lines
    name = f"blind4-{index:03d}-{label}-{encoding}{'-control' if control else ''}"
    return Blind4Case(name, ds, lines, label, encoding, "none" if control else p.script, control)


def blind4_cases(count: int, seed: int) -> list[Blind4Case]:
    return [blind4_case(index, seed) for index in range(count)]
