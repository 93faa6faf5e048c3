"""Hostile inputs for every command (red team, round 3), plain pydicom, no curator import.

``write_hostile(root)`` writes a source folder whose items are broken the ways real archives
and hostile users break them, and returns the names of the files in it (what every command
must account for).  Each file carries an identifier in its name or header (``HOSTILE_NAME``)
so that rejections that quote too much are found.
"""
from __future__ import annotations

import io
import os
import struct
import tarfile
import zipfile
from pathlib import Path

import numpy as np
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import DeflatedExplicitVRLittleEndian, ExplicitVRBigEndian, ExplicitVRLittleEndian

ROOT_UID = "1.2.826.0.1.3680043.10.997."
HOSTILE_NAME = "Brzęczyszczykiewicz"  # in file names and headers of broken files
HOSTILE_MRN = "55119933"


def _ct(n: int, uid: str | None = None) -> Dataset:
    ds = Dataset()
    ds.SOPClassUID = "1.2.840.10008.5.1.4.1.1.2"
    ds.SOPInstanceUID = uid or f"{ROOT_UID}1.{n}"
    ds.StudyInstanceUID, ds.SeriesInstanceUID = f"{ROOT_UID}1", f"{ROOT_UID}1.1"
    ds.Modality, ds.PatientName, ds.PatientID = "CT", f"{HOSTILE_NAME}^Grzegorz", HOSTILE_MRN
    ds.PatientBirthDate, ds.PatientSex, ds.StudyDate = "19700101", "M", "20200101"
    ds.SeriesNumber, ds.InstanceNumber = 1, n
    ds.ImageComments = f"patient {HOSTILE_NAME} {HOSTILE_MRN}"
    ds.SamplesPerPixel, ds.PhotometricInterpretation, ds.Rows, ds.Columns = 1, "MONOCHROME2", 8, 8
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 12, 11, 0
    ds.PixelData = (np.arange(64, dtype="<u2") * n).tobytes()
    return ds


def _bytes(ds: Dataset, syntax: str = ExplicitVRLittleEndian) -> bytes:
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID, meta.MediaStorageSOPInstanceUID = ds.SOPClassUID, ds.SOPInstanceUID
    meta.TransferSyntaxUID = syntax
    meta.ImplementationClassUID = ROOT_UID + "9"
    ds.file_meta = meta
    buffer = io.BytesIO()
    ds.save_as(buffer, enforce_file_format=True)
    return buffer.getvalue()


def _with_syntax(data: bytes, syntax: str) -> bytes:
    """``data`` (explicit VR little endian) with a file meta that names another syntax."""
    from pydicom import dcmread
    from pydicom.filewriter import write_file_meta_info

    meta_end = 144 + struct.unpack("<I", data[140:144])[0]
    meta = dcmread(io.BytesIO(data), stop_before_pixels=True).file_meta
    meta.TransferSyntaxUID = syntax
    buffer = io.BytesIO()
    buffer.write(b"\0" * 128 + b"DICM")
    write_file_meta_info(buffer, meta, enforce_standard=True)
    return buffer.getvalue() + data[meta_end:]


def _element(tag: int, vr: bytes, value: bytes, length: int | None = None) -> bytes:
    """An explicit VR little endian element, with a lying ``length`` if given."""
    group, elem = tag >> 16, tag & 0xFFFF
    size = len(value) if length is None else length
    if vr in (b"OB", b"OW", b"SQ", b"UN", b"UT", b"UC"):
        return struct.pack("<HH2sHI", group, elem, vr, 0, size) + value
    return struct.pack("<HH2sH", group, elem, vr, size & 0xFFFF) + value


def one_ct() -> bytes:
    """A valid CT whose header names the patient (``HOSTILE_NAME``, ``HOSTILE_MRN``)."""
    return _bytes(_ct(1))


def rle_bomb(rows: int, cols: int, frames: int) -> bytes:
    """A CT whose RLE pixel data decodes to 64 times its size (runs of 128 zero bytes)."""
    from pydicom.encaps import encapsulate
    from pydicom.uid import RLELossless

    ds = _ct(30)
    ds.Rows, ds.Columns, ds.NumberOfFrames = rows, cols, frames
    ds.BitsAllocated, ds.BitsStored, ds.HighBit = 8, 8, 7
    segment = b"\x81\x00" * (rows * cols // 128)
    ds.PixelData = encapsulate([struct.pack("<16L", 1, 64, *([0] * 14)) + segment] * frames)
    return _bytes(ds, RLELossless)


def cases() -> dict[str, bytes | None]:
    """File name -> bytes (None: a special entry made by :func:`write_hostile`)."""
    good = _bytes(_ct(1))
    body_at = good.index(b"\x08\x00\x16\x00")  # first body element (SOP Class UID)
    out: dict[str, bytes | None] = {
        "ok_1.dcm": good,
        "ok_bigendian.dcm": _bytes(_ct(2), ExplicitVRBigEndian),
        "ok_deflated.dcm": _bytes(_ct(3), DeflatedExplicitVRLittleEndian),
        f"empty_{HOSTILE_NAME}.dcm": b"",
        f"trunc_preamble_{HOSTILE_NAME}.dcm": good[:100],
        f"trunc_meta_{HOSTILE_NAME}.dcm": good[:150],
        f"trunc_body_{HOSTILE_NAME}.dcm": good[:body_at + 40],
        f"trunc_pixels_{HOSTILE_NAME}.dcm": good[:-20],
        f"text_{HOSTILE_NAME}.dcm": f"Patient {HOSTILE_NAME} {HOSTILE_MRN}\n".encode(),
    }
    # A value length that runs far past the end of the file (huge VL) on a text element.
    huge = good[:body_at] + _element(0x00081030, b"UT", b"x" * 16, 0xFFFFFFF0)
    out[f"huge_vl_{HOSTILE_NAME}.dcm"] = huge
    # An odd length on a string element (PS3.5 says even).
    other = _bytes(_ct(22))
    other_at = other.index(b"\x08\x00\x16\x00")
    odd = other[:other_at] + _element(0x00080005, b"CS", b"ISO_IR 100 "[:-1]) + other[other_at:]
    out["odd_length.dcm"] = odd
    # A transfer syntax UID that is not one (and one that lies: JPEG Baseline, raw pixels).
    for name, syntax in (("bogus_syntax.dcm", "1.2.3.4.5.6"), ("lying_jpeg_syntax.dcm", "1.2.840.10008.1.2.4.50")):
        ds = _ct(4 if "bogus" in name else 5)
        out[name] = _with_syntax(_bytes(ds), syntax)
    # UIDs longer than 64 characters (invalid, but common in old archives).
    long_uid = ROOT_UID + "4" * (70 - len(ROOT_UID))
    out[f"long_uid_{HOSTILE_NAME}.dcm"] = _bytes(_ct(6, uid=long_uid))
    # Two files with one SOP Instance UID and different content.
    dup_a, dup_b = _ct(7), _ct(7)
    dup_b.ImageComments = "second copy, different"
    out["dup_a.dcm"], out["dup_b.dcm"] = _bytes(dup_a), _bytes(dup_b)
    # An unknown character set, and bytes that are not valid in the declared UTF-8.
    bad_cs = _ct(8)
    bad_cs.SpecificCharacterSet = "ISO_IR 999"
    out["bad_charset.dcm"] = _bytes(bad_cs)
    bad_utf8 = _ct(9)
    bad_utf8.SpecificCharacterSet = "ISO_IR 192"
    bad_utf8.add_new(0x00081030, "LO", b"\xff\xfe" + HOSTILE_NAME.encode("latin-1", "replace") + b"\xc3")
    out["bad_utf8.dcm"] = _bytes(bad_utf8)
    # Invalid values: a date that is no date, an age that is no age, NULs in text.
    odd_values = _ct(10)
    odd_values.add_new(0x00080020, "DA", b"20201345")
    odd_values.add_new(0x00101010, "AS", b"ABCD")
    odd_values.add_new(0x0008103E, "LO", b"AX\x00T1\x00" + HOSTILE_MRN.encode())
    out["odd_values.dcm"] = _bytes(odd_values)
    # A sequence with an undefined length that never ends.
    out["endless_sequence.dcm"] = good[:body_at] + struct.pack("<HH2sHI", 0x0008, 0x1115, b"SQ", 0, 0xFFFFFFFF) + \
        b"\xfe\xff\x00\xe0\xff\xff\xff\xff" + _element(0x00081030, b"LO", b"abcd")
    # A directory named like a DICOM file, a symlink loop, a dangling link, a deep folder.
    out[f"folder_{HOSTILE_NAME}.dcm/"] = None
    out["loop"] = None
    out["dangling.dcm"] = None
    out["deep"] = None
    # Archives: path traversal and absolute names, a zip bomb, a zip in a zip, a bad zip.
    out["traversal.zip"] = _zip({f"../../escape_{HOSTILE_NAME}.dcm": _bytes(_ct(11)), "/abs/ok.dcm": _bytes(_ct(12))})
    out["bomb.zip"] = _bomb()
    out["nested.zip"] = _zip({"inner.zip": _zip({"inner.dcm": _bytes(_ct(13))})})
    out[f"broken_{HOSTILE_NAME}.zip"] = b"PK\x03\x04" + b"\0" * 40
    out["links.tar"] = _tar_with_links(_bytes(_ct(14)))
    # Names that act on a terminal or forge a report line: ESC sequences, a newline, a bell,
    # a right-to-left override; also as an archive member.
    out["ctl_\x1b[2J\x1b[31m_\n  0 rejected\x07_\u202egpj.dcm"] = b"not dicom"
    out["ctl_members.zip"] = _zip({"member\n  all files ok\x1b[0m.dcm": b"not dicom"})
    return out


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(zipfile.ZipInfo(name, (2020, 1, 1, 0, 0, 0)), data)
    return buffer.getvalue()


def _bomb() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        info = zipfile.ZipInfo("zeros.dcm", (2020, 1, 1, 0, 0, 0))
        info.compress_type = zipfile.ZIP_DEFLATED
        with zf.open(info, "w", force_zip64=True) as member:
            chunk = b"\0" * (1 << 20)
            for _ in range(300):  # 300 MB of zeros, about 300 KB compressed
                member.write(chunk)
    return buffer.getvalue()


def _tar_with_links(dicom: bytes) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as tf:
        info = tarfile.TarInfo("ok.dcm")
        info.size = len(dicom)
        tf.addfile(info, io.BytesIO(dicom))
        for name, target, kind in (("etc_passwd.dcm", "/etc/passwd", tarfile.SYMTYPE),
                                   ("hard.dcm", "../../etc/passwd", tarfile.LNKTYPE),
                                   ("fifo.dcm", "", tarfile.FIFOTYPE), ("dev.dcm", "", tarfile.CHRTYPE)):
            link = tarfile.TarInfo(name)
            link.type, link.linkname = kind, target
            tf.addfile(link)
    return buffer.getvalue()


def write_hostile(root: str | Path) -> list[str]:
    """Write the cases under ``root`` and return the relative paths of its entries."""
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    for name, data in cases().items():
        path = root / name
        if name.endswith("/"):
            path.mkdir()
            (path / "inside.dcm").write_bytes(_bytes(_ct(20)))
        elif name == "loop":
            path.mkdir()
            os.symlink("..", path / "up")
        elif name == "dangling.dcm":
            os.symlink("does-not-exist.dcm", path)
        elif name == "deep":
            deep = path
            for i in range(60):
                deep = deep / f"d{i}"
            deep.mkdir(parents=True)
            (deep / "deep.dcm").write_bytes(_bytes(_ct(21)))
        else:
            assert data is not None
            path.write_bytes(data)
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file() or p.is_symlink())
