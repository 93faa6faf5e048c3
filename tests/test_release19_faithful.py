"""A faithful release of segmentations and derived objects (round 19).

The source (``tests/release19_source.py``): SEGs of every provenance (manual, semi-automatic,
automatic with algorithm family/version/parameters, fractional, one whose header omits the
algorithm type, one over an Enhanced CT), a TID 1500 report referencing a segment, an
RTSTRUCT with MANUAL/SEMIAUTOMATIC/AUTOMATIC/unstated ROIs, and real bundled files
(pydicom's ``rtstruct.dcm``, highdicom's and rt-utils' files of ``tests/data/segmentations``).

* every reference of a released SEG/RTSTRUCT/SR resolves to the released object its source
  named (``tests/references.py``), in every access tier and in a publish;
* dciodvfy finds no error in a released SEG/RTSTRUCT/SR that its source lacks (``external``:
  skips with the reason when ``dciodvfy`` is missing).
"""
from __future__ import annotations

import shutil
from pathlib import Path

import pydicom
import pytest

from curator.deid.pseudonyms import Pseudonymizer
from curator.deid.run import DeidOptions, deidentify

from references import check
from release19_source import write_source

KEY = bytes(range(32))
TIERS = ("non-public", "restricted", "public")
DERIVED_KINDS = {"seg_manual", "seg_semiautomatic", "seg_automatic", "seg_fractional", "seg_omitted", "seg_enhanced",
                 "sr_tid1500", "rtstruct", "bundled"}


@pytest.fixture(scope="module")
def source(tmp_path_factory) -> tuple[Path, dict[str, list[str]]]:
    root = tmp_path_factory.mktemp("release19") / "src"
    return root, write_source(root)


@pytest.fixture(scope="module")
def released(source, tmp_path_factory) -> dict[str, Path]:
    root, _ = source
    out = {}
    for access in TIERS:
        folder = tmp_path_factory.mktemp(access) / "out"
        report = deidentify(root, folder, key=KEY, options=DeidOptions(access=access, k=5, workers=2,
                                                                       quarantine=folder.parent / "q"))
        assert report["counts"]["rejected"] == 0 and report["counts"]["quarantined"] == 0, report["counts"]
        out[access] = folder
    return out


@pytest.mark.parametrize("access", TIERS)
def test_every_reference_of_a_derived_object_resolves_to_what_its_source_named(source, released, access: str):
    """A SEG's top-level Source Image Sequence (type 3 in General Image; PS3.15 X/Z/U*) was
    removed in every tier: 16 references of the 6 synthetic SEGs lost, while the same
    references inside the per-frame Derivation Image groups were kept remapped."""
    root, _ = source
    outcome = check(root, released[access], Pseudonymizer(KEY).uid)
    assert set(outcome.checked) == DERIVED_KINDS, dict(outcome.checked)
    assert sum(outcome.checked.values()) >= 120, dict(outcome.checked)
    assert outcome.broken == [], outcome.broken[:10]


def test_the_checker_finds_a_reference_that_names_another_object(source, tmp_path: Path):
    """The checker itself: a released SR whose referenced segment number is changed, and a
    SEG whose referenced instance names the wrong slice, are both reported."""
    root, kinds = source
    out = tmp_path / "out"
    deidentify(root, out, key=KEY, options=DeidOptions(k=5, workers=2, quarantine=tmp_path / "q"))
    uid = Pseudonymizer(KEY).uid
    wanted = {uid(str(pydicom.dcmread(root / kinds[k][0], stop_before_pixels=True).SOPInstanceUID)): k
              for k in ("sr_tid1500", "seg_manual")}
    changed = 0
    for path in sorted(out.rglob("*.dcm")):
        ds = pydicom.dcmread(path)
        kind = wanted.get(str(ds.SOPInstanceUID))
        if kind == "seg_manual":
            ds.SourceImageSequence[0].ReferencedSOPInstanceUID = ds.SourceImageSequence[1].ReferencedSOPInstanceUID
        elif kind == "sr_tid1500":
            numbers = [e for e in ds.iterall() if e.keyword == "ReferencedSegmentNumber"]
            numbers[0].value = 7
        else:
            continue
        ds.save_as(path)
        changed += 1
    assert changed == 2
    broken = {(name, why) for name, _, why in check(root, out, uid).broken}
    assert broken == {("seg_manual/00.dcm", "names another object than the source did"),
                      ("sr_tid1500/00.dcm", "names another object than the source did")}, broken


@pytest.mark.external
@pytest.mark.parametrize("access", TIERS)
def test_deid_adds_no_dciodvfy_error_to_a_derived_object(source, released, access: str):
    if shutil.which("dciodvfy") is None:
        pytest.skip("dciodvfy not installed (Debian package dicom3tools; .ci/run installs it)")
    from test_dicom_conformance import error_kinds

    root, kinds = source
    uid = Pseudonymizer(KEY).uid
    by_uid = {uid(str(pydicom.dcmread(root / rel, stop_before_pixels=True, force=True).SOPInstanceUID)): rel
              for files in kinds.values() for rel in files}
    added, seen = {}, set()
    for path in sorted(released[access].rglob("*.dcm")):
        rel = by_uid[str(pydicom.dcmread(path, stop_before_pixels=True).SOPInstanceUID)]
        if rel.split("/")[0] not in DERIVED_KINDS | {"enhanced_ct"}:
            continue
        seen.add(rel)
        before, after = error_kinds(root / rel), error_kinds(path)
        extra = sorted(set(after) - set(before))
        if extra or len(after) > len(before):
            added[rel] = extra or [f"{len(before)} -> {len(after)} errors"]
    assert len(seen) == 13, sorted(seen)
    assert added == {}, added
