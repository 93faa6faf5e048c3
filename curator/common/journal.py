"""The journal of the outputs a run has written, so that a killed run can be resumed.

A journal is a text file of JSON lines, appended to and flushed as outputs are written:

* the first line names the settings of the run (an opaque digest): a journal written
  with other settings is not trusted (:meth:`Journal.open` starts it afresh);
* each further line records one output: its key (its name in the output), the checksum
  of its bytes as written (:mod:`curator.common.digests`: a hash of chunks, so that a
  de-identified file's pixel data, hashed once as its source's, is not hashed again), and
  what the run needs to know about it (``info``: action counts, for the
  de-identification report).

A resumed run reuses an output only when the file is there *and* its bytes still have the
recorded checksum (:meth:`Journal.reusable`): a file damaged or truncated since (or
written but not journaled before the kill) is written again.  A torn last line (the
kill came while it was written) is ignored.  Nothing identifying goes into a journal:
keys are output names (pseudonymous) and the settings digest is keyed.
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import IO, Any

from curator.common.digests import file_digest

# /2: checksums of curator.common.digests (a /1 journal held plain SHA-256: not trusted, started afresh)
SCHEMA = "curator.common.journal/2"


def matches(path: str | os.PathLike[str], checksum: str | None) -> bool:
    """Whether the file at ``path`` exists and has the checksum ``checksum`` (:func:`curator.common.digests.file_digest`)."""
    return checksum is not None and file_digest(path) == checksum


class Journal:
    """An append-only record of outputs written (see the module documentation)."""

    def __init__(self, path: Path, settings: str, entries: dict[str, dict[str, Any]], handle: IO[str]):
        """``entries``: the outputs of the interrupted run(s) this journal records, by key."""
        self.path = path
        self.settings = settings
        self.entries = entries
        self._handle = handle

    @classmethod
    def open(cls, path: str | os.PathLike[str], settings: str) -> Journal:
        """The journal at ``path``: its entries when it was written with ``settings``, else
        a new, empty journal (an older one is replaced)."""
        path = Path(path)
        entries = read_entries(path, settings)
        if entries is None:
            path.parent.mkdir(parents=True, exist_ok=True)
            handle = open(path, "w", encoding="utf-8")
            handle.write(json.dumps({"schema": SCHEMA, "settings": settings}, sort_keys=True, allow_nan=False) + "\n")
            handle.flush()
            entries = {}
        else:
            handle = open(path, "a", encoding="utf-8")
            if path.stat().st_size and not _ends_with_newline(path):
                handle.write("\n")  # close a torn last line: the next record starts on its own line
        return cls(path, settings, entries, handle)

    def reusable(self, key: str, file: str | os.PathLike[str]) -> dict[str, Any] | None:
        """The recorded ``info`` of ``key`` when ``file`` still has the recorded checksum."""
        entry = self.entries.get(key)
        if entry is None or not matches(file, entry.get("checksum")):
            return None
        return entry.get("info") or {}

    def record(self, key: str, checksum: str, info: dict[str, Any] | None = None) -> None:
        """Append one output, with the checksum of its bytes (:mod:`curator.common.digests`;
        flushed at once: a kill loses at most the line being written)."""
        entry = {"key": key, "checksum": checksum, "info": info or {}}
        self._handle.write(json.dumps(entry, sort_keys=True, allow_nan=False) + "\n")
        self._handle.flush()  # not kept in ``entries``: memory holds only what a resume needs

    def close(self) -> None:
        self._handle.close()

    def remove(self) -> None:
        """Close and delete the journal (the run it records has completed)."""
        self.close()
        self.path.unlink(missing_ok=True)


def read_entries(path: str | os.PathLike[str], settings: str) -> dict[str, dict[str, Any]] | None:
    """The entries of the journal at ``path`` by key; ``None`` when there is none, or it
    was written with other settings (or is not a journal)."""
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return None
    if not lines:
        return None
    try:
        head = json.loads(lines[0])
    except ValueError:
        return None
    if not isinstance(head, dict) or head.get("schema") != SCHEMA or head.get("settings") != settings:
        return None
    entries: dict[str, dict[str, Any]] = {}
    for line in lines[1:]:
        try:
            entry = json.loads(line)
            entries[str(entry["key"])] = {"checksum": str(entry["checksum"]), "info": dict(entry.get("info") or {})}
        except (ValueError, KeyError, TypeError):
            continue  # a torn line
    return entries


def written_with(path: str | os.PathLike[str], settings: str) -> bool | None:
    """``None`` when there is no journal at ``path``; else whether a run with ``settings`` may
    resume it: it has ``settings``, or it was cut before its first line ended (:func:`_cut_at_head`)."""
    if not Path(path).exists():
        return None
    return read_entries(path, settings) is not None or _cut_at_head(path)


_HEAD_START = json.dumps({"schema": SCHEMA, "settings": ""}, sort_keys=True)[:-3]  # '{"schema": "...", "settings": '


def _cut_at_head(path: str | os.PathLike[str]) -> bool:
    """Whether the journal at ``path`` was cut before the end of its first line (empty
    included): its run was stopped (Ctrl-C, SIGTERM, kill -9, a power cut) between creating it
    and writing the settings line.  It records nothing: the run writes no output before that
    line, so any run may resume it (:meth:`Journal.open` starts it afresh).  Such a journal
    made the same command refuse the folder as 'made with another key or other settings'
    (test_hostile4's Ctrl-C test, which signalled the run as soon as its journal existed)."""
    try:
        with open(path, "rb") as handle:
            start = handle.read(len(_HEAD_START) + 4096)
    except OSError:
        return False
    if b"\n" in start or len(start) > len(_HEAD_START) + 4095:
        return False
    text = start.decode("utf-8", "replace")
    return _HEAD_START.startswith(text) or text.startswith(_HEAD_START)


def _ends_with_newline(path: Path) -> bool:
    with open(path, "rb") as handle:
        handle.seek(-1, os.SEEK_END)
        return handle.read(1) == b"\n"
