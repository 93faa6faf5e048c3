"""Contrast read from a study's series together (contrast.yaml ``study_pairs``).

A study that holds the same sequence twice, once marked post-contrast ("t1_space_sag_iso+C",
"Ax T1 MDC", or a ContrastBolusAgent in its header) and once unmarked ("t1_space_sag_iso"):
the unmarked one is the pre-contrast series.  "The same sequence" is the same modality and the
same words once the contrast words are taken out of both descriptions.  A last word that marks
the post-contrast series only beside its unmarked twin (``post_markers``: "t1_mprage_sag_C")
gives both series their contrast.  Values read this way come at the ``study_pairs`` confidence,
below the confident threshold: the evidence is the pair, not the series; a series that already
has a contrast answer keeps it.  Deterministic: the answer depends only on the set of series.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from curator.normalize.engine import CONFIDENT, evidence_text, sequence_words, value
from curator.normalize.lexicon import Lexicon, lexicon

WITH, WITHOUT = "RID28769", "RID28768"
SOURCE = "study"


def _key(lex: Lexicon, evidence: Mapping[str, Any], result: Mapping[str, Any]) -> tuple[str, tuple[str, ...]] | None:
    text = evidence_text(evidence.get("SeriesDescription")) or evidence_text(evidence.get("ProtocolName"))
    modality = (result.get("modality") or {}).get("code") or evidence_text(evidence.get("Modality"))
    words = sequence_words(lex, text) if text else ()
    return (modality, words) if words and modality else None


def _contrast(result: Mapping[str, Any]) -> tuple[str | None, float]:
    found = result.get("contrast") or {}
    return found.get("code"), float(found.get("confidence") or 0.0)


def _weighting(result: Mapping[str, Any]) -> str | None:
    return (result.get("weighting") or {}).get("code")


def study_contrast(series: Sequence[tuple[Mapping[str, Any], Mapping[str, Any]]]) -> list[Mapping[str, Any]]:
    """The series results of one study (``(evidence, result)`` pairs, in any order) with the
    contrast their study's pairs give; a result that changes is a new dict, the others are
    returned as they were (results may be shared between series)."""
    lex = lexicon()
    keys = [_key(lex, ev, res) for ev, res in series]
    contrast = [_contrast(res) for _ev, res in series]
    marked_post = {k for k, (code, conf) in zip(keys, contrast) if k and code == WITH and conf >= CONFIDENT}
    unmarked = {k for k, (code, _conf) in zip(keys, contrast) if k and code is None}
    given: list[tuple[str, float] | None] = [None] * len(series)
    for n, key in enumerate(keys):
        if key is None or contrast[n][0] is not None:
            continue
        modality, words = key
        if key in marked_post:
            given[n] = (WITHOUT, lex.study_pair_confidence)
        elif len(words) > 1 and words[-1] in lex.study_post_markers and (modality, words[:-1]) in unmarked:
            given[n] = (WITH, lex.study_pair_confidence)            # "..._C" beside its unmarked twin
        elif any((modality, words + (marker,)) in unmarked for marker in lex.study_post_markers):
            given[n] = (WITHOUT, lex.study_pair_confidence)         # the twin of a "..._C"
    _same_weighting(lex, series, keys, contrast, given)
    out: list[Mapping[str, Any]] = []
    for (_ev, res), found in zip(series, given):
        if found is None:
            out.append(res)
            continue
        reasons = {k: v for k, v in (res.get("reasons") or {}).items() if k != "contrast"}
        out.append({**res, "contrast": value(found[0], SOURCE, found[1]), "reasons": reasons})
    return out


def _same_weighting(lex: Lexicon, series: Sequence[tuple[Mapping[str, Any], Mapping[str, Any]]], keys: list,
                    contrast: list[tuple[str | None, float]], given: list[tuple[str, float] | None]) -> None:
    """The weaker reading: the one unmarked series of a weighting (and modality) beside a
    post-contrast series of the same weighting is its pre-contrast series."""
    if lex.study_weighting_confidence is None:
        return
    posts: set[tuple] = set()
    open_: dict[tuple, list[int]] = {}
    for n, ((_ev, res), key) in enumerate(zip(series, keys)):
        group = (key[0] if key else None, _weighting(res))
        if group[0] is None or group[1] is None:
            continue
        code, conf = contrast[n]
        if code == WITH and conf >= CONFIDENT:
            posts.add(group)
        elif code is None and given[n] is None:
            open_.setdefault(group, []).append(n)
        elif code is None:
            open_.setdefault(group, []).append(-1)     # already read from its twin: not alone
    for group, members in open_.items():
        if group in posts and len(members) == 1 and members[0] >= 0:
            given[members[0]] = (WITHOUT, lex.study_weighting_confidence)
