"""Croissant 1.0 JSON-LD (MLCommons) describing the release's series table.

Machine-learning users load the series table straight from it, e.g.
``mlcroissant.Dataset(jsonld="croissant.json").records(record_set="series")``.

The JSON-LD is written by hand (mlcroissant is not a runtime dependency); the tests
validate it with mlcroissant and read the records through it when mlcroissant is
installed.  The ``@context`` is the standard Croissant 1.0 context (as mlcroissant 1.1.1
``make_context()`` emits it).  Like the catalogue, it holds no UID, pseudonym or date of
the data: only the table's name, columns, checksum and size, and the release's own date.
"""
from __future__ import annotations

import json
from pathlib import Path

from curator.release.catalog import DistributionInfo, ReleaseSummary, resolve_concept
from curator.errors import CuratorError
from curator.release.config import ReleaseConfig

CONFORMS_TO = "http://mlcommons.org/croissant/1.0"
CONTEXT = {
    "@language": "en",
    "@vocab": "https://schema.org/",
    "citeAs": "cr:citeAs",
    "column": "cr:column",
    "conformsTo": "dct:conformsTo",
    "cr": "http://mlcommons.org/croissant/",
    "rai": "http://mlcommons.org/croissant/RAI/",
    "data": {"@id": "cr:data", "@type": "@json"},
    "dataType": {"@id": "cr:dataType", "@type": "@vocab"},
    "dct": "http://purl.org/dc/terms/",
    "equivalentProperty": "cr:equivalentProperty",
    "examples": {"@id": "cr:examples", "@type": "@json"},
    "extract": "cr:extract",
    "field": "cr:field",
    "fileProperty": "cr:fileProperty",
    "fileObject": "cr:fileObject",
    "fileSet": "cr:fileSet",
    "format": "cr:format",
    "includes": "cr:includes",
    "isLiveDataset": "cr:isLiveDataset",
    "jsonPath": "cr:jsonPath",
    "key": "cr:key",
    "md5": "cr:md5",
    "parentField": "cr:parentField",
    "path": "cr:path",
    "recordSet": "cr:recordSet",
    "references": "cr:references",
    "regex": "cr:regex",
    "repeated": "cr:repeated",
    "replace": "cr:replace",
    "samplingRate": "cr:samplingRate",
    "sc": "https://schema.org/",
    "separator": "cr:separator",
    "source": "cr:source",
    "subField": "cr:subField",
    "transform": "cr:transform",
}
_DATATYPES = {"string": "sc:Text", "integer": "sc:Integer", "decimal": "sc:Float", "boolean": "sc:Boolean"}
# Croissant readers (mlcroissant) recognise these encodings for tables
_TABLE_FORMATS = {"text/csv": "text/csv", "application/vnd.apache.parquet": "application/x-parquet"}


def _text(value, lang: str = "en") -> str:
    if isinstance(value, dict):
        return value.get(lang) or value[sorted(value)[0]]
    return str(value)


def _tables(summary: ReleaseSummary) -> list[DistributionInfo]:
    """The series table's files, the one records are read from first (CSV preferred)."""
    tables = sorted((d for d in summary.distributions if d.media_type in _TABLE_FORMATS),
                    key=lambda d: (d.media_type != "text/csv", d.name))
    if not tables:
        raise CuratorError("summary: no series table distribution (text/csv or Parquet) to describe in Croissant")
    for table in tables:
        if not table.sha256 or table.byte_size is None:
            # mlcroissant refuses a FileObject without md5 or sha256
            raise CuratorError(f"summary: distribution {table.name} has no sha256 and byte_size (Croissant needs both)")
    return tables


def _keywords(summary: ReleaseSummary, config: ReleaseConfig) -> list:
    """curator's keywords and release.yaml's: English ones as text (the context's language),
    the others as language-tagged values (mlcroissant reads both as strings)."""
    plain = {"DICOM", "medical imaging", *summary.modalities, *config.keywords.get("en", [])}
    tagged = sorted({(lang, word) for lang, words in config.keywords.items() if lang != "en" for word in words})
    return sorted(plain) + [{"@language": lang, "@value": word} for lang, word in tagged]


def _file_object(table: DistributionInfo) -> dict:
    return {
        "@type": "cr:FileObject",
        "@id": table.name,
        "name": table.name,
        "description": table.title,
        "contentUrl": table.path,
        "encodingFormat": _TABLE_FORMATS[table.media_type],
        "sha256": table.sha256,
        "contentSize": f"{table.byte_size} B",
    }


def build_croissant(summary: ReleaseSummary, config: ReleaseConfig, date_published: str | None = None) -> dict:
    """The Croissant description of the series table (records from the CSV, else the Parquet).

    Every file of the table (CSV and Parquet) is a FileObject with its SHA-256 and size;
    ``date_published`` (the release date, YYYY-MM-DD) is schema.org's datePublished, which
    mlcroissant's validation recommends (a warning without it)."""
    if not summary.series_columns:
        raise CuratorError("summary: the series table has no column descriptions")
    tables = _tables(summary)
    file_id = tables[0].name
    fields = []
    for col in summary.series_columns:
        fields.append({
            "@type": "cr:Field",
            "@id": f"series/{col.name}",
            "name": col.name,
            "description": f"{col.title}: {col.description}",
            "dataType": _DATATYPES[col.datatype],
            "source": {"fileObject": {"@id": file_id}, "extract": {"column": col.name}},
        })
    dataset_iri = f"{config.base_iri}{summary.release_id}/dataset"
    doc = {
        "@context": CONTEXT,
        "@type": "sc:Dataset",
        "name": summary.release_id,
        "description": _text(config.description),
        "conformsTo": CONFORMS_TO,
        "url": config.landing_page or dataset_iri,
        "sameAs": dataset_iri,
        "license": str(resolve_concept("licence", config.licence)),
        "version": config.version,
        "keywords": _keywords(summary, config),
        "citeAs": f"{_text(config.title)}, version {config.version}. {_text(config.publisher.name)}. {dataset_iri}",
        "creator": {"@type": "sc:Organization", "name": _text(config.publisher.name)},
        "distribution": [_file_object(t) for t in tables],
        **({"datePublished": date_published} if date_published else {}),
        "recordSet": [{
            "@type": "cr:RecordSet",
            "@id": "series",
            "name": "series",
            "description": "One record per de-identified DICOM series of the release.",
            "field": fields,
        }],
    }
    return doc


def write_croissant(summary: ReleaseSummary, config: ReleaseConfig, out_dir: str | Path,
                    name: str = "croissant.json", date_published: str | None = None) -> Path:
    """Write the Croissant JSON-LD (sorted keys, stable) into ``out_dir``."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    path = out / name
    doc = build_croissant(summary, config, date_published)
    path.write_bytes((json.dumps(doc, indent=2, ensure_ascii=False, sort_keys=True, allow_nan=False) + "\n").encode("utf-8"))
    return path
