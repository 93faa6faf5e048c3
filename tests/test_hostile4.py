"""Hostile inputs, round 4, and releases of data nobody here wrote, checked by the clients
users run.

* tests/hostile4.py (plain pydicom) through scan, audit, deid, publish and validate: corrupt
  compressed streams, duplicate archive member names, FIFOs and sockets, structure that
  lies, broken character sets, cohorts that break the model.  Every command keeps the exit
  status contract, every item is accounted for with its real reason, the source is
  untouched, no pydicom warning (they quote header values) reaches the console.
* pydicom's own test files (every bundled DICOM file) published as a release: `validate
  --key` passes, and CKAN's DCAT parser, mlcroissant, the official FHIR JSON schema and
  dciodvfy read it.
"""
from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import re
import shutil
import stat
import subprocess
import sys
import warnings
from pathlib import Path

import pydicom
import pytest

from curator.cli import run
from tests.conftest import pydicom_files_dir, write_fixed_key

sys.path.insert(0, str(Path(__file__).resolve().parent))
import adversarial  # noqa: E402  (helper modules beside the tests, not a package)
import hostile4  # noqa: E402
import stopping  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "examples" / "release.yaml"


def _state(root: Path) -> dict[str, str]:
    """Every entry of ``root``: its kind, and its bytes' digest or its link target."""
    out = {}
    for dirpath, dirs, files in os.walk(root):
        for name in dirs + files:
            path = Path(dirpath) / name
            mode = path.lstat().st_mode
            if stat.S_ISREG(mode):
                out[str(path)] = hashlib.sha256(path.read_bytes()).hexdigest() + f":{path.lstat().st_mtime_ns}"
            else:
                out[str(path)] = f"{stat.S_IFMT(mode):o}:" + (os.readlink(path) if path.is_symlink() else "")
    return out


def _run(args: list[str]) -> tuple[int, str, list[str]]:
    """Exit status, console text, and the pydicom warnings raised in this process."""
    out, err = io.StringIO(), io.StringIO()
    with warnings.catch_warnings(record=True) as seen, contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        warnings.simplefilter("always")
        code = run(args)
    pydicom_warnings = [str(w.message) for w in seen if "pydicom" in (w.filename or "")]
    return code, out.getvalue() + err.getvalue(), pydicom_warnings


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict:
    root = tmp_path_factory.mktemp("hostile4")
    source = root / "source"
    hostile4.write_cases(source)
    before = _state(source)
    write_fixed_key(root / "key")
    key = str(root / "key")
    commands = {
        "scan": ["scan", str(source), "--index", str(root / "scan.parquet"), "-w", "1"],
        "audit": ["audit", str(source), "-f", "json", "-o", str(root / "audit.json"), "-w", "1",
                  "--index", str(root / "audit.parquet"), "--full-paths"],  # reasons per path: the paths' words shown (opt-in)
        "deid": ["deid", str(source), str(root / "deid"), "--key", key, "--workers", "1"],
        "publish": ["publish", str(source), str(root / "release"), "--key", key, "--config", str(CONFIG), "-w", "1",
                    "--release-date", "2026-11-30"],
        "validate": ["validate", str(root / "release"), "--key", key],
    }
    results = {name: _run(args) for name, args in commands.items()}
    return {"root": root, "source": source, "before": before, "after": _state(source), "results": results}


def test_every_command_keeps_the_contract_with_nothing_from_pydicom(runs):
    """Found: a corrupt .dcm.gz stopped scan, audit, deid and publish ("internal error
    (error)", exit 3: zlib's error is no OSError); a released file whose character set was
    nonsense failed `validate --key` ("an element cannot be decoded", exit 1); pydicom's
    warnings, which quote header values, reached the console of publish and validate."""
    for name, (code, console, pydicom_warnings) in runs["results"].items():
        assert code == 0, (name, console[-2000:])
        assert "Traceback" not in console and "internal error" not in console, name
        assert pydicom_warnings == [], (name, pydicom_warnings[:3])
    assert "identifiers: ok" in runs["results"]["validate"][1]


def test_the_source_is_untouched(runs):
    assert runs["after"] == runs["before"]
    kinds = {Path(p).name: v.split(":")[0] for p, v in runs["after"].items()}
    assert kinds["fifo.dcm"] == f"{stat.S_IFIFO:o}" and kinds["socket.dcm"] == f"{stat.S_IFSOCK:o}"


def test_every_item_is_accounted_for_with_its_real_reason(runs):
    root = runs["root"]
    audit = json.loads((root / "audit.json").read_text())
    reasons = {row["path"]: row["reason"] for row in audit["rejected"]}
    expected = {
        "dcm_gz_corrupt.dcm.gz": "broken compressed file (corrupt compressed data)",
        "deflated_corrupt.dcm": "corrupt deflated data (the dataset cannot be inflated)",
        "zip_corrupt_deflate.zip!/member.dcm": "archive member cannot be read (corrupt compressed data)",
        "zip_lzma_corrupt.zip!/member.dcm": "archive member cannot be read (corrupt compressed data)",
        "zip_duplicates.zip!/same.dcm [copy 2]": "duplicate member name in archive (only the first member of this name is read)",
        "fifo.dcm": "not a regular file",
        "socket.dcm": "not a regular file",
        "nested_5000.dcm": "sequences nested deeper than 64 levels",
        "no_sop_class.dcm": "not a DICOM instance (SOP Class UID missing)",
        "no_sop_instance.dcm": "not a DICOM instance (SOP Instance UID missing)",
        "preamble_only.dcm": "not DICOM (no DICM prefix and no readable DICOM dataset)",
        "tar_traversal.tar!/../../escape.dcm": "'..' in archive member path (path traversal)",
        "tar_traversal.tar!//etc/abs.dcm": "absolute path in archive (path traversal)",
        "private_syntax_ge.dcm": "unsupported transfer syntax (not a DICOM transfer syntax UID)",
        "zip_lying_size.zip!/liar.dcm": "compression ratio above 200 (possible decompression bomb)",
    }
    assert {p: reasons.get(p) for p in expected} == expected
    for written in ("ok.dcm", "zip_duplicates.zip!/same.dcm", "tar_traversal.tar!/fine.dcm", "wrong_vrs.dcm",
                    "charset_nonsense.dcm", "charset_mixed.dcm", "charset_2022_broken_escape.dcm"):
        assert written not in reasons, (written, reasons.get(written))
    report = json.loads((root / "deid" / "deid-report.json").read_text())
    counts = report["counts"]
    assert counts["items"] == counts["written"] + counts["quarantined"] + counts["rejected"] == len(audit["rejected"]) + audit["instances"]
    assert not [r for r in report["rejected"] if "changed during the run" in r["reason"]], report["rejected"]


def test_broken_character_sets_are_released_in_utf8_and_valid_ones_as_they_are(runs):
    texts = {}
    for path in (runs["root"] / "release" / "dicom").rglob("*.dcm"):
        ds = pydicom.dcmread(path, stop_before_pixels=True)
        texts[int(ds.InstanceNumber)] = str(ds.get("SpecificCharacterSet", ""))
    assert {texts[n] for n in (80, 81, 82)} == {"ISO_IR 192"}  # nonsense, ISO 2022 alone, ISO_IR 192 as extension
    # no set (ASCII text), untouched; UTF-8 under ISO_IR 100 with a Latin-1 tail ("\xff\xfe"): its UTF-8 "ę" holds
    # the byte 0x99, a C1 control in Latin-1, so it reads as Windows-1252 and is written in UTF-8 (charset19)
    assert texts[1] == "" and texts[83] == "ISO_IR 192"


def test_no_identifier_of_a_broken_file_in_any_output(runs):
    plants = [adversarial.Plant(hostile4.HOSTILE_NAME, "name"), adversarial.Plant(hostile4.HOSTILE_MRN, "mrn")]
    console = {name: text for name, (_, text, _) in runs["results"].items()}
    root = runs["root"]
    hits = adversarial.search([root / "deid", root / "release"], plants, console)
    assert hits == [], hits[:10]


def test_a_header_value_in_a_pydicom_warning_never_reaches_the_console(tmp_path):
    """Found: a Specific Character Set holding a name ('ISO_IR 100\\Kowalczyk77001') was
    printed by publish and validate, in pydicom's 'Unknown encoding' warning."""
    source = tmp_path / "source"
    source.mkdir()
    ds = hostile4.hostile._ct(1)
    ds.SpecificCharacterSet = ["ISO_IR 100", "Kowalczyk77001"]
    (source / "a.dcm").write_bytes(hostile4.hostile._bytes(ds))
    write_fixed_key(tmp_path / "key")
    args = ["publish", str(source), str(tmp_path / "release"), "--key", str(tmp_path / "key"), "--config", str(CONFIG),
            "-w", "1", "--release-date", "2026-11-30"]
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONWARNINGS": "always"}
    code = "import sys; from curator.cli import main; sys.argv[0] = 'curator'; main(sys.argv[1:])"
    for command in (args, ["validate", str(tmp_path / "release"), "--key", str(tmp_path / "key")]):
        done = subprocess.run([sys.executable, "-c", code, *command], capture_output=True, text=True, env=env, timeout=300)
        assert done.returncode == 0, done.stderr[-2000:]
        assert "Kowalczyk" not in done.stdout + done.stderr and "Warning" not in done.stderr, done.stderr[-2000:]
    assert not [p for p in (tmp_path / "release").rglob("*") if p.is_file() and b"Kowalczyk" in p.read_bytes()]


# --- pydicom's test files as a release, read by the clients users run ---------------


@pytest.fixture(scope="module")
def pydicom_release(tmp_path_factory) -> dict:
    root = tmp_path_factory.mktemp("pydicom-release")
    source = root / "source" / "pydicom"
    source.mkdir(parents=True)
    for path in sorted(pydicom_files_dir().iterdir()):
        if path.is_file() and (path.suffix == ".dcm" or path.read_bytes()[128:132] == b"DICM"):
            shutil.copy(path, source / path.name)
    write_fixed_key(root / "key")
    publish = _run(["publish", str(root / "source"), str(root / "release"), "--key", str(root / "key"), "--config",
                    str(CONFIG), "-w", "2", "--release-date", "2026-11-30"])
    validate = _run(["validate", str(root / "release"), "--key", str(root / "key")])
    return {"root": root, "source": source, "release": root / "release", "publish": publish, "validate": validate}


def test_pydicom_files_publish_and_validate(pydicom_release):
    """Found: an instance without Patient ID (pydicom's ExplVR_*NoMeta.dcm, an RT Ion Plan)
    was released without one, and publish stopped ("series table row 17: column
    patient_pseudonym is missing or empty", exit 2); files whose patient is named
    'ANONYMIZED' or 'Name^First' failed `validate --key`, on curator's own dummy values and
    on the word 'name' of the catalogue."""
    code, console, _ = pydicom_release["publish"]
    assert code == 0, console[-2000:]
    code, console, _ = pydicom_release["validate"]
    assert code == 0 and "identifiers: ok" in console, console[-2000:]
    ids = set()
    for path in (pydicom_release["release"] / "dicom").rglob("*.dcm"):
        ds = pydicom.dcmread(path, stop_before_pixels=True)
        assert str(ds.get("PatientID", "") or "") == path.relative_to(pydicom_release["release"] / "dicom").parts[0]
        ids.add(str(ds.PatientID))
    assert len(ids) > 5


def test_ckan_reads_the_pydicom_release(pydicom_release):
    venv = ROOT / ".ci" / "ckan-venv" / "bin" / "python"
    if not venv.is_file():
        if os.environ.get("CI") == "true":
            pytest.fail("CKAN virtualenv missing (.ci/ckan-venv): run .ci/run")
        pytest.skip("CKAN virtualenv missing (.ci/ckan-venv): run .ci/run")
    import pandas as pd

    release = pydicom_release["release"]
    done = subprocess.run([str(venv), str(ROOT / "tests" / "ckan" / "parse_catalog.py"), str(release / "catalog.ttl"),
                           "turtle", "euro_dcat_ap_3,euro_health_dcat_ap"], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    (dataset,) = json.loads(done.stdout)
    table = pd.read_csv(release / "metadata" / "series.csv")
    assert dataset["number_of_records"] == table["study_uid"].nunique()
    assert dataset["number_of_unique_individuals"] == table["patient_pseudonym"].nunique()
    assert {r["format"] for r in dataset["resources"]} == {"DICOM", "JSON", "CSV", "Parquet"}


def test_mlcroissant_iterates_every_series_of_the_pydicom_release(pydicom_release):
    import mlcroissant as mlc
    import pandas as pd

    release = pydicom_release["release"]
    dataset = mlc.Dataset(jsonld=release / "croissant.json")
    (record_set,) = dataset.metadata.record_sets
    records = list(dataset.records(record_set=record_set.uuid))
    assert len(records) == len(pd.read_csv(release / "metadata" / "series.csv")) > 5


def test_the_fhir_of_the_pydicom_release_matches_the_official_schema(pydicom_release):
    import test_fhir_schema

    resources = test_fhir_schema._resources(pydicom_release["release"] / "fhir")
    assert resources
    problems = {f"{r['resourceType']}/{r['id']}": test_fhir_schema.schema_errors(r, "R4B") for r in resources}
    assert {k: v for k, v in problems.items() if v} == {}


def _dciodvfy_kinds(path: Path) -> set[str]:
    done = subprocess.run(["dciodvfy", "-new", str(path)], capture_output=True, text=True, errors="replace", timeout=60)
    return {re.sub(r"\s+", " ", re.sub(r"<[^>]*>|\"[^\"]*\"|\d+", "#", line)).strip()
            for line in done.stderr.splitlines() if line.startswith("Error")}


def test_dciodvfy_finds_no_error_in_the_release_that_the_source_lacks(pydicom_release):
    if shutil.which("dciodvfy") is None:
        pytest.skip("dciodvfy (dicom3tools) not installed")
    source = set().union(*(_dciodvfy_kinds(p) for p in sorted(pydicom_release["source"].iterdir())))
    released = {}
    for path in sorted((pydicom_release["release"] / "dicom").rglob("*.dcm")):
        for kind in _dciodvfy_kinds(path) - source:
            released.setdefault(kind, path.name)
    assert released == {}


def test_ctrl_c_says_the_output_is_incomplete_and_the_run_resumes(tmp_path):
    """Found: Ctrl-C ended deid and publish with status 130 and not a word (typer turns
    KeyboardInterrupt into a silent Exit(130)); now the console says the output is
    incomplete, the journal marks it, no worker is left, and the same command completes it."""
    source = tmp_path / "source"
    for copy in range(3):  # enough work that the signal arrives while it runs
        (source / f"site{copy}").mkdir(parents=True)
        for path in sorted(pydicom_files_dir().glob("*.dcm")):
            shutil.copy(path, source / f"site{copy}" / path.name)
    write_fixed_key(tmp_path / "key")
    out = tmp_path / "out"
    args = ["deid", str(source), str(out), "--key", str(tmp_path / "key"), "--workers", "2"]
    code = "import sys; from curator.cli import main; sys.argv[0] = 'curator'; main(sys.argv[1:])"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    import signal

    # The run stops itself (tests/stopping.py) after its first output journaled and Ctrl-C lands
    # there (polling for the journal raced the run: it could end before the signal).
    child = stopping.start(stopping.JOURNALED, 1, args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                           preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    journal = out / ".curator-deid-journal.jsonl"
    child.send_signal(signal.SIGINT)
    stopping.resume(child)
    _, err = child.communicate(timeout=300)
    assert child.returncode == 130, (child.returncode, err[-2000:])
    assert err.startswith("error: interrupted;") and "Traceback" not in err, err[-2000:]
    assert journal.exists() and not (out / "deid-report.json").exists()
    ps = subprocess.run(["ps", "-o", "pid=", "--ppid", str(child.pid)], capture_output=True, text=True)
    assert ps.stdout.strip() == ""
    done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert (out / "deid-report.json").exists() and not journal.exists()


def test_a_compressed_frame_that_claims_a_huge_image_is_never_decoded(tmp_path):
    """Found: a 1 KB JPEG frame whose SOF header claims 65,500 x 65,500 pixels (Rows and
    Columns say 8 x 8) made the audit's pixel screen take 21 GB resident; under a 4 GB
    address-space limit the audit died (SIGABRT, no report).  The frame headers are read
    before decoding now; such a frame is not decoded (audit: not screened; deid: quarantined).
    The audit runs here under that limit, so that a regression cannot take the machine's memory."""
    import resource

    from pydicom.uid import JPEG2000Lossless, JPEGBaseline8Bit

    source = tmp_path / "source"
    source.mkdir()
    (source / "jpeg.dcm").write_bytes(hostile4.lying_frame(JPEGBaseline8Bit))
    code = "import sys; from curator.cli import main; sys.argv[0] = 'curator'; main(sys.argv[1:])"
    limit = 4 << 30

    def cap() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    done = subprocess.run([sys.executable, "-c", code, "audit", str(source), "-f", "json", "-o", str(tmp_path / "a.json"),
                           "--index", str(tmp_path / "index.parquet"), "-w", "1"], capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT)}, preexec_fn=cap, timeout=300)
    assert done.returncode == 0, (done.returncode, done.stderr[-2000:])
    screen = json.loads((tmp_path / "a.json").read_text())["burned_in"]["pixel_screen"]
    assert (screen["not_decoded"], screen["screened"]) == (1, 0)

    from curator.deid import pixels
    from curator.dicom.frame_header import frame_size, oversized_frame

    for syntax in (JPEGBaseline8Bit, JPEG2000Lossless):
        ds = pydicom.dcmread(io.BytesIO(hostile4.lying_frame(syntax)))
        assert oversized_frame(ds) == "frame 1 declares 65500 x 65500 pixels, more than the header's 8 x 8", syntax
        with pytest.raises(pixels.FrameLargerThanHeader):
            pixels.frames_of(ds)
        honest = pydicom.dcmread(io.BytesIO(hostile4.lying_frame(syntax, side=8)))
        assert oversized_frame(honest) is None and pixels.frames_of(honest).shape == (1, 8, 8)
    decoded = 0
    for path in sorted(pydicom_files_dir().glob("*.dcm")):  # every real frame a decoder reads: its true size
        ds = pydicom.dcmread(path, force=True)
        syntax = ds.file_meta.get("TransferSyntaxUID")
        if "PixelData" not in ds or syntax is None or not syntax.is_encapsulated or pixels.decoded_bytes(ds) > 1 << 26:
            continue
        try:
            ds.pixel_array  # noqa: B018
        except Exception:  # noqa: BLE001 - no decoder here, or broken on purpose (a SIZ holding a delimiter)
            continue
        assert oversized_frame(ds) is None, path.name
        decoded += 1
    assert decoded >= 10
    assert frame_size(b"\xff\xd8\xff\xe0\x00\x04ab\xff\xc0\x00\x0b\x08\x00\x10\x00\x20\x01") == (32, 16)


def test_an_rle_frame_holding_the_bytes_of_a_jpeg_2000_header_is_decoded(tmp_path):
    """Found by the end-of-session measure on the blind5 image set: the frame-header check
    searched for a JPEG 2000 SOC+SIZ anywhere in a frame's first 64 KiB, so an RLE frame
    whose literal run held the pixel values 255, 79, 255, 81 read the next 16 bytes as a
    size of 67 million pixels, and a legitimate image was never decoded: the audit counted it
    'not decoded' and ``curator deid`` (even without --clean-pixels) quarantined it.  A
    codestream's SIZ is only where a codestream puts it: right after SOC at the frame's
    start, or in a JP2 file's jp2c box, which a lying size there still trips."""
    import numpy as np
    from PIL import Image
    from pydicom.uid import RLELossless

    from curator.dicom.frame_header import frame_size

    ds = pydicom.dcmread(pydicom_files_dir() / "CT_small.dcm")
    image = np.zeros((64, 64), np.uint8)
    row = [255, 79, 255, 81, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 1, 2, 3, 4, 5, 6, 7, 9]  # SOC, SIZ, then a "size"
    image[10, :len(row)] = row
    ds.Rows, ds.Columns, ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 64, 64, 8, 8, 7, 0
    ds.compress(RLELossless, image)
    assert b"\xff\x4f\xff\x51" in ds.PixelData  # the bytes are there, inside an RLE segment
    source = tmp_path / "source"
    source.mkdir()
    ds.save_as(source / "rle.dcm")
    assert run(["audit", str(source), "-f", "json", "-o", str(tmp_path / "a.json"),
                "--index", str(tmp_path / "index.parquet"), "-w", "1"]) == 0
    screen = json.loads((tmp_path / "a.json").read_text())["burned_in"]["pixel_screen"]
    assert (screen["not_decoded"], screen["screened"]) == (0, 1)
    key = write_fixed_key(tmp_path / "key")
    assert run(["deid", str(source), str(tmp_path / "out"), "--key", str(key), "-w", "1"]) == 0
    assert len(list((tmp_path / "out").rglob("*.dcm"))) == 1
    buffer = io.BytesIO()  # a JP2 file (not a bare codestream) still has its size read
    Image.new("L", (8, 8)).save(buffer, "JPEG2000", irreversible=False, no_jp2=False)
    assert frame_size(buffer.getvalue()) == (8, 8)


def test_a_deflate_bomb_is_rejected_before_it_is_inflated(tmp_path):
    """Found: a 3 MB Deflated Explicit VR file holding 3 GiB of zeros was inflated whole by
    the scan and again by the audit's pixel screen (2.6 GB resident, 26 s, then
    'malformed DICOM header (MemoryError)' under a 4 GB limit; a machine without a limit
    gives each worker 3 GB).  A deflated dataset is now inflated in bounded pieces first and
    rejected beyond the archives' ratio (mappings/sources.yaml), by every command."""
    from curator.index.scan import scan_source

    source = tmp_path / "source"
    source.mkdir()
    (source / "bomb.dcm").write_bytes(hostile4.deflate_bomb())
    assert (source / "bomb.dcm").stat().st_size < (1 << 20)
    scan_source(source, tmp_path / "index.parquet", workers=1)
    import pyarrow.parquet as pq

    (row,) = pq.read_table(tmp_path / "index.parquet").to_pylist()
    assert (row["status"], row["reason"]) == ("rejected", "deflated dataset expands beyond 200 times its size (possible decompression bomb)")
    from curator.deid.pixel_screen import screen_source

    assert screen_source(source, workers=1)["screened"] == 0
