"""Analyses over the index that enrich the audit report.

* normalization of descriptions against RadLex (``curator.normalize``), per series and the
  Playbook procedure per study;
* segmentation provenance (``curator.segmentation``) with curator-supplied provenance;
* harmonization batches (``curator.harmonization``);
* the age/sex distribution, binned, counts below ``k`` suppressed.

Each function takes the indexed rows (one per instance) or the series rows built from
them and returns JSON-ready structures for the report.
"""
from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

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


def normalize_rows(series: list[dict[str, Any]], evidence: Mapping[str, dict[str, Any]], overrides=None) -> dict[str, Any]:
    """Add ``normalized`` to every series row; return the report's ``normalization`` section
    and the per-study procedures."""
    from curator.normalize import normalize_series, study_procedure, summarize

    results_by_study: dict[str, list[dict]] = defaultdict(list)
    study_evidence: dict[str, dict] = {}
    summary_rows = []
    cache: dict[str, dict] = {}
    for row in series:
        ev = evidence[row["key"]]
        memo = json.dumps(ev, sort_keys=True, default=str)  # many series share their evidence
        if memo not in cache:
            cache[memo] = normalize_series(ev, overrides)
        result = cache[memo]  # shared, never modified after this point
        row["normalized"] = result
        results_by_study[row["study_key"]].append(result)
        study_evidence.setdefault(row["study_key"], {"StudyDescription": ev.get("StudyDescription"), "site": row["site"]})
        summary_rows.append((row["site"], row["series_description"], result))
    procedures = []
    for study_key in sorted(results_by_study):
        value, reason = study_procedure(results_by_study[study_key], study_evidence[study_key], overrides)
        procedures.append({"study_key": study_key, "site": study_evidence[study_key]["site"], "procedure": value,
                           "reason": None if value else reason})
    return {"normalization": summarize(summary_rows), "procedures": procedures}


def segmentation_rows(series: list[dict[str, Any]], segmentation_json: Mapping[str, str], rules=None) -> list[dict[str, Any]]:
    """The report's ``segmentations`` array: one entry per segmentation series."""
    from curator.segmentation import apply_provenance

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
    return pd.DataFrame([{k: r.get(k) for k in columns} for r in image_series], columns=columns)


def harmonization_section(series: list[dict[str, Any]], threshold: int) -> tuple[dict[str, Any], pd.DataFrame]:
    """The report's ``harmonization`` section and the batch table."""
    from curator.harmonization import batches, summary

    table = batches(_image_series_frame(series), threshold=threshold)
    return {"threshold": threshold, **summary(table)}, table


def covariates_of(report: Mapping[str, Any]) -> pd.DataFrame:
    """The covariate table (one row per image series) of an audit report."""
    from curator.harmonization import covariate_table

    return covariate_table(_image_series_frame(report["series"]), threshold=report["harmonization"]["threshold"])


def age_sex_distribution(indexed: pd.DataFrame, k: int) -> dict[str, Any]:
    """Studies per age bin and sex (age at the study); counts below ``k`` become ``"<k"``."""
    ordered = indexed[["study_key", "path", "age_years", "patient_sex"]].sort_values(["study_key", "path"], kind="mergesort")
    ages = ordered.dropna(subset=["age_years"]).drop_duplicates("study_key").set_index("study_key")["age_years"]
    sexes = ordered[ordered["patient_sex"].isin(["F", "M", "O"])].drop_duplicates("study_key").set_index("study_key")["patient_sex"]
    studies = pd.Index(ordered["study_key"].unique())
    unknown_age = int((~studies.isin(ages.index)).sum())
    labels = [f"{low}+" if high is None else f"{low}-{high}" for low, high in AGE_BINS]
    edges = [low for low, _ in AGE_BINS] + [float("inf")]
    binned = pd.cut(ages.astype(float), bins=edges, right=False, labels=labels)
    table = pd.DataFrame({"bin": binned, "sex": sexes.reindex(ages.index).fillna("unknown")})
    counts = table.groupby(["bin", "sex"], observed=True).size()

    def shown(n: int) -> int | str:
        return n if n == 0 or n >= k else f"<{k}"

    bins = {label: {sex: shown(int(counts.get((label, sex), 0))) for sex in ("F", "M", "O", "unknown")} for label in labels}
    return {"unit": "studies", "age_bins": bins, "unknown_age": shown(unknown_age), "suppressed_below": k}


def first_rows(indexed: pd.DataFrame) -> dict[str, dict[str, Any]]:
    """The first index row (in path order) of every series, by series key."""
    columns = ["series_key", "path", *EVIDENCE_COLUMNS.values()]
    ordered = indexed[columns].sort_values(["series_key", "path"], kind="mergesort").drop_duplicates("series_key")
    return dict(zip(ordered["series_key"], ordered.to_dict("records")))


def segmentation_json(indexed: pd.DataFrame) -> dict[str, str]:
    """The segmentation JSON of every segmentation series, by series key."""
    rows = indexed.loc[indexed["segmentation"].notna(), ["series_key", "path", "segmentation"]].sort_values(["series_key", "path"], kind="mergesort")
    return {key: group["segmentation"].iloc[0] for key, group in rows.groupby("series_key", sort=True)}


def summarize_segmentations(segmentations: Sequence[dict]) -> dict[str, Any]:
    from curator.segmentation import summary

    return summary(segmentations)

