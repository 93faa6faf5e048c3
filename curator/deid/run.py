"""De-identify a whole source into a pseudonymous output tree, with a report.

Two passes over the source (both parallel, with bounded in-flight work):

1. headers only: per instance its UIDs, patient identity, identifier values, quasi
   identifiers and burned-in text risk; then per patient the union of identifier values
   and, over the whole output, k-anonymity of (age, sex, ethnic group, site);
2. writing: each instance de-identified by :class:`~curator.deid.engine.Engine` and
   written to ``OUT/<patient pseudonym>/<study>/<series>/<instance>.dcm`` (names derived
   from the new UIDs), or to the quarantine folder, or not at all.

Every item of the source ends up in exactly one of: written, quarantined, rejected (with a
reason).  The report (``OUT/deid-report.json``) holds counts and reasons, never a header
value or a source path: items are referred to by their position in the source's sorted
listing and by a keyed reference (HMAC of the relative path, 16 hex digits) that only
the key holder can recompute.
"""
from __future__ import annotations

import contextlib
import io
import json
import logging
import os
import sqlite3
import warnings
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import FIRST_COMPLETED, wait
from pathlib import Path

import pydicom
import pydicom.config
from pydicom.dataset import Dataset
from pydicom.errors import InvalidDicomError

from curator import patient_identity, pixel_size
from curator.deid import kanon
from curator.deid.engine import (
    TAG_ETHNIC_GROUP,
    TAG_PATIENT_AGE,
    TAG_PATIENT_SEX,
    Engine,
    PatientContext,
    derive_age,
    patient_key_of,
    top_code,
)
from curator.deid.fastpath import FastEngine, PixelProblem, scan_bytes
from curator.deid.pixels import burned_in_risk, redact_burned_in_text, require_ocr
from curator.deid.profile import Profile, apply_recipe, load_profile
from curator.deid.pseudonyms import Pseudonymizer, check_key, short_hash
from curator.errors import CuratorError
from curator.executors import Executor, make_executor
from curator.fsspec_source import is_fsspec_url, open_item
from curator.scrub import (
    _rules as scrub_rules,  # the collection rules of identifier_values
)
from curator.scrub import identifier_values
from curator.sources import Item, Rejection, is_inside, open_source

REPORT_NAME = "deid-report.json"
REPORT_SCHEMA = "curator.deid-report/1"
DIRECTORY_SOP_CLASS = "1.2.840.10008.1.3.10"
SITE_RULES = ("folder", "institution")
IN_FLIGHT_PER_WORKER = 3
BATCH = 8  # items per round trip to a worker

ExtraElements = Mapping[str, "Dataset | Mapping[str, object]"] | Callable[[str, Dataset], None] | None


# --- worker side -----------------------------------------------------------------

_ENGINE: Engine | None = None
_FAST: FastEngine | None = None


@contextlib.contextmanager
def quiet_pydicom() -> Iterator[None]:
    """pydicom's warnings quote header values (identifiers): silence them during a run."""
    config = pydicom.config.settings
    saved = (config.reading_validation_mode, config.writing_validation_mode)
    logger = logging.getLogger("pydicom")
    level = logger.level
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        config.reading_validation_mode = pydicom.config.IGNORE
        config.writing_validation_mode = pydicom.config.IGNORE
        logger.setLevel(logging.CRITICAL)
        try:
            yield
        finally:
            config.reading_validation_mode, config.writing_validation_mode = saved
            logger.setLevel(level)


def _init_worker(profile: Profile, key: bytes, clean_pixels: bool, quiet: bool = False) -> None:
    global _ENGINE, _FAST
    if quiet:  # a worker process: silence pydicom for its whole life
        warnings.simplefilter("ignore")
        pydicom.config.settings.reading_validation_mode = pydicom.config.IGNORE
        pydicom.config.settings.writing_validation_mode = pydicom.config.IGNORE
        logging.getLogger("pydicom").setLevel(logging.CRITICAL)
    _ENGINE = Engine(profile, key, clean_pixels=clean_pixels)
    _FAST = FastEngine(_ENGINE)


def _open(ref: tuple[str, object], header_only: bool) -> Dataset:
    """The dataset of an item; ``header_only`` defers (never reads) values over 4 KiB,
    pixel data included, so that the header pass still sees which elements exist."""
    kind, value = ref
    if kind == "path" and is_fsspec_url(value):  # type: ignore[arg-type]
        kind, value = "bytes", _read(ref)
    target = value if kind == "path" else io.BytesIO(value)  # type: ignore[arg-type]
    defer = 4096 if header_only else None
    try:
        return pydicom.dcmread(target, defer_size=defer)
    except InvalidDicomError:
        if kind == "bytes":
            target.seek(0)  # type: ignore[union-attr]
        ds = pydicom.dcmread(target, defer_size=defer, force=True)
        if "SOPClassUID" not in ds or "SOPInstanceUID" not in ds:
            raise InvalidDicomError("not DICOM") from None
        return ds


def _scan_one(ref: tuple[str, object]) -> dict:
    """Header facts of one item (runs in a worker): byte-level walk when it applies."""
    try:
        rules = scrub_rules()
        probe, values = scan_bytes(_read(ref), rules.collect_vrs, rules.collect_tags)
    except Exception:  # noqa: BLE001 - pydicom reads everything else
        return _scan_pydicom(ref)
    return _facts(probe, values, burned_in_risk(probe))


def _scan_pydicom(ref: tuple[str, object]) -> dict:
    try:
        ds = _open(ref, header_only=True)
    except InvalidDicomError:
        return {"error": "not a DICOM file"}
    except Exception as exc:  # noqa: BLE001 - any unreadable file is a rejection
        return {"error": f"DICOM header cannot be read ({type(exc).__name__})"}
    try:  # _facts rejects media directories and datasets that are not instances
        risk = burned_in_risk(ds)
        for tag, raw in list(ds._dict.items()):
            if getattr(raw, "value", 0) is None and getattr(raw, "length", 0):
                del ds[tag]
        return _facts(ds, identifier_values(ds), risk)
    except Exception as exc:  # noqa: BLE001
        return {"error": f"DICOM header cannot be interpreted ({type(exc).__name__})"}


def _facts(ds: Dataset, values: frozenset[str], risk: str | None) -> dict:
    try:
        sop_class = str(ds.get("SOPClassUID", "") or "").strip()
        sop = str(ds.get("SOPInstanceUID", "") or "").strip()
        if sop_class == DIRECTORY_SOP_CLASS or "DirectoryRecordSequence" in ds:
            return {"error": "DICOMDIR (a directory of the media, not an instance; not copied)"}
        if not sop or not sop_class:
            return {"error": "DICOM file without SOPInstanceUID or SOPClassUID"}
        age = derive_age(ds)
        return {
            "sop": sop,
            "study": str(ds.get("StudyInstanceUID", "") or "").strip(),
            "series": str(ds.get("SeriesInstanceUID", "") or "").strip(),
            "patient": patient_key_of(ds),
            "values": frozenset(v for v in values if _printable(v)),
            "age": top_code(age) if age else None,
            "sex": str(ds.get("PatientSex", "") or "").strip().upper() or None,
            "ethnic_group": str(ds.get("EthnicGroup", "") or "").strip().upper() or None,
            "site": str(ds.get("InstitutionName", "") or "").strip().casefold() or None,
            "risk": risk,
        }
    except Exception as exc:  # noqa: BLE001
        return {"error": f"DICOM header cannot be interpreted ({type(exc).__name__})"}


def _pixel_problem(ds: Dataset) -> str | None:
    """A reason to reject native pixel data shorter than its header says (truncated file)."""
    if "PixelData" not in ds:
        return None
    syntax = getattr(getattr(ds, "file_meta", None), "TransferSyntaxUID", None)
    return pixel_size.dataset_problem(ds, syntax, len(ds.PixelData))


def _read(ref: tuple[str, object]) -> bytes:
    kind, value = ref
    if kind == "bytes":
        return value  # type: ignore[return-value]
    with open_item(value) as handle:  # type: ignore[arg-type]
        return handle.read()


def _printable(value: str) -> bool:
    return 0 < len(value) <= 256 and value.isprintable()


def _write_one(task: tuple) -> dict:
    """De-identify one item and write it (runs in a worker)."""
    ref, context, dest_root, relpath, clean, extra = task
    assert _ENGINE is not None and _FAST is not None
    tmp = None
    try:
        target = Path(dest_root) / relpath
        if not clean and not callable(extra):
            data = _read(ref)
            try:
                output, stats = _FAST.deidentify_bytes(data, context, extra)
            except PixelProblem as exc:
                return {"error": str(exc)}
            except Exception:  # noqa: BLE001 - anything unusual goes through pydicom
                output = None
            if output is not None:
                target.parent.mkdir(parents=True, exist_ok=True)
                tmp = target.with_name(target.name + ".part")
                with open(tmp, "wb") as handle:
                    handle.write(output)
                os.replace(tmp, target)
                return {"stats": stats}
        ds = _open(ref, header_only=False)
        problem = _pixel_problem(ds)
        if problem:
            return {"error": problem}
        original_series = str(ds.get("SeriesInstanceUID", "") or "").strip()
        hook = None
        if callable(extra):
            hook = lambda d: extra(original_series, d)
        elif extra is not None:
            hook = extra
        stats = _ENGINE.deidentify(ds, context, hook)
        if clean:
            stats["ocr_text_boxes_redacted"] += redact_burned_in_text(ds)
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(target.name + ".part")
        ds.save_as(tmp, enforce_file_format=True)
        os.replace(tmp, target)
        return {"stats": stats}
    except Exception as exc:  # noqa: BLE001 - one bad file never stops the run
        if tmp is not None and tmp.exists():
            tmp.unlink()
        return {"error": f"could not be de-identified ({type(exc).__name__})"}


# --- orchestration ---------------------------------------------------------------


def _ref(item: Item) -> tuple[str, object]:
    """How a worker reaches an item: an absolute path (local, shared or URL) or its bytes."""
    if item.path is None:
        return ("bytes", item.read())
    return ("path", item.path if is_fsspec_url(item.path) else os.path.abspath(item.path))


def _batch(name: str, args: list) -> list:
    """Run a worker function over a batch of arguments (one round trip per batch)."""
    fn = {"scan": _scan_one, "write": _write_one}[name]
    return [fn(arg) for arg in args]


def _map(name: str, tasks: Iterable[tuple[int, object]], pool: Executor | None, workers: int) -> Iterator[tuple[int, dict]]:
    """``(index, fn(arg))`` for each task, in batches, at most ``workers * 4`` batches in flight."""
    if pool is None:
        fn = {"scan": _scan_one, "write": _write_one}[name]
        for index, arg in tasks:
            yield index, fn(arg)
        return
    limit = max(pool.workers * IN_FLIGHT_PER_WORKER, 1)
    pending: dict = {}

    def drain(block: bool) -> Iterator[tuple[int, dict]]:
        while pending and (block or len(pending) >= limit):
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                indices = pending.pop(future)
                yield from zip(indices, future.result())

    batch: list[tuple[int, object]] = []
    for task in tasks:
        batch.append(task)
        if len(batch) >= BATCH:
            pending[pool.submit(_batch, name, [a for _, a in batch])] = [i for i, _ in batch]
            batch = []
            yield from drain(False)
    if batch:
        pending[pool.submit(_batch, name, [a for _, a in batch])] = [i for i, _ in batch]
    yield from drain(True)


def _enc(text: str | None) -> bytes | None:
    """Text as stored in the items table: UTF-8 bytes that keep lone surrogates (file names
    and decoded header values may hold them; sqlite3 refuses them as TEXT)."""
    return None if text is None else text.encode("utf-8", "surrogatepass")


def _dec(raw: bytes | None) -> str | None:
    return None if raw is None else raw.decode("utf-8", "surrogatepass")


def _open_items() -> sqlite3.Connection:
    """The per-instance state of a run, on disk (memory stays flat as the archive grows).

    One row per item of the source, keyed by its 0-based position in the sorted listing:
    relative path, rejection reason, header facts (``has_facts``), output name.  An
    anonymous SQLite database: pages beyond its small cache go to a temporary file that
    SQLite unlinks as soon as it opens it, so nothing is left behind, even by a killed run."""
    db = sqlite3.connect("")
    db.execute("PRAGMA journal_mode=OFF")
    db.execute(
        "CREATE TABLE items (position INTEGER PRIMARY KEY, relpath BLOB NOT NULL, reason BLOB,"
        " has_facts INTEGER NOT NULL DEFAULT 0, sop BLOB, study BLOB, series BLOB, patient BLOB,"
        " vals TEXT, age BLOB, sex BLOB, ethnic_group BLOB, site BLOB, risk BLOB, target BLOB)"
    )
    return db


def _check_paths(source: str | os.PathLike[str], out_dir: Path, quarantine: Path | None, force: bool) -> None:
    from curator.dicomweb import is_dicomweb_spec

    if is_dicomweb_spec(source):  # a server: only the local folders need checking
        if out_dir.exists() and (not out_dir.is_dir() or (any(out_dir.iterdir()) and not force)):
            raise CuratorError("the output folder is not empty (use --force to write into it)")
        return
    source_path = Path(os.fspath(source))
    if not source_path.exists():
        raise CuratorError("source not found")
    if is_inside(out_dir, source_path):
        raise CuratorError("the output folder must not be inside the source")
    if is_inside(source_path, out_dir):
        raise CuratorError("the source must not be inside the output folder")
    if out_dir.exists() and not out_dir.is_dir():
        raise CuratorError("the output path exists and is not a folder")
    if out_dir.is_dir() and any(out_dir.iterdir()) and not force:
        raise CuratorError("the output folder is not empty (use --force to write into it)")
    if quarantine is not None:
        if is_inside(quarantine, source_path):
            raise CuratorError("the quarantine folder must not be inside the source")
        if is_inside(quarantine, out_dir) or is_inside(out_dir, quarantine):
            raise CuratorError("the quarantine folder must be outside the output folder")


def deidentify(
    source: str | os.PathLike[str],
    out_dir: str | os.PathLike[str],
    profile: str | Profile = "research",
    key: bytes = b"",
    k: int = 5,
    workers: int | None = None,
    quarantine: str | os.PathLike[str] | None = None,
    recipe: str | os.PathLike[str] | None = None,
    extra_elements: ExtraElements = None,
    clean_pixels: bool = False,
    force: bool = False,
    site_from: str = "folder",
    journal: str | os.PathLike[str] | None = None,
    scheduler: str | None = None,
    access: str | kanon.Access | None = None,
) -> dict:
    """De-identify every instance of ``source`` into ``out_dir``; return the report.

    ``access``: the access tier (:class:`curator.deid.kanon.Access`, or its name
    ``public`` / ``restricted`` / ``non-public``, the default): k-anonymity is enforced
    for ``public`` releases, measured and reported for the others.

    ``extra_elements``: elements added to each output dataset after de-identification,
    keyed by the *original* SeriesInstanceUID — either a mapping ``{series_uid: Dataset
    or {keyword: value}}`` or a picklable callable ``f(original_series_uid, ds)``.

    ``scheduler``: a Dask scheduler address (``tcp://host:port``, default
    ``$CURATOR_SCHEDULER``): workers of the cluster de-identify; SOURCE and OUT must be on
    storage they share.  The output is byte-identical to a local run.

    ``journal``: a file recording every instance written (and its action counts); a run
    given the journal of an interrupted run skips the instances already written, so the
    output and the report are those of an uninterrupted run.

    ``site_from`` (the site quasi-identifier of k-anonymity, as ``curator scan``):
    ``folder`` — the top folder of the item in the source, else its Institution Name;
    ``institution`` — the Institution Name.  Site labels stay in memory, never written.
    """
    if site_from not in SITE_RULES:
        raise CuratorError(f"unknown site rule {site_from!r}; choose one of {', '.join(SITE_RULES)}")
    key = check_key(key)
    tier = kanon.access_of(access)
    if not isinstance(k, int) or k < 1:
        raise CuratorError("k must be a whole number of at least 1")
    if workers is not None and (not isinstance(workers, int) or workers < 1):
        raise CuratorError("workers must be a whole number of at least 1")
    workers = workers or os.cpu_count() or 1
    out_path = Path(os.fspath(out_dir))
    quarantine_path = Path(os.fspath(quarantine)) if quarantine is not None else None
    _check_paths(source, out_path, quarantine_path, force)
    chosen = profile if isinstance(profile, Profile) else load_profile(profile)
    if recipe is not None:
        chosen = apply_recipe(chosen, recipe)
    if clean_pixels:
        require_ocr()
    src = open_source(source)
    pseudo = Pseudonymizer(key)
    engine_probe = Engine(chosen, key, clean_pixels=clean_pixels)

    pool: Executor | None = make_executor(workers, scheduler, initializer=_init_worker, initargs=(chosen, key, clean_pixels, True))
    if pool.kind == "serial":
        pool.shutdown()
        pool = None
        _init_worker(chosen, key, clean_pixels)
    elif pool.kind == "dask":
        out_path = out_path.resolve()  # workers write the output: give them absolute paths
        quarantine_path = quarantine_path.resolve() if quarantine_path is not None else None
    quiet = quiet_pydicom()
    quiet.__enter__()
    db: sqlite3.Connection | None = None
    try:
        db = items = _open_items()
        # Pass 1: headers (per-instance facts go to the on-disk table, not to memory).
        def scan_tasks() -> Iterator[tuple[int, object]]:
            for position, thing in enumerate(src.items()):
                if isinstance(thing, Rejection):
                    items.execute("INSERT INTO items (position, relpath, reason) VALUES (?, ?, ?)", (position, _enc(thing.relpath), _enc(thing.reason)))
                    continue
                try:
                    ref = _ref(thing)
                except OSError as exc:
                    items.execute(
                        "INSERT INTO items (position, relpath, reason) VALUES (?, ?, ?)",
                        (position, _enc(thing.relpath), _enc(f"cannot be read ({exc.strerror or 'OS error'})")),
                    )
                    continue
                items.execute("INSERT INTO items (position, relpath) VALUES (?, ?)", (position, _enc(thing.relpath)))
                yield position, ref

        for position, facts in _map("scan", scan_tasks(), pool, workers):
            if "error" in facts:
                items.execute("UPDATE items SET reason = ? WHERE position = ?", (_enc(facts["error"]), position))
            else:
                items.execute(
                    "UPDATE items SET has_facts = 1, sop = ?, study = ?, series = ?, patient = ?, vals = ?,"
                    " age = ?, sex = ?, ethnic_group = ?, site = ?, risk = ? WHERE position = ?",
                    (
                        *(_enc(facts[name]) for name in ("sop", "study", "series", "patient")),
                        json.dumps(sorted(facts["values"])),
                        *(_enc(facts[name]) for name in ("age", "sex", "ethnic_group", "site", "risk")),
                        position,
                    ),
                )
        items.commit()
        item_count = items.execute("SELECT COUNT(*) FROM items").fetchone()[0]
        plan = _plan(items, pseudo, engine_probe, k, site_from, tier)

        # Pass 2: write.
        out_path.mkdir(parents=True, exist_ok=True)
        if quarantine_path is not None:
            quarantine_path.mkdir(parents=True, exist_ok=True)
        totals: Counter = Counter()
        written_by_record: Counter = Counter()
        quarantined: list[dict] = []
        written = 0
        finished = _read_journal(journal)
        resumed: dict[int, dict] = {}
        journal_handle = open(journal, "a", encoding="utf-8") if journal is not None else None

        def write_tasks() -> Iterator[tuple[int, object]]:
            for position, thing in enumerate(open_source(source).items()):
                row = items.execute(
                    "SELECT relpath, reason, has_facts, risk, series, patient, study, target FROM items WHERE position = ?",
                    (position,),
                ).fetchone()
                if row is None or _dec(row[0]) != thing.relpath:
                    raise CuratorError("the source changed during de-identification; run again")
                _, reason, has_facts, risk, series, patient, study, target = (_dec(v) if isinstance(v, bytes) else v for v in row)
                if not has_facts or reason is not None:
                    continue
                clean = bool(risk) and clean_pixels
                if risk and not clean_pixels:
                    if quarantine_path is None:
                        continue
                    dest = quarantine_path
                else:
                    dest = out_path
                if callable(extra_elements):
                    extra = extra_elements
                elif extra_elements is not None:
                    extra = extra_elements.get(series)
                else:
                    extra = None
                done = finished.get(_journal_key(dest is out_path, target))
                if done is not None and (Path(dest) / target).exists():
                    resumed[position] = {"stats": done}
                    continue
                context = plan["contexts"][(patient, study)]
                yield position, (_ref(thing), context, str(dest), target, clean, extra)

        def results() -> Iterator[tuple[int, dict]]:
            for position, result in _map("write", write_tasks(), pool, workers):
                if journal_handle is not None and "stats" in result:
                    risk, target = map(_dec, items.execute("SELECT risk, target FROM items WHERE position = ?", (position,)).fetchone())
                    in_out = not (risk and not clean_pixels)
                    journal_handle.write(json.dumps({"key": _journal_key(in_out, target), "stats": result["stats"]}, sort_keys=True) + "\n")
                    journal_handle.flush()
                yield position, result
            yield from resumed.items()

        for position, result in results():
            if "error" in result:
                items.execute("UPDATE items SET reason = ? WHERE position = ?", (_enc(result["error"]), position))
                continue
            totals.update(result["stats"])
            risk, patient, study = map(_dec, items.execute("SELECT risk, patient, study FROM items WHERE position = ?", (position,)).fetchone())
            if risk and not clean_pixels:
                continue
            written += 1
            written_by_record[(patient, study)] += 1
        items.commit()
        if not clean_pixels:
            for position, relpath, risk in items.execute(
                "SELECT position, relpath, risk FROM items WHERE has_facts = 1 AND reason IS NULL"
                " AND risk IS NOT NULL ORDER BY position"
            ):
                if risk:
                    quarantined.append(
                        {
                            "position": position + 1,
                            "source_ref": pseudo.ref(_dec(relpath)),
                            "reason": _dec(risk),
                            "written_to_quarantine": quarantine_path is not None,
                        }
                    )
        rejected = [
            {"position": position + 1, "source_ref": pseudo.ref(_dec(relpath)), "reason": _dec(reason)}
            for position, relpath, reason in items.execute(
                "SELECT position, relpath, reason FROM items WHERE reason IS NOT NULL ORDER BY position"
            )
        ]
    finally:
        quiet.__exit__(None, None, None)
        if pool is not None:
            pool.shutdown()
        if "journal_handle" in locals() and journal_handle is not None:
            journal_handle.close()
        if db is not None:
            db.close()

    report = {
        "schema": REPORT_SCHEMA,
        "profile": {
            "name": chosen.name,
            "options": list(chosen.options),
            "method_codes": chosen.option_codes()
            + ([{"code": "113101", "meaning": "Clean Pixel Data Option"}] if clean_pixels else []),
            "overrides": len(chosen.overrides) + len(chosen.replace) + len(chosen.add),
            "user_recipe": chosen.recipe is not None,
        },
        "settings": {
            "k": k, "clean_pixels": clean_pixels, "quarantine_folder": quarantine_path is not None, "site_from": site_from,
            "access": tier.tier, "max_suppression": tier.suppression,
        },
        "counts": {
            "items": item_count,
            "written": written,
            "quarantined": len(quarantined),
            "rejected": len(rejected),
            "patients": plan["patients"],
            "studies": plan["studies"],
            "series": plan["series"],
        },
        "actions": {name: totals[name] for name in sorted(totals)},
        "demographics": _demographics(plan, written_by_record, engine_probe.keep_age),
        "k_anonymity": plan["k_anonymity"],
        "patient_identity": plan["patient_identity"],
        "quarantined": quarantined,
        "rejected": rejected,
    }
    assert report["counts"]["written"] + len(quarantined) + len(rejected) == item_count
    (out_path / REPORT_NAME).write_text(json.dumps(report, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return report


def _journal_key(in_output: bool, target: str) -> str:
    return ("out:" if in_output else "quarantine:") + target


def _read_journal(journal: str | os.PathLike[str] | None) -> dict[str, dict]:
    """Action counts of the instances an earlier run wrote (a torn last line is ignored)."""
    if journal is None or not Path(journal).exists():
        return {}
    done: dict[str, dict] = {}
    for line in Path(journal).read_text(encoding="utf-8").splitlines():
        try:
            record = json.loads(line)
            done[record["key"]] = record["stats"]
        except (ValueError, KeyError, TypeError):
            continue
    return done


def _site(relpath: str, institution: str | None, rule: str) -> str | None:
    if rule == "folder":
        parts = relpath.replace("!/", "/").split("/")
        if len(parts) > 1:
            return "folder:" + parts[0]
    return ("institution:" + institution) if institution else None


DUPLICATE = "duplicate instance (same SOPInstanceUID as an earlier item); first one kept"
PLAN_CHUNK = 2000  # rows of the items table read (and output names written) at a time


def _plan(db: sqlite3.Connection, pseudo: Pseudonymizer, engine: Engine, k: int, site_from: str = "folder",
          access: kanon.Access | None = None) -> dict:
    """Duplicates, per-patient identifier values, k-anonymity, output names.

    ``db`` is the items table of the run (see :func:`_open_items`); duplicates (by
    SOPInstanceUID, the first in position order kept) are rejected and each remaining
    row gets its output name and its study's patient (:mod:`curator.patient_identity`),
    in the table; per-patient and per-study state stays here."""
    access = access or kanon.Access()
    db.execute("CREATE INDEX items_sop ON items (sop, position)")
    db.execute(
        "UPDATE items SET reason = ?, has_facts = 0 WHERE has_facts = 1 AND position >"
        " (SELECT MIN(first.position) FROM items AS first WHERE first.has_facts = 1 AND first.sop = items.sop)",
        (_enc(DUPLICATE),),
    )
    identity = _resolve_patients(db)
    values: dict[str, set[str]] = defaultdict(set)
    records: dict[tuple[str, str], kanon.Record] = {}
    series: set[str] = set()
    last = -1
    while True:
        rows = db.execute(
            "SELECT position, relpath, sop, study, series, patient, vals, age, sex, ethnic_group, site"
            " FROM items WHERE has_facts = 1 AND position > ? ORDER BY position LIMIT ?",
            (last, PLAN_CHUNK),
        ).fetchall()
        if not rows:
            break
        targets = []
        for row in rows:
            position, vals = row[0], row[6]
            relpath, sop, study, series_uid, own_key = map(_dec, row[1:6])
            age, sex, ethnic_group, site = map(_dec, row[7:])
            patient_key = identity.patient(study, own_key)
            values[patient_key].update(json.loads(vals))
            series.add(series_uid)
            record_key = (patient_key, study)
            record = records.get(record_key)
            if record is None:
                record = records[record_key] = kanon.Record(patient_key, study, None, None, None, _site(relpath, site, site_from))
            _fill(record, own_key == patient_key, {"age": age, "sex": sex, "ethnic_group": ethnic_group})
            patient = pseudo.patient(patient_key)
            target = "/".join(
                (
                    patient,
                    short_hash(pseudo.uid(study or f"study-of-{sop}")),
                    short_hash(pseudo.uid(series_uid or f"series-of-{sop}")),
                    # not through the cache of pseudo.uid: one SOP UID per instance, used once
                    short_hash(pseudo._uid(sop), 24) + ".dcm",
                )
            )
            targets.append((_enc(target), _enc(patient_key), position))
        db.executemany("UPDATE items SET target = ?, vals = NULL, patient = ? WHERE position = ?", targets)
        last = rows[-1][0]
    db.commit()
    frozen = {patient: frozenset(v) for patient, v in values.items()}
    record_list = list(records.values())
    if engine.keep_age:
        summary = kanon.apply(record_list, k, access)
        summary["applied"] = True
    else:
        summary = {"applied": False, "k": k, "access": access.tier, "reason": "patient characteristics are not kept by this profile"}
    contexts = {}
    for record in record_list:
        demo: dict[int, str | None] = {}
        note = ""
        if engine.keep_age:
            kept = kanon.released(record)
            demo[TAG_PATIENT_AGE] = kept["age"]
            demo[TAG_PATIENT_SEX] = kept["sex"] or ""  # type 2: present, empty when unknown or removed
            demo[TAG_ETHNIC_GROUP] = kept["ethnic_group"]
            note = kanon.note(record)
        contexts[(record.patient, record.study)] = PatientContext(
            record.patient, frozen.get(record.patient, frozenset()), demo, note
        )
    return {
        "contexts": contexts,
        "records": records,
        "patients": len(values),
        "studies": len(records),
        "series": len(series),
        "patient_identity": identity.summary(),
        "k_anonymity": summary,
    }


def _resolve_patients(db: sqlite3.Connection) -> patient_identity.Resolution:
    """One patient per study (:mod:`curator.patient_identity`), from the items table."""
    counts = [
        (_dec(study), _dec(patient), n)
        for study, patient, n in db.execute(
            "SELECT study, patient, COUNT(*) FROM items WHERE has_facts = 1 GROUP BY study, patient ORDER BY study, patient"
        )
    ]
    return patient_identity.resolve(counts, _person_of)


def _person_of(patient_key: str) -> str:
    """The person a patient key names whatever the issuer (``id\0issuer\0PatientID``)."""
    kind, _, rest = patient_key.partition("\0")
    return "id\0" + rest.partition("\0")[2] if kind == "id" else patient_key


def _fill(record: kanon.Record, own: bool, values: dict[str, str | None]) -> None:
    """Demographics of a study's record: the first value of an instance of the study's own
    patient, else (only while none is known) of an instance that named another patient."""
    from_own = record.extra.setdefault("own", set())
    for name, value in values.items():
        if value is None or name in from_own:
            continue
        if own:
            setattr(record, name, value)
            from_own.add(name)
        elif getattr(record, name) is None:
            setattr(record, name, value)


def _demographics(plan: dict, written: Counter, keep: bool) -> dict:
    """What the released instances carry, counted from the plan and the instances written."""
    records = plan["records"]
    for key, record in records.items():
        record.instances = written.get(key, 0)
    counts = kanon.released_counts(records.values()) if keep else {}
    summary = plan["k_anonymity"]
    lossless = keep and summary.get("loss", {}).get("total", 1) == 0
    return {
        "ages_top_coded_to_090Y": sum(1 for r in records.values() if r.age == f"{kanon.top_code_years():03d}Y"),
        "patient_characteristics_kept": bool(lossless),
        "released": counts,
        "source_studies_with_age": sum(1 for r in records.values() if r.age is not None),
    }
