"""The audit report as one self-contained HTML file (no network at view time)."""
from __future__ import annotations

import html
from collections.abc import Mapping
from typing import Any

from curator.report_text import render_text


def render_html(report: Mapping[str, Any]) -> str:
    body = html.escape(render_text(report))
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>curator audit</title>"
        "<style>body{font-family:system-ui,sans-serif;margin:2rem}pre{font-size:13px}</style></head>"
        f"<body><h1>curator audit</h1><pre>{body}</pre></body></html>\n"
    )
