"""The sequence depth check judged from the bytes (Explicit VR Little Endian, fast reader)
gives exactly the verdict of the check through pydicom's sequences that it replaces."""
from __future__ import annotations

import copy
import io
import struct
from pathlib import Path

import pydicom
import pytest
from pydicom.data import get_testdata_files

from curator.dicom.header import MAX_SEQUENCE_DEPTH, HeaderError, check_sequence_depth, read_header_bytes
from tests.conftest import planted_dataset

_ITEM, _ITEM_END, _SEQ_END = (0xFFFE, 0xE000), (0xFFFE, 0xE00D), (0xFFFE, 0xE0DD)


def _file(ds: pydicom.Dataset) -> bytes:
    buffer = io.BytesIO()
    pydicom.dcmwrite(buffer, ds, enforce_file_format=True)
    return buffer.getvalue()


def _nested(depth: int, defined: bool, element: bytes = b"") -> bytes:
    """A Content Sequence nesting ``depth`` sequences, each with one item (the innermost
    holding ``element``), with defined or undefined lengths."""
    body = element
    for _ in range(depth):
        if defined:
            item = struct.pack("<HHI", *_ITEM, len(body)) + body
            body = struct.pack("<HH2sHI", 0x0040, 0xA730, b"SQ", 0, len(item)) + item
        else:
            item = struct.pack("<HHI", *_ITEM, 0xFFFFFFFF) + body + struct.pack("<HHI", *_ITEM_END, 0)
            body = struct.pack("<HH2sHI", 0x0040, 0xA730, b"SQ", 0, 0xFFFFFFFF) + item + struct.pack("<HHI", *_SEQ_END, 0)
    return body


def _instance(tail: bytes) -> bytes:
    ds = planted_dataset(3)
    for keyword in ("PixelData", "Rows", "Columns", "BitsAllocated"):
        delattr(ds, keyword)
    ds.SOPClassUID = "1.2.840.10008.5.1.4.1.1.88.11"  # Basic Text SR: no pixel data needed
    return _file(ds) + tail


def _verdicts(data: bytes) -> tuple[str, str]:
    """(byte check, pydicom check) on the header the fast reader read from ``data``."""
    from curator.dicom.fastheader import read_fast

    ds, _, source = read_fast(data)
    results = []
    for explicit_raw in (True, False):
        try:
            check_sequence_depth(copy.deepcopy(ds), explicit_raw and not source.implicit)
            results.append("ok")
        except HeaderError as exc:
            results.append(str(exc))
        except RecursionError:  # read_header_source turns it into the same HeaderError
            results.append(f"sequences nested deeper than {MAX_SEQUENCE_DEPTH} levels")
    return results[0], results[1]


@pytest.mark.parametrize("defined", [True, False])
@pytest.mark.parametrize("depth", [1, 2, MAX_SEQUENCE_DEPTH, MAX_SEQUENCE_DEPTH + 1, MAX_SEQUENCE_DEPTH + 2, 200])
def test_depth_verdict_at_and_around_the_limit(depth, defined):
    data = _instance(_nested(depth, defined, struct.pack("<HH2sH", 0x0010, 0x0010, b"PN", 4) + b"A^B "))
    by_bytes, by_pydicom = _verdicts(data)
    assert by_bytes == by_pydicom
    assert (by_bytes == "ok") == (depth <= MAX_SEQUENCE_DEPTH)
    if depth > MAX_SEQUENCE_DEPTH:
        with pytest.raises(HeaderError, match="nested deeper"):
            read_header_bytes(data)
    else:
        read_header_bytes(data)


@pytest.mark.parametrize("tail", [
    struct.pack("<HH2sH", 0x0008, 0x0060, b"CS", 2) + b"CT",  # not a sequence
    _nested(3, True)[:-2],  # cut inside the innermost item
    struct.pack("<HH2sHI", 0x0040, 0xA730, b"SQ", 0, 8) + struct.pack("<HHI", 0x0008, 0x0060, 0),  # not an item
    struct.pack("<HH2sHI", 0x0040, 0xA730, b"SQ", 0, 16) + struct.pack("<HHI", *_ITEM, 8) + b"\x08\x00\x60\x00ZZ\x02\x00",  # bad VR
    _nested(2, True, struct.pack("<HH2sHI", 0x0009, 0x1010, b"UN", 0, 0xFFFFFFFF) + struct.pack("<HHI", *_SEQ_END, 0)),
])
def test_unusual_sequences_get_the_same_verdict(tail):
    data = _instance(tail)
    try:
        by_bytes, by_pydicom = _verdicts(data)
    except Exception:  # noqa: BLE001 - the fast reader refuses it: the general reader judges, as before
        return
    assert by_bytes == by_pydicom


def test_same_verdicts_on_pydicom_test_files():
    """Every explicit VR little endian test file of pydicom the fast reader reads."""
    from curator.dicom.fastheader import read_fast

    compared = 0
    for name in get_testdata_files("*.dcm"):
        data = Path(name).read_bytes()
        try:
            _, _, source = read_fast(data)
        except Exception:  # noqa: BLE001 - the general reader's files
            continue
        if source.implicit:
            continue
        by_bytes, by_pydicom = _verdicts(data)
        assert by_bytes == by_pydicom, name
        compared += 1
    assert compared >= 20
