"""Red team, round 10: an independent archive (tests/redteam10_archive.py) of synthetic Saudi,
Korean, Thai, Vietnamese, Greek, Iranian and Nigerian patients, planted in presentation states,
Key Object Selection documents, ECG waveforms, RT Plans, encapsulated PDF and CDA documents,
overlays, icon images, Request Attributes and Referenced Patient sequences, Patient Telecom
Information, Study IDs, UIDs and safe private elements, with dates of other calendars, national
phone formats, full-width digits and zero-width joiners, through every command; then one test
per class it found, each on both de-identification paths and each failing without its fix
(figures in docs/deid.md and notes/redteam10.md)."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from curator.cli import app

sys.path.insert(0, str(Path(__file__).resolve().parent))

import redteam10_archive as r10  # noqa: E402
from test_redteam8 import _both, _ct  # noqa: E402


# --- the archive through every command ------------------------------------------------------


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict:
    from leakrun import run_every_command

    root = tmp_path_factory.mktemp("redteam10")
    planted = r10.build(root / "archive")
    console = run_every_command(root, planted.root, ("json", "html"))  # validate --key must pass too
    runner = CliRunner()
    extra = {
        "audit text -o -": ["audit", str(planted.root), "-f", "text", "-o", "-", "-w", "1"],
        "deid --clean-pixels": ["deid", str(planted.root), str(root / "pixels"), "--key", str(root / "key"), "-w", "1",
                                "--clean-pixels", "--quarantine", str(root / "quarantine")],
    }
    for name, args in extra.items():
        result = runner.invoke(app, args)
        assert result.exit_code == 0, result.output
        console[name] = result.output
    folders = [root / name for name in ("audit", "deid", "pixels", "quarantine", "release") if (root / name).exists()]
    hits = r10.leaks(folders, planted, console)
    return {"planted": planted, "hits": hits, "root": root, "console": console}


def test_every_plant_is_in_the_archive(runs):
    planted = runs["planted"]
    assert len(planted.plants) >= 150
    assert {value for _, value, _ in r10.leaks([planted.root], planted)} == {p.value for p in planted.plants}


def test_no_plant_in_any_output(runs):
    """Audit (json, html, text on stdout, index), deid (and --clean-pixels --quarantine), publish
    and validate --key: no plant in any file, file name or console output.  On main before
    round 10 (7f22041): 48 hits of 16 plants in 4 classes (notes/redteam10.md)."""
    from leakrun import where_found

    assert runs["hits"] == [], where_found(runs["hits"], runs["root"])
    assert "identifiers: ok" in runs["console"]["validate"]


def test_the_release_keeps_the_research_values(runs):
    """What the plants sit next to stays: age, sex, size, weight, ethnic group, descriptions."""
    import pydicom

    cts = [pydicom.dcmread(p) for p in sorted((runs["root"] / "deid").rglob("*.dcm"))]
    cts = [ds for ds in cts if ds.get("Modality") == "CT"]
    assert len(cts) == 14
    for ds in cts:
        assert ds.PatientSex in ("M", "F") and ds.PatientAge.endswith("Y")
        assert str(ds.PatientWeight) == "71" and str(ds.PatientSize) == "1.66" and ds.EthnicGroup == "W2"
        assert ds.SeriesDescription == "AXIAL 1.25 STANDARD" and ds.StudyDescription == "CT CHEST"


# --- class 1: dates of other calendars --------------------------------------------------------


@pytest.mark.parametrize("text, date", [("DOB 1400/04/13 هـ", "1400/04/13"), ("b. 13/04/1400H", "13/04/1400"),
                                        ("b. ١٤٠٠/٠٤/١٣", "١٤٠٠/٠٤/١٣"), ("b. 1358/01/16", "1358/01/16"),
                                        ("b. ۱۳۵۸/۰۱/۱۶", "۱۳۵۸/۰۱/۱۶"), ("เกิด 05/12/2518", "05/12/2518"),
                                        ("seen 6.10.1445", "6.10.1445"), ("seen 2567-04-15", "2567-04-15")])
def test_a_date_of_another_calendar_goes(text, date):
    """Hijri (lunar and solar) and Buddhist era dates written in numbers kept their year ranges
    out of every numeric date pattern (years 19xx and 20xx only): the birth date stayed
    (mappings/identifiers.yaml ``calendar_ymd_date``, ``calendar_dmy_date``)."""
    ds = _ct()
    ds.ImageComments = text
    for out in _both(ds):
        assert date not in out.ImageComments, out.ImageComments


@pytest.mark.parametrize("text", ["TR/TE 2400/12", "b 1400 s/mm2", "slices 512/512/1400 ms",
                                  "5/10/140 ratio", "12 x 12 x 1400"])
def test_numbers_that_are_no_date_stay(text):
    ds = _ct()
    ds.ImageComments = text
    for out in _both(ds):
        assert out.ImageComments == text


# --- class 2: a name abbreviated in a label ---------------------------------------------------


@pytest.mark.parametrize("name, keyword, label", [
    ("Παπαδοπούλου^Ελένη", "RTPlanLabel", "PAPADO_LUNG"), ("Παπαδοπούλου^Ελένη", "BeamName", "PAPAD AP"),
    ("Παπαδοπούλου^Ελένη", "ContentLabel", "PAPADOPO_PR"), ("Παπαδοπούλου^Ελένη", "PatientSetupLabel", "ELEPAP"),
    ("Okonkwo^Chiamaka", "RTPlanLabel", "CHIOKO"), ("Kim^Minjun=김^민준", "ContentLabel", "KIM_PR"),
    ("Srisuk^Somchai=ศรีสุข^สมชาย", "ChannelLabel", "I SOMC"), ("Hosseini^Zahra", "ChannelLabel", "I ZAHR"),
    ("Hosseini^Zahra", "GraphicLayer", "HOSS_LAYER"), ("Whitmore^William", "BeamName", "WHITM 2"),
    ("Okonkwo^Chiamaka", "BeamName", "OKONK AP")])
def test_a_name_abbreviated_in_a_label_goes(name, keyword, label):
    """RT plan labels, beam names, setup labels, channel labels and presentation state content
    labels write the patient cut short (first letters of a part: 4 when they are half of it, 5
    or more always; a three-letter surname; the RT convention of two parts' first letters
    glued); only whole names, or six letters of a longer part that were not a word, were found
    (mappings/identifiers.yaml ``name_prefix_letters``, ``name_initials_letters``)."""
    ds = _ct(charset="ISO_IR 192" if name.isascii() or "=" in name else "ISO_IR 126", name=name)
    setattr(ds, keyword, label)
    for out in _both(ds):
        assert str(out.get(keyword, "")) != label, keyword


@pytest.mark.parametrize("name, keyword, label", [
    ("Lungren^Axelle", "ROIName", "LUNG_L"), ("Lungren^Axelle", "RTPlanLabel", "AXIAL 2"),
    ("Kim^Minjun=김^민준", "ContentLabel", "MIP_PR"), ("Papadopoulou^Eleni", "BeamName", "PA 180"),
    ("Hosseini^Zahra", "GraphicLayer", "HOSTS"), ("Okonkwo^Chiamaka", "ChannelLabel", "CHEST I"),
    ("Whitmore^William", "RTPlanLabel", "WHITE 2"), ("Srisuk^Somchai", "ContentLabel", "SOMATOM_PR"),
    ("Rostkowska^Anna", "SoftwareVersions", "VB40 ROST"), ("Axialowski^Originalny", "ContentLabel", "ORIGINAL_MEAS")])
def test_a_label_that_is_no_abbreviation_of_the_name_stays(name, keyword, label):
    ds = _ct(name=name)
    setattr(ds, keyword, label)
    for out in _both(ds):
        assert str(out.get(keyword, "")) == label and list(out.ImageType) == ["ORIGINAL", "PRIMARY", "AXIAL"]


# --- left from round 9: the rest of a percent-encoded e-mail address --------------------------


@pytest.mark.parametrize("keyword, text, gone", [("ImageComments", "mailto:siobhan.os%40eircom.ie; seen", ".os"),
                                                 ("ImageComments", "mail j.smith%40nhs.net", "nhs")])
def test_a_percent_encoded_e_mail_address_goes_whole(keyword, text, gone):
    """"siobhan.os%40eircom.ie": the name went, ".os%40eircom.ie" stayed; the address is an
    e-mail address whether its @ is written or percent-encoded (``email`` pattern)."""
    ds = _ct(name="O'Sullivan^Siobhán")
    setattr(ds, keyword, text)
    for out in _both(ds):
        assert gone not in str(out.get(keyword, "")), out.get(keyword)


def test_a_percent_sign_after_a_number_stays():
    ds = _ct()
    ds.ImageComments = "stenosis 40%, ratio 100%40"
    for out in _both(ds):
        assert out.ImageComments == "stenosis 40%, ratio 100%40"


# --- left from round 9: the rest of an IBAN or a NIR --------------------------------------------


@pytest.mark.parametrize("text, rest", [("NIR 2 58 02 75 115 042 12; seen", ("2", "12")),
                                        ("NIR 1 85 05 78 006 084 36", ("1", "36")),
                                        ("IBAN NL80 RABO 0314 7228 75, ok", ("NL80", "RABO")),
                                        ("bank GB52 BARC 2003 5347 6149 08", ("GB52", "BARC"))])
def test_a_grouped_iban_or_nir_goes_whole(text, rest):
    """The account number or the middle groups went as numbers; the IBAN's country, check digits
    and bank code, the NIR's sex digit and key stayed (``iban``, ``nir`` patterns)."""
    ds = _ct()
    ds.ImageComments = text
    for out in _both(ds):
        assert not set(rest) & set(out.ImageComments.replace(",", " ").replace(";", " ").split()), out.ImageComments


@pytest.mark.parametrize("text", ["AX T2 FLAIR 3D, 5 mm", "CT 120 kV 250 mAs", "1 of 2, series 3 of 12"])
def test_research_text_with_letters_and_digit_groups_stays(text):
    ds = _ct()
    ds.ImageComments = text
    for out in _both(ds):
        assert out.ImageComments == text
