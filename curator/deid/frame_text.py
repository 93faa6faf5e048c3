"""Text segments inside compressed frames (``mappings/privacy/frame-segments.yaml``).

A JPEG frame may hold a comment (COM) and application segments (APPn: Exif, XMP, vendor
notes), before its first scan, between scans or after the last; a JPEG 2000 codestream may
hold comment markers (COM) in its main and tile-part headers; and bytes may follow either's
end marker (EOI, EOC).  None of it is image data, and writers put the patient's name, ID or
birth date there.  :func:`without_text` returns encapsulated Pixel Data without them (the
decoded image is the same; what follows an end marker is kept only when it is zero padding),
or ``None`` when there is nothing to remove.  A frame split over several fragments is
cleaned whole (a segment may cross their borders) and then written as one fragment.
Frames in other coding (RLE, deflate, MPEG) are copied as they are.
"""
from __future__ import annotations

import struct
from functools import cache

from curator.dicom.frame_header import jpeg_segments
from curator.resources import load_yaml, mappings_dir

_ITEM, _END = b"\xfe\xff\x00\xe0", b"\xfe\xff\xdd\xe0"
_JPEG_COM = 0xFFFE
_J2K_SOT, _J2K_SOD, _J2K_COM = 0xFF90, 0xFF93, 0xFF64
_J2K_EOC = b"\xff\xd9"


@cache
def _kept_app() -> frozenset[int]:
    data = load_yaml(mappings_dir() / "privacy" / "frame-segments.yaml")
    return frozenset(0xFFE0 + int(n) for n in data["jpeg_kept_app"])


def _removed(marker: int) -> bool:
    return marker == _JPEG_COM or (0xFFE0 <= marker <= 0xFFEF and marker not in _kept_app())


def _next_marker(frame: bytes, pos: int) -> int | None:
    """Where the next marker after ``pos`` is in entropy-coded data: 0xFF followed by a byte
    of C0-FE but the restart markers (JPEG stuffs 0xFF as FF00; JPEG-LS follows 0xFF with a
    byte below 0x80; FFFF is fill)."""
    at = frame.find(b"\xff", pos)
    while at != -1 and at + 1 < len(frame):
        code = frame[at + 1]
        if 0xC0 <= code < 0xFF and not 0xD0 <= code <= 0xD7:
            return at
        at = frame.find(b"\xff", at + 1)
    return None


def _past_end(tail: bytes) -> bytes:
    """What is kept after a codestream's end marker: zero padding, nothing else (writers and
    hostile files put the patient's name there; no decoder reads it)."""
    return tail if tail.count(0) == len(tail) else b""


def _jpeg(frame: bytes) -> bytes:
    """``frame`` (starting with SOI) without COM and unlisted APPn segments, before its first
    scan, between its scans and after the last, and without anything but padding after EOI."""
    out, pos = [frame[:2]], 2
    for marker, start, end in jpeg_segments(frame):
        if end > len(frame):
            break
        if not _removed(marker):
            out.append(frame[start:end])
        pos = end
    while pos < len(frame):  # the scans: entropy-coded data and the marker segments between them
        at = _next_marker(frame, pos)
        if at is None or at + 4 > len(frame) and frame[at:at + 2] != b"\xff\xd9":
            out.append(frame[pos:])
            break
        out.append(frame[pos:at])
        if frame[at:at + 2] == b"\xff\xd9":
            out.append(frame[at:at + 2] + _past_end(frame[at + 2:]))
            break
        end = at + 2 + struct.unpack_from(">H", frame, at + 2)[0]
        if end > len(frame):
            out.append(frame[at:])
            break
        if not _removed(struct.unpack_from(">H", frame, at)[0]):
            out.append(frame[at:end])
        pos = end
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
        if not length and (eoc := code.find(_J2K_EOC, pos + 12)) != -1:
            end = eoc  # to its end marker (no FFD9 inside a tile-part's data: T.800 A.1)
        header, sod = _j2k_header(code, pos + 12, _J2K_SOD)
        if sod >= end or length and end > len(code):
            out.append(code[pos:])
            return b"".join(out)
        body = code[sod:end]
        size = 12 + len(header) + len(body) if length else 0
        out.append(code[pos:pos + 6] + struct.pack(">I", size) + code[pos + 10:pos + 12] + header + body)
        pos = end
    if code[pos:pos + 2] == _J2K_EOC:
        out.append(_J2K_EOC + _past_end(code[pos + 2:]))
    else:
        out.append(code[pos:])
    return b"".join(out)


def _fragment(data: bytes) -> bytes:
    if data[:2] == b"\xff\xd8":
        return _jpeg(data)
    if data[:4] == b"\xff\x4f\xff\x51":
        return _j2k(data)
    return data


def _frames(fragments: list[bytes]) -> list[list[bytes]]:
    """The fragments grouped by frame: a fragment that starts no codestream continues the
    frame before it (a frame split over fragments, its segments across their borders)."""
    frames: list[list[bytes]] = []
    for fragment in fragments:
        if frames and not fragment.startswith((b"\xff\xd8", b"\xff\x4f\xff\x51")):
            frames[-1].append(fragment)
        else:
            frames.append([fragment])
    return frames


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
    starts, at, old_at = {}, 0, 0
    out: list[bytes] = []
    changed = False
    for frame in _frames(fragments):
        whole = b"".join(frame)
        cleaned = _fragment(whole)
        starts[old_at] = at
        old_at += sum(8 + len(f) for f in frame)
        if cleaned != whole:  # written as one fragment (PS3.5 A.4 allows any split)
            changed = True
            frame = [cleaned + b"\0" if len(cleaned) % 2 else cleaned]
        out += frame
        at += sum(8 + len(f) for f in frame)
    if not changed:
        return None
    if table:
        offsets = struct.unpack(f"<{len(table) // 4}I", table)
        table = struct.pack(f"<{len(offsets)}I", *(starts.get(o, o) for o in offsets))
    parts = [_ITEM + struct.pack("<I", len(table)) + table]
    parts += [_ITEM + struct.pack("<I", len(f)) + f for f in out]
    return b"".join(parts)  # no Sequence Delimitation Item: the writer of the undefined length adds it
