"""Red team, round 8: an archive of synthetic people planted where a hospital's systems put
them and an attacker who knows DICOM would look, and a search of every output for them.

Written without the earlier rounds' plant lists (the search, :func:`leaks`, is round 7's,
with tar members read too).  Every person, number and address is invented.  Each plant
carries its leak class (``surface``), so that hits are counted by class.

People and what they try:

- ``jp``: a Japanese patient whose name has its three groups (romaji=kanji=kana) in ISO
  2022 IR 87; free text writes it in Kunrei-shiki (Syoko for Shoko), and her
  phone, postcode and the study date in Japanese forms (2024年3月11日, 令和6年3月11日);
- ``ko``: a Korean patient in ISO 2022 IR 149, Hangul only; free text writes the passport
  spelling of the surname (PARK for 박, which no romanization system gives) and the resident
  registration number; the SR text lies six levels deep;
- ``el``: a Greek patient in ISO 8859-7; a waveform annotation and a request's reason name
  him in Latin letters (ELOT and the older spellings);
- ``ar``: an Arabic name written in Latin letters in the header, and again in other Latin
  spellings in free text (doubled letters, el/al, y/i: the same person);
- ``staff``: a radiologist named in the header (Performing Physician) whose name is also in
  an AE title, a Station Name, a private creator, a graphic layer and an overlay label.
"""
from __future__ import annotations

import io
import re
import tarfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.sequence import Sequence
from pydicom.uid import ExplicitVRLittleEndian

import redteam7_archive as r7
from redteam7_archive import Plant, Planted, fold  # noqa: F401 - fold is part of this module's search

CT = "1.2.840.10008.5.1.4.1.1.2"
ECG = "1.2.840.10008.5.1.4.1.1.9.1.1"
SR = "1.2.840.10008.5.1.4.1.1.88.33"
GSPS = "1.2.840.10008.5.1.4.1.1.11.1"
ROOT = "1.2.826.0.1.3680043.10.1078"


@dataclass(frozen=True)
class Person:
    key: str
    name: str  # PatientName as the header writes it
    charset: str
    codec: str
    mrn: str
    birth: str
    sex: str


PEOPLE = {
    "jp": Person("jp", "TAKAHASHI^SHOKO=高橋^祥子=たかはし^しょうこ", "\\ISO 2022 IR 87", "iso2022_jp", "JP8812045", "19660704", "F"),
    "ko": Person("ko", "박^서연", "\\ISO 2022 IR 149", "iso2022_kr", "KR5503117", "19850315", "F"),
    "el": Person("el", "Παπαδημητρίου^Χαράλαμπος", "ISO_IR 126", "iso8859-7", "GR2290417", "19541122", "M"),
    "ar": Person("ar", "AL-QAHTANI^ABDULLAH", "ISO_IR 192", "utf-8", "SA7710358", "19790908", "M"),
}
STAFF = "Oyelaran^Bukola"  # the radiologist: Performing Physician's Name in every CT
STUDY_DATE = "20240311"
INSTITUTION = "Sakuragaoka General Hospital"

# The leak classes (a hit's surface).
KUNREI = "Japanese name in Kunrei-shiki"
PASSPORT = "Korean surname in its passport spelling"
GREEK = "Greek name in Latin letters"
ARABIC = "Arabic name in another Latin spelling"
STAFF_CODE = "staff name in an AE title, station name or code string"
CREATOR = "private creator naming a person"
PHONE = "phone number in a national format"
MAIL = "e-mail address written around the pattern"
NATIONAL = "national ID number"
STUDY = "exact study date in free text"
DEEP = "identifier in a deep or nested sequence"
FILES = "name in a tar or zip member"
HEADER = "patient name or ID as the header writes it"
CODED = "patient name in another spelling in a kept code string"
# A name the header writes in Latin letters, in another Latin spelling of the same Arabic name in
# a kept code string (KAHTANI for AL-QAHTANI: q/k, y/i, doubled letters; closed in round 8).
LATIN_VARIANT = "Latin name in another Latin spelling in a kept code string"


def _meta(ds: Dataset, sop_class: str, uid: str, ae: str = "") -> None:
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = sop_class
    meta.MediaStorageSOPInstanceUID = uid
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    meta.ImplementationClassUID = ROOT + ".1"
    if ae:
        meta.SourceApplicationEntityTitle = ae
    ds.file_meta = meta
    ds.SOPClassUID = sop_class
    ds.SOPInstanceUID = uid


def _uid(p: Person, n: int) -> str:
    return f"{ROOT}.{sum(map(ord, p.key))}.{n}"


def _base(p: Person, sop_class: str, modality: str, series: int, ae: str = "") -> Dataset:
    ds = Dataset()
    _meta(ds, sop_class, _uid(p, series * 10 + 1), ae)
    ds.SpecificCharacterSet = p.charset
    ds.PatientName = p.name
    ds.PatientID = p.mrn
    ds.PatientBirthDate = p.birth
    ds.PatientSex = p.sex
    ds.StudyInstanceUID = _uid(p, 1)
    ds.SeriesInstanceUID = _uid(p, series)
    ds.StudyDate = STUDY_DATE
    ds.StudyTime = "091500"
    ds.AccessionNumber = f"AC{p.mrn[-6:]}"
    ds.StudyID = "1"
    ds.ReferringPhysicianName = ""
    ds.Modality = modality
    ds.SeriesNumber = series
    ds.InstanceNumber = 1
    ds.PerformingPhysicianName = STAFF
    return ds


def _pixels(ds: Dataset, n: int) -> None:
    ds.Rows = ds.Columns = 8
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.BitsAllocated = ds.BitsStored = 16
    ds.HighBit = 15
    ds.PixelRepresentation = 0
    ds.PixelData = (np.arange(64, dtype=np.uint16) * (n + 5)).tobytes()


def _ct(p: Person, comments: str, plants: list[Plant], n: int = 1) -> Dataset:
    """A CT whose staff surfaces name the radiologist, and whose nested sequences hold the
    patient: Original Attributes, Request Attributes, Contributing Equipment, Referenced
    Patient, an overlay's label."""
    staff = STAFF.split("^")[0].upper()
    ds = _base(p, CT, "CT", n, ae=f"{staff[:8]}_WS")
    ds.StationName = f"CT_{staff}"
    ds.Manufacturer = "CANON"
    ds.ManufacturerModelName = "Aquilion ONE"
    ds.StudyDescription = "CT CHEST"
    ds.SeriesDescription = "AXIAL 1.0"
    ds.ImageType = ["ORIGINAL", "PRIMARY", "AXIAL"]
    ds.ImageComments = comments
    ds.FrameOfReferenceUID = _uid(p, 7)
    ds.ImagePositionPatient = [0, 0, float(n)]
    ds.ImageOrientationPatient = [1, 0, 0, 0, 1, 0]
    ds.PixelSpacing = [0.6, 0.6]
    ds.SliceThickness = "1.0"
    _pixels(ds, n)
    plants += [Plant(f"{staff[:8]}_WS", STAFF_CODE), Plant(f"CT_{staff}", STAFF_CODE)]
    _nested(ds, p, plants)
    _overlay(ds, plants)
    block = ds.private_block(0x0029, f"{staff} LAB 2", create=True)
    block.add_new(0x10, "LO", "calibrated")
    plants.append(Plant(f"{staff} LAB", CREATOR))
    site = ds.private_block(0x0031, f"{INSTITUTION.split()[0].upper()} PACS 1", create=True)
    site.add_new(0x10, "LO", "routed")
    plants.append(Plant(f"{INSTITUTION.split()[0].upper()} PACS", CREATOR))
    return ds


def _nested(ds: Dataset, p: Person, plants: list[Plant]) -> None:
    request = Dataset()
    request.RequestedProcedureID = f"RP{p.mrn}"
    request.ScheduledProcedureStepID = "SPS1"
    request.ReasonForTheRequestedProcedure = f"call ward {_PHONES[p.key][0]} before scan"
    plants.append(Plant(_PHONES[p.key][0], PHONE))
    ds.RequestAttributesSequence = Sequence([request])
    equipment = Dataset()
    equipment.Manufacturer = "PACSBRIDGE"
    equipment.InstitutionName = "Hospital"
    equipment.StationName = f"{STAFF.split('^')[1].upper()}PC"
    plants.append(Plant(f"{STAFF.split('^')[1].upper()}PC", STAFF_CODE))
    purpose = Dataset()
    purpose.CodeValue, purpose.CodingSchemeDesignator, purpose.CodeMeaning = "109103", "DCM", "Modifying Equipment"
    equipment.PurposeOfReferenceCodeSequence = Sequence([purpose])
    equipment.ContributionDescription = f"merged from record {p.mrn} by {STAFF.replace('^', ' ')}"
    ds.ContributingEquipmentSequence = Sequence([equipment])
    ds.InstitutionName = INSTITUTION
    ds.AdmissionID = f"ADM{p.mrn[2:]}"
    ds.CurrentPatientLocation = f"Ward 7 bed 12 ({p.mrn})"
    procedure = Dataset()
    procedure.CodeValue, procedure.CodingSchemeDesignator = "CTC01", "99LOCAL"
    procedure.CodeMeaning = f"CT chest, protocol of Dr {STAFF.split('^')[0]}"
    ds.ProcedureCodeSequence = Sequence([procedure])
    icon = Dataset()
    icon.Rows, icon.Columns, icon.SamplesPerPixel, icon.PhotometricInterpretation = 1, 16, 1, "MONOCHROME2"
    icon.BitsAllocated, icon.BitsStored, icon.HighBit, icon.PixelRepresentation = 8, 8, 7, 0
    icon.PixelData = f"ID {p.mrn[2:]}     "[:16].encode("ascii")  # a thumbnail whose bytes spell the ID
    ds.IconImageSequence = Sequence([icon])
    plants += [Plant(f"ADM{p.mrn[2:]}", DEEP), Plant(f"ID {p.mrn[2:]}", DEEP), Plant(f"Dr {STAFF.split('^')[0]}", STAFF_CODE)]
    original = Dataset()
    modified = Dataset()
    modified.PatientID = f"TMP{p.mrn[2:]}"  # the temporary ID before reconciliation
    modified.OtherPatientIDs = f"{p.mrn[2:]}-A"
    original.ModifiedAttributesSequence = Sequence([modified])
    original.AttributeModificationDateTime = "20240311101500"
    original.ModifyingSystem = "RIS"
    original.SourceOfPreviousValues = "RIS"
    original.ReasonForTheAttributeModification = "COERCE"
    ds.OriginalAttributesSequence = Sequence([original])
    plants += [Plant(f"TMP{p.mrn[2:]}", DEEP)]
    ref = Dataset()
    ref.ReferencedSOPClassUID = "1.2.840.10008.3.1.2.1.1"
    ref.ReferencedSOPInstanceUID = f"{ROOT}.{p.mrn[2:]}.{p.birth}"
    ds.ReferencedPatientSequence = Sequence([ref])
    plants.append(Plant(f"{p.mrn[2:]}.{p.birth}", DEEP))


def _overlay(ds: Dataset, plants: list[Plant]) -> None:
    """An overlay plane with a label and description naming the radiologist."""
    ds.add_new(0x60000010, "US", 8)
    ds.add_new(0x60000011, "US", 8)
    ds.add_new(0x60000040, "CS", "G")
    ds.add_new(0x60000050, "SS", [1, 1])
    ds.add_new(0x60000100, "US", 1)
    ds.add_new(0x60000102, "US", 0)
    ds.add_new(0x60000022, "LO", f"measured by {STAFF.split('^')[0]}")
    ds.add_new(0x60001500, "LO", f"DR {STAFF.split('^')[0].upper()}")
    ds.add_new(0x60003000, "OW", bytes(8))
    plants.append(Plant(f"DR {STAFF.split('^')[0].upper()}", STAFF_CODE))


_PHONES = {
    "jp": ("090-4127-3385", "+81 3 5550 7712"),
    "ko": ("010-2947-5518", "+82 (0)2 3410 2114"),
    "el": ("+30 210 746 2231", "6944 718 302"),
    "ar": ("+966 55 318 4477", "055 318 4477"),
}


# Numbers and dates in the forms a Japanese or Korean ward system writes them (full-width
# digits and dashes, the era year, the dotted Korean date), and the passport spelling of a
# Korean surname alone (an English word: "Park").
_SHORT = {
    "jp": ("携帯 ０９０−４１２７−３３８５ (S41.7.4 生)", [("０９０−４１２７−３３８５", PHONE, False), ("S41.7.4", STUDY, False)]),
    "ko": ("PARK 2024. 3. 11.; 010－2947－5518", [("PARK", PASSPORT, True), ("2024. 3. 11", STUDY, False),
                                               ("010－2947－5518", PHONE, False)]),
    "el": ("Xaralampos", [("Xaralampos", GREEK, False)]),
    "ar": ("tel ٠٥٥–٣١٨–٤٤٧٧", [("٠٥٥–٣١٨–٤٤٧٧", PHONE, False)]),
}


def _free_text(p: Person, plants: list[Plant]) -> str:
    """What a ward writes: the other phone, an e-mail, a national ID, the exact study date."""
    texts = {
        "jp": ("Takahasi Syouko (Kunrei), TAKAHASHI SHOKO, Takahashi Shouko; 〒150-0043; "
               "mail syoko.takahasi＠example.ne.jp; マイナンバー 4728 1956 3307; 撮影 2024年3月11日 (令和6年3月11日)"),
        "ko": "Park Seoyeon / PARK SEO YEON; RRN 850315-2476153; seoyeon.park at naver dot com; 2024. 3. 11. 촬영",
        "el": "Charalampos Papadimitriou (Haralambos Papadimitriu); AMKA 22115412378; h.papadimitriou@otenet.gr; 11/3/2024",
        "ar": "Abdallah Al Qahtany, AbdAllah ElQahtani; iqama 2419063587; a.qahtani[at]mail.sa; 11-03-2024 scan",
    }
    plant_sets = {
        "jp": [("Takahasi", KUNREI), ("Syouko", KUNREI), ("150-0043", NATIONAL), ("syoko.takahasi", MAIL),
               ("4728 1956 3307", NATIONAL), ("2024年3月11日", STUDY), ("令和6年3月11日", STUDY)],
        "ko": [("Park Seoyeon", PASSPORT), ("PARK SEO YEON", PASSPORT), ("850315-2476153", NATIONAL),
               ("seoyeon.park", MAIL), ("2024. 3. 11", STUDY)],
        "el": [("Papadimitriou", GREEK), ("Charalampos", GREEK), ("Haralambos", GREEK), ("Papadimitriu", GREEK),
               ("22115412378", NATIONAL), ("h.papadimitriou", MAIL), ("11/3/2024", STUDY)],
        "ar": [("Qahtany", ARABIC), ("ElQahtani", ARABIC), ("Abdallah", ARABIC), ("2419063587", NATIONAL),
               ("a.qahtani", MAIL), ("11-03-2024", STUDY)],
    }
    extra = {  # the other script (the header's is not this one), a hyphenated or katakana form
        "jp": ("タカハシ ケイコ", [("タカハシ", KUNREI)]),
        "ko": ("Seo-Yeon Bak; pt. Park, ward 3", [("Seo-Yeon", PASSPORT)]),
        "el": ("Papadhimitriou", [("Papadhimitriou", GREEK)]),
        "ar": ("عبدالله القحطاني", [("القحطاني", ARABIC)]),
    }
    plants += [Plant(value, surface) for value, surface in plant_sets[p.key] + extra[p.key][1]]
    plants.append(Plant(_PHONES[p.key][1], PHONE))
    plants += [Plant(value, surface, word) for value, surface, word in _SHORT[p.key][1]]
    return f"{texts[p.key]}; {extra[p.key][0]}; tel {_PHONES[p.key][1]}; {_SHORT[p.key][0]}"


def _sr(p: Person, plants: list[Plant]) -> Dataset:
    """A comprehensive SR whose text lies six containers deep."""
    ds = _base(p, SR, "SR", 30)
    ds.ValueType = "CONTAINER"
    ds.ContinuityOfContent = "SEPARATE"
    ds.CompletionFlag = "COMPLETE"
    ds.VerificationFlag = "UNVERIFIED"

    def code(meaning: str) -> Sequence:
        item = Dataset()
        item.CodeValue, item.CodingSchemeDesignator, item.CodeMeaning = "121070", "DCM", meaning
        return Sequence([item])

    ds.ConceptNameCodeSequence = code("Findings")
    text = Dataset()
    text.RelationshipType, text.ValueType = "CONTAINS", "TEXT"
    text.ConceptNameCodeSequence = code("Finding")
    text.TextValue = f"{_free_text(p, plants)}; seen by Dr {STAFF.split('^')[0]}"
    node = text
    for depth in range(5):
        parent = Dataset()
        parent.RelationshipType, parent.ValueType, parent.ContinuityOfContent = "CONTAINS", "CONTAINER", "SEPARATE"
        parent.ConceptNameCodeSequence = code(f"Section {depth}")
        parent.ContentSequence = Sequence([node])
        node = parent
    ds.ContentSequence = Sequence([node])
    return ds


def _ecg(p: Person, plants: list[Plant]) -> Dataset:
    """A 12-lead ECG (one short channel) with a waveform annotation naming the patient."""
    ds = _base(p, ECG, "ECG", 40)
    group = Dataset()
    group.WaveformOriginality = "ORIGINAL"
    group.NumberOfWaveformChannels = 1
    group.NumberOfWaveformSamples = 4
    group.SamplingFrequency = "500"
    channel = Dataset()
    source = Dataset()
    source.CodeValue, source.CodingSchemeDesignator, source.CodeMeaning = "5.6.3-9-1", "SCPECG", "Lead I (Einthoven)"
    channel.ChannelSourceSequence = Sequence([source])
    channel.WaveformBitsStored = 16
    group.ChannelDefinitionSequence = Sequence([channel])
    group.WaveformBitsAllocated = 16
    group.WaveformSampleInterpretation = "SS"
    group.WaveformData = np.arange(4, dtype=np.int16).tobytes()
    ds.WaveformSequence = Sequence([group])
    note = Dataset()
    latin = {"jp": "TAKAHASI SYOKO", "ko": "PARK SEOYEON", "el": "PAPADIMITRIOU CHARALAMPOS", "ar": "ABDALLAH ALQAHTANY"}[p.key]
    note.UnformattedTextValue = f"pt {latin} resting ECG"
    note.ReferencedWaveformChannels = [1, 1]
    ds.WaveformAnnotationSequence = Sequence([note])
    return ds


def _gsps(p: Person, plants: list[Plant]) -> Dataset:
    ds = _base(p, GSPS, "PR", 50)
    staff = STAFF.split("^")[0].upper()
    # the patient's name in another spelling in the kept Content Label (a code string)
    ds.ContentLabel = {"jp": "SYOKO_T", "ko": "PARK_SY", "el": "XARALAMPOS", "ar": "KAHTANI_A"}[p.key]
    ds.ContentDescription = "annotation"
    plants.append(Plant(ds.ContentLabel, LATIN_VARIANT if p.key == "ar" else CODED))
    ds.ContentCreatorName = STAFF
    text = Dataset()
    text.UnformattedTextValue = {"jp": "たかはし しょうこ", "ko": "박서연 님", "el": "κ. Παπαδημητρίου", "ar": "Abdullah Alqahtani"}[p.key]
    text.AnchorPointAnnotationUnits = "PIXEL"
    text.AnchorPoint = [2.0, 2.0]
    text.AnchorPointVisibility = "Y"
    layer = Dataset()
    layer.GraphicLayer = f"L_{staff[:6]}"
    layer.TextObjectSequence = Sequence([text])
    ds.GraphicAnnotationSequence = Sequence([layer])
    order = Dataset()
    order.GraphicLayer, order.GraphicLayerOrder = layer.GraphicLayer, 1
    ds.GraphicLayerSequence = Sequence([order])
    plants.append(Plant(f"L_{staff[:6]}", STAFF_CODE))
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

# Red team 17's plant-list audit (tests/plant_audit.py): identifiers this archive writes that its plant
# list lacked (now searched for too), and values that look identifying but are not, with the reason.
AUDIT_SURFACE = "an identifier the plant list lacked until the audit of red team 17"
AUDIT_PLANTS = (
    'ABDULLAH', 'AC290417', 'AC503117', 'AC710358', 'AC812045', 'SHOKO', 'h.papadimitriou@otenet.gr', 'しょうこ',
    'たかはし',
)
AUDIT_SAFE: dict[str, str] = {
    '嗅疳溏扃赳唢鮚揍褴脶祓矧': "a plant's bytes read in the declared (wrong) character set: not text a reader sees",
    'SPS1': "a generic ID every site writes (no person's)",
}



def build(root: str | Path) -> Planted:
    """Write the archive below ``root``; the test checks that every plant is in it."""
    root = Path(root)
    plants: list[Plant] = []
    for i, p in enumerate(PEOPLE.values()):
        folder = root / ("site-east", "site-west")[i % 2] / f"case{i + 1}"
        _write(_ct(p, _free_text(p, []), plants), folder / "ct.dcm")
        _write(_sr(p, plants), folder / "sr.dcm")
        _write(_ecg(p, plants), folder / "ecg.dcm")
        _write(_gsps(p, plants), folder / "pr.dcm")
        plants.append(Plant(p.mrn, HEADER))
    plants += [Plant("Takahashi", HEADER), Plant("高橋", HEADER), Plant("Qahtani", HEADER), Plant(STAFF.split("^")[0], HEADER)]
    # A tar from the PACS export: its member folders are the patients' names and IDs.
    p = PEOPLE["ko"]
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        for member, ds in ((f"PARK_SEOYEON_{p.mrn}/ct.dcm", _ct(p, "follow-up", [], 2)),
                           ("박서연/pr.dcm", _gsps(p, []))):
            data = _bytes(ds)
            info = tarfile.TarInfo(member)
            info.size = len(data)
            info.mtime = 0
            archive.addfile(info, io.BytesIO(data))
    (root / "site-export").mkdir(parents=True)
    (root / "site-export" / "export.tar").write_bytes(buffer.getvalue())
    plants += [Plant("PARK_SEOYEON", FILES), Plant("박서연", FILES)]
    q = PEOPLE["el"]
    zbuffer = io.BytesIO()
    with zipfile.ZipFile(zbuffer, "w") as archive:
        archive.writestr(f"Papadimitriou_{q.birth}/ct.dcm", _bytes(_ct(q, "old", [], 3)))
    (root / "site-export" / "cd.zip").write_bytes(zbuffer.getvalue())
    plants.append(Plant(f"Papadimitriou_{q.birth}", FILES))
    plants += [Plant(value, AUDIT_SURFACE, word=len(value) <= 4) for value in AUDIT_PLANTS]
    return Planted(root, tuple(dict.fromkeys(plants)))


def _texts(name: str, data: bytes) -> list[str]:
    if data[257:262] == b"ustar":
        out = [name]
        with tarfile.open(fileobj=io.BytesIO(data)) as archive:
            for member in archive.getmembers():
                handle = archive.extractfile(member)
                out += _texts(member.name, handle.read() if handle else b"")
        return out
    if r7.is_parquet(name):
        return r7._texts(name, data)
    return r7._texts(name, data) + [data.decode(codec, "replace") for codec in ("iso2022_jp", "iso2022_kr", "iso8859-7",
                                                                                "shift_jis", "euc-kr")]


def _found(folded: str, digits: str, plant: Plant) -> bool:
    """round 7's :func:`redteam7_archive.found`, on a text folded once (``digits``: the folded
    text with the separators between digits gone)."""
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
        folded = [fold(text) for text in dict.fromkeys(texts)]  # each text folded once, not once per plant
        digits = [r7._digits(text) for text in folded]
        hits += [(where, plant.value, plant.surface) for plant in planted.plants
                 if any(_found(text, number, plant) for text, number in zip(folded, digits))]
    return hits
