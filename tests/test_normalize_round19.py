"""Round 19 of issue 16 (abstentions of the dev parts as classes).

- 19a: a half-prefix glued to a region word names that region ("RX EMIMANDIBOLA", "Hemipelvis",
  vocabulary.yaml context ``half_prefixes``); urodynamics (video-urodynamics) name the urinary
  bladder in every supported language ("ESAME UROVIDEODINAMICO").
- 19c (the German GOÄ set's dev part): the German genitive of a region word ("des Gehirns",
  vocabulary.yaml context ``inflections``); the organs of a region ("Brustorgane", "Halsorgane");
  the myocardium (de es it fr nl); a glued word that begins with a region word and goes on with a
  known exam word ("Nierenszintigraphie", "Harntraktkontrastuntersuchung"); a glued word that ends
  in an exam word implying a region ("Refluxzystographie", "ENTEROCOLPOCISTODEFECOGRAFIA").
- 19d: the jaw words of de, nl, fr ("Panoramaaufnahme eines Kiefers": the head, as the English "jaw").

Each test fails without its change; the guards (marked) pass before and after."""
from __future__ import annotations

import pytest

from curator.normalize import CONFIDENT, normalize_description

MANDIBLE, PELVIS, FACE, BLADDER = "RID9082", "RID2507", "RID13284", "RID237"
BRAIN, LARGE_INTESTINE, THORAX, NECK, HEART, KIDNEY, URINARY_TRACT, RECTUM, LUNG = (
    "RID6434", "RID152", "RID1243", "RID7488", "RID1385", "RID205", "RID204", "RID163", "RID1301")


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


@pytest.mark.parametrize("text, modality, expected", [
    ("Szintigraphische Untersuchung des Gehirns", "NM", BRAIN),
    ("Monokontrastuntersuchung von Teilen des Dickdarms", "RF", LARGE_INTESTINE),
    ("MRT des Beckens", "MR", PELVIS),
    ("Brustorgane-Übersicht", "DX", THORAX),
    ("Halsorgane", "DX", NECK),
    ("Szintigraphie des Myokards", "NM", HEART),
    ("Tomoscintigraphie de perfusion myocardique", "NM", HEART),
])
def test_german_case_endings_and_organ_words_name_the_region(text, modality, expected) -> None:
    assert [r["code"] for r in _regions(text, modality)] == [expected]


@pytest.mark.parametrize("text, modality, expected", [
    ("Statische Nierenszintigraphie", "NM", KIDNEY),
    ("Lungenszintigraphie", "NM", LUNG),
    ("Dickdarmdoppelkontrastuntersuchung", "RF", LARGE_INTESTINE),
    ("Harntraktkontrastuntersuchung", "RF", URINARY_TRACT),
    ("Refluxzystographie", "RF", BLADDER),
    ("ENTEROCOLPOCISTODEFECOGRAFIA", "RF", RECTUM),
])
def test_glued_region_or_exam_word_names_the_region(text, modality, expected) -> None:
    found = _regions(text, modality)
    assert [r["code"] for r in found] == [expected], found
    assert found[0]["confidence"] >= CONFIDENT, found


@pytest.mark.parametrize("text", ["Lungenperfusion", "Gehirnxyzabc", "Beckenxyz"])
def test_glued_words_with_an_unknown_rest_name_nothing(text) -> None:
    # guard: the rest must be a known (non-ambiguous) word; "perfusion" is ambiguous
    assert _regions(text, None) == []


@pytest.mark.parametrize("text, modality", [
    ("Panoramaaufnahme eines Kiefers", "DX"),
    ("Panoramaschichtaufnahme der Kiefer", "DX"),
    ("Radiographie de la machoire", "DX"),
    ("RX kaak", "DX"),
])
def test_jaw_words_name_the_head(text, modality) -> None:
    assert [r["code"] for r in _regions(text, modality)] == ["RID9080"]
