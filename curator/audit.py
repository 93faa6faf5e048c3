"""The audit report: what is in an archive, before anything leaves the building.

``build_report(frame)`` turns an index (see ``curator.index``) into the report dict whose
JSON form is the documented contract of ``docs/audit-report.md``.  The report holds counts,
keys, scrubbed text and facts about identifiers, never identifier values.
"""
from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from collections.abc import Mapping
from functools import cache
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import yaml

from curator import __version__
from curator.index import COLUMNS as INDEX_COLUMNS
from curator.resources import mappings_dir

REPORT_VERSION = "1"
# Index columns the audit reads (the others serve the scan itself).
AUDIT_COLUMNS = tuple(c for c in INDEX_COLUMNS if c not in ("path_key", "fingerprint", "size", "id_tokens", "institution"))
DIMENSIONS = ("completeness", "conformance", "plausibility")
SEVERITIES = ("info", "warning", "error")
DEMOGRAPHICS = {"age": "age_years", "sex": "patient_sex", "ethnic_group": "ethnic_group", "size": "patient_size", "weight": "patient_weight"}


@cache
def _checks() -> dict[str, Any]:
    return yaml.safe_load((mappings_dir() / "audit" / "checks.yaml").read_text(encoding="utf-8"))


def default_weights() -> dict[str, float]:
    return {k: float(v) for k, v in _checks()["weights"].items()}


def _list_counts(series: pd.Series) -> list[dict[str, Any]]:
    """Instances per value of a list column (each value counted once per instance)."""
    # The index stores each list sorted and unique: counting values counts instances.
    counts = pc.value_counts(pc.list_flatten(_arrow_list(series)))
    pairs = sorted((str(v), int(n)) for v, n in zip(counts.field("values").to_pylist(), counts.field("counts").to_pylist()) if v is not None)
    return [{"attribute": name, "instances": n} for name, n in pairs]


def _arrow_list(series: pd.Series) -> pa.ChunkedArray | pa.Array:
    """A list column as Arrow (zero-copy when the frame came from ``read_index``)."""
    if isinstance(series.dtype, pd.ArrowDtype):
        return series.array.__arrow_array__()
    return pa.array([None if v is None else list(v) for v in series], type=pa.list_(pa.string()))


def _list_lengths(series: pd.Series) -> int:
    return int(pc.sum(pc.list_value_length(_arrow_list(series))).as_py() or 0)


def _present_mask(column: pd.Series) -> pd.Series:
    """True where a value is present (not null, not empty text)."""
    mask = column.notna()
    if column.dtype == object:
        mask &= column.map(lambda v: v != "", na_action="ignore").fillna(False).astype(bool)
    return mask


def _modes(indexed: pd.DataFrame, column: str) -> pd.Series:
    """The most frequent non-empty value of ``column`` per series (ties: the smallest)."""
    values = indexed[["series_key", column]]
    values = values[_present_mask(values[column])]
    if values.empty:
        return pd.Series(dtype=object)
    counts = values.groupby(["series_key", column], sort=False).size().reset_index(name="n")
    counts = counts.sort_values(["series_key", "n", column], ascending=[True, False, True], kind="mergesort")
    return counts.drop_duplicates("series_key").set_index("series_key")[column]


MODE_COLUMNS = {
    "site": "site", "modality": "modality", "manufacturer": "manufacturer", "model": "model",
    "software_versions": "software_versions", "study_description": "study_description",
    "series_description": "series_description", "protocol": "protocol_name", "body_part_examined": "body_part_examined",
}


def series_rows(indexed: pd.DataFrame) -> list[dict[str, Any]]:
    """One row per series (sorted by key): the ``series`` array of the report."""
    if indexed.empty:
        return []
    ordered = indexed[["series_key", "path", "study_key", "acquisition", "segmentation"]].sort_values(["series_key", "path"], kind="mergesort")
    study_of = dict(zip(*ordered.drop_duplicates("series_key")[["series_key", "study_key"]].to_numpy().T))
    with_acq = ordered[ordered["acquisition"].notna()].drop_duplicates("series_key")
    first_acq = dict(zip(with_acq["series_key"], with_acq["acquisition"]))
    segmented = set(ordered.loc[ordered["segmentation"].notna(), "series_key"])
    sizes = ordered.groupby("series_key", sort=True).size()
    modes = {field: _modes(indexed, column).to_dict() for field, column in MODE_COLUMNS.items()}
    rows = []
    for series_key, n in sizes.items():
        row: dict[str, Any] = {"key": series_key, "study_key": study_of[series_key]}
        for field in MODE_COLUMNS:
            row[field] = modes[field].get(series_key)
        acquisition = first_acq.get(series_key)
        row["instances"] = int(n)
        row["acquisition"] = json.loads(acquisition) if acquisition else {}
        row["is_segmentation"] = series_key in segmented
        rows.append({k: row[k] for k in _SERIES_ORDER})
    return rows


_SERIES_ORDER = ("key", "study_key", "site", "modality", "manufacturer", "model", "software_versions", "study_description",
                 "series_description", "protocol", "body_part_examined", "instances", "acquisition", "is_segmentation")


def _demographics(indexed: pd.DataFrame) -> dict[str, Any]:
    """Completeness per site, counted per study (an attribute is present if any instance has it)."""
    flags = pd.DataFrame({"site": indexed["site"], "study_key": indexed["study_key"]})
    for name, column in DEMOGRAPHICS.items():
        flags[name] = _present_mask(indexed[column])
    flags["age_in_header"] = indexed["age_source"].eq("header")
    per_study = flags.groupby(["site", "study_key"], sort=True).any()
    patients = indexed.groupby("site", sort=True)["patient_key"].nunique()
    out: dict[str, Any] = {}
    for site, studies in per_study.groupby(level="site", sort=True):
        n = int(len(studies))
        entry: dict[str, Any] = {"studies": n, "patients": int(patients[site])}
        for name in DEMOGRAPHICS:
            present = int(studies[name].sum())
            item: dict[str, Any] = {"present": present, "missing": n - present, "total": n}
            if name == "age":
                from_header = int(studies["age_in_header"].sum())
                item["in_header"] = from_header
                item["derivable"] = present - from_header
            item["percent"] = round(100.0 * present / n, 1) if n else 0.0
            entry[name] = item
        out[str(site)] = entry
    return out


def _inventory(indexed: pd.DataFrame) -> dict[str, Any]:
    def table(column: str) -> dict[str, dict[str, int]]:
        keys = indexed[column].where(_present_mask(indexed[column]), "(missing)")
        grouped = indexed.assign(_value=keys).groupby("_value", sort=True)
        stats = grouped.agg(patients=("patient_key", "nunique"), studies=("study_key", "nunique"),
                            series=("series_key", "nunique"), instances=("sop_key", "size"))
        return {str(value): {k: int(v) for k, v in row.items()} for value, row in stats.iterrows()}
    return {"by_site": table("site"), "by_modality": table("modality"), "by_manufacturer": table("manufacturer"), "by_model": table("model")}


def _burned_in(indexed: pd.DataFrame) -> dict[str, Any]:
    checks = _checks()
    risky_modalities = set(checks["burned_in_risk_modalities"])
    risky_classes = set(checks["burned_in_risk_sop_classes"])
    flag = indexed["burned_in_annotation"].fillna("").str.upper().str.strip()
    yes = flag == "YES"
    at_risk = (indexed["modality"].isin(risky_modalities) | indexed["sop_class_uid"].isin(risky_classes)) & ~flag.isin(["YES", "NO"])
    return {
        "yes": int(yes.sum()),
        "at_risk_flag_missing": int(at_risk.sum()),
        "by_modality": {
            str(m): {"yes": int((yes & (indexed["modality"] == m)).sum()), "at_risk_flag_missing": int((at_risk & (indexed["modality"] == m)).sum())}
            for m in sorted(indexed.loc[yes | at_risk, "modality"].fillna("(missing)").unique())
        },
    }


def _quality(indexed: pd.DataFrame, weights: Mapping[str, float]) -> dict[str, Any]:
    failed_columns = {
        "completeness": ("missing_type1", "missing_type2"),
        "conformance": ("nonconformant",),
        "plausibility": ("implausible",),
    }
    dims: dict[str, Any] = {}
    for dim in DIMENSIONS:
        total = int(indexed[f"checks_{dim}"].fillna(0).sum())
        fail = sum(_list_lengths(indexed[c]) for c in failed_columns[dim])
        weight = float(weights.get(dim, 1.0))
        dims[dim] = {"fail": fail, "pass": total - fail, "total": total, "weight": weight, "score": round((total - fail) / total, 4) if total else 1.0}
    weight_sum = sum(d["weight"] for d in dims.values())
    total_score = sum(d["score"] * d["weight"] for d in dims.values()) / weight_sum if weight_sum else 0.0
    return {"dimensions": dims, "total": round(total_score, 4)}


def _findings(report: dict[str, Any], rejected: pd.DataFrame) -> list[dict[str, Any]]:
    findings: list[dict[str, Any]] = []

    def add(severity: str, code: str, count: int, message: str) -> None:
        if count:
            findings.append({"severity": severity, "code": code, "count": int(count), "message": message})

    reasons = Counter(r.split(" (")[0] for r in rejected["reason"])
    add("error", "duplicate_sop_instance", reasons.pop("duplicate SOP Instance UID", 0), "files repeat the SOP Instance UID of another file")
    broken = sum(n for r, n in reasons.items() if r.startswith(("truncated", "malformed", "unreadable", "broken", "reader process")))
    add("error", "broken_files", broken, "files are truncated or malformed DICOM")
    add("warning", "unreadable_files", sum(reasons.values()) - broken, "files are not DICOM instances or cannot be read")
    missing = report["missing_attributes"]
    add("error", "missing_type1", sum(a["instances"] for a in missing["type1"]), "type 1 attributes missing or empty (instance count per attribute summed)")
    add("warning", "missing_type2", sum(a["instances"] for a in missing["type2"]), "type 2 attributes missing (instance count per attribute summed)")
    add("error", "burned_in_yes", report["burned_in"]["yes"], "instances declare burned-in annotation (BurnedInAnnotation YES)")
    add("warning", "burned_in_risk", report["burned_in"]["at_risk_flag_missing"], "instances of at-risk modalities lack BurnedInAnnotation")
    q = report["quality"]["dimensions"]
    add("warning", "nonconformant_values", q["conformance"]["fail"], "values do not conform to their value representation")
    add("warning", "implausible_values", q["plausibility"]["fail"], "values are outside plausible ranges")
    add("info", "identifiers_present", len(report["identifiers"]["attributes"]), "identifying attributes are present (de-identify before sharing)")
    add("info", "private_creators", len(report["private_creators"]), "private tag creators are present")
    incomplete = sum(1 for site in report["demographics"].values() for name in DEMOGRAPHICS if site[name]["missing"])
    add("warning", "demographics_incomplete", incomplete, "site × attribute pairs with demographics missing in some studies")
    if "segmentation_summary" in report:
        add("warning", "segmentation_without_provenance", report["segmentation_summary"]["n_without_provenance"],
            "segmentations do not say how they were made (algorithm type, name or version missing)")
        add("warning", "small_harmonization_batches", report["harmonization"]["n_batches_under_threshold"],
            f"acquisition batches have fewer than {report['harmonization']['threshold']} series (harmonization unreliable)")
        add("warning", "normalization_conflicts", sum(c["series"] for c in report["normalization"]["conflicts"]),
            "series whose description and header disagree on a normalized attribute")
        add("info", "unmapped_descriptions", len(report["normalization"]["unmapped_descriptions"]),
            "distinct descriptions could not be mapped to RadLex (review with `curator mappings review`)")
    order = {s: i for i, s in enumerate(reversed(SEVERITIES))}
    return sorted(findings, key=lambda f: (order[f["severity"]], f["code"]))


@dataclass(frozen=True)
class AuditSettings:
    """What the analyses of the audit use besides the index.

    ``overrides``: description overrides (``curator.normalize.load_overrides``);
    ``provenance``: curator-supplied segmentation provenance
    (``curator.segmentation.load_provenance``); ``batch_threshold``: series per
    harmonization batch below which a batch is flagged; ``k``: counts below it are
    suppressed in distributions.
    """

    weights: Mapping[str, float] | None = None
    overrides: Any = None
    provenance: Any = None
    batch_threshold: int = 30
    k: int = 5


def build_report(frame: pd.DataFrame, weights: Mapping[str, float] | None = None, settings: AuditSettings | None = None) -> dict[str, Any]:
    """The audit report of an index ``frame`` (all rows, indexed and rejected)."""
    settings = settings or AuditSettings(weights=weights)
    weights = {**default_weights(), **(weights or settings.weights or {})}
    indexed = frame[frame["status"] == "indexed"].copy()
    for column in ("series_key", "study_key", "patient_key", "site"):  # factorize the grouping keys once
        indexed[column] = indexed[column].astype(object).astype("category")
    rejected = frame[frame["status"] != "indexed"].sort_values(["path", "reason"])
    report: dict[str, Any] = {
        "report_version": REPORT_VERSION,
        "curator_version": __version__,
        "files": int(len(frame)),
        "instances": int(len(indexed)),
        "rejected": [{"path": p, "reason": r} for p, r in zip(rejected["path"], rejected["reason"])],
        "patients": int(indexed["patient_key"].nunique()),
        "studies": int(indexed["study_key"].nunique()),
        "series": series_rows(indexed),
        "inventory": _inventory(indexed),
        "demographics": _demographics(indexed),
        "identifiers": {"attributes": _list_counts(indexed["identifiers_present"])},
        "burned_in": _burned_in(indexed),
        "private_creators": [{"creator": a["attribute"], "instances": a["instances"]} for a in _list_counts(indexed["private_creators"])],
        "missing_attributes": {"type1": _list_counts(indexed["missing_type1"]), "type2": _list_counts(indexed["missing_type2"])},
        "quality": _quality(indexed, weights),
    }
    _add_analyses(report, indexed, settings)
    report["findings"] = _findings(report, rejected)
    return report


def _add_analyses(report: dict[str, Any], indexed: pd.DataFrame, settings: AuditSettings) -> None:
    """Normalization, segmentation provenance, harmonization and the age/sex distribution."""
    from curator import analyses

    series = report["series"]
    firsts = analyses.first_rows(indexed)
    evidence = {row["key"]: analyses.series_evidence(firsts[row["key"]], row["site"]) for row in series}
    report.update(analyses.normalize_rows(series, evidence, settings.overrides))
    report["segmentations"] = analyses.segmentation_rows(series, analyses.segmentation_json(indexed), settings.provenance)
    report["segmentation_summary"] = analyses.summarize_segmentations(report["segmentations"])
    report["harmonization"], _ = analyses.harmonization_section(series, settings.batch_threshold)
    report["demographics_distribution"] = analyses.age_sex_distribution(indexed, settings.k)


def exit_status(report: Mapping[str, Any], fail_on: str | None) -> int:
    """1 when the report has a finding at or above ``fail_on`` (warning|error), else 0."""
    if fail_on is None:
        return 0
    threshold = SEVERITIES.index(fail_on)
    return int(any(SEVERITIES.index(f["severity"]) >= threshold for f in report["findings"]))


def to_json(report: Mapping[str, Any]) -> str:
    """The report as deterministic JSON (sorted keys, two-space indent, trailing newline)."""
    return json.dumps(report, indent=2, sort_keys=True, ensure_ascii=False, default=_default) + "\n"


def _default(value):
    if hasattr(value, "item"):
        return value.item()
    if hasattr(value, "tolist"):
        return value.tolist()
    raise TypeError(type(value).__name__)
