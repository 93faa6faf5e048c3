"""Words of scripts with vowel signs and viramas (red team 11's leftover, session 13): every
mark (Unicode Mn, Mc, Me) is inside its word for the free-text allowlist and the scrubber.
Devanagari, Bengali, Tamil and Thai words were split at their vowel signs and viramas (marks
are not ``\\w`` in Python's re): 'रोगी' came out '[-]ो[-]ी'; Hebrew points, Arabic harakat and
decomposed Vietnamese accents were inside their words already (kept as regressions)."""
from __future__ import annotations

import sys
import unicodedata
from pathlib import Path

import pytest

from curator.deid import freetext

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_redteam8 import _both  # noqa: E402
from test_redteam8 import _ct as _text_ct  # noqa: E402


TEXTS = {
    "devanagari": "रोगी को बुखार",
    "bengali": "রোগীর জ্বর",
    "tamil": "நோயாளிக்கு காய்ச்சல்",
    "thai": "ผู้ป่วย มีไข้",
    "hebrew points": "חוֹלֶה",
    "arabic harakat": "مَرِيض",
    "vietnamese NFD": unicodedata.normalize("NFD", "Bệnh nhân sốt"),
}


def _orphan_marks(text: str) -> list[int]:
    """Where a mark stands after no letter (a word split at its vowel sign leaves them)."""
    return [i for i, c in enumerate(text) if unicodedata.category(c).startswith("M")
            and (i == 0 or unicodedata.category(text[i - 1])[0] not in "LM")]


@pytest.mark.parametrize("script", sorted(TEXTS))
def test_a_word_with_marks_is_one_word(script):
    cleaned = freetext.clean("CT chest. " + TEXTS[script])
    assert cleaned is not None and cleaned.startswith("CT chest.")
    assert not _orphan_marks(cleaned), cleaned
    assert cleaned.count(freetext.rules().placeholder) <= 1, cleaned  # one removal, not one per syllable


@pytest.mark.parametrize("name, text", [("प्रियंका^रघुनाथन", "रोगी प्रियंका रघुनाथन, CT"),
                                        ("ศรีสวัสดิ์^สมพงษ์", "ผู้ป่วย ศรีสวัสดิ์ สมพงษ์ CT"),
                                        ("প্রিয়াংকা^রায়", "রোগী প্রিয়াংকা রায় CT")])
def test_a_name_with_vowel_signs_goes_from_free_text_on_both_paths(name, text):
    ds = _text_ct(name=name)
    ds.ImageComments = text
    for out in _both(ds):
        kept = str(out.get("ImageComments", ""))
        for part in name.split("^"):
            assert part not in kept, kept
            assert not any(part.startswith(piece) for piece in kept.split() if len(piece) > 1), kept
        assert not _orphan_marks(kept), kept
