"""One flat, identifier-free index record from one DICOM header.

Runs inside the scan's worker processes.  Everything written to the record is either a
non-identifying value (modality, manufacturer, acquisition parameters, demographics the
research profiles keep), free text scrubbed of the header's identifier values, a one-way
key, or a fact *about* identifiers (which attributes are present), never their values.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Any

import pydicom
import yaml
from pydicom.datadict import tag_for_keyword
from pydicom.valuerep import validate_value

from curator.index import key, token_hashes
from curator.resources import mappings_dir, ontologies_dir
from curator.scrub import identifier_values, scrub_text

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


def _text(ds: pydicom.Dataset, keyword: str) -> str | None:
    try:
        value = ds.get(keyword)
    except Exception:
        return None
    if value is None or value == "":
        return None
    if isinstance(value, (list, tuple, pydicom.multival.MultiValue)):
        return "\\".join(str(v) for v in value)
    return str(value).strip() or None


def _number(ds: pydicom.Dataset, keyword: str) -> float | None:
    try:
        value = ds.get(keyword)
        if isinstance(value, (list, tuple, pydicom.multival.MultiValue)):
            value = value[0] if len(value) else None
        return None if value is None or value == "" else float(value)
    except Exception:
        return None


def _date(ds: pydicom.Dataset, keyword: str) -> date | None:
    text = _text(ds, keyword)
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


def _exposed(ds: pydicom.Dataset, tags: dict[int, str], found: set[str], depth: int = 0) -> None:
    for element in ds:
        try:
            tag = int(element.tag)
            if element.VR == "SQ":
                if tag in tags and element.value:
                    found.add(tags[tag])
                for item in element.value or ():
                    _exposed(item, tags, found, depth + 1)
            elif element.tag.is_private:
                continue
            elif tag in tags and element.value not in (None, "", b""):
                found.add(tags[tag])
            elif (tag >> 16) & 0xFF00 in (0x5000, 0x6000) and (tag & 0xFFFF) in (0x3000, 0x4000) and element.value:
                found.add("OverlayData" if tag & 0xFFFF == 0x3000 else "OverlayComments")
        except Exception:
            continue


def _private_creators(ds: pydicom.Dataset, found: set[str]) -> None:
    for element in ds:
        try:
            if element.VR == "SQ":
                for item in element.value or ():
                    _private_creators(item, found)
            elif element.tag.is_private_creator and element.value:
                found.add(str(element.value).strip())
        except Exception:
            continue


def _conformance(ds: pydicom.Dataset, vrs: frozenset[str], modalities: frozenset[str]) -> tuple[int, list[str]]:
    failed: list[str] = []
    total = 0
    for element in ds:
        try:
            if element.tag.is_private or element.VR not in vrs or element.tag.group == 0x0002:
                continue
            value = element.value
            if value in (None, ""):
                continue
            total += 1
            values = value if isinstance(value, (list, tuple, pydicom.multival.MultiValue)) else [value]
            for single in values:
                if element.VR in ("DS", "IS", "PN"):
                    single = getattr(single, "original_string", None) or str(single)
                validate_value(element.VR, single, pydicom.config.RAISE)
        except Exception:
            failed.append(f"{element.keyword or 'private'}:{element.VR}")
    meta = getattr(ds, "file_meta", None)
    for meta_kw, ds_kw, check in (
        ("MediaStorageSOPClassUID", "SOPClassUID", "meta_sop_class"),
        ("MediaStorageSOPInstanceUID", "SOPInstanceUID", "meta_sop_instance"),
    ):
        if meta is not None and meta_kw in meta and ds_kw in ds:
            total += 1
            if str(meta.get(meta_kw)) != str(ds.get(ds_kw)):
                failed.append(check)
    modality = _text(ds, "Modality")
    if modality is not None:
        total += 1
        if modality not in modalities:
            failed.append("modality_known")
    sex = _text(ds, "PatientSex")
    if sex is not None:
        total += 1
        if sex not in ("M", "F", "O"):
            failed.append("sex_enumerated")
    return total, failed


def _completeness(ds: pydicom.Dataset, config: _Config) -> tuple[int, list[str], list[str]]:
    attrs = config.requirements.get(_text(ds, "SOPClassUID") or "", config.common)
    missing1: list[str] = []
    missing2: list[str] = []
    for keyword, type_ in attrs:
        tag = tag_for_keyword(keyword)
        if tag is None:
            continue
        present = tag in ds
        if type_ == 1:
            try:
                empty = not present or ds[tag].value in (None, "", b"") or (ds[tag].VR == "SQ" and len(ds[tag].value) == 0)
            except Exception:
                empty = True
            if empty:
                missing1.append(keyword)
        elif not present:
            missing2.append(keyword)
    return len(attrs), missing1, missing2


def _plausibility(record: dict[str, Any], ds: pydicom.Dataset, ranges: dict[str, tuple[float, float]], birth: date | None, study: date | None) -> tuple[int, list[str]]:
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


def extract_record(ds: pydicom.Dataset, salt: bytes) -> dict[str, Any]:
    """The index record of one header (see ``curator.index.SCHEMA`` for the columns)."""
    config = _config()
    values = identifier_values(ds)
    record: dict[str, Any] = {}
    record["sop_key"] = key("sop", _text(ds, "SOPInstanceUID") or "")
    record["series_key"] = key("series", _text(ds, "SeriesInstanceUID") or "")
    record["study_key"] = key("study", _text(ds, "StudyInstanceUID") or "")
    patient = (_text(ds, "PatientID") or "") + "\x00" + (_text(ds, "IssuerOfPatientID") or "")
    if not _text(ds, "PatientID"):
        patient = "\x00name:" + (_text(ds, "PatientName") or "") + "\x00" + (_text(ds, "PatientBirthDate") or "")
    record["patient_key"] = key("patient", patient, salt)
    record["institution"] = _text(ds, "InstitutionName")  # used for the site label, then replaced by its key
    for column, keyword in TEXT_FIELDS.items():
        record[column] = _text(ds, keyword)
    for column, keyword in NUMBER_FIELDS.items():
        record[column] = _number(ds, keyword)
    for column, keyword in SCRUBBED_FIELDS.items():
        record[column] = scrub_text(_text(ds, keyword), values) or None
    record["transfer_syntax_uid"] = _text(getattr(ds, "file_meta", pydicom.Dataset()), "TransferSyntaxUID")
    orientation = ds.get("ImageOrientationPatient") if "ImageOrientationPatient" in ds else None
    try:
        record["image_orientation"] = [round(float(v), 4) for v in orientation] if orientation and len(orientation) == 6 else None
    except Exception:
        record["image_orientation"] = None
    record["radiopharmaceutical"] = _radiopharmaceutical(ds)
    # Demographics.
    birth = _date(ds, "PatientBirthDate")
    study = _first_date(ds)
    record["study_year"] = study.year if study else None
    record["age_derivable"] = bool(birth and study and birth <= study)
    header_age = age_years(_text(ds, "PatientAge"))
    if header_age is not None:
        record["age_years"], record["age_source"] = header_age, "header"
    elif record["age_derivable"]:
        record["age_years"] = round((study - birth).days / 365.25, 2)
        record["age_source"] = "derived"
    else:
        record["age_years"], record["age_source"] = None, None
    # Identifier exposure and private creators: facts, never values.
    exposed: set[str] = set()
    _exposed(ds, config.exposure_tags, exposed)
    record["identifiers_present"] = sorted(exposed)
    creators: set[str] = set()
    _private_creators(ds, creators)
    record["private_creators"] = sorted(scrub_text(c, values) or "(removed)" for c in creators)
    # Quality checks.
    n_complete, missing1, missing2 = _completeness(ds, config)
    record["missing_type1"], record["missing_type2"] = missing1, missing2
    n_conform, nonconformant = _conformance(ds, config.conformance_vrs, config.modalities)
    record["nonconformant"] = nonconformant
    n_plaus, implausible = _plausibility(record, ds, config.ranges, birth, study)
    record["implausible"] = implausible
    record["checks_completeness"] = n_complete
    record["checks_conformance"] = n_conform
    record["checks_plausibility"] = n_plaus
    record["id_tokens"] = sorted(token_hashes(values, salt))
    record["acquisition"] = json.dumps(_safe_call(_acquisition, ds), sort_keys=True)
    segmentation = _safe_call(_segmentation, ds)
    record["segmentation"] = json.dumps(segmentation, sort_keys=True) if segmentation else None
    return record


def _radiopharmaceutical(ds: pydicom.Dataset) -> str | None:
    try:
        items = ds.get("RadiopharmaceuticalInformationSequence") or []
        for item in items:
            text = _text(item, "Radiopharmaceutical")
            if text:
                return text
            codes = item.get("RadiopharmaceuticalCodeSequence") or []
            if codes:
                return _text(codes[0], "CodeMeaning")
    except Exception:
        return None
    return None


def _safe_call(function, ds: pydicom.Dataset) -> Any:
    try:
        return function(ds)
    except Exception as exc:  # an odd header must not lose the instance
        return {"error": f"extraction failed ({type(exc).__name__})"}


def _acquisition(ds: pydicom.Dataset) -> dict[str, Any]:
    from curator.acquisition import acquisition_parameters

    return acquisition_parameters(ds)


def _segmentation(ds: pydicom.Dataset) -> dict[str, Any] | None:
    from curator.segmentation import segmentation_provenance

    result = segmentation_provenance(ds)
    if result and result.get("referenced_series"):
        result = dict(result, referenced_series=sorted(key("series", uid) for uid in result["referenced_series"]))
    return result
