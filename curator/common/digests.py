"""Checksums of files that share their large end (a hash list of BLAKE3, or of SHA-256).

A de-identified instance ends with the pixel data of its source, byte for byte: the
writing pass checks the source's bytes against the header pass's checksum, then journals
the checksum of the output, and hashing both whole hashed the pixel data twice.
:func:`digest` cuts a file into chunks of :data:`CHUNK` bytes counted *from its end* (the
first chunk holds the rest), takes the hash of each, and the hash of their list: the
chunks that lie in an end the two files share are the same chunks, hashed once
(:func:`parts_digest`, with the source's :class:`Chunks`).

The hash is BLAKE3 (the ``blake3`` package: SIMD over the chunk's 1 KiB blocks, about
0.08 ms for a 512×512 slice where SHA-256 takes 0.3 ms even with the CPU's SHA
instructions; both passes hash every source file), or SHA-256 where ``blake3`` is not
installed (:data:`ALGORITHM`).  Either is collision resistant: two files with one checksum
mean a collision of the hash.  The checksums stay inside a run (the header pass's check,
the journal of a resumable run), never in a release: which one is used changes no output.

A file of one chunk (at most :data:`CHUNK` bytes) has the plain hash as checksum.  The
list of a longer file is hashed behind a label (which names the hash) and the file's
length, so that it can equal no plain hash and no list of another length.
"""
from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

CHUNK = 1 << 16


_new: Callable[..., Any]  # a new hasher, of the data given if any
try:
    import blake3

    _new = blake3.blake3  # one thread (blake3's default)
    ALGORITHM = "blake3"
except ImportError:  # not installed: SHA-256, the same scheme
    _new = hashlib.sha256
    ALGORITHM = "sha256"
_LABEL = f"curator-chunked-{ALGORITHM}/1\0".encode()


def _hash(data: bytes | memoryview) -> bytes:
    """The hash of ``data`` (:data:`ALGORITHM`, 32 bytes)."""
    return _new(data).digest()


@dataclass(frozen=True)
class Chunks:
    """The hash of each chunk of a file (counted from its end, see the module), and its length."""

    length: int
    hashes: tuple[bytes, ...]

    def hexdigest(self) -> str:
        """The file's checksum."""
        if len(self.hashes) == 1:
            return self.hashes[0].hex()
        return _new(_LABEL + self.length.to_bytes(8, "big") + b"".join(self.hashes)).hexdigest()


def _first(length: int) -> int:
    """The size of the first chunk of ``length`` bytes (the others are :data:`CHUNK`)."""
    return length % CHUNK or min(length, CHUNK)


def chunks(data: bytes | memoryview) -> Chunks:
    """The chunk hashes of ``data``."""
    view = memoryview(data)
    length = len(view)
    cut = _first(length)
    hashes = [_hash(view[:cut])]
    hashes += [_hash(view[start:start + CHUNK]) for start in range(cut, length, CHUNK)]
    return Chunks(length, tuple(hashes))


def digest(data: bytes | memoryview) -> str:
    """The checksum of ``data``."""
    return chunks(data).hexdigest()


def parts_digest(parts: Sequence[bytes | memoryview], shared: Chunks | None = None, source: bytes | None = None) -> str:
    """The checksum of the file made of ``parts``, one after the other.  When its last part
    is an end of ``source`` (checked byte for byte), the chunks that lie in it are taken from
    ``shared`` (``chunks(source)``) rather than hashed again."""
    views = [memoryview(part) for part in parts]
    length = sum(len(view) for view in views)
    reused: tuple[bytes, ...] = ()
    if shared is not None and source is not None and views and shared.length == len(source) and source.endswith(views[-1]):
        whole = min(len(views[-1]) // CHUNK, len(shared.hashes) - 1, max(length - 1, 0) // CHUNK)
        if whole > 0:
            reused = shared.hashes[len(shared.hashes) - whole:]
            views[-1] = views[-1][:len(views[-1]) - whole * CHUNK]
    head = length - len(reused) * CHUNK
    if not head:
        return digest(b"")
    hashes: list[bytes] = []
    if head:
        cut = _first(head)
        hasher = _new()
        filled = 0  # bytes in hasher
        for view in views:
            while len(view):
                take = min(len(view), cut - filled)
                hasher.update(view[:take])
                view = view[take:]
                filled += take
                if filled == cut:
                    hashes.append(hasher.digest())
                    hasher, filled, cut = _new(), 0, CHUNK
    return Chunks(length, tuple(hashes) + reused).hexdigest()


def file_digest(path: str | os.PathLike[str]) -> str | None:
    """The checksum of a file's bytes, ``None`` when it cannot be read."""
    try:
        with open(path, "rb") as handle:
            size = _first(os.fstat(handle.fileno()).st_size)
            hashes, length = [], 0
            while block := handle.read(size):
                hashes.append(_hash(block))
                length += len(block)
                size = CHUNK
    except OSError:
        return None
    # the length read is part of the checksum: a file that changed size while read gets another one
    return Chunks(length, tuple(hashes) or (_hash(b""),)).hexdigest()
