"""Keyed digests of patient identifiers, to prove a release holds none of them.

``curator publish`` reads the patient identifiers of the *source* headers (names and their
parts, IDs, birth dates, accession numbers, addresses, phone numbers, at any depth) and
stores only keyed digests of their tokens (HMAC-SHA256 with the de-identification key,
truncated) in the release.  ``curator validate RELEASE --key FILE`` re-derives the digest
of every token of every text and every DICOM string value in the release, and of every
file name, and reports any match.  Without the key the digests reveal nothing, even for
guessable values such as birth dates.
"""
from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Iterable, Iterator
from functools import cache
from pathlib import Path

import pydicom
import yaml
from pydicom.datadict import tag_for_keyword

from curator.dicomwalk import is_empty, strings, walk
from curator.header import HeaderError, read_header
from curator.resources import mappings_dir
from curator.scrub import fold

_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)
DIGEST_LENGTH = 16  # hex characters kept of each HMAC
_ADDRESS_TAGS = frozenset({0x00101040})  # PatientAddress


@cache
def _patient_tags() -> frozenset[int]:
    data = yaml.safe_load((mappings_dir() / "identifiers.yaml").read_text(encoding="utf-8"))
    return frozenset(tag_for_keyword(k) for k in data["patient_keywords"])


def _tokens(text: str) -> Iterator[str]:
    """Tokens worth checking: letters of 4+ characters, or 5+ characters with digits."""
    for token in _TOKEN.findall(text):
        token = fold(token)
        if (token.isalpha() and len(token) >= 4) or (not token.isalpha() and len(token) >= 5):
            yield token
    compact = fold(re.sub(r"[\s\-./()+]", "", text))
    if len(compact) >= 6 and any(c.isdigit() for c in compact):
        yield compact  # "+44 7700 900461" also as one token


def digest(key: bytes, token: str) -> str:
    return hmac.new(key, b"curator-leak\0" + token.encode("utf-8"), hashlib.sha256).hexdigest()[:DIGEST_LENGTH]


def patient_tokens(ds: pydicom.Dataset) -> set[str]:
    """Tokens of the patient identifiers of a header (any depth, PN values of patients)."""
    tags = _patient_tags()
    found: set[str] = set()
    for _, tag, vr, raw, parent in walk(ds):
        if tag in tags and vr != "SQ" and not is_empty(raw, vr):
            try:
                values = [str(v) for v in (parent[tag].value if vr == "PN" else strings(raw))]
            except Exception:
                values = strings(raw)
            if vr == "PN" and not isinstance(parent[tag].value, (list, tuple, pydicom.multival.MultiValue)):
                values = [str(parent[tag].value)]
            for value in values:
                tokens = set(_tokens(value.replace("^", " ")))
                if tag in _ADDRESS_TAGS:  # street words ("lane", "road") are not identifying alone
                    tokens = {t for t in tokens if len(t) >= 6 or any(c.isdigit() for c in t)}
                found.update(tokens)
    return found


def source_digests(items: Iterable, key: bytes) -> list[str]:
    """Sorted digests of the patient identifier tokens of every readable item."""
    found: set[str] = set()
    for item in items:
        if not hasattr(item, "read"):
            continue
        try:
            import io

            data = item.read()
            ds = read_header(io.BytesIO(data), len(data))
        except (HeaderError, OSError):
            continue
        found.update(patient_tokens(ds))
    return sorted(digest(key, t) for t in found)


def release_tokens(root: Path) -> Iterator[tuple[str, str]]:
    """(file, token) for every token of every file name, text and DICOM string in a release."""
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        rel = path.relative_to(root).as_posix()
        for token in _tokens(rel):
            yield rel, token
        data = path.read_bytes()
        if len(data) >= 132 and data[128:132] == b"DICM":
            try:
                import io

                ds = pydicom.dcmread(io.BytesIO(data), stop_before_pixels=True)
            except Exception:
                continue
            for _, tag, vr, raw, parent in walk(ds):
                if vr in ("SQ", "OB", "OW", "OF", "OD", "OL", "OV", "UN", "SS", "US", "SL", "UL", "FL", "FD", "AT", "SV", "UV"):
                    continue
                for value in strings(raw):
                    for token in _tokens(value.replace("^", " ")):
                        yield rel, token
        else:
            text = data.decode("utf-8", errors="ignore")
            for token in _tokens(text):
                yield rel, token


def find_leaks(root: Path, key: bytes, digests: Iterable[str]) -> list[str]:
    """Release files holding a token whose digest is among ``digests`` (sorted, unique)."""
    wanted = set(digests)
    if not wanted:
        return []
    hits = {rel for rel, token in release_tokens(root) if digest(key, token) in wanted}
    return sorted(hits)
