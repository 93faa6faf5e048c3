"""``curator normalize``: a list of descriptions (no DICOM files) to RadLex codes, CSV or JSON."""
from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest

from curator.errors import CuratorError
from curator.normalize import normalize_description
from curator.normalize.batch import normalize_rows, read_descriptions, render_csv

ROOT = Path(__file__).resolve().parent.parent


def _run(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    code = "from curator.cli import main; main()"
    env_path = {"PYTHONPATH": str(ROOT)}
    import os

    return subprocess.run([sys.executable, "-c", code, *args], cwd=cwd, capture_output=True, text=True, timeout=120,
                          env={**os.environ, **env_path})


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_header_modality_is_used_and_the_text_gives_the_rest():
    res = normalize_description("XR CHEST 2 VIEWS", modality="DX")
    assert res["modality"]["code"] == "RID10345" and res["modality"]["source"] == "header"
    assert [v["code"] for v in res["body_region"]] == ["RID1243"]
    series = normalize_description("AX T1 POST", modality="MR", level="series")
    assert series["weighting"]["code"] == "RID10794" and series["contrast"]["code"] == "RID28769"
    with pytest.raises(ValueError):
        normalize_description("CT HEAD", level="instance")


def test_body_part_examined_is_header_evidence():
    res = normalize_description("SCAN 2", modality="CT", body_part_examined="KNEE")
    assert [v["code"] for v in res["body_region"]] == ["RID2743"] and res["body_region"][0]["source"] == "header"


def test_csv_output_has_code_label_confidence_source_per_field(tmp_path):
    src = _write(tmp_path / "in.csv", "description,modality,level\nCT CHEST W CONTRAST,CT,study\nAX T1 POST,mr,series\n")
    proc = _run("normalize", str(src), "--out", str(tmp_path / "out.csv"), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    rows = list(csv.DictReader((tmp_path / "out.csv").open(encoding="utf-8")))
    assert [r["description"] for r in rows] == ["CT CHEST W CONTRAST", "AX T1 POST"]
    assert rows[0]["body_region_code"] == "RID1243" and rows[0]["body_region_label"] == "thorax"
    assert rows[0]["contrast_code"] == "RID28769" and rows[0]["contrast_source"] == "description"
    assert rows[1]["modality_source"] == "header" and float(rows[1]["weighting_confidence"]) >= 0.8
    assert rows[1]["body_region_code"] == "" and rows[1]["level"] == "series"


def test_json_format_from_option_or_suffix(tmp_path):
    src = _write(tmp_path / "in.csv", "description\nMRI KNEE LEFT\n")
    assert _run("normalize", str(src), "--out", str(tmp_path / "a.json"), cwd=tmp_path).returncode == 0
    assert _run("normalize", str(src), "--out", str(tmp_path / "b.txt"), "--format", "json", cwd=tmp_path).returncode == 0
    a = json.loads((tmp_path / "a.json").read_text(encoding="utf-8"))
    assert a == json.loads((tmp_path / "b.txt").read_text(encoding="utf-8"))
    assert a[0]["laterality"]["code"] == "RID5824" and a[0]["modality"]["source"] == "description"
    assert a[0]["input"] == {"description": "MRI KNEE LEFT", "modality": "", "body_part_examined": "", "level": "study", "study_description": ""}


def test_overrides_and_site(tmp_path):
    src = _write(tmp_path / "in.csv", "description\nPROTOCOLO ONCO 3\n")
    rules = _write(tmp_path / "site.yaml", "site: SITE_A\ndescriptions:\n  - text: PROTOCOLO ONCO 3\n    field: StudyDescription\n"
                                          "    set:\n      modality: RID10321\n      body_region: [RID1243]\n")
    out = tmp_path / "o.csv"
    assert _run("normalize", str(src), "-o", str(out), "--overrides", str(rules), "--site", "SITE_A", cwd=tmp_path).returncode == 0
    row = next(csv.DictReader(out.open(encoding="utf-8")))
    assert row["body_region_code"] == "RID1243" and row["body_region_source"] == "override"
    assert _run("normalize", str(src), "-o", str(out), "--overrides", str(rules), "--site", "SITE_B", cwd=tmp_path).returncode == 0
    assert next(csv.DictReader(out.open(encoding="utf-8")))["body_region_code"] == ""


@pytest.mark.parametrize("content, message", [
    ("text,modality\nCT HEAD,CT\n", "no 'description' column"),
    ("description,level\nCT HEAD,instance\n", "level must be"),
    ('description\n"CT HEAD\n', "not a valid CSV"),
    ("description\nCT HEAD,extra\n", "more cells than the header"),
])
def test_bad_input_is_an_error_with_exit_2(tmp_path, content, message):
    src = _write(tmp_path / "in.csv", content)
    proc = _run("normalize", str(src), "--out", str(tmp_path / "o.csv"), cwd=tmp_path)
    assert proc.returncode == 2 and proc.stderr.startswith("error: ") and message in proc.stderr
    assert "Traceback" not in proc.stderr and not (tmp_path / "o.csv").exists()


def test_missing_file_not_utf8_and_bad_format(tmp_path):
    proc = _run("normalize", str(tmp_path / "none.csv"), "--out", str(tmp_path / "o.csv"), cwd=tmp_path)
    assert proc.returncode == 2 and "error: CSV file not found: none.csv" in proc.stderr
    (tmp_path / "latin.csv").write_bytes("description\nTC T\xd3RAX\n".encode("latin-1"))
    with pytest.raises(CuratorError, match="not valid utf-8 at line 2"):
        read_descriptions(tmp_path / "latin.csv")
    src = _write(tmp_path / "in.csv", "description\nCT HEAD\n")
    proc = _run("normalize", str(src), "--out", str(tmp_path / "o.csv"), "--format", "xml", cwd=tmp_path)
    assert proc.returncode == 2 and proc.stderr.startswith("error: ")


def test_output_is_deterministic(tmp_path):
    src = _write(tmp_path / "in.csv", "description,modality\nTC TORAX CON CONTRASTE,CT\nRM RODILLA DERECHA,MR\n")
    rows = read_descriptions(src)
    assert render_csv(normalize_rows(rows)) == render_csv(normalize_rows(list(rows)))
