"""curator publish / validate: a conforming, leak-free, deterministic, resumable release."""
from __future__ import annotations

import hashlib
import json
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from curator.errors import CuratorError
from curator.release.publish import PublishOptions, publish
from curator.testing.synthetic import PLANTED_VALUES, default_study, write_ct_series
from curator.release.validate import validate_release
from tests.conftest import assert_no_planted, write_planted

sys.path.insert(0, str(Path(__file__).resolve().parent))
import stopping  # noqa: E402  (a helper module beside the tests, not a package)

ROOT = Path(__file__).resolve().parent.parent
COLLECTION = ROOT / "examples" / "collection"
CONFIG = ROOT / "examples" / "release.yaml"
OPTIONS = PublishOptions(release_date="2026-11-23", workers=2)


def _tree(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def source(tmp_path_factory) -> Path:
    """The example collection plus instances with identifiers planted everywhere."""
    folder = tmp_path_factory.mktemp("src") / "archive"
    shutil.copytree(COLLECTION, folder)
    write_planted(folder / "site-f", 3)
    return folder


@pytest.fixture(scope="module")
def release(source: Path, key_file: Path, tmp_path_factory) -> Path:
    from curator.deid.pseudonyms import read_key

    out = tmp_path_factory.mktemp("out") / "release"
    publish(source, out, read_key(key_file), CONFIG, OPTIONS)
    return out


def test_release_layout(release: Path):
    for rel in ("catalog.ttl", "catalog.jsonld", "croissant.json", "MANIFEST", "metadata/series.csv", "metadata/series.parquet",
                "metadata/batches.csv", "metadata/deid-report.json", "metadata/audit-report.json", "metadata/audit-report.html",
                "fhir/ImagingStudy.ndjson", "fhir/Patient.ndjson", "fhir/Device.ndjson", "fhir/Provenance.ndjson", "fhir/bundle.json"):
        assert (release / rel).is_file(), rel
    assert any((release / "dicom").rglob("*.dcm"))
    assert not list(release.parent.glob(".*.partial"))  # staging renamed away


def test_validate_conforms_everywhere(release: Path, key_file: Path):
    from curator.deid.pseudonyms import read_key

    result = validate_release(release, read_key(key_file))
    assert result.ok, result.checks
    assert result.checks["shacl dcat-ap-3.0.1"] == "ok" and result.checks["shacl healthdcat-ap-r8-nonpublic"] == "ok"
    assert result.checks["identifiers"] == "ok" and result.checks["checksums"] == "ok"
    assert result.checks["fhir R4B"].startswith("ok")


def test_no_planted_identifier_anywhere_in_the_release(release: Path):
    for path in release.rglob("*"):
        if not path.is_file():
            continue
        data = path.read_bytes()
        lowered = data.lower()
        for value in PLANTED_VALUES:
            probe = value.encode("utf-8")
            assert probe.lower() not in lowered, f"planted value leaked into {path.relative_to(release)}"
        assert_no_planted(data, str(path.relative_to(release)))
        assert_no_planted(path.relative_to(release).as_posix(), "file names")


def test_normalized_codes_are_written_into_the_dicom(release: Path):
    import pydicom

    coded = 0
    for path in (release / "dicom").rglob("*.dcm"):
        ds = pydicom.dcmread(path, stop_before_pixels=True)
        items = ds.get("SeriesDescriptionCodeSequence") or []
        if items:
            coded += 1
            assert all(i.CodingSchemeDesignator == "RADLEX" and i.CodeValue.startswith("RID") for i in items)
    assert coded > 30


def test_series_table_and_catalogue_agree_with_the_dicom(release: Path):
    import pandas as pd
    from rdflib import Graph, Namespace

    table = pd.read_csv(release / "metadata" / "series.csv")
    dicom_series = {p.parent for p in (release / "dicom").rglob("*.dcm")}
    assert len(table) == len(dicom_series)
    assert table["series_uid"].str.startswith("2.25.").all()
    graph = Graph().parse(release / "catalog.ttl")
    text = (release / "catalog.ttl").read_text()
    assert "2.25." not in text  # no UID in the catalogue
    healthdcat = Namespace("http://healthdataportal.eu/ns/health#")
    studies = [int(o) for o in graph.objects(None, healthdcat.numberOfRecords)]
    assert studies == [table["study_uid"].nunique()]


def test_fhir_resources_parse_in_both_versions(source: Path, key_file: Path, tmp_path: Path, release: Path):
    from curator.deid.pseudonyms import read_key
    from curator.release.fhir_export import read_fhir_dir

    assert read_fhir_dir(release / "fhir", "R4B")["ImagingStudy"] > 5
    out = tmp_path / "r5"
    publish(source, out, read_key(key_file), CONFIG, PublishOptions(release_date="2026-11-23", fhir_version="R5"))
    assert read_fhir_dir(out / "fhir", "R5")["ImagingStudy"] > 5


def test_same_input_gives_byte_identical_release(source: Path, key_file: Path, tmp_path: Path, release: Path):
    from curator.deid.pseudonyms import read_key

    again = tmp_path / "again"
    publish(source, again, read_key(key_file), CONFIG, PublishOptions(release_date="2026-11-23", workers=1))
    assert _tree(again) == _tree(release)


def test_refuses_out_inside_source_and_existing_release(source: Path, key_file: Path, release: Path):
    from curator.deid.pseudonyms import read_key

    with pytest.raises(CuratorError, match="inside the source"):
        publish(source, source / "release", read_key(key_file), CONFIG, OPTIONS)
    with pytest.raises(CuratorError, match="already exists"):
        publish(source, release, read_key(key_file), CONFIG, OPTIONS)


def test_killed_publish_leaves_no_release_and_resumes_identically(key_file: Path, tmp_path: Path):
    source = tmp_path / "big"
    shutil.copytree(COLLECTION, source)
    study = default_study()
    for n in range(1, 5):
        write_ct_series(source / "site-z" / f"s{n}", 60, study, series_number=20 + n, rows=64, columns=64, seed=n)
    out = tmp_path / "release"
    staging = tmp_path / ".release.partial"
    command = [sys.executable, "-c", "from curator.cli import main; main()", "publish", str(source), str(out), "--key", str(key_file),
               "--config", str(CONFIG), "--release-date", "2026-11-23", "--workers", "1"]
    # publish stops itself (tests/stopping.py) once 40 instances are journaled and is killed
    # there (polling for them raced the run: it could finish between two polls)
    proc = stopping.start(stopping.JOURNALED, 40, command[3:])
    journal = staging / "deid-journal.jsonl"
    assert journal.read_text().count("\n") == 41  # the settings line, then 40 instances
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert not out.exists() and staging.exists()  # no half release
    written_before = journal.read_text().count("\n")
    resumed = subprocess.run(command, capture_output=True, text=True, timeout=stopping.DEADLINE)
    assert resumed.returncode == 0, resumed.stderr
    clean = tmp_path / "clean"
    subprocess.run([*command[:5], str(clean), *command[6:]], check=True, capture_output=True, timeout=stopping.DEADLINE)
    assert _tree(out) == _tree(clean)
    assert written_before >= 40  # the resumed run reused what the killed run had written


def test_cli_publish_and_validate_report_errors_cleanly(tmp_path: Path, key_file: Path):
    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-c", "from curator.cli import main; main()", *args],
                              capture_output=True, text=True)

    missing_config = run("publish", str(COLLECTION), str(tmp_path / "r"), "--key", str(key_file), "--config", str(tmp_path / "nope.yaml"))
    assert missing_config.returncode == 2 and "release configuration not found" in missing_config.stderr
    bad = tmp_path / "bad.yaml"
    bad.write_text("title: {en: only one language}\n")
    invalid = run("publish", str(COLLECTION), str(tmp_path / "r"), "--key", str(key_file), "--config", str(bad))
    assert invalid.returncode == 2 and invalid.stderr.startswith("error: bad.yaml: ")
    assert "bad.yaml: title: needs text in at least 2 language(s)" in invalid.stderr and "Traceback" not in invalid.stderr
    not_release = run("validate", str(tmp_path))
    assert not_release.returncode == 2 and "not a release" in not_release.stderr


def test_validate_detects_tampering(release: Path, tmp_path: Path):
    copy = tmp_path / "copy"
    shutil.copytree(release, copy)
    (copy / "metadata" / "series.csv").write_text("tampered\n")
    result = validate_release(copy)
    assert not result.ok and result.checks["checksums"].startswith("failed")
    assert result.checks["identifiers"].startswith("skipped")


def test_validate_finds_a_planted_leak(release: Path, key_file: Path, tmp_path: Path):
    from curator.deid.pseudonyms import read_key
    from curator.release.manifest import write_manifest
    from tests.conftest import PLANTED

    copy = tmp_path / "leaky"
    shutil.copytree(release, copy)
    (copy / "metadata" / "notes.txt").write_text(f"patient {PLANTED['name_family']}\n")
    write_manifest(copy)
    result = validate_release(copy, read_key(key_file))
    assert result.checks["identifiers"].startswith("failed") and "metadata/notes.txt" in result.checks["identifiers"]


def test_metadata_links_to_the_release_not_to_the_source(release: Path, source: Path, tmp_path: Path):
    import pandas as pd
    from rdflib import Graph

    from curator.analyses.audit import build_report
    from curator.index.scan import scan_source

    series = pd.read_csv(release / "metadata" / "series.csv")
    covariates = pd.read_csv(release / "metadata" / "batches.csv")
    assert set(covariates["key"]) <= set(series["series_uid"]) and len(covariates) > 10  # one row per image series
    assert covariates["batch"].notna().all()
    prov = Graph().parse(release / "metadata" / "segmentation-provenance.ttl")
    assert len(prov) > 10
    # Keys in the source's own audit are hashes of its UIDs: none may reach the release.
    source_report = build_report(scan_source(source, tmp_path / "i.parquet", workers=1, progress=False).frame())
    original = {r["key"] for r in source_report["series"]} | {r["study_key"] for r in source_report["series"]}
    for path in (release / "metadata").iterdir():
        text = path.read_bytes().decode("utf-8", errors="ignore")
        assert not any(k in text for k in original), path.name


def test_mlcroissant_loads_and_iterates_every_record_set_of_the_release(release: Path):
    """A machine-learning user's first step: every RecordSet, every record, zero errors."""
    import mlcroissant as mlc
    import pandas as pd

    table = pd.read_csv(release / "metadata" / "series.csv")
    doc = json.loads((release / "croissant.json").read_text())
    for file_object in doc["distribution"]:
        data = (release / file_object["contentUrl"]).read_bytes()
        assert file_object["sha256"] == hashlib.sha256(data).hexdigest()
        assert file_object["contentSize"] == f"{len(data)} B"
    dataset = mlc.Dataset(jsonld=str(release / "croissant.json"))  # raises on any validation error
    expected = {"series": len(table)}  # one record per released series
    counted = {rs.name: sum(1 for _ in dataset.records(record_set=rs.name)) for rs in dataset.metadata.record_sets}
    assert counted == expected
    first = next(iter(dataset.records(record_set="series")))
    assert first["series/series_uid"].decode() == table["series_uid"].iloc[0]
    assert first["series/n_instances"] == table["n_instances"].iloc[0]


def test_typical_age_range_spans_bands_and_respects_top_coding_and_removal():
    import pandas as pd

    from curator.release.table import typical_age_range

    def frame(rows):
        return pd.DataFrame(rows, columns=["patient_age_years", "patient_age_band"])

    assert typical_age_range(frame([(60, 10), (40, None), (None, None)])) == (40, 69)
    assert typical_age_range(frame([(80, 20), (55, 5)])) == (55, 90)  # no band reaches past 90
    assert typical_age_range(frame([(90, None), (70, None)])) == (70, 90)  # 090Y: 90 or older
    assert typical_age_range(frame([(None, None)])) == (None, None)  # every age removed
