"""The linter and the type checker are clean (issue 19): `ruff check` and `mypy curator`;
no function of the package is longer than 100 lines.

Both tools read their settings from pyproject.toml ([tool.ruff], [tool.mypy]). Outside CI a
missing tool skips these tests with a reason; in CI (CI=true) a missing tool fails them.
"""
from __future__ import annotations

import ast
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


MAX_FUNCTION_LINES = 100


def long_functions(root: Path, limit: int = MAX_FUNCTION_LINES) -> list[str]:
    """``path:line name (N lines)`` of every function or method under ``root`` longer than
    ``limit`` lines (decorators not counted; nested functions count in their parent too)."""
    found = []
    for path in sorted(root.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                if length > limit:
                    found.append(f"{path.relative_to(root.parent).as_posix()}:{node.lineno} {node.name} ({length} lines)")
    return found


def test_no_function_is_longer_than_100_lines():
    assert long_functions(ROOT / "curator") == []


def test_the_length_check_finds_a_long_function(tmp_path):
    package = tmp_path / "pkg"
    package.mkdir()

    def function(name: str, lines: int, indent: str = "") -> str:  # a def line and lines - 1 body lines
        return "\n".join([f"{indent}def {name}():", *(f"{indent}    x{i} = {i}" for i in range(lines - 1))]) + "\n"

    (package / "m.py").write_text(function("exactly_100", 100) + "\n\nclass C:\n" + function("method", 100, "    "), encoding="utf-8")
    assert long_functions(package) == []
    (package / "m.py").write_text("class C:\n" + function("method", 101, "    "), encoding="utf-8")
    assert long_functions(package) == ["pkg/m.py:2 method (101 lines)"]
