"""`curator deid` on the command line: options, report, clear errors with exit status 2."""
from __future__ import annotations

import json
import subprocess
import sys

from test_deid import P, planted_ct, write

from tests.conftest import write_fixed_key as write_key  # fixed: outputs are searched for planted values


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", "from curator.cli import main; main()", *args],
        capture_output=True, text=True, timeout=300, check=False,
    )


def test_cli_deid_writes_output_and_report(tmp_path):
    source = tmp_path / "src"
    for i in range(2):
        write(planted_ct(i), source / f"{P['family']}_{i}.dcm")
    key = write_key(tmp_path / "key")
    out = tmp_path / "out"
    result = run_cli("deid", str(source), str(out), "--profile", "research", "--key", str(key), "--workers", "2", "--k", "1")
    assert result.returncode == 0, result.stderr
    assert "2 written" in result.stdout
    report = json.loads((out / "deid-report.json").read_text(encoding="utf-8"))
    assert report["counts"]["written"] == 2 and report["settings"]["k"] == 1
    text = result.stdout + result.stderr
    for value in P.values():
        assert value not in text
    # Refusals: non-empty OUT, OUT inside SOURCE, unknown profile, missing key.
    again = run_cli("deid", str(source), str(out), "--key", str(key), "--k", "1")
    assert again.returncode == 2 and again.stderr.startswith("error: ") and "not empty" in again.stderr
    inside = run_cli("deid", str(source), str(source / "o"), "--key", str(key))
    assert inside.returncode == 2 and "inside the source" in inside.stderr
    profile = run_cli("deid", str(source), str(tmp_path / "o2"), "--key", str(key), "--profile", "lenient")
    assert profile.returncode == 2 and "unknown de-identification profile" in profile.stderr
    nokey = run_cli("deid", str(source), str(tmp_path / "o3"), "--key", str(tmp_path / "nokey"))
    assert nokey.returncode == 2 and "key file not found" in nokey.stderr
    assert "Traceback" not in profile.stderr + nokey.stderr + inside.stderr
    forced = run_cli("deid", str(source), str(out), "--key", str(key), "--force", "--workers", "1", "--k", "1")
    assert forced.returncode == 0, forced.stderr


def test_cli_output_quotes_no_header_value(tmp_path):
    """pydicom warns with header values (here an invalid UID naming the patient): silenced."""
    source = tmp_path / "src"
    ds = planted_ct(0)
    ds.ReferencedPerformedProcedureStepSequence[0].ReferencedSOPInstanceUID = f"1.2.{P['family']}"
    ds.SeriesDescription = "x" * 70 + P["given"]  # too long for LO: pydicom would warn quoting it
    write(ds, source / "a.dcm")
    key = write_key(tmp_path / "key")
    for workers in ("1", "2"):
        result = run_cli("deid", str(source), str(tmp_path / f"out{workers}"), "--key", str(key), "--workers", workers)
        assert result.returncode == 0, result.stderr
        text = result.stdout + result.stderr
        for value in (P["family"], P["given"], P["pid"]):
            assert value not in text


def test_cli_deid_access_tier(tmp_path):
    source = tmp_path / "src"
    for i in range(2):
        write(planted_ct(i, patient=f"T{i}", study_uid=f"1.2.826.0.1.3680043.8.498.9.{i}"), source / f"{i}.dcm")
    key = write_key(tmp_path / "key")
    out = tmp_path / "out"
    result = run_cli("deid", str(source), str(out), "--key", str(key), "--workers", "1", "--access", "public", "--k", "2",
                     "--max-suppression", "0")
    assert result.returncode == 0, result.stderr
    assert "access public: k-anonymity (k=2) reached" in result.stdout
    report = json.loads((out / "deid-report.json").read_text(encoding="utf-8"))
    assert report["settings"]["access"] == "public" and report["settings"]["max_suppression"] == 0
    assert report["k_anonymity"]["after"]["satisfied"]
    bad = run_cli("deid", str(source), str(tmp_path / "o2"), "--key", str(key), "--access", "open")
    assert bad.returncode == 2 and bad.stderr.startswith("error: ") and "unknown access tier" in bad.stderr

def test_force_never_mixes_runs_of_two_keys(tmp_path):
    """hostile5 class 5: ``--force`` into an OUT holding a finished run made with another key
    used to write the second key's pseudonym tree beside the first (and a report of the
    second only). It is refused (exit 2); the same key and settings may still write in."""
    source = tmp_path / "src"
    source.mkdir()
    write(planted_ct(0), source / "a.dcm")
    key, other = tmp_path / "key", tmp_path / "other"
    for path in (key, other):
        assert run_cli("keygen", str(path)).returncode == 0
    out = tmp_path / "out"
    assert run_cli("deid", str(source), str(out), "--key", str(key), "--workers", "1").returncode == 0
    before = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    mixed = run_cli("deid", str(source), str(out), "--key", str(other), "--force", "--workers", "1")
    assert mixed.returncode == 2 and mixed.stderr.startswith("error: ") and "another key" in mixed.stderr
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()) == before
    profile = run_cli("deid", str(source), str(out), "--key", str(key), "--profile", "strict", "--force", "--workers", "1")
    assert profile.returncode == 2 and "other settings" in profile.stderr
    same = run_cli("deid", str(source), str(out), "--key", str(key), "--force", "--workers", "1")
    assert same.returncode == 0, same.stderr
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()) == before
