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
import dataclasses
import gc
import hashlib
import hmac
import io
import json
import logging
import os
import sqlite3
import warnings
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from functools import lru_cache
from pathlib import Path
from typing import overload

import pydicom
import pydicom.config
from pydicom.dataelem import DataElement
from pydicom.dataset import Dataset
from pydicom.errors import InvalidDicomError
from pydicom.multival import MultiValue

from curator.deid import freetext
from curator.analyses import patient_identity
from curator.dicom import pixel_size
from curator.deid import kanon
from curator.deid.engine import (
    TAG_ETHNIC_GROUP,
    TAG_PATIENT_AGE,
    TAG_PATIENT_SIZE,
    TAG_PATIENT_WEIGHT,
    TAG_PATIENT_SEX,
    Engine,
    PatientContext,
    derive_age,
    patient_key_of,
    top_code,
)
from curator.deid.fastpath import FastEngine, PixelProblem, facts_key, scan_header_bytes
from curator.deid import pixels, textdetect
from curator.deid.pixels import burned_in_risk
from curator.deid.withheld import rules as withheld_rules
from curator.deid.withheld import withheld_reason
from curator.deid.profile import Profile, apply_recipe, load_profile
from curator.deid.pseudonyms import Pseudonymizer, check_key, short_hash
from curator.errors import CuratorError, InternalError
from curator.common.executors import (
    Executor,
    SerialExecutor,
    check_workers,
    make_executor,
    scheduler_address,
    tolerant_map,
)
from curator.common.faults import (
    NO_SPACE,
    NoSpaceError,
    UnwritableError,
    disk_full_is_an_error,
    exclusive,
    is_no_space,
    no_space_message,
    refuse_links,
)
from curator.common.imports import gc_frozen, gc_paused
from curator.sources.base import is_dicomweb_spec, is_fsspec_url, open_item
from curator.deid.charset import portable_text
from curator.dicom.textcodec import read_as_found
from curator.dicom.elements import RawSource
from curator.dicom.header import Header, HeaderError, read_header_bytes, read_header_source
from curator.common.digests import chunks, digest, parts_digest
from curator.common.journal import Journal, matches, written_with
from curator.deid.scrub import scrub_rules as scrub_rules  # the collection rules of identifier_values
from curator.deid.scrub import identifier_values, scrub_text
from curator.deid import scrub
from curator.sources.base import Item, Rejection, is_inside
from curator.sources.registry import open_source

REPORT_NAME = "deid-report.json"
# key of _Run.execute()'s report, taken out before the report is written or returned: the
# index study keys (curator.index.store.key) of the studies whose site the public tier
# generalised (deidentify_merging_sites() hands them to curator publish)
MERGED_STUDIES = "_merged_study_keys"
REPORT_SCHEMA = "curator.deid-report/1"
DIRECTORY_SOP_CLASS = "1.2.840.10008.1.3.10"
SITE_RULES = ("folder", "institution")
IN_FLIGHT_PER_WORKER = 3
# Batches in flight per worker in a header pass that starts while the run's process gets ready
# to write (about 0.5 s of CPU, see _Run.execute): enough work queued for the workers meanwhile.
IN_FLIGHT_WHILE_LOADING = 32
BATCH = 8  # items per round trip to a worker
# ... or up to this many items of one series (one folder in the header pass, whose series are not
# known yet): each worker works out a series' header facts and de-identified elements once
# and remembers them (_FACTS, FastEngine's memo), so a series split over both workers in
# batches of BATCH costs that work twice.  Items sent as their bytes stay in batches of BATCH.
SERIES_BATCH = 32
UNREADABLE_ELEMENT = ("an element cannot be read (a value representation that is not DICOM's, "
                      "e.g. bytes after the end of the dataset)")
JOURNAL_NAME = ".curator-deid-journal.jsonl"  # in OUT while a run is incomplete (resumes it)
LOCK_NAME = ".curator-deid.lock"  # in OUT while a run holds it
VANISHED = "vanished during the run (deleted from the source)"
CHANGED = "changed during the run (modified in the source after its header was read)"

# Free-text attributes whose words can become site conventions (read in the header pass).
CONVENTION_TAGS = (0x00081030, 0x0008103E, 0x00181030)  # Study/Series Description, ProtocolName
ExtraElements = Mapping[str, "Dataset | Mapping[str, object]"] | Callable[[str, Dataset], None] | None


# --- worker side -----------------------------------------------------------------

_ENGINE: Engine | None = None
_FAST: FastEngine | None = None
_SCREEN = True  # the pixel screen runs in the header pass (not when pixels are cleaned)


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


_READY: tuple | None = None  # the (profile, key, clean_pixels) that _ENGINE was built for
_SCAN_KEY: bytes | None = None  # the run's key in this process (the header pass's leak digests)


def _init_worker(profile: Profile, key: bytes, clean_pixels: bool, quiet: bool = False, engine: Engine | None = None) -> None:
    """Make this process ready to de-identify: the engines, and every list they read.

    A local worker is forked from the run's process, which got ready before starting the
    pool: it inherits all of it (copy on write) and builds nothing.  ``engine``: an engine
    already built with these settings (the run's own), reused."""
    global _ENGINE, _FAST, _READY
    _init_scan(key, clean_pixels, quiet)
    settings = (profile, key, clean_pixels)
    if _ENGINE is not None and _READY == settings:
        return
    with gc_paused():  # all of it lives as long as the process
        _ENGINE = engine if engine is not None else Engine(profile, key, clean_pixels=clean_pixels)
        _FAST = FastEngine(_ENGINE)
        freetext.load()  # the word lists of free text, read once here rather than on a first text
    _READY = settings


def _init_scan(key: bytes, clean_pixels: bool, quiet: bool = False, leak: bool = False) -> None:
    """Make this process ready for the header pass (:func:`_scan_one`) only: what it reads
    (the identifier rules, the pixel screen's imports and settings; with ``leak``, the
    rules of the leak digests), not the engine and word lists of the writing pass.
    ``quiet``: a worker process, pydicom silenced for its whole life."""
    global _SCAN_KEY, _SCREEN
    _SCREEN = not clean_pixels
    _SCAN_KEY = key
    if quiet:
        warnings.simplefilter("ignore")
        pydicom.config.settings.reading_validation_mode = pydicom.config.IGNORE
        pydicom.config.settings.writing_validation_mode = pydicom.config.IGNORE
        logging.getLogger("pydicom").setLevel(logging.CRITICAL)
    with gc_paused():
        scrub.prepare()  # the identifier rules and the other forms of given names (all word lists)
        withheld_rules()  # what is never released (read at each worker's first instance otherwise)
        if _SCREEN:
            textdetect.prepare()  # the pixel screen's imports (OpenCV; scipy only without it), once
        if leak:
            from curator.deid.leakcheck import prepare

            prepare()


def _init_scan_worker(key: bytes, clean_pixels: bool, leak: bool) -> None:
    """Initializer of a local worker of the header pass, forked from the run's process after
    :func:`_init_scan` and before the writing pass was ready (see ``_Run.execute``)."""
    gc.enable()  # forked while the run's process loads with the collector paused, possibly
    _init_scan(key, clean_pixels, quiet=True, leak=leak)


def _open(ref: tuple[str, object], header_only: bool) -> Dataset:
    """The dataset of an item; ``header_only`` defers (never reads) values over 4 KiB,
    pixel data included, so that the header pass still sees which elements exist."""
    kind, value = ref
    target: str | io.BytesIO
    if kind == "path" and not is_fsspec_url(str(value)):
        target = str(value)
    else:
        target = io.BytesIO(_read(ref))
    defer = 4096 if header_only else None
    try:
        ds = pydicom.dcmread(target, defer_size=defer)
    except InvalidDicomError:
        if isinstance(target, io.BytesIO):
            target.seek(0)
        ds = pydicom.dcmread(target, defer_size=defer, force=True)
        if "SOPClassUID" not in ds or "SOPInstanceUID" not in ds:
            raise InvalidDicomError("not DICOM") from None
    read_as_found(ds)  # text whose bytes are not its declared character set (curator.dicom.textcodec)
    return ds


def _scan_one(ref: tuple[str, object], leak: bool = False) -> dict:
    """Header facts of one item (runs in a worker), with the pixel screen when the header
    shows no risk and pixels are not cleaned (:func:`curator.deid.pixels.screen`); the
    item's bytes are read once for all of it.

    ``leak``: also ``"leak"``, the keyed digests of the patient identifier tokens of the
    item's header (:func:`curator.deid.leakcheck.patient_tokens`), from the same bytes."""
    try:
        data: bytes | None = _read(ref)
    except FileNotFoundError:
        return {"error": VANISHED}
    except Exception:  # noqa: BLE001 - pydicom reads everything else
        data = None
    headers: list[Header] = []  # the header read by the readability check, for the screen and the leak digests
    facts = _scan_header(ref, data, headers) if data is not None else _scan_pydicom(ref)
    if _SCREEN and "error" not in facts and not facts["risk"]:
        try:
            facts["risk"] = pixels.screen_bytes(data, _fast_read(headers)) if data is not None else None
        except Exception as exc:  # noqa: BLE001 - the screen never stops a run, nor lets an image out unscreened
            facts["risk"] = pixels.not_screened(exc)
    if leak and data is not None:
        facts["leak"] = _leak_digests(data, headers[0].dataset if headers else None)
    if data is not None and "error" not in facts:
        facts["content"] = _content_digest(data)
    return facts


def _content_digest(data: bytes) -> str:
    """The checksum of an item's bytes (:func:`curator.common.digests.digest`, SHA-256 of its
    chunks): what the header pass read is what the writing pass de-identifies, or the item is
    rejected as changed (a fingerprint of size and mtime misses a rewrite that keeps both,
    and a listing is older than the read).  The writing pass keeps the chunks' hashes: the
    output's checksum takes those of the pixel data it shares (not hashed a third time)."""
    return digest(data)


def _fast_read(headers: list[Header]) -> tuple[Dataset, int, RawSource] | None:
    """What :func:`curator.dicom.fastheader.read_fast` gives for the item's bytes, when the
    header pass read its header that way (``headers``: the header read, or none): the
    screen then does not parse the header again."""
    if not headers or headers[0].source is None:
        return None
    source = headers[0].source
    return headers[0].dataset, source.end, source


def _scan_header(ref: tuple[str, object], data: bytes | None = None, headers: list[Header] | None = None) -> dict:
    """Header facts of one item (from ``data``, its bytes, when already read): byte-level
    walk when it applies.  ``headers``: receives the header read to judge the item readable."""
    if data is None:
        try:
            data = _read(ref)
        except FileNotFoundError:
            return {"error": VANISHED}
        except Exception:  # noqa: BLE001 - pydicom reads everything else
            return _scan_pydicom(ref)
    header, rejected = _checked_header(data)
    if rejected:
        return rejected
    if headers is not None and header is not None:
        headers.append(header)
    rules = scrub_rules()
    raw_key = None
    if header is not None and header.source is not None:  # the bytes the readability check walked
        found = facts_key(data, header.source, rules.collect_vrs, rules.collect_tags)
        if found is not None:
            raw_key, sop = found
            sop = _sop_uid(sop)
            known = _FACTS.get(raw_key) if sop else None
            if known is not None:  # an earlier instance of the series: its facts, but the SOP Instance UID
                return {**known, "sop": sop}
    try:
        scanned = scan_header_bytes(data, rules.collect_vrs, rules.collect_tags)
        sop = _sop_uid(scanned.sop_text())  # as _facts reads it from the probe (a single value)
        known = _FACTS.get(scanned.key) if sop else None
        if known is not None:  # the facts of an earlier instance of the series, but its SOP Instance UID
            return {**known, "sop": sop}
        probe = scanned.probe()
    except Exception:  # noqa: BLE001 - pydicom reads everything else
        return _scan_pydicom(ref, checked=True)
    facts = _facts(probe, scanned.values, burned_in_risk(probe))
    if "error" not in facts:
        if len(_FACTS) >= FACTS_REMEMBERED:
            _FACTS.clear()
        _FACTS[raw_key if raw_key is not None else scanned.key] = dict(facts)
    return facts


def _sop_uid(text: str | None) -> str:
    """A SOP Instance UID read from the bytes, as :func:`_facts` reads it from the probe
    dataset (a single value, converted by pydicom; empty when none)."""
    return str(DataElement(0x00080018, "UI", text).value or "").strip() if text and "\\" not in text else ""


# The header facts of the last few series read by this process (the first pass), by the raw
# bytes they depend on other than the SOP Instance UID (:func:`curator.deid.fastpath.facts_key`,
# read from the bytes the readability check walked, so that a hit needs no further walk of the
# header; else :attr:`curator.deid.fastpath.Scanned.key`):
# the instances of a series differ in little else, and come one after the other in the
# listing, so a series' facts are worked out once per batch of its instances (its probe
# dataset, patient key, age, withheld and burned-in checks), not per slice.  A few entries
# of a few KiB, forgotten at once when full (memory stays flat); only readable instances'.
FACTS_REMEMBERED = 4
_FACTS: dict[tuple, dict] = {}


def _leak_digests(data: bytes, header: Dataset | None = None) -> list[tuple[str, int]]:
    """``(digest, length)`` of each patient identifier token of a header, as ``curator
    publish`` stores them (:func:`curator.deid.leakcheck.leak_record`, which reads the same
    header; ``header``: it, already read from ``data``); none for bytes whose header cannot
    be read."""
    from curator.deid.leakcheck import digest, patient_tokens

    key = _SCAN_KEY
    assert key is not None
    try:
        tokens = patient_tokens(header if header is not None else read_header_bytes(data))
    except Exception:  # noqa: BLE001 - an unreadable header, or one the walk cannot take, costs its digests, not the run
        return []
    return [(digest(key, token), len(token)) for token in tokens]


def _not_an_instance(data: bytes) -> dict | None:
    """The rejection of bytes that are not a readable instance as scan and audit read them
    (``curator.dicom.header``: one definition for every command); ``None`` when readable."""
    return _checked_header(data)[1]


def _checked_header(data: bytes) -> tuple[Header | None, dict | None]:
    """The header of ``data`` (with the bytes the fast reader read it from) and ``None``, or
    ``None`` and the rejection of :func:`_not_an_instance`."""
    try:
        return read_header_source(io.BytesIO(data), len(data)), None
    except HeaderError as exc:
        return None, {"error": str(exc)}
    except Exception as exc:  # noqa: BLE001 - as the scan rejects it
        return None, {"error": f"unreadable header ({type(exc).__name__})"}


def _scan_pydicom(ref: tuple[str, object], checked: bool = False) -> dict:
    """:func:`_scan_one` through pydicom; ``checked``: the item was already judged readable."""
    if not checked:
        try:
            rejected = _not_an_instance(_read(ref))
        except Exception:  # noqa: BLE001 - _open names the failure
            rejected = None
        if rejected:
            return rejected
    try:
        ds = _open(ref, header_only=True)
    except InvalidDicomError:
        return {"error": "not a DICOM file"}
    except Exception as exc:  # noqa: BLE001 - any unreadable file is a rejection
        return {"error": f"DICOM header cannot be read ({type(exc).__name__})"}
    try:  # _facts rejects media directories and datasets that are not instances
        risk = burned_in_risk(ds)
        for tag, raw in list(ds.items()):
            if getattr(raw, "value", 0) is None and getattr(raw, "length", None):
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
        withheld = withheld_reason(ds)
        if withheld:  # an encapsulated document: never released (mappings/privacy/not-released.yaml)
            return {"error": withheld}
        age = derive_age(ds)
        return {
            "sop": sop,
            "study": str(ds.get("StudyInstanceUID", "") or "").strip(),
            "series": str(ds.get("SeriesInstanceUID", "") or "").strip(),
            "patient": patient_key_of(ds),
            "values": frozenset(v for v in values if _printable(v)),
            "age": top_code(age) if age else None,
            "sex": str(ds.get("PatientSex", "") or "").strip().upper() or None,
            # as written: a released demographic keeps its bytes (the public tier picks one
            # spelling per folded value, kanon.enforce)
            "ethnic_group": str(ds.get("EthnicGroup", "") or "").strip() or None,
            "size": _ds_text(ds, "PatientSize"),
            "weight": _ds_text(ds, "PatientWeight"),
            "site": str(ds.get("InstitutionName", "") or "").strip().casefold() or None,
            "risk": risk,
            "texts": {tag: str(ds[tag].value) for tag in CONVENTION_TAGS if tag in ds and ds[tag].value},
        }
    except Exception as exc:  # noqa: BLE001
        return {"error": f"DICOM header cannot be interpreted ({type(exc).__name__})"}


def _ds_text(ds: Dataset, keyword: str) -> str | None:
    """A DS value as written (the first of several), for the public tier's bands."""
    value = ds.get(keyword)
    if isinstance(value, (list, tuple, MultiValue)):
        value = value[0] if len(value) else None
    text = str(value if value is not None else "").strip()
    return text or None


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
    """De-identify one item and write it (runs in a worker).

    ``{"stats", "checksum", "source"}`` when written (``checksum``: of the bytes written,
    ``source``: of the bytes read; :mod:`curator.common.digests`);
    ``{"reused": True}`` when the output of an interrupted run is there with the journaled
    checksum ``expect``; ``{"error"}`` (the item is rejected: :data:`CHANGED` when its bytes
    are not those the header pass read, ``content``); ``{"fatal"}`` when the disk is full
    (the run stops)."""
    ref, context, dest_root, relpath, clean, extra, expect, content = task
    assert _ENGINE is not None and _FAST is not None
    target = os.path.join(dest_root, relpath)  # relpath: "/"-separated names without "." or ".."
    if expect is not None and matches(Path(target), expect):
        return {"reused": True}
    tmp = target + ".part"
    try:
        data = _read(ref)  # once: the bytes checked are the bytes de-identified
        source = chunks(data)  # the pixel data's chunk hashes serve the output's checksum too
        if content is not None and source.hexdigest() != content:
            return {"error": CHANGED}  # rewritten since the header pass: never a mix of two versions
        output, result = _deidentified(("bytes", data), context, clean, extra)
        if output is None:
            return result
        if "quarantined" in result:  # pixel cleaning could not make it safe: never in OUT
            if clean["quarantine"] is None:
                return {"quarantined": result["quarantined"]}
            target = os.path.join(clean["quarantine"], relpath)
            tmp = target + ".part"
            result["written_to_quarantine"] = True
        with _created(tmp) as handle:
            for part in output:
                handle.write(part)
        os.replace(tmp, target)
        return {**result, "checksum": parts_digest(output, source, data), "source": content}
    except FileNotFoundError as exc:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        if exc.filename is not None and str(exc.filename).startswith(str(dest_root)):
            return {"error": f"could not be de-identified ({type(exc).__name__})"}
        return {"error": VANISHED}
    except Exception as exc:  # noqa: BLE001 - one bad file never stops the run
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if is_no_space(exc):
            return {"fatal": NO_SPACE}
        if isinstance(exc, NotImplementedError):  # pydicom: a VR it does not know (bytes after the dataset, most often)
            return {"error": UNREADABLE_ELEMENT}
        return {"error": f"could not be de-identified ({type(exc).__name__})"}


# Folders of the output this process made (or found) already: a series' instances go to one
# folder, made once rather than asked for at each file.  Forgotten at once when full.
FOLDERS_REMEMBERED = 256
_FOLDERS: set[str] = set()


def _created(path: str) -> io.BufferedWriter:
    """``path`` opened for writing, its folders made first when this process has not made them
    yet (or when they were removed since)."""
    folder = os.path.dirname(path)
    if folder not in _FOLDERS:
        os.makedirs(folder, exist_ok=True)
        if len(_FOLDERS) >= FOLDERS_REMEMBERED:
            _FOLDERS.clear()
        _FOLDERS.add(folder)
    try:
        return open(path, "wb")
    except FileNotFoundError:  # removed since this process made it
        _FOLDERS.discard(folder)
        os.makedirs(folder, exist_ok=True)
        return open(path, "wb")


def _deidentified(ref: tuple[str, object], context: PatientContext, clean: dict | None,
                  extra: object) -> tuple[list[bytes | memoryview] | None, dict]:
    """The bytes of the de-identified instance, in consecutive parts, and ``{"stats"}``
    (plus ``"quarantined"``, a reason, when pixel cleaning left text-like regions), or
    ``None`` and ``{"error"}``."""
    assert _ENGINE is not None and _FAST is not None
    if not clean and not callable(extra):
        data = _read(ref)
        output: list[bytes | memoryview] | None
        try:
            output, stats = _FAST.deidentify_parts(data, context, extra)
        except PixelProblem as exc:
            return None, {"error": str(exc)}
        except Exception:  # noqa: BLE001 - anything unusual goes through pydicom
            output = None
        if output is not None:
            return output, {"stats": stats}
    ds = _open(ref, header_only=False)
    problem = _pixel_problem(ds)
    if problem:
        return None, {"error": problem}
    original_series = str(ds.get("SeriesInstanceUID", "") or "").strip()
    hook: object = extra  # a Dataset, a mapping, or per-instance elements (``for_instance``), as the fast path
    if callable(extra):
        def hook_of_series(d: Dataset) -> None:
            extra(original_series, d)

        hook = hook_of_series
    stats = _ENGINE.deidentify(ds, context, hook)
    result: dict = {"stats": stats}
    if clean:
        outcome = pixels.clean(ds)
        stats["pixel_text_regions_redacted"] += outcome.boxes
        stats["pixel_instances_cleaned"] += int(outcome.cleaned)
        if outcome.reason is not None:
            result["quarantined"] = outcome.reason
    if portable_text(ds):  # a character set no reader decodes: the text written in UTF-8
        stats["text_rewritten_in_utf8"] += 1
    buffer = io.BytesIO()
    ds.save_as(buffer, enforce_file_format=True)
    return [buffer.getvalue()], result


# --- orchestration ---------------------------------------------------------------


def _ref(item: Item) -> tuple[str, object]:
    """How a worker reaches an item: an absolute path (local, shared or URL) or its bytes."""
    if item.path is None:
        return ("bytes", item.read())
    return ("path", item.path if is_fsspec_url(item.path) else os.path.abspath(item.path))


def _scan_batch(tasks: list[tuple[int, tuple, bool]]) -> list[dict]:
    """Header facts of a batch of ``(position, ref, leak)`` (one round trip to a worker)."""
    return [_scan_one(ref, leak) for _, ref, leak in tasks]


def _scan_group(task: tuple[int, tuple, bool]) -> str | None:
    """The folder of a header pass task's file (where a series' files are, most often), ``None``
    for an item sent as its bytes (:func:`_batches`)."""
    kind, value = task[1]
    return os.path.dirname(value) if kind == "path" and isinstance(value, str) else None


def _write_group(task: tuple[int, str, tuple]) -> str | None:
    """The output folder of a writing pass task (its series), ``None`` for an item sent as
    its bytes (:func:`_batches`)."""
    ref, _, _, target = task[2][:4]
    return os.path.dirname(target) if ref[0] == "path" else None


def _write_batch(tasks: list[tuple[int, str, tuple]]) -> list[dict]:
    """De-identify a batch of ``(position, journal key, task)`` (one round trip to a worker)."""
    return [_write_one(task) for _, _, task in tasks]


def _batches(tasks: Iterable[tuple], size: int = BATCH, group: Callable[[tuple], str | None] | None = None,
             most: int = SERIES_BATCH) -> Iterator[list[tuple]]:
    """``tasks`` in lists of ``size``; with ``group`` (a task's series, or ``None`` for a task
    that is not to wait in a longer batch), a batch of ``size`` or more goes on while the
    tasks are of its series, up to ``most``."""
    batch: list[tuple] = []
    last: str | None = None
    for task in tasks:
        key = group(task) if group is not None else None
        if len(batch) >= size and key != last:  # a batch that went on for its series: at its end
            yield batch
            batch = []
        batch.append(task)
        last = key
        if len(batch) >= most or (len(batch) >= size and key is None):
            yield batch  # at once: the next task is not read before this batch is sent
            batch = []
    if batch:
        yield batch


def _map(fn: Callable[[list], list], tasks: Iterable[tuple], pool: Executor, crashed: Callable[[tuple], dict],
         in_flight: Callable[[], int] = lambda: IN_FLIGHT_PER_WORKER,
         group: Callable[[tuple], str | None] | None = None) -> Iterator[tuple[tuple, dict]]:
    """``(task, result)`` for each task, in batches as they complete, at most ``workers *
    in_flight()`` batches in flight (asked before each batch is sent); a task that kills its
    worker process gets ``crashed(task)`` (see :func:`curator.common.executors.tolerant_map`).
    ``group``: a task's series (:func:`_batches`), with more than one worker."""
    def window() -> int:
        return max(pool.workers * in_flight(), 1)

    batches = _batches(tasks, group=group if pool.workers > 1 else None)  # one process sees every series anyway
    for batch, results in tolerant_map(pool, fn, batches, crashed, window, ordered=False):
        yield from zip(batch, results)


def _enc(text: str | None) -> bytes | None:
    """Text as stored in the items table: UTF-8 bytes that keep lone surrogates (file names
    and decoded header values may hold them; sqlite3 refuses them as TEXT)."""
    return None if text is None else text.encode("utf-8", "surrogatepass")


@overload
def _dec(raw: bytes) -> str: ...
@overload
def _dec(raw: None) -> None: ...
def _dec(raw: bytes | None) -> str | None:
    return None if raw is None else raw.decode("utf-8", "surrogatepass")


def _open_items() -> sqlite3.Connection:
    """The per-instance state of a run, on disk (memory stays flat as the archive grows).

    One row per item of the source, keyed by its 0-based position in the sorted listing:
    relative path, its fingerprint when listed, rejection reason, header facts
    (``has_facts``), output name, the SHA-256 of the bytes the header pass read (``content``).  An anonymous SQLite database: pages beyond its small
    cache go to a temporary file that SQLite unlinks as soon as it opens it, so nothing is
    left behind, even by a killed run."""
    db = sqlite3.connect("")
    db.execute("PRAGMA journal_mode=OFF")
    db.execute(
        "CREATE TABLE items (position INTEGER PRIMARY KEY, relpath BLOB NOT NULL, fingerprint BLOB, reason BLOB,"
        " has_facts INTEGER NOT NULL DEFAULT 0, sop BLOB, study BLOB, series BLOB, patient BLOB,"
        " vals TEXT, age BLOB, sex BLOB, ethnic_group BLOB, size BLOB, weight BLOB, site BLOB, risk BLOB, target BLOB,"
        " content BLOB)"
    )
    return db


def _check_paths(source: str | os.PathLike[str], out_dir: Path, quarantine: Path | None) -> None:
    if out_dir.exists() and not out_dir.is_dir():
        raise CuratorError("the output path exists and is not a folder")
    if quarantine is not None:
        _check_quarantine(out_dir, quarantine)
    if is_dicomweb_spec(source):  # a server: only the local folders need checking
        return
    source_path = Path(os.fspath(source))
    if not source_path.exists():
        from curator.sources.local import missing_source

        raise CuratorError(missing_source(source_path))
    if is_inside(out_dir, source_path):
        raise CuratorError("the output folder must not be inside the source")
    if is_inside(source_path, out_dir):
        raise CuratorError("the source must not be inside the output folder")
    if quarantine is not None and is_inside(quarantine, source_path):
        raise CuratorError("the quarantine folder must not be inside the source")


# Files at the top of another run's output: a de-identified folder (its report, journal, lock)
# or a curator release (its MANIFEST).
_OTHER_OUTPUT = (REPORT_NAME, JOURNAL_NAME, LOCK_NAME, "MANIFEST")


def _check_quarantine(out_dir: Path, quarantine: Path) -> None:
    """The quarantine folder is outside OUT and can be made."""
    if is_inside(quarantine, out_dir) or is_inside(out_dir, quarantine):
        raise CuratorError("the quarantine folder must be outside the output folder")
    if _file_in_path(quarantine):  # made only when an instance goes there: checked before any work
        raise UnwritableError("cannot write the quarantine folder (a file, not a folder, is in its place)")


def _refuse_other_output(quarantine: Path) -> None:
    """The quarantine folder is no other run's output: its instances (pixels not screened, or
    text left after cleaning) never land among released ones."""
    if quarantine.is_dir() and any((quarantine / name).exists() for name in _OTHER_OUTPUT):
        raise CuratorError("the quarantine folder holds another run's output (a de-identified folder or a release): "
                           "quarantined instances would be mixed with released ones; choose another folder")


def _file_in_path(folder: Path) -> bool:
    """Whether ``folder``, or the nearest of its parents that exists, is not a folder."""
    for path in (folder, *folder.parents):
        if path.exists():
            return not path.is_dir()
    return False


def _check_output(out_dir: Path, journal: Path, settings: str, force: bool) -> None:
    """Refuse a non-empty OUT, unless it holds an interrupted run with the same settings
    (resumed) or ``force`` (write into it, keeping what is there).  A run never writes
    beside another run's output made with another key or other settings (an interrupted
    run's journal, or a finished run's report whose settings digest differs), even with
    ``force``: two pseudonym trees in one release."""
    if not out_dir.is_dir() or not any(entry.name != LOCK_NAME for entry in out_dir.iterdir()):
        return
    interrupted = written_with(journal, settings)
    if interrupted:
        return
    if interrupted is False or _finished_with_other_settings(out_dir / REPORT_NAME, settings):
        raise CuratorError("the output folder holds a de-identification run made with another key or other "
                           "settings; choose a new folder (runs are never mixed, not even with --force)")
    if not force:
        raise CuratorError("the output folder is not empty (use --force to write into it)")


def _finished_with_other_settings(report: Path, settings: str) -> bool:
    """Whether ``report`` is a finished run's report whose settings digest is not ``settings``
    (a report without one, from an older curator, counts as other settings)."""
    if not report.is_file():
        return False
    try:
        written = json.loads(report.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return False  # not a report of curator's: the folder's own file, kept
    if not isinstance(written, dict) or written.get("schema") != REPORT_SCHEMA:
        return False
    chosen = written.get("settings")
    return not isinstance(chosen, dict) or chosen.get("digest") != settings


def _settings_digest(profile: Profile, key: bytes, k: int, clean_pixels: bool, site_from: str, quarantine: bool,
                     extra_elements: ExtraElements, access: kanon.Access) -> str:
    """A keyed digest of what shapes the output bytes: a journal is trusted only by a run with the same."""
    from curator import __version__

    extra = "none" if extra_elements is None else ("callable" if callable(extra_elements) else "mapping")
    settings = {
        "profile": dataclasses.asdict(profile), "k": k, "clean_pixels": clean_pixels, "site_from": site_from,
        "quarantine": quarantine, "extra_elements": extra, "tool_version": __version__,
        "access": [access.tier, access.suppression],
    }
    if pixels.pixel_limit() != pixels.MAX_PIXELS:  # what is quarantined unscreened (the default: digests of earlier runs kept)
        settings["pixel_limit"] = pixels.pixel_limit()
    text = json.dumps(settings, sort_keys=True, default=str)
    return hmac.new(key, b"curator-deid-journal\0" + text.encode(), hashlib.sha256).hexdigest()


@dataclasses.dataclass(frozen=True)
class DeidOptions:
    """What shapes a de-identification run besides the source, OUT and the key.

    ``profile``: a profile name (``research``, ``strict``), a profile YAML file or a
    :class:`~curator.deid.profile.Profile`; ``recipe``: a pydicom/deid recipe on top of it.
    ``k``: k of k-anonymity; ``access``: the access tier (:class:`curator.deid.kanon.Access`,
    or its name ``public`` / ``restricted`` / ``non-public``, the default): k-anonymity is
    enforced for ``public`` releases, measured and reported for the others.
    ``workers``: local processes (default: all cores); ``scheduler``: a Dask scheduler
    address (``tcp://host:port``, default ``$CURATOR_SCHEDULER``): workers of the cluster
    de-identify; SOURCE and OUT must be on storage they share, the output is byte-identical
    to a local run.  ``quarantine``: the folder for instances at risk of burned-in text;
    ``clean_pixels``: black out detected text.  ``force``: write into a non-empty OUT.
    ``journal``: where the journal of a resumable run is kept (default
    ``OUT/.curator-deid-journal.jsonl``, deleted when the run completes).

    ``extra_elements``: elements added to each output dataset after de-identification,
    keyed by the *original* SeriesInstanceUID — either a mapping ``{series_uid: Dataset
    or {keyword: value}}`` or a picklable callable ``f(original_series_uid, ds)``.

    ``site_from`` (the site quasi-identifier of k-anonymity, as ``curator scan``):
    ``folder`` — the top folder of the item in the source, else its Institution Name;
    ``institution`` — the Institution Name.  Site labels stay in memory, never written.

    ``leak_digests``: the report also holds the leak record of the source
    (:func:`curator.deid.leakcheck.leak_record`: keyed digests of the patient identifier tokens
    of every readable item, their lengths, the key's fingerprint), computed in the header
    pass from the bytes it reads anyway (``curator publish`` stores it; no further pass
    over the source).

    ``listed_before``: for a caller that has just listed the same source (``curator publish``'s
    scan, :func:`curator.index.scan.listed_fingerprints`): the fingerprint of a plain file in
    that listing by relative path; a file unchanged since is not opened again to be listed
    (:meth:`curator.sources.base.Source.relisted`).  The items are the same.
    """

    profile: str | os.PathLike[str] | Profile = "research"
    recipe: str | os.PathLike[str] | None = None
    k: int = 5
    access: str | kanon.Access | None = None
    workers: int | None = None
    scheduler: str | None = None
    quarantine: str | os.PathLike[str] | None = None
    clean_pixels: bool = False
    force: bool = False
    journal: str | os.PathLike[str] | None = None
    extra_elements: ExtraElements = None
    site_from: str = "folder"
    leak_digests: bool = False
    listed_before: Callable[[str], str | None] | None = None


def deidentify(source: str | os.PathLike[str], out_dir: str | os.PathLike[str], key: bytes,
               options: DeidOptions | None = None) -> dict:
    """De-identify every instance of ``source`` into ``out_dir`` with ``key``; return the
    report, as written to ``OUT/deid-report.json`` (see :func:`deidentify_merging_sites`)."""
    return deidentify_merging_sites(source, out_dir, key, options)[0]


def deidentify_merging_sites(source: str | os.PathLike[str], out_dir: str | os.PathLike[str], key: bytes,
                             options: DeidOptions | None = None) -> tuple[dict, list[str]]:
    """De-identify every instance of ``source`` into ``out_dir`` with ``key``; return the
    report (``options``: :class:`DeidOptions`, the defaults when None) and the index study
    keys (:func:`curator.index.store.key`) of the studies whose site the public tier merged
    into :data:`kanon.GENERALISED_SITE` (for curator publish's tables; never written).

    Resumable: every instance written is recorded, with the SHA-256 of its bytes, in a
    journal (``options.journal``).  A run into an OUT that holds the journal of an
    interrupted run with the same settings skips the instances whose files still have
    their recorded checksum and writes the others again, so the output and the report are
    those of an uninterrupted run.  One run at a time per OUT (``OUT/.curator-deid.lock``);
    a second is refused.  A full disk stops the run with :class:`~curator.common.faults.NoSpaceError`.
    """
    options = options or DeidOptions()
    if options.site_from not in SITE_RULES:
        raise CuratorError(f"unknown site rule {options.site_from!r}; choose one of {', '.join(SITE_RULES)}")
    key = check_key(key)
    tier = kanon.access_of(options.access)
    if not isinstance(options.k, int) or options.k < 1:
        raise CuratorError("k must be a whole number of at least 1")
    if options.workers is not None and (not isinstance(options.workers, int) or options.workers < 1):
        raise CuratorError("workers must be a whole number of at least 1")
    check_workers(options.workers, options.scheduler)
    out_path = Path(os.fspath(out_dir))
    quarantine_path = Path(os.fspath(options.quarantine)) if options.quarantine is not None else None
    _check_paths(source, out_path, quarantine_path)
    chosen = options.profile if isinstance(options.profile, Profile) else load_profile(options.profile)
    if options.recipe is not None:
        chosen = apply_recipe(chosen, options.recipe)
    if options.clean_pixels:
        pixels.require_detector()
    pixels.pixel_limit()  # a bad $CURATOR_MAX_PIXELS is a usage error before anything is read
    settings = _settings_digest(chosen, key, options.k, options.clean_pixels, options.site_from,
                                quarantine_path is not None, options.extra_elements, tier)
    journal_path = Path(os.fspath(options.journal)) if options.journal is not None else out_path / JOURNAL_NAME
    refuse_links(out_path, "the output folder")  # before the lock file is made in it
    if quarantine_path is not None:
        refuse_links(quarantine_path, "the quarantine folder")
        _refuse_other_output(quarantine_path)
    with exclusive(out_path / LOCK_NAME, "this output folder"), disk_full_is_an_error("the output folder"):
        _check_output(out_path, journal_path, settings, options.force)
        run = _Run(source, out_path, quarantine_path, chosen, key, options, tier)
        report = run.execute(options.workers or os.cpu_count() or 1, options.scheduler, journal_path, settings)
        merged_studies = report.pop(MERGED_STUDIES)
        (out_path / REPORT_NAME).write_text(json.dumps(report, indent=2, sort_keys=True, allow_nan=False) + "\n", encoding="utf-8")
        if options.journal is None:
            journal_path.unlink(missing_ok=True)  # complete: nothing left to resume
    return report, merged_studies


def _check_accounting(written: int, quarantined: int, rejected: int, items: int) -> None:
    """Every item of the source is written, quarantined or rejected, exactly once."""
    if written + quarantined + rejected != items:
        raise InternalError(f"{written} written + {quarantined} quarantined + {rejected} rejected "
                            f"do not account for the {items} items of the source")


class _Rows:
    """The items table's rows by relative path, for a new listing of the source: read in
    chunks of ``size`` in position order (the order of the listing), one query per chunk
    rather than one per item; a path not in the chunks read so far (an item listed out of
    order) is looked up alone.  Rows are dropped once used: memory stays flat."""

    COLUMNS = "position, fingerprint, reason, has_facts, risk, series, patient, study, target, content"

    def __init__(self, items: sqlite3.Connection, size: int | None = None):
        self.items, self.size, self.next = items, size or ROWS_CHUNK, 0
        self.rows: dict[bytes, tuple] = {}
        self.end = items.execute("SELECT COALESCE(MAX(position) + 1, 0) FROM items").fetchone()[0]

    def get(self, relpath: bytes) -> tuple | None:
        row = self._peek(relpath)
        self.rows.pop(relpath, None)
        return row

    def fingerprint(self, relpath: str) -> str | None:
        """The fingerprint ``relpath`` had in the header pass's listing (``None``: not a plain
        item then), for :meth:`curator.sources.base.Source.relisted`; the row stays for :meth:`get`."""
        row = self._peek(relpath.encode("utf-8", "surrogatepass"))
        return None if row is None or row[1] is None else _dec(row[1])

    def _peek(self, relpath: bytes) -> tuple | None:
        row = self.rows.get(relpath)
        if row is None and self.next < self.end:
            self._read_chunk()
            row = self.rows.get(relpath)
        if row is None:
            row = self.items.execute(f"SELECT {self.COLUMNS} FROM items WHERE relpath = ?", (relpath,)).fetchone()
            if row is not None:
                self.rows[relpath] = row  # until get() takes it
        return row

    def _read_chunk(self) -> None:
        query = f"SELECT relpath, {self.COLUMNS} FROM items WHERE position >= ? AND position < ?"
        for relpath, *row in self.items.execute(query, (self.next, self.next + self.size)):
            self.rows[relpath] = tuple(row)
        self.next += self.size


class _Run:
    """One de-identification run: the header pass, the plan, the writing pass, the report."""

    def __init__(self, source: str | os.PathLike[str], out_path: Path, quarantine_path: Path | None, profile: Profile,
                 key: bytes, options: DeidOptions, access: kanon.Access):
        """``profile`` (with its recipe), ``quarantine_path`` and ``access`` as resolved from ``options``."""
        self.source, self.out_path, self.quarantine_path = source, out_path, quarantine_path
        self.profile, self.key, self.access = profile, key, access
        self.k, self.clean_pixels, self.site_from = options.k, options.clean_pixels, options.site_from
        self.extra_elements = options.extra_elements
        self.listed_before = options.listed_before
        # (digest, length) of the source's patient identifier tokens, when asked
        self.leak: set[tuple[str, int]] | None = set() if options.leak_digests else None
        self.pseudo = Pseudonymizer(key)
        self.engine: Engine | None = None  # the plan's view of the profile (see _ready_to_write)
        self._thaw: contextlib.ExitStack | None = None  # ends what execute keeps frozen
        self.conventions = freetext.ConventionCounter()  # site conventions of free text (pass 1)
        self.pixel_quarantined: list[tuple[int, str, bool]] = []  # (position, reason, written) of pixel cleaning

    def execute(self, workers: int, scheduler: str | None, journal_path: Path, settings: str) -> dict:
        """Both passes and the report.  Local worker processes are forked ready (they inherit
        what this process loaded): those of the header pass as soon as it can start, with what
        it reads (:func:`_init_scan`); this process then gets ready to write (engine, word
        lists: :meth:`_ready_to_write`) while they work, and the workers of the writing pass
        are forked from it ready.  One process, or a Dask cluster: ready to write first.
        What was loaded stays out of the cyclic collector's reach until the run ends."""
        with contextlib.ExitStack() as thaw:
            self._thaw = thaw
            return self._execute(workers, scheduler, journal_path, settings)

    def _execute(self, workers: int, scheduler: str | None, journal_path: Path, settings: str) -> dict:
        local = scheduler_address(scheduler) is None
        early = local and workers > 1  # the header pass's own workers, forked before the writing pass is ready
        if early:
            _init_scan(self.key, self.clean_pixels, leak=self.leak is not None)
        else:
            self._ready_to_write(local)
        journal: Journal | None = None
        with quiet_pydicom(), contextlib.closing(_open_items()) as items, contextlib.ExitStack() as stack:
            self.items = items
            if early:
                scan_args = (self.key, self.clean_pixels, self.leak is not None)
                with make_executor(workers, None, initializer=_init_scan_worker, initargs=scan_args) as scan_pool:
                    item_count = self._scan(scan_pool, IN_FLIGHT_WHILE_LOADING)
            pool = stack.enter_context(self._pool(workers, scheduler))
            if not early:
                item_count = self._scan(pool)
            self._reject_duplicates()
            assert self.engine is not None  # made ready by the header pass at the latest
            plan = _plan(items, self.pseudo, self.engine, self.k, self.site_from, self.access)
            _with_conventions(plan, self.conventions.result())
            self.out_path.mkdir(parents=True, exist_ok=True)
            if self.quarantine_path is not None:
                with disk_full_is_an_error("the quarantine folder"):
                    self.quarantine_path.mkdir(parents=True, exist_ok=True)
            journal = Journal.open(journal_path, settings)
            stack.callback(journal.close)
            totals, written_by_record = self._write(pool, plan, journal, item_count)
            self._drop_stale(journal)
            quarantined, rejected = self._outcomes()
        report = self._report(item_count, written_by_record, totals, quarantined, rejected, plan, settings)
        if self.leak is not None:
            from curator.deid.leakcheck import record_of

            report.update(record_of(self.leak, self.key))
        _check_accounting(report["counts"]["written"], len(quarantined), len(rejected), item_count)
        return report

    def _ready_to_write(self, local: bool = True) -> None:
        """The plan's engine, and (``local``) this process ready to de-identify, once: local
        workers forked after it inherit it all (see :func:`_init_worker`)."""
        if self.engine is not None:
            return
        with gc_paused():
            self.engine = Engine(self.profile, self.key, clean_pixels=self.clean_pixels)  # the plan's view of the profile
        if local:
            _init_worker(self.profile, self.key, self.clean_pixels, engine=self.engine)
        if self._thaw is not None:  # all of it lives as long as the run: frozen until it ends (its
            self._thaw.enter_context(gc_frozen())  # collections then never traverse it again)

    def _pool(self, workers: int, scheduler: str | None) -> Executor:
        """The executor of the writing pass (and of both passes unless local workers)."""
        initargs = (self.profile, self.key, self.clean_pixels, True)
        pool: Executor = make_executor(workers, scheduler, initializer=_init_worker, initargs=initargs)
        if pool.kind == "serial":  # this process, already ready (its initializer would silence pydicom for good)
            pool.shutdown()
            pool = SerialExecutor()
        elif pool.kind == "dask":
            self.out_path = self.out_path.resolve()  # workers write the output: give them absolute paths
            self.quarantine_path = self.quarantine_path.resolve() if self.quarantine_path is not None else None
        return pool

    def _scan(self, pool: Executor, in_flight: int = IN_FLIGHT_PER_WORKER) -> int:
        """Pass 1: headers (per-instance facts go to the on-disk table, not to memory).  This
        process gets ready to write at its first result, if not yet (``in_flight`` batches per
        worker keep the workers busy meanwhile, as long as the items sent are paths: an item
        sent as its bytes, an archive member, brings the window back to its usual size)."""
        items = self.items
        inline = [False]  # an item was sent as its bytes

        def window() -> int:
            return in_flight if self.engine is None and not inline[0] else IN_FLIGHT_PER_WORKER

        def reject(position: int, relpath: str, reason: str) -> None:
            items.execute("INSERT INTO items (position, relpath, reason) VALUES (?, ?, ?)", (position, _enc(relpath), _enc(reason)))

        def scan_tasks() -> Iterator[tuple[int, tuple[str, object], bool]]:
            source = open_source(self.source)
            listing = source.items() if self.listed_before is None else source.relisted(self.listed_before)
            for position, thing in enumerate(listing):
                if isinstance(thing, Rejection):
                    reject(position, thing.relpath, thing.reason)
                    continue
                try:
                    ref = _ref(thing)
                except FileNotFoundError:
                    reject(position, thing.relpath, VANISHED)
                    continue
                except OSError as exc:
                    reject(position, thing.relpath, f"cannot be read ({exc.strerror or 'OS error'})")
                    continue
                items.execute(
                    "INSERT INTO items (position, relpath, fingerprint) VALUES (?, ?, ?)",
                    (position, _enc(thing.relpath), _enc(thing.fingerprint)),
                )
                inline[0] = inline[0] or ref[0] == "bytes"
                yield position, ref, self.leak is not None

        def crashed(task: tuple) -> dict:
            return {"error": "reader process crashed on this file"}

        for (position, *_), facts in _map(_scan_batch, scan_tasks(), pool, crashed, window, _scan_group):
            self._ready_to_write()
            if self.leak is not None:
                self.leak.update(map(tuple, facts.get("leak", ())))
            if "error" in facts:
                items.execute("UPDATE items SET reason = ? WHERE position = ?", (_enc(facts["error"]), position))
            else:
                for tag, text in facts.get("texts", {}).items():
                    self.conventions.add(tag, facts["patient"], facts["site"], _convention_text(text, facts["values"]))
                items.execute(
                    "UPDATE items SET has_facts = 1, sop = ?, study = ?, series = ?, patient = ?, vals = ?,"
                    " age = ?, sex = ?, ethnic_group = ?, size = ?, weight = ?, site = ?, risk = ?, content = ?"
                    " WHERE position = ?",
                    (
                        *(_enc(facts[name]) for name in ("sop", "study", "series", "patient")),
                        json.dumps(sorted(facts["values"])),
                        *(_enc(facts.get(name)) for name in ("age", "sex", "ethnic_group", "size", "weight", "site", "risk")),
                        _enc(facts.get("content")),
                        position,
                    ),
                )
        self._ready_to_write()
        items.execute("CREATE INDEX items_relpath ON items (relpath)")
        items.commit()
        return items.execute("SELECT COUNT(*) FROM items").fetchone()[0]

    def _reject_duplicates(self) -> None:
        """Of the instances sharing a SOP Instance UID one is kept, chosen by content, not by
        listing order: the one whose bytes have the smallest SHA-256 (the first listed when
        the bytes are equal); the others are rejected with a reason naming the kept item.
        Only the items of such groups are read again (duplicates are rare)."""
        groups: dict[str, list[int]] = defaultdict(list)
        for sop, position in self.items.execute(
            "SELECT sop, position FROM items WHERE has_facts = 1 AND sop IN"
            " (SELECT sop FROM items WHERE has_facts = 1 GROUP BY sop HAVING COUNT(*) > 1) ORDER BY position"
        ):
            groups[_dec(sop)].append(position)
        if not groups:
            return
        digests = self._digests({position for positions in groups.values() for position in positions})
        for positions in groups.values():
            ranked = sorted(positions, key=lambda position: (position not in digests, digests.get(position, ""), position))
            kept = ranked[0]
            for position in ranked[1:]:
                reason = _duplicate_reason(kept + 1, self.pseudo.ref(self._relpath(kept)), digests.get(position), digests.get(kept))
                self.items.execute("UPDATE items SET reason = ?, has_facts = 0 WHERE position = ?", (_enc(reason), position))
        self.items.commit()

    def _digests(self, positions: set[int]) -> dict[int, str]:
        """SHA-256 of the bytes of the items at ``positions`` (those that can be read again)."""
        wanted = {self.items.execute("SELECT relpath FROM items WHERE position = ?", (position,)).fetchone()[0]: position
                  for position in positions}
        digests: dict[int, str] = {}
        for thing in open_source(self.source).relisted(_Rows(self.items).fingerprint):
            position = wanted.get(thing.relpath.encode("utf-8", "surrogatepass"))
            if position is None or isinstance(thing, Rejection):
                continue
            try:
                digests[position] = hashlib.sha256(thing.read()).hexdigest()
            except Exception:  # noqa: BLE001 - vanished or unreadable since pass 1: not kept when another can be
                continue
        return digests

    def _write_tasks(self, plan: dict, journal: Journal, listed: bytearray) -> Iterator[tuple[int, str, tuple]]:
        """``(position, journal key, task)`` of each instance to write, found again by its
        relative path in a new listing of the source.  An item changed since the header pass
        is rejected; one added since is not part of this run; one gone is found by the caller."""
        items = self.items
        rows = _Rows(items)
        for thing in open_source(self.source).relisted(rows.fingerprint):  # unchanged files not opened to be listed
            row = rows.get(thing.relpath.encode("utf-8", "surrogatepass"))
            if row is None:
                continue  # added during the run
            position = row[0]
            listed[position] = 1
            fingerprint, reason, has_facts, risk, series, patient, study, target, content = (
                _dec(v) if isinstance(v, bytes) else v for v in row[1:])
            if not has_facts or reason is not None:
                continue
            if isinstance(thing, Rejection) or thing.fingerprint != fingerprint:
                items.execute("UPDATE items SET reason = ? WHERE position = ?", (_enc(CHANGED), position))
                continue
            if risk and not self.clean_pixels:
                if self.quarantine_path is None:
                    continue
                dest = self.quarantine_path
            else:
                dest = self.out_path
            extra: object
            if callable(self.extra_elements):
                extra = self.extra_elements
            elif self.extra_elements is not None:
                extra = self.extra_elements.get(series)
            else:
                extra = None
            journal_key = _journal_key(dest is self.out_path, target)
            entry = journal.entries.get(journal_key, {})
            # an interrupted run's output is reused only when made from these very bytes
            expect = entry.get("checksum") if content is not None and entry.get("info", {}).get("source") == content else None
            try:
                ref = _ref(thing)
            except FileNotFoundError:
                items.execute("UPDATE items SET reason = ? WHERE position = ?", (_enc(VANISHED), position))
                continue
            context = plan["contexts"][(patient, study)]
            clean = {"quarantine": None if self.quarantine_path is None else str(self.quarantine_path)} if self.clean_pixels else None
            self.in_flight[position] = (patient, study)
            yield position, journal_key, (ref, context, str(dest), target, clean, extra, expect, content)

    def _write(self, pool: Executor, plan: dict, journal: Journal, item_count: int) -> tuple[Counter, Counter]:
        """Pass 2: write every instance (or reuse its journaled output); the action totals and
        the count written per (patient, study)."""
        items = self.items
        totals: Counter = Counter()
        written_by_record: Counter = Counter()
        listed = bytearray(item_count)

        def crashed(task: tuple) -> dict:
            _, _, (_, _, dest, target, *_) = task
            with contextlib.suppress(OSError):
                (Path(dest) / (target + ".part")).unlink(missing_ok=True)
            return {"error": "de-identification process crashed on this file"}

        self.in_flight: dict[int, tuple[str, str]] = {}  # (patient, study) of the tasks sent, until their result
        tasks = self._write_tasks(plan, journal, listed)
        for (position, journal_key, _task), result in _map(_write_batch, tasks, pool, crashed, group=_write_group):
            record = self.in_flight.pop(position)
            if "fatal" in result:
                raise NoSpaceError(no_space_message("the output folder"))
            if "error" in result:
                items.execute("UPDATE items SET reason = ? WHERE position = ?", (_enc(result["error"]), position))
                continue
            if "quarantined" in result:  # pixel cleaning could not make it safe
                self.pixel_quarantined.append((position, result["quarantined"], bool(result.get("written_to_quarantine"))))
                continue
            if result.get("reused"):
                stats = journal.entries[journal_key]["info"].get("stats", {})
            else:
                stats = result["stats"]
                journal.record(journal_key, result["checksum"], {"stats": stats, "source": result.get("source")})
            totals.update(stats)
            if journal_key.startswith("out:"):
                written_by_record[record] += 1
        gone = [
            (_enc(VANISHED), position)
            for (position,) in items.execute("SELECT position FROM items WHERE has_facts = 1 AND reason IS NULL")
            if not listed[position]
        ]
        items.executemany("UPDATE items SET reason = ? WHERE position = ?", gone)
        items.commit()
        return totals, written_by_record

    def _drop_stale(self, journal: Journal) -> None:
        """Delete what an interrupted run wrote for an item this run does not write (deleted,
        changed or rejected since): the output then holds exactly this run's instances."""
        if not journal.entries:
            return
        current = {
            _journal_key(not (risk and not self.clean_pixels), _dec(target))
            for risk, target in self.items.execute("SELECT risk, target FROM items WHERE has_facts = 1 AND reason IS NULL")
        }
        for key in journal.entries.keys() - current:
            kind, _, target = key.partition(":")
            folder = self.out_path if kind == "out" else self.quarantine_path
            if folder is not None:
                (folder / target).unlink(missing_ok=True)

    def _outcomes(self) -> tuple[list[dict], list[dict]]:
        """The quarantined and the rejected items of the report, in source order."""
        quarantined: list[dict] = [
            {"position": position + 1, "source_ref": self.pseudo.ref(self._relpath(position)), "reason": reason, "written_to_quarantine": written}
            for position, reason, written in self.pixel_quarantined
        ]
        if not self.clean_pixels:
            for position, relpath, risk in self.items.execute(
                "SELECT position, relpath, risk FROM items WHERE has_facts = 1 AND reason IS NULL"
                " AND risk IS NOT NULL ORDER BY position"
            ):
                if risk:
                    quarantined.append(
                        {
                            "position": position + 1,
                            "source_ref": self.pseudo.ref(_dec(relpath)),
                            "reason": _dec(risk),
                            "written_to_quarantine": self.quarantine_path is not None,
                        }
                    )
        rejected = [
            {"position": position + 1, "source_ref": self.pseudo.ref(_dec(relpath)), "reason": _dec(reason)}
            for position, relpath, reason in self.items.execute(
                "SELECT position, relpath, reason FROM items WHERE reason IS NOT NULL ORDER BY position"
            )
        ]
        return sorted(quarantined, key=lambda entry: entry["position"]), rejected

    def _relpath(self, position: int) -> str:
        return _dec(self.items.execute("SELECT relpath FROM items WHERE position = ?", (position,)).fetchone()[0])

    def _report(self, item_count: int, written_by_record: Counter, totals: Counter, quarantined: list[dict], rejected: list[dict],
                plan: dict, settings: str) -> dict:
        chosen = self.profile
        return {
            "schema": REPORT_SCHEMA,
            "profile": {
                "name": chosen.name,
                "options": list(chosen.options),
                "method_codes": chosen.option_codes()
                + ([dict(pixels.CLEAN_PIXEL_CODE)] if totals["pixel_instances_cleaned"] else []),
                "overrides": len(chosen.overrides) + len(chosen.replace) + len(chosen.add),
                "user_recipe": chosen.recipe is not None,
            },
            "settings": {
                "k": self.k, "clean_pixels": self.clean_pixels, "quarantine_folder": self.quarantine_path is not None,
                "site_from": self.site_from, "access": self.access.tier, "max_suppression": self.access.suppression,
                "digest": settings,  # the keyed settings digest: deid --force checks it (_check_output)
            },
            "counts": {
                "items": item_count,
                "written": sum(written_by_record.values()),
                "quarantined": len(quarantined),
                "rejected": len(rejected),
                "patients": plan["patients"],
                "studies": plan["studies"],
                "series": plan["series"],
            },
            "actions": {name: totals[name] for name in sorted(totals)},
            "demographics": _demographics(plan, written_by_record, bool(self.engine and self.engine.keep_age)),
            "k_anonymity": plan["k_anonymity"],
            MERGED_STUDIES: plan["merged_studies"],
            "patient_identity": plan["patient_identity"],
            "quarantined": quarantined,
            "rejected": rejected,
        }


@lru_cache(maxsize=4096)
def _convention_text(text: str, values: frozenset[str]) -> str | None:
    """A free text of the header pass without the patient's identifier values
    (:func:`curator.deid.scrub.scrub_text`), remembered: every instance of a series repeats
    its descriptions, and every instance of a patient the same values (bounded: memory
    stays flat)."""
    return scrub_text(text, values)


def _journal_key(in_output: bool, target: str) -> str:
    return ("out:" if in_output else "quarantine:") + target


def _with_conventions(plan: dict, conventions: Mapping[int | str, frozenset[str]]) -> None:
    """Give every patient context the site conventions of free text (curator.deid.freetext)."""
    if conventions:
        by_tag = {int(tag): words for tag, words in conventions.items()}
        plan["contexts"] = {key: dataclasses.replace(context, conventions=by_tag) for key, context in plan["contexts"].items()}


def _site(relpath: str, institution: str | None, rule: str) -> str | None:
    if rule == "folder":
        parts = relpath.replace("!/", "/").split("/")
        if len(parts) > 1:
            return "folder:" + parts[0]
    return ("institution:" + institution) if institution else None


def _duplicate_reason(kept: int, kept_ref: str, digest: str | None, kept_digest: str | None) -> str:
    """Why an instance is rejected as a duplicate: which item (1-based position and source
    reference, as in the report) is kept instead, and whether the bytes are the same."""
    where = f"item {kept} (source_ref {kept_ref}) is kept"
    if digest is not None and digest == kept_digest:
        return f"duplicate instance: same SOP Instance UID and same bytes as another item; {where}"
    if digest is None or kept_digest is None:
        return f"duplicate SOP Instance UID; its bytes could not be read again to compare them; {where}"
    return (f"duplicate SOP Instance UID with different content; {where} (of the instances sharing a SOP Instance UID, "
            "the one whose bytes have the smallest SHA-256, whatever the order of the listing)")


ROWS_CHUNK = 512  # rows of the items table held at a time by the write pass (_Rows)
PLAN_CHUNK = 2000  # rows of the items table read (and output names written) at a time


def _unreachable(records: list[kanon.Record], k: int) -> str:
    """Why the public tier refuses: even all sites merged into one (kanon.merge_sites) hold
    fewer than ``k`` patients, whose studies the release would single out whatever else is
    removed.  Counts only: a site label may be a person's name."""
    patients: dict[str, set[str]] = defaultdict(set)
    for record in records:
        patients[record.site or ""].add(record.patient)
    everyone = len({r.patient for r in records})
    sites = f"all {len(patients)} sites together hold" if len(patients) > 1 else "its one site holds"
    return (f"public tier: k-anonymity (k={k}) cannot be reached: the source has {everyone} patients, fewer than {k} "
            f"even with every site merged ({sites} {everyone}); nothing was written. Lower --k to {everyone} or "
            "below, or choose the restricted tier (deid --access restricted; publish: access_rights RESTRICTED "
            "in release.yaml)")


def _plan(db: sqlite3.Connection, pseudo: Pseudonymizer, engine: Engine, k: int, site_from: str = "folder",
          access: kanon.Access | None = None) -> dict:
    """Per-patient identifier values, k-anonymity, output names.

    ``db`` is the items table of the run (see :func:`_open_items`), its duplicates already
    rejected (:meth:`_Run._reject_duplicates`); each remaining row gets its output name and
    its study's patient (:mod:`curator.analyses.patient_identity`), in the table;
    per-patient and per-study state stays here."""
    access = access or kanon.Access()
    db.execute("CREATE INDEX items_sop ON items (sop, position)")
    identity, named = _resolve_patients(db, site_from)
    values: dict[str, set[str]] = defaultdict(set)
    records: dict[tuple[str, str], kanon.Record] = {}
    series: set[str] = set()
    last = -1
    while True:
        rows = db.execute(
            "SELECT position, relpath, sop, study, series, patient, vals, age, sex, ethnic_group, size, weight, site"
            " FROM items WHERE has_facts = 1 AND position > ? ORDER BY position LIMIT ?",
            (last, PLAN_CHUNK),
        ).fetchall()
        if not rows:
            break
        targets = []
        for row in rows:
            position, vals = row[0], row[6]
            relpath, sop, study, series_uid, own_key = map(_dec, row[1:6])
            age, sex, ethnic_group, size, weight, site = map(_dec, row[7:])
            place = _site(relpath, site, site_from)
            own_key = named(place, own_key)  # an instance without issuer: linked, per site, or as it is
            patient_key = identity.patient(study, own_key)
            values[patient_key].update(json.loads(vals))
            series.add(series_uid)
            record_key = (patient_key, study)
            record = records.get(record_key)
            if record is None:
                record = records[record_key] = kanon.Record(patient_key, study, None, None, None, place)
            _fill(record, own_key == patient_key,
                  {"age": age, "sex": sex, "ethnic_group": ethnic_group, "size": size, "weight": weight})
            patient = pseudo.patient(patient_key)
            target = "/".join(
                (
                    patient,
                    short_hash(pseudo.uid(study or f"study-of-{sop}")),
                    short_hash(pseudo.uid(series_uid or f"series-of-{sop}")),
                    short_hash(pseudo.instance_uid(sop), 24) + ".dcm",
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
        if access.enforced and not summary["after"]["satisfied"]:
            raise CuratorError(_unreachable(record_list, k))
    else:
        summary = {"applied": False, "k": k, "access": access.tier, "reason": "patient characteristics are not kept by this profile"}
        if access.enforced:  # site alone is then the quasi-identifier: its small sites merge all the same
            summary["site_generalization"] = kanon.merge_small_sites(record_list, k)
            if not summary["site_generalization"]["possible"]:
                raise CuratorError(_unreachable(record_list, k))
    # the studies whose site was generalised, by the index's study key (curator publish
    # relabels their site in its tables and reports); kept out of deid-report.json
    merged_studies = _study_keys(r.study for r in record_list if "source_site" in r.extra)
    contexts = {}
    for record in record_list:
        demo: dict[int, str | None] = {}
        note = ""
        if engine.keep_age:
            kept = kanon.released(record)
            demo[TAG_PATIENT_AGE] = kept["age"]
            demo[TAG_PATIENT_SEX] = kept["sex"] or ""  # type 2: present, empty when unknown or removed
            demo[TAG_ETHNIC_GROUP] = kept["ethnic_group"]
            if access.enforced:  # the controlled tiers keep every instance's size and weight as written
                demo[TAG_PATIENT_SIZE] = kept["size"]
                demo[TAG_PATIENT_WEIGHT] = kept["weight"]
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
        "merged_studies": merged_studies,
    }


def _study_keys(studies: Iterable[str]) -> list[str]:
    """The index's keys (curator.index.store.key, imported only when needed) of ``studies``."""
    studies = set(studies)
    if not studies:
        return []
    from curator.index.store import key

    return sorted(key("study", study) for study in studies)


def _resolve_patients(
    db: sqlite3.Connection, site_from: str
) -> tuple[patient_identity.Resolution, Callable[[str | None, str], str]]:
    """One patient per study (:mod:`curator.analyses.patient_identity`), from the items table,
    after the instances without issuer are linked (``link_issuers``)."""
    placed: Counter[tuple[str, str | None, str]] = Counter()  # (patient, site, study) -> instances
    # grouped in SQL by the top folder (the path up to its first '/', UTF-8 bytes), all _site reads of it
    for top, site, patient, study, n in db.execute(
        "SELECT substr(relpath, 1, instr(relpath, X'2F')) AS top, site, patient, study, COUNT(*) FROM items"
        " WHERE has_facts = 1 GROUP BY top, site, patient, study"
    ):
        placed[(_dec(patient) or "", _site(_dec(top) + "-", _dec(site), site_from), _dec(study) or "")] += n
    named_keys = set()
    for patient, place, _ in placed:
        kind, _, rest = patient.partition("\0")
        issuer, _, person = rest.partition("\0")
        named_keys.add((place or "", person if kind == "id" and person else None, issuer or None, patient))
    links = patient_identity.link_issuers(sorted(named_keys, key=lambda r: tuple(v or "" for v in r)))
    named = links.named  # an instance without issuer: linked, per site, or as it is
    counts: Counter[tuple[str, str]] = Counter()
    for (patient, place, study), n in placed.items():
        counts[(study, named(place, patient))] += n
    resolution = patient_identity.resolve(((study, patient, n) for (study, patient), n in sorted(counts.items())), _person_of)
    resolution.links = links
    return resolution, named


def _person_of(patient_key: str) -> str:
    """The person a patient key names whatever the issuer (``id\0issuer\0PatientID``, and
    the site of a PatientID without issuer named per site)."""
    patient_key = patient_key.split(patient_identity.SITE_SCOPE)[0]
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
