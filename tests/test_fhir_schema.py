"""FHIR output checked independently of fhir.resources: HL7's official JSON schemas.

curator builds and validates its FHIR resources with fhir.resources; these tests validate
the written files with another implementation: the official FHIR JSON schemas (``openapi/
fhir.schema.json`` of HL7's core packages ``hl7.fhir.r4b.core`` 4.3.0 and
``hl7.fhir.r5.core`` 5.0.0, fetched from the npm registry by .ci/run into
``.ci/fhir-schemas/``) with jsonschema. They also check what no schema can: every
Reference's identifier is the identifier of the resource it references.
Outside CI missing schemas skip these tests; in CI (CI=true) they fail them.
"""
from __future__ import annotations

import json
import os
from functools import cache
from pathlib import Path

import jsonschema
import pytest

from curator.deid.pseudonyms import read_key, write_key
from curator.release.publish import PublishOptions, publish

ROOT = Path(__file__).resolve().parent.parent
SCHEMAS = ROOT / ".ci" / "fhir-schemas"
VERSIONS = {"R4B": "r4b", "R5": "r5"}

pytestmark = pytest.mark.external


@cache
def _schema(version: str) -> dict:
    path = SCHEMAS / VERSIONS[version] / "fhir.schema.json"
    if not path.is_file():
        reason = f"official FHIR {version} JSON schema missing ({path.relative_to(ROOT)}): run .ci/run"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    return json.loads(path.read_text(encoding="utf-8"))


@cache
def _validator(version: str, resource_type: str) -> jsonschema.Draft6Validator:
    definitions = _schema(version)["definitions"]
    if resource_type not in definitions:
        raise AssertionError(f"{resource_type} is not a FHIR {version} resource")
    return jsonschema.Draft6Validator({"$ref": f"#/definitions/{resource_type}", "definitions": definitions})


def schema_errors(resource: dict, version: str) -> list[str]:
    """Every schema violation of one resource, as 'path: message'."""
    validator = _validator(version, resource["resourceType"])
    return sorted(f"{'/'.join(map(str, e.absolute_path))}: {e.message[:200]}" for e in validator.iter_errors(resource))


@pytest.fixture(scope="module", params=sorted(VERSIONS))
def fhir_dir(request, tmp_path_factory) -> tuple[str, Path]:
    version = request.param
    _schema(version)
    key = tmp_path_factory.mktemp("key") / "release.key"
    write_key(key)
    out = tmp_path_factory.mktemp(f"out-{version}") / "release"
    options = PublishOptions(release_date="2026-11-23", workers=2, fhir_version=version)
    publish(ROOT / "examples" / "collection", out, read_key(key), ROOT / "examples" / "release.yaml", options)
    return version, out / "fhir"


def _resources(folder: Path) -> list[dict]:
    out = []
    for path in sorted(folder.glob("*.ndjson")):
        out.extend(json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip())
    return out


def test_every_resource_and_the_bundle_match_the_official_schema(fhir_dir):
    version, folder = fhir_dir
    resources = _resources(folder)
    assert {r["resourceType"] for r in resources} == {"ImagingStudy", "Patient", "Device", "Provenance"}
    problems = {f"{r['resourceType']}/{r['id']}": schema_errors(r, version) for r in resources}
    assert {k: v for k, v in problems.items() if v} == {}
    bundle = json.loads((folder / "bundle.json").read_text(encoding="utf-8"))
    assert schema_errors(bundle, version) == []
    assert len(bundle["entry"]) == len(resources)


def test_references_carry_the_identifier_of_the_resource_they_reference(fhir_dir):
    _, folder = fhir_dir
    resources = _resources(folder)
    studies = {f"ImagingStudy/{r['id']}": r for r in resources if r["resourceType"] == "ImagingStudy"}
    study_of_series = {s["uid"]: r for r in studies.values() for s in r["series"]}
    segmentation_provenance = [p for p in resources if p["resourceType"] == "Provenance" and p.get("entity")]
    assert segmentation_provenance, "the example collection has segmentations drawn on released series"
    checked = 0
    for provenance in segmentation_provenance:
        for reference in [*provenance["target"], *(e["what"] for e in provenance["entity"])]:
            if "reference" not in reference:
                continue
            study = studies[reference["reference"]]  # the reference resolves inside the release
            assert reference["identifier"] in study["identifier"]
            assert reference["identifier"]["value"].removeprefix("urn:oid:") not in study_of_series
            checked += 1
    assert checked >= 2 * len(segmentation_provenance)


def test_the_schema_check_catches_a_wrong_resource(fhir_dir):
    """The check is not vacuous: an unknown element, a missing or mistyped one, an R4-only one in R5."""
    version, folder = fhir_dir
    device = next(r for r in _resources(folder) if r["resourceType"] == "Device")
    assert schema_errors({**device, "colour": "blue"}, version)
    study = next(r for r in _resources(folder) if r["resourceType"] == "ImagingStudy")
    assert schema_errors({k: v for k, v in study.items() if k != "subject"}, version)
    assert schema_errors({**study, "numberOfSeries": "many"}, version)
    if version == "R5":
        assert schema_errors({**device, "deviceName": [{"name": "x", "type": "model-name"}]}, version)
