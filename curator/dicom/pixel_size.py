"""How many bytes native Pixel Data must hold: the one size check of scan, audit and deid.

PS3.5 8.1.1 and PS3.3 C.7.6.3.1.2: a native (not encapsulated) frame holds
``Rows × Columns × SamplesPerPixel`` samples of ``BitsAllocated`` bits, except for the
chroma-subsampled photometric interpretations, where two horizontally adjacent pixels
share one Cb and one Cr sample (``YBR_FULL_422``, ``YBR_PARTIAL_422``: Y Y Cb Cr) and,
for ``YBR_PARTIAL_420``, also two vertically adjacent rows.  Frames are concatenated and
the whole value is padded to an even length.  Encapsulated pixel data (every compressed
syntax and Encapsulated Uncompressed) has no size to check here: only its fragments'
structure, which the header reader walks.
"""
from __future__ import annotations

import struct
from functools import lru_cache

import pydicom
from pydicom.dataelem import RawDataElement
from pydicom.dataset import Dataset

from curator.dicom.walk import element_text

TRUNCATED = "pixel data shorter than the image size (truncated file)"
UNDEFINED_LENGTH = 0xFFFFFFFF

_ROWS, _COLUMNS, _SAMPLES, _FRAMES, _BITS, _PHOTOMETRIC = (
    0x00280010, 0x00280011, 0x00280002, 0x00280008, 0x00280100, 0x00280004,
)


@lru_cache(maxsize=64)
def is_encapsulated(syntax: str | None) -> bool:
    """True when pixel data of this transfer syntax is encapsulated (fragments)."""
    uid = pydicom.uid.UID(syntax or "")
    if not syntax or not uid.is_transfer_syntax:
        return False  # no syntax, or not one (curator.dicom.header rejects the file)
    return bool(uid.is_encapsulated)


def native_pixel_bytes(rows: int, columns: int, samples: int, frames: int, bits: int, photometric: str) -> int:
    """Bytes of native pixel data before the even-length padding."""
    photometric = photometric.strip().upper()
    half_columns = (columns + 1) // 2
    if photometric in ("YBR_FULL_422", "YBR_PARTIAL_422") and samples == 3:
        per_frame = rows * columns + 2 * rows * half_columns
    elif photometric == "YBR_PARTIAL_420" and samples == 3:
        per_frame = rows * columns + 2 * ((rows + 1) // 2) * half_columns
    else:
        per_frame = rows * columns * samples
    return (per_frame * frames * bits + 7) // 8


def size_problem(syntax: str | None, length: int, rows: int | None, columns: int | None, samples: int | None,
                 frames: int | None, bits: int | None, photometric: str | None) -> str | None:
    """:data:`TRUNCATED` when native pixel data of ``length`` bytes is shorter than its
    image attributes say; ``None`` when it is long enough or cannot be judged (encapsulated,
    undefined length, attributes missing)."""
    if length == UNDEFINED_LENGTH or is_encapsulated(syntax):
        return None
    if not rows or not columns or not bits:
        return None
    expected = native_pixel_bytes(rows, columns, samples or 1, frames or 1, bits, photometric or "")
    return TRUNCATED if length < expected else None


def dataset_values(ds: Dataset) -> tuple[int | None, int | None, int | None, int | None, int | None, str]:
    """Rows, Columns, SamplesPerPixel, NumberOfFrames, BitsAllocated and the photometric
    interpretation of ``ds``, read without converting its raw elements."""
    little = ds.is_little_endian in (True, None)
    out: list[int | None] = []
    for tag in (_ROWS, _COLUMNS, _SAMPLES, _FRAMES, _BITS):
        out.append(_number(ds, tag, little))
    photometric = element_text(ds, _PHOTOMETRIC) or ""
    return out[0], out[1], out[2], out[3], out[4], photometric


def dataset_problem(ds: Dataset, syntax: str | None, length: int) -> str | None:
    """:func:`size_problem` with the image attributes of ``ds``."""
    return size_problem(syntax, length, *dataset_values(ds))


def _number(ds: Dataset, tag: int, little: bool) -> int | None:
    try:
        item = ds.get_item(tag)
    except Exception:  # noqa: BLE001 - an unreadable attribute cannot be judged
        return None
    if item is None:
        return None
    if isinstance(item, RawDataElement):
        value = item.value or b""
        if item.VR in ("US", None) and tag != _FRAMES and len(value) >= 2:
            return struct.unpack(("<" if little else ">") + "H", value[:2])[0]
        text = value.decode("latin-1", "replace").strip("\0 ")
        return int(text) if text.isdigit() else None
    try:
        return int(item.value)
    except (TypeError, ValueError):
        return None


