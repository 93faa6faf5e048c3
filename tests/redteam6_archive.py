"""Red team, round 6: identifiers on surfaces that the earlier generators leave alone
(tests/redteam_archive.py, tests/redteam5_archive.py, tests/hostile.py, tests/adversarial*.py,
curator/testing/planted.py).  Written from scratch with pydicom, numpy and Pillow; it imports
nothing from those files or from curator.

One person per surface, so a hit says where it came from:

- ``jpeg``: a CT whose encapsulated JPEG frame carries the name and ID in a COM segment and
  in an APP1 (XMP) segment;
- ``j2k``: a Greek patient whose JPEG 2000 codestream holds a COM marker (Latin spelling);
- ``pdf``: an Encapsulated PDF report (name, ID, birth date in the PDF text and Info);
- ``cda``: an Encapsulated CDA document (name, ID, birth time, address, phone in the XML);
- ``dicomdir``: a DICOMDIR whose PATIENT record names a person no image names;
- ``packed``: a zip whose comment names a person, holding a tar whose member folder and a
  symlink member are named after a second person (their files name nobody);
- ``unicode``: one name written with decomposed accents, zero-width characters, a soft
  hyphen, right-to-left marks, full-width letters and mixed case in kept strings;
- ``pn``: a Korean patient with alphabetic=ideographic=phonetic groups; the Hangul and
  Hanja forms alone in free text and codes;
- ``forms``: a name in "Given Surname" and "G. Surname" form, an ID of digits only written
  with separators, the birth date in three other formats, address and phone in free text;
- ``meta``: the file meta (Source AE Title, Implementation Version Name), a private creator,
  Station Name and Device Serial Number naming the patient or holding the ID;
- ``staff``: physician and institution names repeated in descriptions and device strings;
- ``short``: Arabic and Hebrew given names of under three consonants ("Reem", "Dan") spelt
  in Latin letters in kept strings;
- ``folder``: a readable image whose header names nobody, in a folder (and under a file
  name) named after a person;
- ``privbin``: safe private byte values (OB) holding the name in Shift_JIS and UTF-16 and
  the accession number;
- ``links``: a symbolic link and a zip member named after a person whose files name nobody.

``build(root)`` writes the archive and returns a :class:`Planted`; ``leaks(paths, planted,
consoles)`` lists every plant found in outputs.
"""
from __future__ import annotations

import io
import itertools
import re
import struct
import tarfile
import unicodedata
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image
from pydicom import Dataset
from pydicom.dataset import FileMetaDataset
from pydicom.encaps import encapsulate
from pydicom.fileset import FileSet
from pydicom.sequence import Sequence

UID_ROOT = "1.2.826.0.1.3680043.10.906."
SOP = {
    "CT": "1.2.840.10008.5.1.4.1.1.2",
    "PDF": "1.2.840.10008.5.1.4.1.1.104.1",
    "CDA": "1.2.840.10008.5.1.4.1.1.104.2",
}
EXPLICIT, JPEG_BASELINE, J2K_LOSSLESS = "1.2.840.10008.1.2.1", "1.2.840.10008.1.2.4.50", "1.2.840.10008.1.2.4.90"
_serial = itertools.count(1)


@dataclass
class Planted:
    """Where the archive is, the (text, surface) pairs planted in it and the items (files
    and archive members) curator must account for."""

    root: Path
    texts: list[tuple[str, str]] = field(default_factory=list)
    items: int = 0

    def add(self, surface: str, *texts: str) -> None:
        self.texts.extend((t, surface) for t in texts if (t, surface) not in self.texts)


def _new_uid() -> str:
    return UID_ROOT + str(next(_serial))


def _header(sop: str, name: str, pid: str, charset: str = "ISO_IR 192", syntax: str = EXPLICIT) -> Dataset:
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = sop
    meta.MediaStorageSOPInstanceUID = _new_uid()
    meta.TransferSyntaxUID = syntax
    ds = Dataset()
    ds.file_meta = meta
    ds.SpecificCharacterSet = charset
    ds.SOPClassUID, ds.SOPInstanceUID = sop, meta.MediaStorageSOPInstanceUID
    ds.StudyInstanceUID, ds.SeriesInstanceUID = _new_uid(), _new_uid()
    ds.PatientName, ds.PatientID = name, pid
    ds.PatientBirthDate, ds.PatientSex, ds.PatientAge = "19570312", "F", "066Y"
    ds.StudyDate = ds.SeriesDate = ds.ContentDate = "20230619"
    ds.StudyTime = ds.SeriesTime = ds.ContentTime = "084500"
    ds.AccessionNumber, ds.ReferringPhysicianName, ds.StudyID = "", "", "7"
    ds.SeriesNumber, ds.InstanceNumber = 2, 1
    ds.Manufacturer, ds.InstitutionName = "RT6 Imaging", "RT6 Clinic"
    ds.Modality = "CT" if sop == SOP["CT"] else "DOC"
    return ds


def _phantom(size: int = 64) -> np.ndarray:
    y, x = np.mgrid[:size, :size]
    ring = np.hypot(y - size / 2, x - size / 2) < size * 0.3
    return (ring * (90 + 30 * np.sin(x / 7.0))).astype(np.uint8)


def _pixels_attributes(ds: Dataset, size: int = 64) -> None:
    ds.Rows = ds.Columns = size
    ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
    ds.BitsAllocated = ds.BitsStored = 8
    ds.HighBit, ds.PixelRepresentation = 7, 0
    ds.ImageType = ["ORIGINAL", "PRIMARY", "AXIAL"]
    ds.SliceThickness, ds.PixelSpacing = "2.5", ["0.7", "0.7"]


def _segment(marker: int, payload: bytes) -> bytes:
    return struct.pack(">HH", marker, len(payload) + 2) + payload


def _jpeg_with_text(pixels: np.ndarray, comment: str, xmp: str) -> bytes:
    """A baseline JPEG whose COM and APP1 segments hold text, right after SOI."""
    out = io.BytesIO()
    Image.fromarray(pixels).save(out, "JPEG", quality=95)
    data = out.getvalue()
    extra = _segment(0xFFFE, comment.encode("utf-8"))
    extra += _segment(0xFFE1, b"http://ns.adobe.com/xap/1.0/\0" + xmp.encode("utf-8"))
    return data[:2] + extra + data[2:]


def _j2k_with_comment(pixels: np.ndarray, comment: str) -> bytes:
    """A lossless JPEG 2000 codestream with a COM marker (Latin-1 text) before the first tile."""
    out = io.BytesIO()
    Image.fromarray(pixels).save(out, "JPEG2000", no_jp2=True, irreversible=False)
    data = out.getvalue()
    at = data.index(b"\xff\x90")  # SOT: the main header ends here
    marker = struct.pack(">HHH", 0xFF64, len(comment) + 4, 1) + comment.encode("latin-1")
    return data[:at] + marker + data[at:]


def _write(ds: Dataset, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    ds.save_as(path, enforce_file_format=True)


def _jpeg(p: Planted) -> None:
    ds = _header(SOP["CT"], "Wiśniewska^Bożena", "48213577", syntax=JPEG_BASELINE)
    _pixels_attributes(ds)
    ds.LossyImageCompression = "01"
    frame = _jpeg_with_text(_phantom(), "Pacjentka WISNIEWSKA Bozena ID 48213577 ur. 1957-03-12",
                            "<x:xmpmeta><dc:creator>Bożena Wiśniewska</dc:creator><pid>48213577</pid></x:xmpmeta>")
    ds.PixelData = encapsulate([frame])
    ds["PixelData"].VR = "OB"
    _write(ds, p.root / "KRAKOW" / "jpeg" / "im1.dcm")
    p.add("jpeg", "Wisniewska", "Bozena", "48213577")
    p.items += 1


def _j2k(p: Planted) -> None:
    ds = _header(SOP["CT"], "ΠΑΠΑΔΟΠΟΥΛΟΥ^ΑΙΚΑΤΕΡΙΝΗ", "GR-5531902", charset="ISO_IR 126", syntax=J2K_LOSSLESS)
    _pixels_attributes(ds)
    ds.PixelData = encapsulate([_j2k_with_comment(_phantom(), "PAPADOPOULOU AIKATERINI GR-5531902")])
    ds["PixelData"].VR = "OB"
    _write(ds, p.root / "ATHINA" / "j2k" / "im1.dcm")
    p.add("j2k", "Papadopoulou", "Aikaterini", "5531902")
    p.items += 1


def _pdf_bytes(lines: list[str], author: str) -> bytes:
    """A one-page PDF 1.4 with ``lines`` in an uncompressed content stream (Helvetica)."""
    text = "BT /F1 11 Tf 40 780 Td " + " ".join(f"({line}) Tj 0 -16 Td" for line in lines) + " ET"
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        "/Resources << /Font << /F1 5 0 R >> >> >>",
        f"<< /Length {len(text)} >>\nstream\n{text}\nendstream",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        f"<< /Author ({author}) /Title (Referral) >>",
    ]
    body, offsets = b"%PDF-1.4\n", []
    for number, obj in enumerate(objects, 1):
        offsets.append(len(body))
        body += f"{number} 0 obj\n{obj}\nendobj\n".encode("latin-1")
    xref = len(body)
    body += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    body += "".join(f"{o:010d} 00000 n \n" for o in offsets).encode()
    body += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R /Info 6 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return body


def _documents(p: Planted) -> None:
    pdf = _header(SOP["PDF"], "Østergård^Sølvi", "NO-88120456")
    pdf.DocumentTitle = "Henvisning"
    pdf.MIMETypeOfEncapsulatedDocument = "application/pdf"
    pdf.BurnedInAnnotation = "YES"
    pdf.ConceptNameCodeSequence = Sequence()
    data = _pdf_bytes(["Henvisning CT thorax", "Pasient: Solvi Ostergard", "Fnr 12035744321, NO-88120456"],
                      "Solvi Ostergard")
    pdf.EncapsulatedDocument = data + (b"\0" if len(data) % 2 else b"")
    _write(pdf, p.root / "BERGEN" / "pdf" / "doc1.dcm")
    p.add("pdf", "Ostergard", "Solvi", "88120456", "12035744321")
    cda = _header(SOP["CDA"], "Laaksonen^Aino", "FI-130357-842T")
    cda.DocumentTitle = "Lähete"
    cda.MIMETypeOfEncapsulatedDocument = "text/XML"
    cda.BurnedInAnnotation = "YES"
    cda.ConceptNameCodeSequence = Sequence()
    xml = ('<?xml version="1.0" encoding="UTF-8"?><ClinicalDocument xmlns="urn:hl7-org:v3"><recordTarget>'
           '<patientRole><id extension="FI-130357-842T"/><addr><streetAddressLine>Mannerheimintie 44 B</streetAddressLine>'
           '<city>Helsinki</city></addr><telecom value="tel:+358401234987"/><patient><name><given>Aino</given>'
           '<family>Laaksonen</family></name><birthTime value="19570313"/></patient></patientRole></recordTarget>'
           '</ClinicalDocument>')
    data = xml.encode("utf-8")
    cda.EncapsulatedDocument = data + (b" " if len(data) % 2 else b"")
    _write(cda, p.root / "HELSINKI" / "cda" / "doc1.dcm")
    p.add("cda", "Laaksonen", "130357-842T", "Mannerheimintie", "358401234987")
    p.items += 2


def _dicomdir(p: Planted) -> None:
    """A DICOMDIR whose only PATIENT record names a person no image names; its image is a
    plain CT of an anonymous patient."""
    ds = _header(SOP["CT"], "ANONYMIZED", "ANON0001")
    _pixels_attributes(ds)
    ds.PixelData = _phantom().tobytes()
    folder = p.root / "LJUBLJANA"
    _write(ds, folder / "IMAGES" / "IM0001")
    record = ds.copy()
    record.PatientName, record.PatientID = "Kovačič^Urška", "SI-2604957"
    record.PatientBirthDate = "19570426"
    fs = FileSet()
    fs.add(record)
    fs.write(folder / "dicomdir_out")
    (folder / "DICOMDIR").write_bytes((folder / "dicomdir_out" / "DICOMDIR").read_bytes())
    for leftover in sorted((folder / "dicomdir_out").rglob("*"), reverse=True):
        leftover.rmdir() if leftover.is_dir() else leftover.unlink()
    (folder / "dicomdir_out").rmdir()
    p.add("dicomdir", "Kovacic", "Urska", "2604957")
    p.items += 2


def _plain_ct(name: str, pid: str) -> bytes:
    ds = _header(SOP["CT"], name, pid)
    _pixels_attributes(ds)
    ds.PixelData = _phantom().tobytes()
    out = io.BytesIO()
    ds.save_as(out, enforce_file_format=True)
    return out.getvalue()


def _packed(p: Planted) -> None:
    """zip (comment names Jovanović) > tar (folder and symlink named after Hadžić) > CTs of ANON."""
    tar_bytes = io.BytesIO()
    with tarfile.open(fileobj=tar_bytes, mode="w") as tar:
        data = _plain_ct("ANON^ONE", "ANON0002")
        info = tarfile.TarInfo("Hadzic Emina 1957/ct1.dcm")
        info.size, info.mtime = len(data), 1700000000
        tar.addfile(info, io.BytesIO(data))
        link = tarfile.TarInfo("Emina_Hadzic_link.dcm")
        link.type, link.linkname, link.mtime = tarfile.SYMTYPE, "Hadzic Emina 1957/ct1.dcm", 1700000000
        tar.addfile(link)
    target = p.root / "SARAJEVO" / "export.zip"
    target.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(target, "w") as zf:
        zf.comment = "Export for Dragana Jovanovic, MRN 77031288".encode()
        zf.writestr(zipfile.ZipInfo("inner.tar", (2023, 6, 19, 8, 0, 0)), tar_bytes.getvalue())
    p.add("packed", "Jovanovic", "Dragana", "77031288", "Hadzic", "Emina")
    p.items += 1  # the tar inside: rejected, not expanded


def _unicode(p: Planted) -> None:
    ds = _header(SOP["CT"], "Kowalczyk^Józef", "PL-66120934")
    _pixels_attributes(ds)
    ds.PixelData = _phantom().tobytes()
    ds.StudyDescription = unicodedata.normalize("NFD", "CT głowy Józef Kowalczyk")
    ds.SeriesDescription = "Ｋｏｗａｌｃｚｙｋ ＣＴ"
    ds.ProtocolName = "Kowal\u00adczyk head"
    ds.SoftwareVersions = ["VA40", "Ko\u200bwal\u200dczyk"]
    ds.ImageComments = "\u202bKOWALCZYK\u202c JOZEF"
    ds.ManufacturerModelName = "kOwAlCzYk-3000"
    ds.BodyPartExamined = "KOWALCZYK"
    _write(ds, p.root / "LODZ" / "unicode" / "im1.dcm")
    p.add("unicode", "Kowalczyk", "66120934")
    p.items += 1


def _pn_groups(p: Planted) -> None:
    ds = _header(SOP["CT"], "Seo^Yeonwoo=徐^娟雨=서^연우", "KR-570312-2")
    _pixels_attributes(ds)
    ds.PixelData = _phantom().tobytes()
    ds.StudyDescription = "서연우 흉부 CT"
    ds.SeriesDescription = "徐娟雨 CT"
    ds.ImageComments = "연우 서"
    ds.SoftwareVersions = "SEOYEONWOO"
    _write(ds, p.root / "SEOUL" / "pn" / "im1.dcm")
    p.add("pn", "서연우", "徐娟雨", "연우", "Yeonwoo", "570312-2")
    p.items += 1


def _forms(p: Planted) -> None:
    ds = _header(SOP["CT"], "NOWICKA^AGNIESZKA", "57031212345")
    _pixels_attributes(ds)
    ds.PixelData = _phantom().tobytes()
    ds.PatientAddress = "ul. Lipowa 17, 00-950 Warszawa"
    ds.PatientTelephoneNumbers = "+48 601 234 567"
    ds.StudyDescription = "CT Agnieszka Nowicka"
    ds.SeriesDescription = "A. Nowicka kontrola"
    ds.ImageComments = ("Pesel 570-312-123-45 / 57031 212345; ur. 12.03.1957, 1957/03/12, 12 mars 1957; "
                        "adres ul. Lipowa 17; tel. 601-234-567")
    ds.AdditionalPatientHistory = "Kontrola po 12.03.1957 (Nowicka A.), pisownia: N o w i c k a"
    ds.ProtocolName = "N.O.W.I.C.K.A CT"
    ds.RequestedProcedureDescription = "CT 570 312 123 45"
    _write(ds, p.root / "WARSZAWA" / "57031212345" / "im1.dcm")
    p.add("forms", "Nowicka", "Agnieszka", "57031212345", "570-312-123-45", "57031 212345", "570 312 123 45",
          "12.03.1957", "1957/03/12", "12 mars 1957", "Lipowa", "601-234-567")
    p.items += 1


def _meta(p: Planted) -> None:
    ds = _header(SOP["CT"], "Dvořák^Přemysl", "CZ7705128899", charset="ISO_IR 101")
    _pixels_attributes(ds)
    ds.PixelData = _phantom().tobytes()
    ds.file_meta.SourceApplicationEntityTitle = "DVORAK_PREMYSL"
    ds.file_meta.ImplementationVersionName = "PDVORAK77"
    ds.StationName = "CT-DVORAK"
    ds.DeviceSerialNumber = "CZ7705128899"
    block = ds.private_block(0x0029, "DVORAK PREMYSL LAB", create=True)
    block.add_new(0x10, "LO", "viewer")
    _write(ds, p.root / "BRNO" / "meta" / "im1.dcm")
    p.add("meta", "Dvorak", "Premysl", "7705128899")
    p.items += 1


def _staff(p: Planted) -> None:
    ds = _header(SOP["CT"], "Brunner^Heidi", "CH-40331")
    _pixels_attributes(ds)
    ds.PixelData = _phantom().tobytes()
    ds.ReferringPhysicianName = "Oberholzer^Matthias^^Dr. med."
    ds.PerformingPhysicianName = "Zwahlen^Regula"
    ds.InstitutionName = "Praxis Dr. Oberholzer"
    ds.InstitutionAddress = "Seefeldstrasse 212, 8008 Zürich, Tel. +41 44 381 22 90"
    ds.StudyDescription = "CT Thorax (Zuweiser Oberholzer)"
    ds.SeriesDescription = "Thorax Zwahlen"
    ds.StationName = "OBERHOLZER1"
    ds.SoftwareVersions = "build OBERHOLZER"
    ds.ImageComments = "Rückfragen Tel. +41 44 381 22 90, Seefeldstrasse 212"
    _write(ds, p.root / "ZURICH" / "staff" / "im1.dcm")
    p.add("staff", "Oberholzer", "Zwahlen", "Seefeldstrasse", "381 22 90")
    p.items += 1


def _short(p: Planted) -> None:
    for folder, name, pid, charset, latin in (
        ("RIYADH", "العتيبي^ريم", "SA-30118", "ISO_IR 127", ("REEM", "Reem")),
        ("HAIFA", "כץ^דן", "IL-52204", "ISO_IR 138", ("DAN", "Dan")),
    ):
        ds = _header(SOP["CT"], name, pid, charset=charset)
        _pixels_attributes(ds)
        ds.PixelData = _phantom().tobytes()
        ds.SoftwareVersions = f"build {latin[1]}"
        ds.BodyPartExamined = latin[0]
        ds.private_block(0x2005, "Philips MR Imaging DD 001", create=True).add_new(0x14, "CS", f"{latin[0]} CHEST")
        _write(ds, p.root / folder / "short" / "im1.dcm")
        p.add("short", latin[1])
        p.items += 1


def _folder(p: Planted) -> None:
    ds = _header(SOP["CT"], "", "")
    _pixels_attributes(ds)
    ds.PixelData = _phantom().tobytes()
    _write(ds, p.root / "GDYNIA" / "Zielinska Marta 1957-03-12" / "Zielinska_CT.dcm")
    p.add("folder", "Zielinska", "Marta")
    p.items += 1


def _private_bytes(p: Planted) -> None:
    """Safe private byte values (TCIA `k`, OB): a Fuji Kanji Department Name holding the
    Japanese name in Shift_JIS, a GE product ID holding the Latin name in UTF-16, a Sectra
    examination number that is the accession number."""
    ds = _header(SOP["CT"], "Tanaka^Yumiko=田中^由美子", "JP-88412", charset=["", "ISO 2022 IR 87"])
    _pixels_attributes(ds)
    ds.PixelData = _phantom().tobytes()
    ds.AccessionNumber = "RT6A77120"
    ds.private_block(0x0009, "FDMS 1.0", create=True).add_new(0x92, "OB", "田中由美子".encode("shift_jis"))
    ds.private_block(0x0009, "GEMS_IDEN_01", create=True).add_new(0x04, "OB", "TANAKA YUMIKO".encode("utf-16-le"))
    ds.private_block(0x0009, "SECTRA_Ident_01", create=True).add_new(0x02, "OB", b"RT6A77120 ")
    _write(ds, p.root / "OSAKA" / "privbin" / "im1.dcm")
    p.add("privbin", "Tanaka", "Yumiko", "田中", "RT6A77120")
    p.items += 1


def _links(p: Planted) -> None:
    """A symbolic link and a zip member named after a person whose files name nobody."""
    target = p.root / "GDYNIA" / "Zielinska Marta 1957-03-12" / "Zielinska_CT.dcm"
    (p.root / "GDYNIA" / "Nowakowska_Halina.dcm").symlink_to(target)
    with zipfile.ZipFile(p.root / "GDYNIA" / "transfer.zip", "w") as zf:
        zf.writestr(zipfile.ZipInfo("Nowakowska Halina/ct.dcm", (2023, 6, 19, 8, 0, 0)), _plain_ct("", ""))
    p.add("links", "Nowakowska", "Halina")
    p.items += 2

# Red team 17's plant-list audit (tests/plant_audit.py): identifiers this archive writes that its plant
# list lacked (now searched for too), and values that look identifying but are not, with the reason.
AUDIT_PLANTS = (
    'SA-30118', 'CH-40331', 'IL-52204', 'JP-88412', 'Aino', 'Brunner', 'Heidi', 'Józef', 'Matthias',
    'Warszawa', 'ΑΙΚΑΤΕΡΙΝΗ', 'ΠΑΠΑΔΟΠΟΥΛΟΥ', 'العتيبي', 'ريم', '由美子',
)
AUDIT_SAFE: dict[str, str] = {
    'Zwahlen^Regula': "'Zwahlen' is a plant; 'Regula' is found inside 'regulation' of every catalog (the search finds substrings)",
    'ANON0001': "a site's anonymised placeholder ID",
    'ANONYMIZED': "a site's anonymised placeholder name",
    'IM000000': 'a DICOMDIR file ID the export writer numbers',
    'PT000000': 'a DICOMDIR file ID the export writer numbers',
    'SE000000': 'a DICOMDIR file ID the export writer numbers',
    'ST000000': 'a DICOMDIR file ID the export writer numbers',
}



def build(root: Path) -> Planted:
    planted = Planted(root)
    for surface in (_jpeg, _j2k, _documents, _dicomdir, _packed, _unicode, _pn_groups, _forms, _meta,
                    _staff, _short, _folder, _private_bytes, _links):
        surface(planted)
    planted.add("forms", *AUDIT_PLANTS)  # the header values, a form of the name surface
    return planted


# --- searching outputs -----------------------------------------------------------------------

ENCODINGS = ("utf-8", "utf-16-le", "utf-16-be", "latin-1", "cp1250", "cp1251", "iso8859-7", "iso8859-8", "iso8859-6",
             "cp1256", "euc-kr", "shift_jis", "gb18030", "iso2022_jp", "iso2022_kr")
_TWO_BYTE = ("utf-16-le", "utf-16-be", "euc-kr", "shift_jis", "gb18030")  # also read from the second byte
_INVISIBLE = dict.fromkeys(c for c in range(0x110000) if unicodedata.category(chr(c)) == "Cf")
_GAPS = re.compile(r"[\s\-_.,/^]+")


def folded(text: str) -> str:
    """Compatibility-decomposed (full-width letters become ASCII), without accents, format
    characters (zero-width, bidi marks, soft hyphen) and case."""
    text = unicodedata.normalize("NFKD", text).translate(_INVISIBLE)
    return "".join(c for c in text if not unicodedata.combining(c)).casefold()


def _blobs(paths: list[Path]) -> list[tuple[str, bytes]]:
    out: list[tuple[str, bytes]] = []
    for top in paths:
        files = sorted(x for x in top.rglob("*") if x.is_file()) if top.is_dir() else [top]
        for path in files:
            data = path.read_bytes()
            out.append((f"name of {path}", str(path.relative_to(top)).encode("utf-8", "surrogateescape")))
            if path.suffix == ".parquet":  # its cells, not its compressed bytes (salted, random:
                import pyarrow.parquet as pq  # a short name turned up in them by chance)

                out.append((f"cells of {path}", repr(pq.read_table(path).to_pylist()).encode("utf-8") + repr(pq.read_metadata(path).metadata).encode("utf-8")))
                continue
            at = data.rfind(b"\xe0\x7f\x10\x00OW") if data[128:132] == b"DICM" else -1
            out.append((str(path), data[:at] if at > 0 else data))  # native 16-bit pixels read as UTF-16 spell letters
            if zipfile.is_zipfile(path):
                with zipfile.ZipFile(path) as zf:
                    out.append((f"comment of {path}", zf.comment))
                    out.extend((f"{path}!{m}", m.encode() + b"\n" + zf.read(m)) for m in zf.namelist())
    return out


def leaks(paths: list[Path], planted: Planted, consoles: dict[str, str] | None = None) -> list[tuple[str, str, str]]:
    """(where, text, surface) for each plant found in files, file names, zip members, Parquet
    cells or console texts, in any of ENCODINGS, folded; names also with separators removed."""
    blobs = _blobs(paths) + [(f"console of {k}", v.encode("utf-8")) for k, v in (consoles or {}).items()]
    found = []
    for where, data in blobs:
        readings = {folded(data.decode(codec, "ignore")) for codec in ENCODINGS}
        readings |= {folded(data[1:].decode(codec, "ignore")) for codec in _TWO_BYTE}
        squeezed = {_GAPS.sub("", r) for r in readings}
        for text, surface in planted.texts:
            needle = folded(text)
            bare = _GAPS.sub("", needle)
            if len(needle) <= 4:  # "Dan", "Reem": as a word only ("standard" holds "dan")
                word = re.compile(rf"(?<![^\W\d_]){re.escape(needle)}(?![^\W\d_])")
                hit = any(word.search(r) for r in readings)
            else:
                hit = any(needle in r for r in readings) or (len(bare) >= 5 and any(bare in s for s in squeezed))
            if hit:
                found.append((where, text, surface))
    return found
