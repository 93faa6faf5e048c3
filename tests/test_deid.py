"""Layered de-identification (`curator deid`): no identifier survives, research data does.

Real files only: datasets synthesized here with pydicom (identifiers planted in nested
sequences at depth >= 2, private blocks with private sequences, descriptions, SR text and
source file names), pydicom's bundled test files, and curator's synthetic collection.
Every output byte is searched for every planted value.
"""
from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pydicom
import pydicom.data
import pytest
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.sequence import Sequence
from pydicom.uid import ExplicitVRLittleEndian

from curator.deid import table
from curator.deid.engine import Engine, PatientContext, clean_text
from curator.deid.profile import apply_recipe, load_profile
from curator.deid.pseudonyms import Pseudonymizer, shift_date
from curator.deid.run import REPORT_NAME, DeidOptions, deidentify
from curator.errors import CuratorError

KEY = bytes(range(32))
OTHER_KEY = bytes(range(1, 33))

# Distinctive values planted below; none of them may appear in any output byte.
P = {
    "family": "Quorvandelli",
    "given": "Esmeraldine",
    "pid": "QX77120934",
    "other_pid": "QXALT55831",
    "accession": "QACC4471902",
    "birth": "19540317",
    "address": "42 Thrimblewick Road",
    "phone": "+44 20 7946 0321",
    "referring": "Drabwellton",
    "operator": "Fenquiston",
    "institution": "Vardenholt Clinic",
    "station": "VRDSTN07",
    "serial": "VSN8842177",
    "nested": "NSTQ99281",
    "deep": "DEEPQ44172",
    "private": "Privquaxil",
    "private_deep": "PRVDEEP8812",
    "sr_name": "Mirabelquist",
    "study_uid": "1.2.826.0.1.3680043.8.498.90210.1",
}


def _meta(ds: Dataset, syntax=ExplicitVRLittleEndian) -> Dataset:
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = ds.SOPClassUID
    meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    meta.TransferSyntaxUID = syntax
    ds.file_meta = meta
    return ds


def planted_ct(index: int = 0, *, patient: str = "", age: str | None = "067Y", sex: str = "F",
               study_date: str = "20210304", study_uid: str | None = None, institution: str | None = None) -> Dataset:
    """A CT slice with identifiers in every place they hide."""
    tag = patient or ""
    family = P["family"] + tag
    ds = Dataset()
    ds.SpecificCharacterSet = "ISO_IR 100"
    ds.SOPClassUID = "1.2.840.10008.5.1.4.1.1.2"
    ds.SOPInstanceUID = f"1.2.826.0.1.3680043.8.498.5555.{index + 1}{len(tag)}"
    ds.StudyInstanceUID = study_uid or P["study_uid"]
    ds.SeriesInstanceUID = (study_uid or P["study_uid"]) + ".7"
    ds.FrameOfReferenceUID = (study_uid or P["study_uid"]) + ".8"
    ds.Modality = "CT"
    ds.ImageType = ["ORIGINAL", "PRIMARY", "AXIAL"]
    ds.PatientName = f"{family}^{P['given']}"
    ds.PatientID = P["pid"] + tag
    ds.OtherPatientIDs = P["other_pid"]
    ds.PatientBirthDate = P["birth"]
    ds.PatientSex = sex
    if age is not None:
        ds.PatientAge = age
    ds.PatientSize = "1.62"
    ds.PatientWeight = "58.5"
    ds.EthnicGroup = "WHITE"
    ds.PatientAddress = P["address"]
    ds.PatientTelephoneNumbers = P["phone"]
    ds.AccessionNumber = P["accession"]
    ds.ReferringPhysicianName = f"{P['referring']}^Anna"
    ds.OperatorsName = P["operator"]
    ds.InstitutionName = institution or P["institution"]
    ds.InstitutionAddress = P["address"]
    ds.StationName = P["station"]
    ds.DeviceSerialNumber = P["serial"]
    ds.StudyDate = study_date
    ds.SeriesDate = study_date
    ds.AcquisitionDate = study_date
    ds.ContentDate = study_date
    ds.StudyTime = "101500"
    ds.SeriesTime = "101733"
    ds.AcquisitionTime = "101800.250"
    ds.ContentTime = "101801"
    ds.StudyID = "QSTU8812"
    ds.SeriesNumber = 2
    ds.InstanceNumber = index + 1
    ds.Manufacturer = "SIEMENS"
    ds.ManufacturerModelName = "SOMATOM Force"
    ds.SoftwareVersions = "syngo CT VA50"
    ds.KVP = "120"
    ds.SliceThickness = "1.25"
    ds.PixelSpacing = ["0.7", "0.7"]
    ds.ConvolutionKernel = "Br40d"
    ds.ImagePositionPatient = ["-100", "-100", str(-10 * index)]
    ds.ImageOrientationPatient = ["1", "0", "0", "0", "1", "0"]
    ds.StudyDescription = f"TC TORAX {P['given'].upper()} {family.lower()} {P['pid']}"
    ds.SeriesDescription = f"Thorax 1.25 STD tel {P['phone']}"
    ds.ProtocolName = f"{family}, {P['given']} chest 17/03/1954"
    ds.ImageComments = f"contrast ok, patient {P['given'][:1]}. {P['given']} {family.upper()} seen"
    other = Dataset()
    other.PatientID = P["nested"]
    issuer = Dataset()
    issuer.UniversalEntityID = P["deep"]
    issuer.UniversalEntityIDType = "ISO"
    other.IssuerOfPatientIDQualifiersSequence = Sequence([issuer])
    ds.OtherPatientIDsSequence = Sequence([other])
    step = Dataset()
    step.ScheduledPerformingPhysicianName = P["referring"]
    step.ScheduledProcedureStepID = P["deep"]
    request = Dataset()
    request.RequestedProcedureID = P["nested"]
    request.RequestedProcedureDescription = f"CT chest for {family}"
    request.ScheduledProcedureStepSequence = Sequence([step])
    ds.RequestAttributesSequence = Sequence([request])
    ref = Dataset()
    ref.ReferencedSOPClassUID = "1.2.840.10008.3.1.2.3.3"
    ref.ReferencedSOPInstanceUID = P["study_uid"] + ".99"
    ds.ReferencedPerformedProcedureStepSequence = Sequence([ref])
    # Unknown private block with a private sequence at depth 2.
    block = ds.private_block(0x0029, "QUORVAN PRIVATE 1", create=True)
    block.add_new(0x10, "LO", P["private"])
    inner = Dataset()
    inner.add_new(0x00100010, "PN", P["private"])
    inner_block = inner.private_block(0x0031, "QUORVAN PRIVATE 2", create=True)
    inner_block.add_new(0x01, "LO", P["private_deep"])
    block.add_new(0x11, "SQ", Sequence([inner]))
    # A safe private element per the TCIA knowledge base (GE "Full fidelity").
    ge = ds.private_block(0x0009, "GEMS_IDEN_01", create=True)
    ge.add_new(0x01, "LO", "GE_GENESIS_FF")
    ge.add_new(0x02, "SH", P["station"])  # "Suite Id": delete per the knowledge base
    # An overlay with a comment naming the patient (group 60xx).
    ds.add_new(0x60000010, "US", 8)
    ds.add_new(0x60000011, "US", 8)
    ds.add_new(0x60000040, "CS", "G")
    ds.add_new(0x60000050, "SS", [1, 1])
    ds.add_new(0x60000100, "US", 1)
    ds.add_new(0x60000102, "US", 0)
    ds.add_new(0x60003000, "OW", b"\xff" * 8)
    ds.add_new(0x60004000, "LT", f"marked by {family}")
    ds.BurnedInAnnotation = "NO"
    ds.Rows = 8
    ds.Columns = 8
    ds.BitsAllocated = 16
    ds.BitsStored = 12
    ds.HighBit = 11
    ds.PixelRepresentation = 0
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.RescaleIntercept = "-1024"
    ds.RescaleSlope = "1"
    ds.PixelData = bytes((i * 7 + index) % 251 for i in range(128))
    return _meta(ds)


def planted_sr(evidence: list[Dataset]) -> Dataset:
    """A Comprehensive SR referring to ``evidence``, with names in its text."""
    first = evidence[0]
    ds = Dataset()
    ds.SOPClassUID = "1.2.840.10008.5.1.4.1.1.88.33"
    ds.SOPInstanceUID = P["study_uid"] + ".500.1"
    ds.StudyInstanceUID = first.StudyInstanceUID
    ds.SeriesInstanceUID = P["study_uid"] + ".500"
    ds.Modality = "SR"
    ds.PatientName = first.PatientName
    ds.PatientID = first.PatientID
    ds.PatientBirthDate = P["birth"]
    ds.PatientSex = "F"
    ds.StudyDate = first.StudyDate
    ds.StudyTime = "101500"
    ds.ContentDate = first.StudyDate
    ds.ContentTime = "120000"
    ds.AccessionNumber = P["accession"]
    ds.ReferringPhysicianName = ""
    ds.StudyID = "QSTU8812"
    ds.SeriesNumber = 99
    ds.InstanceNumber = 1
    ds.Manufacturer = "curator-test"
    ds.CompletionFlag = "COMPLETE"
    ds.VerificationFlag = "UNVERIFIED"
    ds.ValueType = "CONTAINER"
    ds.ContinuityOfContent = "SEPARATE"
    title = Dataset()
    title.CodeValue = "18748-4"
    title.CodingSchemeDesignator = "LN"
    title.CodeMeaning = "Diagnostic imaging report"
    ds.ConceptNameCodeSequence = Sequence([title])
    text = Dataset()
    text.RelationshipType = "CONTAINS"
    text.ValueType = "TEXT"
    concept = Dataset()
    concept.CodeValue = "121071"
    concept.CodingSchemeDesignator = "DCM"
    concept.CodeMeaning = "Finding"
    text.ConceptNameCodeSequence = Sequence([concept])
    text.TextValue = (
        f"Nodule 6 mm right upper lobe. Seen with {P['given']} {P['family']} "
        f"(MRN {P['pid']}), call {P['phone']}; Dr {P['sr_name']} agrees."
    )
    person = Dataset()
    person.RelationshipType = "HAS OBS CONTEXT"
    person.ValueType = "PNAME"
    pconcept = Dataset()
    pconcept.CodeValue = "121008"
    pconcept.CodingSchemeDesignator = "DCM"
    pconcept.CodeMeaning = "Person Observer Name"
    person.ConceptNameCodeSequence = Sequence([pconcept])
    person.PersonName = f"{P['sr_name']}^Otto"
    image = Dataset()
    image.RelationshipType = "CONTAINS"
    image.ValueType = "IMAGE"
    iconcept = Dataset()
    iconcept.CodeValue = "121080"
    iconcept.CodingSchemeDesignator = "DCM"
    iconcept.CodeMeaning = "Best illustration of finding"
    image.ConceptNameCodeSequence = Sequence([iconcept])
    sop = Dataset()
    sop.ReferencedSOPClassUID = first.SOPClassUID
    sop.ReferencedSOPInstanceUID = first.SOPInstanceUID
    image.ReferencedSOPSequence = Sequence([sop])
    ds.ContentSequence = Sequence([person, text, image])
    series = Dataset()
    series.SeriesInstanceUID = first.SeriesInstanceUID
    series.ReferencedSOPSequence = Sequence()
    for inst in evidence:
        item = Dataset()
        item.ReferencedSOPClassUID = inst.SOPClassUID
        item.ReferencedSOPInstanceUID = inst.SOPInstanceUID
        series.ReferencedSOPSequence.append(item)
    study = Dataset()
    study.StudyInstanceUID = first.StudyInstanceUID
    study.ReferencedSeriesSequence = Sequence([series])
    ds.CurrentRequestedProcedureEvidenceSequence = Sequence([study])
    return _meta(ds)


def write(ds: Dataset, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    ds.save_as(path, enforce_file_format=True)
    return path


@pytest.fixture
def source(tmp_path: Path) -> Path:
    """Three CT slices and an SR, in folders and files named after the patient."""
    root = tmp_path / "source"
    cts = [planted_ct(i) for i in range(3)]
    folder = root / f"{P['family']}_{P['given']}" / f"{P['pid']}_{P['birth']}"
    for i, ds in enumerate(cts):
        write(ds, folder / f"{P['accession']}_{i}.dcm")
    write(planted_sr(cts), folder / f"report_{P['family']}.dcm")
    (root / f"notes_{P['family']}.txt").write_text("not dicom", encoding="utf-8")
    return root


def output_files(out: Path) -> list[Path]:
    return sorted(p for p in out.rglob("*") if p.is_file())


def assert_nothing_planted(out: Path, extra: tuple[str, ...] = ()) -> None:
    probes = set(P.values()) | set(extra)
    probes.add("".join(c for c in P["phone"] if c.isdigit()))
    probes.add("20 7946 0321")
    for path in output_files(out):
        rel = str(path.relative_to(out)).casefold()
        data = path.read_bytes().lower()
        for probe in probes:
            assert probe.casefold() not in rel, f"identifier in output path {rel}"
            assert probe.lower().encode() not in data, f"identifier {probe!r} leaked into {path.name}"


def read_all(out: Path) -> list[Dataset]:
    return [pydicom.dcmread(p) for p in output_files(out) if p.suffix == ".dcm"]


def walk_values(ds: Dataset, keyword: str) -> list:
    found = []
    for element in ds.iterall():
        if element.keyword == keyword:
            found.append(element.value)
    return found


# --- the standard as data -------------------------------------------------------


def test_table_is_the_shipped_standard():
    rows = table.rows()
    from curator.resources import load_yaml, ontologies_dir

    additions = load_yaml(ontologies_dir() / table.ADDITIONS_FILE)["rows"]
    assert len(rows) == 621 + len(additions)  # the standard's rows, then curator's additions
    assert {row.name: row.basic for row in rows[621:]} == additions
    by_tag, patterns = table.action_map(())
    assert by_tag[0x00100010] == "Z"  # PatientName
    assert by_tag[0x00080018] == "U"  # SOPInstanceUID
    assert by_tag[0x00101010] == "X"  # PatientAge under the Basic Profile
    assert patterns[table.PATTERN_PRIVATE] == "X"
    research, _ = table.action_map(("retain_patient_characteristics", "retain_modified_dates", "retain_device_identity"))
    assert research[0x00101010] == "K"
    assert research[0x00080020] == "C"  # StudyDate: shifted
    # Retain Device Identity says K and Modified Dates says C: the date is still shifted.
    assert research[0x00181200] == "C"  # DateOfLastCalibration


def test_compound_codes_resolve_by_iod_type():
    ct, sr = "1.2.840.10008.5.1.4.1.1.2", "1.2.840.10008.5.1.4.1.1.88.33"
    assert table.resolve_compound("Z/D", 0x00080023, ct, False) == "Z"  # ContentDate type 2 in CT
    assert table.resolve_compound("Z/D", 0x00080023, sr, False) == "D"  # type 1 in SR
    assert table.resolve_compound("X/Z/D", 0x00081010, ct, False) == "X"  # StationName type 3
    assert table.resolve_compound("X/Z/U*", 0x00081140, ct, False) == "X"
    assert table.resolve_compound("X/Z/U*", 0x00081140, ct, True) == "U"  # nested: kept, remapped
    assert table.resolve_compound("X/D", 0x00181030, ct, True) == "D"


def test_bad_options_and_profiles_give_clear_errors(tmp_path):
    with pytest.raises(CuratorError, match="unknown de-identification option"):
        table.check_options(["retain_everything"])
    with pytest.raises(CuratorError, match="cannot be combined"):
        table.check_options(["retain_full_dates", "retain_modified_dates"])
    with pytest.raises(CuratorError, match="unknown de-identification profile"):
        load_profile("nonexistent")
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: bad\noptions: []\noverrides: {PatientName: Q}\n", encoding="utf-8")
    with pytest.raises(CuratorError, match="unknown action"):
        load_profile(bad)


def test_shipped_profiles():
    research = load_profile("research")
    assert set(research.options) == {
        "retain_patient_characteristics", "retain_device_identity", "retain_modified_dates",
        "clean_descriptors", "clean_structured_content", "retain_safe_private",
    }
    strict = load_profile("strict")
    assert strict.options == ()
    codes = [c["code"] for c in research.option_codes()]
    assert codes[0] == "113100" and "113108" in codes and "113107" in codes


# --- end to end: no leaks, data kept ---------------------------------------------


def test_research_release_leaks_nothing_and_keeps_research_data(source, tmp_path):
    before = {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in source.rglob("*") if p.is_file()}
    out = tmp_path / "out"
    report = deidentify(source, out, key=KEY, options=DeidOptions(profile="research", k=1, workers=1))
    after = {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in source.rglob("*") if p.is_file()}
    assert before == after, "the source was modified"
    assert report["counts"] == {
        "items": 5, "written": 4, "quarantined": 0, "rejected": 1, "patients": 1, "studies": 1, "series": 2,
    }
    assert report["rejected"][0]["reason"].startswith("not DICOM")  # the reason scan and audit give
    assert_nothing_planted(out)
    datasets = read_all(out)
    cts = [d for d in datasets if d.Modality == "CT"]
    assert len(cts) == 3
    originals = {int(d.InstanceNumber): d for d in (planted_ct(i) for i in range(3))}
    for ds in cts:
        orig = originals[int(ds.InstanceNumber)]
        # Demographics kept.
        for keyword in ("PatientSex", "PatientAge", "PatientSize", "PatientWeight", "EthnicGroup"):
            assert ds[keyword].value == orig[keyword].value, keyword
        # Acquisition fields and pixels kept.
        for keyword in ("KVP", "SliceThickness", "PixelSpacing", "ConvolutionKernel", "Manufacturer",
                        "ManufacturerModelName", "SoftwareVersions", "ImagePositionPatient",
                        "RescaleIntercept", "Rows", "Columns", "BitsStored"):
            assert ds[keyword].value == orig[keyword].value, keyword
        assert ds.PixelData == orig.PixelData
        # Times kept, dates shifted by whole days, birth date gone.
        for keyword in ("StudyTime", "SeriesTime", "AcquisitionTime"):
            assert ds[keyword].value == orig[keyword].value
        assert ds.StudyDate != orig.StudyDate and len(ds.StudyDate) == 8
        assert ds.PatientBirthDate == ""
        # Descriptions keep their content without the identifiers.
        assert ds.StudyDescription.startswith("TC TORAX")
        assert ds.SeriesDescription.startswith("Thorax 1.25 STD")
        assert "chest" in ds.ProtocolName
        assert "contrast ok" in ds.ImageComments
        # Safe private kept, unsafe private gone.
        assert ds.get_private_item(0x0009, 0x01, "GEMS_IDEN_01").value == "GE_GENESIS_FF"
        assert (0x0009, 0x1002) not in ds
        assert not any(e.tag.group == 0x0029 for e in ds)
        assert not any(e.tag.group & 0xFF00 == 0x6000 for e in ds)  # overlay group removed whole
        # Marks.
        assert ds.PatientIdentityRemoved == "YES"
        assert ds.LongitudinalTemporalInformationModified == "MODIFIED"
        codes = {item.CodeValue for item in ds.DeidentificationMethodCodeSequence}
        assert codes == {"113100", "113105", "113104", "113109", "113107", "113108", "113111"}
        assert all(item.CodingSchemeDesignator == "DCM" for item in ds.DeidentificationMethodCodeSequence)
        assert ds.file_meta.MediaStorageSOPInstanceUID == ds.SOPInstanceUID
        assert ds.SOPInstanceUID.startswith("2.25.")
    sr = next(d for d in datasets if d.Modality == "SR")
    text = walk_values(sr, "TextValue")[0]
    assert text.startswith("Nodule 6 mm right upper lobe.") and "agrees" in text
    # Report: no identifier, every item accounted for, deterministic JSON.
    report_bytes = (out / REPORT_NAME).read_bytes()
    assert json.loads(report_bytes) == report
    assert_nothing_planted(out)


def test_uids_remapped_consistently_and_references_kept(source, tmp_path):
    out = tmp_path / "out"
    deidentify(source, out, key=KEY, options=DeidOptions(k=1, workers=1))
    datasets = read_all(out)
    cts = [d for d in datasets if d.Modality == "CT"]
    sr = next(d for d in datasets if d.Modality == "SR")
    instance_uids = {d.SOPInstanceUID for d in cts}
    assert len(instance_uids) == 3
    assert len({d.StudyInstanceUID for d in datasets}) == 1
    assert len({d.FrameOfReferenceUID for d in cts}) == 1
    referenced = set(walk_values(sr, "ReferencedSOPInstanceUID"))
    assert referenced == instance_uids  # every reference still resolves, nothing dangling
    evidence = sr.CurrentRequestedProcedureEvidenceSequence[0]
    assert evidence.StudyInstanceUID == cts[0].StudyInstanceUID
    assert evidence.ReferencedSeriesSequence[0].SeriesInstanceUID == cts[0].SeriesInstanceUID
    pseudo = Pseudonymizer(KEY)
    assert cts[0].StudyInstanceUID == pseudo.uid(P["study_uid"])
    assert len(pseudo.uid(P["study_uid"])) <= 64


def planted_gsps(image: Dataset) -> Dataset:
    """A grayscale softcopy presentation state on ``image`` with a text annotation."""
    ds = Dataset()
    ds.SOPClassUID = "1.2.840.10008.5.1.4.1.1.11.1"
    ds.SOPInstanceUID = P["study_uid"] + ".600.1"
    ds.StudyInstanceUID = image.StudyInstanceUID
    ds.SeriesInstanceUID = P["study_uid"] + ".600"
    ds.Modality = "PR"
    ds.PatientName = image.PatientName
    ds.PatientID = image.PatientID
    ds.PatientBirthDate = P["birth"]
    ds.PatientSex = "F"
    ds.StudyDate = image.StudyDate
    ds.ContentLabel = "MEASURE"
    ds.ContentDescription = f"Measured for {P['family']}"
    ds.ContentCreatorName = f"{P['sr_name']}^Otto"
    ds.PresentationCreationDate = image.StudyDate
    ds.PresentationCreationTime = "120000"
    ref_image = Dataset()
    ref_image.ReferencedSOPClassUID = image.SOPClassUID
    ref_image.ReferencedSOPInstanceUID = image.SOPInstanceUID
    ref_series = Dataset()
    ref_series.SeriesInstanceUID = image.SeriesInstanceUID
    ref_series.ReferencedImageSequence = Sequence([ref_image])
    ds.ReferencedSeriesSequence = Sequence([ref_series])
    text = Dataset()
    text.UnformattedTextValue = f"{P['given']} {P['family']} lesion 12 mm"
    text.AnchorPointAnnotationUnits = "PIXEL"
    text.AnchorPoint = [10.0, 10.0]
    text.AnchorPointVisibility = "N"
    annotation = Dataset()
    annotation.GraphicLayer = "LAYER1"
    annotation.ReferencedImageSequence = Sequence([ref_image])
    annotation.TextObjectSequence = Sequence([text])
    ds.GraphicAnnotationSequence = Sequence([annotation])
    return _meta(ds)


def test_presentation_state_still_points_at_its_image(tmp_path):
    root = tmp_path / "src"
    image = planted_ct(0)
    write(image, root / "ct.dcm")
    write(planted_gsps(image), root / "pr.dcm")
    out = tmp_path / "out"
    deidentify(root, out, key=KEY, options=DeidOptions(k=1, workers=1))
    by_modality = {d.Modality: d for d in read_all(out)}
    ct, pr = by_modality["CT"], by_modality["PR"]
    assert pr.ReferencedSeriesSequence[0].SeriesInstanceUID == ct.SeriesInstanceUID
    assert set(walk_values(pr, "ReferencedSOPInstanceUID")) == {ct.SOPInstanceUID}
    assert "lesion 12 mm" in walk_values(pr, "UnformattedTextValue")[0]
    assert_nothing_planted(out)


def test_same_key_same_bytes_other_key_other_pseudonyms(source, tmp_path):
    first, second, third = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    deidentify(source, first, key=KEY, options=DeidOptions(workers=1))
    deidentify(source, second, key=KEY, options=DeidOptions(workers=2))
    deidentify(source, third, key=OTHER_KEY, options=DeidOptions(workers=1))
    files_a = {p.relative_to(first): p.read_bytes() for p in output_files(first)}
    files_b = {p.relative_to(second): p.read_bytes() for p in output_files(second)}
    assert files_a == files_b  # byte-identical, report included, whatever the workers
    names_c = {p.relative_to(third) for p in output_files(third)}
    assert names_c.isdisjoint(set(files_a) - {Path(REPORT_NAME)})
    key_hex = KEY.hex().encode()
    for data in files_a.values():
        assert KEY not in data and key_hex not in data


def test_dates_shift_per_patient_keeping_intervals(tmp_path):
    root = tmp_path / "src"
    write(planted_ct(0, study_date="20210304", study_uid="1.2.826.0.1.3680043.8.498.1.1"), root / "a.dcm")
    write(planted_ct(1, study_date="20210415", study_uid="1.2.826.0.1.3680043.8.498.1.2"), root / "b.dcm")
    write(planted_ct(2, patient="X", study_date="20210304", study_uid="1.2.826.0.1.3680043.8.498.1.3"), root / "c.dcm")
    out = tmp_path / "out"
    deidentify(root, out, key=KEY, options=DeidOptions(k=1, workers=1))
    by_instance = {int(d.InstanceNumber): d for d in read_all(out)}
    import datetime as dt

    def day(text):
        return dt.date(int(text[:4]), int(text[4:6]), int(text[6:]))

    assert (day(by_instance[2].StudyDate) - day(by_instance[1].StudyDate)).days == 42
    offset = (day("20210304") - day(by_instance[1].StudyDate)).days
    assert 365 <= offset <= 3650
    assert by_instance[3].PatientID != by_instance[1].PatientID
    assert by_instance[1].PatientID == by_instance[2].PatientID
    assert shift_date("20210304", offset) == by_instance[1].StudyDate


def test_age_derived_top_coded_and_strict_profile_removes_demographics(tmp_path):
    root = tmp_path / "src"
    write(planted_ct(0, age=None), root / "derived.dcm")  # birth 1954-03-17, study 2021-03-04
    write(planted_ct(1, patient="OLD", age="093Y", study_uid="1.2.826.0.1.3680043.8.498.2.1"), root / "old.dcm")
    out = tmp_path / "out"
    report = deidentify(root, out, key=KEY, options=DeidOptions(k=1, workers=1))
    ages = sorted(d.PatientAge for d in read_all(out))
    assert ages == ["066Y", "090Y"]
    assert report["demographics"]["ages_top_coded_to_090Y"] == 1
    strict_out = tmp_path / "strict"
    deidentify(root, strict_out, key=KEY, options=DeidOptions(profile="strict", workers=1))
    for ds in read_all(strict_out):
        assert "PatientAge" not in ds and "PatientWeight" not in ds and "EthnicGroup" not in ds
        assert ds.PatientSex == "" and ds.PatientName == "" and ds.PatientID == ""
        assert "StudyDescription" not in ds and "SeriesDescription" not in ds
        assert ds.StudyDate == "" and ds.LongitudinalTemporalInformationModified == "REMOVED"
        assert not any(e.tag.group & 1 for e in ds)
    assert_nothing_planted(strict_out)


def test_k_anonymity_measured_by_default_enforced_for_public(tmp_path):
    root = tmp_path / "src"
    # Six patients aged 41..46 (female, same site) and one 80-year-old male.
    for n, age in enumerate(("041Y", "042Y", "043Y", "044Y", "045Y", "046Y")):
        write(planted_ct(n, patient=f"K{n}", age=age, study_uid=f"1.2.826.0.1.3680043.8.498.3.{n}"), root / f"{n}.dcm")
    write(planted_ct(9, patient="K9", age="080Y", sex="M", study_uid="1.2.826.0.1.3680043.8.498.3.9"), root / "9.dcm")
    # Non-public (the default): every value kept, the risk reported, nothing enforced.
    kept = deidentify(root, tmp_path / "kept", key=KEY, options=DeidOptions(k=5, workers=1))
    kan = kept["k_anonymity"]
    assert kan["applied"] and kan["enforced"] is False and kan["access"] == "non-public"
    assert kan["after"]["smallest_group"] == 1 and kan["after"]["records_below_k"] == 7
    assert kan["after"]["patients_below_k"] == 7 and kan["after"]["satisfied"] is False
    ages = sorted(d.PatientAge for d in read_all(tmp_path / "kept"))
    assert ages == ["041Y", "042Y", "043Y", "044Y", "045Y", "046Y", "080Y"]
    assert kept["demographics"]["patient_characteristics_kept"] is True
    assert kept["demographics"]["released"]["instances_with_age"] == 7
    # Public: the lone man cannot share a group of 5 at any node but the one without age
    # and sex (no suppression allowed: 5% of 7 records is 0), so both go for everyone.
    out = tmp_path / "out"
    report = deidentify(root, out, key=KEY, options=DeidOptions(k=5, workers=1, access="public"))
    kan = report["k_anonymity"]
    assert kan["enforced"] and kan["after"]["satisfied"] and kan["after"]["smallest_group"] == 7
    assert kan["generalization"] == {"age": "removed", "sex": "removed", "ethnic_group": "exact", "size": "exact",
                                     "weight": "exact"}
    assert kan["loss"]["age"] == 1.0 and kan["loss"]["sex"] == 1.0 and kan["loss"]["ethnic_group"] == 0.0
    released = {(d.get("PatientAge"), d.PatientSex, d.get("EthnicGroup")) for d in read_all(out)}
    assert len(released) == 1 and next(iter(released))[:2] == (None, "")
    assert report["demographics"]["patient_characteristics_kept"] is False
    assert report["demographics"]["released"]["instances_with_age"] == 0
    methods = {str(d.DeidentificationMethod) for d in read_all(out)}
    assert any("age, sex removed" in m for m in methods)


def test_clean_text_any_order_and_case():
    values = frozenset({f"{P['family']}^{P['given']}", P["family"], P["given"], P["pid"]})
    text = f"{P['given'].lower()} {P['family'].upper()} id {P['pid']} on 2021-03-04, chest CT"
    cleaned = clean_text(text, values)
    assert "chest CT" in cleaned
    for probe in (P["family"], P["given"], P["pid"], "2021"):
        assert probe.casefold() not in cleaned.casefold()


# --- quarantine, rejections, paths ----------------------------------------------


def _us(index: int, burned: str | None) -> Dataset:
    ds = planted_ct(index, patient="US")
    ds.SOPClassUID = "1.2.840.10008.5.1.4.1.1.6.1"
    ds.SOPInstanceUID = f"1.2.826.0.1.3680043.8.498.77.{index}"
    ds.Modality = "US"
    if burned is None:
        del ds.BurnedInAnnotation
    else:
        ds.BurnedInAnnotation = burned
    return _meta(ds)


def test_burned_in_risk_is_quarantined_never_written(tmp_path):
    root = tmp_path / "src"
    write(_us(1, None), root / "us_unknown.dcm")
    write(_us(2, "NO"), root / "us_no.dcm")
    yes = planted_ct(3)
    yes.BurnedInAnnotation = "YES"
    write(yes, root / "ct_yes.dcm")
    out, quarantine = tmp_path / "out", tmp_path / "quarantine"
    report = deidentify(root, out, key=KEY, options=DeidOptions(k=1, workers=1))
    assert report["counts"]["written"] == 1 and report["counts"]["quarantined"] == 2
    reasons = sorted(q["reason"] for q in report["quarantined"])
    assert reasons[0].startswith("BurnedInAnnotation is YES")
    assert "modality US" in reasons[1]
    assert [d.BurnedInAnnotation for d in read_all(out)] == ["NO"]
    report = deidentify(root, tmp_path / "out2", key=KEY, options=DeidOptions(k=1, workers=1, quarantine=quarantine))
    assert len([p for p in quarantine.rglob("*.dcm")]) == 2
    assert all(q["written_to_quarantine"] for q in report["quarantined"])
    assert_nothing_planted(quarantine)
    with pytest.raises(CuratorError, match="quarantine"):
        deidentify(root, tmp_path / "out3", key=KEY, options=DeidOptions(quarantine=tmp_path / "out3" / "q"))


def test_output_location_rules(source, tmp_path):
    with pytest.raises(CuratorError, match="inside the source"):
        deidentify(source, source / "out", key=KEY)
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "keep.txt").write_text("x", encoding="utf-8")
    with pytest.raises(CuratorError, match="not empty"):
        deidentify(source, busy, key=KEY)
    report = deidentify(source, busy, key=KEY, options=DeidOptions(force=True, workers=1))
    assert report["counts"]["written"] == 4
    with pytest.raises(CuratorError, match="key"):
        deidentify(source, tmp_path / "nokey", key=b"short")


def test_duplicates_and_broken_files_are_accounted_for(source, tmp_path):
    dup = source / "copy_of_first.dcm"
    shutil.copy(next(source.rglob("*_0.dcm")), dup)
    (source / "truncated.dcm").write_bytes(next(source.rglob("*_1.dcm")).read_bytes()[:300])
    out = tmp_path / "out"
    report = deidentify(source, out, key=KEY, options=DeidOptions(workers=1))
    counts = report["counts"]
    assert counts["written"] + counts["quarantined"] + counts["rejected"] == counts["items"] == 7
    reasons = {r["reason"] for r in report["rejected"]}
    assert any(r.startswith("duplicate instance") for r in reasons)
    assert len(report["rejected"]) == 3
    for entry in report["rejected"]:
        assert set(entry) == {"position", "source_ref", "reason"}
    assert_nothing_planted(out)


def test_zip_source_and_site_rules(source, tmp_path):
    import zipfile

    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w") as handle:
        for path in sorted(source.rglob("*")):
            if path.is_file():
                handle.write(path, path.relative_to(source).as_posix())
    out = tmp_path / "out"
    report = deidentify(archive, out, key=KEY, options=DeidOptions(k=1, workers=1, site_from="institution"))
    assert report["counts"]["written"] == 4 and report["counts"]["rejected"] == 1
    assert report["settings"]["site_from"] == "institution"
    assert_nothing_planted(out)
    with pytest.raises(CuratorError, match="unknown site rule"):
        deidentify(archive, tmp_path / "o2", key=KEY, options=DeidOptions(site_from="country"))


# --- layers: recipes and extra elements ------------------------------------------


def test_user_recipe_layer(source, tmp_path):
    recipe = tmp_path / "deid.dicom"
    recipe.write_text(
        "FORMAT dicom\n\n%header\n\n"
        "REMOVE PatientWeight\n"
        "BLANK PatientSize\n"
        "REPLACE ClinicalTrialSponsorName CuratorTrial\n"
        "ADD ClinicalTrialProtocolID PROTO-7\n"
        "KEEP StudyTime\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    report = deidentify(source, out, key=KEY, options=DeidOptions(k=1, workers=1, recipe=recipe))
    assert report["profile"]["user_recipe"] is True
    for ds in read_all(out):
        assert "PatientWeight" not in ds
        assert ds.ClinicalTrialProtocolID == "PROTO-7"
        if ds.Modality == "CT":
            assert ds.PatientSize in ("", None)
    assert_nothing_planted(out)
    bad = tmp_path / "bad.dicom"
    bad.write_text("FORMAT dicom\n\n%header\n\nREPLACE PatientID var:new_id\n", encoding="utf-8")
    with pytest.raises(CuratorError, match="not supported"):
        apply_recipe(load_profile("research"), bad)


def test_extra_elements_by_original_series(source, tmp_path):
    code = Dataset()
    code.CodeValue = "RPID16"
    code.CodingSchemeDesignator = "RADLEX"
    code.CodeMeaning = "CT CHEST WO"
    extra = Dataset()
    extra.ProcedureCodeSequence = Sequence([code])
    out = tmp_path / "out"
    deidentify(source, out, key=KEY, options=DeidOptions(workers=1, extra_elements={P["study_uid"] + ".7": extra}))
    for ds in read_all(out):
        if ds.Modality == "CT":
            assert ds.ProcedureCodeSequence[0].CodeValue == "RPID16"
        else:
            assert "ProcedureCodeSequence" not in ds


def test_engine_on_single_dataset_with_context():
    engine = Engine(load_profile("research"), KEY)
    ds = planted_ct(0)
    context = PatientContext("patient-1", frozenset({P["family"], P["given"], P["pid"]}), {0x00101010: "060Y"})
    stats = engine.deidentify(ds, context)
    assert ds.PatientAge == "060Y"
    assert stats["U"] >= 3 and stats["private_removed"] >= 2
    assert ds.PatientID == Pseudonymizer(KEY).patient("patient-1")


# --- pydicom's bundled files and the synthetic collection ------------------------


def _identifier_probes(ds: Dataset) -> set[str]:
    probes = set()
    for keyword in ("PatientName", "PatientID", "OtherPatientIDs", "AccessionNumber", "InstitutionName",
                    "ReferringPhysicianName", "StudyInstanceUID", "SeriesInstanceUID", "SOPInstanceUID",
                    "PatientBirthDate", "StudyID", "InstitutionAddress", "OperatorsName"):
        value = ds.get(keyword)
        if value is None:
            continue
        for text in (value if isinstance(value, (list, pydicom.multival.MultiValue)) else [value]):
            text = str(text).strip()
            if len(text) >= 8 and not text.replace(".", "").isdigit() or keyword.endswith("UID") and len(text) > 20:
                probes.add(text)
    return probes


def test_pydicom_bundled_files_leak_nothing(tmp_path):
    root = tmp_path / "src"
    root.mkdir()
    probes: set[str] = set()
    vendors: set[str] = set()  # manufacturer names are kept (and some files reuse them as institution)
    bundled = Path(pydicom.data.get_testdata_file("CT_small.dcm")).parent
    for index, path in enumerate(sorted(p for p in bundled.rglob("*") if p.is_file())):
        target = root / f"{index:03d}_{Path(path).name}"
        shutil.copy(path, target)
        try:
            header = pydicom.dcmread(path, stop_before_pixels=True)
            probes |= _identifier_probes(header)
            vendors.add(str(header.get("Manufacturer", "")).strip())
        except Exception:  # noqa: BLE001, S112 - files pydicom cannot read are skipped here
            continue
    probes -= vendors
    assert len(probes) > 100
    out = tmp_path / "out"
    report = deidentify(root, out, key=KEY, options=DeidOptions(workers=2, quarantine=tmp_path / "q"))
    counts = report["counts"]
    # 44 of pydicom's files: its DICOMDIR test images (header only, no pixel data) and its
    # truncated files are rejected, as scan and audit reject them (curator.dicom.header)
    assert counts["written"] > 40
    assert counts["written"] + counts["quarantined"] + counts["rejected"] == counts["items"]
    for directory in (out, tmp_path / "q"):
        for path in output_files(directory):
            data = path.read_bytes()
            for probe in probes:
                assert probe.encode() not in data, f"a bundled file's identifier leaked into {path.name}"


def test_synthetic_collection_leaks_nothing_and_keeps_demographics(tmp_path):
    synthetic = pytest.importorskip("curator.testing.synthetic")
    collection = Path(__file__).resolve().parent.parent / "examples" / "collection"
    if not collection.is_dir():
        pytest.skip("examples/collection not present")
    out, quarantine = tmp_path / "out", tmp_path / "q"
    report = deidentify(collection, out, key=KEY, options=DeidOptions(k=1, workers=2, quarantine=quarantine))
    counts = report["counts"]
    assert counts["written"] + counts["quarantined"] + counts["rejected"] == counts["items"]
    for directory in (out, quarantine):
        for path in output_files(directory):
            data = path.read_bytes().lower()
            rel = str(path.relative_to(directory)).casefold()
            for value in synthetic.PLANTED_VALUES:
                assert value.lower().encode() not in data, f"planted value leaked into {path.name}"
                assert value.casefold() not in rel
    # Demographics the generator marks as must-keep survive (k=1: no generalization).
    kept = {(d.get("PatientSex"), d.get("PatientSize"), d.get("PatientWeight")) for d in read_all(out)}
    by_patient = {}
    for key, keyword, value in synthetic.SAFE_VALUES:
        by_patient.setdefault(key, {})[keyword] = value
    wanted = {
        (v.get("PatientSex"), v.get("PatientSize"), v.get("PatientWeight"))
        for v in by_patient.values() if "PatientSex" in v and "PatientSize" in v and "PatientWeight" in v
    }
    as_text = {tuple(None if x is None else str(x) for x in t) for t in kept}
    normalized = {tuple(None if x is None else str(float(x)) if i else x for i, x in enumerate(t)) for t in as_text if None not in t}
    wanted_norm = {tuple(str(float(x)) if i else x for i, x in enumerate(t)) for t in wanted}
    assert wanted_norm & normalized, "no patient kept sex, size and weight"
