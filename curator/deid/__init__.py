"""Layered de-identification (``curator deid``); see ``docs/deid.md``.

* :mod:`curator.deid.table` — DICOM PS3.15 Table E.1-1 and the TCIA private tag knowledge base as data;
* :mod:`curator.deid.profile` — profiles (Basic Profile + options + overrides) and deid recipes;
* :mod:`curator.deid.engine` — per-dataset transform (pydicom);
* :mod:`curator.deid.fastpath` — the same transform on the bytes of Explicit VR Little Endian files;
* :mod:`curator.deid.pseudonyms` — the key, HMAC pseudonyms, new UIDs, date offsets;
* :mod:`curator.deid.kanon` — k-anonymity over age, sex, ethnic group and site;
* :mod:`curator.deid.pixels` — burned-in text risk and OCR redaction;
* :mod:`curator.deid.run` — a whole source into a pseudonymous tree, with the report
  (:func:`curator.deid.run.deidentify`).
"""
