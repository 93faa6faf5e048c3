"""The curation loop: one row per distinct description with its proposal, as CSV.

The curator edits the attribute cells (RIDs, ``RID1|RID2`` for several body regions, ``-``
for "undetermined") and sets ``status`` to ``confirmed`` or ``corrected``; the file then
loads as overrides (``load_overrides`` / ``--overrides``).  Rows hold the (already
scrubbed) description text and counts only: no identifiers, no keys, no dates."""
from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from curator.common.csvcell import spreadsheet_safe
from curator.normalize.engine import evidence_text
from curator.normalize.lexicon import ATTRIBUTES
from curator.normalize.overrides import FIELDS, Overrides, text_key
from curator.normalize.series import normalize_text, study_procedure

COLUMNS = ("site", "field", "description", "n_series", *ATTRIBUTES, "procedure", "proposal", "confidence",
           "unmapped_tokens", "status", "note")


def _cell(value) -> str:
    if not value:
        return ""
    items = value if isinstance(value, list) else [value]
    return "|".join(v["code"] for v in items)


def _label(value) -> str:
    items = value if isinstance(value, list) else [value]
    return "+".join(v["label"] for v in items)


def review_rows(evidence: Iterable[Mapping[str, Any]], overrides: Overrides | None = None) -> list[dict[str, str]]:
    """Distinct (site, field, description) of the given series evidence, with proposals.

    ``evidence``: one mapping per series (or per instance: counts are then per instance)
    with DICOM-keyword keys ``SeriesDescription``, ``ProtocolName``, ``StudyDescription``
    and ``site``."""
    counts: Counter = Counter()
    texts: dict[tuple[str, str, str], str] = {}
    for ev in evidence:
        site = evidence_text(ev.get("site")) or evidence_text(ev.get("InstitutionName")) or "*"
        for field in FIELDS:
            text = evidence_text(ev.get(field))
            if not text:
                continue
            key = (site, field, text_key(text))
            counts[key] += 1
            texts.setdefault(key, " ".join(text.split()))
    rows = []
    for key in sorted(counts):
        site, field, _ = key
        text = texts[key]
        result = normalize_text(text, overrides, None if site == "*" else site, field)
        row = {c: "" for c in COLUMNS}
        row.update(site=site, field=field, description=text, n_series=str(counts[key]))
        parts, confs = [], []
        for attribute in ATTRIBUTES:
            value = result.get(attribute)
            row[attribute] = _cell(value)
            if value:
                parts.append(f"{attribute}={_label(value)}")
                items = value if isinstance(value, list) else [value]
                confs.append(min(v["confidence"] for v in items))
        if field == "StudyDescription":
            proc, _reason = study_procedure([], {"StudyDescription": text, "site": None if site == "*" else site}, overrides)
            if proc:
                row["procedure"] = proc["code"]
                parts.append(f"procedure={proc['label']}")
        if result.get("excluded"):
            parts.append(f"excluded={result['excluded']}")
        row["proposal"] = "; ".join(parts) if parts else "(nothing determined)"
        row["confidence"] = f"{min(confs):.2f}" if confs else ""
        row["unmapped_tokens"] = " ".join(result["unmapped_tokens"])
        row["status"] = "proposed"
        rows.append(row)
    return rows


def write_review(rows: list[dict[str, str]], out: str | Path | None = None) -> str:
    """Write the review CSV (returns its text; writes ``out`` when given)."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(COLUMNS), lineterminator="\n")
    writer.writeheader()
    for row in rows:
        # a cell a spreadsheet would run as a formula gets a leading quote (curator.common.csvcell; the
        # apostrophe is punctuation, ignored when the file is loaded back as overrides)
        writer.writerow({k: (v if k in ATTRIBUTES + ("procedure",) else spreadsheet_safe(v)) for k, v in row.items()})
    text = buf.getvalue()
    if out is not None:
        Path(out).write_text(text, encoding="utf-8")
    return text


# index column (snake_case, curator.index.store) -> evidence key (DICOM keyword)
INDEX_EVIDENCE = {
    "site": "site",
    "modality": "Modality",
    "study_description": "StudyDescription",
    "series_description": "SeriesDescription",
    "protocol_name": "ProtocolName",
    "body_part_examined": "BodyPartExamined",
    "contrast_bolus_agent": "ContrastBolusAgent",
    "scanning_sequence": "ScanningSequence",
    "sequence_variant": "SequenceVariant",
    "sequence_name": "SequenceName",
    "repetition_time": "RepetitionTime",
    "echo_time": "EchoTime",
    "inversion_time": "InversionTime",
    "flip_angle": "FlipAngle",
    "echo_train_length": "EchoTrainLength",
    "image_orientation": "ImageOrientationPatient",
    "convolution_kernel": "ConvolutionKernel",
    "radiopharmaceutical": "Radiopharmaceutical",
    "laterality": "Laterality",
    "image_laterality": "ImageLaterality",
}


def _plain(value: Any) -> Any:
    """pandas/numpy cell -> plain Python (None for missing, list for arrays)."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if hasattr(value, "tolist"):
        value = value.tolist()
    if isinstance(value, float) and value != value:
        return None
    if isinstance(value, tuple):
        value = list(value)
    return value


def evidence_from_record(record: Mapping[str, Any]) -> dict[str, Any]:
    """Evidence dict (DICOM keywords) from one index row (snake_case columns)."""
    return {kw: _plain(record.get(col)) for col, kw in INDEX_EVIDENCE.items() if col in record}


def evidence_from_index(frame) -> list[dict[str, Any]]:
    """Series-level evidence dicts from a scan index DataFrame (one row per instance):
    one dict per ``series_key`` (its first instance in ``series_key`` order), rejected rows
    left out."""
    if "status" in frame.columns:
        frame = frame[frame["status"] == "indexed"]
    if "series_key" in frame.columns:
        frame = frame.sort_values("series_key", kind="stable").drop_duplicates("series_key")
    cols = [c for c in INDEX_EVIDENCE if c in frame.columns]
    return [evidence_from_record(r) for r in frame[cols].to_dict("records")]


def normalize_index(frame, overrides: Overrides | None = None) -> dict[str, Any]:
    """Normalize every series and study of a scan index (for the audit).

    Returns ``{"series": {series_key: result}, "studies": {study_key: {"procedure": value |
    None, "reason": str | None}}, "summary": summarize(...)}``, sorted by key."""
    from curator.normalize.series import normalize_series
    from curator.normalize.summary import summarize

    if "status" in frame.columns:
        frame = frame[frame["status"] == "indexed"]
    if "series_key" not in frame.columns or frame.empty:
        return {"series": {}, "studies": {}, "summary": summarize([])}
    frame = frame.sort_values("series_key", kind="stable").drop_duplicates("series_key")
    cols = [c for c in INDEX_EVIDENCE if c in frame.columns] + [c for c in ("series_key", "study_key") if c in frame.columns]
    series: dict[str, dict] = {}
    by_study: dict[str, list[tuple[dict, dict]]] = {}
    rows = []
    for record in frame[cols].to_dict("records"):
        ev = evidence_from_record(record)
        result = normalize_series(ev, overrides)
        series[record["series_key"]] = result
        by_study.setdefault(record.get("study_key") or "", []).append((ev, result))
        rows.append((ev.get("site"), ev.get("SeriesDescription"), result))
    studies = {}
    for study_key in sorted(by_study):
        items = by_study[study_key]
        first = items[0][0]
        study_ev = {"StudyDescription": first.get("StudyDescription"), "site": first.get("site")}
        procedure, reason = study_procedure([r for _, r in items], study_ev, overrides)
        studies[study_key] = {"procedure": procedure, "reason": reason}
    return {"series": dict(sorted(series.items())), "studies": studies, "summary": summarize(rows)}
