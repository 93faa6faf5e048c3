"""The byte-level fast path takes exactly the decisions of the pydicom engine.

Every test file (planted fixtures, pydicom's bundled files, the synthetic collection and
the SEG/RTSTRUCT/SR sample) is de-identified both ways with the same patient context;
the two outputs must be equal datasets (same elements, VRs and values at every depth,
same file meta), or the fast path must have declined the file.
"""
from __future__ import annotations

import io
from pathlib import Path

import pydicom
import pydicom.data
import pytest
from test_deid import P, planted_ct, planted_gsps, planted_sr

from curator.deid.engine import Engine, PatientContext
from curator.deid.fastpath import FastEngine, PixelProblem, Unsupported
from curator.deid.profile import load_profile
from curator.deid.scrub import identifier_values

KEY = bytes(range(32))


def _flatten(ds: pydicom.Dataset, prefix: tuple = ()) -> list:
    out = []
    for element in ds:
        key = prefix + (int(element.tag),)
        if element.VR == "SQ":
            out.append((key, "SQ", len(element.value)))
            for index, item in enumerate(element.value):
                out += _flatten(item, key + (index,))
        else:
            value = element.value
            if isinstance(value, pydicom.multival.MultiValue):
                value = list(value)
            out.append((key, element.VR, value))
    return out


def _both(data: bytes, profile: str, demographics=None) -> tuple[list, list] | None:
    engine = Engine(load_profile(profile), KEY)
    fast = FastEngine(engine)
    header = pydicom.dcmread(io.BytesIO(data), stop_before_pixels=True)
    context = PatientContext("patient", identifier_values(header), demographics or {}, "")
    try:
        fast_bytes, fast_stats = fast.deidentify_bytes(data, context)
    except (Unsupported, PixelProblem):
        return None
    ds = pydicom.dcmread(io.BytesIO(data))
    slow_stats = engine.deidentify(ds, context)
    slow = io.BytesIO()
    ds.save_as(slow, enforce_file_format=True)
    a = pydicom.dcmread(io.BytesIO(fast_bytes))
    b = pydicom.dcmread(io.BytesIO(slow.getvalue()))
    assert fast_bytes[:128] == b"\0" * 128
    assert _flatten(a.file_meta) == _flatten(b.file_meta)
    assert {k: v for k, v in fast_stats.items() if v} == {k: v for k, v in slow_stats.items() if v}
    return _flatten(a), _flatten(b)


def _corpus() -> list[tuple[str, bytes]]:
    files = []
    for i in range(2):
        buffer = io.BytesIO()
        planted_ct(i).save_as(buffer, enforce_file_format=True)
        files.append((f"planted{i}", buffer.getvalue()))
    buffer = io.BytesIO()
    planted_sr([planted_ct(0)]).save_as(buffer, enforce_file_format=True)
    files.append(("sr", buffer.getvalue()))
    buffer = io.BytesIO()
    planted_gsps(planted_ct(0)).save_as(buffer, enforce_file_format=True)
    files.append(("gsps", buffer.getvalue()))
    bundled = Path(pydicom.data.get_testdata_file("CT_small.dcm")).parent
    for path in sorted(p for p in bundled.rglob("*") if p.is_file()):
        files.append((path.name, path.read_bytes()))
    collection = Path(__file__).resolve().parent.parent / "examples" / "collection"
    for path in sorted(p for p in collection.rglob("*") if p.is_file() and p.suffix != ".zip"):
        files.append((str(path.relative_to(collection)), path.read_bytes()))
    return files


@pytest.mark.parametrize("profile", ["research", "strict"])
def test_fast_path_equals_pydicom_engine(profile):
    compared = 0
    for name, data in _corpus():
        try:
            header = pydicom.dcmread(io.BytesIO(data), stop_before_pixels=True)
        except Exception:  # noqa: BLE001, S112 - files pydicom cannot read are skipped here
            continue
        if "SOPInstanceUID" not in header or "SOPClassUID" not in header or "DirectoryRecordSequence" in header:
            continue  # the run rejects these before de-identification
        result = _both(data, profile, {0x00101010: "060Y"} if compared % 2 else None)
        if result is None:
            continue
        fast, slow = result
        assert fast == slow, f"fast path differs from the pydicom engine on {name}"
        compared += 1
    assert compared >= 60, "the fast path should handle most files"


def test_fast_path_declines_implicit_vr():
    ds = planted_ct(0)
    ds.file_meta.TransferSyntaxUID = pydicom.uid.ImplicitVRLittleEndian
    buffer = io.BytesIO()
    ds.save_as(buffer, implicit_vr=True, little_endian=True, enforce_file_format=True)
    engine = Engine(load_profile("research"), KEY)
    with pytest.raises(Unsupported):
        FastEngine(engine).deidentify_bytes(buffer.getvalue(), PatientContext("p", frozenset({P["family"]})))


def test_fast_header_scan_equals_pydicom_scan(tmp_path):
    from curator.deid import run

    compared = 0
    for name, data in _corpus():
        ref = ("bytes", data)
        pydicom_facts = run._scan_pydicom(ref)
        facts = run._scan_header(ref)  # the header facts (without the pixel screen)
        if "error" in pydicom_facts:
            assert "error" in facts, name
            continue
        assert facts == pydicom_facts, f"first-pass facts differ on {name}"
        compared += 1
    assert compared >= 60


def test_file_meta_is_written_as_pydicom_writes_it():
    """The byte path's own File Meta encoder gives pydicom's bytes for every valid UID (odd
    and even lengths, 1 to 64 characters); other values go through pydicom itself."""
    import random

    from curator.deid import fastpath

    rng = random.Random(18)

    def uid(length: int) -> str:
        parts = []
        while sum(len(p) + 1 for p in parts) < length:
            parts.append(str(rng.randint(0, 10 ** rng.randint(0, 12))))
        return ".".join(parts)[:length].rstrip(".") or "0"

    syntaxes = ["1.2.840.10008.1.2.1", "1.2.840.10008.1.2.4.50", "1.2.840.10008.1.2.5", "1.2.840.10008.1.2.4.90"]
    compared = 0
    for _ in range(400):
        sop_class, sop, syntax = uid(rng.randint(1, 64)), uid(rng.randint(1, 64)), rng.choice(syntaxes)
        if fastpath._plain_uid(sop_class) and fastpath._plain_uid(sop):
            assert fastpath.file_meta(sop_class, sop, syntax) == fastpath._pydicom_file_meta(sop_class, sop, syntax)
            compared += 1
    assert compared > 300
    for odd in ("", "1.02.3", "1.2 3", "1." + "2" * 70):
        assert not fastpath._plain_uid(odd)


def test_one_engine_for_many_files_gives_each_file_its_own_result():
    """The byte path remembers the outcome of changed elements across files (the same
    description or UID recurs in every file of a series); one engine de-identifying the whole
    corpus twice, under two patient contexts of different identifier values, gives the bytes
    and counts a new engine gives for each file alone."""
    engine = Engine(load_profile("research"), KEY)
    shared = FastEngine(engine)
    compared = 0
    for _ in range(2):
        for name, data in _corpus():
            for values in (frozenset({P["family"]}), frozenset({P["family"], "CT", "HEAD", "BRAIN", "CHEST"})):
                context = PatientContext("p", values)
                try:
                    alone = FastEngine(engine).deidentify_bytes(data, context)
                except (Unsupported, PixelProblem):
                    continue
                assert shared.deidentify_bytes(data, context) == alone, name
                compared += 1
    assert compared >= 200


def test_changed_elements_of_a_series_are_cleaned_once(monkeypatch):
    """The second file of a series (same descriptions, dates and study UID) takes the cleaned
    free text from the byte path's memo: free text is cleaned once, not once per file."""
    from curator.deid import engine as engine_module

    calls = []
    real = engine_module.freetext.clean
    monkeypatch.setattr(engine_module.freetext, "clean", lambda *args: calls.append(args) or real(*args))
    fast = FastEngine(Engine(load_profile("research"), KEY))
    context = PatientContext("p", frozenset({P["family"]}))
    first, second = planted_ct(0), planted_ct(0)
    second.SOPInstanceUID = second.SOPInstanceUID + ".2"
    outputs = []
    for ds in (first, second):
        buffer = io.BytesIO()
        ds.save_as(buffer, enforce_file_format=True)
        outputs.append(fast.deidentify_bytes(buffer.getvalue(), context))
        if ds is first:
            once = len(calls)
    assert once > 0 and len(calls) == once
    assert outputs[0][1] == outputs[1][1]  # the same counts for both files


def test_header_facts_of_a_series_are_worked_out_once(monkeypatch):
    """The header pass remembers a series' facts by everything but the SOP Instance UID: the
    second instance of a series takes them from the memo (with its own SOP Instance UID),
    and an instance that differs in any remembered fact (patient, burned-in flag, an
    identifier value deeper in the header) gets its own, as pydicom reads them."""
    from curator.deid import run

    monkeypatch.setattr(run, "_FACTS", {})
    worked: list[dict] = []
    real = run._facts
    monkeypatch.setattr(run, "_facts", lambda *args: worked.append(real(*args)) or worked[-1])
    first, second = planted_ct(0), planted_ct(0)
    second.SOPInstanceUID = second.SOPInstanceUID + ".2"
    other_patient, flagged, deeper, no_uid = (planted_ct(0) for _ in range(4))
    other_patient.PatientID = "ZZOTHER0001"
    flagged.BurnedInAnnotation = "YES"
    deeper.OperatorsName = "ZZOPERATOR^Other"
    no_uid.SOPInstanceUID = ""
    for ds in (other_patient, flagged, deeper):
        ds.SOPInstanceUID = ds.SOPInstanceUID + ".3"
    facts, fresh = [], []
    for ds in (first, second, other_patient, flagged, deeper, no_uid):
        buffer = io.BytesIO()
        ds.save_as(buffer, enforce_file_format=True)
        ref = ("bytes", buffer.getvalue())
        before = len(worked)
        found = run._scan_header(ref)
        fresh.append(len(worked) > before)
        assert found == run._scan_pydicom(ref)
        facts.append(found)
    assert fresh == [True, False, True, True, True, False]  # the second remembered; the last rejected before (no UID)
    assert facts[1]["sop"] == str(second.SOPInstanceUID) != facts[0]["sop"]
    assert facts[2]["patient"] != facts[0]["patient"] and facts[3]["risk"] and facts[4]["values"] != facts[0]["values"]
    assert "error" in facts[5]


def test_series_facts_are_found_by_the_bytes_the_readability_check_walked(monkeypatch):
    """The header pass finds a series' remembered facts by a key read from the bytes its
    readability check already walked (:func:`curator.deid.fastpath.facts_key`), without the
    byte walk of the whole header: a second instance of the series takes them (with its own
    SOP Instance UID); an instance that differs only in a person name inside a sequence, or
    only after its pixel data, or in a fact the probe reads, gets its own, as pydicom reads
    them."""
    from pydicom.dataset import Dataset

    from curator.deid import fastpath, run
    from curator.deid.scrub import scrub_rules

    monkeypatch.setattr(run, "_FACTS", {})
    walked: list[int] = []
    real = run.scan_header_bytes
    monkeypatch.setattr(run, "scan_header_bytes", lambda *args: walked.append(1) or real(*args))

    def with_item(ds: Dataset, name: str) -> Dataset:
        item = Dataset()
        item.PerformingPhysicianName = name
        ds.ProcedureCodeSequence = [item]
        return ds

    first, second, nested, trailing, sex = (with_item(planted_ct(0), "ZZNESTED^Same") for _ in range(5))
    nested.ProcedureCodeSequence[0].PerformingPhysicianName = "ZZNESTED^Other"
    trailing.add_new(0x7FE10010, "LO", "ZZ TRAILING CREATOR")
    trailing.add_new(0x7FE11001, "PN", "ZZTRAILING^Person")
    sex.PatientSex = "M"
    rules = scrub_rules()
    facts, full = [], []
    for number, ds in enumerate((first, second, nested, trailing, sex)):
        ds.SOPInstanceUID = f"{ds.SOPInstanceUID}.{number}"
        buffer = io.BytesIO()
        ds.save_as(buffer, enforce_file_format=True)
        data = buffer.getvalue()
        header, rejected = run._checked_header(data)
        assert rejected is None and header is not None and header.source is not None
        assert fastpath.facts_key(data, header.source, rules.collect_vrs, rules.collect_tags) is not None
        before = len(walked)
        found = run._scan_header(("bytes", data))
        full.append(len(walked) > before)
        assert found == run._scan_pydicom(("bytes", data))
        facts.append(found)
    assert full == [True, False, True, True, True]
    assert facts[1]["sop"] == f"{first.SOPInstanceUID[:-2]}.1" != facts[0]["sop"]
    assert "ZZTRAILING^Person" in facts[3]["values"] and "ZZTRAILING^Person" not in facts[0]["values"]
    assert facts[2]["values"] != facts[0]["values"] and facts[4]["sex"] == "M"
