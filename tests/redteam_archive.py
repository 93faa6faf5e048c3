"""A hospital export with planted identifiers (red team, round 4): pydicom, numpy and Pillow
only; no code shared with curator, ``curator/testing/planted.py``, ``tests/adversarial*.py``
or ``tests/hostile.py``.

Four sites, four vendors, as their PACS exports look:

- ``ULLEVAL_GE_EXPORT``: GE CT, ISO_IR 100 and ISO_IR 192, a DICOMDIR, a referral PDF,
  folders named after the patient (``TVEITEREID_INGVILD_19581102``);
- ``KITA_CANON``: Canon (TOSHIBA private groups) MR, ISO 2022 IR 87 Japanese with
  alphabetic=ideographic=phonetic names, and GB18030 Chinese; folders in kanji;
- ``SPB_SIEMENS``: Siemens MR with a CSA header, ISO_IR 144 Cyrillic and ISO_IR 126 Greek;
  one patient of Oslo seen again here under another ID (accents stripped, upper case);
- ``rambam_export.zip``: Philips CT and US (implicit VR, private sequences become UN),
  ISO_IR 138 Hebrew and ISO_IR 127 Arabic; member names hold names and IDs.

Identifiers are planted in headers, private groups and private sequences, free text of every
kind (StudyDescription, ImageComments, RequestAttributesSequence, AdditionalPatientHistory,
ReasonForStudy, SR content trees, overlay descriptions, SEG descriptions, code meanings),
folder, file and member names, and burned into the pixels of US and SC images. Names come in
every form: DICOM PN with ^ and = groups, "SURNAME, Given", initials, upper case, accents kept
and stripped, transliterations. Dates in ten written formats. Demographics present or missing;
some patients lack Issuer of Patient ID (and one SR of a study that has it lacks it).

``write_export(root)`` returns an :class:`Export` (the planted tokens and the item count);
``find_tokens`` searches any outputs for them as raw bytes in every encoding, folded.
"""
from __future__ import annotations

import io
import os
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.sequence import Sequence
from pydicom.uid import ExplicitVRLittleEndian, ImplicitVRLittleEndian

UID_ROOT = "1.2.826.0.1.3680043.10.771."
CT, MR, SR, SEG, US, SC = ("1.2.840.10008.5.1.4.1.1.2", "1.2.840.10008.5.1.4.1.1.4",
                           "1.2.840.10008.5.1.4.1.1.88.33", "1.2.840.10008.5.1.4.1.1.66.4",
                           "1.2.840.10008.5.1.4.1.1.6.1", "1.2.840.10008.5.1.4.1.1.7")
CODECS = {"ISO_IR 100": "latin_1", "ISO_IR 192": "utf_8", "ISO 2022 IR 87": "iso2022_jp",
          "GB18030": "gb18030", "ISO_IR 144": "iso8859_5", "ISO_IR 126": "iso8859_7",
          "ISO_IR 138": "iso8859_8", "ISO_IR 127": "iso8859_6"}


@dataclass(frozen=True)
class Token:
    """One planted string; ``where`` says where it was put (for the report)."""

    text: str
    kind: str
    where: str


@dataclass
class Export:
    root: Path
    tokens: list[Token] = field(default_factory=list)
    items: int = 0           # files + zip members curator must account for
    dicom_items: int = 0     # of which DICOM instances (DICOMDIR included)
    patients: dict = field(default_factory=dict)

    def plant(self, kind: str, where: str, *texts: str) -> None:
        for text in texts:
            if text and all(t.text != text for t in self.tokens):
                self.tokens.append(Token(text, kind, where))


@dataclass(frozen=True)
class Patient:
    key: str
    site: str
    charset: str                 # DICOM Specific Character Set (first component decides the codec)
    pn: str                      # Patient's Name as written in the header
    family: tuple[str, ...]      # every spelling of the family name used somewhere
    given: tuple[str, ...]
    pid: str
    issuer: str | None
    accession: str
    birth: str                   # YYYYMMDD
    sex: str
    age: str | None
    size: str | None
    weight: str | None
    ethnic: str | None
    street: str
    phone: str
    other_id: str
    kin: str                     # next of kin (a person nobody's header names as patient)
    staff: str                   # a physician named in free text only
    text: str                    # a sentence in the site's language with the patient's script name


PATIENTS = (
    Patient("P1", "ULLEVAL_GE_EXPORT", "ISO_IR 100", "Tveitereid^Ingvild Åsne",
            ("Tveitereid", "TVEITEREID"), ("Ingvild", "Åsne", "Asne"), "UL11873020", "ULLEVAL_HF",
            "ULL24R031877", "19581102", "F", "065Y", "1.68", "72", "Nordic", "Sognsvannsveien",
            "+47 22 11 87 40", "02115834512", "Eirik Tveitereid", "Fjellheim",
            "Pasient Tveitereid, Ingvild Åsne, født 2. november 1958, bor Sognsvannsveien 23"),
    Patient("P2", "ULLEVAL_GE_EXPORT", "ISO_IR 100", "KVALSVIK^TORBJØRN",
            ("Kvalsvik", "KVALSVIK"), ("Torbjørn", "Torbjorn", "TORBJORN"), "UL55021877", None,
            "ULL24R032210", "19470615", "M", None, None, "81.5", None, "Tåsenveien",
            "915 55 018", "15064711223", "Gunnhild Kvalsvik", "Brekkestø",
            "Kvalsvik T. (f. 15.06.47) henvist fra fastlege Brekkestø"),
    Patient("P3", "ULLEVAL_GE_EXPORT", "ISO_IR 192", "Desrochers-Beaulieu^Maëlys",
            ("Desrochers", "Beaulieu"), ("Maëlys", "Maelys", "MAELYS"), "UL90417730", "ULLEVAL_HF",
            "ULL24R033051", "19850129", "F", "039Y", "1.62", "58", "Caucasian", "Bygdøy allé",
            "+33 6 12 44 58 90", "1850129443817", "Ludovic Desrochers", "Marchetti",
            "Mme DESROCHERS-BEAULIEU Maëlys, née le 29 janvier 1985, vue par Dr Marchetti"),
    Patient("P4", "KITA_CANON", "ISO 2022 IR 87", "Yamamoto^Hanako=山本^花子=やまもと^はなこ",
            ("Yamamoto", "YAMAMOTO", "山本", "やまもと", "ヤマモト"), ("Hanako", "花子", "はなこ"),
            "0008912345", "KITA-HOSP", "KT2403140077", "19330304", "F", "091Y", "1.49", "44",
            "Japanese", "Oji-honcho", "03-3908-1127", "JP-MN-553820194", "山本太一", "黒柳",
            "山本花子様 昭和8年3月4日生 1933年3月4日 担当 黒柳"),
    # no alphabetic group: the Latin spelling in folders and text comes from the kana
    Patient("P10", "KITA_CANON", "ISO 2022 IR 87", "=佐藤^健一=さとう^けんいち",
            ("Satoh", "SATO", "佐藤", "さとう"), ("Kenichi", "KENICHI", "健一", "けんいち"), "0008977120",
            "KITA-HOSP", "KT2403141102", "19440921", "M", "079Y", "1.66", "63", "Japanese", "Takinogawa",
            "03-3910-5521", "JP-MN-771045263", "佐藤美咲", "Kuroyanagi",
            "佐藤健一様 1944年9月21日生 さとう けんいち"),
    Patient("P5", "KITA_CANON", "GB18030", "Ouyang^Xiuying=欧阳^秀英",
            ("Ouyang", "OUYANG", "欧阳"), ("Xiuying", "秀英"), "SH2024000781", None,
            "KT2403150912", "19700808", "F", "054Y", None, None, None, "Huaihai",
            "021-6438-7750", "310104197008084421", "欧阳建国", "诸葛",
            "欧阳秀英 女 1970年8月8日出生 病案号 SH2024000781 主治医师 诸葛"),
    Patient("P6", "SPB_SIEMENS", "ISO_IR 144", "Пономарёва^Ангелина^Викторовна",
            ("Пономарёва", "Пономарева", "Ponomaryova", "Ponomareva", "PONOMAREVA"),
            ("Ангелина", "Angelina", "Викторовна", "Viktorovna"), "SPB33012789", "MARIINSKAYA",
            "SPB24-0091772", "19620219", "F", "062Y", None, "70", None, "Литейный",
            "8 (812) 275-73-19", "4006 512877", "Пономарёв Игорь", "Белозерская",
            "Пономарёва А.В., 19.02.1962 г.р., 19 февраля 1962 года, врач Белозерская"),
    Patient("P7", "SPB_SIEMENS", "ISO_IR 126", "Χατζηγεωργίου^Ευανθία",
            ("Χατζηγεωργίου", "Chatzigeorgiou", "Hatzigeorgiou", "CHATZIGEORGIOU"),
            ("Ευανθία", "Evanthia", "Eyanthia"), "GR44150926", None, "SPB24-0091805",
            "19780912", "F", None, "1.71", None, "Greek", "Τσιμισκή", "2310 555 019",
            "AK4471923", "Χατζηγεωργίου Νίκος", "Παπαδόπουλος",
            "Χατζηγεωργίου Ευανθία, γεν. 12/09/1978, 12 Σεπτεμβρίου 1978, ιατρός Παπαδόπουλος"),
    Patient("P8", "rambam_export", "ISO_IR 138", "בן-שושן^אביטל",
            ("בן-שושן", "Ben-Shushan", "BEN SHUSHAN", "Benshushan"), ("אביטל", "Avital", "AVITAL"),
            "RMB09122771", "RAMBAM", "RB240314-5521", "19900517", "F", "034Y", "1.65", "61",
            "Jewish", "Derech HaAtsmaut", "04-777-3312", "038441297", "Yossi Ben-Shushan",
            "Abulafia", "בן-שושן אביטל ת.ז. 038441297 נולדה 17.05.1990"),
    Patient("P9", "rambam_export", "ISO_IR 127", "الحربي^نورة",
            ("الحربي", "Al-Harbi", "ALHARBI", "Alharbi"), ("نورة", "Noura", "Nourah"),
            "RMB06551039", None, "RB240316-5530", "19551230", "F", "068Y", None, "77",
            "Arab", "Wadi Nisnas", "052-418-9931", "029117654", "فاطمة الحربي", "Haddad",
            "الحربي نورة مواليد 30/12/1955 الطبيب حداد"),
)

# Oslo's P2 again in St Petersburg: another ID, accents stripped, upper case, another issuer.
P2_AT_SPB = dict(site="SPB_SIEMENS", charset="ISO_IR 100", pn="KVALSVIK^TORBJORN",
                 pid="SPB77881204", issuer="MARIINSKAYA", accession="SPB24-0092003", age="077Y")

VENDORS = {
    "ULLEVAL_GE_EXPORT": ("GE MEDICAL SYSTEMS", "Revolution CT", CT, "CT"),
    "KITA_CANON": ("CANON_MEC", "Vantage Orian", MR, "MR"),
    "SPB_SIEMENS": ("SIEMENS", "MAGNETOM Vida", MR, "MR"),
    "rambam_export": ("Philips", "IQon Spectral CT", CT, "CT"),
}

STAFF_PN = {"ULLEVAL_GE_EXPORT": "Haugland^Rune", "KITA_CANON": "Kuroyanagi^Sho",
            "SPB_SIEMENS": "Belozerskaya^Irina", "rambam_export": "Abulafia^Dalia"}

_counter = [0]


def _uid(tag: str) -> str:
    _counter[0] += 1
    return f"{UID_ROOT}{sum(map(ord, tag)) % 997}.{_counter[0]}"


def _dates(p: Patient) -> list[str]:
    """The patient's birth date in the written forms hospitals use."""
    y, m, d = p.birth[:4], p.birth[4:6], p.birth[6:]
    months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    mon = months[int(m) - 1]
    return [p.birth, f"{d}.{m}.{y}", f"{y}-{m}-{d}", f"{m}/{d}/{y}", f"{d}/{m}/{y}",
            f"{d}{mon.upper()}{y}", f"{int(d)} {mon} {y}", f"{y}/{m}/{d}", f"{d}.{m}.{y[2:]}"]


def _text_fields(p: Patient, fam: str, given: str, pn: str, pid: str, acc: str) -> dict[str, str]:
    dates = _dates(p)
    return {
        "StudyDescription": f"{VENDORS[p.site][3]} THORAX {fam.upper()} {given[0]}.",
        "ImageComments": f"{fam}, {given} MRN {pid} acc {acc} scanned 14/03/2024 09:32 by {p.staff}",
        "AdditionalPatientHistory": f"DOB {dates[1]}; lives {p.street} 23; tel {p.phone}; kin {p.kin}",
        "ReasonForStudy": f"follow-up {given} {fam} born {dates[5]} prior exam 2019-05-07",
        "PatientComments": f"{p.text} ({dates[3]})",
        "RequestedProcedureDescription": f"CT chest for {pn.split('=')[0].replace('^', ' ')} id {pid}",
        "ReasonForTheRequestedProcedure": f"{fam.upper()}, {given} {dates[6]} ref Dr {p.staff}",
        "SeriesDescription": f"AX T2 {fam[:1]}{given[:1]} {dates[4]}",
        "ProtocolName": f"CHEST_{fam.upper()}_{pid[-4:]}",
        "DerivationDescription": f"exported for {fam} {given} on {dates[7]}",
    }


def _file_meta(sop_class: str, sop_uid: str, syntax: str) -> FileMetaDataset:
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = sop_class
    meta.MediaStorageSOPInstanceUID = sop_uid
    meta.TransferSyntaxUID = syntax
    meta.ImplementationClassUID = UID_ROOT + "1"
    return meta


def _patient_module(ds: Dataset, p: Patient, pn: str, pid: str, issuer: str | None, age: str | None) -> None:
    ds.PatientName = pn
    ds.PatientID = pid
    if issuer:
        ds.IssuerOfPatientID = issuer
    ds.PatientBirthDate = p.birth
    ds.PatientBirthTime = "0715"
    ds.PatientSex = p.sex
    for keyword, value in (("PatientAge", age), ("PatientSize", p.size), ("PatientWeight", p.weight),
                           ("EthnicGroup", p.ethnic)):
        if value is not None:
            setattr(ds, keyword, value)
    ds.PatientAddress = f"{p.street} 23, {p.site[:4]}"
    ds.PatientTelephoneNumbers = p.phone
    ds.OtherPatientIDs = p.other_id
    other = Dataset()
    other.PatientID = p.other_id
    other.IssuerOfPatientID = "NATIONAL REGISTRY"
    other.TypeOfPatientID = "TEXT"
    ds.OtherPatientIDsSequence = Sequence([other])
    ds.PatientMotherBirthName = p.kin.split()[-1] + "^" + p.kin.split()[0]
    ds.ResponsiblePerson = p.kin.replace(" ", "^")
    ds.ResponsiblePersonRole = "SPOUSE"


def _study_module(ds: Dataset, p: Patient, pn: str, pid: str, acc: str, study_uid: str) -> None:
    ds.StudyInstanceUID = study_uid
    ds.StudyDate = ds.SeriesDate = ds.ContentDate = "20240314"
    ds.StudyTime = ds.SeriesTime = ds.ContentTime = "093200"
    ds.AcquisitionDateTime = "20240314093215.250000+0100"
    ds.AccessionNumber = acc
    issuer = Dataset()
    issuer.LocalNamespaceEntityID = f"RIS-{p.site[:3]}"
    ds.IssuerOfAccessionNumberSequence = Sequence([issuer])
    ds.StudyID = acc[-6:]
    ds.ReferringPhysicianName = STAFF_PN[p.site]
    ds.PerformingPhysicianName = STAFF_PN[p.site]
    ds.OperatorsName = "Opr^" + p.staff
    ds.NameOfPhysiciansReadingStudy = p.staff + "^MD"
    ds.InstitutionName = {"ULLEVAL_GE_EXPORT": "Oslo universitetssykehus Ulleval",
                          "KITA_CANON": "Kita Medical Center", "SPB_SIEMENS": "Mariinskaya",
                          "rambam_export": "Rambam"}[p.site]
    ds.InstitutionAddress = f"{p.street} 1"
    ds.StationName = f"CT-{p.staff[:6].upper()}-PC"
    ds.AdmissionID = "ADM" + pid[-6:]
    request = Dataset()
    texts = _text_fields(p, p.family[-1], p.given[-1], pn, pid, acc)
    request.RequestedProcedureID = "RP" + acc
    request.ScheduledProcedureStepID = "SPS" + pid
    request.RequestedProcedureDescription = texts["RequestedProcedureDescription"]
    request.ReasonForTheRequestedProcedure = texts["ReasonForTheRequestedProcedure"]
    request.AccessionNumber = acc
    ref = Dataset()
    ref.ReferencedSOPClassUID = "1.2.840.10008.3.1.2.3.1"
    ref.ReferencedSOPInstanceUID = study_uid
    request.ReferencedStudySequence = Sequence([ref])
    ds.RequestAttributesSequence = Sequence([request])
    code = Dataset()
    code.CodeValue = "CTCH" + pid[-3:]
    code.CodingSchemeDesignator = "99ULL"
    code.CodeMeaning = f"CT chest ({p.family[-1]}, {pid})"
    ds.ProcedureCodeSequence = Sequence([code])
    patient_ref = Dataset()
    patient_ref.ReferencedSOPClassUID = "1.2.840.10008.3.1.2.1.1"
    patient_ref.ReferencedSOPInstanceUID = UID_ROOT + str(int.from_bytes(pid.encode()[-6:], "big"))
    ds.ReferencedPatientSequence = Sequence([patient_ref])


def _private_groups(ds: Dataset, p: Patient, pn: str, pid: str) -> None:
    """Each vendor's private groups as their exports carry them: names, IDs and dates inside."""
    fam, given = p.family[-1], p.given[-1]
    if p.site == "ULLEVAL_GE_EXPORT":
        ds.private_block(0x0009, "GEMS_IDEN_01", create=True).add_new(0x02, "SH", f"{pid}")
        ds.private_block(0x0009, "GEMS_IDEN_01").add_new(0x04, "LO", f"{fam}^{given}")
        ds.private_block(0x0043, "GEMS_PARM_01", create=True).add_new(0x27, "SH", p.birth)
        ds.private_block(0x0025, "GEMS_SERS_01", create=True).add_new(0x1B, "OB", f"PAT {fam} {pid}\0".encode())
    elif p.site == "KITA_CANON":
        ds.private_block(0x7005, "TOSHIBA_MEC_CT3", create=True).add_new(0x08, "LO", f"{fam} {given}")
        ds.private_block(0x700D, "TOSHIBA_MEC_MR3", create=True).add_new(0x10, "LT", f"ID:{pid} DOB:{p.birth}")
    elif p.site == "SPB_SIEMENS":
        csa = b"SV10\4\3\2\1" + f"PatientName\0{fam.upper()}\0PatientID\0{pid}\0".encode("latin_1", "replace")
        ds.private_block(0x0029, "SIEMENS CSA HEADER", create=True).add_new(0x10, "OB", csa)
        ds.private_block(0x0019, "SIEMENS MR HEADER", create=True).add_new(0x0C, "LO", f"{given} {fam}")
    else:
        item = Dataset()
        item.PatientName = pn
        item.PatientID = pid
        item.StudyDate = "20240314"
        item.private_block(0x2005, "Philips MR Imaging DD 005", create=True).add_new(0x01, "LO", f"{fam} {p.birth}")
        block = ds.private_block(0x2001, "Philips Imaging DD 001", create=True)
        block.add_new(0x5F, "SQ", Sequence([item]))
        ds.private_block(0x2005, "Philips MR Imaging DD 001", create=True).add_new(0x14, "LO", f"{fam}, {given} {pid}")


def _image(p: Patient, ident: dict, series_uid: str, number: int, study_uid: str) -> Dataset:
    manufacturer, model, sop_class, modality = VENDORS[ident["site"]]
    sop = _uid(p.key + "img")
    syntax = ImplicitVRLittleEndian if ident["site"] == "rambam_export" else ExplicitVRLittleEndian
    ds = Dataset()
    ds.file_meta = _file_meta(sop_class, sop, syntax)
    ds.SpecificCharacterSet = _charset(ident["charset"])
    ds.ImageType = ["ORIGINAL", "PRIMARY", "AXIAL"]
    ds.SOPClassUID, ds.SOPInstanceUID, ds.Modality = sop_class, sop, modality
    ds.Manufacturer, ds.ManufacturerModelName = manufacturer, model
    ds.DeviceSerialNumber = "SN" + ident["pid"][-5:]
    ds.SoftwareVersions = "VA50A"
    _patient_module(ds, p, ident["pn"], ident["pid"], ident["issuer"], ident["age"])
    _study_module(ds, p, ident["pn"], ident["pid"], ident["accession"], study_uid)
    texts = _text_fields(p, p.family[number % len(p.family)], p.given[number % len(p.given)],
                         ident["pn"], ident["pid"], ident["accession"])
    for keyword in ("StudyDescription", "ImageComments", "AdditionalPatientHistory", "ReasonForStudy",
                    "PatientComments", "SeriesDescription", "ProtocolName", "DerivationDescription"):
        setattr(ds, keyword, texts[keyword])
    ds.BodyPartExamined = "CHEST"
    ds.SeriesInstanceUID, ds.SeriesNumber, ds.InstanceNumber = series_uid, 2, number
    ds.FrameOfReferenceUID = series_uid + ".1"
    ds.ImagePositionPatient, ds.ImageOrientationPatient = [0, 0, 5 * number], [1, 0, 0, 0, 1, 0]
    ds.PixelSpacing, ds.SliceThickness = [0.8, 0.8], 5
    ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
    ds.Rows = ds.Columns = 16
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 12, 11, 0
    if modality == "CT":
        ds.RescaleIntercept, ds.RescaleSlope, ds.KVP = -1024, 1, 120
    else:
        ds.MagneticFieldStrength, ds.RepetitionTime, ds.EchoTime = 3, 4000, 90
        ds.ScanningSequence, ds.SequenceVariant = "SE", "SK"
    ds.PixelData = (np.arange(256, dtype=np.uint16).reshape(16, 16) * (number + 3)).tobytes()
    # overlay plane 6000 with a label and a description naming the patient
    ds.add_new(0x60000010, "US", 16)
    ds.add_new(0x60000011, "US", 16)
    ds.add_new(0x60000040, "CS", "G")
    ds.add_new(0x60000050, "SS", [1, 1])
    ds.add_new(0x60000100, "US", 1)
    ds.add_new(0x60000102, "US", 0)
    ds.add_new(0x60000022, "LO", f"{p.family[-1]} {ident['pid']}")
    ds.add_new(0x60001500, "LO", p.family[0].upper())
    ds.add_new(0x60003000, "OW", bytes(32))
    _private_groups(ds, p, ident["pn"], ident["pid"])
    return ds


def _charset(charset: str) -> str | list[str]:
    return ["", "ISO 2022 IR 87"] if charset == "ISO 2022 IR 87" else charset


def _content_item(kind: str, code: tuple[str, str, str], **value) -> Dataset:
    item = Dataset()
    item.RelationshipType = "CONTAINS" if kind != "PNAME" else "HAS OBS CONTEXT"
    item.ValueType = kind
    concept = Dataset()
    concept.CodeValue, concept.CodingSchemeDesignator, concept.CodeMeaning = code
    item.ConceptNameCodeSequence = Sequence([concept])
    for keyword, v in value.items():
        setattr(item, keyword, v)
    return item


def _sr(p: Patient, ident: dict, study_uid: str, with_issuer: bool) -> Dataset:
    sop = _uid(p.key + "sr")
    ds = Dataset()
    ds.file_meta = _file_meta(SR, sop, ExplicitVRLittleEndian)
    ds.SpecificCharacterSet = _charset(ident["charset"])
    ds.SOPClassUID, ds.SOPInstanceUID, ds.Modality = SR, sop, "SR"
    ds.Manufacturer = VENDORS[ident["site"]][0]
    _patient_module(ds, p, ident["pn"], ident["pid"], ident["issuer"] if with_issuer else None, ident["age"])
    _study_module(ds, p, ident["pn"], ident["pid"], ident["accession"], study_uid)
    ds.SeriesInstanceUID, ds.SeriesNumber, ds.InstanceNumber = _uid(p.key + "srs"), 90, 1
    ds.SeriesDescription = f"Report {p.family[0]}"
    dates = _dates(p)
    ds.CompletionFlag, ds.VerificationFlag = "COMPLETE", "VERIFIED"
    observer = Dataset()
    observer.VerifyingObserverName = p.staff + "^Kari"
    observer.VerifyingOrganization = f"Radiology {p.staff}"
    observer.VerificationDateTime = "20240315101500"
    observer.VerifyingObserverIdentificationCodeSequence = Sequence()
    ds.VerifyingObserverSequence = Sequence([observer])
    request = Dataset()
    request.StudyInstanceUID = study_uid
    request.AccessionNumber = ident["accession"]
    request.PlacerOrderNumberImagingServiceRequest = "PO" + ident["pid"]
    request.FillerOrderNumberImagingServiceRequest = "FO" + ident["accession"]
    request.RequestedProcedureID = "RP" + ident["accession"]
    request.RequestedProcedureDescription = f"CT thorax {p.family[-1]} {dates[2]}"
    request.RequestedProcedureCodeSequence = Sequence()
    ds.ReferencedRequestSequence = Sequence([request])
    ds.PerformedProcedureCodeSequence = Sequence()
    ds.ValueType, ds.ContinuityOfContent = "CONTAINER", "SEPARATE"
    title = Dataset()
    title.CodeValue, title.CodingSchemeDesignator, title.CodeMeaning = "18748-4", "LN", "Diagnostic Imaging Report"
    ds.ConceptNameCodeSequence = Sequence([title])
    inner = _content_item("CONTAINER", ("121070", "DCM", "Findings"), ContinuityOfContent="SEPARATE")
    inner.ContentSequence = Sequence([
        _content_item("TEXT", ("121071", "DCM", "Finding"),
                      TextValue=f"{p.text}. Compared with CT {dates[8]}. Discussed with {p.kin} by phone {p.phone}."),
        _content_item("TEXT", ("121071", "DCM", "Finding"),
                      TextValue=f"Pt {p.family[-1].upper()} {p.given[-1]} (MRN {ident['pid']}, acc {ident['accession']})"),
        _content_item("DATE", ("111060", "DCM", "Study Date"), Date=p.birth),
        _content_item("PNAME", ("121008", "DCM", "Person Observer Name"), PersonName=ident["pn"]),
    ])
    ds.ContentSequence = Sequence([
        _content_item("PNAME", ("121008", "DCM", "Person Observer Name"), PersonName=STAFF_PN[ident["site"]]),
        _content_item("TEXT", ("121106", "DCM", "Comment"), TextValue=f"Dictated by Dr {p.staff}, {dates[0]}"),
        inner,
    ])
    return ds


def _seg(p: Patient, ident: dict, study_uid: str, image: Dataset) -> Dataset:
    sop = _uid(p.key + "seg")
    ds = Dataset()
    ds.file_meta = _file_meta(SEG, sop, ExplicitVRLittleEndian)
    ds.SpecificCharacterSet = _charset(ident["charset"])
    ds.SOPClassUID, ds.SOPInstanceUID, ds.Modality = SEG, sop, "SEG"
    ds.Manufacturer, ds.ManufacturerModelName, ds.SoftwareVersions = "3D Slicer", "Slicer", "5.6"
    ds.DeviceSerialNumber, ds.ImageType = "0", ["DERIVED", "PRIMARY"]
    _patient_module(ds, p, ident["pn"], ident["pid"], ident["issuer"], ident["age"])
    _study_module(ds, p, ident["pn"], ident["pid"], ident["accession"], study_uid)
    ds.SeriesInstanceUID, ds.SeriesNumber, ds.InstanceNumber = _uid(p.key + "segs"), 300, 1
    ds.SeriesDescription = f"Seg lesion {p.family[-1]}"
    ds.FrameOfReferenceUID = image.FrameOfReferenceUID
    ds.ContentLabel = "LESION"
    ds.ContentDescription = f"Contoured by {p.staff} for {p.family[-1]} {_dates(p)[1]}"
    ds.ContentCreatorName = p.staff + "^Rune"
    ds.SegmentationType = "BINARY"
    segment = Dataset()
    segment.SegmentNumber, segment.SegmentLabel, segment.SegmentAlgorithmType = 1, "Lesion", "MANUAL"
    segment.SegmentDescription = f"lesion of {p.given[-1]} {p.family[-1]}, MRN {ident['pid']}"
    for keyword, code in (("SegmentedPropertyCategoryCodeSequence", ("49755003", "SCT", "Morphologically Abnormal Structure")),
                          ("SegmentedPropertyTypeCodeSequence", ("108369006", "SCT", "Neoplasm"))):
        item = Dataset()
        item.CodeValue, item.CodingSchemeDesignator, item.CodeMeaning = code
        setattr(segment, keyword, Sequence([item]))
    ds.SegmentSequence = Sequence([segment])
    ref_image = Dataset()
    ref_image.ReferencedSOPClassUID, ref_image.ReferencedSOPInstanceUID = image.SOPClassUID, image.SOPInstanceUID
    ref_series = Dataset()
    ref_series.SeriesInstanceUID = image.SeriesInstanceUID
    ref_series.ReferencedInstanceSequence = Sequence([ref_image])
    ds.ReferencedSeriesSequence = Sequence([ref_series])
    frame = Dataset()
    ident_seq = Dataset()
    ident_seq.ReferencedSegmentNumber = 1
    frame.SegmentIdentificationSequence = Sequence([ident_seq])
    derivation = Dataset()
    derivation.SourceImageSequence = Sequence([ref_image])
    derivation.DerivationDescription = f"from {p.family[-1]}'s CT"
    frame.DerivationImageSequence = Sequence([derivation])
    ds.PerFrameFunctionalGroupsSequence = Sequence([frame])
    ds.NumberOfFrames, ds.Rows, ds.Columns = 1, 16, 16
    ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
    ds.BitsAllocated = ds.BitsStored = 1
    ds.HighBit, ds.PixelRepresentation, ds.LossyImageCompression = 0, 0, "00"
    mask = np.zeros((16, 16), dtype=np.uint8)
    mask[4:10, 5:11] = 1
    ds.PixelData = np.packbits(mask.ravel(), bitorder="little").tobytes()
    return ds


def _burned(p: Patient, ident: dict, study_uid: str, modality: str, flag: str | None) -> Dataset:
    """US (RGB) or SC (grey) with the patient's name, ID and birth date in the top band."""
    sop_class = US if modality == "US" else SC
    sop = _uid(p.key + modality)
    ds = Dataset()
    ds.file_meta = _file_meta(sop_class, sop, ExplicitVRLittleEndian)
    ds.SpecificCharacterSet = _charset(ident["charset"])
    ds.SOPClassUID, ds.SOPInstanceUID, ds.Modality = sop_class, sop, modality
    ds.Manufacturer = VENDORS[ident["site"]][0] if modality == "US" else "Nuance PowerScribe"
    ds.ConversionType = "WSD" if modality == "SC" else None
    if ds.ConversionType is None:
        del ds.ConversionType
    if flag:
        ds.BurnedInAnnotation = flag
    _patient_module(ds, p, ident["pn"], ident["pid"], ident["issuer"], ident["age"])
    _study_module(ds, p, ident["pn"], ident["pid"], ident["accession"], study_uid)
    ds.SeriesInstanceUID, ds.SeriesNumber, ds.InstanceNumber = _uid(p.key + modality + "s"), 500, 1
    ds.SeriesDescription = "US abdomen" if modality == "US" else "Screen capture"
    latin = [f for f in p.family if f.isascii()][0].upper()
    given = [g for g in p.given if g.isascii()][0].upper()
    text = [f"{latin} {given}", f"ID {ident['pid']}  DOB {_dates(p)[1]}"]
    img = Image.new("L", (320, 96), 0)
    draw = ImageDraw.Draw(img)
    font = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", 13)
    for line, y in zip(text, (3, 20)):
        draw.text((6, y), line, fill=235, font=font)
    pixels = np.asarray(img).copy()
    yy, xx = np.mgrid[40:96, 0:320]
    pixels[40:96] = (60 + 50 * np.sin(xx / 9.0) * np.cos(yy / 7.0)).astype(np.uint8)
    ds.Rows, ds.Columns, ds.BitsAllocated, ds.BitsStored, ds.HighBit = 96, 320, 8, 8, 7
    ds.PixelRepresentation = 0
    if modality == "US":
        ds.SamplesPerPixel, ds.PhotometricInterpretation, ds.PlanarConfiguration = 3, "RGB", 0
        ds.PixelData = np.repeat(pixels[:, :, None], 3, axis=2).tobytes()
    else:
        ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
        ds.PixelData = pixels.tobytes()
    return ds


def _dicomdir(patients: list[tuple[Patient, dict]]) -> Dataset:
    ds = Dataset()
    ds.file_meta = _file_meta("1.2.840.10008.1.3.10", _uid("dicomdir"), ExplicitVRLittleEndian)
    ds.FileSetID = "ULLEVAL_CD"
    ds.OffsetOfTheFirstDirectoryRecordOfTheRootDirectoryEntity = 0
    ds.OffsetOfTheLastDirectoryRecordOfTheRootDirectoryEntity = 0
    ds.FileSetConsistencyFlag = 0
    ds.SpecificCharacterSet = "ISO_IR 100"
    records = []
    for p, ident in patients:
        record = Dataset()
        record.OffsetOfTheNextDirectoryRecord = 0
        record.RecordInUseFlag = 0xFFFF
        record.OffsetOfReferencedLowerLevelDirectoryEntity = 0
        record.DirectoryRecordType = "PATIENT"
        record.PatientName = ident["pn"]
        record.PatientID = ident["pid"]
        record.PatientBirthDate = p.birth
        records.append(record)
    ds.DirectoryRecordSequence = Sequence(records)
    return ds


def _bytes(ds: Dataset) -> bytes:
    buffer = io.BytesIO()
    ds.save_as(buffer, enforce_file_format=True)
    return buffer.getvalue()


def _identity(p: Patient, **changes) -> dict:
    ident = dict(site=p.site, charset=p.charset, pn=p.pn, pid=p.pid, issuer=p.issuer,
                 accession=p.accession, age=p.age)
    ident.update(changes)
    return ident


def _objects(p: Patient, ident: dict) -> list[tuple[str, Dataset]]:
    """(relative path below the site, dataset) of one patient's study at one site."""
    study_uid = _uid(p.key + ident["site"] + "study")
    series_uid = _uid(p.key + "series")
    fam = [f for f in p.family if f.isascii()][0]
    given = [g for g in p.given if g.isascii()][0]
    folder = {"ULLEVAL_GE_EXPORT": f"{fam.upper()}_{given.upper()}_{p.birth}",
              "KITA_CANON": f"{p.family[0]}{p.given[0]}_{ident['pid']}",
              "SPB_SIEMENS": f"{p.family[0]}_{ident['pid']}",
              "rambam_export": f"{fam}_{given}_{ident['pid']}"}[ident["site"]]
    images = [_image(p, ident, series_uid, n, study_uid) for n in (1, 2)]
    objects = [(f"{folder}/20240314_{ident['accession']}/IM_{n:04d}.dcm", ds) for n, ds in enumerate(images, 1)]
    # the report of a study that has an Issuer of Patient ID lacks it (P1, P4, P6, P8)
    objects.append((f"{folder}/SR_{fam}.dcm", _sr(p, ident, study_uid, with_issuer=p.key not in ("P1", "P4", "P6", "P8"))))
    if p.key in ("P1", "P3", "P4", "P6", "P8"):
        objects.append((f"{folder}/SEG/{given}_seg.dcm", _seg(p, ident, study_uid, images[0])))
    if ident["site"] == "rambam_export":
        objects.append((f"{folder}/US/{ident['accession']}.dcm", _burned(p, ident, study_uid, "US", "YES")))
    if p.key == "P1":
        objects.append((f"{folder}/SC/screen_{fam}.dcm", _burned(p, ident, study_uid, "SC", None)))
    return objects


def _plant(export: Export, p: Patient, ident: dict) -> None:
    where = f"{p.key}@{ident['site']}"
    export.plant("name", where, *p.family, *p.given, p.pn.split("=")[0].replace("^", " ").strip(), ident["pn"])
    export.plant("name", where, *(part for part in p.pn.replace("=", "^").split("^") if len(part) >= 2))
    export.plant("kin", where, *p.kin.split(), p.kin)
    export.plant("staff", where, p.staff)
    export.plant("id", where, ident["pid"], ident["accession"], p.other_id, "SPS" + ident["pid"])
    export.plant("date", where, *_dates(p))
    export.plant("contact", where, p.street, p.phone)

# Red team 17's plant-list audit (tests/plant_audit.py): identifiers this archive writes that its plant
# list lacked (now searched for too), and values that look identifying but are not, with the reason.
AUDIT_PLANTS = (
    "14/03/2024", "2019-05-07", "1933年3月4日", "1944年9月21日", "1970年8月8日",  # dates of the patients' visits and births
    *(f"ADM{n}" for n in ("000781", "012789", "021877", "122771", "150926", "417730", "551039", "873020", "881204", "912345", "977120")),
    *(f"SN{n}" for n in ("00781", "12345", "12789", "17730", "21877", "22771", "50926", "51039", "73020", "77120", "81204")),  # the MRN's digits
    "FORB240314-5521", "FORB240316-5530", "FOSPB24-0092003", "RPRB240314-5521", "RPRB240316-5530", "RPSPB24-0092003",
    "Dalia", "Irina", "Kari", "Rune",  # staff given names
)
AUDIT_SAFE: dict[str, str] = {
    'Kuroyanagi^Sho': "'Kuroyanagi' is a plant; 'Sho' (3 letters) would be found inside words (show, should)",
    'Opr': "abbreviates 'operator' before the name",
    'Kita Medical Center': "a site's or system's name, not a person's (the release names its sites)",
    'Mariinskaya': "a site's or system's name, not a person's (the release names its sites)",
    'MARIINSKAYA': "a site's or system's name, not a person's (the release names its sites)",
    'Oslo universitetssykehus Ulleval': "a site's or system's name, not a person's (the release names its sites)",
    'ULLEVAL_HF': "a site's or system's name, not a person's (the release names its sites)",
    'Rambam': "a site's or system's name, not a person's (the release names its sites)",
    'RAMBAM': "a site's or system's name, not a person's (the release names its sites)",
    'KITA': "the site's abbreviation after a planted street",
    'ULLE': "the site's abbreviation after a planted street",
    'ramb': "the site's abbreviation after a planted street",
    'KITA_CANON': "a site's or system's name, not a person's (the release names its sites)",
}



def write_export(root: Path) -> Export:
    """Write the four-site export below ``root`` (created); return its plants and item count."""
    export = Export(root)
    root.mkdir(parents=True, exist_ok=True)
    zipped: list[tuple[str, bytes]] = []
    dicomdir: list[tuple[Patient, dict]] = []
    visits = [(p, _identity(p)) for p in PATIENTS]
    visits.append((PATIENTS[1], _identity(PATIENTS[1], **P2_AT_SPB)))
    for p, ident in visits:
        _plant(export, p, ident)
        export.patients.setdefault(p.key, []).append(ident)
        for rel, ds in _objects(p, ident):
            data = _bytes(ds)
            export.items += 1
            export.dicom_items += 1
            if ident["site"] == "rambam_export":
                zipped.append((f"RAMBAM_EXPORT/{rel}", data))
                continue
            path = root / ident["site"] / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        if ident["site"] == "ULLEVAL_GE_EXPORT":
            dicomdir.append((p, ident))
    (root / "ULLEVAL_GE_EXPORT" / "DICOMDIR").write_bytes(_bytes(_dicomdir(dicomdir)))
    export.items += 1
    export.dicom_items += 1
    referral = root / "ULLEVAL_GE_EXPORT" / "TVEITEREID_INGVILD_19581102" / "henvisning_Tveitereid.pdf"
    referral.write_bytes(b"%PDF-1.4\n% Henvisning Tveitereid Ingvild UL11873020\n%%EOF\n")
    (root / "SPB_SIEMENS" / "Направление_Пономарёва.txt").write_text("Пономарёва А.В. SPB33012789\n", encoding="utf-8")
    export.items += 2
    # a folder and a file named in Latin-1 bytes (a Windows export copied as it is)
    latin1 = os.fsencode(root / "ULLEVAL_GE_EXPORT") + "/KVALSVIK_TORBJØRN_1947".encode("latin-1")
    os.makedirs(latin1, exist_ok=True)
    with open(latin1 + "/Brev_Torbjørn.txt".encode("latin-1"), "wb") as handle:
        handle.write(b"brev\n")
    export.items += 1
    zip_path = root / "rambam_export.zip"
    with zipfile.ZipFile(zip_path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in zipped:
            zf.writestr(name, data)
        zf.writestr("RAMBAM_EXPORT/בן-שושן_אביטל/notes.txt", "Ben-Shushan Avital 17.05.1990\n")
        zf.writestr("RAMBAM_EXPORT/Torbj#rn Kvalsvik.txt", "transfer\n")
    # that member's name in code page 850 without the UTF-8 flag, as Windows' own zip writes it
    zip_path.write_bytes(zip_path.read_bytes().replace(b"Torbj#rn", "Torbjørn".encode("cp850")))
    export.items += 2
    export.plant("staff", "headers", *(pn.split("^")[0] for pn in STAFF_PN.values()))
    export.plant("audit", "headers", *AUDIT_PLANTS)
    return export


# --- search -------------------------------------------------------------------------------

FOLD = str.maketrans({"ø": "o", "Ø": "o", "æ": "ae", "Æ": "ae", "ß": "ss", "ł": "l", "Ł": "l",
                      "đ": "d", "Đ": "d", "þ": "th", "ё": "е", "Ё": "е"})
DECODINGS = ("utf_8", "latin_1", "utf_16_le", "utf_16_be", "iso2022_jp", "gb18030", "iso8859_5",
             "iso8859_7", "iso8859_8", "iso8859_6", "shift_jis", "euc_jp")


def fold(text: str) -> str:
    """Case-folded, accents stripped, special letters spelled out, ^ _ - as spaces."""
    text = unicodedata.normalize("NFKD", text.translate(FOLD))
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()
    for sep in "^_-.":
        text = text.replace(sep, " ")
    return " ".join(text.split())


def needles(token: Token) -> set[str]:
    """Folded forms searched for one token; IDs also without their separators."""
    forms = {fold(token.text)}
    if token.kind in ("id", "contact"):
        squeezed = "".join(ch for ch in token.text if ch.isalnum()).casefold()
        if len(squeezed) >= 8:
            forms.add(squeezed)
    return {f for f in forms if len(f) >= 2}


def haystacks(data: bytes) -> list[str]:
    """Every reading of raw bytes: each text encoding (UTF-16 at both alignments), folded, and
    a squeezed form without separators."""
    texts = []
    for codec in DECODINGS:
        texts.append(data.decode(codec, errors="ignore"))
        if codec.startswith("utf_16"):
            texts.append(data[1:].decode(codec, errors="ignore"))
    utf8 = texts[0]
    # what a report shows of a name that was not UTF-8 ("Torbj\xf8rn"), and a DOS code page
    # name read as code page 437 ("Torbj¢rn"), as a reader would take them
    texts.append(re.sub(r"\\x([0-9a-fA-F]{2})", lambda m: chr(int(m.group(1), 16)), utf8))
    texts.append("".join(_cp850(ch) for ch in utf8))
    folded = [fold(t) for t in texts]
    return folded + [t.replace(" ", "") for t in folded]


def _cp850(ch: str) -> str:
    try:
        return ch.encode("cp437").decode("cp850") if not ch.isascii() else ch
    except UnicodeError:
        return ch


def jis_bytes(text: str) -> bytes | None:
    """The JIS X 0208 bytes of a kanji/kana token as they sit between escapes."""
    try:
        raw = text.encode("iso2022_jp")
    except UnicodeEncodeError:
        return None
    for esc in (b"\x1b$B", b"\x1b(B", b"\x1b(J"):
        raw = raw.replace(esc, b"")
    return raw if raw != text.encode("ascii", "ignore") and len(raw) >= 4 else None


def find_tokens(paths: list[Path], tokens: list[Token], texts: dict[str, str] | None = None) -> list[tuple[str, str, str]]:
    """(where, token, kind) of every planted token in the files below ``paths`` (their bytes and
    their relative names, zip member names and Parquet tables read as text) and in ``texts``."""
    blobs: dict[str, bytes] = {f"console:{k}": v.encode("utf-8") for k, v in (texts or {}).items()}
    for top in paths:
        for path in sorted(top.rglob("*")) if top.is_dir() else [top]:
            blobs[f"name:{path}"] = str(path.relative_to(top.parent)).encode("utf-8", "surrogateescape")
            if not path.is_file():
                continue
            data = path.read_bytes()
            if path.suffix != ".parquet":  # Parquet: its cells below, not its compressed, salted bytes
                blobs[f"file:{path}"] = data
            if zipfile.is_zipfile(path):
                with zipfile.ZipFile(path) as zf:
                    blobs[f"zip:{path}"] = "\n".join(zf.namelist()).encode("utf-8")
                    for info in zf.infolist():
                        blobs[f"zip:{path}!{info.filename}"] = zf.read(info)
            if path.suffix == ".parquet":
                import pyarrow.parquet as pq
                blobs[f"parquet:{path}"] = str(pq.read_table(path).to_pylist()).encode("utf-8") + repr(pq.read_metadata(path).metadata).encode("utf-8")
    wanted = [(t, needles(t), jis_bytes(t.text)) for t in tokens]
    hits = []
    for where, data in blobs.items():
        stacks = haystacks(data)
        for token, forms, jis in wanted:
            if any(form in stack for form in forms for stack in stacks) or (jis and jis in data):
                hits.append((where, token.text, token.kind))
    return hits
