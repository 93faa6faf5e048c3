"""Round 15 of issue 16 (Portuguese and other non-English names): classes of the development
parts and of the way Portuguese exam lists are written (no held-out item was looked at).

- mojibake: UTF-8 names decoded as Windows-1252 ("TÃ³rax", "CRÃ‚NIO") are read as the
  words they spell (`curator.common.fold.repair_mojibake`, applied before the description is
  read); a correct accent or a Latin-1 "Ã" before a letter ("MÃO") is never changed;
- the Brazilian slash abbreviations of contrast: "s/ contraste", "s/c" (without), "c/ contraste",
  "c/c" (with), "c/ e s/ contraste" (without then with);
- "with or without contrast" in every language ("C/ OU S/ CONTRASTE", "com ou sem contraste",
  "con o sin contraste") states no contrast (it was read as "without", confidently);
- Portuguese plurals of -ção (-ções) and -il (-is) one-word terms ("QUADRIS");
- nuclear medicine named by a compound: an organ prefix glued to a scintigraphy word of any
  language ("LINFOCINTILOGRAFIA"), the organ scintigraphies the lexicon lists
  ("CISTOCINTILOGRAFIA": the bladder *and* nuclear medicine), the radioisotope nouns
  ("C/ RADIOISOTOPO") (SIGTAP 02.08 dev: 9 names gave no modality from their text);
- nuclear medicine function measures named by the organ's physiology: the glomerular
  filtration (the kidneys), the perchlorate discharge test (the thyroid) (SIGTAP 02.08 dev abstained);
- ultrasound named by an adjective ("PAQUIMETRIA ULTRASSONICA") and the transoesophageal
  echocardiography ("ECOCARDIOGRAFIA TRANSESOFAGICA": the heart, and no modality).

Each test fails without its change; the guards pass before and after."""
from __future__ import annotations

import pytest

from curator.common.fold import repair_mojibake
from curator.normalize import CONFIDENT, normalize_description


def _label(text: str, field: str, modality: str | None = None) -> list[tuple[str, bool]]:
    value = normalize_description(text, modality=modality)[field] or []
    values = value if isinstance(value, list) else [value]
    return sorted((v["label"], v["confidence"] >= CONFIDENT) for v in values)


@pytest.mark.parametrize("broken, repaired", [
    ("TÃ³rax", "Tórax"),
    ("TOMOGRAFIA DE CRÃ‚NIO", "TOMOGRAFIA DE CRÂNIO"),
    ("RESSONÃ‚NCIA MAGNÃ‰TICA", "RESSONÂNCIA MAGNÉTICA"),
    ("ARTICULAÃ‡ÃƒO", "ARTICULAÇÃO"),
    ("EcografÃ\xada", "Ecografía"),              # Latin-1 decoding of the byte Windows-1252 leaves undefined
])
def test_utf8_read_as_windows_1252_is_repaired(broken, repaired):
    assert repair_mojibake(broken) == repaired


@pytest.mark.parametrize("text", ["Tórax", "MÃO", "CORAÇÃO", "Knie", "Ã", "São Paulo Â"])
def test_correct_text_is_left_alone(text):
    assert repair_mojibake(text) == text


@pytest.mark.parametrize("text, label", [
    ("RX TÃ³rax PA", "thorax"),
    ("RM CRÃ‚NIO C/ CONTRASTE", "head"),
    ("RESSONÃ‚NCIA MAGNÃ‰TICA DE JOELHO", "knee"),
])
def test_mojibake_descriptions_are_read(text, label):
    assert _label(text, "body_region") == [(label, True)]


def test_mojibake_modality_word_is_read():
    assert _label("RESSONÃ‚NCIA MAGNÃ‰TICA DE JOELHO", "modality") == [("magnetic resonance imaging", True)]


@pytest.mark.parametrize("text, label", [
    ("TC ABDOME S/ CONTRASTE", "imaging without IV contrast"),
    ("TC ABDOME S/C", "imaging without IV contrast"),
    ("TC DE TORAX S/CONTRASTE", "imaging without IV contrast"),
    ("RM CRANIO C/ E S/ CONTRASTE", "imaging without then with IV contrast"),
    ("TC Abdome s/ e c/ contraste", "imaging without then with IV contrast"),
])
def test_brazilian_slash_abbreviations_of_contrast(text, label):
    assert [name for name, _ in _label(text, "contrast")] == [label]


def test_slash_abbreviation_guards():
    # guard: "c/ contraste" and "c/c" were read before round 15 and still are
    assert [n for n, _ in _label("RM CRANIO C/ CONTRASTE", "contrast")] == ["imaging with IV contrast"]
    assert [n for n, _ in _label("RM Crânio c/c", "contrast")] == ["imaging with IV contrast"]


@pytest.mark.parametrize("text", [
    "TC DE COLUNA CERVICAL C/ OU S/ CONTRASTE",     # SIGTAP
    "TC DE COLUNA CERVICAL COM OU SEM CONTRASTE",
    "CT HEAD WITH OR WITHOUT CONTRAST",
    "TC con o sin contraste",
    "TDM avec ou sans injection",
    "RM con o senza mdc",
])
def test_with_or_without_contrast_states_no_contrast(text):
    """"with or without" lets the site choose: no answer (it was "without", confidently)."""
    assert _label(text, "contrast") == []


@pytest.mark.parametrize("text, label", [
    ("RX QUADRIS", "hip"),
    ("RX QUADRIS E BACIA", "hip"),
])
def test_portuguese_plurals_of_il_and_cao(text, label):
    assert label in [name for name, _ in _label(text, "body_region", "DX")]


def test_portuguese_plural_guards():
    # guard: the singular and the -o/-os plurals read before round 15 still are
    assert [name for name, _ in _label("RX QUADRIL", "body_region", "DX")] == ["hip"]
    assert [name for name, _ in _label("RX JOELHOS", "body_region", "DX")] == ["knee"]


@pytest.mark.parametrize("text", [
    "LINFOCINTILOGRAFIA",
    "CISTOCINTILOGRAFIA DIRETA",
    "CISTERNOCINTILOGRAFIA",
    "TESTE DO PERCLORATO C/ RADIOISOTOPO",
    "lymphoscintigraphy",
    "Schilddrüsenszintigraphie",
])
def test_nuclear_medicine_named_by_a_compound_or_a_radioisotope(text):
    assert [name for name, _ in _label(text, "modality")] == ["nuclear medicine imaging"]


def test_organ_scintigraphy_keeps_its_organ():
    assert [n for n, _ in _label("CISTOCINTILOGRAFIA DIRETA", "body_region")] == ["urinary bladder"]
    # guard: the contrast cystography stays a region without a modality
    assert _label("CISTOGRAFIA", "modality") == []


@pytest.mark.parametrize("text", ["PAQUIMETRIA ULTRASSÔNICA", "ECOCARDIOGRAFIA TRANSESOFAGICA"])
def test_ultrasound_by_an_adjective_or_the_transoesophageal_echo(text):
    assert [name for name, _ in _label(text, "modality")] == ["ultrasound"]


@pytest.mark.parametrize("text, label", [
    ("DETERMINACAO DE FILTRACAO GLOMERULAR", "kidney"),
    ("mesure isotopique de la filtration glomerulaire", "kidney"),
    ("TESTE DO PERCLORATO C/ RADIOISOTOPO", "thyroid gland"),
    ("perchlorate discharge test", "thyroid gland"),
])
def test_nuclear_medicine_function_measures_name_their_organ(text, label):
    assert [name for name, _ in _label(text, "body_region", "NM")] == [label]


@pytest.mark.parametrize("text, field, label", [
    ("MMG BILATERAL", "modality", "mammography"),
    ("MMG BILATERAL", "body_region", "breast"),
    ("URO-TC", "body_region", "urinary tract"),
    ("UROTOMOGRAFIA", "modality", "computed tomography"),
])
def test_brazilian_exam_abbreviations(text, field, label):
    """"MMG" (mamografia) and "URO-TC" (CT urography) of Brazilian order lists."""
    assert [name for name, _ in _label(text, field)] == [label]


def test_tc_ce_of_portugal_is_no_contrast_statement():
    """"TAC CE" / "TC CE" / "RM CE": the Portuguese (Portugal) crânio-encefálica, not "contrast
    enhanced" (was "with contrast", confidently): the modality stays, no contrast is claimed."""
    for text, modality in (("TAC CE", "computed tomography"), ("TC CE", "computed tomography"), ("RM CE", "magnetic resonance imaging")):
        assert _label(text, "contrast") == []
        assert _label(text, "modality") == [(modality, True)]
    # guard: English "CT CE" keeps its contrast; a contrast word after "TC CE" is read
    assert _label("CT CE CHEST", "contrast") == [("imaging with IV contrast", True)]
    assert _label("TC CE com contraste", "contrast") == [("imaging with IV contrast", True)]


@pytest.mark.parametrize("text, labels", [
    ("TC dos seios perinasais", ["paranasal sinuses"]),
    ("Ecografia tiroideia", ["thyroid gland"]),
    ("TC toraco-abdomino-pélvica", ["abdomen", "pelvis", "thorax"]),
])
def test_portuguese_of_portugal_region_words(text, labels):
    assert [name for name, _ in _label(text, "body_region")] == labels


def test_a_truncation_whose_completions_imply_overlapping_facts_keeps_the_shared_ones():
    # "CYSTO" completes to cystography (the bladder) and cystoscintigraphy (nuclear medicine and
    # the bladder): two meanings since round 15 split them, both name the bladder
    for text, modality in (("NM Cysto Reflux", "NM"), ("Cysto", None), ("PLACENTOGRAM W/CONT CYSTO CP", None)):
        values = normalize_description(text, modality=modality)["body_region"] or []
        assert [v["label"] for v in values] == ["urinary bladder"], text
