"""Harmonization readiness: acquisition batches and the covariate table.

A batch is site × manufacturer × model × (CT kernel | MR sequence | PET reconstruction)
× slice-thickness band, computed per series from the index (one row per series with the
``acquisition`` dict of ``curator.analyses.acquisition.acquisition_parameters``). Batches with
fewer series than a threshold (30 by default, the usual floor for ComBat-type
harmonization to estimate a batch's location/scale) are flagged ``under_threshold``.

``covariate_table`` gives one row per series with a ``batch`` column (the batch id) and
the technical covariates, ready for neuroCombat (``batch_col="batch"``) and
neuroHarmonize (rename ``batch`` to ``SITE``). ``write_batches_csv`` writes either table
deterministically.
"""
from __future__ import annotations

import csv
import hashlib
import json
import math
from pathlib import Path
from typing import Any

import pandas as pd

from curator.analyses.acquisition import modality_family
from curator.common.csvcell import spreadsheet_safe

DEFAULT_THRESHOLD = 30

#: slice-thickness bands: (upper bound in mm, inclusive; label)
THICKNESS_BANDS = ((1.5, "<=1.5mm"), (3.0, "1.5-3mm"), (5.0, "3-5mm"), (math.inf, ">5mm"))
UNKNOWN = "unknown"

BATCH_KEYS = ("site", "modality", "manufacturer", "model", "technique", "thickness_band")
COVARIATE_COLUMNS = (
    "key", "batch", "site", "modality", "manufacturer", "model", "technique",
    "thickness_band", "slice_thickness_mm", "convolution_kernel", "sequence",
    "magnetic_field_strength_t", "kvp_kv", "repetition_time_ms", "echo_time_ms",
    "reconstruction_method", "under_threshold",
)
BATCH_COLUMNS = ("batch", *BATCH_KEYS, "n_series", "under_threshold")


def thickness_band(thickness_mm: Any) -> str:
    """The slice-thickness band label of a thickness in mm (``unknown`` if absent)."""
    try:
        value = float(thickness_mm)
    except (TypeError, ValueError):
        return UNKNOWN
    if math.isnan(value) or value <= 0:
        return UNKNOWN
    for upper, label in THICKNESS_BANDS:
        if value <= upper:
            return label
    return UNKNOWN  # pragma: no cover - the last band is unbounded


def _clean(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return UNKNOWN
    text = " ".join(str(value).split())
    return text or UNKNOWN


def _acquisition(value: Any) -> dict:
    if isinstance(value, dict):
        return value
    if isinstance(value, str) and value.strip():
        try:
            parsed = json.loads(value)
        except ValueError:
            return {}
        return parsed if isinstance(parsed, dict) else {}
    return {}


def mr_sequence(acq: dict) -> str | None:
    """A vendor-neutral MR sequence label: scanning sequence (enhanced MR: echo pulse
    sequence), variant and 2D/3D."""
    parts = [acq.get("scanning_sequence") or acq.get("echo_pulse_sequence"),
             acq.get("sequence_variant"), acq.get("mr_acquisition_type")]
    texts = [str(p) for p in parts if p]
    return " ".join(texts) if texts else None


def technique(modality: Any, acq: dict) -> str:
    """The batch-defining technique: CT kernel, MR sequence, PET reconstruction."""
    family = acq.get("modality_family") or modality_family(str(modality or ""))
    if family == "ct":
        return _clean(acq.get("convolution_kernel"))
    if family == "mr":
        return _clean(mr_sequence(acq))
    if family == "pt":
        return _clean(acq.get("reconstruction_method") or acq.get("convolution_kernel"))
    return UNKNOWN


def batch_id(values: tuple) -> str:
    """A stable, opaque batch id from the batch key values."""
    digest = hashlib.sha256(json.dumps(list(values), ensure_ascii=False).encode("utf-8")).hexdigest()
    return "b" + digest[:10]


def _series_rows(series: pd.DataFrame) -> pd.DataFrame:
    missing = {"key", "site", "modality", "manufacturer", "model", "acquisition"} - set(series.columns)
    if missing:
        raise ValueError(f"series table lacks columns {sorted(missing)}")
    rows = []
    # Series sharing site, device and acquisition share their covariates. Acquisition
    # objects are keyed by identity (they all stay alive in ``series`` meanwhile), text by value.
    memo: dict[tuple, dict] = {}
    for rec in series[["key", "site", "modality", "manufacturer", "model", "acquisition"]].itertuples(index=False):
        acquisition = rec.acquisition
        signature = (rec.site, rec.modality, rec.manufacturer, rec.model,
                     acquisition if isinstance(acquisition, str) or acquisition is None else id(acquisition))
        covariates = memo.get(signature)
        if covariates is None:
            covariates = memo[signature] = _covariates(rec.site, rec.modality, rec.manufacturer, rec.model, _acquisition(acquisition))
        rows.append({"key": str(rec.key), **covariates})
    return pd.DataFrame(rows, columns=[c for c in COVARIATE_COLUMNS if c != "under_threshold"])


def _covariates(site: Any, modality: Any, manufacturer: Any, model: Any, acq: dict) -> dict[str, Any]:
    """The covariates and batch id of one series (all but its key)."""
    thickness = acq.get("slice_thickness_mm")
    row = {
        "site": _clean(site),
        "modality": _clean(modality),
        "manufacturer": _clean(manufacturer),
        "model": _clean(model),
        "technique": technique(modality, acq),
        "thickness_band": thickness_band(thickness),
        "slice_thickness_mm": thickness if isinstance(thickness, (int, float)) else None,
        "convolution_kernel": acq.get("convolution_kernel"),
        "sequence": mr_sequence(acq),
        "magnetic_field_strength_t": acq.get("magnetic_field_strength_t"),
        "kvp_kv": acq.get("kvp_kv"),
        "repetition_time_ms": acq.get("repetition_time_ms"),
        "echo_time_ms": acq.get("echo_time_ms"),
        "reconstruction_method": acq.get("reconstruction_method"),
    }
    row["batch"] = batch_id(tuple(row[k] for k in BATCH_KEYS))
    return row


def batches(series: pd.DataFrame, threshold: int = DEFAULT_THRESHOLD) -> pd.DataFrame:
    """One row per batch: ``batch`` id, the batch keys, ``n_series``, ``under_threshold``.

    Sorted by the batch keys; ``under_threshold`` is ``n_series < threshold``.
    """
    if threshold < 1:
        raise ValueError("threshold must be at least 1")
    rows = _series_rows(series)
    if rows.empty:
        return pd.DataFrame({c: pd.Series(dtype="int64" if c == "n_series" else
                                          ("bool" if c == "under_threshold" else "object"))
                             for c in BATCH_COLUMNS})
    grouped = (rows.groupby(["batch", *BATCH_KEYS], dropna=False, sort=False)["key"]
               .nunique().rename("n_series").reset_index())
    grouped["n_series"] = grouped["n_series"].astype("int64")
    grouped["under_threshold"] = grouped["n_series"] < threshold
    grouped = grouped.sort_values(list(BATCH_KEYS), kind="mergesort").reset_index(drop=True)
    return grouped[list(BATCH_COLUMNS)]


def covariate_table(series: pd.DataFrame, threshold: int = DEFAULT_THRESHOLD) -> pd.DataFrame:
    """One row per series (sorted by key) with its batch id and technical covariates."""
    rows = _series_rows(series)
    if rows.empty:
        return pd.DataFrame(columns=list(COVARIATE_COLUMNS))
    counts = rows.groupby("batch")["key"].nunique()
    rows["under_threshold"] = rows["batch"].map(counts) < threshold
    rows = rows.drop_duplicates("key").sort_values("key", kind="mergesort").reset_index(drop=True)
    return rows[list(COVARIATE_COLUMNS)]


def summary(batch_table: pd.DataFrame) -> dict:
    """The audit report's harmonization section (JSON-serializable)."""
    under = batch_table[batch_table["under_threshold"]] if len(batch_table) else batch_table
    return {
        "n_batches": int(len(batch_table)),
        "n_batches_under_threshold": int(len(under)),
        "n_series": int(batch_table["n_series"].sum()) if len(batch_table) else 0,
        "n_series_in_small_batches": int(under["n_series"].sum()) if len(under) else 0,
        "batches": [
            {k: (int(v) if k == "n_series" else bool(v) if k == "under_threshold" else v)
             for k, v in rec.items()}
            for rec in batch_table.to_dict(orient="records")
        ],
    }


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        return repr(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    try:
        if pd.isna(value):
            return ""
    except (TypeError, ValueError):
        pass
    if hasattr(value, "item"):  # numpy scalar
        return _cell(value.item())
    return str(value)


def write_batches_csv(df: pd.DataFrame, path: str | Path) -> Path:
    """Write a batch or covariate table as UTF-8 CSV, byte-identical for equal input.

    Rows are sorted by every column (as text), columns keep their order, line ends are
    ``\\n``, missing values are empty, floats use ``repr`` (shortest round-trip).
    """
    path = Path(path)
    columns = [str(c) for c in df.columns]
    rows = [[spreadsheet_safe(_cell(v)) for v in rec] for rec in df.itertuples(index=False, name=None)]
    rows.sort()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows(rows)
    tmp.replace(path)
    return path
