"""Croissant JSON-LD for the series table, validated and read with mlcroissant when installed."""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from curator.release.catalog import ReleaseSummary
from curator.release.croissant import CONFORMS_TO, build_croissant, write_croissant
from curator.errors import CuratorError
from curator.release.config import load_release_config

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "release.yaml"
CSV = b"Modality,BodyPartRadLex,NumberOfInstances,SliceThickness\nCT,RID1243,120,1.25\nSEG,RID1301,1,\nMR,RID6434,30,3.0\n"
COLUMNS = [
    {"name": "Modality", "title": "Modality (0008,0060)", "description": "DICOM modality", "datatype": "string"},
    {"name": "BodyPartRadLex", "title": "Body region (RadLex)", "description": "RadLex RID", "datatype": "string"},
    {"name": "NumberOfInstances", "title": "Number of instances", "description": "instances in the series", "datatype": "integer"},
    {"name": "SliceThickness", "title": "Slice Thickness (0018,0050) mm", "description": "nominal slice thickness", "datatype": "decimal"},
]


def _summary(columns=COLUMNS, csv=True) -> ReleaseSummary:
    dists = [{"name": "dicom", "title": "DICOM", "path": "dicom/", "media_type": "application/dicom"}]
    if csv:
        dists.append({"name": "series-csv", "title": "Series table (CSV)", "path": "series.csv", "media_type": "text/csv",
                      "byte_size": len(CSV), "sha256": hashlib.sha256(CSV).hexdigest()})
    return ReleaseSummary.parse({
        "release_id": "lungct-v2", "n_individuals": 10, "n_studies": 12, "modalities": ["CT", "MR", "SEG"],
        "deid_profile": "basic", "k": 5,
        "run": {"tool_version": "0.1.0", "profile": "basic", "mapping_version": "1", "radlex_version": "3.14",
                "settings_hash": "0" * 64},
        "distributions": dists, "series_columns": columns,
    })


@pytest.fixture(scope="module")
def config():
    return load_release_config(EXAMPLE)


def test_croissant_structure(config):
    doc = build_croissant(_summary(), config)
    assert doc["@type"] == "sc:Dataset" and doc["conformsTo"] == CONFORMS_TO
    assert doc["license"] == "https://creativecommons.org/licenses/by-nc/4.0/"
    (fo,) = doc["distribution"]
    assert fo["contentUrl"] == "series.csv" and fo["sha256"] == hashlib.sha256(CSV).hexdigest()
    (rs,) = doc["recordSet"]
    assert [f["name"] for f in rs["field"]] == [c["name"] for c in COLUMNS]
    assert [f["dataType"] for f in rs["field"]] == ["sc:Text", "sc:Text", "sc:Integer", "sc:Float"]
    assert all(f["source"]["fileObject"]["@id"] == "series-csv" for f in rs["field"])


def test_croissant_is_deterministic(tmp_path, config):
    a = write_croissant(_summary(), config, tmp_path / "a")
    b = write_croissant(_summary(), config, tmp_path / "b")
    assert a.read_bytes() == b.read_bytes()
    json.loads(a.read_text())


def test_croissant_needs_a_table_and_columns(config):
    with pytest.raises(CuratorError, match="no series table"):
        build_croissant(_summary(csv=False), config)
    with pytest.raises(CuratorError, match="no column descriptions"):
        build_croissant(_summary(columns=[]), config)
    unhashed = _summary().model_copy(update={"distributions": [
        d.model_copy(update={"sha256": None}) for d in _summary().distributions]})
    with pytest.raises(CuratorError, match="series-csv has no sha256"):  # mlcroissant would refuse it
        build_croissant(unhashed, config)


def test_mlcroissant_validates_and_loads_the_series_table(tmp_path, config):
    mlc = pytest.importorskip("mlcroissant", reason="mlcroissant not installed (pip install mlcroissant)")
    (tmp_path / "series.csv").write_bytes(CSV)
    path = write_croissant(_summary(), config, tmp_path)
    dataset = mlc.Dataset(jsonld=str(path))  # raises on any validation error
    records = list(dataset.records(record_set="series"))
    assert len(records) == 3
    assert records[0]["series/Modality"] == b"CT"
    assert records[0]["series/NumberOfInstances"] == 120
    assert records[2]["series/BodyPartRadLex"] == b"RID6434"


def test_mlcroissant_rejects_a_broken_description(tmp_path, config):
    mlc = pytest.importorskip("mlcroissant", reason="mlcroissant not installed (pip install mlcroissant)")
    doc = build_croissant(_summary(), config)
    del doc["recordSet"][0]["field"][0]["source"]["fileObject"]
    path = tmp_path / "croissant.json"
    path.write_text(json.dumps(doc))
    with pytest.raises(mlc.ValidationError, match="Source should have"):
        list(mlc.Dataset(jsonld=str(path)).records(record_set="series"))
