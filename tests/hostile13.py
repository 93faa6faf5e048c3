"""Hostile inputs, round 13 (plain pydicom, the standard library and the codecs of the test
environment, no curator import): what rounds 1 to 12 did not try.

* a source (:func:`write_source`) whose file names carry the patient's name and ID together
  with newlines, ANSI escapes, bytes that are not UTF-8 and 255-byte names, on valid DICOM
  files (processed, released: the names must reach no output) and on broken ones; a symbolic
  link to a valid DICOM file outside the source, a symbolic link loop, a dangling link, a FIFO,
  a socket, an empty file; zips whose members are named '../../x' and '/abs' with the name,
  hold the same name twice, are flagged encrypted, or are 300 DICOM-like members of zeros (a
  bomb just under the ratio); a tar with a hard link, a character device and a nested zip;
* output paths (:func:`path_runs`: OUT, ``--index``, ``--out``, the key file) holding terminal
  escapes, a line break and a byte that is not UTF-8;
* pixel bombs (:func:`pixel_bombs`): honest encapsulated images, small on disk and huge
  decoded (100 frames of 4096 x 4096 in JPEG-LS and in baseline JPEG: 19 MB together, 3.4
  billion pixels), whose screening and cleaning took more than ten minutes; and
  ``CURATOR_MAX_PIXELS`` values no limit holds.

Every file's header names the patient (``HOSTILE_NAME``, ``HOSTILE_MRN``).  ``python
tests/hostile13.py`` measures every case in a subprocess (``CURATOR_CODE``: the tree to measure).
"""
from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from hostile import HOSTILE_MRN, HOSTILE_NAME  # noqa: E402
from hostile12 import _encapsulated, _image, _jpeg, _jpegls, problems_of, run_curator  # noqa: E402

__all__ = ["HOSTILE_MRN", "HOSTILE_NAME", "pixel_bombs"]

BOMB_SIDE, BOMB_FRAMES = 4096, 100  # 1,677,721,600 pixels a file, over the default limit of 2^30
BAD_LIMITS = ("", " ", "abc", "-1", "0", "1.5", "nan", "inf", "1e400", "0x10", "\uff11\uff10", "10 20")
LIMIT_VARIABLE = "CURATOR_MAX_PIXELS"


def pixel_bombs(folder: Path) -> list[str]:
    """Two honest multi-frame images of black frames, one JPEG-LS and one baseline JPEG stream
    repeated 100 times (59 KB and 19.7 MB on disk, 1.68 billion pixels each)."""
    from pydicom.uid import JPEGBaseline8Bit, JPEGLSLossless

    folder.mkdir(parents=True, exist_ok=True)
    black = np.zeros((BOMB_SIDE, BOMB_SIDE), np.uint8)
    names = []
    for n, (syntax, fragment) in enumerate(((JPEGLSLossless, _jpegls(black)), (JPEGBaseline8Bit, _jpeg(black, "JPEG")))):
        ds = _image(7300 + n, BOMB_SIDE, BOMB_SIDE, BOMB_FRAMES)
        ds.PixelData = b"\0\0"
        names.append(f"bomb{n}.dcm")
        (folder / names[-1]).write_bytes(_encapsulated(ds, syntax, [fragment] * BOMB_FRAMES))
    return names


WHO = f"{HOSTILE_NAME}_{HOSTILE_MRN}"
ESCAPES = "\x1b[2J\x1b]0;title\x07\r\n  0 rejected\x9b31m"


def _dicom(n: int) -> bytes:
    from hostile import _bytes, _ct

    return _bytes(_ct(n))


def _zip(members: list[tuple[str, bytes]], flag_encrypted: bool = False) -> bytes:
    import io
    import warnings
    import zipfile

    buffer = io.BytesIO()
    with warnings.catch_warnings(), zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        warnings.simplefilter("ignore")  # duplicate names are written on purpose
        for name, data in members:
            info = zipfile.ZipInfo(name, (2020, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, data)
    data = bytearray(buffer.getvalue())
    if flag_encrypted:  # bit 0 of the general purpose flags, local header and central directory
        for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
            at = data.find(signature)
            while at >= 0:
                data[at + offset] |= 1
                at = data.find(signature, at + 4)
    return bytes(data)


def _bomb_member(n: int) -> bytes:
    """A DICOM header followed by 1 MiB of zeros in its Pixel Data: deflates about 1,000 times."""
    ds = _image(n, 1024, 1024)
    ds.PixelData = bytes(1024 * 1024)
    from hostile import _bytes

    return _bytes(ds)


def _tar(entries: list[tuple[str, bytes | None, bytes, str]]) -> bytes:
    """(name, data, type, link name) members, written with tarfile."""
    import io
    import tarfile

    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as tf:
        for name, data, kind, link in entries:
            info = tarfile.TarInfo(name)
            info.type, info.linkname, info.mtime = kind, link, 1
            if kind == tarfile.CHRTYPE:
                info.devmajor, info.devminor = 1, 3
            info.size = len(data or b"")
            tf.addfile(info, io.BytesIO(data) if data else None)
    return buffer.getvalue()


def source_files() -> dict[bytes, bytes | str]:
    """Relative path (bytes: some are not UTF-8) -> content, or a kind: 'fifo', 'socket',
    'loop', 'dangling', 'outside' (a symbolic link to a valid file beside the source)."""
    import tarfile

    who, esc = WHO.encode(), ESCAPES.encode()
    out: dict[bytes, bytes | str] = {
        b"names/nl_" + who + b"\nok.dcm": _dicom(7501),
        b"names/esc_" + who + esc + b".dcm": _dicom(7502),
        b"names/\xff\xfe" + who + b"\xc3.dcm": _dicom(7503),
        b"names/" + (who + b"_") * (255 // (len(who) + 1)) + b"x" * (255 - (len(who) + 1) * (255 // (len(who) + 1))): _dicom(7504),
        who + b"/" + who + b".dcm": _dicom(7505),  # a folder (site) and a file named after the patient
        b"names/broken_" + who + esc + b".dcm": b"DICM not really " + who,
        b"names/empty_" + who + b".dcm": b"",
        b"special/fifo_" + who + b".dcm": "fifo",
        b"special/socket_" + who + b".dcm": "socket",
        b"special/loop_" + who: "loop",
        b"special/dangling_" + who + b".dcm": "dangling",
        b"special/outside_" + who + b".dcm": "outside",
        b"zips/traversal.zip": _zip([(f"../../{WHO}.dcm", _dicom(7510)), (f"/{WHO}/abs.dcm", _dicom(7511)),
                                     (f"ok_{WHO}.dcm", _dicom(7512))]),
        b"zips/duplicates.zip": _zip([(f"same_{WHO}.dcm", _dicom(7513)), (f"same_{WHO}.dcm", _dicom(7514))]),
        b"zips/encrypted.zip": _zip([(f"secret_{WHO}.dcm", _dicom(7515))], flag_encrypted=True),
        b"zips/bomb.zip": _zip([(f"b{i}.dcm", _bomb_member(7600 + i)) for i in range(300)]),
        b"tars/links.tar": _tar([(f"real_{WHO}.dcm", _dicom(7520), tarfile.REGTYPE, ""),
                                 (f"hard_{WHO}.dcm", None, tarfile.LNKTYPE, f"real_{WHO}.dcm"),
                                 (f"dev_{WHO}.dcm", None, tarfile.CHRTYPE, ""),
                                 (f"nested_{WHO}.zip", _zip([("in.dcm", _dicom(7521))]), tarfile.REGTYPE, "")]),
    }
    return out


def write_source(root: Path) -> Path:
    """The source folder under ``root`` (``root/source``) and, beside it, the file the
    'outside' link points to."""
    import socket

    source = root / "source"
    (root / "outside").mkdir(parents=True, exist_ok=True)
    (root / "outside" / "target.dcm").write_bytes(_dicom(7530))
    for relpath, content in source_files().items():
        path = os.path.join(os.fsencode(source), relpath)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        if isinstance(content, bytes):
            with open(path, "wb") as f:
                f.write(content)
        elif content == "fifo":
            os.mkfifo(path)
        elif content == "socket":
            sock = socket.socket(socket.AF_UNIX)
            sock.bind(path)
            sock.close()
        elif content == "loop":
            os.symlink(os.path.basename(path), path)
        elif content == "dangling":
            os.symlink(b"nowhere.dcm", path)
        else:
            os.symlink(os.fsencode(root / "outside" / "target.dcm"), path)
    return source


def small_image(folder: Path) -> str:
    """One native 16 x 16 image (256 pixels) with no text."""
    folder.mkdir(parents=True, exist_ok=True)
    ds = _image(7400)
    ds.PixelData = (np.arange(256, dtype=np.uint8) // 4).tobytes()
    from hostile import _bytes

    (folder / "small.dcm").write_bytes(_bytes(ds))
    return "small.dcm"


def prepare(root: Path) -> None:
    pixel_bombs(root / "bombs")
    small_image(root / "small")
    (root / "key").write_text(f"curator-key-v1:{'ab' * 32}\n")
    os.chmod(root / "key", 0o600)
    (root / "release.yaml").write_text((Path(__file__).resolve().parent.parent / "examples" / "release.yaml").read_text())
    (root / "cwd").mkdir(exist_ok=True)


def deid_report(folder: Path) -> dict:
    path = folder / "deid-report.json"
    return json.loads(path.read_text()) if path.exists() else {}


def quarantine_problems(folder: Path, items: int) -> list[str]:
    """Every item quarantined for its pixel count, none written, no identifier."""
    report = deid_report(folder)
    if not report:
        return [f"{folder.name}: no report"]
    found = []
    counts = report["counts"]
    if counts["quarantined"] != items or counts["written"] != 0:
        found.append(f"{folder.name}: {counts['written']} written, {counts['quarantined']} quarantined of {items}")
    for entry in report.get("quarantined", []):
        if LIMIT_VARIABLE not in entry["reason"]:
            found.append(f"{folder.name}: reason does not name the limit: {entry['reason'][:160]!a}")
    if list(folder.rglob("*.dcm")):
        found.append(f"{folder.name}: released an instance")
    text = json.dumps(report, ensure_ascii=False)
    if HOSTILE_NAME in text or HOSTILE_MRN in text:
        found.append(f"{folder.name}: the report names the patient")
    return found


def bomb_runs(root: Path) -> list[tuple[str, list[str], dict[str, str]]]:
    """(name, argv, environment changes) of the pixel-bomb scenarios, checked by :func:`bomb_problems`."""
    key, bombs, small = str(root / "key"), str(root / "bombs"), str(root / "small")
    return [
        ("deid --clean-pixels bombs", ["deid", bombs, str(root / "bc"), "--key", key, "-w", "2", "--clean-pixels", "--k", "1"], {}),
        ("deid bombs", ["deid", bombs, str(root / "bd"), "--key", key, "-w", "2", "--k", "1"], {}),
        ("audit bombs", ["audit", bombs, "-w", "2", "-f", "json", "-o", str(root / "ba.json"), "--index", str(root / "ba.parquet")], {}),
        ("deid small limit 100", ["deid", small, str(root / "sd"), "--key", key, "-w", "1", "--k", "1"], {LIMIT_VARIABLE: "100"}),
        ("deid --clean-pixels small limit 100", ["deid", small, str(root / "sc"), "--key", key, "-w", "1", "--k", "1",
                                                 "--clean-pixels"], {LIMIT_VARIABLE: "100"}),
    ]


def bomb_problems(name: str, root: Path) -> list[str]:
    if name.startswith("audit"):
        path = root / "ba.json"
        if not path.exists():
            return ["no audit report"]
        screen = json.loads(path.read_text())["burned_in"]["pixel_screen"]
        return [] if screen["not_decoded"] == 2 and screen["screened"] == 0 else [f"pixel screen {screen}"]
    folder = {"deid --clean-pixels bombs": "bc", "deid bombs": "bd", "deid small limit 100": "sd",
              "deid --clean-pixels small limit 100": "sc"}[name]
    return quarantine_problems(root / folder, 2 if "bombs" in name else 1)


def limit_runs(root: Path) -> list[tuple[str, list[str], dict[str, str]]]:
    """Every command that screens or cleans pixels, under each value of BAD_LIMITS: exit 2."""
    key, small, cfg = str(root / "key"), str(root / "small"), str(root / "release.yaml")
    runs = []
    for value in BAD_LIMITS:
        if not value.strip():
            continue  # empty: the default
        env = {LIMIT_VARIABLE: value}
        runs += [
            (f"audit {LIMIT_VARIABLE}={value!a}", ["audit", small, "-f", "json", "-o", str(root / "l.json"), "-w", "1"], env),
            (f"deid {LIMIT_VARIABLE}={value!a}", ["deid", small, str(root / "l_d"), "--key", key, "-w", "1"], env),
            (f"publish {LIMIT_VARIABLE}={value!a}", ["publish", small, str(root / "l_p"), "--key", key, "--config", cfg,
                                                      "-w", "1"], env),
        ]
    return runs


def odd(root: Path, stem: str, suffix: str = "") -> str:
    """A path under ``root`` whose name holds terminal escapes, a line break and a byte that is
    not UTF-8 (0x9b, the one-byte CSI of 8-bit terminals); the user's own name for an output,
    echoed by the command (escaped), so no patient name in it."""
    return os.fsdecode(os.fsencode(root) + b"/" + stem.encode() + ESCAPES.encode() + b"\x9b" + suffix.encode())


def path_runs(root: Path) -> list[tuple[str, list[str]]]:
    """Commands given output paths (OUT, --index, --out, the key file) that carry escapes and
    a byte that is not UTF-8: each must exit 0 and echo neither raw (:func:`path_problems`)."""
    key, small, cfg = str(root / "key"), str(root / "small"), str(root / "release.yaml")
    index = odd(root, "idx", ".parquet")
    return [
        ("scan --index odd", ["scan", small, "--index", index, "-w", "1"]),
        ("scan --index odd again", ["scan", small, "--index", index, "-w", "1"]),
        ("audit --index odd", ["audit", small, "--index", index, "-f", "json", "-o", odd(root, "audit", ".json"), "-w", "1"]),
        ("mappings review --index odd", ["mappings", "review", small, "--index", index, "--out", odd(root, "review", ".csv")]),
        ("deid OUT odd", ["deid", small, odd(root, "deid"), "--key", key, "--k", "1", "-w", "1"]),
        ("publish OUT odd", ["publish", small, odd(root, "publish"), "--key", key, "--config", cfg, "--k", "1", "-w", "1"]),
        ("validate OUT odd", ["validate", odd(root, "publish"), "--key", key]),
        ("keygen FILE odd", ["keygen", odd(root, "key")]),
    ]


def path_problems(code: int | None, out: str, err: str) -> list[str]:
    """:func:`hostile12.problems_of` for exit 0, and standard output held to it too: no raw
    control character, no byte that is not UTF-8 (decoded as U+FFFD)."""
    from hostile12 import CONTROL

    found = problems_of(code, out, err, 0, None)
    if CONTROL.search(out) or "\ufffd" in out + err:
        found.append("a raw control character or undecodable byte on standard output or error")
    return found


def env_of(root: Path, code: str) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": code, "CURATOR_CACHE": str(root / "cache")}


def source_runs(root: Path) -> list[tuple[str, list[str]]]:
    """Every command over :func:`write_source` (``python tests/hostile13.py source``): all pass
    on 66c95c4 already, so they are measured here, not tests (a test must be able to fail)."""
    src, key, cfg = str(root / "source"), str(root / "key"), str(root / "release.yaml")
    return [("audit", ["audit", src, "-w", "2", "-f", "json", "-o", str(root / "a.json"), "--index", str(root / "a.parquet")]),
            ("audit text", ["audit", src, "-w", "2", "--index", str(root / "a.parquet")]),
            ("audit html", ["audit", src, "-w", "2", "-f", "html", "-o", str(root / "a.html"), "--index", str(root / "a.parquet")]),
            ("scan", ["scan", src, "-w", "2", "--index", str(root / "s.parquet")]),
            ("deid", ["deid", src, str(root / "d"), "--key", key, "-w", "2", "--k", "1"]),
            ("deid --clean-pixels", ["deid", src, str(root / "c"), "--key", key, "-w", "2", "--k", "1", "--clean-pixels",
                                     "--quarantine", str(root / "q")]),
            ("publish", ["publish", src, str(root / "p"), "--key", key, "--config", cfg, "--release-date", "2026-01-01",
                         "--k", "1", "-w", "2"]),
            ("mappings review", ["mappings", "review", src, "--out", str(root / "review.csv"), "--index", str(root / "m.parquet")])]


def measure_source(root: Path, code: str) -> int:
    from hostile12 import output_leaks

    write_source(root)
    bad = 0
    for name, argv in source_runs(root):
        started = time.monotonic()
        got, out, err, rss = run_curator(argv, env_of(root, code), root / "cwd", 600)
        found = path_problems(got, out, err)
        bad += bool(found)
        print(f"{'BAD' if found else 'ok '} source {name}: {'; '.join(found)} | exit {got} {time.monotonic() - started:.1f}s "
              f"{rss} MiB | {(out + err)[-160:]!a}", flush=True)
    report = json.loads((root / "d" / "deid-report.json").read_text())["counts"]
    print("deid counts", report, "(322 items: 8 written)")
    for leaked in [f for f in ("a.json", "a.html", "review.csv") if WHO.encode() in (root / f).read_bytes()] + [
            p for folder in ("d", "c", "p", "q") if (root / folder).exists() for p in output_leaks(root / folder)]:
        bad += 1
        print("BAD the patient's name in", leaked)
    return bad


if __name__ == "__main__":
    import tempfile

    here = Path(__file__).resolve().parent
    code = os.environ.get("CURATOR_CODE", str(here.parent))
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        prepare(root)
        if sys.argv[1:] == ["source"]:
            print(f"{measure_source(root, code)} source problems")
            sys.exit()
        bad = total = 0
        for name, argv in path_runs(root):
            got, out, err, rss = run_curator(argv, env_of(root, code), root / "cwd", 300)
            found = path_problems(got, out, err)
            total += 1
            bad += bool(found)
            print(f"{'BAD' if found else 'ok '} {name}: {'; '.join(found)} | exit {got} | {(out + err)[-200:]!a}", flush=True)
        for name, argv, changes in bomb_runs(root) + limit_runs(root):
            started = time.monotonic()
            got, out, err, rss = run_curator(argv, {**env_of(root, code), **changes}, root / "cwd", float(os.environ.get("H13_TIMEOUT", "600")))
            expected = 2 if "=" in name else 0
            found = problems_of(got, out, err, expected, "error: CURATOR_MAX_PIXELS" if expected == 2 else None)
            if expected == 0 and got is not None:
                found += bomb_problems(name, root)
            total += 1
            bad += bool(found)
            last = err.strip().splitlines()[-1] if err.strip() else ""
            print(f"{'BAD' if found else 'ok '} {name}: {'; '.join(found)} | exit {got} {time.monotonic() - started:.1f}s "
                  f"{rss} MiB | {last[:160]!a}", flush=True)
        print(f"{bad} of {total} wrong")
