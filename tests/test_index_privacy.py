"""Privacy of the audit's instance index (curator.index): every way header text reaches a
column cleans it, and cleaning that fails fails closed (session 13, notes/indexaudit13.md)."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.sequence import Sequence
from pydicom.uid import ExplicitVRLittleEndian

from curator.index import extract, scan, series_template
from curator.index.scan import scan_source

sys.path.insert(0, str(Path(__file__).resolve().parent))

import redteam10_archive as r10  # noqa: E402

PT = "1.2.840.10008.5.1.4.1.1.128"
ROOT = "1.2.826.0.1.3680043.10.1313"


def _pet(number: int, radiopharmaceutical: str | None, meaning: str | None = None) -> Dataset:
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.file_meta.MediaStorageSOPClassUID = ds.SOPClassUID = PT
    ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID = f"{ROOT}.9.{number}"
    ds.SpecificCharacterSet = "ISO_IR 100"
    ds.PatientName = "Kowalczyk^Jadwiga"
    ds.PatientID = "PL4471093"
    ds.Modality = "PT"
    ds.StudyInstanceUID, ds.SeriesInstanceUID = f"{ROOT}.1", f"{ROOT}.2"
    ds.InstanceNumber = number
    item = Dataset()
    if radiopharmaceutical is not None:
        item.Radiopharmaceutical = radiopharmaceutical
    if meaning is not None:
        code = Dataset()
        code.CodeValue, code.CodingSchemeDesignator, code.CodeMeaning = "C-B1031", "SRT", meaning
        item.RadiopharmaceuticalCodeSequence = Sequence([code])
    ds.RadiopharmaceuticalInformationSequence = Sequence([item])
    ds.Rows = ds.Columns = 4
    ds.BitsAllocated = ds.BitsStored = 16
    ds.HighBit, ds.PixelRepresentation, ds.SamplesPerPixel = 15, 0, 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.PixelData = bytes(32)
    return ds


@pytest.mark.parametrize("text, meaning", [("FDG Kowalczyk", None), ("", "Fluorodeoxyglucose for JADWIGA KOWALCZYK")])
def test_the_radiopharmaceutical_column_loses_the_patients_name(tmp_path, text, meaning):
    """The Radiopharmaceutical (LO) and its code meaning are free text the site writes: they
    went into the index as written (``_radiopharmaceutical``), the patient's name with them.
    Three instances of one series: the first read in full, the others matched to its
    template (``curator.index.series_template``)."""
    (tmp_path / "src").mkdir()
    for number in (1, 2, 3):
        _pet(number, text, meaning).save_as(tmp_path / "src" / f"pt{number}.dcm", enforce_file_format=True,
                                            implicit_vr=False, little_endian=True)
    rows = scan_source(tmp_path / "src", tmp_path / "index.parquet", workers=1, progress=False).frame().to_dict("records")
    assert [row["status"] for row in rows] == ["indexed"] * 3
    shown = {row["radiopharmaceutical"] for row in rows}
    assert all("kowalczyk" not in (value or "").casefold() and "jadwiga" not in (value or "").casefold() for value in shown), shown
    assert shown == {"FDG"} if text else shown == {"Fluorodeoxyglucose for"}, shown


def test_rows_an_older_index_wrote_are_read_again(tmp_path):
    """An index of version 4 holds the radiopharmaceutical as written: a re-scan must read
    its files again, not reuse its rows (which keep the name)."""
    (tmp_path / "src").mkdir()
    _pet(1, "FDG Kowalczyk").save_as(tmp_path / "src" / "pt1.dcm", enforce_file_format=True, implicit_vr=False,
                                     little_endian=True)
    index = tmp_path / "index.parquet"
    scan_source(tmp_path / "src", index, workers=1, progress=False)
    table = pq.read_table(index)
    column = table.schema.get_field_index("radiopharmaceutical")
    old = table.set_column(column, "radiopharmaceutical", pa.array(["FDG Kowalczyk"]))
    pq.write_table(old.replace_schema_metadata({**table.schema.metadata, b"curator_index_version": b"4"}), index)
    result = scan_source(tmp_path / "src", index, workers=1, progress=False)
    assert result.stats.reused == 0
    assert result.frame()["radiopharmaceutical"].tolist() == ["FDG"]


def test_code_columns_lose_the_patients_name(tmp_path):
    """Modality, Patient's Sex, Laterality and Image Laterality were copied as written: a
    header with the patient's family name in them put it in the index (CS allows it)."""
    (tmp_path / "src").mkdir()
    for number in (1, 2):
        ds = _pet(number, "FDG")
        ds.Modality = ds.PatientSex = ds.Laterality = ds.ImageLaterality = "KOWALCZYK"
        ds.save_as(tmp_path / "src" / f"pt{number}.dcm", enforce_file_format=True, implicit_vr=False, little_endian=True)
    _pet(3, "FDG").save_as(tmp_path / "src" / "pt3.dcm", enforce_file_format=True, implicit_vr=False, little_endian=True)
    rows = scan_source(tmp_path / "src", tmp_path / "index.parquet", workers=1, progress=False).table().to_pylist()
    columns = ("modality", "patient_sex", "laterality", "image_laterality")
    assert [[row[c] for c in columns] for row in rows] == [[None] * 4, [None] * 4, ["PT", None, None, None]]


@pytest.mark.parametrize("name, text, part", [("Al-Harbi^Mohammed=الحربي^محمد", "FDG الحربي", "الحربي"),
                                              ("Kim^Minjun=김^민준", "FDG 민준", "민준")])
def test_the_acquisition_column_loses_the_patients_name(tmp_path, name, text, part):
    """The acquisition parameters' strings (radiopharmaceutical, kernel, coil...) were vetoed by
    the analysis's own test, which split the name at ``^`` only and skipped parts of under 3
    letters: a name's ideographic group and a two-letter given name stayed in the index."""
    (tmp_path / "src").mkdir()
    for number in (1, 2):
        ds = _pet(number, text)
        ds.SpecificCharacterSet, ds.PatientName = "ISO_IR 192", name
        ds.save_as(tmp_path / "src" / f"pt{number}.dcm", enforce_file_format=True, implicit_vr=False, little_endian=True)
    rows = scan_source(tmp_path / "src", tmp_path / "index.parquet", workers=1, progress=False).table().to_pylist()
    assert [json.loads(row["acquisition"])["radiopharmaceutical"] for row in rows] == ["FDG", "FDG"]
    assert all(part not in json.dumps(row, ensure_ascii=False, default=str) for row in rows)


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    """Red team 10's archive, and a series of three CTs of its Saudi patient whose every free
    text the index shows names him (red team 10 planted none there)."""
    import pydicom

    built = r10.build(tmp_path_factory.mktemp("faults") / "archive")
    case = next(built.root.rglob("case01"))
    for number in (1, 2, 3):
        ds = pydicom.dcmread(case / "ct1.dcm")
        ds.SeriesDescription, ds.StudyDescription = "AXIAL محمد الحربي", "CT CHEST SA7730111"
        ds.ProtocolName, ds.Manufacturer, ds.ContrastBolusAgent = "محمد chest", "GE الحربي", "Omnipaque محمد"
        ds.private_block(0x0009, "محمد research", create=True).add_new(0x01, "LO", "x")
        item = Dataset()
        item.Radiopharmaceutical = "FDG محمد"
        ds.RadiopharmaceuticalInformationSequence = Sequence([item])
        ds.SeriesInstanceUID = f"{ROOT}.3"
        ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID = f"{ROOT}.3.{number}"
        ds.InstanceNumber = number
        ds.save_as(case / f"extra{number}.dcm", enforce_file_format=True)
    return built


def _raise(*args, **kwargs):
    raise RuntimeError("injected fault")


@pytest.mark.parametrize("module, name", [
    (extract.freetext, "clean"), (extract.freetext, "clean_kept"), (extract, "scrub_text"), (extract, "_creator_shown"),
    (extract, "token_hashes"), (extract, "_radiopharmaceutical"), (scan, "scrub_path"), (extract, "collect_value"),
])
def test_a_cleaning_step_that_raises_leaves_no_plant(tmp_path, planted, monkeypatch, module, name):
    """Fault injection: a cleaning function of the index that raises never leaves a header
    value in place; each file is indexed clean or rejected with a reason, or the scan stops
    (and then leaves no index)."""
    series_template.clear()
    extract._MEMO.clear()
    monkeypatch.setattr(module, name, _raise)
    index = tmp_path / "index" / "index.parquet"
    try:
        result = scan_source(planted.root, index, workers=1, progress=False)
    except RuntimeError:
        assert not index.exists()
    else:
        rows = pq.read_table(index).to_pylist()
        assert result.stats.seen == len(rows) > 0
        assert all(row["status"] == "indexed" or row["reason"] for row in rows)
    assert r10.leaks([tmp_path / "index"], planted) == []


def test_the_search_sees_an_uncleaned_column(tmp_path, planted, monkeypatch):
    """The fault test's search is not blind: with the free-text cleaning a no-op, the
    Arabic given name of the Saudi patient (and more) is found in the index."""
    series_template.clear()
    extract._MEMO.clear()
    monkeypatch.setattr(extract.freetext, "clean", lambda text, values: text)
    scan_source(planted.root, tmp_path / "index" / "index.parquet", workers=1, progress=False)
    assert {"محمد", "الحربي", "SA7730111"} <= {value for _, value, _ in r10.leaks([tmp_path / "index"], planted)}
