"""A multi-site archive with identifiers planted the way hospitals really leak them.

For leak tests (``tests/test_freetext_leaks.py``) and the free-text measurements of
``docs/deid.md``.  Deterministic: the same call writes the same bytes.

:func:`write_archive` writes CT, MR, SR and RTSTRUCT studies of patients from several
languages and scripts (Polish, Norwegian, Icelandic, German, Spanish, Portuguese, French,
Greek, Russian, Japanese) at three sites, a zip export of one site, and pydicom's own test
files (``CT_small.dcm``, ``MR_small.dcm``, ``rtdose_rle.dcm``) with identifiers planted in
them.  Identifiers are planted:

* as header values (names, IDs, addresses, phones) and again in free text, written
  differently (``Łukasz`` in the header, ``Lukasz`` or ``LUKASZ`` in a comment);
* staff names after a title or role in several languages ("seen by Dr X", "per nurse Y",
  "enfermera Z"), which no header holds;
* operator codes appended to ProtocolName;
* an MRN inside a longer ID string; a street name of the patient's address in another
  text and in retained device strings (Manufacturer's Model Name, Software Versions);

in PatientComments, ImageComments, Study/Series Description, ProtocolName, SR TEXT items,
RTSTRUCT ROI names, descriptions and ROI Generation Description, device strings, and in the
folder and file names.  Every planted string is a :class:`Plant`; the returned
:class:`Archive` lists them, with safe clinical texts for measuring over-removal.
"""
from __future__ import annotations

import shutil
import zipfile
from dataclasses import dataclass, replace
from pathlib import Path

import pydicom
from pydicom.data import get_testdata_file
from pydicom.dataset import Dataset

from curator.testing import synthetic as syn
from curator.common.fold import fold


@dataclass(frozen=True)
class Plant:
    """One identifier string that must not survive anywhere; ``word``: a dictionary word,
    searched as a whole word only (``Rose`` must go, ``prose`` may stay)."""

    value: str
    kind: str
    word: bool = False


@dataclass(frozen=True)
class Person:
    family: str
    given: str
    family_plain: str  # as written in free text by someone without the letters
    given_plain: str
    patient_id: str
    address: str
    street: str
    phone: str


PEOPLE: tuple[Person, ...] = (
    Person("Wiśniewski", "Łukasz", "WISNIEWSKI", "Lukasz", "00482913", "ul. Marszałkowska 112, 00-950 Warszawa", "Marszałkowska", "+48 22 621 45 87"),
    Person("Bjørnstad", "Øyvind", "Bjornstad", "Oyvind", "11739055", "Kjelsåsveien 41, 0488 Oslo", "Kjelsåsveien", "+47 22 18 44 90"),
    Person("Guðmundsdóttir", "Þórdís", "Gudmundsdottir", "Thordis", "27150644", "Skólavörðustígur 8, 101 Reykjavík", "Skólavörðustígur", "+354 551 2277"),
    Person("Straßburger", "Günther", "Strassburger", "Gunther", "39921407", "Schönhauser Allee 77, 10439 Berlin", "Schönhauser", "+49 30 4405 2211"),
    Person("Hernández Oyarzábal", "José", "Hernandez Oyarzabal", "Jose", "40018366", "Calle de Ibarrola 19, 48015 Bilbao", "Ibarrola", "+34 944 76 12 09"),
    Person("Conceição", "Sebastião", "Conceicao", "Sebastiao", "51277290", "Rua das Gaivotas 6, 1200-202 Lisboa", "Gaivotas", "+351 213 46 88 10"),
    Person("Lefebvre-Duchâtel", "Françoise", "Lefebvre-Duchatel", "Francoise", "62830517", "14 rue Mouffetard, 75005 Paris", "Mouffetard", "+33 1 43 31 58 22"),
    Person("Παπαδόπουλος", "Γεώργιος", "Papadopoulos", "Georgios", "73364128", "Οδός Ερμού 25, 10563 Αθήνα", "Ερμού", "+30 210 323 4455"),
    Person("Кузнецова", "Анастасия", "Kuznetsova", "Anastasia", "84402271", "ул. Пречистенка 12, Москва", "Пречистенка", "+7 495 637 2219"),
    # Japanese names are written in kanji everywhere: no spelling derives from the characters.
    Person("佐藤", "美咲", "佐藤", "美咲", "95517308", "東京都世田谷区北沢2-14", "北沢", "+81 3 3468 7716"),
)
# Staff named only in free text: (text around the name, the name, a dictionary word?).
STAFF: tuple[tuple[str, str, bool], ...] = (
    ("seen by Dr {} today", "Kowalczyk", False),
    ("allergic per nurse {}", "Szczepańska", False),
    ("repeat scan for Mr {}", "Featherstonehaugh", False),
    ("informada por la Dra. {}", "Etxeberria", False),
    ("enfermera {} avisada", "Zubizarreta", False),
    ("Befund mit Herr {} besprochen", "Wachtmeister", False),
    ("Frau {} informiert", "Oberhuber", False),
    ("vu par le Dr {}", "Vandenbroucke", False),
    ("médico {} de guardia", "Gonçalves", False),
    ("tech {} repositioned", "Okonkwo", False),
    ("Prof. {} reviewed", "Lindqvist", False),
    ("seen by Dr {}", "Rose", True),
    ("per nurse {}", "Young", True),
)
# Each has a letter beyond F: a code of hex digits only ("AB129") turns up by chance in the
# SHA-256 digests of a MANIFEST about once in 200 runs (keys are random), a false leak.
OPERATOR_CODES: tuple[str, ...] = ("JW42", "TEC07", "MKX3", "AW129", "RT5Q")
# Safe clinical texts (every word should survive), for measuring over-removal.
SAFE_TEXTS: tuple[str, ...] = (
    "AX T2 FLAIR FS 5mm", "t1_mprage_sag_p2_iso", "ep2d_diff_b1000_trace", "CT THORAX MIT KM", "TAC CRANEO SIN CONTRASTE",
    "Thorax 1.25 B30f", "Patient claustrophobic, motion artefacts, repeat scan", "No focal lesion. Mild degenerative change.",
    "Allergic to iodinated contrast, premedicated", "TC ABDOMEN Y PELVIS CON CONTRASTE", "IRM cerebrale sans injection",
    "RM encefalo senza mezzo di contrasto", "Liver", "Spinal cord", "GTV primary", "Heart", "Lung left", "PTV boost 60Gy",
    "COR T1 VIBE FS post", "Kopf nativ", "Paciente con dolor abdominal", "Patient en retard, examen interrompu",
)


@dataclass(frozen=True)
class Archive:
    root: Path
    plants: tuple[Plant, ...]
    files: int


def _sites() -> tuple[syn.Site, ...]:
    base = syn.SITES[:3]
    addresses = ("Avenida de Montevideo 31, 48013 Bilbao", "Drammensveien 64, 0271 Oslo", "Ringstraße 9, 50996 Köln")
    return tuple(replace(s, institution_address=a) for s, a in zip(base, addresses))


def _patient(n: int, person: Person) -> syn.Patient:
    base = syn.PATIENTS[n % len(syn.PATIENTS)]
    return replace(base, key=f"Q{n:02d}", family=person.family, given=person.given, middle="", patient_id=person.patient_id,
                   other_id=f"HUZ{person.patient_id}B", national_id=f"NID-{person.patient_id[::-1]}",
                   address=person.address, phone=person.phone)


def _staff(n: int) -> tuple[str, str, bool]:
    return STAFF[n % len(STAFF)]


def planted_texts(n: int, person: Person) -> dict[str, str]:
    """Free texts of patient ``n``: each one plants something."""
    around, name, _ = _staff(n)
    other, other_name, _ = _staff(n + 5)
    code = OPERATOR_CODES[n % len(OPERATOR_CODES)]
    return {
        "PatientComments": f"{person.given_plain} {person.family_plain.upper()}; {around.format(name)}; prior ref HUZ{person.patient_id}B",
        "ImageComments": f"{other.format(other_name)}. Transport from {fold(person.street).title()} clinic, call {person.phone[-9:]}",
        "StudyDescription": f"CT THORAX {person.family_plain.upper()}",
        "SeriesDescription": f"AX T2 FLAIR FS {person.given_plain}",
        "ProtocolName": f"t2_tse_tra_p2 {code}",
        "TextValue": f"No focal lesion. {around.format(name)}. Patient {person.given} {person.family} informed.",
        "ROIDescription": f"contoured by Dr {name}",
        "ROIGenerationDescription": f"manual, {other.format(other_name)}",
    }


def _plant_text(ds: Dataset, texts: dict[str, str]) -> None:
    for keyword in ("PatientComments", "ImageComments", "StudyDescription", "SeriesDescription", "ProtocolName"):
        setattr(ds, keyword, texts[keyword])
    ds.ManufacturerModelName = f"{ds.get('ManufacturerModelName', 'Scanner')} {texts['street']}"
    ds.SoftwareVersions = ["VE11C", f"site-{texts['street']}"]
    for item in ds.get("ContentSequence", []):
        if item.get("ValueType") == "TEXT":
            item.TextValue = texts["TextValue"]
    for roi in ds.get("StructureSetROISequence", []):
        roi.ROIDescription = texts["ROIDescription"]
        roi.ROIGenerationDescription = texts["ROIGenerationDescription"]
    for obs in ds.get("RTROIObservationsSequence", []):
        obs.ROIObservationLabel = f"{obs.get('ROIObservationLabel', '')} {texts['street']}".strip()


def _studies(root: Path, n: int, site: syn.Site, person: Person) -> int:
    patient = _patient(n, person)
    study = syn.Study(site=site, patient=patient, number=1, description="CT THORAX")
    texts = planted_texts(n, person) | {"street": person.street}
    folder = root / site.key / f"{person.family_plain.upper()}_{person.patient_id}"
    ct = syn.ct_series(study, n_slices=2)
    mr = syn.mr_series(study, 2, series_number=2)
    datasets = list(ct) + list(mr) + [syn.sr_document(study, evidence=ct), syn.rtstruct(study, ct)]
    for i, ds in enumerate(datasets):
        _plant_text(ds, texts)
        syn.write_dataset(ds, folder / f"{ds.Modality}{i:02d}_{person.given_plain}.dcm")
    return len(datasets)


def _pydicom_files(root: Path, person: Person) -> int:
    folder = root / "pydicom"
    folder.mkdir(parents=True, exist_ok=True)
    count = 0
    for name in ("CT_small.dcm", "MR_small.dcm", "rtdose_rle.dcm"):
        path = get_testdata_file(name)
        if not isinstance(path, str):
            raise FileNotFoundError(f"pydicom's test file {name} is missing")
        ds = pydicom.dcmread(path)
        if name != "rtdose_rle.dcm":
            ds.SpecificCharacterSet = "ISO_IR 192"
            ds.PatientName = f"{person.family}^{person.given}"
            ds.PatientID = person.patient_id
            ds.PatientAddress = person.address
            ds.PatientTelephoneNumbers = person.phone
            _plant_text(ds, planted_texts(len(PEOPLE), person) | {"street": person.street})
        ds.save_as(folder / name, enforce_file_format=True)
        count += 1
    return count


def _zip(root: Path, site_key: str) -> None:
    """Move one site's folder into ``export.zip`` (members keep the patient-named paths)."""
    folder = root / site_key
    with zipfile.ZipFile(root / f"{site_key}-export.zip", "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                info = zipfile.ZipInfo(path.relative_to(root).as_posix(), date_time=(2020, 1, 1, 0, 0, 0))
                archive.writestr(info, path.read_bytes(), zipfile.ZIP_DEFLATED)
    shutil.rmtree(folder)


def plants() -> tuple[Plant, ...]:
    """Every planted identifier, as the strings searched for in outputs (name parts,
    IDs, streets, phones' digits, staff names, operator codes)."""
    out: list[Plant] = []
    for p in PEOPLE:
        for part in {*p.family.replace("-", " ").split(), *p.family_plain.replace("-", " ").split(), p.given, p.given_plain}:
            out.append(Plant(part, "patient name"))
        out += [Plant(p.patient_id, "patient ID (also inside HUZ...B)"), Plant(p.street, "street of the address"),
                Plant(p.phone, "phone"), Plant(p.phone[-9:], "phone as written in a comment")]
    out += [Plant(name, "staff name after a title or role", word) for _, name, word in STAFF]
    out += [Plant(code, "operator code in ProtocolName") for code in OPERATOR_CODES]
    return tuple(sorted(set(out), key=lambda p: (p.kind, p.value)))


def write_archive(root: str | Path, patients: int = len(PEOPLE)) -> Archive:
    """Write the planted archive under ``root`` (three sites, ``patients`` patients, a zip
    export of the third site, pydicom's test files with identifiers planted)."""
    root = Path(root)
    sites = _sites()
    files = 0
    for n, person in enumerate(PEOPLE[:patients]):
        files += _studies(root, n, sites[n % len(sites)], person)
    files += _pydicom_files(root, PEOPLE[0])
    _zip(root, sites[2].key)
    return Archive(root, plants(), files)


# --- searching outputs -------------------------------------------------------------

_PIXEL_TAGS = (0x7FE00010, 0x7FE00008, 0x7FE00009, 0x30040000)


def _dicom_text(path: Path) -> str | None:
    """Every value of a DICOM file as text (any depth; bytes values and UN elements
    decoded as Latin-1 and UTF-8), pixel and dose data left out; ``None`` if not DICOM."""
    try:
        ds = pydicom.dcmread(path, force=True)
        elements = list(ds.file_meta.iterall()) + list(ds.iterall())
    except Exception:
        return None
    if not any(e.tag.group != 0x0002 for e in elements):
        return None
    parts = []
    for element in elements:
        if element.tag in _PIXEL_TAGS or element.tag == 0x30040000 or element.VR == "SQ":
            continue
        value = element.value
        if isinstance(value, (bytes, bytearray)):
            if element.tag == 0x3004000C or len(value) > 1 << 16:
                continue
            parts += [bytes(value).decode("latin-1"), bytes(value).decode("utf-8", errors="replace")]
        else:
            parts.append(str(value))
    return "\n".join(parts)


def _zip_text(path: Path) -> str:
    """Member names and what each member says (DICOM members decoded)."""
    import tempfile

    parts = []
    with zipfile.ZipFile(path) as archive, tempfile.TemporaryDirectory() as tmp:
        for info in archive.infolist():
            parts.append(info.filename)
            member = Path(tmp) / "member"
            member.write_bytes(archive.read(info))
            parts.append(_file_text(member))
    return "\n".join(parts)


def _file_text(path: Path) -> str:
    """What a written file says: DICOM values, Parquet cells, zip members, or the bytes
    as UTF-8 and Latin-1."""
    data = path.read_bytes()
    if data[:4] == b"PK\x03\x04":
        return _zip_text(path)
    if path.suffix == ".parquet":
        import json

        import pyarrow.parquet as pq

        return json.dumps(pq.read_table(path).to_pylist(), ensure_ascii=False, default=str)
    if len(data) > 132 and data[128:132] == b"DICM" or path.suffix == ".dcm":
        text = _dicom_text(path)
        if text is not None:
            return text
    return data.decode("utf-8", errors="replace") + "\n" + data.decode("latin-1")


def found(text: str, plant: Plant) -> bool:
    """Whether ``plant`` occurs in ``text``: as written, case-insensitive or folded."""
    import re

    probe = fold(plant.value)
    folded = fold(text)
    if plant.word:
        return re.search(rf"(?<![^\W_]){re.escape(probe)}(?![^\W_])", folded) is not None
    return probe in folded or plant.value.casefold() in text.casefold()


def leaks(folders: list[Path], texts: dict[str, str], planted: tuple[Plant, ...]) -> list[tuple[str, str, str]]:
    """Every (where, plant value, plant kind) found in the files under ``folders`` (their
    contents and their relative paths) and in the extra ``texts`` (console output...)."""
    out = []
    sources: list[tuple[str, str]] = list(texts.items())
    for folder in folders:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                rel = path.relative_to(folder).as_posix()
                sources.append((f"{folder.name}/{rel}", rel + "\n" + _file_text(path)))
    for where, text in sources:
        for plant in planted:
            if found(text, plant):
                out.append((where, plant.value, plant.kind))
    return out
