"""Segmentations and derived objects of every provenance, for a faithful release (round 19).

``write_source(root)`` writes under ``root/<kind>/NN.dcm`` the objects of one patient (the
planted identifiers of ``curator.testing.synthetic``) and four more patients' CT slices (the
public tier's k = 5):

* ``ct``: three CT slices; ``enhanced_ct``: an Enhanced CT of them (``curator.testing.enhanced``);
* SEG (highdicom) of each provenance: ``seg_manual``, ``seg_semiautomatic``, ``seg_automatic``
  (Segment Algorithm Name, Algorithm Identification Sequence with family, version and
  parameters; one parameter and the version carry planted identifiers, as a site's
  pipeline may write them), ``seg_fractional`` (FRACTIONAL, AUTOMATIC), ``seg_omitted``
  (Segment Algorithm Type removed: the provenance the header does not state), ``seg_enhanced``
  (a SEG over the Enhanced CT's frames);
* ``sr_tid1500``: a TID 1500 measurement report (highdicom) whose volumetric group references
  segment 1 of ``seg_automatic``, with the CT and the SEG as evidence;
* ``rtstruct``: an RT Structure Set (pydicom) with ROIs MANUAL, SEMIAUTOMATIC (ROI Generation
  Description), AUTOMATIC (description and ROI Derivation Algorithm Identification Sequence)
  and one with no ROI Generation Algorithm (empty, type 2);
* ``bundled``: pydicom's ``rtstruct.dcm`` (its images are not in the source) and the real SEG
  and RTSTRUCT files of ``tests/data/segmentations``.

``PROVENANCE`` is what the source states per kind (the expected release claims).
Run ``python tests/release19_source.py OUT`` to write it to a folder.
"""
from __future__ import annotations

import shutil
import sys
from pathlib import Path

import numpy as np
import pydicom
from pydicom.data import get_testdata_file
from pydicom.dataset import Dataset
from pydicom.sequence import Sequence

from curator.testing import synthetic as syn
from curator.testing.enhanced import enhanced_image

DATA = Path(__file__).resolve().parent / "data" / "segmentations"
BUNDLED = ("seg_ct2_auto_manual.dcm", "seg_image_ct_binary.dcm", "rtstruct_ct2_rtutils.dcm")

# kind -> (algorithm type, name, version, parameters) the source states (None: not stated)
PROVENANCE: dict[str, tuple[str | None, str | None, str | None, dict[str, str]]] = {
    "seg_manual": ("MANUAL", None, None, {}),
    "seg_semiautomatic": ("SEMIAUTOMATIC", "SmartBrush", "3.2", {"threshold": "-400"}),
    "seg_automatic": ("AUTOMATIC", "LungNet", "2.1.0", {"model": "lungs_v3", "fold": "4"}),
    "seg_fractional": ("AUTOMATIC", "ProbNet", "0.9", {"temperature": "1.5"}),
    "seg_omitted": (None, None, None, {}),
    "seg_enhanced": ("AUTOMATIC", "LungNet", "2.1.0", {"model": "lungs_v3"}),
    "rtstruct": ("AUTOMATIC", "AutoContour", "2.3", {"smoothing": "2"}),
}


def _study() -> syn.Study:
    return syn.Study(site=syn.SITES[0], patient=syn.PATIENTS[0], number=1, description="TC TORAX CON CONTRASTE")


def _mask(source: list[Dataset], frames: int) -> np.ndarray:
    rows, columns = int(source[0].Rows), int(source[0].Columns)
    mask = np.zeros((frames, rows, columns), dtype=np.uint8)
    mask[:, rows // 4: rows // 2, columns // 4: columns // 2] = 1
    return mask


def seg(study: syn.Study, source: list[Dataset], kind: str, series_number: int, *,
        planted: dict[str, str] | None = None) -> Dataset:
    """A one-segment SEG of ``kind`` (a key of ``PROVENANCE``) on ``source`` (slices or one multi-frame image)."""
    import highdicom as hd
    from pydicom.sr.codedict import codes

    algorithm_type, name, version, parameters = PROVENANCE[kind]
    algorithm = None
    if name:
        params = {**parameters, **(planted or {})}
        algorithm = hd.AlgorithmIdentificationSequence(name=name, family=codes.cid7162.ArtificialIntelligence,
                                                       version=version or "", source="curator synthetic",
                                                       parameters=params)
    description = hd.seg.SegmentDescription(
        segment_number=1, segment_label="Lungs", segmented_property_category=codes.SCT.Organ,
        segmented_property_type=codes.SCT.Lung, algorithm_type=algorithm_type or "MANUAL",
        algorithm_identification=algorithm, tracking_uid=syn.synthetic_uid(study.uid, "tracking", series_number),
        tracking_id="Lungs")
    frames = int(source[0].get("NumberOfFrames", 0)) or len(source)
    mask = _mask(source, frames)
    fractional = kind == "seg_fractional"
    pixels = (mask * 0.75).astype(np.float32) if fractional else mask
    series_uid = syn.synthetic_uid(study.uid, "r19", series_number)
    out = hd.seg.Segmentation(
        source_images=source, pixel_array=pixels,
        segmentation_type=hd.seg.SegmentationTypeValues.FRACTIONAL if fractional else hd.seg.SegmentationTypeValues.BINARY,
        segment_descriptions=[description], series_instance_uid=series_uid, series_number=series_number,
        sop_instance_uid=syn.synthetic_uid(series_uid, 1), instance_number=1, manufacturer="Zzvendor",
        manufacturer_model_name=f"{name or 'Manual'} workstation", software_versions=version or "1.0",
        device_serial_number=study.site.device_serial, content_description=f"lungs {kind}",
        content_creator_name=study.site.operator, content_label="LUNGS", omit_empty_frames=False,
        max_fractional_value=255 if fractional else None)
    if algorithm_type is None:
        del out.SegmentSequence[0].SegmentAlgorithmType
    out.SeriesDescription = f"SEG {kind} {study.patient.family}"  # a planted name in the description
    out.InstitutionName = study.site.institution_name
    out.StationName = study.site.station_name
    for keyword in ("SeriesDate", "ContentDate", "InstanceCreationDate"):
        setattr(out, keyword, study.date)
    for keyword in ("SeriesTime", "ContentTime", "InstanceCreationTime"):
        setattr(out, keyword, "131500")
    for item in out.get("ContributingEquipmentSequence", []):
        if "ContributionDateTime" in item:
            item.ContributionDateTime = f"{study.date}131500"
    syn._fix_random_uids(out)
    return out


def sr_on_segment(study: syn.Study, ct: list[Dataset], segmentation: Dataset) -> Dataset:
    """A TID 1500 measurement report whose volumetric group is segment 1 of ``segmentation``."""
    import highdicom as hd
    from pydicom.sr.codedict import codes

    observer = hd.sr.ObserverContext(
        observer_type=codes.DCM.Person,
        observer_identifying_attributes=hd.sr.PersonObserverIdentifyingAttributes(name=str(ct[0].ReferringPhysicianName)))
    segment = hd.sr.ReferencedSegment(sop_class_uid=segmentation.SOPClassUID,
                                      sop_instance_uid=segmentation.SOPInstanceUID, segment_number=1,
                                      source_series=hd.sr.SourceSeriesForSegmentation(ct[0].SeriesInstanceUID))
    group = hd.sr.VolumetricROIMeasurementsAndQualitativeEvaluations(
        tracking_identifier=hd.sr.TrackingIdentifier(uid=syn.synthetic_uid(study.uid, "track19"), identifier="Lungs"),
        referenced_segment=segment, finding_type=codes.SCT.Lung,
        measurements=[hd.sr.Measurement(name=codes.SCT.Volume, value=1250.0, unit=codes.UCUM.CubicMillimeter)])
    report = hd.sr.MeasurementReport(observation_context=hd.sr.ObservationContext(observer_person_context=observer),
                                     procedure_reported=codes.LN.CTUnspecifiedBodyRegion, imaging_measurements=[group])
    series_uid = syn.synthetic_uid(study.uid, "r19", 60)
    return hd.sr.Comprehensive3DSR(
        evidence=[*ct, segmentation], content=report, series_instance_uid=series_uid, series_number=60,
        sop_instance_uid=syn.synthetic_uid(series_uid, 1), instance_number=1,
        institution_name=str(ct[0].InstitutionName), manufacturer="Zzvendor",
        content_date=pydicom.valuerep.DA(study.date), content_time=pydicom.valuerep.TM("101500"))


def _code(value: str, scheme: str, meaning: str) -> Dataset:
    item = Dataset()
    item.CodeValue, item.CodingSchemeDesignator, item.CodeMeaning = value, scheme, meaning
    return item


def rtstruct(study: syn.Study, ct: list[Dataset]) -> Dataset:
    """ROIs MANUAL, SEMIAUTOMATIC, AUTOMATIC (with its algorithm identification) and one unstated."""
    from pydicom.sr.codedict import codes

    ds = syn.rtstruct(study, ct, algorithms=("MANUAL", "SEMIAUTOMATIC", "AUTOMATIC", ""), series_number=61)
    _, name, version, parameters = PROVENANCE["rtstruct"]
    auto = ds.StructureSetROISequence[2]
    algorithm = Dataset()
    family = codes.cid7162.ArtificialIntelligence
    algorithm.AlgorithmFamilyCodeSequence = Sequence([_code(family.value, family.scheme_designator, family.meaning)])
    algorithm.AlgorithmName, algorithm.AlgorithmVersion = name, version
    algorithm.AlgorithmParameters = ",".join(f"{k}={v}" for k, v in parameters.items())
    auto.ROIDerivationAlgorithmIdentificationSequence = Sequence([algorithm])
    auto.ROIGenerationDescription = f"{name} {version}"
    return ds


def objects() -> dict[str, list[Dataset]]:
    """Every kind of the patient's study and its datasets, in a fixed order."""
    study = _study()
    ct = syn.ct_series(study, 3, rows=16, columns=16)
    enhanced = enhanced_image(ct, "CT", 42)
    patient = study.patient
    planted = {"operator": str(study.site.operator), "case": str(patient.mrn)}
    segs = {
        "seg_manual": seg(study, ct, "seg_manual", 50),
        "seg_semiautomatic": seg(study, ct, "seg_semiautomatic", 51),
        "seg_automatic": seg(study, ct, "seg_automatic", 52, planted=planted),
        "seg_fractional": seg(study, ct, "seg_fractional", 53),
        "seg_omitted": seg(study, ct, "seg_omitted", 54),
        "seg_enhanced": seg(study, [enhanced], "seg_enhanced", 55),
    }
    return {"ct": ct, "enhanced_ct": [enhanced], **{k: [v] for k, v in segs.items()},
            "sr_tid1500": [sr_on_segment(study, ct, segs["seg_automatic"])], "rtstruct": [rtstruct(study, ct)]}


def others() -> list[Dataset]:
    """Four more patients of the same site (two CT slices each): the public tier's k = 5."""
    out: list[Dataset] = []
    for n in range(1, 5):
        study = syn.Study(site=syn.SITES[0], patient=syn.PATIENTS[n], number=1, description="TC TORAX")
        out += syn.ct_series(study, 2, rows=16, columns=16)
    return out

# Red team 17's plant-list audit (tests/plant_audit.py): identifiers written here that
# curator.testing.synthetic.PLANTED_VALUES does not list (accessions and the bundled files' patients; its
# docstring: accessions are checked apart), and values that look identifying but are not.
AUDIT_PLANTS = ("77654033", "Archibald", "Phantom30sep", "ZZACC181901A", "ZZACC349501A", "ZZACC557601A", "ZZACC765701A",
                "ZZACC973801A")
AUDIT_SAFE: dict[str, str] = {
    "Qurit": "the lab that made a bundled test file (tests/data/segmentations), not a person",
    "Radiodiagnostico": "a department (radiology), not a person",
    "SPS001": "a generic scheduled step ID every study writes",
    "ZZREGIONAL": "the issuer of the synthetic other IDs, not a person",
}


def write_source(root: str | Path) -> dict[str, list[str]]:
    """Write every kind under ``root/<kind>/NN.dcm``; the files of each kind (relative to ``root``)."""
    root = Path(root)
    written: dict[str, list[str]] = {}
    for kind, datasets in {**objects(), "others": others()}.items():
        for i, ds in enumerate(datasets):
            path = syn.write_dataset(ds, root / kind / f"{i:02d}.dcm")
            written.setdefault(kind, []).append(str(path.relative_to(root)))
    bundled = root / "bundled"
    bundled.mkdir(parents=True)
    shutil.copy(get_testdata_file("rtstruct.dcm"), bundled / "00.dcm")
    for i, name in enumerate(BUNDLED, start=1):
        shutil.copy(DATA / name, bundled / f"{i:02d}.dcm")
    written["bundled"] = [f"bundled/{i:02d}.dcm" for i in range(len(BUNDLED) + 1)]
    return written


if __name__ == "__main__":
    print(write_source(sys.argv[1]))
