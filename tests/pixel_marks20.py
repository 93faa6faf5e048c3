"""Markers and short words over backgrounds that are not flat, with ground truth (session 20).

Written before tuning the check before labelling (pixels.clean step 7) for markers over
speckle and shaded anatomy, as a held-out set for it: other seeds, fonts and backgrounds than
tests/pixel_marks.py and tests/pixel_short.py (whose drawing helpers it reuses; nothing from
curator).  Backgrounds: a synthetic ultrasound sector with Rayleigh speckle (grey, 8-bit), MR
anatomy zoomed to fill the frame under a smooth bias field (shaded), CT and DX crops under a
linear gradient, a CR crop whose anatomy reaches the edges.  Marks: L/R/A/P/H/F and short
words (RT, LT, AP, PA, LAT, SUP) in oblique, serif, mono, extra-light and italic fonts, 8-26 px
(ink 6-19 px), light or dark, a third in low-contrast grey (0.18-0.35 of full range from the
background under them), a fifth turned 90 degrees, a quarter in a lead-marker box, 2-10 px from
an edge or in a corner.  An identifier block in a corner (so that the cleaning cuts something
and the check after it runs) except in every eighth case.  Every fourth case is a control:
marks that are not text (a caliper plus, an x, a vertical tick ruler, a circle, a triangle, a
dashed bar, a small square) at the same places.

``marks20_cases(count, seed)`` returns the cases; deterministic for a seed; all fake.
"""
from __future__ import annotations

import numpy as np
from pixel_short import FONT_ROOT, Base, Line, Short, _alpha, _content, _dataset, _line, _paint

__all__ = ["marks20_case", "marks20_cases", "missing_fonts"]

FONTS = (
    "dejavu/DejaVuSans-Oblique.ttf", "dejavu/DejaVuSansMono-Bold.ttf", "dejavu/DejaVuSerifCondensed-Bold.ttf",
    "dejavu/DejaVuSans-ExtraLight.ttf", "liberation/LiberationSerif-Bold.ttf", "liberation/LiberationSans-Italic.ttf",
    "liberation/LiberationMono-Regular.ttf", "noto/NotoMono-Regular.ttf", "noto/NotoSans-BoldItalic.ttf",
    "dejavu/DejaVuSansCondensed-BoldOblique.ttf",
)
BLOCK_FONT = "liberation/LiberationMono-Regular.ttf"
BLOCK = ("PID 73051846", "ROE^MARTA^K", "DOB 1958-11-02", "ACC B7730215", "03.09.2022", "ST LUKE HOSP")
MARKS = ("R", "L", "A", "P", "H", "F", "R", "L", "RT", "LT", "AP", "PA", "LAT", "SUP")
KINDS = ("us", "mr", "ct", "dx", "cr")


def missing_fonts() -> list[str]:
    return [f for f in (*FONTS, BLOCK_FONT) if not (FONT_ROOT / f).exists()]


def _background(kind: str, rng: np.random.Generator) -> tuple[Base, np.ndarray]:
    """The image under the marks (floats 0..1) and its storage."""
    if kind == "us":
        rows, cols = 400, 520
        yy, xx = np.mgrid[:rows, :cols].astype(np.float64)
        r = np.hypot(yy + 40, xx - cols / 2)
        angle = np.abs(np.arctan2(xx - cols / 2, yy + 40))
        sector = (r < rows * 1.05) & (angle < 0.75)
        speckle = rng.rayleigh(1.0, (rows, cols))
        from PIL import Image

        small = rng.rayleigh(1.0, (rows // 3, cols // 3)).astype(np.float32)
        blobs = np.asarray(Image.fromarray(small).resize((cols, rows), Image.Resampling.BICUBIC))
        tissue = np.clip(0.18 * speckle * (0.6 + 0.5 * blobs), 0, 1)
        field = 0.06 * rng.rayleigh(1.0, (rows, cols))  # speckle outside the sector too (gain)
        frame = np.where(sector, tissue, field)
        return Base("", "US", rows, cols, 8, False, "MONOCHROME2"), np.clip(frame, 0, 1)
    if kind == "mr":
        base = Base("MR_small.dcm", "MR", 384, 384, 16, False, "MONOCHROME2", (0.12, 0.88, 0.1, 0.9))
        frame = _content(base)
        yy, xx = np.mgrid[:base.rows, :base.cols] / base.rows
        cy, cx = rng.uniform(0.2, 0.8, 2)
        bias = 0.55 + 0.6 * np.exp(-((yy - cy) ** 2 + (xx - cx) ** 2) / 0.25)
        return base, np.clip(frame * bias + 0.08, 0, 1)
    if kind == "ct":
        base = Base("CT_small.dcm", "CT", 448, 448, 16, True, "MONOCHROME2", (0.08, 0.92, 0.08, 0.92))
        frame = _content(base)
    elif kind == "dx":
        base = Base("693_J2KI.dcm", "DX", 600, 500, 14, False, "MONOCHROME2", (0.35, 0.95, 0.3, 0.9))
        frame = _content(base)
    else:
        base = Base("693_J2KI.dcm", "CR", 700, 560, 12, False, "MONOCHROME1", (0.25, 0.75, 0.25, 0.7))
        return base, _content(base)
    yy, xx = np.mgrid[:base.rows, :base.cols]
    t = rng.uniform(0, np.pi)
    ramp = (np.cos(t) * yy / base.rows + np.sin(t) * xx / base.cols)
    return base, np.clip(0.75 * frame + 0.35 * (ramp - ramp.min()) / max(np.ptp(ramp), 1e-9), 0, 1)


def _shape(kind: str, size: int, t: int) -> np.ndarray:
    """Alpha of a mark that is not text."""
    a = np.zeros((size, size))
    mid = size // 2
    yy, xx = np.mgrid[:size, :size]
    if kind == "plus":
        a[mid - t // 2:mid - t // 2 + t, size // 4:size - size // 4] = 1
        a[size // 4:size - size // 4, mid - t // 2:mid - t // 2 + t] = 1
    elif kind == "x":
        a[(np.abs(yy - xx) < t) | (np.abs(yy + xx - size + 1) < t)] = 1
    elif kind == "ruler":
        a = np.zeros((3 * size, max(size // 2, 4)))
        a[:, :t] = 1
        for y in range(0, 3 * size, 4):
            a[y:y + 1, :a.shape[1] if (y // 4) % 5 == 0 else a.shape[1] // 2] = 1
    elif kind == "circle":
        r = np.hypot(yy - (size - 1) / 2, xx - (size - 1) / 2)
        a[(r <= (size - 1) / 2) & (r > (size - 1) / 2 - t)] = 1
    elif kind == "triangle":
        for y in range(size):
            a[y, max(mid - y // 2, 0):mid + y // 2 + 1] = 1
    elif kind == "dashes":
        a = np.zeros((t, 3 * size))
        for x in range(0, 3 * size, 6):
            a[:, x:x + 3] = 1
    else:  # a small square outline
        a[:t, :] = a[-t:, :] = a[:, :t] = a[:, -t:] = 1
    return a


def _spot(rng: np.random.Generator, shape: tuple[int, ...], h: int, w: int, taken: list) -> tuple[int, int] | None:
    """2-10 px from an edge, a third of the time in a corner."""
    rows, cols = shape[0], shape[1]
    for _ in range(80):
        gy, gx = int(rng.integers(2, 11)), int(rng.integers(2, 11))
        side = int(rng.integers(4))
        if rng.random() < 0.33:
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


def marks20_case(index: int, seed: int = 0) -> Short:
    """Case ``index`` (every fourth: a control with marks that are not text)."""
    rng = np.random.default_rng([seed, index, 2020])
    kind = KINDS[index % len(KINDS)]
    base, frame = _background(kind, rng)
    lines: list[Line] = []
    taken: list = []
    control = index % 4 == 3
    if index % 8 != 6:  # the identifier block in a corner, light, 11-15 px
        size = int(rng.integers(11, 16))
        top, left = bool(rng.random() < 0.5), bool(rng.random() < 0.5)
        y = 5 if top else base.rows - 5 - 2 * (size + 5)
        for k, text in enumerate(rng.choice(BLOCK, size=2, replace=False).tolist()):
            alpha = _alpha(str(text), BLOCK_FONT, size, 0, True)
            x = 5 if left else base.cols - 5 - alpha.shape[1]
            _paint(frame, alpha, y + k * (size + 5), x, 1.0)
            lines.append(_line(str(text), alpha, y + k * (size + 5), x, "block"))
            taken.append((y + k * (size + 5) - 10, x - 10, y + k * (size + 5) + alpha.shape[0] + 10, x + alpha.shape[1] + 10))
    for _ in range(1 + int(rng.random() < 0.5)):
        if control:
            shape = str(rng.choice(("plus", "x", "ruler", "circle", "triangle", "dashes", "square")))
            size = int(rng.integers(8, 24))
            alpha = _shape(shape, size, 1 + int(size >= 15))
            text = ""
        else:
            text = str(rng.choice(MARKS))
            wsize = int(rng.integers(8, 13)) if rng.random() < 0.4 else int(rng.integers(12, 27))
            alpha = _alpha(text, str(rng.choice(FONTS)), wsize, None, bool(rng.random() < 0.75))
            if alpha.size == 0:
                continue
        if rng.random() < 0.2:
            alpha = np.rot90(alpha, 1 if rng.random() < 0.5 else -1)
        boxed = bool(rng.random() < 0.25)
        pad = int(rng.integers(2, 5)) if boxed else 0
        bh, bw = alpha.shape[0] + 2 * pad + 2, alpha.shape[1] + 2 * pad + 2
        spot = _spot(rng, frame.shape, bh, bw, taken)
        if spot is None:
            continue
        wy, wx = spot[0] + (bh - alpha.shape[0]) // 2, spot[1] + (bw - alpha.shape[1]) // 2
        grey = float(np.mean(frame[spot[0]:spot[0] + bh, spot[1]:spot[1] + bw]))
        if rng.random() < 0.33:  # low-contrast grey: a little above or below what is under it
            step = float(rng.uniform(0.18, 0.35))
            level = grey + step if grey + step <= 1.0 and (grey < 0.5 or rng.random() < 0.3) else grey - step
        else:
            dark = grey > 0.55 or (grey > 0.3 and rng.random() < 0.3)
            level = float(rng.uniform(0.0, 0.1)) if dark else float(rng.uniform(0.85, 1.0))
        level = float(np.clip(level, 0.0, 1.0))
        if boxed:
            t = int(rng.integers(1, 3))
            y0, x0 = spot
            y1, x1 = y0 + bh, x0 + bw
            for sl in ((slice(y0, y0 + t), slice(x0, x1)), (slice(y1 - t, y1), slice(x0, x1)),
                       (slice(y0, y1), slice(x0, x0 + t)), (slice(y0, y1), slice(x1 - t, x1))):
                frame[sl] = level
        _paint(frame, np.ascontiguousarray(alpha), wy, wx, level)
        if text:
            lines.append(_line(text, np.ascontiguousarray(alpha), wy, wx, "mark"))
    ds = _dataset(base, frame, index, seed + 2000)
    ds.BurnedInAnnotation = "NO" if index % 3 else "YES"
    label = "control" if control else ("noblock" if index % 8 == 6 else "marks")
    return Short(f"{index:03d}-{kind}-{label}", ds, lines)


def marks20_cases(count: int, seed: int = 0) -> list[Short]:
    return [marks20_case(i, seed) for i in range(count)]
