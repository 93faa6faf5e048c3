"""A fast reader of DICOM headers for the common encodings.

pydicom's general reader spends several microseconds per element; a scan reads millions of
headers.  This module parses Explicit VR Little Endian and Implicit VR Little Endian
datasets (all native and encapsulated transfer syntaxes but deflate and big endian) with
``struct`` over a bytes buffer, and hands pydicom the *raw* elements, exactly as pydicom's
own reader would: values are converted lazily by pydicom when accessed, so the result is
an ordinary ``pydicom.Dataset``.

Anything unusual (no preamble, big endian, deflate, a VR that is not what the transfer
syntax declares, undefined-length UN) raises :class:`Unsupported` and the caller falls
back to pydicom's reader.  Tests compare both readers element by element.
"""
from __future__ import annotations

import struct

from pydicom.charset import convert_encodings
from pydicom.dataelem import RawDataElement, convert_raw_data_element
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.tag import BaseTag

from curator.vr import LONG_LENGTH_VR_BYTES, is_vr_bytes

_STOP_TAGS = frozenset({0x7FE00010, 0x7FE00008, 0x7FE00009})
_UNDEFINED = 0xFFFFFFFF
_ITEM, _ITEM_END, _SEQ_END = 0xFFFEE000, 0xFFFEE00D, 0xFFFEE0DD
_EXPLICIT_LE = "1.2.840.10008.1.2.1"
_IMPLICIT_LE = "1.2.840.10008.1.2"
_NOT_LE_DATASET = frozenset({"1.2.840.10008.1.2.2", "1.2.840.10008.1.2.1.99"})
_HH = struct.Struct("<HH")
_H = struct.Struct("<H")
_L = struct.Struct("<L")


class Unsupported(Exception):
    """This buffer needs pydicom's general reader."""


class NeedMore(Exception):
    """The buffer ends before the header does: read more of the file."""


def _element_header(buf: bytes, pos: int, implicit: bool) -> tuple[int, bytes | None, int, int]:
    """(tag, VR bytes or None, length, header size) of the element at ``pos``."""
    if pos + 8 > len(buf):
        raise NeedMore
    group, element = _HH.unpack_from(buf, pos)
    tag = (group << 16) | element
    if implicit or group == 0xFFFE:
        return tag, None, _L.unpack_from(buf, pos + 4)[0], 8
    vr = buf[pos + 4 : pos + 6]
    if vr in LONG_LENGTH_VR_BYTES:
        if pos + 12 > len(buf):
            raise NeedMore
        return tag, vr, _L.unpack_from(buf, pos + 8)[0], 12
    if not is_vr_bytes(vr):
        raise Unsupported("VR bytes are not a VR")
    return tag, vr, _H.unpack_from(buf, pos + 6)[0], 8


def _skip_undefined(buf: bytes, pos: int, implicit: bool) -> int:
    """Offset just past the sequence delimiter of an undefined-length sequence at ``pos``."""
    while True:
        tag, _, length, size = _element_header(buf, pos, True)
        pos += size
        if tag == _SEQ_END:
            return pos
        if tag != _ITEM:
            raise Unsupported("unexpected tag inside a sequence")
        if length != _UNDEFINED:
            pos += length
            continue
        # An undefined-length item: walk its elements up to the item delimiter.
        while True:
            tag, vr, length, size = _element_header(buf, pos, implicit)
            if tag == _ITEM_END:
                pos += size
                break
            pos += size
            if length == _UNDEFINED:
                if vr not in (None, b"SQ"):
                    raise Unsupported("undefined length outside a sequence")
                pos = _skip_undefined(buf, pos, implicit)
            else:
                pos += length
            if pos > len(buf):
                raise NeedMore


_EXPLICIT_HEAD = struct.Struct("<HH2sH")
_VR_TEXT = {vr: vr.decode("ascii") for vr in LONG_LENGTH_VR_BYTES}
_NEW = tuple.__new__


def _parse_explicit(buf: bytes, pos: int, stop_at_pixels: bool) -> tuple[dict, int] | None:
    """The common case (Explicit VR Little Endian, defined lengths) in one tight loop.

    Returns ``None`` where anything unusual starts, for :func:`_parse` to handle.
    """
    elements: dict[BaseTag, RawDataElement] = {}
    n = len(buf)
    unpack = _EXPLICIT_HEAD.unpack_from
    unpack_long = _L.unpack_from
    vr_text = _VR_TEXT
    long_vrs = LONG_LENGTH_VR_BYTES
    raw_type = RawDataElement
    while pos + 8 <= n:
        group, element, vr, length = unpack(buf, pos)
        tag = (group << 16) | element
        if stop_at_pixels and tag in _STOP_TAGS:
            return elements, pos
        if vr in long_vrs:
            if pos + 12 > n:
                return None
            length = unpack_long(buf, pos + 8)[0]
            start = pos + 12
        else:
            start = pos + 8
        if length == _UNDEFINED or group == 0xFFFE:
            return None
        pos = start + length
        if pos > n:
            raise NeedMore
        text = vr_text.get(vr)
        if text is None:
            if not is_vr_bytes(vr):
                raise Unsupported("VR bytes are not a VR")
            text = vr_text[vr] = vr.decode("ascii")
        key = BaseTag(tag)
        elements[key] = _NEW(raw_type, (key, text, length, buf[start:pos], start, False, True, True, False))
    if pos < n and n - pos >= 8:
        return None
    return elements, pos


def _parse(buf: bytes, pos: int, implicit: bool, stop_at_pixels: bool, end: int | None = None) -> tuple[dict, int]:
    if not implicit and end is None:
        fast = _parse_explicit(buf, pos, stop_at_pixels)
        if fast is not None:
            return fast
    elements: dict[BaseTag, RawDataElement] = {}
    limit = len(buf) if end is None else end
    while pos < limit:
        if pos + 8 > limit and end is None:
            if limit - pos < 8:
                break  # trailing padding shorter than an element header
        tag, vr, length, size = _element_header(buf, pos, implicit)
        if stop_at_pixels and tag in _STOP_TAGS:
            return elements, pos
        if tag >> 16 == 0xFFFE:
            raise Unsupported("item tag at dataset level")
        value_start = pos + size
        if length == _UNDEFINED:
            if vr not in (None, b"SQ"):
                raise Unsupported("undefined-length element that is not a sequence")
            after = _skip_undefined(buf, value_start, implicit)
            value = buf[value_start : after - 8]
            length = len(value)
            pos = after
            vr = b"SQ"
        else:
            pos = value_start + length
            if pos > len(buf):
                raise NeedMore
            value = buf[value_start:pos]
        vr_text = None if vr is None else vr.decode("ascii")
        key = BaseTag(tag)
        elements[key] = RawDataElement(key, vr_text, length, value, value_start, implicit, True, True, False)
    return elements, pos


def _meta(buf: bytes) -> tuple[FileMetaDataset, int]:
    if len(buf) < 144 or buf[128:132] != b"DICM":
        raise Unsupported("no preamble")
    group_length_tag, vr, length, size = _element_header(buf, 132, False)
    if group_length_tag != 0x00020000 or vr != b"UL":
        raise Unsupported("file meta without group length")
    end = 132 + size + length + _L.unpack_from(buf, 132 + size)[0]
    raw, _ = _parse(buf, 132, False, False, end=end)
    meta = FileMetaDataset(Dataset(raw))
    return meta, end


def read_fast(buf: bytes) -> tuple[Dataset, int]:
    """The dataset of the Part 10 file in ``buf`` and the offset where its pixel data start.

    The offset is ``len(buf)`` when there is no pixel data in the buffer.
    """
    meta, pos = _meta(buf)
    syntax = meta.get("TransferSyntaxUID")
    if syntax is None or str(syntax) in _NOT_LE_DATASET or str(syntax).startswith("1.2.840.10008.1.2.1.99"):
        raise Unsupported("transfer syntax needs the general reader")
    implicit = str(syntax) == _IMPLICIT_LE
    elements, offset = _parse(buf, pos, implicit, True)
    ds = Dataset(elements)
    encoding: str | list[str] = "iso8859"
    if 0x00080005 in elements:
        charset = convert_raw_data_element(elements[BaseTag(0x00080005)]).value
        encoding = convert_encodings(charset)
    ds.set_original_encoding(implicit, True, encoding)
    ds.file_meta = meta
    ds.preamble = buf[:128]
    ds._curator_raw = (buf, pos, offset, implicit)  # the bytes the dataset was read from (see extract._digest)
    return ds, offset
