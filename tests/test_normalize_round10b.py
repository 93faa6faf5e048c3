"""Round 10b of issue 16: spine level lists, nuclear-medicine words of every language, and the
series that inherit their study's region."""
from __future__ import annotations

import pytest

from curator.normalize import normalize_description

CERVICAL, THORACIC, LUMBAR, SACRUM = "RID34571", "RID28677", "RID34573", "RID2509"


def _regions(text: str, modality: str | None = None) -> list[tuple[str, float]]:
    result = normalize_description(text, modality=modality)
    return [(r["code"], r["confidence"]) for r in result["body_region"] or []]


@pytest.mark.parametrize("text, expected", [
    ("XR C/T/L spine", {CERVICAL, THORACIC, LUMBAR}),
    ("XR C-T-L spine", {CERVICAL, THORACIC, LUMBAR}),
    ("MR C, T, L spine", {CERVICAL, THORACIC, LUMBAR}),
    ("XR C/T/L-Spine", {CERVICAL, THORACIC, LUMBAR}),
    ("MR cervical/thoracic/lumbar spine", {CERVICAL, THORACIC, LUMBAR}),
    ("MRI cervical, thoracic and lumbar spine", {CERVICAL, THORACIC, LUMBAR}),
    ("MRT HWS/BWS/LWS", {CERVICAL, THORACIC, LUMBAR}),
    ("CT C-T-L-S spine", {CERVICAL, THORACIC, LUMBAR, SACRUM}),
    ("XR C/L spine", {CERVICAL, LUMBAR}),          # two levels apart: both
    ("MR cervical/lumbar spine", {CERVICAL, LUMBAR}),
    ("XR T/L spine", {"RID35809"}),                # two neighbours: their junction region
    ("XR L-S spine", {"RID28733"}),
    ("XR C/T spine", {"RID28726"}),
    ("XR C-Spine 2-3V", {CERVICAL}),
])
def test_a_list_of_spine_levels_names_every_level(text, expected) -> None:
    found = _regions(text, "DX")
    assert {code for code, _c in found} == expected, found
    assert all(confidence >= 0.8 for _code, confidence in found)


NM, RADIOGRAPHY = "RID10330", "RID10345"


@pytest.mark.parametrize("text", [
    "Exploration radio-isotopique du squelette", "Radio isotopique du rein", "Exploration isotopique du coeur",
    "cisternographie isotop.", "Gammagraphie thyroïdienne", "Tomoscintigraphie myocardique", "gammagraphie osseuse",
    "Cintilografia renal", "Scintigrafia ossea", "Szintigraphie der Schilddrüse", "radioisotope renogram",
    "Estudio radioisotópico renal", "Centellografía ósea",
])
def test_radioisotope_words_are_nuclear_medicine_never_a_radiograph(text) -> None:
    modality = normalize_description(text)["modality"]
    assert modality is not None and modality["code"] == NM, (text, modality)


def test_a_radiograph_stays_a_radiograph() -> None:
    for text in ("Radiographie du thorax", "Radio du bassin", "Rx torax"):
        assert normalize_description(text)["modality"]["code"] == RADIOGRAPHY
