"""Scan a source into the instance-level index: headers only, in parallel, streaming.

``scan_source`` lists the items of a source in order, reads each header in a pool of
worker processes (``stop_before_pixels``), and writes one index row per file to Parquet in
batches, so memory stays flat whatever the archive's size.  Rows of files whose
fingerprint (size and mtime, or CRC) has not changed since the previous scan are reused
without reading the file again.  Every file ends up indexed or rejected with a reason.
"""
from __future__ import annotations

import logging
import os
import sys
import warnings
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from curator.errors import CuratorError
from curator.executors import make_executor
from curator.fsspec_source import is_fsspec_url, open_item, open_url
from curator.header import HeaderError, read_header
from curator.index import IndexWriter, default_index_path, empty_row, key, read_index, read_index_table, salt_for, scrub_path
from curator.sources import ARCHIVE_SEPARATOR, Item, Rejection, open_source

CHUNK = 16  # items per task sent to a worker
SITE_RULES = ("folder", "institution")


@dataclass
class ScanStats:
    """Counts of one scan; ``seen == indexed + rejected`` always holds."""

    seen: int = 0
    indexed: int = 0
    rejected: int = 0
    reused: int = 0
    reasons: dict[str, int] = field(default_factory=dict)


@dataclass
class ScanResult:
    index_path: Path
    stats: ScanStats

    def frame(self, columns=None) -> pd.DataFrame:
        frame = read_index(self.index_path, columns)
        assert frame is not None
        return frame


def _quiet_worker() -> None:
    warnings.simplefilter("ignore")
    logging.getLogger("pydicom").setLevel(logging.CRITICAL)


_ARCHIVE_SUFFIXES = (".tar.gz", ".tar.bz2", ".tar.xz", ".tgz", ".zip", ".tar", ".gz")


def _top_folder(relpath: str) -> str | None:
    """The first folder of ``relpath``; an archive at the top counts as a folder (its stem)."""
    head, _, _ = relpath.partition(ARCHIVE_SEPARATOR)
    parts = head.split("/")
    if len(parts) > 1:
        return parts[0]
    if ARCHIVE_SEPARATOR in relpath:
        name = parts[0]
        for suffix in _ARCHIVE_SUFFIXES:
            if name.lower().endswith(suffix):
                return name[: -len(suffix)] or name
        return name
    return None


def _site(record: dict, relpath: str, rule: str, tokens: set[str], salt: bytes) -> str:
    """The site label of an instance.

    ``folder``: the top folder of the source (scrubbed), else ``inst-<key>`` of the
    Institution Name, else ``unknown``.  ``institution``: the Institution Name as written
    (shows institution names in reports: opt-in).
    """
    institution = record.get("institution")
    if rule == "institution" and institution:
        return institution
    folder = _top_folder(relpath)
    if folder:
        return scrub_path(folder, tokens, salt)
    return f"inst-{key('institution', institution)[:8]}" if institution else "unknown"


def _read_one(relpath: str, path: str | None, data: bytes | None, size: int, fingerprint: str, salt: bytes, site_rule: str) -> dict:
    from curator.extract import extract_record  # imported in the worker

    row = empty_row()
    row.update(path_key=key("path", relpath, salt), fingerprint=fingerprint, size=size)
    try:
        if data is not None:
            import io

            ds = read_header(io.BytesIO(data), size)
            record = extract_record(ds, salt)
        else:
            with (open(path, "rb") if "://" not in path else open_item(path)) as handle:  # type: ignore[operator]
                ds = read_header(handle, size)
                record = extract_record(ds, salt)
    except HeaderError as exc:
        row.update(status="rejected", reason=str(exc), site=_top_folder(relpath) or "unknown")
        return row
    except OSError as exc:
        row.update(status="rejected", reason=f"cannot be read ({exc.strerror or 'OS error'})", site=_top_folder(relpath) or "unknown")
        return row
    except Exception as exc:  # noqa: BLE001 - one odd file must never stop the scan
        row.update(status="rejected", reason=f"unreadable header ({type(exc).__name__})", site=_top_folder(relpath) or "unknown")
        return row
    row.update(record)
    tokens = set(record["id_tokens"])
    row["status"] = "indexed"
    row["path"] = scrub_path(relpath, tokens, salt)
    row["site"] = _site(record, relpath, site_rule, tokens, salt)
    if record["institution"]:
        row["institution"] = key("institution", record["institution"])
    return row


def _read_chunk(tasks: list[tuple]) -> list[dict]:
    return [_read_one(*task) for task in tasks]


def _chunks(items: Iterator[Item | Rejection], size: int) -> Iterator[list[Item | Rejection]]:
    chunk: list[Item | Rejection] = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


class _Progress:
    """A rich progress line on a terminal; silent otherwise."""

    def __init__(self, enabled: bool):
        self._progress = None
        if enabled:
            from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

            self._progress = Progress(
                SpinnerColumn(), TextColumn("scanning"), BarColumn(bar_width=None), TextColumn("{task.completed} files"),
                TimeElapsedColumn(), transient=True, console=None,
            )
            self._progress.start()
            self._task = self._progress.add_task("scan", total=None)

    def advance(self, n: int) -> None:
        if self._progress is not None:
            self._progress.advance(self._task, n)

    def close(self) -> None:
        if self._progress is not None:
            self._progress.stop()


def scan_source(
    source: str | os.PathLike[str],
    index_path: str | os.PathLike[str] | None = None,
    workers: int | None = None,
    progress: bool | None = None,
    site_rule: str = "folder",
    on_row: Callable[[dict], None] | None = None,
    scheduler: str | None = None,
) -> ScanResult:
    """Scan ``source`` into its index and return where it is with the scan's counts.

    ``workers``: processes reading headers (default: all cores; 1 reads in this process).
    ``progress``: show a progress bar (default: when standard error is a terminal).
    ``site_rule``: ``folder`` (the top folder of the source) or ``institution`` (the
    Institution Name as written); see ``_site``.
    ``scheduler``: a Dask scheduler address (``tcp://host:port``; default
    ``$CURATOR_SCHEDULER``) to read headers on a cluster instead (``workers`` is then
    ignored).  Files of a folder source are opened by the workers by absolute path (the
    folder must be shared with them); archive members are sent to them as bytes.  The
    index is the same as a local scan's.
    """
    if site_rule not in SITE_RULES:
        raise CuratorError(f"unknown site rule {site_rule!r}; choose one of {', '.join(SITE_RULES)}")
    if workers is not None and workers < 1:
        raise CuratorError("--workers must be at least 1")
    src = open_url(os.fspath(source)) if is_fsspec_url(source) else open_source(source)
    path = Path(index_path) if index_path else default_index_path(source)
    try:
        salt = salt_for(path)
    except OSError as exc:
        raise CuratorError(f"index folder cannot be written ({exc.strerror or 'OS error'})") from None
    previous = read_index_table(path)
    if previous is not None and (previous.schema.metadata or {}).get(b"curator_site_rule") != site_rule.encode():
        previous = None  # site labels were computed with another rule
    reusable: dict[str, tuple[str, int]] = {}  # path key -> (fingerprint, row number)
    if previous is not None:
        keys = previous.column("path_key").to_pylist()
        fingerprints = previous.column("fingerprint").to_pylist()
        statuses = previous.column("status").to_pylist()
        reusable = {k: (f, i) for i, (k, f, s) in enumerate(zip(keys, fingerprints, statuses)) if s == "indexed"}
    executor = make_executor(workers, scheduler, initializer=_quiet_worker)  # CuratorError when a scheduler is unreachable
    remote = executor.kind == "dask"  # workers elsewhere need absolute paths
    stats = ScanStats()
    seen_sops: dict[str, str] = {}
    global_tokens: set[str] = set()
    pending_rejections: list[tuple[str, dict]] = []  # (raw relpath, row) scrubbed at the end
    try:
        writer = IndexWriter(path, metadata={"curator_site_rule": site_rule})
    except OSError as exc:
        executor.shutdown()
        raise CuratorError(f"index cannot be written ({exc.strerror or 'OS error'})") from None
    bar = _Progress(sys.stderr.isatty() if progress is None else progress)

    def finish(row: dict, relpath: str) -> None:
        if row["status"] == "indexed":
            global_tokens.update(row["id_tokens"] or ())
            first = seen_sops.get(row["sop_key"])
            if first is not None:
                row = dict(empty_row(), path_key=row["path_key"], fingerprint=row["fingerprint"], size=row["size"], site=row["site"],
                           status="rejected", reason=f"duplicate SOP Instance UID (already indexed from {first})")
                pending_rejections.append((relpath, row))
                return
            seen_sops[row["sop_key"]] = row["path"]
            _count(stats, row)
            writer.add(row)
            if on_row:
                on_row(row)
        else:
            pending_rejections.append((relpath, row))

    def task_of(item: Item) -> tuple:
        path = os.path.abspath(item.path) if remote and item.path is not None and "://" not in item.path else item.path
        return (item.relpath, path, item.data, item.size, item.fingerprint, salt, site_rule)

    window: deque[tuple[list, Future | list]] = deque()
    limit = executor.workers * 4

    def drain(until: int) -> None:
        while len(window) > until:
            chunk, outcome = window.popleft()
            if isinstance(outcome, Future):
                try:
                    rows = outcome.result()
                except executor.crash_errors:
                    rows = [dict(empty_row(), path_key=key("path", t[0], salt), fingerprint=t[4], size=t[3], status="rejected",
                                 reason="reader process crashed on this file") for t in chunk]
                    if executor.recover():  # the other tasks in flight were lost with it
                        for index, (other_chunk, other) in enumerate(window):
                            if isinstance(other, Future):
                                window[index] = (other_chunk, executor.submit(_read_chunk, other_chunk))
            else:
                rows = outcome
            for task, row in zip(chunk, rows):
                finish(row, task[0])
            bar.advance(len(chunk))

    try:
        for chunk in _chunks(src.items(), CHUNK):
            tasks: list[tuple] = []
            for item in chunk:
                stats.seen += 1
                if isinstance(item, Rejection):
                    row = dict(empty_row(), path_key=key("path", item.relpath, salt), status="rejected", reason=item.reason,
                               site=_top_folder(item.relpath) or "unknown")
                    window.append(([(item.relpath,)], [row]))
                    continue
                old = reusable.get(key("path", item.relpath, salt))
                if old is not None and old[0] == item.fingerprint:
                    stats.reused += 1
                    window.append(([(item.relpath,)], previous.slice(old[1], 1).to_pylist()))
                    continue
                tasks.append(task_of(item))
            if tasks:
                window.append((tasks, executor.submit(_read_chunk, tasks) if executor.kind != "serial" else _read_chunk(tasks)))
            drain(limit)
        drain(0)
        for relpath, row in pending_rejections:
            row["path"] = scrub_path(relpath, global_tokens, salt)
            _count(stats, row)
            writer.add(row)
            if on_row:
                on_row(row)
        writer.close()
    except BaseException:
        writer.abort()
        raise
    finally:
        bar.close()
        executor.shutdown()
    return ScanResult(path, stats)


def _count(stats: ScanStats, row: dict) -> None:
    if row["status"] == "indexed":
        stats.indexed += 1
    else:
        stats.rejected += 1
        reason = row["reason"].split(" (")[0]
        stats.reasons[reason] = stats.reasons.get(reason, 0) + 1
