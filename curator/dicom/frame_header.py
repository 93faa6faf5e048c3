"""The image size a compressed frame declares in its own header, checked before decoding.

A JPEG, JPEG-LS or JPEG 2000 decoder allocates what the codestream's own header says
(JPEG SOFn, JPEG-LS SOF55, JPEG 2000 SIZ), not what Rows and Columns say.  A frame of
a few hundred bytes whose header claims 65,000 × 65,000 pixels made a decoder take 21 GB
(found by the fourth hostile round): every decode of encapsulated pixel data first reads
the frames' headers here, and a frame that declares more pixels than the DICOM header is
not decoded.
"""
from __future__ import annotations

import struct
from collections.abc import Iterator

from pydicom.dataset import Dataset

_SOF = frozenset({0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF, 0xF7})
_STANDALONE = frozenset({0x01, *range(0xD0, 0xD8)})  # TEM, RSTn: no length
_J2K_SIZ = b"\xff\x4f\xff\x51"
_HEAD = 64 * 1024  # a frame header is found in its first bytes


def frame_size(frame: bytes) -> tuple[int, int] | None:
    """``(columns, rows)`` the codestream of one compressed frame declares, or None (not a
    JPEG, JPEG-LS or JPEG 2000 codestream, or no size found in its first bytes)."""
    head = frame[:_HEAD]
    if head[:2] == b"\xff\xd8":
        return _jpeg_size(head)
    at = head.find(_J2K_SIZ)  # a raw codestream, or one inside a JP2 file's jp2c box
    if at >= 0 and len(head) >= at + 24:
        xsiz, ysiz, xosiz, yosiz = struct.unpack(">IIII", head[at + 8:at + 24])
        return max(xsiz - xosiz, 0), max(ysiz - yosiz, 0)
    return None


def _jpeg_size(head: bytes) -> tuple[int, int] | None:
    pos = 2
    while pos + 4 <= len(head):
        if head[pos] != 0xFF:
            return None
        marker = head[pos + 1]
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        if marker in _STANDALONE:
            pos += 2
            continue
        length = struct.unpack(">H", head[pos + 2:pos + 4])[0]
        if marker in _SOF and pos + 9 <= len(head):
            rows, columns = struct.unpack(">HH", head[pos + 5:pos + 9])
            return columns, rows
        if marker == 0xDA:  # start of scan: no frame header before it
            return None
        pos += 2 + length
    return None


def _frames(ds: Dataset) -> Iterator[bytes]:
    from pydicom.encaps import generate_frames

    yield from generate_frames(ds.PixelData, number_of_frames=max(int(ds.get("NumberOfFrames", 1) or 1), 1))


def oversized_frame(ds: Dataset) -> str | None:
    """Why the encapsulated pixel data of ``ds`` must not be decoded (a frame declares more
    pixels than Rows × Columns), or None.  Native pixel data, and frames whose size cannot
    be read here, are left to the decoder."""
    meta = getattr(ds, "file_meta", None)
    syntax = meta.get("TransferSyntaxUID") if meta is not None else None
    if syntax is None or not syntax.is_encapsulated or "PixelData" not in ds:
        return None
    rows, columns = int(ds.get("Rows", 0) or 0), int(ds.get("Columns", 0) or 0)
    try:
        for index, frame in enumerate(_frames(ds)):
            size = frame_size(frame)
            if size is not None and size[0] * size[1] > rows * columns:
                return (f"frame {index + 1} declares {size[0]} x {size[1]} pixels, "
                        f"more than the header's {columns} x {rows}")
    except Exception:  # noqa: BLE001 - fragments pydicom cannot split: the decoder refuses them too
        return None
    return None
