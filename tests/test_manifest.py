"""MANIFEST: SHA-256 of every release file, written and verified."""
from __future__ import annotations

import hashlib
import shutil
import subprocess

import pytest

from curator.errors import CuratorError
from curator.release.manifest import read_manifest, verify_manifest, write_manifest


@pytest.fixture
def release(tmp_path):
    root = tmp_path / "release"
    (root / "dicom" / "a").mkdir(parents=True)
    (root / "dicom" / "a" / "1.dcm").write_bytes(b"DICM" + bytes(range(256)) * 10)
    (root / "fhir").mkdir()
    (root / "fhir" / "Patient.ndjson").write_text('{"resourceType":"Patient","id":"x"}\n')
    (root / "catalog.ttl").write_text("@prefix dcat: <http://www.w3.org/ns/dcat#> .\n")
    (root / "série.csv").write_text("Modality\nCT\n", encoding="utf-8")
    return root


def test_manifest_lists_every_file_with_its_sha256(release):
    path = write_manifest(release)
    entries = read_manifest(path)
    assert list(entries) == sorted(entries, key=lambda r: r.encode())
    assert set(entries) == {"catalog.ttl", "dicom/a/1.dcm", "fhir/Patient.ndjson", "série.csv"}
    for rel, digest in entries.items():
        assert digest == hashlib.sha256((release / rel).read_bytes()).hexdigest()
    assert verify_manifest(release).ok
    # writing twice gives the same bytes
    first = path.read_bytes()
    assert write_manifest(release).read_bytes() == first


@pytest.mark.skipif(shutil.which("sha256sum") is None, reason="coreutils sha256sum not installed")
def test_manifest_is_sha256sum_compatible(release):
    write_manifest(release)
    done = subprocess.run(["sha256sum", "--check", "--strict", "MANIFEST"], cwd=release, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_verify_reports_changed_missing_and_unlisted_files(release):
    write_manifest(release)
    (release / "catalog.ttl").write_text("tampered\n")
    (release / "fhir" / "Patient.ndjson").unlink()
    (release / "extra.txt").write_text("new\n")
    check = verify_manifest(release)
    assert not check.ok
    assert check.changed == ["catalog.ttl"]
    assert check.missing == ["fhir/Patient.ndjson"]
    assert check.unlisted == ["extra.txt"]
    assert "checksum differs: catalog.ttl" in check.problems()


def test_bad_manifests_give_clear_errors(release, tmp_path):
    with pytest.raises(CuratorError, match="MANIFEST not found"):
        verify_manifest(release)
    (release / "MANIFEST").write_text("not a line\n")
    with pytest.raises(CuratorError, match="line 1"):
        verify_manifest(release)
    (release / "MANIFEST").write_text(f"{'0' * 64}  ../outside\n")
    with pytest.raises(CuratorError, match="outside the release"):
        verify_manifest(release)
    with pytest.raises(CuratorError, match="not found"):
        write_manifest(tmp_path / "absent")
