"""The one Unicode fold of the project.

``fold(text)``: case-folded, NFKD-decomposed, combining marks removed, and the letters of
``mappings/fold.yaml`` that NFKD leaves whole replaced (``ł``→``l``, ``ø``→``o``,
``æ``→``ae``, ``þ``→``th``, ``ß``→``ss``...).  Identifier scrubbing (``curator.deid.scrub``),
free-text cleaning (``curator.deid.freetext``), description normalization
(``curator.normalize.lexicon``) and the leak check all match on this form, so that a
name written ``Łukasz`` in one field and ``Lukasz`` in another is one name everywhere.
"""
from __future__ import annotations

import unicodedata
from functools import cache, lru_cache

import yaml

from curator.resources import mappings_dir


@cache
def _letters() -> dict[int, str]:
    data = yaml.safe_load((mappings_dir() / "fold.yaml").read_text(encoding="utf-8"))
    return str.maketrans({str(k): str(v) for k, v in data["letters"].items()})


@lru_cache(maxsize=1 << 17)
def fold(text: str) -> str:
    """Case- and accent-insensitive form of ``text`` used for all matching."""
    if text.isascii():
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return stripped.translate(_letters())
