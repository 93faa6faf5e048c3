"""Round 18 of issue 16 (the Italian catalogue of outpatient services as a new real set).

- 18b: region adjectives and "skeleton of a part" phrases of every supported language where only
  the noun was read ("RM MAMMARIA", "TC CORONAROGRAFIA", "MORFOMETRIA VERTEBRALE", "SCHELETRO
  COSTALE" read as the whole skeleton), the whole body ("globale corporea"), the vessel and Doppler
  words of a vascular exam ("ECOCOLORDOPPLER VASI SPLANCNICI").

Each test fails without its change; the guards (marked) pass before and after."""
from __future__ import annotations

import pytest

from curator.normalize import CONFIDENT, normalize_description

BREAST, HEART, SPINE, RIBS, BONE, WHOLE_BODY = "RID28749", "RID1385", "RID7741", "RID28591", "RID13197", "RID39569"
VISCERAL_ARTERIES, IVC, VERTEBRAL_ARTERY = "RID49542", "RID1178", "RID774"


def _regions(text: str, modality: str) -> list[dict]:
    return normalize_description(text, modality=modality, level="study").get("body_region") or []


@pytest.mark.parametrize("text, modality, expected", [
    ("RM mammaria bilaterale", "MR", BREAST),
    ("Ecografia mammaria", "US", BREAST),
    ("TC coronarografia", "CT", HEART),
    ("Angio RM coronarica", "MR", HEART),
    ("Angio-TC coronaria", "CT", HEART),
    ("Coronariografia por tomografia", "CT", HEART),
    ("Coronarographie par scanner", "CT", HEART),
    ("CT Koronarangiographie", "CT", HEART),
    ("Morfometria vertebrale", "DX", SPINE),
    ("Densitometria vertebral", "DX", SPINE),
    ("RX scheletro costale", "DX", RIBS),
    ("Radiografia do esqueleto toracico", "DX", RIBS),
    ("Radiographie du squelette costal", "DX", RIBS),
    ("Scintigrafia globale corporea", "NM", WHOLE_BODY),
    ("Ecocolordoppler vasi splancnici", "US", VISCERAL_ARTERIES),
    ("Cavografia inferiore", "XA", IVC),
])
def test_adjectives_and_phrases_of_a_region_name_it(text, modality, expected) -> None:
    found = _regions(text, modality)
    assert [r["code"] for r in found] == [expected], found
    assert found[0]["confidence"] >= CONFIDENT, found


@pytest.mark.parametrize("text, modality, expected", [
    ("Rx scheletro", "DX", BONE),                         # guard: the skeleton alone stays the skeleton
    ("Arteriografia vertebrale", "XA", VERTEBRAL_ARTERY),  # guard: the artery, not the spine
    ("Angiography vertebral artery", "XA", VERTEBRAL_ARTERY),
])
def test_longer_terms_still_win_over_the_adjective(text, modality, expected) -> None:
    assert [r["code"] for r in _regions(text, modality)] == [expected]


@pytest.mark.parametrize("text", ["ANGIO VERTEBRAL CERVICAL UNILAT", "Stenting Cerebral - Vertebral Right", "Angiografia vertebrale"])
def test_vertebral_in_a_vascular_exam_is_never_the_spine(text) -> None:
    # guard: the spine takes "vertebral" only in phrases of the spine (body, fracture, morphometry)
    assert SPINE not in {r["code"] for r in _regions(text, "XA")}


@pytest.mark.parametrize("text", ["Cistosonografia con mdc", "Urosonografia", "Salpingosonographie"])
def test_an_organ_prefix_glued_to_a_sonography_word_is_ultrasound(text) -> None:
    # 18c: as the glued scintigraphy words (round 15)
    modality = normalize_description(text).get("modality")
    assert modality and modality["code"] == "RID10326", modality


def test_a_guidance_adjective_gives_no_modality() -> None:
    # guard (18c tried the ultrasound adjectives and dropped them): "avec guidage echographique" is the
    # guidance of a fluoroscopic cholangiography, not its modality
    assert normalize_description("Cholangiographie transcutanee avec guidage echographique").get("modality") is None
