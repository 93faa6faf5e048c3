"""The audit over hand-built index rows: what each count means, whatever the row order.

These tests build index tables directly (no DICOM files) so that every edge is explicit:
values that vary inside a series, empty text, missing modality, rejected rows, and rows
written in any order.
"""
from __future__ import annotations

import json
import random

import pyarrow as pa
import pytest

from curator.analyses.audit import build_report, to_json
from curator.index.store import SCHEMA
from curator.analyses.series_view import GroupView


def _table(rows: list[dict]) -> pa.Table:
    return pa.Table.from_pylist([{f.name: row.get(f.name) for f in SCHEMA} for row in rows], schema=SCHEMA)


def _instance(i: int, series: str, study: str, patient: str = "p1", **values) -> dict:
    row = {"path": f"{series}/IM{i:03d}", "status": "indexed", "sop_key": f"{series}-{i}", "series_key": series, "study_key": study,
           "patient_key": patient, "site": "site-a", "modality": "CT", "sop_class_uid": "1.2.840.10008.5.1.4.1.1.2",
           "manufacturer": "ACME", "model": "Scanner", "checks_completeness": 10, "checks_conformance": 5, "checks_plausibility": 1,
           "identifiers_present": ["PatientName"], "private_creators": [], "missing_type1": [], "missing_type2": [],
           "nonconformant": [], "implausible": []}
    row.update(values)
    return row


ROWS = [
    # Series s1: the model varies (2 × "B", 1 × "A": the mode is "B"); the first row in path
    # order has no acquisition, the second has one.
    _instance(1, "s1", "t1", model="A", series_description="first", age_years=45.0, patient_sex="F"),
    _instance(2, "s1", "t1", model="B", series_description="second", acquisition=json.dumps({"kvp_kv": 120})),
    _instance(3, "s1", "t1", model="B", acquisition=json.dumps({"kvp_kv": 100})),
    # Series s2: a tie between "X" and "W" (the smallest wins); empty text is no value.
    _instance(1, "s2", "t2", patient="p2", manufacturer="X", body_part_examined="", patient_sex="", age_years=None),
    _instance(2, "s2", "t2", patient="p2", manufacturer="W", body_part_examined="", patient_sex="M", age_years=70.0),
    _instance(3, "s2", "t2", patient="p2", manufacturer="", body_part_examined="CHEST"),
    # Series s3: no modality, burned-in annotation declared.
    _instance(1, "s3", "t3", patient="p3", modality=None, burned_in_annotation=" yes"),
    _instance(2, "s3", "t3", patient="p3", modality="", burned_in_annotation="NO",
              segmentation=json.dumps({"algorithm_type": "MANUAL"})),
    {"path": "junk.txt", "status": "rejected", "reason": "not DICOM (no DICM prefix)"},
]


@pytest.fixture(scope="module")
def report() -> dict:
    return build_report(_table(ROWS))


def test_series_take_modes_and_first_values_in_path_order(report):
    series = {s["key"]: s for s in report["series"]}
    assert [s["key"] for s in report["series"]] == ["s1", "s2", "s3"]
    assert series["s1"]["model"] == "B"
    assert series["s1"]["acquisition"] == {"kvp_kv": 120}
    assert series["s1"]["normalized"] is not None and series["s1"]["instances"] == 3
    assert series["s2"]["manufacturer"] == "W"
    assert series["s2"]["body_part_examined"] == "CHEST"
    assert series["s3"]["modality"] is None
    assert [s["is_segmentation"] for s in report["series"]] == [False, False, True]
    assert [s["key"] for s in report["segmentations"]] == ["s3"]


def test_empty_text_and_missing_values_count_as_missing(report):
    assert report["files"] == 9 and report["instances"] == 8
    assert report["rejected"] == [{"path": "junk.txt", "reason": "not DICOM (no DICM prefix)"}]
    assert report["inventory"]["by_modality"] == {
        "(missing)": {"patients": 1, "studies": 1, "series": 1, "instances": 2},
        "CT": {"patients": 2, "studies": 2, "series": 2, "instances": 6},
    }
    assert report["inventory"]["by_manufacturer"]["(missing)"]["instances"] == 1
    sex = report["demographics"]["site-a"]["sex"]
    assert (sex["present"], sex["total"]) == (2, 3)
    assert report["burned_in"]["yes"] == 1
    assert report["burned_in"]["by_modality"] == {"(missing)": {"yes": 1, "at_risk_flag_missing": 0}}
    assert report["findings"][0]["code"] == "burned_in_yes"
    assert {f["code"]: f["count"] for f in report["findings"]}["unreadable_files"] == 1


def test_age_and_sex_of_a_study_come_from_its_first_row_that_has_them(report):
    bins = report["demographics_distribution"]
    assert bins["age_bins"]["40-49"]["F"] == "<5" and bins["age_bins"]["70-79"]["M"] == "<5"
    assert bins["unknown_age"] == "<5"
    assert build_report(_table(ROWS), settings=None)["demographics_distribution"] == bins
    from curator.analyses.audit import AuditSettings

    shown = build_report(_table(ROWS), settings=AuditSettings(k=1))["demographics_distribution"]
    assert shown["age_bins"]["40-49"]["F"] == 1 and shown["age_bins"]["70-79"]["M"] == 1 and shown["unknown_age"] == 1
    assert sum(n for b in shown["age_bins"].values() for n in b.values()) == 2


def test_row_order_and_input_kind_do_not_change_the_report(report):
    expected = to_json(report)
    rows = list(ROWS)
    for seed in range(3):
        random.Random(seed).shuffle(rows)
        table = _table(rows)
        assert to_json(build_report(table)) == expected
        assert to_json(build_report(table.to_pandas())) == expected


def test_series_view_on_an_empty_index():
    view = GroupView(_table([]))
    assert len(view) == 0 and view.modes("model") == [] and view.first_present("acquisition") == {}
    empty = build_report(_table([]))
    assert empty["series"] == [] and empty["instances"] == 0 and empty["inventory"]["by_site"] == {}
