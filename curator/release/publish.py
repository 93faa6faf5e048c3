"""``curator publish``: one command from an archive to a FAIR release.

scan → audit (normalization, provenance) → de-identify (with the RadLex codes written in)
→ read back what was released → series table, FHIR, catalogue (DCAT-AP / HealthDCAT-AP),
Croissant, reports → MANIFEST.

Everything is written into a staging folder beside OUT (``.OUT.partial``) and renamed to
OUT at the end, so a killed run never leaves half a release; running the same command
again resumes (instances already de-identified are not redone) and gives byte-identical
output.  The release date (FHIR Provenance ``recorded``) is fixed on the first run.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import shutil
from collections import Counter
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from curator import __version__
from curator.analyses.audit import AUDIT_COLUMNS, build_report, to_json
from curator.release.catalog import (
    ColumnInfo,
    DistributionInfo,
    ReleaseSummary,
    RunProvenance,
    is_http_url,
    is_release_id,
    write_catalog,
)
from curator.release.croissant import write_croissant
from curator.common.csvcell import safe_frame
from curator.deid.kanon import GENERALISED_SITE, Access, access_of, summary_line
from curator.deid.pseudonyms import Pseudonymizer, check_key
from curator.deid.run import DeidOptions, deidentify_merging_sites
from curator.sources.base import is_dicomweb_spec
from curator.errors import CuratorError
from curator.common.executors import check_workers
from curator.common.faults import disk_full_is_an_error, exclusive, refuse_links, write_whole
from curator.release.fhir_export import write_fhir
from curator.analyses.harmonization import covariate_table, write_batches_csv
from curator.index.store import key as make_key, seed_salt
from curator.release.manifest import MANIFEST_NAME, release_files, read_manifest, write_manifest
from curator.normalize import SeriesCodes, series_codes
from curator.analyses.pipeline import audit_settings
from curator.release.provenance import prov_graph
from curator.release.config import ReleaseConfig, load_release_config
from curator.release.table import (
    SERIES_COLUMNS,
    fhir_rows,
    read_instances,
    series_table,
    typical_age_range,
)
from curator.report.render import render
from curator.resources import mappings_dir, ontologies_dir
from curator.index.scan import listed_fingerprints, scan_source
from curator.common.slug import slug
from curator.sources.base import is_inside

STAGING_PREFIX = "."
STAGING_SUFFIX = ".partial"
STATE_FILE = "publish-state.json"  # in the staging folder only, never in the release
LOCK_NAME = "publish.lock"  # in the staging folder, held by the run that uses it


@dataclass(frozen=True)
class PublishOptions:
    """What shapes a release besides the source, the key and release.yaml."""

    profile: str = "research"
    k: int = 5
    fhir_version: str = "R4B"
    workers: int | None = None
    site_from: str = "folder"
    overrides: tuple[Path, ...] = ()
    provenance: tuple[Path, ...] = ()
    batch_threshold: int = 30
    release_id: str | None = None
    release_date: str | None = None  # YYYY-MM-DD; default: the day of the first run
    dicomweb_url: str | None = None
    scheduler: str | None = None  # Dask scheduler address; None: local processes
    access: str | None = None  # public | restricted | non-public; None: release.yaml access_rights
    max_suppression: float | None = None  # public tier; None: mappings/privacy/generalization.yaml


class _CodesBySeries(Mapping):
    """``extra_elements`` for the de-identification: RadLex codes per series (``SeriesCodes``).

    Looked up with the *original* Series Instance UID (in the main process); keeps the
    pairing original series key → released series UID for the series table.
    """

    def __init__(self, elements: dict, key: bytes):
        self._elements = elements
        self._pseudo = Pseudonymizer(key)
        self.released: dict[str, str] = {}

    def get(self, uid, default=None):
        series_key = make_key("series", str(uid).strip())
        self.released[series_key] = self._pseudo.uid(str(uid))
        return self._elements.get(series_key, default)

    def __getitem__(self, uid):
        value = self.get(uid)
        if value is None:
            raise KeyError(uid)
        return value

    def __iter__(self):
        return iter(())

    def __len__(self):
        return len(self._elements)


def _settings_hash(options: PublishOptions, config_text: str) -> str:
    settings = {k: (list(map(str, v)) if isinstance(v, tuple) else v) for k, v in asdict(options).items() if k not in ("workers", "scheduler")}
    settings["config"] = hashlib.sha256(config_text.encode()).hexdigest()
    settings["tool_version"] = __version__
    return hashlib.sha256(json.dumps(settings, sort_keys=True, default=str).encode()).hexdigest()


def _tree_hash(folder: Path) -> str:
    h = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        h.update(path.relative_to(folder).as_posix().encode() + b"\0" + hashlib.sha256(path.read_bytes()).digest())
    return h.hexdigest()[:16]


def _radlex_version() -> str:
    text = (ontologies_dir() / "radlex" / "VERSION").read_text(encoding="utf-8")
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            return line[:80]
    return "unknown"


def check_locations(source: Path | str, out: Path, force: bool) -> Path:
    """The staging folder of ``out``; refuses an OUT inside SOURCE or an existing release."""
    local: Path | None = None if is_dicomweb_spec(source) else Path(source)
    if local is not None and not local.exists():
        raise CuratorError("source not found")
    if local is not None and (is_inside(out, local) or (local.is_dir() and is_inside(local, out))):
        raise CuratorError("the release folder must not be inside the source (nor the source inside it)")
    if out.exists() and not out.is_dir():
        raise CuratorError("OUT is a file, not a folder: give a new or empty folder (a file is never replaced)")
    if out.is_dir() and any(out.iterdir()):
        problem = _not_a_release(out)
        if problem:
            raise CuratorError(f"OUT is a non-empty folder that is not a curator release ({problem}): "
                               "refusing to replace it; give a new or empty folder")
        if not force:
            raise CuratorError("a release already exists at OUT (use --force to replace it)")
    return out.with_name(STAGING_PREFIX + out.name + STAGING_SUFFIX)


def _not_a_release(folder: Path) -> str | None:
    """Why ``folder`` is not a curator release that ``--force`` may replace (None: it is one).

    A release has its MANIFEST, listing catalog.ttl, and nothing besides what MANIFEST
    lists: a file someone added is never deleted with the release.
    """
    if not (folder / MANIFEST_NAME).is_file():
        return "no MANIFEST"
    try:
        listed = read_manifest(folder / MANIFEST_NAME)
        present = release_files(folder)
    except CuratorError:
        return "its MANIFEST or files cannot be read as a release's"
    if "catalog.ttl" not in listed:
        return "its MANIFEST lists no catalog.ttl"
    if set(present) - set(listed):
        return "it holds files its MANIFEST does not list"
    return None


def check_options(options: PublishOptions, config: ReleaseConfig) -> None:
    """Refuse bad options before any work (nothing is scanned or staged before this passes)."""
    if options.release_date is not None:
        try:
            ok = bool(re.fullmatch(r"\d{4}-\d{2}-\d{2}", options.release_date)) and bool(date.fromisoformat(options.release_date))
        except ValueError:
            ok = False
        if not ok:
            raise CuratorError("--release-date must be a date YYYY-MM-DD")
    if options.release_id is not None and not is_release_id(options.release_id):
        raise CuratorError("--release-id must be a short slug starting with a letter (letters, digits, . _ -; no UID or date)")
    if not is_release_id(_slug_release(options, config)):
        raise CuratorError("the release identifier made from the title and version of release.yaml is not a valid slug: give --release-id")
    if options.dicomweb_url is not None and not is_http_url(options.dicomweb_url):
        raise CuratorError("--dicomweb-url must be an http(s) URL naming no user or password (it is published in the catalogue)")
    if options.k < 1 or options.batch_threshold < 1 or (options.workers is not None and options.workers < 1):
        raise CuratorError("--k, --batch-threshold and --workers must be at least 1")
    check_workers(options.workers, options.scheduler)
    audit_settings(None, options.overrides, options.provenance, options.batch_threshold, options.k)  # unreadable files refused now


def publish(source: str | os.PathLike[str], out: str | os.PathLike[str], key: bytes, config_path: str | os.PathLike[str],
            options: PublishOptions | None = None, force: bool = False, index_path: Path | None = None) -> dict[str, Any]:
    """Cut a release of ``source`` into ``out``; return a summary of what was written.

    One run at a time per OUT: a second run is refused (:class:`~curator.common.faults.RunLocked`)
    while the first holds the lock in its staging folder.  A full disk stops the run with
    :class:`~curator.common.faults.NoSpaceError`; the staging folder is kept, and the same
    command resumes."""
    options = options or PublishOptions()
    key = check_key(key)
    source_path = os.fspath(source) if is_dicomweb_spec(source) else Path(os.fspath(source))
    out_path = Path(os.fspath(out))
    if options.fhir_version not in ("R4B", "R5"):
        raise CuratorError("--fhir-version must be R4B (FHIR R4) or R5")
    config_file = Path(os.fspath(config_path))
    if not config_file.exists():
        raise CuratorError(f"release configuration not found: {config_file.name} (see examples/release.yaml)")
    if not config_file.is_file():  # a FIFO or a device is never read (it could wait or never end)
        raise CuratorError(f"release configuration is not a regular file (a folder, a FIFO or a device): {config_file.name}")
    config = load_release_config(config_file)
    check_options(options, config)
    staging = check_locations(source_path, out_path, force)
    refuse_links(staging, "the release's staging folder")  # an interrupted run's, resumed: written into
    with disk_full_is_an_error("the release"):
        staging.mkdir(parents=True, exist_ok=True)
    with exclusive(staging / LOCK_NAME, "this release folder"), disk_full_is_an_error("the release"):
        check_locations(source_path, out_path, force)  # again, under the lock: a run that just ended may have made OUT
        return _publish_staged(source_path, out_path, key, config_file, config, options, staging, index_path)


def _publish_staged(source_path: Path | str, out_path: Path, key: bytes, config_file: Path, config: ReleaseConfig,
                    options: PublishOptions, staging: Path, index_path: Path | None) -> dict[str, Any]:
    """:func:`publish` once it holds the lock of its staging folder."""
    settings_hash, release_date = _resume_state(staging, options, config_file)
    release = staging / "release"
    metadata = release / "metadata"
    metadata.mkdir(parents=True, exist_ok=True)

    # 1. Scan and audit the source.  The staging index's salt comes from the key: the masked
    # site labels of the tables and reports are salted, and a release is deterministic.
    if index_path is None:
        seed_salt(staging / "source-index.parquet", hmac.new(key, b"curator publish: index salt", hashlib.sha256).digest())
    scan = scan_source(source_path, index_path=index_path or staging / "source-index.parquet", workers=options.workers,
                       progress=False, site_rule=options.site_from, scheduler=options.scheduler)
    if not scan.stats.indexed:
        shutil.rmtree(staging, ignore_errors=True)  # nothing to resume
        raise CuratorError(f"nothing to publish: the source has no readable DICOM instance ({scan.stats.rejected} files rejected)")
    settings = audit_settings(None, options.overrides, options.provenance, options.batch_threshold, options.k)
    report = build_report(scan.table(AUDIT_COLUMNS), settings=settings)

    # 2. De-identify, writing the normalized RadLex codes into every instance.
    codes = _CodesBySeries(_codes_by_series(report), key)
    deid_options = DeidOptions(profile=options.profile, k=options.k, access=_access(options, config), workers=options.workers,
                               scheduler=options.scheduler, force=True, journal=staging / "deid-journal.jsonl",
                               extra_elements=codes, site_from=options.site_from, leak_digests=True,
                               listed_before=listed_fingerprints(index_path or staging / "source-index.parquet", options.site_from))
    listed = _listing(scan)
    deid_report, merged = deidentify_merging_sites(source_path, release / "dicom", key, deid_options)
    _check_unchanged(listed, source_path, index_path or staging / "source-index.parquet", options.site_from)
    merged_studies = set(merged)
    if merged_studies:  # the public tier merged small sites: every table and report shows the merged label
        report = build_report(_generalise_sites(scan.table(AUDIT_COLUMNS), merged_studies), settings=settings)
    # the report holds the leak record of the source (digests, lengths, key fingerprint), from the header pass
    (release / "dicom" / "deid-report.json").replace(metadata / "deid-report.json")

    # 3. Read back what was released; the tables and reports of the released data.
    instances = read_instances(release / "dicom")
    if not len(instances):
        shutil.rmtree(staging, ignore_errors=True)  # nothing to resume
        raise CuratorError("nothing to publish: no instance of the source could be de-identified "
                           f"({deid_report['counts']['rejected']} rejected, {deid_report['counts']['quarantined']} quarantined)")
    released = _Released.of(report, instances, codes.released)
    table = series_table(instances, released.normalized, released.study_procedures, released.sites)
    _write_tables(table, metadata, options.batch_threshold)
    _write_reports(report, key, metadata, codes.released, f"{config.base_iri}{_slug_release(options, config)}/")
    write_fhir(fhir_rows(instances, table, released.normalized, released.study_procedures), release / "fhir",
               version=options.fhir_version, recorded=f"{release_date}T00:00:00Z", tool_version=__version__)

    # 4. The catalogue, from the released data and release.yaml.
    summary = _release_summary(scan, report, deid_report, instances, table, released, metadata, options, config,
                               settings_hash)
    write_catalog(summary, config, release)
    write_croissant(summary, config, release, date_published=release_date)
    write_manifest(release)

    # 5. Rename into place.
    if out_path.exists():
        shutil.rmtree(out_path)
    os.replace(release, out_path)
    shutil.rmtree(staging)
    return {
        "release": str(out_path),
        "release_id": summary.release_id,
        "instances": int(len(instances)),
        "series": int(len(table)),
        "studies": summary.n_studies,
        "individuals": summary.n_individuals,
        "quarantined": deid_report["counts"]["quarantined"],
        "rejected": deid_report["counts"]["rejected"],
        "k_anonymity": deid_report["k_anonymity"],
        "patient_identity": deid_report["patient_identity"],
    }


def _listing(scan: Any) -> list[tuple[str, str]]:
    """Every item of a scan's index with its fingerprint (size and mtime, or an archive
    member's CRC), in one order."""
    columns = scan.table(["path", "fingerprint"]).to_pydict()
    return sorted(zip(columns["path"], (f or "" for f in columns["fingerprint"])))


def _check_unchanged(listed: list[tuple[str, str]], source_path: Path | str, index_path: Path, site_rule: str) -> None:
    """Refuse a release whose source changed between the scan (which the audit report, the
    series' codes and the catalogue's years come from) and the end of de-identification
    (which the DICOM files come from): a file rewritten, added or removed in between would
    make the report describe other files than the release holds.  The source is listed again
    (unchanged files reuse the index: no header read).  A DICOMweb source is not listed again
    (one more query of every instance); its instances carry their UIDs."""
    if is_dicomweb_spec(source_path):
        return
    # in this process: the unchanged files (all, but in the rare run this refuses) need no worker,
    # and starting workers cost 2.5 s on examples/collection (75 files; 0.3 s in this process)
    again = scan_source(source_path, index_path=index_path, workers=1, progress=False, site_rule=site_rule)
    changed = len({path for path, _ in set(listed) ^ set(_listing(again))})
    if changed:
        raise CuratorError(f"the source changed while it was published ({changed} items rewritten, added or removed "
                           "after the scan); run the same command again when it no longer changes (the run resumes)")


def _generalise_sites(table: pa.Table, merged_studies: set[str]) -> pa.Table:
    """The index with the site of the public tier's merged studies (by study key) set to the
    generalised label (:data:`curator.deid.kanon.GENERALISED_SITE`).  A site label any of
    whose studies was merged is merged on every row, and a path whose top folder is such a
    label (the folder rule: the label is the top folder) starts with the generalised label
    instead, rejected files' rows included, so that no table, listing or report of the
    release names or counts a merged site apart."""
    sites, studies = table.column("site").to_pylist(), table.column("study_key").to_pylist()
    merged_labels = {site for site, study in zip(sites, studies) if study in merged_studies and site}
    paths = []
    for path in table.column("path").to_pylist():
        top, slash, rest = (path or "").partition("/")
        paths.append(GENERALISED_SITE + slash + rest if slash and top in merged_labels else path)
    labels = [GENERALISED_SITE if site in merged_labels or study in merged_studies else site
              for site, study in zip(sites, studies)]
    for name, values in (("site", labels), ("path", paths)):
        index = table.schema.get_field_index(name)
        table = table.set_column(index, table.schema.field(index), pa.array(values, table.schema.field(index).type))
    return table


def _resume_state(staging: Path, options: PublishOptions, config_file: Path) -> tuple[str, str]:
    """(settings hash, release date) of this run, recorded in the staging folder.

    The staging folder keeps the state of an interrupted run: same settings, same date.
    Another run's leftovers (other settings) are cleared."""
    state_file = staging / STATE_FILE
    settings_hash = _settings_hash(options, config_file.read_text(encoding="utf-8"))
    try:
        state = json.loads(state_file.read_text(encoding="utf-8")) if state_file.exists() else {}
    except (ValueError, UnicodeDecodeError):  # cut by a run stopped as it wrote it (older curator)
        state = {"settings_hash": None}
    if not isinstance(state, dict):
        state = {"settings_hash": None}
    if state and state.get("settings_hash") != settings_hash:
        _clear(staging)  # another run's leftovers: start afresh
        state = {}
    release_date = options.release_date or state.get("release_date") or datetime.now(timezone.utc).date().isoformat()
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", release_date):
        raise CuratorError("--release-date must be YYYY-MM-DD")
    state = {"settings_hash": settings_hash, "release_date": release_date}
    write_whole(state_file, json.dumps(state, sort_keys=True, allow_nan=False).encode())  # whole or not at all
    return settings_hash, release_date


def _codes_by_series(report: dict[str, Any]) -> dict[str, SeriesCodes]:
    """The RadLex codes to write into each series (by source series key): its normalized
    attributes and its study's procedure."""
    procedures_by_study = {p["study_key"]: p["procedure"] for p in report["procedures"]}
    elements: dict[str, SeriesCodes] = {}
    for row in report["series"]:
        result = dict(row["normalized"])
        procedure = procedures_by_study.get(row["study_key"])
        codes_of_series = series_codes({**result, "procedure": procedure})
        if codes_of_series:
            elements[row["key"]] = codes_of_series
    return elements


@dataclass(frozen=True)
class _Released:
    """The audit's findings carried over to the released series (keyed by released series UID)."""

    normalized: dict[str, Any]  # released series UID -> its normalization
    sites: dict[str, Any]  # released series UID -> its site label
    study_procedures: dict[str, Any]  # released study UID -> its procedure

    @classmethod
    def of(cls, report: dict[str, Any], instances: pd.DataFrame, released_of: dict[str, str]) -> _Released:
        procedures_by_study = {p["study_key"]: p["procedure"] for p in report["procedures"]}
        normalized = {released_of[r["key"]]: r["normalized"] for r in report["series"] if r["key"] in released_of}
        sites = {released_of[r["key"]]: r["site"] for r in report["series"] if r["key"] in released_of}
        study_released = {}
        for r in report["series"]:
            if r["key"] in released_of:
                uid = instances.loc[instances["series_uid"] == released_of[r["key"]], "study_uid"]
                if len(uid):
                    study_released[uid.iloc[0]] = procedures_by_study.get(r["study_key"])
        return cls(normalized, sites, study_released)


def _write_tables(table: pd.DataFrame, metadata: Path, batch_threshold: int) -> None:
    """The series table (CSV, Parquet) and the harmonization batches of the released series."""
    safe_frame(table).to_csv(metadata / "series.csv", index=False, lineterminator="\n")  # no spreadsheet formulas
    from curator.index.store import parquet_output

    with parquet_output(metadata / "series.parquet") as sink:
        table.to_parquet(sink, index=False)
    _strip_parquet_timestamps(metadata / "series.parquet")
    image_rows = table[~table["is_segmentation"]]
    batch_frame = pd.DataFrame({
        "key": image_rows["series_uid"], "site": image_rows["site"], "modality": image_rows["modality"],
        "manufacturer": image_rows["manufacturer"], "model": image_rows["model"], "acquisition": image_rows["acquisition"],
    })
    write_batches_csv(covariate_table(batch_frame, threshold=batch_threshold), metadata / "batches.csv")


def _write_reports(report: dict[str, Any], key: bytes, metadata: Path, released_of: dict[str, str], prov_base: str) -> None:
    """The audit report (JSON, HTML) with keyed keys, and the PROV-O of the released segmentations."""
    released_report = _rekey(_released_paths(report), key)
    (metadata / "audit-report.json").write_text(to_json(released_report), encoding="utf-8")
    (metadata / "audit-report.html").write_text(render(released_report, "html"), encoding="utf-8")
    segmentations = [dict(s, key=released_of[s["key"]], referenced_series=sorted(released_of.get(r, r) for r in s.get("referenced_series") or []))
                     for s in report["segmentations"] if s["key"] in released_of]
    if segmentations:
        prov = prov_graph(segmentations, prov_base)
        (metadata / "segmentation-provenance.ttl").write_text(prov.serialize(format="turtle"), encoding="utf-8")


def _distributions(metadata: Path, fhir_version: str, dicom_bytes: int) -> list[DistributionInfo]:
    """The distributions of a release: DICOM, the series table twice, FHIR (a folder's size: its files')."""
    fhir = "R4" if fhir_version == "R4B" else "R5"
    fhir_bytes = sum(p.stat().st_size for p in sorted((metadata.parent / "fhir").rglob("*")) if p.is_file())
    return [
        DistributionInfo(name="dicom", title="De-identified DICOM instances", path="dicom/", media_type="application/dicom",
                         conforms_to=["DICOM"], byte_size=dicom_bytes),
        DistributionInfo(name="series-csv", title="Series table (CSV)", path="metadata/series.csv", media_type="text/csv",
                         **_file_facts(metadata / "series.csv")),
        DistributionInfo(name="series-parquet", title="Series table (Parquet)", path="metadata/series.parquet",
                         media_type="application/vnd.apache.parquet", **_file_facts(metadata / "series.parquet")),
        DistributionInfo(name="fhir", title=f"FHIR {fhir} ImagingStudy bulk data", path="fhir/",
                         media_type="application/fhir+ndjson", conforms_to=[f"FHIR-{fhir}"], byte_size=fhir_bytes),
    ]


def _release_summary(scan: Any, report: dict[str, Any], deid_report: dict[str, Any], instances: pd.DataFrame,
                     table: pd.DataFrame, released: _Released, metadata: Path, options: PublishOptions,
                     config: ReleaseConfig, settings_hash: str) -> ReleaseSummary:
    """What the catalogue and Croissant say of the released data (never of the source's identifiers)."""
    age_min, age_max = typical_age_range(instances)  # what the released files say, after k-anonymity
    source_years = scan.table(["status", "study_year"]).to_pydict()
    years = [int(y) for status, y in zip(source_years["status"], source_years["study_year"]) if status == "indexed" and y is not None]
    regions = sorted({(v["code"], v["label"]) for n in released.normalized.values() for v in (n.get("body_region") or [])})
    methods = Counter(m for m in table["segmentation_method"].dropna() if m in ("MANUAL", "SEMIAUTOMATIC", "AUTOMATIC", "UNKNOWN"))
    quality = {d: v["score"] for d, v in report["quality"]["dimensions"].items()}
    quality["total"] = report["quality"]["total"]
    return ReleaseSummary.parse({
        "release_id": _slug_release(options, config),
        "n_individuals": int(instances["patient_pseudonym"].nunique()),
        "n_studies": int(instances["study_uid"].nunique()),
        "n_series": int(instances["series_uid"].nunique()),
        "age_min": age_min,
        "age_max": age_max,
        "year_min": min(years) if years else None,
        "year_max": max(years) if years else None,
        "modalities": sorted({m for m in instances["modality"].dropna()}),
        "body_regions": [{"code": c, "label": lbl} for c, lbl in regions],
        "manufacturers": sorted({m for m in instances["manufacturer"].dropna()}),
        "segmentations": dict(sorted(methods.items())),
        "segmentation_algorithms": _algorithms(table),
        "deid_profile": options.profile,
        "deid_codes": [c["code"] for c in deid_report["profile"]["method_codes"]],
        "quality": quality,
        "k": options.k,
        "disclosure_risk": summary_line(deid_report["k_anonymity"]) if deid_report["k_anonymity"].get("applied") else None,
        "run": RunProvenance(tool_version=__version__, profile=options.profile, mapping_version=_tree_hash(mappings_dir()),
                             radlex_version=_radlex_version(), settings_hash=settings_hash).model_dump(),
        "distributions": [d.model_dump() for d in _distributions(metadata, options.fhir_version,
                                                                  int(instances["n_bytes"].sum()))],
        "dicomweb_url": options.dicomweb_url,
        "series_columns": [ColumnInfo(name=n, title=t, description=d, datatype=dt).model_dump() for n, (t, d, dt) in SERIES_COLUMNS.items()],
    })


def _algorithms(table: pd.DataFrame) -> list[str]:
    """'name version' of each segmentation algorithm of the series table (sorted; 'unknown'
    for a segmentation not stated MANUAL that names none; a version not stated: 'unknown')."""
    named = set()
    for name, version in zip(table["algorithm_name"], table["algorithm_version"]):
        if isinstance(name, str) and name:
            named.add(name if name == "unknown" else f"{name} {version if isinstance(version, str) and version else 'unknown'}")
    return sorted(named, key=lambda a: (a == "unknown", a.casefold(), a))


def _access(options: PublishOptions, config: ReleaseConfig) -> Access:
    """The access tier of the release: the option, else release.yaml ``access_rights``."""
    return Access(access_of(options.access or config.access_rights).tier, options.max_suppression)


def _file_facts(path: Path) -> dict[str, Any]:
    """SHA-256 and size of one released file (Croissant and the catalogue's spdx:checksum)."""
    data = path.read_bytes()
    return {"sha256": hashlib.sha256(data).hexdigest(), "byte_size": len(data)}


def _clear(staging: Path) -> None:
    """Delete everything in the staging folder but its lock (held by this run)."""
    for entry in staging.iterdir():
        if entry.name == LOCK_NAME:
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)
        else:
            entry.unlink()


def _slug_release(options: PublishOptions, config: ReleaseConfig) -> str:
    """The release identifier: given, or a slug of the title and the version.

    The title is the English one, else the first (by language tag) with a Latin letter or a
    digit; titles in other scripts only (Japanese and Greek) are named by a short digest of
    them (``release-<8 hex>-v2-0-0``): their slug was the version alone (``v2-0-0``), the
    same IRIs for any two such collections (round 17)."""
    if options.release_id:
        return options.release_id
    titles = [config.title[lang] for lang in sorted(config.title, key=lambda lang: (lang != "en", lang))]
    name = next((t for t in titles if slug(t, "")), None)
    if name is None:
        name = "release " + hashlib.sha256("\n".join(titles).encode("utf-8")).hexdigest()[:8]
    return slug(f"{name} v{config.version}", "release", lower=True, max_length=48)


def _released_paths(report: dict[str, Any]) -> dict[str, Any]:
    """The audit report with its rejected files' paths allowlisted word by word
    (:func:`curator.deid.freetext.allowlisted_path`): the hospital's report keeps the paths
    scrubbed of the headers' identifiers, so that its files can be found; a release may not
    keep a folder named after a person whom no readable header names.  Paths made alike by
    the allowlist are numbered (:func:`curator.analyses.audit.number_alike`)."""
    from curator.deid.freetext import allowlisted_path

    from curator.analyses.audit import number_alike

    rejected = [dict(row, path=allowlisted_path(row.get("path"))) for row in report.get("rejected", [])]
    return {**report, "rejected": number_alike(rejected)}


def _rekey(report: dict[str, Any], key: bytes) -> dict[str, Any]:
    """The audit report with its series and study keys replaced by keyed ones.

    Unkeyed keys are hashes of the source's UIDs: in a release they could link it back to
    another copy of the source. Keyed with the release key they link nothing.
    """
    keys: set[str] = set()
    for row in report["series"]:
        keys.update((row["key"], row["study_key"]))
    for seg in report.get("segmentations", []):
        keys.update(seg.get("referenced_series") or [])
    keys.update(p["study_key"] for p in report.get("procedures", []))
    mapping = {k: hmac.new(key, b"curator-report-key\0" + k.encode(), hashlib.sha256).hexdigest()[:16] for k in keys if k}
    text = json.dumps(report, sort_keys=True)
    pattern = re.compile("|".join(re.escape(k) for k in sorted(mapping, key=len, reverse=True))) if mapping else None
    return json.loads(pattern.sub(lambda m: mapping[m.group()], text)) if pattern else report


def _strip_parquet_timestamps(path: Path) -> None:
    """Parquet files written by pandas carry no clock; rewrite without pandas metadata to be sure."""
    from curator.index.store import parquet_input, parquet_output

    with parquet_input(path) as source:
        table = pq.read_table(source)
    with parquet_output(path) as sink:
        pq.write_table(table.replace_schema_metadata(None), sink, compression="zstd")
