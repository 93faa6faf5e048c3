"""Normalization of a list of descriptions without DICOM files (``curator normalize``).

Input: a CSV with a ``description`` column and optional ``modality`` (DICOM Modality, e.g.
CT, MR, DX), ``body_part_examined`` (DICOM BodyPartExamined), ``level`` (``study`` or
``series``; default ``study``), ``study_description`` (a series row's study: what the series
name and header leave open is read from it, source ``study``) and ``study`` (any label naming a
series row's study: the series rows of one study are read together for their contrast,
``curator.normalize.study``; used to group the rows only, never written) columns.  Output: per row and per attribute the RadLex code,
label, confidence and source, as CSV or JSON (rows in input order; JSON keys sorted).
"""
from __future__ import annotations

import codecs
import csv
import io
import json
from collections.abc import Iterable, Sequence
from pathlib import Path

from curator.common.csvcell import spreadsheet_safe
from curator.errors import CuratorError
from curator.normalize.lexicon import ATTRIBUTES
from curator.normalize.overrides import Overrides
from curator.normalize.series import normalize_description

OPTIONAL_COLUMNS = ("modality", "body_part_examined", "level", "study_description")
# read to group rows, never written to the output (a study label may be an accession number)
GROUP_COLUMNS = ("study",)
LEVELS = ("study", "series")
FORMATS = ("csv", "json")
VALUE_KEYS = ("code", "label", "confidence", "source")


DELIMITERS = {"comma": ",", "semicolon": ";", "tab": "\t"}  # --delimiter names; "auto" tries them in this order


def read_descriptions(path: Path, encoding: str = "utf-8", delimiter: str = "auto") -> list[dict[str, str]]:
    """The rows of an input CSV in ``encoding`` (``utf-8`` accepts a byte-order mark), its
    cells separated by ``delimiter`` (a :data:`DELIMITERS` name, or ``auto``: the one that
    makes a ``description`` column of the header line); a clear :class:`CuratorError` when it
    cannot be used (never quoting a cell)."""
    name = Path(path).name
    text = decoded_text(path, encoding)
    separator = _delimiter(text, delimiter, name)
    try:
        reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=separator, strict=True)
        header = [h.strip() for h in (reader.fieldnames or [])]
        if "description" not in header:
            raise CuratorError(f"{name}: no 'description' column (columns: description, optional {', '.join(OPTIONAL_COLUMNS + GROUP_COLUMNS)})")
        rows = []
        for number, raw in enumerate(reader, start=2):
            if None in raw:
                raise CuratorError(f"{name}: line {number} has more cells than the header")
            row = {(k or "").strip(): (v or "").strip() for k, v in raw.items()}
            level = (row.get("level") or "study").lower()
            if level not in LEVELS:
                raise CuratorError(f"{name}: line {number}: level must be 'study' or 'series'")
            rows.append({"description": row["description"], "modality": row.get("modality", "").upper(),
                         "body_part_examined": row.get("body_part_examined", ""), "level": level,
                         "study_description": row.get("study_description", ""), "study": row.get("study", "")})
    except csv.Error as exc:
        raise CuratorError(f"{name}: not a valid CSV file ({exc})") from None
    return rows


def decoded_text(path: Path, encoding: str) -> str:
    """The text of ``path`` in ``encoding``; an undecodable byte is an error naming its line
    (never its content) and suggesting the likely encoding."""
    name = Path(path).name
    try:
        info = codecs.lookup(encoding)
    except LookupError:
        raise CuratorError(f"--encoding: unknown encoding {encoding!r}") from None
    if not getattr(info, "_is_text_encoding", True):  # rot13, hex, base64, zlib: codecs, not text encodings
        raise CuratorError(f"--encoding: {encoding!r} is not a text encoding (bytes to text)")
    codec = info.name
    from curator.common.regular import read_named

    data = read_named(path, "CSV file", limit=None)  # a FIFO or a device refused at once, never waited on
    try:
        return data.decode("utf-8-sig" if codec == "utf-8" else codec)
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        hint = "utf-16" if data[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE) else "cp1252"
        tip = f" (try --encoding {hint})" if codecs.lookup(hint).name != codec else ""
        raise CuratorError(f"{name}: not valid {encoding} at line {line}{tip}") from None
    except UnicodeError:  # a codec that names no position ('undefined', punycode)
        raise CuratorError(f"{name}: not valid {encoding}") from None


def _delimiter(text: str, choice: str, name: str) -> str:
    """The cell separator: the one named, or the first of :data:`DELIMITERS` whose split of
    the header line has a ``description`` column (comma when none has)."""
    if choice != "auto":
        if choice not in DELIMITERS:
            raise CuratorError(f"--delimiter must be auto, {', '.join(DELIMITERS)}")
        return DELIMITERS[choice]
    first = text.split("\n", 1)[0]
    for separator in DELIMITERS.values():
        try:
            header = next(csv.reader([first], delimiter=separator), [])
        except csv.Error:
            continue
        if "description" in (cell.strip() for cell in header):
            return separator
    return ","


def normalize_rows(rows: Iterable[dict[str, str]], overrides: Overrides | None = None, site: str | None = None) -> list[dict]:
    """One result per input row (the input values, then each attribute's value or None)."""
    rows = list(rows)
    out = []
    for row in rows:
        result = normalize_description(row["description"], modality=row.get("modality") or None,
                                       body_part_examined=row.get("body_part_examined") or None,
                                       level=row.get("level") or "study", overrides=overrides, site=site,
                                       study_description=row.get("study_description") or None)
        out.append({"input": {k: v for k, v in row.items() if k not in GROUP_COLUMNS}, **result})
    return _study_contrast(out, [row.get("study", "").strip() for row in rows])


def _study_contrast(results: list[dict], study_of: list[str]) -> list[dict]:
    """The series rows that share a ``study`` cell read together for their contrast."""
    from curator.normalize.study import study_contrast

    studies: dict[str, list[int]] = {}
    for n, (result, study) in enumerate(zip(results, study_of)):
        if (result["input"].get("level") or "study") == "series" and study:
            studies.setdefault(study, []).append(n)
    for members in studies.values():
        evidence = [{"SeriesDescription": results[n]["input"]["description"], "Modality": results[n]["input"].get("modality") or None}
                    for n in members]
        for n, changed in zip(members, study_contrast(list(zip(evidence, [results[n] for n in members])))):
            results[n] = dict(changed)
    return results


def _cells(value) -> dict[str, str]:
    if not value:
        return dict.fromkeys(VALUE_KEYS, "")
    items = value if isinstance(value, list) else [value]
    return {
        "code": "+".join(v["code"] for v in items),
        "label": "+".join(v["label"] for v in items),
        "confidence": f"{min(v['confidence'] for v in items):.2f}",
        "source": "+".join(dict.fromkeys(v["source"] for v in items)),
    }


def csv_columns() -> list[str]:
    return ["description", *OPTIONAL_COLUMNS, *[f"{a}_{k}" for a in ATTRIBUTES for k in VALUE_KEYS], "excluded", "unmapped_tokens"]


def render_csv(results: Sequence[dict]) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=csv_columns(), lineterminator="\n")
    writer.writeheader()
    for res in results:
        row = {k: res["input"].get(k, "") for k in ("description", *OPTIONAL_COLUMNS)}
        for attribute in ATTRIBUTES:
            row.update({f"{attribute}_{k}": v for k, v in _cells(res[attribute]).items()})
        row["excluded"] = res.get("excluded", "")
        row["unmapped_tokens"] = " ".join(res["unmapped_tokens"])
        writer.writerow({k: spreadsheet_safe(v) for k, v in row.items()})  # no cell a spreadsheet runs as a formula
    return buf.getvalue()


def render_json(results: Sequence[dict]) -> str:
    return json.dumps(list(results), sort_keys=True, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def render_results(results: Sequence[dict], fmt: str) -> str:
    """The text of ``results`` in ``fmt`` (csv or json), as ``curator normalize`` writes it."""
    if fmt not in FORMATS:
        raise CuratorError(f"--format must be one of {', '.join(FORMATS)}")
    return render_csv(results) if fmt == "csv" else render_json(results)

