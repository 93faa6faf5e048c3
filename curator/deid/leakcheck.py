"""Keyed digests of patient identifiers, to prove a release holds none of them.

``curator publish`` reads the patient identifiers of the *source* headers (names and their
parts, IDs, birth dates, accession numbers, addresses, phone numbers, at any depth) and
stores only keyed digests of their tokens (HMAC-SHA256 with the de-identification key,
truncated) in the release, with the lengths of the longer tokens and a keyed fingerprint
of the key.  ``curator validate RELEASE --key FILE`` refuses a key whose fingerprint is not
the release's, then re-derives the digest of every folded token of every file name, text,
Parquet cell and DICOM value (binary and UN values searched as bytes) in the release, and
of every 6+ character part of a longer word, and reports any match.  It fails closed: a
file it cannot read whole, or a DICOM element it cannot decode, fails the check.  Without
the key the digests reveal nothing, even for guessable values such as birth dates.
"""
from __future__ import annotations

import hashlib
import hmac
import re
import warnings
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import pydicom
from pydicom.datadict import tag_for_keyword

from curator.dicom.walk import is_empty, strings, walk
from curator.dicom.header import HeaderError, read_header, read_header_bytes
from curator.resources import load_yaml, mappings_dir
from curator.deid.scrub import fold, id_digit_runs
from curator.dicom.vr import BYTES_VRS, NUMBER_VRS

_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)
DIGEST_LENGTH = 16  # hex characters kept of each HMAC
SUBSTRING_MIN = 6  # source tokens this long are also searched for inside longer words
_ADDRESS_TAGS = frozenset({0x00101040})  # PatientAddress


@cache
def _identifiers() -> dict:
    """``mappings/identifiers.yaml``, parsed once per process (with libyaml when there)."""
    return load_yaml(mappings_dir() / "identifiers.yaml")


@cache
def _patient_tags() -> frozenset[int]:
    data = _identifiers()
    return frozenset(tag for k in data["patient_keywords"] if (tag := tag_for_keyword(k)) is not None)


@cache
def _placeholders() -> frozenset[str]:
    data = _identifiers()
    return frozenset(fold(str(w)) for w in data.get("placeholder_words") or ())


def prepare() -> None:
    """Read the rules of :func:`patient_tokens` now (a run's process, before it forks the
    workers of its header pass), not in every worker on its first header."""
    _patient_tags()
    _placeholders()


def _tokens(text: str) -> Iterator[str]:
    """Tokens worth checking: letters of 4+ characters, or 5+ characters with digits
    (placeholder words such as ``anonymized`` are not identifiers)."""
    placeholders = _placeholders()
    for token in _TOKEN.findall(text):
        token = fold(token)
        if token in placeholders:
            continue
        if (token.isalpha() and len(token) >= 4) or (not token.isalpha() and len(token) >= 5):
            yield token
        # the digits of an identifier that mixes letters and digits ("ZZMRN48221819": a report
        # that kept "case=48221819" held the record number without its prefix)
        yield from id_digit_runs(token)
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
                if vr == "PN":
                    tokens = _name_tokens(value, tokens)
                found.update(tokens)
    return found


def _name_tokens(value: str, tokens: set[str]) -> set[str]:
    """The tokens of a person name to search for: a part that is a word of the imaging
    vocabulary the release keeps ("Thorax", "Normal", "Series", "White": a description keeps
    it as a word, and the word alone is no one's identity) is searched only glued to another
    part of the name, in either order ("thoraxnormal", "normalthorax", "thoraxwilhelmina"),
    which :func:`_file_words` reads from neighbouring words too ("Thorax Normal").  Round 10
    found a patient named like the vocabulary failing ``validate --key`` on the descriptions
    of the release (red team 11)."""
    from curator.deid.freetext import is_imaging_word  # freetext imports curator.deid.scrub, as this module does

    vocabulary = {t for t in tokens if t.isalpha() and is_imaging_word(t)}
    if not vocabulary:
        return tokens
    parts = [fold(t) for t in _TOKEN.findall(value.replace("^", " ").replace("=", " "))]
    parts = [p for p in dict.fromkeys(parts) if p.isalpha() and len(p) >= 2 and p not in _placeholders()]
    glued = {a + b for a in parts for b in parts if a != b and (a in vocabulary or b in vocabulary)}
    return (tokens - vocabulary) | glued


def _source_tokens(items: Iterable) -> set[str]:
    """The patient identifier tokens of every item readable as an instance (curator.dicom.header)."""
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
    return found


def key_fingerprint(key: bytes) -> str:
    """A keyed fingerprint of the key (HMAC of a fixed label): tells the release's key from
    another one without revealing anything about it."""
    return hmac.new(key, b"curator-key-fingerprint\0", hashlib.sha256).hexdigest()[:32]


def leak_record(items: Iterable, key: bytes) -> dict:
    """What a release stores to be checked later: token digests, the lengths searched for
    inside longer words, and the key's fingerprint (``metadata/deid-report.json``)."""
    return record_of({(digest(key, t), len(t)) for t in _source_tokens(items)}, key)


def record_of(found: Iterable[tuple[str, int]], key: bytes) -> dict:
    """The leak record from the ``(digest, length)`` of the source's identifier tokens
    (collected by :func:`leak_record`, or by the de-identification pass as it reads)."""
    pairs = set(found)
    return {
        "identifier_digests": sorted({token for token, _ in pairs}),
        "identifier_token_lengths": sorted({length for _, length in pairs if length >= SUBSTRING_MIN}),
        "key_fingerprint": key_fingerprint(key),
    }


class Unreadable(Exception):
    """A release file (or one of its elements) that cannot be read or decoded: the check fails."""


_HEX_RUN = re.compile(r"[0-9a-f]{16,}")


def _dicom_texts(data: bytes) -> Iterator[str]:
    """Every text of a DICOM file: decoded strings, and binary or UN values as bytes."""
    import io

    try:
        read_header_bytes(data)  # a readable instance, as every command defines it
        ds = pydicom.dcmread(io.BytesIO(data), stop_before_pixels=True)
    except HeaderError as exc:
        raise Unreadable(f"unreadable DICOM: {exc}") from None
    except Exception:  # noqa: BLE001 - any failure to read is a failed check
        raise Unreadable("unreadable DICOM") from None
    for _, tag, vr, raw, parent in walk(ds):
        if vr == "SQ" or vr in NUMBER_VRS or is_empty(raw, vr):
            continue
        value = getattr(raw, "value", None)
        if vr in BYTES_VRS or isinstance(value, (bytes, bytearray)):
            blob = bytes(value or b"")  # a private blob or an element stored as UN: its bytes are searched
            yield blob.decode("latin-1")
            yield blob.decode("utf-8", errors="ignore")
            if not isinstance(raw, pydicom.dataelem.RawDataElement) or vr in BYTES_VRS:
                continue
        try:
            with warnings.catch_warnings():
                # a value pydicom cannot decode (it would warn and replace characters) fails the check
                warnings.filterwarnings("error", message=r"(?i).*(decod|encoding)")
                element = parent[tag]
                values = element.value if isinstance(element.value, (list, tuple, pydicom.multival.MultiValue)) else [element.value]
                decoded = [str(v) for v in values if v is not None]
        except Exception:  # noqa: BLE001
            raise Unreadable("an element cannot be decoded") from None
        yield from decoded


def _file_texts(path: Path) -> Iterator[str]:
    """The texts of one release file; :class:`Unreadable` when it cannot be read whole."""
    try:
        data = path.read_bytes()
    except OSError:
        raise Unreadable("unreadable file") from None
    if len(data) >= 132 and data[128:132] == b"DICM":
        yield from _dicom_texts(data)
    elif data[:4] == b"PAR1":
        yield from _parquet_texts(path)
    else:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            raise Unreadable("neither DICOM, Parquet nor UTF-8 text") from None
        yield from _structured_texts(path.name, text)


@cache
def _vocabulary_fields() -> dict[str, frozenset[str]]:
    """``mappings/privacy/vocabulary-fields.yaml``: field name -> curator's own values of it."""
    data = load_yaml(mappings_dir() / "privacy" / "vocabulary-fields.yaml")
    return {str(name): frozenset(fold(str(v)) for v in values) for name, values in (data.get("fields") or {}).items()}


def _vocabulary_value(field_name: object, value: object) -> bool:
    """Whether ``value`` is one of curator's own values of the field ``field_name``
    (``mappings/privacy/vocabulary-fields.yaml``): such a value is not searched."""
    values = _vocabulary_fields().get(str(field_name))
    return values is not None and isinstance(value, str) and fold(value.strip()) in values


def _json_texts(node: object) -> Iterator[str]:
    """Every key and scalar of parsed JSON as text, but the values of curator's vocabulary fields."""
    if isinstance(node, dict):
        for k, v in node.items():
            yield str(k)
            if not _vocabulary_value(k, v):
                yield from _json_texts(v)
    elif isinstance(node, list):
        for item in node:
            yield from _json_texts(item)
    elif isinstance(node, str):
        yield from _cell_texts(node)
    elif node is not None:
        yield str(node)


def _cell_texts(text: str) -> Iterator[str]:
    """A string value; one holding a JSON object or array that parses (a CSV or Parquet cell)
    is read as JSON instead, its parts searched apart, so that a vocabulary value inside it
    can be told apart."""
    import json

    stripped = text.strip()
    if stripped[:1] in "{[" and stripped[-1:] in "}]":
        try:
            parsed = json.loads(stripped)
        except (ValueError, RecursionError):
            pass
        else:
            yield from _json_texts(parsed)
            return
    yield text


def _structured_texts(name: str, text: str) -> Iterator[str]:
    """The texts of a release file: a JSON, NDJSON or CSV file read as structured data (its
    keys, columns and values: :func:`_vocabulary_value`), any other text, or one that does not
    parse, whole."""
    import csv
    import io
    import json

    suffix = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    try:
        if suffix in ("json", "jsonld"):
            yield from list(_json_texts(json.loads(text)))
            return
        if suffix == "ndjson":
            out: list[str] = []
            for line in text.splitlines():
                if line.strip():
                    out.extend(_json_texts(json.loads(line)))
            yield from out
            return
        if suffix == "csv":
            rows = list(csv.reader(io.StringIO(text, newline="")))
            out = []
            header = rows[0] if rows else []
            out.extend(header)
            for row in rows[1:]:
                if len(row) != len(header):
                    raise ValueError("ragged CSV")
                for column, cell in zip(header, row):
                    if not _vocabulary_value(column, cell):
                        out.extend(_cell_texts(cell))
            yield from out
            return
    except (ValueError, RecursionError, csv.Error):
        pass  # not what its name says: searched whole
    yield text


def _parquet_texts(path: Path) -> Iterator[str]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    from curator.index.store import parquet_input

    try:
        with parquet_input(path) as source:
            table = pq.read_table(source)
    except (pa.ArrowException, OSError):
        raise Unreadable("unreadable Parquet") from None
    yield " ".join(table.schema.names)
    for name, column in zip(table.schema.names, table.columns):
        for value in column.to_pylist():
            if isinstance(value, str):
                if not _vocabulary_value(name, value):
                    yield from _cell_texts(value)
            else:
                yield str(value)


@dataclass
class LeakCheck:
    """What :func:`check_release` found: files holding an identifier, files it could not read."""

    leaks: list[str] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.leaks and not self.unreadable


def check_release(root: Path, key: bytes, digests: Iterable[str], lengths: Iterable[int] = (),
                  rendered: frozenset[str] = frozenset()) -> LeakCheck:
    """Search every file of a release for the source's identifier tokens (fails closed).

    A token matches when its digest is among ``digests``; words of the release are also
    searched for tokens of ``lengths`` (6+ characters) inside them, folded, except in runs
    of digits only or long hexadecimal runs (UIDs, checksums), where a chance match is likely.
    A file that cannot be read, or a DICOM element that cannot be decoded, is reported.
    The files of ``rendered`` (release paths) are curator's own rendering of another file of
    the release, byte for byte (the caller has rendered it again): their data is searched in
    that file, their words are curator's text and that data, and are not searched again (a
    patient named "White" is no longer found in the colours of the HTML report's charts)."""
    wanted = set(digests)
    sizes = sorted({int(n) for n in lengths if int(n) >= SUBSTRING_MIN})
    result = LeakCheck()
    seen: dict[str, bool] = {}
    seen_whole: dict[str, bool] = {}  # compact forms and neighbouring words glued, matched whole
    for path in sorted(p for p in root.rglob("*") if not p.is_dir()):
        rel = path.relative_to(root).as_posix()
        if path.is_symlink() or not path.is_file():
            result.unreadable.append(f"{rel} (not a regular file)")
            continue
        if rel in rendered:
            continue
        try:
            words, compact = _file_words(path, rel)
        except Unreadable as exc:
            result.unreadable.append(f"{rel} ({exc})")
            continue
        if (any(_whole_leaks(c, key, wanted, seen_whole) for c in compact)
                or any(_word_leaks(w, key, wanted, sizes, seen) for w in words)):
            result.leaks.append(rel)
    return result


def _file_words(path: Path, rel: str) -> tuple[set[str], set[str]]:
    """The folded words of a file's name and texts, and the compact forms of its short
    texts (``+44 7700 900461`` as one token)."""
    words = set(_TOKEN.findall(fold(rel)))
    compact: set[str] = set()
    for text in _file_texts(path):
        text = text.replace("^", " ")
        folded = _TOKEN.findall(fold(text))
        words.update(folded)
        # neighbouring words glued: a name whose parts are vocabulary words ("Thorax Normal",
        # :func:`_name_tokens`) is searched as one token
        compact.update(a + b for a, b in zip(folded, folded[1:]) if a.isalpha() and b.isalpha())
        if len(text) <= 64:
            joined = fold(re.sub(r"[\s\-./()+]", "", text))
            if len(joined) >= 6 and any(c.isdigit() for c in joined):
                compact.add(joined)
    return words, compact


def _whole_leaks(token: str, key: bytes, wanted: set[str], seen: dict[str, bool]) -> bool:
    """True when the digest of ``token`` (a compact form or two neighbouring words glued, which
    repeat from file to file) is among the source's."""
    found = seen.get(token)
    if found is None:
        found = seen[token] = digest(key, token) in wanted
    return found


def _word_leaks(word: str, key: bytes, wanted: set[str], sizes: list[int], seen: dict[str, bool]) -> bool:
    """True when ``word`` (folded) is, or holds, a source identifier token."""
    found = seen.get(word)
    if found is not None:
        return found
    found = any(digest(key, t) in wanted for t in _tokens(word))
    if not found and not word.isdigit() and not _HEX_RUN.fullmatch(word):
        found = any(digest(key, word[i:i + n]) in wanted
                    for n in sizes if n < len(word) for i in range(len(word) - n + 1))
    seen[word] = found
    return found


def find_leaks(root: Path, key: bytes, digests: Iterable[str]) -> list[str]:
    """Release files holding a token whose digest is among ``digests`` (sorted, unique)."""
    return check_release(root, key, digests).leaks
