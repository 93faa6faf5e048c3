"""Offline SHACL validation of a catalogue with the official shapes shipped in ``ontologies/shapes/``.

Profiles (the same sets the HealthDCAT-AP / DCAT-AP validators load):

* ``dcat-ap-3.0.1``: SEMICeu DCAT-AP 3.0.1 ``html/shacl`` shapes, recommendations, ranges;
* ``dcat-ap-3.0.1-full``: the single-file DCAT-AP 3.0.1 SHACL with its ranges;
* ``healthdcat-ap-r8-nonpublic``: HealthDCAT-AP release 8, NON_PUBLIC level: graph guard,
  the DCAT-AP 3.0.0 set it ``owl:imports`` (resolved to the shipped copy), its mandatory and
  recommended shapes.

The shapes files are shipped byte-identical to upstream (see ``ontologies/shapes/SOURCE.md``);
two upstream defects are repaired here, at load time:

1. ``sh:property`` values without ``sh:path`` (HealthDCAT-AP's "hasStructuredData implies
   hasVariables" ``sh:or``), which SHACL engines refuse: a non-empty one becomes a node shape
   on the same target classes, an empty one is dropped;
2. DCAT-AP 3.0.0 types ``dcat:byteSize`` as ``xsd:decimal``; DCAT-AP 3.0.1 fixed it to
   ``xsd:nonNegativeInteger`` (SEMICeu issue 399).  The 3.0.0 copy HealthDCAT-AP imports is
   given the 3.0.1 datatype, so one value satisfies both profiles.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import pyshacl
from rdflib import BNode, Graph, URIRef
from rdflib.namespace import DCAT, DCTERMS, RDF, SH, XSD

from curator.errors import CuratorError
from curator.resources import ontologies_dir

PROFILES: dict[str, tuple[str, ...]] = {
    "dcat-ap-3.0.1": (
        "dcat-ap-3.0.1/shapes.ttl",
        "dcat-ap-3.0.1/shapes_recommended.ttl",
        "dcat-ap-3.0.1/range.ttl",
    ),
    "healthdcat-ap-r8-nonpublic": (
        "healthdcat-ap-r8/graph-guard.ttl",
        "dcat-ap-3.0.0/shapes.ttl",
        "dcat-ap-3.0.0/shapes_recommended.ttl",
        "dcat-ap-3.0.0/range.ttl",
        "healthdcat-ap-r8/non-public-shapes.ttl",
        "healthdcat-ap-r8/non-public-shapes_recommended.ttl",
    ),
    # the single-file DCAT-AP 3.0.1 SHACL (stricter ranges, e.g. dcat:endpointURL an rdfs:Resource)
    "dcat-ap-3.0.1-full": (
        "dcat-ap-3.0.1-full/dcat-ap-SHACL.ttl",
        "dcat-ap-3.0.1-full/ranges.ttl",
    ),
}
DEFAULT_PROFILES = ("dcat-ap-3.0.1", "healthdcat-ap-r8-nonpublic")
# HealthDCAT-AP's NON_PUBLIC level (the shapes shipped) requires this value of the dataset's
# dct:accessRights.  A release published PUBLIC or RESTRICTED (release.yaml access_rights)
# cannot honestly carry it (docs/catalog.md "Access rights"); it is checked against the same
# shapes with only that value constraint lifted (``for_access``): the NON_PUBLIC level's
# shapes are the PUBLIC level's plus the fields mandatory for NON_PUBLIC datasets, so every
# other constraint of both levels still applies.
NON_PUBLIC = URIRef("http://publications.europa.eu/resource/authority/access-right/NON_PUBLIC")
NON_PUBLIC_PROFILES = frozenset({"healthdcat-ap-r8-nonpublic"})


@dataclass(frozen=True)
class Finding:
    severity: str  # Violation | Warning | Info
    focus: str
    path: str
    message: str

    def __str__(self) -> str:
        return f"[{self.severity}] {self.focus} {self.path}: {self.message}"


@dataclass(frozen=True)
class ShaclReport:
    profile: str
    conforms: bool
    findings: tuple[Finding, ...] = field(default_factory=tuple)

    @property
    def violations(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "Violation"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "Warning"]


def repair_missing_paths(sg: Graph) -> int:
    """Turn property shapes without ``sh:path`` into node shapes on the same targets.

    Returns how many were repaired or dropped."""
    fixed = 0
    for shape, prop in sorted(sg.subject_objects(SH.property)):
        if sg.value(prop, SH.path) is not None:
            continue
        fixed += 1
        sg.remove((shape, SH.property, prop))
        body = list(sg.predicate_objects(prop))
        if not body:
            continue
        node = BNode()
        sg.add((node, RDF.type, SH.NodeShape))
        for target in sg.objects(shape, SH.targetClass):
            sg.add((node, SH.targetClass, target))
        for p, o in body:
            sg.add((node, p, o))
    return fixed


def repair_byte_size(sg: Graph) -> int:
    """Give ``dcat:byteSize`` the DCAT-AP 3.0.1 datatype (xsd:nonNegativeInteger)."""
    fixed = 0
    for prop in list(sg.subjects(SH.path, DCAT.byteSize)):
        if (prop, SH.datatype, XSD.decimal) in sg:
            sg.remove((prop, SH.datatype, XSD.decimal))
            sg.add((prop, SH.datatype, XSD.nonNegativeInteger))
            fixed += 1
    return fixed


@cache
def _shapes(profile: str) -> Graph:
    if profile not in PROFILES:
        raise CuratorError(f"unknown SHACL profile {profile!r}; known: {', '.join(sorted(PROFILES))}")
    folder = ontologies_dir() / "shapes"
    sg = Graph()
    for rel in PROFILES[profile]:
        sg.parse(folder / rel, format="turtle")
    repair_missing_paths(sg)
    repair_byte_size(sg)
    return sg


def shapes_graph(profile: str) -> Graph:
    """The repaired shapes graph of a profile (a copy: callers may change it)."""
    g = Graph()
    for t in _shapes(profile):
        g.add(t)
    return g


@cache
def _without_access_value(profile: str) -> Graph:
    """The shapes of ``profile`` without the constraints that fix the value of the dataset's
    ``dct:accessRights`` (its presence and count still checked)."""
    sg = shapes_graph(profile)
    for prop in list(sg.subjects(SH.path, DCTERMS.accessRights)):
        for value in list(sg.objects(prop, SH.hasValue)):
            sg.remove((prop, SH.hasValue, value))
    return sg


def access_levels(data: Graph) -> frozenset[URIRef]:
    """The ``dct:accessRights`` of the datasets of ``data``."""
    return frozenset(o for s in data.subjects(RDF.type, DCAT.Dataset) for o in data.objects(s, DCTERMS.accessRights)
                     if isinstance(o, URIRef))


def for_access(data: Graph, profile: str) -> str | None:
    """What ``validate_graph(data, profile, access_value=False)`` checks instead of the
    profile, when the catalogue's datasets are not NON_PUBLIC and the profile is a NON_PUBLIC
    level (``None``: the profile applies as it is)."""
    if profile not in NON_PUBLIC_PROFILES:
        return None
    rights = access_levels(data)
    if not rights or NON_PUBLIC in rights:
        return None
    shown = ", ".join(sorted(str(r).rsplit("/", 1)[-1] for r in rights))
    return f"dataset access rights {shown}: every shape of HealthDCAT-AP's NON_PUBLIC level but the value NON_PUBLIC"


def validate_graph(data: Graph, profile: str, access_value: bool = True) -> ShaclReport:
    """Validate a data graph offline (no inference, no network) against one profile;
    ``access_value=False``: without the value the profile fixes for ``dct:accessRights``."""
    sg = _shapes(profile) if access_value else _without_access_value(profile)
    conforms, rg, _ = pyshacl.validate(
        data, shacl_graph=sg, inference="none", advanced=True, allow_warnings=True, abort_on_first=False
    )
    findings = []
    for r in rg.subjects(RDF.type, SH.ValidationResult):
        sev = str(rg.value(r, SH.resultSeverity)).rsplit("#", 1)[-1]
        focus = rg.value(r, SH.focusNode)
        path = rg.value(r, SH.resultPath)
        msg = rg.value(r, SH.resultMessage)
        findings.append(Finding(sev, str(focus) if isinstance(focus, URIRef) else "_", str(path or ""), str(msg or "")))
    findings.sort(key=lambda f: (f.severity, f.focus, f.path, f.message))
    return ShaclReport(profile, bool(conforms), tuple(findings))


def validate_file(path: str | Path, profile: str) -> ShaclReport:
    """Validate a Turtle or JSON-LD catalogue file."""
    return validate_graph(read_catalogue(path), profile)


def read_catalogue(path: str | Path) -> Graph:
    """The graph of a Turtle or JSON-LD catalogue file (``CuratorError`` when it cannot be read)."""
    p = Path(path)
    fmt = "json-ld" if p.suffix in (".jsonld", ".json") else "turtle"
    from curator.common.regular import read_named

    g = Graph()
    data = read_named(p, "catalogue", limit=None)  # a FIFO or a device in its place is refused, never waited on
    try:
        g.parse(data=data, format=fmt, publicID=p.absolute().as_uri())  # relative IRIs resolve as from the file
    except Exception:  # rdflib raises many parser-specific types
        raise CuratorError(f"catalogue is not valid {fmt}: {p.name}") from None
    return g
