"""Text segments inside compressed frames (``mappings/privacy/frame-segments.yaml``).

A JPEG frame may hold a comment (COM) and application segments (APPn: Exif, XMP, vendor
notes); a JPEG 2000 codestream may hold comment markers (COM) in its main and tile-part
headers.  Neither is image data, and writers put the patient's name, ID or birth date
there.  :func:`without_text` returns encapsulated Pixel Data without them (the decoded image
is the same), or ``None`` when there is nothing to remove.  Frames in other coding (RLE,
deflate, MPEG) are copied as they are.
"""
from __future__ import annotations

import struct
from functools import cache

from curator.dicom.frame_header import jpeg_segments
from curator.resources import load_yaml, mappings_dir

_ITEM, _END = b"\xfe\xff\x00\xe0", b"\xfe\xff\xdd\xe0"
_JPEG_COM = 0xFFFE
_J2K_SOT, _J2K_SOD, _J2K_COM = 0xFF90, 0xFF93, 0xFF64


@cache
def _kept_app() -> frozenset[int]:
    data = load_yaml(mappings_dir() / "privacy" / "frame-segments.yaml")
    return frozenset(0xFFE0 + int(n) for n in data["jpeg_kept_app"])


def _jpeg(frame: bytes) -> bytes:
    """``frame`` (starting with SOI) without COM and unlisted APPn segments before its first scan."""
    out, pos = [frame[:2]], 2
    for marker, start, end in jpeg_segments(frame):
        if end > len(frame):
            break
        if not (marker == _JPEG_COM or (0xFFE0 <= marker <= 0xFFEF and marker not in _kept_app())):
            out.append(frame[start:end])
        pos = end
    out.append(frame[pos:])
    return b"".join(out)


def _j2k_header(code: bytes, pos: int, stop: int) -> tuple[bytes, int]:
    """The marker segments from ``pos`` up to the ``stop`` marker without COM, and where ``stop`` is."""
    kept = []
    while pos + 4 <= len(code):
        marker = struct.unpack_from(">H", code, pos)[0]
        if marker == stop or marker >> 8 != 0xFF:
            break
        end = pos + 2 + struct.unpack_from(">H", code, pos + 2)[0]
        if marker != _J2K_COM:
            kept.append(code[pos:end])
        pos = end
    return b"".join(kept), pos


def _j2k(code: bytes) -> bytes:
    """A JPEG 2000 codestream (starting with SOC) without COM markers in its main and tile-part headers."""
    main, pos = _j2k_header(code, 2, _J2K_SOT)
    out = [code[:2], main]
    while pos + 12 <= len(code) and struct.unpack_from(">H", code, pos)[0] == _J2K_SOT:
        length = struct.unpack_from(">I", code, pos + 6)[0]  # Psot: the tile-part, SOT included (0: to the end)
        end = pos + length if length else len(code)
        header, sod = _j2k_header(code, pos + 12, _J2K_SOD)
        if sod >= end or length and end > len(code):
            out.append(code[pos:])
            return b"".join(out)
        body = code[sod:end]
        size = 12 + len(header) + len(body) if length else 0
        out.append(code[pos:pos + 6] + struct.pack(">I", size) + code[pos + 10:pos + 12] + header + body)
        pos = end
    out.append(code[pos:])
    return b"".join(out)


def _fragment(data: bytes) -> bytes:
    if data[:2] == b"\xff\xd8":
        return _jpeg(data)
    if data[:4] == b"\xff\x4f\xff\x51":
        return _j2k(data)
    return data


def _items(value: bytes) -> list[bytes] | None:
    """The items of encapsulated Pixel Data (offset table first), or None if it is not that."""
    items, pos = [], 0
    while pos + 8 <= len(value) and value[pos:pos + 4] == _ITEM:
        length = struct.unpack_from("<I", value, pos + 4)[0]
        if pos + 8 + length > len(value):
            return None
        items.append(value[pos + 8:pos + 8 + length])
        pos += 8 + length
    return items if items and (pos == len(value) or value[pos:pos + 4] == _END) else None


def without_text(value: bytes) -> bytes | None:
    """Encapsulated Pixel Data ``value`` without text segments in its frames; ``None`` if
    it holds none (or is not encapsulated).  A non-empty Basic Offset Table is recomputed.
    The items only, as pydicom holds the value: the writer of the undefined length adds the
    Sequence Delimitation Item (one more here made 8 stray bytes after Pixel Data)."""
    items = _items(value)
    if items is None:
        return None
    table, fragments = items[0], items[1:]
    cleaned = [_fragment(f) for f in fragments]
    if cleaned == fragments:
        return None
    cleaned = [f + b"\0" if len(f) % 2 else f for f in cleaned]
    starts, at = {}, 0
    for old, new in zip(_offsets(fragments), cleaned):
        starts[old] = at
        at += 8 + len(new)
    if table:
        offsets = struct.unpack(f"<{len(table) // 4}I", table)
        table = struct.pack(f"<{len(offsets)}I", *(starts.get(o, o) for o in offsets))
    parts = [_ITEM + struct.pack("<I", len(table)) + table]
    parts += [_ITEM + struct.pack("<I", len(f)) + f for f in cleaned]
    return b"".join(parts)  # no Sequence Delimitation Item: the writer of the undefined length adds it


def _offsets(fragments: list[bytes]) -> list[int]:
    out, at = [], 0
    for f in fragments:
        out.append(at)
        at += 8 + len(f)
    return out
