"""Generators of test, example and benchmark data (never used by a command; highdicom, a
test-only dependency, is imported lazily).

* :mod:`curator.testing.synthetic`: deterministic synthetic DICOM;
* :mod:`curator.testing.synthetic_text`: images with burned-in text and ground-truth boxes;
* :mod:`curator.testing.planted`: archives with planted identifiers and the search of every output for them.

The names below are imported lazily (importing the package loads none of its modules).
"""
from __future__ import annotations

from curator.common.lazy import exports

# public name -> the module of this package that defines it
_EXPORTS = {
    "cases": "synthetic_text",
    "ct_series": "synthetic",
    "default_study": "synthetic",
    "leaks": "planted",
    "make_case": "synthetic_text",
    "OPERATOR_CODES": "planted",
    "PEOPLE": "planted",
    "planted_texts": "planted",
    "PLANTED_VALUES": "synthetic",
    "plants": "planted",
    "rtstruct": "synthetic",
    "SAFE_TEXTS": "planted",
    "SITES": "synthetic",
    "sr_document": "synthetic",
    "STAFF": "planted",
    "Study": "synthetic",
    "synthetic_patient": "synthetic",
    "write_archive": "planted",
    "write_ct_series": "synthetic",
    "write_tier_archive": "synthetic",
}

__all__ = sorted(_EXPORTS)

__getattr__, __dir__ = exports(__name__, _EXPORTS, globals())
