"""One source file (or series) of every object kind curator can meet, for dciodvfy (round 16).

``write_source(root)`` writes, under ``root/<kind>/``, objects built with pydicom and
highdicom that carry the planted identifiers of ``curator.testing.synthetic`` (patient,
study, equipment and staff attributes copied from a synthetic CT slice of the same study):

* single-frame CT, MR (``curator.testing.synthetic``), CR, DX, MG (pydicom, their IOD's
  type 1 attributes set), US single- and multi-frame;
* multi-frame: legacy-converted enhanced CT and MR (highdicom), Enhanced CT and Enhanced MR
  (``curator.testing.enhanced``, built to PS3.3 with pydicom: 0 dciodvfy errors; round 16
  used the legacy-converted objects under the Enhanced SOP class, 62 and 59 errors); Enhanced
  XA (``enhanced_xa``: 3 dciodvfy errors, see its docstring) and an original Enhanced MR with
  its MR Pulse Sequence module and an Enhanced US Volume (0 errors each);
* derived: SEG (highdicom), SR TID 1500 measurement report (highdicom Comprehensive 3D SR),
  KOS (highdicom), RTSTRUCT, GSPS (highdicom), encapsulated PDF, secondary capture (highdicom).

The result maps each kind to its files (relative to ``root``).  Run
``python tests/release16_source.py OUT`` to write it to a folder.
"""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pydicom
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.sequence import Sequence
from pydicom.uid import ExplicitVRLittleEndian

from curator.testing import synthetic as syn
from curator.testing.enhanced import enhanced_image, enhanced_us_volume, enhanced_xa

# Attributes of the patient, study, general series and equipment modules copied from a
# synthetic CT slice of the same study (they carry the planted identifiers).
COMMON = ("SpecificCharacterSet", "PatientName", "PatientID", "IssuerOfPatientID", "PatientBirthDate", "PatientSex",
          "OtherPatientIDs", "OtherPatientIDsSequence", "PatientAge", "PatientSize", "PatientWeight", "PatientAddress",
          "PatientTelephoneNumbers", "EthnicGroup", "StudyDate", "StudyTime", "AccessionNumber",
          "ReferringPhysicianName", "StudyDescription", "StudyInstanceUID", "StudyID", "RequestAttributesSequence",
          "Manufacturer", "InstitutionName", "InstitutionAddress", "InstitutionalDepartmentName", "StationName",
          "ManufacturerModelName", "DeviceSerialNumber", "SoftwareVersions", "PerformingPhysicianName",
          "OperatorsName")
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def _study() -> syn.Study:
    return syn.Study(site=syn.SITES[0], patient=syn.PATIENTS[0], number=1, description="TC TORAX CON CONTRASTE")


def _base(template: Dataset, sop_class: str, series: int, modality: str) -> Dataset:
    ds = Dataset()
    for keyword in COMMON:
        if keyword in template:
            setattr(ds, keyword, template.data_element(keyword).value)
    ds.SOPClassUID = sop_class
    ds.SeriesInstanceUID = syn.synthetic_uid(template.StudyInstanceUID, "r16", series)
    ds.SOPInstanceUID = syn.synthetic_uid(ds.SeriesInstanceUID, 1)
    ds.SeriesNumber, ds.InstanceNumber, ds.Modality = series, 1, modality
    ds.SeriesDate = ds.ContentDate = ds.AcquisitionDate = template.StudyDate
    ds.SeriesTime = ds.ContentTime = ds.AcquisitionTime = "101500"
    ds.SeriesDescription = f"{modality} {template.PatientName.family_name}"  # a planted name in the description
    ds.file_meta = FileMetaDataset()
    ds.file_meta.MediaStorageSOPClassUID = sop_class
    ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    return ds


def _pixels(ds: Dataset, rows: int, columns: int, frames: int = 1, photometric: str = "MONOCHROME2",
            bits: int = 16) -> None:
    rng = np.random.default_rng([rows, columns, frames, bits])
    ds.SamplesPerPixel = 3 if photometric == "RGB" else 1
    if photometric == "RGB":
        ds.PlanarConfiguration = 0
    ds.PhotometricInterpretation = photometric
    ds.Rows, ds.Columns = rows, columns
    ds.BitsAllocated = bits
    ds.BitsStored = 12 if bits == 16 else 8
    ds.HighBit = ds.BitsStored - 1
    ds.PixelRepresentation = 0
    if frames > 1:
        ds.NumberOfFrames = frames
    dtype = np.uint16 if bits == 16 else np.uint8
    shape = (frames, rows, columns, ds.SamplesPerPixel)
    ds.PixelData = rng.integers(0, 2 ** ds.BitsStored, size=shape, dtype=dtype).tobytes()


def _code(value: str, scheme: str, meaning: str) -> Dataset:
    item = Dataset()
    item.CodeValue, item.CodingSchemeDesignator, item.CodeMeaning = value, scheme, meaning
    return item


def _projection(ds: Dataset, laterality: str = "") -> None:
    """General Image + the DX/MG image attributes (type 1 set; type 2 present)."""
    ds.ImageType = ["ORIGINAL", "PRIMARY", ""]
    ds.PatientOrientation = ["A", "R"]
    ds.BurnedInAnnotation = "NO"
    ds.LossyImageCompression = "00"
    ds.PixelIntensityRelationship = "LOG"
    ds.PixelIntensityRelationshipSign = 1
    ds.RescaleIntercept, ds.RescaleSlope, ds.RescaleType = 0, 1, "US"
    ds.PresentationLUTShape = "IDENTITY"
    ds.PresentationIntentType = "FOR PRESENTATION"
    ds.DetectorType = "SCINTILLATOR"
    ds.ImagerPixelSpacing = [0.1, 0.1]
    ds.BodyPartExamined = "CHEST"
    ds.ImageLaterality = laterality or "U"
    ds.AnatomicRegionSequence = Sequence([_code("T-D3000", "SRT", "Chest")])
    ds.ViewPosition = "PA"
    ds.PositionerType = "NONE"
    ds.KVP, ds.ExposureTime, ds.XRayTubeCurrent = 120, 10, 200
    ds.WindowCenter, ds.WindowWidth = 2048, 4096
    ds.AcquisitionContextSequence = Sequence()  # type 2; PS3.15 X/Z


def cr(template: Dataset) -> Dataset:
    ds = _base(template, "1.2.840.10008.5.1.4.1.1.1", 20, "CR")
    ds.ImageType = ["ORIGINAL", "PRIMARY"]
    ds.PatientOrientation = ["A", "R"]
    ds.BodyPartExamined, ds.ViewPosition = "CHEST", "PA"
    ds.BurnedInAnnotation = "NO"
    _pixels(ds, 32, 32)
    return ds


def dx(template: Dataset) -> Dataset:
    ds = _base(template, "1.2.840.10008.5.1.4.1.1.1.1", 21, "DX")
    _projection(ds)
    ds.ImageLaterality = "U"
    ds.ViewCodeSequence = Sequence([_code("R-10214", "SRT", "postero-anterior")])
    _pixels(ds, 32, 32)
    return ds


def mg(template: Dataset) -> Dataset:
    ds = _base(template, "1.2.840.10008.5.1.4.1.1.1.2", 22, "MG")
    _projection(ds, "L")
    ds.PositionerType = "MAMMOGRAPHIC"
    ds.BodyPartExamined = "BREAST"
    ds.AnatomicRegionSequence = Sequence([_code("T-04000", "SRT", "Breast")])
    view = _code("R-10242", "SRT", "cranio-caudal")
    view.ViewModifierCodeSequence = Sequence()
    ds.ViewCodeSequence = Sequence([view])
    ds.ViewPosition = "CC"
    ds.PatientOrientation = ["A", "R"]
    ds.BreastImplantPresent = "NO"
    ds.PartialView = "NO"
    ds.OrganExposed = "BREAST"
    ds.CompressionForce = 100
    ds.BodyPartThickness = 50
    _pixels(ds, 32, 32)
    return ds


def us_multiframe(study: syn.Study) -> Dataset:
    ds = syn.us_image(study, series_number=23, burned_in_annotation="NO")
    ds.SOPClassUID = ds.file_meta.MediaStorageSOPClassUID = "1.2.840.10008.5.1.4.1.1.3.1"
    frame = ds.PixelData
    ds.NumberOfFrames = 3
    ds.PixelData = frame * 3
    ds.FrameIncrementPointer = 0x00181063
    ds.FrameTime = 33.3
    return ds


def _legacy(images: list[Dataset], kind: str, series: int) -> Dataset:
    import highdicom as hd

    cls = hd.legacy.LegacyConvertedEnhancedCTImage if kind == "CT" else hd.legacy.LegacyConvertedEnhancedMRImage
    series_uid = syn.synthetic_uid(images[0].StudyInstanceUID, "r16", series)
    out = cls(images, series_instance_uid=series_uid, series_number=series,
              sop_instance_uid=syn.synthetic_uid(series_uid, 1), instance_number=1)
    for keyword in ("InstanceCreationDate", "ContentDate"):
        setattr(out, keyword, images[0].StudyDate)
    for keyword in ("InstanceCreationTime", "ContentTime"):
        setattr(out, keyword, "100000")
    return out


def sr_tid1500(study: syn.Study, ct: list[Dataset], seg: Dataset) -> Dataset:
    import highdicom as hd
    from pydicom.sr.codedict import codes

    observer = hd.sr.ObserverContext(
        observer_type=codes.DCM.Person,
        observer_identifying_attributes=hd.sr.PersonObserverIdentifyingAttributes(name=str(ct[0].ReferringPhysicianName)))
    context = hd.sr.ObservationContext(observer_person_context=observer)
    region = hd.sr.ImageRegion3D(graphic_type=hd.sr.GraphicTypeValues3D.POLYGON,
                                 graphic_data=np.array([[0, 0, 0], [1, 0, 0], [1, 1, 0], [0, 0, 0]], dtype=float),
                                 frame_of_reference_uid=ct[0].FrameOfReferenceUID)
    tracking = hd.sr.TrackingIdentifier(uid=syn.synthetic_uid(study.uid, "track"), identifier="Nodule 1")
    measurement = hd.sr.Measurement(name=codes.SCT.Diameter, value=12.5, unit=codes.UCUM.Millimeter)
    group = hd.sr.PlanarROIMeasurementsAndQualitativeEvaluations(
        tracking_identifier=tracking, referenced_region=region, finding_type=codes.SCT.Nodule,
        measurements=[measurement], finding_sites=[hd.sr.FindingSite(codes.SCT.Lung)])
    report = hd.sr.MeasurementReport(observation_context=context, procedure_reported=codes.LN.CTUnspecifiedBodyRegion,
                                     imaging_measurements=[group])
    series_uid = syn.synthetic_uid(study.uid, "r16", 30)
    sr = hd.sr.Comprehensive3DSR(evidence=ct, content=report, series_instance_uid=series_uid, series_number=30,
                                 sop_instance_uid=syn.synthetic_uid(series_uid, 1), instance_number=1,
                                 institution_name=str(ct[0].InstitutionName),
                                 institutional_department_name=str(ct[0].InstitutionalDepartmentName),
                                 manufacturer="Zzvendor", content_date=pydicom.valuerep.DA(study.date),
                                 content_time=pydicom.valuerep.TM("101500"))
    return sr


def kos(study: syn.Study, ct: list[Dataset]) -> Dataset:
    import highdicom as hd
    from pydicom.sr.codedict import codes

    series_uid = syn.synthetic_uid(study.uid, "r16", 31)
    return hd.ko.KeyObjectSelectionDocument(
        evidence=ct, content=hd.ko.KeyObjectSelection(document_title=codes.DCM.OfInterest, referenced_objects=ct),
        series_instance_uid=series_uid, series_number=31, sop_instance_uid=syn.synthetic_uid(series_uid, 1),
        instance_number=1, institution_name=str(ct[0].InstitutionName),
        institutional_department_name=str(ct[0].InstitutionalDepartmentName))


def gsps(study: syn.Study, ct: list[Dataset]) -> Dataset:
    import highdicom as hd

    series_uid = syn.synthetic_uid(study.uid, "r16", 32)
    patient = study.patient
    layer = hd.pr.GraphicLayer(layer_name=f"LAYER_{patient.given.upper()}", order=1)
    text = hd.pr.TextObject(text_value=f"{patient.family} {patient.given}",
                            units=hd.pr.AnnotationUnitsValues.PIXEL, bounding_box=(1.0, 1.0, 10.0, 5.0))
    annotation = hd.pr.GraphicAnnotation(referenced_images=ct[:1], graphic_layer=layer, text_objects=[text])
    return hd.pr.GrayscaleSoftcopyPresentationState(
        referenced_images=ct[:1], series_instance_uid=series_uid, series_number=32,
        sop_instance_uid=syn.synthetic_uid(series_uid, 1), instance_number=1, manufacturer="Zzvendor",
        manufacturer_model_name="ZZVIEW", software_versions="1.0", device_serial_number=str(ct[0].DeviceSerialNumber),
        content_label="MEASURES", content_creator_name=str(ct[0].OperatorsName), graphic_layers=[layer],
        graphic_annotations=[annotation], institution_name=str(ct[0].InstitutionName),
        institutional_department_name=str(ct[0].InstitutionalDepartmentName))


def encapsulated_pdf(template: Dataset) -> Dataset:
    ds = _base(template, "1.2.840.10008.5.1.4.1.1.104.1", 33, "DOC")
    for keyword in ("AcquisitionDate", "AcquisitionTime"):
        delattr(ds, keyword)
    ds.ConversionType = "WSD"
    ds.BurnedInAnnotation = "YES"
    ds.DocumentTitle = "Informe"
    ds.MIMETypeOfEncapsulatedDocument = "application/pdf"
    ds.ConceptNameCodeSequence = Sequence()
    ds.AcquisitionDateTime = template.StudyDate + "101500"
    ds.EncapsulatedDocument = PDF + (b"\0" if len(PDF) % 2 else b"")
    ds.EncapsulatedDocumentLength = len(PDF)
    return ds


def secondary_capture(study: syn.Study, template: Dataset) -> Dataset:
    import highdicom as hd

    series_uid = syn.synthetic_uid(study.uid, "r16", 34)
    pixels = np.random.default_rng(34).integers(0, 255, size=(32, 32), dtype=np.uint8)
    sc = hd.sc.SCImage(pixel_array=pixels, photometric_interpretation="MONOCHROME2", bits_allocated=8,
                       coordinate_system="PATIENT", study_instance_uid=study.uid, series_instance_uid=series_uid,
                       sop_instance_uid=syn.synthetic_uid(series_uid, 1), series_number=34, instance_number=1,
                       manufacturer="Zzvendor", patient_id=str(template.PatientID),
                       patient_name=template.PatientName, patient_birth_date=template.PatientBirthDate,
                       patient_sex=template.PatientSex, accession_number=str(template.AccessionNumber),
                       study_id=str(template.StudyID), study_date=template.StudyDate, study_time=template.StudyTime,
                       referring_physician_name=template.ReferringPhysicianName, patient_orientation=("A", "R"),
                       institution_name=str(template.InstitutionName))
    sc.BurnedInAnnotation = "NO"
    return sc


def objects() -> dict[str, list[Dataset]]:
    """Every kind and its datasets, in a fixed order."""
    study = _study()
    ct = syn.ct_series(study, 3, rows=16, columns=16)
    mr_study = syn.Study(site=syn.SITES[0], patient=syn.PATIENTS[0], number=1, description="TC TORAX CON CONTRASTE")
    mr = syn.mr_series(mr_study, 3, rows=16, columns=16, series_number=2)
    seg = syn.segmentation(study, ct)
    return {
        "ct": ct, "mr": mr, "cr": [cr(ct[0])], "dx": [dx(ct[0])], "mg": [mg(ct[0])],
        "us": [syn.us_image(study, series_number=5, burned_in_annotation="NO")], "us_multiframe": [us_multiframe(study)],
        "legacy_enhanced_ct": [_legacy(ct, "CT", 40)], "legacy_enhanced_mr": [_legacy(mr, "MR", 41)],
        "enhanced_ct": [enhanced_image(ct, "CT", 42)], "enhanced_mr": [enhanced_image(mr, "MR", 43)],
        "enhanced_mr_original": [enhanced_image(mr, "MR", 45, original=True)], "enhanced_xa": [enhanced_xa(ct[0], 44)],
        "enhanced_us_volume": [enhanced_us_volume(ct[0], 46)],
        "seg": [seg], "sr_tid1500": [sr_tid1500(study, ct, seg)], "kos": [kos(study, ct)],
        "rtstruct": [syn.rtstruct(study, ct)], "gsps": [gsps(study, ct)], "pdf": [encapsulated_pdf(ct[0])],
        "secondary_capture": [secondary_capture(study, ct[0])],
    }


# PS3.3 C.7.1.3 Clinical Trial Subject Module (a patient enrolled in a trial): the Ethics
# Committee Name is type 1C, required when the Approval Number is present.
TRIAL = {"ClinicalTrialSponsorName": "ZZSPONSOR", "ClinicalTrialProtocolID": "ZZPROT-7",
         "ClinicalTrialProtocolName": "Lung screening", "ClinicalTrialSiteID": "07", "ClinicalTrialSiteName": "Zzsite",
         "ClinicalTrialSubjectID": "ZZSUBJ-0042", "ClinicalTrialProtocolEthicsCommitteeName": "ZZETHICS Board",
         "ClinicalTrialProtocolEthicsCommitteeApprovalNumber": "ZZEC-2020-118"}


def others() -> list[Dataset]:
    """Four more patients of the same site (two CT slices each): five patients in all, so
    that the public tier (k = 5) can release the site."""
    out: list[Dataset] = []
    for n in range(1, 5):
        study = syn.Study(site=syn.SITES[0], patient=syn.PATIENTS[n], number=1, description="TC TORAX")
        out += syn.ct_series(study, 2, rows=16, columns=16)
    return out


def write_source(root: str | Path) -> dict[str, list[str]]:
    """Write every kind under ``root/<kind>/NN.dcm`` (the patient in a clinical trial), and
    the other patients under ``root/others/``; the files of each kind."""
    root = Path(root)
    written: dict[str, list[str]] = {}
    kinds = objects()
    for datasets in kinds.values():
        for ds in datasets:
            for keyword, value in TRIAL.items():
                setattr(ds, keyword, value)
    for kind, datasets in {**kinds, "others": others()}.items():
        for i, ds in enumerate(datasets):
            path = syn.write_dataset(ds, root / kind / f"{i:02d}.dcm")
            written.setdefault(kind, []).append(str(path.relative_to(root)))
    return written


if __name__ == "__main__":
    print(write_source(sys.argv[1]))
