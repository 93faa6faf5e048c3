"""The linter and the type checker are clean (issue 19): `ruff check` and `mypy curator`;
no function of the package is longer than 100 lines; module-level imports form no cycle and
no module uses another module's ``_private`` names.

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


# --- the layers (issue 19): no import cycle, no reaching into another module's privates ---

PACKAGE = ROOT / "curator"
# Code that ships or measures; tests may reach the internals of the module they test.
NO_PRIVATE_IMPORTS_IN = ("curator", "benchmarks", "scripts")


def _module_name(path: Path, root: Path = ROOT) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _module_level_nodes(body: list[ast.stmt]) -> list[ast.stmt]:
    """The statements run when the module is imported: its body, and the bodies of its
    top-level ``if``/``try``/``with`` blocks (not ``if TYPE_CHECKING:``), never function bodies."""
    found: list[ast.stmt] = []
    for node in body:
        found.append(node)
        if isinstance(node, ast.If):
            if "TYPE_CHECKING" not in ast.unparse(node.test):
                found += _module_level_nodes(node.body)
            found += _module_level_nodes(node.orelse)
        elif isinstance(node, ast.Try):
            for block in (node.body, node.orelse, node.finalbody, *(h.body for h in node.handlers)):
                found += _module_level_nodes(block)
        elif isinstance(node, ast.With):
            found += _module_level_nodes(node.body)
    return found


def _curator_imports(node: ast.stmt, modules: set[str]) -> set[str]:
    """The curator modules one import statement loads (``from curator.a import b`` loads
    ``curator.a.b`` when that is a module, else ``curator.a``)."""
    if isinstance(node, ast.Import):
        return {alias.name for alias in node.names if alias.name in modules}
    if isinstance(node, ast.ImportFrom) and node.module and not node.level:
        loaded = {f"{node.module}.{alias.name}" for alias in node.names} & modules
        if node.module in modules and (loaded != {f"{node.module}.{a.name}" for a in node.names}):
            loaded.add(node.module)
        return loaded
    return set()


def _import_graph() -> dict[str, set[str]]:
    paths = {_module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}
    modules = set(paths)
    graph = {}
    for name, path in paths.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        graph[name] = {m for node in _module_level_nodes(tree.body) for m in _curator_imports(node, modules)} - {name}
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every strongly connected group of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return groups


def test_cycle_finder_finds_a_cycle():
    """The check below can fail: a two-module cycle and a three-module one are found, a chain is not."""
    assert _cycles({"a": {"b"}, "b": {"a"}, "c": {"d"}, "d": set()}) == [["a", "b"]]
    assert _cycles({"x": {"y"}, "y": {"z"}, "z": {"x"}}) == [["x", "y", "z"]]


def test_no_import_cycle_among_curator_modules():
    """Module-level imports among curator modules form no cycle (imports inside functions,
    run on demand, are how a module reaches a later layer when it must)."""
    graph = _import_graph()
    assert len(graph) > 50 and graph["curator.index.scan"], "the import graph was not read"
    assert _cycles(graph) == []


def _private_uses(path: Path, root: Path = ROOT) -> list[str]:
    """``from curator.x import _name`` and ``module._name`` (``module`` a curator module this
    file imported) in a file other than curator/x.py itself."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    own = _module_name(path, root)
    bound: dict[str, str] = {}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "curator":
            for alias in node.names:
                if alias.name.startswith("_") and not alias.name.startswith("__") and node.module != own:
                    found.append(f"{path.relative_to(root)}:{node.lineno} imports {node.module}.{alias.name}")
                bound[alias.asname or alias.name] = f"{node.module}.{alias.name}"
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "curator" and alias.asname:
                    bound[alias.asname] = alias.name
    for node in ast.walk(tree):
        if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in bound
                and node.attr.startswith("_") and not node.attr.startswith("__") and bound[node.value.id] != own):
            found.append(f"{path.relative_to(root)}:{node.lineno} uses {bound[node.value.id]}.{node.attr}")
    return found


def test_private_finder_finds_private_uses(tmp_path: Path):
    sample = tmp_path / "probe.py"
    sample.write_text("from curator.deid import scrub\nfrom curator.index.store import _x\nscrub._rules()\n")
    assert [use.split(" ", 1)[1] for use in _private_uses(sample, tmp_path)] == [
        "imports curator.index.store._x", "uses curator.deid.scrub._rules"]


def test_no_module_imports_another_modules_private_names():
    """Nothing in curator/, benchmarks/ or scripts/ imports another module's ``_private``
    name; a name another module needs is public (renamed without the underscore)."""
    found = [use for folder in NO_PRIVATE_IMPORTS_IN for path in sorted((ROOT / folder).rglob("*.py"))
             for use in _private_uses(path)]
    assert found == []
