"""``release.yaml``: what a person states about a release (the data tells the rest).

The catalogue (:mod:`curator.release.catalog`) is filled from two sources: the
:class:`~curator.release.catalog.ReleaseSummary` computed from the de-identified data, and this
file, written by the data holder: titles and descriptions in at least two languages,
publisher, health data access body, licence, legal basis, purpose, health category,
contact point, version, retention period.  See ``examples/release.yaml`` for a commented example.

Concepts (licence, theme, language, …) are given either as the short code of a concept
shipped in ``ontologies/vocabularies/catalog-concepts.ttl`` (``CC-BY-4.0``, ``HEAL``,
``ENG``…) or as ``{iri: …, label: …}`` for any other concept; the catalogue carries the
type and label of every concept it references.

Any problem raises :class:`curator.errors.CuratorError` naming the field, never echoing
the value (a title could hold anything).
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any, Literal, Union

from pydantic import ConfigDict, Field, StringConstraints, ValidationError, field_validator, model_validator

from curator.common import userfile
from curator.common.userfile import UserModel

_LANG = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
_IRI = re.compile(r"^(https?|urn|mailto):[^\s<>\"{}|\\^`]+$")
_EMAIL = re.compile(r"^[^@\s<>\"]+@[^@\s<>\"]+\.[^@\s<>\"]+$")

# Lengths a person's statement about a release never needs (a catalogue, a landing page and
# every FHIR and Croissant file carry these texts): a value beyond them is refused with its
# field named, never written (a title of 3 MB was taken and copied into every file).
MAX_SHORT = 1_000  # characters: titles, names, labels, keywords, version, codes
MAX_LONG = 20_000  # characters: descriptions, notes, legal basis, purpose, coverage
MAX_IRI = 2_000  # characters: IRIs and email addresses
MAX_ITEMS = 1_000  # entries of a list (keywords of one language, concepts)

Short = Annotated[str, StringConstraints(max_length=MAX_SHORT)]
Long = Annotated[str, StringConstraints(max_length=MAX_LONG)]
Iri = Annotated[str, StringConstraints(max_length=MAX_IRI)]
LangText = dict[str, Short]  # a short text in one or more languages (language tag -> text)
LongText = dict[str, Long]


def _check_lang_text(value: dict[str, str], *, min_languages: int = 1) -> dict[str, str]:
    if len(value) < min_languages:
        raise ValueError(f"needs text in at least {min_languages} language(s), e.g. en and nl")
    for lang, text in value.items():
        if not _LANG.match(lang):
            raise ValueError("language keys must be BCP 47 tags such as en, nl, fr")
        if not isinstance(text, str) or not text.strip():
            raise ValueError(f"the {lang} text is empty")
    return {k: v.strip() for k, v in sorted(value.items())}


def _check_email(value: str | None) -> str | None:
    if value is not None and not _EMAIL.match(value):
        raise ValueError("is not an email address")
    return value


def holds_credentials(iri: str) -> bool:
    """An http(s) IRI naming a user or a password before its host (``https://user:pw@host/``):
    never written into a catalogue, which is published."""
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(iri)
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and "@" in parts.netloc


def names_an_address(iri: str) -> bool:
    """An http(s) IRI's host is there and its port in range: ``http://[::1`` (a bracket never
    closed) and ``https://host:99999/`` name no address (urllib cannot split them)."""
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(iri)
        return bool(parts.hostname) and (parts.port is None or parts.port > 0)
    except ValueError:
        return False


def _check_iri(value: str) -> str:
    if not isinstance(value, str) or not _IRI.match(value):
        raise ValueError("must be an absolute IRI (http(s)://…)")
    if value.lower().startswith(("http:", "https:")) and not names_an_address(value):
        raise ValueError("must name a host (and a port of 1 to 65535): http(s)://HOST/…")
    if holds_credentials(value):
        raise ValueError("must not hold a user name or password (the catalogue is published)")
    return value


class _Model(UserModel):
    # release.yaml takes text as text: a number where a title or version is expected is refused
    model_config = ConfigDict(coerce_numbers_to_str=False)


class ConceptRef(_Model):
    """A concept not in the shipped vocabulary: its IRI and a label (carried into the file)."""

    iri: Iri
    label: Union[Short, LangText]
    type: Iri | None = None  # an extra rdf:type IRI, e.g. a class the range shape needs

    @field_validator("iri")
    @classmethod
    def _iri(cls, v):
        return _check_iri(v)

    @field_validator("label")
    @classmethod
    def _label(cls, v):
        if isinstance(v, str):
            if not v.strip():
                raise ValueError("label is empty")
            return v.strip()
        return _check_lang_text(v)


Concept = Union[Short, ConceptRef]
Concepts = Annotated[list[Concept], Field(max_length=MAX_ITEMS)]


def _concepts(*codes: str) -> list[Concept]:
    """A default list of short codes, typed as the field it fills."""
    return list(codes)


class ContactPoint(_Model):
    """The dataset's contact point (vcard:Kind): a name and an email and/or a web page."""

    name: Short
    email: Iri | None = None
    url: Iri | None = None

    @field_validator("email")
    @classmethod
    def _email(cls, v):
        return _check_email(v)

    @field_validator("url")
    @classmethod
    def _url(cls, v):
        return None if v is None else _check_iri(v)

    @model_validator(mode="after")
    def _one_of(self):
        if not self.email and not self.url:
            raise ValueError("needs an email or a url")
        return self


class Agent(_Model):
    """An organisation: publisher, data holder (custodian) or health data access body."""

    name: Union[Short, LangText]
    type: Concept | None = None
    email: Iri | None = None
    contact_page: Iri | None = None
    homepage: Iri | None = None
    description: LongText | None = None

    @field_validator("name")
    @classmethod
    def _name(cls, v):
        if isinstance(v, str):
            if not v.strip():
                raise ValueError("is empty")
            return v.strip()
        return _check_lang_text(v)

    @field_validator("email")
    @classmethod
    def _email(cls, v):
        return _check_email(v)

    @field_validator("contact_page", "homepage")
    @classmethod
    def _pages(cls, v):
        return None if v is None else _check_iri(v)

    @model_validator(mode="after")
    def _one_of(self):
        if not self.email and not self.contact_page:
            raise ValueError("needs an email or a contact_page (HealthDCAT-AP contact point)")
        return self


class RetentionPeriod(_Model):
    """How long the data holder keeps the data (``healthdcatap:retentionPeriod``).

    Years (``2026``) or year-months (``2036-12``): the catalogue writes no exact date."""

    start: Short | None = None
    end: Short | None = None
    comment: LongText | None = None

    @field_validator("start", "end", mode="before")
    @classmethod
    def _period(cls, v):
        if v is None:
            return None
        text = str(v).strip()
        if not re.fullmatch(r"\d{4}(-(0[1-9]|1[0-2]))?", text):
            raise ValueError("must be a year (2036) or a year-month (2036-12), not an exact date")
        return text

    @field_validator("comment")
    @classmethod
    def _comment(cls, v):
        return None if v is None else _check_lang_text(v)

    @model_validator(mode="after")
    def _bounds(self):
        if not self.start and not self.end:
            raise ValueError("needs a start or an end")
        if self.start and self.end and self.start > self.end:
            raise ValueError("start is after end")
        return self


class CatalogInfo(_Model):
    """The catalogue that holds the dataset (defaults to the dataset's title and description)."""

    title: LangText | None = None
    description: LongText | None = None
    homepage: Iri | None = None

    @field_validator("title", "description")
    @classmethod
    def _text(cls, v):
        return None if v is None else _check_lang_text(v, min_languages=2)

    @field_validator("homepage")
    @classmethod
    def _home(cls, v):
        return None if v is None else _check_iri(v)


class ReleaseConfig(_Model):
    """The validated content of ``release.yaml``."""

    base_iri: Iri = Field(description="prefix of every IRI the catalogue mints, ends with / or #")
    title: LangText
    description: LongText
    version: Short
    version_notes: LongText | None = None
    keywords: dict[str, Annotated[list[Short], Field(max_length=MAX_ITEMS)]] = Field(default_factory=dict)
    access_rights: Literal["PUBLIC", "RESTRICTED", "NON_PUBLIC"] = "NON_PUBLIC"
    access_url: Iri
    landing_page: Iri | None = None
    licence: Concept
    applicable_legislation: Concepts = Field(default_factory=lambda: _concepts("EHDS"))
    legal_basis: LongText
    purpose: LongText
    health_category: Concepts = Field(min_length=1)
    theme: Concepts = Field(default_factory=lambda: _concepts("HEAL"))
    dataset_type: Concepts = Field(default_factory=lambda: _concepts("PERSONAL_DATA"))
    language: Concepts = Field(default_factory=lambda: _concepts("ENG"))
    spatial: Concepts = Field(default_factory=list)
    availability: Concept = "STABLE"
    population_coverage: LongText | None = None
    retention_period: RetentionPeriod | None = None
    publisher: Agent
    custodian: Agent | None = None
    hdab: Agent
    contact_point: ContactPoint
    catalog: CatalogInfo = Field(default_factory=CatalogInfo)
    # dcat:byteSize is typed xsd:nonNegativeInteger by DCAT-AP 3.0.1 but xsd:decimal by the
    # DCAT-AP 3.0.0 shapes HealthDCAT-AP r8 imports: no value satisfies both unrepaired
    # sets, so sizes are left out unless asked for (see docs/catalog.md).
    include_byte_size: bool = False

    @field_validator("title", "description")
    @classmethod
    def _two_languages(cls, v):
        return _check_lang_text(v, min_languages=2)

    @field_validator("version_notes", "legal_basis", "purpose", "population_coverage")
    @classmethod
    def _text(cls, v):
        return None if v is None else _check_lang_text(v)

    @field_validator("keywords")
    @classmethod
    def _keywords(cls, v):
        out = {}
        for lang, words in v.items():
            if not _LANG.match(lang):
                raise ValueError("language keys must be BCP 47 tags such as en, nl, fr")
            out[lang] = sorted({w.strip() for w in words if isinstance(w, str) and w.strip()})
        return dict(sorted(out.items()))

    @field_validator("base_iri")
    @classmethod
    def _base(cls, v):
        _check_iri(v)
        if not v.endswith(("/", "#")):
            raise ValueError("must end with / or #")
        return v

    @field_validator("access_url", "landing_page")
    @classmethod
    def _iris(cls, v):
        return None if v is None else _check_iri(v)


def validation_message(what: str, exc: ValidationError) -> str:
    """One line naming every bad field of a pydantic error, without the input values."""
    return f"{what} is invalid: " + "; ".join(userfile.problems(exc))


def parse_release_config(data: Any, name: str = "release.yaml") -> ReleaseConfig:
    """Validate a mapping (the parsed YAML); raise CuratorError ``name: field: reason`` for
    every bad field."""
    return userfile.validate(ReleaseConfig, data, name)


def load_release_config(path: str | Path) -> ReleaseConfig:
    """Read and validate ``release.yaml``."""
    p = Path(path)
    return parse_release_config(userfile.read_yaml(p, "release config"), p.name)
