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
from pixel_short import missing_fonts, short_case

pytestmark = pytest.mark.skipif(not textdetect.model_available() or bool(missing_fonts()),
                                reason="the detection model or the fonts of tests/pixel_short.py are missing")

# seed 2: lone markers that neither detector boxes (found by benchmarks/pixels.py --sets short,marks)
SHORT = {18: "R", 21: "R", 36: "L"}  # 7 px R on a grey CT edge; bold 10 px R on a black US margin; 11 px L over a dark CT
MARKS = {0: "L", 16: "L", 25: "F", 37: "A"}  # 6-9 px letters 2-12 px from an edge of a CT, DX and CR (MONOCHROME1)
CONTROLS = [3, 7, 11, 19]  # a cross, ruler ticks, a ring, a dot, a bar or an arrow head where markers sit (US, CR, MG)


def _left(case, outcome) -> list[str]:
    """Planted lines whose ink is not all blacked out."""
    shape = pixels.frames_of(case.dataset).shape[1:3]
    left = []
    for line in case.lines:
        cut = np.zeros(shape, dtype=bool)
        for frame, (y0, x0, y1, x1) in outcome.regions:
            if frame == line.frame:
                cut[max(y0, 0):y1, max(x0, 0):x1] = True
        y0, x0, y1, x1 = line.box
        if not cut[y0:y1, x0:x1][line.ink].all():
            left.append(line.text)
    return left


def _never_no_with_text(case, text: str) -> None:
    assert text in [line.text for line in case.lines]
    outcome = pixels.clean(case.dataset)
    left = _left(case, outcome)
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
    assert not _left(case, outcome)
    assert case.dataset.BurnedInAnnotation == "NO"
