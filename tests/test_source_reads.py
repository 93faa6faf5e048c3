"""How often a run opens each source file (issue 18: publish's extra source pass).

Each command runs in a subprocess whose audit hook (``sys.addaudithook``, inherited by the
worker processes it forks) logs every opening for reading of a file under the source, from
``open`` as from ``os.open``.  ``curator deid`` opens a plain DICOM file three times: once to
list it (its first bytes tell a DICOM file from an archive), once in the header pass (facts,
pixel screen, checksum and, for publish, the leak digests, from one read) and once in the
writing pass (rewrite and checksum, from one read); the writing pass's new listing does not
open an unchanged file again.  ``curator publish`` opens it four times: its scan lists and
reads the header, de-identification reads it twice; the de-identification's listing and
the final check that the source did not change take the scan's listing (no further pass).
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from curator.testing import synthetic as syn

ROOT = Path(__file__).resolve().parent.parent

_HOOK = r"""
import os, sys
SOURCE = os.path.abspath(sys.argv[1]) + os.sep
LOG = os.open(sys.argv[2], os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)

def hook(event, args):
    if event != "open" or not isinstance(args[0], (str, bytes)):
        return
    flags = args[2] if isinstance(args[2], int) else 0
    mode = args[1] if isinstance(args[1], str) else ""
    if flags & os.O_ACCMODE != os.O_RDONLY or any(c in mode for c in "wax+"):
        return
    path = os.path.abspath(os.fsdecode(args[0]))
    if path.startswith(SOURCE):
        os.write(LOG, (path[len(SOURCE):] + "\n").encode("utf-8", "surrogateescape"))

sys.addaudithook(hook)
from curator.cli import run
sys.exit(run(sys.argv[3:]))
"""


def _source(folder: Path) -> list[str]:
    """Two CT series of one patient (6 slices), small images: plain DICOM files only."""
    patient = syn.synthetic_patient(1)
    study = syn.Study(site=syn.SITES[0], patient=patient, number=1, description="CT THORAX")
    paths = []
    for number in (1, 2):
        paths += syn.write_ct_series(folder / f"series{number}", 3, study, series_number=number, rows=32, columns=32, seed=number)
    return sorted(p.relative_to(folder).as_posix() for p in paths)


def _opens(source: Path, log: Path, *args: str) -> Counter:
    log.unlink(missing_ok=True)
    result = subprocess.run([sys.executable, "-c", _HOOK, str(source), str(log), *args],
                            capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    return Counter(log.read_text(encoding="utf-8").splitlines())


def test_deid_opens_each_source_file_once_per_pass_and_once_to_list_it(tmp_path: Path, key_file: Path) -> None:
    source = tmp_path / "source"
    files = _source(source)
    for workers in ("1", "2"):
        out = tmp_path / f"out{workers}"
        opens = _opens(source, tmp_path / "opens.log", "deid", str(source), str(out), "--key", str(key_file), "--workers", workers)
        assert len(list(out.rglob("*.dcm"))) == len(files)
        # listing, header pass, writing pass (a second listing that opened them again made it 4)
        assert opens == {name: 3 for name in files}, (workers, opens)


def test_publish_reads_each_source_file_in_the_scan_and_the_two_deid_passes_only(tmp_path: Path, key_file: Path) -> None:
    source = tmp_path / "source"
    files = _source(source)
    release = tmp_path / "release"
    opens = _opens(source, tmp_path / "opens.log", "publish", str(source), str(release), "--key", str(key_file),
                   "--config", str(ROOT / "examples" / "release.yaml"), "--workers", "2", "--release-date", "2026-01-01")
    assert len(list((release / "dicom").rglob("*.dcm"))) == len(files)
    # the scan's listing and header read, the header pass, the writing pass; the
    # de-identification's two listings and the final check reuse the scan's (8 before)
    assert opens == {name: 4 for name in files}, opens


def test_a_file_changed_between_the_listings_is_opened_and_listed_again(tmp_path: Path) -> None:
    """A later listing opens what it cannot vouch for: a file whose size or modification time
    changed, or one the earlier listing did not list as a plain file (turned into an archive)."""
    from curator.sources.local import FolderSource

    source = tmp_path / "source"
    files = _source(source)
    first = {item.relpath: item.fingerprint for item in FolderSource(source).items()}
    changed, archive = source / files[0], source / files[1]
    data = changed.read_bytes()
    changed.write_bytes(data[:-2])  # cut short: another size
    shutil.make_archive(str(archive), "zip", root_dir=source / "series2")
    os.replace(str(archive) + ".zip", archive)  # a zip archive in a DICOM file's place
    again = list(FolderSource(source).relisted(first.get))
    names = [thing.relpath for thing in again]
    assert files[0] in names and files[1] not in names
    assert any(name.startswith(files[1] + "!/") for name in names)  # its members, found by opening it
    fresh = [(thing.relpath, getattr(thing, "fingerprint", None)) for thing in FolderSource(source).items()]
    assert [(thing.relpath, getattr(thing, "fingerprint", None)) for thing in again] == fresh


def _open_descriptors(path: Path) -> int:
    """How many of this process's file descriptors are open on ``path``."""
    fds = Path("/proc/self/fd")
    wanted = os.stat(path)
    count = 0
    for fd in fds.iterdir():
        try:
            st = os.stat(fd)
        except OSError:
            continue
        count += (st.st_dev, st.st_ino) == (wanted.st_dev, wanted.st_ino)
    return count


def test_the_previous_index_is_opened_only_to_reuse_rows_and_closed_after(tmp_path: Path) -> None:
    """Publish keeps the scan's listing for the whole de-identification: looking up a fingerprint
    must not hold the index file open; a re-scan that reuses rows closes it before replacing it."""
    from curator.index.scan import listed_fingerprints, scan_source

    if not Path("/proc/self/fd").is_dir():
        pytest.skip("needs /proc/self/fd")
    source = tmp_path / "source"
    files = _source(source)
    index = tmp_path / "index.parquet"
    scan_source(source, index, workers=1)
    lookup = listed_fingerprints(index)
    assert lookup is not None
    assert lookup(files[0]) is not None and lookup("not/listed.dcm") is None
    assert _open_descriptors(index) == 0  # the lookup needs the fingerprint column only (was 1)
    again = scan_source(source, index, workers=1)
    assert again.stats.reused == len(files)
    assert _open_descriptors(index) == 0
