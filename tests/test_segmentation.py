"""Segmentation provenance: SEG built with highdicom, RTSTRUCT built with pydicom, real files."""
from __future__ import annotations

import json
import warnings
from pathlib import Path

import highdicom as hd
import numpy as np
import pydicom
import pytest
from pydicom.data import get_testdata_files
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.sequence import Sequence
from pydicom.sr.codedict import codes
from pydicom.uid import ExplicitVRLittleEndian, generate_uid

from curator.errors import CuratorError
from curator.analyses.segmentation import (
    ISSUE_AUTO_NO_NAME,
    ISSUE_NO_TYPE,
    ISSUE_RTUTILS_DEFAULT,
    ISSUE_SEMI_NO_NAME,
    ISSUE_UNKNOWN_TYPE,
    apply_provenance,
    load_provenance,
    segmentation_provenance,
)

DATA = Path(__file__).parent / "data" / "segmentations"
EXAMPLE = Path(__file__).resolve().parent.parent / "mappings" / "provenance" / "example.yaml.sample"
PLANTED_NAME = "Zebulon^Quixley"
PLANTED_ID = "PID77331199"
PLANTED_CREATOR = "Hortensia^Vandermolen"
PLANTED_INTERPRETER = "Barnabus^Okonkwo"


def _read(path) -> Dataset:
    return pydicom.dcmread(path, stop_before_pixels=True)


def _dump(value) -> str:
    return json.dumps(value, sort_keys=True)


def _assert_no_planted(result) -> None:
    text = _dump(result).casefold()
    for planted in (PLANTED_NAME, PLANTED_ID, PLANTED_CREATOR, PLANTED_INTERPRETER):
        for part in planted.split("^"):
            assert part.casefold() not in text, part


# --- SEG with highdicom ---------------------------------------------------------------
@pytest.fixture(scope="module")
def ct_source() -> Dataset:
    path = next(p for p in get_testdata_files("CT_small.dcm"))
    ds = pydicom.dcmread(path)
    ds.PatientName = PLANTED_NAME
    ds.PatientID = PLANTED_ID
    return ds


def _seg_file(tmp_path, ct, descriptions, name="seg.dcm", mutate=None) -> Path:
    mask = np.zeros((1, ct.Rows, ct.Columns, len(descriptions)), dtype=np.uint8)
    for i in range(len(descriptions)):
        mask[0, 10 + i : 20 + i, 10:20, i] = 1
    seg = hd.seg.Segmentation(
        source_images=[ct],
        pixel_array=mask,
        segmentation_type=hd.seg.SegmentationTypeValues.BINARY,
        segment_descriptions=descriptions,
        series_instance_uid=hd.UID(),
        series_number=300,
        sop_instance_uid=hd.UID(),
        instance_number=1,
        manufacturer="SegCo",
        manufacturer_model_name="SegStation",
        software_versions="4.2",
        device_serial_number="SERIAL-31337",
        series_description="liver seg",
        content_creator_name=PLANTED_CREATOR,
    )
    if mutate:
        mutate(seg)
    path = tmp_path / name
    seg.save_as(path)
    return path


def _description(number, label, algorithm_type, algorithm=None):
    return hd.seg.SegmentDescription(
        segment_number=number,
        segment_label=label,
        segmented_property_category=codes.SCT.Organ,
        segmented_property_type=codes.SCT.Liver,
        algorithm_type=algorithm_type,
        algorithm_identification=algorithm,
        tracking_uid=hd.UID(),
        tracking_id=f"t{number}",
    )


def _algorithm(name="NNLiver", version="3.1.4", parameters=None):
    return hd.AlgorithmIdentificationSequence(
        name=name,
        version=version,
        family=codes.cid7162.ArtificialIntelligence,
        parameters=parameters,
    )


def test_seg_manual(tmp_path, ct_source):
    path = _seg_file(tmp_path, ct_source, [
        _description(1, f"liver {PLANTED_NAME.split('^')[1]}", hd.seg.SegmentAlgorithmTypeValues.MANUAL),
    ])
    result = segmentation_provenance(_read(path))
    assert result["kind"] == "SEG"
    assert result["segmentation_type"] == "BINARY"
    assert result["algorithm_type"] == "MANUAL"
    assert result["algorithm_name"] is None and result["algorithm_version"] is None
    assert result["has_provenance"] is True
    assert result["provenance_issues"] == []
    assert result["referenced_series"] == [ct_source.SeriesInstanceUID]
    segment = result["segments"][0]
    assert segment["number"] == 1
    assert segment["label"] == "liver"  # the planted surname was scrubbed out
    assert segment["category"] == {"scheme": "SCT", "code": codes.SCT.Organ.value,
                                   "meaning": codes.SCT.Organ.meaning}
    assert segment["type"] == {"scheme": "SCT", "code": codes.SCT.Liver.value,
                               "meaning": codes.SCT.Liver.meaning}
    assert segment["algorithm_type"] == "MANUAL"
    assert result["manufacturer"] == "SegCo"
    assert result["model"] == "SegStation"
    assert result["software_versions"] == "4.2"
    assert "SERIAL-31337" not in _dump(result)
    _assert_no_planted(result)


def test_seg_semiautomatic(tmp_path, ct_source):
    path = _seg_file(tmp_path, ct_source, [
        _description(1, "liver", hd.seg.SegmentAlgorithmTypeValues.SEMIAUTOMATIC,
                     _algorithm(name="GrowCut", version="0.9")),
    ])
    result = segmentation_provenance(_read(path))
    assert result["algorithm_type"] == "SEMIAUTOMATIC"
    assert result["algorithm_name"] == "GrowCut"
    assert result["algorithm_version"] == "0.9"
    assert result["algorithm_family"]["code"] == codes.cid7162.ArtificialIntelligence.value
    assert result["segments"][0]["algorithm_name"] == "GrowCut"
    assert result["has_provenance"] is True
    _assert_no_planted(result)


def test_seg_automatic_with_parameters(tmp_path, ct_source):
    algorithm = _algorithm(parameters={"task": "liver", "fold": "3", "tta": "true"})
    path = _seg_file(tmp_path, ct_source, [
        _description(1, "liver", hd.seg.SegmentAlgorithmTypeValues.AUTOMATIC, algorithm),
        _description(2, "lesion", hd.seg.SegmentAlgorithmTypeValues.MANUAL),
    ])
    result = segmentation_provenance(_read(path))
    assert result["algorithm_type"] == "AUTOMATIC"
    assert result["algorithm_types"] == ["MANUAL", "AUTOMATIC"]
    assert result["algorithm_name"] == "NNLiver"
    assert result["algorithm_version"] == "3.1.4"
    assert result["algorithm_family"] == {
        "scheme": codes.cid7162.ArtificialIntelligence.scheme_designator,
        "code": codes.cid7162.ArtificialIntelligence.value,
        "meaning": codes.cid7162.ArtificialIntelligence.meaning,
    }
    assert result["parameters"] == {"fold": "3", "task": "liver", "tta": "true"}
    assert [s["number"] for s in result["segments"]] == [1, 2]
    assert [s["label"] for s in result["segments"]] == ["liver", "lesion"]
    assert [s["algorithm_type"] for s in result["segments"]] == ["AUTOMATIC", "MANUAL"]
    assert result["segments"][0]["algorithm"]["parameters"]["task"] == "liver"
    assert result["segments"][1]["algorithm_name"] is None
    assert result["has_provenance"] is True
    json.dumps(result)  # JSON-serializable
    _assert_no_planted(result)


def test_seg_automatic_without_name_is_flagged(tmp_path, ct_source):
    def strip_algorithm(seg):
        item = seg.SegmentSequence[0]
        del item.SegmentationAlgorithmIdentificationSequence
        del item.SegmentAlgorithmName

    path = _seg_file(tmp_path, ct_source, [
        _description(1, "liver", hd.seg.SegmentAlgorithmTypeValues.AUTOMATIC, _algorithm()),
    ], mutate=strip_algorithm)
    result = segmentation_provenance(_read(path))
    assert result["algorithm_type"] == "AUTOMATIC"
    assert result["has_provenance"] is False
    assert ISSUE_AUTO_NO_NAME in result["provenance_issues"]
    assert result["segments"][0]["issues"] == [ISSUE_AUTO_NO_NAME]


def test_seg_semiautomatic_without_name_and_missing_type_are_flagged(tmp_path, ct_source):
    def damage(seg):
        first, second = seg.SegmentSequence
        del first.SegmentationAlgorithmIdentificationSequence
        del first.SegmentAlgorithmName
        del second.SegmentAlgorithmType

    path = _seg_file(tmp_path, ct_source, [
        _description(1, "liver", hd.seg.SegmentAlgorithmTypeValues.SEMIAUTOMATIC, _algorithm()),
        _description(2, "spleen", hd.seg.SegmentAlgorithmTypeValues.MANUAL),
    ], mutate=damage)
    result = segmentation_provenance(_read(path))
    assert result["has_provenance"] is False
    assert result["provenance_issues"] == sorted([ISSUE_NO_TYPE, ISSUE_SEMI_NO_NAME])
    assert result["segments"][1]["algorithm_type"] is None


# --- RTSTRUCT with pydicom --------------------------------------------------------------
REFERENCED_SERIES = "1.2.826.0.1.3680043.8.498.11111"


def _rtstruct_file(tmp_path, rois, name="rt.dcm", manufacturer="TPS Inc", model="Planner") -> Path:
    ds = Dataset()
    ds.SOPClassUID = "1.2.840.10008.5.1.4.1.1.481.3"
    ds.SOPInstanceUID = generate_uid()
    ds.Modality = "RTSTRUCT"
    ds.PatientName = PLANTED_NAME
    ds.PatientID = PLANTED_ID
    ds.StudyInstanceUID = generate_uid()
    ds.SeriesInstanceUID = generate_uid()
    ds.Manufacturer = manufacturer
    ds.ManufacturerModelName = model
    ds.SeriesDescription = "contours"
    ds.StructureSetLabel = "RS"
    frame_uid = generate_uid()
    series_item = Dataset()
    series_item.SeriesInstanceUID = REFERENCED_SERIES
    series_item.ContourImageSequence = Sequence()
    study_item = Dataset()
    study_item.ReferencedSOPClassUID = "1.2.840.10008.3.1.2.3.1"
    study_item.ReferencedSOPInstanceUID = ds.StudyInstanceUID
    study_item.RTReferencedSeriesSequence = Sequence([series_item])
    frame = Dataset()
    frame.FrameOfReferenceUID = frame_uid
    frame.RTReferencedStudySequence = Sequence([study_item])
    ds.ReferencedFrameOfReferenceSequence = Sequence([frame])
    roi_items, observations = [], []
    for number, (label, algorithm, description) in enumerate(rois, start=1):
        item = Dataset()
        item.ROINumber = number
        item.ReferencedFrameOfReferenceUID = frame_uid
        item.ROIName = label
        if algorithm is not None:
            item.ROIGenerationAlgorithm = algorithm
        if description is not None:
            item.ROIGenerationDescription = description
        roi_items.append(item)
        obs = Dataset()
        obs.ObservationNumber = number
        obs.ReferencedROINumber = number
        obs.RTROIInterpretedType = "ORGAN"
        obs.ROIInterpreter = PLANTED_INTERPRETER
        code = Dataset()
        code.CodeValue = "10200004"
        code.CodingSchemeDesignator = "SCT"
        code.CodeMeaning = "Liver"
        obs.RTROIIdentificationCodeSequence = Sequence([code])
        observations.append(obs)
    ds.StructureSetROISequence = Sequence(roi_items)
    ds.RTROIObservationsSequence = Sequence(observations)
    ds.file_meta = FileMetaDataset()
    ds.file_meta.MediaStorageSOPClassUID = ds.SOPClassUID
    ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    path = tmp_path / name
    ds.save_as(path, enforce_file_format=True)
    return path


def test_rtstruct_all_generation_algorithms(tmp_path):
    path = _rtstruct_file(tmp_path, [
        ("GTV", "MANUAL", None),
        ("Liver", "AUTOMATIC", f"DeepOrgan v2 run by {PLANTED_NAME.split('^')[0]}"),
        ("Kidney", "SEMIAUTOMATIC", "region growing"),
        ("Spleen", None, None),
    ])
    result = segmentation_provenance(_read(path))
    assert result["kind"] == "RTSTRUCT"
    assert result["segmentation_type"] is None
    assert result["referenced_series"] == [REFERENCED_SERIES]
    by_label = {s["label"]: s for s in result["segments"]}
    assert [s["label"] for s in result["segments"]] == ["GTV", "Liver", "Kidney", "Spleen"]
    assert by_label["GTV"]["algorithm_type"] == "MANUAL"
    assert by_label["Liver"]["algorithm_type"] == "AUTOMATIC"
    assert by_label["Kidney"]["algorithm_type"] == "SEMIAUTOMATIC"
    assert by_label["Spleen"]["algorithm_type"] is None
    assert by_label["Liver"]["generation_description"] == "DeepOrgan v2 run by"
    assert by_label["Kidney"]["generation_description"] == "region growing"
    assert by_label["Liver"]["type"] == {"scheme": "SCT", "code": "10200004", "meaning": "Liver"}
    assert by_label["Liver"]["interpreted_type"] == "ORGAN"
    # a description is not an algorithm name: AUTOMATIC and SEMIAUTOMATIC still lack one
    assert result["provenance_issues"] == sorted([ISSUE_AUTO_NO_NAME, ISSUE_NO_TYPE, ISSUE_SEMI_NO_NAME])
    assert by_label["Spleen"]["issues"] == [ISSUE_NO_TYPE]
    assert result["has_provenance"] is False
    _assert_no_planted(result)


def test_rtstruct_manual_has_provenance(tmp_path):
    result = segmentation_provenance(_read(_rtstruct_file(tmp_path, [("GTV", "MANUAL", None)])))
    assert result["has_provenance"] is True
    assert result["algorithm_type"] == "MANUAL"
    assert result["provenance_issues"] == []


def test_rtstruct_missing_and_unknown_type_flagged(tmp_path):
    result = segmentation_provenance(_read(_rtstruct_file(tmp_path, [("A", None, None)])))
    assert result["has_provenance"] is False
    assert result["provenance_issues"] == [ISSUE_NO_TYPE]
    result = segmentation_provenance(_read(_rtstruct_file(tmp_path, [("A", "GUESSED", None)], name="u.dcm")))
    assert result["has_provenance"] is False
    assert result["provenance_issues"] == [ISSUE_UNKNOWN_TYPE]


def test_rtstruct_rt_utils_default_is_suspicious(tmp_path):
    path = _rtstruct_file(tmp_path, [("drawn", "AUTOMATIC", None)], manufacturer="Qurit", model="rt-utils")
    result = segmentation_provenance(_read(path))
    assert ISSUE_RTUTILS_DEFAULT in result["provenance_issues"]
    assert result["has_provenance"] is False
    # the same claim from another writer is only "AUTOMATIC without algorithm name"
    other = segmentation_provenance(_read(_rtstruct_file(tmp_path, [("drawn", "AUTOMATIC", None)], name="o.dcm")))
    assert ISSUE_RTUTILS_DEFAULT not in other["provenance_issues"]
    assert ISSUE_AUTO_NO_NAME in other["provenance_issues"]


# --- non-segmentations, real files, robustness ----------------------------------------------
def test_non_segmentation_is_none():
    path = next(p for p in get_testdata_files("CT_small.dcm"))
    assert segmentation_provenance(_read(path)) is None
    assert segmentation_provenance(Dataset()) is None


def test_real_reference_files():
    real = {p.name: segmentation_provenance(_read(p)) for p in sorted(DATA.glob("*.dcm"))}
    auto = real["seg_ct2_auto_manual.dcm"]
    assert auto["algorithm_name"] == "TotalSegmentator"
    assert auto["algorithm_version"] == "2.4.0"
    assert auto["algorithm_family"]["code"] == "123110"
    assert auto["parameters"] == {"checkpoint_sha256": "deadbeef", "fast": "false", "task": "total"}
    assert [s["algorithm_type"] for s in auto["segments"]] == ["AUTOMATIC", "MANUAL"]
    assert auto["has_provenance"] is True
    assert "reader" not in _dump(auto).casefold()  # Content Creator's Name never read
    trap = real["rtstruct_ct2_rtutils.dcm"]
    assert trap["kind"] == "RTSTRUCT"
    assert ISSUE_RTUTILS_DEFAULT in trap["provenance_issues"]
    assert trap["has_provenance"] is False
    assert {s["label"]: s["algorithm_type"] for s in trap["segments"]} == {
        "liver_default_alg": "AUTOMATIC", "liver_manual": "MANUAL"}
    labelmap = real["sparse-labelmap-ppv5.dcm"]
    assert labelmap["segmentation_type"] == "LABELMAP"
    assert labelmap["algorithm_name"] == "SlicerEditor"
    assert "doe" not in _dump(labelmap).casefold()  # Content Creator's Name "Doe^John"
    assert real["seg_image_ct_binary.dcm"]["algorithm_name"] == "test"
    assert real["rtutils_mock_rt.dcm"]["algorithm_type"] == "MANUAL"
    for result in real.values():
        json.dumps(result)
        assert len(result["referenced_series"]) == 1


def test_never_raises_on_pydicom_test_files():
    seen = 0
    for path in get_testdata_files():
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                ds = pydicom.dcmread(path, stop_before_pixels=True, force=True)
        except Exception:
            continue
        result = segmentation_provenance(ds)
        if result is not None:
            seen += 1
            json.dumps(result)
    assert seen >= 2  # rtstruct.dcm and the dcmqi liver SEGs are among them


# --- curator-supplied provenance -----------------------------------------------------------
def _write(tmp_path, text, name="prov.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_apply_provenance_corrects_rt_utils_default():
    trap = segmentation_provenance(_read(DATA / "rtstruct_ct2_rtutils.dcm"))
    trap["site"] = "site-b"
    rules = load_provenance([EXAMPLE])
    merged = apply_provenance(trap, rules)
    assert merged["algorithm_type"] == "MANUAL"
    assert merged["sources"]["algorithm_type"] == "curator"
    assert merged["header_values"] == {"algorithm_type": "AUTOMATIC"}
    assert merged["readers"] == [{"experience_years": 5, "role": "radiation oncologist"}]
    assert merged["has_provenance"] is True
    assert merged["provenance_issues"] == []
    assert merged["supplied_by"] == {"source": "curator", "file": "example.yaml.sample", "rule": 1}
    assert trap["algorithm_type"] == "AUTOMATIC"  # the input is not modified


def test_apply_provenance_fills_algorithm(tmp_path, ct_source):
    def strip_algorithm(seg):
        item = seg.SegmentSequence[0]
        del item.SegmentationAlgorithmIdentificationSequence
        del item.SegmentAlgorithmName

    path = _seg_file(tmp_path, ct_source, [
        _description(1, "liver", hd.seg.SegmentAlgorithmTypeValues.AUTOMATIC, _algorithm()),
    ], mutate=strip_algorithm)
    seg = segmentation_provenance(_read(path))
    seg["site"] = "site-a"
    rules = load_provenance(_write(tmp_path, """
segmentations:
  - match: {series_description: "^spleen"}
    method: MANUAL
  - match: {series_description: "liver", site: "site-a", label: "^liver$"}
    algorithm:
      name: LiverNet
      version: "1.2"
      family: {scheme: DCM, code: "123110", meaning: Artificial Intelligence}
      parameters: {threshold: 0.5}
    readers:
      - {role: radiologist, count: 2}
"""))
    merged = apply_provenance(seg, rules)
    assert merged["algorithm_type"] == "AUTOMATIC"
    assert merged["algorithm_name"] == "LiverNet"
    assert merged["algorithm_version"] == "1.2"
    assert merged["parameters"] == {"threshold": "0.5"}
    assert merged["sources"] == {"algorithm_family": "curator", "algorithm_name": "curator",
                                 "algorithm_type": "header", "algorithm_version": "curator",
                                 "parameters": "curator", "readers": "curator"}
    assert merged["has_provenance"] is True
    assert merged["supplied_by"]["rule"] == 2
    # no match: header only, still flagged
    seg["site"] = "site-z"
    untouched = apply_provenance(seg, rules)
    assert "supplied_by" not in untouched
    assert untouched["has_provenance"] is False
    assert untouched["sources"] == {"algorithm_type": "header"}


@pytest.mark.parametrize("text, message", [
    ("segmentations: [{match: {series_description: x}}]",
     "segmentations[1]: states nothing (give method, algorithm or readers)"),
    ("segmentations: [{match: {colour: x}, method: MANUAL}]", "segmentations[1].match.colour: is not a known field"),
    ("segmentations: [{match: {series_description: '('}, method: MANUAL}]",
     "segmentations[1].match.series_description: is not a valid regular expression"),
    ("segmentations: [{match: {site: a}, method: GUESSED}]",
     "segmentations[1].method: must be one of MANUAL, SEMIAUTOMATIC, AUTOMATIC"),
    ("segmentations: [{match: {site: a}, method: [MANUAL]}]", "segmentations[1].method: Input should be a valid string"),
    ("segmentations: [{match: {site: a}, readers: [{role: r, name: Jane}]}]",
     "segmentations[1].readers[1]: a reader has no 'name' (roles only, never names)"),
    ("segmentations: [{match: {site: a}, readers: [{role: 'Dr. Smith'}]}]",
     "segmentations[1].readers[1].role: looks like a person's name; give a role"),
    ("segmentations: [{match: {site: a}, readers: [{role: r, count: many}]}]",
     "segmentations[1].readers[1].count: Input should be a valid integer"),
    ("segmentations: [{match: {site: a}, method: MANUAL, algorithm: {family: {scheme: DCM, codes: x}}}]",
     "segmentations[1].algorithm.family.codes: is not a known field"),
    ("segmentations: [{match: {}, method: MANUAL}]", "segmentations[1].match: must name at least one key to match"),
    ("segmentations: {}", "segmentations: Input should be a valid list"),
    ("rules: []", "rules: is not a known field"),
    ("segmentations: [ {", "provenance file is not readable YAML (line 1)"),
])
def test_bad_provenance_files(tmp_path, text, message):
    with pytest.raises(CuratorError) as err:
        load_provenance(_write(tmp_path, text))
    assert str(err.value).startswith("prov.yaml: ")
    assert message in str(err.value)
    assert str(tmp_path) not in str(err.value)


def test_missing_provenance_file(tmp_path):
    with pytest.raises(CuratorError, match="not found"):
        load_provenance(tmp_path / "absent.yaml")


def test_example_is_valid_and_inactive():
    assert len(load_provenance([EXAMPLE])) == 2
    # the shipped folder holds only the inactive example: nothing applies by default
    assert load_provenance() == []


def test_rtstruct_derivation_algorithm_identification(tmp_path):
    path = _rtstruct_file(tmp_path, [("Liver", "AUTOMATIC", "deep learning contouring")])
    ds = pydicom.dcmread(path)
    ident = Dataset()
    ident.AlgorithmName = "AutoContour"
    ident.AlgorithmVersion = "7.0.1"
    ident.AlgorithmParameters = "model=abdomen;smoothing=2"
    family = Dataset()
    family.CodeValue = "123110"
    family.CodingSchemeDesignator = "DCM"
    family.CodeMeaning = "Artificial Intelligence"
    ident.AlgorithmFamilyCodeSequence = Sequence([family])
    ds.StructureSetROISequence[0].ROIDerivationAlgorithmIdentificationSequence = Sequence([ident])
    ds.save_as(path)
    result = segmentation_provenance(_read(path))
    assert result["algorithm_name"] == "AutoContour"
    assert result["algorithm_version"] == "7.0.1"
    assert result["algorithm_family"] == {"scheme": "DCM", "code": "123110", "meaning": "Artificial Intelligence"}
    assert result["parameters"] == {"model": "abdomen", "smoothing": "2"}
    assert result["segments"][0]["generation_description"] == "deep learning contouring"
    assert result["has_provenance"] is True
    assert result["provenance_issues"] == []


def test_summary_counts_flagged():
    from curator.analyses.segmentation import summary

    rules = load_provenance([EXAMPLE])
    segs = []
    for path in sorted(DATA.glob("*.dcm")):
        seg = segmentation_provenance(_read(path))
        seg["site"] = "site-b"
        segs.append(seg)
    before = summary(segs)
    assert before["n_segmentations"] == 5
    assert before["by_kind"] == {"RTSTRUCT": 2, "SEG": 3}
    assert before["n_without_provenance"] == 1  # the rt-utils default
    assert before["issues"][ISSUE_RTUTILS_DEFAULT] == 1
    after = summary([apply_provenance(s, rules) for s in segs])
    assert after["n_without_provenance"] == 0
    assert after["n_with_curator_provenance"] == 2  # both rt-utils files match rule 1
    json.dumps(after)


def test_damaged_segment_sequence_is_flagged_not_raised():
    from pydicom.dataelem import RawDataElement
    from pydicom.tag import Tag

    ds = Dataset()
    ds.SOPClassUID = "1.2.840.10008.5.1.4.1.1.66.4"
    ds.Modality = "SEG"
    # Segment Number with an undecodable value, as read from a damaged file
    item = Dataset()
    item[0x00620004] = RawDataElement(Tag(0x00620004), "US", 1, b"\x01", 0, False, True)
    item.SegmentLabel = "x"
    ds.SegmentSequence = Sequence([item])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = segmentation_provenance(ds)
    assert result["kind"] == "SEG"
    assert result["has_provenance"] is False
    json.dumps(result)
