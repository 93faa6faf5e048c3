"""Text shown on a terminal or in a text report: every character that would act instead of
being shown is written as an escape.

C0 and C1 controls (a line break forges a report or error line, ESC starts a terminal
sequence that clears the screen or sets the window title) and the bidirectional overrides
that disguise names become ``\\xNN`` or ``\\uNNNN``; bytes that are not UTF-8 (which Python
holds as lone surrogates in file names and arguments) become ``\\xNN``.  Found by the red
team (file names, round 3) and the hostile round 8 (names given on the command line and
header values in the text report).
"""
from __future__ import annotations

import re

_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def visible(text: str) -> str:
    """``text`` with its controls, bidirectional overrides and undecodable bytes escaped
    (the same text when it holds none)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        try:
            text = text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
        except UnicodeEncodeError:  # a surrogate that stands for no byte
            text = text.encode("utf-8", "backslashreplace").decode("utf-8")
    return _CONTROL.sub(_escape, text) if _CONTROL.search(text) else text
