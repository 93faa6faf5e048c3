"""Issue 16, series level (round 12): classes found on the development part of the real series
set (tests/data/descriptions_real_series.csv, Imaging Data Commons collections)."""
from __future__ import annotations

from curator.normalize import CONFIDENT, normalize_description, normalize_series


def _regions(result):
    return sorted(v["code"] for v in result["body_region"] or [])


def test_patient_position_words_are_not_anatomy():
    # "Head In", "Head First Supine": the end of the patient that enters the gantry first
    for text in ("CT Atten Cor Head In", "ARIA RadOnc Images Head First Supine", "Feet First", "HFS 5mm", "Kopf zuerst"):
        assert normalize_description(text, modality="CT", level="series")["body_region"] is None, text
    # the series takes its study's region, as any series that names none
    got = normalize_description("CT Atten Cor Head In", modality="CT", level="series", study_description="PET CT THORAX")
    assert _regions(got) == ["RID1243"] and got["body_region"][0]["confidence"] < CONFIDENT
    # a head exam is still the head
    assert _regions(normalize_description("CT HEAD", modality="CT", level="series")) == ["RID9080"]


def test_header_mammography_implies_the_breast():
    for view in ("L CC", "R MLO", "L XCCL", "SPECIMEN"):
        got = normalize_series({"Modality": "MG", "SeriesDescription": view})
        assert _regions(got) == ["RID28749"], view
        assert got["body_region"][0]["source"] == "header" and got["body_region"][0]["confidence"] < 0.9
    # no modality, no region; a BodyPartExamined stays the header's region
    assert normalize_series({"SeriesDescription": "L CC"})["body_region"] is None
    assert _regions(normalize_series({"Modality": "CT", "SeriesDescription": "L CC"})) == []
    # a region the text names that the breast is not is a conflict, not a guess
    got = normalize_series({"Modality": "MG", "SeriesDescription": "KNEE"})
    assert got["body_region"] is None and got["conflicts"]


def test_cap_right_after_a_ct_word_is_chest_abdomen_pelvis():
    cap = ["RID1243", "RID2507", "RID56"]
    assert _regions(normalize_description("CT_CAP", modality="CT", level="study")) == cap
    assert _regions(normalize_description("CT CAP", modality="CT", level="study")) == cap
    # a series of such a study takes its regions below the threshold
    got = normalize_description("AX 5mm", modality="CT", level="series", study_description="CT CAP")
    assert _regions(got) == cap and max(v["confidence"] for v in got["body_region"]) < CONFIDENT
    # "cap" alone names nothing (a cap, a community-acquired pneumonia)
    assert normalize_description("CAP", modality="CT", level="series")["body_region"] is None


def test_breath_phase_series_are_the_thorax_below_the_threshold():
    for text in ("INSPIRATION", "Prone Inspiration", "EXPIRATION", "Exspirium"):
        got = normalize_description(text, modality="CT", level="series")
        assert _regions(got) == ["RID1243"] and got["body_region"][0]["confidence"] < CONFIDENT, text
    # a region the text or the study names wins
    assert _regions(normalize_description("Abdomen Inspiration", modality="CT", level="series")) == ["RID56"]
    assert _regions(normalize_description("EXPIRATION", modality="CT", level="series", study_description="CT ABDOMEN")) == ["RID56"]


def test_topogram_in_other_languages_is_a_localizer():
    for text in ("Topograma 1.0 T20s", "Topogramma", "LOCATOR"):
        assert normalize_description(text, modality="CT", level="series")["excluded"] == "localizer", text
