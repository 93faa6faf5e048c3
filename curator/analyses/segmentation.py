"""Provenance of segmentations: DICOM SEG and RTSTRUCT, plus curator-supplied provenance.

``segmentation_provenance(ds)`` reads one header (``stop_before_pixels=True`` is enough)
and returns ``None`` for anything that is not a segmentation, else a JSON-serializable
dict (schema in ``docs/provenance.md``). Free text (labels, ROI names, generation
descriptions, algorithm parameters) goes through ``curator.deid.scrub`` with the identifier
values of the same header. Person names (Content Creator's Name, ROI Interpreter,
operators) are never read into the output.

``load_provenance(paths)`` reads provenance files (``mappings/provenance/*.yaml`` or
``--provenance FILE``) and ``apply_provenance(seg, supplied)`` merges the first matching
rule into a segmentation dict, recording per field whether the value came from the
header or from the curator.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Optional, Union

from pydantic import AfterValidator, model_validator

from curator.common import userfile
from curator.dicom.walk import element_text
from curator.errors import CuratorError
from curator.common.userfile import UserModel

SEG_SOP_CLASSES = frozenset({
    "1.2.840.10008.5.1.4.1.1.66.4",  # Segmentation Storage
    "1.2.840.10008.5.1.4.1.1.66.7",  # Label Map Segmentation Storage
})
RTSTRUCT_SOP_CLASSES = frozenset({"1.2.840.10008.5.1.4.1.1.481.3"})

ALGORITHM_TYPES = ("MANUAL", "SEMIAUTOMATIC", "AUTOMATIC")
_AUTOMATION_RANK = {"MANUAL": 0, "SEMIAUTOMATIC": 1, "AUTOMATIC": 2}

# issue codes (stable strings: the audit counts them)
ISSUE_NO_TYPE = "no algorithm type"
ISSUE_UNKNOWN_TYPE = "unrecognized algorithm type"
ISSUE_AUTO_NO_NAME = "AUTOMATIC without algorithm name"
ISSUE_SEMI_NO_NAME = "SEMIAUTOMATIC without algorithm name"
ISSUE_AUTO_NO_VERSION = "AUTOMATIC without algorithm version"
ISSUE_RTUTILS_DEFAULT = "rt-utils default AUTOMATIC suspicious"
ISSUE_NO_SEGMENTS = "no segments"
ISSUE_NO_REFERENCED_SERIES = "no referenced series"
ISSUE_UNREADABLE = "unreadable segmentation header"

#: issues that make ``has_provenance`` False (the others are warnings)
BLOCKING_ISSUES = frozenset({
    ISSUE_NO_TYPE, ISSUE_UNKNOWN_TYPE, ISSUE_AUTO_NO_NAME, ISSUE_SEMI_NO_NAME,
    ISSUE_RTUTILS_DEFAULT, ISSUE_NO_SEGMENTS, ISSUE_UNREADABLE,
})


# --- small readers ------------------------------------------------------------------
def _get(ds: Any, keyword: str) -> Any:
    try:
        value = ds.get(keyword)
    except Exception:  # malformed element: absent
        return None
    return value


def _seq(ds: Any, keyword: str) -> list:
    value = _get(ds, keyword)
    if not value:
        return []
    try:
        return list(value)
    except TypeError:
        return []


def _int(ds: Any, keyword: str) -> int | None:
    value = _get(ds, keyword)
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def _coded(item: Any) -> dict | None:
    """``{scheme, code, meaning}`` of a code sequence item (meaning is scrubbed later)."""
    if item is None:
        return None
    code = element_text(item, "CodeValue") or element_text(item, "LongCodeValue") or element_text(item, "URNCodeValue")
    scheme = element_text(item, "CodingSchemeDesignator")
    meaning = element_text(item, "CodeMeaning")
    if not (code or meaning):
        return None
    return {"scheme": scheme, "code": code, "meaning": meaning}


def _first_coded(ds: Any, keyword: str) -> dict | None:
    items = _seq(ds, keyword)
    return _coded(items[0]) if items else None


class _Withheld:
    """Stands in for ``_Scrubber`` when the scrubber cannot be loaded: every text is withheld."""

    def __call__(self, text: str | None) -> None:
        return None

    def free(self, text: str | None) -> None:
        return None


class _Scrubber:
    """``curator.deid.scrub`` bound to the identifier values of one header; ``free`` cleans
    free text (labels, descriptions) by allowlist (``curator.deid.freetext``)."""

    def __init__(self, ds: Any):
        from curator.deid.freetext import clean
        from curator.deid.scrub import identifier_values, scrub_text

        self._scrub_text = scrub_text
        self._clean = clean
        self._values: frozenset[str] | None
        try:
            self._values = identifier_values(ds)
        except Exception:
            self._values = None  # cannot tell what identifies: drop free text

    def __call__(self, text: str | None) -> str | None:
        if not text:
            return None
        if self._values is None:
            return None
        try:
            cleaned = self._scrub_text(text, self._values)
        except Exception:
            return None
        cleaned = (cleaned or "").strip()
        return cleaned or None

    def free(self, text: str | None) -> str | None:
        if not text or self._values is None:
            return None
        try:
            cleaned = self._clean(text, self._values)
        except Exception:
            return None
        cleaned = (cleaned or "").strip()
        return cleaned or None


def _normalize_type(value: str | None) -> tuple[str | None, str | None]:
    """(normalized type, issue) for a SegmentAlgorithmType / ROIGenerationAlgorithm."""
    if value is None:
        return None, ISSUE_NO_TYPE
    token = re.sub(r"[^A-Z]", "", value.upper())
    if token in ("MANUAL",):
        return "MANUAL", None
    if token in ("SEMIAUTOMATIC", "SEMIAUTO"):
        return "SEMIAUTOMATIC", None
    if token in ("AUTOMATIC", "AUTO"):
        return "AUTOMATIC", None
    if not token:
        return None, ISSUE_NO_TYPE
    return None, ISSUE_UNKNOWN_TYPE


def parse_parameters(text: str | None, scrub: Any = None) -> dict:
    """Algorithm Parameters (LT) as a dict.

    highdicom and dcmqi write ``key=value`` pairs separated by commas (or semicolons /
    new lines); anything that is not such a pair is kept under ``"text"``. Keys and values
    are scrubbed: the whole text once, before it is split (a value scrubbed alone lost its
    leading minus, "threshold=-400" read as 400: round 19).
    """
    if text and scrub:
        text = scrub(text)
    if not text:
        return {}
    out: dict[str, str] = {}
    rest: list[str] = []
    for part in re.split(r"[,;\n]", text):
        part = part.strip()
        if not part:
            continue
        key, sep, value = part.partition("=")
        if not sep:
            key, sep, value = part.partition(":")
        if sep and key.strip():
            k, v = key.strip(), value.strip()
            if k:
                out[k] = v
        else:
            rest.append(part)
    if rest:
        out["text"] = ", ".join(rest)
    return dict(sorted(out.items()))


def _algorithm_identification(item: Any, scrub: Any) -> dict | None:
    """Name, version, family, parameters and source of an algorithm identification item."""
    if item is None:
        return None
    family_items = _seq(item, "AlgorithmFamilyCodeSequence")
    name_items = _seq(item, "AlgorithmNameCodeSequence")
    name = element_text(item, "AlgorithmName")
    name_code = _coded(name_items[0]) if name_items else None
    if not name and name_code:
        name = name_code.get("meaning")
    family = _coded(family_items[0]) if family_items else None
    if family:
        family["meaning"] = scrub(family.get("meaning"))
    source = element_text(item, "AlgorithmSource")
    return {
        "name": scrub(name),
        "version": scrub(element_text(item, "AlgorithmVersion")),
        "family": family,
        "parameters": parse_parameters(element_text(item, "AlgorithmParameters"), scrub),
        "source": scrub(source),
    }


def _kind(ds: Any) -> str | None:
    sop = element_text(ds, "SOPClassUID")
    modality = (element_text(ds, "Modality") or "").upper()
    if sop in SEG_SOP_CLASSES or (modality == "SEG" and _seq(ds, "SegmentSequence")):
        return "SEG"
    if sop in RTSTRUCT_SOP_CLASSES or (modality == "RTSTRUCT" and _seq(ds, "StructureSetROISequence")):
        return "RTSTRUCT"
    if modality == "SEG":
        return "SEG"
    if modality == "RTSTRUCT":
        return "RTSTRUCT"
    return None


def _is_rt_utils(ds: Any) -> bool:
    model = (element_text(ds, "ManufacturerModelName") or "").casefold()
    manufacturer = (element_text(ds, "Manufacturer") or "").casefold()
    return "rt-utils" in model or "rt_utils" in model or manufacturer.startswith("qurit")


# --- public API ---------------------------------------------------------------------
def segmentation_provenance(ds: Any) -> dict | None:
    """Provenance of a SEG or RTSTRUCT instance; ``None`` for anything else.

    Never raises on a malformed header: unreadable parts are treated as absent.
    """
    try:
        kind = _kind(ds)
    except Exception:
        return None
    if kind is None:
        return None
    scrub: _Scrubber | _Withheld
    try:
        scrub = _Scrubber(ds)
    except ImportError:  # pragma: no cover - curator.deid.scrub ships with the package
        scrub = _Withheld()  # without a scrubber, free text is withheld
    unreadable = False
    try:
        if kind == "SEG":
            segments, referenced = _seg_segments(ds, scrub), _seg_referenced_series(ds)
        else:
            segments, referenced = _rtstruct_segments(ds, scrub), _rtstruct_referenced_series(ds)
    except Exception:  # a damaged header must not stop the scan: flag it instead
        segments, referenced, unreadable = [], [], True
    out: dict[str, Any] = {
        "kind": kind,
        "segmentation_type": element_text(ds, "SegmentationType") if kind == "SEG" else None,
        "manufacturer": scrub(element_text(ds, "Manufacturer")),
        "model": scrub(element_text(ds, "ManufacturerModelName")),
        "software_versions": scrub(element_text(ds, "SoftwareVersions")),
        "series_description": scrub.free(element_text(ds, "SeriesDescription")),
        "segments": segments,
        "referenced_series": referenced,
    }
    summarize(out)
    if unreadable:
        out["provenance_issues"] = sorted(set(out["provenance_issues"]) | {ISSUE_UNREADABLE})
        out["has_provenance"] = False
    return out


def summarize(seg: dict) -> dict:
    """(Re)compute the series-level fields of a segmentation dict from its segments.

    Sets ``algorithm_type``, ``algorithm_types``, ``algorithm_name``,
    ``algorithm_version``, ``algorithm_family``, ``parameters``, ``provenance_issues``
    and ``has_provenance``. Used by ``segmentation_provenance`` and ``apply_provenance``.
    """
    segments = seg.get("segments") or []
    types = sorted({s["algorithm_type"] for s in segments if s.get("algorithm_type")},
                   key=_AUTOMATION_RANK.__getitem__)
    seg["algorithm_types"] = types
    # the most automated type present: any algorithmic part needs algorithm provenance
    seg["algorithm_type"] = types[-1] if types else None
    chosen = None
    for s in segments:  # segments are ordered by number: first with a name wins
        if s.get("algorithm_name") or (s.get("algorithm") or {}).get("name"):
            chosen = s
            break
    algorithm = (chosen or {}).get("algorithm") or {}
    seg["algorithm_name"] = (chosen or {}).get("algorithm_name") or algorithm.get("name")
    seg["algorithm_version"] = algorithm.get("version")
    seg["algorithm_family"] = algorithm.get("family")
    seg["parameters"] = dict(algorithm.get("parameters") or {})
    issues: set[str] = set()
    for s in segments:
        s_issues = _segment_issues(s)
        s["issues"] = s_issues
        issues.update(s_issues)
    if not segments:
        issues.add(ISSUE_NO_SEGMENTS)
    if not seg.get("referenced_series"):
        issues.add(ISSUE_NO_REFERENCED_SERIES)
    seg["provenance_issues"] = sorted(issues)
    seg["has_provenance"] = not (issues & BLOCKING_ISSUES)
    return seg


_CARRIED_ISSUES = frozenset({ISSUE_UNKNOWN_TYPE, ISSUE_RTUTILS_DEFAULT})


def _segment_issues(s: dict) -> list[str]:
    """Issues of one segment: those only the header could tell (carried over from
    ``s["issues"]``) that still hold, plus those derived from its current fields."""
    kind = s.get("algorithm_type")
    algorithm = s.get("algorithm") or {}
    name = s.get("algorithm_name") or algorithm.get("name")
    issues = [i for i in s.get("issues") or () if i in _CARRIED_ISSUES]
    if kind is not None:
        issues = [i for i in issues if i != ISSUE_UNKNOWN_TYPE]
    if kind != "AUTOMATIC" or name or s.get("generation_description"):
        issues = [i for i in issues if i != ISSUE_RTUTILS_DEFAULT]
    if kind is None and ISSUE_UNKNOWN_TYPE not in issues:
        issues.append(ISSUE_NO_TYPE)
    if kind == "AUTOMATIC" and not name:
        issues.append(ISSUE_AUTO_NO_NAME)
    if kind == "AUTOMATIC" and name and not algorithm.get("version"):
        issues.append(ISSUE_AUTO_NO_VERSION)
    if kind == "SEMIAUTOMATIC" and not name:
        issues.append(ISSUE_SEMI_NO_NAME)
    return sorted(set(issues))


def _seg_segments(ds: Any, scrub: Any) -> list[dict]:
    segments = []
    for item in _seq(ds, "SegmentSequence"):
        raw_type = element_text(item, "SegmentAlgorithmType")
        algorithm_type, issue = _normalize_type(raw_type)
        ident_items = _seq(item, "SegmentationAlgorithmIdentificationSequence")
        algorithm = _algorithm_identification(ident_items[0], scrub) if ident_items else None
        category = _first_coded(item, "SegmentedPropertyCategoryCodeSequence")
        prop_type = _first_coded(item, "SegmentedPropertyTypeCodeSequence")
        modifier = _first_coded(item, "SegmentedPropertyTypeModifierCodeSequence")
        if prop_type is not None:
            type_items = _seq(item, "SegmentedPropertyTypeCodeSequence")
            modifier = modifier or _first_coded(type_items[0], "SegmentedPropertyTypeModifierCodeSequence")
        for coded in (category, prop_type, modifier):
            if coded:
                coded["meaning"] = scrub(coded.get("meaning"))
        segments.append({
            "number": _int(item, "SegmentNumber"),
            "label": scrub.free(element_text(item, "SegmentLabel")),
            "category": category,
            "type": prop_type,
            "type_modifier": modifier,
            "algorithm_type": algorithm_type,
            "algorithm_name": scrub(element_text(item, "SegmentAlgorithmName")) or (algorithm or {}).get("name"),
            "algorithm": algorithm,
            "issues": [issue] if issue else [],
        })
    return _finish_segments(segments)


def _finish_segments(segments: list[dict]) -> list[dict]:
    segments.sort(key=lambda s: (s["number"] is None, s["number"] or 0, s.get("label") or ""))
    return segments


def _seg_referenced_series(ds: Any) -> list[str]:
    uids = set()
    for item in _seq(ds, "ReferencedSeriesSequence"):
        uid = element_text(item, "SeriesInstanceUID")
        if uid:
            uids.add(uid)
    return sorted(uids)


def _rtstruct_referenced_series(ds: Any) -> list[str]:
    uids = set()
    for frame in _seq(ds, "ReferencedFrameOfReferenceSequence"):
        for study in _seq(frame, "RTReferencedStudySequence"):
            for series in _seq(study, "RTReferencedSeriesSequence"):
                uid = element_text(series, "SeriesInstanceUID")
                if uid:
                    uids.add(uid)
    return sorted(uids)


def _rtstruct_segments(ds: Any, scrub: Any) -> list[dict]:
    observations: dict[int, Any] = {}
    for obs in _seq(ds, "RTROIObservationsSequence"):
        number = _int(obs, "ReferencedROINumber")
        if number is not None and number not in observations:
            observations[number] = obs
    rt_utils = _is_rt_utils(ds)
    segments = []
    for roi in _seq(ds, "StructureSetROISequence"):
        number = _int(roi, "ROINumber")
        raw_type = element_text(roi, "ROIGenerationAlgorithm")
        algorithm_type, issue = _normalize_type(raw_type)
        issues = [issue] if issue else []
        description = scrub.free(element_text(roi, "ROIGenerationDescription"))
        ident_items = _seq(roi, "ROIDerivationAlgorithmIdentificationSequence")
        algorithm = _algorithm_identification(ident_items[0], scrub) if ident_items else None
        name = (algorithm or {}).get("name")
        if algorithm_type == "AUTOMATIC" and rt_utils and not name and not description:
            issues.append(ISSUE_RTUTILS_DEFAULT)
        obs = observations.get(number) if number is not None else None
        category = prop_type = None
        interpreted_type = None
        if obs is not None:
            category = _first_coded(obs, "SegmentedPropertyCategoryCodeSequence")
            prop_type = _first_coded(obs, "RTROIIdentificationCodeSequence")
            interpreted_type = element_text(obs, "RTROIInterpretedType")
            for coded in (category, prop_type):
                if coded:
                    coded["meaning"] = scrub(coded.get("meaning"))
        segments.append({
            "number": number,
            "label": scrub.free(element_text(roi, "ROIName")),
            "category": category,
            "type": prop_type,
            "type_modifier": None,
            "interpreted_type": interpreted_type,
            "algorithm_type": algorithm_type,
            "algorithm_name": name,
            "algorithm": algorithm,
            "generation_description": description,
            "issues": issues,
        })
    return _finish_segments(segments)


# --- curator-supplied provenance ----------------------------------------------------
_PERSON_HINT = re.compile(r"\^|\b(dr|prof|mr|mrs|ms)\b\.?", re.IGNORECASE)


def _regex(text: str) -> str:
    try:
        re.compile(text, re.IGNORECASE)
    except re.error:
        raise ValueError("is not a valid regular expression") from None
    return text


def _method(text: str) -> str:
    method, issue = _normalize_type(text)
    if issue or method is None:
        raise ValueError(f"must be one of {', '.join(ALGORITHM_TYPES)}")
    return method


def _role(text: str) -> str:
    if _PERSON_HINT.search(text):
        raise ValueError("looks like a person's name; give a role")
    return text


Regex = Optional[Annotated[str, AfterValidator(_regex)]]


class MatchSpec(UserModel):
    """What a rule applies to: regular expressions, all of which must match (case-insensitive)."""

    series_description: Regex = None
    site: Regex = None
    label: Regex = None  # any segment label / ROI name
    kind: Regex = None  # SEG or RTSTRUCT
    manufacturer: Regex = None
    model: Regex = None

    @model_validator(mode="after")
    def _not_empty(self) -> MatchSpec:
        if not self.model_dump(exclude_none=True):
            raise ValueError("must name at least one key to match")
        return self


class AlgorithmFamily(UserModel):
    """A coded algorithm family (e.g. DCM 123110 Artificial Intelligence)."""

    scheme: Optional[str] = None
    code: Optional[str] = None
    meaning: Optional[str] = None


class AlgorithmSpec(UserModel):
    name: Optional[str] = None
    version: Optional[str] = None
    family: Optional[AlgorithmFamily] = None
    parameters: Optional[dict[str, Union[str, bool, None]]] = None
    source: Optional[str] = None

    def stated(self) -> dict[str, Any]:
        """The algorithm as the audit records it (only what the file states)."""
        algo: dict[str, Any] = {k: v for k in ("name", "version", "source") if (v := getattr(self, k)) is not None}
        if self.family is not None:
            algo["family"] = self.family.model_dump()
        if self.parameters is not None:
            algo["parameters"] = {k: str(v) for k, v in sorted(self.parameters.items())}
        return algo


class ReaderSpec(UserModel):
    """Who read or drew the segmentation: a role, never a name."""

    role: Annotated[str, AfterValidator(_role)]
    count: Optional[int] = None
    experience_years: Optional[int] = None
    specialty: Optional[str] = None

    @model_validator(mode="before")
    @classmethod
    def _no_names(cls, data: Any) -> Any:
        if isinstance(data, dict) and "name" in data:
            raise ValueError("a reader has no 'name' (roles only, never names)")
        return data


class RuleSpec(UserModel):
    """One ``segmentations`` entry of a provenance file."""

    match: MatchSpec
    method: Optional[Annotated[str, AfterValidator(_method)]] = None
    algorithm: Optional[AlgorithmSpec] = None
    readers: Optional[list[ReaderSpec]] = None
    note: Optional[str] = None  # for humans, not exported

    @model_validator(mode="after")
    def _states_something(self) -> RuleSpec:
        if self.method is None and not (self.algorithm and self.algorithm.stated()) and not self.readers:
            raise ValueError("states nothing (give method, algorithm or readers)")
        return self


class ProvenanceFile(UserModel):
    """A provenance YAML file (``mappings/provenance/*.yaml`` or ``--provenance FILE``)."""

    segmentations: list[RuleSpec]


@dataclass(frozen=True)
class ProvenanceRule:
    """One ``segmentations`` entry of a provenance file."""

    source_file: str  # file name only (no folder: folders may hold identifiers)
    index: int
    match: dict[str, re.Pattern]
    method: str | None
    algorithm: dict = field(default_factory=dict)
    readers: tuple = ()
    note: str | None = None

    def matches(self, seg: dict) -> bool:
        for key, pattern in self.match.items():
            if key == "label":
                labels = [s.get("label") or "" for s in seg.get("segments") or []]
                if not any(pattern.search(label) for label in labels):
                    return False
                continue
            value = seg.get(key)
            if value is None or not pattern.search(str(value)):
                return False
        return True


def _rule(source: str, index: int, spec: RuleSpec) -> ProvenanceRule:
    match = {key: re.compile(value, re.IGNORECASE)
             for key, value in sorted(spec.match.model_dump(exclude_none=True).items())}
    readers = tuple(reader.model_dump(exclude_none=True) for reader in spec.readers or ())
    return ProvenanceRule(source_file=source, index=index, match=match, method=spec.method,
                          algorithm=spec.algorithm.stated() if spec.algorithm else {},
                          readers=readers, note=spec.note)


def load_provenance(paths: Iterable[str | Path] | str | Path | None = None) -> list[ProvenanceRule]:
    """Rules from provenance YAML files (a file, a folder of ``*.yaml``, or a list).

    With no argument, reads ``mappings/provenance/*.yaml``. Rules keep file order, files
    are read in name order; the first matching rule wins. Bad files raise
    ``CuratorError`` naming the file (by name only) and the rule number.
    """
    if paths is None:
        from curator.resources import mappings_dir

        paths = [mappings_dir() / "provenance"]
    if isinstance(paths, (str, Path)):
        paths = [paths]
    files: list[Path] = []
    for p in paths:
        p = Path(p)
        if p.is_dir():
            files.extend(sorted(list(p.glob("*.yaml")) + list(p.glob("*.yml"))))
        elif p.exists():  # a regular file, or a FIFO or a device that read_named refuses by name
            files.append(p)
        else:
            raise CuratorError(f"provenance file not found: {p.name}")
    rules: list[ProvenanceRule] = []
    for f in files:
        data = userfile.read_yaml(f, "provenance file")
        if data is None:
            continue
        spec = userfile.validate(ProvenanceFile, data, f.name)
        rules.extend(_rule(f.name, i, rule) for i, rule in enumerate(spec.segmentations))
    return rules


def apply_provenance(seg_dict: dict, supplied: Iterable[ProvenanceRule]) -> dict:
    """A copy of ``seg_dict`` with the first matching rule's statements merged in.

    Matching uses the dict's ``series_description``, ``site`` (added by the caller from
    the index), ``kind``, ``manufacturer``, ``model`` and segment labels. Curator
    statements win over the header (that is how the rt-utils "AUTOMATIC" default is
    corrected); the header value they replace is kept under ``header_values``. Every
    provenance field is listed in ``sources`` as ``"header"``, ``"curator"`` or absent.
    """
    import copy

    seg = copy.deepcopy(seg_dict)
    sources = {}
    for key in ("algorithm_type", "algorithm_name", "algorithm_version", "algorithm_family", "parameters"):
        if seg.get(key):
            sources[key] = "header"
    rule = next((r for r in supplied if r.matches(seg)), None)
    header_values: dict[str, Any] = {}
    if rule is not None:
        for s in seg.get("segments") or []:
            if rule.method is not None:
                if s.get("algorithm_type") and s["algorithm_type"] != rule.method:
                    header_values.setdefault("algorithm_type", s["algorithm_type"])
                s["algorithm_type"] = rule.method
                # the curator's statement settles the header's doubt about the type
                s["issues"] = [i for i in s.get("issues") or () if i != ISSUE_RTUTILS_DEFAULT]
            if rule.algorithm:
                algorithm = dict(s.get("algorithm") or {})
                for key, value in rule.algorithm.items():
                    algorithm[key] = value
                algorithm.setdefault("parameters", {})
                s["algorithm"] = algorithm
                if rule.algorithm.get("name"):
                    if s.get("algorithm_name") and s["algorithm_name"] != rule.algorithm["name"]:
                        header_values.setdefault("algorithm_name", s["algorithm_name"])
                    s["algorithm_name"] = rule.algorithm["name"]
        summarize(seg)
        if rule.method is not None:
            sources["algorithm_type"] = "curator"
        for key, field_name in (("name", "algorithm_name"), ("version", "algorithm_version"),
                                ("family", "algorithm_family"), ("parameters", "parameters")):
            if key in rule.algorithm:
                sources[field_name] = "curator"
        if rule.readers:
            seg["readers"] = [dict(r) for r in rule.readers]
            sources["readers"] = "curator"
        seg["supplied_by"] = {"source": "curator", "file": rule.source_file, "rule": rule.index + 1}
    else:
        summarize(seg)
    seg["sources"] = dict(sorted(sources.items()))
    if header_values:
        seg["header_values"] = header_values
    return seg


def summary(segmentations: Iterable[dict]) -> dict:
    """The audit report's segmentation section: counts by kind, by algorithm type,
    how many lack provenance, how many carry curator-supplied provenance, issue counts.
    (The per-series list itself is the audit's top-level ``segmentations`` array.)"""
    by_kind: dict[str, int] = {}
    by_type: dict[str, int] = {}
    issues: dict[str, int] = {}
    total = without = supplied = 0
    for seg in segmentations:
        total += 1
        kind = seg.get("kind") or "unknown"
        by_kind[kind] = by_kind.get(kind, 0) + 1
        algorithm_type = seg.get("algorithm_type") or "unknown"
        by_type[algorithm_type] = by_type.get(algorithm_type, 0) + 1
        if not seg.get("has_provenance"):
            without += 1
        if seg.get("supplied_by"):
            supplied += 1
        for issue in seg.get("provenance_issues") or ():
            issues[issue] = issues.get(issue, 0) + 1
    return {
        "n_segmentations": total,
        "n_without_provenance": without,
        "n_with_curator_provenance": supplied,
        "by_kind": dict(sorted(by_kind.items())),
        "by_algorithm_type": dict(sorted(by_type.items())),
        "issues": dict(sorted(issues.items())),
    }
