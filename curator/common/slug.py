"""The one slug: a name made of safe characters, for file names, identifiers and IRIs.

A slug only keeps characters of its input, so it holds no more than the text it is made
from: callers pass text that is already free of identifiers (a release title from the
user's configuration, an opaque key, a column name, or data text scrubbed upstream).
"""
from __future__ import annotations

import re

_NAME = re.compile(r"[^A-Za-z0-9._-]+")
_WORDS = re.compile(r"[^a-z0-9]+")


def slug(text: object, fallback: str = "x", *, lower: bool = False, max_length: int | None = None) -> str:
    """``text`` with every run of other characters than ASCII letters, digits, ``.``,
    ``_`` and ``-`` replaced by one ``-`` (an IRI path segment or file name), no leading or
    trailing ``-``; ``fallback`` when nothing is left.

    ``lower``: lower-case letters and digits only, joined by ``-`` (a release id);
    ``max_length``: cut to that many characters (then no trailing ``-``).
    """
    value = str(text)
    out = _WORDS.sub("-", value.lower()) if lower else _NAME.sub("-", value)
    out = out.strip("-")
    if max_length is not None:
        out = out[:max_length].strip("-")
    return out or fallback


__all__ = ["slug"]
