"""Text whose bytes are not its declared Specific Character Set (0008,0005), as real archives write
it, and honest controls.  Every person, number and address is invented.

Wrong declarations (the bytes, the declaration):

- ``LISBOA_GE`` CT: UTF-8 under ``ISO_IR 100`` ("TC TÓRAX C+"; a name in a Request Attributes item);
- ``MADRID_SIEMENS`` MR: UTF-8 without a declaration;
- ``BERLIN_SIEMENS`` CT: UTF-8 under the multi-valued ``ISO 2022 IR 6\\ISO 2022 IR 100``;
- ``ZURICH_PHILIPS`` CR: Latin-1 without a declaration;
- ``SHANGHAI_UIH`` CT: GB18030 without a declaration;
- ``OSAKA_CANON`` MR: Shift-JIS under ``GB18030`` (kanji and full-width katakana name groups);
- ``KOBE_FUJIFILM`` CR: Shift-JIS (half-width katakana name, kanji description) without a declaration;
- ``PARIS_GE`` CT: Windows-1252 (œ, –, curly quotes: bytes 0x80-0x9F) under ``ISO_IR 100``;
- ``MOSCOW_SIEMENS`` CT: Windows-1251 under ``ISO_IR 144``.

Controls, declared right (read exactly as before): ``COIMBRA_GE`` (Latin-1 capitals "SÃO JOÃO
AÇÃO": half-width katakana if read as Shift-JIS), ``HARBIN_UIH`` (GB18030), ``NOVOSIBIRSK_PHILIPS``
(ISO 8859-5), ``NAGOYA_CANON`` (``\\ISO 2022 IR 87``, multi-valued), ``SEOUL_SAMSUNG`` (UTF-8),
``ATHENS_AGFA`` (ISO 8859-7).

:data:`FILES` gives each file's site, its declaration, what its text is and the description and
clinical words the index and a controlled-access release must keep.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pydicom.dataelem import DataElement
from pydicom.dataset import Dataset
from pydicom.multival import MultiValue
from pydicom.valuerep import PersonName

from plants import Plant, Planted, dataset, pixels, sequence, uid, write

ROOT = "1.2.826.0.1.3680043.10.1919"
CT, MR, CR = "1.2.840.10008.5.1.4.1.1.2", "1.2.840.10008.5.1.4.1.1.4", "1.2.840.10008.5.1.4.1.1.1"
HEADER = "a name or an ID in the header, its bytes not in the declared character set"
CONTROL = "a name or an ID in the header of a control (declared right)"
_TEXT_VRS = frozenset({"SH", "LO", "ST", "LT", "UT", "UC", "PN"})


@dataclass(frozen=True)
class File:
    site: str
    sop_class: str
    modality: str
    codec: str  # the bytes the text is written in
    declared: str | list[str] | None  # None: no Specific Character Set
    label: str | None  # the index's text_charset (None: read as declared)
    name: str
    mrn: str
    description: str
    comment: str
    kept: tuple[str, ...]  # clinical words a controlled-access release keeps (its twin declared right keeps them;
    # the allowlist of free text has no Chinese, Cyrillic or Greek words: all go, declared right or not)
    names: tuple[str, ...]  # the words of the name, each a plant


FILES = (
    File("LISBOA_GE", CT, "CT", "utf-8", "ISO_IR 100", "ISO_IR 100 -> UTF-8", "Gonçalves^João Tomé", "LX4471902",
         "TC TÓRAX C+", "TC tórax: nódulo de 4 mm no lobo superior direito", ("TÓRAX", "tórax", "nódulo", "lobo"),
         ("Gonçalves", "João", "Tomé")),
    File("MADRID_SIEMENS", MR, "MR", "utf-8", None, "none -> UTF-8", "Núñez^José Ángel", "MD8830217",
         "RM CRÁNEO SIN CONTRASTE", "lesión en región parietal izquierda", ("CRÁNEO", "lesión", "parietal"),
         ("Núñez", "Ángel")),
    File("BERLIN_SIEMENS", CT, "CT", "utf-8", ["ISO 2022 IR 6", "ISO 2022 IR 100"], "ISO 2022 IR 6\\ISO 2022 IR 100 -> UTF-8",
         "Schröder^Björn", "BE5520174", "CT SCHÄDEL NATIV", "Schädel nativ, keine Blutung", ("SCHÄDEL", "Blutung"),
         ("Schröder", "Björn")),
    File("ZURICH_PHILIPS", CR, "CR", "latin-1", None, "none -> ISO_IR 100", "Müller^Jürgen", "ZH3307718",
         "THORAX PA STEHEND", "Lunge frei, Herz normal groß", ("THORAX", "Lunge", "Herz"), ("Müller", "Jürgen")),
    File("SHANGHAI_UIH", CT, "CT", "gb18030", None, "none -> GB18030", "陈^秀英", "SH6620931",
         "胸部CT平扫", "右肺上叶结节 4 mm", ("mm",), ("秀英",)),
    File("OSAKA_CANON", MR, "MR", "shift_jis", "GB18030", "GB18030 -> Shift_JIS", "鈴木^花子=スズキ^ハナコ", "OS4418820",
         "頭部MRI 単純", "頭部 単純 MRI", ("MRI",), ("鈴木", "花子", "スズキ", "ハナコ")),
    File("KOBE_FUJIFILM", CR, "CR", "shift_jis", None, "none -> Shift_JIS", "ﾀﾅｶ^ﾋﾛｼ", "KB7730152",
         "胸部正面", "胸部 CR", ("CR",), ("ﾀﾅｶ", "ﾋﾛｼ")),
    File("PARIS_GE", CT, "CT", "cp1252", "ISO_IR 100", "ISO_IR 100 -> Windows-1252", "Lefèvre^Benoît", "PA9910274",
         "THORAX – COUPES FINES", "Contrôle « œdème » – “épanchement” pleural", ("THORAX", "œdème", "épanchement", "pleural"),
         ("Lefèvre", "Benoît")),
    File("MOSCOW_SIEMENS", CT, "CT", "cp1251", "ISO_IR 144", "ISO_IR 144 -> Windows-1251", "Кузнецова^Ольга", "MS5540917",
         "КТ ОГК", "КТ органов грудной клетки без патологии", (), ("Кузнецова", "Ольга")),
    # controls: declared right
    File("COIMBRA_GE", CT, "CT", "latin-1", "ISO_IR 100", None, "Gonçalo^Simão", "CB2209183",
         "TC CRÂNEO", "SÃO JOÃO AÇÃO: TC crânio sem alterações", ("CRÂNEO", "crânio"), ("Gonçalo", "Simão")),
    File("HARBIN_UIH", CT, "CT", "gb18030", "GB18030", None, "王^建国", "HB5510372",
         "头部CT平扫", "头部CT平扫 未见异常", (), ("建国",)),
    File("NOVOSIBIRSK_PHILIPS", MR, "MR", "iso8859_5", "ISO_IR 144", None, "Соколова^Анна", "NS4403817",
         "МРТ ГМ", "МРТ головного мозга без патологии", (), ("Соколова", "Анна")),
    File("NAGOYA_CANON", MR, "MR", "iso2022_jp", ["", "ISO 2022 IR 87"], None, "Sato^Kenji=佐藤^健二", "NG6612094",
         "MRI", "MRI 頭部", ("MRI",), ("佐藤", "健二", "Kenji")),
    File("SEOUL_SAMSUNG", CT, "CT", "utf-8", "ISO_IR 192", None, "김^민수", "SE3318807",
         "흉부 CT", "흉부 CT 결절 없음", ("CT",), ("민수",)),
    File("ATHENS_AGFA", CR, "CR", "iso8859_7", "ISO_IR 126", None, "Παπαδάκη^Ελένη", "AT2290461",
         "ΘΩΡΑΚΑΣ", "ακτινογραφία θώρακος", (), ("Παπαδάκη", "Ελένη")),
)


def _dataset(f: File, n: int) -> Dataset:
    ds = dataset(f.sop_class, uid(ROOT, f.site, 100 + n))
    ds.PatientName = f.name
    ds.PatientID = f.mrn
    ds.PatientBirthDate = "19610412"
    ds.PatientSex = "F"
    ds.PatientAge = "063Y"
    ds.StudyDate = ds.SeriesDate = ds.ContentDate = "20240611"
    ds.StudyTime = ds.SeriesTime = ds.ContentTime = "091500"
    ds.AccessionNumber = f"A{f.mrn[2:]}"
    ds.StudyInstanceUID = uid(ROOT, f.site, 1)
    ds.SeriesInstanceUID = uid(ROOT, f.site, 2)
    ds.StudyID = "1"
    ds.SeriesNumber = 1
    ds.InstanceNumber = 1
    ds.Modality = f.modality
    ds.Manufacturer = f.site.split("_")[1]
    ds.ReferringPhysicianName = ""
    ds.StudyDescription = f.description
    ds.SeriesDescription = f.description
    ds.ImageComments = f.comment
    request = Dataset()
    request.RequestedProcedureDescription = f.description
    request.RequestedProcedureID = f.mrn
    ds.RequestAttributesSequence = sequence(request)
    ds.OperatorsName = f.name  # the patient's name where a technologist's stands: a plant at depth 0 too
    pixels(ds)
    return ds


def _encoded(ds: Dataset, codec: str) -> None:
    """Every text value of ``ds`` (items included) as raw bytes in ``codec``, padded to even length."""
    for element in list(ds):
        if element.VR == "SQ":
            for item in element.value:
                _encoded(item, codec)
            continue
        if element.VR not in _TEXT_VRS or element.value in (None, ""):
            continue
        value = element.value
        text = "\\".join(str(v) for v in value) if isinstance(value, MultiValue) else str(value) if isinstance(value, (str, PersonName)) else None
        if text is None:
            continue
        data = text.encode(codec)
        if len(data) % 2:
            data += b" "
        ds[element.tag] = DataElement(element.tag, element.VR, data)

# Red team 17's plant-list audit (tests/plant_audit.py): identifiers this archive writes that its plant
# list lacked (now searched for too), and values that look identifying but are not, with the reason.
AUDIT_SURFACE = "an identifier the plant list lacked until the audit of red team 17"
AUDIT_PLANTS = (
    'José', '김',
)
AUDIT_SAFE: dict[str, str] = {
}



def build(root: str | Path) -> Planted:
    """Write every file of :data:`FILES` below ``root`` (``SITE/1.dcm``); the plants: each name's words, the
    record number and the accession number."""
    root = Path(root)
    plants: list[Plant] = []
    for n, f in enumerate(FILES):
        ds = _dataset(f, n)
        _encoded(ds, f.codec)
        if f.declared is not None:
            ds.SpecificCharacterSet = f.declared
        write(ds, root / f.site / "1.dcm")
        surface = HEADER if f.label else CONTROL
        plants += [Plant(f.mrn, surface), Plant(f"A{f.mrn[2:]}", surface), *(Plant(w, surface) for w in f.names)]
    plants += [Plant(value, AUDIT_SURFACE, word=len(value) <= 4) for value in AUDIT_PLANTS]
    return Planted(root, tuple(dict.fromkeys(plants)))
