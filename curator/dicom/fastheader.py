"""A fast reader of DICOM headers for the common encodings.

pydicom's general reader spends several microseconds per element; a scan reads millions of
headers.  This module parses Explicit VR Little Endian and Implicit VR Little Endian
datasets (all native and encapsulated transfer syntaxes but deflate and big endian) with
``struct`` over a bytes buffer (element headers and sequences through the byte core,
:mod:`curator.dicom.elements`), and hands pydicom the *raw* elements (``RawDataElement``
built with its documented constructor), exactly as pydicom's own reader would: values
are converted lazily by pydicom when accessed, so the result is an ordinary
``pydicom.Dataset``.

Anything unusual (no preamble, big endian, deflate, a VR that is not what the transfer
syntax declares, undefined-length UN) raises :class:`Unsupported` and the caller falls
back to pydicom's reader.  Tests compare both readers element by element.
"""
from __future__ import annotations

from pydicom.charset import convert_encodings
from pydicom.dataelem import RawDataElement, convert_raw_data_element
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.tag import BaseTag
from pydicom.uid import ExplicitVRLittleEndian

from curator.dicom.elements import (
    DEFLATED_LE,
    EXPLICIT_BE,
    EXPLICIT_HEAD,
    IMPLICIT_LE,
    PIXEL_TAGS,
    U32,
    UNDEFINED,
    InvalidVR,
    MetaPastGroupLength,
    NeedMore,
    RawSource,
    Unsupported,
    element_header,
    skip_sequence,
)
from curator.dicom.vr import LONG_LENGTH_VR_BYTES, is_vr_bytes

_VR_TEXT = {vr: vr.decode("ascii") for vr in LONG_LENGTH_VR_BYTES}


def _parse_explicit(buf: bytes, pos: int, stop_at_pixels: bool) -> tuple[dict, int] | None:
    """The common case (Explicit VR Little Endian, defined lengths) in one tight loop.

    Returns ``None`` where anything unusual starts, for :func:`_parse` to handle.
    """
    elements: dict[BaseTag, RawDataElement] = {}
    n = len(buf)
    unpack = EXPLICIT_HEAD.unpack_from
    unpack_long = U32.unpack_from
    vr_text = _VR_TEXT
    long_vrs = LONG_LENGTH_VR_BYTES
    raw_type = RawDataElement
    while pos + 8 <= n:
        group, element, vr, length = unpack(buf, pos)
        tag = (group << 16) | element
        if stop_at_pixels and tag in PIXEL_TAGS:
            return elements, pos
        if vr in long_vrs:
            if pos + 12 > n:
                return None
            length = unpack_long(buf, pos + 8)[0]
            start = pos + 12
        else:
            start = pos + 8
        if length == UNDEFINED or group == 0xFFFE:
            return None
        pos = start + length
        if pos > n:
            raise NeedMore
        text = vr_text.get(vr)
        if text is None:
            if not is_vr_bytes(vr):
                raise InvalidVR(pos)
            text = vr_text[vr] = vr.decode("ascii")
        key = BaseTag(tag)
        elements[key] = raw_type(key, text, length, buf[start:pos], start, False, True)
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
        tag, vr, length, size = element_header(buf, pos, implicit)
        if stop_at_pixels and tag in PIXEL_TAGS:
            return elements, pos
        if tag >> 16 == 0xFFFE:
            raise Unsupported("item tag at dataset level")
        value_start = pos + size
        if length == UNDEFINED:
            if vr not in (None, b"SQ"):
                raise Unsupported("undefined-length element that is not a sequence")
            after = skip_sequence(buf, value_start, implicit)
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


def _group_2_end(buf: bytes, pos: int) -> int:
    """Where the File Meta elements (group 0002, explicit VR little endian) end, walked."""
    while pos + 8 <= len(buf) and buf[pos:pos + 2] == b"\x02\x00":
        _, _, length, size = element_header(buf, pos, False)
        if length == UNDEFINED:
            raise Unsupported("file meta element of undefined length")
        pos += size + length
    return pos


def _meta(buf: bytes) -> tuple[FileMetaDataset, int]:
    if len(buf) < 144 or buf[128:132] != b"DICM":
        raise Unsupported("no preamble")
    group_length_tag, vr, length, size = element_header(buf, 132, False)
    if group_length_tag != 0x00020000 or vr != b"UL":
        raise Unsupported("file meta without group length")
    end = 132 + size + length + U32.unpack_from(buf, 132 + size)[0]
    walked = _group_2_end(buf, 132)
    if walked != end and walked + 8 <= len(buf):  # a group length that lies (common in old archives),
        # even past the end of the file: the walk met the first element after group 2 (a file cut
        # inside its File Meta, the walk running past the end, is truncated)
        raise MetaPastGroupLength("file meta group length does not match its elements", walked > end)
    raw, _ = _parse(buf, 132, False, False, end=end)
    meta = FileMetaDataset(raw)
    return meta, end


# The raw values of the two native little-endian transfer syntaxes (padded to even length with
# a NUL or not) and the text pydicom converts each to: read from the bytes, a File Meta's
# Transfer Syntax UID is not converted by pydicom (about 30 us per file with validation off).
_NATIVE_SYNTAX_BYTES = {uid.encode() + pad: uid for uid in (IMPLICIT_LE, ExplicitVRLittleEndian) for pad in (b"", b"\0")}


def transfer_syntax(meta: FileMetaDataset) -> str | None:
    """``str(meta.get("TransferSyntaxUID"))`` (None when absent): a raw UI value of a native
    little-endian syntax read from its bytes, anything else converted by pydicom."""
    raw = meta.get_item(0x00020010)
    if isinstance(raw, RawDataElement) and raw.VR == "UI" and isinstance(raw.value, bytes):
        known = _NATIVE_SYNTAX_BYTES.get(raw.value)
        if known is not None:
            return known
    syntax = meta.get("TransferSyntaxUID")
    return None if syntax is None else str(syntax)


def read_fast(buf: bytes) -> tuple[Dataset, int, RawSource]:
    """The dataset of the Part 10 file in ``buf``, the offset where its pixel data start
    (``len(buf)`` when there is no pixel data in the buffer) and the bytes it was read from
    (for the scan's digests and series templates, which work on bytes)."""
    meta, pos = _meta(buf)
    syntax = transfer_syntax(meta)
    if syntax is None or syntax in (EXPLICIT_BE, DEFLATED_LE) or syntax.startswith(DEFLATED_LE):
        raise Unsupported("transfer syntax needs the general reader")
    implicit = syntax == IMPLICIT_LE
    try:
        elements, offset = _parse(buf, pos, implicit, True)
    except InvalidVR as exc:
        exc.after_elements = exc.offset > pos
        raise
    ds = Dataset(elements)
    encoding: str | list[str] = "iso8859"
    if 0x00080005 in elements:
        charset = convert_raw_data_element(elements[BaseTag(0x00080005)]).value
        encoding = convert_encodings(charset)
    ds.set_original_encoding(implicit, True, encoding)
    ds.file_meta = meta
    ds.preamble = buf[:128]
    return ds, offset, RawSource(buf, pos, offset, implicit)
