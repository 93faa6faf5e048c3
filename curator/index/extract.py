"""One flat, identifier-free index record from one DICOM header.

Runs inside the scan's worker processes.  Everything written to the record is either a
non-identifying value (modality, manufacturer, acquisition parameters, demographics the
research profiles keep), free text scrubbed of the header's identifier values, a one-way
key, or a fact *about* identifiers (which attributes are present), never their values.
"""
from __future__ import annotations

import hashlib
import json
import re
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from functools import cache, lru_cache
from typing import Any, NamedTuple

import pyarrow as pa
import pydicom
import yaml
from pydicom.datadict import tag_for_keyword
from pydicom.dataelem import RawDataElement
from pydicom.valuerep import validate_value

from curator.dicom.walk import (
    dictionary_vr,
    element_text,
    is_empty,
    meta_text,
    raw_text,
    strings,
    walk,
)
from curator.dicom.elements import RawSource
from curator.dicom.textcodec import read_as_found
from curator.index.store import SCHEMA, key, token_hashes
from curator.common.jsontext import finite
from curator.resources import mappings_dir, ontologies_dir
from curator.deid import freetext
from curator.deid.scrub import collect_value, scrub_text
from curator.dicom.vr import LONG_LENGTH_VRS

# Plain header values copied as they are (non-identifying).
TEXT_FIELDS = {
    "modality": "Modality",
    "sop_class_uid": "SOPClassUID",  # a standard UID naming the kind of object, not an identifier
    "manufacturer": "Manufacturer",
    "model": "ManufacturerModelName",
    "software_versions": "SoftwareVersions",
    "body_part_examined": "BodyPartExamined",
    "laterality": "Laterality",
    "image_laterality": "ImageLaterality",
    "contrast_bolus_agent": "ContrastBolusAgent",
    "scanning_sequence": "ScanningSequence",
    "sequence_variant": "SequenceVariant",
    "sequence_name": "SequenceName",
    "convolution_kernel": "ConvolutionKernel",
    "patient_sex": "PatientSex",
    "ethnic_group": "EthnicGroup",
    "burned_in_annotation": "BurnedInAnnotation",
    "image_type": "ImageType",
}
NUMBER_FIELDS = {
    "repetition_time": "RepetitionTime",
    "echo_time": "EchoTime",
    "inversion_time": "InversionTime",
    "flip_angle": "FlipAngle",
    "echo_train_length": "EchoTrainLength",
    "slice_thickness": "SliceThickness",
    "patient_size": "PatientSize",
    "patient_weight": "PatientWeight",
    "magnetic_field_strength": "MagneticFieldStrength",
    "kvp": "KVP",
    "rows": "Rows",
    "columns": "Columns",
    "number_of_frames": "NumberOfFrames",
}
# Free text shown only after scrubbing.
# Index columns copied as they are: the UID of a class (no free text).  Codes (modality, sex,
# laterality) are cleaned of identifier values like device strings: a header may hold the
# patient's name in any of them (session 13).
_RAW_FIELDS = frozenset({"sop_class_uid"})
# Free text: cleaned by allowlist (curator.deid.freetext) before it enters the index.
SCRUBBED_FIELDS = {
    "study_description": "StudyDescription",
    "series_description": "SeriesDescription",
    "protocol_name": "ProtocolName",
}
_DATE_KEYWORDS = ("StudyDate", "SeriesDate", "AcquisitionDate", "ContentDate")
_AGE = re.compile(r"^\s*(\d{1,3})\s*([DWMY])\s*$")
_AGE_FACTOR = {"D": 1 / 365.25, "W": 7 / 365.25, "M": 1 / 12, "Y": 1.0}


@dataclass(frozen=True)
class _Config:
    requirements: dict[str, tuple[tuple[str, int], ...]]  # SOP class -> ((keyword, type), ...)
    common: tuple[tuple[str, int], ...]
    conformance_vrs: frozenset[str]
    modalities: frozenset[str]
    ranges: dict[str, tuple[float, float]]
    exposure_tags: dict[int, str]  # tag -> keyword (or name) of identifying attributes


@cache
def _config() -> _Config:
    req = yaml.safe_load((mappings_dir() / "audit" / "requirements.yaml").read_text(encoding="utf-8"))
    checks = yaml.safe_load((mappings_dir() / "audit" / "checks.yaml").read_text(encoding="utf-8"))
    modules = {name: tuple((k, int(t)) for k, t in attrs.items()) for name, attrs in req["modules"].items()}
    common = tuple(item for name in req["common"] for item in modules[name])
    by_class: dict[str, tuple[tuple[str, int], ...]] = {}
    for iod in req["iods"].values():
        attrs = common + tuple(item for name in iod["modules"] for item in modules[name])
        for uid in iod["sop_classes"]:
            by_class[uid] = attrs
    return _Config(
        requirements=by_class,
        common=common,
        conformance_vrs=frozenset(checks["conformance_vrs"]),
        modalities=frozenset(checks["modalities"]),
        ranges={k: (float(v[0]), float(v[1])) for k, v in checks["plausibility"].items()},
        exposure_tags=_exposure_tags(),
    )


@cache
def _exposure_tags() -> dict[int, str]:
    """Tags of PS3.15 Table E.1-1 whose Basic Profile action is not Keep.

    Patient characteristics (kept by the Retain Patient Characteristics option) are left
    out: the audit reports them as demographics, not as identifiers.
    """
    rows = json.loads((ontologies_dir() / "dicom" / "ps3.15-table-e1-1.json").read_text(encoding="utf-8"))
    tags: dict[int, str] = {}
    for row in rows:
        text = row["tag"].strip("()").replace(",", "")
        if not re.fullmatch(r"[0-9A-Fa-f]{8}", text) or row.get("basicProfile") == "K" or row.get("rtnPatCharsOpt") == "K":
            continue
        tag = int(text, 16)
        tags[tag] = pydicom.datadict.keyword_for_tag(tag) or row["name"]
    return tags


@cache
def _tag(keyword: str) -> int:
    tag = tag_for_keyword(keyword)
    if tag is None:
        raise KeyError(keyword)
    return tag


def _number(ds: pydicom.Dataset, keyword: str) -> float | None:
    try:
        tag = _tag(keyword)
        if tag not in ds:
            return None
        raw = ds.get_item(tag)
        if isinstance(raw, RawDataElement) and (raw.VR or dictionary_vr(int(raw.tag))) in ("DS", "IS"):
            text = raw_text(ds, raw)
            return float(text.split("\\")[0]) if text else None
        value = ds[tag].value
        if isinstance(value, (list, tuple, pydicom.multival.MultiValue)):
            value = value[0] if len(value) else None
        return None if value is None or value == "" else float(value)
    except Exception:
        return None


def _date(ds: pydicom.Dataset, keyword: str) -> date | None:
    text = element_text(ds, keyword)
    if not text or not re.fullmatch(r"\d{8}", text):
        return None
    try:
        return date(int(text[:4]), int(text[4:6]), int(text[6:8]))
    except ValueError:
        return None


def _first_date(ds: pydicom.Dataset) -> date | None:
    for keyword in _DATE_KEYWORDS:
        found = _date(ds, keyword)
        if found:
            return found
    return None


def age_years(patient_age: str | None) -> float | None:
    """Years from a DICOM Age String (``045Y``, ``006M``, ``003W``, ``010D``)."""
    if not patient_age:
        return None
    match = _AGE.match(patient_age)
    if not match:
        return None
    return round(int(match.group(1)) * _AGE_FACTOR[match.group(2)], 2)


@dataclass
class _Facts:
    values: set[str]
    exposed: set[str]
    creators: set[str]


def _element_facts(element, tags: dict[int, str], facts: _Facts) -> None:
    """Identifier values, exposure and private creators of one (non-sequence) element."""
    _, tag, vr, raw, _ = element
    collect_value(element, facts.values)
    if (tag >> 16) & 1:  # private
        if 0x0010 <= (tag & 0xFFFF) <= 0x00FF and not is_empty(raw, vr):
            facts.creators.update(s.strip() for s in strings(raw) if s.strip())
    elif tag in tags:
        if not is_empty(raw, vr):
            facts.exposed.add(tags[tag])
    elif (tag >> 24) in (0x50, 0x60) and (tag & 0xFFFF) in (0x3000, 0x4000) and not is_empty(raw, vr):
        facts.exposed.add("OverlayData" if tag & 0xFFFF == 0x3000 else "OverlayComments")


# Sequences repeat across the instances of a series: their facts are cached by their bytes.
_SEQUENCE_CACHE: OrderedDict[tuple, _Facts] = OrderedDict()
_SEQUENCE_CACHE_SIZE = 2048


def _sequence_facts(ds: pydicom.Dataset, tag: int, raw, config: _Config) -> _Facts:
    cache_key = None
    if isinstance(raw, RawDataElement) and raw.value is not None:
        cache_key = (tag, raw.is_implicit_VR, str(ds.original_character_set), raw.value)
        cached = _SEQUENCE_CACHE.get(cache_key)
        if cached is not None:
            _SEQUENCE_CACHE.move_to_end(cache_key)
            return cached
    facts = _Facts(set(), set(), set())
    try:
        items = ds[tag].value or ()
    except Exception:
        items = ()
    for item in items:
        for element in walk(item, 1):
            if element[2] != "SQ":
                _element_facts(element, config.exposure_tags, facts)
            elif not is_empty(element[3], "SQ") and element[1] in config.exposure_tags:
                facts.exposed.add(config.exposure_tags[element[1]])
    if cache_key is not None:
        _SEQUENCE_CACHE[cache_key] = facts
        if len(_SEQUENCE_CACHE) > _SEQUENCE_CACHE_SIZE:
            _SEQUENCE_CACHE.popitem(last=False)
    return facts


def _plain_validators() -> dict[str, tuple[re.Pattern[str], int]]:
    """VRs that pydicom validates by length, type and regular expression only, with the
    compiled expression and maximum length (pydicom looks the expression up per call)."""
    from pydicom.valuerep import (
        MAX_VALUE_LEN,
        STR_VR_REGEXES,
        VALIDATORS,
        validate_length_and_type_and_regex,
    )

    return {vr: (re.compile(STR_VR_REGEXES[vr]), MAX_VALUE_LEN.get(vr, 0)) for vr, check in VALIDATORS.items()
            if check is validate_length_and_type_and_regex and vr in STR_VR_REGEXES}


_PLAIN_VALIDATORS = _plain_validators()


def _conforms(vr: str, value: str) -> bool:
    """Whether ``value`` (text) is valid for ``vr``, exactly as pydicom's validation says."""
    plain = _PLAIN_VALIDATORS.get(vr)
    if plain is None:
        return _conforms_by_pydicom(vr, value)
    pattern, max_length = plain
    if max_length > 0 and len(value) > max_length:
        return False
    return not value or (pattern.match(value) is not None and value[-1] != "\n")


@lru_cache(maxsize=65536)
def _conforms_by_pydicom(vr: str, value: str) -> bool:
    try:
        validate_value(vr, value, pydicom.config.RAISE)
    except Exception:
        return False
    return True


def _creator_shown(creator: str, values: frozenset[str]) -> str:
    """A private creator as reports show it: as written when the TCIA knowledge base knows
    it (vendor blocks), else as free text (allowlist, names, identifiers): a site's own
    creator may name a person or the hospital ("Dr Kowalczyk research", found by the red team)."""
    from curator.deid.table import known_creators

    if creator.strip().lower() in known_creators():
        return scrub_text(creator, values) or "(removed)"
    return freetext.clean(creator, values) or "(removed)"


def _walk_facts(ds: pydicom.Dataset, config: _Config) -> tuple[frozenset[str], set[str], set[str], int, list[str]]:
    """One pass over every element (values converted only where needed).

    Returns the identifier values (as ``curator.deid.scrub.identifier_values``), the
    identifying attributes present (any depth), the private creators, and the conformance
    checks run and failed on top-level standard elements.
    """
    facts = _Facts(set(), set(), set())
    failed: list[str] = []
    checked = 0
    tags = config.exposure_tags
    vrs = config.conformance_vrs
    for element_tag, raw in list(ds.items()):
        tag = int(element_tag)
        vr = raw.VR or dictionary_vr(tag)
        if vr == "SQ":
            if not is_empty(raw, vr):
                if tag in tags:
                    facts.exposed.add(tags[tag])
                inner = _sequence_facts(ds, tag, raw, config)
                facts.values.update(inner.values)
                facts.exposed.update(inner.exposed)
                facts.creators.update(inner.creators)
            continue
        _element_facts((0, tag, vr, raw, ds), tags, facts)
        if vr in vrs and tag not in VARYING_TAGS and not (tag >> 16) & 1 and (tag >> 16) != 0x0002 and not is_empty(raw, vr):
            checked += 1
            for single in strings(raw):
                if vr not in ("LO", "SH", "PN", "LT", "ST", "UT"):
                    single = single.strip()
                if not _conforms(vr, single):
                    failed.append(f"{pydicom.datadict.keyword_for_tag(tag) or 'element'}:{vr}")
                    break
    return frozenset(facts.values), facts.exposed, facts.creators, checked, failed


def _conformance(ds: pydicom.Dataset, modalities: frozenset[str]) -> tuple[int, list[str]]:
    """Conformance checks beyond value representations (see mappings/audit/checks.yaml)."""
    failed: list[str] = []
    total = 0
    media_class = meta_text(ds, "MediaStorageSOPClassUID")
    if media_class is not None and "SOPClassUID" in ds:
        total += 1
        if media_class != element_text(ds, "SOPClassUID"):
            failed.append("meta_sop_class")
    modality = element_text(ds, "Modality")
    if modality is not None:
        total += 1
        if modality not in modalities:
            failed.append("modality_known")
    sex = element_text(ds, "PatientSex")
    if sex is not None:
        total += 1
        if sex not in ("M", "F", "O"):
            failed.append("sex_enumerated")
    return total, failed


def _completeness(ds: pydicom.Dataset, config: _Config) -> tuple[int, list[str], list[str]]:
    attrs = config.requirements.get(element_text(ds, "SOPClassUID") or "", config.common)
    missing1: list[str] = []
    missing2: list[str] = []
    for keyword, type_ in attrs:
        tag = _tag(keyword)
        present = tag in ds
        if type_ == 1:
            try:
                raw = ds.get_item(tag) if present else None
                if raw is None:
                    empty = True
                elif isinstance(raw, RawDataElement):
                    empty = not raw.length
                else:
                    empty = raw.value in (None, "", b"") or (raw.VR == "SQ" and len(raw.value) == 0)
            except Exception:
                empty = True
            if empty:
                missing1.append(keyword)
        elif not present:
            missing2.append(keyword)
    return len(attrs), missing1, missing2


def _plausibility(record: dict[str, Any], ds: pydicom.Dataset, ranges: dict[str, tuple[float, float]],
                  birth: date | None, study: date | None) -> tuple[int, list[str]]:
    failed: list[str] = []
    total = 0
    values = {
        "age_years": record["age_years"],
        "PatientSize": record["patient_size"],
        "PatientWeight": record["patient_weight"],
        "SliceThickness": record["slice_thickness"],
        "PixelSpacing": _number(ds, "PixelSpacing"),
        "KVP": record["kvp"],
        "RepetitionTime": record["repetition_time"],
        "EchoTime": record["echo_time"],
        "MagneticFieldStrength": record["magnetic_field_strength"],
        "study_year": record["study_year"],
    }
    for name, value in values.items():
        if value is None or name not in ranges:
            continue
        total += 1
        low, high = ranges[name]
        if not low <= value <= high:
            failed.append(name)
    if birth and study:
        total += 1
        if birth > study:
            failed.append("birth_before_study")
    return total, failed


# Elements that change from one instance of a series to the next.  Instances whose other
# elements are byte-identical share everything in their record but what these decide.
VARYING_TAGS = frozenset({
    0x00080018,  # SOPInstanceUID
    0x00200013,  # InstanceNumber
    0x00200032,  # ImagePositionPatient
    0x00201041,  # SliceLocation
    0x00281050,  # WindowCenter
    0x00281051,  # WindowWidth
    0x00280106,  # SmallestImagePixelValue
    0x00280107,  # LargestImagePixelValue
    0x00080033,  # ContentTime
    0x00080013,  # InstanceCreationTime
    0x00541330,  # ImageIndex
})
_MEMO: OrderedDict[bytes, dict[str, Any]] = OrderedDict()
# Columns holding lists: an instance's record gets its own copies.
_LIST_FIELDS = tuple(f.name for f in SCHEMA if pa.types.is_list(f.type))
_MEMO_SIZE = 256




def _digest(ds: pydicom.Dataset, salt: bytes, source: RawSource | None = None) -> bytes | None:
    """A digest of everything in the header but the values of ``VARYING_TAGS``
    (``source``: the bytes the fast reader read ``ds`` from)."""
    if source is not None:
        return _digest_bytes(ds, salt, source.buf, source.start, source.end, source.implicit)
    parts = [
        (meta_text(ds, "TransferSyntaxUID") or "").encode(),
        (meta_text(ds, "MediaStorageSOPClassUID") or "").encode(),
        str(ds.original_character_set).encode(),
    ]
    append = parts.append
    for tag, raw in ds.items():
        if tag in VARYING_TAGS:
            append(b"%d:%d;" % (tag, 0 if is_empty(raw, raw.VR or "") else 1))
            continue
        value = getattr(raw, "value", None)
        if not isinstance(raw, RawDataElement) or value is None:
            return None  # converted or deferred: no digest, compute the record in full
        append(b"%d:%s:%d:" % (tag, (raw.VR or "").encode(), len(value)))
        append(value)
    return hashlib.blake2b(b"".join(parts), key=salt[:64], digest_size=20).digest()


def _digest_bytes(ds: pydicom.Dataset, salt: bytes, buf: bytes, start: int, end: int, implicit: bool) -> bytes | None:
    """:func:`_digest` over the bytes the fast reader parsed: the dataset with the length
    and value of every per-instance element cut out (and whether it was empty kept)."""
    cuts = varying_cuts(ds, implicit)
    if cuts is None:
        return None  # converted before the digest: fall back to the full record
    h = hashlib.blake2b(key=salt[:64], digest_size=20)
    h.update((meta_text(ds, "TransferSyntaxUID") or "").encode() + b"\0")
    h.update((meta_text(ds, "MediaStorageSOPClassUID") or "").encode() + b"\0")
    view = memoryview(buf)
    position = start
    for cut in cuts:
        h.update(view[position:cut.length_start])
        h.update(b"\0" if cut.empty else b"\1")
        position = cut.end
    h.update(view[position:end])
    return h.digest()


class VaryingCut(NamedTuple):
    """Where a per-instance element sits in the bytes the fast reader parsed: its length
    field starts at ``length_start`` (``length_size`` bytes), its value ends at ``end``."""

    tag: int
    vr: str | None
    length_start: int
    length_size: int
    end: int
    empty: bool


def varying_cuts(ds: pydicom.Dataset, implicit: bool) -> list[VaryingCut] | None:
    """The ``VARYING_TAGS`` elements of ``ds`` as cuts, in file order (``None`` when one of
    them was converted, which loses its position).  The memo digest leaves them out, and
    ``curator.index.series_template`` cuts headers at them."""
    cuts: list[VaryingCut] = []
    for tag in VARYING_TAGS:
        raw = ds.get_item(tag, keep_deferred=True)
        if raw is None:
            continue
        if not isinstance(raw, RawDataElement):
            return None
        length_size = 4 if implicit or (raw.VR or "") in LONG_LENGTH_VRS else 2
        cuts.append(VaryingCut(tag, raw.VR, raw.value_tell - length_size, length_size, raw.value_tell + raw.length, raw.length == 0))
    return sorted(cuts, key=lambda cut: cut.length_start)


def _varying_checks(elements: Mapping[int, Any], vrs: frozenset[str], media_instance: str | None,
                    sop_instance: str | None) -> tuple[int, list[str]]:
    """Conformance of the elements that vary per instance (and file meta agreement).

    ``elements``: the dataset's elements by tag (at least the ``VARYING_TAGS`` present);
    ``media_instance``: the file meta's Media Storage SOP Instance UID; ``sop_instance``:
    the SOP Instance UID as text.
    """
    failed: list[str] = []
    checked = 0
    for tag in VARYING_TAGS:
        raw = elements.get(tag)
        if raw is None:
            continue
        vr = raw.VR or dictionary_vr(tag)
        if vr not in vrs or is_empty(raw, vr):
            continue
        checked += 1
        for single in strings(raw):
            if not _conforms(vr, single.strip()):
                failed.append(f"{pydicom.datadict.keyword_for_tag(tag)}:{vr}")
                break
    if media_instance is not None and 0x00080018 in elements:
        checked += 1
        if media_instance != sop_instance:
            failed.append("meta_sop_instance")
    return checked, sorted(failed)


def record_for(ds: pydicom.Dataset, base: Mapping[str, Any]) -> dict[str, Any]:
    """The index record of the header ``ds`` whose shared part is ``base`` (see
    :func:`base_record`; see ``curator.index.store.SCHEMA`` for the columns)."""
    elements = {tag: raw for tag in VARYING_TAGS if (raw := ds.get_item(tag, keep_deferred=True)) is not None}
    return instance_record(base, elements, meta_text(ds, "MediaStorageSOPInstanceUID"), element_text(ds, "SOPInstanceUID"))


def base_record(ds: pydicom.Dataset, salt: bytes, source: RawSource | None = None) -> tuple[dict[str, Any], bool]:
    """Everything of the record but what the per-instance elements decide, and whether it
    holds for every header equal to this one but for the values of ``VARYING_TAGS`` (and
    for which of them are empty).

    Instances of a series repeat most of their header: when everything but the
    per-instance elements is byte-identical to an instance seen before, its base is
    reused (memoized by a digest of those bytes).  ``source``: the bytes the fast reader
    read ``ds`` from (``curator.dicom.header.read_header_source``), digested directly.
    """
    digest = _digest(ds, salt, source)
    base = _MEMO.get(digest) if digest is not None else None
    if base is None:
        base = _base_record(ds, salt, _config())
        if digest is not None:
            _MEMO[digest] = base
            if len(_MEMO) > _MEMO_SIZE:
                _MEMO.popitem(last=False)
    elif digest is not None:
        _MEMO.move_to_end(digest)
    return base, digest is not None


def instance_record(base: Mapping[str, Any], elements: Mapping[int, Any], media_instance: str | None,
                    sop_instance: str | None) -> dict[str, Any]:
    """The record of one instance: a copy of ``base`` completed by its per-instance
    elements (arguments as for :func:`_varying_checks`)."""
    record = dict(base)
    for name in _LIST_FIELDS:  # the lists of a record are its own
        if record.get(name) is not None:
            record[name] = list(record[name])
    record["sop_key"] = key("sop", sop_instance or "")
    checked, failed = _varying_checks(elements, _config().conformance_vrs, media_instance, sop_instance)
    record["checks_conformance"] += checked
    record["nonconformant"] = record["nonconformant"] + failed
    return record


def _base_record(ds: pydicom.Dataset, salt: bytes, config: _Config) -> dict[str, Any]:
    """Everything of the record but what the per-instance elements decide."""
    values, exposed, creators, n_vr_checks, vr_failures = _walk_facts(ds, config)
    record: dict[str, Any] = {}
    record["series_key"] = key("series", element_text(ds, "SeriesInstanceUID") or "")
    record["study_key"] = key("study", element_text(ds, "StudyInstanceUID") or "")
    patient = (element_text(ds, "PatientID") or "") + "\x00" + (element_text(ds, "IssuerOfPatientID") or "")
    if not element_text(ds, "PatientID"):
        patient = "\x00name:" + (element_text(ds, "PatientName") or "") + "\x00" + (element_text(ds, "PatientBirthDate") or "")
    record["patient_key"] = key("patient", patient, salt)
    record["person_key"] = key("patient", patient.rsplit("\x00", 1)[0] if element_text(ds, "PatientID") else patient, salt)
    issuer = element_text(ds, "IssuerOfPatientID") if element_text(ds, "PatientID") else None
    record["issuer_key"] = key("issuer", issuer, salt) if issuer else None
    birth_date = element_text(ds, "PatientBirthDate") if element_text(ds, "PatientID") else None
    record["birth_tag"] = key("birth", birth_date, salt)[:2] if birth_date else None
    record["institution"] = element_text(ds, "InstitutionName")  # used for the site label, then replaced by its key
    record["text_charset"] = read_as_found(ds).label  # names of character sets only, never a value
    frozen = frozenset(values)
    for column, keyword in TEXT_FIELDS.items():
        # kept strings (device, kernel, agent...) without the patient's identifier values
        record[column] = (freetext.clean_kept(element_text(ds, keyword), frozen) or None) if column not in _RAW_FIELDS else element_text(ds, keyword)
    for column, keyword in NUMBER_FIELDS.items():
        record[column] = _number(ds, keyword)
    for column, keyword in SCRUBBED_FIELDS.items():
        record[column] = freetext.clean(element_text(ds, keyword), frozen) or None  # allowlist
    record["transfer_syntax_uid"] = meta_text(ds, "TransferSyntaxUID")
    orientation = ds.get("ImageOrientationPatient") if "ImageOrientationPatient" in ds else None
    try:
        record["image_orientation"] = [round(float(v), 4) for v in orientation] if orientation and len(orientation) == 6 else None
    except Exception:
        record["image_orientation"] = None
    record["radiopharmaceutical"] = freetext.clean_kept(_radiopharmaceutical(ds), frozen) or None  # free text, as the agent
    # Demographics.
    birth = _date(ds, "PatientBirthDate")
    study = _first_date(ds)
    record["study_year"] = study.year if study else None
    record["age_derivable"] = bool(birth and study and birth <= study)
    header_age = age_years(element_text(ds, "PatientAge"))
    if header_age is not None:
        record["age_years"], record["age_source"] = header_age, "header"
    elif record["age_derivable"] and birth and study:
        record["age_years"] = round((study - birth).days / 365.25, 2)
        record["age_source"] = "derived"
    else:
        record["age_years"], record["age_source"] = None, None
    # Identifier exposure and private creators: facts, never values.
    record["identifiers_present"] = sorted(exposed)
    record["private_creators"] = sorted({_creator_shown(c, values) for c in creators})
    # Quality checks.
    n_complete, missing1, missing2 = _completeness(ds, config)
    record["missing_type1"], record["missing_type2"] = missing1, missing2
    n_conform, nonconformant = _conformance(ds, config.modalities)
    n_conform += n_vr_checks
    record["nonconformant"] = vr_failures + nonconformant
    n_plaus, implausible = _plausibility(record, ds, config.ranges, birth, study)
    record["implausible"] = implausible
    record["checks_completeness"] = n_complete
    record["checks_conformance"] = n_conform
    record["checks_plausibility"] = n_plaus
    record["id_tokens"] = sorted(token_hashes(values, salt))
    record["acquisition"] = json.dumps(finite(_cleaned(_safe_call(_acquisition, ds), frozen)), sort_keys=True, allow_nan=False)
    segmentation = _safe_call(_segmentation, ds)
    record["segmentation"] = json.dumps(finite(segmentation), sort_keys=True, allow_nan=False) if segmentation else None
    return record


def _radiopharmaceutical(ds: pydicom.Dataset) -> str | None:
    try:
        items = ds.get("RadiopharmaceuticalInformationSequence") or []
        for item in items:
            text = element_text(item, "Radiopharmaceutical")
            if text:
                return text
            codes = item.get("RadiopharmaceuticalCodeSequence") or []
            if codes:
                return element_text(codes[0], "CodeMeaning")
    except Exception:
        return None
    return None


def _safe_call(function, ds: pydicom.Dataset) -> Any:
    try:
        return function(ds)
    except Exception as exc:  # an odd header must not lose the instance
        return {"error": f"extraction failed ({type(exc).__name__})"}


def _cleaned(parameters: dict[str, Any], values: frozenset[str]) -> dict[str, Any]:
    """The acquisition parameters with their strings (and lists of strings) cleaned of the
    header's identifier values as device strings are: the analysis's own veto splits names at
    ``^`` only and skips parts under 3 letters, so "FDG الحربي" (the name's ideographic group)
    and "FDG 민준" stayed (session 13)."""
    def clean(value: Any) -> Any:
        if isinstance(value, str):
            return freetext.clean_kept(value, values) or None
        if isinstance(value, list):
            return [clean(item) for item in value]
        return value

    return {name: clean(value) for name, value in parameters.items()}


def _acquisition(ds: pydicom.Dataset) -> dict[str, Any]:
    from curator.analyses.acquisition import acquisition_parameters

    return acquisition_parameters(ds)


def _segmentation(ds: pydicom.Dataset) -> dict[str, Any] | None:
    from curator.analyses.segmentation import segmentation_provenance

    result = segmentation_provenance(ds)
    if result and result.get("referenced_series"):
        result = dict(result, referenced_series=sorted(key("series", uid) for uid in result["referenced_series"]))
    return result


def warm_up() -> None:
    """Load every table the extraction needs (called before worker processes fork)."""
    from curator.analyses import acquisition, segmentation  # noqa: F401
    from curator.deid.scrub import scrub_rules

    _config()
    scrub_rules()
