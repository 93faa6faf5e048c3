"""Lone marker glyphs burned into images, with ground truth (session 17).

The class the check before labelling still missed on the short set (session 16): a single
letter standing alone (an L/R laterality marker, an A/P/H/F orientation letter) or a tiny
two-letter word (AP, RT, 6-8 px) that no cut word vouches for, near an edge or a corner,
on a flat background or over the image.  Built like tests/pixel_short.py (whose drawing
helpers it reuses; nothing from curator): pydicom's CT, MR, CR (MONOCHROME1), DX, ultrasound
and a mammography-like crop (MONOCHROME1, wide dark background), an identifier block in a
corner (so that the cleaning cuts something and the check after it runs), then one or two
marks in DejaVu, Liberation and Noto fonts (regular, bold, condensed, narrow, serif, mono),
9-30 px (ink 6-22 px), anti-aliased or not, light or dark, in a square lead-marker box or not, 2-12 px
from an edge or in a corner.  Every fourth case is a control: the block and marks that are
not text (a cross, ruler ticks, a ring, a dot, a bar, an arrow head) at the same places,
so that the cost of the check (quarantines of images whose text was all cut) is measured.

``marks_cases(count, seed)`` returns the cases; deterministic for a seed; all fake.
"""
from __future__ import annotations

import numpy as np

from pixel_short import BLOCK, BLOCK_FONT, WORD_FONTS, Base, Line, Short, _alpha, _content, _dataset, _line, _paint, missing_fonts

__all__ = ["marks_case", "marks_cases", "missing_fonts"]

MARKS = ("R", "L", "R", "L", "A", "P", "H", "F", "RT", "LT", "AP", "PA")
BASES = (
    Base("CT_small.dcm", "CT", 512, 512, 16, True, "MONOCHROME2"),
    Base("693_J2KI.dcm", "CR", 880, 720, 12, False, "MONOCHROME1", (0.05, 0.95, 0.1, 0.9)),
    Base("MR_small.dcm", "MR", 320, 320, 16, False, "MONOCHROME2"),
    Base("examples_palette.dcm", "US", 420, 560, 8, False, "RGB", (0.18, 0.8, 0.38, 0.96)),
    Base("693_J2KI.dcm", "DX", 640, 560, 14, False, "MONOCHROME2", (0.2, 0.9, 0.15, 0.85)),
    Base("693_J2KI.dcm", "MG", 800, 640, 12, False, "MONOCHROME1", (0.0, 1.0, 0.0, 0.45)),
)


def _shape(kind: str, size: int, rng: np.random.Generator) -> np.ndarray:
    """Alpha of a mark that is not text: a cross, ruler ticks, a ring, a dot, a bar, an arrow head."""
    t = 1 + int(size >= 14) + int(rng.random() < 0.3)
    a = np.zeros((size, size))
    mid = size // 2
    if kind == "cross":
        a[mid - t // 2:mid - t // 2 + t, :] = 1
        a[:, mid - t // 2:mid - t // 2 + t] = 1
    elif kind == "ticks":
        a = np.zeros((size, 3 * size))
        a[-t:, :] = 1
        for x in range(0, 3 * size, max(size // 2, 3)):
            a[size // 2 if (x // max(size // 2, 3)) % 2 else 0:, x:x + t] = 1
    elif kind == "ring":
        yy, xx = np.mgrid[:size, :size]
        r = np.hypot(yy - (size - 1) / 2, xx - (size - 1) / 2)
        a[(r <= (size - 1) / 2) & (r > (size - 1) / 2 - t)] = 1
    elif kind == "dot":
        yy, xx = np.mgrid[:size, :size]
        a[np.hypot(yy - (size - 1) / 2, xx - (size - 1) / 2) <= size / 3] = 1
    elif kind == "bar":
        a = np.zeros((t + 1, 2 * size))
        a[:] = 1
    else:  # an arrow head
        for y in range(size):
            half = int(y * 0.5)
            a[y, max(mid - half, 0):mid + half + 1] = 1
    return a


def _spot(rng: np.random.Generator, shape: tuple[int, ...], h: int, w: int, taken: list) -> tuple[int, int] | None:
    """2-12 px from an edge, half of the time in a corner (2-12 px from two edges)."""
    rows, cols = shape[0], shape[1]
    for _ in range(80):
        gy, gx = int(rng.integers(2, 13)), int(rng.integers(2, 13))
        corner = rng.random() < 0.5
        side = int(rng.integers(4))
        if corner:
            y = gy if side in (0, 1) else rows - h - gy
            x = gx if side in (0, 2) else cols - w - gx
        else:
            y = gy if side == 0 else (rows - h - gy if side == 1 else int(rng.integers(gy, rows - h - gy)))
            x = gx if side == 2 else (cols - w - gx if side == 3 else int(rng.integers(gx, cols - w - gx)))
        box = (y - 10, x - 10, y + h + 10, x + w + 10)
        if y < 1 or x < 1 or y + h >= rows - 1 or x + w >= cols - 1:
            continue
        if any(box[0] < t[2] and t[0] < box[2] and box[1] < t[3] and t[1] < box[3] for t in taken):
            continue
        taken.append(box)
        return y, x
    return None


def marks_case(index: int, seed: int = 0) -> Short:
    """Case ``index`` (every fourth: a control with marks that are not text)."""
    rng = np.random.default_rng([seed, index, 17])
    base = BASES[index % len(BASES)]
    frame = _content(base)
    lines: list[Line] = []
    taken: list = []
    size = int(rng.integers(12, 16))
    top, left = bool(rng.random() < 0.5), bool(rng.random() < 0.5)
    y = 6 if top else base.rows - 6 - 2 * (size + 6)
    for k, text in enumerate(rng.choice(BLOCK, size=2, replace=False).tolist()):
        alpha = _alpha(str(text), BLOCK_FONT, size, 0, True)
        x = 6 if left else base.cols - 6 - alpha.shape[1]
        _paint(frame, alpha, y + k * (size + 6), x, 1.0)
        lines.append(_line(str(text), alpha, y + k * (size + 6), x, "block"))
        taken.append((y + k * (size + 6) - 10, x - 10, y + k * (size + 6) + alpha.shape[0] + 10, x + alpha.shape[1] + 10))
    control = index % 4 == 3
    for _ in range(1 + int(rng.random() < 0.4)):
        if control:
            kind = str(rng.choice(("cross", "ticks", "ring", "dot", "bar", "arrow")))
            alpha = _shape(kind, int(rng.integers(7, 25)), rng)
            text = ""
        else:
            text = str(rng.choice(MARKS))
            wsize = int(rng.integers(9, 13)) if len(text) == 2 else int(rng.integers(9, 31))
            alpha = _alpha(text, str(rng.choice(WORD_FONTS)), wsize, None, bool(rng.random() < 0.7))
            if alpha.size == 0:
                continue
        boxed = bool(rng.random() < 0.3)
        pad = int(rng.integers(2, 5)) if boxed else 0
        side = max(alpha.shape) + 2 * pad + 2
        spot = _spot(rng, frame.shape, side, side, taken)
        if spot is None:
            continue
        wy, wx = spot[0] + (side - alpha.shape[0]) // 2, spot[1] + (side - alpha.shape[1]) // 2
        under = frame[spot[0]:spot[0] + side, spot[1]:spot[1] + side]
        grey = float(np.mean(under @ np.array([0.299, 0.587, 0.114]) if under.ndim == 3 else under))
        dark = grey > 0.55 or (grey > 0.3 and rng.random() < 0.3)
        level = float(rng.uniform(0.0, 0.1)) if dark else float(rng.uniform(0.85, 1.0))
        if boxed:  # a square lead-marker outline in the mark's colour
            t = int(rng.integers(1, 3))
            y0, x0 = spot
            y1, x1 = y0 + side, x0 + side
            for sl in ((slice(y0, y0 + t), slice(x0, x1)), (slice(y1 - t, y1), slice(x0, x1)),
                       (slice(y0, y1), slice(x0, x0 + t)), (slice(y0, y1), slice(x1 - t, x1))):
                frame[sl] = level
        _paint(frame, alpha, wy, wx, level)
        if text:
            lines.append(_line(text, alpha, wy, wx, "mark"))
    ds = _dataset(Base(base.file, "CR" if base.modality == "MG" else base.modality, base.rows, base.cols, base.bits,
                       base.signed, base.photometric, base.crop), frame, index, seed + 1700)
    if base.modality == "MG":
        ds.Modality, ds.SOPClassUID = "MG", "1.2.840.10008.5.1.4.1.1.1.2"
        ds.file_meta.MediaStorageSOPClassUID = ds.SOPClassUID
    ds.BurnedInAnnotation = "NO" if index % 3 else "YES"
    return Short(f"{index:03d}-{base.modality}-{'control' if control else 'marks'}", ds, lines)


def marks_cases(count: int, seed: int = 0) -> list[Short]:
    return [marks_case(i, seed) for i in range(count)]
