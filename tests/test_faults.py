"""Fault injection: kill -9 then rerun, concurrent runs, a full disk, a source that changes
during the run, damaged staging, worker processes that die or outlive their parent.

Deterministic: a run to interrupt stops itself (SIGSTOP) at a given point (after its Nth item
read or output journaled: tests/stopping.py) and is killed there, whatever the machine's
speed; concurrent runs are made concurrent the same way, the first stopped while it holds its
lock; source changes are made between the two passes of the de-identification.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from curator.deid import run as deid_run
from curator.deid.pseudonyms import read_key
from curator.deid.run import CHANGED, JOURNAL_NAME, LOCK_NAME, VANISHED, DeidOptions, deidentify
from curator.common.digests import digest
from curator.common.faults import RunLocked, exclusive
from curator.common.journal import Journal
from curator.errors import CuratorError
from curator.release.publish import PublishOptions, publish
from curator.testing.synthetic import default_study, write_ct_series

sys.path.insert(0, str(Path(__file__).resolve().parent))
import stopping  # noqa: E402  (a helper module beside the tests, not a package)

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "examples" / "release.yaml"
DATE = "2026-11-23"
SERIES, SLICES, SIZE = 2, 30, 128  # 60 instances, about 2 MiB de-identified
DEADLINE = stopping.DEADLINE  # seconds: a guard against a hang only, generous for a loaded 2-core machine


def _tree(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.rglob("*")) if p.is_file()}


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-c", "from curator.cli import main; main()", *map(str, args)]


def _run(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(_cli(*args), capture_output=True, text=True, cwd=ROOT, env=env, timeout=DEADLINE)


def _start_stopping_after(hook: str, count: int, *args: str) -> subprocess.Popen:
    """Start the command; it stops itself (SIGSTOP) after the ``count``th return of ``hook``
    (tests/stopping.py: ``stopping.JOURNALED``, an output journaled by the main process, one
    worker or many; ``stopping.HEADER_READ``, ``stopping.INDEXED``, an item read with one
    worker). Polling for N outputs raced a writing pass of 45 ms: the run could end between
    two polls (once in a fresh-clone CI)."""
    return stopping.start(hook, count, [*args], cwd=ROOT)


def _holds_lock(pid: int, lock: Path | None) -> bool:
    """Whether process ``pid`` holds the lock on the file ``lock`` (from /proc/locks).

    The lock file appears before it is locked (filelock creates it, then takes the lock):
    its existence alone does not say that the run holds it."""
    if lock is None:
        return False
    try:
        inode = str(os.stat(lock).st_ino)
    except OSError:
        return False
    for line in Path("/proc/locks").read_text().splitlines():
        fields = line.split()  # "1: FLOCK  ADVISORY  WRITE 1234 fe:00:5678 0 EOF"; waiters have "->"
        if "->" not in fields and len(fields) > 5 and fields[4] == str(pid) and fields[5].rsplit(":", 1)[-1] == inode:
            return True
    return False


def _kill(proc: subprocess.Popen) -> None:
    proc.send_signal(signal.SIGKILL)
    proc.wait()


def _outputs(folder: Path) -> int:
    return sum(1 for _ in folder.rglob("*.dcm")) if folder.exists() else 0


def _journal_lines(path: Path) -> int:
    return path.read_text(errors="replace").count("\n") - 1 if path.exists() else 0


@pytest.fixture(scope="module")
def source(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("src") / "archive"
    study = default_study()
    for n in range(SERIES):
        write_ct_series(folder / "site-a" / f"s{n}", SLICES, study, series_number=10 + n, rows=SIZE, columns=SIZE, seed=n)
    return folder


@pytest.fixture(scope="module")
def clean_deid(source: Path, key_file: Path, tmp_path_factory) -> dict[str, str]:
    out = tmp_path_factory.mktemp("clean") / "deid"
    deidentify(source, out, key=read_key(key_file), options=DeidOptions(workers=1))
    return _tree(out)


@pytest.fixture(scope="module")
def clean_release(source: Path, key_file: Path, tmp_path_factory) -> dict[str, str]:
    out = tmp_path_factory.mktemp("clean") / "release"
    publish(source, out, read_key(key_file), CONFIG, PublishOptions(release_date=DATE, workers=1))
    return _tree(out)


def _deid_args(source: Path, out: Path, key_file: Path, workers: int = 1) -> list:
    return ["deid", source, out, "--key", key_file, "--workers", workers]


def _publish_args(source: Path, out: Path, key_file: Path) -> list:
    return ["publish", source, out, "--key", key_file, "--config", CONFIG, "--release-date", DATE, "--workers", 1]


# --- kill -9, then the same command again ----------------------------------------------


@pytest.mark.parametrize("point", ["headers", "writing"])
def test_killed_deid_resumes_byte_identical(point: str, source: Path, key_file: Path, clean_deid: dict, tmp_path: Path):
    """Item 20: `curator deid` killed during its header pass or while writing, then run again
    (no --force), gives the output of an uninterrupted run."""
    out = tmp_path / "out"
    if point == "headers":  # stopped after 10 items of the header pass: the lock is held, nothing is journaled yet
        proc = _start_stopping_after(stopping.HEADER_READ, 10, *_deid_args(source, out, key_file))
        assert _holds_lock(proc.pid, out / LOCK_NAME) and not (out / JOURNAL_NAME).exists()
    else:
        proc = _start_stopping_after(stopping.JOURNALED, 20, *_deid_args(source, out, key_file))
    _kill(proc)
    done_before = _journal_lines(out / JOURNAL_NAME)
    again = _run(*_deid_args(source, out, key_file))
    assert again.returncode == 0, again.stderr
    assert _tree(out) == clean_deid  # journal and lock gone, every instance and the report identical
    assert point == "headers" or done_before >= 20


def test_output_of_a_file_deleted_before_the_resume_is_not_kept(source: Path, key_file: Path, tmp_path: Path):
    """A file written by the killed run, then deleted from the source: the resumed run does not
    keep its output (the output equals a run on the source as it is now)."""
    src = _copy(source, tmp_path)
    out = tmp_path / "out"
    proc = _start_stopping_after(stopping.JOURNALED, 20, *_deid_args(src, out, key_file))
    _kill(proc)
    sorted(src.rglob("*.dcm"))[0].unlink()  # the first listed: written (one worker, in order)
    again = _run(*_deid_args(src, out, key_file))
    assert again.returncode == 0, again.stderr
    reference = tmp_path / "reference"
    deidentify(src, reference, key=read_key(key_file), options=DeidOptions(workers=1))
    assert _tree(out) == _tree(reference)


@pytest.mark.parametrize("point", ["scan", "deid"])
def test_killed_publish_resumes_and_redoes_damaged_staging(point: str, source: Path, key_file: Path, clean_release: dict, tmp_path: Path):
    """kill -9 of publish during its scan or its de-identification; item 12: staged instances
    damaged (or truncated) before the resume are written again, not published."""
    out = tmp_path / "release"
    staging = tmp_path / ".release.partial"
    journal = staging / "deid-journal.jsonl"
    if point == "scan":  # stopped after 10 items indexed
        proc = _start_stopping_after(stopping.INDEXED, 10, *_publish_args(source, out, key_file))
        assert _holds_lock(proc.pid, staging / "source-index.parquet.lock") and not journal.exists()
    else:
        proc = _start_stopping_after(stopping.JOURNALED, 20, *_publish_args(source, out, key_file))
        assert _journal_lines(journal) == 20
    _kill(proc)
    assert not out.exists() and staging.exists()
    damaged = sorted((staging / "release" / "dicom").rglob("*.dcm"))[:2] if point == "deid" else []
    if damaged:
        data = bytearray(damaged[0].read_bytes())
        data[-1] ^= 0xFF  # same size, one pixel changed
        damaged[0].write_bytes(bytes(data))
        damaged[1].write_bytes(damaged[1].read_bytes()[:100])  # truncated
    again = _run(*_publish_args(source, out, key_file))
    assert again.returncode == 0, again.stderr
    assert _tree(out) == clean_release


def test_a_publish_state_cut_by_a_stop_is_cleared_and_the_run_completes(source: Path, key_file: Path,
                                                                         clean_release: dict, tmp_path: Path):
    """publish-state.json was written in place: a run killed between its truncation and its
    write left it empty, and every later run ended 'internal error (JSONDecodeError)', exit 3,
    until the staging folder was deleted by hand.  Now it is written whole or not at all, and a
    state that cannot be read is another run's leftovers (cleared)."""
    staging = tmp_path / ".release.partial"
    staging.mkdir()
    (staging / "publish-state.json").write_text("")  # as the killed run left it
    publish(source, tmp_path / "release", read_key(key_file), CONFIG, PublishOptions(release_date=DATE, workers=1))
    assert _tree(tmp_path / "release") == clean_release


def test_killed_run_leaves_no_worker_behind(source: Path, key_file: Path, tmp_path: Path):
    """Item 13: the worker processes of a killed run exit within seconds."""
    out = tmp_path / "out"
    proc = _start_stopping_after(stopping.JOURNALED, 8, *_deid_args(source, out, key_file, workers=2))
    children = _children(proc.pid)
    assert children, "the run has no worker process"
    _kill(proc)
    deadline = time.monotonic() + 60  # seconds, not the run's length; generous for a loaded 2-core machine
    while time.monotonic() < deadline and any(map(_alive, children)):
        time.sleep(0.05)
    assert not any(map(_alive, children)), "worker processes outlived their parent"


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(c) for c in (task / "children").read_text().split()]
    return found


def _alive(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    return "\nState:\tZ" not in status  # a zombie has exited


# --- concurrent runs -------------------------------------------------------------------


def _refused(result: subprocess.CompletedProcess) -> None:
    assert result.returncode == 2, (result.returncode, result.stderr)
    assert result.stderr.startswith("error: another curator run is using"), result.stderr
    assert "internal error" not in result.stderr and "Traceback" not in result.stderr


def test_second_deid_into_the_same_output_is_refused(source: Path, key_file: Path, clean_deid: dict, tmp_path: Path):
    """Item 10: while a deid holds OUT, a second deid into OUT is refused; the first completes.

    The first run stops itself after the first item of its header pass: it holds its lock,
    which it takes before it reads the source and keeps until its last file is written.  (It
    was frozen after its fifth written instance, then as soon as the test saw it hold the lock
    by polling: the run could end between two polls on an idle machine, or while the test was
    descheduled on a loaded one.)"""
    out = tmp_path / "out"
    first = _start_stopping_after(stopping.HEADER_READ, 1, *_deid_args(source, out, key_file))
    assert _holds_lock(first.pid, out / LOCK_NAME), "the first deid does not hold its lock"
    try:
        _refused(_run(*_deid_args(source, out, key_file)))
    finally:
        first.send_signal(signal.SIGCONT)
    assert first.wait(DEADLINE) == 0, first.stderr.read()
    assert _tree(out) == clean_deid


def test_second_publish_into_the_same_release_is_refused(source: Path, key_file: Path, tmp_path: Path):
    """Item 10: a second publish into the same OUT neither crashes nor removes the staging of the first."""
    out = tmp_path / "release"
    staging = tmp_path / ".release.partial"
    first = _start_stopping_after(stopping.JOURNALED, 1, *_publish_args(source, out, key_file))  # de-identifying
    assert (staging / "publish-state.json").exists() and _holds_lock(first.pid, staging / "publish.lock")
    try:
        second = _run(*_publish_args(source, out, key_file), "--release-date", "2026-12-01")  # other settings: would clear the staging
        _refused(second)
        assert (staging / "publish-state.json").exists()
    finally:
        first.send_signal(signal.SIGCONT)
        _kill(first)


def test_second_scan_or_audit_of_the_same_cache_is_refused(source: Path, tmp_path: Path):
    """Item 10: two runs sharing the index cache: the second is refused, the first completes."""
    env = dict(os.environ, CURATOR_CACHE=str(tmp_path / "cache"))
    first = stopping.start(stopping.INDEXED, 1, ["scan", source, "--workers", 1], cwd=ROOT, env=env)
    assert _holds_lock(first.pid, next((tmp_path / "cache").glob("*.lock"), None)), "the first scan does not hold its lock"
    try:
        _refused(_run("audit", source, "--workers", 1, env=env))
        _refused(_run("scan", source, "--workers", 1, env=env))
    finally:
        first.send_signal(signal.SIGCONT)
    assert first.wait(DEADLINE) == 0, first.stderr.read()
    assert _run("audit", source, "--workers", 1, "--format", "json", env=env).returncode == 0


def test_a_lock_held_elsewhere_refuses_the_run_in_process(source: Path, key_file: Path, tmp_path: Path):
    out = tmp_path / "out"
    with exclusive(out / LOCK_NAME, "x"), pytest.raises(RunLocked, match="another curator run"):
        deidentify(source, out, key=read_key(key_file), options=DeidOptions(workers=1))
    assert not (out / LOCK_NAME).exists()  # released and removed


# --- full disk -------------------------------------------------------------------------


@pytest.fixture
def small_disk(tmp_path: Path):
    """A 1 MiB tmpfs (the outputs need about 2 MiB); skipped where mounting is not permitted."""
    mount = tmp_path / "disk"
    mount.mkdir()
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a small tmpfs needs root and mount(8)")
    made = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount)], capture_output=True, text=True)
    if made.returncode != 0:
        pytest.skip(f"mounting a small tmpfs is not permitted here: {made.stderr.strip()}")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], capture_output=True)


def _grow(mount: Path) -> None:
    subprocess.run(["mount", "-o", "remount,size=64m", str(mount)], check=True, capture_output=True)


def test_full_disk_stops_deid_then_it_resumes(source: Path, key_file: Path, clean_deid: dict, small_disk: Path):
    """Item 9: a full disk is not a per-file rejection: the run stops with a clear message and a
    non-zero status, keeps what it wrote, and resumes once there is space."""
    out = small_disk / "out"
    full = _run(*_deid_args(source, out, key_file))
    assert full.returncode != 0
    assert full.stderr.startswith("error: no space left on device"), full.stderr
    assert "internal error" not in full.stderr and not (out / "deid-report.json").exists()
    assert _journal_lines(out / JOURNAL_NAME) > 0
    _grow(small_disk)
    again = _run(*_deid_args(source, out, key_file))
    assert again.returncode == 0, again.stderr
    assert _tree(out) == clean_deid


def test_full_disk_stops_publish_then_it_resumes(source: Path, key_file: Path, clean_release: dict, small_disk: Path):
    out = small_disk / "release"
    full = _run(*_publish_args(source, out, key_file))
    assert full.returncode != 0
    assert full.stderr.startswith("error: no space left on device"), full.stderr
    assert not out.exists() and (small_disk / ".release.partial").exists()
    _grow(small_disk)
    again = _run(*_publish_args(source, out, key_file))
    assert again.returncode == 0, again.stderr
    assert _tree(out) == clean_release


def test_full_disk_stops_scan_and_audit(source: Path, small_disk: Path):
    """Item 9: the index cannot be written on a full disk: a clear error, not an internal one."""
    (small_disk / "filler").write_bytes(b"\0" * (1024 * 1024 - 2 * 4096))  # 2 pages left: the lock and salt fit, the index not
    for command in ("scan", "audit"):
        full = _run(command, source, "--index", small_disk / "index.parquet", "--workers", 1)
        assert full.returncode == 2, full.stderr
        assert full.stderr.startswith("error: no space left on device while writing the index"), full.stderr
    assert not (small_disk / "index.parquet").exists() and not (small_disk / "index.parquet.tmp").exists()


# --- the source changes during the run -------------------------------------------------


def _copy(source: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "src"
    shutil.copytree(source, copy)
    return copy


def test_files_deleted_added_modified_between_the_passes(source: Path, key_file: Path, tmp_path: Path, monkeypatch):
    """Item 11: after the header pass, files are deleted (in the middle and at the end of the
    listing), one is modified and one added: the run completes, with a reason for each."""
    src = _copy(source, tmp_path)
    files = sorted(src.rglob("*.dcm"))
    deleted, modified = [files[5], files[-1]], files[10]
    plan = deid_run._plan

    def change_then_plan(*args, **kwargs):
        for path in deleted:
            path.unlink()
        modified.write_bytes(modified.read_bytes())
        os.utime(modified, ns=(1, 1))
        shutil.copy(files[0], src / "site-a" / "added.dcm")
        return plan(*args, **kwargs)

    monkeypatch.setattr(deid_run, "_plan", change_then_plan)
    report = deidentify(src, tmp_path / "out", key=read_key(key_file), options=DeidOptions(workers=1))
    counts = report["counts"]
    assert counts["items"] == len(files) and counts["written"] == len(files) - 3 and counts["rejected"] == 3
    reasons = {r["position"]: r["reason"] for r in report["rejected"]}
    assert reasons == {6: VANISHED, len(files): VANISHED, 11: CHANGED}
    assert _outputs(tmp_path / "out") == len(files) - 3


def test_files_deleted_after_they_were_listed(source: Path, key_file: Path, tmp_path: Path, monkeypatch):
    """Item 11: a file deleted between its listing and its reading, in either pass, is rejected."""
    src = _copy(source, tmp_path)
    files = sorted(src.rglob("*.dcm"))
    write_one = deid_run._write_one
    calls = []

    def delete_a_later_one(task):  # serial run: the batch of 8 is listed before it is written
        calls.append(task)
        if len(calls) == 1:
            files[3].unlink()
        return write_one(task)

    monkeypatch.setattr(deid_run, "_write_one", delete_a_later_one)
    original_items = deid_run.open_source(src).__class__.items
    passes = []

    def items(self):
        passes.append(1)
        for thing in original_items(self):
            yield thing
            if len(passes) == 1 and thing.relpath == files[40].relative_to(src).as_posix():
                files[40].unlink()  # listed, not read yet

    monkeypatch.setattr(deid_run.open_source(src).__class__, "items", items)
    report = deidentify(src, tmp_path / "out", key=read_key(key_file), options=DeidOptions(workers=1))
    assert {r["position"]: r["reason"] for r in report["rejected"]} == {4: VANISHED, 41: VANISHED}
    assert report["counts"]["written"] == len(files) - 2


# --- worker processes that die ---------------------------------------------------------


def _die_on_boom(original: Callable) -> Callable:
    def run(task, *rest):
        ref = task[0] if isinstance(task[0], tuple) else task
        if str(ref[1]).endswith("boom.dcm"):
            os._exit(17)  # the worker dies, as on a segfault in a decoder
        return original(task, *rest)

    return run


@pytest.mark.parametrize("stage", ["_scan_one", "_write_one"])
def test_a_file_that_kills_a_deid_worker_is_rejected_alone(stage: str, source: Path, key_file: Path, tmp_path: Path, monkeypatch):
    """Item 19: the worker that dies on one file (header pass or writing) costs that file only."""
    src = _copy(source, tmp_path)
    write_ct_series(src / "site-b", 1, default_study(), series_number=99, rows=16, columns=16, name_pattern="boom.dcm")
    monkeypatch.setattr(deid_run, stage, _die_on_boom(getattr(deid_run, stage)))  # inherited by the forked workers
    report = deidentify(src, tmp_path / "out", key=read_key(key_file), options=DeidOptions(workers=2))
    n = SERIES * SLICES
    assert report["counts"]["items"] == n + 1 and report["counts"]["written"] == n
    reason = "reader process crashed on this file" if stage == "_scan_one" else "de-identification process crashed on this file"
    assert [r["reason"] for r in report["rejected"]] == [reason]
    assert not list((tmp_path / "out").rglob("*.part"))


# --- the journal -----------------------------------------------------------------------


@pytest.mark.parametrize("head", ["", '{"schema": "curator.common.journal/2", "setti'])
def test_a_journal_cut_before_its_first_line_ended_is_resumed(head: str, source: Path, key_file: Path, clean_deid: dict,
                                                              tmp_path: Path):
    """Found (test_hostile4's Ctrl-C test on a loaded machine, 1 run in 2): a run stopped
    between creating its journal and writing its first line (Ctrl-C, SIGTERM, kill -9) left it
    empty or cut, and the same command then refused the folder ('made with another key or
    other settings').  Nothing is written before that line: the run resumes it."""
    out = tmp_path / "out"
    out.mkdir()
    (out / JOURNAL_NAME).write_text(head)  # as the stopped run left it
    deidentify(source, out, key=read_key(key_file), options=DeidOptions(workers=1))
    assert _tree(out) == clean_deid
    (out / JOURNAL_NAME).write_text('{"schema": "curator.common.journal/2", "settings": "0"}\n')  # a whole line: other settings
    with pytest.raises(CuratorError, match="another key or other settings"):
        deidentify(source, out, key=read_key(key_file), options=DeidOptions(workers=1))


def test_journal_ignores_torn_lines_and_other_settings(tmp_path: Path):
    path = tmp_path / "j.jsonl"
    target = tmp_path / "a.dcm"
    target.write_bytes(b"abc")
    journal = Journal.open(path, "s1")
    journal.record("a", digest(b"abc"), {"stats": {"x": 1}})
    journal.close()
    with open(path, "a") as handle:
        handle.write('{"key": "b", "sha2')  # torn by a kill
    again = Journal.open(path, "s1")
    assert again.reusable("a", target) == {"stats": {"x": 1}} and "b" not in again.entries
    again.record("c", "0" * 64)
    again.close()
    assert json.loads(path.read_text().splitlines()[-1])["key"] == "c"  # on its own line after the torn one
    target.write_bytes(b"abd")
    assert Journal.open(path, "s1").reusable("a", target) is None  # damaged: redo
    assert Journal.open(path, "s2").entries == {}  # other settings: start afresh
