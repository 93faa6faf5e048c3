"""Hostile inputs, round 10 (tests/hostile10.py): command lines and files that rounds 1 to 9
did not try, each with the exit status and the start of the error line it must give; every
file of the hostile source with the outcome the audit must give it, accounted for by deid,
the source untouched (bytes and mtimes), no identifier in deid's output.  Measured on the
start commit with ``CURATOR_CODE=<tree> python tests/hostile10.py``; each test fails with its
fix reverted.
"""
from __future__ import annotations

import contextlib
import io
import json
import sys
from pathlib import Path

import pytest

from curator.cli import run

sys.path.insert(0, str(Path(__file__).resolve().parent))
import hostile10  # noqa: E402  (helper modules beside the tests, not a package)


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
    root = tmp_path_factory.mktemp("hostile10")
    hostile10.prepare(root)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CURATOR_CACHE", str(root / "cache"))
        for argv in hostile10.reference_runs(root):
            code, _, err = _run(argv, {}, root / "cwd")
            assert code == 0, err[-2000:]
    hostile10.prepare_releases(root)
    return root


@pytest.mark.parametrize("name", [s[0] for s in hostile10.scenarios(Path("/nonexistent"))])
def test_every_command_line_keeps_the_contract(name, root, monkeypatch):
    """Found at the start of the round (8 of 37 wrong, then 3 more for the same class): YAML
    nested 100,000 deep (release.yaml, a profile, site overrides, provenance, normalize's
    overrides) was 'internal error (RecursionError)', exit 3 (PyYAML composes recursively);
    ``deid --force`` into an OUT holding a symbolic link into SOURCE (``deid-report.json ->
    SOURCE/1.dcm``) wrote its report through the link over a source file (exit 0); a
    quarantine folder holding links was taken (exit 0) and a publish staging folder holding one
    was refused only as 'the output folder must not be inside the source' (exit 2, a wrong
    reason): both are now refused for their link before anything is written.  Later in the
    round: a binary recipe was 'not a valid deid recipe (UnicodeDecodeError)', a Python class
    name; now 'recipe is not UTF-8 text', as every other file the user names."""
    monkeypatch.setenv("CURATOR_CACHE", str(root / "cache"))
    (scenario,) = [s for s in hostile10.scenarios(root) if s[0] == name]
    _, argv, env, expected, message = scenario
    before = hostile10.fingerprint(root / "small")
    code, out, err = _run(argv, env, root / "cwd")
    problems = hostile10.problems_of(name, root, code, out, err, expected, message)
    if hostile10.fingerprint(root / "small") != before:
        problems.append("SOURCE changed (bytes or mtime)")
    assert not problems, f"{name}: {problems} | {err.strip()[-400:]}"


@pytest.fixture(scope="module")
def hostile_runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile10_source")
    hostile10.write_cases(root / "source")
    (root / "key").write_text(f"curator-key-v1:{'ab' * 32}\n")
    (root / "key").chmod(0o600)
    before = hostile10.fingerprint(root / "source")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CURATOR_CACHE", str(root / "cache"))
        root.joinpath("cwd").mkdir()
        audit = _run(["audit", str(root / "source"), "--full-paths", "-w", "2", "-f", "json", "-o", str(root / "h.json"),
                      "--index", str(root / "h.parquet")], {}, root / "cwd")
        deid = _run(["deid", str(root / "source"), str(root / "hd"), "--key", str(root / "key"), "-w", "2"], {},
                    root / "cwd")
    return root, before, audit, deid


def test_every_file_of_the_hostile_source_is_accounted_for_with_its_reason(hostile_runs):
    """Found at the start of the round: a tar whose second member's header is corrupt gave its
    first member and nothing else, no word of the two members after it (tarfile takes a bad
    header for the end of the archive); a zip member compressed with Deflate64 or whose CRC
    lies was rejected as '(NotImplementedError)' and '(BadZipFile)', a Python class name."""
    root, _, (code, _, err), _ = hostile_runs
    assert code == 0, err[-2000:]
    assert "Traceback" not in err and not hostile10.leaks(err)
    json.loads((root / "h.json").read_text(encoding="utf-8"))  # NaN and infinite decimals: still JSON
    assert hostile10.file_outcomes_wrong(root / "h.parquet") == []


def test_deid_writes_no_identifier_held_where_a_header_reader_does_not_look(hostile_runs):
    """Found at the start of the round: a zip appended to a DICOM file was read by the dataset
    engine as an element of a tag no dictionary knows, VR UN, and kept (the zip, its member
    named after the patient and its text in deid's output); the remains of an item cut by an
    Item Delimiter inside it (the end of the patient's name) likewise.  Elements no data
    dictionary knows are now removed.  Later in the round: the patient's name inside
    compressed frames where a decoder does not look (a JPEG comment split over two fragments
    or after the scan, bytes after EOI or a JPEG 2000 EOC) was released, 4 files of 4; now
    frames are cleaned whole, past their first scan and their end.  Every item is accounted
    for, the source untouched."""
    root, before, _, (code, _, err) = hostile_runs
    assert code == 0, err[-2000:]
    assert "Traceback" not in err and not hostile10.leaks(err)
    assert hostile10.output_leaks(root / "hd") == []
    assert hostile10.deid_accounting_wrong(root / "hd", root / "h.parquet") == []
    assert hostile10.fingerprint(root / "source") == before
