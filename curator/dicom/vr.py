"""The one table of DICOM value representations (PS3.5 6.2) the byte readers and the
de-identification need.

Every module that reads or writes element bytes takes its VR sets from here: which VRs
have a 4-byte length in explicit VR (PS3.5 7.1.2), which hold character text, which a
single value, the size of the binary numbers.  Both ``str`` and ``bytes`` forms are given,
as the byte readers compare the two VR bytes of an element header directly.  The sets
PS3.5 defines come from pydicom's public tables (``pydicom.valuerep``); the others are
curator's groupings of them.
"""
from __future__ import annotations

import re

from pydicom.valuerep import BYTES_VR, EXPLICIT_VR_LENGTH_32, STR_VR, VR

# Every VR of PS3.5 Table 6.2-1 (pydicom's public VR enumeration, without the
# "US or SS" style choices of its dictionary).
VRS = frozenset(str(vr.value) for vr in VR if " or " not in vr.value)
VR_BYTES = frozenset(vr.encode("ascii") for vr in VRS)

# Explicit VR: these have two reserved bytes and a 4-byte length (PS3.5 Table 7.1-1);
# every other VR a 2-byte length.
LONG_LENGTH_VRS = frozenset(str(vr.value) for vr in EXPLICIT_VR_LENGTH_32)
LONG_LENGTH_VR_BYTES = frozenset(vr.encode("ascii") for vr in LONG_LENGTH_VRS)

# Binary values: bytes (O*, UN) and binary numbers (with their size in bytes).
BYTES_VRS = frozenset(str(vr.value) for vr in BYTES_VR)
NUMBER_SIZES = {"US": 2, "SS": 2, "UL": 4, "SL": 4, "FL": 4, "FD": 8, "SV": 8, "UV": 8}
NUMBER_VRS = frozenset(NUMBER_SIZES) | {"AT"}

# Character text a person may have typed (the specific character set applies; cleaned
# of identifiers by the de-identification).
TEXT_VRS = frozenset({"LO", "SH", "ST", "LT", "UT", "UC"})
# Every VR whose value is a character string.
STRING_VRS = frozenset(str(vr.value) for vr in STR_VR)
# String VRs whose raw bytes can be read as text without pydicom's conversion (no
# person-name component groups).
PLAIN_TEXT_VRS = STRING_VRS - {"PN"}
# String VRs that hold one value: a backslash is part of the text (PS3.5 6.4).
SINGLE_VALUE_VRS = frozenset({"LT", "ST", "UT", "UR"})
# String VRs whose leading spaces are significant (PS3.5 6.2: only trailing ones are padding).
LEADING_SPACE_VRS = frozenset({"LO", "SH", "UC", "PN"})


# The character repertoire and length of one value of the VRs whose values are not free
# text (PS3.5 Table 6.2-1): codes, numbers, ages, times and AE titles.
_VALUE_GRAMMAR = {
    "CS": re.compile(r"[A-Z0-9 _]{0,16}"),
    "IS": re.compile(r" *[+-]?[0-9]{0,12} *"),
    "DS": re.compile(r" *[+-]?[0-9.]*(?:[eE][+-]?[0-9]+)? *"),
    "AS": re.compile(r"(?:[0-9]{3}[DWMY])?"),
    "TM": re.compile(r"[0-9]{0,6}(?:\.[0-9]{0,6})? *"),
    "AE": re.compile(r"[\x20-\x5b\x5d-\x7e]{0,16}"),
}


def value_conforms(vr: str, values: list[str]) -> bool:
    """True when every value keeps to the repertoire and length PS3.5 gives its VR (only
    checked for codes, numbers, ages, times and AE titles; every other VR conforms).  A
    private element the TCIA knowledge base calls a code but that holds "Smith, John 4711"
    does not."""
    grammar = _VALUE_GRAMMAR.get(vr)
    return grammar is None or all(grammar.fullmatch(value) for value in values)


def is_vr_bytes(vr: bytes) -> bool:
    """True when two bytes of an element header look like a VR (two upper-case letters)."""
    return len(vr) == 2 and 65 <= vr[0] <= 90 and 65 <= vr[1] <= 90


def padding(vr: str) -> bytes:
    """The byte that pads a value of ``vr`` to even length (PS3.5 6.2)."""
    return b"\0" if vr in ("UI", "OB", "UN") else b" "


__all__ = [
    "BYTES_VRS", "LEADING_SPACE_VRS", "LONG_LENGTH_VRS", "LONG_LENGTH_VR_BYTES", "NUMBER_SIZES",
    "NUMBER_VRS", "PLAIN_TEXT_VRS", "SINGLE_VALUE_VRS", "STRING_VRS", "TEXT_VRS", "VRS",
    "VR_BYTES", "is_vr_bytes", "padding", "value_conforms",
]
