"""The compiled description lexicon: RadLex terms, multilingual synonyms, vendor words.

Everything here is read once from ``mappings/descriptions/*.yaml`` and
``ontologies/radlex/`` and cached for the life of the process (``lexicon()``), so that
normalizing a description does no file access.
"""
from __future__ import annotations

import csv
import re
from bisect import bisect_left
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from curator.common.fold import fold  # the one fold of the project (as curator.deid.scrub.fold)
from curator.normalize.mapfiles import LexiconError, load_mapping
from curator.resources import mappings_dir, ontologies_dir
from curator.normalize.sequence import SequenceRule, SequenceRuleError, load_rules

ATTRIBUTES = ("modality", "body_region", "contrast", "weighting", "plane", "laterality")
VALUE_FILES = {
    "modality": "modality.yaml",
    "body_region": "body_region.yaml",
    "contrast": "contrast.yaml",
    "weighting": "weighting.yaml",
    "plane": "plane.yaml",
    "laterality": "laterality.yaml",
}

# Words are runs of letters/digits; "+" and "*" are tokens; "-" is a token only when it ends
# a word ("C-", "+/-"), never inside one ("C-SPINE", "PET-TC").
_TOKEN = re.compile(r"[a-z0-9]+|\+|\*|-(?=\s|$|/|\)|,|;)")
_NUMERIC = re.compile(r"^\d+(mm|cm|ms|s|sec|kv|kev|mas|x\d+|[a-z])?$|^x\d+$|^\d+x\d+$")


def tokens(text: str) -> list[str]:
    """Folded tokens of a description."""
    return _TOKEN.findall(fold(text))


def is_numeric(token: str) -> bool:
    """Slice thickness, numbering and measurement tokens ("1", "25", "5mm", "3x3")."""
    return bool(_NUMERIC.match(token))


@dataclass(frozen=True)
class Entry:
    """What a phrase means.

    kind: ``value`` (names ``codes`` of ``attribute``, may imply ``implies``), ``implied``
    (implies ``implies``), ``flag`` (``derived_map``/``no_term``: the weighting stays null),
    ``exclude`` (non-diagnostic series of kind ``attribute``), ``neutral`` or ``ambiguous``.
    """

    kind: str
    attribute: str = ""
    codes: tuple[str, ...] = ()
    implies: tuple[tuple[str, str], ...] = ()
    needs: str = ""   # a context the text must show for the implication to count ("reconstruction")

    @property
    def key(self) -> tuple:
        return (self.kind, self.attribute, self.codes, self.implies, self.needs)


@dataclass(frozen=True)
class Concept:
    code: str
    attribute: str
    label: str
    header: tuple[str, ...] = ()
    compatible: tuple[str, ...] = ()
    region: str | None = None
    focus: bool = False
    focus_optional: bool = False
    within: tuple[str, ...] = ()
    supersedes: tuple[str, ...] = ()
    # other body regions that code lists file this structure under (a structure at the boundary of
    # two regions: the sacroiliac joints under the spine or the pelvis): its region is uncertain
    filed_under: tuple[str, ...] = ()
    filed_under_modalities: tuple[str, ...] = ()   # only in exams of these modalities (a neck radiograph)
    # what the concept implies (modality.yaml: mammography -> the breast), also when a header states it
    implies: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class ContextRules:
    """Word-context rules of vocabulary.yaml ``context`` (see docs/normalization.md)."""

    contexts: dict[str, tuple[frozenset[str], tuple[re.Pattern[str], ...]]] = field(default_factory=dict)
    reason_prefixes: frozenset[tuple[str, ...]] = frozenset()   # "pre MRI": the reason, not the modality
    element_words: frozenset[str] = frozenset()                 # "Tc" beside a tracer: technetium, not CT
    indication_words: frozenset[str] = frozenset()              # "lung cancer" after PET: an indication
    indication_links: frozenset[str] = frozenset()              # "cancer of the lung"
    oncology_region: str = ""                                   # PET/CT for a cancer: skull base to mid-thigh
    abbreviations: dict[str, tuple[str, ...]] = field(default_factory=dict)  # "le" -> lower extremity, after "CT"...
    abbreviation_after: frozenset[str] = frozenset()
    abbreviation_only_after: dict[str, frozenset[str]] = field(default_factory=dict)  # "cap": after "CT" only, not "TC"
    final_words: dict[str, tuple[str, str]] = field(default_factory=dict)  # "w" last: with contrast
    final_unless: frozenset[str] = frozenset()                  # ... not after "dixon" (the water image)
    fields_of_view: frozenset[str] = frozenset()                # never an indication (whole body)
    window_regions: frozenset[str] = frozenset()                # "LUNG 3.0 B70f" of a CT series: a window, not the range
    everywhere: frozenset[str] = frozenset()                    # lymph nodes: beside a region, that region's focus
    part_of: dict[str, frozenset[str]] = field(default_factory=dict)  # "neck" beside the femur: the femur's neck
    part_links: frozenset[str] = frozenset()                    # "neck of the femur", "cuello del femur"
    spine_levels: dict[str, str] = field(default_factory=dict)  # "toracica" after "mielografia": T-spine
    spine_words: frozenset[str] = frozenset()
    spine_exams_after: frozenset[str] = frozenset()   # "thoracic myelogram": a level word before a spine exam word
    spine_exams_window: int = 0
    # "MRA ARTERIAL HEAD": a bare vessel word names the vessels, not a contrast phase, in an exam of
    # `vessel_modalities` with a word of the `vessel_context` context, or beside a `vessel_exams` phrase
    vessel_words: frozenset[str] = frozenset()
    vessel_modalities: frozenset[str] = frozenset()
    vessel_context: str = ""
    vessel_exams: frozenset[tuple[str, ...]] = frozenset()
    vessel_always: frozenset[str] = frozenset()
    # "C/T/L spine": a list of spine levels (a pattern on the raw text; list item -> (place in
    # the column, the phrase it stands for))
    level_list: re.Pattern[str] | None = None
    level_items: dict[str, tuple[int, str]] = field(default_factory=dict)
    level_item: re.Pattern[str] = re.compile("(?!)")   # one item of such a list
    alternative_markers: frozenset[tuple[str, ...]] = frozenset()  # "et/ou": either region
    alternative_window: int = 0
    exclusion_markers: frozenset[tuple[str, ...]] = frozenset()  # "excluding": the regions after it are not imaged
    exclusion_window: int = 0
    condition_words: frozenset[str] = frozenset()   # "renal failure": the organ is the indication
    fetal_words: frozenset[str] = frozenset()                   # organs beside these are the fetus's
    fetal_regions: frozenset[str] = frozenset()                 # ... unless inside these (abdomen, pelvis)
    not_in_language: dict[str, frozenset[str]] = field(default_factory=dict)  # "mano" is no hand in French
    only_in_language: dict[str, frozenset[str]] = field(default_factory=dict)  # "mano" is a hand only in es/it
    whole_words: dict[str, frozenset[str]] = field(default_factory=dict)  # "male", "back": no truncation
    language_words: dict[str, frozenset[str]] = field(default_factory=dict)
    region_group: dict[str, str] = field(default_factory=dict)  # Playbook region -> body-region group
    adjacent_groups: frozenset[frozenset[str]] = frozenset()
    deep_languages: frozenset[str] = frozenset()   # languages whose lexicon a large real set tuned
    glued_languages: frozenset[str] = frozenset()  # languages whose terms a glued word is split into
    half_prefixes: tuple[str, ...] = ()            # "hemi" glued to a region word: that region ("hemimandible")
    # language -> (ending, replacement) pairs ("des Gehirns": "s" dropped; Polish "lędźwiowego" -> "lędźwiowy")
    inflections: dict[str, tuple[tuple[str, str], ...]] = field(default_factory=dict)
    # language -> abbreviation -> side ("li" -> left in German), read only beside a region word of that language
    side_words: dict[str, dict[str, str]] = field(default_factory=dict)
    one_volume: dict[str, str] = field(default_factory=dict)   # group -> the group it is imaged with (pelvis -> abdomen)

    def has_context(self, name: str, toks: list[str], folded: str) -> bool:
        words, patterns = self.contexts.get(name, (frozenset(), ()))
        return any(t in words for t in toks) or any(p.search(folded) for p in patterns)


def _context_rules(data: dict, terms: dict) -> ContextRules:
    contexts = {}
    for name, group in (data.get("needs") or {}).items():
        words = frozenset(" ".join(tokens(w)) for w in _term_list(group.get("words"), f"vocabulary.yaml context {name}"))
        contexts[name] = (words, tuple(re.compile(p) for p in group.get("patterns") or ()))
    region = str(data.get("oncology_region") or "")
    if region and region not in terms:
        raise LexiconError(f"vocabulary.yaml context: oncology_region {region} is not in the RadLex subset")

    def word_set(key: str) -> frozenset[str]:
        return frozenset(" ".join(tokens(w)) for w in _term_list(data.get(key), f"vocabulary.yaml context {key}"))

    after = data.get("after_abbreviation") or {}
    abbreviations = {fold(str(k)): tuple(str(c) for c in (v if isinstance(v, list) else [v])) for k, v in (after.get("words") or {}).items()}
    final = {fold(str(k)): (str(v["attribute"]), str(v["code"])) for k, v in (data.get("final_words") or {}).items()}
    levels = data.get("spine_levels") or {}
    spine_levels = {fold(str(k)): str(v) for k, v in (levels.get("words") or {}).items()}
    part_of = {str(part): frozenset(str(c) for c in wholes) for part, wholes in (data.get("part_of") or {}).items()}
    for code in [*(c for codes in abbreviations.values() for c in codes), *(c for _a, c in final.values()), *spine_levels.values(),
                 *(str(c) for c in data.get("window_regions") or ()), *(str(c) for c in data.get("everywhere") or ()),
                 *part_of, *(c for wholes in part_of.values() for c in wholes)]:
        if code not in terms:
            raise LexiconError(f"vocabulary.yaml context: after_abbreviation {code} is not in the RadLex subset")
    return ContextRules(
        contexts=contexts,
        reason_prefixes=frozenset(tuple(tokens(w)) for w in _term_list(data.get("reason_prefixes"), "vocabulary.yaml context")),
        element_words=word_set("element_words"), indication_words=word_set("indication_words"),
        indication_links=word_set("indication_links"), oncology_region=region, abbreviations=abbreviations,
        fields_of_view=frozenset(str(c) for c in data.get("fields_of_view") or ()),
        window_regions=frozenset(str(c) for c in data.get("window_regions") or ()),
        everywhere=frozenset(str(c) for c in data.get("everywhere") or ()),
        part_of=part_of, part_links=word_set("part_links"),
        final_words=final, final_unless=word_set("final_words_unless"),
        abbreviation_after=frozenset(fold(str(w)) for w in _term_list(after.get("after"), "vocabulary.yaml context after_abbreviation")),
        abbreviation_only_after={fold(str(k)): frozenset(fold(str(w)) for w in _term_list(v, "vocabulary.yaml context after_abbreviation only_after"))
                                 for k, v in (after.get("only_after") or {}).items()},
        spine_levels=spine_levels,
        spine_words=frozenset(fold(str(w)) for w in _term_list(levels.get("after"), "vocabulary.yaml context spine_levels")),
        spine_exams_after=frozenset(fold(str(w)) for w in _term_list(levels.get("before"), "vocabulary.yaml context spine_levels before")),
        spine_exams_window=int(levels.get("before_window") or 0),
        **_level_lists(data.get("spine_level_lists")),
        **_vessel_words(data.get("vessel_words"), contexts, terms),
        **_region_rules(data, terms),
    )


def _vessel_words(data: dict | None, contexts: dict, terms: dict) -> dict:
    """``vessel_words``: bare vessel words that are no contrast phase in an MR or US vascular exam."""
    if not data:
        return {}
    needs = str(data.get("needs") or "")
    if needs not in contexts:
        raise LexiconError(f"vocabulary.yaml context vessel_words: needs {needs!r} is not a context of `context.needs`")
    modalities = frozenset(str(c) for c in data.get("modalities") or ())
    always = frozenset(str(c) for c in data.get("always") or ())
    for code in modalities | always:
        if code not in terms:
            raise LexiconError(f"vocabulary.yaml context vessel_words: modality {code} is not in the RadLex subset")
    return {"vessel_words": frozenset(fold(str(w)) for w in _term_list(data.get("words"), "vocabulary.yaml context vessel_words")),
            "vessel_modalities": modalities, "vessel_context": needs, "vessel_always": always,
            "vessel_exams": frozenset(tuple(tokens(w)) for w in _term_list(data.get("exams"), "vocabulary.yaml context vessel_words exams"))}


def _level_lists(data: dict | None) -> dict:
    """The pattern of a list of spine levels before or after a spine word ("C/T/L spine",
    "spine cervical/thoracic/lumbar"), and what each item of such a list stands for."""
    if not data:
        return {}
    items = {fold(str(item)): (place, str(phrase)) for place, (phrase, words) in enumerate(data["levels"]) for item in words}

    def alternation(words) -> str:
        return "|".join(r"\s+".join(map(re.escape, fold(str(w)).split())) for w in sorted(words, key=len, reverse=True))

    item = rf"(?:{alternation(items)})"
    separator = "|".join(rf"\s+{re.escape(s)}\s+" if s.isalpha() else rf"\s*{re.escape(s)}\s*" for s in data["separators"])
    listed = rf"(?P<list>{item}(?:(?:{separator}){item})+)"
    spine = rf"(?:{alternation(data['spine_words'])})"
    pattern = rf"(?<![a-z0-9]){listed}[\s-]*{spine}(?![a-z0-9])|(?<![a-z0-9]){spine}\s+{listed.replace('P<list>', 'P<after>')}(?![a-z0-9])"
    return {"level_list": re.compile(pattern), "level_items": items,
            "level_item": re.compile(rf"(?<![a-z0-9]){item}(?![a-z0-9])")}


def _region_rules(data: dict, terms: dict) -> dict:
    """And/or markers, fetal context, language-bound words and body-region groups."""
    def per_language(key: str) -> dict[str, frozenset[str]]:
        return {str(lang): frozenset(fold(str(w)) for w in _term_list(words, f"vocabulary.yaml context {key}"))
                for lang, words in (data.get(key) or {}).items()}

    groups = {str(code): str(name) for name, codes in (data.get("region_groups") or {}).items() for code in codes}
    for code in groups:
        if code not in terms:
            raise LexiconError(f"vocabulary.yaml context: region_groups {code} is not in the RadLex subset")
    adjacent = frozenset(frozenset(str(g) for g in pair) for pair in data.get("adjacent_groups") or ())
    unknown = {g for pair in [*adjacent, *(data.get("one_volume_groups") or ())] for g in pair} - set(groups.values())
    if unknown:
        raise LexiconError(f"vocabulary.yaml context: adjacent_groups/one_volume_groups name unknown groups {sorted(unknown)}")
    return {
        "alternative_markers": frozenset(tuple(tokens(w)) for w in _term_list(data.get("alternative_markers"), "vocabulary.yaml context alternative_markers")),
        "alternative_window": int(data.get("alternative_window") or 0),
        "exclusion_markers": frozenset(tuple(tokens(w)) for w in _term_list(data.get("exclusion_markers"), "vocabulary.yaml context exclusion_markers")),
        "exclusion_window": int(data.get("exclusion_window") or 0),
        "condition_words": frozenset(fold(str(w)) for w in _term_list(data.get("condition_words"), "vocabulary.yaml context condition_words")),
        "fetal_regions": frozenset(str(c) for c in data.get("fetal_regions") or ()),
        "fetal_words": frozenset(fold(str(w)) for w in _term_list(data.get("fetal_words"), "vocabulary.yaml context fetal_words")),
        "not_in_language": per_language("not_in_language"),
        "only_in_language": per_language("only_in_language"),
        "whole_words": per_language("whole_words"),
        "language_words": per_language("language_words"),
        "region_group": groups,
        "adjacent_groups": adjacent,
        "deep_languages": frozenset(str(lang) for lang in data.get("deep_languages") or ()),
        "glued_languages": frozenset(str(lang) for lang in data.get("glued_languages") or ()),
        "half_prefixes": tuple(sorted({fold(str(w)) for w in data.get("half_prefixes") or ()}, key=lambda w: (-len(w), w))),
        "inflections": {str(lang): _endings(ends) for lang, ends in (data.get("inflections") or {}).items()},
        **_side_abbreviations(data.get("side_abbreviations") or {}, terms),
        "one_volume": {str(g): str(pair[0]) for pair in data.get("one_volume_groups") or () for g in pair[1:]},
    }


def _endings(ends: list | dict) -> tuple[tuple[str, str], ...]:
    """Case endings of vocabulary.yaml context ``inflections``: a list of endings to drop, or a
    mapping ending -> the ending that replaces it; the longest first."""
    pairs = {fold(str(e)): fold(str(r)) for e, r in ends.items()} if isinstance(ends, dict) else {fold(str(e)): "" for e in ends}
    return tuple(sorted(pairs.items(), key=lambda p: (-len(p[0]), p)))


def _side_abbreviations(data: dict, terms: dict) -> dict:
    """Side abbreviations read only beside a region word of some languages (vocabulary.yaml
    context ``side_abbreviations``)."""
    words = {str(lang): {fold(str(w)): str(code) for w, code in pairs.items()} for lang, pairs in data.items()}
    for code in (c for pairs in words.values() for c in pairs.values()):
        if code not in terms:
            raise LexiconError(f"vocabulary.yaml context: side_abbreviations {code} is not in the RadLex subset")
    return {"side_words": words}


@dataclass
class Lexicon:
    phrases: dict[tuple[str, ...], Entry]
    max_len: int
    # (first tokens of a phrase) -> list of (last token, entry), for end-truncated phrases
    by_head: dict[tuple[str, ...], list[tuple[str, Entry]]]
    words: list[str]                       # sorted single-token phrases (prefix search)
    concepts: dict[str, Concept]           # RID -> concept (any attribute)
    terms: dict[str, tuple[str, str]]      # RID -> (name, parent) for the shipped subset
    header_values: dict[str, dict[str, tuple[str, ...]]]  # attribute -> header value -> codes
    kernel_patterns: tuple[re.Pattern[str], ...]
    value_patterns: tuple[tuple[re.Pattern[str], Entry], ...]   # one token -> a value (b-values)
    non_image_modalities: frozenset[str]
    agent_negations: frozenset[str]
    implies_modality: dict[str, str]      # attribute -> RID implied (weighting -> MR)
    playbook: list[dict[str, str]] = field(default_factory=list)
    playbook_labels: dict[str, str] = field(default_factory=dict)
    ambiguous_reasons: dict[str, str] = field(default_factory=dict)
    flag_reasons: dict[str, str] = field(default_factory=dict)   # derived_map / no_term -> reason
    modifier_words: frozenset[str] = frozenset()      # procedure modifiers not modelled
    modifier_prefixes: tuple[str, ...] = ()
    rules: ContextRules = field(default_factory=lambda: ContextRules())
    # value phrase -> the languages whose terms list it (vendor words and implied terms: none)
    phrase_languages: dict[tuple[str, ...], frozenset[str]] = field(default_factory=dict)
    sequence_rules: tuple[SequenceRule, ...] = ()   # weighting.yaml header_rules
    number_prefixes: frozenset[str] = frozenset()   # "sb 1000": read as the one token "sb1000"
    # kernels made for one region (vocabulary.yaml kernel_regions): a weak implied region
    kernel_regions: tuple[tuple[re.Pattern[str], Entry], ...] = ()
    # excluded series of these kinds (vocabulary.yaml exclude_own_region: a localizer) give the
    # region their own name states, at this confidence (below the threshold)
    excluded_region_confidence: dict[str, float] = field(default_factory=dict)
    # contrast.yaml study_pairs: the confidence of a contrast read from a study's pair of the same
    # sequence, and the last words that mark the post-contrast one only beside its pair ("_C")
    study_pair_confidence: float = 0.75
    study_weighting_confidence: float | None = None
    study_post_markers: frozenset[str] = frozenset()

    def procedure_modifier(self, text: str | None) -> str | None:
        """The first word of ``text`` naming a Playbook modifier the normalizer does not model."""
        toks = tokens(text or "")
        for n in (3, 2, 1):
            for i in range(len(toks) - n + 1):
                phrase = " ".join(toks[i:i + n])
                if phrase in self.modifier_words:
                    return phrase
        for tok in toks:
            if tok.startswith(self.modifier_prefixes):
                return tok
        return None

    def label(self, code: str) -> str:
        if code in self.terms:
            return self.terms[code][0]
        return self.playbook_labels.get(code, code)

    def prefix_words(self, prefix: str) -> list[str]:
        i = bisect_left(self.words, prefix)
        out = []
        while i < len(self.words) and self.words[i].startswith(prefix):
            out.append(self.words[i])
            i += 1
        return out


def _load_yaml(path: Path) -> dict:
    return load_mapping(path)


def _term_list(values, where: str) -> list[str]:
    out = []
    for value in values or ():
        if not isinstance(value, str):
            raise LexiconError(f"{where}: term {value!r} is not a string (quote it in the YAML)")
        out.append(value)
    return out


def _read_terms(folder: Path) -> dict[str, tuple[str, str]]:
    with (folder / "terms.csv").open(encoding="utf-8", newline="") as fh:
        return {row["rid"]: (row["name"], row["parent"]) for row in csv.DictReader(fh)}


def _read_playbook(folder: Path) -> list[dict[str, str]]:
    with (folder / "playbook_core.csv").open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


class _PhraseTable:
    """The phrases of the lexicon being compiled, with the file each came from."""

    # value terms outrank implied/neutral words with the same spelling
    RANK = {"value": 3, "flag": 3, "t1ctx": 3, "exclude": 2, "implied": 1, "neutral": 0, "ambiguous": 4}

    def __init__(self) -> None:
        self.phrases: dict[tuple[str, ...], Entry] = {}
        self.origin: dict[tuple[str, ...], str] = {}
        self.languages: dict[tuple[str, ...], set[str]] = {}

    def add_term(self, phrase: str, entry: Entry, where: str, lang: str) -> None:
        """A value term of one language (the languages of a phrase are kept for the language
        evidence of a description)."""
        self.add(phrase, entry, where)
        key = tuple(tokens(phrase))
        if self.phrases.get(key) == entry:
            self.languages.setdefault(key, set()).add(lang)

    def add(self, phrase: str, entry: Entry, where: str) -> None:
        key = tuple(tokens(phrase))
        if not key:
            raise LexiconError(f"{where}: empty term {phrase!r}")
        old = self.phrases.get(key)
        if old is not None and old.key != entry.key:
            rank = self.RANK
            if rank[old.kind] == rank[entry.kind] or {old.kind, entry.kind} == {"ambiguous", "value"}:
                raise LexiconError(f"{where}: term {phrase!r} already means something else ({self.origin[key]})")
            if rank[entry.kind] < rank[old.kind]:
                return
        self.phrases[key] = entry
        self.origin[key] = where


@dataclass
class _ValueFiles:
    """What the value files (modality.yaml, body_region.yaml...) give besides their phrases."""

    concepts: dict[str, Concept] = field(default_factory=dict)
    plurals: list[tuple[str, Entry]] = field(default_factory=list)
    # (language, plural, entry): plurals of the other languages' one-word terms (`plural_endings`)
    other_plurals: list[tuple[str, str, Entry]] = field(default_factory=list)
    header_values: dict[str, dict[str, tuple[str, ...]]] = field(default_factory=lambda: {a: {} for a in ATTRIBUTES})
    implies_modality: dict[str, str] = field(default_factory=dict)
    non_image: frozenset[str] = frozenset()
    negations: frozenset[str] = frozenset()
    study_pairs: dict = field(default_factory=dict)


def compile_lexicon(mappings: Path, ontologies: Path) -> Lexicon:
    """Read and check the lexicon files; raise :class:`LexiconError` on inconsistencies."""
    desc = mappings / "descriptions"
    radlex = ontologies / "radlex"
    terms = _read_terms(radlex)
    playbook = _read_playbook(radlex)
    table = _PhraseTable()
    values = _ValueFiles()
    for attribute, filename in VALUE_FILES.items():
        _read_value_file(attribute, filename, _load_yaml(desc / filename), terms, table, values)
    phrases = table.phrases
    for concept in values.concepts.values():
        for code in concept.filed_under:
            if values.concepts.get(code) is None or values.concepts[code].attribute != "body_region":
                raise LexiconError(f"body_region.yaml: {concept.code} filed_under {code}, not a body region of the file")
        for code in concept.filed_under_modalities:
            if values.concepts.get(code) is None or values.concepts[code].attribute != "modality":
                raise LexiconError(f"body_region.yaml: {concept.code} filed_under_modalities {code}, not a modality of modality.yaml")

    # English plurals ("wrists", "bilat ankles"): only where the plural means nothing else
    for phrase, entry in values.plurals:
        key = tuple(tokens(phrase))
        if key and key not in phrases:
            phrases[key] = entry
            table.origin[key] = "plural"

    # implied modality of the weighting terms
    for key, entry in list(phrases.items()):
        if entry.kind == "value" and entry.attribute in values.implies_modality:
            implies = tuple(sorted({**dict(entry.implies), "modality": values.implies_modality[entry.attribute]}.items()))
            phrases[key] = Entry("value", entry.attribute, entry.codes, implies)

    vocab = _load_yaml(desc / "vocabulary.yaml")
    rules = _context_rules(vocab.get("context") or {}, terms)
    flag_reasons, ambiguous = _read_vocabulary_terms(vocab, terms, rules, table)
    # plurals of the other languages' one-word terms ("caderas", "orbitarias", "abdominales"):
    # only where the plural spelling means nothing else, vocabulary words included
    for lang, phrase, entry in values.other_plurals:
        key = tuple(tokens(phrase))
        if key and key not in phrases:
            phrases[key] = entry
            table.origin[key] = "plural"
        if phrases.get(key) == entry:
            table.languages.setdefault(key, set()).add(lang)
    for lang, words in rules.whole_words.items():
        named = sorted(w for w in words if (w,) in phrases)
        if named:
            raise LexiconError(f"vocabulary.yaml context: whole_words {lang}: {', '.join(named)} already a term")
    modifiers = vocab.get("procedure_modifiers") or {}
    own_region = _excluded_region_confidence(vocab)
    return Lexicon(
        phrases=phrases,
        max_len=max(len(k) for k in phrases),
        by_head=_by_head(phrases),
        words=sorted(k[0] for k in phrases if len(k) == 1),
        concepts=values.concepts,
        terms=terms,
        header_values=values.header_values,
        kernel_patterns=tuple(re.compile(p) for p in vocab.get("ct_kernel_patterns") or ()),
        kernel_regions=tuple((re.compile(p), Entry("implied", WEAK, (), _implies(group["implies"], terms, "kernel_regions")))
                             for group in vocab.get("kernel_regions") or [] for p in group["patterns"]),
        value_patterns=_value_patterns(vocab.get("value_patterns") or [], terms, values.implies_modality),
        non_image_modalities=values.non_image,
        agent_negations=values.negations,
        implies_modality=values.implies_modality,
        playbook=playbook,
        playbook_labels={row["rpid"]: row["long_name"] for row in playbook},
        ambiguous_reasons=ambiguous,
        flag_reasons=flag_reasons,
        modifier_words=frozenset(" ".join(tokens(w)) for w in _term_list(modifiers.get("words"), "vocabulary.yaml procedure_modifiers")),
        modifier_prefixes=tuple(fold(w) for w in _term_list(modifiers.get("prefixes"), "vocabulary.yaml procedure_modifiers")),
        rules=rules,
        phrase_languages={key: frozenset(langs) for key, langs in table.languages.items() if phrases.get(key) is not None
                          and phrases[key].kind == "value"},
        sequence_rules=_sequence_rules(desc, values.concepts),
        number_prefixes=frozenset(fold(str(w)) for group in vocab.get("value_patterns") or [] for w in group.get("number_prefixes") or ()),
        excluded_region_confidence=own_region,
        study_pair_confidence=float(values.study_pairs.get("confidence", 0.75)),
        study_weighting_confidence=(None if values.study_pairs.get("weighting_confidence") is None
                                    else float(values.study_pairs["weighting_confidence"])),
        study_post_markers=frozenset(fold(str(w)) for w in _term_list(values.study_pairs.get("post_markers"), "contrast.yaml study_pairs")),
    )


def _excluded_region_confidence(vocab: dict) -> dict[str, float]:
    """vocabulary.yaml ``exclude_own_region``: kind of excluded series -> the confidence of the
    region its own name states; a kind of ``exclude``, below the threshold (never confident)."""
    out = {}
    for kind, confidence in (vocab.get("exclude_own_region") or {}).items():
        if kind not in (vocab.get("exclude") or {}):
            raise LexiconError(f"vocabulary.yaml exclude_own_region: {kind!r} is not a kind of `exclude`")
        if not 0 < float(confidence) < REGION_CEILING:
            raise LexiconError(f"vocabulary.yaml exclude_own_region: {kind}: {confidence} is not below the threshold {REGION_CEILING}")
        out[str(kind)] = float(confidence)
    return out


REGION_CEILING = 0.8   # the confidence threshold (engine.CONFIDENT): an excluded series is never confident


def _sequence_rules(desc: Path, concepts: dict[str, Concept]) -> tuple[SequenceRule, ...]:
    weighting = {code for code, concept in concepts.items() if concept.attribute == "weighting"}
    try:
        return load_rules(_load_yaml(desc / "weighting.yaml").get("header_rules") or [], weighting)
    except SequenceRuleError as exc:
        raise LexiconError(str(exc)) from None


def _read_value_file(attribute: str, filename: str, data: dict, terms: dict[str, tuple[str, str]],
                     table: _PhraseTable, values: _ValueFiles) -> None:
    """The concepts, terms, header values and combinations of one value file."""
    if data.get("attribute") != attribute:
        raise LexiconError(f"{filename}: attribute should be {attribute!r}")
    if data.get("implies_modality"):
        values.implies_modality[attribute] = data["implies_modality"]
    header_values = values.header_values[attribute]
    for item in data.get("concepts", []):
        code = item["code"]
        if code not in terms:
            raise LexiconError(f"{filename}: {code} is not in ontologies/radlex/terms.csv (run scripts/build_radlex.py)")
        concept = Concept(
            code=code, attribute=attribute, label=terms[code][0],
            header=tuple(item.get("header") or ()), compatible=tuple(item.get("compatible") or ()),
            region=item.get("region"), focus=bool(item.get("focus")), focus_optional=bool(item.get("focus_optional")),
            within=tuple(item.get("within") or ()), supersedes=tuple(item.get("supersedes") or ()),
            filed_under=tuple(item.get("filed_under") or ()),
            filed_under_modalities=tuple(item.get("filed_under_modalities") or ()),
            implies=tuple(sorted((item.get("implies") or {}).items())),
        )
        values.concepts[code] = concept
        for value in concept.header:
            header_values[_header_key(value)] = (code,)
        base = tuple(sorted((item.get("implies") or {}).items()))
        for lang, words in (item.get("terms") or {}).items():
            for word in _term_list(words, f"{filename} {code} {lang}"):
                table.add_term(word, Entry("value", attribute, (code,), base), f"{filename} {code} {lang}", str(lang))
                if attribute in data.get("plurals", ()) and lang == "en":
                    values.plurals.append((_plural(word), Entry("value", attribute, (code,), base)))
                plural = _plural_by_endings(word, (data.get("plural_endings") or {}).get(lang) or ())
                if plural:
                    values.other_plurals.append((str(lang), plural, Entry("value", attribute, (code,), base)))
                variant = _spelling_variant(word, (data.get("spelling_variants") or {}).get(lang) or ())
                if variant:      # added, like a plural, only where the spelling means nothing else
                    values.other_plurals.append((str(lang), variant, Entry("value", attribute, (code,), base)))
                for case in _phrase_cases(word, (data.get("phrase_cases") or {}).get(lang) or ()):
                    values.other_plurals.append((str(lang), case, Entry("value", attribute, (code,), base)))
        # terms that name this value and imply another ("CTA": CT, with IV contrast)
        for group in item.get("implied_terms") or []:
            implies = tuple(sorted({**dict(base), **group["implies"]}.items()))
            for word in _term_list(group["terms"], f"{filename} {code} implied_terms"):
                table.add(word, Entry("value", attribute, (code,), implies), f"{filename} {code} implied_terms")
    for combo in data.get("combinations", []) or []:
        codes = tuple(combo["codes"])
        for code in codes:
            if code not in values.concepts:
                raise LexiconError(f"{filename}: combination uses {code}, not a concept of the file")
        for value in combo.get("header") or ():
            header_values[_header_key(value)] = codes
        for lang, words in (combo.get("terms") or {}).items():
            for word in _term_list(words, f"{filename} combination {lang}"):
                table.add_term(word, Entry("value", attribute, codes), f"{filename} combination {lang}", str(lang))
    if attribute == "modality":
        values.non_image = frozenset(data.get("non_image_header") or ())
    if attribute == "contrast":
        values.negations = frozenset(fold(v) for v in _term_list(data.get("agent_negations"), "contrast.yaml agent_negations"))
        values.study_pairs = dict(data.get("study_pairs") or {})


def _read_vocabulary_terms(vocab: dict, terms: dict[str, tuple[str, str]], rules: ContextRules,
                           table: _PhraseTable) -> tuple[dict[str, str], dict[str, str]]:
    """The words of vocabulary.yaml (implied, flags, T1 context, exclusions, neutral,
    ambiguous) added to ``table``; returns (flag reasons, ambiguous words' reasons)."""
    flag_reasons: dict[str, str] = {}
    for number, group in enumerate(vocab.get("implied", [])):
        implies = tuple(sorted(group["implies"].items()))
        for _attr, code in implies:
            if code not in terms:
                raise LexiconError(f"vocabulary.yaml: implied {code} is not in the RadLex subset")
        needs = str(group.get("needs") or "")
        if needs and needs not in rules.contexts:
            raise LexiconError(f"vocabulary.yaml: implied group needs {needs!r}, not a context of `context.needs`")
        weak = group.get("weak")
        if isinstance(weak, list):   # only these attributes below the threshold ("T1 FLAIR": the weighting, not MR)
            if not set(weak) <= {attr for attr, _code in implies}:
                raise LexiconError(f"vocabulary.yaml: implied[{number}].weak: names an attribute the group does not imply")
            strength = WEAK + ":" + ",".join(sorted(weak))
        else:
            strength = WEAK if weak else ""
        for word in _term_list(group["terms"], "vocabulary.yaml implied"):
            table.add(word, Entry("implied", strength, (), implies, needs), "vocabulary.yaml implied")
    for kind in ("derived_map", "no_term"):
        group = vocab.get(kind) or {}
        implies = tuple(sorted((group.get("implies") or {}).items()))
        for word in _term_list(group.get("terms"), f"vocabulary.yaml {kind}"):
            table.add(word, Entry("flag", kind, (), implies), f"vocabulary.yaml {kind}")
        flag_reasons[kind] = str(group.get("reason") or kind)
    for word, code in ((vocab.get("t1_context") or {}).get("terms") or {}).items():
        if code not in terms:
            raise LexiconError(f"vocabulary.yaml t1_context: {code} is not in the RadLex subset")
        table.add(str(word), Entry("t1ctx", "contrast", (code,)), "vocabulary.yaml t1_context")
    for kind, words in (vocab.get("exclude") or {}).items():
        for word in _term_list(words, f"vocabulary.yaml exclude {kind}"):
            table.add(word, Entry("exclude", kind), f"vocabulary.yaml exclude {kind}")
    for word in _term_list(vocab.get("neutral"), "vocabulary.yaml neutral"):
        table.add(word, Entry("neutral"), "vocabulary.yaml neutral")
    ambiguous = {}
    for word, why in (vocab.get("ambiguous") or {}).items():
        table.add(str(word), Entry("ambiguous"), "vocabulary.yaml ambiguous")
        ambiguous[fold(str(word))] = str(why)
    return flag_reasons, ambiguous


WEAK = "weak"   # the attribute of an implied entry whose values are given below the threshold


def _implies(values: dict, terms: dict, where: str) -> tuple[tuple[str, str], ...]:
    for code in values.values():
        if code not in terms:
            raise LexiconError(f"vocabulary.yaml {where}: {code} is not in the RadLex subset")
    return tuple(sorted((str(a), str(c)) for a, c in values.items()))


def _by_head(phrases: dict[tuple[str, ...], Entry]) -> dict[tuple[str, ...], list[tuple[str, Entry]]]:
    """Phrases of two words or more by their words but the last (the matcher's lookahead)."""
    by_head: dict[tuple[str, ...], list[tuple[str, Entry]]] = {}
    for key, entry in phrases.items():
        if len(key) >= 2:
            by_head.setdefault(key[:-1], []).append((key[-1], entry))
    for items in by_head.values():
        items.sort(key=lambda t: t[0])
    return by_head


def _value_patterns(groups: list, terms: dict, implies_modality: dict[str, str]) -> tuple[tuple[re.Pattern[str], Entry], ...]:
    """Regular expressions on one folded token that name a value (vocabulary.yaml
    ``value_patterns``: a diffusion b-value "b1000" is a diffusion-weighted series)."""
    out = []
    for group in groups:
        attribute, code = str(group["attribute"]), str(group["code"])
        if code not in terms:
            raise LexiconError(f"vocabulary.yaml: value pattern code {code} is not in the RadLex subset")
        implies = (("modality", implies_modality[attribute]),) if attribute in implies_modality else ()
        entry = Entry("value", attribute, (code,), implies)
        out += [(re.compile(pattern), entry) for pattern in group["patterns"]]
    return tuple(out)


def _plural(phrase: str) -> str:
    """English plural of a term's last word ("wrist" -> "wrists", "phalanx" stays irregular)."""
    head, _, last = phrase.rpartition(" ")
    if not last.isalpha() or len(last) < 4 or last.endswith(("s", "x", "y", "ae", "a", "i", "um", "us")):
        return ""
    return f"{head} {last}s".strip()


def _plural_by_endings(word: str, endings) -> str:
    """The plural of a one-word term by its language's `plural_endings` (body_region.yaml): the
    first [ending, plural ending] pair whose ending the word has ("" matches any word; a plural
    ending null: no plural)."""
    if " " in word.strip() or not word.isalpha() or len(word) < 4:
        return ""
    for ending, plural in endings:
        if word.endswith(str(ending)):
            return "" if plural is None else word[:len(word) - len(str(ending))] + str(plural)
    return ""


def _spelling_variant(word: str, rules) -> str:
    """The term in its language's other spelling (`spelling_variants`, body_region.yaml: German
    Latin spellings, "karotiden" -> "carotiden", "zervikal" -> "cervikal"): every [pattern,
    replacement] applied in turn; "" when nothing changes."""
    variant = fold(word)
    for pattern, replacement in rules:
        variant = re.sub(str(pattern), str(replacement), variant)
    return variant if variant != fold(word) else ""


def _phrase_cases(phrase: str, rules) -> list[str]:
    """A multi-word term in another case (`phrase_cases`, body_region.yaml: the Polish genitive,
    "odcinek szyjny" -> "odcinka szyjnego"): each word takes the replacements of the first
    [ending, [replacements]] it ends with; every combination of them (at most 16), the term
    itself left out."""
    words = fold(phrase).split()
    if len(words) < 2 or not rules:
        return []
    options: list[list[str]] = []
    for word in words:
        rule = next(((str(e), r) for e, r in rules if word.endswith(str(e)) and len(word) > len(str(e))), None)
        options.append([word[:len(word) - len(rule[0])] + str(r) for r in rule[1]] if rule else [word])
    variants = [""]
    for choices in options:
        variants = [f"{v} {c}".strip() for v in variants for c in choices]
        if len(variants) > 16:
            return []
    return [v for v in variants if v != " ".join(words)]


def _header_key(value: str) -> str:
    return re.sub(r"[^A-Z0-9]", "", fold(str(value)).upper())


header_key = _header_key


@cache
def lexicon() -> Lexicon:
    """The shipped lexicon, compiled once per process."""
    return compile_lexicon(mappings_dir(), ontologies_dir())
