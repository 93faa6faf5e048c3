"""Hostile inputs, round 12 (plain pydicom, Pillow and the standard library, no curator import):
what rounds 1 to 11 did not try.

* files in a source (:func:`cases`): pixel data that lies (rows x columns x frames claiming
  terabytes, native and encapsulated; basic offset tables pointing backwards and past the end;
  JPEG, JPEG-LS, JPEG 2000 and RLE streams that are truncated or garbage; BitsAllocated 1 and
  64; PlanarConfiguration and PhotometricInterpretation that disagree with the samples and the
  length), Deflated Explicit VR Little Endian valid and corrupt, sequences nested 2,000 deep
  (defined and undefined lengths), undefined-length items never delimited, 100,000 elements in
  one dataset;
* a DICOMweb server (:class:`WadoServer`) that answers a valid study listing and metadata, then
  a hostile WADO-RS instance: a multipart boundary that lies, a part of 10^12 declared bytes
  (sent endlessly), parts that are not DICOM, a stream that stalls, a redirect to another host,
  a gzip bomb;
* command lines (:func:`scenarios`): ``tls://`` Dask schedulers that refuse, never speak or
  speak garbage; OUT that is a file, is read-only, or is a release made with another key;
  CURATOR_* variables holding nan, infinity, 1e400, negative numbers.

Every file's header names the patient (``HOSTILE_NAME``, ``HOSTILE_MRN``).  ``python
tests/hostile12.py`` measures every case in a subprocess (``CURATOR_CODE``: the tree to measure).
"""
from __future__ import annotations

import io
import json
import os
import re
import resource
import socket
import struct
import subprocess
import sys
import threading
import time
import warnings
import zlib
from pathlib import Path

import numpy as np

from hostile import HOSTILE_MRN, HOSTILE_NAME, _bytes, _ct
from hostile7 import _small

__all__ = ["HOSTILE_MRN", "HOSTILE_NAME", "cases", "scenarios"]

WHO = f"{HOSTILE_NAME}_{HOSTILE_MRN}"
WADO_MAX = 64 << 20  # CURATOR_DICOMWEB_MAX_BYTES of the WADO-RS scenarios
WADO_RSS = 1024  # MiB: peak resident memory a WADO-RS scenario may reach (the answers are refused as they come)
MEMORY_LIMIT = 3 << 30  # address space of one command (workers too): a lying size must not need more
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\x9b]")


# ---------------------------------------------------------------- DICOM files

def _image(n: int, rows: int = 16, cols: int = 16, frames: int = 1, bits: int = 8, samples: int = 1,
           photometric: str = "MONOCHROME2"):
    ds = _ct(n)
    ds.Rows, ds.Columns, ds.SamplesPerPixel, ds.PhotometricInterpretation = rows, cols, samples, photometric
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = bits, min(bits, 16), min(bits, 16) - 1, 0
    if frames > 1:
        ds.NumberOfFrames = frames
    if samples > 1:
        ds.PlanarConfiguration = 0
    return ds


def _encapsulated(ds, syntax: str, fragments: list[bytes], offsets: list[int] | None = None) -> bytes:
    """``ds`` with encapsulated pixel data of ``fragments`` (one per frame) and a basic offset
    table of ``offsets`` (None: empty), written by hand so the offsets may lie."""
    table = b"".join(struct.pack("<I", o) for o in offsets or [])
    items = struct.pack("<HHI", 0xFFFE, 0xE000, len(table)) + table
    for fragment in fragments:
        fragment += b"\0" * (len(fragment) % 2)
        items += struct.pack("<HHI", 0xFFFE, 0xE000, len(fragment)) + fragment
    items += struct.pack("<HHI", 0xFFFE, 0xE0DD, 0)
    del ds.PixelData
    head = _bytes(ds, syntax)
    return head + struct.pack("<HH2sHI", 0x7FE0, 0x0010, b"OB", 0, 0xFFFFFFFF) + items


def _jpeg(pixels: np.ndarray, kind: str) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format=kind)
    return buffer.getvalue()


def _jpegls(pixels: np.ndarray) -> bytes:
    import jpeg_ls  # pyjpegls, beside pylibjpeg in the test environment

    return bytes(jpeg_ls.encode(pixels))


def _nested(depth: int, undefined: bool) -> bytes:
    """A ReferencedSeriesSequence nested ``depth`` deep, the name at the bottom."""
    inner = struct.pack("<HH2sH", 0x0010, 0x0010, b"PN", len(WHO) + len(WHO) % 2) + (WHO + " " * (len(WHO) % 2)).encode()
    for _ in range(depth):
        if undefined:
            item = struct.pack("<HHI", 0xFFFE, 0xE000, 0xFFFFFFFF) + inner + struct.pack("<HHI", 0xFFFE, 0xE00D, 0)
            inner = (struct.pack("<HH2sHI", 0x0008, 0x1115, b"SQ", 0, 0xFFFFFFFF) + item
                     + struct.pack("<HHI", 0xFFFE, 0xE0DD, 0))
        else:
            item = struct.pack("<HHI", 0xFFFE, 0xE000, len(inner)) + inner
            inner = struct.pack("<HH2sHI", 0x0008, 0x1115, b"SQ", 0, len(item)) + item
    return inner


def _body_insert(data: bytes, element: bytes, before: bytes = b"\x10\x00\x10\x00") -> bytes:
    """``element`` inserted into ``data`` before the first element with tag bytes ``before``
    (explicit VR little endian: the order of tags kept)."""
    at = data.index(before, 132 + 12)
    return data[:at] + element + data[at:]


def _deflated(corrupt: bool, n: int) -> bytes:
    from pydicom.uid import DeflatedExplicitVRLittleEndian

    data = _bytes(_ct(n), DeflatedExplicitVRLittleEndian)
    if corrupt:
        meta_end = 144 + struct.unpack("<I", data[140:144])[0]
        body = bytearray(data[meta_end:])
        middle = len(body) // 2
        body[middle:middle + 12] = bytes(b ^ 0xA5 for b in body[middle:middle + 12])
        data = data[:meta_end] + bytes(body)
    return data


def _many_elements(n: int, count: int) -> bytes:
    """``count`` private elements in one dataset (groups 0x0011.., a creator each), one holding the name."""
    data = _bytes(_ct(n))
    elements = []
    per_group = 240 * 256  # private creators 0x10..0xFF, each reserving 256 elements
    for start in range(0, count, per_group):
        group, size = 0x0011 + 2 * (start // per_group), min(per_group, count - start)
        for block in range(0x10, 0x10 + (size + 255) // 256):
            elements.append(struct.pack("<HH2sH", group, block, b"LO", 8) + b"HOSTILE ")
        for j in range(size):
            i = start + j
            value = (WHO if i == count // 2 else f"v{i}").encode()
            value += b" " * (len(value) % 2)
            elements.append(struct.pack("<HH2sH", group, ((0x10 + j // 256) << 8) | (j % 256), b"LO", len(value)) + value)
    return _body_insert(data, b"".join(elements), before=b"\x20\x00\x0d\x00")


def _pixel_cases(n: int) -> dict[str, bytes]:
    from pydicom.uid import JPEG2000Lossless, JPEGBaseline8Bit, JPEGLSLossless, RLELossless

    rng = np.random.default_rng(12)
    gray = rng.integers(0, 255, (16, 16), dtype=np.uint8)
    out: dict[str, bytes] = {}
    # sizes that claim terabytes
    ds = _image(n, 65535, 65535, 100_000, 16)
    out["claims_terabytes_native.dcm"] = _bytes(ds)
    ds = _image(n + 1, 65535, 65535, 100_000, 8)
    out["claims_terabytes_jpeg.dcm"] = _encapsulated(ds, JPEGBaseline8Bit, [_jpeg(gray, "JPEG")] * 3)
    # a frame whose JPEG header is honest but the dataset claims 2^31 frames of it
    ds = _image(n + 2, 16, 16, 2_000_000_000, 8)
    out["claims_2e9_frames_jpeg.dcm"] = _encapsulated(ds, JPEGBaseline8Bit, [_jpeg(gray, "JPEG")])
    # basic offset tables that lie: backwards, past the end, more entries than fragments
    frames = [_jpeg(gray, "JPEG")] * 3
    for name, offsets in (("bot_backwards", [0, 900, 100]), ("bot_past_end", [0, 1 << 31, 0xFFFFFFF0]),
                          ("bot_too_many", list(range(0, 40_000, 4)))):
        out[f"{name}.dcm"] = _encapsulated(_image(n + 3, 16, 16, 3, 8), JPEGBaseline8Bit, frames, offsets)
    # truncated and garbage streams of every compressed syntax the cleaner decodes
    jpeg, j2k, jls = _jpeg(gray, "JPEG"), _jpeg(gray, "JPEG2000"), _jpegls(gray)
    garbage = bytes(rng.integers(0, 256, 4000, dtype=np.uint8))
    for syntax, name, stream in ((JPEGBaseline8Bit, "jpeg", jpeg), (JPEG2000Lossless, "j2k", j2k),
                                 (JPEGLSLossless, "jpegls", jls)):
        out[f"{name}_truncated.dcm"] = _encapsulated(_image(n + 4), syntax, [stream[:len(stream) // 2]])
        out[f"{name}_garbage.dcm"] = _encapsulated(_image(n + 5), syntax, [garbage])
        out[f"{name}_header_only.dcm"] = _encapsulated(_image(n + 6), syntax, [stream[:40]])
    rle_header = struct.pack("<16I", 15, *[64 + i * 1_000_000 for i in range(15)])
    out["rle_segments_past_end.dcm"] = _encapsulated(_image(n + 7), RLELossless, [rle_header + b"\x00" * 64])
    out["rle_garbage.dcm"] = _encapsulated(_image(n + 8), RLELossless, [garbage])
    # bits allocated 1 (8 pixels a byte) honest and short; 64
    ds = _image(n + 9, 16, 16, 1, 1)
    ds.BitsStored, ds.HighBit = 1, 0
    ds.PixelData = bytes(32)
    out["bits1.dcm"] = _bytes(ds)
    ds.PixelData = bytes(256)  # as if 8 bits: 8 times too long
    out["bits1_eight_times_long.dcm"] = _bytes(ds)
    ds = _image(n + 10, 16, 16, 1, 64)
    ds.BitsStored, ds.HighBit = 64, 63
    ds.PixelData = bytes(16 * 16 * 8)
    out["bits64.dcm"] = _bytes(ds)
    # planar configuration and photometric interpretation that disagree with the data
    ds = _image(n + 11, 16, 16, 1, 8, samples=1, photometric="RGB")
    ds.PixelData = gray.tobytes()
    out["rgb_one_sample.dcm"] = _bytes(ds)
    ds = _image(n + 12, 16, 16, 1, 8, samples=3, photometric="MONOCHROME2")
    ds.PlanarConfiguration = 1
    ds.PixelData = bytes(16 * 16 * 3)
    out["monochrome_three_samples.dcm"] = _bytes(ds)
    ds = _image(n + 13, 16, 16, 1, 8, samples=3, photometric="RGB")
    ds.PlanarConfiguration = 7
    ds.PixelData = bytes(16 * 16 * 3)
    out["planar_7.dcm"] = _bytes(ds)
    ds = _image(n + 14, 16, 16, 1, 8, samples=3, photometric="YBR_FULL_422")
    ds.PixelData = bytes(16 * 16 * 3)  # full size where 4:2:2 holds 2 bytes a pixel
    out["ybr422_full_length.dcm"] = _bytes(ds)
    ds = _image(n + 15, 16, 16, 1, 8, photometric="PALETTE COLOR")
    ds.PixelData = gray.tobytes()  # no lookup tables
    out["palette_without_lut.dcm"] = _bytes(ds)
    return out


def _structure_cases(n: int) -> dict[str, bytes]:
    out: dict[str, bytes] = {}
    out["deflated_ok.dcm"] = _deflated(False, n)
    out["deflated_corrupt.dcm"] = _deflated(True, n + 1)
    for undefined in (False, True):
        data = _bytes(_ct(n + 2 + undefined))
        out[f"nested_2000_{'undefined' if undefined else 'defined'}.dcm"] = _body_insert(
            data, _nested(2000, undefined))
    # an undefined-length sequence whose items of undefined length are never delimited
    data = _bytes(_ct(n + 4))
    item = struct.pack("<HHI", 0xFFFE, 0xE000, 0xFFFFFFFF) + struct.pack("<HH2sH", 0x0010, 0x0010, b"PN", 20) \
        + WHO.encode()[:20].ljust(20)
    out["items_never_delimited.dcm"] = _body_insert(
        data, struct.pack("<HH2sHI", 0x0008, 0x1115, b"SQ", 0, 0xFFFFFFFF) + item * 50)
    out["elements_hundred_thousand.dcm"] = _many_elements(n + 5, 100_000)
    return out


def cases() -> dict[str, bytes]:
    """Relative path -> bytes; every one must be accounted for (indexed or rejected)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = {"site_a/ok.dcm": _bytes(_ct(3000))}
        out.update({f"site_a/{k}": v for k, v in _pixel_cases(3010).items()})
        out.update({f"site_b/{k}": v for k, v in _structure_cases(3100).items()})
    return out


def write_cases(root: Path) -> list[str]:
    for name, data in cases().items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(data)
    return sorted(cases())


# ---------------------------------------------------------------- a hostile WADO-RS server

WADO_BEHAVIOURS = ("ok", "boundary_lies", "huge_part", "endless", "not_dicom", "stall", "redirect", "gzip_bomb",
                   "huge_metadata")


class WadoServer:
    """An HTTP server on a free port: a valid QIDO-RS listing (one study, series, instance) and
    series metadata, then the instance (WADO-RS) answered as ``behaviour`` says.  ``visits``
    counts the requests another host (``other``: a second listening socket) received."""

    def __init__(self, behaviour: str, instance: bytes, other: WadoServer | None = None):
        from pydicom import dcmread

        self.behaviour, self.instance, self.other = behaviour, instance, other
        ds = dcmread(io.BytesIO(instance))
        self.uids = (str(ds.StudyInstanceUID), str(ds.SeriesInstanceUID), str(ds.SOPInstanceUID))
        meta = ds.to_json_dict(bulk_data_threshold=1, bulk_data_element_handler=lambda e: "http://x/bulk")
        meta["00083002"] = {"vr": "UI", "Value": [str(ds.file_meta.TransferSyntaxUID)]}
        self.metadata = json.dumps([meta]).encode()
        self.visits = 0
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.stopped = threading.Event()
        threading.Thread(target=self._serve, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/dicom-web"

    def _serve(self) -> None:
        while not self.stopped.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._answer, args=(conn,), daemon=True).start()

    def _request(self, conn: socket.socket) -> str:
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = conn.recv(65536)
            if not chunk:
                break
            data += chunk
        return data.split(b" ", 2)[1].decode("latin-1") if data.count(b" ") >= 2 else ""

    def _send(self, conn: socket.socket, body: bytes, content_type: str, extra: str = "") -> None:
        conn.sendall(f"HTTP/1.1 200 OK\r\nContent-Type: {content_type}\r\nContent-Length: {len(body)}\r\n{extra}"
                     "Connection: close\r\n\r\n".encode() + body)

    def _answer(self, conn: socket.socket) -> None:
        try:
            conn.settimeout(30)
            path = self._request(conn).split("?")[0].rstrip("/")
            self.visits += 1
            study, series, sop = self.uids
            json_type = "application/dicom+json"
            if path.endswith("/studies"):
                self._send(conn, json.dumps([{"0020000D": {"vr": "UI", "Value": [study]}}]).encode(), json_type)
            elif path.endswith("/series"):
                self._send(conn, json.dumps([{"0020000E": {"vr": "UI", "Value": [series]}}]).encode(), json_type)
            elif path.endswith("/instances"):
                self._send(conn, json.dumps([{"00080018": {"vr": "UI", "Value": [sop]}}]).encode(), json_type)
            elif path.endswith("/metadata"):
                if self.behaviour == "huge_metadata":  # 10^12 bytes declared, sent until the client leaves
                    conn.sendall(f"HTTP/1.1 200 OK\r\nContent-Type: {json_type}\r\nContent-Length: {10 ** 12}\r\n\r\n[".encode())
                    self._endless(conn, b" " * 65536)
                else:
                    self._send(conn, self.metadata, json_type)
            elif self.other is not None and self.behaviour == "redirect" and path.endswith(sop):
                conn.sendall(f"HTTP/1.1 302 Found\r\nLocation: http://localhost:{self.other.port}{path}\r\n"
                             "Content-Length: 0\r\nConnection: close\r\n\r\n".encode())
            elif path.endswith(sop):
                self._instance(conn)
            else:
                conn.sendall(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        except OSError:
            pass
        finally:
            conn.close()

    def _endless(self, conn: socket.socket, chunk: bytes) -> None:
        while not self.stopped.is_set():
            conn.sendall(chunk)

    def _instance(self, conn: socket.socket) -> None:
        b = self.behaviour
        part_type = "multipart/related; type=\"application/dicom\"; boundary="
        if b in ("ok", "redirect"):
            body = b"--B\r\nContent-Type: application/dicom\r\n\r\n" + self.instance + b"\r\n--B--\r\n"
            self._send(conn, body, part_type + "B")
        elif b == "boundary_lies":  # the header names one boundary, the body uses another
            body = b"--OTHER\r\nContent-Type: application/dicom\r\n\r\n" + self.instance + b"\r\n--OTHER--\r\n"
            self._send(conn, body, part_type + "B")
        elif b == "huge_part":  # a part of 10^12 declared bytes, sent until the client leaves
            conn.sendall(f"HTTP/1.1 200 OK\r\nContent-Type: {part_type}B\r\nContent-Length: {10 ** 12 + 60}\r\n\r\n"
                         f"--B\r\nContent-Type: application/dicom\r\nContent-Length: {10 ** 12}\r\n\r\n".encode()
                         + self.instance[:132])
            self._endless(conn, b"\0" * 65536)
        elif b == "endless":  # no length declared: a part sent until the client leaves
            conn.sendall(f"HTTP/1.1 200 OK\r\nContent-Type: {part_type}B\r\nConnection: close\r\n\r\n"
                         "--B\r\nContent-Type: application/dicom\r\n\r\n".encode() + self.instance[:132])
            self._endless(conn, b"\0" * 65536)
        elif b == "not_dicom":
            body = (b"--B\r\nContent-Type: application/dicom\r\n\r\n<html>" + WHO.encode() + b"</html>\r\n"
                    b"--B\r\nContent-Type: text/plain\r\n\r\nnothing\r\n--B--\r\n")
            self._send(conn, body, part_type + "B")
        elif b == "stall":  # half the instance, then silence
            body = b"--B\r\nContent-Type: application/dicom\r\n\r\n" + self.instance + b"\r\n--B--\r\n"
            conn.sendall(f"HTTP/1.1 200 OK\r\nContent-Type: {part_type}B\r\nContent-Length: {len(body)}\r\n\r\n".encode()
                         + body[:len(body) // 2])
            self.stopped.wait()
        elif b == "gzip_bomb":  # 2 MiB of gzip that inflates to 2 GiB
            self._send(conn, _gzip_bomb(), part_type + "B", "Content-Encoding: gzip\r\n")

    def close(self) -> None:
        self.stopped.set()
        self.sock.close()


_BOMB: list[bytes] = []


def _gzip_bomb() -> bytes:
    if not _BOMB:
        compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
        zeros = b"\0" * (1 << 20)
        parts = [compressor.compress(b"--B\r\nContent-Type: application/dicom\r\n\r\n")]
        parts += [compressor.compress(zeros) for _ in range(2048)] + [compressor.flush()]
        _BOMB.append(b"".join(parts))
    return _BOMB[0]


def start_wado(instance: bytes) -> dict[str, WadoServer]:
    _gzip_bomb()  # made once, before any client waits for it
    servers = {b: WadoServer(b, instance) for b in WADO_BEHAVIOURS if b != "redirect"}
    servers["elsewhere"] = WadoServer("ok", instance)
    servers["redirect"] = WadoServer("redirect", instance, other=servers["elsewhere"])
    return servers


# ---------------------------------------------------------------- command lines

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def prepare(root: Path) -> None:
    write_cases(root / "source")
    _small(root / "small")
    examples = Path(__file__).resolve().parent.parent / "examples"
    (root / "key").write_text(f"curator-key-v1:{'ab' * 32}\n")
    (root / "key2").write_text(f"curator-key-v1:{'cd' * 32}\n")
    for name in ("key", "key2"):
        os.chmod(root / name, 0o600)
    (root / "release.yaml").write_text((examples / "release.yaml").read_text())
    (root / "out_file").write_text("a file where OUT goes\n")
    (root / "readonly").mkdir()
    os.chmod(root / "readonly", 0o555)  # not enough for root: a read-only tmpfs where mounting is permitted
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m,ro", "tmpfs", str(root / "readonly")], capture_output=True)
    (root / "cwd").mkdir()


Scenario = tuple[str, list[str], dict[str, str], "int | set[int]", str | None]


def scenarios(root: Path, wado: dict[str, WadoServer] | None = None, silent_port: int = 9,
              garbage_port: int = 9) -> list[Scenario]:
    """(name, argv, environment changes, exit status (a set: any), a regular expression the last
    stderr line must match from its start, or None)."""
    r = Path(root)
    small, key, key2, cfg = str(r / "small"), str(r / "key"), str(r / "key2"), str(r / "release.yaml")
    one = ["-w", "1"]
    quick = {"CURATOR_DICOMWEB_TIMEOUT": "3", "CURATOR_DICOMWEB_RETRIES": "0", "CURATOR_DICOMWEB_DEADLINE": "20"}
    url = lambda b: wado[b].url if wado else f"http://127.0.0.1:9/{b}"  # noqa: E731
    refused = f"tls://127.0.0.1:{free_port()}"
    out: list[Scenario] = []
    # hostile WADO-RS after a valid listing: deid must reject the instance with a reason or stop
    # with a clear error; never hang, never hold the answer whole in memory
    for behaviour in WADO_BEHAVIOURS:
        if behaviour == "ok":
            continue
        out.append((f"deid WADO-RS {behaviour}", ["deid", url(behaviour), str(r / f"w_{behaviour}"), "--key", key, *one],
                    {**quick, "CURATOR_DICOMWEB_TOKEN": "secret-token", "CURATOR_DICOMWEB_MAX_BYTES": str(WADO_MAX)},
                    {0, 2}, None))
    out.append(("scan WADO-RS huge_metadata", ["scan", url("huge_metadata"), *one], quick, 2, "error: "))
    # tls:// schedulers
    for name, address in (("refused", refused), ("silent", f"tls://127.0.0.1:{silent_port}"),
                          ("garbage", f"tls://127.0.0.1:{garbage_port}"), ("no port", "tls://127.0.0.1"),
                          ("unknown host", "tls://nowhere.invalid:8786")):
        out.append((f"scan --scheduler tls {name}", ["scan", small, "--scheduler", address], {}, 2, "error: "))
        out.append((f"deid --scheduler tls {name}", ["deid", small, str(r / "t_o"), "--key", key, "--scheduler", address],
                    {}, 2, "error: "))
    # OUT that is a file, read-only, a release of another key
    out += [
        ("deid OUT is a file", ["deid", small, str(r / "out_file"), "--key", key, *one], {}, 2, "error: "),
        ("publish OUT is a file", ["publish", small, str(r / "out_file"), "--key", key, "--config", cfg, *one], {}, 2,
         "error: "),
        # read-only: not for root unless a read-only tmpfs is mounted there (:func:`read_only_works`)
        ("deid OUT read-only", ["deid", small, str(r / "readonly" / "o"), "--key", key, *one], {}, 2, "error: "),
        ("publish OUT read-only", ["publish", small, str(r / "readonly" / "p"), "--key", key, "--config", cfg, *one],
         {}, 2, "error: "),
        ("deid OUT read-only itself", ["deid", small, str(r / "readonly"), "--key", key, *one], {}, 2, "error: "),
        ("deid with key", ["deid", small, str(r / "k_o"), "--key", key, *one], {}, 0, None),
        ("deid into it with another key", ["deid", small, str(r / "k_o"), "--key", key2, *one], {}, 2, "error: "),
        ("publish with key", ["publish", small, str(r / "k_p"), "--key", key, "--config", cfg, *one], {}, 0, None),
        ("publish into it with another key", ["publish", small, str(r / "k_p"), "--key", key2, "--config", cfg, *one],
         {}, 2, "error: "),
        ("publish --force into it with another key", ["publish", small, str(r / "k_p"), "--key", key2, "--config", cfg,
                                                      "--force", *one], {}, {0, 2}, None),
    ]
    # CURATOR_* variables with numbers no setting can hold
    for variable, value in (("CURATOR_SCHEDULER_TIMEOUT", "nan"), ("CURATOR_SCHEDULER_TIMEOUT", "1e400"),
                            ("CURATOR_SCHEDULER_TIMEOUT", "-1"), ("CURATOR_SCHEDULER_TIMEOUT", "1e-300"),
                            ("CURATOR_DICOMWEB_TIMEOUT", "inf"), ("CURATOR_DICOMWEB_DEADLINE", "1e400"),
                            ("CURATOR_DICOMWEB_BACKOFF", "nan"), ("CURATOR_DICOMWEB_BACKOFF", "1e300"),
                            ("CURATOR_DICOMWEB_RETRIES", "1e30"), ("CURATOR_DICOMWEB_PAGE", "1e30"),
                            ("CURATOR_DICOMWEB_TIMEOUT", "1e-300"),
                            ("CURATOR_DICOMWEB_CREDENTIALS", "/proc/self/mem")):
        if variable.startswith("CURATOR_DICOMWEB"):
            argv = ["scan", url("ok"), *one]
        elif variable == "CURATOR_SCHEDULER_TIMEOUT":
            argv = ["scan", small, "--scheduler", refused]
        else:
            argv = ["scan", small, *one]
        out.append((f"scan {variable}={value!a}", argv, {**quick, variable: value}, {0, 2}, None))
    return out


def read_only_works(root: Path) -> bool:
    return os.geteuid() != 0 or os.path.ismount(root / "readonly")


def limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


CODE = "import sys; from curator.cli import main; sys.argv[0] = 'curator'; main(sys.argv[1:])"


def run_curator(argv: list[str], env: dict[str, str], cwd: Path, timeout: float) -> tuple[int | None, str, str, int]:
    """``curator argv`` in a subprocess under :data:`MEMORY_LIMIT` (None: killed after
    ``timeout`` s); also the peak resident memory of it or its workers, in MiB."""
    import tempfile

    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        child = subprocess.Popen([sys.executable, "-c", CODE, *argv], stdout=out, stderr=err, env=env, cwd=cwd,
                                 preexec_fn=limit_memory, start_new_session=True)
        deadline = time.monotonic() + timeout
        code: int | None = None
        rss = 0
        while time.monotonic() < deadline:
            pid, status, usage = os.wait4(child.pid, os.WNOHANG)
            if pid:
                code, rss = os.waitstatus_to_exitcode(status), usage.ru_maxrss // 1024
                break
            time.sleep(0.05)
        if code is None:
            os.killpg(child.pid, 9)
            child.wait()
        child.returncode = code if code is not None else -9
        out.seek(0)
        err.seek(0)
        return code, out.read().decode("utf-8", "replace"), err.read().decode("utf-8", "replace"), rss


def leaks(text: str) -> bool:
    return HOSTILE_NAME in text or HOSTILE_MRN in text


def problems_of(code: int | None, out: str, err: str, expected: int | set[int], message: str | None) -> list[str]:
    found = []
    lines = err.strip().splitlines()
    allowed = expected if isinstance(expected, set) else {expected}
    if code is None:
        return ["hangs"]
    if code not in allowed:
        found.append(f"exit {code} (want {sorted(allowed)})")
    if "Traceback" in out + err or "internal error" in out + err:
        found.append("traceback or internal error")
    if leaks(out + err):
        found.append("identifier")
    if CONTROL.search(err):
        found.append("a raw control character")
    if code == 2 and len([line for line in lines if line.startswith("error:")]) != 1:
        found.append("not one error line")
    if message and not (lines and re.match(message, lines[-1])):
        found.append(f"message not '{message}'")
    return found


def source_runs(root: Path) -> list[tuple[str, list[str]]]:
    key = str(root / "key")
    src = str(root / "source")
    return [("audit", ["audit", src, "--full-paths", "-w", "2", "-f", "json", "-o", str(root / "h.json"),
                       "--index", str(root / "h.parquet")]),
            ("scan", ["scan", src, "-w", "2", "--index", str(root / "s.parquet")]),
            ("deid", ["deid", src, str(root / "hd"), "--key", key, "-w", "2"]),
            ("deid --clean-pixels", ["deid", src, str(root / "hc"), "--key", key, "-w", "2", "--clean-pixels"]),
            ("publish", ["publish", src, str(root / "hp"), "--key", key, "--config", str(root / "release.yaml"),
                         "--release-date", "2026-01-01", "--k", "1", "-w", "2"])]


def accounted(root: Path) -> list[str]:
    """Files of the source the audit's index does not account for, reasons that name the
    patient, and deid reports that do not account for every item."""
    import pyarrow.parquet as pq

    wrong = []
    if not (root / "h.parquet").exists():
        return ["no index"]
    rows = pq.read_table(root / "h.parquet", columns=["path", "status", "reason"]).to_pylist()
    got = {row["path"]: (row["status"], row["reason"] or "") for row in rows}
    for name in cases():
        if name not in got:
            wrong.append(f"{name}: not accounted for")
        elif leaks(got[name][1]):
            wrong.append(f"{name}: the reason names the patient")
    for folder in ("hd", "hc"):
        report = root / folder / "deid-report.json"
        if not report.exists():
            wrong.append(f"{folder}: no report")
            continue
        counts = json.loads(report.read_text())["counts"]
        done = counts["written"] + counts["quarantined"] + counts["rejected"]
        if not counts["items"] == len(cases()) == done:
            wrong.append(f"{folder}: accounts for {done} of {counts['items']} items ({len(cases())} files)")
    return wrong


def output_leaks(folder: Path) -> list[str]:
    name = HOSTILE_NAME.encode("utf-8")
    needles = [name, HOSTILE_MRN.encode(), name[:6], name[-10:]]
    found = []
    for top, _, files in os.walk(folder):
        for entry in files:
            path = os.path.join(top, entry)
            if leaks(path) or any(n in Path(path).read_bytes() for n in needles):
                found.append(os.path.relpath(path, folder))
    return found


def wado_problems(name: str, wado: dict[str, WadoServer], rss: int) -> list[str]:
    found = []
    if name.endswith("redirect") and wado["elsewhere"].visits:
        found.append(f"followed the redirect to another host ({wado['elsewhere'].visits} requests)")
    if "WADO" in name and rss > WADO_RSS:
        found.append(f"peak memory {rss} MiB (> {WADO_RSS} MiB: an answer held whole)")
    return found


def silent_and_garbage_servers() -> tuple[socket.socket, socket.socket, threading.Event]:
    stop = threading.Event()
    silent, garbage = socket.socket(), socket.socket()
    for sock in (silent, garbage):
        sock.bind(("127.0.0.1", 0))
        sock.listen(16)

    def serve(sock: socket.socket, answer: bytes) -> None:
        while not stop.is_set():
            try:
                conn, _ = sock.accept()
            except OSError:
                return
            try:
                if answer:
                    conn.sendall(answer)
                    conn.close()
                else:
                    threading.Thread(target=lambda c=conn: (stop.wait(), c.close()), daemon=True).start()
            except OSError:
                pass

    threading.Thread(target=serve, args=(silent, b""), daemon=True).start()
    threading.Thread(target=serve, args=(garbage, bytes(range(256)) * 64), daemon=True).start()
    return silent, garbage, stop


if __name__ == "__main__":
    import tempfile

    here = Path(__file__).resolve().parent
    only = sys.argv[1:]
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        prepare(root)
        env0 = {**os.environ, "PYTHONPATH": os.environ.get("CURATOR_CODE", str(here.parent)),
                "CURATOR_CACHE": str(root / "cache")}
        wado = start_wado(_bytes(_ct(3900)))
        silent, garbage, stop = silent_and_garbage_servers()
        todo = scenarios(root, wado, silent.getsockname()[1], garbage.getsockname()[1])
        bad = 0
        for name, argv, changes, expected, message in todo:
            if only and not any(word in name for word in only) or ("read-only" in name and not read_only_works(root)):
                continue
            started = time.monotonic()
            code, out_, err_, rss = run_curator(argv, {**env0, **changes}, root / "cwd", 120)
            found = problems_of(code, out_, err_, expected, message)
            if "WADO" in name and (root / f"w_{name.split()[-1]}").exists():
                found += [f"output holds the name: {p}" for p in output_leaks(root / f"w_{name.split()[-1]}")]
            found += wado_problems(name, wado, rss)
            bad += bool(found)
            last = err_.strip().splitlines()[-1] if err_.strip() else ""
            print(f"{'BAD' if found else 'ok '} {name}: {'; '.join(found)} | exit {code} {time.monotonic() - started:.1f}s "
                  f"{rss} MiB | {last[:200]!a}", flush=True)
        print(f"{bad} of {len(todo)} command scenarios wrong", flush=True)
        stop.set()
        for server in wado.values():
            server.close()
        subprocess.run(["umount", "-l", str(root / "readonly")], capture_output=True)
        if only and "source" not in only:
            sys.exit()
        wrong = []
        for what, argv in source_runs(root):
            started = time.monotonic()
            code, out_, err_, rss = run_curator(argv, env0, root / "cwd", 900)
            found = problems_of(code, out_, err_, 0, None)
            print(f"{what} hostile source: exit {code} in {time.monotonic() - started:.1f}s, {rss} MiB | "
                  f"{'; '.join(found)} | {err_.strip().splitlines()[-1:]!a}", flush=True)
            wrong += [f"{what}: {p} | {err_[-800:]!a}" for p in found]
        wrong += accounted(root)
        for folder in ("hd", "hc", "hp"):
            if (root / folder).exists():
                wrong += [f"{folder} holds an identifier: {p}" for p in output_leaks(root / folder)]
        for line in wrong:
            print("BAD", line)
        print(f"{len(wrong)} source problems; {len(cases())} files")
