"""Analyses over the index that enrich the audit report.

* normalization of descriptions against RadLex (``curator.normalize``), per series and the
  Playbook procedure per study;
* segmentation provenance (``curator.analyses.segmentation``) with curator-supplied provenance;
* harmonization batches (``curator.analyses.harmonization``);
* the age/sex distribution, binned, counts below ``k`` suppressed.

Each function takes the indexed rows (one per instance, as an Arrow table), their
``GroupView`` or the series rows built from them, and returns JSON-ready structures for
the report.
"""
from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from curator.analyses.series_view import GroupView, row_groups, value_codes

# Index columns giving the normalizer its evidence, by DICOM keyword.
EVIDENCE_COLUMNS = {
    "Modality": "modality",
    "StudyDescription": "study_description",
    "SeriesDescription": "series_description",
    "ProtocolName": "protocol_name",
    "BodyPartExamined": "body_part_examined",
    "ContrastBolusAgent": "contrast_bolus_agent",
    "ScanningSequence": "scanning_sequence",
    "SequenceVariant": "sequence_variant",
    "SequenceName": "sequence_name",
    "RepetitionTime": "repetition_time",
    "EchoTime": "echo_time",
    "InversionTime": "inversion_time",
    "FlipAngle": "flip_angle",
    "EchoTrainLength": "echo_train_length",
    "ImageOrientationPatient": "image_orientation",
    "ConvolutionKernel": "convolution_kernel",
    "Radiopharmaceutical": "radiopharmaceutical",
    "Laterality": "laterality",
    "ImageLaterality": "image_laterality",
}
_MULTI = {"ScanningSequence", "SequenceVariant", "ConvolutionKernel"}
# Objects that are not acquired images: no acquisition batch to harmonize.
NON_IMAGE_MODALITIES = frozenset({"SR", "KO", "PR", "DOC", "RTPLAN", "RTDOSE", "RTSTRUCT", "RTRECORD", "SEG", "REG", "PLAN", "AU", "ECG"})
AGE_BINS = tuple((low, low + 9) for low in range(0, 90, 10)) + ((90, None),)


def _clean(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, float) and pd.isna(value):
        return None
    if hasattr(value, "tolist"):
        return value.tolist()
    return value


def series_evidence(first: Mapping[str, Any], site: str | None) -> dict[str, Any]:
    """The normalizer's evidence for a series, from one of its index rows."""
    evidence: dict[str, Any] = {"site": site}
    for keyword, column in EVIDENCE_COLUMNS.items():
        value = _clean(first.get(column))
        if keyword in _MULTI and isinstance(value, str):
            value = [v for v in value.split("\\") if v]
        evidence[keyword] = value
    return evidence


def _reported(result: dict[str, Any]) -> dict[str, Any]:
    """A normalization result as reports show it: of the words it did not understand, the
    safe (allowlisted) ones by name and the others as a count (``unmapped_removed``)."""
    from curator.deid.freetext import is_safe

    tokens = list(result.get("unmapped_tokens") or [])
    shown = [t for t in tokens if is_safe(t)]
    return {**result, "unmapped_tokens": shown, "unmapped_removed": len(tokens) - len(shown)}


def normalize_rows(series: list[dict[str, Any]], evidence: Mapping[str, dict[str, Any]], overrides=None) -> dict[str, Any]:
    """Add ``normalized`` to every series row; return the report's ``normalization`` section
    and the per-study procedures.  The series of a study are read together for their contrast
    (``curator.normalize.study``: a pre-contrast twin of a post-contrast series)."""
    from curator.normalize import normalize_series, study_contrast, study_procedure, summarize

    rows_by_study: dict[str, list[dict[str, Any]]] = defaultdict(list)
    study_evidence: dict[str, dict] = {}
    # Series sharing one evidence dict (``evidence_by_series``) share one result; the
    # dicts stay alive in ``evidence`` meanwhile, so their identity is a safe key.
    cache: dict[int, dict] = {}
    for row in series:
        ev = evidence[row["key"]]
        if id(ev) not in cache:
            cache[id(ev)] = _reported(normalize_series(ev, overrides))
        row["normalized"] = cache[id(ev)]  # shared, never modified after this point
        rows_by_study[row["study_key"]].append(row)
        study_evidence.setdefault(row["study_key"], {"StudyDescription": ev.get("StudyDescription"), "site": row["site"]})
    procedures = []
    study_cache: dict[tuple, tuple] = {}
    for study_key in sorted(rows_by_study):
        rows, ev = rows_by_study[study_key], study_evidence[study_key]
        for row, result in zip(rows, study_contrast([(evidence[r["key"]], r["normalized"]) for r in rows])):
            row["normalized"] = result
        results = [r["normalized"] for r in rows]
        # Studies with the same series results (shared objects) and evidence share their procedure.
        memo_key = (tuple(map(id, results)), ev["StudyDescription"], ev["site"])
        if memo_key not in study_cache:
            study_cache[memo_key] = study_procedure(results, ev, overrides)
        value, reason = study_cache[memo_key]
        procedures.append({"study_key": study_key, "site": study_evidence[study_key]["site"], "procedure": value,
                           "reason": None if value else reason})
    summary_rows = [(row["site"], row["series_description"], row["normalized"]) for row in series]
    return {"normalization": summarize(summary_rows), "procedures": procedures}


def segmentation_rows(series: list[dict[str, Any]], segmentation_json: Mapping[str, str], rules=None) -> list[dict[str, Any]]:
    """The report's ``segmentations`` array: one entry per segmentation series."""
    from curator.analyses.segmentation import apply_provenance

    out = []
    for row in series:
        text = segmentation_json.get(row["key"])
        if not text:
            continue
        seg = json.loads(text)
        seg.update(key=row["key"], site=row["site"])
        if rules:
            seg = apply_provenance(seg, rules)
        out.append(seg)
    return out


def _image_series_frame(series: list[dict[str, Any]]) -> pd.DataFrame:
    """The image series (not segmentations, not documents) with what batches are made of."""
    image_series = [r for r in series if not r.get("is_segmentation") and r.get("modality") not in NON_IMAGE_MODALITIES]
    columns = ["key", "site", "modality", "manufacturer", "model", "acquisition"]
    return pd.DataFrame({k: pd.Series([r.get(k) for r in image_series], dtype=object) for k in columns}, columns=columns)


def harmonization_section(series: list[dict[str, Any]], threshold: int) -> tuple[dict[str, Any], pd.DataFrame]:
    """The report's ``harmonization`` section and the batch table."""
    from curator.analyses.harmonization import batches, summary

    table = batches(_image_series_frame(series), threshold=threshold)
    return {"threshold": threshold, **summary(table)}, table


def covariates_of(report: Mapping[str, Any]) -> pd.DataFrame:
    """The covariate table (one row per image series) of an audit report."""
    from curator.analyses.harmonization import covariate_table

    return covariate_table(_image_series_frame(report["series"]), threshold=report["harmonization"]["threshold"])


def age_sex_distribution(indexed: pa.Table, k: int) -> dict[str, Any]:
    """Studies per age bin and sex (age at the study); counts below ``k`` become ``"<k"``.

    A study's age and sex are those of its first instance (path order) that has one.
    """
    studies = GroupView(indexed, "study_key")
    ages = studies.first_where(pc.is_valid(indexed["age_years"]), "age_years")
    sexes = studies.first_where(pc.fill_null(pc.is_in(indexed["patient_sex"], value_set=pa.array(["F", "M", "O"])), False), "patient_sex")
    labels = [f"{low}+" if high is None else f"{low}-{high}" for low, high in AGE_BINS]
    counts: Counter[tuple[str, str]] = Counter()
    for study, age in ages.items():
        label = _age_bin(float(age), labels)
        if label is not None:
            counts[(label, sexes.get(study, "unknown"))] += 1
    unknown_age = len(studies) - len(ages)

    def shown(n: int) -> int | str:
        return n if n == 0 or n >= k else f"<{k}"

    bins = {label: {sex: shown(counts[(label, sex)]) for sex in ("F", "M", "O", "unknown")} for label in labels}
    return {"unit": "studies", "age_bins": bins, "unknown_age": shown(unknown_age), "suppressed_below": k}


def _age_bin(age: float, labels: list[str]) -> str | None:
    """The label of the bin holding ``age`` (bins are [low, high + 1)); None below 0 or NaN."""
    for (low, high), label in zip(AGE_BINS, labels):
        if low <= age and (high is None or age < high + 1):
            return label
    return None


def evidence_by_series(view: GroupView, sites: Mapping[str, str | None]) -> dict[str, dict[str, Any]]:
    """The normalizer's evidence of every series, from its first row (path order).

    Series with the same evidence share one (read-only) dict, so that the normalizer and
    the summaries downstream do their work once per distinct evidence.
    """
    if not len(view):
        return {}
    firsts = view.first_table(list(EVIDENCE_COLUMNS.values()))
    site_of = [sites.get(key) for key in view.keys]
    first_of, group = row_groups([value_codes(pa.array(site_of, pa.string())), *(value_codes(c) for c in firsts.columns)])
    distinct = [series_evidence(row, site_of[i]) for i, row in zip(first_of.tolist(), firsts.take(pa.array(first_of)).to_pylist())]
    return {key: distinct[g] for key, g in zip(view.keys, group.tolist())}


def summarize_segmentations(segmentations: Sequence[dict]) -> dict[str, Any]:
    from curator.analyses.segmentation import summary

    return summary(segmentations)

