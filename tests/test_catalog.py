"""The catalogue (DCAT-AP 3.0.1 + HealthDCAT-AP r8) validated with pyshacl and the shipped shapes."""
from __future__ import annotations

import copy
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, RDF, RDFS, SH, SKOS, XSD

from curator.release.catalog import (
    HEALTH,
    ReleaseSummary,
    build_graph,
    to_jsonld,
    to_turtle,
    write_catalog,
)
from curator.errors import CuratorError
from curator.release.config import load_release_config, parse_release_config
from curator.resources import ontologies_dir
from curator.release.shacl import (
    PROFILES,
    _shapes,
    repair_missing_paths,
    validate_file,
    validate_graph,
)

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "release.yaml"
BOTH = ("dcat-ap-3.0.1", "healthdcat-ap-r8-nonpublic")
UID = re.compile(r"(?<![\w.])\d+(?:\.\d+){3,}(?![\w.])")
ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b|\b(?:19|20)\d{6}\b")


def summary_dict(**over) -> dict:
    d = {
        "release_id": "lungct-v2",
        "n_individuals": 1010,
        "n_studies": 4812,
        "n_series": 9120,
        "age_min": 50,
        "age_max": 79,
        "year_min": 2019,
        "year_max": 2023,
        "modalities": ["CT", "SEG"],
        "body_regions": [{"code": "RID1301", "label": "lung"}, {"code": "RID1243", "label": "thorax"}],
        "manufacturers": ["SIEMENS", "GE MEDICAL SYSTEMS"],
        "segmentations": {"MANUAL": 120, "AUTOMATIC": 48},
        "deid_profile": "basic+retain_modified_dates",
        "deid_codes": ["113100", "113107", "113105"],
        "quality": {"completeness": 0.97, "conformance": 0.991, "plausibility": 0.95, "total": 0.968},
        "k": 5,
        "run": {"tool_version": "0.1.0", "profile": "basic", "mapping_version": "2026.1",
                "radlex_version": "3.14", "settings_hash": "3f" * 32},
        "distributions": [
            {"name": "dicom", "title": "De-identified DICOM instances", "path": "dicom/",
             "media_type": "application/dicom", "byte_size": 7_340_032_000, "conforms_to": ["DICOM"]},
            {"name": "series-csv", "title": "Series table (CSV)", "path": "series.csv",
             "media_type": "text/csv", "byte_size": 812_345, "sha256": "ab" * 32},
            {"name": "series-parquet", "title": "Series table (Parquet)", "path": "series.parquet",
             "media_type": "application/vnd.apache.parquet", "byte_size": 301_222},
            {"name": "fhir", "title": "FHIR R4 bulk data (NDJSON)", "path": "fhir/",
             "media_type": "application/fhir+json", "byte_size": 5_123, "conforms_to": ["FHIR-R4", "FHIR-BULK"]},
        ],
        "dicomweb_url": "https://data.example.org/dicomweb",
        "series_columns": [
            {"name": "Modality", "title": "Modality (0008,0060)", "description": "DICOM modality, CID 29", "datatype": "string"},
            {"name": "BodyPartRadLex", "title": "Body region (RadLex)", "description": "RadLex RID of the body region", "datatype": "string"},
            {"name": "NumberOfInstances", "title": "Number of instances", "description": "instances in the series", "datatype": "integer"},
            {"name": "SliceThickness", "title": "Slice Thickness (0018,0050) mm", "description": "nominal slice thickness", "datatype": "decimal"},
        ],
    }
    d.update(over)
    return d


@pytest.fixture(scope="module")
def config():
    return load_release_config(EXAMPLE)


@pytest.fixture(scope="module")
def summary():
    return ReleaseSummary.model_validate(summary_dict())


@pytest.fixture(scope="module")
def catalog_files(tmp_path_factory, summary, config):
    out = tmp_path_factory.mktemp("catalog")
    write_catalog(summary, config, out)
    return out


def _ids(report):
    return [str(f) for f in report.violations]


# ------------------------------------------------------------------ conformance


@pytest.mark.parametrize("profile", BOTH)
@pytest.mark.parametrize("name", ["catalog.ttl", "catalog.jsonld"])
def test_catalogue_conforms_to_both_profiles(catalog_files, profile, name):
    report = validate_file(catalog_files / name, profile)
    assert report.violations == [], _ids(report)
    assert report.conforms


def test_catalogue_conforms_to_full_dcat_ap_301_shapes(catalog_files):
    report = validate_file(catalog_files / "catalog.ttl", "dcat-ap-3.0.1-full")
    assert report.conforms, _ids(report)


def test_turtle_and_jsonld_hold_the_same_graph(catalog_files):
    a, b = Graph(), Graph()
    a.parse(catalog_files / "catalog.ttl", format="turtle")
    b.parse(catalog_files / "catalog.jsonld", format="json-ld")
    assert len(a) > 200
    assert set(a) == set(b)


def test_catalogue_content_comes_from_the_data(summary, config):
    g = build_graph(summary, config)
    ds = URIRef("https://data.example.org/curator/lungct-v2/dataset")
    assert (ds, RDF.type, DCAT.Dataset) in g
    assert g.value(ds, HEALTH.numberOfUniqueIndividuals) == Literal("1010", datatype=XSD.nonNegativeInteger)
    assert g.value(ds, HEALTH.numberOfRecords) == Literal("4812", datatype=XSD.nonNegativeInteger)
    assert g.value(ds, HEALTH.minTypicalAge) == Literal("50", datatype=XSD.nonNegativeInteger)
    assert g.value(ds, HEALTH.maxTypicalAge) == Literal("79", datatype=XSD.nonNegativeInteger)
    period = g.value(ds, DCTERMS.temporal)
    assert g.value(period, DCAT.startDate) == Literal("2019", datatype=XSD.gYear)
    assert g.value(period, DCAT.endDate) == Literal("2023", datatype=XSD.gYear)
    codes = {str(o) for o in g.objects(ds, HEALTH.hasCodeValues)}
    assert {"DCM:CT (Computed Tomography)", "RADLEX:RID1301 (lung)",
            "DCM:113100 (Basic Application Confidentiality Profile)"} <= codes
    assert (ds, DCTERMS.accessRights, URIRef("http://publications.europa.eu/resource/authority/access-right/NON_PUBLIC")) in g
    assert (ds, DCTERMS.conformsTo, URIRef("https://hdeu-dcat.data.health.europa.eu/resource/authority/standard/DICOM")) in g
    titles = {o.language for o in g.objects(ds, DCTERMS.title)}
    assert titles == {"en", "nl"}
    # a DataService because a DICOMweb endpoint is configured, linked from the DICOM distribution
    service = URIRef("https://data.example.org/curator/lungct-v2/dicomweb")
    assert (service, RDF.type, DCAT.DataService) in g
    assert (URIRef("https://data.example.org/curator/lungct-v2/distribution/dicom"), DCAT.accessService, service) in g
    # provenance of the run as PROV-O, with the versions and the settings hash
    text = to_turtle(g).decode()
    for needle in ("prov:Activity", "prov:SoftwareAgent", '"3.14"', '"2026.1"', "3f" * 32,
                   "Segmentations by method: manual 120, automatic 48", "GE MEDICAL SYSTEMS"):
        assert needle in text
    # quality scores as DQV measurements
    assert '"0.991"^^xsd:decimal' in text or "dqv:value 0.991" in text
    # no DataService without an endpoint
    g2 = build_graph(ReleaseSummary.model_validate(summary_dict(dicomweb_url=None)), config)
    assert not list(g2.subjects(RDF.type, DCAT.DataService))
    assert validate_graph(g2, "healthdcat-ap-r8-nonpublic").conforms


def test_what_harvesters_read_agents_retention_labels_and_formats(summary, config):
    """What CKAN's DCAT parser reads (tests/test_ckan_harvest.py runs the parser itself)."""
    g = build_graph(summary, config)
    base = "https://data.example.org/curator/lungct-v2/"
    ds = URIRef(base + "dataset")
    foaf = "http://xmlns.com/foaf/0.1/"
    for local, agent in (("agent/publisher", config.publisher), ("agent/hdab", config.hdab)):
        node = URIRef(base + local)
        assert g.value(node, URIRef(foaf + "mbox")) == URIRef(f"mailto:{agent.email}")
        assert g.value(node, URIRef(foaf + "homepage")) == URIRef(agent.homepage)
        assert g.value(node, URIRef("http://data.europa.eu/m8g/contactPoint")) is not None  # HealthDCAT-AP's, kept
    period = g.value(ds, HEALTH.retentionPeriod)
    assert g.value(period, DCAT.startDate) == Literal("2026", datatype=XSD.gYear)
    assert g.value(period, DCAT.endDate) == Literal("2036-12", datatype=XSD.gYearMonth)
    assert (period, RDF.type, DCTERMS.PeriodOfTime) in g
    dpv = "https://w3id.org/dpv#"
    for prop, text in (("hasLegalBasis", config.legal_basis), ("hasPurpose", config.purpose)):
        node = g.value(ds, URIRef(dpv + prop))
        for label in (SKOS.prefLabel, RDFS.label, DCTERMS.title, DCTERMS.description):
            assert g.value(node, label) == Literal(text["en"], lang="en")
    formats = {}
    for dist in g.objects(ds, DCAT.distribution):
        fmt = g.value(dist, DCTERMS["format"])
        assert str(fmt).startswith("http://publications.europa.eu/resource/authority/file-type/")
        assert (fmt, RDF.type, DCTERMS.IMT) in g and (fmt, RDF.type, DCTERMS.MediaTypeOrExtent) in g
        formats[str(dist).rsplit("/", 1)[1]] = str(g.value(fmt, RDFS.label))
    assert formats == {"dicom": "DICOM", "fhir": "JSON", "series-csv": "CSV", "series-parquet": "Parquet"}
    # no retention period unless release.yaml states one
    bare = config.model_copy(update={"retention_period": None})
    assert g.value(URIRef(base + "dataset"), HEALTH.retentionPeriod) is not None
    assert build_graph(summary, bare).value(ds, HEALTH.retentionPeriod) is None


@pytest.mark.parametrize("period, message", [
    ({"start": "2036-12-31"}, "not an exact date"), ({}, "needs a start or an end"),
    ({"start": 2036, "end": 2026}, "start is after end"), ({"end": "2036-13"}, "year-month"),
])
def test_retention_period_validation_names_the_problem(period, message):
    data = yaml.safe_load(EXAMPLE.read_text())
    data["retention_period"] = period
    with pytest.raises(CuratorError, match=message):
        parse_release_config(data)


def test_every_referenced_concept_is_typed_and_labelled_in_the_file(summary, config):
    g = build_graph(summary, config)
    base = "https://data.example.org/curator/lungct-v2/"
    untyped_ok = {DCAT.accessURL, URIRef("http://data.europa.eu/m8g/contactPage"), URIRef("http://xmlns.com/foaf/0.1/mbox"),
                  URIRef("http://www.w3.org/2006/vcard/ns#hasEmail"), URIRef("http://www.w3.org/2006/vcard/ns#hasURL")}
    for _, p, o in g:
        if not isinstance(o, URIRef) or p == RDF.type or p in untyped_ok:
            continue
        assert (o, RDF.type, None) in g, f"{o} referenced by {p} has no type"
        if str(o).startswith(base):
            continue
        labels = list(g.objects(o, SKOS.prefLabel)) + list(g.objects(o, RDFS.label)) + list(g.objects(o, DCTERMS.title))
        is_document = (o, RDF.type, URIRef("http://xmlns.com/foaf/0.1/Document")) in g or (o, RDF.type, RDFS.Resource) in g
        assert labels or is_document, f"{o} has no label"
    for concept in g.subjects(RDF.type, SKOS.Concept):
        assert g.value(concept, SKOS.prefLabel) is not None


# ------------------------------------------------------------------ negative tests


def test_missing_title_fails_both_profiles(summary, config):
    g = build_graph(summary, config)
    ds = URIRef("https://data.example.org/curator/lungct-v2/dataset")
    g.remove((ds, DCTERMS.title, None))
    for profile in BOTH:
        report = validate_graph(g, profile)
        assert not report.conforms
        assert any(f.focus == str(ds) and f.path == str(DCTERMS.title) for f in report.violations)


def test_missing_hdab_and_public_access_fail_healthdcat_only(summary, config):
    g = build_graph(summary, config)
    ds = URIRef("https://data.example.org/curator/lungct-v2/dataset")
    g.remove((ds, HEALTH.hdab, None))
    assert validate_graph(g, "dcat-ap-3.0.1").conforms
    report = validate_graph(g, "healthdcat-ap-r8-nonpublic")
    assert any(f.path == str(HEALTH.hdab) for f in report.violations)

    public = build_graph(summary, config.model_copy(update={"access_rights": "PUBLIC"}))
    assert validate_graph(public, "dcat-ap-3.0.1").conforms
    report = validate_graph(public, "healthdcat-ap-r8-nonpublic")
    assert any(f.path == str(DCTERMS.accessRights) for f in report.violations)
    # every other shape of the level still applies (release16): PUBLIC and RESTRICTED conform
    # without the value NON_PUBLIC, and a missing HDAB is still found
    restricted = build_graph(summary, config.model_copy(update={"access_rights": "RESTRICTED"}))
    for other in (public, restricted):
        assert validate_graph(other, "healthdcat-ap-r8-nonpublic", access_value=False).conforms
        other.remove((ds, HEALTH.hdab, None))
        report = validate_graph(other, "healthdcat-ap-r8-nonpublic", access_value=False)
        assert [f.path for f in report.violations] == [str(HEALTH.hdab)]


def test_structured_data_rule_survives_the_missing_path_repair(summary, config):
    """The HealthDCAT-AP rule that had no sh:path is enforced after the repair."""
    g = build_graph(summary, config)
    ds = URIRef("https://data.example.org/curator/lungct-v2/dataset")
    assert g.value(ds, HEALTH.hasStructuredData) == Literal(True)
    g.remove((ds, HEALTH.hasVariables, None))
    report = validate_graph(g, "healthdcat-ap-r8-nonpublic")
    assert not report.conforms
    assert any("hasStructuredData" in f.message for f in report.violations)
    # the shipped file really has the defect, and the loaded graph no longer does
    raw = Graph()
    raw.parse(ontologies_dir() / "shapes" / "healthdcat-ap-r8" / "non-public-shapes.ttl")
    assert any(raw.value(p, SH.path) is None for p in raw.objects(None, SH.property))
    loaded = _shapes("healthdcat-ap-r8-nonpublic")
    assert all(loaded.value(p, SH.path) is not None for p in loaded.objects(None, SH.property))


def test_byte_size_conforms_only_with_the_repaired_300_shapes(summary, config):
    g = build_graph(summary, config.model_copy(update={"include_byte_size": True}))
    assert (None, DCAT.byteSize, Literal("812345", datatype=XSD.nonNegativeInteger)) in g
    for profile in BOTH:
        assert validate_graph(g, profile).conforms, profile
    # unrepaired DCAT-AP 3.0.0 (as HealthDCAT-AP r8 imports it) rejects the 3.0.1 datatype
    import pyshacl

    sg = Graph()
    for rel in PROFILES["healthdcat-ap-r8-nonpublic"]:
        sg.parse(ontologies_dir() / "shapes" / rel)
    repair_missing_paths(sg)
    conforms, _, text = pyshacl.validate(g, shacl_graph=sg, inference="none", advanced=True, allow_warnings=True)
    assert not conforms and "byteSize" in text
    # by default no byte size is written, so external validators agree
    assert (None, DCAT.byteSize, None) not in build_graph(summary, config)


# ------------------------------------------------------------------ determinism


def test_two_builds_are_byte_identical_even_across_hash_seeds(tmp_path, summary, config):
    a = write_catalog(summary, config, tmp_path / "a")
    b = write_catalog(summary, config, tmp_path / "b")
    for x, y in zip(a, b, strict=True):
        assert x.read_bytes() == y.read_bytes()
    script = (
        "import json,sys;from curator.release.catalog import *;from curator.release.config import load_release_config;"
        f"s=ReleaseSummary.model_validate(json.loads(sys.argv[1]));"
        f"write_catalog(s, load_release_config({str(EXAMPLE)!r}), sys.argv[2])"
    )
    import json

    for seed in ("0", "4242"):
        env = dict(os.environ, PYTHONHASHSEED=seed)
        out = tmp_path / f"seed{seed}"
        subprocess.run([sys.executable, "-c", script, json.dumps(summary_dict()), str(out)], check=True, env=env)
        assert (out / "catalog.ttl").read_bytes() == a[0].read_bytes()
        assert (out / "catalog.jsonld").read_bytes() == a[1].read_bytes()
    # no blank nodes: every subject and object is an IRI or a literal
    g = Graph()
    g.parse(a[0])
    assert not [t for t in g if any(type(x).__name__ == "BNode" for x in t)]


# ------------------------------------------------------------------ privacy


def test_counts_below_k_are_suppressed(config):
    s = ReleaseSummary.model_validate(summary_dict(
        n_individuals=3, n_studies=4, k=5, segmentations={"MANUAL": 2, "SEMIAUTOMATIC": 7},
    ))
    g = build_graph(s, config)
    ds = URIRef("https://data.example.org/curator/lungct-v2/dataset")
    for prop in (HEALTH.numberOfUniqueIndividuals, HEALTH.numberOfRecords, HEALTH.minTypicalAge, HEALTH.maxTypicalAge):
        assert g.value(ds, prop) is None
    text = to_turtle(g).decode() + to_jsonld(g).decode()
    assert "manual fewer than 5" in text and "semiautomatic 7" in text
    assert not re.search(r"manual 2\b", text)
    assert not re.search(r'"[34]"\^\^xsd:nonNegativeInteger', text)
    # still valid without the recommended counts
    for profile in BOTH:
        assert validate_graph(g, profile).conforms


def test_no_uid_and_no_exact_date_in_the_catalogue(config):
    planted_uid = "1.2.840.113619.2.55.3.2831164356"
    s = ReleaseSummary.model_validate(summary_dict(
        manufacturers=[f"ACME {planted_uid}", "Scanner built 2021-03-04", "Philips 20190417"],
        body_regions=[{"code": "RID1301", "label": f"lung 2020-02-02 {planted_uid}"}],
    ))
    g = build_graph(s, config)
    text = to_turtle(g).decode() + to_jsonld(g).decode()
    assert "ACME" in text and "Philips" in text  # the names themselves survive
    assert planted_uid not in text and "2021-03-04" not in text and "20190417" not in text
    assert not UID.search(text)
    assert not ISO_DATE.search(text)
    assert not [o for o in g.objects() if isinstance(o, Literal) and o.datatype in (XSD.date, XSD.dateTime)]
    # a UID as release identifier is refused with a message that does not quote it
    with pytest.raises(CuratorError) as exc:
        ReleaseSummary.parse(summary_dict(release_id="2.25.1234567.89"))
    assert "release_id" in str(exc.value) and "2.25.1234567.89" not in str(exc.value)


# ------------------------------------------------------------------ release.yaml


def test_example_release_yaml_loads_with_two_languages(config):
    assert set(config.title) >= {"en", "nl"} and config.access_rights == "NON_PUBLIC"


def _example_data() -> dict:
    return yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))


def test_release_config_errors_name_the_field_not_the_value():
    data = _example_data()
    secret = "Zyxwvuta-title-only-one-language"
    data["title"] = {"en": secret}
    del data["hdab"]
    data["contact_point"] = {"name": "desk", "email": "not-an-email"}
    with pytest.raises(CuratorError) as exc:
        parse_release_config(data)
    msg = str(exc.value)
    assert "title" in msg and "hdab: is required" in msg and "contact_point.email" in msg
    assert secret not in msg and "not-an-email" not in msg


def test_release_config_bad_yaml_and_missing_file(tmp_path):
    bad = tmp_path / "release.yaml"
    bad.write_text("title: [unclosed\n", encoding="utf-8")
    with pytest.raises(CuratorError, match=r"^release.yaml: release config is not readable YAML \(line 2\)$"):
        load_release_config(bad)
    with pytest.raises(CuratorError, match="not found"):
        load_release_config(tmp_path / "absent.yaml")


def test_unknown_concept_code_and_custom_concept(summary):
    data = _example_data()
    data["licence"] = "NO-SUCH-LICENCE"
    with pytest.raises(CuratorError, match="unknown licence code"):
        build_graph(summary, parse_release_config(data))
    data["licence"] = {"iri": "https://example.org/licences/data-permit", "label": {"en": "Data permit terms"}}
    data["health_category"] = [{"iri": "https://example.org/hc/imaging", "label": "Medical imaging"}]
    g = build_graph(summary, parse_release_config(data))
    lic = URIRef("https://example.org/licences/data-permit")
    assert (lic, RDF.type, DCTERMS.LicenseDocument) in g
    assert g.value(URIRef("https://example.org/hc/imaging"), SKOS.prefLabel) == Literal("Medical imaging")
    for profile in BOTH:
        assert validate_graph(g, profile).conforms, profile


def test_summary_validation_is_strict():
    with pytest.raises(CuratorError, match="segmentations"):
        ReleaseSummary.parse(summary_dict(segmentations={"BY_HAND": 3}))
    with pytest.raises(CuratorError, match="age_min is above age_max"):
        ReleaseSummary.parse(summary_dict(age_min=80, age_max=20))
    bad = copy.deepcopy(summary_dict())
    bad["run"]["settings_hash"] = "not-a-hash"
    with pytest.raises(CuratorError, match="run.settings_hash") as exc:
        ReleaseSummary.parse(bad)
    assert "not-a-hash" not in str(exc.value)
