"""The blind4 image set's generator (tests/pixel_blind4.py) checked on its own: same seed, same
bytes; every ground-truth box holds drawn text; controls hold none; every file is DICOM that
pydicom writes, reads and decodes.  Nothing here runs curator's detector."""

from __future__ import annotations

import io
from functools import lru_cache

import numpy as np
import pydicom
import pytest

import pixel_blind4

pytestmark = pytest.mark.skipif(bool(pixel_blind4.missing_fonts()),
                                reason="blind4 needs fonts-dejavu-core, fonts-liberation, fonts-noto-core, fonts-wqy-microhei")

SEED, COUNT = 2, 28  # every scene twice, controls among them


def _bytes(case: pixel_blind4.Blind4Case) -> bytes:
    buffer = io.BytesIO()
    pydicom.dcmwrite(buffer, case.dataset, enforce_file_format=True)
    return buffer.getvalue()


def _decoded(data: bytes) -> tuple[pydicom.Dataset, np.ndarray]:
    ds = pydicom.dcmread(io.BytesIO(data))
    frames = ds.pixel_array
    if int(ds.get("NumberOfFrames", 1)) == 1:
        frames = frames[None]
    return ds, frames.astype(np.float64)


@lru_cache(maxsize=1)
def _pairs() -> list[tuple[pixel_blind4.Blind4Case, bytes, bytes]]:
    """Each case with its bytes, and the bytes of the same case drawn without text."""
    out = []
    for index in range(COUNT):
        case = pixel_blind4.blind4_case(index, SEED)
        bare = pixel_blind4.blind4_case(index, SEED, text=False)
        out.append((case, _bytes(case), _bytes(bare)))
    return out


def test_same_index_and_seed_give_the_same_bytes_and_truth() -> None:
    for index in (0, 7, 11):
        first, again = pixel_blind4.blind4_case(index, SEED), pixel_blind4.blind4_case(index, SEED)
        assert _bytes(first) == _bytes(again)
        assert [(line.frame, line.box, line.text, line.identifier) for line in first.lines] == \
            [(line.frame, line.box, line.text, line.identifier) for line in again.lines]
        assert all(np.array_equal(a.ink, b.ink) for a, b in zip(first.lines, again.lines))
    assert _bytes(pixel_blind4.blind4_case(0, SEED)) != _bytes(pixel_blind4.blind4_case(0, SEED + 1))


def test_every_file_is_dicom_pydicom_decodes_and_boxes_lie_inside_it() -> None:
    for case, data, _ in _pairs():
        ds, frames = _decoded(data)
        assert frames.shape[1:3] == (ds.Rows, ds.Columns), case.name
        assert ds.file_meta.TransferSyntaxUID == pixel_blind4.SYNTAX[case.encoding], case.name
        for line in case.lines:
            y0, x0, y1, x1 = line.box
            assert 0 <= line.frame < len(frames), case.name
            assert 0 <= y0 < y1 <= ds.Rows and 0 <= x0 < x1 <= ds.Columns, (case.name, line.text)
            assert line.ink.shape == (y1 - y0, x1 - x0), (case.name, line.text)


def test_every_box_is_tight_around_ink_that_was_really_drawn() -> None:
    """The box's outer rows and columns hold ink, and the image differs from the same image drawn
    without text on the ink (inverted boxes: the letters differ from the box around them)."""
    for case, data, bare in _pairs():
        _, with_text = _decoded(data)
        _, without = _decoded(bare)
        scale = max(float(np.ptp(without)), 1.0)
        for line in case.lines:
            ink = line.ink
            assert ink[0].any() and ink[-1].any() and ink[:, 0].any() and ink[:, -1].any(), (case.name, line.text)
            y0, x0, y1, x1 = line.box
            drawn = with_text[line.frame, y0:y1, x0:x1]
            if line.style == "inverted":
                contrast = np.abs(drawn[ink].mean(axis=0) - drawn[~ink].mean(axis=0)).max() / scale
                assert contrast > 0.2, (case.name, line.text)
                continue
            change = np.abs(drawn - without[line.frame, y0:y1, x0:x1]) / scale
            if change.ndim == 3:
                change = change.max(axis=-1)
            assert (change[ink] > 0.02).mean() > 0.3, (case.name, line.text, (change[ink] > 0.02).mean())


def test_controls_hold_no_text_and_text_images_do() -> None:
    pairs = _pairs()
    controls = [(case, data, bare) for case, data, bare in pairs if case.control]
    assert len(controls) >= COUNT // 6
    for case, data, bare in controls:
        assert case.lines == [] and data == bare, case.name
    for case, data, bare in pairs:
        if not case.control:
            assert case.lines and data != bare and any(line.identifier for line in case.lines), case.name


def test_the_set_covers_its_scenes_scripts_and_encodings() -> None:
    cases = [case for case, _, _ in _pairs()]
    assert {case.scene for case in cases} == {label for label, _ in pixel_blind4.SCENES}
    assert len({case.script for case in cases if not case.control}) >= 5
    assert len({case.encoding for case in cases}) >= 5
    flags = {str(case.dataset.get("BurnedInAnnotation", "absent")) for case in cases}
    assert flags == {"YES", "NO", "absent"}
