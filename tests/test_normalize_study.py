"""Contrast read from a study's series together (issue 16, round 15; contrast.yaml
``study_pairs``, ``curator.normalize.study``): the same sequence twice in a study, one marked
post-contrast, the other unmarked: the unmarked one is pre-contrast, below the confident
threshold.  The audit (and so publish, which writes the audit's codes) applies it per study.

Measured on the BIDS studies of ds007045 (tests/data/descriptions_real_bids_studies.csv, dev
split): contrast right 42.1% -> 94.1%, none wrong (benchmarks/normalize.py --real)."""
from __future__ import annotations

import pyarrow as pa
import pytest

from curator.analyses.audit import build_report
from curator.index.store import SCHEMA
from curator.normalize import CONFIDENT, normalize_series, study_contrast

WITH, WITHOUT = "imaging with IV contrast", "imaging without IV contrast"


def _study(*descriptions: str, agents: dict[int, str] | None = None) -> list[tuple[str | None, float | None, str | None]]:
    evidence = [{"SeriesDescription": d, "Modality": "MR", **({"ContrastBolusAgent": (agents or {})[n]} if n in (agents or {}) else {})}
                for n, d in enumerate(descriptions)]
    results = [normalize_series(ev) for ev in evidence]
    out = []
    for result in study_contrast(list(zip(evidence, results))):
        found = result["contrast"] or {}
        out.append((found.get("label"), found.get("confidence"), found.get("source")))
    return out


def test_the_unmarked_twin_of_a_post_contrast_series_is_pre_contrast():
    got = _study("t1_space_sag_iso", "t1_space_sag_iso+C", "t2_tse_tra", "FLAIR ax")
    assert got[0] == (WITHOUT, 0.75, "study") and got[0][1] < CONFIDENT
    assert got[1] == (WITH, 0.95, "description")          # its own answer is kept
    assert got[2] == got[3] == (None, None, None)          # other sequences: nothing


@pytest.mark.parametrize("pre, post", [
    ("Ax T1", "Ax T1 MDC"),
    ("Sag 3D BRAVO", "Sag 3D BRAVO + c"),
    ("sT1W_3D_TFE", "sT1W_3D_TFE_mdc"),
    ("RM T1 SAG", "RM T1 SAG POS CONTRASTE"),
])
def test_pairs_in_several_spellings(pre, post):
    assert _study(pre, post)[0][0] == WITHOUT


def test_a_trailing_c_marks_the_post_contrast_twin():
    """"_C" alone says nothing ("t1_mprage_Sag_C" read alone has no contrast); beside its
    unmarked twin it is the post-contrast one."""
    assert _study("t1_mprage_Sag_C") == [(None, None, None)]
    assert _study("t1_mprage_Sag", "t1_mprage_Sag_C") == [(WITHOUT, 0.75, "study"), (WITH, 0.75, "study")]


def test_the_one_unmarked_series_of_a_weighting_beside_a_post_one_is_pre_contrast_weakly():
    got = _study("T1 se", "sT1W_3D_MDC", "3D_FLAIR")
    assert got[0] == (WITHOUT, 0.6, "study")
    assert got[2] == (None, None, None)


def test_a_contrast_agent_in_the_header_marks_the_post_contrast_twin():
    assert _study("T1 SE AX", "T1 SE AX", agents={1: "Gadovist"}) == [(WITHOUT, 0.75, "study"), (WITH, 0.85, "header")]


def test_no_guess_without_a_marked_post_contrast_series():
    assert _study("T1_3D_ISO SENSE", "T1_3D_ISO SENSE") == [(None, None, None)] * 2
    assert _study("t1_space_sag_iso") == [(None, None, None)]
    # two unmarked series of the weighting: which one is pre is not known
    got = _study("T1 se", "T1 cor", "sT1W_3D_MDC")
    assert got[0] == got[1] == (None, None, None)


def test_an_answer_the_series_gives_is_kept_and_shared_results_are_not_changed():
    evidence = [{"SeriesDescription": "Ax T1", "Modality": "MR"}, {"SeriesDescription": "Ax T1 +C", "Modality": "MR"}]
    shared = normalize_series(evidence[0])
    results = [shared, normalize_series(evidence[1])]
    out = study_contrast(list(zip(evidence, results)))
    assert shared["contrast"] is None and out[0] is not shared and out[1] is results[1]
    assert "contrast" not in out[0]["reasons"]


def _row(series: str, study: str, description: str, i: int = 1) -> dict:
    row = {"path": f"{study}/{series}/IM{i:03d}", "status": "indexed", "sop_key": f"{series}-{i}", "series_key": series,
           "study_key": study, "patient_key": f"p-{study}", "site": "site-a", "modality": "MR",
           "sop_class_uid": "1.2.840.10008.5.1.4.1.1.4", "manufacturer": "ACME", "model": "Scanner",
           "series_description": description, "checks_completeness": 10, "checks_conformance": 5, "checks_plausibility": 1,
           "identifiers_present": [], "private_creators": [], "missing_type1": [], "missing_type2": [],
           "nonconformant": [], "implausible": []}
    return {f.name: row.get(f.name) for f in SCHEMA}


def test_the_audit_reads_a_study_s_series_together():
    rows = [_row("a1", "st1", "t1_space_sag_iso"), _row("a2", "st1", "t1_space_sag_iso+C"),
            _row("b1", "st2", "t1_space_sag_iso")]       # the same name in another study, alone
    report = build_report(pa.Table.from_pylist(rows, schema=SCHEMA))
    contrast = {s["key"]: (s["normalized"]["contrast"] or {}).get("label") for s in report["series"]}
    assert contrast == {"a1": WITHOUT, "a2": WITH, "b1": None}


def test_curator_normalize_reads_series_rows_of_one_study_together_and_never_writes_the_label(tmp_path):
    from curator.normalize.batch import normalize_rows, read_descriptions, render_results

    src = tmp_path / "series.csv"
    src.write_text("description,modality,level,study\n"
                   "t1_space_sag_iso,MR,series,ACC20261202X1\n"
                   "t1_space_sag_iso+C,MR,series,ACC20261202X1\n"
                   "t1_space_sag_iso,MR,series,ACC20261202X2\n"
                   "t1_space_sag_iso,MR,study,ACC20261202X2\n", encoding="utf-8")
    results = normalize_rows(read_descriptions(src))
    assert [(r["contrast"] or {}).get("code") for r in results] == ["RID28768", "RID28769", None, None]
    assert results[0]["contrast"]["source"] == "study"
    for fmt in ("csv", "json"):
        assert "ACC20261202" not in render_results(results, fmt)
