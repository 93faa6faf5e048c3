"""Locate the data folders the project ships (``mappings/`` and ``ontologies/``).

In a source checkout (or an editable install) they are the top-level folders of the
repository; in an installed wheel they are the ``curator._mappings`` and
``curator._ontologies`` resource packages (see ``setup.py``).
"""
from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml
from pydicom.datadict import tag_for_keyword

_CHECKOUT = Path(__file__).resolve().parent.parent


@cache
def _data_dir(folder: str, package: str) -> Path:
    candidate = _CHECKOUT / folder
    if candidate.is_dir() and (_CHECKOUT / "pyproject.toml").is_file():
        return candidate
    installed = Path(__file__).resolve().parent / package.rsplit(".", 1)[1]
    if installed.is_dir():
        return installed
    raise FileNotFoundError(f"curator's data folder {folder!r} is missing from this installation")


def mappings_dir() -> Path:
    """The folder of description rules, de-identification profiles and site overrides."""
    return _data_dir("mappings", "curator._mappings")


def ontologies_dir() -> Path:
    """The folder of RadLex terms, the PS3.15 table and SHACL shapes."""
    return _data_dir("ontologies", "curator._ontologies")


def load_yaml(path: Path) -> Any:
    """The data of a YAML file, parsed with libyaml when PyYAML has it (the same data as
    ``yaml.safe_load``, several times faster: start-up of every worker reads these files)."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return yaml.load(path.read_text(encoding="utf-8"), Loader=loader)


def keyword_tags(keywords: Any, where: str) -> frozenset[int]:
    """The tags of the DICOM keywords a rules file lists; an unknown keyword is an error
    that names the file (``where``), so a typo in the data never passes silently."""
    tags = set()
    for keyword in keywords:
        tag = tag_for_keyword(keyword)
        if tag is None:
            raise ValueError(f"{where}: unknown DICOM keyword {keyword!r}")
        tags.add(tag)
    return frozenset(tags)
