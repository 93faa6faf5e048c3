"""Hostile inputs, round 8 (plain pydicom and the standard library, no curator import): what
rounds 1 to 7 did not try.

* files in a source (:func:`cases`, each with the outcome the audit must give it): an element
  whose VR is two NUL bytes (round 7 left its reason imprecise); zips whose members are a
  symbolic link (to ``/etc/passwd``, as ``zip --symlinks`` stores it), a FIFO and a character
  device (Unix modes in the external attributes), which a tar archive's members of the same
  kinds are refused as; a tar with a FIFO and a character device member; two names that are
  the same text in Unicode (NFC and NFD) in one folder; a Manufacturer and a folder name
  holding terminal escape sequences;
* command lines and environments (:func:`scenarios`): names given on the command line that
  hold terminal escapes, a line break or bytes that are not UTF-8 (the error line must be
  one line, with no raw control character); files named on the command line that are a FIFO
  or ``/dev/zero`` where rounds 6 and 7 did not look (``--recipe``, a CSV of ``normalize``
  and of ``--overrides``, ``--index``, a release's ``catalog.ttl``); outputs inside SOURCE
  (``--index``, ``audit -o``, ``--batches``) or a quarantine inside OUT (at-risk pixels in the
  release); the report and the batches table given the same file; ``HOME`` empty; a DICOMweb
  token holding a line break; outputs on a full file system for the commands round 5 did not
  fill (keygen, normalize, audit -o, mappings review).

Every file's header names the patient (``HOSTILE_NAME``, ``HOSTILE_MRN``), so rejections and
messages that quote too much are found.  ``python tests/hostile8.py`` measures every scenario
in a subprocess (``CURATOR_CODE``: the tree to measure).
"""
from __future__ import annotations

import io
import os
import re
import shutil
import stat
import struct
import subprocess
import tarfile
import unicodedata
import warnings
import zipfile
from pathlib import Path

from hostile import HOSTILE_MRN, HOSTILE_NAME, _bytes, _ct
from hostile7 import _small

__all__ = ["HOSTILE_MRN", "HOSTILE_NAME", "cases", "prepare", "scenarios"]

DATE = (2020, 1, 1, 0, 0, 0)
INDEXED, REJECTED = "indexed", "rejected"
ESC = "\x1b[2J\x1b]0;pwned\x07"  # clear the screen, set the window title
NFC = unicodedata.normalize("NFC", "caf\u00e9.dcm")
NFD = unicodedata.normalize("NFD", "caf\u00e9.dcm")


def _meta_end(data: bytes) -> int:
    return 144 + struct.unpack("<I", data[140:144])[0]


def _nul_vr(n: int) -> bytes:
    """A private element whose VR is two NUL bytes, between valid explicit VR elements."""
    data = _bytes(_ct(n))
    at = data.index(b"\x10\x00\x20\x00", _meta_end(data))  # before Patient ID
    element = struct.pack("<HH2sH", 0x0009, 0x0010, b"\0\0", 8) + HOSTILE_MRN.encode()
    return data[:at] + element + data[at:]


def _zip_special(n: int) -> bytes:
    """A zip whose members are a symbolic link, a FIFO and a character device (Unix modes in
    the external attributes, as Info-ZIP stores them), and one instance."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for name, mode, data in (("link.dcm", stat.S_IFLNK | 0o777, b"/etc/passwd"),
                                 ("fifo.dcm", stat.S_IFIFO | 0o644, b""),
                                 ("device.dcm", stat.S_IFCHR | 0o644, b""),
                                 ("fine.dcm", stat.S_IFREG | 0o644, _bytes(_ct(n)))):
            info = zipfile.ZipInfo(name, DATE)
            info.create_system = 3  # Unix
            info.external_attr = mode << 16
            zf.writestr(info, data)
    return buffer.getvalue()


def _tar_special(n: int) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.GNU_FORMAT) as tf:
        for name, kind in (("fifo.dcm", tarfile.FIFOTYPE), ("device.dcm", tarfile.CHRTYPE)):
            info = tarfile.TarInfo(name)
            info.type, info.mtime = kind, 1
            tf.addfile(info)
        data = _bytes(_ct(n))
        info = tarfile.TarInfo("fine.dcm")
        info.size, info.mtime = len(data), 1
        tf.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def _escaped_manufacturer(n: int) -> bytes:
    ds = _ct(n)
    ds.Manufacturer, ds.ManufacturerModelName = f"ACME{ESC}", f"Model\x1b[31m{HOSTILE_NAME}"[:30]
    return _bytes(ds)


def cases() -> dict[str, tuple[bytes | None, str, str | None]]:
    """Relative path -> (bytes; the outcome the audit must give: ``indexed`` or ``rejected``;
    the start of the reason, None: any reason).  Archives' members are in :data:`MEMBERS`."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return {
            "site_a/ok.dcm": (_bytes(_ct(800)), INDEXED, None),
            "site_a/vr_nul.dcm": (_nul_vr(801), REJECTED, "element with an invalid VR"),
            f"site_a/{NFC}": (_bytes(_ct(802)), INDEXED, None),
            f"site_a/{NFD}": (_bytes(_ct(803)), INDEXED, None),
            f"site_a/esc{ESC}/escaped.dcm": (_escaped_manufacturer(804), INDEXED, None),
            "site_b/zip_special.zip": (_zip_special(805), INDEXED, None),
            "site_b/tar_special.tar": (_tar_special(806), INDEXED, None),
        }


# members of archives whose own outcome differs from the archive's
MEMBERS = {
    "site_b/zip_special.zip!/link.dcm": (REJECTED, "link inside archive (not followed)"),
    "site_b/zip_special.zip!/fifo.dcm": (REJECTED, "special file inside archive"),
    "site_b/zip_special.zip!/device.dcm": (REJECTED, "special file inside archive"),
    "site_b/zip_special.zip!/fine.dcm": (INDEXED, None),
    "site_b/tar_special.tar!/fifo.dcm": (REJECTED, "special file inside archive"),
    "site_b/tar_special.tar!/device.dcm": (REJECTED, "special file inside archive"),
    "site_b/tar_special.tar!/fine.dcm": (INDEXED, None),
}


def write_cases(root: str | Path) -> list[str]:
    root = Path(root)
    for name, (data, _, _) in cases().items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if data is not None:
            path.write_bytes(data)
    return sorted(cases())


FULL_SIZE = "64k"


def mount_full(folder: Path) -> bool:
    """A tmpfs of 64 KiB at ``folder``, filled up; False where mounting is not permitted."""
    folder.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0 or shutil.which("mount") is None:
        return False
    made = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={FULL_SIZE}", "tmpfs", str(folder)],
                          capture_output=True, check=False)
    if made.returncode != 0:
        return False
    fd = os.open(folder / "filler", os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        while os.write(fd, b"\0" * 4096):
            pass
    except OSError:
        pass
    finally:
        os.close(fd)
    return True


def unmount(folder: Path) -> None:
    subprocess.run(["umount", "-l", str(folder)], capture_output=True, check=False)


def prepare(root: Path) -> list[str]:
    """``root``: source/ (:func:`write_cases`), small/ (7 patients at two sites), a key, FIFOs,
    a fake release whose catalog.ttl is a FIFO, full/ (a full tmpfs, when root may mount)."""
    written = write_cases(root / "source")
    _small(root / "small")
    (root / "key").write_text("curator-key-v1:" + "ab" * 32 + "\n")
    os.chmod(root / "key", 0o600)
    os.mkfifo(root / "fifo")
    os.mkfifo(root / "fifo.csv")
    (root / "d.csv").write_text("description\nCT Brain\n")
    (root / "fake_release").mkdir()
    (root / "fake_release" / "MANIFEST").write_text("")
    os.mkfifo(root / "fake_release" / "catalog.ttl")
    (root / "linked_release").mkdir()
    (root / "linked_release" / "MANIFEST").write_text("")
    os.symlink("/etc/passwd", root / "linked_release" / "catalog.ttl")
    (root / "cwd").mkdir()
    mount_full(root / "full")
    return written


Scenario = tuple[str, list[str], dict[str, str | None], int, str | None]


def scenarios(root: str | Path) -> list[Scenario]:
    """(name, argv, environment changes (None: unset), the exit status it must give, a regular
    expression its last stderr line must match from its start, or None) over ``root``
    prepared by :func:`prepare`; run with ``root/cwd`` as the working folder."""
    r = Path(root)
    src, small, key = str(r / "source"), str(r / "small"), str(r / "key")
    one = ["-w", "1"]
    full = r / "full"
    out: list[Scenario] = [
        # names that would drive the terminal, or break the one-line error
        ("scan SOURCE named with escapes", ["scan", str(r / f"gone{ESC}src"), *one], {}, 2, "error: source not found"),
        ("deid --key named with escapes", ["deid", small, str(r / "o1"), "--key", str(r / f"k{ESC}ey"), *one], {}, 2,
         "error: "),
        ("scan SOURCE named with a line break", ["scan", str(r / "gone\nerror: all files ok"), *one], {}, 2,
         "error: source not found"),
        ("keygen FILE named with escapes", ["keygen", str(r / "missing" / f"k{ESC}")], {}, 2, "error: "),
        ("normalize INPUT named with escapes", ["normalize", str(r / f"gone{ESC}.csv"), "-o", "-"], {}, 2, "error: "),
        ("audit a header with escapes (text)", ["audit", src, "--no-pixel-screen", *one, "--index", str(r / "a1.parquet")],
         {}, 0, None),
        ("audit a header with escapes (--full-paths)", ["audit", src, "--no-pixel-screen", "--full-paths", *one,
                                                        "--index", str(r / "a2.parquet")], {}, 0, None),
        # files named on the command line that never end or wait for a writer
        ("deid --recipe FIFO", ["deid", small, str(r / "o2"), "--key", key, "--recipe", str(r / "fifo"), *one], {}, 2,
         "error: .*not a regular file"),
        ("deid --recipe /dev/zero", ["deid", small, str(r / "o3"), "--key", key, "--recipe", "/dev/zero", *one], {}, 2,
         "error: .*not a regular file"),
        ("normalize INPUT_CSV FIFO", ["normalize", str(r / "fifo.csv"), "-o", "-"], {}, 2, "error: .*not a regular file"),
        ("normalize INPUT_CSV /dev/zero", ["normalize", "/dev/zero", "-o", "-"], {}, 2, "error: .*not a regular file"),
        ("normalize --overrides CSV FIFO", ["normalize", str(r / "d.csv"), "-o", "-", "--overrides", str(r / "fifo.csv")], {}, 2,
         "error: .*not a regular file"),
        ("audit --index FIFO", ["audit", small, "--no-pixel-screen", "--index", str(r / "fifo"), *one], {}, 2, "error: "),
        ("validate catalog.ttl a FIFO", ["validate", str(r / "fake_release")], {}, 1, None),
        ("validate catalog.ttl a symlink outside", ["validate", str(r / "linked_release")], {}, 1, None),
        # outputs where they do harm
        ("scan --index inside SOURCE", ["scan", small, "--index", str(r / "small" / "i.parquet"), *one], {}, 2,
         "error: .*inside"),
        ("audit -o inside SOURCE", ["audit", small, "--no-pixel-screen", "-o", str(r / "small" / "report.txt"),
                                    "--index", str(r / "a3.parquet"), *one], {}, 2, "error: .*inside"),
        ("audit --batches inside SOURCE", ["audit", small, "--no-pixel-screen", "--batches", str(r / "small" / "b.csv"),
                                           "-o", str(r / "a4.txt"), "--index", str(r / "a4.parquet"), *one], {}, 2,
         "error: .*inside"),
        ("audit -o and --batches the same file", ["audit", small, "--no-pixel-screen", "-o", str(r / "same.csv"),
                                                  "--batches", str(r / "same.csv"), "--index", str(r / "a5.parquet"),
                                                  *one], {}, 2, "error: "),
        ("deid --quarantine inside OUT", ["deid", small, str(r / "o4"), "--key", key, "--quarantine", str(r / "o4" / "q"),
                                          *one], {}, 2, "error: .*quarantine"),
        ("deid --quarantine OUT itself", ["deid", small, str(r / "o5"), "--key", key, "--quarantine", str(r / "o5"),
                                          *one], {}, 2, "error: .*quarantine"),
        # environment
        ("scan HOME empty", ["scan", small, *one], {"HOME": "", "CURATOR_CACHE": None, "XDG_CACHE_HOME": None}, 2,
         "error: "),
        ("scan XDG_CACHE_HOME relative", ["scan", small, *one],
         {"HOME": str(r / "home"), "CURATOR_CACHE": None, "XDG_CACHE_HOME": "rel"}, 0, None),
        ("scan DICOMweb token with a line break", ["scan", "http://127.0.0.1:9/dicom-web", *one],
         {"CURATOR_DICOMWEB_TOKEN": "abc\r\nX-Injected: 1"}, 2, "error: .*CURATOR_DICOMWEB_TOKEN"),
        ("scan CURATOR_CACHE /dev/null", ["scan", small, *one], {"CURATOR_CACHE": "/dev/null"}, 2, "error: "),
    ]
    if os.path.ismount(full):
        out += [
            ("keygen on a full disk", ["keygen", str(full / "k")], {}, 2, "error: (cannot write|no space left)"),
            ("normalize -o on a full disk", ["normalize", str(r / "d.csv"), "-o", str(full / "n.csv")], {}, 2,
             "error: (cannot write|no space left)"),
            ("audit -o on a full disk", ["audit", small, "--no-pixel-screen", "-f", "html", "-o", str(full / "a.html"),
                                         "--index", str(r / "a6.parquet"), *one], {}, 2, "error: (cannot write|no space left)"),
            ("mappings review --out on a full disk", ["mappings", "review", small, "--out", str(full / "m.csv"),
                                                      "--index", str(r / "a7.parquet"), *one], {}, 2, "error: (cannot write|no space left)"),
        ]
    return out


CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\x9b]")


def leaks(argv: list[str], text: str) -> bool:
    return HOSTILE_NAME in text or HOSTILE_MRN in text


def problems_of(name: str, argv: list[str], root: Path, code: int, out: str, err: str, expected: int,
                message: str | None) -> list[str]:
    """What is wrong with one scenario's run."""
    found = []
    lines = err.strip().splitlines()
    if code != expected:
        found.append(f"exit {code} (want {expected})")
    if "Traceback" in out + err or "internal error" in out + err:
        found.append("traceback or internal error")
    if leaks(argv, out + err):
        found.append("identifier")
    if CONTROL.search(err) or ("audit" in argv[0] and CONTROL.search(out)):
        found.append("a raw control character on the terminal")
    if code == 2 and len([line for line in lines if line.startswith("error:")]) != 1:
        found.append("not one error line")
    if message and not (lines and re.match(message, lines[-1])):
        found.append(f"message not '{message}…'")
    if any((root / "cwd").iterdir()):
        found.append("wrote into the working folder")
    if "full disk" in name:
        target = Path(argv[argv.index("-o") + 1] if "-o" in argv else argv[argv.index("--out") + 1] if "--out" in argv
                      else argv[-1])
        if target.exists():
            found.append("left a partial file under its final name")
    if "inside SOURCE" in name and any(p.suffix != ".dcm" for p in (root / "small").rglob("*") if p.is_file()):
        found.append("wrote into SOURCE")
    return found


def file_outcomes_wrong(index: Path) -> list[str]:
    """The file cases whose outcome in an audit's index (full paths) is not :func:`cases`'s."""
    import pyarrow.parquet as pq

    rows = pq.read_table(index, columns=["path", "status", "reason"]).to_pylist()
    got = {row["path"]: (row["status"], row["reason"] or "") for row in rows}
    wrong = []
    expected = {**{name: (o, r) for name, (_, o, r) in cases().items() if not name.endswith((".zip", ".tar"))}, **MEMBERS}
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
    return wrong


if __name__ == "__main__":  # measure: every scenario in a subprocess
    import sys
    import tempfile

    here = Path(__file__).resolve().parent
    code_ = "import sys; from curator.cli import main; sys.argv[0] = 'curator'; main(sys.argv[1:])"
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        prepare(root)
        bad = 0
        try:
            for name, argv, env_changes, expected, message in scenarios(root):
                env = {**os.environ, "PYTHONPATH": os.environ.get("CURATOR_CODE", str(here.parent)),
                       "CURATOR_CACHE": str(root / "cache")}
                for k, v in env_changes.items():
                    env.pop(k, None) if v is None else env.__setitem__(k, v)
                try:
                    done = subprocess.run([sys.executable, "-c", code_, *argv], capture_output=True, env=env,
                                          cwd=root / "cwd", timeout=60)
                except subprocess.TimeoutExpired:
                    bad += 1
                    print(f"BAD {name}: hangs (killed after 60 s)")
                    continue
                out_, err_ = done.stdout.decode("utf-8", "replace"), done.stderr.decode("utf-8", "replace")
                found = problems_of(name, argv, root, done.returncode, out_, err_, expected, message)
                for leftover in (root / "cwd").iterdir():
                    shutil.rmtree(leftover) if leftover.is_dir() else leftover.unlink()
                bad += bool(found)
                last = err_.strip().splitlines()[-1] if err_.strip() else ""
                print(f"{'BAD' if found else 'ok '} {name}: {'; '.join(found)} | {last[:160]!a}")
            print(f"{bad} of {len(scenarios(root))} command scenarios wrong")
            wrong = file_outcomes_wrong(root / "a2.parquet")
            for line in wrong:
                print("BAD", line)
            print(f"{len(wrong)} file cases wrong of {len(cases()) - 2 + len(MEMBERS)}")
        finally:
            if os.path.ismount(root / "full"):
                unmount(root / "full")
