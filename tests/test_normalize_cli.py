"""``curator mappings review`` on real (synthesized) DICOM files, with planted identifiers."""
from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import pydicom
from pydicom.data import get_testdata_file
from pydicom.uid import generate_uid

PATIENT_NAME, PATIENT_ID, ACCESSION = "Kowalczyk^Wieslawa", "PID7731942", "ACC99120455"


def _source(root: Path) -> Path:
    ct = pydicom.dcmread(get_testdata_file("CT_small.dcm"))
    mr = pydicom.dcmread(get_testdata_file("MR_small.dcm"))
    specs = [
        ("SITE_A", ct, "TC TORAX CON CONTRASTE", "Torax 1.25 STD"),
        ("SITE_A", ct, "TC TORAX CON CONTRASTE", "Topogram 0.6 T20f"),
        ("SITE_A", ct, "TC TORAX CON CONTRASTE", "TX AR"),
        ("SITE_B", mr, "MRT Kopf nativ", "t2_tse_tra"),
        ("SITE_B", mr, "MRT Kopf nativ", f"t1 {PATIENT_NAME.split('^')[0]} {PATIENT_ID}"),
    ]
    src = root / "src"
    for i, (site, base, study, series) in enumerate(specs):
        ds = base.copy()
        ds.StudyDescription, ds.SeriesDescription = study, series
        ds.PatientName, ds.PatientID, ds.AccessionNumber = PATIENT_NAME, PATIENT_ID, ACCESSION
        ds.SeriesInstanceUID, ds.SOPInstanceUID = generate_uid(), generate_uid()
        (src / site).mkdir(parents=True, exist_ok=True)
        ds.save_as(src / site / f"f{i}.dcm")
    return src


def _run(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    code = "from curator.cli import main; main()"
    return subprocess.run([sys.executable, "-c", code, *args], cwd=cwd, capture_output=True, text=True, timeout=300)


def test_review_command_writes_identifier_free_proposals_and_loads_corrections(tmp_path):
    src = _source(tmp_path)
    out = tmp_path / "review.csv"
    done = _run("mappings", "review", str(src), "--out", str(out), "--workers", "1", "--index", str(tmp_path / "i.parquet"), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    text = out.read_text(encoding="utf-8")
    for planted in ("Kowalczyk", "Wieslawa", PATIENT_ID, ACCESSION):
        assert planted.lower() not in text.lower()
    rows = list(csv.DictReader(text.splitlines()))
    by_text = {r["description"]: r for r in rows}
    assert by_text["Torax 1.25 STD"]["modality"] == "RID10321"
    assert by_text["Topogram 0.6 T20f"]["proposal"] == "excluded=localizer"
    assert by_text["TC TORAX CON CONTRASTE"]["procedure"] == "RPID18"
    assert {r["site"] for r in rows} == {"SITE_A", "SITE_B"}
    # correct one row and feed the file back
    by_text["TX AR"].update(body_region="RID1243", status="corrected")
    with out.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    again = tmp_path / "again.csv"
    done = _run("mappings", "review", str(src), "--out", str(again), "--overrides", str(out), "--workers", "1",
                "--index", str(tmp_path / "i.parquet"), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    row = next(r for r in csv.DictReader(again.read_text(encoding="utf-8").splitlines()) if r["description"] == "TX AR")
    assert row["body_region"] == "RID1243"


def test_review_command_bad_override_file_is_a_clear_error(tmp_path):
    src = _source(tmp_path)
    bad = tmp_path / "bad.yaml"
    bad.write_text("site: X\ndescriptions:\n  - text: A\n    set: {plane: sideways}\n", encoding="utf-8")
    done = _run("mappings", "review", str(src), "--out", str(tmp_path / "r.csv"), "--overrides", str(bad), cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.startswith("error:") and "Traceback" not in done.stderr


def test_normalize_index_of_a_real_scan(tmp_path):
    from curator.normalize import normalize_index
    from curator.index.scan import scan_source

    src = _source(tmp_path)
    frame = scan_source(src, index_path=tmp_path / "i.parquet", workers=1).frame()
    out = normalize_index(frame)
    results = list(out["series"].values())
    assert len(results) == 5
    assert sum(r.get("excluded") == "localizer" for r in results) == 1
    # MR_small.dcm is a spin echo with TR 4000 / TE 240: T2; a description saying T1 is a conflict
    t1 = [r for r in results if any(c["attribute"] == "weighting" for c in r["conflicts"])]
    assert len(t1) == 1 and t1[0]["weighting"] is None
    t2 = [r for r in results if r["weighting"] and r["weighting"]["code"] == "RID10795"]
    assert t2 and t2[0]["plane"]["code"] == "RID10579"
    procedures = sorted(s["procedure"]["code"] for s in out["studies"].values() if s["procedure"])
    assert procedures == ["RPID18", "RPID479"]
    assert set(out["summary"]["sites"]) == {"SITE_A", "SITE_B"}
    text = repr(out)
    for planted in ("Kowalczyk", "Wieslawa", PATIENT_ID, ACCESSION):
        assert planted not in text
    assert normalize_index(frame) == out  # deterministic
