"""Lazy public names of a package: importing the package loads none of its modules.

Each subpackage's ``__init__`` maps its public names to the module that defines them and
takes its module-level ``__getattr__`` and ``__dir__`` from :func:`exports` (PEP 562).
"""
from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any


def exports(package: str, names: Mapping[str, str], namespace: dict[str, Any]) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``(__getattr__, __dir__)`` for ``package``, whose public ``names`` (name -> module of
    the package) are imported on first use; ``namespace`` is the package's ``globals()``."""

    def __getattr__(name: str) -> Any:
        if name in names:
            return getattr(importlib.import_module(f"{package}.{names[name]}"), name)
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    def __dir__() -> list[str]:
        return sorted(set(namespace) | set(names))

    return __getattr__, __dir__
