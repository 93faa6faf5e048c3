"""Dependencies are declared exactly as curator imports them (issue 19).

Every third-party package that ``curator/`` imports is a runtime dependency in pyproject.toml,
except the optional ones (the ``cluster`` extra) and the test-only one (highdicom, used by the
synthetic data generator), which are imported lazily, inside functions, so that the commands
never need them.
"""
from __future__ import annotations

import ast
import importlib.metadata
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "curator"
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))

# Import names that differ from the distribution name on PyPI.
DISTRIBUTION_OF = {
    "PIL": "Pillow",
    "yaml": "PyYAML",
    "fhir": "fhir.resources",
    "dicomweb_client": "dicomweb-client",
    "cv2": "opencv-python",
}
# Optional (extra) packages: imported only inside functions, never at module level.
OPTIONAL = {"dask": "cluster", "distributed": "cluster", "fsspec": "cluster", "highdicom": "test"}
# Optional packages declared through another distribution's extra.
DECLARED_AS = {"distributed": "dask[distributed]"}
# Where a test-only package may be imported at all (it never runs in a command).
TEST_ONLY_USERS = {"highdicom": {"curator.testing.synthetic"}}


def _normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _requirement_names(requirements: list[str]) -> set[str]:
    return {_normalize(re.split(r"[\[<>=!~; ]", requirement, maxsplit=1)[0]) for requirement in requirements}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> list[tuple[str, bool]]:
    """(absolute module imported, at module level?) for every import in one file.

    Relative imports are resolved against the file's package.  Imports under
    ``if TYPE_CHECKING:`` are not run, so they are left out.
    """
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = _module_name(path) if path.name == "__init__.py" else _module_name(path).rpartition(".")[0]
    found: list[tuple[str, bool]] = []

    def visit(node: ast.AST, top: bool) -> None:
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for child in node.orelse:
                visit(child, top)
            return
        if isinstance(node, ast.Import):
            found.extend((alias.name, top) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                module = f"{base}.{node.module}" if node.module else base
                found.append((module, top))
                if not node.module:
                    found.extend((f"{base}.{alias.name}", top) for alias in node.names)
            else:
                found.append((node.module or "", top))
                found.extend((f"{node.module}.{alias.name}", top) for alias in node.names
                             if node.module and node.module.split(".")[0] == "curator")
        inner = top and not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
        for child in ast.iter_child_nodes(node):
            visit(child, inner)

    visit(tree, True)
    return found


def _all_imports() -> dict[str, list[tuple[str, bool]]]:
    return {_module_name(path): _imports(path) for path in sorted(PACKAGE.rglob("*.py"))}


def _third_party(module: str) -> str | None:
    top = module.split(".")[0]
    if not top or top == "curator" or top in sys.stdlib_module_names:
        return None
    return top


def test_every_third_party_import_is_declared():
    runtime = _requirement_names(PYPROJECT["project"]["dependencies"])
    extras = {name: _requirement_names(reqs) for name, reqs in PYPROJECT["project"]["optional-dependencies"].items()}
    undeclared, eager_optional, misplaced = set(), set(), set()
    for module, imports in _all_imports().items():
        for imported, top_level in imports:
            top = _third_party(imported)
            if top is None:
                continue
            distribution = _normalize(DISTRIBUTION_OF.get(top, top))
            if top in OPTIONAL:
                declared = (DECLARED_AS[top] in " ".join(PYPROJECT["project"]["optional-dependencies"][OPTIONAL[top]])
                            if top in DECLARED_AS else distribution in extras[OPTIONAL[top]])
                if not declared or distribution in runtime:
                    misplaced.add(top)
                if top_level:
                    eager_optional.add(f"{module} imports {top} at module level")
            elif distribution not in runtime:
                undeclared.add(f"{top} (imported by {module})")
    assert not undeclared, f"imported but not in [project] dependencies: {sorted(undeclared)}"
    assert not misplaced, f"optional packages must be in their extra only: {sorted(misplaced)}"
    assert not eager_optional, f"optional packages must be imported inside functions: {sorted(eager_optional)}"


# Pixel decoder plugins: pydicom loads them itself (never imported by curator); each must be
# one pydicom really uses (test_decoder_plugins_are_used_by_pydicom).
DECODER_PLUGINS = {"pylibjpeg": "pylibjpeg", "pylibjpeg-libjpeg": "pylibjpeg",
                   "pylibjpeg-openjpeg": "pylibjpeg", "pyjpegls": "pyjpegls"}


def test_every_runtime_dependency_is_imported():
    """Nothing declared for nothing: each runtime dependency is imported somewhere in curator/."""
    imported = {_normalize(DISTRIBUTION_OF.get(top, top))
                for imports in _all_imports().values() for module, _ in imports
                if (top := _third_party(module))}
    unused = _requirement_names(PYPROJECT["project"]["dependencies"]) - imported - set(DECODER_PLUGINS)
    assert not unused, f"declared runtime dependencies curator never imports: {sorted(unused)}"


def test_decoder_plugins_are_used_by_pydicom():
    """Each declared decoder plugin is one pydicom decodes the archive syntaxes with."""
    from pydicom.pixels.decoders import JPEG2000Decoder, JPEGLSLosslessDecoder, JPEGLosslessSV1Decoder

    available = {name for decoder in (JPEGLosslessSV1Decoder, JPEG2000Decoder, JPEGLSLosslessDecoder)
                 for name in decoder.available_plugins}
    declared = _requirement_names(PYPROJECT["project"]["dependencies"]) & set(DECODER_PLUGINS)
    assert declared == set(DECODER_PLUGINS)
    assert set(DECODER_PLUGINS.values()) <= available, available


def test_import_name_mapping_matches_installed_distributions():
    """The hand-written mapping agrees with what the installed distributions provide."""
    provided = importlib.metadata.packages_distributions()
    for top, distribution in DISTRIBUTION_OF.items():
        if top not in provided:
            pytest.skip(f"{top} is not installed")
        assert _normalize(distribution) in {_normalize(d) for d in provided[top]}, (top, provided[top])


def _reachable(starts: list[str], graph: dict[str, list[tuple[str, bool]]]) -> set[str]:
    seen, todo = set(), list(starts)
    while todo:
        module = todo.pop()
        if module in seen or module not in graph:
            continue
        seen.add(module)
        todo.extend(imported for imported, _ in graph[module] if imported in graph)
    return seen


def test_commands_never_import_test_only_packages():
    """Every curator module the CLI can reach (module-level or lazy imports) stays clear of highdicom."""
    graph = _all_imports()
    # curator.cli loads its command modules by name (importlib): start from all of them.
    reachable = _reachable([module for module in graph if module.split(".")[:2] == ["curator", "cli"]], graph)
    assert {"curator.cli.audit", "curator.cli.deid", "curator.cli.publish", "curator.deid.run",
            "curator.release.publish"} <= reachable  # the walk follows the commands
    for package, users in TEST_ONLY_USERS.items():
        importers = {module for module, imports in graph.items()
                     if any(_third_party(imported) == package for imported, _ in imports)}
        assert importers <= users, f"{package} imported by {sorted(importers - users)}"
        assert not users & reachable, f"the CLI reaches {sorted(users & reachable)}, which imports {package}"


_BLOCKER = """
import sys
class Blocked:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {blocked!r}:
            raise ImportError(f"{{name}} is blocked (not installed)")
sys.meta_path.insert(0, Blocked())
from curator.cli import main
main()
"""


def test_audit_runs_without_optional_and_test_only_packages(tmp_path: Path):
    """`curator audit` on the example collection with highdicom, dask, distributed and fsspec unimportable."""
    code = _BLOCKER.format(blocked=set(OPTIONAL))
    out = tmp_path / "audit.json"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, "-c", code, "audit", str(ROOT / "examples" / "collection"),
                           "--format", "json", "--out", str(out)], capture_output=True, text=True, env=env)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert out.stat().st_size > 0
