"""Scan on a Dask cluster equals the local scan; the executor abstraction; clear errors.

The cluster is a real ``distributed.LocalCluster`` (2 worker processes on 127.0.0.1).
"""
from __future__ import annotations

import io
import os
import shutil
import socket
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

import curator.index.scan
from curator.analyses.audit import to_json
from curator.errors import CuratorError
from curator.common.executors import SCHEDULER_ENV, TIMEOUT_ENV, make_executor
from curator.analyses.pipeline import audit_settings, audit_source
from curator.index.scan import scan_source
from tests.conftest import (
    PLANTED,
    assert_no_planted,
    planted_dataset,
    pydicom_files_dir,
    write_planted,
)

distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def scheduler():
    import dask

    # A task whose worker dies fails at once (KilledWorker) instead of killing 3 more workers first.
    # Connecting to the scheduler is bounded by 10 s by default: generous bounds for a loaded CI machine
    # (a dead address is still refused at once).
    with pytest.MonkeyPatch.context() as patch, dask.config.set({"distributed.scheduler.allowed-failures": 0,
                                                                   "distributed.comm.timeouts.connect": "300s"}), \
            distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                     dashboard_address=None, silence_logs=50) as cluster:
        patch.setenv(TIMEOUT_ENV, "300")
        yield cluster.scheduler_address


def _dead_address() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"tcp://127.0.0.1:{port}"


def _mixed_source(root: Path) -> Path:
    """pydicom's test files (good, broken, duplicates, non-DICOM) plus planted identifiers and a tar.gz."""
    source = root / "src"
    shutil.copytree(pydicom_files_dir(), source / "pydicom")
    write_planted(source / "planted", 3)
    with tarfile.open(source / "archive.tar.gz", "w:gz") as t:
        for i in range(3, 6):
            buffer = io.BytesIO()
            planted_dataset(i).save_as(buffer, enforce_file_format=True)
            info = tarfile.TarInfo(f"m{i}")
            info.size = len(buffer.getvalue())
            t.addfile(info, io.BytesIO(buffer.getvalue()))
    return source


def _same_salt(first: Path, second: Path) -> None:
    second.with_name(second.name + ".salt").write_bytes(first.with_name(first.name + ".salt").read_bytes())


def test_cluster_scan_and_audit_equal_the_local_run(tmp_path: Path, scheduler: str, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(curator.index.scan, "REMOTE_CHUNK", 7)  # many tasks in flight: order must still be the source's
    monkeypatch.setattr(curator.index.scan, "REMOTE_WINDOW", 3)
    source = _mixed_source(tmp_path)
    local_index, cluster_index = tmp_path / "local.parquet", tmp_path / "cluster.parquet"
    local = scan_source(source, local_index, workers=2, progress=False)
    _same_salt(local_index, cluster_index)
    cluster = scan_source(source, cluster_index, scheduler=scheduler, progress=False)
    assert cluster.stats == local.stats
    assert cluster.stats.indexed > 60 and cluster.stats.rejected > 50  # the mix really exercised both paths
    assert local.frame().equals(cluster.frame())
    assert local_index.read_bytes() == cluster_index.read_bytes()
    assert_no_planted(str(cluster.frame().to_dict("records")), "the cluster index")
    settings = audit_settings()
    local_report = to_json(audit_source(source, settings=settings, index_path=local_index, workers=2, progress=False))
    cluster_report = to_json(audit_source(source, settings=settings, index_path=cluster_index, scheduler=scheduler, progress=False))
    assert local_report == cluster_report


def test_cluster_scan_of_an_archive_ships_members_as_bytes(tmp_path: Path, scheduler: str, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(curator.index.scan, "REMOTE_CHUNK_BYTES", 1)  # one member per task
    archive = tmp_path / "a.tar"
    with tarfile.open(archive, "w") as t:
        for i in range(4):
            buffer = io.BytesIO()
            planted_dataset(i).save_as(buffer, enforce_file_format=True)
            info = tarfile.TarInfo(f"{PLANTED['name_family']}/m{i}")
            info.size = len(buffer.getvalue())
            t.addfile(info, io.BytesIO(buffer.getvalue()))
    one, two = tmp_path / "one.parquet", tmp_path / "two.parquet"
    scan_source(archive, one, workers=1, progress=False)
    _same_salt(one, two)
    result = scan_source(archive, two, scheduler=scheduler, progress=False)
    assert result.stats.indexed == 4
    assert one.read_bytes() == two.read_bytes()


def test_rescan_on_the_cluster_reuses_rows_of_a_local_scan(tmp_path: Path, scheduler: str):
    source = tmp_path / "src"
    write_planted(source, 4)
    index = tmp_path / "i.parquet"
    scan_source(source, index, workers=1, progress=False)
    before = index.read_bytes()
    again = scan_source(source, index, scheduler=scheduler, progress=False)
    assert again.stats.reused == 4 and index.read_bytes() == before


_INIT_CALLS: list[int] = []


def _remember_init(tag: str) -> None:
    _INIT_CALLS.append(os.getpid())
    os.environ["CURATOR_TEST_INIT_TAG"] = tag


def _report_init(_: int) -> tuple[int, int, str | None]:
    return os.getpid(), len(_INIT_CALLS), os.environ.get("CURATOR_TEST_INIT_TAG")


def test_initializer_runs_once_per_worker_process_before_its_tasks(scheduler: str):
    executor = make_executor(scheduler=scheduler, initializer=_remember_init, initargs=("tag-1",))
    try:
        assert executor.kind == "dask" and executor.workers == 2
        results = [f.result(timeout=300) for f in [executor.submit(_report_init, i) for i in range(40)]]
    finally:
        executor.shutdown()
    assert {calls for _, calls, _ in results} == {1}
    assert {tag for _, _, tag in results} == {"tag-1"}
    assert os.getpid() not in {pid for pid, _, _ in results}  # ran on the workers, not here


def test_local_and_serial_executors(tmp_path: Path):
    serial = make_executor(1, initializer=_remember_init, initargs=("serial",))
    assert serial.kind == "serial" and os.environ["CURATOR_TEST_INIT_TAG"] == "serial"
    failing = serial.submit(int, "not a number")
    with pytest.raises(ValueError):
        failing.result()
    with make_executor(2) as pool:
        assert pool.kind == "local" and pool.workers == 2
        assert [f.result() for f in [pool.submit(pow, i, 2) for i in range(5)]] == [0, 1, 4, 9, 16]
    with pytest.raises(CuratorError, match="workers"):
        make_executor(0)


def test_unreachable_scheduler_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    source = tmp_path / "src"
    write_planted(source, 1)
    dead = _dead_address()
    with pytest.raises(CuratorError, match="cannot reach the Dask scheduler"):
        scan_source(source, tmp_path / "i.parquet", scheduler=dead, progress=False)
    assert not (tmp_path / "i.parquet").exists() and not (tmp_path / "i.parquet.tmp").exists()
    with pytest.raises(CuratorError, match="not a Dask scheduler address"):
        make_executor(scheduler="tcp://")
    monkeypatch.setenv(SCHEDULER_ENV, dead)  # the environment variable is honoured too
    with pytest.raises(CuratorError, match="cannot reach"):
        scan_source(source, tmp_path / "i.parquet", workers=2, progress=False)


def test_cli_scheduler_option_reports_an_unreachable_scheduler_without_traceback(tmp_path: Path):
    source = tmp_path / "src"
    write_planted(source, 1)
    for command in ("scan", "audit"):
        result = subprocess.run(
            [sys.executable, "-c", "from curator.cli import main; main()", command, str(source),
             "--index", str(tmp_path / "i.parquet"), "--scheduler", _dead_address()],
            capture_output=True, text=True, timeout=120, check=False,
        )
        assert result.returncode == 2, result.stderr
        assert "error: cannot reach the Dask scheduler" in result.stderr
        assert "Traceback" not in result.stderr


def test_fsspec_url_source_gives_the_folder_scan_locally_and_on_the_cluster(tmp_path: Path, scheduler: str):
    pytest.importorskip("fsspec")
    source = tmp_path / "src"
    write_planted(source / "site-a", 3)
    (source / "site-b").mkdir()
    (source / "site-b" / "notes.txt").write_text("not DICOM")
    shutil.copy(next((source / "site-a").rglob("img0")), source / "site-b" / "again")  # a duplicate
    with tarfile.open(source / "site-b" / "packed.tar", "w"):
        pass
    folder_index, url_index, cluster_index = tmp_path / "f.parquet", tmp_path / "u.parquet", tmp_path / "c.parquet"
    folder = scan_source(source, folder_index, workers=1, progress=False).frame()
    _same_salt(folder_index, url_index)
    _same_salt(folder_index, cluster_index)
    url = source.resolve().as_uri()  # file:///…
    by_url = scan_source(url, url_index, workers=2, progress=False)
    on_cluster = scan_source(url, cluster_index, scheduler=scheduler, progress=False)
    assert on_cluster.frame().equals(by_url.frame())
    got = by_url.frame().sort_values("path", kind="mergesort").reset_index(drop=True)
    folder = folder.sort_values("path", kind="mergesort").reset_index(drop=True)
    assert list(got["path"]) == list(folder["path"])
    archive = (got["path"] == "site-b/packed.tar").to_numpy()
    assert got.loc[archive, "reason"].str.startswith("archive in a URL source").all()
    other = ["fingerprint", "size"]  # the rejected archive has no size: the column is float there
    assert got[~archive].drop(columns=other).equals(folder[~archive].drop(columns=other))
    assert list(got.loc[~archive, "size"]) == list(folder.loc[~archive, "size"])
    assert by_url.stats.indexed == 3 and by_url.stats.rejected == 3
    with pytest.raises(CuratorError, match="source not found"):
        scan_source((tmp_path / "nowhere").as_uri(), tmp_path / "x.parquet", workers=1, progress=False)


class _Bomb(distributed.WorkerPlugin):
    """On every worker process (restarted ones too): reading a file named ``boom`` kills the process."""

    name = "curator-test-bomb"

    def setup(self, worker):
        from curator.index import scan

        self.original = scan._read_one
        original = self.original

        def read_one(relpath, *args):
            if relpath.endswith("boom"):
                os._exit(17)
            return original(relpath, *args)

        scan._read_one = read_one

    def teardown(self, worker):
        from curator.index import scan

        scan._read_one = self.original


def test_a_file_that_kills_its_cluster_worker_is_rejected_alone(tmp_path: Path, scheduler: str):
    source = tmp_path / "src"
    write_planted(source, 4)
    (source / "boom").write_bytes(b"whatever")
    client = distributed.Client(scheduler, set_as_default=False)
    try:
        client.register_plugin(_Bomb())
        result = scan_source(source, tmp_path / "i.parquet", scheduler=scheduler, progress=False, full_paths=True)
    finally:
        client.unregister_worker_plugin(_Bomb.name)
        client.close()
    frame = result.frame()
    assert result.stats.indexed == 4 and result.stats.rejected == 1  # the other files of its task were retried one by one
    assert list(frame.loc[frame.status == "rejected", "path"]) == ["boom"]
    assert list(frame["reason"].dropna()) == ["reader process crashed on this file"]


def test_deid_on_the_cluster_equals_the_local_run(scheduler, tmp_path):
    """De-identification on a 2-worker LocalCluster: byte-identical files and report."""
    import hashlib

    from curator.deid.run import DeidOptions, deidentify

    source = Path(__file__).resolve().parent.parent / "examples" / "collection"
    key = bytes(range(32))
    deidentify(source, tmp_path / "local", key=key, options=DeidOptions(workers=2))
    deidentify(source, tmp_path / "cluster", key=key, options=DeidOptions(scheduler=scheduler))

    def tree(folder: Path) -> dict[str, str]:
        return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.rglob("*") if p.is_file()}

    local = tree(tmp_path / "local")
    assert len(local) > 50 and tree(tmp_path / "cluster") == local


def test_the_runs_pixel_limit_reaches_cluster_workers_started_without_it(scheduler, tmp_path, monkeypatch):
    """$CURATOR_MAX_PIXELS set for the run (after the workers started, so their own environment
    lacks it) still decides on the cluster: the same instances are quarantined as in a local run."""
    import hashlib

    from curator.deid.run import DeidOptions, deidentify

    source = tmp_path / "src"
    write_planted(source, 3)
    key = bytes(range(32))
    monkeypatch.setenv("CURATOR_MAX_PIXELS", "10")  # fewer pixels than any planted image holds
    local = deidentify(source, tmp_path / "local", key=key, options=DeidOptions(workers=2))
    cluster = deidentify(source, tmp_path / "cluster", key=key, options=DeidOptions(scheduler=scheduler))

    def tree(folder: Path) -> dict[str, str]:
        return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
                for p in folder.rglob("*") if p.is_file()}

    assert local["counts"]["quarantined"] == 3 and local["counts"]["written"] == 0  # held back locally ...
    assert cluster["counts"] == local["counts"]  # ... and on the cluster (3 written before)
    assert tree(tmp_path / "cluster") == tree(tmp_path / "local")
