"""A third burned-in text image set, "blind3", written without looking at the detector.

Deterministic: ``blind3_cases(count, seed)`` always gives the same DICOM datasets and the same
ground truth.  Text is drawn with real TrueType fonts through Pillow (anti-aliased, or aliased
as a 1-bit font would be) and with Pillow's built-in bitmap font, in vendor-like layouts:
CT/MR corner blocks in three workstation styles, enhanced multi-frame series with text on some
frames only, PACS viewer screenshots, scanned paper requisitions, CT dose reports stored as
secondary captures, ultrasound with colour Doppler boxes and calipers, endoscopy and fundus
photographs with a timestamp, radiographs with burned L/R markers, technologist initials and a
label rotated 90 degrees, mammography labels and nuclear medicine summary pages.

Text effects: rotation by 90 degrees, outline, drop shadow, partial transparency, 5-7 px and
40-90 px sizes, text a few grey levels above its background, text over bone and over noise.
Pixel encodings: MONOCHROME1/2 at 8, 10, 12, 14 and 16 bits (signed and unsigned, with rescale
slope/intercept and odd window settings), RGB, PALETTE COLOR, YBR_FULL_422 JPEG baseline, RLE
lossless, JPEG 2000 lossless and JPEG-LS lossless.  BurnedInAnnotation is YES, NO or absent at
random, independent of the pixels.  About one case in six is text-free, with text-like
structures instead (rulers, grids, wires, stents, dense dots, ECG traces, calipers).

Ground truth: every drawn line in every frame it is drawn on is a :class:`pixel_blind2.Line` (box and ink
mask in that frame, stored-pixel changes only), whether it identifies someone or not.
"""
from __future__ import annotations

import io
from dataclasses import dataclass
from functools import lru_cache, partial
from pathlib import Path
from collections.abc import Callable, Sequence
from typing import TypeVar

import numpy as np
import pydicom
import pydicom.uid as uids
from PIL import Image, ImageDraw, ImageFont
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.encaps import encapsulate
from pydicom.sequence import Sequence as DicomSequence
from scipy import ndimage

from pixel_blind2 import Line  # the ground-truth line benchmarks/pixels.py scores: one interface for both sets

FONT_ROOT = Path("/usr/share/fonts/truetype")
FONTS = {  # face -> file under FONT_ROOT (Debian: fonts-dejavu-core, fonts-liberation, fonts-noto-core, fonts-wqy-microhei)
    "sans": "dejavu/DejaVuSans.ttf",
    "sans_bold": "dejavu/DejaVuSans-Bold.ttf",
    "mono": "dejavu/DejaVuSansMono.ttf",
    "mono_bold": "dejavu/DejaVuSansMono-Bold.ttf",
    "serif": "dejavu/DejaVuSerif.ttf",
    "courier": "liberation/LiberationMono-Regular.ttf",
    "narrow": "liberation/LiberationSansNarrow-Regular.ttf",
    "italic": "liberation/LiberationSerif-Italic.ttf",
    "arial_bold": "liberation/LiberationSans-Bold.ttf",
    "noto": "noto/NotoSans-Regular.ttf",
    "noto_bold": "noto/NotoSans-Bold.ttf",
    "noto_serif": "noto/NotoSerif-Regular.ttf",
    "arabic": "noto/NotoSansArabic-Regular.ttf",
    "hebrew": "noto/NotoSansHebrew-Regular.ttf",
    "cjk": "wqy/wqy-microhei.ttc",
}
LATIN_FACES = ("sans", "sans_bold", "mono", "mono_bold", "serif", "courier", "narrow", "arial_bold",
               "noto", "noto_bold", "noto_serif")
Color = tuple[float, float, float]
T = TypeVar("T")
Paint = float | Color


def missing_fonts() -> list[str]:
    """Font files this set needs that are not installed (tests skip on any)."""
    return [str(FONT_ROOT / name) for name in FONTS.values() if not (FONT_ROOT / name).is_file()]


# ---------------------------------------------------------------- ground truth

@dataclass
class Blind3Case:
    name: str
    dataset: Dataset
    lines: list[Line]


# ---------------------------------------------------------------- made-up people and places

NAMES: dict[str, tuple[tuple[str, str], ...]] = {
    "latin": (("Ørjan", "Mæhlum-Kvåle"), ("Maëlys", "Guérin-Lefèvre"), ("Ștefan", "Dumitrașcu"),
              ("Ignacy", "Wróblewski"), ("Anaïs", "Côté"), ("Björn", "Þórðarson"), ("Çağla", "Yıldırım"),
              ("Mirjana", "Đurović"), ("Joaquín", "Peña Ibáñez"), ("Siobhán", "Ní Bhriain"),
              ("Tadeusz", "Szczęsny"), ("Hanne", "Grünewald"), ("Oluwaseun", "Adebayo"),
              ("Thi Hương", "Nguyễn"), ("Leopold", "MacAskill"), ("Rosalía", "Echeverría")),
    "cyrillic": (("Евгения", "Сухорукова"), ("Тарас", "Шевчук"), ("Богдан", "Жуковский"),
                 ("Людмила", "Щербакова"), ("Всеволод", "Игнатьев")),
    "greek": (("Ευάγγελος", "Χατζηδάκης"), ("Φωτεινή", "Ψαρρού"), ("Θεόδωρος", "Κωνσταντίνου"),
              ("Ξανθή", "Λαμπράκη")),
    "cjk": (("佳怡", "林"), ("浩然", "黄"), ("美玲", "吴"), ("翔", "佐藤"), ("子涵", "诸葛")),
    "arabic": (("يوسف", "الحربي"), ("فاطمة", "الزهراني"), ("عمر", "القحطاني")),
    "hebrew": (("אביגיל", "רוזנטל"), ("יונתן", "בן דוד"), ("נועה", "אלמוג")),
}
SCRIPTS = ("latin", "latin", "latin", "latin", "cyrillic", "greek", "cjk", "arabic", "hebrew")
INSTITUTIONS = ("Fjellheim Sykehus", "Clinique Sainte-Bérénice", "Spital Oberwinkel-Härtli",
                "NORTHGATE DIAGNOSTIC IMAGING", "Ospedale Maria Ausiliatrice", "Hospital de São Brás",
                "Городская больница № 7", "Γενικό Νοσοκομείο Λάρισας", "市立第三人民医院",
                "Kilbride General Hospital", "Centro Médico Alameda", "Szpital Wojewódzki Łomża")
MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
TECHS = ("JK", "MRP", "A.S.", "TW", "LdV", "RT-KB", "HN")


@dataclass
class Person:
    script: str
    given: str
    family: str
    patient_id: str
    birth: tuple[int, int, int]
    sex: str
    study: tuple[int, int, int]
    time: str
    accession: str
    institution: str

    def name(self, style: int) -> str:
        if self.script in ("cjk",):
            return self.family + self.given
        if self.script in ("arabic", "hebrew"):
            return f"{self.given} {self.family}"
        forms = (f"{self.family.upper()}^{self.given.upper()}", f"{self.family}, {self.given}",
                 f"{self.given} {self.family}", f"{self.family.upper()} {self.given}")
        return forms[style % len(forms)]

    def dicom_name(self) -> str:
        return f"{self.family}^{self.given}"


def _pick(rng: np.random.Generator, options: Sequence[T]) -> T:
    return options[int(rng.integers(len(options)))]


def _int(rng: np.random.Generator, options: tuple[int, ...]) -> int:
    return int(options[int(rng.integers(len(options)))])


def _choice(rng: np.random.Generator, options: tuple[str, ...]) -> str:
    return str(options[int(rng.integers(len(options)))])


def date_text(day: tuple[int, int, int], style: int) -> str:
    y, m, d = day
    forms = (f"{d:02d}.{m:02d}.{y}", f"{y}-{m:02d}-{d:02d}", f"{m:02d}/{d:02d}/{y}", f"{d:02d}-{MONTHS[m - 1]}-{y}",
             f"{y}/{m:02d}/{d:02d}", f"{d} {MONTHS[m - 1].title()} {y}", f"{y}{m:02d}{d:02d}")
    return forms[style % len(forms)]


def _person(rng: np.random.Generator) -> Person:
    script = _choice(rng, SCRIPTS)
    given, family = NAMES[script][int(rng.integers(len(NAMES[script])))]
    digits = "".join(str(int(d)) for d in rng.integers(0, 10, 12))
    ids = (f"MRN {digits[:2]}-{digits[2:5]}-{digits[5:9]}", f"K{digits[:7]}", f"PID:{digits[:10]}",
           f"{digits[:6]}-{digits[6:10]}", f"NHS {digits[:3]} {digits[3:6]} {digits[6:10]}", f"0{digits[:8]}")
    birth = (int(rng.integers(1931, 2019)), int(rng.integers(1, 13)), int(rng.integers(1, 29)))
    study = (int(rng.integers(2016, 2026)), int(rng.integers(1, 13)), int(rng.integers(1, 29)))
    return Person(script=script, given=str(given), family=str(family), patient_id=_choice(rng, ids),
                  birth=birth, sex=_choice(rng, ("F", "M", "O")), study=study,
                  time=f"{int(rng.integers(0, 24)):02d}:{int(rng.integers(0, 60)):02d}:{int(rng.integers(0, 60)):02d}",
                  accession=_choice(rng, (f"ACC {digits[3:11]}", f"A{digits[:2]}-{digits[2:9]}", f"E{digits[4:11]}")),
                  institution=_choice(rng, INSTITUTIONS))


# ---------------------------------------------------------------- text rendering

@dataclass(frozen=True)
class Style:
    """How a line is drawn. ``face`` "bitmap" is Pillow's built-in bitmap font (Latin-1 only)."""

    face: str
    size: int
    aliased: bool = False
    rotate: int = 0
    outline: int = 0
    shadow: int = 0
    alpha: float = 1.0


@dataclass
class Glyphs:
    fill: np.ndarray
    halo: np.ndarray | None

    @property
    def height(self) -> int:
        return int(self.fill.shape[0])

    @property
    def width(self) -> int:
        return int(self.fill.shape[1])


@lru_cache(maxsize=256)
def _font(face: str, size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    if face == "bitmap":
        return ImageFont.load_default_imagefont()
    return ImageFont.truetype(str(FONT_ROOT / FONTS[face]), size)


def _face_for(text: str, face: str) -> str:
    if face == "bitmap":
        try:
            text.encode("latin-1")
        except UnicodeEncodeError:
            return "sans"
    if any("\u4e00" <= c <= "\u9fff" or "\u3040" <= c <= "\u30ff" for c in text):
        return "cjk"
    if any("\u0600" <= c <= "\u06ff" for c in text):
        return "arabic"
    if any("\u0590" <= c <= "\u05ff" for c in text):
        return "hebrew"
    return face


@lru_cache(maxsize=512)
def render(text: str, style: Style) -> Glyphs:
    """Coverage (0..1) of the glyphs and of their outline/shadow, trimmed to the drawn pixels."""
    face = _face_for(text, style.face)
    font = _font(face, style.size)
    pad = style.outline + style.shadow + 2
    left, top, right, bottom = ImageDraw.Draw(Image.new("L", (1, 1))).textbbox((0, 0), text, font=font)
    size = (int(right - left) + 2 * pad, int(bottom - top) + 2 * pad)
    origin = (pad - int(left), pad - int(top))
    fill = Image.new("L", size)
    draw = ImageDraw.Draw(fill)
    draw.fontmode = "1" if style.aliased or face == "bitmap" else "L"
    draw.text(origin, text, font=font, fill=255)
    halo = None
    if style.outline:
        ring = Image.new("L", size)
        ring_draw = ImageDraw.Draw(ring)
        ring_draw.fontmode = draw.fontmode
        ring_draw.text(origin, text, font=font, fill=255, stroke_width=style.outline, stroke_fill=255)
        halo = np.asarray(ring, dtype=np.float64) / 255
    core = np.asarray(fill, dtype=np.float64) / 255
    if style.shadow:
        shade = np.zeros_like(core)
        shade[style.shadow:, style.shadow:] = core[:-style.shadow, :-style.shadow]
        halo = shade if halo is None else np.maximum(halo, shade)
    if style.rotate:
        turns = style.rotate // 90
        core = np.rot90(core, turns)
        halo = None if halo is None else np.rot90(halo, turns)
    union = core if halo is None else np.maximum(core, halo)
    rows, cols = np.nonzero(union > 0)
    if not rows.size:
        return Glyphs(core[:1, :1] * 0, None)
    crop = (slice(rows.min(), rows.max() + 1), slice(cols.min(), cols.max() + 1))
    return Glyphs(np.ascontiguousarray(core[crop]), None if halo is None else np.ascontiguousarray(halo[crop]))


@dataclass
class Drawn:
    text: str
    frame: int
    y: int
    x: int
    cover: np.ndarray
    identifier: bool


class Canvas:
    """Display-space pixels (0 dark .. 1 bright; grey (F, H, W) or RGB (F, H, W, 3)) with the
    same pixels without text beside them, and every line drawn."""

    def __init__(self, pixels: np.ndarray, draw: bool) -> None:
        self.pixels = np.clip(pixels.astype(np.float64), 0, 1)
        self.clean = self.pixels.copy()
        self.draw = draw
        self.drawn: list[Drawn] = []

    @property
    def height(self) -> int:
        return int(self.pixels.shape[1])

    @property
    def width(self) -> int:
        return int(self.pixels.shape[2])

    @property
    def frames(self) -> int:
        return int(self.pixels.shape[0])

    def _paint(self, frame: int, y: int, x: int, cover: np.ndarray, paint: Paint, both: bool) -> None:
        y0, x0 = max(y, 0), max(x, 0)
        y1, x1 = min(y + cover.shape[0], self.height), min(x + cover.shape[1], self.width)
        if y1 <= y0 or x1 <= x0:
            return
        part = cover[y0 - y:y1 - y, x0 - x:x1 - x]
        targets = (self.pixels, self.clean) if both else (self.pixels,)
        for target in targets:
            region = target[frame, y0:y1, x0:x1]
            if region.ndim == 3:
                colour = np.asarray(paint if isinstance(paint, tuple) else (paint,) * 3)
                region[...] = region * (1 - part[..., None]) + colour * part[..., None]
            else:
                grey = float(np.mean(paint)) if isinstance(paint, tuple) else float(paint)
                region[...] = region * (1 - part) + grey * part

    def put(self, text: str, style: Style, y: int, x: int, paint: Paint, *, halo: Paint = 0.0,
            frames: tuple[int, ...] = (0,), identifier: bool = True) -> Glyphs:
        """Draw one line with its top-left corner at (y, x) on each of ``frames``."""
        glyphs = render(text, style)
        if not self.draw:
            return glyphs
        cover = glyphs.fill if glyphs.halo is None else np.maximum(glyphs.fill, glyphs.halo)
        for frame in frames:
            if glyphs.halo is not None:
                self._paint(frame, y, x, glyphs.halo * style.alpha, halo, both=False)
            self._paint(frame, y, x, glyphs.fill * style.alpha, paint, both=False)
            self.drawn.append(Drawn(text, frame, y, x, cover >= 0.5, identifier))
        return glyphs

    def shape(self, sketch: Callable[[ImageDraw.ImageDraw], None], paint: Paint,
              frames: tuple[int, ...] | None = None, blur: float = 0.0, alpha: float = 1.0) -> None:
        """Non-text graphics (lines, boxes, markers): drawn on the text-free pixels too."""
        layer = Image.new("L", (self.width, self.height))
        sketch(ImageDraw.Draw(layer))
        cover = np.asarray(layer, dtype=np.float64) / 255
        if blur:
            cover = ndimage.gaussian_filter(cover, blur)
        for frame in frames if frames is not None else range(self.frames):
            self._paint(frame, 0, 0, cover * alpha, paint, both=True)

    def lines(self, changed: np.ndarray) -> list[Line]:
        """Ground truth: each drawn line's ink where the stored pixels changed."""
        out = []
        for d in self.drawn:
            y0, x0 = max(d.y, 0), max(d.x, 0)
            y1, x1 = min(d.y + d.cover.shape[0], self.height), min(d.x + d.cover.shape[1], self.width)
            if y1 <= y0 or x1 <= x0:
                continue
            ink = d.cover[y0 - d.y:y1 - d.y, x0 - d.x:x1 - d.x] & changed[d.frame, y0:y1, x0:x1]
            rows, cols = np.nonzero(ink)
            if not rows.size:
                continue
            box = (y0 + int(rows.min()), x0 + int(cols.min()), y0 + int(rows.max()) + 1, x0 + int(cols.max()) + 1)
            mask = ink[rows.min():rows.max() + 1, cols.min():cols.max() + 1]
            out.append(Line(d.text, d.frame, box, np.ascontiguousarray(mask), d.identifier))
        return out


def block(canvas: Canvas, texts: list[tuple[str, bool]], corner: str, style: Style, paint: Paint, *,
          margin: tuple[int, int] = (6, 6), halo: Paint = 0.0, frames: tuple[int, ...] = (0,),
          leading: float = 1.3) -> None:
    """Stack lines in a corner ("tl", "tr", "bl", "br"), right-aligned on the right."""
    step = max(int(round(style.size * leading)), style.size + 2)
    height = step * len(texts)
    y = margin[0] if corner[0] == "t" else canvas.height - margin[0] - height
    for text, identifier in texts:
        glyphs = render(text, style)
        x = margin[1] if corner[1] == "l" else canvas.width - margin[1] - glyphs.width
        canvas.put(text, style, y, x, paint, halo=halo, frames=frames, identifier=identifier)
        y += step


# ---------------------------------------------------------------- image content

# pydicom test files; the ultrasound ones carry burned-in text of their own, so only a text-free
# crop (rows y0:y1, columns x0:x1) of them is used
TEST_FILES: dict[str, tuple[str, tuple[int, int, int, int] | None]] = {
    "ct": ("CT_small.dcm", None), "ct512": ("693_J2KI.dcm", None), "mr": ("MR_small.dcm", None),
    "mr_wide": ("examples_overlay.dcm", None), "nm": ("JPEG2000.dcm", None), "ot": ("image_dfl.dcm", None),
    "us_palette": ("examples_palette.dcm", (62, 340, 335, 770)), "us_rgb": ("examples_rgb_color.dcm", (58, 165, 42, 292)),
    "us_cine": ("examples_ybr_color.dcm", (28, 215, 40, 285))}


@lru_cache(maxsize=16)
def source_image(key: str) -> np.ndarray:
    """A pydicom test image as display values 0..1: grey (F, H, W) or RGB (F, H, W, 3)."""
    from pydicom.data import get_testdata_file
    from pydicom.pixels import apply_color_lut

    name, crop = TEST_FILES[key]
    ds = pydicom.dcmread(str(get_testdata_file(name)))
    array = ds.pixel_array
    if ds.PhotometricInterpretation == "PALETTE COLOR":
        array = apply_color_lut(array, ds)
    frames = int(ds.get("NumberOfFrames", 1) or 1)
    if frames == 1:
        array = array[None]
    if crop is not None:
        array = array[:, crop[0]:crop[1], crop[2]:crop[3]]
    array = array.astype(np.float64)
    low, high = np.percentile(array, (1, 99.7))
    return np.clip((array - low) / max(high - low, 1e-9), 0, 1)


def resized(image: np.ndarray, height: int, width: int) -> np.ndarray:
    """One frame (grey or RGB) resized bilinearly."""
    if image.ndim == 3:
        return np.stack([resized(image[..., c], height, width) for c in range(3)], axis=-1)
    picture = Image.fromarray(image.astype(np.float32), mode="F")
    return np.asarray(picture.resize((width, height), Image.Resampling.BILINEAR), dtype=np.float64)


def grey(image: np.ndarray) -> np.ndarray:
    """Luminance of one RGB frame (H, W, 3); a grey frame unchanged."""
    return image @ np.array([0.299, 0.587, 0.114]) if image.ndim == 3 else image


def smooth_noise(rng: np.random.Generator, height: int, width: int, scale: float) -> np.ndarray:
    """Zero-mean texture, about unit spread, with features ``scale`` pixels wide."""
    field_ = ndimage.gaussian_filter(rng.standard_normal((height, width)), scale)
    return field_ / max(float(field_.std()), 1e-9)


def ellipse(height: int, width: int, cy: float, cx: float, ry: float, rx: float) -> np.ndarray:
    yy, xx = np.mgrid[0:height, 0:width]
    return ((yy - cy) / ry) ** 2 + ((xx - cx) / rx) ** 2 <= 1


def body_section(rng: np.random.Generator, height: int, width: int) -> np.ndarray:
    """A CT-like axial chest: body, lungs, spine, ribs, table."""
    cy, cx = height * 0.5, width * 0.5
    image = np.zeros((height, width))
    image[ellipse(height, width, cy, cx, height * 0.33, width * 0.44)] = 0.42
    for side in (-1, 1):
        image[ellipse(height, width, cy - height * 0.02, cx + side * width * 0.19, height * 0.22, width * 0.14)] = 0.06
    image[ellipse(height, width, cy + height * 0.2, cx, height * 0.06, width * 0.05)] = 0.97
    for angle in np.linspace(0.3, np.pi - 0.3, 9):
        for side in (-1, 1):
            ry, rx = height * 0.31 * np.sin(angle), width * 0.42 * np.cos(angle) * side
            image[ellipse(height, width, cy - ry * 0.9 + height * 0.05, cx + rx, 5, 7)] = 0.9
    image[int(height * 0.87):int(height * 0.89), int(width * 0.15):int(width * 0.85)] = 0.55
    texture = smooth_noise(rng, height, width, 2.0) * 0.03 + rng.standard_normal((height, width)) * 0.02
    return np.clip(ndimage.gaussian_filter(image, 1.2) + texture * (image > 0.02), 0, 1)


def radiograph(rng: np.random.Generator, height: int, width: int) -> np.ndarray:
    """A DX-like limb or chest: dark direct exposure, soft tissue, bright bones, collimation."""
    image = np.full((height, width), 0.05)
    if rng.random() < 0.5:
        image[ellipse(height, width, height * 0.5, width * 0.5, height * 0.45, width * 0.4)] = 0.45
        for side in (-1, 1):
            image[ellipse(height, width, height * 0.45, width * (0.5 + side * 0.17), height * 0.32, width * 0.13)] = 0.22
        for k in range(8):
            yy = height * (0.2 + 0.07 * k)
            for side in (-1, 1):
                band = ellipse(height, width, yy, width * (0.5 + side * 0.2), height * 0.025, width * 0.18)
                image[band & ~ellipse(height, width, yy + 6, width * (0.5 + side * 0.2), height * 0.02, width * 0.16)] = 0.8
        image[:, int(width * 0.47):int(width * 0.53)] = np.maximum(image[:, int(width * 0.47):int(width * 0.53)], 0.75)
    else:
        image[ellipse(height, width, height * 0.5, width * 0.5, height * 0.48, width * 0.16)] = 0.4
        for offset in (-0.05, 0.05):
            image[ellipse(height, width, height * 0.5, width * (0.5 + offset), height * 0.44, width * 0.03)] = 0.95
    image = ndimage.gaussian_filter(image, 2.0) + smooth_noise(rng, height, width, 1.0) * 0.02
    border = int(rng.integers(6, max(7, width // 12)))
    image[:, :border] = image[:, -border:] = 0.93
    return np.clip(image, 0, 1)


def breast(rng: np.random.Generator, height: int, width: int, right: bool) -> np.ndarray:
    """A mammogram-like breast against the chest wall on one side, fibroglandular texture."""
    cx = width if right else 0
    mask = ellipse(height, width, height * 0.5, cx, height * 0.42, width * 0.7)
    tissue = 0.35 + 0.2 * np.clip(smooth_noise(rng, height, width, 6.0), -1.5, 1.5) + 0.05 * smooth_noise(rng, height, width, 1.0)
    return np.clip(ndimage.gaussian_filter(np.where(mask, tissue, 0.02), 1.0), 0, 1)


def photo(rng: np.random.Generator, height: int, width: int, fundus: bool) -> np.ndarray:
    """RGB: an endoscopic view (pink mucosa, octagonal field) or a fundus (orange disc, vessels)."""
    texture = smooth_noise(rng, height, width, 5.0)
    base = np.array((0.78, 0.36, 0.22)) if fundus else np.array((0.86, 0.5, 0.45))
    image = base[None, None, :] * (0.8 + 0.15 * texture[..., None])
    if fundus:
        for angle in rng.uniform(0, 2 * np.pi, 7):
            steps = rng.standard_normal((300, 2)) * 0.8 + (np.sin(angle) * 1.2, np.cos(angle) * 1.2)
            path = np.cumsum(steps, axis=0) + (height * 0.5, width * 0.62)
            for py, px in path.astype(int):
                if 0 <= py < height - 2 and 0 <= px < width - 2:
                    image[py:py + 3, px:px + 3] *= 0.6
        image[ellipse(height, width, height * 0.5, width * 0.62, height * 0.07, height * 0.07)] = (0.98, 0.9, 0.6)
        field_mask = ellipse(height, width, height * 0.5, width * 0.55, height * 0.46, height * 0.46)
    else:
        yy, xx = np.mgrid[0:height, 0:width]
        dy, dx = np.abs(yy - height * 0.5), np.abs(xx - width * 0.58)
        field_mask = (dy < height * 0.46) & (dx < height * 0.46) & (dy + dx < height * 0.62)
        image = image + 0.35 * np.exp(-((yy - height * 0.45) ** 2 + (xx - width * 0.6) ** 2) / (2 * (height * 0.08) ** 2))[..., None]
    image[~field_mask] = 0.0
    return np.clip(image, 0, 1)


def sector(rng: np.random.Generator, height: int, width: int, top: int) -> np.ndarray:
    """A B-mode fan with speckle, apex at the top centre."""
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float64)
    radius = np.hypot(yy - top, xx - width / 2)
    angle = np.arctan2(xx - width / 2, yy - top)
    fan = (np.abs(angle) < 0.6) & (radius > 20) & (radius < height - top - 10)
    speckle = rng.rayleigh(0.3, (height, width)) * (0.6 + 0.4 * smooth_noise(rng, height, width, 8.0).clip(-1, 1))
    speckle = ndimage.gaussian_filter(speckle, (1.5, 0.7))
    return np.where(fan, np.clip(speckle, 0, 1), 0.0)


def clutter(rng: np.random.Generator, canvas: Canvas, count: int) -> None:
    """Text-like structures that are not text: ruler ticks, grid, wires, stent, dots, ECG."""
    h, w = canvas.height, canvas.width
    bright: Paint = (0.9, 0.9, 0.2) if canvas.pixels.ndim == 4 and rng.random() < 0.4 else 0.95
    for _ in range(count):
        kind = _choice(rng, ("ruler", "grid", "wires", "stent", "dots", "ecg", "calipers"))
        y0, x0 = int(rng.integers(h // 6, h // 2)), int(rng.integers(w // 6, w // 2))

        def sketch(d: ImageDraw.ImageDraw, kind: str = kind, y0: int = y0, x0: int = x0) -> None:
            if kind == "ruler":
                x = w - 14
                for k, y in enumerate(range(h // 5, 4 * h // 5, 6)):
                    d.line((x - (8 if k % 5 == 0 else 4), y, x, y), fill=255)
                d.line((x, h // 5, x, 4 * h // 5), fill=255)
            elif kind == "grid":
                for g in range(0, w, 24):
                    d.line((g, 0, g, h), fill=110)
                for g in range(0, h, 24):
                    d.line((0, g, w, g), fill=110)
            elif kind == "wires":
                for k in range(5):
                    yy = y0 + 14 * k
                    d.ellipse((x0, yy, x0 + 10, yy + 6), outline=255, width=2)
                    d.line((x0 + 10, yy + 3, x0 + 16, yy + 1, x0 + 12, yy + 5), fill=255, width=1)
            elif kind == "stent":
                for k in range(14):
                    d.line((x0 + 4 * k, y0, x0 + 4 * k + 2, y0 + 10, x0 + 4 * k + 4, y0), fill=255)
                    d.line((x0 + 4 * k, y0 + 20, x0 + 4 * k + 2, y0 + 10, x0 + 4 * k + 4, y0 + 20), fill=255)
            elif kind == "dots":
                for _ in range(60):
                    py, px = y0 + rng.normal(0, 10), x0 + rng.normal(0, 14)
                    d.ellipse((px, py, px + 1.5, py + 1.5), fill=255)
            elif kind == "ecg":
                points = [(x, h - 30 + (-14 if x % 60 == 30 else (5 if x % 60 == 33 else 0))) for x in range(10, w - 10, 3)]
                d.line(points, fill=255, width=1)
            else:
                for k in range(2):
                    cy, cx = y0 + 40 * k, x0 + 30 * k
                    d.line((cx - 4, cy, cx + 4, cy), fill=255)
                    d.line((cx, cy - 4, cx, cy + 4), fill=255)
                d.line((x0, y0, x0 + 30, y0 + 40), fill=160)

        canvas.shape(sketch, bright)


# ---------------------------------------------------------------- scenes

@dataclass
class Pixels:
    """How the display values are stored."""

    photometric: str = "MONOCHROME2"
    bits: int = 8
    signed: bool = False
    syntax: str = uids.ExplicitVRLittleEndian
    rescale: tuple[float, float] | None = None
    window: tuple[float, float] | None = None

    @property
    def top(self) -> int:
        return 255 if self.photometric not in ("MONOCHROME1", "MONOCHROME2") else 2 ** self.bits - 1


@dataclass
class Scene:
    kind: str
    modality: str
    sop: str
    canvas: Canvas
    pixels: Pixels
    enhanced: bool = False


SOP = {"CT": "1.2.840.10008.5.1.4.1.1.2", "MR": "1.2.840.10008.5.1.4.1.1.4", "ECT": "1.2.840.10008.5.1.4.1.1.2.1",
       "EMR": "1.2.840.10008.5.1.4.1.1.4.1", "XA": "1.2.840.10008.5.1.4.1.1.12.1", "US": "1.2.840.10008.5.1.4.1.1.6.1",
       "USMF": "1.2.840.10008.5.1.4.1.1.3.1", "SC": "1.2.840.10008.5.1.4.1.1.7", "SCMF": "1.2.840.10008.5.1.4.1.1.7.3",
       "DX": "1.2.840.10008.5.1.4.1.1.1.1", "CR": "1.2.840.10008.5.1.4.1.1.1", "MG": "1.2.840.10008.5.1.4.1.1.1.2",
       "ES": "1.2.840.10008.5.1.4.1.1.77.1.1", "OP": "1.2.840.10008.5.1.4.1.1.77.1.5.1", "NM": "1.2.840.10008.5.1.4.1.1.20"}
GREY_SYNTAXES = (uids.ExplicitVRLittleEndian, uids.ExplicitVRLittleEndian, uids.RLELossless,
                 uids.JPEG2000Lossless, uids.JPEGLSLossless)
COLOUR_SYNTAXES = (uids.ExplicitVRLittleEndian, uids.RLELossless, uids.JPEGBaseline8Bit, uids.JPEGBaseline8Bit)


def grey_pixels(rng: np.random.Generator, bits: tuple[int, ...], monochrome1: float = 0.15,
                rescale: tuple[tuple[float, float] | None, ...] = (None,)) -> Pixels:
    stored = _int(rng, bits)
    window = _pick(rng, ((40.0, 400.0), (3000.0, 100.0), (-600.0, 1500.0), (2 ** (stored - 1), 2.0 ** stored), (7.0, 3.0), None))
    return Pixels(photometric="MONOCHROME1" if rng.random() < monochrome1 else "MONOCHROME2", bits=stored,
                  signed=stored == 16 and rng.random() < 0.5, syntax=_choice(rng, GREY_SYNTAXES),
                  rescale=_pick(rng, rescale), window=window)


def colour_pixels(rng: np.random.Generator) -> Pixels:
    syntax = _choice(rng, COLOUR_SYNTAXES)
    return Pixels(photometric="YBR_FULL_422" if syntax == uids.JPEGBaseline8Bit else "RGB", syntax=syntax)


def text_style(rng: np.random.Generator, faces: tuple[str, ...], low: int, high: int) -> Style:
    """A corner-text style: mostly plain; sometimes tiny, aliased, outlined, shadowed or translucent."""
    size = int(rng.integers(5, 8)) if rng.random() < 0.15 else int(rng.integers(low, high + 1))
    face = "bitmap" if rng.random() < 0.08 else _choice(rng, faces)
    effect = rng.random()
    return Style(face=face, size=size, aliased=size <= 7 and rng.random() < 0.5 or rng.random() < 0.1,
                 outline=1 if 0.7 < effect < 0.85 else 0, shadow=1 if effect >= 0.85 else 0,
                 alpha=float(rng.uniform(0.45, 0.7)) if effect < 0.1 else 1.0)


def text_grey(rng: np.random.Generator, canvas: Canvas, pixels: Pixels, y: int, x: int) -> float:
    """Mostly white; sometimes mid grey, or a few stored levels above the background at (y, x)."""
    roll = rng.random()
    if roll < 0.12:
        under = float(np.median(canvas.clean[0, y:y + 12, x:x + 40]))
        return min(under + float(rng.integers(3, 9)) / pixels.top, 1.0)
    return 0.72 if roll < 0.25 else 1.0


def _base(rng: np.random.Generator, sources: tuple[str, ...], height: int, width: int) -> np.ndarray:
    source = _choice(rng, sources)
    if source == "synthetic":
        return body_section(rng, height, width)
    image = source_image(source)[0]
    return resized(image if image.ndim == 2 else image.mean(axis=-1), height, width)


def corner_texts(rng: np.random.Generator, who: Person, vendor: str, modality: str) -> dict[str, list[tuple[str, bool]]]:
    """What three workstation styles write in the four corners of a CT or MR image."""
    name, birth = who.name(int(rng.integers(4))), date_text(who.birth, int(rng.integers(7)))
    study = date_text(who.study, int(rng.integers(7)))
    kv = f"{_int(rng, (80, 100, 120, 140))} kV" if modality == "CT" else f"TR {int(rng.integers(400, 6000))}"
    if vendor == "ge":
        return {"tl": [(who.institution, True), (f"Ex: {int(rng.integers(1000, 99999))}", True), ("Se: 3", False), (f"Im: {int(rng.integers(1, 300))}", False)],
                "tr": [(name, True), (who.patient_id, True), (f"DOB: {birth}", True), (who.accession, True)],
                "bl": [(kv, False), ("DFOV 36.0cm", False), ("STND", False)],
                "br": [("W:400 L:40", False), (f"{study} {who.time}", True)]}
    if vendor == "siemens":
        return {"tl": [(name, True), (f"{who.patient_id}", True), (f"*{birth}, {who.sex}", True), (f"{study} {who.time[:5]}", True)],
                "tr": [(who.institution, True), ("SOMATOM go.Up" if modality == "CT" else "MAGNETOM Vida", False), ("H-SP-CR", False)],
                "bl": [(kv, False), ("Eff. mAs 84" if modality == "CT" else "TE 96", False), ("5.0 mm", False)],
                "br": [("W 350", False), ("C 50", False)]}
    return {"tl": [(name, True), (f"ID {who.patient_id}", True), (f"{birth} {who.sex}", True)],
            "tr": [(who.institution, True), (who.accession, True), (study, True)],
            "bl": [("Ingenia 3.0T" if modality == "MR" else "IQon Spectral CT", False), (kv, False)],
            "br": [("WL 60 WW 360", False), ("Zoom 112%", False)]}


def cross_section(rng: np.random.Generator, who: Person, draw: bool) -> Scene:
    """CT or MR with GE-, Siemens- or Philips-like corner blocks."""
    modality = _choice(rng, ("CT", "CT", "MR"))
    size = _int(rng, (256, 384, 512))
    sources = ("ct512", "ct", "synthetic") if modality == "CT" else ("mr", "mr_wide", "synthetic")
    canvas = Canvas(_base(rng, sources, size, size)[None] * 0.92, draw)
    pixels = grey_pixels(rng, (12, 16) if modality == "CT" else (10, 12, 16),
                         rescale=((1.0, -1024.0), (0.5, -300.0), None) if modality == "CT" else (None, (1.3, 0.0)))
    vendor = _choice(rng, ("ge", "siemens", "philips"))
    faces = {"ge": ("mono", "courier", "mono_bold"), "siemens": ("sans", "noto", "arial_bold"),
             "philips": ("narrow", "sans", "noto_bold")}[vendor]
    style = text_style(rng, faces, 9, 15)
    for corner, texts in corner_texts(rng, who, vendor, modality).items():
        y = 4 if corner[0] == "t" else size - 60
        x = 4 if corner[1] == "l" else size - 60
        paint = text_grey(rng, canvas, pixels, y, x)
        block(canvas, texts, corner, style, paint, margin=(int(rng.integers(3, 10)), int(rng.integers(3, 10))))
    if rng.random() < 0.4:
        big = Style(face=_choice(rng, faces), size=int(rng.integers(14, 22)), outline=1)
        for letter, (y, x) in (("R", (size // 2, 4)), ("A", (size // 5, size // 2))):
            canvas.put(letter, big, y, x, 1.0, halo=0.0, identifier=False)
    if rng.random() < 0.3:
        clutter(rng, canvas, 1)
    return Scene(f"{modality.lower()}_{vendor}", modality, SOP[modality], canvas, pixels)


def multiframe(rng: np.random.Generator, who: Person, draw: bool) -> Scene:
    """Enhanced CT/MR or XA cine: demographics on the first frame, a label on a few others."""
    frames = int(rng.integers(3, 7))
    kind = _choice(rng, ("ECT", "EMR", "XA"))
    size = _int(rng, (256, 320))
    if kind == "XA":
        cine = source_image("us_cine")
        stack = np.stack([resized(cine[k % cine.shape[0]].mean(axis=-1), size, size) for k in range(frames)])
        stack = 1 - stack * 0.8
    else:
        stack = np.stack([body_section(rng, size, size) for _ in range(frames)])
    canvas = Canvas(stack * 0.9, draw)
    pixels = grey_pixels(rng, (12, 16), monochrome1=0.1, rescale=((1.0, -1024.0), None))
    pixels.syntax = _choice(rng, (uids.ExplicitVRLittleEndian, uids.RLELossless, uids.JPEG2000Lossless))
    style = text_style(rng, ("sans", "mono", "noto", "narrow"), 8, 13)
    paint = 1.0 if kind != "XA" else _pick(rng, (1.0, 0.0))
    block(canvas, [(who.name(int(rng.integers(4))), True), (who.patient_id, True),
                   (date_text(who.birth, int(rng.integers(7))), True)], "tl", style, paint)
    later = tuple(int(f) for f in rng.choice(np.arange(1, frames), size=int(rng.integers(1, frames)), replace=False))
    canvas.put(who.institution, style, size - style.size - 12, 8, paint, frames=later)
    for f in range(frames):
        if rng.random() < 0.5:
            canvas.put(f"{f + 1}/{frames}", style, 6, size - 8 * style.size // 2 - 10, paint, frames=(f,), identifier=False)
    if rng.random() < 0.4:
        clutter(rng, canvas, 1)
    modality = {"ECT": "CT", "EMR": "MR", "XA": "XA"}[kind]
    return Scene(f"multiframe_{kind.lower()}", modality, SOP[kind], canvas, pixels, enhanced=kind != "XA")


def pacs_screenshot(rng: np.random.Generator, who: Person, draw: bool) -> Scene:
    """A viewer screenshot: title bar with the patient, thumbnails, two viewports, status bar."""
    height, width = _int(rng, (480, 600)), _int(rng, (640, 800))
    ui = float(rng.uniform(0.08, 0.2))
    image = np.full((1, height, width, 3), ui)
    canvas = Canvas(image, draw)
    canvas.shape(lambda d: d.rectangle((0, 0, width, 24), fill=255), (0.16, 0.22, 0.34))
    canvas.shape(lambda d: d.rectangle((0, height - 18, width, height), fill=255), (0.22, 0.22, 0.22))
    tiles = [(30, 100, height - 24, 100 + (width - 104) // 2), (30, 102 + (width - 104) // 2, height - 24, width - 4)]
    for y0, x0, y1, x1 in tiles:
        content = _base(rng, ("ct512", "mr_wide", "synthetic", "ot"), y1 - y0, x1 - x0)
        canvas.pixels[0, y0:y1, x0:x1] = canvas.clean[0, y0:y1, x0:x1] = content[..., None]
    for k in range(4):
        y0 = 34 + k * 86
        thumb = _base(rng, ("ct", "mr", "synthetic"), 64, 80)
        canvas.pixels[0, y0:y0 + 64, 8:88] = canvas.clean[0, y0:y0 + 64, 8:88] = thumb[..., None]
    style = Style(face=_choice(rng, ("noto", "sans", "narrow")), size=int(rng.integers(11, 15)))
    title = f"{who.name(int(rng.integers(4)))}   {who.patient_id}   {date_text(who.birth, int(rng.integers(7)))}  {who.sex}"
    canvas.put(title, style, 5, 8, 1.0)
    study_label = f"CT THORAX  {date_text(who.study, int(rng.integers(7)))}"
    canvas.put(study_label, style, 5, width - render(study_label, style).width - 10, (0.95, 0.85, 0.3), identifier=True)
    small = Style(face=_choice(rng, ("sans", "mono", "bitmap")), size=int(rng.integers(7, 10)))
    for k in range(4):
        canvas.put(f"Se {k + 1}  {int(rng.integers(1, 400))} im", small, 34 + k * 86 + 66, 8, 0.85, identifier=False)
    overlay = text_style(rng, ("sans", "noto", "mono"), 8, 11)
    for y0, x0, y1, x1 in tiles:
        canvas.put(who.name(0), overlay, y0 + 4, x0 + 4, (0.3, 1.0, 0.3))
        canvas.put(who.accession, overlay, y0 + 6 + overlay.size + 2, x0 + 4, (0.3, 1.0, 0.3))
        label = "W 1500 L -600"
        canvas.put(label, overlay, y1 - overlay.size - 8, x1 - render(label, overlay).width - 6, (1.0, 1.0, 1.0), identifier=False)
    status = f"{who.institution}  |  user: rad{int(rng.integers(10, 99))}  |  {who.time}"
    canvas.put(status, small, height - 14, 8, 0.8)
    if rng.random() < 0.3:
        clutter(rng, canvas, 1)
    pixels = colour_pixels(rng)
    return Scene("pacs_screenshot", "OT", SOP["SC"], canvas, pixels)


def _rule(end_points: tuple[int, int, int, int], draw: ImageDraw.ImageDraw) -> None:
    draw.line(end_points, fill=255)


def _bar(corners: tuple[int, int, int, int], draw: ImageDraw.ImageDraw) -> None:
    draw.rectangle(corners, fill=255)


def _cross(centre: tuple[int, int], draw: ImageDraw.ImageDraw) -> None:
    y, x = centre
    draw.line((x - 5, y, x + 5, y), fill=255)
    draw.line((x, y - 5, x, y + 5), fill=255)


def requisition(rng: np.random.Generator, who: Person, draw: bool) -> Scene:
    """A scanned paper request: paper grain, form rules, typed and 'handwritten' fields, a stamp."""
    height, width = _int(rng, (640, 800)), _int(rng, (480, 600))
    paper = 0.9 + 0.03 * smooth_noise(rng, height, width, 3.0) + 0.015 * rng.standard_normal((height, width))
    paper += np.linspace(0, -0.08, width)[None, :]
    colour = rng.random() < 0.5
    image = np.repeat(paper[None, ..., None], 3, axis=-1) * (1.0, 0.98, 0.92) if colour else paper[None]
    canvas = Canvas(image, draw)
    ink = 0.12
    canvas.put(who.institution, Style(face=_choice(rng, ("noto_bold", "arial_bold", "serif")), size=int(rng.integers(20, 32))), 20, 24, ink)
    canvas.put("REQUEST FOR IMAGING EXAMINATION", Style(face="sans_bold", size=13), 64, 24, ink, identifier=False)
    fields = [("Patient name", who.name(int(rng.integers(4)))), ("Date of birth", date_text(who.birth, int(rng.integers(7)))),
              ("Hospital no.", who.patient_id), ("Accession", who.accession), ("Clinical details", "? PE, SOB 3/7")]
    typed = Style(face=_choice(rng, ("courier", "mono", "serif")), size=int(rng.integers(12, 16)))
    hand = Style(face="italic", size=int(rng.integers(16, 24)))
    for k, (label, value) in enumerate(fields):
        y = 100 + k * 46
        canvas.shape(partial(_rule, (150, y + 26, width - 30, y + 26)), ink, alpha=0.6)
        canvas.put(f"{label}:", typed, y + 6, 24, ink, identifier=False)
        written = hand if rng.random() < 0.5 else typed
        canvas.put(value, written, y + 4, 160, (0.1, 0.15, 0.5) if colour else 0.2, identifier=k < 4)
    stamp = Style(face="arial_bold", size=int(rng.integers(16, 22)), rotate=_int(rng, (0, 90)), outline=0)
    stamp_text = f"RECEIVED {date_text(who.study, 3)}"
    canvas.put(stamp_text, stamp, height - 260, width - 70 if stamp.rotate else 40, (0.75, 0.1, 0.1) if colour else 0.45,
               identifier=True)
    fax = Style(face="bitmap" if rng.random() < 0.5 else "mono", size=9, rotate=90)
    canvas.put(f"FAX {who.time} {who.institution[:18]} P.1/1", fax, 40, 4, 0.25)
    for k in range(int(rng.integers(10, 30))):
        canvas.shape(partial(_bar, (40 + 5 * k, height - 70, 41 + 5 * k + (k % 3), height - 30)), ink)
    pixels = colour_pixels(rng) if colour else Pixels(photometric=_choice(rng, ("MONOCHROME2", "MONOCHROME1")), bits=8,
                                                      syntax=_choice(rng, GREY_SYNTAXES))
    return Scene("scanned_requisition", "OT", SOP["SC"], canvas, pixels)


def dose_report(rng: np.random.Generator, who: Person, draw: bool) -> Scene:
    """A CT dose report page stored as a secondary capture."""
    height, width = 512, _int(rng, (512, 640))
    dark = rng.random() < 0.6
    canvas = Canvas(np.full((1, height, width), 0.0 if dark else 0.97), draw)
    ink = 0.95 if dark else 0.05
    mono = Style(face=_choice(rng, ("mono", "courier", "bitmap")), size=int(rng.integers(9, 13)))
    head = Style(face=_choice(rng, ("sans_bold", "noto_bold")), size=int(rng.integers(14, 18)))
    canvas.put("Dose Report", head, 14, 16, ink, identifier=False)
    rows = [(f"Patient Name: {who.name(0)}", True), (f"Patient ID: {who.patient_id}", True),
            (f"Accession Number: {who.accession}", True), (f"Exam Date: {date_text(who.study, 4)} {who.time}", True),
            ("", False), ("Series  Type     Scan Range (mm)   CTDIvol  DLP    Phantom", False)]
    for k in range(int(rng.integers(2, 6))):
        start = int(rng.integers(-300, 0))
        rows.append((f"{k + 1:<7} {_choice(rng, ('Helical', 'Axial  ', 'Scout  '))}  S{-start}-I{-start + 380:<12} "
                     f"{rng.uniform(1, 20):6.2f}  {rng.uniform(20, 900):7.2f}  Body 32", False))
    rows += [("", False), (f"Total mAs {int(rng.integers(200, 5000))}   Total DLP: {rng.uniform(100, 1500):.2f} mGy-cm", False)]
    y = 48
    for text, identifier in rows:
        if text:
            canvas.put(text, mono, y, 16, ink, identifier=identifier)
        y += mono.size + 7
    canvas.shape(lambda d: d.line((16, 44, width - 16, 44), fill=255), ink)
    if rng.random() < 0.4:
        canvas.put(who.institution, Style(face="sans", size=10), height - 24, 16, 0.6 if dark else 0.4)
    pixels = colour_pixels(rng) if rng.random() < 0.3 else Pixels(bits=8, syntax=_choice(rng, GREY_SYNTAXES))
    if pixels.photometric in ("RGB", "YBR_FULL_422"):
        canvas.pixels = np.repeat(canvas.pixels[..., None], 3, axis=-1)
        canvas.clean = np.repeat(canvas.clean[..., None], 3, axis=-1)
    return Scene("dose_report", "CT", SOP["SC"], canvas, pixels)


def _doppler(rng: np.random.Generator, canvas: Canvas, frames: int) -> None:
    """A colour box over the fan with red/blue flow and its outline."""
    h, w = canvas.height, canvas.width
    y0, x0 = int(h * 0.35), int(w * 0.42)
    y1, x1 = y0 + int(h * 0.25), x0 + int(w * 0.2)
    flow = smooth_noise(rng, y1 - y0, x1 - x0, 4.0)
    red, blue = flow > 0.6, flow < -0.8
    for f in range(frames):
        for target in (canvas.pixels, canvas.clean):
            target[f, y0:y1, x0:x1][red] = (0.95, 0.15, 0.05)
            target[f, y0:y1, x0:x1][blue] = (0.1, 0.3, 0.95)
    canvas.shape(lambda d: d.rectangle((x0, y0, x1, y1), outline=255), (0.85, 0.85, 0.85))


def ultrasound(rng: np.random.Generator, who: Person, draw: bool) -> Scene:
    """RGB ultrasound: header bar, fan, colour Doppler box, calipers with measurements, TIS/MI."""
    frames = _int(rng, (1, 1, 3, 4))
    height, width = 480, 640
    top = 60
    if rng.random() < 0.5:
        base = np.stack([sector(rng, height, width, top) for _ in range(frames)])
    else:
        source = source_image(_choice(rng, ("us_rgb", "us_palette")))[0]
        base = np.stack([grey(resized(source, height, width)) * 0.9] * frames)
        base[:, :top] = 0
    canvas = Canvas(np.repeat(base[..., None], 3, axis=-1), draw)
    if rng.random() < 0.7:
        _doppler(rng, canvas, frames)
    all_frames = tuple(range(frames))
    head = text_style(rng, ("sans", "noto", "narrow", "arial_bold"), 11, 15)
    head = Style(face=head.face, size=head.size, aliased=head.aliased)
    canvas.put(who.name(int(rng.integers(4))), head, 6, 10, 1.0, frames=all_frames)
    canvas.put(f"ID: {who.patient_id}", head, 8 + head.size + 4, 10, 1.0, frames=all_frames)
    right = f"{date_text(who.study, int(rng.integers(7)))}  {who.time}"
    canvas.put(right, head, 6, width - render(right, head).width - 10, 1.0, frames=all_frames)
    canvas.put(who.institution, head, 8 + head.size + 4, width - render(who.institution, head).width - 10, 0.8, frames=all_frames)
    small = Style(face=_choice(rng, ("sans", "mono", "bitmap")), size=int(rng.integers(8, 11)))
    for k, text in enumerate(("C5-1", "Abd Gen", "MI 0.9", "TIS 0.4", "FR 21Hz", "G 54")):
        canvas.put(text, small, 90 + k * (small.size + 6), 10, 0.9, frames=all_frames, identifier=False)
    for k, depth in enumerate(range(0, 20, 5)):
        canvas.put(str(depth), small, top + 20 + k * 90, width - 30, 0.8, frames=all_frames, identifier=False)
    last = (frames - 1,)
    cy, cx = int(rng.integers(200, 300)), int(rng.integers(220, 360))
    for py, px in ((cy, cx), (cy + 40, cx + 55)):
        canvas.shape(partial(_cross, (py, px)),
                     (0.95, 0.95, 0.2), frames=last)
    calliper = Style(face=_choice(rng, ("sans", "noto")), size=int(rng.integers(10, 14)), shadow=int(rng.integers(0, 2)))
    canvas.put(f"D1 {rng.uniform(0.5, 6):.2f} cm", calliper, height - 60, width - 170, (0.95, 0.95, 0.2), frames=last, identifier=False)
    if rng.random() < 0.3:
        canvas.put("LIVER", Style(face="sans_bold", size=16, outline=1), height - 30, 20, 1.0, halo=0.0, frames=last, identifier=False)
    pixels = colour_pixels(rng)
    return Scene("ultrasound_doppler", "US", SOP["USMF"] if frames > 1 else SOP["US"], canvas, pixels)


def photograph(rng: np.random.Generator, who: Person, draw: bool) -> Scene:
    """Endoscopy or fundus photograph: black margin with demographics, a timestamp, translucent text."""
    fundus = rng.random() < 0.4
    height, width = _int(rng, (480, 576)), _int(rng, (640, 720))
    canvas = Canvas(photo(rng, height, width, fundus)[None], draw)
    face = _choice(rng, ("sans", "noto", "mono", "arial_bold", "bitmap"))
    style = Style(face=face, size=int(rng.integers(10, 16)), aliased=rng.random() < 0.3)
    block(canvas, [(who.name(int(rng.integers(4))), True), (who.patient_id, True), (f"{who.sex} {date_text(who.birth, 0)}", True)],
          "tl", style, 1.0, margin=(10, 10))
    stamp = f"{date_text(who.study, 4)} {who.time}"
    stamp_colour = _pick(rng, ((1.0, 0.95, 0.1), (1.0, 1.0, 1.0), (0.2, 1.0, 1.0)))
    block(canvas, [(stamp, True)], "br" if fundus else "bl", style, stamp_colour, margin=(10, 10))
    if not fundus:
        block(canvas, [("Eh:A5 Ce:3", False), ("CVP:2  NBI", False)], "tr", style, 1.0, margin=(10, 10))
    over = Style(face=_choice(rng, ("sans_bold", "noto_bold")), size=int(rng.integers(14, 24)),
                 alpha=float(rng.uniform(0.35, 0.6)) if rng.random() < 0.5 else 1.0, outline=int(rng.integers(0, 3)))
    if rng.random() < 0.6:
        canvas.put(who.name(2), over, int(height * 0.7), int(width * 0.45), 1.0, halo=0.0)
    if fundus:
        canvas.put(_choice(rng, ("OD", "OS")), Style(face="sans_bold", size=int(rng.integers(40, 70))), height - 90, 20, (0.9, 0.9, 0.9),
                   identifier=False)
    pixels = colour_pixels(rng)
    return Scene("fundus_photo" if fundus else "endoscopy_photo", "OP" if fundus else "ES", SOP["OP" if fundus else "ES"], canvas, pixels)


def radiograph_scene(rng: np.random.Generator, who: Person, draw: bool) -> Scene:
    """DX/CR: large burned L/R marker, technologist initials, a label rotated 90 degrees, text over bone."""
    height, width = _int(rng, (512, 640)), _int(rng, (400, 512))
    canvas = Canvas(radiograph(rng, height, width)[None], draw)
    pixels = grey_pixels(rng, (10, 12, 14, 16), monochrome1=0.5, rescale=(None, (1.0, 0.0), (0.25, 0.0)))
    marker = Style(face=_choice(rng, ("arial_bold", "sans_bold", "noto_bold")), size=int(rng.integers(40, 90)),
                   outline=_int(rng, (0, 0, 2)))
    side = _choice(rng, ("L", "R"))
    my, mx = int(rng.integers(20, height // 3)), int(rng.integers(30, width - 120))
    canvas.put(side, marker, my, mx, 1.0, halo=0.0, identifier=False)
    canvas.put(_choice(rng, TECHS), Style(face=_choice(rng, ("sans", "arial_bold")), size=int(rng.integers(9, 14))),
               my + marker.size + 10, mx, 1.0)
    label = Style(face=_choice(rng, ("mono", "narrow", "sans", "bitmap")), size=int(rng.integers(9, 13)), rotate=_int(rng, (90, 270)))
    text = f"{who.institution}  {who.name(int(rng.integers(4)))}  {date_text(who.birth, 1)}  {who.patient_id}"
    glyphs = render(text, label)
    y = max(4, (height - glyphs.height) // 2)
    canvas.put(text, label, y, width - glyphs.width - 3 if rng.random() < 0.5 else 2, _pick(rng, (1.0, 0.0)))
    over_bone = Style(face=_choice(rng, ("sans", "noto")), size=int(rng.integers(10, 14)), shadow=int(rng.integers(0, 2)))
    canvas.put(f"{date_text(who.study, 2)} {who.accession}", over_bone, height // 2, width // 2 - 60, _pick(rng, (0.0, 1.0, 0.65)))
    if rng.random() < 0.3:
        tiny = Style(face="sans", size=int(rng.integers(5, 8)), aliased=True)
        canvas.put(f"mAs 2.5  kVp 70  EI {int(rng.integers(200, 900))}", tiny, height - 14, 40, 1.0, identifier=False)
    if rng.random() < 0.4:
        clutter(rng, canvas, int(rng.integers(1, 3)))
    modality = _choice(rng, ("DX", "CR"))
    return Scene("radiograph", modality, SOP[modality], canvas, pixels)


def mammogram(rng: np.random.Generator, who: Person, draw: bool) -> Scene:
    """MG: view label (RCC, LMLO...), a demographics label, sometimes on a white paper patch."""
    height, width = _int(rng, (640, 768)), _int(rng, (480, 512))
    right = rng.random() < 0.5
    canvas = Canvas(breast(rng, height, width, right)[None], draw)
    if rng.random() < 0.5:
        clutter(rng, canvas, 1)
    pixels = grey_pixels(rng, (12, 14, 16), monochrome1=0.5, rescale=(None,))
    view = ("R" if right else "L") + _choice(rng, ("CC", "MLO", "XCCL"))
    big = Style(face=_choice(rng, ("arial_bold", "sans_bold")), size=int(rng.integers(28, 56)))
    side_x = 20 if right else width - render(view, big).width - 20
    canvas.put(view, big, 30, side_x, 1.0, identifier=False)
    style = text_style(rng, ("sans", "noto", "narrow", "mono"), 9, 13)
    texts = [(who.name(int(rng.integers(4))), True), (f"{who.patient_id}  {date_text(who.birth, int(rng.integers(7)))}", True),
             (who.institution, True), (f"{date_text(who.study, 1)}  kV 29  mAs 86", True)]
    corner = "bl" if right else "br"
    if rng.random() < 0.35:
        width_label = max(render(t, style).width for t, _ in texts) + 16
        top = height - (len(texts) * max(int(style.size * 1.3), style.size + 2)) - 18
        x0 = 4 if right else width - width_label - 4
        canvas.shape(lambda d: d.rectangle((x0, top, x0 + width_label, height - 4), fill=255), 0.95)
        block(canvas, texts, corner, style, 0.05, margin=(10, 12))
    else:
        block(canvas, texts, corner, style, text_grey(rng, canvas, pixels, height - 60, 4), margin=(8, 8))
    if rng.random() < 0.3:
        canvas.put(_choice(rng, ("IMPLANT DISPLACED", "SPOT MAG", "Tomo")), style, 100, side_x, 1.0, identifier=False)
    return Scene("mammography", "MG", SOP["MG"], canvas, pixels)


PALETTE = np.concatenate([np.stack(np.meshgrid(*(np.linspace(0, 255, 6),) * 3, indexing="ij"), -1).reshape(-1, 3),
                          np.linspace(0, 255, 42)[1:-1, None].repeat(3, axis=1)]).round().astype(np.uint8)


def hot(values: np.ndarray) -> np.ndarray:
    return np.stack([np.clip(values * 3, 0, 1), np.clip(values * 3 - 1, 0, 1), np.clip(values * 3 - 2, 0, 1)], axis=-1)


def nm_summary(rng: np.random.Generator, who: Person, draw: bool) -> Scene:
    """A nuclear medicine summary page (palette colour): image grid, captions, counts table, header."""
    height, width = 512, _int(rng, (512, 640))
    canvas = Canvas(np.zeros((1, height, width, 3)), draw)
    nm = source_image("nm")[0]
    rows, cols, cell = 2, 3 if width == 512 else 4, 140
    caption = Style(face=_choice(rng, ("sans", "narrow", "bitmap")), size=int(rng.integers(9, 12)))
    for r in range(rows):
        for c in range(cols):
            y0, x0 = 70 + r * (cell + 26), 16 + c * (cell + 12)
            crop = nm[r * 200:(r + 1) * 200 + 200, :] if r * 200 + 200 <= nm.shape[0] else nm[:400]
            tile = hot(resized(crop, cell, cell // 2 + 40) ** float(rng.uniform(0.6, 1.4)))
            canvas.pixels[0, y0:y0 + cell, x0:x0 + tile.shape[1]] = tile
            canvas.clean[0, y0:y0 + cell, x0:x0 + tile.shape[1]] = tile
            canvas.put(_choice(rng, ("ANT", "POST", "LAO 45", "RAO 30", "LLAT")), caption, y0 + cell + 4, x0, 1.0, identifier=False)
    header = Style(face=_choice(rng, ("sans_bold", "noto_bold", "narrow")), size=int(rng.integers(12, 16)))
    canvas.put(f"{who.name(int(rng.integers(4)))}  {who.patient_id}", header, 10, 16, 1.0)
    canvas.put(f"DOB {date_text(who.birth, int(rng.integers(7)))}  {who.institution}", caption, 34, 16, 0.8)
    canvas.put(f"Tc-99m MDP  {rng.uniform(500, 800):.0f} MBq", caption, 34, width - 200, 0.8, identifier=False)
    canvas.put(f"Counts {int(rng.integers(10**5, 10**6))}   Time 18:00", caption, height - 24, 16, (0.3, 1.0, 0.3), identifier=False)
    canvas.shape(lambda d: d.ellipse((40, 110, 90, 150), outline=255), (0.2, 0.9, 0.2))
    pixels = Pixels(photometric="PALETTE COLOR", bits=8, syntax=_choice(rng, (uids.ExplicitVRLittleEndian, uids.RLELossless)))
    return Scene("nm_summary", "NM", SOP["SC"], canvas, pixels)


SCENES: dict[str, Callable[[np.random.Generator, Person, bool], Scene]] = {
    "cross_section": cross_section, "multiframe": multiframe, "pacs": pacs_screenshot, "requisition": requisition,
    "dose": dose_report, "ultrasound": ultrasound, "photo": photograph, "radiograph": radiograph_scene,
    "mammography": mammogram, "nm": nm_summary,
}
CONTROL_SCENES = ("cross_section", "multiframe", "ultrasound", "photo", "radiograph", "mammography")


# ---------------------------------------------------------------- storage

def stored_values(values: np.ndarray, pixels: Pixels) -> np.ndarray:
    """Display values (0..1) as the stored pixel array."""
    if pixels.photometric in ("RGB", "YBR_FULL_422"):
        return np.clip(np.rint(values * 255), 0, 255).astype(np.uint8)
    if pixels.photometric == "PALETTE COLOR":
        palette = Image.new("P", (1, 1))
        palette.putpalette(PALETTE.reshape(-1).tolist())
        frames = [Image.fromarray(np.clip(np.rint(f * 255), 0, 255).astype(np.uint8)).quantize(palette=palette, dither=Image.Dither.NONE)
                  for f in values]
        return np.stack([np.asarray(f, dtype=np.uint8) for f in frames])
    top = pixels.top
    stored = np.clip(np.rint(values * top), 0, top).astype(np.int64)
    if pixels.photometric == "MONOCHROME1":
        stored = top - stored
    if pixels.signed:
        return (stored - 2 ** (pixels.bits - 1)).astype(np.int16)
    return stored.astype(np.uint8 if pixels.bits <= 8 else np.uint16)


def _jpeg_frames(stored: np.ndarray) -> list[bytes]:
    out = []
    for frame in stored:
        buffer = io.BytesIO()
        Image.fromarray(frame, mode="RGB").save(buffer, format="JPEG", quality=92, subsampling=1)
        out.append(buffer.getvalue())
    return out


def _header(scene: Scene, who: Person, rng: np.random.Generator, uid_seed: str) -> Dataset:
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = uids.UID(scene.sop)
    meta.MediaStorageSOPInstanceUID = uids.generate_uid(entropy_srcs=[uid_seed, "instance"])
    meta.TransferSyntaxUID = uids.ExplicitVRLittleEndian
    meta.ImplementationClassUID = uids.PYDICOM_IMPLEMENTATION_UID
    ds = Dataset()
    ds.file_meta = meta
    ds.SpecificCharacterSet = "ISO_IR 192"
    ds.SOPClassUID = scene.sop
    ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
    ds.StudyInstanceUID = uids.generate_uid(entropy_srcs=[uid_seed, "study"])
    ds.SeriesInstanceUID = uids.generate_uid(entropy_srcs=[uid_seed, "series"])
    ds.Modality = scene.modality
    ds.PatientName = who.dicom_name()
    ds.PatientID = who.patient_id
    ds.PatientBirthDate = "{:04d}{:02d}{:02d}".format(*who.birth)
    ds.PatientSex = who.sex
    ds.StudyDate = ds.ContentDate = "{:04d}{:02d}{:02d}".format(*who.study)
    ds.StudyTime = who.time.replace(":", "")
    ds.AccessionNumber = who.accession[:16]
    ds.InstitutionName = who.institution
    ds.StudyID, ds.SeriesNumber, ds.InstanceNumber = "1", int(rng.integers(1, 20)), int(rng.integers(1, 200))
    burned = _pick(rng, ("YES", "NO", None))
    if burned is not None:
        ds.BurnedInAnnotation = burned
    if scene.sop in (SOP["SC"], SOP["SCMF"]):
        ds.ConversionType = "WSD"
    return ds


def _value_module(ds: Dataset, scene: Scene) -> None:
    """Rescale and window: top level, or in the functional groups of an enhanced image."""
    pixels, frames = scene.pixels, scene.canvas.frames
    if scene.enhanced:
        measures = Dataset()
        measures.PixelSpacing, measures.SliceThickness = [0.68, 0.68], 1.5
        shared = Dataset()
        shared.PixelMeasuresSequence = DicomSequence([measures])
        if pixels.rescale is not None:
            transform = Dataset()
            transform.RescaleSlope, transform.RescaleIntercept, transform.RescaleType = pixels.rescale[0], pixels.rescale[1], "US"
            shared.PixelValueTransformationSequence = DicomSequence([transform])
        ds.SharedFunctionalGroupsSequence = DicomSequence([shared])
        per_frame = []
        for k in range(frames):
            content = Dataset()
            content.InStackPositionNumber, content.FrameAcquisitionNumber = k + 1, k + 1
            item = Dataset()
            item.FrameContentSequence = DicomSequence([content])
            per_frame.append(item)
        ds.PerFrameFunctionalGroupsSequence = DicomSequence(per_frame)
        return
    if frames > 1:
        ds.FrameTime = 66.7
        ds.FrameIncrementPointer = 0x00181063
    if pixels.rescale is not None:
        ds.RescaleSlope, ds.RescaleIntercept = pixels.rescale
    if pixels.window is not None:
        ds.WindowCenter, ds.WindowWidth = pixels.window


def _pixel_module(ds: Dataset, scene: Scene, stored: np.ndarray) -> None:
    pixels = scene.pixels
    frames, rows, cols = stored.shape[:3]
    colour = stored.ndim == 4
    ds.SamplesPerPixel = 3 if colour else 1
    ds.PhotometricInterpretation = "RGB" if pixels.photometric == "YBR_FULL_422" else pixels.photometric
    ds.Rows, ds.Columns = rows, cols
    ds.BitsAllocated = 8 * stored.dtype.itemsize
    ds.BitsStored = pixels.bits if not colour else 8
    ds.HighBit = ds.BitsStored - 1
    ds.PixelRepresentation = int(pixels.signed)
    if colour:
        ds.PlanarConfiguration = 0
    if frames > 1:
        ds.NumberOfFrames = frames
    _value_module(ds, scene)
    if pixels.photometric == "PALETTE COLOR":
        for k, channel in enumerate(("Red", "Green", "Blue")):
            setattr(ds, f"{channel}PaletteColorLookupTableDescriptor", [256, 0, 16])
            setattr(ds, f"{channel}PaletteColorLookupTableData", (PALETTE[:, k].astype("<u2") * 257).tobytes())
    if pixels.syntax == uids.JPEGBaseline8Bit:
        ds.file_meta.TransferSyntaxUID = uids.JPEGBaseline8Bit
        ds.PhotometricInterpretation = "YBR_FULL_422"
        ds.LossyImageCompression, ds.LossyImageCompressionMethod = "01", "ISO_10918_1"
        ds.PixelData = encapsulate(_jpeg_frames(stored))
        ds["PixelData"].VR = "OB"
        return
    ds.PixelData = stored.tobytes()
    ds["PixelData"].VR = "OW" if ds.BitsAllocated > 8 else "OB"
    if pixels.syntax != uids.ExplicitVRLittleEndian:
        array = stored if frames > 1 else stored[0]
        try:
            ds.compress(pixels.syntax, array, generate_instance_uid=False)
        except (RuntimeError, ValueError, NotImplementedError):
            ds.compress(uids.RLELossless, array, generate_instance_uid=False)


def _scene(index: int, seed: int, rng: np.random.Generator, who: Person, draw: bool) -> tuple[Scene, bool]:
    """Every sixth case is text-free; the others cycle through the scenes."""
    control = index % 6 == 5
    if control:
        kind = CONTROL_SCENES[(index // 6 + seed) % len(CONTROL_SCENES)]
        scene = SCENES[kind](rng, who, False)
        clutter(rng, scene.canvas, int(rng.integers(1, 4)))
        return scene, True
    kinds = tuple(SCENES)
    return SCENES[kinds[(index - index // 6 + seed) % len(kinds)]](rng, who, draw), False


def blind3_case(index: int, seed: int = 0, draw: bool = True) -> Blind3Case:
    """Case ``index`` of the set for ``seed``: the same dataset and lines every time.  With
    ``draw=False``, the same image without its text (to check the ground truth)."""
    rng = np.random.default_rng([seed, index, 0xB3])
    who = _person(rng)
    scene, control = _scene(index, seed, rng, who, draw)
    canvas = scene.canvas
    stored, clean = stored_values(canvas.pixels, scene.pixels), stored_values(canvas.clean, scene.pixels)
    changed = stored != clean
    if changed.ndim == 4:
        changed = changed.any(axis=-1)
    ds = _header(scene, who, rng, f"blind3-{seed}-{index}")
    _pixel_module(ds, scene, stored)
    name = f"blind3-{index:03d}-{scene.kind}" + ("-control" if control else "")
    return Blind3Case(name, ds, canvas.lines(changed))


def blind3_cases(count: int, seed: int = 0) -> list[Blind3Case]:
    return [blind3_case(index, seed) for index in range(count)]
