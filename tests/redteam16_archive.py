"""Red team, round 16: a multi-site archive planting where no earlier round looked, and the search of
every output for it (tests/plants.py).  Every person, number and address is invented.

Seven sites, six vendors, languages and scripts:

- ``LAGOS_SIEMENS`` (ISO_IR 192, English and Yoruba with its tone marks): a dermoscopy photograph (VL
  Photographic) with the Patient State, the Requesting Service, the Reason for the Requested
  Procedure and the Admitting Diagnoses naming the patient, her daughter and her doctor; the Station
  Name "DR-OKONKWO-PC"; the file meta's source and sending AE titles; the Occupation; a procedure
  code of a private coding scheme whose Code Meaning names her; "93 y/o F"; (round b) the town she was
  referred from, a word of the English word list ("referred from Ikeja");
- ``OSAKA_CANON`` (ISO_IR 192, Japanese; the header has the name in romaji only): an ophthalmic
  photograph whose Image Comments and Frame Label name her in katakana, and her age in Han
  numerals ("九十三歳");
- ``MEIZHOU_UIH`` (ISO_IR 192, Chinese name, Hakka spellings): an RT Structure Set whose Structure
  Set Label/Name, ROI Name and ROI Observation Label write the name in Hakka ("LIEW TET FAH" for
  刘德发); its ROI Interpreter; an age in Han numerals ("九十三岁");
- ``ISTANBUL_GE`` (ISO_IR 148, Turkish): a DICOM SEG whose Segment Label, Segment Description,
  Tracking ID and Content Creator's Name name the patient and the annotator; "93 yaşında";
- ``TELAVIV_PHILIPS`` (ISO_IR 138, Hebrew): an MR spectroscopy object whose Frame Comments and
  Derivation Description name the patient; "בת 93" (the feminine of round 15's "בן 93");
- ``CAIRO_FUJIFILM`` (ISO_IR 127, Arabic): a Grayscale Softcopy Presentation State whose Content
  Label/Description, Graphic Layer Description, text object and Presentation Creator's Name name
  the patient; an SR whose TEXT item's Concept Name Code Meaning names the doctor; an age in
  Arabic words ("93 سنة"), and "nonagenarian" (round e);
- ``EDINBURGH_CANON`` (ISO_IR 100, English; round c): "McDonald" written "MACDONALD" in a Frame Label.

Age, sex, size, weight and ethnic group are written too: no plants (controlled tiers keep them, ages
over 89 top-coded); :data:`KEPT` lists clinical words that must survive.
"""
from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from pydicom.dataset import Dataset

sys.path.insert(0, str(Path(__file__).resolve().parent))

from plants import Plant, Planted, code, dataset, header_plants, pixels, sequence, uid, write  # noqa: E402

VL_PHOTO = "1.2.840.10008.5.1.4.1.1.77.1.4"
OPHTHALMIC = "1.2.840.10008.5.1.4.1.1.77.1.5.1"
RT_STRUCT = "1.2.840.10008.5.1.4.1.1.481.3"
SEG = "1.2.840.10008.5.1.4.1.1.66.4"
MRS = "1.2.840.10008.5.1.4.1.1.4.2"
GSPS = "1.2.840.10008.5.1.4.1.1.11.1"
SR = "1.2.840.10008.5.1.4.1.1.88.11"
CT = "1.2.840.10008.5.1.4.1.1.2"
ROOT = "1.2.826.0.1.3680043.10.1086"

REQUEST = "a name or place in the Requesting Service, Reason for the Requested Procedure or Admitting Diagnoses"
STATE = "a relative or place in the Patient State or Occupation"
DEVICE = "a person in the Station Name or an AE title of the file meta"
CODE = "a name in the Code Meaning of a private coding scheme"
AGE = "an age over 89 in free text (HIPAA: 90 or over)"
KANA = "the name in katakana when the header writes it in romaji only"
HAKKA = "a Chinese given name in its Hakka spelling"
RT = "a name in an RT Structure Set's labels or ROI observation"
SEGMENT = "a name in a segmentation's labels, description or Tracking ID"
FRAME = "a name in the Frame Comments or Derivation Description"
GSPS_TEXT = "a name in a presentation state's labels, layers or text objects"
CONCEPT = "a name in the Concept Name Code Meaning of an SR TEXT item"
PLACE = "a town after 'from' that is a word of the English list (round b)"
PREFIX = "a family name with the other form of its prefix (Mac for Mc) in a label (round c)"
MR = "1.2.840.10008.5.1.4.1.1.4"


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
    "ng": Person("ng", "LAGOS_SIEMENS", "Adébáyọ̀^Fúnmiláyọ̀ Ṣadé", "ISO_IR 192", "LUTH4410927", "19310303", "F",
                 "093Y", "LG24XC7731", "SIEMENS", "Dermatoscope DX"),
    "jp": Person("jp", "OSAKA_CANON", "Nakamura^Keiko", "ISO_IR 192", "OS8820417", "19310303", "F", "093Y",
                 "OS24OP5521", "Canon", "CR-2 AF"),
    "hk": Person("hk", "MEIZHOU_UIH", "刘^德发", "ISO_IR 192", "MZ6630218", "19310303", "M", "093Y",
                 "MZ24RT4410", "UIH", "uRT-linac 506c"),
    "tr": Person("tr", "ISTANBUL_GE", "Öztürk^Gülşen", "ISO_IR 148", "IS7740193", "19310303", "F", "093Y",
                 "IS24SG3308", "GE MEDICAL SYSTEMS", "Revolution Apex"),
    "il": Person("il", "TELAVIV_PHILIPS", "כהן^מרים", "ISO_IR 138", "TA5520736", "19310303", "F", "093Y",
                 "TA24MS2207", "Philips", "Ingenia Elition"),
    "sc": Person("sc", "EDINBURGH_CANON", "McDonald^Ailsa Mòrag", "ISO_IR 100", "ED5510284", "19480915", "F", "076Y",
                 "ED24MR3391", "CANON_MEC", "Vantage Orian"),
    "eg": Person("eg", "CAIRO_FUJIFILM", "منصور^ياسمين", "ISO_IR 127", "CA3390514", "19310303", "F", "093Y",
                 "CA24PR6619", "FUJIFILM", "FCR Profect"),
}

# Clinical words written beside the plants that a controlled-access release keeps (over-removal).
KEPT = {
    "ng": ("lesion", "pigmented", "Monday"),
    "jp": ("fundus",),
    "hk": ("PTV", "GTV"),
    "tr": ("liver",),
    "il": ("NAA", "BRAIN", "peak"),  # "MRS BRAIN" lost "BRAIN" after the title "MRS", and "NAA" went (class 2)
    "eg": ("nodule",),
    "sc": ("FLAIR", "white", "matter"),
}


def _base(p: Person, sop_class: str, modality: str, series: int, instance: int = 1) -> Dataset:
    ds = dataset(sop_class, uid(ROOT, p.key, 1000 * series + instance))
    ds.SpecificCharacterSet = p.charset
    ds.PatientName = p.name
    ds.PatientID = p.mrn
    ds.PatientBirthDate = p.birth
    ds.PatientSex = p.sex
    ds.PatientAge = p.age
    ds.PatientWeight = "58.0"
    ds.PatientSize = "1.58"
    ds.EthnicGroup = {"ng": "African", "sc": "White"}.get(p.key, "Asian")
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


def _rgb(ds: Dataset, rows: int = 16) -> None:
    """A small colour image (flat: no text in it)."""
    ds.Rows = ds.Columns = rows
    ds.SamplesPerPixel = 3
    ds.PhotometricInterpretation = "RGB"
    ds.PlanarConfiguration = 0
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 8, 8, 7, 0
    ds.PixelData = bytes([90, 60, 40]) * rows * rows


# --- Lagos: request attributes, patient state, station name, AE titles, private code meaning -------


def _lagos_photo(p: Person, plants: list[Plant]) -> Dataset:
    ds = _base(p, VL_PHOTO, "XC", 1)
    ds.file_meta.SourceApplicationEntityTitle = "OKONKWO_WS"
    ds.file_meta.SendingApplicationEntityTitle = "ADEBAYO_F"
    ds.StudyDescription = "DERMOSCOPY"
    ds.StationName = "DR-OKONKWO-PC"
    ds.Occupation = "retired judge, Ikorodu High Court"
    ds.PatientState = "anxious; daughter Morenike Adebayo present"
    ds.RequestingService = "Dermatology clinic of Dr Chukwuemeka Okonkwo"
    ds.ReasonForTheRequestedProcedure = "pigmented lesion left forearm, Mrs Adebayo, 93 y/o F"
    ds.AdmittingDiagnosesDescription = "pigmented lesion; lives at 14 Adeola Odeku Street, Victoria Island"
    ds.ImageComments = "pigmented lesion 6 mm, Fúnmiláyọ̀ worried"
    ds.AdditionalPatientHistory = "pigmented lesion, referred from Ikeja on Monday"
    ds.ProcedureCodeSequence = sequence(code("LUTH-ADEBAYO-7", "99LUTH", "Dermoscopy for Adebayo F S"))
    ds.ImageType = ["ORIGINAL", "PRIMARY"]
    ds.BurnedInAnnotation = "NO"
    _rgb(ds)
    plants += [Plant("OKONKWO", DEVICE), Plant("ADEBAYO_F", DEVICE), Plant("Ikorodu", STATE),
               Plant("Morenike", STATE), Plant("Chukwuemeka", REQUEST), Plant("Adeola Odeku", REQUEST),
               Plant("LUTH-ADEBAYO", CODE), Plant("93 y/o", AGE), Plant("Ikeja", PLACE)]
    return ds


# --- Osaka: katakana for a romaji header, Han-numeral age, ophthalmic photograph ---------------------


def _osaka_op(p: Person, plants: list[Plant]) -> Dataset:
    ds = _base(p, OPHTHALMIC, "OP", 1)
    ds.StudyDescription = "FUNDUS PHOTO"
    ds.ImageType = ["ORIGINAL", "PRIMARY"]
    ds.ImageLaterality = "R"
    ds.FrameLabel = "ナカムラ ケイコ OD"
    ds.ImageComments = "fundus: drusen. ナカムラ様 九十三歳"
    ds.BurnedInAnnotation = "NO"
    _rgb(ds)
    plants += [Plant("ナカムラ", KANA), Plant("ケイコ", KANA), Plant("九十三歳", AGE)]
    return ds


# --- Meizhou: an RT Structure Set named in Hakka ---------------------------------------------------


def _roi(number: int, name: str) -> tuple[Dataset, Dataset]:
    roi = Dataset()
    roi.ROINumber = number
    roi.ReferencedFrameOfReferenceUID = uid(ROOT, "hk-for", 1)
    roi.ROIName = name
    roi.ROIGenerationAlgorithm = "MANUAL"
    observation = Dataset()
    observation.ObservationNumber = number
    observation.ReferencedROINumber = number
    observation.RTROIInterpretedType = "PTV"
    observation.ROIInterpreter = "Chong^Siew Lan"
    return roi, observation


def _meizhou_rt(p: Person, plants: list[Plant]) -> Dataset:
    ds = _base(p, RT_STRUCT, "RTSTRUCT", 1)
    ds.StudyDescription = "RT PLANNING"
    ds.StructureSetLabel = "LIEW TET FAH"
    ds.StructureSetName = "LIEW_TET_FAH_PTV"
    ds.StructureSetDescription = "PTV and GTV for Liew Tet Fah, 九十三岁"
    ds.StructureSetDate, ds.StructureSetTime = "20240611", "091500"
    ptv, ptv_obs = _roi(1, "PTV TET FAH")
    gtv, gtv_obs = _roi(2, "GTV")
    gtv_obs.ROIObservationLabel = "GTV Liew"
    ds.StructureSetROISequence = sequence(ptv, gtv)
    ds.RTROIObservationsSequence = sequence(ptv_obs, gtv_obs)
    plants += [Plant("TET FAH", HAKKA), Plant("TET_FAH", HAKKA), Plant("Siew Lan", RT), Plant("九十三岁", AGE)]
    return ds


# --- Istanbul: a segmentation naming the patient and the annotator ---------------------------------


def _istanbul_seg(p: Person, plants: list[Plant]) -> Dataset:
    ds = _base(p, SEG, "SEG", 1)
    ds.StudyDescription = "BT KARACIGER"
    ds.ImageType = ["DERIVED", "PRIMARY"]
    ds.ContentLabel = "OZTURK_LIVER"
    ds.ContentDescription = "liver segmentation, Gülşen Öztürk, 93 yaşında"
    ds.ContentCreatorName = "Demirci^Hüseyin"
    ds.SegmentationType = "BINARY"
    ds.Rows = ds.Columns = 8
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.BitsAllocated = ds.BitsStored = 1
    ds.HighBit, ds.PixelRepresentation = 0, 0
    ds.NumberOfFrames = 1
    segment = Dataset()
    segment.SegmentNumber = 1
    segment.SegmentLabel = "liver Öztürk"
    segment.SegmentDescription = "liver of Gülşen, drawn by Hüseyin Demirci"
    segment.SegmentAlgorithmType = "MANUAL"
    segment.TrackingID = "OZTURK-GULSEN-LIVER-1"
    segment.TrackingUID = uid(ROOT, "tr-track", 1)
    segment.SegmentedPropertyCategoryCodeSequence = sequence(code("91723000", "SCT", "Anatomical Structure"))
    segment.SegmentedPropertyTypeCodeSequence = sequence(code("10200004", "SCT", "Liver"))
    ds.SegmentSequence = sequence(segment)
    ds.PixelData = bytes(8)
    plants += [Plant("OZTURK", SEGMENT), Plant("GULSEN", SEGMENT), Plant("Demirci", SEGMENT),
               Plant("Hüseyin", SEGMENT), Plant("93 yaşında", AGE)]
    return ds


# --- Tel Aviv: spectroscopy with frame comments and a derivation description ------------------------


def _telaviv_mrs(p: Person, plants: list[Plant]) -> Dataset:
    ds = _base(p, MRS, "MR", 1)
    ds.StudyDescription = "MRS BRAIN"
    ds.ImageType = ["ORIGINAL", "PRIMARY", "SPECTROSCOPY", "NONE"]
    ds.ContentQualification = "PRODUCT"
    ds.DerivationDescription = "NAA map, patient מרים כהן בת 93"
    content = Dataset()
    content.FrameComments = "NAA peak, Miriam Cohen voxel 1"
    group = Dataset()
    group.FrameContentSequence = sequence(content)
    ds.PerFrameFunctionalGroupsSequence = sequence(group)
    ds.NumberOfFrames = 1
    ds.Rows = ds.Columns = 1
    ds.DataPointRows, ds.DataPointColumns = 1, 4
    ds.DataRepresentation = "COMPLEX"
    ds.SignalDomainColumns = "TIME"
    ds.SpectroscopyData = bytes(32)
    plants += [Plant("Miriam Cohen", FRAME), Plant("מרים כהן", FRAME), Plant("בת 93", AGE)]
    return ds


# --- Cairo: a presentation state and an SR concept name -------------------------------------------


def _cairo_ct(p: Person) -> Dataset:
    ds = _base(p, CT, "CT", 1)
    ds.StudyDescription = "CT CHEST"
    ds.ImageType = ["ORIGINAL", "PRIMARY", "AXIAL"]
    ds.ImageComments = "lung nodule, nonagenarian, المريضة 93 سنة"
    pixels(ds)
    return ds


def _cairo_gsps(p: Person, image: Dataset, plants: list[Plant]) -> Dataset:
    ds = _base(p, GSPS, "PR", 2)
    ds.StudyDescription = "CT CHEST"
    ds.ContentLabel = "MANSOUR_NODULE"
    ds.ContentDescription = "nodule for Yasmin Mansour"
    ds.ContentCreatorName = "Haddad^Karim"
    ds.PresentationCreationDate, ds.PresentationCreationTime = "20240611", "091500"
    referenced = Dataset()
    referenced.ReferencedSOPClassUID = image.SOPClassUID
    referenced.ReferencedSOPInstanceUID = image.SOPInstanceUID
    series = Dataset()
    series.SeriesInstanceUID = image.SeriesInstanceUID
    series.ReferencedImageSequence = sequence(referenced)
    ds.ReferencedSeriesSequence = sequence(series)
    layer = Dataset()
    layer.GraphicLayer = "NOTES"
    layer.GraphicLayerOrder = 1
    layer.GraphicLayerDescription = "notes of Dr Karim Haddad"
    ds.GraphicLayerSequence = sequence(layer)
    text = Dataset()
    text.UnformattedTextValue = "nodule 7 mm, ياسمين منصور"
    text.BoundingBoxAnnotationUnits = "PIXEL"
    text.BoundingBoxTopLeftHandCorner = [1.0, 1.0]
    text.BoundingBoxBottomRightHandCorner = [8.0, 4.0]
    text.BoundingBoxTextHorizontalJustification = "LEFT"
    annotation = Dataset()
    annotation.GraphicLayer = "NOTES"
    annotation.TextObjectSequence = sequence(text)
    ds.GraphicAnnotationSequence = sequence(annotation)
    plants += [Plant("MANSOUR", GSPS_TEXT), Plant("Yasmin", GSPS_TEXT), Plant("Karim Haddad", GSPS_TEXT),
               Plant("Haddad", GSPS_TEXT), Plant("ياسمين", GSPS_TEXT), Plant("93 سنة", AGE),
               Plant("nonagenarian", AGE, word=True)]
    return ds


def _cairo_sr(p: Person, plants: list[Plant]) -> Dataset:
    ds = _base(p, SR, "SR", 3)
    ds.ValueType = "CONTAINER"
    ds.ContinuityOfContent = "SEPARATE"
    ds.ConceptNameCodeSequence = sequence(code("18748-4", "LN", "Diagnostic imaging report"))
    ds.CompletionFlag, ds.VerificationFlag = "COMPLETE", "UNVERIFIED"
    item = Dataset()
    item.RelationshipType = "CONTAINS"
    item.ValueType = "TEXT"
    item.ConceptNameCodeSequence = sequence(code("CAI-17", "99CAIRO", "Opinion of Dr Nabil Farouk"))
    item.TextValue = "lung nodule, follow up"
    ds.ContentSequence = sequence(item)
    plants += [Plant("Nabil Farouk", CONCEPT), Plant("Farouk", CONCEPT)]
    return ds


# --- Edinburgh (round c): the family name with the other form of its prefix in a label -------------


def _edinburgh_mr(p: Person, plants: list[Plant]) -> Dataset:
    ds = _base(p, MR, "MR", 1)
    ds.StudyDescription = "MR HEAD"
    ds.ImageType = ["ORIGINAL", "PRIMARY", "M", "NONE"]
    ds.FrameLabel = "MACDONALD FLAIR"
    ds.ImageComments = "FLAIR: white matter hyperintensities"
    pixels(ds)
    plants += [Plant("MACDONALD", PREFIX)]
    return ds

# Red team 17's plant-list audit (tests/plant_audit.py): identifiers this archive writes that its plant
# list lacked (now searched for too), and values that look identifying but are not, with the reason.
AUDIT_SURFACE = "an identifier the plant list lacked until the audit of red team 17"
AUDIT_PLANTS = (
    'Chong', 'McDonald',
)
AUDIT_SAFE: dict[str, str] = {
}



def build(root: str | Path) -> Planted:
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    plants: list[Plant] = []
    ng, jp, hk, tr, il, sc, eg = PEOPLE.values()
    header_plants(ng, plants, ("Adébáyọ̀", "Fúnmiláyọ̀", "Ṣadé"))
    header_plants(jp, plants, ("Nakamura", "Keiko"))
    header_plants(hk, plants, ("德发",))
    header_plants(tr, plants, ("Öztürk", "Gülşen"))
    header_plants(il, plants, ("מרים",))
    header_plants(eg, plants, ("منصور",))
    header_plants(sc, plants, ("Ailsa", "Mòrag"))
    write(_lagos_photo(ng, plants), root / ng.site / "XC" / "1.dcm")
    write(_osaka_op(jp, plants), root / jp.site / "OP" / "1.dcm")
    write(_meizhou_rt(hk, plants), root / hk.site / "RT" / "1.dcm")
    write(_istanbul_seg(tr, plants), root / tr.site / "SEG" / "1.dcm")
    write(_telaviv_mrs(il, plants), root / il.site / "MRS" / "1.dcm")
    image = _cairo_ct(eg)
    write(image, root / eg.site / "CT" / "1.dcm")
    write(_cairo_gsps(eg, image, plants), root / eg.site / "PR" / "1.dcm")
    write(_cairo_sr(eg, plants), root / eg.site / "SR" / "1.dcm")
    write(_edinburgh_mr(sc, plants), root / sc.site / "MR" / "1.dcm")
    plants += [Plant(value, AUDIT_SURFACE, word=len(value) <= 4) for value in AUDIT_PLANTS]
    return Planted(root, tuple(dict.fromkeys(plants)))
