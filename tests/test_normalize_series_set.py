"""The real series-description set (tests/data/descriptions_real_series.csv, built by
scripts/build_real_series.py from the Imaging Data Commons index): its labels are the source's
(BodyPartExamined, else a consistent collection's documented location), only CC BY series are
kept, and the split is by collection."""
from __future__ import annotations

import csv
import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"


def _build():
    spec = importlib.util.spec_from_file_location("build_real_series", ROOT / "scripts" / "build_real_series.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _series(collection, description, body_part, study="", modality="CT", licence="CC BY 4.0", derived=None):
    return {"collection_id": collection, "analysis_result_id": derived, "Modality": modality, "BodyPartExamined": body_part,
            "SeriesDescription": description, "StudyDescription": study, "Manufacturer": "SIEMENS",
            "license_short_name": licence, "source_DOI": "10.0/x"}


def test_labels_come_from_body_part_examined_or_a_consistent_collection():
    build = _build()
    collections = {"lungs": {"tumor_locations": "Lung", "species": "Human"},
                   "mixed": {"tumor_locations": "Lung", "species": "Human"},
                   "mice": {"tumor_locations": "Lung", "species": "Mouse"}}
    series = [_series("lungs", "CT LUNG 3.0 B70f", "CHEST", "CT CHEST"),
              _series("lungs", "Ax T2", "", "", modality="MR"),               # no BodyPartExamined: the collection's site
              _series("mixed", "ABD 5mm", "ABDOMEN"),                        # its own header, not the collection's site
              _series("lungs", "NC images", "CHEST", licence="CC BY-NC 4.0"),  # not shippable: left out
              _series("lungs", "SEG", "CHEST", derived="analysis"),          # an analysis result: left out
              _series("mixed", "AX 1", "ABDOMEN"), _series("mixed", "AX 2", "PELVIS"), _series("mixed", "AX 3", ""),
              _series("mice", "mouse ct", "CHEST")]
    rows = build.rows_from(series, collections)
    by = {(r["collection"], r["text"], r["study_description"]): r for r in rows}
    chest = "RID1243+RID1384+RID28749"
    assert by[("lungs", "CT LUNG 3.0 B70f", "")]["region_any"] == chest
    assert by[("lungs", "CT LUNG 3.0 B70f", "CT CHEST")]["source"] == "idc-series-in-study"
    assert by[("lungs", "Ax T2", "")]["region_any"] == chest and by[("lungs", "Ax T2", "")]["modality"] == "RID10312"
    assert by[("mixed", "ABD 5mm", "")]["region_any"] == "RID56"
    # "mixed": its series' BodyPartExamined do not agree with its documented site, so a series without one is unlabelled
    assert ("mixed", "AX 3", "") not in by and ("mixed", "AX 1", "") in by
    assert not {"NC images", "SEG", "mouse ct"} & {r["text"] for r in rows}
    assert {r["split"] for r in rows if r["collection"] == "lungs"} == {build.split_of("lungs")}


def test_shipped_set_shape():
    build = _build()
    rows = list(csv.DictReader((DATA / "descriptions_real_series.csv").open(encoding="utf-8")))
    assert len(rows) >= 5000 and len({r["collection"] for r in rows}) >= 80
    assert all(r["split"] == build.split_of(r["collection"]) for r in rows)
    assert {r["level"] for r in rows} == {"series"} and all(r["region_any"] and r["modality"] for r in rows)
    held = {r["collection"] for r in rows if r["split"] == "holdout"}
    assert held and not held & {r["collection"] for r in rows if r["split"] == "dev"}
    source = (DATA / "descriptions_real_series_SOURCE.md").read_text(encoding="utf-8")
    assert all(f"| {c} |" in source for c in {r["collection"] for r in rows})


def _person_names(text: str) -> list[tuple[str, str]]:
    """Pairs of capitalised words that curator's name lists give as a first and a last name
    (and that are no imaging words): "Scott Kaufman", not "Chest Wall"."""
    import re

    from curator.deid import freetext
    toks = re.findall(r"\S+", text)
    title = re.compile(r"[A-Z][a-z]+")
    return [(a, b) for a, b in zip(toks, toks[1:])
            if title.fullmatch(a) and title.fullmatch(b) and a.lower() in freetext._first_names()
            and b.lower() in freetext._last_names()
            and not freetext.is_imaging_word(a.lower()) and not freetext.is_imaging_word(b.lower())]


def test_no_shipped_real_set_holds_a_person_name():
    """Round 17: IDC's Pseudo-PHI-DICOM-Data plants fake names in study descriptions ("XR CHEST AP
    PORTABLE for <first> <last>"); the shipped sets carry "[name removed]" instead."""
    found = []
    for path in sorted(DATA.glob("descriptions_real*.csv")):
        for row in csv.DictReader(path.open(encoding="utf-8")):
            found += [(path.name, row["id"], pair) for column in ("text", "study_description")
                      for pair in _person_names(row.get(column) or "")]
    assert not found, found
    assert _person_names("XR CHEST AP PORTABLE for Scott Kaufman") == [("Scott", "Kaufman")]   # the check can fail


def test_planted_identifiers_are_replaced_when_the_set_is_built():
    build = _build()
    collection = next(iter(build.PLANTED_IDENTIFIERS))
    assert build.redacted("PET-CT STUDY for Jane Doe", collection) == "PET-CT STUDY for [name removed]"
    assert build.redacted("CT CH/AB/PEL - CD for 5551234567", collection) == "CT CH/AB/PEL - CD for [number removed]"
    assert build.redacted("PARENCHYMAL PHASE Sep1999", collection) == "PARENCHYMAL PHASE [date removed]"
    assert build.redacted("Recon for Jane Doe 12345678", "4d_lung") == "Recon for Jane Doe 12345678"   # other collections as published
    rows = list(csv.DictReader((DATA / "descriptions_real_series.csv").open(encoding="utf-8")))
    assert all(build.redacted(r[c], r["collection"]) == r[c] for r in rows for c in ("text", "study_description"))
