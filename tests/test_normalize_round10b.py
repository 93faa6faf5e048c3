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


def _series(name: str, study: str, modality: str = "CT") -> dict:
    return normalize_description(name, modality=modality, level="series", study_description=study)


@pytest.mark.parametrize("name, study, expected", [
    ("Topogram  0.6  T20s", "CT CHEST ABDOMEN PELVIS", {"RID1243", "RID56", "RID2507"}),
    ("Dose Report", "CT Head", {"RID9080"}),
    ("Patient Protocol", "CT Head W/O", {"RID9080"}),
    ("Key Images", "CT Thorax", {"RID1243"}),
    ("SCOUT", "CT Abdomen", {"RID56"}),
])
def test_an_excluded_series_has_its_study_region(name, study, expected) -> None:
    result = _series(name, study)
    assert result.get("excluded"), result
    found = result["body_region"] or []
    assert {r["code"] for r in found} == expected, found
    assert all(r["source"] == "study" and r["confidence"] < 0.8 for r in found)
    assert result["contrast"] is None and result["laterality"] is None   # the region only


@pytest.mark.parametrize("name, study, modality", [
    ("Scout", "MR Brain", "CT"),            # the study names a modality the series cannot be
    ("Topogram", "CT cervical", "CT"),      # an ambiguous study: nothing
    ("Topogram", "CT Multi Area", "CT"),    # a study stating no region ("HRCT" suggests the lungs since round 14)
    ("Dose Report chest", "CT Abdomen", "CT"),  # a dose report's own region: not the study's, and not its own
    ("Patient Protocol", "CT Head", "SR"),  # a report object of a CT study
])
def test_an_excluded_series_never_guesses_a_region(name, study, modality) -> None:
    result = _series(name, study, modality)
    assert result.get("excluded") and result["body_region"] is None, result
    assert result["reasons"]["body_region"].startswith("excluded")


def test_a_localizer_naming_its_region_gives_it_below_the_threshold() -> None:
    """Round 17 (the lead's decision) reverses round 10b here: "Scout chest" in a "CT Abdomen"
    study gave no region; now the scout's own region, never confident (tests/test_normalize_round17.py)."""
    result = _series("Scout chest", "CT Abdomen")
    assert result.get("excluded") == "localizer", result
    assert [(r["code"], r["source"], r["confidence"]) for r in result["body_region"]] == [("RID1243", "description", 0.75)]


def test_an_excluded_dicom_series_reads_its_study_as_other_series_do() -> None:
    from curator.normalize import normalize_series
    result = normalize_series({"SeriesDescription": "Topogram 0.6 T20s", "StudyDescription": "CT Thorax", "Modality": "CT"})
    assert [(r["code"], r["source"]) for r in result["body_region"]] == [("RID1243", "study")]
    assert result["excluded"] == "localizer" and result["modality"]["code"] == "RID10321"


@pytest.mark.parametrize("text", ["RoutineSeq 5.0 H40s", "Thin Slice 1.25 H41s", "Spiral 4.0 J40s 3", "Recon 1.0 Hr38"])
def test_a_head_kernel_suggests_the_head_below_the_threshold(text) -> None:
    result = normalize_description(text, modality="CT", level="series")
    assert [(r["code"], r["confidence"]) for r in result["body_region"]] == [("RID9080", 0.75)], result["body_region"]


def test_a_head_kernel_yields_to_a_region_named_by_the_series_or_its_study() -> None:
    assert [r["code"] for r in normalize_description("Neck 1.0 H31s", modality="CT")["body_region"]] == ["RID7488"]
    assert _regions("Abdomen 5.0 B30f", "CT") == [("RID56", 0.95)]        # a body kernel suggests nothing
    found = _series("Thin Slice 1.25 H41s", "CT Neck")["body_region"]
    assert [(r["code"], r["source"]) for r in found] == [("RID7488", "study")]
    # a study of another modality carries nothing: the kernel's suggestion stands
    found = _series("Thin Slice 1.25 H41s", "MR Brain")["body_region"]
    assert [(r["code"], r["source"]) for r in found] == [("RID9080", "description")]
