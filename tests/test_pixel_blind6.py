"""Checks of the blind6 image generator only (tests/pixel_blind6.py); curator is not run on it."""
from __future__ import annotations

import re

import pytest
from blind_generator import (
    Generator,
    boxes_hold_drawn_ink,
    controls_hold_no_text,
    every_scene_and_every_fifth_a_control,
    lines_do_not_overlap,
    same_seed_same_bytes,
    tokens_are_words_of_three_or_more,
)

import pixel_blind6

pytestmark = pytest.mark.skipif(bool(pixel_blind6.missing_fonts()),
                                reason="blind6 needs fonts-dejavu-core, fonts-liberation, fonts-noto-core, fonts-wqy-microhei")

GEN = Generator(pixel_blind6, "blind6", 19, 7)  # 15 scenes and 4 controls


def test_same_seed_same_bytes_other_seed_other_images() -> None:
    same_seed_same_bytes(GEN, 6)


def test_every_scene_and_every_fifth_a_control() -> None:
    every_scene_and_every_fifth_a_control(GEN, 14)


def test_files_write_read_and_decode() -> None:
    syntaxes: set[str] = set()
    photometric: set[str] = set()
    bits: set[tuple[int, int]] = set()
    for i in range(len(GEN.cases())):
        ds, arr = GEN.decoded(i, True)
        assert arr.shape[1:3] == (ds.Rows, ds.Columns)
        assert ds.get("BurnedInAnnotation", "absent") in ("YES", "NO", "absent")
        syntaxes.add(str(ds.file_meta.TransferSyntaxUID))
        photometric.add(str(ds.PhotometricInterpretation))
        bits.add((int(ds.BitsStored), int(ds.PixelRepresentation)))
    assert len(syntaxes) >= 4
    assert {"MONOCHROME2", "RGB"} <= photometric
    assert len(bits) >= 3  # 8, 12, 16-bit; signed and unsigned


def test_controls_hold_no_text() -> None:
    controls_hold_no_text(GEN)


def test_boxes_inside_and_hold_drawn_ink() -> None:
    boxes_hold_drawn_ink(GEN, tight=False, changed_share=0.0)


def test_lines_do_not_overlap() -> None:
    lines_do_not_overlap(GEN)


TECHNICAL = re.compile(r"(\bkV\b|\bmAs\b|MHz|^W \d|^Frm |^SUV|TR \d|^\d{1,2}$|^\d+\.\d$|^\d+/\d+$|CTDIvol|DLP|^ST |^Z: )")
NAMES = {n for names in pixel_blind6.NAMES.values() for n in names}


def test_truth_labels_consistent() -> None:
    tokens_are_words_of_three_or_more(GEN)
    identifiers = technical = 0
    for case in GEN.cases():
        for line in case.lines:
            if line.text in NAMES or any(n in line.text for n in NAMES):
                assert line.identifier, (case.name, line.text)
            if TECHNICAL.search(line.text) and not any(n in line.text for n in NAMES):
                assert not line.identifier, (case.name, line.text)
            identifiers += line.identifier
            technical += not line.identifier
    assert identifiers > 50 and technical > 30
    # every image with text shows the patient's name on at least one frame
    for case in GEN.cases():
        if case.lines:
            assert any(line.identifier for line in case.lines), case.name
