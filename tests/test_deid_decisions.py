"""One decision table (curator.deid.decisions) for the dataset engine and the byte path.

Every decision about an element comes from ``Decisions``; the two paths only carry it out.
These tests record the decisions each path takes and check, for every kind of operation
(each ``Op``, under the three date modes, with a replaced and a kept-text override) and
for real files (pydicom's test files, the synthetic example collection), that both paths
take the same decisions on the same elements and give the same output dataset.
"""
from __future__ import annotations

import dataclasses
import io
from collections import Counter
from pathlib import Path
from unittest import mock

import pydicom
import pydicom.data
import pytest
from pydicom.dataset import Dataset
from test_deid import P, planted_ct
from test_deid_fastpath import _flatten

from curator.deid.decisions import Decision, Decisions, Op
from curator.deid import fastpath
from curator.deid.engine import Engine, PatientContext
from curator.deid.fastpath import FastEngine, PixelProblem, Unsupported
from curator.deid.profile import Profile, load_profile
from curator.deid.scrub import identifier_values

KEY = bytes(range(32))
SERIES_DESCRIPTION, PROTOCOL_NAME, STUDY_DESCRIPTION = 0x0008103E, 0x00181030, 0x00081030


class _Recorder:
    """Wraps an engine's decision table and records every decision taken."""

    def __init__(self, decisions: Decisions):
        self.decisions = decisions
        self.seen: Counter = Counter()
        decide, private_op = decisions.decide, decisions.private_op

        def recorded_decide(action: str, tag: int, vr: str) -> Decision:
            decision = decide(action, tag, vr)
            self.seen[(tag, action, vr, decision.op)] += 1
            return decision

        def recorded_private(vr: str) -> Op:
            op = private_op(vr)
            self.seen[("private", vr, op)] += 1
            return op

        decisions.decide = recorded_decide  # type: ignore[method-assign]
        decisions.private_op = recorded_private  # type: ignore[method-assign]

    def ops(self) -> set[Op]:
        return {key[-1] for key in self.seen}


def _both(data: bytes, profile: Profile) -> tuple[_Recorder, _Recorder] | None:
    """De-identify ``data`` both ways; assert equal outputs; return both paths' decisions
    (``None`` when the byte path declines the file)."""
    header = pydicom.dcmread(io.BytesIO(data), stop_before_pixels=True)
    context = PatientContext("patient", identifier_values(header))
    fast_engine = Engine(profile, KEY)
    fast = _Recorder(fast_engine.decisions)
    try:
        # every element asks the table (the byte path remembers decisions per tag, VR,
        # SOP class and path, and the outcomes of changed elements: both memos are checked
        # below to change nothing)
        with mock.patch.object(fastpath, "_STEPS_CACHED", 0), mock.patch.object(fastpath, "_MEMO_BYTES", -1):
            fast_bytes, fast_stats = FastEngine(fast_engine).deidentify_bytes(data, context)
    except (Unsupported, PixelProblem):
        return None
    remembered = FastEngine(Engine(profile, KEY))
    for _ in range(2):  # the second time from the memo
        assert remembered.deidentify_bytes(data, context) == (fast_bytes, fast_stats)
    engine = Engine(profile, KEY)
    slow = _Recorder(engine.decisions)
    ds = pydicom.dcmread(io.BytesIO(data))
    slow_stats = engine.deidentify(ds, context)
    out = io.BytesIO()
    ds.save_as(out, enforce_file_format=True)
    a, b = pydicom.dcmread(io.BytesIO(fast_bytes)), pydicom.dcmread(io.BytesIO(out.getvalue()))
    assert _flatten(a) == _flatten(b)
    assert _flatten(a.file_meta) == _flatten(b.file_meta)
    assert +fast_stats == +slow_stats
    return fast, slow


def _every_kind() -> bytes:
    """A CT slice holding an element for every kind of decision: listed and unlisted
    person names, UIDs, dates, text, sequences, numbers, and safe and unsafe private
    elements (a block of a creator of the TCIA knowledge base)."""
    ds = planted_ct(0)
    ds.SeriesDescription = f"CT {P['family']} THORAX"
    ds.ProtocolName = f"THORAX {P['family']}"
    ds.StudyDescription = "CT THORAX"
    ds.add_new(0x00140104, "PN", f"{P['family']}^Eva")  # unlisted person name
    ds.add_new(0x00140102, "DA", "20200101")  # unlisted date
    ds.add_new(0x00081167, "UI", "1.2.826.0.1.3680043.8.498.77")  # unlisted instance UID: remapped
    ds.add_new(0x00080062, "UI", "1.2.840.10008.5.1.4.1.1.2")  # unlisted, a standard UID: kept
    ds.add_new(0x00041432, "UI", "1.2.826.0.1.3680043.8.498.78")  # unlisted UID named "...Private...UID": kept
    ds.add_new(0x00080102, "SH", "DCM")  # unlisted short text without identifier
    ds.add_new(0x00080070, "LO", f"SIEMENS {P['family']}")  # unlisted text holding an identifier
    ds.add_new(0x00140103, "LO", "")  # unlisted, empty
    language = Dataset()
    language.CodeValue = "en"
    language.CodingSchemeDesignator = "RFC5646"
    ds.LanguageCodeSequence = [language]  # unlisted sequence
    ds.add_new(0x00090010, "LO", "FDMS 1.0")
    ds.add_new(0x00091008, "LO", "CT SCAN")  # safe private text
    ds.add_new(0x00091009, "LO", f"{P['family']}^{P['given']}")  # safe signature, names the patient
    ds.add_new(0x00091010, "US", 7)  # safe private number
    ds.add_new(0x00091011, "LO", "unsafe")  # not in the knowledge base
    buffer = io.BytesIO()
    ds.save_as(buffer, enforce_file_format=True)
    return buffer.getvalue()


def _profiles() -> list[Profile]:
    research = load_profile("research")
    overrides = dict(research.overrides)
    overrides[PROTOCOL_NAME] = "K"  # kept text: identifiers removed
    custom = dataclasses.replace(research, name="custom", overrides=overrides, replace={STUDY_DESCRIPTION: "REPLACED"})
    full_dates = dataclasses.replace(
        research, name="full-dates",
        options=tuple(sorted({*research.options} - {"retain_modified_dates"} | {"retain_full_dates"})))
    return [research, load_profile("strict"), custom, full_dates]


def test_every_kind_of_decision_is_the_same_on_both_paths():
    data = _every_kind()
    ops: set[Op] = set()
    for profile in _profiles():
        result = _both(data, profile)
        assert result is not None, f"the byte path declined the test file under {profile.name}"
        fast, slow = result
        assert fast.seen == slow.seen, f"decisions differ under {profile.name}"
        ops |= fast.ops()
    assert ops == set(Op), f"not exercised: {sorted(op.value for op in set(Op) - ops)}"


def _real_files() -> list[tuple[str, bytes]]:
    files = []
    bundled = Path(pydicom.data.get_testdata_file("CT_small.dcm")).parent
    for path in sorted(p for p in bundled.rglob("*.dcm") if p.is_file()):
        files.append((path.name, path.read_bytes()))
    collection = Path(__file__).resolve().parent.parent / "examples" / "collection"
    for path in sorted(p for p in collection.rglob("*") if p.is_file() and p.suffix != ".zip")[::3]:
        files.append((str(path.relative_to(collection)), path.read_bytes()))
    return files


@pytest.mark.parametrize("profile_name", ["research", "strict"])
def test_real_files_take_the_same_decisions_on_both_paths(profile_name):
    profile = load_profile(profile_name)
    compared = 0
    for name, data in _real_files():
        try:
            header = pydicom.dcmread(io.BytesIO(data), stop_before_pixels=True)
        except Exception:  # noqa: BLE001, S112 - files pydicom cannot read are not de-identified
            continue
        if "SOPInstanceUID" not in header or "SOPClassUID" not in header or "DirectoryRecordSequence" in header:
            continue  # the run rejects these before de-identification
        result = _both(data, profile)
        if result is None:
            continue
        fast, slow = result
        assert fast.seen == slow.seen, f"decisions differ on {name}"
        compared += 1
    assert compared >= 40
