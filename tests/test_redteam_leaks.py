"""Red team: an archive built independently of curator's own generators (tests/adversarial.py,
plain pydicom) goes through audit (json, text, html), deid, publish and validate; no planted
identifier, nor any distinctive part of one, may be in anything they write or print."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

from curator.deid.freetext import clean
from curator.deid.scrub import fold as curator_fold
from curator.deid.scrub import identifier_values, scrub_text

sys.path.insert(0, str(Path(__file__).resolve().parent))
import adversarial  # noqa: E402  (a helper module beside the tests, not a package)
from leakrun import run_every_command  # noqa: E402

PINYIN = "小明 王"  # a Chinese name written in pinyin in the folder name (its planted value)


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict:
    root = tmp_path_factory.mktemp("redteam")
    archive = adversarial.write_archive(root / "archive")
    console = run_every_command(root, archive.root, ("json", "text", "html"))
    hits = adversarial.search([root / "audit", root / "deid", root / "release"], archive.plants, console)
    return {"root": root, "archive": archive, "hits": hits}


def test_the_plants_are_in_the_source(runs):
    archive = runs["archive"]
    found = {value for _, value, _ in adversarial.search([archive.root], archive.plants)}
    assert found == {p.value for p in archive.plants}
    assert archive.files == 48 and len(archive.plants) >= 105


def test_the_independent_fold_agrees_with_curator():
    text = "Øyvind Ødegård Żaneta Łukasiewicz Þórunn Guðmundsdóttir Müller-Lüdenscheidt Straße Σωκράτης Иван"
    assert curator_fold(text) == adversarial.fold(text)


def test_no_planted_identifier_in_any_output(runs):
    assert runs["hits"] == [], runs["hits"][:20]


def test_pinyin_spelling_of_a_chinese_name(runs):
    """王小明 in the header, "Wang Xiaoming" in a folder name: the pinyin spelling is derived."""
    assert any(plant.value == PINYIN for plant in runs["archive"].plants)
    assert [hit for hit in runs["hits"] if hit[1] == PINYIN] == []


def test_korean_and_chinese_names_are_spelled_in_latin_letters():
    from curator.deid.scrub import _latin_spellings

    assert "wang^xiaoming" in _latin_spellings("王^小明")
    assert {"gim^minjun", "kim^minjun"} <= set(_latin_spellings("김^민준"))


@pytest.mark.parametrize("text", [
    "born 02/29/1948 / 29 Feb 1948", "DOB 03/12/1956", "born March 12, 1956", "geb. 12. März 1956",
    "nacido el 24 de diciembre de 1983", "ur. 5 lipca 1961", "né le 3 août 1950",
])
def test_dates_written_in_words_or_us_order_are_removed(text):
    cleaned = scrub_text(text)
    assert not any(ch.isdigit() for ch in cleaned), cleaned


def test_dates_do_not_eat_clinical_text():
    for text in ("CT THORAX 5 MM MARCH PROTOCOL", "T2 TSE 3 mm set 2", "AX T1 MPRAGE 1.0 mm", "MAYO PROTOCOL 2020", "DEC 12 SLICES"):
        assert scrub_text(text) == text


def test_a_known_part_does_not_shield_the_rest_of_a_phone_or_email():
    """Removing the known "1234" of a phone first left "+354 555", which no pattern matched."""
    import pydicom

    ds = pydicom.Dataset()
    ds.PatientName = "Guðmundsdóttir^Þórunn"
    ds.PatientTelephoneNumbers = "+354 555 1234"
    ds.PatientAddress = "Skólavörðustígur 12"
    values = identifier_values(ds)
    out = clean("Tel +354 555 1234, e-mail thorunn.g@simnet.is", values)
    assert not any(ch.isdigit() for ch in out) and "@" not in out and "simnet" not in out, out


def test_two_letter_spellings_of_latin_letters_are_identifiers():
    import pydicom

    ds = pydicom.Dataset()
    ds.PatientName = "Ødegård^Øyvind"
    ds.OtherPatientNames = "Müller-Lüdenscheidt^Hildegard"
    out = scrub_text("site_a/Oedegaard_Oeyvind/Mueller-Luedenscheidt.dcm", identifier_values(ds))
    assert "oedegaard" not in out.lower() and "mueller" not in out.lower(), out


def test_a_code_after_a_role_goes_even_as_a_site_convention():
    """Found by the red team: "tech JS4501" in Protocol Name at every site became a site
    convention (5+ patients, 2+ sites) and was kept; a role makes the code a person."""
    conventions = frozenset({"js4501", "kowalski"})
    assert "JS4501" not in clean("CHEST ROUTINE tech JS4501", frozenset(), conventions)
    assert "JS4501" not in clean("CHEST ROUTINE TECH JS4501", frozenset(), conventions)
    assert "KOWALSKI" not in clean("allergic per nurse KOWALSKI", frozenset(), conventions)
    assert clean("seen by tech 3D recon", frozenset(), conventions) == "seen by tech 3D recon"


def test_code_meanings_of_local_codes_are_free_text_standard_ones_stay_whole():
    """Found by the red team: a local procedure code's meaning "CT CHEST WANG XIAOMING" was
    released as written (Code Meaning was kept text, cleaned of known values only)."""
    from curator.deid.engine import clean_text

    code_meaning = 0x00080104
    assert "XIAOMING" not in clean_text("CT CHEST WANG XIAOMING", frozenset(), code_meaning)
    assert clean_text("CT CHEST WANG XIAOMING", frozenset(), code_meaning).startswith("CT CHEST")
    for standard in ("Harris Beath axial projection", "CC Nipple not centered on image", "Person Observer Name"):
        assert clean_text(standard, frozenset(), code_meaning) == standard


def test_an_empty_archive_is_accounted_for(tmp_path):
    """Found by the red team: an empty zip beside other files yielded no item and no rejection."""
    import zipfile

    from curator.sources.base import Rejection
    from curator.sources.registry import open_source

    with zipfile.ZipFile(tmp_path / "empty.zip", "w"):
        pass
    (tmp_path / "note.txt").write_text("not dicom")
    entries = list(open_source(tmp_path).items())
    assert [e.reason for e in entries if isinstance(e, Rejection) and "empty.zip" in e.relpath] == ["empty zip archive (no file in it)"]
    assert [e.reason for e in open_source(tmp_path / "empty.zip").items()] == ["empty zip archive (no file in it)"]
