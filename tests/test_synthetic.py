"""Tests of curator.testing.synthetic and of the shipped example collection (examples/collection)."""

from __future__ import annotations

import hashlib
import importlib.util
import re
import sys
import zipfile
from datetime import datetime
from pathlib import Path

import numpy as np
import pydicom
import pytest
from pydicom.errors import InvalidDicomError
from pydicom.uid import ExplicitVRLittleEndian

from curator.testing import synthetic as syn

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = ROOT / "examples" / "collection"


def _load_make_collection():
    spec = importlib.util.spec_from_file_location("make_collection", ROOT / "examples" / "make_collection.py")
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    sys.modules.setdefault("make_collection", module)
    dont_write, sys.dont_write_bytecode = sys.dont_write_bytecode, True  # keep examples/ clean
    try:
        spec.loader.exec_module(module)
    finally:
        sys.dont_write_bytecode = dont_write
    return module


make_collection = _load_make_collection()


def _tree_digest(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def _collection_blobs(root: Path) -> dict[str, bytes]:
    """Every file of the collection, members of zip archives included (``a.zip!member``)."""
    out = {}
    for p in sorted(root.rglob("*")):
        if not p.is_file():
            continue
        rel = p.relative_to(root).as_posix()
        if p.suffix == ".zip":
            with zipfile.ZipFile(p) as zf:
                for name in zf.namelist():
                    out[f"{rel}!{name}"] = zf.read(name)
        else:
            out[rel] = p.read_bytes()
    return out


def _read_all(blobs: dict[str, bytes]) -> dict[str, pydicom.Dataset]:
    """The datasets that read as complete Part 10 files."""
    import io

    out = {}
    for rel, data in blobs.items():
        try:
            ds = pydicom.dcmread(io.BytesIO(data))
            if "PixelData" in ds:
                _ = ds.pixel_array  # catches truncated pixel data
        except (InvalidDicomError, EOFError, OSError, ValueError):
            continue
        out[rel] = ds
    return out


@pytest.fixture(scope="module")
def collection(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("collection")
    make_collection.write(out)
    return out


@pytest.fixture(scope="module")
def datasets(collection) -> dict[str, pydicom.Dataset]:
    return _read_all(_collection_blobs(collection))


# --------------------------------------------------------------------------------------
# UIDs and determinism of the library
# --------------------------------------------------------------------------------------


def test_synthetic_uid_is_deterministic_valid_and_distinct():
    a = syn.synthetic_uid("study", 1)
    assert a == syn.synthetic_uid("study", 1)
    assert a != syn.synthetic_uid("study", 2)
    # separators matter: ("ab", "c") and ("a", "bc") must differ
    assert syn.synthetic_uid("ab", "c") != syn.synthetic_uid("a", "bc")
    for uid in (a, syn.IMPLEMENTATION_CLASS_UID):
        assert re.fullmatch(r"2\.25\.(0|[1-9][0-9]*)", uid)
        assert len(uid) <= 64


def test_ct_series_written_twice_is_byte_identical(tmp_path):
    first = syn.write_ct_series(tmp_path / "a", 3, rows=128, columns=128, seed=7)
    second = syn.write_ct_series(tmp_path / "b", 3, rows=128, columns=128, seed=7)
    assert [p.read_bytes() for p in first] == [p.read_bytes() for p in second]
    other_seed = syn.write_ct_series(tmp_path / "c", 3, rows=128, columns=128, seed=8)
    assert first[0].read_bytes() != other_seed[0].read_bytes()


# --------------------------------------------------------------------------------------
# CT
# --------------------------------------------------------------------------------------


def test_ct_slice_default_full_header(tmp_path):
    path = syn.write_ct_slice(tmp_path / "ct.dcm")
    raw = path.read_bytes()
    assert raw[128:132] == b"DICM"
    ds = pydicom.dcmread(path)
    assert ds.file_meta.TransferSyntaxUID == ExplicitVRLittleEndian
    assert ds.file_meta.MediaStorageSOPInstanceUID == ds.SOPInstanceUID
    assert ds.file_meta.MediaStorageSOPClassUID == syn.CT_IMAGE_STORAGE == ds.SOPClassUID
    assert (ds.Rows, ds.Columns) == (512, 512)
    assert (ds.BitsAllocated, ds.PhotometricInterpretation, ds.SamplesPerPixel) == (16, "MONOCHROME2", 1)
    assert ds.Modality == "CT"
    assert ds.Manufacturer == "GE MEDICAL SYSTEMS"
    assert ds.ConvolutionKernel == "STANDARD"
    for keyword in ("KVP", "XRayTubeCurrent", "Exposure", "SliceThickness", "PixelSpacing",
                    "ContrastBolusAgent", "ImageOrientationPatient", "ImagePositionPatient",
                    "BodyPartExamined", "ProtocolName", "StationName", "DeviceSerialNumber",
                    "SoftwareVersions", "ManufacturerModelName", "PatientBirthDate"):
        assert keyword in ds, keyword
    hu = ds.pixel_array.astype(np.int32) * int(ds.RescaleSlope) + int(ds.RescaleIntercept)
    assert hu.shape == (512, 512)
    # air outside the body, lungs, soft tissue and bone inside: a realistic HU spread
    assert hu.min() < -900 and hu.max() > 500
    soft_tissue = (hu > -100) & (hu < 250)
    lung = (hu > -950) & (hu < -700)
    assert soft_tissue.mean() > 0.1 and lung.mean() > 0.05
    assert hu[0, 0] < -900  # corner is air


def test_ct_series_geometry_and_uids(tmp_path):
    paths = syn.write_ct_series(tmp_path, 5, rows=64, columns=64, slice_thickness=2.5,
                                name_pattern="slice{number}")
    assert [p.name for p in paths] == [f"slice{i}" for i in range(1, 6)]
    series = [pydicom.dcmread(p) for p in paths]
    assert len({ds.SOPInstanceUID for ds in series}) == 5
    assert len({ds.SeriesInstanceUID for ds in series}) == 1
    assert [ds.InstanceNumber for ds in series] == [1, 2, 3, 4, 5]
    z = [float(ds.ImagePositionPatient[2]) for ds in series]
    assert np.allclose(np.diff(z), 2.5)
    assert not np.array_equal(series[0].pixel_array, series[1].pixel_array)


@pytest.mark.parametrize(
    ("vendor", "manufacturer", "kernel"),
    [("GE", "GE MEDICAL SYSTEMS", "STANDARD"), ("SIEMENS", "SIEMENS", "B30f"),
     ("PHILIPS", "Philips", "YB"), ("CANON", "CANON_MEC", "FC13")],
)
def test_ct_vendor_headers_and_private_block(vendor, manufacturer, kernel):
    (ds,) = syn.ct_series(None, 1, rows=32, columns=32, vendor=vendor)
    assert ds.Manufacturer == manufacturer
    assert ds.ConvolutionKernel == kernel
    profile = syn.VENDORS[vendor]
    block = ds.private_block(profile.private_group, profile.private_creator)
    patient = syn.default_study().patient
    assert block[profile.private_elements[0][0]].value == patient.private_token
    private_seq = block[0xF1]
    assert private_seq.VR == "SQ"
    item = private_seq.value[0]
    assert item.PatientName == patient.name
    inner = item.private_block(profile.private_group, profile.private_creator)
    assert inner[profile.private_elements[0][0]].value == patient.private_sequence_token


def test_identifiers_are_planted_in_nested_sequences():
    (ds,) = syn.ct_series(None, 1, rows=32, columns=32)
    patient = syn.default_study().patient
    issuer = ds.OtherPatientIDsSequence[0].IssuerOfPatientIDQualifiersSequence[0]
    assert issuer.UniversalEntityID == patient.national_id  # depth 2
    assert ds.RequestAttributesSequence[0].RequestedProcedureID == patient.requested_procedure_id
    assert ds.ReferencedPatientSequence[0].ReferencedSOPInstanceUID
    assert patient.text_name in ds.ImageComments
    assert patient.mrn in ds.ImageComments


# --------------------------------------------------------------------------------------
# MR, PT, US, SR, RTSTRUCT, SEG
# --------------------------------------------------------------------------------------


def _roundtrip(ds: pydicom.Dataset, tmp_path: Path) -> pydicom.Dataset:
    path = syn.write_dataset(ds, tmp_path / f"{ds.Modality}-{ds.SeriesNumber}-{ds.InstanceNumber}.dcm")
    return pydicom.dcmread(path)


def test_mr_acquisition_headers(tmp_path):
    study = syn.Study(site=syn.SITES[1], patient=syn.PATIENTS[1], number=1, description="RM", body_part="HEAD")
    flair = _roundtrip(syn.mr_series(study, 2, kind="FLAIR", orientation="coronal")[0], tmp_path)
    assert flair.Manufacturer == "SIEMENS"
    assert list(flair.ScanningSequence) == ["SE", "IR"]
    assert float(flair.InversionTime) > 0 and float(flair.RepetitionTime) > float(flair.EchoTime)
    assert float(flair.MagneticFieldStrength) == 3.0
    assert flair.SequenceName.startswith("*tir")
    assert [float(v) for v in flair.ImageOrientationPatient] == [1, 0, 0, 0, 0, -1]
    for keyword in ("SequenceVariant", "FlipAngle", "ReceiveCoilName", "EchoTime"):
        assert keyword in flair
    t1 = syn.mr_series(study, 1, kind="T1", series_number=2, omit=("MagneticFieldStrength",))[0]
    assert "MagneticFieldStrength" not in t1 and "InversionTime" not in t1


def test_pt_suv_is_computable_from_headers(tmp_path):
    study = syn.Study(site=syn.SITES[0], patient=syn.PATIENTS[2], number=3, description="PET")
    ds = _roundtrip(syn.pt_series(study, 3, rows=32, columns=32)[1], tmp_path)
    assert ds.Units == "BQML" and ds.DecayCorrection == "START"
    assert {"DECY", "ATTN"} <= set(ds.CorrectedImage)
    rp = ds.RadiopharmaceuticalInformationSequence[0]
    assert rp.Radiopharmaceutical == "Fluorodeoxyglucose"
    assert rp.RadiopharmaceuticalStartDateTime.startswith(ds.StudyDate)

    def seconds(tm: str) -> float:
        t = datetime.strptime(tm.split(".")[0], "%H%M%S")
        return t.hour * 3600 + t.minute * 60 + t.second

    elapsed = seconds(ds.SeriesTime) - seconds(rp.RadiopharmaceuticalStartTime)
    assert elapsed > 0
    dose = float(rp.RadionuclideTotalDose) * 2 ** (-elapsed / float(rp.RadionuclideHalfLife))
    bqml = ds.pixel_array * float(ds.RescaleSlope) + float(ds.RescaleIntercept)
    suv = bqml * float(ds.PatientWeight) * 1000 / dose
    assert 12 < suv.max() < 17  # the planted lesion
    assert 0.8 < np.median(suv[suv > 0.5]) < 1.3  # background


def test_us_rgb_and_burned_in_annotation(tmp_path):
    study = syn.default_study()
    yes = _roundtrip(syn.us_image(study, burned_in_annotation="YES"), tmp_path)
    missing = _roundtrip(syn.us_image(study, instance_number=2, burned_in_annotation=None), tmp_path)
    assert yes.BurnedInAnnotation == "YES"
    assert "BurnedInAnnotation" not in missing
    assert yes.PhotometricInterpretation == "RGB" and yes.SamplesPerPixel == 3
    assert yes.pixel_array.shape == (48, 64, 3)
    assert yes.pixel_array[1:4].max() == 255 and missing.pixel_array[1:4].max() < 255


def test_sr_text_item(tmp_path):
    study = syn.default_study()
    ds = _roundtrip(syn.sr_document(study), tmp_path)
    assert ds.SOPClassUID == syn.COMPREHENSIVE_SR_STORAGE
    item = ds.ContentSequence[0]
    assert (item.ValueType, item.RelationshipType) == ("TEXT", "CONTAINS")
    assert study.patient.text_name_reversed in item.TextValue
    assert study.patient.phone in item.TextValue


def test_rtstruct_references_ct(tmp_path):
    study = syn.default_study()
    ct = syn.ct_series(study, 3, rows=32, columns=32)
    ds = _roundtrip(syn.rtstruct(study, ct), tmp_path)
    assert ds.Modality == "RTSTRUCT"
    algorithms = [roi.ROIGenerationAlgorithm for roi in ds.StructureSetROISequence]
    assert algorithms == ["MANUAL", "SEMIAUTOMATIC", "AUTOMATIC"]
    ref_series = ds.ReferencedFrameOfReferenceSequence[0].RTReferencedStudySequence[0].RTReferencedSeriesSequence[0]
    assert ref_series.SeriesInstanceUID == ct[0].SeriesInstanceUID
    assert {c.ReferencedSOPInstanceUID for c in ref_series.ContourImageSequence} == {d.SOPInstanceUID for d in ct}
    assert ds.RTROIObservationsSequence[0].ROIInterpreter == study.site.performing_physician


@pytest.mark.parametrize("algorithm_type", ["MANUAL", "SEMIAUTOMATIC", "AUTOMATIC"])
def test_seg_readable_by_highdicom(tmp_path, algorithm_type):
    import highdicom as hd

    study = syn.default_study()
    ct = syn.ct_series(study, 3, rows=32, columns=32)
    seg = syn.segmentation(study, ct, algorithm_type=algorithm_type)
    path = syn.write_dataset(seg, tmp_path / "seg.dcm")
    read = hd.seg.segread(path)
    assert read.number_of_segments == 1
    segment = read.SegmentSequence[0]
    assert segment.SegmentAlgorithmType == algorithm_type
    if algorithm_type == "MANUAL":
        assert "SegmentationAlgorithmIdentificationSequence" not in segment
    else:
        assert segment.SegmentAlgorithmName == "LungNet"
        assert segment.SegmentationAlgorithmIdentificationSequence[0].AlgorithmVersion == "2.1.0"
    assert read.ReferencedSeriesSequence[0].SeriesInstanceUID == ct[0].SeriesInstanceUID
    assert read.PatientID == study.patient.patient_id
    assert read.pixel_array.shape == (3, 32, 32) and read.pixel_array.any()
    # no wall clock: a second build is byte-identical
    again = syn.write_dataset(syn.segmentation(study, ct, algorithm_type=algorithm_type), tmp_path / "seg2.dcm")
    assert path.read_bytes() == again.read_bytes()


# --------------------------------------------------------------------------------------
# Planted identifiers and safe values (the registry itself)
# --------------------------------------------------------------------------------------


def test_planted_registry_is_distinctive():
    assert len(syn.PLANTED_VALUES) == len(syn.PLANTED_IDENTIFIERS)  # no two owners share a value
    safe = {value for _, _, value in syn.SAFE_VALUES}
    assert not safe & syn.PLANTED_VALUES
    for planted in syn.PLANTED_IDENTIFIERS:
        assert len(planted.value) >= 8, planted


# --------------------------------------------------------------------------------------
# The example collection
# --------------------------------------------------------------------------------------


def test_collection_is_deterministic(collection, tmp_path):
    again = tmp_path / "again"
    make_collection.write(again)
    assert _tree_digest(collection) == _tree_digest(again)


def test_shipped_collection_matches_generator(collection):
    assert SHIPPED.is_dir(), "run python examples/make_collection.py"
    assert _tree_digest(SHIPPED) == _tree_digest(collection)


def test_collection_size_under_5mb(collection):
    assert sum(p.stat().st_size for p in collection.rglob("*") if p.is_file()) < 5_000_000


def test_every_planted_identifier_is_in_the_collection_bytes(collection):
    blob = b"\x00".join(_collection_blobs(collection).values())
    missing = [p for p in syn.PLANTED_IDENTIFIERS if p.value.encode("utf-8") not in blob]
    assert not missing


def test_safe_demographics_are_in_the_collection(datasets):
    by_patient: dict[str, list[pydicom.Dataset]] = {}
    ids = {p.patient_id: p.key for p in syn.PATIENTS}
    for ds in datasets.values():
        by_patient.setdefault(ids[ds.PatientID], []).append(ds)
    assert set(by_patient) == {p.key for p in syn.PATIENTS}
    for key, keyword, value in syn.SAFE_VALUES:
        found = {str(ds.get(keyword, "")) for ds in by_patient[key]}
        assert value in found or any(float(v) == float(value) for v in found if _is_number(v)), (key, keyword)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def test_collection_content(datasets):
    modalities = {ds.Modality for ds in datasets.values()}
    assert modalities == {"CT", "MR", "PT", "US", "SR", "RTSTRUCT", "SEG"}
    sites = {ds.InstitutionName for ds in datasets.values()}
    assert len(sites) >= 4
    assert {ds.Manufacturer for ds in datasets.values()} >= {"GE MEDICAL SYSTEMS", "SIEMENS", "Philips", "CANON_MEC"}
    patients = {ds.PatientID for ds in datasets.values()}
    series = {ds.SeriesInstanceUID for ds in datasets.values()}
    assert 8 <= len(patients) <= 15
    assert 20 <= len(series) <= 40
    ages = [int(ds.PatientAge[:3]) for ds in datasets.values() if ds.get("PatientAge")]
    assert min(ages) < 18 and max(ages) > 89
    assert any("PatientAge" not in ds for ds in datasets.values())
    descriptions = {ds.get("StudyDescription", "") for ds in datasets.values()}
    assert "MRT Schädel nativ" in descriptions and "TC TÒRAX AMB CONTRAST" in descriptions
    burned = [ds.get("BurnedInAnnotation") for ds in datasets.values() if ds.Modality == "US"]
    assert "YES" in burned and None in burned
    seg_types = {
        ds.SegmentSequence[0].SegmentAlgorithmType for ds in datasets.values() if ds.Modality == "SEG"
    }
    assert seg_types == {"MANUAL", "SEMIAUTOMATIC", "AUTOMATIC"}


def test_collection_file_names_are_mixed(collection):
    names = [p for p in collection.rglob("*") if p.is_file()]
    suffixes = {p.suffix for p in names}
    assert "" in suffixes and ".dcm" in suffixes and ".DCM" in suffixes and ".zip" in suffixes
    assert max(len(p.relative_to(collection).parts) for p in names) >= 4


def test_collection_messy_files(collection, datasets):
    # a non-DICOM text file
    notes = collection / "site-b" / "EXPORT_NOTES.txt"
    with pytest.raises(InvalidDicomError):
        pydicom.dcmread(notes)
    # an empty file
    assert (collection / "site-c/DICOM/ST000001/SE000001/IM000000").stat().st_size == 0
    # a truncated Part 10 file: the header starts well, the pixel data are cut
    truncated = collection / "site-d/exam_2/series_2/slice_006.DCM"
    assert truncated.read_bytes()[128:132] == b"DICM"
    assert "site-d/exam_2/series_2/slice_006.DCM" not in datasets
    with pytest.raises(ValueError, match="less than expected"):
        _ = pydicom.dcmread(truncated).pixel_array
    # a raw dataset: no preamble, no file meta, implicit VR
    raw = collection / "site-d/raw/IMG00001"
    assert raw.read_bytes()[128:132] != b"DICM"
    with pytest.raises(InvalidDicomError):
        pydicom.dcmread(raw)
    ds = pydicom.dcmread(raw, force=True)
    assert ds.Modality == "CT" and ds.Rows == 64
    assert "TransferSyntaxUID" not in ds.file_meta
    # a duplicate SOP Instance UID with different bytes
    dup = collection / "site-a/resend/IM-0002-0003.dcm"
    orig = collection / "site-a/study01/series002/IM-0002-0003.dcm"
    assert pydicom.dcmread(dup).SOPInstanceUID == pydicom.dcmread(orig).SOPInstanceUID
    assert dup.read_bytes() != orig.read_bytes()
    # a zip archive holding a further site
    with zipfile.ZipFile(collection / "site-e.zip") as zf:
        assert len(zf.namelist()) >= 3
    zipped = [ds for rel, ds in datasets.items() if rel.startswith("site-e.zip!")]
    assert {ds.InstitutionName for ds in zipped} == {"Centre Hospitalier Zzavrelle"}


def test_synthetic_patient_identifiers_are_all_written(tmp_path):
    patient = syn.synthetic_patient(4321)
    assert patient.patient_id not in {p.patient_id for p in syn.PATIENTS}
    study = syn.Study(site=syn.SITES[3], patient=patient, number=2, description="CT Thorax")
    paths = syn.write_ct_series(tmp_path, 2, study, rows=32, columns=32)
    data = b"".join(p.read_bytes() for p in paths)
    assert [v for v in patient.identifiers() if v.encode() not in data] == []
    assert study.accession.encode() in data
