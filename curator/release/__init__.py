"""Releases: ``curator publish`` and ``curator validate`` and every writer of release metadata.

* :mod:`curator.release.publish`: ``curator publish``: an archive to a FAIR release;
* :mod:`curator.release.validate`: ``curator validate``;
* :mod:`curator.release.config`: release.yaml (pydantic);
* :mod:`curator.release.table`: what a release holds, read back from its DICOM files;
* :mod:`curator.release.catalog`: DCAT-AP / HealthDCAT-AP RDF;
* :mod:`curator.release.shacl`: SHACL validation;
* :mod:`curator.release.croissant`: Croissant metadata;
* :mod:`curator.release.fhir_export`: FHIR ImagingStudy;
* :mod:`curator.release.manifest`: MANIFEST (checksums);
* :mod:`curator.release.provenance`: PROV-O of segmentation provenance.

The names below are imported lazily (importing the package loads none of its modules).
"""
from __future__ import annotations

from curator.common.lazy import exports

# public name -> the module of this package that defines it
_EXPORTS = {
    "algorithm_device_id": "provenance",
    "build_croissant": "croissant",
    "build_graph": "catalog",
    "build_resources": "fhir_export",
    "CONFORMS_TO": "croissant",
    "fhir_devices": "provenance",
    "fhir_provenance": "provenance",
    "HEALTH": "catalog",
    "load_release_config": "config",
    "parse_release_config": "config",
    "PROFILES": "shacl",
    "prov_graph": "provenance",
    "publish": "publish",
    "PublishOptions": "publish",
    "read_fhir_dir": "fhir_export",
    "read_instances": "table",
    "read_manifest": "manifest",
    "read_ndjson": "fhir_export",
    "ReleaseSummary": "catalog",
    "repair_missing_paths": "shacl",
    "resolve_concept": "catalog",
    "resource_id": "fhir_export",
    "SCHEMA": "provenance",
    "to_jsonld": "catalog",
    "to_turtle": "catalog",
    "typical_age_range": "table",
    "validate_file": "shacl",
    "validate_graph": "shacl",
    "validate_release": "validate",
    "verify_manifest": "manifest",
    "write_catalog": "catalog",
    "write_croissant": "croissant",
    "write_fhir": "fhir_export",
    "write_manifest": "manifest",
}

__all__ = sorted(_EXPORTS)

__getattr__, __dir__ = exports(__name__, _EXPORTS, globals())
