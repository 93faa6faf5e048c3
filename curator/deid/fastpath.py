"""Byte-level fast path of :class:`curator.deid.engine.Engine` for the common files.

pydicom converts every element it touches and writes element by element in Python, which
dominates the cost of de-identifying a typical CT slice.  For Explicit VR Little Endian
files (native or encapsulated pixel data) in ASCII, Latin-1 or UTF-8, this module walks
the bytes itself, copies every element it keeps unchanged as a slice of the input
(pixel data included) and encodes only the elements it changes (element bytes through
:mod:`curator.dicom.elements`).  It takes every decision from the engine's decision table
(:mod:`curator.deid.decisions`, one for both paths) and only carries it out on bytes;
free-text cleaning and marks are the engine's own functions.
``tests/test_deid_fastpath.py`` and ``tests/test_deid_decisions.py`` check that both
paths take the same decisions and give equal datasets on every test corpus.  Anything else (implicit VR, big endian, deflate, other
character sets, elements stored with VR UN, malformed bytes) raises
:class:`Unsupported` and the caller uses the pydicom engine.
"""
from __future__ import annotations

from collections import Counter
from functools import lru_cache

from pydicom.datadict import dictionary_VR
from pydicom.dataelem import DataElement, RawDataElement
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.filebase import DicomBytesIO
from pydicom.filewriter import write_data_element, write_file_meta_info
from pydicom.tag import BaseTag
from pydicom.uid import RE_VALID_UID, UID, UID_dictionary

from curator.dicom import pixel_size
from curator.dicom.textcodec import CHARSET_VRS, decide
from curator.deid import table
from curator.deid.decisions import BYTE_VRS, REPLACE, Decision, Op, creator_tag, is_private_creator
from curator.deid.engine import (
    OID_LIKE,
    clean_label,
    device_text_names_someone,
    label_holds_name_or_date,
    BINARY_DUMMY,
    DUMMY,
    IMPLEMENTATION_CLASS_UID,
    IMPLEMENTATION_VERSION,
    TAG_PATIENT_AGE,
    Engine,
    PatientContext,
    apply_extra,
    binary_value_safe,
    clean_values,
    derive_age,
    extra_for_instance,
    has_identifier,
    keep_codes,
    keep_values,
    private_text_safe,
    top_code,
)
from curator.deid import frame_text, freetext
from curator.deid.pseudonyms import shift_date, shift_datetime
from curator.deid.scrub import identifier_values, uid_holds_identifier
from curator.dicom.elements import (
    EXPLICIT_HEAD,
    ITEM_END,
    PIXEL_DATA,
    U16,
    U32,
    UNDEFINED,
    NeedMore,
    Unsupported,
    element_header,
    encode_element,
    encode_header,
    encode_sequence,
    sequence_items,
    skip_fragments,
    skip_sequence,
    value_offset,
)
from curator.dicom.elements import PIXEL_TAGS, RawSource
from curator.dicom.vr import LEADING_SPACE_VRS, LONG_LENGTH_VR_BYTES, NUMBER_SIZES, SINGLE_VALUE_VRS, TEXT_VRS, VR_BYTES


UNSUPPORTED_SYNTAXES = frozenset({"1.2.840.10008.1.2", "1.2.840.10008.1.2.2", "1.2.840.10008.1.2.1.99"})
CHARSETS = {"": "latin-1", "ISO_IR 6": "latin-1", "ISO_IR 100": "latin-1", "ISO 2022 IR 6": "latin-1", "ISO_IR 192": "utf-8"}
_VR_TEXT = {vr: vr.decode("ascii") for vr in VR_BYTES}
_STEPS_CACHED = 1 << 16  # decisions remembered per process (tag, VR, SOP class, path)
_VIEW_SIZE = 64 * 1024  # top-level values kept as they are from this size on are views of the input, not copies
# Outcomes of changed elements remembered per process (see FastEngine._remembered): at most
# _MEMO_SIZE of them (then all forgotten at once), of elements up to _MEMO_BYTES long (a few MB).
_MEMO_SIZE = 1 << 12
_MEMO_BYTES = 1024


@lru_cache(maxsize=8192)
def _dict_vr(tag: int) -> str:
    return dictionary_VR(tag)


class _Elem:
    __slots__ = ("end", "items", "length", "start", "tag", "vr", "vstart")

    def __init__(self, tag, vr, start, vstart, length, end, items=None):
        self.tag = tag
        self.vr = vr
        self.start = start
        self.vstart = vstart
        self.length = length
        self.end = end
        self.items = items  # list of (item_start, item_end) for SQ


def _parse(buf: bytes, pos: int, end: int | None, in_item: bool) -> tuple[list[_Elem], int]:
    """Elements of one dataset from ``pos`` to ``end`` (or to an item delimiter)."""
    out: list[_Elem] = []
    size = len(buf)
    limit = size if end is None else end
    unpack = EXPLICIT_HEAD.unpack_from
    while pos < limit:
        # the element header, read here as curator.dicom.elements.element_header reads it
        # (explicit VR little endian; one function call less per element)
        if pos + 8 > size:
            raise NeedMore
        group, element, vr, length = unpack(buf, pos)
        tag = (group << 16) | element
        if group == 0xFFFE:
            if tag == ITEM_END:
                if not in_item or end is not None:
                    raise Unsupported("stray item delimiter")
                return out, pos + 8
            raise Unsupported("unexpected delimiter")
        if vr in LONG_LENGTH_VR_BYTES:
            if pos + 12 > size:
                raise NeedMore
            length = U32.unpack_from(buf, pos + 8)[0]
            vstart = pos + 12
        elif vr in VR_BYTES:
            vstart = pos + 8
        else:
            raise Unsupported("not explicit VR")
        svr = _VR_TEXT[vr]
        if vr == b"UN":
            # pydicom resolves the real VR (public or known private) and decodes a
            # sequence stored as UN; the engine then cleans inside it or removes it.
            raise Unsupported("element stored as UN")
        if length == UNDEFINED:
            if vr == b"SQ":
                items, vend = sequence_items(buf, vstart, None, _item_end)
                out.append(_Elem(tag, svr, pos, vstart, length, vend, items))
                pos = vend
                continue
            if tag == PIXEL_DATA and vr in (b"OB", b"OW"):
                vend = skip_fragments(buf, vstart)
                out.append(_Elem(tag, svr, pos, vstart, length, vend))
                pos = vend
                continue
            raise Unsupported("undefined length outside a sequence")
        vend = vstart + length
        if vend > size:
            raise Unsupported("value beyond the end")
        seq_items = sequence_items(buf, vstart, vend, _item_end)[0] if vr == b"SQ" else None
        out.append(_Elem(tag, svr, pos, vstart, length, vend, seq_items))
        pos = vend
    if in_item and end is None:
        raise Unsupported("item without delimiter")
    return out, pos


def _item_end(buf: bytes, start: int) -> int:
    """The offset after an undefined-length item, every element of it checked."""
    return _parse(buf, start, None, True)[1]


def _empty_value(encoded: bytes) -> bool:
    """True when an encoded element (explicit VR little endian) has no value."""
    head = value_offset(encoded)
    if encoded[4:6] == b"SQ":
        return len(encoded) == head
    return encoded[head:].strip(b" \0\\") == b""


class _Run:
    """State of one file."""

    __slots__ = ("buf", "context", "conventions", "enc", "new_sop", "offset", "pseudonym", "sop_class", "stats", "values")

    def __init__(self, buf, enc, sop_class, offset, pseudonym, values, stats, conventions=None):
        self.buf = buf
        self.enc = enc
        self.sop_class = sop_class
        self.offset = offset
        self.pseudonym = pseudonym
        self.values = values
        self.stats = stats
        self.conventions = conventions or {}
        self.new_sop = None
        # everything an element's outcome depends on besides the element itself and the
        # engine (the key of FastEngine._remembered)
        self.context = (enc, sop_class, offset, pseudonym, values, tuple(sorted(self.conventions.items())))


class FastEngine:
    """Byte-level twin of an :class:`Engine` (same decisions, same marks)."""

    def __init__(self, engine: Engine):
        self.e = engine
        self._encodings_cache: dict[str, list[str]] = {}
        self._post_cache: dict[tuple, tuple[frozenset[int], dict[int, bytes]]] = {}
        self._age_cache: dict[tuple, tuple[str | None, bool]] = {}  # see _age
        self._steps: dict[tuple[int, str, str, tuple[str, ...]], tuple[Decision, bool, bool]] = {}
        self._memo: dict[tuple, tuple[bytes | None, tuple[tuple[str, int], ...]]] = {}

    # --- entry point --------------------------------------------------------------

    def deidentify_bytes(self, data: bytes, patient: PatientContext, extra=None) -> tuple[bytes, Counter]:
        """The de-identified Part 10 file of ``data`` and the counts of what was done."""
        parts, stats = self.deidentify_parts(data, patient, extra)
        return b"".join(parts), stats

    def deidentify_parts(self, data: bytes, patient: PatientContext, extra=None) -> tuple[list[bytes | memoryview], Counter]:
        """:meth:`deidentify_bytes` as consecutive parts of the file: large values kept as
        they are (pixel data) stay views of ``data``, not copies (written and hashed part
        by part)."""
        e = self.e
        if len(data) < 132 or data[128:132] != b"DICM":
            raise Unsupported("no Part 10 header")
        meta_elems, body_pos = self._meta(None, data)
        syntax = meta_elems.get(0x00020010)
        if syntax is None or syntax in UNSUPPORTED_SYNTAXES:
            raise Unsupported("transfer syntax")
        elems, _ = _parse(data, body_pos, len(data), False)
        top = {el.tag: el for el in elems}
        charset_el = top.get(0x00080005)
        charset = self._text(data, charset_el, "latin-1").strip() if charset_el else ""
        if "\\" in charset or charset not in CHARSETS:
            raise Unsupported("character set")
        _check_reading(data, elems, charset)
        if 0x00100020 not in top:
            raise Unsupported("no Patient ID")  # the engine adds the pseudonym
        enc = CHARSETS[charset]
        stats: Counter = Counter()
        sop_class = self._text(data, top[0x00080016], enc).strip("\0 ") if 0x00080016 in top else ""
        problem = self._pixel_problem(data, top, syntax)
        if problem:
            raise PixelProblem(problem)
        pixels = top.get(PIXEL_DATA)
        if pixels is not None and pixels.length == UNDEFINED and frame_text.without_text(data[pixels.vstart:pixels.end]):
            raise Unsupported("text segments in compressed frames")  # the engine removes them
        age = None
        if e.keep_age:
            age, changed = self._age(data, top, enc)
            if changed:
                stats["age_derived_or_top_coded"] += 1
        run = _Run(data, enc, sop_class, e.pseudo.date_offset(patient.patient_key), e.pseudo.patient(patient.patient_key), patient.values, stats,
                   patient.conventions or e.conventions)
        out = self._dataset(elems, (), run)  # dict tag -> bytes
        # Post steps, as Engine.deidentify: age, demographics, additions, marks, extra.
        demographics = tuple(sorted(patient.demographics.items()))
        removed, encoded = self._post(charset, age, demographics, patient.note)
        for tag in removed:
            if out.pop(tag, None) is not None and patient.demographics.get(tag, 0) is None and table.attribute_type(tag, sop_class) == 2:
                out[tag] = encode_header(tag, _dict_vr(tag), 0)  # as Engine: a suppressed type 2 attribute stays, empty
        out.update(encoded)
        if e.add:
            stats["added"] += len(e.add)
        if extra is not None:
            post = Dataset()
            apply_extra(post, extra_for_instance(extra, sop_class, frozenset(out)))
            out.update(self._encode(post, charset))
        new_sop = run.new_sop
        if new_sop is None:
            new_sop = self._text(data, top[0x00080018], enc).strip("\0 ") if 0x00080018 in top else ""
        parts: list[bytes | memoryview] = []
        pending: list[bytes | memoryview] = [b"\0" * 128 + b"DICM", file_meta(sop_class, new_sop, syntax)]
        for tag in sorted(out):
            value = out[tag]
            if isinstance(value, memoryview):
                parts.append(b"".join(pending))
                parts.append(value)
                pending = []
            else:
                pending.append(value)
        if pending:
            parts.append(b"".join(pending))
        return parts, stats

    def _age(self, data: bytes, top: dict[int, _Elem], enc: str) -> tuple[str | None, bool]:
        """The age kept (derived from the dates when absent, top-coded), and whether it
        differs from the Patient's Age the file holds; remembered by the texts it comes
        from (the same for every instance of a study)."""
        texts = tuple((tag, top[tag].vr, self._text(data, top[tag], enc)) for tag in _AGE_TAGS if tag in top)
        known = self._age_cache.get(texts)
        if known is not None:
            return known
        probe = Dataset()
        for tag, vr, text in texts:
            probe[tag] = _to_element(tag, vr, text.rstrip("\0 "))
        age = derive_age(probe)
        changed = False
        if age is not None:
            age = top_code(age)
            current = next((text for tag, _, text in texts if tag == 0x00101010), "").strip("\0 ").upper()
            changed = age != current
        if len(self._age_cache) >= 64:
            self._age_cache.clear()
        self._age_cache[texts] = (age, changed)
        return age, changed

    def _post(self, charset: str, age, demographics: tuple, note: str) -> tuple[frozenset[int], dict[int, bytes]]:
        """Encoded elements written after cleaning (cached: the same for most files)."""
        cache_key = (charset, age, demographics, note)
        cached = self._post_cache.get(cache_key)
        if cached is not None:
            return cached
        e = self.e
        post = Dataset()
        removed: set[int] = set()
        if e.keep_age:
            if age is not None:
                post.PatientAge = age
            else:
                removed.add(TAG_PATIENT_AGE)
        for tag, value in demographics:
            if value is None:
                removed.add(tag)
                post.pop(tag, None)
            else:
                post[tag] = _to_element(tag, _dict_vr(tag), value)
                removed.discard(tag)
        for tag, value in e.add.items():
            post[tag] = _to_element(tag, _dict_vr(tag), value)
        e._mark(post, note)
        result = (frozenset(t for t in removed if t not in post), self._encode(post, charset))
        if len(self._post_cache) < 4096:
            self._post_cache[cache_key] = result
        return result

    def _encode(self, ds: Dataset, charset: str) -> dict[int, bytes]:
        encodings = self._encodings(charset)
        out = {}
        for element in ds:
            fp = DicomBytesIO()
            fp.is_little_endian = True
            fp.is_implicit_VR = False
            write_data_element(fp, element, encodings)
            out[int(element.tag)] = fp.getvalue()
        return out

    def _encodings(self, charset: str) -> list[str]:
        if charset not in self._encodings_cache:
            from pydicom.charset import convert_encodings

            self._encodings_cache[charset] = convert_encodings(charset or "ISO_IR 100")
        return self._encodings_cache[charset]

    @staticmethod
    def _meta(_self, data: bytes) -> tuple[dict[int, str], int]:
        pos = 132
        values = {}
        while pos + 8 <= len(data):
            if U16.unpack_from(data, pos)[0] != 0x0002:
                break
            tag, vr, length, head = element_header(data, pos, False)
            if vr not in VR_BYTES:
                raise Unsupported("file meta not explicit VR")
            vstart = pos + head
            if length == UNDEFINED:
                raise Unsupported("file meta")
            if vr == b"UI":
                values[tag] = data[vstart:vstart + length].decode("latin-1").strip("\0 ")
            pos = vstart + length
        return values, pos

    @staticmethod
    def _text(data: bytes, el: _Elem, enc: str) -> str:
        return data[el.vstart:el.vstart + el.length].decode(enc)

    def _pixel_problem(self, data: bytes, top: dict[int, _Elem], syntax: str) -> str | None:
        pixels = top.get(0x7FE00010)
        if pixels is None:
            return None

        def us(tag):
            el = top.get(tag)
            if el is None:
                return None
            if el.vr == "US" and el.length >= 2:
                return U16.unpack_from(data, el.vstart)[0]
            text = self._text(data, el, "latin-1").strip("\0 ")
            return int(text) if text.isdigit() else None

        photometric = self._text(data, top[0x00280004], "latin-1").strip("\0 ") if 0x00280004 in top else ""
        return pixel_size.size_problem(syntax, pixels.length, us(0x00280010), us(0x00280011), us(0x00280002),
                                       us(0x00280008), us(0x00280100), photometric)

    # --- traversal ----------------------------------------------------------------

    def _dataset(self, elems: list[_Elem], path: tuple[str, ...], run: _Run) -> dict[int, bytes | memoryview]:
        steps = self._steps
        sop_class = run.sop_class
        buf = run.buf
        out: dict[int, bytes | memoryview] = {}
        private = []
        for el in elems:
            tag = el.tag
            if tag & 0xFFFF == 0:
                continue
            if tag >> 16 & 1:
                private.append(el)
                continue
            key = (tag, el.vr, sop_class, path)
            step = steps.get(key)
            if step is None:
                step = self._step(key)
            decision, needs_value, as_is = step
            if as_is:  # kept as it is, not counted (the most common decision); large values as views
                out[tag] = buf[el.start:el.end] if el.end - el.start < _VIEW_SIZE or path else memoryview(buf)[el.start:el.end]
                continue
            result = self._remembered(el, decision, needs_value, path, run)
            if result is not None:
                out[tag] = result
            if tag == 0x00080018 and not path and result is not None:
                run.new_sop = self._value_of(result)
        if private:
            self._private(private, path, run, out)
        return out

    def _remembered(self, el: _Elem, decision: Decision, needs_value: bool, path: tuple[str, ...], run: _Run) -> bytes | None:
        """:meth:`_outcome`, remembered: the same element bytes under the same decision and
        the same file context (:attr:`_Run.context`) give the same bytes and the same counts,
        and most changed elements recur unchanged in every file of a series (descriptions,
        study and series UIDs, dates, sequences).  Not the instance's own SOP Instance UID,
        which never recurs (remembering it would be state per instance)."""
        if el.end - el.start > _MEMO_BYTES or (el.tag == 0x00080018 and not path):
            return self._outcome(el, decision, needs_value, path, run)
        key = (el.tag, el.vr, path, bytes(run.buf[el.start:el.end]), run.context)
        memo = self._memo
        known = memo.get(key)
        if known is None:
            stats, run.stats = run.stats, Counter()
            try:
                known = (self._outcome(el, decision, needs_value, path, run), tuple(run.stats.items()))
            finally:
                stats.update(run.stats)
                run.stats = stats
            if len(memo) >= _MEMO_SIZE:
                memo.clear()
            memo[key] = known
        else:
            stats = run.stats
            for name, count in known[1]:
                stats[name] += count
        return known[0]

    def _outcome(self, el: _Elem, decision: Decision, needs_value: bool, path: tuple[str, ...], run: _Run) -> bytes | None:
        """The element ``el`` after ``decision`` (:meth:`_carry_out`), given a value when it
        must keep one (``needs_value``)."""
        result = self._carry_out(el, decision, path, run)
        if result is not None and needs_value and _empty_value(result):
            result = self._dummy(el, run)  # as Engine: a type 1/1C attribute is never left empty
            run.stats["D_required"] += 1
        return result

    def _step(self, key: tuple[int, str, str, tuple[str, ...]]) -> tuple[Decision, bool, bool]:
        """The decision for a public element ``(tag, VR, SOP class, path)``, whether it
        must keep a value (type 1/1C), and whether it is simply copied (kept, not counted,
        whatever its value); from the decision table, remembered (the same elements recur
        in every file of a series)."""
        decisions = self.e.decisions
        tag, vr, sop_class, path = key
        action = decisions.action(tag, sop_class, path)
        decision = decisions.decide(action, tag, vr)
        needs_value = action != REPLACE and decisions.must_have_value(tag, sop_class, path)
        as_is = decision.op is Op.KEEP and decision.stat is None and not decision.unless_empty and not needs_value and tag != 0x00080018
        step = (decision, needs_value, as_is)
        if len(self._steps) < _STEPS_CACHED:
            self._steps[key] = step
        return step

    def _value_of(self, encoded: bytes) -> str:
        vstart = 8
        return encoded[vstart:].decode("latin-1").strip("\0 ")

    def _carry_out(self, el: _Elem, decision: Decision, path: tuple[str, ...], run: _Run) -> bytes | None:
        """The element ``el`` after ``decision`` (``None``: removed); counted when it applies."""
        op = decision.op
        values: list[str] = []
        if decision.unless_empty:
            if el.length == 0:
                return run.buf[el.start:el.end]
            values = self._values(el, run)
            if all(v == "" for v in values):
                return run.buf[el.start:el.end]
        if op is Op.REMOVE:
            result: bytes | None = None
        elif op is Op.REPLACE:
            result = encode_element(el.tag, _dict_vr(el.tag), self.e.replace[el.tag].encode(run.enc))
        elif op is Op.KEEP:
            result = run.buf[el.start:el.end]
        elif op is Op.KEEP_TEXT:
            result = self._keep(el, run) if el.length else run.buf[el.start:el.end]
        elif op is Op.KEEP_CODES:
            result = self._keep_codes(el, run) if el.length else run.buf[el.start:el.end]
        elif op is Op.CLEAN_ITEMS:
            result = self._sequence(el, path + (table.public_signature(el.tag),), run)
        else:
            result = self._change(el, op, values, run)
            if result is None:
                return run.buf[el.start:el.end]  # left as it was: not counted
        if decision.stat:
            run.stats[decision.stat] += 1
        return result

    def _change(self, el: _Elem, op: Op, values: list[str], run: _Run) -> bytes | None:
        """The element ``el`` with its value changed as ``op`` says; ``None`` when it stays
        as it was (``values``: its values, when already read)."""
        tag, vr = el.tag, el.vr
        if op is Op.EMPTY:
            return encode_sequence(tag, []) if vr == "SQ" else encode_header(tag, vr, 0)
        if op is Op.PSEUDONYM:
            return self._strings(tag, vr, [run.pseudonym], run)
        if op is Op.HASH:
            mapped = [self.e.pseudo.value(v) if v.strip() else "" for v in self._values(el, run)]
            return self._strings(tag, vr, mapped, run)
        if op is Op.NEW_UIDS:
            return self._uids(el, run, keep_standard=False)
        if op is Op.NEW_INSTANCE_UIDS:
            encoded = self._uids(el, run, keep_standard=True)
            if self._values_bytes(encoded) == [v.strip("\0 ") for v in values]:
                return None
            return encoded
        if op is Op.KEEP_CLASS_UIDS:
            if not uid_holds_identifier([v.strip("\0 ") for v in values], run.values):
                return None
            return self._uids(el, run, keep_standard=True)
        if op is Op.DUMMY:
            return self._dummy(el, run)
        if op is Op.SHIFT_DATES:
            return self._shift(el, run)
        if op is Op.SCRUB:
            return self._scrub(el, run)
        if op is Op.SCRUB_IF_IDENTIFIER:
            text = " ".join(values)
            if label_holds_name_or_date(text):
                run.stats["text_cleaned"] += 1
                return self._strings(tag, vr, clean_label(self._values(el, run), run.values), run)
            if not (has_identifier(text, run.values) or OID_LIKE.search(text)):
                return None
            return self._scrub(el, run)
        raise Unsupported(f"operation {op}")

    def _private(self, elems: list[_Elem], path, run: _Run, out: dict[int, bytes | memoryview]) -> None:
        stats = run.stats
        decisions = self.e.decisions
        if decisions.safe_private is None:
            stats["private_removed"] += len(elems)
            return
        creators: dict[int, tuple[str, bytes]] = {}
        for el in elems:
            if is_private_creator(el.tag):
                creators[el.tag] = (run.buf[el.vstart:el.vstart + el.length].decode("latin-1").strip("\0 "), run.buf[el.start:el.end])
        used: set[int] = set()
        for el in elems:
            tag = el.tag
            if tag in creators:
                continue
            owner = creator_tag(tag)
            signature = decisions.safe_signature(path, tag, creators.get(owner, ("", b""))[0])
            kept = None
            if signature is not None:
                op = decisions.private_op(el.vr)
                if op is Op.CLEAN_ITEMS:
                    kept = self._sequence(el, signature, run)
                elif op is Op.KEEP or (op is Op.KEEP_IF_SAFE and self._private_safe(el, run, signature in decisions.private_free_text)):
                    kept = run.buf[el.start:el.end]
            if kept is not None:
                used.add(owner)
                stats["private_kept"] += 1
                out[tag] = kept
            else:
                stats["private_removed"] += 1
        for tag, (_, raw) in creators.items():
            if tag in used:
                out[tag] = raw

    # --- values -------------------------------------------------------------------

    def _sequence(self, el: _Elem, path, run: _Run) -> bytes:
        items = []
        for start, end in el.items or ():
            elems, _ = _parse(run.buf, start, end, True)
            cleaned = self._dataset(elems, path, run)
            items.append(b"".join(cleaned[tag] for tag in sorted(cleaned)))
        return encode_sequence(el.tag, items)

    def _private_safe(self, el: _Elem, run: _Run, free_text: bool) -> bool:
        if el.vr in BYTE_VRS:
            return binary_value_safe(bytes(run.buf[el.vstart:el.vstart + el.length]), run.values)
        parts = self._values(el, run)
        return private_text_safe(" ".join(parts), run.values, el.vr, parts, free_text)

    def _values(self, el: _Elem, run: _Run) -> list[str]:
        text = run.buf[el.vstart:el.vstart + el.length].decode(run.enc if el.vr in TEXT_VRS or el.vr == "PN" else "latin-1")
        if el.vr in SINGLE_VALUE_VRS:
            return [text.rstrip("\0 ")]
        return [v.rstrip("\0 ").lstrip(" ") if el.vr not in LEADING_SPACE_VRS else v.rstrip("\0 ") for v in text.split("\\")]

    @staticmethod
    def _values_bytes(encoded: bytes) -> list[str]:
        head = value_offset(encoded)
        return [v.strip("\0 ") for v in encoded[head:].decode("latin-1").split("\\")]

    def _strings(self, tag: int, vr: str, values: list[str], run: _Run) -> bytes:
        return encode_element(tag, vr, "\\".join(values).encode(run.enc if vr in TEXT_VRS or vr == "PN" else "ascii"))

    def _uids(self, el: _Elem, run: _Run, keep_standard: bool) -> bytes:
        pseudo = self.e.pseudo
        new_uid = pseudo.instance_uid if el.tag == 0x00080018 else pseudo.uid  # see instance_uid
        out = []
        for uid in run.buf[el.vstart:el.vstart + el.length].decode("latin-1").split("\\"):
            uid = uid.strip("\0 ")
            if not uid or keep_standard and (uid.startswith("1.2.840.10008.") or uid in UID_dictionary):
                out.append(uid)
            else:
                out.append(new_uid(uid))
        return encode_element(el.tag, "UI", "\\".join(out).encode("ascii"))

    def _dummy(self, el: _Elem, run: _Run) -> bytes:
        vr = el.vr
        if vr == "UI":
            return self._uids(el, run, keep_standard=False)
        if vr in NUMBER_SIZES:
            return encode_element(el.tag, vr, b"\0" * NUMBER_SIZES[vr])
        if vr in DUMMY:
            return encode_element(el.tag, vr, str(DUMMY[vr]).encode("ascii"))
        if vr == "SQ":
            return encode_sequence(el.tag, [])
        if vr == "AT":
            raise Unsupported("AT dummy")
        return encode_element(el.tag, vr, BINARY_DUMMY)

    def _shift(self, el: _Elem, run: _Run) -> bytes:
        fn = shift_date if el.vr == "DA" else shift_datetime
        out = []
        for text in self._values(el, run):
            text = text.strip()
            if not text:
                out.append("")
            elif el.vr == "DA" and "-" in text:
                parts = [fn(p, run.offset) if p else "" for p in text.split("-")]
                out.append("" if None in parts else "-".join(p or "" for p in parts))
            else:
                out.append(fn(text, run.offset) or "")
        run.stats["dates_shifted"] += 1
        return self._strings(el.tag, el.vr, out, run)

    def _scrub(self, el: _Elem, run: _Run) -> bytes:
        values = self._values(el, run)
        cleaned = clean_values(values, run.values, el.tag, run.conventions)
        run.stats["text_cleaned"] += 1
        return self._strings(el.tag, el.vr, cleaned, run)

    def _keep(self, el: _Elem, run: _Run) -> bytes:
        """As ``Engine._keep``: free text through the allowlist, other kept text without
        the patient's identifier values."""
        if freetext.is_free_text(el.tag):
            return self._scrub(el, run)
        values = self._values(el, run)
        if device_text_names_someone(" ".join(values)):
            run.stats["text_cleaned"] += 1
            return self._strings(el.tag, el.vr, clean_label(values, run.values), run)
        if not has_identifier(" ".join(values), run.values):
            return run.buf[el.start:el.end]
        run.stats["text_cleaned"] += 1
        return self._strings(el.tag, el.vr, keep_values(values, run.values), run)

    def _keep_codes(self, el: _Elem, run: _Run) -> bytes:
        """As ``Engine._keep_codes``: a coded value holding a person-name or ID-like part is emptied."""
        values = self._values(el, run)
        kept = keep_codes(values, run.values)
        if kept == values:
            return run.buf[el.start:el.end]
        run.stats["text_cleaned"] += 1
        return self._strings(el.tag, el.vr, kept, run)


def file_meta(sop_class: str, sop_instance: str, syntax: str) -> bytes:
    """The File Meta Information group of a de-identified instance, as pydicom's
    ``write_file_meta_info(..., enforce_standard=True)`` writes it (group length, version,
    the three UIDs, curator's implementation UID and version name).  Valid UIDs are
    encoded here; anything else (empty, too long, not a UID) is left to pydicom, which
    judges (and warns about) it as before."""
    if not (_plain_uid(sop_class) and _plain_uid(sop_instance) and _plain_uid(syntax)):
        return _pydicom_file_meta(sop_class, sop_instance, syntax)
    body = (encode_element(0x00020002, "UI", sop_class.encode("ascii")) + encode_element(0x00020003, "UI", sop_instance.encode("ascii"))
            + encode_element(0x00020010, "UI", syntax.encode("ascii")) + _META_TAIL)
    return _META_GROUP_LENGTH + U32.pack(len(body) + len(_META_VERSION)) + _META_VERSION + body


_META_GROUP_LENGTH = encode_header(0x00020000, "UL", 4)
_META_VERSION = encode_element(0x00020001, "OB", b"\x00\x01")
_META_TAIL = (encode_element(0x00020012, "UI", IMPLEMENTATION_CLASS_UID.encode("ascii"))
              + encode_element(0x00020013, "SH", IMPLEMENTATION_VERSION.encode("ascii")))


def _plain_uid(uid: str) -> bool:
    """A UID as PS3.5 9.1 allows it (pydicom's own pattern, matched whole)."""
    return len(uid) <= 64 and RE_VALID_UID.fullmatch(uid) is not None


def _pydicom_file_meta(sop_class: str, sop_instance: str, syntax: str) -> bytes:
    meta = FileMetaDataset()
    meta.FileMetaInformationVersion = b"\x00\x01"
    meta.MediaStorageSOPClassUID = UID(sop_class)
    meta.MediaStorageSOPInstanceUID = UID(sop_instance)
    meta.TransferSyntaxUID = UID(syntax)
    meta.ImplementationClassUID = UID(IMPLEMENTATION_CLASS_UID)
    meta.ImplementationVersionName = IMPLEMENTATION_VERSION
    fp = DicomBytesIO()
    fp.is_little_endian = True
    fp.is_implicit_VR = False
    write_file_meta_info(fp, meta, enforce_standard=True)
    return fp.getvalue()


class PixelProblem(Exception):
    """The file is truncated; reject it (same reason as the pydicom path)."""


def _to_element(tag: int, vr: str, value: str | bytes | list[Dataset]) -> DataElement:
    return DataElement(tag, vr, value)



# --- header facts for the first pass --------------------------------------------

_PROBE_TAGS = (
    0x00080016, 0x00080018, 0x0020000D, 0x0020000E, 0x00100020, 0x00100021, 0x00100010,
    0x00100030, 0x00101010, 0x00080020, 0x00080021, 0x00080022, 0x00080023, 0x00100040,
    0x00102160, 0x00080080, 0x00280301, 0x00080060,
    0x00101020, 0x00101030,  # size and weight (the public tier's bands)
    0x00081030, 0x0008103E, 0x00181030,  # descriptions and protocol name (site conventions)
)
_PIXEL_TAGS = (0x7FE00010, 0x7FE00008, 0x7FE00009)
_CHARSET = BaseTag(0x00080005)


def scan_bytes(data: bytes, collect_vrs: frozenset[str], collect_tags: frozenset[int]) -> tuple[Dataset, frozenset[str]]:
    """A small dataset of the top-level facts the first pass needs, and the identifier
    values of the whole header (the same values as ``curator.deid.scrub.identifier_values``).

    Raises :class:`Unsupported` for anything the byte walk does not handle exactly like
    pydicom (the caller then reads the file with pydicom).
    """
    scanned = scan_header_bytes(data, collect_vrs, collect_tags)
    return scanned.probe(), scanned.values


class Scanned:
    """What :func:`scan_header_bytes` found: the identifier values, the raw top-level
    facts (:meth:`probe` builds their small dataset) and :attr:`key`, equal for two
    headers whose facts other than the SOP Instance UID are equal (same bytes, same
    character set, same elements present), and the identifier values equal."""

    __slots__ = ("elements", "encoding", "key", "sop", "values")

    def __init__(self, elements: tuple, encoding: str, flags: tuple[bool, ...], sop: tuple | None, values: frozenset[str]):
        self.elements = elements  # (tag, VR, raw value) of the probe's tags but the SOP Instance UID, in _PROBE_TAGS order
        self.encoding = encoding
        self.sop = sop  # (tag, VR, raw value) of the SOP Instance UID, or None
        self.values = values
        self.key = (elements, encoding, flags, values)

    def sop_text(self) -> str | None:
        """The SOP Instance UID as the probe holds it (None when absent)."""
        if self.sop is None:
            return None
        return self.sop[2].decode(self.encoding).rstrip("\0 ")

    def probe(self) -> Dataset:
        """The small dataset of the top-level facts (elements converted by pydicom)."""
        data = {found[0]: found for found in self.elements}
        if self.sop is not None:
            data[self.sop[0]] = self.sop
        probe = Dataset()
        for tag in _PROBE_TAGS:
            found = data.get(tag)
            if found is not None:
                probe[tag] = _to_element(tag, found[1], found[2].decode(self.encoding).rstrip("\0 "))
        flags = self.key[2]
        for tag, present in zip(_PRESENCE_TAGS, flags):
            if present:
                probe[tag] = _to_element(tag, *_PRESENCE_ELEMENTS[tag])
        return probe


_SOP_INSTANCE = 0x00080018
_AGE_TAGS = (0x00101010, 0x00100030, 0x00080020, 0x00080021, 0x00080022, 0x00080023)  # what the age kept is derived from
_PRESENCE_TAGS = (*_PIXEL_TAGS, 0x00041220, 0x00420011)  # only their presence matters to the first pass
_PRESENCE_ELEMENTS: dict[int, tuple[str, bytes | list[Dataset]]] = {
    **{tag: ("OB", b"") for tag in _PIXEL_TAGS},
    0x00041220: ("SQ", []),  # a media directory
    0x00420011: ("OB", b""),  # Encapsulated Document: its presence withholds the instance (curator.deid.withheld)
}


def scan_header_bytes(data: bytes, collect_vrs: frozenset[str], collect_tags: frozenset[int]) -> Scanned:
    """:func:`scan_bytes` before its small dataset is built (:meth:`Scanned.probe`).

    Raises :class:`Unsupported` for anything the byte walk does not handle exactly like
    pydicom (the caller then reads the file with pydicom)."""
    if len(data) < 132 or data[128:132] != b"DICM":
        raise Unsupported("no Part 10 header")
    meta, body_pos = FastEngine._meta(None, data)
    syntax = meta.get(0x00020010)
    if syntax is None or syntax in UNSUPPORTED_SYNTAXES:
        raise Unsupported("transfer syntax")
    elems, _ = _parse(data, body_pos, len(data), False)
    top = {el.tag: el for el in elems}
    charset_el = top.get(0x00080005)
    charset = data[charset_el.vstart:charset_el.vstart + charset_el.length].decode("latin-1").strip() if charset_el else ""
    if "\\" in charset or charset not in CHARSETS:
        raise Unsupported("character set")
    _check_reading(data, elems, charset)
    enc = CHARSETS[charset]
    found: list[tuple] = []
    sop = None
    for tag in _PROBE_TAGS:
        el = top.get(tag)
        if el is not None and el.length:
            raw = data[el.vstart:el.vstart + el.length]
            raw.decode(enc)  # as the probe decodes it: an undecodable value goes through pydicom
            if el.vr in ("US", "SS", "UL", "SL", "FL", "FD", "OB", "OW", "UN", "SQ"):
                raise Unsupported("unexpected VR")
            if tag == _SOP_INSTANCE:
                sop = (tag, el.vr, raw)
            else:
                found.append((tag, el.vr, raw))
    flags = tuple(tag in top for tag in _PRESENCE_TAGS)
    # The identifier values come from curator.deid.scrub itself, run on small datasets that
    # hold only the elements it collects (raw bytes, converted by pydicom as usual).
    batches: list[dict] = []
    _collect(data, elems, charset, collect_vrs, collect_tags, batches)
    values: set[str] = set()
    for batch in batches:
        values |= identifier_values(Dataset(batch))
    return Scanned(tuple(found), enc, flags, sop, frozenset(values))


# What :func:`facts_key` keeps of a header at most (bytes of its elements other than the
# SOP Instance UID): beyond it, no key (the header pass works the facts out as usual).
_KEY_BYTES = 64 * 1024
_KEY_TAGS = frozenset({*_PROBE_TAGS, 0x00080005, *_PRESENCE_TAGS}) - {_SOP_INSTANCE}
_SOP_VRS_REFUSED = frozenset({b"US", b"SS", b"UL", b"SL", b"FL", b"FD", b"OB", b"OW", b"UN", b"SQ"})
_META_PER_INSTANCE = frozenset({0x00020000, 0x00020003})
_CHARSET_VR_BYTES = frozenset(vr.encode("ascii") for vr in CHARSET_VRS)  # group length, Media Storage SOP Instance UID


def facts_key(data: bytes, source: RawSource, collect_vrs: frozenset[str],
              collect_tags: frozenset[int]) -> tuple[tuple, str] | None:
    """A key of what the header pass's facts of ``data`` depend on, read from the bytes
    the readability check already walked (``source``, Explicit VR Little Endian), and the
    SOP Instance UID as :meth:`Scanned.sop_text` gives it; ``None`` when the header is
    not one this key is made for (the facts are then worked out as usual).

    The key holds, besides the File Meta (its per-instance elements aside), the raw bytes
    (tag, VR, value) of every top-level element the facts are read from (the probe's
    elements but the SOP Instance UID, the character set, the elements whose presence
    counts) and of every element :func:`scan_header_bytes` collects identifier values
    from or walks into (by VR or tag, every sequence with its items, every element stored
    as UN), every text value with a byte over 0x7F (the header's text is read as
    :func:`curator.dicom.textcodec.decide` finds from all of them), and everything after
    the pixel data element: two headers with equal keys have
    equal facts but for the SOP Instance UID (and :func:`scan_header_bytes` judges them
    alike), so the facts of one are those of the other.  Not made for Implicit VR, pixel
    data of undefined length, a SOP Instance UID that is not a single text value, or more
    than :data:`_KEY_BYTES` bytes of kept values."""
    if source.implicit or len(data) < 144:
        return None
    parts: list[tuple] = []
    kept = 0
    pos, start = 132, source.start
    try:
        while pos < start:  # File Meta (explicit VR little endian)
            tag, vr, length, size = element_header(data, pos, False)
            if length == UNDEFINED:
                return None
            end = pos + size + length
            if tag not in _META_PER_INSTANCE:
                parts.append((tag, data[pos + size:end]))
            pos = end
        if pos != start:
            return None
        unpack, unpack_long, limit = EXPLICIT_HEAD.unpack_from, U32.unpack_from, source.end
        walked_vrs = _walked_vrs(collect_vrs)
        sop: bytes | None = None
        charset = b""
        while pos < limit:
            if pos + 8 > limit:
                return None
            group, element, vr, length = unpack(data, pos)
            tag = (group << 16) | element
            if vr in LONG_LENGTH_VR_BYTES:
                length = unpack_long(data, pos + 8)[0]
                vstart = pos + 12
            elif vr in VR_BYTES:
                vstart = pos + 8
            else:
                return None
            if length == UNDEFINED:
                if vr != b"SQ":
                    return None
                end = skip_sequence(data, vstart, False)
            else:
                end = vstart + length
            if end > limit:
                return None
            if tag == _SOP_INSTANCE:
                if vr in _SOP_VRS_REFUSED:
                    return None
                sop = data[vstart:end]
            elif vr in walked_vrs or tag in _KEY_TAGS or tag in collect_tags or (vr in _CHARSET_VR_BYTES and not data[vstart:end].isascii()):
                # text with a byte over 0x7F is kept too: how the header's text is read
                # (curator.dicom.textcodec.decide) depends on every such value
                kept += end - vstart
                parts.append((tag, vr, data[vstart:end]))
                if tag == 0x00080005:
                    charset = data[vstart:end]
            pos = end
        if pos != limit:
            return None
        if limit < len(data):  # the pixel data element (its presence), and everything after it
            tag, vr, length, size = element_header(data, limit, False)
            if tag not in PIXEL_TAGS or length == UNDEFINED or limit + size + length > len(data):
                return None
            tail = data[limit + size + length:]
            kept += len(tail)
            parts.append((tag, vr, tail))
    except (NeedMore, Unsupported, KeyError):
        return None
    if kept > _KEY_BYTES or not sop:
        return None
    return _sop_of(tuple(parts), sop, charset)


@lru_cache(maxsize=8)
def _walked_vrs(collect_vrs: frozenset[str]) -> frozenset[bytes]:
    """The VRs (as bytes) of the elements :func:`scan_header_bytes` collects from or walks into."""
    return frozenset({b"SQ", b"UN", *(vr.encode("ascii") for vr in collect_vrs)})


def _sop_of(key: tuple, sop: bytes, charset_raw: bytes) -> tuple[tuple, str] | None:
    charset = charset_raw.decode("latin-1").strip()
    encoding = CHARSETS.get(charset) if "\\" not in charset else None
    if encoding is None:
        return None
    try:
        text = sop.decode(encoding).rstrip("\0 ")
    except UnicodeDecodeError:
        return None
    return (("raw", key), text) if text else None


def _text_bytes(data: bytes, elems: list[_Elem], out: list[bytes]) -> bool:
    """Append the raw bytes of every text value (the VRs the character set applies to), items
    included, to ``out``; whether an item at any depth declares its own Specific Character Set
    (one walk: each item is parsed once)."""
    own = False
    for el in elems:
        if el.vr == "SQ":
            for start, end in el.items or ():
                inner = _parse(data, start, end, True)[0]
                own = _text_bytes(data, inner, out) or own or any(e.tag == _CHARSET for e in inner)
        elif el.vr in CHARSET_VRS and el.length:
            out.append(data[el.vstart:el.vstart + el.length])
    return own


def _check_reading(data: bytes, elems: list[_Elem], charset: str) -> None:
    """Refuse (to the pydicom path, which reads it as found) a file whose text is not in its
    declared character set (:func:`curator.dicom.textcodec.decide`): the byte path reads
    text as declared; and a file with an item that declares its own set (decided alone by the
    pydicom path)."""
    texts: list[bytes] = []
    own = _text_bytes(data, elems, texts)
    if decide([charset], texts).changed:
        raise Unsupported("text not in its declared character set")
    if own:
        raise Unsupported("an item declares its own character set")


def _collect(data, elems, charset, collect_vrs, collect_tags, batches: list[dict]) -> None:
    """The raw elements ``curator.deid.scrub`` collects identifier values from, in small
    datasets' element dicts (a tag at most once in each)."""
    for el in elems:
        if el.vr == "SQ":
            for start, end in el.items or ():
                inner, _ = _parse(data, start, end, True)
                _collect(data, inner, charset, collect_vrs, collect_tags, batches)
            continue
        if el.vr == "UN" and el.tag >> 16 & 1:
            raise Unsupported("private UN element (pydicom may know its VR)")
        if el.vr not in collect_vrs and el.tag not in collect_tags:
            continue
        if not el.length:
            continue
        key = BaseTag(el.tag)
        for batch in batches:
            if key not in batch:
                break
        else:
            batch = {_CHARSET: DataElement(_CHARSET, "CS", charset)} if charset else {}
            batches.append(batch)
        batch[key] = RawDataElement(key, el.vr, el.length, data[el.vstart:el.vstart + el.length], el.vstart, False, True)
