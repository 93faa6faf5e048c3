#!/usr/bin/env python3
"""Build the real SERIES-description set from the Imaging Data Commons index (issue 16, series level).

Source: the PyPI package ``idc-index-data`` (NCI Imaging Data Commons, the index of its public
DICOM collections: one row per series with the DICOM attributes Modality, BodyPartExamined,
SeriesDescription, StudyDescription, Manufacturer, the collection and the licence of each series;
``collections_index`` gives each collection's documented tumour location).  The package is MIT;
each series carries its collection's licence.  Only series under CC BY 3.0 or CC BY 4.0 are kept,
so the derived CSV can be shipped with attribution (``tests/data/descriptions_real_series_SOURCE.md``
lists the collections, their DOIs and licences).  ``idc-index-data`` is a benchmark extra only
(``pip install idc-index-data``), never a runtime dependency of curator::

    python scripts/build_real_series.py                 # writes tests/data/descriptions_real_series.csv
    python scripts/build_real_series.py OUT.csv

Labels are the source's, never curator's output (the tables below were written from the lists of
values, before curator was run on any of these names):

* modality: the series' DICOM Modality (CT, MR, PT, NM, US, MG, CR/DX, XA, RF);
* body region (``region_any``, a group as in the SIGTAP/CCAM/SMI sets): the series'
  BodyPartExamined (as IDC curates it) mapped by ``BODY_PART``; when the series has none, the
  collection's documented tumour location (``SITES``), only when the collection is consistent:
  at least 90% of its series that do carry a BodyPartExamined name a region of that location.
  BodyPartExamined is the label, so it is never given to curator as input.

Items: one row per (collection, modality, series description) with the union of its series'
regions (``idc-series``, the name read alone), and one per (collection, modality, study
description, series description) (``idc-series-in-study``, the name read with its study's
description, as curator reads a DICOM series).  At most ``PER_COLLECTION`` names per collection
and part (the most frequent), so the large screening collections do not outweigh the others.
The split is by collection (a hash of its id): about 35% of the collections are held out and
never used for tuning; the development part is.
"""
from __future__ import annotations

import csv
import hashlib
import re
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "tests" / "data" / "descriptions_real_series.csv"
SOURCE = ROOT / "tests" / "data" / "descriptions_real_series_SOURCE.md"
COLUMNS = ("id", "source", "institution", "lang", "level", "text", "modality", "body_region", "focus", "contrast",
           "laterality", "split", "region_any", "study_description", "collection", "manufacturer")
LICENCES = {"CC BY 3.0", "CC BY 4.0"}
HOLDOUT_PERCENT = 35
PER_COLLECTION = 40
CONSISTENT = 0.9
# Collections whose descriptions carry planted (fake) identifiers: IDC's Pseudo-PHI-DICOM-Data was made
# to test de-identification, with person names, a phone-like number and a date in its study and series
# descriptions.  They are replaced by neutral placeholders before the set is written (the ids and the
# labels do not change): the project ships no person name, real or fake.
PLANTED_IDENTIFIERS = {"pseudo_phi_dicom_data"}
REDACTIONS = ((re.compile(r"\bfor [A-Z][a-z]+ [A-Z][a-z]+\b"), "for [name removed]"),
              (re.compile(r"\b\d{7,}\b"), "[number removed]"),
              (re.compile(r"\b(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.?\s?\d{4}\b"), "[date removed]"))
MODALITY = {"CT": "RID10321", "MR": "RID10312", "PT": "RID10337", "NM": "RID10330", "US": "RID10326",
            "MG": "RID10357", "CR": "RID10345", "DX": "RID10345", "XA": "RID49584", "RF": "RID10361"}
HEAD, FACE, NECK, SPINE, SACRUM, COCCYX = "RID9080", "RID13284", "RID7488", "RID7741", "RID2509", "RID2524"
THORAX, MEDIASTINUM, BREAST, ABDOMEN, PELVIS = "RID1243", "RID1384", "RID28749", "RID56", "RID2507"
SHOULDER, UPPER, LOWER = "RID1852", "RID1850", "RID2638"
ORDER = (HEAD, FACE, NECK, SPINE, SACRUM, COCCYX, THORAX, MEDIASTINUM, BREAST, ABDOMEN, PELVIS, SHOULDER, UPPER, LOWER)
# Conventions of the other sets: chest = thorax, mediastinum and breast; the head holds the face;
# the spine its sacrum and coccyx; limbs with their girdles.
_HEAD, _HN, _CHEST, _SPINE = (HEAD, FACE), (HEAD, FACE, NECK), (THORAX, MEDIASTINUM, BREAST), (SPINE, SACRUM, COCCYX)
_AP, _UPPER, _LOWER = (ABDOMEN, PELVIS), (SHOULDER, UPPER), (PELVIS, LOWER)
BODY_PART = {  # IDC's curated BodyPartExamined -> RadLex regions (WHOLEBODY, PHANTOM, OTHER...: none)
    "HEAD": _HEAD, "BRAIN": (HEAD,), "SKULL": _HEAD, "IAC": _HEAD, "EAR": _HEAD, "OPTICCANAL": _HEAD,
    "HEADNECK": _HN, "NECK": (NECK,), "THYROID": (NECK,),
    "CSPINE": _SPINE, "TSPINE": _SPINE, "LSPINE": _SPINE, "SSPINE": _SPINE, "TLSPINE": _SPINE, "LSSPINE": _SPINE,
    "CTSPINE": _SPINE, "SPINE": _SPINE, "COCCYX": _SPINE,
    "CHEST": _CHEST, "THORAX": _CHEST, "LUNG": _CHEST, "BREAST": _CHEST, "LEFT BREAST": _CHEST, "RIGHT BREAST": _CHEST,
    "MEDIASTINUM": _CHEST, "HEART": (THORAX, MEDIASTINUM), "ESOPHAGUS": (NECK, THORAX, MEDIASTINUM, ABDOMEN),
    "NECKCHEST": (NECK,) + _CHEST, "CHESTABDOMEN": _CHEST + (ABDOMEN,), "CHESTABDPELVIS": _CHEST + _AP,
    "NECKCHESTABDOMEN": (NECK,) + _CHEST + (ABDOMEN,), "NECKCHESTABDPELV": (NECK,) + _CHEST + _AP,
    "ABDOMEN": (ABDOMEN,), "LIVER": (ABDOMEN,), "KIDNEY": (ABDOMEN,), "PANCREAS": (ABDOMEN,), "STOMACH": (ABDOMEN,),
    "ADRENAL": (ABDOMEN,), "AORTA": (THORAX, MEDIASTINUM, ABDOMEN), "ABDOMENPELVIS": _AP, "COLON": _AP,
    "PELVIS": (PELVIS,), "PROSTATE": (PELVIS,), "BLADDER": (PELVIS,), "OVARY": (PELVIS,), "UTERUS": (PELVIS,),
    "CERVIX": (PELVIS,), "RECTUM": (PELVIS,),
    "SHOULDER": _UPPER, "ELBOW": _UPPER, "HIP": _LOWER, "THIGH": _LOWER, "LEG": _LOWER, "CALF": _LOWER, "KNEE": _LOWER,
    "FEMUR": _LOWER, "ANKLE": _LOWER, "FOOT": _LOWER, "LOWERLIMB": _LOWER, "FEMORALA": _LOWER,
    "EXTREMITY": _UPPER + _LOWER,
}
SITES = {  # collections_index.tumor_locations, one location -> RadLex regions (various, bone, skin, blood...: none)
    "abdomen": (ABDOMEN,), "adrenal": (ABDOMEN,), "adrenal gland": (ABDOMEN,), "adrenal glands": (ABDOMEN,),
    "anus": (PELVIS,), "arm": _UPPER, "bile duct": (ABDOMEN,), "bladder": (PELVIS,), "bladder organ": (PELVIS,),
    "body of uterus": (PELVIS,), "brain": _HEAD, "breast": _CHEST, "buttock": _LOWER, "calf": _LOWER,
    "cervix": (PELVIS,), "chest": _CHEST, "chest-abdomen-pelvis": _CHEST + _AP, "colon": _AP, "elbow": _UPPER,
    "esophagus": (NECK, THORAX, MEDIASTINUM, ABDOMEN), "extremities": _UPPER + _LOWER, "gallbladder": (ABDOMEN,),
    "head": _HEAD, "head-neck": _HN, "intraocular": _HEAD, "kidney": (ABDOMEN,), "knee": _LOWER, "larynx": (NECK,),
    "leg": _LOWER, "lip": _HEAD, "liver": (ABDOMEN,), "lspine": _SPINE, "lung": _CHEST, "mediastinum": _CHEST,
    "mesothelium": _CHEST, "myometrium": (PELVIS,), "oral cavity": _HN, "ovary": (PELVIS,), "pancreas": (ABDOMEN,),
    "pelvis": (PELVIS,), "prostate": (PELVIS,), "prostate gland": (PELVIS,), "rectum": (PELVIS,),
    "retroperitoneum": (ABDOMEN,), "scapula": _UPPER, "shoulder": _UPPER, "small intestine": _AP,
    "stomach": (ABDOMEN,), "testicles": (PELVIS,), "thigh": _LOWER, "thymus": _CHEST, "thyroid": (NECK,),
    "thyroid gland": (NECK,), "tspine": _SPINE, "uterine cervix": (PELVIS,), "uterus": (PELVIS,), "vagina": (PELVIS,),
}
UNKNOWN_SITES = {"various", "bone", "bone element", "bone marrow", "marrow", "blood", "skin", "skin of body",
                 "lymph node", "genitourinary system", "peripheral nervous system", "whole body", "phantom",
                 "brain phantom", "liver phantom", "lung phantom"}


def split_of(collection: str) -> str:
    digest = hashlib.sha256(f"idc-collection:{collection}".encode()).digest()
    return "holdout" if int.from_bytes(digest[:4], "big") % 100 < HOLDOUT_PERCENT else "dev"


def _clean(text: object) -> str:
    return " ".join(str(text).split()) if isinstance(text, str) else ""


def redacted(text: str, collection: str) -> str:
    """``text`` with the planted identifiers of a ``PLANTED_IDENTIFIERS`` collection replaced."""
    if collection not in PLANTED_IDENTIFIERS:
        return text
    for pattern, placeholder in REDACTIONS:
        text = pattern.sub(placeholder, text)
    return text


def site_regions(tumor_locations: str) -> tuple[str, ...] | None:
    """The regions of a collection's documented location(s); None when any is not a body region."""
    regions: list[str] = []
    for token in (t.strip().lower() for t in (tumor_locations or "").split(",") if t.strip()):
        if token in UNKNOWN_SITES or token not in SITES:
            return None
        regions += SITES[token]
    return tuple(dict.fromkeys(regions)) or None


def read_index() -> tuple[list[dict], dict[str, dict]]:
    try:
        import idc_index_data  # type: ignore[import-not-found]
        import pyarrow.parquet as pq  # type: ignore[import-not-found]
    except ImportError:
        sys.exit("build_real_series: needs the benchmark extra: pip install idc-index-data pyarrow")
    base = Path(idc_index_data.IDC_INDEX_PARQUET_FILEPATH).parent
    columns = ["collection_id", "analysis_result_id", "Modality", "BodyPartExamined", "SeriesDescription",
               "StudyDescription", "Manufacturer", "license_short_name", "source_DOI"]
    series = pq.read_table(base / "idc_index.parquet", columns=columns).to_pylist()
    collections = {c["collection_id"]: c for c in pq.read_table(base / "collections_index.parquet").to_pylist()}
    return series, collections


def rows_from(series: list[dict], collections: dict[str, dict]) -> list[dict[str, str]]:
    kept = [s for s in series if s["analysis_result_id"] is None and s["Modality"] in MODALITY
            and s["license_short_name"] in LICENCES
            and (collections.get(s["collection_id"]) or {}).get("species") == "Human"]
    # a collection is consistent when >= 90% of its series with a known BodyPartExamined name a region of its site
    agree: dict[str, list[int]] = {}
    for s in kept:
        site = site_regions((collections[s["collection_id"]].get("tumor_locations") or ""))
        body = BODY_PART.get(_clean(s["BodyPartExamined"]).upper())
        if site and body:
            tally = agree.setdefault(s["collection_id"], [0, 0])
            tally[0] += bool(set(body) & set(site))
            tally[1] += 1
    names: dict[tuple[str, ...], set[str]] = {}
    counts: Counter[tuple[str, ...]] = Counter()
    vendors: dict[tuple[str, ...], Counter[str]] = {}
    for s in kept:
        collection, name = s["collection_id"], _clean(s["SeriesDescription"])
        if not name:
            continue
        body = BODY_PART.get(_clean(s["BodyPartExamined"]).upper())
        if body is None and not _clean(s["BodyPartExamined"]):
            site = site_regions(collections[collection].get("tumor_locations") or "")
            tally = agree.get(collection, [0, 0])
            body = site if site and tally[1] and tally[0] >= CONSISTENT * tally[1] else None
        if not body:
            continue
        study = _clean(s["StudyDescription"])
        for key in ((collection, s["Modality"], "", name),) + (((collection, s["Modality"], study, name),) if study else ()):
            names.setdefault(key, set()).update(body)
            counts[key] += 1
            vendors.setdefault(key, Counter())[_clean(s["Manufacturer"]).upper()] += 1
    chosen: dict[tuple[str, bool], list[tuple[str, ...]]] = {}
    for key in sorted(names, key=lambda k: (-counts[k], k)):
        part = chosen.setdefault((key[0], bool(key[2])), [])
        if len(part) < PER_COLLECTION:
            part.append(key)
    rows = []
    for n, key in enumerate(sorted(k for part in chosen.values() for k in part)):
        collection, modality, study, name = key
        vendor = sorted(vendors[key].items(), key=lambda kv: (-kv[1], kv[0]))[0][0]
        rows.append({"id": f"IDC{n:05d}", "source": "idc-series-in-study" if study else "idc-series",
                     "institution": f"IDC {collection}", "lang": "und", "level": "series", "text": redacted(name, collection),
                     "modality": MODALITY[modality], "body_region": "", "focus": "", "contrast": "", "laterality": "",
                     "split": split_of(collection), "region_any": "+".join(r for r in ORDER if r in names[key]),
                     "study_description": redacted(study, collection), "collection": collection, "manufacturer": vendor})
    return rows


def write_source(series: list[dict], collections: dict[str, dict], rows: list[dict[str, str]]) -> None:
    used = sorted({r["collection"] for r in rows})
    licences: dict[str, set[str]] = {}
    dois: dict[str, set[str]] = {}
    for s in series:
        if s["collection_id"] in used and s["analysis_result_id"] is None and s["license_short_name"] in LICENCES:
            licences.setdefault(s["collection_id"], set()).add(s["license_short_name"])
            dois.setdefault(s["collection_id"], set()).add(_clean(s["source_DOI"]))
    import idc_index_data  # type: ignore[import-not-found]
    version = getattr(idc_index_data, "__version__", "?")
    lines = ["# Real series descriptions: source and licence", "",
             f"`descriptions_real_series.csv` is derived from the NCI Imaging Data Commons index as the PyPI package "
             f"`idc-index-data` {version} ships it (MIT; the index of IDC's public collections; https://imaging.datacommons.cancer.gov).",
             "Only series whose collection licence is CC BY 3.0 or CC BY 4.0 are used; the CSV keeps series and study",
             "descriptions, the DICOM Modality and the region derived from BodyPartExamined or the collection's documented",
             "location (see `scripts/build_real_series.py`). Attribution: the collections below, their DOIs and licences,",
             "and Fedorov A. et al., \"National Cancer Institute Imaging Data Commons\", RadioGraphics 2023.", "",
             f"Built by `python scripts/build_real_series.py`: {len(rows)} rows, {len(used)} collections, "
             f"{sum(r['split'] == 'holdout' for r in rows)} rows held out (split by collection).", "",
             "Redacted: the collection pseudo_phi_dicom_data (IDC Pseudo-PHI-DICOM-Data, made to test",
             "de-identification) plants fake identifiers in its descriptions; its person names, a phone-like",
             "number and a date are replaced by `[name removed]`, `[number removed]` and `[date removed]`",
             "(`PLANTED_IDENTIFIERS`, `REDACTIONS`; 6 rows; ids and labels unchanged).", "",
             "| collection | split | rows | licence | DOI |", "| --- | --- | --- | --- | --- |"]
    per = Counter(r["collection"] for r in rows)
    for c in used:
        lines.append(f"| {c} | {split_of(c)} | {per[c]} | {', '.join(sorted(licences.get(c, ())))} | "
                     f"{', '.join(sorted(d for d in dois.get(c, ()) if d))} |")
    SOURCE.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main(argv: list[str]) -> int:
    if len(argv) > 1:
        print(__doc__, file=sys.stderr)
        return 2
    out = Path(argv[0]) if argv else OUT
    series, collections = read_index()
    rows = rows_from(series, collections)
    with out.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    if not argv:
        write_source(series, collections, rows)
    print(f"{out}: {len(rows)} rows ({sum(r['split'] == 'holdout' for r in rows)} held out), "
          f"{len({r['collection'] for r in rows})} collections")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
