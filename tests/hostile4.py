"""Hostile inputs, round 4 (plain pydicom, no curator import): what tests/hostile.py does not
write.  Archives that break in other ways (a corrupt deflate stream in a zip, duplicate
member names, a lying declared size, tar traversal, nested tar/zip), special files (FIFO,
socket), DICOM whose structure lies (sequences nested thousands deep, a sequence or item
whose length runs past the end, wrong VRs, character sets that are nonsense, a corrupt
deflated stream, private and retired transfer syntaxes, missing SOP UIDs) and cohorts that
break the model (two patients with one ID, a study at two sites, a series of two modalities).

``write_cases(root)`` writes them and returns the relative paths it wrote.
"""
from __future__ import annotations

import io
import os
import socket
import struct
import tarfile
import warnings
import zipfile
from pathlib import Path

from pydicom.uid import DeflatedExplicitVRLittleEndian, ImplicitVRLittleEndian

import hostile  # noqa: E402  (helper module beside the tests)
from hostile import HOSTILE_MRN, HOSTILE_NAME, ROOT_UID, _bytes, _ct, _element, _with_syntax

__all__ = ["HOSTILE_MRN", "HOSTILE_NAME", "cases", "hostile", "write_cases"]


def _body_at(data: bytes) -> int:
    return data.index(b"\x08\x00\x16\x00")


def _nested(depth: int) -> bytes:
    """An explicit VR little endian Referenced Image Sequence nested ``depth`` times
    (undefined lengths, every item and sequence closed)."""
    open_sq = struct.pack("<HH2sHI", 0x0008, 0x1140, b"SQ", 0, 0xFFFFFFFF) + b"\xfe\xff\x00\xe0\xff\xff\xff\xff"
    close = b"\xfe\xff\x0d\xe0\x00\x00\x00\x00" + b"\xfe\xff\xdd\xe0\x00\x00\x00\x00"
    return open_sq * depth + _element(0x00081030, b"LO", b"deep") + close * depth


def _zip_deflate_corrupt(inner: bytes) -> bytes:
    """A zip whose one member's deflate stream is garbage (sizes and CRC consistent)."""
    return _zip_method_corrupt(inner, zipfile.ZIP_DEFLATED)


def _zip_duplicates(first: bytes, second: bytes) -> bytes:
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns on a duplicate name, and writes it
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as zf:
            zf.writestr(zipfile.ZipInfo("same.dcm", (2020, 1, 1, 0, 0, 0)), first)
            zf.writestr(zipfile.ZipInfo("same.dcm", (2020, 1, 1, 0, 0, 0)), second)
    return buffer.getvalue()


def _zip_lying_size(inner: bytes) -> bytes:
    """A stored member whose central directory declares 4 GiB - 2 (the bytes are small)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr(zipfile.ZipInfo("liar.dcm", (2020, 1, 1, 0, 0, 0)), inner)
    data = bytearray(buffer.getvalue())
    central = data.rindex(b"PK\x01\x02")
    struct.pack_into("<I", data, central + 24, 0xFFFFFFFE)  # uncompressed size
    return bytes(data)


def _tar(members: dict[str, bytes], mode: str = "w") -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode=mode, format=tarfile.PAX_FORMAT) as tf:  # type: ignore[call-overload]
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size, info.mtime = len(data), 1577836800
            tf.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def _deflated_corrupt() -> bytes:
    data = _bytes(_ct(40), DeflatedExplicitVRLittleEndian)
    meta_end = 144 + struct.unpack("<I", data[140:144])[0]
    return data[:meta_end + 6] + b"\xff" * 64 + data[meta_end + 70:]


def _private_syntax(n: int, syntax: str) -> bytes:
    return _with_syntax(_bytes(_ct(n)), syntax)


def _without(n: int, keyword: str) -> bytes:
    ds = _ct(n)
    data = _bytes(ds)
    tag = {"SOPClassUID": b"\x08\x00\x16\x00", "SOPInstanceUID": b"\x08\x00\x18\x00"}[keyword]
    at = data.index(tag, 132 + 12 + struct.unpack("<I", data[140:144])[0])
    length = struct.unpack("<H", data[at + 6:at + 8])[0]
    return data[:at] + data[at + 8 + length:]


def _cohort() -> dict[str, bytes]:
    """Two patients with one Patient ID (different names and births), a study whose series
    are at two sites, a series holding a CT and an MR image."""
    out: dict[str, bytes] = {}
    a = _ct(50)
    a.PatientName, a.PatientID, a.PatientBirthDate = "Kowalska^Anna", "SAMEID01", "19500101"
    a.StudyInstanceUID, a.SeriesInstanceUID = ROOT_UID + "50", ROOT_UID + "50.1"
    b = _ct(51)
    b.PatientName, b.PatientID, b.PatientBirthDate, b.PatientSex = "Nowak^Ewa", "SAMEID01", "19900505", "F"
    b.StudyInstanceUID, b.SeriesInstanceUID = ROOT_UID + "51", ROOT_UID + "51.1"
    out["cohort/site_a/same_id_a.dcm"], out["cohort/site_a/same_id_b.dcm"] = _bytes(a), _bytes(b)
    for n, site in ((52, "site_a"), (53, "site_b")):
        ds = _ct(n)
        ds.StudyInstanceUID, ds.SeriesInstanceUID, ds.SeriesNumber = ROOT_UID + "52", f"{ROOT_UID}52.{n}", n
        out[f"cohort/{site}/study_two_sites_{n}.dcm"] = _bytes(ds)
    for n, modality in ((54, "CT"), (55, "MR")):
        ds = _ct(n)
        ds.StudyInstanceUID, ds.SeriesInstanceUID, ds.Modality = ROOT_UID + "54", ROOT_UID + "54.1", modality
        if modality == "MR":
            ds.SOPClassUID = "1.2.840.10008.5.1.4.1.1.4"
        out[f"cohort/site_b/mixed_series_{modality}.dcm"] = _bytes(ds)
    return out


def cases() -> dict[str, bytes | None]:
    """Relative path -> bytes (None: a FIFO or a socket made by :func:`write_cases`)."""
    good = _bytes(_ct(1))
    at = _body_at(good)
    out: dict[str, bytes | None] = {
        "ok.dcm": good,
        "preamble_only.dcm": b"\0" * 128,
        "preamble_dicm_only.dcm": b"\0" * 128 + b"DICM",
        "fifo.dcm": None,
        "socket.dcm": None,
        # Structure that lies.
        "nested_5000.dcm": good[:at] + _nested(5000),
        "sq_length_past_end.dcm": good[:at] + struct.pack("<HH2sHI", 0x0008, 0x1140, b"SQ", 0, 0x7FFFFFF0)
        + b"\xfe\xff\x00\xe0\x10\x00\x00\x00" + _element(0x00081030, b"LO", b"abcd"),
        "item_length_past_end.dcm": good[:at] + struct.pack("<HH2sHI", 0x0008, 0x1140, b"SQ", 0, 0xFFFFFFFF)
        + b"\xfe\xff\x00\xe0\xf0\xff\xff\x7f" + _element(0x00081030, b"LO", b"abcd"),
        "ob_length_past_end.dcm": good[:at] + _element(0x00091010, b"OB", b"\0" * 8, 0x7FFFFFF0),
        "pixel_length_past_end.dcm": good[:-8 - 128] + struct.pack("<HH2sHI", 0x7FE0, 0x0010, b"OW", 0, 0x7FFFFFF0) + b"\0" * 16,
        "pixel_undefined_native.dcm": good[:-8 - 128] + struct.pack("<HH2sHI", 0x7FE0, 0x0010, b"OW", 0, 0xFFFFFFFF) + b"\0" * 16,
        "deflated_corrupt.dcm": _deflated_corrupt(),
        "private_syntax_ge.dcm": _private_syntax(42, "1.2.840.113619.5.2"),
        "retired_syntax_jpeg_ext.dcm": _private_syntax(43, "1.2.840.10008.1.2.4.51"),
        "no_sop_class.dcm": _without(44, "SOPClassUID"),
        "no_sop_instance.dcm": _without(45, "SOPInstanceUID"),
        "implicit_no_meta.dcm": _bytes(_ct(46), ImplicitVRLittleEndian)[144 + struct.unpack("<I", _bytes(_ct(46))[140:144])[0]:],
        # Archives.
        "zip_corrupt_deflate.zip": _zip_deflate_corrupt(_bytes(_ct(60))),
        "zip_duplicates.zip": _zip_duplicates(_bytes(_ct(61)), _bytes(_ct(62))),
        "zip_lying_size.zip": _zip_lying_size(_bytes(_ct(63))),
        "tar_traversal.tar": _tar({"../../escape.dcm": _bytes(_ct(64)), "/etc/abs.dcm": _bytes(_ct(65)), "fine.dcm": _bytes(_ct(66))}),
        "tar_in_zip.zip": hostile._zip({"inner.tar": _tar({"a.dcm": _bytes(_ct(67))})}),
        "tgz_truncated.tar.gz": _tar({"a.dcm": _bytes(_ct(68)), "b.dcm": _bytes(_ct(69))}, "w:gz")[:-200],
        "dcm_gz_corrupt.dcm.gz": b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03" + b"\xff" * 300,
        "zip_lzma_corrupt.zip": _zip_method_corrupt(_bytes(_ct(70)), zipfile.ZIP_LZMA),
        "zip_bzip2_corrupt.zip": _zip_method_corrupt(_bytes(_ct(71)), zipfile.ZIP_BZIP2),
    }
    out.update(_charsets())
    out.update(_wrong_vrs())
    out.update(_cohort())
    return out


def _zip_method_corrupt(inner: bytes, method: int) -> bytes:
    """A zip of one member compressed with ``method`` whose stream is corrupt from its
    first bytes on (zlib, lzma or bz2 fail on it, before any CRC is checked)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        info = zipfile.ZipInfo("member.dcm", (2020, 1, 1, 0, 0, 0))
        info.compress_type = method
        zf.writestr(info, inner)
    data = bytearray(buffer.getvalue())
    name_length, extra_length = struct.unpack("<HH", data[26:30])
    start = 30 + name_length + extra_length
    skip = 4 if method == zipfile.ZIP_LZMA else 0  # zip's own LZMA header (version, properties size)
    for i in range(start + skip, start + skip + 8):
        data[i] ^= 0xFF
    return bytes(data)


def _charsets() -> dict[str, bytes]:
    out: dict[str, bytes] = {}
    for n, (name, charset, value) in enumerate((
        ("charset_nonsense", "\x1b$B\\ISO_IR 666\\", f"{HOSTILE_NAME}^Grzegorz".encode("utf-8")),
        ("charset_2022_broken_escape", "ISO 2022 IR 87", b"\x1b$B" + b"\x30\x21\x1b(" + HOSTILE_NAME.encode("utf-8")),
        ("charset_mixed", "ISO_IR 100\\ISO_IR 192", b"\x1b%G" + HOSTILE_NAME.encode("utf-8") + b"\x1b-A\xe9"),
        ("charset_utf8_in_latin1", "ISO_IR 100", HOSTILE_NAME.encode("utf-8") + b"^\xff\xfe"),
    )):
        ds = _ct(80 + n)
        ds.SpecificCharacterSet = charset
        ds.add_new(0x00100010, "PN", value)
        ds.add_new(0x00081030, "LO", value)
        out[f"{name}.dcm"] = _bytes(ds)
    return out


def _wrong_vrs() -> dict[str, bytes]:
    """Explicit VR elements written with a VR the dictionary does not give them."""
    good = _bytes(_ct(90))
    at = _body_at(good)
    wrong = (_element(0x00080020, b"US", b"\x01\x00")  # Study Date as US
             + _element(0x00100040, b"DS", b"1.5 ")  # Patient Sex as DS
             + _element(0x00101010, b"FD", struct.pack("<d", float("nan")))  # Patient Age as FD NaN
             + _element(0x00101020, b"LO", b"tall")  # Patient Size as LO text
             + _element(0x00101030, b"DS", b"1e999 ")  # Patient Weight overflow
             + _element(0x00102160, b"UN", b"\xff\xfe\x00\x01"))  # Ethnic Group as UN garbage
    # Insert after the first body elements, keeping tag order (group 0x0010 after 0x0008).
    pn = good.index(b"\x10\x00\x10\x00", at)
    study_date = good.index(b"\x08\x00\x20\x00", at)
    date_len = struct.unpack("<H", good[study_date + 6:study_date + 8])[0]
    body = good[:study_date] + wrong[:10] + good[study_date + 8 + date_len:pn]
    ds_bytes = body + good[pn:]
    # The other wrong elements replace the real ones in group 0x0010 by a second pass.
    for tag, element in ((0x00100040, wrong[10:22]), (0x00101010, wrong[22:38]), (0x00101020, wrong[38:50]),
                         (0x00101030, wrong[50:64]), (0x00102160, wrong[64:])):
        ds_bytes = _put(ds_bytes, tag, element, at)
    return {"wrong_vrs.dcm": ds_bytes}


def _put(data: bytes, tag: int, element: bytes, start: int) -> bytes:
    """``data`` with ``element`` in place of ``tag`` (or inserted in tag order)."""
    pos = start
    while pos + 8 <= len(data):
        group, elem = struct.unpack("<HH", data[pos:pos + 4])
        vr = data[pos + 4:pos + 6]
        if vr in (b"OB", b"OW", b"SQ", b"UN", b"UT", b"UC", b"UR", b"OF", b"OD", b"OL", b"OV"):
            length, head = struct.unpack("<I", data[pos + 8:pos + 12])[0], 12
        else:
            length, head = struct.unpack("<H", data[pos + 6:pos + 8])[0], 8
        current = (group << 16) | elem
        if current == tag:
            return data[:pos] + element + data[pos + head + length:]
        if current > tag:
            return data[:pos] + element + data[pos:]
        pos += head + length
    return data + element


def write_cases(root: str | Path) -> list[str]:
    """Write :func:`cases` under ``root``; returns the relative paths written."""
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pydicom warns on the broken values it is asked to write
        written = cases()
    for name, data in written.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if name == "fifo.dcm":
            os.mkfifo(path)
        elif name == "socket.dcm":
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            sock.bind(str(path))
            sock.close()  # the socket file stays
        else:
            assert data is not None
            path.write_bytes(data)
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if not p.is_dir())


def lying_frame(syntax: str, side: int = 65500) -> bytes:
    """An 8 x 8 CT whose one compressed frame (JPEG baseline or JPEG 2000, real encoders)
    declares ``side`` x ``side`` pixels in its own header (SOF0, SIZ)."""
    from PIL import Image
    from pydicom.encaps import encapsulate
    from pydicom.uid import JPEG2000Lossless, JPEGBaseline8Bit

    buffer = io.BytesIO()
    if syntax == JPEGBaseline8Bit:
        Image.new("L", (8, 8)).save(buffer, "JPEG")
        frame = bytearray(buffer.getvalue())
        at = frame.index(b"\xff\xc0")
        struct.pack_into(">HH", frame, at + 5, side, side)
    else:
        assert syntax == JPEG2000Lossless
        Image.new("L", (8, 8)).save(buffer, "JPEG2000", irreversible=False, no_jp2=True)
        frame = bytearray(buffer.getvalue())
        at = frame.index(b"\xff\x4f\xff\x51")
        struct.pack_into(">II", frame, at + 8, side, side)
    ds = _ct(95)
    ds.BitsAllocated, ds.BitsStored, ds.HighBit = 8, 8, 7
    ds.PixelData = encapsulate([bytes(frame)])
    return _bytes(ds, syntax)


def deflate_bomb(zeros: int = 64 << 20) -> bytes:
    """A Deflated Explicit VR Little Endian CT whose dataset holds a private OB of ``zeros``
    zero bytes: about a thousandth of that on disk (deflate's best ratio)."""
    import zlib

    from pydicom.uid import DeflatedExplicitVRLittleEndian

    data = _bytes(_ct(96), DeflatedExplicitVRLittleEndian)
    meta_end = 144 + struct.unpack("<I", data[140:144])[0]
    body = zlib.decompress(data[meta_end:], -15)
    at = body.index(b"\xe0\x7f\x10\x00")  # before Pixel Data: a private block in group 0x0009
    deflater = zlib.compressobj(9, zlib.DEFLATED, -15)
    parts = [data[:meta_end], deflater.compress(body[:at]),
             deflater.compress(struct.pack("<HH2sH", 0x0009, 0x0010, b"LO", 4) + b"ACME"),
             deflater.compress(struct.pack("<HH2sHI", 0x0009, 0x1010, b"OB", 0, zeros))]
    chunk = b"\0" * (1 << 20)
    parts.extend(deflater.compress(chunk) for _ in range(zeros >> 20))
    parts += [deflater.compress(body[at:]), deflater.flush()]
    return b"".join(parts)
