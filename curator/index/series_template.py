"""Headers seen before: instances of a series matched byte for byte, not parsed again.

The instances of a series repeat their header but for a few per-instance elements (SOP
Instance UID, Instance Number, Image Position, …: ``curator.index.extract.VARYING_TAGS``). Once
one instance has been read in full (``curator.dicom.header`` then ``curator.index.extract``), a
:class:`Template` keeps its header bytes cut at those elements, and the record they
share. A later file *matches* when every byte of its header outside those elements is
the same, in the same places relative to them: then a full read of it would parse the
same elements with the same values but for the per-instance ones, so its record is the
template's with only what the per-instance elements decide computed again (its SOP key
and their conformance), and the checks a full read makes on them made again (a valid SOP
Instance UID, complete pixel data).

Matching compares bytes in C (``bytes.startswith``) and reads one length field per
per-instance element, so a matched file costs a small fraction of a parse. A file that
does not match any template is read in full, as before. Tests check that both ways give
the same index on every corpus.

Only headers read by ``curator.dicom.fastheader`` (Part 10 files, little endian, not deflated)
whose per-instance elements are all still raw, whose text is in a plain character set and
that end at a Pixel Data element inside the bytes read make templates.
"""
from __future__ import annotations

import struct
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, BinaryIO

import pydicom
from pydicom.dataelem import RawDataElement
from pydicom.tag import BaseTag

from curator.dicom.elements import RawSource
from curator.dicom.walk import charset_of, decode_raw_text, meta_bytes_text, meta_text
from curator.index.extract import instance_record, varying_cuts
from curator.dicom.header import check_pixel_element, is_uid_text
from curator.dicom.pixel_size import dataset_values, is_encapsulated, native_pixel_bytes

MAX_TEMPLATES = 16  # per process; a scan meets series one after the other
_TEMPLATES: OrderedDict[int, Template] = OrderedDict()
_SOP_INSTANCE = 0x00080018
_MEDIA_INSTANCE = 0x00020003
_L = struct.Struct("<L")
_H = struct.Struct("<H")


@dataclass(frozen=True)
class _Cut:
    """A per-instance element: its tag, VR (``None`` when implicit) and the size of its length field."""

    tag: int
    vr: str | None
    length_size: int  # 2 or 4; 0 for the value of File Meta Information Group Length
    was_empty: bool  # whether it was empty in the template (the shared record depends on it)


@dataclass(frozen=True)
class _Layout:
    """A header cut at its per-instance elements: ``fixed[i]`` precedes ``cuts[i]``,
    ``fixed[-1]`` ends with the Pixel Data tag."""

    fixed: tuple[bytes, ...]
    cuts: tuple[_Cut, ...]
    implicit: bool
    charset: tuple[str, ...]
    meta_delta_from: int | None  # Group Length minus the Media Storage SOP Instance UID length
    image_bytes: int | None = None  # native Pixel Data size the (shared) image attributes say; None: not judged


@dataclass(frozen=True)
class Template:
    """A header read in full (its layout) and the record its series shares (salted with ``salt``)."""

    salt: bytes
    layout: _Layout
    base: Mapping[str, Any]


def clear() -> None:
    """Forget every template of this process."""
    _TEMPLATES.clear()


def layout_of(ds: pydicom.Dataset, source: RawSource | None) -> _Layout | None:
    """How the header of ``ds``, just read from ``source`` (``None``: not by the fast
    reader), cuts into a template (``None``: it does not).

    Call before anything converts the elements of ``ds``.
    """
    try:
        return _layout_of(ds, source)
    except (ValueError, TypeError, KeyError, AttributeError, struct.error, UnicodeError):
        return None  # an odd header is read in full every time; it is never lost


def _layout_of(ds: pydicom.Dataset, source: RawSource | None) -> _Layout | None:
    meta = getattr(ds, "file_meta", None)
    if source is None or meta is None:
        return None
    buf, offset, implicit = source.buf, source.end, source.implicit
    if offset + 12 > len(buf) or buf[offset:offset + 4] != b"\xe0\x7f\x10\x00":
        return None  # only headers that end at (7FE0,0010) Pixel Data inside the bytes read
    charset = charset_of(ds)
    sop = ds.get_item(_SOP_INSTANCE, keep_deferred=True)
    if not isinstance(sop, RawDataElement) or not is_uid_text(decode_raw_text(sop, charset)):
        return None
    cuts: list[tuple[int, _Cut]] = []  # (start of the length field, cut)
    meta_delta_from = None
    media = meta.get_item(_MEDIA_INSTANCE, keep_deferred=True)
    group_length = meta.get_item(0x00020000, keep_deferred=True)
    if media is not None:
        if not isinstance(media, RawDataElement) or not isinstance(group_length, RawDataElement) or group_length.length != 4:
            return None
        cuts.append((group_length.value_tell, _Cut(0x00020000, "UL", 0, False)))
        cuts.append((media.value_tell - 2, _Cut(_MEDIA_INSTANCE, media.VR, 2, not media.length)))
        meta_delta_from = _L.unpack(group_length.value or b"")[0] - media.length
    varying = varying_cuts(ds, implicit)  # the cuts the memo digest of the shared record leaves out
    if varying is None:
        return None
    cuts += [(v.length_start, _Cut(v.tag, None if implicit else v.vr, v.length_size, v.empty)) for v in varying]
    cuts.sort(key=lambda item: item[0])
    fixed: list[bytes] = []
    position = 0
    for length_start, cut in cuts:
        if length_start < position:
            return None
        fixed.append(bytes(buf[position:length_start]))
        size = 4 if cut.length_size == 0 else (_H if cut.length_size == 2 else _L).unpack_from(buf, length_start)[0]
        position = length_start + cut.length_size + size
    if position > offset:
        return None
    fixed.append(bytes(buf[position:offset + 4]))
    return _Layout(tuple(fixed), tuple(c for _, c in cuts), implicit, charset, meta_delta_from, _image_bytes(ds))


def _image_bytes(ds: pydicom.Dataset) -> int | None:
    """What a full read checks native Pixel Data against (the image attributes and the
    transfer syntax are in the fixed bytes: every matching file shares them)."""
    rows, columns, samples, frames, bits, photometric = dataset_values(ds)
    syntax = meta_text(ds, "TransferSyntaxUID")
    if not rows or not columns or not bits or is_encapsulated(syntax):
        return None
    return native_pixel_bytes(rows, columns, samples or 1, frames or 1, bits, photometric)


def learn(layout: _Layout | None, salt: bytes, base: Mapping[str, Any], reusable: bool) -> None:
    """Keep a template of the header cut as ``layout``, whose record shares ``base``.

    ``reusable``: whether ``base`` holds for every header equal to this one but for the
    per-instance values (``curator.index.extract.base_record``).
    """
    if layout is None or not reusable or MAX_TEMPLATES < 1:
        return
    template = Template(salt, layout, base)
    _TEMPLATES[id(template)] = template
    while len(_TEMPLATES) > MAX_TEMPLATES:
        _TEMPLATES.popitem(last=False)


def match(fp: BinaryIO, buf: bytes, size: int, salt: bytes) -> dict[str, Any] | None:
    """The record of the file whose first bytes are ``buf`` when it matches a template of
    this process (``None`` otherwise: read it in full).

    Raises ``HeaderError`` as a full read would for a matched file whose pixel data are
    incomplete.
    """
    for template_id, template in reversed(_TEMPLATES.items()):
        if template.salt != salt:
            continue
        found = _values(template.layout, buf)
        if found is None:
            continue
        elements, media_value, end = found
        sop_text = decode_raw_text(elements[_SOP_INSTANCE], template.layout.charset) if _SOP_INSTANCE in elements else None
        if not is_uid_text(sop_text):
            return None  # a full read names the problem
        pixel_at = end - 4
        if pixel_at + 12 > len(buf) or pixel_at >= size:
            return None
        check_pixel_element(fp, size, pixel_at, True, image_bytes=template.layout.image_bytes)
        _TEMPLATES.move_to_end(template_id)
        return instance_record(template.base, elements, meta_bytes_text(media_value) if media_value is not None else None,
                               sop_text or None)
    return None


def _values(template: _Layout, buf: bytes) -> tuple[dict[int, RawDataElement], bytes | None, int] | None:
    """The per-instance elements of ``buf`` cut as ``template`` is, or ``None`` when any
    other byte differs."""
    position = 0
    n = len(buf)
    elements: dict[int, RawDataElement] = {}
    media_value = None
    group_length = None
    implicit = template.implicit
    fixed = template.fixed
    for i, cut in enumerate(template.cuts):
        segment = fixed[i]
        if not buf.startswith(segment, position):
            return None
        position += len(segment)
        if cut.length_size == 0:  # File Meta Information Group Length: checked below
            if position + 4 > n:
                return None
            group_length = _L.unpack_from(buf, position)[0]
            position += 4
            continue
        if position + cut.length_size > n:
            return None
        length = (_H if cut.length_size == 2 else _L).unpack_from(buf, position)[0]
        value_start = position + cut.length_size
        position = value_start + length
        if length == 0xFFFFFFFF or position > n or (length == 0) != cut.was_empty:
            return None
        value = buf[value_start:position]
        if cut.tag == _MEDIA_INSTANCE:
            media_value = value
        else:
            tag = BaseTag(cut.tag)
            elements[cut.tag] = RawDataElement(tag, cut.vr, length, value, value_start, implicit, True, True, False)
    if not buf.startswith(fixed[-1], position):
        return None
    if template.meta_delta_from is not None and (
            group_length is None or media_value is None or group_length - len(media_value) != template.meta_delta_from):
        return None  # the meta group length must place the dataset where the template has it
    return elements, media_value, position + len(fixed[-1])


__all__ = ["MAX_TEMPLATES", "Template", "clear", "layout_of", "learn", "match"]
