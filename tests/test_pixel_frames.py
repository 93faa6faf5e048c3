"""Large images are screened and cleaned one frame at a time (curator.deid.pixels).

An image that decodes to more than ``pixels.MAX_DECODED_BYTES`` is read frame by frame
(pydicom's ``iter_pixels``), so its burned-in text is still found while memory holds one
frame; an image that cannot be screened at all is quarantined with the reason, never
released unscreened.  The limit is lowered here (monkeypatched) instead of writing GiB
files: the images are real CT content (pydicom's CT_small) with a name drawn on one frame."""
from __future__ import annotations

import tracemalloc

import numpy as np
import pydicom
import pytest
from pydicom.uid import RLELossless
from test_deid import P, write
from test_deid_pixels import _name_ct, undecodable_jpeg

from curator.deid import pixels
from curator.deid.run import DeidOptions, deidentify

KEY = bytes(range(32))
FRAMES = 9
FRAME_BYTES = 512 * 512 * 2  # CT_small at 512 x 512, 16 bits


def _multiframe(text_frame: int | None, compressed: bool = True, count: int = FRAMES) -> pydicom.Dataset:
    """A CT of ``count`` frames, RLE-compressed, the name drawn on frame ``text_frame`` (0-based)."""
    plain = _name_ct(None)
    named = _name_ct(P["family"].upper())
    frames = [(named if index == text_frame else plain).pixel_array for index in range(count)]
    ds = plain
    ds.NumberOfFrames = count
    ds.PixelData = np.stack(frames).astype(np.int16).tobytes()
    if compressed:
        ds.compress(RLELossless)
    return ds


@pytest.fixture
def small_limit(monkeypatch):
    """A budget of 1.5 frames: a whole image of 4 frames or more is over it, one frame is not."""
    monkeypatch.setattr(pixels, "MAX_DECODED_BYTES", FRAME_BYTES * 3 // 2)


def test_text_on_the_middle_frame_of_a_large_image_is_found(small_limit):
    assert pixels.screen(_multiframe(FRAMES // 2)) == pixels.SCREEN_REASON
    assert pixels.screen(_multiframe(FRAMES // 2, compressed=False)) == pixels.SCREEN_REASON
    assert pixels.screen(_multiframe(None)) is None


def _screen_peak(ds: pydicom.Dataset) -> int:
    """The Python heap's peak (numpy arrays included) while :func:`pixels.screen` finds the
    text of ``ds``, its encoded bytes already loaded."""
    ds.PixelData  # noqa: B018 - loaded before measuring
    tracemalloc.start()
    try:
        assert pixels.screen(ds) == pixels.SCREEN_REASON
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_screening_a_large_image_holds_one_frame_at_a_time(small_limit):
    pixels.screen(_multiframe(None, count=1))  # the detector's first call loads its tables
    few, many = (_screen_peak(_multiframe(count // 2, count=count)) for count in (4, 16))
    # 4 times the frames (2 -> 8 MiB decoded), the same peak (about 4 MiB: one frame and
    # the detector's working copies of it); decoding the whole image would add 6 MiB.
    assert many < few * 1.2 and many < 16 * FRAME_BYTES, (few, many)


def test_a_frame_over_the_limit_is_not_screened_and_is_quarantined(tmp_path, monkeypatch):
    monkeypatch.setattr(pixels, "MAX_DECODED_BYTES", FRAME_BYTES // 2)
    reason = pixels.screen(_multiframe(None))
    assert reason is not None and reason.startswith(pixels.NOT_SCREENED) and "over the limit" in reason
    source = tmp_path / "src"
    write(_multiframe(None), source / "ct.dcm")
    report = deidentify(source, tmp_path / "out", key=KEY, options=DeidOptions(k=1, workers=1, quarantine=tmp_path / "q"))
    assert report["counts"] == {**report["counts"], "written": 0, "quarantined": 1}
    assert report["quarantined"][0]["reason"] == reason
    assert not list((tmp_path / "out").rglob("*.dcm"))


def test_pixels_without_a_decoder_are_quarantined_not_released_unscreened(tmp_path):
    ds = undecodable_jpeg()
    ds.BurnedInAnnotation = "NO"  # the header says no text: only the screen would look
    source = tmp_path / "src"
    write(ds, source / "sc.dcm")
    report = deidentify(source, tmp_path / "out", key=KEY, options=DeidOptions(k=1, workers=1))
    assert report["counts"]["written"] == 0 and report["counts"]["quarantined"] == 1
    assert report["quarantined"][0]["reason"] == (f"{pixels.NOT_SCREENED} (its JPEG Extended (Process 2 and 4) stream is corrupt, cut short "
                                                   "or of a form no installed decoder reads)")
    assert not list((tmp_path / "out").rglob("*.dcm"))


def test_cleaning_a_large_image_checks_every_frame(small_limit):
    outcome = pixels.clean(_multiframe(1, compressed=False, count=4))  # not a frame the screen samples
    assert outcome.reason is not None and "too large to clean" in outcome.reason and "frame 2" in outcome.reason
    ds = _multiframe(None, compressed=False, count=4)
    before = ds.PixelData
    outcome = pixels.clean(ds)
    assert outcome.reason is None and not outcome.cleaned and ds.PixelData == before
