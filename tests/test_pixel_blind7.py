"""Checks of the blind7 image generator only (tests/pixel_blind7.py); curator is not run on it."""
from __future__ import annotations

import io
import re
import shutil
import subprocess
from functools import lru_cache
from pathlib import Path

import numpy as np
import pydicom
import pytest

import pixel_blind7

pytestmark = pytest.mark.skipif(bool(pixel_blind7.missing_fonts()),
                                reason="blind7 needs fonts-dejavu-core, fonts-liberation, fonts-noto-core, fonts-wqy-microhei")

COUNT, SEED = 25, 3  # 20 scenes and 5 controls


@lru_cache(maxsize=None)
def _cases() -> list[pixel_blind7.Blind7Case]:
    return pixel_blind7.blind7_cases(COUNT, SEED)


@lru_cache(maxsize=None)
def _decoded(index: int, text: bool) -> tuple[pydicom.Dataset, np.ndarray]:
    case = _cases()[index] if text else pixel_blind7.blind7_case(index, SEED, text=False)
    ds = pydicom.dcmread(io.BytesIO(pixel_blind7.dicom_bytes(case.dataset)))
    arr = ds.pixel_array
    if int(ds.get("NumberOfFrames", 1)) == 1:
        arr = arr[None]
    return ds, arr


def test_same_seed_same_bytes_other_seed_other_images() -> None:
    first = [pixel_blind7.dicom_bytes(c.dataset) for c in pixel_blind7.blind7_cases(4, 11)]
    again = [pixel_blind7.dicom_bytes(c.dataset) for c in pixel_blind7.blind7_cases(4, 11)]
    other = [pixel_blind7.dicom_bytes(c.dataset) for c in pixel_blind7.blind7_cases(4, 12)]
    assert first == again
    assert all(a != b for a, b in zip(first, other))


def test_every_scene_and_every_fifth_a_control() -> None:
    names = [c.name for c in _cases()]
    scenes = {n.split("_", 2)[2] for n in names if "control" not in n}
    assert scenes == {name for name, _ in pixel_blind7.SCENES}
    assert len(scenes) >= 15
    for i, case in enumerate(_cases()):
        assert ("control" in case.name) == (i % 5 == 4)
        assert bool(case.lines) == (i % 5 != 4), case.name


def test_files_write_read_and_decode() -> None:
    syntaxes: set[str] = set()
    photometric: set[str] = set()
    bits: set[tuple[int, int]] = set()
    modalities: set[str] = set()
    flags: set[str] = set()
    for i in range(len(_cases())):
        ds, arr = _decoded(i, True)
        assert arr.shape[1:3] == (ds.Rows, ds.Columns)
        flags.add(str(ds.get("BurnedInAnnotation", "absent")))
        syntaxes.add(str(ds.file_meta.TransferSyntaxUID))
        photometric.add(str(ds.PhotometricInterpretation))
        bits.add((int(ds.BitsStored), int(ds.PixelRepresentation)))
        modalities.add(str(ds.Modality))
    assert len(syntaxes) >= 5
    assert {"MONOCHROME1", "MONOCHROME2", "RGB", "YBR_FULL"} <= photometric
    assert {(8, 0), (12, 0), (16, 0), (16, 1)} <= bits
    assert {"CT", "MR", "CR", "DX", "MG", "US", "XA", "RF", "SC", "NM", "PT"} <= modalities
    assert {"NO", "absent"} <= flags  # images with text that say NO or say nothing


def test_controls_hold_no_text() -> None:
    for i, case in enumerate(_cases()):
        if i % 5 == 4:
            plain = pixel_blind7.blind7_case(i, SEED, text=False)
            assert case.lines == []
            assert pixel_blind7.dicom_bytes(case.dataset) == pixel_blind7.dicom_bytes(plain.dataset)


def test_boxes_inside_and_hold_drawn_ink() -> None:
    for i, case in enumerate(_cases()):
        if not case.lines:
            continue
        ds, with_text = _decoded(i, True)
        _, without = _decoded(i, False)
        assert with_text.shape == without.shape
        frames = int(ds.get("NumberOfFrames", 1))
        for line in case.lines:
            y0, x0, y1, x1 = line.box
            assert 0 <= y0 < y1 <= ds.Rows and 0 <= x0 < x1 <= ds.Columns, (case.name, line.text)
            assert 0 <= line.frame < frames
            assert line.ink.shape == (y1 - y0, x1 - x0) and line.ink.dtype == bool
            # the box is tight: ink touches all four sides
            assert line.ink[0].any() and line.ink[-1].any() and line.ink[:, 0].any() and line.ink[:, -1].any()
            a = with_text[line.frame, y0:y1, x0:x1][line.ink].astype(np.int64)
            b = without[line.frame, y0:y1, x0:x1][line.ink].astype(np.int64)
            changed = (a != b).any(axis=-1) if a.ndim == 2 else a != b
            # (YBR is stored with rounding, so a few ink pixels may round back to the plain value)
            assert changed.mean() > 0.9, (case.name, line.text)
        # nothing changed outside the ground-truth boxes (grown by 2 px for the faint anti-aliasing fringe)
        diff = (with_text != without)
        if diff.ndim == 4:
            diff = diff.any(axis=-1)
        for line in case.lines:
            y0, x0, y1, x1 = line.box
            diff[line.frame, max(y0 - 2, 0):y1 + 2, max(x0 - 2, 0):x1 + 2] = False
        assert not diff.any(), case.name


def test_lines_do_not_overlap() -> None:
    for case in _cases():
        for k, a in enumerate(case.lines):
            for b in case.lines[k + 1:]:
                if a.frame == b.frame:
                    assert not (a.box[0] < b.box[2] and b.box[0] < a.box[2] and a.box[1] < b.box[3] and b.box[1] < a.box[3]), \
                        (case.name, a.text, b.text)


TECHNICAL = re.compile(r"(\bkV\b|\bmAs\b|^W \d|^C \d|^Frm |^SUV|^TR \d|^\d{1,2}$|^\d+\.\d$|^\d+/\d+$|CTDIvol|^ST |"
                       r"^Im \d|^[RLAPH]$|MLO|PORTABLE|SUPINE|^ANT$|^POST$|cm$|^HR |^MI |Helical)")
NAMES = {n for names in pixel_blind7.NAMES.values() for n in names}


def _has_name(text: str) -> bool:
    upper = text.upper()
    return any(all(part.upper() in upper for part in n.split(" ")) for n in NAMES)


def test_truth_labels_consistent() -> None:
    identifiers = technical = 0
    for case in _cases():
        for line in case.lines:
            if _has_name(line.text) or any(p in line.text for p in pixel_blind7.PHYSICIANS + pixel_blind7.INSTITUTIONS):
                assert line.identifier, (case.name, line.text)
            if TECHNICAL.search(line.text):
                assert not line.identifier, (case.name, line.text)
            identifiers += line.identifier
            technical += not line.identifier
            assert line.tokens() == [w.upper() for w in re.findall(r"\w+", line.text) if len(w) >= 3]
    assert identifiers > 150 and technical > 60
    for case in _cases():
        if case.lines:
            assert any(line.identifier and _has_name(line.text) for line in case.lines), case.name


def test_full_set_size() -> None:
    """The benchmark's default 40 images: 32 with text (300+ identifier lines), 8 controls."""
    counts = [(len(c.lines), sum(line.identifier for line in c.lines)) for c in pixel_blind7.blind7_cases(40, 2)]
    assert sum(1 for n, _ in counts if n == 0) == 8
    assert sum(k for _, k in counts) >= 300
    assert sum(n for n, _ in counts) >= 400


@pytest.mark.skipif(shutil.which("dciodvfy") is None, reason="dciodvfy (dicom3tools) is not installed")
def test_dciodvfy_finds_no_pixel_module_error(tmp_path: Path) -> None:
    pixel_words = re.compile(r"(Pixel|Bits|HighBit|Photometric|Samples|Planar|Rows|Columns|Rescale|Window|LUT|Frame)")
    for case in _cases():
        if case.dataset.file_meta.TransferSyntaxUID == pixel_blind7.DeflatedExplicitVRLittleEndian:
            continue  # dicom3tools cannot inflate; pydicom reads it back in test_files_write_read_and_decode
        path = tmp_path / f"{case.name}.dcm"
        path.write_bytes(pixel_blind7.dicom_bytes(case.dataset))
        result = subprocess.run(["dciodvfy", "-new", str(path)], capture_output=True, text=True, errors="replace",
                                check=False)
        # modality modules (positions, sequences) are not filled in; the pixel description must be right
        errors = [ln for ln in (result.stdout + result.stderr).splitlines()
                  if ln.startswith("Error") and pixel_words.search(ln) and "Missing attribute" not in ln]
        assert not errors, (case.name, errors)
