"""Red team, round 3: a second independent archive (tests/adversarial2.py, plain pydicom) with
identifiers where round 1 and 2 did not put them (SR trees, SEG, RT observation labels,
PDF/CDA, ECG and graphic annotations, Acquisition Context, Scheduled Procedure Step text,
overlays, curves, TCIA-safe private text, ISO 2022 JP / GB18030 / ISO-8859-5/7 / Latin-1
without SpecificCharacterSet, a tar.gz export) goes through audit, deid, publish and
validate; no planted string may be in anything they write or print."""
from __future__ import annotations

import sys
import tarfile
from pathlib import Path

import pytest
from pydicom.datadict import tag_for_keyword
from typer.testing import CliRunner

from curator.deid import freetext
from curator.cli import app
from curator.deid.engine import clean_text
from curator.deid.scrub import scrub_text

sys.path.insert(0, str(Path(__file__).resolve().parent))
import adversarial  # noqa: E402  (helper modules beside the tests, not a package)
from leakrun import run_every_command  # noqa: E402
import adversarial2  # noqa: E402

runner = CliRunner()


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict:
    root = tmp_path_factory.mktemp("redteam2")
    archive = adversarial2.write_archive(root / "archive")
    console = run_every_command(root, archive.root, ("json", "html"))
    hits = adversarial.search([root / "audit", root / "deid", root / "release"], archive.plants, console)
    return {"root": root, "archive": archive, "hits": hits}


def test_the_plants_are_in_the_source(runs, tmp_path):
    archive = runs["archive"]
    with tarfile.open(next(archive.root.glob("*.tar.gz"))) as tf:
        tf.extractall(tmp_path, filter="data")
    found = {value for _, value, _ in adversarial.search([archive.root, tmp_path], archive.plants)}
    assert found == {p.value for p in archive.plants}
    assert archive.files == 54 and len(archive.plants) >= 60


def test_no_planted_identifier_in_any_output(runs):
    assert runs["hits"] == [], runs["hits"][:20]


def test_every_item_is_accounted_for(runs):
    import json

    report = json.loads((runs["root"] / "deid" / "deid-report.json").read_text())
    counts = report["counts"]
    assert counts["items"] == runs["archive"].files == counts["written"] + counts["quarantined"] + counts["rejected"]
    assert counts["written"] == 36  # 6 patients x 6 objects (CT, SR, SEG, RTSTRUCT, ECG, GSPS)
    documents = [r for r in report["rejected"] if r["reason"].startswith("encapsulated document cannot be de-identified")]
    assert len(documents) == 12  # 6 patients x (PDF, CDA): never released (mappings/privacy/not-released.yaml)


@pytest.mark.parametrize("keyword", [
    # found by the red team (staff names kept): unlisted attributes, free text by VR or by name
    "AcquisitionContextDescription", "CommentsOnTheScheduledProcedureStep", "UnformattedTextValue",
    "FrameOfReferenceTransformationComment", "ReasonForCancellation", "DocumentTitle",
    # PS3.15 says C (clean), which was the patient's own values only
    "MedicalAlerts", "Allergies", "ReasonForVisit", "Occupation", "BeamDescription", "SpecialNeeds",
])
def test_free_text_by_class(keyword):
    tag = tag_for_keyword(keyword)
    assert freetext.is_free_text(tag)
    assert "Wojciechowska" not in clean_text("ask Dr Wojciechowska before", frozenset(), tag)
    assert "Thorvaldsen" not in clean_text("Sedation by nurse Thorvaldsen", frozenset(), tag)


@pytest.mark.parametrize("keyword", ["Manufacturer", "ManufacturerModelName", "SoftwareVersions", "SequenceName",
                                     "EthnicGroup", "ContrastBolusAgent", "InstitutionAddress", "LensModel"])
def test_device_strings_and_vocabulary_values_are_not_free_text(keyword):
    assert not freetext.is_free_text(tag_for_keyword(keyword))


@pytest.mark.parametrize("text", ["born 02-XI-1958", "ur. 3.IV.1961", "DOB 30 V 1981", "1966年9月23日生", "1981년 5월 30일"])
def test_dates_with_roman_or_cjk_months_are_removed(text):
    assert not any(ch.isdigit() for ch in scrub_text(text)), scrub_text(text)


@pytest.mark.parametrize("text", ["5 x 10 mm", "SLICE 3 X 2", "CT 1 V 2 PHASE"])
def test_roman_month_pattern_keeps_measurements(text):
    assert scrub_text(text) == text


@pytest.mark.parametrize("text", ["93-year-old woman", "94 y/o F", "Pt is 92yo", "aged 101 years", "age: 97",
                                  "nonagenarian, 96 years old", "edad 95 años", "95 Jahre alt", "93 ans"])
def test_ages_over_89_in_text_are_removed(text):
    """Found by the red team: the header's age is top-coded at 90 (HIPAA Safe Harbor) while
    "93-year-old" in a comment was kept."""
    assert not any(ch.isdigit() for ch in scrub_text(text)), scrub_text(text)


@pytest.mark.parametrize("text", ["45-year-old man", "3 year follow-up", "CT 90 kV 120 mAs", "FA 90 Y", "DLP 95.2",
                                  "ROTATION 90 DEG", "age 45", "1.93 years"])
def test_younger_ages_and_measurements_stay(text):
    assert scrub_text(text) == text


def test_private_creators_a_site_made_up_are_free_text_in_reports(tmp_path):
    """Found by the red team: the audit report (also in every release's metadata) listed the
    private creators "Dr Kowalczyk research" and "Bielanski PACS" as written; creators the
    TCIA knowledge base knows (vendor blocks) are still shown as written."""
    import json

    import pydicom

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import hostile

    ds = pydicom.dcmread(__import__("io").BytesIO(hostile.one_ct()))
    ds.InstitutionName = "Szpital Bielanski"
    ds.private_block(0x0011, "Bielanski PACS", create=True).add_new(0x01, "LO", "x")
    ds.private_block(0x0013, "Dr Kowalczyk research", create=True).add_new(0x01, "LO", "y")
    ds.private_block(0x0015, "SIEMENS CSA HEADER", create=True).add_new(0x08, "CS", "IMAGE NUM 4")
    (tmp_path / "src").mkdir()
    ds.save_as(tmp_path / "src" / "a.dcm")
    out = tmp_path / "report.json"
    result = runner.invoke(app, ["audit", str(tmp_path / "src"), "-f", "json", "-o", str(out), "-w", "1",
                                 "--index", str(tmp_path / "index.parquet"), "--no-pixel-screen"])
    assert result.exit_code == 0, result.output
    creators = [row["creator"] for row in json.loads(out.read_text())["private_creators"]]
    assert "SIEMENS CSA HEADER" in creators
    assert not [c for c in creators if "Kowalczyk" in c or "Bielanski" in c], creators
