"""dciodvfy on every object kind curator can meet: de-identification adds no error (round 16).

The source (``tests/release16_source.py``): CT, MR, CR, DX, MG, US single- and multi-frame,
legacy-converted enhanced CT and MR, Enhanced CT and MR, SEG, SR TID 1500, KOS, RTSTRUCT,
GSPS, encapsulated PDF and secondary capture, of one patient enrolled in a clinical trial,
plus four more patients (the public tier's k = 5).  ``curator deid`` in each access tier (and
with the strict profile) and ``curator publish`` (non-public, public) run over it; every released file is paired with its
source file through the keyed UID remapping, and dciodvfy's error kinds of both are compared
(``tests/test_dicom_conformance.py``'s ``error_kinds``).  The encapsulated PDF is rejected
with its reason (its document cannot be de-identified).  ``external``: needs Debian's
``dicom3tools``; skips with the reason when ``dciodvfy`` is missing.
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pydicom
import pytest

from curator.deid.pseudonyms import Pseudonymizer
from curator.deid.run import DeidOptions, deidentify
from curator.release.publish import PublishOptions, publish

from release16_source import write_source
from test_dicom_conformance import STRICT_REMOVES, error_kinds

KEY = bytes(range(32))
ROOT = Path(__file__).resolve().parent.parent
TIERS = ("non-public", "restricted", "public")

pytestmark = pytest.mark.external


@pytest.fixture(scope="module")
def source(tmp_path_factory) -> tuple[Path, dict[str, list[str]]]:
    if shutil.which("dciodvfy") is None:
        pytest.skip("dciodvfy not installed (Debian package dicom3tools; .ci/run installs it)")
    root = tmp_path_factory.mktemp("release16") / "src"
    return root, write_source(root)


def _new_errors(root: Path, kinds: dict[str, list[str]], released: Path) -> tuple[dict[str, list[str]], set[str]]:
    """Per source file (kind/name): dciodvfy error kinds in its release that it lacks; the kinds released."""
    pseudo = Pseudonymizer(KEY)
    by_uid = {pseudo.uid(str(pydicom.dcmread(root / rel, stop_before_pixels=True).SOPInstanceUID)): rel
              for files in kinds.values() for rel in files}
    new: dict[str, list[str]] = {}
    seen: set[str] = set()
    for path in sorted(released.rglob("*.dcm")):
        rel = by_uid[str(pydicom.dcmread(path, stop_before_pixels=True).SOPInstanceUID)]
        seen.add(rel.split("/")[0])
        before, after = error_kinds(root / rel), error_kinds(path)
        extra = sorted(set(after) - set(before))
        if extra or len(after) > len(before):
            new[rel] = extra or [f"{len(before)} -> {len(after)} errors"]
    return new, seen


def _expected_kinds(kinds: dict[str, list[str]]) -> set[str]:
    return set(kinds) - {"pdf"}


@pytest.mark.parametrize("access", TIERS)
def test_deid_adds_no_dciodvfy_error_in_any_kind(source, tmp_path: Path, access: str):
    root, kinds = source
    out = tmp_path / "deid"
    report = deidentify(root, out, key=KEY, options=DeidOptions(access=access, k=5, workers=2,
                                                                 quarantine=tmp_path / "q"))
    assert report["counts"]["quarantined"] == 0
    rejected = report["rejected"]
    assert len(rejected) == 1 and "encapsulated document" in rejected[0]["reason"], json.dumps(rejected)
    new, seen = _new_errors(root, kinds, out)
    assert seen == _expected_kinds(kinds)
    assert not new, f"de-identification ({access}) introduced dciodvfy errors: {new}"
    for path in sorted(out.rglob("*.dcm")):  # the trial's committee name went with its approval number
        ds = pydicom.dcmread(path, stop_before_pixels=True)
        assert "ClinicalTrialProtocolEthicsCommitteeApprovalNumber" not in ds
        assert "ClinicalTrialProtocolEthicsCommitteeName" not in ds


@pytest.mark.parametrize("access", ("non-public", "public"))
def test_publish_adds_no_dciodvfy_error_in_any_kind(source, tmp_path: Path, access: str):
    root, kinds = source
    out = tmp_path / "release"
    publish(root, out, KEY, ROOT / "examples" / "release.yaml",
            PublishOptions(release_date="2026-12-03", workers=2, access=access, k=5))
    new, seen = _new_errors(root, kinds, out / "dicom")
    assert seen == _expected_kinds(kinds)
    assert not new, f"publish ({access}) introduced dciodvfy errors: {new}"


def test_strict_profile_adds_no_dciodvfy_error_in_any_kind(source, tmp_path: Path):
    """The strict profile (no date kept, Clean Structured Content off) removed the type 2
    Acquisition Context Sequence of DX, MG and (legacy-converted) enhanced CT/MR, and emptied
    the type 1 Content Date/Time of legacy-converted enhanced CT/MR (release16).  Presentation
    Creation Date/Time (PS3.15: X, type 1 in presentation states) go by the standard's choice."""
    root, kinds = source
    out = tmp_path / "deid"
    deidentify(root, out, key=KEY, options=DeidOptions(profile="strict", k=5, workers=2, quarantine=tmp_path / "q"))
    new, seen = _new_errors(root, kinds, out)
    assert seen == _expected_kinds(kinds)
    new = {name: kept for name, kinds_ in new.items()
           if (kept := [k for k in kinds_ if not k.startswith(STRICT_REMOVES)]) and not kept[0].endswith(" errors")}
    assert not new, f"de-identification (strict) introduced dciodvfy errors: {new}"
