"""Hostile inputs, round 5 (plain pydicom, no curator import): odd but legal DICOM that real
archives hold, and the file-system and cohort shapes rounds 3 and 4 did not write.

* encodings: explicit VR big endian with a private block and a sequence, implicit VR with
  private elements of unknown VR, a sequence sent as UN (implicit VR inside explicit), an
  undefined-length item inside a defined-length sequence, a raw dataset without preamble or
  File Meta (explicit VR), trailing garbage after the dataset, a File Meta group length that
  lies (short, long), a Transfer Syntax UID padded with NUL, an unknown one in the DICOM root;
* pixels: odd-length Pixel Data, Float and Double Float Pixel Data, 1-bit pixels, a
  multi-frame Enhanced CT without functional groups, an Extended Offset Table, frames split
  across fragments, zero-length Pixel Data, pixel data longer than the image;
* a DICOMDIR alone in its folder; cohorts: one SOP Instance UID with other content at two
  sites, the same file under two names, a Series Instance UID shared by two studies;
* file system: a 255-byte name, a name that is not UTF-8, a hard link, a symlink to a file
  inside and to a folder outside, a folder link loop.

Every file's header names the patient (``HOSTILE_NAME``, ``HOSTILE_MRN``), so rejections and
releases that quote too much are found.  ``write_cases(root)`` returns what it wrote.
"""
from __future__ import annotations

import io
import os
import struct
import warnings
from pathlib import Path

import numpy as np
from pydicom.dataset import Dataset
from pydicom.encaps import encapsulate, encapsulate_extended
from pydicom.uid import ExplicitVRBigEndian, ImplicitVRLittleEndian, RLELossless

from hostile import HOSTILE_MRN, HOSTILE_NAME, ROOT_UID, _bytes, _ct, _element, _with_syntax

__all__ = ["HOSTILE_MRN", "HOSTILE_NAME", "cases", "write_cases"]

ENHANCED_CT = "1.2.840.10008.5.1.4.1.1.2.1"
PARAMETRIC_MAP = "1.2.840.10008.5.1.4.1.1.30"


def _meta_end(data: bytes) -> int:
    return 144 + struct.unpack("<I", data[140:144])[0]


def _private(ds: Dataset) -> Dataset:
    block = ds.private_block(0x0029, "ACME 1.0", create=True)
    block.add_new(0x10, "LO", f"op {HOSTILE_NAME}")
    block.add_new(0x11, "OB", b"\x01\x02\x03\x04")
    return ds


def _big_endian() -> bytes:
    from pydicom.sequence import Sequence

    ds = _private(_ct(101))
    item = Dataset()
    item.ReferencedSOPClassUID, item.ReferencedSOPInstanceUID = ds.SOPClassUID, ROOT_UID + "1.100"
    ds.ReferencedImageSequence = Sequence([item])
    ds.PixelData = (np.arange(64, dtype=">u2") * 3).tobytes()
    return _bytes(ds, ExplicitVRBigEndian)


def _implicit_private() -> bytes:
    ds = _private(_ct(102))
    ds.add_new(0x00291020, "UN", b"\x00\x11\x22\x33\x44\x55")
    return _bytes(ds, ImplicitVRLittleEndian)


def _implicit_items(*elements: bytes) -> bytes:
    """One undefined-length item of implicit VR little endian elements (tag, length, value)."""
    return b"\xfe\xff\x00\xe0\xff\xff\xff\xff" + b"".join(elements) + b"\xfe\xff\x0d\xe0\x00\x00\x00\x00"


def _implicit(tag: int, value: bytes) -> bytes:
    if len(value) % 2:
        value += b" "
    return struct.pack("<HHI", tag >> 16, tag & 0xFFFF, len(value)) + value


def _insert(data: bytes, element: bytes, before_tag: bytes) -> bytes:
    at = data.index(before_tag, _meta_end(data))
    return data[:at] + element + data[at:]


def _sq_as_un() -> bytes:
    """Other Patient IDs Sequence (0010,1002) sent as UN (undefined length), its item holding
    a Patient ID and a Patient Name in implicit VR, as a converter that lost the VR writes it."""
    item = _implicit_items(_implicit(0x00100010, f"{HOSTILE_NAME}^Olgierd".encode()),
                           _implicit(0x00100020, HOSTILE_MRN.encode() + b"X"))
    element = struct.pack("<HH2sHI", 0x0010, 0x1002, b"UN", 0, 0xFFFFFFFF) + item + b"\xfe\xff\xdd\xe0\x00\x00\x00\x00"
    data = _bytes(_ct(103))
    return _insert(data, element, b"\x20\x00\x0d\x00")  # before Study Instance UID, in tag order


def _undefined_item_in_defined_sq() -> bytes:
    """Referenced Image Sequence of defined length whose one item has an undefined length."""
    inner = (_element(0x00081150, b"UI", b"1.2.840.10008.5.1.4.1.1.2\0")
             + _element(0x00081155, b"UI", (ROOT_UID + "1.104").encode() + (b"\0" if len(ROOT_UID + "1.104") % 2 else b""))
             + _element(0x00081030, b"LO", f"{HOSTILE_NAME} ".encode()[:20] + b" " * (len(f"{HOSTILE_NAME} ".encode()[:20]) % 2)))
    item = b"\xfe\xff\x00\xe0\xff\xff\xff\xff" + inner + b"\xfe\xff\x0d\xe0\x00\x00\x00\x00"
    element = struct.pack("<HH2sHI", 0x0008, 0x1140, b"SQ", 0, len(item)) + item
    return _insert(_bytes(_ct(104)), element, b"\x10\x00\x10\x00")


def _raw_explicit() -> bytes:
    data = _bytes(_ct(105))
    return data[_meta_end(data):]


def _trailing_garbage() -> bytes:
    return _bytes(_ct(106)) + b"\x00\x00GARBAGE " + HOSTILE_MRN.encode() + b"\xff" * 37


def _meta_length(n: int, delta: int) -> bytes:
    data = bytearray(_bytes(_ct(n)))
    struct.pack_into("<I", data, 140, struct.unpack("<I", data[140:144])[0] + delta)
    return bytes(data)


def _syntax_nul_padded() -> bytes:
    return _with_syntax(_bytes(_ct(109)), "1.2.840.10008.1.2.1\0")


def _syntax_unknown_dicom_root() -> bytes:
    return _with_syntax(_bytes(_ct(110)), "1.2.840.10008.1.2.4.999")


def _odd_pixels() -> bytes:
    ds = _ct(111)
    ds.Rows, ds.Columns, ds.BitsAllocated, ds.BitsStored, ds.HighBit = 3, 3, 8, 8, 7
    data = _bytes(ds)
    at = data.rindex(b"\xe0\x7f\x10\x00")
    return data[:at] + struct.pack("<HH2sHI", 0x7FE0, 0x0010, b"OB", 0, 9) + bytes(range(9))


def _float_pixels(double: bool) -> bytes:
    ds = _ct(112 + double)
    ds.SOPClassUID = PARAMETRIC_MAP
    del ds.PixelData
    for keyword in ("BitsStored", "HighBit", "PixelRepresentation"):
        delattr(ds, keyword)
    ds.BitsAllocated = 64 if double else 32
    ds.NumberOfFrames = 1
    values = np.linspace(-1.5, 2.5, 64, dtype="<f8" if double else "<f4")
    if double:
        ds.DoubleFloatPixelData = values.tobytes()
    else:
        ds.FloatPixelData = values.tobytes()
    return _bytes(ds)


def _one_bit() -> bytes:
    ds = _ct(114)
    ds.BitsAllocated, ds.BitsStored, ds.HighBit = 1, 1, 0
    ds.Rows, ds.Columns = 8, 8
    ds.PixelData = np.packbits(np.eye(8, dtype=np.uint8).ravel(), bitorder="little").tobytes()
    return _bytes(ds)


def _enhanced_no_groups() -> bytes:
    ds = _ct(115)
    ds.SOPClassUID = ENHANCED_CT
    ds.NumberOfFrames = 3
    ds.PixelData = (np.arange(192, dtype="<u2")).tobytes()
    return _bytes(ds)


def _rle_frame(frame: np.ndarray) -> bytes:
    """One 8-bit frame as RLE Lossless: one segment of literal runs."""
    raw = frame.astype(np.uint8).tobytes()
    body = b"".join(bytes([len(raw[i:i + 128]) - 1]) + raw[i:i + 128] for i in range(0, len(raw), 128))
    return struct.pack("<16L", 1, 64, *([0] * 14)) + body + (b"\0" if len(body) % 2 else b"")


def _rle_ct(n: int, frames: int) -> Dataset:
    ds = _ct(n)
    ds.BitsAllocated, ds.BitsStored, ds.HighBit = 8, 8, 7
    ds.NumberOfFrames = frames
    return ds


def _extended_offsets() -> bytes:
    ds = _rle_ct(116, 2)
    frames = [_rle_frame(np.full((8, 8), 10 * (i + 1))) for i in range(2)]
    ds.PixelData, ds.ExtendedOffsetTable, ds.ExtendedOffsetTableLengths = encapsulate_extended(frames)
    return _bytes(ds, RLELossless)


def _split_fragments() -> bytes:
    ds = _rle_ct(117, 2)
    frames = [_rle_frame(np.full((8, 8), 20 * (i + 1))) for i in range(2)]
    ds.PixelData = encapsulate(frames, fragments_per_frame=2, has_bot=True)
    return _bytes(ds, RLELossless)


def _zero_pixels() -> bytes:
    ds = _ct(118)
    ds.PixelData = b""
    return _bytes(ds)


def _long_pixels() -> bytes:
    ds = _ct(119)
    ds.PixelData = ds.PixelData + b"\0" * 64  # 64 bytes past the image (padding some modalities add)
    return _bytes(ds)


def _dicomdir() -> bytes:
    from pydicom.sequence import Sequence

    ds = Dataset()
    ds.SOPClassUID = "1.2.840.10008.1.3.10"
    ds.SOPInstanceUID = ROOT_UID + "1.120"
    ds.FileSetID = "HOSTILE5"
    ds.OffsetOfTheFirstDirectoryRecordOfTheRootDirectoryEntity = 0
    ds.OffsetOfTheLastDirectoryRecordOfTheRootDirectoryEntity = 0
    ds.FileSetConsistencyFlag = 0
    record = Dataset()
    record.OffsetOfTheNextDirectoryRecord, record.RecordInUseFlag = 0, 0xFFFF
    record.OffsetOfReferencedLowerLevelDirectoryEntity = 0
    record.DirectoryRecordType, record.PatientName, record.PatientID = "PATIENT", f"{HOSTILE_NAME}^G", HOSTILE_MRN
    ds.DirectoryRecordSequence = Sequence([record])
    from pydicom.dataset import FileMetaDataset
    from pydicom.uid import ExplicitVRLittleEndian

    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID, meta.MediaStorageSOPInstanceUID = ds.SOPClassUID, ds.SOPInstanceUID
    meta.TransferSyntaxUID, meta.ImplementationClassUID = ExplicitVRLittleEndian, ROOT_UID + "9"
    ds.file_meta = meta
    buffer = io.BytesIO()
    ds.save_as(buffer, enforce_file_format=True)
    return buffer.getvalue()


def _cohort() -> dict[str, bytes]:
    out: dict[str, bytes] = {}
    a, b = _ct(130), _ct(130)  # one SOP Instance UID, other content, two sites
    b.ImageComments, b.PixelData = "other content", (np.arange(64, dtype="<u2") * 7).tobytes()
    out["site_a/dup_uid.dcm"], out["site_b/dup_uid.dcm"] = _bytes(a), _bytes(b)
    same = _bytes(_ct(131))
    out["site_a/same_1.dcm"], out["site_a/same_2.dcm"] = same, same
    for n in (132, 133):  # one Series Instance UID in two studies
        ds = _ct(n)
        ds.StudyInstanceUID, ds.SeriesInstanceUID = f"{ROOT_UID}{n}", ROOT_UID + "132.1"
        out[f"site_a/shared_series_{n}.dcm"] = _bytes(ds)
    return out


def cases() -> dict[str, bytes | None]:
    """Relative path -> bytes (None: a link made by :func:`write_cases`)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out: dict[str, bytes | None] = {
            "site_a/ok.dcm": _bytes(_ct(100)),
            "site_a/big_endian_private_sq.dcm": _big_endian(),
            "site_a/implicit_private_un.dcm": _implicit_private(),
            "site_a/sq_as_un.dcm": _sq_as_un(),
            "site_a/undefined_item_in_defined_sq.dcm": _undefined_item_in_defined_sq(),
            "site_a/raw_explicit_no_meta.dcm": _raw_explicit(),
            "site_a/trailing_garbage.dcm": _trailing_garbage(),
            "site_a/meta_length_short.dcm": _meta_length(107, -8),
            "site_a/meta_length_long.dcm": _meta_length(108, 8),
            "site_a/syntax_nul_padded.dcm": _syntax_nul_padded(),
            "site_a/syntax_unknown_dicom_root.dcm": _syntax_unknown_dicom_root(),
            "site_b/odd_pixel_length.dcm": _odd_pixels(),
            "site_b/float_pixels.dcm": _float_pixels(False),
            "site_b/double_pixels.dcm": _float_pixels(True),
            "site_b/one_bit.dcm": _one_bit(),
            "site_b/enhanced_no_groups.dcm": _enhanced_no_groups(),
            "site_b/extended_offset_table.dcm": _extended_offsets(),
            "site_b/split_fragments.dcm": _split_fragments(),
            "site_b/zero_pixels.dcm": _zero_pixels(),
            "site_b/long_pixels.dcm": _long_pixels(),
            "site_c/DICOMDIR": _dicomdir(),
            "site_a/" + "n" * 251 + ".dcm": _bytes(_ct(121)),
            "site_a/hard_1.dcm": _bytes(_ct(122)),
            "site_a/hard_2.dcm": None,
            "site_a/link_to_ok.dcm": None,
            "site_a/loop": None,
        }
        out.update(_cohort())
    return out


def write_cases(root: str | Path) -> list[str]:
    """Write :func:`cases` under ``root`` (and a file whose name is not UTF-8); returns the
    relative paths of the files and links written (os.fsdecode of the odd name)."""
    root = Path(root)
    for name, data in cases().items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if name.endswith("hard_2.dcm"):
            os.link(root / "site_a/hard_1.dcm", path)
        elif name.endswith("link_to_ok.dcm"):
            os.symlink("ok.dcm", path)
        elif name.endswith("loop"):
            path.mkdir()
            os.symlink("..", path / "up")
        else:
            assert data is not None
            path.write_bytes(data)
    odd = os.path.join(os.fsencode(root / "site_a"), b"latin1_\xe9\xff.dcm")
    with open(odd, "wb") as handle:
        handle.write(_bytes(_ct(123)))
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file() or p.is_symlink())
