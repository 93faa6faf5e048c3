"""Issue 16, series level (round 13): a lung or mediastinum word in a CT series' name names its
reconstruction window, not the scanned range (vocabulary.yaml context ``window_regions``; class
found on the development part of tests/data/descriptions_real_series.csv)."""
from __future__ import annotations

from curator.normalize import CONFIDENT, normalize_description, normalize_series


def _region(result):
    return sorted((v["code"], v["source"]) for v in result["body_region"] or []), \
        min((v["confidence"] for v in result["body_region"] or []), default=None)


def test_window_word_of_a_ct_series_alone_is_below_the_threshold():
    for text in ("CT LUNG 3.0 B80f", "LUNG AXIAL CT 2.5 MM", "AX ST LUNG MIP", "CORONAL MEDIASTINO", "VOLUME PULMAO", "LUNGS"):
        codes, conf = _region(normalize_description(text, modality="CT", level="series"))
        assert codes and conf < CONFIDENT, text
    # the same name as an exam (study level), on an MR or PET series, or beside a region it lies in: unchanged
    assert _region(normalize_description("CT LUNG", modality="CT", level="study"))[1] >= CONFIDENT
    assert _region(normalize_description("AX LUNG", modality="MR", level="series"))[1] >= CONFIDENT
    assert _region(normalize_description("CHEST LUNG 1.25", modality="CT", level="series")) == ([("RID1243", "description")], 0.95)


def test_window_word_in_a_study_of_several_regions_takes_the_study_region():
    # the lung window of a chest-abdomen-pelvis or whole-body range is that range (the study's, below the threshold)
    codes, conf = _region(normalize_description("LUNG 1.25", modality="CT", level="series", study_description="CT CAP"))
    assert {c for c, _s in codes} == {"RID1243", "RID56", "RID2507"} and {s for _c, s in codes} == {"study"} and conf < CONFIDENT
    codes, conf = _region(normalize_description("CORONAL MEDIASTINO", modality="CT", level="series", study_description="Abdomen^DUO_TX"))
    assert codes == [("RID56", "study")] and conf < CONFIDENT


def test_window_word_in_a_study_of_its_own_region_stays_confident():
    for study in ("CT CHEST", "CT THORAX W/CONTRAST", "CT LUNG SCREENING"):
        got = normalize_series({"Modality": "CT", "SeriesDescription": "CT LUNG 3.0 B80f", "StudyDescription": study})
        assert _region(got) == ([("RID1301", "description")], 0.95), study
    got = normalize_series({"Modality": "CT", "SeriesDescription": "MEDIASTINUM 1.0 B20f", "StudyDescription": "CT Thorax"})
    assert _region(got) == ([("RID1384", "description")], 0.95)


def test_chest_abdomen_abbreviation():
    # "Ch/Abd" is the chest-abdomen of the "CH/AB/PEL" family ("ch" alone stays no region)
    got = normalize_description("Ch/Abd 5.0 B60f", modality="CT", level="series")
    assert sorted(v["code"] for v in got["body_region"]) == ["RID1243", "RID56"]
    assert normalize_description("CH 5.0 B60f", modality="CT", level="series")["body_region"] is None
