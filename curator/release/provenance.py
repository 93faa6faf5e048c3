"""Segmentation provenance as W3C PROV-O (rdflib) and FHIR R4B (fhir.resources).

Input: the ``segmentations`` array of the audit JSON, i.e. dicts from
``curator.analyses.segmentation.segmentation_provenance`` / ``apply_provenance`` with ``key``
set and ``referenced_series`` already turned into opaque series keys by the caller.

PROV-O, per segmentation (all IRIs minted from ``base_iri`` and opaque keys, so the
graph is deterministic and holds no identifier):

* ``<base>segmentation/<key>`` a ``prov:Entity``, ``prov:wasGeneratedBy`` its activity,
  ``prov:wasDerivedFrom`` each ``<base>series/<key>``;
* ``<base>segmentation/<key>/generation`` a ``prov:Activity`` that ``prov:used`` the
  referenced series, typed by method (``curator:method`` "MANUAL"…), with a
  ``prov:qualifiedAssociation`` per agent;
* a software agent ``<base>agent/software/<name>/<version>`` (``prov:SoftwareAgent``,
  ``rdfs:label`` name, ``schema:softwareVersion``), its association carrying a
  ``prov:Plan`` with the algorithm parameters (``schema:PropertyValue``);
* a human agent per reader role, ``<base>segmentation/<key>/agent/<role>``
  (``prov:Person`` with only ``prov:hadRole`` / ``rdfs:label`` of the role; never a name).

FHIR: ``fhir_devices`` gives one ``Device`` per scanner (manufacturer × model × software)
and per algorithm (name × version); ``fhir_provenance`` one ``Provenance`` per
segmentation. Both are validated by construction (pydantic models of fhir.resources).
"""
from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

from rdflib import RDF, RDFS, XSD, Graph, Literal, Namespace
from rdflib.namespace import DCTERMS, PROV

from curator.common.slug import slug

SCHEMA = Namespace("https://schema.org/")
DCM_SYSTEM = "http://dicom.nema.org/resources/ontology/DCM"
PARTICIPANT_TYPE = "http://terminology.hl7.org/CodeSystem/provenance-participant-type"
KEY_SYSTEM = "urn:curator:key"

_METHOD_ACTIVITY = {
    "MANUAL": "manual segmentation",
    "SEMIAUTOMATIC": "semi-automatic segmentation",
    "AUTOMATIC": "automatic segmentation",
}


def _key(seg: Mapping) -> str:
    key = seg.get("key")
    if not key:
        raise ValueError("each segmentation needs its opaque 'key' (set by the audit)")
    return str(key)


def _roles(seg: Mapping) -> list[str]:
    roles = []
    for reader in seg.get("readers") or []:
        role = reader.get("role") if isinstance(reader, Mapping) else None
        if role:
            roles.append(str(role))
    types = set(seg.get("algorithm_types") or ()) | {seg.get("algorithm_type")}
    if not roles and types & {"MANUAL", "SEMIAUTOMATIC"}:
        roles.append("annotator")  # a human took part; the header does not say who
    return sorted(set(roles))


def _algorithm(seg: Mapping) -> tuple[str | None, str | None]:
    return seg.get("algorithm_name"), seg.get("algorithm_version")


# --- PROV-O -------------------------------------------------------------------------
def prov_graph(segmentations: Iterable[Mapping], base_iri: str) -> Graph:
    """A PROV-O graph of the segmentations (see the module docstring)."""
    if not base_iri or not re.match(r"^[a-z][a-z0-9+.-]*:", base_iri):
        raise ValueError("base_iri must be an absolute IRI")
    if not base_iri.endswith(("/", "#")):
        base_iri += "/"
    base = Namespace(base_iri)
    vocab = Namespace(base_iri + "vocab#")
    g = Graph()
    g.bind("prov", PROV)
    g.bind("schema", SCHEMA)
    g.bind("dcterms", DCTERMS)
    g.bind("curator", vocab)
    for seg in sorted(segmentations, key=_key):
        key = _key(seg)
        entity = base[f"segmentation/{slug(key, 'unnamed')}"]
        activity = base[f"segmentation/{slug(key, 'unnamed')}/generation"]
        sources = seg.get("sources") or {}
        g.add((entity, RDF.type, PROV.Entity))
        g.add((entity, DCTERMS.identifier, Literal(key)))
        g.add((entity, DCTERMS.type, Literal(seg.get("kind") or "unknown")))
        g.add((entity, RDFS.label, Literal(f"{seg.get('kind') or 'segmentation'} segmentation")))
        g.add((entity, vocab.hasProvenance, Literal(bool(seg.get("has_provenance")))))
        for issue in seg.get("provenance_issues") or []:
            g.add((entity, vocab.provenanceIssue, Literal(issue)))
        g.add((entity, PROV.wasGeneratedBy, activity))
        g.add((activity, RDF.type, PROV.Activity))
        g.add((activity, PROV.generated, entity))
        method = seg.get("algorithm_type")
        g.add((activity, RDFS.label, Literal(_METHOD_ACTIVITY.get(str(method or ""), "segmentation (method unknown)"))))
        if method:
            g.add((activity, vocab.method, Literal(method)))
            g.add((activity, vocab.methodSource, Literal(sources.get("algorithm_type", "header"))))
        else:  # the header states none: said so, never guessed (round 19)
            g.add((activity, vocab.method, Literal("UNKNOWN")))
        for series_key in sorted(seg.get("referenced_series") or []):
            series = base[f"series/{slug(series_key, 'unnamed')}"]
            g.add((series, RDF.type, PROV.Entity))
            g.add((series, DCTERMS.identifier, Literal(str(series_key))))
            g.add((activity, PROV.used, series))
            g.add((entity, PROV.wasDerivedFrom, series))
        name, version = _algorithm(seg)
        if name:
            agent = base[f"agent/software/{slug(name, 'unnamed')}/{slug(version or 'unknown-version', 'unnamed')}"]
            g.add((agent, RDF.type, PROV.SoftwareAgent))
            g.add((agent, RDFS.label, Literal(name)))
            if version:
                g.add((agent, SCHEMA.softwareVersion, Literal(version)))
            family = seg.get("algorithm_family") or {}
            if family.get("meaning"):
                g.add((agent, SCHEMA.applicationCategory, Literal(family["meaning"])))
            if family.get("code"):
                g.add((agent, vocab.algorithmFamilyCode,
                       Literal(f"{family.get('scheme') or ''}:{family['code']}")))
            g.add((activity, PROV.wasAssociatedWith, agent))
            assoc = base[f"segmentation/{slug(key, 'unnamed')}/association/software"]
            g.add((activity, PROV.qualifiedAssociation, assoc))
            g.add((assoc, RDF.type, PROV.Association))
            g.add((assoc, PROV.agent, agent))
            g.add((assoc, PROV.hadRole, vocab.SegmentationAlgorithm))
            g.add((assoc, vocab.statedBy, Literal(sources.get("algorithm_name", "header"))))
            parameters = seg.get("parameters") or {}
            if parameters:
                plan = base[f"segmentation/{slug(key, 'unnamed')}/plan"]
                g.add((assoc, PROV.hadPlan, plan))
                g.add((plan, RDF.type, PROV.Plan))
                g.add((plan, RDF.type, PROV.Entity))
                for pname in sorted(parameters):
                    node = base[f"segmentation/{slug(key, 'unnamed')}/plan/{slug(pname, 'unnamed')}"]
                    g.add((plan, SCHEMA.additionalProperty, node))
                    g.add((node, RDF.type, SCHEMA.PropertyValue))
                    g.add((node, SCHEMA.name, Literal(str(pname))))
                    g.add((node, SCHEMA.value, Literal(str(parameters[pname]))))
        for role in _roles(seg):
            person = base[f"segmentation/{slug(key, 'unnamed')}/agent/{slug(role, 'unnamed')}"]
            role_iri = base[f"role/{slug(role, 'unnamed')}"]
            g.add((person, RDF.type, PROV.Person))
            g.add((person, RDF.type, PROV.Agent))
            g.add((person, RDFS.label, Literal(role)))  # the role, never a name
            g.add((role_iri, RDF.type, PROV.Role))
            g.add((role_iri, RDFS.label, Literal(role)))
            g.add((activity, PROV.wasAssociatedWith, person))
            assoc = base[f"segmentation/{slug(key, 'unnamed')}/association/{slug(role, 'unnamed')}"]
            g.add((activity, PROV.qualifiedAssociation, assoc))
            g.add((assoc, RDF.type, PROV.Association))
            g.add((assoc, PROV.agent, person))
            g.add((assoc, PROV.hadRole, role_iri))
            g.add((assoc, vocab.statedBy, Literal(sources.get("readers", "header"))))
            for reader in seg.get("readers") or []:
                if isinstance(reader, Mapping) and reader.get("role") == role:
                    if reader.get("count") is not None:
                        g.add((assoc, vocab.readerCount, Literal(int(reader["count"]), datatype=XSD.integer)))
                    if reader.get("experience_years") is not None:
                        g.add((assoc, vocab.experienceYears,
                               Literal(int(reader["experience_years"]), datatype=XSD.integer)))
    return g


# --- FHIR ---------------------------------------------------------------------------
def _fhir_id(prefix: str, *parts: Any) -> str:
    digest = hashlib.sha256(json.dumps([str(p) if p is not None else None for p in parts]).encode()).hexdigest()
    return f"{prefix}-{digest[:16]}"


def scanner_device_id(manufacturer: Any, model: Any, software: Any) -> str:
    return _fhir_id("scanner", manufacturer, model, software)


def algorithm_device_id(name: Any, version: Any) -> str:
    return _fhir_id("algorithm", name, version)


def _records(series: Any) -> list[Mapping]:
    if series is None:
        return []
    if hasattr(series, "to_dict"):  # pandas DataFrame
        return series.to_dict(orient="records")
    return list(series)


def _present(value: Any) -> bool:
    if value is None:
        return False
    if isinstance(value, float) and value != value:
        return False
    return str(value).strip() != ""


def fhir_devices(series: Any, segmentations: Iterable[Mapping] | None = None) -> list:
    """FHIR R4B ``Device`` resources: scanners from ``series`` and algorithms.

    ``series``: a DataFrame or iterable of mappings with ``manufacturer``, ``model``,
    ``software_versions`` (and optionally ``modality``). Serial numbers, station and
    institution are never read. ``segmentations``: optional, adds one Device per
    algorithm name × version. Sorted by id; ids are stable hashes.
    """
    from fhir.resources.R4B.device import Device

    devices: dict[str, Device] = {}
    for rec in _records(series):
        manufacturer, model = rec.get("manufacturer"), rec.get("model")
        software = rec.get("software_versions")
        if not (_present(manufacturer) or _present(model)):
            continue
        manufacturer = str(manufacturer) if _present(manufacturer) else None
        model = str(model) if _present(model) else None
        software = str(software) if _present(software) else None
        device_id = scanner_device_id(manufacturer, model, software)
        if device_id in devices:
            continue
        data: dict[str, Any] = {"id": device_id, "status": "active"}
        if manufacturer:
            data["manufacturer"] = manufacturer
        if model:
            data["deviceName"] = [{"name": model, "type": "model-name"}]
            data["modelNumber"] = model
        if software:
            data["version"] = [{"value": software}]
        modality = rec.get("modality")
        if _present(modality):
            data["type"] = {"coding": [{"system": DCM_SYSTEM, "code": str(modality)}],
                            "text": f"{modality} scanner"}
        devices[device_id] = Device(**data)
    for seg in segmentations or []:
        name, version = _algorithm(seg)
        if not name:
            continue
        device_id = algorithm_device_id(name, version)
        if device_id in devices:
            continue
        data = {
            "id": device_id,
            "deviceName": [{"name": str(name), "type": "user-friendly-name"}],
            "type": {"coding": [{"system": DCM_SYSTEM, "code": "113076", "display": "Segmentation"}],
                     "text": "segmentation algorithm"},
        }
        if version:
            data["version"] = [{"value": str(version)}]
        family = seg.get("algorithm_family") or {}
        if family.get("code"):
            data["property"] = [{
                "type": {"text": "algorithm family"},
                "valueCode": [{"coding": [{
                    "system": DCM_SYSTEM if family.get("scheme") == "DCM" else f"urn:dicom:scheme:{family.get('scheme')}",
                    "code": str(family["code"]),
                    **({"display": str(family["meaning"])} if family.get("meaning") else {}),
                }]}],
            }]
        devices[device_id] = Device(**data)
    return [devices[k] for k in sorted(devices)]


def fhir_provenance(segmentations: Iterable[Mapping], recorded: str | None = None) -> list:
    """One FHIR R4B ``Provenance`` per segmentation, sorted by key.

    ``recorded`` (FHIR requires it) is the instant the release records the provenance,
    e.g. the release time given by the publish step: the function never reads the clock,
    so the output stays deterministic. Agents: the algorithm ``Device`` (by the id of
    ``fhir_devices``) and human roles as ``who.display`` of the role alone.
    """
    from fhir.resources.R4B.provenance import Provenance

    if not recorded:
        raise ValueError("fhir_provenance needs 'recorded' (the release instant): FHIR requires it")
    out = []
    for seg in sorted(segmentations, key=_key):
        key = _key(seg)
        sources = seg.get("sources") or {}
        agents = []
        name, version = _algorithm(seg)
        if name:
            agents.append({
                "type": {"coding": [{"system": PARTICIPANT_TYPE, "code": "performer",
                                     "display": "Performer"}], "text": "segmentation algorithm"},
                "who": {"reference": f"Device/{algorithm_device_id(name, version)}",
                        "display": f"{name} {version}".strip() if version else str(name)},
            })
        for role in _roles(seg):
            agents.append({
                "type": {"coding": [{"system": PARTICIPANT_TYPE,
                                     "code": "author" if seg.get("algorithm_type") != "AUTOMATIC" else "verifier",
                                     }], "text": "human reader"},
                "role": [{"text": role}],
                "who": {"display": role},  # a role, never a person's name
            })
        if not agents:
            agents.append({"type": {"text": "unknown"}, "who": {"display": "unknown (no provenance)"}})
        entities = [{"role": "source",
                     "what": {"identifier": {"system": KEY_SYSTEM, "value": str(s)}, "display": "source series"}}
                    for s in sorted(seg.get("referenced_series") or [])]
        data: dict[str, Any] = {
            "id": _fhir_id("provenance", key),
            "target": [{"identifier": {"system": KEY_SYSTEM, "value": key},
                        "display": f"{seg.get('kind') or ''} segmentation".strip()}],
            "recorded": recorded,
            "activity": {"coding": [{"system": DCM_SYSTEM, "code": "113076", "display": "Segmentation"}],
                         "text": _METHOD_ACTIVITY.get(str(seg.get("algorithm_type") or ""), "segmentation")},
            "agent": agents,
        }
        if entities:
            data["entity"] = entities
        stated = sorted({v for v in sources.values()})
        if stated:
            data["policy"] = [f"urn:curator:provenance-source:{s}" for s in stated]
        out.append(Provenance(**data))
    return out
