"""Walk every element of a dataset, at any depth, without converting values.

pydicom converts an element's raw bytes the first time it is accessed, which costs more
than reading it did.  The scan only needs most elements' tags and VRs (and the values of a
few), so :func:`walk` yields raw elements and converts only sequences, to descend into
their items.  It yields plain tuples ``(depth, tag, vr, raw, parent)`` for speed; the
helpers below read them.
"""
from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache

import pydicom
from pydicom.datadict import dictionary_VR
from pydicom.dataelem import RawDataElement

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
    elements = getattr(ds, "_dict", None)
    if elements is None:
        return
    for tag, raw in list(elements.items()):
        tag = int(tag)
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
_RAW_TEXT_VRS = frozenset({"AE", "AS", "CS", "DA", "DS", "DT", "IS", "LO", "LT", "SH", "ST", "TM", "UC", "UI", "UR", "UT"})


def raw_text(ds: pydicom.Dataset, raw: RawDataElement) -> str | None:
    """The text of a raw string element, decoded without pydicom's conversion when the
    character set is plain (default, Latin-1 or UTF-8); ``None`` when that is not safe."""
    return decode_raw_text(raw, charset_of(ds))


def charset_of(ds: pydicom.Dataset) -> tuple[str, ...]:
    """The character sets ``ds`` was read with, normalized for :func:`decode_raw_text`."""
    charset = getattr(ds, "_read_charset", None) or ["iso8859"]
    charset = [charset] if isinstance(charset, str) else list(charset)
    return tuple(c.lower().replace("-", "_") for c in charset)


def decode_raw_text(raw: RawDataElement, charset: tuple[str, ...]) -> str | None:
    """:func:`raw_text` given the dataset's character sets (from :func:`charset_of`)."""
    vr = raw.VR or dictionary_vr(int(raw.tag))
    if vr not in _RAW_TEXT_VRS or raw.value is None:
        return None
    if all(c in _LATIN1 for c in charset):
        text = raw.value.decode("latin-1")
    elif all(c in ("utf8", "utf_8") for c in charset):
        text = raw.value.decode("utf-8", errors="replace")
    else:
        return None
    return "\\".join(p for p in (part.strip(" \x00") for part in text.split("\\")) if p)


_META_TAGS = {"MediaStorageSOPClassUID": 0x00020002, "MediaStorageSOPInstanceUID": 0x00020003, "TransferSyntaxUID": 0x00020010}


def meta_text(ds: pydicom.Dataset, keyword: str) -> str | None:
    """A file meta UID of ``ds`` as text, without pydicom's conversion when still raw."""
    meta = getattr(ds, "file_meta", None)
    if meta is None:
        return None
    raw = meta._dict.get(_META_TAGS[keyword])
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
