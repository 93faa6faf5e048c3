"""Free text cleaned by allowlist: only words known to be safe survive.

``clean(text, values, keyword)`` is the one cleaning of kept free text (descriptions,
protocol names, comments, SR TEXT, ROI and segment descriptions...; the attributes of
``mappings/freetext/rules.yaml``):

1. person-name patterns go: a title or role and the name after it ("seen by Dr Rose",
   "per nurse Kowalska", "Sr. García"), a first name and the capitalised word after it,
   a first or last name after a weak trigger ("seen by Brown");
2. every remaining word that is not known to be safe becomes a fixed placeholder.  Safe:
   a word of the normalization lexicons or RadLex, of the shipped word lists
   (``ontologies/wordlists``, ``mappings/freetext/clinical-words.yaml``), a number, unit,
   kernel or sequence-parameter token, or a site convention (:func:`conventions`);
3. the patient's identifier values and their parts, and date/phone/ID/e-mail patterns go
   (:func:`curator.deid.scrub.scrub_text`).

``clean_kept(text, values)`` is for kept text that is not free text (device strings:
Manufacturer, model, software versions): the patient's identifier values and their parts
go, nothing else changes.  Matching is on :func:`curator.common.fold.fold` forms throughout.
"""
from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache, lru_cache
from itertools import chain

from pydicom.datadict import DicomDictionary

from curator.common.fold import INSIDE_WORD, fold
from curator.resources import keyword_tags, load_yaml, mappings_dir, ontologies_dir
from curator.deid.scrub import (initials_of_name, is_identifier_word, name_word_forms, scrub_patterns, scrub_rules, scrub_text,
                                scrub_values)

_WORD = re.compile(rf"[^\W_](?:[^\W_]|{INSIDE_WORD})*", re.UNICODE)  # as curator.deid.scrub reads words
_CODE_MEANING = 0x00080104
_LEX_WORD = re.compile(r"[a-z0-9]+")
# What may stand between the words of one name ("Dr. Anna-Maria Nowak").
_NAME_GAP = re.compile(r"[\s.'-]*")


@dataclass(frozen=True)
class Rules:
    placeholder: str
    titles: frozenset[str]
    ambiguous: frozenset[str]
    examination: frozenset[str]  # titles that are an examination's abbreviation before an imaging word
    context: frozenset[str]
    roles: frozenset[str]
    weak: frozenset[str]
    max_name_words: int
    safe: re.Pattern[str]
    tags: frozenset[int]
    min_patients: int
    min_sites: int
    residence: frozenset[str]
    capitals: frozenset[str]  # capital cities (folded): a capitalised one is a place anywhere (red team 17b)
    birth: frozenset[str]  # born, né... (as written, NFC, case folded): a birthplace clause is read as a residence clause
    place_prepositions: frozenset[str]
    place_anywhere: frozenset[str]
    not_places: frozenset[str]
    days: frozenset[str]  # days of the week: no place in any case
    before_name: frozenset[str]  # a kind of place ("quận", "ул"; as written, NFC, case folded): the capitalised words after it are a place


@cache
def _rules_data() -> dict:
    """``mappings/freetext/rules.yaml``, parsed once (the tables below each read part of it; never changed)."""
    return load_yaml(mappings_dir() / "freetext" / "rules.yaml")


@cache
def rules() -> Rules:
    data = _rules_data()
    tags = keyword_tags(data["attributes"], "mappings/freetext/rules.yaml")
    return Rules(
        placeholder=str(data["placeholder"]),
        titles=frozenset(fold(t) for t in data["titles"]),
        ambiguous=frozenset(fold(t) for t in data["ambiguous_titles"]),
        examination=frozenset(fold(t) for t in data.get("examination_titles") or ()),
        context=frozenset(fold(t) for t in data["title_context"]),
        roles=frozenset(fold(t) for t in data["roles"]),
        weak=frozenset(fold(t) for t in data["weak_triggers"]),
        max_name_words=int(data["max_name_words"]),
        safe=re.compile("|".join(f"(?:{p})" for p in data["safe_patterns"].values())),
        tags=tags,
        min_patients=int(data["convention"]["patients"]),
        min_sites=int(data["convention"]["sites"]),
        residence=frozenset(fold(str(t)) for t in data["places"]["residence_words"]),
        capitals=frozenset(fold(str(t)) for t in data["places"].get("capital_cities") or ()),
        birth=frozenset(unicodedata.normalize("NFC", str(t)).casefold() for t in data["places"].get("birth_words") or ()),
        place_prepositions=frozenset(fold(str(t)) for t in data["places"]["prepositions"]),
        place_anywhere=frozenset(fold(str(t)) for t in data["places"]["anywhere"]),
        not_places=frozenset(fold(str(t)) for t in data["places"]["not_places"]),
        days=frozenset(fold(str(t)) for t in data["places"].get("days") or ()),
        before_name=frozenset(unicodedata.normalize("NFC", str(t)).casefold() for t in data["places"].get("before_name") or ()),
    )


def _read_list(relative: str) -> list[str]:
    """The words of a word list (one set is built from all of them, once: start-up time)."""
    return (ontologies_dir() / relative).read_text(encoding="utf-8").split()


@cache
def _clinical_words() -> frozenset[str]:
    """The words of mappings/freetext/clinical-words.yaml (every language) and of the
    ``languages`` of clinical-words-scripts.yaml (any script), folded."""
    return _latin_clinical_words() | _script_words()


@cache
def _latin_clinical_words() -> frozenset[str]:
    """The words of mappings/freetext/clinical-words.yaml, folded."""
    clinical = load_yaml(mappings_dir() / "freetext" / "clinical-words.yaml")
    return frozenset(w for entries in clinical.values() for entry in entries for w in _LEX_WORD.findall(fold(str(entry))))


@cache
def _script_words() -> frozenset[str]:
    """The words of the ``languages`` of clinical-words-scripts.yaml, folded."""
    return frozenset(w for language in _scripts_data()["languages"].values() for entry in language["words"]
                     for w in _WORD.findall(fold(str(entry))))


@cache
def _list_words() -> frozenset[str]:
    """The words of the word lists (``wordlists`` of the rules)."""
    return frozenset(chain.from_iterable(_read_list(relative) for relative in _rules_data()["wordlists"]))


@cache
def _scripts_data() -> dict:
    """``mappings/freetext/clinical-words-scripts.yaml``, parsed once."""
    return load_yaml(mappings_dir() / "freetext" / "clinical-words-scripts.yaml")


@dataclass(frozen=True)
class _Affixes:
    cores: frozenset[str]  # the language's words and their stems (a word less one of its suffixes)
    prefixes: frozenset[str]
    suffixes: frozenset[str]
    prefix_lengths: tuple[int, ...]  # 0 and the lengths of the prefixes
    suffix_lengths: tuple[int, ...]
    min_core: int


@cache
def _affix_rules() -> tuple[_Affixes, ...]:
    """Per language of clinical-words-scripts.yaml with ``prefixes`` or ``suffixes``: its words,
    their stems and its affixes, folded (an inflected or prefixed form of a listed word is safe)."""
    out = []
    for language in _scripts_data()["languages"].values():
        prefixes = frozenset(fold(str(p)) for p in language.get("prefixes") or ())
        suffixes = frozenset(fold(str(x)) for x in language.get("suffixes") or ())
        if not prefixes and not suffixes:
            continue
        minimum = int(language["min_core"])
        words = {w for entry in language["words"] for w in _WORD.findall(fold(str(entry)))}
        stems = {w[:-len(x)] for w in words for x in suffixes if w.endswith(x) and len(w) - len(x) >= minimum}
        out.append(_Affixes(frozenset(words | stems), prefixes, suffixes, (0, *sorted({len(p) for p in prefixes})),
                            (0, *sorted({len(x) for x in suffixes})), minimum))
    return tuple(out)


def _affixed_safe(token: str) -> bool:
    """Whether the folded ``token`` is a prefix, a word or stem of a language's list and a
    suffix of that language (prefix or suffix may be absent, not both): "karaciğerde",
    "печени", "폐에", "والكبد" (``prefixes``, ``suffixes``, ``min_core`` of clinical-words-scripts.yaml)."""
    size = len(token)
    for rule in _affix_rules():
        for p in rule.prefix_lengths:
            if p and token[:p] not in rule.prefixes:
                continue
            for x in rule.suffix_lengths:
                if not (p or x) or size - p - x < rule.min_core:
                    continue
                if (not x or token[size - x:] in rule.suffixes) and token[p:size - x] in rule.cores:
                    return True
    return False


@dataclass(frozen=True)
class _Segmenter:
    unspaced: re.Pattern[str]  # one character of a script written without spaces between words
    scripts: tuple[tuple[re.Pattern[str], int], ...]  # (script's characters, fewest letters of a word next to an unknown piece)
    words: frozenset[str]  # the folded words of the lists written in those scripts
    longest: int


@cache
def _segmenter() -> _Segmenter:
    """The dictionary and rules that cut text in Chinese, Japanese or Thai into words
    (``unspaced_scripts`` of clinical-words-scripts.yaml)."""
    data = _scripts_data()["unspaced_scripts"]
    scripts = tuple((re.compile(f"[{entry['characters']}]"), int(entry["min_letters_next_to_unknown"]))
                    for entry in data)
    unspaced = re.compile("[" + "".join(entry["characters"] for entry in data) + "]")
    words = frozenset(w for w in chain(_words(), rules().titles, rules().roles) if unspaced.search(w))
    return _Segmenter(unspaced, scripts, words, max((len(w) for w in words), default=1))


def _letters(text: str) -> int:
    """The characters of ``text`` that are no mark (a Thai vowel or tone mark is part of a letter)."""
    return sum(not unicodedata.category(c).startswith("M") for c in text)


def _script_of(ch: str) -> int:
    for n, (pattern, _) in enumerate(_segmenter().scripts):
        if pattern.match(ch):
            return n
    return -1


def _segments(start: int, word: str) -> list[tuple[int, int]]:
    """The pieces of a word (a run of word characters) that holds Chinese, Japanese or Thai:
    runs of other characters ("CT", "L4") whole; the unspaced runs cut by the longest word of the
    dictionary at each place, the characters that start no word joined into unknown pieces, and
    a word of fewer letters than its script's ``min_letters_next_to_unknown`` next to an unknown
    piece joined to it (a name "สมชาย" is no "ชาย" with an unknown "สม"; "王左" no "左")."""
    seg = _segmenter()
    runs: list[tuple[int, int, int]] = []  # (start, end, script or -1)
    for i, ch in enumerate(word):
        script = _script_of(ch) if seg.unspaced.match(ch) else -1
        if runs and (runs[-1][2] == script or not ch.isalnum() and not seg.unspaced.match(ch)):
            runs[-1] = (runs[-1][0], i + 1, runs[-1][2])
        else:
            runs.append((i, i + 1, script))
    out: list[tuple[int, int]] = []
    for a, b, script in runs:
        if script < 0:
            out.append((start + a, start + b))
            continue
        pieces: list[list] = []  # [start, end, known]
        i = a
        while i < b:
            for n in range(min(seg.longest, b - i), 0, -1):
                if fold(word[i:i + n]) in seg.words:
                    pieces.append([i, i + n, True])
                    i += n
                    break
            else:
                pieces.append([i, i + 1, False])
                i += 1
        minimum = seg.scripts[script][1]
        changed = True
        while changed:
            changed = False
            for k, piece in enumerate(pieces):
                if piece[2] and _letters(word[piece[0]:piece[1]]) < minimum and any(
                        0 <= m < len(pieces) and not pieces[m][2] for m in (k - 1, k + 1)):
                    piece[2] = False
                    changed = True
        merged: list[list] = []
        for piece in pieces:
            if merged and not piece[2] and not merged[-1][2]:
                merged[-1][1] = piece[1]
            else:
                merged.append(piece)
        out.extend((start + p[0], start + p[1]) for p in merged)
    return out


@cache
def _words() -> frozenset[str]:
    """Every safe word: word lists, clinical words, lexicon and RadLex words."""
    return _list_words() | _clinical_words() | frozenset(_lexicon_words())


def _lexicon_words() -> set[str]:
    from curator.normalize.lexicon import lexicon

    lex = lexicon()
    words = {w for phrase in lex.phrases for w in phrase}
    for name, _parent in lex.terms.values():
        words.update(_LEX_WORD.findall(fold(name)))
    for label in lex.playbook_labels.values():
        words.update(_LEX_WORD.findall(fold(label)))
    return words


@cache
def _first_names() -> frozenset[str]:
    data = _rules_data()
    return frozenset(_read_list(data["first_names"]))


@cache
def _last_names() -> frozenset[str]:
    data = _rules_data()
    return frozenset(_read_list(data["last_names"]))


@cache
def _imaging_words() -> frozenset[str]:
    """The words labels and codes are written in: ``imaging_wordlists`` and the lexicon."""
    lists = [_read_list(relative) for relative in _rules_data().get("imaging_wordlists") or ()]
    return frozenset(chain.from_iterable(lists)) | frozenset(_lexicon_words())


def is_imaging_word(token: str) -> bool:
    """Whether the folded ``token`` is a word of the imaging vocabulary (``imaging_wordlists``,
    the lexicon): what labels and codes are written in."""
    return token in _imaging_words()


def is_word(token: str) -> bool:
    """Whether the folded ``token`` is in the word lists (vocabulary, not a name by itself)."""
    return token in _words()


@cache
def _script_only_words() -> frozenset[str]:
    """The words of clinical-words-scripts.yaml that no other list holds."""
    return _script_words() - _latin_clinical_words() - _list_words() - frozenset(_lexicon_words())


def is_code_word(token: str) -> bool:
    """Whether the folded ``token`` is vocabulary that codes and labels are written in: :func:`is_word`
    but for the words only the other scripts' free-text lists hold (clinical-words-scripts.yaml).  A
    Vietnamese syllable there ('kim', needle) is a common name part: 'KIM_PR' for Kim^Minjun must still
    empty a code (red team 17: it stayed once 'kim' was listed)."""
    return token in _words() and token not in _script_only_words()


def load() -> None:
    """Load every list now (worker start-up), not on the first text."""
    rules()
    _free_text_class()
    _clean_tags()
    _words()
    _first_names()
    _last_names()
    _imaging_words()  # the name and place rules ask for them on the first text (red team 13)
    _clinical_words()
    _script_only_words()  # codes and kept values ask for it (is_code_word)
    _affix_rules()
    _segmenter()


@lru_cache(maxsize=1 << 16)
def is_safe(token: str, last: bool = False) -> bool:
    """Whether the folded ``token`` is a known safe word (``last``: the text's last word,
    where the normalizer also reads truncations such as ``CONTRA``)."""
    r = rules()
    if token in _words() or r.safe.fullmatch(token) or token in r.titles or token in r.roles or token in r.weak:
        return True
    if not _LEX_WORD.fullmatch(token):
        return _affixed_safe(token)
    from curator.normalize.engine import token_meaning
    from curator.normalize.lexicon import is_numeric, lexicon

    if is_numeric(token):
        return True
    found = token_meaning(lexicon(), token)
    if not found:  # an inflected form; never one of the name lists' names ("Kaya", "Demir")
        return token not in _first_names() and token not in _last_names() and _affixed_safe(token)
    return last or all(quality != "prefix" for _, quality in found)


_CAMEL = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+")


def _glued_safe(word: str) -> bool:
    """Whether a word glued from safe words in CamelCase ("SpinalCord", "LungLeft") is safe."""
    pieces = _CAMEL.findall(word)
    if len(pieces) < 2 or "".join(pieces) != word or word.isupper():
        return False
    return all(piece.isalpha() and len(piece) > 2 and is_safe(fold(piece)) for piece in pieces)


@cache
def _standard_meanings() -> frozenset[str]:
    from pydicom.sr.codedict import CONCEPTS  # loaded only when a code meaning needs it

    # {scheme: {keyword: {code: (meaning, CIDs)}}} (pydicom.sr.codedict, public)
    return frozenset(m for scheme in CONCEPTS.values() for kw in scheme.values() for m, _ in kw.values())  # type: ignore[attr-defined]  # pydicom's ConceptsType is one level short of the table


def is_standard_meaning(tag: int, text: str) -> bool:
    """Whether ``text`` in ``tag`` is exactly a code meaning of a standard coding scheme."""
    return tag == _CODE_MEANING and text.strip() in _standard_meanings()


_TEXT_VRS = frozenset({"LO", "SH", "UC", "ST", "LT", "UT"})


@lru_cache(maxsize=1 << 12)
def is_free_text(tag: int) -> bool:
    """Whether the allowlist applies to the attribute ``tag``: the attributes listed in
    ``mappings/freetext/rules.yaml``, and by class every public text attribute that PS3.15
    says to clean, whose VR is free text, or whose keyword names a comment, note or reason
    (the rules file's ``not_free_text`` excepted)."""
    if tag in rules().tags:
        return True
    if tag >> 16 & 1 or tag in _free_text_class()[2]:
        return False
    vrs, endings, _ = _free_text_class()
    try:
        vr, _vm, _name, _retired, keyword = DicomDictionary[tag]
    except KeyError:
        return False
    if vr not in _TEXT_VRS:
        return False
    return vr in vrs or keyword.endswith(endings) or tag in _clean_tags()


def free_text_endings() -> tuple[str, ...]:
    """The keyword endings that make an attribute free text (Comments, Description, Notes...)."""
    return _free_text_class()[1]


def private_text_kept(text: str) -> bool:
    """Whether safe private free text (a "Study Comments" of the knowledge base) may be kept
    whole: the allowlist keeps every word of it."""
    return allowlist(text)[1] == 0


@cache
def _free_text_class() -> tuple[frozenset[str], tuple[str, ...], frozenset[int]]:
    data = _rules_data()
    return (frozenset(data["free_text_vrs"]), tuple(data["free_text_keyword_endings"]),
            keyword_tags(data["not_free_text"], "mappings/freetext/rules.yaml"))


@cache
def _clean_tags() -> frozenset[int]:
    """The attributes PS3.15 Table E.1-1 marks C (clean) in any column."""
    from curator.deid.table import rows  # the table is the de-identification's data

    out = set()
    for row in rows():
        if row.basic == "C" or any(action == "C" for _, action in row.options):
            match = re.fullmatch(r"\(([0-9A-F]{4}),([0-9A-F]{4})\)", row.key)
            if match:
                out.add(int(match.group(1) + match.group(2), 16))
    return frozenset(out)


def _capitalised(word: str) -> bool:
    return word[:1].isupper() and not word.isupper() or (len(word) == 1 and word.isupper())


def _code_like(word: str) -> bool:
    """Letters and digits in one word (an operator or technologist code such as JS4521)."""
    return any(c.isdigit() for c in word) and any(c.isalpha() for c in word)


def _name_words(spans: list[tuple[int, int, str, str]], text: str, upper: bool, titled: bool = False) -> set[int]:
    """Indexes of the words that a person-name pattern covers; ``titled``: only those after a
    title or a role (no first-name or weak-trigger pattern: "Philips Medical Systems" stays)."""
    r = rules()
    first, last = _first_names(), _last_names()
    drop: set[int] = set()
    n = len(spans)
    # the text is two words and numbers only: a name alone, as labels write it ("Carl Zeiss Meditec" is more)
    alone = sum(not s[2].isdigit() for s in spans) == 2

    def joined(i: int) -> bool:
        """Words i and i + 1 belong to one name: only spaces, hyphens or apostrophes between,
        or a dot after a title or an initial ("Dr. Nowak", "J. Nowak"), not a sentence end."""
        if i + 1 >= n:
            return False
        gap = text[spans[i][1]:spans[i + 1][0]]
        if _NAME_GAP.fullmatch(gap) is None:
            return False
        return "." not in gap or spans[i][3] in r.titles or spans[i][3] in r.roles or len(spans[i][2]) == 1

    def namelike(j: int) -> bool:
        original, folded = spans[j][2], spans[j][3]
        if upper:
            return folded in first or folded in last or not is_safe(folded)
        # In mixed-case text also a code ("tech JS4521") or an unknown word in capitals
        # ("nurse KOWALSKI"): the role makes it a person even when a site repeats it.
        return _capitalised(original) or (_code_like(original) or original.isupper()) and not is_safe(folded)

    def is_title(i: int) -> bool:
        original, folded = spans[i][2], spans[i][3]
        if folded not in r.titles:
            return False
        if folded in r.examination and original.isupper() and i + 1 < len(spans):
            nxt = spans[i + 1][3]
            if is_imaging_word(nxt) and nxt not in _first_names() and nxt not in _last_names():
                return False
        if folded not in r.ambiguous or not original.isupper():
            return True
        after = text[spans[i][1]:spans[i][1] + 1]
        return after == "." or (i > 0 and spans[i - 1][3] in r.context)

    for i, (_, _, original, folded) in enumerate(spans):
        if is_title(i) or folded in r.roles:
            j = i
            taken = 0
            while joined(j) and taken < r.max_name_words:
                j += 1
                if is_title(j) or spans[j][3] in r.roles:
                    continue
                if taken == 0 and is_title(i) or namelike(j):
                    drop.add(j)
                    taken += 1
                else:
                    break
        elif titled:  # a label that is a first and a last name written as a name ("FRANK CHURCH"): red team 13
            if alone and folded in first and joined(i) and spans[i + 1][3] in last and _written_as_name(spans, text, i, True):
                drop.update((i, i + 1))
            continue
        elif folded in r.weak and joined(i):
            j = i  # the first and last names after "by", "per"... ("seen by Will Brown")
            while joined(j) and j - i < r.max_name_words:
                nxt_original, nxt = spans[j + 1][2], spans[j + 1][3]
                if not ((nxt in first or nxt in last) and (upper or _capitalised(nxt_original))):
                    break
                j += 1
                drop.add(j)
        elif folded in first and joined(i):
            nxt_original, nxt = spans[i + 1][2], spans[i + 1][3]
            if is_safe(folded):  # a word that is also a first name ("Will", "Patient"): only before a last name
                pair = nxt in last and not is_safe(nxt) and (upper or _capitalised(original) and _capitalised(nxt_original))
                # ... or before a last name that is a word too, both written as a name in mixed-case
                # text ("FRANK CHURCH called", "with Grace Hill"), neither an imaging word (red team 13)
                # (a text that is only such a name, "FRANK CHURCH", "Frank Church 2", in any case)
                pair = pair or nxt in last and (alone or not upper) and _written_as_name(spans, text, i, alone)
            elif upper:
                pair = nxt in last or not is_safe(nxt)
            else:  # ... or both in capitals ("sent to GRACE HILL"): red team 13
                pair = (_capitalised(original) and _capitalised(nxt_original)
                        or nxt in last and _written_as_name(spans, text, i, alone))
            if pair:
                drop.update((i, i + 1))
    return drop


@cache
def _folded_birth() -> frozenset[str]:
    return frozenset(fold(word) for word in rules().birth)


@cache
def _folded_before_name() -> frozenset[str]:
    return frozenset(fold(word) for word in rules().before_name)


def _place_words(spans: list[tuple[int, int, str, str]], text: str, upper: bool) -> set[int]:
    """Indexes of the words of place names in a clause about where a person lives ("lives on Maple
    Avenue in Springfield near Lake Oswego"): after a residence word, up to the end of the clause,
    the capitalised words after each place preposition, whatever the word lists say (a town of
    dictionary words; red team 13); in text written in capitals, where capitals tell no name from a
    word, the words there that are no clinical word nor a kind of dwelling ("LIVES IN LAKE OSWEGO"
    goes, "LIVES AT HOME" stays: ``places.not_places``; red team 14), also when only that clause is
    in capitals.  A month is no place ("in March")."""
    r = rules()
    words = {span[3] for span in spans}
    n = len(spans)
    kinds = [i for i in range(n - 1) if spans[i][3] in _folded_before_name()
             and unicodedata.normalize("NFC", spans[i][2]).casefold() in r.before_name]  # with its diacritics: "XA Aorta" stays
    # a birthplace as a residence ("né le 21/09/1967 à Créteil", "born in Enugu"; red team 17b), "né" with its accent
    clauses = [i for i, span in enumerate(spans) if span[3] in r.residence or span[3] in _folded_birth()
               and unicodedata.normalize("NFC", span[2]).casefold() in r.birth]
    # a capital city, capitalised, wherever it stands ("Adresa: Vinohradská 15, Praha 2"; red team 17b)
    cities = {i for i, span in enumerate(spans) if span[3] in r.capitals and span[2][:1].isupper()
              and span[3] not in _clinical_words()}
    if not clauses and not cities and (upper or r.place_anywhere.isdisjoint(words) and not kinds):
        return set()
    drop: set[int] = set(cities)
    months = scrub_rules().months

    def place(j: int, capitals: bool) -> bool:
        original, folded = spans[j][2], spans[j][3]
        if folded in months or folded in r.days:
            return False
        if capitals:  # ("NEW HAVEN", "BATH" are imaging words too: not asked here)
            return (original.isalpha() and folded not in r.not_places and folded not in r.place_prepositions
                    and folded not in _clinical_words())
        return _capitalised(original) and not original.isupper()

    for i in clauses:
        end = next((j for j in range(i + 1, n) if _CLAUSE_END.search(text[spans[j - 1][1]:spans[j][0]])), n)
        # a clause in capitals inside mixed-case text is read as capitals ("... PT LIVES IN LAKE OSWEGO.")
        capitals = upper or not any(c.islower() for c in text[spans[i][0]:spans[end - 1][1]])
        numbers: set[int] = set()  # a house number right after a preposition: the place goes on after it
        for j in range(i + 1, end):
            gap = text[spans[j - 1][1]:spans[j][0]]
            # in capitals a place goes on only through words joined to it ("LIVES IN NEW YORK, CT CHEST");
            # in mixed case also past a comma and a house number ("Lives at 12 Rue Haute, Lyon": red team 14)
            after_place = (j - 1 in drop or j - 1 in numbers) and (not capitals or _NAME_GAP.fullmatch(gap) is not None)
            if spans[j][2].isdigit() and spans[j - 1][3] in r.place_prepositions:
                numbers.add(j)
            elif (spans[j - 1][3] in r.place_prepositions or after_place) and place(j, capitals):
                drop.add(j)
    if upper:
        return drop
    # after a kind of place ("quận Hai Bà Trưng", "ул. Ленина"): the capitalised words joined to it, whatever they are
    for i in kinds:
        j = i + 1
        while (j < n and j - i <= r.max_name_words and place(j, False)
               and _NAME_GAP.fullmatch(text[spans[j - 1][1]:spans[j][0]])):
            drop.add(j)
            j += 1
    # anywhere: a capitalised word that is no imaging word after "at", "near"... and the capitalised
    # words joined to it ("Teacher at Oswego High", "seen at Grace Hill": red team 13)
    for i in (i for i, span in enumerate(spans[:-1]) if span[3] in r.place_anywhere):
        j = i + 1
        while (j < n and j - i <= r.max_name_words and place(j, False)
               and not is_imaging_word(spans[j][3]) and spans[j][3] not in _clinical_words()
               and _NAME_GAP.fullmatch(text[spans[j - 1][1]:spans[j][0]])):
            drop.add(j)
            j += 1
    return drop


_CLAUSE_END = re.compile(r"[.;!?\n]")


def _spans(text: str) -> list[tuple[int, int, str, str]]:
    """The words of ``text`` (start, end, as written, folded), a word holding Chinese, Japanese
    or Thai cut into its pieces (:func:`_segments`)."""
    unspaced = _segmenter().unspaced
    if not unspaced.search(text):
        return [(m.start(), m.end(), m.group(), fold(m.group())) for m in _WORD.finditer(text)]
    out = []
    for m in _WORD.finditer(text):
        if not unspaced.search(m.group()):
            out.append((m.start(), m.end(), m.group(), fold(m.group())))
            continue
        for a, b in _segments(m.start(), m.group()):
            out.append((a, b, text[a:b], fold(text[a:b])))
    return out


@cache
def _name_marks() -> tuple[frozenset[str], frozenset[str]]:
    """``names.marked_family_names`` and ``names.marked_middle_names`` of the rules file, as written
    (NFC, case folded), those only whose diacritics tell them from a word ("Lê", not "Phan")."""
    data = _rules_data()["names"]

    def marked(key: str) -> frozenset[str]:
        written = (unicodedata.normalize("NFC", str(w)).casefold() for w in data[key])
        return frozenset(w for w in written if fold(w) != w)

    return marked("marked_family_names"), marked("marked_middle_names")


def _marked_names(spans: list[tuple[int, int, str, str]], text: str) -> set[int]:
    """Indexes of the words of a name that a family or middle name written with its diacritics
    marks ("Lê Văn Long", "Trần Thị Mai Lan": every syllable a word of some word list once folded;
    red team 14): the marked word written capitalised, the capitalised words joined after it (and,
    for a middle name, the one before it)."""
    families, middles = _name_marks()
    marks = families | middles
    drop: set[int] = set()
    n = len(spans)
    for i, (_, _, original, _) in enumerate(spans):
        written = unicodedata.normalize("NFC", original).casefold()
        if not (_capitalised(original) or original.isupper()) or written not in marks:
            continue
        run = [i]
        if written in middles and i > 0 and _joined_capital(spans, text, i - 1):
            run.append(i - 1)
        j = i
        while j + 1 < n and j - i < rules().max_name_words and _joined_capital(spans, text, j):
            j += 1
            run.append(j)
        if len(run) > 1:
            drop.update(run)
    return drop


def _joined_capital(spans: list[tuple[int, int, str, str]], text: str, i: int) -> bool:
    """Words i and i + 1 are joined (a space or hyphen between) and both written capitalised."""
    gap = text[spans[i][1]:spans[i + 1][0]]
    return (_NAME_GAP.fullmatch(gap) is not None and "." not in gap
            and all(_capitalised(spans[k][2]) or spans[k][2].isupper() for k in (i, i + 1)))


def _written_as_name(spans: list[tuple[int, int, str, str]], text: str, i: int, label: bool = False) -> bool:
    """Words i and i + 1 of mixed-case text are written as a person's name: both in capitals
    (two letters or more), or both capitalised and not at the start of a sentence (in a
    ``label``: anywhere); and neither is an imaging word ("FRANK BLOOD", "Grace Hill" at a
    sentence start stay)."""
    (start, _, first, folded), (_, _, second, nxt) = spans[i], spans[i + 1]
    if is_imaging_word(folded) or is_imaging_word(nxt):
        return False
    if first.isupper() and second.isupper():
        return len(first) > 1 and len(second) > 1 and first.isalpha() and second.isalpha()
    return (_capitalised(first) and _capitalised(second)
            and (label or i > 0 and not _SENTENCE_END.search(text[:start])))


def _name_word_forms(spans: list[tuple[int, int, str, str]], text: str, upper: bool, values: frozenset[str]) -> set[int]:
    """Indexes of the words that are a form of the patient's given names and an ordinary word
    ("Rob" for Robert, "Joke" for Johanna: :func:`curator.deid.scrub.name_word_forms`), written
    as a name: capitalised, in mixed-case text, not the first word of a sentence (red team 9)."""
    forms = name_word_forms(values) if values and not upper else frozenset()
    if not forms:
        return set()
    return {i for i, (start, _, original, folded) in enumerate(spans)
            if folded in forms and _capitalised(original) and len(original) > 1
            and i > 0 and not _SENTENCE_END.search(text[:start])}


_SENTENCE_END = re.compile(r"[.!?:;\n]\s*$")


def has_name(text: str, titled: bool = False) -> bool:
    """Whether ``text`` holds a person-name pattern (a title or role and a name...), for
    technical text kept whole or not at all (safe private elements); ``titled``: a name after
    a title or a role only (labels and device strings, where a first name before a capitalised
    word is a maker or a coil: "Philips Medical Systems", "Atlas Head/Neck")."""
    spans = _spans(text)
    if not spans:
        return False
    letters = [c for c in text if c.isalpha()]
    upper = bool(letters) and all(not c.islower() for c in letters)
    return bool(_name_words(spans, text, upper, titled))


def code_has_name(value: str) -> bool:
    """Whether a code string (CS: words joined by underscores) names a person after a title or role
    ("PROF_NGUYEN", "NURSE_KOWALSKI", "TECH_JS4521"), or after a title that is also a clinical
    abbreviation when the next word is a first or last name of the lists and no safe or imaging word
    ("DR_TSANG_ROI"; "DR_CHEST", "MR_HEAD_T1" stay): red team 14."""
    text = value.replace("_", " ")
    if has_name(text, titled=True):
        return True
    r = rules()
    words = [fold(w) for w in _WORD.findall(text)]
    return any(word in r.ambiguous and nxt.isalpha() and len(nxt) > 2 and (nxt in _last_names() or nxt in _first_names())
               and not is_safe(nxt) and not is_imaging_word(nxt) for word, nxt in zip(words, words[1:]))


_NAME_JOINERS = re.compile(r"[\^=\s]*")  # between two parts of a name: "ZZDOE^Jane", "=山田^太郎"


def _rebuild(text: str, spans: list[tuple[int, int, str, str]], drop: list[bool], placeholder: str,
             vanish: set[int]) -> str:
    pieces: list[str] = []
    last = 0
    previous_dropped = False
    for i, ((start, end, _, _), gone) in enumerate(zip(spans, drop)):
        between = _after_name(text[last:start], i - 1 in vanish)
        if i in vanish:  # a known identifier: removed without a trace (as curator.deid.scrub does)
            # with the separators of a name in person-name form ("ZZDOE^Jane": no "^" left)
            pieces.append("" if i - 1 in vanish and _NAME_JOINERS.fullmatch(between) else between.rstrip("^="))
            pieces.append(" ")
            last = end
            continue
        if gone:
            if previous_dropped and not between.strip(" -_.,;:/'"):
                last = end  # one placeholder for a run of removed words
                continue
            pieces.append(between)
            pieces.append(placeholder)
            last = end
            previous_dropped = True
        else:
            pieces.append(between)
            pieces.append(text[start:end])
            last = end
            previous_dropped = False
    pieces.append(_after_name(text[last:], len(spans) - 1 in vanish))
    return "".join(pieces)


def _after_name(between: str, after_vanished: bool) -> str:
    """The text between two words, without the person-name separators that followed a removed name."""
    return between.lstrip("^=") if after_vanished else between


_HYPHENS = frozenset("-\u2010\u2011")


def _hyphenated_value(spans: list[tuple[int, int, str, str]], text: str, values: frozenset[str]) -> set[int]:
    """Two words joined by a hyphen that together are a word of the patient's values ("Ji-young"
    for the given name Jiyoung or 지영, "Wai-man" for Waiman): the second, a dictionary word, stayed
    once the first went as unknown (red team 15)."""
    out: set[int] = set()
    for i in range(len(spans) - 1):
        if text[spans[i][1]:spans[i + 1][0]] in _HYPHENS and is_identifier_word(spans[i][3] + spans[i + 1][3], values):
            out.update((i, i + 1))
    return out


def allowlist(text: str, conventions: frozenset[str] = frozenset(),
              values: frozenset[str] = frozenset()) -> tuple[str, int]:
    """``text`` with person-name patterns and unknown words replaced by the placeholder
    (the patient's identifier ``values`` removed without one); and how many words went."""
    spans = _spans(text)
    if not spans:
        return text, 0
    vanish = {i for i, s in enumerate(spans) if is_identifier_word(s[3], values)} if values else set()
    if values:
        vanish |= _hyphenated_value(spans, text, values)
    if vanish:  # a particle between two words of the name: "Tran Van Hung" left "Van" (red team 14 left it)
        particles = scrub_rules().particles
        vanish |= {i for i in range(1, len(spans) - 1) if i - 1 in vanish and i + 1 in vanish and spans[i][3] in particles}
    if vanish:  # the patient's initials next to the name: "Raghunathan P", "P. Raghunathan" (red team 11)
        vanish |= initials_of_name(text, [(s[0], s[1]) for s in spans], vanish, values)
    letters = [c for c in text if c.isalpha()]
    upper = bool(letters) and all(not c.islower() for c in letters)
    names = _name_words(spans, text, upper) | _name_word_forms(spans, text, upper, values)
    names |= _place_words(spans, text, upper) | _marked_names(spans, text)
    n = len(spans)
    drop = [
        i in names or not (s[3] in conventions or is_safe(s[3], last=i == n - 1) or _glued_safe(s[2]))
        for i, s in enumerate(spans)
    ]
    if not any(drop):
        return text, 0
    return _rebuild(text, spans, drop, rules().placeholder, vanish), sum(drop)


@lru_cache(maxsize=1 << 14)
def clean(text: str | None, values: frozenset[str] = frozenset(), conventions: frozenset[str] = frozenset()) -> str | None:
    """Free ``text`` cleaned: identifiers, name patterns and every unknown word removed."""
    if text is None:
        return None
    # Names are found in the text as written (a removed identifier would leave "Dr" next
    # to the following word); identifier values and patterns go after.
    # Date, phone and e-mail patterns go first: removing a known part ("1234" of a phone,
    # the user name of an e-mail) would leave a remainder the patterns no longer match.
    cleaned, _ = allowlist(scrub_patterns(str(text)), conventions, values)
    return scrub_text(cleaned, values) or ""


def clean_kept(text: str | None, values: frozenset[str] = frozenset()) -> str | None:
    """Kept text that is not free text (device strings): identifier values and their parts go."""
    if text is None:
        return None
    return scrub_values(str(text), values)


def allowlisted_path(path: str | None) -> str | None:
    """A (scrubbed) source path as a release shows it: every word that is not a known safe
    word (:func:`is_safe`: the word lists, numbers of up to 4 digits...) becomes ``~``.  A
    folder named after a person whom no readable header names ("BRZOZOWSKA_EWELINA/scan.dcm",
    a truncated file) cannot be scrubbed by the header's values; in a release it goes whole."""
    if not path:
        return path
    return _WORD.sub(lambda m: m.group() if _safe_path_word(fold(m.group())) else "~", path)


# A counter in a file or folder name: a safe word or up to 3 letters, then up to 6 digits
# ("study01", "series002", "IM000001", "ST000001"); longer numbers may be IDs, and so are the
# digits after an identifier word ("MRN123", "pid7", "acc0042": `pattern_words: id_words` of
# mappings/identifiers.yaml).
_COUNTER = re.compile(r"([^\W\d_]*)(\d{1,6})")


@cache
def _id_words() -> frozenset[str]:
    data = load_yaml(mappings_dir() / "identifiers.yaml")
    return frozenset(fold(str(w)) for w in (data.get("pattern_words") or {}).get("id_words") or ())


def _safe_path_word(folded: str) -> bool:
    if is_safe(folded):
        return True
    counter = _COUNTER.fullmatch(folded)
    if counter is None or counter.group(1) in _id_words():
        return False
    return len(counter.group(1)) <= 3 or is_safe(counter.group(1))


def safe_words(text: str | None) -> tuple[list[str], int]:
    """The safe (allowlisted) folded words of ``text`` and the count of the others, for
    reports that list words (never the unsafe words themselves)."""
    shown: list[str] = []
    text = text or ""
    hidden = text.count(rules().placeholder)
    for word in _WORD.findall(text.replace(rules().placeholder, " ")):
        folded = fold(word)
        if is_safe(folded):
            shown.append(folded)
        else:
            hidden += 1
    return shown, hidden


class ConventionCounter:
    """Counts, per attribute and folded word, the distinct patients and sites whose text
    holds it (capped at what the rule needs, so memory follows the vocabulary, not the
    archive).  Texts should already be free of the patient's identifier values."""

    def __init__(self) -> None:
        r = rules()
        self._need = (r.min_patients, r.min_sites)
        self._patients: dict[tuple[int | str, str], set[str]] = defaultdict(set)
        self._sites: dict[tuple[int | str, str], set[str]] = defaultdict(set)

    def add(self, attribute: int | str, patient: str, site: str | None, text: str | None) -> None:
        need_patients, need_sites = self._need
        for word in {fold(w) for w in _WORD.findall(text or "")}:
            key = (attribute, word)
            who = self._patients[key]
            if len(who) < need_patients:
                who.add(patient)
            where = self._sites[key]
            if site and len(where) < need_sites:
                where.add(site)

    def result(self) -> dict[int | str, frozenset[str]]:
        """Attribute -> the words that are site conventions (never a first or last name)."""
        need_patients, need_sites = self._need
        first, last = _first_names(), _last_names()
        out: dict[int | str, set[str]] = defaultdict(set)
        for key, who in self._patients.items():
            attribute, word = key
            if len(who) >= need_patients and len(self._sites[key]) >= need_sites and word not in first and word not in last:
                out[attribute].add(word)
        return {k: frozenset(v) for k, v in sorted(out.items(), key=lambda kv: str(kv[0]))}


def conventions(rows: Iterable[tuple[str, str, str | None, str | None]]) -> dict[str, frozenset[str]]:
    """Site conventions per attribute: the folded words seen in one attribute for at least
    ``convention.patients`` distinct patients of at least ``convention.sites`` sites, first
    and last names excepted (a person working at two sites is no convention).

    ``rows``: ``(attribute, patient key, site, text)``; texts should already be free of the
    patient's identifier values (:func:`curator.deid.scrub.scrub_text`)."""
    counter = ConventionCounter()
    for attribute, patient, site, text in rows:
        counter.add(attribute, patient, site, text)
    return counter.result()  # type: ignore[return-value]
