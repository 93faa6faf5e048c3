"""Shared fixtures: real DICOM files with planted identifiers, built with pydicom."""
from __future__ import annotations

import os
from pathlib import Path

import pydicom
import pydicom.data
import pytest
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.sequence import Sequence
from pydicom.uid import ExplicitVRLittleEndian

# Distinctive values that never occur by chance; every one is planted somewhere below.
PLANTED = {
    "name_family": "Zyxwvuta",
    "name_given": "Qorbanth",
    "patient_id": "PID83172946",
    "other_id": "OID55519283",
    "accession": "ACC7719024",
    "birth_date": "19471103",
    "referring": "Vrexlomb",
    "operator": "Thalquist",
    "institution": "Xanthorpe Infirmary",
    "address": "17 Gorvane Lane",
    "phone": "+44 7700 900461",
    "station": "STNZ9K4Q",
    "serial": "SN00XK77413",
    "nested_id": "NESTID42917",
    "private_name": "Privmorrow",
    "study_uid": "1.2.826.0.1.3680043.8.498.71717171717171",
}
PLANTED_UIDS = {"study": PLANTED["study_uid"]}


def pydicom_files_dir() -> Path:
    return Path(os.path.dirname(pydicom.data.get_testdata_file("CT_small.dcm")))


def planted_dataset(index: int = 0, modality: str = "CT") -> Dataset:
    """A CT-like dataset with identifiers planted everywhere they can hide."""
    ds = Dataset()
    ds.SOPClassUID = "1.2.840.10008.5.1.4.1.1.2"
    ds.SOPInstanceUID = f"1.2.826.0.1.3680043.8.498.5555.{index + 1}"
    ds.StudyInstanceUID = PLANTED["study_uid"]
    ds.SeriesInstanceUID = "1.2.826.0.1.3680043.8.498.6666.1"
    ds.FrameOfReferenceUID = "1.2.826.0.1.3680043.8.498.7777.1"
    ds.Modality = modality
    ds.PatientName = f"{PLANTED['name_family']}^{PLANTED['name_given']}"
    ds.PatientID = PLANTED["patient_id"]
    ds.OtherPatientIDs = PLANTED["other_id"]
    ds.PatientBirthDate = PLANTED["birth_date"]
    ds.PatientSex = "F"
    ds.PatientAge = "067Y"
    ds.PatientSize = 1.62
    ds.PatientWeight = 58.5
    ds.PatientAddress = PLANTED["address"]
    ds.PatientTelephoneNumbers = PLANTED["phone"]
    ds.AccessionNumber = PLANTED["accession"]
    ds.ReferringPhysicianName = f"{PLANTED['referring']}^Dr"
    ds.OperatorsName = PLANTED["operator"]
    ds.InstitutionName = PLANTED["institution"]
    ds.InstitutionAddress = PLANTED["address"]
    ds.StationName = PLANTED["station"]
    ds.DeviceSerialNumber = PLANTED["serial"]
    ds.StudyDate = "20210304"
    ds.StudyTime = "101500"
    ds.StudyID = "STU1"
    ds.SeriesNumber = 2
    ds.InstanceNumber = index + 1
    ds.Manufacturer = "SIEMENS"
    ds.ManufacturerModelName = "SOMATOM Force"
    ds.StudyDescription = f"TC TORAX {PLANTED['name_given'].upper()} {PLANTED['name_family'].lower()} {PLANTED['patient_id']}"
    ds.SeriesDescription = f"Thorax 1.25 STD {PLANTED['phone']}"
    ds.ProtocolName = f"{PLANTED['name_family']}, {PLANTED['name_given']} chest protocol 03/11/1947"
    ds.ImageComments = f"patient {PLANTED['name_given']} {PLANTED['name_family']}"
    inner = Dataset()
    inner.PatientID = PLANTED["nested_id"]
    inner.IssuerOfPatientID = "HOSPITAL"
    deeper = Dataset()
    deeper.RequestedProcedureID = PLANTED["nested_id"]
    deeper.ScheduledPerformingPhysicianName = PLANTED["referring"]
    request = Dataset()
    request.RequestedProcedureDescription = "CT chest"
    request.ScheduledProcedureStepSequence = Sequence([deeper])
    ds.OtherPatientIDsSequence = Sequence([inner])
    ds.RequestAttributesSequence = Sequence([request])
    block = ds.private_block(0x0029, "CURATOR TEST PRIVATE", create=True)
    block.add_new(0x10, "LO", PLANTED["private_name"])
    block.add_new(0x11, "SQ", Sequence([Dataset()]))
    block[0x11].value[0].add_new(0x00100010, "PN", PLANTED["private_name"])
    ds.Rows = 8
    ds.Columns = 8
    ds.BitsAllocated = 16
    ds.BitsStored = 12
    ds.HighBit = 11
    ds.PixelRepresentation = 0
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.PixelData = bytes(8 * 8 * 2)
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = ds.SOPClassUID
    meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.file_meta = meta
    return ds


def write_planted(folder: Path, count: int = 3) -> list[Path]:
    """Write ``count`` planted instances, one under a folder named after the patient."""
    paths = []
    for index in range(count):
        target = folder / "site-a" / f"{PLANTED['name_family']}_{PLANTED['patient_id']}" / f"img{index}"
        target.parent.mkdir(parents=True, exist_ok=True)
        planted_dataset(index).save_as(target, enforce_file_format=True)
        paths.append(target)
    return paths


def assert_no_planted(text: str | bytes, where: str = "output") -> None:
    """Fail when any planted identifier (or a case/accent variant) occurs in ``text``."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="replace")
    folded = text.casefold()
    for label, value in PLANTED.items():
        probes = {value, value.replace(" ", "")}
        if label == "phone":
            probes.add("".join(c for c in value if c.isdigit()))
        for probe in probes:
            assert probe.casefold() not in folded, f"planted {label} leaked into {where}"


@pytest.fixture
def planted_source(tmp_path: Path) -> Path:
    source = tmp_path / "source"
    write_planted(source)
    return source


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path_factory, monkeypatch):
    """Default index locations go to a temporary folder, never to the user's cache."""
    monkeypatch.setenv("CURATOR_CACHE", str(tmp_path_factory.mktemp("cache")))


FIXED_KEY = bytes(range(32))


def write_fixed_key(path: Path) -> Path:
    """A de-identification key file (mode 0600, the form `curator keygen` writes) holding a
    fixed key.  Every test that searches outputs for planted identifiers uses it: with a random
    key a planted number (an 8-digit patient ID) could turn up by chance inside a keyed UID or
    a digest (about 1 run in 200), and the test would flake; with a fixed key the outputs are
    the same every run, so a hit is a leak, every time.  `curator keygen` is tested on its own."""
    from curator.deid.pseudonyms import KEY_PREFIX

    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(f"# curator de-identification key (fixed, tests only)\n{KEY_PREFIX}{FIXED_KEY.hex()}\n")
    return path


@pytest.fixture(scope="module")
def key_file(tmp_path_factory) -> Path:
    """A de-identification key (mode 0600), one file per test module, fixed (:func:`write_fixed_key`)."""
    return write_fixed_key(tmp_path_factory.mktemp("key") / "release.key")
