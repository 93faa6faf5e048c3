"""Hostile inputs, round 5: odd but legal DICOM (tests/hostile5.py), standard streams that
cannot be written, and releases edited by hand.  One test per failure class found on the
start of the round; each fails with its fix reverted."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import hostile  # noqa: E402  (helper modules beside the tests, not a package)

ROOT = Path(__file__).resolve().parent.parent
CODE = "import sys; from curator.cli import main; sys.argv[0] = 'curator'; main(sys.argv[1:])"


def _curator(args: list[str], **kwargs) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-c", CODE, *args], text=True, env=env, timeout=300, **kwargs)


@pytest.fixture(scope="module")
def one_file(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("hostile5-one")
    (root / "source").mkdir()
    (root / "source" / "a.dcm").write_bytes(hostile.one_ct())
    return root


def _audit(root: Path, name: str) -> list[str]:
    return ["audit", str(root / "source"), "-f", "json", "--no-pixel-screen", "-w", "1",
            "--index", str(root / f"{name}.parquet")]


def test_standard_output_that_cannot_be_written_is_an_error(one_file):
    """Found: `curator audit X > /dev/full` ended 'internal error (OSError)', exit 3; with
    standard output closed the report went nowhere and the exit status was 0; a pipe whose
    reader had gone (`| head -1` on a long report) gave exit 1 (checks failed) without a
    word; a usage error with standard error closed exited 1.  Now exit 2, `error: cannot
    write the output (…)` on standard error when it can be written."""
    with open("/dev/full", "w") as full:
        done = _curator(_audit(one_file, "full"), stdout=full, stderr=subprocess.PIPE)
    assert (done.returncode, done.stderr) == (2, "error: cannot write the output (No space left on device)\n")
    done = _curator(_audit(one_file, "closed"), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                    pass_fds=(), preexec_fn=lambda: os.close(1))
    assert (done.returncode, done.stderr) == (2, "error: cannot write the output (Bad file descriptor)\n")
    child = subprocess.Popen([sys.executable, "-c", CODE, *_audit(one_file, "pipe")], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert child.stdout is not None
    child.stdout.close()  # the reader goes before the report is written
    _, err = child.communicate(timeout=300)
    assert (child.returncode, err) == (2, "error: cannot write the output (Broken pipe)\n")
    done = _curator(["scan", str(one_file / "missing"), "-w", "1"], stdout=subprocess.PIPE,
                    stderr=subprocess.DEVNULL, preexec_fn=lambda: os.close(2))
    assert done.returncode == 2
