"""DICOM PS3.15 Table E.1-1 as data, and the TCIA private tag knowledge base.

The table (``ontologies/dicom/ps3.15-table-e1-1.json``) gives, per attribute, the Basic
Profile action and the action of each option column.  :func:`action_map` folds a set of
options into one action per tag; compound codes (``X/Z``, ``X/D``, ``Z/D``, ``X/Z/D``,
``X/Z/U*``) stay compound here and are resolved per dataset by :func:`resolve_compound`
from the attribute's type in the IOD (``ontologies/dicom/iod-attribute-types.yaml``).

Action codes: ``D`` dummy, ``Z`` zero length, ``X`` remove, ``K`` keep, ``C`` clean,
``U`` new UID.
"""
from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache

from pydicom.datadict import dictionary_VR, tag_for_keyword

from curator.errors import CuratorError
from curator.resources import load_yaml, ontologies_dir

TABLE_FILE = "dicom/ps3.15-table-e1-1.json"
OPTIONS_FILE = "dicom/ps3.15-options.yaml"
TYPES_FILE = "dicom/iod-attribute-types.yaml"
KB_FILE = "dicom/tcia-private-tag-kb.csv"
ADDITIONS_FILE = "dicom/ps3.15-table-additions.yaml"  # rows the table copy lacks (curator's)

SIMPLE_ACTIONS = frozenset("DZXKCU")
COMPOUND_ACTIONS = frozenset({"X/Z", "X/D", "Z/D", "X/Z/D", "X/Z/U*"})

# Pattern rows of the table, keyed by their text in the JSON file.
PATTERN_CURVES = "(50XX,XXXX)"
PATTERN_OVERLAY_COMMENTS = "(60XX,4000)"
PATTERN_OVERLAY_DATA = "(60XX,3000)"
PATTERN_PRIVATE = "(GGGG,EEEE) WHERE GGGG IS ODD"


@dataclass(frozen=True)
class Row:
    key: str  # "(gggg,eeee)" or a pattern
    name: str
    basic: str
    options: tuple[tuple[str, str], ...]  # (column, action)


@dataclass(frozen=True)
class OptionInfo:
    name: str
    column: str | None
    code: str
    meaning: str


@cache
def rows() -> tuple[Row, ...]:
    data = json.loads((ontologies_dir() / TABLE_FILE).read_text(encoding="utf-8"))
    out = []
    for entry in data:
        opts = tuple(sorted((k, v) for k, v in entry.items() if k.endswith("Opt")))
        basic = entry["basicProfile"]
        if basic not in SIMPLE_ACTIONS and basic not in COMPOUND_ACTIONS:
            raise ValueError(f"{TABLE_FILE}: unknown action code {basic!r}")
        out.append(Row(entry["tag"].upper(), entry["name"], basic, opts))
    listed = {row.key for row in out}
    for keyword, action in load_yaml(ontologies_dir() / ADDITIONS_FILE)["rows"].items():
        tag = tag_for_keyword(keyword)
        if tag is None or action not in SIMPLE_ACTIONS:
            raise ValueError(f"ontologies/{ADDITIONS_FILE}: unknown keyword {keyword!r} or action {action!r}")
        key = f"({tag >> 16:04X},{tag & 0xFFFF:04X})"
        if key not in listed:  # the standard's own row wins once the table has one
            out.append(Row(key, keyword, action, ()))
    return tuple(out)


@cache
def options_info() -> tuple[OptionInfo, dict[str, OptionInfo], tuple[frozenset[str], ...]]:
    data = load_yaml(ontologies_dir() / OPTIONS_FILE)
    basic = OptionInfo("basic", None, str(data["basic"]["code"]), data["basic"]["meaning"])
    options = {
        name: OptionInfo(name, spec.get("column"), str(spec["code"]), spec["meaning"])
        for name, spec in data["options"].items()
    }
    exclusive = tuple(frozenset(group) for group in data.get("exclusive", ()))
    return basic, options, exclusive


def option_names() -> tuple[str, ...]:
    return tuple(sorted(options_info()[1]))


def check_options(options: tuple[str, ...] | list[str]) -> tuple[str, ...]:
    """The options, sorted and validated (a clear CuratorError otherwise)."""
    _, known, exclusive = options_info()
    for name in options:
        if name not in known:
            raise CuratorError(
                f"unknown de-identification option {name!r}; known options: {', '.join(sorted(known))}"
            )
    chosen = frozenset(options)
    for group in exclusive:
        if len(group & chosen) > 1:
            raise CuratorError(f"options {' and '.join(sorted(group & chosen))} cannot be combined")
    return tuple(sorted(chosen))


def _parse_tag(key: str) -> int | None:
    match = re.fullmatch(r"\(([0-9A-F]{4}),([0-9A-F]{4})\)", key)
    return int(match.group(1) + match.group(2), 16) if match else None


TEMPORAL_COLUMNS = frozenset({"rtnLongFullDatesOpt", "rtnLongModifDatesOpt"})


def _fold_action(row: Row, columns: frozenset[str]) -> str:
    """Basic action overridden by the selected option columns.

    A selected temporal option decides for dates and times (so that Retain Device
    Identity does not keep a calibration date unshifted); otherwise keep beats clean.
    """
    temporal = [action for column, action in row.options if column in columns and column in TEMPORAL_COLUMNS]
    if temporal:
        return temporal[0]
    chosen = [action for column, action in row.options if column in columns]
    if "K" in chosen:
        return "K"
    if "C" in chosen:
        return "C"
    return row.basic


@cache
def action_map(options: tuple[str, ...]) -> tuple[dict[int, str], dict[str, str]]:
    """``(by_tag, by_pattern)`` actions of the Basic Profile with ``options`` applied."""
    _, known, _ = options_info()
    columns = frozenset(column for o in options if (column := known[o].column))
    by_tag: dict[int, str] = {}
    by_pattern: dict[str, str] = {}
    for row in rows():
        action = _fold_action(row, columns)
        tag = _parse_tag(row.key)
        if tag is None:
            by_pattern[row.key] = action
        else:
            by_tag[tag] = action
    for pattern in (PATTERN_CURVES, PATTERN_OVERLAY_COMMENTS, PATTERN_OVERLAY_DATA, PATTERN_PRIVATE):
        if pattern not in by_pattern:
            raise ValueError(f"{TABLE_FILE}: pattern row {pattern} missing")
    return by_tag, by_pattern


@dataclass(frozen=True)
class _TypeSpec:
    default: int
    by_class: tuple[tuple[str, int], ...]
    nested: int
    by_parent: tuple[tuple[int, int], ...]


def _tag(keyword: str) -> int:
    tag = tag_for_keyword(keyword)
    if tag is None:
        raise ValueError(f"{TYPES_FILE}: unknown keyword {keyword!r}")
    return int(tag)


@cache
def _types_data() -> tuple[dict[int, _TypeSpec], frozenset[int]]:
    data = load_yaml(ontologies_dir() / TYPES_FILE)
    out = {}
    for keyword, spec in data["attributes"].items():
        by_class = tuple(sorted(((str(k), int(v)) for k, v in (spec.get("by_sop_class") or {}).items()), key=lambda kv: -len(kv[0])))
        by_parent = tuple(sorted((_tag(k), int(v)) for k, v in (spec.get("by_parent") or {}).items()))
        out[_tag(keyword)] = _TypeSpec(int(spec.get("default", 3)), by_class, int(spec.get("nested", 1)), by_parent)
    required = frozenset(_tag(keyword) for keyword in data.get("required_values") or ())
    return out, required


def _types() -> dict[int, _TypeSpec]:
    return _types_data()[0]


def attribute_type(tag: int, sop_class: str, parent: int | None = None) -> int:
    """Type (1, 2, 3) of an attribute at the top level (``parent`` None) or inside the
    sequence ``parent`` (``-1``: a sequence not known by tag, e.g. private)."""
    spec = _types().get(tag)
    if parent is not None:
        if spec is None:
            return 1
        return dict(spec.by_parent).get(parent, spec.nested)
    if spec is None:
        return 3
    for prefix, value in spec.by_class:
        if sop_class.startswith(prefix):
            return value
    return spec.default


@cache
def must_have_value(tag: int, sop_class: str, parent: int | None) -> bool:
    """True when a present attribute may not be empty here (type 1 or 1C): an action that
    would empty it gives its dummy value instead."""
    if tag in _types_data()[1]:
        return True
    return parent is None and tag in _types() and attribute_type(tag, sop_class) == 1


@cache
def conditional_on() -> dict[int, frozenset[int]]:
    """Type 1C/2C attributes required only when another attribute is present (PS3.3): the
    tag of each such attribute -> the tags whose presence is its condition (``conditional_on``
    of the types file).  A profile that removes every one of them removes it too
    (:class:`curator.deid.decisions.Decisions`): kept alone it breaks its module."""
    data = load_yaml(ontologies_dir() / TYPES_FILE).get("conditional_on") or {}
    return {_tag(keyword): frozenset(_tag(k) for k in conditions) for keyword, conditions in data.items()}


@cache
def may_need_value() -> frozenset[int]:
    """Every tag for which :func:`must_have_value` can be True (a cheap first test)."""
    types, required = _types_data()
    return required | frozenset(tag for tag, spec in types.items() if spec.default == 1 or any(v == 1 for _, v in spec.by_class))


def parent_of(path: tuple[str, ...]) -> int | None:
    """Tag of the innermost sequence of a traversal ``path`` (``None`` at the top level,
    ``-1`` inside a private sequence)."""
    if not path:
        return None
    parts = path[-1].split(",")
    if len(parts) != 2:
        return -1
    return int(parts[0] + parts[1], 16)


@cache
def resolve_compound(action: str, tag: int, sop_class: str, nested: bool, parent: int | None = None) -> str:
    """The simple action a compound code means for this attribute in this IOD.

    Type 1 → the dummy-like last choice (``D``, or ``U`` for ``X/Z/U*`` reference
    sequences: kept with their UIDs remapped; a sequence whose last choice is ``Z`` keeps
    its items, cleaned, as a type 1 sequence may not be empty); type 2 → ``Z``; type 3 →
    ``X`` (or ``Z`` for ``Z/D``).  Inside sequences the attribute has the type the data
    file gives for its parent sequence, type 1 when it says nothing.
    """
    if action not in COMPOUND_ACTIONS:
        return action
    if nested and parent is None:
        parent = -1
    kind = attribute_type(tag, sop_class, parent if nested else None)
    choices = action.split("/")
    if kind == 1:
        last = choices[-1]
        if last == "Z" and _is_sequence(tag):
            return "D"
        return "U" if last == "U*" else last
    if kind == 2:
        return "Z"
    return choices[0]


@cache
def resolve_removal(tag: int, parent: int | None) -> str:
    """The simple action X (remove) for ``tag`` inside the sequence ``parent``: ``Z`` where
    the data file's ``by_parent`` makes it type 2 there, ``D`` where type 1, else ``X``
    (only an explicit ``by_parent`` entry counts, never the ``nested`` default)."""
    spec = _types().get(tag)
    kind = dict(spec.by_parent).get(parent) if spec is not None and parent is not None else None
    return {1: "D", 2: "Z"}.get(kind or 3, "X")


def _is_sequence(tag: int) -> bool:
    try:
        return dictionary_VR(tag) == "SQ"
    except KeyError:
        return False


# --- TCIA private tag knowledge base -------------------------------------------------

_SEGMENT = re.compile(r"\(([0-9A-Fa-f]{4}),(.*?)\)(?:\[<\d+>\])?")


def _segment_key(group: str, rest: str) -> str | None:
    group = group.lower()
    if re.fullmatch(r"[0-9A-Fa-f]{4}", rest):
        return f"{group},{rest.lower()}"
    if "," not in rest:
        return None
    creator, element = rest.rsplit(",", 1)
    creator = creator.replace('"', "").strip().lower()
    element = element.strip().lower()
    if not re.fullmatch(r"[0-9a-f]{2}", element):
        return None
    return f"{group},{creator},{element}"


def private_signature(group: int, creator: str, element_byte: int) -> str:
    return f"{group:04x},{creator.strip().lower()},{element_byte:02x}"


def public_signature(tag: int) -> str:
    return f"{tag >> 16:04x},{tag & 0xFFFF:04x}"


@cache
def known_creators() -> frozenset[str]:
    """The private creators the TCIA knowledge base knows (lower case, trimmed): vendor and
    product blocks, whatever their elements' dispositions."""
    out = set()
    for record in _kb_file():
        for match in _SEGMENT.finditer(record["element_sig_pattern"]):
            key = _segment_key(match.group(1), match.group(2))
            if key is not None and key.count(",") == 2:
                out.add(key.split(",")[1])
    return frozenset(out)


@cache
def _kb_file() -> tuple[dict[str, str], ...]:
    """Every row of the TCIA knowledge base, the CSV read and parsed once per process for
    :func:`known_creators` (the index) and :func:`safe_private` (de-identification), which
    ``publish`` both needs."""
    with open(ontologies_dir() / KB_FILE, encoding="utf-8-sig", newline="") as handle:
        return tuple(csv.DictReader(handle))


@cache
def safe_private() -> frozenset[tuple[str, ...]]:
    """Signature paths whose every row in the TCIA knowledge base says ``k`` (keep)."""
    dispositions: dict[tuple[str, ...], set[str]] = {}
    for path, disposition, _ in _kb_rows():
        dispositions.setdefault(path, set()).add(disposition)
    return frozenset(path for path, marks in dispositions.items() if marks == {"k"})


@cache
def safe_private_free_text(endings: tuple[str, ...]) -> frozenset[tuple[str, ...]]:
    """The safe signature paths (:func:`safe_private`) whose name in the knowledge base ends
    in one of ``endings`` (a GE "Study Comments", a "Batch Description"): free text, kept
    only when the allowlist keeps every word (red team 7)."""
    safe = safe_private()
    return frozenset(path for path, _, name in _kb_rows() if path in safe and name.endswith(endings))


@cache
def _kb_rows() -> tuple[tuple[tuple[str, ...], str, str], ...]:
    """(signature path, disposition, element name) of every row of the TCIA knowledge base
    whose pattern parses: read once for :func:`safe_private` and :func:`safe_private_free_text`."""
    return tuple((path, record["private_disposition"].strip().lower(), record["tag_name"].rpartition(":")[2].strip())
                 for path, record in _kb_records())


def _kb_records() -> Iterator[tuple[tuple[str, ...], dict[str, str]]]:
    """(signature path, row) of every row of the TCIA knowledge base whose pattern parses."""
    for record in _kb_file():
        pattern = record["element_sig_pattern"]
        segments = []
        pos = 0
        ok = True
        for match in _SEGMENT.finditer(pattern):
            if match.start() != pos:
                ok = False
                break
            key = _segment_key(match.group(1), match.group(2))
            if key is None:
                ok = False
                break
            segments.append(key)
            pos = match.end()
        if not ok or pos != len(pattern) or not segments:
            continue
        yield tuple(segments), record
