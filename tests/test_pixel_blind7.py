"""Checks of the blind7 image generator only (tests/pixel_blind7.py); curator is not run on it."""
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

import pixel_blind7

pytestmark = pytest.mark.skipif(bool(pixel_blind7.missing_fonts()),
                                reason="blind7 needs fonts-dejavu-core, fonts-liberation, fonts-noto-core, fonts-wqy-microhei")

GEN = Generator(pixel_blind7, "blind7", 25, 3)  # 20 scenes and 5 controls


def test_same_seed_same_bytes_other_seed_other_images() -> None:
    same_seed_same_bytes(GEN, 4)


def test_every_scene_and_every_fifth_a_control() -> None:
    every_scene_and_every_fifth_a_control(GEN, 15)


def test_files_write_read_and_decode() -> None:
    syntaxes: set[str] = set()
    photometric: set[str] = set()
    bits: set[tuple[int, int]] = set()
    modalities: set[str] = set()
    flags: set[str] = set()
    for i in range(len(GEN.cases())):
        ds, arr = GEN.decoded(i, True)
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
    controls_hold_no_text(GEN)


def test_boxes_inside_and_hold_drawn_ink() -> None:
    # YBR is stored with rounding, so a few ink pixels may round back to the plain value
    boxes_hold_drawn_ink(GEN, changed_share=0.9, grown=by_two_pixels)


def test_lines_do_not_overlap() -> None:
    lines_do_not_overlap(GEN)


TECHNICAL = re.compile(r"(\bkV\b|\bmAs\b|^W \d|^C \d|^Frm |^SUV|^TR \d|^\d{1,2}$|^\d+\.\d$|^\d+/\d+$|CTDIvol|^ST |"
                       r"^Im \d|^[RLAPH]$|MLO|PORTABLE|SUPINE|^ANT$|^POST$|cm$|^HR |^MI |Helical)")
NAMES = {n for names in pixel_blind7.NAMES.values() for n in names}


def _has_name(text: str) -> bool:
    upper = text.upper()
    return any(all(part.upper() in upper for part in n.split(" ")) for n in NAMES)


def test_truth_labels_consistent() -> None:
    tokens_are_words_of_three_or_more(GEN)
    identifiers = technical = 0
    for case in GEN.cases():
        for line in case.lines:
            if _has_name(line.text) or any(p in line.text for p in pixel_blind7.PHYSICIANS + pixel_blind7.INSTITUTIONS):
                assert line.identifier, (case.name, line.text)
            if TECHNICAL.search(line.text):
                assert not line.identifier, (case.name, line.text)
            identifiers += line.identifier
            technical += not line.identifier
    assert identifiers > 150 and technical > 60
    for case in GEN.cases():
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
    dciodvfy_pixel_errors(GEN, tmp_path)
