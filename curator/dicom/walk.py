"""Walk every element of a dataset, at any depth, without converting values.

pydicom converts an element's raw bytes the first time it is accessed, which costs more
than reading it did.  The scan only needs most elements' tags and VRs (and the values of a
few), so :func:`walk` yields raw elements and converts only sequences, to descend into
their items.  It yields plain tuples ``(depth, tag, vr, raw, parent)`` for speed; the
helpers below read them.
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache

import pydicom
from pydicom.datadict import dictionary_VR, tag_for_keyword
from pydicom.dataelem import RawDataElement

from curator.dicom.vr import PLAIN_TEXT_VRS

Element = tuple[int, int, str, object, pydicom.Dataset]


@lru_cache(maxsize=8192)
def dictionary_vr(tag: int) -> str:
    """The VR of a standard tag (first of ``US or SS`` style choices), ``UN`` if unknown."""
    try:
        vr = dictionary_VR(tag)
    except KeyError:
        return "UN"
    return vr.split(" or ")[0]


def walk(ds: pydicom.Dataset, depth: int = 0) -> Iterator[Element]:
    """Every element of ``ds`` and of its sequence items, depth-first in file order."""
    if not isinstance(ds, pydicom.Dataset):
        return
    for key, raw in list(ds.items()):
        tag = int(key)
        vr = raw.VR or dictionary_vr(tag)
        yield depth, tag, vr, raw, ds
        if vr == "SQ":
            try:
                items = ds[tag].value or ()
            except Exception:
                continue
            for item in items:
                yield from walk(item, depth + 1)


def is_empty(raw: object, vr: str) -> bool:
    """True when the element has no value."""
    if isinstance(raw, RawDataElement):
        return not raw.length
    value = raw.value  # type: ignore[attr-defined]
    return value is None or value == "" or value == b"" or (vr == "SQ" and len(value) == 0)


def strings(raw: object) -> list[str]:
    """The value as text split on backslash (raw bytes decoded as Latin-1, no conversion)."""
    if isinstance(raw, RawDataElement):
        if raw.value is None:
            return []
        text = raw.value.decode("latin-1").rstrip("\x00 ")
        return [] if not text else text.split("\\")
    value = raw.value  # type: ignore[attr-defined]
    if value is None or value == "":
        return []
    if isinstance(value, (list, tuple, pydicom.multival.MultiValue)):
        return [str(v) for v in value]
    return [str(value)]


_LATIN1 = frozenset({"iso8859", "latin_1", "iso_ir_100", "ascii", "iso_8859_1"})


def raw_text(ds: pydicom.Dataset, raw: RawDataElement) -> str | None:
    """The text of a raw string element, decoded without pydicom's conversion when the
    character set is plain (default, Latin-1 or UTF-8); ``None`` when that is not safe."""
    return decode_raw_text(raw, charset_of(ds))


def charset_of(ds: pydicom.Dataset) -> tuple[str, ...]:
    """The character sets ``ds`` was read with, normalized for :func:`decode_raw_text`."""
    charset = ds.original_character_set or ["iso8859"]
    charset = [charset] if isinstance(charset, str) else list(charset)
    return tuple(c.lower().replace("-", "_") for c in charset)


def decode_raw_text(raw: RawDataElement, charset: tuple[str, ...]) -> str | None:
    """:func:`raw_text` given the dataset's character sets (from :func:`charset_of`)."""
    vr = raw.VR or dictionary_vr(int(raw.tag))
    if vr not in PLAIN_TEXT_VRS or raw.value is None:
        return None
    if all(c in _LATIN1 for c in charset):
        text = raw.value.decode("latin-1")
    elif all(c in ("utf8", "utf_8") for c in charset):
        text = raw.value.decode("utf-8", errors="replace")
    else:
        return None
    return "\\".join(p for p in (part.strip(" \x00") for part in text.split("\\")) if p)


@lru_cache(maxsize=1024)
def _tag_of(keyword: str) -> int | None:
    tag = tag_for_keyword(keyword)
    return None if tag is None else int(tag)


# An ISO 2022 escape sequence (ESC, intermediate bytes, a final byte: PS3.5 6.1.2.5.3).  pydicom 3
# decodes ISO 2022 IR 58 (GB 2312) with Python's codec of that name, which does not consume the
# sequence ESC $ ) A as the Japanese codecs do, and keeps it in the text ("\x1b$)A患者"): every
# reader of text removes it (red team 12).
ESCAPE_SEQUENCE = re.compile("\x1b[\x20-\x2f]*[\x30-\x7e]?")


def without_escapes(text: str) -> str:
    """``text`` without the ISO 2022 escape sequences a decoder left in it."""
    return ESCAPE_SEQUENCE.sub("", text) if "\x1b" in text else text


def element_text(ds: pydicom.Dataset, element: int | str) -> str | None:
    """The value of the element ``element`` (a tag or a keyword) of ``ds`` as text:
    several values joined by a backslash, bytes read as Latin-1, stripped of padding;
    ``None`` when absent, empty or unreadable (never raises).

    A raw string element in a plain character set is decoded without pydicom's conversion
    (:func:`raw_text`: empty values dropped), so reading it leaves the element raw.
    """
    try:
        tag = _tag_of(element) if isinstance(element, str) else element
        if tag is None or tag not in ds:
            return None
        raw = ds.get_item(tag, keep_deferred=True)
        if isinstance(raw, RawDataElement) and raw.value is not None:
            text = raw_text(ds, raw)
            if text is not None:
                return text or None
        value = ds[tag].value
    except Exception:  # noqa: BLE001 - a malformed element reads as absent
        return None
    if value is None:
        return None
    if isinstance(value, (bytes, bytearray)):
        text = bytes(value).decode("latin-1", "replace")
    elif isinstance(value, (list, tuple, pydicom.multival.MultiValue)):
        text = "\\".join(str(v) for v in value)
    else:
        text = str(value)
    return without_escapes(text).strip().strip("\0").strip() or None


_META_TAGS = {"MediaStorageSOPClassUID": 0x00020002, "MediaStorageSOPInstanceUID": 0x00020003, "TransferSyntaxUID": 0x00020010}


def meta_text(ds: pydicom.Dataset, keyword: str) -> str | None:
    """A file meta UID of ``ds`` as text, without pydicom's conversion when still raw."""
    meta = getattr(ds, "file_meta", None)
    if meta is None:
        return None
    raw = meta.get_item(_META_TAGS[keyword], keep_deferred=True)
    if raw is None:
        return None
    if isinstance(raw, RawDataElement):
        return meta_bytes_text(raw.value)
    return str(raw.value).strip() or None


def meta_bytes_text(value: bytes | None) -> str | None:
    """The text of a raw file meta UID value (as :func:`meta_text` reads it)."""
    if value is None:
        return None
    return value.decode("latin-1").rstrip("\x00 ").strip() or None
