"""Short technique words left in the pixels are never labelled BurnedInAnnotation NO (issue 20).

The images come from tests/pixel_short.py (pydicom's CT, CR, MR, DX and ultrasound images with
an identifier block in a corner and short words drawn in bold, condensed and regular fonts).
The detection model cuts the block and misses the short word; before session 16 the check
before labelling needed three glyphs side by side (or a run of touching ones) and released
these images under NO with the word uncut.  Now a word of two glyphs, or of glyphs that
touch, fails the check: the instance is quarantined (or the word is cut).
"""
from __future__ import annotations

import pytest

from curator.deid import pixels, textdetect
from pixel_short import lines_left, missing_fonts, short_case

pytestmark = pytest.mark.skipif(not textdetect.model_available() or bool(missing_fonts()),
                                reason="the detection model or the fonts of tests/pixel_short.py are missing")

# seed 2: short words the model does not box (found by benchmarks/pixels.py --sets short)
MISSED = {
    12: "RT",  # bold, letters apart: two glyphs, fewer than a line's three
    16: "PA",  # in an outline box
    30: "PA LAT",  # condensed 9 px, P-A and L-A touching
}


@pytest.mark.parametrize("index", sorted(MISSED))
def test_a_short_word_left_uncut_is_never_labelled_no(index):
    case = short_case(index, 2)
    assert MISSED[index] in [line.text for line in case.lines]
    outcome = pixels.clean(case.dataset)
    left = lines_left(case, outcome.regions)
    if outcome.reason is None:
        assert not left, f"released under BurnedInAnnotation {case.dataset.get('BurnedInAnnotation')} with {left} uncut"
    else:  # quarantined by the check before labelling (fail closed), never labelled NO
        assert outcome.reason == pixels.LEFT_REASON and not outcome.cleaned


@pytest.mark.parametrize("index", [4, 9, 14])
def test_the_identifier_block_alone_is_still_cleaned_and_released(index):
    """Guard: the cases without a short word (the block only) are cut and released under NO, not
    quarantined by the two-glyph check."""
    case = short_case(index, 2)
    assert all(line.kind == "block" for line in case.lines)
    outcome = pixels.clean(case.dataset)
    assert outcome.reason is None and outcome.cleaned
    assert not lines_left(case, outcome.regions)
    assert case.dataset.BurnedInAnnotation == "NO"
