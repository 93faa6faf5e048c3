"""A synthetic instance-level index of any size, for audit benchmarks (no DICOM files).

Rows follow ``curator.index.store.SCHEMA`` with realistic repetition: instances grouped in
series of ``per_series`` instances, series in studies, studies in patients, spread over
sites, vendors and modalities.
"""
from __future__ import annotations

import json

import numpy as np
import pyarrow as pa

from curator.index.store import FORMAT_VERSION, SCHEMA

VENDORS = [("SIEMENS", "SOMATOM Force"), ("GE MEDICAL SYSTEMS", "Revolution CT"), ("Philips", "Ingenia"), ("CANON_MEC", "Aquilion ONE")]
DESCRIPTIONS = [("TC TORAX CON CONTRASTE", "Torax 1.25 STD", "CT"), ("MRT Schädel nativ", "Ax T1 FLAIR", "MR"),
                ("CT THORAX MED KONTRAST", "Thorax 3.0 B30f", "CT"), ("RM CERVELLO", "cor T2 FLAIR", "MR"),
                ("PET-TC CUERPO ENTERO FDG", "PET WB AC", "PT")]


def synthetic_index(n_rows: int, per_series: int = 100, series_per_study: int = 4, studies_per_patient: int = 2, sites: int = 10, seed: int = 0) -> pa.Table:
    rng = np.random.default_rng(seed)
    idx = np.arange(n_rows)
    series = idx // per_series
    study = series // series_per_study
    patient = study // studies_per_patient
    site = patient % sites
    vendor = (series // 7) % len(VENDORS)
    kind = study % len(DESCRIPTIONS)
    ages = (patient * 37) % 95
    sex = np.array(["F", "M", "O", None], dtype=object)[patient % 4]
    acquisition = [json.dumps({"modality_family": "ct", "convolution_kernel": k, "slice_thickness_mm": t}, sort_keys=True)
                   for k, t in [("B30f", 1.0), ("STANDARD", 1.25), ("FC13", 3.0), ("YB", 5.0)]]
    columns = {
        "path_key": [f"p{i:012x}" for i in idx],
        "path": [f"site{s}/series{r}/IM{i:06d}" for i, s, r in zip(idx, site, series)],
        "fingerprint": ["1:1"] * n_rows,
        "size": np.full(n_rows, 527000),
        "status": ["indexed"] * n_rows,
        "reason": [None] * n_rows,
        "sop_key": [f"{i:016x}" for i in idx],
        "series_key": [f"s{r:015x}" for r in series],
        "study_key": [f"t{s:015x}" for s in study],
        "patient_key": [f"q{p:015x}" for p in patient],
        "site": [f"site-{s}" for s in site],
        "modality": [DESCRIPTIONS[k][2] for k in kind],
        "sop_class_uid": ["1.2.840.10008.5.1.4.1.1.2"] * n_rows,
        "manufacturer": [VENDORS[v][0] for v in vendor],
        "model": [VENDORS[v][1] for v in vendor],
        "study_description": [DESCRIPTIONS[k][0] for k in kind],
        "series_description": [DESCRIPTIONS[k][1] for k in kind],
        "convolution_kernel": [["B30f", "STANDARD", "FC13", "YB"][v] for v in vendor],
        "patient_sex": list(sex),
        "age_years": ages.astype(float),
        "age_source": ["header"] * n_rows,
        "age_derivable": np.ones(n_rows, dtype=bool),
        "study_year": 2015 + (study % 8),
        "patient_weight": 50 + (patient % 40).astype(float),
        "slice_thickness": np.array([1.0, 1.25, 3.0, 5.0])[vendor],
        "identifiers_present": [["PatientName", "PatientID", "StudyDate", "SOPInstanceUID"]] * n_rows,
        "private_creators": [["SIEMENS CSA HEADER"]] * n_rows,
        "missing_type1": [[]] * n_rows,
        "missing_type2": [["ReferringPhysicianName"] if i % 50 == 0 else [] for i in idx],
        "nonconformant": [[]] * n_rows,
        "implausible": [[]] * n_rows,
        "checks_completeness": np.full(n_rows, 36),
        "checks_conformance": np.full(n_rows, 60),
        "checks_plausibility": np.full(n_rows, 6),
        "id_tokens": [[]] * n_rows,
        "acquisition": [acquisition[v] for v in vendor],
        "burned_in_annotation": ["NO"] * n_rows,
    }
    arrays = []
    for field in SCHEMA:
        values = columns.get(field.name)
        if values is None:
            arrays.append(pa.nulls(n_rows, field.type))
        else:
            arrays.append(pa.array(values, type=field.type))
    del rng
    return pa.Table.from_arrays(arrays, schema=SCHEMA.with_metadata({b"curator_index_version": FORMAT_VERSION.encode()}))
