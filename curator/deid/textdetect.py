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

import math
import threading
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
from numpy.typing import NDArray

from curator.resources import load_yaml, mappings_dir

Box = tuple[int, int, int, int]  # y0, x0, y1, x1 (end exclusive)
Line = tuple[Box, tuple[Box, ...]]  # a text line's box, and the boxes of its glyph runs that cover its ink


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
    polarity_share: float  # tightening: a polarity responding less than this share of the other's is not the text's
    ink_share: float  # tightening: stroke pixels this share of the way from the background's level to the text's
    accent_share: float  # redaction: accents and dots above or below a box, up to this share of its height, are added
    glyph_share: float  # redaction: a separate glyph beside a box is at least this share of its height
    glyph_reach: float  # redaction: glyph pieces this share of a box's height beyond its edge are added to it
    split_gap: int  # tightening: columns of ink further apart than this are separate glyph runs (boxed apart)
    row_share: float  # rows of a model box with fewer stroke pixels than this share of the fullest row are trimmed at its edges
    mark_pixels: int  # ... but a row with this many is kept (accents, dots)
    min_line_aspect: float  # the model's boxes narrower than this many heights are not a line of text
    min_word_aspect: float  # ... but a box this many heights wide in an annotation block is a short word
    max_line: int  # the model's boxes higher than this (pixels) are not one line of text
    screen_band: float  # the screen looks at regions this share of the image from an edge
    max_side: int  # the screen downsamples frames larger than this
    upscale_below: int  # glyph search on a 2x upscaled frame when its height is below this
    residue_reach: float  # check after redaction: beside a cut line, up to this many of its heights beyond either end
    residue_share: float  # ... glyph pieces at least this share of the way from its background's level to its text's
    residue_piece: int  # ... reaching at most this many pixels out of the cut
    colour_tolerance: int  # check: strokes beside a cut line are its text's when of its polarity and within this many grey levels of its text's
    thin_share: float  # glyphs filling their boxes are strokes when at most this share of their pixels survives a 3 x 3 erosion
    lone_reach: float  # a short model box standing alone: its glyphs stay within this share of its height around it
    lone_uniform: float  # ... and at least this share of their pixels is near the text's level (one colour)
    lone_mark_uniform: float  # ... this share when it holds a single glyph (an L/R marker)
    turned_length: int  # a line turned a quarter is at least this long (pixels)
    stroke_share: float  # a glyph of a word standing alone is drawn in strokes thinner than this share of its height ...
    solid_share: float  # ... so at most this share of its pixels survives an erosion by a square that wide (a disc is a blob)
    fringe_reach: int  # check: strokes of a cut box's colour touching it from outside are cut within this many pixels of it
    flat_window: float  # faint text: a window this share of a grey frame's range either side of its commonest level ...
    flat_share: float  # ... looked at by the model only when at least this share of the frame lies within it (a flat field)
    flat_ring: float  # ... a line found there is text when at least this share of the pixels around it lie within the window too
    thick_ratio: float  # lone_glyphs: a glyph keeps at least this share of the cut marker's 2 x 2 erosion survival (ROI rings are one pixel thin)
    local_sigma: float  # local contrast view: grey levels as standard deviations from the mean of a Gaussian window this wide ...
    local_gain: float  # ... times this, around mid-grey ...
    local_floor: float  # ... with at least this standard deviation (8-bit levels): a flat field's noise is not text
    local_overlap: float  # a line of the local view continues a cut line when their rows overlap by this share of the smaller height
    static_share: float  # a cine's line found on its mean frame is cut on each frame matching it at least this share as well as the best
    word_min_height: int  # check before labelling: a word of two glyphs (PA, LAT with L and A touching) is at least this high ...
    word_height_ratio: float  # ... its glyphs' heights within this ratio, tops and bottoms within ``baseline`` ...
    word_gap: float  # ... at most this many heights apart
    pair_edge: float  # ... a component wider than a glyph is the glyphs its column runs split into (ink between runs near its top or bottom only)
    pair_aspect: float  # ... wider than a glyph: this many heights
    mark_min_height: int  # check before labelling: a single glyph standing alone along an edge (an L/R marker) is at least this high ...
    mark_max_height: int  # ... and at most this high ...
    mark_flat: float  # ... on a flat field: grey levels around it varying by at most this share of its contrast (std about their best plane) ...
    mark_level: float  # ... drawn in one colour: ``mark_uniform`` of its pixels at least this share of the way from the field to its level ...
    mark_uniform: float  # ... (that share) ...
    mark_small: int  # ... or, for a glyph at most this high (anti-aliased edges are most of a small glyph's pixels) ...
    mark_small_uniform: float  # ... this share
    mark_corners: int  # ... with ink in at least this many corners of its box (a cross, a ring, a dot: none)


@lru_cache(maxsize=1)
def settings() -> Settings:
    data = load_yaml(mappings_dir() / "pixel_text.yaml")["detector"]
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
    (None for other frames): the first view is the float32 arithmetic of :func:`_scale` on
    the frame's values, element by element (the same operations on the same numbers), the
    second a lookup table over the frame's values, and the percentiles are those of the
    sorted values rebuilt from the histogram (the same multiset, so the same numbers).  The
    histogram is skipped when the first view's own (256 levels) already proves that the
    percentile window is wide (:func:`_surely_wide`): then there is no second view."""
    if frame.ndim != 2 or frame.dtype.kind not in "iu" or not frame.size:
        return None
    lowest, highest = int(frame.min()), int(frame.max())
    if highest - lowest > 1 << 16 or max(-lowest, highest) > 1 << 24:  # a large table, or inexact in float32
        return None
    values = np.arange(lowest, highest + 1).astype(np.float32)  # exact: |values| <= 2**24
    table = _scale(values)
    span = float(highest) - float(lowest)
    if span <= 0:
        return [np.zeros(frame.shape, dtype=np.uint8)]
    # value v gives table[v - lowest]: the same float32 steps on float32(v), exact as v is
    views = [_scaled_frame(frame, float(lowest), float(highest))]
    if _surely_wide(views[0], table, settings().percentiles, span):
        return views
    if frame.dtype.kind == "u" and highest < 1 << 16:  # the values index a table from 0 directly
        index = frame
        offset = lowest
    else:
        index = frame - lowest if frame.dtype.kind == "u" else frame.astype(np.int64) - lowest
        offset = 0
    counts = np.bincount((frame - lowest if offset else index).ravel(), minlength=values.size)
    low, high = histogram_percentiles(values, counts, settings().percentiles)
    if (high - low) < 0.6 * span:
        views.append(np.take(_padded(_scale(np.clip(values, low, high)), offset), index))
    return views


SCRATCH_LIMIT = 1 << 20  # frames of up to this many pixels are scaled in a float32 buffer kept per thread
_SCRATCH = threading.local()


def _scaled_frame(frame: NDArray, low: float, high: float) -> NDArray[np.uint8]:
    """:func:`_scaled` of ``frame`` as float32, with the same ufuncs and types, in a buffer
    each thread keeps (a fresh 4-byte-per-pixel array per frame is mapped and faulted in
    by the allocator each time: as much system time as the arithmetic takes)."""
    if frame.size > SCRATCH_LIMIT:
        return _scaled(frame.astype(np.float32), low, high)
    buffer = getattr(_SCRATCH, "buffer", None)
    if buffer is None:
        buffer = _SCRATCH.buffer = np.empty(SCRATCH_LIMIT, dtype=np.float32)
    scaled = buffer[:frame.size].reshape(frame.shape)
    np.copyto(scaled, frame, casting="safe" if frame.dtype.itemsize < 4 else "unsafe")  # exact: |values| <= 2**24
    np.subtract(scaled, low, out=scaled)
    np.multiply(scaled, 255.0 / (high - low), out=scaled)
    np.add(scaled, 0.5, out=scaled)
    return scaled.astype(np.uint8)


def _padded(table: NDArray[np.uint8], offset: int) -> NDArray[np.uint8]:
    """``table`` (indexed from the lowest value) indexed from 0 when ``offset`` is that value."""
    if not offset:
        return table
    full = np.zeros(offset + table.size, dtype=np.uint8)
    full[offset:] = table
    return full


def _surely_wide(view: NDArray[np.uint8], table: NDArray[np.uint8], q: tuple[float, ...], span: float) -> bool:
    """True only when the robust window (percentiles ``q`` of the frame's values) is
    certainly at least 0.6 of ``span`` wide, so that :func:`windows` adds no second view;
    False when that cannot be proven (then the percentiles are computed exactly).

    ``view`` is the frame through ``table`` (value ``lowest + i`` gives ``table[i]``),
    which never decreases: the k-th smallest value has the k-th smallest level, so a
    histogram of the 256 levels places each order statistic among the values of one level.
    numpy's linear percentile lies between the two order statistics around it, so the low
    percentile is at most the value at position ``floor(v) + 1`` of its virtual index ``v``
    and the high one at least the value at ``floor(v)`` (both clamped to the ends as
    numpy does).  When the smallest value of the high one's level exceeds the largest of
    the low one's level by at least ``0.6 * span + 1`` (integers; the 1 covers rounding),
    ``high - low < 0.6 * span`` is false, as the exact computation would find.

    The two levels are first guessed from a sample of ``view`` (:func:`_guessed_levels`,
    checked by counting, so a guess only ever proves what the histogram would): the
    histogram of all the pixels only when the guess proves nothing."""
    n = view.size
    virtual = (n - 1) * np.true_divide(np.asarray((q[0], q[-1]), dtype=np.float64), 100)
    below = min(max(int(np.floor(virtual[0])) + 1, 0), n - 1)  # the low percentile is at most this one
    above = min(max(int(np.floor(virtual[1])), 0), n - 1)  # the high one at least this one
    guess = _guessed_levels(view, below, above)
    if guess is not None and _apart(table, *guess, span):
        return True
    ends = np.cumsum(_histogram(view))
    low_level, high_level = (int(np.searchsorted(ends, k, side="right")) for k in (below, above))
    return _apart(table, low_level, high_level, span)


def _histogram(view: NDArray[np.uint8]) -> NDArray[np.int64]:
    """Pixels of ``view`` per level (256 counts): OpenCV's histogram when installed (its
    float32 counts are exact below 2**24 pixels; several times quicker than ``np.bincount``,
    which widens every pixel to an index first), else numpy's."""
    cv2 = _cv2()
    if cv2 is not None and view.size < 1 << 24:
        return cv2.calcHist([np.ascontiguousarray(view)], [0], None, [256], [0, 256]).ravel().astype(np.int64)
    return np.bincount(view.ravel(), minlength=256)


def _apart(table: NDArray[np.uint8], low_level: int, high_level: int, span: float) -> bool:
    """The largest value of ``low_level`` and the smallest of ``high_level`` (levels of
    ``table``) are at least ``0.6 * span + 1`` apart."""
    largest_low = int(np.searchsorted(table, low_level, side="right")) - 1  # table positions
    smallest_high = int(np.searchsorted(table, high_level, side="left"))
    return smallest_high - largest_low >= 0.6 * span + 1


SAMPLE_STEP = 4  # the level guess of _surely_wide looks at every 4th pixel of every 4th row


def _guessed_levels(view: NDArray[np.uint8], below: int, above: int) -> tuple[int, int] | None:
    """Levels ``low`` and ``high`` such that the pixel at sorted position ``below`` of
    ``view`` has a level of at most ``low`` and the one at ``above`` at least ``high``
    (both checked by counting every pixel), guessed with some room from a sample; None
    when the view is small or the check fails.  Levels further apart than the exact ones
    are never given, so :func:`_apart` of them can only prove what the exact ones prove."""
    n = view.size
    if view.ndim != 2 or n < 1 << 14:
        return None
    sample = view[::SAMPLE_STEP, ::SAMPLE_STEP]
    m = sample.size
    ends = np.cumsum(_histogram(sample))
    want_low = min(m, 2 * (below + 1) * m // n + 2)  # twice the share the pixel at ``below`` needs, and two more
    want_high = min(m, 2 * (n - above) * m // n + 2)
    low = int(np.searchsorted(ends, want_low, side="left"))
    high = int(np.searchsorted(ends, m - want_high, side="right"))
    if _at_most(view, low) < below + 1 or np.count_nonzero(view >= high) < n - above:
        return None
    return low, high


def _at_most(view: NDArray[np.uint8], level: int) -> int:
    """Pixels of ``view`` at ``level`` or below.  Level 0 (a frame's lowest value, often its
    background) is counted as the pixels that are not 0, by OpenCV when installed (one
    pass without a boolean copy), else numpy compares."""
    cv2 = _cv2()
    if level == 0 and cv2 is not None and view.ndim == 2:
        return view.size - cv2.countNonZero(view)
    return int(np.count_nonzero(view <= level))


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
    return _scaled(data, low, high)


def _scaled(data: NDArray, low: float, high: float) -> NDArray[np.uint8]:
    """``data`` (``low`` to ``high``, ``high > low``) brought to 0-255: ``(data - low) *
    (255 / (high - low)) + 0.5`` in ``data``'s float type, truncated (the last two steps in
    place: the same operations)."""
    scaled = data - low
    scaled *= 255.0 / (high - low)
    scaled += 0.5
    return scaled.astype(np.uint8)


def detect(frame: NDArray, pairs: bool = False, words: bool = False) -> list[Box]:
    """Boxes of text-like regions of one frame (grey or colour), in frame coordinates
    (``pairs``: glyphs of a small font touching in twos and threes count; ``words``: words
    of two glyphs count too; see :func:`_text_boxes`)."""
    boxes: list[Box] = []
    for view in windows(frame):
        boxes.extend(detect_gray(view, pairs, words))
    return merge_boxes(boxes)


def band_text(frame: NDArray) -> bool:
    """Whether :func:`detect` finds a text-like region of ``frame`` whose centre is
    :func:`in_band` (the pixel screen's question): the same answer, without looking for
    glyphs when no stroke pixel of any view lies outside the centre (:func:`_centre`):
    every box :func:`detect` gives is a union of its stroke pixels' boxes grown by
    ``margin`` on each side, so its centre lies among those pixels too."""
    s = settings()
    views = windows(frame)
    centre = _centre(frame.shape, s)
    if centre is None:  # a small frame (searched upscaled: its boxes are halved unevenly)
        return any(in_band(box, frame.shape) for box in merge_boxes([b for view in views for b in detect_gray(view)]))
    found = [(view, _tophats(view, s.tophat, np.uint8)) for view in views]
    if all(_only_within(hat, centre, s.contrast) for _, hats in found for hat in hats):
        return False
    boxes = [box for view, hats in found for box in detect_gray(view, hats=hats)]
    return any(in_band(box, frame.shape) for box in merge_boxes(boxes))


def _centre(shape: tuple[int, ...], s: Settings) -> tuple[int, int, int, int] | None:
    """The pixels (rows ``top`` to ``bottom``, columns ``left`` to ``right``, ends
    exclusive) of an image of ``shape`` that lie inside the bands' inner edges and at
    least ``margin`` from its edges: a box around any of them, grown by ``margin``, is
    never clipped and its centre is not :func:`in_band`.  None when there are none, or the
    image is searched upscaled (:func:`detect_gray`)."""
    rows, cols = shape[0], shape[1]
    if rows < s.upscale_below:
        return None
    band = s.screen_band
    top, left = max(math.ceil(band * rows), s.margin), max(math.ceil(band * cols), s.margin)
    bottom, right = min(math.floor((1 - band) * rows), rows - s.margin), min(math.floor((1 - band) * cols), cols - s.margin)
    return (top, left, bottom, right) if top < bottom and left < right else None


def _only_within(response: NDArray, centre: tuple[int, int, int, int], contrast: int) -> bool:
    """No pixel of ``response`` outside ``centre`` reaches ``contrast`` (no stroke there)."""
    top, left, bottom, right = centre
    outside = (response[:top], response[bottom:], response[top:bottom, :left], response[top:bottom, right:])
    return all(not part.size or int(part.max()) < contrast for part in outside)


def detect_gray(gray: NDArray[np.uint8], pairs: bool = False, words: bool = False,
                hats: list[NDArray] | None = None) -> list[Box]:
    """Text boxes of one 8-bit image, light and dark text alike (``pairs``, ``words``: see
    :func:`_text_boxes`); ``hats``: its 8-bit top-hats, already computed (an image not
    searched upscaled)."""
    s = settings()
    upscale = gray.shape[0] < s.upscale_below
    if upscale and hats is not None:
        raise ValueError("top-hats of an image searched upscaled")
    image = np.repeat(np.repeat(gray, 2, axis=0), 2, axis=1) if upscale else gray
    boxes: list[Box] = []
    white, black = _tophats(image, s.tophat, np.uint8) if hats is None else hats
    boxes.extend(_text_boxes(white, image, s, pairs=pairs, words=words))
    boxes.extend(_text_boxes(black, image, s, inverted=True, pairs=pairs, words=words))
    if upscale:
        boxes = [(y0 // 2, x0 // 2, (y1 + 1) // 2, (x1 + 1) // 2) for y0, x0, y1, x1 in boxes]
    return clip_boxes(boxes, gray.shape[:2])


def _tophats(gray: NDArray[np.uint8], size: int, dtype: type = np.int16) -> list[NDArray]:
    """White and black top-hats with a ``size`` x ``size`` square: OpenCV's when installed
    (the same numbers as scipy's grey opening and closing, whose mirrored border adds no new
    value to a minimum or maximum, at a small part of the cost), else scipy's.  Their
    values are 0 to 255: ``dtype`` ``np.uint8`` holds them as well (for comparisons and
    maxima only, as the stroke detector uses them)."""
    cv2 = _cv2()
    if cv2 is not None:
        image = np.ascontiguousarray(gray, dtype=np.uint8)
        kernel = np.ones((size, size), dtype=np.uint8)
        white = cv2.morphologyEx(image, cv2.MORPH_TOPHAT, kernel)
        black = cv2.morphologyEx(image, cv2.MORPH_BLACKHAT, kernel)
        return [white if dtype is np.uint8 else white.astype(dtype), black if dtype is np.uint8 else black.astype(dtype)]
    from scipy import ndimage

    image16 = gray.astype(np.int16)
    found = [image16 - ndimage.grey_opening(image16, size=(size, size)), ndimage.grey_closing(image16, size=(size, size)) - image16]
    return [response.astype(dtype) for response in found]


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
    worker processes are forked from it, so that they inherit it): OpenCV, and scipy only
    without OpenCV (:func:`detect` labels with OpenCV when it is there)."""
    settings()
    if _cv2() is None:
        import scipy.ndimage  # noqa: F401


def _may_hold_glyph(mask: NDArray[np.bool_], s: Settings) -> bool:
    """False when no component of ``mask`` can be a glyph: a glyph is at least
    ``min_height`` rows high, so it needs that many consecutive rows holding a pixel."""
    return _rows_may_hold_glyph(np.asarray(mask.any(axis=1)), s)


def _rows_may_hold_glyph(rows: NDArray[np.bool_], s: Settings) -> bool:
    """:func:`_may_hold_glyph` of a mask whose rows holding a pixel are ``rows``."""
    if int(rows.sum()) < s.min_height:
        return False
    last = rows.size - s.min_height + 1
    run = rows[:last].copy()
    for shift in range(1, s.min_height):
        run &= rows[shift: last + shift]
    return bool(run.any())


@dataclass(frozen=True)
class Components:
    """Connected components (8-connected) of a thresholded response, numbered as scipy's
    ``label`` numbers them (raster order of their first pixel), from 0: per component its
    box (n x 4: y0, x0, y1, x1), area, peak response and peak grey level (text has one
    colour), and the columns of its pixels (``columns[starts[i]:starts[i + 1]]``)."""

    boxes: NDArray[np.int64]
    areas: NDArray[np.float64]
    peaks: NDArray[np.float64]
    levels: NDArray[np.float64]
    columns: NDArray[np.intp]
    starts: NDArray[np.intp]


def _components(response: NDArray, level: NDArray[np.uint8], s: Settings, mask: NDArray[np.bool_] | None = None,
                points: NDArray[np.intp] | None = None, inverted: bool = False) -> Components:
    """The components of ``response >= s.contrast`` (``mask``, and ``points``: its set
    pixels' flat indices in raster order, when already computed), with their statistics;
    ``inverted``: the grey levels are those of ``255 - level`` (dark text), taken at the
    components' pixels only."""
    if mask is None:
        mask = response >= s.contrast
    if points is None:
        points = np.flatnonzero(mask)  # ascending: raster order
    number, count = _label(mask, points)
    if count == 0:
        empty = np.zeros(0)
        nothing = np.zeros(0, dtype=np.intp)
        return Components(np.zeros((0, 4), dtype=np.int64), empty, empty, empty, nothing, np.zeros(1, dtype=np.intp))
    # statistics over the labelled pixels only, grouped by label (the same numbers as
    # scipy's find_objects and per-label maxima over the whole image)
    order = np.argsort(number, kind="stable")
    ranked = number[order]
    bounds = np.flatnonzero(ranked[1:] != ranked[:-1]) + 1
    starts = np.concatenate(([0], bounds)).astype(np.intp)
    rows, cols = np.divmod(points[order], mask.shape[1])
    boxes = np.stack([np.minimum.reduceat(rows, starts), np.minimum.reduceat(cols, starts),
                      np.maximum.reduceat(rows, starts) + 1, np.maximum.reduceat(cols, starts) + 1], axis=1).astype(np.int64)
    edges = np.concatenate((starts, [len(points)])).astype(np.intp)
    areas = np.diff(edges).astype(np.float64)
    peaks = np.maximum.reduceat(response.ravel()[points[order]], starts).astype(np.float64)
    if inverted:  # the maximum of 255 - level is 255 - its minimum
        levels = (255 - np.minimum.reduceat(level.ravel()[points[order]], starts).astype(np.int64)).astype(np.float64)
    else:
        levels = np.maximum.reduceat(level.ravel()[points[order]], starts).astype(np.float64)
    return Components(boxes, areas, peaks, levels, cols, edges)


SPARSE_SHARE = 16  # a mask with at most 1/16 of its pixels set is labelled on a compressed copy


def _label(mask: NDArray[np.bool_], points: NDArray[np.intp]) -> tuple[NDArray[np.integer], int]:
    """The component number (from 1) of each of ``points`` (the set pixels of ``mask``,
    raster order) among the 8-connected components of ``mask``, numbered as scipy's
    ``label`` numbers them (raster order of their first pixel), and their count.

    A sparse mask is labelled on a compressed copy: every run of rows (and of columns)
    holding no pixel shrinks to one, which keeps exactly the pixels that touch and those
    that do not, and their raster order: the same components, in the same order, at a
    cost that follows the pixels set rather than the image size."""
    if len(points) * SPARSE_SHARE > mask.size:
        return _numbered(mask, points)
    if len(points) == 0:
        return np.zeros(0, dtype=np.int32), 0
    rows, cols = np.divmod(points, mask.shape[1])
    if len(points) <= FEW:
        return _flooded(rows.tolist(), cols.tolist())
    new_rows, height = _compressed(rows, mask.shape[0])
    new_cols, width = _compressed(cols, mask.shape[1])
    small = np.zeros((height, width), dtype=bool)
    small[new_rows, new_cols] = True
    return _numbered(small, new_rows * width + new_cols)


def _numbered(mask: NDArray[np.bool_], points: NDArray[np.intp]) -> tuple[NDArray[np.integer], int]:
    """Component numbers of ``points`` (all the set pixels of ``mask``, raster order), as
    scipy's ``label`` with a 3 x 3 structure gives them: OpenCV's 8-connected components
    (the same pixel sets) renumbered by the raster order of their first pixel (scipy's
    order), or scipy's own when OpenCV is missing."""
    cv2 = _cv2()
    if cv2 is None:
        from scipy import ndimage

        labels, count = ndimage.label(mask, structure=np.ones((3, 3), dtype=bool))
        return labels.ravel()[points], int(count)
    _, labels = cv2.connectedComponents(np.ascontiguousarray(mask).view(np.uint8), connectivity=8, ltype=cv2.CV_32S)
    found = labels.ravel()[points]
    present, firsts = np.unique(found, return_index=True)  # each component's first pixel, raster order
    rank = np.zeros(int(present[-1]) + 1 if len(present) else 1, dtype=np.int32)
    rank[present[np.argsort(firsts, kind="stable")]] = np.arange(1, len(present) + 1, dtype=np.int32)
    return rank[found], len(present)


FEW = 64  # masks with at most this many pixels are labelled pixel by pixel


def _flooded(rows: list[int], cols: list[int]) -> tuple[NDArray[np.int32], int]:
    """Component numbers of a few pixels (raster order), 8-connected, numbered as scipy's
    ``label`` numbers them: a flood fill from each pixel not yet reached, in raster order."""
    # one integer per pixel, rows ``stride`` apart: a neighbour one column beyond either
    # edge lands on no pixel's key (the stride leaves two unused columns), so no row wraps
    stride = max(cols) + 3 if cols else 1
    keys = [r * stride + c + 1 for r, c in zip(rows, cols)]
    where = {key: i for i, key in enumerate(keys)}
    steps = (-stride - 1, -stride, -stride + 1, -1, 1, stride - 1, stride, stride + 1)
    numbers = [0] * len(rows)
    count = 0
    for first in range(len(rows)):
        if numbers[first]:
            continue
        count += 1
        numbers[first] = count
        stack = [first]
        while stack:
            key = keys[stack.pop()]
            for step in steps:
                j = where.get(key + step)
                if j is not None and not numbers[j]:
                    numbers[j] = count
                    stack.append(j)
    return np.array(numbers, dtype=np.int32), count


def _few_may_hold_text(points: NDArray[np.intp], width: int, s: Settings) -> bool:
    """False when the few ``points`` (flat indices of a mask ``width`` wide, raster order)
    hold neither a run of touching glyphs nor ``min_glyphs`` single glyphs: the test of
    :func:`_text_boxes` before it groups glyphs, on the same numbers (integers, and float
    divisions and products that Python rounds as numpy does), in plain Python."""
    rows, cols = divmod(points, width)
    row_list, col_list = rows.tolist(), cols.tolist()
    numbers, count = _flooded(row_list, col_list)
    members: list[list[int]] = [[] for _ in range(count)]
    for i, number in enumerate(numbers.tolist()):
        members[number - 1].append(i)
    singles = 0
    for found in members:
        ys, xs = [row_list[i] for i in found], [col_list[i] for i in found]
        height, width_, area = max(ys) - min(ys) + 1, max(xs) - min(xs) + 1, len(found)
        fill = area / max(height * width_, 1)
        if not (s.min_height <= height <= s.max_height and area >= s.min_area and s.min_fill <= fill <= s.max_fill):
            continue
        singles += width_ <= s.max_aspect * height
        if width_ > s.run_aspect * height and height <= s.max_height // 2 and _column_runs(xs, min(xs), width_) >= s.min_glyphs:
            return True
    return singles >= s.min_glyphs


def _column_runs(xs: list[int], x0: int, width: int) -> int:
    """:func:`_strokes` of a component whose pixels' columns are ``xs`` (box from ``x0``, ``width`` wide)."""
    per_column = [0] * width
    for x in xs:
        per_column[x - x0] += 1
    ink = [n > 2 for n in per_column]
    return sum(1 for i, inked in enumerate(ink) if inked and (i == 0 or not ink[i - 1]))


def _compressed(coords: NDArray[np.intp], size: int) -> tuple[NDArray[np.intp], int]:
    """Coordinates after each run of unused ones shrinks to a single one, and the new size."""
    used = np.zeros(size, dtype=bool)
    used[coords] = True
    keep = used.copy()
    keep[1:] |= used[:-1]  # an unused one right after a used one: the gap stays a gap
    keep[0] = True
    index = np.cumsum(keep) - 1
    return index[coords], int(index[-1]) + 1


def _strokes(parts: Components, index: int) -> int:
    """Separate column runs of a component (touching glyphs have several; a line has one):
    columns of its box holding more than two of its pixels."""
    x0, x1 = int(parts.boxes[index, 1]), int(parts.boxes[index, 3])
    columns = parts.columns[parts.starts[index]:parts.starts[index + 1]]
    ink = np.bincount(columns - x0, minlength=x1 - x0) > 2
    return int(np.count_nonzero(ink[1:] & ~ink[:-1]) + (1 if ink[0] else 0))


def _text_boxes(response: NDArray, level: NDArray[np.uint8], s: Settings, inverted: bool = False,
                pairs: bool = False, words: bool = False) -> list[Box]:
    """Text boxes of one polarity: ``response`` its top-hat, ``level`` the grey levels
    (``inverted``: of dark text, whose levels are ``255 - level``).  ``pairs``: a component
    too wide for one glyph and too narrow for a run (two or three glyphs of a small font
    touching through their anti-aliased edges) is a candidate too, counting as the column
    runs it holds (the turned-line check; the screen keeps single glyphs and runs).
    ``words`` (the check before labelling): such a component counts as its column runs only
    when it splits cleanly into glyphs (:func:`_split_pair`: a bold `LA` touching at the
    feet), and a word of two glyphs (`PA`, `RT`, that `LA`) is text when it is shaped like
    one (:func:`_word_pair`); a line needs ``min_glyphs`` otherwise."""
    mask, points = _strokes_at(response, s.contrast)
    if len(points) * SPARSE_SHARE > mask.size:
        rows = np.asarray(mask.any(axis=1))
    else:
        rows = np.zeros(mask.shape[0], dtype=bool)
        rows[points // mask.shape[1]] = True
    if not _rows_may_hold_glyph(rows, s):
        return []  # no glyph, so no line of text
    if len(points) <= FEW and not pairs and not words and not _few_may_hold_text(points, mask.shape[1], s):
        return []  # as the early return below, without the arrays
    parts = _components(response, level, s, mask, points, inverted)
    boxes, areas, peaks, levels = parts.boxes, parts.areas, parts.peaks, parts.levels
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
    run[run] = [_strokes(parts, int(i)) >= s.min_glyphs for i in np.flatnonzero(run)]
    weight = np.ones(len(boxes), dtype=np.int64)  # glyphs a candidate counts as
    if pairs:
        for i in np.flatnonzero(glyph & ~single & ~run & (widths <= s.run_aspect * heights) & (heights <= s.max_height // 2)):
            weight[i] = _strokes(parts, int(i))
            single[i] = weight[i] >= 2
    elif words:  # wider than a glyph is high (`RT` touching at the top is as wide as an `M`), narrower than a run
        for i in np.flatnonzero(glyph & ~run & (widths > s.pair_aspect * heights) & (widths <= s.run_aspect * heights)
                                & (heights <= s.max_height // 2)):
            weight[i] = _split_pair(mask, parts, int(i), s)
            single[i] = single[i] or weight[i] >= 2
    least = 2 if words else s.min_glyphs
    if not run.any() and int(weight[single].sum()) < least:
        return []  # a group of fewer glyphs than a line needs, and no run of touching glyphs: no text
    groups = _group(boxes, peaks, levels, np.flatnonzero(single | run), s)
    found: list[Box] = []
    small = np.flatnonzero(((heights < s.min_height * 3) | (areas < s.min_area * 4)) & (heights <= s.max_height))
    for members in groups:
        is_run = len(members) == 1 and run[members[0]]
        if (int(weight[members].sum()) < s.min_glyphs or (words and len(members) == 1)) and not is_run:
            if not (words and int(weight[members].sum()) >= 2 and _word_pair(boxes[members], s)):
                continue
        box = _union(boxes[members])
        if box[2] - box[0] > s.line_height * heights[members].max():
            continue  # not one line: a chain of unrelated structures
        if not is_run and not _aligned(boxes[members], s):
            continue
        if float(np.median(fill[members])) > s.max_group_fill and not _thin(mask, boxes[members], s):
            continue  # blobs, not strokes
        line_level = float(np.median(levels[members]))
        box = _absorb(box, boxes, np.flatnonzero(np.abs(levels - line_level) <= 2 * s.level_tolerance), s)
        marks = small[np.abs(levels[small] - line_level) <= s.level_tolerance]
        found.append(_with_marks(box, boxes, marks, s))
    return found


def _strokes_at(response: NDArray, contrast: int) -> tuple[NDArray[np.bool_], NDArray[np.intp]]:
    """``response >= contrast``, and its set pixels' flat indices in raster order
    (ascending).  An 8-bit response is thresholded by OpenCV when installed (0/1 bytes, read
    as booleans) and a sparse mask's pixels listed by its ``findNonZero`` (row by row, left
    to right: raster order), a fraction of the cost of numpy's comparison and
    ``flatnonzero`` on a mostly empty frame; the same mask and indices either way."""
    cv2 = _cv2()
    if cv2 is None or response.dtype != np.uint8 or response.ndim != 2 or not response.size or not 0 < contrast <= 255:
        mask = response >= contrast
        return mask, np.flatnonzero(mask)
    _, ones = cv2.threshold(np.ascontiguousarray(response), contrast - 1, 1, cv2.THRESH_BINARY)  # 1 where above contrast - 1
    mask = ones.view(np.bool_)
    count = cv2.countNonZero(ones)
    if count * SPARSE_SHARE > ones.size:
        return mask, np.flatnonzero(mask)
    if count == 0:
        return mask, np.zeros(0, dtype=np.intp)
    found = cv2.findNonZero(ones).reshape(-1, 2).astype(np.intp)  # (x, y) pairs
    return mask, found[:, 1] * ones.shape[1] + found[:, 0]


def _split_pair(mask: NDArray[np.bool_], parts: Components, index: int, s: Settings) -> int:
    """The glyphs a component too wide for one glyph is made of (2 or 3), when its column
    runs (:func:`_strokes`) split it cleanly: each run glyph-high, and the columns between
    runs holding ink only near its top or bottom (``pair_edge``: glyphs of a word touch at
    their feet, serifs or cross-bars: a bold `LA`, an `AT` kerned under the `T`'s bar);
    else 1 (a speckle blob's neck, a structure of the image)."""
    from scipy import ndimage

    y0, x0, y1, x1 = (int(v) for v in parts.boxes[index])
    height = y1 - y0
    number, _ = ndimage.label(mask[y0:y1, x0:x1], structure=np.ones((3, 3), dtype=bool))
    grid = number == int(np.argmax(np.bincount(number.ravel())[1:])) + 1  # the component (the largest in its box)
    ink = grid.sum(axis=0) > 2
    starts = np.flatnonzero(ink & ~np.concatenate(([False], ink[:-1])))
    ends = np.flatnonzero(ink & ~np.concatenate((ink[1:], [False]))) + 1
    if not 2 <= len(starts) <= 3:
        return 1
    edge = max(int(round(s.pair_edge * height)), 1)
    for a, b in zip(starts, ends):
        held = np.flatnonzero(grid[:, a:b].any(axis=1))
        if held[-1] - held[0] + 1 < 0.6 * height:
            return 1  # a run lower than a glyph
    for b, a in zip(ends[:-1], starts[1:]):
        between = np.flatnonzero(grid[:, b:a].any(axis=1))
        if len(between) and (between.min() < edge <= between.max() or between.max() >= height - edge > between.min()
                             or (edge <= between.min() and between.max() < height - edge)):
            return 1  # joined in the middle rows, not at the feet or the top
    return len(starts)


def _word_pair(members: NDArray, s: Settings) -> bool:
    """Two glyphs (or one component split in two) shaped like a word: at least
    ``word_min_height`` high, heights within ``word_height_ratio``, tops and bottoms on one
    line (within ``baseline`` of the height) and at most ``word_gap`` heights apart."""
    heights = members[:, 2] - members[:, 0]
    high, low = int(heights.max()), int(heights.min())
    if low < s.word_min_height or high > s.word_height_ratio * low:
        return False
    tolerance = s.baseline * high
    if np.ptp(members[:, 0]) > tolerance or np.ptp(members[:, 2]) > tolerance:
        return False
    if len(members) == 1:
        return True
    left, right = members[np.argsort(members[:, 1])]
    return bool(right[1] - left[3] <= s.word_gap * high)


def _thin(mask: NDArray[np.bool_], members: NDArray, s: Settings) -> bool:
    """Glyphs that fill much of their boxes yet are drawn in thin strokes (a bitmap font
    enlarged twice: strokes two pixels wide in glyphs as small as a blob): in most of
    them, at most :attr:`Settings.thin_share` of the pixels set in their box survive an
    erosion by a 3 x 3 square (a blob keeps its inside)."""
    from scipy import ndimage

    shares = []
    for y0, x0, y1, x1 in members.tolist():
        crop = mask[y0:y1, x0:x1]
        shares.append(float(ndimage.binary_erosion(crop, structure=np.ones((3, 3), dtype=bool)).sum()) / max(int(crop.sum()), 1))
    return float(np.median(shares)) <= s.thin_share


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
    """Text-line boxes of one frame by the detection model (see :func:`detect_lines`)."""
    return sorted({box for box, _ in detect_lines(frame)})


def detect_lines(frame: NDArray, anchors: list[Box] | None = None, alone: list[Line] | None = None,
                 views: list[NDArray[np.uint8]] | None = None) -> list[Line]:
    """Text lines of one frame by the detection model, on its grey windows (colour
    frames: luminance), each with the boxes of its glyph runs (what is blacked out);
    regions higher than a text line can be are not text.  A box too short for a line
    (a word of two or three letters: ``AP``, ``LAT``) is text when it stands in an
    annotation block: just above or below, or along, a line the model found, or one of
    ``anchors`` (lines already cut), of a similar height; or when it holds a word by
    itself (:func:`lone_word`: then it is also added to ``alone``).  ``views``: these 8-bit
    views of the frame instead of its windows."""
    s = settings()
    if views is None:
        views = windows(frame)[: 1 if frame.ndim == 3 else None]
    found: list[tuple[Box, int]] = []
    for index, view in enumerate(views):
        result, _ = _model()(np.stack([view] * 3, axis=2), use_det=True, use_cls=False, use_rec=False)
        for quad in result if result is not None else []:
            ys = [float(point[1]) for point in quad]
            xs = [float(point[0]) for point in quad]
            found.append(((int(min(ys)) - 1, int(min(xs)) - 1, int(max(ys)) + 2, int(max(xs)) + 2), index))
    lines = [(raw, index) for raw, index in found if _line_shaped(raw, s)]
    block = [raw for raw, _ in lines] + list(anchors or [])
    lines += [(raw, index) for raw, index in found if not _line_shaped(raw, s) and _word_in_block(raw, block, s)]
    out: list[Line] = []
    for raw, index in found:  # a short word standing alone (an L/R marker, PA, a depth mark)
        if (raw, index) not in lines:
            word = lone_word(raw, views[index], frame.shape[:2], s)
            out.extend(word)
            if alone is not None:
                alone.extend(word)
    responses: dict[int, list[NDArray[np.int16]]] = {}
    for raw, index in lines:
        view = views[index]
        grow = int(s.accent_reach * (raw[2] - raw[0]))  # accents and cedillas beyond the model's box
        box = clip_boxes([(raw[0] - grow, raw[1], raw[2] + grow, raw[3])], view.shape)
        if not box:
            continue
        if index not in responses:
            responses[index] = _tophats(view, s.tophat)
        line, parts = _tighten(box[0], view, responses[index], s, (raw[0] - box[0][0], raw[2] - box[0][0]))
        clipped = clip_boxes([line], frame.shape[:2])
        if clipped:
            out.append((clipped[0], tuple(clip_boxes(list(parts), frame.shape[:2]))))
    return sorted(set(out))


def local_view(frame: NDArray) -> NDArray[np.uint8]:
    """The local contrast view of a frame (grey or colour: its first 8-bit window): each
    pixel as standard deviations from the mean of a Gaussian window of
    :attr:`Settings.local_sigma` (at least :attr:`Settings.local_floor` levels), times
    :attr:`Settings.local_gain` around mid-grey.  Text a few levels above speckle, or
    white over the white-hot spot of a colour map, stands out there as it does not in any
    window of the whole range."""
    cv2 = _cv2()
    s = settings()
    data = windows(frame)[0].astype(np.float32)
    if cv2 is not None:
        mean = cv2.GaussianBlur(data, (0, 0), s.local_sigma)
        spread = cv2.GaussianBlur((data - mean) ** 2, (0, 0), s.local_sigma)
    else:
        from scipy import ndimage

        mean = ndimage.gaussian_filter(data, s.local_sigma)
        spread = ndimage.gaussian_filter((data - mean) ** 2, s.local_sigma)
    z = (data - mean) / np.sqrt(np.maximum(spread, s.local_floor ** 2))
    return np.clip(z * s.local_gain + 128.5, 0, 255).astype(np.uint8)


def local_lines(frame: NDArray) -> list[Line]:
    """The model's lines (:func:`detect_lines`) on the local contrast view of ``frame``."""
    view = local_view(frame)
    return detect_lines(view, views=[view])


def continued_lines(frame: NDArray, cut: list[Box]) -> list[Line]:
    """Lines of the model on the local contrast view (:func:`local_view`) of ``frame``
    (before redaction) that continue text already cut: crossing a box of ``cut`` along its
    rows (overlapping by :attr:`Settings.local_overlap` of the smaller height), each with
    its glyph runs in that view that are not within the cut boxes already.  A line the
    model split where part of it is as bright as the image under it (a name crossing a
    hot spot) is cut whole; the view is searched only beside what was cut, as anatomy
    stands out there too."""
    if not cut:
        return []
    s = settings()
    done = _covered(frame.shape[:2], cut)
    out: list[Line] = []
    for box, parts in local_lines(frame):
        if not any(same_line(box, other, s) for other in cut):
            continue
        new = tuple(p for p in parts if done[max(p[0], 0):max(p[2], 0), max(p[1], 0):max(p[3], 0)].mean() < 0.9)
        if new:
            out.append((box, new))
    return out


def same_line(box: Box, other: Box, s: Settings) -> bool:
    """``box`` crosses ``other`` and their rows overlap by :attr:`Settings.local_overlap`
    of the smaller height."""
    if box[1] >= other[3] or other[1] >= box[3]:
        return False
    rows = min(box[2], other[2]) - max(box[0], other[0])
    return rows >= s.local_overlap * min(box[2] - box[0], other[2] - other[0])


def turned_lines(turned: NDArray, cut: list[Box]) -> list[Line]:
    """Lines of text turned a quarter (a fax header up the edge of a scanned form, a label
    along the side of a radiograph), looked for on the frame turned 90 degrees
    (``turned``, before redaction): the model's lines, where the stroke detector confirms
    them (the model is run only then), line-shaped and at least
    :attr:`Settings.turned_length` long, each with its glyph runs grown over the glyphs
    beside them (:func:`complete_glyphs`), in the turned frame's coordinates, along a side
    of the frame (:func:`_side_band`).  A line mostly within the boxes of ``cut`` that were wider than high before turning (upright
    text already cut, turned alike: a block of upright lines, turned, can line up like
    text) is left out."""
    s = settings()
    view = np.ascontiguousarray(turned)
    strokes = detect(view, pairs=True)
    if not strokes:
        return []
    # upright text's boxes (wider than high before turning), not pieces of the turned line
    done = _covered(view.shape[:2], [box for box in cut if box[2] - box[0] >= box[3] - box[1]])
    found = [(box, parts) for box, parts in detect_lines(view)
             if _line_shaped(box, s) and box[3] - box[1] >= s.turned_length and overlaps(box, strokes)
             and done[box[0]:box[2], box[1]:box[3]].mean() < 0.5 and _side_band(box, view.shape[0], s)]
    return [(box, tuple(complete_glyphs(view, list(parts)))) for box, parts in found]


def _covered(shape: tuple[int, ...], boxes: list[Box]) -> NDArray[np.bool_]:
    """A mask of ``shape`` set inside ``boxes`` (the parts of them within the frame)."""
    mask = np.zeros(shape, dtype=bool)
    for y0, x0, y1, x1 in boxes:
        mask[max(y0, 0):max(y1, 0), max(x0, 0):max(x1, 0)] = True
    return mask


def flat_view(frame: NDArray, s: Settings) -> NDArray[np.uint8] | None:
    """The 8-bit view of a grey frame's flat field: a window :attr:`Settings.flat_window`
    of its range either side of its commonest level (of 512), stretched to 0-255, or None
    when less than :attr:`Settings.flat_share` of the frame lies within it (no flat field:
    the model is not run) or the frame is in colour.  Text a few grey levels from a flat
    background (a mammogram's site line, demographics on an unexposed band) stands out
    there; the anatomy is clipped to black or white."""
    if frame.ndim != 2:
        return None
    data = np.asarray(frame, dtype=np.float32)
    low, high = float(data.min()), float(data.max())
    if high <= low:
        return None
    bins = 512
    counts = np.bincount(((data - low) * ((bins - 1) / (high - low))).astype(np.intp).ravel(), minlength=bins)
    level = low + (int(np.argmax(counts)) + 0.5) * (high - low) / (bins - 1)
    half = s.flat_window * (high - low)
    view = np.clip((data - (level - half)) * (127.5 / half) + 0.5, 0, 255).astype(np.uint8)
    inside = (view > 0) & (view < 255)
    return view if float(inside.mean()) >= s.flat_share else None


def faint_lines(frame: NDArray, cut: list[Box]) -> list[Line]:
    """Lines of faint text on a flat field (:func:`flat_view`): the model's lines there
    (:func:`detect_lines` on that view) around which at least :attr:`Settings.flat_ring` of
    the pixels (half a line height on every side) lie within the window too (anatomy
    clipped to black or white around a box is not a flat field), faint (less than
    :attr:`Settings.contrast` grey levels between the box's darkest and brightest pixels
    in the full window), and not within the boxes already ``cut`` (mostly)."""
    s = settings()
    view = flat_view(frame, s)
    if view is None:
        return []
    inside = (view > 0) & (view < 255)
    full = windows(frame)[0]
    done = _covered(view.shape, cut)
    out: list[Line] = []
    for box, parts in detect_lines(frame, views=[view]):
        y0, x0, y1, x1 = box
        if done[y0:y1, x0:x1].mean() >= 0.5:
            continue
        low, high = np.percentile(full[y0:y1, x0:x1], (1, 99))
        if high - low >= s.contrast:
            continue  # text the full window shows: the other steps' (cut or checked there)
        reach = max((y1 - y0) // 2, 1)
        r0, q0 = max(y0 - reach, 0), max(x0 - reach, 0)
        ring = np.ones((min(y1 + reach, view.shape[0]) - r0, min(x1 + reach, view.shape[1]) - q0), dtype=bool)
        ring[y0 - r0:y1 - r0, x0 - q0:x1 - q0] = False
        around = inside[r0:r0 + ring.shape[0], q0:q0 + ring.shape[1]][ring]
        if around.size and float(around.mean()) >= s.flat_ring:
            out.append((box, parts))
    return out


def _side_band(box: Box, rows: int, s: Settings) -> bool:
    """A turned line (``box`` of the turned frame, ``rows`` high) runs along a side of the
    frame: within :attr:`Settings.screen_band` of its left or right edge (forms and labels
    are written there; a vertical structure inside the image is not text)."""
    centre = (box[0] + box[2]) / 2
    return centre < s.screen_band * rows or centre > (1 - s.screen_band) * rows


def turn_box(box: Box, width: int) -> Box:
    """``box`` of a frame ``width`` pixels wide, in the frame turned by ``np.rot90`` (once)."""
    y0, x0, y1, x1 = box
    return (width - x1, y0, width - x0, y1)


def unturn_box(box: Box, width: int) -> Box:
    """:func:`turn_box` undone: ``box`` of the turned frame in the frame's coordinates."""
    r0, c0, r1, c1 = box
    return (c0, width - r1, c1, width - r0)


def in_band(box: Box, shape: tuple[int, ...]) -> bool:
    """Whether the centre of ``box`` lies in the bands along the edges of an image of
    ``shape`` (:attr:`Settings.screen_band` of its height or width from an edge), where
    scanners and workstations write: the screen's regions, and where lone glyphs and
    markers are looked for."""
    band = settings().screen_band
    rows, cols = shape[0], shape[1]
    y, x = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    return y < band * rows or y > (1 - band) * rows or x < band * cols or x > (1 - band) * cols


def _surround(raw: Box, view: NDArray[np.uint8], s: Settings) -> tuple[
        NDArray[np.int16], NDArray[np.bool_], Box, tuple[int, int], tuple[bool, bool, bool, bool]]:
    """What :func:`lone_word` and :func:`_lone_mark` look at around a box of height h: the
    field out to h on every side (``around``, int16, from ``origin``), the ``ring`` of it
    outside the box grown by :attr:`Settings.lone_reach` of h (``grown``, frame coordinates),
    and which sides of ``grown`` lie inside the frame (``open_edges``: top, left, bottom,
    right; a component touching such a side runs out into the image)."""
    y0, x0, y1, x1 = raw
    h = y1 - y0
    rows, cols = view.shape[:2]
    grow = max(2, int(s.lone_reach * h))
    e0, f0, e1, f1 = max(y0 - grow, 0), max(x0 - grow, 0), min(y1 + grow, rows), min(x1 + grow, cols)
    g0, h0, g1, h1 = max(y0 - h, 0), max(x0 - h, 0), min(y1 + h, rows), min(x1 + h, cols)
    around = view[g0:g1, h0:h1].astype(np.int16)
    ring = np.ones(around.shape, dtype=bool)
    ring[e0 - g0:e1 - g0, f0 - h0:f1 - h0] = False
    return around, ring, (e0, f0, e1, f1), (g0, h0), (e0 > 0, f0 > 0, e1 < rows, f1 < cols)


def _runs_out(sl: tuple[slice, ...], shape: tuple[int, ...], open_edges: tuple[bool, bool, bool, bool]) -> bool:
    """Whether the component at ``sl`` of a window of ``shape`` touches one of its sides that
    lies inside the frame (:func:`_surround`'s ``open_edges``)."""
    return ((sl[0].start == 0 and open_edges[0]) or (sl[1].start == 0 and open_edges[1])
            or (sl[0].stop == shape[0] and open_edges[2]) or (sl[1].stop == shape[1] and open_edges[3]))


def lone_word(raw: Box, view: NDArray[np.uint8], shape: tuple[int, ...], s: Settings) -> list[Line]:
    """A short box of the model (too short for a line, in no block) that holds a word by
    itself: an L/R marker, a view (PA, LAT), a depth mark (10): as a line with its glyphs
    (none when it is not one).  Burned-in text is drawn in one colour: the glyphs are the
    components of one polarity at least half-way from the background's level (around the
    box) to the text's (the box's brightest, or darkest, pixels), at least
    :attr:`Settings.lone_uniform` of their pixels near the text's level (anatomy is shaded;
    :attr:`Settings.lone_mark_uniform` for a single glyph: a marker is drawn solid),
    none running out of the box grown by :attr:`Settings.lone_reach` of its height (a
    structure of the image), one at least not filled like a bar."""
    from scipy import ndimage

    y0, x0, y1, x1 = raw
    h, w = y1 - y0, x1 - x0
    if not s.min_height <= h <= s.max_line or w < s.min_word_aspect * h / 2:
        return []
    around, ring, (e0, f0, e1, f1), (g0, h0), open_edges = _surround(raw, view, s)
    if not ring.any() or y1 <= y0 or x1 <= x0:
        return []
    contrast, level, background = _lone_levels(around, ring, (slice(max(y0, 0) - g0, y1 - g0), slice(max(x0, 0) - h0, x1 - h0)))
    if contrast < s.contrast:
        return []
    window = level[e0 - g0:e1 - g0, f0 - h0:f1 - h0]
    labels, _ = ndimage.label(window >= background + 0.5 * contrast, structure=np.ones((3, 3), dtype=bool))
    glyphs: list[Box] = []
    near = uniform = 0
    thin = False
    for index, sl in enumerate(ndimage.find_objects(labels)):
        if sl is None or sl[0].stop - sl[0].start < 0.3 * h:
            continue
        if _runs_out(sl, window.shape, open_edges):
            return []  # runs out of the window: a structure of the image
        own = labels[sl] == index + 1
        if _solid(own, s):
            return []  # a blob (a bright disc, a lesion), not a glyph drawn in strokes
        ink = window[sl][own]
        near += int((ink >= background + 0.85 * contrast).sum())
        uniform += int(ink.size)
        thin |= ink.size <= 0.85 * (sl[0].stop - sl[0].start) * (sl[1].stop - sl[1].start)
        m = s.margin
        glyphs.append((e0 + sl[0].start - m, f0 + sl[1].start - m, e0 + sl[0].stop + m, f0 + sl[1].stop + m))
    if not glyphs or not thin or near < (s.lone_uniform if len(glyphs) > 1 else s.lone_mark_uniform) * uniform:
        return []
    parts = clip_boxes(glyphs, shape)
    return [(_union(np.array(parts)), tuple(parts))] if parts else []


def lone_glyphs(frame: NDArray, words: list[Box], cut: list[Box]) -> list[Box]:
    """Single glyphs standing alone in the colour and size of a word standing alone that
    was cut (``words``, :func:`lone_word`: markers come in pairs, and the model that boxed
    the R at one edge finds no box around the L at the other, a bold 10 px glyph): the
    components of the strokes of a word's polarity within
    :attr:`Settings.colour_tolerance` of its text's level, outside the cut, in the bands
    along the frame's edges (:attr:`Settings.screen_band`), 0.7 to 1.3 times as high as the
    word's glyphs, glyph-shaped, that pass :func:`lone_word`'s tests (isolated, one colour,
    drawn in strokes), with strokes as thick as the word's (:func:`_thick_share` at least
    :attr:`Settings.thick_ratio` of the word's: ROI rings are drawn one pixel thin). Glyphs of the lines cut are not the reference: an NM page's ROI
    rings, drawn in the text's colour, passed as C and O. Returns the boxes to cut."""
    from scipy import ndimage

    s = settings()
    view = windows(frame)[0]
    known = [(levels[0], levels[2], box[2] - box[0] - 2 * s.margin, _thick_share(view, box, levels)) for box in words
             if (levels := _levels_at(view, box, s)) is not None]
    if not known:
        return []
    responses = _tophats(view, s.tophat)
    covered = _covered(view.shape, cut)
    found: list[Box] = []
    for polarity in sorted({p for p, _, _, _ in known}):
        level = view.astype(np.int16) if polarity == 0 else 255 - view.astype(np.int16)
        texts = [t for p, t, _, _ in known if p == polarity]
        tall = max(h for p, _, h, _ in known if p == polarity)
        thick = min(k for p, _, _, k in known if p == polarity)
        mask = (responses[polarity] >= s.contrast) & ~covered
        mask &= np.min([np.abs(level - t) for t in texts], axis=0) <= s.colour_tolerance
        labels, _ = ndimage.label(mask, structure=np.ones((3, 3), dtype=bool))
        for sl in ndimage.find_objects(labels):
            if sl is None:
                continue
            y0, x0, y1, x1 = sl[0].start, sl[1].start, sl[0].stop, sl[1].stop
            h, w = y1 - y0, x1 - x0
            if not (max(s.min_height, 0.7 * tall) <= h <= 1.3 * tall and w <= s.max_aspect * h and int(mask[sl].sum()) >= s.min_area):
                continue
            if not in_band((y0, x0, y1, x1), view.shape):
                continue  # inside the image, not along an edge where scanners write
            for _, parts in lone_word((y0, x0, y1, x1), view, frame.shape, s):
                levels = _levels_at(view, parts[0], s)
                if levels is not None and _thick_share(view, parts[0], levels) >= s.thick_ratio * thick:
                    found.extend(parts)
    return sorted(set(found))


def _thick_share(view: NDArray[np.uint8], box: Box, levels: tuple[int, float, float]) -> float:
    """Share of the ink in ``box`` (at least half-way from the background's level to the
    text's, in the text's polarity) that survives an erosion by a 2 x 2 square: strokes at
    least two pixels thick (a marker's) keep some, lines one pixel thin (an ROI ring) none."""
    from scipy import ndimage

    y0, x0, y1, x1 = (max(v, 0) for v in box)
    polarity, background, text = levels
    crop = view[y0:y1, x0:x1].astype(np.int16)
    ink = (crop if polarity == 0 else 255 - crop) >= background + 0.5 * (text - background)
    kept = ndimage.binary_erosion(ink, structure=np.ones((2, 2), dtype=bool))
    return float(kept.sum()) / max(int(ink.sum()), 1)


def _solid(glyph: NDArray[np.bool_], s: Settings) -> bool:
    """A component of a word standing alone is a blob, not a glyph: more than
    :attr:`Settings.solid_share` of its pixels survive an erosion by a square of
    :attr:`Settings.stroke_share` of its height (at least 3 pixels): glyphs are drawn in
    strokes thinner than that, even bold ones; a disc or a lesion keeps its inside."""
    from scipy import ndimage

    side = max(3, int(s.stroke_share * glyph.shape[0]))
    core = ndimage.binary_erosion(glyph, structure=np.ones((side, side), dtype=bool))
    return float(core.sum()) > s.solid_share * float(glyph.sum())


def _lone_levels(around: NDArray[np.int16], ring: NDArray[np.bool_], inner: tuple[slice, slice]) -> tuple[float, NDArray[np.int16], float]:
    """(contrast, grey levels in the text's polarity, background level) of a word in
    ``around`` (its box is ``inner``): the polarity whose brightest 1% in the box stands
    out most from the median of ``ring`` (around the box)."""
    found = []
    for polarity in (0, 1):
        level = around if polarity == 0 else 255 - around
        background = float(np.median(level[ring]))
        found.append((float(np.percentile(level[inner], 99)) - background, level, background))
    return found[0] if found[0][0] >= found[1][0] else found[1]


def column_marks(frame: NDArray, words: list[Box], cut: list[Box]) -> list[Box]:
    """Marks of a scale beside words standing alone (``words``, cut): glyphs of a word's
    polarity and grey level (at least :attr:`Settings.ink_share` of the way from its
    background's level to its text's, in ``frame`` before redaction) and height, in the column it stands in, left- or right-aligned with
    it (the depth marks 0, 5, 10, 15 of an ultrasound: the model sees the two-digit ones
    only).  Returns their boxes, to cut too; what ``cut`` covers is left out."""
    from scipy import ndimage

    s = settings()
    view = windows(frame)[0]
    rows, cols = view.shape
    found: list[Box] = []
    for y0, x0, y1, x1 in words:
        body = max(y1 - y0 - 2 * s.margin, 2)
        levels = _levels_at(view, (y0, x0, y1, x1), s)
        if levels is None:
            continue
        polarity, background, text = levels
        f0, f1 = max(x0 - body, 0), min(x1 + body, cols)
        crop = view[:, f0:f1]
        response = _tophats(crop, s.tophat)[polarity]
        level = crop.astype(np.int16) if polarity == 0 else 255 - crop.astype(np.int16)
        ink = ((response >= s.contrast // 2) & (level >= background + s.ink_share * (text - background))
               & (level <= text + s.colour_tolerance))
        for b0, c0, b1, c1 in cut:
            ink[max(b0, 0):max(b1, 0), max(c0 - f0, 0):max(c1 - f0, 0)] = False
        labels, _ = ndimage.label(ink, structure=np.ones((3, 3), dtype=bool))
        for index, sl in enumerate(ndimage.find_objects(labels)):
            if sl is None:
                continue
            height, width = sl[0].stop - sl[0].start, sl[1].stop - sl[1].start
            fill = float((labels[sl] == index + 1).mean())
            left, right = f0 + sl[1].start, f0 + sl[1].stop
            aligned = abs(left - (x0 + s.margin)) <= 2 or abs(right - (x1 - s.margin)) <= 2
            if (aligned and 0.7 * body <= height <= 1.3 * body and width <= 1.3 * body
                    and s.min_fill <= fill <= s.max_fill):
                found.append((sl[0].start - s.margin, left - s.margin, sl[0].stop + s.margin, right + s.margin))
    return clip_boxes(found, (rows, cols))


def _word_in_block(box: Box, lines: list[Box], s: Settings) -> bool:
    """A short box of the model (not :func:`_line_shaped`) that is a word of an annotation
    block: at least :attr:`Settings.min_word_aspect` heights wide, just above or below one
    of ``lines`` or along it (:func:`stacked`, :func:`near`), and of a similar height."""
    height, width = box[2] - box[0], box[3] - box[1]
    if height > s.max_line or width < s.min_word_aspect * height:
        return False
    similar = [line for line in lines if 0.6 * (line[2] - line[0]) <= height <= 1.3 * (line[2] - line[0])]
    return stacked(box, similar) or near(box, similar)


def complete_glyphs(frame: NDArray, parts: list[Box]) -> list[Box]:
    """``parts`` grown over the glyphs and glyph pieces beside them: strokes of the text's
    polarity and grey level (in the frame before redaction) that touch a box from outside
    (a slanted stroke's end, the tip of a glyph the tightening left out), that stand on
    its rows within :attr:`Settings.glyph_reach` of its height along the line (a short
    word the detector left out: ``ID``, ``F``), or small marks just above or below it
    (accents, dots: :attr:`Settings.accent_share`).  A structure that runs out of that
    window (an edge, a line of the image) is not a glyph."""
    from scipy import ndimage

    s = settings()
    view = windows(frame)[0]
    rows, cols = view.shape
    grown: list[Box] = []
    for y0, x0, y1, x1 in parts:
        h = y1 - y0
        reach, rise = max(s.margin + 1, int(s.glyph_reach * h)), max(s.margin + 1, int(s.accent_share * h))
        e0, f0, e1, f1 = max(y0 - rise, 0), max(x0 - reach, 0), min(y1 + rise, rows), min(x1 + reach, cols)
        responses = _tophats(view[e0:e1, f0:f1], s.tophat)
        inner = (slice(y0 - e0, y1 - e0), slice(x0 - f0, x1 - f0))  # the text's polarity: the box's own
        _, polarities = _ink_of(view[e0:e1, f0:f1][inner], [r[inner] for r in responses], s, (0, 1))
        ink = _ink(view[e0:e1, f0:f1], responses, s, polarities)
        labels, count = ndimage.label(ink, structure=np.ones((3, 3), dtype=bool))
        if not count:
            grown.append((y0, x0, y1, x1))
            continue
        border = np.zeros(ink.shape, dtype=bool)
        border[0, :], border[-1, :] = e0 > 0, e1 < rows
        border[:, 0] |= f0 > 0
        border[:, -1] |= f1 < cols
        inside = np.zeros(ink.shape, dtype=bool)
        inside[y0 - e0:y1 - e0, x0 - f0:x1 - f0] = True
        slices = ndimage.find_objects(labels)
        out = set(np.unique(labels[border]).tolist())
        touching = set(np.unique(labels[inside]).tolist())
        m = s.margin
        beside = [i + 1 for i, sl in enumerate(slices) if i + 1 not in out | touching and _beside(sl, (y0 - e0, x0 - f0, y1 - e0, x1 - f0), s)]
        for label in beside:  # a glyph beside the box: its own box
            sl = slices[label - 1]
            grown.append((e0 + sl[0].start - m, f0 + sl[1].start - m, e0 + sl[0].stop + m, f0 + sl[1].stop + m))
        # pieces of what the box holds: across the line only as far as the margin (the
        # tightening looked there), along it as far as the window
        piece = np.isin(labels, sorted(touching - out - {0})) & ~inside & _rows(ink.shape, y0 - e0 - m - 1, y1 - e0 + m + 1)
        if not piece.any():
            grown.append((y0, x0, y1, x1))
            continue
        ys, xs = np.nonzero(piece)
        grown.append((min(y0, e0 + int(ys.min()) - m), min(x0, f0 + int(xs.min()) - m),
                      max(y1, e0 + int(ys.max()) + 1 + m), max(x1, f0 + int(xs.max()) + 1 + m)))
    return clip_boxes(grown, frame.shape[:2])


def _rows(shape: tuple[int, ...], r0: int, r1: int) -> NDArray[np.bool_]:
    band = np.zeros(shape, dtype=bool)
    band[max(r0, 0):max(r1, 0)] = True
    return band


def _beside(sl: tuple[slice, ...], box: Box, s: Settings) -> bool:
    """A component (slices) not touching ``box`` is text that belongs with it: a glyph on
    its rows along the line, or an accent or dot above or below its columns."""
    y0, x0, y1, x1 = box
    h = y1 - y0
    height = sl[0].stop - sl[0].start
    on_rows = sl[0].start >= y0 - s.margin - 1 and sl[0].stop <= y1 + s.margin + 1
    over = sl[1].start < x1 and sl[1].stop > x0 and height <= s.accent_share * h
    return (on_rows and height >= s.glyph_share * h) or over


def detect_fine(frame: NDArray) -> list[Box]:
    """Text boxes of small print: the stroke detector on the frame's first window at
    twice its size, in frame coordinates."""
    view = windows(frame)[0]
    up = np.repeat(np.repeat(view, 2, axis=0), 2, axis=1)
    boxes = [(y0 // 2, x0 // 2, (y1 + 1) // 2, (x1 + 1) // 2) for y0, x0, y1, x1 in detect_gray(up)]
    return clip_boxes(boxes, frame.shape[:2])


def stacked(box: Box, others: list[Box]) -> bool:
    """``box`` is a line just above or below one of ``others`` (an annotation block):
    no taller than it, at most one of its heights away, side by side with it."""
    h = box[2] - box[0]
    for o in others:
        k = o[2] - o[0]
        gap = max(o[0] - box[2], box[0] - o[2])
        side = max(o[1] - box[3], box[1] - o[3])
        if -h <= gap <= k and h <= 1.2 * k and side <= k:
            return True
    return False


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


def same_colour(frame: NDArray, box: Box, lines: list[Box]) -> bool:
    """``box`` holds strokes of the polarity and grey level (within
    :attr:`Settings.colour_tolerance`, 8-bit window of ``frame``) of one of ``lines``
    (both seen in ``frame``, before redaction): one annotation's colour, not an edge of
    the image beside it."""
    s = settings()
    view = windows(frame)[0]
    mine = _levels_at(view, box, s)
    if mine is None:
        return False
    for line in lines:
        theirs = _levels_at(view, line, s)
        if theirs is not None and theirs[0] == mine[0] and abs(theirs[2] - mine[2]) <= s.colour_tolerance:
            return True
    return False


def _levels_at(view: NDArray[np.uint8], box: Box, s: Settings) -> tuple[int, float, float] | None:
    """:func:`_text_levels` of the strokes inside ``box`` (top-hats over a margin around it)."""
    pad = s.tophat
    y0, x0, y1, x1 = box
    e0, f0, e1, f1 = max(y0 - pad, 0), max(x0 - pad, 0), min(y1 + pad, view.shape[0]), min(x1 + pad, view.shape[1])
    if y1 <= y0 or x1 <= x0:
        return None
    responses = _tophats(view[e0:e1, f0:f1], s.tophat)
    inner = (slice(y0 - e0, y1 - e0), slice(x0 - f0, x1 - f0))
    return _text_levels(view[e0:e1, f0:f1][inner], [r[inner] for r in responses], s)


def overlaps(box: Box, others: list[Box]) -> bool:
    return any(box[0] < o[2] and o[0] < box[2] and box[1] < o[3] and o[1] < box[3] for o in others)


def _line_shaped(box: Box, s: Settings) -> bool:
    """A line of a few characters at least: not too high, wider than high."""
    height, width = box[2] - box[0], box[3] - box[1]
    return height <= s.max_line and width >= s.min_line_aspect * height


def _tighten(box: Box, view: NDArray[np.uint8], responses: list[NDArray[np.int16]], s: Settings,
             body: tuple[int, int]) -> Line:
    """The model's box shrunk to the ink inside it, and the boxes of its glyph runs
    (columns of ink apart by more than :attr:`Settings.split_gap`), each as high as its
    own ink plus the marks just above and below it (accents, descenders), plus the
    margin: the model's boxes are generous, and anatomy is not text.  The glyphs' bodies
    lie within the rows ``body`` (the model's own box, relative to ``box``)."""
    y0, x0, y1, x1 = box
    m = s.margin
    crop, crop_responses = view[y0:y1, x0:x1], [r[y0:y1, x0:x1] for r in responses]
    mask, kept = _ink_of(crop, crop_responses, s, (0, 1))
    colours = [(polarity, background, text) for _, polarity, _, _, background, text in _polarity_stats(crop, crop_responses, s, kept)]
    glyphs = _within_rows(mask, y0 > 0, y1 < view.shape[0], s)
    counts = glyphs.sum(axis=1)
    if counts.sum() < s.min_area:
        whole = (y0 - m, x0 - m, y1 + m, x1 + m)
        return whole, (whole,)
    within = np.zeros(len(counts), dtype=bool)
    within[max(body[0], 0):body[1]] = True
    core = np.flatnonzero(within & (counts >= s.row_share * counts.max()))  # the rows the glyphs' bodies share
    if not len(core):
        whole = (y0 - m, x0 - m, y1 + m, x1 + m)
        return whole, (whole,)
    top, bottom = int(core.min()), int(core.max()) + 1
    cols = np.flatnonzero(mask[top:bottom].any(axis=0))
    breaks = np.flatnonzero(np.diff(cols) > s.split_gap)
    starts = np.concatenate([cols[:1], cols[breaks + 1]]).tolist()
    ends = np.concatenate([cols[breaks], cols[-1:]]).tolist()
    reach = max(2, int(s.accent_reach * (bottom - top)))
    parts = []
    for start, end in zip(starts, ends):
        ink: NDArray[np.bool_] = np.asarray(glyphs[:, start:end + 1].any(axis=1))
        rows = np.flatnonzero(ink[top:bottom]) + top
        if not len(rows):  # only ink running out of the box: a glyph fused with the image, cut on the body rows
            rows = np.array([top, bottom - 1])
        r0, r1 = _extend(ink, int(rows.min()), int(rows.max()) + 1, reach, s.mark_pixels)
        left, right = x0 + start - m, x0 + end + 1 + m
        if start == cols[0] or end == cols[-1]:  # a line's ends: one column more where its colour reaches past the margin
            rims = _past_margin(view, (y0 + r0, y0 + r1), (left - 1, right), colours)
            left, right = left - rims[0] * (start == cols[0]), right + rims[1] * (end == cols[-1])
        parts.append((y0 + r0 - m, left, y0 + r1 + m, right))
    line = _union(np.array(parts))
    return line, tuple(parts)


def _past_margin(view: NDArray[np.uint8], rows: tuple[int, int], columns: tuple[int, int],
                 colours: list[tuple[int, float, float]]) -> tuple[bool, bool]:
    """Whether the columns just past a line's margin at its left and right end (``columns``,
    on a glyph run's ``rows``) hold pixels of the text's colour: at least
    :attr:`Settings.ink_share` of the way from the background's level to the text's (as its
    ink) in one of ``colours`` (polarity, background, text). A leg fused with a dark edge of the
    image reaches there (its strokes are no thin top-hat stroke there); a background beside the
    line, or anatomy shading towards the text's colour, does not."""
    s = settings()
    out = []
    for column in columns:
        if not 0 <= column < view.shape[1]:
            out.append(False)
            continue
        grey = view[max(rows[0], 0):rows[1], column].astype(np.int16)
        out.append(any(bool(((grey if polarity == 0 else 255 - grey) >= background + s.ink_share * (text - background)).any())
                       for polarity, background, text in colours))
    return out[0], out[1]


def _within_rows(mask: NDArray[np.bool_], open_top: bool, open_bottom: bool, s: Settings) -> NDArray[np.bool_]:
    """The ink of ``mask`` (a model box's crop) without the components that run out of its
    top or bottom row (where the crop is not the image's edge): structures of the image
    crossing the line, not its glyphs, so they do not make the line higher; all of
    ``mask`` when too little is left (text fused with the image: cut as it is)."""
    from scipy import ndimage

    if not (open_top or open_bottom) or not mask.any():
        return mask
    labels, _ = ndimage.label(mask, structure=np.ones((3, 3), dtype=bool))
    edges = [labels[0]] * open_top + [labels[-1]] * open_bottom
    out = np.unique(np.concatenate(edges))
    inner = mask & ~np.isin(labels, out[out > 0])
    return inner if int(inner.sum()) >= s.min_area else mask


def _extend(ink: NDArray[np.bool_], r0: int, r1: int, reach: int, gap: int) -> tuple[int, int]:
    """Rows r0..r1 grown up and down over ink rows (accents, descenders) within ``reach``
    rows, across blank runs of at most ``gap`` rows."""
    for step in (-1, 1):
        edge, blank, row = (r0 if step < 0 else r1 - 1), 0, (r0 - 1 if step < 0 else r1)
        while 0 <= row < len(ink) and abs(row - edge) <= reach and blank <= gap:
            if ink[row]:
                edge, blank = row, 0
            else:
                blank += 1
            row += step
        r0, r1 = (edge, r1) if step < 0 else (r0, edge + 1)
    return r0, r1


def residue(frame: NDArray, lines: list[Box], cut: list[Box]) -> list[Box]:
    """What is left of the text beyond either end of each cut line after redaction (the
    check before labelling), in the line's rows up to :attr:`Settings.residue_reach` body
    heights away, in strokes of the line's own polarity and colour (``frame`` is the frame
    before redaction; what ``cut`` covers is gone): pieces of glyphs sticking out of the
    cut (anti-aliased edges, a thin stroke's tip: at least :attr:`Settings.residue_share`
    of the way from the background's grey level to the text's, reaching at most
    :attr:`Settings.residue_piece` pixels along the line) and whole glyphs the boxes left
    out (as strong as the text's ink, of a glyph's height, width and fill, within one body
    height of the line's end; a structure running out of the line's rows is not one).
    Returns their boxes, to cut too."""
    from scipy import ndimage

    s = settings()
    view = windows(frame)[0]
    rows, cols = view.shape
    blocked = np.zeros(view.shape, dtype=bool)
    for y0, x0, y1, x1 in cut:
        blocked[max(y0, 0):y1, max(x0, 0):x1] = True
    touching = ndimage.binary_dilation(blocked, iterations=2)
    extra: list[Box] = []
    for y0, x0, y1, x1 in lines:
        body = max(y1 - y0 - 2 * s.margin, 2)
        reach = max(s.margin + 1, int(s.residue_reach * body))
        e0, f0, e1, f1 = max(y0, 0), max(x0 - reach, 0), min(y1, rows), min(x1 + reach, cols)
        crop = view[e0:e1, f0:f1]
        responses = _tophats(crop, s.tophat)
        inner = (slice(0, e1 - e0), slice(x0 - f0, x1 - f0))
        found = _text_levels(crop[inner], [r[inner] for r in responses], s)
        if not found:
            continue
        polarity, background, text = found
        level = crop.astype(np.int16) if polarity == 0 else 255 - crop.astype(np.int16)
        free = (responses[polarity] >= s.contrast // 4) & ~blocked[e0:e1, f0:f1]
        free[:, x0 - f0:x1 - f0] = False  # beyond the line's ends only: above and below it is the image
        weak = free & (level >= background + s.residue_share * (text - background))
        strong = free & (level >= background + s.ink_share * (text - background))
        extra.extend(_pieces(weak, touching[e0:e1, f0:f1], (e0, f0), body, s))
        extra.extend(_glyphs(strong, (e0, f0), (x0, x1), body, (e1 - e0, e0 > 0, e1 < rows)))
    return clip_boxes(extra, view.shape)


def _pieces(weak: NDArray[np.bool_], near: NDArray[np.bool_], origin: tuple[int, int], body: int, s: Settings) -> list[Box]:
    """Boxes of the components of ``weak`` that touch the cut (``near``), reach at most
    :attr:`Settings.residue_piece` pixels along the line and are no higher than a glyph."""
    from scipy import ndimage

    labels, _ = ndimage.label(weak, structure=np.ones((3, 3), dtype=bool))
    found = []
    for index, sl in enumerate(ndimage.find_objects(labels)):
        if sl is None or sl[1].stop - sl[1].start > s.residue_piece or sl[0].stop - sl[0].start > 1.3 * body:
            continue
        if (near[sl] & (labels[sl] == index + 1)).any():
            found.append((origin[0] + sl[0].start - 1, origin[1] + sl[1].start - 1,
                          origin[0] + sl[0].stop + 1, origin[1] + sl[1].stop + 1))
    return found


def _glyphs(strong: NDArray[np.bool_], origin: tuple[int, int], ends: tuple[int, int], body: int,
            band: tuple[int, bool, bool]) -> list[Box]:
    """Boxes of the components of ``strong`` shaped like a glyph of a line ``body`` pixels
    high (not running out of its rows), within one body height of its ``ends``."""
    from scipy import ndimage

    s = settings()
    labels, _ = ndimage.label(strong, structure=np.ones((3, 3), dtype=bool))
    found = []
    height_rows, top_open, bottom_open = band
    for index, sl in enumerate(ndimage.find_objects(labels)):
        if sl is None:
            continue
        if (sl[0].start == 0 and top_open) or (sl[0].stop == height_rows and bottom_open):
            continue  # runs out of the line's rows: a structure of the image
        height, width = sl[0].stop - sl[0].start, sl[1].stop - sl[1].start
        fill = float((labels[sl] == index + 1).mean())
        x0, x1 = origin[1] + sl[1].start, origin[1] + sl[1].stop
        gap = max(ends[0] - x1, x0 - ends[1], 0)
        if (s.glyph_share * body <= height <= 1.3 * body and width <= 1.3 * body and s.min_fill <= fill <= s.max_group_fill
                and gap <= body):
            found.append((origin[0] + sl[0].start - s.margin, x0 - s.margin, origin[0] + sl[0].stop + s.margin, x1 + s.margin))
    return found


def _text_levels(crop: NDArray[np.uint8], responses: list[NDArray[np.int16]], s: Settings) -> tuple[int, float, float] | None:
    """The text's polarity (0 light, 1 dark) in a crop of its line, and the background's
    and the text's grey levels in that polarity (see :func:`_ink_of`), or None."""
    found = [stats for stats in _polarity_stats(crop, responses, s, (0, 1)) if stats[0] > 0]
    if not found:
        return None
    _, polarity, _, _, background, text = max(found, key=lambda stats: stats[0])  # the first of equals
    return polarity, background, text


def _polarity_stats(crop: NDArray[np.uint8], responses: list[NDArray[np.int16]], s: Settings,
                    polarities: tuple[int, ...]) -> list[tuple[float, int, int, NDArray[np.int16], float, float]]:
    """For each of ``polarities`` (0 light, 1 dark) whose strongest stroke reaches half of
    :attr:`Settings.contrast`: ``(text - background, polarity, peak response, grey levels in
    that polarity, background level (the crop's median), text level (the median of its
    strongest strokes))``."""
    out = []
    for polarity, response in enumerate(responses):
        if polarity not in polarities:
            continue
        peak = int(response.max())
        if peak < s.contrast // 2:
            continue
        level = crop.astype(np.int16) if polarity == 0 else 255 - crop.astype(np.int16)
        text = float(np.median(level[response >= 0.6 * peak]))
        background = float(np.median(level))
        out.append((text - background, polarity, peak, level, background, text))
    return out


def _ink(crop: NDArray[np.uint8], responses: list[NDArray[np.int16]], s: Settings,
         polarities: tuple[int, ...] = (0, 1)) -> NDArray[np.bool_]:
    """Text pixels of a crop: strong thin strokes of the text's polarity (light or dark:
    the one whose strongest strokes stand out most from the crop's median grey level; the
    other too when it stands out at least :attr:`Settings.polarity_share` as much) whose
    grey level is at least :attr:`Settings.ink_share` of the way from the median to the
    text's level (texture beside the text is thin too, but not of the text's colour)."""
    return _ink_of(crop, responses, s, polarities)[0]


def _ink_of(crop: NDArray[np.uint8], responses: list[NDArray[np.int16]], s: Settings,
            polarities: tuple[int, ...]) -> tuple[NDArray[np.bool_], tuple[int, ...]]:
    """:func:`_ink` among ``polarities`` (0 light, 1 dark), and the polarities it kept."""
    mask = np.zeros(crop.shape, dtype=bool)
    found = _polarity_stats(crop, responses, s, polarities)
    kept = []
    best = max((f[0] for f in found), default=0.0)
    for contrast, polarity, peak, level, background, _ in found:
        if contrast <= 0 or contrast < s.polarity_share * best:
            continue
        strong = responses[polarity] >= max(peak * s.tighten_share, s.contrast // 4)
        mask |= strong & (level >= background + s.ink_share * contrast)
        kept.append(polarity)
    return mask, tuple(kept)


def fringe(frame: NDArray, cut: list[Box]) -> list[Box]:
    """What the cut boxes left of the glyphs at their edges (the check before labelling,
    on every side of every box, not only beyond a line's ends): strokes of a box's own
    polarity (top-hat) at least :attr:`Settings.residue_share` of the way from the grey
    level in it (its median) to its text's and within :attr:`Settings.colour_tolerance` of
    the text's level (in ``frame``, before redaction: bright anatomy beside white text is not
    its colour) that touch the box from
    outside (the tail of a descender curling past the margin, the leg of a letter fused
    with a dark edge of the image, anti-aliased rims); each is cut within
    :attr:`Settings.fringe_reach` pixels of the box (a structure of the image it is fused
    with is not followed further).  Returns their boxes, to cut too."""
    from scipy import ndimage

    s = settings()
    view = windows(frame)[0]
    rows, cols = view.shape
    blocked = _covered(view.shape, cut)
    reach = s.fringe_reach
    extra: list[Box] = []
    for box in sorted(set(clip_boxes(cut, view.shape))):
        y0, x0, y1, x1 = box
        e0, f0, e1, f1 = max(y0 - reach, 0), max(x0 - reach, 0), min(y1 + reach, rows), min(x1 + reach, cols)
        pad = s.tophat  # the top-hats see beyond the ring (a crop of the text alone has no background)
        g0, h0 = max(e0 - pad, 0), max(f0 - pad, 0)
        ring = (slice(e0 - g0, e1 - g0), slice(f0 - h0, f1 - h0))
        crop = view[e0:e1, f0:f1]
        responses = [r[ring] for r in _tophats(view[g0:min(e1 + pad, rows), h0:min(f1 + pad, cols)], s.tophat)]
        inner = (slice(y0 - e0, y1 - e0), slice(x0 - f0, x1 - f0))
        found = _text_levels(crop[inner], [r[inner] for r in responses], s)
        free = ~blocked[e0:e1, f0:f1]
        if found is None or not free.any():
            continue
        polarity, background, text = found  # the box's median: its ring may be a structure of the image
        level = crop.astype(np.int16) if polarity == 0 else 255 - crop.astype(np.int16)
        if text - background < s.contrast // 2:
            continue
        floor = max(background + s.residue_share * (text - background), text - s.colour_tolerance)  # the text's colour
        weak = free & (responses[polarity] >= s.contrast // 4) & (level >= floor)
        if not weak.any():
            continue
        edge = np.zeros(crop.shape, dtype=bool)  # the pixels just outside the box
        edge[max(y0 - e0 - 1, 0):y1 - e0 + 1, max(x0 - f0 - 1, 0):x1 - f0 + 1] = True
        edge[inner] = False
        labels, _ = ndimage.label(weak, structure=np.ones((3, 3), dtype=bool))
        for label in sorted(set(np.unique(labels[edge & weak]).tolist()) - {0}):
            ys, xs = np.nonzero(labels == label)
            extra.append((e0 + int(ys.min()) - 1, f0 + int(xs.min()) - 1, e0 + int(ys.max()) + 2, f0 + int(xs.max()) + 2))
    return clip_boxes(extra, view.shape)


def lone_marks(frame: NDArray) -> list[Box]:
    """Single glyphs standing alone along the frame's edges (the check before labelling: an
    L/R marker that no cut word vouches for): components of either polarity's strokes, at
    least ``mark_min_height`` and at most ``mark_max_height`` high, glyph-shaped, in the
    bands along the edges (:attr:`Settings.screen_band`), that are drawn as a marker
    (:func:`_lone_mark`: one colour on a flat background, in strokes, reaching into the
    corners of its box)."""
    from scipy import ndimage

    s = settings()
    found: list[Box] = []
    for view in windows(frame):
        for response in _tophats(view, s.tophat):
            labels, _ = ndimage.label(response >= s.contrast, structure=np.ones((3, 3), dtype=bool))
            for index, sl in enumerate(ndimage.find_objects(labels)):
                if sl is None:
                    continue
                y0, x0, y1, x1 = sl[0].start, sl[1].start, sl[0].stop, sl[1].stop
                h, w = y1 - y0, x1 - x0
                if not (s.mark_min_height <= h <= s.mark_max_height and 0.4 * h <= w <= s.max_aspect * h):
                    continue
                if not in_band((y0, x0, y1, x1), view.shape):
                    continue  # inside the image, not along an edge where markers sit
                if (y0 == 0 or y1 == view.shape[0]) and (x0 == 0 or x1 == view.shape[1]):
                    continue  # filling a corner of the frame: the frame's own (a clipped field), not a glyph standing alone
                area = int((labels[sl] == index + 1).sum())
                if area >= s.min_area and s.min_fill <= area / (h * w) <= s.max_fill and _lone_mark((y0, x0, y1, x1), view, s):
                    found.append((y0, x0, y1, x1))
    return sorted(set(found))


def _lone_mark(raw: Box, view: NDArray[np.uint8], s: Settings) -> bool:
    """A marker glyph is drawn in one colour on a flat field: around its box (out to one
    height) the grey levels vary by at most ``mark_flat`` of its contrast about a plane (:func:`_ring_spread`; anatomy and
    speckle vary), the pixels at least half-way from that field to the glyph's level form
    one component within a quarter of its height of its box (isolated; nothing runs out)
    that is shaped like a marker glyph (:func:`_marker_glyph`) — or two to four, when the
    largest is a thin outline box round the others (a lead marker: `R`, `PA` in a square)."""
    from scipy import ndimage

    y0, x0, y1, x1 = raw
    around, ring, (e0, f0, e1, f1), (g0, h0), open_edges = _surround(raw, view, s)
    if not ring.any():
        return False
    contrast, level, background = _lone_levels(around, ring, (slice(y0 - g0, y1 - g0), slice(x0 - h0, x1 - h0)))
    if contrast < s.contrast or _ring_spread(level, ring) > s.mark_flat * contrast:
        return False
    window = level[e0 - g0:e1 - g0, f0 - h0:f1 - h0]
    labels, count = ndimage.label(window >= background + 0.5 * contrast, structure=np.ones((3, 3), dtype=bool))
    objects = ndimage.find_objects(labels)
    if not 1 <= count <= 4 or any(sl is None for sl in objects):
        return False
    if any(_runs_out(sl, window.shape, open_edges) for sl in objects):
        return False  # runs out of the window: a structure of the image
    if count == 1:
        return _marker_glyph(labels[objects[0]] == 1, window[objects[0]], background, contrast, s)
    sizes = [int((labels[sl] == k + 1).sum()) for k, sl in enumerate(objects)]
    outer = int(np.argmax(sizes))
    box = objects[outer]
    outline = labels[box] == outer + 1
    oh, ow = outline.shape
    side = max(2, int(0.2 * min(oh, ow)))
    if min(oh, ow) <= 2 * side + s.mark_min_height or outline[side:oh - side, side:ow - side].any():
        return False  # not a thin outline round something
    if min(float(outline[:side].any(axis=0).mean()), float(outline[oh - side:].any(axis=0).mean()),
           float(outline[:, :side].any(axis=1).mean()), float(outline[:, ow - side:].any(axis=1).mean())) < 0.9:
        return False  # not closed on its four sides
    inner = [sl for k, sl in enumerate(objects) if k != outer]
    if not all(box[0].start < sl[0].start and sl[0].stop < box[0].stop and box[1].start < sl[1].start and sl[1].stop < box[1].stop
               for sl in inner):
        return False  # something outside the box
    u = (slice(min(sl[0].start for sl in inner), max(sl[0].stop for sl in inner)),
         slice(min(sl[1].start for sl in inner), max(sl[1].stop for sl in inner)))
    return _marker_glyph((labels[u] > 0) & (labels[u] != outer + 1), window[u], background, contrast, s)


def _ring_spread(level: NDArray[np.int16], ring: NDArray[np.bool_]) -> float:
    """How much the grey levels of ``ring`` vary about the plane that fits them best (least
    squares; standard deviation of what is left): a field shaded smoothly (an MR bias field, a
    gradient across a radiograph) is flat, anatomy's edges and speckle are not."""
    ys, xs = np.nonzero(ring)
    values = level[ring].astype(np.float64)
    design = np.column_stack([np.ones(len(ys)), ys, xs]).astype(np.float64)
    coef = np.linalg.lstsq(design, values, rcond=None)[0]
    return float((values - design @ coef).std())


def _marker_glyph(glyph: NDArray[np.bool_], values: NDArray[np.int16], background: float, contrast: float, s: Settings) -> bool:
    """Ink (``glyph``, its grey levels ``values``) shaped like a marker's letters: at least
    ``mark_min_height`` high, at least ``mark_uniform`` of it (``mark_small_uniform`` when at
    most ``mark_small`` high) ``mark_level`` of the way from the field's level to the glyph's
    (one colour; anti-aliased edges aside), drawn in strokes
    (:func:`_solid`), with ink in at least ``mark_corners`` of the four corners of its box
    (letters reach their corners: L, R, A, P, H, F; a cross, a ring, a dot do not)."""
    gh, gw = glyph.shape
    if gh < s.mark_min_height or _solid(glyph, s):
        return False
    ink = values[glyph]
    if float((ink >= background + s.mark_level * contrast).mean()) < (s.mark_small_uniform if gh <= s.mark_small else s.mark_uniform):
        return False
    qy, qx = max(1, gh // 4), max(1, gw // 4)
    corners = sum(bool(glyph[a, b].any()) for a in (slice(0, qy), slice(gh - qy, gh)) for b in (slice(0, qx), slice(gw - qx, gw)))
    return corners >= s.mark_corners
