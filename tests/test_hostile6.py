"""Hostile inputs, round 6 (tests/hostile6.py): sources, command lines and environments that
rounds 3 to 5 did not try, run through every command.  One test per failure class found at
the start of the round (measured on main with ``python tests/hostile6.py``); each fails
with its fix reverted."""
from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from curator.cli import run

sys.path.insert(0, str(Path(__file__).resolve().parent))
import hostile  # noqa: E402  (helper modules beside the tests, not a package)
import hostile6  # noqa: E402
import stopping  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
CODE = "import sys; from curator.cli import main; sys.argv[0] = 'curator'; main(sys.argv[1:])"


def _run(args: list[str], cwd: Path | None = None) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.ExitStack() as stack:
        if cwd is not None:
            stack.enter_context(contextlib.chdir(cwd))
        stack.enter_context(contextlib.redirect_stdout(out))
        stack.enter_context(contextlib.redirect_stderr(err))
        code = run(args)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def hostile_root(tmp_path_factory) -> dict:
    """The hostile source through scan, audit, deid, publish and validate (in this process)."""
    root = tmp_path_factory.mktemp("hostile6")
    written = hostile6.prepare(root)
    results = {}
    for name, argv, _env, expected in hostile6.scenarios(root):
        if name in ("scan source", "audit source", "deid source", "publish source", "validate release"):
            results[name] = (expected, *_run(argv))
    return {"root": root, "written": written, "results": results}


def test_the_hostile_source_keeps_the_contract_through_every_command(hostile_root):
    """Found: `audit` of the source was killed by the kernel (21 GB) or ended 'internal error
    (BrokenProcessPool)': a CT header promising 2,147,483,647 frames over 128 bytes of pixels
    made the pixel screen list every frame index before decoding the first."""
    for name, (expected, code, out, err) in hostile_root["results"].items():
        assert code == expected, (name, err[-2000:])
        console = out + err
        assert "Traceback" not in console and "internal error" not in console, name
        assert hostile.HOSTILE_NAME not in console and hostile.HOSTILE_MRN not in console, name
    assert hostile6.unaccounted(hostile_root["root"], hostile_root["written"]) == []


def test_a_header_promising_billions_of_frames_is_judged_by_its_bytes_in_little_memory(tmp_path):
    """The class behind the audit kill, in one process limited to 1.5 GB of address space:
    the frames are counted lazily, and pydicom's decoder finds the pixel data too short
    (before: MemoryError building the list of two billion indices)."""
    path = tmp_path / "promise.dcm"
    path.write_bytes(hostile6._promises(632, 8, 8, 2147483647))
    code = ("import resource, sys, pydicom; resource.setrlimit(resource.RLIMIT_AS, (1536 << 20, 1536 << 20)); "
            "from curator.deid.pixels import iter_frames; "
            "frames = iter_frames(pydicom.dcmread(sys.argv[1]))\n"
            "try:\n next(frames)\nexcept Exception as exc:\n print(type(exc).__name__, exc)")
    done = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.stdout.startswith("ValueError The number of bytes of pixel data is less than expected"), done.stdout


@pytest.mark.parametrize("argv", [
    ["deid", "SRC", "OUT", "--key", ""],
    ["deid", "SRC", "OUT", "--key", "KEY", "--to", ""],
    ["deid", "SRC", "OUT", "--key", "KEY", "--scheduler="],
    ["deid", "", "OUT", "--key", "KEY"],
    ["mappings", "review", "", "--out", "OUT"],
    ["audit", "SRC", "-o", ""],
    ["publish", "SRC", "OUT", "--key", "KEY", "--config", ""],
    ["keygen", ""],
], ids=["key", "to", "scheduler=", "source", "review-source", "audit-out", "config", "keygen"])
def test_an_empty_value_is_refused_before_any_work(tmp_path, argv):
    """Found: `--to ""` (a variable that was not set) stored nothing and exited 0, as did
    `--scheduler ""`; `mappings review ""` scanned the current folder; an empty --key or
    SOURCE gave messages about something else ('the output folder must not be inside the
    source').  Now any empty value is `error: OPTION: empty value`, exit 2, nothing done."""
    names = {"SRC": str(tmp_path / "source"), "OUT": str(tmp_path / "out"), "KEY": str(tmp_path / "key")}
    (tmp_path / "source").mkdir()
    (tmp_path / "source" / "a.dcm").write_bytes(hostile.one_ct())
    code, out, err = _run([names.get(a, a) for a in argv], cwd=tmp_path)
    assert code == 2 and "empty" in err and err.startswith("error: "), err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["source"]  # no OUT, no index, no key


def test_dash_is_standard_output(tmp_path):
    """Found: `curator keygen -` and `curator normalize X -o -` wrote a file named '-'."""
    code, out, err = _run(["keygen", "-"], cwd=tmp_path)
    assert code == 0 and out.count("curator-key-v1:") == 1 and err == ""
    (tmp_path / "key").write_text(out)
    from curator.deid.pseudonyms import read_key

    assert len(read_key(tmp_path / "key")) == 32
    (tmp_path / "d.csv").write_text("description\nCT Brain\n")
    code, out, err = _run(["normalize", "d.csv", "-o", "-"], cwd=tmp_path)
    assert code == 0 and out.startswith("description,") and "standard output" in err
    code, out, err = _run(["audit", "d.csv", "--batches", "-"], cwd=tmp_path)
    assert code == 2 and "--batches needs a file name" in err
    assert not (tmp_path / "-").exists()


def test_a_source_that_is_one_file_is_named_by_its_last_part(tmp_path):
    """Found: `curator deid /archive/<patient>/a.dcm OUT` quoted the whole path."""
    folder = tmp_path / hostile.HOSTILE_NAME
    folder.mkdir()
    (folder / "a.dcm").write_bytes(hostile.one_ct())
    code, out, err = _run(["scan", str(folder / "a.dcm"), "-w", "1"])
    assert code == 2 and hostile.HOSTILE_NAME not in err, err
    assert err == "error: source is neither a folder nor a zip/tar archive: a.dcm (one DICOM file: give the folder that holds it)\n"


def _series(tmp_path: Path, last: bytes) -> Path:
    """Three CTs of one series (the first two read in full and matched), then ``last``."""
    source = tmp_path / "source" / "site"
    source.mkdir(parents=True)
    for n in (1, 2, 3):
        (source / f"{n}.dcm").write_bytes(hostile6._bytes(hostile6._ct(n)))
    (source / "4.dcm").write_bytes(last)
    return source.parent


@pytest.mark.parametrize("last, reason", [
    (hostile6._zero_pixels(4), "image without pixel data (empty Pixel Data)"),
    (hostile6._empty_encapsulated(), "image without pixel data (empty Pixel Data)"),
    (hostile6._bytes(hostile6._ct(4))[:-64], "truncated (pixel data shorter than the image size)"),
], ids=["zero-length", "no-fragment", "short"])
def test_empty_or_short_pixel_data_has_one_reading_in_every_command(tmp_path, last, reason):
    """Found: a CT whose Pixel Data was empty was an instance to `audit` (its header matched
    the series' template, whose check skipped the image size) and 'truncated' to `deid`;
    encapsulated Pixel Data with no fragment was an instance to `audit` and quarantined by
    `deid` ('no frame can be decoded here: RuntimeError').  Now both are rejected by every
    command as 'image without pixel data (empty Pixel Data)'."""
    from curator.deid.run import DeidOptions, deidentify
    from curator.index.scan import scan_source

    if reason.startswith("truncated"):  # the short file's Pixel Data length says 64 bytes less
        import struct

        at = last.rindex(b"\xe0\x7f\x10\x00")
        last = last[:at + 8] + struct.pack("<I", 64) + last[at + 12:]
    source = _series(tmp_path, last)
    frame = scan_source(source, tmp_path / "index.parquet", workers=1, full_paths=True).frame()
    rejected = {p: r for p, r, s in zip(frame["path"], frame["reason"], frame["status"]) if s != "indexed"}
    assert rejected == {"site/4.dcm": reason} and len(frame) == 4
    report = deidentify(source, tmp_path / "out", b"k" * 32, DeidOptions(workers=1))
    assert [r["reason"] for r in report["rejected"]] == [reason] and report["quarantined"] == []


def test_the_private_tag_knowledge_base_is_read_once_per_process():
    """Found: the index (known creators) and de-identification (safe private tags) each
    opened and parsed the 2 MB TCIA CSV; publish does both in one process."""
    code = ("import sys, collections; seen = collections.Counter(); "
            "sys.addaudithook(lambda e, a: seen.update([e]) if e == 'open' and str(a[0]).endswith('tcia-private-tag-kb.csv') else None); "
            "from curator.deid import table; table.known_creators(); table.safe_private(); "
            "table.safe_private_free_text(('comments',)); print(seen['open'])")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.stdout.strip() == "1", done.stderr[-1500:]


# --- Ctrl-C: a real SIGINT to the whole process group, as a terminal sends it ----------------

def _tree(folder: Path) -> dict[str, str]:
    import hashlib

    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def ct_source(tmp_path_factory) -> dict:
    from curator.testing.synthetic import default_study, write_ct_series
    from tests.conftest import write_fixed_key

    root = tmp_path_factory.mktemp("hostile6-sigint")
    for n in range(2):
        write_ct_series(root / "source" / "site-a" / f"s{n}", 40, default_study(), series_number=10 + n, rows=128,
                        columns=128, seed=n)
    write_fixed_key(root / "key")
    # the reference output, in this process (no interpreter to start): the same bytes as any
    # run's, whatever its workers (determinism; the tests below compare CLI runs with it)
    from curator.deid.pseudonyms import read_key
    from curator.deid.run import DeidOptions, deidentify

    deidentify(root / "source", root / "clean", read_key(root / "key"), DeidOptions(workers=1))
    return {"root": root, "clean": _tree(root / "clean")}


AT_EXIT = "at exit (the command has returned; the interpreter shuts down)\n"
# The last thing the interpreter does before it ends (atexit handlers run last registered
# first): says so on standard error, then waits for a line on standard input, which the test
# writes once it has sent its signal (it gave the signal a second to arrive: on a loaded
# machine the test could send it after the interpreter had ended, and pass without trying).
AT_EXIT_CODE = ("import atexit, sys; "
                f"atexit.register(lambda: (sys.stderr.write({AT_EXIT!r}), sys.stderr.flush(), sys.stdin.readline())); ")


def signal_at_exit(args: list[str], signum: int) -> tuple[int, str, str]:
    """Run the command in its own process group (SIGINT as a shell leaves it) and send
    ``signum`` to the group while the interpreter shuts down, after the command has returned."""
    import signal

    child = subprocess.Popen([sys.executable, "-c", AT_EXIT_CODE + CODE, *args], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             env={**os.environ, "PYTHONPATH": str(ROOT)}, start_new_session=True,
                             preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    assert child.stderr is not None
    for line in child.stderr:
        if line == AT_EXIT:
            break
    os.killpg(child.pid, signum)
    out, err = child.communicate("signal sent\n", timeout=300)
    return child.returncode, out, err


def _interrupted(args: list[str], journaled: int) -> tuple[int, str, str]:
    """Run the command in its own process group, with SIGINT as a shell leaves it; it stops
    itself (tests/stopping.py) once ``journaled`` outputs are written and journaled, and Ctrl-C
    (SIGINT to the group, as a terminal sends it) lands there: mid-run whatever the machine's
    speed.  (Polling for the outputs raced the run: it could end before the signal.)"""
    import signal

    child = stopping.start(stopping.JOURNALED, journaled, args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           text=True, start_new_session=True,
                           preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    os.killpg(child.pid, signal.SIGINT)
    stopping.resume(child)
    out, err = child.communicate(timeout=300)
    return child.returncode, out, err


def test_ctrl_c_during_deid_exits_130_and_the_rerun_gives_the_uninterrupted_output(ct_source):
    """Ctrl-C with 10 of 80 instances written: exit 130, one line on standard error (no
    traceback from the parent or its workers), no OUT file under its final name that the
    journal does not vouch for; the same command again gives the bytes of an uninterrupted run."""
    root = ct_source["root"]
    out = root / "interrupted"
    args = ["deid", str(root / "source"), str(out), "--key", str(root / "key"), "--workers", "2"]
    code, _, err = _interrupted(args, 10)
    assert (code, err) == (130, "error: interrupted; what was written is incomplete (deid and publish resume it "
                                "when run again with the same options)\n")
    left = {name: digest for name, digest in _tree(out).items() if not name.endswith(".part")}
    left.pop(".curator-deid-journal.jsonl")
    assert len(left) >= 10 and all(ct_source["clean"].get(name) == digest for name, digest in left.items()), \
        "a file under its final name that is not the complete output"
    code, _, err = _run(args)  # the rerun resumes (in this process: no interpreter to start)
    assert (code, err) == (0, ""), err
    assert _tree(out) == ct_source["clean"]


def test_ctrl_c_that_finds_a_worker_waiting_for_a_task_leaves_it_alone(capfd):
    """Found (session 14): Ctrl-C reaches every process of the terminal's group; a local pool's
    worker waiting for its next task took it as a KeyboardInterrupt and died with a traceback
    on standard error, after the run's one line 'error: interrupted' (the Ctrl-C test above,
    with the run's process stopped a second while Ctrl-C reached its idle workers: 1 run in 1).
    Now the workers ignore SIGINT: the run's own
    process stops them when it stops.  The signal goes to idle workers only (their last
    result received): without the fix the pool breaks and standard error has the traceback."""
    import signal

    from curator.common.executors import make_executor

    with make_executor(2) as pool:
        assert [f.result() for f in [pool.submit(pow, n, 2) for n in range(4)]] == [0, 1, 4, 9]  # both forked, idle
        workers = list(pool._pool._processes)  # the pids of its ProcessPoolExecutor's workers
        assert len(workers) == 2
        for pid in workers:
            os.kill(pid, signal.SIGINT)
        assert [f.result(timeout=300) for f in [pool.submit(pow, n, 3) for n in range(4)]] == [0, 1, 8, 27]
        assert sorted(pool._pool._processes) == sorted(workers)  # none died
    assert "KeyboardInterrupt" not in capfd.readouterr().err


# A pool whose worker stops in the middle of sending a result, as one stopped by Ctrl-C or
# SIGTERM while it sent a result larger than the pipe holds (a chunk of the scan's rows).
HALF_A_RESULT = """
import os, pathlib, struct, sys, time
from curator.common.executors import make_executor
def send_half(flag):
    pipe = sys._getframe(1).f_locals["result_queue"]._writer  # concurrent.futures' _process_worker's
    os.write(pipe.fileno(), struct.pack("!i", 1 << 20) + b"0123456789")  # 10 bytes of a 1 MiB result
    pathlib.Path(flag).touch()
    time.sleep(3600)
pool = make_executor(2)
pool.submit(send_half, sys.argv[1])
while not os.path.exists(sys.argv[1]):
    time.sleep(0.01)
pool.abort()
print("ended")
"""


def test_a_run_stopped_while_a_worker_sends_a_large_result_ends(tmp_path):
    """Found (session 14): stopping the local pool (Ctrl-C, SIGTERM: LocalExecutor.abort) hung
    for ever when a worker was stopped in the middle of sending a result: the pool's manager
    thread waited for the rest of it, and the run's process, which held a writing end of the
    pipe, joined that thread (a pool whose tasks return 200 kB: abort hung 4 times in 4 series
    of up to 60 runs).  Here the worker has sent the first 10 bytes of a 1 MiB result when the
    pool is stopped: it ends at once; without the fix the child runs until its time limit."""
    done = subprocess.run([sys.executable, "-c", HALF_A_RESULT, str(tmp_path / "sent")], capture_output=True, text=True,
                          timeout=120, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert (done.returncode, done.stdout, done.stderr) == (0, "ended\n", "")


def test_ctrl_c_once_the_command_has_returned_changes_nothing(tmp_path):
    """Found: a Ctrl-C just after `deid` printed its last line killed Python by the signal
    while it shut down (joining its worker pool): status -2 (130 to a shell, 'interrupted')
    after a complete run, with no word on standard error (4 runs of 4 on a one-file source),
    or a KeyboardInterrupt traceback from an exit handler.  Now the interpreter ignores
    SIGINT once the command has decided its status: 0, nothing on standard error.  (A one-file
    source of its own since round 7: the 80-instance fixture of the test above is then built by
    one xdist worker, not by both.)"""
    from curator.deid.run import DeidOptions, deidentify
    from curator.deid.pseudonyms import read_key
    from tests.conftest import write_fixed_key

    (tmp_path / "source" / "site").mkdir(parents=True)  # one file, as the finding's runs
    (tmp_path / "source" / "site" / "1.dcm").write_bytes(hostile6._bytes(hostile6._ct(1)))
    write_fixed_key(tmp_path / "key")
    deidentify(tmp_path / "source", tmp_path / "clean", read_key(tmp_path / "key"), DeidOptions(workers=1))
    out = tmp_path / "at_end"
    import signal

    code, _, err = signal_at_exit(["deid", str(tmp_path / "source"), str(out), "--key", str(tmp_path / "key"),
                                   "--workers", "2"], signal.SIGINT)
    assert (code, err) == (0, "")
    assert _tree(out) == _tree(tmp_path / "clean")


def test_a_series_under_two_site_folders_lists_both_and_is_a_finding(tmp_path):
    """Found (round 5's open item): a series whose instances lay under two site folders showed
    the majority's site alone in the audit's series and in a release's series.csv, and no
    finding said so.  Now its site lists both ('site_a; site_b') and the audit warns."""
    for n, site in ((1, "site_a"), (2, "site_a"), (3, "site_b")):
        (tmp_path / "source" / site).mkdir(parents=True, exist_ok=True)
        (tmp_path / "source" / site / f"{n}.dcm").write_bytes(hostile6._bytes(hostile6._ct(n)))
    code, out, err = _run(["audit", str(tmp_path / "source"), "-f", "json", "-w", "1", "--no-pixel-screen",
                           "--full-paths", "--index", str(tmp_path / "i.parquet")])
    import json

    report = json.loads(out)
    assert [(s["site"], s["instances"]) for s in report["series"]] == [("site_a; site_b", 3)]
    assert [f["count"] for f in report["findings"] if f["code"] == "series_at_several_sites"] == [1]


def test_deid_of_a_source_with_no_instance_is_an_input_error(tmp_path):
    """Found: `deid` of a folder holding only a DICOMDIR (or nothing) wrote an OUT with its
    report and no instance and exited 0, where `publish` says 'nothing to publish' (exit 2): a
    pipeline `deid SRC OUT && upload OUT` shipped an empty release.  Now exit 2 with the reason;
    the report (every file's rejection) is still written."""
    from tests.conftest import write_fixed_key

    (tmp_path / "source" / "cd").mkdir(parents=True)
    (tmp_path / "source" / "cd" / "DICOMDIR").write_bytes(hostile6._dicomdir([["IMG1"]]))
    (tmp_path / "empty").mkdir()
    write_fixed_key(tmp_path / "key")
    code, out, err = _run(["deid", str(tmp_path / "source"), str(tmp_path / "out"), "--key", str(tmp_path / "key"),
                           "--workers", "1"])
    assert (code, err) == (2, "error: nothing de-identified: the source has no readable DICOM instance (1 of 1 items "
                              "rejected; the reasons are in deid-report.json)\n")
    assert (tmp_path / "out" / "deid-report.json").exists()
    code, out, err = _run(["deid", str(tmp_path / "empty"), str(tmp_path / "out2"), "--key", str(tmp_path / "key"),
                           "--workers", "1"])
    assert (code, err) == (2, "error: nothing de-identified: the source holds no file\n")


def test_a_self_extracting_zip_is_read_as_a_zip(tmp_path):
    """Found: a zip behind a Windows program stub (a PACS viewer's self-extracting export,
    which zipfile and unzip read) was rejected as 'not DICOM'; its instances were lost."""
    from curator.sources.registry import open_source

    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "study.exe").write_bytes(hostile6.cases()["site_a/zip_sfx.zip"])
    (tmp_path / "site" / "program.exe").write_bytes(b"MZ" + b"\x90" * 4094)  # a program without a zip stays 'not DICOM'
    items = {item.relpath: getattr(item, "reason", None) for item in open_source(tmp_path).items()}
    assert items == {"site/program.exe": None, "site/study.exe!/sfx.dcm": None}
