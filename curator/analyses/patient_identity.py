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

Before that, :func:`link_issuers` decides what an instance without IssuerOfPatientID names
(one rule for the audit's index and de-identification's first pass):

* at a site whose instances carry exactly one issuer, an instance without one whose
  PatientID is also seen there under that issuer names that patient (one pseudonym);
* otherwise it keeps its own patient (PatientID without issuer); when the same PatientID
  without issuer, so unlinked, is seen at several sites, it names one patient per site:
  a PatientID alone never links across sites, and never when a site shows two issuers
  (which one the instance lacks is unknown).  Instances with an issuer are never changed
  (a shared regional issuer links sites).
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
    links: "IssuerLinks | None" = None  # what link_issuers decided (the audit's resolution)

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
            **(self.links or IssuerLinks()).summary(),
        }


SITE_SCOPE = "\0site\0"  # joins a patient key without issuer to its site (de-identification's keys)


@dataclass
class IssuerLinks:
    """What :func:`link_issuers` decided for the patient keys without issuer, per site."""

    linked: dict[tuple[str, str], str] = field(default_factory=dict)  # (site, patient) -> patient with the issuer
    per_site: set[tuple[str, str]] = field(default_factory=set)  # (site, patient): one patient per site

    def summary(self) -> dict[str, int]:
        return {"issuer_missing_linked": len(self.linked), "issuer_missing_per_site": len(self.per_site)}

    def named(self, site: str | None, patient: str, scoped: Callable[[str], str] = lambda key: key) -> str:
        """The patient an instance at ``site`` naming ``patient`` names after the rule: the
        patient with the issuer it is linked to, its key scoped to its site (``scoped`` of
        ``patient + SITE_SCOPE + site``: the index hashes it), or ``patient`` as it is."""
        place = site or ""
        linked = self.linked.get((place, patient))
        if linked is not None:
            return linked
        if (place, patient) in self.per_site:
            return scoped(patient + SITE_SCOPE + place)
        return patient


def link_issuers(named: Iterable[tuple[str | None, str | None, str | None, str]]) -> IssuerLinks:
    """The rule for instances without IssuerOfPatientID (module docstring), from the distinct
    ``(site, person, issuer, patient)`` an index or a first pass saw: ``person`` identifies
    the PatientID alone (``None``: the instance has none, never linked), ``issuer`` the
    issuer (``None``: absent or empty), ``patient`` the key of both.  Keys may be salted
    hashes: only their equality counts.  ``None`` sites are one site."""
    issuers: dict[str, set[str]] = {}
    with_issuer: dict[tuple[str, str, str], str] = {}
    without: dict[tuple[str, str], str] = {}
    for site, person, issuer, patient in named:
        place = site or ""
        if issuer:
            issuers.setdefault(place, set()).add(issuer)
            if person:
                with_issuer[(place, person, issuer)] = patient
        elif person:
            without[(place, patient)] = person
    out = IssuerLinks()
    sites_of: dict[str, set[str]] = {}
    for (place, patient), person in sorted(without.items()):
        seen = issuers.get(place, set())
        target = with_issuer.get((place, person, next(iter(seen)))) if len(seen) == 1 else None
        if target is not None:
            out.linked[(place, patient)] = target
        else:
            sites_of.setdefault(patient, set()).add(place)
    out.per_site = {(place, patient) for patient, places in sites_of.items() if len(places) > 1 for place in places}
    return out


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


def resolve_index(indexed: "pa.Table", links: IssuerLinks | None = None) -> tuple["pa.Table", Resolution]:
    """The indexed rows of an index with ``patient_key`` replaced by the study's patient.

    ``person_key`` (the PatientID alone) tells a conflict from another issuer; an index
    without it counts every study naming two keys as a conflict.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    if not indexed.num_rows:
        return indexed, Resolution()
    if links is None:  # else the index is linked already (link_index_issuers)
        indexed, links = link_index_issuers(indexed)
    has_person = "person_key" in indexed.column_names
    person = indexed["person_key"] if has_person else indexed["patient_key"]
    pairs = pa.table({"study": indexed["study_key"], "patient": indexed["patient_key"], "person": person})
    grouped = pairs.group_by(["study", "patient"]).aggregate([("person", "count", pc.CountOptions(mode="all")), ("person", "min")])
    rows = grouped.to_pydict()
    person_of = dict(zip(rows["patient"], rows["person_min"]))
    resolution = resolve(zip(rows["study"], rows["patient"], rows["person_count"]), lambda p: person_of.get(p) or p)
    resolution.links = links
    if not resolution.studies_joined:
        return indexed, resolution
    studies = pa.array(list(resolution.patient_of), pa.string())
    chosen = pa.array(list(resolution.patient_of.values()), pa.string())
    position = pc.index_in(indexed["study_key"], value_set=studies)
    resolved = pc.coalesce(pc.take(chosen, position), indexed["patient_key"])
    column = indexed.column_names.index("patient_key")
    return indexed.set_column(column, "patient_key", resolved), resolution


def link_index_issuers(indexed: "pa.Table") -> tuple["pa.Table", IssuerLinks]:
    """The index with ``patient_key`` of the instances without issuer as :func:`link_issuers`
    decides (``issuer_key``, ``person_key`` and ``site`` tell it); an index without
    ``issuer_key`` as it is."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from curator.index.store import key

    if not {"issuer_key", "person_key", "site"} <= set(indexed.column_names):
        return indexed, IssuerLinks()
    site = pc.fill_null(indexed["site"], "")
    person = pc.if_else(pc.equal(indexed["person_key"], indexed["patient_key"]), pa.scalar(None, pa.string()),
                        indexed["person_key"])  # no PatientID: the key is the name's, never linked
    named = pa.table({"site": site, "person": person, "issuer": indexed["issuer_key"], "patient": indexed["patient_key"]})
    distinct = named.group_by(["site", "person", "issuer", "patient"]).aggregate([]).sort_by(
        [(c, "ascending") for c in ("site", "person", "issuer", "patient")])
    links = link_issuers(zip(*(distinct[c].to_pylist() for c in ("site", "person", "issuer", "patient"))))
    if not links.linked and not links.per_site:
        return indexed, links
    mapping = {f"{place}\0{patient}": links.named(place, patient, lambda scoped: key("patient", scoped))
               for place, patient in (*links.linked, *links.per_site)}
    named_by = pc.binary_join_element_wise(site, indexed["patient_key"], "\0")
    position = pc.index_in(named_by, value_set=pa.array(list(mapping), pa.string()))
    chosen = pc.coalesce(pc.take(pa.array(list(mapping.values()), pa.string()), position), indexed["patient_key"])
    column = indexed.column_names.index("patient_key")
    return indexed.set_column(column, "patient_key", chosen), links


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
