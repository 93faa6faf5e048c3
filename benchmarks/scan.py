"""Benchmark: the scan against a plain ``pydicom.dcmread`` loop over the same files.

Generates a collection of realistic CT slices (512×512, 16-bit, full headers; several
patients, studies and series), then in the same run times

* the baseline: ``for f in files: pydicom.dcmread(f)`` (one process, the whole file), and
* ``curator.index.scan.scan_source`` with a fresh index (``--workers``, default all cores),

each after a warm-up pass so both read from the page cache, alternating the two for
``--rounds`` rounds (a slow spell of a shared machine then hits both), and prints the
rates per round and a line with ``ratio``: the median speed-up, with the lowest and
highest.  ``--quick`` runs a smaller version (well under two minutes).

    python benchmarks/scan.py            # 5,000 files
    python benchmarks/scan.py --quick    # 1,000 files
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

import pydicom

from curator.index.scan import scan_source
from curator.testing.synthetic import default_study, write_ct_series

SLICES_PER_SERIES = 100


def generate(folder: Path, n_files: int) -> list[Path]:
    study = default_study()
    paths: list[Path] = []
    series = 0
    while len(paths) < n_files:
        series += 1
        count = min(SLICES_PER_SERIES, n_files - len(paths))
        paths += write_ct_series(folder / f"series{series:03d}", count, study, series_number=series, seed=series)
    return paths


def plain_loop(paths: list[Path]) -> float:
    start = time.perf_counter()
    for path in paths:
        pydicom.dcmread(path)
    return time.perf_counter() - start


def curator_scan(folder: Path, index: Path, workers: int | None) -> float:
    if index.exists():
        index.unlink()
    start = time.perf_counter()
    result = scan_source(folder, index, workers=workers, progress=False)
    elapsed = time.perf_counter() - start
    assert result.stats.indexed == result.stats.seen, result.stats
    return elapsed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=None, help="number of files (default 5000, 1000 with --quick)")
    parser.add_argument("--quick", action="store_true", help="a smaller run, under two minutes")
    parser.add_argument("--workers", type=int, default=None, help="scan workers (default: all cores)")
    parser.add_argument("--keep", type=Path, default=None, help="generate into this folder and keep it")
    parser.add_argument("--rounds", type=int, default=3, help="baseline/scan pairs, alternated (default 3)")
    args = parser.parse_args(argv)
    n_files = args.files or (1000 if args.quick else 5000)
    warnings.simplefilter("ignore")
    work = args.keep or Path(tempfile.mkdtemp(prefix="curator-bench-scan-"))
    try:
        t0 = time.perf_counter()
        kept = sorted(p for p in (work / "collection").rglob("*") if p.is_file()) if args.keep else []
        paths = kept if len(kept) == n_files else generate(work / "collection", n_files)
        size = sum(p.stat().st_size for p in paths)
        print(f"{'reused' if paths is kept else 'generated'} {len(paths)} files ({size / 2**20:.0f} MiB) in {time.perf_counter() - t0:.1f} s")
        plain_loop(paths[: min(200, len(paths))])  # warm-up: imports and first-use tables, for both
        curator_scan(paths[0].parent, work / "warm-up.parquet", args.workers)
        for path in paths:  # page cache
            path.read_bytes()
        workers = args.workers or os.cpu_count()
        ratios = []
        for round_number in range(1, args.rounds + 1):  # alternate, so that a slow spell of the machine hits both
            baseline = plain_loop(paths)
            scan = curator_scan(work / "collection", work / "index.parquet", args.workers)
            ratios.append(baseline / scan)
            print(f"round {round_number}: pydicom.dcmread loop {baseline:.2f} s ({len(paths) / baseline:.0f} files/s); "
                  f"curator scan ({workers} workers) {scan:.2f} s ({len(paths) / scan:.0f} files/s); {baseline / scan:.2f}x")
        print(f"ratio curator/dcmread speed-up: {statistics.median(ratios):.2f}x on {os.cpu_count()} cores "
              f"(median of {len(ratios)} rounds; lowest {min(ratios):.2f}x, highest {max(ratios):.2f}x)")
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
