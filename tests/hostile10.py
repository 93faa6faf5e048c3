"""Hostile inputs, round 10 (plain pydicom and the standard library, no curator import): what
rounds 1 to 9 did not try.

* files in a source (:func:`cases`, each with the outcome the audit must give it): encapsulated
  pixel data whose Basic Offset Table points past the end, is not a multiple of 4 bytes long,
  or disagrees with an Extended Offset Table; an Extended Offset Table whose lengths run past
  the end; an Item Delimiter inside a defined-length item and a Sequence Delimiter inside a
  defined-length sequence; sequences nested with undefined lengths and never closed; a
  preamble, elements after the pixel data (group 7FE1) and Data Set Trailing Padding
  (FFFC,FFFC) holding the patient's name (deid's output must not); a zip appended to a DICOM
  file; the name in compressed frames where a decoder does not look (a JPEG comment split
  over two fragments or after the scan, bytes after JPEG's EOI or JPEG 2000's EOC); Decimal
  Strings that are NaN or infinite (the audit's JSON must stay JSON); a value of 30,000
  multiplicity; Rows and Columns of 0; Bits Stored above Bits Allocated; PALETTE
  COLOR without its palette; a Modality LUT whose data is shorter than its descriptor;
  Float Pixel Data of NaN; a folder named like an archive member ('col.zip!') beside the
  archive; a zip member compressed with a method Python lacks (Deflate64) or whose CRC lies;
  member names that are the same path spelled three ways; a tar whose second header is
  corrupt; a folder chain deeper than PATH_MAX;
* command lines (:func:`scenarios`): YAML nested 100,000 deep (release.yaml, a profile, site
  overrides, provenance) and YAML in UTF-16; release.yaml with huge values; a release whose
  FHIR or Croissant JSON is nested 100,000 deep, whose MANIFEST lists '../' paths, absolute
  paths or is not UTF-8; normalize's CSV with a 200 KB cell, NUL bytes, cp1252 bytes read as
  UTF-8, no description column, only a BOM, formulas in cells; ``--dicomweb-url`` and landing
  pages that are not http(s) or hold spaces; ``--release-id`` of traversal and 5,000
  characters; ``deid --force`` into an OUT holding symbolic links into SOURCE; ``keygen``
  into a dangling link and a folder; ``--index`` that is a folder; ``CURATOR_CACHE`` a file;
  a recipe that is binary or malformed.

Every file's header names the patient (``HOSTILE_NAME``, ``HOSTILE_MRN``), so rejections and
messages that quote too much are found.  ``python tests/hostile10.py`` measures every scenario
in a subprocess (``CURATOR_CODE``: the tree to measure).
"""
from __future__ import annotations

import hashlib
import io
import json
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
from hostile9 import J2K_LOSSLESS, JPEG_BASELINE, _encapsulated, _real_frame

__all__ = ["HOSTILE_MRN", "HOSTILE_NAME", "cases", "prepare", "scenarios"]

DATE = (2020, 1, 1, 0, 0, 0)
INDEXED, REJECTED, ANY = "indexed", "rejected", None
PIXEL_HEAD = b"\xe0\x7f\x10\x00OB"
DEEP_LEVELS, DEEP_NAME = 20, "d" * 250  # 20 x 251 bytes: beyond PATH_MAX (4,096)


def _meta_end(data: bytes) -> int:
    return 144 + struct.unpack("<I", data[140:144])[0]


def _item(value: bytes, tag: int = 0xE000) -> bytes:
    return struct.pack("<HHI", 0xFFFE, tag, len(value)) + value


def _with_pixels(data: bytes, bot: bytes, fragments: list[bytes], before: bytes = b"") -> bytes:
    """``data`` (encapsulated) with its Pixel Data replaced by ``bot`` and ``fragments``."""
    at = data.index(PIXEL_HEAD, _meta_end(data))
    body = _item(bot) + b"".join(_item(f) for f in fragments) + struct.pack("<HHI", 0xFFFE, 0xE0DD, 0)
    return data[:at] + before + PIXEL_HEAD + b"\0\0" + struct.pack("<I", 0xFFFFFFFF) + body


def _offset_cases(n: int) -> dict[str, bytes]:
    frames = [_real_frame("jpeg", s) for s in range(2)]
    bases = [_encapsulated(n + i, JPEG_BASELINE, frames, "2") for i in range(5)]
    ov = lambda tag, values: struct.pack("<HH2sHI", 0x7FE0, tag, b"OV", 0, 8 * len(values)) + struct.pack(  # noqa: E731
        f"<{len(values)}Q", *values)
    f0 = len(frames[0]) + 8
    return {
        "bot_past_end.dcm": _with_pixels(bases[0], struct.pack("<2I", 0, 0x7FFFFFF0), frames),
        "bot_odd_length.dcm": _with_pixels(bases[1], struct.pack("<I", 0) + b"\x01\x02", frames),
        "bot_eot_mismatch.dcm": _with_pixels(bases[2], b"", frames, ov(1, [0, f0, 2 * f0]) + ov(2, [f0 - 8] * 3)),
        "eot_lengths_past_end.dcm": _with_pixels(bases[3], b"", frames, ov(1, [0, f0]) + ov(2, [1 << 40, 1 << 40])),
        "fragment_tag_wrong.dcm": _with_pixels(bases[4], b"", [])[:-8] + _item(frames[0], 0xE00D) + _item(frames[1])
        + struct.pack("<HHI", 0xFFFE, 0xE0DD, 0),
    }


def _explicit(tag: int, vr: bytes, value: bytes, length: int | None = None) -> bytes:
    size = len(value) if length is None else length
    if vr in (b"OB", b"OW", b"OV", b"OF", b"SQ", b"UN", b"UT", b"UC"):
        return struct.pack("<HH2sHI", tag >> 16, tag & 0xFFFF, vr, 0, size) + value
    return struct.pack("<HH2sH", tag >> 16, tag & 0xFFFF, vr, size) + value


def _insert_before(data: bytes, head: bytes, extra: bytes) -> bytes:
    at = data.index(head, _meta_end(data))
    return data[:at] + extra + data[at:]


def _sequence_cases(n: int) -> dict[str, bytes]:
    lo = _explicit(0x00081030, b"LO", b"STUDY DESC")
    name = _explicit(0x00100010, b"PN", f"{HOSTILE_NAME}^Seq".encode() + b" " * (len(HOSTILE_NAME.encode()) % 2))
    in_item = lo + _item(b"", 0xE00D) + name  # an Item Delimiter inside a defined-length item
    seq_a = _explicit(0x00081115, b"SQ", _item(in_item))
    in_seq = _item(lo) + struct.pack("<HHI", 0xFFFE, 0xE0DD, 0) + _item(name)  # a Sequence Delimiter inside
    seq_b = _explicit(0x00081115, b"SQ", in_seq)
    undefined = struct.pack("<HH2sHI", 0x0008, 0x1115, b"SQ", 0, 0xFFFFFFFF) + struct.pack("<HHI", 0xFFFE, 0xE000, 0xFFFFFFFF)
    nested = undefined + lo + undefined.replace(b"\x08\x00\x15\x11", b"\x08\x00\x40\x11") + name
    data_a, data_b, data_c = _bytes(_ct(n)), _bytes(_ct(n + 1)), _bytes(_ct(n + 2))
    head = b"\x10\x00\x10\x00PN"
    return {
        "item_delimiter_inside_item.dcm": _insert_before(data_a, head, seq_a),
        "sequence_delimiter_inside_sequence.dcm": _insert_before(data_b, head, seq_b),
        "nested_never_closed.dcm": data_c[:data_c.index(head, _meta_end(data_c))] + nested,
    }


def _hidden_identifier_cases(n: int) -> dict[str, bytes]:
    """Identifiers where a header reader does not look: the preamble, after the pixel data,
    trailing padding, a zip appended after the dataset."""
    who = f"{HOSTILE_NAME} {HOSTILE_MRN} ".encode()
    pre = _bytes(_ct(n))
    preamble = (who * 8)[:128]
    after = _explicit(0x7FE10010, b"LO", b"HOSTILE PRIVATE ") + _explicit(0x7FE11001, b"LO", who + b" " * (len(who) % 2))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr(zipfile.ZipInfo(f"{HOSTILE_NAME}_{HOSTILE_MRN}.txt", DATE), who * 4)
    return {
        "identifier_in_preamble.dcm": preamble + pre[128:],
        "identifier_after_pixels.dcm": _bytes(_ct(n + 1)) + after,
        "identifier_in_trailing_padding.dcm": _bytes(_ct(n + 2)) + _explicit(0xFFFCFFFC, b"OB", who * 4),
        "zip_appended.dcm": _bytes(_ct(n + 3)) + buffer.getvalue(),
    }


def _frame_text_cases(n: int) -> dict[str, bytes]:
    """The patient's name and number inside compressed frames where a JPEG or JPEG 2000
    reader does not look: a JPEG comment split over two fragments, a comment after the scan,
    bytes after a JPEG's EOI and after a JPEG 2000 codestream's EOC."""
    who = f"{HOSTILE_NAME} {HOSTILE_MRN}".encode()
    jpeg, j2k = _real_frame("jpeg", 3), _real_frame("j2k", 3)
    com = b"\xff\xfe" + struct.pack(">H", len(who) + 2) + who
    with_com = jpeg[:2] + com + jpeg[2:]
    eoi = jpeg.rindex(b"\xff\xd9")
    cases = {"frame_comment_split_over_fragments.dcm": (JPEG_BASELINE, [with_com[:10], with_com[10:]]),
             "frame_comment_after_the_scan.dcm": (JPEG_BASELINE, [jpeg[:eoi] + com + jpeg[eoi:]]),
             "frame_text_after_eoi.dcm": (JPEG_BASELINE, [jpeg + who + b"\0" * (len(jpeg + who) % 2)]),
             "frame_text_after_j2k_eoc.dcm": (J2K_LOSSLESS, [j2k + who + b"\0" * (len(j2k + who) % 2)])}
    return {name: _with_pixels(_encapsulated(n + i, syntax, [jpeg if syntax == JPEG_BASELINE else j2k], "1"), b"", frags)
            for i, (name, (syntax, frags)) in enumerate(cases.items())}


def _value_cases(n: int) -> dict[str, bytes]:
    from pydicom.dataset import Dataset
    from pydicom.sequence import Sequence

    out = {}
    ds = _ct(n)
    ds.PixelSpacing = ["NaN", "inf"]
    ds.SliceThickness = "-inf"
    ds.KVP = "1e999"
    ds.add_new(0x00189306, "FD", float("nan"))  # Single Collimation Width
    ds.add_new(0x00280030, "DS", "NaN\\inf")
    out["nan_decimals.dcm"] = _bytes(ds)
    ds = _ct(n + 1)
    ds.ImageType = ["DERIVED", "PRIMARY"] + ["X"] * 30000
    out["huge_multiplicity.dcm"] = _bytes(ds)
    ds = _ct(n + 2)
    ds.Rows = ds.Columns = 0
    out["rows_zero.dcm"] = _bytes(ds)
    ds = _ct(n + 3)
    ds.BitsStored, ds.HighBit = 24, 40
    out["bits_stored_above_allocated.dcm"] = _bytes(ds)
    ds = _ct(n + 4)
    ds.PhotometricInterpretation, ds.BitsAllocated, ds.BitsStored, ds.HighBit = "PALETTE COLOR", 8, 8, 7
    ds.PixelData = bytes(range(64))
    out["palette_without_lut.dcm"] = _bytes(ds)
    ds = _ct(n + 5)
    lut = Dataset()
    lut.LUTDescriptor = [4096, 0, 16]
    lut.ModalityLUTType = "HU"
    lut.add_new(0x00283006, "OW", struct.pack("<2H", 1, 2))
    ds.ModalityLUTSequence = Sequence([lut])
    out["modality_lut_short.dcm"] = _bytes(ds)
    ds = _ct(n + 6)
    del ds.PixelData
    del ds.BitsStored, ds.HighBit, ds.PixelRepresentation
    ds.BitsAllocated = 32
    ds.FloatPixelData = struct.pack("<f", float("nan")) * 64
    out["float_pixels_nan.dcm"] = _bytes(ds)
    return out


def _zip_cases(n: int) -> dict[str, bytes]:
    one, two = _bytes(_ct(n)), _bytes(_ct(n + 1))

    def stored(members: dict[str, bytes]) -> bytes:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as zf:
            for name, data in members.items():
                zf.writestr(zipfile.ZipInfo(name, DATE), data)
        return buffer.getvalue()

    deflate64 = bytearray(stored({"member.dcm": one}))
    for sig in (b"PK\x03\x04", b"PK\x01\x02"):
        at = deflate64.index(sig)
        offset = 8 if sig == b"PK\x03\x04" else 10
        deflate64[at + offset:at + offset + 2] = struct.pack("<H", 9)  # Deflate64: Python has no decoder
    crc = bytearray(stored({"member.dcm": one}))
    crc[crc.index(b"PK\x01\x02") - 40] ^= 0xFF  # one pixel byte changed, the CRC kept
    same = stored({"dup/a.dcm": one, "dup//a.dcm": two, "./dup/a.dcm": _bytes(_ct(n + 2))})
    return {"deflate64.zip": bytes(deflate64), "crc_lies.zip": bytes(crc), "same_path_three_ways.zip": same}


def _tar_bad_second_header(n: int) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.USTAR_FORMAT) as tf:
        for i, name in enumerate(("first.dcm", "second.dcm", "third.dcm")):
            data = _bytes(_ct(n + i))
            info = tarfile.TarInfo(name)
            info.size, info.mtime = len(data), 1
            tf.addfile(info, io.BytesIO(data))
    data = bytearray(buffer.getvalue())
    second = data.index(b"second.dcm")
    data[second + 148:second + 156] = b"9999999\0"  # header checksum wrong
    return bytes(data)


def _collision(n: int) -> dict[str, bytes]:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr(zipfile.ZipInfo("m.dcm", DATE), _bytes(_ct(n)))
    return {"site_b/col.zip": buffer.getvalue(), "site_b/col.zip!/m.dcm": _bytes(_ct(n + 1))}


def cases() -> dict[str, tuple[bytes | None, str, str | None]]:
    """Relative path -> (bytes; the outcome the audit must give: ``indexed`` or ``rejected``,
    None: either, accounted for; the start of the reason, None: any reason).  Archives'
    members are in :data:`MEMBERS`; the folder deeper than PATH_MAX is made by :func:`write_cases`."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out: dict[str, tuple[bytes | None, str | None, str | None]] = {"site_a/ok.dcm": (_bytes(_ct(1000)), INDEXED, None)}
        for group, outcome in ((_offset_cases(1001), INDEXED), (_sequence_cases(1010), ANY),
                               (_hidden_identifier_cases(1020), INDEXED), (_value_cases(1030), ANY),
                               (_frame_text_cases(1090), INDEXED)):
            out.update({f"site_a/{name}": (data, outcome, None) for name, data in group.items()})
        data = out["site_a/fragment_tag_wrong.dcm"][0]
        out["site_a/fragment_tag_wrong.dcm"] = (data, ANY, None)  # an Item Delimiter where a fragment is
        out.update({f"site_b/{name}": (data, ANY, None) for name, data in _zip_cases(1050).items()})
        out["site_b/bad_second_header.tar"] = (_tar_bad_second_header(1060), ANY, None)
        out.update({name: (data, INDEXED, None) for name, data in _collision(1070).items()})
    return out  # type: ignore[return-value]


# members of archives whose own outcome is known (None: any, accounted for)
MEMBERS: dict[str, tuple[str | None, str | None]] = {
    "site_b/deflate64.zip!/member.dcm": (REJECTED, "archive member cannot be read (compressed with a method"),
    "site_b/crc_lies.zip!/member.dcm": (REJECTED, "archive member cannot be read (corrupt zip data"),
    "site_b/bad_second_header.tar!/first.dcm": (INDEXED, None),
    # tarfile took the corrupt second header for the end of the archive: two members unaccounted for
    "site_b/bad_second_header.tar": (REJECTED, "broken tar archive (a member's header is corrupt"),
    "site_b/col.zip!/m.dcm": (INDEXED, None),
}
ARCHIVES = ("site_b/deflate64.zip", "site_b/crc_lies.zip", "site_b/same_path_three_ways.zip",
            "site_b/bad_second_header.tar", "site_b/col.zip")
DEEP = "site_c/" + "/".join([DEEP_NAME] * DEEP_LEVELS) + "/deep.dcm"


def _write_deep(root: Path) -> None:
    """A folder chain of ``DEEP_LEVELS`` 250-byte names (made level by level from a folder
    descriptor: its whole path is beyond PATH_MAX) with one DICOM file at the bottom."""
    (root / "site_c").mkdir(parents=True, exist_ok=True)
    fd = os.open(root / "site_c", os.O_RDONLY | os.O_DIRECTORY)
    try:
        for _ in range(DEEP_LEVELS):
            os.mkdir(DEEP_NAME, dir_fd=fd)
            child = os.open(DEEP_NAME, os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
            os.close(fd)
            fd = child
        out = os.open("deep.dcm", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd)
        os.write(out, _bytes(_ct(1080)))
        os.close(out)
    finally:
        os.close(fd)


def write_cases(root: str | Path) -> list[str]:
    root = Path(root)
    for name, (data, _, _) in cases().items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if data is not None:
            path.write_bytes(data)
    _write_deep(root)
    return sorted([*cases(), DEEP])


def remove_deep(root: str | Path) -> None:
    """rmtree cannot remove a tree deeper than PATH_MAX by path: remove it level by level."""
    top = Path(root) / "site_c"
    if top.exists():
        shutil.rmtree(top)  # shutil.rmtree works from folder descriptors (no whole paths)


def fingerprint(folder: Path) -> dict[str, tuple[int, str]]:
    """Every file under ``folder`` (walked from folder descriptors: a path may be beyond
    PATH_MAX): (mtime in ns, SHA-256) -- a source must keep both."""
    found = {}
    for top, _, files, fd in os.fwalk(folder):
        for name in files:
            st = os.stat(name, dir_fd=fd, follow_symlinks=False)
            if not (st.st_mode & 0o170000) == 0o100000:
                continue
            handle = os.open(name, os.O_RDONLY, dir_fd=fd)
            with os.fdopen(handle, "rb") as f:
                digest = hashlib.sha256(f.read()).hexdigest()
            found[os.path.relpath(os.path.join(top, name), folder)] = (st.st_mtime_ns, digest)
    return found


def _nested_yaml(prefix: str = "") -> str:
    return prefix + "[" * 100_000 + "]" * 100_000 + "\n"


def _release(root: Path, name: str, edit) -> None:
    """A copy of the reference release ``p0`` changed by ``edit(folder)``."""
    folder = root / name
    shutil.copytree(root / "p0", folder, symlinks=True)
    edit(folder)


def _manifest_add(folder: Path, lines: list[str]) -> None:
    manifest = folder / "MANIFEST"
    text = manifest.read_text(encoding="utf-8")
    manifest.write_text(text + "".join(f"{'0' * 64}  {line}\n" for line in lines), encoding="utf-8")


def prepare_releases(root: Path) -> None:
    """Releases edited by hand from ``p0`` (made by :func:`reference_runs`)."""
    first_json = lambda folder, sub: sorted((folder / sub).rglob("*.json"))[0]  # noqa: E731
    deep_json = "[" * 100_000 + "]" * 100_000
    _release(root, "r_fhir_deep", lambda f: first_json(f, "fhir").write_text(deep_json))
    _release(root, "r_croissant_deep", lambda f: next(f.rglob("croissant*.json")).write_text(deep_json))
    _release(root, "r_manifest_traversal", lambda f: _manifest_add(f, ["../../key", "../p0/MANIFEST"]))
    _release(root, "r_manifest_absolute", lambda f: _manifest_add(f, [str(root / "key"), "/etc/passwd"]))
    _release(root, "r_manifest_latin1", lambda f: (f / "MANIFEST").write_bytes((f / "MANIFEST").read_bytes()
                                                                               + b"0" * 64 + b"  caf\xe9.txt\n"))
    _release(root, "r_catalog_deep", lambda f: (f / "catalog.ttl").write_text(
        "@prefix ex: <http://example.org/> .\nex:a ex:p " + "[ ex:p " * 20_000 + "ex:b" + " ]" * 20_000 + " .\n"))


def prepare(root: Path) -> list[str]:
    """``root``: source/ (:func:`write_cases`), small/ (7 patients at two sites), key files,
    YAML and CSV files, and the rest the scenarios name."""
    written = write_cases(root / "source")
    _small(root / "small")
    examples = Path(__file__).resolve().parent.parent / "examples"
    (root / "key").write_text(f"curator-key-v1:{'ab' * 32}\n")
    os.chmod(root / "key", 0o600)
    config = (examples / "release.yaml").read_text()
    (root / "release.yaml").write_text(config)
    (root / "deep.yaml").write_text(_nested_yaml())
    (root / "deep_in_title.yaml").write_text(config.replace("  en: Lung CT screening collection (curated)", "  en: " + "[" * 100_000, 1))
    (root / "utf16.yaml").write_bytes(config.encode("utf-16"))
    (root / "huge_title.yaml").write_text(config.replace("  en: Lung CT screening collection (curated)", "  en: " + "T" * 3_000_000, 1))
    (root / "ftp_landing.yaml").write_text(re.sub(r"(?m)^landing_page:.*$", "landing_page: file:///etc/passwd",
                                                   config, count=1))
    (root / "space_landing.yaml").write_text(re.sub(r"(?m)^landing_page:.*$",
                                                    'landing_page: "https://example.org/a b>c"', config, count=1))
    (root / "d.csv").write_text("description\nCT Brain\n")
    (root / "big_cell.csv").write_text("description\n" + "CT " * 70_000 + "\n")
    (root / "nul.csv").write_bytes(b"description\nCT\x00 Brain\nMR Knee\n")
    (root / "cp1252.csv").write_bytes("description\nIRM crâne T1 coupe fémur\n".encode("cp1252"))
    (root / "no_description.csv").write_text("series,modality\nCT Brain,CT\n")
    (root / "only_bom.csv").write_bytes(b"\xef\xbb\xbf")
    (root / "formula.csv").write_text('description\n"=cmd|\' /C calc\'!A0"\n+SUM(1;2)\n@HYPERLINK("http://x")\n')
    (root / "recipe_binary").write_bytes(bytes(range(256)) * 4)
    (root / "recipe_bad").write_text("FORMAT dicom\n%header\nFROBNICATE PatientName\nREPLACE\nADD\n")
    (root / "cache_file").write_text("not a folder\n")
    (root / "index_dir").mkdir()
    (root / "cwd").mkdir()
    # deid --force into OUT holding links into SOURCE (copy of small/, linked from OUT)
    (root / "force_out").mkdir()
    os.symlink(root / "small" / "site_big", root / "force_out" / "site_big")
    os.symlink(root / "small" / "site_big" / "1.dcm", root / "force_out" / "deid-report.json")
    os.symlink(root / "nowhere" / "key", root / "dangling_key")
    (root / ".p11.partial").mkdir()  # the staging folder of publish's OUT p11, as a killed run leaves it
    os.symlink(root / "small" / "site_big", root / ".p11.partial" / "release")
    return written


Scenario = tuple[str, list[str], dict[str, str | None], int, str | None]


def reference_runs(root: str | Path) -> list[list[str]]:
    """The release the validate scenarios edit (``p0``)."""
    r = Path(root)
    return [["publish", str(r / "small"), str(r / "p0"), "--key", str(r / "key"), "--config", str(r / "release.yaml"),
             "--release-date", "2026-01-01", "-w", "1"]]


def scenarios(root: str | Path) -> list[Scenario]:
    """(name, argv, environment changes (None: unset), the exit status it must give (a set:
    any of them), a regular expression its last stderr line must match from its start, or
    None) over ``root`` prepared by :func:`prepare` and :func:`prepare_releases`; run with
    ``root/cwd`` as the working folder."""
    r = Path(root)
    small, key, cfg = str(r / "small"), str(r / "key"), str(r / "release.yaml")
    one = ["-w", "1"]
    pub = ["publish", small]
    deid = ["deid", small]
    norm = lambda name, *more: ["normalize", str(r / name), "-o", "-", *more]  # noqa: E731
    return [
        # YAML nested deeper than the parser's recursion
        ("publish --config nested 100,000 deep", [*pub, str(r / "p1"), "--key", key, "--config", str(r / "deep.yaml"),
                                                 *one], {}, 2, "error: .*deep.yaml"),
        ("publish --config a title nested 100,000 deep", [*pub, str(r / "p2"), "--key", key, "--config",
                                                         str(r / "deep_in_title.yaml"), *one], {}, 2, "error: "),
        ("deid --profile nested 100,000 deep", [*deid, str(r / "o1"), "--key", key, "--profile", str(r / "deep.yaml"),
                                               *one], {}, 2, "error: .*deep.yaml"),
        ("audit --overrides nested 100,000 deep", ["audit", small, "--overrides", str(r / "deep.yaml"), *one], {}, 2,
         "error: .*deep.yaml"),
        ("audit --provenance nested 100,000 deep", ["audit", small, "--provenance", str(r / "deep.yaml"), *one], {}, 2,
         "error: .*deep.yaml"),
        ("normalize --overrides nested 100,000 deep", norm("d.csv", "--overrides", str(r / "deep.yaml")), {}, 2,
         "error: .*deep.yaml"),
        ("publish --config UTF-16", [*pub, str(r / "p3"), "--key", key, "--config", str(r / "utf16.yaml"), *one], {}, 2,
         "error: .*utf16.yaml"),
        # refused since round 11 (a title is at most 1,000 characters; round 10 measured it taken in 17 s)
        ("publish --config a title of 3 MB", [*pub, str(r / "p4"), "--key", key, "--config", str(r / "huge_title.yaml"),
                                             *one], {}, 2, "error: huge_title.yaml: title.en: "),
        ("publish --config landing page file:///", [*pub, str(r / "p5"), "--key", key, "--config",
                                                   str(r / "ftp_landing.yaml"), *one], {}, 2, "error: .*landing_page"),
        ("publish --config landing page with a space", [*pub, str(r / "p6"), "--key", key, "--config",
                                                       str(r / "space_landing.yaml"), *one], {}, 2,
         "error: .*landing_page"),
        ("publish --dicomweb-url javascript:", [*pub, str(r / "p7"), "--key", key, "--config", cfg, "--dicomweb-url",
                                               "javascript:alert(1)", *one], {}, 2, "error: .*--dicomweb-url"),
        ("publish --dicomweb-url with a space", [*pub, str(r / "p8"), "--key", key, "--config", cfg, "--dicomweb-url",
                                                "https://pacs.example.org/dicom web>", *one], {}, 2,
         "error: .*--dicomweb-url"),
        ("publish --release-id ../../etc", [*pub, str(r / "p9"), "--key", key, "--config", cfg, "--release-id",
                                           "../../etc", *one], {}, 2, "error: .*--release-id"),
        ("publish --release-id of 5,000 characters", [*pub, str(r / "p10"), "--key", key, "--config", cfg,
                                                     "--release-id", "a" * 5000, *one], {}, 2, "error: .*--release-id"),
        # validate releases edited by hand
        ("validate FHIR JSON nested 100,000 deep", ["validate", str(r / "r_fhir_deep")], {}, 1, None),
        ("validate Croissant nested 100,000 deep", ["validate", str(r / "r_croissant_deep")], {}, 1, None),
        # a MANIFEST that cannot be read as one: not a release (exit 2), as before this round
        ("validate MANIFEST listing ../", ["validate", str(r / "r_manifest_traversal")], {}, 2,
         "error: MANIFEST line .* outside the release"),
        ("validate MANIFEST listing absolute paths", ["validate", str(r / "r_manifest_absolute")], {}, 2,
         "error: MANIFEST line .* outside the release"),
        ("validate MANIFEST not UTF-8", ["validate", str(r / "r_manifest_latin1")], {}, 2, "error: MANIFEST"),
        ("validate catalog.ttl nested 20,000 deep", ["validate", str(r / "r_catalog_deep")], {}, 1, None),
        # normalize's CSV
        ("normalize a cell of 200 KB", norm("big_cell.csv"), {}, 2, "error: .*field larger"),
        ("normalize NUL bytes", norm("nul.csv"), {}, 0, None),
        ("normalize cp1252 read as UTF-8", norm("cp1252.csv"), {}, 2, "error: .*(encoding|UTF-8)"),
        ("normalize no description column", norm("no_description.csv"), {}, 2, "error: .*description"),
        ("normalize only a BOM", norm("only_bom.csv"), {}, 2, "error: "),
        ("normalize formulas in cells", norm("formula.csv"), {}, 0, None),
        ("normalize --overrides a CSV of formulas", norm("d.csv", "--overrides", str(r / "formula.csv")), {}, 2,
         "error: "),
        # outputs
        ("deid --force OUT holding links into SOURCE", [*deid, str(r / "force_out"), "--key", key, "--force", *one], {},
         2, "error: the output folder holds a symbolic link"),
        ("deid --quarantine holding a link into SOURCE", [*deid, str(r / "o4"), "--key", key, "--quarantine",
                                                          str(r / "force_out"), *one], {}, 2,
         "error: the quarantine folder holds a symbolic link"),
        ("publish over a staging folder holding a link into SOURCE", [*pub, str(r / "p11"), "--key", key, "--config",
                                                                     cfg, *one], {}, 2,
         "error: the release's staging folder holds a symbolic link"),
        ("keygen into a dangling link", ["keygen", str(r / "dangling_key")], {}, 2, "error: "),
        ("keygen into a folder", ["keygen", str(r / "index_dir")], {}, 2, "error: "),
        ("scan --index a folder", ["scan", small, "--index", str(r / "index_dir"), *one], {}, 2, "error: .*--index"),
        ("scan CURATOR_CACHE a file", ["scan", small, *one], {"CURATOR_CACHE": str(r / "cache_file")}, 2, "error: "),
        ("deid --recipe binary", [*deid, str(r / "o2"), "--key", key, "--recipe", str(r / "recipe_binary"), *one], {}, 2,
         r"error: recipe is not UTF-8 text: recipe_binary$"),
        ("deid --recipe malformed", [*deid, str(r / "o3"), "--key", key, "--recipe", str(r / "recipe_bad"), *one], {}, 2,
         "error: .*recipe"),
    ]


CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\x9b]")


def leaks(text: str) -> bool:
    return HOSTILE_NAME in text or HOSTILE_MRN in text


def problems_of(name: str, root: Path, code: int, out: str, err: str, expected: int, message: str | None) -> list[str]:
    """What is wrong with one scenario's run."""
    found = []
    lines = err.strip().splitlines()
    if code != expected:
        found.append(f"exit {code} (want {expected})")
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
    if any(p.suffix != ".dcm" for p in (root / "small").rglob("*") if p.is_file()):
        found.append("wrote into SOURCE")
    if name == "normalize formulas in cells" and re.search(r"(^|,)[=+@-]", out, re.M):
        found.append("a formula in the output CSV")
    return found


def file_outcomes_wrong(index: Path) -> list[str]:
    """The file cases whose outcome in an audit's index (full paths) is not :func:`cases`'s."""
    import pyarrow.parquet as pq

    rows = pq.read_table(index, columns=["path", "status", "reason"]).to_pylist()
    got: dict[str, list[tuple[str, str]]] = {}
    for row in rows:
        got.setdefault(row["path"], []).append((row["status"], row["reason"] or ""))
    wrong = []
    expected = {**{name: (o, r) for name, (_, o, r) in cases().items() if name not in ARCHIVES}, **MEMBERS,
                DEEP: (ANY, None)}
    deep_folder = [p for p in got if DEEP.startswith(p + "/")]  # the folder that cannot be listed
    if deep_folder:
        got[DEEP] = got[deep_folder[0]]
    for name, (outcome, reason) in sorted(expected.items()):
        if name not in got:
            wrong.append(f"{name[:80]!a}: not accounted for")
            continue
        for status, why in got[name]:
            if (outcome and status != outcome) or (reason and not why.startswith(reason)):
                wrong.append(f"{name[:80]!a}: {status} ({why}); want {outcome}{f' ({reason}...)' if reason else ''}")
            if leaks(why):
                wrong.append(f"{name!a}: the reason names the patient")
    if len(got.get("site_b/col.zip!/m.dcm", [])) != 2:
        wrong.append("site_b/col.zip!/m.dcm: the folder's file and the archive's member are not two rows")
    for archive in ARCHIVES:
        if not any(path == archive or path.startswith(archive + "!/") for path in got):
            wrong.append(f"{archive}: not accounted for")
    members = [p for p in got if p.startswith("site_b/same_path_three_ways.zip!/")]
    if sum(len(got[p]) for p in members) != 3:
        wrong.append(f"site_b/same_path_three_ways.zip: {sum(len(got[p]) for p in members)} rows for its 3 members")
    return wrong


def output_leaks(folder: Path) -> list[str]:
    """Files under ``folder`` (deid's or publish's output) whose bytes hold the patient's name,
    its first or last letters, or number (in the preamble, trailing bytes...)."""
    name = HOSTILE_NAME.encode("utf-8")
    needles = [name, HOSTILE_MRN.encode(), name[:6], name[-10:]]  # its parts: what is left of a cut value
    found = []
    for top, _, files, fd in os.fwalk(folder):
        for name in files:
            handle = os.open(name, os.O_RDONLY, dir_fd=fd)
            with os.fdopen(handle, "rb") as f:
                data = f.read()
            if any(n in data for n in needles):
                found.append(os.path.relpath(os.path.join(top, name), folder))
    return found


def deid_accounting_wrong(folder: Path, index: Path) -> list[str]:
    """deid's report does not account for every row of the audit's index (the same items)."""
    import pyarrow.parquet as pq

    counts = json.loads((folder / "deid-report.json").read_text())["counts"]
    rows = pq.read_table(index, columns=["path"]).num_rows
    done = counts["written"] + counts["quarantined"] + counts["rejected"]
    return [] if counts["items"] == rows == done else [f"deid accounts for {done} of {counts['items']} items, "
                                                       f"the audit for {rows}"]


if __name__ == "__main__":  # measure: every scenario in a subprocess
    import subprocess
    import sys
    import tempfile
    import time

    here = Path(__file__).resolve().parent
    code_ = "import sys; from curator.cli import main; sys.argv[0] = 'curator'; main(sys.argv[1:])"
    env0 = {**os.environ, "PYTHONPATH": os.environ.get("CURATOR_CODE", str(here.parent))}
    only = sys.argv[1:]
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        prepare(root)
        env0["CURATOR_CACHE"] = str(root / "cache")
        before = fingerprint(root / "source")
        small_before = fingerprint(root / "small")
        for argv in reference_runs(root):
            subprocess.run([sys.executable, "-c", code_, *argv], capture_output=True, check=True, cwd=root / "cwd", env=env0)
        prepare_releases(root)
        todo = scenarios(root)
        bad = 0
        for name, argv, env_changes, expected, message in todo:
            if only and not any(word in name for word in only):
                continue
            env = dict(env0)
            for k, v in env_changes.items():
                env.pop(k, None) if v is None else env.__setitem__(k, v)
            started = time.monotonic()
            try:
                done = subprocess.run([sys.executable, "-c", code_, *argv], capture_output=True, env=env,
                                      cwd=root / "cwd", timeout=120)
            except subprocess.TimeoutExpired:
                bad += 1
                print(f"BAD {name}: hangs (killed after 120 s)")
                continue
            out_, err_ = done.stdout.decode("utf-8", "replace"), done.stderr.decode("utf-8", "replace")
            found = problems_of(name, root, done.returncode, out_, err_, expected, message)
            if fingerprint(root / "small") != small_before:
                found.append("SOURCE changed")
                small_before = fingerprint(root / "small")
            for leftover in (root / "cwd").iterdir():
                shutil.rmtree(leftover) if leftover.is_dir() else leftover.unlink()
            bad += bool(found)
            last = err_.strip().splitlines()[-1] if err_.strip() else ""
            print(f"{'BAD' if found else 'ok '} {name}: {'; '.join(found)} | {time.monotonic() - started:.1f}s | "
                  f"{last[:160]!a}", flush=True)
        print(f"{bad} of {len(todo)} command scenarios wrong")
        if only:
            sys.exit()
        for argv in (["audit", str(root / "source"), "--full-paths", "-w", "2", "-f", "json", "-o",
                      str(root / "h.json"), "--index", str(root / "h.parquet")],
                     ["deid", str(root / "source"), str(root / "hd"), "--key", str(root / "key"), "-w", "2"]):
            started = time.monotonic()
            done = subprocess.run([sys.executable, "-c", code_, *argv], capture_output=True, env=env0, cwd=root / "cwd",
                                  timeout=600)
            err_ = done.stderr.decode("utf-8", "replace")
            print(f"{argv[0]} hostile source: exit {done.returncode} in {time.monotonic() - started:.1f}s | "
                  f"{err_.strip().splitlines()[-1:]!a}")
            if "Traceback" in err_ or leaks(err_):
                print("BAD traceback or identifier:", err_[-1500:])
        wrong = file_outcomes_wrong(root / "h.parquet") if (root / "h.parquet").exists() else ["no index"]
        try:
            json.loads((root / "h.json").read_text())
        except (OSError, ValueError) as exc:
            wrong.append(f"audit JSON not readable: {exc}")
        if fingerprint(root / "source") != before:
            wrong.append("a source file changed (mtime or bytes)")
        if (root / "hd").exists():
            wrong += [f"deid output holds an identifier: {p}" for p in output_leaks(root / "hd")]
            wrong += deid_accounting_wrong(root / "hd", root / "h.parquet")
        for line in wrong:
            print("BAD", line)
        print(f"{len(wrong)} file cases wrong of {len(cases()) + len(MEMBERS)}")
        remove_deep(root / "source")
