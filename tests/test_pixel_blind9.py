"""Checks of the blind9 image generator only (tests/pixel_blind9.py); curator is not run on it."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pydicom
import pytest
from blind_generator import (
    Box,
    Generator,
    boxes_hold_drawn_ink,
    by_two_pixels,
    controls_hold_no_text,
    dciodvfy_pixel_errors,
    every_scene_and_every_fifth_a_control,
    lines_do_not_overlap,
    same_seed_same_bytes,
    tokens_are_words_of_three_or_more,
)
from pydicom.uid import JPEGBaseline8Bit

import pixel_blind9

pytestmark = pytest.mark.skipif(
    bool(pixel_blind9.missing_fonts()),
    reason="blind9 needs fonts-dejavu-core, fonts-liberation, fonts-noto-core, "
    "fonts-noto-mono, fonts-wqy-microhei",
)

GEN = Generator(pixel_blind9, "blind9", 23, 3)  # every scene once among the 19 text images (18 scenes), 4 controls


def test_same_seed_same_bytes_other_seed_other_images() -> None:
    same_seed_same_bytes(GEN, 5)
    for i, case in enumerate(GEN.cases()):  # every scene, every transfer syntax
        assert GEN.bytes_of(GEN.case(i)) == GEN.bytes_of(case), case.name


def test_every_scene_and_every_fifth_a_control() -> None:
    every_scene_and_every_fifth_a_control(GEN, 15)


def test_files_write_read_and_decode() -> None:
    syntaxes: set[str] = set()
    photometric: set[str] = set()
    bits: set[tuple[int, int]] = set()
    modalities: set[str] = set()
    flags: set[str] = set()
    frames: set[int] = set()
    for i in range(len(GEN.cases())):
        ds, arr = GEN.decoded(i, True)
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
    controls_hold_no_text(GEN)


def _grown(ds: pydicom.Dataset, box: Box) -> Box:
    """Lossless: the 2 px anti-aliasing fringe. JPEG baseline: the box grown to the 16 px block grid plus
    one block (DCT ringing stays in the block; chroma upsampling reaches across)."""
    if ds.file_meta.TransferSyntaxUID != JPEGBaseline8Bit:
        return by_two_pixels(ds, box)
    y0, x0, y1, x1 = box
    return y0 // 16 * 16 - 16, x0 // 16 * 16 - 16, -(-y1 // 16) * 16 + 16, -(-x1 // 16) * 16 + 16


def test_boxes_inside_and_hold_drawn_ink() -> None:
    assert boxes_hold_drawn_ink(GEN, grown=_grown) == 2  # two JPEG baseline images


def test_lines_do_not_overlap() -> None:
    lines_do_not_overlap(GEN)


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
    tokens_are_words_of_three_or_more(GEN)
    identifiers = technical = 0
    for case in GEN.cases():
        for line in case.lines:
            if _has_name(line.text) or any(
                p in line.text for p in pixel_blind9.PHYSICIANS + pixel_blind9.INSTITUTIONS
            ):
                assert line.identifier, (case.name, line.text)
            if TECHNICAL.search(line.text):
                assert not line.identifier, (case.name, line.text)
            identifiers += line.identifier
            technical += not line.identifier
    assert identifiers > 100 and technical > 50
    for case in GEN.cases():
        if case.lines:
            assert any(line.identifier and _has_name(line.text) for line in case.lines), case.name


def test_multiframe_text_on_some_frames_only() -> None:
    moving = 0
    for i, case in enumerate(GEN.cases()):
        ds, arr = GEN.decoded(i, True)
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
    dciodvfy_pixel_errors(GEN, tmp_path)
