"""Renderers of the audit report.

* :mod:`curator.report.render`: the one entry point: text or HTML;
* :mod:`curator.report.text`: the text report;
* :mod:`curator.report.html`: the HTML report;
* :mod:`curator.report.charts`: the SVG charts of the HTML report.

The names below are imported lazily (importing the package loads none of its modules).
"""
from __future__ import annotations

from curator.common.lazy import exports

# public name -> the module of this package that defines it
_EXPORTS = {
    "render": "render",
    "render_html": "html",
    "render_text": "text",
}

__all__ = sorted(_EXPORTS)

__getattr__, __dir__ = exports(__name__, _EXPORTS, globals())
