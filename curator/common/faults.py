"""Faults of the machine that long runs (scan, deid, publish) turn into clear errors.

* :func:`exclusive`: one run at a time per output (a lock file, held with ``flock``
  through the ``filelock`` package); a second run is refused with :class:`RunLocked`
  instead of crashing on, or deleting, the files of the first.
* :func:`disk_full_is_an_error`: a full disk (``ENOSPC``, ``EDQUOT``) stops the run with
  :class:`NoSpaceError` ("no space left on device"); what was written before stays, and the
  same command run again resumes.  An output that cannot be written (read-only file
  system, no permission) stops it with :class:`UnwritableError` ("cannot write ...").

Both errors are :class:`~curator.errors.CuratorError`: the CLI prints ``error: ...`` and
exits with status 2; their messages name no path.
"""
from __future__ import annotations

import contextlib
import errno
import os
import sqlite3
import stat
from collections.abc import Iterator
from pathlib import Path

from curator.common.visible import visible
from curator.errors import CuratorError

NO_SPACE_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT})
NO_SPACE = "no space left on device"
# An output the user named that cannot be written: a read-only file system, no permission,
# a file where a folder is needed, a name too long.  A usage error, not a bug.
UNWRITABLE_ERRNOS = frozenset({errno.EROFS, errno.EACCES, errno.EPERM, errno.ENOTDIR, errno.EISDIR,
                               errno.ENAMETOOLONG})


class RunLocked(CuratorError):
    """Another run holds the lock of the same output (or index)."""


class NoSpaceError(CuratorError):
    """The disk (or quota) is full."""


class UnwritableError(CuratorError):
    """The output cannot be written (read-only file system, no permission...)."""


def is_no_space(exc: BaseException) -> bool:
    """Whether ``exc`` says that the disk or the quota is full (also as Arrow or SQLite put it)."""
    if isinstance(exc, OSError) and exc.errno in NO_SPACE_ERRNOS:
        return True
    if isinstance(exc, sqlite3.OperationalError):
        return "disk is full" in str(exc)
    return isinstance(exc, OSError) and "No space left on device" in str(exc)  # pyarrow sets no errno


@contextlib.contextmanager
def disk_full_is_an_error(what: str) -> Iterator[None]:
    """Turn a full disk met in the block into :class:`NoSpaceError` about ``what``, and an
    output that cannot be written (read-only, no permission) into :class:`UnwritableError`."""
    try:
        yield
    except CuratorError:
        raise
    except Exception as exc:
        if is_no_space(exc):
            raise NoSpaceError(no_space_message(what)) from None
        if isinstance(exc, OSError) and exc.errno in UNWRITABLE_ERRNOS:
            raise UnwritableError(f"cannot write {what} ({exc.strerror})") from None
        raise


@contextlib.contextmanager
def writing(name: str) -> Iterator[None]:
    """Writing the file the user named ``name`` (its base name): any failure of the file
    system is :class:`~curator.errors.CuratorError` ("cannot write NAME (reason)")."""
    try:
        yield
    except OSError as exc:
        if is_no_space(exc):
            raise NoSpaceError(no_space_message(name)) from None
        if isinstance(exc, (FileExistsError, NotADirectoryError)):  # making its folder: a file is in the path
            raise CuratorError(f"cannot write {name} (a file, not a folder, is in its path)") from None
        raise CuratorError(f"cannot write {name} ({exc.strerror or 'OS error'})") from None


def write_whole(path: Path, data: bytes) -> None:
    """``data`` into the file ``path``, whole or not at all: a new or regular file is written
    beside it (``.NAME.PID.part``) and renamed over it, so that a full disk or an interrupt
    leaves the previous file or none, never a cut one that looks complete (the mode of a
    file replaced is kept; a symbolic link is written through).  Anything else (/dev/null,
    a FIFO, a terminal) is written directly."""
    path = Path(os.path.realpath(path))
    try:
        info: os.stat_result | None = os.stat(path)
    except FileNotFoundError:
        info = None
    if info is not None and not stat.S_ISREG(info.st_mode):
        with open(path, "wb") as handle:
            handle.write(data)
        return
    part = path.with_name(f".{path.name}.{os.getpid()}.part")
    try:
        with open(part, "wb") as handle:
            handle.write(data)
        if info is not None:
            os.chmod(part, stat.S_IMODE(info.st_mode))
        os.replace(part, path)
    except BaseException:
        with contextlib.suppress(OSError):
            part.unlink()
        raise


def first_link(folder: Path) -> str | None:
    """The name of a symbolic link inside ``folder`` (at any depth; links are not followed),
    or ``None``.  Curator writes no link: one in an output folder was put there, and a run
    writing through it (``OUT/site -> SOURCE/site``, ``OUT/deid-report.json -> a source
    file``) would write outside OUT, into the source itself."""
    todo = [str(folder)]
    while todo:
        try:
            with os.scandir(todo.pop()) as entries:
                for entry in sorted(entries, key=lambda e: e.name):
                    if entry.is_symlink():
                        return entry.name
                    if entry.is_dir(follow_symlinks=False):
                        todo.append(entry.path)
        except (FileNotFoundError, NotADirectoryError):
            continue
    return None


def refuse_links(folder: Path, what: str) -> None:
    """:class:`~curator.errors.CuratorError` when ``folder`` (an output folder that exists)
    holds a symbolic link (:func:`first_link`), named by its last part only."""
    name = first_link(folder) if folder.is_dir() and not folder.is_symlink() else None
    if name is not None:
        raise CuratorError(f"{what} holds a symbolic link (curator writes none, and never writes through one; "
                           f"remove it or choose another folder): {visible(name)}")


def no_space_message(what: str) -> str:
    return f"{NO_SPACE} while writing {what}; free some space and run the same command again to resume"


@contextlib.contextmanager
def exclusive(lock_path: str | os.PathLike[str], what: str, hint: str = "or choose another folder") -> Iterator[None]:
    """Hold the lock at ``lock_path`` for the block, or raise :class:`RunLocked` at once.

    The lock file is deleted when the block ends (an interrupted run leaves it behind,
    unlocked: the next run takes it over).  ``what`` names the thing locked in the message,
    ``hint`` says what else the user can do.
    """
    from filelock import FileLock, Timeout

    path = Path(lock_path)
    with disk_full_is_an_error(what):
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except FileExistsError:  # a file (not a folder) of that name, or in its path
            raise UnwritableError(f"cannot write {what} (a file, not a folder, is in its place)") from None
        except OSError as exc:
            if is_no_space(exc):
                raise
            raise UnwritableError(f"cannot write {what} ({exc.strerror or 'OS error'})") from None
        lock = FileLock(path, timeout=0)
        try:
            lock.acquire()
        except Timeout:
            raise RunLocked(f"another curator run is using {what}; wait until it ends ({hint})") from None
    try:
        yield
    finally:
        with contextlib.suppress(OSError):
            path.unlink()  # before the release: a waiting run then finds the file gone and retakes it
        lock.release()
