"""Round 20b of issue 16: three classes of confident misreadings found by checks.

1. A spine-level word before a spine exam word ("Thoracic myelogram") named the thorax.
2. The glued-tail rule read an unknown prefix before "cystografi" as the bladder ("kolecystografi").
3. A bare vessel word in an MR angiography ("MRA ARTERIAL HEAD") was read as a contrast phase.

Each test fails without its change."""
from __future__ import annotations

import pytest

from curator.normalize import CONFIDENT, normalize_description

THORAX, SPINE = "RID1243", "RID7741"
WITH, WITH_WITHOUT = "RID28769", "RID28771"
BLADDER, GALLBLADDER, RECTUM, HEAD = "RID237", "RID187", "RID163", "RID9080"
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


@pytest.mark.parametrize("text, modality", [
    ("MRA ARTERIAL HEAD", None),                       # were "with IV contrast" 0.95
    ("ANGIORRESSONANCIA ARTERIAL CEREBRAL", None),
    ("ANGIO RM ARTERIAL CEREBRAL", None),
    ("ANGIORRESSONANCIA VENOSA CEREBRAL", None),
    ("MRA ARTERIAL HEAD", "MR"),
    ("MRV VENOUS HEAD", None),
    ("ANGIO RM VENOSA", "MR"),
    ("DOPPLER ARTERIAL MEMBRO INFERIOR", "US"),         # a Doppler uses no contrast
    ("US DUPLEX VENOUS LEG", None),
    ("Duplexsonographie arteriell", "US"),
    ("NM EXTREMITIES VENOUS THROMBOSIS", "NM"),        # nuclear medicine: never a contrast phase
    ("NM ABDOMEN VENOUS SHUNT PATENCY", None),
])
def test_a_bare_vessel_word_in_an_mr_or_us_vascular_exam_states_no_contrast(text, modality) -> None:
    assert _field(text, modality, "contrast") == []


@pytest.mark.parametrize("text, modality, contrast", [
    ("ANGIO-TC AORTA", None, WITH),                    # CT angiography: contrast
    ("TC ABDOMEN FASE ARTERIAL", None, WITH),
    ("CTA ARTERIAL", None, WITH),
    ("ANGIO-TC VENOSA", "CT", WITH),
    ("ARTERIAL 2.5mm", "CT", WITH),                    # a CT series
    ("AX T1 ARTERIAL", "MR", WITH),                    # MR liver dynamics: no vascular word
    ("LAVA ARTERIAL", "MR", WITH),
    ("MR LIVER ARTERIAL VENOUS", "MR", WITH),
    ("MRA HEAD ARTERIAL PHASE", None, WITH),           # a phase phrase
    ("MRA NECK WITH CONTRAST ARTERIAL", None, WITH),
    ("MRA NECK WITH AND WITHOUT CONTRAST ARTERIAL", None, WITH_WITHOUT),
    ("fase arterial", None, WITH),
    ("arterial phase", None, WITH),
    ("temps artériel", None, WITH),
])
def test_phase_phrases_ct_and_mr_dynamics_keep_their_contrast(text, modality, contrast) -> None:
    assert [c["code"] for c in _field(text, modality, "contrast")] == [contrast]


@pytest.mark.parametrize("text, modality", [
    ("KOLECYSTOGRAFI", None),                # Danish/Norwegian cholecystography: was the bladder 0.85
    ("Peroral kolecystografi", "RF"),
    ("cholecystografi", None),               # chole + cystografi: not the bladder at confidence
])
def test_an_unknown_prefix_before_a_tail_another_organ_shares_is_not_confident(text, modality) -> None:
    regions = _field(text, modality, "body_region")
    assert all(r["confidence"] < CONFIDENT for r in regions), regions


@pytest.mark.parametrize("text, region", [
    ("Refluxzystographie", BLADDER),                   # "reflux": a word of the lexicon
    ("Urethrozystographie", BLADDER),                  # "urethro" begins urethrocystography (the bladder)
    ("Miktionszystographie", BLADDER),                 # "miktions" begins Miktionszystourethrographie
    ("ENTEROCOLPOCISTODEFECOGRAFIA", RECTUM),          # no other organ's word ends in "defecografia"
    ("pneumoencephalogram", HEAD),                     # echoencephalogram: the brain, inside the head
    ("colecistografia", GALLBLADDER),
    ("Cholezystographie", GALLBLADDER),
])
def test_glued_tails_with_a_known_or_safe_prefix_stay_confident(text, region) -> None:
    regions = _field(text, None, "body_region")
    assert [r["code"] for r in regions] == [region], regions
    assert regions[0]["confidence"] >= CONFIDENT, regions
