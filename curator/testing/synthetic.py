"""Deterministic, standard-conformant synthetic DICOM for tests, benchmarks and examples.

Everything here is fake. Names, IDs, addresses, phone numbers and institutions are invented
and carry distinctive ``ZZ…`` tokens that never occur by chance, so a no-leak test can
search output bytes for them (see :data:`PLANTED_IDENTIFIERS`).

Determinism: the same arguments always give byte-identical files. Pixel data come from a
seeded :func:`numpy.random.default_rng`; UIDs are ``2.25.`` UIDs derived from entropy
sources (:func:`synthetic_uid`); dates and times are fixed; no wall clock is ever read
(highdicom's creation timestamps and random dimension-organization UIDs are overwritten).

Main entry points:

* :func:`write_ct_series` / :func:`write_ct_slice` — fast full-header CT writer (default
  512×512, 16-bit MONOCHROME2, Explicit VR Little Endian) for benchmarks.
* :func:`ct_series`, :func:`mr_series`, :func:`pt_series`, :func:`us_image`,
  :func:`sr_document`, :func:`rtstruct`, :func:`segmentation` — datasets in memory;
  :func:`write_dataset` writes one as a Part 10 file.
* :data:`SITES`, :data:`PATIENTS`, :class:`Study` — the fake population used by
  ``examples/make_collection.py``; :data:`PLANTED_IDENTIFIERS` lists every identifier string
  the generator plants, :data:`SAFE_VALUES` the demographic values that must survive.
"""

from __future__ import annotations

import copy
import dataclasses
import functools
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
from pydicom import dcmwrite
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.sequence import Sequence as DicomSequence
from pydicom.valuerep import DA, TM
from pydicom.uid import UID, ExplicitVRLittleEndian

__all__ = [
    "CT_IMAGE_STORAGE",
    "MR_IMAGE_STORAGE",
    "PT_IMAGE_STORAGE",
    "US_IMAGE_STORAGE",
    "COMPREHENSIVE_SR_STORAGE",
    "RT_STRUCTURE_SET_STORAGE",
    "SEGMENTATION_STORAGE",
    "IMPLEMENTATION_CLASS_UID",
    "Vendor",
    "VENDORS",
    "Site",
    "Patient",
    "Study",
    "SITES",
    "PATIENTS",
    "PlantedIdentifier",
    "PLANTED_IDENTIFIERS",
    "PLANTED_VALUES",
    "SAFE_VALUES",
    "synthetic_uid",
    "default_study",
    "synthetic_patient",
    "ct_series",
    "iter_ct_slices",
    "write_ct_series",
    "write_ct_slice",
    "mr_series",
    "pt_series",
    "us_image",
    "sr_document",
    "rtstruct",
    "segmentation",
    "write_dataset",
]

CT_IMAGE_STORAGE = "1.2.840.10008.5.1.4.1.1.2"
MR_IMAGE_STORAGE = "1.2.840.10008.5.1.4.1.1.4"
PT_IMAGE_STORAGE = "1.2.840.10008.5.1.4.1.1.128"
US_IMAGE_STORAGE = "1.2.840.10008.5.1.4.1.1.6.1"
COMPREHENSIVE_SR_STORAGE = "1.2.840.10008.5.1.4.1.1.88.33"
RT_STRUCTURE_SET_STORAGE = "1.2.840.10008.5.1.4.1.1.481.3"
SEGMENTATION_STORAGE = "1.2.840.10008.5.1.4.1.1.66.4"

_UID_NAMESPACE = "curator-synthetic-v1"


_UUID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, f"urn:curator:{_UID_NAMESPACE}")


def synthetic_uid(*parts: object) -> str:
    """A deterministic ``2.25.`` UID derived from ``parts`` (same parts, same UID).

    The UID is ``2.25.`` + the integer of a name-based (version 5) UUID of the parts, as
    PS3.5 B.2 describes. (``pydicom.uid.generate_uid(prefix=None, entropy_srcs=…)`` is
    *not* deterministic: with ``prefix=None`` it ignores the entropy sources.)
    """
    name = "\x1f".join(str(part) for part in parts)
    return f"2.25.{uuid.uuid5(_UUID_NAMESPACE, name).int}"


IMPLEMENTATION_CLASS_UID = synthetic_uid("implementation")
IMPLEMENTATION_VERSION_NAME = "CURATOR_SYN_1"


# --------------------------------------------------------------------------------------
# Vendors
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Vendor:
    """Vendor-typical equipment headers (values as the real scanners write them)."""

    key: str
    manufacturer: str
    ct_model: str
    ct_software: str
    ct_kernels: tuple[str, ...]  # first is the standard soft-tissue kernel
    mr_model: str
    mr_software: str
    mr_field_strength: float
    mr_head_coil: str
    mr_sequence_names: dict[str, str]  # sequence kind -> SequenceName
    pt_model: str
    pt_software: str
    us_manufacturer: str
    us_model: str
    private_creator: str
    private_group: int
    private_elements: tuple[tuple[int, str], ...]  # (element offset, VR) for planted values


VENDORS: dict[str, Vendor] = {
    "GE": Vendor(
        key="GE",
        manufacturer="GE MEDICAL SYSTEMS",
        ct_model="Revolution CT",
        ct_software="revo_ct_22mw.40",
        ct_kernels=("STANDARD", "LUNG", "BONE", "SOFT"),
        mr_model="DISCOVERY MR750w",
        mr_software="DV26.0_R03_1831.b",
        mr_field_strength=3.0,
        mr_head_coil="HNS Head",
        mr_sequence_names={"T1": "fse-xl", "T2": "fse-xl", "FLAIR": "fl2d", "T1GD": "efgre3d"},
        pt_model="Discovery MI",
        pt_software="pet_coreload.46.00",
        us_manufacturer="GE Healthcare",
        us_model="LOGIQ E10",
        private_creator="GEMS_IDEN_01",
        private_group=0x0009,
        private_elements=((0x02, "SH"), (0x04, "SH"), (0x30, "SH")),
    ),
    "SIEMENS": Vendor(
        key="SIEMENS",
        manufacturer="SIEMENS",
        ct_model="SOMATOM Definition AS+",
        ct_software="syngo CT VA48A",
        ct_kernels=("B30f", "B70f", "I30f", "Br40d"),
        mr_model="Skyra",
        mr_software="syngo MR E11",
        mr_field_strength=3.0,
        mr_head_coil="HeadNeck_20",
        mr_sequence_names={"T1": "*tse2d1_3", "T2": "*tse2d1_15", "FLAIR": "*tir2d1_16", "T1GD": "*tfl3d1_16ns"},
        pt_model="Biograph128_mCT",
        pt_software="syngo MI.PET/CT 2012B",
        us_manufacturer="SIEMENS",
        us_model="ACUSON Sequoia",
        private_creator="SIEMENS MED",
        private_group=0x0009,
        private_elements=((0x10, "LO"), (0x50, "LO"), (0x51, "LO")),
    ),
    "PHILIPS": Vendor(
        key="PHILIPS",
        manufacturer="Philips",
        ct_model="Ingenuity CT",
        ct_software="4.1.6.25000",
        ct_kernels=("YB", "B", "C", "YC"),
        mr_model="Ingenia",
        mr_software="5.3.1\\5.3.1.0",
        mr_field_strength=1.5,
        mr_head_coil="dS Head 32ch",
        mr_sequence_names={"T1": "SE", "T2": "TSE", "FLAIR": "IR", "T1GD": "T1TFE"},
        pt_model="Vereos",
        pt_software="2.0.1",
        us_manufacturer="Philips Medical Systems",
        us_model="EPIQ 7G",
        private_creator="Philips Imaging DD 001",
        private_group=0x2001,
        private_elements=((0x20, "LO"), (0x25, "SH"), (0x1E, "CS")),
    ),
    "CANON": Vendor(
        key="CANON",
        manufacturer="CANON_MEC",
        ct_model="Aquilion ONE",
        ct_software="V8.9SP0001",
        ct_kernels=("FC13", "FC52", "FC08", "FC30"),
        mr_model="Vantage Orian",
        mr_software="V6.0*R001",
        mr_field_strength=1.5,
        mr_head_coil="Atlas Head/Neck",
        mr_sequence_names={"T1": "SE", "T2": "FSE2D", "FLAIR": "FLAIR2D", "T1GD": "FFE3D"},
        pt_model="Celesteion",
        pt_software="V6.3SP0003",
        us_manufacturer="CANON_MEC",
        us_model="Aplio i800",
        private_creator="TOSHIBA_MEC_CT3",
        private_group=0x7005,
        private_elements=((0x03, "SH"), (0x04, "SH"), (0x06, "SH")),
    ),
}


# --------------------------------------------------------------------------------------
# The fake population: sites, patients, studies
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Site:
    """One contributing hospital (all fields invented; the ``ZZ`` tokens are planted)."""

    key: str  # folder name, e.g. "site-a"
    institution_name: str
    institution_address: str
    department: str
    vendor: str  # key of VENDORS
    station_name: str
    device_serial: str
    referring_physician: str
    performing_physician: str
    operator: str
    phone: str  # appears in free text
    language: str  # BCP 47 tag of the descriptions written at this site


@dataclass(frozen=True)
class Patient:
    """One fake patient. ``None`` demographics are left out of the headers on purpose."""

    key: str  # short stable key, e.g. "P01" (never written into headers)
    family: str
    given: str
    middle: str
    patient_id: str
    other_id: str
    national_id: str  # planted at depth 2 (OtherPatientIDsSequence > Issuer… > item)
    birth_date: str  # YYYYMMDD
    sex: str | None
    age: str | None  # DICOM AS, e.g. "045Y"
    size: str | None  # metres (DS)
    weight: str | None  # kg (DS)
    ethnic_group: str | None
    address: str
    phone: str

    @property
    def name(self) -> str:
        """PatientName (PN, ``Family^Given^Middle``)."""
        return f"{self.family}^{self.given}^{self.middle}"

    @property
    def text_name(self) -> str:
        """The name as free text in another order and case, e.g. ``Jorunn Zzplanted``."""
        return f"{self.given} {self.family.title()}"

    @property
    def text_name_reversed(self) -> str:
        """The name as free text, family first, upper case, e.g. ``ZZPLANTED, JORUNN``."""
        return f"{self.family}, {self.given}".upper()

    @property
    def mrn(self) -> str:
        """The MRN-like digits of the PatientID as they appear in free text."""
        return "".join(ch for ch in self.patient_id if ch.isdigit())

    @property
    def text_birth_date(self) -> str:
        """Birth date as free text (``DD.MM.YYYY``)."""
        d = self.birth_date
        return f"{d[6:8]}.{d[4:6]}.{d[0:4]}"

    @property
    def private_token(self) -> str:
        """A value planted only in this patient's vendor private block."""
        return f"ZZPRIV-{self.mrn}"

    @property
    def private_sequence_token(self) -> str:
        """A value planted only inside a private sequence item."""
        return f"ZZPSQ-{self.mrn}"

    @property
    def requested_procedure_id(self) -> str:
        """RequestedProcedureID planted in RequestAttributesSequence."""
        return f"ZZRQ{self.mrn}"

    def identifiers(self) -> tuple[str, ...]:
        """Every identifier string the generator plants for this patient."""
        return tuple(p.value for p in _patient_planted(self))


@dataclass(frozen=True)
class Study:
    """A study of one patient at one site; all UIDs derive from (site, patient, number)."""

    site: Site
    patient: Patient
    number: int
    description: str
    date: str = "20190314"
    time: str = "093012"
    body_part: str = "CHEST"
    messy_text: bool = False  # also plant the name/MRN/phone in descriptions
    messy_series: int = 1  # with messy_text: the series whose description/protocol get them

    @property
    def uid(self) -> str:
        """StudyInstanceUID."""
        return synthetic_uid("study", self.site.key, self.patient.key, self.number)

    @property
    def accession(self) -> str:
        """AccessionNumber (planted identifier)."""
        return f"ZZACC{self.patient.mrn[-4:]}{self.number:02d}{self.site.key[-1].upper()}"

    @property
    def study_id(self) -> str:
        """StudyID (SH)."""
        return f"{self.number:d}"

    def series_uid(self, series_number: int) -> str:
        """SeriesInstanceUID of series ``series_number`` of this study."""
        return synthetic_uid(self.uid, "series", series_number)

    def frame_of_reference_uid(self, index: int = 1) -> str:
        """FrameOfReferenceUID ``index`` of this study."""
        return synthetic_uid(self.uid, "for", index)


SITES: tuple[Site, ...] = (
    Site(
        key="site-a",
        institution_name="Hospital Universitario Zzarvelo",
        institution_address="Calle Zzarvelo 17, 28099 Madrid",
        department="Radiodiagnostico",
        vendor="GE",
        station_name="ZZARV-CT01",
        device_serial="ZZSN0001734",
        referring_physician="ZZMEDINA^Oriol^Baltasar",
        performing_physician="ZZQUEVEDO^Itziar",
        operator="ZZTORNE^Paloma",
        phone="+34 915 550 142",
        language="es",
    ),
    Site(
        key="site-b",
        institution_name="Hospital Clinic Zzquerolt",
        institution_address="Carrer Zzquerolt 5, 08999 Barcelona",
        department="Radiologia",
        vendor="SIEMENS",
        station_name="ZZQRL-MRC40211",
        device_serial="ZZSN0040211",
        referring_physician="ZZFIGUERES^Montserrat",
        performing_physician="ZZVILALTA^Jordi^Pau",
        operator="ZZBOSCH^Nuria",
        phone="+34 935 550 187",
        language="ca",
    ),
    Site(
        key="site-c",
        institution_name="Zzfjordvik Universitetssykehus",
        institution_address="Zzfjordveien 3, 9099 Tromso",
        department="Bildediagnostikk",
        vendor="PHILIPS",
        station_name="ZZFJV-PHS1",
        device_serial="ZZSN0077810",
        referring_physician="ZZHALVORSEN^Sigrid",
        performing_physician="ZZNYGAARD^Eirik",
        operator="ZZLUNDE^Ingrid",
        phone="+47 77 55 01 93",
        language="nb",
    ),
    Site(
        key="site-d",
        institution_name="Klinikum Zzenbrachtal",
        institution_address="Zzenbrachstrasse 44, 99099 Erfurt",
        department="Radiologie",
        vendor="CANON",
        station_name="ZZENB-AQ1",
        device_serial="ZZSN0098123",
        referring_physician="ZZBRUCKNER^Dagmar",
        performing_physician="ZZKESSLER^Wolfram^J",
        operator="ZZHAUFF^Lena",
        phone="+49 361 5550 177",
        language="de",
    ),
    Site(
        key="site-e",
        institution_name="Centre Hospitalier Zzavrelle",
        institution_address="12 rue Zzavrelle, 69999 Lyon",
        department="Imagerie medicale",
        vendor="SIEMENS",
        station_name="ZZAVR-MR2",
        device_serial="ZZSN0066502",
        referring_physician="ZZMARCHETTI^Giulia",
        performing_physician="ZZDUROCHER^Amandine",
        operator="ZZPELLEGRIN^Luc",
        phone="+33 4 72 55 50 19",
        language="fr",
    ),
)


def _patient(
    n: int,
    family: str,
    given: str,
    middle: str,
    birth: str,
    sex: str | None,
    age: str | None,
    size: str | None,
    weight: str | None,
    ethnic: str | None,
) -> Patient:
    digits = f"{48213900 + n * 7919:08d}"
    return Patient(
        key=f"P{n:02d}",
        family=family,
        given=given,
        middle=middle,
        patient_id=f"ZZMRN{digits}",
        other_id=f"ZZALT{n:02d}{digits[::-1][:5]}",
        national_id=f"ZZNID{digits[2:]}{n:02d}X",
        birth_date=birth,
        sex=sex,
        age=age,
        size=size,
        weight=weight,
        ethnic_group=ethnic,
        address=f"{n * 3 + 11} Zzplantedgate, Zzvillebury {n:02d}",
        phone=f"555-01{n:02d}-{7700 + n * 13}" if n < 100 else f"555-{n % 10000:04d}-{n * 13 % 10000:04d}",
    )


PATIENTS: tuple[Patient, ...] = (
    _patient(1, "ZZPLANTED", "Jorunn", "Quixote", "19570412", "F", "061Y", "1.64", "58.5", None),
    _patient(2, "ZZVORTHAM", "Alarik", "Beaumont", "19820923", "M", "036Y", "1.81", "84", "WHITE"),
    _patient(3, "ZZQUILLBRANE", "Ondina", "Farrow", "19510130", "F", "068Y", "1.58", "71.2", None),
    _patient(4, "ZZHEXWORTH", "Tibor", "Sandoval", "20111105", "M", "007Y", "1.24", "23.4", None),
    _patient(5, "ZZMERRIVALE", "Ysolde", "Kingsley", "19270701", "F", "091Y", None, "49", None),
    _patient(6, "ZZBRACKENDALE", "Casimir", "Oduya", "19740218", None, "045Y", None, None, None),
    _patient(7, "ZZFENWICKTON", "Marisol", "Ekdahl", "19440809", "F", "074Y", "1.70", "66", "ASIAN"),
    _patient(8, "ZZGRIMSHADE", "Leopold", "Varga", "20020614", "M", "016Y", "1.77", "63", None),
    _patient(9, "ZZOSTERHOLT", "Fenna", "Marchetti", "19630327", "O", "055Y", "1.66", None, None),
    _patient(10, "ZZDALWHINNIE", "Ruairi", "Castell", "19381116", "M", None, "1.75", "80.3", None),
    _patient(11, "ZZTREMAYNE", "Ilse", "Borowski", "19590502", "F", "060Y", "1.61", "77", None),
    _patient(12, "ZZQUENNEVILLE", "Aurelien", "Dufresne", "19850919", "M", "034Y", "1.79", "90", None),
    _patient(13, "ZZCASTELLUCCI", "Rosalba", "Innocenti", "19900101", "F", "029Y", None, None, None),
)


def synthetic_patient(n: int) -> Patient:
    """Fake patient number ``n`` (any n >= 1) beyond :data:`PATIENTS`, e.g. for benchmarks.

    Its identifiers (:meth:`Patient.identifiers`) are as distinctive as the planted ones,
    but are not listed in :data:`PLANTED_IDENTIFIERS`.
    """
    ages = (7, 16, 29, 34, 45, 58, 63, 71, 84, 92)
    age = ages[n % len(ages)]
    return _patient(
        100 + n,
        f"ZZSYNTH{n:05d}",
        ("Ilka", "Bram", "Odile", "Teo", "Marit", "Cosmin")[n % 6],
        ("Ysolt", "Quirin", "Anouk")[n % 3],
        f"{2019 - age}0{1 + n % 9}1{n % 10}",
        ("F", "M", "F", "M", None, "O")[n % 6],
        f"{age:03d}Y",
        None if n % 4 == 0 else f"{1.5 + (n % 40) / 100:.2f}",
        None if n % 5 == 0 else f"{45 + n % 50}",
        None,
    )


def default_study() -> Study:
    """The study used when no study is given: patient P01 at site-a (GE)."""
    return Study(site=SITES[0], patient=PATIENTS[0], number=1, description="TC TORAX CON CONTRASTE")


class PlantedIdentifier(NamedTuple):
    """One planted identifier string, where the generator puts it, and whose it is."""

    value: str
    where: str
    owner: str  # patient key ("P01") or site key ("site-a")


def _patient_planted(p: Patient) -> list[PlantedIdentifier]:
    k = p.key
    return [
        PlantedIdentifier(p.name, "PatientName; private sequence item", k),
        PlantedIdentifier(p.patient_id, "PatientID; OtherPatientIDsSequence; private element", k),
        PlantedIdentifier(p.other_id, "OtherPatientIDs; OtherPatientIDsSequence > PatientID", k),
        PlantedIdentifier(
            p.national_id,
            "OtherPatientIDsSequence > IssuerOfPatientIDQualifiersSequence > UniversalEntityID",
            k,
        ),
        PlantedIdentifier(p.birth_date, "PatientBirthDate", k),
        PlantedIdentifier(p.address, "PatientAddress", k),
        PlantedIdentifier(p.phone, "PatientTelephoneNumbers; free text", k),
        PlantedIdentifier(p.text_name, "free text: ImageComments, SR TextValue", k),
        PlantedIdentifier(p.text_name_reversed, "free text: ImageComments, SR TextValue, descriptions", k),
        PlantedIdentifier(p.text_birth_date, "free text: ImageComments, SR TextValue", k),
        PlantedIdentifier(p.mrn, "free text: MRN-like number (ImageComments, SR, descriptions)", k),
        PlantedIdentifier(p.private_token, "private element of the vendor block", k),
        PlantedIdentifier(p.private_sequence_token, "private sequence > item (depth 2)", k),
        PlantedIdentifier(p.requested_procedure_id, "RequestAttributesSequence > RequestedProcedureID", k),
    ]


def _planted() -> tuple[PlantedIdentifier, ...]:
    out: list[PlantedIdentifier] = []
    for p in PATIENTS:
        out += _patient_planted(p)
    for s in SITES:
        k = s.key
        out += [
            PlantedIdentifier(s.institution_name, "InstitutionName", k),
            PlantedIdentifier(s.institution_address, "InstitutionAddress", k),
            PlantedIdentifier(s.station_name, "StationName", k),
            PlantedIdentifier(s.device_serial, "DeviceSerialNumber", k),
            PlantedIdentifier(s.referring_physician, "ReferringPhysicianName", k),
            PlantedIdentifier(s.performing_physician, "PerformingPhysicianName; ROIInterpreter", k),
            PlantedIdentifier(s.operator, "OperatorsName; ContentCreatorName", k),
            PlantedIdentifier(s.phone, "free text: SR TextValue, ImageComments", k),
        ]
    return tuple(out)


PLANTED_IDENTIFIERS: tuple[PlantedIdentifier, ...] = _planted()
"""Every identifier string planted by the generator for :data:`PATIENTS` and :data:`SITES`.

AccessionNumbers (:attr:`Study.accession`) and UIDs are identifiers too, but depend on the
study; they are not listed here.
"""

PLANTED_VALUES: frozenset[str] = frozenset(p.value for p in PLANTED_IDENTIFIERS)
"""The bare strings of :data:`PLANTED_IDENTIFIERS`."""


def _safe_values() -> tuple[tuple[str, str, str], ...]:
    out = []
    for p in PATIENTS:
        for keyword, value in (
            ("PatientSex", p.sex),
            ("PatientAge", p.age),
            ("PatientSize", p.size),
            ("PatientWeight", p.weight),
            ("EthnicGroup", p.ethnic_group),
        ):
            if value is not None:
                out.append((p.key, keyword, value))
    return tuple(out)


SAFE_VALUES: tuple[tuple[str, str, str], ...] = _safe_values()
"""Demographics that a de-identification must keep: ``(patient key, keyword, value)``.

(Ages over 89 are HIPAA identifiers; a policy may still aggregate them — ``091Y`` is
planted on purpose.)"""


# --------------------------------------------------------------------------------------
# Common header modules
# --------------------------------------------------------------------------------------


def _code(value: str, scheme: str, meaning: str) -> Dataset:
    item = Dataset()
    item.CodeValue = value
    item.CodingSchemeDesignator = scheme
    item.CodeMeaning = meaning
    return item


def _file_meta(sop_class: str, sop_instance: str) -> FileMetaDataset:
    meta = FileMetaDataset()
    meta.FileMetaInformationVersion = b"\x00\x01"
    meta.MediaStorageSOPClassUID = UID(sop_class)
    meta.MediaStorageSOPInstanceUID = UID(sop_instance)
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    meta.ImplementationClassUID = UID(IMPLEMENTATION_CLASS_UID)
    meta.ImplementationVersionName = IMPLEMENTATION_VERSION_NAME
    return meta


def _patient_module(ds: Dataset, patient: Patient, site: Site) -> None:
    ds.PatientName = patient.name
    ds.PatientID = patient.patient_id
    ds.IssuerOfPatientID = site.station_name.split("-")[0]
    ds.PatientBirthDate = patient.birth_date
    ds.PatientSex = patient.sex or ""  # Type 2: present, empty when unknown
    ds.OtherPatientIDs = patient.other_id
    issuer_q = Dataset()
    issuer_q.UniversalEntityID = patient.national_id
    issuer_q.UniversalEntityIDType = "ISO"
    other = Dataset()
    other.PatientID = patient.other_id
    other.IssuerOfPatientID = "ZZREGIONAL"
    other.TypeOfPatientID = "TEXT"
    other.IssuerOfPatientIDQualifiersSequence = DicomSequence([issuer_q])
    other2 = Dataset()
    other2.PatientID = patient.patient_id
    other2.TypeOfPatientID = "TEXT"
    ds.OtherPatientIDsSequence = DicomSequence([other, other2])
    if patient.age is not None:
        ds.PatientAge = patient.age
    if patient.size is not None:
        ds.PatientSize = patient.size
    if patient.weight is not None:
        ds.PatientWeight = patient.weight
    ds.PatientAddress = patient.address
    ds.PatientTelephoneNumbers = patient.phone
    if patient.ethnic_group is not None:
        ds.EthnicGroup = patient.ethnic_group
    ref = Dataset()
    ref.ReferencedSOPClassUID = "1.2.840.10008.3.1.2.1.1"  # Detached Patient Management
    ref.ReferencedSOPInstanceUID = synthetic_uid("patient", patient.key)
    ds.ReferencedPatientSequence = DicomSequence([ref])


def _study_module(ds: Dataset, study: Study) -> None:
    site, patient = study.site, study.patient
    ds.StudyDate = study.date
    ds.StudyTime = study.time
    ds.AccessionNumber = study.accession
    ds.ReferringPhysicianName = site.referring_physician
    desc = study.description
    if study.messy_text:
        desc = f"{desc} {patient.text_name_reversed}"
    ds.StudyDescription = desc
    ds.StudyInstanceUID = study.uid
    ds.StudyID = study.study_id
    req = Dataset()
    req.AccessionNumber = study.accession
    req.RequestedProcedureID = patient.requested_procedure_id
    req.ScheduledProcedureStepID = f"SPS{study.number:03d}"
    req.RequestedProcedureDescription = study.description
    req.RequestedProcedureCodeSequence = DicomSequence(
        [_code(f"RPID{study.number:d}", "99LOCAL", study.description)]
    )
    ds.RequestAttributesSequence = DicomSequence([req])


def _equipment(ds: Dataset, site: Site, manufacturer: str, model: str, software: str) -> None:
    ds.Manufacturer = manufacturer
    ds.InstitutionName = site.institution_name
    ds.InstitutionAddress = site.institution_address
    ds.InstitutionalDepartmentName = site.department
    ds.StationName = site.station_name
    ds.ManufacturerModelName = model
    ds.DeviceSerialNumber = site.device_serial
    ds.SoftwareVersions = software


def _private_block(ds: Dataset, vendor: Vendor, patient: Patient) -> None:
    """Vendor private block holding planted values and a private sequence (depth 2)."""
    block = ds.private_block(vendor.private_group, vendor.private_creator, create=True)
    values = (patient.private_token, patient.patient_id, "ZZ")
    for (offset, vr), value in zip(vendor.private_elements, values, strict=True):
        if vr == "CS":
            value = "ZZ"
        block.add_new(offset, vr, value)
    item = Dataset()
    item.PatientName = patient.name
    inner = item.private_block(vendor.private_group, vendor.private_creator, create=True)
    inner.add_new(vendor.private_elements[0][0], vendor.private_elements[0][1], patient.private_sequence_token)
    block.add_new(0xF1, "SQ", DicomSequence([item]))


def _series_common(
    ds: Dataset,
    study: Study,
    *,
    modality: str,
    sop_class: str,
    series_number: int,
    description: str,
    protocol: str,
    manufacturer: str,
    model: str,
    software: str,
    series_time: str,
) -> None:
    site, patient = study.site, study.patient
    ds.SpecificCharacterSet = "ISO_IR 192"
    ds.SOPClassUID = sop_class
    ds.StudyDate = study.date
    ds.SeriesDate = study.date
    ds.AcquisitionDate = study.date
    ds.ContentDate = study.date
    ds.SeriesTime = series_time
    ds.AcquisitionTime = series_time
    ds.ContentTime = series_time
    ds.Modality = modality
    _equipment(ds, site, manufacturer, model, software)
    _study_module(ds, study)
    if study.messy_text and series_number == study.messy_series:
        description = f"{description} MRN {patient.mrn}"
        protocol = f"{protocol} tel {patient.phone}"
    ds.SeriesDescription = description
    ds.PerformingPhysicianName = site.performing_physician
    ds.OperatorsName = site.operator
    ds.ProtocolName = protocol
    _patient_module(ds, patient, site)
    ds.SeriesInstanceUID = study.series_uid(series_number)
    ds.SeriesNumber = series_number
    ds.BodyPartExamined = study.body_part
    ds.PatientPosition = "HFS"


def _image_comment(study: Study) -> str:
    p = study.patient
    return (
        f"Pt {p.text_name_reversed} MRN {p.mrn} dob {p.text_birth_date} tel {p.phone}; "
        f"called {p.text_name} via {study.site.phone}"
    )


_ORIENTATIONS: dict[str, tuple[list[float], np.ndarray]] = {
    "axial": ([1.0, 0.0, 0.0, 0.0, 1.0, 0.0], np.array([0.0, 0.0, 1.0])),
    "coronal": ([1.0, 0.0, 0.0, 0.0, 0.0, -1.0], np.array([0.0, -1.0, 0.0])),
    "sagittal": ([0.0, 1.0, 0.0, 0.0, 0.0, -1.0], np.array([1.0, 0.0, 0.0])),
}


def _geometry(
    ds: Dataset,
    orientation: str,
    index: int,
    rows: int,
    columns: int,
    pixel_spacing: float,
    spacing: float,
    z0: float,
) -> None:
    iop, normal = _ORIENTATIONS[orientation]
    row_dir, col_dir = np.array(iop[:3]), np.array(iop[3:])
    centre = normal * (z0 + index * spacing)
    origin = centre - row_dir * pixel_spacing * columns / 2 - col_dir * pixel_spacing * rows / 2
    ds.ImagePositionPatient = [round(float(v), 4) for v in origin]
    ds.ImageOrientationPatient = iop
    ds.SliceLocation = round(float(z0 + index * spacing), 4)


# --------------------------------------------------------------------------------------
# Pixel data
# --------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=8)
def _grid(rows: int, columns: int) -> tuple[np.ndarray, np.ndarray]:
    y, x = np.mgrid[0:rows, 0:columns].astype(np.float32)
    return (x - columns / 2) / (columns / 2), (y - rows / 2) / (rows / 2)


def _body(rows: int, columns: int, frac: float, kind: str) -> np.ndarray:
    """A smooth anatomical-looking phantom in arbitrary units (float32, 0 = air)."""
    x, y = _grid(rows, columns)
    img = np.zeros((rows, columns), np.float32)
    wobble = 0.06 * np.sin(frac * np.pi)
    if kind == "head":
        skull = (x / (0.78 + wobble)) ** 2 + (y / (0.9 + wobble)) ** 2
        img[skull < 1.0] = 0.9  # bone
        img[skull < 0.85] = 0.45  # grey matter
        img[(x / 0.55) ** 2 + (y / 0.65) ** 2 < 1.0] = 0.6  # white matter
        img[(np.abs(x) < 0.08) & (np.abs(y) < 0.3)] = 0.15  # ventricles
    else:
        body = (x / (0.85 + wobble)) ** 2 + (y / (0.6 + wobble / 2)) ** 2
        img[body < 1.0] = 0.55  # soft tissue
        lung_l = ((x + 0.38) / 0.28) ** 2 + ((y + 0.05) / 0.4) ** 2
        lung_r = ((x - 0.38) / 0.28) ** 2 + ((y + 0.05) / 0.4) ** 2
        img[(lung_l < 1.0) | (lung_r < 1.0)] = 0.08
        img[(x**2 + (y - 0.38) ** 2) < 0.012] = 1.0  # vertebra
        img[((x - 0.05) ** 2 + (y + 0.1) ** 2) < 0.01] = 0.62  # aorta
    return img


def _ct_pixels(rng: np.random.Generator, rows: int, columns: int, frac: float, contrast: bool) -> np.ndarray:
    base = _body(rows, columns, frac, "body")
    # map phantom units to stored values (HU + 1024): air -1000, lung -850, tissue 40, bone 700
    hu = np.interp(base, [0.0, 0.08, 0.55, 0.62, 1.0], [-1000, -850, 40, 180 if contrast else 45, 700])
    noise = rng.normal(0.0, 12.0, size=(rows, columns)).astype(np.float32)
    return np.clip(hu + 1024 + noise, 0, 4095).astype(np.uint16)


# --------------------------------------------------------------------------------------
# CT
# --------------------------------------------------------------------------------------


def _ct_template(
    study: Study,
    *,
    series_number: int,
    description: str,
    rows: int,
    columns: int,
    kernel: str | None,
    slice_thickness: float,
    pixel_spacing: float,
    contrast: bool,
    localizer: bool,
    orientation: str,
    vendor: Vendor,
    series_time: str,
) -> Dataset:
    ds = Dataset()
    ds.file_meta = _file_meta(CT_IMAGE_STORAGE, "")
    ds.ImageType = ["ORIGINAL", "PRIMARY", "LOCALIZER" if localizer else "AXIAL"]
    ds.InstanceCreationDate = study.date
    ds.InstanceCreationTime = series_time
    _series_common(
        ds,
        study,
        modality="CT",
        sop_class=CT_IMAGE_STORAGE,
        series_number=series_number,
        description=description,
        protocol=f"{study.body_part.title()} {'Contrast' if contrast else 'Routine'} {vendor.key}",
        manufacturer=vendor.manufacturer,
        model=vendor.ct_model,
        software=vendor.ct_software,
        series_time=series_time,
    )
    if contrast:
        ds.ContrastBolusAgent = {"GE": "OMNIPAQUE 350", "SIEMENS": "Ultravist 370",
                                 "PHILIPS": "Iomeron 400", "CANON": "Imeron 350"}[vendor.key]
        ds.ContrastBolusVolume = "80"
        ds.ContrastBolusRoute = "IV"
    ds.ScanOptions = "SURVIEW" if localizer else "HELICAL MODE"
    ds.SliceThickness = f"{slice_thickness:g}"
    ds.KVP = "120" if not localizer else "100"
    ds.DataCollectionDiameter = "500"
    ds.ReconstructionDiameter = f"{pixel_spacing * columns:.1f}"
    ds.DistanceSourceToDetector = "1085.6"
    ds.DistanceSourceToPatient = "595"
    ds.GantryDetectorTilt = "0"
    ds.TableHeight = "155"
    ds.RotationDirection = "CW"
    ds.ExposureTime = "500"
    ds.XRayTubeCurrent = "35" if localizer else "248"
    ds.Exposure = "17" if localizer else "124"
    ds.FilterType = {"GE": "BODY FILTER", "SIEMENS": "FLAT", "PHILIPS": "B", "CANON": "LARGE"}[vendor.key]
    ds.GeneratorPower = "30" if localizer else "48"
    ds.FocalSpots = "0.7"
    ds.ConvolutionKernel = kernel or vendor.ct_kernels[0]
    ds.RevolutionTime = 0.5
    ds.SingleCollimationWidth = 0.625
    ds.TotalCollimationWidth = 40.0
    ds.TableSpeed = 78.75
    ds.TableFeedPerRotation = 39.375
    ds.SpiralPitchFactor = 0.984375
    ds.CTDIvol = 1.2 if localizer else 9.87
    ds.CTDIPhantomTypeCodeSequence = DicomSequence([_code("113691", "DCM", "IEC Body Dosimetry Phantom")])
    ds.FrameOfReferenceUID = study.frame_of_reference_uid(1)
    ds.PositionReferenceIndicator = ""
    ds.AcquisitionNumber = 1
    ds.ImageComments = _image_comment(study)
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.Rows = rows
    ds.Columns = columns
    ds.PixelSpacing = [f"{pixel_spacing:g}", f"{pixel_spacing:g}"]
    ds.BitsAllocated = 16
    ds.BitsStored = 12
    ds.HighBit = 11
    ds.PixelRepresentation = 0
    ds.WindowCenter = "40"
    ds.WindowWidth = "400"
    ds.RescaleIntercept = "-1024"
    ds.RescaleSlope = "1"
    ds.RescaleType = "HU"
    _private_block(ds, vendor, study.patient)
    _geometry(ds, orientation, 0, rows, columns, pixel_spacing, slice_thickness, -120.0)
    return ds


def iter_ct_slices(
    study: Study | None = None,
    n_slices: int = 1,
    *,
    series_number: int = 1,
    description: str = "Thorax 1.25 STD",
    rows: int = 512,
    columns: int = 512,
    seed: int = 0,
    kernel: str | None = None,
    slice_thickness: float = 1.25,
    pixel_spacing: float = 0.7,
    contrast: bool = True,
    localizer: bool = False,
    orientation: str = "axial",
    vendor: str | None = None,
    series_time: str = "093512",
    first_instance: int = 1,
) -> Iterator[Dataset]:
    """Yield the slices of one CT series, fast: the *same* dataset object, updated per slice.

    Copy a yielded dataset (``copy.deepcopy``) before keeping it past the next iteration;
    :func:`ct_series` does that for you. The header is built once; per slice only the SOP
    Instance UID, instance number, position, slice location and pixel data change.
    """
    study = study or default_study()
    vend = VENDORS[vendor or study.site.vendor]
    ds = _ct_template(
        study,
        series_number=series_number,
        description=description,
        rows=rows,
        columns=columns,
        kernel=kernel,
        slice_thickness=slice_thickness,
        pixel_spacing=pixel_spacing,
        contrast=contrast,
        localizer=localizer,
        orientation=orientation,
        vendor=vend,
        series_time=series_time,
    )
    rng = np.random.default_rng([seed, series_number, rows, columns])
    series_uid = ds.SeriesInstanceUID
    for i in range(n_slices):
        number = first_instance + i
        uid = synthetic_uid(series_uid, number)
        ds.SOPInstanceUID = uid
        ds.file_meta.MediaStorageSOPInstanceUID = UID(uid)
        ds.InstanceNumber = number
        _geometry(ds, orientation, number - 1, rows, columns, pixel_spacing, slice_thickness, -120.0)
        frac = (number - 1) / max(n_slices - 1, 1)
        ds.PixelData = _ct_pixels(rng, rows, columns, frac, contrast).tobytes()
        yield ds


def ct_series(study: Study | None = None, n_slices: int = 4, **kwargs: object) -> list[Dataset]:
    """The datasets of one CT series (independent copies); options as :func:`iter_ct_slices`."""
    return [copy.deepcopy(ds) for ds in iter_ct_slices(study, n_slices, **kwargs)]  # type: ignore[arg-type]


def write_dataset(ds: Dataset, path: str | Path) -> Path:
    """Write ``ds`` as a DICOM Part 10 file (preamble + file meta), creating parent folders."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    meta = ds.file_meta
    meta.MediaStorageSOPClassUID = ds.SOPClassUID
    meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    dcmwrite(path, ds, enforce_file_format=True)
    return path


def write_ct_series(
    folder: str | Path,
    n_slices: int,
    study: Study | None = None,
    *,
    name_pattern: str = "CT{number:05d}.dcm",
    **kwargs: object,
) -> list[Path]:
    """Write an N-slice CT series into ``folder`` and return the paths, in slice order.

    ``name_pattern`` is formatted with ``number`` (the instance number). Other options as
    :func:`iter_ct_slices` (defaults 512×512, 16-bit, MONOCHROME2, Explicit VR LE). Meant for
    benchmarks: about as fast as writing the bytes (the header is built once per series).
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for ds in iter_ct_slices(study, n_slices, **kwargs):  # type: ignore[arg-type]
        path = folder / name_pattern.format(number=ds.InstanceNumber)
        dcmwrite(path, ds, enforce_file_format=True)
        paths.append(path)
    return paths


def write_ct_slice(
    path: str | Path,
    study: Study | None = None,
    *,
    instance_number: int = 1,
    **kwargs: object,
) -> Path:
    """Write one full-header CT slice (default 512×512) to ``path``; options as :func:`iter_ct_slices`."""
    ds = next(iter_ct_slices(study, 1, first_instance=instance_number, **kwargs))  # type: ignore[arg-type]
    return write_dataset(ds, path)


# --------------------------------------------------------------------------------------
# MR
# --------------------------------------------------------------------------------------

_MR_PARAMS: dict[str, dict[str, object]] = {
    # kind: ScanningSequence, SequenceVariant, TR, TE, TI, flip, ScanOptions, contrast
    "T1": {"ScanningSequence": "SE", "SequenceVariant": ["SK", "SP"], "TR": "550", "TE": "11",
           "TI": None, "flip": "90", "options": "", "contrast": False},
    "T2": {"ScanningSequence": "SE", "SequenceVariant": ["SK", "SP", "OSP"], "TR": "4500", "TE": "96",
           "TI": None, "flip": "150", "options": "FC", "contrast": False},
    "FLAIR": {"ScanningSequence": ["SE", "IR"], "SequenceVariant": ["SK", "SP", "MP"], "TR": "9000",
              "TE": "81", "TI": "2500", "flip": "150", "options": "IR", "contrast": False},
    "T1FLAIR": {"ScanningSequence": ["SE", "IR"], "SequenceVariant": ["SK", "SP", "MP"], "TR": "2200",
                "TE": "9", "TI": "860", "flip": "111", "options": "IR", "contrast": False},
    "T1GD": {"ScanningSequence": ["GR", "IR"], "SequenceVariant": ["SP", "MP"], "TR": "2300", "TE": "2.32",
             "TI": "900", "flip": "8", "options": "", "contrast": True},
}


def mr_series(
    study: Study,
    n_slices: int = 3,
    *,
    series_number: int = 1,
    description: str = "Ax T1 FLAIR",
    kind: str = "T1FLAIR",
    orientation: str = "axial",
    rows: int = 64,
    columns: int = 64,
    seed: int = 0,
    vendor: str | None = None,
    series_time: str = "101503",
    omit: Sequence[str] = (),
) -> list[Dataset]:
    """One MR series: acquisition headers per sequence ``kind`` (T1, T2, FLAIR, T1FLAIR, T1GD).

    ``omit`` lists keywords left out on purpose (e.g. ``("MagneticFieldStrength",)``) so
    completeness checks have something to find.
    """
    vend = VENDORS[vendor or study.site.vendor]
    prm = _MR_PARAMS[kind]
    seq_kind = "T1GD" if kind == "T1GD" else ("FLAIR" if "FLAIR" in kind else kind)
    rng = np.random.default_rng([seed, series_number, 2])
    spacing = 5.0
    pixel_spacing = 230.0 / columns
    out = []
    for i in range(n_slices):
        ds = Dataset()
        ds.file_meta = _file_meta(MR_IMAGE_STORAGE, "")
        ds.ImageType = ["ORIGINAL", "PRIMARY", "M", "ND", "NORM"]
        ds.InstanceCreationDate = study.date
        ds.InstanceCreationTime = series_time
        _series_common(ds, study, modality="MR", sop_class=MR_IMAGE_STORAGE,
                       series_number=series_number, description=description,
                       protocol=description.replace(" ", "_"), manufacturer=vend.manufacturer,
                       model=vend.mr_model, software=vend.mr_software, series_time=series_time)
        if prm["contrast"]:
            ds.ContrastBolusAgent = {"GE": "MultiHance", "SIEMENS": "Dotarem", "PHILIPS": "Gadovist",
                                     "CANON": "Clariscan"}[vend.key]
        ds.ScanningSequence = prm["ScanningSequence"]
        ds.SequenceVariant = prm["SequenceVariant"]
        ds.ScanOptions = prm["options"]
        ds.MRAcquisitionType = "3D" if kind == "T1GD" else "2D"
        ds.SequenceName = vend.mr_sequence_names[seq_kind]
        ds.SliceThickness = "1" if kind == "T1GD" else "5"
        ds.RepetitionTime = prm["TR"]
        ds.EchoTime = prm["TE"]
        if prm["TI"] is not None:
            ds.InversionTime = prm["TI"]
        ds.NumberOfAverages = "1"
        ds.ImagingFrequency = f"{42.577478 * vend.mr_field_strength:.6f}"
        ds.ImagedNucleus = "1H"
        ds.EchoNumbers = "1"
        ds.MagneticFieldStrength = f"{vend.mr_field_strength:g}"
        ds.SpacingBetweenSlices = f"{spacing:g}"
        ds.EchoTrainLength = "1" if kind == "T1GD" else "16"
        ds.PercentSampling = "100"
        ds.PercentPhaseFieldOfView = "87.5"
        ds.PixelBandwidth = "190"
        ds.ReceiveCoilName = vend.mr_head_coil
        ds.TransmitCoilName = "Body"
        ds.AcquisitionMatrix = [0, 256, 224, 0]
        ds.InPlanePhaseEncodingDirection = "ROW"
        ds.FlipAngle = prm["flip"]
        ds.SAR = "1.21"
        ds.FrameOfReferenceUID = study.frame_of_reference_uid(2)
        ds.PositionReferenceIndicator = ""
        ds.AcquisitionNumber = 1
        ds.ImageComments = _image_comment(study)
        ds.SamplesPerPixel = 1
        ds.PhotometricInterpretation = "MONOCHROME2"
        ds.Rows, ds.Columns = rows, columns
        ds.PixelSpacing = [f"{pixel_spacing:.4f}", f"{pixel_spacing:.4f}"]
        ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 12, 11, 0
        ds.WindowCenter, ds.WindowWidth = "600", "1200"
        _private_block(ds, vend, study.patient)
        for keyword in omit:
            if keyword in ds:
                delattr(ds, keyword)
        number = i + 1
        ds.SOPInstanceUID = synthetic_uid(ds.SeriesInstanceUID, number)
        ds.InstanceNumber = number
        _geometry(ds, orientation, i, rows, columns, pixel_spacing, spacing, -10.0)
        img = _body(rows, columns, i / max(n_slices - 1, 1), "head")
        weight = {"T1": 1.0, "T1FLAIR": 1.0, "T1GD": 1.1}.get(kind, -1.0)
        signal = img if weight > 0 else np.where(img > 0, 1.05 - img, 0)
        px = signal * 1400 + rng.normal(0, 20, size=img.shape)
        ds.PixelData = np.clip(px, 0, 4095).astype(np.uint16).tobytes()
        out.append(ds)
    return out


# --------------------------------------------------------------------------------------
# PT
# --------------------------------------------------------------------------------------


def _seconds(tm: str) -> float:
    """Seconds since midnight of a DICOM TM value (HHMMSS[.ffffff])."""
    return int(tm[0:2]) * 3600 + int(tm[2:4]) * 60 + float(tm[4:] or 0)



def pt_series(
    study: Study,
    n_slices: int = 3,
    *,
    series_number: int = 1,
    description: str = "PET WB AC",
    rows: int = 32,
    columns: int = 32,
    seed: int = 0,
    vendor: str | None = None,
    injected_dose_bq: float = 3.1e8,
    injection_time: str = "084512.00",
    series_time: str = "094512",
    frame_of_reference: int = 1,
) -> list[Dataset]:
    """One static FDG PET series with everything needed to compute SUVbw.

    Units BQML, DecayCorrection START, CorrectedImage incl. DECY/ATTN, SeriesTime,
    AcquisitionTime, RadiopharmaceuticalInformationSequence (radiopharmaceutical, total dose,
    start time and datetime, half-life, positron fraction, codes). PatientWeight comes from
    the patient (missing on purpose for some).
    """
    vend = VENDORS[vendor or study.site.vendor]
    rng = np.random.default_rng([seed, series_number, 3])
    pixel_spacing = 600.0 / columns
    spacing = 3.27
    # activity concentration such that SUVbw (decay-corrected to the scan start) is the
    # phantom's SUV: background 1, a lesion of about 15
    weight_g = float(study.patient.weight or 70) * 1000.0
    elapsed = _seconds(series_time) - _seconds(injection_time)
    dose_at_scan = injected_dose_bq * 2.0 ** (-elapsed / 6586.2)
    out = []
    for i in range(n_slices):
        ds = Dataset()
        ds.file_meta = _file_meta(PT_IMAGE_STORAGE, "")
        ds.ImageType = ["ORIGINAL", "PRIMARY"]
        ds.InstanceCreationDate = study.date
        ds.InstanceCreationTime = series_time
        _series_common(ds, study, modality="PT", sop_class=PT_IMAGE_STORAGE,
                       series_number=series_number, description=description,
                       protocol="PET CT WB FDG", manufacturer=vend.manufacturer,
                       model=vend.pt_model, software=vend.pt_software, series_time=series_time)
        _pet_acquisition(ds, n_slices, spacing)
        ds.RadiopharmaceuticalInformationSequence = DicomSequence(
            [_fdg_injection(study.date, injection_time, injected_dose_bq)]
        )
        ds.FrameOfReferenceUID = study.frame_of_reference_uid(frame_of_reference)
        ds.PositionReferenceIndicator = ""
        ds.AcquisitionNumber = 1
        ds.ImageIndex = i + 1
        ds.ImageComments = _image_comment(study)
        ds.SamplesPerPixel = 1
        ds.PhotometricInterpretation = "MONOCHROME2"
        ds.Rows, ds.Columns = rows, columns
        ds.PixelSpacing = [f"{pixel_spacing:.4f}", f"{pixel_spacing:.4f}"]
        ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 16, 15, 1
        ds.RescaleIntercept = "0"
        ds.RescaleType = "BQML"
        _private_block(ds, vend, study.patient)
        number = i + 1
        ds.SOPInstanceUID = synthetic_uid(ds.SeriesInstanceUID, number)
        ds.InstanceNumber = number
        _geometry(ds, "axial", i, rows, columns, pixel_spacing, spacing, -300.0)
        bq_per_ml = _pet_activity(rows, columns, i / max(n_slices - 1, 1), dose_at_scan, weight_g, rng)
        slope = float(bq_per_ml.max()) / 32767.0 or 1.0
        ds.RescaleSlope = f"{slope:.6g}"
        ds.PixelData = np.round(bq_per_ml / float(ds.RescaleSlope)).astype(np.int16).tobytes()
        out.append(ds)
    return out


def _pet_acquisition(ds: Dataset, n_slices: int, spacing: float) -> None:
    """The PET Series, PET Image and patient orientation attributes of a static FDG slice."""
    ds.SeriesType = ["WHOLE BODY", "IMAGE"]
    ds.Units = "BQML"
    ds.CountsSource = "EMISSION"
    ds.NumberOfSlices = n_slices
    ds.DecayCorrection = "START"
    ds.CorrectedImage = ["DECY", "ATTN", "SCAT", "DTIM", "RAN", "NORM"]
    ds.ReconstructionMethod = "OSEM 3i21s"
    ds.RandomsCorrectionMethod = "DLYD"
    ds.AttenuationCorrectionMethod = "CT-derived mu-map"
    ds.ScatterCorrectionMethod = "Model-based"
    ds.DecayFactor = "1.0592"
    ds.DoseCalibrationFactor = "1"
    ds.FrameReferenceTime = "0"
    ds.ActualFrameDuration = 180000
    ds.SliceThickness = f"{spacing:g}"
    del ds.PatientPosition  # not allowed with PatientOrientationCodeSequence
    ds.CollimatorType = "NONE"
    orientation = _code("102538003", "SCT", "recumbent")
    orientation.PatientOrientationModifierCodeSequence = DicomSequence(
        [_code("40199007", "SCT", "supine")]
    )
    ds.PatientOrientationCodeSequence = DicomSequence([orientation])
    ds.PatientGantryRelationshipCodeSequence = DicomSequence(
        [_code("102540008", "SCT", "headfirst")]
    )


def _fdg_injection(study_date: str, injection_time: str, injected_dose_bq: float) -> Dataset:
    """The Radiopharmaceutical Information item of an FDG injection (what SUVbw needs)."""
    rp = Dataset()
    rp.Radiopharmaceutical = "Fluorodeoxyglucose"
    rp.RadiopharmaceuticalStartTime = injection_time
    rp.RadiopharmaceuticalStartDateTime = f"{study_date}{injection_time}"
    rp.RadionuclideTotalDose = f"{injected_dose_bq:.6g}"
    rp.RadionuclideHalfLife = "6586.2"
    rp.RadionuclidePositronFraction = "0.9673"
    rp.RadiopharmaceuticalRoute = "Intravenous route"
    rp.RadionuclideCodeSequence = DicomSequence([_code("77004003", "SCT", "^18^Fluorine")])
    rp.RadiopharmaceuticalCodeSequence = DicomSequence(
        [_code("35321007", "SCT", "Fluorodeoxyglucose F^18^")]
    )
    return rp


def _pet_activity(rows: int, columns: int, position: float, dose_at_scan: float, weight_g: float,
                  rng: np.random.Generator) -> np.ndarray:
    """Activity concentration (Bq/ml) of one slice: body SUV 1, a lesion of SUV ~15, noise."""
    body = _body(rows, columns, position, "body")
    x, y = _grid(rows, columns)
    hot = 14.0 * np.exp(-(((x - 0.2) ** 2 + (y + 0.1) ** 2) / 0.01))  # a lesion, SUV ~ 15
    suv = np.where(body > 0.05, 1.0 + hot, 0.1 * body)
    bq_per_ml = suv * dose_at_scan / weight_g + rng.normal(0, 150, size=suv.shape)
    return np.clip(bq_per_ml, 0, None)


# --------------------------------------------------------------------------------------
# US
# --------------------------------------------------------------------------------------


def us_image(
    study: Study,
    *,
    series_number: int = 1,
    instance_number: int = 1,
    description: str = "Abdomen",
    burned_in_annotation: str | None = "YES",
    rows: int = 48,
    columns: int = 64,
    seed: int = 0,
    vendor: str | None = None,
    series_time: str = "111045",
) -> Dataset:
    """A single-frame RGB ultrasound image (Ultrasound Image Storage).

    ``burned_in_annotation`` is "YES", "NO" or ``None`` (attribute absent, as in many real
    files). With "YES" the top rows carry a bright text-like banner, as scanners burn in.
    """
    vend = VENDORS[vendor or study.site.vendor]
    rng = np.random.default_rng([seed, series_number, instance_number, 4])
    ds = Dataset()
    ds.file_meta = _file_meta(US_IMAGE_STORAGE, "")
    ds.ImageType = ["ORIGINAL", "PRIMARY", "ABDOMINAL", "0001"]
    ds.InstanceCreationDate = study.date
    ds.InstanceCreationTime = series_time
    _series_common(ds, study, modality="US", sop_class=US_IMAGE_STORAGE,
                   series_number=series_number, description=description,
                   protocol="ABDOMEN GENERAL", manufacturer=vend.us_manufacturer,
                   model=vend.us_model, software="1.8.2", series_time=series_time)
    ds.PatientOrientation = ""
    ds.TransducerData = "C5-1"
    ds.ProcessingFunction = "Abdomen General"
    ds.ImageComments = _image_comment(study)
    if burned_in_annotation is not None:
        ds.BurnedInAnnotation = burned_in_annotation
    ds.SamplesPerPixel = 3
    ds.PhotometricInterpretation = "RGB"
    ds.PlanarConfiguration = 0
    ds.Rows, ds.Columns = rows, columns
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 8, 8, 7, 0
    ds.SequenceOfUltrasoundRegions = DicomSequence([_us_region(rows, columns)])
    ds.SOPInstanceUID = synthetic_uid(ds.SeriesInstanceUID, instance_number)
    ds.InstanceNumber = instance_number
    x, y = _grid(rows, columns)
    radius = np.sqrt(x**2 + (y + 1.0) ** 2)
    angle = np.arctan2(x, y + 1.0)
    sector = (radius < 1.9) & (radius > 0.25) & (np.abs(angle) < 0.6)
    speckle = rng.gamma(2.0, 35.0, size=(rows, columns))
    gray = np.where(sector, np.clip(speckle, 0, 255), 0).astype(np.uint8)
    rgb = np.repeat(gray[:, :, None], 3, axis=2)
    if burned_in_annotation == "YES":
        rgb[1:4, 2 : columns - 2 : 3, :] = 255  # a banner of "characters" in the top rows
    ds.PixelData = rgb.tobytes()
    _private_block(ds, vend, study.patient)
    return ds


def _us_region(rows: int, columns: int) -> Dataset:
    r = Dataset()
    r.RegionSpatialFormat = 1
    r.RegionDataType = 1
    r.RegionFlags = 2
    r.RegionLocationMinX0 = 0
    r.RegionLocationMinY0 = 0
    r.RegionLocationMaxX1 = columns - 1
    r.RegionLocationMaxY1 = rows - 1
    r.PhysicalUnitsXDirection = 3
    r.PhysicalUnitsYDirection = 3
    r.PhysicalDeltaX = 0.05
    r.PhysicalDeltaY = 0.05
    return r


# --------------------------------------------------------------------------------------
# SR
# --------------------------------------------------------------------------------------


def sr_document(
    study: Study,
    *,
    series_number: int = 99,
    description: str = "Informe",
    text: str | None = None,
    vendor: str | None = None,
    series_time: str = "120000",
    evidence: Sequence[Dataset] = (),
) -> Dataset:
    """A Comprehensive SR with one TEXT content item (a report finding).

    The default ``text`` is a realistic report sentence that also contains the patient's
    name (other order and case), MRN, birth date and phone numbers — planted for no-leak
    tests. ``evidence`` datasets are listed in CurrentRequestedProcedureEvidenceSequence.
    """
    vend = VENDORS[vendor or study.site.vendor]
    p = study.patient
    if text is None:
        text = (
            f"Patient {p.text_name_reversed} (MRN {p.mrn}, born {p.text_birth_date}) "
            f"seen by {p.text_name}. No focal lesion. Callback {p.phone} or {study.site.phone}."
        )
    ds = Dataset()
    ds.file_meta = _file_meta(COMPREHENSIVE_SR_STORAGE, "")
    ds.InstanceCreationDate = study.date
    ds.InstanceCreationTime = series_time
    _series_common(ds, study, modality="SR", sop_class=COMPREHENSIVE_SR_STORAGE,
                   series_number=series_number, description=description,
                   protocol="REPORT", manufacturer=vend.manufacturer,
                   model="Reporting", software="RIS 4.2", series_time=series_time)
    del ds.BodyPartExamined
    del ds.PatientPosition
    ds.SOPInstanceUID = synthetic_uid(ds.SeriesInstanceUID, 1)
    ds.InstanceNumber = 1
    ds.ValueType = "CONTAINER"
    ds.ConceptNameCodeSequence = DicomSequence([_code("18748-4", "LN", "Diagnostic imaging report")])
    ds.ContinuityOfContent = "SEPARATE"
    ds.CompletionFlag = "COMPLETE"
    ds.VerificationFlag = "UNVERIFIED"
    tmpl = Dataset()
    tmpl.MappingResource = "DCMR"
    tmpl.TemplateIdentifier = "2000"
    ds.ContentTemplateSequence = DicomSequence([tmpl])
    item = Dataset()
    item.RelationshipType = "CONTAINS"
    item.ValueType = "TEXT"
    item.ConceptNameCodeSequence = DicomSequence([_code("121071", "DCM", "Finding")])
    item.TextValue = text
    ds.ContentSequence = DicomSequence([item])
    if evidence:
        ds.CurrentRequestedProcedureEvidenceSequence = _evidence(study, evidence)
    ds.PerformedProcedureCodeSequence = DicomSequence()
    ds.ReferencedPerformedProcedureStepSequence = DicomSequence()
    return ds


def _evidence(study: Study, datasets: Sequence[Dataset]) -> DicomSequence:
    by_series: dict[str, list[Dataset]] = {}
    for d in datasets:
        by_series.setdefault(d.SeriesInstanceUID, []).append(d)
    series_items = []
    for series_uid, items in by_series.items():
        s = Dataset()
        s.SeriesInstanceUID = series_uid
        refs = []
        for d in items:
            r = Dataset()
            r.ReferencedSOPClassUID = d.SOPClassUID
            r.ReferencedSOPInstanceUID = d.SOPInstanceUID
            refs.append(r)
        s.ReferencedSOPSequence = DicomSequence(refs)
        series_items.append(s)
    st = Dataset()
    st.StudyInstanceUID = study.uid
    st.ReferencedSeriesSequence = DicomSequence(series_items)
    return DicomSequence([st])


# --------------------------------------------------------------------------------------
# RTSTRUCT
# --------------------------------------------------------------------------------------


def rtstruct(
    study: Study,
    ct: Sequence[Dataset],
    *,
    series_number: int = 90,
    description: str = "RTSTRUCT",
    algorithms: Sequence[str] = ("MANUAL", "SEMIAUTOMATIC", "AUTOMATIC"),
    vendor: str | None = None,
    series_time: str = "130000",
) -> Dataset:
    """An RT Structure Set referencing the CT series ``ct`` (one closed contour per slice).

    One ROI per entry of ``algorithms`` (ROIGenerationAlgorithm MANUAL / SEMIAUTOMATIC /
    AUTOMATIC); ROIInterpreter is the site's performing physician (a PN — planted).
    """
    vend = VENDORS[vendor or study.site.vendor]
    ds = Dataset()
    ds.file_meta = _file_meta(RT_STRUCTURE_SET_STORAGE, "")
    ds.InstanceCreationDate = study.date
    ds.InstanceCreationTime = series_time
    _series_common(ds, study, modality="RTSTRUCT", sop_class=RT_STRUCTURE_SET_STORAGE,
                   series_number=series_number, description=description,
                   protocol="RT PLANNING", manufacturer=vend.manufacturer,
                   model="Contouring", software="RTS 3.1", series_time=series_time)
    del ds.PatientPosition
    ds.SOPInstanceUID = synthetic_uid(ds.SeriesInstanceUID, 1)
    ds.InstanceNumber = 1
    ds.FrameOfReferenceUID = ct[0].FrameOfReferenceUID
    ds.PositionReferenceIndicator = ""
    ds.StructureSetLabel = "Thorax"
    ds.StructureSetName = "THORAX_OAR"
    ds.StructureSetDate = study.date
    ds.StructureSetTime = series_time
    for_uid = ct[0].FrameOfReferenceUID
    contour_images = []
    for s in ct:
        c = Dataset()
        c.ReferencedSOPClassUID = s.SOPClassUID
        c.ReferencedSOPInstanceUID = s.SOPInstanceUID
        contour_images.append(c)
    rt_series = Dataset()
    rt_series.SeriesInstanceUID = ct[0].SeriesInstanceUID
    rt_series.ContourImageSequence = DicomSequence(copy.deepcopy(contour_images))
    rt_study = Dataset()
    rt_study.ReferencedSOPClassUID = "1.2.840.10008.3.1.2.3.1"  # Detached Study Management
    rt_study.ReferencedSOPInstanceUID = ct[0].StudyInstanceUID
    rt_study.RTReferencedSeriesSequence = DicomSequence([rt_series])
    ref_for = Dataset()
    ref_for.FrameOfReferenceUID = for_uid
    ref_for.RTReferencedStudySequence = DicomSequence([rt_study])
    ds.ReferencedFrameOfReferenceSequence = DicomSequence([ref_for])

    names = ("Lung_L", "Lung_R", "SpinalCord", "Heart", "Esophagus")
    colours = ([0, 128, 255], [255, 128, 0], [0, 255, 0], [255, 0, 0], [128, 0, 255])
    centres = ((-0.38, -0.05, 0.2), (0.38, -0.05, 0.2), (0.0, 0.38, 0.08), (0.05, -0.1, 0.15), (0.0, 0.2, 0.05))
    roi_items, contour_items, obs_items = [], [], []
    for n, algorithm in enumerate(algorithms, start=1):
        name = names[(n - 1) % len(names)]
        roi = Dataset()
        roi.ROINumber = n
        roi.ReferencedFrameOfReferenceUID = for_uid
        roi.ROIName = name
        roi.ROIGenerationAlgorithm = algorithm
        if algorithm != "MANUAL":
            roi.ROIGenerationDescription = f"{'AutoContour' if algorithm == 'AUTOMATIC' else 'SmartBrush'} 2.3"
        roi_items.append(roi)
        contours = []
        cx, cy, r = centres[(n - 1) % len(centres)]
        for s, ref in zip(ct, contour_images, strict=True):
            spacing = float(s.PixelSpacing[0])
            half = s.Columns * spacing / 2
            z = float(s.ImagePositionPatient[2])
            pts = []
            for k in range(8):
                a = 2 * np.pi * k / 8
                pts += [round(cx * half + r * half * np.cos(a), 2), round(cy * half + r * half * np.sin(a), 2), z]
            c = Dataset()
            c.ContourImageSequence = DicomSequence([copy.deepcopy(ref)])
            c.ContourGeometricType = "CLOSED_PLANAR"
            c.NumberOfContourPoints = 8
            c.ContourData = [f"{v:g}" for v in pts]
            contours.append(c)
        rc = Dataset()
        rc.ROIDisplayColor = colours[(n - 1) % len(colours)]
        rc.ContourSequence = DicomSequence(contours)
        rc.ReferencedROINumber = n
        contour_items.append(rc)
        obs = Dataset()
        obs.ObservationNumber = n
        obs.ReferencedROINumber = n
        obs.RTROIInterpretedType = "ORGAN"
        obs.ROIInterpreter = study.site.performing_physician
        obs_items.append(obs)
    ds.StructureSetROISequence = DicomSequence(roi_items)
    ds.ROIContourSequence = DicomSequence(contour_items)
    ds.RTROIObservationsSequence = DicomSequence(obs_items)
    ds.ApprovalStatus = "UNAPPROVED"
    return ds


# --------------------------------------------------------------------------------------
# SEG (highdicom)
# --------------------------------------------------------------------------------------


def segmentation(
    study: Study,
    ct: Sequence[Dataset],
    *,
    algorithm_type: str = "AUTOMATIC",
    series_number: int = 91,
    description: str = "Lung segmentation",
    algorithm_name: str = "LungNet",
    algorithm_version: str = "2.1.0",
    vendor: str | None = None,
    series_time: str = "131500",
) -> Dataset:
    """A binary DICOM SEG (highdicom) of both lungs on the CT series ``ct``.

    ``algorithm_type`` MANUAL, SEMIAUTOMATIC or AUTOMATIC; the latter two carry
    SegmentAlgorithmName and SegmentationAlgorithmIdentificationSequence (name, family
    "Artificial Intelligence", version). Deterministic: highdicom's wall-clock creation
    timestamps and random dimension-organization UID are replaced by fixed values.
    """
    import highdicom as hd
    from pydicom.sr.codedict import codes

    vend = VENDORS[vendor or study.site.vendor]
    source = sorted(ct, key=lambda d: int(d.InstanceNumber))
    rows, columns = int(source[0].Rows), int(source[0].Columns)
    masks = np.stack(
        [_body(rows, columns, i / max(len(source) - 1, 1), "body") for i in range(len(source))]
    )
    mask = (masks > 0.0) & (masks < 0.1)
    algorithm = None
    if algorithm_type != "MANUAL":
        algorithm = hd.AlgorithmIdentificationSequence(
            name=algorithm_name,
            family=codes.cid7162.ArtificialIntelligence,
            version=algorithm_version,
            source="curator synthetic",
        )
    description_item = hd.seg.SegmentDescription(
        segment_number=1,
        segment_label="Lungs",
        segmented_property_category=codes.SCT.Organ,
        segmented_property_type=codes.SCT.Lung,
        algorithm_type=algorithm_type,
        algorithm_identification=algorithm,
        tracking_uid=synthetic_uid(study.uid, "tracking", series_number),
        tracking_id="Lungs",
    )
    series_uid = study.series_uid(series_number)
    seg = hd.seg.Segmentation(
        source_images=source,
        pixel_array=mask,
        segmentation_type=hd.seg.SegmentationTypeValues.BINARY,
        segment_descriptions=[description_item],
        series_instance_uid=series_uid,
        series_number=series_number,
        sop_instance_uid=synthetic_uid(series_uid, 1),
        instance_number=1,
        manufacturer=vend.manufacturer,
        manufacturer_model_name=f"{algorithm_name if algorithm else 'Manual'} workstation",
        software_versions=algorithm_version,
        device_serial_number=study.site.device_serial,
        content_description=description,
        content_creator_name=study.site.operator,
        content_label="LUNGS",
        omit_empty_frames=False,
    )
    seg.SeriesDescription = description
    seg.InstanceCreationDate = DA(study.date)  # DA/TM keep the string they are given
    seg.InstanceCreationTime = TM(series_time)
    seg.ContentDate = DA(study.date)
    seg.ContentTime = TM(series_time)
    seg.SeriesDate = DA(study.date)
    seg.SeriesTime = TM(series_time)
    seg.InstitutionName = study.site.institution_name
    seg.InstitutionAddress = study.site.institution_address
    seg.StationName = study.site.station_name
    seg.OperatorsName = study.site.operator
    for item in seg.get("ContributingEquipmentSequence", []):
        if "ContributionDateTime" in item:
            item.ContributionDateTime = f"{study.date}{series_time}"
    _fix_random_uids(seg)
    seg.file_meta.ImplementationClassUID = UID(IMPLEMENTATION_CLASS_UID)
    seg.file_meta.ImplementationVersionName = IMPLEMENTATION_VERSION_NAME
    return seg


def _fix_random_uids(seg: Dataset) -> None:
    """Replace highdicom's random DimensionOrganizationUID by a derived one, everywhere."""
    random_uids = {item.DimensionOrganizationUID for item in seg.get("DimensionOrganizationSequence", [])}
    mapping = {u: synthetic_uid(seg.SOPInstanceUID, "dimension-organization", i)
               for i, u in enumerate(sorted(random_uids))}

    def fix(ds: Dataset, elem: object) -> None:
        if getattr(elem, "VR", None) == "UI" and getattr(elem, "value", None) in mapping:
            elem.value = mapping[elem.value]  # type: ignore[attr-defined]

    seg.walk(fix)


# --- an archive of four sites for the access tiers and patient identity ---------------

_TIER_AGES = (7, 16, 23, 29, 34, 38, 41, 45, 47, 52, 55, 58, 61, 63, 66, 68, 71, 74, 77, 82, 86, 91, 94, 97)
_TIER_ETHNIC = ("WHITE", "WHITE", "ASIAN", "WHITE", "BLACK", None)


def tier_patients() -> tuple[Patient, ...]:
    """24 fake patients (aged about 7 to 97 on 2019-03-14) for :func:`write_tier_archive`.

    Every fourth has no PatientAge (to be derived from the birth date); sex alternates
    F/M; ethnic groups vary and are sometimes absent.
    """
    out = []
    for n, age in enumerate(_TIER_AGES, start=1):
        birth = f"{2019 - age - (n % 2)}{(n % 12) + 1:02d}{(n % 27) + 1:02d}"  # odd n: birthday after 14 March
        out.append(_patient(
            200 + n, f"ZZTIER{n:02d}", ("Ada", "Bo", "Cai", "Dag", "Eir", "Fen")[n % 6], "Quill", birth,
            "F" if (n - 1) // 4 % 2 == 0 else "M", None if n % 4 == 0 else f"{_age_at(birth, '20190314'):03d}Y", f"{1.5 + n / 100:.2f}", f"{50 + n}",
            _TIER_ETHNIC[n % len(_TIER_ETHNIC)],
        ))
    return tuple(out)


def write_tier_archive(root: str | Path) -> dict[str, object]:
    """A 24-patient, four-site archive (CT, MR, SR, RTSTRUCT) written under ``root/site-x/``.

    33 studies: every patient has one (2019-03-14), every third and the first a second
    (2021-06-02).  SR documents lack IssuerOfPatientID; RTSTRUCTs carry another issuer;
    one CT slice of the first study of patient 5 names patient 6 (a genuine PatientID
    conflict, the study's majority is patient 5).  Returns the truth: per patient key its
    site, sex, ethnic group and age per study UID, and the counts.
    """
    root = Path(root)
    truth: dict[str, Any] = {"patients": {}, "studies": 0, "instances": 0, "conflict_study": None}
    patients = tier_patients()
    for n, patient in enumerate(patients, start=1):
        site = SITES[(n - 1) % 4]
        dates = ["20190314"] + (["20210602"] if n % 3 == 0 or n == 1 else [])
        info: dict[str, Any] = {"site": site.key, "sex": patient.sex, "ethnic_group": patient.ethnic_group, "ages": {}}
        for number, date in enumerate(dates, start=1):
            at_study = dataclasses.replace(patient, age=patient.age and f"{_age_at(patient.birth_date, date):03d}Y")
            study = Study(site=site, patient=at_study, number=number, description="Estudio", date=date)
            info["ages"][study.uid] = _age_at(patient.birth_date, date)
            folder = root / site.key / patient.key / f"s{number}"
            datasets = _tier_study(study, n, number, patients)
            for i, ds in enumerate(datasets):
                write_dataset(ds, folder / f"{i:03d}.dcm")
            truth["studies"] = int(truth["studies"]) + 1
            truth["instances"] = int(truth["instances"]) + len(datasets)
            if n == 5 and number == 1:
                truth["conflict_study"] = study.uid
        truth["patients"][patient.patient_id] = info
    return truth


def _age_at(birth: str, date: str) -> int:
    years = int(date[:4]) - int(birth[:4])
    return years - ((date[4:8]) < birth[4:8])


def _tier_study(study: Study, n: int, number: int, patients: Sequence[Patient]) -> list[Dataset]:
    """The instances of one study of :func:`write_tier_archive`."""
    ct = (n + number) % 2 == 0
    seed = n * 10 + number
    if ct:
        images = ct_series(study, 3, rows=32, columns=32, seed=seed, series_time="093512")
    else:
        images = mr_series(study, 3, rows=32, columns=32, seed=seed, series_number=2)
    out = list(images)
    if (n + number) % 3 == 0:
        sr = sr_document(study, evidence=images[:1], text="Sin hallazgos relevantes.")
        del sr.IssuerOfPatientID  # written by another system
        out.append(sr)
    if ct and n % 4 == 1:
        rt = rtstruct(study, images, algorithms=("MANUAL",))
        rt.IssuerOfPatientID = "ZZOTHERSYS"
        out.append(rt)
    if n == 5 and number == 1:  # a mislabelled slice: another patient's identity
        other = patients[5]
        out[-1 if not ct else 2].PatientID = other.patient_id
        out[-1 if not ct else 2].PatientName = other.name
        out[-1 if not ct else 2].PatientBirthDate = other.birth_date
    return out
