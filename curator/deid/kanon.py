"""k-anonymity over the kept quasi-identifiers (age, sex, ethnic group, site).

A *record* is one study of one patient (a patient's age differs between studies); a group
is the set of records with the same released quasi-identifiers, and its size is the number
of distinct patients in it.  Groups smaller than ``k`` are generalized by local recoding,
only for the records of those groups and one step at a time:

1. age → 5-year band, then 10-year band, then 20-year band, then age removed;
2. then the rarest attribute value of the record (ethnic group or sex, whichever value is
   least frequent over the whole output) is suppressed, then the other.

A generalized age is written as the lower bound of its band (``040Y`` for 40–44 in
5-year bands) and the DeidentificationMethod says which band width applies.  Site is
never altered (it is not written by de-identification); groups that are still smaller
than ``k`` after every step are counted as residual in the report.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

AGE_LEVELS = (0, 5, 10, 20, None)  # 0: exact, n: band width in years, None: removed
SUPPRESSIBLE = ("ethnic_group", "sex")
QUASI_IDENTIFIERS = ("age", "sex", "ethnic_group", "site")


@dataclass
class Record:
    patient: str
    study: str
    age: str | None  # AS value after top-coding
    sex: str | None
    ethnic_group: str | None
    site: str | None
    age_level: int = 0
    suppressed: set[str] = field(default_factory=set)


def _age_value(age: str | None) -> int | None:
    from curator.deid.engine import age_years

    years = age_years(age or "")
    return None if years is None else int(years)


def released_age(record: Record) -> str | None:
    """The PatientAge written for this record (``None``: removed)."""
    width = AGE_LEVELS[record.age_level]
    if record.age is None:
        return None
    if width == 0:
        return record.age
    if width is None:
        return None
    years = _age_value(record.age)
    if years is None:
        return None
    return f"{years // width * width:03d}Y"


def _released(record: Record) -> tuple:
    return (
        (AGE_LEVELS[record.age_level], released_age(record)),
        None if "sex" in record.suppressed else (record.sex or ""),
        None if "ethnic_group" in record.suppressed else (record.ethnic_group or ""),
        record.site or "",
    )


def _groups(records: list[Record]) -> dict[tuple, set[str]]:
    groups: dict[tuple, set[str]] = defaultdict(set)
    for record in records:
        groups[_released(record)].add(record.patient)
    return groups


def anonymize(records: list[Record], k: int) -> dict:
    """Generalize ``records`` in place until every group has ``k`` patients; a summary."""
    if k < 1:
        raise ValueError("k must be at least 1")
    records.sort(key=lambda r: (r.patient, r.study))
    before = _groups(records)
    steps: Counter = Counter()
    frequency = {
        attr: Counter(getattr(r, attr) or "" for r in records) for attr in SUPPRESSIBLE
    }
    while True:
        groups = _groups(records)
        small = [r for r in records if len(groups[_released(r)]) < k]
        if not small:
            break
        progressed = False
        for record in small:
            if record.age is not None and record.age_level < len(AGE_LEVELS) - 1:
                record.age_level += 1
                steps[_step_name(record.age_level)] += 1
                progressed = True
        if progressed:
            continue
        for record in small:
            left = [a for a in SUPPRESSIBLE if a not in record.suppressed]
            if not left:
                continue
            rarest = min(left, key=lambda a: (frequency[a][getattr(record, a) or ""], SUPPRESSIBLE.index(a)))
            record.suppressed.add(rarest)
            steps[f"suppress {rarest}"] += 1
            progressed = True
        if not progressed:
            break
    after = _groups(records)
    residual = [r for r in records if len(after[_released(r)]) < k]
    return {
        "k": k,
        "quasi_identifiers": list(QUASI_IDENTIFIERS),
        "unit": "study of a patient; group size counts distinct patients",
        "records": len(records),
        "patients": len({r.patient for r in records}),
        "groups_before": len(before),
        "smallest_group_before": min((len(p) for p in before.values()), default=0),
        "records_in_small_groups_before": sum(1 for r in records if _size_before(before, r) < k),
        "groups_after": len(after),
        "smallest_group_after": min((len(p) for p in after.values()), default=0),
        "satisfied": not residual,
        "residual_records": len(residual),
        "residual_patients": len({r.patient for r in residual}),
        "steps": [{"step": name, "records": steps[name]} for name in sorted(steps, key=_step_order)],
    }


def _size_before(before: dict[tuple, set[str]], record: Record) -> int:
    key = (
        (0, record.age),
        record.sex or "",
        record.ethnic_group or "",
        record.site or "",
    )
    return len(before.get(key, ()))


def _step_name(level: int) -> str:
    width = AGE_LEVELS[level]
    return "remove age" if width is None else f"age band {width} years"


def _step_order(name: str) -> tuple:
    order = [_step_name(i) for i in range(1, len(AGE_LEVELS))] + [f"suppress {a}" for a in SUPPRESSIBLE]
    return (order.index(name) if name in order else len(order), name)


def note(record: Record) -> str:
    """Text for DeidentificationMethod describing the generalization of this record."""
    parts = []
    width = AGE_LEVELS[record.age_level]
    if record.age is not None and width:
        parts.append(f"age {width}y band floor")
    elif record.age is not None and width is None:
        parts.append("age removed")
    short = {"ethnic_group": "ethnic group", "sex": "sex"}
    if record.suppressed:
        parts.append(" and ".join(short[a] for a in sorted(record.suppressed)) + " suppressed")
    return ("k-anonymity: " + "; ".join(parts))[:63] if parts else ""
