"""Benchmark: how scan, de-identification and audit cost grow with the archive.

* scan: throughput (files/s) and peak memory at two archive sizes (default 10,000 and
  50,000 small realistic CT files: full headers, 64×64 16-bit pixels, 50 slices per
  series, two series per study, one study per patient, spread over the synthetic sites),
  generated on the fly into a temporary folder;
* deid: the same for ``curator.deid.run.deidentify`` (research profile, k=5);
* audit: ``read_index_table`` + ``build_report`` over a synthetic index of 1,000,000 rows
  (``benchmarks/synthetic_index.py``) written as the scan writes it (zstd Parquet, row
  groups of 4,096 rows).

Each measurement runs in a fresh Python process so that peak memory is its own: the
parent's peak (``RUSAGE_SELF``), the largest worker's peak (``RUSAGE_CHILDREN``) and the
peak of parent + workers summed (sampled with psutil every 0.2 s, when installed; an upper
bound, since pages shared by forked workers count once per process).

    python benchmarks/scale.py                 # 10k and 50k files, 1M-row audit
    python benchmarks/scale.py --quick         # 2k and 10k files, 200k-row audit, no deid at 10k
    python benchmarks/scale.py --audit-only    # the 1M-row audit only, three fresh runs
    python benchmarks/scale.py --scheduler tcp://127.0.0.1:8786   # scan and deid on a Dask cluster
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from pathlib import Path

HERE = Path(__file__).resolve().parent
PER_SERIES = 50
SERIES_PER_STUDY = 2


# --- generation ------------------------------------------------------------------------

def generate(root: Path, n_files: int, first_patient: int = 1) -> int:
    """Write ``n_files`` small CT files under ``root/<site>/<patient>/<study>/<series>/``; return the next patient number."""
    from curator.testing.synthetic import SITES, Study, synthetic_patient, write_ct_series

    written, number = 0, first_patient
    while written < n_files:
        patient = synthetic_patient(number)
        site = SITES[number % len(SITES)]
        study = Study(site=site, patient=patient, number=1, description="TC TORAX CON CONTRASTE")
        for series in range(1, SERIES_PER_STUDY + 1):
            count = min(PER_SERIES, n_files - written)
            if count <= 0:
                break
            folder = root / site.key / patient.key / "study1" / f"series{series}"
            write_ct_series(folder, count, study, series_number=series, rows=64, columns=64, seed=number,
                            description=("Thorax 1.25 STD", "Thorax 5.0 B30f")[series - 1])
            written += count
        number += 1
    return number


# --- measurement in a fresh process ----------------------------------------------------

class _TreeSampler:
    """Peak RSS of this process plus all its descendants, sampled (psutil), or None."""

    def __init__(self, interval: float = 0.2):
        try:
            import psutil
        except ImportError:
            self.peak = None
            return
        self.peak = 0
        self._psutil = psutil
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(interval,), daemon=True)
        self._thread.start()

    def _run(self, interval: float) -> None:
        me = self._psutil.Process()
        while not self._stop.is_set():
            total = 0
            for proc in [me, *me.children(recursive=True)]:
                try:
                    total += proc.memory_info().rss
                except self._psutil.Error:
                    pass
            self.peak = max(self.peak, total)
            self._stop.wait(interval)

    def stop(self) -> int | None:
        if self.peak is not None:
            self._stop.set()
            self._thread.join()
        return self.peak


def _measure(job: str, args: list[str]) -> dict:
    warnings.simplefilter("ignore")
    sampler = _TreeSampler()
    out: dict = {}
    if job == "scan":
        from curator.index.scan import scan_source

        source, index, workers, scheduler = args
        start = time.perf_counter()
        result = scan_source(source, index, workers=int(workers) or None, scheduler=scheduler or None, progress=False)
        out["seconds"] = time.perf_counter() - start
        out["files"] = result.stats.seen
        out["indexed"] = result.stats.indexed
        out["reused"] = result.stats.reused
    elif job == "deid":
        from curator.deid.run import DeidOptions, deidentify

        source, target, workers, scheduler = args
        options = DeidOptions(profile="research", k=5, workers=int(workers) or None, scheduler=scheduler or None)
        start = time.perf_counter()
        report = deidentify(source, target, key=bytes(range(32)), options=options)
        out["seconds"] = time.perf_counter() - start
        counts = report["counts"]
        out["files"] = int(counts["items"])
        out["counts"] = {k: counts[k] for k in ("written", "quarantined", "rejected")}
    elif job == "synthetic-index":
        import pyarrow.parquet as pq

        sys.path.insert(0, str(HERE))
        from synthetic_index import synthetic_index

        rows, index = args
        pq.write_table(synthetic_index(int(rows)), index, compression="zstd", row_group_size=4096)
        sampler.stop()
        return {}
    elif job == "audit":
        from curator.analyses.audit import AUDIT_COLUMNS, build_report
        from curator.index.store import read_index_table
        from curator.analyses.pipeline import audit_settings

        (index,) = args
        settings = audit_settings()
        start = time.perf_counter()
        table = read_index_table(Path(index), AUDIT_COLUMNS)
        out["read_seconds"] = time.perf_counter() - start
        report = build_report(table, settings=settings)
        out["seconds"] = time.perf_counter() - start
        out["rows"] = int(report["files"])
    else:
        raise SystemExit(f"unknown job {job}")
    out["tree_peak_mib"] = (sampler.stop() or 0) / 2**20 or None
    out["parent_peak_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    out["worker_peak_mib"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    if job != "audit" and args[-1]:  # on a cluster the workers are not our children: see the cluster's dashboard
        out["worker_peak_mib"] = out["tree_peak_mib"] = None
    return out


def _audit(work: Path, rows: int, runs: int) -> None:
    """Audit time over a synthetic index of ``rows`` rows, ``runs`` times in fresh processes."""
    index = work / f"synthetic-{rows}.parquet"
    t0 = time.perf_counter()
    if not index.exists():  # in another process: a child's peak memory counts its parent's at fork time
        measure("synthetic-index", rows, index)
    print(f"synthetic index of {rows} rows ({index.stat().st_size / 2**20:.1f} MiB) ready in {time.perf_counter() - t0:.0f} s")
    totals = []
    for _ in range(max(1, runs)):
        audit = measure("audit", index)
        totals.append(audit["seconds"])
        print(f"audit over {audit['rows']} rows: {audit['seconds']:.1f} s (read_index_table {audit['read_seconds']:.1f} s, "
              f"build_report {audit['seconds'] - audit['read_seconds']:.1f} s); peak {_mib(audit['parent_peak_mib'])} (target < 10 s)",
              flush=True)
    print(f"audit: {len(totals)} runs, slowest {max(totals):.1f} s, fastest {min(totals):.1f} s (target < 10 s)")


def measure(job: str, *args: object) -> dict:
    """Run one measurement in a fresh interpreter and return its figures."""
    done = subprocess.run([sys.executable, __file__, "--measure", job, *map(str, args)], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{job} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _mib(value: float | None) -> str:
    return "n/a" if not value else f"{value:.0f} MiB"


def _line(label: str, result: dict) -> str:
    return (f"{label}: {result['files']} files in {result['seconds']:.1f} s ({result['files'] / result['seconds']:.0f} files/s); "
            f"peak parent {_mib(result['parent_peak_mib'])}, largest worker {_mib(result['worker_peak_mib'])}, "
            f"parent+workers {_mib(result['tree_peak_mib'])}")


def _growth(name: str, results: dict[int, dict]) -> None:
    small, large = sorted(results)
    for field in ("parent_peak_mib", "tree_peak_mib"):  # parent: RUSAGE_SELF; tree: parent + workers (psutil)
        a, b = results[small].get(field), results[large].get(field)
        if a and b:
            print(f"{name} {field.replace('_mib', '')} at {large} / at {small}: {b / a:.2f}x (target <= 1.2x)")
    def rate(r: dict) -> float:
        return r["files"] / r["seconds"]

    print(f"{name} throughput at {large} / at {small}: {rate(results[large]) / rate(results[small]):.2f}x")


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--measure"]:
        print(json.dumps(_measure(argv[1], argv[2:])))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2k and 10k files, a 200k-row audit, deid at 2k only")
    parser.add_argument("--sizes", type=int, nargs=2, default=None, help="the two archive sizes (default 10000 50000)")
    parser.add_argument("--audit-rows", type=int, default=None, help="rows of the synthetic index (default 1,000,000)")
    parser.add_argument("--workers", type=int, default=0, help="local worker processes (default: all cores)")
    parser.add_argument("--scheduler", default="", help="run scan (and deid, when it accepts one) on this Dask scheduler")
    parser.add_argument("--no-deid", action="store_true", help="skip the de-identification measurements")
    parser.add_argument("--keep", type=Path, default=None, help="generate into this folder and keep it")
    parser.add_argument("--audit-only", action="store_true", help="measure the audit over the synthetic index only")
    parser.add_argument("--audit-runs", type=int, default=3, help="audit measurements, each in a fresh process (default 3)")
    args = parser.parse_args(argv)
    small, large = args.sizes or ((2000, 10000) if args.quick else (10000, 50000))
    audit_rows = args.audit_rows or (200_000 if args.quick else 1_000_000)
    warnings.simplefilter("ignore")
    work = args.keep or Path(tempfile.mkdtemp(prefix="curator-bench-scale-"))
    work.mkdir(parents=True, exist_ok=True)
    print(f"{os.cpu_count()} cores; workers={args.workers or 'all cores'}; scheduler={args.scheduler or 'none (local)'}")
    try:
        # The small archive is part of the large one: root/part1 (small) + root/part2 (the rest).
        root = work / "archive"
        t0 = time.perf_counter()
        if args.audit_only:
            _audit(work, audit_rows, args.audit_runs)
            return 0
        if not (root / "part1").exists():
            next_patient = generate(root / "part1", small)
            generate(root / "part2", large - small, next_patient)
        print(f"generated {large} files in {time.perf_counter() - t0:.0f} s")
        sources = {small: root / "part1", large: root}

        scans, rescans = {}, {}
        for n, source in sources.items():
            index = work / f"index-{n}.parquet"
            for stale in (index, index.with_name(index.name + ".salt")):
                stale.unlink(missing_ok=True)
            scans[n] = measure("scan", source, index, args.workers, args.scheduler)
            print(_line(f"scan {n}", scans[n]), flush=True)
            rescans[n] = measure("scan", source, index, args.workers, args.scheduler)  # every file unchanged: rows reused
            print(_line(f"re-scan {n} (unchanged)", rescans[n]), flush=True)
        _growth("scan", scans)
        _growth("re-scan", rescans)

        deid_sizes = [] if args.no_deid else ([small] if args.quick else [small, large])
        deids = {}
        try:
            from curator.deid.run import deidentify  # noqa: F401 - the deid job imports it in its own process
        except ImportError as exc:
            print(f"deid: not measured ({exc})")
            deid_sizes = []
        for n in deid_sizes:
            target = work / f"deid-{n}"
            shutil.rmtree(target, ignore_errors=True)
            try:
                deids[n] = measure("deid", sources[n], target, args.workers, args.scheduler)
            except RuntimeError as exc:
                print(f"deid {n}: failed: {str(exc).splitlines()[-1]}")
                break
            finally:
                shutil.rmtree(target, ignore_errors=True)
            print(_line(f"deid {n}", deids[n]) + f"; {deids[n]['counts']}", flush=True)
        if len(deids) == 2:
            _growth("deid", deids)

        _audit(work, audit_rows, args.audit_runs)
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
