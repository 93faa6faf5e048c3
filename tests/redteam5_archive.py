"""Red team, round 5: an archive whose identifiers hide where PS3.15 says they may, and where
the earlier generators (tests/redteam_archive.py, tests/hostile.py, tests/adversarial*.py,
curator/testing/planted.py) put none.  pydicom, numpy and Pillow only; no code shared with
those files or with curator.

Surfaces (one patient each, so a hit names its surface):

- ``icon``: an Icon Image Sequence thumbnail with the name burned in, beside an overlay with
  a text bitmap and the name in Overlay Description / Label, a curve (50xx) with the name in
  Curve Description / Label (Latin-1 CT);
- ``request``: Request Attributes, Referenced Patient, Other Patient IDs sequences, the
  mother's birth name, a Person Identification Code Sequence naming the operator only there;
- ``split``: a name split over the values of a kept multi-valued string (``WIERZ\\BICKA``);
- ``frame``: a 10-frame secondary capture (BurnedInAnnotation NO) with the name burned into
  frame 2 only;
- ``pstate``: a Grayscale Softcopy Presentation State whose text object, graphic layer
  description, content label and creator hold the name;
- ``arabic``: a patient named only in Arabic letters, the Latin spelling in a kept private
  code (Philips, implicit VR), Body Part Examined and the presentation state's text;
- ``iso2022``: a Japanese patient (ISO 2022 IR 87) whose name appears after an escape
  sequence in the middle of kept strings;
- ``kos`` / ``sr``: a Key Object Selection and a Comprehensive SR with the name and ID in
  nested TEXT / PNAME / UIDREF / DATE items and in the observer's identification code;
- ``rt``: an RT Structure Set whose ROI names, observation labels, interpreter and label
  hold the name;
- ``waveform``: a 12-lead ECG whose channel labels and annotations hold the name;
- ``un``: public elements stored with VR UN (a name in Operators' Name, text in Additional
  Patient History, a person name inside a UN sequence);
- ``broken``: a truncated file and a non-DICOM note in a folder named after a patient;
- ``orphan``: the same in a folder named after a patient whom no readable header names;
- ``site``: a top folder (the site label by default) named after its patient;
- ``homoglyph``: the same patient's name typed with a Cyrillic о in a kept string;
- ``dates``: the real study and birth dates in every kept date form (DA, DT with offset,
  TM beside it, a calibration date, a DATE content item, free text): with the default
  profile (modified dates) none may be released as it was.

``write_archive(root)`` returns an :class:`Archive`; ``search(paths, plants, console)``
finds plants in any outputs: raw bytes decoded in 11 codecs, NFKD-folded, case-folded,
names also with separators squeezed out, Parquet cells and zip members read.
"""
from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont
from pydicom.dataelem import DataElement
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.sequence import Sequence
from pydicom.tag import Tag
from pydicom.uid import ExplicitVRLittleEndian, ImplicitVRLittleEndian

ROOT_UID = "1.2.826.0.1.3680043.10.905."
CT, SC_MULTI, GSPS = "1.2.840.10008.5.1.4.1.1.2", "1.2.840.10008.5.1.4.1.1.7.2", "1.2.840.10008.5.1.4.1.1.11.1"
KOS, SR, RTSS, ECG = ("1.2.840.10008.5.1.4.1.1.88.59", "1.2.840.10008.5.1.4.1.1.88.33",
                      "1.2.840.10008.5.1.4.1.1.481.3", "1.2.840.10008.5.1.4.1.1.9.1.1")
DATES = ("20230517", "2023-05-17", "17.05.2023", "19610208", "1961-02-08", "08.02.1961", "20230510")


@dataclass(frozen=True)
class Plant:
    text: str
    surface: str


@dataclass
class Archive:
    root: Path
    plants: list[Plant] = field(default_factory=list)
    items: int = 0

    def plant(self, surface: str, *texts: str) -> None:
        for text in texts:
            if Plant(text, surface) not in self.plants:
                self.plants.append(Plant(text, surface))


_counter = iter(range(1, 10_000))


def _uid() -> str:
    return f"{ROOT_UID}{next(_counter)}"


def _base(sop_class: str, modality: str, name: str, pid: str, charset: str | list[str] = "ISO_IR 100",
          study: str | None = None) -> Dataset:
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.SpecificCharacterSet = charset
    ds.SOPClassUID = sop_class
    ds.SOPInstanceUID = _uid()
    ds.file_meta.MediaStorageSOPClassUID = sop_class
    ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    ds.StudyInstanceUID = study or _uid()
    ds.SeriesInstanceUID = _uid()
    ds.Modality = modality
    ds.PatientName = name
    ds.PatientID = pid
    ds.IssuerOfPatientID = "RT5_HOSPITAL"
    ds.PatientBirthDate = "19610208"
    ds.PatientSex = "F"
    ds.PatientAge = "062Y"
    ds.StudyDate = ds.SeriesDate = ds.ContentDate = "20230517"
    ds.StudyTime = ds.SeriesTime = ds.ContentTime = "101530"
    ds.StudyID = "1"
    ds.SeriesNumber = 1
    ds.InstanceNumber = 1
    ds.AccessionNumber = ""
    ds.ReferringPhysicianName = ""
    ds.Manufacturer = "RT5 Medical"
    ds.InstitutionName = "RT5 Hospital"
    return ds


def _image(ds: Dataset, pixels: np.ndarray) -> None:
    ds.Rows, ds.Columns = pixels.shape[-2:]
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.BitsAllocated = 8 if pixels.dtype == np.uint8 else 16
    ds.BitsStored = ds.BitsAllocated
    ds.HighBit = ds.BitsAllocated - 1
    ds.PixelRepresentation = 0
    ds.PixelData = pixels.tobytes()


def _text_picture(text: str, size: tuple[int, int], scale: int = 2) -> np.ndarray:
    """``text`` in white on black, drawn with Pillow's bitmap font, enlarged ``scale`` times."""
    width, height = size
    small = Image.new("L", (width // scale, height // scale), 0)
    ImageDraw.Draw(small).text((2, 2), text, fill=255, font=ImageFont.load_default())
    return np.asarray(small.resize((width, height), Image.NEAREST))


def _anatomy(rows: int, cols: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[:rows, :cols]
    disc = ((yy - rows / 2) ** 2 + (xx - cols / 2) ** 2) < (min(rows, cols) * 0.35) ** 2
    shade = 60 + 40 * np.cos(yy / rows * np.pi) * np.sin(xx / cols * np.pi)
    return (disc * (shade + rng.normal(0, 2, (rows, cols)))).clip(0, 255).astype(np.uint8)


def _save(ds: Dataset, path: Path, implicit: bool = False) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if implicit:
        ds.file_meta.TransferSyntaxUID = ImplicitVRLittleEndian
    ds.save_as(path, implicit_vr=implicit, little_endian=True, enforce_file_format=True)


def _code(value: str, scheme: str, meaning: str) -> Dataset:
    item = Dataset()
    item.CodeValue, item.CodingSchemeDesignator, item.CodeMeaning = value, scheme, meaning
    return item


def _icon_overlay_curve(archive: Archive) -> None:
    """A CT with a thumbnail, an overlay and a curve that name the patient."""
    ds = _base(CT, "CT", "WIERZBICKA^HALINA^MARIA", "QZ7730418")
    _image(ds, (_anatomy(256, 256, 1).astype(np.uint16) * 8))
    ds.ImageType = ["ORIGINAL", "PRIMARY", "AXIAL"]
    ds.BurnedInAnnotation = "NO"
    ds.RescaleIntercept, ds.RescaleSlope = "-1024", "1"
    icon = Dataset()
    _image(icon, _text_picture("WIERZBICKA", (128, 32)))
    ds.IconImageSequence = Sequence([icon])
    bitmap = _text_picture("HALINA W", (256, 256), scale=4) > 0
    ds.add_new(0x60020010, "US", 256)
    ds.add_new(0x60020011, "US", 256)
    ds.add_new(0x60020040, "CS", "G")
    ds.add_new(0x60020050, "SS", [1, 1])
    ds.add_new(0x60020100, "US", 1)
    ds.add_new(0x60020102, "US", 0)
    ds.add_new(0x60020022, "LO", "Overlay of Halina Wierzbicka")
    ds.add_new(0x60021500, "LO", "WIERZBICKA")
    ds.add_new(0x60023000, "OW", np.packbits(bitmap.reshape(-1, 8)[:, ::-1]).tobytes())
    ds.add_new(0x50000005, "US", 1)
    ds.add_new(0x50000010, "US", 4)
    ds.add_new(0x50000020, "CS", "TAC")
    ds.add_new(0x50000022, "LO", "Wierzbicka QZ7730418 uptake")
    ds.add_new(0x50002500, "LO", "WIERZBICKA")
    ds.add_new(0x50000103, "US", 0)
    ds.add_new(0x50003000, "OW", np.arange(4, dtype=np.uint16).tobytes())
    _save(ds, archive.root / "LODZ_PACS" / "study1" / "ct_icon.dcm")
    archive.plant("icon", "Wierzbicka", "Halina", "QZ7730418")


def _requests(archive: Archive) -> None:
    """Request, referenced patient, other IDs, mother's name, a person identification code."""
    ds = _base(CT, "CT", "ROSTKOWSKA^GENOWEFA", "LM6604215")
    _image(ds, (_anatomy(128, 128, 2).astype(np.uint16) * 8))
    ds.BurnedInAnnotation = "NO"
    request = Dataset()
    request.RequestedProcedureID = "LM6604215-R"
    request.ScheduledProcedureStepID = "SPS-ROSTKOWSKA"
    request.ScheduledProcedureStepDescription = "CT for Genowefa Rostkowska"
    request.RequestedProcedureDescription = "ROSTKOWSKA thorax"
    ds.RequestAttributesSequence = Sequence([request])
    patient = Dataset()
    patient.ReferencedSOPClassUID = "1.2.840.10008.3.1.2.1.1"
    patient.ReferencedSOPInstanceUID = ROOT_UID + "6604215"
    ds.ReferencedPatientSequence = Sequence([patient])
    other = Dataset()
    other.PatientID = "PL58121104417"
    other.IssuerOfPatientID = "PESEL"
    other.TypeOfPatientID = "TEXT"
    ds.OtherPatientIDsSequence = Sequence([other])
    ds.PatientMotherBirthName = "ZAWIEJSKA^TEODORA"
    operator = Dataset()
    operator.PersonIdentificationCodeSequence = Sequence([_code("EMP40917", "RT5HR", "Radoslaw Grabczewski")])
    operator.InstitutionName = "RT5 Hospital"
    ds.OperatorIdentificationSequence = Sequence([operator])
    performing = Dataset()
    performing.PersonIdentificationCodeSequence = Sequence([_code("EMP51288", "RT5HR", "Sobieslawa Kruczkowska")])
    ds.PerformingPhysicianIdentificationSequence = Sequence([performing])
    ds.SoftwareVersions = ["VB40", "ROSTKO", "WSKA"]  # the name split over a kept multi-valued string
    _save(ds, archive.root / "LODZ_PACS" / "study2" / "ct_request.dcm")
    archive.plant("request", "Rostkowska", "Genowefa", "LM6604215", "58121104417", "Zawiejska", "Teodora",
                  "EMP40917", "Grabczewski", "EMP51288", "Kruczkowska", "Sobieslawa")
    archive.plant("split", "ROSTKO\\WSKA")


def _frames(archive: Archive) -> None:
    """Ten frames, BurnedInAnnotation NO, the name burned into frame 2 only."""
    ds = _base(SC_MULTI, "OT", "DOBRZANSKA^IRENA", "NB2291847")
    ds.BurnedInAnnotation = "NO"
    ds.ConversionType = "WSD"
    plain = _anatomy(256, 256, 3)
    frames = np.stack([plain] * 10)
    frames[1] = np.maximum(frames[1], _text_picture("DOBRZANSKA IRENA", (256, 256)) * (np.arange(256)[:, None] < 40))
    _image(ds, frames)
    ds.NumberOfFrames = 10
    ds.FrameIncrementPointer = Tag(0x00181063)
    ds.FrameTime = "40"
    _save(ds, archive.root / "LODZ_PACS" / "study3" / "cine.dcm")
    archive.plant("frame", "Dobrzanska", "Irena", "NB2291847")


def _presentation_state(archive: Archive, name: str, pid: str, text: str, label: str, charset: str = "ISO_IR 100",
                        implicit: bool = False) -> Dataset:
    ds = _base(GSPS, "PR", name, pid, charset)
    ds.ContentLabel = label
    ds.ContentDescription = f"Annotations {text}"
    ds.ContentCreatorName = "Grabczewski^Radoslaw"
    ds.PresentationCreationDate, ds.PresentationCreationTime = "20230517", "103000"
    layer = Dataset()
    layer.GraphicLayer = "LAYER1"
    layer.GraphicLayerOrder = 1
    layer.GraphicLayerDescription = f"notes on {text}"
    ds.GraphicLayerSequence = Sequence([layer])
    obj = Dataset()
    obj.UnformattedTextValue = f"{text} see prior"
    obj.AnchorPointAnnotationUnits = "PIXEL"
    obj.AnchorPoint = [10.0, 10.0]
    obj.AnchorPointVisibility = "N"
    annotation = Dataset()
    annotation.GraphicLayer = "LAYER1"
    annotation.TextObjectSequence = Sequence([obj])
    ds.GraphicAnnotationSequence = Sequence([annotation])
    return ds


def _pstate(archive: Archive) -> None:
    ds = _presentation_state(archive, "KLIMASZEWSKA^BOZENA", "WP8812054", "Bozena Klimaszewska WP8812054", "KLIMASZEWSKA")
    _save(ds, archive.root / "LODZ_PACS" / "study4" / "pr.dcm")
    archive.plant("pstate", "Klimaszewska", "Bozena", "WP8812054")


def _arabic(archive: Archive) -> None:
    """A patient named only in Arabic letters; Latin spellings in kept values (implicit VR)."""
    ds = _base(CT, "CT", "الزهراني^ريم", "JD4471902", "ISO_IR 127")
    _image(ds, (_anatomy(128, 128, 4).astype(np.uint16) * 8))
    ds.BurnedInAnnotation = "NO"
    ds.BodyPartExamined = "ALZAHRANI"
    ds.private_block(0x2005, "Philips MR Imaging DD 001", create=True).add_new(0x14, "CS", "ALZAHRANI REEM")
    _save(ds, archive.root / "JEDDAH" / "ct.dcm", implicit=True)
    pr = _presentation_state(archive, "الزهراني^ريم", "JD4471902", "R. Alzahrani", "PSALZAHRANI", "ISO_IR 127")
    pr.StudyInstanceUID = ds.StudyInstanceUID
    _save(pr, archive.root / "JEDDAH" / "pr.dcm", implicit=True)
    archive.plant("arabic", "Alzahrani", "JD4471902")


def _iso2022(archive: Archive) -> None:
    """ISO 2022 IR 87: the kanji name after an escape sequence inside kept strings."""
    charset = ["", "ISO 2022 IR 87"]
    ds = _base(CT, "CT", "YAMAGUCHI^KAZUHIRO=山口^和宏=やまぐち^かずひろ", "TK20931177", charset)
    _image(ds, (_anatomy(128, 128, 5).astype(np.uint16) * 8))
    ds.BurnedInAnnotation = "NO"
    ds.ManufacturerModelName = "Aquilion 山口和宏"
    ds.StudyDescription = "CT 胸部 山口 和宏"
    ds.SeriesDescription = "Yamaguchi follow-up"
    ds.DeviceSerialNumber = "TK20931177"
    _save(ds, archive.root / "TOKYO" / "ct.dcm")
    archive.plant("iso2022", "山口", "和宏", "やまぐち", "Yamaguchi", "Kazuhiro", "TK20931177")


def _item(value_type: str, relation: str, code: tuple[str, str, str], **value) -> Dataset:
    item = Dataset()
    item.RelationshipType = relation
    item.ValueType = value_type
    item.ConceptNameCodeSequence = Sequence([_code(*code)])
    for keyword, content in value.items():
        setattr(item, keyword, content)
    return item


def _kos_sr(archive: Archive) -> None:
    """A KOS and a Comprehensive SR: the name, ID and a source UID in nested content items."""
    study = _uid()
    image = _base(CT, "CT", "OYELARAN^BABATUNDE", "ZK5512903", "ISO_IR 192", study)
    _image(image, (_anatomy(128, 128, 6).astype(np.uint16) * 8))
    image.BurnedInAnnotation = "NO"
    _save(image, archive.root / "LAGOS" / "ct.dcm")
    reference = Dataset()
    reference.ReferencedSOPClassUID, reference.ReferencedSOPInstanceUID = CT, image.SOPInstanceUID
    kos = _base(KOS, "KO", "OYELARAN^BABATUNDE", "ZK5512903", "ISO_IR 192", study)
    kos.ValueType, kos.ContinuityOfContent = "CONTAINER", "SEPARATE"
    kos.ConceptNameCodeSequence = Sequence([_code("113000", "DCM", "Of Interest")])
    inner = _item("CONTAINER", "CONTAINS", ("121070", "DCM", "Findings"), ContinuityOfContent="SEPARATE")
    inner.ContentSequence = Sequence([
        _item("PNAME", "CONTAINS", ("121008", "DCM", "Person Observer Name"), PersonName="Oyelaran^Babatunde"),
        _item("TEXT", "CONTAINS", ("113012", "DCM", "Key Object Description"),
              TextValue="Key images for Babatunde Oyelaran ZK5512903 (UID " + image.StudyInstanceUID + ")"),
        _item("UIDREF", "CONTAINS", ("121232", "DCM", "Source series for image segmentation"), UID=image.SeriesInstanceUID),
    ])
    kos.ContentSequence = Sequence([inner, _item("IMAGE", "CONTAINS", ("121200", "DCM", "Illustration"),
                                                 ReferencedSOPSequence=Sequence([reference]))])
    _save(kos, archive.root / "LAGOS" / "kos.dcm")
    sr = _base(SR, "SR", "OYELARAN^BABATUNDE", "ZK5512903", "ISO_IR 192", study)
    sr.ValueType, sr.ContinuityOfContent, sr.CompletionFlag, sr.VerificationFlag = "CONTAINER", "SEPARATE", "COMPLETE", "VERIFIED"
    sr.ConceptNameCodeSequence = Sequence([_code("18748-4", "LN", "Diagnostic imaging report")])
    observer = Dataset()
    observer.VerifyingObserverName = "Adeyemi^Folake"
    observer.VerifyingOrganization = "Lagos Teaching Hospital"
    observer.VerificationDateTime = "20230517120000"
    observer.VerifyingObserverIdentificationCodeSequence = Sequence([_code("NG-MDCN-88412", "MDCN", "Folake Adeyemi")])
    sr.VerifyingObserverSequence = Sequence([observer])
    nested = _item("CONTAINER", "CONTAINS", ("121064", "DCM", "Current Procedure Descriptions"), ContinuityOfContent="SEPARATE")
    nested.ContentSequence = Sequence([
        _item("TEXT", "CONTAINS", ("121065", "DCM", "Procedure Description"), TextValue="Mr Oyelaran seen 17.05.2023"),
        _item("DATE", "CONTAINS", ("111060", "DCM", "Study Date"), Date="20230517"),
        _item("DATETIME", "CONTAINS", ("111526", "DCM", "DateTime Started"), DateTime="20230517101530+0100"),
        _item("PNAME", "CONTAINS", ("121008", "DCM", "Person Observer Name"), PersonName="Adeyemi^Folake"),
    ])
    sr.ContentSequence = Sequence([nested])
    _save(sr, archive.root / "LAGOS" / "sr.dcm")
    archive.plant("kos", "Oyelaran", "Babatunde", "ZK5512903")
    archive.plant("sr", "Adeyemi", "Folake", "NG-MDCN-88412")


def _rtstruct(archive: Archive) -> None:
    ds = _base(RTSS, "RTSTRUCT", "SZCZEPANIK^BOGUMIL", "WR3380576")
    ds.StructureSetLabel = "SZCZEPANIK1"
    ds.StructureSetName = "Plan Szczepanik"
    ds.StructureSetDate, ds.StructureSetTime = "20230517", "110000"
    frame = _uid()
    roi = Dataset()
    roi.ROINumber, roi.ReferencedFrameOfReferenceUID = 1, frame
    roi.ROIName, roi.ROIDescription, roi.ROIGenerationAlgorithm = "GTV_Szczepanik", "boost Szczepanik", "MANUAL"
    ds.StructureSetROISequence = Sequence([roi])
    observation = Dataset()
    observation.ObservationNumber, observation.ReferencedROINumber = 1, 1
    observation.ROIObservationLabel = "SZCZEPANIK_LN"
    observation.RTROIInterpretedType = "GTV"
    observation.ROIInterpreter = "Lindqvist^Annika"
    ds.RTROIObservationsSequence = Sequence([observation])
    contour = Dataset()
    contour.ReferencedROINumber = 1
    ds.ROIContourSequence = Sequence([contour])
    reference = Dataset()
    reference.FrameOfReferenceUID = frame
    ds.ReferencedFrameOfReferenceSequence = Sequence([reference])
    _save(ds, archive.root / "WROCLAW" / "rtss.dcm")
    archive.plant("rt", "Szczepanik", "Bogumil", "WR3380576", "Lindqvist", "Annika")


def _waveform(archive: Archive) -> None:
    ds = _base(ECG, "ECG", "HADDAD^YUSUF", "BE9012288")
    ds.AcquisitionDateTime = "20230517101530"
    channel = Dataset()
    channel.ChannelSourceSequence = Sequence([_code("2:1", "MDC", "Lead I")])
    channel.ChannelLabel = "I Haddad"
    channel.WaveformBitsStored = 16
    channel.ChannelSensitivity = "1"
    channel.ChannelSensitivityUnitsSequence = Sequence([_code("uV", "UCUM", "microvolt")])
    wave = Dataset()
    wave.MultiplexGroupTimeOffset = "0"
    wave.WaveformOriginality = "ORIGINAL"
    wave.NumberOfWaveformChannels, wave.NumberOfWaveformSamples = 1, 8
    wave.SamplingFrequency = "500"
    wave.MultiplexGroupLabel = "HADDAD RHYTHM"
    wave.ChannelDefinitionSequence = Sequence([channel])
    wave.WaveformBitsAllocated, wave.WaveformSampleInterpretation = 16, "SS"
    wave.WaveformData = np.arange(8, dtype=np.int16).tobytes()
    ds.WaveformSequence = Sequence([wave])
    note = Dataset()
    note.UnformattedTextValue = "Pt Yusuf Haddad restless BE9012288"
    note.ReferencedWaveformChannels = [1, 1]
    ds.WaveformAnnotationSequence = Sequence([note])
    _save(ds, archive.root / "BEIRUT" / "ecg.dcm")
    archive.plant("waveform", "Haddad", "Yusuf", "BE9012288")


def _un_elements(archive: Archive) -> None:
    """Public elements stored as UN (a gateway that forgot their VRs), one a sequence."""
    ds = _base(CT, "CT", "NOWOSIELSKA^AGATA", "KR5561029")
    _image(ds, (_anatomy(128, 128, 7).astype(np.uint16) * 8))
    ds.BurnedInAnnotation = "NO"
    item = Dataset()
    item.add_new(0x00100010, "PN", "Morawiecki^Piotr")
    body = io.BytesIO()
    from pydicom.filebase import DicomFileLike
    from pydicom.filewriter import write_dataset

    fp = DicomFileLike(body)
    fp.is_little_endian, fp.is_implicit_VR = True, True
    write_dataset(fp, item)
    payload = body.getvalue()
    sequence = (b"\xfe\xff\x00\xe0" + len(payload).to_bytes(4, "little") + payload)
    from pydicom import config

    before, config.replace_un_with_known_vr = config.replace_un_with_known_vr, False
    try:
        for tag, value in ((0x00081070, b"MORAWIECKI^PIOTR"), (0x001021B0, b"Agata Nowosielska KR5561029 "),
                           (0x00321033, b"Morawiecki ward "), (0x00081120, sequence)):
            ds[tag] = DataElement(tag, "UN", value)
        _save(ds, archive.root / "KRAKOW" / "ct_un.dcm")
    finally:
        config.replace_un_with_known_vr = before
    archive.plant("un", "Nowosielska", "Agata", "KR5561029", "Morawiecki", "Piotr")


def _broken(archive: Archive) -> None:
    """A truncated DICOM and a note in a folder named after a patient whose other file is whole."""
    ds = _base(CT, "CT", "KORZENIOWSKA^WIESLAWA", "GD7745310")
    _image(ds, (_anatomy(128, 128, 8).astype(np.uint16) * 8))
    ds.BurnedInAnnotation = "NO"
    folder = archive.root / "GDANSK" / "KORZENIOWSKA_WIESLAWA_GD7745310"
    _save(ds, folder / "ct.dcm")
    whole = (folder / "ct.dcm").read_bytes()
    (folder / "Korzeniowska_broken.dcm").write_bytes(whole[:700])
    (folder / "Wieslawa notes.txt").write_text("notes\n")
    archive.plant("broken", "Korzeniowska", "Wieslawa", "GD7745310")
    orphan = archive.root / "GDANSK" / "BRZOZOWSKA_EWELINA"  # named in no readable header
    orphan.mkdir(parents=True)
    (orphan / "scan Brzozowska.dcm").write_bytes(whole[:300])
    (orphan / "skierowanie Ewelina.txt").write_text("skierowanie\n")
    archive.plant("orphan", "Brzozowska", "Ewelina")


def _dates(archive: Archive) -> None:
    """Kept date forms: DA, DT with a UTC offset, a calibration date, dates in free text."""
    ds = _base(CT, "CT", "PIETRUSZEWSKA^LUDMILA", "SZ6623981")
    _image(ds, (_anatomy(128, 128, 9).astype(np.uint16) * 8))
    ds.BurnedInAnnotation = "NO"
    ds.AcquisitionDate, ds.AcquisitionTime = "20230517", "101530.250"
    ds.AcquisitionDateTime = "20230517101530.250000+0100"
    ds.DateOfLastCalibration, ds.TimeOfLastCalibration = "20230510", "070000"
    ds.ImageComments = "prior 2023-05-17, born 08.02.1961"
    ds.PatientComments = "DOB 1961-02-08"
    _save(ds, archive.root / "SZCZECIN" / "ct_dates.dcm")
    archive.plant("dates", "Pietruszewska", "Ludmila", "SZ6623981", *DATES)


def _patient_folder(archive: Archive) -> None:
    """A top folder (the site, by default) named after the patient, as a CD export lays it out."""
    ds = _base(CT, "CT", "KOWALEWSKA^ZOFIA", "PO1187345", "ISO_IR 192")
    _image(ds, (_anatomy(128, 128, 10).astype(np.uint16) * 8))
    ds.BurnedInAnnotation = "NO"
    ds.SoftwareVersions = "build K\u043ewalewska"  # a Cyrillic о typed in a Latin name
    _save(ds, archive.root / "KOWALEWSKA_ZOFIA_PO1187345" / "ct.dcm")
    archive.plant("site", "Kowalewska", "Zofia", "PO1187345")
    archive.plant("homoglyph", "K\u043ewalewska")


WRITERS = (_icon_overlay_curve, _requests, _frames, _pstate, _arabic, _iso2022, _kos_sr, _rtstruct, _waveform,
           _un_elements, _broken, _dates, _patient_folder)

# Red team 17's plant-list audit (tests/plant_audit.py): identifiers this archive writes that its plant
# list lacked (now searched for too), and values that look identifying but are not, with the reason.
AUDIT_PLANTS = (
    'MARIA', 'Radoslaw', 'الزهراني', 'ريم', 'かずひろ',
)
AUDIT_SAFE: dict[str, str] = {
    'RT5_HOSPITAL': "a site's name, not a person's",
    'RT5 Hospital': "a site's or system's name, not a person's (the release names its sites)",
}



def write_archive(root: Path) -> Archive:
    archive = Archive(root)
    for writer in WRITERS:
        writer(archive)
    archive.plant("site", *AUDIT_PLANTS)  # the header, as the site surface
    archive.items = sum(1 for path in root.rglob("*") if path.is_file())
    return archive


# --- the search ---------------------------------------------------------------------------

CODECS = ("utf-8", "latin-1", "cp1252", "utf-16-le", "utf-16-be", "iso2022_jp", "euc_jp", "shift_jis",
          "iso8859_6", "cp1256", "iso8859_2")
_SEPARATORS = re.compile(r"[\s\\^_\-.,/|=~\[\]]+")


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def _texts(data: bytes) -> list[str]:
    out = []
    for codec in CODECS:
        out.append(_fold(data.decode(codec, "ignore")))
    return out


def _without_pixels(data: bytes) -> bytes:
    """A DICOM file's bytes up to its Pixel Data (16-bit pixel values 65-122 read as UTF-16
    are letters: names by chance); burned-in plants are checked on the images themselves."""
    if data[128:132] != b"DICM":
        return data
    at = data.rfind(b"\xe0\x7f\x10\x00")
    return data[:at] if at > 0 else data


def _files(paths: list[Path]) -> list[tuple[str, bytes]]:
    found: list[tuple[str, bytes]] = []
    for top in paths:
        for path in sorted(p for p in top.rglob("*") if p.is_file()) if top.is_dir() else [top]:
            data = path.read_bytes()
            found.append((f"{path} (name)", str(path.relative_to(top.parent)).encode("utf-8", "surrogateescape")))
            if path.suffix == ".parquet":  # its cells, not its compressed, salted bytes (chance matches)
                import pyarrow.parquet as pq

                found.append((f"{path} (cells)", str(pq.read_table(path).to_pylist()).encode("utf-8") + repr(pq.read_metadata(path).metadata).encode("utf-8")))
                continue
            found.append((str(path), _without_pixels(data)))
            if zipfile.is_zipfile(io.BytesIO(data)):
                with zipfile.ZipFile(io.BytesIO(data)) as archive:
                    for member in archive.namelist():
                        found.append((f"{path}!{member}", member.encode() + b"\n" + archive.read(member)))
    return found


def search(paths: list[Path], plants: list[Plant], console: dict[str, str] | None = None) -> list[tuple[str, str, str]]:
    """(where, plant, surface) for every plant found in the files under ``paths`` (content,
    file names, Parquet cells, zip members) or in the ``console`` texts."""
    sources = _files(paths) + [(f"console {name}", text.encode("utf-8")) for name, text in (console or {}).items()]
    hits = []
    for where, data in sources:
        texts = _texts(data)
        squeezed = [_SEPARATORS.sub("", text) for text in texts]
        for plant in plants:
            needle = _fold(plant.text)
            letters = _SEPARATORS.sub("", needle)
            if any(needle in text for text in texts) or (letters.isalpha() and any(letters in text for text in squeezed)):
                hits.append((where, plant.text, plant.surface))
    return hits
