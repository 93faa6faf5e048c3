"""The image size a compressed frame declares in its own header, checked before decoding.

A JPEG, JPEG-LS or JPEG 2000 decoder allocates what the codestream's own header says
(JPEG SOFn, JPEG-LS SOF55, JPEG 2000 SIZ), not what Rows and Columns say.  A frame of
a few hundred bytes whose header claims 65,000 × 65,000 pixels made a decoder take 21 GB
(found by the fourth hostile round): every decode of encapsulated pixel data first reads
the frames' headers here, and a frame that declares more pixels than the DICOM header is
not decoded.
"""
from __future__ import annotations

import io
import struct
import warnings
from collections.abc import Iterator

from pydicom.dataset import Dataset

_SOF = frozenset({0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF, 0xF7})
_JPEG_SOS, _JPEG_FILL = 0xFFDA, 0xFFFF
_STANDALONE = frozenset({0xFF01, *range(0xFFD0, 0xFFD8)})  # TEM, RSTn: markers without a length
_J2K_SIZ = b"\xff\x4f\xff\x51"  # SOC, then SIZ: the first marker segment of a codestream
_JP2_SIGNATURE = b"\x00\x00\x00\x0cjP  \r\n\x87\n"  # the JP2 file format's signature box
_HEAD = 64 * 1024  # a frame header is found in its first bytes


def frame_size(frame: bytes) -> tuple[int, int] | None:
    """``(columns, rows)`` the codestream of one compressed frame declares, or None (not a
    JPEG, JPEG-LS or JPEG 2000 codestream, or no size found in its first bytes)."""
    head = frame[:_HEAD]
    if head[:2] == b"\xff\xd8":
        return _jpeg_size(head)
    at = _j2k_siz(head)
    if at is not None and len(head) >= at + 24:
        xsiz, ysiz, xosiz, yosiz = struct.unpack(">IIII", head[at + 8:at + 24])
        return max(xsiz - xosiz, 0), max(ysiz - yosiz, 0)
    return None


def _j2k_siz(head: bytes) -> int | None:
    """Where the SIZ marker of a JPEG 2000 codestream starts: right after its SOC (a raw
    codestream, as DICOM stores it), or at the start of a JP2 file's jp2c box; None for any
    other frame.  The four bytes of SOC and SIZ are not searched for anywhere else: an RLE
    or JPEG-LS frame can hold them by chance (pixel values 255, 79, 255, 81 in a literal
    run), and their next 16 bytes read as a size made a legitimate image 'oversized'."""
    if head.startswith(_J2K_SIZ):
        return 0
    if head.startswith(_JP2_SIGNATURE):
        at = head.find(b"jp2c" + _J2K_SIZ)
        return None if at < 0 else at + 4
    return None


def jpeg_segments(frame: bytes) -> Iterator[tuple[int, int, int]]:
    """``(marker, start, end)`` of each marker segment of a JPEG codestream after its SOI,
    up to its first scan (SOS not included): a fill byte is a segment of 1 byte, TEM and RSTn
    of 2.  The walk stops at a byte that is no marker; the last segment may end past
    ``frame`` (a truncated codestream, or only its first bytes given)."""
    pos = 2
    while pos + 4 <= len(frame):
        marker = struct.unpack_from(">H", frame, pos)[0]
        if marker >> 8 != 0xFF or marker == _JPEG_SOS:
            return
        if marker == _JPEG_FILL:
            size = 1
        elif marker in _STANDALONE:
            size = 2
        else:
            size = 2 + struct.unpack_from(">H", frame, pos + 2)[0]
        yield marker, pos, pos + size
        pos += size


def _jpeg_size(head: bytes) -> tuple[int, int] | None:
    for marker, start, _ in jpeg_segments(head):
        if (marker & 0xFF) in _SOF and start + 9 <= len(head):
            rows, columns = struct.unpack(">HH", head[start + 5:start + 9])
            return columns, rows
    return None


def _frames(ds: Dataset) -> Iterator[bytes]:
    from pydicom.encaps import generate_frames

    yield from generate_frames(ds.PixelData, number_of_frames=max(int(ds.get("NumberOfFrames", 1) or 1), 1))


def _starts_a_codestream(head: bytes) -> bool:
    return head[:2] == b"\xff\xd8" or head.startswith(_J2K_SIZ) or head.startswith(_JP2_SIGNATURE)


def frames_held(pixel_data: bytes, extended_offsets: bytes | None = None) -> int | None:
    """How many frames encapsulated ``pixel_data`` holds by its own account: the entries of
    its Extended Offset Table (``extended_offsets``) or Basic Offset Table, else the fragments
    that start a JPEG, JPEG-LS or JPEG 2000 codestream (a frame split over fragments starts
    once); None when neither says (RLE without an offset table, fragments pydicom cannot split)."""
    from pydicom.encaps import parse_basic_offsets, parse_fragments

    if extended_offsets:
        return len(extended_offsets) // 8
    try:
        buffer = io.BytesIO(pixel_data)
        offsets = parse_basic_offsets(buffer)
        if offsets:
            return len(offsets)
        _, starts = parse_fragments(buffer)
    except Exception:  # noqa: BLE001 - fragments pydicom cannot split: the decoder refuses them too
        return None
    view = memoryview(pixel_data)
    held = sum(_starts_a_codestream(bytes(view[at + 8:at + 20])) for at in starts)
    return held or None


def frame_count_problem(ds: Dataset) -> str | None:
    """Why Number of Frames of ``ds`` cannot say how many frames to decode (not a whole
    number, or negative), or None (absent, or 0, which readers take as 1)."""
    try:
        value = ds.get("NumberOfFrames")
        if value is None or str(value).strip() == "":
            return None
        count = int(str(value).strip())
    except Exception:  # noqa: BLE001 - text where a number is due
        return "Number of Frames is not a whole number"
    return "Number of Frames is negative" if count < 0 else None


def _declared_text(ds: Dataset, declared: int) -> str:
    """How the count Number of Frames gives is named in a reason."""
    value = ds.get("NumberOfFrames")
    if value is None or str(value).strip() == "":
        return f"the {declared} of an image without Number of Frames"
    if int(str(value).strip()) == 0:
        return "the 1 that Number of Frames 0 is read as"
    return f"the {declared} of Number of Frames"


def miscounted_frames(ds: Dataset) -> str | None:
    """Why the pixel data of ``ds`` must not be screened or released: it holds more frames
    than Number of Frames says (a decoder, and the screen, would look at the first ones only;
    a viewer that follows the offset table, or reads uncompressed frames by the data's
    length, shows the others), or fewer (the decoder fails on a frame that is not there),
    or None.  Uncompressed frames are counted by the pixel data's length (whole frames)."""
    meta = getattr(ds, "file_meta", None)
    syntax = meta.get("TransferSyntaxUID") if meta is not None else None
    if syntax is None or "PixelData" not in ds:
        return None
    declared = max(int(ds.get("NumberOfFrames", 1) or 1), 1)
    if not syntax.is_encapsulated:
        held = _native_frames_held(ds, declared)
        if held is not None and held > declared:
            return f"the pixel data holds {held} frames, more than {_declared_text(ds, declared)}"
        return None
    extended = ds.get("ExtendedOffsetTable")
    held = frames_held(ds.PixelData, extended if isinstance(extended, bytes) else None)
    if held is not None and held != declared:
        return f"the pixel data holds {held} frames, {'more' if held > declared else 'fewer'} than the {declared} of Number of Frames"
    return None


def _native_frames_held(ds: Dataset, declared: int) -> int | None:
    """How many whole frames uncompressed pixel data holds by its length (None for 1-bit
    pixels, packed across frames, and attributes the length cannot be read from).  Number
    of Frames 0 or absent reads as 1, as pydicom (and the screen) read it: pixel data of
    one frame under Number of Frames 0 is screened whole; two frames' bytes under it are not."""
    from pydicom.pixels.utils import get_expected_length

    try:
        if int(ds.get("BitsAllocated", 0) or 0) % 8:
            return None
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # pydicom's warning on Number of Frames 0
            one = get_expected_length(ds, "bytes") // declared
    except Exception:  # noqa: BLE001 - odd attributes: the decoder judges them
        return None
    value = ds.PixelData
    return len(value) // one if one > 0 and isinstance(value, (bytes, bytearray, memoryview)) else None


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
