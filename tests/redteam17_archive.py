"""Red team, round 17: a multi-site archive planting where no earlier round looked, and the search of
every output for it (tests/plants.py).  Every person, number and address is invented.

Six sites, six vendors, languages and scripts:

- ``ENUGU_SIEMENS`` (ISO_IR 192, English and Igbo): a CT whose Patient's Mother's Birth Name, Military
  Rank, Branch of Service, Medical Record Locator, Responsible Person and Responsible Organization name
  the patient, her mother, her son and her service number; a Long Device Description names her other
  son (round b); Patient Comments "Bed 12 - Mr Okafor"
  (her husband), a pager number, an NHS number in groups and an IBAN; an overlay whose Overlay
  Description and Overlay Label name her; an Icon Image Sequence item whose Image Comments names her; a
  private creator block whose OB value holds her name in UTF-8; the same CT again inside a zip whose
  member path is named after her ("OKAFOR_CHIDINMA/...");
- ``PARIS_GE`` (ISO_IR 100, French): an MR whose Image Comments write the name "DUPONT, Jean-Pierre" and
  "Jean-Pierre DUPONT", the initials "J.-P. D.", an e-mail address and a URL with his name and a NIR in
  groups; an Acquisition Context Sequence item whose Text Value names him;
- ``TEHRAN_PHILIPS`` (ISO_IR 192, Persian): a CR whose Image Comments write a Solar Hijri birth date
  (1403/09/12, and in Persian digits), a CPF and a BSN; its Frame Label the name in Latin letters
  ("REZAEI MARYAM" for رضایی^مریم, round c);
- ``BANGKOK_CANON`` (ISO_IR 192, Thai): a CT whose Patient Comments name him in Thai, with a
  Buddhist-era birth year (2567);
- ``SEOUL_SAMSUNG`` (ISO_IR 192, Korean): a Basic Structured Display whose Text Object names the patient
  in Hangul with and without a space between family and given name, and Patient Comments in Korean;
- ``MUMBAI_WIPRO`` (ISO_IR 192, Hindi): a 12-lead ECG whose Waveform Annotation names the patient in
  Devanagari, and Patient Comments in Hindi.

Age, sex, size, weight and ethnic group are written too: no plants (controlled tiers keep them, ages
over 89 top-coded); :data:`KEPT` lists clinical words that must survive.
"""
from __future__ import annotations

import io
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

from pydicom.dataset import Dataset

sys.path.insert(0, str(Path(__file__).resolve().parent))

from plants import Plant, Planted, code, dataset, header_plants, pixels, sequence, uid, write  # noqa: E402

CT = "1.2.840.10008.5.1.4.1.1.2"
MR = "1.2.840.10008.5.1.4.1.1.4"
CR = "1.2.840.10008.5.1.4.1.1.1"
DISPLAY = "1.2.840.10008.5.1.4.1.1.131"
ECG = "1.2.840.10008.5.1.4.1.1.9.1.1"
ROOT = "1.2.826.0.1.3680043.10.1717"

RELATIVE = "a relative, a service number or a record locator in the patient module's rarer attributes"
COMMENT = "a name, pager, bed or national number in the Patient Comments"
OVERLAY = "a name in an Overlay Description / Label or an Icon Image Sequence item"
PRIVATE = "a name in the OB value of a private creator block"
PATH = "the name in a member path of a zip source"
FORM = "the name written 'SURNAME, Given', 'Given SURNAME', as initials, in an e-mail or a URL"
NATIONAL = "a national number in groups (NIR, CPF, BSN)"
CONTEXT = "a name in the Acquisition Context Sequence"
CALENDAR = "a birth date of another calendar (Solar Hijri, Buddhist era)"
SCRIPT = "a name in Thai, Hangul (with and without a space) or Devanagari in free text"
DISPLAY_TEXT = "a name in a structured display's text object"
WAVEFORM = "a name in a waveform annotation"
PERSIAN = "the Latin spelling of a name written in Persian letters (ی, ک, پ; ض read z) in a label (round c)"
DEVICE = "a relative's name in a device string (Long Device Description)"


@dataclass(frozen=True)
class Person:
    key: str
    site: str
    name: str
    charset: str
    mrn: str
    birth: str
    sex: str
    age: str
    accession: str
    manufacturer: str
    model: str


PEOPLE = {
    "ng": Person("ng", "ENUGU_SIEMENS", "Okafor^Chidinma Adaeze", "ISO_IR 192", "UNTH5520917", "19580412", "F", "066Y",
                 "EN24CT8812", "SIEMENS", "SOMATOM go.Up"),
    "fr": Person("fr", "PARIS_GE", "Dupont^Jean-Pierre", "ISO_IR 100", "APHP7731290", "19670921", "M", "057Y",
                 "PA24MR4471", "GE MEDICAL SYSTEMS", "SIGNA Premier"),
    "ir": Person("ir", "TEHRAN_PHILIPS", "رضایی^مریم", "ISO_IR 192", "TH3390561", "20241202", "F", "000Y",
                 "TH24CR2290", "Philips", "DigitalDiagnost C90"),
    "th": Person("th", "BANGKOK_CANON", "ศรีสุข^สมชาย", "ISO_IR 192", "BK6610473", "20241212", "M", "000Y",
                 "BK24CT5518", "CANON_MEC", "Aquilion Prime SP"),
    "kr": Person("kr", "SEOUL_SAMSUNG", "황^서윤", "ISO_IR 192", "SE4480291", "19720305", "F", "052Y",
                 "SE24SD6630", "SAMSUNG", "HS70A"),
    "in": Person("in", "MUMBAI_WIPRO", "Deshpande^Anaya", "ISO_IR 192", "MB5530718", "19610117", "F", "063Y",
                 "MB24EC1187", "Wipro GE", "MAC 2000"),
}

# Clinical words written beside the plants that a controlled-access release keeps (over-removal).
KEPT = {
    "ng": ("nodule", "contrast"),
    "fr": ("lésion", "T2"),
    "ir": ("fracture",),
    "th": ("CT",),
    "kr": ("결절", "추적"),  # nodule, follow-up: kept since the multi-script clinical lists (fd47de3)
    "in": ("sinus", "rhythm"),
}


def _base(p: Person, sop_class: str, modality: str, series: int, instance: int = 1) -> Dataset:
    ds = dataset(sop_class, uid(ROOT, p.key, 1000 * series + instance))
    ds.SpecificCharacterSet = p.charset
    ds.PatientName = p.name
    ds.PatientID = p.mrn
    ds.PatientBirthDate = p.birth
    ds.PatientSex = p.sex
    ds.PatientAge = p.age
    ds.PatientWeight = "61.0"
    ds.PatientSize = "1.62"
    ds.EthnicGroup = {"ng": "African", "fr": "White", "ir": "Middle Eastern"}.get(p.key, "Asian")
    ds.StudyDate = ds.SeriesDate = ds.ContentDate = "20241214"
    ds.StudyTime = ds.SeriesTime = ds.ContentTime = "101500"
    ds.AccessionNumber = p.accession
    ds.StudyInstanceUID = uid(ROOT, p.key, 1)
    ds.SeriesInstanceUID = uid(ROOT, p.key, 2 + series)
    ds.StudyID = "1"
    ds.SeriesNumber = series
    ds.InstanceNumber = instance
    ds.Modality = modality
    ds.Manufacturer = p.manufacturer
    ds.ManufacturerModelName = p.model
    ds.ReferringPhysicianName = ""
    return ds


# --- Enugu: the patient module's rarer attributes, comments, overlay, icon, private OB, zip path ---


def _enugu_ct(p: Person, plants: list[Plant]) -> Dataset:
    ds = _base(p, CT, "CT", 1)
    ds.StudyDescription = "CT CHEST WITH CONTRAST"
    ds.ImageType = ["ORIGINAL", "PRIMARY", "AXIAL"]
    ds.PatientMotherBirthName = "Nwosu^Ngozika"
    ds.MilitaryRank = "Lance Corporal, service no. NA/88120457"
    ds.BranchOfService = "Nigerian Army Medical Corps, Abakpa barracks"
    ds.MedicalRecordLocator = "UNTH/REC/OKAFOR/2291"
    ds.ResponsiblePerson = "Okafor^Obinna"
    ds.ResponsiblePersonRole = "SON"
    ds.ResponsibleOrganization = "Ikemefuna Okafor Family Trust"
    ds.PatientComments = "Bed 12 - Mr Okafor visits; pager 07700 900461; NHS 943 476 5919; IBAN GB29 NWBK 6016 1331 9268 19"
    ds.ImageComments = "lung nodule 7 mm, contrast given"
    ds.LongDeviceDescription = "SOMATOM go.Up bay 2, chair lent by son Chukwudi Nwankwo"
    ds.add_new(0x60000010, "US", 16)
    ds.add_new(0x60000011, "US", 16)
    ds.add_new(0x60000022, "LO", "marker for Chidinma Okafor")
    ds.add_new(0x60000040, "CS", "G")
    ds.add_new(0x60000050, "SS", [1, 1])
    ds.add_new(0x60000100, "US", 1)
    ds.add_new(0x60000102, "US", 0)
    ds.add_new(0x60001500, "LO", "ADAEZE_MARK")
    ds.add_new(0x60003000, "OW", bytes(32))
    icon = Dataset()
    icon.Rows = icon.Columns = 4
    icon.SamplesPerPixel = 1
    icon.PhotometricInterpretation = "MONOCHROME2"
    icon.BitsAllocated, icon.BitsStored, icon.HighBit, icon.PixelRepresentation = 8, 8, 7, 0
    icon.ImageComments = "thumbnail of Ugochukwu Okafor-Nwosu"
    icon.PixelData = bytes(16)
    ds.IconImageSequence = sequence(icon)
    block = ds.private_block(0x0041, "UNTH RADIOLOGY 1.0", create=True)
    block.add_new(0x10, "OB", "pt=Chinwe Ezeoke;ward=7".encode())
    pixels(ds)
    plants += [Plant("Nwosu", RELATIVE), Plant("Ngozika", RELATIVE), Plant("88120457", RELATIVE), Plant("Abakpa", RELATIVE),
               Plant("UNTH/REC", RELATIVE), Plant("Obinna", RELATIVE), Plant("Ikemefuna", RELATIVE),
               Plant("07700 900461", COMMENT), Plant("943 476 5919", COMMENT), Plant("6016 1331 9268", COMMENT),
               Plant("Chukwudi Nwankwo", DEVICE), Plant("ADAEZE_MARK", OVERLAY), Plant("Ugochukwu", OVERLAY), Plant("Chinwe Ezeoke", PRIVATE)]
    return ds


def _enugu_zip(p: Person, plants: list[Plant], path: Path) -> None:
    ds = _base(p, CT, "CT", 2)
    ds.StudyDescription = "CT CHEST WITH CONTRAST"
    ds.ImageType = ["ORIGINAL", "PRIMARY", "AXIAL"]
    pixels(ds)
    data = io.BytesIO()
    ds.save_as(data, enforce_file_format=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(zipfile.ZipInfo("NWAKAEGO_ADAOBI_19580412/CT0001.dcm", (2024, 12, 14, 10, 15, 0)), data.getvalue())
    plants += [Plant("NWAKAEGO", PATH)]


# --- Paris: forms of the name, initials, e-mail, URL, NIR; acquisition context ---------------------


def _paris_mr(p: Person, plants: list[Plant]) -> Dataset:
    ds = _base(p, MR, "MR", 1)
    ds.StudyDescription = "IRM CEREBRALE"
    ds.ImageType = ["ORIGINAL", "PRIMARY", "M", "NONE"]
    ds.ImageComments = ("lésion T2 frontale; DUPONT, Jean-Pierre; Jean-Pierre DUPONT; vu par J.-P. D.; "
                        "jp.dupont67@orange.fr; https://photos.example.fr/jean-pierre-dupont/irm; NIR 1 67 09 75 114 052 44")
    item = Dataset()
    item.ValueType = "TEXT"
    item.ConceptNameCodeSequence = sequence(code("121106", "DCM", "Comment"))
    item.TextValue = "patient Dupont sédaté par Dr Véronique Lemaire"
    ds.AcquisitionContextSequence = sequence(item)
    pixels(ds)
    plants += [Plant("J.-P. D.", FORM), Plant("jp.dupont67@orange.fr", FORM), Plant("jean-pierre-dupont", FORM),
               Plant("114 052 44", NATIONAL), Plant("Véronique Lemaire", CONTEXT)]
    return ds


# --- Tehran: a Solar Hijri birth date; CPF and BSN in groups ---------------------------------------


def _tehran_cr(p: Person, plants: list[Plant]) -> Dataset:
    ds = _base(p, CR, "CR", 1)
    ds.StudyDescription = "XR WRIST"
    ds.ImageType = ["ORIGINAL", "PRIMARY"]
    ds.ImageComments = "fracture distal radius; born 1403/09/12; تولد ۱۴۰۳/۰۹/۱۲; CPF 529.982.247-25; BSN 1112.22.333"
    ds.FrameLabel = "REZAEI MARYAM WRIST"  # round c: the Latin spelling of a name in Persian letters
    pixels(ds)
    plants += [Plant("REZAEI", PERSIAN), Plant("MARYAM", PERSIAN), Plant("1403/09/12", CALENDAR),
               Plant("۱۴۰۳/۰۹/۱۲", CALENDAR), Plant("529.982.247-25", NATIONAL), Plant("1112.22.333", NATIONAL)]
    return ds


# --- Bangkok: Thai name and a Buddhist-era year --------------------------------------------------


def _bangkok_ct(p: Person, plants: list[Plant]) -> Dataset:
    ds = _base(p, CT, "CT", 1)
    ds.StudyDescription = "CT BRAIN"
    ds.ImageType = ["ORIGINAL", "PRIMARY", "AXIAL"]
    ds.PatientComments = "ผู้ป่วย สมชาย ศรีสุข เกิด 12 ธันวาคม 2567"
    ds.ImageComments = "CT normal"
    pixels(ds)
    plants += [Plant("สมชาย", SCRIPT), Plant("12 ธันวาคม 2567", CALENDAR)]
    return ds


# --- Seoul: a structured display; Hangul with and without a space --------------------------------


def _seoul_display(p: Person, plants: list[Plant]) -> Dataset:
    ds = _base(p, DISPLAY, "OT", 1)
    ds.StudyDescription = "US THYROID"
    ds.PresentationCreationDate, ds.PresentationCreationTime = "20241214", "101500"
    ds.ContentLabel = "DISPLAY1"
    ds.PatientComments = "환자 황서윤, 결절 추적"
    box = Dataset()
    box.ImageBoxNumber = 1
    box.DisplayEnvironmentSpatialPosition = [0.0, 1.0, 1.0, 0.0]
    box.ImageBoxLayoutType = "SINGLE"
    ds.StructuredDisplayImageBoxSequence = sequence(box)
    text = Dataset()
    text.UnformattedTextValue = "결절 황 서윤 님"
    text.DisplayEnvironmentSpatialPosition = [0.0, 0.1, 0.5, 0.0]
    text.BoundingBoxTextHorizontalJustification = "LEFT"
    ds.StructuredDisplayTextBoxSequence = sequence(text)
    ds.ContentDate, ds.ContentTime = "20241214", "101500"
    plants += [Plant("황서윤", SCRIPT), Plant("황 서윤", DISPLAY_TEXT)]
    return ds


# --- Mumbai: a waveform annotation and comments in Devanagari ------------------------------------


def _mumbai_ecg(p: Person, plants: list[Plant]) -> Dataset:
    ds = _base(p, ECG, "ECG", 1)
    ds.StudyDescription = "ECG 12 LEAD"
    ds.PatientComments = "मरीज़ अनाया देशपांडे, सीने में दर्द"
    channel = Dataset()
    channel.ChannelSourceSequence = sequence(code("5.6.3-9-1", "SCPECG", "Lead I (Einthoven)"))
    channel.ChannelSensitivity = "1"
    channel.ChannelSensitivityUnitsSequence = sequence(code("uV", "UCUM", "microvolt"))
    channel.WaveformBitsStored = 16
    multiplex = Dataset()
    multiplex.MultiplexGroupTimeOffset = "0"
    multiplex.WaveformOriginality = "ORIGINAL"
    multiplex.NumberOfWaveformChannels = 1
    multiplex.NumberOfWaveformSamples = 8
    multiplex.SamplingFrequency = "500"
    multiplex.ChannelDefinitionSequence = sequence(channel)
    multiplex.WaveformBitsAllocated = 16
    multiplex.WaveformSampleInterpretation = "SS"
    multiplex.WaveformData = bytes(16)
    ds.WaveformSequence = sequence(multiplex)
    note = Dataset()
    note.UnformattedTextValue = "sinus rhythm, अनाया देशपांडे resting"
    note.ReferencedWaveformChannels = [1, 1]
    ds.WaveformAnnotationSequence = sequence(note)
    plants += [Plant("अनाया", SCRIPT), Plant("देशपांडे", WAVEFORM)]
    return ds


def build(root: str | Path) -> Planted:
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    plants: list[Plant] = []
    ng, fr, ir, th, kr, in_ = PEOPLE.values()
    header_plants(ng, plants, ("Okafor", "Chidinma", "Adaeze"))
    header_plants(fr, plants, ("Dupont", "Jean-Pierre"))
    header_plants(ir, plants, ("رضایی", "مریم"))
    header_plants(th, plants, ("ศรีสุข",))
    header_plants(kr, plants, ("서윤",))
    header_plants(in_, plants, ("Deshpande", "Anaya"))
    write(_enugu_ct(ng, plants), root / ng.site / "CT" / "1.dcm")
    _enugu_zip(ng, plants, root / ng.site / "transfer.zip")
    write(_paris_mr(fr, plants), root / fr.site / "MR" / "1.dcm")
    write(_tehran_cr(ir, plants), root / ir.site / "CR" / "1.dcm")
    write(_bangkok_ct(th, plants), root / th.site / "CT" / "1.dcm")
    write(_seoul_display(kr, plants), root / kr.site / "SD" / "1.dcm")
    write(_mumbai_ecg(in_, plants), root / in_.site / "ECG" / "1.dcm")
    return Planted(root, tuple(dict.fromkeys(plants)))


AUDIT_SAFE: dict[str, str] = {"Lance": "the rank Lance Corporal (the service number is a plant)"}
