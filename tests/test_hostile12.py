"""Hostile inputs, round 12 (tests/hostile12.py): a DICOMweb server that lists validly and
then answers WADO-RS with hostile bodies, ``tls://`` schedulers, OUT that is a file, read-only
or another key's release, CURATOR_* numbers no setting holds, and a source of DICOM files whose
pixel data and structure lie, each command run as a real subprocess (a timeout: a hang fails;
an address-space limit: a body held whole fails) and held to the contract: its exit status,
one ``error:`` line, no traceback, no identifier, no raw control character; every file of the
source accounted for by audit, scan, deid (with and without --clean-pixels) and publish, no
identifier in any output.  Measured on the start commit with ``CURATOR_CODE=<tree> python
tests/hostile12.py``; each test fails with its fix reverted.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import hostile12  # noqa: E402  (helper modules beside the tests, not a package)
from hostile import _bytes, _ct  # noqa: E402

TIMEOUT = 120  # seconds for one command line


def _env(root: Path) -> dict[str, str]:
    code = str(Path(__file__).resolve().parent.parent)
    return {**os.environ, "PYTHONPATH": code, "CURATOR_CACHE": str(root / "cache")}


@pytest.fixture(scope="module")
def servers():
    wado = hostile12.start_wado(_bytes(_ct(3900)))
    silent, garbage, stop = hostile12.silent_and_garbage_servers()
    yield wado, silent.getsockname()[1], garbage.getsockname()[1]
    stop.set()
    for server in wado.values():
        server.close()
    silent.close()
    garbage.close()


@pytest.fixture(scope="module")
def root(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile12")
    hostile12.prepare(root)
    yield root
    subprocess.run(["umount", "-l", str(root / "readonly")], capture_output=True)


@pytest.mark.parametrize("name", [s[0] for s in hostile12.scenarios(Path("/nonexistent"))])
def test_every_command_line_keeps_the_contract(name, root, servers):
    wado, silent, garbage = servers
    if "read-only" in name and not hostile12.read_only_works(root):
        pytest.skip("root ignores permissions and mounting a read-only tmpfs is not permitted here")
    (scenario,) = [s for s in hostile12.scenarios(root, wado, silent, garbage) if s[0] == name]
    _, argv, changes, expected, message = scenario
    code, out, err, rss = hostile12.run_curator(argv, {**_env(root), **changes}, root / "cwd", TIMEOUT)
    problems = hostile12.problems_of(code, out, err, expected, message) + hostile12.wado_problems(name, wado, rss)
    if "WADO" in name and (root / f"w_{name.split()[-1]}").exists():
        problems += [f"output holds the name: {p}" for p in hostile12.output_leaks(root / f"w_{name.split()[-1]}")]
    if any((root / "cwd").iterdir()):
        problems.append("wrote into the working folder")
    assert not problems, f"{name}: {problems} | {err.strip()[-400:]}"


def test_the_lying_source_through_audit_scan_deid_and_publish(tmp_path):
    """One test (one xdist worker runs the five commands): each exits 0 with no traceback and
    no identifier, within the address-space limit; every file accounted for (the audit's index
    and both deid reports); no identifier in any output."""
    hostile12.prepare(tmp_path)
    problems = []
    for what, argv in hostile12.source_runs(tmp_path):
        code, out, err, _ = hostile12.run_curator(argv, _env(tmp_path), tmp_path / "cwd", 900)
        problems += [f"{what}: {p} | {err[-800:]!a}" for p in hostile12.problems_of(code, out, err, 0, None)]
    problems += hostile12.accounted(tmp_path)
    for folder in ("hd", "hc", "hp"):
        if (tmp_path / folder).exists():
            problems += [f"{folder}: {p}" for p in hostile12.output_leaks(tmp_path / folder)]
    subprocess.run(["umount", "-l", str(tmp_path / "readonly")], capture_output=True)
    assert problems == []
