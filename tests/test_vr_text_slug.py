"""The one VR table, the one element text reader and the one slug (issue 19)."""
from __future__ import annotations

import io

import pydicom
from pydicom.data import get_testdata_file
from pydicom.dataelem import RawDataElement
from pydicom.dataset import Dataset
from pydicom.tag import BaseTag

from curator.dicom.walk import element_text
from curator.dicom.header import read_header
from curator.common.slug import slug
from curator.dicom.vr import (
    LONG_LENGTH_VR_BYTES,
    LONG_LENGTH_VRS,
    STRING_VRS,
    TEXT_VRS,
    VRS,
    padding,
)


def test_vr_table_is_ps3_5():
    # PS3.5 Table 7.1-1 (4-byte length in explicit VR) and Table 6.2-1 (34 VRs).
    assert LONG_LENGTH_VRS == {"OB", "OD", "OF", "OL", "OV", "OW", "SQ", "SV", "UC", "UN", "UR", "UT", "UV"}
    assert LONG_LENGTH_VR_BYTES == {vr.encode() for vr in LONG_LENGTH_VRS}
    assert len(VRS) == 34 and LONG_LENGTH_VRS < VRS and TEXT_VRS < STRING_VRS < VRS
    assert "PN" in STRING_VRS and "US" not in STRING_VRS
    assert padding("UI") == b"\0" and padding("OB") == b"\0" and padding("LO") == b" "


def _raw(tag: int, vr: str, value: bytes) -> RawDataElement:
    return RawDataElement(BaseTag(tag), vr, len(value), value, 0, False, True)


def test_element_text_raw_converted_and_absent():
    ds = Dataset()
    ds[0x00081030] = _raw(0x00081030, "LO", b"CT THORAX ")
    ds[0x00180015] = _raw(0x00180015, "CS", b"CHEST\\ABDOMEN ")
    ds.Modality = "CT"
    ds.ImageType = ["ORIGINAL", "PRIMARY"]
    ds.add_new(0x00420011, "OB", b"MONOCHROME2 \0")  # a bytes value: read as Latin-1
    assert element_text(ds, "StudyDescription") == "CT THORAX"
    assert isinstance(ds.get_item(0x00081030), RawDataElement)  # read without conversion
    assert element_text(ds, 0x00180015) == "CHEST\\ABDOMEN"
    assert element_text(ds, "Modality") == "CT"
    assert element_text(ds, "ImageType") == "ORIGINAL\\PRIMARY"
    assert element_text(ds, 0x00420011) == "MONOCHROME2"
    assert element_text(ds, "PatientID") is None
    assert element_text(ds, "NoSuchKeyword") is None
    ds.PatientName = ""
    assert element_text(ds, "PatientName") is None


def test_element_text_never_raises_on_a_malformed_value():
    ds = Dataset()
    ds[0x00280010] = _raw(0x00280010, "US", b"\x01")  # one byte for a 2-byte number
    assert element_text(ds, "Rows") is None


def test_element_text_of_a_file_read_by_the_fast_reader():
    ct_path = get_testdata_file("CT_small.dcm")
    data = open(ct_path, "rb").read()
    ds = read_header(io.BytesIO(data), len(data))
    full = pydicom.dcmread(ct_path)
    for keyword in ("SOPInstanceUID", "PatientID", "Modality", "ImageType", "Manufacturer"):
        value = full.get(keyword)
        expected = "\\".join(map(str, value)) if isinstance(value, pydicom.multival.MultiValue) else str(value).strip()
        assert element_text(ds, keyword) == (expected or None)


def test_slug_modes():
    assert slug("segmentation key/1 (v2.0)") == "segmentation-key-1-v2.0"
    assert slug("  ") == "x" and slug("", "unnamed") == "unnamed"
    assert slug("Example Release v1.0", "release", lower=True, max_length=48) == "example-release-v1-0"
    assert slug("é" * 5, "release", lower=True) == "release"
    long = slug("a b " * 40, lower=True, max_length=48)
    assert len(long) <= 48 and not long.endswith("-")
    assert slug("Müller^Hans") == "M-ller-Hans"  # keeps only characters of its input, never adds any
