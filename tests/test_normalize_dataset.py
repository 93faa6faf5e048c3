"""The labelled description set (tests/data/descriptions_*.csv): its shape, and the
development-set targets.  The held-out file is NOT evaluated here (benchmarks/normalize.py
--holdout, once, as the final check)."""
from __future__ import annotations

import csv
import re
import importlib.util
from pathlib import Path


DATA = Path(__file__).parent / "data"
ROOT = Path(__file__).resolve().parent.parent
LANGUAGES = {"en", "es", "ca", "de", "nl", "it", "fr", "sv", "pl", "lt", "pt"}


def _bench():
    spec = importlib.util.spec_from_file_location("bench_normalize", ROOT / "benchmarks" / "normalize.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _rows(name):
    return list(csv.DictReader((DATA / name).open(encoding="utf-8")))


def test_labelled_set_shape():
    dev, hold = _rows("descriptions_dev.csv"), _rows("descriptions_holdout.csv")
    rows = dev + hold
    assert len(rows) >= 300 and len(hold) >= 60
    assert {r["id"] for r in dev}.isdisjoint({r["id"] for r in hold})
    assert sum(r["must_stay_unmapped"] == "yes" for r in rows) >= 30
    assert {r["lang"] for r in rows} == LANGUAGES
    assert {r["level"] for r in rows} == {"study", "series"}
    assert {r["vendor"] for r in rows} >= {"siemens", "ge", "philips", "canon"}
    aliases = {r["alias"] for r in _rows("descriptions_aliases.csv")}
    for r in rows:
        for attribute in ("modality", "body_region", "contrast", "weighting", "plane", "laterality"):
            if r[attribute] != "-":
                assert set(r[attribute].split("+")) <= aliases, (r["id"], attribute)


def test_development_set_meets_the_targets():
    bench = _bench()
    out = bench.evaluate(bench.load(DATA / "descriptions_dev.csv"))
    stats = out["stats"].values()
    answered = sum(s["answered"] for s in stats)
    correct = sum(s["correct"] for s in stats)
    conf_answers = sum(s["conf_answers"] for s in stats)
    conf_wrong = sum(s["conf_wrong"] for s in stats)
    n, kept = out["unmappable"]
    assert correct / answered >= 0.95
    assert kept / n >= 0.95
    assert conf_wrong / conf_answers <= 0.01


def test_real_world_set_shape_and_split():
    """tests/data/descriptions_real.csv: labels are RadLex RIDs from the source, the held-out
    split is fixed by a hash (scripts/build_real_descriptions.py)."""
    spec = importlib.util.spec_from_file_location("build_real", ROOT / "scripts" / "build_real_descriptions.py")
    build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build)
    rows = _rows("descriptions_real.csv")
    assert len(rows) >= 1000 and tuple(rows[0]) == build.COLUMNS
    held = [r for r in rows if r["split"] == "holdout"]
    assert 0.25 < len(held) / len(rows) < 0.35
    assert all(r["split"] == build.split_of(r["source"], r["text"]) for r in rows[::50])
    for r in rows[::20]:
        for field in ("modality", "body_region", "focus", "contrast", "laterality"):
            assert all(code.startswith("RID") for code in r[field].split("+") if code), (r["id"], field)
    assert len({r["text"].casefold() for r in rows}) == len(rows)


def test_real_world_benchmark_scores_against_the_source_labels():
    bench = _bench()
    item = {"id": "x", "text": "XR HUMERUS RIGHT TRANSTHORACIC", "level": "study", "modality": "RID10345",
            "body_region": "RID1850", "focus": "RID1971", "contrast": "", "weighting": "", "laterality": "RID5825"}
    out = bench.evaluate_real([item])
    assert out["stats"]["body_region"]["right"] == 1 and out["stats"]["laterality"]["right"] == 1
    wrong = dict(item, focus="", body_region="RID1243")      # a label the answer contradicts
    assert bench.evaluate_real([wrong])["stats"]["body_region"]["conf_wrong"] == 1


def test_sigtap_set_labels_come_from_the_code_structure():
    """tests/data/descriptions_real_sigtap.csv is rebuilt by the script from the SIGTAP list: the
    modality from the sub-group (02.06 CT, 02.07 MR), the region group from the forma de organizacao."""
    spec = importlib.util.spec_from_file_location("build_real", ROOT / "scripts" / "build_real_descriptions.py")
    build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build)
    assert build.sigtap_rows(build.SIGTAP_IN) == _rows("descriptions_real_sigtap.csv")
    rows = {r["id"]: r for r in _rows("descriptions_real_sigtap.csv")}
    assert rows["SIGTAP0206010079"]["modality"] == "RID10321" and "RID9080" in rows["SIGTAP0206010079"]["region_any"]
    assert rows["SIGTAP0207030030"]["modality"] == "RID10312" and "RID2638" in rows["SIGTAP0207030030"]["region_any"]
    assert rows["SIGTAP0204060109"]["modality"] == ""          # 02.04 spans several X-ray modalities
    assert {r["lang"] for r in rows.values()} == {"pt"}


def test_sigtap_us_nm_set_labels_come_from_the_code_structure():
    """tests/data/descriptions_real_sigtap_us_nm.csv (SIGTAP 02.05 and 02.08) is rebuilt by the
    script: modality from the sub-group, the region group from an organ-system form only."""
    spec = importlib.util.spec_from_file_location("build_real", ROOT / "scripts" / "build_real_descriptions.py")
    build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build)
    assert build.sigtap_us_nm_rows(build.SIGTAP_US_NM_IN) == _rows("descriptions_real_sigtap_us_nm.csv")
    rows = {r["id"]: r for r in _rows("descriptions_real_sigtap_us_nm.csv")}
    assert rows["SIGTAP0205020046"]["modality"] == "RID10326" and rows["SIGTAP0205020046"]["region_any"] == ""
    assert rows["SIGTAP0208040056"]["modality"] == "RID10330" and rows["SIGTAP0208040056"]["region_any"] == "RID56+RID2507"
    assert rows["SIGTAP0208050027"]["region_any"] == ""         # skeletal: bones lie everywhere
    assert not set(rows) & {f"SIGTAP{r['code']}" for r in _rows("sigtap_imaging.csv")}


def test_a_region_group_label_accepts_any_region_inside_it():
    bench = _bench()
    item = {"id": "x", "text": "RADIOGRAFIA DE JOELHO (AP + LATERAL)", "level": "study", "modality": "",
            "body_region": "", "focus": "", "region_any": "RID2507+RID2638", "contrast": "", "laterality": ""}
    assert bench.evaluate_real([item])["stats"]["body_region"]["right"] == 1      # knee lies in the lower limb
    elsewhere = dict(item, region_any="RID9080+RID7488")
    assert bench.evaluate_real([elsewhere])["stats"]["body_region"]["conf_wrong"] == 1


def test_a_filing_list_multi_region_exam_is_filed_not_confidently_wrong():
    """Round 8: a list that files each exam under one group (Malaysia's "Thorax Abdomen Pelvis"
    under THORAX, the Scottish archive's chest-abdomen-pelvis series labelled CHEST): an answer of
    several regions, some inside the group, is ``filed``; a single region outside stays wrong and
    the whole body is broader than any group (imprecise)."""
    bench = _bench()
    item = {"id": "x", "text": "Thorax Abdomen Pelvis", "level": "study", "modality": "RID10321",
            "body_region": "", "focus": "", "region_any": "RID1243+RID1384", "contrast": "", "laterality": ""}
    stats = bench.evaluate_real([item])["stats"]["body_region"]
    assert stats["filed"] == 1 and stats["conf_wrong"] == 0 and stats["right"] == 0
    alone = dict(item, text="Abdomen Pelvis")
    assert bench.evaluate_real([alone])["stats"]["body_region"]["conf_wrong"] == 1
    whole = dict(item, text="PET FDG Whole body")
    assert bench.evaluate_real([whole])["stats"]["body_region"]["imprecise"] == 1


def test_bids_series_set_labels_come_from_the_datasets_own_naming():
    """tests/data/descriptions_real_bids.csv: MR series descriptions from CC0 BIDS datasets; the
    weighting is the BIDS suffix the dataset gave the series, held out by acquiring site."""
    spec = importlib.util.spec_from_file_location("build_real", ROOT / "scripts" / "build_real_descriptions.py")
    build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build)
    rows = _rows("descriptions_real_bids.csv")
    assert len(rows) >= 300 and len({r["id"].split("-")[0] for r in rows}) >= 30
    assert {r["weighting"] for r in rows} <= set(build.BIDS_WEIGHTING.values())
    assert all(r["modality"] == "RID10312" and r["level"] == "series" for r in rows)
    for r in rows:      # one split per (dataset, site): a held-out site is never tuned on
        assert r["split"] == build.split_of("bids", f"{r['id'].split('-')[0]}|{r['site']}"), r["id"]
    assert build._acq_contradicts("sub-1/anat/sub-1_acq-FLAIR1_T1w.json")
    assert not build._acq_contradicts("sub-1/anat/sub-1_acq-mprage_T1w.json")


def test_ccam_set_labels_come_from_the_ccam_tree():
    """tests/data/descriptions_real_ccam.csv (French) is rebuilt by the script from the CCAM
    extract: the modality from the paragraph's technique, the region group from the chapter (or
    a circulatory sub-paragraph); both names of one act fall in the same split."""
    spec = importlib.util.spec_from_file_location("build_real", ROOT / "scripts" / "build_real_descriptions.py")
    build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build)
    rows = _rows("descriptions_real_ccam.csv")
    assert build.ccam_rows(build.CCAM_IN) == rows
    assert len(rows) >= 1000 and {r["lang"] for r in rows} == {"fr"}
    by_id = {r["id"]: r for r in rows}
    assert by_id["CCAMZBQK001-L"]["modality"] == "RID10321" and by_id["CCAMZBQK001-L"]["region_any"].startswith("RID9080")
    assert by_id["CCAMQEQN001-L"]["modality"] == "RID10312" and by_id["CCAMQEQN001-L"]["region_any"] == "RID28749"
    assert by_id["CCAMZBQK002-L"]["modality"] == ""            # Radiographie spans several X-ray modalities
    assert by_id["CCAMZZQK024-L"]["region_any"] == ""           # sans precision topographique
    for r in rows:
        assert r["split"] == build.split_of("ccam", r["id"][4:11]), r["id"]


def test_cups_set_labels_come_from_the_sub_category():
    """tests/data/descriptions_real_cups.csv (Spanish) is rebuilt by the script from the CUPS
    extract: modality and region group from the sub-category name."""
    spec = importlib.util.spec_from_file_location("build_real", ROOT / "scripts" / "build_real_descriptions.py")
    build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build)
    rows = _rows("descriptions_real_cups.csv")
    assert build.cups_rows(build.CUPS_IN) == rows
    assert len(rows) >= 300 and {r["lang"] for r in rows} == {"es"}
    ct_head = build.cups_labels("TOMOGRAFIA COMPUTADA (TC) DE CABEZA CARA Y CUELLO")
    assert ct_head == {"modality": "RID10321", "region_any": "RID9080+RID13284+RID7488"}
    assert build.cups_labels("RADIOLOGIA GENERAL DE EXTREMIDADES SUPERIORES") == {"modality": "", "region_any": "RID1852+RID1850"}
    assert build.cups_labels("OTRAS ECOGRAFIAS") == {"modality": "RID10326", "region_any": ""}
    assert all(r["split"] == build.split_of("cups", r["text"]) for r in rows)


def test_cnp_set_labels_come_from_the_icd9cm_category():
    """tests/data/descriptions_real_cnp.csv (Italian, the national catalogue of outpatient services)
    is rebuilt by the script from its extract: modality and region group from the ICD-9-CM
    category of each service's code, the name cut before the catalogue's notes."""
    spec = importlib.util.spec_from_file_location("build_real", ROOT / "scripts" / "build_real_descriptions.py")
    build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build)
    rows = _rows("descriptions_real_cnp.csv")
    assert build.cnp_rows(build.CNP_IN) == rows
    assert len(rows) >= 350 and {r["lang"] for r in rows} == {"it"}
    assert build.cnp_category("87.03.1")[1:] == ("RID10321", ("RID9080", "RID13284", "RID7488"))
    assert build.cnp_category("88.93.1")[1:] == ("RID10312", ("RID7741", "RID2509", "RID2524"))
    assert build.cnp_category("88.23")[1:] == ("", ("RID1852", "RID1850"))      # category 88.2: by 4-digit code
    assert build.cnp_category("88.38.2")[1:] == ("RID10321", ())                 # other CT: no one region
    assert build.cnp_category("92.21") is None                                   # radiotherapy left out
    assert all(r["split"] == build.split_of("cnp", r["text"]) for r in rows)
    assert not any(word in r["text"] for r in rows for word in ("Incluso", "Escluso", "Non associabile"))


def test_mycore_set_labels_come_from_the_lists_own_properties():
    """tests/data/descriptions_real_mycore.csv (English, Malaysia's national imaging code list) is
    rebuilt by the script from the extract: modality and region group from each exam's own
    modalityDisplay and regionDisplay, with the mapping written before curator ever read it."""
    spec = importlib.util.spec_from_file_location("build_real", ROOT / "scripts" / "build_real_descriptions.py")
    build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build)
    rows = _rows("descriptions_real_mycore.csv")
    assert build.mycore_rows(build.MYCORE_IN) == rows
    assert len(rows) >= 700 and {r["lang"] for r in rows} == {"en"}
    assert sum(bool(r["region_any"]) for r in rows) >= 380
    assert build.mycore_labels("CT", "HEAD AND NECK") == {"modality": "RID10321", "region_any": "RID9080+RID13284+RID7488"}
    assert build.mycore_labels("GENERAL RADIOGRAPHY (Mobile)", "SPINE (Mobile)") == {"modality": "RID10345", "region_any": "RID7741+RID2509+RID2524"}
    assert build.mycore_labels("ULTRASOUND (Mobile)", "URINARY SYSTEM (ULTRASOUND (Mobile))")["region_any"] == "RID56+RID2507"
    assert build.mycore_labels("INTERVENTIONAL RADIOLOGY", "ANGIOPLASTY") == {"modality": "", "region_any": ""}
    assert all(r["split"] == build.split_of("mycore", r["text"]) for r in rows)


def test_va_set_labels_come_from_the_procedures_own_fields():
    """tests/data/descriptions_real_va.csv (English, the VA's VistA radiology procedure file) is
    rebuilt by the script from the extract: region group from the CPT subsection of each
    procedure's own CPT code, modality from its AMIS workload codes where they name a technique."""
    spec = importlib.util.spec_from_file_location("build_real", ROOT / "scripts" / "build_real_descriptions.py")
    build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build)
    rows = _rows("descriptions_real_va.csv")
    assert build.va_rows(build.VA_IN) == rows
    assert len(rows) >= 500 and {r["lang"] for r in rows} == {"en"}
    assert sum(bool(r["region_any"]) for r in rows) >= 280
    by_text = {r["text"]: r for r in rows}
    assert by_text["CT HEAD W/O CONT"]["region_any"] == "RID9080+RID13284+RID7488"
    assert by_text["CT HEAD W/O CONT"]["modality"] == "RID10321"
    assert by_text["HUMERUS 2 OR MORE VIEWS"]["region_any"] == "RID1852+RID1850"
    assert by_text["HUMERUS 2 OR MORE VIEWS"]["modality"] == "RID10345"
    # a workload group (angiograms) names no technique; a vascular subsection no region
    assert by_text["ANGIO VISCERAL SELECT CP"]["modality"] == "" and by_text["ANGIO VISCERAL SELECT CP"]["region_any"] == ""
    assert all(r["split"] == build.split_of("va-vista", r["text"]) for r in rows)
    # the extract keeps the CPT subsection's name, never a CPT code
    extract = _rows("va_radiology_procedures.csv")
    assert not any(re.search(r"\b7\d{4}\b", " ".join(e.values())) for e in extract)


def test_goae_set_labels_come_from_the_section():
    """tests/data/descriptions_real_goae.csv (German, the GOÄ's section O) is rebuilt by the
    script from its extract: modality and region group from the (sub-)section each number
    stands under, add-on numbers left out, lower-case continuations named with their heading."""
    spec = importlib.util.spec_from_file_location("build_real", ROOT / "scripts" / "build_real_descriptions.py")
    build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build)
    rows = _rows("descriptions_real_goae.csv")
    assert build.goae_rows(build.GOAE_IN) == rows
    assert len(rows) >= 130 and {r["lang"] for r in rows} == {"de"}
    by_id = {r["id"]: r for r in rows}
    assert by_id["GOAE5100"]["region_any"].split("+") == list(build.SKELETON)
    assert by_id["GOAE5011"]["text"] == "Finger oder Zehen, ergänzende Ebene(n)"      # a continuation named with its heading
    assert not any(build.GOAE_ADDON.search(r["text"]) for r in rows)
    assert not any(r["text"].startswith(("Zuschlag", "Weitere")) for r in rows)
    assert {r["modality"] for r in rows} == {"", "RID10321", "RID10312"}
    assert all(r["split"] == build.split_of("goae", r["text"]) for r in rows)
    extract = list(csv.DictReader((ROOT / "tests" / "data" / "goae_imaging.csv").open(encoding="utf-8")))
    assert {e["section"] for e in extract} - set(build.GOAE_SECTIONS) == {"II 2"}   # therapy: the only section left out
