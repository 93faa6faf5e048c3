"""The plant-list audit of the red-team generators (red team 17).

Red team 14 wrote 'MRN_2290417X' into a SEG Content Label but never listed it as a plant: for five
rounds nothing searched the outputs for it, and it leaked.  :func:`unlisted` walks every dataset a
generator writes (files, zip and tar members, every nested sequence item) and returns each
identifying-looking string it finds that is neither covered by a listed plant nor declared safe in
the generator's ``AUDIT_SAFE`` (``{value: reason}``).

Identifying-looking (the classes of PS3.15 Annex E and of the red-team plants):

- every word of a value of VR PN (names), and of an element the Basic Profile does not keep
  (action D, Z, X, C or a compound of them: IDs, institution, station and device names, addresses,
  telephone numbers, free-text descriptions and comments), dates and UIDs aside (they are shifted
  and replaced, and the header plants list the birth dates);
- anywhere in any text value: a word of five or more digits or of letters and four or more digits
  (an ID: 'MRN_2290417X'), a date written with separators ('17.05.1990'), an e-mail address;

each unless it is a safe word of curator's word lists (clinical words, the lexicon: what a release
keeps as vocabulary), a number of at most four digits, or at most two letters.  A word is covered
when a listed plant holds it or it holds a plant (folded: case, accents, width), and a date when a
plant holds its digits.
"""
from __future__ import annotations

import io
import re
import tarfile
import unicodedata
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import pydicom
from pydicom.dataset import Dataset
from pydicom.errors import InvalidDicomError
from pydicom.multival import MultiValue

_OID = re.compile(r"(?<![\w.])\d+(?:\.\d+){3,}")  # a UID or an OID (replaced, not searched)
_ID = re.compile(r"^(?=(?:\D*\d){5})\w+$|^(?=(?:\D*\d){4})(?=.*[^\W\d_])\w+$")
_DATE = re.compile(r"(?<!\d)\d{1,4}[./\-]\d{1,2}[./\-]\d{2,4}(?!\d)")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_TEXT_VRS = frozenset({"PN", "LO", "SH", "ST", "LT", "UT", "UC", "CS", "AE"})
_ESCAPE = re.compile(r"\x1b[$()*+\-./,]{1,2}[@-~]")  # an ISO 2022 escape sequence
_SHORT_VRS = frozenset({"SH", "LO", "CS", "AE", "UC"})  # names, IDs, places: every word; free text: IDs only
_FREE_TEXT = re.compile(r"Description|Comment|Label|ROIName|StructureSetName|Reason|History|Diagnos|Protocol|Occupation|State")
_READINGS = ("utf-8", "gb18030", "shift_jis", "cp1251", "cp1252", "euc_kr")
_SKIP = frozenset({0x00080005, 0x00102160, 0x00041500})  # Specific Character Set; Ethnic Group (a kept demographic);
# Referenced File ID (a DICOMDIR's path to a file, the writer's numbering)


def _split(text: str) -> list[str]:
    """The words of ``text``: runs between punctuation, spaces, symbols, controls and '_'."""
    out, word = [], []
    for c in text:
        if c == "_" or unicodedata.category(c)[0] in "PZSC":
            if word:
                out.append("".join(word))
            word = []
        else:
            word.append(c)
    return out + (["".join(word)] if word else [])


def _uncased(word: str) -> bool:
    """Whether ``word`` is written in a script without capitals (Han, kana, Hangul, Arabic, Hebrew,
    Thai, Devanagari...)."""
    return any(c.isalpha() and not c.isupper() and not c.islower() for c in word)


def _name_like(word: str) -> bool:
    """A word a name could be: capitalised (or in capitals) or in a script without capitals."""
    return _uncased(word) or word[:1].isupper()


def fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text)
    return "".join(c for c in text if not unicodedata.combining(c) and unicodedata.category(c) != "Cf").casefold()


@dataclass(frozen=True)
class Finding:
    where: str  # file (and member) and element keyword
    word: str  # the identifying-looking string
    value: str  # the whole value it is in


@dataclass(frozen=True)
class Generator:
    name: str
    module: str
    write: Callable[[ModuleType, Path], list[str]]  # writes below the path; returns the plant strings


def _plants_of(result: object) -> list[str]:
    for attribute, field_name in (("plants", "value"), ("plants", "text"), ("tokens", "text")):
        items = getattr(result, attribute, None)
        if items and hasattr(items[0], field_name):
            return [getattr(item, field_name) for item in items]
    texts = getattr(result, "texts", None)
    if texts:
        return [text for text, _surface in texts]
    raise TypeError(f"no plants in {type(result).__name__}")


def _release19(module: ModuleType, root: Path) -> list[str]:
    from curator.testing import synthetic

    module.write_source(root)
    return sorted(synthetic.PLANTED_VALUES) + list(module.AUDIT_PLANTS)


def _builder(function: str) -> Callable[[ModuleType, Path], list[str]]:
    return lambda module, root: _plants_of(getattr(module, function)(root))


GENERATORS = (
    Generator("redteam", "redteam_archive", _builder("write_export")),
    Generator("redteam5", "redteam5_archive", _builder("write_archive")),
    *(Generator(f"redteam{n}", f"redteam{n}_archive", _builder("build")) for n in range(6, 18)),
    Generator("release19", "release19_source", _release19),
    Generator("charset19", "charset19_archive", _builder("build")),
)


def _datasets(root: Path) -> Iterator[tuple[str, Dataset]]:
    """Every DICOM dataset below ``root``: files, and members of zip and tar files."""
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        where = path.relative_to(root).as_posix()
        data = path.read_bytes()
        members: list[tuple[str, bytes]] = [(where, data)]
        if zipfile.is_zipfile(io.BytesIO(data)):
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                members = [(f"{where}!{name}", archive.read(name)) for name in archive.namelist()]
        elif tarfile.is_tarfile(io.BytesIO(data)) and data[128:132] != b"DICM":
            with tarfile.open(fileobj=io.BytesIO(data)) as archive:
                members = [(f"{where}!{m.name}", archive.extractfile(m).read())  # type: ignore[union-attr]
                           for m in archive.getmembers() if m.isfile()]
        for name, blob in members:
            try:
                ds = pydicom.dcmread(io.BytesIO(blob), force=data[128:132] != b"DICM")
            except (InvalidDicomError, Exception):  # noqa: BLE001 - not DICOM: no dataset to walk
                continue
            yield name, ds


def _values(ds: Dataset) -> Iterator[tuple[str, int, str, list[str], str]]:
    """(keyword, tag, VR, texts, coding scheme of its item), once per reading of its bytes, of every text value in ``ds``, its file
    meta and nested items."""
    tops = [ds] + ([ds.file_meta] if getattr(ds, "file_meta", None) is not None else [])
    while tops:
        item = tops.pop()
        scheme = str(item.get("CodingSchemeDesignator", "") or "")
        for tag in list(item.keys()):
            raw = item.get_item(tag)
            element = item[tag]
            if element.VR == "SQ":
                tops.extend(element.value or ())
                continue
            if element.tag in _SKIP or element.VR not in _TEXT_VRS:
                continue
            try:
                value = element.value
            except Exception:  # noqa: BLE001 - a value pydicom cannot decode: its bytes stay unread
                continue
            readings = [value]
            if raw is not None and isinstance(raw.value, bytes) and not raw.value.isascii():
                for codec in _READINGS:  # bytes under another declaration (charset 19): each strict reading
                    try:
                        readings.append(MultiValue(str, raw.value.decode(codec).rstrip(" \0").split("\\")))
                    except UnicodeDecodeError:
                        pass
            for reading in readings:
                texts = [str(one.decode("latin-1") if isinstance(one, bytes) else one)
                         for one in (reading if isinstance(reading, MultiValue) else [reading]) if one is not None]
                if any(t.strip() for t in texts):
                    yield element.keyword or str(element.tag), int(element.tag), element.VR, texts, scheme


def _identifying_tags() -> frozenset[int]:
    from curator.deid.table import action_map

    by_tag, _ = action_map(())
    return frozenset(tag for tag, action in by_tag.items() if action not in ("K", "U"))


def _safe_word(word: str) -> bool:
    from curator.deid.freetext import is_safe

    folded = fold(word)
    if len(folded) <= 2 or (folded.isdigit() and len(folded) <= 4):
        return True
    return bool(is_safe(folded)) or bool(is_safe(folded.rstrip("s")))


def _covered(word: str, plants: list[str]) -> bool:
    """Whether a plant holds ``word``, or ``word`` is plants (and at most two more letters or a
    safe word: '山本花子様', 'LUTH-ADEBAYO-7')."""
    folded = fold(word)
    if any(folded in plant for plant in plants):
        return True
    rest = folded
    for plant in sorted(plants, key=len, reverse=True):
        if len(plant) >= 2 and plant in rest:
            rest = rest.replace(plant, " ")
    if rest == folded:
        return False
    return all(len(part) <= 2 or _safe_word(part) for part in rest.split())


def unlisted(root: Path, plant_values: list[str], safe: dict[str, str]) -> list[Finding]:
    """Each identifying-looking string of the datasets below ``root`` that no plant covers and
    ``safe`` does not declare."""
    plants = [fold(p) for p in plant_values if p.strip()]
    plants += [squeezed for p in plants if (squeezed := "".join(_split(p))) != p]
    digits = ["".join(c for c in p if c.isdigit()) for p in plants]
    safe_folded = {fold(s) for s in safe}
    identifying = _identifying_tags()
    found: dict[tuple[str, str], Finding] = {}
    for where, ds in _datasets(root):
        readings: dict[tuple[str, int], list[list[Finding]]] = {}
        for keyword, tag, vr, texts, scheme in _values(ds):
            one: list[Finding] = []
            for text in texts:
                one += _findings(f"{where} {keyword}", text, vr, tag in identifying, keyword, scheme, plants, digits, safe_folded)
            readings.setdefault((keyword, tag), []).append(one)
        for options in readings.values():  # the reading that makes most sense: the fewest findings
            for finding in min(options, key=len):
                found.setdefault((finding.word, finding.where.split()[0]), finding)
    return sorted(found.values(), key=lambda f: (f.word, f.where))


def _findings(where: str, text: str, vr: str, identifying: bool, keyword: str, scheme: str, plants: list[str],
              digits: list[str], safe_folded: set[str]) -> list[Finding]:
    out: list[Finding] = []
    if fold(text) in safe_folded:
        return out
    clean = _ESCAPE.sub(" ", _OID.sub(" ", text))
    words: list[str] = []
    if vr == "PN" or (identifying and vr in _SHORT_VRS and not _FREE_TEXT.search(keyword)):
        words += [w for w in _split(clean) if _name_like(w) and not _safe_word(w)]
    if not (keyword == "CodeValue" and not scheme.startswith("99")):  # a standard code, not an ID
        words += [w for w in _split(clean) if _ID.match(w)]
    words += _EMAIL.findall(clean)
    for word in dict.fromkeys(words):
        if not _covered(word, plants) and fold(word) not in safe_folded:
            out.append(Finding(where, word, text))
    for date in _DATE.findall(clean):
        bare = "".join(c for c in date if c.isdigit())
        if not any(bare in d for d in digits) and fold(date) not in safe_folded and not _covered(date, plants):
            out.append(Finding(where, date, text))
    return out
