"""Checks of the blind8 image generator only (tests/pixel_blind8.py); curator is not run on it."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from blind_generator import (
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

import pixel_blind8

pytestmark = pytest.mark.skipif(bool(pixel_blind8.missing_fonts()),
                                reason="blind8 needs fonts-dejavu-core, fonts-liberation, fonts-noto-core, fonts-wqy-microhei")

GEN = Generator(pixel_blind8, "blind8", 26, 3)  # every scene once among the 21 text images (21 scenes), 5 controls


def test_same_seed_same_bytes_other_seed_other_images() -> None:
    same_seed_same_bytes(GEN, 5)
    # every scene, every transfer syntax (RLE compression must not draw a new instance UID)
    for i, case in enumerate(GEN.cases()):
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
    assert len(syntaxes) == 5  # explicit and implicit little endian, big endian, RLE, deflated
    assert {"MONOCHROME1", "MONOCHROME2", "RGB", "PALETTE COLOR"} <= photometric
    assert {(8, 0), (12, 0), (16, 0), (16, 1)} <= bits
    assert {"CT", "MR", "CR", "DX", "MG", "US", "XA", "RF", "SC", "NM", "OT", "PT"} <= modalities
    assert {"NO", "YES", "absent"} <= flags
    assert len(frames) >= 3  # single frames, a 6-frame cine and an 8-frame run


def test_controls_hold_no_text() -> None:
    controls_hold_no_text(GEN)


def test_boxes_inside_and_hold_drawn_ink() -> None:
    boxes_hold_drawn_ink(GEN, grown=by_two_pixels)


def test_lines_do_not_overlap() -> None:
    lines_do_not_overlap(GEN)


TECHNICAL = re.compile(r"(\bkV\b|\bKV\b|mAs|^TR |^W \d|^Se \d|^IM \d|^[RL]$|^[RL](CC|MLO)$|MHz|PRF|^Gn |mm|Hz|"
                       r"^ANT$|^POST$|MBq|^VR |Opacity|^LAO|f/s|mGy|^SAG|^PA |TOPO|BPM|^[IV][I15]?$|^GA |^COR$|"
                       r"^\d\d:\d\d:\d\d$|^Measurement|report$)")
NAMES = {n for pool in list(pixel_blind8.NAMES.values()) + list(pixel_blind8.ROMANIZED.values()) for n in pool}


def _has_name(text: str) -> bool:
    upper = text.upper()
    return any(all(part.upper() in upper for part in n.split(" ")) for n in NAMES) or any(
        n.split(" ")[-1].upper() in upper for n in pixel_blind8.NAMES["latin"])


def test_truth_labels_consistent() -> None:
    tokens_are_words_of_three_or_more(GEN)
    identifiers = technical = 0
    for case in GEN.cases():
        for line in case.lines:
            if _has_name(line.text) or any(p in line.text for p in pixel_blind8.PHYSICIANS + pixel_blind8.INSTITUTIONS):
                assert line.identifier, (case.name, line.text)
            if TECHNICAL.search(line.text):
                assert not line.identifier, (case.name, line.text)
            identifiers += line.identifier
            technical += not line.identifier
    assert identifiers > 100 and technical > 50
    for case in GEN.cases():
        if case.lines:
            assert any(line.identifier and _has_name(line.text) for line in case.lines), case.name


@pytest.mark.skipif(shutil.which("dciodvfy") is None, reason="dciodvfy (dicom3tools) is not installed")
def test_dciodvfy_finds_no_pixel_module_error(tmp_path: Path) -> None:
    dciodvfy_pixel_errors(GEN, tmp_path)
