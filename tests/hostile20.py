"""Hostile inputs, round 20 (plain pydicom, the standard library and the codecs of the test
environment, no curator import): what rounds 1 to 13 did not try.

* files (:func:`source_files`): a deflated file whose zlib stream is corrupt from its first
  byte and one cut short; Explicit VR Big Endian with odd value lengths; JPEG-LS, JPEG 2000 and
  HTJ2K codestreams cut in the middle of a two-frame image; encapsulated frames split over
  several fragments without a Basic Offset Table; Number of Frames '0', 'abc' and larger than
  the data; Rows x Columns x samples x bits past 2^32; BitsAllocated 1 (odd size) and 32; Float
  and Double Float Pixel Data; a sequence of undefined length never closed; a value length of
  0xFFFFFFFE; the same tag twice; a DICOMDIR; a file of the preamble only (128 and 132 bytes);
  files and a folder named after the patient (``SMITH^JOHN_MRN123``), an empty file, a file no
  one may read (mode 000), a FIFO, a symbolic link loop;
* archives: zip members named after the patient, '../' and absolute; a zip in a zip; a
  truncated .tar.gz; 7z and rar archives named .zip;
* option values (:func:`option_runs`): an OUT equal to ``--quarantine``, a quarantine inside
  SOURCE or OUT, output paths under a file.

Every header names the patient (``HOSTILE_NAME``, ``HOSTILE_MRN``); file names name
``SMITH^JOHN`` / ``MRN123``, never in any header.  ``python tests/hostile20.py`` runs every
command over the source and prints each problem (``CURATOR_CODE``: the tree to measure).
"""
from __future__ import annotations

import gzip
import io
import json
import os
import struct
import sys
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from hostile import HOSTILE_MRN, HOSTILE_NAME, _bytes, _ct  # noqa: E402
from hostile12 import _encapsulated, _image, _jpeg, _jpegls, output_leaks, problems_of, run_curator  # noqa: E402

__all__ = ["FILE_NAME", "HOSTILE_MRN", "HOSTILE_NAME", "source_files"]

FILE_NAME = "SMITH^JOHN_MRN123"  # only in file and folder names
NAME_NEEDLES = ("SMITH", "JOHN", "MRN123")
HTJ2K_LOSSLESS = "1.2.840.10008.1.2.4.201"
ITEM_PATIENT = "Gómez Núñez^Begoña"  # the patient of :func:`own_charset_item`


def _be_element(group: int, elem: int, vr: bytes, value: bytes) -> bytes:
    if vr in (b"OB", b"OW", b"SQ", b"UN", b"UT", b"UC"):
        return struct.pack(">HH2sHI", group, elem, vr, 0, len(value)) + value
    return struct.pack(">HH2sH", group, elem, vr, len(value)) + value


def _big_endian_odd(n: int) -> bytes:
    """Explicit VR Big Endian (retired), written by hand: text values of odd length (no pad)."""
    from pydicom.uid import ExplicitVRBigEndian

    ds = _ct(n)
    head = _bytes(ds)
    meta_end = 144 + struct.unpack("<I", head[140:144])[0]
    from hostile import _with_syntax

    meta = _with_syntax(head[:meta_end] + b"", ExplicitVRBigEndian)
    body = b"".join([
        _be_element(0x0008, 0x0016, b"UI", ds.SOPClassUID.encode() + b"\0" * (len(ds.SOPClassUID) % 2)),
        _be_element(0x0008, 0x0018, b"UI", ds.SOPInstanceUID.encode()),  # odd length, no pad
        _be_element(0x0008, 0x0060, b"CS", b"CT"),
        _be_element(0x0010, 0x0010, b"PN", f"{HOSTILE_NAME}^Jan".encode("latin-1", "replace")),
        _be_element(0x0010, 0x0020, b"LO", HOSTILE_MRN.encode() + b"7"),  # 9 bytes
        _be_element(0x0020, 0x000D, b"UI", ds.StudyInstanceUID.encode()),
        _be_element(0x0020, 0x000E, b"UI", ds.SeriesInstanceUID.encode() + b"\0"),
        _be_element(0x0020, 0x4000, b"LT", f"patient {HOSTILE_MRN} odd".encode()),
        _be_element(0x0028, 0x0002, b"US", struct.pack(">H", 1)),
        _be_element(0x0028, 0x0004, b"CS", b"MONOCHROME2 "),
        _be_element(0x0028, 0x0010, b"US", struct.pack(">H", 8)),
        _be_element(0x0028, 0x0011, b"US", struct.pack(">H", 8)),
        _be_element(0x0028, 0x0100, b"US", struct.pack(">H", 16)),
        _be_element(0x0028, 0x0101, b"US", struct.pack(">H", 12)),
        _be_element(0x0028, 0x0102, b"US", struct.pack(">H", 11)),
        _be_element(0x0028, 0x0103, b"US", struct.pack(">H", 0)),
        _be_element(0x7FE0, 0x0010, b"OW", (np.arange(64, dtype=">u2") * 7).tobytes()),
    ])
    return meta + body


def _insert(data: bytes, element: bytes, before: bytes = b"\x10\x00\x10\x00") -> bytes:
    at = data.index(before, 132 + 12)
    return data[:at] + element + data[at:]


def _deflated_cases(n: int) -> dict[str, bytes]:
    from pydicom.uid import DeflatedExplicitVRLittleEndian

    data = _bytes(_ct(n), DeflatedExplicitVRLittleEndian)
    meta_end = 144 + struct.unpack("<I", data[140:144])[0]
    return {"deflated_corrupt_start.dcm": data[:meta_end] + b"\xff\xfe\xfd\xfc" + data[meta_end + 4:],
            "deflated_cut.dcm": data[:meta_end + (len(data) - meta_end) // 3]}


def _cut_codestreams(n: int) -> dict[str, bytes]:
    from pydicom.uid import JPEG2000Lossless, JPEGLSLossless

    rng = np.random.default_rng(20)
    gray = rng.integers(0, 255, (32, 32), dtype=np.uint8)
    j2k, jls = _jpeg(gray, "JPEG2000"), _jpegls(gray)
    out = {}
    for i, (name, syntax, stream) in enumerate((("jpegls", JPEGLSLossless, jls), ("j2k", JPEG2000Lossless, j2k),
                                                ("htj2k", HTJ2K_LOSSLESS, j2k))):
        ds = _image(n + i, 32, 32, 2, 8)
        out[f"{name}_cut_second_frame.dcm"] = _encapsulated(ds, syntax, [stream, stream[: len(stream) * 2 // 3]])
    return out


def _fragmented(n: int) -> bytes:
    """Two JPEG frames, each split over three fragments, no Basic Offset Table."""
    from pydicom.uid import JPEGBaseline8Bit

    gray = (np.arange(32 * 32, dtype=np.uint32) % 200).astype(np.uint8).reshape(32, 32)
    stream = _jpeg(gray, "JPEG")
    third = len(stream) // 3
    parts = [stream[:third], stream[third:2 * third], stream[2 * third:]]
    ds = _image(n, 32, 32, 2, 8)
    return _encapsulated(ds, JPEGBaseline8Bit, parts + parts)


def _pixel_cases(n: int) -> dict[str, bytes]:
    out: dict[str, bytes] = {}
    out.update(_cut_codestreams(n))
    out["fragments_more_than_frames_no_bot.dcm"] = _fragmented(n + 3)
    for i, (name, frames) in enumerate((("frames_zero", "0"), ("frames_abc", "abc"), ("frames_more_than_data", "5"))):
        ds = _image(n + 4 + i, 16, 16, 1, 8)
        ds.PixelData = bytes(range(256))
        value = frames.encode() + b" " * (len(frames) % 2)
        out[f"{name}.dcm"] = _insert(_bytes(ds), struct.pack("<HH2sH", 0x0028, 0x0008, b"IS", len(value)) + value,
                                     before=b"\x28\x00\x10\x00")
    ds = _image(n + 7, 65535, 65535, 1, 32, samples=3, photometric="RGB")
    ds.BitsStored, ds.HighBit = 32, 31
    ds.PixelData = bytes(96)
    out["rows_columns_overflow.dcm"] = _bytes(ds)
    ds = _image(n + 8, 7, 7, 1, 1)
    ds.BitsStored, ds.HighBit = 1, 0
    ds.PixelData = bytes(8)  # 49 bits in 7 bytes, padded to 8
    out["bits1_odd_size.dcm"] = _bytes(ds)
    ds = _image(n + 9, 16, 16, 1, 32)
    ds.BitsStored, ds.HighBit = 32, 31
    ds.PixelData = (np.arange(256, dtype="<u4") * 1000).tobytes()
    out["bits32.dcm"] = _bytes(ds)
    for i, (name, tag, vr, dtype) in enumerate((("float", 0x7FE00008, "OF", "<f4"), ("double_float", 0x7FE00009, "OD", "<f8"))):
        ds = _image(n + 10 + i, 16, 16, 1, 32 if vr == "OF" else 64)
        ds.SOPClassUID = "1.2.840.10008.5.1.4.1.1.30"  # Parametric Map
        del ds.PixelData
        del ds.BitsStored, ds.HighBit, ds.PixelRepresentation
        ds.add_new(tag, vr, np.linspace(0, 1, 256, dtype=dtype).tobytes())
        out[f"{name}_pixel_data.dcm"] = _bytes(ds)
    return out


def _structure_cases(n: int) -> dict[str, bytes]:
    out: dict[str, bytes] = {}
    out.update(_deflated_cases(n))
    out["big_endian_odd_lengths.dcm"] = _big_endian_odd(n + 1)
    name = (HOSTILE_NAME + "^Ewa").encode()
    name += b" " * (len(name) % 2)
    item = struct.pack("<HHI", 0xFFFE, 0xE000, 0xFFFFFFFF) + struct.pack("<HH2sH", 0x0010, 0x0010, b"PN", len(name)) \
        + name + struct.pack("<HHI", 0xFFFE, 0xE00D, 0)
    data = _bytes(_ct(n + 2))
    pixel_at = data.index(b"\xe0\x7f\x10\x00")
    out["sq_never_closed.dcm"] = data[:pixel_at] + struct.pack("<HH2sHI", 0x0040, 0xA730, b"SQ", 0, 0xFFFFFFFF) + item * 3
    out["length_4gib.dcm"] = _insert(_bytes(_ct(n + 3)), struct.pack("<HH2sHI", 0x0009, 0x1010, b"OB", 0, 0xFFFFFFFE) + b"x" * 64,
                                     before=b"\x10\x00\x10\x00")
    data = _bytes(_ct(n + 4))
    at = data.index(b"\x10\x00\x10\x00")
    length = struct.unpack("<H", data[at + 6:at + 8])[0]
    out["duplicate_tags.dcm"] = data[:at + 8 + length] + data[at:at + 8 + length] + data[at + 8 + length:]
    out["DICOMDIR"] = _dicomdir(n + 5)
    out["preamble_only.dcm"] = b"\0" * 128
    out["preamble_and_prefix.dcm"] = b"\0" * 128 + b"DICM"
    return out


def _dicomdir(n: int) -> bytes:
    import tempfile

    from pydicom.fileset import FileSet

    with tempfile.TemporaryDirectory() as tmp:
        ds = _ct(n)
        ds.StudyTime, ds.StudyID = "120000", HOSTILE_MRN
        path = Path(tmp) / "in.dcm"
        path.write_bytes(_bytes(ds))
        from pydicom import dcmread

        fs = FileSet()
        fs.add(dcmread(path))
        fs.write(Path(tmp) / "out")
        return (Path(tmp) / "out" / "DICOMDIR").read_bytes()


def own_charset_item(n: int, top: str, item: str, text: str, encoding: str) -> bytes:
    """A CT declaring ``top`` whose Anatomic Region Sequence item declares ``item`` and holds
    ``text`` encoded in ``encoding`` as its Code Meaning (written as bytes: pydicom would
    re-encode it)."""
    from pydicom.dataset import Dataset

    ds = _ct(n)
    ds.SpecificCharacterSet, ds.StudyDescription = top, "TC TORAX"
    ds.PatientName = ITEM_PATIENT
    code = Dataset()
    code.SpecificCharacterSet, code.CodeValue, code.CodingSchemeDesignator = item, "T-D3000", "SRT"
    raw = text.encode(encoding)
    code.CodeMeaning = "X" * len(raw)
    ds.AnatomicRegionSequence = [code]
    return _bytes(ds).replace(b"X" * len(raw), raw)


def _zip(members: list[tuple[str, bytes]]) -> bytes:
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members:
            zf.writestr(zipfile.ZipInfo(name, (2020, 1, 1, 0, 0, 0)), data)
    return buffer.getvalue()


def _tar_gz(members: list[tuple[str, bytes]]) -> bytes:
    import tarfile

    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tf:
        for name, data in members:
            info = tarfile.TarInfo(name)
            info.size, info.mtime = len(data), 1
            tf.addfile(info, io.BytesIO(data))
    return gzip.compress(buffer.getvalue(), mtime=0)


def _archives(n: int) -> dict[str, bytes]:
    one = _bytes(_ct(n))
    tgz = _tar_gz([(f"a{i}_{FILE_NAME}.dcm", _bytes(_ct(n + 1 + i))) for i in range(4)])
    return {
        "names.zip": _zip([(f"{FILE_NAME}/{FILE_NAME}.dcm", _bytes(_ct(n + 10))), (f"../{FILE_NAME}.dcm", _bytes(_ct(n + 11))),
                           (f"/abs/{FILE_NAME}.dcm", _bytes(_ct(n + 12)))]),
        "zip_in_zip.zip": _zip([(f"inner_{FILE_NAME}.zip", _zip([("deep.dcm", one)])), ("top.dcm", _bytes(_ct(n + 13)))]),
        "truncated.tar.gz": tgz[: len(tgz) * 2 // 3],
        "sevenz_renamed.zip": b"7z\xbc\xaf\x27\x1c\x00\x04" + one[:200],
        "rar_renamed.zip": b"Rar!\x1a\x07\x01\x00" + one[:200],
    }


def source_files() -> dict[str, bytes | str]:
    """Relative path -> bytes, or a kind: 'fifo', 'loop', 'unreadable' (valid DICOM, mode 000)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out: dict[str, bytes | str] = {"ok/ok.dcm": _bytes(_ct(2000))}
        out.update({f"pixels/{k}": v for k, v in _pixel_cases(2010).items()})
        out.update({f"structure/{k}": v for k, v in _structure_cases(2100).items()})
        out.update({f"archives/{k}": v for k, v in _archives(2200).items()})
        out.update({
            f"names/{FILE_NAME}.dcm": _bytes(_ct(2300)),
            f"names/{FILE_NAME}_broken.dcm": b"DICM " + FILE_NAME.encode(),
            f"names/{FILE_NAME}_empty.dcm": b"",
            f"names/{FILE_NAME}.dcm.d/{FILE_NAME}.dcm": _bytes(_ct(2301)),
            f"names/{FILE_NAME}_dir.dcm/inside.dcm": _bytes(_ct(2302)),
            f"special/{FILE_NAME}_unreadable.dcm": "unreadable",
            f"special/{FILE_NAME}_fifo.dcm": "fifo",
            f"special/{FILE_NAME}_loop.dcm": "loop",
        })
    return out


def write_source(root: Path) -> Path:
    source = root / "source"
    for relpath, content in source_files().items():
        path = source / relpath
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        elif content == "unreadable":
            path.write_bytes(_bytes(_ct(2400)))
            os.chmod(path, 0)
        elif content == "fifo":
            os.mkfifo(path)
        else:
            os.symlink(path.name, path)
    return source


def prepare_options(root: Path) -> None:
    """What :func:`option_runs` needs: the key, a small source, a file in the way."""
    (root / "source" / "ok").mkdir(parents=True, exist_ok=True)
    (root / "source" / "ok" / "ok.dcm").write_bytes(_bytes(_ct(2000)))
    (root / "key").write_text(f"curator-key-v1:{'cd' * 32}\n")
    os.chmod(root / "key", 0o600)
    (root / "a_file").write_text("not a folder\n")
    (root / "cwd").mkdir(exist_ok=True)


def prepare(root: Path) -> None:
    write_source(root)
    (root / "key").write_text(f"curator-key-v1:{'cd' * 32}\n")
    os.chmod(root / "key", 0o600)
    (root / "release.yaml").write_text((Path(__file__).resolve().parent.parent / "examples" / "release.yaml").read_text())
    (root / "cwd").mkdir(exist_ok=True)
    (root / "a_file").write_text("not a folder\n")
    (root / "descriptions.csv").write_bytes(f"description,modality\nCT THORAX {FILE_NAME},CT\n\x00\xff\xfe,MR\n".encode("latin-1"))


def env_of(root: Path, code: str) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": code, "CURATOR_CACHE": str(root / "cache")}


def source_runs(root: Path) -> list[tuple[str, list[str], int]]:
    """(name, argv, expected exit status) of every command over the source, in order (validate
    reads what publish wrote)."""
    src, key, cfg = str(root / "source"), str(root / "key"), str(root / "release.yaml")
    runs: list[tuple[str, list[str], int]] = [
        ("audit json", ["audit", src, "-w", "2", "-f", "json", "-o", str(root / "a.json"), "--index", str(root / "a.parquet")], 0),
        ("audit text", ["audit", src, "-w", "2", "-o", str(root / "a.txt"), "--index", str(root / "a.parquet")], 0),
        ("audit html", ["audit", src, "-w", "2", "-f", "html", "-o", str(root / "a.html"), "--index", str(root / "a.parquet")], 0),
        ("scan", ["scan", src, "-w", "2", "--index", str(root / "s.parquet")], 0),
        ("mappings review", ["mappings", "review", src, "--out", str(root / "review.csv"), "--index", str(root / "m.parquet")], 0),
    ]
    for tier in ("non-public", "restricted", "public"):
        for clean in (False, True):
            out = root / f"d_{tier}{'_clean' if clean else ''}"
            runs.append((f"deid {tier}{' --clean-pixels' if clean else ''}",
                         ["deid", src, str(out), "--key", key, "-w", "2", "--k", "1", "--access", tier,
                          "--quarantine", str(out) + "_q", *(["--clean-pixels"] if clean else [])], 0))
    runs += [
        ("publish", ["publish", src, str(root / "p"), "--key", key, "--config", cfg, "--release-date", "2026-01-01",
                     "--k", "1", "-w", "2"], 0),
        ("validate", ["validate", str(root / "p")], 0),
        ("validate --key", ["validate", str(root / "p"), "--key", key], 0),
        ("normalize not UTF-8", ["normalize", str(root / "descriptions.csv"), "-o", str(root / "n.csv")], 2),
        ("normalize latin-1", ["normalize", str(root / "descriptions.csv"), "-o", str(root / "n.csv"), "--encoding", "latin-1"], 0),
    ]
    return runs


def option_runs(root: Path) -> list[tuple[str, list[str], int]]:
    """Output paths that collide or cannot be made: each exit 2 with one error line."""
    small, key, cfg = str(root / "source" / "ok"), str(root / "key"), str(root / "release.yaml")
    under_file = str(root / "a_file" / "x")
    return [
        ("deid --quarantine = OUT", ["deid", small, str(root / "o1"), "--key", key, "--quarantine", str(root / "o1")], 2),
        ("deid --quarantine inside OUT", ["deid", small, str(root / "o2"), "--key", key, "--quarantine", str(root / "o2" / "q")], 2),
        ("deid --quarantine inside SOURCE", ["deid", small, str(root / "o3"), "--key", key, "--quarantine", small + "/q"], 2),
        ("deid --quarantine under a file", ["deid", small, str(root / "o4"), "--key", key, "--quarantine", under_file], 2),
        ("deid --quarantine = SOURCE", ["deid", small, str(root / "o5"), "--key", key, "--quarantine", small], 2),
        ("deid OUT = SOURCE", ["deid", small, small, "--key", key], 2),
        ("deid OUT under a file", ["deid", small, under_file, "--key", key], 2),
        ("deid SOURCE missing", ["deid", str(root / "nowhere"), str(root / "o6"), "--key", key], 2),
        ("deid SOURCE a file not DICOM", ["deid", str(root / "a_file"), str(root / "o7"), "--key", key], 2),
        ("publish OUT under a file", ["publish", small, under_file, "--key", key, "--config", cfg], 2),
        ("publish OUT inside SOURCE", ["publish", small, small + "/rel", "--key", key, "--config", cfg], 2),
        ("audit -o under a file", ["audit", small, "-o", under_file], 2),
        ("audit --batches under a file", ["audit", small, "-o", str(root / "b.txt"), "--batches", under_file], 2),
        ("scan --index under a file", ["scan", small, "--index", under_file], 2),
        ("normalize -o under a file", ["normalize", str(root / "descriptions.csv"), "--encoding", "latin-1", "-o", under_file], 2),
        ("validate RELEASE missing", ["validate", str(root / "nowhere")], 2),
        ("validate RELEASE a file", ["validate", str(root / "a_file")], 2),
        ("keygen under a file", ["keygen", under_file], 2),
    ]


def accounted(root: Path) -> list[str]:
    """Files of the source the audit's index or a deid report does not account for."""
    import pyarrow.parquet as pq

    wrong = []
    files = len(source_files()) + 1  # the folder named .dcm holds one file more
    if (root / "a.parquet").exists():
        rows = pq.read_table(root / "a.parquet", columns=["path"]).num_rows
        if rows < files:
            wrong.append(f"index: {rows} rows for {files} files")
    for report in sorted(root.glob("d_*/deid-report.json")):
        counts = json.loads(report.read_text())["counts"]
        done = counts["written"] + counts["quarantined"] + counts["rejected"]
        if done != counts["items"] or counts["items"] < files:
            wrong.append(f"{report.parent.name}: accounts for {done} of {counts['items']} items ({files} files)")
    return wrong


def name_leaks(root: Path) -> list[str]:
    """Outputs holding the patient's name (header) or the file name's words."""
    found = []
    for entry in sorted(root.iterdir()):
        if entry.name in ("source", "cwd", "cache", "key", "release.yaml", "descriptions.csv", "n.csv", "a_file"):
            continue
        paths = [entry] if entry.is_file() else [p for p in entry.rglob("*") if p.is_file()]
        for path in paths:
            data = path.read_bytes()
            rel = str(path.relative_to(root))
            if any(n.encode() in data or n in rel for n in NAME_NEEDLES):
                found.append(f"{rel}: names the file's patient")
        if entry.is_dir():
            found += [f"{entry.name}/{p}" for p in output_leaks(entry)]
    return found


def message_problems(out: str, err: str) -> list[str]:
    return ["a message names the file's patient"] if any(n in out + err for n in NAME_NEEDLES) else []


def measure(root: Path, code: str) -> int:
    prepare(root)
    bad = 0
    for name, argv, expected in source_runs(root) + option_runs(root):
        started = time.monotonic()
        got, out, err, rss = run_curator(argv, env_of(root, code), root / "cwd", 600)
        found = problems_of(got, out, err, expected, None) + message_problems(out, err)
        bad += bool(found)
        print(f"{'BAD' if found else 'ok '} {name}: {'; '.join(found)} | exit {got} {time.monotonic() - started:.1f}s "
              f"{rss} MiB | {(out + err)[-200:]!a}", flush=True)
    for problem in accounted(root) + name_leaks(root):
        bad += 1
        print("BAD", problem)
    return bad


if __name__ == "__main__":
    import tempfile

    here = Path(__file__).resolve().parent
    with tempfile.TemporaryDirectory() as tmp:
        print(f"{measure(Path(tmp), os.environ.get('CURATOR_CODE', str(here.parent)))} problems")
