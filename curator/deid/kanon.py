"""Access tiers and k-anonymity over the quasi-identifiers (age, sex, ethnic group, size,
weight, site).

A *record* is one study of one patient (a patient's age differs between studies); a group
is the set of records with the same released quasi-identifiers, and its size is the number
of distinct patients in it.

Tiers (see ``docs/deid.md``):

* ``non-public`` and ``restricted`` (pseudonymised data for controlled access): every value
  is kept (ages over 89 top-coded); k-anonymity is *measured* and reported as a risk
  figure (smallest group, records and patients in groups below ``k``), never enforced.
* ``public``: k-anonymity is *enforced* with the least information loss, as ARX does:
  every node of the generalization lattice (one level per attribute, from
  ``mappings/privacy/generalization.yaml``: age exact, 5/10/20-year bands, removed; sex
  kept or removed; ethnic group kept or removed; size and weight exact, in bands of three
  widths, removed) is tried together with local suppression
  (the records still in groups below ``k`` lose all their quasi-identifier values) of at
  most ``max_suppression`` of the records; among the nodes whose every group, suppressed
  records included, has ``k`` patients, the one with the least loss wins (branch and bound:
  the nodes in order of their loss without suppression, a lower bound of their loss, until
  that bound exceeds the best loss found: the same node as trying them all).

Loss: per attribute, the mean over records of the level's height divided by the highest
level (0 exact, 1 removed; a suppressed record counts 1 for every attribute); the total is
the mean over the attributes.  Ties go to fewer suppressed records, then to the node with
the lower levels (age first).

Site is in every group, so no node of the lattice helps a site of fewer than ``k`` patients:
in the public tier such sites are first merged into one generalised site,
:data:`GENERALISED_SITE` (:func:`merge_sites`: every small site, then, while that group is
still below ``k``, the remaining sites with the fewest patients, one at a time).  Only when
even all sites together hold fewer than ``k`` patients is ``k`` out of reach.
"""
from __future__ import annotations

import itertools
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any

from curator.errors import CuratorError
from curator.resources import load_yaml, mappings_dir

GENERALIZATION_FILE = "privacy/generalization.yaml"
TIERS = ("public", "restricted", "non-public")
ACCESS_RIGHTS = {"PUBLIC": "public", "RESTRICTED": "restricted", "NON_PUBLIC": "non-public"}
ATTRIBUTES = ("age", "sex", "ethnic_group", "size", "weight")
BANDED = ("size", "weight")  # DS values generalized into bands given by their edges
QUASI_IDENTIFIERS = (*ATTRIBUTES, "site")
UNIT = "study of a patient; group size counts distinct patients"
GENERALISED_SITE = "other sites"  # the label of the sites merged by the public tier

if TYPE_CHECKING:
    import pyarrow as pa


Level = int | tuple[float, ...] | None  # 0 exact, a band width, band edges, None removed


def _level(name: str, value: object) -> tuple[Level, str]:
    """One level of ``generalization.yaml`` and its description."""
    if value is None:
        return None, "removed"
    if isinstance(value, dict) and name in BANDED:
        edges = tuple(float(edge) for edge in value["edges"])
        if not edges or list(edges) != sorted(set(edges)):
            raise ValueError(f"{GENERALIZATION_FILE}: the band edges of {name} must increase")
        return edges, str(value["label"])
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0 and (name == "age" or value == 0):
        return value, "exact" if value == 0 else f"{value}-year bands"
    raise ValueError(f"{GENERALIZATION_FILE}: a level of {name} is not 0, a band width (age), band edges or null")


@cache
def _hierarchy() -> dict:
    data = load_yaml(mappings_dir() / GENERALIZATION_FILE)
    parsed = {name: [_level(name, v) for v in data["attributes"][name]["levels"]] for name in ATTRIBUTES}
    for name, values in parsed.items():
        if len(values) < 2 or values[0][0] != 0 or values[-1][0] is not None:
            raise ValueError(f"{GENERALIZATION_FILE}: levels of {name} must go from 0 (exact) to null (removed)")
    return {
        "levels": {name: tuple(level for level, _ in values) for name, values in parsed.items()},
        "labels": {name: tuple(label for _, label in values) for name, values in parsed.items()},
        "top": int(data["top_code_age_years"]), "max_suppression": float(data["max_suppression"]),
    }


def levels(attribute: str) -> tuple[Level, ...]:
    """The generalization levels of ``attribute`` (0 exact, n a band width, band edges, None removed)."""
    return _hierarchy()["levels"][attribute]


@dataclass(frozen=True)
class Access:
    """The access tier of a release and, for ``public``, the local suppression limit."""

    tier: str = "non-public"
    max_suppression: float | None = None  # share of records; None: generalization.yaml

    def __post_init__(self) -> None:
        if self.tier not in TIERS:
            raise CuratorError(f"unknown access tier {self.tier!r}; choose one of {', '.join(TIERS)}")
        share = self.max_suppression
        if share is not None and (isinstance(share, bool) or not isinstance(share, (int, float)) or not 0 <= share <= 1):
            raise CuratorError("the suppression limit must be a share between 0 and 1")

    @property
    def enforced(self) -> bool:
        """Whether k-anonymity is enforced (public) rather than only measured."""
        return self.tier == "public"

    @property
    def suppression(self) -> float:
        return _hierarchy()["max_suppression"] if self.max_suppression is None else float(self.max_suppression)


def access_of(value: str | Access | None) -> Access:
    """An :class:`Access` from a tier name, an EU access-right code (``NON_PUBLIC``) or itself."""
    if value is None:
        return Access()
    if isinstance(value, Access):
        return value
    text = str(value).strip()
    return Access(ACCESS_RIGHTS.get(text.upper(), text.lower()))


@dataclass
class Record:
    patient: str
    study: str
    age: str | None  # AS value after top-coding
    sex: str | None
    ethnic_group: str | None
    site: str | None
    size: str | None = None  # PatientSize as written (a DS value in metres)
    weight: str | None = None  # PatientWeight as written (a DS value in kilograms)
    instances: int = 0  # instances written for this record (set after the write pass)
    node: tuple[int, ...] = (0,) * len(ATTRIBUTES)  # level index per attribute of ATTRIBUTES
    suppressed: bool = False
    extra: dict = field(default_factory=dict)


@cache
def _years(age: str | None) -> int | None:
    from curator.deid.engine import age_years

    years = age_years(age or "")
    return None if years is None else int(years)


def top_code_years() -> int:
    return _hierarchy()["top"]


@cache
def _released_age(age: str | None, width: Level) -> str | None:
    if age is None or width is None:
        return None
    if not isinstance(width, int):
        raise ValueError("age levels are band widths")
    if width == 0:
        return age
    years = _years(age)
    if years is None:
        return None
    top = top_code_years()
    return f"{top:03d}Y" if years >= top else f"{min(years // width * width, top):03d}Y"


def number(value: str | None) -> float | None:
    """A DS value as a number; ``None`` when absent, not a finite number, or not above 0
    (a size or weight of 0 says unknown)."""
    try:
        out = float((value or "").strip())
    except ValueError:
        return None
    return out if 0 < out < float("inf") else None


@cache
def _released_band(value: str | None, level: Level) -> str | None:
    """A size or weight at ``level``: as written (0), the lower edge of its band, or None."""
    if level is None or number(value) is None:
        return None
    if not isinstance(level, tuple):
        return (value or "").strip()
    amount = number(value) or 0.0
    edge = max((e for e in level if e <= amount), default=level[0])
    return f"{edge:g}"


def released(record: Record) -> dict[str, str | None]:
    """The values written for this record (``None``: removed or absent)."""
    if record.suppressed:
        return {name: None for name in ATTRIBUTES}
    return {name: _level_value(record, name, levels(name)[i]) or None for name, i in zip(ATTRIBUTES, record.node)}


def released_age(record: Record) -> str | None:
    """The PatientAge written for this record (``None``: removed)."""
    return released(record)["age"]


def _key(record: Record) -> tuple:
    values = released(record)
    return (*(values[name] or "" for name in ATTRIBUTES), record.site or "")


def _groups(records: Iterable[Record]) -> dict[tuple, set[str]]:
    groups: dict[tuple, set[str]] = defaultdict(set)
    for record in records:
        groups[_key(record)].add(record.patient)
    return groups


def risk(records: list[Record], k: int) -> dict:
    """Re-identification risk of the released values: group sizes against ``k``."""
    keys = [_key(r) for r in records]
    groups: dict[tuple, set[str]] = defaultdict(set)
    for key, record in zip(keys, records):
        groups[key].add(record.patient)
    below = [r for key, r in zip(keys, records) if len(groups[key]) < k]
    return {
        "records": len(records),
        "patients": len({r.patient for r in records}),
        "groups": len(groups),
        "smallest_group": min((len(p) for p in groups.values()), default=0),
        "records_below_k": len(below),
        "patients_below_k": len({r.patient for r in below}),
        "share_records_below_k": round(len(below) / len(records), 4) if records else 0.0,
        "satisfied": not below,
    }


def _loss(records: list[Record]) -> dict[str, float]:
    n = len(records) or 1
    out = {}
    for i, name in enumerate(ATTRIBUTES):
        top = len(levels(name)) - 1
        out[name] = round(sum(1.0 if r.suppressed else r.node[i] / top for r in records) / n, 4)
    out["suppression"] = round(sum(r.suppressed for r in records) / n, 4)
    out["total"] = round(sum(out[name] for name in ATTRIBUTES) / len(ATTRIBUTES), 4)
    return out


class _Columns:
    """The records as columns of integer codes: per attribute and level the code of every
    record's released value (computed once, so that each node of the lattice costs a few
    array passes; the empty value, removed or absent, has its own code per level)."""

    def __init__(self, records: list[Record]):
        import numpy as np

        self.n = len(records)
        self.patients = _codes([r.patient for r in records])[0]
        self.patient_radix = len(set(self.patients.tolist())) + 1
        self.sites = _codes([r.site or "" for r in records])[0]
        self.codes: dict[str, list[tuple[Any, int, int]]] = {
            name: [_codes([_level_value(r, name, level) for r in records]) for level in levels(name)]
            for name in ATTRIBUTES
        }
        self._np = np

    def group_sizes(self, node: tuple[int, ...], suppressed: Any = None) -> Any:
        """Per record, the distinct patients of its group under ``node``; the records at the
        indices ``suppressed`` keep only their site (every attribute empty)."""
        np = self._np
        key = self.sites
        for name, i in zip(ATTRIBUTES, node):
            codes, empty, radix = self.codes[name][i]
            if suppressed is not None and len(suppressed):
                codes = codes.copy()
                codes[suppressed] = empty
            key = np.unique(key * radix + codes, return_inverse=True)[1].reshape(-1)
        _, first = np.unique(key * self.patient_radix + self.patients, return_index=True)
        patients_per_key = np.bincount(key[first], minlength=int(key.max(initial=0)) + 1)
        return patients_per_key[key]


def _codes(values: list[str]) -> tuple[Any, int, int]:
    """Integer codes of ``values`` (in sorted order of the distinct values), the code of
    the empty value (one past the others when no value is empty) and one past the largest
    code (a record's codes combine into one key with it)."""
    import numpy as np

    distinct = sorted(set(values))
    index = {value: i for i, value in enumerate(distinct)}
    empty = index.get("", len(distinct))
    return np.fromiter((index[v] for v in values), dtype=np.int64, count=len(values)), empty, len(distinct) + 1


def _level_value(record: Record, name: str, level: Level) -> str:
    if name == "age":
        return _released_age(record.age, level) or ""
    if name in BANDED:
        return _released_band(getattr(record, name), level) or ""
    value = getattr(record, name)
    return (value or "") if level is not None else ""


def _try(columns: _Columns, node: tuple[int, ...], k: int, limit: int) -> tuple[bool, list[int]]:
    """Whether ``node``, with the records of its small groups suppressed (at most
    ``limit``), leaves every group with ``k`` patients; the suppressed record indices."""
    sizes = columns.group_sizes(node)
    small = (sizes < k).nonzero()[0]
    if len(small) > limit:
        return False, small.tolist()
    if not len(small):
        return True, []
    # a suppressed record keeps only its site
    return bool(columns.group_sizes(node, small).min() >= k), small.tolist()


def _node_loss(node: tuple[int, ...], suppressed: int, n: int) -> float:
    """The total loss of ``node`` with ``suppressed`` of ``n`` records suppressed."""
    share = suppressed / n if n else 0.0
    heights = [i / (len(levels(name)) - 1) for name, i in zip(ATTRIBUTES, node)]
    return sum(h * (1 - share) + share for h in heights) / len(ATTRIBUTES)


def _describe(node: tuple[int, ...]) -> dict[str, str]:
    return {name: _hierarchy()["labels"][name][i] for name, i in zip(ATTRIBUTES, node)}


def measure(records: list[Record], k: int) -> dict:
    """The k-anonymity summary of the tiers that keep every value (not enforced)."""
    _check_k(k)
    records.sort(key=lambda r: (r.patient, r.study))
    figures = risk(records, k)
    return {
        "k": k, "quasi_identifiers": list(QUASI_IDENTIFIERS), "unit": UNIT, "enforced": False,
        "before": figures, "after": figures, "generalization": _describe((0,) * len(ATTRIBUTES)),
        "suppressed_records": 0, "suppressed_patients": 0, "loss": _loss(records),
    }


def one_spelling(records: list[Record]) -> int:
    """Give the ethnic groups that differ only in case, accents or compatibility forms
    (``Asian``, ``ASIAN``, ``asian``: the one fold, :func:`curator.common.fold.fold`) one
    spelling, the one most records carry (ties: the smaller string), so that the public
    tier's groups are groups of the bytes it releases: a spelling of its own would single a
    record out of its group.  The tiers that only measure keep every value as written.
    The number of records whose value was respelled."""
    from curator.common.fold import fold

    spellings: dict[str, Counter[str]] = defaultdict(Counter)
    for record in records:
        if record.ethnic_group is not None:
            spellings[fold(record.ethnic_group)][record.ethnic_group] += 1
    chosen = {folded: min(counts, key=lambda s: (-counts[s], s)) for folded, counts in spellings.items()}
    changed = 0
    for record in records:
        if record.ethnic_group is not None:
            value = chosen[fold(record.ethnic_group)]
            changed += value != record.ethnic_group
            record.ethnic_group = value
    return changed


def merge_sites(sites: dict[str, set[str]], k: int) -> set[str] | None:
    """The sites to merge into one generalised site so that every site holds ``k`` patients,
    with the least loss: every site of fewer than ``k`` patients, then, while the merged
    group is still below ``k``, the remaining site with the fewest patients (ties: the
    smaller label), one at a time.  ``sites``: label -> its distinct patients.  An empty set
    when no site is small; ``None`` when even all sites together hold fewer than ``k``."""
    merged = {site for site, patients in sites.items() if len(patients) < k}
    if not merged:
        return set()
    members = set().union(*(sites[site] for site in merged))
    rest = sorted((len(patients), site) for site, patients in sites.items() if site not in merged)
    while len(members) < k and rest:
        _, site = rest.pop(0)
        merged.add(site)
        members |= sites[site]
    return merged if len(members) >= k else None


def merge_small_sites(records: list[Record], k: int) -> dict:
    """Apply :func:`merge_sites` to ``records`` (their ``site`` becomes
    :data:`GENERALISED_SITE`, the source label kept in ``extra['source_site']``); the
    counts of the report (never a label: a folder may be named after a person)."""
    sites: dict[str, set[str]] = defaultdict(set)
    for record in records:
        sites[record.site or ""].add(record.patient)
    merged = merge_sites(sites, k)
    if merged is None:
        return {"possible": False, "sites": len(sites), "sites_merged": 0, "patients_merged": 0, "records_merged": 0}
    label = GENERALISED_SITE
    moved = [r for r in records if (r.site or "") in merged]
    for record in moved:
        record.extra["source_site"] = record.site
        record.site = label
    return {"possible": True, "sites": len(sites), "sites_merged": len(merged),
            "patients_merged": len({r.patient for r in moved}), "records_merged": len(moved), "label": label}


def enforce(records: list[Record], k: int, max_suppression: float) -> dict:
    """Merge the sites of fewer than ``k`` patients (:func:`merge_sites`), then pick the
    lattice node (plus local suppression) of least loss that makes ``records`` k-anonymous,
    and apply it to them; the summary.  When even all sites together hold fewer than ``k``
    patients, nothing is merged, every attribute is removed and ``satisfied`` is false."""
    _check_k(k)
    records.sort(key=lambda r: (r.patient, r.study))
    before = risk(records, k)
    one_spelling(records)
    sites = merge_small_sites(records, k)
    limit = int(max_suppression * len(records) + 1e-9)
    best: tuple | None = None
    columns = _Columns(records)
    nodes = sorted(itertools.product(*(range(len(levels(name))) for name in ATTRIBUTES)),
                   key=lambda n: (_node_loss(n, 0, 1), n))
    evaluated = 0
    for node in nodes:
        if best is not None and round(_node_loss(node, 0, 1), 9) > best[0]:
            break  # its loss, at least this bound, cannot equal the best's: nor can any after it
        evaluated += 1
        ok, small = _try(columns, node, k, limit)
        if ok:
            rank = (round(_node_loss(node, len(small), len(records)), 9), len(small), node, small)
            best = rank if best is None or rank[:3] < best[:3] else best
    node, chosen = (best[2], set(best[3])) if best is not None else (nodes[-1], set())
    for i, record in enumerate(records):
        record.node, record.suppressed = node, i in chosen
    after = risk(records, k)
    suppressed = [r for r in records if r.suppressed]
    return {
        "k": k, "quasi_identifiers": list(QUASI_IDENTIFIERS), "unit": UNIT, "enforced": True,
        "max_suppression": max_suppression, "nodes": len(nodes), "nodes_evaluated": evaluated,
        "before": before, "after": after, "generalization": _describe(node), "site_generalization": sites,
        "suppressed_records": len(suppressed), "suppressed_patients": len({r.patient for r in suppressed}),
        "loss": _loss(records),
    }


def apply(records: list[Record], k: int, access: Access) -> dict:
    """Measure (non-public, restricted) or enforce (public) k-anonymity over ``records``."""
    summary = enforce(records, k, access.suppression) if access.enforced else measure(records, k)
    summary["access"] = access.tier
    return summary


def _check_k(k: int) -> None:
    if k < 1:
        raise ValueError("k must be at least 1")


def released_counts(records: Iterable[Record]) -> dict[str, int]:
    """Studies and written instances with each released attribute (the report's claims)."""
    out = {"studies": 0, "instances": 0}
    for name in ATTRIBUTES:
        out[f"studies_with_{name}"] = out[f"instances_with_{name}"] = 0
    for record in records:
        values = released(record)
        out["studies"] += 1
        out["instances"] += record.instances
        for name in ATTRIBUTES:
            if values[name] is not None:
                out[f"studies_with_{name}"] += 1
                out[f"instances_with_{name}"] += record.instances
    return out


def note(record: Record) -> str:
    """Text for DeidentificationMethod describing the generalization of this record; values
    of at most 64 characters (LO) separated by a backslash (the attribute is multi-valued)."""
    if record.suppressed:
        return "k-anonymity: " + ", ".join(name.replace("_", " ") for name in ATTRIBUTES) + " suppressed"
    parts, banded, removed = [], [], []
    for name, i in zip(ATTRIBUTES, record.node):
        level = levels(name)[i]
        if level is None:
            removed.append(name.replace("_", " "))
        elif isinstance(level, tuple):
            banded.append(name)
        elif level:
            parts.append(f"age {level}y band floor")
    if banded:
        parts.append(", ".join(banded) + " band floors")
    if removed:
        parts.append(", ".join(removed) + " removed")
    values: list[str] = []
    for part in parts:
        if values and len(values[-1]) + 2 + len(part) <= 64:
            values[-1] += "; " + part
        else:
            values.append(("k-anonymity: " + part)[:64])
    return "\\".join(values)


def sites_text(summary: dict) -> str:
    """``2 of 3 sites merged into 'other sites' (6 patients)``, or ``""`` when none was."""
    merged = summary.get("site_generalization") or {}
    if not merged.get("sites_merged"):
        return ""
    return (f"{merged['sites_merged']} of {merged['sites']} sites merged into '{merged['label']}' "
            f"({merged['patients_merged']} patients)")


def summary_line(summary: dict) -> str:
    """One line for the console and the catalogue: tier, k, the risk figures, the loss."""
    after = summary["after"]
    risk_text = (
        f"smallest group {after['smallest_group']}; {after['records_below_k']} records of "
        f"{after['patients_below_k']} patients in groups below k"
    )
    if not summary.get("enforced"):
        return f"access {summary['access']}: k-anonymity (k={summary['k']}) measured, not enforced: {risk_text}"
    loss = summary["loss"]
    losses = ", ".join(f"{name.replace('_', ' ')} {loss[name]:.2f}" for name in ATTRIBUTES)
    state = "reached" if after["satisfied"] else "NOT reached"
    kept = ", ".join(f"{name.replace('_', ' ')} {how}" for name, how in summary["generalization"].items())
    merged = sites_text(summary)
    if merged:
        kept += "; " + merged
    return (
        f"access public: k-anonymity (k={summary['k']}) {state}: {kept}; {summary['suppressed_records']} records "
        f"suppressed; loss {loss['total']:.2f} ({losses}); {risk_text}"
    )


def index_risk(indexed: "pa.Table", k: int) -> dict:
    """The k-anonymity risk figures of a source, from its index (the audit's section).

    One record per study (its patient resolved, :mod:`curator.analyses.patient_identity`); its age,
    sex, ethnic group, size and weight are those of its first instance (path order) that has one, the
    age in whole years top-coded (months below one year), the site its index label.
    """
    import pyarrow.compute as pc

    from curator.analyses.series_view import GroupView, present

    studies = GroupView(indexed, "study_key")
    firsts = studies.first_rows(["patient_key", "site"]) if len(studies) else []
    ages = studies.first_where(pc.is_valid(indexed["age_years"]), "age_years")
    sexes = studies.first_where(pc.fill_null(present(indexed["patient_sex"]), False), "patient_sex")
    ethnic = studies.first_where(pc.fill_null(present(indexed["ethnic_group"]), False), "ethnic_group")
    sizes, weights = ({study: f"{value:g}" for study, value in studies.first_where(pc.is_valid(indexed[column]), column).items()
                       if value is not None} for column in ("patient_size", "patient_weight"))
    records = [
        Record(row["patient_key"] or "", study, _as_age(ages.get(study)), sexes.get(study), ethnic.get(study), row["site"],
               size=sizes.get(study), weight=weights.get(study))
        for study, row in zip(studies.keys, firsts)
    ]
    out = measure(records, k)
    return {key: out[key] for key in ("k", "quasi_identifiers", "unit", "after")} | {"enforced": False}


def _as_age(years: float | None) -> str | None:
    if years is None or years != years or years < 0:
        return None
    top = top_code_years()
    if years >= top:
        return f"{top:03d}Y"
    return f"{int(years):03d}Y" if years >= 1 else f"{round(years * 12):03d}M"
