"""The blind2 burned-in text set (tests/pixel_blind2.py) is deterministic and its ground truth holds.

Tests the generator, not curator's detector: the same seed gives byte-identical files and lines;
every line's box lies inside its image and frame; the pixels under every line's ink differ from
the same image rendered without text; text-free images are pixel-identical to that rendering
(nothing drawn); about one image in six is text-free.
"""
from __future__ import annotations

import numpy as np
import pixel_blind2
import pytest


COUNT, SEED = 12, 5


def _frames(case: pixel_blind2.Blind2Case) -> np.ndarray:
    ds = case.dataset
    array = np.asarray(ds.pixel_array, dtype=np.float64)
    return array[None] if int(ds.get("NumberOfFrames", 1)) == 1 else array


def _scaled(with_text: np.ndarray, without: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Both renderings on the [0, 1] scale of the values they use."""
    low = min(float(with_text.min()), float(without.min()))
    span = max(float(with_text.max()), float(without.max())) - low
    return (with_text - low) / max(span, 1.0), (without - low) / max(span, 1.0)


@pytest.fixture(scope="module")
def pairs() -> list[tuple[pixel_blind2.Blind2Case, pixel_blind2.Blind2Case]]:
    return [(pixel_blind2.blind2_case(i, SEED), pixel_blind2.blind2_case(i, SEED, draw=False))
            for i in range(COUNT)]


def test_same_seed_same_files_and_lines(pairs):
    for index in (0, 5, 11):
        again = pixel_blind2.blind2_case(index, SEED)
        case = pairs[index][0]
        assert again.name == case.name
        assert again.dataset.PixelData == case.dataset.PixelData
        assert again.dataset.SOPInstanceUID == case.dataset.SOPInstanceUID
        assert [(line.text, line.frame, line.box) for line in again.lines] == \
            [(line.text, line.frame, line.box) for line in case.lines]
        assert all(np.array_equal(a.ink, b.ink) for a, b in zip(again.lines, case.lines))
    other = pixel_blind2.blind2_case(0, SEED + 1)
    assert other.dataset.PixelData != pairs[0][0].dataset.PixelData


def test_boxes_lie_inside_their_image_and_hold_ink(pairs):
    for case, blank in pairs:
        with_text, without = _scaled(_frames(case), _frames(blank))
        frames, rows, cols = with_text.shape[:3]
        for line in case.lines:
            y0, x0, y1, x1 = line.box
            assert 0 <= line.frame < frames and 0 <= y0 < y1 <= rows and 0 <= x0 < x1 <= cols, case.name
            assert line.ink.shape == (y1 - y0, x1 - x0) and line.ink.any(), (case.name, line.text)
            diff = np.abs(with_text[line.frame, y0:y1, x0:x1] - without[line.frame, y0:y1, x0:x1])
            if diff.ndim == 3:
                diff = diff.max(axis=2)
            assert diff[line.ink].mean() > 0.15, (case.name, line.text)


def test_text_free_images_are_drawn_without_text(pairs):
    controls = [(case, blank) for case, blank in pairs if not case.lines]
    assert len(controls) == COUNT // 6
    for case, blank in controls:
        assert case.name.endswith("-control")
        assert case.dataset.PixelData == blank.dataset.PixelData
    for case, blank in pairs:
        if case.lines:
            assert case.dataset.PixelData != blank.dataset.PixelData, case.name


def test_the_set_has_identifiers_technical_text_scripts_and_encodings(pairs):
    cases = [case for case, _ in pairs] + pixel_blind2.blind2_cases(18, SEED + 7)
    lines = [line for case in cases for line in case.lines]
    assert any(line.identifier for line in lines) and any(not line.identifier for line in lines)
    text = "".join(line.text for line in lines)
    assert any("\u0400" <= c <= "\u04ff" or "\u0370" <= c <= "\u03ff" or c > "\u2e80" for c in text)
    syntaxes = {str(case.dataset.file_meta.TransferSyntaxUID) for case in cases}
    assert len(syntaxes) >= 4
    assert any(int(case.dataset.get("NumberOfFrames", 1)) > 1 for case in cases)
    assert {case.dataset.PhotometricInterpretation for case in cases} >= {"MONOCHROME1", "MONOCHROME2"}
