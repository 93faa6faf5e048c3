"""Checks of the blind9 image generator only (tests/pixel_blind9.py); curator is not run on it."""

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
from pydicom.uid import DeflatedExplicitVRLittleEndian, JPEGBaseline8Bit

import pixel_blind9

pytestmark = pytest.mark.skipif(
    bool(pixel_blind9.missing_fonts()),
    reason="blind9 needs fonts-dejavu-core, fonts-liberation, fonts-noto-core, "
    "fonts-noto-mono, fonts-wqy-microhei",
)

COUNT, SEED = 23, 3  # every scene once among the 19 text images (18 scenes), 4 controls


@lru_cache(maxsize=None)
def _cases() -> list[pixel_blind9.Blind9Case]:
    return pixel_blind9.blind9_cases(COUNT, SEED)


@lru_cache(maxsize=None)
def _decoded(index: int, text: bool) -> tuple[pydicom.Dataset, np.ndarray]:
    case = _cases()[index] if text else pixel_blind9.blind9_case(index, SEED, text=False)
    ds = pydicom.dcmread(io.BytesIO(pixel_blind9.dicom_bytes(case.dataset)))
    arr = ds.pixel_array
    if int(ds.get("NumberOfFrames", 1)) == 1:
        arr = arr[None]
    return ds, arr


def test_same_seed_same_bytes_other_seed_other_images() -> None:
    first = [pixel_blind9.dicom_bytes(c.dataset) for c in pixel_blind9.blind9_cases(5, 11)]
    again = [pixel_blind9.dicom_bytes(c.dataset) for c in pixel_blind9.blind9_cases(5, 11)]
    other = [pixel_blind9.dicom_bytes(c.dataset) for c in pixel_blind9.blind9_cases(5, 12)]
    assert first == again
    assert all(a != b for a, b in zip(first, other, strict=True))
    for i in range(len(_cases())):  # every scene, every transfer syntax
        assert pixel_blind9.dicom_bytes(
            pixel_blind9.blind9_case(i, SEED).dataset
        ) == pixel_blind9.dicom_bytes(_cases()[i].dataset), _cases()[i].name


def test_every_scene_and_every_fifth_a_control() -> None:
    names = [c.name for c in _cases()]
    scenes = {n.split("_", 2)[2] for n in names if "control" not in n}
    assert scenes == {name for name, _ in pixel_blind9.SCENES}
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
    frames: set[int] = set()
    for i in range(len(_cases())):
        ds, arr = _decoded(i, True)
        assert arr.shape[1:3] == (ds.Rows, ds.Columns)
        flags.add(str(ds.get("BurnedInAnnotation", "absent")))
        syntaxes.add(str(ds.file_meta.TransferSyntaxUID))
        photometric.add(str(ds.PhotometricInterpretation))
        bits.add((int(ds.BitsStored), int(ds.PixelRepresentation)))
        modalities.add(str(ds.Modality))
        frames.add(int(ds.get("NumberOfFrames", 1)))
    # explicit and implicit little endian, deflated, RLE, JPEG 2000 and JPEG-LS lossless, JPEG baseline
    assert len(syntaxes) == 7
    assert {"MONOCHROME1", "MONOCHROME2", "RGB", "YBR_FULL_422"} <= photometric
    assert {(8, 0), (12, 0), (14, 0), (16, 0), (16, 1)} <= bits
    assert {"CT", "MR", "CR", "DX", "MG", "US", "RF", "OT", "PT"} <= modalities
    assert {"NO", "YES", "absent"} <= flags
    assert {1, 6, 10, 12} <= frames


def test_controls_hold_no_text() -> None:
    for i, case in enumerate(_cases()):
        if i % 5 == 4:
            plain = pixel_blind9.blind9_case(i, SEED, text=False)
            assert case.lines == []
            assert pixel_blind9.dicom_bytes(case.dataset) == pixel_blind9.dicom_bytes(plain.dataset)


def _grid(box: tuple[int, int, int, int], step: int) -> tuple[int, int, int, int]:
    """A box grown to the JPEG block grid, plus one block (chroma upsampling reaches across)."""
    y0, x0, y1, x1 = box
    return (
        y0 // step * step - step,
        x0 // step * step - step,
        -(-y1 // step) * step + step,
        -(-x1 // step) * step + step,
    )


def test_boxes_inside_and_hold_drawn_ink() -> None:
    lossy = 0
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
            assert (
                line.ink[0].any()
                and line.ink[-1].any()
                and line.ink[:, 0].any()
                and line.ink[:, -1].any()
            )
            a = with_text[line.frame, y0:y1, x0:x1][line.ink].astype(np.int64)
            b = without[line.frame, y0:y1, x0:x1][line.ink].astype(np.int64)
            changed = (a != b).any(axis=-1) if a.ndim == 2 else a != b
            assert changed.all(), (case.name, line.text)
        # nothing changed outside the ground-truth boxes: grown by 2 px for the anti-aliasing fringe
        # when lossless; for JPEG baseline, grown to its block grid (DCT ringing stays in the block)
        diff = with_text != without
        if diff.ndim == 4:
            diff = diff.any(axis=-1)
        jpeg = ds.file_meta.TransferSyntaxUID == JPEGBaseline8Bit
        lossy += jpeg
        for line in case.lines:
            y0, x0, y1, x1 = (
                _grid(line.box, 16)
                if jpeg
                else (line.box[0] - 2, line.box[1] - 2, line.box[2] + 2, line.box[3] + 2)
            )
            diff[line.frame, max(y0, 0) : y1, max(x0, 0) : x1] = False
        assert not diff.any(), case.name
    assert lossy == 2


def test_lines_do_not_overlap() -> None:
    for case in _cases():
        for k, a in enumerate(case.lines):
            for b in case.lines[k + 1 :]:
                if a.frame == b.frame:
                    assert not (
                        a.box[0] < b.box[2]
                        and b.box[0] < a.box[2]
                        and a.box[1] < b.box[3]
                        and b.box[1] < a.box[3]
                    ), (case.name, a.text, b.text)


TECHNICAL = re.compile(
    r"(kVp|\bkV\b|mAs|^W:\d|Se:\d|^Se \d|Im:\d|^TR |FoV|mGy|Dist |^Gn |Zoom|SUV|TOPO|"
    r"^[RL] ?(CC|MLO|ML|XCCL)$|^PA$|^LAT$|^[RA]$|^Page|Thk|Tilt|DFOV|^BONE$|512x512|^FA |"
    r"^SL |^p2 |Tra>|MI 1|REQUEST|^Ward|^Examination|^Radiology Dept|^Imaging Services|"
    r"^Dept\. of|PORTABLE|ERECT|^FL |HEAD W/O|^\d\d:\d\d:\d\d$)"
)
NAMES = [n for pool in pixel_blind9.NAMES.values() for n in pool]


def _has_name(text: str) -> bool:
    upper = text.upper()
    return any(n.upper() in upper for n in NAMES) or any(
        n.split(" ")[-1].upper() in upper for n in pixel_blind9.NAMES["latin"]
    )


def test_truth_labels_consistent() -> None:
    identifiers = technical = 0
    for case in _cases():
        for line in case.lines:
            if _has_name(line.text) or any(
                p in line.text for p in pixel_blind9.PHYSICIANS + pixel_blind9.INSTITUTIONS
            ):
                assert line.identifier, (case.name, line.text)
            if TECHNICAL.search(line.text):
                assert not line.identifier, (case.name, line.text)
            identifiers += line.identifier
            technical += not line.identifier
            assert line.tokens() == [
                w.upper() for w in re.findall(r"\w+", line.text) if len(w) >= 3
            ]
    assert identifiers > 100 and technical > 50
    for case in _cases():
        if case.lines:
            assert any(line.identifier and _has_name(line.text) for line in case.lines), case.name


def test_multiframe_text_on_some_frames_only() -> None:
    moving = 0
    for i, case in enumerate(_cases()):
        ds, arr = _decoded(i, True)
        n = int(ds.get("NumberOfFrames", 1))
        if n == 1 or not case.lines:
            continue
        with_lines = {line.frame for line in case.lines if line.identifier}
        assert 0 < len(with_lines) <= n
        if len(with_lines) < n:
            first = {
                f: min(line.box for line in case.lines if line.frame == f and line.identifier)
                for f in with_lines
            }
            moving += len(set(first.values())) > 1
    assert moving >= 2  # the MR series and the grey cine: the name moves from frame to frame


@pytest.mark.skipif(
    shutil.which("dciodvfy") is None, reason="dciodvfy (dicom3tools) is not installed"
)
def test_dciodvfy_finds_no_pixel_module_error(tmp_path: Path) -> None:
    pixel_words = re.compile(
        r"(Pixel|Bits|HighBit|Photometric|Samples|Planar|Rows|Columns|Rescale|Window|LUT|Frame)"
    )
    for case in _cases():
        if case.dataset.file_meta.TransferSyntaxUID == DeflatedExplicitVRLittleEndian:
            continue  # dicom3tools cannot inflate; pydicom reads it back in test_files_write_read_and_decode
        path = tmp_path / f"{case.name}.dcm"
        path.write_bytes(pixel_blind9.dicom_bytes(case.dataset))
        result = subprocess.run(
            ["dciodvfy", "-new", str(path)],
            capture_output=True,
            text=True,
            errors="replace",
            check=False,
        )
        errors = [
            ln
            for ln in (result.stdout + result.stderr).splitlines()
            if ln.startswith("Error") and pixel_words.search(ln) and "Missing attribute" not in ln
        ]
        assert not errors, (case.name, errors)
