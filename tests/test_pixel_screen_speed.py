"""The fast pixel screen computes exactly what the slower reference steps compute (issue 18).

The stroke detector (curator/deid/textdetect.py) takes faster routes to the same numbers:
OpenCV's top-hats, lookup-table windows with percentiles from a histogram, and labelling
of sparse masks from their pixels.  Each is compared here with the reference it replaces
(scipy's grey opening/closing and label + find_objects, numpy's percentile and float
windows) on random images whose sizes, value ranges and densities vary, so that a change
in either side (OpenCV, scipy or numpy) that would change a screen decision fails here.
"""
from __future__ import annotations

import numpy as np
import pytest
from scipy import ndimage

from curator.deid import textdetect


def _reference_components(response: np.ndarray, level: np.ndarray, contrast: int) -> tuple[np.ndarray, ...]:
    """Component statistics as the detector computed them before (scipy over the whole image)."""
    labels, count = ndimage.label(response >= contrast, structure=np.ones((3, 3), dtype=bool))
    slices = ndimage.find_objects(labels)
    boxes = np.array([(sl[0].start, sl[1].start, sl[0].stop, sl[1].stop) for sl in slices], dtype=np.int64).reshape(-1, 4)
    flat = labels.ravel()
    areas = np.bincount(flat, minlength=count + 1)[1:].astype(np.float64)
    inside = flat > 0
    peaks = np.zeros(count + 1)
    np.maximum.at(peaks, flat[inside], response.ravel()[inside])
    levels = np.zeros(count + 1)
    np.maximum.at(levels, flat[inside], level.ravel()[inside])
    return boxes, areas, peaks[1:], levels[1:], labels


def test_opencv_tophats_equal_scipy_grey_opening_and_closing():
    if textdetect._cv2() is None:
        pytest.skip("OpenCV is not installed: the detector uses scipy itself")
    rng = np.random.default_rng(0)
    size = textdetect.settings().tophat
    for trial in range(60):
        rows, cols = (int(v) for v in rng.integers(1, 60 if trial % 3 else 300, 2))
        gray = rng.integers(0, 256, (rows, cols)).astype(np.uint8)
        if trial % 2:
            gray = np.where(gray > 200, 255, 0).astype(np.uint8)
        image = gray.astype(np.int16)
        white = image - ndimage.grey_opening(image, size=(size, size))
        black = ndimage.grey_closing(image, size=(size, size)) - image
        fast = textdetect._tophats(gray, size)
        assert [a.dtype for a in fast] == [np.int16, np.int16]
        assert np.array_equal(fast[0], white) and np.array_equal(fast[1], black), (rows, cols)


def _reference_strokes(labels: np.ndarray, index: int, box: np.ndarray) -> int:
    """Column runs of a component as the detector counted them before (from the label image)."""
    y0, x0, y1, x1 = box
    ink = (labels[y0:y1, x0:x1] == index + 1).sum(axis=0) > 2
    return int(np.count_nonzero(ink[1:] & ~ink[:-1]) + (1 if ink[0] else 0))


@pytest.mark.parametrize("opencv", [True, False])
def test_labelling_and_statistics_equal_scipy(opencv, monkeypatch):
    """Masks of a few pixels (flood fill), sparse ones (compressed copy) and dense ones,
    labelled by OpenCV (renumbered) or by scipy: the same component of every pixel, in
    scipy's numbering, the same statistics and the same column-run counts as scipy's
    label image gives."""
    if opencv and textdetect._cv2() is None:
        pytest.skip("OpenCV is not installed")
    if not opencv:
        monkeypatch.setattr(textdetect, "_cv2", lambda: None)
    rng = np.random.default_rng(1)
    contrast = textdetect.settings().contrast
    dense = few = 0
    for trial in range(400):
        rows, cols = (int(v) for v in rng.integers(1, 90, 2))
        density = float(rng.random()) * (0.12 if trial % 4 else 0.9)
        response = np.where(rng.random((rows, cols)) < density, contrast + rng.integers(0, 200, (rows, cols)), 0).astype(np.int16)
        level = rng.integers(0, 256, (rows, cols)).astype(np.uint8)
        got = textdetect._components(response, level, textdetect.settings())
        boxes, areas, peaks, levels, labels = _reference_components(response, level, contrast)
        for mine, theirs in ((got.boxes, boxes), (got.areas, areas), (got.peaks, peaks), (got.levels, levels)):
            assert mine.dtype == theirs.dtype and np.array_equal(mine, theirs), (trial, rows, cols, density)
        points = np.flatnonzero(response >= contrast)
        numbers, count = textdetect._label(response >= contrast, points)
        assert count == len(boxes) and np.array_equal(numbers, labels.ravel()[points]), (trial, rows, cols, density)
        dark = textdetect._components(response, level, textdetect.settings(), inverted=True)  # dark text: 255 - level
        assert np.array_equal(dark.levels, _reference_components(response, 255 - level, contrast)[3]), trial
        strokes = [textdetect._strokes(got, i) for i in range(len(boxes))]
        assert strokes == [_reference_strokes(labels, i, box) for i, box in enumerate(boxes)], trial
        dense += len(points) * textdetect.SPARSE_SHARE > response.size
        few += 0 < len(points) <= textdetect.FEW
    assert 20 < dense < 380 and 20 < few < 380  # every route was taken


def test_histogram_percentiles_equal_numpy():
    rng = np.random.default_rng(2)
    for trial in range(2000):
        n = int(rng.integers(1, 3000 if trial % 2 else 30))
        low = int(rng.integers(-3000, 3000))
        data = rng.integers(low, low + int(rng.integers(0, 5000)) + 1, n)
        if trial % 7 == 0:
            data[:] = low
        q = [(1, 99), (0, 100), (50, 50), (2.5, 97.5), (1, 99.9)][trial % 5]
        values = np.arange(data.min(), data.max() + 1).astype(np.float32)
        got = textdetect.histogram_percentiles(values, np.bincount(data - data.min(), minlength=values.size), q)
        want = np.percentile(data.astype(np.float32), q)
        assert got.dtype == want.dtype and got.tobytes() == want.tobytes(), (n, q)


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16, np.int16, np.int32])
def test_integer_windows_equal_float_windows(dtype):
    rng = np.random.default_rng(3)
    info = np.iinfo(dtype)
    for trial in range(150):
        low = int(rng.integers(max(info.min, -40000), min(info.max, 60000)))
        high = min(int(info.max), low + int(rng.integers(0, 70000)))
        frame = rng.integers(low, high + 1, tuple(int(v) for v in rng.integers(1, 70, 2))).astype(dtype)
        if trial % 3 == 0:  # a few bright pixels: the percentile window differs from the full range
            frame.flat[rng.integers(0, frame.size, max(1, frame.size // 200))] = high
        fast = textdetect.windows(frame)
        reference = textdetect.windows(frame.astype(np.float32))  # the float path, as before
        assert len(fast) == len(reference)
        for mine, theirs in zip(fast, reference):
            assert mine.dtype == theirs.dtype and np.array_equal(mine, theirs), (trial, low, high)


def test_a_mask_without_five_consecutive_rows_holds_no_glyph():
    s = textdetect.settings()
    mask = np.zeros((40, 40), dtype=bool)
    mask[10:10 + s.min_height - 1, 5:30] = True  # a bar one row short of a glyph
    assert not textdetect._may_hold_glyph(mask, s)
    mask[10 + s.min_height - 1, 7] = True
    assert textdetect._may_hold_glyph(mask, s)


def test_native_frames_equal_pydicom_decoding(tmp_path):
    """The screen reads uncompressed grey pixel data straight from the bytes: the same frames
    as pydicom's decoder, for every such image of pydicom's test files and for 8/16-bit,
    signed/unsigned, 12-bit-stored synthetic ones (whose unused high bits hold junk)."""
    import warnings

    import pydicom
    from pydicom.data import get_testdata_files
    from pydicom.uid import ExplicitVRLittleEndian

    from curator.deid import pixels

    datasets = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for path in get_testdata_files("*.dcm"):
            try:
                datasets.append(pydicom.dcmread(path, force=True))
            except Exception:  # noqa: BLE001 - not every test file is readable
                continue
    rng = np.random.default_rng(4)
    for allocated, stored, signed, frames in ((8, 8, 0, 1), (16, 12, 0, 1), (16, 12, 1, 3), (16, 16, 1, 1), (16, 10, 0, 2)):
        ds = pydicom.Dataset()
        ds.file_meta = pydicom.dataset.FileMetaDataset()
        ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
        ds.Rows, ds.Columns, ds.SamplesPerPixel, ds.PhotometricInterpretation = 7, 9, 1, "MONOCHROME2"
        ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = allocated, stored, stored - 1, signed
        if frames > 1:
            ds.NumberOfFrames = frames
        ds.PixelData = rng.integers(0, 256, 7 * 9 * frames * allocated // 8, dtype=np.uint8).tobytes()
        datasets.append(ds)
    compared = 0
    for ds in datasets:
        if "PixelData" not in ds or pixels.skipped(ds):
            continue
        fast = pixels.native_frames(ds)
        if fast is None:
            continue
        reference = pixels.frames_of(ds)
        assert fast.dtype == reference.dtype and fast.shape == reference.shape and np.array_equal(fast, reference)
        compared += 1
    assert compared >= 8


def test_the_percentile_histogram_is_skipped_only_when_the_window_is_surely_wide():
    """``_surely_wide`` (256 levels of the first view) may only say "no second view" when the
    exact percentiles say so too; frames around the 0.6 threshold and far from it, both answers."""
    rng = np.random.default_rng(5)
    s = textdetect.settings()
    answers = {True: 0, False: 0}
    for trial in range(600):
        span = int(rng.integers(2, 4000))
        n = int(rng.integers(50, 5000))
        gap = int(round(0.6 * span)) + int(rng.integers(-3, 4)) if trial % 2 else int(rng.integers(0, span + 1))
        low_value = int(rng.integers(0, max(span - gap, 0) + 1))
        values = np.where(rng.random(n) < 0.5, low_value, min(low_value + gap, span))
        values += rng.integers(0, 3, n) * (trial % 3 == 0)  # some spread around the two levels
        values = np.clip(values, 0, span)
        values[:2] = (0, span)  # the full range
        frame = (values + int(rng.integers(0, 1000))).astype(np.uint16).reshape(1, n)
        lowest, highest = int(frame.min()), int(frame.max())
        table_values = np.arange(lowest, highest + 1).astype(np.float32)
        table = textdetect._scale(table_values)
        view = np.take(table, frame - lowest)
        surely = textdetect._surely_wide(view, table, s.percentiles, float(highest - lowest))
        low, high = textdetect.histogram_percentiles(table_values, np.bincount((frame - lowest).ravel(), minlength=table.size), s.percentiles)
        if surely:
            assert not (high - low) < 0.6 * (highest - lowest), (trial, span, gap)
        answers[surely] += 1
        assert len(textdetect.windows(frame)) == len(textdetect.windows(frame.astype(np.float32))), trial
    assert min(answers.values()) > 100, answers


def _part10(ds) -> bytes:
    import io

    import pydicom

    buffer = io.BytesIO()
    pydicom.dcmwrite(buffer, ds, enforce_file_format=True)
    return buffer.getvalue()


def _grey(syntax, allocated: int = 16, stored: int = 12, signed: int = 0, frames: int = 1, seed: int = 0,
          photometric: str = "MONOCHROME2"):
    import pydicom

    rng = np.random.default_rng(seed)
    ds = pydicom.Dataset()
    ds.file_meta = pydicom.dataset.FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = syntax
    ds.file_meta.MediaStorageSOPClassUID = "1.2.840.10008.5.1.4.1.1.2"
    ds.file_meta.MediaStorageSOPInstanceUID = "1.2.3.4"
    ds.SOPClassUID, ds.SOPInstanceUID, ds.Modality = "1.2.840.10008.5.1.4.1.1.2", "1.2.3.4", "CT"
    ds.Rows, ds.Columns, ds.SamplesPerPixel, ds.PhotometricInterpretation = 64, 48, 1, photometric
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = allocated, stored, stored - 1, signed
    if frames > 1:
        ds.NumberOfFrames = frames
    pixels = rng.integers(0, 256, 64 * 48 * frames * allocated // 8, dtype=np.uint8)
    if seed % 2 and allocated == 16:  # unused high bits clear, or (signed) the sign extended: nothing to clear
        pixels = (pixels.view("<i2") >> (16 - stored)).astype("<i2").view(np.uint8) if signed else pixels.view("<u2") >> (16 - stored)
    ds.PixelData = np.ascontiguousarray(pixels).tobytes()
    return ds


def test_the_screen_reads_the_bytes_as_pydicom_does():
    """``screen_bytes`` reads uncompressed grey pixel data ending the file from the bytes
    under the fast header reader's attributes: the same frames as pydicom's reading, the
    same verdict; files it must not read that way (an image attribute after the pixel
    data, a truncated trailing element, an encoding other than the declared one,
    compressed pixel data) go to pydicom."""
    import io
    import struct
    import warnings

    import pydicom
    from pydicom.data import get_testdata_files
    from pydicom.uid import ExplicitVRLittleEndian, ImplicitVRLittleEndian, RLELossless

    from curator.deid import pixels

    files = [_part10(_grey(syntax, *shape, seed=i, photometric=f"MONOCHROME{1 + i % 2}")) for i, (syntax, shape) in enumerate(
        (s, shape) for s in (ExplicitVRLittleEndian, ImplicitVRLittleEndian)
        for shape in ((16, 12, 0, 1), (16, 12, 1, 3), (8, 8, 0, 2), (16, 16, 1, 1), (16, 12, 0, 2), (16, 10, 1, 1)))]
    frames = _grey(ExplicitVRLittleEndian, frames=2)
    frames.NumberOfFrames = " 02"  # read by pydicom's conversion or from the bytes: the same number
    files.append(_part10(frames))
    trailing = _grey(ExplicitVRLittleEndian)
    trailing.add_new(0xFFFCFFFC, "OB", b"\0\0")  # Data Set Trailing Padding after the pixel data: read
    files.append(_part10(trailing))
    rows_after = struct.pack("<HH2sHH", 0x0028, 0x0010, b"US", 2, 32)  # Rows again, after the pixel data
    declined = [_part10(_grey(ExplicitVRLittleEndian)) + rows_after, _part10(trailing)[:-1]]
    explicit = _part10(_grey(ExplicitVRLittleEndian))  # declared implicit below, written explicit
    declined.append(explicit.replace(ExplicitVRLittleEndian.encode() + b"\0", ImplicitVRLittleEndian.encode() + b"\0\0\0", 1))
    rle = _grey(ExplicitVRLittleEndian, 16, 16, 0, 1)
    rle.compress(RLELossless)
    declined.append(_part10(rle))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        made = len(files)
        files += [open(path, "rb").read() for path in get_testdata_files("*.dcm")]
        read = 0
        for number, data in enumerate(files + declined):
            view = pixels._native_view(data)
            if view is None and made <= number < len(files):
                continue  # pydicom's file, read by pydicom in both: nothing to compare
            try:
                ds = pydicom.dcmread(io.BytesIO(data), force=True)
            except Exception:  # noqa: BLE001 - not every test file is readable
                assert view is None
                continue
            pixels.syntax_from_encoding(ds)
            if view is not None:
                reference = pixels.native_frames(ds)
                assert reference is not None and view.dtype == reference.dtype and np.array_equal(view, reference)
                read += 1
            assert pixels.screen_bytes(data) == pixels.screen(ds)
    assert all(pixels._native_view(data) is None for data in declined)
    assert read >= 19  # the synthetic files (14) and pydicom's uncompressed grey ones (5)


def test_a_line_needs_three_glyphs_or_a_run_of_touching_ones():
    """The stroke detector stops early when fewer glyph candidates than a line needs are
    found and none is a run of touching glyphs: two glyphs give nothing, three a line, and
    one run of touching glyphs (a comb of strokes) a line too."""
    s = textdetect.settings()
    assert s.min_glyphs == 3  # the shapes below are drawn for three

    def drawn(count: int, comb: bool = False) -> list:
        image = np.full((60, 120), 20, dtype=np.uint8)
        if comb:  # a bar with a stroke every 5 pixels below it: touching glyphs
            image[20, 10:40] = 220
            image[20:28, 10:40:5] = 220
        for k in range(count):  # hollow 10 x 6 glyphs, 3 pixels apart, on one line
            x = 10 + 9 * k
            image[20:30, x:x + 6] = 220
            image[21:29, x + 1:x + 5] = 20
        response = np.where(image > 100, 200, 0).astype(np.uint8)
        return textdetect._text_boxes(response, image, s)

    assert drawn(2) == []
    assert len(drawn(3)) == 1
    assert len(drawn(0, comb=True)) == 1


def test_the_level_guess_bounds_the_exact_order_statistics_on_large_frames():
    """``_guessed_levels`` (a sample, checked by counting) never gives levels closer to the
    middle than the exact order statistics, and on frames large enough to use it the windows
    are still those of the float path: the same views, so the same second-view decision."""
    rng = np.random.default_rng(6)
    s = textdetect.settings()
    guessed = 0
    for trial in range(60):
        rows, cols = (int(v) for v in rng.integers(128, 300, 2))
        span = int(rng.integers(300, 4000))
        base = rng.integers(0, span // 8 + 1, (rows, cols))
        share = float(rng.random()) * 0.5
        frame = np.where(rng.random((rows, cols)) < share, span - base, base)  # two modes, as air and body
        if trial % 3 == 0:
            frame = rng.integers(0, span + 1, (rows, cols))
        if trial % 4 == 1:  # the sampled pixels mislead: their tails are far heavier than the frame's
            frame = span // 2 + rng.integers(0, span // 10, (rows, cols))
            sampled = frame[::textdetect.SAMPLE_STEP, ::textdetect.SAMPLE_STEP]
            tails = rng.random(sampled.shape)
            sampled[tails < 0.05], sampled[tails > 0.95] = 0, span
        frame.flat[:2] = (0, span)
        frame = frame.astype(np.uint16 if trial % 2 else np.int16)
        view = textdetect.windows(frame)[0]
        n = view.size
        virtual = (n - 1) * np.asarray(s.percentiles, dtype=np.float64) / 100
        below, above = min(int(np.floor(virtual[0])) + 1, n - 1), min(int(np.floor(virtual[-1])), n - 1)
        guess = textdetect._guessed_levels(view, below, above)
        ordered = np.sort(view.ravel())
        if guess is not None:
            guessed += 1
            assert guess[0] >= ordered[below] and guess[1] <= ordered[above], trial
        fast = textdetect.windows(frame)
        reference = textdetect.windows(frame.astype(np.float32))
        assert len(fast) == len(reference) and all(np.array_equal(a, b) for a, b in zip(fast, reference)), trial
    assert guessed > 20


def _reference_may_hold_text(points: np.ndarray, shape: tuple[int, int], s) -> bool:
    """The early test of ``_text_boxes`` on the arrays of ``_components`` (as it computes it)."""
    mask = np.zeros(shape, dtype=bool)
    mask.flat[points] = True
    response = mask.astype(np.uint8) * 255
    parts = textdetect._components(response, response, s, mask, points)
    boxes, areas = parts.boxes, parts.areas
    heights, widths = boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1]
    fill = areas / np.maximum(heights * widths, 1)
    glyph = (heights >= s.min_height) & (heights <= s.max_height) & (areas >= s.min_area) & (fill >= s.min_fill) & (fill <= s.max_fill)
    single = glyph & (widths <= s.max_aspect * heights)
    run = glyph & (widths > s.run_aspect * heights) & (heights <= s.max_height // 2)
    run[run] = [textdetect._strokes(parts, int(i)) >= s.min_glyphs for i in np.flatnonzero(run)]
    return bool(run.any() or np.count_nonzero(single) >= s.min_glyphs)


def test_the_few_pixel_test_equals_the_array_test():
    """Masks of at most ``FEW`` pixels skip the component arrays when they can hold no line
    (``_few_may_hold_text``): the same answer as the arrays give, on scattered pixels, small
    glyph-like blocks and thin runs of touching glyphs."""
    rng = np.random.default_rng(7)
    s = textdetect.settings()
    answers = {True: 0, False: 0}
    for trial in range(1500):
        shape = (int(rng.integers(8, 60)), int(rng.integers(12, 80)))
        mask = np.zeros(shape, dtype=bool)
        for _ in range(int(rng.integers(0, 3))):  # blocks of a few pixels, some glyph-sized
            h, w = int(rng.integers(1, 9)), int(rng.integers(1, 26))
            y, x = int(rng.integers(0, shape[0])), int(rng.integers(0, shape[1]))
            block = rng.random((h, w)) < float(rng.random())
            mask[y:y + h, x:x + w] |= block[:max(min(h, shape[0] - y), 0), :max(min(w, shape[1] - x), 0)]
        mask |= rng.random(shape) < 0.005
        for _ in range(int(rng.integers(0, 4)) if trial % 2 else 0):  # hollow glyphs of 5 to 7 rows
            h, w = int(rng.integers(4, 8)), int(rng.integers(2, 10))
            y, x = int(rng.integers(0, shape[0] - h)), int(rng.integers(0, shape[1] - w))
            mask[y:y + h, x:x + w] = True
            mask[y + 1:y + h - 1, x + 1:x + w - 1] = False
        if trial % 5 == 0:  # a comb: touching glyphs joined by a top row
            h, teeth = int(rng.integers(4, 7)), int(rng.integers(2, 5))
            y, x = int(rng.integers(0, shape[0] - h)), int(rng.integers(0, max(shape[1] - 6 * teeth, 1)))
            mask[y, x:x + 6 * teeth] = True
            mask[y:y + h, x:x + 6 * teeth:6] = True
        points = np.flatnonzero(mask)
        if len(points) > textdetect.FEW or len(points) == 0:
            continue
        got = textdetect._few_may_hold_text(points, shape[1], s)
        assert got == _reference_may_hold_text(points, shape, s), trial
        answers[got] += 1
    assert min(answers.values()) > 20, answers
    for width, holds in ((8, True), (9, False)):  # glyphs exactly max_aspect wide, and one column wider
        mask = np.zeros((12, 40), dtype=bool)
        for x in (1, 13, 25):
            mask[2:7, x:x + width] = True
            mask[3:6, x + 1:x + width - 1] = False
        points = np.flatnonzero(mask)
        assert textdetect._few_may_hold_text(points, 40, s) is holds is _reference_may_hold_text(points, mask.shape, s)


def test_stroke_pixels_of_8_bit_responses_equal_numpy():
    """``_strokes_at`` (OpenCV's threshold and ``findNonZero`` on 8-bit responses) gives the
    mask and raster-order indices of ``response >= contrast`` on empty, sparse and dense
    responses, with values at the contrast and one below it."""
    rng = np.random.default_rng(9)
    contrast = textdetect.settings().contrast
    routes = set()
    for trial in range(200):
        rows, cols = (int(v) for v in rng.integers(1, 120, 2))
        density = float(rng.random()) * (0.1 if trial % 3 else 1.0) * (trial % 7 != 0)
        values = rng.choice(np.array([contrast - 1, contrast, 255], dtype=np.uint8), (rows, cols))
        response = np.where(rng.random((rows, cols)) < density, values, rng.integers(0, contrast, (rows, cols))).astype(np.uint8)
        if trial % 5 == 1:
            response = response[:, ::2]  # not contiguous
        mask, points = textdetect._strokes_at(response, contrast)
        assert mask.dtype == np.bool_ and np.array_equal(mask, response >= contrast), trial
        assert points.dtype == np.intp and np.array_equal(points, np.flatnonzero(response >= contrast)), trial
        routes.add("none" if not len(points) else "dense" if len(points) * textdetect.SPARSE_SHARE > response.size else "sparse")
    assert routes == {"none", "sparse", "dense"}


def _text_frame(rng: np.random.Generator, rows: int, cols: int, where: tuple[int, int], dark: bool, wide: bool) -> np.ndarray:
    """A frame (16-bit or 8-bit) with a smooth background, noise and a short line of text at ``where``."""
    cv2 = textdetect._cv2()
    y, x = np.mgrid[0:rows, 0:cols]
    image = 60 + 40 * np.sin(y / 37.0) * np.cos(x / 53.0) + rng.normal(0, 1, (rows, cols))
    text = "".join(rng.choice(list("AEKMRSTWX0123456789"), int(rng.integers(2, 6))))
    ink = np.zeros((rows, cols), dtype=np.uint8)
    cv2.putText(ink, text, (int(where[1]), int(where[0])), cv2.FONT_HERSHEY_SIMPLEX, float(rng.uniform(0.35, 0.8)), 255, 1)
    image = np.where(ink > 0, 5.0 if dark else 230.0, image)
    if wide:
        return np.clip(image * 16, 0, 4095).astype(np.uint16)
    return np.clip(image, 0, 255).astype(np.uint8)


def test_the_band_question_gets_the_detectors_answer():
    """``band_text`` (no glyph search when no stroke pixel lies outside the centre) answers
    as ``detect`` and ``in_band`` do, with text anywhere: inside the centre, across and just
    beside the bands' inner edges, in every band, light and dark, on frames searched as they
    are and upscaled (small ones)."""
    if textdetect._cv2() is None:
        pytest.skip("OpenCV draws the text")
    rng = np.random.default_rng(11)
    s = textdetect.settings()
    seen = {"text in the centre, shortcut": 0, "band": 0, "clear, searched": 0}
    for trial in range(160):
        rows, cols = (int(v) for v in rng.integers(120 if trial % 8 == 0 else 200, 420, 2))
        band_row, band_col = int(s.screen_band * rows), int(s.screen_band * cols)
        if trial % 2:  # around an inner edge of a band
            edge = [band_row, rows - band_row][trial % 4 == 1]
            where = (edge + int(rng.integers(-12, 13)), int(rng.integers(band_col, cols - band_col)))
        elif trial % 4 == 0:  # inside the centre
            where = (int(rng.integers(band_row + 20, rows - band_row - 4)), int(rng.integers(band_col + 4, cols // 2)))
        else:
            where = (int(rng.integers(8, rows)), int(rng.integers(0, cols - 20)))
        frame = _text_frame(rng, rows, cols, where, dark=bool(trial % 3 == 0), wide=bool(trial % 5 < 3))
        expected = any(textdetect.in_band(box, frame.shape) for box in textdetect.detect(frame))
        assert textdetect.band_text(frame) == expected, (trial, rows, cols, where)
        centre = textdetect._centre(frame.shape, s)
        views = textdetect.windows(frame)
        shortcut = centre is not None and all(
            textdetect._only_within(hat, centre, s.contrast) for view in views for hat in textdetect._tophats(view, s.tophat, np.uint8))
        found = any(textdetect.detect(frame))
        if shortcut and found:
            seen["text in the centre, shortcut"] += 1
        if expected:
            seen["band"] += 1
        if not expected and not shortcut:
            seen["clear, searched"] += 1
    assert all(count >= 10 for count in seen.values()), seen


def test_pixels_at_most_a_level_are_counted_as_numpy_counts_them():
    """``_at_most`` (level 0 counted as the pixels that are not 0) equals numpy's count of
    ``view <= level``, with and without zeros, on contiguous and strided views."""
    rng = np.random.default_rng(12)
    zero_counted = 0
    for trial in range(120):
        rows, cols = (int(v) for v in rng.integers(1, 200, 2))
        view = rng.integers(0 if trial % 2 else 1, 256, (rows, cols)).astype(np.uint8)
        if trial % 3 == 0:
            view[rng.random((rows, cols)) < 0.3] = 0
        if trial % 4 == 1:
            view = view[::2, ::3]
        for level in (0, 1, int(rng.integers(0, 256)), 255):
            assert textdetect._at_most(view, level) == int(np.count_nonzero(view <= level)), (trial, level)
        zero_counted += int(np.count_nonzero(view == 0)) > 0
    assert zero_counted > 30
