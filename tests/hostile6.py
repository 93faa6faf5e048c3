"""Hostile inputs, round 6 (plain pydicom and the standard library, no curator import): what
rounds 3 to 5 did not write, and the command lines and environments hostile users give.

* sources: a DICOMDIR whose records point outside the tree (and a folder holding only one);
  zips with an encrypted member, a zip64 member, a self-extracting stub before the archive,
  member names that are not UTF-8 or hold control and bidi characters, three zips nested,
  a directory entry; tars with a hard link inside the archive, a block device, a name that
  is not UTF-8; an empty zip and an empty tar;
* DICOM: an LO of undefined length, a UN whose length is 0xFFFFFFFE, an Item tag at the top
  level, encapsulated Pixel Data with no fragment, zero-length Pixel Data, image sizes and
  frame counts that promise gigabytes over 128 bytes of pixels;
* cohorts: a series spread over two site folders, a site of one patient among big ones.

Every file's header names the patient (``HOSTILE_NAME``, ``HOSTILE_MRN``), so rejections and
messages that quote too much are found.  ``write_cases(root)`` returns the relative paths it
wrote; :func:`scenarios` lists command lines (options, sources, environments) with the exit
status each must give; ``python tests/hostile6.py`` measures every scenario in a subprocess.
"""
from __future__ import annotations

import io
import os
import struct
import tarfile
import warnings
import zipfile
from pathlib import Path

from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, RLELossless

from hostile import HOSTILE_MRN, HOSTILE_NAME, ROOT_UID, _bytes, _ct, _element

__all__ = ["HOSTILE_MRN", "HOSTILE_NAME", "cases", "scenarios", "write_cases"]

DATE = (2020, 1, 1, 0, 0, 0)


def _meta_end(data: bytes) -> int:
    return 144 + struct.unpack("<I", data[140:144])[0]


def _insert(data: bytes, element: bytes, before_tag: bytes) -> bytes:
    at = data.index(before_tag, _meta_end(data))
    return data[:at] + element + data[at:]


def _dicomdir(referenced: list[list[str]]) -> bytes:
    """A DICOMDIR with one PATIENT record naming the patient and one IMAGE record per path."""
    from pydicom.sequence import Sequence

    ds = Dataset()
    ds.SOPClassUID, ds.SOPInstanceUID = "1.2.840.10008.1.3.10", ROOT_UID + "6.1"
    ds.FileSetID = "HOSTILE6"
    ds.OffsetOfTheFirstDirectoryRecordOfTheRootDirectoryEntity = 0
    ds.OffsetOfTheLastDirectoryRecordOfTheRootDirectoryEntity = 0
    ds.FileSetConsistencyFlag = 0
    patient = Dataset()
    patient.OffsetOfTheNextDirectoryRecord, patient.RecordInUseFlag = 0, 0xFFFF
    patient.OffsetOfReferencedLowerLevelDirectoryEntity = 0
    patient.DirectoryRecordType, patient.PatientName, patient.PatientID = "PATIENT", f"{HOSTILE_NAME}^G", HOSTILE_MRN
    records = [patient]
    for parts in referenced:
        image = Dataset()
        image.OffsetOfTheNextDirectoryRecord, image.RecordInUseFlag = 0, 0xFFFF
        image.OffsetOfReferencedLowerLevelDirectoryEntity = 0
        image.DirectoryRecordType, image.ReferencedFileID = "IMAGE", parts
        image.ReferencedSOPClassUIDInFile, image.ReferencedSOPInstanceUIDInFile = "1.2.840.10008.5.1.4.1.1.2", ROOT_UID + "6.2"
        records.append(image)
    ds.DirectoryRecordSequence = Sequence(records)
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID, meta.MediaStorageSOPInstanceUID = ds.SOPClassUID, ds.SOPInstanceUID
    meta.TransferSyntaxUID, meta.ImplementationClassUID = ExplicitVRLittleEndian, ROOT_UID + "9"
    ds.file_meta = meta
    buffer = io.BytesIO()
    ds.save_as(buffer, enforce_file_format=True)
    return buffer.getvalue()


def _zip(members: dict[str, bytes], **kwargs) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(zipfile.ZipInfo(name, DATE), data, **kwargs)
    return buffer.getvalue()


def _zip_encrypted(dicom: bytes) -> bytes:
    """One member stored as is but flagged encrypted (bit 0), as a password-protected export
    from a PACS viewer reads without its password, beside a plain one."""
    data = bytearray(_zip({"locked.dcm": dicom, "plain.dcm": _bytes(_ct(602))}))
    for signature, flag_at in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        at = data.index(signature)  # the first local header and the first central record: locked.dcm
        struct.pack_into("<H", data, at + flag_at, struct.unpack("<H", data[at + flag_at:at + flag_at + 2])[0] | 1)
    return bytes(data)


def _zip64(dicom: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as zf:
        with zf.open(zipfile.ZipInfo("zip64.dcm", DATE), "w", force_zip64=True) as member:
            member.write(dicom)
    return buffer.getvalue()


def _zip_odd_names() -> tuple[bytes, bytes]:
    """Member names that are not UTF-8 (cp437 bytes, no UTF-8 flag), or hold a newline, an
    ANSI escape and a right-to-left override (names a hostile user writes)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as zf:
        names = {f"nl\nrm -rf ~ {HOSTILE_NAME}.dcm": 603, "esc_\x1b[2J\x1b]0;title\x07.dcm": 604, "rtl_\u202egpj.dcm": 605}
        for name, n in names.items():
            zf.writestr(zipfile.ZipInfo(name, DATE), _bytes(_ct(n)))
    data = buffer.getvalue()
    # a fourth member whose name bytes are Latin-1 (0xE9), flag bit 11 clear: read as cp437
    extra = io.BytesIO()
    with zipfile.ZipFile(extra, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr(zipfile.ZipInfo("latin_XX.dcm", DATE), _bytes(_ct(606)))
    return data, extra.getvalue().replace(b"latin_XX.dcm", b"latin_\xe9\xff.dcm")


def _nested_zips(dicom: bytes, depth: int) -> bytes:
    data = dicom
    name = "deepest.dcm"
    for level in range(depth):
        data = _zip({name: data})
        name = f"level{level}.zip"
    return data


def _tar(members: list[tarfile.TarInfo], payloads: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT, encoding="utf-8",
                      errors="surrogateescape") as tf:
        for info in members:
            data = payloads.get(info.name)
            if data is not None:
                info.size = len(data)
            tf.addfile(info, io.BytesIO(data) if data is not None else None)
    return buffer.getvalue()


def _tar_cases() -> dict[str, bytes]:
    first, dev, hard = tarfile.TarInfo("first.dcm"), tarfile.TarInfo("block.dcm"), tarfile.TarInfo("hard_inside.dcm")
    dev.type, dev.devmajor, dev.devminor = tarfile.BLKTYPE, 8, 0
    hard.type, hard.linkname = tarfile.LNKTYPE, "first.dcm"
    odd = tarfile.TarInfo(os.fsdecode(b"odd_\xe9\xff\n.dcm"))
    return {
        "tar_links_inside.tar": _tar([first, hard, dev], {"first.dcm": _bytes(_ct(610))}),
        "tar_odd_name.tar": _tar([odd], {odd.name: _bytes(_ct(611))}),
        "empty.tar": b"\0" * 10240,
    }


def _undefined_lo() -> bytes:
    """An LO (Institution Name) of undefined length (0xFFFF in its 16-bit length)."""
    element = struct.pack("<HH2sH", 0x0008, 0x0080, b"LO", 0xFFFF) + f"{HOSTILE_NAME} hospital".encode()
    return _insert(_bytes(_ct(620)), element, b"\x10\x00\x10\x00")


def _huge_un() -> bytes:
    element = struct.pack("<HH2sHI", 0x0009, 0x0010, b"UN", 0, 0xFFFFFFFE) + HOSTILE_MRN.encode() * 4
    return _insert(_bytes(_ct(621)), element, b"\x10\x00\x10\x00")


def _item_at_top() -> bytes:
    element = b"\xfe\xff\x00\xe0\x08\x00\x00\x00" + _element(0x00100010, b"PN", HOSTILE_NAME.encode()[:6])
    return _insert(_bytes(_ct(622)), element, b"\x10\x00\x10\x00")


def _empty_encapsulated() -> bytes:
    ds = _ct(623)
    ds.BitsAllocated, ds.BitsStored, ds.HighBit = 8, 8, 7
    ds.PixelData = b"\xfe\xff\x00\xe0\x00\x00\x00\x00"  # the empty Basic Offset Table, then no fragment
    return _bytes(ds, RLELossless)


def _zero_pixels(n: int) -> bytes:
    ds = _ct(n)
    ds.PixelData = b""
    return _bytes(ds)


def _promises(n: int, rows: int, columns: int, frames: int) -> bytes:
    """128 bytes of pixels under Rows, Columns and Number of Frames that promise far more."""
    ds = _ct(n)
    ds.Rows, ds.Columns, ds.NumberOfFrames = rows, columns, frames
    return _bytes(ds)


def _cohort() -> dict[str, bytes]:
    out: dict[str, bytes] = {}
    for n, site in ((640, "site_a"), (641, "site_b")):  # one series, two site folders
        ds = _ct(n)
        ds.StudyInstanceUID, ds.SeriesInstanceUID = ROOT_UID + "640", ROOT_UID + "640.1"
        out[f"{site}/split_series_{n}.dcm"] = _bytes(ds)
    return out


def cases() -> dict[str, bytes]:
    """Relative path -> bytes."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ok = _bytes(_ct(600))
        plain_names, latin_name = _zip_odd_names()
        out = {
            "site_a/ok.dcm": ok,
            "site_a/dicomdir_outside/DICOMDIR": _dicomdir([["..", "..", "..", "etc", "passwd"], ["IMG1"]]),
            "site_a/dicomdir_outside/IMG1": _bytes(_ct(601)),
            "site_a/zip_encrypted.zip": _zip_encrypted(_bytes(_ct(601))),
            "site_a/zip64.zip": _zip64(_bytes(_ct(607))),
            "site_a/zip_sfx.zip": b"MZ" + b"\x90" * 4094 + _zip({"sfx.dcm": _bytes(_ct(608))}),
            "site_a/zip_odd_names.zip": plain_names,
            "site_a/zip_latin_name.zip": latin_name,
            "site_a/zip_three_deep.zip": _nested_zips(_bytes(_ct(609)), 3),
            "site_a/zip_dir_entry.zip": _zip({"folder.dcm/": b"", "folder.dcm/in.dcm": _bytes(_ct(612))}),
            "site_a/empty.zip": b"PK\x05\x06" + b"\0" * 18,
            "site_a/undefined_length_lo.dcm": _undefined_lo(),
            "site_a/un_length_fffffffe.dcm": _huge_un(),
            "site_a/item_at_top_level.dcm": _item_at_top(),
            "site_b/encapsulated_no_fragment.dcm": _empty_encapsulated(),
            "site_b/zero_pixels_a.dcm": _zero_pixels(630),
            "site_b/promise_rows.dcm": _promises(631, 65535, 65535, 1),
            "site_b/promise_frames.dcm": _promises(632, 8, 8, 2147483647),
            "site_b/promise_both.dcm": _promises(633, 4096, 4096, 99999),
        }
        out.update({f"site_b/{name}": data for name, data in _tar_cases().items()})
        out.update(_cohort())
    return out


def write_cases(root: str | Path) -> list[str]:
    """Write :func:`cases` under ``root``; returns the relative paths written."""
    root = Path(root)
    for name, data in cases().items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def scenarios(root: str | Path) -> list[tuple[str, list[str], dict[str, str | None], int]]:
    """(name, argv, environment changes (None: unset), the exit status it must give) for
    command lines over ``root`` (which holds ``source`` written by :func:`write_cases`,
    ``key``, ``keydir/``, ``emptykey`` and ``release.yaml``)."""
    r = Path(root)
    src, key, cfg = str(r / "source"), str(r / "key"), str(r / "release.yaml")
    deid = ["deid", src]
    pub = ["publish", src]
    usage = [
        ("deid --key dir", [*deid, str(r / "o1"), "--key", str(r / "keydir")]),
        ("deid --key empty file", [*deid, str(r / "o2"), "--key", str(r / "emptykey")]),
        ("deid --key ''", [*deid, str(r / "o3"), "--key", ""]),
        ("deid --access bogus", [*deid, str(r / "o4"), "--key", key, "--access", "bogus"]),
        ("deid --workers text", [*deid, str(r / "o5"), "--key", key, "--workers", "two"]),
        ("deid SOURCE ''", ["deid", "", str(r / "o6"), "--key", key]),
        ("deid OUT ''", [*deid, "", "--key", key]),
        ("deid --to ''", [*deid, str(r / "o7"), "--key", key, "--to", ""]),
        ("deid --scheduler ''", [*deid, str(r / "o8"), "--key", key, "--scheduler", ""]),
        ("deid --quarantine ''", [*deid, str(r / "o9"), "--key", key, "--quarantine", ""]),
        ("deid OUT inside SOURCE", [*deid, str(r / "source" / "out"), "--key", key]),
        ("deid SOURCE a file", ["deid", str(r / "source" / "site_a" / "ok.dcm"), str(r / "o10"), "--key", key]),
        ("audit SOURCE ''", ["audit", "", "-w", "1"]),
        ("audit --index ''", ["audit", src, "--index", "", "-w", "1"]),
        ("audit -o ''", ["audit", src, "-o", "", "-w", "1"]),
        ("audit --workers=", ["audit", src, "--workers=", "-w", "1"]),
        ("scan SOURCE /dev/null", ["scan", "/dev/null", "-w", "1"]),
        ("scan --index dir", ["scan", src, "--index", str(r / "keydir"), "-w", "1"]),
        ("mappings review SOURCE ''", ["mappings", "review", "", "--out", str(r / "review.csv"), "-w", "1"]),
        ("normalize ''", ["normalize", "", "-o", str(r / "n.csv")]),
        ("publish --config ''", [*pub, str(r / "p1"), "--key", key, "--config", ""]),
        ("publish --dicomweb-url ''", [*pub, str(r / "p2"), "--key", key, "--config", cfg, "--dicomweb-url", ""]),
        ("publish OUT ''", [*pub, "", "--key", key, "--config", cfg]),
        ("validate ''", ["validate", ""]),
        ("validate --key ''", ["validate", str(r / "p0"), "--key", ""]),
        ("keygen ''", ["keygen", ""]),
        ("keygen dir", ["keygen", str(r / "keydir")]),
    ]
    out: list[tuple[str, list[str], dict[str, str | None], int]] = [(n, a, {}, 2) for n, a in usage]
    # The hostile source through every command (publish before validate).  audit and deid read
    # it in worker processes (-w 2); scan and publish, which run the same reading and
    # de-identification code, read it in this process (-w 1): both paths are covered, and two
    # pool start-ups fewer (round 7: the test's fixture 33 s -> see tests/test_hostile6.py).
    out += [
        ("scan source", ["scan", src, "-w", "1", "--index", str(r / "s.parquet")], {}, 0),
        ("audit source", ["audit", src, "-f", "json", "-o", str(r / "audit.json"), "--full-paths", "-w", "2",
                          "--index", str(r / "h.parquet")], {}, 0),
        ("deid source", [*deid, str(r / "d0"), "--key", key, "--workers", "2"], {}, 0),
        ("publish source", [*pub, str(r / "p0"), "--key", key, "--config", cfg, "-w", "1",
                            "--release-date", "2026-12-01"], {}, 0),
        ("validate release", ["validate", str(r / "p0"), "--key", key], {}, 0),
        ("deid DICOMDIR-only source", ["deid", str(r / "dicomdir_only"), str(r / "d1"), "--key", key, "--workers", "1"], {}, 2),
        ("publish DICOMDIR-only source", ["publish", str(r / "dicomdir_only"), str(r / "p3"), "--key", key, "--config", cfg,
                                          "-w", "1"], {}, 2),
        ("deid public, one patient", [*deid, str(r / "d2"), "--key", key, "--workers", "1", "--access", "public"], {}, 2),
    ]
    nohome = {"HOME": None, "XDG_CACHE_HOME": None, "CURATOR_CACHE": None}
    out += [
        ("scan without HOME", ["scan", src, "-w", "1"], nohome, 0),
        ("scan read-only TMPDIR", ["scan", src, "-w", "1", "--index", str(r / "ro.parquet")],
         {"TMPDIR": str(r / "readonly")}, 0),
        ("audit LANG=C", ["audit", src, "-w", "1", "--no-pixel-screen", "--index", str(r / "c.parquet")],
         {"LANG": "C", "LC_ALL": "C", "PYTHONIOENCODING": None, "PYTHONUTF8": "0"}, 0),
        ("audit ascii stdout", ["audit", src, "-w", "1", "--no-pixel-screen", "--full-paths",
                                "--index", str(r / "a.parquet")], {"PYTHONIOENCODING": "ascii"}, 0),
        ("keygen -", ["keygen", "-"], {}, 0),
        ("normalize -o -", ["normalize", str(r / "d.csv"), "-o", "-"], {}, 0),
    ]
    return out


def unaccounted(root: Path, written: list[str]) -> list[str]:
    """Files of ``root/source`` neither indexed nor rejected by the audit (``root/h.parquet``),
    and a deid run whose written, quarantined and rejected do not add up to the index."""
    import json

    import pyarrow.parquet as pq

    paths = pq.read_table(root / "h.parquet", columns=["path"]).column("path").to_pylist()
    lost = [f for f in written if not any(p == f or p.startswith(f + "!/") for p in paths)]
    report = root / "d0" / "deid-report.json"
    if report.exists():
        counts = json.loads(report.read_text())["counts"]
        if counts["written"] + counts["quarantined"] + counts["rejected"] != len(paths):
            lost.append(f"deid: {counts} of {len(paths)} indexed items")
    return lost


def prepare(root: Path) -> list[str]:
    """``root``: source, key, keydir/, emptykey, release.yaml, d.csv, readonly/ for :func:`scenarios`."""
    import shutil

    written = write_cases(root / "source")
    (root / "keydir").mkdir()
    (root / "emptykey").write_bytes(b"")
    (root / "key").write_text("curator-key-v1:" + "ab" * 32 + "\n")
    os.chmod(root / "key", 0o600)
    shutil.copy(Path(__file__).resolve().parent.parent / "examples" / "release.yaml", root / "release.yaml")
    (root / "d.csv").write_text("description\nCT Brain\n")
    (root / "dicomdir_only").mkdir()
    (root / "dicomdir_only" / "DICOMDIR").write_bytes(_dicomdir([["IMG1"]]))
    (root / "readonly").mkdir()
    os.chmod(root / "readonly", 0o555)
    return written


if __name__ == "__main__":  # measure: every scenario in a subprocess
    import subprocess
    import sys
    import tempfile

    here = Path(__file__).resolve().parent
    code = "import sys; from curator.cli import main; sys.argv[0] = 'curator'; main(sys.argv[1:])"
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        written = prepare(root)
        bad = 0
        for name, argv, env_changes, expected in scenarios(root):
            env = {**os.environ, "PYTHONPATH": os.environ.get("CURATOR_CODE", str(here.parent))}
            for k, v in env_changes.items():
                env.pop(k, None) if v is None else env.__setitem__(k, v)
            done = subprocess.run([sys.executable, "-c", code, *argv], capture_output=True, env=env, cwd=root, timeout=600)
            text = (done.stdout + done.stderr).decode("utf-8", "replace")
            problems = []
            if done.returncode != expected:
                problems.append(f"exit {done.returncode} (want {expected})")
            if "Traceback" in text:
                problems.append("traceback")
            if HOSTILE_NAME in text or HOSTILE_MRN in text:
                problems.append("identifier")
            if str(root) in done.stderr.decode("utf-8", "replace"):
                problems.append("absolute path in a message")
            if (root / "-").exists():
                problems.append("file named -")
                (root / "-").unlink()
            bad += bool(problems)
            err = done.stderr.decode("utf-8", "replace").strip().splitlines()
            print(f"{'BAD' if problems else 'ok '} {name}: {'; '.join(problems)} | {err[-1][:150] if err else ''}")
        lost = unaccounted(root, written)
        print(f"{bad} scenarios wrong; files not accounted for: {lost}")
