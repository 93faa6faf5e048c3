"""RadLex normalization of descriptions: lexicon, text analysis, header evidence, conflicts,
study procedures, overrides and DICOM code sequences."""
from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pydicom
import pytest
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, generate_uid

from curator.errors import CuratorError
from curator.normalize import (
    CONFIDENT, LexiconError, code_sequences, load_overrides, normalize_series, normalize_study, normalize_text,
    review_rows, study_procedure, write_review,
)
from curator.normalize.lexicon import compile_lexicon, fold, lexicon, tokens
from curator.resources import mappings_dir, ontologies_dir

CT, MR, PETCT = "RID10321", "RID10312", "RID10341"
CHEST, ABD, PELVIS, HEAD, BRAIN, WB = "RID1243", "RID56", "RID2507", "RID9080", "RID6434", "RID39569"
WITH, WITHOUT, WWO = "RID28769", "RID28768", "RID28771"
T1, T2, FLAIR, DWI = "RID10794", "RID10795", "RID35806", "RID10799"
AX, COR, SAG, OBL = "RID10579", "RID10570", "RID10574", "RID10573"
RIGHT, LEFT = "RID5825", "RID5824"
IOP_AX, IOP_COR, IOP_SAG = [1, 0, 0, 0, 1, 0], [1, 0, 0, 0, 0, -1], [0, 1, 0, 0, 0, -1]


def code(result, attribute):
    value = result[attribute]
    if value is None:
        return None
    if isinstance(value, list):
        return sorted(v["code"] for v in value)
    return value["code"]


# ---------------------------------------------------------------- lexicon

def test_lexicon_codes_exist_in_the_shipped_radlex_subset():
    lex = lexicon()
    for concept in lex.concepts.values():
        assert concept.code in lex.terms
        assert concept.label == lex.terms[concept.code][0]
    for entry in lex.phrases.values():
        for c in entry.codes:
            assert c in lex.terms
        for _, c in entry.implies:
            assert c in lex.terms


def test_radlex_subset_is_closed_and_attributed():
    folder = ontologies_dir() / "radlex"
    rows = list(csv.DictReader((folder / "terms.csv").open(encoding="utf-8")))
    rids = {r["rid"] for r in rows}
    assert all(r["parent"] in rids or r["parent"] == "" for r in rows)
    notice = (folder / "NOTICE.md").read_text(encoding="utf-8")
    assert "Radiological Society of North America" in notice and "RadLex" in notice
    version = (folder / "VERSION").read_text(encoding="utf-8")
    assert "RadLex 3.14" in version and "Playbook 2.3" in version


def test_a_phrase_with_two_meanings_is_refused(tmp_path):
    mappings = tmp_path / "mappings"
    shutil.copytree(mappings_dir() / "descriptions", mappings / "descriptions")
    path = mappings / "descriptions" / "plane.yaml"
    # "sagittal" already means the sagittal plane: giving it to the axial plane must fail
    path.write_text(path.read_text(encoding="utf-8").replace("en: [ax, axial,", "en: [sagittal, ax, axial,", 1), encoding="utf-8")
    with pytest.raises(LexiconError, match="sagittal"):
        compile_lexicon(mappings, ontologies_dir())


def test_a_rid_missing_from_radlex_is_refused(tmp_path):
    mappings = tmp_path / "mappings"
    shutil.copytree(mappings_dir() / "descriptions", mappings / "descriptions")
    path = mappings / "descriptions" / "laterality.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("RID5825", "RID99999999", 1), encoding="utf-8")
    with pytest.raises(LexiconError, match="RID99999999"):
        compile_lexicon(mappings, ontologies_dir())


def test_folding_is_accent_case_and_punctuation_insensitive():
    assert fold("TÓRAX Ł Straße") == "torax l strasse"
    assert tokens("T2*_FLAIR C+ w/o") == ["t2", "*", "flair", "c", "+", "w", "o"]
    assert tokens("C-SPINE CT C-") == ["c", "spine", "ct", "c", "-"]


# ---------------------------------------------------------------- text

@pytest.mark.parametrize("text, expected", [
    ("TC TORAX CON CONTRASTE", {"modality": CT, "body_region": [CHEST], "contrast": WITH}),
    ("CT THORAX MED KONTRAST", {"modality": CT, "body_region": [CHEST], "contrast": WITH}),
    ("Thorax 1.25 STD", {"modality": CT, "body_region": [CHEST], "contrast": None}),
    ("Ax T1 FLAIR", {"modality": MR, "weighting": T1, "plane": AX, "body_region": None}),
    ("cor T2 FLAIR", {"modality": MR, "weighting": FLAIR, "plane": COR}),
    ("PET-TC CUERPO ENTERO FDG", {"modality": PETCT, "body_region": [WB], "contrast": None}),
])
def test_the_examples_of_the_issue(text, expected):
    result = normalize_text(text)
    for attribute, want in expected.items():
        assert code(result, attribute) == want, attribute


def test_languages_truncation_and_glued_words():
    assert code(normalize_text("tc torax sin contra"), "contrast") == WITHOUT          # truncated phrase
    assert code(normalize_text("TC ABDOM PELV C/C"), "body_region") == sorted([ABD, PELVIS])
    r = normalize_text("AXT1 POST GD")
    assert (code(r, "plane"), code(r, "weighting"), code(r, "contrast")) == (AX, T1, WITH)
    assert code(normalize_text("MR kolana prawego"), "laterality") == RIGHT            # Polish
    assert code(normalize_text("MRT kelio sąnario kairio"), "laterality") == LEFT     # Lithuanian
    assert code(normalize_text("RMN COLONNA LOMBARE SENZA MDC"), "contrast") == WITHOUT
    assert code(normalize_text("TDM TAP INJECTE"), "body_region") == sorted([CHEST, ABD, PELVIS])


def test_ambiguous_words_stay_unmapped_with_their_tokens():
    r = normalize_text("TC CAP")                 # Catalan head, or chest-abdomen-pelvis?
    assert r["body_region"] is None and "cap" in r["unmapped_tokens"]
    r = normalize_text("TC CRANEO SIN")          # "sin" alone: Spanish "without" or Italian "left"
    assert r["contrast"] is None and r["laterality"] is None
    r = normalize_text("CT CERVICAL")            # cervical spine or cervix
    assert r["body_region"] is None
    r = normalize_text("T1 T2 combined")
    assert r["weighting"] is None and "several" in r["reasons"]["weighting"]


def test_non_diagnostic_series_are_excluded_whatever_else_they_say():
    for text in ("Topogram 0.6 T20f", "3 Plane Loc", "Dose Report", "Patient Protocol", "Screen Save", "AAHead_Scout"):
        r = normalize_text(text)
        assert all(r[a] is None for a in ("modality", "body_region", "contrast", "weighting", "plane", "laterality")), text
        assert r["reasons"]["body_region"].startswith("excluded")
    # the header modality of an excluded series is still a fact
    r = normalize_series({"SeriesDescription": "Topogram 0.6 T20f", "Modality": "CT", "BodyPartExamined": "CHEST"})
    assert code(r, "modality") == CT and r["body_region"] is None


def test_junk_gives_nothing_and_lists_unknown_words():
    r = normalize_text("xq zzkw 17")
    assert all(r[a] is None for a in ("modality", "body_region", "contrast", "weighting", "plane", "laterality"))
    assert r["unmapped_tokens"] == ["xq", "zzkw"]
    assert set(r["reasons"]) == {"modality", "body_region", "contrast", "weighting", "plane", "laterality"}


def test_derived_maps_and_swi_have_no_weighting():
    assert normalize_text("ep2d_diff_tra_ADC")["weighting"] is None
    assert code(normalize_text("ep2d_diff_tra_ADC"), "modality") == MR
    r = normalize_text("t2_swi_tra_p2")
    assert r["weighting"] is None and "susceptibility" in r["reasons"]["weighting"]


# ---------------------------------------------------------------- header evidence and conflicts

def test_plane_from_image_orientation():
    for iop, want in ((IOP_AX, AX), (IOP_COR, COR), (IOP_SAG, SAG), ([1, 0, 0, 0, 0.7071, 0.7071], OBL)):
        r = normalize_series({"Modality": "MR", "ImageOrientationPatient": iop})
        assert code(r, "plane") == want
        assert r["plane"]["source"] == "header"


def test_description_and_header_agreeing_raise_confidence():
    alone = normalize_series({"SeriesDescription": "Ax T2"})
    both = normalize_series({"SeriesDescription": "Ax T2", "Modality": "MR", "ImageOrientationPatient": IOP_AX})
    assert code(both, "plane") == AX and both["plane"]["confidence"] > alone["plane"]["confidence"]
    assert both["conflicts"] == []


def test_conflicts_are_reported_and_not_resolved_silently():
    r = normalize_series({
        "SeriesDescription": "Sag T1 sin contraste", "Modality": "MR",
        "ImageOrientationPatient": IOP_AX, "ContrastBolusAgent": "Gadovist",
    })
    attrs = {c["attribute"] for c in r["conflicts"]}
    assert attrs == {"plane", "contrast"}
    assert r["plane"] is None and r["contrast"] is None
    assert r["reasons"]["plane"].startswith("conflict")
    conflict = next(c for c in r["conflicts"] if c["attribute"] == "plane")
    assert conflict == {"attribute": "plane", "description_says": "sagittal plane", "header_says": "axial plane"}


def test_modality_conflict_keeps_the_device_value_and_says_so():
    r = normalize_series({"SeriesDescription": "CT THORAX", "Modality": "MR"})
    assert code(r, "modality") == MR and r["modality"]["source"] == "header"
    assert r["conflicts"][0]["attribute"] == "modality"
    # PET-CT descriptions fit both PT and CT series
    for modality in ("PT", "CT"):
        assert normalize_series({"StudyDescription": "PET-TC CUERPO ENTERO", "Modality": modality})["conflicts"] == []


def test_body_part_compatible_with_a_more_specific_description():
    r = normalize_series({"SeriesDescription": "RM CEREBRO", "BodyPartExamined": "HEAD", "Modality": "MR"})
    assert code(r, "body_region") == [BRAIN] and r["conflicts"] == []
    r = normalize_series({"SeriesDescription": "RM RODILLA", "BodyPartExamined": "SHOULDER", "Modality": "MR"})
    assert r["body_region"] is None and r["conflicts"][0]["attribute"] == "body_region"


def test_weighting_from_sequence_parameters_only_when_unmistakable():
    flair = {"Modality": "MR", "ScanningSequence": ["SE", "IR"], "RepetitionTime": 9000.0, "EchoTime": 120.0, "InversionTime": 2500.0}
    assert code(normalize_series(flair), "weighting") == FLAIR
    t1 = {"Modality": "MR", "ScanningSequence": "SE", "RepetitionTime": 500.0, "EchoTime": 12.0}
    assert code(normalize_series(t1), "weighting") == T1
    middle = {"Modality": "MR", "ScanningSequence": "SE", "RepetitionTime": 1500.0, "EchoTime": 50.0}
    assert normalize_series(middle)["weighting"] is None
    dwi = {"Modality": "MR", "SequenceName": "*ep_b1000t"}
    assert code(normalize_series(dwi), "weighting") == DWI
    ct = normalize_series({"Modality": "CT", "SeriesDescription": "Thorax 1.25 STD"})
    assert ct["weighting"] is None and ct["reasons"]["weighting"].startswith("not applicable")


def test_contrast_agent_header_and_negations():
    assert code(normalize_series({"Modality": "CT", "ContrastBolusAgent": "Iomeron 400"}), "contrast") == WITH
    assert normalize_series({"Modality": "CT", "ContrastBolusAgent": "NONE"})["contrast"] is None
    assert normalize_series({"Modality": "CT", "ContrastBolusAgent": ""})["contrast"] is None


def test_study_text_helps_a_series_below_the_confidence_threshold():
    r = normalize_series({"SeriesDescription": "Portal 5mm", "StudyDescription": "TC ABDOMEN Y PELVIS", "Modality": "CT"})
    assert code(r, "body_region") == sorted([ABD, PELVIS])
    assert r["body_region"][0]["confidence"] < CONFIDENT
    assert code(r, "contrast") == WITH   # from the series' own word "portal"


def test_laterality_from_header():
    r = normalize_series({"Modality": "MR", "SeriesDescription": "PD FS COR", "Laterality": "L"})
    assert code(r, "laterality") == LEFT


def test_output_is_deterministic_and_json_serialisable():
    ev = {"Modality": "MR", "SeriesDescription": "t2_tse_tra", "StudyDescription": "MRT Knie rechts",
          "ImageOrientationPatient": IOP_AX, "BodyPartExamined": "KNEE", "site": "A"}
    one = json.dumps(normalize_series(ev), sort_keys=True)
    two = json.dumps(normalize_series(dict(reversed(list(ev.items())))), sort_keys=True)
    assert one == two
    assert set(json.loads(one)) >= {"modality", "body_region", "contrast", "weighting", "plane", "laterality",
                                    "reasons", "conflicts", "unmapped_tokens"}


def test_missing_and_odd_values_do_not_crash():
    r = normalize_series({"Modality": None, "SeriesDescription": None, "ImageOrientationPatient": [1, 0],
                          "RepetitionTime": "abc", "EchoTime": float("nan"), "ScanningSequence": []})
    assert all(r[a] is None for a in ("modality", "plane", "weighting"))
    assert normalize_series({})["reasons"]["modality"]


# ---------------------------------------------------------------- study procedure

@pytest.mark.parametrize("text, rpid", [
    ("TC TORAX CON CONTRASTE", "RPID18"),
    ("CT HEAD WO CONTRAST", "RPID22"),
    ("CT BRAIN WO", "RPID22"),
    ("MRI BRAIN WITHOUT CONTRAST", "RPID479"),
    ("MRT Schädel mit KM", "RPID481"),
    ("MRI KNEE RIGHT WO CONTRAST", "RPID522"),
    ("CT ABD/PELVIS W/ CONTRAST", "RPID145"),
])
def test_playbook_procedure_from_the_study_description(text, rpid):
    procedure = normalize_study([], {"StudyDescription": text})
    assert procedure["code"] == rpid and procedure["scheme"] == "RADLEX"


@pytest.mark.parametrize("text, reason", [
    ("TC CRANEO", "contrast undetermined"),
    ("MR ANGIO BRAIN WO", "modifier"),
    ("CTA HEAD", "modifier"),
    ("PET-TC CUERPO ENTERO FDG", "no Core Playbook procedure"),
    ("ROUTINE", "modality undetermined"),
])
def test_no_procedure_without_enough_evidence(text, reason):
    procedure, why = study_procedure([], {"StudyDescription": text})
    assert procedure is None and reason in why


def test_procedure_from_the_series_when_the_study_says_nothing():
    series = [normalize_series({"Modality": "CT", "SeriesDescription": d, "BodyPartExamined": "CHEST"})
              for d in ("Torax basal 5mm", "Torax sin contraste 1mm")]
    assert normalize_study(series, {"StudyDescription": "PROTOCOLO 7"})["code"] == "RPID16"
    series.append(normalize_series({"Modality": "CT", "SeriesDescription": "Torax 1mm"}))  # contrast unknown
    assert normalize_study(series, {"StudyDescription": ""}) is None


# ---------------------------------------------------------------- overrides and review

def _site_file(tmp_path: Path) -> Path:
    path = tmp_path / "site_a.yaml"
    path.write_text(
        "site: SITE_A\n"
        "descriptions:\n"
        "  - text: 'TC TORAX AR'\n"
        "    field: SeriesDescription\n"
        "    set: {body_region: [RID1243], contrast: RID28768}\n"
        "  - text: 'ONCO 3'\n"
        "    field: StudyDescription\n"
        "    set: {procedure: RPID145}\n", encoding="utf-8")
    return path


def test_site_overrides_have_the_highest_priority(tmp_path):
    overrides = load_overrides([_site_file(tmp_path)])
    ev = {"SeriesDescription": "tc tórax ar", "site": "SITE_A", "Modality": "CT", "ContrastBolusAgent": "Iomeron"}
    r = normalize_series(ev, overrides)
    assert code(r, "contrast") == WITHOUT and r["contrast"]["source"] == "override" and r["contrast"]["confidence"] == 1.0
    assert code(r, "body_region") == [CHEST]
    other_site = normalize_series({**ev, "site": "SITE_B"}, overrides)
    assert other_site["body_region"][0]["source"] == "description"
    assert code(other_site, "contrast") == WITH and other_site["contrast"]["source"] == "header"
    assert normalize_study([], {"StudyDescription": "Onco 3", "site": "SITE_A"}, overrides)["code"] == "RPID145"


def test_bad_override_files_give_clear_errors(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("site: X\ndescriptions:\n  - text: 'A'\n    set: {contrast: 'with contrast'}\n", encoding="utf-8")
    with pytest.raises(CuratorError, match="RadLex codes"):
        load_overrides([bad])
    bad.write_text("site: X\ndescriptions:\n  - text: 'A'\n    set: {contrast: RID99999999}\n", encoding="utf-8")
    with pytest.raises(CuratorError, match="not in the shipped"):
        load_overrides([bad])
    with pytest.raises(CuratorError, match="not found"):
        load_overrides([tmp_path / "missing.yaml"])


def test_shipped_example_site_file_loads():
    overrides = load_overrides([mappings_dir() / "sites"])
    assert len(overrides) >= 1
    r = normalize_series({"SeriesDescription": "TC TORAX AR", "site": "EXAMPLE"}, overrides)
    assert r["body_region"][0]["source"] == "override"


def test_review_round_trip(tmp_path):
    evidence = [
        {"site": "A", "StudyDescription": "TC TORAX CON CONTRASTE", "SeriesDescription": "Torax 1.25 STD"},
        {"site": "A", "StudyDescription": "TC TORAX CON CONTRASTE", "SeriesDescription": "Torax 1.25 STD"},
        {"site": "A", "StudyDescription": "TC TORAX CON CONTRASTE", "SeriesDescription": "TX AR"},
        {"site": "B", "StudyDescription": "MRT Kopf nativ", "SeriesDescription": "t2_tse_tra", "ProtocolName": "t2_tse_tra"},
    ]
    rows = review_rows(evidence)
    keys = [(r["site"], r["field"], r["description"]) for r in rows]
    assert len(keys) == len(set(keys)) == 6
    assert write_review(rows) == write_review(review_rows(list(reversed(evidence))))  # order-independent
    torax = next(r for r in rows if r["description"] == "Torax 1.25 STD")
    assert torax["n_series"] == "2" and torax["modality"] == CT and torax["status"] == "proposed"
    study = next(r for r in rows if r["field"] == "StudyDescription" and r["site"] == "A")
    assert study["procedure"] == "RPID18"
    unknown = next(r for r in rows if r["description"] == "TX AR")
    assert unknown["proposal"] == "(nothing determined)" and unknown["unmapped_tokens"] == "tx ar"
    # the curator corrects one row and confirms it; an unconfirmed edit is ignored
    unknown.update(body_region="RID1243", contrast="RID28768", plane="-", status="corrected")
    torax.update(body_region="RID56")  # still "proposed": must not load
    out = tmp_path / "review.csv"
    write_review(rows, out)
    overrides = load_overrides([out])
    r = normalize_series({"site": "A", "SeriesDescription": "tx ar", "Modality": "CT"}, overrides)
    assert code(r, "body_region") == [CHEST] and r["body_region"][0]["source"] == "override"
    assert r["plane"] is None and "override" in r["reasons"]["plane"]
    assert code(normalize_series({"site": "A", "SeriesDescription": "Torax 1.25 STD"}, overrides), "body_region") == [CHEST]


# ---------------------------------------------------------------- DICOM code sequences

def test_code_sequences_are_valid_dicom(tmp_path):
    series = normalize_series({"Modality": "MR", "SeriesDescription": "Ax T2 FLAIR", "StudyDescription": "RM CEREBRO SIN CONTRASTE"})
    series["procedure"] = normalize_study([series], {"StudyDescription": "RM CEREBRO SIN CONTRASTE"})
    seqs = code_sequences(series)
    assert [i.CodeValue for i in seqs["ProcedureCodeSequence"]] == ["RPID479"]
    assert {i.CodingSchemeDesignator for i in seqs["SeriesDescriptionCodeSequence"]} == {"RADLEX"}
    # VM 1: one item, the MR weighting (T2 FLAIR) before the modality (dicom-codes.yaml).
    assert [i.CodeValue for i in seqs["SeriesDescriptionCodeSequence"]] == [code(series, "weighting")]
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.file_meta.MediaStorageSOPClassUID = "1.2.840.10008.5.1.4.1.1.4"
    ds.file_meta.MediaStorageSOPInstanceUID = generate_uid()
    ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID
    ds.ProcedureCodeSequence = seqs["ProcedureCodeSequence"]
    ds.SeriesDescriptionCodeSequence = seqs["SeriesDescriptionCodeSequence"]
    path = tmp_path / "coded.dcm"
    ds.save_as(path, enforce_file_format=True)
    back = pydicom.dcmread(path)
    assert back.ProcedureCodeSequence[0].CodeMeaning == "MR Head wo IV Contrast"
    assert len(back.SeriesDescriptionCodeSequence) == len(seqs["SeriesDescriptionCodeSequence"])
    assert code_sequences(normalize_text("xq zz")) == {"ProcedureCodeSequence": [], "SeriesDescriptionCodeSequence": []}


def test_summary_for_reports():
    from curator.normalize import summarize

    rows = [
        ("A", "Ax T2", normalize_series({"Modality": "MR", "SeriesDescription": "Ax T2"})),
        ("A", "Sag T1", normalize_series({"Modality": "MR", "SeriesDescription": "Sag T1", "ImageOrientationPatient": IOP_AX})),
        ("A", "Scout", normalize_series({"Modality": "MR", "SeriesDescription": "Scout"})),
        ("B", "xq 7", normalize_series({"Modality": "CT", "SeriesDescription": "xq 7"})),
    ]
    out = summarize(rows)
    assert out["sites"]["A"]["series"] == 3 and out["sites"]["A"]["excluded"] == 1
    assert out["sites"]["A"]["coverage"]["plane"] == 0.5 and out["sites"]["A"]["coverage"]["weighting"] == 1.0
    assert out["sites"]["B"]["coverage"]["weighting"] is None  # no MR series
    assert out["conflicts"] == [{"site": "A", "description": "Sag T1", "attribute": "plane",
                                 "description_says": "sagittal plane", "header_says": "axial plane", "series": 1}]
    assert out["unmapped_descriptions"] == [{"site": "B", "description": "xq 7", "series": 1, "unmapped_tokens": ["xq"]}]


def test_non_image_series_are_not_normalized():
    r = normalize_series({"Modality": "SR", "SeriesDescription": "CT THORAX CON CONTRASTE"})
    assert all(r[a] is None for a in ("modality", "body_region", "contrast", "weighting", "plane", "laterality"))
    assert r["excluded"] == "non_image" and r["reasons"]["modality"].startswith("excluded")


def test_derived_map_keeps_no_weighting_even_with_diffusion_header():
    r = normalize_series({"Modality": "MR", "SeriesDescription": "ep2d_diff_ADC", "SequenceName": "*ep_b0_1000"})
    assert r["weighting"] is None and "derived" in r["reasons"]["weighting"]
    assert code(normalize_series({"Modality": "MR", "SeriesDescription": "ep2d_diff", "SequenceName": "*ep_b1000t"}), "weighting") == DWI


def test_review_csv_cells_cannot_become_spreadsheet_formulas(tmp_path):
    rows = review_rows([{"site": "A", "SeriesDescription": "=HYPERLINK(1) T2 ax"}, {"site": "A", "SeriesDescription": "+C AX T1"}])
    out = tmp_path / "r.csv"
    text = write_review(rows, out)
    assert "\n=" not in text and ",=" not in text and ",+" not in text
    for row in rows:
        row["status"] = "confirmed"
        row["plane"] = "RID10574"
    write_review(rows, out)
    overrides = load_overrides([out])
    assert code(normalize_series({"site": "A", "SeriesDescription": "+C AX T1"}, overrides), "plane") == SAG
