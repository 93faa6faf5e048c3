"""Hostile inputs, round 5: odd but legal DICOM (tests/hostile5.py), standard streams that
cannot be written, and releases edited by hand.  One test per failure class found on the
start of the round; each fails with its fix reverted."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import hostile  # noqa: E402  (helper modules beside the tests, not a package)

ROOT = Path(__file__).resolve().parent.parent
CODE = "import sys; from curator.cli import main; sys.argv[0] = 'curator'; main(sys.argv[1:])"


def _curator(args: list[str], **kwargs) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-c", CODE, *args], text=True, env=env, timeout=300, **kwargs)


@pytest.fixture(scope="module")
def one_file(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("hostile5-one")
    (root / "source").mkdir()
    (root / "source" / "a.dcm").write_bytes(hostile.one_ct())
    return root


def _audit(root: Path, name: str) -> list[str]:
    return ["audit", str(root / "source"), "-f", "json", "--no-pixel-screen", "-w", "1",
            "--index", str(root / f"{name}.parquet")]


def test_standard_output_that_cannot_be_written_is_an_error(one_file):
    """Found: `curator audit X > /dev/full` ended 'internal error (OSError)', exit 3; with
    standard output closed the report went nowhere and the exit status was 0; a pipe whose
    reader had gone (`| head -1` on a long report) gave exit 1 (checks failed) without a
    word; a usage error with standard error closed exited 1.  Now exit 2, `error: cannot
    write the output (…)` on standard error when it can be written."""
    with open("/dev/full", "w") as full:
        done = _curator(_audit(one_file, "full"), stdout=full, stderr=subprocess.PIPE)
    assert (done.returncode, done.stderr) == (2, "error: cannot write the output (No space left on device)\n")
    done = _curator(_audit(one_file, "closed"), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                    pass_fds=(), preexec_fn=lambda: os.close(1))
    assert (done.returncode, done.stderr) == (2, "error: cannot write the output (Bad file descriptor)\n")
    child = subprocess.Popen([sys.executable, "-c", CODE, *_audit(one_file, "pipe")], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert child.stdout is not None
    child.stdout.close()  # the reader goes before the report is written
    _, err = child.communicate(timeout=300)
    assert (child.returncode, err) == (2, "error: cannot write the output (Broken pipe)\n")
    done = _curator(["scan", str(one_file / "missing"), "-w", "1"], stdout=subprocess.PIPE,
                    stderr=subprocess.DEVNULL, preexec_fn=lambda: os.close(2))
    assert done.returncode == 2


def test_a_corrupt_bzip2_member_is_rejected_as_corrupt_data(tmp_path):
    """Found (left by round 4): a zip member whose bzip2 stream is corrupt was rejected as
    'archive member cannot be read (OSError)'; bz2 raises a bare OSError (no errno)."""
    import zipfile

    import hostile4

    from curator.sources.registry import open_source

    (tmp_path / "a.zip").write_bytes(hostile4._zip_method_corrupt(hostile.one_ct(), zipfile.ZIP_BZIP2))
    (item,) = list(open_source(tmp_path).items())
    assert item.reason == "archive member cannot be read (corrupt compressed data)"


def test_bytes_after_the_dataset_get_a_reason_not_an_exception_name(tmp_path):
    """Found: a file with garbage after its Pixel Data (read by pydicom as an element of an
    unknown VR) was rejected by deid as 'could not be de-identified (NotImplementedError)'.
    Since hostile round 10 (2093709) a public element whose tag no dictionary knows is removed,
    so garbage read as such an element goes and the file is released without it; garbage read
    as an element of a private group, which is not removed by its tag alone, still gets the
    plain reason."""
    import json

    import hostile5

    from curator.deid.run import UNREADABLE_ELEMENT, DeidOptions, deidentify

    private = hostile5._bytes(hostile5._ct(106)) + b"\xe1\x7f\x10\x00ZZ\x08\x00" + hostile.HOSTILE_MRN.encode()
    for name, data in {"garbage": hostile5._trailing_garbage(), "private": private}.items():
        (tmp_path / name / "source").mkdir(parents=True)
        (tmp_path / name / "source" / "a.dcm").write_bytes(data)
        deidentify(tmp_path / name / "source", tmp_path / name / "out", b"k" * 32, DeidOptions(workers=1))
    garbage = json.loads((tmp_path / "garbage" / "out" / "deid-report.json").read_text())
    assert garbage["rejected"] == [] and garbage["quarantined"] == []
    (written,) = (tmp_path / "garbage" / "out").rglob("*.dcm")
    assert b"GARBAGE" not in written.read_bytes() and hostile.HOSTILE_MRN.encode() not in written.read_bytes()
    report = json.loads((tmp_path / "private" / "out" / "deid-report.json").read_text())
    assert [r["reason"] for r in report["rejected"]] == [UNREADABLE_ELEMENT]
    assert "NotImplementedError" not in UNREADABLE_ELEMENT
    assert not list((tmp_path / "private" / "out").rglob("*.dcm"))


@pytest.fixture(scope="module")
def release(tmp_path_factory) -> dict:
    from tests.conftest import write_fixed_key

    root = tmp_path_factory.mktemp("hostile5-release")
    (root / "source" / "site").mkdir(parents=True)
    (root / "source" / "site" / "a.dcm").write_bytes(hostile.one_ct())
    write_fixed_key(root / "key")
    done = _curator(["publish", str(root / "source"), str(root / "release"), "--key", str(root / "key"), "--config",
                     str(ROOT / "examples" / "release.yaml"), "-w", "1", "--release-date", "2026-11-30"],
                    capture_output=True)
    assert done.returncode == 0, done.stderr[-2000:]
    return {"root": root, "release": root / "release", "key": root / "key"}


@pytest.mark.parametrize("name, data, check", [
    ("fhir/Patient.ndjson", b"\xff\xfe\x00garbage\xe9\n", "fhir R4B: failed: Patient.ndjson is not UTF-8 text"),
    ("fhir/ImagingStudy.ndjson", b"\xff" * 64, "fhir R4B: failed: ImagingStudy.ndjson is not UTF-8 text"),
    ("metadata/deid-report.json", b"[" * 100000 + b"]" * 100000, "identifiers: failed: metadata/deid-report.json"),
], ids=["ndjson-not-utf8", "imagingstudy-not-utf8", "report-nested-deep"])
def test_validate_of_a_hand_edited_release_fails_its_checks_not_itself(release, tmp_path, name, data, check):
    """Found: `validate` of a release whose FHIR NDJSON was not UTF-8 ended 'internal error
    (UnicodeDecodeError)', and one whose deid-report.json was nested 100,000 deep 'internal
    error (RecursionError)' (exit 3); now the check fails (exit 1) and says why."""
    import shutil

    edited = tmp_path / "release"
    shutil.copytree(release["release"], edited)
    (edited / name).write_bytes(data)
    done = _curator(["validate", str(edited), "--key", str(release["key"])], capture_output=True)
    assert done.returncode == 1, done.stderr[-2000:]
    assert check in done.stdout and "checksums: failed: 1 changed" in done.stdout, done.stdout


@pytest.mark.parametrize("delta", [-8, 8, -2])
def test_a_file_meta_group_length_that_lies_is_read_by_its_elements(delta):
    """Found: a file whose File Meta Information Group Length was 8 bytes short (old
    archives write such files; pydicom and dcmtk read them) was rejected by every command as
    'truncated (the header ends early)': the fast reader ended the meta where the length
    said.  Now a length that does not match the group's elements sends the file to the
    general reader, which walks the elements."""
    import io

    import hostile5

    from curator.dicom.header import read_header

    data = hostile5._meta_length(107, delta)
    ds = read_header(io.BytesIO(data), len(data))
    assert (str(ds.file_meta.TransferSyntaxUID), ds.InstanceNumber) == ("1.2.840.10008.1.2.1", 107)
