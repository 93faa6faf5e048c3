"""Analyses over the index: the audit report and what enriches it (RadLex normalization
itself is :mod:`curator.normalize`).

* :mod:`curator.analyses.audit`: the audit report (dict, the JSON contract);
* :mod:`curator.analyses.enrich`: normalization, segmentation, harmonization and demographics sections of the report;
* :mod:`curator.analyses.series_view`: the index seen per series or per study;
* :mod:`curator.analyses.acquisition`: acquisition parameters per modality;
* :mod:`curator.analyses.segmentation`: SEG / RTSTRUCT provenance, curator-supplied provenance;
* :mod:`curator.analyses.harmonization`: batches and the covariate table;
* :mod:`curator.analyses.patient_identity`: one patient per study, shared by the audit and de-identification;
* :mod:`curator.analyses.pipeline`: scan then audit, chained for the CLI.

The names below are imported lazily (importing the package loads none of its modules).
"""
from __future__ import annotations

from curator.common.lazy import exports

# public name -> the module of this package that defines it
_EXPORTS = {
    "acquisition_parameters": "acquisition",
    "apply_provenance": "segmentation",
    "AUDIT_COLUMNS": "audit",
    "audit_settings": "pipeline",
    "audit_source": "pipeline",
    "AuditSettings": "audit",
    "BATCH_COLUMNS": "harmonization",
    "batches": "harmonization",
    "build_report": "audit",
    "number_alike": "audit",
    "shown_path": "audit",
    "COVARIATE_COLUMNS": "harmonization",
    "covariate_table": "harmonization",
    "covariates_of": "enrich",
    "CT_KEYS": "acquisition",
    "DEMOGRAPHICS": "audit",
    "device_fields": "acquisition",
    "DIMENSIONS": "audit",
    "exit_status": "audit",
    "GroupView": "series_view",
    "ISSUE_AUTO_NO_NAME": "segmentation",
    "ISSUE_NO_TYPE": "segmentation",
    "ISSUE_RTUTILS_DEFAULT": "segmentation",
    "ISSUE_SEMI_NO_NAME": "segmentation",
    "ISSUE_UNKNOWN_TYPE": "segmentation",
    "load_provenance": "segmentation",
    "MR_KEYS": "acquisition",
    "present": "series_view",
    "ProvenanceFile": "segmentation",
    "PT_KEYS": "acquisition",
    "resolve": "patient_identity",
    "segmentation_provenance": "segmentation",
    "thickness_band": "harmonization",
    "to_json": "audit",
    "US_KEYS": "acquisition",
    "write_batches_csv": "harmonization",
    "XR_KEYS": "acquisition",
}

__all__ = sorted(_EXPORTS)

__getattr__, __dir__ = exports(__name__, _EXPORTS, globals())
