"""The blind3 burned-in text set (tests/pixel_blind3.py) is deterministic, decodes, and its ground
truth holds: every box lies inside its frame and holds ink, and every pixel the text changed lies
in (or next to) a ground-truth box.  Checks the generator only, not the detector."""
from __future__ import annotations

import io
from functools import lru_cache

import numpy as np
import pydicom
import pytest
from pydicom.uid import JPEGBaseline8Bit

import pixel_blind3

pytestmark = pytest.mark.skipif(bool(pixel_blind3.missing_fonts()),
                                reason=f"fonts missing: {pixel_blind3.missing_fonts()} (see .ci/run)")
SEED = 5
COUNT = 12


def _encoded(case: pixel_blind3.Blind3Case) -> bytes:
    buffer = io.BytesIO()
    pydicom.dcmwrite(buffer, case.dataset, enforce_file_format=True)
    return buffer.getvalue()


def _frames(data: bytes) -> tuple[pydicom.Dataset, np.ndarray]:
    ds = pydicom.dcmread(io.BytesIO(data))
    array = ds.pixel_array.astype(np.float64)
    frames = int(ds.get("NumberOfFrames", 1) or 1)
    return ds, array if frames > 1 else array[None]


@lru_cache(maxsize=1)
def _pairs() -> list[tuple[pixel_blind3.Blind3Case, pixel_blind3.Blind3Case]]:
    return [(pixel_blind3.blind3_case(i, SEED), pixel_blind3.blind3_case(i, SEED, draw=False)) for i in range(COUNT)]


def test_same_index_and_seed_give_the_same_bytes_and_truth() -> None:
    for index in (0, 3, 7):
        case, again = _pairs()[index][0], pixel_blind3.blind3_case(index, SEED)
        assert _encoded(case) == _encoded(again)
        assert [(line.text, line.frame, line.box) for line in case.lines] == [(line.text, line.frame, line.box) for line in again.lines]
        assert all(np.array_equal(a.ink, b.ink) for a, b in zip(case.lines, again.lines))
    assert _encoded(pixel_blind3.blind3_case(0, SEED + 1)) != _encoded(_pairs()[0][0])


def test_every_case_is_a_dicom_file_pydicom_decodes() -> None:
    syntaxes, photometrics = set(), set()
    for case, _ in _pairs():
        ds, frames = _frames(_encoded(case))
        assert frames.shape[1:3] == (ds.Rows, ds.Columns)
        assert ds.SOPClassUID == ds.file_meta.MediaStorageSOPClassUID
        syntaxes.add(ds.file_meta.TransferSyntaxUID)
        photometrics.add(ds.PhotometricInterpretation)
    assert len(syntaxes) >= 3 and len(photometrics) >= 3


def test_boxes_lie_in_their_frame_and_hold_ink() -> None:
    for case, _ in _pairs():
        ds, frames = _frames(_encoded(case))
        for line in case.lines:
            y0, x0, y1, x1 = line.box
            assert 0 <= line.frame < frames.shape[0]
            assert 0 <= y0 < y1 <= ds.Rows and 0 <= x0 < x1 <= ds.Columns, (case.name, line.text)
            assert line.ink.shape == (y1 - y0, x1 - x0) and line.ink.dtype == bool
            assert line.ink[0].any() and line.ink[-1].any() and line.ink[:, 0].any() and line.ink[:, -1].any()


def test_the_text_changed_the_pixels_inside_the_boxes_and_nowhere_else() -> None:
    """Decoded with and without the text: each line's ink differs; for lossless encodings, no
    pixel differs more than 3 pixels away from every box (anti-aliasing fringes)."""
    checked = 0
    for case, bare in _pairs():
        _, drawn = _frames(_encoded(case))
        _, plain = _frames(_encoded(bare))
        diff = np.abs(drawn - plain)
        if diff.ndim == 4:
            diff = diff.max(axis=-1)
        for line in case.lines:
            y0, x0, y1, x1 = line.box
            assert diff[line.frame, y0:y1, x0:x1][line.ink].max() > 0, (case.name, line.text)
        if case.dataset.file_meta.TransferSyntaxUID == JPEGBaseline8Bit:
            continue
        covered = np.zeros(diff.shape, dtype=bool)
        for line in case.lines:
            y0, x0, y1, x1 = line.box
            covered[line.frame, max(y0 - 3, 0):y1 + 3, max(x0 - 3, 0):x1 + 3] = True
        assert not (diff[~covered] > 0).any(), case.name
        checked += 1
    assert checked >= 4


def test_about_one_case_in_six_is_text_free_and_the_rest_carry_lines() -> None:
    cases = [case for case, _ in _pairs()]
    controls = [case for case in cases if case.name.endswith("-control")]
    assert len(controls) == COUNT // 6
    assert all(not case.lines for case in controls)
    assert all(case.lines for case in cases if case not in controls)
    assert any(line.identifier for case in cases for line in case.lines)
    assert any(not line.identifier for case in cases for line in case.lines)
