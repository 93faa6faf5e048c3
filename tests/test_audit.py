"""The audit report: contract, findings, exit codes, and no identifier in any format."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from curator.analyses.audit import build_report, exit_status
from curator.cli import app
from curator.index.scan import scan_source
from tests.conftest import PLANTED, assert_no_planted, planted_dataset, pydicom_files_dir, write_planted

runner = CliRunner()

TOP_LEVEL = {"files", "instances", "rejected", "patients", "studies", "series", "quality", "inventory", "demographics",
             "identifiers", "burned_in", "private_creators", "missing_attributes", "findings", "report_version", "curator_version"}
SERIES_FIELDS = {"key", "site", "modality", "manufacturer", "model", "study_description", "series_description", "instances"}


def _report(source: Path, tmp_path: Path, **kwargs) -> dict:
    return build_report(scan_source(source, tmp_path / "i.parquet", workers=1, progress=False).frame(), **kwargs)


def test_json_contract_on_pydicom_files(tmp_path: Path):
    report = _report(pydicom_files_dir(), tmp_path)
    assert TOP_LEVEL <= set(report)
    assert report["files"] == report["instances"] + len(report["rejected"])
    assert all(set(r) - {"same_path"} == {"path", "reason"} for r in report["rejected"])  # same_path: red team 8
    assert all(SERIES_FIELDS <= set(s) for s in report["series"])
    assert sum(s["instances"] for s in report["series"]) == report["instances"]
    assert [s["key"] for s in report["series"]] == sorted(s["key"] for s in report["series"])
    for dim in ("completeness", "conformance", "plausibility"):
        d = report["quality"]["dimensions"][dim]
        assert d["fail"] + d["pass"] == d["total"] and 0 <= d["score"] <= 1
        assert set(d) == {"fail", "pass", "total", "weight", "score"}


def test_demographics_and_derivable_age(tmp_path: Path):
    source = tmp_path / "src"
    source.mkdir()
    ds = planted_dataset(0)
    del ds.PatientAge  # age derivable from birth date and study date
    del ds.PatientWeight
    ds.save_as(source / "a", enforce_file_format=True)
    report = _report(source, tmp_path)
    site = report["demographics"]["unknown"] if "unknown" in report["demographics"] else next(iter(report["demographics"].values()))
    assert site["age"] == {"present": 1, "missing": 0, "total": 1, "in_header": 0, "derivable": 1, "percent": 100.0}
    assert site["weight"]["missing"] == 1 and site["sex"]["present"] == 1


def test_burned_in_and_fail_on(tmp_path: Path):
    source = tmp_path / "src"
    source.mkdir()
    us = planted_dataset(0, modality="US")  # at risk, BurnedInAnnotation missing
    us.save_as(source / "us", enforce_file_format=True)
    ct = planted_dataset(1)
    ct.BurnedInAnnotation = "YES"
    ct.save_as(source / "ct", enforce_file_format=True)
    report = _report(source, tmp_path)
    assert report["burned_in"]["yes"] == 1 and report["burned_in"]["at_risk_flag_missing"] == 1
    assert exit_status(report, "error") == 1 and exit_status(report, None) == 0
    codes = {f["code"]: f["severity"] for f in report["findings"]}
    assert codes["burned_in_yes"] == "error" and codes["burned_in_risk"] == "warning"


def test_weights_change_the_total(tmp_path: Path):
    source = tmp_path / "src"
    write_planted(source, 1)
    base = _report(source, tmp_path)["quality"]
    heavy = _report(source, tmp_path, weights={"plausibility": 0.0, "conformance": 0.0})["quality"]
    assert heavy["dimensions"]["completeness"]["weight"] == 1.0
    assert heavy["total"] == heavy["dimensions"]["completeness"]["score"]
    assert base["dimensions"]["plausibility"]["weight"] == 1.0


@pytest.mark.parametrize("fmt", ["text", "json", "html"])
def test_no_planted_identifier_in_any_format(tmp_path: Path, fmt: str):
    source = tmp_path / "src"
    write_planted(source, 3)
    (source / f"{PLANTED['name_family']}-notes.txt").write_text("not dicom")
    out = tmp_path / f"report.{fmt}"
    result = runner.invoke(app, ["audit", str(source), "--format", fmt, "--out", str(out), "--workers", "1", "--index", str(tmp_path / "i.parquet")])
    assert result.exit_code == 0, result.output
    text = out.read_text()
    if fmt == "json":
        assert "TC TORAX" in text  # descriptions are kept, only identifiers removed
    assert_no_planted(text, f"the {fmt} report")
    assert_no_planted(result.output, "the console")


def test_identifier_exposure_counts_attributes_not_values(tmp_path: Path):
    source = tmp_path / "src"
    write_planted(source, 2)
    report = _report(source, tmp_path)
    exposed = {a["attribute"]: a["instances"] for a in report["identifiers"]["attributes"]}
    assert exposed["PatientName"] == 2 and exposed["OtherPatientIDsSequence"] == 2 and exposed["AccessionNumber"] == 2
    assert "PatientSex" not in exposed  # a demographic, reported as such
    assert {c["creator"] for c in report["private_creators"]} == {"CURATOR TEST PRIVATE"}


def test_cli_json_output_and_fail_on_exit_code(tmp_path: Path):
    source = tmp_path / "src"
    write_planted(source, 1)
    index = str(tmp_path / "i.parquet")
    result = runner.invoke(app, ["audit", str(source), "--format", "json", "--index", index, "-w", "1"])
    assert result.exit_code == 0
    report = json.loads(result.output)
    assert report["instances"] == 1
    failing = runner.invoke(app, ["audit", str(source), "--fail-on", "warning", "--index", index, "-w", "1"])
    assert failing.exit_code == 1


@pytest.mark.parametrize(
    "args, message",
    [
        (["--format", "pdf"], "--format"),
        (["--fail-on", "never"], "--fail-on"),
        (["--weight", "beauty=2"], "unknown dimension"),
        (["--weight", "completeness=x"], "DIMENSION=NUMBER"),
    ],
)
def test_wrong_options_give_clear_errors(tmp_path: Path, args, message):
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, "-c", "from curator.cli import main; main()", "audit", str(tmp_path), *args],
                          capture_output=True, text=True)
    assert proc.returncode == 2
    assert message in proc.stderr and "Traceback" not in proc.stderr


def test_missing_source_is_a_clear_error(tmp_path: Path):
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, "-c", "from curator.cli import main; main()", "audit", str(tmp_path / "nope")],
                          capture_output=True, text=True)
    assert proc.returncode == 2 and "source not found" in proc.stderr and "Traceback" not in proc.stderr


def test_cli_writes_the_covariate_table(tmp_path: Path):
    import csv

    out = tmp_path / "batches.csv"
    collection = str(Path(__file__).resolve().parent.parent / "examples" / "collection")
    result = runner.invoke(app, ["audit", collection, "--batches", str(out), "--index", str(tmp_path / "i.parquet"), "-w", "1",
                                 "--batch-threshold", "2"])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(out.read_text().splitlines()))
    assert len(rows) > 15 and {"key", "batch", "site", "manufacturer", "model", "thickness_band", "under_threshold"} <= set(rows[0])
    assert {r["under_threshold"] for r in rows} == {"true", "false"}  # threshold 2 splits the batches


def _shared_id_source(folder: Path, births: list[str]) -> Path:
    """One PatientID without issuer, one study per birth date (two people when the dates differ)."""
    for n, birth in enumerate(births):
        ds = planted_dataset(n)
        ds.StudyInstanceUID = f"1.2.826.0.1.3680043.8.498.8888.{n + 1}"
        ds.SeriesInstanceUID = f"1.2.826.0.1.3680043.8.498.9999.{n + 1}"
        ds.PatientBirthDate = birth
        target = folder / "site-a" / f"study{n}" / "img"
        target.parent.mkdir(parents=True, exist_ok=True)
        ds.save_as(target, enforce_file_format=True)
    return folder


def _fixed_salt(folder: Path) -> Path:
    """A fixed index salt: under a random one the two dates' 2-digit tags would agree 1 run in 256."""
    folder.mkdir(parents=True)
    (folder / "i.parquet.salt").write_text("11" * 32 + "\n")  # tags 0f and bb for the two dates
    return folder


def test_one_patient_id_given_to_two_people_is_a_finding(tmp_path: Path):
    two = _report(_shared_id_source(tmp_path / "two", ["19570312", "19840923", "19570312"]), _fixed_salt(tmp_path / "a"))
    assert two["patient_identity"]["ids_shared"] == 1
    assert [f["count"] for f in two["findings"] if f["code"] == "patient_ids_shared"] == [1]
    assert_no_planted(json.dumps(two), "audit report")
    same = _report(_shared_id_source(tmp_path / "same", ["19570312", "19570312"]), tmp_path / "b")
    assert same["patient_identity"]["ids_shared"] == 0
    assert "patient_ids_shared" not in {f["code"] for f in same["findings"]}


def test_the_index_holds_two_hex_digits_of_the_birth_date_not_the_date(tmp_path: Path):
    source = _shared_id_source(tmp_path / "src", ["19570312", "19840923"])
    frame = scan_source(source, _fixed_salt(tmp_path / "index") / "i.parquet", workers=1, progress=False).frame()
    tags = set(frame["birth_tag"])
    assert len(tags) == 2 and all(len(t) == 2 and int(t, 16) >= 0 for t in tags)
    assert not any("1957" in str(v) or "1984" in str(v) for v in frame.astype(str).to_numpy().ravel())
