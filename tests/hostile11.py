"""Hostile inputs, round 11 (plain pydicom and the standard library, no curator import): what
rounds 1 to 10 did not try.

* files in a source (:func:`cases`, each with the outcome the audit must give it): tar
  members that are sparse (old GNU 'S' headers, PAX sparse 1.0, a sparse map promising a
  terabyte of holes), PAX headers whose path holds a NUL, terminal escapes and a line break
  with the patient's name, is empty, is '.', is 10,000 characters, is not UTF-8; a PAX size
  that lies; a GNU long name with '..'; a hard link to an absolute path and a symbolic link
  through a member folder that is itself a link; a base-256 size of exabytes; a tar.gz whose
  deflate stream is corrupt in the middle; a zip of 100,000 tiny members; a zip64 archive whose
  end records lie; zip in tar in zip; zip member names holding a NUL (the rest of the name
  after it: the patient's name), terminal escapes and line breaks; DICOM in explicit VR big
  endian holding the name in a sequence; File Meta group lengths of 0 and 0xFFFFFFFF; a FIFO
  and a socket beside the files;
* command lines (:func:`scenarios`): ``--scheduler`` at a port that refuses and at a server
  that accepts and never speaks; ``--workers`` of 10^20, '1e3', '0x10'; DICOMweb servers that
  answer garbage bytes, a header of 1 MB, 1,000 headers, nothing (slow), one byte a second
  (slower than any timeout per read); OUT inside SOURCE and SOURCE inside OUT (deid, publish);
  publish and deid on a file system that fills up midway; release.yaml with a title of 3 MB,
  a description of 100 KB, a keyword list of 100,000 entries, 999 keywords of 2,000
  characters, a version of 100 KB, a title that is a list, a contact
  that is a number, keywords that are a mapping.

Every file's header names the patient (``HOSTILE_NAME``, ``HOSTILE_MRN``), and so do archive
member names, so rejections and messages that quote too much are found.  ``python
tests/hostile11.py`` measures every scenario in a subprocess (``CURATOR_CODE``: the tree to
measure).
"""
from __future__ import annotations

import hashlib
import io
import os
import re
import shutil
import socket
import struct
import subprocess
import tarfile
import threading
import time
import warnings
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from hostile import HOSTILE_MRN, HOSTILE_NAME, _bytes, _ct
from hostile7 import _small

__all__ = ["HOSTILE_MRN", "HOSTILE_NAME", "cases", "prepare", "scenarios"]

DATE = (2020, 1, 1, 0, 0, 0)
INDEXED, REJECTED, ANY = "indexed", "rejected", None
TINY_MEMBERS = 100_000
WHO = f"{HOSTILE_NAME}_{HOSTILE_MRN}"
ESCAPES = f"\x1b[2J\x1b]0;{WHO}\x07\n  0 rejected\r"


# ---------------------------------------------------------------- tar

def _ustar_header(name: bytes, size: int, typeflag: bytes, *, magic: bytes = b"ustar\x0000",
                  extra: bytes = b"", size_field: bytes | None = None, linkname: bytes = b"") -> bytes:
    """A 512-byte tar header written by hand (``extra``: bytes 345..500, GNU's sparse fields)."""
    header = bytearray(512)
    header[0:len(name)] = name[:100]
    header[100:108] = b"0000644\0"
    header[108:116] = b"0000000\0"
    header[116:124] = b"0000000\0"
    header[124:136] = size_field if size_field is not None else f"{size:011o}\0".encode()
    header[136:148] = b"00000000001\0"
    header[156:157] = typeflag
    header[157:157 + len(linkname)] = linkname
    header[257:265] = magic
    header[345:345 + len(extra)] = extra
    header[148:156] = b" " * 8
    header[148:156] = f"{sum(header):06o}\0 ".encode()
    return bytes(header)


def _pad(data: bytes) -> bytes:
    return data + b"\0" * (-len(data) % 512)


def _gnu_sparse(data: bytes, holes_before: int) -> bytes:
    """A tar holding one old-GNU sparse member ('S'): ``holes_before`` zero bytes (not stored)
    then ``data``."""
    entry = f"{holes_before:011o}\0".encode() + f"{len(data):011o}\0".encode()
    extra = bytearray(512 - 345)
    # GNU header: atime 345, ctime 357, offset 369, longnames 381, unused 385, sparse 386, isextended 482, realsize 483
    extra[386 - 345:386 - 345 + 24] = entry
    extra[483 - 345:483 - 345 + 12] = f"{holes_before + len(data):011o}\0".encode()
    header = _ustar_header(b"sparse_gnu.dcm", len(data), b"S", magic=b"ustar  \0", extra=bytes(extra))
    return header + _pad(data) + b"\0" * 1024


def _pax_record(key: str, value: bytes) -> bytes:
    body = f" {key}=".encode() + value + b"\n"
    size = len(body) + 1
    while len(body) + len(str(size)) != size:
        size = len(body) + len(str(size))
    return str(size).encode() + body


def _pax_member(records: dict[str, bytes], name: bytes, data: bytes, typeflag: bytes = b"0",
                linkname: bytes = b"") -> bytes:
    pax = b"".join(_pax_record(k, v) for k, v in records.items())
    return (_ustar_header(b"PaxHeaders/x", len(pax), b"x") + _pad(pax)
            + _ustar_header(name, len(data), typeflag, linkname=linkname) + _pad(data))


def _tar_of(*members: bytes) -> bytes:
    return b"".join(members) + b"\0" * 1024


def _pax_sparse(data: bytes, realsize: int, offset: int) -> bytes:
    """A PAX sparse 1.0 member (GNU tar --sparse --format=pax): its map in the data, ``data``
    stored at ``offset`` of a file of ``realsize`` bytes."""
    sparse_map = _pad(f"1\n{offset}\n{len(data)}\n".encode())
    stored = sparse_map + data
    return _pax_member({"GNU.sparse.major": b"1", "GNU.sparse.minor": b"0",
                        "GNU.sparse.name": b"sparse_pax.dcm", "GNU.sparse.realsize": str(realsize).encode()},
                       b"GNUSparseFile.0/sparse_pax.dcm", stored)


def _tar_cases(n: int) -> dict[str, bytes]:
    one = lambda i: _bytes(_ct(n + i))  # noqa: E731
    out: dict[str, bytes] = {}
    out["sparse_gnu.tar"] = _tar_of(_gnu_sparse(one(0), 0)[:-1024])
    out["sparse_gnu_holes.tar"] = _tar_of(_gnu_sparse(one(1), 3 << 30)[:-1024])  # 3 GiB of holes before
    out["sparse_pax.tar"] = _tar_of(_pax_sparse(one(2), len(one(2)), 0))
    out["sparse_pax_holes.tar"] = _tar_of(_pax_sparse(one(3), 1 << 40, (1 << 40) - 4096))
    odd_paths = {
        "pax_nul": f"a\0{WHO}.dcm".encode(),
        "pax_escapes": f"esc{ESCAPES}.dcm".encode(),
        "pax_empty": b"",
        "pax_dot": b".",
        "pax_long": (f"{WHO}/" * 400).encode()[:10_000] + b".dcm",
        "pax_not_utf8": b"\xff\xfe" + HOSTILE_NAME.encode("utf-8") + b"\xc3.dcm",
        "pax_absolute": f"/{WHO}/x.dcm".encode(),
        "pax_dotdot": f"../../{WHO}.dcm".encode(),
    }
    for i, (name, path) in enumerate(odd_paths.items()):
        out[f"{name}.tar"] = _tar_of(_pax_member({"path": path}, b"placeholder.dcm", one(10 + i)),
                                     _pax_member({}, b"after.dcm", one(30 + i)))
    data = one(50)
    out["pax_size_lies.tar"] = _tar_of(_pax_member({"size": b"99999999999"}, b"lies.dcm", data),
                                       _pax_member({}, b"after.dcm", one(51)))
    long = f"../{WHO}/../../x.dcm".encode()
    out["gnu_longname_dotdot.tar"] = _tar_of(_ustar_header(b"././@LongLink", len(long) + 1, b"L", magic=b"ustar  \0")
                                             + _pad(long + b"\0") + _ustar_header(b"x.dcm", len(data), b"0") + _pad(data))
    out["hardlink_absolute.tar"] = _tar_of(_ustar_header(b"hard.dcm", 0, b"1", linkname=f"/{WHO}/etc/passwd".encode()),
                                           _ustar_header(b"ok.dcm", len(data), b"0") + _pad(data))
    out["symlink_folder_then_member.tar"] = _tar_of(
        _ustar_header(b"up", 0, b"2", linkname=b"../../.."), _ustar_header(b"up/etc.dcm", len(data), b"0") + _pad(data))
    out["base256_size.tar"] = _tar_of(_ustar_header(b"huge.dcm", 0, b"0", size_field=b"\x80" + b"\x7f" + b"\xff" * 10),
                                      _ustar_header(b"ok.dcm", len(data), b"0") + _pad(data))
    # a tar.gz whose deflate stream is corrupt in its middle (bytes flipped, not cut)
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tf:
        for i in range(3):
            body = one(60 + i) + os.urandom(0) + bytes(range(256)) * 64
            info = tarfile.TarInfo(f"{i}.dcm")
            info.size, info.mtime = len(body), 1
            tf.addfile(info, io.BytesIO(body))
    corrupt = bytearray(buffer.getvalue())
    middle = len(corrupt) // 2
    corrupt[middle:middle + 16] = bytes(b ^ 0x5A for b in corrupt[middle:middle + 16])
    out["deflate_corrupt.tar.gz"] = bytes(corrupt)
    return out


# ---------------------------------------------------------------- zip

def _zip(members: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED, force_zip64: bool = False) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as zf:
        for name, data in members.items():
            info = zipfile.ZipInfo(name, DATE)
            info.compress_type = method
            with zf.open(info, "w", force_zip64=force_zip64) as handle:
                handle.write(data)
    return buffer.getvalue()


def _renamed(data: bytes, old: bytes, new: bytes) -> bytes:
    assert len(old) == len(new) and data.count(old) == 2, (old, data.count(old))
    return data.replace(old, new)


def _tiny_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as zf:
        for i in range(TINY_MEMBERS):
            zf.writestr(zipfile.ZipInfo(f"t/{i:06d}.dcm", DATE), b"x")
    return buffer.getvalue()


def _zip64_end(data_one: bytes, data_two: bytes, lie: bool) -> bytes:
    """Two members with zip64 end records (written by hand: zipfile writes them only when
    needed); ``lie``: they say 70,000 entries in a central directory of 2^40 bytes."""
    data = _zip({"a.dcm": data_one, "b.dcm": data_two}, force_zip64=True)
    eocd = data.rfind(b"PK\x05\x06")
    count, cd_size, cd_offset = struct.unpack("<HII", data[eocd + 10:eocd + 20])
    if lie:
        count, cd_size = 70_000, 1 << 40
    record = struct.pack("<4sQHHIIQQQQ", b"PK\x06\x06", 44, 45, 45, 0, 0, count, count, cd_size, cd_offset)
    locator = struct.pack("<4sIQI", b"PK\x06\x07", 0, eocd, 1)
    end = struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, 0xFFFF, 0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0)
    return data[:eocd] + record + locator + end


def _zip_cases(n: int) -> dict[str, bytes]:
    one = lambda i: _bytes(_ct(n + i))  # noqa: E731
    out: dict[str, bytes] = {}
    out["tiny_members.zip"] = _tiny_zip()
    out["zip64_ok.zip"] = _zip({"a.dcm": one(0)}, force_zip64=True)
    out["zip64_end.zip"] = _zip64_end(one(1), one(2), lie=False)
    out["zip64_end_lying.zip"] = _zip64_end(one(8), one(9), lie=True)
    inner = _zip({"inner.dcm": one(3)})
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as tf:
        info = tarfile.TarInfo("inner.zip")
        info.size, info.mtime = len(inner), 1
        tf.addfile(info, io.BytesIO(inner))
    out["zip_in_tar_in_zip.zip"] = _zip({"middle.tar": buffer.getvalue(), "beside.dcm": one(4)})
    # member names: a NUL with the patient's name after it, escapes and line breaks
    nul = _zip({f"nulXZ{WHO}.dcm": one(5), "nulXZother.dcm": one(6)})
    out["nul_names.zip"] = _renamed(_renamed(nul, f"nulXZ{WHO}".encode(), f"nul\0Z{WHO}".encode()),
                                    b"nulXZother", b"nul\0Zother")
    out["escape_names.zip"] = _zip({f"esc{ESCAPES}.dcm": one(7), f"{WHO}\n\n.dcm": b"not dicom " * 3})
    return out


# ---------------------------------------------------------------- DICOM

def _dicom_cases(n: int) -> dict[str, bytes]:
    from pydicom.dataset import Dataset
    from pydicom.sequence import Sequence
    from pydicom.uid import ExplicitVRBigEndian

    out: dict[str, bytes] = {}
    ds = _ct(n)
    ref = Dataset()
    ref.PatientName, ref.PatientID = f"{HOSTILE_NAME}^Ref", HOSTILE_MRN
    ref.ReferencedSOPInstanceUID = ds.SOPInstanceUID + ".9"
    ds.ReferencedPatientSequence = Sequence([ref])
    ds.add_new(0x00291010, "LO", "HOSTILE")
    ds.add_new(0x00291011, "LO", WHO)
    out["big_endian_sequence.dcm"] = _bytes(ds, ExplicitVRBigEndian)
    for i, value in enumerate((0, 0xFFFFFFFF, 0x7FFFFFFF)):
        data = bytearray(_bytes(_ct(n + 1 + i)))
        data[140:144] = struct.pack("<I", value)
        out[f"meta_length_{value:x}.dcm"] = bytes(data)
    return out


def cases() -> dict[str, tuple[bytes | None, str | None, str | None]]:
    """Relative path -> (bytes (None: a special file made by :func:`write_cases`); the outcome
    the audit must give it: ``indexed``, ``rejected``, None: either, accounted for; the start of
    the reason, None: any).  Archives' members are in :data:`MEMBERS`."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out: dict[str, tuple[bytes | None, str | None, str | None]] = {
            "site_a/ok.dcm": (_bytes(_ct(2000)), INDEXED, None)}
        out.update({f"site_a/{k}": (v, INDEXED, None) for k, v in _dicom_cases(2010).items()})
        out.update({f"site_b/{k}": (v, ANY, None) for k, v in _tar_cases(2100).items()})
        out.update({f"site_c/{k}": (v, ANY, None) for k, v in _zip_cases(2200).items()})
        out["site_a/fifo.dcm"] = (None, REJECTED, "not a regular file")
        out["site_a/socket.dcm"] = (None, REJECTED, "not a regular file")
    return out


def archives() -> list[str]:
    return [name for name in cases() if name.endswith((".tar", ".zip", ".tar.gz"))]

# members whose own outcome is known (None: any, accounted for)
MEMBERS: dict[str, tuple[str | None, str | None]] = {
    "site_b/sparse_gnu.tar!/sparse_gnu.dcm": (INDEXED, None),
    "site_b/sparse_pax.tar!/sparse_pax.dcm": (INDEXED, None),
    "site_b/pax_absolute.tar!/after.dcm": (INDEXED, None),
    "site_b/pax_dotdot.tar!/after.dcm": (INDEXED, None),
    "site_b/pax_empty.tar!/after.dcm": (INDEXED, None),
    "site_b/pax_dot.tar!/after.dcm": (INDEXED, None),
    "site_b/pax_long.tar!/after.dcm": (INDEXED, None),
    "site_b/pax_nul.tar!/after.dcm": (INDEXED, None),
    "site_b/pax_escapes.tar!/after.dcm": (INDEXED, None),
    "site_b/pax_not_utf8.tar!/after.dcm": (INDEXED, None),
    "site_b/hardlink_absolute.tar!/ok.dcm": (INDEXED, None),
    "site_b/pax_empty.tar!/": (REJECTED, "archive member without a file name"),
    "site_b/pax_dot.tar!/.": (REJECTED, "archive member without a file name"),
    # the member after one whose size runs past the end cannot be found: the archive says so
    "site_b/base256_size.tar": (REJECTED, "broken tar archive (a member's size runs past the end of the archive)"),
    "site_b/pax_size_lies.tar": (REJECTED, "broken tar archive (a member's size runs past the end of the archive)"),
    "site_c/zip64_ok.zip!/a.dcm": (INDEXED, None),
    "site_c/zip64_end.zip!/a.dcm": (INDEXED, None),
    "site_c/zip64_end.zip!/b.dcm": (INDEXED, None),
    "site_c/zip_in_tar_in_zip.zip!/beside.dcm": (INDEXED, None),
    "site_c/zip_in_tar_in_zip.zip!/middle.tar": (REJECTED, "archive inside an archive"),
}


def write_cases(root: str | Path) -> list[str]:
    root = Path(root)
    made = []
    for name, (data, _, _) in cases().items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if data is not None:
            path.write_bytes(data)
        elif name.endswith("fifo.dcm"):
            os.mkfifo(path)
        else:
            sock = socket.socket(socket.AF_UNIX)
            sock.bind(str(path))
            sock.close()
        made.append(name)
    return sorted(made)


def fingerprint(folder: Path) -> dict[str, tuple[int, str]]:
    """Every regular file under ``folder``: (mtime in ns, SHA-256) -- a source must keep both."""
    found = {}
    for top, _, files, fd in os.fwalk(folder):
        for name in files:
            st = os.stat(name, dir_fd=fd, follow_symlinks=False)
            if (st.st_mode & 0o170000) != 0o100000:
                found[os.path.relpath(os.path.join(top, name), folder)] = (st.st_mtime_ns, "special")
                continue
            handle = os.open(name, os.O_RDONLY, dir_fd=fd)
            with os.fdopen(handle, "rb") as f:
                digest = hashlib.sha256(f.read()).hexdigest()
            found[os.path.relpath(os.path.join(top, name), folder)] = (st.st_mtime_ns, digest)
    return found


# ---------------------------------------------------------------- hostile servers

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class HostileServer:
    """A TCP server on a free port that answers each connection with ``behaviour``:
    ``garbage`` (bytes that are not HTTP), ``huge_header`` (a header line of 1 MB),
    ``many_headers`` (1,000 headers), ``silent`` (accepts, reads, never answers), ``drip``
    (a valid status line, then one body byte every 0.5 s for ever), ``bad_uid`` (a QIDO-RS
    answer whose study UID holds the patient's name and terminal escapes)."""

    def __init__(self, behaviour: str):
        self.behaviour = behaviour
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

    @property
    def address(self) -> str:
        return f"tcp://127.0.0.1:{self.port}"

    def _serve(self) -> None:
        while not self.stopped.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._answer, args=(conn,), daemon=True).start()

    def _answer(self, conn: socket.socket) -> None:
        try:
            conn.settimeout(1.0)
            try:
                conn.recv(65536)
            except OSError:
                pass
            if self.behaviour == "bad_uid":  # a QIDO-RS answer whose study UID holds a name and escapes
                body = ('[{"0020000D": {"vr": "UI", "Value": ["1.2.3.' + WHO + '\\u001b[2J"]}}]').encode()
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/dicom+json\r\nContent-Length: "
                             + str(len(body)).encode() + b"\r\nConnection: close\r\n\r\n" + body)
            elif self.behaviour == "garbage":
                conn.sendall(bytes(range(256)) * 64 + f"{WHO}\x1b[2J".encode())
            elif self.behaviour == "huge_header":
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/dicom+json\r\nX-Big: "
                             + WHO.encode() * ((1 << 20) // len(WHO)) + b"\r\n\r\n[]")
            elif self.behaviour == "many_headers":
                conn.sendall(b"HTTP/1.1 200 OK\r\n" + b"".join(f"X-H{i}: {i}\r\n".encode() for i in range(1000))
                             + b"Content-Type: application/dicom+json\r\nContent-Length: 2\r\n\r\n[]")
            elif self.behaviour == "drip":
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/dicom+json\r\nContent-Length: 100000\r\n\r\n[")
                while not self.stopped.is_set():
                    conn.sendall(b" ")
                    time.sleep(0.5)
            else:  # silent
                self.stopped.wait()
        except OSError:
            pass
        finally:
            conn.close()

    def close(self) -> None:
        self.stopped.set()
        self.sock.close()


# ---------------------------------------------------------------- file systems

FILL_SIZES = {"full_d": 12 * 1024, "full_p": 96 * 1024}  # tmpfs that fill up midway through deid, publish


def mount_small(folder: Path, size: int) -> bool:
    """A tmpfs of ``size`` bytes at ``folder``; False where mounting is not permitted."""
    folder.mkdir(parents=True, exist_ok=True)
    made = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)], capture_output=True)
    return made.returncode == 0


def unmount(folder: Path) -> None:
    subprocess.run(["umount", "-l", str(folder)], capture_output=True)


# ---------------------------------------------------------------- command lines

def release_edits() -> dict[str, Callable[[dict[str, Any]], object]]:
    """release.yaml variants: name -> the edit of the example's data."""
    return {
        "title_3mb": lambda d: d["title"].__setitem__("en", "T" * 3_000_000),
        "description_100kb": lambda d: d["description"].__setitem__("en", "D " * 50_000),
        "keywords_too_long": lambda d: d["keywords"].__setitem__("en", [f"{i} " + "K" * 2_000 for i in range(999)]),
        "version_100kb": lambda d: d.__setitem__("version", "1" * 100_000),
        "keywords_100k": lambda d: d["keywords"].__setitem__("en", [f"k{i}" for i in range(100_000)]),
        "keyword_1mb": lambda d: d["keywords"].__setitem__("en", ["K" * 1_000_000]),
        "publisher_name_1mb": lambda d: d["publisher"]["name"].__setitem__("en", "P" * 1_000_000),
        "title_list": lambda d: d["title"].__setitem__("en", ["a", "b"]),
        "email_number": lambda d: d["publisher"].__setitem__("email", 12345),
        "keywords_mapping": lambda d: d.__setitem__("keywords", {"en": {"a": 1}}),
        "retention_start_text": lambda d: d["retention_period"].__setitem__("start", "x" * 10_000),
    }


def prepare(root: Path) -> list[str]:
    """``root``: source/ (:func:`write_cases`), small/ (7 patients at two sites), key, YAML
    files, the folders of the OUT/SOURCE scenarios, small/ full/ (a tmpfs, where permitted)."""
    written = write_cases(root / "source")
    _small(root / "small")
    examples = Path(__file__).resolve().parent.parent / "examples"
    (root / "key").write_text(f"curator-key-v1:{'ab' * 32}\n")
    os.chmod(root / "key", 0o600)
    config = (examples / "release.yaml").read_text()
    (root / "release.yaml").write_text(config)
    for name, edit in release_edits().items():
        data = yaml.safe_load(config)
        edit(data)
        (root / f"{name}.yaml").write_text(yaml.safe_dump(data, allow_unicode=True, width=1 << 30))
    (root / "src_in_out").mkdir()
    shutil.copytree(root / "small", root / "src_in_out" / "src")
    shutil.copytree(root / "small", root / "out_in_src")
    (root / "cwd").mkdir()
    for name, size in FILL_SIZES.items():
        mount_small(root / name, size)
    return written


Scenario = tuple[str, list[str], dict[str, str | None], "int | set[int]", str | None]

# hostile servers every scenario names (started by :func:`start_servers`)
BEHAVIOURS = ("garbage", "huge_header", "many_headers", "silent", "drip", "bad_uid")


def start_servers() -> dict[str, HostileServer]:
    return {b: HostileServer(b) for b in BEHAVIOURS}


def scenarios(root: str | Path, servers: dict[str, HostileServer] | None = None) -> list[Scenario]:
    """(name, argv, environment changes, the exit status it must give (a set: any of them), a
    regular expression its last stderr line must match from its start, or None) over ``root``
    prepared by :func:`prepare`, with ``servers`` (:func:`start_servers`); run with
    ``root/cwd`` as the working folder."""
    r = Path(root)
    small, key, cfg = str(r / "small"), str(r / "key"), str(r / "release.yaml")
    url = lambda b: servers[b].url if servers else f"http://127.0.0.1:9/{b}"  # noqa: E731
    address = lambda b: servers[b].address if servers else f"tcp://127.0.0.1:9/{b}"  # noqa: E731
    refused = f"tcp://127.0.0.1:{free_port()}"
    one = ["-w", "1"]
    quick = {"CURATOR_DICOMWEB_TIMEOUT": "2", "CURATOR_DICOMWEB_RETRIES": "0"}
    slow = {**quick, "CURATOR_DICOMWEB_DEADLINE": "5"}
    pub = lambda out, *more: ["publish", small, str(r / out), "--key", key, "--config", cfg, *more]  # noqa: E731
    deid = lambda out, *more: ["deid", small, str(r / out), "--key", key, *more]  # noqa: E731
    out: list[Scenario] = [
        # Dask schedulers that refuse, never speak, speak garbage
        ("scan --scheduler refused", ["scan", small, "--scheduler", refused], {}, 2,
         "error: cannot reach the Dask scheduler"),
        ("audit --scheduler refused", ["audit", small, "--scheduler", refused], {}, 2,
         "error: cannot reach the Dask scheduler"),
        ("deid --scheduler refused", deid("o1", "--scheduler", refused), {}, 2, "error: cannot reach the Dask scheduler"),
        ("publish --scheduler refused", pub("p1", "--scheduler", refused), {}, 2,
         "error: cannot reach the Dask scheduler"),
        ("scan --scheduler silent", ["scan", small, "--scheduler", address("silent")], {}, 2,
         "error: cannot reach the Dask scheduler"),
        ("scan --scheduler garbage", ["scan", small, "--scheduler", address("garbage")], {}, 2,
         "error: cannot reach the Dask scheduler"),
        ("scan CURATOR_SCHEDULER refused", ["scan", small], {"CURATOR_SCHEDULER": refused}, 2,
         "error: cannot reach the Dask scheduler"),
        # --workers beyond what a machine word holds, in notations int() refuses
        ("scan --workers 10^20", ["scan", small, "-w", "1" + "0" * 20], {}, 2, "error: "),
        ("deid --workers 1e3", deid("o2", "-w", "1e3"), {}, 2, "error: "),
        ("publish --workers 0x10", pub("p2", "-w", "0x10"), {}, 2, "error: "),
        # DICOMweb servers that are hostile
        ("scan DICOMweb garbage", ["scan", url("garbage"), *one], quick, 2,
         "error: the DICOMweb server .* gave no valid HTTP answer .*not HTTP"),
        ("scan DICOMweb a header of 1 MB", ["scan", url("huge_header"), *one], quick, 2, "error: .*header line longer"),
        ("scan DICOMweb 1,000 headers", ["scan", url("many_headers"), *one], quick, 2, "error: .*more than 100 headers"),
        ("scan DICOMweb silent", ["scan", url("silent"), *one], quick, 2, "error: the DICOMweb server .* did not answer"),
        ("scan DICOMweb one byte a second", ["scan", url("drip"), *one], slow, 2,
         "error: the DICOMweb server .* did not finish answering within 5 s"),
        ("audit DICOMweb garbage", ["audit", url("garbage"), *one], quick, 2, "error: "),
        ("scan DICOMweb a study UID holding a name and escapes", ["scan", url("bad_uid"), *one], quick, 2,
         "error: the DICOMweb server .* not valid DICOMweb while .*a UID that is not one"),
        ("deid DICOMweb one byte a second", ["deid", url("drip"), str(r / "o3"), "--key", key, *one], slow, 2,
         "error: the DICOMweb server .* did not finish answering within 5 s"),
        ("publish DICOMweb garbage", ["publish", url("garbage"), str(r / "p3"), "--key", key, "--config", cfg, *one],
         quick, 2, "error: "),
        ("deid --to DICOMweb silent", deid("o4", "--to", url("silent"), *one), quick, 2,
         "error: .*the DICOMweb server .* did not answer"),
        # OUT inside SOURCE, SOURCE inside OUT
        ("deid OUT inside SOURCE", ["deid", str(r / "out_in_src"), str(r / "out_in_src" / "o"), "--key", key, *one], {},
         2, "error: "),
        ("publish OUT inside SOURCE", ["publish", str(r / "out_in_src"), str(r / "out_in_src" / "p"), "--key", key,
                                      "--config", cfg, *one], {}, 2, "error: "),
        ("deid SOURCE inside OUT", ["deid", str(r / "src_in_out" / "src"), str(r / "src_in_out"), "--key", key, *one],
         {}, 2, "error: "),
        ("deid --force SOURCE inside OUT", ["deid", str(r / "src_in_out" / "src"), str(r / "src_in_out"), "--key", key,
                                            "--force", *one], {}, 2, "error: "),
        ("publish SOURCE inside OUT", ["publish", str(r / "src_in_out" / "src"), str(r / "src_in_out"), "--key", key,
                                       "--config", cfg, *one], {}, 2, "error: "),
    ]
    # release.yaml of absurd lengths and wrong types: refused, the field named
    fields = {"title_3mb": "title", "description_100kb": "description", "keywords_too_long": "keywords", "version_100kb": "version",
              "keywords_100k": "keywords", "keyword_1mb": "keywords", "publisher_name_1mb": r"publisher\.name\.en: String should have at most 1000",
              "title_list": "title", "email_number": "publisher", "keywords_mapping": "keywords",
              "retention_start_text": "retention_period"}
    for name, field in fields.items():
        out.append((f"publish release.yaml {name}", ["publish", small, str(r / f"p_{name}"), "--key", key, "--config",
                                                     str(r / f"{name}.yaml"), *one], {}, 2, f"error: {name}.yaml: {field}"))
    if os.path.ismount(r / "full_d"):
        out.append(("deid on a file system that fills up", deid(str(r / "full_d" / "o"), *one), {}, {2, 3},
                    "error: .*(no space left|cannot write)"))
    if os.path.ismount(r / "full_p"):
        out.append(("publish on a file system that fills up", pub(str(r / "full_p" / "p"), *one), {}, {2, 3},
                    "error: .*(no space left|cannot write)"))
    return out


CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\x9b]")


def leaks(text: str) -> bool:
    return HOSTILE_NAME in text or HOSTILE_MRN in text


def problems_of(name: str, root: Path, code: int, out: str, err: str, expected: int | set[int],
                message: str | None) -> list[str]:
    """What is wrong with one scenario's run."""
    found = []
    lines = err.strip().splitlines()
    allowed = expected if isinstance(expected, set) else {expected}
    if code not in allowed:
        found.append(f"exit {code} (want {sorted(allowed)})")
    if "Traceback" in out + err or "internal error" in out + err:
        found.append("traceback or internal error")
    if leaks(out + err):
        found.append("identifier")
    if CONTROL.search(err):
        found.append("a raw control character on the terminal")
    if code == 2 and len([line for line in lines if line.startswith("error:")]) != 1:
        found.append("not one error line")
    if message and not (lines and re.match(message, lines[-1])):
        found.append(f"message not '{message}…'")
    if any((root / "cwd").iterdir()):
        found.append("wrote into the working folder")
    if "fills up" in name:
        found += partial_marked_complete(root / ("full_d" if name.startswith("deid") else "full_p"))
    return found


def partial_marked_complete(folder: Path) -> list[str]:
    """A run that failed for want of space left nothing that says it is complete: no publish OUT
    (publish builds in a staging folder renamed at the end), no deid report counting every item
    written."""
    import json

    found = []
    if (folder / "p").exists():
        found.append("publish left its OUT (a partial release under the final name)")
    report = folder / "o" / "deid-report.json"
    if report.exists():
        try:
            counts = json.loads(report.read_text())["counts"]
            if counts.get("written", 0) + counts.get("quarantined", 0) + counts.get("rejected", 0) == counts.get("items"):
                found.append("deid's report says every item was done")
        except (ValueError, KeyError, OSError):
            pass
    return found


def file_outcomes_wrong(index: Path) -> list[str]:
    """The file cases whose outcome in an audit's index (full paths) is not :func:`cases`'s."""
    import pyarrow.parquet as pq

    rows = pq.read_table(index, columns=["path", "status", "reason"]).to_pylist()
    got: dict[str, list[tuple[str, str]]] = {}
    for row in rows:
        got.setdefault(row["path"], []).append((row["status"], row["reason"] or ""))
    wrong = []
    all_archives = archives()
    expected = {**{name: (o, r) for name, (_, o, r) in cases().items() if name not in all_archives}, **MEMBERS}
    for name, (outcome, reason) in sorted(expected.items()):
        if name not in got:
            wrong.append(f"{name[:80]!a}: not accounted for")
            continue
        for status, why in got[name]:
            if (outcome and status != outcome) or (reason and not why.startswith(reason)):
                wrong.append(f"{name[:80]!a}: {status} ({why}); want {outcome}{f' ({reason}...)' if reason else ''}")
    for path, outcomes in got.items():
        if any(leaks(why) for _, why in outcomes):
            wrong.append(f"{path[:80]!a}: the reason names the patient")
    for archive in all_archives:
        if not any(path == archive or path.startswith(archive + "!/") for path in got):
            wrong.append(f"{archive}: not accounted for")
    tiny = [row for row in rows if row["path"].startswith("site_c/tiny_members.zip!/")]  # digits masked: one path
    if len(tiny) != TINY_MEMBERS:
        wrong.append(f"site_c/tiny_members.zip: {len(tiny)} rows for its {TINY_MEMBERS} members")
    return wrong


def output_leaks(folder: Path) -> list[str]:
    """Files under ``folder`` whose bytes hold the patient's name, its first or last letters,
    or number; and file names that do."""
    name = HOSTILE_NAME.encode("utf-8")
    needles = [name, HOSTILE_MRN.encode(), name[:6], name[-10:]]
    found = []
    for top, _, files, fd in os.fwalk(folder):
        for entry in files:
            path = os.path.relpath(os.path.join(top, entry), folder)
            if leaks(path):
                found.append(f"a file name: {path!a}")
            handle = os.open(entry, os.O_RDONLY, dir_fd=fd)
            with os.fdopen(handle, "rb") as f:
                data = f.read()
            if any(n in data for n in needles):
                found.append(path)
    return found


def accounting_wrong(report: Path, index: Path) -> list[str]:
    """deid's report does not account for every row of the audit's index."""
    import json

    import pyarrow.parquet as pq

    counts = json.loads(report.read_text())["counts"]
    rows = pq.read_table(index, columns=["path"]).num_rows
    done = counts["written"] + counts["quarantined"] + counts["rejected"]
    return [] if counts["items"] == rows == done else [f"deid accounts for {done} of {counts['items']} items, "
                                                       f"the audit for {rows}"]


CODE = "import sys; from curator.cli import main; sys.argv[0] = 'curator'; main(sys.argv[1:])"


def run_curator(argv: list[str], env: dict[str, str], cwd: Path, timeout: float) -> tuple[int | None, str, str]:
    """``curator argv`` in a subprocess (None: killed after ``timeout`` seconds)."""
    import sys

    try:
        done = subprocess.run([sys.executable, "-c", CODE, *argv], capture_output=True, env=env, cwd=cwd,
                              timeout=timeout)
    except subprocess.TimeoutExpired as exc:
        return None, (exc.stdout or b"").decode("utf-8", "replace"), (exc.stderr or b"").decode("utf-8", "replace")
    return done.returncode, done.stdout.decode("utf-8", "replace"), done.stderr.decode("utf-8", "replace")


def source_runs(root: Path) -> list[list[str]]:
    """The audit, deid and publish of the hostile source."""
    key = str(root / "key")
    return [["audit", str(root / "source"), "--full-paths", "-w", "2", "-f", "json", "-o", str(root / "h.json"),
             "--index", str(root / "h.parquet")],
            ["scan", str(root / "source"), "-w", "2", "--index", str(root / "s.parquet")],
            ["deid", str(root / "source"), str(root / "hd"), "--key", key, "-w", "2"],
            ["publish", str(root / "source"), str(root / "hp"), "--key", key, "--config", str(root / "release.yaml"),
             "--release-date", "2026-01-01", "--k", "1", "-w", "2"]]


if __name__ == "__main__":  # measure: every scenario in a subprocess
    import json
    import sys
    import tempfile

    here = Path(__file__).resolve().parent
    env0 = {**os.environ, "PYTHONPATH": os.environ.get("CURATOR_CODE", str(here.parent))}
    only = sys.argv[1:]
    servers = start_servers()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        prepare(root)
        env0["CURATOR_CACHE"] = str(root / "cache")
        small_before = fingerprint(root / "small")
        before = fingerprint(root / "source")
        todo = scenarios(root, servers)
        bad = 0
        for name, argv, env_changes, expected, message in todo:
            if only and not any(word in name for word in only):
                continue
            env = {**env0, **{k: v for k, v in env_changes.items() if v is not None}}
            started = time.monotonic()
            code, out_, err_ = run_curator(argv, env, root / "cwd", 120)
            if code is None:
                bad += 1
                print(f"BAD {name}: hangs (killed after 120 s)", flush=True)
                continue
            found = problems_of(name, root, code, out_, err_, expected, message)
            if fingerprint(root / "small") != small_before:
                found.append("SOURCE changed")
                small_before = fingerprint(root / "small")
            for leftover in (root / "cwd").iterdir():
                shutil.rmtree(leftover) if leftover.is_dir() else leftover.unlink()
            bad += bool(found)
            last = err_.strip().splitlines()[-1] if err_.strip() else ""
            print(f"{'BAD' if found else 'ok '} {name}: {'; '.join(found)} | exit {code} "
                  f"{time.monotonic() - started:.1f}s | {last[:160]!a}", flush=True)
        print(f"{bad} of {len(todo)} command scenarios wrong")
        for name in FILL_SIZES:
            if os.path.ismount(root / name):
                unmount(root / name)
        if only:
            sys.exit()
        wrong = []
        for argv in source_runs(root):
            started = time.monotonic()
            code, out_, err_ = run_curator(argv, env0, root / "cwd", 900)
            print(f"{argv[0]} hostile source: exit {code} in {time.monotonic() - started:.1f}s | "
                  f"{err_.strip().splitlines()[-1:]!a}", flush=True)
            if code != 0 or "Traceback" in err_ or leaks(out_ + err_) or CONTROL.search(err_):
                wrong.append(f"{argv[0]}: exit {code}, traceback, identifier or control character: {err_[-600:]!a}")
        wrong += file_outcomes_wrong(root / "h.parquet") if (root / "h.parquet").exists() else ["no index"]
        try:
            json.loads((root / "h.json").read_text())
        except (OSError, ValueError) as exc:
            wrong.append(f"audit JSON not readable: {exc}")
        if fingerprint(root / "source") != before:
            wrong.append("a source file changed (mtime or bytes)")
        for folder in ("hd", "hp"):
            if (root / folder).exists():
                wrong += [f"{folder} holds an identifier: {p}" for p in output_leaks(root / folder)]
        if (root / "hd").exists():
            wrong += accounting_wrong(root / "hd" / "deid-report.json", root / "h.parquet")
        for line in wrong:
            print("BAD", line)
        print(f"{len(wrong)} file cases wrong of {len(cases()) + len(MEMBERS)}")
    for server in servers.values():
        server.close()
