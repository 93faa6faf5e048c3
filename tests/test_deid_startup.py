"""Start-up of a de-identification run stays cheap (issue 18): the run's module does not
load pandas, and local workers inherit the run's ready engine instead of building one."""
from __future__ import annotations

import os
import subprocess
import sys


from curator.deid import run
from curator.deid.profile import load_profile

KEY = b"startup-test-key-0123456789abcdef"


def _fresh_process(monkeypatch) -> None:
    """As in a new process: no engine ready (the module's engine, its twin and their settings
    are restored together after the test, so that no later test gets another key's engine)."""
    for name in ("_ENGINE", "_FAST", "_READY"):
        monkeypatch.setattr(run, name, None)


def test_importing_the_run_does_not_load_pandas() -> None:
    code = "import sys, curator.deid.run; print('pandas' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"


def test_a_ready_process_keeps_its_engine_until_the_settings_change(monkeypatch) -> None:
    monkeypatch.setattr(run, "_ENGINE", None)
    monkeypatch.setattr(run, "_FAST", None)
    _fresh_process(monkeypatch)
    profile = load_profile("research")
    run._init_worker(profile, KEY, False)
    engine = run._ENGINE
    assert engine is not None and run._FAST is not None
    run._init_worker(profile, KEY, False, quiet=False)  # a forked worker: same settings, nothing rebuilt
    assert run._ENGINE is engine
    run._init_worker(profile, KEY[::-1], False)  # other settings: a new engine
    assert run._ENGINE is not engine
    assert run._ENGINE.pseudo.patient("x") != engine.pseudo.patient("x")


def test_a_deid_command_does_not_import_the_download_helpers_of_pydicom(planted_source, key_file, tmp_path) -> None:
    """``curator deid`` imports pydicom without ``requests``/``tqdm`` (pydicom's test-data
    downloader; a third of its import time), and the run still writes every instance."""
    code = ("import sys; from curator.cli import run; code = run(sys.argv[1:]); "
            "print(code, sorted(name for name in ('requests', 'tqdm') if name in sys.modules))")
    out = tmp_path / "out"
    args = ["deid", str(planted_source), str(out), "--key", str(key_file), "--workers", "1"]
    result = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, check=True)
    assert result.stdout.strip().splitlines()[-1] == "0 []", result.stdout + result.stderr
    assert len(list(out.rglob("*.dcm"))) == 3


def test_the_download_helpers_can_still_be_imported_after_pydicom() -> None:
    code = ("import sys; from curator.common.imports import import_pydicom; import_pydicom(); "
            "import pydicom.data.download as d; import requests; print(d.HAVE_REQUESTS, 'requests' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.split() == ["False", "True"]


def test_a_run_in_one_process_builds_one_engine(planted_source, tmp_path, monkeypatch) -> None:
    """With ``workers=1`` the run's engine is the worker's (no second engine, no second read
    of the private tag knowledge base)."""
    built: list[run.Engine] = []
    original = run.Engine.__init__

    def counted(self, *args, **kwargs) -> None:
        built.append(self)
        original(self, *args, **kwargs)

    monkeypatch.setattr(run.Engine, "__init__", counted)
    _fresh_process(monkeypatch)
    report = run.deidentify(planted_source, tmp_path / "out", KEY, run.DeidOptions(workers=1))
    assert report["counts"]["written"] == 3
    assert len(built) == 1 and run._ENGINE is built[0]


def _tree(folder) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_the_header_pass_scrubs_each_repeated_text_once(planted_source, tmp_path, monkeypatch) -> None:
    """The texts of the header pass (site conventions) repeat on every instance of a series:
    each (text, identifier values) pair is scrubbed once, and the output is the same as
    when every instance's texts are scrubbed again."""
    assert run._convention_text.cache_info().maxsize  # the run's own is remembered, bounded
    calls: list[str] = []

    def counted(text, values=()):
        calls.append(text)
        return run.scrub_text(text, values)

    _fresh_process(monkeypatch)
    monkeypatch.setattr(run, "_convention_text", run.lru_cache(maxsize=64)(counted))
    remembered = run.deidentify(planted_source, tmp_path / "a", KEY, run.DeidOptions(workers=1))
    distinct = len(calls)
    monkeypatch.setattr(run, "_convention_text", counted)
    calls.clear()
    again = run.deidentify(planted_source, tmp_path / "b", KEY, run.DeidOptions(workers=1))
    assert 0 < distinct < len(calls)  # the three planted instances share their descriptions
    assert remembered == again and _tree(tmp_path / "a") == _tree(tmp_path / "b")


def test_the_collector_is_paused_only_while_a_process_loads(planted_source, key_file, tmp_path) -> None:
    """``gc_paused`` turns the cyclic collector off for its block and back as it was (also
    after an error); a deid command leaves it on (its worker processes are forked with it on)."""
    import gc

    from curator.cli import run as cli_run
    from curator.common.imports import gc_paused

    assert gc.isenabled()
    with gc_paused():
        assert not gc.isenabled()
        with gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()
    try:
        with gc_paused():
            raise ValueError("inside")
    except ValueError:
        pass
    assert gc.isenabled()
    args = ["deid", str(planted_source), str(tmp_path / "out"), "--key", str(key_file), "--workers", "2"]
    assert cli_run(args) == 0 and gc.isenabled()
    assert len(list((tmp_path / "out").rglob("*.dcm"))) == 3


def _recording(monkeypatch, name: str, log) -> None:
    """``run.<name>`` (a batch function the pool runs) writes, in the worker, its process id
    and the id of the process's engine (0: none) before each batch."""
    original = getattr(run, name)

    def recorded(tasks):
        with open(log, "a", encoding="utf-8") as handle:
            handle.write(f"{name} {os.getpid()} {id(run._ENGINE) if run._ENGINE is not None else 0}\n")
        return original(tasks)

    recorded.__module__, recorded.__qualname__ = run.__name__, name  # pickled by reference, as the original
    monkeypatch.setattr(run, name, recorded)


def test_the_header_pass_starts_before_the_writing_pass_is_ready(planted_source, tmp_path, monkeypatch) -> None:
    """With local workers, those of the header pass are forked before the run's process builds
    its engine and reads the word lists (it does so while they work); those of the writing
    pass are forked after, and de-identify with the run's own engine (inherited, not rebuilt)."""
    log = tmp_path / "batches.log"
    _fresh_process(monkeypatch)
    _recording(monkeypatch, "_scan_batch", log)
    _recording(monkeypatch, "_write_batch", log)
    report = run.deidentify(planted_source, tmp_path / "out", KEY, run.DeidOptions(workers=2, leak_digests=True))
    assert report["counts"]["written"] == 3
    rows = [line.split() for line in log.read_text(encoding="utf-8").splitlines()]
    scans = [(pid, engine) for name, pid, engine in rows if name == "_scan_batch"]
    writes = [(pid, engine) for name, pid, engine in rows if name == "_write_batch"]
    assert scans and writes
    assert all(engine == "0" for _, engine in scans)  # forked before the engine existed
    assert {engine for _, engine in writes} == {str(id(run._ENGINE))}  # the run's engine, inherited
    assert not {pid for pid, _ in scans} & {pid for pid, _ in writes}  # two sets of workers
    assert str(os.getpid()) not in {pid for pid, _ in scans + writes}


def test_local_workers_inherit_the_loaded_objects_frozen() -> None:
    """A local pool's processes are forked with every object of the forking process frozen
    (``gc.freeze``): their collector never traverses, nor copies the pages of, the engine and
    word lists they inherit; the forking process gets its objects back."""
    import gc

    from curator.common.executors import LocalExecutor
    from curator.common.imports import gc_frozen

    assert gc.get_freeze_count() == 0
    with LocalExecutor(2) as pool:
        inherited = [pool.submit(gc.get_freeze_count).result() for _ in range(4)]
    assert gc.get_freeze_count() == 0
    assert all(count > 1000 for count in inherited)
    gc.freeze()  # a process that froze its own objects keeps them frozen
    try:
        with gc_frozen():
            pass
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()


def test_what_a_run_loaded_stays_frozen_until_it_ends(planted_source, tmp_path, monkeypatch) -> None:
    """The engine and word lists a run loads live as long as it: out of the collector's
    reach (``gc.freeze``) while it writes, back at the end."""
    import gc

    seen: list[int] = []
    original = run._write_batch

    def recorded(tasks):
        seen.append(gc.get_freeze_count())
        return original(tasks)

    _fresh_process(monkeypatch)
    monkeypatch.setattr(run, "_write_batch", recorded)
    report = run.deidentify(planted_source, tmp_path / "out", KEY, run.DeidOptions(workers=1))
    assert report["counts"]["written"] == 3
    assert seen and all(count > 1000 for count in seen)
    assert gc.get_freeze_count() == 0


def test_a_command_ends_with_its_objects_frozen(tmp_path) -> None:
    """The console script freezes what the command loaded before the process exits: the
    collector's last pass does not traverse it all again."""
    code = ("import atexit, gc; atexit.register(lambda: print('frozen', gc.get_freeze_count() > 0)); "
            "from curator.cli import main; main(['keygen', 'k'])")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "frozen True"


def _windows(monkeypatch) -> list[int]:
    """The in-flight windows (batches) the passes of a run ask for, recorded."""
    asked: list[int] = []
    original = run.tolerant_map

    def recorded(executor, fn, chunks, crashed, window, **kwargs):
        def asking() -> int:
            asked.append(window() if callable(window) else window)
            return asked[-1]

        return original(executor, fn, chunks, crashed, asking, **kwargs)

    monkeypatch.setattr(run, "tolerant_map", recorded)
    return asked


def test_the_header_pass_queues_more_only_for_items_sent_as_paths(planted_source, tmp_path, monkeypatch) -> None:
    """While the run's process gets ready to write, the header pass keeps more batches in
    flight, but only of items the workers read themselves: an archive's members travel as
    their bytes, and their run keeps the usual window (memory)."""
    import zipfile

    _fresh_process(monkeypatch)
    asked = _windows(monkeypatch)
    run.deidentify(planted_source, tmp_path / "out", KEY, run.DeidOptions(workers=2))
    assert max(asked) == 2 * run.IN_FLIGHT_WHILE_LOADING
    archive = tmp_path / "source.zip"
    with zipfile.ZipFile(archive, "w") as handle:
        for path in sorted(planted_source.rglob("*")):
            if path.is_file():
                handle.write(path, path.relative_to(planted_source).as_posix())
    _fresh_process(monkeypatch)
    asked.clear()
    report = run.deidentify(archive, tmp_path / "out-zip", KEY, run.DeidOptions(workers=2))
    assert report["counts"]["written"] == 3
    assert asked and max(asked) == 2 * run.IN_FLIGHT_PER_WORKER


_NO_LOAD_AFTER_READY = """
import sys, yaml
from pathlib import Path
from curator.common.imports import import_pydicom
import_pydicom()
from curator.deid import run
from curator.deid.engine import PatientContext
from curator.deid.profile import load_profile

key = b"startup-test-key-0123456789abcdef"
run._init_scan(key, False)  # what the run's process reads before it forks the header pass's workers
run._init_worker(load_profile("research"), key, False)  # ... and before the writing pass's
loaded = []
original = yaml.load
yaml.load = lambda stream, Loader=None: loaded.append(Loader) or original(stream, Loader=Loader)
for path in sorted(p for p in Path(sys.argv[1]).rglob("*") if p.is_file()):
    facts = run._scan_one(("path", str(path)))
    assert "error" not in facts and facts["values"], facts
    output, result = run._deidentified(("path", str(path)), PatientContext("p", facts["values"]), None, None)
    assert output is not None, result
print(len(loaded))
"""


def test_forked_workers_read_no_rule_file(planted_source) -> None:
    """Everything the workers of either pass read from ``mappings/`` (identifier rules,
    transliteration tables, what is never released, pixel screen settings...) is read by the
    run's process before it forks them: a worker inherits it and parses no YAML file at its
    first person name or code string (each worker parsed ``transliteration.yaml`` again)."""
    result = subprocess.run([sys.executable, "-c", _NO_LOAD_AFTER_READY, str(planted_source)],
                            capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "0", result.stdout + result.stderr
