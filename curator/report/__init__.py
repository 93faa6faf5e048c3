"""Renderers of the audit report.

* :mod:`curator.report.render`: the one entry point: text or HTML;
* :mod:`curator.report.text`: the text report;
* :mod:`curator.report.html`: the HTML report;
* :mod:`curator.report.charts`: the SVG charts of the HTML report.

The names below are imported lazily (importing the package loads none of its modules).
"""
from __future__ import annotations

import importlib
from typing import Any

# public name -> the module of this package that defines it
_EXPORTS = {
    "render": "render",
    "render_html": "html",
    "render_text": "text",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(f"{__name__}.{_EXPORTS[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
