"""Read a DICOM header (everything before Pixel Data) with a clear reason when it fails.

``read_header`` accepts the bytes of an item or a path, and returns the dataset read with
``stop_before_pixels``; large non-pixel values stay unread (deferred).  Anything that is
not a DICOM instance raises :class:`HeaderError` with a human-readable reason, which never
quotes a header value.
"""
from __future__ import annotations

import io
import json
import struct
import warnings
import zlib
from dataclasses import dataclass
from typing import BinaryIO

import pydicom
from pydicom.dataelem import RawDataElement
from pydicom.errors import InvalidDicomError

from curator.dicom.walk import dictionary_vr, meta_text, raw_text
from curator.dicom.elements import (
    ITEM,
    ITEM_END,
    PIXEL_DATA,
    PIXEL_TAGS,
    SEQUENCE_END,
    UNDEFINED,
    INVALID_VR,
    InvalidVR,
    MetaPastGroupLength,
    NeedMore,
    RawSource,
    Unsupported,
    element_header,
)
from curator.dicom.fastheader import read_fast
from curator.dicom.textcodec import read_as_found
from curator.dicom.pixel_size import dataset_problem, is_encapsulated
from curator.dicom.vr import LONG_LENGTH_VR_BYTES

# Values larger than this are not read during the scan (private blobs, overlays, …).
DEFER_SIZE = 64 * 1024

_RAW_START_GROUPS = {0x0002, 0x0008}


_DICOMDIR = "1.2.840.10008.1.3.10"
_NOT_DICOM = "not DICOM (no DICM prefix and no readable DICOM dataset)"
META_IN_DATASET = "File Meta elements (group 0002) inside the dataset, past the File Meta group length"
_MISREAD = ("not a DICOM instance", "malformed DICOM header", "unsupported encoding")  # what a wrong syntax gives


def _uid_value(ds: pydicom.Dataset, keyword: str) -> object:
    try:
        raw = ds.get_item(keyword)
        if isinstance(raw, RawDataElement):
            value = raw_text(ds, raw)  # no conversion: the record's digest needs raw elements
            if value is None:
                value = ds.get(keyword)
        else:
            value = ds.get(keyword)
    except Exception:
        return None
    return value


def identity_problem(ds: pydicom.Dataset) -> str | None:
    """Why ``ds`` is not a SOP instance (its SOP Class or SOP Instance UID missing or not a
    UID), or ``None``.  The reason names the attribute and the fault, never the value."""
    for keyword, label in (("SOPClassUID", "SOP Class UID"), ("SOPInstanceUID", "SOP Instance UID")):
        value = _uid_value(ds, keyword)
        if is_uid_text(value):
            continue
        text = value.strip() if isinstance(value, str) else ""
        if not text:
            fault = "missing"
        elif len(value) > 64:  # type: ignore[arg-type]  # a str here
            fault = f"not a valid UID ({len(value)} characters; DICOM allows 64)"  # type: ignore[arg-type]
        else:
            fault = "not a valid UID (characters other than digits and dots)"
        return f"not a DICOM instance ({label} {fault})"
    return None


def is_uid_text(value: object) -> bool:
    """True for text that can be a UID (digits and dots, 1 to 64 characters)."""
    if not isinstance(value, str) or not 0 < len(value) <= 64:
        return False
    digits = value.strip().replace(".", "")
    return not digits or digits.isdigit()  # every character a digit or a dot


def _needs_pixels(ds: pydicom.Dataset) -> bool:
    """True for image objects, which must carry pixel data."""
    if "Rows" in ds and "Columns" in ds and "BitsAllocated" in ds:
        return True
    name = pydicom.uid.UID(str(ds.get("SOPClassUID", ""))).name
    return "Image Storage" in name or "Segmentation Storage" in name


class HeaderError(Exception):
    """The item is not a readable DICOM instance; ``str(exc)`` is the reason."""


def _looks_like_raw_dataset(head: bytes) -> bool:
    """A dataset without preamble and file meta starts with a group 0002 or 0008 tag."""
    if len(head) < 8:
        return False
    little = struct.unpack("<H", head[:2])[0]
    big = struct.unpack(">H", head[:2])[0]
    return little in _RAW_START_GROUPS or big in _RAW_START_GROUPS


PREFIX = 64 * 1024  # bytes read first; most headers end well before

# An item whose bytes start with this holds the instance's DICOM JSON (WADO-RS metadata of
# a DICOMweb source, see curator.sources.dicomweb) instead of a DICOM file.
JSON_MAGIC = b"CURATOR-DICOM-JSON\n"


# Sequences nested deeper than this are refused: real objects (SR content trees included)
# stay far below, and deeper nesting only exhausts the readers' recursion.
MAX_SEQUENCE_DEPTH = 64
_TOO_DEEP = f"sequences nested deeper than {MAX_SEQUENCE_DEPTH} levels"


@dataclass(frozen=True)
class Header:
    """A header read by :func:`read_header_source`: the dataset, and the bytes it was read
    from when the fast reader read it (``None`` for the general reader and DICOM JSON)."""

    dataset: pydicom.Dataset
    source: RawSource | None


def read_header(fp: BinaryIO, size: int, prefix: bytes | None = None) -> pydicom.Dataset:
    """The header of the DICOM instance in ``fp`` (``size`` bytes long).

    This is the one definition of a readable instance: scan, audit, deid and publish
    (and the leak digests) all accept exactly what it accepts.  Common encodings go
    through :mod:`curator.dicom.fastheader` reading only the first bytes of the file; anything
    else through pydicom's general reader.  Raises :class:`HeaderError` for empty,
    non-DICOM, truncated and too deeply nested input.  ``prefix``: the first bytes of the
    file, already read (``fp`` is then positioned just after them).
    """
    return read_header_source(fp, size, prefix).dataset


def read_header_source(fp: BinaryIO, size: int, prefix: bytes | None = None) -> Header:
    """:func:`read_header` with the bytes the fast reader read the dataset from."""
    try:
        header = _read_header(fp, size, prefix)
        check_sequence_depth(header.dataset, header.source is not None and not header.source.implicit)
        read_as_found(header.dataset)  # text whose bytes are not its declared character set
    except RecursionError:
        raise HeaderError(_TOO_DEEP) from None
    return header


def check_sequence_depth(ds: pydicom.Dataset, explicit_raw: bool = False) -> None:
    """Raise :class:`HeaderError` when sequences nest deeper than :data:`MAX_SEQUENCE_DEPTH` (iterative).

    ``explicit_raw``: ``ds`` was read by the fast reader in Explicit VR Little Endian; a
    top-level sequence whose bytes :func:`_nests_within_limit` walks completely is then
    judged from its bytes (pydicom does not have to build its items); anything that walk
    does not take (an unusual element, nesting at the limit) is judged by pydicom as before."""
    stack = [(ds, 0)]
    while stack:
        current, depth = stack.pop()
        for tag, raw in list(current.items()):
            if (raw.VR or dictionary_vr(int(tag))) != "SQ":
                continue
            if depth >= MAX_SEQUENCE_DEPTH:
                raise HeaderError(_TOO_DEEP)
            if explicit_raw and depth == 0 and isinstance(raw, RawDataElement) and _nests_within_limit(raw.value):
                continue
            try:
                items = current[tag].value or ()
            except RecursionError:
                raise
            except Exception:  # noqa: BLE001 - an unreadable sequence is judged by whoever reads it
                continue
            stack.extend((item, depth + 1) for item in items)


def _nests_within_limit(value: object) -> bool:
    """True when ``value``, the raw bytes of a top-level sequence (its items, Explicit VR
    Little Endian), parses completely with every nested sequence less than
    :data:`MAX_SEQUENCE_DEPTH` deep; False when anything is unusual (the caller lets
    pydicom judge)."""
    if not isinstance(value, bytes):
        return False
    try:
        return _items_end(value, 0, len(value), 1) == len(value)
    except (Unsupported, RecursionError):  # NeedMore is an Unsupported
        return False


def _items_end(buf: bytes, pos: int, end: int | None, depth: int) -> int | None:
    """The offset after the items of a sequence starting at ``pos`` (``end``: where its
    defined length ends; ``None``: after its delimiter); the items nest at ``depth``.
    ``None`` when anything is unusual."""
    while end is None or pos < end:
        tag, _, length, _ = element_header(buf, pos, True)
        pos += 8
        if tag == SEQUENCE_END:
            return pos if end is None else None
        if tag != ITEM:
            return None
        if length == UNDEFINED:
            after = _item_end(buf, pos, None, depth)
        else:
            after = _item_end(buf, pos, pos + length, depth) if pos + length <= len(buf) else None
        if after is None:
            return None
        pos = after
    return pos if pos == end else None


def _item_end(buf: bytes, pos: int, end: int | None, depth: int) -> int | None:
    """The offset after the elements of an item at nesting ``depth`` from ``pos`` to ``end``
    (``None``: to its item delimiter, included); ``None`` when anything is unusual or a
    sequence in it is at the depth limit."""
    limit = len(buf) if end is None else end
    while pos < limit:
        tag, vr, length, size = element_header(buf, pos, False)
        pos += size
        if vr is None:
            return pos if tag == ITEM_END and end is None else None
        if vr == b"SQ":
            if depth >= MAX_SEQUENCE_DEPTH:
                return None
            after = _items_end(buf, pos, None if length == UNDEFINED else pos + length, depth + 1)
            if after is None:
                return None
            pos = after
        elif length == UNDEFINED:
            return None
        else:
            pos += length
    return pos if end is not None and pos == end else None


def _read_header(fp: BinaryIO, size: int, prefix: bytes | None) -> Header:
    if size == 0:
        raise HeaderError("empty file")
    buf = fp.read(PREFIX) if prefix is None else prefix
    if buf.startswith(JSON_MAGIC):
        return Header(_read_json(buf + fp.read()), None)
    invalid_vr = meta_in_dataset = False
    while True:
        try:
            ds, offset, source = read_fast(buf)
        except NeedMore:
            if len(buf) >= size:
                raise HeaderError("truncated (the header ends early)") from None
            buf += fp.read()
            continue
        except Unsupported as exc:
            invalid_vr = isinstance(exc, InvalidVR) and exc.after_elements
            meta_in_dataset = isinstance(exc, MetaPastGroupLength) and exc.past
            break
        except (ValueError, struct.error, UnicodeError, KeyError, TypeError):
            break  # let the general reader judge (and name) the problem
        if offset > len(buf) - 8 and len(buf) < size:
            buf += fp.read()  # the prefix ended at or near an element boundary: read the rest
            continue
        _check_identity(ds, True, buf[:132])
        fp.seek(offset)
        _check_pixel_data_complete(fp, size, ds)
        return Header(ds, source)
    fp.seek(0)
    try:
        return Header(_read_general(fp, size), None)
    except HeaderError as exc:
        if invalid_vr:  # the general reader went on as implicit VR and lost its way: say why
            raise HeaderError(INVALID_VR) from None
        if meta_in_dataset and str(exc).startswith(_MISREAD):  # the File Meta read by its elements
            raise HeaderError(META_IN_DATASET) from None  # (a group length that lies) gave a dataset read wrong
        raise


def _unresolved_bulk_data(tag: str, vr: str, uri: str) -> bytes | None:
    return None  # bulk data (pixel data, large blobs) is never fetched for a header


def _read_json(data: bytes) -> pydicom.Dataset:
    """The dataset of DICOM JSON (PS3.18 F.2) after :data:`JSON_MAGIC`; BulkDataURIs stay unresolved.

    File meta elements (group 0002), when the server returns them, go to ``file_meta``.
    """
    try:
        document = json.loads(data[len(JSON_MAGIC):].decode("utf-8"))
        if not isinstance(document, dict):
            raise HeaderError("not DICOM JSON (not an object)")
        meta = {tag: value for tag, value in document.items() if tag[:4] == "0002"}
        body = {tag: value for tag, value in document.items() if tag[:4] != "0002"}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ds = pydicom.Dataset.from_json(body, bulk_data_uri_handler=_unresolved_bulk_data)
            if meta:
                ds.file_meta = pydicom.dataset.FileMetaDataset(pydicom.Dataset.from_json(meta))
    except HeaderError:
        raise
    except (ValueError, TypeError, KeyError, IndexError, AttributeError, UnicodeError, OverflowError) as exc:
        raise HeaderError(f"malformed DICOM JSON ({type(exc).__name__})") from None
    problem = identity_problem(ds)
    if problem:
        raise HeaderError(problem)
    return ds


def _read_general(fp: BinaryIO, size: int) -> pydicom.Dataset:
    """pydicom's general reader, for encodings the fast reader leaves to it."""
    head = fp.read(132)
    fp.seek(0)
    has_preamble = len(head) == 132 and head[128:132] == b"DICM"
    if has_preamble:
        check_inflated_size(fp, size)
    try:
        ds = pydicom.dcmread(fp, stop_before_pixels=True, defer_size=DEFER_SIZE, force=True)
    except InvalidDicomError:
        raise HeaderError("not DICOM (unreadable file meta)") from None
    except (EOFError, struct.error):
        if not has_preamble and not _looks_like_raw_dataset(head):
            raise HeaderError(_NOT_DICOM) from None
        raise HeaderError("truncated (the header ends early)") from None
    except NotImplementedError:
        raise HeaderError("unsupported encoding (transfer syntax pydicom cannot read)") from None
    except zlib.error:
        raise HeaderError("corrupt deflated data (the dataset cannot be inflated)") from None
    except (ValueError, TypeError, KeyError, IndexError, OverflowError, MemoryError, UnicodeError, AttributeError) as exc:
        if not has_preamble and not _looks_like_raw_dataset(head):
            raise HeaderError(_NOT_DICOM) from None
        raise HeaderError(f"malformed DICOM header ({type(exc).__name__})") from None
    _check_identity(ds, has_preamble, head)
    _check_pixel_data_complete(fp, size, ds)
    return ds


_DEFLATED = b"1.2.840.10008.1.2.1.99"
_INFLATE_CHUNK = 1 << 20


def check_inflated_size(fp: BinaryIO, size: int) -> None:
    """A Deflated Explicit VR Little Endian dataset that inflates beyond ``max_ratio`` times
    its size is rejected before pydicom inflates it whole (a 3 MB file held 3 GiB of zeros:
    3 GB resident per worker).  The stream is inflated in bounded pieces and thrown away."""
    meta = fp.read(4096)
    fp.seek(0)
    if _DEFLATED not in meta or meta[132:136] != b"\x02\x00\x00\x00" or len(meta) < 144:
        return
    from curator.sources.local import archive_limits  # the archives' ratio, for deflated datasets too

    ratio = archive_limits().max_ratio
    start = 144 + struct.unpack("<I", meta[140:144])[0]
    limit = max(ratio * max(size - start, 1), float(_INFLATE_CHUNK))
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    fp.seek(start)
    total = 0
    try:
        while total <= limit:
            data = inflater.unconsumed_tail or fp.read(_INFLATE_CHUNK)
            if not data:
                break
            total += len(inflater.decompress(data, _INFLATE_CHUNK))
            if inflater.eof:
                break
    except zlib.error:
        pass  # pydicom's read names a corrupt stream
    finally:
        fp.seek(0)
    if total > limit:
        raise HeaderError(f"deflated dataset expands beyond {ratio:g} times its size (possible decompression bomb)")


def _check_identity(ds: pydicom.Dataset, has_preamble: bool, head: bytes) -> None:
    """Reject media directories and datasets that are not SOP instances."""
    media_class = meta_text(ds, "MediaStorageSOPClassUID")
    if media_class == _DICOMDIR:
        raise HeaderError("DICOMDIR (a media directory, not an instance)")
    problem = identity_problem(ds)
    if problem:
        if not has_preamble and not _looks_like_raw_dataset(head):
            raise HeaderError(_NOT_DICOM)
        raise HeaderError(problem)


def _check_pixel_data_complete(fp: BinaryIO, size: int, ds: pydicom.Dataset) -> None:
    """Raise ``HeaderError`` when the transfer syntax is not one (nothing could tell how the
    pixels are encoded) or the Pixel Data element runs past the end of the file."""
    transfer_syntax = meta_text(ds, "TransferSyntaxUID")
    if transfer_syntax and not pydicom.uid.UID(transfer_syntax).is_transfer_syntax:
        raise HeaderError("unsupported transfer syntax (not a DICOM transfer syntax UID)")
    if transfer_syntax is not None and transfer_syntax == pydicom.uid.DeflatedExplicitVRLittleEndian:
        return  # deflated stream: the file position is not a byte offset of the dataset
    position = fp.tell()
    if position >= size:
        if _needs_pixels(ds):
            raise HeaderError("image without pixel data (truncated or header-only)")
        return  # an object without pixel data (SR, RTSTRUCT, …)
    check_pixel_element(fp, size, position, ds.is_little_endian in (True, None), ds, transfer_syntax)


EMPTY_PIXELS = "image without pixel data (empty Pixel Data)"


def check_pixel_element(fp: BinaryIO, size: int, position: int, little_endian: bool,
                        ds: pydicom.Dataset | None = None, transfer_syntax: str | None = None,
                        image_bytes: int | None = None) -> None:
    """Raise ``HeaderError`` when the element at ``position`` (before ``size``) is Pixel
    Data whose value runs past the end of the file, is empty (zero length, or encapsulated
    with no fragment: :data:`EMPTY_PIXELS`, the one reason of every command), or is native
    Pixel Data shorter than its image attributes say (:mod:`curator.dicom.pixel_size`; from
    the header ``ds``, or ``image_bytes`` when the caller knows the size without it)."""
    fp.seek(position)
    endian = "<" if little_endian else ">"
    header = fp.read(12)
    if len(header) < 8:
        raise HeaderError("truncated (the file ends inside the pixel data header)")
    group, element = struct.unpack(endian + "HH", header[:4])
    if ((group << 16) | element) not in PIXEL_TAGS:
        return
    # Judge the encoding from the bytes: some files declare explicit VR and write implicit.
    vr = header[4:6]
    explicit = vr.isalpha() and vr.isupper()
    if not explicit:
        length = struct.unpack(endian + "L", header[4:8])[0]
        value_start = position + 8
    elif vr in LONG_LENGTH_VR_BYTES:
        if len(header) < 12:
            raise HeaderError("truncated (the file ends inside the pixel data header)")
        length = struct.unpack(endian + "L", header[8:12])[0]
        value_start = position + 12
    else:
        length = struct.unpack(endian + "H", header[6:8])[0]
        value_start = position + 8
    is_pixel_data = ((group << 16) | element) == PIXEL_DATA
    if length == UNDEFINED:
        if not _check_fragments(fp, size, value_start, endian) and is_pixel_data:
            raise HeaderError(EMPTY_PIXELS)
    elif length == 0 and is_pixel_data:
        raise HeaderError(EMPTY_PIXELS)
    elif transfer_syntax and is_pixel_data and is_encapsulated(transfer_syntax):
        raise HeaderError("malformed pixel data (not encapsulated, as its transfer syntax requires)")
    elif value_start + length > size:
        raise HeaderError("truncated (pixel data shorter than declared)")
    elif is_pixel_data and (dataset_problem(ds, transfer_syntax, length) if ds is not None
                            else image_bytes is not None and length < image_bytes):
        raise HeaderError("truncated (pixel data shorter than the image size)")


def _check_fragments(fp: BinaryIO, size: int, offset: int, endian: str) -> int:
    """Walk the items of encapsulated pixel data up to the sequence delimiter; the number
    of fragments (items after the Basic Offset Table)."""
    fp.seek(offset)
    items = 0
    while True:
        item = fp.read(8)
        if len(item) < 8:
            raise HeaderError("truncated (encapsulated pixel data has no end)")
        group, element, length = struct.unpack(endian + "HHL", item)
        if (group << 16) | element == SEQUENCE_END:
            return max(items - 1, 0)
        if (group << 16) | element != ITEM:
            raise HeaderError("malformed encapsulated pixel data")
        items += 1
        offset += 8 + length
        if offset > size:
            raise HeaderError("truncated (encapsulated pixel data shorter than declared)")
        fp.seek(offset)


def read_header_bytes(data: bytes) -> pydicom.Dataset:
    """:func:`read_header` over bytes in memory."""
    return read_header(io.BytesIO(data), len(data))
