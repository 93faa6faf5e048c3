"""curator.common.digests: a file's checksum is the same however it is computed (whole,
in parts, with a shared end taken from its source, from the file), and a shared end is
taken from the source's chunks only when it is one."""
from __future__ import annotations

import hashlib
import os
import random
from dataclasses import replace
from pathlib import Path

import pytest

from curator.common import digests
from curator.common.digests import CHUNK, chunks, digest, file_digest, parts_digest


def _plain(data: bytes) -> str:
    """The plain hash of ``data`` with the algorithm the checksums use."""
    if digests.ALGORITHM == "blake3":
        import blake3

        return blake3.blake3(data).hexdigest()
    return hashlib.sha256(data).hexdigest()


def _cases(seed: int = 7, count: int = 400):
    rng = random.Random(seed)
    for _ in range(count):
        n = rng.choice([0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK + 7, rng.randrange(0, 9 * CHUNK)])
        source = rng.randbytes(n)
        tail = rng.randrange(0, n + 1)
        head = rng.randbytes(rng.choice([0, 3, 300, CHUNK, CHUNK + 5, rng.randrange(0, 3 * CHUNK)]))
        yield source, head, tail


def test_every_way_gives_the_same_checksum(tmp_path: Path):
    for source, head, tail in _cases():
        cut = len(head) // 2
        parts = [head[:cut], head[cut:], memoryview(source)[len(source) - tail:]]
        whole = b"".join(bytes(part) for part in parts)
        expected = digest(whole)
        assert parts_digest(parts) == expected
        assert parts_digest(parts, chunks(source), source) == expected
        (tmp_path / "f").write_bytes(whole)
        assert file_digest(tmp_path / "f") == expected


def test_one_chunk_is_the_plain_hash_and_lengths_differ():
    assert digest(b"abc") == _plain(b"abc")
    assert digest(b"") == _plain(b"")
    big = os.urandom(3 * CHUNK)
    assert digest(big) != _plain(big)
    assert digest(big) != digest(big + b"\0") and digest(big) != digest(big[1:])


def test_the_source_chunks_serve_only_a_shared_end():
    source = os.urandom(8 * CHUNK + 100)
    wrong = replace(chunks(source), hashes=tuple(b"\0" * 32 for _ in chunks(source).hashes))
    shared_end = [b"new header", memoryview(source)[2000:]]
    # the chunks in the shared end are taken from the source's (here: wrong on purpose)
    assert parts_digest(shared_end, wrong, source) != digest(b"new header" + source[2000:])
    assert parts_digest(shared_end, chunks(source), source) == digest(b"new header" + source[2000:])
    # an end that is not the source's end (cut short) is hashed, whatever the source's chunks say
    not_the_end = [b"new header", memoryview(source)[2000:-1]]
    assert parts_digest(not_the_end, wrong, source) == digest(b"new header" + source[2000:-1])
    assert file_digest(Path("/nonexistent/curator-digests")) is None


def test_blake3_when_installed():
    """Issue 18: SHA-256 of a 512 x 512 slice took 0.3 ms, in both passes (a quarter of the
    header pass's CPU besides the pixel screen); BLAKE3 takes 0.08 ms on the same CPU.  The
    checksums are BLAKE3's wherever the package is installed (a runtime dependency)."""
    blake3 = pytest.importorskip("blake3")
    assert digests.ALGORITHM == "blake3"
    assert digest(b"abc") == blake3.blake3(b"abc").hexdigest()
    data = os.urandom(2 * CHUNK + 5)
    view = memoryview(data)
    listed = b"".join(blake3.blake3(part).digest() for part in (view[:5], view[5:5 + CHUNK], view[5 + CHUNK:]))
    label = b"curator-chunked-blake3/1\0" + len(data).to_bytes(8, "big")
    assert digest(data) == blake3.blake3(label + listed).hexdigest()
