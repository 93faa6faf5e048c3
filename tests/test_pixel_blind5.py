"""The blind5 image set (tests/pixel_blind5.py) is what it says it is: deterministic, every planted
box holds ink that was really drawn, text-free controls hold none, and every file is DICOM that
pydicom writes, reads back and decodes.  Checks the generator only; curator's detector is not run."""
from __future__ import annotations

import io
from functools import lru_cache

import numpy as np
import pydicom
import pytest
from pydicom.uid import JPEGBaseline8Bit, JPEGLSNearLossless

import pixel_blind5

pytestmark = pytest.mark.skipif(bool(pixel_blind5.missing_fonts()),
                                reason=f"fonts not installed: {pixel_blind5.missing_fonts()}")

SEED = 3
COUNT = 18  # 16 scenes in turn (from seed % 16), controls at 4, 9 and 14


def _bytes(case: pixel_blind5.Blind5Case) -> bytes:
    buffer = io.BytesIO()
    pydicom.dcmwrite(buffer, case.dataset, enforce_file_format=True)
    return buffer.getvalue()


def _decoded(data: bytes) -> tuple[pydicom.Dataset, np.ndarray]:
    ds = pydicom.dcmread(io.BytesIO(data))
    frames = ds.pixel_array
    if int(ds.get("NumberOfFrames", 1) or 1) == 1:
        frames = frames[None]
    return ds, frames


@lru_cache(maxsize=1)
def _pairs() -> list[tuple[pixel_blind5.Blind5Case, bytes, bytes]]:
    out = []
    for index in range(COUNT):
        case = pixel_blind5.blind5_case(index, SEED)
        bare = pixel_blind5.blind5_case(index, SEED, text=False)
        out.append((case, _bytes(case), _bytes(bare)))
    return out


def test_same_seed_same_bytes_and_another_seed_other_bytes():
    for index in (1, 4, 6):
        assert _bytes(pixel_blind5.blind5_case(index, SEED)) == _pairs()[index][1]
    assert _bytes(pixel_blind5.blind5_case(1, SEED + 1)) != _pairs()[1][1]
    names = [case.name for case, _, _ in _pairs()]
    assert names == [case.name for case in pixel_blind5.blind5_cases(3, SEED)] + names[3:]


def test_files_are_dicom_pydicom_reads_and_decodes():
    syntaxes = set()
    for _case, data, bare in _pairs():
        ds, frames = _decoded(data)
        syntaxes.add(ds.file_meta.TransferSyntaxUID)
        assert data[128:132] == b"DICM"
        assert frames.shape[1:3] == (ds.Rows, ds.Columns)
        assert frames.shape[0] == int(ds.get("NumberOfFrames", 1) or 1)
        assert _decoded(bare)[1].shape == frames.shape
    assert len(syntaxes) >= 5


def test_controls_hold_no_text_and_are_the_same_with_or_without_it():
    controls = [(case, data, bare) for case, data, bare in _pairs() if case.name.endswith("-control")]
    assert len(controls) == COUNT // 5
    for case, data, bare in controls:
        assert case.lines == []
        assert data == bare


def test_every_box_is_inside_the_image_and_holds_drawn_ink():
    for case, data, bare in _pairs():
        if case.name.endswith("-control"):
            continue
        assert case.lines, case.name
        ds, frames = _decoded(data)
        plain = _decoded(bare)[1].astype(np.int64)
        lossy = ds.file_meta.TransferSyntaxUID in (JPEGBaseline8Bit, JPEGLSNearLossless)
        drawn = frames.astype(np.int64) != plain
        if drawn.ndim == 4:
            drawn = drawn.any(axis=3)
        covered = np.zeros(drawn.shape, dtype=bool)
        for line in case.lines:
            y0, x0, y1, x1 = line.box
            assert 0 <= y0 < y1 <= ds.Rows and 0 <= x0 < x1 <= ds.Columns, (case.name, line.text)
            assert line.ink.shape == (y1 - y0, x1 - x0) and line.ink.dtype == bool
            assert line.ink[0].any() and line.ink[-1].any() and line.ink[:, 0].any() and line.ink[:, -1].any()
            changed = drawn[line.frame, y0:y1, x0:x1][line.ink]
            assert changed.mean() > (0.2 if lossy else 0.5), (case.name, line.text, changed.mean())
            covered[line.frame, max(y0 - 2, 0):y1 + 2, max(x0 - 2, 0):x1 + 2] = True
        if not lossy:  # nothing was drawn outside the boxes
            assert not (drawn & ~covered).any(), case.name


def test_truth_marks_identifiers_and_technical_text():
    lines = [line for case, _, _ in _pairs() for line in case.lines]
    identifiers = [line for line in lines if line.identifier]
    assert 0 < len(identifiers) < len(lines)
    assert all(isinstance(line.text, str) and line.text.strip() for line in lines)
