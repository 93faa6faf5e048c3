"""The instance-level index: one row per file seen, persisted as Parquet.

Rows with ``status == "indexed"`` describe one DICOM instance (see ``SCHEMA``); rows with
``status == "rejected"`` give the reason a file was not indexed.  The index never holds an
identifier value: instances, series and studies are named by one-way keys of their UIDs,
patients and paths by keys salted with a secret kept beside the index, and free text is
scrubbed before it is stored.
"""
from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
from collections.abc import Callable, Iterable
from functools import lru_cache
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from curator.errors import CuratorError

from curator.deid.scrub import fold

_S = pa.string()
_F = pa.float64()
_I = pa.int64()
_L = pa.list_(pa.string())

SCHEMA = pa.schema(
    [
        ("path_key", _S),  # salted key of the path relative to the source
        ("path", _S),  # the relative path, scrubbed of identifier tokens
        ("fingerprint", _S),  # size and mtime (or CRC) of the file when it was read
        ("size", _I),
        ("status", _S),  # indexed | rejected
        ("reason", _S),  # why a file was rejected
        ("sop_key", _S),
        ("series_key", _S),
        ("study_key", _S),
        ("patient_key", _S),
        ("person_key", _S),  # salted key of the PatientID alone (the person whatever the issuer)
        ("issuer_key", _S),  # salted key of IssuerOfPatientID (null: no PatientID, or no issuer)
        ("birth_tag", _S),  # 2 hex digits of a salted key of PatientBirthDate (tells people sharing a PatientID apart; too short to recover the date)
        ("institution", _S),
        ("site", _S),
        ("modality", _S),
        ("sop_class_uid", _S),
        ("transfer_syntax_uid", _S),
        ("manufacturer", _S),
        ("model", _S),
        ("software_versions", _S),
        ("study_description", _S),
        ("series_description", _S),
        ("protocol_name", _S),
        ("body_part_examined", _S),
        ("laterality", _S),
        ("image_laterality", _S),
        ("contrast_bolus_agent", _S),
        ("scanning_sequence", _S),
        ("sequence_variant", _S),
        ("sequence_name", _S),
        ("convolution_kernel", _S),
        ("radiopharmaceutical", _S),
        ("image_type", _S),
        ("image_orientation", pa.list_(_F)),
        ("repetition_time", _F),
        ("echo_time", _F),
        ("inversion_time", _F),
        ("flip_angle", _F),
        ("echo_train_length", _F),
        ("slice_thickness", _F),
        ("magnetic_field_strength", _F),
        ("kvp", _F),
        ("rows", _F),
        ("columns", _F),
        ("number_of_frames", _F),
        ("patient_sex", _S),
        ("ethnic_group", _S),
        ("patient_size", _F),
        ("patient_weight", _F),
        ("age_years", _F),
        ("age_source", _S),
        ("age_derivable", pa.bool_()),
        ("study_year", _I),
        ("burned_in_annotation", _S),
        ("identifiers_present", _L),
        ("private_creators", _L),
        ("missing_type1", _L),
        ("missing_type2", _L),
        ("nonconformant", _L),
        ("implausible", _L),
        ("checks_completeness", _I),
        ("checks_conformance", _I),
        ("checks_plausibility", _I),
        ("id_tokens", _L),
        ("acquisition", _S),  # JSON object (curator.analyses.acquisition)
        ("segmentation", _S),  # JSON object (curator.analyses.segmentation) or null
        ("text_charset", _S),  # "declared -> read as" when the text is not its declared character set, else null
    ]
)
COLUMNS = tuple(SCHEMA.names)
# 3: flip_angle and echo_train_length (MR weighting header rules); 4: birth_tag; 5: radiopharmaceutical
# cleaned of identifier values (a re-scan reused the rows of older indexes, the name with them);
# 6: modality, sex and laterality cleaned of identifier values too; 7: the acquisition strings too;
# 8: issuer_key (instances without IssuerOfPatientID linked, curator.analyses.patient_identity);
# 9: text_charset (text read in the character set its bytes are in, curator.dicom.textcodec)
FORMAT_VERSION = "9"


def key(kind: str, value: str, salt: bytes | None = None) -> str:
    """A one-way key of ``value`` (16 hex digits), domain-separated by ``kind``.

    Unsalted keys (UIDs) are stable everywhere; salted keys (patient IDs, paths, whose
    values may be guessable) are stable for one index.
    """
    message = f"curator:{kind}:{value}".encode("utf-8", "surrogateescape")  # file names need not be UTF-8
    if salt is None:
        return hashlib.sha256(message).hexdigest()[:16]
    return hmac.new(salt, message, hashlib.sha256).hexdigest()[:16]


_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)


@lru_cache(maxsize=4096)
def token_hashes(values: frozenset[str], salt: bytes) -> frozenset[str]:
    """Salted keys of the word tokens of identifier values (to scrub paths later), and of the
    forms of the given names that are ordinary words ("Joke" for Johanna: a folder name is no
    sentence; :func:`curator.deid.scrub.name_word_forms`)."""
    from curator.deid.scrub import consonant_skeletons, name_word_forms

    found: set[str] = {key("token", form, salt) for form in name_word_forms(values)}
    for value in values:
        for token in _TOKEN.findall(value):
            token = fold(token)
            if len(token) >= 2:
                found.add(key("token", token, salt))
        # names in Arabic or Hebrew letters: their consonant skeletons (see scrub_path)
        found.update(key("skeleton", skeleton, salt) for skeleton in consonant_skeletons(value))
    return frozenset(found)


# Identifier tokens searched inside longer words of a path ("SmithJohn", "SMITHJ",
# "JohnSmith1970"): at least this long, and only up to this long (longer ones are rare).
_PART_MIN, _PART_MAX = 4, 24


def scrub_path(relpath: str, tokens: set[str], salt: bytes) -> str:
    """``relpath`` with identifier tokens, UIDs, dates and long numbers replaced by ``~``;
    a word holding an identifier token of 4+ characters (names glued in a folder or file
    name) goes whole."""
    from curator.deid.scrub import scrub_patterns

    text = scrub_patterns(relpath, "~", paths=True)

    def replace(match: re.Match[str]) -> str:
        word = match.group()
        for form in _readings(word):
            if _token_key(form, salt) in tokens or _holds_token(form, tokens, salt):
                return "~"
        skeleton = _skeleton_key(word, salt)
        return "~" if skeleton is not None and skeleton in tokens else word

    return _PATH_WORD.sub(replace, text)


# A word of a path: letters and digits, the \xNN escapes of bytes that were not UTF-8
# (curator.sources.base.text_name) and any other non-ASCII character, so that "TORBJ\xd8RN"
# (a Latin-1 name on disk) and "Torbj¢rn" (a DOS code page name in a zip) are one word each.
_PATH_WORD = re.compile(r"(?:[^\W_]|\\x[0-9a-fA-F]{2}|[^\x00-\x7f\s])+")
_ESCAPED_BYTE = re.compile(r"\\x([0-9a-fA-F]{2})")


@lru_cache(maxsize=65536)
def _skeleton_key(word: str, salt: bytes) -> str | None:
    """The salted key of a Latin path word's consonant skeleton: "Al-Harbi" matches a patient
    named "الحربي" (``curator.deid.scrub.consonant_skeletons``)."""
    from curator.deid.scrub import latin_skeleton

    skeleton = latin_skeleton(word)
    return None if skeleton is None else key("skeleton", skeleton, salt)


@lru_cache(maxsize=65536)
def _readings(word: str) -> tuple[str, ...]:
    """The forms of a path word matched against identifier tokens: as written; its escaped
    bytes read as Windows-1252 or Latin-1 ("TORBJ\xd8RN" is "TORBJØRN"); and a name a zip
    archive without its UTF-8 flag stored in a DOS code page, read as code page 437 (Python's
    reading) but written in 850 or 1252 ("Torbj¢rn" is "Torbjørn")."""
    forms = [word]
    if "\\x" in word:
        raw = _ESCAPED_BYTE.sub(lambda m: chr(int(m.group(1), 16)), word).encode("latin-1", "replace")
        forms += [raw.decode("cp1252", "replace"), raw.decode("latin-1")]
    elif not word.isascii():
        try:
            raw = word.encode("cp437")
        except UnicodeEncodeError:
            return tuple(forms)
        forms += [raw.decode("cp850", "replace"), raw.decode("cp1252", "replace")]
    return tuple(dict.fromkeys(forms))


def _holds_token(word: str, tokens: set[str], salt: bytes) -> bool:
    """Whether a part of ``word`` (letters in it; digits alone are the patterns' concern)
    is one of the identifier ``tokens``."""
    folded = fold(word)
    size = len(folded)
    if size <= _PART_MIN or folded.isdigit() or not tokens:
        return False
    return any(_token_key(folded[i:i + n], salt) in tokens
               for n in range(_PART_MIN, min(size - 1, _PART_MAX) + 1) for i in range(size - n + 1))


@lru_cache(maxsize=65536)
def _token_key(word: str, salt: bytes) -> str:
    """The salted key of a word of a path (words repeat from file to file: kept)."""
    return key("token", fold(word), salt)


def _cache_home() -> str:
    """``$XDG_CACHE_HOME`` when it is an absolute path (the XDG specification ignores a
    relative one), else ``~/.cache``; :class:`CuratorError` when the home folder is empty
    or relative (``HOME=""`` made Python's ``~`` the root folder, a relative one the current
    folder: an index written where nobody looks for it)."""
    xdg = os.environ.get("XDG_CACHE_HOME") or ""
    if os.path.isabs(xdg):
        return xdg
    home = os.path.expanduser("~")
    if home == "~" or not os.path.isabs(home) or os.environ.get("HOME", "/") == "":
        raise CuratorError("no folder for the index cache: HOME is empty or relative; set CURATOR_CACHE or HOME, "
                           "or give --index")
    return os.path.join(home, ".cache")


def default_index_path(source: str | os.PathLike[str]) -> Path:
    """Where the index of ``source`` lives when ``--index`` is not given.

    ``$CURATOR_CACHE`` or ``$XDG_CACHE_HOME/curator`` or ``~/.cache/curator``; the file
    name is a key of the source's absolute path (which may itself name a patient).
    """
    base = os.environ.get("CURATOR_CACHE") or os.path.join(_cache_home(), "curator")
    text = os.fspath(source)
    absolute = text if "://" in text else os.path.abspath(text)  # a URL names the same source from anywhere
    return Path(base) / f"index-{key('source', absolute)}.parquet"


def parquet_input(path: str | os.PathLike[str]) -> pa.NativeFile:
    """``path`` opened for pyarrow's Parquet reader.  pyarrow opens a file by name only when
    the name is valid UTF-8; a folder or file name holding other bytes (Python holds them as
    lone surrogates) ended a command with an internal error (UnicodeEncodeError), so files
    are opened by Python and handed over."""
    return pa.PythonFile(open(path, "rb"), mode="r")


def parquet_output(path: str | os.PathLike[str]) -> pa.NativeFile:
    """``path`` created (or truncated) for pyarrow's Parquet writer (see :func:`parquet_input`)."""
    return pa.PythonFile(open(path, "wb"), mode="w")


def check_index_target(path: Path) -> None:
    """Refuse to overwrite anything at ``path`` but a curator index (Parquet with curator's metadata)."""
    if not path.exists():
        return
    if not path.is_file():
        raise CuratorError(f"--index {path.name} is not a regular file")
    try:
        with path.open("rb") as handle:
            magic = handle.read(4)
        if magic == b"PAR1":
            with parquet_input(path) as source:
                meta = pq.read_schema(source).metadata or {}
        else:
            meta = {}
    except (pa.ArrowInvalid, OSError):
        meta = {}
    if b"curator_index_version" not in meta:
        raise CuratorError(f"--index {path.name} exists and is not a curator index: refusing to overwrite it")


def salt_for(index_path: Path) -> bytes:
    """The secret salt of an index, created (mode 0600) on first use."""
    salt_file = _salt_file(index_path)
    if salt_file.exists():
        return bytes.fromhex(salt_file.read_text().strip())
    salt = secrets.token_bytes(32)
    _write_salt(salt_file, salt)
    return salt


def seed_salt(index_path: Path, salt: bytes) -> None:
    """Give a new index this salt (:func:`salt_for` reads it) unless it has one already:
    ``curator publish`` derives its staging index's salt from the release key, so that the
    masked site labels its tables show ("~~3c51db") are the same in every run."""
    salt_file = _salt_file(index_path)
    if not salt_file.exists():
        _write_salt(salt_file, salt)


def _salt_file(index_path: Path) -> Path:
    return index_path.with_name(index_path.name + ".salt")


def _write_salt(salt_file: Path, salt: bytes) -> None:
    """A new salt file, mode 0600 from its creation (never readable by others, never overwritten)."""
    salt_file.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(salt_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(salt.hex() + "\n")


def empty_row() -> dict:
    return dict.fromkeys(COLUMNS)


class IndexWriter:
    """Write rows to a Parquet index in batches (memory stays flat)."""

    def __init__(self, path: Path, batch_rows: int = 4096, metadata: dict[str, str] | None = None):
        self.path = path
        self.tmp = path.with_name(path.name + ".tmp")
        self.batch_rows = batch_rows
        self._rows: list[dict] = []
        path.parent.mkdir(parents=True, exist_ok=True)
        meta = {b"curator_index_version": FORMAT_VERSION.encode()}
        meta.update({k.encode(): v.encode() for k, v in (metadata or {}).items()})
        self._sink = parquet_output(self.tmp)
        self._writer = pq.ParquetWriter(self._sink, SCHEMA.with_metadata(meta), compression="zstd")

    def add(self, row: dict) -> None:
        self._rows.append(row)
        if len(self._rows) >= self.batch_rows:
            self._flush()

    def _flush(self) -> None:
        if self._rows:
            self._writer.write_table(pa.Table.from_pylist(self._rows, schema=self._writer.schema))
            self._rows = []

    def close(self, rewrite: Callable[[pa.Table], pa.Table] | None = None) -> None:
        """Finish the index; ``rewrite`` (when given) maps every written batch once more
        before the index takes its place (the scan's last scrub of folder names)."""
        self._flush()
        with self._sink:
            self._writer.close()
        if rewrite is not None:
            again = self.tmp.with_name(self.tmp.name + "2")
            with parquet_input(self.tmp) as handle, parquet_output(again) as sink:
                source = pq.ParquetFile(handle)
                with pq.ParquetWriter(sink, source.schema_arrow, compression="zstd") as writer:
                    for batch in source.iter_batches():
                        writer.write_table(rewrite(pa.Table.from_batches([batch], schema=source.schema_arrow)))
            os.replace(again, self.tmp)
        os.replace(self.tmp, self.path)

    def abort(self) -> None:
        try:
            with self._sink:
                self._writer.close()
        finally:
            self.tmp.unlink(missing_ok=True)


def read_index_table(path: Path, columns: Iterable[str] | None = None) -> pa.Table | None:
    """The index as an Arrow table (``None`` when missing, unreadable or of another version)."""
    if not path.exists():
        return None
    try:
        with parquet_input(path) as source:
            meta = pq.read_schema(source).metadata or {}
            if meta.get(b"curator_index_version") != FORMAT_VERSION.encode():
                return None
            source.seek(0)
            return pq.read_table(source, columns=list(columns) if columns else None)
    except (pa.ArrowInvalid, OSError):
        return None


def read_index(path: Path, columns: Iterable[str] | None = None):
    """The index as a pandas DataFrame (``None`` when missing, unreadable or of another version)."""
    table = read_index_table(path, columns)
    if table is None:
        return None
    # List columns stay Arrow-backed: counting their values is then vectorized.
    return table.to_pandas(types_mapper=lambda t: pd.ArrowDtype(t) if pa.types.is_list(t) else None)
