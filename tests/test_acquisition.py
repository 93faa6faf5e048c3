"""Acquisition parameters per modality, the PET fields SUV needs, and device fields."""
from __future__ import annotations

import json
import warnings

import pydicom
import pytest
from pydicom.data import get_testdata_files
from pydicom.dataelem import RawDataElement
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.sequence import Sequence
from pydicom.tag import Tag
from pydicom.uid import ExplicitVRLittleEndian, generate_uid

from curator.analyses.acquisition import (
    CT_KEYS,
    MR_KEYS,
    PT_KEYS,
    US_KEYS,
    XR_KEYS,
    acquisition_parameters,
    device_fields,
)

PLANTED_NAME = "Zebulon^Quixley"
PLANTED_ID = "PID77331199"
SERIAL = "SN-4455667788"
STATION = "CTSTATION-ROOM7"


def _testfile(name: str) -> str:
    return next(iter(get_testdata_files(name)))


def _read(name: str) -> Dataset:
    return pydicom.dcmread(_testfile(name), stop_before_pixels=True)


def _identifying(ds: Dataset) -> Dataset:
    ds.PatientName = PLANTED_NAME
    ds.PatientID = PLANTED_ID
    ds.DeviceSerialNumber = SERIAL
    ds.StationName = STATION
    ds.InstitutionName = "Saint Example Hospital"
    return ds


def _roundtrip(ds: Dataset, tmp_path, name: str) -> Dataset:
    ds.SOPInstanceUID = getattr(ds, "SOPInstanceUID", None) or generate_uid()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.MediaStorageSOPClassUID = ds.SOPClassUID
    ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    path = tmp_path / name
    ds.save_as(path, enforce_file_format=True)
    return pydicom.dcmread(path, stop_before_pixels=True)


def _assert_clean(params: dict) -> None:
    text = json.dumps(params, sort_keys=True).casefold()
    for planted in ("zebulon", "quixley", PLANTED_ID.casefold(), SERIAL.casefold(),
                    STATION.casefold(), "saint example"):
        assert planted not in text


# --- CT / MR from pydicom's bundled files ------------------------------------------------
def test_ct_parameters():
    params = acquisition_parameters(_identifying(_read("CT_small.dcm")))
    assert set(params) == {"modality_family", *CT_KEYS}
    assert params["modality_family"] == "ct"
    assert params["kvp_kv"] == 120.0
    assert params["exposure_mas"] == 170.0
    assert params["tube_current_ma"] == 170.0
    assert params["exposure_time_ms"] == 1601.0
    assert params["slice_thickness_mm"] == 5.0
    assert params["spacing_between_slices_mm"] == 5.0
    assert params["pixel_spacing_mm"] == [0.661468, 0.661468]
    assert params["convolution_kernel"] == "STANDARD"
    assert params["contrast_agent"] == "ISOVUE300/100"
    assert params["contrast_used"] is True
    assert params["reconstruction_diameter_mm"] == 338.672
    _assert_clean(params)


def test_ct_reconstruction_and_no_contrast(tmp_path):
    ds = _identifying(_read("CT_small.dcm"))
    ds.ReconstructionAlgorithm = "ITERATIVE"
    ds.ContrastBolusAgent = "NONE"
    ds.ExposureInmAs = 55.5
    params = acquisition_parameters(_roundtrip(ds, tmp_path, "ct.dcm"))
    assert params["reconstruction_algorithm"] == "ITERATIVE"
    assert params["contrast_used"] is False
    assert params["exposure_mas"] == 55.5  # Exposure in mAs wins over integer Exposure


def test_mr_parameters(tmp_path):
    ds = _identifying(_read("MR_small.dcm"))
    ds.MagneticFieldStrength = 1.5
    ds.ReceiveCoilName = "HEAD 8CH"
    ds.SequenceName = "*se2d1"
    ds.InversionTime = 900
    params = acquisition_parameters(_roundtrip(ds, tmp_path, "mr.dcm"))
    assert set(params) == {"modality_family", *MR_KEYS}
    assert params["magnetic_field_strength_t"] == 1.5
    assert params["scanning_sequence"] == "SE"
    assert params["sequence_variant"] == "NONE"
    assert params["mr_acquisition_type"] == "3D"
    assert params["sequence_name"] == "*se2d1"
    assert params["repetition_time_ms"] == 4000.0
    assert params["echo_time_ms"] == 240.0
    assert params["inversion_time_ms"] == 900.0
    assert params["flip_angle_deg"] == 90.0
    assert params["slice_thickness_mm"] == 0.8
    assert params["receive_coil"] == "HEAD 8CH"
    assert params["contrast_used"] is False
    _assert_clean(params)


def test_device_string_holding_an_identifier_is_withheld():
    ds = _identifying(_read("MR_small.dcm"))
    ds.ReceiveCoilName = STATION
    params = acquisition_parameters(ds)
    assert params["receive_coil"] is None
    _assert_clean(params)


def test_device_fields_scrub_protocol():
    ds = _identifying(_read("CT_small.dcm"))
    ds.Manufacturer = "GE MEDICAL SYSTEMS"
    ds.ManufacturerModelName = "LightSpeed"
    ds.SoftwareVersions = ["LS_1.2", "B3"]
    ds.ProtocolName = f"CHEST ROUTINE {PLANTED_NAME.split('^')[1]} 2019-03-04"
    fields = device_fields(ds)
    assert fields == {"manufacturer": "GE MEDICAL SYSTEMS", "model": "LightSpeed",
                      "software_versions": "LS_1.2\\B3", "protocol": "CHEST ROUTINE"}
    _assert_clean(fields)


# --- PET: the fields SUV needs ------------------------------------------------------------
def _pet_instance(number: int, series_uid: str, **overrides) -> Dataset:
    ds = Dataset()
    ds.SOPClassUID = "1.2.840.10008.5.1.4.1.1.128"
    ds.SOPInstanceUID = generate_uid()
    ds.Modality = "PT"
    ds.SeriesInstanceUID = series_uid
    ds.InstanceNumber = number
    ds.PatientName = PLANTED_NAME
    ds.PatientID = PLANTED_ID
    ds.PatientWeight = 72.5
    ds.SeriesDate = "20240105"
    ds.SeriesTime = "101500"
    ds.AcquisitionDate = "20240105"
    ds.AcquisitionTime = f"1015{number:02d}"
    ds.Units = "BQML"
    ds.DecayCorrection = "START"
    ds.CorrectedImage = ["DECY", "ATTN", "SCAT", "RAN", "NORM"]
    ds.AttenuationCorrectionMethod = "CT-based"
    ds.ScatterCorrectionMethod = "model-based"
    ds.ReconstructionMethod = "OSEM3D 3i21s"
    ds.SliceThickness = 3.27
    ds.PixelSpacing = [4.0728, 4.0728]
    ds.DeviceSerialNumber = SERIAL
    ds.StationName = STATION
    item = Dataset()
    item.Radiopharmaceutical = "Fluorodeoxyglucose"
    item.RadiopharmaceuticalStartTime = "091000.00"
    item.RadiopharmaceuticalStartDateTime = "20240105091000.00"
    item.RadionuclideTotalDose = 370000000
    item.RadionuclideHalfLife = 6586.2
    item.RadionuclidePositronFraction = 0.97
    nuclide = Dataset()
    nuclide.CodeValue = "C-111A1"
    nuclide.CodingSchemeDesignator = "SRT"
    nuclide.CodeMeaning = "^18^Fluorine"
    item.RadionuclideCodeSequence = Sequence([nuclide])
    pharm = Dataset()
    pharm.CodeValue = "C-B1031"
    pharm.CodingSchemeDesignator = "SRT"
    pharm.CodeMeaning = "Fluorodeoxyglucose F^18^"
    item.RadiopharmaceuticalCodeSequence = Sequence([pharm])
    ds.RadiopharmaceuticalInformationSequence = Sequence([item])
    for key, value in overrides.items():
        if value is None:
            if key in ds:
                delattr(ds, key)
            elif key in item:
                delattr(item, key)
        elif key in ("RadionuclideTotalDose", "RadionuclideHalfLife", "RadiopharmaceuticalStartTime",
                     "RadiopharmaceuticalStartDateTime"):
            setattr(item, key, value)
        else:
            setattr(ds, key, value)
    return ds


@pytest.fixture
def pet_series(tmp_path):
    series_uid = generate_uid()
    return [_roundtrip(_pet_instance(i, series_uid), tmp_path, f"pt{i}.dcm") for i in range(1, 4)]


def test_pet_suv_fields(pet_series):
    results = [acquisition_parameters(ds) for ds in pet_series]
    for params in results:
        assert set(params) == {"modality_family", *PT_KEYS}
        assert params["modality_family"] == "pt"
        assert params["radiopharmaceutical"] == "Fluorodeoxyglucose"
        assert params["radiopharmaceutical_code"] == "SRT:C-B1031"
        assert params["radionuclide"] == "^18^Fluorine"
        assert params["radionuclide_code"] == "SRT:C-111A1"
        assert params["injected_dose_bq"] == 370000000.0
        assert params["radionuclide_half_life_s"] == 6586.2
        assert params["radionuclide_positron_fraction"] == 0.97
        assert params["injection_to_acquisition_s"] == 3900.0  # 09:10:00 -> 10:15:00
        assert params["units"] == "BQML"
        assert params["decay_correction"] == "START"
        assert params["corrected_image"] == ["ATTN", "DECY", "NORM", "RAN", "SCAT"]
        assert params["attenuation_correction_method"] == "CT-based"
        assert params["reconstruction_method"] == "OSEM3D 3i21s"
        assert params["patient_weight_present"] is True
        assert params["slice_thickness_mm"] == 3.27
        assert params["suv_computable"] is True
        assert params["suv_missing"] == []
        _assert_clean(params)
        assert "72.5" not in json.dumps(params)  # weight: presence only
    # series-level value: identical across instances (reference is the series time)
    assert len({json.dumps(r, sort_keys=True) for r in results}) == 1


def test_pet_delay_from_times_only(tmp_path):
    ds = _pet_instance(1, generate_uid(), RadiopharmaceuticalStartDateTime=None,
                       RadiopharmaceuticalStartTime="234500", SeriesTime="003000")
    params = acquisition_parameters(_roundtrip(ds, tmp_path, "midnight.dcm"))
    assert params["injection_to_acquisition_s"] == 2700.0  # across midnight
    assert params["suv_computable"] is True


@pytest.mark.parametrize("overrides, reason", [
    ({"Units": "CNTS"}, "units_not_bqml"),
    ({"Units": None}, "units"),
    ({"RadionuclideTotalDose": None}, "injected_dose_bq"),
    ({"RadionuclideHalfLife": None}, "radionuclide_half_life_s"),
    ({"RadiopharmaceuticalStartTime": None, "RadiopharmaceuticalStartDateTime": None},
     "injection_to_acquisition_s"),
    ({"PatientWeight": None}, "patient_weight"),
    ({"DecayCorrection": None}, "decay_correction"),
    ({"CorrectedImage": ["DECY"]}, "attenuation_correction"),
    ({"RadiopharmaceuticalStartDateTime": "20240105110000"}, "injection_after_acquisition"),
])
def test_pet_suv_not_computable(tmp_path, overrides, reason):
    ds = _pet_instance(1, generate_uid(), **overrides)
    params = acquisition_parameters(_roundtrip(ds, tmp_path, "pt.dcm"))
    assert params["suv_computable"] is False
    assert params["suv_missing"] == [reason]


def test_pet_without_radiopharmaceutical_sequence(tmp_path):
    ds = _pet_instance(1, generate_uid())
    del ds.RadiopharmaceuticalInformationSequence
    params = acquisition_parameters(_roundtrip(ds, tmp_path, "pt.dcm"))
    assert params["suv_computable"] is False
    assert params["suv_missing"] == ["injected_dose_bq", "injection_to_acquisition_s",
                                     "radionuclide_half_life_s"]
    assert params["radiopharmaceutical"] is None


# --- US / XR basics -------------------------------------------------------------------------
def test_us_and_xr_basics(tmp_path):
    us = Dataset()
    us.SOPClassUID = "1.2.840.10008.5.1.4.1.1.6.1"
    us.Modality = "US"
    us.TransducerData = ["C5-1", "", ""]
    us.TransducerType = "CURVED LINEAR"
    us.BodyPartExamined = "ABDOMEN"
    us.StationName = STATION
    params = acquisition_parameters(_roundtrip(us, tmp_path, "us.dcm"))
    assert set(params) == {"modality_family", *US_KEYS}
    assert params["transducer_data"] == "C5-1"
    assert params["transducer_type"] == "CURVED LINEAR"
    assert params["body_part_examined"] == "ABDOMEN"
    dx = Dataset()
    dx.SOPClassUID = "1.2.840.10008.5.1.4.1.1.1.1"
    dx.Modality = "DX"
    dx.KVP = 125
    dx.ExposureInuAs = 3200
    dx.DistanceSourceToDetector = 1800
    dx.ImagerPixelSpacing = [0.139, 0.139]
    dx.ViewPosition = "PA"
    dx.Grid = "FOCUSED"
    dx.DeviceSerialNumber = SERIAL
    params = acquisition_parameters(_roundtrip(dx, tmp_path, "dx.dcm"))
    assert set(params) == {"modality_family", *XR_KEYS}
    assert params["kvp_kv"] == 125.0
    assert params["exposure_mas"] == 3.2
    assert params["distance_source_to_detector_mm"] == 1800.0
    assert params["imager_pixel_spacing_mm"] == [0.139, 0.139]
    assert params["view_position"] == "PA"
    assert params["grid"] == "FOCUSED"
    _assert_clean(params)


# --- robustness and determinism ------------------------------------------------------------
def test_never_raises_on_pydicom_test_files():
    families = set()
    for path in get_testdata_files():
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                ds = pydicom.dcmread(path, stop_before_pixels=True, force=True)
        except Exception:
            continue
        params = acquisition_parameters(ds)
        json.dumps(params, sort_keys=True, allow_nan=False)
        json.dumps(device_fields(ds), sort_keys=True)
        families.add(params["modality_family"])
    assert {"ct", "mr", "other"} <= families


def test_malformed_values_become_none():
    ds = Dataset()
    ds.Modality = "CT"
    # as read from a damaged file: raw bytes, converted on first access
    ds[0x00180060] = RawDataElement(Tag(0x00180060), "DS", 4, b"abc ", 0, False, True)  # KVP
    ds[0x00180050] = RawDataElement(Tag(0x00180050), "DS", 0, b"", 0, False, True)
    ds[0x00280030] = RawDataElement(Tag(0x00280030), "DS", 4, b"1\\x ", 0, False, True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        params = acquisition_parameters(ds)
    assert params["pixel_spacing_mm"] is None
    assert params["kvp_kv"] is None
    assert params["slice_thickness_mm"] is None


def test_deterministic(pet_series):
    a = json.dumps(acquisition_parameters(pet_series[0]), sort_keys=True)
    b = json.dumps(acquisition_parameters(pet_series[0]), sort_keys=True)
    assert a == b


def test_enhanced_ct_and_mr_functional_groups(tmp_path):
    def groups(**sequences):
        shared = Dataset()
        for keyword, attributes in sequences.items():
            item = Dataset()
            for name, value in attributes.items():
                setattr(item, name, value)
            setattr(shared, keyword, Sequence([item]))
        return Sequence([shared])

    ct = Dataset()
    ct.SOPClassUID = "1.2.840.10008.5.1.4.1.1.2.1"  # Enhanced CT
    ct.Modality = "CT"
    ct.SharedFunctionalGroupsSequence = groups(
        PixelMeasuresSequence={"SliceThickness": 0.625, "PixelSpacing": [0.7, 0.7]},
        CTXRayDetailsSequence={"KVP": 100},
        CTReconstructionSequence={"ConvolutionKernel": "Br40", "ReconstructionAlgorithm": "ITERATIVE"},
        CTExposureSequence={"ExposureInmAs": 80.5, "CTDIvol": 6.1},
    )
    params = acquisition_parameters(_roundtrip(ct, tmp_path, "ect.dcm"))
    assert params["slice_thickness_mm"] == 0.625
    assert params["pixel_spacing_mm"] == [0.7, 0.7]
    assert params["kvp_kv"] == 100.0
    assert params["convolution_kernel"] == "Br40"
    assert params["reconstruction_algorithm"] == "ITERATIVE"
    assert params["exposure_mas"] == 80.5
    assert params["ctdivol_mgy"] == 6.1

    mr = Dataset()
    mr.SOPClassUID = "1.2.840.10008.5.1.4.1.1.4.1"  # Enhanced MR
    mr.Modality = "MR"
    mr.MagneticFieldStrength = 3
    mr.EchoPulseSequence = "GRADIENT"
    mr.MRAcquisitionType = "3D"
    mr.SharedFunctionalGroupsSequence = groups(
        PixelMeasuresSequence={"SliceThickness": 1.0, "PixelSpacing": [1.0, 1.0]},
        MRTimingAndRelatedParametersSequence={"RepetitionTime": 2300, "FlipAngle": 9},
        MREchoSequence={"EffectiveEchoTime": 2.98},
        MRReceiveCoilSequence={"ReceiveCoilName": "HEAD 32"},
    )
    params = acquisition_parameters(_roundtrip(mr, tmp_path, "emr.dcm"))
    assert params["magnetic_field_strength_t"] == 3.0
    assert params["echo_pulse_sequence"] == "GRADIENT"
    assert params["repetition_time_ms"] == 2300.0
    assert params["flip_angle_deg"] == 9.0
    assert params["echo_time_ms"] == 2.98
    assert params["receive_coil"] == "HEAD 32"
    assert params["slice_thickness_mm"] == 1.0
