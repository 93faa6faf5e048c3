"""``curator.resources.load_yaml`` (libyaml) reads every shipped YAML file exactly as
``yaml.safe_load`` (the pure-Python parser) does: the faster start-up changes no rule."""
from __future__ import annotations

import pytest
import yaml

from curator.resources import load_yaml, mappings_dir, ontologies_dir

FILES = sorted([*mappings_dir().rglob("*.yaml"), *mappings_dir().rglob("*.yml"), *ontologies_dir().rglob("*.yaml")])


def test_there_are_files_to_compare() -> None:
    assert len(FILES) >= 10


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_same_data_as_the_pure_python_parser(path) -> None:
    expected = yaml.safe_load(path.read_text(encoding="utf-8"))
    found = load_yaml(path)
    assert found == expected
    assert repr(found) == repr(expected)  # same types and key order too

