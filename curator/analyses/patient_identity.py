"""One patient per study: the identity rule shared by the audit and de-identification.

Instances of one study name their patient by PatientID and IssuerOfPatientID (else name
and birth date).  Objects made by another system (typically SR and RTSTRUCT) often lack
the issuer or carry another one, and a mislabelled instance may name another patient
altogether.  The rule (``docs/deid.md``, "Patient identity"):

* every instance of a study belongs to the study's patient: the patient named by most of
  the study's instances; a tie goes to the patient with more instances in the whole
  archive, then to the smaller key;
* a study whose instances name another PatientID (not only another issuer) is a
  *conflict*: reported as an audit finding and in the de-identification report, resolved
  by the rule above, never an error;
* instances without a study keep the patient they name.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pyarrow as pa


@dataclass
class Resolution:
    """The patient of every study, and what the rule had to decide."""

    patient_of: dict[str, str] = field(default_factory=dict)  # study -> patient key
    studies_joined: int = 0  # studies whose instances named more than one patient key
    instances_joined: int = 0  # instances given their study's patient instead of their own
    conflicts: int = 0  # studies whose instances named more than one PatientID
    conflict_instances: int = 0  # instances of those studies naming another PatientID

    def patient(self, study: str | None, own: str) -> str:
        """The resolved patient of an instance of ``study`` that names ``own``."""
        return self.patient_of.get(study or "", own)

    def summary(self) -> dict[str, int | str]:
        return {
            "studies_joined": self.studies_joined,
            "instances_joined": self.instances_joined,
            "conflicts": self.conflicts,
            "conflict_instances": self.conflict_instances,
            "rule": "majority patient of the study's instances; ties: more instances in the archive, then smaller key",
        }


def resolve(
    counts: Iterable[tuple[str | None, str, int]],
    person_of: Callable[[str], str] = lambda key: key,
) -> Resolution:
    """Resolve ``(study, patient key, instances)`` triples (one per distinct pair).

    ``person_of`` maps a patient key to what identifies the person regardless of the
    issuer (e.g. the PatientID alone): keys that differ only there are joined silently;
    otherwise the study is counted as a conflict.
    """
    by_study: dict[str, Counter[str]] = {}
    totals: Counter[str] = Counter()
    for study, patient, n in counts:
        totals[patient] += n
        if study:
            by_study.setdefault(study, Counter())[patient] += n
    out = Resolution()
    for study in sorted(by_study):
        named = by_study[study]
        chosen = min(named, key=lambda p: (-named[p], -totals[p], p))
        out.patient_of[study] = chosen
        if len(named) == 1:
            continue
        out.studies_joined += 1
        out.instances_joined += sum(n for p, n in named.items() if p != chosen)
        others = [p for p in named if person_of(p) != person_of(chosen)]
        if others:
            out.conflicts += 1
            out.conflict_instances += sum(named[p] for p in others)
    return out


def resolve_index(indexed: "pa.Table") -> tuple["pa.Table", Resolution]:
    """The indexed rows of an index with ``patient_key`` replaced by the study's patient.

    ``person_key`` (the PatientID alone) tells a conflict from another issuer; an index
    without it counts every study naming two keys as a conflict.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    if not indexed.num_rows:
        return indexed, Resolution()
    has_person = "person_key" in indexed.column_names
    person = indexed["person_key"] if has_person else indexed["patient_key"]
    pairs = pa.table({"study": indexed["study_key"], "patient": indexed["patient_key"], "person": person})
    grouped = pairs.group_by(["study", "patient"]).aggregate([("person", "count", pc.CountOptions(mode="all")), ("person", "min")])
    rows = grouped.to_pydict()
    person_of = dict(zip(rows["patient"], rows["person_min"]))
    resolution = resolve(zip(rows["study"], rows["patient"], rows["person_count"]), lambda p: person_of.get(p) or p)
    if not resolution.studies_joined:
        return indexed, resolution
    studies = pa.array(list(resolution.patient_of), pa.string())
    chosen = pa.array(list(resolution.patient_of.values()), pa.string())
    position = pc.index_in(indexed["study_key"], value_set=studies)
    resolved = pc.coalesce(pc.take(chosen, position), indexed["patient_key"])
    column = indexed.column_names.index("patient_key")
    return indexed.set_column(column, "patient_key", resolved), resolution


def shared_patient_ids(indexed: "pa.Table") -> int:
    """PatientIDs (with their issuer) whose instances carry different birth dates.

    Two people given one ID (number ranges reused across sites, an issuer left empty) are
    merged into one pseudonym by de-identification; the audit says so.  The index holds
    only ``birth_tag``, 2 hex digits of a salted key of the birth date, so a pair of
    different dates goes unseen 1 time in 256 and the date cannot be read back.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    if not indexed.num_rows or "birth_tag" not in indexed.column_names:
        return 0
    pairs = pa.table({"patient": indexed["patient_key"], "birth": indexed["birth_tag"]}).filter(pc.is_valid(indexed["birth_tag"]))
    tags = pairs.group_by("patient").aggregate([("birth", "count_distinct")])
    return int(pc.sum(pc.greater(tags["birth_count_distinct"], 1)).as_py() or 0)
