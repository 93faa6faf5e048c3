"""Checks of the blind6 image generator only (tests/pixel_blind6.py); curator is not run on it."""
from __future__ import annotations

import io
import re
from functools import lru_cache

import numpy as np
import pydicom
import pytest

import pixel_blind6

pytestmark = pytest.mark.skipif(bool(pixel_blind6.missing_fonts()),
                                reason="blind6 needs fonts-dejavu-core, fonts-liberation, fonts-noto-core, fonts-wqy-microhei")

COUNT, SEED = 19, 7  # 15 scenes and 4 controls


@lru_cache(maxsize=None)
def _cases() -> list[pixel_blind6.Blind6Case]:
    return pixel_blind6.blind6_cases(COUNT, SEED)


@lru_cache(maxsize=None)
def _decoded(index: int, text: bool) -> tuple[pydicom.Dataset, np.ndarray]:
    case = _cases()[index] if text else pixel_blind6.blind6_case(index, SEED, text=False)
    ds = pydicom.dcmread(io.BytesIO(pixel_blind6.dicom_bytes(case.dataset)))
    arr = ds.pixel_array
    if int(ds.get("NumberOfFrames", 1)) == 1:
        arr = arr[None]
    return ds, arr


def test_same_seed_same_bytes_other_seed_other_images() -> None:
    first = [pixel_blind6.dicom_bytes(c.dataset) for c in pixel_blind6.blind6_cases(6, 11)]
    again = [pixel_blind6.dicom_bytes(c.dataset) for c in pixel_blind6.blind6_cases(6, 11)]
    other = [pixel_blind6.dicom_bytes(c.dataset) for c in pixel_blind6.blind6_cases(6, 12)]
    assert first == again
    assert all(a != b for a, b in zip(first, other))


def test_every_scene_and_every_fifth_a_control() -> None:
    names = [c.name for c in _cases()]
    scenes = {n.split("_", 2)[2] for n in names if "control" not in n}
    assert scenes == {name for name, _ in pixel_blind6.SCENES}
    assert len(scenes) >= 14
    for i, case in enumerate(_cases()):
        assert ("control" in case.name) == (i % 5 == 4)
        assert bool(case.lines) == (i % 5 != 4), case.name


def test_files_write_read_and_decode() -> None:
    syntaxes: set[str] = set()
    photometric: set[str] = set()
    bits: set[tuple[int, int]] = set()
    for i in range(len(_cases())):
        ds, arr = _decoded(i, True)
        assert arr.shape[1:3] == (ds.Rows, ds.Columns)
        assert ds.get("BurnedInAnnotation", "absent") in ("YES", "NO", "absent")
        syntaxes.add(str(ds.file_meta.TransferSyntaxUID))
        photometric.add(str(ds.PhotometricInterpretation))
        bits.add((int(ds.BitsStored), int(ds.PixelRepresentation)))
    assert len(syntaxes) >= 4
    assert {"MONOCHROME2", "RGB"} <= photometric
    assert len(bits) >= 3  # 8, 12, 16-bit; signed and unsigned


def test_controls_hold_no_text() -> None:
    for i, case in enumerate(_cases()):
        if i % 5 == 4:
            plain = pixel_blind6.blind6_case(i, SEED, text=False)
            assert case.lines == []
            assert pixel_blind6.dicom_bytes(case.dataset) == pixel_blind6.dicom_bytes(plain.dataset)


def test_boxes_inside_and_hold_drawn_ink() -> None:
    for i, case in enumerate(_cases()):
        if not case.lines:
            continue
        ds, with_text = _decoded(i, True)
        _, without = _decoded(i, False)
        assert with_text.shape == without.shape
        for line in case.lines:
            y0, x0, y1, x1 = line.box
            assert 0 <= y0 < y1 <= ds.Rows and 0 <= x0 < x1 <= ds.Columns, (case.name, line.text)
            assert line.ink.shape == (y1 - y0, x1 - x0) and line.ink.dtype == bool
            assert line.ink.any()
            a = with_text[line.frame, y0:y1, x0:x1][line.ink].astype(np.int64)
            b = without[line.frame, y0:y1, x0:x1][line.ink].astype(np.int64)
            assert (a != b).any(), (case.name, line.text)


def test_lines_do_not_overlap() -> None:
    for case in _cases():
        for k, a in enumerate(case.lines):
            for b in case.lines[k + 1:]:
                if a.frame == b.frame:
                    assert not (a.box[0] < b.box[2] and b.box[0] < a.box[2] and a.box[1] < b.box[3] and b.box[1] < a.box[3]), \
                        (case.name, a.text, b.text)


TECHNICAL = re.compile(r"(\bkV\b|\bmAs\b|MHz|^W \d|^Frm |^SUV|TR \d|^\d{1,2}$|^\d+\.\d$|^\d+/\d+$|CTDIvol|DLP|^ST |^Z: )")
NAMES = {n for names in pixel_blind6.NAMES.values() for n in names}


def test_truth_labels_consistent() -> None:
    identifiers = technical = 0
    for case in _cases():
        for line in case.lines:
            if line.text in NAMES or any(n in line.text for n in NAMES):
                assert line.identifier, (case.name, line.text)
            if TECHNICAL.search(line.text) and not any(n in line.text for n in NAMES):
                assert not line.identifier, (case.name, line.text)
            identifiers += line.identifier
            technical += not line.identifier
            assert line.tokens() == [w.upper() for w in re.findall(r"\w+", line.text) if len(w) >= 3]
    assert identifiers > 50 and technical > 30
    # every image with text shows the patient's name on at least one frame
    for case in _cases():
        if case.lines:
            assert any(line.identifier for line in case.lines), case.name
