"""A release keeps what it may keep, on a messy multi-site source (release15).

The source (``tests/release15_source.py``): 14 sites, 4 vendors, 14 languages, four sites of
fewer than 5 patients, SEG / RTSTRUCT / SR / enhanced multi-frame CT, odd but legal
demographics (``089Y``, ``003M``, ``010D``; sizes with three decimals, below one metre;
weights with decimals; ethnic groups in mixed case and other languages) and the patient
identity cases the module docstring there lists.  Each source instance is paired with its
released file by the keyed SOP Instance UID.
"""
from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pydicom
import pytest

from curator.common.fold import fold
from curator.deid.pseudonyms import Pseudonymizer
from curator.release.publish import PublishOptions, publish
from release15_source import write_source

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "examples" / "release.yaml"
KEY = bytes(range(32))
DEMOGRAPHICS = ("PatientAge", "PatientSex", "PatientSize", "PatientWeight", "EthnicGroup")


def _config(tmp: Path, access: str) -> Path:
    text = CONFIG.read_text(encoding="utf-8").replace("access_rights: NON_PUBLIC", f"access_rights: {access}")
    path = tmp / f"{access}.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def source(tmp_path_factory) -> tuple[Path, dict]:
    root = tmp_path_factory.mktemp("r15") / "src"
    return root, write_source(root)


def _publish(tmp_path_factory, source: tuple[Path, dict], access: str) -> Path:
    tmp = tmp_path_factory.mktemp(access.lower())
    out = tmp / "release"
    publish(source[0], out, KEY, _config(tmp, access), PublishOptions(release_date="2026-12-02", workers=2, k=5))
    return out


@pytest.fixture(scope="module")
def non_public(tmp_path_factory, source) -> Path:
    return _publish(tmp_path_factory, source, "NON_PUBLIC")


@pytest.fixture(scope="module")
def public(tmp_path_factory, source) -> Path:
    return _publish(tmp_path_factory, source, "PUBLIC")


def _values(ds: pydicom.Dataset) -> dict[str, str | None]:
    out: dict[str, str | None] = {}
    for keyword in (*DEMOGRAPHICS, "PatientID", "IssuerOfPatientID"):
        value = ds.get(keyword)
        out[keyword] = str(value) if value not in (None, "") else None
    return out


def _pairs(source: Path, release: Path) -> list[tuple[Path, dict, dict]]:
    """(source path, source values, released values) of every released instance."""
    pseudo = Pseudonymizer(KEY)
    by_uid = {}
    for path in sorted(source.rglob("*.dcm")):
        ds = pydicom.dcmread(path, stop_before_pixels=True)
        by_uid[pseudo.uid(str(ds.SOPInstanceUID))] = (path, _values(ds))
    out = []
    for path in sorted((release / "dicom").rglob("*.dcm")):
        ds = pydicom.dcmread(path, stop_before_pixels=True)
        origin, values = by_uid[str(ds.SOPInstanceUID)]
        out.append((origin, values, _values(ds)))
    assert len(out) == len(by_uid)
    return out


def test_controlled_tiers_release_the_ethnic_group_as_written(source, non_public: Path):
    """EthnicGroup was upper-cased in every tier ('Asian' -> 'ASIAN', 'Weiß' -> 'WEISS':
    103 of 140 instances changed); a released demographic keeps its bytes."""
    changed, kept = [], 0
    for _, before, after in _pairs(source[0], non_public):
        if before["EthnicGroup"] is not None:
            kept += before["EthnicGroup"] == after["EthnicGroup"]
            if before["EthnicGroup"] != after["EthnicGroup"]:
                changed.append((before["EthnicGroup"], after["EthnicGroup"]))
    assert not changed, changed[:5]
    assert kept > 100


def test_the_public_tier_releases_one_spelling_per_ethnic_group(source, public: Path):
    """Grouping folds 'Asian', 'ASIAN', 'asian' into one group; the public tier then writes one
    of the source's spellings for all of them (a spelling of its own would single a record
    out of its group)."""
    spellings: dict[str, set[str]] = defaultdict(set)
    written = set()
    source_spellings = set()
    for _, before, after in _pairs(source[0], public):
        if before["EthnicGroup"]:
            source_spellings.add(before["EthnicGroup"])
        if after["EthnicGroup"]:
            spellings[fold(after["EthnicGroup"])].add(after["EthnicGroup"])
            written.add(after["EthnicGroup"])
    assert all(len(values) == 1 for values in spellings.values()), dict(spellings)
    assert written <= source_spellings


def test_public_grouping_folds_the_case_of_ethnic_groups_and_writes_one_spelling():
    """Ten patients at one site, five Asian in three spellings: with k=5 the public tier keeps
    the ethnic group (one group of five, written in the spelling most of them carry); without
    the fold the three spellings are three groups below k and the ethnic group goes."""
    from curator.deid import kanon

    spellings = ["Asian", "Asian", "ASIAN", "asian", "Asian", *["White"] * 5]
    records = [kanon.Record(f"p{i}", f"s{i}", "040Y", "F", value, "a") for i, value in enumerate(spellings)]
    summary = kanon.enforce(records, 5, 0.0)
    assert summary["generalization"]["ethnic_group"] == "exact", summary["generalization"]
    assert {kanon.released(r)["ethnic_group"] for r in records} == {"Asian", "White"}
