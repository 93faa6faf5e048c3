"""Scan a source into the instance-level index: headers only, in parallel, streaming.

``scan_source`` lists the items of a source in order, reads each header in a pool of
worker processes (``stop_before_pixels``; or on a Dask cluster, see ``curator.common.executors``),
and writes one index row per file to Parquet in batches, so memory stays flat whatever the
archive's size.  Rows of files whose
fingerprint (size and mtime, or CRC) has not changed since the previous scan are reused
without reading the file again.  Every file ends up indexed or rejected with a reason.
"""
from __future__ import annotations

import bisect
import contextlib
import itertools
import logging
import os
import re
import sys
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import BinaryIO

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from curator.errors import CuratorError
from curator.common.executors import Ready, check_workers, make_executor, tolerant_map
from curator.common.faults import disk_full_is_an_error, exclusive, is_no_space
from curator.sources.base import open_item
from curator.dicom.header import PREFIX, HeaderError, read_header_source
from curator.index.store import (
    IndexWriter,
    check_index_target,
    default_index_path,
    empty_row,
    key,
    parquet_input,
    read_index,
    read_index_table,
    salt_for,
    scrub_path,
)
from curator.sources.base import ARCHIVE_SEPARATOR, Item, Rejection, Source
from curator.sources.registry import open_source

CHUNK = 16  # items in the first task sent to a local worker; each next task doubles, up to ...
CHUNK_MAX = 256  # ... this (a task costs the listing process a round trip: few, large tasks keep it free)
CHUNK_BYTES = 32 << 20  # ... or fewer when archive members (sent as bytes) add up to this
REMOTE_CHUNK = 256  # items per task sent to a Dask worker (a task costs a network round trip) ...
REMOTE_CHUNK_BYTES = 8 << 20  # ... or fewer when archive members (sent as bytes) add up to this
REMOTE_WINDOW = 64  # at most this many tasks in flight on a cluster (bounds memory: 64 x 8 MiB of member bytes)
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
        """The index as a pandas frame."""
        frame = read_index(self.index_path, columns)
        assert frame is not None
        return frame

    def table(self, columns=None) -> pa.Table:
        """The index as an Arrow table (what the audit reads fastest)."""
        table = read_index_table(self.index_path, columns)
        assert table is not None
        return table


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


def _site(record: dict, relpath: str, rule: str, salt: bytes) -> str:
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
        return _scrubbed_folder(folder, tuple(record["id_tokens"] or ()), salt)
    return f"inst-{key('institution', institution)[:8]}" if institution else "unknown"


@lru_cache(maxsize=1024)
def _scrubbed_folder(folder: str, tokens: tuple[str, ...], salt: bytes) -> str:
    """A top folder scrubbed of identifier tokens (the files of a series share it)."""
    return scrub_path(folder, set(tokens), salt)


def _read_record(handle: BinaryIO, size: int, salt: bytes) -> dict:
    """The index record of the file open in ``handle``: copied from a template when its
    header repeats one read before (``curator.index.series_template``), else read in full."""
    from curator.index import series_template
    from curator.index.extract import base_record, record_for

    prefix = handle.read(PREFIX) if size else b""
    record = series_template.match(handle, prefix, size, salt) if prefix else None
    if record is not None:
        return record
    handle.seek(len(prefix))
    header = read_header_source(handle, size, prefix=prefix)
    ds = header.dataset
    layout = series_template.layout_of(ds, header.source)  # before the extraction converts any element
    base, reusable = base_record(ds, salt, header.source)
    record = record_for(ds, base)
    series_template.learn(layout, salt, base, reusable)
    return record


def _read_one(relpath: str, path: str | None, data: bytes | None, size: int, fingerprint: str, salt: bytes, site_rule: str) -> dict:
    row = empty_row()
    row.update(path_key=key("path", relpath, salt), fingerprint=fingerprint, size=size)
    try:
        if data is not None:
            import io

            record = _read_record(io.BytesIO(data), size, salt)
        else:
            assert path is not None  # an item is read from its bytes or from its path
            with (open(path, "rb") if "://" not in path else open_item(path)) as handle:
                record = _read_record(handle, size, salt)
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
    row["site"] = _site(record, relpath, site_rule, salt)
    if record["institution"]:
        row["institution"] = key("institution", record["institution"])
    return row


def _read_chunk(tasks: list[tuple]) -> list[dict]:
    return [_read_one(*task) for task in tasks]


def _chunks(items: Iterator[Item | Rejection], size: int, max_bytes: int | None = None,
            max_size: int | None = None) -> Iterator[list[Item | Rejection]]:
    """``items`` in chunks of ``size``, doubling chunk after chunk up to ``max_size`` (when
    given), each cut early when the bytes of archive members in it reach ``max_bytes``."""
    chunk: list[Item | Rejection] = []
    held = 0
    for item in items:
        chunk.append(item)
        if max_bytes is not None and isinstance(item, Item) and item.data is not None:
            held += len(item.data)
        if len(chunk) >= size or (max_bytes is not None and held >= max_bytes):
            yield chunk
            chunk = []
            held = 0
            if max_size is not None:
                size = min(size * 2, max_size)
    if chunk:
        yield chunk


class _PreviousIndex:
    """The rows of the previous index that a re-scan may reuse, in little memory.

    Only three columns are held (as a sorted array of 64-bit path keys, their row numbers
    and an Arrow array of fingerprints, about 50 bytes a row); whole rows are read one row
    group at a time when reused, and turned into dicts 256 at a time.  A re-scan visits them in the order they were written
    (the source's order), so each row group is read once.  The file is opened at the first reuse and
    closed by :meth:`close` (a lookup of fingerprints alone never opens it).
    """

    BLOCK = 256  # rows converted to dicts at a time

    def __init__(self, path: Path, table: pa.Table):
        self._path = path
        self._file: pq.ParquetFile | None = None  # opened at the first reuse, while the re-scan reads row groups
        meta = pq.read_metadata(parquet_input(path))
        self._starts = list(itertools.accumulate((meta.row_group(g).num_rows for g in range(meta.num_row_groups)), initial=0))
        indexed = pc.equal(table.column("status"), "indexed").to_numpy(zero_copy_only=False)
        indexed &= table.column("path_key").is_valid().to_numpy(zero_copy_only=False)
        rows = np.flatnonzero(indexed)
        keys = table.column("path_key").take(pa.array(rows)).to_pylist()
        packed = np.frombuffer(bytes.fromhex("".join(keys)), dtype=">u8").astype(np.uint64) if keys else np.empty(0, np.uint64)
        order = np.argsort(packed, kind="stable")
        self._keys = packed[order]
        self._rows = rows[order]
        self._fingerprints = table.column("fingerprint").combine_chunks()
        self._group = self._block = -1
        self._group_table: pa.Table | None = None
        self._block_rows: list[dict] = []

    @classmethod
    def open(cls, path: Path, site_rule: str, paths_rule: str = "masked") -> _PreviousIndex | None:
        """``None`` when there is no usable previous index (missing, other version, other site or paths rule)."""
        table = read_index_table(path, ("path_key", "fingerprint", "status"))
        meta = (table.schema.metadata or {}) if table is not None else {}
        if table is None or meta.get(b"curator_site_rule") != site_rule.encode() or meta.get(b"curator_paths") != paths_rule.encode():
            return None  # site labels or paths were computed with another rule
        try:
            return cls(path, table)
        except (pa.ArrowInvalid, OSError, ValueError):
            return None

    def _row(self, path_key: str) -> int | None:
        wanted = np.uint64(int(path_key, 16))
        at = int(np.searchsorted(self._keys, wanted))
        if at >= len(self._keys) or self._keys[at] != wanted:
            return None
        return int(self._rows[at])

    def fingerprint(self, path_key: str) -> str | None:
        """The fingerprint ``path_key`` was indexed with (``None``: not indexed)."""
        row = self._row(path_key)
        return None if row is None else self._fingerprints[row].as_py()

    def reusable(self, path_key: str, fingerprint: str) -> dict | None:
        """The previous row of ``path_key`` when it was indexed with the same fingerprint."""
        row = self._row(path_key)
        if row is None or self._fingerprints[row].as_py() != fingerprint:
            return None
        group = bisect.bisect_right(self._starts, row) - 1
        table = self._group_table
        if group != self._group or table is None:
            if self._file is None:
                self._file = pq.ParquetFile(parquet_input(self._path))
            table = self._group_table = self._file.read_row_group(group)
            self._group, self._block = group, -1
        offset = row - self._starts[group]
        block = offset // self.BLOCK
        if block != self._block:  # rows as dicts take ~12 KB each: convert a few at a time
            self._block_rows = table.slice(block * self.BLOCK, self.BLOCK).to_pylist()
            self._block = block
        return self._block_rows[offset % self.BLOCK]

    def close(self) -> None:
        """Close the previous index's file if a reuse opened it (the scan then replaces that file)."""
        if self._file is not None:
            self._file.close()
            self._file = None
        self._group_table, self._block_rows = None, []


def listed_fingerprints(index_path: str | os.PathLike[str], site_rule: str = "folder",
                        full_paths: bool = False) -> Callable[[str], str | None] | None:
    """The fingerprint with which the index at ``index_path`` (a scan's, with these rules)
    holds an item by its relative path, ``None`` for an item it does not hold as indexed:
    for a later listing of the same source (:meth:`curator.sources.base.Source.relisted`)
    that need not open the files the scan just listed.  ``None`` when there is no usable index."""
    path = Path(index_path)
    previous = _PreviousIndex.open(path, site_rule, "full" if full_paths else "masked-sites")
    if previous is None:
        return None
    salt = salt_for(path)
    return lambda relpath: previous.fingerprint(key("path", relpath, salt))


class _Progress:
    """A rich progress line on a terminal; silent otherwise."""

    def __init__(self, enabled: bool):
        self._progress = None
        if enabled:
            from rich.progress import (
                BarColumn,
                Progress,
                SpinnerColumn,
                TextColumn,
                TimeElapsedColumn,
            )

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
    full_paths: bool = False,
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
    ``full_paths``: store paths with only identifier values removed; by default every path
    word that is not a known safe word is ``~`` (:func:`curator.deid.freetext.allowlisted_path`:
    a folder may be named after a person whom no readable header names).
    """
    if site_rule not in SITE_RULES:
        raise CuratorError(f"unknown site rule {site_rule!r}; choose one of {', '.join(SITE_RULES)}")
    check_workers(workers, scheduler)
    src = open_source(source)
    path = Path(index_path) if index_path else default_index_path(source)
    check_index_target(path)
    # One scan at a time per index: two would write the same temporary file (and salt).
    with exclusive(path.with_name(path.name + ".lock"), "the index of this source", "or give another --index"), \
            disk_full_is_an_error("the index"):
        return _scan_locked(src, path, workers, progress, (site_rule, full_paths), on_row, scheduler)


# The path of a DICOMweb item (curator.sources.dicomweb): curator's own one-way keys of its
# study, series and instance, no word of the source: shown as it is.
_DICOMWEB_PATH = re.compile(r"dicomweb(?:~[0-9a-f]{16}){3}")


def _shown_path(path: str | None, full_paths: bool) -> str | None:
    """A scrubbed path as the index keeps it: as it is with ``full_paths``, else with every
    word that is not a known safe word as ``~`` (a DICOMweb item's keys stay)."""
    from curator.deid.freetext import allowlisted_path

    if full_paths or (path is not None and _DICOMWEB_PATH.fullmatch(path)):
        return path
    return allowlisted_path(path)


def _shown_site(site: str | None, relpath: str, full_paths: bool, salt: bytes) -> str | None:
    """A site label taken from the top folder as the index keeps it: with ``full_paths`` as
    scrubbed, else masked like paths (every word that is not a known safe word as ``~``; red
    team 7: a folder named after a radiologist, "Pracownia_TK_dr_Zawadzkiej", was every
    site's label in the audit) and, when a word was masked, followed by ``~`` and six hex
    digits of the salted key of the folder, so that two sites masked alike stay apart."""
    folder = _top_folder(relpath)
    if full_paths or not site or folder is None or site == "unknown" or site.startswith("inst-"):
        return site
    return _masked_site(site, folder, salt)


@lru_cache(maxsize=1024)
def _masked_site(site: str, folder: str, salt: bytes) -> str:
    from curator.deid.freetext import allowlisted_path

    suffix = f"~{key('site', folder, salt)[:6]}"
    if site.endswith(suffix):  # shown already: a row of an unchanged file, reused by a re-scan
        return site
    masked = allowlisted_path(site) or site
    return site if masked == folder else f"{masked}{suffix}"


def _scan_locked(src: Source, path: Path, workers: int | None, progress: bool | None, rules: tuple[str, bool],
                 on_row: Callable[[dict], None] | None, scheduler: str | None) -> ScanResult:
    """:func:`scan_source` once it holds the lock of the index at ``path``."""
    try:
        salt = salt_for(path)
    except OSError as exc:
        if is_no_space(exc):
            raise  # said as a full disk by scan_source
        raise CuratorError(f"index folder cannot be written ({exc.strerror or 'OS error'})") from None
    site_rule, full_paths = rules
    paths_rule = "full" if full_paths else "masked-sites"  # an index of masked paths but raw site labels is not reused
    previous = _PreviousIndex.open(path, site_rule, paths_rule)
    executor = make_executor(workers, scheduler, initializer=_quiet_worker)  # CuratorError when a scheduler is unreachable
    remote = executor.kind == "dask"  # workers elsewhere need absolute paths
    if executor.kind == "local":
        from curator.index.extract import warm_up

        warm_up()  # tables loaded once here, before the pool forks its workers (they start at the first submit)
    stats = ScanStats()
    seen_sops: dict[str, str] = {}
    global_tokens: set[str] = set()
    pending_rejections: list[tuple[str, dict]] = []  # (raw relpath, row) scrubbed at the end
    folders: set[str] = set()  # folders of indexed rows, scrubbed again at the end (misfiled files)
    with contextlib.ExitStack() as stack:
        stack.enter_context(executor)
        try:
            writer = IndexWriter(path, metadata={"curator_site_rule": site_rule, "curator_paths": paths_rule})
        except OSError as exc:
            if is_no_space(exc):
                raise
            raise CuratorError(f"index cannot be written ({exc.strerror or 'OS error'})") from None
        bar = _Progress(sys.stderr.isatty() if progress is None else progress)
        stack.callback(bar.close)
        if previous is not None:
            stack.callback(previous.close)

        def finish(row: dict, relpath: str) -> None:
            row["path"] = _shown_path(row["path"], full_paths)
            row["site"] = _shown_site(row["site"], relpath, full_paths, salt)
            if row["status"] == "indexed":
                global_tokens.update(row["id_tokens"] or ())
                first = seen_sops.get(row["sop_key"])
                if first is not None:
                    row = dict(empty_row(), path_key=row["path_key"], fingerprint=row["fingerprint"], size=row["size"], site=row["site"],
                               status="rejected", reason=f"duplicate SOP Instance UID (already indexed from {first})")
                    pending_rejections.append((relpath, row))
                    return
                seen_sops[row["sop_key"]] = row["path"]
                folders.add(row["path"].rpartition("/")[0])
                _count(stats, row)
                writer.add(row)
                if on_row:
                    on_row(row)
            else:
                pending_rejections.append((relpath, row))

        def task_of(item: Item) -> tuple:
            path = os.path.abspath(item.path) if remote and item.path is not None and "://" not in item.path else item.path
            return (item.relpath, path, item.data, item.size, item.fingerprint, salt, site_rule)

        limit = min(executor.workers * 4, REMOTE_WINDOW) if remote else executor.workers * 4
        chunking = (REMOTE_CHUNK, REMOTE_CHUNK_BYTES) if remote else (CHUNK, CHUNK_BYTES, CHUNK_MAX)

        def crashed(task: tuple) -> dict:
            return dict(empty_row(), path_key=key("path", task[0], salt), fingerprint=task[4], size=task[3], status="rejected",
                        reason="reader process crashed on this file")

        try:
            chunks = _tasks_by_chunk(src, chunking, stats, salt, previous, task_of)
            for tasks, rows in tolerant_map(executor, _read_chunk, chunks, crashed, limit):
                for task, row in zip(tasks, rows):
                    finish(row, task[0])
                bar.advance(len(tasks))
            if previous is not None:
                previous.close()  # every reuse is done: the file is replaced below
            for relpath, row in pending_rejections:
                row["path"] = _shown_path(scrub_path(relpath, global_tokens, salt), full_paths)
                if row["site"] is not None and row["site"] == _top_folder(relpath):  # a folder label: as scrubbed as the path
                    row["site"] = _shown_site(scrub_path(row["site"], global_tokens, salt), relpath, full_paths, salt)
                _count(stats, row)
                writer.add(row)
                if on_row:
                    on_row(row)
            writer.close(rewrite=_folder_rescrub(folders, global_tokens, salt, site_rule))
        except BaseException:
            writer.abort()
            raise
    return ScanResult(path, stats)


def _tasks_by_chunk(src: Source, chunking: tuple[int, ...], stats: ScanStats, salt: bytes,
                    previous: _PreviousIndex | None, task_of: Callable[[Item], tuple]) -> Iterator[list | Ready]:
    """The reading tasks of each chunk of the listing; rejections and rows reused from the
    previous index pass as ready (counted in ``stats``).  A file the previous index holds with
    its fingerprint unchanged is not opened to be listed (:meth:`Source.relisted`)."""
    listing = src.items() if previous is None else src.relisted(lambda relpath: previous.fingerprint(key("path", relpath, salt)))
    for chunk in _chunks(listing, *chunking):
        tasks: list[tuple] = []
        for item in chunk:
            stats.seen += 1
            if isinstance(item, Rejection):
                row = dict(empty_row(), path_key=key("path", item.relpath, salt), status="rejected", reason=item.reason,
                           site=_top_folder(item.relpath) or "unknown")
                yield Ready([(item.relpath,)], [row])
                continue
            old = previous.reusable(key("path", item.relpath, salt), item.fingerprint) if previous is not None else None
            if old is not None:
                stats.reused += 1
                yield Ready([(item.relpath,)], [old])
                continue
            tasks.append(task_of(item))
        yield tasks


_SITE_SUFFIX = re.compile(r"~[0-9a-f]{6}$")


def _split_site_suffix(site: str) -> tuple[str, str]:
    """A site label and the salted suffix :func:`_masked_site` gave it ("" when none)."""
    match = _SITE_SUFFIX.search(site)
    return (site, "") if match is None else (site[:match.start()], match.group())


def _folder_rescrub(folders: set[str], tokens: set[str], salt: bytes, site_rule: str) -> Callable[[pa.Table], pa.Table] | None:
    """The last scrub of the index: folder names with the identifier tokens of *every*
    header of the source, not only of the files in them (found by the red team: a file
    of another patient filed in the folder "Kowalczyk_Jan" kept that name in its row).
    ``None`` (no rewrite) when no folder changes."""
    changed = {folder: new for folder in folders if (new := scrub_path(folder, tokens, salt)) != folder}
    if not changed:
        return None

    def path_of(path: str) -> str:
        folder, slash, name = path.rpartition("/")
        return changed.get(folder, folder) + slash + name

    sites: dict[str, str] = {}

    def site_of(site: str | None) -> str | None:
        if not site or site_rule != "folder":
            return site
        if site not in sites:  # a masked label's salted suffix (_shown_site) is kept as it is: six
            label, suffix = _split_site_suffix(site)  # hex digits such as "120519" read as a date
            sites[site] = scrub_path(label, tokens, salt) + suffix  # and two sites became one "~~~"
        return sites[site]

    def rewrite(table: pa.Table) -> pa.Table:
        paths = [path_of(p) if p else p for p in table.column("path").to_pylist()]
        labels = [site_of(s) for s in table.column("site").to_pylist()]
        for name, values in (("path", paths), ("site", labels)):
            index = table.schema.get_field_index(name)
            table = table.set_column(index, table.schema.field(index), pa.array(values, table.schema.field(index).type))
        return table

    return rewrite


def _count(stats: ScanStats, row: dict) -> None:
    if row["status"] == "indexed":
        stats.indexed += 1
    else:
        stats.rejected += 1
        reason = row["reason"].split(" (")[0]
        stats.reasons[reason] = stats.reasons.get(reason, 0) + 1
