"""Malformed mapping files are a clear error, never a traceback (issue 16, round 10b).

* The description mapping files (``mappings/descriptions/*.yaml``; a site may add terms to
  them) are checked against pydantic models when the lexicon is compiled: ``error: <file>:
  <field>: <reason>``, exit status 2 (it was a ``KeyError`` for a ``codes:`` key under
  ``concepts``). Every shipped file passes the same check.
* Site override files (``--overrides``) give the same error form and exit 2 in every command
  that reads them: ``normalize``, ``audit`` and ``publish``.

Commands run in-process through ``curator.cli.run`` (the console script's own function).
"""
from __future__ import annotations

import importlib
import shutil
from pathlib import Path

import pytest

from curator.cli import run
from curator.deid.pseudonyms import write_key
from curator.normalize.lexicon import LexiconError, compile_lexicon
from curator.normalize.mapfiles import load_mapping
from curator.resources import mappings_dir, ontologies_dir

ROOT = Path(__file__).resolve().parent.parent
SECRET = "Zyxwvut-Secret-Value"  # written in the bad files: no message may quote it
lexicon_module = importlib.import_module("curator.normalize.lexicon")  # the package exports lexicon()
SHIPPED = sorted((mappings_dir() / "descriptions").glob("*.yaml"))


def cli(capsys, *args: object) -> tuple[int, str]:
    capsys.readouterr()
    code = run([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out + err


@pytest.mark.parametrize("path", SHIPPED, ids=[p.name for p in SHIPPED])
def test_every_shipped_description_mapping_passes_the_model(path: Path) -> None:
    assert load_mapping(path)


def test_the_shipped_lexicon_compiles_from_checked_files() -> None:
    assert len(SHIPPED) == 8
    assert compile_lexicon(mappings_dir(), ontologies_dir()).phrases


BROKEN = [
    # (file, text replaced, replacement, expected "<file>: <field>: <reason>")
    ("body_region.yaml", "  - code: RID9080    # head\n", f"  - codes: [RID9080, {SECRET}]\n",
     "body_region.yaml: concepts[1].code: is required"),
    ("body_region.yaml", "  - code: RID9080    # head\n", f"  - code: RID9080\n    colour: {SECRET}\n",
     "body_region.yaml: concepts[1].colour: is not a known field"),
    ("body_region.yaml", "    header: [HEAD, SKULL]\n", f"    header: {{a: {SECRET}}}\n",
     "body_region.yaml: concepts[1].header: Input should be a valid list"),
    ("plane.yaml", "attribute: plane\n", "attribute: [plane]\n", "plane.yaml: attribute: Input should be a valid string"),
    ("vocabulary.yaml", "implied:\n", f"implied_words: [{SECRET}]\nimplied:\n", "vocabulary.yaml: implied_words: is not a known field"),
    ("dicom-codes.yaml", "laterality_values:\n", "laterality_valuez:\n", "dicom-codes.yaml: laterality_values: is required"),
    # a per-attribute `weak` list may only name attributes its group implies (round 14: "T1 FLAIR")
    ("vocabulary.yaml", "    weak: [weighting]\n", f"    weak: [{SECRET}]\n", "].weak: names an attribute the group does not imply"),
]


def _broken_copy(tmp_path: Path, name: str, old: str, new: str) -> Path:
    mappings = tmp_path / "mappings"
    shutil.copytree(mappings_dir() / "descriptions", mappings / "descriptions")
    path = mappings / "descriptions" / name
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return mappings


@pytest.mark.parametrize("name, old, new, expected", BROKEN, ids=[f"{b[0]}-{i}" for i, b in enumerate(BROKEN)])
def test_a_malformed_description_mapping_is_a_clear_error(tmp_path, name, old, new, expected) -> None:
    mappings = _broken_copy(tmp_path, name, old, new)
    with pytest.raises(LexiconError) as caught:
        if name == "dicom-codes.yaml":
            load_mapping(mappings / "descriptions" / name)
        else:
            compile_lexicon(mappings, ontologies_dir())
    assert expected in str(caught.value) and SECRET not in str(caught.value)


def test_a_malformed_description_mapping_stops_the_command_with_exit_2(capsys, tmp_path, monkeypatch) -> None:
    mappings = _broken_copy(tmp_path, "body_region.yaml", "  - code: RID9080    # head\n", "  - codes: [RID9080]\n")
    table = tmp_path / "exams.csv"
    table.write_text("description\nCT THORAX\n", encoding="utf-8")
    monkeypatch.setattr(lexicon_module, "mappings_dir", lambda: mappings)
    lexicon_module.lexicon.cache_clear()
    try:
        code, output = cli(capsys, "normalize", table, "--out", tmp_path / "mapped.csv")
    finally:
        lexicon_module.lexicon.cache_clear()
    assert code == 2, output
    assert "error: body_region.yaml: concepts[1].code: is required" in output
    assert "Traceback" not in output and "internal error" not in output


@pytest.fixture(scope="module")
def dirs(tmp_path_factory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("overrides")
    write_key(base / "key")
    (base / "source").mkdir()
    (base / "exams.csv").write_text("description\nCT THORAX\n", encoding="utf-8")
    return base


COMMANDS = {
    "normalize": lambda base, path: ["normalize", base / "exams.csv", "--out", base / "mapped.csv", "--overrides", path],
    "audit": lambda base, path: ["audit", base / "source", "--overrides", path, "--no-pixel-screen"],
    "publish": lambda base, path: ["publish", ROOT / "examples" / "collection", base / "release", "--key", base / "key",
                                   "--config", ROOT / "examples" / "release.yaml", "--overrides", path],
}
OVERRIDES = [
    (f"descriptions:\n  - {SECRET}\n", "descriptions[1]: Input should be a valid dictionary"),
    (f"descriptions:\n  - text: {SECRET}\n", "descriptions[1].set: is required"),
    (f"descriptions:\n  - text: {SECRET}\n    set: {{body_region: {{a: 1}}}}\n", "descriptions[1].set.body_region: Input should be"),
    (f"concepts:\n  - codes: [{SECRET}]\n", "concepts: is not a known field"),
    (f"descriptions:\n  - text: {SECRET}\n    set: {{modality: RID99999999}}\n",
     "descriptions[1].set: RID99999999 is not in the shipped RadLex subset"),
]


@pytest.mark.parametrize("command", sorted(COMMANDS))
@pytest.mark.parametrize("content, expected", OVERRIDES, ids=[str(i) for i in range(len(OVERRIDES))])
def test_a_malformed_site_override_is_a_clear_error_in_every_command(capsys, dirs, command, content, expected) -> None:
    path = dirs / "bad-site.yaml"
    path.write_text(content, encoding="utf-8")
    code, output = cli(capsys, *COMMANDS[command](dirs, path))
    assert code == 2, output
    assert f"error: bad-site.yaml: {expected}" in output
    assert "Traceback" not in output and SECRET not in output and str(dirs) not in output
