"""The clients users run read a release as its files are (round 17, item 2).

Two releases: (a) the round-16 source of every object kind (true Enhanced CT and MR among
them: 41 frames, ``tests/release16_source.py``), (b) one CT instance under a release.yaml whose
titles and keywords are in Japanese, Greek, Russian and Arabic only.  Each is read by

* CKAN's ckanext-dcat parser (``.ci/ckan-venv``, turtle and JSON-LD; ``external``, skips
  without the virtualenv outside CI): one dataset, no output on standard error, the title and
  every keyword as written, each resource's size the bytes of its files (``include_byte_size``),
  the numbers of records and individuals those of the files (none when fewer than k);
* mlcroissant: validation without a warning, release.yaml's keywords in every language, the
  records of the series table, whose instances, frames and bytes add up to the DICOM files';
* the HL7 FHIR JSON schema (``.ci/fhir-schemas``, ``external``) and fhir.resources: no error,
  ImagingStudy series and instances as the files.

Without round 17: Croissant lacked datePublished (mlcroissant's warning) and release.yaml's
keywords, the series table had
no frames nor bytes, the DICOM and FHIR distributions no size, and release (b) was named
``v2-0-0`` (the slug of a title in other scripts is empty).
"""
from __future__ import annotations

import json
import logging
import os
import re
import subprocess
from pathlib import Path

import pydicom
import pytest

from curator.release.config import load_release_config
from curator.release.fhir_export import parse_resource
from curator.release.publish import PublishOptions, publish
from curator.testing import synthetic as syn

from release16_source import write_source

KEY = bytes(range(32))
ROOT = Path(__file__).resolve().parent.parent
CKAN = ROOT / ".ci" / "ckan-venv" / "bin" / "python"
PROFILES = "euro_dcat_ap_3,euro_health_dcat_ap"
TITLES = "title:\n  ja: 肺がん検診コレクション（キュレーション済み）\n  el: Συλλογή αξονικών τομογραφιών πνεύμονα\n"
KEYWORDS = {"ja": ["肺がん検診", "低線量"], "ru": ["скрининг рака лёгкого"], "ar": ["فحص سرطان الرئة"]}


def _config(folder: Path, non_latin: bool) -> Path:
    text = (ROOT / "examples" / "release.yaml").read_text(encoding="utf-8")
    text = text.replace("include_byte_size: false", "include_byte_size: true")
    if non_latin:
        text = re.sub(r"title:\n  en: .*\n  nl: .*\n", TITLES, text)
        keywords = "".join(f"  {lang}: [{', '.join(words)}]\n" for lang, words in KEYWORDS.items())
        text = re.sub(r"keywords:\n  en: .*\n  nl: .*\n", "keywords:\n" + keywords, text)
    path = folder / "release.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="module", params=["all_kinds", "one_instance_non_latin"])
def release(request, tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp(request.param)
    if request.param == "all_kinds":
        write_source(folder / "src")
    else:
        study = syn.Study(site=syn.SITES[0], patient=syn.PATIENTS[0], number=1, description="TC TORAX")
        syn.write_dataset(syn.ct_series(study, 1, rows=16, columns=16)[0], folder / "src" / "one.dcm")
    out = folder / "release"
    publish(folder / "src", out, KEY, _config(folder, request.param != "all_kinds"),
            PublishOptions(release_date="2026-12-03", workers=2, k=5))
    return out


def _files(release: Path) -> dict:
    """What the files of the release hold."""
    paths = sorted((release / "dicom").rglob("*.dcm"))
    datasets = [pydicom.dcmread(p, stop_before_pixels=True) for p in paths]
    frames = sum(int(ds.get("NumberOfFrames") or 0) or (1 if "Rows" in ds else 0) for ds in datasets)
    return {"instances": len(paths), "series": len({ds.SeriesInstanceUID for ds in datasets}),
            "studies": len({ds.StudyInstanceUID for ds in datasets}),
            "patients": len({ds.PatientID for ds in datasets}), "frames": frames,
            "sizes": {"De-identified DICOM instances": sum(p.stat().st_size for p in paths),
                      "FHIR R4 ImagingStudy bulk data": sum(p.stat().st_size for p in (release / "fhir").iterdir()),
                      "Series table (CSV)": (release / "metadata" / "series.csv").stat().st_size,
                      "Series table (Parquet)": (release / "metadata" / "series.parquet").stat().st_size}}


@pytest.mark.external
@pytest.mark.parametrize("name, rdf_format", [("catalog.ttl", "turtle"), ("catalog.jsonld", "json-ld")])
def test_ckan_reads_titles_keywords_sizes_and_counts(release: Path, name: str, rdf_format: str):
    if not CKAN.is_file():
        reason = "CKAN virtualenv missing (.ci/ckan-venv): run .ci/run"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    done = subprocess.run([str(CKAN), str(ROOT / "tests" / "ckan" / "parse_catalog.py"), str(release / name),
                           rdf_format, PROFILES], capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0 and done.stderr == "", done.stderr[-2000:]
    (dataset,) = json.loads(done.stdout)
    files = _files(release)
    assert {r["name"]: r.get("size") for r in dataset["resources"]} == files["sizes"]
    tags = {t["name"] for t in dataset["tags"]}
    if files["instances"] == 1:
        assert dataset["title"] in TITLES
        assert {w for words in KEYWORDS.values() for w in words} <= tags
        identifier = {e["key"]: e["value"] for e in dataset["extras"]}["identifier"]
        assert re.search(r"/release-[0-9a-f]{8}-v2-0-0/dataset$", identifier), identifier
        assert (dataset.get("number_of_records"), dataset.get("number_of_unique_individuals")) == (None, None)  # < k
    else:
        assert (dataset["number_of_records"], dataset["number_of_unique_individuals"]) == (files["studies"],
                                                                                          files["patients"])


def test_mlcroissant_validates_without_warning_and_counts_what_the_files_hold(release: Path, caplog):
    mlc = pytest.importorskip("mlcroissant", reason="mlcroissant not installed (pip install mlcroissant)")
    with caplog.at_level(logging.WARNING):
        dataset = mlc.Dataset(jsonld=release / "croissant.json")
        records = list(dataset.records(record_set="series"))
    assert not [r.getMessage() for r in caplog.records if "warning" in r.getMessage().lower()]
    files = _files(release)

    def total(field: str) -> int:
        return sum(int(r[f"series/{field}"]) for r in records)

    assert len(records) == files["series"]
    assert (total("n_instances"), total("n_frames"), total("n_bytes")) == (
        files["instances"], files["frames"], files["sizes"]["De-identified DICOM instances"])
    sizes = {d.name: d.content_size for d in dataset.metadata.distribution}
    assert sizes == {"series-csv": f"{files['sizes']['Series table (CSV)']} B",
                     "series-parquet": f"{files['sizes']['Series table (Parquet)']} B"}
    config = load_release_config(release.parent / "release.yaml")
    assert {w for words in config.keywords.values() for w in words} <= set(dataset.metadata.keywords)
    if files["instances"] == 1:
        assert re.fullmatch(r"release-[0-9a-f]{8}-v2-0-0", json.loads((release / "croissant.json").read_text())["name"])


@pytest.mark.external
def test_fhir_schema_and_models_read_the_series_and_instances(release: Path):
    from test_fhir_schema import schema_errors

    files = _files(release)
    bundle = json.loads((release / "fhir" / "bundle.json").read_text(encoding="utf-8"))
    assert schema_errors(bundle, "R4B") == []
    parse_resource(bundle, "R4B")
    series = instances = 0
    for path in sorted((release / "fhir").glob("*.ndjson")):
        for line in path.read_text(encoding="utf-8").splitlines():
            resource = json.loads(line)
            assert schema_errors(resource, "R4B") == [], resource["resourceType"]
            parse_resource(resource, "R4B")
            if resource["resourceType"] == "ImagingStudy":
                series += resource["numberOfSeries"]
                instances += resource["numberOfInstances"]
                assert sum(len(s["instance"]) for s in resource["series"]) == resource["numberOfInstances"]
    assert (series, instances) == (files["series"], files["instances"])
