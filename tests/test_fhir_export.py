"""FHIR export: every resource parsed back with fhir.resources, R4B (default) and R5."""
from __future__ import annotations

import json

import pandas as pd
import pydicom
import pytest
from pydicom.data import get_testdata_file

from curator.errors import CuratorError
from curator.release.fhir_export import (
    build_resources,
    read_fhir_dir,
    read_ndjson,
    resource_id,
    write_fhir,
)

RECORDED = "2026-01-31T00:00:00Z"


def _pseudo(n: int) -> str:
    return f"2.25.{3141592653589793 + n}"


@pytest.fixture(scope="module")
def rows() -> list[dict]:
    """A series table built from pydicom's bundled CT and MR files (pseudonymous UIDs)."""
    ct = pydicom.dcmread(get_testdata_file("CT_small.dcm"), stop_before_pixels=True)
    mr = pydicom.dcmread(get_testdata_file("MR_small.dcm"), stop_before_pixels=True)
    ct_series = {
        "study_uid": _pseudo(1), "series_uid": _pseudo(11), "patient_pseudonym": "PSN-7F3A",
        "modality": ct.Modality, "series_number": int(ct.SeriesNumber),
        "body_site_code": "RID1243", "body_site_label": "thorax", "laterality": None,
        "procedure_code": "RPID16", "procedure_label": "CT Chest wo IV Contrast",
        "n_instances": 2,
        "instances": [
            {"sop_class_uid": str(ct.SOPClassUID), "sop_instance_uid": _pseudo(112), "number": 2},
            {"sop_class_uid": str(ct.SOPClassUID), "sop_instance_uid": _pseudo(111), "number": 1},
        ],
        "is_segmentation": False, "referenced_series_uids": [],
        "manufacturer": str(ct.Manufacturer), "model": str(ct.ManufacturerModelName),
    }
    seg_series = {
        "study_uid": _pseudo(1), "series_uid": _pseudo(12), "patient_pseudonym": "PSN-7F3A",
        "modality": "SEG", "series_number": 300, "body_site_code": "RID1301", "body_site_label": "lung",
        "laterality": "R", "procedure_code": "RPID16", "procedure_label": "CT Chest wo IV Contrast",
        "n_instances": 1,
        "instances": [{"sop_class_uid": "1.2.840.10008.5.1.4.1.1.66.4", "sop_instance_uid": _pseudo(121), "number": 1}],
        "is_segmentation": True, "referenced_series_uids": [_pseudo(11)],
        "manufacturer": "highdicom", "model": None,
    }
    mr_series = {
        "study_uid": _pseudo(2), "series_uid": _pseudo(21), "patient_pseudonym": "PSN-91C2",
        "modality": mr.Modality, "series_number": int(mr.SeriesNumber),
        "body_site_code": "RID6434", "body_site_label": "knee", "laterality": "L",
        "procedure_code": None, "n_instances": 1,
        "instances": [{"sop_class_uid": str(mr.SOPClassUID), "sop_instance_uid": _pseudo(211), "number": 1}],
        "manufacturer": str(mr.Manufacturer), "model": str(mr.ManufacturerModelName),
    }
    return [seg_series, mr_series, ct_series]


@pytest.mark.parametrize("version", ["R4B", "R5"])
def test_every_written_resource_parses_back(tmp_path, rows, version):
    paths = write_fhir(rows, tmp_path, version=version, recorded=RECORDED, tool_version="0.1.0")
    assert [p.name for p in paths] == ["ImagingStudy.ndjson", "Patient.ndjson", "Device.ndjson",
                                       "Provenance.ndjson", "bundle.json"]
    parsed = {p.stem: read_ndjson(p, version) for p in paths[:4]}
    assert len(parsed["ImagingStudy"]) == 2  # one per study
    assert len(parsed["Patient"]) == 2
    assert len(parsed["Device"]) == 4  # GE, Toshiba, highdicom, curator itself
    assert len(parsed["Provenance"]) == 2  # the run and the one segmentation
    module = "fhir.resources.R4B" if version == "R4B" else "fhir.resources"
    for items in parsed.values():
        assert all(type(r).__module__.startswith(module) for r in items)
    bundle_mod = __import__(f"{module}.bundle", fromlist=["Bundle"])
    bundle = bundle_mod.Bundle.model_validate_json(paths[4].read_text())
    assert bundle.type == "transaction"
    assert len(bundle.entry) == 10
    assert all(e.request.method == "PUT" and e.request.url == f"{e.resource.__resource_type__}/{e.resource.id}"
               for e in bundle.entry)


@pytest.mark.parametrize("version", ["R4B", "R5"])
def test_imaging_study_content(rows, version):
    res = build_resources(rows, version=version, recorded=RECORDED, tool_version="0.1.0")
    study = next(s for s in res["ImagingStudy"] if s["identifier"][0]["value"] == f"urn:oid:{_pseudo(1)}")
    assert study["id"] == resource_id("ImagingStudy", _pseudo(1))
    assert study["subject"]["reference"] == f"Patient/{resource_id('Patient', 'PSN-7F3A')}"
    assert study["numberOfSeries"] == 2 and study["numberOfInstances"] == 3
    ct, seg = study["series"]  # sorted by series number
    assert ct["uid"] == _pseudo(11) and seg["uid"] == _pseudo(12)
    assert [i["number"] for i in ct["instance"]] == [1, 2]
    assert ct["instance"][0]["sopClass"]["code"] == "urn:oid:1.2.840.10008.5.1.4.1.1.2"
    assert ct["numberOfInstances"] == 2
    if version == "R4B":
        assert {m["code"] for m in study["modality"]} == {"CT", "SEG"}
        assert ct["modality"]["code"] == "CT"
        assert ct["bodySite"] == {"system": "http://www.radlex.org", "code": "RID1243", "display": "thorax"}
        assert seg["laterality"]["code"] == "24028007"
        assert study["procedureCode"][0]["coding"][0]["code"] == "RPID16"
    else:
        assert {m["coding"][0]["code"] for m in study["modality"]} == {"CT", "SEG"}
        assert ct["modality"]["coding"][0]["code"] == "CT"
        assert ct["bodySite"]["concept"]["coding"][0]["code"] == "RID1243"
        assert seg["laterality"]["coding"][0]["code"] == "24028007"
        assert study["procedure"][0]["concept"]["coding"][0]["code"] == "RPID16"
    ge = resource_id("Device", "GE MEDICAL SYSTEMS|RHAPSODE")
    assert ct["performer"][0]["actor"]["reference"] == f"Device/{ge}"
    device = next(d for d in res["Device"] if d["id"] == ge)
    assert device["manufacturer"] == "GE MEDICAL SYSTEMS" and device["modelNumber"] == "RHAPSODE"
    # the segmentation's provenance names the series it was drawn on; every Reference's
    # identifier is the UID of the study it references, never a series UID
    seg_prov = next(p for p in res["Provenance"] if p["id"] == resource_id("Provenance", f"segmentation|{_pseudo(12)}"))
    (target,) = seg_prov["target"]
    assert target["reference"] == f"ImagingStudy/{study['id']}"
    assert target["identifier"] == {"system": "urn:dicom:uid", "value": f"urn:oid:{_pseudo(1)}"}
    assert _pseudo(12) in target["display"]
    (entity,) = seg_prov["entity"]
    assert entity["what"]["reference"] == f"ImagingStudy/{study['id']}"
    assert entity["what"]["identifier"]["value"] == f"urn:oid:{_pseudo(1)}" and _pseudo(11) in entity["what"]["display"]
    run = next(p for p in res["Provenance"] if p["id"] == resource_id("Provenance", "curation-run"))
    assert len(run["target"]) == 2 and run["recorded"].startswith("2026-01-31")


def test_patients_are_pseudonymous(rows):
    res = build_resources(rows, recorded=RECORDED, tool_version="0.1.0")
    for p in res["Patient"]:
        assert set(p) == {"resourceType", "id", "meta", "identifier"}
        assert p["meta"]["security"][0]["code"] == "PSEUDED"
    values = {p["identifier"][0]["value"] for p in res["Patient"]}
    assert values == {"PSN-7F3A", "PSN-91C2"}


def test_output_is_deterministic_and_independent_of_row_order(tmp_path, rows):
    a = write_fhir(rows, tmp_path / "a", recorded=RECORDED, tool_version="0.1.0")
    b = write_fhir(list(reversed(rows)), tmp_path / "b", recorded=RECORDED, tool_version="0.1.0")
    c = write_fhir(pd.DataFrame(rows), tmp_path / "c", recorded=RECORDED, tool_version="0.1.0")
    for x, y, z in zip(a, b, c, strict=True):
        assert x.read_bytes() == y.read_bytes() == z.read_bytes()
    for line in a[0].read_text().splitlines():
        assert json.loads(line)["resourceType"] == "ImagingStudy"


def test_bad_input_gives_clear_errors(rows):
    broken = [dict(rows[0], patient_pseudonym=None)]
    with pytest.raises(CuratorError, match="column patient_pseudonym is missing"):
        build_resources(broken, recorded=RECORDED, tool_version="0.1.0")
    mixed = [dict(rows[2]), dict(rows[0], patient_pseudonym="PSN-OTHER")]
    with pytest.raises(CuratorError, match="more than one patient") as exc:
        build_resources(mixed, recorded=RECORDED, tool_version="0.1.0")
    assert "PSN-OTHER" not in str(exc.value)
    with pytest.raises(CuratorError, match="R4B or R5"):
        build_resources(rows, version="STU3", recorded=RECORDED, tool_version="0.1.0")
    with pytest.raises(CuratorError, match="does not validate at: recorded"):
        build_resources(rows, recorded="last tuesday", tool_version="0.1.0")


def test_read_ndjson_rejects_an_invalid_line(tmp_path):
    p = tmp_path / "Patient.ndjson"
    p.write_text('{"resourceType":"Patient","id":"ok"}\n{"resourceType":"Patient","birthDate":"yesterday"}\n')
    with pytest.raises(CuratorError, match="line 2"):
        read_ndjson(p)


@pytest.mark.parametrize("version", ["R4B", "R5"])
def test_read_fhir_dir_checks_a_written_folder(tmp_path, rows, version):
    write_fhir(rows, tmp_path, version=version, recorded=RECORDED, tool_version="0.1.0")
    assert read_fhir_dir(tmp_path, version) == {"ImagingStudy": 2, "Patient": 2, "Device": 4, "Provenance": 2}
    other = "R5" if version == "R4B" else "R4B"
    with pytest.raises(CuratorError):
        read_fhir_dir(tmp_path, other)  # R4B and R5 ImagingStudy shapes differ
    (tmp_path / "Device.ndjson").write_text("")
    with pytest.raises(CuratorError, match="not the transaction Bundle"):
        read_fhir_dir(tmp_path, version)
