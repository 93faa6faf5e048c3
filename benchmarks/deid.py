"""Benchmark: `curator deid` against deid, dicognito and dicom-anonymizer (their defaults).

All four tools de-identify the same realistic files, generated on the fly with
``curator.testing.synthetic`` (512×512 16-bit CT slices with full headers: patient, study, series,
equipment, frame of reference, image plane, CT acquisition, a vendor private block, a
private sequence and request sequences at depth 2), spread over many patients, sites and
series, and write one output file per input file.  Each tool runs single-process on the
same input folder in the same run; curator is then run again with ``--workers`` 1, 2, …
up to the number of cores to show scaling.  Prints files/s per tool and the ratios.

    python benchmarks/deid.py            # 2,000 files
    python benchmarks/deid.py --quick    # 200 files, for development
    python benchmarks/deid.py --files 5000 --tools curator,dicognito
    python benchmarks/deid.py --quick --freetext   # cost of the free-text allowlist layer
    python benchmarks/deid.py --vs-dcmanon         # issue 18: whole commands against dcmanon
    python benchmarks/deid.py --vs-dcmanon --without-screen   # ... and curator without its pixel screen

``--vs-dcmanon`` (issue 18) times whole commands, each in its own process (wall time,
start-up included), on 1,000 CT slices of 20 patients (``--files``; 512×512):
``curator deid`` with the research profile and its default workers, against dcmanon (a
Rust anonymizer on PyPI; its default, the DICOM basic profile) run one process per core
(it has no command line of its own: a small Python driver with a process pool).  The
two alternate, ``--rounds`` rounds (default 3); medians are compared, the ratio last.
Each round also prints the CPU seconds (user + system, and each) of all the command's processes, and
their medians and ratio (on a shared machine the wall times follow its load; CPU seconds
much less).  curator's modules are byte-compiled first, as an installed package's are.

``--freetext`` runs curator single-process with and without the free-text layer
(``curator.deid.freetext``: allowlist and person-name patterns in descriptions, protocol names,
comments and SR text), alternating, best of ``--repeat`` runs each, and prints the cost
(issue 13: at most 10%).  "Without" turns the allowlist off in-process: free-text
attributes then get the identifier scrubbing only, as before the layer existed.

The comparison tools are benchmark-only dependencies (the ``benchmark`` extra):
``pip install deid dicognito dicom-anonymizer dcmanon``.
"""
from __future__ import annotations

import argparse
import logging
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

# This file is named deid.py: keep its folder off sys.path so that `import deid` finds the
# pydicom/deid package, not this script.
_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.getcwd()) != _HERE]


def generate(folder: Path, n_files: int, rows: int, per_series: int = 40) -> list[Path]:
    """``n_files`` CT slices: series of ``per_series`` slices, 2 series per study, one study
    per patient."""
    from curator.testing import synthetic as syn

    paths: list[Path] = []
    series_index = 0
    while len(paths) < n_files:
        patient = syn.synthetic_patient(series_index // 2 + 1)
        site = syn.SITES[series_index % len(syn.SITES)]
        study = syn.Study(site=site, patient=patient, number=1, description="CT THORAX ABDOMEN")
        count = min(per_series, n_files - len(paths))
        target = folder / f"{patient.patient_id}_{series_index:04d}"
        paths += syn.write_ct_series(
            target, count, study, series_number=1 + series_index % 2, rows=rows, columns=rows,
            seed=series_index,
        )
        series_index += 1
    return paths


def run_curator(src: Path, out: Path, files: list[Path], workers: int) -> None:
    from curator.deid.run import DeidOptions, deidentify

    deidentify(src, out, key=b"benchmark-key-0123456789abcdef!!", options=DeidOptions(profile="research", workers=workers))


def run_curator_without_freetext(src: Path, out: Path, files: list[Path], workers: int) -> None:
    from unittest import mock

    from curator.deid import freetext

    with mock.patch.object(freetext, "is_free_text", lambda tag: False):
        run_curator(src, out, files, 1)


def _cpu_timed(fn, src: Path, files: list[Path], scratch: Path) -> tuple[float, float]:
    """(wall, CPU) seconds of one single-process run (CPU time of this process: the run is
    in-process, so other load on the machine does not count)."""
    out = scratch / "out-freetext"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    wall, cpu = time.perf_counter(), time.process_time()
    fn(src, out, files, 1)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    shutil.rmtree(out, ignore_errors=True)
    return wall, cpu


def freetext_cost(src: Path, files: list[Path], scratch: Path, repeat: int) -> None:
    """Files per CPU second with and without the free-text layer, single process,
    alternating, best of ``repeat`` runs each."""
    runs: dict[str, list[tuple[float, float]]] = {"without": [], "with": []}
    for _ in range(repeat):
        for name, fn in (("without", run_curator_without_freetext), ("with", run_curator)):
            wall, cpu = _cpu_timed(fn, src, files, scratch)
            runs[name].append((wall, cpu))
            print(f"  {name:<8} free-text layer: {wall:7.2f} s wall, {cpu:7.2f} s CPU, {len(files) / cpu:7.1f} files per CPU second", flush=True)
    best = {name: min(cpu for _, cpu in values) for name, values in runs.items()}
    cost = best["with"] / best["without"] - 1
    print(f"free-text layer: {len(files) / best['with']:.1f} files/s with, {len(files) / best['without']:.1f} without "
          f"(per CPU second, best of {repeat}); cost {100 * cost:.1f}% (limit 10%)")


def run_dicognito(src: Path, out: Path, files: list[Path], workers: int) -> None:
    import pydicom
    from dicognito.anonymizer import Anonymizer

    anonymizer = Anonymizer()
    for i, path in enumerate(files):
        ds = pydicom.dcmread(path)
        anonymizer.anonymize(ds)
        ds.save_as(out / f"{i:06d}.dcm")


def run_dicom_anonymizer(src: Path, out: Path, files: list[Path], workers: int) -> None:
    from dicomanonymizer import anonymize_dicom_file

    for i, path in enumerate(files):
        anonymize_dicom_file(str(path), str(out / f"{i:06d}.dcm"))


def run_deid(src: Path, out: Path, files: list[Path], workers: int) -> None:
    from deid.dicom import replace_identifiers
    from deid.logger import bot

    bot.level = 0
    logging.getLogger("deid").setLevel(logging.ERROR)
    # deid's default: its bundled dicom recipe; one call per series folder so that files
    # with the same name in different series do not overwrite each other.
    by_folder: dict[Path, list[str]] = {}
    for path in files:
        by_folder.setdefault(path.parent, []).append(str(path))
    for folder, names in by_folder.items():
        target = out / folder.name
        target.mkdir(parents=True, exist_ok=True)
        replace_identifiers(dicom_files=names, save=True, output_folder=str(target), overwrite=True)


TOOLS = {
    "curator": run_curator,
    "deid": run_deid,
    "dicognito": run_dicognito,
    "dicom-anonymizer": run_dicom_anonymizer,
}


def timed(name: str, fn, src: Path, files: list[Path], workers: int, scratch: Path) -> float | None:
    out = scratch / f"out-{name}-{workers}"
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    start = time.perf_counter()
    try:
        fn(src, out, files, workers)
    except ImportError as exc:
        print(f"  {name:<18} skipped: {exc.name or exc} not installed", flush=True)
        return None
    elapsed = time.perf_counter() - start
    written = sum(1 for p in out.rglob("*") if p.is_file() and p.name != "deid-report.json")
    rate = len(files) / elapsed
    print(f"  {name:<18} workers={workers}  {elapsed:7.2f} s  {rate:8.1f} files/s  ({written} files written)", flush=True)
    shutil.rmtree(out, ignore_errors=True)
    return rate


_DCMANON_DRIVER = """
import os, sys
from multiprocessing import Pool
from dcmanon import Anonymizer

def work(job):
    src, dst = job
    data = ANON.anonymize(src)
    with open(dst, "wb") as handle:
        handle.write(data)

def init():
    global ANON
    ANON = Anonymizer()

if __name__ == "__main__":
    src, out, procs = sys.argv[1], sys.argv[2], int(sys.argv[3])
    paths = sorted(os.path.join(d, f) for d, _, names in os.walk(src) for f in names)
    jobs = [(p, os.path.join(out, f"{i:06d}.dcm")) for i, p in enumerate(paths)]
    with Pool(procs, initializer=init) as pool:
        for _ in pool.imap_unordered(work, jobs, chunksize=16):
            pass
"""


def _command_seconds(command: list[str], out: Path) -> tuple[float, float, float]:
    """Wall seconds of one whole command writing into a fresh ``out``, and the user and the
    system CPU seconds of all its processes (``wait4``: the command and the workers it waited for)."""
    import subprocess

    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode:
        raise subprocess.CalledProcessError(process.returncode, command)
    shutil.rmtree(out, ignore_errors=True)
    return elapsed, usage.ru_utime, usage.ru_stime


def _byte_compiled(package: Path) -> None:
    """``package``'s modules compiled to bytecode, as an installed package is (pip compiles
    a wheel's modules when it installs it): a checkout run with ``PYTHONDONTWRITEBYTECODE``
    would otherwise compile every module of curator again in each timed command."""
    import compileall

    compileall.compile_dir(str(package), quiet=2)


def vs_dcmanon(src: Path, n_files: int, scratch: Path, rounds: int, cores: int, without_screen: bool = False) -> float:
    """Median files/s of ``curator deid`` (research, default workers) and of dcmanon
    (basic profile, one process per core), alternated; returns the ratio.  ``without_screen``:
    also curator with the burned-in text pixel screen switched off in its process (not a
    setting curator offers: a measure of what the screen costs), printed before the ratio."""
    import statistics

    key = scratch / "key"
    key.write_text("curator-key-v1:" + "5a" * 32 + "\n", encoding="utf-8")
    key.chmod(0o600)  # curator warns about a key others can read
    driver = scratch / "dcmanon_driver.py"
    driver.write_text(_DCMANON_DRIVER, encoding="utf-8")
    root = str(Path(_HERE).parent)
    _byte_compiled(Path(root) / "curator")
    curator = [sys.executable, "-c", f"import sys; sys.path.insert(0, {root!r}); from curator.cli import main; sys.exit(main())",
               "deid", str(src), str(scratch / "out-curator"), "--key", str(key), "--profile", "research"]
    dcmanon = [sys.executable, str(driver), str(src), str(scratch / "out-dcmanon"), str(cores)]
    no_screen = [arg if arg != str(scratch / "out-curator") else str(scratch / "out-no-screen") for arg in curator]
    no_screen[2] = (f"import sys; sys.path.insert(0, {root!r}); from curator.deid import pixels; "
                    "pixels.screen_bytes = lambda *args: None; from curator.cli import main; sys.exit(main())")
    commands = {"curator": curator, "dcmanon": dcmanon, **({"no-screen": no_screen} if without_screen else {})}
    rates: dict[str, list[float]] = {name: [] for name in commands}
    cpu: dict[str, list[float]] = {name: [] for name in commands}
    users: dict[str, list[float]] = {name: [] for name in commands}  # user CPU: the tools' own work (system CPU: mostly the kernel's file writes, shared)
    for round_ in range(1, rounds + 1):
        order = list(commands) if round_ % 2 else list(reversed(commands))
        for name in order:
            seconds, user, system = _command_seconds(commands[name], scratch / f"out-{name}")
            cpu_seconds = user + system
            users[name].append(user)
            rates[name].append(n_files / seconds)
            cpu[name].append(cpu_seconds)
            print(f"  round {round_}  {name:<9} {seconds:7.2f} s  {n_files / seconds:7.1f} files/s  "
                  f"CPU {cpu_seconds:6.2f} s (user {user:5.2f}, system {system:5.2f}; all processes)  load {os.getloadavg()[0]:.1f}", flush=True)
    medians = {name: statistics.median(values) for name, values in rates.items()}
    ratio = medians["curator"] / medians["dcmanon"]
    if without_screen:
        print(f"curator with the pixel screen OFF (not a curator setting; what the screen costs): "
              f"{medians['no-screen']:.1f} files/s, {medians['no-screen'] / medians['dcmanon']:.2f}x dcmanon")
    print(f"median of {rounds}: curator {medians['curator']:.1f} files/s, dcmanon {medians['dcmanon']:.1f} files/s "
          f"({cores} cores; load average {os.getloadavg()[0]:.1f})")
    cpu_medians = {name: statistics.median(values) for name, values in cpu.items()}
    print(f"CPU seconds (user + system, all processes; median of {rounds}): curator {cpu_medians['curator']:.2f}, "
          f"dcmanon {cpu_medians['dcmanon']:.2f} (ratio {cpu_medians['dcmanon'] / cpu_medians['curator']:.2f}x: "
          f"what a shared machine's load distorts least)")
    user_medians = {name: statistics.median(values) for name, values in users.items()}
    print(f"user CPU seconds (median of {rounds}): curator {user_medians['curator']:.2f}, dcmanon {user_medians['dcmanon']:.2f} "
          f"(system: curator {cpu_medians['curator'] - user_medians['curator']:.2f}, "
          f"dcmanon {cpu_medians['dcmanon'] - user_medians['dcmanon']:.2f}; medians' differences)")
    print(f"ratio curator / dcmanon: {ratio:.2f}x (target >= 1.0x)")
    return ratio


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, help="number of files (default 2000; 1000 with --vs-dcmanon)")
    parser.add_argument("--quick", action="store_true", help="200 files, for development")
    parser.add_argument("--rows", type=int, default=512, help="image size (default 512)")
    parser.add_argument("--tools", default=",".join(TOOLS), help="comma-separated tools")
    parser.add_argument("--max-workers", type=int, default=os.cpu_count() or 1, help="scaling up to this many workers")
    parser.add_argument("--freetext", action="store_true", help="only measure the cost of the free-text layer")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each variant with --freetext (default 3)")
    parser.add_argument("--vs-dcmanon", action="store_true", help="whole commands against dcmanon (default 1,000 files)")
    parser.add_argument("--rounds", type=int, default=3, help="alternated rounds with --vs-dcmanon (default 3)")
    parser.add_argument("--without-screen", action="store_true",
                        help="with --vs-dcmanon: also curator with its pixel screen switched off (what the screen costs)")
    args = parser.parse_args(argv)
    n_files = 200 if args.quick else (args.files or (1000 if args.vs_dcmanon else 2000))
    tools = [t.strip() for t in args.tools.split(",") if t.strip()]
    unknown = set(tools) - set(TOOLS)
    if unknown:
        parser.error(f"unknown tools: {', '.join(sorted(unknown))}")

    with tempfile.TemporaryDirectory(prefix="curator-bench-deid-") as tmp:
        scratch = Path(tmp)
        src = scratch / "src"
        start = time.perf_counter()
        # --vs-dcmanon: 20 patients (2 series per patient) whatever the number of files
        per_series = max(1, -(-n_files // 40)) if args.vs_dcmanon else 40
        files = generate(src, n_files, args.rows, per_series)
        size = sum(p.stat().st_size for p in files) / 1e6
        print(f"generated {len(files)} CT files ({args.rows}x{args.rows}, {size:.0f} MB) in {time.perf_counter() - start:.1f} s")
        if args.vs_dcmanon:
            vs_dcmanon(src, len(files), scratch, args.rounds, os.cpu_count() or 1, args.without_screen)
            return 0
        if args.freetext:
            freetext_cost(src, files, scratch, args.repeat)
            return 0
        print("single process:")
        rates: dict[str, float] = {}
        for name in tools:
            rate = timed(name, TOOLS[name], src, files, 1, scratch)
            if rate is not None:
                rates[name] = rate
        if "curator" in rates:
            others = {k: v for k, v in rates.items() if k != "curator"}
            if others:
                fastest = max(others, key=others.get)
                print("ratios (curator / tool):")
                for name, rate in sorted(others.items()):
                    print(f"  {name:<18} {rates['curator'] / rate:5.2f}x")
                print(f"curator vs fastest peer ({fastest}): {rates['curator'] / others[fastest]:.2f}x (target >= 2x)")
            if args.max_workers > 1:
                print("curator scaling with --workers:")
                base = rates["curator"]
                workers = 2
                while workers <= args.max_workers:
                    rate = timed("curator", run_curator, src, files, workers, scratch)
                    if rate:
                        print(f"  speed-up with {workers} workers: {rate / base:.2f}x")
                    workers *= 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
