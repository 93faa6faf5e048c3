"""Every YAML file a user writes is validated by a pydantic model (issue 19): an unknown key
or a value of the wrong type is refused by the command with ``error: <file>: <field>:
<reason>`` and exit status 2, never a traceback; the shipped files of those kinds pass the
same models.

Commands run in-process through ``curator.cli.run`` (the console script's own function).
"""
from __future__ import annotations

from pathlib import Path

import pytest

from curator.cli import run
from curator.deid.pseudonyms import write_key
from curator.deid.profile import ProfileFile
from curator.normalize.overrides import SiteOverrideFile
from curator.resources import mappings_dir
from curator.analyses.segmentation import ProvenanceFile
from curator.common.userfile import load, read_yaml

ROOT = Path(__file__).resolve().parent.parent
RELEASE = (ROOT / "examples" / "release.yaml").read_text(encoding="utf-8")
SECRET = "Zyxwvut-Secret-Value"  # written in the bad files: no message may quote it


def cli(capsys, *args: object) -> tuple[int, str]:
    capsys.readouterr()
    code = run([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out + err


@pytest.fixture(scope="module")
def dirs(tmp_path_factory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("userfiles")
    key = base / "key"
    write_key(key)
    source = base / "source"
    source.mkdir()
    table = base / "exams.csv"
    table.write_text("description\nCT THORAX\n", encoding="utf-8")
    return {"base": base, "key": key, "source": source, "csv": table}


def _profile(dirs, path: Path) -> list[object]:
    return ["deid", dirs["source"], dirs["base"] / "deid-out", "--key", dirs["key"], "--profile", path]


def _overrides(dirs, path: Path) -> list[object]:
    return ["normalize", dirs["csv"], "--out", dirs["base"] / "mapped.csv", "--overrides", path]


def _provenance(dirs, path: Path) -> list[object]:
    return ["audit", dirs["source"], "--provenance", path, "--no-pixel-screen"]


def _release(dirs, path: Path) -> list[object]:
    return ["publish", ROOT / "examples" / "collection", dirs["base"] / "release", "--key", dirs["key"], "--config", path]


CASES = [
    # (command, file content, expected "<field>: <reason>")
    (_profile, f"name: x\noptoins: [{SECRET}]\n", "optoins: is not a known field"),
    (_profile, "name: x\noverrides: [PatientName, P]\n", "overrides: Input should be a valid dictionary"),
    (_profile, "overrides: {PatientName: Q}\n", "overrides.PatientName: unknown action (use one of D Z X K C U P H)"),
    (_profile, f"replace: {{PatientNme: {SECRET}}}\n",
     "replace.PatientNme: is not a DICOM keyword or a (gggg,eeee) tag"),
    (_profile, "options: retain_safe_private\n", "options: Input should be a valid list"),
    (_overrides, f"site: X\ndescriptions:\n  - text: {SECRET}\n    set: {{contrast: RID28768}}\n    colour: red\n",
     "descriptions[1].colour: is not a known field"),
    (_overrides, f"site: X\ndescriptions:\n  - text: {SECRET}\n    set: [RID28768]\n",
     "descriptions[1].set: Input should be a valid dictionary"),
    (_overrides, f"site: X\ndescriptions:\n  - text: {SECRET}\n    set: {{colour: RID28768}}\n",
     "descriptions[1].set.colour: is not an attribute an override sets"),
    (_overrides, "site: [X]\n", "site: Input should be a valid string"),
    (_provenance, f"segmentations:\n  - match: {{site: a}}\n    method: MANUAL\n    reader: [{SECRET}]\n",
     "segmentations[1].reader: is not a known field"),
    (_provenance, "segmentations:\n  - match: {site: a}\n    readers: [{role: reader, count: two}]\n",
     "segmentations[1].readers[1].count: Input should be a valid integer"),
    (_release, RELEASE + f"colour: {SECRET}\n", "colour: is not a known field"),
    (_release, RELEASE.replace("include_byte_size: false", "") + "include_byte_size: [yes]\n",
     "include_byte_size: Input should be a valid boolean"),
]


@pytest.mark.parametrize("command, content, expected", CASES, ids=[f"{c[0].__name__[1:]}-{i}" for i, c in enumerate(CASES)])
def test_a_bad_user_file_is_a_clear_error(capsys, dirs, command, content, expected) -> None:
    path = dirs["base"] / "bad-file.yaml"
    path.write_text(content, encoding="utf-8")
    code, output = cli(capsys, *command(dirs, path))
    assert code == 2, output
    assert f"error: bad-file.yaml: {expected}" in output
    assert "Traceback" not in output and SECRET not in output and str(dirs["base"]) not in output


def test_the_release_example_sets_include_byte_size() -> None:
    # the bad-type release case above replaces this line; it must exist for that case to mean something
    assert "include_byte_size: false" in RELEASE


@pytest.mark.parametrize("path", sorted((mappings_dir() / "deid").glob("*.yaml")), ids=lambda p: p.name)
def test_the_shipped_profiles_pass_the_model(path: Path) -> None:
    assert load(ProfileFile, path, "profile").overrides


@pytest.mark.parametrize("path", sorted((mappings_dir() / "sites").glob("*.yaml")), ids=lambda p: p.name)
def test_the_shipped_site_overrides_pass_the_model(path: Path) -> None:
    assert load(SiteOverrideFile, path, "site override file").descriptions


def test_the_shipped_provenance_example_passes_the_model() -> None:
    path = mappings_dir() / "provenance" / "example.yaml.sample"
    assert len(load(ProvenanceFile, path, "provenance file").segmentations) == 2


def test_the_shipped_folders_hold_only_those_kinds() -> None:
    """Every YAML file of the user-writable folders is one of the kinds checked above."""
    for folder, suffixes in (("deid", {".yaml"}), ("sites", {".yaml"}), ("provenance", {".sample"})):
        found = {p.suffix for p in (mappings_dir() / folder).iterdir() if p.suffix not in (".md",)}
        assert found <= suffixes, (folder, found)


def test_an_empty_or_non_mapping_file_is_refused(tmp_path: Path) -> None:
    from curator.errors import CuratorError

    for text in ("", "- a\n- b\n"):
        path = tmp_path / "empty.yaml"
        path.write_text(text, encoding="utf-8")
        with pytest.raises(CuratorError, match=r"^empty.yaml: \(top level\): must be a mapping of fields$"):
            load(ProfileFile, path, "profile")
    assert read_yaml(path, "profile") == ["a", "b"]
