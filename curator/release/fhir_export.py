"""FHIR export of a release: ImagingStudy, Patient, Device and Provenance resources.

Input: the series table of the de-identified release, one row per series (a pandas
DataFrame or a list of dicts) with the keys

==========================  ==============================================================
``study_uid``               pseudonymous StudyInstanceUID (2.25…)
``series_uid``              pseudonymous SeriesInstanceUID
``patient_pseudonym``       the patient's pseudonym
``modality``                DICOM modality (CT, MR, SEG…)
``series_number``           optional int
``body_site_code/label``    optional RadLex RID and preferred name
``laterality``              optional DICOM laterality R / L / B
``procedure_code/label``    optional RadLex Playbook RPID and name (per study)
``n_instances``             number of instances in the series
``instances``               list of {sop_class_uid, sop_instance_uid, number}
``is_segmentation``         optional bool (SEG / RTSTRUCT series)
``referenced_series_uids``  optional list of the series a segmentation was drawn on
``segmentation_method``     optional MANUAL / SEMIAUTOMATIC / AUTOMATIC / UNKNOWN (Provenance.activity)
``algorithm_name/version``  optional, the segmentation algorithm ('unknown' when not stated): a Device
``algorithm_parameters``    optional JSON object text: the algorithm Device's properties
``manufacturer/model``      optional, for Device
==========================  ==============================================================

Output (``write_fhir``): bulk-data NDJSON files ``ImagingStudy.ndjson`` (one per study),
``Patient.ndjson`` (pseudonymous: an identifier and a PSEUDED security label, nothing else),
``Device.ndjson`` (one per manufacturer/model, plus curator itself), ``Provenance.ndjson``
(the curation run, and one per segmentation series naming the series it was drawn on) and
``bundle.json``, a transaction Bundle of all of them.  FHIR R4B by default (fhir.resources
``R4B`` models), R5 with ``version="R5"``.  Every resource is validated by its fhir.resources
model before it is written; ids are UUIDv5 of stable keys, so output is byte-identical.
"""
from __future__ import annotations

import json
import uuid
from collections import defaultdict
from functools import cache
from pathlib import Path
from typing import Any, Iterable

import yaml

from curator.errors import CuratorError
from curator.resources import ontologies_dir

VERSIONS = ("R4B", "R5")
RESOURCE_TYPES = ("ImagingStudy", "Patient", "Device", "Provenance")
_NS = uuid.UUID("6f1f4c1e-5b8e-5d0a-9a57-63757261746f")  # fixed namespace for curator FHIR ids
_REQUIRED = ("study_uid", "series_uid", "patient_pseudonym", "modality", "n_instances")


@cache
def _codes() -> dict:
    return yaml.safe_load((ontologies_dir() / "vocabularies" / "fhir-codes.yaml").read_text("utf-8"))


@cache
def _modalities() -> dict[str, str]:
    return yaml.safe_load((ontologies_dir() / "vocabularies" / "dicom-modalities.yaml").read_text("utf-8"))


# Provenance.activity of a segmentation series by its method (the series table's)
_METHOD_ACTIVITY = {"MANUAL": "manual segmentation", "SEMIAUTOMATIC": "semi-automatic segmentation",
                    "AUTOMATIC": "automatic segmentation", "UNKNOWN": "segmentation (method unknown)"}


def resource_id(kind: str, key: str) -> str:
    """Deterministic FHIR id of a resource (UUIDv5 of its type and key)."""
    return str(uuid.uuid5(_NS, f"{kind}|{key}"))


@cache
def _model(version: str, resource_type: str):
    if version not in VERSIONS:
        raise CuratorError(f"unknown FHIR version {version!r}; use R4B or R5")
    module = resource_type.lower()
    pkg = "fhir.resources.R4B" if version == "R4B" else "fhir.resources"
    mod = __import__(f"{pkg}.{module}", fromlist=[resource_type])
    return getattr(mod, resource_type)


def parse_resource(data: dict, version: str = "R4B"):
    """Validate a resource dict with its fhir.resources model (raises on any error)."""
    return _model(version, data["resourceType"]).model_validate(data)


def _dump(model) -> dict:
    return json.loads(model.model_dump_json(exclude_none=True))


def _rows(series) -> list[dict]:
    if hasattr(series, "to_dict"):
        series = series.to_dict(orient="records")
    rows = [dict(r) for r in series]
    for i, row in enumerate(rows):
        for key in _REQUIRED:
            value = row.get(key)
            if value is None or (isinstance(value, float) and value != value) or value == "":
                raise CuratorError(f"series table row {i + 1}: column {key} is missing or empty")
    return rows


def _coding(system_key: str, code: str, display: str | None = None) -> dict:
    out = {"system": _codes()["systems"][system_key], "code": str(code)}
    if display:
        out["display"] = str(display)
    return out


def _present(value) -> bool:
    if value is None:
        return False
    if isinstance(value, float) and value != value:
        return False
    return not (isinstance(value, str) and not value.strip())


def _list(value) -> list:
    if value is None or (isinstance(value, float) and value != value):
        return []
    return list(value)


def _modality(code: str) -> dict:
    return _coding("dcm", code, _modalities().get(code))


def _security() -> list[dict]:
    p = _codes()["pseudonymized"]
    return [_coding("security", p["code"], p["display"])]


def _device_key(row: dict) -> str | None:
    maker, model = row.get("manufacturer"), row.get("model")
    if not _present(maker) and not _present(model):
        return None
    return f"{maker if _present(maker) else ''}|{model if _present(model) else ''}"


def _study_reference(study_uid: str, display: str) -> dict:
    """A Reference to the ImagingStudy of a study: its id and its Study Instance UID."""
    return {
        "reference": f"ImagingStudy/{resource_id('ImagingStudy', study_uid)}",
        "identifier": {"system": _codes()["systems"]["dicom_uid"], "value": f"urn:oid:{study_uid}"},
        "display": display,
    }


class _Exporter:
    def __init__(self, rows: list[dict], version: str, recorded: str, tool_version: str):
        self.rows, self.v, self.recorded, self.tool_version = rows, version, recorded, tool_version
        self.r5 = version == "R5"

    def patient(self, pseudonym: str) -> dict:
        return {
            "resourceType": "Patient",
            "id": resource_id("Patient", pseudonym),
            "meta": {"security": _security()},
            "identifier": [{"system": "urn:curator:patient-pseudonym", "value": str(pseudonym)}],
        }

    def device(self, key: str) -> dict:
        maker, model = key.split("|", 1)
        d: dict[str, Any] = {"resourceType": "Device", "id": resource_id("Device", key)}
        if maker:
            d["manufacturer"] = maker
        if model:
            d["modelNumber"] = model
            d["name" if self.r5 else "deviceName"] = (
                [{"value": model, "type": "user-friendly-name"}] if self.r5 else [{"name": model, "type": "model-name"}]
            )
        return d

    def software(self) -> dict:
        d: dict[str, Any] = {"resourceType": "Device", "id": resource_id("Device", "curator-software")}
        if self.r5:
            d["name"] = [{"value": "curator", "type": "user-friendly-name"}]
        else:
            d["deviceName"] = [{"name": "curator", "type": "user-friendly-name"}]
        d["version"] = [{"value": self.tool_version}]
        return d

    def algorithm(self, row: dict) -> dict | None:
        """The Device of a segmentation's algorithm as the series table states it (name,
        version, parameters as properties); None without a named algorithm."""
        name = row.get("algorithm_name")
        if not _present(name) or str(name) == "unknown":
            return None
        version, parameters = row.get("algorithm_version"), row.get("algorithm_parameters")
        key = f"algorithm|{name}|{version}|{parameters}"
        d: dict[str, Any] = {"resourceType": "Device", "id": resource_id("Device", key)}
        if self.r5:
            d["name"] = [{"value": str(name), "type": "user-friendly-name"}]
        else:
            d["deviceName"] = [{"name": str(name), "type": "user-friendly-name"}]
        if _present(version):
            d["version"] = [{"value": str(version)}]
        stated = json.loads(str(parameters)) if _present(parameters) and str(parameters) != "unknown" else None
        properties = []
        for k, v in sorted((stated or {"parameters": "unknown"}).items()):
            if not str(v):
                continue  # a value emptied of an identifier: FHIR strings are not empty
            kind = {"text": str(k)}
            properties.append({"type": kind, "valueString": str(v)} if self.r5
                              else {"type": kind, "valueCode": [{"text": str(v)}]})
        if properties:
            d["property"] = properties
        return d

    def series(self, row: dict) -> dict:
        s: dict[str, Any] = {"uid": str(row["series_uid"])}
        if _present(row.get("series_number")):
            s["number"] = int(row["series_number"])
        modality = _modality(str(row["modality"]))
        s["modality"] = {"coding": [modality]} if self.r5 else modality
        s["numberOfInstances"] = int(row["n_instances"])
        if _present(row.get("body_site_code")):
            site = _coding("radlex", row["body_site_code"], row.get("body_site_label") or None)
            s["bodySite"] = {"concept": {"coding": [site]}} if self.r5 else site
        lat = row.get("laterality")
        if _present(lat) and str(lat) in _codes()["laterality"]:
            c = _codes()["laterality"][str(lat)]
            coding = _coding("snomed", c["code"], c["display"])
            s["laterality"] = {"coding": [coding]} if self.r5 else coding
        key = _device_key(row)
        if key is not None:
            s["performer"] = [{"actor": {"reference": f"Device/{resource_id('Device', key)}"}}]
        instances = []
        for inst in sorted(_list(row.get("instances")), key=lambda i: (int(i.get("number") or 0), str(i["sop_instance_uid"]))):
            item: dict[str, Any] = {
                "uid": str(inst["sop_instance_uid"]),
                "sopClass": _coding("sop_class", f"urn:oid:{inst['sop_class_uid']}"),
            }
            if _present(inst.get("number")):
                item["number"] = int(inst["number"])
            instances.append(item)
        if instances:
            s["instance"] = instances
        return s

    def study(self, study_uid: str, rows: list[dict]) -> dict:
        patients = sorted({str(r["patient_pseudonym"]) for r in rows})
        if len(patients) != 1:
            raise CuratorError("series table: a study has series of more than one patient")
        rows = sorted(rows, key=lambda r: (int(r["series_number"]) if _present(r.get("series_number")) else 0, str(r["series_uid"])))
        modalities = sorted({str(r["modality"]) for r in rows})
        d: dict[str, Any] = {
            "resourceType": "ImagingStudy",
            "id": resource_id("ImagingStudy", study_uid),
            "meta": {"security": _security()},
            "identifier": [{"system": _codes()["systems"]["dicom_uid"], "value": f"urn:oid:{study_uid}"}],
            "status": "available",
            "subject": {"reference": f"Patient/{resource_id('Patient', patients[0])}"},
            "modality": [{"coding": [_modality(m)]} for m in modalities] if self.r5 else [_modality(m) for m in modalities],
            "numberOfSeries": len(rows),
            "numberOfInstances": sum(int(r["n_instances"]) for r in rows),
        }
        procedures = sorted({(str(r["procedure_code"]), str(r.get("procedure_label") or ""))
                             for r in rows if _present(r.get("procedure_code"))})
        if procedures:
            concepts = [{"coding": [_coding("radlex", code, label or None)]} for code, label in procedures]
            if self.r5:
                d["procedure"] = [{"concept": c} for c in concepts]
            else:
                d["procedureCode"] = concepts
        d["series"] = [self.series(r) for r in rows]
        return d

    def provenance(self, studies: list[dict], seg_rows: list[dict], study_of_series: dict[str, str]) -> list[dict]:
        software = f"Device/{resource_id('Device', 'curator-software')}"
        agent = {
            "type": {"coding": [_coding("participant", "assembler", "Assembler")]},
            "who": {"reference": software},
        }
        out = [{
            "resourceType": "Provenance",
            "id": resource_id("Provenance", "curation-run"),
            "target": [{"reference": f"ImagingStudy/{s['id']}"} for s in studies],
            "recorded": self.recorded,
            "policy": ["https://dicom.nema.org/medical/dicom/current/output/html/part15.html#chapter_E"],
            "activity": {"text": "de-identification (DICOM PS3.15) and curation by curator"},
            "agent": [agent],
        }]
        for row in sorted(seg_rows, key=lambda r: str(r["series_uid"])):
            refs = sorted({str(u) for u in _list(row.get("referenced_series_uids"))})
            if not refs:
                continue
            # a Reference's identifier names the resource referenced (the ImagingStudy): the
            # study UID; the series, which is no resource, is named in the display
            target = _study_reference(str(row["study_uid"]), f"segmentation series {row['series_uid']}")
            entities = []
            for ref in refs:
                if ref in study_of_series:
                    what = _study_reference(study_of_series[ref], f"source series {ref}")
                else:  # drawn on a series that is not in the release
                    what = {"display": f"source series {ref} (not in the release)"}
                entities.append({"role": "source", "what": what})
            method = str(row.get("segmentation_method") or "UNKNOWN")
            agents = [agent]
            algorithm = self.algorithm(row)
            performer = {"type": {"coding": [_coding("participant", "performer", "Performer")]}}
            if algorithm is not None:
                agents.append({**performer, "who": {"reference": f"Device/{algorithm['id']}"}})
            elif str(row.get("algorithm_name") or "") == "unknown":
                agents.append({**performer, "who": {"display": "unknown algorithm"}})
            out.append({
                "resourceType": "Provenance",
                "id": resource_id("Provenance", f"segmentation|{row['series_uid']}"),
                "target": [target],
                "recorded": self.recorded,
                "activity": {"text": _METHOD_ACTIVITY.get(method, _METHOD_ACTIVITY["UNKNOWN"])},
                "agent": agents,
                "entity": entities,
            })
        return out

    def build(self) -> dict[str, list[dict]]:
        by_study: dict[str, list[dict]] = defaultdict(list)
        for row in self.rows:
            by_study[str(row["study_uid"])].append(row)
        studies = [self.study(uid, by_study[uid]) for uid in sorted(by_study)]
        patients = [self.patient(p) for p in sorted({str(r["patient_pseudonym"]) for r in self.rows})]
        devices = [self.device(k) for k in sorted({k for k in map(_device_key, self.rows) if k is not None})]
        devices.append(self.software())
        algorithms = {d["id"]: d for r in self.rows if (d := self.algorithm(r)) is not None}
        devices += [algorithms[k] for k in sorted(algorithms)]
        study_of_series = {str(r["series_uid"]): str(r["study_uid"]) for r in self.rows}
        segs = [r for r in self.rows if bool(r.get("is_segmentation")) or str(r["modality"]) in ("SEG", "RTSTRUCT")]
        provenance = self.provenance(studies, segs, study_of_series)
        out = {"ImagingStudy": studies, "Patient": patients, "Device": devices, "Provenance": provenance}
        validated = {}
        for rtype, items in out.items():
            validated[rtype] = sorted((self.check(r) for r in items), key=lambda r: r["id"])
        return validated

    def check(self, data: dict) -> dict:
        try:
            return _dump(parse_resource(data, self.v))
        except Exception as exc:  # pydantic ValidationError: report the field paths, not the values
            locs = sorted({".".join(str(p) for p in e["loc"]) for e in getattr(exc, "errors", lambda: [])()})
            raise CuratorError(
                f"FHIR {self.v} {data['resourceType']} does not validate at: {', '.join(locs) or 'unknown field'}"
            ) from None


def build_resources(series, *, version: str = "R4B", recorded: str, tool_version: str) -> dict[str, list[dict]]:
    """Validated FHIR resources (as JSON dicts) by resource type, each list sorted by id.

    ``recorded`` is the Provenance instant (e.g. the release date, ``2026-01-31T00:00:00Z``):
    passed in, never the wall clock, so the output is reproducible."""
    if version not in VERSIONS:
        raise CuratorError(f"unknown FHIR version {version!r}; use R4B or R5")
    return _Exporter(_rows(series), version, recorded, tool_version).build()


def transaction_bundle(resources: dict[str, list[dict]], version: str = "R4B") -> dict:
    """A transaction Bundle that PUTs every resource at its id (idempotent)."""
    entries = []
    for rtype in RESOURCE_TYPES:
        for r in resources.get(rtype, []):
            entries.append({
                "fullUrl": f"urn:uuid:{r['id']}",
                "resource": r,
                "request": {"method": "PUT", "url": f"{rtype}/{r['id']}"},
            })
    bundle = {"resourceType": "Bundle", "id": resource_id("Bundle", "release"), "type": "transaction", "entry": entries}
    return _dump(parse_resource(bundle, version))


def _ndjson(items: Iterable[dict]) -> bytes:
    return "".join(json.dumps(r, ensure_ascii=False, separators=(",", ":"), allow_nan=False) + "\n" for r in items).encode("utf-8")


def write_fhir(series, out_dir: str | Path, *, version: str = "R4B", recorded: str, tool_version: str) -> list[Path]:
    """Write ``<Type>.ndjson`` for the four resource types and ``bundle.json``; return the paths."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    resources = build_resources(series, version=version, recorded=recorded, tool_version=tool_version)
    paths = []
    for rtype in RESOURCE_TYPES:
        p = out / f"{rtype}.ndjson"
        p.write_bytes(_ndjson(resources[rtype]))
        paths.append(p)
    bundle = out / "bundle.json"
    bundle.write_bytes((json.dumps(transaction_bundle(resources, version), ensure_ascii=False, indent=1, allow_nan=False) + "\n").encode("utf-8"))
    paths.append(bundle)
    return paths


def read_ndjson(path: str | Path, version: str = "R4B") -> list:
    """Parse every line of an NDJSON file with fhir.resources (raises CuratorError on a bad line)."""
    out = []
    p = Path(path)
    from curator.common.regular import read_named

    try:
        text = read_named(p, "FHIR file", limit=None).decode("utf-8")  # a FIFO in its place is refused, never waited on
    except UnicodeDecodeError:
        raise CuratorError(f"{p.name} is not UTF-8 text") from None
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            out.append(parse_resource(json.loads(line), version))
        except Exception:
            raise CuratorError(f"{p.name} line {n}: not a valid FHIR {version} resource") from None
    return out


def read_fhir_dir(folder: str | Path, version: str = "R4B") -> dict[str, int]:
    """Parse every resource of a written FHIR folder (the NDJSON files and the Bundle).

    Returns the number of resources per type; raises CuratorError on the first bad one."""
    from curator.common.regular import read_small

    root = Path(folder)
    counts: dict[str, int] = {}
    for rtype in RESOURCE_TYPES:
        path = root / f"{rtype}.ndjson"
        if not path.is_file():
            raise CuratorError(f"FHIR folder lacks {path.name}")
        resources = read_ndjson(path, version)
        if any(r.__resource_type__ != rtype for r in resources):
            raise CuratorError(f"{path.name} holds a resource of another type")
        counts[rtype] = len(resources)
    bundle = root / "bundle.json"
    try:
        parsed = parse_resource(json.loads(read_small(bundle, limit=None).decode("utf-8")), version)
    except FileNotFoundError:
        raise CuratorError("FHIR folder lacks bundle.json") from None
    except Exception:
        raise CuratorError(f"bundle.json is not a valid FHIR {version} Bundle") from None
    if parsed.type != "transaction" or len(parsed.entry or []) != sum(counts.values()):
        raise CuratorError("bundle.json is not the transaction Bundle of the NDJSON files")
    return counts
