"""Red team, round 10: an archive of synthetic people planted in DICOM objects and forms that
rounds 1-9 did not use, and a search of every output for them.

Every person, number and address is invented.  Each plant carries its leak class (``surface``).

People: a Saudi patient (Arabic and Latin name, Hijri birth date, Saudi national ID), a Korean
patient (Hangul with glued particles, resident registration number), a Thai patient (Buddhist
era dates written with numbers), a Vietnamese patient (the header in decomposed Unicode, NFD; the
notes in NFC and without diacritics), a Greek patient (ISO_IR 126, AMKA), an Iranian patient
(Solar Hijri birth date) and a Nigerian patient (Igbo name, national phone format).

Objects and places: Grayscale Softcopy Presentation State (text objects, graphic layers, content
label), Key Object Selection (TEXT, a private code meaning), a 12-lead ECG waveform (annotation
text, multiplex group label), an RT Plan (plan label/name/description, beam names and
descriptions, prescription and fraction group descriptions, setup technique), an Encapsulated PDF
and a CDA document (rejected: their titles and text must not reach a report), overlay label and
description, an Icon Image Sequence, Request Attributes Sequence (requested procedure ID,
reason), Referenced Patient Sequence, Patient Telecom Information, the birth date in the
alternative calendar, Study ID holding the accession number, UIDs built from the MRN and the
birth date, private elements of a known creator that the TCIA knowledge base marks safe
(GEMS_PETD_01 Batch Description, Landmark Name) holding text, full-width digits, zero-width
joiners inside a name, national phone formats.
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from pydicom.dataset import Dataset
from pydicom.sequence import Sequence

import redteam9_archive as r9
from redteam7_archive import Plant, Planted

CT = "1.2.840.10008.5.1.4.1.1.2"
GSPS = "1.2.840.10008.5.1.4.1.1.11.1"
KOS = "1.2.840.10008.5.1.4.1.1.88.59"
ECG = "1.2.840.10008.5.1.4.1.1.9.1.1"
RTPLAN = "1.2.840.10008.5.1.4.1.1.481.5"
PDF = "1.2.840.10008.5.1.4.1.1.104.1"
CDA = "1.2.840.10008.5.1.4.1.1.104.2"
ROOT = "1.2.826.0.1.3680043.10.1080"
STUDY_DATE = "20240415"
INSTITUTION = "Marram Coast Hospital"


@dataclass(frozen=True)
class Person:
    key: str
    name: str
    charset: str
    mrn: str
    birth: str
    sex: str
    accession: str
    latin: tuple[str, str]  # family, given as a ward writes them in Latin letters


PEOPLE = {
    "sa": Person("sa", "Al-Harbi^Mohammed=الحربي^محمد", "ISO_IR 192", "SA7730111", "19800301", "M", "MC24-301175",
                 ("Alharbi", "Mohammed")),
    "kr": Person("kr", "Kim^Minjun=김^민준", "ISO_IR 192", "KR5531920", "19750512", "M", "MC24-402286", ("Kim", "Minjun")),
    "th": Person("th", "Srisuk^Somchai=ศรีสุข^สมชาย", "ISO_IR 192", "TH4410331", "19751205", "M", "MC24-503397",
                 ("Srisuk", "Somchai")),
    "vn": Person("vn", unicodedata.normalize("NFD", "Nguyễn^Thị Minh Khai"), "ISO_IR 192", "VN3312094", "19620712", "F",
                 "MC24-604408", ("Nguyen", "Khai")),
    "gr": Person("gr", "Παπαδοπούλου^Ελένη", "ISO_IR 126", "GR6120587", "19700109", "F", "MC24-705519",
                 ("Papadopoulou", "Eleni")),
    "ir": Person("ir", "Hosseini^Zahra", "ISO_IR 192", "IR2290746", "19790405", "F", "MC24-806620", ("Hosseini", "Zahra")),
    "ng": Person("ng", "Okonkwo^Chiamaka", "", "NG4471093", "19660218", "F", "MC24-907731", ("Okonkwo", "Chiamaka")),
}

# Leak classes.
HEADER = "patient name or ID as the header writes it"
CALENDAR = "date in another calendar (Hijri, Solar Hijri, Buddhist era) or format"
SCRIPT = "name in Arabic, Hangul, Thai, Greek or Vietnamese, glued or in Latin letters"
UNICODE = "Unicode trick: NFD/NFC, full-width digits, zero-width joiner"
PHONE = "phone number in a national format"
NATIONAL = "national ID number"
GSPS_TEXT = "presentation state text object, graphic layer or content label"
KOS_TEXT = "Key Object Selection TEXT or code meaning"
WAVEFORM = "waveform annotation or channel label"
RTPLAN_TEXT = "RT Plan label, name, description, beam or setup text"
DOCUMENT = "title or text of an encapsulated PDF or CDA document"
OVERLAY = "overlay label or description, icon image"
REQUEST = "Request Attributes or Referenced Patient Sequence"
TELECOM = "Patient Telecom Information or birth date in the alternative calendar"
STUDYID = "accession number in the Study ID"
UIDS = "UID built from the MRN and the birth date"
PRIVATE = "text in a private element the knowledge base marks safe"


def _meta(ds: Dataset, sop_class: str, uid: str) -> None:
    r9._meta(ds, sop_class, uid)


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
    ds.PatientWeight = "71"
    ds.PatientSize = "1.66"
    ds.EthnicGroup = "W2"
    ds.StudyInstanceUID = _uid(p, 1)
    ds.SeriesInstanceUID = _uid(p, series)
    ds.StudyDate = STUDY_DATE
    ds.StudyTime = "093000"
    ds.AccessionNumber = p.accession
    ds.StudyID = "1"
    ds.ReferringPhysicianName = ""
    ds.InstitutionName = INSTITUTION
    ds.Modality = modality
    ds.SeriesNumber = series
    ds.InstanceNumber = instance
    return ds


def _code(value: str, scheme: str, meaning: str) -> Sequence:
    return r9._code(value, scheme, meaning)


def _hijri(date: str) -> tuple[int, int, int]:
    """The tabular (civil) Islamic calendar date of a Gregorian YYYYMMDD."""
    y, m, d = int(date[:4]), int(date[4:6]), int(date[6:])
    a = (14 - m) // 12
    y2, m2 = y + 4800 - a, m + 12 * a - 3
    jdn = d + (153 * m2 + 2) // 5 + 365 * y2 + y2 // 4 - y2 // 100 + y2 // 400 - 32045
    n, rest = divmod(jdn - 1948440 + 10632 - 1, 10631)
    rest += 1 + 354
    j = ((10985 - rest) // 5316) * ((50 * rest) // 17719) + (rest // 5670) * ((43 * rest) // 15238)
    rest = rest - ((30 - j) // 15) * ((17719 * j) // 50) - (j // 16) * ((15238 * j) // 43) + 29
    month = (24 * rest) // 709
    return 30 * n + j - 30, month, rest - (709 * month) // 24


_HIJRI = "{0}/{1:02d}/{2:02d}".format(*_hijri(PEOPLE["sa"].birth))  # 1400/04/13
_HIJRI_DMY = "{2:02d}/{1:02d}/{0}".format(*_hijri(PEOPLE["sa"].birth))
_ARABIC_DIGITS = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
_FULLWIDTH = str.maketrans({c: chr(ord(c) + 0xFEE0) for c in "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"})

# What each ward writes about its patient (Image Comments) and the plants in it.
_TEXTS: dict[str, tuple[str, list[tuple[str, str, bool]]]] = {
    "sa": (f"المريض محمد الحربي; DOB {_HIJRI} هـ ({_HIJRI_DMY}H); {_HIJRI.translate(_ARABIC_DIGITS)}; "
           f"National ID 1087654329; mob 050 123 4567",
           [("محمد", SCRIPT, False), ("الحربي", SCRIPT, False), (_HIJRI, CALENDAR, False), (_HIJRI_DMY, CALENDAR, False),
            (_HIJRI.translate(_ARABIC_DIGITS), CALENDAR, False), ("1087654329", NATIONAL, False),
            ("050 123 4567", PHONE, False)]),
    "kr": ("환자 김민준님, 김민준의 보호자; 주민등록번호 750512-1234567; HP 010-4821-7733; Gim Min-jun; "
           f"등록 {PEOPLE['kr'].mrn.translate(_FULLWIDTH)}",
           [(PEOPLE["kr"].mrn.translate(_FULLWIDTH), UNICODE, False), ("김민준", SCRIPT, False),
            ("750512-1234567", NATIONAL, False), ("010-4821-7733", PHONE, False),
            ("Min-jun", SCRIPT, False)]),
    "th": ("ผู้ป่วยนายสมชายศรีสุข เกิด 05/12/2518 (5 ธ.ค. 2518); บัตร 1-1037-01234-56-2; โทร 081-234-5678",
           [("สมชาย", SCRIPT, False), ("05/12/2518", CALENDAR, False), ("5 ธ.ค. 2518", CALENDAR, False),
            ("1103701234562", NATIONAL, False), ("081-234-5678", PHONE, False)]),
    "vn": ("bệnh nhân Nguyễn Thị Minh Khai (NGUYEN THI MINH KHAI), Ngu\u200dyễn; ĐT 0912 345 678",
           [("Minh Khai", SCRIPT, False), ("NGUYEN THI", SCRIPT, False), ("Ngu\u200dyễn", UNICODE, False),
            ("0912 345 678", PHONE, False)]),
    "gr": ("κ. Ελένη Παπαδοπούλου (ELENI PAPADOPOULOU); ΑΜΚΑ 09017012345; τηλ 210 7777 123",
           [("Παπαδοπούλου", SCRIPT, False), ("PAPADOPOULOU", SCRIPT, False), ("09017012345", NATIONAL, False),
            ("210 7777 123", PHONE, False)]),
    "ir": ("Zahra Hosseini, b. 1358/01/16 (۱۳۵۸/۰۱/۱۶); code melli 0084575948; tel 021 8877 6655",
           [("1358/01/16", CALENDAR, False), ("۱۳۵۸/۰۱/۱۶", CALENDAR, False), ("0084575948", NATIONAL, False),
            ("021 8877 6655", PHONE, False)]),
    "ng": ("Mrs Chiamaka Okonkwo (Ada), tel 0803 123 4567", [("Chiamaka Okonkwo", SCRIPT, False),
                                                            ("0803 123 4567", PHONE, False)]),
}


def _pixels(ds: Dataset, n: int) -> None:
    r9._pixels(ds, n)


def _ct(p: Person, plants: list[Plant], n: int = 1) -> Dataset:
    ds = _base(p, CT, "CT", 1, n)
    ds.Manufacturer = "GE MEDICAL SYSTEMS"
    ds.ManufacturerModelName = "Revolution CT"
    ds.StudyDescription = "CT CHEST"
    ds.SeriesDescription = "AXIAL 1.25 STANDARD"
    ds.BodyPartExamined = "CHEST"
    ds.ImageType = ["ORIGINAL", "PRIMARY", "AXIAL"]
    ds.FrameOfReferenceUID = _uid(p, 9)
    ds.PositionReferenceIndicator = ""
    ds.ImagePositionPatient = [0, 0, float(n)]
    ds.ImageOrientationPatient = [1, 0, 0, 0, 1, 0]
    ds.PixelSpacing = [0.7, 0.7]
    ds.SliceThickness = "1.25"
    _pixels(ds, n)
    family, given = p.latin
    if n > 1:
        return ds
    text, found = _TEXTS[p.key]
    ds.ImageComments = text
    plants += [Plant(value, surface, word) for value, surface, word in found]
    # Study ID: the accession number (RIS that copy it there)
    ds.StudyID = p.accession.split("-")[1]
    plants.append(Plant(p.accession.split("-")[1], STUDYID))
    # Request Attributes Sequence and Referenced Patient Sequence
    request = Dataset()
    request.RequestedProcedureID = f"RP{p.mrn[2:]}"
    request.ScheduledProcedureStepID = f"SPS{p.accession.split('-')[1]}"
    request.ReasonForTheRequestedProcedure = f"cough, {given} {family}"
    request.RequestedProcedureDescription = "CT CHEST"
    ds.RequestAttributesSequence = Sequence([request])
    plants += [Plant(f"RP{p.mrn[2:]}", REQUEST), Plant(f"SPS{p.accession.split('-')[1]}", REQUEST),
               Plant(f"{given} {family}", REQUEST)]
    patient = Dataset()
    patient.ReferencedSOPClassUID = "1.2.840.10008.3.1.2.1.1"
    patient.ReferencedSOPInstanceUID = f"{ROOT}.{p.mrn[2:]}.{p.birth}"
    ds.ReferencedPatientSequence = Sequence([patient])
    plants.append(Plant(f"{p.mrn[2:]}.{p.birth}", UIDS))
    # Patient Telecom Information, birth date in the alternative calendar
    ds.PatientTelecomInformation = f"tel:+00-{p.mrn[2:]}-0;mailto:{given.lower()}.{family.lower()}@example.org"
    plants.append(Plant(f"{given.lower()}.{family.lower()}@", TELECOM))
    if p.key == "sa":
        ds.PatientBirthDateInAlternativeCalendar = _HIJRI.replace("/", "")
        ds.PatientAlternativeCalendar = "ISLAMIC"
    # overlay: label and description name the patient; an icon thumbnail
    ds.add_new(0x60000010, "US", 8)
    ds.add_new(0x60000011, "US", 8)
    ds.add_new(0x60000022, "LO", f"annot {family.upper()} {given.upper()}")
    ds.add_new(0x60000040, "CS", "G")
    ds.add_new(0x60000050, "SS", [1, 1])
    ds.add_new(0x60000100, "US", 1)
    ds.add_new(0x60000102, "US", 0)
    ds.add_new(0x60001500, "LO", f"OV_{family.upper()}")
    ds.add_new(0x60003000, "OW", bytes(8))
    plants += [Plant(f"annot {family.upper()}", OVERLAY), Plant(f"OV_{family.upper()}", OVERLAY)]
    icon = Dataset()
    icon.Rows = icon.Columns = 4
    icon.SamplesPerPixel = 1
    icon.PhotometricInterpretation = "MONOCHROME2"
    icon.BitsAllocated = icon.BitsStored = 8
    icon.HighBit = 7
    icon.PixelRepresentation = 0
    icon.PixelData = bytes(16)
    icon.ImageComments = f"thumb {family} {p.mrn}"
    ds.IconImageSequence = Sequence([icon])
    plants.append(Plant(f"thumb {family}", OVERLAY))
    # GE PET private block: elements the knowledge base marks 'k' (keep), holding text
    block = ds.private_block(0x0009, "GEMS_PETD_01", create=True)
    block.add_new(0x37, "LO", f"batch {family.upper()} {p.birth}")
    block.add_new(0x14, "LO", f"{given}")
    plants += [Plant(f"batch {family.upper()}", PRIVATE), Plant(f"{family.upper()} {p.birth}", PRIVATE)]
    return ds


def _gsps(p: Person, plants: list[Plant]) -> Dataset:
    ds = _base(p, GSPS, "PR", 70)
    family, given = p.latin
    ds.ContentLabel = f"{family.upper()[:8]}_PR"
    ds.ContentDescription = f"measurements for {given} {family}"
    ds.PresentationCreationDate = STUDY_DATE
    ds.PresentationCreationTime = "100000"
    ds.ContentCreatorName = f"{family}^{given}"
    ref = Dataset()
    ref.ReferencedSOPClassUID = CT
    ref.ReferencedSOPInstanceUID = _uid(p, 101)
    series = Dataset()
    series.SeriesInstanceUID = _uid(p, 1)
    series.ReferencedImageSequence = Sequence([ref])
    ds.ReferencedSeriesSequence = Sequence([series])
    layer = Dataset()
    layer.GraphicLayer = f"LAYER_{given.upper()[:6]}"
    layer.GraphicLayerOrder = 1
    layer.GraphicLayerDescription = f"{given}'s nodules"
    ds.GraphicLayerSequence = Sequence([layer])
    text = Dataset()
    text.AnchorPointAnnotationUnits = "PIXEL"
    text.UnformattedTextValue = f"{family.upper()} {given.upper()} {p.birth[6:]}/{p.birth[4:6]}/{p.birth[:4]}"
    text.AnchorPoint = [2.0, 2.0]
    text.AnchorPointVisibility = "Y"
    annotation = Dataset()
    annotation.GraphicLayer = layer.GraphicLayer
    annotation.ReferencedImageSequence = Sequence([ref])
    annotation.TextObjectSequence = Sequence([text])
    ds.GraphicAnnotationSequence = Sequence([annotation])
    plants += [Plant(f"{family.upper()[:8]}_PR", GSPS_TEXT), Plant(f"for {given} {family}", GSPS_TEXT),
               Plant(f"LAYER_{given.upper()[:6]}", GSPS_TEXT), Plant(f"{given}'s", GSPS_TEXT),
               Plant(f"{family.upper()} {given.upper()}", GSPS_TEXT),
               Plant(f"{p.birth[6:]}/{p.birth[4:6]}/{p.birth[:4]}", GSPS_TEXT)]
    return ds


def _kos(p: Person, plants: list[Plant]) -> Dataset:
    ds = _base(p, KOS, "KO", 80)
    family, given = p.latin
    ds.ValueType = "CONTAINER"
    ds.ContinuityOfContent = "SEPARATE"
    ds.ConceptNameCodeSequence = _code("113000", "DCM", "Of Interest")
    ds.ContentTemplateSequence = Sequence([Dataset()])
    ds.ContentTemplateSequence[0].MappingResource = "DCMR"
    ds.ContentTemplateSequence[0].TemplateIdentifier = "2010"
    text = Dataset()
    text.RelationshipType, text.ValueType = "CONTAINS", "TEXT"
    text.ConceptNameCodeSequence = _code("113012", "DCM", "Key Object Description")
    text.TextValue = f"key images, patient {given} {family} ({p.mrn})"
    code = Dataset()
    code.RelationshipType, code.ValueType = "CONTAINS", "CODE"
    code.ConceptNameCodeSequence = _code("121071", "DCM", "Finding")
    code.ConceptCodeSequence = _code("MC001", "99MARRAM", f"reviewed for {family.upper()} {given.upper()}")
    image = Dataset()
    image.RelationshipType, image.ValueType = "CONTAINS", "IMAGE"
    image.ReferencedSOPSequence = Sequence([Dataset()])
    image.ReferencedSOPSequence[0].ReferencedSOPClassUID = CT
    image.ReferencedSOPSequence[0].ReferencedSOPInstanceUID = _uid(p, 101)
    ds.ContentSequence = Sequence([text, code, image])
    plants += [Plant(f"patient {given} {family}", KOS_TEXT), Plant(f"for {family.upper()} {given.upper()}", KOS_TEXT)]
    return ds


def _ecg(p: Person, plants: list[Plant]) -> Dataset:
    ds = _base(p, ECG, "ECG", 90)
    family, given = p.latin
    group = Dataset()
    group.MultiplexGroupLabel = f"ECG {family.upper()}"
    group.WaveformOriginality = "ORIGINAL"
    group.NumberOfWaveformChannels = 1
    group.NumberOfWaveformSamples = 4
    group.SamplingFrequency = "500"
    channel = Dataset()
    channel.ChannelSourceSequence = _code("5.6.3-9-1", "SCPECG", "Lead I (Einthoven)")
    channel.ChannelLabel = f"I {given[:4].upper()}"
    channel.WaveformBitsStored = 16
    group.ChannelDefinitionSequence = Sequence([channel])
    group.WaveformBitsAllocated = 16
    group.WaveformSampleInterpretation = "SS"
    group.WaveformData = np.array([0, 10, 20, 10], dtype=np.int16).tobytes()
    ds.WaveformSequence = Sequence([group])
    note = Dataset()
    note.UnformattedTextValue = f"sinus rhythm; {given} {family}, MRN {p.mrn}"
    note.ReferencedWaveformChannels = [1, 1]
    ds.WaveformAnnotationSequence = Sequence([note])
    plants += [Plant(f"ECG {family.upper()}", WAVEFORM), Plant(f"I {given[:4].upper()}", WAVEFORM),
               Plant(f"rhythm; {given}", WAVEFORM)]
    return ds


def _rtplan(p: Person, plants: list[Plant]) -> Dataset:
    ds = _base(p, RTPLAN, "RTPLAN", 95)
    family, given = p.latin
    ds.RTPlanLabel = f"{family.upper()[:6]}_LUNG"
    ds.RTPlanName = f"{given} {family} plan"
    ds.RTPlanDescription = f"SBRT for {given} {family}, {p.mrn}"
    ds.RTPlanDate = STUDY_DATE
    ds.RTPlanGeometry = "PATIENT"
    ds.ReviewerName = f"{family}^{given}"
    ds.FrameOfReferenceUID = _uid(p, 9)
    prescription = Dataset()
    prescription.DoseReferenceNumber = 1
    prescription.DoseReferenceStructureType = "SITE"
    prescription.DoseReferenceDescription = f"PTV {family}"
    prescription.DoseReferenceType = "TARGET"
    ds.DoseReferenceSequence = Sequence([prescription])
    ds.PrescriptionDescription = f"54 Gy in 3 for {given}"
    fraction = Dataset()
    fraction.FractionGroupNumber = 1
    fraction.FractionGroupDescription = f"{family.upper()} FX"
    fraction.NumberOfFractionsPlanned = 3
    fraction.NumberOfBeams = 1
    fraction.NumberOfBrachyApplicationSetups = 0
    ds.FractionGroupSequence = Sequence([fraction])
    beam = Dataset()
    beam.BeamNumber = 1
    beam.BeamName = f"{family[:5].upper()} AP"
    beam.BeamDescription = f"anterior beam {given}"
    beam.BeamType = "STATIC"
    beam.RadiationType = "PHOTON"
    beam.TreatmentMachineName = "TB1"
    beam.NumberOfControlPoints = 0
    ds.BeamSequence = Sequence([beam])
    setup = Dataset()
    setup.PatientSetupNumber = 1
    setup.PatientPosition = "HFS"
    setup.SetupTechniqueDescription = f"vacbag {family.upper()}"
    setup.PatientSetupLabel = f"{given[:3].upper()}{family[:3].upper()}"
    ds.PatientSetupSequence = Sequence([setup])
    plants += [Plant(f"{family.upper()[:6]}_LUNG", RTPLAN_TEXT), Plant(f"{given} {family} plan", RTPLAN_TEXT),
               Plant(f"SBRT for {given}", RTPLAN_TEXT), Plant(f"PTV {family}", RTPLAN_TEXT),
               Plant(f"3 for {given}", RTPLAN_TEXT), Plant(f"{family.upper()} FX", RTPLAN_TEXT),
               Plant(f"{family[:5].upper()} AP", RTPLAN_TEXT), Plant(f"beam {given}", RTPLAN_TEXT),
               Plant(f"vacbag {family.upper()}", RTPLAN_TEXT), Plant(f"{given[:3].upper()}{family[:3].upper()}", RTPLAN_TEXT)]
    return ds


def _document(p: Person, plants: list[Plant], cda: bool) -> Dataset:
    ds = _base(p, CDA if cda else PDF, "DOC", 99)
    family, given = p.latin
    ds.DocumentTitle = f"Discharge letter {given} {family}"
    ds.ConceptNameCodeSequence = _code("18842-5", "LN", "Discharge summary")
    ds.BurnedInAnnotation = "YES"
    if cda:
        ds.MIMETypeOfEncapsulatedDocument = "text/xml"
        body = (f"<ClinicalDocument><recordTarget><patient><name><given>{given}</given><family>{family}</family>"
                f"</name></patient></recordTarget><id extension=\"{p.mrn}\"/></ClinicalDocument>")
    else:
        ds.MIMETypeOfEncapsulatedDocument = "application/pdf"
        body = (f"%PDF-1.4\n1 0 obj<</Title (Letter {family})/Author (Dr {family})>>endobj\n"
                f"BT /F1 12 Tf 72 712 Td (Patient {given} {family} {p.mrn}) Tj ET\n%%EOF\n")
    data = body.encode("utf-8")
    ds.EncapsulatedDocument = data + b"\0" * (len(data) % 2)
    plants += [Plant(f"letter {given} {family}", DOCUMENT),
               Plant(f"<given>{given}" if cda else f"Patient {given} {family}", DOCUMENT)]
    return ds

# Red team 17's plant-list audit (tests/plant_audit.py): identifiers this archive writes that its plant
# list lacked (now searched for too), and values that look identifying but are not, with the reason.
AUDIT_SURFACE = "an identifier the plant list lacked until the audit of red team 17"
AUDIT_PLANTS = (
    'chiamaka.okonkwo@example.org', 'eleni.papadopoulou@example.org', 'khai.nguyen@example.org',
    'minjun.kim@example.org', 'mohammed.alharbi@example.org', 'somchai.srisuk@example.org',
    'zahra.hosseini@example.org',
)
AUDIT_SAFE: dict[str, str] = {
    'Marram Coast Hospital': "a site's or system's name, not a person's (the release names its sites)",
    'TB1': "a treatment machine's name",
}



def build(root: str | Path) -> Planted:
    """Write the archive below ``root``; the test checks that every plant is in it."""
    root = Path(root)
    plants: list[Plant] = []
    for i, p in enumerate(PEOPLE.values()):
        folder = root / ("site-a", "site-b", "site-c")[i % 3] / f"case{i + 1:02d}"
        r9._write(_ct(p, plants), folder / "ct1.dcm")
        r9._write(_ct(p, [], 2), folder / "ct2.dcm")
        r9._write(_gsps(p, plants), folder / "pr.dcm")
        if p.key in ("sa", "kr", "gr", "ng"):
            r9._write(_kos(p, plants), folder / "ko.dcm")
        if p.key in ("vn", "th", "ir"):
            r9._write(_ecg(p, plants), folder / "ecg.dcm")
        if p.key in ("gr", "kr", "ng"):
            r9._write(_rtplan(p, plants), folder / "rp.dcm")
        if p.key in ("sa", "vn"):
            r9._write(_document(p, plants, cda=p.key == "vn"), folder / "doc.dcm")
        plants += [Plant(p.mrn, HEADER), Plant(p.accession, HEADER)]
    plants += [Plant("الحربي", HEADER), Plant("김민준", HEADER), Plant("ศรีสุข", HEADER), Plant("Nguyễn", HEADER),
               Plant("Ελένη", HEADER), Plant("Hosseini", HEADER), Plant("Chiamaka", HEADER)]
    plants += [Plant(value, AUDIT_SURFACE, word=len(value) <= 4) for value in AUDIT_PLANTS]
    return Planted(root, tuple(dict.fromkeys(plants)))


def leaks(folders: list[Path], planted: Planted, console: dict[str, str] | None = None) -> list[tuple[str, str, str]]:
    """Every (where, plant, surface) found in the files below ``folders`` and ``console``
    (round 9's search)."""
    return r9.leaks(folders, planted, console)
