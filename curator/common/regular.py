"""Files named by the user or met in a source folder, opened safely: the one place that opens
a named file for reading (:func:`open_regular`) and reads a small one whole (:func:`read_small`).

A FIFO would make a plain ``open`` wait for a writer for ever, a device such as ``/dev/zero``
never ends: both are refused before anything reads them (hostile rounds 7 and 8).  Imports
only the standard library (the folder listing uses it for every file).
"""
from __future__ import annotations

import os
import stat

SMALL_FILE_LIMIT = 4 << 20  # a key, a profile, a release.yaml: a few KiB; 4 MiB is a generous ceiling


class NotASmallFile(OSError):
    """A file the user names that is no regular file (a FIFO, a device, a folder) or is
    larger than :data:`SMALL_FILE_LIMIT`; ``str()`` says which, without the path."""


def open_regular(path: str | os.PathLike[str], limit: int | None = None) -> int:
    """A file descriptor for reading the regular file the user (or a source folder) names:
    the one place that opens such a file.

    Opened without blocking and checked before anything reads it: a FIFO (which would wait
    for a writer for ever), a device such as ``/dev/zero`` (which never ends) or a folder
    raises :class:`NotASmallFile`, as does a file over ``limit`` bytes (``None``: any size);
    other ``OSError`` (missing, no permission) propagate for the caller's message.  The
    check is made on the opened file (``fstat``), so a file replaced by a FIFO after it was
    listed is refused too.  The caller closes the descriptor."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise NotASmallFile("is not a regular file (a folder, a FIFO or a device)")
        if limit is not None and info.st_size > limit:
            raise NotASmallFile(f"is larger than {limit >> 20} MiB")
    except BaseException:
        os.close(fd)
        raise
    return fd


def read_small(path: str | os.PathLike[str], limit: int | None = SMALL_FILE_LIMIT) -> bytes:
    """The bytes of a regular file the user names (a key, a YAML settings file, a recipe; a
    CSV with ``limit=None``, any size): :func:`open_regular`, then read up to ``limit``
    bytes (a file that grows past it while read is refused too)."""
    fd = open_regular(path, limit)
    try:
        chunks, size = [], 0
        while chunk := os.read(fd, 1 << 20):
            size += len(chunk)
            if limit is not None and size > limit:
                raise NotASmallFile(f"is larger than {limit >> 20} MiB")
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def read_named(path: str | os.PathLike[str], what: str, limit: int | None = SMALL_FILE_LIMIT, hint: str = "") -> bytes:
    """:func:`read_small` of a file the user names, with one wording for what can go wrong,
    naming ``what`` it is and the file by its last part only (a folder may be named after a
    patient): ``{what} not found: NAME{hint}``, ``{what} is not a regular file (a folder, a
    FIFO or a device): NAME``, ``{what} is larger than 4 MiB: NAME``, ``{what} cannot be
    read: NAME (Permission denied)``, each a :class:`curator.errors.CuratorError`."""
    from curator.errors import CuratorError

    name = os.path.basename(os.path.normpath(os.fspath(path))) or os.fspath(path)
    try:
        return read_small(path, limit)
    except FileNotFoundError:
        raise CuratorError(f"{what} not found: {name}{hint}") from None
    except NotASmallFile as exc:
        raise CuratorError(f"{what} {exc}: {name}") from None
    except OSError as exc:
        raise CuratorError(f"{what} cannot be read: {name} ({exc.strerror or type(exc).__name__})") from None
