"""Site overrides: curator-confirmed meanings of descriptions, highest priority.

Two sources, same meaning:

* ``mappings/sites/*.yaml``::

      site: SITE_A            # site label as in the index ("*" = every site)
      descriptions:
        - text: "TC TORAX AR"           # matched case/accent/punctuation-insensitively
          field: SeriesDescription      # SeriesDescription | ProtocolName | StudyDescription | "*"
          set:
            body_region: [RID1243]
            contrast: RID28769
            plane: null                 # null = force "undetermined" (reason: override)

* a review CSV (``curator mappings review``) whose rows have ``status`` ``confirmed`` or
  ``corrected``: its attribute cells hold RIDs (``RID1243|RID56`` for several regions,
  ``-`` to force null, empty = no override for that attribute).
"""
from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from curator.errors import CuratorError
from curator.normalize.lexicon import ATTRIBUTES, lexicon, tokens

FIELDS = ("SeriesDescription", "ProtocolName", "StudyDescription")
OVERRIDABLE = ATTRIBUTES + ("procedure",)
LOAD_STATUSES = frozenset({"confirmed", "corrected"})
_CODE = re.compile(r"^(RID|RPID)\d+$")


def text_key(text: str | None) -> str:
    """The form descriptions are compared in (folded tokens joined by one space)."""
    return " ".join(tokens(text or ""))


@dataclass(frozen=True)
class Overrides:
    """Override table: (site, field, text key) -> {attribute: codes tuple (empty = null)}."""

    entries: Mapping[tuple[str, str, str], Mapping[str, tuple[str, ...]]] = field(default_factory=dict)

    def lookup(self, site: str | None, field_name: str, text: str | None) -> Mapping[str, tuple[str, ...]] | None:
        if not text or not self.entries:
            return None
        key = text_key(text)
        for s in ((site or "*"), "*"):
            for f in (field_name, "*"):
                found = self.entries.get((s, f, key))
                if found is not None:
                    return found
        return None

    def __len__(self) -> int:
        return len(self.entries)


def _codes(value: Any, where: str, attribute: str) -> tuple[str, ...]:
    if value is None or value == "-" or value == []:
        return ()
    items = value if isinstance(value, (list, tuple)) else str(value).replace(",", "|").split("|")
    out = []
    for item in items:
        item = str(item).strip().split(" ")[0] if str(item).strip() else ""
        if not item:
            continue
        if not _CODE.match(item):
            raise CuratorError(f"{where}: {attribute} must be RadLex codes (RID… or RPID…), got an invalid cell")
        out.append(item)
    if attribute != "body_region" and len(out) > 1:
        raise CuratorError(f"{where}: {attribute} takes one code")
    lex = lexicon()
    for code in out:
        if code not in lex.terms and code not in lex.playbook_labels:
            raise CuratorError(f"{where}: {code} is not in the shipped RadLex subset")
    return tuple(out)


def _from_yaml(path: Path, entries: dict) -> None:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, UnicodeDecodeError, ValueError, yaml.YAMLError) as exc:
        raise CuratorError(f"cannot read site override file {path.name}: {type(exc).__name__}") from None
    if not isinstance(data, dict):
        raise CuratorError(f"{path.name}: expected a mapping with 'site' and 'descriptions'")
    site = str(data.get("site") or "*")
    for n, item in enumerate(data.get("descriptions") or [], 1):
        where = f"{path.name} entry {n}"
        if not isinstance(item, dict) or "text" not in item or not isinstance(item.get("set"), dict):
            raise CuratorError(f"{where}: needs 'text' and 'set'")
        field_name = str(item.get("field") or "*")
        if field_name != "*" and field_name not in FIELDS:
            raise CuratorError(f"{where}: field must be one of {', '.join(FIELDS)} or '*'")
        values = {}
        for attribute, cell in item["set"].items():
            if attribute not in OVERRIDABLE:
                raise CuratorError(f"{where}: unknown attribute {attribute!r}")
            values[attribute] = _codes(cell, where, attribute)
        entries[(str(item.get("site") or site), field_name, text_key(str(item["text"])))] = values


def _from_csv(path: Path, entries: dict) -> None:
    try:
        with path.open(encoding="utf-8", newline="") as fh:
            rows = list(csv.DictReader(fh))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise CuratorError(f"cannot read review file {path.name}: {type(exc).__name__}") from None
    if rows and not {"site", "field", "description", "status"} <= set(rows[0]):
        raise CuratorError(f"{path.name}: not a review file (needs site, field, description, status columns)")
    for n, row in enumerate(rows, 2):
        if (row.get("status") or "").strip().lower() not in LOAD_STATUSES:
            continue
        where = f"{path.name} line {n}"
        field_name = (row.get("field") or "*").strip()
        if field_name != "*" and field_name not in FIELDS:
            raise CuratorError(f"{where}: unknown field")
        values = {}
        for attribute in OVERRIDABLE:
            cell = (row.get(attribute) or "").strip()
            if cell:
                values[attribute] = _codes(cell, where, attribute)
        entries[((row.get("site") or "*").strip() or "*", field_name, text_key(row.get("description")))] = values


def load_overrides(paths: Iterable[str | Path] | str | Path | None) -> Overrides:
    """Read site override YAML files, review CSV files, or folders of them (``*.yaml``).

    Later files win over earlier ones for the same (site, field, description)."""
    if paths is None:
        return Overrides({})
    if isinstance(paths, (str, Path)):
        paths = [paths]
    entries: dict = {}
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            for child in sorted(path.glob("*.yaml")) + sorted(path.glob("*.yml")):
                _from_yaml(child, entries)
        elif path.suffix.lower() in (".yaml", ".yml"):
            if not path.is_file():
                raise CuratorError(f"override file {path.name} not found")
            _from_yaml(path, entries)
        elif path.suffix.lower() == ".csv":
            if not path.is_file():
                raise CuratorError(f"override file {path.name} not found")
            _from_csv(path, entries)
        else:
            raise CuratorError(f"override file {path.name}: expected .yaml or .csv")
    return Overrides(dict(sorted(entries.items())))
