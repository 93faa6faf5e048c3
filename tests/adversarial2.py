"""A second adversarial archive (red team, round 3), plain pydicom, no curator import.

Places the first generator (``tests/adversarial.py``) did not try: SR content trees three
levels deep (TEXT, PNAME, DATE, CODE items), SEG segment labels and algorithm names,
RTSTRUCT observation labels, encapsulated PDF and CDA documents, ECG waveform annotations,
graphic annotations of a presentation state, Acquisition Context, Scheduled Procedure Step
and Requested Procedure text, Frame of Reference transformation comments, overlays (60xx)
with a label and a description, curves (50xx), private text the TCIA knowledge base marks
safe, staff names in unlisted text attributes (ST/LT/UT, labels, notes), person names in
LO/SH attributes, identifiers split across two fields, dates in text in several formats
and languages, ages, phones in local form, URLs; values in ISO 2022 JP, GB18030,
ISO-8859-5/7, Latin-1 with SpecificCharacterSet missing; names in the member names of a
tar.gz export and in the names of files that are not DICOM.

``write_archive(root)`` returns an ``adversarial.Archive`` (plants and file count);
``adversarial.search`` looks for them in outputs.
"""
from __future__ import annotations

import io
import re
import tarfile
from pathlib import Path

import numpy as np
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.sequence import Sequence
from pydicom.uid import ExplicitVRLittleEndian

from adversarial import Archive, Plant

ROOT_UID = "1.2.826.0.1.3680043.10.998."

CLASSES = {
    "CT": "1.2.840.10008.5.1.4.1.1.2",
    "SR": "1.2.840.10008.5.1.4.1.1.88.33",  # Comprehensive SR
    "SEG": "1.2.840.10008.5.1.4.1.1.66.4",
    "RTSTRUCT": "1.2.840.10008.5.1.4.1.1.481.3",
    "PDF": "1.2.840.10008.5.1.4.1.1.104.1",
    "CDA": "1.2.840.10008.5.1.4.1.1.104.2",
    "ECG": "1.2.840.10008.5.1.4.1.1.9.1.1",
    "GSPS": "1.2.840.10008.5.1.4.1.11.1",
}

# family, given (header, in its script), charset, Latin spelling used in text, MRN, birth, phone (local), city
PATIENTS = (
    ("山田", "太郎", "ISO 2022 IR 87", "Yamada Taro", "80417723", "19520708", "03-5555-0199", "Tokyo"),
    ("张", "伟", "GB18030", "Zhang Wei", "66120947", "19660923", "(021) 6555-0142", "Suzhou"),
    ("Кузнецова", "Ольга", "ISO_IR 144", "Kuznetsova Olga", "39571206", "19740216", "8(812)555-01-77", "Sankt-Peterburg"),
    ("Οικονόμου", "Δημήτρης", "ISO_IR 126", "Oikonomou Dimitris", "52813390", "19810530", "210 555 0183", "Thessaloniki"),
    ("Lefèvre", "Amélie", "ISO_IR 100", "Lefevre Amelie", "74402918", "19630411", "01 55 55 01 23", "Besançon"),
    ("Sæbø", "Håkon", None, "Saebo Hakon", "91730264", "19581102", "55 55 01 88", "Førde"),  # Latin-1, charset missing
)

# Staff (nobody's header holds them): written in unlisted text attributes, labels, notes.
STAFF = ("Wojciechowska", "Thorvaldsen", "Abernathy", "Quintanilla", "Pettersson", "Villeneuve")
STREETS = ("Yoyogi Kamizonocho", "Shiquan Jie", "Liteyny Prospekt", "Tsimiski", "Rue Battant", "Vievegen")


def _bytes_of(text: str, charset: str | None) -> bytes:
    if charset == "ISO 2022 IR 87":
        return text.encode("iso2022_jp")
    if charset == "GB18030":
        return text.encode("gb18030")
    if charset == "ISO_IR 144":
        return text.encode("iso8859_5")
    if charset == "ISO_IR 126":
        return text.encode("iso8859_7")
    return text.encode("latin-1")


def _pn(family: str, given: str, latin: str, charset: str | None) -> bytes:
    """A PN value as the source system wrote it: with ISO 2022 the alphabetic group is the
    Latin spelling and the ideographic group the Kanji (the usual Japanese form)."""
    if charset == "ISO 2022 IR 87":
        lf, lg = latin.upper().split()
        return f"{lf}^{lg}=".encode("ascii") + f"{family}^{given}".encode("iso2022_jp")
    return _bytes_of(f"{family}^{given}", charset)


def _code(value: str, scheme: str, meaning: str) -> Dataset:
    code = Dataset()
    code.CodeValue, code.CodingSchemeDesignator, code.CodeMeaning = value, scheme, meaning
    return code


def _text_dates(birth: str) -> tuple[str, ...]:
    y, m, d = int(birth[:4]), int(birth[4:6]), int(birth[6:])
    fr = "janvier février mars avril mai juin juillet août septembre octobre novembre décembre".split()
    roman = "I II III IV V VI VII VIII IX X XI XII".split()
    en = "January February March April May June July August September October November December".split()
    return (f"{d} {fr[m - 1]} {y}", f"{y}年{m}月{d}日", f"{d:02d}-{roman[m - 1]}-{y}",
            f"{en[m - 1]} {d}th, {y}", f"{d:02d}{en[m - 1][:3].upper()}{y}", f"{y}.{m:02d}.{d:02d}")


def _new(kind: str, pi: int, n: int, charset: str | None) -> Dataset:
    ds = Dataset()
    if charset:
        ds.SpecificCharacterSet = ["", charset] if charset == "ISO 2022 IR 87" else charset
    ds.SOPClassUID = CLASSES[kind]
    ds.SOPInstanceUID = f"{ROOT_UID}{pi + 1}.{n + 1}.1"
    ds.StudyInstanceUID = f"{ROOT_UID}{pi + 1}.1"
    ds.SeriesInstanceUID = f"{ROOT_UID}{pi + 1}.1.{n + 1}"
    ds.FrameOfReferenceUID = f"{ROOT_UID}{pi + 1}.9"
    ds.Modality = {"PDF": "DOC", "CDA": "DOC", "GSPS": "PR"}.get(kind, kind)
    ds.StudyDate = ds.SeriesDate = ds.ContentDate = "20210611"
    ds.StudyTime = ds.SeriesTime = ds.ContentTime = "091500"
    ds.SeriesNumber, ds.InstanceNumber = n + 1, 1
    ds.Manufacturer = "GE MEDICAL SYSTEMS"
    ds.InstitutionName = "Centre Hospitalier Regional"
    return ds


def _patient(ds: Dataset, pi: int) -> None:
    family, given, charset, latin, mrn, birth, phone, city = PATIENTS[pi]
    ds.add_new(0x00100010, "PN", _pn(family, given, latin, charset))
    ds.PatientID = mrn
    ds.IssuerOfPatientID = "CHR"
    ds.PatientBirthDate = birth
    ds.PatientSex = "F" if pi % 2 else "M"
    ds.add_new(0x00101040, "LO", _bytes_of(f"{STREETS[pi]} 7, {city}", charset))  # PatientAddress
    ds.PatientTelephoneNumbers = phone
    ds.AccessionNumber = f"{mrn[:4]}{mrn[4:]}X"  # the MRN inside a longer value


def _unlisted_text(ds: Dataset, pi: int) -> None:
    """Staff names and split identifiers in attributes PS3.15 Table E.1-1 does not list."""
    staff = STAFF[pi % len(STAFF)]
    latin = PATIENTS[pi][3]
    mrn = PATIENTS[pi][4]
    ds.FrameOfReferenceTransformationComment = f"registered by Dr {staff}"
    ds.AcquisitionContextDescription = f"Sedation given by nurse {STAFF[(pi + 1) % 6]}"
    ds.CommentsOnTheScheduledProcedureStep = f"Call {STAFF[(pi + 2) % 6]} before the scan"
    ds.ReasonForCancellation = f"{latin} refused"  # a patient name with no title in an LT
    ds.ImageComments = f"MRN {mrn[:4]}-{mrn[4:]}; {_date_text(pi, 0)}"
    ds.PatientComments = (f"{_age(pi)}-year-old, see https://portal.chr.example/patient/{mrn} "
                          f"or tel {PATIENTS[pi][6]}")
    ds.AdditionalPatientHistory = f"born {_date_text(pi, 3)}, {_age(pi)} y/o"
    ds.ReasonForStudy = f"second opinion for {latin.split()[1]} (first name) {latin.split()[0][:3]}..."
    ps = Dataset()
    ps.ScheduledProcedureStepDescription = f"CT ABDOMEN per Dr. {STAFF[(pi + 3) % 6]}"
    ps.ScheduledPerformingPhysicianName = f"{STAFF[(pi + 4) % 6]}^Kim"
    ps.CommentsOnTheScheduledProcedureStep = f"ask {STAFF[(pi + 5) % 6]} for the contrast"
    ds.ScheduledProcedureStepSequence = Sequence([ps])
    req = Dataset()
    req.RequestedProcedureDescription = "CT ABDOMEN"
    req.ReasonForTheRequestedProcedure = f"r/o abscess, {latin.upper()}"
    req.RequestedProcedureComments = f"ward 5 {STAFF[(pi + 1) % 6]}"
    ds.RequestAttributesSequence = Sequence([req])
    ctx = Dataset()
    ctx.ValueType = "TEXT"
    ctx.ConceptNameCodeSequence = Sequence([_code("121106", "DCM", "Comment")])
    ctx.TextValue = f"positioned by {STAFF[(pi + 2) % 6]}"
    ds.AcquisitionContextSequence = Sequence([ctx])
    ds.add_new(0x60000010, "US", 16)
    ds.add_new(0x60000011, "US", 16)
    ds.add_new(0x60000022, "LO", f"overlay drawn by {STAFF[(pi + 3) % 6]}")  # OverlayDescription
    ds.add_new(0x60000040, "CS", "G")
    ds.add_new(0x60000050, "SS", [1, 1])
    ds.add_new(0x60000100, "US", 1)
    ds.add_new(0x60001500, "LO", f"{latin} marks")  # OverlayLabel
    ds.add_new(0x60003000, "OW", b"\x00" * 32)
    ds.add_new(0x50000022, "LO", f"curve of {latin}")  # CurveDescription (retired)
    ds.PatientBirthDateInAlternativeCalendar = _alternative_birth(pi)  # (0010,0033): no row in the table copy
    ds.PatientAlternativeCalendar = "I"
    ds.add_new(0x00402006, "SH", f"PLC{mrn[::-1]}")  # retired Placer Order Number
    ds.DeviceID = f"INJ-{STAFF[pi % 6][:4].upper()}-77"
    gems = ds.private_block(0x0009, "GEMS_PETD_01", create=True)
    gems.add_new(0x37, "LO", f"batch {STAFF[(pi + 4) % 6]}")  # Batch Description: 'k' in the TCIA KB
    gems.add_new(0x14, "LO", latin)  # Landmark Name: 'k' in the TCIA KB


def _date_text(pi: int, shift: int) -> str:
    """A birth date in text, in a format the patient's character set can encode."""
    forms = _text_dates(PATIENTS[pi][5])
    usable = [f for f in forms if PATIENTS[pi][2] in ("ISO 2022 IR 87", "GB18030") or f.isascii()
              or (PATIENTS[pi][2] in ("ISO_IR 100", None) and f.encode("latin-1", "ignore").decode("latin-1") == f)]
    return usable[(pi + shift) % len(usable)]


def _alternative_birth(pi: int) -> str:
    """The birth date in another calendar (a Japanese era year: Showa 1 = 1926)."""
    birth = PATIENTS[pi][5]
    return f"S{int(birth[:4]) - 1925}.{birth[4:6]}.{birth[6:]}"


def _age(pi: int) -> int:
    return 2021 - int(PATIENTS[pi][5][:4])


def _ct(pi: int, n: int) -> Dataset:
    ds = _new("CT", pi, n, PATIENTS[pi][2])
    ds.SamplesPerPixel, ds.PhotometricInterpretation, ds.Rows, ds.Columns = 1, "MONOCHROME2", 16, 16
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 12, 11, 0
    ds.PixelData = (np.arange(256, dtype=np.uint16) * (pi + 1) % 4096).astype("<u2").tobytes()
    ds.BurnedInAnnotation = "NO"
    ds.StudyDescription = "CT ABDOMEN"
    ds.SeriesDescription = "AXIAL 5MM"
    _unlisted_text(ds, pi)
    _patient(ds, pi)
    return ds


def _sr(pi: int, n: int) -> Dataset:
    ds = _new("SR", pi, n, PATIENTS[pi][2])
    latin, mrn, birth = PATIENTS[pi][3], PATIENTS[pi][4], PATIENTS[pi][5]
    ds.ValueType, ds.CompletionFlag, ds.VerificationFlag = "CONTAINER", "COMPLETE", "UNVERIFIED"
    ds.ContinuityOfContent = "SEPARATE"
    ds.ConceptNameCodeSequence = Sequence([_code("18748-4", "LN", "Diagnostic Imaging Report")])

    def item(value_type: str, concept: Dataset, **values: object) -> Dataset:
        it = Dataset()
        it.RelationshipType, it.ValueType = "CONTAINS", value_type
        it.ConceptNameCodeSequence = Sequence([concept])
        for k, v in values.items():
            setattr(it, k, v)
        return it

    deep_text = item("TEXT", _code("121071", "DCM", "Finding"),
                     TextValue=f"Compared with outside films brought by {latin} ({_date_text(pi, 1)}).")
    deep_name = item("PNAME", _code("121008", "DCM", "Person Observer Name"), PersonName=f"{STAFF[pi]}^Ann")
    deep_date = item("DATE", _code("121059", "DCM", "Date of birth"), Date=birth)  # hmm: SR DATE item
    deep_code = item("CODE", _code("121071", "DCM", "Finding"),
                     ConceptCodeSequence=Sequence([_code("LOCAL1", "99CHR", f"nodule {latin.split()[0]}")]))
    deep_uid = item("UIDREF", _code("121232", "DCM", "Source series for image processing"),
                    UID=f"{ROOT_UID}{pi + 1}.1.1")
    level2 = item("CONTAINER", _code("121070", "DCM", "Findings"), ContinuityOfContent="SEPARATE",
                  ContentSequence=Sequence([deep_text, deep_name, deep_date, deep_code, deep_uid]))
    level1 = item("CONTAINER", _code("111028", "DCM", "Image Library"), ContinuityOfContent="SEPARATE",
                  ContentSequence=Sequence([level2]))
    signed = item("TEXT", _code("121106", "DCM", "Comment"),
                  TextValue=f"Electronically signed {STAFF[(pi + 1) % 6].upper()}, {mrn}")
    ds.ContentSequence = Sequence([level1, signed])
    author = Dataset()
    author.ObserverType = "PSN"
    author.PersonName = f"{STAFF[(pi + 2) % 6]}^Lee"
    author.PersonIdentificationCodeSequence = Sequence([_code(f"EMP{mrn[-5:]}", "99CHR", STAFF[(pi + 2) % 6])])
    ds.AuthorObserverSequence = Sequence([author])
    _patient(ds, pi)
    return ds


def _seg(pi: int, n: int) -> Dataset:
    ds = _new("SEG", pi, n, PATIENTS[pi][2])
    latin = PATIENTS[pi][3]
    ds.SamplesPerPixel, ds.PhotometricInterpretation, ds.Rows, ds.Columns = 1, "MONOCHROME2", 16, 16
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 1, 1, 0, 0
    ds.NumberOfFrames = 1
    ds.PixelData = b"\x01" * 32
    ds.SegmentationType = "BINARY"
    ds.ContentLabel = "LIVER"
    ds.ContentDescription = f"liver for {latin}"
    ds.ContentCreatorName = f"{STAFF[(pi + 3) % 6]}^Sam"
    seg = Dataset()
    seg.SegmentNumber = 1
    seg.SegmentLabel = f"Liver {latin.split()[0]}"
    seg.SegmentDescription = f"drawn by {STAFF[(pi + 4) % 6]}"
    seg.SegmentAlgorithmType = "SEMIAUTOMATIC"
    seg.SegmentAlgorithmName = "3D Slicer"
    seg.SegmentedPropertyCategoryCodeSequence = Sequence([_code("123037004", "SCT", "Anatomical Structure")])
    seg.SegmentedPropertyTypeCodeSequence = Sequence([_code("10200004", "SCT", "Liver")])
    ds.SegmentSequence = Sequence([seg])
    _patient(ds, pi)
    return ds


def _rtstruct(pi: int, n: int) -> Dataset:
    ds = _new("RTSTRUCT", pi, n, PATIENTS[pi][2])
    latin = PATIENTS[pi][3]
    ds.StructureSetLabel = "PLAN1"
    ds.StructureSetDate, ds.StructureSetTime = "20210611", "120000"
    roi = Dataset()
    roi.ROINumber, roi.ReferencedFrameOfReferenceUID = 1, ds.FrameOfReferenceUID
    roi.ROIName, roi.ROIGenerationAlgorithm = "PTV", "MANUAL"
    ds.StructureSetROISequence = Sequence([roi])
    obs = Dataset()
    obs.ObservationNumber, obs.ReferencedROINumber, obs.RTROIInterpretedType = 1, 1, "PTV"
    obs.ROIObservationLabel = f"PTV {latin.split()[0].upper()}"
    obs.ROIObservationDescription = f"approved by {STAFF[pi]}"
    obs.ROIInterpreter = ""
    ds.RTROIObservationsSequence = Sequence([obs])
    contour = Dataset()
    contour.ReferencedROINumber, contour.ROIDisplayColor = 1, [255, 0, 0]
    ds.ROIContourSequence = Sequence([contour])
    _patient(ds, pi)
    return ds


def _pdf_bytes(text: str) -> bytes:
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode("latin-1")
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>",
            b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream"]
    out = b"%PDF-1.4\n" + b"".join(b"%d 0 obj\n" % (i + 1) + o + b"\nendobj\n" for i, o in enumerate(objs))
    out += b"trailer\n<< /Root 1 0 R >>\n%%EOF\n"
    return out + b"\0" * (len(out) % 2)


def _document(kind: str, pi: int, n: int) -> Dataset:
    ds = _new(kind, pi, n, PATIENTS[pi][2])
    latin, mrn = PATIENTS[pi][3], PATIENTS[pi][4]
    ds.BurnedInAnnotation = "YES"
    ds.DocumentTitle = f"Referral letter {latin}"
    ds.ConceptNameCodeSequence = Sequence([_code("18748-4", "LN", "Diagnostic Imaging Report")])
    if kind == "PDF":
        ds.MIMETypeOfEncapsulatedDocument = "application/pdf"
        ds.EncapsulatedDocument = _pdf_bytes(f"Patient {latin} MRN {mrn} referred by Dr {STAFF[pi]}")
    else:
        ds.MIMETypeOfEncapsulatedDocument = "text/XML"
        cda = (f'<ClinicalDocument xmlns="urn:hl7-org:v3"><recordTarget><patientRole><id extension="{mrn}"/>'
               f"<patient><name>{latin}</name></patient></patientRole></recordTarget></ClinicalDocument>")
        data = cda.encode()
        ds.EncapsulatedDocument = data + b" " * (len(data) % 2)
    _patient(ds, pi)
    return ds


def _ecg(pi: int, n: int) -> Dataset:
    ds = _new("ECG", pi, n, PATIENTS[pi][2])
    wave = Dataset()
    wave.WaveformOriginality, wave.NumberOfWaveformChannels, wave.NumberOfWaveformSamples = "ORIGINAL", 1, 8
    wave.SamplingFrequency, wave.WaveformBitsAllocated, wave.WaveformSampleInterpretation = 500, 16, "SS"
    channel = Dataset()
    channel.ChannelSourceSequence = Sequence([_code("2:1", "MDC", "Lead I")])
    channel.ChannelSensitivity, channel.ChannelSensitivityUnitsSequence = 1, Sequence([_code("uV", "UCUM", "microvolt")])
    channel.ChannelLabel = "I"
    channel.WaveformBitsStored = 16
    wave.ChannelDefinitionSequence = Sequence([channel])
    wave.WaveformData = np.arange(8, dtype="<i2").tobytes()
    ds.WaveformSequence = Sequence([wave])
    note = Dataset()
    note.UnformattedTextValue = f"Read by Dr. {STAFF[(pi + 1) % 6]} for {PATIENTS[pi][3]}"
    note.ReferencedWaveformChannels = [1, 1]
    ds.WaveformAnnotationSequence = Sequence([note])
    _patient(ds, pi)
    return ds


def _gsps(pi: int, n: int) -> Dataset:
    ds = _new("GSPS", pi, n, PATIENTS[pi][2])
    ds.ContentLabel = "ANNOT"
    ds.ContentDescription = "measurements"
    ds.PresentationCreationDate, ds.PresentationCreationTime = "20210611", "100000"
    ds.ContentCreatorName = f"{STAFF[(pi + 2) % 6]}^Pat"
    text = Dataset()
    text.UnformattedTextValue = f"{PATIENTS[pi][3]} {PATIENTS[pi][4]} (Dr {STAFF[(pi + 3) % 6]})"
    text.BoundingBoxAnnotationUnits = "PIXEL"
    text.BoundingBoxTopLeftHandCorner, text.BoundingBoxBottomRightHandCorner = [1, 1], [10, 5]
    text.BoundingBoxTextHorizontalJustification = "LEFT"
    annotation = Dataset()
    annotation.GraphicLayer = "LAYER1"
    annotation.TextObjectSequence = Sequence([text])
    ds.GraphicAnnotationSequence = Sequence([annotation])
    layer = Dataset()
    layer.GraphicLayer, layer.GraphicLayerOrder = "LAYER1", 1
    layer.GraphicLayerDescription = f"layer of {STAFF[(pi + 4) % 6]}"
    ds.GraphicLayerSequence = Sequence([layer])
    _patient(ds, pi)
    return ds


BUILDERS = (("CT", _ct), ("SR", _sr), ("SEG", _seg), ("RTSTRUCT", _rtstruct), ("PDF", lambda p, n: _document("PDF", p, n)),
            ("CDA", lambda p, n: _document("CDA", p, n)), ("ECG", _ecg), ("GSPS", _gsps))


def _save(ds: Dataset) -> bytes:
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID, meta.MediaStorageSOPInstanceUID = ds.SOPClassUID, ds.SOPInstanceUID
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    meta.ImplementationClassUID = ROOT_UID + "1"
    ds.file_meta = meta
    buffer = io.BytesIO()
    ds.save_as(buffer, enforce_file_format=True)
    return buffer.getvalue()


def _plants() -> list[Plant]:
    plants: list[Plant] = []
    for pi, (family, given, _cs, latin, mrn, birth, phone, city) in enumerate(PATIENTS):
        plants.append(Plant(f"{family}{given}" if not re.search(r"[A-Za-zА-я]", family) else f"{given} {family}",
                            "patient name", (family, given, *(w for w in latin.split() if len(w) >= 4))))
        plants += [Plant(mrn, "mrn", (f"{mrn[:4]}-{mrn[4:]}",)), Plant(birth, "birth date"),
                   Plant(STREETS[pi], "street"), Plant(city, "city"), Plant(phone, "phone", (re.sub(r"\D", "", phone),))]
        plants += [Plant(d, "birth date (text)") for d in sorted({_date_text(pi, k) for k in (0, 1, 3)})]
        plants.append(Plant(f"portal.chr.example/patient/{mrn}", "url"))
        plants += [Plant(_alternative_birth(pi), "birth date (alternative calendar)"),
                   Plant(f"PLC{mrn[::-1]}", "order number")]
    plants += [Plant(s, "staff") for s in STAFF]
    return plants


def write_archive(root: str | Path) -> Archive:
    root = Path(root)
    archive = Archive(root=root, plants=_plants())
    for pi, (_f, _g, _cs, latin, mrn, *_rest) in enumerate(PATIENTS):
        site = f"site_{'abc'[pi % 3]}"
        members: list[tuple[str, bytes]] = []
        for n, (kind, build) in enumerate(BUILDERS):
            ds = build(pi, n)
            members.append((f"{latin.replace(' ', '_')}_{mrn}/{kind}_{n}.dcm", _save(ds)))
        members.append((f"{latin.replace(' ', '_')}_{mrn}/notes_{latin.split()[0]}.txt", f"{latin} {mrn}\n".encode()))
        if pi == 5:  # one site exports a tar.gz whose member names carry the names
            with tarfile.open(root / f"{site}_export.tar.gz", "w:gz", format=tarfile.PAX_FORMAT) as tf:
                for name, data in members:
                    info = tarfile.TarInfo(f"{site}/{name}")
                    info.size, info.mtime = len(data), 1_600_000_000
                    tf.addfile(info, io.BytesIO(data))
        else:
            for name, data in members:
                path = root / site / name
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(data)
        archive.files += len(members)
    return archive
