"""``normalize_series`` / ``normalize_text`` / ``normalize_study``: the public analyses."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from curator.normalize.engine import (
    CONF, MR, WITH, WITH_WITHOUT, WITHOUT, Claim, TextAnalysis, ancestors, evidence_text, analyse, compatible, header_claims, render, resolve,
)
from curator.normalize.lexicon import ATTRIBUTES, lexicon
from curator.normalize.overrides import Overrides

NO_EVIDENCE = "not stated in the description or the header"


def _text_claims(analysis: TextAnalysis, factor: float = 1.0) -> dict[str, Claim]:
    out = {}
    for attribute in ATTRIBUTES:
        claim = resolve(analysis, attribute)
        if claim.codes is not None or claim.problem:
            out[attribute] = Claim(claim.codes, round(claim.confidence * factor, 4), claim.problem)
    return out


def _override_claims(values: Mapping[str, tuple[str, ...]] | None) -> dict[str, Claim]:
    out = {}
    for attribute, codes in (values or {}).items():
        if attribute in ATTRIBUTES:
            out[attribute] = Claim(codes or None, 1.0, None if codes else "set to undetermined by a site override")
    return out


def normalize_text(text: str | None, overrides: Overrides | None = None, site: str | None = None,
                   field: str = "SeriesDescription") -> dict:
    """Normalize one description alone (no header): used by the review and the benchmark."""
    return normalize_series({field: text, "site": site}, overrides, _fields=(field,))


def normalize_description(description: str | None, modality: str | None = None, body_part_examined: str | None = None,
                          level: str = "study", overrides: Overrides | None = None, site: str | None = None,
                          study_description: str | None = None) -> dict:
    """Normalize one Study (``level="study"``) or Series Description with the header values a
    list of exam names may carry (``Modality``, ``BodyPartExamined``), without a DICOM file.

    ``study_description`` (series only): the Study Description of the series' study, read as
    the DICOM path reads it (what the series text and header leave open, source ``study``)."""
    if level not in ("study", "series"):
        raise ValueError(f"level must be 'study' or 'series', not {level!r}")
    field = "StudyDescription" if level == "study" else "SeriesDescription"
    evidence = {field: description, "Modality": modality, "BodyPartExamined": body_part_examined, "site": site}
    fields: tuple[str, ...] = (field,)
    if level == "series" and evidence_text(study_description):
        evidence["StudyDescription"] = study_description
        fields = (field, "StudyDescription")
    # an exam name of a code list is no series: exclusion words (scanogram, survey) do not apply
    return normalize_series(evidence, overrides, _fields=fields, _header=True, _exclusions=level == "series",
                            _study_context=len(fields) > 1)


def normalize_series(evidence: Mapping[str, Any], overrides: Overrides | None = None, *, _fields: Sequence[str] | None = None,
                     _header: bool = False, _exclusions: bool = True, _study_context: bool = False) -> dict:
    """RadLex attributes of one series from its description(s) and header evidence.

    See docs/normalization.md for the evidence keys, the output shape and the confidence
    scale.  Deterministic: the same evidence gives the same dict."""
    ev = evidence or {}
    site = evidence_text(ev.get("site")) or evidence_text(ev.get("InstitutionName")) or None
    result: dict[str, Any] = {a: None for a in ATTRIBUTES}
    reasons: dict[str, str] = {}
    conflicts: list[dict] = []
    fields = _fields or ("SeriesDescription", "ProtocolName", "StudyDescription")
    with_header = _header or not _fields
    per_field, unmapped = _analyses(ev, fields, evidence_text(ev.get("Modality")).upper() if with_header else "")
    excluded = _exclusion(ev, per_field, fields, _fields is not None and _exclusions)
    series_claims, sources = _description_claims(ev, per_field, fields, overrides, site, study_only=not _fields or _study_context)

    head = header_claims(ev) if with_header else {}
    for attribute in ATTRIBUTES:
        value, reason, conflict = _decide(attribute, series_claims.get(attribute), head.get(attribute),
                                          sources.get(attribute), excluded, ev)
        if value is not None:
            result[attribute] = value
        if reason is not None:
            reasons[attribute] = reason
        if conflict is not None:
            conflicts.append(conflict)
    _weighting_is_mr(result, reasons, conflicts)

    result["reasons"] = {a: reasons[a] for a in ATTRIBUTES if result[a] is None and a in reasons}
    for attribute in ATTRIBUTES:
        if result[attribute] is None and attribute not in result["reasons"]:
            result["reasons"][attribute] = NO_EVIDENCE
    result["conflicts"] = conflicts
    result["unmapped_tokens"] = list(dict.fromkeys(unmapped))
    if excluded is not None:
        result["excluded"] = excluded
    return result


def _analyses(ev: Mapping[str, Any], fields: Sequence[str], header_modality: str) -> tuple[dict[str, TextAnalysis], list[str]]:
    """The analysis of each description field that has text, and the tokens none of them mapped."""
    per_field = {}
    unmapped: list[str] = []
    for field in fields:
        text = evidence_text(ev.get(field))
        if not text:
            continue
        analysis = analyse(text, header_modality)
        per_field[field] = analysis
        unmapped.extend(analysis.unmapped)
    return _window_regions(per_field, header_modality), unmapped


def _window_regions(per_field: dict[str, TextAnalysis], header_modality: str) -> dict[str, TextAnalysis]:
    """A CT series' name that names only a window region (vocabulary.yaml context
    ``window_regions``: "CT LUNG 3.0 B70f", "CORONAL MEDIASTINO") names its reconstruction, not
    the scanned range: those regions are given below the threshold (and a region the study names
    wins over them), unless the series' study names only the region they lie in ("CT CHEST"; a
    chest-abdomen-pelvis study's lung window is its whole range)."""
    lex = lexicon()
    windows = lex.rules.window_regions
    if header_modality != "CT" or not windows:
        return per_field
    study = per_field.get("StudyDescription")
    study_codes = {c for h in study.values("body_region") if h.quality != "weak" for c in h.codes} if study else set()
    out = dict(per_field)
    for field in ("SeriesDescription", "ProtocolName"):
        analysis = per_field.get(field)
        named = [h for h in analysis.values("body_region") if h.quality not in ("implied", "weak")] if analysis else []
        if not analysis or not named or not all(set(h.codes) <= windows for h in named):
            continue
        if study_codes and all(study_codes <= {c} | ancestors(lex, c) for h in named for c in h.codes):
            continue   # the study names only the region the window lies in ("CT CHEST")
        out[field] = replace(analysis, hits=tuple(replace(h, quality="weak") if h in named else h for h in analysis.hits))
    return out


def _exclusion(ev: Mapping[str, Any], per_field: Mapping[str, TextAnalysis], fields: Sequence[str],
               first_field_decides: bool) -> str | None:
    """Why the series is no image series to normalize (localizer, dose report, non-image
    modality...), or None.  The series' own text decides; ``first_field_decides``: else the
    first of the given fields (a single exam name)."""
    excluded = None
    for field in ("SeriesDescription", "ProtocolName"):
        if field in per_field:
            excluded = per_field[field].excluded
            break
    if excluded is None and first_field_decides and fields[0] in per_field:
        excluded = per_field[fields[0]].excluded
    modality_value = evidence_text(ev.get("Modality")).upper()
    if modality_value and modality_value in lexicon().non_image_modalities:
        excluded = "non_image"  # a report, segmentation or presentation state is no image series
    return excluded


_STUDY_CARRIES = ("body_region", "contrast", "laterality", "modality")


def _description_claims(ev: Mapping[str, Any], per_field: Mapping[str, TextAnalysis], fields: Sequence[str],
                        overrides: Overrides | None, site: str | None, study_only: bool) -> tuple[dict[str, Claim], dict[str, str]]:
    """Claims of the descriptions (site overrides first), series text first, then protocol
    name, then study text; and the source of each (``override``, ``description``, or ``study``
    for the study text of a series).

    ``study_only`` (a series with its study's text): the study text speaks for the whole
    study, so only regions, contrast, laterality and modality carry over, at reduced confidence,
    and only when the study names no other modality than the series' header (a CT series of
    an "MR Brain" study says nothing of the MR exam's region)."""
    series_claims: dict[str, Claim] = {}
    sources: dict[str, str] = {}
    factors = {"SeriesDescription": 1.0, "ProtocolName": CONF["protocol"],
               "StudyDescription": CONF["study"] / 0.95 if study_only else 1.0}
    study_region = _study_names_region(ev, per_field, fields, study_only)
    for field in fields:
        if field not in per_field:
            continue
        override = overrides.lookup(site, field, evidence_text(ev.get(field))) if overrides else None
        claims = _text_claims(per_field[field], factors[field])
        ov = _override_claims(override)
        if field == "StudyDescription" and study_only:
            claims = {a: c for a, c in claims.items() if a in _STUDY_CARRIES}
            ov = {a: c for a, c in ov.items() if a in _STUDY_CARRIES}
            if "contrast" in claims and claims["contrast"].codes and claims["contrast"].codes[0] == WITH_WITHOUT:
                del claims["contrast"]
            if "contrast" in claims and claims["contrast"].codes == (WITH,):
                claims["contrast"] = Claim((WITH,), min(claims["contrast"].confidence, 0.7))
            if _other_modality(ov.get("modality") or claims.get("modality"), ev):
                claims, ov = {}, {}
        for attribute, claim in {**claims, **ov}.items():
            if attribute in series_claims or (attribute == "body_region" and study_region and attribute not in ov
                                              and field != "StudyDescription" and _weak_only(per_field[field])):
                continue
            if attribute in ov:
                series_claims[attribute] = ov[attribute]
                sources[attribute] = "override"
            elif claim.codes is not None or claim.problem:
                series_claims[attribute] = claim
                sources[attribute] = "study" if field == "StudyDescription" and study_only else "description"
    return series_claims, sources


def _study_names_region(ev: Mapping[str, Any], per_field: Mapping[str, TextAnalysis], fields: Sequence[str],
                        study_only: bool) -> bool:
    """A series read with its study: the study text names a region it carries to the series."""
    if not study_only or "StudyDescription" not in fields or "StudyDescription" not in per_field:
        return False
    claims = _text_claims(per_field["StudyDescription"])
    region = claims.get("body_region")
    return bool(region and region.codes) and not _other_modality(claims.get("modality"), ev)


def _weak_only(analysis: TextAnalysis) -> bool:
    """The series text suggests its region only by the practice of the exam (a portal venous
    phase, a head kernel): a region its study names wins over it."""
    hits = analysis.values("body_region")
    return bool(hits) and all(h.quality == "weak" for h in hits)


def _other_modality(claim: Claim | None, ev: Mapping[str, Any]) -> bool:
    """The study text names a modality the series' header Modality cannot be."""
    header = evidence_text(ev.get("Modality")).upper()
    if not header or claim is None or not claim.codes:
        return False
    return not compatible("modality", claim.codes, ("",), ev)


def _decide(attribute: str, d: Claim | None, h: Claim | None, source: str | None, excluded: str | None,
            ev: Mapping[str, Any]) -> tuple[dict | list | None, str | None, dict | None]:
    """(value, reason it is undetermined, conflict) of one attribute from the description's
    claim ``d`` (from ``source``) and the header's claim ``h``."""
    lex = lexicon()
    own = _own_region(attribute, d, source, excluded)
    if own is not None:
        return own, None, None
    if excluded is not None and (attribute != "modality" or not (h and h.codes)) and not _inherits_region(attribute, d, source):
        return None, f"excluded: {excluded.replace('_', ' ')} series", None
    if d is not None and source == "override":
        if d.codes:
            return render(attribute, d.codes, "override", 1.0), None, None
        return None, d.problem or "set by override", None
    if d is not None and d.codes is None and d.problem in lex.flag_reasons.values():
        return None, str(d.problem), None  # an ADC map or SWI: no weighting, whatever the header says
    d_codes = d.codes if d else None
    h_codes = h.codes if h else None
    d_conf, h_conf = (d.confidence if d else 0.0), (h.confidence if h else 0.0)
    if excluded is not None and attribute == "modality":  # modality of an excluded series: header only
        d_codes = None
    if d_codes and h_codes:
        if compatible(attribute, d_codes, h_codes, ev):
            conf = max(d_conf, h_conf) + CONF["agree_bonus"]
            if attribute == "modality":
                return render(attribute, h_codes, "header", min(conf, 0.99)), None, None
            from_text = d_conf >= h_conf or attribute in ("body_region", "weighting")
            src, codes = (source or "description", d_codes) if from_text else ("header", h_codes)
            return render(attribute, codes, src, min(conf, 0.99)), None, None
        conflict = {
            "attribute": attribute,
            "description_says": [lex.label(c) for c in d_codes] if attribute == "body_region" else lex.label(d_codes[0]),
            "header_says": [lex.label(c) for c in h_codes] if attribute == "body_region" else lex.label(h_codes[0]),
        }
        if attribute == "modality":
            return render(attribute, h_codes, "header", CONF["conflict_modality"]), None, conflict
        return None, "conflict: the description and the header disagree", conflict
    if d_codes:
        return render(attribute, d_codes, source or "description", d_conf), None, None
    if h_codes:
        return render(attribute, h_codes, "header", h_conf), None, None
    problem = (d.problem if d else None) or (h.problem if h else None)
    return None, problem or NO_EVIDENCE, None


def _inherits_region(attribute: str, d: Claim | None, source: str | None) -> bool:
    """An excluded series (topogram, dose report, key images, screen save) whose own name
    states no region has its study's region, as every series does (source ``study``, below
    the threshold): the scanner copies the study's BodyPartExamined into it, and a catalogue
    filtered by region should list it with its exam.  Only a region the study states; an
    ambiguous study (no codes) or one naming a modality the series cannot be (no claim) gives
    nothing."""
    return attribute == "body_region" and source == "study" and d is not None and bool(d.codes)


def _own_region(attribute: str, d: Claim | None, source: str | None, excluded: str | None) -> list | None:
    """An excluded series of a kind listed in vocabulary.yaml ``exclude_own_region`` (a
    localizer, scout or topogram) whose own name states a region: that region, below the
    threshold (``Scout chest`` shows the chest, but a scout is planned wider than the scan; the
    lead's decision of round 17, reversing round 10b).  The header's BodyPartExamined is not
    weighed in: the answer stays below the threshold whatever it says."""
    if excluded is None or attribute != "body_region" or source != "description" or d is None or not d.codes:
        return None
    ceiling = lexicon().excluded_region_confidence.get(excluded)
    if ceiling is None:
        return None
    return render(attribute, d.codes, "description", min(d.confidence, ceiling))


def _weighting_is_mr(result: dict[str, Any], reasons: dict[str, str], conflicts: list[dict]) -> None:
    """Weighting is an MR attribute: a weighting on another modality is a conflict."""
    mod = result["modality"]
    if result["weighting"] is not None and mod is not None and mod["code"] != MR:
        conflicts.append({"attribute": "weighting", "description_says": result["weighting"]["label"], "header_says": f"modality {mod['label']}"})
        result["weighting"] = None
        reasons["weighting"] = "conflict: an MR weighting on a series that is not MR"
    elif result["weighting"] is None and mod is not None and mod["code"] != MR and "weighting" not in conflicts_attrs(conflicts):
        reasons["weighting"] = "not applicable: the series is not MR"


def conflicts_attrs(conflicts: list[dict]) -> set[str]:
    return {c["attribute"] for c in conflicts}


# ---------------------------------------------------------------- study level

_PLAYBOOK_ALLOWED = {"modality", "playbook_type", "body_region", "body_region_2", "body_region_3", "body_region_4",
                     "body_region_5", "anatomic_focus", "anatomic_focus_2", "pharmaceutical", "laterality"}
_CONTRAST_CODES = {WITH, WITHOUT, WITH_WITHOUT}
_MIXED_MODALITY = {frozenset({"RID10337", "RID10321"}): "RID10341", frozenset({"RID10330", "RID10321"}): "RID49583"}


def _playbook_index() -> dict[tuple, list[str]]:
    lex = lexicon()
    cache = getattr(lex, "_procedure_index", None)
    if cache is not None:
        return cache
    index: dict[tuple, list[str]] = {}
    for row in lex.playbook:
        used = {k for k, v in row.items() if v and k not in ("rpid", "short_name", "long_name")}
        if not used <= _PLAYBOOK_ALLOWED or not row["modality"]:
            continue
        # Only the CT and MR procedures stated by region and IV contrast: rows of other
        # modalities, or without a contrast slot, differ by attributes the Core Playbook does
        # not spell out in its RID slots ("Mammo Breast Specimen", "MR Source Images").
        if row["modality"] not in ("RID10321", "RID10312") or row["pharmaceutical"] not in _CONTRAST_CODES or row["pharmaceutical_2"]:
            continue
        regions = frozenset(row[k] for k in ("body_region", "body_region_2", "body_region_3", "body_region_4", "body_region_5") if row[k])
        focus = frozenset(row[k] for k in ("anatomic_focus", "anatomic_focus_2") if row[k])
        key = (row["modality"], regions, focus, row["pharmaceutical"] or None, row["laterality"] or None)
        index.setdefault(key, []).append(row["rpid"])
    lex._procedure_index = index  # type: ignore[attr-defined]
    return index


def study_procedure(series_results: Sequence[Mapping], study_evidence: Mapping[str, Any] | None = None,
                    overrides: Overrides | None = None) -> tuple[dict | None, str | None]:
    """The Core Playbook procedure of a study and, when undetermined, the reason."""
    lex = lexicon()
    ev = study_evidence or {}
    site = evidence_text(ev.get("site")) or evidence_text(ev.get("InstitutionName")) or None
    text = evidence_text(ev.get("StudyDescription"))
    override = overrides.lookup(site, "StudyDescription", text) if overrides and text else None
    if override and "procedure" in override:
        codes = override["procedure"]
        if not codes:
            return None, "set to undetermined by a site override"
        return {"scheme": "RADLEX", "code": codes[0], "label": lex.label(codes[0]), "source": "override", "confidence": 1.0}, None
    modifier = lex.procedure_modifier(text)
    if modifier:
        return None, f"the study description names a procedure modifier that is not modelled ({modifier})"
    desc = normalize_text(text, overrides, site, "StudyDescription") if text else None
    series = [s for s in series_results if s and not s.get("excluded")]
    confs: list[float] = []
    source = "description"

    def from_desc(attribute):
        value = desc.get(attribute) if desc else None
        if value:
            items = value if isinstance(value, list) else [value]
            confs.append(min(v["confidence"] for v in items))
            return [v["code"] for v in items]
        return None

    # modality
    modality = from_desc("modality")
    if modality is None:
        mods = {s["modality"]["code"] for s in series if s.get("modality")}
        if len(mods) == 1:
            modality = [mods.pop()]
        elif frozenset(mods) in _MIXED_MODALITY:
            modality = [_MIXED_MODALITY[frozenset(mods)]]
        if modality:
            confs.append(min(s["modality"]["confidence"] for s in series if s.get("modality")))
            source = "header"
    if not modality:
        return None, "modality undetermined"
    # body regions
    regions = from_desc("body_region")
    if regions is None:
        sets = {tuple(sorted(v["code"] for v in s["body_region"])) for s in series if s.get("body_region")}
        if len(sets) == 1 and all(s.get("body_region") for s in series):
            regions = list(sets.pop())
            confs.append(min(v["confidence"] for s in series for v in s["body_region"]))
    if not regions:
        return None, "body region undetermined"
    # contrast
    contrast = from_desc("contrast")
    if contrast is None:
        found = [s["contrast"]["code"] if s.get("contrast") else None for s in series]
        if found and None not in found:
            kinds = set(found)
            contrast = [WITH_WITHOUT if {WITH, WITHOUT} <= kinds or WITH_WITHOUT in kinds else kinds.pop()]
            confs.append(min(s["contrast"]["confidence"] for s in series))
    laterality = from_desc("laterality")
    confidence = round(min(confs) if confs else 0.0, 2)
    return _playbook_procedure(modality[0], regions, contrast[0] if contrast else None,
                               laterality[0] if laterality else None, source, confidence)


def _focus_options(regions: Sequence[str]) -> tuple[frozenset[str], list[frozenset[str]]]:
    """The Core Playbook regions of ``regions`` and the anatomic focus sets they may be stated with.

    A focus (liver) is stated with its region (abdomen); an optional focus may be left out;
    a region named without a focus may be stated with its default focus (MR Head = brain)."""
    lex = lexicon()
    play_regions, focus, optional = set(), set(), set()
    for code in regions:
        concept = lex.concepts.get(code)
        if concept is not None and concept.focus and concept.region:
            play_regions.add(concept.region)
            focus.add(code)
            if concept.focus_optional:
                optional.add(code)
        else:
            play_regions.add(code)
    focus_options = [frozenset(focus)]
    if optional:
        focus_options.append(frozenset(focus - optional))
    elif not focus:
        defaults = sorted(c.code for c in lex.concepts.values() if c.focus_optional and c.region in play_regions)
        focus_options.extend(frozenset({d}) for d in defaults)
    return frozenset(play_regions), focus_options


def _playbook_procedure(modality: str, regions: Sequence[str], pharm: str | None, lat: str | None,
                        source: str, confidence: float) -> tuple[dict | None, str | None]:
    """The one Core Playbook procedure with these attributes, or why there is none."""
    lex = lexicon()
    index = _playbook_index()
    play_regions, focus_options = _focus_options(regions)
    base_found = False
    for focus_set in focus_options:
        base = (modality, play_regions, focus_set)
        if not any(k[:3] == base for k in index):
            continue
        base_found = True
        # a procedure without a laterality slot fits any side; one with a slot must match
        for key in ((*base, pharm, lat), (*base, pharm, None)):
            procedures = index.get(key)
            if procedures and len(procedures) == 1:
                rpid = procedures[0]
                return {"scheme": "RADLEX", "code": rpid, "label": lex.label(rpid), "source": source,
                        "confidence": confidence}, None
            if procedures:
                return None, "several Core Playbook procedures fit"
    if not base_found:
        return None, "no Core Playbook procedure for this modality and body region"
    if pharm is None:
        return None, "contrast undetermined (the Core Playbook procedures of this region differ by contrast)"
    return None, "no Core Playbook procedure has exactly these attributes"


def normalize_study(series_results: list[dict], study_evidence: Mapping[str, Any], overrides: Overrides | None = None) -> dict | None:
    """The Core Playbook procedure ``{scheme, code: "RPID…", label, source, confidence}`` or
    None (``study_procedure`` gives the reason)."""
    return study_procedure(series_results, study_evidence, overrides)[0]
