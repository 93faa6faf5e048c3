"""What every source yields (:class:`Item`, :class:`Rejection`) and what kind of source a
spec names: the one place that tells a DICOMweb URL, an fsspec URL and a local path apart
(:func:`source_kind`), used by :func:`curator.sources.registry.open_source`, scan,
de-identification and publish.

Imports nothing from the other source modules, so that they can all import it (no cycle).
"""
from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Literal

from curator.common.visible import visible

DICOMWEB_PREFIX = "dicomweb+"
SourceKind = Literal["dicomweb", "fsspec", "path"]
_URL = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*)://")
_NOT_FSSPEC = ("http", "https")  # DICOMweb, never a file store


def is_dicomweb_spec(spec: str | os.PathLike[str]) -> bool:
    """True for ``http(s)://…`` and ``dicomweb+http(s)://…`` specs (a DICOMweb server)."""
    return os.fspath(spec).lower().startswith(("http://", "https://", DICOMWEB_PREFIX))


def is_fsspec_url(spec: str | os.PathLike[str]) -> bool:
    """True for ``scheme://…`` specs read through fsspec (not http(s) nor dicomweb+…)."""
    match = _URL.match(os.fspath(spec))
    return match is not None and match.group(1).lower() not in _NOT_FSSPEC and not match.group(1).lower().startswith("dicomweb")


def source_kind(spec: str | os.PathLike[str]) -> SourceKind:
    """``"dicomweb"`` (a server), ``"fsspec"`` (an object-store URL) or ``"path"`` (a local
    folder or archive) for a source given on the command line."""
    if is_dicomweb_spec(spec):
        return "dicomweb"
    if is_fsspec_url(spec):
        return "fsspec"
    return "path"


def open_item(path: str) -> BinaryIO:
    """Open an item's ``path`` for reading: a URL through fsspec, anything else as a local file."""
    if is_fsspec_url(path):
        import fsspec

        return fsspec.open(path, "rb").open()
    return open(path, "rb")


ARCHIVE_SEPARATOR = "!/"


@dataclass(frozen=True)
class Item:
    """One file (or archive member) that may hold a DICOM instance.

    ``path`` is set for plain files (workers open it themselves); ``data`` holds the bytes
    of archive members, which are read in archive order by the process listing them.
    ``fingerprint`` changes whenever the content may have changed (size and mtime, or CRC).
    """

    relpath: str
    size: int
    fingerprint: str
    path: str | None = None
    data: bytes | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "relpath", text_name(self.relpath))

    def read(self) -> bytes:
        if self.data is not None:
            return self.data
        assert self.path is not None
        with open_item(self.path) as handle:
            return handle.read()


@dataclass(frozen=True)
class Rejection:
    """Something in the source that cannot be read as DICOM, with the reason why."""

    relpath: str
    reason: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "relpath", text_name(self.relpath))


def text_name(name: str) -> str:
    """A file name as UTF-8 text (:func:`curator.common.visible.visible`): bytes that are not
    UTF-8 become ``\\xNN``, and so do control characters (``\\u202e`` for a bidirectional
    override), so that keys, the index and messages can hold the name and print it as it
    is; the file itself is still opened by its real path."""
    return visible(name)


class Source:
    """Base class: a named collection of items."""

    description: str

    def items(self) -> Iterator[Item | Rejection]:
        raise NotImplementedError

    def relisted(self, listed_before: Callable[[str], str | None]) -> Iterator[Item | Rejection]:
        """:meth:`items` again, for a run that listed this source before: ``listed_before(relpath)``
        gives the fingerprint a plain file had in the earlier listing (``None``: not listed
        then, or not as a plain file).  The same items as :meth:`items`; a source that can
        tell a file unchanged by its fingerprint alone does not open it again (a folder:
        size and modification time), others list as :meth:`items` does."""
        return self.items()


def is_inside(inner: Path, outer: Path) -> bool:
    """True when ``inner`` is ``outer`` or lies below it (after resolving links)."""
    inner, outer = inner.resolve(), outer.resolve()
    return inner == outer or outer in inner.parents
