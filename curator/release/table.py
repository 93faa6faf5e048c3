"""What a release holds, read back from its de-identified DICOM files.

The series table of a release (``metadata/series.csv`` / ``.parquet``), the FHIR
resources and the catalogue's aggregates describe the files actually released, so they
are computed from those files: pseudonymous UIDs and patient pseudonyms, retained
demographics, device and acquisition fields, and the RadLex codes written into the
instances.  Normalized attributes come from the audit of the source, joined through the
series UIDs the de-identification derived.
"""
from __future__ import annotations

import io
import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

import pandas as pd
import pydicom

from curator.analyses.acquisition import acquisition_parameters
from curator.dicom.walk import element_text
from curator.index.extract import age_years
from curator.dicom.header import HeaderError, read_header
from curator.common.jsontext import finite
from curator.analyses.segmentation import segmentation_provenance

INSTANCE_COLUMNS = (
    "path", "study_uid", "series_uid", "sop_instance_uid", "sop_class_uid", "instance_number", "series_number",
    "patient_pseudonym", "modality", "body_part_examined", "laterality", "manufacturer", "model", "software_versions",
    "study_description", "series_description", "patient_age_years", "patient_age_band", "patient_sex", "acquisition",
    "segmentation", "n_frames", "n_bytes",
)
# DeidentificationMethod note of k-anonymity's age generalization (curator.deid.kanon.note)
_AGE_BAND = re.compile(r"age (\d{1,3})y band floor")

# Columns of the published series table, with their meaning (CSVW / Croissant descriptions).
SERIES_COLUMNS: dict[str, tuple[str, str, Literal["string", "integer", "decimal", "boolean"]]] = {
    "study_uid": ("Study UID", "Pseudonymous Study Instance UID (2.25 form, keyed)", "string"),
    "series_uid": ("Series UID", "Pseudonymous Series Instance UID (2.25 form, keyed)", "string"),
    "patient_pseudonym": ("Patient pseudonym", "Keyed patient pseudonym, consistent across the release", "string"),
    "site": ("Site", "Site label of the curation (folder of the source); a series under several site folders "
             "lists every site, sorted, '; '-separated", "string"),
    "modality": ("Modality", "DICOM modality defined term", "string"),
    "manufacturer": ("Manufacturer", "Equipment manufacturer", "string"),
    "model": ("Model", "Manufacturer's model name", "string"),
    "software_versions": ("Software versions", "Device software versions", "string"),
    "study_description": ("Study description", "Study Description after de-identification", "string"),
    "series_description": ("Series description", "Series Description after de-identification", "string"),
    "n_instances": ("Instances", "Number of instances in the series", "integer"),
    "n_frames": ("Frames", "Number of image frames in the series: Number of Frames of each multi-frame instance, "
                 "1 for a single-frame image, 0 for an instance without pixel data (SR, KOS, RTSTRUCT...)", "integer"),
    "n_bytes": ("Bytes", "Size in bytes of the series' DICOM files", "integer"),
    "body_region_codes": ("Body region (RadLex)", "RadLex RIDs of the body regions, separated by |", "string"),
    "body_region_labels": ("Body region", "RadLex labels of the body regions, separated by |", "string"),
    "contrast_code": ("Contrast (RadLex)", "RadLex RID of the contrast attribute", "string"),
    "weighting_code": ("MR weighting (RadLex)", "RadLex RID of the MR weighting", "string"),
    "plane_code": ("Plane (RadLex)", "RadLex RID of the imaging plane", "string"),
    "laterality_code": ("Laterality (RadLex)", "RadLex RID of the laterality", "string"),
    "procedure_code": ("Procedure (RadLex Playbook)", "RadLex Playbook RPID of the study", "string"),
    "is_segmentation": ("Segmentation", "True for SEG and RTSTRUCT series", "boolean"),
    "segmentation_method": ("Segmentation method", "The most automated method of the segments: MANUAL, SEMIAUTOMATIC "
                            "or AUTOMATIC as the header states it (Segment Algorithm Type, ROI Generation Algorithm), "
                            "UNKNOWN when no segment states one", "string"),
    "segmentation_methods": ("Segmentation methods", "The methods of the segments, separated by |: MANUAL, SEMIAUTOMATIC, "
                             "AUTOMATIC, UNKNOWN (a segment whose header states none)", "string"),
    "algorithm_name": ("Segmentation algorithm", "Algorithm Name of the first segment naming one; 'unknown' when a "
                       "segment is not stated MANUAL and none is named; empty when every segment is MANUAL", "string"),
    "algorithm_version": ("Segmentation algorithm version", "Algorithm Version of that algorithm; 'unknown' when not "
                          "stated", "string"),
    "algorithm_parameters": ("Segmentation algorithm parameters", "JSON object of that algorithm's Algorithm Parameters "
                             "(key=value pairs as written); 'unknown' when not stated", "string"),
    "acquisition": ("Acquisition parameters", "JSON object of the acquisition parameters of the modality", "string"),
    "files": ("Files", "Folder of the series inside dicom/", "string"),
}


def instance_record(path: Path, root: Path) -> dict[str, Any] | None:
    """One released instance (``None`` for a file that is not DICOM)."""
    data = path.read_bytes()
    try:
        ds = read_header(io.BytesIO(data), len(data))
    except HeaderError:
        return None
    segmentation = segmentation_provenance(ds)
    number = ds.get("InstanceNumber")
    series_number = ds.get("SeriesNumber")
    return {
        "path": path.relative_to(root).as_posix(),
        "study_uid": element_text(ds, "StudyInstanceUID"),
        "series_uid": element_text(ds, "SeriesInstanceUID"),
        "sop_instance_uid": element_text(ds, "SOPInstanceUID"),
        "sop_class_uid": element_text(ds, "SOPClassUID"),
        "instance_number": int(number) if number not in (None, "") else None,
        "series_number": int(series_number) if series_number not in (None, "") else None,
        "patient_pseudonym": element_text(ds, "PatientID"),
        "modality": element_text(ds, "Modality"),
        "body_part_examined": element_text(ds, "BodyPartExamined"),
        "laterality": element_text(ds, "Laterality") or element_text(ds, "ImageLaterality"),
        "manufacturer": element_text(ds, "Manufacturer"),
        "model": element_text(ds, "ManufacturerModelName"),
        "software_versions": element_text(ds, "SoftwareVersions"),
        "study_description": element_text(ds, "StudyDescription"),
        "series_description": element_text(ds, "SeriesDescription"),
        "patient_age_years": age_years(element_text(ds, "PatientAge")),
        "patient_age_band": _age_band(ds),
        "patient_sex": element_text(ds, "PatientSex"),
        "acquisition": json.dumps(finite(acquisition_parameters(ds)), sort_keys=True, allow_nan=False),
        "segmentation": json.dumps(finite(segmentation), sort_keys=True, allow_nan=False) if segmentation else None,
        "n_frames": _frames(ds),
        "n_bytes": len(data),
    }


def _frames(ds: pydicom.Dataset) -> int:
    """Image frames of one instance: Number of Frames, else 1 for an image (Rows), else 0."""
    text = element_text(ds, "NumberOfFrames")
    if text and text.strip().isdigit():
        return int(text)
    return 1 if element_text(ds, "Rows") else 0


def _age_band(ds: pydicom.Dataset) -> int | None:
    """Width in years of the band a released PatientAge is the floor of (None: exact age)."""
    match = _AGE_BAND.search(element_text(ds, "DeidentificationMethod") or "")
    return int(match.group(1)) if match else None


def typical_age_range(instances: pd.DataFrame) -> tuple[int | None, int | None]:
    """Youngest and oldest age the released files allow, in years.

    Ages removed by k-anonymity count for nothing; a banded age (``040Y`` with a 5-year
    band) spans its band (40-44); a top-coded ``090Y`` stays 90 (meaning 90 or older), and no band
    reaches past it (``mappings/privacy/generalization.yaml``)."""
    from curator.deid.kanon import top_code_years

    top = top_code_years()  # every age from it on is written as that age (090Y)
    low: list[int] = []
    high: list[int] = []
    for age, band in zip(instances["patient_age_years"], instances["patient_age_band"]):
        if age is None or pd.isna(age):
            continue
        years = int(age)
        width = int(band) if band is not None and not pd.isna(band) else 0
        low.append(years)
        high.append(years if width <= 1 else min(years + width - 1, top))
    return (min(low), max(high)) if low else (None, None)


def read_instances(dicom_dir: Path) -> pd.DataFrame:
    """Every released instance, sorted by path."""
    rows = [r for p in sorted(q for q in dicom_dir.rglob("*") if q.is_file()) if (r := instance_record(p, dicom_dir))]
    return pd.DataFrame(rows, columns=list(INSTANCE_COLUMNS))


def _codes(value: Any) -> tuple[str, str]:
    items = value if isinstance(value, list) else [value] if value else []
    return "|".join(v["code"] for v in items), "|".join(v["label"] for v in items)


def series_table(instances: pd.DataFrame, normalized: Mapping[str, dict], procedures: Mapping[str, dict | None],
                 sites: Mapping[str, str]) -> pd.DataFrame:
    """One row per released series (sorted by study and series UID).

    ``normalized``/``sites``: by released series UID; ``procedures``: by released study UID.
    """
    rows = []
    for (study_uid, series_uid), group in instances.groupby(["study_uid", "series_uid"], sort=True):
        first = group.iloc[0]
        norm = normalized.get(str(series_uid)) or {}
        body_codes, body_labels = _codes(norm.get("body_region"))
        segmentation = json.loads(first["segmentation"]) if isinstance(first["segmentation"], str) else None
        procedure = procedures.get(str(study_uid))
        rows.append({
            "study_uid": study_uid,
            "series_uid": series_uid,
            "patient_pseudonym": first["patient_pseudonym"],
            "site": sites.get(str(series_uid)),
            "modality": first["modality"],
            "manufacturer": first["manufacturer"],
            "model": first["model"],
            "software_versions": first["software_versions"],
            "study_description": first["study_description"],
            "series_description": first["series_description"],
            "n_instances": int(len(group)),
            "n_frames": int(group["n_frames"].sum()),
            "n_bytes": int(group["n_bytes"].sum()),
            "body_region_codes": body_codes or None,
            "body_region_labels": body_labels or None,
            "contrast_code": (norm.get("contrast") or {}).get("code"),
            "weighting_code": (norm.get("weighting") or {}).get("code"),
            "plane_code": (norm.get("plane") or {}).get("code"),
            "laterality_code": (norm.get("laterality") or {}).get("code"),
            "procedure_code": procedure["code"] if procedure else None,
            "is_segmentation": segmentation is not None,
            **algorithm_columns(segmentation),
            "acquisition": first["acquisition"],
            "files": first["path"].rsplit("/", 1)[0],
        })
    return pd.DataFrame(rows, columns=list(SERIES_COLUMNS))


UNKNOWN = "unknown"
_METHOD_ORDER = ("MANUAL", "SEMIAUTOMATIC", "AUTOMATIC", "UNKNOWN")


def algorithm_columns(segmentation: Mapping[str, Any] | None) -> dict[str, str | None]:
    """The series table's provenance of one segmentation object, as its header states it.

    Method: the most automated segment's, ``UNKNOWN`` when no segment states one (never a
    guess).  Algorithm name, version and parameters: the first segment naming an algorithm
    (:func:`curator.analyses.segmentation.segmentation_provenance`); a value not stated is
    ``unknown``; no algorithm at all is ``unknown`` unless every segment is stated MANUAL
    (then the columns are empty: no algorithm was used)."""
    if segmentation is None:
        return {"segmentation_method": None, "segmentation_methods": None, "algorithm_name": None,
                "algorithm_version": None, "algorithm_parameters": None}
    methods = {str(s.get("algorithm_type") or "UNKNOWN") for s in segmentation.get("segments") or []} or {"UNKNOWN"}
    name = segmentation.get("algorithm_name")
    named = next((s.get("algorithm") for s in segmentation.get("segments") or []
                  if (s.get("algorithm") or {}).get("name") == name), None) if name else None
    if name:
        version = segmentation.get("algorithm_version") or UNKNOWN
        parameters = (named or {}).get("parameters") or segmentation.get("parameters")
        stated = json.dumps(parameters, sort_keys=True, ensure_ascii=False) if parameters else UNKNOWN
    elif methods == {"MANUAL"}:
        version, stated = None, None
    else:
        name, version, stated = UNKNOWN, UNKNOWN, UNKNOWN
    return {
        "segmentation_method": segmentation.get("algorithm_type") or "UNKNOWN",
        "segmentation_methods": "|".join(m for m in _METHOD_ORDER if m in methods),
        "algorithm_name": name,
        "algorithm_version": version,
        "algorithm_parameters": stated,
    }


def fhir_rows(instances: pd.DataFrame, table: pd.DataFrame, normalized: Mapping[str, dict],
              procedures: Mapping[str, dict | None]) -> list[dict[str, Any]]:
    """The series rows ``curator.release.fhir_export`` expects."""
    rows = []
    by_series = {uid: group for uid, group in instances.groupby("series_uid", sort=True)}
    for record in table.to_dict("records"):
        group = by_series[record["series_uid"]]
        first = group.iloc[0]
        norm = normalized.get(record["series_uid"]) or {}
        regions = norm.get("body_region") or []
        procedure = procedures.get(record["study_uid"])
        segmentation = json.loads(first["segmentation"]) if isinstance(first["segmentation"], str) else None
        rows.append({
            "study_uid": record["study_uid"],
            "series_uid": record["series_uid"],
            "series_number": _int(first["series_number"]),
            "patient_pseudonym": record["patient_pseudonym"],
            "modality": record["modality"],
            "n_instances": record["n_instances"],
            "body_site_code": regions[0]["code"] if regions else None,
            "body_site_label": regions[0]["label"] if regions else None,
            "laterality": first["laterality"],
            "manufacturer": record["manufacturer"],
            "model": record["model"],
            "procedure_code": procedure["code"] if procedure else None,
            "procedure_label": procedure["label"] if procedure else None,
            "is_segmentation": record["is_segmentation"],
            **{k: record[k] for k in ("segmentation_method", "algorithm_name", "algorithm_version", "algorithm_parameters")},
            "referenced_series_uids": (segmentation or {}).get("referenced_series") or [],
            "instances": [
                {"sop_class_uid": c, "sop_instance_uid": u, "number": _int(n)}
                for c, u, n in zip(group["sop_class_uid"], group["sop_instance_uid"], group["instance_number"])
            ],
        })
    return rows


def _int(value: Any) -> int | None:
    return None if value is None or pd.isna(value) else int(value)
