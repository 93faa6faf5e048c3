"""Red team, round 13: a multi-site archive of synthetic people planted in objects, elements and
character sets that rounds 4-12 did not combine, and a search of every output for them.

Written without the earlier rounds' plant lists (the search, :func:`leaks`, is round 12's with the
Arabic, Hebrew and Greek single-byte readings and Windows code pages added).  Every person,
number and address is invented.  Each plant carries its leak class (``surface``).

Eight sites, eight vendors, eight character sets, each patient's name written in its script:

- ``ATHINA_SIEMENS`` (ISO_IR 126, Greek): a CT with two overlay planes whose description and
  label name the patient, an Icon Image Sequence whose thumbnail bytes spell the patient's ID,
  Other Patient IDs Sequence (AMKA with its issuer); a Comprehensive SR six levels deep with
  TEXT, PNAME and DATE items in Greek and Latin letters;
- ``TELAVIV_GE`` (ISO_IR 138, Hebrew): an RT Structure Set (structure set label, ROI name, ROI
  observation label) and an RT Plan (plan label, name, description, operators' names, reviewer);
- ``SEOUL_SAMSUNG`` (ISO 2022 IR 149, Korean): a name with ideographic (Hanja) and phonetic
  (Hangul) component groups; a Segmentation (segment label and description in Hangul); a GSPS
  whose text objects (unformatted text value) name the patient; the resident registration number;
- ``KYIV_PHILIPS`` (ISO_IR 144, Ukrainian): a Key Object Selection document whose key object
  description names the patient; a 12-lead ECG whose waveform annotations hold text;
- ``KAHIRA_TOSHIBA`` (ISO_IR 127, Arabic): an ultrasound whose private elements are stored with
  VR UN and hold text; an encapsulated PDF (the name in the PDF bytes and the Document Title) and
  an encapsulated CDA (name, birth time, telecom, address in the XML), their file names naming
  the patient;
- ``BANGKOK_FUJI`` (ISO_IR 166, Thai): a CR whose comments are in Thai;
- ``GUANGZHOU_UIH`` (GB18030): an MR whose name has ideographic and phonetic groups (pinyin with
  tone marks);
- ``PORTLAND_HOLOGIC`` (ISO_IR 192): a mammogram whose comments hold the leftovers of earlier
  rounds: dates written 'May 3' and '3 mai', an accession-like token 'Acc 24-778812', an all-caps
  name 'FRANK CHURCH', street and city words.

Ages, sex, size, weight and ethnic group are written too: no plants (a controlled-access release
keeps them); :data:`KEPT` lists clinical words that must survive.
"""
from __future__ import annotations

import hashlib
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.sequence import Sequence
from pydicom.uid import ExplicitVRLittleEndian

sys.path.insert(0, str(Path(__file__).resolve().parent))

import redteam9_archive as r9  # noqa: E402
import redteam12_archive as r12  # noqa: E402
from redteam7_archive import Plant, Planted  # noqa: E402

CT = "1.2.840.10008.5.1.4.1.1.2"
MR = "1.2.840.10008.5.1.4.1.1.4"
CR = "1.2.840.10008.5.1.4.1.1.1"
US = "1.2.840.10008.5.1.4.1.1.6.1"
MG = "1.2.840.10008.5.1.4.1.1.1.2"
COMPREHENSIVE_SR = "1.2.840.10008.5.1.4.1.1.88.33"
KOS = "1.2.840.10008.5.1.4.1.1.88.59"
RTSTRUCT = "1.2.840.10008.5.1.4.1.1.481.3"
RTPLAN = "1.2.840.10008.5.1.4.1.1.481.5"
SEG = "1.2.840.10008.5.1.4.1.1.66.4"
GSPS = "1.2.840.10008.5.1.4.1.1.11.1"
ECG = "1.2.840.10008.5.1.4.1.1.9.1.1"
PDF = "1.2.840.10008.5.1.4.1.1.104.1"
CDA = "1.2.840.10008.5.1.4.1.1.104.2"
ROOT = "1.2.826.0.1.3680043.10.1083"

HEADER = "patient name, ID, birth date or accession number as the header writes them"
SCRIPT = "name in the script of the character set (Greek, Cyrillic, Hebrew, Arabic, Thai, Hangul, Han)"
PN_GROUP = "PN ideographic or phonetic component group"
OTHER_IDS = "Other Patient IDs Sequence (ID, issuer)"
SR_TREE = "SR content item deep in a tree (TEXT, PNAME, DATE)"
KOS_TEXT = "Key Object Selection description"
DOCUMENT = "encapsulated PDF or CDA (document bytes, title, file name)"
RT = "RT Structure Set or RT Plan label, name, description, operator, reviewer"
SEG_TEXT = "Segmentation segment label or description"
GSPS_TEXT = "GSPS text object (unformatted text value)"
OVERLAY = "overlay plane description or label (60xx)"
ICON = "Icon Image Sequence thumbnail"
WAVEFORM = "waveform annotation text"
PRIVATE_UN = "private element stored with VR UN holding text"
NATIONAL = "national ID number (AMKA, Teudat Zehut, RRN, Thai ID, Egyptian NID, resident ID)"
PHONE = "phone number in a national format"
ADDRESS = "street, postcode or city of an address"
DATES = "date written with a month name, without its year, or in another language"
ACCESSION = "accession-like token in free text"
CAPS_NAME = "name in capitals in a comment"
LABEL = "label that is no free text (window explanation, layer description, implant group): a name, ID or phone"
LEGACY = "retired or rare place: curve (50xx), interpretation module, file meta private information, preamble, trailing padding, nested icon"
WORKPLACE = "a place of dictionary words after 'at' (occupation, location)"
SPELLING = ("a name in a label in another spelling: French for Cyrillic, English vowels for Thai, a Greek pet name in "
            "Greek letters, a Cantonese family name")
GEMINATED = "Arabic name in Latin letters with a doubled consonant (shadda) and a glued article"


@dataclass(frozen=True)
class Person:
    key: str
    site: str
    name: str  # as the header writes it (PN, with its component groups)
    charset: str | list[str]
    mrn: str
    birth: str
    sex: str
    age: str
    accession: str
    manufacturer: str
    model: str
    words: tuple[str, ...]  # the name's parts in its script and in Latin letters (header plants)


PEOPLE = {
    "gr": Person("gr", "ATHINA_SIEMENS", "Παπαδοπούλου^Αικατερίνη", "ISO_IR 126", "EVG7734102", "19590417", "F", "065Y",
                 "AT24E118273", "SIEMENS", "SOMATOM Force", ("Παπαδοπούλου", "Αικατερίνη")),
    "il": Person("il", "TELAVIV_GE", "בן-דוד^מרים", "ISO_IR 138", "TLV3390217", "19620909", "F", "062Y",
                 "IL24R552019", "GE MEDICAL SYSTEMS", "Discovery RT", ("בן-דוד", "מרים")),
    "kr": Person("kr", "SEOUL_SAMSUNG", "Hwang^Seoyeon=黃^瑞姸=황^서연", ["", "ISO 2022 IR 149"], "SNU8820461",
                 "19880206", "F", "036Y", "KR2406SE0077", "Samsung Electronics", "GM85",
                 ("Hwang", "Seoyeon", "瑞姸", "황", "서연")),
    "ua": Person("ua", "KYIV_PHILIPS", "Шевчук^Оксана^Петрівна", "ISO_IR 144", "KYV5561902", "19700529", "F", "054Y",
                 "UA24K700312", "Philips", "PageWriter TC70", ("Шевчук", "Петрівна")),
    "eg": Person("eg", "KAHIRA_TOSHIBA", "الشناوي^ياسمين", "ISO_IR 127", "KSR4471208", "19771123", "F", "047Y",
                 "EG24U330951", "TOSHIBA_MEC_US", "Aplio i800", ("الشناوي", "ياسمين")),
    "th": Person("th", "BANGKOK_FUJI", "ศรีสุข^สมหญิง", "ISO_IR 166", "BKK6630915", "19660308", "F", "058Y",
                 "TH24C081147", "FUJIFILM Corporation", "FCR PROFECT", ("ศรีสุข", "สมหญิง")),
    "cn": Person("cn", "GUANGZHOU_UIH", "LIANG^MEILING=梁^美玲=liáng^měilíng", "GB18030", "GZ20556813", "19810722",
                 "F", "043Y", "GZ2406MR3318", "UIH", "uMR 780", ("MEILING", "美玲", "měilíng")),
    "us": Person("us", "PORTLAND_HOLOGIC", "O'Rourke-Delacroix^Renée", "ISO_IR 192", "OHS0982243", "19690503", "F",
                 "055Y", "PDX24M770415", "HOLOGIC, Inc.", "Selenia Dimensions", ("O'Rourke-Delacroix", "Renée")),
}

# What each ward wrote about its patient (Image Comments) and the plants in it (value, class, word).
_TEXTS: dict[str, tuple[str, list[tuple[str, str, bool]]]] = {
    "gr": ("Ασθενής Παπαδοπούλου Αικατερίνη (Papadopoulou Aikaterini), γεν. 17 Απριλίου 1959; ΑΜΚΑ 17045901234; "
           "τηλ. 210 748 3319; οδός Ερμού 112, 10563 Αθήνα; CT θώρακος χωρίς σκιαγραφικό, όζος δεξιού άνω λοβού",
           [("17 Απριλίου 1959", DATES, False), ("17045901234", NATIONAL, False), ("210 748 3319", PHONE, False),
            ("Ερμού 112", ADDRESS, False), ("10563", ADDRESS, True), ("Papadopoulou", SCRIPT, False),
            ("Aikaterini", SCRIPT, False)]),
    "il": ("המטופלת מרים בן-דוד, ת.ז. 038471123, נולדה 9 בספטמבר 1962; טל' 052-7714309; רחוב הרצל 48, רמת גן; "
           "Miriam Ben-David; RT breast left, 50 Gy in 25 fractions",
           [("038471123", NATIONAL, False), ("9 בספטמבר 1962", DATES, False), ("052-7714309", PHONE, False),
            ("הרצל 48", ADDRESS, False), ("Ben-David", SCRIPT, False), ("Miriam", SCRIPT, True)]),
    "kr": ("환자 황서연 (Hwang Seo-yeon), 주민번호 880206-2345671, 1988년 2월 6일생; 연락처 010-4417-2290; "
           "서울특별시 종로구 율곡로 101; chest PA, no active lesion",
           [("황서연", SCRIPT, False), ("Seo-yeon", SCRIPT, False), ("880206-2345671", NATIONAL, False),
            ("1988년 2월 6일", DATES, False), ("010-4417-2290", PHONE, False), ("율곡로", ADDRESS, False)]),
    "ua": ("Пацієнтка Шевчук Оксана Петрівна, нар. 29 травня 1970 р.; РНОКПП 2571404455; тел. +380 67 441 20 93; "
           "вул. Хрещатик, 22, кв. 7; Shevchuk Oksana; sinus rhythm, no ST changes",
           [("29 травня 1970", DATES, False), ("2571404455", NATIONAL, False), ("+380 67 441 20 93", PHONE, False),
            ("Хрещатик", ADDRESS, False), ("Shevchuk", SCRIPT, False)]),
    "eg": ("المريضة ياسمين الشناوي، مواليد 23 نوفمبر 1977، الرقم القومي 27711230104567، هاتف 0100 334 5521، "
           "شارع التحرير 14 الدقي; Yasmin El-Shennawy; liver US, mild steatosis",
           [("27711230104567", NATIONAL, False), ("0100 334 5521", PHONE, False), ("التحرير 14", ADDRESS, False),
            ("El-Shennawy", SCRIPT, False), ("Yasmin", SCRIPT, True)]),
    "th": ("ผู้ป่วย นางสมหญิง ศรีสุข เกิด 8 มีนาคม 2509 เลขบัตรประชาชน 3 1012 00456 78 1 โทร 081-442-7719 "
           "บ้านเลขที่ 55 ถนนสุขุมวิท; Somying Srisuk; chest PA, normal heart size",
           [("นางสมหญิง", SCRIPT, False), ("8 มีนาคม 2509", DATES, False), ("3 1012 00456 78 1", NATIONAL, False),
            ("081-442-7719", PHONE, False), ("สุขุมวิท", ADDRESS, False), ("Srisuk", SCRIPT, False),
            ("Somying", SCRIPT, False)]),
    "cn": ("患者梁美玲女士，梁女士，1981年7月22日出生；身份证 440104198107225527；电话 139 2201 7734；"
           "广州市越秀区中山五路 219 号；Liang Mei-ling；MR brain, no acute infarct",
           [("梁美玲", SCRIPT, False), ("1981年7月22日", DATES, False), ("440104198107225527", NATIONAL, False),
            ("139 2201 7734", PHONE, False), ("中山五路", ADDRESS, False), ("Mei-ling", SCRIPT, False)]),
    "us": ("FRANK CHURCH called about the results; seen May 3 and again on 3 mai at the Lyon clinic; "
           "Acc 24-778812; prior film Acc# 23-551907 at St. Vincent; lives on Maple Avenue in Springfield "
           "near Lake Oswego, OR 97034; phone (503) 555-0187; screening mammogram, scattered fibroglandular "
           "density, benign calcifications left breast, BI-RADS 2",
           [("FRANK CHURCH", CAPS_NAME, False), ("May 3", DATES, True), ("3 mai", DATES, True),
            ("24-778812", ACCESSION, False), ("23-551907", ACCESSION, False), ("Maple Avenue", ADDRESS, False),
            ("Springfield", ADDRESS, True), ("Lake Oswego", ADDRESS, False), ("97034", ADDRESS, True),
            ("555-0187", PHONE, False)]),
}

# Clinical words written beside the plants that a research release should keep (over-removal).
KEPT = {
    "gr": ("CT",),
    "il": ("RT", "breast", "left", "50", "Gy", "fractions"),
    "kr": ("chest", "PA", "no", "active", "lesion"),
    "ua": ("sinus", "rhythm", "ST", "changes"),
    "eg": ("liver", "US", "mild", "steatosis"),
    "th": ("chest", "PA", "normal", "heart", "size"),
    "cn": ("MR", "brain", "no", "acute", "infarct"),
    "us": ("screening", "mammogram", "scattered", "fibroglandular", "density", "benign", "calcifications", "left",
           "breast", "BI-RADS"),
}


def _uid(p: Person, n: int) -> str:
    return f"{ROOT}.{int(hashlib.sha256(f'{p.key}/{n}'.encode()).hexdigest()[:12], 16)}.{n}"


def _code(value: str, scheme: str, meaning: str) -> Dataset:
    return r12._code(value, scheme, meaning)


def _item(relationship: str, value_type: str, code: tuple[str, str, str], **values: object) -> Dataset:
    return r12._item(relationship, value_type, code, **values)


def _base(p: Person, sop_class: str, modality: str, series: int, instance: int = 1) -> Dataset:
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.file_meta.MediaStorageSOPClassUID = ds.SOPClassUID = sop_class
    ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID = _uid(p, 1000 * series + instance)
    ds.SpecificCharacterSet = p.charset
    ds.PatientName = p.name
    ds.PatientID = p.mrn
    ds.IssuerOfPatientID = p.site.split("_")[0]
    ds.PatientBirthDate = p.birth
    ds.PatientSex = p.sex
    ds.PatientAge = p.age
    ds.PatientWeight = "63.5"
    ds.PatientSize = "1.64"
    ds.EthnicGroup = "W" if p.key in ("gr", "us", "ua") else "X"
    ds.StudyDate = ds.SeriesDate = ds.ContentDate = "20240611"
    ds.StudyTime = ds.SeriesTime = ds.ContentTime = "101500"
    ds.AccessionNumber = p.accession
    ds.StudyInstanceUID = _uid(p, 1)
    ds.SeriesInstanceUID = _uid(p, 2 + series)
    ds.StudyID = "1"
    ds.SeriesNumber = series
    ds.InstanceNumber = instance
    ds.Modality = modality
    ds.Manufacturer = p.manufacturer
    ds.ManufacturerModelName = p.model
    ds.ReferringPhysicianName = ""
    return ds


def _pixels(ds: Dataset, rows: int = 16, frames: int = 1) -> None:
    r12._pixels(ds, rows, frames)


def _comment(p: Person, ds: Dataset, plants: list[Plant], keyword: str = "ImageComments") -> None:
    text, found = _TEXTS[p.key]
    setattr(ds, keyword, text)
    plants += [Plant(v, s, w) for v, s, w in found]


def _header_plants(p: Person, plants: list[Plant]) -> None:
    plants += [Plant(p.mrn, HEADER), Plant(p.accession, HEADER), Plant(p.birth, HEADER)]
    plants += [Plant(w, PN_GROUP if "=" in p.name and w not in p.name.split("=")[0] else HEADER) for w in p.words]


# --- Athina: overlays, an icon, Other Patient IDs; a deep SR -------------------------------------


def _athina_ct(p: Person, plants: list[Plant]) -> Dataset:
    ds = _base(p, CT, "CT", 1)
    ds.StudyDescription = "CT ΘΩΡΑΚΟΣ"
    ds.SeriesDescription = "Thorax 1.0 Br40"
    ds.BodyPartExamined = "CHEST"
    ds.FrameLabel = "Κατερίνα T1"
    plants.append(Plant("Κατερίνα", SPELLING))
    _comment(p, ds, plants)
    _pixels(ds)
    bits = np.zeros((16, 16), dtype=np.uint8)
    bits[2:5, 2:14] = 1
    for group, description, label in ((0x6000, "Σχόλιο: Παπαδοπούλου Α. 17/04/1959", "ROI PAPADOPOULOU"),
                                       (0x6002, "measured by Karamanlidis", "EVG7734102 lesion")):
        ds.add_new(group << 16 | 0x0010, "US", 16)
        ds.add_new(group << 16 | 0x0011, "US", 16)
        ds.add_new(group << 16 | 0x0022, "LO", description)
        ds.add_new(group << 16 | 0x0040, "CS", "G")
        ds.add_new(group << 16 | 0x0050, "SS", [1, 1])
        ds.add_new(group << 16 | 0x0100, "US", 1)
        ds.add_new(group << 16 | 0x0102, "US", 0)
        ds.add_new(group << 16 | 0x1500, "LO", label)
        ds.add_new(group << 16 | 0x3000, "OW", np.packbits(bits.ravel(), bitorder="little").tobytes())
    plants += [Plant("Παπαδοπούλου Α", OVERLAY), Plant("17/04/1959", OVERLAY), Plant("ROI PAPADOPOULOU", OVERLAY),
               Plant("Karamanlidis", OVERLAY)]
    icon = Dataset()
    icon.Rows, icon.Columns = 2, 16
    icon.SamplesPerPixel = 1
    icon.PhotometricInterpretation = "MONOCHROME2"
    icon.BitsAllocated = icon.BitsStored = 8
    icon.HighBit = 7
    icon.PixelRepresentation = 0
    # a thumbnail of the image's label: its bytes spell the label (grey levels of its glyph rows)
    icon.PixelData = b"PAPADOPOULOU AIK" + b"ATHINA EVG-77341"
    ds.IconImageSequence = Sequence([icon])
    plants += [Plant("PAPADOPOULOU AIK", ICON), Plant("EVG-77341", ICON)]
    other = Dataset()
    other.PatientID = "17045901234"
    other.IssuerOfPatientID = "AMKA ΕΛΛΑΔΑ"
    other.TypeOfPatientID = "TEXT"
    second = Dataset()
    second.PatientID = "EVG-OLD-55193"
    second.IssuerOfPatientID = "Evangelismos RIS Papadopoulou"
    second.TypeOfPatientID = "TEXT"
    ds.OtherPatientIDsSequence = Sequence([other, second])
    plants += [Plant("EVG-OLD-55193", OTHER_IDS), Plant("RIS Papadopoulou", OTHER_IDS)]
    return ds


def _athina_sr(p: Person, plants: list[Plant]) -> Dataset:
    ds = _base(p, COMPREHENSIVE_SR, "SR", 2)
    ds.ValueType = "CONTAINER"
    ds.ContinuityOfContent = "SEPARATE"
    ds.ConceptNameCodeSequence = Sequence([_code("18748-4", "LN", "Diagnostic imaging report")])
    ds.CompletionFlag, ds.VerificationFlag = "COMPLETE", "VERIFIED"
    verifier = Dataset()
    verifier.VerifyingObserverName = "Καραμανλίδης^Νικόλαος"
    verifier.VerificationDateTime = "20240612101500"
    verifier.VerifyingOrganization = "Ευαγγελισμός Ακτινολογικό"
    ds.VerifyingObserverSequence = Sequence([verifier])
    plants += [Plant("Καραμανλίδης", SR_TREE), Plant("Ευαγγελισμός", SR_TREE)]
    leaf = [
        _item("CONTAINS", "TEXT", ("121071", "DCM", "Finding"),
              TextValue="Η κα Παπαδοπούλου (Aik. Papadopoulou, ΑΜΚΑ 17045901234) - nodule 6 mm, stable"),
        _item("HAS OBS CONTEXT", "PNAME", ("121029", "DCM", "Subject Name"), PersonName="Papadopoulou^Katerina"),
        _item("HAS OBS CONTEXT", "DATE", ("121031", "DCM", "Subject Birth Date"), Date="19590417"),
        _item("HAS OBS CONTEXT", "TEXT", ("121030", "DCM", "Subject ID"), TextValue="EVG/7734102"),
        _item("HAS OBS CONTEXT", "PNAME", ("121008", "DCM", "Person Observer Name"),
              PersonName="Karamanlidis^Nikolaos=Καραμανλίδης^Νικόλαος"),
        _item("CONTAINS", "DATETIME", ("111526", "DCM", "DateTime Started"), DateTime="19590417083000"),
    ]
    node = _item("CONTAINS", "CONTAINER", ("125007", "DCM", "Measurement Group"), ContinuityOfContent="SEPARATE",
                 ContentSequence=Sequence(leaf))
    for code in (("111028", "DCM", "Image Library"), ("121070", "DCM", "Findings"), ("126010", "DCM", "Imaging"),
                 ("121064", "DCM", "Current Procedure Descriptions"), ("121076", "DCM", "Conclusions")):
        node = _item("CONTAINS", "CONTAINER", code, ContinuityOfContent="SEPARATE", ContentSequence=Sequence([node]))
    ds.ContentSequence = Sequence([node])
    plants += [Plant("Aik. Papadopoulou", SR_TREE), Plant("Katerina", SR_TREE, True), Plant("EVG/7734102", SR_TREE),
               Plant("Nikolaos", SR_TREE, True), Plant("Karamanlidis", SR_TREE)]
    return ds


# --- Tel Aviv: an RT Structure Set and an RT Plan -------------------------------------------------


def _telaviv_rtstruct(p: Person, plants: list[Plant]) -> Dataset:
    ds = _base(p, RTSTRUCT, "RTSTRUCT", 1)
    ds.StructureSetLabel = "BENDAVID_M"
    ds.StructureSetName = "מרים בן-דוד שד שמאל"
    ds.StructureSetDescription = "contoured for Miriam Ben-David 09/09/1962"
    ds.StructureSetDate = "20240612"
    ds.StructureSetTime = "090000"
    frame = _uid(p, 77)
    rois, observations = [], []
    for n, (name, label) in enumerate((("GTV_BENDAVID", "MBD_TLV3390217"), ("שד_בן-דוד", "Heart"))):
        roi = Dataset()
        roi.ROINumber = n + 1
        roi.ReferencedFrameOfReferenceUID = frame
        roi.ROIName = name
        roi.ROIGenerationAlgorithm = "MANUAL"
        rois.append(roi)
        obs = Dataset()
        obs.ObservationNumber = n + 1
        obs.ReferencedROINumber = n + 1
        obs.ROIObservationLabel = label
        obs.RTROIInterpretedType = "PTV" if n == 0 else "ORGAN"
        obs.ROIInterpreter = "Abergel^Yossi"
        observations.append(obs)
    ds.StructureSetROISequence = Sequence(rois)
    ds.RTROIObservationsSequence = Sequence(observations)
    plants += [Plant("BENDAVID", RT), Plant("מרים בן-דוד", RT), Plant("09/09/1962", RT),
               Plant("MBD_TLV3390217", RT), Plant("Abergel", RT)]
    return ds


def _telaviv_rtplan(p: Person, plants: list[Plant]) -> Dataset:
    ds = _base(p, RTPLAN, "RTPLAN", 2)
    _comment(p, ds, plants, "RTPlanDescription")
    ds.RTPlanLabel = "BD_MIRIAM_L"
    ds.RTPlanName = "Breast L Ben-David"
    ds.RTPlanDate = "20240613"
    ds.RTPlanTime = "110000"
    ds.PlanIntent = "CURATIVE"
    ds.RTPlanGeometry = "PATIENT"
    ds.OperatorsName = ["Mizrahi^Tal", "אבוטבול^שירה"]
    ds.ApprovalStatus = "APPROVED"
    ds.ReviewDate = "20240614"
    ds.ReviewTime = "080000"
    ds.ReviewerName = "Friedmann^Dov"
    prescription = Dataset()
    prescription.DoseReferenceNumber = 1
    prescription.DoseReferenceStructureType = "SITE"
    prescription.DoseReferenceDescription = "L breast Miriam"
    prescription.DoseReferenceType = "TARGET"
    ds.DoseReferenceSequence = Sequence([prescription])
    fraction = Dataset()
    fraction.FractionGroupNumber = 1
    fraction.NumberOfFractionsPlanned = 25
    fraction.NumberOfBeams = 0
    fraction.NumberOfBrachyApplicationSetups = 0
    ds.FractionGroupSequence = Sequence([fraction])
    plants += [Plant("BD_MIRIAM", RT), Plant("L Ben-David", RT), Plant("Mizrahi", RT), Plant("אבוטבול", RT),
               Plant("Friedmann", RT), Plant("breast Miriam", RT)]
    return ds


# --- Seoul: a name with Hanja and Hangul groups; a Segmentation and a GSPS -----------------------


def _seoul_cr(p: Person, plants: list[Plant]) -> Dataset:
    ds = _base(p, CR, "CR", 1)
    ds.StudyDescription = "CHEST PA"
    ds.BodyPartExamined = "CHEST"
    _comment(p, ds, plants)
    other = Dataset()
    other.PatientID = "880206-2345671"
    other.IssuerOfPatientID = "주민등록번호"
    other.TypeOfPatientID = "TEXT"
    ds.OtherPatientIDsSequence = Sequence([other])
    ds.OtherPatientNames = "Hwang^Seo Yeon=黃^瑞姸=황^서연"
    plants.append(Plant("Seo Yeon", PN_GROUP))
    _pixels(ds)
    return ds


def _seoul_seg(p: Person, plants: list[Plant]) -> Dataset:
    ds = _base(p, SEG, "SEG", 2)
    ds.SegmentationType = "BINARY"
    ds.ImageType = ["DERIVED", "PRIMARY"]
    ds.ContentLabel = "LUNG_SEG"
    ds.ContentDescription = "lung nodules"
    ds.ContentCreatorName = "Jeon^Hyunwoo=全^炫宇=전^현우"
    ds.SeriesDescription = "Segmentation"
    segment = Dataset()
    segment.SegmentNumber = 1
    segment.SegmentLabel = "황서연 결절 1"
    segment.SegmentDescription = "nodule of HWANG SEOYEON, drawn by 전현우 2024-06-12"
    segment.SegmentAlgorithmType = "MANUAL"
    segment.SegmentedPropertyCategoryCodeSequence = Sequence([_code("49755003", "SCT", "Morphologically Altered Structure")])
    segment.SegmentedPropertyTypeCodeSequence = Sequence([_code("27925004", "SCT", "Nodule")])
    ds.SegmentSequence = Sequence([segment])
    ds.Rows = ds.Columns = 8
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.BitsAllocated = ds.BitsStored = 1
    ds.HighBit = 0
    ds.PixelRepresentation = 0
    ds.NumberOfFrames = 1
    ds.PixelData = bytes([0, 24, 60, 60, 24, 0, 0, 0])
    plants += [Plant("전현우", SEG_TEXT), Plant("Hyunwoo", SEG_TEXT), Plant("炫宇", SEG_TEXT),
               Plant("HWANG SEOYEON", SEG_TEXT)]
    return ds


def _seoul_gsps(p: Person, plants: list[Plant]) -> Dataset:
    ds = _base(p, GSPS, "PR", 3)
    ds.ContentLabel = "ANNOTATION"
    ds.ContentDescription = "reading notes"
    ds.PresentationCreationDate = "20240612"
    ds.PresentationCreationTime = "120000"
    ds.ContentCreatorName = "Jeon^Hyunwoo"
    layer = Dataset()
    layer.GraphicLayer = "TEXT"
    layer.GraphicLayerOrder = 1
    ds.GraphicLayerSequence = Sequence([layer])
    annotation = Dataset()
    annotation.GraphicLayer = "TEXT"
    texts = []
    for value in ("황서연 님 결절 추적", "Hwang S.Y. SNU8820461 f/u nodule", "call 010-4417-2290 re results"):
        text = Dataset()
        text.UnformattedTextValue = value
        text.AnchorPointAnnotationUnits = "PIXEL"
        text.AnchorPoint = [10.0, 10.0]
        text.AnchorPointVisibility = "N"
        texts.append(text)
    annotation.TextObjectSequence = Sequence(texts)
    ds.GraphicAnnotationSequence = Sequence([annotation])
    layer.GraphicLayerDescription = "callback tel 010-9921-3307"
    plants.append(Plant("010-9921-3307", LABEL))
    plants += [Plant("황서연 님", GSPS_TEXT), Plant("Hwang S.Y", GSPS_TEXT)]
    return ds


# --- Kyiv: a KOS document and a 12-lead ECG -------------------------------------------------------


def _kyiv_ecg(p: Person, plants: list[Plant]) -> Dataset:
    ds = _base(p, ECG, "ECG", 1)
    ds.StudyDescription = "ЕКГ 12"
    group = Dataset()
    group.MultiplexGroupLabel = "RHYTHM"
    group.WaveformOriginality = "ORIGINAL"
    group.NumberOfWaveformChannels = 1
    group.NumberOfWaveformSamples = 4
    group.SamplingFrequency = "500"
    channel = Dataset()
    channel.ChannelSourceSequence = Sequence([_code("2:1", "MDC", "Lead I")])
    channel.ChannelLabel = "I"
    channel.WaveformBitsStored = 16
    group.ChannelDefinitionSequence = Sequence([channel])
    group.WaveformBitsAllocated = 16
    group.WaveformSampleInterpretation = "SS"
    group.WaveformData = np.array([80, 120, 100, 90], dtype=np.int16).tobytes()
    ds.WaveformSequence = Sequence([group])
    notes = []
    for value in ("Шевчук О.П., 54 р., KYV5561902", "recorded by nurse Bondarenko, tel. 067 441 2093",
                  "sinus rhythm 72/min"):
        note = Dataset()
        note.UnformattedTextValue = value
        note.ReferencedWaveformChannels = [1, 1]
        notes.append(note)
    ds.WaveformAnnotationSequence = Sequence(notes)
    ds.AcquisitionContextSequence = Sequence([])
    channel.ChannelLabel = "I Chevtchouk"
    plants.append(Plant("Chevtchouk", SPELLING))
    plants += [Plant("Шевчук О", WAVEFORM), Plant("Bondarenko", WAVEFORM), Plant("067 441 2093", WAVEFORM)]
    _comment(p, ds, plants)
    return ds


def _kyiv_kos(p: Person, plants: list[Plant]) -> Dataset:
    ds = _base(p, KOS, "KO", 2)
    ds.ValueType = "CONTAINER"
    ds.ContinuityOfContent = "SEPARATE"
    ds.ConceptNameCodeSequence = Sequence([_code("113000", "DCM", "Of Interest")])
    template = Dataset()
    template.MappingResource = "DCMR"
    template.TemplateIdentifier = "2010"
    ds.ContentTemplateSequence = Sequence([template])
    title = _item("CONTAINS", "TEXT", ("113012", "DCM", "Key Object Description"),
                  TextValue="Для д-ра Коваленка: Шевчук Оксана, ЕКГ від 29.05 - порівняти; Oksana Shevchuk")
    observer = _item("HAS OBS CONTEXT", "PNAME", ("121008", "DCM", "Person Observer Name"),
                     PersonName="Коваленко^Андрій")
    image = _item("CONTAINS", "COMPOSITE", ("260753009", "SCT", "Source"))
    reference = Dataset()
    reference.ReferencedSOPClassUID = ECG
    reference.ReferencedSOPInstanceUID = _uid(p, 1001)
    image.ReferencedSOPSequence = Sequence([reference])
    ds.ContentSequence = Sequence([title, observer, image])
    series = Dataset()
    series.SeriesInstanceUID = _uid(p, 3)
    series.ReferencedSOPSequence = Sequence([reference])
    evidence = Dataset()
    evidence.StudyInstanceUID = _uid(p, 1)
    evidence.ReferencedSeriesSequence = Sequence([series])
    ds.CurrentRequestedProcedureEvidenceSequence = Sequence([evidence])
    plants += [Plant("Коваленка", KOS_TEXT), Plant("Коваленко", KOS_TEXT), Plant("Андрій", KOS_TEXT),
               Plant("Oksana Shevchuk", KOS_TEXT), Plant("29.05", KOS_TEXT)]
    return ds


# --- Kahira: an ultrasound with VR UN private text; an encapsulated PDF and CDA ----------------------


def _kahira_us(p: Person, plants: list[Plant]) -> Dataset:
    ds = _base(p, US, "US", 1)
    ds.StudyDescription = "US ABDOMEN"
    ds.BurnedInAnnotation = "NO"  # released, so that its private elements are read
    _comment(p, ds, plants)
    ds.add_new(0x00290010, "LO", "KASR_ALAINY_HIS 2.0")
    ds.add_new(0x00291010, "UN", "YASMIN ELSHENNAWY 0100-334-5521 ".encode("ascii"))
    ds.add_new(0x00291011, "UN", "ياسمين الشناوي - قسم الأشعة ".encode("iso8859-6"))
    ds.add_new(0x00291012, "UN", b"KSR4471208\\19771123")
    # a Toshiba group the knowledge base knows, its text written as UN by a router
    ds.add_new(0x70050010, "LO", "TOSHIBA_MEC_CT3")
    ds.add_new(0x70051030, "UN", b"ELSHENNAWY^YASMIN^^^ ")
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.FrameLabel = "Elshennawi liver"
    plants.append(Plant("Elshennawi", GEMINATED))
    plants += [Plant("YASMIN ELSHENNAWY", PRIVATE_UN), Plant("0100-334-5521", PRIVATE_UN),
               Plant("قسم الأشعة", PRIVATE_UN), Plant("ELSHENNAWY", PRIVATE_UN)]
    _pixels(ds)
    return ds


_PDF = (b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
        b"2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n"
        b"3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 200 100] /Contents 4 0 R >> endobj\n"
        b"4 0 obj << /Length 64 >> stream\nBT /F1 10 Tf 10 50 Td (Yasmin El-Shennawy KSR4471208 23/11/1977) Tj ET\n"
        b"endstream endobj\n5 0 obj << /Author (Dr Hany Mostafa) /Title (Ultrasound report El-Shennawy) >> endobj\n"
        b"trailer << /Root 1 0 R /Info 5 0 R >>\n%%EOF\n")

_CDA = ("<?xml version='1.0' encoding='UTF-8'?><ClinicalDocument xmlns='urn:hl7-org:v3'><recordTarget><patientRole>"
        "<id extension='KSR4471208' root='2.16.818.1'/><addr><streetAddressLine>14 Tahrir Street</streetAddressLine>"
        "<city>Dokki</city></addr><telecom value='tel:+20-100-334-5521'/><patient><name><given>Yasmin</given>"
        "<family>El-Shennawy</family></name><birthTime value='19771123'/></patient></patientRole></recordTarget>"
        "<title>Referral for Yasmin El-Shennawy</title></ClinicalDocument>").encode()


def _kahira_document(p: Person, plants: list[Plant], sop_class: str, data: bytes, mime: str, title: str) -> Dataset:
    ds = _base(p, sop_class, "DOC", 2 if sop_class == PDF else 3)
    ds.DocumentTitle = title
    ds.MIMETypeOfEncapsulatedDocument = mime
    ds.BurnedInAnnotation = "YES"
    ds.ConceptNameCodeSequence = Sequence([_code("18748-4", "LN", "Diagnostic imaging report")])
    ds.EncapsulatedDocument = data + (b"\0" if len(data) % 2 else b"")
    ds.EncapsulatedDocumentLength = len(data)
    return ds


# --- Bangkok, Guangzhou, Portland: comments in Thai, a name with pinyin, the leftovers ----------------


def _simple(p: Person, plants: list[Plant], sop_class: str, modality: str, description: str) -> Dataset:
    ds = _base(p, sop_class, modality, 1)
    ds.StudyDescription = description
    _comment(p, ds, plants)
    _pixels(ds)
    return ds


def _portland_mg(p: Person, plants: list[Plant]) -> Dataset:
    """The mammogram: the comment's leftovers, and labels that are no free text holding a name of
    dictionary words and an accession-like token."""
    ds = _simple(p, plants, MG, "MG", "SCREENING MAMMOGRAM BILATERAL")
    ds.WindowCenter, ds.WindowWidth = ["2047", "2047"], ["4096", "2048"]
    ds.WindowCenterWidthExplanation = ["FRANK CHURCH", "Acc 24-770416"]
    ds.ImplantTemplateGroupName = "Frank Church"
    plants += [Plant("FRANK CHURCH", LABEL), Plant("24-770416", LABEL), Plant("Frank Church", LABEL)]
    return ds


def _portland_legacy(p: Person, plants: list[Plant]) -> Dataset:
    """A CT an old PACS migrated: a curve with a label, the retired Interpretation module, the
    file meta's private information and source AE title, text in the preamble and in trailing
    padding, an icon inside a referenced image's item; occupation and location of words."""
    ds = _base(p, CT, "CT", 2)
    ds.StudyDescription = "CT CHEST"
    ds.BurnedInAnnotation = "NO"
    _pixels(ds)
    for element, vr, value in ((0x50000005, "US", 1), (0x50000010, "US", 2), (0x50000020, "CS", "TAC"),
                               (0x50000022, "LO", "curve of Delacroix Renee"), (0x50002500, "LO", "RDELACROIX"),
                               (0x50003000, "OW", np.array([1, 2], dtype=np.uint16).tobytes()),
                               (0x4008010C, "PN", "Fairbairn^Oswin"), (0x40080102, "PN", "Quennell^Aldous"),
                               (0x40080040, "SH", "RES-5519302"), (0x40080042, "LO", "Fairbairn Radiology"),
                               (0x00321033, "LO", "Delacroix family practice"), (0x00380300, "LO", "Ward 7 bed Delacroix")):
        ds.add_new(element, vr, value)
    ds.Occupation = "Teacher at Oswego High"
    ds.file_meta.SourceApplicationEntityTitle = "DELACROIX_WS"
    ds.file_meta.PrivateInformationCreatorUID = f"{ROOT}.77"
    ds.file_meta.PrivateInformation = b"patient Renee Delacroix OHS0982243 "
    ds.preamble = b"II*\0" + b"Renee ORourke-Delacroix 1969 TIFF".ljust(124, b" ")
    reference = Dataset()
    reference.ReferencedSOPClassUID = MG
    reference.ReferencedSOPInstanceUID = _uid(p, 1001)
    icon = Dataset()
    icon.Rows, icon.Columns = 1, 16
    icon.SamplesPerPixel = 1
    icon.PhotometricInterpretation = "MONOCHROME2"
    icon.BitsAllocated = icon.BitsStored = 8
    icon.HighBit = 7
    icon.PixelRepresentation = 0
    icon.PixelData = b"DELACROIX RENEE "
    reference.IconImageSequence = Sequence([icon])
    ds.ReferencedImageSequence = Sequence([reference])
    ds.add_new(0xFFFCFFFC, "OB", b"ORourke-Delacroix trailing pad ")
    plants += [Plant("curve of Delacroix", LEGACY), Plant("RDELACROIX", LEGACY), Plant("Fairbairn", LEGACY),
               Plant("Quennell", LEGACY), Plant("5519302", LEGACY), Plant("family practice", LEGACY),
               Plant("bed Delacroix", LEGACY), Plant("DELACROIX_WS", LEGACY), Plant("Renee Delacroix", LEGACY),
               Plant("Renee ORourke-Delacroix 1969", LEGACY), Plant("DELACROIX RENEE", LEGACY),
               Plant("trailing pad", LEGACY), Plant("Oswego High", WORKPLACE)]
    return ds


def _bangkok_cr(p: Person, plants: list[Plant]) -> Dataset:
    ds = _simple(p, plants, CR, "CR", "CHEST PA")
    ds.FrameLabel = "SRISOOK CXR"
    plants.append(Plant("SRISOOK", SPELLING))
    return ds


def _write(ds: Dataset, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    ds.save_as(path, enforce_file_format=True)

# Red team 17's plant-list audit (tests/plant_audit.py): identifiers this archive writes that its plant
# list lacked (now searched for too), and values that look identifying but are not, with the reason.
AUDIT_SURFACE = "an identifier the plant list lacked until the audit of red team 17"
AUDIT_PLANTS = (
    '2024-06-12', 'Aldous', 'Jeon', 'LIANG', 'Oswin', 'Yossi', 'Νικόλαος', 'Оксана',
)
AUDIT_SAFE: dict[str, str] = {
    'ATHINA': "a site's or system's name, not a person's (the release names its sites)",
    'KAHIRA': "a site's or system's name, not a person's (the release names its sites)",
    'KYIV': "a site's or system's name, not a person's (the release names its sites)",
    'PORTLAND': "a site's or system's name, not a person's (the release names its sites)",
    'Ευαγγελισμός Ακτινολογικό': "a site's or system's name, not a person's (the release names its sites)",
}



def build(root: str | Path) -> Planted:
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    plants: list[Plant] = []
    for p in PEOPLE.values():
        _header_plants(p, plants)
    gr, il, kr, ua, eg, th, cn, us = PEOPLE.values()
    _write(_athina_ct(gr, plants), root / gr.site / "CT" / "IM0001.dcm")
    _write(_athina_sr(gr, plants), root / gr.site / "SR" / "SR0001.dcm")
    _write(_telaviv_rtstruct(il, plants), root / il.site / "RT" / "RS.dcm")
    _write(_telaviv_rtplan(il, plants), root / il.site / "RT" / "RP.dcm")
    _write(_seoul_cr(kr, plants), root / kr.site / "1" / "CR.dcm")
    _write(_seoul_seg(kr, plants), root / kr.site / "1" / "SEG.dcm")
    _write(_seoul_gsps(kr, plants), root / kr.site / "1" / "PR.dcm")
    _write(_kyiv_ecg(ua, plants), root / ua.site / "ecg" / "0001")
    _write(_kyiv_kos(ua, plants), root / ua.site / "ecg" / "0002")
    _write(_kahira_us(eg, plants), root / eg.site / "US" / "US0001")
    _write(_kahira_document(eg, plants, PDF, _PDF, "application/pdf", "تقرير الشناوي ياسمين"),
           root / eg.site / "DOC" / "ElShennawy_Yasmin_report.dcm")
    _write(_kahira_document(eg, plants, CDA, _CDA, "text/XML", "Referral El-Shennawy"),
           root / eg.site / "DOC" / "ElShennawy_Yasmin_referral.dcm")
    plants += [Plant("Mostafa", DOCUMENT), Plant("El-Shennawy", DOCUMENT), Plant("Tahrir", DOCUMENT),
               Plant("ElShennawy_Yasmin", DOCUMENT), Plant("23/11/1977", DOCUMENT)]
    _write(_bangkok_cr(th, plants), root / th.site / "CR" / "1.dcm")
    guangzhou = _simple(cn, plants, MR, "MR", "MR 头颅平扫")
    guangzhou.FrameLabel = "Leung Mei Ling T2"  # the family name in its Cantonese spelling
    plants.append(Plant("Leung", SPELLING, True))
    _write(guangzhou, root / cn.site / "MR" / "1.dcm")
    _write(_portland_mg(us, plants), root / us.site / "MG" / "1.dcm")
    _write(_portland_legacy(us, plants), root / us.site / "CT" / "1.dcm")
    plants += [Plant(value, AUDIT_SURFACE, word=len(value) <= 4) for value in AUDIT_PLANTS]
    return Planted(root, tuple(dict.fromkeys(plants)))


_MORE = ("iso8859-6", "iso8859-8", "cp1253", "cp1255", "cp1256", "cp874", "koi8-u", "big5", "cp949")


def leaks(folders: list[Path], planted: Planted, console: dict[str, str] | None = None) -> list[tuple[str, str, str]]:
    """Every (where, plant, surface) found below ``folders`` and in ``console``: round 12's search,
    and every file (but Parquet indexes, searched by their cells) read in the Arabic, Hebrew,
    Greek, Thai, Ukrainian, Big5 and Korean code pages too."""
    hits = r12.leaks(folders, planted, console)
    for folder in folders:
        for path in sorted(folder.rglob("*")):
            if not path.is_file() or path.suffix == ".parquet":
                continue
            data = path.read_bytes()
            folded = [r9.fold(data.decode(codec, "replace")) for codec in _MORE]
            digits = [r9.r7._digits(text) for text in folded]
            where = f"{folder.name}/{path.relative_to(folder).as_posix()}"
            hits += [(where, plant.value, plant.surface) for plant in planted.plants
                     if any(r9._found(text, number, plant) for text, number in zip(folded, digits))]
    return sorted(set(hits))
