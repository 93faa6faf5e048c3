"""RadLex codes for released DICOM, each in the attribute DICOM allows, with its VM.

Which code goes where is data (``mappings/descriptions/dicom-codes.yaml``, with the PS3.3
references): one Series Description Code Sequence item, one Procedure Code Sequence item,
the body region in Anatomic Region Sequence (only in the IODs whose modules hold it) and
R/L/B in Image Laterality.  Everything else stays in the release metadata.
"""
from __future__ import annotations

import copy
from collections.abc import Container, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from pydicom.dataset import Dataset
from pydicom.sequence import Sequence

from curator.normalize.mapfiles import load_mapping
from curator.resources import mappings_dir

SCHEME = "RADLEX"
RULES_FILE = "descriptions/dicom-codes.yaml"
TAG_ANATOMIC_REGION = 0x00082218
TAG_LATERALITY = 0x00200060
TAG_IMAGE_LATERALITY = 0x00200062


@dataclass(frozen=True)
class _Rules:
    series_description_code: tuple[str, ...]
    anatomic_region_sop_classes: frozenset[str]
    laterality_values: Mapping[str, str]
    laterality_sop_classes: frozenset[str]


@cache
def _rules() -> _Rules:
    data = load_mapping(mappings_dir() / RULES_FILE)
    return _Rules(
        tuple(data["series_description_code"]),
        frozenset(str(k) for k in data["anatomic_region_sop_classes"]),
        {str(k): str(v) for k, v in data["laterality_values"].items()},
        frozenset(str(k) for k in data["laterality_sop_classes"]),
    )


def _item(value: Mapping[str, Any]) -> Dataset:
    item = Dataset()
    item.CodeValue = str(value["code"])[:16]
    item.CodingSchemeDesignator = SCHEME
    item.CodeMeaning = str(value["label"])[:64]
    return item


def _radlex(value: Any) -> list[Mapping[str, Any]]:
    values = value if isinstance(value, list) else [value] if value else []
    return [v for v in values if v and v.get("scheme") == SCHEME]


@dataclass(frozen=True)
class SeriesCodes:
    """The coded elements of one series; :meth:`for_instance` gives those an instance
    of a given SOP class can hold (the de-identification engine and its fast path call it
    with the instance's SOP class and the tags it holds after cleaning)."""

    series_elements: tuple[tuple[str, Any], ...] = ()
    anatomic_region: Dataset | None = None
    laterality: str | None = None

    def for_instance(self, sop_class: str, present: Container[int]) -> dict[str, Any]:
        rules = _rules()
        out: dict[str, Any] = {keyword: Sequence([copy.deepcopy(item) for item in value]) for keyword, value in self.series_elements}
        if self.anatomic_region is not None and sop_class in rules.anatomic_region_sop_classes and TAG_ANATOMIC_REGION not in present:
            out["AnatomicRegionSequence"] = Sequence([copy.deepcopy(self.anatomic_region)])
        if (self.laterality is not None and sop_class in rules.laterality_sop_classes
                and TAG_LATERALITY not in present and TAG_IMAGE_LATERALITY not in present):
            out["ImageLaterality"] = self.laterality
        return out

    def __bool__(self) -> bool:
        return bool(self.series_elements) or self.anatomic_region is not None or self.laterality is not None


def series_codes(result: Mapping[str, Any]) -> SeriesCodes:
    """The coded elements of a ``normalize_series`` result (optionally with a
    ``"procedure"`` key holding the ``normalize_study`` value).  Only determined values
    are coded; nothing is invented for null attributes."""
    rules = _rules()
    elements: list[tuple[str, Any]] = []
    procedure = result.get("procedure")
    if procedure and procedure.get("scheme") == SCHEME:
        elements.append(("ProcedureCodeSequence", (_item(procedure),)))
    for attribute in rules.series_description_code:
        values = _radlex(result.get(attribute))
        if len(values) == 1:
            elements.append(("SeriesDescriptionCodeSequence", (_item(values[0]),)))
            break
    regions = _radlex(result.get("body_region"))
    region = _item(regions[0]) if len(regions) == 1 else None
    sides = [rules.laterality_values.get(v["code"]) for v in _radlex(result.get("laterality"))]
    laterality = sides[0] if len(sides) == 1 and sides[0] else None
    return SeriesCodes(tuple(elements), region, laterality)


def code_sequences(result: Mapping[str, Any]) -> dict[str, list[Dataset]]:
    """``{"ProcedureCodeSequence": [...], "SeriesDescriptionCodeSequence": [...]}``: the
    series-wide code sequences of :func:`series_codes` (at most one item each)."""
    codes = dict(series_codes(result).series_elements)
    return {keyword: list(codes.get(keyword, ())) for keyword in ("ProcedureCodeSequence", "SeriesDescriptionCodeSequence")}
