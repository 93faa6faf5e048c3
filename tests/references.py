"""Every reference a SEG, RTSTRUCT or SR holds, resolved in a source and in its release (round 19).

A reference is a UID (or a segment number) inside a sequence that names another object:
Referenced SOP Instance UID (an instance; a study when its class is Detached Study
Management, as in RT Referenced Study Sequence), Series / Study Instance UID inside a
sequence (Referenced Series, RT Referenced Series, evidence, Source Series for
Segmentation), Frame of Reference UID inside a sequence and Referenced Frame of Reference
UID, and Referenced Segment Number (a segment of the SEG its item references, or of the
object itself).  :func:`check` pairs each released object with its source through the keyed
UID remapping and reports, per object kind, the references that resolved in the source
(``checked``), those of them that do not resolve in the release or do not map to the
released UID of what they named (``broken``), and those that named nothing in the source
(``external``: kept only when mapped to the same pseudonymous UID).
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pydicom
from pydicom.dataset import Dataset

DETACHED_STUDY = "1.2.840.10008.3.1.2.3.1"
DERIVED = ("SEG", "RTSTRUCT", "SR")


@dataclass
class Universe:
    """What a set of files holds: instances, series, studies, frames of reference, segments."""

    instance: set[str] = field(default_factory=set)
    series: set[str] = field(default_factory=set)
    study: set[str] = field(default_factory=set)
    frame: set[str] = field(default_factory=set)
    segments: dict[str, set[int]] = field(default_factory=dict)

    def add(self, ds: Dataset) -> None:
        self.instance.add(str(ds.SOPInstanceUID))
        self.series.add(str(ds.SeriesInstanceUID))
        self.study.add(str(ds.StudyInstanceUID))
        if "FrameOfReferenceUID" in ds:
            self.frame.add(str(ds.FrameOfReferenceUID))
        for item in ds.get("SegmentSequence") or []:
            self.segments.setdefault(str(ds.SOPInstanceUID), set()).add(int(item.SegmentNumber))
        for item in ds.get("StructureSetROISequence") or []:
            self.segments.setdefault(str(ds.SOPInstanceUID), set()).add(int(item.ROINumber))

    def resolves(self, kind: str, value: str) -> bool:
        if kind == "segment":
            owner, number = value.rsplit("#", 1)
            return int(number) in self.segments.get(owner, set())
        return value in getattr(self, kind)


def references(ds: Dataset) -> Iterator[tuple[str, str, str]]:
    """(path, kind, value) of every reference in ``ds`` (kind instance/series/study/frame/segment)."""

    def walk(item: Dataset, path: str, depth: int) -> Iterator[tuple[str, str, str]]:
        for elem in item:
            where = f"{path}/{elem.keyword or elem.tag}"
            if elem.VR == "SQ":
                for i, child in enumerate(elem.value):
                    yield from walk(child, f"{where}[{i}]", depth + 1)
                continue
            value = elem.value
            if value in (None, ""):
                continue
            keyword = elem.keyword
            if keyword == "ReferencedSOPInstanceUID":
                detached = str(item.get("ReferencedSOPClassUID", "")) == DETACHED_STUDY
                yield where, "study" if detached else "instance", str(value)
            elif keyword == "ReferencedFrameOfReferenceUID" or (keyword == "FrameOfReferenceUID" and depth):
                yield where, "frame", str(value)
            elif keyword == "SeriesInstanceUID" and depth:
                yield where, "series", str(value)
            elif keyword == "StudyInstanceUID" and depth:
                yield where, "study", str(value)
            elif keyword in ("ReferencedSegmentNumber", "ReferencedROINumber"):
                owner = str(item.get("ReferencedSOPInstanceUID") or ds.SOPInstanceUID)
                for number in value if isinstance(value, (list, pydicom.multival.MultiValue)) else [value]:
                    yield where, "segment", f"{owner}#{int(number)}"

    return walk(ds, "", 0)


@dataclass
class Outcome:
    checked: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    external: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    broken: list[tuple[str, str, str]] = field(default_factory=list)  # (source file, path, why)


def _read(paths: list[Path]) -> dict[Path, Dataset]:
    return {p: pydicom.dcmread(p, stop_before_pixels=True, force=True) for p in paths}


def check(source: Path, released: Path, uid: Callable[[str], str]) -> Outcome:
    """References of the released SEG/RTSTRUCT/SR of ``source`` (``uid``: the keyed remapping)."""
    before = _read(sorted(p for p in source.rglob("*.dcm")))
    after = _read(sorted(p for p in released.rglob("*.dcm")))
    old, new = Universe(), Universe()
    for ds in before.values():
        old.add(ds)
    for ds in after.values():
        new.add(ds)
    by_uid = {uid(str(ds.SOPInstanceUID)): path for path, ds in before.items()}
    outcome = Outcome()

    def mapped(kind: str, value: str) -> str:
        if kind == "segment":
            owner, number = value.rsplit("#", 1)
            return f"{uid(owner)}#{number}"
        return uid(value)

    for ds in after.values():
        if str(ds.Modality) not in DERIVED:
            continue
        origin = by_uid[str(ds.SOPInstanceUID)]
        name = origin.relative_to(source).as_posix()
        kind_of = origin.relative_to(source).parts[0]
        released_refs = {path: (kind, value) for path, kind, value in references(ds)}
        for path, kind, value in references(before[origin]):
            got = released_refs.get(path)
            if not old.resolves(kind, value):
                outcome.external[kind_of] += 1
                if got is not None and got[1] != mapped(kind, value):
                    outcome.broken.append((name, path, "external reference not mapped to its keyed UID"))
                continue
            outcome.checked[kind_of] += 1
            if got is None:
                outcome.broken.append((name, path, "reference removed"))
            elif got[1] != mapped(kind, value):
                outcome.broken.append((name, path, "names another object than the source did"))
            elif not new.resolves(kind, got[1]):
                outcome.broken.append((name, path, "names nothing in the release"))
    return outcome
