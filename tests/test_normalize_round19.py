"""Round 19 of issue 16 (abstentions of the dev parts as classes).

- 19a: a half-prefix glued to a region word names that region ("RX EMIMANDIBOLA", "Hemipelvis",
  vocabulary.yaml context ``half_prefixes``); urodynamics (video-urodynamics) name the urinary
  bladder in every supported language ("ESAME UROVIDEODINAMICO").

Each test fails without its change; the guards (marked) pass before and after."""
from __future__ import annotations

import pytest

from curator.normalize import CONFIDENT, normalize_description

MANDIBLE, PELVIS, FACE, BLADDER = "RID9082", "RID2507", "RID13284", "RID237"


def _regions(text: str, modality: str | None) -> list[dict]:
    return normalize_description(text, modality=modality, level="study").get("body_region") or []


@pytest.mark.parametrize("text, modality, expected", [
    ("RX EMIMANDIBOLA", "DX", MANDIBLE),
    ("XR Hemimandible", "DX", MANDIBLE),
    ("Hemipelvis", "DX", PELVIS),
    ("RX emibacino", "DX", PELVIS),
    ("CT hemiface", "CT", FACE),
])
def test_half_prefix_glued_to_a_region_names_the_region(text, modality, expected) -> None:
    assert [r["code"] for r in _regions(text, modality)] == [expected]


@pytest.mark.parametrize("text", ["hemisphere", "emicrania", "hemorrhage", "hemicolectomy", "hemi"])
def test_half_prefix_before_no_region_word_names_nothing(text) -> None:
    # guard: the rest of the word must be a region term
    assert _regions(text, None) == []


@pytest.mark.parametrize("text, modality", [
    ("ESAME UROVIDEODINAMICO [RX]", "RF"),
    ("Videourodynamics", "RF"),
    ("Bilan urodynamique", "RF"),
    ("Estudio urodinamico", "RF"),
    ("Urodynamik", "RF"),
    ("Estudo urodinamico", "RF"),
])
def test_urodynamics_name_the_bladder(text, modality) -> None:
    found = _regions(text, modality)
    assert [r["code"] for r in found] == [BLADDER], found
    assert found[0]["confidence"] >= CONFIDENT, found
