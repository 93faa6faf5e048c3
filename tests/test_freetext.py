"""Free text by allowlist, the one fold, identifier parts (issue 13, items 1 and 2)."""
from __future__ import annotations

import pytest

from curator.deid import freetext
from curator.common.fold import fold
from curator.testing.planted import OPERATOR_CODES, PEOPLE, SAFE_TEXTS, STAFF, write_archive

PH = "[-]"


def test_one_fold_for_the_whole_project():
    from curator.normalize.lexicon import fold as lexicon_fold
    from curator.deid.scrub import fold as scrub_fold

    assert scrub_fold is fold and lexicon_fold is fold
    assert fold("Łukasz Øyvind Þórdís Straße Æsa ĐURO José") == "lukasz oyvind thordis strasse aesa duro jose"
    assert fold("ŁUKASZ") == fold("Lukasz") == "lukasz"


@pytest.mark.parametrize("text", ["AX T2 FLAIR FS C+ 5mm", "t1_mprage_sag_p2_iso", "ep2d_diff_b1000_trace", "Thorax 1.25 B30f",
                                  "COR T1 VIBE FS post", "FL3D DWI 3D", "CT THORAX MIT KM", "TAC CRANEO SIN CONTRASTE",
                                  "SpinalCord", "Patient claustrophobic, motion artefacts, repeat scan"])
def test_clinical_words_survive(text):
    assert freetext.clean(text) == text


@pytest.mark.parametrize("code", OPERATOR_CODES)
def test_operator_codes_leave_protocol_names(code):
    assert freetext.clean(f"t2_tse_tra_p2 {code}") == f"t2_tse_tra_p2 {PH}"
    assert freetext.clean(f"AX T1 FS 3D {code}") == f"AX T1 FS 3D {PH}"


@pytest.mark.parametrize("around,name,word", STAFF)
def test_names_after_titles_and_roles_go_in_any_language(around, name, word):
    for text in (around.format(name), around.format(name).upper()):
        cleaned = freetext.clean(text)
        assert fold(name) not in fold(cleaned), text
        assert PH in cleaned


def test_dictionary_word_names_go_after_a_title_but_the_words_stay_elsewhere():
    assert freetext.clean("seen by Dr Rose today") == f"seen by Dr {PH} today"
    assert freetext.clean("SEEN BY DR BROWN TODAY") == f"SEEN BY DR {PH} TODAY"
    assert freetext.clean("pressure rose slowly") == "pressure rose slowly"
    assert freetext.clean("allergic per nurse Young") == f"allergic per nurse {PH}"
    assert freetext.clean("seen by Will Brown") == f"seen by {PH}"  # a first name and a capitalised word


def test_unknown_words_and_other_scripts_become_one_placeholder():
    assert freetext.clean("Kontrolle Zzyxqat Wobbelplonk") == f"Kontrolle {PH}"
    assert freetext.clean("佐藤 美咲 head CT") == f"{PH} head CT"
    assert freetext.clean("Παπαδόπουλος Γεώργιος") == PH


def test_identifier_parts_go_from_every_text():
    from curator.deid.scrub import identifier_values
    from pydicom.dataset import Dataset

    person = PEOPLE[0]
    ds = Dataset()
    ds.PatientName = f"{person.family}^{person.given}"
    ds.PatientID = person.patient_id
    ds.PatientAddress = person.address
    values = identifier_values(ds)
    # folded letters (Łukasz / Lukasz), an MRN inside a longer ID, the street elsewhere
    assert freetext.clean(f"{person.given_plain} {person.family_plain}, ref HUZ{person.patient_id}B", values) == "ref"
    assert freetext.clean_kept("Scanner Marszalkowska", values) == "Scanner"
    assert freetext.clean_kept("syngo MR E11 3.1.12", values) == "syngo MR E11 3.1.12"  # untouched: no pattern applied


def test_other_scripts_are_matched_in_latin_spellings_and_by_characters():
    from curator.deid.scrub import identifier_values, scrub_text
    from pydicom.dataset import Dataset

    ds = Dataset()
    ds.PatientName = "Кузнецова^Анастасия"
    ds.PatientAddress = "東京都世田谷区北沢2-14"
    values = identifier_values(ds)
    assert scrub_text("Kuznetsova Anastasiya, Anastasia KUZNECOVA", values) == ""
    assert scrub_text("Scanner 北沢クリニック ok", values) == "Scanner ok"


def test_safe_private_text_with_a_name_pattern_is_removed():
    from curator.deid.engine import private_text_safe

    assert private_text_safe("GE_GENESIS_FF", frozenset())
    assert not private_text_safe("seen by Dr Kowalczyk", frozenset())


def test_over_removal_on_safe_clinical_texts_is_small():
    words = removed = 0
    for text in SAFE_TEXTS:
        _, n = freetext.allowlist(text)
        words += len(freetext._WORD.findall(text))
        removed += n
    assert words > 80
    assert removed / words <= 0.02, (removed, words)


def test_reports_show_only_safe_unmapped_words():
    shown, hidden = freetext.safe_words(f"AX routine {PH} Zzyxqat")
    assert shown == ["ax", "routine"] and hidden == 2


def test_site_conventions_need_patients_of_two_sites():
    rows = [("ProtocolName", f"p{i}", "site-a" if i % 2 else "site-b", "NEUROVASC_ZZPROT routine") for i in range(6)]
    rows += [("ProtocolName", f"q{i}", "site-a", "Kowalczyk only here") for i in range(9)]
    conventions = freetext.conventions(rows)
    assert conventions == {"ProtocolName": frozenset({"neurovasc", "zzprot", "routine"})}
    assert freetext.clean("NEUROVASC_ZZPROT", conventions=conventions["ProtocolName"]) == "NEUROVASC_ZZPROT"
    assert freetext.clean("NEUROVASC_ZZPROT routine") == f"{PH} routine"


def test_fast_path_and_pydicom_engine_agree_on_planted_text(tmp_path):
    from test_deid_fastpath import _both

    archive = write_archive(tmp_path / "a", patients=3)
    checked = 0
    for path in sorted(archive.root.rglob("*.dcm")):
        pair = _both(path.read_bytes(), "research")
        if pair is not None:
            assert pair[0] == pair[1], path.name
            checked += 1
    assert checked >= 10


@pytest.mark.parametrize("text", ["MR HEAD WO CONTRAST", "DR CHEST 2 VIEWS", "MS PLAQUE FOLLOW UP", "CT UE ARTHRO W IVCON"])
def test_titles_that_are_clinical_abbreviations_stay_abbreviations(text):
    assert freetext.clean(text) == text


def test_titles_in_capitals_still_take_the_name_in_context():
    assert freetext.clean("REPEAT SCAN FOR MR FEATHERSTONEHAUGH") == f"REPEAT SCAN FOR MR {PH}"
    assert freetext.clean("SEEN BY DR. BROWN") == f"SEEN BY DR. {PH}"


def test_cleaning_keeps_the_normalization_of_every_test_description():
    """The allowlist keeps every word the normalizer reads (tests/data description sets)."""
    import csv
    from pathlib import Path

    from curator.normalize.lexicon import ATTRIBUTES
    from curator.normalize.series import normalize_text

    data = Path(__file__).resolve().parent / "data"
    texts = []
    for name in ("descriptions_dev.csv", "descriptions_holdout.csv"):
        with (data / name).open(encoding="utf-8") as fh:
            texts += [row["text"] for row in csv.DictReader(fh)]
    assert len(texts) > 500
    changed = [t for t in texts
               if any(normalize_text(t).get(a) != normalize_text(freetext.clean(t)).get(a) for a in ATTRIBUTES)]
    assert changed == []


def test_deid_keeps_site_conventions_and_nothing_else(tmp_path):
    """A word in the protocol names of 6 patients at 2 sites survives `curator deid`; a word
    of 6 patients at one site, and one of a single patient, do not."""
    import pydicom

    from curator.testing import synthetic as syn
    from curator.deid.run import DeidOptions, deidentify

    source = tmp_path / "src"
    for n in range(12):
        site = syn.SITES[n % 2]
        patient = syn.synthetic_patient(n + 1)
        study = syn.Study(site=site, patient=patient, number=1, description="CT THORAX")
        protocol = "ZZCONV routine" + (" ZZLOCAL" if site is syn.SITES[0] else "") + (" ZZONCE" if n == 0 else "")
        for i, ds in enumerate(syn.ct_series(study, n_slices=1)):
            ds.ProtocolName = protocol
            syn.write_dataset(ds, source / site.key / f"{n:02d}_{i}.dcm")
    deidentify(source, tmp_path / "out", key=bytes(range(32)), options=DeidOptions(profile="research", workers=1, k=1))
    protocols = {str(pydicom.dcmread(p).ProtocolName) for p in (tmp_path / "out").rglob("*.dcm")}
    assert protocols and all(p.startswith("ZZCONV routine") for p in protocols), protocols
    assert not any("ZZLOCAL" in p or "ZZONCE" in p for p in protocols)
    assert any(p.endswith(PH) for p in protocols)


@pytest.mark.parametrize("text, expected", [("reformatted for ZZDOE^Jane^Quincy", "reformatted for"),
                                            ("Prepared by ZZDOE^Jane, ok", "Prepared by, ok"),
                                            ("ZZDOE^Jane^^^", ""), ("=ZZDOE^Jane= scan", "scan")])
def test_a_name_in_person_name_form_goes_with_its_separators(text, expected):
    """A patient's name written in text as DICOM writes it ("ZZDOE^Jane") left its "^"
    behind ("reformatted for ^ ^"; Derivation Description, Image Comments of enhanced
    images, round 17)."""
    values = frozenset({"zzdoe", "jane", "quincy"})
    assert freetext.clean(text, values) == expected
