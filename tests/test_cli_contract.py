"""The command-line contract under hostile input (issue 15) and the fail-closed leak check
(issue 13, item 5): exit codes decided in one place, `error: …` for every usage error,
options refused before any work, no file replaced that is not curator's, no formula in a
CSV, no NaN in JSON, and `validate --key` failing on a leak, an unreadable file or a wrong key.

Commands run in-process through ``curator.cli.run`` (the console script's own function).
"""
from __future__ import annotations

import json
import os
import shutil
import struct
from pathlib import Path

import pydicom
import pytest
from pydicom.filebase import DicomBytesIO

from curator.cli import run
from curator.deid.pseudonyms import read_key, write_key
from curator.release.publish import PublishOptions, publish
from tests.conftest import PLANTED, assert_no_planted, planted_dataset, write_planted

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "examples" / "release.yaml"
DATE = "2026-11-23"
FORMULAS = {"Manufacturer": "=HYPERLINK(\"http://x\",\"y\")", "ManufacturerModelName": "@SUM(1+1)",
            "SoftwareVersions": "-2+3", "SeriesDescription": "+cmd chest"}


def cli(capsys, *args: str) -> tuple[int, str, str]:
    """Run ``curator ARGS`` in-process: (exit status, stdout, stderr)."""
    capsys.readouterr()
    code = run([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def _formula_dataset(index: int) -> pydicom.Dataset:
    ds = planted_dataset(index)
    ds.SeriesInstanceUID = "1.2.826.0.1.3680043.8.498.6666.2"
    ds.SOPInstanceUID = f"1.2.826.0.1.3680043.8.498.5556.{index + 1}"
    ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    for keyword, value in FORMULAS.items():
        setattr(ds, keyword, value)
    return ds


@pytest.fixture(scope="module")
def other_key(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("key2") / "other.key"
    write_key(path)
    return path


@pytest.fixture(scope="module")
def source(tmp_path_factory) -> Path:
    """Planted instances, plus a series whose device strings are spreadsheet formulas."""
    folder = tmp_path_factory.mktemp("src") / "archive"
    write_planted(folder, 3)
    target = folder / "site-b" / "formulas"
    target.mkdir(parents=True)
    for index in range(2):
        _formula_dataset(index).save_as(target / f"f{index}.dcm", enforce_file_format=True)
    return folder


@pytest.fixture(scope="module")
def release(source: Path, key_file: Path, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("out") / "release"
    publish(source, out, read_key(key_file), CONFIG, PublishOptions(release_date=DATE, workers=1))
    return out


@pytest.fixture
def release_copy(release: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "copy"
    shutil.copytree(release, copy)
    return copy


# ---------------------------------------------------------------- exit codes, every command

def _validate_changed(release_copy: Path) -> list[str]:
    with (release_copy / "metadata" / "series.csv").open("a", encoding="utf-8") as fh:
        fh.write("tampered\n")
    return ["validate", str(release_copy)]


def _descriptions(folder: Path) -> Path:
    path = folder / "descriptions.csv"
    path.write_text("description,modality\nTC TORAX,CT\n=cmd|' /C calc'!A0,CT\n", encoding="utf-8")
    return path


MATRIX = {
    # command: (ok, usage error, checks failed or None)
    "scan": (lambda s, r, k, t: ["scan", s, "--workers", "1", "--index", t / "i.parquet"],
             lambda s, r, k, t: ["scan", s, "--workers", "0"], None),
    "audit": (lambda s, r, k, t: ["audit", s, "--workers", "1", "-o", t / "a.txt"],
              lambda s, r, k, t: ["audit", s, "--batch-threshold", "-1"],
              lambda s, r, k, t: ["audit", s, "--workers", "1", "-o", t / "a.txt", "--fail-on", "warning"]),
    "deid": (lambda s, r, k, t: ["deid", s, t / "deid", "--key", k, "--workers", "1"],
             lambda s, r, k, t: ["deid", s, t / "deid"], None),
    "keygen": (lambda s, r, k, t: ["keygen", t / "new.key"], lambda s, r, k, t: ["keygen", k], None),
    "publish": (lambda s, r, k, t: ["publish", s, r, "--key", k, "--config", CONFIG, "--release-date", DATE, "--workers", "1", "--force"],
                lambda s, r, k, t: ["publish", s, t / "rel", "--key", k], None),
    "validate": (lambda s, r, k, t: ["validate", r, "--key", k],
                 lambda s, r, k, t: ["validate", t / "nowhere"],
                 lambda s, r, k, t: _validate_changed(r)),
    "normalize": (lambda s, r, k, t: ["normalize", _descriptions(t), "-o", t / "codes.csv"],
                  lambda s, r, k, t: ["normalize", _descriptions(t), "-o", t], None),
    "mappings review": (lambda s, r, k, t: ["mappings", "review", s, "-o", t / "review.csv", "--workers", "1"],
                        lambda s, r, k, t: ["mappings", "review", s, "-o", t], None),
}
CASES = [(command, case) for command, makers in MATRIX.items() for case, maker in zip(("ok", "usage", "failed"), makers) if maker]
EXPECTED = {"ok": 0, "usage": 2, "failed": 1}


@pytest.mark.parametrize(("command", "case"), CASES, ids=[f"{c}-{k}" for c, k in CASES])
def test_every_command_exit_status(capsys, command, case, source, release_copy, key_file, tmp_path):
    """0 ok, 1 checks failed (findings at or above --fail-on), 2 usage error: for every command."""
    from curator.cli import COMMAND_MODULES

    assert {c.split()[0] for c in MATRIX} == set(COMMAND_MODULES)  # a new command needs its row here
    args = MATRIX[command][("ok", "usage", "failed").index(case)](source, release_copy, key_file, tmp_path)
    code, out, err = cli(capsys, *args)
    assert code == EXPECTED[case], (out, err)
    if case == "usage":
        assert err.startswith("error: ") and "internal error" not in err
    if case == "failed" and command == "validate":
        assert "metadata/series.csv" in out  # the failing file is named
    if case == "ok" and command == "normalize":
        assert _formula_cells(tmp_path / "codes.csv") == []


def test_internal_error_is_exit_3_with_a_hint(capsys, monkeypatch, source):
    import curator.index.scan

    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(curator.index.scan, "scan_source", broken)
    code, _, err = cli(capsys, "scan", source)
    assert code == 3 and "internal error (RuntimeError)" in err and "CURATOR_DEBUG=1" in err


@pytest.mark.parametrize("args", [
    ["publish", "{s}", "{t}/r", "--config", "{c}"],  # missing --key
    ["publish", "{s}", "{t}/r", "--key", "{k}"],  # missing --config
    ["deid", "{s}", "{t}/d", "--key", "{k}", "--k", "0"],
    ["deid", "{s}", "{t}/d", "--key", "{k}", "--workers", "0"],
    ["audit", "{s}", "--batch-threshold", "-1"],
    ["audit", "{s}", "--overrides", "{t}/missing.yaml"],
    ["audit", "{s}", "--overrides", "{t}/binary.yaml"],
    ["audit", "{s}", "-o", "{t}"],
    ["audit", "{s}", "--weight", "completeness=nan"],
    ["audit", "{s}", "--weight", "conformance=inf"],
    ["scan", "{s}", "--index", "{t}/notes.txt"],
    ["audit", "{s}", "--provenance", "{t}/Zyxwvuta_PID83172946/prov.yaml"],
    ["nosuchcommand"],
], ids=["no-key", "no-config", "k-0", "workers-0", "batch-threshold-neg", "overrides-missing", "overrides-binary",
        "out-folder", "weight-nan", "weight-inf", "index-not-an-index", "path-naming-a-patient", "unknown-command"])
def test_usage_errors_say_error_and_exit_2(capsys, args, source, key_file, tmp_path):
    (tmp_path / "binary.yaml").write_bytes(bytes(range(256)) * 4)
    (tmp_path / "notes.txt").write_text("my notes\n")
    values = {"s": source, "t": tmp_path, "k": key_file, "c": CONFIG}
    code, out, err = cli(capsys, *[a.format(**values) for a in args])
    assert code == 2, err
    assert err.startswith("error: ") and "internal error" not in err and "Traceback" not in err
    assert_no_planted(err, "a usage error")  # paths are quoted by their last part only
    assert (tmp_path / "notes.txt").read_text() == "my notes\n"  # --index never overwrote it


def test_curator_index_is_reused_through_index(capsys, source, tmp_path):
    index = tmp_path / "idx.parquet"
    assert cli(capsys, "scan", source, "--workers", "1", "--index", index)[0] == 0
    code, out, _ = cli(capsys, "scan", source, "--workers", "1", "--index", index)
    assert code == 0 and "(5 unchanged since the last scan)" in out


# ---------------------------------------------------------------- hostile files

def _header_bytes(ds: pydicom.Dataset) -> bytes:
    buf = DicomBytesIO()
    pydicom.dcmwrite(buf, ds, enforce_file_format=True)
    return buf.getvalue()


def _deep_bytes(depth: int) -> bytes:
    """A planted instance whose Content Sequence nests ``depth`` levels (undefined lengths)."""
    ds = planted_dataset(7)
    del ds.PixelData
    open_ = (struct.pack("<HH2sHI", 0x0040, 0xA730, b"SQ", 0, 0xFFFFFFFF) + struct.pack("<HHI", 0xFFFE, 0xE000, 0xFFFFFFFF)) * depth
    close = (struct.pack("<HHI", 0xFFFE, 0xE00D, 0) + struct.pack("<HHI", 0xFFFE, 0xE0DD, 0)) * depth
    return _header_bytes(ds) + open_ + close


def _truncated_in_sequence() -> bytes:
    data = _header_bytes(planted_dataset(8))
    cut = data.index(struct.pack("<HH", 0x0040, 0x0275))  # Request Attributes Sequence
    return data[:cut + 40]


@pytest.mark.parametrize("kind", ["deep", "truncated"])
def test_scan_deid_and_publish_agree_on_a_readable_instance(capsys, kind, key_file, tmp_path):
    source = tmp_path / "src"
    write_planted(source, 1)
    (source / "site-a" / "bad.dcm").write_bytes(_deep_bytes(5000) if kind == "deep" else _truncated_in_sequence())
    code, out, err = cli(capsys, "scan", source, "--workers", "1", "--index", tmp_path / "i.parquet")
    assert code == 0 and "1 indexed" in out and "1 rejected" in out, out
    assert ("nested deeper" if kind == "deep" else "truncated") in out
    code, out, err = cli(capsys, "deid", source, tmp_path / "deid", "--key", key_file, "--workers", "1")
    assert code == 0 and "1 written" in out and "1 rejected" in out, (out, err)
    code, out, err = cli(capsys, "publish", source, tmp_path / "rel", "--key", key_file, "--config", CONFIG,
                         "--release-date", DATE, "--workers", "1")
    assert code == 0, err
    assert "1 instances" in out and "rejected 1" in out


def test_file_names_that_are_not_utf8(capsys, key_file, tmp_path):
    source = tmp_path / "src"
    write_planted(source, 2)
    odd = os.fsencode(source / "site-a") + b"/" + PLANTED["name_family"].encode() + b"\xe9\xff.dcm"
    planted_dataset(5).save_as(os.fsdecode(odd), enforce_file_format=True)
    (Path(os.fsdecode(os.fsencode(source) + b"/site-\xff"))).mkdir()
    planted_dataset(6).save_as(os.fsdecode(os.fsencode(source) + b"/site-\xff/x.dcm"), enforce_file_format=True)
    outputs = []
    code, out, err = cli(capsys, "scan", source, "--workers", "1")
    assert code == 0 and "4 indexed" in out, err
    outputs.append(out + err)
    code, out, err = cli(capsys, "audit", source, "--workers", "1", "-f", "json")
    assert code == 0, err
    outputs.append(out + err)
    code, out, err = cli(capsys, "publish", source, tmp_path / "rel", "--key", key_file, "--config", CONFIG,
                         "--release-date", DATE, "--workers", "1")
    assert code == 0 and "4 instances" in out, err
    outputs.append(out + err)
    for text in outputs:
        assert_no_planted(text, "command output")  # the odd name held the patient's name: scrubbed
        text.encode("utf-8")  # no lone surrogate reached the output
    for path in (tmp_path / "rel").rglob("*"):
        if path.is_file():
            assert_no_planted(path.read_bytes(), path.name)  # nor any file of the release (reports, tables)


# ---------------------------------------------------------------- publish refuses up front

def test_force_refuses_a_folder_that_is_not_a_release(capsys, source, key_file, tmp_path):
    mine = tmp_path / "my-folder"
    mine.mkdir()
    (mine / "thesis.docx").write_text("years of work")
    code, _, err = cli(capsys, "publish", source, mine, "--key", key_file, "--config", CONFIG, "--force")
    assert code == 2 and "not a curator release" in err
    assert (mine / "thesis.docx").read_text() == "years of work"


def test_force_refuses_a_release_holding_files_it_does_not_list(capsys, source, key_file, release_copy):
    (release_copy / "my-notes.txt").write_text("keep me")
    code, _, err = cli(capsys, "publish", source, release_copy, "--key", key_file, "--config", CONFIG, "--force")
    assert code == 2 and "not a curator release" in err
    assert (release_copy / "my-notes.txt").read_text() == "keep me"


def test_out_a_regular_file_is_refused_before_any_work(capsys, source, key_file, tmp_path):
    target = tmp_path / "release.txt"
    target.write_text("not a folder")
    code, _, err = cli(capsys, "publish", source, target, "--key", key_file, "--config", CONFIG, "--force")
    assert code == 2 and "is a file" in err
    assert target.read_text() == "not a folder"
    assert not list(tmp_path.glob(".*partial")) and not list(Path(os.environ["CURATOR_CACHE"]).iterdir())


@pytest.mark.parametrize("kind", ["empty", "all-rejected", "all-quarantined"])
def test_publish_with_nothing_to_publish_is_a_clear_error(capsys, kind, key_file, tmp_path):
    source = tmp_path / "src"
    source.mkdir()
    if kind == "all-rejected":
        (source / "notes.txt").write_text("not DICOM")
        (source / "deep.dcm").write_bytes(_deep_bytes(200))
    if kind == "all-quarantined":  # readable, but every instance is at risk of burned-in text
        ds = planted_dataset(0)
        ds.BurnedInAnnotation = "YES"
        ds.save_as(source / "burned.dcm", enforce_file_format=True)
    code, _, err = cli(capsys, "publish", source, tmp_path / "rel", "--key", key_file, "--config", CONFIG, "--workers", "1")
    assert code == 2 and err.startswith("error: nothing to publish"), err
    assert not (tmp_path / "rel").exists() and not list(tmp_path.glob(".*partial"))


@pytest.mark.parametrize("option", [
    ["--release-date", "2026-13-45"], ["--release-date", "23/11/2026"], ["--release-id", "2026-11-23"],
    ["--release-id", "-bad slug-"], ["--dicomweb-url", "ftp://example.org/dicom-web"], ["--config", "{bad}"],
], ids=["date-month-13", "date-format", "id-date", "id-not-slug", "url-not-http", "release-yaml-invalid"])
def test_bad_options_are_refused_before_any_work(capsys, option, source, key_file, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("title: [unclosed\n")
    option = [o.format(bad=bad) for o in option]
    config = [] if "--config" in option else ["--config", CONFIG]
    code, _, err = cli(capsys, "publish", source, tmp_path / "rel", "--key", key_file, *config, *option)
    assert code == 2 and err.startswith("error: "), err
    assert not list(tmp_path.glob(".*partial")) and not (tmp_path / "rel").exists()
    assert not list(Path(os.environ["CURATOR_CACHE"]).iterdir())  # nothing was scanned


# ---------------------------------------------------------------- outputs

def test_weights_must_be_finite_and_json_never_holds_nan():
    from curator.analyses.audit import to_json

    text = to_json({"quality": {"total": float("nan"), "weights": [float("inf"), 1.0]}})
    document = json.loads(text, parse_constant=lambda name: pytest.fail(f"{name} in JSON"))
    assert document == {"quality": {"total": None, "weights": [None, 1.0]}}


def test_key_file_readable_by_others_warns_like_ssh(capsys, tmp_path):
    key = tmp_path / "open.key"
    write_key(key)
    secret = key.read_text()
    os.chmod(key, 0o644)
    read_key(key)
    err = capsys.readouterr().err
    assert "warning: key file open.key" in err and "0644" in err and "chmod 600" in err
    assert not any(len(word) >= 32 and word in secret for word in err.split())  # never the key
    os.chmod(key, 0o600)
    read_key(key)
    assert capsys.readouterr().err == ""


def _formula_cells(path: Path) -> list[str]:
    import csv

    with path.open(encoding="utf-8", newline="") as fh:
        return [cell for row in csv.reader(fh) for cell in row if cell[:1] in ("=", "+", "-", "@", "\t", "\r")]


def test_no_csv_cell_is_a_spreadsheet_formula(capsys, release, source, tmp_path):
    assert _formula_cells(release / "metadata" / "series.csv") == []
    assert _formula_cells(release / "metadata" / "batches.csv") == []
    series = (release / "metadata" / "series.csv").read_text(encoding="utf-8")
    assert "'=HYPERLINK" in series and "'@SUM(1+1)" in series and "'-2+3" in series  # kept, as text
    code, _, err = cli(capsys, "audit", source, "--workers", "1", "-o", tmp_path / "a.txt", "--batches", tmp_path / "b.csv")
    assert code == 0, err
    assert _formula_cells(tmp_path / "b.csv") == [] and "'=HYPERLINK" in (tmp_path / "b.csv").read_text()
    code, _, err = cli(capsys, "mappings", "review", source, "-o", tmp_path / "review.csv", "--workers", "1")
    assert code == 0, err
    assert _formula_cells(tmp_path / "review.csv") == [] and "'+cmd chest" in (tmp_path / "review.csv").read_text()


def test_spreadsheet_safe_cells():
    from curator.common.csvcell import spreadsheet_safe

    for value in ("=1+2", "+1", "-1", "@A1", "\tx", "\rx"):
        assert spreadsheet_safe(value) == "'" + value
    assert spreadsheet_safe("CT chest") == "CT chest" and spreadsheet_safe(-1) == -1 and spreadsheet_safe(None) is None


# ---------------------------------------------------------------- validate --key fails closed

def _validate(capsys, release: Path, key: Path) -> tuple[int, str]:
    code, out, err = cli(capsys, "validate", release, "--key", key)
    return code, out + err


def test_validate_key_passes_a_clean_release(capsys, release, key_file):
    code, out = _validate(capsys, release, key_file)
    assert code == 0 and "identifiers: ok" in out


def test_validate_key_fails_on_a_planted_leak(capsys, release_copy, key_file):
    (release_copy / "metadata" / "notes.json").write_text(json.dumps({"note": f"seen by Dr {PLANTED['name_family']}"}))
    code, out = _validate(capsys, release_copy, key_file)
    assert code == 1 and "identifiers: failed: 1 files hold a source identifier (metadata/notes.json)" in out


def test_validate_key_finds_folded_identifiers_inside_longer_words(capsys, release_copy, key_file):
    family = PLANTED["name_family"]  # "Zyxwvuta", written with an accent and glued to other letters
    (release_copy / "metadata" / "notes.txt").write_text(f"ref{family[:-1].upper()}Á-x x{PLANTED['patient_id']}q\n", encoding="utf-8")
    code, out = _validate(capsys, release_copy, key_file)
    assert code == 1 and "metadata/notes.txt" in out.split("identifiers:")[1]


def test_validate_key_finds_the_digits_of_an_identifier_without_its_letters(capsys, release_copy, key_file):
    """A report that kept "case=83172946" of PatientID "PID83172946" (session 19: an analysis left
    the digits of a planted record number in a release's audit report and PROV-O, and validate
    passed it): the digit run of an identifier that mixes letters and digits is searched too."""
    digits = "".join(c for c in PLANTED["patient_id"] if c.isdigit())
    (release_copy / "metadata" / "params.json").write_text(json.dumps({"parameters": f"case={digits};threshold=-400"}))
    code, out = _validate(capsys, release_copy, key_file)
    assert code == 1 and "metadata/params.json" in out.split("identifiers:")[1]


def test_validate_key_fails_on_an_unreadable_file(capsys, release_copy, key_file):
    victim = sorted((release_copy / "dicom").rglob("*.dcm"))[0]
    data = victim.read_bytes()
    victim.write_bytes(data[:132] + b"\x08\x00\x16\x00UI\xff\xff" + b"\x01" * 40)  # DICM, then garbage
    (release_copy / "metadata" / "blob.bin").write_bytes(bytes(range(128, 256)))
    code, out = _validate(capsys, release_copy, key_file)
    identifiers = out.split("identifiers:")[1]
    assert code == 1 and "2 files cannot be read or decoded" in identifiers and "metadata/blob.bin" in identifiers


def test_validate_key_fails_on_an_undecodable_or_un_element(capsys, release_copy, key_file):
    victim = sorted((release_copy / "dicom").rglob("*.dcm"))[0]
    ds = pydicom.dcmread(victim)
    ds.SpecificCharacterSet = "ISO_IR 192"
    ds.ImageComments = "QQQQQQQQ"
    ds.add_new(0x00091010, "UN", b"x" + PLANTED["name_given"].encode() + b"\x00\x01")
    ds.save_as(victim)
    victim.write_bytes(victim.read_bytes().replace(b"QQQQQQQQ", b"\xff\xfe\xfd\xfcQQQQ"))
    code, out = _validate(capsys, release_copy, key_file)
    assert code == 1 and "cannot be read or decoded" in out.split("identifiers:")[1]
    ds.ImageComments = "fine"
    ds.save_as(victim)  # now decodable, but the UN value holds the patient's given name
    code, out = _validate(capsys, release_copy, key_file)
    assert code == 1 and "hold a source identifier" in out.split("identifiers:")[1]


def test_validate_key_refuses_a_key_that_is_not_the_releases(capsys, release, other_key):
    code, out = _validate(capsys, release, other_key)
    assert code == 1 and "not the release's key" in out


@pytest.mark.parametrize("text", ["seen by LUKASZ today", "ref:xxLukaszyy", "Łukasz"])
def test_leak_check_matches_folded_tokens_whole_and_inside_words(tmp_path, text):
    from curator.deid.leakcheck import SUBSTRING_MIN, check_release, digest
    from curator.deid.scrub import fold

    key = b"k" * 32
    token = fold("Łukasz")  # the project's one fold: ł → l
    assert token == "lukasz" and len(token) >= SUBSTRING_MIN
    (tmp_path / "notes.txt").write_text(text, encoding="utf-8")
    (tmp_path / "clean.txt").write_text("chest CT 2.25.1234567890123456789 lukas", encoding="utf-8")
    found = check_release(tmp_path, key, [digest(key, token)], [len(token)])
    assert found.leaks == ["notes.txt"] and found.unreadable == []
