"""Layered de-identification (``curator deid``); see ``docs/deid.md``.

* :mod:`curator.deid.table` — DICOM PS3.15 Table E.1-1 and the TCIA private tag knowledge base as data;
* :mod:`curator.deid.profile` — profiles (Basic Profile + options + overrides) and deid recipes;
* :mod:`curator.deid.engine` — per-dataset transform (pydicom);
* :mod:`curator.deid.fastpath` — the same transform on the bytes of Explicit VR Little Endian files;
* :mod:`curator.deid.pseudonyms` — the key, HMAC pseudonyms, new UIDs, date offsets;
* :mod:`curator.deid.kanon` — k-anonymity over age, sex, ethnic group and site;
* :mod:`curator.deid.pixels` — burned-in text risk and OCR redaction;
* :mod:`curator.deid.run` — a whole source into a pseudonymous tree, with the report
  (:func:`curator.deid.run.deidentify`);
* :mod:`curator.deid.textdetect`, :mod:`curator.deid.pixel_screen` — text regions in pixels; the
  audit's parallel pixel screen;
* :mod:`curator.deid.scrub` — identifier values of a dataset and their removal from free text;
* :mod:`curator.deid.freetext` — free text cleaned by allowlist;
* :mod:`curator.deid.charset` — a dataset whose character set does not decode its text, written in UTF-8;
* :mod:`curator.deid.leakcheck` — keyed digests of source identifiers and the fail-closed
  search for them in a release.

Every module that writes text anywhere passes it through :mod:`curator.deid.freetext` or
:mod:`curator.deid.scrub`.  The names below are imported lazily (importing the package loads
none of its modules).
"""
from __future__ import annotations

from curator.common.lazy import exports

# public name -> the module of this package that defines it
_EXPORTS = {
    "Access": "kanon",
    "access_of": "kanon",
    "apply_recipe": "profile",
    "CHANGED": "run",
    "check_key": "pseudonyms",
    "check_release": "leakcheck",
    "clean": "freetext",
    "clean_text": "engine",
    "collect_value": "scrub",
    "deidentify": "run",
    "derive_age": "engine",
    "digest": "leakcheck",
    "Engine": "engine",
    "FastEngine": "fastpath",
    "fold": "scrub",
    "identifier_values": "scrub",
    "index_risk": "kanon",
    "is_safe": "freetext",
    "JOURNAL_NAME": "run",
    "key_fingerprint": "leakcheck",
    "KEY_PREFIX": "pseudonyms",
    "leak_record": "leakcheck",
    "load_profile": "profile",
    "LOCK_NAME": "run",
    "patient_key_of": "engine",
    "PatientContext": "engine",
    "PixelProblem": "fastpath",
    "private_text_safe": "engine",
    "Pseudonymizer": "pseudonyms",
    "read_key": "pseudonyms",
    "REPORT_NAME": "run",
    "screen_source": "pixel_screen",
    "scrub_patterns": "scrub",
    "scrub_text": "scrub",
    "shift_date": "pseudonyms",
    "shift_datetime": "pseudonyms",
    "SUBSTRING_MIN": "leakcheck",
    "summary_line": "kanon",
    "top_code": "engine",
    "top_code_years": "kanon",
    "UID_LIKE": "scrub",
    "Unsupported": "fastpath",
    "VANISHED": "run",
    "new_key_text": "pseudonyms",
    "write_key": "pseudonyms",
}

__all__ = sorted(_EXPORTS)

__getattr__, __dir__ = exports(__name__, _EXPORTS, globals())
