"""Segmentation provenance as PROV-O and FHIR R4B."""
from __future__ import annotations

import hashlib
import json
import random
from pathlib import Path

import pydicom
import pytest
from fhir.resources.R4B.device import Device
from fhir.resources.R4B.provenance import Provenance
from rdflib import RDF, RDFS, Literal, URIRef
from rdflib.namespace import PROV

from curator.release.provenance import (
    SCHEMA,
    algorithm_device_id,
    fhir_devices,
    fhir_provenance,
    prov_graph,
)
from curator.analyses.segmentation import apply_provenance, load_provenance, segmentation_provenance

DATA = Path(__file__).parent / "data" / "segmentations"
EXAMPLE = Path(__file__).resolve().parent.parent / "mappings" / "provenance" / "example.yaml.sample"
BASE = "https://data.example.org/release-1/"
# identifiers present in the real test files' headers
PLANTED = ("Archibald", "77654033", "Reader^One", "Reader One", "PHANTOM_EXAMPLE", "Doe^John",
           "1.3.6.1.4.1.5962", "1.2.826.0.1.3680043", "Device XYZ")


def _opaque(uid: str) -> str:
    return hashlib.sha256(uid.encode()).hexdigest()[:16]


def _segmentations() -> list[dict]:
    rules = load_provenance([EXAMPLE])
    out = []
    for path in sorted(DATA.glob("*.dcm")):
        ds = pydicom.dcmread(path, stop_before_pixels=True)
        seg = segmentation_provenance(ds)
        seg["site"] = "site-b"
        seg = apply_provenance(seg, rules)
        # what the audit does: opaque keys instead of UIDs
        seg["key"] = _opaque(ds.SeriesInstanceUID)
        seg["referenced_series"] = [_opaque(u) for u in seg["referenced_series"]]
        seg["file"] = path.name  # test bookkeeping only
        out.append(seg)
    return out


@pytest.fixture(scope="module")
def segs():
    return _segmentations()


def _by_file(segs, name):
    return next(s for s in segs if s["file"] == name)


def test_prov_graph_software_agent(segs):
    g = prov_graph(segs, BASE)
    auto = _by_file(segs, "seg_ct2_auto_manual.dcm")
    entity = URIRef(f"{BASE}segmentation/{auto['key']}")
    activity = URIRef(f"{BASE}segmentation/{auto['key']}/generation")
    assert (entity, RDF.type, PROV.Entity) in g
    assert (entity, PROV.wasGeneratedBy, activity) in g
    assert (activity, RDF.type, PROV.Activity) in g
    series = URIRef(f"{BASE}series/{auto['referenced_series'][0]}")
    assert (activity, PROV.used, series) in g
    assert (entity, PROV.wasDerivedFrom, series) in g
    agents = list(g.objects(activity, PROV.wasAssociatedWith))
    software = [a for a in agents if (a, RDF.type, PROV.SoftwareAgent) in g]
    assert len(software) == 1
    assert (software[0], RDFS.label, Literal("TotalSegmentator")) in g
    assert (software[0], SCHEMA.softwareVersion, Literal("2.4.0")) in g
    # parameters as the plan of the association
    plans = list(g.objects(None, PROV.hadPlan))
    params = {}
    for plan in plans:
        for node in g.objects(plan, SCHEMA.additionalProperty):
            params[str(g.value(node, SCHEMA.name))] = str(g.value(node, SCHEMA.value))
    assert params == {"checkpoint_sha256": "deadbeef", "fast": "false", "task": "total"}
    # the manual segment: a human agent with a role and no name
    humans = [a for a in agents if (a, RDF.type, PROV.Person) in g]
    assert len(humans) == 1
    assert set(g.objects(humans[0], RDFS.label)) == {Literal("annotator")}


def test_prov_graph_curator_supplied_role(segs):
    g = prov_graph(segs, BASE)
    trap = _by_file(segs, "rtstruct_ct2_rtutils.dcm")
    activity = URIRef(f"{BASE}segmentation/{trap['key']}/generation")
    vocab = f"{BASE}vocab#"
    assert (activity, URIRef(vocab + "method"), Literal("MANUAL")) in g
    assert (activity, URIRef(vocab + "methodSource"), Literal("curator")) in g
    assocs = list(g.objects(activity, PROV.qualifiedAssociation))
    assert len(assocs) == 1
    person = g.value(assocs[0], PROV.agent)
    assert (person, RDF.type, PROV.Person) in g
    assert (person, RDFS.label, Literal("radiation oncologist")) in g
    assert (assocs[0], URIRef(vocab + "statedBy"), Literal("curator")) in g
    assert (assocs[0], URIRef(vocab + "experienceYears"), None) in g


def test_prov_graph_flags_missing_provenance():
    seg = segmentation_provenance(pydicom.dcmread(DATA / "rtstruct_ct2_rtutils.dcm", stop_before_pixels=True))
    seg["key"] = "k1"
    seg["referenced_series"] = ["s1"]
    g = prov_graph([seg], BASE)
    entity = URIRef(f"{BASE}segmentation/k1")
    assert (entity, URIRef(f"{BASE}vocab#hasProvenance"), Literal(False)) in g
    issues = {str(o) for o in g.objects(entity, URIRef(f"{BASE}vocab#provenanceIssue"))}
    assert "rt-utils default AUTOMATIC suspicious" in issues


def test_prov_graph_deterministic_and_clean(segs):
    a = prov_graph(segs, BASE).serialize(format="nt")
    shuffled = list(segs)
    random.Random(3).shuffle(shuffled)
    b = prov_graph(shuffled, BASE).serialize(format="nt")
    assert sorted(a.splitlines()) == sorted(b.splitlines())
    assert "_:" not in a  # no blank nodes: stable identifiers
    turtle = prov_graph(segs, BASE).serialize(format="turtle")
    assert turtle == prov_graph(shuffled, BASE).serialize(format="turtle")
    for planted in PLANTED:
        assert planted.casefold() not in turtle.casefold(), planted


def test_prov_graph_rejects_relative_base(segs):
    with pytest.raises(ValueError):
        prov_graph(segs, "release/")


def test_fhir_devices(segs):
    series = [
        {"manufacturer": "GE MEDICAL SYSTEMS", "model": "LightSpeed", "software_versions": "5.1",
         "modality": "CT", "device_serial_number": "SN-998877", "station_name": "CT-ROOM-7"},
        {"manufacturer": "GE MEDICAL SYSTEMS", "model": "LightSpeed", "software_versions": "5.1",
         "modality": "CT"},
        {"manufacturer": "SIEMENS", "model": "Skyra", "software_versions": None, "modality": "MR"},
        {"manufacturer": None, "model": None, "software_versions": None, "modality": "OT"},
    ]
    devices = fhir_devices(series, segs)
    assert all(isinstance(d, Device) for d in devices)
    scanners = [d for d in devices if d.id.startswith("scanner-")]
    algorithms = [d for d in devices if d.id.startswith("algorithm-")]
    assert len(scanners) == 2
    ge = next(d for d in scanners if d.manufacturer == "GE MEDICAL SYSTEMS")
    assert ge.deviceName[0].name == "LightSpeed" and ge.deviceName[0].type == "model-name"
    assert ge.version[0].value == "5.1"
    assert ge.type.coding[0].code == "CT"
    names = {d.deviceName[0].name: d for d in algorithms}
    assert set(names) == {"TotalSegmentator", "SlicerEditor", "test"}
    assert names["TotalSegmentator"].version[0].value == "2.4.0"
    assert names["TotalSegmentator"].property[0].valueCode[0].coding[0].code == "123110"
    text = json.dumps([json.loads(d.model_dump_json()) for d in devices])
    assert "SN-998877" not in text and "CT-ROOM-7" not in text
    for d in devices:  # valid FHIR: round-trips through the validating model
        Device.model_validate_json(d.model_dump_json())
    assert [d.id for d in devices] == sorted(d.id for d in devices)


def test_fhir_provenance(segs):
    recorded = "2026-11-23T00:00:00Z"
    resources = fhir_provenance(segs, recorded=recorded)
    assert len(resources) == len(segs)
    by_target = {p.target[0].identifier.value: p for p in resources}
    auto = by_target[_by_file(segs, "seg_ct2_auto_manual.dcm")["key"]]
    assert isinstance(auto, Provenance)
    who = [a.who for a in auto.agent]
    assert who[0].reference == f"Device/{algorithm_device_id('TotalSegmentator', '2.4.0')}"
    assert who[1].display == "annotator" and who[1].reference is None
    assert auto.entity[0].what.identifier.value == _by_file(segs, "seg_ct2_auto_manual.dcm")["referenced_series"][0]
    trap = by_target[_by_file(segs, "rtstruct_ct2_rtutils.dcm")["key"]]
    assert trap.activity.text == "manual segmentation"
    assert [a.role[0].text for a in trap.agent] == ["radiation oncologist"]
    assert "urn:curator:provenance-source:curator" in trap.policy
    text = json.dumps([json.loads(p.model_dump_json()) for p in resources])
    for planted in PLANTED:
        assert planted.casefold() not in text.casefold(), planted
    for p in resources:
        Provenance.model_validate_json(p.model_dump_json())
    again = fhir_provenance(list(reversed(segs)), recorded=recorded)
    assert [p.model_dump_json() for p in again] == [p.model_dump_json() for p in resources]


def test_fhir_provenance_needs_recorded(segs):
    with pytest.raises(ValueError, match="recorded"):
        fhir_provenance(segs)
