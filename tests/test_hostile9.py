"""Hostile inputs, round 9 (tests/hostile9.py): command lines, environments and files that
rounds 1 to 8 did not try, each with the exit status and the start of the error line it must
give; every file of the hostile source with the outcome the audit must give it, accounted for
by deid, the source untouched (bytes and mtimes), deid's output the same bytes with one worker
or two.  Measured on the start commit with ``CURATOR_CODE=<tree> python tests/hostile9.py``;
each test fails with its fix reverted.
"""
from __future__ import annotations

import contextlib
import io
import json
import re
import sys
from pathlib import Path

import pytest

from curator.cli import run

sys.path.insert(0, str(Path(__file__).resolve().parent))
import hostile9  # noqa: E402  (helper modules beside the tests, not a package)


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


@pytest.fixture(scope="module")
def root(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile9")
    hostile9.prepare(root)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CURATOR_CACHE", str(root / "cache"))
        for argv in hostile9.reference_runs(root):
            code, _, err = _run(argv, {}, root / "cwd")
            assert code == 0, err[-2000:]
    return root


@pytest.mark.parametrize("name", [s[0] for s in hostile9.scenarios(Path("/nonexistent"))])
def test_every_command_line_keeps_the_contract(name, root, monkeypatch):
    """Found at the start of the round (6 of 54 wrong): ``publish --dicomweb-url`` holding a
    user name and password was written into the catalogue (exit 0), as a landing page of
    release.yaml holding one; a key file holding two different keys was used (the first)
    without a word, and one starting with a byte-order mark (Notepad's) was 'not a curator key
    file'; ``CURATOR_SCHEDULER`` with garbage gave an error that did not name the variable
    (no --scheduler was given); ``CURATOR_DICOMWEB_RETRIES=-5`` and ``CURATOR_DICOMWEB_PAGE=0``
    were taken (no request at all, or pages of one) instead of refused."""
    monkeypatch.setenv("CURATOR_CACHE", str(root / "cache"))
    (scenario,) = [s for s in hostile9.scenarios(root) if s[0] == name]
    _, argv, env, expected, message = scenario
    code, out, err = _run(argv, env, root / "cwd")
    assert hostile9.problems_of(name, argv, root, code, out, err, expected, message) == [], err[-1500:]


def test_the_hostile_source_keeps_the_contract_through_every_command(root, monkeypatch):
    """Every file of the hostile source is indexed or rejected as hostile9.cases() says; deid
    accounts for every item; no source file changes (bytes, mtime); deid with one worker and
    with two writes the same bytes.  Found: a JPEG multi-frame whose Number of Frames says 1
    over three frames (each with its offset in the Basic Offset Table) was released after the
    pixel screen looked at its first frame only (the decoder stops there; a viewer that
    follows the offset table shows the other two): now quarantined unscreened, as the one
    whose Number of Frames says 5 over two frames."""
    monkeypatch.setenv("CURATOR_CACHE", str(root / "cache"))
    before = hostile9.fingerprint(root / "source")
    code, _, err = _run(["audit", str(root / "source"), "--full-paths", "-w", "2", "-f", "json", "-o",
                         str(root / "h.json"), "--index", str(root / "h.parquet")], {}, root / "cwd")
    assert code == 0, err[-2000:]
    assert hostile9.file_outcomes_wrong(root / "h.parquet") == []
    reports = []
    for workers, out in (("1", "hd1"), ("2", "hd2")):
        code, _, err = _run(["deid", str(root / "source"), str(root / out), "--key", str(root / "key"), "-w", workers],
                            {}, root / "cwd")
        assert code == 0 and not hostile9.leaks(err), err[-2000:]
        reports.append(json.loads((root / out / "deid-report.json").read_text()))
    counts = reports[0]["counts"]
    assert counts["written"] + counts["quarantined"] + counts["rejected"] == counts["items"]
    listing = sorted(hostile9.cases())  # the source's sorted listing: positions in the report count from 1
    quarantined = {listing[q["position"] - 1]: q["reason"] for q in reports[0]["quarantined"]
                   if q["position"] <= len(listing)}
    assert "the pixel data holds 3 frames, more than the 1 of Number of Frames" in quarantined["site_a/frames_1_of_3.dcm"]
    assert "fewer than the 5 of Number of Frames" in quarantined["site_a/frames_5_of_2.dcm"]
    assert hostile9.fingerprint(root / "source") == before
    assert _same_bytes(root / "hd1", root / "hd2")


def _same_bytes(a: Path, b: Path) -> bool:
    def digests(folder: Path) -> dict[str, str]:
        return {name: digest for name, (_, digest) in hostile9.fingerprint(folder).items()}

    return digests(a) == digests(b)


def test_a_source_rewritten_while_publish_runs_gives_no_release_that_contradicts_its_report(tmp_path, monkeypatch):
    """Round 8's open item: publish's audit report (and the series' codes, the catalogue's
    years) come from the scan read before de-identification, the DICOM files from deid's own
    reading.  Found: a file rewritten in between (here a CT made an MR of another series)
    was released as the MR while metadata/audit-report.json counted 7 CT series and no MR
    (exit 0).  Now the source is listed again after deid; a change is an input error (exit 2,
    staging kept) and the same command, once the source is still, resumes into a release
    whose report and files agree."""
    import pydicom

    import curator.release.publish as publish_module
    from hostile7 import _small

    source = tmp_path / "small"
    _small(source)
    key = tmp_path / "key"
    key.write_text("curator-key-v1:" + "ab" * 32 + "\n")
    key.chmod(0o600)
    config = str(Path(__file__).resolve().parent.parent / "examples" / "release.yaml")
    monkeypatch.setenv("CURATOR_CACHE", str(tmp_path / "cache"))
    real = publish_module.deidentify_merging_sites

    def rewritten_first(*args, **kwargs):  # another program rewrites a file while publish runs
        path = source / "site_big" / "1.dcm"
        ds = pydicom.dcmread(path)
        ds.Modality, ds.SeriesInstanceUID = "MR", ds.SeriesInstanceUID + ".9"
        ds.save_as(path)
        return real(*args, **kwargs)

    argv = ["publish", str(source), str(tmp_path / "rel"), "--key", str(key), "--config", config, "-w", "1",
            "--release-date", "2026-01-01"]
    monkeypatch.setattr(publish_module, "deidentify_merging_sites", rewritten_first)
    code, _, err = _run(argv, {}, tmp_path)
    assert code == 2 and "the source changed while it was published (1 items" in err, err[-1500:]
    assert not (tmp_path / "rel").exists()
    monkeypatch.setattr(publish_module, "deidentify_merging_sites", real)
    code, _, err = _run(argv, {}, tmp_path)
    assert code == 0, err[-1500:]
    report = json.loads((tmp_path / "rel" / "metadata" / "audit-report.json").read_text())
    released = (tmp_path / "rel" / "metadata" / "series.csv").read_text().splitlines()
    assert report["inventory"]["by_modality"]["MR"]["series"] == 1 == sum(",MR," in line for line in released)


REGULAR = r"is not a regular file \(a folder, a FIFO or a device\)"


@pytest.mark.parametrize(("what", "argv", "env"), [
    ("key file", ["deid", "{small}", "{tmp}/o", "--key", "{file}"], {}),
    ("recipe", ["deid", "{small}", "{tmp}/o", "--key", "{key}", "--recipe", "{file}"], {}),
    ("CSV file", ["normalize", "{file}", "-o", "-"], {}),
    ("review file", ["normalize", "{csv}", "-o", "-", "--overrides", "{file}.csv"], {}),
    ("provenance file", ["audit", "{small}", "--no-pixel-screen", "--provenance", "{file}.yaml", "-w", "1"], {}),
    ("the file named by CURATOR_DICOMWEB_CREDENTIALS", ["scan", "http://127.0.0.1:9/dicom-web", "-w", "1"],
     {"CURATOR_DICOMWEB_CREDENTIALS": "{file}"}),
])
def test_every_file_named_by_the_user_is_refused_in_one_wording(what, argv, env, root, monkeypatch, tmp_path):
    """Round 8's open item: the callers of read_small worded the same refusal six ways
    ('recipe r: file not found', 'r.csv: no such file', 'cannot read review file r.csv: …',
    'catalogue r is not a regular file', 'key file is not a regular file …: r'); now one
    helper (curator.common.regular.read_named) says '{what} not found: NAME' and '{what} is not a
    regular file (…): NAME', the file by its last part only."""
    import os

    monkeypatch.setenv("CURATOR_CACHE", str(root / "cache"))
    fifo = tmp_path / "fifo"
    for name in ("fifo", "fifo.csv", "fifo.yaml"):
        os.mkfifo(tmp_path / name)
    for file, problem in ((fifo, REGULAR), (tmp_path / "gone", "not found")):
        fill = {"small": str(root / "small"), "tmp": str(tmp_path), "key": str(root / "key"), "csv": str(root / "d.csv"),
                "file": str(file)}
        args = [a.format(**fill) for a in argv]
        name = next((Path(a).name for a in args if a.startswith(str(file))), file.name)
        if what in ("review file", "provenance file") and problem == "not found":
            continue  # refused before it is read: 'override file not found: NAME', click's 'does not exist'
        code, out, err = _run(args, {k: v.format(**fill) for k, v in env.items()}, root / "cwd")
        last = err.strip().splitlines()[-1]
        assert code == 2 and re.fullmatch(rf"error: {re.escape(what)} {problem}: {re.escape(name)}( \(.*\))?", last), last
