"""No new DICOM error: dciodvfy over a source and its release (issue 14.8).

The source is a multi-modality synthetic archive (CT, MR, PET, US, SR, RTSTRUCT, SEG from
``curator.testing.synthetic``) plus pydicom's RT, SR and SC test files (native, RLE, JPEG, big endian).  Both ``curator deid`` and
``curator publish`` (which adds RadLex codes) run over it; every released file is paired
with its source file through the keyed UID remapping, and dciodvfy's ``Error`` lines of
both are reduced to error kinds (attribute and message, without values, item numbers or
the path of parent sequences).  No kind may appear in a released file that its source did
not have, and no file may have more errors than its source.  ``external``: needs Debian's
``dicom3tools`` (installed by ``.ci/run``).
"""
from __future__ import annotations

import re
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import pydicom
import pytest
from pydicom.data import get_testdata_file

from curator.testing import synthetic as syn
from curator.deid.pseudonyms import Pseudonymizer
from curator.deid.run import DeidOptions, deidentify
from curator.release.publish import PublishOptions, publish

KEY = bytes(range(32))
ROOT = Path(__file__).resolve().parent.parent
PYDICOM_FILES = ("rtstruct.dcm", "rtplan.dcm", "rtdose_rle.dcm", "test-SR.dcm", "reportsi.dcm",
                 "SC_ybr_full_422_uncompressed.dcm", "SC_rgb_small_odd.dcm", "SC_rgb_rle.dcm")
# Other encodings (JPEG baseline, RLE 32-bit multi-frame, explicit VR big endian) of
# instances listed above: the copies get their own SOP Instance UID.
PYDICOM_VARIANTS = ("SC_rgb_jpeg_gdcm.dcm", "SC_rgb_small_odd_big_endian.dcm", "rtdose_expb.dcm", "SC_rgb_rle_32bit_2frame.dcm")
# PS3.15 Table E.1-1 gives Presentation Creation Date and Time (type 1 in presentation states)
# the action X: the strict profile, which keeps no date, removes them.
STRICT_REMOVES = ("PresentationCreationDate(0070,0082): Missing", "PresentationCreationTime(0070,0083): Missing")
_PATH = re.compile(r"^Error - </([^>]*)> - ")

pytestmark = pytest.mark.external


def error_kinds(path: Path) -> list[str]:
    """dciodvfy's errors of one file as kinds: ``Attribute(gggg,eeee): message``."""
    result = subprocess.run(["dciodvfy", "-new", str(path)], capture_output=True, text=True, errors="replace",
                            timeout=120, check=False)
    kinds = []
    for line in (result.stdout + result.stderr).splitlines():
        if not line.startswith("Error"):
            continue
        attribute, message = "", line
        match = _PATH.match(line)
        if match:
            attribute = re.sub(r"\[\d+\]", "", match.group(1).rsplit("/", 1)[-1])
            message = line[match.end():]
        kinds.append(f"{attribute}: {re.sub(r'<[^>]*>', '<>', message)}")
    return kinds


def _presentation_state(ct: list[pydicom.Dataset], patient: syn.Patient) -> pydicom.Dataset:
    """A Grayscale Softcopy Presentation State whose layer and text annotation are named after
    the patient (type 1 attributes that de-identification empties: release14)."""
    ds = pydicom.Dataset()
    for keyword in ("SpecificCharacterSet", "PatientName", "PatientID", "PatientBirthDate", "PatientSex", "StudyInstanceUID",
                    "StudyDate", "StudyTime", "AccessionNumber", "StudyID", "ReferringPhysicianName", "Manufacturer"):
        setattr(ds, keyword, ct[0].get(keyword))
    ds.file_meta = pydicom.dataset.FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = pydicom.uid.ExplicitVRLittleEndian
    ds.SOPClassUID = "1.2.840.10008.5.1.4.1.1.11.1"
    ds.SOPInstanceUID = syn.synthetic_uid("conformance-pr", 1)
    ds.SeriesInstanceUID = syn.synthetic_uid("conformance-pr-series")
    ds.Modality, ds.SeriesNumber, ds.InstanceNumber = "PR", 70, 1
    ds.ContentLabel, ds.ContentDescription, ds.ContentCreatorName = "MEASURES", "measurements", ""
    ds.PresentationCreationDate, ds.PresentationCreationTime = ct[0].StudyDate, "100000"
    ref = pydicom.Dataset()
    ref.ReferencedSOPClassUID, ref.ReferencedSOPInstanceUID = ct[0].SOPClassUID, ct[0].SOPInstanceUID
    series = pydicom.Dataset()
    series.SeriesInstanceUID = ct[0].SeriesInstanceUID
    series.ReferencedImageSequence = [ref]
    ds.ReferencedSeriesSequence = [series]
    layer = pydicom.Dataset()
    layer.GraphicLayer, layer.GraphicLayerOrder = f"LAYER_{patient.given.upper()}", 1
    ds.GraphicLayerSequence = [layer]
    text = pydicom.Dataset()
    text.AnchorPointAnnotationUnits, text.AnchorPoint, text.AnchorPointVisibility = "PIXEL", [2.0, 2.0], "N"
    text.UnformattedTextValue = f"{patient.family} {patient.given}"
    annotation = pydicom.Dataset()
    annotation.GraphicLayer = layer.GraphicLayer
    annotation.ReferencedImageSequence = [ref]
    annotation.TextObjectSequence = [text]
    ds.GraphicAnnotationSequence = [annotation]
    ds.PresentationLUTShape = "IDENTITY"
    return ds


def _archive(root: Path) -> None:
    study = syn.Study(site=syn.SITES[0], patient=syn.PATIENTS[0], number=1, description="TC TORAX CON CONTRASTE")
    ct = syn.ct_series(study, 2, rows=32, columns=32)
    # a birth date in an alternative calendar: removed, so its calendar (type 1C) must go too
    ct[1].PatientBirthDateInAlternativeCalendar, ct[1].PatientAlternativeCalendar = "13760926", "ISLAMIC"
    datasets = [*ct, syn.rtstruct(study, ct), syn.segmentation(study, ct), syn.sr_document(study, evidence=ct),
                syn.us_image(study, series_number=5, burned_in_annotation="NO"), _presentation_state(ct, syn.PATIENTS[0])]
    second = syn.Study(site=syn.SITES[4], patient=syn.PATIENTS[1], number=1, description="RM CEREBRO SIN CONTRASTE")
    datasets += syn.mr_series(second, 2)
    third = syn.Study(site=syn.SITES[1], patient=syn.PATIENTS[6], number=1, description="PET CT CUERPO ENTERO")
    datasets += syn.pt_series(third, 2)
    for index, ds in enumerate(datasets):
        syn.write_dataset(ds, root / "site-a" / f"{index:02d}.dcm")
    for name in PYDICOM_FILES:
        target = root / "site-b" / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if name.startswith("SC_"):
            ds = pydicom.dcmread(get_testdata_file(name))
            ds.BurnedInAnnotation = "NO"  # else quarantined as a burned-in risk (modality OT), not released
            ds.save_as(target)
        else:
            shutil.copy(get_testdata_file(name), target)
    (root / "site-c").mkdir()
    for number, name in enumerate(PYDICOM_VARIANTS, 1):
        ds = pydicom.dcmread(get_testdata_file(name))
        # A new valid UID per copy (appending ".N" made some 66 characters long: rejected as no UID).
        uid = pydicom.uid.generate_uid(entropy_srcs=[ds.SOPInstanceUID, str(number)])
        ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID = uid
        if name.startswith("SC_"):
            ds.BurnedInAnnotation = "NO"
        ds.save_as(root / "site-c" / name)


@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> Path:
    if shutil.which("dciodvfy") is None:
        pytest.skip("dciodvfy not installed (Debian package dicom3tools; .ci/run installs it)")
    root = tmp_path_factory.mktemp("conformance") / "src"
    _archive(root)
    return root


def _compare(source: Path, released: Path) -> tuple[dict[str, list[str]], Counter, Counter]:
    pseudo = Pseudonymizer(KEY)
    by_uid: dict[str, Path] = {}
    for path in sorted(p for p in source.rglob("*") if p.is_file()):
        uid = pseudo.uid(str(pydicom.dcmread(path, stop_before_pixels=True, force=True).SOPInstanceUID))
        assert uid not in by_uid, f"two source files share a SOP Instance UID: {path.name}"
        by_uid[uid] = path
    outputs = sorted(released.rglob("*.dcm"))
    assert len(outputs) == len(by_uid), "every source file is released"
    new: dict[str, list[str]] = {}
    before: Counter = Counter()
    after: Counter = Counter()
    for path in outputs:
        origin = by_uid[str(pydicom.dcmread(path, stop_before_pixels=True).SOPInstanceUID)]
        source_kinds, released_kinds = error_kinds(origin), error_kinds(path)
        before[origin.name] += len(source_kinds)
        after[origin.name] += len(released_kinds)
        extra = sorted(set(released_kinds) - set(source_kinds))
        if extra or len(released_kinds) > len(source_kinds):
            new[f"{origin.parent.name}/{origin.name}"] = extra or [f"{len(source_kinds)} -> {len(released_kinds)} errors"]
    return new, before, after


@pytest.mark.parametrize("profile", ["research", "strict"])
def test_deid_adds_no_dciodvfy_error(archive: Path, tmp_path: Path, profile: str):
    out = tmp_path / "deid"
    report = deidentify(archive, out, key=KEY, options=DeidOptions(profile=profile, k=1, workers=1))
    assert report["counts"]["rejected"] == 0 and report["counts"]["quarantined"] == 0
    new, before, after = _compare(archive, out)
    if profile == "strict":  # Table E.1-1 removes these type 1 attributes (action X, no dummy): the standard's choice
        new = {name: kinds for name, kinds in ((n, [k for k in ks if not k.startswith(STRICT_REMOVES)]) for n, ks in new.items())
               if kinds and not kinds[0].endswith(" errors")}
    assert not new, f"de-identification introduced dciodvfy errors: {new}"
    if profile != "strict":
        assert sum(after.values()) <= sum(before.values())


def test_publish_adds_no_dciodvfy_error_and_codes_respect_their_vm(archive: Path, tmp_path: Path):
    out = tmp_path / "release"
    publish(archive, out, KEY, ROOT / "examples" / "release.yaml", PublishOptions(release_date="2026-11-23", workers=1))
    new, before, after = _compare(archive, out / "dicom")
    assert not new, f"publish introduced dciodvfy errors: {new}"
    assert sum(after.values()) <= sum(before.values())
    coded = 0
    for path in sorted((out / "dicom").rglob("*.dcm")):
        ds = pydicom.dcmread(path, stop_before_pixels=True)
        for keyword in ("SeriesDescriptionCodeSequence", "AnatomicRegionSequence", "ProcedureCodeSequence"):
            assert len(ds.get(keyword) or []) <= 1, keyword  # VM 1 (one code per attribute from curator)
        if ds.get("SeriesDescriptionCodeSequence"):
            coded += 1
            assert ds.SeriesDescriptionCodeSequence[0].CodingSchemeDesignator == "RADLEX"
        if "AnatomicRegionSequence" in ds:
            assert ds.SOPClassUID in ("1.2.840.10008.5.1.4.1.1.2", "1.2.840.10008.5.1.4.1.1.4", "1.2.840.10008.5.1.4.1.1.128",
                                      "1.2.840.10008.5.1.4.1.1.6.1", "1.2.840.10008.5.1.4.1.1.1", "1.2.840.10008.5.1.4.1.1.20",
                                      "1.2.840.10008.5.1.4.1.1.3.1")
    assert coded >= 4  # CT, MR and PET series are coded
