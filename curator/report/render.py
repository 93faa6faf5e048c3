"""Render an audit report as text, JSON or HTML."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from curator.analyses.audit import to_json


def render(report: Mapping[str, Any], fmt: str) -> str:
    if fmt == "json":
        return to_json(report)
    if fmt == "html":
        from curator.report.html import render_html

        return render_html(report)
    from curator.report.text import render_text

    return render_text(report)
