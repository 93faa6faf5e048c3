"""Hostile inputs, round 11 (tests/hostile11.py): archives, DICOM, options, servers and file
systems that rounds 1 to 10 did not try, each command run as a real subprocess (with a
timeout: a hang fails) and held to the contract: its exit status, one ``error:`` line, no
traceback, no identifier, no raw control character; every file of the hostile source
accounted for by audit, scan, deid and publish, the source untouched, no identifier in any
output.  Measured on the start commit with ``CURATOR_CODE=<tree> python tests/hostile11.py``;
each test fails with its fix reverted.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import hostile11  # noqa: E402  (helper modules beside the tests, not a package)

TIMEOUT = 120  # seconds for one command line; the hostile source's runs get more


def _env(root: Path) -> dict[str, str]:
    code = str(Path(__file__).resolve().parent.parent)
    return {**os.environ, "PYTHONPATH": code, "CURATOR_CACHE": str(root / "cache")}


@pytest.fixture(scope="module")
def servers():
    started = hostile11.start_servers()
    yield started
    for server in started.values():
        server.close()


@pytest.fixture(scope="module")
def root(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile11")
    hostile11.prepare(root)
    yield root
    for name in hostile11.FILL_SIZES:
        if os.path.ismount(root / name):
            hostile11.unmount(root / name)


@pytest.mark.parametrize("name", [s[0] for s in hostile11.scenarios(Path("/nonexistent"))])
def test_every_command_line_keeps_the_contract(name, root, servers):
    (scenario,) = [s for s in hostile11.scenarios(root, servers) if s[0] == name]
    _, argv, changes, expected, message = scenario
    before = hostile11.fingerprint(root / "small")
    env = {**_env(root), **{k: v for k, v in changes.items() if v is not None}}
    code, out, err = hostile11.run_curator(argv, env, root / "cwd", TIMEOUT)
    assert code is not None, f"{name}: hangs (killed after {TIMEOUT} s) | {err.strip()[-400:]}"
    problems = hostile11.problems_of(name, root, code, out, err, expected, message)
    if hostile11.fingerprint(root / "small") != before:
        problems.append("SOURCE changed (bytes or mtime)")
    assert not problems, f"{name}: {problems} | {err.strip()[-400:]}"


def test_full_file_system_case_runs_where_mounting_is_permitted(root):
    if not all(os.path.ismount(root / name) for name in hostile11.FILL_SIZES):
        pytest.skip("mounting a tmpfs is not permitted here (not root): the full file system scenarios are not run")
    assert any("fills up" in s[0] for s in hostile11.scenarios(root))


def test_the_hostile_source_through_audit_scan_deid_and_publish():
    """One test (one xdist worker runs the four commands): each ends with exit 0, no traceback,
    no identifier, no raw control character; every file and member accounted for with its
    reason (the index of the audit); no identifier in deid's or publish's output; deid
    accounts for every item; the source untouched (bytes and mtimes)."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        hostile11.write_cases(root / "source")
        (root / "key").write_text(f"curator-key-v1:{'ab' * 32}\n")
        (root / "key").chmod(0o600)
        config = Path(__file__).resolve().parent.parent / "examples" / "release.yaml"
        (root / "release.yaml").write_text(config.read_text())
        (root / "cwd").mkdir()
        before = hostile11.fingerprint(root / "source")
        problems = []
        for argv in hostile11.source_runs(root):
            code, out, err = hostile11.run_curator(argv, _env(root), root / "cwd", 900)
            if code != 0 or "Traceback" in err or hostile11.leaks(out + err) or hostile11.CONTROL.search(err):
                problems.append(f"{argv[0]}: exit {code} (hangs: None) | {err[-1500:]!a}")
        if (root / "h.parquet").exists():
            problems += hostile11.file_outcomes_wrong(root / "h.parquet")
            if (root / "hd" / "deid-report.json").exists():
                problems += hostile11.accounting_wrong(root / "hd" / "deid-report.json", root / "h.parquet")
        for folder in ("hd", "hp"):
            if (root / folder).exists():
                problems += [f"{folder}: {p}" for p in hostile11.output_leaks(root / folder)]
        if hostile11.fingerprint(root / "source") != before:
            problems.append("a source file changed (bytes or mtime)")
        assert problems == []
