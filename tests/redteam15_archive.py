"""Red team, round 15: a multi-site archive planting where no earlier round looked, and the search of
every output for it (tests/plants.py).  Every person, number and address is invented; every
national identifier is made up but has valid check digits.

Nine sites, eight vendors, languages and scripts:

- ``TOKYO_FUJIFILM`` (ISO 2022 IR 87 and IR 13, Japanese): "Yamada^Tarou=山田^太郎=やまだ^たろう" (the three
  component groups, the phonetic one in hiragana); a label naming him in katakana, another in
  half-width katakana; a comment with the record number and a phone number in full-width digits,
  a Japanese-era birth date and an age over 89 ("93歳"); an enhanced MR whose per-frame functional
  groups name him in their Frame Comments; overlay planes whose Overlay Description and Overlay
  Label name him;
- ``SAOPAULO_GE`` (says ISO_IR 100, the bytes are UTF-8): a Brazilian CPF in a Frame Label, a
  birth date in Portuguese words, an international phone number; the Original Attributes
  Sequence's Modified Attributes holding the name and the record number; a private block of an
  unknown creator holding a sequence with a person's name; an age written in months (1128M: 94
  years);
- ``STOCKHOLM_SIEMENS`` (ISO_IR 100, Swedish): a personnummer in a Content Label and in free text
  (also with '+', over 100 years), an IBAN in a Frame Label, "93 år" in a comment; an SR whose
  content tree holds TEXT, PNAME, DATE and UIDREF items five levels deep; an ECG whose waveform
  annotation names the patient;
- ``LONDON_PHILIPS`` (ISO_IR 192, English and Hindi): an NHS number in a Frame Label, a comment in
  Devanagari with a birth date in Devanagari digits, an age after "aged" and a comma;
- ``BEIJING_UIH`` (GB18030, Chinese): a Chinese resident identity number in a Frame Label;
- ``ROMA_ESAOTE`` (ISO_IR 100, Italian): a codice fiscale (the name and the birth date) in a
  Content Label and in a private element the TCIA knowledge base keeps, "Ha 93 anni" in a comment;
- ``ATHENS_AGFA`` (ISO_IR 126, Greek) and ``MOSCOW_PHILIPS`` (ISO_IR 144, Russian; round f): a declined
  form of the name in a Frame Label ("Papadopoulou" for Παπαδόπουλος, "Ивановой" for Иванова), "93
  χρονών" (an age over 89 in spoken Greek);
- ``KUALALUMPUR_CANON`` (ISO_IR 192, Chinese name, English text; rounds b-d): the family name 刘 in its
  Hakka spelling in a Frame Label ("LIEW T2"), an age glued to the sex ("93F with cough"), "CT" next
  to the name (kept: no initials).

Age, sex, size and weight are written too: no plants (controlled tiers keep them, ages over 89
top-coded); :data:`KEPT` lists clinical words that must survive.
"""
from __future__ import annotations

import io
import sys
from dataclasses import dataclass
from pathlib import Path

from pydicom.dataset import Dataset

sys.path.insert(0, str(Path(__file__).resolve().parent))

from plants import HEADER, Plant, Planted, code, dataset, header_plants, pixels, sequence, uid, write  # noqa: E402

CT = "1.2.840.10008.5.1.4.1.1.2"
MR = "1.2.840.10008.5.1.4.1.1.4"
ENHANCED_MR = "1.2.840.10008.5.1.4.1.1.4.1"
CR = "1.2.840.10008.5.1.4.1.1.1"
SR = "1.2.840.10008.5.1.4.1.1.88.33"
ECG = "1.2.840.10008.5.1.4.1.1.9.1.1"
US = "1.2.840.10008.5.1.4.1.1.6.1"
ROOT = "1.2.826.0.1.3680043.10.1085"

KANA = "the name in the other kana (katakana for the header's hiragana, half-width katakana)"
FULLWIDTH = "a record number or phone number in full-width digits"
ERA = "a birth date in a Japanese era, in Portuguese words or in Devanagari digits"
AGE = "an age over 89 in free text (HIPAA: 90 or over)"
NATIONAL_ID = "a national identifier with valid check digits in a label or code string"
FREE_ID = "a national identifier in free text"
OVERLAY = "a name in an Overlay Description or Overlay Label (60xx,0022 / 60xx,1500)"
PER_FRAME = "a name in the per-frame functional groups of an enhanced multi-frame object"
ORIGINAL = "a name or ID in the Original Attributes Sequence's Modified Attributes"
PRIVATE = "a name in a private sequence of an unknown creator"
SR_TREE = "a TEXT, PNAME, DATE or UIDREF item five levels deep in an SR content tree"
WAVEFORM = "a name or ID in a waveform annotation"
PHONE = "an international phone number"
DIALECT = "a Chinese family name in its Hakka spelling in a label"
PRIVATE_ID = "a national identifier in a private element the TCIA knowledge base keeps"
DECLINED = "a declined form of the name (Greek genitive, Russian case) in a label"


@dataclass(frozen=True)
class Person:
    key: str
    site: str
    name: str
    charset: str | list[str]
    mrn: str
    birth: str
    sex: str
    age: str
    accession: str
    manufacturer: str
    model: str


PEOPLE = {
    "jp": Person("jp", "TOKYO_FUJIFILM", "Yamada^Tarou=山田^太郎=やまだ^たろう", ["", "ISO 2022 IR 87", "ISO 2022 IR 13"], "JP7745521",
                 "19310303", "M", "093Y", "TK24MR0093", "FUJIFILM Healthcare", "ECHELON Smart"),
    "br": Person("br", "SAOPAULO_GE", "Conceição^João Evangelista", "ISO_IR 192", "SP8830126", "19301115", "M",
                 "1128M", "SP24CT5519", "GE MEDICAL SYSTEMS", "Revolution CT"),
    "se": Person("se", "STOCKHOLM_SIEMENS", "Lindqvist^Astrid", "ISO_IR 100", "KS5502917", "19310303", "F", "093Y",
                 "KS24SR7712", "SIEMENS", "SOMATOM Force"),
    "uk": Person("uk", "LONDON_PHILIPS", "Sharma^Priyanka", "ISO_IR 192", "GSTT6620481", "19540817", "F", "069Y",
                 "GS24CR2210", "Philips", "DigitalDiagnost C90"),
    "cn": Person("cn", "BEIJING_UIH", "欧阳^建华", "GB18030", "BJ3307719", "19310303", "M", "093Y",
                 "BJ24CT4401", "UIH", "uCT 760"),
    "it": Person("it", "ROMA_ESAOTE", "Rossi^Mario", "ISO_IR 100", "RM4471200", "19310303", "M", "093Y",
                 "RM24US3307", "Esaote S.p.A.", "MyLab X8"),
    "gr": Person("gr", "ATHENS_AGFA", "Παπαδόπουλος^Γεώργιος", "ISO_IR 126", "AT6620913", "19310303", "M", "093Y",
                 "AT24CR1190", "Agfa", "DR 600"),
    "ru": Person("ru", "MOSCOW_PHILIPS", "Иванова^Наталья", "ISO_IR 144", "MS7720548", "19600412", "F", "064Y",
                 "MS24MR8812", "Philips", "Ingenia"),
    "my": Person("my", "KUALALUMPUR_CANON", "刘^德华", "ISO_IR 192", "KL5530917", "19310303", "F", "093Y",
                 "KL24CT0317", "CANON_MEC", "Aquilion Prime"),
}

# Clinical words written beside the plants that a controlled-access release keeps (over-removal).
KEPT = {
    "jp": ("MR", "T2"),
    # the São Paulo text is UTF-8 under ISO_IR 100: read as Latin-1, "tórax" and "nódulo" were unknown
    # words and went (over-removal noted in notes/redteam15.md); read as UTF-8 since charset19
    # (curator.dicom.textcodec), they stay.  Italian "steatosi", "lieve" are no words of the allowlist
    "br": ("TC", "mm", "Paciente", "tórax", "nódulo"),
    "se": ("lung", "nodule"),
    "uk": ("chest", "clear"),
    "cn": ("CT", "chest"),
    "it": ("fegato",),
    "gr": ("CR", "T2"),
    "ru": ("MR", "T2"),
    "my": ("CT", "chest", "clear", "cough"),
}

CPF = "529.982.247-25"
PERSONNUMMER = "19310303-2383"
IBAN = "SE45 5000 0000 0583 9825 7466"
NHS = "943 476 5919"
CHINA_ID = "110105193103031237"
CODICE_FISCALE = "RSSMRA31C03H501U"


def _base(p: Person, sop_class: str, modality: str, series: int, instance: int = 1) -> Dataset:
    ds = dataset(sop_class, uid(ROOT, p.key, 1000 * series + instance))
    ds.SpecificCharacterSet = p.charset
    ds.PatientName = p.name
    ds.PatientID = p.mrn
    ds.PatientBirthDate = p.birth
    ds.PatientSex = p.sex
    ds.PatientAge = p.age
    ds.PatientWeight = "64.0"
    ds.PatientSize = "1.62"
    ds.StudyDate = ds.SeriesDate = ds.ContentDate = "20240611"
    ds.StudyTime = ds.SeriesTime = ds.ContentTime = "091500"
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


# --- Tokyo: kana, full-width digits, era date, age, per-frame groups, overlays ----------------------


def _tokyo_mr(p: Person, plants: list[Plant]) -> Dataset:
    ds = _base(p, MR, "MR", 1)
    ds.StudyDescription = "MR HEAD"
    ds.FrameLabel = "ヤマダ タロウ T2"
    ds.ImageComments = "MR T2 ＩＤ：ＪＰ７７４５５２１ 電話 ０３−３８１３−１１１１ 昭和6年3月3日生 93歳"
    pixels(ds)
    ds.add_new(0x60000010, "US", 16)
    ds.add_new(0x60000011, "US", 16)
    ds.add_new(0x60000040, "CS", "G")
    ds.add_new(0x60000050, "SS", [1, 1])
    ds.add_new(0x60000100, "US", 1)
    ds.add_new(0x60000102, "US", 0)
    ds.add_new(0x60000022, "LO", "山田太郎様 ﾔﾏﾀﾞ ﾀﾛｳ")
    ds.add_new(0x60001500, "LO", "YAMADA TAROU")
    ds.add_new(0x60003000, "OW", bytes(32))
    plants += [Plant("ヤマダ", KANA), Plant("タロウ", KANA), Plant("ﾔﾏﾀﾞ", KANA), Plant("ﾀﾛｳ", KANA),
               Plant("７７４５５２１", FULLWIDTH), Plant("３８１３−１１１１", FULLWIDTH), Plant("昭和6年3月3日", ERA),
               Plant("93歳", AGE), Plant("山田太郎", OVERLAY), Plant("YAMADA TAROU", OVERLAY)]
    return ds


def _tokyo_enhanced(p: Person, plants: list[Plant]) -> Dataset:
    ds = _base(p, ENHANCED_MR, "MR", 2)
    ds.ImageType = ["ORIGINAL", "PRIMARY", "M", "NONE"]
    ds.ContentQualification = "PRODUCT"
    ds.StudyDescription = "MR HEAD"
    pixels(ds, frames=2)
    frames = []
    for n, comment in enumerate(("Yamada-san T2", "やまだ たろう 様 FLAIR"), start=1):
        content = Dataset()
        content.FrameComments = comment
        content.FrameLabel = f"ヤマダ {n}"
        content.StackID = "1"
        content.InStackPositionNumber = n
        group = Dataset()
        group.FrameContentSequence = sequence(content)
        frames.append(group)
    ds.PerFrameFunctionalGroupsSequence = sequence(*frames)
    shared = Dataset()
    measures = Dataset()
    measures.PixelSpacing = [1.0, 1.0]
    measures.SliceThickness = 5.0
    shared.PixelMeasuresSequence = sequence(measures)
    ds.SharedFunctionalGroupsSequence = sequence(shared)
    plants += [Plant("Yamada-san", PER_FRAME), Plant("やまだ", PER_FRAME)]
    return ds


# --- São Paulo: a charset that lies, CPF, words date, original attributes, unknown private creator --


def _saopaulo_ct(p: Person, plants: list[Plant]) -> Dataset:
    ds = _base(p, CT, "CT", 1)
    ds.StudyDescription = "TC TORAX"
    ds.FrameLabel = f"CPF {CPF}"
    ds.ImageComments = ("TC tórax: nódulo 4 mm. Paciente nascido em 15 de novembro de 1930, "
                        "tel. +55 11 98765-4321")
    modified = Dataset()
    modified.PatientName = "Conceição^João Evangelista"
    modified.PatientID = p.mrn
    modified.OtherPatientIDs = CPF
    original = Dataset()
    original.ModifiedAttributesSequence = sequence(modified)
    original.AttributeModificationDateTime = "20240611091500"
    original.ModifyingSystem = "PACS HOSPITAL SAO LUCAS"
    original.SourceOfPreviousValues = "Conceição J E"
    original.ReasonForTheAttributeModification = "COERCE"
    ds.OriginalAttributesSequence = sequence(original)
    block = ds.private_block(0x0041, "HSL PRONTUARIO", create=True)
    inner = Dataset()
    inner.add_new(0x00410010, "LO", "HSL PRONTUARIO")
    inner.add_new(0x00411001, "PN", "Evangelista^Joao")
    inner.add_new(0x00411002, "LO", "mae: Benedita Conceição")
    block.add_new(0x10, "SQ", sequence(inner))
    pixels(ds)
    plants += [Plant(CPF, NATIONAL_ID), Plant("15 de novembro de 1930", ERA), Plant("98765-4321", PHONE),
               Plant("Evangelista", ORIGINAL), Plant("Benedita", PRIVATE)]
    return ds


def _lying_charset(ds: Dataset) -> bytes:
    """``ds`` written in UTF-8 whose Specific Character Set says ISO_IR 100."""
    data = io.BytesIO()
    ds.save_as(data, enforce_file_format=True)
    raw = data.getvalue()
    assert raw.count(b"ISO_IR 192") == 1
    return raw.replace(b"ISO_IR 192", b"ISO_IR 100")


# --- Stockholm: personnummer, IBAN, SR tree five deep, waveform annotation --------------------------


def _stockholm_ct(p: Person, plants: list[Plant]) -> Dataset:
    ds = _base(p, CT, "CT", 1)
    ds.StudyDescription = "CT THORAX"
    ds.ContentLabel = PERSONNUMMER
    ds.FrameLabel = IBAN
    ds.ImageComments = "lung nodule 5 mm, 93 år, pnr 310303+2383"
    pixels(ds)
    plants += [Plant(PERSONNUMMER, NATIONAL_ID), Plant("310303+2383", FREE_ID), Plant("0583 9825 7466", NATIONAL_ID),
               Plant("93 år", AGE)]
    return ds


def _item(value_type: str, meaning: str, **values: object) -> Dataset:
    item = Dataset()
    item.RelationshipType = "CONTAINS"
    item.ValueType = value_type
    item.ConceptNameCodeSequence = sequence(code("121071", "DCM", meaning))
    for keyword, value in values.items():
        setattr(item, keyword, value)
    return item


def _stockholm_sr(p: Person, plants: list[Plant]) -> Dataset:
    ds = _base(p, SR, "SR", 2)
    ds.ValueType = "CONTAINER"
    ds.ContinuityOfContent = "SEPARATE"
    ds.ConceptNameCodeSequence = sequence(code("18748-4", "LN", "Diagnostic imaging report"))
    ds.CompletionFlag, ds.VerificationFlag = "COMPLETE", "UNVERIFIED"
    deepest = [
        _item("TEXT", "Finding", TextValue="Astrid Lindqvist, personnummer 19310303-2383: lung nodule"),
        _item("PNAME", "Finding", PersonName="Lindqvist^Astrid"),
        _item("DATE", "Finding", Date="19310303"),
        _item("UIDREF", "Finding", UID=f"1.2.752.{PERSONNUMMER.replace('-', '.')}"),
    ]
    node = deepest
    for _ in range(4):
        container = _item("CONTAINER", "Finding", ContinuityOfContent="SEPARATE")
        container.ContentSequence = sequence(*node)
        node = [container]
    ds.ContentSequence = sequence(*node)
    plants += [Plant("Lindqvist", SR_TREE), Plant("1.2.752.19310303", SR_TREE)]
    return ds


def _stockholm_ecg(p: Person, plants: list[Plant]) -> Dataset:
    ds = _base(p, ECG, "ECG", 3)
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
    note.UnformattedTextValue = "Lindqvist A. pnr 19310303-2383, tel 08-417 930 62"
    note.ReferencedWaveformChannels = [1, 1]
    ds.WaveformAnnotationSequence = sequence(note)
    plants += [Plant("417 930 62", WAVEFORM)]
    return ds


# --- London: NHS number, Devanagari, age after a word and a comma -----------------------------------


def _london_cr(p: Person, plants: list[Plant]) -> Dataset:
    ds = _base(p, CR, "CR", 1)
    ds.StudyDescription = "CHEST PA"
    ds.FrameLabel = NHS
    ds.ImageComments = "chest clear. मरीज़ प्रियंका शर्मा, जन्म १७/०८/१९५४; mother aged 93, lives alone"
    ds.BurnedInAnnotation = "NO"
    pixels(ds)
    plants += [Plant(NHS, NATIONAL_ID), Plant("प्रियंका", HEADER), Plant("१७/०८/१९५४", ERA), Plant("aged 93", AGE)]
    return ds


# --- Beijing: a Chinese resident identity number ----------------------------------------------------


def _beijing_ct(p: Person, plants: list[Plant]) -> Dataset:
    ds = _base(p, CT, "CT", 1)
    ds.StudyDescription = "CT CHEST"
    ds.FrameLabel = CHINA_ID
    ds.ImageComments = "CT chest"
    pixels(ds)
    plants += [Plant(CHINA_ID, NATIONAL_ID)]
    return ds


# --- Roma: a codice fiscale in a code string --------------------------------------------------------


def _roma_us(p: Person, plants: list[Plant]) -> Dataset:
    ds = _base(p, US, "US", 1)
    ds.StudyDescription = "ECOGRAFIA ADDOME"
    ds.ContentLabel = CODICE_FISCALE
    ds.private_block(0x0019, "GEMS_ACQU_01", create=True).add_new(0x9E, "SH", CODICE_FISCALE)
    ds.ImageComments = "fegato: steatosi lieve. Ha 93 anni"
    ds.BurnedInAnnotation = "NO"
    pixels(ds)
    plants += [Plant(CODICE_FISCALE, NATIONAL_ID), Plant("93 anni", AGE)]
    return ds


# --- Kuala Lumpur (round b-d): a Hakka family name in a label, an age glued to the sex -------------


def _kualalumpur_ct(p: Person, plants: list[Plant]) -> Dataset:
    ds = _base(p, CT, "CT", 1)
    ds.StudyDescription = "CT CHEST"
    ds.FrameLabel = "LIEW T2"
    ds.ImageComments = "93F with cough; Liew, CT chest clear"
    pixels(ds)
    plants += [Plant("LIEW T2", DIALECT), Plant("93F with", AGE)]
    return ds


# --- Athens and Moscow (round f): a declined form of the name in a label --------------------------


def _declined(p: Person, plants: list[Plant], sop_class: str, modality: str, label: str, comment: str) -> Dataset:
    ds = _base(p, sop_class, modality, 1)
    ds.StudyDescription = f"{modality} T2" if modality == "MR" else "CR CHEST"
    ds.FrameLabel = f"{label} T2"
    ds.ImageComments = comment
    pixels(ds)
    plants += [Plant(label, DECLINED)]
    return ds

# Red team 17's plant-list audit (tests/plant_audit.py): identifiers this archive writes that its plant
# list lacked (now searched for too), and values that look identifying but are not, with the reason.
AUDIT_SURFACE = "an identifier the plant list lacked until the audit of red team 17"
AUDIT_PLANTS = (
    'Mario', 'Sharma',
)
AUDIT_SAFE: dict[str, str] = {
    'PACS HOSPITAL SAO LUCAS': "a site's or system's name, not a person's (the release names its sites)",
}



def build(root: str | Path) -> Planted:
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    plants: list[Plant] = []
    jp, br, se, uk, cn, it, gr, ru, my = PEOPLE.values()
    header_plants(jp, plants, ("Tarou", "山田", "太郎", "やまだ", "たろう"))
    header_plants(br, plants, ("Conceição", "João Evangelista"))
    header_plants(se, plants, ("Astrid",))
    header_plants(uk, plants, ("Priyanka",))
    header_plants(cn, plants, ("欧阳", "建华"))
    header_plants(it, plants, ("Rossi",))
    header_plants(my, plants, ("德华",))
    header_plants(gr, plants, ("Παπαδόπουλος", "Γεώργιος"))
    header_plants(ru, plants, ("Иванова", "Наталья"))
    write(_tokyo_mr(jp, plants), root / jp.site / "MR" / "1.dcm")
    write(_tokyo_enhanced(jp, plants), root / jp.site / "EMR" / "1.dcm")
    path = root / br.site / "CT" / "1.dcm"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(_lying_charset(_saopaulo_ct(br, plants)))
    write(_stockholm_ct(se, plants), root / se.site / "CT" / "1.dcm")
    write(_stockholm_sr(se, plants), root / se.site / "SR" / "1.dcm")
    write(_stockholm_ecg(se, plants), root / se.site / "ECG" / "1.dcm")
    write(_london_cr(uk, plants), root / uk.site / "CR" / "1.dcm")
    write(_beijing_ct(cn, plants), root / cn.site / "CT" / "1.dcm")
    write(_roma_us(it, plants), root / it.site / "US" / "1.dcm")
    write(_kualalumpur_ct(my, plants), root / my.site / "CT" / "1.dcm")
    write(_declined(gr, plants, CR, "CR", "Papadopoulou", "CR T2, ασθενής 93 χρονών"), root / gr.site / "CR" / "1.dcm")
    write(_declined(ru, plants, MR, "MR", "Ивановой", "MR T2"), root / ru.site / "MR" / "1.dcm")
    plants += [Plant("93 χρονών", AGE)]
    plants += [Plant(value, AUDIT_SURFACE, word=len(value) <= 4) for value in AUDIT_PLANTS]
    return Planted(root, tuple(dict.fromkeys(plants)))
