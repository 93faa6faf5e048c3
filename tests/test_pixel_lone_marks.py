"""A single marker glyph left uncut is never labelled BurnedInAnnotation NO (issue 20, session 17).

The images come from tests/pixel_short.py and tests/pixel_marks.py (pydicom's CT, CR, MR, DX and
ultrasound images with an identifier block in a corner, which the cleaning cuts, and a lone
L/R/A/P/H/F marker near an edge or a corner).  Neither detector sees one glyph standing alone as
text (a line needs two glyphs at least), and no cut word vouches for the marker's colour, so
before session 17 these images were released under NO with the marker uncut.  Now the check
before labelling (textdetect.lone_marks) fails closed on a glyph standing alone on a flat field
along an edge: the instance is quarantined.  Guards: marks that are not letters (a cross, a ring,
a dot, ruler ticks) and the identifier block alone are still cut and released.
"""
from __future__ import annotations

import numpy as np
import pytest

from curator.deid import pixels, textdetect
from pixel_marks import marks_case
from pixel_short import lines_left, missing_fonts, short_case

pytestmark = pytest.mark.skipif(not textdetect.model_available() or bool(missing_fonts()),
                                reason="the detection model or the fonts of tests/pixel_short.py are missing")

# seed 2: lone markers that neither detector boxes (found by benchmarks/pixels.py --sets short,marks)
SHORT = {18: "R", 21: "R", 36: "L"}  # 7 px R on a grey CT edge; bold 10 px R on a black US margin; 11 px L over a dark CT
MARKS = {0: "L", 16: "L", 25: "F", 37: "A"}  # 6-9 px letters 2-12 px from an edge of a CT, DX and CR (MONOCHROME1)
CONTROLS = [3, 7, 11, 19]  # a cross, ruler ticks, a ring, a dot, a bar or an arrow head where markers sit (US, CR, MG)


def _never_no_with_text(case, text: str) -> None:
    assert text in [line.text for line in case.lines]
    outcome = pixels.clean(case.dataset)
    left = lines_left(case, outcome.regions)
    if outcome.reason is None:
        assert not left, f"released under BurnedInAnnotation {case.dataset.get('BurnedInAnnotation')} with {left} uncut"
    else:  # quarantined by the check before labelling (fail closed), never labelled NO
        assert outcome.reason == pixels.LEFT_REASON and not outcome.cleaned


@pytest.mark.parametrize("index", sorted(SHORT))
def test_a_lone_marker_left_uncut_is_never_labelled_no(index):
    _never_no_with_text(short_case(index, 2), SHORT[index])


@pytest.mark.parametrize("index", sorted(MARKS))
def test_a_small_marker_near_an_edge_is_never_labelled_no(index):
    _never_no_with_text(marks_case(index, 2), MARKS[index])


@pytest.mark.parametrize("index", CONTROLS)
def test_marks_that_are_not_letters_do_not_quarantine(index):
    """Guard: the controls of tests/pixel_marks.py (marks that are not text beside the identifier
    block) are cut and released under NO, not quarantined by the lone-marker check."""
    case = marks_case(index, 2)
    assert all(line.kind == "block" for line in case.lines)
    outcome = pixels.clean(case.dataset)
    assert outcome.reason is None and outcome.cleaned
    assert not lines_left(case, outcome.regions)
    assert case.dataset.BurnedInAnnotation == "NO"


def _boxed(text: str, font: str, size: int, y: int, x: int) -> np.ndarray:
    """pydicom's CT (12 bits) with ``text`` (or, for "+", a cross) in a square outline box
    (a lead marker) drawn on the air at (y, x)."""
    from pixel_short import BASES, _alpha, _content, _paint

    frame = _content(BASES[0])
    if text == "+":
        alpha = np.zeros((size, size))
        alpha[size // 2 - 1:size // 2 + 1, :] = 1
        alpha[:, size // 2 - 1:size // 2 + 1] = 1
    else:
        alpha = _alpha(text, font, size, None, True)
    side = max(alpha.shape) + 8
    for sl in ((slice(y, y + 2), slice(x, x + side)), (slice(y + side - 2, y + side), slice(x, x + side)),
               (slice(y, y + side), slice(x, x + 2)), (slice(y, y + side), slice(x + side - 2, x + side))):
        frame[sl] = 1.0
    _paint(frame, alpha, y + (side - alpha.shape[0]) // 2, x + (side - alpha.shape[1]) // 2, 1.0)
    return np.rint(frame * 4095).astype(np.uint16)


@pytest.mark.parametrize("font, size, y, x", [("dejavu/DejaVuSans-Bold.ttf", 16, 470, 470),
                                              ("liberation/LiberationSans-Regular.ttf", 20, 20, 20),
                                              ("dejavu/DejaVuSans.ttf", 12, 480, 20)])
def test_a_letter_in_a_lead_marker_box_is_a_lone_mark(font, size, y, x):
    """A single letter in a square outline box (a lead marker) is one glyph and a box to the
    detectors: neither a line nor a word of two glyphs; the check before labelling sees it."""
    frame = _boxed("R", font, size, y, x)
    assert not textdetect.detect(frame, words=True)
    assert any(y <= b[0] and b[2] <= y + 40 and x <= b[1] and b[3] <= x + 40 for b in textdetect.lone_marks(frame))


def test_a_cross_in_a_box_is_not_a_lone_mark():
    """Guard: a cross in the same box (a logo, a crosshair) reaches no corner of its box."""
    assert not textdetect.lone_marks(_boxed("+", "", 14, 470, 470))
