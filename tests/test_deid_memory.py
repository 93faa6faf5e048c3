"""De-identification keeps no per-instance state in memory (it lives in a temporary table).

Not a timing test: the Python heap of the run (tracemalloc peak, everything in-process with
``workers=1``) at 40 and at 400 instances of one study must differ by much less than the
cost of keeping each instance's facts in a Python list would add.  The rows of the table
are read in chunks of ``PLAN_CHUNK`` by the plan and of ``ROWS_CHUNK`` by the write pass (fixed
bounds, not per-instance state); the test makes both chunks small so that both runs span several
chunks (with the write pass's 512 rows, the 400-instance run held all its rows at once: 990 bytes
per instance measured, 1,026 in one CI run, against the bound of 1,024).  An instance's own SOP
Instance UID does not go through the bounded UID cache (it never recurs).  (With ``workers=1`` the engine's
bounded UID cache, which lives in the worker processes of a parallel run, counts too.)
"""
from __future__ import annotations

import gc
import tracemalloc
from pathlib import Path

from curator.deid import run
from curator.deid.run import DeidOptions, deidentify
from curator.testing.synthetic import write_ct_series

KEY = bytes(range(32))
PER_SERIES = 20


def _source(folder: Path, n: int) -> Path:
    for number in range(1, n // PER_SERIES + 1):
        write_ct_series(folder / f"series{number:03d}", PER_SERIES, rows=32, columns=32, series_number=number)
    return folder


def _peak(source: Path, out: Path) -> int:
    gc.collect()
    tracemalloc.start()
    try:
        report = deidentify(source, out, key=KEY, options=DeidOptions(workers=1))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert report["counts"]["written"] == report["counts"]["items"]
    return peak


def test_memory_does_not_grow_per_instance(tmp_path: Path, monkeypatch):
    monkeypatch.setattr(run, "PLAN_CHUNK", 16)
    monkeypatch.setattr(run, "ROWS_CHUNK", 16)
    small, large = 40, 400
    _peak(_source(tmp_path / "warm", 20), tmp_path / "warm-out")  # imports, caches, profile
    peak_small = _peak(_source(tmp_path / "small", small), tmp_path / "small-out")
    peak_large = _peak(_source(tmp_path / "large", large), tmp_path / "large-out")
    per_instance = (peak_large - peak_small) / (large - small)
    assert per_instance < 1024, f"peak grows by {per_instance:.0f} bytes per instance"
