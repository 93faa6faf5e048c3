"""Red team, round 16: the archive of tests/redteam16_archive.py through every command and tier, and
the classes it found, each with its rule in mappings/ and a test on both de-identification paths
(figures in notes/redteam16.md)."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from test_redteam8 import _both, _ct  # noqa: E402

# --- class 1: the name in kana when the header writes it in romaji only ------------------------------


@pytest.mark.parametrize("name, keyword, value, gone", [
    ("Nakamura^Keiko", "FrameLabel", "ナカムラ ケイコ OD", "ナカムラ"),
    ("Nakamura^Keiko", "FrameLabel", "ナカムラ ケイコ OD", "ケイコ"),
    ("Nakamura^Keiko", "FrameLabel", "なかむら けいこ", "なかむら"),
    ("Nakamura^Keiko", "FrameLabel", "ﾅｶﾑﾗ ｹｲｺ", "ﾅｶﾑﾗ"),
    ("Nakamura^Keiko", "ImageComments", "fundus: drusen. ナカムラ様", "ナカムラ"),
    ("Satoh^Kenichi", "ImageComments", "サトウ ケンイチ様 CT", "ケンイチ"),  # "oh", and n before a vowel as ん
    ("Sato^Yuki", "FrameLabel", "サトウ ユウキ T2", "サトウ"),  # the long vowels a passport spelling drops
    ("Sato^Yuki", "FrameLabel", "サトウ ユウキ T2", "ユウキ"),
    ("Hattori^Junpei", "FrameLabel", "ハットリ ジュンペイ", "ハットリ"),  # a doubled consonant as ッ
    ("Takahasi^Syouko", "FrameLabel", "タカハシ ショウコ", "ショウコ"),  # Kunrei-shiki
    ("Tanaka^Jun'ichi", "FrameLabel", "タナカ ジュンイチ T2", "ジュンイチ"),  # n' before a vowel (round d)
    ("Itou^Shin'ya", "FrameLabel", "シンヤ T2", "シンヤ"),
])
def test_the_name_in_kana_of_a_romaji_header_goes(name, keyword, value, gone):
    """The header named the patient in romaji only and a label or comment wrote her in katakana
    ("ナカムラ ケイコ" for Nakamura^Keiko): no kana form was derived from Latin letters, so the label
    stayed whole (mappings/transliteration.yaml ``romaji_kana``: curator.deid.scrub._romaji_kana_forms)."""
    ds = _ct(name=name)
    setattr(ds, keyword, value)
    for out in _both(ds):
        assert gone not in str(out.get(keyword, "")), out.get(keyword)


@pytest.mark.parametrize("name, keyword, value", [
    ("Smith^John", "FrameLabel", "ナカムラ T2"),  # kana of another name
    ("Nakamura^Keiko", "FrameLabel", "MR T2 AXIAL"),
    ("Maria^Anna", "FrameLabel", "T2 FLAIR"),
    ("Nakamura^Keiko", "ImageComments", "fundus: drusen, macula normal"),
])
def test_kana_and_words_that_are_not_the_name_stay(name, keyword, value):
    ds = _ct(name=name)
    setattr(ds, keyword, value)
    for out in _both(ds):
        assert str(out.get(keyword, "")) == value


# --- class 2 (over-removal): MR spectroscopy's abbreviation and metabolites --------------------------


@pytest.mark.parametrize("keyword, text", [
    ("StudyDescription", "MRS BRAIN"), ("SeriesDescription", "SVS MRS PROSTATE"),
    ("DerivationDescription", "NAA map"), ("ImageComments", "NAA peak reduced, choline raised, lactate peak"),
])
def test_mr_spectroscopy_words_stay(keyword, text):
    """"MRS BRAIN" lost "BRAIN" (a name after the title Mrs) and "NAA" went as an unknown word
    (mappings/freetext/rules.yaml ``examination_titles``, clinical-words.yaml ``en_spectroscopy``)."""
    ds = _ct()
    setattr(ds, keyword, text)
    for out in _both(ds):
        assert str(out.get(keyword, "")) == text


@pytest.mark.parametrize("text, gone", [("MRS BROWN CALLED", "BROWN"), ("MRS WHITE CALLED", "WHITE"),
                                        ("Mrs Brain seen today", "Brain"), ("SEEN BY MRS KOWALSKA", "KOWALSKA")])
def test_a_name_after_mrs_still_goes(text, gone):
    """Guards (pass before): in capitals MRS is a title unless an imaging word that is no name follows."""
    ds = _ct()
    ds.ImageComments = text
    for out in _both(ds):
        assert gone not in str(out.ImageComments), out.ImageComments


# --- class 3 (round b): a town after "from" that is a word of the English list ---------------------


@pytest.mark.parametrize("text, gone", [
    ("patient from Enugu, lung nodule", "Enugu"), ("son brought her from Ibadan", "Ibadan"),
    ("transferred from Abuja General", "Abuja"), ("referred from Ikeja on Monday", "Ikeja"),
])
def test_a_town_after_from_goes(text, gone):
    """Nigerian (and other) towns are words of the English word list (en-nonames: Enugu, Ibadan, Abuja,
    Ikeja), so a town after "from" stayed; "at", "in", "near" took the capitalised word after them
    anywhere, "from" did not (mappings/freetext/rules.yaml ``places.anywhere``)."""
    ds = _ct()
    ds.ImageComments = text
    for out in _both(ds):
        assert gone not in str(out.ImageComments), out.ImageComments


@pytest.mark.parametrize("text", ["pain from Monday", "referred from Emergency", "change from Baseline",
                                  "from Sagittal to Axial", "images from Outside Hospital", "LIVES AT HOME ON MONDAY"])
def test_no_place_after_from_stays(text):
    """A day of the week is no place, in any case (``places.days``); the last stayed before too."""
    ds = _ct()
    ds.ImageComments = text
    for out in _both(ds):
        assert str(out.ImageComments) == text


# --- class 4 (round c): a family name with the other form of its prefix ----------------------------


@pytest.mark.parametrize("name, label, gone", [
    ("McDonald^Ailsa", "MACDONALD FLAIR", "MACDONALD"), ("MacLeod^Ailsa", "MCLEOD T2", "MCLEOD"),
    ("Mcintyre^Ross", "MACINTYRE T1", "MACINTYRE"),
])
def test_a_family_name_with_the_other_prefix_goes(name, label, gone):
    """Scottish and Irish records write Mc and Mac both ways; a label kept "MACDONALD" for McDonald
    (mappings/transliteration.yaml ``name_prefixes``: curator.deid.scrub._prefix_variants)."""
    ds = _ct(name=name)
    ds.FrameLabel = label
    for out in _both(ds):
        assert gone not in str(out.FrameLabel), out.FrameLabel


@pytest.mark.parametrize("name, label", [("Smith^John", "MACHADO T2"), ("McDonald^Ailsa", "MACULA T2"),
                                         ("Machado^Ana", "MACHINE T2")])
def test_words_that_start_with_mac_stay(name, label):
    ds = _ct(name=name)
    ds.FrameLabel = label
    for out in _both(ds):
        assert str(out.FrameLabel) == label


# --- class 5 (round e): a word that states an age of 90 or more -------------------------------------


@pytest.mark.parametrize("text, gone", [
    ("nonagenarian, CT chest", "nonagenarian"), ("Centenarian with cough", "Centenarian"),
    ("paciente nonagenaria, TC", "nonagenaria"),
    # guards: these went before as unknown words
    ("patiente nonagénaire", "nonag"), ("paziente ultranovantenne", "novantenne"),
    ("Neunzigjährige Patientin, CT", "Neunzig"),
])
def test_a_word_stating_an_age_over_89_goes(text, gone):
    """HIPAA: an element indicative of an age over 89 goes (only "90 or older" may stay); "nonagenarian"
    and "centenarian" are dictionary words and stayed (mappings/identifiers.yaml ``age_over_89_nouns``)."""
    ds = _ct()
    ds.ImageComments = text
    for out in _both(ds):
        assert gone not in str(out.ImageComments), out.ImageComments


# --- the archive of round 16 (tests/redteam16_archive.py) through every command and tier ------------


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict:
    import plants
    import redteam16_archive as r16

    return plants.archive_runs(tmp_path_factory.mktemp("redteam16"), r16.build)


def test_every_plant_is_in_the_archive(runs):
    import plants

    plants.every_plant_is_in_the_archive(runs)


def test_no_plant_in_any_output(runs):
    import plants

    plants.no_plant_in_any_output(runs)


@pytest.mark.parametrize("tier", ["deid", "deid-restricted"])
def test_controlled_tiers_keep_the_demographics_and_the_clinical_words(runs, tier):
    """Every instance is released; sex, size, weight and ethnic group stay in the controlled tiers,
    ages over 89 top-coded to 090Y; the clinical words beside the plants survive."""
    import pydicom
    import redteam16_archive as r16

    released = [pydicom.dcmread(path) for path in sorted((runs["root"] / tier).rglob("*.dcm"))]
    assert len(released) == 9
    assert sorted(str(ds.PatientAge) for ds in released) == ["076Y"] + ["090Y"] * 8
    for ds in released:
        assert ds.PatientSex in ("F", "M") and ds.EthnicGroup in ("African", "Asian", "White")
        assert float(ds.PatientWeight) == 58.0 and float(ds.PatientSize) == 1.58
    keywords = ("ImageComments", "StudyDescription", "FrameLabel", "StructureSetDescription", "ROIName",
                "SegmentLabel", "ContentDescription", "UnformattedTextValue", "TextValue", "FrameComments",
                "DerivationDescription", "ReasonForTheRequestedProcedure", "AdmittingDiagnosesDescription",
                "AdditionalPatientHistory")
    text = " ".join(str(el.value) for ds in released for el in ds.iterall() if el.keyword in keywords)
    assert [w for kept in r16.KEPT.values() for w in kept if w not in text] == []
