"""An adversarial multi-site archive built with plain pydicom (independent of curator).

Written by the red team: nothing here imports curator, so the archive does not share the
assumptions of curator.testing.synthetic or curator.testing.planted.  Four sites, CT, MR, PET, US, SR and
RTSTRUCT, one site exported as a zip, identifiers planted the way hospital archives leak
them (names in several scripts, staff after titles in several languages, MRNs inside
longer IDs and file names, addresses, phones, e-mails, birth dates in free text, hospital
names in device strings, private tags also stored as UN, other-patient-ID sequences).

``write_archive(root)`` returns the planted strings; ``search(folders, plants)`` looks
for each of them (and each distinctive part) in every file the tool wrote.
"""
from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pydicom
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.sequence import Sequence
from pydicom.uid import ExplicitVRLittleEndian

ROOT_UID = "1.2.826.0.1.3680043.10.999."  # never a real archive's root


@dataclass(frozen=True)
class Person:
    family: str
    given: str
    alt: tuple[str, ...]  # other spellings written in free text
    mrn: str
    birth: str  # YYYYMMDD
    street: str
    city: str
    phone: str
    email: str


PEOPLE = (
    Person("Ødegård", "Øyvind", ("Oedegaard", "Odegard"), "00123456", "19560312", "Kongsvingerveien", "Hamar",
           "+47 912 34 567", "oyvind.odegard@epost.no"),
    Person("Łukasiewicz", "Żaneta", ("Lukasiewicz", "Zaneta"), "48151623", "19610705", "Grzybowska", "Warszawa",
           "+48 601 234 567", "zaneta.lukasiewicz@poczta.pl"),
    Person("Guðmundsdóttir", "Þórunn", ("Gudmundsdottir", "Thorunn"), "77002211", "19480229", "Skólavörðustígur",
           "Reykjavík", "+354 555 1234", "thorunn.g@simnet.is"),
    Person("Müller-Lüdenscheidt", "Hildegard", ("Muller", "Mueller-Luedenscheidt"), "31415926", "19700101",
           "Schwanthalerstraße", "München", "+49 89 1234567", "h.mueller-l@t-online.de"),
    Person("Núñez", "José María", ("Nunez", "Jose Maria"), "27182818", "19831224", "Calle de Alcalá", "Madrid",
           "+34 612 345 678", "jmnunez@correo.es"),
    Person("Παπαδόπουλος", "Σωκράτης", ("Papadopoulos", "Sokratis"), "16180339", "19590615", "Odos Ermou", "Athina",
           "+30 210 1234567", "sokratis.pap@mail.gr"),
    Person("Петров", "Иван", ("Petrov", "Ivan Petrovich"), "57721566", "19900430", "Tverskaya", "Moskva",
           "+7 495 123 45 67", "ivan.petrov@yandex.ru"),
    Person("王", "小明", ("Wang Xiaoming",), "14142135", "19771111", "Nanjing Donglu", "Shanghai",
           "+86 21 1234 5678", "wxm1977@qq.com"),
)

STAFF = ("Kowalski", "Hübner", "Fernández", "Rossignol", "Vasconcelos", "Bergström", "Castellanos", "Oyelaran")

SITES = (  # folder, institution, department, station, city
    ("site_a", "Sykehuset Innlandet Hamar", "Radiologisk avdeling Hamar", "HAMARCT01"),
    ("site_b", "Szpital Bielański Warszawa", "Pracownia Tomografii Bielański", "BIELMR2"),
    ("site_c", "Hospital Universitario La Paz", "Servicio de Radiodiagnóstico La Paz", "LAPAZPET"),
    ("site_d", "Klinikum Schwabing München", "Institut für Radiologie Schwabing", "SCHWABUS3"),
)


@dataclass
class Plant:
    value: str
    kind: str
    parts: tuple[str, ...] = ()


@dataclass
class Archive:
    root: Path
    plants: list[Plant] = field(default_factory=list)
    files: int = 0


def _dates(birth: str) -> tuple[str, ...]:
    y, m, d = birth[:4], birth[4:6], birth[6:]
    months = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()
    return (f"{d}.{m}.{y}", f"{y}-{m}-{d}", f"{m}/{d}/{y}", f"{int(d)} {months[int(m) - 1]} {y}")


def _meta(ds: Dataset) -> None:
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = ds.SOPClassUID
    meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    meta.ImplementationClassUID = ROOT_UID + "1"
    ds.file_meta = meta


def _pixels(ds: Dataset, seed: int) -> None:
    ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
    ds.Rows = ds.Columns = 16
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 12, 11, 0
    ds.PixelData = (np.arange(256, dtype=np.uint16).reshape(16, 16) * (seed % 7 + 1) % 4096).astype("<u2").tobytes()
    ds.BurnedInAnnotation = "NO"


CLASSES = {
    "CT": "1.2.840.10008.5.1.4.1.1.2", "MR": "1.2.840.10008.5.1.4.1.1.4", "PT": "1.2.840.10008.5.1.4.1.1.128",
    "US": "1.2.840.10008.5.1.4.1.1.6.1", "SR": "1.2.840.10008.5.1.4.1.1.88.11", "RTSTRUCT": "1.2.840.10008.5.1.4.1.1.481.3",
}


def _person_name(p: Person, ascii_only: bool) -> str:
    if ascii_only:
        return f"{p.alt[0]}^{p.alt[-1] if len(p.alt) > 1 else 'X'}"
    return f"{p.family}^{p.given}"


def _texts(p: Person, staff: str, n: int) -> dict[str, str]:
    dates = _dates(p.birth)
    return {
        "PatientComments": f"Pt {p.alt[0]} (born {dates[0]}) allergic per nurse {staff}; lives {p.street} 12",
        "ImageComments": f"Befund: OA Dr. med. {staff}. Tel {p.phone}",
        "StudyDescription": f"CT THORAX C/C per Dr. {staff}",
        "SeriesDescription": f"AX T1 realizado por la Dra. {staff}",
        "ProtocolName": f"CHEST ROUTINE tech JS45{n}1",
        "RequestedProcedureDescription": f"MRN {p.mrn} repeat, DOB {dates[1]}",
        "AdditionalPatientHistory": f"Referred by Prof. {staff}, e-mail {p.email}, born {dates[2]} / {dates[3]}",
    }


def _base(p: Person, pi: int, site: tuple[str, str, str, str], modality: str, n: int, ascii_only: bool) -> Dataset:
    staff = STAFF[(pi + n) % len(STAFF)]
    ds = Dataset()
    ds.SpecificCharacterSet = "ISO_IR 192"
    ds.SOPClassUID = CLASSES[modality]
    ds.SOPInstanceUID = f"{ROOT_UID}{pi + 1}.{n + 1}.{modality.__len__()}.{hash(modality) % 97}"
    ds.StudyInstanceUID = f"{ROOT_UID}{pi + 1}.1"
    ds.SeriesInstanceUID = f"{ROOT_UID}{pi + 1}.1.{n + 1}"
    ds.FrameOfReferenceUID = f"{ROOT_UID}{pi + 1}.9"
    ds.Modality = modality
    ds.PatientName = _person_name(p, ascii_only)
    ds.PatientID = f"{site[3][:4]}-{p.mrn}-01"
    ds.IssuerOfPatientID = site[1]
    ds.PatientBirthDate = p.birth
    ds.PatientSex = "F" if pi % 2 else "M"
    ds.PatientAge = f"{2020 - int(p.birth[:4]):03d}Y"
    ds.PatientAddress = f"{p.street} 12, {p.city}"
    ds.PatientTelephoneNumbers = p.phone
    ds.StudyDate = ds.SeriesDate = ds.ContentDate = "20200314"
    ds.StudyTime = ds.SeriesTime = ds.ContentTime = "101500"
    ds.AccessionNumber = f"A{p.mrn}{n}"
    ds.StudyID = f"{p.mrn[-4:]}"
    ds.SeriesNumber, ds.InstanceNumber = n + 1, 1
    ds.ReferringPhysicianName = f"{staff}^Anna^^Dr."
    ds.PerformingPhysicianName = f"{STAFF[(pi + n + 3) % len(STAFF)]}^Lars"
    ds.OperatorsName = f"{STAFF[(pi + n + 5) % len(STAFF)]}^T"
    ds.InstitutionName = site[1]
    ds.InstitutionAddress = f"{site[1]}, {p.city}"
    ds.InstitutionalDepartmentName = site[2]
    ds.StationName = site[3]
    ds.Manufacturer = "SIEMENS"
    ds.ManufacturerModelName = f"SOMATOM Force {site[1].split()[-1]}"
    ds.DeviceSerialNumber = f"SN{p.mrn[:3]}77{pi}"
    ds.BodyPartExamined = "CHEST"
    for key, text in _texts(p, staff, n).items():
        setattr(ds, key, text)
    other = Dataset()
    other.PatientID = f"OLD{p.mrn}"
    other.IssuerOfPatientID = site[1]
    ds.OtherPatientIDsSequence = Sequence([other])
    req = Dataset()
    req.RequestingPhysician = f"{STAFF[(pi + 2) % len(STAFF)]}^Marta"
    req.RequestedProcedureID = f"RP{p.mrn}"
    ds.RequestAttributesSequence = Sequence([req])
    perf = Dataset()
    perf.PersonName = f"{STAFF[(pi + 4) % len(STAFF)]}^Jon"
    perf.InstitutionName = site[1]
    ds.PerformingPhysicianIdentificationSequence = Sequence([perf])
    if not re.search(r"[\u4e00-\u9fff]", p.family):  # the pinyin of 王小明 stays out of the header
        ds.OtherPatientNames = f"{p.alt[0]}^{p.given}"
        ds.PatientBirthName = f"{p.alt[-1]}^{p.given}"
    ds.PatientMotherBirthName = f"{MAIDEN[pi]}^Maria"
    ds.NameOfPhysiciansReadingStudy = f"{STAFF[(pi + 6) % len(STAFF)]}^Eva"
    ds.ReasonForStudy = f"f/u nodule; PREVIOUS AT {site[1].upper()} BY DR {staff.upper()}"
    ds.DerivationDescription = f"reprocessed by {STAFF[(pi + 1) % len(STAFF)].lower()} MRN{p.mrn}"
    ds.ProcedureCodeSequence = Sequence([_code("CTCHEST", "99LOCAL", f"CT CHEST {p.alt[0].upper()}")])
    observer = Dataset()
    observer.VerifyingObserverName = f"{STAFF[(pi + 7) % len(STAFF)]}^Ines"
    observer.VerifyingOrganization = site[1]
    observer.VerificationDateTime = "20200314120000"
    ds.VerifyingObserverSequence = Sequence([observer])
    ds.private_block(0x0019, "HOSPITAL RIS", create=True).add_new(0x10, "LO", f"{p.alt[0]} {p.mrn}")
    ds.private_block(0x0019, "HOSPITAL RIS", create=True).add_new(0x11, "PN", f"{p.family}^{p.given}")
    ds.add_new(0x00291020, "UN", _implicit_sequence(p))  # a private sequence stored as UN
    ds.add_new(0x00291010, "UN", f"{p.alt[-1]} {p.email} ".encode())  # unknown private element
    return ds


MAIDEN = ("Kvalheim", "Wiśniewska", "Sigurðardóttir", "Brandtner", "Echeverría", "Καραγιάννη", "Смирнова", "李")


def _code(value: str, scheme: str, meaning: str) -> Dataset:
    code = Dataset()
    code.CodeValue, code.CodingSchemeDesignator, code.CodeMeaning = value, scheme, meaning
    return code


def _implicit_sequence(p: Person) -> bytes:
    """A private sequence as a UN value: one item, implicit VR little endian inside, holding
    the patient's name and MRN (as exports that lost the private dictionary write it)."""
    def element(group: int, elem: int, value: bytes) -> bytes:
        value += b" " * (len(value) % 2)
        return group.to_bytes(2, "little") + elem.to_bytes(2, "little") + len(value).to_bytes(4, "little") + value
    body = element(0x0029, 0x0010, b"HOSPITAL RIS") + element(0x0029, 0x1001, f"{p.alt[0]}^{p.mrn}".encode())
    item = b"\xfe\xff\x00\xe0" + len(body).to_bytes(4, "little") + body
    return item


def _sr(ds: Dataset, p: Person, staff: str) -> None:
    ds.ValueType, ds.CompletionFlag, ds.VerificationFlag = "CONTAINER", "COMPLETE", "UNVERIFIED"
    concept = Dataset()
    concept.CodeValue, concept.CodingSchemeDesignator, concept.CodeMeaning = "18748-4", "LN", "Diagnostic Imaging Report"
    ds.ConceptNameCodeSequence = Sequence([concept])
    ds.ContinuityOfContent = "SEPARATE"
    item = Dataset()
    item.RelationshipType, item.ValueType = "CONTAINS", "TEXT"
    name = Dataset()
    name.CodeValue, name.CodingSchemeDesignator, name.CodeMeaning = "121071", "DCM", "Finding"
    item.ConceptNameCodeSequence = Sequence([name])
    item.TextValue = (f"Small nodule right upper lobe. Discussed with Dr {staff} and the patient "
                      f"{p.given} {p.alt[0]}, MRN {p.mrn}, at {p.street}. Signed: Dra. {STAFF[0]}")
    observer = Dataset()
    observer.RelationshipType, observer.ValueType = "HAS OBS CONTEXT", "PNAME"
    observer.ConceptNameCodeSequence = Sequence([_code("121008", "DCM", "Person Observer Name")])
    observer.PersonName = f"{STAFF[3]}^Luis"
    uid_item = Dataset()
    uid_item.RelationshipType, uid_item.ValueType = "CONTAINS", "TEXT"
    uid_item.ConceptNameCodeSequence = Sequence([_code("121106", "DCM", "Comment")])
    uid_item.TextValue = f"PATIENT: {p.family.upper()}, {p.given.upper()} - ID {p.mrn} - DOB {p.birth}"
    ds.ContentSequence = Sequence([item, observer, uid_item])


def _rtstruct(ds: Dataset, p: Person, staff: str) -> None:
    ds.StructureSetLabel = f"GTV {p.alt[0]}"
    ds.StructureSetName = f"plan {staff}"
    ds.StructureSetDate, ds.StructureSetTime = "20200314", "120000"
    ref = Dataset()
    ref.FrameOfReferenceUID = ds.FrameOfReferenceUID
    ds.ReferencedFrameOfReferenceSequence = Sequence([ref])
    roi = Dataset()
    roi.ROINumber, roi.ReferencedFrameOfReferenceUID = 1, ds.FrameOfReferenceUID
    roi.ROIName = f"GTV_{p.alt[0]}"
    roi.ROIDescription = f"drawn by Dr. {staff}"
    roi.ROIGenerationAlgorithm = "MANUAL"
    roi.ROIGenerationDescription = f"contoured per Dr. Kowalski for {p.given} {p.mrn}"
    ds.StructureSetROISequence = Sequence([roi])
    obs = Dataset()
    obs.ObservationNumber, obs.ReferencedROINumber, obs.RTROIInterpretedType, obs.ROIInterpreter = 1, 1, "GTV", f"{staff}^Ola"
    ds.RTROIObservationsSequence = Sequence([obs])
    contour = Dataset()
    contour.ReferencedROINumber = 1
    contour.ROIDisplayColor = [255, 0, 0]
    ds.ROIContourSequence = Sequence([contour])


def _plants() -> list[Plant]:
    plants: list[Plant] = []
    for p in PEOPLE:
        plants.append(Plant(f"{p.given} {p.family}", "patient name", (p.family, p.given, *p.alt)))
        plants += [Plant(p.mrn, "mrn"), Plant(p.birth, "birth date"), Plant(p.street, "street"),
                   Plant(p.phone, "phone", (re.sub(r"\D", "", p.phone),)), Plant(p.email, "email")]
        plants += [Plant(d, "birth date (text)") for d in _dates(p.birth)]
    plants += [Plant(s, "staff") for s in STAFF]
    plants += [Plant(m, "mother's maiden name") for m in MAIDEN]
    for site in SITES:
        plants.append(Plant(site[1], "institution", tuple(w for w in site[1].split() if len(w) >= 4 and w[0].isupper()
                                                           and w not in {"Hospital", "Universitario", "Klinikum"})))
        plants.append(Plant(site[3], "station"))
    plants.append(Plant("JS4501", "operator code"))
    return plants


def write_archive(root: str | Path) -> Archive:
    root = Path(root)
    archive = Archive(root=root, plants=_plants())
    modalities = ("CT", "MR", "PT", "US", "SR", "RTSTRUCT")
    for pi, p in enumerate(PEOPLE):
        site = SITES[pi % 4]
        folder = root / site[0] / f"{p.mrn}_{p.alt[0]}" / f"{p.birth}_{p.alt[0]}"
        folder.mkdir(parents=True, exist_ok=True)
        for n, modality in enumerate(modalities):
            ds = _base(p, pi, site, modality, n, ascii_only=pi % 3 == 2)
            staff = STAFF[(pi + n) % len(STAFF)]
            if modality == "SR":
                _sr(ds, p, staff)
            elif modality == "RTSTRUCT":
                _rtstruct(ds, p, staff)
            else:
                _pixels(ds, pi + n)
            _meta(ds)
            ds.save_as(folder / f"{p.mrn}_{p.alt[0]}_{modality}.dcm", enforce_file_format=True)
            archive.files += 1
    export = root / SITES[3][0]
    with zipfile.ZipFile(root / "site_d_export.zip", "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(export.rglob("*.dcm")):
            zf.writestr(zipfile.ZipInfo(path.relative_to(root).as_posix(), (2020, 1, 1, 0, 0, 0)), path.read_bytes())
            path.unlink()
    return archive


# ---- search -------------------------------------------------------------------------

def fold(text: str) -> str:
    extra = str.maketrans({"ł": "l", "ø": "o", "æ": "ae", "đ": "d", "þ": "th", "ß": "ss", "ð": "d", "œ": "oe"})
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c)).translate(extra)


def _dicom_values(ds: Dataset, out: list[str]) -> None:
    for elem in ds.iterall():
        value = elem.value
        if isinstance(value, bytes):
            if elem.tag != 0x7FE00010:
                out.append(value.decode("utf-8", "replace"))
                out.append(value.decode("latin-1"))
        elif isinstance(value, (list, tuple, pydicom.multival.MultiValue)):
            out.extend(str(v) for v in value)
        elif value is not None and not isinstance(value, Sequence):
            out.append(str(value))


def file_text(path: Path, data: bytes | None = None) -> str:
    data = path.read_bytes() if data is None else data
    out = [path.name]
    if path.suffix == ".parquet":  # its cells and metadata, never its compressed bytes: read in
        import json  # latin-1 and folded, they turn into a short name by chance ("olga" in CI 7)

        import pyarrow.parquet as pq

        table = pq.read_table(io.BytesIO(data))
        out.append(json.dumps(table.to_pylist(), ensure_ascii=False, default=str))
        out += [f"{k.decode('utf-8', 'replace')} {v.decode('utf-8', 'replace')}" for k, v in (table.schema.metadata or {}).items()]
        return "\n".join(out)
    try:
        ds = pydicom.dcmread(io.BytesIO(data), force=True)
        if "PixelData" in ds:  # the bytes of the pixels say nothing (and match digits by chance)
            pixels = ds.PixelData
            data = data.replace(pixels, b"") if len(pixels) > 64 else data
        _dicom_values(ds, out)
        out.extend(str(v.value) for v in getattr(ds, "file_meta", Dataset()))
    except Exception:
        pass
    out += [data.decode("utf-8", "replace"), data.decode("latin-1")]
    if data[:2] == b"PK":
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                for info in zf.infolist():
                    out.append(file_text(Path(info.filename), zf.read(info)))
        except zipfile.BadZipFile:
            pass
    return "\n".join(out)


ORDINARY = {"mail", "online", "calle", "odos", "hospital", "universitario", "klinikum", "szpital", "maria", "jose",
            "example", "patient", "portal", "https"}


def _needles(plant: Plant) -> list[str]:
    words = [plant.value, *plant.parts]
    tokens = [t for w in words for t in re.split(r"[\s^,/().@-]+", w)
              if (len(t) >= 4 or re.search(r"[^\x00-\x7f]", t)) and fold(t) not in ORDINARY
              and not (t.isdigit() and len(t) < 6)  # a year or four digits alone say nothing
              and not re.fullmatch(r"\d+(?:st|nd|rd|th)", t)]  # nor does an ordinal ("11th")
    return sorted({fold(w) for w in words + tokens if w.strip()})


def search(folders: list[Path], plants: list[Plant], extra: dict[str, str] | None = None) -> list[tuple[str, str, str]]:
    """(where, plant value, needle) for every planted string or part found."""
    texts: dict[str, str] = dict(extra or {})
    for folder in folders:
        for path in sorted(p for p in folder.rglob("*")):
            texts[str(path)] = path.name if path.is_dir() else file_text(path)
    hits = []
    folded = {where: fold(text) for where, text in texts.items()}
    for plant in plants:
        for needle in _needles(plant):
            for where, text in folded.items():
                if needle in text or needle.replace(" ", "") in text.replace(" ", "") and len(needle) >= 6:
                    hits.append((where, plant.value, needle))
    return hits
