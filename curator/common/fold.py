"""The one Unicode fold of the project.

``fold(text)``: case-folded, NFKD-decomposed, combining marks removed, and the letters of
``mappings/fold.yaml`` that NFKD leaves whole replaced (``ł``→``l``, ``ø``→``o``,
``æ``→``ae``, ``þ``→``th``, ``ß``→``ss``...), invisible format characters removed (zero-width
space and joiners, soft hyphen, bidirectional marks).  ``INSIDE_WORD``: a regular expression
of one character a word tokenizer must not break at (those invisible characters and every
mark: Unicode Mn, Mc, Me), so that ``Ko\u200bwalczyk`` and a decomposed ``Jo\u0301zef``
are one word for every matcher.  Identifier scrubbing (``curator.deid.scrub``),
free-text cleaning (``curator.deid.freetext``), description normalization
(``curator.normalize.lexicon``) and the leak check all match on this form, so that a
name written ``Łukasz`` in one field and ``Lukasz`` in another is one name everywhere.
"""
from __future__ import annotations

import re
import unicodedata
from functools import cache, lru_cache

from curator.resources import load_yaml, mappings_dir


@cache
def _data() -> dict:
    return load_yaml(mappings_dir() / "fold.yaml")


def _ranges(entries: list[str]) -> list[tuple[int, int]]:
    out = []
    for entry in entries:
        first, _, last = str(entry).partition("-")
        out.append((int(first, 16), int(last or first, 16)))
    return out


@cache
def _letters() -> dict[int, str | None]:
    data = _data()
    table: dict[int, str | None] = {ord(str(k)): str(v) for k, v in data["letters"].items()}
    for first, last in _ranges(data["invisible"]):
        table.update(dict.fromkeys(range(first, last + 1)))
    return table


def _class(ranges: list[tuple[int, int]]) -> str:
    return "[" + "".join(re.escape(chr(a)) + ("-" + re.escape(chr(b)) if b > a else "") for a, b in ranges) + "]"


def _inside_word() -> str:
    """The pattern of one character of :data:`INSIDE_WORD`: the ranges of the Basic
    Multilingual Plane as one class, the others behind a single range and a look-behind
    (a class holding characters past U+FFFF is searched range by range: twice the time of
    every word's reading on Latin text; this form costs the same as a small class)."""
    data = _data()
    ranges = _ranges(data["invisible"]) + _ranges(data["combining"])
    bmp = [(a, min(b, 0xFFFF)) for a, b in ranges if a <= 0xFFFF]
    astral = [(max(a, 0x10000), b) for a, b in ranges if b > 0xFFFF]
    if not astral:
        return _class(bmp)
    return f"(?:{_class(bmp)}|[\U00010000-\U0010ffff](?<={_class(astral)}))"


INSIDE_WORD = _inside_word()


@lru_cache(maxsize=1 << 17)
def fold(text: str) -> str:
    """Case- and accent-insensitive form of ``text`` used for all matching."""
    if text.isascii():
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return stripped.translate(_letters())


# A UTF-8 lead byte (C2-F4) read as Windows-1252 or Latin-1, followed by a continuation byte
# (80-BF) read the same way: "TÃ³rax" is "Tórax" whose UTF-8 bytes were decoded as Windows-1252.
_MOJIBAKE = re.compile("[\u00c2-\u00f4][\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e"
                       "\u0192\u02c6\u02dc\u2013\u2014\u2018-\u201e\u2020-\u2022\u2026\u2030\u2039\u203a\u20ac\u2122]")


def _byte(ch: str) -> bytes:
    """The byte a Windows-1252 (or, for its five undefined bytes, Latin-1) decoder read as ``ch``."""
    try:
        return ch.encode("cp1252")
    except UnicodeEncodeError:
        if ord(ch) < 0x100:
            return bytes([ord(ch)])
        raise


@lru_cache(maxsize=1 << 12)
def repair_mojibake(text: str) -> str:
    """``text`` whose UTF-8 bytes were decoded as Windows-1252/Latin-1 ("TÃ³rax", "CRÃ‚NIO"),
    decoded again as UTF-8; any other text unchanged.  Only a text that re-encodes to bytes and
    decodes as strict UTF-8 is repaired, so a correct "Tórax" or a Latin-1 "Ã" before a letter
    ("MÃO") is never changed."""
    if text.isascii() or not _MOJIBAKE.search(text):
        return text
    try:
        return b"".join(_byte(ch) for ch in text).decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return text
