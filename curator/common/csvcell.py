"""CSV cells that spreadsheet software cannot run as formulas (CSV injection).

Every CSV file curator writes (``series.csv`` and ``batches.csv`` of a release, the
``--batches`` covariate table, the mappings review CSV) passes its text cells through
:func:`spreadsheet_safe`: as OWASP recommends, a cell starting with ``=``, ``+``, ``-``,
``@``, a tab or a carriage return gets a leading single quote, so that it is shown as
text.  Numbers are written as numbers and are not changed.
"""
from __future__ import annotations

from typing import Any

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: Any) -> Any:
    """``value`` with a leading ``'`` when it is text a spreadsheet would read as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def safe_frame(frame: Any) -> Any:
    """A copy of a pandas DataFrame with every text cell made :func:`spreadsheet_safe`."""
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object or str(out[column].dtype) in ("string", "str"):
            out[column] = out[column].map(spreadsheet_safe)
    return out
