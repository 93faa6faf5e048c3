"""Hostile inputs, round 20 (tests/hostile20.py), each command run as a real subprocess with a
timeout and held to the contract: its exit status, one ``error:`` line, no traceback, no
identifier, no raw control character.  ``python tests/hostile20.py`` runs every command over the
whole round-20 source (measurement: most cases passed on 0a37a4a already); the tests here are
the cases that failed there, each failing with its fix reverted.
"""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import hostile20  # noqa: E402  (helper modules beside the tests, not a package)
from hostile12 import problems_of, run_curator  # noqa: E402

TIMEOUT = 300
CODE = str(Path(__file__).resolve().parent.parent)


@pytest.fixture(scope="module")
def named(tmp_path_factory):
    """A source whose files and folders are named after a patient no header names
    (``SMITH^JOHN_MRN123``): valid, broken, empty, a folder named ``*.dcm``, a zip's members;
    every command run over it."""
    root = tmp_path_factory.mktemp("hostile20_named")
    files = {k: v for k, v in hostile20.source_files().items()
             if k.startswith(("names/", "ok/", "archives/names.zip")) and isinstance(v, bytes)}
    for relpath, data in files.items():
        (root / "source" / relpath).parent.mkdir(parents=True, exist_ok=True)
        (root / "source" / relpath).write_bytes(data)
    (root / "key").write_text(f"curator-key-v1:{'cd' * 32}\n")
    (root / "key").chmod(0o600)
    (root / "cwd").mkdir()
    src, key = str(root / "source"), str(root / "key")
    cfg = str(Path(CODE) / "examples" / "release.yaml")
    runs = {
        "audit json": ["audit", src, "-w", "1", "-f", "json", "-o", str(root / "out" / "a.json"),
                       "--index", str(root / "out" / "a.parquet")],
        "audit text": ["audit", src, "-w", "1", "--index", str(root / "out" / "t.parquet")],
        "audit html": ["audit", src, "-w", "1", "-f", "html", "-o", str(root / "out" / "a.html"),
                       "--index", str(root / "out" / "h.parquet")],
        "scan": ["scan", src, "-w", "1", "--index", str(root / "out" / "s.parquet")],
        "deid public": ["deid", src, str(root / "out" / "d"), "--key", key, "-w", "1", "--k", "1", "--access", "public"],
        "publish": ["publish", src, str(root / "out" / "p"), "--key", key, "--config", cfg, "--release-date",
                    "2026-01-01", "--k", "1", "-w", "1"],
    }
    env = hostile20.env_of(root, CODE)
    results = {name: run_curator(argv, env, root / "cwd", TIMEOUT) for name, argv in runs.items()}
    return root, results


def test_a_file_named_after_a_patient_reaches_no_output(named):
    """On 0a37a4a the audit (JSON, text, HTML), the index and the release's audit report showed
    'names/~^~_MRN123.dcm': a path word of up to 3 letters and 6 digits was kept as a counter
    ('IM000001'), though the letters were an identifier word and the digits the record number."""
    root, results = named
    problems = []
    for name, (code, out, err, _) in results.items():
        problems += [f"{name}: {p}" for p in problems_of(code, out, err, 0, None) + hostile20.message_problems(out, err)]
    for path in sorted(p for p in (root / "out").rglob("*") if p.is_file()):
        data = path.read_bytes()
        problems += [f"{path.relative_to(root)} holds {n}" for n in hostile20.NAME_NEEDLES if n.encode() in data]
    assert problems == []
