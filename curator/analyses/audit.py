"""The audit report: what is in an archive, before anything leaves the building.

``build_report(index)`` turns an index (see ``curator.index.store``) into the report dict whose
JSON form is the documented contract of ``docs/audit-report.md``.  The report holds counts,
keys, scrubbed text and facts about identifiers, never identifier values.

The counts are computed in Arrow (``pyarrow.compute`` and group-bys) and the per-series
facts through one sorted ``GroupView``; Python loops run once per series or per distinct
value, never per instance.  Text that is empty counts as missing, like a null.
"""
from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import yaml

from curator import __version__
from curator.analyses.enrich import EVIDENCE_COLUMNS
from curator.deid import withheld
from curator.deid.kanon import index_risk
from curator.index.store import SCHEMA as INDEX_SCHEMA
from curator.common.jsontext import finite
from curator.analyses.patient_identity import link_index_issuers, resolve_index, shared_patient_ids
from curator.resources import mappings_dir
from curator.analyses.series_view import GroupView, present

REPORT_VERSION = "1"
MISSING = "(missing)"
DIMENSIONS = ("completeness", "conformance", "plausibility")
SEVERITIES = ("info", "warning", "error")
DEMOGRAPHICS = {"age": "age_years", "sex": "patient_sex", "ethnic_group": "ethnic_group", "size": "patient_size", "weight": "patient_weight"}
# Index columns the audit reads (the others serve the scan, de-identification and release).
AUDIT_COLUMNS = tuple(dict.fromkeys([
    "path", "status", "reason", "sop_key", "series_key", "study_key", "patient_key", "person_key", "issuer_key", "birth_tag", "site",
    "modality", "sop_class_uid",
    "manufacturer", "model", "software_versions", "study_description", "series_description", "protocol_name",
    "body_part_examined", *EVIDENCE_COLUMNS.values(), *DEMOGRAPHICS.values(), "age_source", "burned_in_annotation",
    "identifiers_present", "private_creators", "missing_type1", "missing_type2", "nonconformant", "implausible",
    *(f"checks_{d}" for d in DIMENSIONS), "acquisition", "segmentation", "text_charset",
]))


@cache
def _checks() -> dict[str, Any]:
    return yaml.safe_load((mappings_dir() / "audit" / "checks.yaml").read_text(encoding="utf-8"))


def default_weights() -> dict[str, float]:
    return {k: float(v) for k, v in _checks()["weights"].items()}


def _list_counts(column: pa.ChunkedArray) -> list[dict[str, Any]]:
    """Instances per value of a list column (each value counted once per instance)."""
    # The index stores each list sorted and unique: counting values counts instances.
    counts = pc.value_counts(pc.list_flatten(column))
    pairs = sorted((str(v), int(n)) for v, n in zip(counts.field("values").to_pylist(), counts.field("counts").to_pylist()) if v is not None)
    return [{"attribute": name, "instances": n} for name, n in pairs]


def _list_lengths(column: pa.ChunkedArray) -> int:
    return int(pc.sum(pc.list_value_length(column)).as_py() or 0)


def _or_missing(column: pa.ChunkedArray) -> pa.ChunkedArray:
    """The values of a text column, ``(missing)`` where absent or empty."""
    return pc.if_else(present(column), column, MISSING)


SITE_SEPARATOR = "; "  # between the sites of a series that lies under several site folders

MODE_COLUMNS = {
    "site": "site", "modality": "modality", "manufacturer": "manufacturer", "model": "model",
    "software_versions": "software_versions", "study_description": "study_description",
    "series_description": "series_description", "protocol": "protocol_name", "body_part_examined": "body_part_examined",
}


def series_rows(view: GroupView) -> list[dict[str, Any]]:
    """One row per series (sorted by key): the ``series`` array of the report."""
    if not len(view):
        return []
    columns: dict[str, list] = {"key": view.keys, "study_key": [row["study_key"] for row in view.first_rows(["study_key"])]}
    for field, column in MODE_COLUMNS.items():
        columns[field] = view.modes(column)
    # A series under two site folders (a copy or a transfer gone wrong) lists every site, not its
    # majority's alone (hostile round 6); the finding series_at_several_sites counts them.
    columns["site"] = [SITE_SEPARATOR.join(sites) if len(sites) > 1 else mode
                       for sites, mode in zip(view.distinct("site"), columns["site"])]
    columns["instances"] = view.sizes.tolist()
    first_acquisition = view.first_present("acquisition")
    parsed = {text: json.loads(text) for text in set(first_acquisition.values())}  # shared by series, read-only
    columns["acquisition"] = [parsed[first_acquisition[k]] if k in first_acquisition else {} for k in view.keys]
    segmented = view.any_present("segmentation")
    columns["is_segmentation"] = [k in segmented for k in view.keys]
    return [dict(zip(_SERIES_ORDER, values)) for values in zip(*(columns[field] for field in _SERIES_ORDER))]


_SERIES_ORDER = ("key", "study_key", "site", "modality", "manufacturer", "model", "software_versions", "study_description",
                 "series_description", "protocol", "body_part_examined", "instances", "acquisition", "is_segmentation")


def _demographics(indexed: pa.Table) -> dict[str, Any]:
    """Completeness per site, counted per study (an attribute is present if any instance has it)."""
    flags = {"site": _or_missing(indexed["site"]), "study_key": indexed["study_key"]}
    for name, column in DEMOGRAPHICS.items():
        flags[name] = present(indexed[column])
    flags["age_in_header"] = pc.fill_null(pc.equal(indexed["age_source"], "header"), False)
    names = [*DEMOGRAPHICS, "age_in_header"]
    per_study = pa.table(flags).group_by(["site", "study_key"]).aggregate([(n, "any") for n in names])
    per_site = per_study.group_by("site").aggregate([*((f"{n}_any", "sum") for n in names), ("study_key", "count", pc.CountOptions(mode="all"))])
    patients = dict(zip(*pa.table({"site": flags["site"], "p": indexed["patient_key"]}).group_by("site")
                        .aggregate([("p", "count_distinct")]).select(["site", "p_count_distinct"]).to_pydict().values()))
    out: dict[str, Any] = {}
    for site_row in sorted(per_site.to_pylist(), key=lambda r: r["site"]):
        site, n = site_row["site"], int(site_row["study_key_count"])
        entry: dict[str, Any] = {"studies": n, "patients": int(patients[site])}
        for name in DEMOGRAPHICS:
            present_n = int(site_row[f"{name}_any_sum"])
            item: dict[str, Any] = {"present": present_n, "missing": n - present_n, "total": n}
            if name == "age":
                from_header = int(site_row["age_in_header_any_sum"])
                item["in_header"] = from_header
                item["derivable"] = present_n - from_header
            item["percent"] = round(100.0 * present_n / n, 1) if n else 0.0
            entry[name] = item
        out[str(site)] = entry
    return out


def _inventory(indexed: pa.Table) -> dict[str, Any]:
    def table(column: str) -> dict[str, dict[str, int]]:
        keyed = pa.table({"value": _or_missing(indexed[column]), "patients": indexed["patient_key"], "studies": indexed["study_key"],
                          "series": indexed["series_key"], "instances": indexed["status"]})
        stats = keyed.group_by("value").aggregate([("patients", "count_distinct"), ("studies", "count_distinct"),
                                                   ("series", "count_distinct"), ("instances", "count", pc.CountOptions(mode="all"))])
        out = {}
        for row in sorted(stats.to_pylist(), key=lambda r: r["value"]):
            out[str(row["value"])] = {k: int(row[f"{k}_count_distinct"]) for k in ("patients", "studies", "series")}
            out[str(row["value"])]["instances"] = int(row["instances_count"])
        return out
    return {"by_site": table("site"), "by_modality": table("modality"), "by_manufacturer": table("manufacturer"), "by_model": table("model")}


def _burned_in(indexed: pa.Table) -> dict[str, Any]:
    checks = _checks()
    risky_modalities = pa.array(sorted(checks["burned_in_risk_modalities"]), pa.string())
    risky_classes = pa.array(sorted(checks["burned_in_risk_sop_classes"]), pa.string())
    flag = pc.utf8_trim_whitespace(pc.utf8_upper(pc.fill_null(indexed["burned_in_annotation"], "")))
    yes = pc.equal(flag, "YES")
    risky = pc.or_(pc.is_in(indexed["modality"], value_set=risky_modalities), pc.is_in(indexed["sop_class_uid"], value_set=risky_classes))
    at_risk = pc.and_(risky, pc.invert(pc.is_in(flag, value_set=pa.array(["YES", "NO"]))))
    flagged = pa.table({"modality": _or_missing(indexed["modality"]), "yes": yes, "at_risk": at_risk}).filter(pc.or_(yes, at_risk))
    by_modality = flagged.group_by("modality").aggregate([("yes", "sum"), ("at_risk", "sum")])
    return {
        "yes": int(pc.sum(yes).as_py() or 0),
        "at_risk_flag_missing": int(pc.sum(at_risk).as_py() or 0),
        "by_modality": {
            str(row["modality"]): {"yes": int(row["yes_sum"]), "at_risk_flag_missing": int(row["at_risk_sum"])}
            for row in sorted(by_modality.to_pylist(), key=lambda r: r["modality"])
        },
    }


def _quality(indexed: pa.Table, weights: Mapping[str, float]) -> dict[str, Any]:
    failed_columns = {
        "completeness": ("missing_type1", "missing_type2"),
        "conformance": ("nonconformant",),
        "plausibility": ("implausible",),
    }
    dims: dict[str, Any] = {}
    for dim in DIMENSIONS:
        total = int(pc.sum(indexed[f"checks_{dim}"]).as_py() or 0)
        fail = sum(_list_lengths(indexed[c]) for c in failed_columns[dim])
        weight = float(weights.get(dim, 1.0))
        dims[dim] = {"fail": fail, "pass": total - fail, "total": total, "weight": weight, "score": round((total - fail) / total, 4) if total else 1.0}
    weight_sum = sum(d["weight"] for d in dims.values())
    total_score = sum(d["score"] * d["weight"] for d in dims.values()) / weight_sum if weight_sum else 0.0
    return {"dimensions": dims, "total": round(total_score, 4)}


def _findings(report: dict[str, Any], documents: int = 0) -> list[dict[str, Any]]:
    findings: list[dict[str, Any]] = []

    def add(severity: str, code: str, count: int, message: str) -> None:
        if count:
            findings.append({"severity": severity, "code": code, "count": int(count), "message": message})

    reasons = Counter((r["reason"] or "").split(" (")[0] for r in report["rejected"])
    add("error", "duplicate_sop_instance", reasons.pop("duplicate SOP Instance UID", 0), "files repeat the SOP Instance UID of another file")
    broken = sum(n for r, n in reasons.items() if r.startswith(("truncated", "malformed", "unreadable", "broken", "reader process")))
    add("error", "broken_files", broken, "files are truncated or malformed DICOM")
    add("warning", "unreadable_files", sum(reasons.values()) - broken, "files are not DICOM instances or cannot be read")
    missing = report["missing_attributes"]
    add("error", "missing_type1", sum(a["instances"] for a in missing["type1"]), "type 1 attributes missing or empty (instance count per attribute summed)")
    add("warning", "missing_type2", sum(a["instances"] for a in missing["type2"]), "type 2 attributes missing (instance count per attribute summed)")
    add("error", "burned_in_yes", report["burned_in"]["yes"], "instances declare burned-in annotation (BurnedInAnnotation YES)")
    add("warning", "burned_in_risk", report["burned_in"]["at_risk_flag_missing"], "instances of at-risk modalities lack BurnedInAnnotation")
    add("warning", "encapsulated_documents", documents,
        "instances are encapsulated documents (PDF, CDA, 3D models): de-identification rejects them")
    screen = report["burned_in"].get("pixel_screen") or {}
    add("warning", "burned_in_pixels", screen.get("text_like", 0),
        "instances show text-like regions in their pixels (pixel screen; de-identification quarantines them)")
    q = report["quality"]["dimensions"]
    add("warning", "nonconformant_values", q["conformance"]["fail"], "values do not conform to their value representation")
    add("warning", "implausible_values", q["plausibility"]["fail"], "values are outside plausible ranges")
    add("info", "identifiers_present", len(report["identifiers"]["attributes"]), "identifying attributes are present (de-identify before sharing)")
    add("info", "private_creators", len(report["private_creators"]), "private tag creators are present")
    add("warning", "text_charset_mismatch", sum(r["instances"] for r in report.get("character_sets") or []),
        "instances whose text bytes are not in their declared Specific Character Set: read (and de-identified) in the set "
        "the bytes are in, listed in character_sets by declared and actual set")
    add("warning", "series_at_several_sites", sum(1 for r in report["series"] if SITE_SEPARATOR in (r["site"] or "")),
        "series whose instances lie under more than one site folder (each listed with every site, "
        f"'{SITE_SEPARATOR.strip()}'-separated): a copy or a transfer gone wrong?")
    identity = report["patient_identity"]
    add("warning", "patient_conflicts", identity["conflicts"],
        "studies whose instances name more than one PatientID (each joined to its majority patient)")
    add("warning", "patient_ids_shared", identity.get("ids_shared", 0),
        "PatientIDs (with their IssuerOfPatientID) given to people with different birth dates: de-identification "
        "gives each such ID one pseudonym; add the issuer or correct the IDs before release")
    add("info", "patient_issuer_joined", identity["studies_joined"] - identity["conflicts"],
        "studies whose instances name their patient with another or no IssuerOfPatientID (joined to the study's patient)")
    if "k_anonymity" in report:
        risk = report["k_anonymity"]["after"]
        add("info", "k_anonymity_risk", risk["records_below_k"],
            f"studies in groups of fewer than k={report['k_anonymity']['k']} patients over age, sex, ethnic group, size, weight and site")
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
    (``curator.analyses.segmentation.load_provenance``); ``batch_threshold``: series per
    harmonization batch below which a batch is flagged; ``k``: counts below it are
    suppressed in distributions.
    """

    weights: Mapping[str, float] | None = None
    overrides: Any = None
    provenance: Any = None
    batch_threshold: int = 30
    k: int = 5


def number_alike(rejected: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rejected files with ``same_path`` (1, 2, ...) on every one whose shown path another
    one shares: two files in folders named after two people are both ``site/~~~/scan.dcm``
    once masked, and would read as one file.  The number tells them apart and reveals
    nothing (red team 8).  Rows in order; a unique path has no ``same_path``."""
    counts = Counter(row.get("path") for row in rejected)
    seen: Counter = Counter()
    out = []
    for row in rejected:
        row = {k: v for k, v in row.items() if k != "same_path"}
        if counts[row.get("path")] > 1:
            seen[row.get("path")] += 1
            row["same_path"] = seen[row.get("path")]
        out.append(row)
    return out


def shown_path(row: Mapping[str, Any]) -> str:
    """A rejected file's path as the text and HTML reports show it: with its ``same_path``
    number when it has one ("site/~~~/scan.dcm (2)")."""
    path = str(row.get("path") or "")
    return f"{path} ({row['same_path']})" if row.get("same_path") else path


def build_report(index: pa.Table | pd.DataFrame, weights: Mapping[str, float] | None = None, settings: AuditSettings | None = None,
                 pixel_screen: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The audit report of an index (all rows, indexed and rejected).

    ``index`` is the index as an Arrow table (``curator.index.store.read_index_table``; the fast
    path) or a pandas frame with index columns (``curator.index.store.read_index``).
    ``pixel_screen``: the counts of :func:`curator.deid.pixel_screen.screen_source`, reported
    under ``burned_in.pixel_screen`` (absent when the pixels were not screened).
    """
    settings = settings or AuditSettings(weights=weights)
    weights = {**default_weights(), **(weights or settings.weights or {})}
    table = as_index_table(index)
    is_indexed = pc.fill_null(pc.equal(table["status"], "indexed"), False)
    indexed = table if pc.all(is_indexed).as_py() is not False else table.filter(is_indexed)
    rejected = table.select(["path", "reason"]).filter(pc.invert(is_indexed)).sort_by([("path", "ascending"), ("reason", "ascending")])
    indexed, links = link_index_issuers(indexed)  # instances without issuer: linked, per site, or as they are
    shared = shared_patient_ids(indexed)
    indexed, identity = resolve_index(indexed, links)  # one patient per study
    view = GroupView(indexed, "series_key")
    report: dict[str, Any] = {
        "report_version": REPORT_VERSION,
        "curator_version": __version__,
        "files": int(table.num_rows),
        "instances": int(indexed.num_rows),
        "rejected": number_alike(rejected.to_pylist()),
        "patients": int(pc.count_distinct(indexed["patient_key"]).as_py()),
        "studies": int(pc.count_distinct(indexed["study_key"]).as_py()),
        "series": series_rows(view),
        "inventory": _inventory(indexed),
        "demographics": _demographics(indexed),
        "identifiers": {"attributes": _list_counts(indexed["identifiers_present"])},
        "burned_in": _burned_in(indexed),
        "private_creators": [{"creator": a["attribute"], "instances": a["instances"]} for a in _list_counts(indexed["private_creators"])],
        "character_sets": _character_sets(indexed),
        "missing_attributes": {"type1": _list_counts(indexed["missing_type1"]), "type2": _list_counts(indexed["missing_type2"])},
        "quality": _quality(indexed, weights),
        "patient_identity": {**identity.summary(), "ids_shared": shared},
    }
    if pixel_screen is not None:
        report["burned_in"]["pixel_screen"] = dict(pixel_screen)
    _add_analyses(report, indexed, view, settings)
    report["findings"] = _findings(report, _documents(indexed))
    return report


def _character_sets(indexed: pa.Table) -> list[dict[str, Any]]:
    """Instances whose text is not in its declared Specific Character Set, per declared set and
    the set its bytes are in (``curator.dicom.textcodec``): names of character sets, never values."""
    if "text_charset" not in indexed.column_names:
        return []
    counts = pc.value_counts(indexed["text_charset"])
    rows = []
    for label, n in zip(counts.field("values").to_pylist(), counts.field("counts").to_pylist()):
        if label is not None:
            declared, _, actual = str(label).partition(" -> ")
            rows.append({"declared": declared, "read_as": actual, "instances": int(n)})
    return sorted(rows, key=lambda r: (r["declared"], r["read_as"]))


def _documents(indexed: pa.Table) -> int:
    """Instances of an Encapsulated Document SOP class (PDF, CDA, 3D models), which
    ``curator deid`` does not release (``mappings/privacy/not-released.yaml``)."""
    classes = pa.array(sorted(withheld.rules().sop_classes), pa.string())
    return int(pc.sum(pc.cast(pc.is_in(indexed["sop_class_uid"], value_set=classes), pa.int64())).as_py() or 0)


def as_index_table(index: pa.Table | pd.DataFrame) -> pa.Table:
    """``index`` as an Arrow table typed by the index schema (a pandas frame is converted)."""
    if isinstance(index, pa.Table):
        return index
    fields = [INDEX_SCHEMA.field(c) for c in index.columns if c in INDEX_SCHEMA.names]
    return pa.Table.from_pandas(index[[f.name for f in fields]], schema=pa.schema(fields), preserve_index=False)


def _add_analyses(report: dict[str, Any], indexed: pa.Table, view: GroupView, settings: AuditSettings) -> None:
    """Normalization, segmentation provenance, harmonization and the age/sex distribution."""
    from curator.analyses import enrich as analyses

    series = report["series"]
    evidence = analyses.evidence_by_series(view, {row["key"]: row["site"] for row in series})
    report.update(analyses.normalize_rows(series, evidence, settings.overrides))
    report["segmentations"] = analyses.segmentation_rows(series, view.first_present("segmentation"), settings.provenance)
    report["segmentation_summary"] = analyses.summarize_segmentations(report["segmentations"])
    report["harmonization"], _ = analyses.harmonization_section(series, settings.batch_threshold)
    report["demographics_distribution"] = analyses.age_sex_distribution(indexed, settings.k)
    report["k_anonymity"] = index_risk(indexed, settings.k)


def exit_status(report: Mapping[str, Any], fail_on: str | None) -> int:
    """``ExitCode.CHECKS_FAILED`` when the report has a finding at or above ``fail_on`` (warning|error), else ``OK``."""
    from curator.errors import ExitCode

    if fail_on is None:
        return ExitCode.OK
    threshold = SEVERITIES.index(fail_on)
    failed = any(SEVERITIES.index(f["severity"]) >= threshold for f in report["findings"])
    return ExitCode.CHECKS_FAILED if failed else ExitCode.OK


def to_json(report: Mapping[str, Any]) -> str:
    """The report as deterministic JSON (sorted keys, two-space indent, trailing newline)."""
    return json.dumps(finite(report), indent=2, sort_keys=True, ensure_ascii=False, default=_default, allow_nan=False) + "\n"


def _default(value):
    if hasattr(value, "item"):
        return value.item()
    if hasattr(value, "tolist"):
        return value.tolist()
    raise TypeError(type(value).__name__)
