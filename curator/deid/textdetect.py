"""Text-region detection in image pixels, without OCR.

Burned-in annotations are strokes a few pixels wide, drawn in one colour, whose glyphs
stand side by side on a line.  The detector looks for exactly that, so it finds text that
OCR cannot read (small fonts, non-Latin scripts, low contrast):

1. the frame is brought to 8 bits through several windows (full range and a robust
   percentile window, so that 12/16-bit text at any grey level stands out);
2. a white and a black morphological top-hat keep thin light and thin dark structures;
3. connected components of the thresholded response are glyph candidates when their
   size and fill look like a character;
4. candidates of similar height and peak contrast, side by side on one line, are joined
   into words and lines; a group of glyphs (or one wide glyph run) is a text region;
5. each region's box is the union of its glyphs (plus accents and dots next to them)
   with a margin of :data:`MARGIN` pixels: tight boxes, never a blanket rectangle.

All parameters are data in ``mappings/pixel_text.yaml``.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import yaml
from numpy.typing import NDArray

from curator.resources import mappings_dir

Box = tuple[int, int, int, int]  # y0, x0, y1, x1 (end exclusive)


@dataclass(frozen=True)
class Settings:
    tophat: int  # structuring element size (pixels): strokes thinner than this are kept
    contrast: int  # minimum top-hat response (8-bit grey levels) of a stroke
    min_height: int
    max_height: int
    min_area: int
    max_aspect: float  # width / height of one glyph candidate
    min_fill: float
    max_fill: float
    height_ratio: float  # neighbours on a line: heights within this ratio
    gap: float  # neighbours on a line: horizontal gap at most this many heights
    overlap: float  # neighbours on a line: vertical overlap at least this share of the smaller height
    peak_ratio: float  # neighbours on a line: peak contrast within this ratio
    level_tolerance: int  # neighbours on a line: peak grey levels within this (text has one colour)
    line_height: float  # a region at most this many glyph heights high (one line)
    max_group_fill: float  # median ink share of the glyphs of a region (strokes, not blobs)
    baseline: float  # glyphs on one baseline (or cap line): within this share of their height
    aligned_share: float  # ... at least this share of them
    min_glyphs: int
    run_aspect: float  # one component this much wider than high is a run of touching glyphs
    margin: int
    percentiles: tuple[float, float]
    accent_reach: float  # a model box is searched this share of its height above and below for accents
    model_threads: int  # threads of the detection model per process
    model_min_side: int  # the detection model sees frames at least this large (upscaled)
    tighten_share: float  # a model box shrinks to the strokes above this share of its peak contrast
    row_share: float  # rows of a model box with fewer stroke pixels than this share of the fullest row are trimmed at its edges
    mark_pixels: int  # ... but a row with this many is kept (accents, dots)
    min_line_aspect: float  # the model's boxes narrower than this many heights are not a line of text
    max_line: int  # the model's boxes higher than this (pixels) are not one line of text
    screen_band: float  # the screen looks at regions this share of the image from an edge
    max_side: int  # the screen downsamples frames larger than this
    upscale_below: int  # glyph search on a 2x upscaled frame when its height is below this


@lru_cache(maxsize=1)
def settings() -> Settings:
    data = yaml.safe_load((mappings_dir() / "pixel_text.yaml").read_text(encoding="utf-8"))["detector"]
    data["percentiles"] = tuple(data["percentiles"])
    return Settings(**data)


def windows(frame: NDArray) -> list[NDArray[np.uint8]]:
    """8-bit views of one frame (2-D grey or H x W x 3 colour): full range, then a robust
    percentile window when it differs (12/16-bit text at any level stands out in one)."""
    fast = _integer_windows(frame)
    if fast is not None:
        return fast
    data = np.asarray(frame, dtype=np.float32)
    if data.ndim == 3:
        views = [_scale(data[..., :3] @ np.array([0.299, 0.587, 0.114], dtype=np.float32))]
        # coloured text on grey content: the strongest colour difference
        chroma = data[..., :3].max(axis=2) - data[..., :3].min(axis=2)
        top = float(data.max())
        if top > 0 and float(chroma.max()) > 0.25 * top:
            views.append(np.clip(chroma * (255.0 / top) + 0.5, 0, 255).astype(np.uint8))
        return views
    views = [_scale(data)]
    low, high = np.percentile(data, settings().percentiles)
    full_low, full_high = float(data.min()), float(data.max())
    span = full_high - full_low
    if span > 0 and (high - low) < 0.6 * span:
        views.append(_scale(np.clip(data, low, high)))
    return views


def _integer_windows(frame: NDArray) -> list[NDArray[np.uint8]] | None:
    """:func:`windows` of a grey frame of integers, bit for bit, at the cost of a histogram
    (None for other frames): each view is a lookup table over the frame's values (the same
    float32 arithmetic on the same values), and the percentiles are those of the sorted
    values rebuilt from the histogram (the same multiset, so the same numbers)."""
    if frame.ndim != 2 or frame.dtype.kind not in "iu" or not frame.size:
        return None
    lowest, highest = int(frame.min()), int(frame.max())
    if highest - lowest > 1 << 16 or max(-lowest, highest) > 1 << 24:  # a large table, or inexact in float32
        return None
    index = frame - lowest if frame.dtype.kind == "u" else frame.astype(np.int64) - lowest
    values = np.arange(lowest, highest + 1).astype(np.float32)  # exact: |values| <= 2**24
    views = [np.take(_scale(values), index)]
    low, high = histogram_percentiles(values, np.bincount(index.ravel(), minlength=values.size), settings().percentiles)
    span = float(highest) - float(lowest)
    if span > 0 and (high - low) < 0.6 * span:
        views.append(np.take(_scale(np.clip(values, low, high)), index))
    return views


def histogram_percentiles(values: NDArray[np.float32], counts: NDArray[np.intp], q: tuple[float, ...]) -> NDArray[np.float64]:
    """``np.percentile(data, q)`` (linear method, ``q`` a tuple) of float32 ``data`` that
    holds ``counts[i]`` times ``values[i]`` (ascending): the same order statistics, taken
    from the cumulative histogram instead of a partition, and numpy's own interpolation
    steps, so the same numbers (tests/test_pixel_screen_speed.py compares them)."""
    n = int(counts.sum())
    quantiles = np.true_divide(np.asarray(q, dtype=np.float64), 100)
    virtual = (n - 1) * quantiles
    previous = np.floor(virtual)
    following = previous + 1
    previous[virtual >= n - 1], following[virtual >= n - 1] = -1, -1
    previous[virtual < 0], following[virtual < 0] = 0, 0
    previous_i, following_i = previous.astype(np.intp), following.astype(np.intp)
    gamma = np.asarray(virtual - previous_i, dtype=virtual.dtype)
    ends = np.cumsum(counts)  # the sorted position k holds values[searchsorted(ends, k, "right")]
    a = values[np.searchsorted(ends, np.where(previous_i < 0, n + previous_i, previous_i), side="right")]
    b = values[np.searchsorted(ends, np.where(following_i < 0, n + following_i, following_i), side="right")]
    diff = b - a
    result = np.add(a, diff * gamma)
    np.subtract(b, diff * (1 - gamma), out=result, where=gamma >= 0.5, casting="unsafe", dtype=type(result.dtype))
    return result


def _scale(data: NDArray) -> NDArray[np.uint8]:
    low, high = float(data.min()), float(data.max())
    if high <= low:
        return np.zeros(data.shape, dtype=np.uint8)
    return ((data - low) * (255.0 / (high - low)) + 0.5).astype(np.uint8)


def detect(frame: NDArray) -> list[Box]:
    """Boxes of text-like regions of one frame (grey or colour), in frame coordinates."""
    boxes: list[Box] = []
    for view in windows(frame):
        boxes.extend(detect_gray(view))
    return merge_boxes(boxes)


def detect_gray(gray: NDArray[np.uint8]) -> list[Box]:
    """Text boxes of one 8-bit image, light and dark text alike."""
    s = settings()
    upscale = gray.shape[0] < s.upscale_below
    image = np.repeat(np.repeat(gray, 2, axis=0), 2, axis=1) if upscale else gray
    boxes: list[Box] = []
    white, black = _tophats(image, s.tophat)
    boxes.extend(_text_boxes(white, image, s))
    boxes.extend(_text_boxes(black, 255 - image, s))
    if upscale:
        boxes = [(y0 // 2, x0 // 2, (y1 + 1) // 2, (x1 + 1) // 2) for y0, x0, y1, x1 in boxes]
    return clip_boxes(boxes, gray.shape[:2])


def _tophats(gray: NDArray[np.uint8], size: int) -> list[NDArray[np.int16]]:
    """White and black top-hats with a ``size`` x ``size`` square: OpenCV's when installed
    (the same numbers as scipy's grey opening and closing, whose mirrored border adds no new
    value to a minimum or maximum, at a small part of the cost), else scipy's."""
    cv2 = _cv2()
    if cv2 is not None:
        image = np.ascontiguousarray(gray, dtype=np.uint8)
        kernel = np.ones((size, size), dtype=np.uint8)
        white = cv2.morphologyEx(image, cv2.MORPH_TOPHAT, kernel)
        black = cv2.morphologyEx(image, cv2.MORPH_BLACKHAT, kernel)
        return [white.astype(np.int16), black.astype(np.int16)]
    from scipy import ndimage

    image16 = gray.astype(np.int16)
    return [image16 - ndimage.grey_opening(image16, size=(size, size)), ndimage.grey_closing(image16, size=(size, size)) - image16]


@lru_cache(maxsize=1)
def _cv2() -> Any:
    """OpenCV (installed with the detection model's package), one thread per process
    (worker pools do not oversubscribe the cores), or None."""
    try:
        import cv2
    except ImportError:
        return None
    cv2.setNumThreads(1)
    return cv2


def prepare() -> None:
    """Import and read what :func:`detect` needs, once (a run's process does it before its
    worker processes are forked from it, so that they inherit it)."""
    settings()
    _cv2()
    import scipy.ndimage  # noqa: F401
    import scipy.sparse.csgraph  # noqa: F401


def _may_hold_glyph(mask: NDArray[np.bool_], s: Settings) -> bool:
    """False when no component of ``mask`` can be a glyph: a glyph is at least
    ``min_height`` rows high, so it needs that many consecutive rows holding a pixel."""
    rows: NDArray[np.bool_] = np.asarray(mask.any(axis=1))
    if int(rows.sum()) < s.min_height:
        return False
    last = rows.size - s.min_height + 1
    run = rows[:last].copy()
    for shift in range(1, s.min_height):
        run &= rows[shift: last + shift]
    return bool(run.any())


def _components(response: NDArray[np.int16], level: NDArray[np.uint8], s: Settings) -> tuple[NDArray, ...]:
    """Per component of the thresholded response: boxes (n x 4), areas, peak responses,
    peak grey levels (text has one colour), and column-stroke counts."""
    mask = response >= s.contrast
    points = np.flatnonzero(mask)  # ascending: raster order
    labels, count = _label(mask, points)
    if count == 0:
        empty = np.zeros(0)
        return np.zeros((0, 4), dtype=np.int64), empty, empty, empty, labels
    # statistics over the labelled pixels only, grouped by label (the same numbers as
    # scipy's find_objects and per-label maxima over the whole image)
    number = labels.ravel()[points]
    order = np.argsort(number, kind="stable")
    ranked = number[order]
    starts = np.flatnonzero(np.r_[True, ranked[1:] != ranked[:-1]])
    rows, cols = np.divmod(points[order], mask.shape[1])
    boxes = np.stack([np.minimum.reduceat(rows, starts), np.minimum.reduceat(cols, starts),
                      np.maximum.reduceat(rows, starts) + 1, np.maximum.reduceat(cols, starts) + 1], axis=1).astype(np.int64)
    areas = np.diff(np.r_[starts, len(points)]).astype(np.float64)
    peaks = np.maximum.reduceat(response.ravel()[points[order]], starts).astype(np.float64)
    levels = np.maximum.reduceat(level.ravel()[points[order]], starts).astype(np.float64)
    return boxes, areas, peaks, levels, labels


SPARSE_SHARE = 16  # a mask with at most 1/16 of its pixels set is labelled on a compressed copy


def _label(mask: NDArray[np.bool_], points: NDArray[np.intp]) -> tuple[NDArray[np.integer], int]:
    """8-connected components of ``mask`` (scipy's ``label``, numbered in raster order of
    their first pixel).  A sparse mask is labelled on a compressed copy: every run of rows
    (and of columns) holding no pixel shrinks to one, which keeps exactly the pixels that
    touch and those that do not, and their raster order: the same components, in the same
    order, at a cost that follows the pixels set rather than the image size."""
    from scipy import ndimage

    structure = np.ones((3, 3), dtype=bool)
    if len(points) * SPARSE_SHARE > mask.size:
        labels, count = ndimage.label(mask, structure=structure)
        return labels, int(count)
    labels = np.zeros(mask.shape, dtype=np.int32)
    if len(points) == 0:
        return labels, 0
    rows, cols = np.divmod(points, mask.shape[1])
    new_rows, height = _compressed(rows, mask.shape[0])
    new_cols, width = _compressed(cols, mask.shape[1])
    small = np.zeros((height, width), dtype=bool)
    small[new_rows, new_cols] = True
    small_labels, count = ndimage.label(small, structure=structure)
    labels.ravel()[points] = small_labels[new_rows, new_cols]
    return labels, int(count)


def _compressed(coords: NDArray[np.intp], size: int) -> tuple[NDArray[np.intp], int]:
    """Coordinates after each run of unused ones shrinks to a single one, and the new size."""
    used = np.zeros(size, dtype=bool)
    used[coords] = True
    keep = used.copy()
    keep[1:] |= used[:-1]  # an unused one right after a used one: the gap stays a gap
    keep[0] = True
    index = np.cumsum(keep) - 1
    return index[coords], int(index[-1]) + 1


def _strokes(labels: NDArray, index: int, box: NDArray) -> int:
    """Separate column runs of a component (touching glyphs have several; a line has one)."""
    y0, x0, y1, x1 = box
    ink = (labels[y0:y1, x0:x1] == index + 1).sum(axis=0) > 2
    return int(np.count_nonzero(ink[1:] & ~ink[:-1]) + (1 if ink[0] else 0))


def _text_boxes(response: NDArray[np.int16], level: NDArray[np.uint8], s: Settings) -> list[Box]:
    if not _may_hold_glyph(response >= s.contrast, s):
        return []  # no glyph, so no line of text
    boxes, areas, peaks, levels, labels = _components(response, level, s)
    if len(boxes) == 0:
        return []
    heights = boxes[:, 2] - boxes[:, 0]
    widths = boxes[:, 3] - boxes[:, 1]
    fill = areas / np.maximum(heights * widths, 1)
    glyph = (
        (heights >= s.min_height) & (heights <= s.max_height) & (areas >= s.min_area)
        & (fill >= s.min_fill) & (fill <= s.max_fill)
    )
    single = glyph & (widths <= s.max_aspect * heights)
    run = glyph & (widths > s.run_aspect * heights) & (heights <= s.max_height // 2)
    run[run] = [_strokes(labels, int(i), boxes[i]) >= s.min_glyphs for i in np.flatnonzero(run)]
    groups = _group(boxes, peaks, levels, np.flatnonzero(single | run), s)
    found: list[Box] = []
    small = np.flatnonzero(((heights < s.min_height * 3) | (areas < s.min_area * 4)) & (heights <= s.max_height))
    for members in groups:
        is_run = len(members) == 1 and run[members[0]]
        if len(members) < s.min_glyphs and not is_run:
            continue
        box = _union(boxes[members])
        if box[2] - box[0] > s.line_height * heights[members].max():
            continue  # not one line: a chain of unrelated structures
        if not is_run and not _aligned(boxes[members], s):
            continue
        if float(np.median(fill[members])) > s.max_group_fill:
            continue  # blobs, not strokes
        line_level = float(np.median(levels[members]))
        box = _absorb(box, boxes, np.flatnonzero(np.abs(levels - line_level) <= 2 * s.level_tolerance), s)
        marks = small[np.abs(levels[small] - line_level) <= s.level_tolerance]
        found.append(_with_marks(box, boxes, marks, s))
    return found


def _absorb(box: Box, boxes: NDArray, pool: NDArray, s: Settings) -> Box:
    """The line grown along itself by the components of its colour beside it (glyphs the
    grouping left out: touching pairs, bars, symbols), until nothing more joins."""
    heights = boxes[pool, 2] - boxes[pool, 0]
    for _ in range(16):
        y0, x0, y1, x1 = box
        h = y1 - y0
        overlap = np.minimum(y1, boxes[pool, 2]) - np.maximum(y0, boxes[pool, 0])
        near = (
            (heights <= 1.3 * h) & (overlap >= 0.5 * heights) & (heights >= 2)
            & (boxes[pool, 1] <= x1 + s.gap * h) & (boxes[pool, 3] >= x0 - s.gap * h)
        )
        if not near.any():
            return box
        grown = _union(np.vstack([boxes[pool[near]], np.array([box])]))
        if grown == box:
            return box
        box = grown
    return box


def _aligned(members: NDArray, s: Settings) -> bool:
    """Glyphs of a line share a baseline or a cap line (most of them)."""
    height = float(np.median(members[:, 2] - members[:, 0]))
    tolerance = s.baseline * height
    bottoms = np.abs(members[:, 2] - np.median(members[:, 2])) <= tolerance
    tops = np.abs(members[:, 0] - np.median(members[:, 0])) <= tolerance
    return bool(max(bottoms.mean(), tops.mean()) >= s.aligned_share)


def _group(boxes: NDArray, peaks: NDArray, levels: NDArray, candidates: NDArray, s: Settings) -> list[list[int]]:
    """Candidates joined when side by side on a line, of one colour (union-find)."""
    parent = {int(i): int(i) for i in candidates}

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    order = candidates[np.argsort(boxes[candidates, 1], kind="stable")]
    ob = boxes[order]
    x0s = ob[:, 1]
    h_all = ob[:, 2] - ob[:, 0]
    for position in range(len(order)):
        y0, _, y1, x1 = ob[position]
        h = y1 - y0
        end = int(np.searchsorted(x0s, x1 + s.gap * s.height_ratio * h, side="right"))
        if end <= position + 1:
            continue
        others = slice(position + 1, end)
        k = h_all[others]
        hi, lo = np.maximum(h, k), np.minimum(h, k)
        overlap = np.minimum(y1, ob[others, 2]) - np.maximum(y0, ob[others, 0])
        i = order[position]
        js = order[others]
        pi, pj = peaks[i], peaks[js]
        ok = (
            (x0s[others] - x1 <= s.gap * hi) & (hi <= s.height_ratio * lo) & (overlap >= s.overlap * lo)
            & (np.maximum(pi, pj) <= s.peak_ratio * np.minimum(pi, pj))
            & (np.abs(levels[i] - levels[js]) <= s.level_tolerance)
        )
        for j in js[ok]:
            parent[find(int(i))] = find(int(j))
    groups: dict[int, list[int]] = {}
    for i in parent:
        groups.setdefault(find(i), []).append(i)
    return [sorted(members) for _, members in sorted(groups.items())]


def _union(boxes: NDArray) -> Box:
    return (int(boxes[:, 0].min()), int(boxes[:, 1].min()), int(boxes[:, 2].max()), int(boxes[:, 3].max()))


def _with_marks(box: Box, boxes: NDArray, small: NDArray, s: Settings) -> Box:
    """The box grown by the accents, dots and punctuation that touch its neighbourhood."""
    y0, x0, y1, x1 = box
    h = y1 - y0
    reach_y, reach_x = max(h // 2, 2), max(h // 2, 2)
    near = small[
        (boxes[small, 2] >= y0 - reach_y) & (boxes[small, 0] <= y1 + reach_y)
        & (boxes[small, 3] >= x0 - reach_x) & (boxes[small, 1] <= x1 + reach_x)
        & (boxes[small, 2] - boxes[small, 0] <= h * 0.6) & (boxes[small, 3] - boxes[small, 1] <= h)
    ]
    if len(near):
        grown = _union(np.vstack([boxes[near], np.array([box])]))
        y0, x0, y1, x1 = grown
    m = s.margin
    return (y0 - m, x0 - m, y1 + m, x1 + m)


def clip_boxes(boxes: list[Box], shape: tuple[int, ...]) -> list[Box]:
    rows, cols = shape[0], shape[1]
    out = []
    for y0, x0, y1, x1 in boxes:
        box = (max(y0, 0), max(x0, 0), min(y1, rows), min(x1, cols))
        if box[2] > box[0] and box[3] > box[1]:
            out.append(box)
    return out


def merge_boxes(boxes: list[Box]) -> list[Box]:
    """Boxes that overlap merged into one (sorted, deterministic)."""
    pending = sorted(set(boxes))
    merged = True
    while merged:
        merged = False
        out: list[Box] = []
        for box in pending:
            for index, other in enumerate(out):
                if box[0] < other[2] and other[0] < box[2] and box[1] < other[3] and other[1] < box[3]:
                    out[index] = (min(box[0], other[0]), min(box[1], other[1]), max(box[2], other[2]), max(box[3], other[3]))
                    merged = True
                    break
            else:
                out.append(box)
        pending = sorted(out)
    return pending


# --- the learned detector (cleaning) ---------------------------------------------------


MODEL_PACKAGE = "rapidocr-onnxruntime"


def model_available() -> bool:
    import importlib.util

    return importlib.util.find_spec("rapidocr_onnxruntime") is not None


@lru_cache(maxsize=1)
def _model():
    """The PP-OCRv4 text detection model that ships inside the rapidocr-onnxruntime wheel
    (nothing is downloaded); recognition and orientation models are never run."""
    import logging

    from rapidocr_onnxruntime import RapidOCR

    logging.getLogger("RapidOCR").setLevel(logging.ERROR)
    s = settings()
    # one thread: deterministic, and worker processes do not oversubscribe the cores
    return RapidOCR(print_verbose=False, det_limit_side_len=s.model_min_side,
                    intra_op_num_threads=s.model_threads, inter_op_num_threads=s.model_threads)


def detect_model(frame: NDArray) -> list[Box]:
    """Text-line boxes of one frame by the detection model, on its grey windows (colour
    frames: luminance); regions higher than a text line can be are not text."""
    s = settings()
    boxes: list[Box] = []
    for view in windows(frame)[: 1 if frame.ndim == 3 else None]:
        result, _ = _model()(np.stack([view] * 3, axis=2), use_det=True, use_cls=False, use_rec=False)
        responses = _tophats(view, s.tophat)
        for quad in result if result is not None else []:
            ys = [float(point[1]) for point in quad]
            xs = [float(point[0]) for point in quad]
            raw = (int(min(ys)) - 1, int(min(xs)) - 1, int(max(ys)) + 2, int(max(xs)) + 2)
            if not _line_shaped(raw, s):
                continue
            grow = int(s.accent_reach * (raw[2] - raw[0]))  # accents and cedillas beyond the model's box
            box = clip_boxes([(raw[0] - grow, raw[1], raw[2] + grow, raw[3])], view.shape)
            if box:
                boxes.append(_tighten(box[0], responses, s))
    return sorted(set(clip_boxes(boxes, frame.shape[:2])))


def near(box: Box, others: list[Box]) -> bool:
    """``box`` continues one of ``others`` along its line (the rest of a line already cut):
    on the same line, of a similar height, within two line heights of it."""
    h = box[2] - box[0]
    for o in others:
        k = o[2] - o[0]
        overlap = min(box[2], o[2]) - max(box[0], o[0])
        gap = max(o[1] - box[3], box[1] - o[3], 0)
        if overlap >= 0.5 * min(h, k) and max(h, k) <= 2 * min(h, k) and gap <= 2 * k:
            return True
    return False


def overlaps(box: Box, others: list[Box]) -> bool:
    return any(box[0] < o[2] and o[0] < box[2] and box[1] < o[3] and o[1] < box[3] for o in others)


def _line_shaped(box: Box, s: Settings) -> bool:
    """A line of a few characters at least: not too high, wider than high."""
    height, width = box[2] - box[0], box[3] - box[1]
    return height <= s.max_line and width >= s.min_line_aspect * height


def _tighten(box: Box, responses: list[NDArray[np.int16]], s: Settings) -> Box:
    """The model's box shrunk to the strokes inside it (light and dark), plus the margin:
    the model's boxes are generous, and anatomy is not text."""
    y0, x0, y1, x1 = box
    m = s.margin
    mask = np.zeros((y1 - y0, x1 - x0), dtype=bool)
    for response in responses:
        crop = response[y0:y1, x0:x1]
        peak = int(crop.max())
        if peak >= s.contrast // 2:
            mask |= crop >= max(peak * s.tighten_share, s.contrast // 4)
    if mask.sum() < s.min_area:
        return (y0 - m, x0 - m, y1 + m, x1 + m)
    counts = mask.sum(axis=1)  # rows of texture at the top and bottom: not the line
    rows = np.flatnonzero(counts >= min(max(1.0, s.row_share * counts.max()), s.mark_pixels))
    cols = np.flatnonzero(mask[rows.min():rows.max() + 1].any(axis=0))
    wide = m + 1  # glyph edges fainter than the threshold at either end of the line
    return (y0 + int(rows.min()) - m, x0 + int(cols.min()) - wide, y0 + int(rows.max()) + 1 + m, x0 + int(cols.max()) + 1 + wide)
