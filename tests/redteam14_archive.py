"""Red team, round 14: a multi-site archive planting where no earlier round looked, and the search of
every output for it (tests/plants.py).  Every person, number and address is invented.

Five sites, five vendors, four languages and scripts:

- ``HANOI_CANON`` (ISO_IR 192, Vietnamese): the patient's name written decomposed (NFD) in the
  header and composed (NFC) in the text; the source folder and the file names hold the name, the
  record number and the birth date; the study, series and instance UIDs are built from the record
  number and the birth date (``1.2.3.<MRN>.<YYYYMMDD>``), and so is the ReferencedPatientSequence's
  UID; names in Patient's Mother's Birth Name, Other Patient Names, Responsible Person, the
  Performing Physician Identification Sequence, the Request Attributes Sequence and the Scheduled
  Procedure Step Sequence; the name in the study and series descriptions that normalization copies
  into the FHIR and RDF files;
- ``HONGKONG_GE`` (ISO_IR 192, Cantonese): a name in Latin letters and Han characters in one PN; a
  SEG whose Segment Algorithm Name and Content Label name the operator and hold an accession number
  glued to its word; an SR whose Content Creator's Name names a physician; a label with the given
  name in its Cantonese spelling;
- ``SEOUL_MEDISON`` (ISO 2022 IR 149, Korean): a name in Latin letters, Han and Hangul in one PN;
  a zip whose member folder names the patient and the birth date; a DICOMDIR whose records hold the
  name and the record number;
- ``MUENCHEN_SIEMENS`` (ISO_IR 192, German): a name with umlauts written decomposed; a tar whose
  member folder names the patient; the name in the protocol name, station name and device strings
  that the audit's HTML report shows;
- ``BOSTON_HOLOGIC`` (ISO_IR 100): round 13's leftovers: a town in text written in capitals, IDs
  glued to their words in a code string and a label.

Ages, sex, size and weight are written too: no plants (controlled tiers keep them); :data:`KEPT`
lists clinical words (and a month alone) that must survive.
"""
from __future__ import annotations

import io
import sys
import tarfile
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path

from pydicom.dataset import Dataset
from pydicom.fileset import FileSet

sys.path.insert(0, str(Path(__file__).resolve().parent))

from plants import HEADER, Plant, Planted, code, dataset, header_plants, pixels, sequence, uid, write  # noqa: E402

CT = "1.2.840.10008.5.1.4.1.1.2"
MR = "1.2.840.10008.5.1.4.1.1.4"
US = "1.2.840.10008.5.1.4.1.1.6.1"
MG = "1.2.840.10008.5.1.4.1.1.1.2"
SR = "1.2.840.10008.5.1.4.1.1.88.33"
SEG = "1.2.840.10008.5.1.4.1.1.66.4"
ROOT = "1.2.826.0.1.3680043.10.1084"

PATH = "name, record number or birth date in a source folder, file or archive member name"
UID_DIGITS = "record number or birth date inside a UID (1.2.3.<MRN>.<YYYYMMDD>)"
RELATIVE = "name in Patient's Mother's Birth Name, Other Patient Names or Responsible Person"
PERFORMER = "name in the Performing Physician Identification Sequence"
REQUEST = "name, ID or phone in the Request Attributes or Scheduled Procedure Step Sequence"
DESCRIPTION = "name or ID in a study or series description that normalization copies to FHIR and RDF"
PROVENANCE = "name or ID in a Segment Algorithm Name or Content Label (provenance reports)"
CREATOR = "name in an SR's Content Creator's Name"
MIXED = "a name in Latin letters, Han and Hangul in one PN"
NFD = "a name with diacritics written decomposed (NFD) in the header"
DIALECT = "a Chinese given name in its Cantonese spelling in a label"
DEVICE = "name in a protocol name, station name or device string (the audit's HTML report)"
DICOMDIR = "name or ID in a DICOMDIR's directory records"
CAPS_PLACE = "a town in a residence clause written in capitals"
GLUED_ID = "an ID glued to its word in a code string or label"


@dataclass(frozen=True)
class Person:
    key: str
    site: str
    name: str  # as the header writes it
    charset: str | list[str]
    mrn: str
    birth: str
    sex: str
    age: str
    accession: str
    manufacturer: str
    model: str


def _nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


PEOPLE = {
    "vn": Person("vn", "HANOI_CANON", _nfd("Nguyễn^Thị Minh Khai"), "ISO_IR 192", "7745521", "19750312", "F", "049Y",
                 "HN24CT0091", "CANON_MEC", "Aquilion ONE"),
    "hk": Person("hk", "HONGKONG_GE", "CHAN^KIN KWOK=陳^建國", "ISO_IR 192", "HK3305127", "19680215", "M", "056Y",
                 "HK24MR7730", "GE MEDICAL SYSTEMS", "SIGNA Architect"),
    "kr": Person("kr", "SEOUL_MEDISON", "Kim^Minjun=金^敏俊=김^민준", ["", "ISO 2022 IR 149"], "SNU7730461", "19880206",
                 "M", "036Y", "KR24US0412", "SAMSUNG MEDISON CO., LTD.", "RS85"),
    "de": Person("de", "MUENCHEN_SIEMENS", _nfd("Müller-Lüdenscheidt^Jürgen"), "ISO_IR 192", "MUC5512093", "19570704",
                 "M", "067Y", "DE24MR5520", "SIEMENS", "MAGNETOM Vida"),
    "us": Person("us", "BOSTON_HOLOGIC", "Fairweather^Constance", "ISO_IR 100", "BWH2290417", "19610930", "F", "063Y",
                 "BWH24MG3312", "HOLOGIC, Inc.", "Selenia Dimensions"),
}

# Clinical words written beside the plants that a controlled-access release keeps (over-removal).
KEPT = {
    "vn": ("CT", "chest", "nodule", "stable"),
    "hk": ("MR", "brain", "no", "acute", "infarct"),
    "kr": ("liver", "mild", "steatosis"),
    "de": ("knee", "meniscus", "tear"),
    "us": ("screening", "mammogram", "March", "benign", "calcifications"),
    "sg": ("chest", "PA", "clear"),
}


def _base(p: Person, sop_class: str, modality: str, series: int, instance: int = 1, uids: tuple[str, ...] = ()) -> Dataset:
    study, series_uid, sop = uids or (uid(ROOT, p.key, 1), uid(ROOT, p.key, 2 + series),
                                      uid(ROOT, p.key, 1000 * series + instance))
    ds = dataset(sop_class, sop)
    ds.SpecificCharacterSet = p.charset
    ds.PatientName = p.name
    ds.PatientID = p.mrn
    ds.IssuerOfPatientID = p.site.split("_")[0]
    ds.PatientBirthDate = p.birth
    ds.PatientSex = p.sex
    ds.PatientAge = p.age
    ds.PatientWeight = "71.0"
    ds.PatientSize = "1.68"
    ds.StudyDate = ds.SeriesDate = ds.ContentDate = "20240611"
    ds.StudyTime = ds.SeriesTime = ds.ContentTime = "101500"
    ds.AccessionNumber = p.accession
    ds.StudyInstanceUID = study
    ds.SeriesInstanceUID = series_uid
    ds.StudyID = "1"
    ds.SeriesNumber = series
    ds.InstanceNumber = instance
    ds.Modality = modality
    ds.Manufacturer = p.manufacturer
    ds.ManufacturerModelName = p.model
    ds.ReferringPhysicianName = ""
    return ds


# --- Hanoi: paths, UIDs of the MRN and birth date, relatives, performer, request, descriptions ------


def _hanoi_ct(p: Person, plants: list[Plant], instance: int) -> Dataset:
    root = f"1.2.3.{p.mrn}.{p.birth}"  # the site's UID convention
    ds = _base(p, CT, "CT", 1, instance, (root, f"{root}.2", f"{root}.2.{instance}"))
    ds.StudyDescription = "CT NGUC Minh Khai"
    ds.SeriesDescription = f"Axial 5mm chest NGUYEN KHAI {p.mrn}"
    ds.BodyPartExamined = "CHEST"
    ds.ImageComments = unicodedata.normalize("NFC", "Bà Nguyễn Thị Minh Khai; CT chest, nodule 6 mm, stable")
    ds.PatientMotherBirthName = _nfd("Phạm^Thị Xuân Hương")
    ds.OtherPatientNames = "Nguyen^Minh Khai"
    ds.ResponsiblePerson = _nfd("Trần^Văn Đức")
    ds.ResponsiblePersonRole = "SON"
    performer = Dataset()
    performer.PersonIdentificationCodeSequence = sequence(code("BS4471", "L", _nfd("Hoàng Quốc Bảo")))
    performer.PersonAddress = _nfd("12 Phố Huế, Hà Nội")
    performer.PersonTelephoneNumbers = "024 3869 3731"
    performer.InstitutionName = _nfd("Bệnh viện Bạch Mai")
    ds.PerformingPhysicianIdentificationSequence = sequence(performer)
    request = Dataset()
    request.RequestedProcedureID = f"RP{p.mrn}"
    request.RequestedProcedureDescription = _nfd("CT NGỰC - Nguyễn Thị Minh Khai")
    request.ScheduledProcedureStepID = f"SPS{p.mrn}"
    request.ScheduledProcedureStepDescription = f"CT chest for Minh Khai, MRN {p.mrn}"
    ds.RequestAttributesSequence = sequence(request)
    step = Dataset()
    step.ScheduledProcedureStepDescription = _nfd("Chụp CT cho bà Khai, gọi 0912 345 678")
    step.ScheduledPerformingPhysicianName = _nfd("Hoàng^Quốc Bảo")
    step.ScheduledStationName = "BACHMAI_CT2"
    ds.ScheduledProcedureStepSequence = sequence(step)
    patient = Dataset()
    patient.ReferencedSOPClassUID = "1.2.840.10008.3.1.2.1.4"
    patient.ReferencedSOPInstanceUID = f"{root}.9"
    ds.ReferencedPatientSequence = sequence(patient)
    ds.FrameOfReferenceUID = f"{root}.7"
    ds.add_new(0x00290010, "LO", "BACHMAI RIS")
    ds.add_new(0x00291001, "UI", f"{root}.8")  # a private UID of the same convention
    ds.add_new(0x00291002, "LO", _nfd("BN Nguyễn Thị Minh Khai"))
    ds.RetrieveURL = f"https://pacs.example.vn/wado?patientID={p.mrn}&study={root}"
    ds.PatientBirthDateInAlternativeCalendar = "20/01/1975"
    ds.PatientAlternativeCalendar = "LUNAR"
    ds.PerformedLocation = _nfd("Phòng 3 - BS Hoàng Quốc Bảo")
    ds.ClinicalTrialSubjectID = f"KHAI-{p.mrn}"
    pixels(ds)
    if instance == 1:
        plants += [Plant("Xuân Hương", RELATIVE),
                   Plant("Văn Đức", RELATIVE), Plant("Quốc Bảo", PERFORMER), Plant("Hoàng", PERFORMER, True),
                   Plant("Phố Huế", PERFORMER), Plant("024 3869 3731", PERFORMER), Plant("Bạch Mai", PERFORMER),
                   Plant(f"RP{p.mrn}", REQUEST), Plant("0912 345 678", REQUEST), Plant("Minh Khai", DESCRIPTION),
                   Plant("NGUYEN KHAI", DESCRIPTION), Plant(f"1.2.3.{p.mrn}", UID_DIGITS),
                   Plant(f"{p.mrn}.{p.birth}", UID_DIGITS), Plant("BACHMAI", REQUEST),
                   Plant("20/01/1975", HEADER), Plant("KHAI-", HEADER), Plant("BN Nguy", UID_DIGITS)]
    return ds


# --- Hong Kong: a SEG and an SR naming staff; the given name in Cantonese --------------------------


def _hongkong_mr(p: Person, plants: list[Plant]) -> Dataset:
    ds = _base(p, MR, "MR", 1)
    ds.StudyDescription = "MR BRAIN CHAN KIN KWOK"
    ds.SeriesDescription = "T2 axial Kin Kwok"
    ds.ImageComments = "MR brain, no acute infarct"
    ds.FrameLabel = "Kin Kwok T2"
    ds.OperatorsName = "Leung^Wai Man"
    pixels(ds)
    plants += [Plant("Kin Kwok", DIALECT), Plant("KIN KWOK", DESCRIPTION)]
    return ds


def _hongkong_seg(p: Person, plants: list[Plant]) -> Dataset:
    ds = _base(p, SEG, "SEG", 2)
    ds.SegmentationType = "BINARY"
    ds.ImageType = ["DERIVED", "PRIMARY"]
    ds.ContentLabel = "ACC24778812"
    ds.ContentDescription = "brain segmentation"
    ds.ContentCreatorName = "Leung^Wai Man"
    ds.OperatorsName = "Leung^Wai Man"
    ds.SeriesDescription = "Segmentation"
    segment = Dataset()
    segment.SegmentNumber = 1
    segment.SegmentLabel = "lesion"
    segment.SegmentAlgorithmType = "AUTOMATIC"
    segment.SegmentAlgorithmName = "LEUNG_WAIMAN brainseg 2.1"
    segment.SegmentationAlgorithmIdentificationSequence = sequence(_algorithm())
    segment.SegmentedPropertyCategoryCodeSequence = sequence(code("49755003", "SCT", "Morphologically Altered Structure"))
    segment.SegmentedPropertyTypeCodeSequence = sequence(code("52988006", "SCT", "Lesion"))
    ds.SegmentSequence = sequence(segment)
    ds.Rows = ds.Columns = 8
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.BitsAllocated = ds.BitsStored = 1
    ds.HighBit = 0
    ds.PixelRepresentation = 0
    ds.NumberOfFrames = 1
    ds.PixelData = bytes([0, 24, 60, 60, 24, 0, 0, 0])
    plants += [Plant("WAIMAN", PROVENANCE), Plant("24778812", PROVENANCE), Plant("Wai Man", CREATOR)]
    return ds


def _algorithm() -> Dataset:
    item = Dataset()
    item.AlgorithmFamilyCodeSequence = sequence(code("123110", "DCM", "Artificial Intelligence"))
    item.AlgorithmName = "Leung Wai Man lesion net"
    item.AlgorithmVersion = "2.1"
    return item


def _hongkong_sr(p: Person, plants: list[Plant]) -> Dataset:
    ds = _base(p, SR, "SR", 3)
    ds.ValueType = "CONTAINER"
    ds.ContinuityOfContent = "SEPARATE"
    ds.ConceptNameCodeSequence = sequence(code("18748-4", "LN", "Diagnostic imaging report"))
    ds.CompletionFlag, ds.VerificationFlag = "COMPLETE", "UNVERIFIED"
    ds.ContentCreatorName = "Ho^Siu Ming=何^兆明"
    text = Dataset()
    text.RelationshipType, text.ValueType = "CONTAINS", "TEXT"
    text.ConceptNameCodeSequence = sequence(code("121071", "DCM", "Finding"))
    text.TextValue = f"Mr Chan: no acute infarct; compare study {ds.StudyInstanceUID}"
    observer = Dataset()
    observer.VerifyingObserverName = "Tsang^Yuk Lan"
    observer.VerifyingObserverIdentificationCodeSequence = sequence(code("HK0931", "L", "Dr Tsang Yuk Lan"))
    observer.VerificationDateTime = "20240612101500"
    observer.VerifyingOrganization = "Queen Mary Radiology"
    ds.VerifyingObserverSequence = sequence(observer)
    ds.ContentSequence = sequence(text)
    operator = Dataset()
    operator.PersonIdentificationCodeSequence = sequence(code("HK2277", "L", "Radiographer Mak Ka Yan"))
    operator.InstitutionName = "Queen Mary Hospital"
    ds.OperatorIdentificationSequence = sequence(operator)
    plants += [Plant("Siu Ming", CREATOR), Plant("兆明", CREATOR), Plant("Yuk Lan", CREATOR),
               Plant("Queen Mary", CREATOR), Plant("Ka Yan", PERFORMER)]
    return ds


# --- Seoul: a zip whose member folder names the patient; a DICOMDIR --------------------------------


def _seoul_us(p: Person, plants: list[Plant], instance: int) -> Dataset:
    ds = _base(p, US, "US", 1, instance)
    ds.StudyDescription = "US ABDOMEN"
    ds.ImageComments = "liver, mild steatosis"
    ds.BurnedInAnnotation = "NO"
    pixels(ds)
    return ds


def _seoul_zip(p: Person, plants: list[Plant], path: Path) -> None:
    data = io.BytesIO()
    _seoul_us(p, plants, 1).save_as(data, enforce_file_format=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(f"김민준_{p.birth}/US0001.dcm", data.getvalue())
    plants += [Plant("김민준", PATH)]


def _seoul_dicomdir(p: Person, plants: list[Plant], folder: Path) -> None:
    fs = FileSet()
    fs.add(_seoul_us(p, plants, 2))
    fs.write(folder)


# --- München: a tar whose member folder names the patient; the HTML report's header values --------


def _muenchen_mr(p: Person, plants: list[Plant]) -> Dataset:
    ds = _base(p, MR, "MR", 1)
    ds.StudyDescription = "MR KNIE RECHTS"
    ds.SeriesDescription = "PD fs cor Lüdenscheidt"
    ds.ProtocolName = _nfd("Knie Jürgen Müller")
    ds.StationName = "MR-LUEDENSCHEIDT"
    ds.InstitutionName = "Praxis Weissenboeck"
    ds.ImageComments = "knee, meniscus tear"
    ds.SoftwareVersions = "syngo MR XA50 Lüdenscheidt"
    ds.OperatorsName = _nfd("Weißgerber^Dörte")
    ds.DeviceSerialNumber = "SN-WEISSGERBER-2"
    ds.BodyPartExamined = "KNEE"
    ds.ContentLabel = "MUELLER_J"
    ds.ScanOptions = "LUEDENSCH"
    pixels(ds)
    plants += [Plant("Lüdenscheidt", NFD), Plant("LUEDENSCHEIDT", DEVICE), Plant("Weissenboeck", DEVICE),
               Plant("Jürgen Müller", DEVICE), Plant("Weißgerber", DEVICE), Plant("Dörte", NFD),
               Plant("WEISSGERBER", DEVICE), Plant("MUELLER_J", DEVICE), Plant("LUEDENSCH", DEVICE)]
    return ds


def _muenchen_tar(p: Person, plants: list[Plant], path: Path) -> None:
    data = io.BytesIO()
    _muenchen_mr(p, plants).save_as(data, enforce_file_format=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    with tarfile.open(path, "w") as archive:
        member = tarfile.TarInfo(_nfd("Müller-Lüdenscheidt Jürgen 04.07.1957/MR/IM0001"))
        member.size = len(data.getvalue())
        member.mtime = 1718100000
        archive.addfile(member, io.BytesIO(data.getvalue()))
    plants += [Plant("04.07.1957", PATH)]


# --- Boston: round 13's leftovers ------------------------------------------------------------------


def _boston_mg(p: Person, plants: list[Plant]) -> Dataset:
    ds = _base(p, MG, "MG", 1)
    ds.StudyDescription = "SCREENING MAMMOGRAM BILATERAL"
    ds.ImageComments = ("screening mammogram, prior in March; benign calcifications. PT LIVES IN LAKE OSWEGO "
                        "WITH HER DAUGHTER. REF PID-778812")
    ds.FrameLabel = "MRN0045521"
    ds.PresentationIntentType = "FOR PRESENTATION"
    pixels(ds)
    plants += [Plant("OSWEGO", CAPS_PLACE), Plant("778812", GLUED_ID), Plant("0045521", GLUED_ID)]
    return ds


def _boston_seg(p: Person, plants: list[Plant]) -> Dataset:
    ds = _hongkong_seg(p, [])
    ds.ContentLabel = "MRN_2290417X"
    ds.ContentCreatorName = "Oakley^Prudence"
    ds.OperatorsName = "Oakley^Prudence"
    ds.SegmentSequence[0].SegmentAlgorithmName = "OAKLEY breast seg"
    ds.SegmentSequence[0].SegmentationAlgorithmIdentificationSequence[0].AlgorithmName = "Prudence Oakley net"
    plants += [Plant("OAKLEY", PROVENANCE), Plant("Prudence", CREATOR)]
    return ds


# --- round b: names in rejected files' paths, private creators, archive member names in legacy encodings


def _round_b(root: Path, plants: list[Plant]) -> None:
    """A truncated file and a text file in a folder named after a patient (in NFD) whose name is of
    dictionary words (Mai, Lan); a CT named by its UID, with private creators naming the patient and a
    physician; a zip member name in CP949 (no UTF-8 flag) and a tar member name in Latin-1; a file
    named by the record number and birth date."""
    vn, hk, kr, de, us = PEOPLE.values()
    folder = root / vn.site / _nfd(f"Trần Mai Lan {vn.birth}")
    folder.mkdir(parents=True, exist_ok=True)
    data = io.BytesIO()
    _hanoi_ct(vn, [], 3).save_as(data, enforce_file_format=True)
    (folder / "broken.dcm").write_bytes(data.getvalue()[:300])
    (folder / "ghi chu.txt").write_text(_nfd("Bệnh nhân Trần Mai Lan, SĐT 0983 221 457"), encoding="utf-8")
    ct = _hanoi_ct(vn, [], 4)
    block = ct.private_block(0x0031, _nfd("BS Hoàng Quốc Bảo - Nguyễn Minh Khai"), create=True)
    block.add_new(0x01, "LO", "reviewed")
    write(ct, root / vn.site / "uid" / f"{ct.SOPInstanceUID}.dcm")
    plants += [Plant("Trần Mai Lan", PATH), Plant("0983 221 457", PATH), Plant("Mai Lan", PATH)]
    data = io.BytesIO()
    _seoul_us(kr, [], 3).save_as(data, enforce_file_format=True)
    placeholder = f"XXXXXX_{kr.birth}/US0003.dcm"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(placeholder, data.getvalue())
    legacy = f"김민준_{kr.birth}/US0003.dcm".encode("cp949")
    assert len(legacy) == len(placeholder)
    (root / kr.site / "legacy.zip").write_bytes(buffer.getvalue().replace(placeholder.encode(), legacy))
    data = io.BytesIO()
    mr = _muenchen_mr(de, [])
    mr.SOPInstanceUID = mr.file_meta.MediaStorageSOPInstanceUID = uid(ROOT, de.key, 1002)
    mr.InstanceNumber = 2
    mr.save_as(data, enforce_file_format=True)
    with tarfile.open(root / de.site / "latin1.tar", "w", format=tarfile.GNU_FORMAT, encoding="latin-1") as archive:
        member = tarfile.TarInfo("Müller-Lüdenscheidt Jürgen/IM0002")
        member.size = len(data.getvalue())
        member.mtime = 1718100000
        archive.addfile(member, io.BytesIO(data.getvalue()))
    mg = _boston_mg(us, [])
    mg.SOPInstanceUID = mg.file_meta.MediaStorageSOPInstanceUID = uid(ROOT, us.key, 1002)
    write(mg, root / us.site / "MG" / f"2290417_{us.birth}.dcm")
    plants += [Plant(f"2290417_{us.birth}", PATH)]


# --- round c: a Singapore site (a Hokkien name written in Han only); the classes found in round 14 ---


CR = "1.2.840.10008.5.1.4.1.1.1"


def _round_c(root: Path, plants: list[Plant]) -> None:
    """``SINGAPORE_FUJI`` (GB18030): a patient named only in Han characters whose labels spell the
    name in Hokkien; a Content Label naming the reader after a title; a comment naming a relative
    in Vietnamese syllables that are English words; an address clause ending with a town."""
    p = Person("sg", "SINGAPORE_FUJI", "陈^文庆", "GB18030", "SGH4410273", "19590823", "M", "065Y", "SG24CR0107",
               "FUJIFILM Corporation", "FDR Go PLUS")
    ds = _base(p, CR, "CR", 1)
    ds.StudyDescription = "CHEST PA"
    ds.FrameLabel = "TAN BOON KENG PA"
    ds.ContentLabel = "DR_TSANG_ROI"
    ds.ImageComments = "chest PA clear. Next of kin: Lê Văn Long. Lives at 12 Rue Haute, Lyon"
    ds.BurnedInAnnotation = "NO"
    pixels(ds)
    write(ds, root / p.site / "CR" / "1.dcm")
    header_plants(p, plants, ("文庆",))
    plants += [Plant("BOON KENG", DIALECT), Plant("TSANG", PROVENANCE), Plant("Văn Long", RELATIVE),
               Plant("Rue Haute", CAPS_PLACE)]

# Red team 17's plant-list audit (tests/plant_audit.py): identifiers this archive writes that its plant
# list lacked (now searched for too), and values that look identifying but are not, with the reason.
AUDIT_SURFACE = "an identifier the plant list lacked until the audit of red team 17"
AUDIT_PLANTS = (
    'MRN_2290417X', 'CHAN', 'Kim', 'Leung', 'Phạm', 'Thị',
)
AUDIT_SAFE: dict[str, str] = {
    'Bệnh viện Bạch Mai': "a site's or system's name, not a person's (the release names its sites)",
    'BACHMAI_CT2': "a scanner's station name",
    'MUENCHEN': "a site's or system's name, not a person's (the release names its sites)",
    'IM000000': 'a DICOMDIR file ID the export writer numbers',
    'PT000000': 'a DICOMDIR file ID the export writer numbers',
    'SE000000': 'a DICOMDIR file ID the export writer numbers',
    'ST000000': 'a DICOMDIR file ID the export writer numbers',
    'Phòng 3 - BS Hoàng Quốc Bảo': "the room; the doctor's name is a plant",
}



def build(root: str | Path) -> Planted:
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    plants: list[Plant] = []
    vn, hk, kr, de, us = PEOPLE.values()
    header_plants(vn, plants, ("Nguyễn", "Minh Khai"))
    # no plant of one Han character or of four letters: a random pair of bytes reads as one in some code
    # page of the search (a four-letter 'Trần' was found once in audit/report.json read in another encoding)
    header_plants(hk, plants, ("建國", "KIN KWOK"))
    header_plants(kr, plants, ("Minjun", "敏俊", "민준", "김민준"))
    header_plants(de, plants, ("Müller-Lüdenscheidt", "Jürgen"))
    header_plants(us, plants, ("Fairweather", "Constance"))
    hanoi = root / vn.site / unicodedata.normalize("NFC", f"Nguyễn Thị Minh Khai {vn.mrn}")
    for instance in (1, 2):
        write(_hanoi_ct(vn, plants, instance), hanoi / "CT" / f"NGUYEN_KHAI_{vn.birth}_{instance}.dcm")
    plants += [Plant("NGUYEN_KHAI", PATH), Plant(f"Minh Khai {vn.mrn}", PATH)]
    write(_hongkong_mr(hk, plants), root / hk.site / "MR" / "IM0001.dcm")
    write(_hongkong_seg(hk, plants), root / hk.site / "SEG" / "SEG0001.dcm")
    write(_hongkong_sr(hk, plants), root / hk.site / "SR" / "SR0001.dcm")
    _seoul_zip(kr, plants, root / kr.site / f"export_{kr.mrn}.zip")
    _seoul_dicomdir(kr, plants, root / kr.site / "media")
    plants += [Plant(f"export_{kr.mrn}", PATH)]
    _muenchen_tar(de, plants, root / de.site / "Mueller_Juergen.tar")
    plants += [Plant("Mueller_Juergen", PATH)]
    write(_boston_mg(us, plants), root / us.site / "MG" / "1.dcm")
    write(_boston_seg(us, plants), root / us.site / "SEG" / "1.dcm")
    _round_b(root, plants)
    _round_c(root, plants)
    plants += [Plant(value, AUDIT_SURFACE, word=len(value) <= 4) for value in AUDIT_PLANTS]
    return Planted(root, tuple(dict.fromkeys(plants)))
