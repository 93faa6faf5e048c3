"""Round 9 of issue 16: a series read with its study (source ``study``), spine levels in every
language, vocabulary gaps seen on the development parts of the real sets."""
from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

from curator.normalize import CONFIDENT, normalize_description, normalize_series

ROOT = Path(__file__).resolve().parent.parent


def _regions(result: dict) -> list[str]:
    return [v["code"] for v in result["body_region"] or []]


# ---------------------------------------------------------------- a series in its study

def test_a_series_that_states_no_region_takes_its_studys_below_the_threshold_with_source_study():
    res = normalize_series({"SeriesDescription": "Body 1.0", "StudyDescription": "CT Head", "Modality": "CT"})
    assert _regions(res) == ["RID9080"]
    assert res["body_region"][0]["source"] == "study" and res["body_region"][0]["confidence"] < CONFIDENT
    assert res["modality"]["source"] == "header"
    # the series' own region wins; an excluded series (a localizer) stays excluded, with its
    # study's region since round 10b (as the scanner copies BodyPartExamined into it)
    own = normalize_series({"SeriesDescription": "Chest 1.0", "StudyDescription": "CT Head", "Modality": "CT"})
    assert _regions(own) == ["RID1243"] and own["body_region"][0]["source"] == "description"
    scout = normalize_series({"SeriesDescription": "Topogram 0.6 T20s", "StudyDescription": "CT Head", "Modality": "CT"})
    assert _regions(scout) == ["RID9080"] and scout["body_region"][0]["source"] == "study" and scout["excluded"] == "localizer"


def test_a_study_of_another_modality_says_nothing_of_the_series():
    res = normalize_series({"SeriesDescription": "Body 1.0", "StudyDescription": "MR Brain", "Modality": "CT"})
    assert res["body_region"] is None
    # the CT of a PET/CT study is the same exam: its region carries
    pet = normalize_series({"SeriesDescription": "Body 1.0", "StudyDescription": "NM Whole body PET FDG", "Modality": "CT"})
    assert _regions(pet) == ["RID39569"] and pet["body_region"][0]["source"] == "study"


def test_a_series_name_of_a_list_is_read_with_its_study_description():
    alone = normalize_description("Body 1.0", modality="CT", level="series")
    assert alone["body_region"] is None
    res = normalize_description("Body 1.0", modality="CT", level="series", study_description="CT Thorax abdomen pelvis")
    assert sorted(_regions(res)) == sorted(["RID1243", "RID56", "RID2507"])
    assert {v["source"] for v in res["body_region"]} == {"study"}
    assert res == normalize_series({"SeriesDescription": "Body 1.0", "StudyDescription": "CT Thorax abdomen pelvis", "Modality": "CT"})
    # a study row has no study above it: the column is not read
    assert normalize_description("Body 1.0", modality="CT", study_description="CT Head")["body_region"] is None


def test_curator_normalize_reads_an_optional_study_description_column(tmp_path):
    src = tmp_path / "in.csv"
    src.write_text("description,modality,level,study_description\nBody 1.0,CT,series,CT Head\nBody 1.0,CT,series,\n", encoding="utf-8")
    proc = subprocess.run([sys.executable, "-c", "from curator.cli import main; main()", "normalize", str(src), "--out", str(tmp_path / "o.csv")],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert proc.returncode == 0, proc.stderr
    rows = list(csv.DictReader((tmp_path / "o.csv").open(encoding="utf-8")))
    assert rows[0]["body_region_code"] == "RID9080" and rows[0]["body_region_source"] == "study"
    assert rows[0]["study_description"] == "CT Head"
    assert rows[1]["body_region_code"] == ""

