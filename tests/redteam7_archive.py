"""Red team, round 7: an archive of synthetic people planted on surfaces and in forms the
earlier rounds may not have tried, and a search of every output for them.

Written without reading the earlier generators' plant lists (independent plants).  Every
person, number and address here is invented.  :func:`build` writes the archive and returns
:class:`Planted` (its root and the plants); :func:`leaks` searches files (their bytes in many
encodings, DICOM values, Parquet cells, zip members and comments, file names) and console
texts for the plants, folded for case, accents and invisible characters; a plant of digits
is also found with its separators changed or gone.
"""
from __future__ import annotations

import io
import json
import re
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pydicom
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.sequence import Sequence
from pydicom.uid import ExplicitVRLittleEndian

CT = "1.2.840.10008.5.1.4.1.1.2"
SR = "1.2.840.10008.5.1.4.1.1.88.22"
RTSTRUCT = "1.2.840.10008.5.1.4.1.1.481.3"
GSPS = "1.2.840.10008.5.1.4.1.1.11.1"
KOS = "1.2.840.10008.5.1.4.1.1.88.59"
ROOT = "1.2.826.0.1.3680043.10.1077"  # a site that builds its UIDs from the MRN and the birth date


@dataclass(frozen=True)
class Plant:
    """A planted string; ``surface``: where and how it was planted (the leak class);
    ``word``: a dictionary word, found as a whole word only."""

    value: str
    surface: str
    word: bool = False


@dataclass(frozen=True)
class Planted:
    root: Path
    plants: tuple[Plant, ...]


@dataclass(frozen=True)
class Person:
    key: str
    family: str
    given: str
    charset: str
    birth: str  # YYYYMMDD
    mrn: str
    family_plain: str  # spelt in ASCII by someone without the letters
    given_plain: str


PEOPLE = (
    Person("pl", "Wróblewski", "Bogumił", "ISO_IR 101", "19611203", "4401827", "WROBLEWSKI", "BOGUMIL"),
    Person("tr", "Yıldırım", "Işıl", "ISO_IR 148", "19750214", "7731904", "YILDIRIM", "ISIL"),
    Person("vi", "Nguyễn", "Thị Ngọc Ánh", "ISO_IR 192", "19830529", "5561290", "NGUYEN", "NGOC ANH"),
    Person("th", "ศรีสวัสดิ์", "สมพงษ์", "ISO_IR 166", "19580917", "6619433", "SRISAWAT", "SOMPONG"),
    Person("ru", "Воробьёв", "Святослав", "ISO_IR 144", "19690721", "8830156", "VOROBYOV", "SVYATOSLAV"),
    Person("zh", "欧阳", "建国", "GB18030", "19520808", "3390472", "OUYANG", "JIANGUO"),
    Person("hi", "चतुर्वेदी", "विनायक", "ISO_IR 192", "19770402", "2204719", "CHATURVEDI", "VINAYAK"),
)
STAFF_HEADER = "Zawadzka^Ewa"  # operator: in the Operators' Name of the CT files
STAFF_TEXT = ("Hill", "Baker", "Rose")  # dictionary-word surnames, named only in free text


def _codec(charset: str) -> str:
    return {"ISO_IR 101": "iso8859-2", "ISO_IR 148": "iso8859-9", "ISO_IR 192": "utf-8", "ISO_IR 166": "tis-620",
            "ISO_IR 144": "iso8859-5", "GB18030": "gb18030"}[charset]


def _date_forms(birth: str) -> list[str]:
    """The birth date as people write it in free text."""
    y, m, d = birth[:4], birth[4:6], birth[6:]
    month = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"][int(m) - 1]
    nth = {1: "st", 2: "nd", 3: "rd"}.get(int(d) % 10 if int(d) not in (11, 12, 13) else 0, "th")
    return [f"{d}-{month}-{y[2:]}", f"{y} {month.title()} {d}", f"{y}-{month}-{d}", f"{month.title()} the {int(d)}{nth} {y}"]


# A script whose Latin spellings curator does not derive (no romanization of Thai).
UNROMANIZED = "Thai name spelt in Latin"


def _spelt(person: Person, surface: str) -> str:
    return UNROMANIZED if person.key == "th" else surface


def _uid(person: Person, n: int) -> str:
    return f"{ROOT}.{person.mrn}.{person.birth}.{n}"


def _meta(ds: Dataset, sop_class: str, uid: str, ae: str = "") -> None:
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = sop_class
    meta.MediaStorageSOPInstanceUID = uid
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    meta.ImplementationClassUID = "1.2.826.0.1.3680043.10.1077.1"
    if ae:
        meta.SourceApplicationEntityTitle = ae
    ds.file_meta = meta
    ds.SOPClassUID = sop_class
    ds.SOPInstanceUID = uid


def _patient(ds: Dataset, p: Person) -> None:
    ds.SpecificCharacterSet = p.charset
    ds.PatientName = f"{p.family}^{p.given}"
    ds.PatientID = p.mrn
    ds.PatientBirthDate = p.birth
    ds.PatientSex = "F" if p.key in ("tr", "vi") else "M"
    ds.PatientAge = f"{2024 - int(p.birth[:4]):03d}Y"
    ds.PatientWeight = "71"
    ds.PatientSize = "1.74"
    ds.EthnicGroup = "Asian" if p.key in ("vi", "th", "zh", "hi") else "White"
    ds.StudyInstanceUID = _uid(p, 1)
    ds.StudyDate = "20240311"
    ds.StudyTime = "101500"
    ds.AccessionNumber = f"A{p.mrn[-5:]}"
    ds.StudyID = "1"
    ds.ReferringPhysicianName = ""


def _write(ds: Dataset, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    ds.is_little_endian = True
    ds.is_implicit_VR = False
    ds.save_as(path, enforce_file_format=True)


def _instance(p: Person, sop_class: str, modality: str, series: int) -> Dataset:
    """The one instance of series ``series`` of ``p``: its File Meta, patient, modality,
    series UID and numbers (the SR, GSPS and RTSTRUCT builders below)."""
    ds = Dataset()
    _meta(ds, sop_class, _uid(p, series * 10))
    _patient(ds, p)
    ds.Modality = modality
    ds.SeriesInstanceUID = _uid(p, series)
    ds.SeriesNumber = series
    ds.InstanceNumber = 1
    return ds


def _ct(p: Person, n: int, comments: str, description: str, plants: list[Plant]) -> Dataset:
    ds = Dataset()
    _meta(ds, CT, _uid(p, 100 + n), ae=f"CT_{p.family_plain[:6]}")
    plants.append(Plant(f"CT_{p.family_plain[:6]}", "AE title holding a name"))
    _patient(ds, p)
    ds.Modality = "CT"
    ds.SeriesInstanceUID = _uid(p, 10 + n)
    ds.FrameOfReferenceUID = _uid(p, 20)
    ds.SeriesNumber = n
    ds.InstanceNumber = 1
    ds.Manufacturer = "SIEMENS"
    ds.ManufacturerModelName = "SOMATOM Force"
    ds.StudyDescription = "CT THORAX"
    ds.SeriesDescription = description
    ds.ImageComments = comments
    ds.OperatorsName = STAFF_HEADER
    ds.ImageType = ["ORIGINAL", "PRIMARY", "AXIAL"]
    ds.Rows = ds.Columns = 8
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.BitsAllocated = ds.BitsStored = 16
    ds.HighBit = 15
    ds.PixelRepresentation = 0
    ds.RescaleIntercept = "-1024"
    ds.RescaleSlope = "1"
    ds.SliceThickness = "1.0"
    ds.KVP = "120"
    ds.ImagePositionPatient = [0, 0, float(n)]
    ds.ImageOrientationPatient = [1, 0, 0, 0, 1, 0]
    ds.PixelSpacing = [0.7, 0.7]
    ds.PixelData = (np.arange(64, dtype=np.uint16) * (n + 3)).tobytes()
    return ds


def _free_text(p: Person, plants: list[Plant]) -> str:
    """Identifiers in a comment as a ward writes them: the birth date in formats the date
    patterns may miss, the postcode of the address, and national ID numbers."""
    forms = _date_forms(p.birth)
    plants.extend(Plant(form, "birth date with a month name") for form in forms)
    return f"DOB {forms[0]}; born {forms[1]}; d.o.b. {forms[2]}; {forms[3]}"


def _addresses(plants: list[Plant]) -> tuple[str, str]:
    """(PatientAddress, a comment quoting its postcode and national IDs)."""
    address = "ul. Zrodlana 7 m. 12, 50-386 Wroclaw"
    plants.append(Plant("50-386", "postcode of the address"))
    ids = {"NIR 2 75 02 99 351 114 83": "national ID (NIR)", "BSN 1234.56.782": "national ID (BSN)",
           "personnummer 750214-1238": "national ID (Personnummer)", "NHS 943 476 5919": "national ID (NHS)",
           "SSN 219-09-9999": "national ID (SSN)", "PESEL 75021412383": "national ID (PESEL)"}
    for text, surface in ids.items():
        plants.append(Plant(text.split(" ", 1)[1], surface))
    comment = "home 50-386 Wroclaw; " + "; ".join(ids)
    return address, comment


def _staff_text(plants: list[Plant]) -> str:
    hill, baker, rose = STAFF_TEXT
    plants.extend(Plant(name, "staff surname after a title and initials", word=True) for name in STAFF_TEXT)
    return f"REVIEWED: DR. J. {hill.upper()}; {baker.upper()},T. (RAD); per Prof. A. M. {rose}"


def _sr(p: Person, plants: list[Plant]) -> Dataset:
    ds = _instance(p, SR, "SR", 30)
    ds.ValueType = "CONTAINER"
    ds.ContinuityOfContent = "SEPARATE"
    ds.CompletionFlag = "COMPLETE"
    ds.VerificationFlag = "UNVERIFIED"
    name = Dataset()
    name.CodeValue, name.CodingSchemeDesignator, name.CodeMeaning = "18748-4", "LN", "Diagnostic Imaging Report"
    ds.ConceptNameCodeSequence = Sequence([name])

    def item(value_type: str, meaning: str, **values) -> Dataset:
        it = Dataset()
        it.RelationshipType = "CONTAINS"
        it.ValueType = value_type
        code = Dataset()
        code.CodeValue, code.CodingSchemeDesignator, code.CodeMeaning = "121106", "DCM", meaning
        code.CodingSchemeUID = f"{ROOT}.{p.mrn}.{p.birth}.99"  # a local scheme whose UID the site built the same way
        it.ConceptNameCodeSequence = Sequence([code])
        for k, v in values.items():
            setattr(it, k, v)
        return it

    plants.append(Plant(f"{p.mrn}.{p.birth}", "UID built from the MRN and birth date"))
    plants.append(Plant(p.birth, "UID built from the MRN and birth date"))
    forms = _date_forms(p.birth)
    inner = item("TEXT", "Comment", TextValue=f"Clinical history: {forms[0]}, MRN{p.mrn}")
    deep = item("CONTAINER", "Findings", ContinuityOfContent="SEPARATE")
    deep.ContentSequence = Sequence([inner, item("UIDREF", "Study Instance UID", UID=_uid(p, 1)),
                                     item("PNAME", "Recording Observer", PersonName=f"{STAFF_TEXT[0]}^John")])
    ds.ContentSequence = Sequence([deep])
    return ds


def _gsps(p: Person, plants: list[Plant]) -> Dataset:
    ds = _instance(p, GSPS, "PR", 40)
    ds.ContentLabel = f"{p.family_plain[:8]}_MEAS"
    ds.ContentDescription = "measurement"
    ds.ContentCreatorName = "Baker^Tom"
    plants.append(Plant(f"{p.family_plain[:8]}_MEAS", _spelt(p, "name cut short in a code string")))
    text = Dataset()
    text.UnformattedTextValue = f"pt {p.family_plain} {p.given_plain} *{_date_forms(p.birth)[0]}"
    text.BoundingBoxAnnotationUnits = "PIXEL"
    text.AnchorPointAnnotationUnits = "PIXEL"
    text.BoundingBoxTopLeftHandCorner = [1.0, 1.0]
    text.BoundingBoxBottomRightHandCorner = [6.0, 3.0]
    text.BoundingBoxTextHorizontalJustification = "LEFT"
    annotation = Dataset()
    annotation.GraphicLayer = f"DR_{STAFF_TEXT[1].upper()}"
    plants.append(Plant(f"DR_{STAFF_TEXT[1].upper()}", "staff name inside a code string"))
    annotation.TextObjectSequence = Sequence([text])
    ds.GraphicAnnotationSequence = Sequence([annotation])
    layer = Dataset()
    layer.GraphicLayer = annotation.GraphicLayer
    layer.GraphicLayerOrder = 1
    ds.GraphicLayerSequence = Sequence([layer])
    ref = Dataset()
    ref.ReferencedSOPClassUID = CT
    ref.ReferencedSOPInstanceUID = _uid(p, 101)
    series = Dataset()
    series.SeriesInstanceUID = _uid(p, 11)
    series.ReferencedImageSequence = Sequence([ref])
    ds.ReferencedSeriesSequence = Sequence([series])
    return ds


def _private(ds: Dataset, p: Person, plants: list[Plant]) -> None:
    """Safe private elements (TCIA knowledge base ``k``) holding what a site wrote."""
    block = ds.private_block(0x0013, "GEMS_GENIE_1", create=True)
    forms = _date_forms(p.birth)
    block.add_new(0x26, "LT", f"per DR. J. {STAFF_TEXT[0].upper()} 17-MAR-24, {forms[0]}")
    fdms = ds.private_block(0x0009, "FDMS 1.0", create=True)
    fdms.add_new(0x92, "OB", f"{p.family}{p.given}".encode(_codec(p.charset)) + b" ")
    plants.append(Plant(p.family, "name in a safe private byte value in the file's own character set"))


def _rtstruct(p: Person, plants: list[Plant]) -> Dataset:
    ds = _instance(p, RTSTRUCT, "RTSTRUCT", 50)
    ds.StructureSetLabel = "RT plan"
    ds.StructureSetDate = "20240312"
    roi = Dataset()
    roi.ROINumber = 1
    roi.ReferencedFrameOfReferenceUID = _uid(p, 20)
    roi.ROIName = "GTV"
    roi.ROIGenerationAlgorithm = "MANUAL"
    roi.ROIDescription = f"contoured {_date_forms(p.birth)[1]}"
    ds.StructureSetROISequence = Sequence([roi])
    obs = Dataset()
    obs.ObservationNumber = 1
    obs.ReferencedROINumber = 1
    obs.RTROIInterpretedType = "GTV"
    obs.ROIInterpreter = f"{STAFF_TEXT[2]}^Alice"
    obs.ROIObservationLabel = "GTV primary"
    ds.RTROIObservationsSequence = Sequence([obs])
    return ds

# Red team 17's plant-list audit (tests/plant_audit.py): identifiers this archive writes that its plant
# list lacked (now searched for too), and values that look identifying but are not, with the reason.
AUDIT_SURFACE = "an identifier the plant list lacked until the audit of red team 17"
AUDIT_PLANTS = (
    'A01827', 'A04719', 'A19433', 'A30156', 'A31904', 'A61290', 'A90472', 'Alice', 'Bogumił', 'Ewa', 'Işıl',
    'John', 'MRN2204719', 'MRN3390472', 'MRN4401827', 'MRN5561290', 'MRN6619433', 'MRN7731904', 'Ngọc',
    'Thị', 'Tom', 'Wroclaw', 'Zawadzka', 'Zrodlana', 'Ánh', 'Святослав', 'สมพงษ์',
)
AUDIT_SAFE: dict[str, str] = {
}



def build(root: str | Path) -> Planted:
    """Write the archive below ``root``; the plants are checked to be in it by the test."""
    root = Path(root)
    plants: list[Plant] = []
    address, id_comment = _addresses(plants)
    staff = _staff_text(plants)
    for i, p in enumerate(PEOPLE):
        site = ("Pracownia_TK_dr_Zawadzkiej", "site-north", "site-south")[i % 3]
        folder = root / site / f"pt{i:02d}"
        comment = _free_text(p, []) if i else _free_text(p, plants)
        ct = _ct(p, 1, f"{comment}; {id_comment}; {staff}", f"THORAX {p.family_plain} {p.given_plain}", plants)
        ct.PatientAddress = address
        _private(ct, p, plants)
        _write(ct, folder / "ct1.dcm")
        _write(_sr(p, plants), folder / "sr.dcm")
        _write(_gsps(p, plants), folder / "pr.dcm")
        _write(_rtstruct(p, plants), folder / "rs.dcm")
        plants.append(Plant(p.family, "patient name in its own script"))
        plants.append(Plant(p.family_plain, _spelt(p, "patient name spelt in ASCII")))
    plants.append(Plant("Zawadzkiej", "staff name in a site folder"))
    # A site folder per patient, with a file no one can read: its site label is the folder.
    person = PEOPLE[1]
    bad = root / f"{person.family_plain}_{person.given_plain}_{person.birth[:4]}"
    bad.mkdir(parents=True)
    (bad / "scan.dcm").write_bytes(b"\0" * 128 + b"DICM" + b"\x02\x00\x10\x00UI")
    plants.append(Plant(f"{person.family_plain}_{person.given_plain}", "patient name in a folder of a rejected file"))
    # A zip export: its comment and member names name the patient.
    p = PEOPLE[4]
    buffer = io.BytesIO()
    ct = _ct(p, 2, "follow-up", "THORAX", [])
    _write(ct, root / "tmp.dcm")
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.comment = f"export {p.family} {p.given} {p.mrn}".encode("utf-8")
        archive.writestr(f"{p.family_plain}/{p.mrn}/ct2.dcm", (root / "tmp.dcm").read_bytes())
    (root / "tmp.dcm").unlink()
    (root / "site-zip").mkdir()
    (root / "site-zip" / f"export_{p.family_plain}.zip").write_bytes(buffer.getvalue())
    plants.append(Plant(p.mrn, "MRN in a zip member name"))
    plants += [Plant(value, AUDIT_SURFACE, word=len(value) <= 4) for value in AUDIT_PLANTS]
    return Planted(root, tuple(dict.fromkeys(plants)))


# --- the search -------------------------------------------------------------------------

_CODECS = ("utf-8", "latin-1", "iso8859-2", "utf-16-le", "iso8859-9", "iso8859-5", "tis-620", "gb18030", "cp1251")


def fold(text: str) -> str:
    """Case, accents (and Thai/Devanagari marks), invisible characters and dotless i folded."""
    text = unicodedata.normalize("NFKD", text.casefold())
    text = "".join(c for c in text if not unicodedata.combining(c) and unicodedata.category(c) not in ("Cf", "Mn"))
    return text.translate(str.maketrans({"ı": "i", "ł": "l", "ø": "o", "đ": "d", "ß": "ss"}))


def _digits(text: str) -> str:
    return re.sub(r"(?<=\d)[\s./-]+(?=\d)", "", text)


def _dicom_values(data: bytes) -> str:
    try:
        ds = pydicom.dcmread(io.BytesIO(data), force=True)
        parts = [str(e.value) for e in ds.file_meta.iterall()]
        for e in ds.iterall():
            if e.tag == 0x7FE00010 or e.VR == "SQ":
                continue
            value = e.value
            parts.append(value.decode("latin-1", "replace") if isinstance(value, bytes) else str(value))
        return "\n".join(parts)
    except Exception:
        return ""


def _texts(name: str, data: bytes) -> list[str]:
    out = [name]
    if data[:4] == b"PK\x03\x04":
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            out.append(archive.comment.decode("utf-8", "replace"))
            for info in archive.infolist():
                out += _texts(info.filename, archive.read(info))
        return out
    if is_parquet(name):  # its cells and metadata, never its compressed bytes (see is_parquet)
        import pyarrow.parquet as pq

        table = pq.read_table(io.BytesIO(data))
        out.append(json.dumps(table.to_pylist(), ensure_ascii=False, default=str))
        out += [k.decode("utf-8", "replace") + " " + v.decode("utf-8", "replace") for k, v in (table.schema.metadata or {}).items()]
        return out
    if data[128:132] == b"DICM":
        out.append(_dicom_values(data))
    out += [data.decode(codec, "replace") for codec in _CODECS]
    return out


def is_parquet(name: str) -> bool:
    """Whether a file is searched by its cells alone: its compressed bytes (salted keys,
    random from one index to the next) read in the search's codecs turn into any text by
    chance: U+FDF4, the ligature ARABIC LIGATURE MOHAMMAD, folds (NFKD) to the planted
    given name "محمد" and is the bytes F4 FD read as UTF-16 (2**-16 a place; 4% of random
    files of 8 kB: session 13, notes/indexaudit13.md).  Rounds 5 and 6 searched cells only."""
    return name.endswith(".parquet")


def found(text: str, plant: Plant) -> bool:
    folded, probe = fold(text), fold(plant.value)
    if plant.word:
        return re.search(rf"(?<![^\W_]){re.escape(probe)}(?![^\W_])", folded) is not None
    if probe in folded:
        return True
    digits = _digits(plant.value)
    return digits.isdigit() and len(digits) >= 8 and digits in _digits(folded)


def leaks(folders: list[Path], planted: Planted, console: dict[str, str] | None = None) -> list[tuple[str, str, str]]:
    """Every (where, plant, surface) found in the files below ``folders`` (names and
    contents) and in the ``console`` texts."""
    sources = [(k, [v]) for k, v in (console or {}).items()]
    for folder in folders:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                rel = path.relative_to(folder).as_posix()
                sources.append((f"{folder.name}/{rel}", _texts(rel, path.read_bytes())))
    hits = []
    for where, texts in sources:
        for plant in planted.plants:
            if any(found(t, plant) for t in texts):
                hits.append((where, plant.value, plant.surface))
    return hits
