"""Local sources: folders and archives, listed as items whatever their names.

A local source is given as one argument:

* a folder, walked recursively in sorted order, whatever the file names (archives found
  inside it are read member by member as well);
* a zip / tar / tar.gz / tar.bz2 / tar.xz archive, read member by member without unpacking
  to disk.

Everything a source holds comes out of :meth:`Source.items` either as an :class:`Item`
(bytes that may be DICOM) or as a :class:`Rejection` (something that cannot be read, with
a human-readable reason), so that every file is accounted for.  Paths are POSIX paths
relative to the source; an archive member is ``archive.zip!/member``.

Sources never write: files are opened read-only and never moved or modified.
"""
from __future__ import annotations

import bz2
import gzip
import lzma
import os
import stat
import sys
import tarfile
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path, PurePosixPath
from typing import Any, ClassVar, Self


from curator.common.regular import NotASmallFile, open_regular
from curator.errors import CuratorError
from curator.resources import load_yaml, mappings_dir
from curator.sources.base import ARCHIVE_SEPARATOR, Item, Rejection, Source, text_name


@dataclass(frozen=True)
class ArchiveLimits:
    max_ratio: float  # decompressed bytes per compressed byte beyond which data is a decompression bomb
    max_member_bytes: int


@cache
def _unreadable_archives() -> tuple[tuple[str, bytes], ...]:
    data = load_yaml(mappings_dir() / "sources.yaml").get("unreadable_archives") or {}
    return tuple((str(name), bytes.fromhex(str(magic))) for name, magic in data.items())


def unreadable_archive(head: bytes) -> str | None:
    """Why a file starting with ``head`` is rejected when it is an archive of a format curator
    does not read (``unreadable_archives`` of ``mappings/sources.yaml``), else ``None``."""
    if len(head) >= 132 and head[128:132] == b"DICM":
        return None
    for name, magic in _unreadable_archives():
        if head.startswith(magic):
            return f"{name} archive, a format curator cannot read (unpack it first)"
    return None


@cache
def archive_limits() -> ArchiveLimits:
    """The decompression limits of ``mappings/sources.yaml`` (archives, compressed files, deflated datasets)."""
    data = load_yaml(mappings_dir() / "sources.yaml")
    return ArchiveLimits(float(data["max_ratio"]), int(data["max_member_bytes"]))


# What a corrupt compressed stream raises besides OSError/EOFError (zlib and lzma errors
# are no OSError): a corrupt member or file is rejected, never the end of the run.
_STREAM_ERRORS = (OSError, EOFError, ValueError, zlib.error, lzma.LZMAError)


class BrokenTarHeader(tarfile.ReadError):
    """A tar member's header that is corrupt (its checksum is wrong) or cut short, past the
    first: tarfile takes it for the end of the archive and stops without a word."""


# tarfile's own classes for these two (not in typeshed's stubs)
_BROKEN_HEADERS = tuple(getattr(tarfile, name) for name in ("InvalidHeaderError", "TruncatedHeaderError"))


class MemberPastEnd(BrokenTarHeader):
    """A tar member whose size (its header's, a PAX record's, a base-256 field's) runs past the
    end the archive can have: tarfile would skip it block by block for ever (10^26 bytes)."""


class _CheckedTarInfo(tarfile.TarInfo):
    """A tar member's header: one that is corrupt or cut short after the first raises
    :class:`BrokenTarHeader`, so the members after it are reported as not read; one whose data
    would end past :attr:`end` (set per archive by :func:`_tar_info_class`) raises
    :class:`MemberPastEnd` before tarfile seeks there."""

    end: ClassVar[int] = sys.maxsize

    @classmethod
    def fromtarfile(cls, tarfile_: tarfile.TarFile) -> Self:
        try:
            info = super().fromtarfile(tarfile_)
        except _BROKEN_HEADERS:
            if tarfile_.offset == 0:
                raise  # the first header: not a tar archive (tarfile says so itself)
            raise BrokenTarHeader("corrupt member header") from None
        if tarfile_.offset > cls.end:  # where tarfile will look for the next header
            raise MemberPastEnd("member past the end")
        return info


def _tar_info_class(head: bytes, archive_size: int) -> type[_CheckedTarInfo]:
    """:class:`_CheckedTarInfo` bounded for one archive: a plain tar's members end within the
    file; a compressed one's within what it may expand to (a member beyond
    ``max_member_bytes`` or that ratio is refused anyway)."""
    limits = archive_limits()
    compressed = head.startswith(tuple(_DECOMPRESSORS))
    end = int(limits.max_member_bytes + limits.max_ratio * archive_size) if compressed else archive_size
    return type("_BoundedTarInfo", (_CheckedTarInfo,), {"end": end})


# Read failures whose class name says nothing to a user, in words (messages are never quoted:
# zipfile's name the member, which may be named after a patient).
_FAULT_WORDS: tuple[tuple[type[BaseException], str], ...] = (
    (MemberPastEnd, "a member's size runs past the end of the archive"),
    (BrokenTarHeader, "a member's header is corrupt or cut short"),
    (tarfile.ReadError, "cut short or not tar data"),
    (zipfile.BadZipFile, "corrupt zip data: a checksum or a header does not match"),
    (NotImplementedError, "compressed with a method curator cannot read"),
)


def _fault(exc: BaseException) -> str:
    """The kind of a read failure, in words where its class name says nothing (``error``)."""
    if isinstance(exc, (zlib.error, lzma.LZMAError, gzip.BadGzipFile)):
        return "corrupt compressed data"
    for kind, words in _FAULT_WORDS:
        if isinstance(exc, kind):
            return words
    if type(exc) is OSError and exc.errno is None:  # bz2's 'Invalid data stream': no system call failed
        return "corrupt compressed data"
    if isinstance(exc, EOFError):
        return "compressed data ends early"
    return type(exc).__name__


def _archive_kind(head: bytes) -> str | None:
    """``'zip'`` or ``'tar'`` from the first bytes of a file, ``None`` otherwise.

    DICOM (``DICM`` at offset 128) always wins, whatever its preamble holds.
    """
    if len(head) >= 132 and head[128:132] == b"DICM":
        return None
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return "zip"
    if head.startswith((b"\x1f\x8b", b"BZh", b"\xfd7zXZ\x00")):
        return "tar"  # compressed; confirmed as tar when opened
    if len(head) >= 262 and head[257:262] == b"ustar":
        return "tar"
    return None


def _file_kind(path: str | os.PathLike[str], head: bytes) -> str | None:
    """:func:`_archive_kind`, and ``'zip'`` for a self-extracting zip: a Windows program
    (``MZ``) with a zip archive after it, as PACS viewers and burners export a study
    (zipfile reads it; only such files are looked at beyond their head)."""
    kind = _archive_kind(head)
    if kind is None and head.startswith(b"MZ"):
        try:
            return "zip" if zipfile.is_zipfile(path) else None
        except OSError:
            return None
    return kind


def _unsafe_member_name(name: str) -> str | None:
    if name.startswith(("/", "\\")) or (len(name) > 1 and name[1] == ":"):
        return "absolute path in archive (path traversal)"
    parts = PurePosixPath(name.replace("\\", "/")).parts
    if ".." in parts:
        return "'..' in archive member path (path traversal)"
    if not parts:  # '', '.', './': a name that is the archive itself
        return "archive member without a file name"
    return None


def _head(path: str | Path, size: int = 512) -> bytes | None:
    """The first ``size`` bytes of a file, ``None`` when it is not a regular file
    (:func:`curator.common.userfile.open_regular`: opened without blocking and checked on the
    opened file, so that a FIFO put in a listed file's place is told apart before anything
    waits on it; no Python file object: listing opens every file)."""
    try:
        fd = open_regular(path)
    except NotASmallFile:
        return None
    try:
        return os.read(fd, size)
    finally:
        os.close(fd)


ZERO_CHECK_LIMIT = 16 << 20  # larger files of zero blocks are read as any other file


def _only_zero_blocks(path: str, head: bytes, size: int) -> str | None:
    """Why a file made of 512-byte blocks of zeros only is rejected (an empty tar archive is
    two or more of them: tar reads no header in it, nor does a DICOM reader), else ``None``."""
    if size < 1024 or size % 512 or size > ZERO_CHECK_LIMIT or head.count(0) != len(head):
        return None
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            if chunk.count(0) != len(chunk):
                return None
    if path.lower().endswith(".tar"):
        return "empty tar archive (no file in it)"
    return "only zero bytes (an empty tar archive or a zeroed file; no DICOM data)"


class FolderSource(Source):
    """A folder walked recursively in sorted order; symbolic links are not followed."""

    def __init__(self, root: Path):
        self.root = root
        self.description = "folder"

    def items(self) -> Iterator[Item | Rejection]:
        yield from self._walk(self.root, "")

    def relisted(self, listed_before: Callable[[str], str | None]) -> Iterator[Item | Rejection]:
        """:meth:`items`, but a file listed before as a plain file with the same size and
        modification time is not opened again to tell its kind (a DICOM file, an archive, zero
        blocks): it is the item it was.  A file rewritten since without changing either is
        caught by whoever reads it (de-identification compares the bytes' checksum)."""
        yield from self._walk(self.root, "", listed_before)

    def _walk(self, folder: Path, prefix: str,
              listed_before: Callable[[str], str | None] | None = None) -> Iterator[Item | Rejection]:
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError as exc:
            yield Rejection(prefix.rstrip("/") or ".", f"folder cannot be listed ({exc.strerror or 'OS error'})")
            return
        for entry in entries:
            relpath = prefix + entry.name
            try:
                if entry.is_symlink():
                    yield Rejection(relpath, "symbolic link (not followed)")
                    continue
                if entry.is_dir(follow_symlinks=False):
                    yield from self._walk(Path(entry.path), relpath + "/", listed_before)
                    continue
                info = entry.stat(follow_symlinks=False)
            except OSError as exc:
                yield Rejection(relpath, f"cannot be read ({exc.strerror or 'OS error'})")
                continue
            if not stat.S_ISREG(info.st_mode):
                yield Rejection(relpath, "not a regular file")
                continue
            fingerprint = f"{info.st_size}:{info.st_mtime_ns}"
            # "!/" never in a file's path but in a folder named "x!": never taken for an archive member's
            if listed_before is not None and ARCHIVE_SEPARATOR not in relpath and listed_before(text_name(relpath)) == fingerprint:
                yield Item(relpath, info.st_size, fingerprint, path=entry.path)
                continue
            try:
                head = _head(entry.path)
            except OSError as exc:
                yield Rejection(relpath, f"cannot be read ({exc.strerror or 'OS error'})")
                continue
            if head is None:  # replaced by a FIFO or a device since it was listed
                yield Rejection(relpath, "not a regular file")
                continue
            kind = _file_kind(entry.path, head)
            if kind is not None:
                yield from _archive_items(Path(entry.path), relpath + ARCHIVE_SEPARATOR, kind, info.st_size)
                continue
            zeros = _only_zero_blocks(entry.path, head, info.st_size) or unreadable_archive(head)
            if zeros:
                yield Rejection(relpath, zeros)
                continue
            yield Item(relpath, info.st_size, fingerprint, path=entry.path)


class ArchiveSource(Source):
    """A zip or tar archive given directly as the source."""

    def __init__(self, path: Path, kind: str):
        self.path = path
        self.kind = kind
        self.description = f"{kind} archive"

    def items(self) -> Iterator[Item | Rejection]:
        yield from _archive_items(self.path, "", self.kind, self.path.stat().st_size)


def _archive_items(path: Path, prefix: str, kind: str, archive_size: int) -> Iterator[Item | Rejection]:
    label = prefix[: -len(ARCHIVE_SEPARATOR)] if prefix else "."
    seen = 0
    names: dict[str, int] = {}
    try:
        for entry in _zip_items(path, prefix, archive_size) if kind == "zip" else _tar_items(path, prefix, archive_size):
            seen += 1
            copies = names[entry.relpath] = names.get(entry.relpath, 0) + 1
            if copies > 1:  # two members of one name: one path could name either (the listings disagree)
                yield Rejection(f"{entry.relpath} [copy {copies}]",
                                "duplicate member name in archive (only the first member of this name is read)")
                continue
            yield entry
    except (zipfile.BadZipFile, tarfile.TarError, *_STREAM_ERRORS) as exc:
        yield Rejection(label, f"broken {kind} archive ({_fault(exc)}); members after this point not read")
        return
    if not seen:  # every input is accounted for: an archive without a file says so
        yield Rejection(label, f"empty {kind} archive (no file in it)")


def _nested_or_item(relpath: str, data: bytes, fingerprint: str) -> Item | Rejection:
    if _archive_kind(data[:512]) is not None:
        return Rejection(relpath, "archive inside an archive (not expanded; unpack it first)")
    other = unreadable_archive(data[:512])
    if other is not None:
        return Rejection(relpath, other)
    return Item(relpath, len(data), fingerprint, data=data)


def _zip_items(path: Path, prefix: str, archive_size: int) -> Iterator[Item | Rejection]:
    limits = archive_limits()
    with zipfile.ZipFile(path) as archive:
        members = sorted(archive.infolist(), key=lambda m: m.filename)
        total = 0
        for member in members:
            if member.is_dir():
                continue
            relpath = prefix + member.filename
            problem = _unsafe_member_name(member.filename) or _zip_member_kind(member)
            if problem is None and member.flag_bits & 0x1:
                problem = "encrypted archive member"
            if problem is None and member.file_size > limits.max_member_bytes:
                problem = "archive member too large"
            if problem is None and member.file_size > limits.max_ratio * max(member.compress_size, 1) and member.file_size > 1 << 20:
                problem = f"compression ratio above {limits.max_ratio:g} (possible decompression bomb)"
            if problem is None and total + member.file_size > limits.max_ratio * max(archive_size, 1) and total + member.file_size > 1 << 20:
                problem = f"archive expands beyond {limits.max_ratio:g} times its size (possible decompression bomb)"
            if problem is not None:
                yield Rejection(relpath, problem)
                continue
            try:
                data = archive.read(member)
            except (zipfile.BadZipFile, NotImplementedError, *_STREAM_ERRORS) as exc:
                yield Rejection(relpath, f"archive member cannot be read ({_fault(exc)})")
                continue
            total += len(data)
            yield _nested_or_item(relpath, data, f"{member.file_size}:{member.CRC:08x}")


def _zip_member_kind(member: zipfile.ZipInfo) -> str | None:
    """Why a zip member that is no regular file is not read, as a tar member of its kind is
    not: a symbolic link (``zip --symlinks`` stores the target's path as the member's data), a
    FIFO, a device; from the Unix mode in the external attributes (none: a regular file)."""
    mode = member.external_attr >> 16
    if not stat.S_IFMT(mode) or stat.S_ISREG(mode) or stat.S_ISDIR(mode):
        return None
    if stat.S_ISLNK(mode):
        return "link inside archive (not followed)"
    return "special file inside archive"


_DECOMPRESSORS: dict[bytes, Callable[..., Any]] = {b"\x1f\x8b": gzip.open, b"BZ": bz2.open, b"\xfd7": lzma.open}


def _compressed_file_item(path: Path, prefix: str, archive_size: int) -> Item | Rejection:
    """A single compressed file (e.g. ``image.dcm.gz``) that is not a tar archive."""
    relpath = prefix[: -len(ARCHIVE_SEPARATOR)] if prefix else path.name
    with open(path, "rb") as handle:
        magic = handle.read(2)
    opener = _DECOMPRESSORS.get(magic)
    if opener is None:
        return Rejection(relpath, "not a tar archive")
    limit = min(archive_limits().max_ratio * max(archive_size, 1), archive_limits().max_member_bytes)
    limit = max(int(limit), 1 << 20)
    with opener(path, "rb") as stream:
        data = stream.read(limit + 1)
    if len(data) > limit:
        return Rejection(relpath, "compressed file expands too much (possible decompression bomb)")
    stat_ = path.stat()
    return _nested_or_item(relpath, data, f"{stat_.st_size}:{stat_.st_mtime_ns}")


def _tar_items(path: Path, prefix: str, archive_size: int) -> Iterator[Item | Rejection]:
    try:
        with tarfile.open(path, mode="r|*") as archive:
            first = archive.next()
    except tarfile.ReadError:
        first = None
    if first is None:
        # A compressed single file, or an empty tar archive.
        try:
            yield _compressed_file_item(path, prefix, archive_size)
        except _STREAM_ERRORS as exc:
            label = prefix[: -len(ARCHIVE_SEPARATOR)] if prefix else path.name
            yield Rejection(label, f"broken compressed file ({_fault(exc)})")
        return
    limits = archive_limits()
    total = 0
    with open(path, "rb") as start:
        info_class = _tar_info_class(start.read(6), archive_size)
    # Streaming mode: members are read in archive order, nothing is unpacked to disk.
    with tarfile.open(path, mode="r|*", tarinfo=info_class) as archive:
        for member in archive:
            relpath = prefix + member.name
            if member.isdir():
                continue
            problem = _unsafe_member_name(member.name)
            if problem is None and (member.issym() or member.islnk()):
                problem = "link inside archive (not followed)"
            if problem is None and not member.isfile():
                problem = "special file inside archive"
            if problem is None and member.size > limits.max_member_bytes:
                problem = "archive member too large"
            if problem is None and total + member.size > limits.max_ratio * max(archive_size, 1) and total + member.size > 1 << 20:
                problem = f"archive expands beyond {limits.max_ratio:g} times its size (possible decompression bomb)"
            if problem is not None:
                yield Rejection(relpath, problem)
                continue
            handle = archive.extractfile(member)
            data = handle.read() if handle is not None else b""
            total += len(data)
            yield _nested_or_item(relpath, data, f"{member.size}:{int(member.mtime)}")


def missing_source(path: Path) -> str:
    """Why a SOURCE path that does not exist is refused: not found, or a symbolic link that
    leads nowhere (dangling, or a loop of links); its last part only."""
    shown = path.name or str(path)
    if os.path.lexists(path):
        return f"source is a symbolic link that leads nowhere (dangling, or a loop of links): {shown}"
    return f"source not found: {shown}"


def open_path(text: str) -> Source:
    """The folder or archive at the path ``text`` (:class:`CuratorError` when it does not
    exist or is neither a folder nor a readable archive)."""
    path = Path(text)
    shown = path.name or text  # the last part only, as every message: a folder may be named after a patient
    if not path.exists():
        raise CuratorError(missing_source(path))
    if path.is_dir():
        return FolderSource(path)
    try:
        head = _head(path)
    except OSError as exc:
        raise CuratorError(f"source cannot be read: {shown} ({exc.strerror or 'OS error'})") from None
    if head is None:  # never opened for reading as a file: a FIFO would wait for a writer, /dev/zero never end
        raise CuratorError(f"source is neither a folder nor a zip/tar archive: {shown} (a FIFO, a device or a socket)")
    kind = _file_kind(path, head)
    if kind is None:
        single = " (one DICOM file: give the folder that holds it)" if head[128:132] == b"DICM" else ""
        raise CuratorError(f"source is neither a folder nor a zip/tar archive: {shown}{single}")
    return ArchiveSource(path, kind)
