"""JSON that is valid JSON: non-finite numbers (NaN, ±Infinity) never reach a file.

Every JSON file curator writes is serialised with ``allow_nan=False``; values computed
from headers (acquisition parameters, report statistics) go through :func:`finite` first,
which turns a non-finite number into ``null``.
"""
from __future__ import annotations

import math
from typing import Any


def finite(value: Any) -> Any:
    """``value`` with every non-finite float (numpy's included) replaced by ``None``."""
    if isinstance(value, dict):
        return {k: finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [finite(v) for v in value]
    if isinstance(value, float) or (hasattr(value, "dtype") and getattr(value, "ndim", 1) == 0 and value.dtype.kind == "f"):
        return None if not math.isfinite(float(value)) else value
    return value
