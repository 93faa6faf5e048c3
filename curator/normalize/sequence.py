"""MR weighting from the sequence header: the ``header_rules`` of ``weighting.yaml``.

Each rule is a set of conditions on ScanningSequence, SequenceVariant, SequenceName,
RepetitionTime, EchoTime, InversionTime (ms), FlipAngle (degrees) and EchoTrainLength and the weighting it
gives (``None``: a grey zone, no weighting).  The first rule whose conditions all hold
decides; no rule holding means no weighting either.  Rules other than a SequenceName pattern
need ScanningSequence, RepetitionTime and EchoTime (without them the header says nothing).
"""
from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

_RANGES = ("tr", "te", "ti", "flip", "etl")
_KEYS = frozenset({"sequence_name", "has", "lacks", "variant", "inversion", "code", *_RANGES})


class SequenceRuleError(ValueError):
    """A header rule of weighting.yaml that cannot be used (raised when the lexicon is compiled)."""


@dataclass(frozen=True)
class SequenceRule:
    code: str | None
    sequence_name: re.Pattern[str] | None = None
    has: frozenset[str] = frozenset()
    lacks: frozenset[str] = frozenset()
    variant: frozenset[str] = frozenset()
    inversion: bool = False
    ranges: tuple[tuple[str, float | None, float | None], ...] = ()


@dataclass(frozen=True)
class SequenceHeader:
    """The sequence attributes of one series, parsed once."""

    name: str
    sequence: frozenset[str]
    variant: frozenset[str]
    values: Mapping[str, float | None]

    @property
    def inverted(self) -> bool:
        ti = self.values.get("ti")
        return "IR" in self.sequence or bool(ti and ti > 0)


def _range(rule: Mapping[str, Any], key: str, where: str) -> tuple[str, float | None, float | None]:
    pair = rule[key]
    if not isinstance(pair, list) or len(pair) != 2 or not all(v is None or isinstance(v, (int, float)) for v in pair):
        raise SequenceRuleError(f"{where}: {key} must be [min, max] (numbers or null)")
    low, high = pair
    return key, None if low is None else float(low), None if high is None else float(high)


def load_rules(items: Sequence[Mapping[str, Any]], known_codes: set[str] | Mapping[str, Any]) -> tuple[SequenceRule, ...]:
    """The rules of ``weighting.yaml`` ``header_rules``, checked (unknown keys, codes, ranges)."""
    out = []
    for number, rule in enumerate(items or [], start=1):
        where = f"weighting.yaml header_rules #{number}"
        if not isinstance(rule, Mapping) or "code" not in rule:
            raise SequenceRuleError(f"{where}: each rule is a mapping with a code (null for no weighting)")
        unknown = set(rule) - _KEYS
        if unknown:
            raise SequenceRuleError(f"{where}: unknown condition(s) {', '.join(sorted(unknown))}")
        code = rule["code"]
        if code is not None and code not in known_codes:
            raise SequenceRuleError(f"{where}: {code} is not a weighting concept")

        def upper(key: str, rule: Mapping[str, Any] = rule) -> frozenset[str]:
            return frozenset(str(v).upper() for v in rule.get(key) or ())

        out.append(SequenceRule(
            code=code,
            sequence_name=re.compile(rule["sequence_name"], re.I) if rule.get("sequence_name") else None,
            has=upper("has"), lacks=upper("lacks"), variant=upper("variant"), inversion=bool(rule.get("inversion")),
            ranges=tuple(_range(rule, key, where) for key in _RANGES if key in rule),
        ))
    return tuple(out)


def _words(value: Any) -> frozenset[str]:
    """ScanningSequence / SequenceVariant values ("GR\\IR", ["SE", "IR"], "GR_IR" as some
    converters write it)."""
    if value is None:
        return frozenset()
    items = value if isinstance(value, (list, tuple)) else [value]
    return frozenset(w for item in items for w in re.split(r"[\\_\s]+", str(item).upper()) if w)


def _number(value: Any) -> float | None:
    if isinstance(value, (list, tuple)):
        value = value[0] if value else None
    try:
        out = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(out) or math.isinf(out) else out


def read_header(ev: Mapping[str, Any]) -> SequenceHeader:
    name = ev.get("SequenceName")
    return SequenceHeader(
        name="" if name is None else str(name),
        sequence=_words(ev.get("ScanningSequence")),
        variant=_words(ev.get("SequenceVariant")),
        values={"tr": _number(ev.get("RepetitionTime")), "te": _number(ev.get("EchoTime")),
                "ti": _number(ev.get("InversionTime")), "flip": _number(ev.get("FlipAngle")),
                "etl": _number(ev.get("EchoTrainLength"))},
    )


def _holds(rule: SequenceRule, head: SequenceHeader) -> bool:
    if rule.sequence_name is not None:
        return bool(head.name and rule.sequence_name.search(head.name))
    if not head.sequence or head.values["tr"] is None or head.values["te"] is None:
        return False
    if not rule.has <= head.sequence or rule.lacks & head.sequence or not rule.variant <= head.variant:
        return False
    if rule.inversion and not head.inverted:
        return False
    for key, low, high in rule.ranges:
        value = head.values.get(key)
        if value is None or (low is not None and value < low) or (high is not None and value > high):
            return False
    return True


def weighting_from_header(ev: Mapping[str, Any], rules: Sequence[SequenceRule]) -> str | None:
    """The weighting the first holding rule gives (None: no rule holds, or a grey zone)."""
    head = read_header(ev)
    for rule in rules:
        if _holds(rule, head):
            return rule.code
    return None
