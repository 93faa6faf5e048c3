"""Round 20b of issue 16: three classes of confident misreadings found by checks.

1. A spine-level word before a spine exam word ("Thoracic myelogram") named the thorax.

Each test fails without its change."""
from __future__ import annotations

import pytest

from curator.normalize import CONFIDENT, normalize_description

THORAX, SPINE = "RID1243", "RID7741"
C_SPINE, T_SPINE, L_SPINE = "RID34571", "RID28677", "RID34573"


def _field(text: str, modality: str | None, attribute: str) -> list[dict]:
    found = normalize_description(text, modality=modality, level="study").get(attribute)
    return found if isinstance(found, list) else ([found] if found else [])


@pytest.mark.parametrize("text, modality, level", [
    ("Thoracic myelogram", None, T_SPINE),                 # was the thorax 0.95
    ("THORACIC MYELOGRAPHY", "CR", T_SPINE),
    ("CT THORACIC MYELOGRAM", None, T_SPINE),
    ("THORACIC CT MYELOGRAM", "CT", T_SPINE),
    ("CERVICAL MYELOGRAPHY", None, C_SPINE),               # was the spine 0.85
    ("cervical myelography", "RF", C_SPINE),
    ("thoracic discography", None, T_SPINE),
    ("Thorakale Myelographie", None, T_SPINE),             # German adjective ending
    ("zervikale Myelographie", "CT", C_SPINE),
    # already right, kept: a level word after the exam word, or a lumbar one before
    ("LUMBAR MYELOGRAM", None, L_SPINE),
    ("MYELOGRAM THORACIC", None, T_SPINE),
    ("mielografia toracica", None, T_SPINE),
    ("myélographie dorsale", None, T_SPINE),
    ("Myelographie BWS", None, T_SPINE),
])
def test_a_level_word_before_a_spine_exam_names_the_spine_level(text, modality, level) -> None:
    regions = _field(text, modality, "body_region")
    assert [r["code"] for r in regions] == [level], regions
    assert regions[0]["confidence"] >= CONFIDENT, regions


@pytest.mark.parametrize("text, modality, region", [
    ("CT THORACIC SPINE", "CT", T_SPINE),
    ("CT THORAX", "CT", THORAX),
    ("thoracic outlet myelogram", None, SPINE),    # a level word inside a longer phrase keeps that reading
])
def test_level_words_elsewhere_keep_their_reading(text, modality, region) -> None:
    assert region in [r["code"] for r in _field(text, modality, "body_region")]
