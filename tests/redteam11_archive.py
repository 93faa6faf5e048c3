"""Red team, round 11: an archive of synthetic people planted in objects, attributes and forms
that rounds 5-10 did not use, and a search of every output for them.

Written without the earlier rounds' plant lists (the search, :func:`leaks`, is round 10's with
more byte readings).  Every person, number and address is invented.  Each plant carries its leak
class (``surface``).

People: a Japanese patient whose header is in ISO 2022 IR 13 (half-width katakana) and IR 87
(kanji, hiragana), written in full-width katakana and in Hepburn romaji in free text; a Chinese
patient in GB18030 (her name glued to an honorific, in pinyin, her resident ID); a Turkish patient
in ISO_IR 148 (dotted and dotless i, upper case İ, TC Kimlik number); a Polish patient in ISO_IR
101 (his name declined, glued to other words, cut to initials, PESEL); a Czech patient (her name
declined, her rodné číslo); an Indian patient (Devanagari, LAST,FIRST and initials, Aadhaar
number, a Hindi month name) and a German patient of 94 (an age that identifies, a German
abbreviated month, her address in several forms).

Objects and places: a Comprehensive SR whose TEXT, PNAME, DATE and UIDREF items lie five levels
deep; a Segmentation (segment label, description, algorithm name, content label, series
description); an RT Structure Set (ROI names, observation labels, structure set label and name);
an RT Dose (dose comment); a hemodynamic waveform (annotation text, channel label); worklist and
MPPS attributes (scheduled and performed procedure step descriptions, comments, station names,
locations, order numbers, callback phone); Other Patient IDs Sequence with issuers and their
qualifiers; mother's birth name, military rank, branch of service, religious preference,
occupation, country and region of residence, responsible person, address in several formats;
e-mail addresses and URLs; dates in ISO week form and with month names in other languages;
UIDs embedding the birth date and MRN (study, series, frame of reference, a private UI element);
private elements of vendors the TCIA knowledge base marks keep (GEMS_GENIE_1 Study Comments, FDMS
Kanji Department Name, CTP Site Name) holding text; file, folder and zip member names; a DICOMDIR.
"""
from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.sequence import Sequence
from pydicom.uid import ExplicitVRLittleEndian

import redteam9_archive as r9
from redteam7_archive import Plant, Planted

CT = "1.2.840.10008.5.1.4.1.1.2"
SR = "1.2.840.10008.5.1.4.1.1.88.33"
SEG = "1.2.840.10008.5.1.4.1.1.66.4"
RTSTRUCT = "1.2.840.10008.5.1.4.1.1.481.3"
RTDOSE = "1.2.840.10008.5.1.4.1.1.481.2"
HEMO = "1.2.840.10008.5.1.4.1.1.9.2.1"
DICOMDIR = "1.2.840.10008.1.3.10"
ROOT = "1.2.826.0.1.3680043.10.1081"
STUDY_DATE = "20240611"
INSTITUTION = "Heron Marsh Clinic"


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
    "jp": Person("jp", "ﾔﾏｼﾀ^ﾊﾙｴ=山下^春恵=やました^はるえ", "ISO 2022 IR 13\\ISO 2022 IR 87", "JP5081234", "19800313", "F",
                 "HM24-110021", ("Yamashita", "Harue")),
    "cn": Person("cn", "Zhou^Xiuying=周^秀英", "GB18030", "CN5520117", "19760822", "F", "HM24-220032",
                 ("Zhou", "Xiuying")),
    "tr": Person("tr", "Yıldırım^Işıl", "ISO_IR 148", "TR6630218", "19830921", "F", "HM24-330043", ("Yildirim", "Isil")),
    "pl": Person("pl", "Wójcik^Łukasz", "ISO_IR 101", "PL7740329", "19790611", "M", "HM24-440054", ("Wojcik", "Lukasz")),
    "cz": Person("cz", "Dvořáková^Kateřina", "ISO_IR 192", "CZ8850430", "19850707", "F", "HM24-550065",
                 ("Dvorakova", "Katerina")),
    "in": Person("in", "Raghunathan^Priyanka=रघुनाथन^प्रियंका", "ISO_IR 192", "IN9960541", "19720115", "F",
                 "HM24-660076", ("Raghunathan", "Priyanka")),
    "de": Person("de", "Brünnighausen^Hildegard", "ISO_IR 100", "DE1170652", "19300313", "F", "HM24-770087",
                 ("Bruennighausen", "Hildegard")),
}

# Leak classes.
HEADER = "patient name or ID as the header writes it"
KANA = "Japanese name in another kana width, in hiragana or in Hepburn romaji"
CJK = "Chinese name glued to an honorific or in pinyin"
TURKISH = "Turkish name with dotted/dotless i written another way"
INFLECT = "Slavic name declined (genitive, dative, instrumental)"
GLUED = "name glued to another word, an underscore or its initial"
ORDER = "name as LAST,FIRST, FIRST LAST or initials and surname"
DEVANAGARI = "name in Devanagari"
DATES = "date with a month name of another language or in ISO week form"
AGE = "age over 89"
NATIONAL = "national ID number"
PATIENT = "Patient module attribute (mother, rank, branch, religion, occupation, residence, address)"
OTHERIDS = "Other Patient IDs Sequence, issuer or its qualifiers"
WORKLIST = "worklist or MPPS attribute"
CONTACT = "e-mail address or URL"
SR_TEXT = "SR TEXT, PNAME, DATE or UIDREF item at depth"
SEG_TEXT = "SEG segment label, description or algorithm name"
RT_TEXT = "RT Structure Set ROI name or label, RT Dose comment"
WAVEFORM = "waveform annotation or channel label"
UIDS = "UID built from the MRN or the birth date"
PRIVATE = "text in a private element the knowledge base marks keep"
PATH = "name or ID in a folder, file or zip member name"
DIRECTORY = "name or ID in a DICOMDIR record"

# What each ward writes about its patient (Image Comments) and the plants in it.
_TEXTS: dict[str, tuple[str, list[tuple[str, str, bool]]]] = {
    "jp": ("患者 ヤマシタ ハルエ 様 (やました はるえ); Yamashita Harue-san; 生 1980年3月13日; "
           "TEL 03-5555-0123; 〒150-0002",
           [("ヤマシタ", KANA, False), ("ハルエ", KANA, False), ("Yamashita", KANA, False), ("Harue", KANA, False),
            ("1980年3月13日", DATES, False), ("03-5555-0123", CONTACT, False)]),
    "cn": ("患者周秀英女士，周女士；ZHOU XIUYING；Zhou Xiu-ying；身份证 11010519760822452X；出生 1976年8月22日",
           [("周秀英", CJK, False), ("ZHOU XIUYING", CJK, False), ("Xiu-ying", CJK, False),
            ("11010519760822452X", NATIONAL, False), ("1976年8月22日", DATES, False)]),
    "tr": ("Hasta İŞIL YILDIRIM (ISIL YILDIRIM), Işıl Hanım; Yıldırım'ın; TC 12345678950; d. 21 Eylül 1983",
           [("İŞIL", TURKISH, True), ("ISIL YILDIRIM", TURKISH, False), ("Işıl", TURKISH, True),
            ("Yıldırım'ın", TURKISH, False), ("12345678950", NATIONAL, False), ("21 Eylül 1983", DATES, False)]),
    "pl": ("pacjent Łukasz Wójcik; u p. Wójcika, z Łukaszem; WojcikLukasz; pt_wojcik; podpis Ł.W.; L.Wojcik; "
           "PESEL 79061112345; ur. 11 czerwca 1979",
           [("Wójcika", INFLECT, True), ("Łukaszem", INFLECT, True), ("WojcikLukasz", GLUED, False), ("Ł.W.", ORDER, False),
            ("pt_wojcik", GLUED, False), ("L.Wojcik", GLUED, False), ("79061112345", NATIONAL, False),
            ("11 czerwca 1979", DATES, False)]),
    "cz": ("pacientka Dvořáková Kateřina, u paní Dvořákové, s Kateřinou; RČ 855707/1234; nar. 7. července 1985",
           [("Dvořákové", INFLECT, True), ("Kateřinou", INFLECT, True), ("855707/1234", NATIONAL, False),
            ("7. července 1985", DATES, False)]),
    "in": ("रोगी प्रियंका रघुनाथन; RAGHUNATHAN,PRIYANKA; P. Raghunathan; Raghunathan P; Aadhaar 2345 6789 0124; "
           "DOB 15 जनवरी 1972 / 1972-W03-6",
           [("प्रियंका", DEVANAGARI, False), ("RAGHUNATHAN,PRIYANKA", ORDER, False), ("P. Raghunathan", ORDER, False),
            ("Raghunathan P", ORDER, False), ("234567890124", NATIONAL, False), ("15 जनवरी 1972", DATES, False),
            ("1972-W03-6", DATES, False)]),
    "de": ("Fr. Hildegard Brünnighausen (BRUENNIGHAUSEN), 94-jährige, geb. 13 Mär 1930 / 13 mars 1930; "
           "Lindenstr. 12, 80331 München; hilde.bruennighausen@web.example",
           [("BRUENNIGHAUSEN", ORDER, False), ("94-jährige", AGE, False), ("13 Mär 1930", DATES, False),
            ("13 mars 1930", DATES, False), ("Lindenstr. 12", PATIENT, False),
            ("hilde.bruennighausen@", CONTACT, False)]),
}


def _uid(p: Person, n: int) -> str:
    return f"{ROOT}.{sum(map(ord, p.key))}.{n}"


def _base(p: Person, sop_class: str, modality: str, series: int, instance: int = 1) -> Dataset:
    ds = Dataset()
    r9._meta(ds, sop_class, _uid(p, series * 100 + instance))
    if p.charset:
        ds.SpecificCharacterSet = p.charset.split("\\") if "\\" in p.charset else p.charset
    ds.PatientName = p.name
    ds.PatientID = p.mrn
    ds.PatientBirthDate = p.birth
    ds.PatientSex = p.sex
    ds.PatientAge = f"{2024 - int(p.birth[:4]):03d}Y"
    ds.PatientWeight = "64"
    ds.PatientSize = "1.62"
    ds.StudyInstanceUID = f"{ROOT}.{p.mrn[2:]}.{p.birth}"  # UIDs built from the MRN and the birth date
    ds.SeriesInstanceUID = _uid(p, series)
    ds.StudyDate = STUDY_DATE
    ds.StudyTime = "083000"
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


def _patient_module(p: Person, ds: Dataset, plants: list[Plant]) -> None:
    """The Patient module's rarer attributes, Other Patient IDs with issuers, worklist and MPPS."""
    family, given = p.latin
    other = Dataset()
    other.PatientID = f"NHI-{p.mrn[2:]}-7"
    other.IssuerOfPatientID = f"{family.upper()} FAMILY PRACTICE"
    other.TypeOfPatientID = "TEXT"
    qualifiers = Dataset()
    qualifiers.UniversalEntityID = f"urn:oid:2.16.840.1.{p.mrn[2:]}"
    qualifiers.UniversalEntityIDType = "ISO"
    qualifiers.IdentifierTypeCode = "MR"
    qualifiers.AssigningFacilitySequence = Sequence([Dataset()])
    qualifiers.AssigningFacilitySequence[0].LocalNamespaceEntityID = f"GP {given} {family}"
    other.IssuerOfPatientIDQualifiersSequence = Sequence([qualifiers])
    ds.OtherPatientIDsSequence = Sequence([other])
    plants += [Plant(f"NHI-{p.mrn[2:]}-7", OTHERIDS), Plant(f"{family.upper()} FAMILY", OTHERIDS),
               Plant(f"1.{p.mrn[2:]}", OTHERIDS), Plant(f"GP {given}", OTHERIDS)]
    ds.PatientMotherBirthName = f"Oberholzer^{given}"
    ds.MilitaryRank = "Staff Sergeant Kerrigan-Vale"
    ds.BranchOfService = "Royal Heron Fusiliers"
    ds.PatientReligiousPreference = "Old Marsh Congregation"
    ds.Occupation = f"lighthouse keeper at {family} Point"
    ds.CountryOfResidence = "Ruritania"
    ds.RegionOfResidence = "Grelsmoor"
    ds.PatientAddress = "Flat 3, 27 Quillfeather Row, Grelsmoor GR7 4QX"
    ds.ResponsiblePerson = "Oberholzer^Wendeline"
    ds.ResponsiblePersonRole = "MOTHER"
    plants += [Plant("Oberholzer", PATIENT), Plant("Kerrigan-Vale", PATIENT), Plant("Heron Fusiliers", PATIENT),
               Plant("Old Marsh Congregation", PATIENT), Plant(f"{family} Point", PATIENT),
               Plant("Ruritania", PATIENT, True), Plant("Grelsmoor", PATIENT), Plant("Quillfeather", PATIENT),
               Plant("GR7 4QX", PATIENT), Plant("Wendeline", PATIENT)]
    # worklist and MPPS
    step = Dataset()
    step.ScheduledStationAETitle = f"CT_{family.upper()[:6]}"
    step.ScheduledProcedureStepStartDate = STUDY_DATE
    step.ScheduledProcedureStepDescription = f"CT chest for {given} {family}"
    step.ScheduledPerformingPhysicianName = "Ashcombe^Tobias"
    step.ScheduledProcedureStepID = f"S{p.accession[5:]}"
    step.ScheduledStationName = f"ROOM {family.upper()}"
    step.CommentsOnTheScheduledProcedureStep = f"pt {family} claustrophobic, call 0161 496 0{p.mrn[-3:]}"
    ds.ScheduledProcedureStepSequence = Sequence([step])
    ds.PerformedProcedureStepID = f"PPS{p.accession[5:]}"
    ds.PerformedProcedureStepDescription = f"CT chest {family.upper()}"
    ds.CommentsOnThePerformedProcedureStep = f"done, {given} tolerated well"
    ds.PerformedStationName = f"HMC-{family.upper()[:4]}-CT"
    ds.PerformedLocation = f"Ward {family} 3"
    ds.PlacerOrderNumberImagingServiceRequest = f"PO{p.mrn[2:]}"
    ds.FillerOrderNumberImagingServiceRequest = f"FO{p.accession[5:]}"
    ds.ImagingServiceRequestComments = f"requested by GP for {family.upper()}, {given.upper()}"
    ds.OrderCallbackPhoneNumber = f"0161 496 0{p.mrn[-3:]}"
    ds.ReasonForStudy = f"follow-up {given}"
    ds.AdmissionID = f"ADM{p.mrn[2:]}"
    ds.PatientComments = f"{given} prefers interpreter; email {given.lower()}.{family.lower()}@mail.example"
    ds.AdditionalPatientHistory = f"see https://portal.heron.example/patients/{family.lower()}-{given.lower()}/{p.mrn}"
    plants += [Plant(f"CT_{family.upper()[:6]}", WORKLIST), Plant(f"for {given} {family}", WORKLIST),
               Plant("Ashcombe", WORKLIST), Plant(f"S{p.accession[5:]}", WORKLIST),
               Plant(f"ROOM {family.upper()}", WORKLIST), Plant(f"pt {family}", WORKLIST),
               Plant(f"496 0{p.mrn[-3:]}", WORKLIST), Plant(f"PPS{p.accession[5:]}", WORKLIST),
               Plant(f"CT chest {family.upper()}", WORKLIST), Plant(f"done, {given}", WORKLIST),
               Plant(f"HMC-{family.upper()[:4]}", WORKLIST), Plant(f"Ward {family}", WORKLIST),
               Plant(f"PO{p.mrn[2:]}", WORKLIST), Plant(f"FO{p.accession[5:]}", WORKLIST),
               Plant(f"for {family.upper()}", WORKLIST), Plant(f"follow-up {given}", WORKLIST),
               Plant(f"ADM{p.mrn[2:]}", WORKLIST), Plant(f"{given} prefers", WORKLIST),
               Plant(f"{given.lower()}.{family.lower()}@", CONTACT),
               Plant(f"{family.lower()}-{given.lower()}", CONTACT)]


def _ct(p: Person, plants: list[Plant], n: int = 1) -> Dataset:
    ds = _base(p, CT, "CT", 1, n)
    ds.Manufacturer = "GE MEDICAL SYSTEMS"
    ds.ManufacturerModelName = "Discovery CT750 HD"
    ds.StudyDescription = "CT THORAX"
    ds.SeriesDescription = "AXIAL 2.5 STANDARD"
    ds.BodyPartExamined = "CHEST"
    ds.ImageType = ["ORIGINAL", "PRIMARY", "AXIAL"]
    ds.FrameOfReferenceUID = f"{ROOT}.9.{p.birth}.{p.mrn[2:]}"
    ds.PositionReferenceIndicator = ""
    ds.ImagePositionPatient = [0, 0, float(n)]
    ds.ImageOrientationPatient = [1, 0, 0, 0, 1, 0]
    ds.PixelSpacing = [0.7, 0.7]
    ds.SliceThickness = "2.5"
    r9._pixels(ds, n)
    if n > 1:
        return ds
    family, given = p.latin
    text, found = _TEXTS[p.key]
    ds.ImageComments = text
    plants += [Plant(value, surface, word) for value, surface, word in found]
    plants.append(Plant(f"{p.mrn[2:]}.{p.birth}", UIDS))
    plants.append(Plant(f"{p.birth}.{p.mrn[2:]}", UIDS))
    _patient_module(p, ds, plants)
    # private elements the knowledge base marks keep (k), holding text
    genie = ds.private_block(0x0013, "GEMS_GENIE_1", create=True)
    genie.add_new(0x26, "LT", f"study for {family.upper()} {given.upper()} b.{p.birth}")
    ctp = ds.private_block(0x0013, "CTP", create=True)
    ctp.add_new(0x12, "LO", f"site {family} home")
    ds.add_new(0x00131099, "UI", f"{ROOT}.{p.mrn[2:]}.77")  # a private UID holding the MRN
    plants += [Plant(f"study for {family.upper()}", PRIVATE), Plant(f"site {family}", PRIVATE),
               Plant(f"{p.mrn[2:]}.77", UIDS)]
    if p.key == "jp":
        fdms = ds.private_block(0x0009, "FDMS 1.0", create=True)
        fdms.add_new(0x92, "SH", "山下春恵")
        plants.append(Plant("山下春恵", PRIVATE))
    return ds


def _item(relationship: str, value_type: str, code: tuple[str, str, str], **values: object) -> Dataset:
    item = Dataset()
    item.RelationshipType, item.ValueType = relationship, value_type
    item.ConceptNameCodeSequence = _code(*code)
    for keyword, value in values.items():
        setattr(item, keyword, value)
    return item


def _sr(p: Person, plants: list[Plant]) -> Dataset:
    ds = _base(p, SR, "SR", 50)
    family, given = p.latin
    ds.ValueType = "CONTAINER"
    ds.ContinuityOfContent = "SEPARATE"
    ds.ConceptNameCodeSequence = _code("18748-4", "LN", "Diagnostic Imaging Report")
    ds.CompletionFlag, ds.VerificationFlag = "COMPLETE", "UNVERIFIED"
    ds.SeriesDescription = "Report"
    deep = _item("CONTAINS", "TEXT", ("121071", "DCM", "Finding"),
                 TextValue=f"nodule stable since prior of {given} {family}")
    pname = _item("HAS OBS CONTEXT", "PNAME", ("121029", "DCM", "Subject Name"), PersonName=f"{family}^{given}")
    date = _item("HAS OBS CONTEXT", "DATE", ("121031", "DCM", "Subject Birth Date"), Date=p.birth)
    uid = _item("HAS OBS CONTEXT", "UIDREF", ("121018", "DCM", "Procedure Study Instance UID"),
                UID=f"{ROOT}.{p.mrn[2:]}.5")
    sid = _item("HAS OBS CONTEXT", "TEXT", ("121030", "DCM", "Subject ID"), TextValue=f"ID-{p.mrn}")
    level4 = _item("CONTAINS", "CONTAINER", ("111028", "DCM", "Image Library"), ContinuityOfContent="SEPARATE")
    level4.ContentSequence = Sequence([deep, pname, date, uid, sid])
    level3 = _item("CONTAINS", "CONTAINER", ("121070", "DCM", "Findings"), ContinuityOfContent="SEPARATE")
    level3.ContentSequence = Sequence([level4])
    level2 = _item("CONTAINS", "CONTAINER", ("121076", "DCM", "Conclusions"), ContinuityOfContent="SEPARATE")
    level2.ContentSequence = Sequence([level3, _item("CONTAINS", "TEXT", ("121077", "DCM", "Conclusion"),
                                                     TextValue=f"{family.upper()}: no change")])
    ds.ContentSequence = Sequence([level2])
    plants += [Plant(f"of {given} {family}", SR_TEXT), Plant(f"ID-{p.mrn}", SR_TEXT),
               Plant(f"{p.mrn[2:]}.5", SR_TEXT), Plant(f"{family.upper()}: no", SR_TEXT)]
    return ds


def _seg(p: Person, plants: list[Plant]) -> Dataset:
    ds = _base(p, SEG, "SEG", 60)
    family, given = p.latin
    ds.Manufacturer = "curator-tests"
    ds.SegmentationType = "BINARY"
    ds.ImageType = ["DERIVED", "PRIMARY"]
    ds.ContentLabel = f"SEG_{family.upper()[:7]}"
    ds.ContentDescription = f"liver mask {given}"
    ds.ContentCreatorName = "Ashcombe^Tobias"
    ds.SeriesDescription = f"Seg {family}"
    segment = Dataset()
    segment.SegmentNumber = 1
    segment.SegmentLabel = f"lesion_{family.lower()}"
    segment.SegmentDescription = f"traced on {given}'s scan"
    segment.SegmentAlgorithmType = "SEMIAUTOMATIC"
    segment.SegmentAlgorithmName = f"{family[:4]}Net v2"
    segment.SegmentedPropertyCategoryCodeSequence = _code("49755003", "SCT", "Morphologically Altered Structure")
    segment.SegmentedPropertyTypeCodeSequence = _code("4147007", "SCT", "Mass")
    ds.SegmentSequence = Sequence([segment])
    ds.Rows = ds.Columns = 8
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.BitsAllocated = ds.BitsStored = 1
    ds.HighBit = 0
    ds.PixelRepresentation = 0
    ds.NumberOfFrames = 1
    ds.PixelData = bytes([0, 24, 60, 60, 24, 0, 0, 0])
    plants += [Plant(f"SEG_{family.upper()[:7]}", SEG_TEXT), Plant(f"mask {given}", SEG_TEXT),
               Plant(f"Seg {family}", SEG_TEXT), Plant(f"lesion_{family.lower()}", SEG_TEXT),
               Plant(f"on {given}'s", SEG_TEXT), Plant(f"{family[:4]}Net", SEG_TEXT)]
    return ds


def _rtstruct(p: Person, plants: list[Plant]) -> Dataset:
    ds = _base(p, RTSTRUCT, "RTSTRUCT", 70)
    family, given = p.latin
    ds.StructureSetLabel = f"{family.upper()}_{given[0]}"
    ds.StructureSetName = f"Plan {given} {family}"
    ds.StructureSetDate = STUDY_DATE
    ds.FrameOfReferenceUID = f"{ROOT}.9.{p.birth}.{p.mrn[2:]}"
    roi = Dataset()
    roi.ROINumber = 1
    roi.ReferencedFrameOfReferenceUID = ds.FrameOfReferenceUID
    roi.ROIName = f"GTV_{family.upper()}"
    roi.ROIDescription = f"gross tumour {given}"
    roi.ROIGenerationAlgorithm = "MANUAL"
    ds.StructureSetROISequence = Sequence([roi])
    obs = Dataset()
    obs.ObservationNumber = 1
    obs.ReferencedROINumber = 1
    obs.ROIObservationLabel = f"{given[0]}{family[:3].upper()}_PTV"
    obs.RTROIInterpretedType = "GTV"
    obs.ROIInterpreter = f"{family}^{given}"
    ds.RTROIObservationsSequence = Sequence([obs])
    plants += [Plant(f"{family.upper()}_{given[0]}", RT_TEXT), Plant(f"Plan {given}", RT_TEXT),
               Plant(f"GTV_{family.upper()}", RT_TEXT), Plant(f"tumour {given}", RT_TEXT),
               Plant(f"{given[0]}{family[:3].upper()}_PTV", RT_TEXT)]
    return ds


def _rtdose(p: Person, plants: list[Plant]) -> Dataset:
    ds = _base(p, RTDOSE, "RTDOSE", 75)
    family, given = p.latin
    ds.DoseUnits, ds.DoseType, ds.DoseSummationType = "GY", "PHYSICAL", "PLAN"
    ds.DoseComment = f"dose for {given} {family}, MRN {p.mrn}"
    ds.FrameOfReferenceUID = f"{ROOT}.9.{p.birth}.{p.mrn[2:]}"
    plants.append(Plant(f"dose for {given}", RT_TEXT))
    return ds


def _hemo(p: Person, plants: list[Plant]) -> Dataset:
    ds = _base(p, HEMO, "HD", 90)
    family, given = p.latin
    group = Dataset()
    group.MultiplexGroupLabel = "PRESSURE"
    group.WaveformOriginality = "ORIGINAL"
    group.NumberOfWaveformChannels = 1
    group.NumberOfWaveformSamples = 4
    group.SamplingFrequency = "250"
    channel = Dataset()
    channel.ChannelSourceSequence = _code("2:4072", "MDC", "Aortic pressure")
    channel.ChannelLabel = f"AO {family.upper()[:6]}"
    channel.WaveformBitsStored = 16
    group.ChannelDefinitionSequence = Sequence([channel])
    group.WaveformBitsAllocated = 16
    group.WaveformSampleInterpretation = "SS"
    group.WaveformData = np.array([80, 120, 100, 90], dtype=np.int16).tobytes()
    ds.WaveformSequence = Sequence([group])
    note = Dataset()
    note.UnformattedTextValue = f"pullback; {given.upper()} {family.upper()} anxious"
    note.ReferencedWaveformChannels = [1, 1]
    coded = Dataset()
    coded.ConceptNameCodeSequence = _code("121071", "DCM", "Finding")
    coded.ConceptCodeSequence = _code("HM01", "99HERON", f"gradient noted, {family}")
    coded.ReferencedWaveformChannels = [1, 1]
    ds.WaveformAnnotationSequence = Sequence([note, coded])
    plants += [Plant(f"AO {family.upper()[:6]}", WAVEFORM), Plant(f"{given.upper()} {family.upper()}", WAVEFORM),
               Plant(f"noted, {family}", WAVEFORM)]
    return ds


def _dicomdir(people: list[Person], plants: list[Plant]) -> Dataset:
    ds = Dataset()
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = DICOMDIR
    meta.MediaStorageSOPInstanceUID = f"{ROOT}.78.1"
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    meta.ImplementationClassUID = ROOT + ".1"
    ds.file_meta = meta
    ds.FileSetID = "HERON CD"
    ds.OffsetOfTheFirstDirectoryRecordOfTheRootDirectoryEntity = 0
    ds.OffsetOfTheLastDirectoryRecordOfTheRootDirectoryEntity = 0
    ds.FileSetConsistencyFlag = 0
    records = []
    for p in people:
        family, given = p.latin
        patient = Dataset()
        patient.OffsetOfTheNextDirectoryRecord = 0
        patient.RecordInUseFlag = 0xFFFF
        patient.OffsetOfReferencedLowerLevelDirectoryEntity = 0
        patient.DirectoryRecordType = "PATIENT"
        patient.PatientName = f"{family.upper()}^{given.upper()}"
        patient.PatientID = f"CD{p.mrn}"
        image = Dataset()
        image.OffsetOfTheNextDirectoryRecord = 0
        image.RecordInUseFlag = 0xFFFF
        image.OffsetOfReferencedLowerLevelDirectoryEntity = 0
        image.DirectoryRecordType = "IMAGE"
        image.ReferencedFileID = ["PAT", f"{family.upper()[:8]}", "IM1"]
        image.ReferencedSOPClassUIDInFile = CT
        image.ReferencedSOPInstanceUIDInFile = f"{ROOT}.{p.mrn[2:]}.{p.birth}.1"
        records += [patient, image]
        plants += [Plant(f"CD{p.mrn}", DIRECTORY)]
    ds.DirectoryRecordSequence = Sequence(records)
    return ds


def _folder(root: Path, i: int, p: Person, plants: list[Plant]) -> Path:
    """The folder of a patient: PACS exports name some after the patient (several forms)."""
    site = root / ("site-a", "site-b", "site-c")[i % 3]
    forms = {"pl": ("WOJCIK_LUKASZ_79061112345", "WOJCIK_LUKASZ"), "tr": ("Yıldırım, Işıl", "Yıldırım, Işıl"),
             "cz": ("Dvorakova K (1985-07-07)", "1985-07-07"), "cn": ("周秀英", "周秀英")}
    if p.key in forms:
        plants.append(Plant(forms[p.key][1], PATH))
        return site / forms[p.key][0]
    return site / f"case{i + 1:02d}"

# Red team 17's plant-list audit (tests/plant_audit.py): identifiers this archive writes that its plant
# list lacked (now searched for too), and values that look identifying but are not, with the reason.
AUDIT_SURFACE = "an identifier the plant list lacked until the audit of red team 17"
AUDIT_PLANTS = (
    '80331 München', 'Royal Heron Fusiliers', 'Staff Sergeant', 'Tobias', 'harue.yamashita@mail.example',
    'hilde.bruennighausen@web.example', 'hildegard.bruennighausen@mail.example',
    'isil.yildirim@mail.example', 'katerina.dvorakova@mail.example', 'lukasz.wojcik@mail.example',
    'priyanka.raghunathan@mail.example', 'xiuying.zhou@mail.example', 'はるえ',
)
AUDIT_SAFE: dict[str, str] = {
}



def build(root: str | Path) -> Planted:
    """Write the archive below ``root``; the test checks that every plant is in it."""
    root = Path(root)
    plants: list[Plant] = []
    people = list(PEOPLE.values())
    for i, p in enumerate(people):
        folder = _folder(root, i, p, plants)
        name = "ct1.dcm" if p.key != "in" else "Raghunathan_Priyanka_CT1.dcm"
        r9._write(_ct(p, plants), folder / name)
        r9._write(_ct(p, [], 2), folder / "ct2.dcm")
        r9._write(_sr(p, plants), folder / "sr.dcm")
        if p.key in ("pl", "cz", "tr", "in"):
            r9._write(_seg(p, plants), folder / "seg.dcm")
        if p.key in ("pl", "de", "jp"):
            r9._write(_rtstruct(p, plants), folder / "rs.dcm")
            r9._write(_rtdose(p, plants), folder / "rd.dcm")
        if p.key in ("cn", "in"):
            r9._write(_hemo(p, plants), folder / "hd.dcm")
        plants += [Plant(p.mrn, HEADER), Plant(p.accession, HEADER)]
    plants.append(Plant("Raghunathan_Priyanka", PATH))
    plants += [Plant("山下", HEADER), Plant("ﾔﾏｼﾀ", HEADER), Plant("やました", HEADER), Plant("秀英", HEADER),
               Plant("Yıldırım", HEADER), Plant("Wójcik", HEADER), Plant("Dvořáková", HEADER),
               Plant("रघुनाथन", HEADER), Plant("Brünnighausen", HEADER), Plant("Hildegard", HEADER)]
    r9._write(_dicomdir(people[3:6], plants), root / "site-b" / "DICOMDIR")
    # a CD export zipped: its members named after the patient
    p = PEOPLE["de"]
    zbuffer = io.BytesIO()
    with zipfile.ZipFile(zbuffer, "w") as archive:
        info = zipfile.ZipInfo("EXPORT/Bruennighausen Hildegard 13.03.1930/IM0001.dcm", date_time=(2024, 6, 11, 0, 0, 0))
        archive.writestr(info, r9._bytes(_ct(p, [], 3)))
    (root / "site-c").mkdir(parents=True, exist_ok=True)
    (root / "site-c" / "cd.zip").write_bytes(zbuffer.getvalue())
    plants += [Plant("Bruennighausen Hildegard", PATH), Plant("13.03.1930", PATH)]
    plants += [Plant(value, AUDIT_SURFACE, word=len(value) <= 4) for value in AUDIT_PLANTS]
    return Planted(root, tuple(dict.fromkeys(plants)))


_MORE = ("iso2022_jp_ext", "euc-jp", "cp1254", "iso8859-15")


def _texts(name: str, data: bytes) -> list[str]:
    if data[:4] == b"PK\x03\x04":
        out = [name]
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            out.append(archive.comment.decode("utf-8", "replace"))
            for info in archive.infolist():
                out += _texts(info.filename, archive.read(info))
        return out
    if r9.r7.is_parquet(name):
        return r9._texts(name, data)
    return r9._texts(name, data) + [data.decode(codec, "replace") for codec in _MORE]


def leaks(folders: list[Path], planted: Planted, console: dict[str, str] | None = None) -> list[tuple[str, str, str]]:
    """Every (where, plant, surface) found in the files below ``folders`` and ``console``
    (round 10's search, with the Japanese extended, EUC-JP, Turkish Windows and Latin-9
    byte readings too)."""
    sources = [(k, [v]) for k, v in (console or {}).items()]
    for folder in folders:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                rel = path.relative_to(folder).as_posix()
                sources.append((f"{folder.name}/{rel}", _texts(rel, path.read_bytes())))
    hits = []
    for where, texts in sources:
        folded = [r9.fold(text) for text in dict.fromkeys(texts)]
        digits = [r9.r7._digits(text) for text in folded]
        hits += [(where, plant.value, plant.surface) for plant in planted.plants
                 if any(r9._found(text, number, plant) for text, number in zip(folded, digits))]
    return hits
