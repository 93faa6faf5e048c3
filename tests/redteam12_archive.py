"""Red team, round 12: a multi-site archive of synthetic people planted in objects, attributes and
forms that rounds 4-11 did not use, and a search of every output for them.

Written without the earlier rounds' plant lists (the search, :func:`leaks`, is round 11's).  Every
person, number and address is invented.  Each plant carries its leak class (``surface``).

Six sites, six vendors, six character sets:

- ``LISBOA_PHILIPS`` (ISO_IR 100): a Portuguese patient with a multi-part surname and particles
  (Maria da Conceição dos Santos Pereira: "D. Conceição", "Mª C. S. Pereira"); an MR whose
  Original Attributes Sequence holds the values a PACS corrected (the old patient ID, name and
  birth date, the system and source that held them); private groups of a creator the TCIA
  knowledge base does not know; NIF, Cartão de Cidadão, a Portuguese postcode and street;
- ``MOSKVA_SIEMENS`` (ISO_IR 144, and ISO_IR 192 for the report): a Russian patient written in
  German (Schtscherbakowa), French (Chtcherbakova) and scholarly (Ščerbakova) transliteration, her
  patronymic in Latin letters; Clinical Trial attributes (subject ID built from the MRN, site
  name, sponsor); an RT Structure Set's approval (reviewer name, review date); SNILS, a passport
  number, Russian phone formats, a birth date with a Russian genitive month and in words;
- ``MILANO_GE`` (ISO_IR 192): an Italian patient of 93 with an apostrophe particle (D'Alessandro:
  DALESSANDRO, D Alessandro); a whole-slide microscopy image whose Specimen module holds the
  pathology accession (specimen and container identifiers, issuer, barcode, label text, a TEXT
  item of a preparation step); the codice fiscale (letters and digits), the age in Italian;
- ``SHANGHAI_UIH`` (ISO 2022 IR 58, GB2312 after an escape sequence): a Chinese patient with a
  two-character surname (欧阳: OUYANG, Ou-yang in Wade-Giles, Au-Yeung in Cantonese); an enhanced
  MR whose per-frame groups hold frame labels, frame comments and frame dates; the birth date in
  Chinese numerals;
- ``EDINBURGH_FUJI`` (ISO_IR 100), packed as a tar.gz whose member folders name the patient: a
  Scottish patient with a hyphenated Mac surname (MacGregor-Fitzwilliam: Mac Gregor, McGregor);
  NHS number, National Insurance number, a UK postcode, Ofcom drama phone numbers, the birth date
  written in English words; a Malaysian patient seen there (bin, Abd for Abdul, MyKad, the Malay
  month "Mac");
- ``MONTERREY_CANON`` (ISO_IR 100): a Mexican patient whose Spanish notes write the birth date in
  words ("catorce de febrero de mil novecientos cincuenta y seis"), a date without its year, a
  street of dictionary words, his wife and son by first names that are words, his mother's age
  of 92 in words, his CURP; the Scottish patient's history in English does the same ("14 Church
  Street", "son Frank", "the fourteenth of February", "DOB 03/1941", "aged ninety-three").

Ages under 90 and the other demographics are written too: they are no plants (a controlled-access
release keeps them), and :data:`KEPT` lists clinical words that must survive.
"""
from __future__ import annotations

import hashlib
import io
import sys
import tarfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from pydicom.dataelem import RawDataElement
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.sequence import Sequence
from pydicom.tag import Tag
from pydicom.uid import ExplicitVRLittleEndian

sys.path.insert(0, str(Path(__file__).resolve().parent))

import redteam11_archive as r11  # noqa: E402
from redteam7_archive import Plant, Planted  # noqa: E402

MR = "1.2.840.10008.5.1.4.1.1.4"
ENHANCED_MR = "1.2.840.10008.5.1.4.1.1.4.1"
CT = "1.2.840.10008.5.1.4.1.1.2"
CR = "1.2.840.10008.5.1.4.1.1.1"
SR = "1.2.840.10008.5.1.4.1.1.88.33"
RTSTRUCT = "1.2.840.10008.5.1.4.1.1.481.3"
WSI = "1.2.840.10008.5.1.4.1.1.77.1.6"
ROOT = "1.2.826.0.1.3680043.10.1082"

HEADER = "patient name or ID as the header writes it"
ORIGINAL = "Original Attributes Sequence (modified attributes, source of previous values)"
PRIVATE = "private element of a creator the knowledge base does not know"
TRANSLIT = "Cyrillic or Chinese name in another transliteration (German, French, scholarly, Wade-Giles, Cantonese)"
PARTICLE = "multi-part surname or particle (dos, da, D', Mac, bin) written another way"
TRIAL = "Clinical Trial attribute (subject ID, site, sponsor)"
REVIEW = "RT approval: reviewer name, review date"
SPECIMEN = "Specimen module: specimen or container identifier, issuer, barcode, label, preparation text"
FRAME = "per-frame functional group: frame label, frame comments, frame date"
NATIONAL = "national ID number (NIF, CC, SNILS, passport, codice fiscale, NHS, NI, MyKad, resident ID)"
PHONE = "phone number in a national format"
ADDRESS = "street, postcode or city of an address"
CONTACT = "e-mail address, plain or obfuscated"
DATES = "birth date with a month name of another language or written in words or numerals"
AGE = "age over 89 with a unit of another language"
RELATIVE = "next of kin or staff named only in free text"
PATH = "name or ID in a folder or tar member name"


@dataclass(frozen=True)
class Person:
    key: str
    site: str
    name: str  # as the header writes it (PN)
    charset: str
    mrn: str
    birth: str
    sex: str
    age: str
    accession: str
    manufacturer: str
    words: tuple[str, ...]  # the name's parts as plants of the header class


PEOPLE = {
    "pt": Person("pt", "LISBOA_PHILIPS", "dos Santos Pereira^Maria da Conceição", "ISO_IR 100", "HSM0048213",
                 "19610303", "F", "063Y", "LX24061187", "Philips", ("Pereira", "Conceição")),
    "ru": Person("ru", "MOSKVA_SIEMENS", "Щербакова^Юлия^Вячеславовна", "ISO_IR 144", "GKB0458812", "19580214", "F",
                 "066Y", "A58812031", "SIEMENS", ("Щербакова", "Вячеславовна")),
    "it": Person("it", "MILANO_GE", "D'Alessandro^Giancarlo", "ISO_IR 192", "MI3318842", "19310812", "M", "093Y",
                 "MI24A00917", "GE MEDICAL SYSTEMS", ("D'Alessandro", "Giancarlo")),
    "cn": Person("cn", "SHANGHAI_UIH", "Ouyang^Jianguo=欧阳^建国", "ISO 2022 IR 58", "ZS20771406", "19500701", "M",
                 "074Y", "SH2406110093", "UIH", ("Ouyang", "Jianguo")),
    "uk": Person("uk", "EDINBURGH_FUJI", "MacGregor-Fitzwilliam^Alasdair Hamish", "ISO_IR 100", "EH0077213",
                 "19410303", "M", "083Y", "RIE24116603", "FUJIFILM Corporation", ("MacGregor-Fitzwilliam", "Alasdair")),
    "mx": Person("mx", "MONTERREY_CANON", "de la Garza Villarreal^José Ángel", "ISO_IR 100", "MTY5502147",
                 "19560214", "M", "068Y", "MTY24A3381", "CANON_MEC", ("Villarreal", "Ángel")),
    "my": Person("my", "EDINBURGH_FUJI", "MUHAMMAD HAFIZ BIN ABDUL RAHMAN", "ISO_IR 100", "EH0091577", "19850312",
                 "M", "039Y", "RIE24116641", "FUJIFILM Corporation", ("HAFIZ", "ABDUL RAHMAN")),
}

# What each ward wrote about its patient (Image Comments or Patient Comments) and the plants in it.
_TEXTS: dict[str, tuple[str, list[tuple[str, str, bool]]]] = {
    "pt": ("Sra. D. Conceição Pereira (Mª C. S. Pereira), nascida a 3 de março de 1961, 63 anos; NIF 245871369; "
           "CC 15243769 4 ZX2; tel. +351 912 345 678; Rua Augusta 150, 3º Esq., 1100-053 Lisboa; "
           "filha Ana Rita Pereira Lopes; RM joelho esquerdo, rotura do menisco medial",
           [("D. Conceição", PARTICLE, False), ("Mª C. S. Pereira", PARTICLE, False),
            ("3 de março de 1961", DATES, False), ("245871369", NATIONAL, False), ("15243769 4 ZX2", NATIONAL, False),
            ("912 345 678", PHONE, False), ("Rua Augusta 150", ADDRESS, False), ("1100-053", ADDRESS, False),
            ("Lopes", RELATIVE, True)]),
    "ru": ("Пациентка Щербакова Ю.В., 66 лет, род. 14 февраля 1958 г.; СНИЛС 112-233-445 95; паспорт 45 08 "
           "123456; тел. +7 (495) 123-45-67, 8 (916) 555-12-34; ул. Профсоюзная, д. 84, кв. 112; "
           "KT grudnoy kletki: Schtscherbakowa Julija / Chtcherbakova Ioulia / Shcherbakova Iuliia Viacheslavovna",
           [("14 февраля 1958", DATES, False), ("112-233-445 95", NATIONAL, False), ("45 08 123456", NATIONAL, False),
            ("+7 (495) 123-45-67", PHONE, False), ("8 (916) 555-12-34", PHONE, False),
            ("Профсоюзная", ADDRESS, False), ("Schtscherbakowa", TRANSLIT, False), ("Julija", TRANSLIT, True),
            ("Chtcherbakova", TRANSLIT, False), ("Ioulia", TRANSLIT, True), ("Iuliia", TRANSLIT, True),
            ("Viacheslavovna", TRANSLIT, False)]),
    "it": ("Sig. DALESSANDRO G. (D Alessandro Giancarlo), nato il 12 agosto 1931, 93 anni; CF DLSGCR31M12F205Z; "
           "tel. 02 5503 1234, cell. 347 123 4567; Via Francesco Sforza 35, 20122 Milano; "
           "giancarlo.dalessandro(at)pec.example.it; TC torace senza mezzo di contrasto",
           [("DALESSANDRO", PARTICLE, False), ("D Alessandro", PARTICLE, False), ("12 agosto 1931", DATES, False),
            ("93 anni", AGE, False), ("DLSGCR31M12F205Z", NATIONAL, False), ("02 5503 1234", PHONE, False),
            ("347 123 4567", PHONE, False), ("Francesco Sforza", ADDRESS, False), ("20122 Milano", ADDRESS, False),
            ("dalessandro(at)pec", CONTACT, False)]),
    "cn": ("患者欧阳建国先生，欧阳先生；OUYANGJIANGUO；Ou-yang Chien-kuo；Au-Yeung Kin-kwok；出生 一九五零年七月一日；"
           "身份证 310104195007014418；电话 138 1234 5678；上海市徐汇区天钥桥路600号",
           [("OUYANGJIANGUO", PARTICLE, False), ("Chien-kuo", TRANSLIT, False), ("Au-Yeung", TRANSLIT, False),
            ("Kin-kwok", TRANSLIT, False), ("一九五零年七月一日", DATES, False), ("310104195007014418", NATIONAL, False),
            ("138 1234 5678", PHONE, False), ("天钥桥路", ADDRESS, False)]),
    "uk": ("Mr Alasdair Mac Gregor-Fitzwilliam (McGregor Fitzwilliam A.H.), born on the third of March nineteen "
           "forty-one, 83 yrs; NHS 943 476 5919; NI JT 48 21 77 B; 14 Heriot Row, Edinburgh EH3 6QN; "
           "tel 0131 496 0187, mob 07700 900461; alasdair dot mgf at example dot org; "
           "NOK daughter Morag Fitzwilliam-Hay; left hip pain, no fracture seen",
           [("Mac Gregor", PARTICLE, False), ("McGregor", PARTICLE, False),
            ("third of March nineteen forty-one", DATES, False), ("943 476 5919", NATIONAL, False),
            ("JT 48 21 77 B", NATIONAL, False), ("Heriot Row", ADDRESS, False), ("EH3 6QN", ADDRESS, False),
            ("0131 496 0187", PHONE, False), ("07700 900461", PHONE, False), ("alasdair dot mgf", CONTACT, False),
            ("Morag", RELATIVE, True), ("Fitzwilliam-Hay", RELATIVE, False)]),
    "mx": ("Paciente José Ángel de la Garza, nacido el catorce de febrero de mil novecientos cincuenta y seis, "
           "68 años; control el 3 de marzo; domicilio Calle Mayor 5, 2º izq; acompañado por su esposa Rosa y su hijo "
           "Pedro; su madre, de noventa y dos años, vive con él; CURP GAVJ560214HNLRLS08; "
           "dolor abdominal, sin lesión focal hepática",
           [("catorce de febrero", DATES, False), ("mil novecientos cincuenta y seis", DATES, False),
            ("3 de marzo", DATES, False), ("Calle Mayor 5", ADDRESS, False), ("Rosa", RELATIVE, True),
            ("Pedro", RELATIVE, True), ("noventa y dos años", AGE, False), ("GAVJ560214HNLRLS08", NATIONAL, False)]),
    "my": ("Encik Hafiz b. Abd Rahman (En. M. Hafiz), 39 tahun, lahir 12 Mac 1985; MyKad 850312-14-5567; "
           "tel 012-345 6789; No. 12, Jalan Ampang Hilir, 55000 Kuala Lumpur; waris isteri Siti Nurhaliza binti "
           "Kamaruddin 019-876 5432; chest pain, normal chest radiograph",
           [("Abd Rahman", PARTICLE, False), ("12 Mac 1985", DATES, False), ("850312-14-5567", NATIONAL, False),
            ("012-345 6789", PHONE, False), ("Jalan Ampang Hilir", ADDRESS, False), ("55000 Kuala Lumpur", ADDRESS, False),
            ("Kamaruddin", RELATIVE, False), ("019-876 5432", PHONE, False)]),
}

# A second note about the Scottish patient (Additional Patient History): an English text whose
# identifiers are all dictionary words or numbers.
_HISTORY_UK = ("Lives at 14 Church Street with wife Rose; son Frank informed; seen on the fourteenth of February and "
               "again on 3rd March; DOB 03/1941; mother aged ninety-three; known osteoarthritis of the left hip")
_HISTORY_UK_PLANTS = [("14 Church Street", ADDRESS, False), ("Rose", RELATIVE, True), ("Frank", RELATIVE, True),
                      ("fourteenth of February", DATES, False), ("3rd March", DATES, False), ("03/1941", DATES, False),
                      ("aged ninety-three", AGE, False)]

# Clinical words written beside the plants that a research release should keep (over-removal).
KEPT = {
    "pt": ("RM", "joelho", "esquerdo", "rotura", "menisco", "medial"),
    "it": ("TC", "torace", "senza", "mezzo", "di", "contrasto"),
    "uk": ("left", "hip", "pain", "no", "fracture", "seen"),
    "mx": ("dolor", "abdominal", "sin", "lesión", "focal", "hepática", "68", "años"),
    "my": ("chest", "pain", "normal", "chest", "radiograph"),
}

ISO_IR_58 = b"\x1b$)A"  # designates GB 2312 to G1 (PS3.5 Table K-2)


def _uid(p: Person, n: int) -> str:
    return f"{ROOT}.{int(hashlib.sha256(f'{p.key}/{n}'.encode()).hexdigest()[:12], 16)}.{n}"


def _text(p: Person, value: str) -> str | bytes:
    """``value`` as an element of ``p``'s character set takes it (GB 2312 after its escape)."""
    if p.charset != "ISO 2022 IR 58":
        return value
    out = b""
    for run in _runs(value):
        out += run.encode("ascii") if run.isascii() else ISO_IR_58 + run.encode("gb2312")
    return out + (b" " if len(out) % 2 else b"")


def _runs(value: str) -> list[str]:
    runs: list[str] = []
    for ch in value:
        if runs and runs[-1][-1].isascii() == ch.isascii():
            runs[-1] += ch
        else:
            runs.append(ch)
    return runs


def _set_text(p: Person, ds: Dataset, tag: int, vr: str, value: str) -> None:
    data = _text(p, value)
    if isinstance(data, bytes):
        ds._dict[Tag(tag)] = RawDataElement(Tag(tag), vr, len(data), data, 0, False, True)
    else:
        ds.add_new(tag, vr, data)


def _base(p: Person, sop_class: str, modality: str, series: int, instance: int = 1) -> Dataset:
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.file_meta.MediaStorageSOPClassUID = ds.SOPClassUID = sop_class
    ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID = _uid(p, 1000 * series + instance)
    ds.SpecificCharacterSet = ["", p.charset] if p.charset.startswith("ISO 2022") else p.charset
    _set_text(p, ds, 0x00100010, "PN", p.name)
    ds.PatientID = p.mrn
    ds.IssuerOfPatientID = p.site.split("_")[0]
    ds.PatientBirthDate = p.birth
    ds.PatientSex = p.sex
    ds.PatientAge = p.age
    ds.PatientWeight = "71.5"
    ds.PatientSize = "1.68"
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
    ds.InstitutionName = {"pt": "Hospital de Santa Marta", "ru": "GKB 31", "it": "Ospedale Niguarda",
                          "cn": "Zhongshan Hospital", "uk": "Royal Infirmary", "my": "Royal Infirmary",
                          "mx": "Hospital Universitario Monterrey"}[p.key]
    ds.ReferringPhysicianName = "Referrer^Unknown"
    return ds


def _pixels(ds: Dataset, rows: int = 16, frames: int = 1) -> None:
    ds.Rows = ds.Columns = rows
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.BitsAllocated = ds.BitsStored = 16
    ds.HighBit = 15
    ds.PixelRepresentation = 0
    if frames > 1:
        ds.NumberOfFrames = frames
    # random values: a ramp would spell runs of ASCII digits that a number search finds
    ds.PixelData = np.random.default_rng(12).integers(600, 900, rows * rows * frames, dtype=np.uint16).tobytes()


def _comment(p: Person, ds: Dataset, plants: list[Plant], keyword: str = "ImageComments") -> None:
    text, found = _TEXTS[p.key]
    from pydicom.datadict import tag_for_keyword

    tag = tag_for_keyword(keyword)
    assert tag is not None
    _set_text(p, ds, tag, "LT", text)
    plants += [Plant(v, s, w) for v, s, w in found]


def _header_plants(p: Person, plants: list[Plant]) -> None:
    plants += [Plant(p.mrn, HEADER), Plant(p.accession, HEADER)] + [Plant(w, HEADER) for w in p.words]


# --- Lisboa: an MR whose Original Attributes Sequence keeps what the PACS corrected -----------


def _lisboa_mr(p: Person, plants: list[Plant]) -> Dataset:
    ds = _base(p, MR, "MR", 1)
    ds.StudyDescription = "RM JOELHO ESQ"
    ds.SeriesDescription = "PD FS SAG"
    ds.BodyPartExamined = "KNEE"
    _comment(p, ds, plants)
    modified = Dataset()
    modified.PatientName = "PEREIRA^MARIA CONCEICAO S"
    modified.PatientID = "HSMOLD77120"
    modified.PatientBirthDate = "19610330"
    modified.OtherPatientIDs = "SNS987654321"
    original = Dataset()
    original.ModifiedAttributesSequence = Sequence([modified])
    original.AttributeModificationDateTime = "20240612083000"
    original.ModifyingSystem = "IntelliSpace PACS HSM-PACS-02"
    original.SourceOfPreviousValues = "RIS Hospital Santa Marta Lisboa"
    original.ReasonForTheAttributeModification = "CORRECT"
    ds.OriginalAttributesSequence = Sequence([original])
    plants += [Plant("HSMOLD77120", ORIGINAL), Plant("19610330", ORIGINAL), Plant("SNS987654321", ORIGINAL),
               Plant("HSM-PACS-02", ORIGINAL), Plant("Santa Marta Lisboa", ORIGINAL)]
    # A RIS bridge's own private group (no knowledge-base entry), text and a nested sequence.
    block = ds.private_block(0x0031, "HSM RIS BRIDGE 2.1", create=True)
    block.add_new(0x10, "LO", "PEREIRA MARIA C")
    block.add_new(0x11, "SH", "245871369")
    inner = Dataset()
    inner.add_new(0x00080090, "PN", "Lopes^Ana Rita")
    block.add_new(0x12, "SQ", Sequence([inner]))
    plants += [Plant("PEREIRA MARIA C", PRIVATE)]
    _pixels(ds)
    return ds


# --- Moskva: CT with clinical trial attributes, an RT Structure Set's approval, an SR in UTF-8 -------


def _moskva_ct(p: Person, plants: list[Plant]) -> Dataset:
    ds = _base(p, CT, "CT", 1)
    ds.StudyDescription = "КТ ОГК"
    ds.SeriesDescription = "Thorax 1.0 B70f"
    _comment(p, ds, plants)
    ds.ClinicalTrialSponsorName = "Щербаков и партнёры"
    ds.ClinicalTrialProtocolID = "LUNG-SCR-07"
    ds.ClinicalTrialProtocolName = "Скрининг рака лёгкого"
    ds.ClinicalTrialSiteID = "RU05"
    ds.ClinicalTrialSiteName = "ГКБ № 31, отделение Гаврилова"
    ds.ClinicalTrialSubjectID = "RU05-GKB0458812"
    ds.ClinicalTrialSubjectReadingID = "R-0458812"
    ds.ClinicalTrialTimePointID = "BASELINE"
    plants += [Plant("RU05-GKB0458812", TRIAL), Plant("0458812", TRIAL), Plant("Гаврилова", TRIAL)]
    _pixels(ds)
    return ds


def _moskva_rtstruct(p: Person, plants: list[Plant]) -> Dataset:
    ds = _base(p, RTSTRUCT, "RTSTRUCT", 2)
    ds.StructureSetLabel = "LUNG"
    ds.StructureSetDate = "20240612"
    ds.StructureSetTime = "090000"
    ds.ApprovalStatus = "APPROVED"
    ds.ReviewDate = "20240613"
    ds.ReviewTime = "141500"
    ds.ReviewerName = "Гаврилов^Пётр^Ильич"
    roi = Dataset()
    roi.ROINumber = 1
    roi.ROIName = "GTV"
    roi.ReferencedFrameOfReferenceUID = _uid(p, 77)
    roi.ROIGenerationAlgorithm = "MANUAL"
    ds.StructureSetROISequence = Sequence([roi])
    plants += [Plant("Гаврилов", REVIEW), Plant("Пётр", REVIEW), Plant("20240613", REVIEW)]
    return ds


def _item(relationship: str, value_type: str, code: tuple[str, str, str], **values: object) -> Dataset:
    item = Dataset()
    item.RelationshipType = relationship
    item.ValueType = value_type
    concept = Dataset()
    concept.CodeValue, concept.CodingSchemeDesignator, concept.CodeMeaning = code
    item.ConceptNameCodeSequence = Sequence([concept])
    for keyword, value in values.items():
        setattr(item, keyword, value)
    return item


def _moskva_sr(p: Person, plants: list[Plant]) -> Dataset:
    ds = _base(p, SR, "SR", 3)
    ds.SpecificCharacterSet = "ISO_IR 192"
    ds.PatientName = "Shcherbakova^Iuliia=Щербакова^Юлия"
    ds.ValueType = "CONTAINER"
    ds.ContinuityOfContent = "SEPARATE"
    ds.ConceptNameCodeSequence = Sequence([_code("18748-4", "LN", "Diagnostic imaging report")])
    ds.CompletionFlag = "COMPLETE"
    ds.VerificationFlag = "UNVERIFIED"
    text = ("Ščerbakova Julija Vjačeslavovna, geb. vierzehnter Februar 1958, Schtscherbakowa J. W.; "
            "no focal lesion, small nodule in the right upper lobe")
    finding = _item("CONTAINS", "TEXT", ("121071", "DCM", "Finding"), TextValue=text)
    inner = _item("CONTAINS", "CONTAINER", ("121070", "DCM", "Findings"), ContinuityOfContent="SEPARATE",
                  ContentSequence=Sequence([finding]))
    middle = _item("CONTAINS", "CONTAINER", ("111028", "DCM", "Image library"), ContinuityOfContent="SEPARATE",
                   ContentSequence=Sequence([inner]))
    ds.ContentSequence = Sequence([middle])
    plants += [Plant("Ščerbakova", TRANSLIT), Plant("Vjačeslavovna", TRANSLIT),
               Plant("vierzehnter Februar 1958", DATES), Plant("Schtscherbakowa J", TRANSLIT)]
    return ds


def _code(value: str, scheme: str, meaning: str) -> Dataset:
    code = Dataset()
    code.CodeValue, code.CodingSchemeDesignator, code.CodeMeaning = value, scheme, meaning
    return code


# --- Milano: a whole-slide image whose Specimen module carries the pathology accession -----------


def _milano_ct(p: Person, plants: list[Plant]) -> Dataset:
    ds = _base(p, CT, "CT", 1)
    ds.StudyDescription = "TC TORACE"
    ds.SeriesDescription = "Torace 1.25mm"
    _comment(p, ds, plants)
    _pixels(ds)
    return ds


def _milano_wsi(p: Person, plants: list[Plant]) -> Dataset:
    ds = _base(p, WSI, "SM", 2)
    ds.ImageType = ["ORIGINAL", "PRIMARY", "VOLUME", "NONE"]
    ds.BurnedInAnnotation = "NO"
    ds.SpecimenLabelInImage = "NO"
    ds.ContainerIdentifier = "MI24-S-04512-A1"
    issuer = Dataset()
    issuer.LocalNamespaceEntityID = "Anatomia Patologica Niguarda"
    ds.IssuerOfTheContainerIdentifierSequence = Sequence([issuer])
    alternate = Dataset()
    alternate.ContainerIdentifier = "BC3108120917"
    ds.AlternateContainerIdentifierSequence = Sequence([alternate])
    ds.ContainerDescription = "Vetrino D'Alessandro G. 12/08/1931"
    ds.ContainerTypeCodeSequence = Sequence([_code("433466003", "SCT", "Microscope slide")])
    specimen = Dataset()
    specimen.SpecimenIdentifier = "MI24-S-04512"
    specimen.SpecimenUID = _uid(p, 99)
    specimen_issuer = Dataset()
    specimen_issuer.LocalNamespaceEntityID = "Niguarda AP"
    specimen.IssuerOfTheSpecimenIdentifierSequence = Sequence([specimen_issuer])
    specimen.SpecimenShortDescription = "Biopsia prostatica MI24-S-04512"
    step = Dataset()
    step.SpecimenPreparationStepContentItemSequence = Sequence([
        _item("", "TEXT", ("121041", "DCM", "Specimen Identifier"), TextValue="MI24-S-04512"),
        _item("", "PNAME", ("121008", "DCM", "Person Observer Name"), PersonName="Bonfiglio^Lucia"),
        _item("", "DATETIME", ("111701", "DCM", "Processing step"), DateTime="20240612091500"),
    ])
    for entry in step.SpecimenPreparationStepContentItemSequence:
        del entry.RelationshipType
    specimen.SpecimenPreparationSequence = Sequence([step])
    ds.SpecimenDescriptionSequence = Sequence([specimen])
    ds.BarcodeValue = "MI24S04512A1"
    ds.LabelText = "MI24-S-04512 A1 DALESSANDRO G"
    plants += [Plant("MI24-S-04512", SPECIMEN), Plant("BC3108120917", SPECIMEN), Plant("MI24S04512A1", SPECIMEN),
               Plant("12/08/1931", SPECIMEN), Plant("Bonfiglio", SPECIMEN)]
    ds.TotalPixelMatrixColumns = ds.TotalPixelMatrixRows = 16
    ds.ImagedVolumeWidth = ds.ImagedVolumeHeight = 1.0
    _pixels(ds)
    return ds


# --- Shanghai: an enhanced MR in ISO 2022 IR 58 with per-frame labels, comments and dates -------


def _shanghai_mr(p: Person, plants: list[Plant]) -> Dataset:
    ds = _base(p, ENHANCED_MR, "MR", 1)
    ds.StudyDescription = "MR HEAD"
    _comment(p, ds, plants)
    frames = []
    for n in range(3):
        content = Dataset()
        content.FrameAcquisitionNumber = n + 1
        content.FrameAcquisitionDateTime = f"2024061110{15 + n:02d}00"
        content.FrameReferenceDateTime = f"2024061110{15 + n:02d}00"
        _set_text(p, content, 0x00209453, "LO", f"欧阳 T2 {n + 1}")
        _set_text(p, content, 0x00209158, "LT", f"Ouyang Jianguo frame {n + 1}; 欧阳建国 1950-07-01")
        group = Dataset()
        group.FrameContentSequence = Sequence([content])
        frames.append(group)
    ds.PerFrameFunctionalGroupsSequence = Sequence(frames)
    ds.SharedFunctionalGroupsSequence = Sequence([Dataset()])
    ds.DimensionOrganizationSequence = Sequence([Dataset()])
    ds.DimensionOrganizationSequence[0].DimensionOrganizationUID = _uid(p, 55)
    index = Dataset()
    index.DimensionOrganizationUID = _uid(p, 55)
    index.DimensionIndexPointer = 0x00209056
    index.FunctionalGroupPointer = 0x00209111
    _set_text(p, index, 0x00209421, "LO", "OUYANG stack")
    ds.DimensionIndexSequence = Sequence([index])
    block = ds.private_block(0x0065, "UIH_CLINICAL_EXT", create=True)
    _set_text(p, block.dataset, block.get_tag(0x10), "LO", "欧阳建国门诊")
    plants += [Plant("2024061110", FRAME), Plant("OUYANG stack", FRAME), Plant("1950-07-01", FRAME),
               Plant("欧阳建国门诊", PRIVATE)]
    _pixels(ds, frames=3)
    return ds


# --- Edinburgh: a CR of a Scottish and a Malaysian patient -----------------------------------------


def _edinburgh_cr(p: Person, plants: list[Plant], series: int) -> Dataset:
    ds = _base(p, CR, "CR", series)
    ds.StudyDescription = "XR HIP LEFT" if p.key == "uk" else "XR CHEST PA"
    ds.BodyPartExamined = "HIP" if p.key == "uk" else "CHEST"
    _comment(p, ds, plants, "PatientComments")
    if p.key == "uk":
        ds.AdditionalPatientHistory = _HISTORY_UK
        plants += [Plant(v, s, w) for v, s, w in _HISTORY_UK_PLANTS]
    _pixels(ds)
    return ds


# --- Monterrey: a Canon CT of a Mexican patient, notes in Spanish --------------------------------


def _monterrey_ct(p: Person, plants: list[Plant]) -> Dataset:
    ds = _base(p, CT, "CT", 1)
    ds.StudyDescription = "TC ABDOMEN CONTRASTADA"
    ds.SeriesDescription = "ABDOMEN 5.0 FC08"
    _comment(p, ds, plants)
    block = ds.private_block(0x7005, "TOSHIBA_MEC_CT3", create=True)
    block.add_new(0x30, "LO", "GARZA VILLARREAL JOSE A")
    plants.append(Plant("GARZA VILLARREAL JOSE A", PRIVATE))
    _pixels(ds)
    return ds


def _write(ds: Dataset, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    ds.save_as(path, enforce_file_format=True)

# Red team 17's plant-list audit (tests/plant_audit.py): identifiers this archive writes that its plant
# list lacked (now searched for too), and values that look identifying but are not, with the reason.
AUDIT_SURFACE = "an identifier the plant list lacked until the audit of red team 17"
AUDIT_PLANTS = (
    'Hamish', 'Lucia', 'MUHAMMAD', 'Shcherbakova', 'Юлия',
)
AUDIT_SAFE: dict[str, str] = {
    'IntelliSpace PACS HSM-PACS-02': "a site's or system's name, not a person's (the release names its sites)",
    'Ospedale Niguarda': "a site's or system's name, not a person's (the release names its sites)",
    'Royal Infirmary': "a site's or system's name, not a person's (the release names its sites)",
    'Zhongshan Hospital': "a site's or system's name, not a person's (the release names its sites)",
    'ГКБ № 31, отделение Гаврилова': "the hospital (ГКБ = city clinical hospital); the department's namesake Гаврилова is a plant",
}



def build(root: str | Path) -> Planted:
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    plants: list[Plant] = []
    for p in PEOPLE.values():
        _header_plants(p, plants)
    pt, ru, it, cn, uk, my, mx = (PEOPLE[k] for k in ("pt", "ru", "it", "cn", "uk", "my", "mx"))
    _write(_lisboa_mr(pt, plants), root / pt.site / "EXAM0001" / "MR000001.dcm")
    _write(_moskva_ct(ru, plants), root / ru.site / "study1" / "ct1.dcm")
    _write(_moskva_rtstruct(ru, plants), root / ru.site / "study1" / "rtss.dcm")
    _write(_moskva_sr(ru, plants), root / ru.site / "study1" / "report.dcm")
    _write(_milano_ct(it, plants), root / it.site / "A" / "IM0001")
    _write(_milano_wsi(it, plants), root / it.site / "B" / "SM0001")
    _write(_shanghai_mr(cn, plants), root / cn.site / "MR" / "1.dcm")
    _write(_monterrey_ct(mx, plants), root / mx.site / "CT" / "00000001")
    # Edinburgh: a tar.gz whose member folders name the patients.
    members = {
        "MACGREGOR-FITZWILLIAM_ALASDAIR_EH0077213/CR/1.dcm": _edinburgh_cr(uk, plants, 1),
        "Hafiz_bin_Abdul_Rahman_850312-14-5567/CR/1.dcm": _edinburgh_cr(my, plants, 1),
    }
    plants += [Plant("MACGREGOR-FITZWILLIAM_ALASDAIR", PATH), Plant("Hafiz_bin_Abdul_Rahman", PATH)]
    site = root / uk.site
    site.mkdir(parents=True, exist_ok=True)
    with tarfile.open(site / "export.tar.gz", "w:gz", format=tarfile.PAX_FORMAT) as archive:
        for name, ds in sorted(members.items()):
            data = io.BytesIO()
            ds.save_as(data, enforce_file_format=True)
            info = tarfile.TarInfo(name)
            info.size = len(data.getvalue())
            info.mtime = 1718000000
            archive.addfile(info, io.BytesIO(data.getvalue()))
    plants += [Plant(value, AUDIT_SURFACE, word=len(value) <= 4) for value in AUDIT_PLANTS]
    return Planted(root, tuple(dict.fromkeys(plants)))


def leaks(folders: list[Path], planted: Planted, console: dict[str, str] | None = None) -> list[tuple[str, str, str]]:
    """Every (where, plant, surface) found below ``folders`` and in ``console`` (round 11's search,
    with the member names and members of tar archives read too)."""
    import tempfile

    hits = r11.leaks(folders, planted, console)
    for folder in folders:
        for path in sorted(folder.rglob("*")):
            if path.is_file() and tarfile.is_tarfile(path):
                with tempfile.TemporaryDirectory() as tmp, tarfile.open(path) as archive:
                    names = {"tar member names": "\n".join(archive.getnames())}
                    archive.extractall(tmp, filter="data")
                    where = path.relative_to(folder).as_posix()
                    hits += [(f"{folder.name}/{where}!/{w}", v, s)
                             for w, v, s in r11.leaks([Path(tmp)], planted, names)]
    return hits
