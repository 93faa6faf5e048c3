"""Hostile inputs, round 9 (plain pydicom and the standard library, no curator import): what
rounds 1 to 8 did not try.

* files in a source (:func:`cases`, each with the outcome the audit must give it): compressed
  frames that are corrupt in the codecs round 4 did not try (JPEG-LS, HTJ2K) and real JPEG and
  JPEG 2000 frames cut in half; Number of Frames that lies (1 over three encapsulated frames,
  5 over two, 0, -2, text); a Person Name of odd length; a UT whose length says 2 GiB; group 2
  elements (a second Transfer Syntax) inside the dataset; a file name holding a line break;
  a zip whose central directory lists one compressible member 400 times (overlapping members:
  the 'better zip bomb'); a tar whose PAX header renames a member to '../../evil.dcm'; a
  single DICOM compressed with bzip2 and xz; tar.bz2 and tar.xz archives;
* command lines and environments (:func:`scenarios`): OUT that is SOURCE, or a symbolic link
  to it; outputs (``--index``, ``-o``, ``--quarantine``) that are symbolic links into SOURCE;
  ``--workers`` 0, -1 and huge for every command that takes it; ``--k``, ``--max-suppression``,
  ``--batch-threshold``, ``--weight`` out of range or malformed; a DICOMweb URL holding a user
  name and password (it would be written into the catalogue); release.yaml with an unknown
  key, empty, or a key given twice; ``--profile`` missing or of wrong types; key files with a
  line break of Windows, a byte-order mark, 63 hex digits, two keys, a symbolic link to
  /dev/zero; ``validate`` with another valid key, of a file, of a deid output; normalize's
  unknown encoding, delimiter and format; environment variables with garbage values
  (``CURATOR_SCHEDULER``, ``CURATOR_DICOMWEB_TIMEOUT``/``RETRIES``/``PAGE``, ``TMPDIR``).

Every file's header names the patient (``HOSTILE_NAME``, ``HOSTILE_MRN``), so rejections and
messages that quote too much are found.  ``python tests/hostile9.py`` measures every scenario
in a subprocess (``CURATOR_CODE``: the tree to measure).
"""
from __future__ import annotations

import bz2
import hashlib
import io
import lzma
import os
import re
import shutil
import struct
import tarfile
import warnings
import zipfile
from pathlib import Path

from hostile import HOSTILE_MRN, HOSTILE_NAME, _bytes, _ct
from hostile7 import _small

__all__ = ["HOSTILE_MRN", "HOSTILE_NAME", "cases", "prepare", "scenarios"]

DATE = (2020, 1, 1, 0, 0, 0)
INDEXED, REJECTED = "indexed", "rejected"
JPEG_LS = "1.2.840.10008.1.2.4.80"
HTJ2K = "1.2.840.10008.1.2.4.201"
JPEG_BASELINE = "1.2.840.10008.1.2.4.50"
J2K_LOSSLESS = "1.2.840.10008.1.2.4.90"


def _meta_end(data: bytes) -> int:
    return 144 + struct.unpack("<I", data[140:144])[0]


def _encapsulated(n: int, syntax: str, frames: list[bytes], number_of_frames: str | None = None) -> bytes:
    from pydicom.encaps import encapsulate

    ds = _ct(n)
    ds.Rows = ds.Columns = 64
    ds.BitsAllocated, ds.BitsStored, ds.HighBit = 8, 8, 7
    if number_of_frames is not None:
        ds.NumberOfFrames = number_of_frames
    ds.PixelData = encapsulate(frames)
    ds["PixelData"].VR = "OB"
    return _bytes(ds, syntax)


def _real_frame(kind: str, seed: int = 0) -> bytes:
    """A real 64 x 64 8-bit frame (Pillow's encoders) with some texture."""
    import numpy as np
    from PIL import Image

    image = Image.fromarray(((np.arange(64 * 64).reshape(64, 64) * (seed + 7)) % 251).astype("uint8"))
    buffer = io.BytesIO()
    if kind == "jpeg":
        image.save(buffer, "JPEG", quality=90)
    else:
        image.save(buffer, "JPEG2000", irreversible=False, no_jp2=True)
    return buffer.getvalue()


def _native_frames(n: int, number_of_frames: str) -> bytes:
    """Number of Frames written as given (pydicom refuses to write 'abc' as an IS)."""
    ds = _ct(n)
    ds.NumberOfFrames = "1"
    data = _bytes(ds)
    at = data.index(b"\x28\x00\x08\x00IS", _meta_end(data))
    length = struct.unpack("<H", data[at + 6:at + 8])[0]
    value = number_of_frames.encode() + b" " * (len(number_of_frames) % 2)
    return data[:at] + struct.pack("<HH2sH", 0x0028, 0x0008, b"IS", len(value)) + value + data[at + 8 + length:]


def _odd_person_name(n: int) -> bytes:
    """Patient's Name of odd length (no padding byte), as some writers leave it."""
    data = _bytes(_ct(n))
    at = data.index(b"\x10\x00\x10\x00PN", _meta_end(data))
    length = struct.unpack("<H", data[at + 6:at + 8])[0]
    value = f"{HOSTILE_NAME}^Odd".encode()
    if len(value) % 2 == 0:
        value += b"X"
    return data[:at] + struct.pack("<HH2sH", 0x0010, 0x0010, b"PN", len(value)) + value + data[at + 8 + length:]


def _huge_ut(n: int) -> bytes:
    """A private UT whose 4-byte length says 2 GiB, with 16 bytes after it."""
    data = _bytes(_ct(n))
    at = data.index(b"\x10\x00\x20\x00", _meta_end(data))  # before Patient ID
    element = (struct.pack("<HH2sH", 0x0009, 0x0010, b"LO", 4) + b"ACME"
               + struct.pack("<HH2sHI", 0x0009, 0x1001, b"UT", 0, 0x7FFFFFF0) + HOSTILE_MRN.encode() * 2)
    return data[:at] + element


def _group2_in_dataset(n: int) -> bytes:
    """A second Transfer Syntax UID (group 2) as the first element of the dataset."""
    data = _bytes(_ct(n))
    at = _meta_end(data)
    uid = b"1.2.840.10008.1.2.2\0"  # explicit VR big endian
    return data[:at] + struct.pack("<HH2sH", 0x0002, 0x0010, b"UI", len(uid)) + uid + data[at:]


def _overlapping_zip(n: int, copies: int = 400) -> bytes:
    """A zip whose central directory lists one member ``copies`` times, every entry at the
    same local header: each expands to ~2 MiB (ratio ~60), the whole to ~800 MiB."""
    import numpy as np

    ds = _ct(n)
    rng = np.random.default_rng(9)
    ds.Rows = ds.Columns = 1024
    ds.PixelData = (rng.integers(0, 4, 1024 * 1024, dtype="<u2") * 0).tobytes()
    pixels = bytearray(ds.PixelData)
    pixels[::64] = rng.integers(0, 256, len(pixels[::64]), dtype="u1").tobytes()
    ds.PixelData = bytes(pixels)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(zipfile.ZipInfo("member.dcm", DATE), _bytes(ds))
    data = buffer.getvalue()
    cd_at = data.index(b"PK\x01\x02")
    eocd_at = data.index(b"PK\x05\x06")
    central = data[cd_at:eocd_at]
    body = data[:cd_at]
    centrals = central * copies
    eocd = struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, copies, copies, len(centrals), len(body), 0)
    return body + centrals + eocd


def _pax_traversal(n: int) -> bytes:
    """A tar whose member 'inside.dcm' is renamed by its PAX header to '../../evil.dcm'."""
    buffer = io.BytesIO()
    data = _bytes(_ct(n))
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as tf:
        info = tarfile.TarInfo("inside.dcm")
        info.size, info.mtime = len(data), 1
        info.pax_headers = {"path": "../../evil_pax.dcm"}
        tf.addfile(info, io.BytesIO(data))
        fine = _bytes(_ct(n + 50))
        info = tarfile.TarInfo("fine.dcm")
        info.size, info.mtime = len(fine), 1
        tf.addfile(info, io.BytesIO(fine))
    return buffer.getvalue()


def _tar(n: int, mode: str) -> bytes:
    buffer = io.BytesIO()
    data = _bytes(_ct(n))
    with tarfile.open(fileobj=buffer, mode=mode) as tf:  # type: ignore[call-overload]
        info = tarfile.TarInfo("in_tar.dcm")
        info.size, info.mtime = len(data), 1
        tf.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def cases() -> dict[str, tuple[bytes | None, str, str | None]]:
    """Relative path -> (bytes; the outcome the audit must give: ``indexed`` or ``rejected``;
    the start of the reason, None: any reason).  Archives' members are in :data:`MEMBERS`."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        jpeg, j2k = _real_frame("jpeg"), _real_frame("j2k")
        return {
            "site_a/ok.dcm": (_bytes(_ct(900)), INDEXED, None),
            "site_a/jpegls_corrupt.dcm": (_encapsulated(901, JPEG_LS, [b"\xff\xd8\xff\xf7" + b"\x13" * 200]), INDEXED, None),
            "site_a/htj2k_corrupt.dcm": (_encapsulated(902, HTJ2K, [b"\xff\x4f\xff\x51" + b"\x00\x29" + b"\xa5" * 300]),
                                         INDEXED, None),
            "site_a/jpeg_cut.dcm": (_encapsulated(903, JPEG_BASELINE, [jpeg[: len(jpeg) // 2]]), INDEXED, None),
            "site_a/j2k_cut.dcm": (_encapsulated(904, J2K_LOSSLESS, [j2k[: len(j2k) // 2]]), INDEXED, None),
            "site_a/frames_1_of_3.dcm": (_encapsulated(905, JPEG_BASELINE, [_real_frame("jpeg", s) for s in range(3)], "1"),
                                         INDEXED, None),
            "site_a/frames_5_of_2.dcm": (_encapsulated(906, JPEG_BASELINE, [_real_frame("jpeg", s) for s in range(2)], "5"),
                                         INDEXED, None),
            "site_a/frames_0.dcm": (_native_frames(907, "0"), INDEXED, None),
            "site_a/frames_negative.dcm": (_native_frames(908, "-2"), INDEXED, None),
            "site_a/frames_text.dcm": (_native_frames(909, "abc"), INDEXED, None),
            "site_a/odd_person_name.dcm": (_odd_person_name(910), INDEXED, None),
            "site_a/huge_ut.dcm": (_huge_ut(911), REJECTED, None),
            # read by its elements (round 5's rule for a File Meta group length that lies), the
            # dataset read as big endian finds no SOP Class UID: the reason says why (session 13)
            "site_a/group2_in_dataset.dcm": (_group2_in_dataset(912), REJECTED, "File Meta elements (group 0002) inside"),
            "site_a/line\nbreak.dcm": (_bytes(_ct(913)), INDEXED, None),
            "site_b/overlapping.zip": (_overlapping_zip(914), REJECTED, None),
            "site_b/pax_traversal.tar": (_pax_traversal(915), INDEXED, None),
            "site_b/single.dcm.bz2": (bz2.compress(_bytes(_ct(916))), INDEXED, None),
            "site_b/single.dcm.xz": (lzma.compress(_bytes(_ct(917))), INDEXED, None),
            "site_b/archive.tar.bz2": (_tar(918, "w:bz2"), INDEXED, None),
            "site_b/archive.tar.xz": (_tar(919, "w:xz"), INDEXED, None),
        }


# members of archives whose own outcome differs from the archive's (None: any reason)
MEMBERS: dict[str, tuple[str, str | None]] = {
    "site_b/pax_traversal.tar!/../../evil_pax.dcm": (REJECTED, None),
    "site_b/pax_traversal.tar!/fine.dcm": (INDEXED, None),
}


def write_cases(root: str | Path) -> list[str]:
    root = Path(root)
    for name, (data, _, _) in cases().items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if data is not None:
            path.write_bytes(data)
    return sorted(cases())


def fingerprint(folder: Path) -> dict[str, tuple[int, str]]:
    """Every file under ``folder``: (mtime in ns, SHA-256) -- a source must keep both."""
    return {str(p.relative_to(folder)): (p.lstat().st_mtime_ns, hashlib.sha256(p.read_bytes()).hexdigest())
            for p in sorted(folder.rglob("*")) if p.is_file() and not p.is_symlink()}


def prepare(root: Path) -> list[str]:
    """``root``: source/ (:func:`write_cases`), small/ (7 patients at two sites), key files,
    release.yaml variants, profiles, symbolic links into small/, a CSV for normalize."""
    written = write_cases(root / "source")
    _small(root / "small")
    examples = Path(__file__).resolve().parent.parent / "examples"
    hexkey = "ab" * 32
    for name, text in (("key", f"curator-key-v1:{hexkey}\n"), ("key_other", f"curator-key-v1:{'cd' * 32}\n"),
                       ("key_crlf", f"curator-key-v1:{hexkey}\r\n"), ("key_bom", f"\ufeffcurator-key-v1:{hexkey}\n"),
                       ("key_63", f"curator-key-v1:{hexkey[:-1]}\n"),
                       ("key_two", f"curator-key-v1:{hexkey}\ncurator-key-v1:{'cd' * 32}\n")):
        (root / name).write_text(text, encoding="utf-8", newline="")
        os.chmod(root / name, 0o600)
    os.symlink("/dev/zero", root / "key_zero_link")
    config = (examples / "release.yaml").read_text()
    (root / "release.yaml").write_text(config)
    (root / "unknown_key.yaml").write_text(config + "\nlicence_url_typo: https://example.org/licence\n")
    (root / "empty.yaml").write_text("")
    (root / "credentials.yaml").write_text(config.replace("landing_page: https://", "landing_page: https://carol:s3cret@"))
    first = next(line for line in config.splitlines() if re.match(r"^[a-z_]+:\s*\S", line))
    (root / "twice.yaml").write_text(config + "\n" + first.split(":")[0] + ": Second value\n")
    (root / "profile_types.yaml").write_text("name: broken\nactions: 12\n")
    (root / "d.csv").write_text("description\nCT Brain\n")
    (root / "a_file").write_text("a file\n")
    os.symlink(root / "small", root / "small_link")
    os.symlink(root / "small" / "site_big" / "i.parquet", root / "index_link.parquet")
    os.symlink(root / "small" / "site_big" / "report.txt", root / "report_link.txt")
    os.symlink(root / "small" / "quarantine", root / "quarantine_link")
    (root / "cwd").mkdir()
    return written


Scenario = tuple[str, list[str], dict[str, str | None], int, str | None]


def reference_runs(root: str | Path) -> list[list[str]]:
    """The runs the validate scenarios look at (``d0``: a deid output, ``p0``: a release)."""
    r = Path(root)
    small, key = str(r / "small"), str(r / "key")
    return [["deid", small, str(r / "d0"), "--key", key, "-w", "1"],
            ["publish", small, str(r / "p0"), "--key", key, "--config", str(r / "release.yaml"), "--release-date",
             "2026-01-01", "-w", "1"]]


def scenarios(root: str | Path) -> list[Scenario]:
    """(name, argv, environment changes (None: unset), the exit status it must give, a regular
    expression its last stderr line must match from its start, or None) over ``root``
    prepared by :func:`prepare`; run with ``root/cwd`` as the working folder."""
    r = Path(root)
    small, key, cfg = str(r / "small"), str(r / "key"), str(r / "release.yaml")
    one = ["-w", "1"]
    deid = ["deid", small]
    pub = ["publish", small]
    web = "http://127.0.0.1:9/dicom-web"
    return [
        # OUT that is SOURCE, outputs that are links into SOURCE
        ("deid OUT is SOURCE", [*deid, small, "--key", key, *one], {}, 2, "error: "),
        ("deid OUT a link to SOURCE", [*deid, str(r / "small_link"), "--key", key, *one], {}, 2, "error: "),
        ("publish OUT is SOURCE", [*pub, small, "--key", key, "--config", cfg, *one], {}, 2, "error: "),
        ("scan --index a link into SOURCE", ["scan", small, "--index", str(r / "index_link.parquet"), *one], {}, 2,
         "error: .*inside"),
        ("audit -o a link into SOURCE", ["audit", small, "--no-pixel-screen", "-o", str(r / "report_link.txt"),
                                         "--index", str(r / "a1.parquet"), *one], {}, 2, "error: .*inside"),
        ("deid --quarantine a link into SOURCE", [*deid, str(r / "o1"), "--key", key, "--quarantine",
                                                  str(r / "quarantine_link"), *one], {}, 2, "error: .*quarantine"),
        # worker counts
        ("scan -w -1", ["scan", small, "-w", "-1"], {}, 2, "error: .*workers"),
        ("audit -w 0", ["audit", small, "-w", "0"], {}, 2, "error: .*workers"),
        ("publish -w 0", [*pub, str(r / "p1"), "--key", key, "--config", cfg, "-w", "0"], {}, 2, "error: .*workers"),
        ("mappings review -w -1", ["mappings", "review", small, "--out", str(r / "m.csv"), "-w", "-1"], {}, 2,
         "error: .*workers"),
        ("deid -w 10^20", [*deid, str(r / "o2"), "--key", key, "-w", "1" + "0" * 20], {}, 2, "error: .*workers"),
        ("scan -w 100000", ["scan", small, "-w", "100000", "--index", str(r / "s1.parquet")], {}, 2, "error: .*workers"),
        # numbers out of range or malformed
        ("deid --k -1", [*deid, str(r / "o3"), "--key", key, "--k", "-1", *one], {}, 2, "error: .*--k"),
        ("audit --k -3", ["audit", small, "--k", "-3", *one], {}, 2, "error: .*--k"),
        ("publish --k 0", [*pub, str(r / "p2"), "--key", key, "--config", cfg, "--k", "0", *one], {}, 2, "error: .*--k"),
        ("publish --batch-threshold -1", [*pub, str(r / "p3"), "--key", key, "--config", cfg, "--batch-threshold", "-1",
                                          *one], {}, 2, "error: .*--batch-threshold"),
        ("deid --max-suppression 1.5", [*deid, str(r / "o4"), "--key", key, "--access", "public",
                                        "--max-suppression", "1.5", *one], {}, 2, "error: .*--max-suppression"),
        ("deid --max-suppression -0.1", [*deid, str(r / "o5"), "--key", key, "--access", "public",
                                         "--max-suppression", "-0.1", *one], {}, 2, "error: .*--max-suppression"),
        ("audit --weight =1", ["audit", small, "--weight", "=1", *one], {}, 2, "error: .*--weight"),
        ("audit --weight bogus=1", ["audit", small, "--weight", "bogus=1", *one], {}, 2, "error: .*--weight"),
        ("audit --weight completeness", ["audit", small, "--weight", "completeness", *one], {}, 2, "error: .*--weight"),
        ("audit --weight completeness=-1", ["audit", small, "--weight", "completeness=-1", *one], {}, 2,
         "error: .*--weight"),
        # URLs, release.yaml, profiles
        ("publish --dicomweb-url with a password", [*pub, str(r / "p4"), "--key", key, "--config", cfg,
                                                   "--dicomweb-url", "https://alice:s3cret@pacs.example.org/dicom-web",
                                                   *one], {}, 2, "error: .*--dicomweb-url"),
        ("deid --to with a password", [*deid, str(r / "o6"), "--key", key, "--to", "http://bob:hunter2@127.0.0.1:9/dw",
                                       *one], {}, 2, "error: "),
        ("publish --config an unknown key", [*pub, str(r / "p5"), "--key", key, "--config", str(r / "unknown_key.yaml"),
                                             *one], {}, 2, "error: .*licence_url_typo"),
        ("publish --config a landing page with a password", [*pub, str(r / "p9"), "--key", key, "--config",
                                                             str(r / "credentials.yaml"), *one], {}, 2,
         "error: .*landing_page"),
        ("publish --config empty", [*pub, str(r / "p6"), "--key", key, "--config", str(r / "empty.yaml"), *one], {}, 2,
         "error: "),
        ("publish --config a key twice", [*pub, str(r / "p7"), "--key", key, "--config", str(r / "twice.yaml"), *one],
         {}, 2, "error: "),
        ("deid --profile missing", [*deid, str(r / "o7"), "--key", key, "--profile", "no_such_profile", *one], {}, 2,
         "error: "),
        ("deid --profile of wrong types", [*deid, str(r / "o8"), "--key", key, "--profile",
                                           str(r / "profile_types.yaml"), *one], {}, 2, "error: "),
        ("publish --fhir-version R3", [*pub, str(r / "p8"), "--key", key, "--config", cfg, "--fhir-version", "R3", *one],
         {}, 2, "error: "),
        # key files
        ("deid --key with CRLF", [*deid, str(r / "o9"), "--key", str(r / "key_crlf"), *one], {}, 0, None),
        ("deid --key with a BOM", [*deid, str(r / "o10"), "--key", str(r / "key_bom"), *one], {}, 0, None),
        ("deid --key 63 hex digits", [*deid, str(r / "o11"), "--key", str(r / "key_63"), *one], {}, 2,
         "error: not a curator key file"),
        ("deid --key two keys", [*deid, str(r / "o12"), "--key", str(r / "key_two"), *one], {}, 2,
         "error: key file holds 2 different keys"),
        ("deid --key a link to /dev/zero", [*deid, str(r / "o13"), "--key", str(r / "key_zero_link"), *one], {}, 2,
         "error: key file"),
        # validate
        # validate (of the reference runs of :func:`reference_runs`)
        ("validate with another key", ["validate", str(r / "p0"), "--key", str(r / "key_other")], {}, 1, None),
        ("validate a file", ["validate", str(r / "a_file")], {}, 2, "error: "),
        ("validate a deid output", ["validate", str(r / "d0")], {}, 2, "error: "),
        # normalize
        ("normalize --encoding utf-99", ["normalize", str(r / "d.csv"), "-o", "-", "--encoding", "utf-99"], {}, 2,
         "error: .*encoding"),
        ("normalize --encoding utf-16 of UTF-8", ["normalize", str(r / "d.csv"), "-o", "-", "--encoding", "utf-16"], {},
         2, "error: "),
        ("normalize --delimiter |", ["normalize", str(r / "d.csv"), "-o", "-", "--delimiter", "|"], {}, 2, "error: "),
        ("normalize --format xml", ["normalize", str(r / "d.csv"), "-o", "-", "--format", "xml"], {}, 2, "error: "),
        ("normalize --site ''", ["normalize", str(r / "d.csv"), "-o", "-", "--site", ""], {}, 2, "error: "),
        ("audit -f pdf", ["audit", small, "-f", "pdf", *one], {}, 2, "error: "),
        ("audit --fail-on fatal", ["audit", small, "--fail-on", "fatal", *one], {}, 2, "error: "),
        # environment variables with garbage
        ("scan CURATOR_SCHEDULER garbage", ["scan", small, *one], {"CURATOR_SCHEDULER": "not a scheduler"}, 2,
         "error: .*CURATOR_SCHEDULER"),
        ("scan DICOMweb CURATOR_DICOMWEB_TIMEOUT=abc", ["scan", web, *one], {"CURATOR_DICOMWEB_TIMEOUT": "abc"}, 2,
         "error: .*CURATOR_DICOMWEB_TIMEOUT"),
        ("scan DICOMweb CURATOR_DICOMWEB_RETRIES=-5", ["scan", web, *one], {"CURATOR_DICOMWEB_RETRIES": "-5"}, 2,
         "error: .*CURATOR_DICOMWEB_RETRIES"),
        ("scan DICOMweb CURATOR_DICOMWEB_PAGE=0", ["scan", web, *one], {"CURATOR_DICOMWEB_PAGE": "0"}, 2,
         "error: .*CURATOR_DICOMWEB_PAGE"),
        ("deid TMPDIR missing", [*deid, str(r / "o14"), "--key", key, *one], {"TMPDIR": str(r / "no_such_tmp")}, 0, None),
        ("audit LANG garbage", ["audit", small, "--no-pixel-screen", "--index", str(r / "a2.parquet"), *one],
         {"LANG": "xx_YY.NOPE", "LC_ALL": "xx_YY.NOPE"}, 0, None),
    ]


CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\x9b]")
SECRETS = ("s3cret", "hunter2")


def leaks(text: str) -> bool:
    return HOSTILE_NAME in text or HOSTILE_MRN in text or any(s in text for s in SECRETS)


def problems_of(name: str, argv: list[str], root: Path, code: int, out: str, err: str, expected: int,
                message: str | None) -> list[str]:
    """What is wrong with one scenario's run."""
    found = []
    lines = err.strip().splitlines()
    if code != expected:
        found.append(f"exit {code} (want {expected})")
    if "Traceback" in out + err or "internal error" in out + err:
        found.append("traceback or internal error")
    if leaks(out + err):
        found.append("identifier or password")
    if CONTROL.search(err):
        found.append("a raw control character on the terminal")
    if code == 2 and len([line for line in lines if line.startswith("error:")]) != 1:
        found.append("not one error line")
    if message and not (lines and re.match(message, lines[-1])):
        found.append(f"message not '{message}…'")
    if any((root / "cwd").iterdir()):
        found.append("wrote into the working folder")
    if any(p.suffix != ".dcm" for p in (root / "small").rglob("*") if p.is_file()):
        found.append("wrote into SOURCE")
    return found


def file_outcomes_wrong(index: Path) -> list[str]:
    """The file cases whose outcome in an audit's index (full paths) is not :func:`cases`'s."""
    import pyarrow.parquet as pq

    rows = pq.read_table(index, columns=["path", "status", "reason"]).to_pylist()
    got = {row["path"]: (row["status"], row["reason"] or "") for row in rows}
    wrong = []
    expected = {**{name: (o, r) for name, (_, o, r) in cases().items() if not name.endswith((".zip", ".tar", ".tar.bz2",
                                                                                             ".tar.xz"))},
                **MEMBERS}
    for name, (outcome, reason) in sorted(expected.items()):
        name = re.sub(r"[\x00-\x1f\x7f]", lambda m: f"\\x{ord(m.group()):02x}", name)  # as reports show them
        if name not in got:
            wrong.append(f"{name!a}: not accounted for")
            continue
        status, why = got[name]
        if status != outcome or (reason and not why.startswith(reason)):
            wrong.append(f"{name!a}: {status} ({why}); want {outcome}{f' ({reason}...)' if reason else ''}")
        if HOSTILE_NAME in why or HOSTILE_MRN in why:
            wrong.append(f"{name!a}: the reason names the patient")
    for archive in ("site_b/overlapping.zip", "site_b/archive.tar.bz2", "site_b/archive.tar.xz"):
        if not any(path == archive or path.startswith(archive + "!/") for path in got):
            wrong.append(f"{archive}: not accounted for")
    return wrong


if __name__ == "__main__":  # measure: every scenario in a subprocess
    import subprocess
    import sys
    import tempfile

    here = Path(__file__).resolve().parent
    code_ = "import sys; from curator.cli import main; sys.argv[0] = 'curator'; main(sys.argv[1:])"
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        prepare(root)
        before = fingerprint(root / "source")
        bad = 0
        for argv in reference_runs(root):
            subprocess.run([sys.executable, "-c", code_, *argv], capture_output=True, check=True, cwd=root / "cwd",
                           env={**os.environ, "PYTHONPATH": os.environ.get("CURATOR_CODE", str(here.parent)),
                                "CURATOR_CACHE": str(root / "cache")})
        todo = scenarios(root)
        only = sys.argv[1:]
        for name, argv, env_changes, expected, message in todo:
            if only and not any(word in name for word in only):
                continue
            env = {**os.environ, "PYTHONPATH": os.environ.get("CURATOR_CODE", str(here.parent)),
                   "CURATOR_CACHE": str(root / "cache")}
            for k, v in env_changes.items():
                env.pop(k, None) if v is None else env.__setitem__(k, v)
            try:
                done = subprocess.run([sys.executable, "-c", code_, *argv], capture_output=True, env=env,
                                      cwd=root / "cwd", timeout=120)
            except subprocess.TimeoutExpired:
                bad += 1
                print(f"BAD {name}: hangs (killed after 120 s)")
                continue
            out_, err_ = done.stdout.decode("utf-8", "replace"), done.stderr.decode("utf-8", "replace")
            found = problems_of(name, argv, root, done.returncode, out_, err_, expected, message)
            for leftover in (root / "cwd").iterdir():
                shutil.rmtree(leftover) if leftover.is_dir() else leftover.unlink()
            bad += bool(found)
            last = err_.strip().splitlines()[-1] if err_.strip() else ""
            print(f"{'BAD' if found else 'ok '} {name}: {'; '.join(found)} | {last[:160]!a}", flush=True)
        print(f"{bad} of {len(todo)} command scenarios wrong")
        env = {**os.environ, "PYTHONPATH": os.environ.get("CURATOR_CODE", str(here.parent)),
               "CURATOR_CACHE": str(root / "cache")}
        for argv in (["audit", str(root / "source"), "--full-paths", "-w", "2", "-f", "json", "-o",
                      str(root / "h.json"), "--index", str(root / "h.parquet")],
                     ["deid", str(root / "source"), str(root / "hd"), "--key", str(root / "key"), "-w", "2"]):
            done = subprocess.run([sys.executable, "-c", code_, *argv], capture_output=True, env=env, cwd=root / "cwd",
                                  timeout=600)
            err_ = done.stderr.decode("utf-8", "replace")
            print(f"{argv[0]} hostile source: exit {done.returncode} | {err_.strip().splitlines()[-1:]!a}")
            if "Traceback" in err_ or leaks(err_):
                print("BAD traceback or identifier:", err_[-1500:])
        wrong = file_outcomes_wrong(root / "h.parquet")
        if fingerprint(root / "source") != before:
            wrong.append("a source file changed (mtime or bytes)")
        for line in wrong:
            print("BAD", line)
        print(f"{len(wrong)} file cases wrong of {len(cases()) + len(MEMBERS)}")
