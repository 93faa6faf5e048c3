"""Objects ``curator deid`` never releases, whatever the profile (``mappings/privacy/not-released.yaml``).

Encapsulated documents (PDF, CDA, 3D models) cannot be de-identified by a DICOM tool: the
profile's dummy would leave an object that claims to be a document and holds none.  They
are rejected in the header pass with a reason that quotes no value of the file.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from pydicom.dataset import Dataset

from curator.resources import keyword_tags, load_yaml, mappings_dir

RULES_FILE = "privacy/not-released.yaml"


@dataclass(frozen=True)
class Withheld:
    reason: str
    tags: frozenset[int]  # an instance holding any of these is not released
    sop_classes: dict[str, str]  # SOP Class UID -> its name in the reason


@cache
def rules() -> Withheld:
    data = load_yaml(mappings_dir() / RULES_FILE)
    return Withheld(str(data["reason"]), keyword_tags(data["attributes"], RULES_FILE),
                    {str(uid): str(name) for uid, name in data["sop_classes"].items()})


def withheld_reason(ds: Dataset) -> str | None:
    """Why ``ds`` (a header: values may be deferred) is not released, or None."""
    found = rules()
    sop_class = str(ds.get("SOPClassUID", "") or "").strip()
    if sop_class in found.sop_classes:
        return f"{found.reason} ({found.sop_classes[sop_class]})"
    if any(tag in ds for tag in found.tags):
        return found.reason
    return None
