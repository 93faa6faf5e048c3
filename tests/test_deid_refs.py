"""Reference integrity after UID remapping (SEG, RTSTRUCT, SR) and DICOM validity.

Built with ``curator.testing.synthetic`` (highdicom SEG, RT Structure Set, Comprehensive SR, CT,
MR, PET and ultrasound).  The dciodvfy test is ``external``: it needs Debian's
``dicom3tools`` and skips with a reason when ``dciodvfy`` is missing.
"""
from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pydicom
import pytest

syn = pytest.importorskip("curator.testing.synthetic")

from curator.deid.pseudonyms import Pseudonymizer  # noqa: E402  (after the importorskip above)
from curator.deid.run import DeidOptions, deidentify  # noqa: E402

KEY = bytes(range(32))


def _sample(root: Path) -> dict[str, list[Path]]:
    study = syn.Study(site=syn.SITES[0], patient=syn.PATIENTS[0], number=1, description="TC TORAX", messy_text=True)
    ct = syn.ct_series(study, 3, rows=32, columns=32)
    written: dict[str, list[Path]] = {"ct": [], "other": []}
    for i, ds in enumerate(ct):
        written["ct"].append(syn.write_dataset(ds, root / "ct" / f"{i}.dcm"))
    other = [
        syn.rtstruct(study, ct),
        syn.segmentation(study, ct),
        syn.sr_document(study, evidence=ct),
        syn.us_image(study, series_number=5, burned_in_annotation="NO"),  # series 1 would collide with the CT UIDs
    ]
    second = syn.Study(site=syn.SITES[4], patient=syn.PATIENTS[1], number=1, description="RM CEREBRO")
    other += syn.mr_series(second, 2)
    third = syn.Study(site=syn.SITES[1], patient=syn.PATIENTS[6], number=1, description="PET")
    other += syn.pt_series(third, 2)
    for i, ds in enumerate(other):
        written["other"].append(syn.write_dataset(ds, root / "other" / f"{i}.dcm"))
    return written


@pytest.fixture(scope="module")
def released(tmp_path_factory):
    root = tmp_path_factory.mktemp("refs")
    source = root / "src"
    files = _sample(source)
    out = root / "out"
    report = deidentify(source, out, key=KEY, options=DeidOptions(k=1, workers=1))
    return source, out, files, report


def _all(ds, keyword):
    return [e.value for e in ds.iterall() if e.keyword == keyword]


def test_references_still_resolve(released):
    _source, out, files, report = released
    assert report["counts"]["rejected"] == 0 and report["counts"]["quarantined"] == 0
    outputs = [pydicom.dcmread(p) for p in sorted(out.rglob("*.dcm"))]
    by_modality = {}
    for ds in outputs:
        by_modality.setdefault(ds.Modality, []).append(ds)
    cts = by_modality["CT"]
    ct_instances = {d.SOPInstanceUID for d in cts}
    ct_series = {d.SeriesInstanceUID for d in cts}
    ct_frame = {d.FrameOfReferenceUID for d in cts}
    assert len(ct_instances) == 3 and len(ct_series) == 1 and len(ct_frame) == 1
    originals = {pydicom.dcmread(p).SOPInstanceUID for p in files["ct"]}
    assert ct_instances.isdisjoint(originals)
    pseudo = Pseudonymizer(KEY)
    inputs = {}
    for path in files["other"]:
        original = pydicom.dcmread(path)
        inputs[original.Modality] = original
    for modality in ("SEG", "RTSTRUCT", "SR"):
        ds = by_modality[modality][0]
        referenced = set(_all(ds, "ReferencedSOPInstanceUID"))
        assert ct_instances <= referenced, f"{modality} lost references"
        # Every reference left is the keyed remapping of an original one (references the
        # profile removes, such as a performed procedure step, may go; none is invented).
        original_refs = set(_all(inputs[modality], "ReferencedSOPInstanceUID"))
        assert referenced <= {pseudo.uid(uid) for uid in original_refs}, modality
        series_refs = set(_all(ds, "SeriesInstanceUID")) - {ds.SeriesInstanceUID}
        assert series_refs <= ct_series, modality
        assert ds.StudyInstanceUID == cts[0].StudyInstanceUID
    assert by_modality["SEG"][0].FrameOfReferenceUID in ct_frame
    rt = by_modality["RTSTRUCT"][0]
    assert set(_all(rt, "FrameOfReferenceUID")) | set(_all(rt, "ReferencedFrameOfReferenceUID")) <= ct_frame
    # PET: times kept (SUV stays computable), dates shifted consistently.
    pet = by_modality["PT"][0]
    info = pet.RadiopharmaceuticalInformationSequence[0]
    original = next(pydicom.dcmread(p) for p in files["other"] if pydicom.dcmread(p, stop_before_pixels=True).Modality == "PT")
    orig_info = original.RadiopharmaceuticalInformationSequence[0]
    for keyword in ("RadionuclideTotalDose", "RadionuclideHalfLife"):
        assert info[keyword].value == orig_info[keyword].value
    if "RadiopharmaceuticalStartDateTime" in orig_info:
        assert info.RadiopharmaceuticalStartDateTime[8:] == orig_info.RadiopharmaceuticalStartDateTime[8:]
        assert info.RadiopharmaceuticalStartDateTime[:8] == pet.SeriesDate
    if "RadiopharmaceuticalStartTime" in orig_info:
        assert info.RadiopharmaceuticalStartTime == orig_info.RadiopharmaceuticalStartTime
    assert pet.SeriesTime == original.SeriesTime and pet.AcquisitionTime == original.AcquisitionTime
    for path in out.rglob("*"):
        if path.is_file():
            data = path.read_bytes().lower()
            for value in syn.PLANTED_VALUES:
                assert value.lower().encode() not in data, f"planted value leaked into {path.name}"


def _errors(path: Path) -> set[str]:
    result = subprocess.run(
        ["dciodvfy", str(path)], capture_output=True, text=True, errors="replace", timeout=120, check=False
    )
    lines = (result.stdout + result.stderr).splitlines()
    # Values differ after de-identification; compare the kind of error, not the value.
    return {re.sub(r"<[^>]*>", "<>", line) for line in lines if line.startswith("Error")}


@pytest.mark.external
def test_dciodvfy_finds_no_new_errors(released):
    if shutil.which("dciodvfy") is None:
        pytest.skip("dciodvfy not installed (Debian package dicom3tools; .ci/run installs it)")
    source, out, _files, _report = released
    inputs = sorted(source.rglob("*.dcm"))
    input_errors: set[str] = set()
    for path in inputs:
        input_errors |= _errors(path)
    outputs = sorted(out.rglob("*.dcm"))
    assert len(outputs) == len(inputs)
    new = {}
    for path in outputs:
        extra = _errors(path) - input_errors
        if extra:
            new[path.name] = sorted(extra)
    assert not new, f"de-identification introduced dciodvfy errors: {new}"


@pytest.mark.external
def test_dciodvfy_on_the_example_collection(tmp_path):
    if shutil.which("dciodvfy") is None:
        pytest.skip("dciodvfy not installed (Debian package dicom3tools; .ci/run installs it)")
    collection = Path(__file__).resolve().parent.parent / "examples" / "collection"
    if not collection.is_dir():
        pytest.skip("examples/collection not present")
    out = tmp_path / "out"
    deidentify(collection, out, key=KEY, options=DeidOptions(k=5, workers=2))  # with k-anonymity generalization
    input_errors: set[str] = set()
    for path in sorted(collection.rglob("*")):
        if path.is_file() and path.suffix not in (".zip", ".txt"):
            input_errors |= _errors(path)
    new = {}
    for path in sorted(out.rglob("*.dcm")):
        extra = _errors(path) - input_errors
        if extra:
            new[path.name] = sorted(extra)
    assert not new, f"de-identification introduced dciodvfy errors: {new}"
