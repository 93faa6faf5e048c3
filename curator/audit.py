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
import yaml

from curator import __version__
from curator.resources import mappings_dir

REPORT_VERSION = "1"
DIMENSIONS = ("completeness", "conformance", "plausibility")
SEVERITIES = ("info", "warning", "error")
DEMOGRAPHICS = {"age": "age_years", "sex": "patient_sex", "ethnic_group": "ethnic_group", "size": "patient_size", "weight": "patient_weight"}


@cache
def _checks() -> dict[str, Any]:
    return yaml.safe_load((mappings_dir() / "audit" / "checks.yaml").read_text(encoding="utf-8"))


def default_weights() -> dict[str, float]:
    return {k: float(v) for k, v in _checks()["weights"].items()}


def _counts(values) -> dict[str, int]:
    counter = Counter(v if isinstance(v, str) and v else "(missing)" for v in values)
    return dict(sorted(counter.items()))


def _list_counts(series: pd.Series) -> list[dict[str, Any]]:
    counter: Counter[str] = Counter()
    for values in series:
        if values is not None:
            counter.update(set(values))
    return [{"attribute": name, "instances": n} for name, n in sorted(counter.items())]


def _first(values):
    for value in values:
        if value is not None and not (isinstance(value, float) and pd.isna(value)) and value != "":
            return value
    return None


def _mode(values) -> str | None:
    clean = [v for v in values if isinstance(v, str) and v]
    if not clean:
        return None
    counter = Counter(clean)
    return sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]


def _present(value) -> bool:
    if value is None:
        return False
    if isinstance(value, float):
        return not pd.isna(value)
    return value != ""


def series_rows(indexed: pd.DataFrame) -> list[dict[str, Any]]:
    """One row per series (sorted by key): the ``series`` array of the report."""
    rows = []
    for series_key, group in indexed.groupby("series_key", sort=True):
        group = group.sort_values("path")
        acquisition = _first(group["acquisition"])
        segmentation = _first(group["segmentation"])
        row = {
            "key": series_key,
            "study_key": _first(group["study_key"]),
            "site": _mode(group["site"]),
            "modality": _mode(group["modality"]),
            "manufacturer": _mode(group["manufacturer"]),
            "model": _mode(group["model"]),
            "software_versions": _mode(group["software_versions"]),
            "study_description": _mode(group["study_description"]),
            "series_description": _mode(group["series_description"]),
            "protocol": _mode(group["protocol_name"]),
            "body_part_examined": _mode(group["body_part_examined"]),
            "instances": int(len(group)),
            "acquisition": json.loads(acquisition) if acquisition else {},
            "is_segmentation": segmentation is not None,
        }
        rows.append(row)
    return rows


def _demographics(indexed: pd.DataFrame) -> dict[str, Any]:
    """Completeness per site, counted per study (an attribute is present if any instance has it)."""
    out: dict[str, Any] = {}
    for site, site_rows in indexed.groupby("site", sort=True):
        studies = site_rows.groupby("study_key")
        n = int(studies.ngroups)
        entry: dict[str, Any] = {"studies": n, "patients": int(site_rows["patient_key"].nunique())}
        for name, column in DEMOGRAPHICS.items():
            present = int(studies[column].agg(lambda s: any(_present(v) for v in s)).sum())
            item = {"present": present, "missing": n - present, "total": n}
            if name == "age":
                from_header = int(studies["age_source"].agg(lambda s: any(v == "header" for v in s)).sum())
                item["in_header"] = from_header
                item["derivable"] = present - from_header
            item["percent"] = round(100.0 * present / n, 1) if n else 0.0
            entry[name] = item
        out[str(site)] = entry
    return out


def _inventory(indexed: pd.DataFrame) -> dict[str, Any]:
    def table(column: str) -> dict[str, dict[str, int]]:
        result = {}
        for value, group in indexed.groupby(indexed[column].fillna("(missing)"), sort=True):
            result[str(value)] = {
                "patients": int(group["patient_key"].nunique()),
                "studies": int(group["study_key"].nunique()),
                "series": int(group["series_key"].nunique()),
                "instances": int(len(group)),
            }
        return result

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
        fail = int(sum(indexed[c].map(lambda v: 0 if v is None else len(v)).sum() for c in failed_columns[dim]))
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
