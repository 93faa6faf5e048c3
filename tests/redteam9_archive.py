"""Red team, round 9: an archive of synthetic people planted in forms and places rounds 1-8 did
not use, and a search of every output for them.

Written without the earlier rounds' plant lists (the search is round 8's, with the Hebrew and
Windows Cyrillic codecs added).  Every person, number and address is invented; the national
numbers have valid check digits.  Each plant carries its leak class (``surface``).

People and what they try:

- ``uk``: a Ukrainian patient written in ISO 2022 IR 144, the Cyrillic switched on and off by
  escape sequences inside values; free text spells him in the passport's ICAO 9303 letters
  (IAROSHENKO: Я as IA), in Polish (Jaroszenko), in his Russian given name (Aleksandr), and
  calls him Sasha;
- ``bg``: a Bulgarian patient in ISO_IR 144 (Ъ is A, Щ is SHT in Bulgarian spelling:
  Parvanova, not Pyrvanova), with her EGN;
- ``he``: a Hebrew name in ISO_IR 138, written in Latin letters (Ben-David, Avigail, Abigail);
- ``nl``: a Dutch surname with particles (van der Berg: vd Berg, VANDERBERG, VDBERG), the
  diminutive of Johanna (Hanneke), a BSN and an IBAN;
- ``es``: a Spanish double surname with a particle (de la Fuente Ortega), one of its parts
  alone, María José as Mª José and Marijose, a DNI;
- ``ie``: an Irish name with an apostrophe (O'Sullivan: OSULLIVAN, O Sullivan), a tel: and
  a mailto: URI, a percent-encoded @, an IDN e-mail, a PPS number;
- ``en``: William Robert Whitmore, called Bill and Bob; a US SSN, an accession number in
  free text and in a zip member name; his folders name him at three levels;
- ``ot``: a patient named Other (a word of curator's own vocabulary: modality family
  ``other``), with French, Italian, Polish, Indian and Chinese numbers in her notes.

Places: SR PNAME, DATE and TEXT content items four containers deep, RT ROI names
("W Whitmore PTV"), SEG segment labels and descriptions, private sequences under a known and
an unknown creator, Other Patient IDs Sequence, Position Reference Indicator, a DICOMDIR's
patient and study records, folder names at several levels, a comment whose name and number
are split over a CR LF, a zip member named by an accession number.
"""
from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.sequence import Sequence
from pydicom.uid import ExplicitVRLittleEndian

import redteam7_archive as r7
import redteam8_archive as r8
from redteam7_archive import Plant, Planted, fold

CT = "1.2.840.10008.5.1.4.1.1.2"
SR = "1.2.840.10008.5.1.4.1.1.88.33"
RTSTRUCT = "1.2.840.10008.5.1.4.1.1.481.3"
SEG = "1.2.840.10008.5.1.4.1.1.66.4"
DICOMDIR = "1.2.840.10008.1.3.10"
ROOT = "1.2.826.0.1.3680043.10.1079"
STUDY_DATE = "20240415"


@dataclass(frozen=True)
class Person:
    key: str
    name: str  # PatientName as the header writes it
    charset: str
    mrn: str
    birth: str
    sex: str
    accession: str


PEOPLE = {
    "uk": Person("uk", "Ярошенко^Олександр^Іванович", "\\ISO 2022 IR 144", "UA3307514", "19620817", "M", "RAD24-118733"),
    "bg": Person("bg", "Първанова^Цветелина", "ISO_IR 144", "BG6620983", "19710402", "F", "RAD24-220915"),
    "he": Person("he", "בן דוד^אביגיל", "ISO_IR 138", "IL4409127", "19880923", "F", "RAD24-330461"),
    "nl": Person("nl", "van der Berg^Johanna", "ISO_IR 100", "NL8812370", "19530130", "F", "RAD24-447208"),
    "es": Person("es", "de la Fuente Ortega^María José", "ISO_IR 192", "ES2094418", "19671109", "F", "RAD24-551376"),
    "ie": Person("ie", "O'Sullivan^Siobhán", "ISO_IR 192", "IE7741205", "19790614", "F", "RAD24-668042"),
    "en": Person("en", "Whitmore^William^Robert", "", "US5528914", "19451203", "M", "RAD24-779150"),
    "ot": Person("ot", "Other^Mavis", "ISO_IR 192", "GB9036627", "19580221", "F", "RAD24-880327"),
}
INSTITUTION = "Kestrel Valley Hospital"

# Leak classes.
HEADER = "patient name or ID as the header writes it"
TRANSLIT = "Cyrillic name in another national or passport transliteration"
HEBREW = "Hebrew name in Latin letters"
NICK = "diminutive or nickname of a given name"
PARTICLE = "surname with a particle or apostrophe written another way"
DOUBLE = "one part of a double surname, or an abbreviated given name"
NATIONAL = "national ID or bank account number with a check digit"
URI = "number or address in a URI (tel:, mailto:, %40) or an IDN e-mail"
SPLIT = "identifier split over two lines"
STRUCT = "identifier in an SR PNAME, DATE or TEXT item at depth"
RT = "name in an RT ROI name or a SEG segment label"
PRIVSEQ = "identifier in a private sequence"
POSITION = "name in the Position Reference Indicator"
OTHERIDS = "ID of Other Patient IDs Sequence in another form"
DIRECTORY = "name or ID in a DICOMDIR record"
PATH = "name or ID in folder names at several levels"
ACCESSION = "accession number in free text or a zip member name"
VOCAB = "patient named like a value of curator's vocabulary"


def _iban(country: str, bban: str) -> str:
    digits = "".join(str(int(c, 36)) for c in bban + country + "00")
    return f"{country}{98 - int(digits) % 97:02d}{bban}"


def _grouped(text: str) -> str:
    return " ".join(text[i:i + 4] for i in range(0, len(text), 4))


def _dni(number: int) -> str:
    return f"{number}{'TRWAGMYFPDXBNJZSQVHLCKE'[number % 23]}"


def _pesel(base: str) -> str:
    weights = (1, 3, 7, 9, 1, 3, 7, 9, 1, 3)
    return base + str((10 - sum(int(a) * b for a, b in zip(base, weights)) % 10) % 10)


def _bsn(base: str) -> str:
    total = sum((9 - i) * int(c) for i, c in enumerate(base))
    return base + next(str(d) for d in range(10) if (total - d) % 11 == 0)


def _cn_id(base: str) -> str:
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    return base + "10X98765432"[sum(int(a) * b for a, b in zip(base, weights)) % 11]


def _nir(base: str) -> str:
    return f"{base[0]} {base[1:3]} {base[3:5]} {base[5:7]} {base[7:10]} {base[10:13]} {97 - int(base) % 97:02d}"


def _egn(base: str) -> str:
    weights = (2, 4, 8, 5, 10, 9, 7, 3, 6)
    return base + str(sum(int(a) * b for a, b in zip(base, weights)) % 11 % 10)


# What each patient's ward writes about them (free text) and the plants in it.
_TEXTS: dict[str, tuple[str, list[tuple[str, str, bool]]]] = {
    "uk": ("pt IAROSHENKO OLEKSANDR (passport), Aleksandr Jaroszenko; calls himself Sasha; Ivanovych",
           [("IAROSHENKO", TRANSLIT, False), ("Jaroszenko", TRANSLIT, False), ("Aleksandr", TRANSLIT, False),
            ("Sasha", NICK, False), ("Ivanovych", TRANSLIT, False)]),
    "bg": (f"PARVANOVA TSVETELINA, Cvetelina Parvanova (Pyrvanova); EGN {_egn('710402518')}",
           [("PARVANOVA", TRANSLIT, False), ("Cvetelina", TRANSLIT, False), ("Pyrvanova", TRANSLIT, False),
            ("Tsvetelina", TRANSLIT, False), (_egn("710402518"), NATIONAL, False)]),
    "he": ("Avigail Ben-David (Abigail Ben David), teudat zehut 305517828",
           [("Avigail", HEBREW, False), ("Ben-David", HEBREW, False), ("Abigail", HEBREW, False),
            ("305517828", NATIONAL, False)]),
    "nl": (f"Mw. J. vd Berg (VANDERBERG J), roepnaam Hanneke, zus zegt Joke; BSN {_bsn('27394618')}; "
           f"IBAN {_grouped(_iban('NL', 'RABO0314722875'))}",
           [("vd Berg", PARTICLE, False), ("VANDERBERG", PARTICLE, False), ("Hanneke", NICK, False), ("Joke", NICK, True),
            (_bsn("27394618"), NATIONAL, False), (_grouped(_iban("NL", "RABO0314722875"))[10:], NATIONAL, False)]),
    "es": (f"Mª José Fuente, Sra. Ortega, Marijose; DNI {_dni(48295731)}",
           [("Fuente", DOUBLE, True), ("Ortega", DOUBLE, True), ("Marijose", DOUBLE, False), ("Mª José", DOUBLE, False),
            (_dni(48295731), NATIONAL, False)]),
    "ie": ("Siobhan OSullivan / O Sullivan S; tel:+353-1-555-0187; mailto:siobhan.os%40eircom.ie; "
           "☎ 087 555 0142; mail siobhán@éire-post.ie; PPS 8765432TA",
           [("OSullivan", PARTICLE, False), ("O Sullivan", PARTICLE, False), ("+353-1-555-0187", URI, False),
            ("siobhan.os", URI, False), ("087 555 0142", URI, False), ("siobhán@", URI, False),
            ("éire-post", URI, False), ("8765432TA", NATIONAL, False)]),
    "en": (f"Bill (William) prefers Bob, wife calls him Rob; SSN 512-48-3391; acc {PEOPLE['en'].accession}; "
           f"bank {_grouped(_iban('GB', 'BARC20035347614908'))}",
           [("Bill", NICK, True), ("Bob", NICK, True), ("Rob", NICK, True), ("512-48-3391", NATIONAL, False),
            (_grouped(_iban("GB", "BARC20035347614908"))[10:], NATIONAL, False)]),
    "ot": (f"Mrs Other; NIR {_nir('2580275115042')}; CF THRMVS58B61H501Z; PESEL {_pesel('5802210427')}; "
           f"Aadhaar 4829 3716 5054; 身份证 {_cn_id('11010519580221352')}",
           [("Mrs Other", VOCAB, False), (_nir("2580275115042"), NATIONAL, False), ("THRMVS58B61H501Z", NATIONAL, False),
            (_pesel("5802210427"), NATIONAL, False), ("4829 3716 5054", NATIONAL, False),
            (_cn_id("11010519580221352"), NATIONAL, False)]),
}


def _meta(ds: Dataset, sop_class: str, uid: str) -> None:
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = sop_class
    meta.MediaStorageSOPInstanceUID = uid
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    meta.ImplementationClassUID = ROOT + ".1"
    ds.file_meta = meta
    ds.SOPClassUID = sop_class
    ds.SOPInstanceUID = uid


def _uid(p: Person, n: int) -> str:
    return f"{ROOT}.{sum(map(ord, p.key))}.{n}"


def _base(p: Person, sop_class: str, modality: str, series: int, instance: int = 1) -> Dataset:
    ds = Dataset()
    _meta(ds, sop_class, _uid(p, series * 100 + instance))
    if p.charset:
        ds.SpecificCharacterSet = p.charset
    ds.PatientName = p.name
    ds.PatientID = p.mrn
    ds.PatientBirthDate = p.birth
    ds.PatientSex = p.sex
    ds.PatientAge = f"{2024 - int(p.birth[:4]):03d}Y"
    ds.PatientWeight = "68"
    ds.PatientSize = "1.69"
    ds.StudyInstanceUID = _uid(p, 1)
    ds.SeriesInstanceUID = _uid(p, series)
    ds.StudyDate = STUDY_DATE
    ds.StudyTime = "101500"
    ds.AccessionNumber = p.accession
    ds.StudyID = "1"
    ds.ReferringPhysicianName = ""
    ds.InstitutionName = INSTITUTION
    ds.Modality = modality
    ds.SeriesNumber = series
    ds.InstanceNumber = instance
    return ds


def _pixels(ds: Dataset, n: int) -> None:
    ds.Rows = ds.Columns = 8
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.BitsAllocated = ds.BitsStored = 16
    ds.HighBit = 15
    ds.PixelRepresentation = 0
    ds.PixelData = (np.arange(64, dtype=np.uint16) * (n + 3)).tobytes()


def _code(value: str, scheme: str, meaning: str) -> Sequence:
    item = Dataset()
    item.CodeValue, item.CodingSchemeDesignator, item.CodeMeaning = value, scheme, meaning
    return Sequence([item])


def _latin(p: Person) -> tuple[str, str]:
    """The patient's family and given names in Latin letters as a ward writes them."""
    return {"uk": ("Iaroshenko", "Oleksandr"), "bg": ("Parvanova", "Tsvetelina"), "he": ("BenDavid", "Avigail"),
            "nl": ("vdBerg", "Johanna"), "es": ("Fuente", "Majose"), "ie": ("OSullivan", "Siobhan"),
            "en": ("Whitmore", "William"), "ot": ("Other", "Mavis")}[p.key]


def _ct(p: Person, plants: list[Plant], n: int = 1) -> Dataset:
    ds = _base(p, CT, "CT", 1, n)
    ds.Manufacturer = "SIEMENS"
    ds.ManufacturerModelName = "SOMATOM Force"
    ds.StudyDescription = "CT CHEST"
    ds.SeriesDescription = "AXIAL 1.0 Br40"
    ds.BodyPartExamined = "CHEST"
    ds.ImageType = ["ORIGINAL", "PRIMARY", "AXIAL"]
    text, found = _TEXTS[p.key]
    ds.ImageComments = text
    plants += [Plant(value, surface, word) for value, surface, word in found]
    ds.FrameOfReferenceUID = _uid(p, 9)
    family, given = _latin(p)
    ds.PositionReferenceIndicator = f"XY {family.upper()}"
    plants.append(Plant(f"XY {family.upper()}", POSITION))
    ds.ImagePositionPatient = [0, 0, float(n)]
    ds.ImageOrientationPatient = [1, 0, 0, 0, 1, 0]
    ds.PixelSpacing = [0.7, 0.7]
    ds.SliceThickness = "1.0"
    _pixels(ds, n)
    # Other Patient IDs Sequence: a former number, and again in free text written another way
    other = Dataset()
    other.PatientID = f"OLD-{p.mrn[2:5]}-{p.mrn[5:]}"
    other.IssuerOfPatientID = "FORMER RIS"
    other.TypeOfPatientID = "TEXT"
    ds.OtherPatientIDsSequence = Sequence([other])
    ds.PatientComments = f"former record OLD {p.mrn[2:5]} {p.mrn[5:]}"
    plants.append(Plant(f"{p.mrn[2:5]} {p.mrn[5:]}", OTHERIDS))
    # a comment whose name and number are split over two lines
    ds.AdditionalPatientHistory = f"referred by ward 3, pt {given}\r\n{family}, MRN {p.mrn[:5]}\r\n{p.mrn[5:]}"
    plants.append(Plant(f"{p.mrn[:5]}\r\n{p.mrn[5:]}", SPLIT))
    plants.append(Plant(f"{given}\r\n{family}", SPLIT))
    # a private sequence under a known creator (Siemens CSA) and one under an unknown creator
    block = ds.private_block(0x0029, "SIEMENS CSA HEADER", create=True)
    block.add_new(0x08, "CS", "IMAGE NUM 4")
    unknown = ds.private_block(0x0033, "KESTREL RIS 2", create=True)
    item = Dataset()
    item.PatientName = f"{family}^{given}"
    item.add_new(0x00100020, "LO", f"K{p.mrn}")
    item.add_new(0x00321032, "PN", f"{family}^{given}")
    unknown.add_new(0x10, "SQ", Sequence([item]))
    unknown.add_new(0x11, "LO", f"{given} {family} {p.birth}")
    plants.append(Plant(f"K{p.mrn}", PRIVSEQ))
    plants.append(Plant(f"{given} {family} {p.birth}", PRIVSEQ))
    return ds


def _sr(p: Person, plants: list[Plant]) -> Dataset:
    """A comprehensive SR whose PNAME, DATE and TEXT items lie four containers deep."""
    ds = _base(p, SR, "SR", 30)
    ds.ValueType = "CONTAINER"
    ds.ContinuityOfContent = "SEPARATE"
    ds.CompletionFlag = "COMPLETE"
    ds.VerificationFlag = "UNVERIFIED"
    ds.ConceptNameCodeSequence = _code("126000", "DCM", "Imaging Measurement Report")
    family, given = _latin(p)
    pname = Dataset()
    pname.RelationshipType, pname.ValueType = "HAS OBS CONTEXT", "PNAME"
    pname.ConceptNameCodeSequence = _code("121008", "DCM", "Person Observer Name")
    pname.PersonName = f"{family}^{given}^^Dr"
    date = Dataset()
    date.RelationshipType, date.ValueType = "CONTAINS", "DATE"
    date.ConceptNameCodeSequence = _code("121195", "DCM", "Date of birth")
    date.Date = p.birth
    text = Dataset()
    text.RelationshipType, text.ValueType = "CONTAINS", "TEXT"
    text.ConceptNameCodeSequence = _code("121071", "DCM", "Finding")
    text.TextValue = f"nodule stable; pt {given.upper()} {family.upper()} born {p.birth[6:]}.{p.birth[4:6]}.{p.birth[:4]}"
    plants += [Plant(f"{family}^{given}", STRUCT), Plant(p.birth, STRUCT),
               Plant(f"{p.birth[6:]}.{p.birth[4:6]}.{p.birth[:4]}", STRUCT), Plant(f"{given} {family}", STRUCT)]
    node: list[Dataset] = [pname, date, text]
    for depth in range(4):
        parent = Dataset()
        parent.RelationshipType, parent.ValueType, parent.ContinuityOfContent = "CONTAINS", "CONTAINER", "SEPARATE"
        parent.ConceptNameCodeSequence = _code("111028", "DCM", f"Image Library {depth}")
        parent.ContentSequence = Sequence(node)
        node = [parent]
    ds.ContentSequence = Sequence(node)
    return ds


def _rtstruct(p: Person, plants: list[Plant]) -> Dataset:
    ds = _base(p, RTSTRUCT, "RTSTRUCT", 50)
    ds.StructureSetLabel = "PLAN1"
    ds.StructureSetDate = STUDY_DATE
    family, given = _latin(p)
    rois, observations = [], []
    for number, name in enumerate((f"{given[0]} {family} PTV", f"GTV_{family.upper()[:6]}", "Lung_L"), 1):
        roi = Dataset()
        roi.ROINumber = number
        roi.ReferencedFrameOfReferenceUID = _uid(p, 9)
        roi.ROIName = name
        roi.ROIGenerationAlgorithm = "MANUAL"
        rois.append(roi)
        obs = Dataset()
        obs.ObservationNumber = number
        obs.ReferencedROINumber = number
        obs.RTROIInterpretedType = "PTV" if number == 1 else "ORGAN"
        obs.ROIInterpreter = ""
        observations.append(obs)
    ds.StructureSetROISequence = Sequence(rois)
    ds.RTROIObservationsSequence = Sequence(observations)
    plants += [Plant(f"{given[0]} {family} PTV", RT), Plant(f"GTV_{family.upper()[:6]}", RT)]
    return ds


def _seg(p: Person, plants: list[Plant]) -> Dataset:
    ds = _base(p, SEG, "SEG", 60)
    ds.Manufacturer = "curator-tests"
    ds.SegmentationType = "BINARY"
    ds.ImageType = ["DERIVED", "PRIMARY"]
    family, given = _latin(p)
    ds.ContentLabel, surface = _LABELS[p.key]  # the patient in another spelling in a kept code string
    if surface:
        plants.append(Plant(ds.ContentLabel.split("_")[0], surface))
    segment = Dataset()
    segment.SegmentNumber = 1
    segment.SegmentLabel = f"nodule {family}"
    segment.SegmentDescription = f"drawn for {given} {family}, {p.mrn}"
    segment.SegmentAlgorithmType = "MANUAL"
    segment.SegmentedPropertyCategoryCodeSequence = _code("49755003", "SCT", "Morphologically Altered Structure")
    segment.SegmentedPropertyTypeCodeSequence = _code("27925004", "SCT", "Nodule")
    ds.SegmentSequence = Sequence([segment])
    ds.Rows = ds.Columns = 8
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.BitsAllocated = ds.BitsStored = 1
    ds.HighBit = 0
    ds.PixelRepresentation = 0
    ds.NumberOfFrames = 1
    ds.PixelData = bytes(8)
    plants += [Plant(f"nodule {family}", RT)]
    return ds


# A SEG's Content Label (a kept code string) naming the patient in a form the header does not
# hold: another national spelling of a Cyrillic name (Polish, German), a diminutive, a particle
# glued to a surname that is a dictionary word.
_LABELS = {
    "uk": ("JAROSZENKO_SEG", TRANSLIT), "bg": ("ZVETELINA_SEG", TRANSLIT), "he": ("SEGMENTATION", ""),
    "nl": ("HANNEKE_SEG", NICK), "es": ("DELAFUENTE_SEG", PARTICLE), "ie": ("SHIV_SEG", NICK),
    "en": ("BILLY_SEG", NICK), "ot": ("SEGMENTATION", ""),
}


def _dicomdir(people: list[Person], plants: list[Plant]) -> Dataset:
    """A DICOMDIR whose patient and study records name the patients."""
    ds = Dataset()
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = DICOMDIR
    meta.MediaStorageSOPInstanceUID = f"{ROOT}.77.1"
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    meta.ImplementationClassUID = ROOT + ".1"
    ds.file_meta = meta
    ds.FileSetID = "KESTREL CD"
    ds.OffsetOfTheFirstDirectoryRecordOfTheRootDirectoryEntity = 0
    ds.OffsetOfTheLastDirectoryRecordOfTheRootDirectoryEntity = 0
    ds.FileSetConsistencyFlag = 0
    records = []
    for p in people:
        family, given = _latin(p)
        patient = Dataset()
        patient.OffsetOfTheNextDirectoryRecord = 0
        patient.RecordInUseFlag = 0xFFFF
        patient.OffsetOfReferencedLowerLevelDirectoryEntity = 0
        patient.DirectoryRecordType = "PATIENT"
        patient.PatientName = f"{family}^{given}"
        patient.PatientID = f"DIR{p.mrn}"
        study = Dataset()
        study.OffsetOfTheNextDirectoryRecord = 0
        study.RecordInUseFlag = 0xFFFF
        study.OffsetOfReferencedLowerLevelDirectoryEntity = 0
        study.DirectoryRecordType = "STUDY"
        study.StudyDate = STUDY_DATE
        study.StudyTime = "101500"
        study.StudyDescription = f"CT {family.upper()}"
        study.StudyInstanceUID = _uid(p, 1)
        study.StudyID = "1"
        study.AccessionNumber = f"D{p.accession}"
        records += [patient, study]
        plants += [Plant(f"DIR{p.mrn}", DIRECTORY), Plant(f"CT {family.upper()}", DIRECTORY)]
    ds.DirectoryRecordSequence = Sequence(records)
    return ds


def _write(ds: Dataset, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    ds.is_little_endian = True
    ds.is_implicit_VR = False
    ds.save_as(path, enforce_file_format=True)


def _bytes(ds: Dataset) -> bytes:
    out = io.BytesIO()
    ds.is_little_endian = True
    ds.is_implicit_VR = False
    ds.save_as(out, enforce_file_format=True)
    return out.getvalue()


_FOLDERS = {
    "uk": ("Sasha Jaroszenko", "Jaroszenko", PATH), "nl": ("Joke vd Berg", "Joke vd", PATH),
    "es": ("DelaFuente_MJ", "DelaFuente", PATH), "en": ("Bob", "Bob", PATH),
}

# Red team 17's plant-list audit (tests/plant_audit.py): identifiers this archive writes that its plant
# list lacked (now searched for too), and values that look identifying but are not, with the reason.
AUDIT_SURFACE = "an identifier the plant list lacked until the audit of red team 17"
AUDIT_PLANTS = (
    'DRAD24-330461', 'María', 'Іванович', 'Олександр', 'Цветелина',
)
AUDIT_SAFE: dict[str, str] = {
    'Kestrel Valley Hospital': "a site's or system's name, not a person's (the release names its sites)",
}



def build(root: str | Path) -> Planted:
    """Write the archive below ``root``; the test checks that every plant is in it."""
    root = Path(root)
    plants: list[Plant] = []
    people = list(PEOPLE.values())
    for i, p in enumerate(people):
        folder = root / ("site-a", "site-b")[i % 2] / f"case{i + 1}"
        if p.key == "en":  # a PACS export that names folders after the patient, the birth date and the accession
            folder = root / "site-b" / "WHITMORE, WILLIAM R" / "1945-12-03" / f"CT_{p.accession}"
            plants += [Plant("WHITMORE, WILLIAM", PATH), Plant("1945-12-03", PATH), Plant(f"CT_{p.accession}", PATH)]
        if p.key in _FOLDERS:  # a folder per patient, named in another spelling
            folder = folder / _FOLDERS[p.key][0]
            plants.append(Plant(*_FOLDERS[p.key][1:]))
        _write(_ct(p, plants), folder / "ct1.dcm")
        _write(_ct(p, [], 2), folder / "ct2.dcm")
        _write(_sr(p, plants), folder / "sr.dcm")
        if p.key in ("nl", "en", "ie", "bg"):
            _write(_rtstruct(p, plants), folder / "rs.dcm")
        _write(_seg(p, plants), folder / "seg.dcm")
        plants += [Plant(p.mrn, HEADER), Plant(p.accession, HEADER)]
    plants += [Plant("Ярошенко", HEADER), Plant("Първанова", HEADER), Plant("אביגיל", HEADER), Plant("Whitmore", HEADER),
               Plant("O'Sullivan", HEADER), Plant("Mavis", HEADER)]
    _write(_dicomdir(people[:3], plants), root / "site-a" / "DICOMDIR")
    # A CD export zipped: its members are named by the accession numbers.
    p = PEOPLE["ot"]
    zbuffer = io.BytesIO()
    with zipfile.ZipFile(zbuffer, "w") as archive:
        info = zipfile.ZipInfo(f"EXPORT/{p.accession}/IM0001.dcm", date_time=(2024, 4, 15, 0, 0, 0))
        archive.writestr(info, _bytes(_ct(p, [], 3)))
    (root / "site-c").mkdir(parents=True)
    (root / "site-c" / "cd.zip").write_bytes(zbuffer.getvalue())
    plants.append(Plant(f"{p.accession}/IM0001", ACCESSION))
    plants.append(Plant(f"acc {PEOPLE['en'].accession}", ACCESSION))
    plants += [Plant(value, AUDIT_SURFACE, word=len(value) <= 4) for value in AUDIT_PLANTS]
    return Planted(root, tuple(dict.fromkeys(plants)))


# --- the search: round 8's, with Hebrew and Windows Cyrillic byte readings ---------------

_MORE = ("iso8859-8", "cp1251", "cp1255")


def _texts(name: str, data: bytes) -> list[str]:
    if data[:4] == b"PK\x03\x04":
        out = [name]
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            out.append(archive.comment.decode("utf-8", "replace"))
            for info in archive.infolist():
                out += _texts(info.filename, archive.read(info))
        return out
    if r7.is_parquet(name):
        return r8._texts(name, data)
    return r8._texts(name, data) + [data.decode(codec, "replace") for codec in _MORE]


def _found(folded: str, digits: str, plant: Plant) -> bool:
    probe = fold(plant.value)
    if plant.word:
        return re.search(rf"(?<![^\W_]){re.escape(probe)}(?![^\W_])", folded) is not None
    if probe in folded:
        return True
    number = r7._digits(plant.value)
    return number.isdigit() and len(number) >= 8 and number in digits


def leaks(folders: list[Path], planted: Planted, console: dict[str, str] | None = None) -> list[tuple[str, str, str]]:
    """Every (where, plant, surface) found in the files below ``folders`` and ``console``."""
    sources = [(k, [v]) for k, v in (console or {}).items()]
    for folder in folders:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                rel = path.relative_to(folder).as_posix()
                sources.append((f"{folder.name}/{rel}", _texts(rel, path.read_bytes())))
    hits = []
    for where, texts in sources:
        folded = [fold(text) for text in dict.fromkeys(texts)]
        digits = [r7._digits(text) for text in folded]
        hits += [(where, plant.value, plant.surface) for plant in planted.plants
                 if any(_found(text, number, plant) for text, number in zip(folded, digits))]
    return hits
