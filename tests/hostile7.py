"""Hostile inputs, round 7 (plain pydicom and the standard library, no curator import): what
rounds 1 to 6 did not write.

* files in a source (:func:`cases`, each with the outcome the audit must give it): a 128-byte
  preamble before a raw dataset with no 'DICM'; a deflated dataset cut in half; elements out
  of tag order; one tag twice with two names; a US of 3 bytes and one of 0 bytes; an element
  whose VR is two NUL bytes; an explicit VR meta over an implicit VR dataset; a gzip of a
  DICOM file; a zip with a 0-byte member, with Windows-style '..\\' and 'C:\\' member names,
  with 300 empty members; a tar.gz cut short; an empty tar; a 0-byte '.zip'; a folder named
  '.zip'; a character device that reads zeros for ever (mknod 1,5); a file and a folder
  with mode 000;
* command lines and environments (:func:`scenarios`, each with its exit status and the start
  of its error line): key files that are a FIFO, /dev/zero, 16 bytes, not hex, raw bytes;
  release.yaml that is a YAML bomb, a list, of wrong types, /dev/zero, a FIFO; SOURCE a
  symlink loop, a dangling symlink, a FIFO, a path over 4096 bytes; OUT under a regular
  file, on a read-only file system, the parent of SOURCE, publish OUT inside SOURCE;
  ``--quarantine`` inside SOURCE; an option given twice; a release date that the calendar
  lacks; ``--max-suppression nan``; ``--k`` above the number of patients, public and not;
  unknown and odd environment variables, NO_COLOR and TERM=dumb; DICOMweb URLs that refuse
  the connection or answer an HTML page.

Every file's header names the patient (``HOSTILE_NAME``, ``HOSTILE_MRN``), so rejections and
messages that quote too much are found.  ``python tests/hostile7.py`` measures every scenario
in a subprocess (``CURATOR_CODE``: the tree to measure).
"""
from __future__ import annotations

import gzip
import http.server
import io
import os
import re
import socketserver
import stat
import struct
import tarfile
import threading
import warnings
import zipfile
from pathlib import Path

from pydicom.uid import DeflatedExplicitVRLittleEndian

from hostile import HOSTILE_MRN, HOSTILE_NAME, ROOT_UID, _bytes, _ct, _element

__all__ = ["HOSTILE_MRN", "HOSTILE_NAME", "cases", "prepare", "scenarios", "serve_html"]

DATE = (2020, 1, 1, 0, 0, 0)
INDEXED, REJECTED = "indexed", "rejected"


def _meta_end(data: bytes) -> int:
    return 144 + struct.unpack("<I", data[140:144])[0]


def _body_at(data: bytes) -> int:
    return data.index(b"\x08\x00\x16\x00", _meta_end(data))  # SOP Class UID, the first body element


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(zipfile.ZipInfo(name, DATE), data)
    return buffer.getvalue()


def _preamble_no_dicm(n: int) -> bytes:
    """A 128-byte preamble, then the dataset at once: no 'DICM', no File Meta."""
    data = _bytes(_ct(n))
    return b"\0" * 128 + data[_body_at(data):]


def _deflated_cut(n: int) -> bytes:
    data = _bytes(_ct(n), DeflatedExplicitVRLittleEndian)
    body = _meta_end(data)
    return data[:body + (len(data) - body) // 2]


def _out_of_order(n: int) -> bytes:
    """Patient Name (0010,0010) written after Image Comments (0020,4000)."""
    data = _bytes(_ct(n))
    name = _element(0x00100010, b"PN", f"{HOSTILE_NAME}^Grzegorz".encode()[:20].ljust(20))
    start = data.index(b"\x10\x00\x10\x00", _meta_end(data))
    length = struct.unpack("<H", data[start + 6:start + 8])[0]
    data = data[:start] + data[start + 8 + length:]
    at = data.index(b"\x28\x00\x02\x00", _meta_end(data))  # before Samples per Pixel, after Image Comments
    return data[:at] + name + data[at:]


def _duplicate_tag(n: int) -> bytes:
    """Patient Name twice: the dataset's own, then another name under the same tag."""
    data = _bytes(_ct(n))
    start = data.index(b"\x10\x00\x10\x00", _meta_end(data))
    other = _element(0x00100010, b"PN", b"Dupsecond^Zbigniew")
    return data[:start] + other + data[start:]


def _us_length(n: int, value: bytes) -> bytes:
    """Rows (0028,0010) with a value of ``len(value)`` bytes."""
    data = _bytes(_ct(n))
    start = data.index(b"\x28\x00\x10\x00", _meta_end(data))
    return data[:start] + _element(0x00280010, b"US", value) + data[start + 10:]


def _nul_vr(n: int) -> bytes:
    """A private element whose VR is two NUL bytes."""
    data = _bytes(_ct(n))
    at = data.index(b"\x10\x00\x20\x00", _meta_end(data))  # before Patient ID
    element = struct.pack("<HH2sH", 0x0009, 0x0010, b"\0\0", 8) + HOSTILE_MRN.encode()
    return data[:at] + element + data[at:]


def _implicit_under_explicit(n: int) -> bytes:
    """A File Meta that says explicit VR little endian over a dataset written implicit VR."""
    from pydicom.uid import ImplicitVRLittleEndian

    explicit = _bytes(_ct(n))
    implicit = _bytes(_ct(n), ImplicitVRLittleEndian)
    return explicit[:_meta_end(explicit)] + implicit[_meta_end(implicit):]


def _zip_windows_names(n: int) -> bytes:
    return _zip({"..\\..\\..\\evil_win.dcm": _bytes(_ct(n)), "C:\\Windows\\evil_drive.dcm": _bytes(_ct(n + 1))})


def _tar_gz_cut(n: int) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tf:
        data = _bytes(_ct(n))
        info = tarfile.TarInfo("inner.dcm")
        info.size = len(data)
        tf.addfile(info, io.BytesIO(data))
    whole = gzip.compress(buffer.getvalue(), mtime=0)
    return whole[:len(whole) // 2]


def cases() -> dict[str, tuple[bytes | None, str, str | None]]:
    """Relative path -> (bytes, None for an entry :func:`prepare` makes; the outcome the audit
    must give: ``indexed`` or ``rejected``; the start of the reason, None: any reason).

    An archive's outcome is that of its members (``path!/member``), listed apart."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return {
            "site_a/ok.dcm": (_bytes(_ct(700)), INDEXED, None),
            "site_a/preamble_no_dicm.dcm": (_preamble_no_dicm(701), INDEXED, None),  # read as a raw dataset
            "site_a/deflated_cut.dcm": (_deflated_cut(702), REJECTED, None),
            "site_a/out_of_order.dcm": (_out_of_order(703), INDEXED, None),
            "site_a/duplicate_tag.dcm": (_duplicate_tag(704), INDEXED, None),
            "site_a/us_three_bytes.dcm": (_us_length(705, b"\x08\x00\x00"), INDEXED, None),
            "site_a/us_zero_bytes.dcm": (_us_length(706, b""), INDEXED, None),
            "site_a/vr_nul.dcm": (_nul_vr(707), REJECTED, None),
            "site_a/implicit_under_explicit.dcm": (_implicit_under_explicit(708), INDEXED, None),
            "site_a/gzipped.dcm.gz": (gzip.compress(_bytes(_ct(709)), mtime=0), INDEXED, None),
            "site_b/zip_zero_member.zip": (_zip({"empty.dcm": b"", "fine.dcm": _bytes(_ct(710))}), INDEXED, None),
            "site_b/zip_windows_names.zip": (_zip_windows_names(711), REJECTED, None),
            "site_b/zip_300_empty.zip": (_zip({f"e{i:03d}.dcm": b"" for i in range(300)}), REJECTED, "empty"),
            "site_b/cut.tar.gz": (_tar_gz_cut(713), REJECTED, None),
            "site_b/empty.tar": (b"\0" * 10240, REJECTED, "empty tar archive"),
            "site_b/zero_bytes.zip": (b"", REJECTED, "empty file"),
            "site_b/folder.zip/in_folder.dcm": (_bytes(_ct(714)), INDEXED, None),
            "site_b/zeros_device.dcm": (None, REJECTED, "not a regular file"),
            "site_b/mode_000.dcm": (_bytes(_ct(715)), INDEXED, None),  # root reads it: see test_hostile7
            "site_b/closed/mode_000_folder.dcm": (_bytes(_ct(716)), INDEXED, None),
        }


# members of archives whose own outcome differs from the archive's
MEMBERS = {
    "site_b/zip_zero_member.zip!/empty.dcm": (REJECTED, "empty file"),
    "site_b/zip_zero_member.zip!/fine.dcm": (INDEXED, None),
    "site_b/zip_windows_names.zip!/..\\..\\..\\evil_win.dcm": (REJECTED, "'..' in archive member path"),
    "site_b/zip_windows_names.zip!/C:\\Windows\\evil_drive.dcm": (REJECTED, "absolute path in archive"),
}


def write_cases(root: str | Path) -> list[str]:
    """Write :func:`cases` under ``root`` (the device with mknod, modes last); returns the
    relative paths of the entries written."""
    root = Path(root)
    for name, (data, _, _) in cases().items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if data is not None:
            path.write_bytes(data)
    os.mknod(root / "site_b" / "zeros_device.dcm", 0o600 | stat.S_IFCHR, os.makedev(1, 5))  # reads as /dev/zero
    os.chmod(root / "site_b" / "mode_000.dcm", 0)
    os.chmod(root / "site_b" / "closed", 0)
    return sorted(cases())


def serve_html() -> tuple[str, socketserver.TCPServer]:
    """A local HTTP server that answers every request with an HTML page (a proxy's login
    page, a web server that is not DICOMweb); its base URL and the server (shutdown())."""

    class Page(http.server.BaseHTTPRequestHandler):
        def _page(self) -> None:
            body = b"<!DOCTYPE html><html><body><h1>Please log in</h1></body></html>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        do_GET = do_POST = do_HEAD = do_OPTIONS = _page

        def log_message(self, *args) -> None:  # quiet
            pass

    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Page)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}/dicom-web", server


def prepare(root: Path) -> list[str]:
    """``root``: source/ (:func:`write_cases`), small/ (7 patients at two sites), key files,
    release.yaml variants, special files for :func:`scenarios`."""
    import shutil

    written = write_cases(root / "source")
    examples = Path(__file__).resolve().parent.parent / "examples"
    (root / "key").write_text("curator-key-v1:" + "ab" * 32 + "\n")
    os.chmod(root / "key", 0o600)
    os.mkfifo(root / "key_fifo")
    (root / "key_short").write_text("curator-key-v1:" + "ab" * 8 + "\n")
    (root / "key_not_hex").write_text("curator-key-v1:" + "zz" * 32 + "\n")
    (root / "key_raw").write_bytes(bytes(range(200, 232)))
    for path in root.glob("key_*"):
        if path.is_file():
            os.chmod(path, 0o600)
    shutil.copy(examples / "release.yaml", root / "release.yaml")
    laughs = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i, name in enumerate("bcdefghi"):
        prev = "abcdefghi"[i]
        laughs.append(f"{name}: &{name} [{', '.join(['*' + prev] * 9)}]")
    (root / "laughs.yaml").write_text("\n".join(laughs) + "\ntitle: *i\n")
    (root / "list.yaml").write_text("- title\n- description\n")
    (root / "types.yaml").write_text((examples / "release.yaml").read_text().replace(
        "access_rights: NON_PUBLIC", "access_rights: [1, 2]"))
    os.mkfifo(root / "config_fifo")
    (root / "a_file").write_text("a file\n")
    (root / "d.csv").write_text("description\nCT Brain\n")
    os.symlink("loop", root / "loop")
    os.symlink("nowhere", root / "dangling")
    os.mkfifo(root / "source_fifo")
    (root / "outer" / "inner_source" / "site_a").mkdir(parents=True)
    (root / "outer" / "inner_source" / "site_a" / "ok.dcm").write_bytes(_bytes(_ct(720)))
    _small(root / "small")
    (root / "corrupt.parquet").write_bytes(b"PAR1" + os.urandom(0) + b"\x01" * 200 + b"PAR1")
    return written


def _small(folder: Path) -> None:
    """Six patients at site_big, one at site_small (one study each)."""
    n = 0
    for site, patients in (("site_big", 6), ("site_small", 1)):
        for _ in range(patients):
            n += 1
            ds = _ct(730 + n)
            ds.PatientID, ds.PatientName, ds.PatientAge = f"{HOSTILE_MRN}{n}", f"{HOSTILE_NAME}{n}^X", f"{40 + n:03d}Y"
            ds.StudyInstanceUID, ds.SeriesInstanceUID = f"{ROOT_UID}77.{n}", f"{ROOT_UID}77.{n}.1"
            (folder / site).mkdir(parents=True, exist_ok=True)
            (folder / site / f"{n}.dcm").write_bytes(_bytes(ds))


Scenario = tuple[str, list[str], dict[str, str | None], int, str | None]


def scenarios(root: str | Path, html_url: str = "http://127.0.0.1:9/dicom-web") -> list[Scenario]:
    """(name, argv, environment changes (None: unset), the exit status it must give, a regular
    expression its last stderr line must match from its start, or None) over ``root``
    prepared by :func:`prepare`."""
    r = Path(root)
    src, small, key, cfg = str(r / "source"), str(r / "small"), str(r / "key"), str(r / "release.yaml")
    long_path = "/" + "/".join(["x" * 200] * 22)  # 4,422 bytes: beyond PATH_MAX
    one = ["-w", "1"]
    pub = ["publish", small]
    out: list[Scenario] = [
        # key files
        ("deid --key FIFO", ["deid", small, str(r / "o1"), "--key", str(r / "key_fifo"), *one], {}, 2, "error: key file"),
        ("deid --key /dev/zero", ["deid", small, str(r / "o2"), "--key", "/dev/zero", *one], {}, 2, "error: key file"),
        ("deid --key 16 bytes", ["deid", small, str(r / "o3"), "--key", str(r / "key_short"), *one], {}, 2,
         "error: not a curator key file"),
        ("deid --key not hex", ["deid", small, str(r / "o4"), "--key", str(r / "key_not_hex"), *one], {}, 2,
         "error: not a curator key file"),
        ("deid --key raw bytes", ["deid", small, str(r / "o5"), "--key", str(r / "key_raw"), *one], {}, 2, "error: key file"),
        # release.yaml
        ("publish --config YAML bomb", [*pub, str(r / "p1"), "--key", key, "--config", str(r / "laughs.yaml"), *one], {}, 2,
         "error: "),
        ("publish --config a list", [*pub, str(r / "p2"), "--key", key, "--config", str(r / "list.yaml"), *one], {}, 2,
         "error: "),
        ("publish --config wrong types", [*pub, str(r / "p3"), "--key", key, "--config", str(r / "types.yaml"), *one], {}, 2,
         "error: "),
        ("publish --config /dev/zero", [*pub, str(r / "p4"), "--key", key, "--config", "/dev/zero", *one], {}, 2,
         "error: release configuration .*not a regular file"),
        ("publish --config FIFO", [*pub, str(r / "p5"), "--key", key, "--config", str(r / "config_fifo"), *one], {}, 2,
         "error: release configuration .*not a regular file"),
        ("publish --release-date 2026-02-30", [*pub, str(r / "p6"), "--key", key, "--config", cfg, "--release-date",
                                               "2026-02-30", *one], {}, 2, "error: --release-date"),
        # SOURCE and OUT
        ("scan SOURCE symlink loop", ["scan", str(r / "loop"), *one], {}, 2, "error: source is a symbolic link that leads nowhere"),
        ("deid SOURCE dangling symlink", ["deid", str(r / "dangling"), str(r / "o13"), "--key", key, *one], {}, 2,
         "error: source is a symbolic link that leads nowhere"),
        ("scan SOURCE FIFO", ["scan", str(r / "source_fifo"), *one], {}, 2, "error: "),
        ("scan SOURCE over 4096 bytes", ["scan", long_path, *one], {}, 2, "error: "),
        ("deid OUT over 4096 bytes", ["deid", small, long_path, "--key", key, *one], {}, 2, "error: "),
        ("deid OUT under a file", ["deid", small, str(r / "a_file" / "out"), "--key", key, *one], {}, 2, "error: "),
        ("deid OUT read-only file system", ["deid", small, "/proc/curator_hostile7_out", "--key", key, *one], {}, 2,
         "error: "),
        ("deid OUT the parent of SOURCE", ["deid", str(r / "outer" / "inner_source"), str(r / "outer"), "--key", key, *one],
         {}, 2, "error: "),
        ("publish OUT inside SOURCE", [*pub, str(r / "small" / "rel"), "--key", key, "--config", cfg, *one], {}, 2,
         "error: "),
        ("deid --quarantine inside SOURCE", ["deid", small, str(r / "o6"), "--key", key, "--quarantine",
                                             str(r / "small" / "q"), *one], {}, 2, "error: "),
        ("audit --index corrupt parquet", ["audit", small, "--index", str(r / "corrupt.parquet"), "--no-pixel-screen", *one],
         {}, 2, "error: "),
        # options
        ("normalize -o twice", ["normalize", str(r / "d.csv"), "-o", str(r / "n1.csv"), "-o", str(r / "n2.csv")], {}, 0, None),
        ("deid --max-suppression nan", ["deid", small, str(r / "o7"), "--key", key, "--access", "public",
                                        "--max-suppression", "nan", *one], {}, 2, "error: "),
        ("deid public --k above the patients", ["deid", small, str(r / "o8"), "--key", key, "--access", "public",
                                                "--k", "1000000", *one], {}, 2, "error: public tier: k-anonymity"),
        ("deid restricted --k above the patients", ["deid", small, str(r / "o9"), "--key", key, "--access", "restricted",
                                                    "--k", "1000000", *one], {}, 0, None),
        ("deid public, a site below k", ["deid", small, str(r / "o10"), "--key", key, "--access", "public", *one], {}, 0,
         None),
        ("keygen into a missing folder", ["keygen", str(r / "missing" / "k")], {}, 2, "error: "),
        # environment
        ("scan odd CURATOR_ variables", ["scan", small, *one, "--index", str(r / "e1.parquet")],
         {"CURATOR_SCHEDULER_TIMEOUT": "soon", "CURATOR_NO_SUCH_SETTING": "1", "CURATOR_DEBUG": "maybe"}, 0, None),
        ("scan CURATOR_CACHE a file", ["scan", small, *one], {"CURATOR_CACHE": str(r / "a_file")}, 2, "error: "),
        ("audit NO_COLOR TERM=dumb", ["audit", small, "--no-pixel-screen", *one, "--index", str(r / "e2.parquet")],
         {"NO_COLOR": "1", "TERM": "dumb", "COLUMNS": "5"}, 0, None),
        # DICOMweb
        ("scan DICOMweb refused", ["scan", "http://127.0.0.1:9/dicom-web", *one], {}, 2, "error: "),
        ("scan DICOMweb answering HTML", ["scan", html_url, *one], {}, 2, "error: .*not DICOMweb JSON"),
        ("deid --to answering HTML", ["deid", small, str(r / "o12"), "--key", key, "--to", html_url, *one], {}, 2,
         "error: --to: .*not DICOMweb JSON"),
        # the hostile source through every command
        ("scan source", ["scan", src, "-w", "2", "--index", str(r / "s.parquet")], {}, 0, None),
        ("audit source", ["audit", src, "-f", "json", "-o", str(r / "audit.json"), "--full-paths", "-w", "2",
                          "--index", str(r / "h.parquet")], {}, 0, None),
        ("deid source", ["deid", src, str(r / "d0"), "--key", key, "-w", "2"], {}, 0, None),
    ]
    return out


def leaks(argv: list[str], text: str) -> bool:
    """Whether a command's output names the patient (or, for deid and publish, whose outputs
    are released, the small site's folder)."""
    released = argv[0] in ("deid", "publish")
    return HOSTILE_NAME in text or HOSTILE_MRN in text or (released and "site_small" in text)


def file_outcomes_wrong(root: Path) -> list[str]:
    """The file cases whose outcome in the audit's index (``root/h.parquet``, full paths)
    is not the one :func:`cases` and :data:`MEMBERS` give, or whose reason names the patient;
    a deid run (``root/d0``) whose counts do not add up to the index, a file written outside
    ``root/d0``, a source file changed."""
    import json

    import pyarrow.parquet as pq

    rows = pq.read_table(root / "h.parquet", columns=["path", "status", "reason"]).to_pylist()
    by_path: dict[str, list[tuple[str, str]]] = {}
    for row in rows:
        by_path.setdefault(row["path"].split("!/")[0], []).append((row["path"], row["status"], row["reason"] or ""))
    wrong = []
    expected = {**{name: (outcome, reason) for name, (_, outcome, reason) in cases().items()}, **MEMBERS}
    for name, (outcome, reason) in sorted(expected.items()):
        found = [(p, s, why) for p, s, why in by_path.get(name.split("!/")[0], [])
                 if p == name or (p.startswith(name + "!/") and p not in MEMBERS)]
        if not found and not any(member.startswith(name + "!/") for member in MEMBERS):
            wrong.append(f"{name}: not accounted for")
        for path, status, why in found:
            if status != outcome or (reason and not why.startswith(reason)):
                wrong.append(f"{path}: {status} ({why}); want {outcome}{f' ({reason}...)' if reason else ''}")
            if HOSTILE_NAME in why or HOSTILE_MRN in why:
                wrong.append(f"{path}: the reason names the patient")
    report = root / "d0" / "deid-report.json"
    if report.exists():
        counts = json.loads(report.read_text())["counts"]
        if counts["written"] + counts["quarantined"] + counts["rejected"] != len(rows):
            wrong.append(f"deid: {counts} of {len(rows)} indexed items")
    outside = [p.name for p in root.rglob("evil*")]
    if outside:
        wrong.append(f"written outside OUT: {outside}")
    for name, (data, _, _) in cases().items():
        path = root / "source" / name
        if data is not None and os.access(path, os.R_OK) and path.read_bytes() != data:
            wrong.append(f"{name}: the source file changed")
    return wrong


if __name__ == "__main__":  # measure: every scenario in a subprocess
    import subprocess
    import sys
    import tempfile

    here = Path(__file__).resolve().parent
    code = "import sys; from curator.cli import main; sys.argv[0] = 'curator'; main(sys.argv[1:])"
    url, server = serve_html()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        written = prepare(root)
        bad = 0
        for name, argv, env_changes, expected, message in scenarios(root, url):
            env = {**os.environ, "PYTHONPATH": os.environ.get("CURATOR_CODE", str(here.parent))}
            for k, v in env_changes.items():
                env.pop(k, None) if v is None else env.__setitem__(k, v)
            try:
                done = subprocess.run([sys.executable, "-c", code, *argv], capture_output=True, env=env, cwd=root,
                                      timeout=60)
            except subprocess.TimeoutExpired:
                bad += 1
                print(f"BAD {name}: hangs (killed after 60 s)")
                continue
            text = (done.stdout + done.stderr).decode("utf-8", "replace")
            err = done.stderr.decode("utf-8", "replace").strip().splitlines()
            problems = []
            if done.returncode != expected:
                problems.append(f"exit {done.returncode} (want {expected})")
            if "Traceback" in text:
                problems.append("traceback")
            if leaks(argv, text):
                problems.append("identifier")
            if message and not (err and re.match(message, err[-1])):
                problems.append(f"message not '{message}…'")
            bad += bool(problems)
            print(f"{'BAD' if problems else 'ok '} {name}: {'; '.join(problems)} | {err[-1][:160] if err else ''}")
        print(f"{bad} command scenarios wrong")
        wrong = file_outcomes_wrong(root)
        for line in wrong:
            print("BAD", line)
        print(f"{len(wrong)} file cases wrong of {len(cases()) + len(MEMBERS)}")
        server.shutdown()
