"""The release catalogue: DCAT-AP 3.0.1 + HealthDCAT-AP release 8 RDF.

``build_graph(summary, config)`` turns a :class:`ReleaseSummary` (aggregates computed
elsewhere from the de-identified data) and a :class:`~curator.release.config.ReleaseConfig`
(``release.yaml``) into one rdflib graph: a ``dcat:Catalog``, one ``dcat:Dataset``, its
``dcat:Distribution``s, a ``dcat:DataService`` when a DICOMweb endpoint is configured, the
agents, contact points, the PROV-O activity of the curation run, quality measurements and
the CSVW description of the series table.  ``write_catalog`` writes ``catalog.ttl`` and
``catalog.jsonld``.

Rules this module keeps:

* every IRI is minted from ``config.base_iri`` + the release identifier + a fixed local
  name: no blank nodes, so two builds are byte-identical;
* every concept the catalogue references carries its type and label in the file (copied
  from ``ontologies/vocabularies/catalog-concepts.ttl`` or from ``release.yaml``), so the
  file validates offline;
* counts below ``k`` are left out; no UID, pseudonym or exact date is written (only years
  and top-coded ages) - a final guard refuses to emit any literal that looks like one.
"""
from __future__ import annotations

import json
import re
from decimal import ROUND_HALF_EVEN, Decimal
from functools import cache
from pathlib import Path
from typing import Literal as TLiteral

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, OWL, PROV, RDF, RDFS, SKOS, XSD

from curator.errors import CuratorError
from curator.release.config import ConceptRef, ReleaseConfig, holds_credentials, names_an_address, validation_message
from curator.resources import ontologies_dir
from curator.deid.scrub import UID_LIKE, scrub_patterns
from curator.common.slug import slug

DCATAP = Namespace("http://data.europa.eu/r5r/")
HEALTH = Namespace("http://healthdataportal.eu/ns/health#")
DPV = Namespace("https://w3id.org/dpv#")
DQV = Namespace("http://www.w3.org/ns/dqv#")
CV = Namespace("http://data.europa.eu/m8g/")
GEODCAT = Namespace("http://data.europa.eu/930/")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
SPDX = Namespace("http://spdx.org/rdf/terms#")
CSVW = Namespace("http://www.w3.org/ns/csvw#")
ADMS = Namespace("http://www.w3.org/ns/adms#")
ELI = Namespace("http://data.europa.eu/eli/ontology#")
DCM = Namespace("http://dicom.nema.org/resources/ontology/DCM/")
DCAT_VERSION = URIRef(str(DCAT) + "version")  # DCAT 3 term missing from rdflib's closed namespace

PREFIXES = {
    "adms": ADMS, "csvw": CSVW, "cv": CV, "dcat": DCAT, "dcatap": DCATAP, "dct": DCTERMS,
    "dcm": DCM, "dpv": DPV, "dqv": DQV, "eli": ELI, "foaf": FOAF, "geodcatap": GEODCAT,
    "healthdcatap": HEALTH, "owl": OWL, "prov": PROV, "rdf": RDF, "rdfs": RDFS, "skos": SKOS,
    "spdx": SPDX, "vcard": VCARD, "xsd": XSD,
}

_SLUG = re.compile(r"^[A-Za-z][A-Za-z0-9._-]{0,63}$")
_DATE_LIKE = re.compile(r"\b(?:\d{4}-\d{2}-\d{2}|\d{8}|\d{1,2}/\d{1,2}/\d{2,4}|\d{1,2}\.\d{1,2}\.\d{4})\b")
_HEX64 = re.compile(r"^[0-9a-f]{64}$")
_METHODS = ("MANUAL", "SEMIAUTOMATIC", "AUTOMATIC", "UNKNOWN")  # UNKNOWN: the header states no method
_QUALITY = ("completeness", "conformance", "plausibility", "total")


def is_release_id(value: str) -> bool:
    """A release identifier: a short slug starting with a letter, with no UID or date in it."""
    return bool(_SLUG.match(value)) and not UID_LIKE.search(value) and not _DATE_LIKE.search(value)


def is_http_url(value: str) -> bool:
    """An http(s) URL that can stand as an IRI (the DICOMweb endpoint of a release), naming
    no user or password (the catalogue is published)."""
    return (bool(re.fullmatch(r"https?://[^\s<>\"{}|\\^`]+", value)) and not holds_credentials(value)
            and names_an_address(value))


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class BodyRegion(_Model):
    """A RadLex body region: its RID and preferred name."""

    code: str
    label: str

    @field_validator("code")
    @classmethod
    def _rid(cls, v):
        if not re.fullmatch(r"RID\d{1,7}", v):
            raise ValueError("a RadLex code looks like RID1301")
        return v


class RunProvenance(_Model):
    """How the release was made: recorded as PROV-O in the catalogue."""

    tool_version: str
    profile: str
    mapping_version: str
    radlex_version: str
    settings_hash: str

    @field_validator("settings_hash")
    @classmethod
    def _hash(cls, v):
        if not _HEX64.match(v):
            raise ValueError("settings_hash must be a lowercase SHA-256 hex digest")
        return v


class DistributionInfo(_Model):
    """One published form of the release (a folder or a file)."""

    name: str = Field(description="local name, e.g. dicom, series-csv, series-parquet, fhir")
    title: str
    description: str | None = None
    path: str = Field(description="path inside the release folder")
    media_type: str
    byte_size: int | None = Field(default=None, ge=0)
    sha256: str | None = None
    conforms_to: list[str] = Field(default_factory=list, description="standard codes: DICOM, FHIR-R4…")

    @field_validator("name")
    @classmethod
    def _name(cls, v):
        if not _SLUG.match(v):
            raise ValueError("distribution name must be a slug (letters, digits, . _ -)")
        return v

    @field_validator("sha256")
    @classmethod
    def _sha(cls, v):
        if v is not None and not _HEX64.match(v):
            raise ValueError("sha256 must be a lowercase hex digest")
        return v


class ColumnInfo(_Model):
    """One column of the series table (CSVW column in the catalogue, Croissant field)."""

    name: str
    title: str
    description: str
    datatype: TLiteral["string", "integer", "decimal", "boolean"] = "string"


class ReleaseSummary(_Model):
    """What the catalogue needs from the de-identified data (aggregates only)."""

    release_id: str
    n_individuals: int = Field(ge=0)
    n_studies: int = Field(ge=0)
    n_series: int | None = Field(default=None, ge=0)
    age_min: int | None = Field(default=None, ge=0, description="years, already top-coded")
    age_max: int | None = Field(default=None, ge=0, description="years, already top-coded")
    year_min: int | None = Field(default=None, ge=1800, le=2200)
    year_max: int | None = Field(default=None, ge=1800, le=2200)
    modalities: list[str] = Field(default_factory=list)
    body_regions: list[BodyRegion] = Field(default_factory=list)
    manufacturers: list[str] = Field(default_factory=list)
    segmentations: dict[str, int] = Field(default_factory=dict, description="count per method")
    segmentation_algorithms: list[str] = Field(default_factory=list, description="'name version' of each algorithm the "
                                               "released segmentations name; 'unknown' when one names none")
    deid_profile: str
    deid_codes: list[str] = Field(default_factory=list, description="PS3.15 CID 7050 codes, e.g. 113100")
    quality: dict[str, float] = Field(default_factory=dict)
    k: int = Field(ge=1)
    run: RunProvenance
    distributions: list[DistributionInfo] = Field(min_length=1)
    dicomweb_url: str | None = None
    series_columns: list[ColumnInfo] = Field(default_factory=list)
    personal_data: list[str] = Field(default_factory=lambda: ["Age"])
    disclosure_risk: str | None = Field(default=None, description="access tier and k-anonymity figures, one sentence")

    @classmethod
    def parse(cls, data: dict) -> "ReleaseSummary":
        """Validate a mapping; a bad field raises CuratorError naming it, never its value."""
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            raise CuratorError(validation_message("release summary", exc)) from None

    @field_validator("release_id")
    @classmethod
    def _rid(cls, v):
        if not is_release_id(v):
            raise ValueError("release_id must be a short slug starting with a letter (no UID or date)")
        return v

    @field_validator("modalities")
    @classmethod
    def _mods(cls, v):
        for m in v:
            if not re.fullmatch(r"[A-Z][A-Z0-9_]{1,15}", m):
                raise ValueError("modalities are DICOM defined terms such as CT, MR, PT")
        return sorted(set(v))

    @field_validator("segmentations")
    @classmethod
    def _segs(cls, v):
        for method, count in v.items():
            if method not in _METHODS:
                raise ValueError(f"segmentation methods are {', '.join(_METHODS)}")
            if count < 0:
                raise ValueError("segmentation counts are not negative")
        return v

    @field_validator("deid_codes")
    @classmethod
    def _codes(cls, v):
        for c in v:
            if not re.fullmatch(r"1131\d\d", c):
                raise ValueError("de-identification codes are CID 7050 codes such as 113100")
        return sorted(set(v))

    @field_validator("quality")
    @classmethod
    def _quality(cls, v):
        for key, value in v.items():
            if key not in _QUALITY:
                raise ValueError(f"quality keys are {', '.join(_QUALITY)}")
            if not 0.0 <= value <= 1.0:
                raise ValueError("quality scores are between 0 and 1")
        return v

    @model_validator(mode="after")
    def _ranges(self):
        if self.age_min is not None and self.age_max is not None and self.age_min > self.age_max:
            raise ValueError("age_min is above age_max")
        if self.year_min is not None and self.year_max is not None and self.year_min > self.year_max:
            raise ValueError("year_min is above year_max")
        names = [d.name for d in self.distributions]
        if len(names) != len(set(names)):
            raise ValueError("distribution names must be unique")
        return self


# ----------------------------------------------------------------------------- vocabulary


@cache
def _vocabulary() -> Graph:
    g = Graph()
    g.parse(ontologies_dir() / "vocabularies" / "catalog-concepts.ttl", format="turtle")
    return g


@cache
def _modality_meanings() -> dict[str, str]:
    return yaml.safe_load((ontologies_dir() / "vocabularies" / "dicom-modalities.yaml").read_text("utf-8"))


@cache
def _deid_meanings() -> dict[str, str]:
    data = yaml.safe_load((ontologies_dir() / "dicom" / "ps3.15-options.yaml").read_text("utf-8"))
    out = {data["basic"]["code"]: data["basic"]["meaning"]}
    for option in data["options"].values():
        out[option["code"]] = option["meaning"]
    return out


_EU = "http://publications.europa.eu/resource/authority/"
_HDEU = "https://hdeu-dcat.data.health.europa.eu/resource/authority/"
# kind -> (scheme the code must be in, or None; classes a concept of that kind gets; label property)
_KINDS: dict[str, tuple[str | None, tuple[URIRef, ...], URIRef]] = {
    "access": (_EU + "access-right", (DCTERMS.RightsStatement, SKOS.Concept), SKOS.prefLabel),
    "theme": (_EU + "data-theme", (SKOS.Concept,), SKOS.prefLabel),
    "dataset_type": (_EU + "dataset-type", (SKOS.Concept,), SKOS.prefLabel),
    "language": (_EU + "language", (DCTERMS.LinguisticSystem, SKOS.Concept), SKOS.prefLabel),
    "spatial": (_EU + "country", (DCTERMS.Location, SKOS.Concept), SKOS.prefLabel),
    "availability": (_EU + "planned-availability", (SKOS.Concept,), SKOS.prefLabel),
    "format": (_EU + "file-type", (DCTERMS.MediaTypeOrExtent, SKOS.Concept), SKOS.prefLabel),
    "publisher_type": (_HDEU + "publisher-type", (SKOS.Concept,), SKOS.prefLabel),
    "health_category": (_HDEU + "healthcategories", (SKOS.Concept,), SKOS.prefLabel),
    "personal_data": ("https://w3id.org/dpv/pd", (SKOS.Concept,), SKOS.prefLabel),
    "licence": (None, (DCTERMS.LicenseDocument,), RDFS.label),
    "legislation": (None, (ELI.LegalResource,), RDFS.label),
    "standard": (None, (DCTERMS.Standard,), RDFS.label),
}
# media type of a distribution -> its EU file-type code (dct:format)
_MEDIA_FORMAT = {
    "text/csv": "CSV", "application/vnd.apache.parquet": "PARQUET", "application/json": "JSON",
    "application/ld+json": "JSON_LD", "application/dicom": "DICOM", "application/fhir+ndjson": "JSON",
    "application/fhir+json": "JSON", "text/turtle": "RDF_TURTLE",
}


def resolve_concept(kind: str, ref) -> URIRef:
    """The IRI of a concept given as a short code of the shipped vocabulary or a ConceptRef."""
    if isinstance(ref, ConceptRef):
        return URIRef(ref.iri)
    scheme, classes, _ = _KINDS[kind]
    vocab = _vocabulary()
    for node in sorted(n for n in vocab.subjects(SKOS.notation, Literal(ref)) if isinstance(n, URIRef)):
        in_scheme = scheme is None or (node, SKOS.inScheme, URIRef(scheme)) in vocab
        if in_scheme and all((node, RDF.type, cls) in vocab for cls in classes):
            return node
    raise CuratorError(
        f"release.yaml: unknown {kind.replace('_', ' ')} code {ref!r}; use a code from "
        "ontologies/vocabularies/catalog-concepts.ttl or give {iri: …, label: …}"
    )


class _Builder:
    def __init__(self, summary: ReleaseSummary, config: ReleaseConfig):
        self.s = summary
        self.c = config
        self.g = Graph()
        for prefix, ns in PREFIXES.items():
            self.g.bind(prefix, ns)
        self.base = Namespace(f"{config.base_iri}{summary.release_id}/")
        self._copied: set[URIRef] = set()

    # -- helpers ---------------------------------------------------------------------
    def iri(self, local: str) -> URIRef:
        return self.base[local]

    def add(self, s, p, o) -> None:
        self.g.add((s, p, o))

    def texts(self, s, p, value) -> None:
        """A string or a {lang: text} mapping as (language-tagged) literals."""
        if isinstance(value, dict):
            for lang, text in value.items():
                self.add(s, p, Literal(text, lang=lang))
        else:
            self.add(s, p, Literal(value))

    def _copy(self, node: URIRef) -> None:
        """Copy a vocabulary concept's triples (and those of the concepts it points to)."""
        if node in self._copied:
            return
        self._copied.add(node)
        for p, o in _vocabulary().predicate_objects(node):
            self.add(node, p, o)
            if isinstance(o, URIRef) and (o, None, None) in _vocabulary():
                self._copy(o)

    def concept(self, kind: str, ref) -> URIRef:
        """Resolve a code or ConceptRef of a kind to an IRI that carries its type and label."""
        node = resolve_concept(kind, ref)
        if (node, None, None) in _vocabulary():
            self._copy(node)
        if isinstance(ref, ConceptRef):
            _, classes, label_p = _KINDS[kind]
            for cls in classes:
                self.add(node, RDF.type, cls)
            if ref.type:
                self.add(node, RDF.type, URIRef(ref.type))
            self.texts(node, label_p, ref.label)
        return node

    def media_type(self, media: str) -> URIRef:
        if not re.fullmatch(r"[a-z]+/[A-Za-z0-9.+-]+", media):
            raise CuratorError("summary: a distribution media type is not of the form type/subtype")
        node = URIRef(f"http://www.iana.org/assignments/media-types/{media}")
        if (node, None, None) in _vocabulary():
            self._copy(node)
        else:
            self.add(node, RDF.type, DCTERMS.MediaType)
            self.add(node, RDFS.label, Literal(media))
        return node

    def document(self, url: str) -> URIRef:
        node = URIRef(url)
        self.add(node, RDF.type, FOAF.Document)
        return node

    # -- parts -----------------------------------------------------------------------
    def agent(self, local: str, agent) -> URIRef:
        node = self.iri(local)
        self.add(node, RDF.type, FOAF.Agent)
        self.add(node, RDF.type, FOAF.Organization)
        self.texts(node, FOAF.name, agent.name)
        if agent.type is not None:
            self.add(node, DCTERMS.type, self.concept("publisher_type", agent.type))
        if agent.email:  # harvesters (CKAN's DCAT parser) read the agent's own foaf:mbox
            self.add(node, FOAF.mbox, URIRef(f"mailto:{agent.email}"))
        if agent.homepage:
            self.add(node, FOAF.homepage, self.document(agent.homepage))
        if agent.description:
            # HealthDCAT-AP allows at most one publisher note: keep the first language only
            lang = sorted(agent.description)[0]
            self.add(node, DCTERMS.description, Literal(agent.description[lang], lang=lang))
        cp = self.iri(f"{local}/contact-point")
        self.add(node, CV.contactPoint, cp)
        self.add(cp, RDF.type, CV.ContactPoint)
        if agent.email:
            self.add(cp, CV.email, Literal(agent.email))
        if agent.contact_page:
            self.add(cp, CV.contactPage, URIRef(agent.contact_page))
        return node

    def contact(self) -> URIRef:
        c = self.c.contact_point
        node = self.iri("contact")
        self.add(node, RDF.type, VCARD.Kind)
        self.add(node, VCARD.fn, Literal(c.name))
        if c.email:
            self.add(node, VCARD.hasEmail, URIRef(f"mailto:{c.email}"))
        if c.url:
            self.add(node, VCARD.hasURL, URIRef(c.url))
        return node

    def legislation(self, node: URIRef) -> None:
        for ref in self.c.applicable_legislation:
            self.add(node, DCATAP.applicableLegislation, self.concept("legislation", ref))

    def build(self) -> Graph:
        s, c = self.s, self.c
        catalog, dataset = self.iri("catalog"), self.iri("dataset")
        publisher = self.agent("agent/publisher", c.publisher)
        custodian = self.agent("agent/custodian", c.custodian) if c.custodian else publisher
        hdab = self.agent("agent/hdab", c.hdab)
        contact = self.contact()
        licence = self.concept("licence", c.licence)
        access = self.concept("access", c.access_rights)
        themes = [self.concept("theme", t) for t in c.theme]
        languages = [self.concept("language", x) for x in c.language]
        spatial = [self.concept("spatial", x) for x in c.spatial]

        # catalogue
        self.add(catalog, RDF.type, DCAT.Catalog)
        self.texts(catalog, DCTERMS.title, c.catalog.title or c.title)
        self.texts(catalog, DCTERMS.description, c.catalog.description or c.description)
        self.add(catalog, DCTERMS.publisher, publisher)
        self.add(catalog, DCTERMS.license, licence)
        self.legislation(catalog)
        for x in languages:
            self.add(catalog, DCTERMS.language, x)
        for x in spatial:
            self.add(catalog, DCTERMS.spatial, x)
        taxonomies = {o for t in themes for o in self.g.objects(t, SKOS.inScheme) if isinstance(o, URIRef)} or {URIRef(_EU + "data-theme")}
        for scheme in sorted(taxonomies):
            self._copy(scheme)
            self.add(catalog, DCAT.themeTaxonomy, scheme)
        if c.catalog.homepage:
            self.add(catalog, FOAF.homepage, self.document(c.catalog.homepage))
        self.add(catalog, DCAT.dataset, dataset)

        # dataset
        self.add(dataset, RDF.type, DCAT.Dataset)
        self.texts(dataset, DCTERMS.title, c.title)
        self.texts(dataset, DCTERMS.description, c.description)
        self.add(dataset, DCTERMS.identifier, Literal(str(dataset)))
        self.add(dataset, DCTERMS.accessRights, access)
        self.legislation(dataset)
        for t in c.dataset_type:
            self.add(dataset, DCTERMS.type, self.concept("dataset_type", t))
        for t in themes:
            self.add(dataset, DCAT.theme, t)
        for hc in c.health_category:
            self.add(dataset, HEALTH.healthCategory, self.concept("health_category", hc))
        self.add(dataset, DCAT.contactPoint, contact)
        self.add(dataset, DCTERMS.publisher, publisher)
        self.add(dataset, GEODCAT.custodian, custodian)
        self.add(dataset, HEALTH.hdab, hdab)
        for x in languages:
            self.add(dataset, DCTERMS.language, x)
        for x in spatial:
            self.add(dataset, DCTERMS.spatial, x)
        self.add(dataset, DCAT_VERSION, Literal(c.version))
        if c.version_notes:
            self.texts(dataset, ADMS.versionNotes, c.version_notes)
        if c.landing_page:
            self.add(dataset, DCAT.landingPage, self.document(c.landing_page))
        if c.population_coverage:
            self.texts(dataset, HEALTH.populationCoverage, c.population_coverage)
        self.add(dataset, DCTERMS.conformsTo, self.concept("standard", "DICOM"))
        self.keywords(dataset)
        self.counts(dataset)
        self.codes(dataset)
        self.privacy(dataset)
        self.temporal(dataset)
        self.retention(dataset)
        self.provenance(dataset)
        self.quality(dataset)
        self.variables(dataset)
        service = self.service(dataset, contact, publisher, licence, access, themes)
        if service is not None:
            self.add(catalog, DCAT.service, service)
        for d in sorted(s.distributions, key=lambda d: d.name):
            self.add(dataset, DCAT.distribution, self.distribution(d, licence, service))
        _guard(self.g)
        return self.g

    def keywords(self, dataset: URIRef) -> None:
        words = {("en", "DICOM"), ("en", "medical imaging"), ("en", "de-identified")}
        meanings = _modality_meanings()
        for m in self.s.modalities:
            words.add(("en", meanings.get(m, m)))
        for region in self.s.body_regions:
            words.add(("en", _free_text(region.label)))
        if any(v > 0 for v in self.s.segmentations.values()):
            words.add(("en", "segmentation"))
        for lang, ws in self.c.keywords.items():
            words.update((lang, w) for w in ws)
        seen: set[tuple[str, str]] = set()
        for lang, word in sorted(words):
            key = (lang, word.casefold())
            if word and key not in seen:  # "Segmentation" (SEG) and "segmentation" once
                seen.add(key)
                self.add(dataset, DCAT.keyword, Literal(word, lang=lang))

    def count(self, value: int | None) -> Literal | None:
        if value is None or value < self.s.k:
            return None
        return Literal(str(value), datatype=XSD.nonNegativeInteger)

    def counts(self, dataset: URIRef) -> None:
        s = self.s
        for prop, value in ((HEALTH.numberOfUniqueIndividuals, s.n_individuals),
                            (HEALTH.numberOfRecords, s.n_studies)):
            lit = self.count(value)
            if lit is not None:
                self.add(dataset, prop, lit)
        # ages are published only when the population itself is not suppressed
        if s.n_individuals >= s.k:
            if s.age_min is not None:
                self.add(dataset, HEALTH.minTypicalAge, Literal(str(s.age_min), datatype=XSD.nonNegativeInteger))
            if s.age_max is not None:
                self.add(dataset, HEALTH.maxTypicalAge, Literal(str(s.age_max), datatype=XSD.nonNegativeInteger))

    def codes(self, dataset: URIRef) -> None:
        s = self.s
        self.add(dataset, HEALTH.hasCodingSystem, self.concept("standard", "DCM"))
        meanings = _modality_meanings()
        values = {f"DCM:{m} ({meanings.get(m, 'DICOM modality')})" for m in s.modalities}
        deid = _deid_meanings()
        values.update(f"DCM:{code} ({deid.get(code, 'De-identification method')})" for code in s.deid_codes)
        if s.body_regions:
            self.add(dataset, HEALTH.hasCodingSystem, self.concept("standard", "RADLEX"))
            values.update(f"RADLEX:{r.code} ({_free_text(r.label)})" for r in s.body_regions)
        for v in sorted(values):
            self.add(dataset, HEALTH.hasCodeValues, Literal(v))
        self.add(dataset, HEALTH.hasStructuredData, Literal(bool(s.series_columns)))

    def privacy(self, dataset: URIRef) -> None:
        c = self.c
        purpose, basis = self.iri("purpose"), self.iri("legal-basis")
        self.add(purpose, RDF.type, DPV.Purpose)
        self.add(basis, RDF.type, DPV.LegalBasis)
        for node, text in ((purpose, c.purpose), (basis, c.legal_basis)):
            # labelled resources: whichever label property a harvester displays carries the text
            for prop in (DCTERMS.description, DCTERMS.title, SKOS.prefLabel, RDFS.label):
                self.texts(node, prop, text)
        self.add(dataset, DPV.hasPurpose, purpose)
        self.add(dataset, DPV.hasLegalBasis, basis)
        for pd in sorted(set(self.s.personal_data)):
            self.add(dataset, DPV.hasPersonalData, self.concept("personal_data", pd))

    def retention(self, dataset: URIRef) -> None:
        period = self.c.retention_period
        if period is None:
            return
        node = self.iri("retention-period")
        self.add(node, RDF.type, DCTERMS.PeriodOfTime)
        for prop, value in ((DCAT.startDate, period.start), (DCAT.endDate, period.end)):
            if value:
                self.add(node, prop, Literal(value, datatype=XSD.gYearMonth if "-" in value else XSD.gYear))
        if period.comment:
            self.texts(node, RDFS.comment, period.comment)
        self.add(dataset, HEALTH.retentionPeriod, node)

    def temporal(self, dataset: URIRef) -> None:
        s = self.s
        if s.year_min is None and s.year_max is None:
            return
        node = self.iri("temporal-coverage")
        self.add(node, RDF.type, DCTERMS.PeriodOfTime)
        if s.year_min is not None:
            self.add(node, DCAT.startDate, Literal(f"{s.year_min:04d}", datatype=XSD.gYear))
        if s.year_max is not None:
            self.add(node, DCAT.endDate, Literal(f"{s.year_max:04d}", datatype=XSD.gYear))
        self.add(dataset, DCTERMS.temporal, node)

    def provenance(self, dataset: URIRef) -> None:
        s, run = self.s, self.s.run
        deid = _deid_meanings()
        options = [deid.get(code, code) for code in s.deid_codes]
        seg = []
        for method in _METHODS:
            n = s.segmentations.get(method, 0)
            if n > 0:
                seg.append(f"{method.lower()} {n}" if n >= s.k else f"{method.lower()} fewer than {s.k}")
        makers = sorted({_free_text(m) for m in s.manufacturers} - {""})
        lines = [
            f"De-identified with curator {run.tool_version}, profile {_free_text(s.deid_profile)}"
            + (f" ({'; '.join(options)})" if options else "") + ".",
            f"Descriptions normalized to RadLex {run.radlex_version} with mappings {run.mapping_version}.",
        ]
        if s.modalities:
            lines.append(f"Modalities: {', '.join(s.modalities)}.")
        if makers:
            lines.append(f"Equipment manufacturers: {', '.join(makers)}.")
        if seg:
            lines.append(f"Segmentations by method: {', '.join(seg)}.")
        algorithms = [_free_text(a) for a in s.segmentation_algorithms]
        if seg and algorithms:
            lines.append(f"Segmentation algorithms: {', '.join(a for a in algorithms if a)}.")
        if s.disclosure_risk:
            lines.append(_free_text(s.disclosure_risk).rstrip(".") + ".")
        statement = self.iri("provenance")
        self.add(statement, RDF.type, DCTERMS.ProvenanceStatement)
        self.add(statement, RDFS.label, Literal(" ".join(lines), lang="en"))
        self.add(dataset, DCTERMS.provenance, statement)

        activity = self.iri("curation-run")
        self.add(activity, RDF.type, PROV.Activity)
        self.add(activity, RDFS.label, Literal(f"curator {run.tool_version} curation run of release {s.release_id}", lang="en"))
        software = self.iri(f"software/curator-{slug(run.tool_version)}")
        self.add(software, RDF.type, PROV.SoftwareAgent)
        self.add(software, RDFS.label, Literal("curator"))
        self.add(software, OWL.versionInfo, Literal(run.tool_version))
        self.add(activity, PROV.wasAssociatedWith, software)
        used = {
            "deid-profile": (f"de-identification profile {_free_text(run.profile)}", run.profile),
            "mappings": ("curator description mappings", run.mapping_version),
            "radlex": ("RadLex", run.radlex_version),
            "settings": ("curator settings (SHA-256 of the canonical settings)", run.settings_hash),
        }
        for local, (label, version) in used.items():
            entity = self.iri(f"curation-run/{local}")
            self.add(entity, RDF.type, PROV.Entity)
            self.add(entity, RDFS.label, Literal(label, lang="en"))
            self.add(entity, OWL.versionInfo, Literal(_free_text(version) if local != "settings" else version))
            self.add(activity, PROV.used, entity)
        for code in s.deid_codes:
            option = DCM[code]
            self.add(option, RDF.type, SKOS.Concept)
            self.add(option, SKOS.prefLabel, Literal(deid.get(code, f"DCM {code}"), lang="en"))
            self.add(option, SKOS.notation, Literal(code))
            self.add(self.iri("curation-run/deid-profile"), DCTERMS.conformsTo, option)
        self.add(dataset, PROV.wasGeneratedBy, activity)

    def quality(self, dataset: URIRef) -> None:
        q = self.s.quality
        if not q:
            return
        annotation = self.iri("quality")
        summary = ", ".join(f"{k} {_decimal(q[k])}" for k in _QUALITY if k in q)
        self.add(annotation, RDF.type, DQV.QualityAnnotation)
        self.add(annotation, RDFS.label, Literal(f"curator quality scores (0-1): {summary}", lang="en"))
        self.add(dataset, DQV.hasQualityAnnotation, annotation)
        for key in _QUALITY:
            if key not in q:
                continue
            metric, measurement = self.iri(f"metric/{key}"), self.iri(f"quality/{key}")
            self.add(metric, RDF.type, DQV.Metric)
            self.add(metric, RDFS.label, Literal(f"curator {key} score", lang="en"))
            self.add(measurement, RDF.type, DQV.QualityMeasurement)
            self.add(measurement, DQV.isMeasurementOf, metric)
            self.add(measurement, DQV.value, Literal(_decimal(q[key]), datatype=XSD.decimal))
            self.add(dataset, DQV.hasQualityMeasurement, measurement)

    def variables(self, dataset: URIRef) -> None:
        cols = self.s.series_columns
        if not cols:
            return
        group, table = self.iri("variables"), self.iri("variables/series")
        self.add(group, RDF.type, CSVW.TableGroup)
        self.add(group, DCTERMS.title, Literal("Series-level table of the release", lang="en"))
        self.add(group, CSVW.table, table)
        self.add(table, RDF.type, CSVW.Table)
        self.add(table, DCTERMS.title, Literal("series", lang="en"))
        self.add(table, DCAT.keyword, Literal("DICOM series", lang="en"))
        for col in cols:
            node = self.iri(f"variables/series/{slug(col.name)}")
            self.add(node, RDF.type, CSVW.Column)
            self.add(node, CSVW.name, Literal(col.name))
            self.add(node, CSVW.title, Literal(col.title, lang="en"))
            self.add(node, DCTERMS.description, Literal(col.description, lang="en"))
            self.add(node, CSVW.datatype, Literal(col.datatype))
            self.add(table, CSVW.column, node)
        self.add(dataset, HEALTH.hasVariables, group)

    def service(self, dataset, contact, publisher, licence, access, themes) -> URIRef | None:
        url = self.s.dicomweb_url
        if not url:
            return None
        if not is_http_url(url):
            raise CuratorError("summary: the DICOMweb endpoint is not an http(s) URL")
        node = self.iri("dicomweb")
        self.add(node, RDF.type, DCAT.DataService)
        self.add(node, DCTERMS.title, Literal("DICOMweb service of the release", lang="en"))
        self.add(node, DCAT.endpointURL, URIRef(url))
        self.add(URIRef(url), RDF.type, RDFS.Resource)  # the full DCAT-AP 3.0.1 range shape asks for it
        self.add(node, DCTERMS.conformsTo, self.concept("standard", "DICOMWEB"))
        self.add(node, DCAT.servesDataset, dataset)
        self.add(node, DCAT.contactPoint, contact)
        self.add(node, DCTERMS.publisher, publisher)
        self.add(node, DCTERMS.license, licence)
        self.add(node, DCTERMS.accessRights, access)
        self.add(node, DCAT.keyword, Literal("DICOMweb", lang="en"))
        for t in themes:
            self.add(node, DCAT.theme, t)
        self.legislation(node)
        return node

    def distribution(self, d: DistributionInfo, licence: URIRef, service: URIRef | None) -> URIRef:
        node = self.iri(f"distribution/{d.name}")
        self.add(node, RDF.type, DCAT.Distribution)
        self.add(node, DCTERMS.title, Literal(d.title, lang="en"))
        self.add(node, DCTERMS.description, Literal(d.description or f"{d.title} ({d.path})", lang="en"))
        self.add(node, DCAT.accessURL, URIRef(self.c.access_url))
        self.add(node, DCAT.mediaType, self.media_type(d.media_type))
        fmt = _MEDIA_FORMAT.get(d.media_type)
        if fmt:
            self.add(node, DCTERMS.format, self.concept("format", fmt))
        self.add(node, DCTERMS.license, licence)
        self.add(node, DCATAP.availability, self.concept("availability", self.c.availability))
        self.legislation(node)
        for std in sorted(set(d.conforms_to)):
            self.add(node, DCTERMS.conformsTo, self.concept("standard", std))
        if service is not None and d.media_type == "application/dicom":
            self.add(node, DCAT.accessService, service)
        if self.c.include_byte_size and d.byte_size is not None:
            self.add(node, DCAT.byteSize, Literal(str(d.byte_size), datatype=XSD.nonNegativeInteger))
        if d.sha256:
            checksum = self.iri(f"distribution/{d.name}/checksum")
            self.add(checksum, RDF.type, SPDX.Checksum)
            self.add(checksum, SPDX.algorithm, SPDX.checksumAlgorithm_sha256)
            self._copy(SPDX.checksumAlgorithm_sha256)
            self.add(checksum, SPDX.checksumValue, Literal(d.sha256, datatype=XSD.hexBinary))
            self.add(node, SPDX.checksum, checksum)
        return node


def _decimal(value: float) -> str:
    return str(Decimal(repr(value)).quantize(Decimal("0.001"), rounding=ROUND_HALF_EVEN))


def _free_text(text: str) -> str:
    """Free text from the data (labels, manufacturer names): UID-, ID- and date-like runs removed."""
    return " ".join(scrub_patterns(UID_LIKE.sub(" ", str(text))).split())


def _guard(g: Graph) -> None:
    """Refuse to write a catalogue holding anything that looks like a UID or an exact date."""
    for s, _, o in g:
        for term in (s, o):
            text = str(term)
            if isinstance(term, Literal) and term.datatype in (XSD.date, XSD.dateTime):
                raise CuratorError("catalogue: refusing to write an exact date")
            if isinstance(term, Literal) and term.datatype == XSD.hexBinary:
                continue  # checksums
            if UID_LIKE.search(text) or (isinstance(term, Literal) and _DATE_LIKE.search(text)):
                raise CuratorError("catalogue: refusing to write a value that looks like a UID or a date")


def build_graph(summary: ReleaseSummary, config: ReleaseConfig) -> Graph:
    """The catalogue graph for one release (deterministic, blank-node free)."""
    return _Builder(summary, config).build()


def to_turtle(g: Graph) -> bytes:
    """Turtle with sorted subjects, predicates and objects (rdflib sorts them)."""
    return g.serialize(format="turtle", encoding="utf-8")


def _sorted_json(value):
    if isinstance(value, dict):
        return {k: _sorted_json(value[k]) for k in sorted(value)}
    if isinstance(value, list):
        items = [_sorted_json(v) for v in value]
        return sorted(items, key=lambda v: json.dumps(v, sort_keys=True, ensure_ascii=False))
    return value


def to_jsonld(g: Graph) -> bytes:
    """Compact JSON-LD with the catalogue's prefixes as context, keys and arrays sorted."""
    context = {prefix: str(ns) for prefix, ns in sorted(PREFIXES.items())}
    data = json.loads(g.serialize(format="json-ld", context=context, auto_compact=True))
    body = _sorted_json({k: v for k, v in data.items() if k != "@context"})
    out = {"@context": context, **body}
    return (json.dumps(out, indent=2, ensure_ascii=False, sort_keys=False, allow_nan=False) + "\n").encode("utf-8")


def write_catalog(summary: ReleaseSummary, config: ReleaseConfig, out_dir: str | Path) -> list[Path]:
    """Write ``catalog.ttl`` and ``catalog.jsonld`` into ``out_dir``; return their paths."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    g = build_graph(summary, config)
    ttl, jsonld = out / "catalog.ttl", out / "catalog.jsonld"
    ttl.write_bytes(to_turtle(g))
    jsonld.write_bytes(to_jsonld(g))
    return [ttl, jsonld]
