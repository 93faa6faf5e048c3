"""Releases stay byte-identical unless behaviour changes on purpose (issue 19).

Publishes the example collection (``examples/collection`` with ``examples/release.yaml``, a
fixed key and release date) and compares the SHA-256 of every released file with the list
stored in ``tests/data/release_digests.json``.  A refactoring (moving modules, splitting
functions) must leave every byte as it was.  When a change alters the output on purpose,
regenerate the list in the same commit and say why in its message:

    PYTHONPATH=. python tests/test_release_digests.py

Determinism: two publishes in one environment give the same bytes (the stored list was
checked twice).  Some files also depend on the versions of the libraries that write them:
``series.parquet`` (pyarrow writes its version into the file), the RDF files ``*.ttl`` and
``catalog.jsonld`` (rdflib's serializers), ``fhir/`` (fhir.resources and pydantic), the DICOM
files (pydicom's writer, numpy's pixel arithmetic), the reports and tables (pandas, pyarrow,
numpy); ``MANIFEST``, ``croissant.json`` and the catalogue hold digests of the others.  The
list records the versions it was made with: a file is compared only while the libraries it
depends on have those versions (a fresh install with newer libraries compares fewer files,
and says which libraries differ).
"""
from __future__ import annotations

import fnmatch
import hashlib
import importlib.metadata
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DIGESTS = ROOT / "tests" / "data" / "release_digests.json"
KEY_HEX = "6f75747075742d6964656e746974792d6b65792d303132333435363738396162"  # fixed, 32 bytes
LIBRARIES = ("pydicom", "numpy", "pandas", "pyarrow", "rdflib", "fhir.resources", "pydantic")
# Which libraries shape the bytes of which released files (first match wins); a file that
# matches no pattern (MANIFEST, croissant.json, the catalogue) depends on all of them.
DEPENDS_ON = (
    ("*.parquet", ("pyarrow",)),
    ("metadata/segmentation-provenance.ttl", ("rdflib",)),
    ("fhir/*", ("fhir.resources", "pydantic")),
    ("*.dcm", ("pydicom", "numpy")),
    ("metadata/*", ("pandas", "pyarrow", "numpy")),
)


def _versions() -> dict[str, str]:
    return {name: importlib.metadata.version(name) for name in LIBRARIES}


def _libraries_of(name: str) -> tuple[str, ...]:
    for pattern, libraries in DEPENDS_ON:
        if fnmatch.fnmatch(name, pattern):
            return libraries
    return LIBRARIES


def release_digests() -> dict[str, str]:
    """SHA-256 of every file a publish of the example collection writes, by relative path."""
    with tempfile.TemporaryDirectory(prefix="curator-digests-") as tmp:
        scratch = Path(tmp)
        key = scratch / "key"
        key.write_text(f"curator-key-v1:{KEY_HEX}\n", encoding="utf-8")
        key.chmod(0o600)
        release = scratch / "release"
        code = "import sys; from curator.cli import main; sys.argv[0] = 'curator'; sys.exit(main())"
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        proc = subprocess.run(
            [sys.executable, "-c", code, "publish", str(ROOT / "examples" / "collection"), str(release),
             "--key", str(key), "--workers", "2", "--config", str(ROOT / "examples" / "release.yaml"),
             "--release-date", "2026-01-01"],
            cwd=ROOT, env=env, capture_output=True, text=True)
        assert proc.returncode == 0, proc.stderr[-3000:]
        return {p.relative_to(release).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
                for p in sorted(release.rglob("*")) if p.is_file()}


def test_key_prefix_is_the_current_one():
    """The fixed key above is written in the format the key reader expects."""
    from curator.deid.pseudonyms import KEY_PREFIX

    assert KEY_PREFIX == "curator-key-v1:"


def test_a_release_of_the_example_collection_keeps_every_byte():
    stored = json.loads(DIGESTS.read_text(encoding="utf-8"))
    found = release_digests()
    changed_libraries = {name for name, version in _versions().items() if stored["versions"].get(name) != version}
    assert sorted(found) == sorted(stored["files"]), "the release holds other files than the stored list"
    compared = [name for name in found if not changed_libraries & set(_libraries_of(name))]
    differ = [name for name in compared if found[name] != stored["files"][name]]
    assert len(found) > 80 and any(name.endswith(".dcm") for name in found)
    assert not differ, (
        f"{len(differ)} of {len(compared)} compared released files changed: {differ[:20]}; if on purpose, "
        "regenerate with `PYTHONPATH=. python tests/test_release_digests.py` and say why in the commit"
        + (f" (libraries differing from the list: {sorted(changed_libraries)})" if changed_libraries else ""))


if __name__ == "__main__":
    first, second = release_digests(), release_digests()
    if first != second:
        sys.exit(f"two publishes differ: {sorted(n for n in first if first[n] != second.get(n))}")
    DIGESTS.write_text(json.dumps({"versions": _versions(), "files": first}, indent=1, sort_keys=True) + "\n",
                       encoding="utf-8")
    print(f"recorded {len(first)} files in {DIGESTS.relative_to(ROOT)}")
