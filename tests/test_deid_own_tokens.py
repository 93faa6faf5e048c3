"""A kept value that holds a person's name from the same header goes, whatever the
attribute's class: names glued into device and algorithm strings ("KowalczykSeg"), and
coded values (CS, AE, UR) such as Image Type or Body Part Examined, which were kept as
written.  Provenance strings that hold no name stay byte for byte (issue: s4 red team,
"names in *Name attributes")."""
from __future__ import annotations

import pydicom
import pytest
from pydicom.dataset import Dataset
from pydicom.sequence import Sequence
from pydicom.uid import ExplicitVRBigEndian, ExplicitVRLittleEndian
from test_deid import _meta, planted_ct, write

from curator.common.fold import fold
from curator.deid.run import DeidOptions, deidentify
from curator.deid.scrub import code_holds_identifier, identifier_values

KEY = bytes(range(32))
TOKENS = ("kowalczyk", "bronislaw", "thorvaldsen", "mrn88231")
# Provenance and device strings without a name: released exactly as written.
PROVENANCE = {
    "ManufacturerModelName": "SOMATOM Force", "SoftwareVersions": "syngo CT VA50A", "SequenceName": "*fl3d1",
    "BodyPartExamined": "CHEST", "ScanOptions": "HELICAL_CT", "ConvolutionKernel": "Br40d",
}


def _planted(index: int, syntax: str, named: bool) -> Dataset:
    ds = planted_ct(index)
    ds.PatientName, ds.PatientID, ds.OperatorsName = "Kowalczyk^Bronisław", "MRN88231", "Thorvaldsen^Ingrid"
    ds.SpecificCharacterSet = "ISO_IR 192"
    segment = Dataset()
    segment.SegmentNumber, segment.SegmentLabel, segment.SegmentAlgorithmType = 1, "liver", "AUTOMATIC"
    algorithm = Dataset()
    if named:
        ds.ManufacturerModelName, ds.SequenceName, ds.SoftwareVersions = "BronislawScanner", "*kowalczyk2d", "v2 buildMRN88231"
        ds.ImageType, ds.BodyPartExamined, ds.ScanOptions = ["ORIGINAL", "PRIMARY", "KOWALCZYK"], "KOWALCZYK", "THORVALDSEN"
        ds.ConvolutionKernel = "Br40_THORVALDSEN"
        segment.SegmentAlgorithmName, algorithm.AlgorithmName = "KowalczykSeg", "SEG_MRN88231net"
    else:
        for keyword, value in PROVENANCE.items():
            setattr(ds, keyword, value)
        ds.ImageType = ["ORIGINAL", "PRIMARY", "AXIAL"]
        segment.SegmentAlgorithmName, algorithm.AlgorithmName = "TotalSegmentator 2.0.5", "nnU-Net 3d_fullres"
    algorithm.AlgorithmVersion = "1.0"
    segment.SegmentedPropertyCategoryCodeSequence = Sequence()
    ds.SegmentSequence = Sequence([segment])
    ds.AlgorithmIdentificationSequence = Sequence([algorithm])
    return _meta(ds, syntax)


@pytest.mark.parametrize("syntax", [ExplicitVRLittleEndian, ExplicitVRBigEndian], ids=["byte-path", "pydicom-path"])
def test_names_in_kept_strings_and_codes_go_and_provenance_stays(tmp_path, syntax):
    source = tmp_path / "src"
    write(_planted(0, syntax, named=True), source / "named.dcm")
    write(_planted(1, syntax, named=False), source / "plain.dcm")
    out = tmp_path / "out"
    report = deidentify(source, out, key=KEY, options=DeidOptions(k=1, workers=1))
    assert report["counts"]["written"] == 2
    released = [pydicom.dcmread(path) for path in sorted(out.rglob("*.dcm"))]
    for ds in released:
        for element in ds.iterall():
            if element.VR not in ("SQ", "OB", "OW") and element.value is not None:
                text = fold(str(element.value))
                assert not any(token in text for token in TOKENS), (element.keyword, element.value)
    plain = next(ds for ds in released if ds.SegmentSequence[0].SegmentAlgorithmName == "TotalSegmentator 2.0.5")
    assert {keyword: str(plain.get(keyword)) for keyword in PROVENANCE} == PROVENANCE
    assert list(plain.ImageType) == ["ORIGINAL", "PRIMARY", "AXIAL"] and plain.Modality == "CT"
    named = next(ds for ds in released if ds is not plain)
    assert named.Modality == "CT" and "BodyPartExamined" in named and not named.BodyPartExamined
    assert list(named.ImageType)[:2] == ["ORIGINAL", "PRIMARY"] and "KOWALCZYK" not in str(named.ImageType)


def test_short_name_parts_never_empty_a_code():
    """Codes are matched on name parts of 4 letters or more: a person called "Mr Ct Li"
    leaves Modality MR/CT alone; IDs and longer name parts are found anywhere."""
    ds = Dataset()
    ds.PatientName, ds.OperatorsName, ds.PatientID = "Li^Ct", "Mr^Ng", "MRN88231"
    values = identifier_values(ds)
    assert not any(code_holds_identifier(code, values) for code in ("MR", "CT", "LI", "NG", "ORIGINAL", "CHEST"))
    assert code_holds_identifier("SITEMRN88231", values)
    ds.PatientName = "Kowalczyk"  # one component: still a name
    assert code_holds_identifier("KOWALCZYK_LIVER", identifier_values(ds))


def test_a_name_that_is_a_word_never_empties_a_standard_code(tmp_path):
    """Codes are written in words: an SR whose person is "Enter text" (pydicom's reportsi)
    keeps its Value Types TEXT and PNAME; a name part that is no word still empties a code."""
    from pydicom.data import get_testdata_file

    ds = Dataset()
    ds.PatientName, ds.OperatorsName = "Last Name^First Name", "Enter text"
    values = identifier_values(ds)
    from curator.deid import freetext

    assert code_holds_identifier("TEXT", values)  # without the vocabulary: the old defect
    assert not any(code_holds_identifier(code, values, freetext.is_word) for code in ("TEXT", "PNAME", "CONTAINER"))
    ds.PatientName = "Kowalczyk^Enter"
    assert code_holds_identifier("KOWALCZYK", identifier_values(ds), freetext.is_word)
    src = tmp_path / "src"
    src.mkdir()
    source = pydicom.dcmread(get_testdata_file("reportsi.dcm"))
    source.save_as(src / "sr.dcm")
    deidentify(src, tmp_path / "out", key=KEY, options=DeidOptions(workers=1, k=1))
    released = pydicom.dcmread(next((tmp_path / "out").rglob("*.dcm")))

    def value_types(item: Dataset) -> list[str]:
        found = [str(item.ValueType)] if "ValueType" in item else []
        for child in item.get("ContentSequence") or []:
            found += value_types(child)
        return found

    assert value_types(released) == value_types(source)
