"""The linter and the type checker are clean (issue 19): `ruff check` and `mypy curator`.

Both read their settings from pyproject.toml ([tool.ruff], [tool.mypy]). Outside CI a
missing tool skips these tests with a reason; in CI (CI=true) a missing tool fails them.
"""
from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def _require(module: str) -> None:
    if importlib.util.find_spec(module) is None:
        if IN_CI:
            pytest.fail(f"{module} is not installed (pip install '.[test]')")
        pytest.skip(f"{module} is not installed (pip install '.[test]')")


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *args], cwd=ROOT, capture_output=True, text=True)


def test_ruff_finds_nothing():
    _require("ruff")
    proc = _run("ruff", "check", "--no-cache", "curator", "tests", "benchmarks", "scripts")
    assert proc.returncode == 0, proc.stdout[-6000:] + proc.stderr[-2000:]


def test_mypy_finds_nothing():
    _require("mypy")
    proc = _run("mypy", "curator")
    assert proc.returncode == 0, proc.stdout[-6000:] + proc.stderr[-2000:]
    assert "Success" in proc.stdout
