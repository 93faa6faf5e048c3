"""Red team, round 3: hostile inputs (tests/hostile.py, plain pydicom) through scan, audit,
deid, publish and validate: every command ends with an exit code of the contract and no
traceback, every item is accounted for with a reason that names the real fault, the source
is untouched, and no identifier of a broken file reaches any output."""
from __future__ import annotations

import hashlib
import json
import os
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from curator.cli import app
from curator.index.store import scrub_path, token_hashes
from tests.conftest import write_fixed_key

sys.path.insert(0, str(Path(__file__).resolve().parent))
import adversarial  # noqa: E402  (helper modules beside the tests, not a package)
import hostile  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
runner = CliRunner()


def _digests(root: Path) -> dict[str, str]:
    out = {}
    for dirpath, _dirs, files in os.walk(root):
        for name in files:
            path = Path(dirpath) / name
            out[str(path)] = os.readlink(path) if path.is_symlink() else hashlib.sha256(path.read_bytes()).hexdigest()
    return out


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict:
    root = tmp_path_factory.mktemp("hostile")
    source = root / "source"
    hostile.write_hostile(source)
    before = _digests(source)
    write_fixed_key(root / "key")  # fixed: a planted number cannot turn up in a keyed UID by chance
    commands = {
        "scan": ["scan", str(source), "--index", str(root / "scan.parquet"), "-w", "1"],
        "audit": ["audit", str(source), "-f", "json", "-o", str(root / "audit" / "report.json"), "-w", "1",
                  "--index", str(root / "audit" / "index.parquet"), "--full-paths"],  # the paths' words: the opt-in
        "deid": ["deid", str(source), str(root / "deid"), "--key", str(root / "key"), "--workers", "1"],
        "publish": ["publish", str(source), str(root / "release"), "--key", str(root / "key"),
                    "--config", str(ROOT / "examples" / "release.yaml"), "-w", "1", "--release-date", "2026-11-30"],
        "validate": ["validate", str(root / "release"), "--key", str(root / "key")],
    }
    results = {name: runner.invoke(app, args) for name, args in commands.items()}
    return {"root": root, "source": source, "before": before, "after": _digests(source), "results": results}


def test_every_command_keeps_the_contract(runs):
    for name, result in runs["results"].items():
        assert result.exit_code == 0, (name, result.output)
        assert result.exception is None or isinstance(result.exception, SystemExit), (name, result.exception)
        assert "Traceback" not in result.output


def test_the_source_is_untouched(runs):
    assert runs["after"] == runs["before"]


def test_every_item_is_accounted_for_with_the_real_reason(runs):
    report = json.loads((runs["root"] / "deid" / "deid-report.json").read_text())
    counts = report["counts"]
    assert counts["items"] == counts["written"] + counts["quarantined"] + counts["rejected"]
    audit = json.loads((runs["root"] / "audit" / "report.json").read_text())
    reasons = {row["path"]: row["reason"] for row in audit["rejected"]}
    assert len(reasons) == counts["rejected"]
    assert reasons["long_uid_~.dcm"] == "not a DICOM instance (SOP Instance UID not a valid UID (70 characters; DICOM allows 64))"
    assert reasons["bogus_syntax.dcm"] == "unsupported transfer syntax (not a DICOM transfer syntax UID)"
    assert reasons["lying_jpeg_syntax.dcm"] == "malformed pixel data (not encapsulated, as its transfer syntax requires)"
    assert not any("no SOP Class or SOP Instance UID" in reason for reason in reasons.values())
    for written in ("ok_1.dcm", "ok_bigendian.dcm", "ok_deflated.dcm", "odd_values.dcm", "bad_charset.dcm"):
        assert written not in reasons


def test_no_control_character_of_a_file_name_reaches_a_report_or_the_console(runs):
    """Found by the red team: a newline in a file name forged a line of the text report, and
    bell/backspace characters reached the terminal; names now show them as \\xNN."""
    import re

    control = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
    for name, result in runs["results"].items():
        assert not control.search(result.output), (name, repr(result.output[:300]))
    report = (runs["root"] / "audit" / "report.json").read_text(encoding="utf-8")
    paths = [row["path"] for row in json.loads(report)["rejected"]]
    assert [p for p in paths if p.startswith("ctl_")] and not [p for p in paths if control.search(p) or "\n" in p]
    assert any("\\x0a  0 rejected" in p for p in paths) and any("member\\x0a" in p for p in paths), paths


def test_no_identifier_of_a_broken_file_in_any_output(runs):
    plants = [adversarial.Plant(hostile.HOSTILE_NAME, "name"), adversarial.Plant(hostile.HOSTILE_MRN, "mrn")]
    console = {name: result.output for name, result in runs["results"].items()}
    root = runs["root"]
    hits = adversarial.search([root / "audit", root / "deid", root / "release"], plants, console)
    assert hits == [], hits[:10]


def test_names_glued_in_file_and_folder_names_are_scrubbed():
    """Found by the red team: a folder named after the patient reached the audit report as a
    site label, because the header held the name spelled another way ("Brz?czyszczykiewicz",
    the 'ę' lost with the character set) and path words were matched whole only."""
    salt = b"s" * 16
    tokens = set(token_hashes(frozenset({"SMITH^JOHN", "Brz?czyszczykiewicz"}), salt))
    assert scrub_path("SmithJohn/CT/1.dcm", tokens, salt) == "~/CT/1.dcm"
    assert scrub_path("SMITHJ_CT/JohnSmith1970.dcm", tokens, salt) == "~_CT/~.dcm"
    assert scrub_path("Brzęczyszczykiewicz/a.dcm", tokens, salt) == "~/a.dcm"
    assert scrub_path("site_a/CT_CHEST/IM000123.dcm", tokens, salt) == "site_a/CT_CHEST/IM000123.dcm"


def test_a_rejected_file_gets_a_scrubbed_site_label(tmp_path):
    """The site of a rejected item was its raw top folder, even when other headers named it."""
    import pyarrow.parquet as pq

    from curator.index.scan import scan_source

    source = tmp_path / "src"
    (source / "other").mkdir(parents=True)
    (source / "other" / "ok.dcm").write_bytes(hostile.one_ct())  # its header names the patient
    (source / f"{hostile.HOSTILE_NAME}_Grzegorz").mkdir()
    (source / f"{hostile.HOSTILE_NAME}_Grzegorz" / "empty.dcm").write_bytes(b"")
    scan_source(source, tmp_path / "index.parquet", workers=1)
    table = pq.read_table(tmp_path / "index.parquet").to_pylist()
    texts = " ".join(f"{row['path']} {row['site']}" for row in table)
    assert "Grzegorz" not in texts and "czyszczykiewicz" not in texts, texts


@pytest.fixture
def read_only(tmp_path: Path):
    """A folder nothing can be written in: mode 0555 for a user, a read-only tmpfs for root
    (skipped where mounting is not permitted)."""
    import shutil
    import subprocess

    folder = tmp_path / "ro"
    folder.mkdir()
    if os.geteuid() != 0:
        folder.chmod(0o555)
        yield folder
        folder.chmod(0o755)
        return
    if shutil.which("mount") is None:
        pytest.skip("a read-only folder for root needs mount(8)")
    made = subprocess.run(["mount", "-t", "tmpfs", "-o", "ro,size=1m", "tmpfs", str(folder)], capture_output=True, text=True)
    if made.returncode != 0:
        pytest.skip(f"mounting a read-only tmpfs is not permitted here: {made.stderr.strip()}")
    yield folder
    subprocess.run(["umount", "-l", str(folder)], capture_output=True)


@pytest.mark.parametrize("command", ["scan", "audit", "deid", "quarantine", "publish", "normalize", "review", "keygen"])
def test_an_unwritable_output_is_a_usage_error(command, read_only, tmp_path, capsys):
    """Found by the red team: deid, publish, scan and normalize ended with "internal error
    (OSError)", exit 3, when their output was on a read-only file system."""
    source = tmp_path / "source"
    source.mkdir()
    (source / "ok.dcm").write_bytes(hostile.one_ct())
    key = tmp_path / "key"
    assert runner.invoke(app, ["keygen", str(key)]).exit_code == 0
    csv = tmp_path / "exams.csv"
    csv.write_text("description\nCT CHEST\n")
    index = ["--index", str(tmp_path / "index.parquet"), "-w", "1"]
    args = {
        "scan": ["scan", str(source), "--index", str(read_only / "index.parquet"), "-w", "1"],
        "audit": ["audit", str(source), "-f", "json", "-o", str(read_only / "report.json"), "--no-pixel-screen", *index],
        "deid": ["deid", str(source), str(read_only / "out"), "--key", str(key), "--workers", "1"],
        "quarantine": ["deid", str(source), str(tmp_path / "out"), "--key", str(key), "--workers", "1",
                       "--quarantine", str(read_only / "q")],
        "publish": ["publish", str(source), str(read_only / "release"), "--key", str(key),
                    "--config", str(ROOT / "examples" / "release.yaml"), "-w", "1"],
        "normalize": ["normalize", str(csv), "-o", str(read_only / "out.csv")],
        "review": ["mappings", "review", str(source), "--out", str(read_only / "review.csv"), *index],
        "keygen": ["keygen", str(read_only / "key")],
    }[command]
    from curator.cli import run

    capsys.readouterr()
    code = run(args)
    err = capsys.readouterr().err
    assert code == 2, (command, err)
    assert err.startswith("error: cannot write") or err.startswith("error: key file cannot be written"), err


@pytest.mark.parametrize("command", ["scan", "audit", "deid", "publish"])
def test_a_worker_count_no_machine_runs_is_refused_before_any_work(command, tmp_path, capsys):
    """Found by the red team: --workers 100000 was accepted and forked until the machine
    stalled (load average 1,100 on 2 cores); now refused at once, nothing written."""
    from curator.cli import run
    from curator.common.executors import max_local_workers

    source = tmp_path / "source"
    source.mkdir()
    (source / "ok.dcm").write_bytes(hostile.one_ct())
    key = tmp_path / "key"
    assert runner.invoke(app, ["keygen", str(key)]).exit_code == 0
    many = str(max_local_workers() + 1)
    out = tmp_path / "out"
    args = {
        "scan": ["scan", str(source), "--index", str(out / "index.parquet"), "-w", many],
        "audit": ["audit", str(source), "--index", str(out / "index.parquet"), "-w", many],
        "deid": ["deid", str(source), str(out), "--key", str(key), "--workers", many],
        "publish": ["publish", str(source), str(out), "--key", str(key), "--config", str(ROOT / "examples" / "release.yaml"),
                    "-w", many],
    }[command]
    capsys.readouterr()
    assert run(args) == 2
    assert capsys.readouterr().err.startswith(f"error: --workers {many}: at most")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["key", "source"]


def test_a_misfiled_file_does_not_keep_the_folder_name_of_another_patient(tmp_path):
    """Found by the red team: patient B's file in the folder "Kowalczyk_Jan" (patient A) kept
    the folder name in its index row: paths were scrubbed with the tokens of their own header."""
    import pyarrow.parquet as pq

    from curator.index.scan import scan_source

    folder = tmp_path / "src" / "site_a" / "Kowalczyk_Jan"
    folder.mkdir(parents=True)
    a = hostile._ct(1)
    a.PatientName, a.PatientID = "Kowalczyk^Jan", "77001"
    b = hostile._ct(2)
    b.PatientName, b.PatientID = "Doe^Jane", "88002"
    b.StudyInstanceUID, b.SeriesInstanceUID = hostile.ROOT_UID + "2", hostile.ROOT_UID + "2.1"
    (folder / "a.dcm").write_bytes(hostile._bytes(a))
    (folder / "b_misfiled.dcm").write_bytes(hostile._bytes(b))
    scan_source(tmp_path / "src", tmp_path / "index.parquet", workers=1, full_paths=True)  # words shown (opt-in)
    table = pq.read_table(tmp_path / "index.parquet")
    assert sorted(table.column("path").to_pylist()) == ["site_a/~_~/a.dcm", "site_a/~_~/b_misfiled.dcm"]
    assert table.schema.metadata[b"curator_site_rule"] == b"folder"


def test_a_decompression_bomb_in_the_pixels_is_not_decoded(tmp_path, monkeypatch):
    """Found by the red team: a 16 MB RLE file decoding to 1 GiB took 1.4 GB of memory in
    the audit's pixel screen (a 270 MB one would take 16 GB per worker).  The limit is
    lowered here so that the test decodes nothing big."""
    from curator.deid import pixels
    from curator.deid.pixel_screen import screen_source

    source = tmp_path / "source"
    source.mkdir()
    (source / "bomb.dcm").write_bytes(hostile.rle_bomb(256, 256, 16))  # 1 MiB decoded
    monkeypatch.setattr(pixels, "MAX_DECODED_BYTES", 32 * 1024)  # under one frame (64 KiB)
    assert screen_source(source, workers=1)["not_decoded"] == 1
    monkeypatch.setattr(pixels, "MAX_DECODED_BYTES", 512 * 1024)  # under the image, over a frame: frame by frame
    assert screen_source(source, workers=1)["screened"] == 1
    monkeypatch.setattr(pixels, "MAX_DECODED_BYTES", 1 << 30)
    assert screen_source(source, workers=1)["screened"] == 1
