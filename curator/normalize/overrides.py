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
import io
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal, Optional, Union

from pydantic import AfterValidator

from curator.common import userfile
from curator.errors import CuratorError
from curator.normalize.lexicon import ATTRIBUTES, lexicon, tokens
from curator.common.userfile import UserModel

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


def _code_list(value: Any, attribute: str) -> tuple[str, ...]:
    """The RadLex codes of one cell (YAML value or CSV cell); ValueError with the reason."""
    if value is None or value == "-" or value == []:
        return ()
    items = value if isinstance(value, (list, tuple)) else str(value).replace(",", "|").split("|")
    out = []
    for item in items:
        item = str(item).strip().split(" ")[0] if str(item).strip() else ""
        if not item:
            continue
        if not _CODE.match(item):
            raise ValueError(f"{attribute} must be RadLex codes (RID… or RPID…), got an invalid cell")
        out.append(item)
    if attribute != "body_region" and len(out) > 1:
        raise ValueError(f"{attribute} takes one code")
    lex = lexicon()
    for code in out:
        if code not in lex.terms and code not in lex.playbook_labels:
            raise ValueError(f"{code} is not in the shipped RadLex subset")
    return tuple(out)


def _overridable(attribute: str) -> str:
    if attribute not in OVERRIDABLE:
        raise ValueError(f"is not an attribute an override sets ({', '.join(OVERRIDABLE)})")
    return attribute


def _attribute_codes(value: Mapping[str, Any]) -> dict[str, tuple[str, ...]]:
    return {attribute: _code_list(cell, attribute) for attribute, cell in value.items()}


Cell = Union[str, list[str], None]  # one code, several codes (body_region), or null (undetermined)


class OverrideEntry(UserModel):
    """One confirmed meaning: a description text, the field it is read from, what it means."""

    text: str
    field: Optional[Literal["SeriesDescription", "ProtocolName", "StudyDescription", "*"]] = None
    site: Optional[str] = None  # default: the file's site
    set: Annotated[dict[Annotated[str, AfterValidator(_overridable)], Cell], AfterValidator(_attribute_codes)]

    def key(self, file_site: str) -> tuple[str, str, str]:
        return (self.site or file_site, self.field or "*", text_key(self.text))


class SiteOverrideFile(UserModel):
    """A site override YAML file (``mappings/sites/*.yaml`` or ``--overrides FILE``)."""

    site: Optional[str] = None  # the site label of the index; default "*" (every site)
    descriptions: Optional[list[OverrideEntry]] = None


def _from_yaml(path: Path, entries: dict) -> None:
    data = userfile.read_yaml(path, "site override file")
    if data is None:
        return
    overrides = userfile.validate(SiteOverrideFile, data, path.name)
    for item in overrides.descriptions or []:
        entries[item.key(overrides.site or "*")] = item.set


def _from_csv(path: Path, entries: dict) -> None:
    from curator.common.regular import read_named

    data = read_named(path, "review file", limit=None)
    try:
        rows = list(csv.DictReader(io.StringIO(data.decode("utf-8"), newline="")))
    except (UnicodeDecodeError, csv.Error) as exc:
        raise CuratorError(f"review file is not a UTF-8 CSV file: {path.name} ({type(exc).__name__})") from None
    if rows and not {"site", "field", "description", "status"} <= set(rows[0]):
        raise CuratorError(f"{path.name}: not a review file (needs site, field, description, status columns)")
    for n, row in enumerate(rows, 2):
        if (row.get("status") or "").strip().lower() not in LOAD_STATUSES:
            continue
        cells = {a: (row.get(a) or "").strip() for a in OVERRIDABLE}
        item = userfile.validate(OverrideEntry, {
            "text": row.get("description") or "",
            "field": (row.get("field") or "").strip() or None,
            "site": (row.get("site") or "").strip() or None,
            "set": {a: cell for a, cell in cells.items() if cell},
        }, f"{path.name} line {n}")
        entries[item.key("*")] = item.set


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
        elif not path.exists():
            raise CuratorError(f"override file not found: {path.name}")
        elif path.suffix.lower() in (".yaml", ".yml"):
            _from_yaml(path, entries)  # a FIFO or a device: "is not a regular file" (read_small)
        elif path.suffix.lower() == ".csv":
            _from_csv(path, entries)
        else:
            raise CuratorError(f"override file {path.name}: expected .yaml or .csv")
    return Overrides(dict(sorted(entries.items())))
