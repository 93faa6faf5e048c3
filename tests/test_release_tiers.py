"""Access tiers, one patient per study, and reports that tell the truth (issue 14).

A 24-patient, four-site archive (curator.testing.synthetic.write_tier_archive) is published with
the default (NON_PUBLIC) release.yaml and de-identified for the public tier; every
released DICOM file is read back and each count the reports claim is checked against it.
"""
from __future__ import annotations

import json
from collections import Counter, defaultdict
from pathlib import Path

import pydicom
import pytest
import yaml

from curator.deid import kanon
from curator.deid.engine import patient_key_of
from curator.deid.pseudonyms import Pseudonymizer
from curator.deid.run import DeidOptions, deidentify
from curator.analyses.patient_identity import resolve
from curator.release.publish import PublishOptions, publish
from curator.testing.synthetic import write_tier_archive

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "examples" / "release.yaml"
KEY = bytes(range(32))


@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> tuple[Path, dict]:
    root = tmp_path_factory.mktemp("tiers") / "archive"
    return root, write_tier_archive(root)


@pytest.fixture(scope="module")
def publish_run(archive, tmp_path_factory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("release") / "release"
    assert yaml.safe_load(CONFIG.read_text()).get("access_rights", "NON_PUBLIC") == "NON_PUBLIC"
    summary = publish(archive[0], out, KEY, CONFIG, PublishOptions(release_date="2026-11-30", workers=2))
    return out, summary


@pytest.fixture(scope="module")
def published(publish_run) -> Path:
    return publish_run[0]


def _read(folder: Path) -> list[pydicom.Dataset]:
    return [pydicom.dcmread(p) for p in sorted(folder.rglob("*.dcm"))]


def _source_truth(root: Path) -> dict[str, dict]:
    """Per released SOP Instance UID: the source patient (majority of the study), site, study."""
    pseudo = Pseudonymizer(KEY)
    rows = []
    for path in sorted(root.rglob("*.dcm")):
        ds = pydicom.dcmread(path, stop_before_pixels=True)
        rows.append((str(ds.StudyInstanceUID), patient_key_of(ds), str(ds.SOPInstanceUID), path.relative_to(root).parts[0],
                     str(ds.PatientID)))
    studies = Counter((study, patient) for study, patient, *_ in rows)
    majority = resolve([(s, p, n) for (s, p), n in studies.items()])
    return {
        pseudo.uid(sop): {"study": study, "patient": majority.patient(study, patient), "site": site, "patient_id": pid}
        for study, patient, sop, site, pid in rows
    }


def test_non_public_release_keeps_demographics_and_reports_the_truth(archive, published):
    root, truth = archive
    released = _read(published / "dicom")
    source = _source_truth(root)
    report = json.loads((published / "metadata" / "deid-report.json").read_text())
    assert len(released) == truth["instances"] == report["counts"]["written"]
    # One patient per study, everywhere.
    patients_of_study = defaultdict(set)
    for ds in released:
        patients_of_study[ds.StudyInstanceUID].add(ds.PatientID)
    assert len(patients_of_study) == truth["studies"] == report["counts"]["studies"]
    assert all(len(p) == 1 for p in patients_of_study.values()), "a study is split across patients"
    individuals = {ds.PatientID for ds in released}
    assert len(individuals) == len(truth["patients"]) == report["counts"]["patients"]
    # Every instance carries its study's patient's demographics, with the right age.
    by_pid = truth["patients"]
    ages_kept = sexes_kept = ethnic_kept = 0
    for ds in released:
        src = source[ds.SOPInstanceUID]
        pid = src["patient"].split("\0")[-1]
        expected = by_pid[pid]
        age = min(expected["ages"][src["study"]], 90)
        assert ds.PatientAge == f"{age:03d}Y", (ds.Modality, ds.PatientAge, age)
        assert ds.PatientSex == expected["sex"]
        assert ds.get("EthnicGroup") == expected["ethnic_group"]
        assert "PatientSize" in ds and "PatientWeight" in ds or ds.Modality in ("SR", "RTSTRUCT")
        ages_kept += 1
        sexes_kept += 1
        ethnic_kept += ds.get("EthnicGroup") is not None
    claims = report["demographics"]["released"]
    assert claims["instances"] == len(released)
    assert (claims["instances_with_age"], claims["instances_with_sex"], claims["instances_with_ethnic_group"]) == (
        ages_kept, sexes_kept, ethnic_kept)
    studies_with = {name: {ds.StudyInstanceUID for ds in released if ds.get(key)} for name, key in
                    (("age", "PatientAge"), ("sex", "PatientSex"), ("ethnic_group", "EthnicGroup"))}
    assert all(claims[f"studies_with_{n}"] == len(studies_with[n]) for n in studies_with)
    assert report["demographics"]["patient_characteristics_kept"] is True
    assert report["demographics"]["ages_top_coded_to_090Y"] == sum(
        1 for info in by_pid.values() for a in info["ages"].values() if a >= 90)
    # The patient identity rule and its report.
    identity = report["patient_identity"]
    assert identity["conflicts"] == 1 and identity["conflict_instances"] == 1
    sr_rt = sum(1 for ds in released if ds.Modality in ("SR", "RTSTRUCT"))
    # instances without issuer at a site of one issuer are that issuer's patient before the
    # study is resolved (link_issuers): not joined by the study
    linked_instances, linked_studies = _linked_by_the_site(root)
    assert identity["instances_joined"] + linked_instances == sr_rt + 1
    assert identity["studies_joined"] + linked_studies >= 13 and linked_instances > 0
    # k-anonymity: measured on what was released, not enforced.
    kan = report["k_anonymity"]
    assert kan["enforced"] is False and kan["access"] == "non-public"
    assert kan["after"] == _risk_of(released, source, kan["k"])


def _linked_by_the_site(root: Path) -> tuple[int, int]:
    """Instances without IssuerOfPatientID at a site (top folder) whose other instances carry
    one issuer, that issuer also naming their PatientID there; and their studies."""
    rows = []
    for path in sorted(root.rglob("*.dcm")):
        ds = pydicom.dcmread(path, stop_before_pixels=True)
        rows.append((path.relative_to(root).parts[0], str(ds.PatientID), str(ds.get("IssuerOfPatientID", "") or ""),
                     str(ds.StudyInstanceUID)))
    issuers = defaultdict(set)
    named = set()
    for site, pid, issuer, _ in rows:
        if issuer:
            issuers[site].add(issuer)
            named.add((site, pid))
    linked = [study for site, pid, issuer, study in rows if not issuer and len(issuers[site]) == 1 and (site, pid) in named]
    return len(linked), len(set(linked))


def _text(ds: pydicom.Dataset, keyword: str) -> str | None:
    value = ds.get(keyword)
    return str(value) if value not in (None, "") else None


def _risk_of(released: list[pydicom.Dataset], source: dict, k: int) -> dict:
    """The k-anonymity figures of released files, computed from the files themselves."""
    records = {}
    for ds in released:
        src = source[ds.SOPInstanceUID]
        records[(ds.PatientID, ds.StudyInstanceUID)] = kanon.Record(
            ds.PatientID, ds.StudyInstanceUID, ds.get("PatientAge") or None, ds.get("PatientSex") or None,
            ds.get("EthnicGroup") or None, "folder:" + src["site"], size=_text(ds, "PatientSize"),
            weight=_text(ds, "PatientWeight"))
    return kanon.risk(list(records.values()), k)


def test_reports_agree_on_individuals_and_studies(archive, published, publish_run):
    _, truth = archive
    released = [pydicom.dcmread(p, stop_before_pixels=True) for p in sorted((published / "dicom").rglob("*.dcm"))]
    summary = publish_run[1]
    assert summary["instances"] == len(released)
    assert summary["individuals"] == len({ds.PatientID for ds in released}) == len(truth["patients"])
    assert summary["studies"] == len({ds.StudyInstanceUID for ds in released}) == truth["studies"]
    assert summary["series"] == len({ds.SeriesInstanceUID for ds in released})
    assert summary["k_anonymity"]["access"] == "non-public" and summary["patient_identity"]["conflicts"] == 1
    series_csv = (published / "metadata" / "series.csv").read_text().splitlines()
    assert len(series_csv) - 1 == summary["series"]
    audit = json.loads((published / "metadata" / "audit-report.json").read_text())
    assert audit["patients"] == len(truth["patients"]) and audit["studies"] == truth["studies"]
    assert audit["patient_identity"]["conflicts"] == 1
    codes = {f["code"]: f["count"] for f in audit["findings"]}
    assert codes["patient_conflicts"] == 1 and codes["patient_issuer_joined"] + _linked_by_the_site(archive[0])[1] >= 12
    assert audit["k_anonymity"]["after"]["patients"] == len(truth["patients"])
    fhir_patients = (published / "fhir" / "Patient.ndjson").read_text().splitlines()
    assert len(fhir_patients) == len(truth["patients"])
    studies = (published / "fhir" / "ImagingStudy.ndjson").read_text().splitlines()
    assert len(studies) == truth["studies"]
    catalog = (published / "catalog.ttl").read_text()
    assert f'numberOfUniqueIndividuals "{len(truth["patients"])}"' in catalog
    assert "measured, not enforced" in catalog  # the risk figure is in the release's metadata
    html = (published / "metadata" / "audit-report.html").read_text()
    assert "Re-identification risk" in html


@pytest.mark.parametrize("k", [5, 3])
def test_public_tier_is_k_anonymous_with_the_loss_reported(archive, tmp_path, k):
    root, truth = archive
    out = tmp_path / "public"
    report = deidentify(root, out, key=KEY, options=DeidOptions(k=k, workers=2, access="public"))
    released = _read(out)
    source = _source_truth(root)
    figures = _risk_of(released, source, k)
    assert figures["satisfied"] and figures["smallest_group"] >= k, figures
    kan = report["k_anonymity"]
    assert kan["enforced"] and kan["after"] == figures
    assert set(kan["loss"]) == {"age", "sex", "ethnic_group", "size", "weight", "suppression", "total"}
    claims = report["demographics"]["released"]
    assert claims["instances_with_age"] == sum(1 for ds in released if ds.get("PatientAge"))
    assert claims["instances_with_sex"] == sum(1 for ds in released if ds.get("PatientSex"))
    assert claims["instances_with_ethnic_group"] == sum(1 for ds in released if ds.get("EthnicGroup"))
    # Least loss: no node of the lattice with a lower loss would have been k-anonymous.
    records = list({(ds.PatientID, ds.StudyInstanceUID): None for ds in released})
    assert len(records) == truth["studies"]
    assert kan["loss"]["total"] <= _best_loss_by_brute_force(root, source, k)


def _best_loss_by_brute_force(root: Path, source: dict, k: int) -> float:
    """The least loss of any full-domain node (no suppression) that is k-anonymous."""
    import itertools

    from curator.deid.engine import derive_age, top_code

    pseudo = Pseudonymizer(KEY)
    base = {}
    for path in sorted(root.rglob("*.dcm")):
        ds = pydicom.dcmread(path, stop_before_pixels=True)
        src = source[pseudo.uid(str(ds.SOPInstanceUID))]
        if src["patient"] != patient_key_of(ds):
            continue  # the study's own patient's values
        key = (src["patient"], src["study"])
        age = derive_age(ds)
        rec = base.setdefault(key, kanon.Record(src["patient"], src["study"], None, None, None, "folder:" + src["site"]))
        rec.age = rec.age or (top_code(age) if age else None)
        rec.sex = rec.sex or (str(ds.PatientSex) or None)
        rec.ethnic_group = rec.ethnic_group or ds.get("EthnicGroup")
        rec.size = rec.size or (str(ds.PatientSize) if ds.get("PatientSize") is not None else None)
        rec.weight = rec.weight or (str(ds.PatientWeight) if ds.get("PatientWeight") is not None else None)
    records = list(base.values())
    best = 1.0
    for node in itertools.product(*(range(len(kanon.levels(a))) for a in kanon.ATTRIBUTES)):
        for r in records:
            r.node, r.suppressed = node, False
        if kanon.risk(records, k)["satisfied"]:
            best = min(best, sum(i / (len(kanon.levels(a)) - 1) for a, i in zip(kanon.ATTRIBUTES, node)) / len(kanon.ATTRIBUTES))
    return round(best, 4)


def _records(spec: list[tuple[str, str, str | None, str]]) -> list[kanon.Record]:
    return [kanon.Record(f"p{i}", f"s{i}", age, sex, eth, site) for i, (age, sex, eth, site) in enumerate(spec)]


def test_local_suppression_spares_everyone_else():
    # 20 women in their early forties, 15 men in their early sixties, 5 outliers, one site.
    spec = [(f"04{i % 5}Y", "F", None, "a") for i in range(20)] + [(f"06{i % 5}Y", "M", None, "a") for i in range(15)]
    spec += [("017Y", "M", None, "a"), ("088Y", "F", None, "a"), ("030Y", "O", None, "a"), ("051Y", "F", "ASIAN", "a"),
             ("094Y", "M", None, "a")]
    records = _records(spec)
    summary = kanon.enforce(records, 5, 0.15)
    assert summary["after"]["satisfied"] and summary["after"]["smallest_group"] == 5
    assert summary["generalization"] == {"age": "5-year bands", "sex": "exact", "ethnic_group": "exact", "size": "exact",
                                         "weight": "exact"}
    assert summary["suppressed_records"] == 5  # the outliers, together a group of five
    assert summary["loss"]["suppression"] == 0.125 and summary["loss"]["sex"] == 0.125
    kept = {kanon.released(r)["age"] for r in records if not r.suppressed}
    assert kept == {"040Y", "060Y"}
    # Without suppression the same cohort loses more: a coarser node for everyone.
    strict = kanon.enforce(_records(spec), 5, 0.0)
    assert strict["after"]["satisfied"] and strict["suppressed_records"] == 0
    assert strict["loss"]["total"] > summary["loss"]["total"]


def _sites(spec: dict[str, int]) -> list[kanon.Record]:
    """One 40-year-old woman per patient, ``spec``: site -> its number of patients."""
    return _records([("040Y", "F", None, site) for site, n in spec.items() for _ in range(n)])


@pytest.mark.parametrize("spec, merged, label_count", [
    ({"a": 6, "b": 1}, {"a", "b"}, 7),  # b alone is too small: the smallest other site joins it
    ({"a": 6, "b": 6, "c": 3, "d": 3}, {"c", "d"}, 6),  # the small sites together reach k: nothing else moves
    ({"a": 6, "b": 7, "c": 2, "d": 2}, {"a", "c", "d"}, 10),  # 4 < 5: the smallest remaining site (a, 6) joins
    ({"a": 6, "b": 6, "c": 2, "d": 2}, {"a", "c", "d"}, 10),  # a tie between a and b: the smaller label
    ({"a": 5, "b": 9}, set(), 0),  # every site has k patients: nothing merged
])
def test_sites_of_fewer_than_k_patients_are_merged_with_the_least_loss(spec, merged, label_count):
    records = _sites(spec)
    summary = kanon.enforce(records, 5, 0.05)
    assert summary["after"]["satisfied"] and summary["after"]["smallest_group"] >= 5
    sites = summary["site_generalization"]
    assert (sites["possible"], sites["sites"], sites["sites_merged"], sites["patients_merged"]) == (
        True, len(spec), len(merged), label_count)
    assert {r.extra["source_site"] for r in records if r.site == kanon.GENERALISED_SITE} == merged
    assert {r.site for r in records} - {kanon.GENERALISED_SITE} == set(spec) - merged
    # merging the sites left every other value as it was: 40-year-old women, exact
    assert summary["generalization"] == {"age": "exact", "sex": "exact", "ethnic_group": "exact", "size": "exact",
                                         "weight": "exact"}
    assert summary["suppressed_records"] == 0
    assert ("merged into 'other sites'" in kanon.summary_line(summary)) == bool(merged)
    assert "'a'" not in kanon.summary_line(summary)  # counts only, never a source label
    # deterministic: the records in another order give the same merge and the same summary
    again = list(reversed(_sites(spec)))
    assert kanon.enforce(again, 5, 0.05) == summary
    assert sorted((r.patient, r.site) for r in again) == sorted((r.patient, r.site) for r in records)


def test_enforce_cannot_reach_k_when_all_sites_together_are_too_small():
    records = _sites({"a": 2, "b": 2})
    summary = kanon.enforce(records, 5, 0.05)
    assert summary["after"]["satisfied"] is False and summary["after"]["patients_below_k"] == 4
    assert summary["site_generalization"]["possible"] is False
    assert {r.site for r in records} == {"a", "b"}  # nothing merged when merging cannot help
    assert all(v is None for r in records for v in kanon.released(r).values())


def test_identity_rule_majority_then_archive_then_key():
    counts = [("s1", "id\0H\0A", 3), ("s1", "id\0\0A", 1), ("s2", "id\0H\0B", 1), ("s2", "id\0H\0C", 1),
              ("s3", "id\0H\0C", 2)]
    person = lambda key: key.split("\0")[-1]  # noqa: E731
    result = resolve(counts, person)
    assert result.patient_of == {"s1": "id\0H\0A", "s2": "id\0H\0C", "s3": "id\0H\0C"}  # s2: C has more instances
    assert (result.studies_joined, result.instances_joined, result.conflicts, result.conflict_instances) == (2, 2, 1, 1)
