"""Blind image set 10 for burned-in text: archive-like images with ground-truth text boxes.

Written by an outside evaluator (session blind10) without reading curator's detector, its screen,
its rules, docs/deid.md or the other generators' scenes; only the benchmark's interface (cases of
``name``, ``dataset``, ``lines``; lines of ``frame``, ``box``, ``ink``, ``identifier``,
``tokens()``) and the names ``missing_fonts``, ``dicom_bytes`` follow tests/pixel_blind9.py.
Nothing here was chosen by running curator or the benchmark on this set.

Scenes (one function each, see ``SCENES``; what is hard in brackets):

* ``ct_ge_corners``: CT head 512 (pydicom's J2K_pixelrep_mismatch), signed 16-bit HU, GE-like
  four corners, identifiers mixed with technique lines, white anti-aliased 11-15 px text over black
  air [identifier lines inside technique blocks; a scale bar and orientation letters as graphics];
* ``ct_siemens_halo``: CT head 512 (693_J2KI), 12-bit unsigned with intercept -1024, implicit LE:
  Siemens-like corners, a hand-typed note with the physician's name in the middle of the brain,
  drawn white with a dark halo [text over anatomy, halo];
* ``mr_philips_yellow``: abdominal MR (examples_overlay) as an RGB secondary capture: yellow and
  white corner text, a semi-transparent dark band with the name across the bottom [colour text,
  translucent band];
* ``mr_moving_cine``: MR_small upscaled to 256, 8 frames, signed 16-bit, RLE: the name and ID on
  three frames only, in a different place on each; frame counters on every frame [text on some
  frames only, moving];
* ``mg_mono1_light``: mammogram 14-bit MONOCHROME1 (breast shape filled with resampled CT/MR
  texture): text at low stored values (displays light), window narrower than the range, a
  laterality marker ``L MLO`` beside the name, a lead-marker square and a paddle scale [MONOCHROME1,
  marker next to name];
* ``mg_mono2_vertical``: mammogram 12-bit MONOCHROME2, JPEG-LS lossless: patient strip turned 90
  degrees along the image edge, small technique lines [vertical text at the edge];
* ``cr_fuji_label``: CR from the NM whole-body image (resampled, inverted), 10-bit: Fuji-like label
  block (S/L values beside name, ID, birth date), a lead ``R`` in a box (graphic) [label mixing
  technique numbers and identifiers];
* ``dx_bigendian_skull``: DX lateral skull-like image from the CT bone, 16-bit unsigned, Explicit VR
  Big Endian: Agfa-like lines in the top band, a ruler with ticks [big endian];
* ``us_doppler_jpeg``: colour ultrasound (Doppler crop of examples_rgb_color), JPEG baseline
  YBR_FULL_422: header bar with institution, name, ID and time, probe and gain lines [lossy colour];
* ``us_cine_ybr``: grey ultrasound sector (examples_palette crop) as a 6-frame YBR_FULL cine,
  native: header on every frame, a freeze annotation with the name on the last two frames only,
  calipers with a measurement label [YBR, freeze frames];
* ``nm_bone_scan``: NM whole body (JPEG2000.dcm) 16-bit, deflated: ANT label, counts, name, ID and
  date of birth at the top, a colour-bar-like grey wedge [tall image, small text];
* ``xa_cine_jpeg``: XA 8-bit JPEG baseline cine (4 frames, MR abdomen inverted): the name on the
  first two frames only, angles (``LAO 30 CRA 15``) on all [lossy grey cine];
* ``sc_workstation``: RGB screenshot of a 3D workstation: a patient bar in dark text on light grey,
  cyan and yellow corner text over CT, a logo plate (graphic) [dark text on light, colour];
* ``ct_scripts_j2k``: CT_small upscaled to 384, signed, JPEG 2000 lossless: names in Cyrillic,
  Greek, Arabic, Hebrew, CJK, Hangul and Thai beside Latin technique lines [scripts];
* ``mr_measure_notes``: abdominal MR 12-bit, window narrower than the data, JPEG-LS lossless:
  measurement labels (``23.4 mm``, not identifiers) with arrows and calipers, a hand-typed note with
  the patient's name over the liver [text among graphics];
* ``cr_edges_mono1``: CR 12-bit MONOCHROME1, RLE: 6-8 px text without anti-aliasing, lines cut by
  every border [tiny, cut text];
* ``dx_band_j2k``: DX 16-bit, JPEG 2000 lossless: a translucent band with grey (mid-window) text,
  institution and accession number [grey on translucent];
* ``mg_jpeg_big``: mammogram 8-bit JPEG baseline, 28-40 px name and date, ``R CC`` marker [huge
  lossy text];
* ``ct_grey_box_signed``: CT 16-bit signed, big endian, grey text (150 HU) in dark outline boxes
  (box a graphic) over the body, a hand-typed accession number in the middle [grey text in boxes].

Every fifth image (index 4, 9, ...) is a control: the same scene rendered without its text; every
graphic (rulers, scale bars, boxes, bands, arrows, calipers, markers, logo plates) stays.

Ground truth: each drawn line on each frame is a :class:`Line`.  The image is rendered twice from
the same random draws (with and without text), both are encoded with the case's transfer syntax
and decoded with pydicom; ``ink`` is where the decoded values differ within the line's glyphs (and
halo) grown by 1 px, ``box`` is that ink's bounding box (y0, x0, y1, x1), ``ink`` is the boolean
mask inside the box.  Lines whose ink has fewer than 3 pixels (cut off by a border) are dropped.
``identifier`` is True for names, patient IDs, birth dates, ages, sex, institutions, physicians,
accession numbers and study dates.  BurnedInAnnotation is absent, YES or (wrongly) NO,
independently of the truth.  Same seed, same bytes.

Counts at ``--count 40 --seed 3``: run ``python tests/pixel_blind10.py 40 3`` (figures in
/work/notes/blind10.md).
"""
from __future__ import annotations

import io
import re
import sys
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Callable

import numpy as np
import pydicom
import pydicom.data
from PIL import Image, ImageDraw, ImageFont
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.encaps import encapsulate
from pydicom.uid import (
    DeflatedExplicitVRLittleEndian,
    ExplicitVRBigEndian,
    ExplicitVRLittleEndian,
    ImplicitVRLittleEndian,
    JPEG2000Lossless,
    JPEGBaseline8Bit,
    JPEGLSLossless,
    RLELossless,
    generate_uid,
)
from scipy import ndimage

FONT_DIR = Path("/usr/share/fonts/truetype")
FONTS = {
    "sans": "dejavu/DejaVuSans.ttf",
    "sansb": "dejavu/DejaVuSans-Bold.ttf",
    "cond": "dejavu/DejaVuSansCondensed.ttf",
    "mono": "dejavu/DejaVuSansMono.ttf",
    "monob": "dejavu/DejaVuSansMono-Bold.ttf",
    "lib": "liberation/LiberationSans-Regular.ttf",
    "libb": "liberation/LiberationSans-Bold.ttf",
    "narrow": "liberation/LiberationSansNarrow-Regular.ttf",
    "serif": "liberation/LiberationSerif-Regular.ttf",
    "cour": "liberation/LiberationMono-Regular.ttf",
    "noto": "noto/NotoSans-Regular.ttf",
    "arabic": "noto/NotoSansArabic-Regular.ttf",
    "hebrew": "noto/NotoSansHebrew-Regular.ttf",
    "thai": "noto/NotoSansThai-Regular.ttf",
    "cjk": "wqy/wqy-microhei.ttc",
}
LATIN_FONTS = ["sans", "sansb", "cond", "mono", "monob", "lib", "libb", "narrow", "serif", "cour", "noto"]


def missing_fonts() -> list[str]:
    """Font files this set needs that are not installed (empty when it can run)."""
    return [str(FONT_DIR / p) for p in FONTS.values() if not (FONT_DIR / p).exists()]


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
class Blind10Case:
    name: str
    dataset: Dataset
    lines: list[Line] = field(default_factory=list)


# ---------------------------------------------------------------- text rendering


def script_font(text: str, key: str) -> str:
    """The font a viewer falls back to when ``key`` lacks the script of ``text``."""
    for ch in text:
        o = ord(ch)
        if 0x0600 <= o <= 0x06FF:
            return "arabic"
        if 0x0590 <= o <= 0x05FF:
            return "hebrew"
        if 0x0E00 <= o <= 0x0E7F:
            return "thai"
        if o >= 0x2E80:
            return "cjk"
    return key


def glyphs(text: str, key: str, size: int, aa: bool = True, turn: int = 0) -> np.ndarray:
    """Alpha (0..1) of ``text`` trimmed to its ink; ``turn`` quarter turns counter-clockwise."""
    f = font(script_font(text, key), size)
    left, top, right, bottom = f.getbbox(text)
    img = Image.new("L", (right - left + 4, bottom - top + 4), 0)
    draw = ImageDraw.Draw(img)
    if not aa:
        draw.fontmode = "1"
    draw.text((2 - left, 2 - top), text, font=f, fill=255)
    a = np.asarray(img, dtype=np.float64) / 255.0
    ys, xs = np.nonzero(a > 0)
    a = a[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1]
    return np.rot90(a, turn).copy() if turn else a


class Canvas:
    """Frames in stored units (grey) or 0..255 (RGB).  Text goes in only when ``text_on``, but
    every placement is decided either way, so both renders share all graphics and randomness."""

    def __init__(self, frames: np.ndarray, text_on: bool) -> None:
        self.f = frames.astype(np.float64)
        self.text_on = text_on
        self.drawn: list[tuple[str, int, int, int, np.ndarray, bool]] = []
        self.taken: list[tuple[int, int, int, int, int]] = []

    @property
    def h(self) -> int:
        return int(self.f.shape[1])

    @property
    def w(self) -> int:
        return int(self.f.shape[2])

    def blend(self, frame: int, top: int, left: int, a: np.ndarray, value: object) -> None:
        """Blend alpha ``a`` towards ``value`` at (top, left), clipped to the frame (graphics too)."""
        y0, x0 = max(top, 0), max(left, 0)
        y1, x1 = min(top + a.shape[0], self.h), min(left + a.shape[1], self.w)
        if y1 <= y0 or x1 <= x0:
            return
        m = a[y0 - top : y1 - top, x0 - left : x1 - left]
        region = self.f[frame, y0:y1, x0:x1]
        if region.ndim == 3:
            m = m[..., None]
        v = np.asarray(value, dtype=np.float64)
        region[...] = region * (1 - m) + v * m

    def put(self, text: str, a: np.ndarray, top: int, left: int, value: object, identifier: bool,
            frame: int = 0, halo: object | None = None) -> bool:
        """Place one line; refused when it would come within 3 px of another line of the frame."""
        pad = 2 if halo is not None else 0
        top0, left0, bottom, right = top - pad, left - pad, top + a.shape[0] + pad, left + a.shape[1] + pad
        for fr, y0, x0, y1, x1 in self.taken:
            if fr == frame and top0 - 3 < y1 and y0 < bottom + 3 and left0 - 3 < x1 and x0 < right + 3:
                return False
        if min(bottom, self.h) - max(top0, 0) < 2 or min(right, self.w) - max(left0, 0) < 2:
            return False
        full = np.pad(a, pad) if pad else a
        foot = full > 0
        if halo is not None:
            ring = ndimage.binary_dilation(foot, iterations=2) & ~foot
            foot = foot | ring
        self.taken.append((frame, top0, left0, bottom, right))
        self.drawn.append((text, frame, top0, left0, foot, identifier))
        if self.text_on:
            if halo is not None:
                self.blend(frame, top0, left0, ring.astype(np.float64), halo)
            self.blend(frame, top0, left0, full, value)
        return True

    def text(self, text: str, key: str, size: int, top: int, left: int, value: object,
             identifier: bool, frame: int = 0, *, align: str = "left", aa: bool = True,
             turn: int = 0, halo: object | None = None) -> tuple[int, int]:
        a = glyphs(text, key, size, aa=aa, turn=turn)
        if align == "right":
            left -= a.shape[1]
        elif align == "center":
            left -= a.shape[1] // 2
        self.put(text, a, top, left, value, identifier, frame, halo)
        return a.shape[0], a.shape[1]

    def corner(self, rows: list[tuple[str, bool]], corner: str, key: str, size: int, value: object,
               frame: int = 0, margin: int = 6, leading: float = 1.35, aa: bool = True,
               halo: object | None = None) -> None:
        """Stack ``rows`` (text, identifier) in a corner ("tl", "tr", "bl", "br"), vendor style."""
        step = max(int(round(size * leading)), size + 3)
        top = margin if corner[0] == "t" else self.h - margin - step * len(rows)
        for i, (t, ident) in enumerate(rows):
            if corner[1] == "l":
                self.text(t, key, size, top + i * step, margin, value, ident, frame, aa=aa, halo=halo)
            else:
                self.text(t, key, size, top + i * step, self.w - margin, value, ident, frame,
                          align="right", aa=aa, halo=halo)

    # graphics (drawn in both renders)
    def rect(self, y0: int, x0: int, y1: int, x1: int, value: object, frame: int | None = None,
             alpha: float = 1.0) -> None:
        for fr in range(self.f.shape[0]) if frame is None else [frame]:
            self.blend(fr, y0, x0, np.full((y1 - y0, x1 - x0), alpha), value)

    def frame_box(self, y0: int, x0: int, y1: int, x1: int, value: object, frame: int | None = None) -> None:
        for a, b, c, d in ((y0, x0, y0 + 1, x1), (y1 - 1, x0, y1, x1), (y0, x0, y1, x0 + 1), (y0, x1 - 1, y1, x1)):
            self.rect(a, b, c, d, value, frame)

    def line(self, p: tuple[int, int], q: tuple[int, int], value: object, width: int = 1,
             frame: int | None = None) -> None:
        img = Image.new("L", (self.w, self.h), 0)
        ImageDraw.Draw(img).line([p[::-1], q[::-1]], fill=255, width=width)
        a = np.asarray(img, dtype=np.float64) / 255.0
        for fr in range(self.f.shape[0]) if frame is None else [frame]:
            self.blend(fr, 0, 0, a, value)

    def ruler(self, y: int, x0: int, x1: int, value: object, vertical: bool = False, step: int = 10) -> None:
        for i, pos in enumerate(range(x0, x1 + 1, step)):
            tick = 8 if i % 5 == 0 else 4
            if vertical:
                self.rect(pos, y, pos + 1, y + tick, value)
            else:
                self.rect(y - tick, pos, y, pos + 1, value)
        if vertical:
            self.rect(x0, y, x1 + 1, y + 1, value)
        else:
            self.rect(y, x0, y + 1, x1 + 1, value)

    def arrow(self, tip: tuple[int, int], tail: tuple[int, int], value: object) -> None:
        self.line(tail, tip, value, 2)
        dy, dx = tip[0] - tail[0], tip[1] - tail[1]
        n = max(np.hypot(dy, dx), 1.0)
        uy, ux = dy / n, dx / n
        for sy, sx in ((-ux, uy), (ux, -uy)):
            self.line(tip, (int(tip[0] - 9 * uy + 5 * sy), int(tip[1] - 9 * ux + 5 * sx)), value, 2)


# ---------------------------------------------------------------- real image content


@lru_cache(maxsize=None)
def _testdata(name: str) -> np.ndarray:
    ds = pydicom.dcmread(pydicom.data.get_testdata_file(name))
    arr = ds.pixel_array
    slope, intercept = float(ds.get("RescaleSlope", 1)), float(ds.get("RescaleIntercept", 0))
    return (arr.astype(np.float64) * slope + intercept)


def resize(a: np.ndarray, h: int, w: int) -> np.ndarray:
    return np.asarray(Image.fromarray(a.astype(np.float32), mode="F").resize((w, h), Image.BICUBIC), dtype=np.float64)


def unit(a: np.ndarray, lo_pct: float = 1.0, hi_pct: float = 99.5) -> np.ndarray:
    lo, hi = np.percentile(a, [lo_pct, hi_pct])
    return np.clip((a - lo) / max(hi - lo, 1e-9), 0.0, 1.0)


def ct_head(which: str = "pixrep") -> np.ndarray:
    """A 512 CT head slice in HU from pydicom's test files."""
    if which == "pixrep":
        a = _testdata("J2K_pixelrep_mismatch.dcm")
    else:
        a = _testdata("693_J2KI.dcm")
    return np.clip(a, -1024, 3071)


def mr_abdomen() -> np.ndarray:
    return unit(_testdata("examples_overlay.dcm"))


def nm_body() -> np.ndarray:
    return unit(_testdata("JPEG2000.dcm")[0] if _testdata("JPEG2000.dcm").ndim == 3 else _testdata("JPEG2000.dcm"))


def texture(rng: np.random.Generator, h: int, w: int) -> np.ndarray:
    """0..1 texture cut from the MR abdomen and the CT head at a random place, resampled."""
    mr = mr_abdomen()
    y = int(rng.integers(40, 120))
    x = int(rng.integers(60, 220))
    t = resize(mr[y : y + 120, x : x + 180], h, w)
    return unit(ndimage.gaussian_filter(t, 1.0))


def breast(rng: np.random.Generator, h: int, w: int, right: bool) -> np.ndarray:
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    cy, ry, rx = h * rng.uniform(0.45, 0.55), h * rng.uniform(0.40, 0.46), w * rng.uniform(0.62, 0.78)
    mask = ((yy - cy) / ry) ** 2 + (xx / rx) ** 2 < 1
    soft = ndimage.gaussian_filter(mask.astype(np.float64), 6)
    dens = soft * (0.45 + 0.45 * texture(rng, h, w)) + 0.1 * soft
    return dens[:, ::-1].copy() if right else dens


def ultrasound_crop() -> np.ndarray:
    """0..1 grey sector image from examples_palette (the scan area, without its text)."""
    ds = pydicom.dcmread(pydicom.data.get_testdata_file("examples_palette.dcm"))
    idx = ds.pixel_array.astype(np.float64)
    return unit(resize(idx[84:200, 318:602], 240, 440), 0.5, 99.8)


def doppler_crop() -> np.ndarray:
    """RGB 0..255 Doppler box from examples_rgb_color (without its text)."""
    ds = pydicom.dcmread(pydicom.data.get_testdata_file("examples_rgb_color.dcm"))
    return ds.pixel_array[52:140, 34:280].astype(np.float64)


# ---------------------------------------------------------------- identifiers and technique

LATIN = ["Zoë Łukasiewicz", "José Muñoz Peña", "Björn Ångström", "Antonín Dvořák", "François Lefèvre",
         "Ayşe Yılmaz", "Søren Kjærgaard", "Małgorzata Wójcik", "Ólafur Þórðarson", "Ramón García",
         "Hans Müller", "Mary O'Connor", "Nguyễn Thị Hằng", "Jürgen Weiß", "Inês Gonçalves",
         "Kateřina Nováková", "Marta Kowalczyk", "Peter Jansen", "Greta Lindqvist", "Luca Bianchi"]
SCRIPTS = {
    "cyrillic": ["Иванов Сергей", "Петрова Анна", "Смирнов Дмитрий", "Кузнецова Ольга"],
    "greek": ["Παπαδόπουλος Γιώργος", "Οικονόμου Ελένη", "Νικολάου Μαρία"],
    "arabic": ["محمد العلي", "فاطمة حسن", "يوسف الخطيب"],
    "hebrew": ["כהן דוד", "לוי שרה", "מזרחי יוסף"],
    "cjk": ["王小明", "山田太郎", "李娜", "佐藤花子"],
    "hangul": ["김민준", "이서연", "박지훈"],
    "thai": ["สมชาย ใจดี", "สุดา แก้วมณี", "ประยุทธ์ ศรีสุข"],
}
INSTITUTIONS = ["St. Mary's Hospital", "Klinikum Nord", "Hôpital Saint-Louis", "Mercy Medical Ctr",
                "Karolinska Solna", "Ospedale San Raffaele", "Riverside Imaging", "UMC Utrecht"]
DOCTORS = ["Dr. A. Schneider", "Dr Kowalski", "Dr. E. Fontaine", "Dr. R. Patel", "Dr. Lindgren"]


def pick(rng: np.random.Generator, pool: list[str]) -> str:
    return pool[int(rng.integers(len(pool)))]


def person(rng: np.random.Generator) -> str:
    """A Latin name in one of the forms modalities print."""
    given, family = pick(rng, LATIN).rsplit(" ", 1)
    form = int(rng.integers(5))
    if form == 0:
        return f"{family.upper()}^{given.upper()}"
    if form == 1:
        return f"{family}, {given}"
    if form == 2:
        return f"{given} {family}".upper()
    if form == 3:
        return f"{family} {given[0]}."
    return f"{given} {family}"


def a_date(rng: np.random.Generator, y0: int = 1930, y1: int = 2025) -> str:
    y, m, d = int(rng.integers(y0, y1)), int(rng.integers(1, 13)), int(rng.integers(1, 29))
    mon = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"][m - 1]
    forms = [f"{y}-{m:02d}-{d:02d}", f"{d:02d}.{m:02d}.{y}", f"{m:02d}/{d:02d}/{y}", f"{d:02d}-{mon}-{y}",
             f"{y}{m:02d}{d:02d}", f"{d} {mon.title()} {y}", f"{y % 100:02d}/{m:02d}/{d:02d}",
             f"{y}年{m}月{d}日", f"{d:02d}/{m:02d}/{y}"]
    return pick(rng, forms)


def an_id(rng: np.random.Generator) -> str:
    n = rng.integers(0, 10, 12)
    s = "".join(str(int(v)) for v in n)
    forms = [s[:7], f"{s[:3]}-{s[3:5]}-{s[5:9]}", f"K{s[:8]}", f"H{s[:4]}-{s[4:8]}", f"{s[:3]} {s[3:6]} {s[6:10]}",
             f"00A{s[:6]}", f"MRN{s[:6]}"]
    return pick(rng, forms)


def accession(rng: np.random.Generator) -> str:
    s = "".join(str(int(v)) for v in rng.integers(0, 10, 9))
    return pick(rng, [f"A{s[:2]}-{s[2:8]}", s, f"RAD{s[:7]}", f"{s[:4]}.{s[4:8]}"])


def age(rng: np.random.Generator) -> str:
    n = int(rng.integers(1, 96))
    return pick(rng, [f"{n:03d}Y", f"{n} y", f"{n}Y", f"{n} yrs", f"{n:03d}"])


def sex(rng: np.random.Generator) -> str:
    return pick(rng, ["M", "F", "O"])


def a_time(rng: np.random.Generator) -> str:
    return f"{int(rng.integers(0, 24)):02d}:{int(rng.integers(0, 60)):02d}:{int(rng.integers(0, 60)):02d}"


def ident_rows(rng: np.random.Generator, n: int) -> list[tuple[str, bool]]:
    """``n`` identifier lines in varied label styles."""
    pool = [
        lambda: person(rng),
        lambda: pick(rng, ["ID: ", "PID ", "MRN ", "", "Pat ID "]) + an_id(rng),
        lambda: pick(rng, ["DOB: ", "Born ", "", "Birth "]) + a_date(rng, 1930, 2020),
        lambda: f"{age(rng)} {sex(rng)}",
        lambda: pick(rng, ["Acc# ", "Acc: ", "ACC ", "Accession "]) + accession(rng),
        lambda: pick(rng, INSTITUTIONS),
        lambda: pick(rng, ["Ref: ", "Referring: ", ""]) + pick(rng, DOCTORS),
        lambda: a_date(rng, 2005, 2025) + " " + a_time(rng),
    ]
    order = [0] + [int(i) + 1 for i in rng.permutation(len(pool) - 1)]
    return [(pool[i](), True) for i in order[:n]]


def tech_rows(rng: np.random.Generator, modality: str, n: int) -> list[tuple[str, bool]]:
    pools = {
        "CT": ["kV 120", "mA 250", f"{rng.uniform(0.6, 5):.1f} mm", "Tilt 0.0", f"W:{pick(rng, ['400', '80', '1500'])} L:{pick(rng, ['40', '35', '300'])}",
               f"Se: {int(rng.integers(1, 9))}", f"Im: {int(rng.integers(1, 300))}", "DFOV 25.0cm", "STND", "B30f", "HFS",
               f"Zoom {rng.uniform(1, 2.5):.2f}", "Pitch 0.984", "CTDIvol 42.1 mGy"],
        "MR": [f"TR {rng.uniform(3, 4000):.1f}", f"TE {rng.uniform(1, 120):.1f}", "FA 12", "1.5T", "3.0T", "ET 24",
               f"Se:{int(rng.integers(1, 20))} Im:{int(rng.integers(1, 60))}", "FOV 380x300", "t1_vibe_fs_tra", "NEX 2",
               f"W {int(rng.integers(200, 900))} C {int(rng.integers(100, 500))}", "BW 445", "Body18"],
        "MG": ["28 kV", "63 mAs", "W/Rh", "C 14 daN", "Thk 52 mm", "AGD 1.42 mGy", "Angle 45", "LC", "Lorad"],
        "CR": ["S 210", "L 2.0", "E 1.6", "EI 1420", "DI +0.3", "70 kVp 8 mAs", "SID 180", "GP", "PA"],
        "US": ["C5-1", "14Hz", "Gn 60", "DR 65", "MI 0.9", "TIs 0.4", "Freq 4.0MHz", "Dep 16cm", "PRF 3.5k", "WF 80Hz"],
        "NM": ["ANT", "Tc99m MDP", "1.2 Mcounts", "Scan 12 cm/min", "LEHR", "Zoom 1.00", "256x1024"],
        "XA": ["LAO 30", "CRA 15", "72 kV 450 mA", "FR 15 f/s", "SID 105", "Fluoro 2.3 min", "DAP 12.4"],
    }
    pool = pools[modality]
    idx = rng.permutation(len(pool))[:n]
    return [(pool[int(i)], False) for i in idx]


def mixed(rng: np.random.Generator, modality: str, n_id: int, n_tech: int) -> list[tuple[str, bool]]:
    rows = ident_rows(rng, n_id) + tech_rows(rng, modality, n_tech)
    return [rows[int(i)] for i in rng.permutation(len(rows))]


# ---------------------------------------------------------------- scenes


@dataclass
class Meta:
    modality: str
    syntax: str
    bits_stored: int = 8
    signed: bool = False
    photometric: str = "MONOCHROME2"
    slope: float = 1.0
    intercept: float = 0.0
    window: tuple[float, float] | None = None
    quality: int = 90


Scene = Callable[[np.random.Generator, bool], "tuple[Canvas, Meta]"]


def ct_ge_corners(rng: np.random.Generator, text: bool) -> tuple[Canvas, Meta]:
    c = Canvas(ct_head("pixrep")[None], text)
    key, size, white = pick(rng, ["lib", "sans", "mono"]), int(rng.integers(11, 16)), 3000.0
    c.corner([("GE MEDICAL SYSTEMS", False), ("Revolution CT", False)] + ident_rows(rng, 3), "tl", key, size, white)
    c.corner(ident_rows(rng, 2) + tech_rows(rng, "CT", 2), "tr", key, size, white)
    c.corner(tech_rows(rng, "CT", 4), "bl", key, size, white)
    c.corner(tech_rows(rng, "CT", 2) + ident_rows(rng, 1), "br", key, size, white)
    c.ruler(c.h - 40, 200, 300, white)
    for t, (y, x) in {"A": (60, 250), "R": (250, 40)}.items():  # orientation letters are graphics here
        c.blend(0, y, x, glyphs(t, "sansb", 14), white)
    return c, Meta("CT", ExplicitVRLittleEndian, 16, True, window=(40, 400))


def ct_siemens_halo(rng: np.random.Generator, text: bool) -> tuple[Canvas, Meta]:
    hu = ct_head("j2ki")
    c = Canvas((hu + 1024)[None], text)
    white = 1024 + 120.0  # top of a soft-tissue window, inside the data range
    key, size = pick(rng, ["sans", "lib", "noto"]), int(rng.integers(10, 14))
    c.corner(ident_rows(rng, 4), "tl", key, size, white, halo=0.0)
    c.corner(tech_rows(rng, "CT", 3) + [("SIEMENS", False)], "tr", key, size, white, halo=0.0)
    c.corner(tech_rows(rng, "CT", 3), "bl", key, size, white)
    c.corner(ident_rows(rng, 2), "br", key, size, white, halo=0.0)
    note = f"{pick(rng, DOCTORS)}: r/o bleed, call {int(rng.integers(1000, 9999))}"
    c.text(note, pick(rng, ["cour", "lib"]), int(rng.integers(14, 20)), int(rng.integers(200, 300)), int(rng.integers(120, 180)),
           white, True, halo=0.0)
    return c, Meta("CT", ImplicitVRLittleEndian, 12, False, intercept=-1024, window=(40, 80))


def mr_philips_yellow(rng: np.random.Generator, text: bool) -> tuple[Canvas, Meta]:
    g = mr_abdomen() * 230
    c = Canvas(np.repeat(g[None, ..., None], 3, axis=3), text)
    yellow, white = (255.0, 230.0, 40.0), (245.0, 245.0, 245.0)
    key, size = pick(rng, ["sans", "lib", "cond"]), int(rng.integers(10, 13))
    c.corner(ident_rows(rng, 3), "tl", key, size, yellow, leading=1.25)
    c.corner(tech_rows(rng, "MR", 4), "tr", key, size, white)
    c.corner([("Philips Ingenia", False)] + tech_rows(rng, "MR", 1), "bl", key, size, yellow, margin=30)
    band_top = c.h - 24
    c.rect(band_top, 0, c.h, c.w, (10.0, 10.0, 30.0), alpha=0.55)
    row = ident_rows(rng, 2)
    c.text(row[0][0], key, 13, band_top + 5, 8, white, True)
    c.text(row[1][0], key, 13, band_top + 5, c.w - 8, yellow, True, align="right")
    return c, Meta("MR", ExplicitVRLittleEndian, 8, photometric="RGB")


def mr_moving_cine(rng: np.random.Generator, text: bool) -> tuple[Canvas, Meta]:
    base = resize(_testdata("MR_small.dcm"), 256, 256)
    frames = np.stack([ndimage.shift(base, (0, 3 * k), order=1, mode="nearest") for k in range(8)])
    c = Canvas(frames, text)
    top = float(np.percentile(base, 99.5))
    shown = sorted(int(v) for v in rng.choice(8, 3, replace=False))
    key = pick(rng, ["sans", "mono", "lib"])
    for k in range(8):
        c.text(f"{k + 1}/8", "mono", 10, c.h - 16, c.w - 6, top, False, frame=k, align="right")
    for n, k in enumerate(shown):
        rows = ident_rows(rng, 2)
        y, x = 8 + 40 * n + int(rng.integers(0, 20)), 6 + int(rng.integers(0, 80))
        c.text(rows[0][0], key, 11, y, x, top, True, frame=k)
        c.text(rows[1][0], key, 11, y + 16, x + 4 * n, top * 0.8, True, frame=k)
    return c, Meta("MR", RLELossless, 16, True, window=(top / 2, top))


def mg_mono1_light(rng: np.random.Generator, text: bool) -> tuple[Canvas, Meta]:
    h, w = 640, 480
    right = bool(rng.integers(2))
    dens = breast(rng, h, w, right)
    stored = 16383 - dens * 12000 - 1500  # MONOCHROME1: dense tissue -> low values -> white
    c = Canvas(stored[None], text)
    light = float(rng.uniform(200, 1500))  # low stored value = displays white
    key, size = pick(rng, ["lib", "sans", "narrow"]), int(rng.integers(12, 18))
    side = "tr" if not right else "tl"
    other = "br" if not right else "bl"
    rows = ident_rows(rng, 3)
    c.corner(rows, side, key, size, light)
    x = c.w - 12 if not right else 12
    lat = pick(rng, ["L MLO", "L CC", "R MLO", "R CC"])
    c.text(lat, "sansb", int(rng.integers(34, 48)), 12 + int(size * 1.35) * 3 + 6, x, light, False,
           align="right" if not right else "left")
    c.corner(tech_rows(rng, "MG", 3) + [(pick(rng, INSTITUTIONS), True)], other, key, size - 2, light)
    sq = 140 if not right else c.w - 170
    c.rect(c.h - 60, sq, c.h - 30, sq + 30, 300.0)  # lead marker square (graphic)
    c.ruler(30, c.w // 2 - 50, c.w // 2 + 50, 900.0)  # paddle scale (graphic)
    return c, Meta("MG", ExplicitVRLittleEndian, 14, photometric="MONOCHROME1", window=(9000, 7000))


def mg_mono2_vertical(rng: np.random.Generator, text: bool) -> tuple[Canvas, Meta]:
    h, w = 600, 440
    right = bool(rng.integers(2))
    dens = breast(rng, h, w, right)
    c = Canvas((dens * 3600 + 200)[None], text)
    white = 4000.0
    key, size = pick(rng, ["lib", "sans", "cour"]), int(rng.integers(9, 14))
    strip = " / ".join(t for t, _ in ident_rows(rng, 3))
    x = c.w - 4 - size - 6 if not right else 4
    c.text(strip, key, size, 20, x, white, True, turn=1)
    c.text(pick(rng, ["R MLO", "L MLO", "R CC", "L CC"]), "libb", 22, 10, c.w // 2, white, False, align="center")
    c.corner(tech_rows(rng, "MG", 3), "bl" if not right else "br", key, size, white)
    c.ruler(c.h - 20, c.w // 2 - 60, c.w // 2 + 60, white)
    return c, Meta("MG", JPEGLSLossless, 12, window=(2200, 2600))


def cr_fuji_label(rng: np.random.Generator, text: bool) -> tuple[Canvas, Meta]:
    body = 1.0 - nm_body()
    img = resize(body[100:700], 600, 300) * 900 + 60
    c = Canvas(img[None], text)
    white = 1010.0
    key, size = pick(rng, ["mono", "cour", "lib"]), int(rng.integers(9, 12))
    c.rect(c.h - 78, 0, c.h, 170, 40.0)  # label plate (graphic)
    rows = [("FUJIFILM FCR", False)] + mixed(rng, "CR", 3, 2)
    for i, (t, ident) in enumerate(rows):
        c.text(t, key, size, c.h - 74 + i * (size + 3), 5, white, ident)
    c.frame_box(20, c.w - 40, 48, c.w - 12, white)
    c.blend(0, 24, c.w - 33, glyphs("R", "sansb", 18), white)  # lead marker: graphic
    return c, Meta("CR", ExplicitVRLittleEndian, 10, window=(500, 900))


def dx_bigendian_skull(rng: np.random.Generator, text: bool) -> tuple[Canvas, Meta]:
    hu = ct_head("pixrep")
    bone = ndimage.gaussian_filter(np.clip(hu, 0, 2000), 2)
    img = 6000 + bone * 14 + 9000 * unit(np.clip(hu, -200, 200))  # bone bright, air dark
    c = Canvas(np.clip(img, 0, 65535)[None], text)
    dark = float(rng.uniform(500, 3000))  # dark text over a bright (inverted) background
    key, size = pick(rng, ["sans", "lib", "narrow"]), int(rng.integers(11, 15))
    c.rect(0, 0, 36, c.w, 50000.0)
    rows = ident_rows(rng, 3)
    c.text(rows[0][0], key, size, 4, 6, dark, True)
    c.text(rows[1][0], key, size, 4 + size + 4, 6, dark, True)
    c.text(rows[2][0], key, size, 4, c.w - 6, dark, True, align="right")
    c.text("Agfa DX-D 300  " + tech_rows(rng, "CR", 1)[0][0], key, size, 4 + size + 4, c.w - 6, dark, False, align="right")
    c.ruler(60, c.h - 120, c.h - 20, dark, vertical=True)
    return c, Meta("DX", ExplicitVRBigEndian, 16, window=(22000, 30000))


def us_doppler_jpeg(rng: np.random.Generator, text: bool) -> tuple[Canvas, Meta]:
    h, w = 300, 400
    img = np.zeros((h, w, 3))
    crop = doppler_crop()
    ch, cw = crop.shape[:2]
    big = np.stack([resize(crop[..., k], ch * 2, cw * 3 // 2) for k in range(3)], axis=-1)
    y0, x0 = 60, (w - big.shape[1]) // 2
    img[y0 : y0 + big.shape[0], x0 : x0 + big.shape[1]] = np.clip(big, 0, 255)
    c = Canvas(img[None], text)
    key, size = pick(rng, ["mono", "sans", "lib"]), int(rng.integers(9, 13))
    white = (235.0, 235.0, 235.0)
    c.rect(0, 0, 40, w, (30.0, 30.0, 60.0))
    rows = ident_rows(rng, 3)
    c.text(rows[0][0], key, size, 4, 6, white, True)
    c.text(rows[1][0], key, size, 6 + size, 6, white, True)
    c.text(rows[2][0], key, size, 4, w - 6, (255.0, 220.0, 80.0), True, align="right")
    c.corner(tech_rows(rng, "US", 4), "bl", key, size, (200.0, 200.0, 200.0))
    c.text("LT THYROID TRV", key, size + 2, h - 30, w - 8, white, False, align="right")
    return c, Meta("US", JPEGBaseline8Bit, 8, photometric="YBR_FULL_422", quality=int(rng.integers(70, 92)))


def us_cine_ybr(rng: np.random.Generator, text: bool) -> tuple[Canvas, Meta]:
    sector = ultrasound_crop()
    n, h, w = 6, 300, 440
    frames = np.zeros((n, h, w, 3))
    for k in range(n):
        g = ndimage.shift(sector, (k * 1.5, 0), order=1, mode="nearest") * 220
        frames[k, 50 : 50 + sector.shape[0], :] = g[: h - 50, :w, None]
    c = Canvas(frames, text)
    key, size = pick(rng, ["sans", "lib", "mono"]), int(rng.integers(10, 13))
    white = (240.0, 240.0, 240.0)
    rows = ident_rows(rng, 2)
    tech = tech_rows(rng, "US", 2)
    for k in range(n):
        c.text(rows[0][0], key, size, 6, 6, white, True, frame=k)
        c.text(rows[1][0], key, size, 6, w - 6, white, True, frame=k, align="right")
        c.text(tech[0][0] + "  " + tech[1][0], key, size, 8 + size + 4, w - 6, white, False, frame=k, align="right")
        c.line((160, 150), (200, 260), (255.0, 255.0, 0.0), 1, frame=k)
    for k in (n - 2, n - 1):
        c.text(f"FREEZE {person(rng)}", key, size + 2, 230 - 6 * k, 12, (255.0, 255.0, 0.0), True, frame=k)
        c.text(f"D1 {rng.uniform(5, 60):.1f} mm", key, size, 200, 270, (255.0, 255.0, 0.0), False, frame=k)
    return c, Meta("US", ExplicitVRLittleEndian, 8, photometric="YBR_FULL")


def nm_bone_scan(rng: np.random.Generator, text: bool) -> tuple[Canvas, Meta]:
    body = nm_body()
    img = resize(body, 768, 256) * 1200
    c = Canvas(img[None], text)
    white = 1400.0
    key, size = pick(rng, ["sans", "lib", "mono"]), int(rng.integers(8, 11))
    c.corner(ident_rows(rng, 3), "tl", key, size, white, margin=4)
    c.corner(tech_rows(rng, "NM", 3), "bl", key, size, white, margin=4)
    for i in range(10):  # grey wedge (graphic)
        c.rect(300 + i * 20, c.w - 14, 320 + i * 20, c.w - 4, white * (1 - i / 10))
    return c, Meta("NM", DeflatedExplicitVRLittleEndian, 16, window=(600, 1200))


def xa_cine_jpeg(rng: np.random.Generator, text: bool) -> tuple[Canvas, Meta]:
    base = (1 - mr_abdomen()) * 200 + 30
    frames = np.stack([ndimage.shift(base, (2 * k, -2 * k), order=1, mode="nearest") for k in range(4)])
    c = Canvas(frames, text)
    key, size = pick(rng, ["sans", "lib", "mono"]), int(rng.integers(11, 15))
    white = 250.0
    rows = ident_rows(rng, 2)
    tech = tech_rows(rng, "XA", 3)
    for k in range(4):
        if k < 2:
            c.corner(rows, "tl", key, size, white, frame=k)
        c.corner(tech, "tr", key, size, white, frame=k)
    return c, Meta("XA", JPEGBaseline8Bit, 8, quality=int(rng.integers(75, 95)))


def sc_workstation(rng: np.random.Generator, text: bool) -> tuple[Canvas, Meta]:
    h, w = 420, 560
    img = np.full((h, w, 3), 25.0)
    ct = unit(np.clip(ct_head("pixrep"), -160, 240)) * 255
    view = resize(ct, 360, 360)
    img[50:410, 190:550] = view[..., None]
    c = Canvas(img[None], text)
    c.rect(0, 0, 40, w, (215.0, 218.0, 222.0))  # patient bar
    c.rect(50, 10, 110, 170, (60.0, 90.0, 140.0))  # logo plate (graphic)
    c.rect(70, 30, 90, 150, (240.0, 240.0, 240.0))
    key, size = pick(rng, ["sans", "lib", "noto"]), int(rng.integers(11, 14))
    rows = ident_rows(rng, 4)
    dark = (20.0, 20.0, 30.0)
    c.text(rows[0][0], "sansb" if key == "sans" else key, size + 2, 5, 8, dark, True)
    c.text(rows[1][0] + "   " + rows[2][0], key, size, 8 + size + 6, 8, dark, True)
    c.text(rows[3][0], key, size, 8, w - 8, (90.0, 90.0, 100.0), True, align="right")
    cyan, yellow = (60.0, 230.0, 240.0), (250.0, 230.0, 60.0)
    for i, (t, ident) in enumerate(mixed(rng, "CT", 2, 3)):
        c.text(t, key, size - 1, 56 + i * (size + 4), 196, cyan if ident else yellow, ident)
    for i in range(4):  # thumbnails (graphics)
        c.frame_box(130 + i * 70, 20, 190 + i * 70, 150, (180.0, 180.0, 180.0))
    return c, Meta("SC", ExplicitVRLittleEndian, 8, photometric="RGB")


def ct_scripts_j2k(rng: np.random.Generator, text: bool) -> tuple[Canvas, Meta]:
    base = resize(_testdata("CT_small.dcm"), 384, 384)
    c = Canvas(base[None], text)
    white = float(np.percentile(base, 99.9)) + 200
    size = int(rng.integers(12, 18))
    scripts = list(SCRIPTS)
    chosen = [scripts[int(i)] for i in rng.permutation(len(scripts))[:3]]
    for i, s in enumerate(chosen):
        c.text(pick(rng, SCRIPTS[s]), "noto", size, 8 + i * (size + 10), 8, white, True)
    c.corner([(pick(rng, ["ID ", "No. "]) + an_id(rng), True), (a_date(rng, 1940, 2020), True)], "tr", "sans", size - 2, white)
    c.corner(tech_rows(rng, "CT", 3), "bl", "sans", size - 3, white)
    c.corner(tech_rows(rng, "CT", 2), "br", "sans", size - 3, white)
    return c, Meta("CT", JPEG2000Lossless, 16, True, window=(40, 350))


def mr_measure_notes(rng: np.random.Generator, text: bool) -> tuple[Canvas, Meta]:
    g = mr_abdomen() * 3800 + 100
    c = Canvas(g[None], text)
    white = 3000.0  # inside the data range; the window tops out at 2600
    key, size = pick(rng, ["sans", "lib", "narrow"]), int(rng.integers(11, 15))
    for _ in range(2):
        y, x = int(rng.integers(80, 200)), int(rng.integers(100, 330))
        c.line((y, x), (y + 20, x + 50), white, 1)
        c.arrow((y + 10, x - 5), (y + 40, x - 45), white)
        c.text(f"{rng.uniform(5, 80):.1f} mm", key, size, y - size - 6, x + 56, white, False)
    note = f"pt {person(rng)} c/o RUQ pain"
    c.text(note, pick(rng, ["cour", "serif"]), int(rng.integers(12, 17)), int(rng.integers(220, 260)),
           int(rng.integers(40, 120)), white, True)
    c.corner(ident_rows(rng, 2), "tl", key, size, white)
    c.corner(tech_rows(rng, "MR", 2), "br", key, size, white)
    return c, Meta("MR", JPEGLSLossless, 12, window=(1400, 2400))


def cr_edges_mono1(rng: np.random.Generator, text: bool) -> tuple[Canvas, Meta]:
    body = nm_body()
    img = 3900 - resize(body[300:800], 500, 400) * 3000  # MONOCHROME1: body low -> white
    c = Canvas(img[None], text)
    light = 100.0
    key = pick(rng, ["mono", "sans", "cour"])
    size = int(rng.integers(6, 9))
    rows = ident_rows(rng, 4)
    c.text(rows[0][0], key, size, -2, 40, light, True, aa=False)
    c.text(rows[1][0], key, size, 60, -3, light, True, aa=False)
    c.text(rows[2][0], key, size, c.h - size + 2, 120, light, True, aa=False)
    c.text(rows[3][0], key, size, 200, c.w + 4, light, True, align="right", aa=False)
    c.text(tech_rows(rng, "CR", 1)[0][0], key, size + 1, 30, c.w - 10, light, False, align="right", aa=False)
    return c, Meta("CR", RLELossless, 12, photometric="MONOCHROME1", window=(2400, 3000))


def dx_band_j2k(rng: np.random.Generator, text: bool) -> tuple[Canvas, Meta]:
    hu = ct_head("j2ki")
    img = 20000 + unit(ndimage.gaussian_filter(np.clip(hu, -300, 1500), 3)) * 30000
    c = Canvas(img[None], text)
    grey = 36000.0  # mid window
    c.rect(c.h - 70, 0, c.h - 20, c.w, 5000.0, alpha=0.5)
    key, size = pick(rng, ["lib", "sans", "cond"]), int(rng.integers(12, 17))
    rows = ident_rows(rng, 3)
    c.text(rows[0][0], key, size, c.h - 64, 10, grey, True)
    c.text(rows[1][0], key, size, c.h - 64, c.w - 10, grey, True, align="right")
    c.text(pick(rng, INSTITUTIONS) + "  Acc " + accession(rng), key, size - 2, c.h - 44, 10, grey, True)
    c.corner(tech_rows(rng, "CR", 2), "tr", key, size, grey)
    return c, Meta("DX", JPEG2000Lossless, 16, window=(36000, 40000))


def mg_jpeg_big(rng: np.random.Generator, text: bool) -> tuple[Canvas, Meta]:
    h, w = 620, 480
    right = bool(rng.integers(2))
    dens = breast(rng, h, w, right)
    c = Canvas((dens * 210 + 10)[None], text)
    white = 250.0
    key, size = pick(rng, ["libb", "sansb", "serif"]), int(rng.integers(28, 41))
    x = c.w - 12 if not right else 12
    al = "right" if not right else "left"
    c.text(person(rng), key, size, 14, x, white, True, align=al)
    c.text(a_date(rng, 2005, 2025), key, size - 6, 24 + size, x, white, True, align=al)
    c.text(pick(rng, ["R CC", "L CC", "R MLO"]), "sansb", size, c.h - size - 20, x, white, False, align=al)
    return c, Meta("MG", JPEGBaseline8Bit, 8, quality=int(rng.integers(60, 90)))


def ct_grey_box_signed(rng: np.random.Generator, text: bool) -> tuple[Canvas, Meta]:
    hu = ct_head("pixrep")
    c = Canvas(hu[None], text)
    grey = 150.0
    key, size = pick(rng, ["sans", "lib", "mono"]), int(rng.integers(10, 14))
    rows = ident_rows(rng, 3) + tech_rows(rng, "CT", 2)
    for i, (t, ident) in enumerate(rows):
        y, x = 90 + i * (size + 14), 150 + int(rng.integers(0, 40))
        a = glyphs(t, key, size)
        c.rect(y - 4, x - 4, y + a.shape[0] + 4, x + a.shape[1] + 4, -900.0)  # outline box (graphic)
        c.put(t, a, y, x, grey, ident)
    c.text("ACC " + accession(rng), "cour", 13, 330, 200, grey, True, halo=-1000.0)
    return c, Meta("CT", ExplicitVRBigEndian, 16, True, window=(40, 400))


SCENES: list[Scene] = [
    ct_ge_corners, ct_siemens_halo, mr_philips_yellow, mr_moving_cine, mg_mono1_light, mg_mono2_vertical,
    cr_fuji_label, dx_bigendian_skull, us_doppler_jpeg, us_cine_ybr, nm_bone_scan, xa_cine_jpeg,
    sc_workstation, ct_scripts_j2k, mr_measure_notes, cr_edges_mono1, dx_band_j2k, mg_jpeg_big,
    ct_grey_box_signed,
]


# ---------------------------------------------------------------- encoding

SOP_CLASS = {"CT": "1.2.840.10008.5.1.4.1.1.2", "MR": "1.2.840.10008.5.1.4.1.1.4",
             "MG": "1.2.840.10008.5.1.4.1.1.1.2", "CR": "1.2.840.10008.5.1.4.1.1.1",
             "DX": "1.2.840.10008.5.1.4.1.1.1.1", "US": "1.2.840.10008.5.1.4.1.1.3.1",
             "NM": "1.2.840.10008.5.1.4.1.1.20", "XA": "1.2.840.10008.5.1.4.1.1.12.1",
             "SC": "1.2.840.10008.5.1.4.1.1.7"}


def stored(canvas: Canvas, meta: Meta) -> np.ndarray:
    """The canvas as the stored integer array (frames squeezed when single)."""
    a = np.rint(canvas.f)
    if meta.photometric in ("RGB", "YBR_FULL", "YBR_FULL_422"):
        a = np.clip(a, 0, 255).astype(np.uint8)
        if meta.photometric == "YBR_FULL":
            from pydicom.pixels import convert_color_space

            a = np.stack([convert_color_space(fr, "RGB", "YBR_FULL") for fr in a])
    elif meta.signed:
        lo, hi = -(2 ** (meta.bits_stored - 1)), 2 ** (meta.bits_stored - 1) - 1
        a = np.clip(a, lo, hi).astype(np.int16)
    else:
        a = np.clip(a, 0, 2**meta.bits_stored - 1).astype(np.uint8 if meta.bits_stored <= 8 else np.uint16)
    return a


def _jpeg(stack: np.ndarray, meta: Meta) -> list[bytes]:
    out = []
    for fr in stack:
        buf = io.BytesIO()
        if fr.ndim == 3:
            Image.fromarray(fr, "RGB").save(buf, "JPEG", quality=meta.quality, subsampling=1)
        else:
            Image.fromarray(fr, "L").save(buf, "JPEG", quality=meta.quality)
        out.append(buf.getvalue())
    return out


def build(canvas: Canvas, meta: Meta, index: int, seed: int, rng: np.random.Generator) -> Dataset:
    stack = stored(canvas, meta)
    frames = canvas.f.shape[0]
    arr = stack[0] if frames == 1 else stack
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    uid = generate_uid(entropy_srcs=["blind10", str(seed), str(index)])
    ds.file_meta.MediaStorageSOPClassUID = SOP_CLASS[meta.modality]
    ds.file_meta.MediaStorageSOPInstanceUID = uid
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.SOPClassUID, ds.SOPInstanceUID = SOP_CLASS[meta.modality], uid
    ds.StudyInstanceUID = generate_uid(entropy_srcs=["blind10 study", str(seed), str(index)])
    ds.SeriesInstanceUID = generate_uid(entropy_srcs=["blind10 series", str(seed), str(index)])
    ds.Modality = meta.modality
    ds.PatientName, ds.PatientID = f"BLIND10^{index:03d}", f"B10-{seed}-{index:03d}"
    ds.ImageType = ["DERIVED", "SECONDARY"] if meta.modality == "SC" else ["ORIGINAL", "PRIMARY"]
    flag = int(rng.integers(3))
    if flag:
        ds.BurnedInAnnotation = "YES" if flag == 1 else "NO"
    color = meta.photometric not in ("MONOCHROME1", "MONOCHROME2")
    ds.Rows, ds.Columns = canvas.h, canvas.w
    ds.SamplesPerPixel = 3 if color else 1
    if color:
        ds.PlanarConfiguration = 0
    ds.PhotometricInterpretation = meta.photometric
    ds.BitsAllocated = 8 if arr.dtype.itemsize == 1 else 16
    ds.BitsStored, ds.HighBit = meta.bits_stored, meta.bits_stored - 1
    ds.PixelRepresentation = int(meta.signed)
    if frames > 1:
        ds.NumberOfFrames = frames
    if not color and (meta.slope != 1.0 or meta.intercept != 0.0 or meta.modality == "CT"):
        ds.RescaleSlope, ds.RescaleIntercept = meta.slope, meta.intercept
    if meta.window is not None:
        ds.WindowCenter, ds.WindowWidth = meta.window
    syntax = meta.syntax
    if syntax in (RLELossless, JPEG2000Lossless, JPEGLSLossless):
        ds.PixelData = arr.tobytes()
        ds.compress(syntax, arr, generate_instance_uid=False)
    elif syntax == JPEGBaseline8Bit:
        ds.PixelData = encapsulate(_jpeg(stack, meta))
        ds["PixelData"].VR = "OB"
        ds.file_meta.TransferSyntaxUID = syntax
        ds.LossyImageCompression = "01"
    elif syntax == ExplicitVRBigEndian:
        ds.file_meta.TransferSyntaxUID = syntax
        ds.PixelData = arr.astype(arr.dtype.newbyteorder(">")).tobytes()
        ds["PixelData"].VR = "OW" if ds.BitsAllocated > 8 else "OB"
    else:
        ds.file_meta.TransferSyntaxUID = syntax
        ds.PixelData = arr.tobytes()
        ds["PixelData"].VR = "OW" if ds.BitsAllocated > 8 else "OB"
    return pydicom.dcmread(io.BytesIO(dicom_bytes(ds)))


def dicom_bytes(ds: Dataset) -> bytes:
    """The file as written to disk."""
    buf = io.BytesIO()
    pydicom.dcmwrite(buf, ds, enforce_file_format=True)
    return buf.getvalue()


def decoded(ds: Dataset) -> np.ndarray:
    """Frames as pydicom decodes them (frame axis always present; YBR given as RGB)."""
    a = pydicom.dcmread(io.BytesIO(dicom_bytes(ds))).pixel_array
    frames = int(ds.get("NumberOfFrames", 1) or 1)
    return a if frames > 1 else a[None]


# ---------------------------------------------------------------- the set


def scene_of(index: int, seed: int) -> tuple[str, Scene]:
    order = np.random.default_rng([seed, 10]).permutation(len(SCENES))
    scene = SCENES[int(order[index % len(SCENES)])]
    return scene.__name__, scene


def _render(index: int, seed: int, text: bool) -> tuple[Canvas, Dataset]:
    _, scene = scene_of(index, seed)
    rng = np.random.default_rng([seed, index, 10])
    canvas, meta = scene(rng, text)
    return canvas, build(canvas, meta, index, seed, rng)


def truth(canvas: Canvas, with_text: np.ndarray, without: np.ndarray) -> list[Line]:
    diff = with_text != without
    if diff.ndim == 4:
        diff = diff.any(axis=3)
    h, w = diff.shape[1:]
    lines = []
    for text, frame, top, left, foot, identifier in canvas.drawn:
        grown = ndimage.binary_dilation(np.pad(foot, 1))
        top, left = top - 1, left - 1
        y0, x0 = max(top, 0), max(left, 0)
        y1, x1 = min(top + grown.shape[0], h), min(left + grown.shape[1], w)
        ink = diff[frame, y0:y1, x0:x1] & grown[y0 - top : y1 - top, x0 - left : x1 - left]
        if ink.sum() < 3:
            continue
        ys, xs = np.nonzero(ink)
        box = (y0 + int(ys.min()), x0 + int(xs.min()), y0 + int(ys.max()) + 1, x0 + int(xs.max()) + 1)
        lines.append(Line(text, frame, box, ink[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1].copy(), identifier))
    return lines


def blind10_case(index: int, seed: int, text: bool = True) -> Blind10Case:
    """Image ``index`` of the set; ``text=False``: the same image without its text (for checks)."""
    name, _ = scene_of(index, seed)
    control = index % 5 == 4
    canvas, ds = _render(index, seed, text and not control)
    label = f"blind10-{index:03d}-{name}" + ("-control" if control else "")
    if control or not text:
        return Blind10Case(label, ds, [])
    _, plain = _render(index, seed, False)
    return Blind10Case(label, ds, truth(canvas, decoded(ds), decoded(plain)))


def blind10_cases(count: int, seed: int) -> list[Blind10Case]:
    """``count`` images; every fifth (index 4, 9, ...) a control without text."""
    return [blind10_case(i, seed) for i in range(count)]


def summary(cases: list[Blind10Case]) -> dict[str, object]:
    from collections import Counter

    lines = [ln for c in cases for ln in c.lines]
    heights = sorted(ln.box[2] - ln.box[0] for ln in lines)
    return {
        "images": len(cases),
        "controls": sum(1 for c in cases if c.name.endswith("-control")),
        "lines": len(lines),
        "identifier lines": sum(ln.identifier for ln in lines),
        "lines on frames > 0": sum(1 for ln in lines if ln.frame > 0),
        "line heights min/median/max": (heights[0], heights[len(heights) // 2], heights[-1]) if heights else None,
        "syntaxes": dict(Counter(c.dataset.file_meta.TransferSyntaxUID.name for c in cases)),
        "scenes": dict(Counter(c.name.split("-", 2)[2].replace("-control", "") for c in cases)),
        "photometric": dict(Counter(str(c.dataset.PhotometricInterpretation) for c in cases)),
        "BurnedInAnnotation": dict(Counter(str(c.dataset.get("BurnedInAnnotation", "absent")) for c in cases)),
    }


if __name__ == "__main__":
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 40
    s = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    for k, v in summary(blind10_cases(n, s)).items():
        print(f"{k}: {v}")
