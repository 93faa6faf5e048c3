"""Code sequences for released DICOM: Procedure Code Sequence and Series Description Code
Sequence items with coding scheme RADLEX (used by the publish writer)."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydicom.dataset import Dataset

from curator.normalize.lexicon import ATTRIBUTES

SCHEME = "RADLEX"


def _item(value: Mapping[str, Any]) -> Dataset:
    item = Dataset()
    item.CodeValue = str(value["code"])[:16]
    item.CodingSchemeDesignator = SCHEME
    item.CodeMeaning = str(value["label"])[:64]
    return item


def code_sequences(result: Mapping[str, Any]) -> dict[str, list[Dataset]]:
    """``{"ProcedureCodeSequence": [...], "SeriesDescriptionCodeSequence": [...]}``.

    ``result`` is a ``normalize_series`` result, optionally with a ``"procedure"`` key holding
    the ``normalize_study`` value.  Only determined values are coded (attribute order:
    modality, body regions, contrast, weighting, plane, laterality); nothing is invented for
    null attributes.  Each item has CodeValue, CodingSchemeDesignator "RADLEX", CodeMeaning."""
    series_items: list[Dataset] = []
    seen: set[str] = set()
    for attribute in ATTRIBUTES:
        value = result.get(attribute)
        for v in (value if isinstance(value, list) else [value] if value else []):
            if v and v.get("scheme") == SCHEME and v["code"] not in seen:
                seen.add(v["code"])
                series_items.append(_item(v))
    procedure = result.get("procedure")
    proc_items = [_item(procedure)] if procedure and procedure.get("scheme") == SCHEME else []
    return {"ProcedureCodeSequence": proc_items, "SeriesDescriptionCodeSequence": series_items}
