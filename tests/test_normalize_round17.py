"""Round 17 of issue 16.

- 17a (the lead's decision, reversing round 10b): a localizer, scout or topogram whose own name
  states a region gives that region below the threshold, never confidently
  (`exclude_own_region` in vocabulary.yaml); before, it gave no region at all.

Each test fails without its change; the guards (marked) pass before and after."""
from __future__ import annotations

import shutil

import pytest

from curator.normalize import CONFIDENT, normalize_description, normalize_series
from curator.normalize.lexicon import LexiconError, compile_lexicon
from curator.resources import mappings_dir, ontologies_dir

THORAX, BRAIN, LUMBAR, PROSTATE, KNEE = "RID1243", "RID6434", "RID34573", "RID343", "RID2743"


def _series(name: str, study: str | None, modality: str = "CT") -> dict:
    return normalize_description(name, modality=modality, level="series", study_description=study)


@pytest.mark.parametrize("name, study, modality, expected", [
    ("Scout chest", "CT Abdomen", "CT", {THORAX}),             # its own region, not the study's
    ("Topogram Thorax 0.6 T20f", None, "CT", {THORAX}),
    ("3 plane loc brain", None, "MR", {BRAIN}),
    ("Localizer - lumbar spine", "MR SPINE", "MR", {LUMBAR}),
    ("loc prostate 3pl", "MRI PELVIS", "MR", {PROSTATE}),
])
def test_a_localizer_gives_the_region_its_own_name_states_below_the_threshold(name, study, modality, expected) -> None:
    result = _series(name, study, modality)
    assert result.get("excluded") == "localizer", result
    found = result["body_region"] or []
    assert {r["code"] for r in found} == expected, found
    assert all(r["source"] == "description" and r["confidence"] < CONFIDENT for r in found), found


def test_a_localizer_stays_below_the_threshold_when_the_header_agrees() -> None:
    result = normalize_series({"SeriesDescription": "Scout Chest", "Modality": "CT", "BodyPartExamined": "CHEST"})
    assert [(r["code"], r["confidence"]) for r in result["body_region"]] == [(THORAX, 0.75)]
    assert result["excluded"] == "localizer" and result["modality"]["code"] == "RID10321"


def test_a_localizer_gives_its_region_only() -> None:
    result = _series("Scout Left Knee", None, "MR")
    assert [r["code"] for r in result["body_region"]] == [KNEE]
    assert result["laterality"] is None and result["contrast"] is None   # excluded: the region only


@pytest.mark.parametrize("name", ["Dose Report chest", "Key Images Abdomen", "Screen Save Brain"])
def test_other_excluded_kinds_give_no_region_of_their_own(name) -> None:
    """Guard (passes before and after): only the kinds `exclude_own_region` lists."""
    result = _series(name, None)
    assert result.get("excluded") and result["body_region"] is None, result


@pytest.mark.parametrize("replacement, message", [
    ("exclude_own_region:\n  localizer: 0.8\n", "not below the threshold"),
    ("exclude_own_region:\n  localiser: 0.75\n", "not a kind of `exclude`"),
])
def test_a_confident_or_unknown_own_region_rule_is_a_lexicon_error(tmp_path, replacement, message) -> None:
    mappings = tmp_path / "mappings"
    shutil.copytree(mappings_dir(), mappings)
    vocabulary = mappings / "descriptions" / "vocabulary.yaml"
    text = vocabulary.read_text(encoding="utf-8")
    assert "exclude_own_region:\n  localizer: 0.75\n" in text
    vocabulary.write_text(text.replace("exclude_own_region:\n  localizer: 0.75\n", replacement, 1), encoding="utf-8")
    with pytest.raises(LexiconError, match=message):
        compile_lexicon(mappings, ontologies_dir())


# 17c: vendor MR words that are words of order names (Playbook dev answers without a modality label)
@pytest.mark.parametrize("text", [
    "IR ARTHRO KNEE", "RP GUIDE EPI SPACE INJ", "RF URO INTRA-OP URINARY TRCT", "GUIDE INTRA-OP",
    "RF C SPINE INTERVERT DSC INTRADISCAL CONTRAST", "GUIDE SIN SPIN LEV NERV BLOCK", "GUIDE LYM ND FNA",
    "angio des mb sup.", "RP Swan-Ganz Cath Place", "PELVIS GEST PRGNCY FET ABN", "XA Hepatic Veins Hemodynamic Eval",
])
def test_an_order_word_that_is_also_a_vendor_word_implies_no_mr_or_pet(text) -> None:
    modality = normalize_description(text)["modality"]
    assert modality is None or modality["code"] not in ("RID10312", "RID10337"), (text, modality)


@pytest.mark.parametrize("text, code", [
    ("Ax T2 SPACE", "RID10312"), ("t1_vibe_ip_op", "RID10312"), ("COR IR", "RID10312"), ("AXL IR", "RID10312"),
    ("DSC perfusion", "RID10312"), ("SAG SE", "RID10312"), ("18F-FET PET brain", "RID10337"),
])
def test_a_vendor_word_beside_a_sequence_cue_still_implies_its_modality(text, code) -> None:
    """Guard (passes before and after)."""
    modality = normalize_description(text)["modality"]
    assert modality is not None and modality["code"] == code, (text, modality)
