"""The one byte-level reader and writer of DICOM elements (little endian).

Every parser of element bytes is built on this core: the scan's fast header
(:mod:`curator.dicom.fastheader`, which hands pydicom raw elements), the header checks of
:mod:`curator.dicom.header` (pixel data and its fragments) and the de-identification's byte
path (:mod:`curator.deid.fastpath`, which copies unchanged elements as slices of the
input and encodes the changed ones with :func:`encode_element`).  VRs come from
:mod:`curator.dicom.vr`.

Anything the byte readers do not take (a VR that is not one, an undefined length outside
a sequence, an item where none can be) raises :class:`Unsupported`; a buffer that ends
inside an element raises :class:`NeedMore` (a subclass: a caller that cannot read more
treats it as unsupported).
"""
from __future__ import annotations

import struct
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from curator.dicom.vr import LONG_LENGTH_VR_BYTES, is_vr_bytes, padding

UNDEFINED = 0xFFFFFFFF
ITEM, ITEM_END, SEQUENCE_END = 0xFFFEE000, 0xFFFEE00D, 0xFFFEE0DD
PIXEL_DATA = 0x7FE00010
PIXEL_TAGS = frozenset({0x7FE00010, 0x7FE00008, 0x7FE00009})  # Pixel, Float and Double Float Pixel Data
EXPLICIT_LE = "1.2.840.10008.1.2.1"
IMPLICIT_LE = "1.2.840.10008.1.2"
EXPLICIT_BE = "1.2.840.10008.1.2.2"
DEFLATED_LE = "1.2.840.10008.1.2.1.99"

TAG = struct.Struct("<HH")
EXPLICIT_HEAD = struct.Struct("<HH2sH")  # group, element, VR, 2-byte length
U16 = struct.Struct("<H")
U32 = struct.Struct("<L")


class Unsupported(Exception):
    """These bytes need pydicom's general reader."""


class MetaPastGroupLength(Unsupported):
    """File Meta (group 0002) elements go on past the end its group length gives: a group
    length that lies (old archives: the general reader reads the elements), or File Meta
    elements inside the dataset (``past``: True when the elements run past the length)."""

    def __init__(self, message: str, past: bool) -> None:
        super().__init__(message)
        self.past = past


class NeedMore(Unsupported):
    """The buffer ends inside an element: read more of the file."""


class InvalidVR(Unsupported):
    """Two bytes where an explicit VR element has its VR that name no VR (at ``offset``).

    On the first element of a dataset the dataset may be implicit VR under a File Meta
    that says explicit (pydicom's general reader switches); after valid elements it is
    corrupt data, named so when the general reader rejects it (hostile round 8)."""

    def __init__(self, offset: int) -> None:
        super().__init__("VR bytes are not a VR")
        self.offset = offset
        self.after_elements = False  # set by the dataset reader: valid elements came before


INVALID_VR = "element with an invalid VR (two bytes that name no VR, after valid explicit VR elements)"


@dataclass(frozen=True)
class RawSource:
    """The bytes a dataset was read from: ``buf[start:end]`` holds its elements up to
    (not including) pixel data; ``implicit``: Implicit VR Little Endian."""

    buf: bytes
    start: int
    end: int
    implicit: bool


def element_header(buf: bytes, pos: int, implicit: bool) -> tuple[int, bytes | None, int, int]:
    """``(tag, VR bytes or None, length, header size)`` of the element at ``pos``.

    Items and delimiters (group FFFE) and implicit VR elements have no VR.
    """
    if pos + 8 > len(buf):
        raise NeedMore
    group, element = TAG.unpack_from(buf, pos)
    tag = (group << 16) | element
    if implicit or group == 0xFFFE:
        return tag, None, U32.unpack_from(buf, pos + 4)[0], 8
    vr = buf[pos + 4 : pos + 6]
    if vr in LONG_LENGTH_VR_BYTES:
        if pos + 12 > len(buf):
            raise NeedMore
        return tag, vr, U32.unpack_from(buf, pos + 8)[0], 12
    if not is_vr_bytes(vr):
        raise InvalidVR(pos)
    return tag, vr, U16.unpack_from(buf, pos + 6)[0], 8


def skip_item_content(buf: bytes, pos: int, implicit: bool) -> int:
    """Offset just past the item delimiter of an undefined-length item whose elements start
    at ``pos``."""
    while True:
        tag, vr, length, size = element_header(buf, pos, implicit)
        pos += size
        if tag == ITEM_END:
            return pos
        if length == UNDEFINED:
            if vr not in (None, b"SQ"):
                raise Unsupported("undefined length outside a sequence")
            pos = skip_sequence(buf, pos, implicit)
        else:
            pos += length
        if pos > len(buf):
            raise NeedMore


def skip_sequence(buf: bytes, pos: int, implicit: bool) -> int:
    """Offset just past the sequence delimiter of an undefined-length sequence whose items
    start at ``pos``."""
    while True:
        tag, _, length, size = element_header(buf, pos, True)
        pos += size
        if tag == SEQUENCE_END:
            return pos
        if tag != ITEM:
            raise Unsupported("unexpected tag inside a sequence")
        if length == UNDEFINED:
            pos = skip_item_content(buf, pos, implicit)
        else:
            pos += length


def sequence_items(buf: bytes, pos: int, end: int | None,
                   item_end: Callable[[bytes, int], int] | None = None) -> tuple[list[tuple[int, int]], int]:
    """The items of a sequence whose value starts at ``pos`` (``end``: where a defined
    length value ends; ``None``: undefined length) as ``(content start, content end)``,
    and the offset after the sequence.

    ``item_end(buf, start)``: the offset after the delimiter of an undefined-length item
    (default: :func:`skip_item_content` in explicit VR); a parser that checks every
    element passes its own.
    """
    items: list[tuple[int, int]] = []
    while end is None or pos < end:
        tag, _, length, _ = element_header(buf, pos, True)
        if tag == SEQUENCE_END:
            return items, pos + 8
        if tag != ITEM:
            raise Unsupported("not an item")
        start = pos + 8
        if length == UNDEFINED:
            after = item_end(buf, start) if item_end is not None else skip_item_content(buf, start, False)
            items.append((start, after - 8))
            pos = after
        else:
            pos = start + length
            items.append((start, pos))
    return items, pos


def skip_fragments(buf: bytes, pos: int) -> int:
    """Offset just past the sequence delimiter of encapsulated pixel data whose items
    (offset table and fragments) start at ``pos``."""
    while True:
        tag, _, length, _ = element_header(buf, pos, True)
        if tag == SEQUENCE_END:
            return pos + 8
        if tag != ITEM or length == UNDEFINED:
            raise Unsupported("bad fragment")
        pos += 8 + length


# --- writing (Explicit VR Little Endian) ------------------------------------------------

def encode_header(tag: int, vr: str, length: int) -> bytes:
    """The header of an element (tag, VR, length) in Explicit VR Little Endian."""
    head = TAG.pack(tag >> 16, tag & 0xFFFF) + vr.encode("ascii")
    if head[4:6] in LONG_LENGTH_VR_BYTES:
        return head + b"\0\0" + U32.pack(length)
    if length > 0xFFFF:
        raise Unsupported("value too long for its VR")
    return head + U16.pack(length)


def encode_element(tag: int, vr: str, value: bytes) -> bytes:
    """An element with ``value`` padded to even length."""
    if len(value) % 2:
        value += padding(vr)
    return encode_header(tag, vr, len(value)) + value


def encode_sequence(tag: int, items: Iterable[bytes]) -> bytes:
    """A sequence of defined length holding ``items`` (each the bytes of a dataset)."""
    body = b"".join(b"\xfe\xff\x00\xe0" + U32.pack(len(item)) + item for item in items)
    return encode_header(tag, "SQ", len(body)) + body


def value_offset(encoded: bytes) -> int:
    """Where the value of an element encoded by :func:`encode_element` starts."""
    return 12 if encoded[4:6] in LONG_LENGTH_VR_BYTES else 8


__all__ = [
    "DEFLATED_LE", "EXPLICIT_BE", "EXPLICIT_HEAD", "EXPLICIT_LE", "IMPLICIT_LE", "ITEM", "ITEM_END",
    "NeedMore", "PIXEL_DATA", "PIXEL_TAGS", "RawSource", "SEQUENCE_END", "TAG", "U16", "U32",
    "UNDEFINED", "Unsupported", "element_header", "encode_element", "encode_header",
    "encode_sequence", "sequence_items", "skip_fragments", "skip_item_content", "skip_sequence",
    "value_offset",
]
