"""How a file's text is decoded: the one decision for text whose bytes do not match its
declared Specific Character Set (0008,0005).

Real archives write UTF-8 under ``ISO_IR 100`` or under no declaration, Latin-1 under no
declaration, GB18030/GBK or Shift-JIS under none or the wrong one, Windows-1252 characters
(bytes 0x80-0x9F) under ``ISO_IR 100`` and Windows-1251 Cyrillic under ``ISO_IR 144``.
Read as declared, "TC TÓRAX C+" in UTF-8 under ``ISO_IR 100`` is "TC TÃ\\x93RAX C+": the
description is lost to normalization and the cleaning removes its words.

:func:`decide` looks at the bytes of every text value of a dataset (SH, LO, ST, LT, UT, UC,
PN, at any depth) and says what they are, by the rules of ``mappings/charsets.yaml``:

1. no value holds a byte over 0x7F, or the text uses ISO 2022 escapes: as declared;
2. a single-byte or absent declaration, every value with such a byte valid UTF-8: UTF-8
   (``ISO_IR 192``);
3. no declaration, Latin-1, or a declaration the bytes do not fit, and a run of double-byte
   text: GB18030 or Shift-JIS, whichever decodes every byte into plausible characters;
4. a Windows code page under the ISO set it extends (bytes 0x80-0x9F under Latin-1; letters
   more frequent in the language under ISO 8859-5);
5. otherwise as declared (no declaration: Latin-1, as readers do).

:func:`read_as_found` applies the decision to a pydicom dataset before any value is read:
text is decoded with the codec found, and the dataset declares what its text is written in
from then on (``ISO_IR 192`` or ``GB18030``: the bytes kept as they are; a set DICOM has no
term for, Shift-JIS or a Windows page: written in UTF-8 under ``ISO_IR 192``).  Scan (the
index), audit, deid (the byte path refuses such files and hands them to the pydicom path),
the leak check and publish all read text through it.  The index records the reading
(``text_charset``), the audit counts it (``character_sets``), never the values.
"""
from __future__ import annotations

import codecs
import math
import struct
import weakref
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from pydicom.charset import python_encoding
from pydicom.datadict import dictionary_VR
from pydicom.dataelem import RawDataElement
from pydicom.dataset import Dataset
from pydicom.tag import BaseTag

from curator.dicom.elements import ITEM, ITEM_END, SEQUENCE_END, UNDEFINED, NeedMore, Unsupported, element_header

from curator.resources import load_yaml, mappings_dir

# The VRs whose value the Specific Character Set applies to (PS3.5 6.1.2.3).
CHARSET_VRS = frozenset({"SH", "LO", "ST", "LT", "UT", "UC", "PN"})
_CHARSET = BaseTag(0x00080005)
_UTF8 = "ISO_IR 192"
# The Reading applied to each live dataset, by id(): nothing is attached to a dataset (issue 19);
# an entry goes with its dataset (weakref.finalize).
_APPLIED: dict[int, Reading] = {}


@dataclass(frozen=True)
class Reading:
    """What a dataset's text is.  ``declared``: the declaration as written (values joined by
    a backslash, ``""`` when absent); ``actual``: what the bytes are (the declaration when
    it is honoured); ``codec``: the Python codec that reads them (``None``: as declared);
    ``term``: the Specific Character Set the dataset declares from then on."""

    declared: str
    actual: str
    codec: str | None = None
    term: str | None = None

    @property
    def changed(self) -> bool:
        return self.codec is not None

    @property
    def label(self) -> str | None:
        """``"ISO_IR 100 -> UTF-8"`` (no declaration: ``"none -> ..."``) when the text is not
        what it declares; ``None`` otherwise (the index's ``text_charset``)."""
        return f"{self.declared or 'none'} -> {self.actual}" if self.changed else None


@dataclass(frozen=True)
class _Rules:
    single_byte: frozenset[str]
    utf8_scripts: dict[str, tuple[tuple[int, int], ...]]
    east_asian_under: frozenset[str]
    east_asian_run: int
    east_asian: tuple[dict[str, Any], ...]
    min_share: float
    windows: tuple[dict[str, Any], ...]
    undeclared: dict[str, str]


@cache
def rules() -> _Rules:
    data = load_yaml(mappings_dir() / "charsets.yaml")
    scripts = {k: tuple((int(lo), int(hi)) for lo, hi in v) for k, v in data["utf8_scripts"].items()}
    return _Rules(frozenset(data["single_byte"]), scripts, frozenset(data["east_asian_under"]), int(data["east_asian_run"]),
                  tuple(data["east_asian"]), float(data["min_share"]), tuple(data["windows"]), dict(data["undeclared_default"]))


def declaration(values: Sequence[str]) -> str:
    """The declaration as :class:`Reading` names it: values stripped, joined by a backslash,
    a first empty value (the default repertoire before code extensions) kept."""
    parts = [v.strip() for v in values]
    while len(parts) > 1 and not parts[-1]:
        parts.pop()
    return "\\".join(parts) if any(parts) else ""


def decide(declared: Sequence[str], values: Iterable[bytes]) -> Reading:
    """What the text ``values`` (raw bytes) of a dataset declaring ``declared`` are."""
    name = declaration(declared)
    high = [v for v in values if not v.isascii()]
    if not high or any(b"\x1b" in v for v in high):
        return Reading(name, name)
    r = rules()
    first = name.split("\\")[0] if "\\" in name else name
    single = all(part in r.single_byte for part in name.split("\\"))
    if first == _UTF8 and all(_utf8(v) for v in high):
        return Reading(name, name)
    if single and all(_utf8(v) for v in high) and _in_scripts(high, r.utf8_scripts.get(first)):
        return Reading(name, "UTF-8", python_encoding[_UTF8], _UTF8)
    if first in r.east_asian_under:
        found = _east_asian(name, high, r)
        if found is not None:
            return found
    if single or first == _UTF8:
        mixed = _mixed(name, first, high, r)
        if mixed is not None:
            return mixed
    for page in r.windows:
        if first in page["declared"] and _windows(page, first, high):
            return Reading(name, page["name"], page["codec"], _UTF8)
    if name == "":  # read as Latin-1 (as pydicom reads it), declared so when written
        d = r.undeclared
        return Reading(name, d["name"], d["codec"], d["term"])
    return Reading(name, name)


def _mixed(name: str, first: str, high: list[bytes], r: _Rules) -> Reading | None:
    """Some values UTF-8 (a name from the worklist), the others not (a comment typed at the
    modality): each value read as UTF-8 when it is, else as the others read (the Windows page
    when its C1 bytes are there, else the declared set; Latin-1 without a declaration)."""
    utf8 = [v for v in high if _utf8(v)]
    others = [v for v in high if not _utf8(v)]
    if not utf8 or not others or not _in_scripts(utf8, r.utf8_scripts.get(first)):
        return None
    fallback, label = python_encoding.get(first, "latin_1") if first not in ("", _UTF8) else "latin_1", first or "ISO_IR 100"
    if first == _UTF8:
        label = "ISO_IR 100"
    for page in r.windows:
        if first in page["declared"] and page["when"] == "c1_bytes" and _windows(page, first, others):
            fallback, label = page["codec"], page["name"]
    codec = _MIXED + fallback.lower().replace("-", "_")
    if _decoded(others, codec) is None:
        return None
    return Reading(name, f"UTF-8 + {label}", codec, _UTF8)


# A codec that reads each value as UTF-8 when it is, else with the codec named after the prefix
# (registered below: pydicom decodes each element's value, each name's component group, with it).
_MIXED = "curator_utf8_or_"


def _mixed_codec(name: str) -> codecs.CodecInfo | None:
    if not name.startswith(_MIXED):
        return None
    fallback = name[len(_MIXED):]
    codecs.lookup(fallback)

    def decode(buffer: Any, errors: str = "strict", /) -> tuple[str, int]:
        data = bytes(buffer)
        try:
            return data.decode("utf-8"), len(data)
        except UnicodeDecodeError:
            return data.decode(fallback, errors), len(data)

    def encode(text: str, errors: str = "strict", /) -> tuple[bytes, int]:
        return text.encode("utf-8", errors), len(text)

    return codecs.CodecInfo(encode, decode, name=name)


codecs.register(_mixed_codec)


def _in_scripts(high: list[bytes], ranges: tuple[tuple[int, int], ...] | None) -> bool:
    if ranges is None:
        return True
    return all(ord(c) < 0x80 or any(lo <= ord(c) <= hi for lo, hi in ranges) for v in high for c in v.decode("utf-8"))


def _utf8(value: bytes) -> bool:
    try:
        value.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _run(text: str) -> int:
    """The longest run of characters over U+00FF in ``text``."""
    best = current = 0
    for c in text:
        current = current + 1 if ord(c) > 0xFF else 0
        best = max(best, current)
    return best


def _decoded(values: list[bytes], codec: str) -> list[str] | None:
    try:
        return [v.decode(codec) for v in values]
    except (UnicodeDecodeError, LookupError):
        return None


def _plausible(candidate: dict[str, Any], raws: list[bytes], texts: list[str]) -> float:
    """The share of characters over U+007F in ``texts`` that ``candidate`` counts plausible."""
    good = total = 0
    for raw, text in zip(raws, texts):
        wide = [c for c in text if ord(c) > 0x7F]
        total += len(wide)
        if candidate.get("utf8_implausible") and _utf8(raw):
            continue  # UTF-8 Latin text reads as half-width katakana pairs ("ﾃｧ" for "ç")
        alone = candidate.get("alone_ranges") or []
        if alone and _alone(candidate, wide):
            good += len(wide)
            continue
        for c in wide:
            if "plausible_codec" in candidate:
                try:
                    c.encode(candidate["plausible_codec"])
                    good += 1
                except UnicodeEncodeError:
                    pass
            elif any(lo <= ord(c) <= hi for lo, hi in candidate.get("plausible_ranges") or []):
                good += 1
    return good / total if total else 0.0


def _alone(candidate: dict[str, Any], wide: list[str]) -> bool:
    """True when ``wide`` (a value's characters over U+007F) are all of the candidate's
    ``alone_ranges``, at least ``alone_min`` of them, one of ``alone_needs``."""
    def within(c: str, ranges: list) -> bool:
        return any(lo <= ord(c) <= hi for lo, hi in ranges)
    return (len(wide) >= int(candidate.get("alone_min", 1)) and all(within(c, candidate["alone_ranges"]) for c in wide)
            and any(within(c, candidate.get("alone_needs") or [[0, 0x10FFFF]]) for c in wide))


def _east_asian(name: str, high: list[bytes], r: _Rules) -> Reading | None:
    scores: list[tuple[float, int, dict[str, Any]]] = []
    for candidate in r.east_asian:
        texts = _decoded(high, candidate["codec"])
        if texts is not None and any(_run(t) >= r.east_asian_run for t in texts):
            scores.append((_plausible(candidate, high, texts), -len(scores), candidate))
    if not scores:
        return None
    score, _, best = max(scores, key=lambda s: (s[0], s[1]))
    if score < r.min_share or any(s[0] == score and s[2] is not best for s in scores):
        return None
    if name in best.get("declared_as", ()):
        return Reading(name, name)
    term = best["term"]
    return Reading(name, best["name"], python_encoding.get(term, best["codec"]) if term else best["codec"], term or _UTF8)


def _windows(page: dict[str, Any], declared: str, high: list[bytes]) -> bool:
    texts = _decoded(high, page["codec"])
    if texts is None:
        return False
    if page["when"] == "c1_bytes":
        return any(any(0x80 <= b <= 0x9F for b in v) for v in high)
    if page["when"] == "always":
        return True
    own = python_encoding.get(declared, "latin_1")
    as_declared = _decoded(high, own)
    if as_declared is None:
        return True
    return _letter_score(page, texts) >= _letter_score(page, as_declared) + float(page["margin"])


def _letter_score(page: dict[str, Any], texts: list[str]) -> float:
    """Mean log10 of the per-mille frequency of the characters over U+007F in ``texts``."""
    freq = page["frequencies"]
    other = float(page["other"])
    logs = [math.log10(float(freq.get(c.lower(), other))) for t in texts for c in t if ord(c) > 0x7F]
    return sum(logs) / len(logs) if logs else 0.0


# --- pydicom datasets ----------------------------------------------------------------


def _vr(raw: Any) -> str | None:
    vr = getattr(raw, "VR", None)
    return str(vr) if vr else _dictionary_vr(int(raw.tag))


def _declared(ds: Dataset) -> list[str]:
    raw = ds.get_item(_CHARSET)
    if raw is None:
        return []
    value = raw.value
    if isinstance(value, bytes):
        return value.decode("latin-1").split("\\")
    if value is None:
        return []
    return [str(v) for v in value] if isinstance(value, (list, tuple)) or hasattr(value, "_list") else [str(value)]


def _items(ds: Dataset) -> Iterator[Dataset]:
    """The items at any depth that have no declaration of their own (they read as ``ds``)."""
    for tag in list(ds.keys()):
        raw = ds.get_item(tag)
        if _vr(raw) != "SQ" or raw.value is None:
            continue
        for item in ds[tag].value:
            if _CHARSET not in item:
                yield item
                yield from _items(item)


class _Texts(list[bytes]):
    """Text values, and whether an item holding some declares its own set (they are not in it)."""

    own = False


def text_bytes(ds: Dataset) -> _Texts:
    """The raw bytes of every text value of ``ds`` and of its items without a declaration of
    their own (values pydicom converted already are not seen).  A sequence still raw is read
    from its bytes (:func:`_sequence_texts`), not converted: converting every sequence of every
    header cost the scan 1.5 ms a header (4 times the fast reader's own time).  ``.own``: an
    item declaring its own set was left out."""
    out = _Texts()
    implicit, little = ds.original_encoding
    _dataset_texts(ds, bool(implicit), little is not False, out)
    return out


def _dataset_texts(ds: Dataset, implicit: bool, little: bool, out: _Texts) -> None:
    for tag, raw in list(ds.items()):  # items() leaves raw elements raw
        vr = raw.VR or _dictionary_vr(int(tag))
        if vr == "SQ":
            if little and isinstance(raw, RawDataElement) and isinstance(raw.value, bytes):
                found = _Texts()
                try:
                    _sequence_texts(raw.value, 0, len(raw.value), implicit, found)
                except (Unsupported, NeedMore, struct.error, ValueError):
                    pass  # not walkable as bytes: pydicom reads it
                else:
                    out += found
                    out.own = out.own or found.own
                    continue
            for item in ds[tag].value or ():
                if _CHARSET not in item:
                    _dataset_texts(item, implicit, little, out)
                else:
                    out.own = True
        elif isinstance(raw.value, bytes) and vr in CHARSET_VRS:
            out.append(raw.value)


def _sequence_texts(buf: bytes, pos: int, end: int, implicit: bool, out: _Texts) -> int:
    """Append the text values of the items of the sequence value ``buf[pos:end]`` (little
    endian) to ``out``; the offset after it (after its delimiter when of undefined length)."""
    while pos < end:
        tag, _, length, _ = element_header(buf, pos, True)
        pos += 8
        if tag == SEQUENCE_END:
            return pos
        if tag != ITEM:
            raise Unsupported("not an item")
        stop = end if length == UNDEFINED else pos + length
        found = _Texts()
        pos, own = _item_texts(buf, pos, stop, implicit, found)
        out.own = out.own or own or found.own
        if not own:  # an item declaring its own character set reads as it says (decided alone)
            out += found
    return pos


def _item_texts(buf: bytes, pos: int, end: int, implicit: bool, out: _Texts) -> tuple[int, bool]:
    """Append an item's text values to ``out``: the offset after the item, and whether it
    declares its own Specific Character Set."""
    own = False
    while pos < end:
        tag, vr_bytes, length, size = element_header(buf, pos, implicit)
        pos += size
        if tag == ITEM_END:
            return pos, own
        own = own or tag == _CHARSET
        vr = vr_bytes.decode("ascii") if vr_bytes else _dictionary_vr(tag)
        if vr == "SQ" or (vr_bytes is None and length == UNDEFINED):
            pos = _sequence_texts(buf, pos, len(buf) if length == UNDEFINED else pos + length, implicit, out)
            continue
        if length == UNDEFINED or pos + length > len(buf):
            raise Unsupported("undefined length outside a sequence")
        if vr in CHARSET_VRS and length:
            out.append(buf[pos:pos + length])
        pos += length
    return pos, own


def _dictionary_vr(tag: int) -> str | None:
    try:
        return str(dictionary_VR(tag))
    except KeyError:
        return None


def reading_of(ds: Dataset) -> Reading | None:
    """The :class:`Reading` :func:`read_as_found` applied to ``ds`` (``None``: not yet)."""
    return _APPLIED.get(id(ds))


def _apply(ds: Dataset, reading: Reading, implicit: bool | None, little: bool | None) -> None:
    """``ds`` and its items without a declaration of their own read with ``reading``'s codec."""
    if not reading.changed:
        return
    for dataset in (ds, *_items(ds)):
        i, le = dataset.original_encoding
        dataset.set_original_encoding(i if i is not None else implicit, le if le is not None else little, [str(reading.codec)])
    ds.SpecificCharacterSet = reading.term


def read_as_found(ds: Dataset) -> Reading:
    """Decide how the text of ``ds`` is read (:func:`decide`) and apply it, before any of its
    text values is converted: the dataset and its items read their raw values with the codec
    found and declare ``Reading.term``; an item that declares its own set is decided alone
    (its text and its items') and applied likewise (the dataset's reading is returned).  Applied once (a second call returns the first
    reading)."""
    done = reading_of(ds)
    if done is not None:
        return done
    values = text_bytes(ds)
    reading = decide(_declared(ds), values)
    implicit, little = ds.original_encoding
    _apply(ds, reading, implicit, little)
    if values.own:  # items that declare their own set are decided alone
        for item in list(_own_items(ds)):
            _apply(item, decide(_declared(item), text_bytes(item)), implicit, little)
    _APPLIED[id(ds)] = reading
    weakref.finalize(ds, _APPLIED.pop, id(ds), None)
    return reading


def _own_items(ds: Dataset) -> Iterator[Dataset]:
    """The items at any depth that declare their own Specific Character Set."""
    for tag in list(ds.keys()):
        if _vr(ds.get_item(tag)) != "SQ" or ds.get_item(tag).value is None:
            continue
        for item in ds[tag].value:
            if _CHARSET in item:
                yield item
            yield from _own_items(item)


def _as_declared(value: bytes, declared: list[str]) -> str:
    """``value`` decoded as pydicom decodes it under ``declared`` (unknown terms: its default)."""
    import warnings

    from pydicom.charset import convert_encodings, decode_bytes

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # an unknown term or a bad byte: pydicom replaces and warns
        return decode_bytes(value, convert_encodings([d.strip() for d in declared] or None), set())


def misread(ds: Dataset) -> Reading | None:
    """The first :class:`Reading` of ``ds``, or of one of its items that declares its own set,
    under which :func:`decide` reads its text otherwise than its declaration does (``None``:
    every text reads as declared).  ``ds`` is read strictly (pydicom) and not changed, but for
    its sequences, converted; curator writes no such file: ``curator validate`` reports one
    (a release file whose text a strict reader and curator would read differently: its
    identifiers can hide from a search of the strict reading)."""
    for dataset in (ds, *_own_items(ds)):
        declared = _declared(dataset)
        values = text_bytes(dataset)
        reading = decide(declared, values)
        if reading.changed and any(v.decode(str(reading.codec), "replace") != _as_declared(v, declared)
                                   for v in values if not v.isascii()):
            return reading
    return None
