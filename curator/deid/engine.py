"""Per-dataset de-identification driven by PS3.15 Table E.1-1 and a profile.

:class:`Engine` is built once per process from a :class:`~curator.deid.profile.Profile`
and a key; :meth:`Engine.deidentify` transforms one dataset in place, recursing into every
sequence at any depth, and returns counts per action.  What happens to an element:

* every decision comes from the one decision table, :mod:`curator.deid.decisions`
  (shared with the byte path, :mod:`curator.deid.fastpath`); this module carries it out
  on pydicom elements;
* listed in the table: the action of the profile (Basic Profile + options + overrides,
  compound codes resolved by the attribute's type in the IOD, see ``table.py``);
* private (odd group): removed, unless *Retain Safe Private* is on and its signature is
  ``k`` in the TCIA knowledge base (and its text holds no identifier of the patient);
* not listed: kept, except person names (dummy), instance UIDs (remapped), dates
  (shifted / kept / removed like the listed dates) and free text holding an identifier
  of the patient (cleaned);
* group lengths, curves (50xx) and overlays (60xx) follow the table's pattern rows.
"""
from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache

import pydicom
from pydicom.datadict import dictionary_VR
from pydicom.dataelem import DataElement
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.sequence import Sequence
from pydicom.uid import UID, UID_dictionary

from curator import __version__
from curator.deid import frame_text, freetext
from curator.deid.charset import escapes_removed
from curator.dicom.textcodec import read_as_found
from curator.deid import table
from curator.deid.decisions import BYTE_VRS, DROP_OVERLAY, REPLACE, UNLISTED, Decision, Decisions, Op, creator_tag, is_private_creator
from curator.deid.profile import Profile, method_code_item
from curator.deid.pseudonyms import Pseudonymizer, shift_date, shift_datetime
from curator.common.fold import INSIDE_WORD
from curator.resources import load_yaml, mappings_dir
from curator.deid.scrub import (
    UID_LIKE, ascii_digits, code_holds_identifier, fold, holds_abbreviated_name, id_parts, matched_words,
    declined_name, person_name_words, scrub_rules, scrub_text, split_parts, uid_holds_identifier,
)
from curator.dicom.vr import STRING_VRS, value_conforms

BINARY_DUMMY = b"\0" * 8
_MULTI = (list, tuple, pydicom.multival.MultiValue)  # an element value of several values
DUMMY = {
    "AE": "ANON", "AS": "000Y", "CS": "ANON", "DA": "19000101", "DT": "19000101000000",
    "TM": "000000", "DS": "0", "IS": "0", "LO": "ANONYMIZED", "SH": "ANONYMIZED",
    "ST": "ANONYMIZED", "LT": "ANONYMIZED", "UT": "ANONYMIZED", "UC": "ANONYMIZED",
    "PN": "ANONYMOUS", "UR": "", "FL": 0.0, "FD": 0.0, "SL": 0, "SS": 0, "UL": 0,
    "US": 0, "SV": 0, "UV": 0,
}
_WORD = re.compile(r"\w+", re.UNICODE)
_WHOLE_WORD = re.compile(rf"[^\W_](?:[^\W_]|{INSIDE_WORD})*", re.UNICODE)  # as curator.deid.scrub reads words
# A UID is an OID (PS3.5 9.1, ISO/IEC 8824): its first arc is 0, 1 or 2, the second below 40
# under 0 and 1.  A kept device or technical string (Software Versions '4.1.6.25000') is
# cleaned for a UID only in this form: a dotted version number of another form is no UID.
OID_LIKE = re.compile(r"(?<![\w.])(?:[01]\.(?:[0-9]|[1-3][0-9])|2\.\d+)(?:\.\d+){2,}(?![\w.])")
TAG_PATIENT_AGE = 0x00101010
TAG_PATIENT_SEX = 0x00100040
TAG_PATIENT_ID = 0x00100020
TAG_ETHNIC_GROUP = 0x00102160
TAG_PATIENT_SIZE = 0x00101020
TAG_PATIENT_WEIGHT = 0x00101030
TAG_BIRTH_DATE = 0x00100030
TAG_SOP_CLASS = 0x00080016
TAG_PIXEL_DATA = 0x7FE00010
_DATE_TAGS_FOR_AGE = (0x00080020, 0x00080021, 0x00080022, 0x00080023)  # Study, Series, Acquisition, Content
IMPLEMENTATION_CLASS_UID = "2.25.211963454128153209394394457437651183493"  # fixed: "curator" implementation
IMPLEMENTATION_VERSION = ("CURATOR_" + __version__.replace(".", "_"))[:16]


@dataclass(frozen=True)
class PatientContext:
    """What the engine needs to know about the patient of a dataset.

    ``values``: identifier values found anywhere in the patient's headers (removed from
    free text).  ``demographics``: final values for PatientAge / PatientSex / EthnicGroup
    (and, in the public tier, PatientSize / PatientWeight) decided across the whole output
    (k-anonymity); ``None`` as a value removes the
    element, a missing key leaves the engine's own result.
    """

    patient_key: str
    values: frozenset[str] = frozenset()
    demographics: Mapping[int, str | None] = field(default_factory=dict)
    note: str = ""
    # Site conventions of free text (attribute tag -> folded words, curator.deid.freetext);
    # empty: the engine's own ``conventions``.
    conventions: Mapping[int, frozenset[str]] = field(default_factory=dict)


def patient_key_of(ds: Dataset) -> str:
    """Internal identity of the patient of ``ds`` (never written anywhere)."""
    pid = str(ds.get("PatientID", "") or "").strip()
    issuer = str(ds.get("IssuerOfPatientID", "") or "").strip()
    if pid:
        return f"id\0{issuer}\0{pid}"
    name = str(ds.get("PatientName", "") or "").strip()
    birth = str(ds.get("PatientBirthDate", "") or "").strip()
    if name:
        return f"name\0{name}\0{birth}"
    return f"study\0{str(ds.get('StudyInstanceUID', '') or '').strip()}"


def _years_between(birth: str, when: str) -> int | None:
    if len(birth) != 8 or len(when) < 8 or not birth.isdigit() or not when[:8].isdigit():
        return None
    b = (int(birth[:4]), int(birth[4:6]), int(birth[6:8]))
    w = (int(when[:4]), int(when[4:6]), int(when[6:8]))
    if not (1 <= b[1] <= 12 and 1 <= w[1] <= 12) or w < b:
        return None
    years = w[0] - b[0] - ((w[1], w[2]) < (b[1], b[2]))
    return years


def age_years(age: str) -> float | None:
    """An AS value (``045Y``, ``006M``, ``003W``, ``010D``) in years."""
    text = (age or "").strip().upper()
    if len(text) != 4 or not text[:3].isdigit() or text[3] not in "DWMY":
        return None
    n = int(text[:3])
    return {"Y": n, "M": n / 12, "W": n * 7 / 365.25, "D": n / 365.25}[text[3]]


def top_code(age: str, limit: int = 89) -> str:
    years = age_years(age)
    if years is not None and years > limit:
        return f"{limit + 1:03d}Y"
    return age.strip().upper()


def derive_age(ds: Dataset) -> str | None:
    """Patient's age from PatientAge, or from the birth date and the study date."""
    age = str(ds.get("PatientAge", "") or "").strip()
    if age_years(age) is not None:
        return age.upper()
    birth = str(ds.get("PatientBirthDate", "") or "").strip()
    for tag in _DATE_TAGS_FOR_AGE:
        element = ds.get(tag)
        when = str(element.value or "").strip() if element is not None else ""
        if when:
            years = _years_between(birth, when)
            if years is None:
                continue
            if years >= 1:
                return f"{min(years, 999):03d}Y"
            b = (int(birth[:4]), int(birth[4:6]))
            w = (int(when[:4]), int(when[4:6]))
            months = (w[0] - b[0]) * 12 + (w[1] - b[1]) - (int(when[6:8]) < int(birth[6:8]))
            return f"{max(months, 0):03d}M"
    return None


@lru_cache(maxsize=4096)
def _tokens(values: frozenset[str]) -> frozenset[str]:
    out = set()
    for value in values:
        folded = fold(value)  # words cut at marks (\w) and whole (marks inside: as matched_words reads the text)
        for token in {*_WORD.findall(folded), *_WHOLE_WORD.findall(folded)}:
            if len(token) >= 3 or (token.isalpha() and len(token) >= 2):
                out.add(token)
    return frozenset(out)


def has_identifier(text: str, values: frozenset[str]) -> bool:
    tokens = _tokens(values)
    if not tokens:
        return False
    found, named = matched_words(text, values)
    if named:  # a Latin spelling of a name written in Arabic or Hebrew letters
        return True
    folded = fold(text)
    words = [w.latin for w in found]  # "kоwalska" (Cyrillic о) is "kowalska"
    if any(t in tokens for t in words) or split_parts(words, values):  # split_parts: "ROSTKO WSKA"
        return True
    if holds_abbreviated_name(text, values, freetext.is_code_word):  # "PAPAD AP", "I SOMC" (red team 10)
        return True
    if any(declined_name(w.folded, w.latin, values) for w in found):  # "Иванову" (red team 15)
        return True
    latin = " ".join(words)
    # ID-like parts inside longer words ("H12345678"), CJK characters (no word boundaries);
    # phrases need no check: their words of 3+ characters are tokens above.
    return any(part in folded or part in latin for part in id_parts(values))


@lru_cache(maxsize=1)
def identifier_patterns() -> tuple[re.Pattern[str], ...]:
    """The date/phone/ID/e-mail patterns of ``mappings/identifiers.yaml``, compiled once by
    curator.deid.scrub (with their ``{months}`` filled in: compiled here on their own, the
    month-name date patterns looked for the text "{months}" and never matched; red team 7)."""
    return scrub_rules().patterns


def clean_text(text: str, values: frozenset[str], tag: int | None = None,
               conventions: Mapping[int, frozenset[str]] | None = None) -> str:
    """Free text without the patient's identifier values and identifier-like patterns;
    in the free-text attributes (``curator.deid.freetext``) also without any unknown word."""
    text = UID_LIKE.sub(" ", str(text))
    if tag is not None and freetext.is_free_text(tag):
        cleaned = freetext.clean(text, values, (conventions or {}).get(tag, frozenset())) or ""
        if cleaned != text and freetext.is_standard_meaning(tag, text):
            return scrub_text(text, values) or ""  # a standard code meaning stays whole
        return cleaned
    if tag is not None and device_text_names_someone(text):  # a device string naming someone (red team 17)
        return freetext.clean(text, values) or ""
    return scrub_text(text, values) or ""


def clean_values(texts: list[str], values: frozenset[str], tag: int,
                 conventions: Mapping[int, frozenset[str]] | None = None) -> list[str]:
    """:func:`clean_text` of each value of a multi-valued element; a name or ID split over
    neighbouring values (``VB40\\ROSTKO\\WSKA``) empties both."""
    return _without_split_parts([clean_text(v, values, tag, conventions) if v else v for v in texts], values, texts)


def label_holds_name_or_date(text: str) -> bool:
    """Unlisted text that is no free text (a Frame Label, a Dimension Description Label, an
    Annotation Group Label) holds a person's name after a title or role, a date written
    with a month name or a day in words: it is cleaned as free text (:func:`clean_label`).  It
    was cleaned only of the patient's own values, so "Dr Bonfiglio review" and "born 3 March
    1941" stayed (red team 12); so did a date in digits with separators, a phone number or an
    e-mail address, a number after an identifier word ("Acc 24-778812", "MRN 7734102") and a
    name of dictionary words written as a name ("FRANK CHURCH"): red team 13,
    ``mappings/identifiers.yaml`` ``label_patterns``, ``label_pattern_names``.  Numbers alone
    never count: codes (SNOMED CT values) stay."""
    if not text.strip():
        return False
    digits = ascii_digits(text)
    return freetext.has_name(text, titled=True) or any(p.search(digits) for p in scrub_rules().label_patterns)


def clean_label(texts: list[str], values: frozenset[str]) -> list[str]:
    """Each value of an unlisted text for which :func:`label_holds_name_or_date` holds, through
    the free-text allowlist (names, dates and unknown words go)."""
    return _without_split_parts([(freetext.clean(v, values) or "") if v else v for v in texts], values, texts)


def device_text_names_someone(text: str) -> bool:
    """Whether kept text that is no free text (a device string: Long Device Description, Lens
    Make...) names a person after a title or a role ("probe kept by son Nnamdi Eze", "service by Dr
    Okonkwo"): it is then cleaned as free text (:func:`clean_label`).  It was cleaned of the
    patient's own values only, so a relative's or a doctor's name stayed (red team 17).  Makers and
    coils ("Philips Medical Systems", "Atlas Head/Neck") are no such name (``titled``)."""
    return bool(text.strip()) and freetext.has_name(text, titled=True)


def keep_text(text: str, values: frozenset[str]) -> str:
    """Kept text that is not free text (device strings): the identifier values go."""
    return freetext.clean_kept(text, values) or ""


def keep_values(values: list[str], ids: frozenset[str]) -> list[str]:
    """:func:`keep_text` of each value of a kept multi-valued string; a name or ID split over
    neighbouring values (``VB40\\ROSTKO\\WSKA``) empties both values."""
    return _without_split_parts([keep_text(v, ids) for v in values], ids, values)


def keep_codes(values: list[str], ids: frozenset[str]) -> list[str]:
    """Kept coded values (CS, AE, UR): a value holding a person-name or ID-like part of the
    patient's headers (:func:`curator.deid.scrub.code_holds_identifier`) or an ID after its word
    (:func:`_code_holds_id`) is emptied, and so
    are two neighbouring values that hold one only together (``ROSTKO\\WSKA``)."""
    return _without_split_parts(["" if code_holds_identifier(v, ids, freetext.is_code_word) or _code_holds_id(v)
                                 or _code_is_name(v, ids) else v for v in values], ids, values)


def _code_is_name(value: str, ids: frozenset[str]) -> bool:
    """A code of two words or more, each a word of a person's name of the headers ("LONG_LE" for Lê
    Văn Long): the name, though each of its words is a dictionary word or a particle that codes keep
    alone (red team 14)."""
    words = [fold(word) for word in re.split(r"[_\s,^-]+", value) if word]
    return len(words) >= 2 and all(word in person_name_words(ids) for word in words)


def _code_holds_id(value: str) -> bool:
    """A code string that holds an ID glued to its word ("ACC24778812", "MRN_0045521"), a date or an
    e-mail address (``mappings/identifiers.yaml`` ``code_pattern_names``): an identifier of a patient
    whatever its digits are; or a person's name after a title or role ("DR_TSANG_ROI":
    :func:`curator.deid.freetext.code_has_name`).  Red team 14: only the patient's own values
    emptied a code before."""
    digits = ascii_digits(value)
    return any(p.search(digits) for p in scrub_rules().code_patterns) or freetext.code_has_name(value)


def _without_split_parts(out: list[str], ids: frozenset[str], original: list[str]) -> list[str]:
    """``out`` with both of two neighbouring values emptied where they hold a name or ID of
    ``ids`` only together (:func:`curator.deid.scrub.split_parts`): one rule for cleaned,
    kept and coded multi-valued elements.  Read on the ``original`` values too: one half
    cleaned on its own ("ROSTKO", the start of Rostkowska) must not leave the other ("WSKA")."""
    for i in split_parts(out, ids) | split_parts([str(v) for v in original], ids):
        out[i] = ""
    return out


def private_text_safe(text: str, values: frozenset[str], vr: str = "LO", parts: list[str] | None = None,
                      free_text: bool = False) -> bool:
    """A safe private text element (technical values of the TCIA knowledge base) is kept
    whole only when it holds no identifier, no identifier-like pattern and no person name
    (``curator.deid.freetext.has_name``); a code, number, age, time or AE title (``vr``) only
    when its values (``parts``; default: ``text``) also keep to the VR's repertoire."""
    if not value_conforms(vr, [text] if parts is None else parts):
        return False
    if has_identifier(text, values) or UID_LIKE.search(text):
        return False
    digits = ascii_digits(text)  # once, not once per pattern
    if any(p.search(digits) for p in identifier_patterns()):
        return False
    if any(p.search(digits) for p in scrub_rules().checked_patterns):  # "RSSMRA31C03H501U" (red team 15)
        return False
    if free_text and not freetext.private_text_kept(text):  # comments and descriptions: every word safe (red team 7)
        return False
    return not freetext.has_name(text)


class Engine:
    """A compiled profile: transforms datasets in place."""

    def __init__(self, profile: Profile, key: bytes, clean_pixels: bool = False):
        self.profile = profile
        self.pseudo = Pseudonymizer(key)
        # Every decision about an element comes from the one compiled table (shared with
        # the byte path, curator.deid.fastpath).
        self.decisions = Decisions(profile)
        self.replace = self.decisions.replace
        self.add = dict(profile.add)
        self.date_mode = self.decisions.date_mode
        self.keep_age = self.decisions.keep_age
        self.clean_pixels = clean_pixels
        # Site conventions of free text (tag -> folded words), see curator.deid.freetext.conventions.
        self.conventions: dict[int, frozenset[str]] = {}

    # --- public -------------------------------------------------------------------

    def deidentify(
        self,
        ds: Dataset,
        patient: PatientContext | None = None,
        extra: object = None,
    ) -> Counter:
        """De-identify ``ds`` in place (file meta included); return counts per action.

        ``extra``: elements added last (:func:`apply_extra`): a callable ``f(ds)``, a Dataset,
        a mapping ``{keyword: value}``, or an object whose ``for_instance(sop_class, tags)``
        gives them per instance (:class:`curator.normalize.SeriesCodes`)."""
        if patient is None:
            patient = PatientContext(patient_key_of(ds))
        stats: Counter = Counter()
        if read_as_found(ds).changed:  # before any value is read: text whose bytes are not its declared set
            stats["text_read_in_found_charset"] += 1
        if escapes_removed(ds):  # before any value is read: no escape sequence glued to a name
            stats["text_rewritten_in_utf8"] += 1
        sop_class = str(ds.get("SOPClassUID", "") or "")
        age = derive_age(ds) if self.keep_age else None
        if age is not None:
            age = top_code(age)
            if age != str(ds.get("PatientAge", "") or "").strip().upper():
                stats["age_derived_or_top_coded"] += 1
        offset = self.pseudo.date_offset(patient.patient_key)
        pseudonym = self.pseudo.patient(patient.patient_key)
        state = _State(sop_class, offset, pseudonym, patient.values, stats, patient.conventions or self.conventions)
        self._clean(ds, (), state)
        if _frame_text_removed(ds):
            stats["frame_text_removed"] += 1
        if TAG_PATIENT_ID not in ds and self.decisions.action(TAG_PATIENT_ID, sop_class, ()) == "P":
            ds.PatientID = pseudonym  # type 2, absent in the source: the release still links the patient's files
            stats["P_added"] += 1
        if self.keep_age:
            if age is not None:
                ds.PatientAge = age
            elif TAG_PATIENT_AGE in ds:
                del ds[TAG_PATIENT_AGE]
        for tag, value in patient.demographics.items():
            if value is None:
                if tag in ds and table.attribute_type(tag, sop_class) == 2:
                    ds[tag] = DataElement(tag, dictionary_VR(tag), "")  # suppressed; type 2 stays, empty
                elif tag in ds:
                    del ds[tag]
            else:
                ds[tag] = DataElement(tag, dictionary_VR(tag), value)
        for tag, value in self.add.items():
            ds[tag] = DataElement(tag, dictionary_VR(tag), value)
            stats["added"] += 1
        self._mark(ds, patient.note)
        if extra is not None:
            apply_extra(ds, extra)
        self._file_meta(ds)
        return stats

    # --- traversal ----------------------------------------------------------------

    def _clean(self, ds: Dataset, path: tuple[str, ...], st: _State) -> None:
        private_tags = []
        decisions = self.decisions
        for key in list(ds.keys()):
            tag = int(key)
            group = tag >> 16
            if tag & 0xFFFF == 0 and group != 0xFFFE:
                del ds[tag]  # group length: recomputed (or dropped) on write
                continue
            if group & 1:
                private_tags.append(tag)
                continue
            if _undecodable(ds, tag):
                del ds[tag]  # VR UN that cannot be decoded (unknown tag, broken bytes): fail closed
                st.stats["UN_removed"] += 1
                continue
            action = decisions.action(tag, st.sop_class, path)
            # Kept and unlisted elements are judged by their VR as read (not converted:
            # a kept element is written back as it came); the others by their value's VR.
            vr = self._vr(ds, tag) if action in _AS_READ else ds[tag].VR
            self._carry_out(ds, tag, decisions.decide(action, tag, vr), path, st)
            if action != REPLACE and tag in ds and decisions.must_have_value(tag, st.sop_class, path) and _is_empty(ds[tag]):
                self._dummy(ds[tag])  # a type 1/1C attribute is never left empty (PS3.15 D)
                st.stats["D_required"] += 1
        if private_tags:
            self._private(ds, private_tags, path, st)

    def action_for(self, tag: int) -> str | None:
        """The table's action of a standard tag (see :meth:`Decisions.listed_action`)."""
        return self.decisions.listed_action(tag)

    def _vr(self, ds: Dataset, tag: int) -> str:
        raw = ds.get_item(tag, keep_deferred=True)
        vr = getattr(raw, "VR", None)
        if vr:
            return str(vr)
        try:
            return dictionary_VR(tag)
        except KeyError:
            return ds[tag].VR

    def _carry_out(self, ds: Dataset, tag: int, decision: Decision, path: tuple[str, ...], st: _State) -> None:
        """Carry out ``decision`` on the element ``tag`` of ``ds``; count it when it applies."""
        op = decision.op
        if op is Op.REMOVE:
            if decision.unless_empty and _no_value(ds[tag]):
                return
            del ds[tag]
        elif op is Op.REPLACE:
            self._set(ds, tag, self.replace[tag])
        elif op is Op.KEEP:
            if decision.unless_empty:
                ds[tag]  # noqa: B018 - read, as every unlisted value is (same output as before)
        elif op is Op.CLEAN_ITEMS:
            child = path + (table.public_signature(tag),)
            for item in ds[tag].value or ():
                self._clean(item, child, st)
        elif op is Op.KEEP_TEXT:
            self._keep(ds[tag], st)
        elif op is Op.KEEP_CODES:
            self._keep_codes(ds[tag], st)
        else:
            element = ds[tag]
            if decision.unless_empty and _no_value(element):
                return
            if not self._change(element, op, st):
                return
        if decision.stat:
            st.stats[decision.stat] += 1

    def _change(self, element: DataElement, op: Op, st: _State) -> bool:
        """Change the value of ``element`` as ``op`` says; False when it stays as it was."""
        if op is Op.EMPTY:
            element.value = Sequence() if element.VR == "SQ" else None if element.VR not in STRING_VRS else ""
        elif op is Op.PSEUDONYM:
            element.value = st.pseudonym
        elif op is Op.HASH:
            value = element.value
            if isinstance(value, _MULTI):
                element.value = [self.pseudo.value(str(v)) if str(v).strip() else "" for v in value]
            elif str(value or "").strip():
                element.value = self.pseudo.value(str(value))
        elif op is Op.NEW_UIDS:
            element.value = self._remap(element.value)
        elif op is Op.NEW_INSTANCE_UIDS:
            new = self._remap(element.value, keep_standard=True)
            if new == element.value:
                return False
            element.value = new
        elif op is Op.KEEP_CLASS_UIDS:
            value = element.value
            if not uid_holds_identifier([str(v) for v in value] if isinstance(value, _MULTI) else [str(value)], st.values):
                return False
            element.value = self._remap(value, keep_standard=True)
        elif op is Op.DUMMY:
            self._dummy(element)
        elif op is Op.SHIFT_DATES:
            self._shift(element, st)
        elif op is Op.SCRUB:
            self._scrub(element, st)
        elif op is Op.SCRUB_IF_IDENTIFIER:
            value = element.value
            if isinstance(value, (str, *_MULTI)) and label_holds_name_or_date(_joined(value)):
                texts = [str(v) for v in value] if isinstance(value, _MULTI) else [str(value)]
                cleaned = clean_label(texts, st.values)
                element.value = cleaned if isinstance(value, _MULTI) else cleaned[0]
                st.stats["text_cleaned"] += 1
                return True
            if not self._text_has_identifier(element, st):
                return False
            self._scrub(element, st)
        else:  # pragma: no cover - every Op is handled above or in _carry_out
            raise ValueError(f"unknown operation {op}")
        return True

    def _private(self, ds: Dataset, tags: list[int], path: tuple[str, ...], st: _State) -> None:
        stats = st.stats
        decisions = self.decisions
        if decisions.safe_private is None:
            for tag in tags:
                del ds[tag]
            stats["private_removed"] += len(tags)
            return
        creators: dict[int, str] = {}
        for tag in tags:
            if is_private_creator(tag):
                value = ds[tag].value
                if isinstance(value, bytes):
                    value = value.decode("latin-1")
                creators[tag] = str(value or "").strip()
        used: set[int] = set()
        for tag in tags:
            if tag in creators:
                continue
            owner = creator_tag(tag)
            signature = decisions.safe_signature(path, tag, creators.get(owner))
            keep = False
            if signature is not None:
                element = ds[tag]
                op = decisions.private_op(element.VR)
                if op is Op.CLEAN_ITEMS:
                    for item in element.value or ():
                        self._clean(item, signature, st)
                keep = op in (Op.KEEP, Op.CLEAN_ITEMS) or (op is Op.KEEP_IF_SAFE and _private_value_safe(
                    element, st.values, signature in decisions.private_free_text))
            if keep:
                used.add(owner)
                stats["private_kept"] += 1
            else:
                del ds[tag]
                stats["private_removed"] += 1
        for tag in creators:
            if tag not in used:
                del ds[tag]

    # --- values -------------------------------------------------------------------

    def _remap(self, value, keep_standard: bool = False):
        def one(uid: str) -> str:
            uid = str(uid).strip()
            if not uid:
                return uid
            if keep_standard and (uid.startswith("1.2.840.10008.") or uid in UID_dictionary):
                return uid
            return self.pseudo.uid(uid)

        if isinstance(value, _MULTI):
            return [one(v) for v in value]
        return one(value or "")

    def _dummy(self, element: DataElement) -> None:
        vr = element.VR
        if vr == "UI":
            element.value = self._remap(element.value)
        elif vr in DUMMY:
            element.value = DUMMY[vr]
        elif vr == "SQ":
            element.value = Sequence()
        else:
            element.value = BINARY_DUMMY

    def _shift(self, element: DataElement, st: _State) -> None:
        fn = shift_date if element.VR == "DA" else shift_datetime
        values = element.value
        multi = isinstance(values, _MULTI)
        out = []
        for value in (values if multi else [values]):
            text = str(value or "").strip()
            if not text:
                out.append("")
                continue
            if element.VR == "DA" and "-" in text:  # a range
                parts = [fn(p, st.offset) if p else "" for p in text.split("-")]
                out.append("" if None in parts else "-".join(p or "" for p in parts))
            else:
                shifted = fn(text, st.offset)
                out.append(shifted or "")
        element.value = out if multi else out[0]
        st.stats["dates_shifted"] += 1

    def _scrub(self, element: DataElement, st: _State) -> None:
        value = element.value
        tag = int(element.tag)
        if isinstance(value, _MULTI):
            element.value = clean_values([str(v) for v in value], st.values, tag, st.conventions)
        elif value:
            element.value = clean_text(value, st.values, tag, st.conventions)
        st.stats["text_cleaned"] += 1

    def _keep(self, element: DataElement, st: _State) -> None:
        """A text element the profile keeps: free text goes through the allowlist, other
        text (device strings) loses the patient's identifier values only."""
        if not element.value:
            return
        if freetext.is_free_text(int(element.tag)):
            self._scrub(element, st)
            return
        value = element.value
        if device_text_names_someone(_joined(value)):
            texts = [str(v) for v in value] if isinstance(value, _MULTI) else [str(value)]
            cleaned = clean_label(texts, st.values)
            element.value = cleaned if isinstance(value, _MULTI) else cleaned[0]
            st.stats["text_cleaned"] += 1
            return
        if not has_identifier(_joined(value), st.values):
            return
        if isinstance(value, _MULTI):
            element.value = keep_values([str(v) for v in value], st.values)
        else:
            element.value = keep_text(str(value), st.values)
        st.stats["text_cleaned"] += 1

    def _keep_codes(self, element: DataElement, st: _State) -> None:
        """Kept coded values (CS, AE, UR): a value holding a person-name or ID-like part of
        the patient's headers is emptied (the others stay as they are)."""
        value = element.value
        if not value:
            return
        many = isinstance(value, _MULTI)
        values = [str(v) for v in value] if many else [str(value)]
        kept = keep_codes(values, st.values)
        if kept == values:
            return
        element.value = kept if many else kept[0]
        st.stats["text_cleaned"] += 1

    def _text_has_identifier(self, element: DataElement, st: _State, patterns: bool = False) -> bool:
        value = element.value
        if isinstance(value, bytes):
            value = value.decode("latin-1")
        if isinstance(value, _MULTI):
            value = " ".join(str(v) for v in value)
        text = str(value or "")
        if has_identifier(text, st.values) or OID_LIKE.search(text):
            return True
        if not patterns:
            return False
        digits = ascii_digits(text)  # once, not once per pattern
        return any(p.search(digits) for p in identifier_patterns())

    def _set(self, ds: Dataset, tag: int, value: str) -> None:
        ds[tag] = DataElement(tag, dictionary_VR(tag), value)

    # --- marks and file meta ------------------------------------------------------

    def _mark(self, ds: Dataset, note: str) -> None:
        ds.PatientIdentityRemoved = "YES"
        method = f"curator {__version__} profile {self.profile.name}"
        if self.profile.recipe:
            method += " + recipe"
        methods = [method[:64]]
        if note:  # one value or several, backslash-separated (curator.deid.kanon.note)
            methods.extend(part[:64] for part in note.split("\\"))
        ds.DeidentificationMethod = methods if len(methods) > 1 else methods[0]
        codes = Sequence()
        # 113101 (Clean Pixel Data) is added by curator.deid.pixels.clean, only to
        # instances whose pixels it changed and checked
        for entry in self.profile.option_codes():
            codes.append(method_code_item(entry))
        ds.DeidentificationMethodCodeSequence = codes
        ds.LongitudinalTemporalInformationModified = {
            "shift": "MODIFIED", "keep": "UNMODIFIED", "remove": "REMOVED"
        }[self.date_mode]

    def _file_meta(self, ds: Dataset) -> None:
        old = getattr(ds, "file_meta", None)
        meta = FileMetaDataset()
        meta.FileMetaInformationVersion = b"\x00\x01"
        meta.MediaStorageSOPClassUID = UID(str(ds.get("SOPClassUID", "") or ""))
        meta.MediaStorageSOPInstanceUID = UID(str(ds.get("SOPInstanceUID", "") or ""))
        syntax = getattr(old, "TransferSyntaxUID", None) if old is not None else None
        if syntax is None:
            implicit, little = getattr(ds, "original_encoding", (True, True))
            if implicit in (True, None):
                syntax = pydicom.uid.ImplicitVRLittleEndian
            elif little is False:
                syntax = pydicom.uid.ExplicitVRBigEndian
            else:
                syntax = pydicom.uid.ExplicitVRLittleEndian
        meta.TransferSyntaxUID = syntax
        if not pydicom.uid.UID(syntax).is_implicit_VR and any(
            getattr(raw, "VR", "") is None for raw in ds.values()
        ):
            # Body read as implicit VR under an explicit syntax: give every element its VR.
            for _ in ds.iterall():
                pass
        meta.ImplementationClassUID = UID(IMPLEMENTATION_CLASS_UID)
        meta.ImplementationVersionName = IMPLEMENTATION_VERSION
        ds.file_meta = meta
        ds.preamble = b"\0" * 128


def _frame_text_removed(ds: Dataset) -> bool:
    """Remove text segments (JPEG COM/APPn, JPEG 2000 COM) from compressed frames; True if any
    (:mod:`curator.deid.frame_text`).  An Extended Offset Table no longer fits: it goes."""
    element = ds.get(TAG_PIXEL_DATA)
    syntax = getattr(getattr(ds, "file_meta", None), "TransferSyntaxUID", None)
    encapsulated = syntax.is_encapsulated if syntax is not None else getattr(element, "is_undefined_length", False)
    if element is None or element.VR not in BYTE_VRS or not encapsulated or not element.value:
        return False
    cleaned = frame_text.without_text(bytes(element.value))
    if cleaned is None:
        return False
    element.value = cleaned
    for tag in (0x7FE00001, 0x7FE00002):  # Extended Offset Table and its Lengths
        if tag in ds:
            del ds[tag]
    return True


def _undecodable(ds: Dataset, tag: int) -> bool:
    """True for a public element stored with VR UN that pydicom cannot give its real VR.

    A UN element of a known tag is decoded to its dictionary VR (a sequence from its
    implicit VR little endian items, PS3.5 6.2.2), so that the same actions apply inside;
    this returns True only when that fails or the tag's VR is unknown.
    """
    raw = ds.get_item(tag, keep_deferred=True)
    if getattr(raw, "VR", None) != "UN":
        return False
    try:
        return ds[tag].VR == "UN"
    except Exception:  # noqa: BLE001 - undecodable bytes of any kind: removed
        return True


_AS_READ = frozenset({"K", UNLISTED, "X", DROP_OVERLAY, REPLACE})  # actions judged on the VR as read


def _no_value(element: DataElement) -> bool:
    """True for an unlisted element without a value (kept as it is)."""
    return element.value is None or element.value == ""


def _is_empty(element: DataElement) -> bool:
    """True for an element without a value (a sequence without items included)."""
    value = element.value
    if value is None:
        return True
    if element.VR == "SQ":
        return len(value) == 0
    if isinstance(value, _MULTI):
        return all(str(v).strip(" \0") == "" for v in value)
    if isinstance(value, bytes):
        return value.strip(b" \0") == b""
    return str(value).strip(" \0") == ""


@dataclass
class _State:
    sop_class: str
    offset: int
    pseudonym: str
    values: frozenset[str]
    stats: Counter
    conventions: Mapping[int, frozenset[str]] = field(default_factory=dict)


@lru_cache(maxsize=1)
def _binary_codecs() -> tuple[str, ...]:
    return tuple(str(c) for c in load_yaml(mappings_dir() / "identifiers.yaml")["binary_text_codecs"])


def binary_value_safe(data: bytes, values: frozenset[str]) -> bool:
    """Whether the bytes of a safe private OB/OW value hold no identifier value in any text
    reading a writer may have used (``mappings/identifiers.yaml`` ``binary_text_codecs``:
    Latin-1, UTF-8, UTF-16, Shift_JIS...).  Patterns and person-name rules are not applied:
    binary numbers read as text look like dates or words by chance."""
    return not any(has_identifier(data.decode(codec, "ignore"), values) for codec in _binary_codecs())


def _private_value_safe(element: DataElement, values: frozenset[str], free_text: bool = False) -> bool:
    """:func:`private_text_safe` of a kept private element (a value pydicom cannot read as
    its VR is not safe; ``free_text``: its name in the knowledge base says free text);
    :func:`binary_value_safe` of a byte value."""
    if element.VR in BYTE_VRS:
        return isinstance(element.value, bytes) and binary_value_safe(element.value, values)
    try:
        value = element.value
        parts = [str(v) for v in value] if isinstance(value, _MULTI) else [_joined(value)]
    except (ValueError, TypeError, OverflowError):
        return False
    return private_text_safe(" ".join(parts), values, element.VR, parts, free_text)


def _joined(value) -> str:
    if isinstance(value, bytes):
        value = value.decode("latin-1")
    if isinstance(value, _MULTI):
        return " ".join(str(v) for v in value)
    return str(value or "")


def extra_for_instance(extra, sop_class: str, present):
    """``extra`` as the elements for one instance: an object with ``for_instance`` (e.g.
    :class:`curator.normalize.SeriesCodes`) chooses by SOP class and the tags present."""
    for_instance = getattr(extra, "for_instance", None)
    return for_instance(sop_class, present) if for_instance is not None else extra


def apply_extra(ds: Dataset, extra) -> None:
    if callable(extra):
        extra(ds)
        return
    extra = extra_for_instance(extra, str(ds.get("SOPClassUID", "") or ""), frozenset(int(tag) for tag in ds.keys()))
    if isinstance(extra, Dataset):
        for element in extra:
            ds[element.tag] = element
        return
    for keyword, value in dict(extra).items():
        setattr(ds, keyword, value)
