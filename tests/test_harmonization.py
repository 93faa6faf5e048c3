"""Harmonization batches and the covariate table."""
from __future__ import annotations

import json

import pandas as pd
import pydicom
import pytest
from pydicom.data import get_testdata_files

from curator.analyses.acquisition import acquisition_parameters
from curator.analyses.harmonization import (
    BATCH_COLUMNS,
    COVARIATE_COLUMNS,
    batches,
    covariate_table,
    summary,
    thickness_band,
    write_batches_csv,
)


def _ct(kernel, thickness):
    return {"modality_family": "ct", "convolution_kernel": kernel, "slice_thickness_mm": thickness,
            "kvp_kv": 120.0}


def _mr(sequence, variant, dim, thickness, field):
    return {"modality_family": "mr", "scanning_sequence": sequence, "sequence_variant": variant,
            "mr_acquisition_type": dim, "slice_thickness_mm": thickness,
            "magnetic_field_strength_t": field, "repetition_time_ms": 2000.0, "echo_time_ms": 90.0}


def _series() -> pd.DataFrame:
    rows = []
    # site A: 32 CT series, kernel B30f, thin slices -> one batch at the threshold
    for i in range(32):
        rows.append(("a%03d" % i, "site-a", "CT", "SIEMENS", "Force", _ct("B30f", 1.0 if i % 2 else 1.5)))
    # site A: 3 CT with another kernel -> separate, small batch
    for i in range(3):
        rows.append(("k%03d" % i, "site-a", "CT", "SIEMENS", "Force", _ct("B70f", 1.0)))
    # site B: 5 MR, 3T, two thickness bands
    for i in range(5):
        rows.append(("m%03d" % i, "site-b", "MR", "GE MEDICAL SYSTEMS", "Signa  Premier",
                     _mr("GR", "SP", "3D", 1.0 if i < 2 else 4.0, 3.0)))
    # unknown everything (acquisition stored as JSON text, as read back from Parquet)
    rows.append(("z000", None, "CT", None, None, json.dumps({"modality_family": "ct"})))
    return pd.DataFrame(rows, columns=["key", "site", "modality", "manufacturer", "model", "acquisition"])


def test_thickness_bands():
    assert [thickness_band(v) for v in (0.5, 1.5, 2.0, 3.0, 4.9, 5.0, 7.5)] == [
        "<=1.5mm", "<=1.5mm", "1.5-3mm", "1.5-3mm", "3-5mm", "3-5mm", ">5mm"]
    assert thickness_band(None) == thickness_band("x") == thickness_band(0) == "unknown"


def test_batches_counts_and_threshold():
    table = batches(_series())
    assert list(table.columns) == list(BATCH_COLUMNS)
    rows = {(r.site, r.technique, r.thickness_band): r for r in table.itertuples()}
    big = rows[("site-a", "B30f", "<=1.5mm")]
    assert big.n_series == 32
    assert bool(big.under_threshold) is False
    small = rows[("site-a", "B70f", "<=1.5mm")]
    assert small.n_series == 3 and bool(small.under_threshold) is True
    assert rows[("site-b", "GR SP 3D", "<=1.5mm")].n_series == 2
    assert rows[("site-b", "GR SP 3D", "3-5mm")].n_series == 3
    assert rows[("site-b", "GR SP 3D", "3-5mm")].model == "Signa Premier"  # whitespace collapsed
    unknown = rows[("unknown", "unknown", "unknown")]
    assert unknown.n_series == 1 and unknown.manufacturer == "unknown"
    assert int(table["n_series"].sum()) == 41
    assert len(table) == 5
    assert table["batch"].is_unique


def test_threshold_configurable():
    table = batches(_series(), threshold=3)
    flagged = set(table.loc[table["under_threshold"], "n_series"])
    assert flagged == {1, 2}
    with pytest.raises(ValueError):
        batches(_series(), threshold=0)


def test_covariate_table_ready_for_combat():
    series = _series()
    cov = covariate_table(series)
    assert list(cov.columns) == list(COVARIATE_COLUMNS)
    assert len(cov) == len(series)
    assert list(cov["key"]) == sorted(series["key"])
    by_key = cov.set_index("key")
    assert by_key.loc["m000", "sequence"] == "GR SP 3D"
    assert by_key.loc["m000", "magnetic_field_strength_t"] == 3.0
    assert by_key.loc["a000", "convolution_kernel"] == "B30f"
    assert by_key.loc["a000", "kvp_kv"] == 120.0
    assert bool(by_key.loc["k000", "under_threshold"]) is True
    # the batch id is the same in both tables, and every series has exactly one batch
    table = batches(series)
    assert set(cov["batch"]) == set(table["batch"])
    assert cov.groupby("batch")["key"].count().to_dict() == dict(zip(table["batch"], table["n_series"]))
    # a ComBat-style design: batch is categorical, one level per batch
    design = pd.get_dummies(cov["batch"])
    assert design.shape == (len(series), len(table))


def test_write_csv_deterministic(tmp_path):
    series = _series()
    shuffled = series.sample(frac=1.0, random_state=7).reset_index(drop=True)
    a = write_batches_csv(batches(series), tmp_path / "a" / "batches.csv").read_bytes()
    b = write_batches_csv(batches(shuffled), tmp_path / "b" / "batches.csv").read_bytes()
    assert a == b
    text = a.decode("utf-8")
    assert text.splitlines()[0] == ",".join(BATCH_COLUMNS)
    assert "\r" not in text
    back = pd.read_csv(tmp_path / "a" / "batches.csv")
    assert int(back["n_series"].sum()) == 41
    c = write_batches_csv(covariate_table(shuffled), tmp_path / "cov.csv").read_bytes()
    d = write_batches_csv(covariate_table(series), tmp_path / "cov2.csv").read_bytes()
    assert c == d


def test_summary_for_audit():
    result = summary(batches(_series()))
    json.dumps(result)
    assert result["n_batches"] == 5
    assert result["n_batches_under_threshold"] == 4
    assert result["n_series"] == 41
    assert result["n_series_in_small_batches"] == 9


def test_from_real_headers():
    rows = []
    for name in ("CT_small.dcm", "MR_small.dcm"):
        ds = pydicom.dcmread(next(iter(get_testdata_files(name))), stop_before_pixels=True)
        rows.append((name, "site-x", ds.Modality, ds.get("Manufacturer"), ds.get("ManufacturerModelName"),
                     acquisition_parameters(ds)))
    series = pd.DataFrame(rows, columns=["key", "site", "modality", "manufacturer", "model", "acquisition"])
    table = batches(series)
    assert set(table["technique"]) == {"STANDARD", "SE NONE 3D"}
    assert set(table["thickness_band"]) == {"3-5mm", "<=1.5mm"}


def test_empty_and_bad_input():
    empty = pd.DataFrame(columns=["key", "site", "modality", "manufacturer", "model", "acquisition"])
    assert list(batches(empty).columns) == list(BATCH_COLUMNS)
    assert len(covariate_table(empty)) == 0
    with pytest.raises(ValueError, match="lacks columns"):
        batches(pd.DataFrame({"key": ["x"]}))


def test_enhanced_mr_sequence_label():
    acq = {"modality_family": "mr", "echo_pulse_sequence": "GRADIENT", "mr_acquisition_type": "3D",
           "slice_thickness_mm": 1.0}
    series = pd.DataFrame([("e1", "s", "MR", "SIEMENS", "Prisma", acq)],
                          columns=["key", "site", "modality", "manufacturer", "model", "acquisition"])
    assert list(batches(series)["technique"]) == ["GRADIENT 3D"]
    assert list(covariate_table(series)["sequence"]) == ["GRADIENT 3D"]
