"""A release says what its DICOM files hold, on a messy multi-site source (release14).

The source mixes what the earlier release tests did not publish together: a patient with two
studies at two sites, a series whose character set is not UTF-8 (ISO_IR 126, Greek), one
written in Implicit VR Little Endian, instances without Issuer of Patient ID, Body Part
Examined, Study Description or Series Number, and an ECG waveform.  The fast byte path of
de-identification declines the ISO_IR 126 and implicit VR files, so they go through pydicom:
every claim of the release (series table, FHIR ImagingStudy, catalogue) must hold for the
instances of either path.
"""
from __future__ import annotations

import json
import shutil
from collections import defaultdict
from pathlib import Path

import pandas as pd
import pydicom
import pytest
import yaml
from pydicom.data import get_testdata_file
from pydicom.uid import ImplicitVRLittleEndian
from rdflib import Graph, URIRef
from rdflib.namespace import DCAT, RDF

from curator.release.publish import PublishOptions, publish
from curator.resources import mappings_dir
from curator.testing import synthetic as syn

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "examples" / "release.yaml"
KEY = bytes(range(32))


def _write_source(root: Path) -> None:
    sites, patients = syn.SITES, syn.PATIENTS
    first = syn.Study(site=sites[0], patient=patients[0], number=1, description="TC TORAX CON CONTRASTE")
    second = syn.Study(site=sites[1], patient=patients[0], number=2, description="TC TORAX SIN CONTRASTE")
    greek = syn.Study(site=sites[2], patient=patients[1], number=1, description="ΑΞΟΝΙΚΗ ΘΩΡΑΚΟΣ")
    implicit = syn.Study(site=sites[3], patient=patients[2], number=1, description="RM CEREBRO")
    for ds in syn.ct_series(first, 2, rows=16, columns=16):
        syn.write_dataset(ds, root / sites[0].key / f"{ds.SOPInstanceUID}.dcm")
    for ds in syn.ct_series(second, 2, rows=16, columns=16):
        for keyword in ("IssuerOfPatientID", "BodyPartExamined", "SeriesNumber"):
            ds.pop(keyword, None)
        syn.write_dataset(ds, root / sites[1].key / f"{ds.SOPInstanceUID}.dcm")
    for ds in syn.ct_series(greek, 2, rows=16, columns=16):
        ds.SpecificCharacterSet = "ISO_IR 126"
        ds.SeriesDescription = "ΘΩΡΑΚΑΣ ΑΞΟΝΙΚΗ"
        syn.write_dataset(ds, root / sites[2].key / f"{ds.SOPInstanceUID}.dcm")
    for ds in syn.mr_series(implicit, 2):
        ds.pop("StudyDescription", None)
        ds.file_meta.TransferSyntaxUID = ImplicitVRLittleEndian
        syn.write_dataset(ds, root / sites[3].key / f"{ds.SOPInstanceUID}.dcm")
    (root / sites[4].key).mkdir(parents=True)
    shutil.copy(get_testdata_file("waveform_ecg.dcm"), root / sites[4].key / "ecg.dcm")  # modality ECG


@pytest.fixture(scope="module")
def release(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("messy") / "src"
    _write_source(root)
    out = tmp_path_factory.mktemp("release") / "release"
    publish(root, out, KEY, CONFIG, PublishOptions(release_date="2026-12-02", workers=2, k=2))
    return out


def _instances(release: Path) -> list[pydicom.Dataset]:
    return [pydicom.dcmread(p, stop_before_pixels=True) for p in sorted((release / "dicom").rglob("*.dcm"))]


def _code(ds: pydicom.Dataset, keyword: str) -> str | None:
    items = ds.get(keyword) or []
    return str(items[0].CodeValue) if items else None


def test_the_codes_of_the_series_table_and_fhir_are_in_every_released_instance(release: Path):
    """Each instance whose IOD holds Anatomic Region Sequence carries the body region its
    series claims in series.csv and FHIR; each carries its study's Procedure Code."""
    rules = yaml.safe_load((mappings_dir() / "descriptions" / "dicom-codes.yaml").read_text(encoding="utf-8"))
    anatomy_classes = set(rules["anatomic_region_sop_classes"])
    table = pd.read_csv(release / "metadata" / "series.csv", dtype=str).set_index("series_uid")
    fhir_body = {}
    for line in (release / "fhir" / "ImagingStudy.ndjson").read_text(encoding="utf-8").splitlines():
        for series in json.loads(line)["series"]:
            fhir_body[series["uid"]] = (series.get("bodySite") or {}).get("code")
    checked = defaultdict(int)
    wrong = []
    for ds in _instances(release):
        series = str(ds.SeriesInstanceUID)
        row = table.loc[series]
        claimed = row["body_region_codes"] if isinstance(row["body_region_codes"], str) else None
        if ds.SOPClassUID in anatomy_classes and claimed and "|" not in claimed:
            if _code(ds, "AnatomicRegionSequence") != claimed or fhir_body[series] != claimed:
                wrong.append((ds.Modality, str(ds.get("SpecificCharacterSet")), "body region"))
            checked[str(ds.get("SpecificCharacterSet"))] += 1
        procedure = row["procedure_code"] if isinstance(row["procedure_code"], str) else None
        if procedure and _code(ds, "ProcedureCodeSequence") != procedure:
            wrong.append((ds.Modality, str(ds.get("SpecificCharacterSet")), "procedure"))
    assert not wrong, wrong
    # the fast path's UTF-8 instances and pydicom's Greek and implicit VR ones were all checked
    assert checked["ISO_IR 126"] == 2 and checked["ISO_IR 192"] >= 4, dict(checked)


def test_every_modality_released_is_named_with_its_meaning_in_fhir_and_the_catalogue(release: Path):
    """The modalities FHIR and the catalogue list are those of the released files, each with
    its DICOM code meaning (an ECG waveform was 'DCM:ECG (DICOM modality)', FHIR without display)."""
    modalities = {str(ds.Modality) for ds in _instances(release)}
    assert {"CT", "MR", "ECG"} <= modalities
    fhir = {}
    for line in (release / "fhir" / "ImagingStudy.ndjson").read_text(encoding="utf-8").splitlines():
        study = json.loads(line)
        for coding in [*study["modality"], *(s["modality"] for s in study["series"])]:
            fhir[coding["code"]] = coding.get("display")
    assert set(fhir) == modalities
    assert {m for m, display in fhir.items() if not display} == set()
    graph = Graph().parse(release / "catalog.ttl")
    dataset = next(graph.subjects(RDF.type, DCAT.Dataset))
    values = {str(v) for v in graph.objects(dataset, URIRef("http://healthdataportal.eu/ns/health#hasCodeValues"))}
    named = {v.split()[0].removeprefix("DCM:"): v for v in values if v.startswith("DCM:") and not v[4].isdigit()}
    assert set(named) == modalities
    assert {v for v in named.values() if f"({fhir[v.split()[0][4:]]})" not in v} == set()


def test_frames_cleaned_of_text_end_with_one_sequence_delimiter(tmp_path: Path):
    """pydicom's 693_J2KI.dcm holds a JPEG 2000 comment, removed by de-identification: its
    encapsulated Pixel Data is rewritten and must still end with one Sequence Delimitation Item
    (the rewritten value carried its own, pydicom wrote another one after it: 8 stray bytes
    after Pixel Data, dciodvfy 'Illegal zero bytes where explicit Value Representation expected')."""
    from curator.deid.run import DeidOptions, deidentify

    source = tmp_path / "src" / "site"
    source.mkdir(parents=True)
    shutil.copy(get_testdata_file("693_J2KI.dcm"), source / "j2k.dcm")
    out = tmp_path / "out"
    report = deidentify(tmp_path / "src", out, key=KEY, options=DeidOptions(k=1, workers=1))
    assert report["actions"].get("frame_text_removed") == 1, report["actions"]
    (released,) = sorted(out.rglob("*.dcm"))
    data = released.read_bytes()
    pixel_data = data.rindex(b"\xe0\x7f\x10\x00")  # (7FE0,0010), explicit VR, undefined length
    position, items = pixel_data + 12, 0
    while data[position:position + 4] == b"\xfe\xff\x00\xe0":  # items: offset table, fragments
        position += 8 + int.from_bytes(data[position + 4:position + 8], "little")
        items += 1
    assert items >= 2 and data[position:] == b"\xfe\xff\xdd\xe0\x00\x00\x00\x00"


def test_cleaned_text_keeps_no_control_character_where_a_value_was_removed(tmp_path: Path):
    """A description 'AX<NUL>T1<NUL><MRN>' lost the MRN and kept the NUL before it as its last
    character (dciodvfy: 'Trailing character invalid for this VR', an error its source did not
    have); control characters where text is cleaned go as white space does."""
    from curator.deid.run import DeidOptions, deidentify

    study = syn.Study(site=syn.SITES[0], patient=syn.PATIENTS[0], number=1, description="TC TORAX")
    (ds,) = syn.ct_series(study, 1, rows=16, columns=16)
    ds.SeriesDescription = f"AX\0T1\0{ds.PatientID}"
    ds.ImageComments = f"AXIAL\x07\x1f{ds.PatientID}\0"
    syn.write_dataset(ds, tmp_path / "src" / "site" / "ct.dcm")
    deidentify(tmp_path / "src", tmp_path / "out", key=KEY, options=DeidOptions(k=1, workers=1))
    (released,) = sorted((tmp_path / "out").rglob("*.dcm"))
    out = pydicom.dcmread(released, stop_before_pixels=True)
    for keyword in ("SeriesDescription", "ImageComments"):
        raw = out[keyword].value
        assert str(ds.PatientID) not in raw
        assert not any(ord(c) < 32 for c in raw), (keyword, raw)


def test_a_source_whose_folder_names_are_masked_publishes_byte_identical_twice(tmp_path: Path):
    """Site labels that are not safe words are masked with a salted suffix ("~~3c51db"); the
    salt was the staging index's, random per run, so series.csv, series.parquet, batches.csv
    and the audit report differed between two publishes of the same source with the same key."""
    root = tmp_path / "src"
    for number, folder in enumerate(("Radiologia_Zzarvelo", "oncology-ward-7")):
        study = syn.Study(site=syn.SITES[number], patient=syn.PATIENTS[number], number=1, description="TC TORAX")
        for ds in syn.ct_series(study, 1, rows=16, columns=16):
            syn.write_dataset(ds, root / folder / f"{ds.SOPInstanceUID}.dcm")
    digests = []
    for run in ("first", "second"):
        out = tmp_path / run
        publish(root, out, KEY, CONFIG, PublishOptions(release_date="2026-12-02", workers=1, k=1))
        digests.append({p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()})
    sites = set(pd.read_csv(tmp_path / "first" / "metadata" / "series.csv", dtype=str)["site"])
    assert len(sites) == 2 and any("~" in site for site in sites), sites  # a label masked
    assert digests[0].keys() == digests[1].keys()
    assert sorted(name for name in digests[0] if digests[0][name] != digests[1][name]) == []


def test_a_rescan_keeps_the_masked_site_labels_the_public_tier_shows(tmp_path: Path):
    """publish lists the source again after de-identification (a changed source is refused),
    reusing the index; each re-scan masked the masked labels once more ('~_wing~557310' ->
    '~_wing~557310~557310'), and the public tier, whose tables are rebuilt from the index after
    that, showed the twice-masked labels (15-site release: '~~26110a~26110a', '~~~~2a0aed')."""
    from curator.index.scan import scan_source

    for number, folder in enumerate(("Radiologia_Zzarvelo", "Kowalski_wing", "site-a")):
        study = syn.Study(site=syn.SITES[number], patient=syn.PATIENTS[number], number=1, description="TC TORAX")
        for ds in syn.ct_series(study, 1, rows=16, columns=16):
            syn.write_dataset(ds, tmp_path / "src" / folder / f"{ds.SOPInstanceUID}.dcm")
    labels = []
    for _ in range(3):
        scan = scan_source(tmp_path / "src", index_path=tmp_path / "index.parquet", workers=1, progress=False)
        labels.append(sorted(set(scan.table(["site"]).column("site").to_pylist())))
    assert sum("~" in label for label in labels[0]) == 2, labels[0]
    assert labels[1] == labels[0] and labels[2] == labels[0]
