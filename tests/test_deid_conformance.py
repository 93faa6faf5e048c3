"""De-identification keeps DICOM valid: dates at their precision, no emptied type 1
attributes, sequences stored as UN cleaned inside, chroma-subsampled pixel data accepted,
codes only where DICOM allows them.  Both engines (pydicom and byte-level) agree."""
from __future__ import annotations

import io
import shutil
import struct
from pathlib import Path

import pydicom
import pytest
from pydicom.data import get_testdata_file
from pydicom.dataelem import DataElement
from pydicom.dataset import Dataset
from pydicom.filebase import DicomBytesIO
from pydicom.filewriter import write_dataset
from pydicom.sequence import Sequence

from curator.dicom import pixel_size
from curator.deid.engine import Engine, PatientContext
from curator.deid.fastpath import FastEngine, Unsupported
from curator.deid.profile import load_profile
from curator.deid.pseudonyms import Pseudonymizer, shift_date, shift_datetime
from curator.deid.run import deidentify
from curator.dicom.header import HeaderError, read_header_bytes
from curator.normalize.dicom import series_codes
from curator.testing.synthetic import ct_series, default_study, rtstruct, sr_document

KEY = bytes(range(32))
PLANTED_NAME = "Zyxwortha^Quolmina"
PLANTED_UID = "1.2.826.0.1.3680043.99.77.31337"


def _engine(profile: str = "research") -> Engine:
    return Engine(load_profile(profile), KEY)


def _context(ds: Dataset) -> PatientContext:
    return PatientContext("patient", frozenset({"Zyxwortha", "Quolmina", "ZZMRN99"}), {}, "")


def _both(data: bytes, profile: str = "research") -> tuple[Dataset, Dataset | None]:
    """(pydicom engine output, fast path output or None when it declined the file)."""
    engine = _engine(profile)
    header = pydicom.dcmread(io.BytesIO(data), force=True)
    context = _context(header)
    try:
        fast_bytes, _ = FastEngine(engine).deidentify_bytes(data, context)
        fast = pydicom.dcmread(io.BytesIO(fast_bytes))
    except Unsupported:
        fast = None
    slow_ds = pydicom.dcmread(io.BytesIO(data), force=True)
    engine.deidentify(slow_ds, context)
    out = io.BytesIO()
    slow_ds.save_as(out, enforce_file_format=True)
    return pydicom.dcmread(io.BytesIO(out.getvalue())), fast


# ------------------------------------------------------------------ dates (issue 14.6)

@pytest.mark.parametrize("value, expected", [
    ("1947", "1946"),                                  # year: its middle day (2 July) moved 400 days
    ("194711", "194610"),                              # year-month: its 15th moved 400 days
    ("19471105", "19461001"),
    ("1947110512", "1946100112"),                      # hour precision kept
    ("19471105123456.123456", "19461001123456.123456"),
    ("19471105123456.12+0100", "19461001123456.12+0100"),
    ("194711-0500", "194610-0500"),                    # year-month with a UTC offset
    ("1947+0100", "1946+0100"),
])
def test_datetime_shift_keeps_its_precision(value, expected):
    assert shift_datetime(value, 400) == expected


@pytest.mark.parametrize("value", ["194713", "19471305", "2020021", "x", "0001", ""])
def test_invalid_datetimes_are_not_shifted(value):
    assert shift_datetime(value, 400) is None


def test_date_shift_pads_early_years():
    assert shift_date("10000301", 400) == "09990125"  # 1000 is not a leap year


def _with_dates() -> Dataset:
    ds = ct_series(default_study(), n_slices=1)[0]
    ds.AcquisitionDateTime = "194711"
    ds.add_new(0x00181202, "DT", "19471105123456.5+0100")  # DateTimeOfLastCalibration
    ds.add_new(0x00180035, "TM", "101010")  # InterventionDrugStartTime: TM untouched
    return ds


def test_both_engines_shift_every_precision():
    data = io.BytesIO()
    _with_dates().save_as(data, enforce_file_format=True)
    slow, fast = _both(data.getvalue())
    offset = Pseudonymizer(KEY).date_offset("patient")
    assert slow.AcquisitionDateTime == shift_datetime("194711", offset) and len(slow.AcquisitionDateTime) == 6
    assert slow[0x00181202].value == shift_datetime("19471105123456.5+0100", offset)
    assert slow[0x00180035].value == "101010"
    assert fast is not None
    for tag in (0x0008002A, 0x00181202, 0x00180035):
        assert fast[tag].value == slow[tag].value


# --------------------------------------------------- type 1 never emptied (issue 14.5)

def _sr_with_identifying_codes() -> Dataset:
    ds = sr_document(default_study())
    ds.ConceptNameCodeSequence[0].CodingSchemeDesignator = "ZZMRN99"  # an identifier: cleaned
    for item in ds.ContentSequence:
        if item.ValueType == "TEXT":
            item.TextValue = "Zyxwortha Quolmina ZZMRN99"  # nothing but identifiers
    return ds


def test_type1_attributes_get_a_dummy_instead_of_emptiness():
    data = io.BytesIO()
    _sr_with_identifying_codes().save_as(data, enforce_file_format=True)
    slow, fast = _both(data.getvalue())
    for out in filter(None, (slow, fast)):
        assert out.ConceptNameCodeSequence[0].CodingSchemeDesignator == "ANONYMIZED"
        texts = [item.TextValue for item in out.ContentSequence if item.ValueType == "TEXT"]
        assert texts and all(text == "ANONYMIZED" for text in texts)
        assert b"ZZMRN99" not in out.ConceptNameCodeSequence[0].CodingSchemeDesignator.encode()
    if fast is not None:
        assert fast.ConceptNameCodeSequence[0].CodingSchemeDesignator == slow.ConceptNameCodeSequence[0].CodingSchemeDesignator


def test_structure_set_label_stays_present():
    study = default_study()
    ds = rtstruct(study, ct_series(study, n_slices=2))
    ds.StructureSetLabel = "Zyxwortha"
    data = io.BytesIO()
    ds.save_as(data, enforce_file_format=True)
    slow, fast = _both(data.getvalue())
    for out in filter(None, (slow, fast)):
        assert out.StructureSetLabel == "ANONYMIZED"


def test_referenced_study_sequence_in_request_attributes_is_removed_not_emptied():
    ds = ct_series(default_study(), n_slices=1)[0]
    ref = Dataset()
    ref.ReferencedSOPClassUID = "1.2.840.10008.3.1.2.3.1"
    ref.ReferencedSOPInstanceUID = PLANTED_UID
    request = ds.RequestAttributesSequence[0] if "RequestAttributesSequence" in ds else Dataset()
    request.ReferencedStudySequence = Sequence([ref])
    request.RequestedProcedureID = "RP1"
    ds.RequestAttributesSequence = Sequence([request])
    data = io.BytesIO()
    ds.save_as(data, enforce_file_format=True)
    slow, fast = _both(data.getvalue())
    for out in filter(None, (slow, fast)):
        kept = out.get("RequestAttributesSequence")
        if kept:
            assert "ReferencedStudySequence" not in kept[0]  # type 3 in the Request Attributes Macro
        assert PLANTED_UID not in str(out)


# ------------------------------------------------------ sequences stored as UN (13.4)

def _implicit(ds: Dataset) -> bytes:
    fp = DicomBytesIO()
    fp.is_little_endian = True
    fp.is_implicit_VR = True
    write_dataset(fp, ds)
    return fp.getvalue()


def _un_value(items: list[Dataset], undefined: bool) -> bytes:
    """The bytes of a sequence's value in implicit VR little endian (PS3.5 7.5)."""
    out = b""
    for item in items:
        body = _implicit(item)
        if undefined:
            out += b"\xfe\xff\x00\xe0\xff\xff\xff\xff" + body + b"\xfe\xff\x0d\xe0\x00\x00\x00\x00"
        else:
            out += b"\xfe\xff\x00\xe0" + struct.pack("<I", len(body)) + body
    return out + (b"\xfe\xff\xdd\xe0\x00\x00\x00\x00" if undefined else b"")


def _set_un(ds: Dataset, tag: int, value: bytes) -> None:
    """Hold ``value`` as OB for now: :func:`_as_un` turns its VR into UN in the file bytes
    (pydicom itself would decode a UN element of a known tag when writing it)."""
    ds[tag] = DataElement(tag, "OB", value)


def _as_un(ds: Dataset, tags: tuple[int, ...], undefined: bool = False) -> bytes:
    """``ds`` in Explicit VR Little Endian with the elements ``tags`` given VR UN (OB and UN
    headers have the same layout) and, with ``undefined``, an undefined length."""
    fp = io.BytesIO()
    ds.save_as(fp, enforce_file_format=True)
    data = fp.getvalue()
    for tag in tags:
        head = struct.pack("<HH", tag >> 16, tag & 0xFFFF) + b"OB\0\0"
        at = data.index(head)
        length = data[at + 8:at + 12] if not undefined else b"\xff\xff\xff\xff"
        data = data[:at + 4] + b"UN\0\0" + length + data[at + 12:]
    assert b"UN\0\0" in data
    return data


def _with_un_sequences(undefined: bool) -> bytes:
    """A CT with a public sequence (Referenced RT Plan Sequence) and a private one (Philips
    (2001,xx5F), safe in the TCIA knowledge base) stored as UN, both holding identifiers."""
    ds = ct_series(default_study(), n_slices=1)[0]
    plan = Dataset()
    plan.ReferencedSOPClassUID = "1.2.840.10008.5.1.4.1.1.481.5"
    plan.ReferencedSOPInstanceUID = PLANTED_UID
    plan.add_new(0x0040A123, "PN", PLANTED_NAME)  # PersonName: not listed, a person name
    _set_un(ds, 0x300C0002, _un_value([plan], undefined))
    inner = Dataset()
    inner.add_new(0x20010010, "LO", "Philips Imaging DD 001")
    inner.add_new(0x20011033, "CS", "AP")  # safe private element inside
    inner.add_new(0x00100010, "PN", PLANTED_NAME)
    inner.add_new(0x00081155, "UI", PLANTED_UID)
    ds.add_new(0x20010010, "LO", "Philips Imaging DD 001")
    _set_un(ds, 0x2001105F, _un_value([inner], undefined))
    return _as_un(ds, (0x2001105F, 0x300C0002), undefined)


@pytest.mark.parametrize("undefined", [False, True])
def test_un_sequences_are_decoded_and_cleaned(undefined: bool):
    data = _with_un_sequences(undefined)
    source = pydicom.dcmread(io.BytesIO(data))
    assert source.ReferencedRTPlanSequence[0].ReferencedSOPInstanceUID == PLANTED_UID  # really there
    slow, fast = _both(data)
    assert fast is None  # the byte-level path leaves UN elements to the engine
    written = io.BytesIO()
    slow.save_as(written, enforce_file_format=True)
    raw = written.getvalue()
    assert PLANTED_UID.encode() not in raw and b"Zyxwortha" not in raw
    plan = slow.ReferencedRTPlanSequence[0]
    assert plan.ReferencedSOPInstanceUID == Pseudonymizer(KEY).uid(PLANTED_UID)
    assert plan.ReferencedSOPClassUID == "1.2.840.10008.5.1.4.1.1.481.5"
    assert slow[0x300C0002].VR == "SQ"
    private = slow[0x2001105F]  # safe in the TCIA knowledge base: kept, decoded and cleaned inside
    assert private.VR == "SQ"
    assert private.value[0][0x20011033].value == "AP"
    assert private.value[0].ReferencedSOPInstanceUID == Pseudonymizer(KEY).uid(PLANTED_UID)
    assert str(private.value[0].PatientName) != PLANTED_NAME


def test_undecodable_un_is_removed():
    ds = ct_series(default_study(), n_slices=1)[0]
    _set_un(ds, 0x300C0002, b"\x01\x02\x03\x04garbage!" + PLANTED_UID.encode() + b"\0")
    _set_un(ds, 0x00191234, PLANTED_UID.encode() + b"\0")  # private, no creator
    ds.add_new(0x00430010, "LO", "NOBODY KNOWS")
    _set_un(ds, 0x00431001, PLANTED_UID.encode() + b"\0")
    _set_un(ds, 0x0018FFF0, PLANTED_UID.encode() + b"\0")  # public, not in the data dictionary: VR unknown
    slow, fast = _both(_as_un(ds, (0x00191234, 0x0018FFF0, 0x00431001, 0x300C0002)))
    assert fast is None
    written = io.BytesIO()
    slow.save_as(written, enforce_file_format=True)
    assert PLANTED_UID.encode() not in written.getvalue()


def test_rtdose_rle_referenced_plan_uid_is_remapped(tmp_path: Path):
    source = tmp_path / "src"
    source.mkdir()
    shutil.copy(get_testdata_file("rtdose_rle.dcm"), source / "dose.dcm")
    original = pydicom.dcmread(source / "dose.dcm").ReferencedRTPlanSequence[0].ReferencedSOPInstanceUID
    report = deidentify(source, tmp_path / "out", key=KEY)
    assert report["counts"]["written"] == 1
    (path,) = (tmp_path / "out").rglob("*.dcm")
    assert original.encode() not in path.read_bytes()
    back = pydicom.dcmread(path)
    assert back.ReferencedRTPlanSequence[0].ReferencedSOPInstanceUID == Pseudonymizer(KEY).uid(original)


# ------------------------------------------------------------ pixel sizes (issue 14.7)

@pytest.mark.parametrize("photometric, samples, expected", [
    ("MONOCHROME2", 1, 100 * 100),
    ("RGB", 3, 100 * 100 * 3),
    ("YBR_FULL", 3, 100 * 100 * 3),
    ("YBR_FULL_422", 3, 100 * 100 * 2),
    ("YBR_PARTIAL_422", 3, 100 * 100 * 2),
    ("YBR_PARTIAL_420", 3, 100 * 100 * 3 // 2),
])
def test_native_pixel_bytes_know_chroma_subsampling(photometric, samples, expected):
    assert pixel_size.native_pixel_bytes(100, 100, samples, 1, 8, photometric) == expected


def test_pixel_size_problems():
    assert pixel_size.size_problem("1.2.840.10008.1.2.1", 19999, 100, 100, 3, 1, 8, "YBR_FULL_422") == pixel_size.TRUNCATED
    assert pixel_size.size_problem("1.2.840.10008.1.2.1", 20000, 100, 100, 3, 1, 8, "YBR_FULL_422") is None
    assert pixel_size.size_problem("1.2.840.10008.1.2.5", 10, 100, 100, 3, 1, 8, "RGB") is None  # RLE: encapsulated
    assert pixel_size.size_problem("1.2.840.10008.1.2.1.98", 10, 100, 100, 1, 1, 8, "MONOCHROME2") is None  # encapsulated uncompressed
    assert pixel_size.native_pixel_bytes(3, 3, 1, 2, 1, "MONOCHROME2") == 3  # 18 bits of 1-bit pixels


def test_ybr_full_422_is_accepted_by_scan_and_deid_and_a_truncated_copy_is_not(tmp_path: Path):
    from curator.index.scan import scan_source

    data = Path(get_testdata_file("SC_ybr_full_422_uncompressed.dcm")).read_bytes()
    read_header_bytes(data)  # the scan's header reader accepts it
    ds = pydicom.dcmread(io.BytesIO(data))
    ds.BurnedInAnnotation = "NO"  # an OT image is quarantined otherwise
    ds.PixelData = ds.PixelData[:-2000]  # shorter than 100 x 100 x 2 bytes
    ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID + ".2"
    short = io.BytesIO()
    ds.save_as(short, enforce_file_format=True)
    with pytest.raises(HeaderError, match="shorter than the image size"):
        read_header_bytes(short.getvalue())
    source = tmp_path / "src"
    source.mkdir()
    ds = pydicom.dcmread(io.BytesIO(data))
    ds.BurnedInAnnotation = "NO"
    ds.save_as(source / "ybr.dcm", enforce_file_format=True)
    (source / "short.dcm").write_bytes(short.getvalue())
    scan = scan_source(source, index_path=tmp_path / "index.parquet", workers=1, progress=False)
    assert (scan.stats.indexed, scan.stats.rejected) == (1, 1)  # scan and audit: the same one check
    assert list(scan.stats.reasons) == ["truncated"]  # the reason kind of the scan statistics
    report = deidentify(source, tmp_path / "out", key=KEY)
    assert report["counts"]["written"] == 1 and report["counts"]["rejected"] == 1
    assert "shorter than the image size" in report["rejected"][0]["reason"]


# ---------------------------------------------------------------- codes (issue 14.4)

def _value(code: str, label: str) -> dict:
    return {"scheme": "RADLEX", "code": code, "label": label}


def test_codes_go_where_dicom_allows_them():
    result = {
        "modality": _value("RID10312", "MRI"), "weighting": _value("RID10795", "T2 weighted"),
        "contrast": _value("RID28774", "without IV contrast"), "plane": _value("RID10577", "axial"),
        "body_region": [_value("RID6434", "head")], "laterality": [_value("RID5824", "left")],
        "procedure": _value("RPID479", "MR Head wo IV Contrast"),
    }
    codes = series_codes(result)
    mr = codes.for_instance("1.2.840.10008.5.1.4.1.1.4", frozenset())
    assert [i.CodeValue for i in mr["SeriesDescriptionCodeSequence"]] == ["RID10795"]  # VM 1
    assert [i.CodeValue for i in mr["ProcedureCodeSequence"]] == ["RPID479"]
    assert [i.CodeValue for i in mr["AnatomicRegionSequence"]] == ["RID6434"]
    assert mr["ImageLaterality"] == "L" and "Laterality" not in mr
    sr = codes.for_instance("1.2.840.10008.5.1.4.1.1.88.33", frozenset())
    assert "AnatomicRegionSequence" not in sr and "ImageLaterality" not in sr  # not in the SR IOD
    kept = codes.for_instance("1.2.840.10008.5.1.4.1.1.4", frozenset({0x00200060, 0x00082218}))
    assert "ImageLaterality" not in kept and "AnatomicRegionSequence" not in kept  # the source's own stay
    two = series_codes({**result, "body_region": [_value("RID6434", "head"), _value("RID7488", "neck")]})
    assert "AnatomicRegionSequence" not in two.for_instance("1.2.840.10008.5.1.4.1.1.4", frozenset())
    ct = series_codes({"modality": _value("RID10321", "CT"), "contrast": _value("RID28773", "with IV contrast")})
    assert [i.CodeValue for i in ct.for_instance("1.2.840.10008.5.1.4.1.1.2", frozenset())["SeriesDescriptionCodeSequence"]] == ["RID10321"]


def test_both_engines_place_the_same_codes():
    result = {"modality": _value("RID10321", "CT"), "body_region": [_value("RID1243", "thorax")],
              "laterality": [_value("RID5825", "right")]}
    codes = series_codes(result)
    ds = ct_series(default_study(), n_slices=1)[0]
    fp = io.BytesIO()
    ds.save_as(fp, enforce_file_format=True)
    engine = _engine()
    context = PatientContext("patient")
    fast_bytes, _ = FastEngine(engine).deidentify_bytes(fp.getvalue(), context, codes)
    fast = pydicom.dcmread(io.BytesIO(fast_bytes))
    slow = pydicom.dcmread(io.BytesIO(fp.getvalue()))
    engine.deidentify(slow, context, codes)
    for out in (fast, slow):
        assert [i.CodeValue for i in out.AnatomicRegionSequence] == ["RID1243"]
        assert out.ImageLaterality == "R" and len(out.SeriesDescriptionCodeSequence) == 1


def test_a_suppressed_type2_demographic_stays_empty_in_both_engines():
    """k-anonymity suppression empties Patient's Sex (type 2 in the Patient Module) and
    removes Ethnic Group (type 3): the module stays valid."""
    ds = ct_series(default_study(), n_slices=1)[0]
    ds.PatientSex = "F"
    ds.EthnicGroup = "ZZGROUP"
    fp = io.BytesIO()
    ds.save_as(fp, enforce_file_format=True)
    engine = _engine()
    context = PatientContext("patient", frozenset(), {0x00100040: None, 0x00102160: None}, "")
    fast = pydicom.dcmread(io.BytesIO(FastEngine(engine).deidentify_bytes(fp.getvalue(), context)[0]))
    slow = pydicom.dcmread(io.BytesIO(fp.getvalue()))
    engine.deidentify(slow, context)
    for out in (fast, slow):
        assert "PatientSex" in out and out.PatientSex == ""
        assert "EthnicGroup" not in out
