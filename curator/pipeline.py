"""The steps of the main jobs chained together (the CLI calls these)."""
from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from curator.audit import build_report
from curator.scan import scan_source


def audit_source(source: str | os.PathLike[str], weights: Mapping[str, float] | None = None, **scan_options: Any) -> dict[str, Any]:
    """Scan ``source`` (reusing its index) and return its audit report."""
    result = scan_source(source, **scan_options)
    return build_report(result.frame(), weights=weights)
