"""Red team, round 15: the archive of tests/redteam15_archive.py through every command and tier, and
the classes it found, each with its rule in mappings/ and a test on both de-identification paths
(figures in notes/redteam15.md)."""
from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from test_redteam8 import _both, _ct  # noqa: E402

# --- class 1: a national identifier with valid check digits in a label or a code string -------------


@pytest.mark.parametrize("keyword, value, gone", [
    ("FrameLabel", "529.982.247-25", "982"),  # Brazilian CPF
    ("FrameLabel", "CPF 529.982.247-25", "982"),
    ("FrameLabel", "943 476 5919", "5919"),  # UK NHS number
    ("FrameLabel", "110105193103031237", "1237"),  # Chinese resident identity number
    ("FrameLabel", "SE45 5000 0000 0583 9825 7466", "7466"),  # IBAN
    ("FrameLabel", "NL91ABNA0417164300", "164300"),
    ("ContentLabel", "19310303-2383", "2383"),  # Swedish personnummer
    ("ContentLabel", "RSSMRA31C03H501U", "RSSMRA"),  # Italian codice fiscale (name and birth date)
])
def test_a_national_id_in_a_label_or_code_goes(keyword, value, gone):
    """A label or code string kept a number alone (codes are numbers), so a CPF, an NHS number, a
    Chinese resident ID, an IBAN, a personnummer or a codice fiscale stayed whole there
    (mappings/identifiers.yaml ``checked_patterns``: the form, and its check digits)."""
    ds = _ct()
    setattr(ds, keyword, value)
    for out in _both(ds):
        assert gone not in str(out.get(keyword, "")), out.get(keyword)


@pytest.mark.parametrize("keyword, value", [
    ("FrameLabel", "529.982.247-24"),  # the form of a CPF, its check digits wrong
    ("FrameLabel", "943 476 5918"),
    ("FrameLabel", "110105193103031230"),
    ("FrameLabel", "NL92ABNA0417164300"),
    ("ContentLabel", "RSSMRA31C03H501A"),
    ("FrameLabel", "120 512 1024"),
    ("FrameLabel", "LIVER SEG 2"),
    ("ContentLabel", "T2_AX_3MM"),
    ("ContentLabel", "MR12SAGT1FLAIR"),
])
def test_a_code_of_an_id_form_with_wrong_check_digits_stays(keyword, value):
    ds = _ct()
    setattr(ds, keyword, value)
    for out in _both(ds):
        assert str(out.get(keyword, "")) == value


def test_a_personnummer_in_free_text_goes_whole():
    """The date went, its four last digits stayed ("19310303-2383" left "-2383")."""
    ds = _ct()
    ds.ImageComments = "lung nodule, pnr 310303+2383; personnummer 19310303-2383"
    for out in _both(ds):
        assert "2383" not in str(out.ImageComments) and "lung nodule" in str(out.ImageComments)


# --- class 2: an age over 89 with a unit or a word of another language ------------------------------


@pytest.mark.parametrize("text", [
    "Patient 93 jaar, CT thorax", "patient 93 år, CT thorax", "93 årig kvinna", "bệnh nhân 93 tuổi, CT",
    "pasien 93 tahun, CT dada", "pacient 93 de ani, CT", "ผู้ป่วย อายุ 93 ปี CT", "بیمار ۹۳ ساله CT",
    "ασθενής 93 χρονών CT", "בן 93, CT", "93 y. o. male, CT chest", "93 évesen CT", "93-летняя пациентка",
    "mother aged 93, lives alone",
])
def test_an_age_over_89_goes(text):
    """HIPAA: an age over 89 is an identifier; the age pattern knew English, German, French, Spanish,
    Italian... units, so "93 jaar", "93 år", "93 tuổi", "۹۳ ساله" kept the age, and so did an age
    after its word and before a comma ("aged 93,"): mappings/identifiers.yaml ``age_over_89``."""
    ds = _ct()
    ds.ImageComments = text
    for out in _both(ds):
        assert "93" not in str(out.ImageComments) and "۹۳" not in str(out.ImageComments), out.ImageComments


@pytest.mark.parametrize("text, kept", [("patient 63 år, CT thorax", "63"), ("aged 63, lives alone", "63"),
                                        ("93 mm mass, CT", "93 mm"), ("age 93.5 mm, CT", "CT")])
def test_an_age_under_90_or_a_measure_stays(text, kept):
    ds = _ct()
    ds.ImageComments = text
    for out in _both(ds):
        assert kept in str(out.ImageComments), out.ImageComments


# --- class 3: a name in the other kana ---------------------------------------------------------------


@pytest.mark.parametrize("name, keyword, value, gone", [
    ("Yamada^Tarou=山田^太郎=やまだ^たろう", "FrameLabel", "ヤマダ タロウ T2", "ヤマダ"),
    ("Yamada^Tarou=山田^太郎=やまだ^たろう", "FrameLabel", "ﾔﾏﾀﾞ ﾀﾛｳ", "ﾔﾏﾀﾞ"),
    ("Yamada^Tarou=山田^太郎=ヤマダ^タロウ", "FrameLabel", "やまだ たろう", "やまだ"),
    ("Yamada^Tarou=山田^太郎=ﾔﾏﾀﾞ^ﾀﾛｳ", "FrameLabel", "ヤマダ タロウ", "ヤマダ"),  # a guard: passed before
])
def test_a_name_in_the_other_kana_goes(name, keyword, value, gone):
    """The header's phonetic group in hiragana did not name the katakana form, nor half-width
    katakana any full-width form (curator.deid.scrub._kana_spellings)."""
    ds = _ct(charset="ISO_IR 192", name=name)
    setattr(ds, keyword, value)
    for out in _both(ds):
        assert gone not in str(out.get(keyword, "")), out.get(keyword)


# --- the archive of round 15 (tests/redteam15_archive.py) through every command and tier ------------


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict:
    import plants
    import redteam15_archive as r15

    return plants.archive_runs(tmp_path_factory.mktemp("redteam15"), r15.build)


def test_every_plant_is_in_the_archive(runs):
    import plants

    plants.every_plant_is_in_the_archive(runs)


def test_no_plant_in_any_output(runs):
    import plants

    plants.no_plant_in_any_output(runs)


@pytest.mark.parametrize("tier", ["deid", "deid-restricted"])
def test_controlled_tiers_keep_the_demographics_and_the_clinical_words(runs, tier):
    """Every instance is released; sex, size and weight stay in the controlled tiers, ages over 89
    (93 years, 1128 months) top-coded to 090Y; the clinical words beside the plants survive."""
    import pydicom
    import redteam15_archive as r15

    released = [pydicom.dcmread(path) for path in sorted((runs["root"] / tier).rglob("*.dcm"))]
    assert len(released) == 12
    ages = sorted(str(ds.PatientAge) for ds in released)
    assert ages == ["064Y", "069Y"] + ["090Y"] * 10, ages
    for ds in released:
        assert ds.PatientSex in ("F", "M")
        assert float(ds.PatientWeight) == 64.0 and float(ds.PatientSize) == 1.62
    text = " ".join(str(ds.get(k, "")) for ds in released for k in ("ImageComments", "StudyDescription", "FrameLabel"))
    assert [w for kept in r15.KEPT.values() for w in kept if w not in text] == []


# --- class 4 (round b): a hyphenated given name whose second half is a word -------------------------


@pytest.mark.parametrize("name, keyword, text, gone", [
    ("이^지영", "FrameLabel", "Rhee Ji-young", "young"),
    ("이^지영", "ImageComments", "Ms Rhee Ji-young, CT chest", "young"),
    ("Lee^Jiyoung", "ImageComments", "Ms Lee Ji-young, CT chest", "young"),
    ("Chan^Waiman", "ImageComments", "Mr Chan Wai-man, CT chest", "man"),
    ("Park^Jaewon", "ImageComments", "Jae-won Park, non-contrast CT", "won"),
])
def test_a_hyphenated_given_name_goes_whole(name, keyword, text, gone):
    """"Ji-young" for the given name Jiyoung: "Ji" went as an unknown word, "young" stayed as a word
    (curator.deid.freetext._hyphenated_value); and 영 is also spelt "young" on passports
    (mappings/transliteration.yaml ``hangul`` ``given_vowels``: eo -> ou)."""
    ds = _ct(name=name)
    setattr(ds, keyword, text)
    for out in _both(ds):
        assert gone not in str(out.get(keyword, "")).replace("non-contrast", ""), out.get(keyword)


@pytest.mark.parametrize("text", ["X-ray follow-up, T2-weighted", "non-contrast CT, young adult"])
def test_hyphenated_words_that_are_no_name_stay(text):
    ds = _ct(name="Lee^Jiyoung")
    ds.ImageComments = text
    for out in _both(ds):
        assert str(out.ImageComments) == text


# --- class 5 (round b): an age over 89 glued to the sex ---------------------------------------------


@pytest.mark.parametrize("text", ["93F with cough, CT chest", "95 M, CT chest",
                                  "93yoF CT chest"])  # the last: a guard (went before as an unknown word)
def test_an_age_over_89_glued_to_the_sex_goes(text):
    """"93F with cough" kept the age (mappings/identifiers.yaml ``age_sex_over_89``)."""
    ds = _ct()
    ds.ImageComments = text
    for out in _both(ds):
        assert "9" not in str(out.ImageComments) and "CT" in str(out.ImageComments), out.ImageComments


@pytest.mark.parametrize("text", ["temp 99F, CT chest", "Temperature: 99F", "63F with cough", "CT 120M"])
def test_a_temperature_or_a_younger_age_stays(text):
    ds = _ct()
    ds.ImageComments = text
    for out in _both(ds):
        assert str(out.ImageComments) == text


# --- class 6 (round b; red team 14 left it): a particle between two words of the name ---------------


@pytest.mark.parametrize("name, text, particle", [
    ("Trần^Văn Hùng", "Tran Van Hung CT chest", "Van"),
    ("van Beethoven^Ludwig", "Ludwig van Beethoven, CT", "van"),
    ("Silva^Maria", "Maria da Silva, TC", "da"),
])
def test_a_particle_between_two_words_of_the_name_goes(name, text, particle):
    """'Tran Van Hung' left 'Van' (Văn without its diacritics is the particle 'van', kept alone):
    a particle between two words of the patient's name goes with them
    (curator.deid.freetext.allowlist; mappings/identifiers.yaml ``name_particles``)."""
    ds = _ct(name=name)
    ds.ImageComments = text
    for out in _both(ds):
        assert not re.search(rf"\b{particle}\b", str(out.ImageComments)), out.ImageComments


def test_a_particle_away_from_the_name_stays():
    ds = _ct(name="Trần^Văn Hùng")
    ds.ImageComments = "Tran Van Hung, van and CT"
    for out in _both(ds):
        assert str(out.ImageComments) == "van and CT"


# --- class 7 (round c; red team 14 left it): Teochew and Hakka spellings of a Chinese family name ----


@pytest.mark.parametrize("name, label, gone", [
    ("陈^文庆", "DANG BUNG KENG", "DANG"),
    ("陈^文庆", "Tang Boon Keng", "Tang"),
    ("陈^文庆", "CHIN T2", "CHIN"),
    ("王^美玲", "HENG BEE LENG", "HENG"),
    ("黄^志明", "VONG CHI MIN", "VONG"),
    ("刘^德华", "LIEW TET FAH", "LIEW"),
    ("温^国强", "VOON KOK KEONG", "VOON"),
    ("彭^丽娟", "PHANG LEE KUAN", "PHANG"),
])
def test_a_teochew_or_hakka_family_name_goes(name, label, gone):
    """Only Hokkien and Cantonese spellings of a family name were known ("Dang", "Chin" for 陈, "Heng"
    for 王, "Vong" for 黄 stayed; mappings/transliteration.yaml ``teochew_hakka_surnames``)."""
    ds = _ct(name=name)
    ds.FrameLabel = label
    for out in _both(ds):
        assert gone not in str(out.get("FrameLabel", "")), out.get("FrameLabel")


# --- class 8 (round c, over-removal): a modality next to a Chinese name read as initials -------------


@pytest.mark.parametrize("name, text, kept", [
    ("陈^文庆", "Tan, CT chest", "CT chest"),
    ("陈^文庆", "Mr Tan, CT chest", "CT chest"),
    ("陳^偉文", "Mr Chan Wai-man, CT chest", "CT chest"),
])
def test_a_modality_next_to_the_name_stays(name, text, kept):
    """A Chinese name's many spellings give many first letters, so "CT" next to it went as the
    patient's initials (curator.deid.scrub.initials_of_name: an imaging word of two letters or more is
    initials only when it is the name's own, in order)."""
    ds = _ct(name=name)
    ds.ImageComments = text
    for out in _both(ds):
        assert kept in str(out.ImageComments), out.ImageComments


@pytest.mark.parametrize("name, text, gone", [
    ("Chan^Tai Man", "Chan TM, CT", "TM"),
    ("Smith^Mary Ruth", "Smith MR, CT", "MR"),
    ("Raghunathan^Pradeep Kumar", "Raghunathan PK, CT chest", "PK"),
])
def test_initials_that_are_an_imaging_word_still_go(name, text, gone):
    ds = _ct(name=name)
    ds.ImageComments = text
    for out in _both(ds):
        assert gone not in str(out.ImageComments), out.ImageComments


# --- class 9 (round d): a national identifier in a kept private element ------------------------------


@pytest.mark.parametrize("value", ["RSSMRA31C03H501U", "19310303-2383"])  # the second: a guard (a free-text pattern since 67c4556)
def test_a_national_id_in_a_safe_private_element_goes(value):
    """A private element the TCIA knowledge base keeps (GEMS_ACQU_01 Internal Pulse Sequence Name) is
    kept whole when it holds no identifier pattern: a codice fiscale is none of the free-text patterns
    and stayed (curator.deid.engine.private_text_safe reads ``checked_patterns`` too)."""
    ds = _ct()
    ds.private_block(0x0019, "GEMS_ACQU_01", create=True).add_new(0x9E, "SH", value)
    for out in _both(ds):
        assert value not in str(out.get((0x0019, 0x109E), "")), out.get((0x0019, 0x109E))


def test_a_technical_private_value_stays():
    ds = _ct()
    ds.private_block(0x0019, "GEMS_ACQU_01", create=True).add_new(0x9E, "SH", "FSE-XL")
    for out in _both(ds):
        assert str(out[0x0019, 0x109E].value) == "FSE-XL"


# --- class 10 (round f): a declined form of the name in a label --------------------------------------


@pytest.mark.parametrize("name, label, gone", [
    ("Παπαδόπουλος^Γεώργιος", "Papadopoulou T2", "Papadopoulou"),
    ("Παπαδόπουλος^Γεώργιος", "ΠΑΠΑΔΟΠΟΥΛΟΥ T2", "ΠΑΠΑΔΟΠΟΥΛΟΥ"),
    ("Иванова^Наталья", "Иванову T2", "Иванову"),
    ("Иванова^Наталья", "Ивановой T2", "Ивановой"),
    ("Kowalska^Anna", "Kowalskiej T2", "Kowalskiej"),
])
def test_a_declined_name_in_a_label_goes(name, label, gone):
    """A label is cleaned of the patient's values only, so a case form of the name (the Greek genitive
    'Papadopoulou', Russian 'Иванову', Polish 'Kowalskiej') stayed (curator.deid.scrub.declined_name:
    the name's stem, all letters but the last two, at least five)."""
    ds = _ct(name=name)
    ds.FrameLabel = label
    for out in _both(ds):
        assert gone not in str(out.get("FrameLabel", "")), out.get("FrameLabel")


@pytest.mark.parametrize("name, label", [
    ("Marino^Carla", "Marine T2"), ("Chesterfield^Ann", "Chest CT"), ("Axelsson^Eva", "AXIAL T2"),
    ("Sagittario^Ugo", "SAGITTAL T2"),
])
def test_a_word_that_shares_the_names_start_stays(name, label):
    ds = _ct(name=name)
    ds.FrameLabel = label
    for out in _both(ds):
        assert str(out.FrameLabel) == label
