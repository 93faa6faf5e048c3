"""Hostile inputs, round 7 (tests/hostile7.py): files, command lines and environments that
rounds 1 to 6 did not try, each with the exit status and the start of the error line it must
give, and every file of the hostile source with the outcome the audit must give it.  Measured
on the start commit with ``CURATOR_CODE=<tree> python tests/hostile7.py``; each test fails
with its fix reverted.

Commands run in this process (``curator.cli.run``), except those that hung at the start of the
round (a FIFO or a device given as a file): those run in a subprocess with a time limit, so a
regression fails the test instead of hanging it.
"""
from __future__ import annotations

import contextlib
import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from curator.cli import run

sys.path.insert(0, str(Path(__file__).resolve().parent))
import hostile7  # noqa: E402  (helper modules beside the tests, not a package)

ROOT = Path(__file__).resolve().parent.parent
CODE = "import sys; from curator.cli import main; sys.argv[0] = 'curator'; main(sys.argv[1:])"
HUNG = {"deid --key FIFO", "deid --key /dev/zero", "publish --config /dev/zero", "publish --config FIFO",
        "scan SOURCE FIFO"}
SOURCE = ("scan source", "audit source", "deid source")


def _run(args: list[str], env: dict[str, str | None] | None = None) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.ExitStack() as stack, pytest.MonkeyPatch.context() as patch:
        for name, value in (env or {}).items():
            patch.delenv(name, raising=False) if value is None else patch.setenv(name, value)
        stack.enter_context(contextlib.redirect_stdout(out))
        stack.enter_context(contextlib.redirect_stderr(err))
        code = run(args)
    return code, out.getvalue(), err.getvalue()


def _subprocess(args: list[str], root: Path) -> tuple[int, str, str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", CODE, *args], capture_output=True, env=env, cwd=root, timeout=60,
                          check=False)
    return done.returncode, done.stdout.decode("utf-8", "replace"), done.stderr.decode("utf-8", "replace")


@pytest.fixture(scope="module")
def root(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("hostile7")
    hostile7.prepare(root)
    return root


@pytest.fixture(scope="module")
def html_url():
    url, server = hostile7.serve_html()
    yield url
    server.shutdown()


def _names() -> list[str]:
    return [s[0] for s in hostile7.scenarios("/") if s[0] not in SOURCE]


@pytest.mark.parametrize("name", _names())
def test_every_command_line_keeps_the_contract(name, root, html_url):
    """Found at the start of the round (14 of 34 wrong): a key file or release.yaml that is a
    FIFO or /dev/zero, and a SOURCE that is a FIFO, hung for ever (or read zeros until memory
    ran out); a path over 4,096 bytes, OUT on a file system where it cannot be made and
    CURATOR_CACHE naming a file were 'internal error' (exit 3); a DICOMweb URL answering an
    HTML page said '(JSONDecodeError)'; /dev/zero as release.yaml was 'not found'; the public
    tier refused a site below k (now merged: tests/test_release_tiers.py); a SOURCE that is a
    symbolic link loop or a dangling link was 'source not found'."""
    (scenario,) = [s for s in hostile7.scenarios(root, html_url) if s[0] == name]
    _, argv, env, expected, message = scenario
    code, out, err = _subprocess(argv, root) if name in HUNG else _run(argv, env)
    last = err.strip().splitlines()[-1] if err.strip() else ""
    assert code == expected, (name, err[-2000:])
    assert "Traceback" not in out + err and "internal error" not in out + err, name
    assert not hostile7.leaks(argv, out + err), name
    if message:
        assert re.match(message, last), (name, last)
    if name == "audit NO_COLOR TERM=dumb":
        assert "\x1b[" not in out + err


def test_the_hostile_source_keeps_the_contract_through_every_command(root):
    """Every file of the hostile source is indexed or rejected as hostile7.cases() says
    (found: an empty tar archive was 'not DICOM'); no reason names the patient; deid accounts
    for every item; nothing is written outside OUT; no source file changes.  Run as root (this
    suite's machine), the file and the folder of mode 000 are read: root's permission.  As
    another user the folder walk rejects them, 'cannot be read (Permission denied)' and
    'folder cannot be listed (Permission denied)' (curator.sources.local; not run here)."""
    for name, argv, env, expected, _ in hostile7.scenarios(root):
        if name in SOURCE:
            code, out, err = _run(argv, env)
            assert code == expected, (name, err[-2000:])
            assert "Traceback" not in out + err and not hostile7.leaks(argv, out + err), name
    assert hostile7.file_outcomes_wrong(root) == []


def test_the_public_tier_merges_a_site_of_fewer_than_k_patients(tmp_path):
    """Found (round 5's open item): `deid --access public --k 5` of six patients at one site
    and one at another wrote the release with exit 0: age, sex and ethnic group removed for
    all seven, 'NOT reached', and the lone patient's studies still singled out by their site.
    Round 6 refused it (exit 2); round 7 merges the small site with the smallest other one into
    'other sites' (kanon.merge_sites), everywhere a publish shows a site, counts only in the
    reports; refused only when all sites together hold fewer than k patients."""
    import csv
    import json

    from tests.conftest import write_fixed_key

    hostile7._small(tmp_path / "source")  # six patients at site_big, one at site_small
    (tmp_path / "source" / "site_small" / "notes.txt").write_text("not DICOM\n")  # listed as rejected
    (tmp_path / "source" / "site_mid").mkdir()
    for n in range(5):  # and five at site_mid: the smallest site that brings site_small to k
        ds = hostile7._ct(760 + n)
        ds.PatientID, ds.PatientName, ds.PatientAge = f"{hostile7.HOSTILE_MRN}9{n}", f"{hostile7.HOSTILE_NAME}9{n}^Y", "050Y"
        ds.StudyInstanceUID, ds.SeriesInstanceUID = f"{hostile7.ROOT_UID}78.{n}", f"{hostile7.ROOT_UID}78.{n}.1"
        (tmp_path / "source" / "site_mid" / f"{n}.dcm").write_bytes(hostile7._bytes(ds))
    write_fixed_key(tmp_path / "key")
    args = ["deid", str(tmp_path / "source"), str(tmp_path / "out"), "--key", str(tmp_path / "key"), "--workers", "1"]
    code, out, err = _run([*args, "--access", "public", "--k", "5"])
    assert (code, err) == (0, ""), err
    assert "k-anonymity (k=5) reached" in out and "2 of 3 sites merged into 'other sites' (6 patients)" in out, out
    assert len(list((tmp_path / "out").rglob("*.dcm"))) == 12 and "site_small" not in out
    report = json.loads((tmp_path / "out" / "deid-report.json").read_text())
    assert report["k_anonymity"]["site_generalization"] == {
        "possible": True, "sites": 3, "sites_merged": 2, "patients_merged": 6, "records_merged": 6, "label": "other sites"}
    assert "_merged_study_keys" not in report
    # publish: the series table, the batches and the audit report show the merged site only
    (tmp_path / "public.yaml").write_text((ROOT / "examples" / "release.yaml").read_text().replace(
        "access_rights: NON_PUBLIC", "access_rights: PUBLIC"))
    code, out, err = _run(["publish", str(tmp_path / "source"), str(tmp_path / "release"), "--key", str(tmp_path / "key"),
                           "--config", str(tmp_path / "public.yaml"), "--k", "5", "-w", "1", "--release-date", "2026-12-01"])
    assert code == 0, err
    rows = list(csv.DictReader((tmp_path / "release" / "metadata" / "series.csv").open()))
    assert sorted(r["site"] for r in rows) == ["other sites"] * 6 + ["site_big"] * 6  # site_big keeps its label
    assert _run(["validate", str(tmp_path / "release"), "--key", str(tmp_path / "key")])[0] == 0  # SHACL, leak check
    for path in (tmp_path / "release").rglob("*"):
        if path.is_file() and path.suffix != ".dcm":
            text = path.read_text(errors="replace")
            assert "site_small" not in text and "site_mid" not in text, path
    audit = json.loads((tmp_path / "release" / "metadata" / "audit-report.json").read_text())
    assert [r["path"] for r in audit["rejected"]] == ["other sites/notes.txt"]
    # refused (exit 2, nothing written) only when even every site together is below k
    code, out, err = _run([*args[:2], str(tmp_path / "out13"), *args[3:], "--access", "public", "--k", "13"])
    assert code == 2 and err.startswith("error: public tier: k-anonymity (k=13) cannot be reached: the source has 12 "
                                        "patients, fewer than 13 even with every site merged"), err
    assert "--access restricted" in err and "site_small" not in err and hostile7.HOSTILE_NAME not in err
    assert list((tmp_path / "out13").iterdir()) == []


def test_a_profile_without_demographics_still_merges_small_sites_in_the_public_tier(tmp_path):
    """Found while building the merge: with the strict profile (age, sex and ethnic group not
    kept) the public tier enforced nothing, so a publish of six patients at one site and one at
    another named the lone patient's site in series.csv: site is then the one quasi-identifier
    left.  Now its small sites merge all the same, and a source below k is refused."""
    import json

    from tests.conftest import write_fixed_key

    hostile7._small(tmp_path / "source")
    write_fixed_key(tmp_path / "key")
    args = ["deid", str(tmp_path / "source"), str(tmp_path / "out"), "--key", str(tmp_path / "key"), "-w", "1",
            "--profile", "strict", "--access", "public"]
    code, out, err = _run(args)
    assert (code, err) == (0, ""), err
    assert "access public: 2 of 2 sites merged into 'other sites' (7 patients)" in out, out
    kan = json.loads((tmp_path / "out" / "deid-report.json").read_text())["k_anonymity"]
    assert kan["applied"] is False and kan["site_generalization"]["sites_merged"] == 2
    code, out, err = _run([*args[:2], str(tmp_path / "out8"), *args[3:], "--k", "8"])
    assert code == 2 and "cannot be reached: the source has 7 patients" in err, err
