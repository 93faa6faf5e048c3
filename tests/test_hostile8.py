"""Hostile inputs, round 8 (tests/hostile8.py): command lines, environments and files that
rounds 1 to 7 did not try, each with the exit status and the start of the error line it must
give; every file of the hostile source with the outcome the audit must give it; a file
rewritten between the two passes of deid with its size and mtime kept.  Measured on the start
commit with ``CURATOR_CODE=<tree> python tests/hostile8.py``; each test fails with its fix
reverted.

Commands run in this process (``curator.cli.run``), except those that hung at the start of the
round (a FIFO given as a file): those run in a subprocess with a time limit, so a regression
fails the test instead of hanging it.
"""
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
import hostile8  # noqa: E402  (helper modules beside the tests, not a package)
import stopping  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
CODE = "import sys; from curator.cli import main; sys.argv[0] = 'curator'; main(sys.argv[1:])"
HUNG = {"validate catalog.ttl a FIFO", "normalize INPUT_CSV FIFO", "normalize --overrides CSV FIFO", "deid --recipe FIFO"}


def _run(args: list[str], env: dict[str, str | None], cwd: Path) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.ExitStack() as stack, pytest.MonkeyPatch.context() as patch:
        for name, value in env.items():
            patch.delenv(name, raising=False) if value is None else patch.setenv(name, value)
        patch.chdir(cwd)
        stack.enter_context(contextlib.redirect_stdout(out))
        stack.enter_context(contextlib.redirect_stderr(err))
        code = run(args)
    return code, out.getvalue(), err.getvalue()


def _subprocess(args: list[str], env_changes: dict[str, str | None], cwd: Path) -> tuple[int, str, str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for name, value in env_changes.items():
        env.pop(name, None) if value is None else env.__setitem__(name, value)
    done = subprocess.run([sys.executable, "-c", CODE, *args], capture_output=True, env=env, cwd=cwd, timeout=60,
                          check=False)
    return done.returncode, done.stdout.decode("utf-8", "replace"), done.stderr.decode("utf-8", "replace")


@pytest.fixture(scope="module")
def root(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile8")
    hostile8.prepare(root)
    yield root
    if os.path.ismount(root / "full"):
        hostile8.unmount(root / "full")


def _names() -> list[str]:
    full = Path("/nonexistent")  # every scenario, the full-disk ones included (skipped where no tmpfs)
    names = [s[0] for s in hostile8.scenarios(full)]
    return names + ["keygen on a full disk", "normalize -o on a full disk", "audit -o on a full disk",
                    "mappings review --out on a full disk"]


@pytest.mark.parametrize("name", _names())
def test_every_command_line_keeps_the_contract(name, root, monkeypatch):
    """Found at the start of the round (23 of 29 wrong): a name given on the command line
    holding a terminal escape or a line break reached the terminal raw (a forged second
    error line); a header value with escapes reached the text report raw; ``--recipe`` a
    FIFO or /dev/zero was 'file not found'; normalize's CSV and --overrides CSV a FIFO hung
    (or said "Missing option"), /dev/zero read for ever; validate of a release whose
    catalog.ttl is a FIFO hung, one whose catalog.ttl is a symbolic link was exit 2 (now a
    failed check, exit 1, as a FIFO); --index, -o and --batches inside SOURCE wrote into it, -o and
    --batches one file overwrote the report; HOME="" put the cache in / and a relative
    XDG_CACHE_HOME in the working folder; a DICOMweb token holding a line break was
    '(InvalidHeader)'; keygen, normalize -o, audit -o and mappings review on a full disk
    left a cut file under the final name."""
    scenario = [s for s in hostile8.scenarios(root) if s[0] == name]
    if not scenario:
        pytest.skip("mounting a small tmpfs is not permitted here")
    (_, argv, env, expected, message) = scenario[0]
    monkeypatch.setenv("CURATOR_CACHE", str(root / "cache"))
    code, out, err = (_subprocess(argv, {"CURATOR_CACHE": str(root / "cache"), **env}, root / "cwd") if name in HUNG
                      else _run(argv, env, root / "cwd"))
    problems = hostile8.problems_of(name, argv, root, code, out, err, expected, message)
    for leftover in (root / "cwd").iterdir():
        leftover.unlink() if leftover.is_file() else None
    assert problems == [], (name, err[-2000:])


def test_the_hostile_source_is_accounted_for_with_precise_reasons(root):
    """Every file of the hostile source is indexed or rejected as hostile8.cases() says.
    Found: a VR of two NUL bytes was 'image without pixel data' (round 7's open item); zip
    members that are a symbolic link, a FIFO and a device (Unix modes) were read as 'empty
    file' or 'not DICOM' where a tar's are 'link inside archive (not followed)' and 'special
    file inside archive'.  NFC and NFD spellings of one name are two files, both indexed."""
    index = root / "outcomes.parquet"
    code, out, err = _run(["audit", str(root / "source"), "--full-paths", "--no-pixel-screen", "-w", "1", "--index",
                           str(index), "-f", "json", "-o", str(root / "outcomes.json")], {}, root / "cwd")
    assert code == 0, err
    assert hostile8.file_outcomes_wrong(index) == []


def test_a_file_rewritten_between_the_passes_with_size_and_mtime_kept_is_rejected(tmp_path, monkeypatch):
    """Round 7's open item: the listing's fingerprint is size and mtime, so a file rewritten
    between deid's header pass and its writing pass with both kept (another patient's
    instance of the same size, its mtime set back) was de-identified with the plan made for
    the bytes read first (a mix of two versions).  The writing pass now hashes the bytes it
    de-identifies and compares them with the header pass's: the file is rejected as changed,
    the others are written."""
    import json

    from curator.deid import run as deid_run
    from curator.deid.run import CHANGED
    from tests.conftest import write_fixed_key

    hostile8._small(tmp_path / "src")  # seven one-instance patients
    files = sorted((tmp_path / "src").rglob("*.dcm"))
    victim, other = files[2], files[4]
    assert victim.stat().st_size == other.stat().st_size
    plan = deid_run._plan

    def rewrite_then_plan(*args, **kwargs):
        before = victim.stat()
        victim.write_bytes(other.read_bytes())  # another patient's bytes, same size
        os.utime(victim, ns=(before.st_atime_ns, before.st_mtime_ns))
        after = victim.stat()
        assert (after.st_size, after.st_mtime_ns) == (before.st_size, before.st_mtime_ns)  # the fingerprint is blind
        return plan(*args, **kwargs)

    monkeypatch.setattr(deid_run, "_plan", rewrite_then_plan)
    write_fixed_key(tmp_path / "key")
    code, out, err = _run(["deid", str(tmp_path / "src"), str(tmp_path / "out"), "--key", str(tmp_path / "key"), "-w", "1"],
                          {}, tmp_path)
    assert code == 0, err
    report = json.loads((tmp_path / "out" / "deid-report.json").read_text())
    assert [r["reason"] for r in report["rejected"]] == [CHANGED]
    assert report["counts"]["written"] == len(files) - 1
    assert len(list((tmp_path / "out").rglob("*.dcm"))) == len(files) - 1


def _alive(pid: int) -> bool:
    """Whether process ``pid`` exists and has not exited (a zombie has)."""
    try:
        return "\nState:\tZ" not in Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False


def _tree(folder: Path) -> dict[str, str]:
    import hashlib

    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("to", ["the command", "its process group"])
def test_sigterm_during_deid_exits_143_with_one_line_and_the_rerun_resumes(to, tmp_path):
    """Found: SIGTERM (``timeout``, ``kill``, systemd, a container stopping) killed deid by
    the signal, status -15, with nothing on standard error.  Now it stops as on Ctrl-C: exit
    143 (128 + 15), one line, no worker left, no file under its final name that is not
    complete, and the same command again gives the bytes of an uninterrupted run."""
    import signal
    import time

    from curator.deid.pseudonyms import read_key
    from curator.deid.run import DeidOptions, deidentify
    from curator.testing.synthetic import default_study, write_ct_series
    from tests.conftest import write_fixed_key

    for n in range(2):  # 80 instances; the run stops itself after 10 outputs and the signal lands there
        write_ct_series(tmp_path / "source" / "site-a" / f"s{n}", 40, default_study(), series_number=10 + n, rows=128,
                        columns=128, seed=n)
    write_fixed_key(tmp_path / "key")
    deidentify(tmp_path / "source", tmp_path / "clean", read_key(tmp_path / "key"), DeidOptions(workers=1))
    out = tmp_path / "out"
    args = ["deid", str(tmp_path / "source"), str(out), "--key", str(tmp_path / "key"), "--workers", "2"]
    # stopped (tests/stopping.py) once 10 outputs are journaled: polling for them raced the run,
    # which could end before the signal (once in a fresh-clone CI of session 13)
    child = stopping.start(stopping.JOURNALED, 10, args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                           start_new_session=True)
    workers = subprocess.run(["pgrep", "-P", str(child.pid)], capture_output=True, text=True, check=False).stdout.split()
    assert workers, "the run has no worker process"
    (os.kill if to == "the command" else os.killpg)(child.pid, signal.SIGTERM)
    stopping.resume(child)
    _, err = child.communicate(timeout=300)
    assert (child.returncode, err) == (143, "error: terminated (SIGTERM); what was written is incomplete (deid and "
                                            "publish resume it when run again with the same options)\n")
    deadline = time.monotonic() + 60  # the run joins its workers before it exits: only a guard for a loaded machine
    while [w for w in workers if _alive(int(w))] and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not [w for w in workers if _alive(int(w))], "a worker outlived the run"
    clean = _tree(tmp_path / "clean")
    left = {name: digest for name, digest in _tree(out).items() if not name.endswith(".part")}
    left.pop(".curator-deid-journal.jsonl")
    assert all(clean.get(name) == digest for name, digest in left.items()), "a file under its final name is not complete"
    code, _, err = _run(args, {}, tmp_path)
    assert (code, err) == (0, ""), err
    assert _tree(out) == clean


def test_sigterm_once_the_command_has_returned_changes_nothing(tmp_path):
    """Found (session 13, a fresh-clone CI): SIGTERM while the interpreter shut down after a
    complete run killed Python by the signal (status -15, nothing on standard error): the
    command's handler is restored when it returns.  Now SIGTERM is ignored from then on, as
    Ctrl-C is (tests/test_hostile6.py): status 0, the complete output."""
    import signal

    from test_hostile6 import signal_at_exit

    from curator.deid.pseudonyms import read_key
    from curator.deid.run import DeidOptions, deidentify
    from curator.testing.synthetic import default_study, write_ct_series
    from tests.conftest import write_fixed_key

    write_ct_series(tmp_path / "source" / "site-a" / "s0", 2, default_study(), rows=64, columns=64, seed=1)
    write_fixed_key(tmp_path / "key")
    deidentify(tmp_path / "source", tmp_path / "clean", read_key(tmp_path / "key"), DeidOptions(workers=1))
    args = ["deid", str(tmp_path / "source"), str(tmp_path / "out"), "--key", str(tmp_path / "key"), "--workers", "2"]
    code, _, err = signal_at_exit(args, signal.SIGTERM)
    assert (code, err) == (0, "")
    assert _tree(tmp_path / "out") == _tree(tmp_path / "clean")


_INTERRUPTED = (130, "error: interrupted; what was written is incomplete (deid and publish resume it "
                    "when run again with the same options)\n")


@pytest.mark.parametrize(("hook", "signame", "expected"), [
    # Right after the command's body returned, inside cli.run: 'interrupted' when Python runs the
    # handler before run sets the signal ignored, or the complete run's status (0, nothing said)
    # when the ignoring comes first; which comes first as the process resumes is not fixed (the
    # fresh-clone CI of 919be05 saw the second once). Both are a status; a traceback is not.
    ("curator.cli:_run", "SIGINT", (_INTERRUPTED, (0, ""))),
    ("curator.cli:run", "SIGINT", ((0, ""),)),
    ("curator.cli:run", "SIGTERM", ((0, ""),)),
])
def test_a_signal_as_the_command_returns_gives_a_status_never_a_traceback(hook, signame, expected, tmp_path):
    """Found (session 14): a Ctrl-C just after the command's body had returned, inside
    ``cli.run``, came out of ``main`` as a KeyboardInterrupt traceback, status -2 (``run`` caught
    SIGTERM's exception only); just after ``run`` had returned, before ``main`` ignored the
    signals, Ctrl-C gave the same traceback and SIGTERM killed Python (-15, not a word).  Now
    the first is 'interrupted' (130) and the second changes nothing.  The command stops itself
    (tests/stopping.py) right after the function returns, and the signal lands there."""
    import signal

    (tmp_path / "source").mkdir()
    (tmp_path / "source" / "a.dcm").write_bytes(hostile8._bytes(hostile8._ct(1)))
    child = stopping.start(hook, 1, ["scan", tmp_path / "source", "--index", tmp_path / "i.parquet", "--workers", "1"],
                           text=True, start_new_session=True)
    os.kill(child.pid, getattr(signal, signame))
    stopping.resume(child)
    _, err = child.communicate(timeout=300)
    assert (child.returncode, err) in expected
