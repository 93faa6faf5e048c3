"""CKAN's real DCAT harvester parser (ckanext-dcat RDFParser) reads every field of a release.

CKAN pins its own dependencies, so it lives in a separate virtualenv made by .ci/run
(``.ci/ckan-venv``, CKAN 2.12 + ckanext-dcat 2.4.4); the parser runs there as a
subprocess over the catalogue of the example collection's release, with the profiles
``euro_dcat_ap_3`` and ``euro_health_dcat_ap``, and prints the dataset dicts as JSON.
Outside CI a missing virtualenv skips these tests; in CI (CI=true) it fails them.
"""
from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pandas as pd
import pydicom
import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCAT, RDFS, SKOS

from curator.release.catalog import HEALTH, resolve_concept
from curator.deid.pseudonyms import read_key, write_key
from curator.release.publish import PublishOptions, publish
from curator.release.config import load_release_config
from curator.release.table import read_instances, typical_age_range

ROOT = Path(__file__).resolve().parent.parent
VENV_PYTHON = ROOT / ".ci" / "ckan-venv" / "bin" / "python"
PARSER = Path(__file__).resolve().parent / "ckan" / "parse_catalog.py"
CONFIG = ROOT / "examples" / "release.yaml"
PROFILES = "euro_dcat_ap_3,euro_health_dcat_ap"
# release.yaml's access_rights NON_PUBLIC: the non-public tier keeps ages (top-coded)
OPTIONS = PublishOptions(release_date="2026-11-23", workers=2)

pytestmark = pytest.mark.external


def _ckan_python() -> Path:
    if VENV_PYTHON.is_file():
        return VENV_PYTHON
    reason = f"CKAN virtualenv missing ({VENV_PYTHON.relative_to(ROOT)}): run .ci/run, or see its CKAN step"
    if os.environ.get("CI") == "true":
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture(scope="module")
def release(tmp_path_factory) -> Path:
    _ckan_python()
    key = tmp_path_factory.mktemp("key") / "release.key"
    write_key(key)
    out = tmp_path_factory.mktemp("out") / "release"
    publish(ROOT / "examples" / "collection", out, read_key(key), CONFIG, OPTIONS)
    return out


def _parse(path: Path, rdf_format: str) -> list[dict]:
    done = subprocess.run([str(_ckan_python()), str(PARSER), str(path), rdf_format, PROFILES],
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout)


@pytest.fixture(scope="module", params=[("catalog.ttl", "turtle"), ("catalog.jsonld", "json-ld")], ids=["turtle", "jsonld"])
def harvested(request, release: Path) -> dict:
    name, rdf_format = request.param
    datasets = _parse(release / name, rdf_format)
    assert len(datasets) == 1
    return datasets[0]


@pytest.fixture(scope="module")
def config():
    return load_release_config(CONFIG)


@pytest.fixture(scope="module")
def graph(release: Path) -> Graph:
    return Graph().parse(release / "catalog.ttl")


def _extras(dataset: dict) -> dict[str, str]:
    return {e["key"]: e["value"] for e in dataset.get("extras", [])}


def test_core_fields(harvested, config):
    extras = _extras(harvested)
    assert harvested["title"] == config.title["en"]
    assert harvested["notes"] == " ".join(config.description["en"].split())
    tags = {t["name"] for t in harvested["tags"]}
    assert {"DICOM", "Computed Tomography", *config.keywords["en"]} <= tags
    assert json.loads(extras["theme"]) == [str(resolve_concept("theme", t)) for t in config.theme]
    assert harvested["health_category"] == [str(resolve_concept("health_category", c)) for c in config.health_category]
    assert harvested["population_coverage"] == [config.population_coverage["en"]]
    assert harvested["version"] == config.version


def test_distributions_with_access_urls_licences_and_labelled_formats(harvested, config, graph):
    licence = graph.value(resolve_concept("licence", config.licence), RDFS.label)
    formats = {r["name"]: (r["format"], r["mimetype"]) for r in harvested["resources"]}
    assert formats == {
        "De-identified DICOM instances": ("DICOM", "application/dicom"),
        "FHIR R4 ImagingStudy bulk data": ("JSON", "application/fhir+ndjson"),
        "Series table (CSV)": ("CSV", "text/csv"),
        "Series table (Parquet)": ("Parquet", "application/vnd.apache.parquet"),
    }
    for resource in harvested["resources"]:
        assert resource["access_url"] == config.access_url
        assert resource["license"] == str(licence)


def test_publisher_hdab_and_contact_point(harvested, config):
    extras = _extras(harvested)
    assert extras["publisher_email"] == config.publisher.email
    assert extras["publisher_url"] == config.publisher.homepage
    (hdab,) = harvested["hdab"]
    assert hdab["name"] == config.hdab.name["en"]
    assert hdab["email"] == config.hdab.email
    assert hdab["url"] == config.hdab.homepage
    assert extras["contact_name"] == config.contact_point.name
    assert extras["contact_email"] == config.contact_point.email


def test_temporal_and_spatial_coverage(harvested, config, graph):
    extras = _extras(harvested)
    (period,) = graph.objects(next(graph.subjects(DCAT.distribution, None)), URIRef("http://purl.org/dc/terms/temporal"))
    assert extras["temporal_start"] == str(graph.value(period, DCAT.startDate))
    assert extras["temporal_end"] == str(graph.value(period, DCAT.endDate))
    assert extras["spatial_uri"] == str(resolve_concept("spatial", config.spatial[0]))


def test_typical_age_range_counts_and_retention_come_from_the_release(harvested, config, release: Path):
    ages = set()
    for path in (release / "dicom").rglob("*.dcm"):
        age = pydicom.dcmread(path, stop_before_pixels=True).get("PatientAge")
        if age:
            ages.add(int(str(age)[:3]))
    assert len(ages) > 1
    assert (harvested["min_typical_age"], harvested["max_typical_age"]) == (min(ages), max(ages))
    table = pd.read_csv(release / "metadata" / "series.csv")
    assert harvested["number_of_records"] == table["study_uid"].nunique()
    assert harvested["number_of_unique_individuals"] == table["patient_pseudonym"].nunique()
    period = config.retention_period
    assert harvested["retention_period"] == [{"start": period.start, "end": period.end}]


def test_legal_basis_and_purpose_arrive_as_labelled_resources(harvested, config, graph):
    for field, text in (("legal_basis", config.legal_basis), ("purpose", config.purpose)):
        (iri,) = harvested[field]
        for prop in (SKOS.prefLabel, RDFS.label):
            assert graph.value(URIRef(iri), prop) == Literal(text["en"], lang="en")


def test_typical_age_is_left_out_when_k_anonymity_removed_every_age(tmp_path, graph):
    """The public tier at k=2 removes every age of the example collection: no range claimed (at k=5 its
    sites of fewer than 5 patients are first merged into 'other sites', docs/deid.md)."""
    key = tmp_path / "release.key"
    write_key(key)
    out = tmp_path / "release"
    options = PublishOptions(release_date="2026-11-23", workers=2, access="public", k=2)
    publish(ROOT / "examples" / "collection", out, read_key(key), CONFIG, options)
    assert typical_age_range(read_instances(out / "dicom")) == (None, None)
    (dataset,) = _parse(out / "catalog.ttl", "turtle")
    assert "min_typical_age" not in dataset and "max_typical_age" not in dataset
    assert HEALTH.minTypicalAge in set(graph.predicates())  # the non-public release has one
