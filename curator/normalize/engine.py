"""Normalization of one series (description text + header evidence) to RadLex codes.

Principle: never guess.  A value is given only when the description names it (in one of
the supported languages, a vendor abbreviation, or an unambiguous truncation) or a header
attribute states it; where the two disagree the attribute is a *conflict* and stays null
(except Modality, which the device sets: the header value is kept and the conflict listed).
"""
from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from curator.common.fold import repair_mojibake
from curator.normalize.lexicon import WEAK, ContextRules, Entry, Lexicon, fold, header_key, is_numeric, lexicon, tokens
from curator.normalize.sequence import weighting_from_header

# Confidence of a value by where it comes from (see docs/normalization.md, "Confidence").
CONF = {
    "exact": 0.95,       # the series text names the value outright
    "compound": 0.9,     # glued words split into two known words ("AXT1", "T1FS")
    "prefix": 0.75,      # a truncated word with one meaning only ("ABDOM"): below the threshold,
                         # a cut word may be a whole word of another language ("back", "calc")
    "implied": 0.85,     # a vendor word implies it (TSE -> MR, B30f -> CT, FDG -> PET)
    "weak": 0.75,        # the practice of the exam suggests it (a head kernel -> head): below
                         # the threshold, only when nothing names it
    "protocol": 0.9,     # ProtocolName instead of SeriesDescription (factor)
    "study": 0.75,       # StudyDescription used for a series attribute (below the threshold)
    "header_modality": 0.99,
    "header_body": 0.8,  # BodyPartExamined is often left at a default by the device
    "header_contrast": 0.85,
    "header_plane": 0.97,
    "header_plane_weak": 0.85,
    "header_laterality": 0.95,
    "header_weighting": 0.8,
    "header_implied": 0.85,
    "agree_bonus": 0.03,
    "conflict_modality": 0.9,
    "uncertain_region": 0.75,  # regions of a composite act, a fetus's organs or a structure that code
                               # lists file under different regions: below the threshold
}
CONFIDENT = 0.8   # the threshold of a "confident" answer (benchmarks/normalize.py)

MR = "RID10312"
WITH, WITHOUT, WITH_WITHOUT = "RID28769", "RID28768", "RID28771"
T1, T2, PD, T2STAR, FLAIR, DWI, STIR = "RID10794", "RID10795", "RID10792", "RID10796", "RID35806", "RID10799", "RID28699"
AXIAL, CORONAL, SAGITTAL, OBLIQUE = "RID10579", "RID10570", "RID10574", "RID10573"
_PUNCT = frozenset({"+", "*", "-"})


@dataclass(frozen=True)
class Hit:
    attribute: str
    codes: tuple[str, ...]
    quality: str  # exact | compound | prefix | implied | weak (below the threshold)


@dataclass(frozen=True)
class TextAnalysis:
    """What one free-text description says (no header involved)."""

    hits: tuple[Hit, ...]
    excluded: str | None
    unmapped: tuple[str, ...]
    recognised: int

    def values(self, attribute: str) -> list[Hit]:
        return [h for h in self.hits if h.attribute == attribute]


def _record(entry: Entry, quality: str, excluded: list[str], unmapped: list[str], word: str) -> list[Hit]:
    """The hits one recognised entry gives (exclusions and ambiguous words are noted aside)."""
    out: list[Hit] = []
    if entry.kind == "value":
        out.append(Hit(entry.attribute, entry.codes, quality))
        out.extend(Hit(attr, (code,), "implied") for attr, code in entry.implies)
    elif entry.kind == "implied":
        weak = entry.attribute == WEAK or entry.attribute.startswith(WEAK + ":")
        only = entry.attribute.partition(":")[2].split(",") if ":" in entry.attribute else None
        out.extend(Hit(attr, (code,), "weak" if weak and (only is None or attr in only) else "implied") for attr, code in entry.implies)
    elif entry.kind == "exclude":
        excluded.append(entry.attribute)
    elif entry.kind == "t1ctx":
        out.append(Hit("t1ctx:" + entry.attribute, entry.codes, "implied"))
    elif entry.kind == "flag":
        out.append(Hit("flag:" + entry.attribute, (), quality))
        out.extend(Hit(attr, (code,), "implied") for attr, code in entry.implies)
    elif entry.kind == "ambiguous":
        unmapped.append(word)
    return out


def _same(entries: list[Entry]) -> Entry | None:
    """The one meaning shared by all completions of a truncated word, or None.

    Completions naming the same attribute with overlapping codes share their intersection
    ("ABDOM" -> abdomen, abdominal, abdominopelvic: all name the abdomen)."""
    if not entries:
        return None
    if all(e.key == entries[0].key for e in entries):
        return entries[0]
    first = entries[0]
    if all(e.kind == "value" and e.attribute == first.attribute and not e.implies for e in entries):
        common = set(first.codes)
        for e in entries[1:]:
            common &= set(e.codes)
        if common:
            return Entry("value", first.attribute, tuple(c for c in first.codes if c in common))
    if all(e.kind == "implied" and not e.needs for e in entries):
        # completions implying overlapping facts share those ("CYSTO" -> cystography: the bladder,
        # cystoscintigraphy: nuclear medicine and the bladder; both: the bladder)
        shared = set(first.implies)
        for e in entries[1:]:
            shared &= set(e.implies)
        if shared:
            return Entry("implied", "", (), tuple(pair for pair in first.implies if pair in shared))
    return None


def token_meaning(lex: Lexicon, tok: str) -> list[tuple[Entry, str]] | None:
    """Meaning of one token that is not a phrase: kernel, value pattern (b-value), glued words,
    truncation."""
    for pattern in lex.kernel_patterns:
        if pattern.match(tok):
            regions = [(entry, "implied") for region, entry in lex.kernel_regions if region.match(tok)]
            return [(Entry("implied", "", (), (("modality", "RID10321"),)), "implied"), *regions]
    region = _region_prefix(lex, tok) if tok.isalpha() else None
    for pattern, named in lex.value_patterns:
        if pattern.match(tok):
            return [(named, "exact")] + ([(region[0], "compound")] if region is not None and named.attribute == "modality" else [])
    half = _half_of(lex, tok) or _inflected(lex, tok)
    if half is not None:
        return [(half, "compound")]
    if region is not None:
        head, rest = region
        return [(head, "compound")] + ([(rest, "compound")] if rest is not None and rest.kind in ("value", "implied") else [])
    tail = _exam_tail(lex, tok) if tok.isalpha() else None
    if tail is not None:
        return [(tail, "compound")]
    if len(tok) >= 4:
        # glued words: "axt1", "t1fs", "thoraxabdomen" (both parts known, one split only)
        found = []
        for k in range(2, len(tok) - 1):
            a, b = lex.phrases.get((tok[:k],)), lex.phrases.get((tok[k:],))
            if min(k, len(tok) - k) < 3 and not any(ch.isdigit() for ch in tok) and not (
                    a and b and a.kind == b.kind == "value" and (a if k < 3 else b).attribute == "laterality" and max(k, len(tok) - k) >= 4):
                # a two-letter piece only beside a number ("axt1") or as a glued side ("wristlt"):
                # "port" is no "po" + "rt", "calcaneous" no "calcaneo" + "us"
                continue
            if a and b and a.kind != "ambiguous" and b.kind != "ambiguous" and "value" in (a.kind, b.kind) \
                    and _glued_language(lex, tok[:k]) and _glued_language(lex, tok[k:]):
                found.append((a, b))
        if len(found) == 1:
            return [(found[0][0], "compound"), (found[0][1], "compound")]
        if found:
            return None
        three = _three_parts(lex, tok)
        if three is not None:
            return [(entry, "compound") for entry in three]
    if len(tok) >= 4 and tok.isalpha() and not any(tok in words for words in lex.rules.whole_words.values()):
        # a whole word of a supported language is no truncation ("male" is not "maleolo")
        words = [w for w in lex.prefix_words(tok) if w != tok and _glued_language(lex, w)]
        # a truncation keeps at least half of the word ("none" is not "nonenhanced")
        if not words or 2 * len(tok) < min(len(w) for w in words):
            return None
        entry = _same([lex.phrases[(w,)] for w in words])
        if entry is not None and entry.kind != "ambiguous":
            return [(entry, "prefix")]
    return None


def _half_of(lex: Lexicon, tok: str) -> Entry | None:
    """A half-prefix glued to a body-region word names that region ("emimandibola", "hemipelvis",
    "hemimandible": vocabulary.yaml context ``half_prefixes``); the rest must be a region term of a
    language glued words are read in, of four letters or more."""
    for prefix in lex.rules.half_prefixes:
        rest = tok[len(prefix):]
        if tok.startswith(prefix) and len(rest) >= 4 and _glued_language(lex, rest):
            entry = lex.phrases.get((rest,))
            if entry is not None and entry.kind == "value" and entry.attribute == "body_region":
                return entry
    return None


def _inflected(lex: Lexicon, tok: str) -> Entry | None:
    """A body-region word of a language with a case ending of that language ("des Gehirns",
    "des Hüftgelenks", the Polish "lędźwiowego": vocabulary.yaml context ``inflections``, an ending
    dropped or replaced by the nominative's); the word so formed must be a term that language
    lists, its stem of four letters or more."""
    for lang, endings in lex.rules.inflections.items():
        for ending, replacement in endings:
            stem = tok[:-len(ending)]
            base = stem + replacement
            if tok.endswith(ending) and len(stem) >= 4 and lang in lex.phrase_languages.get((base,), ()):
                entry = lex.phrases.get((base,))
                if entry is not None and entry.kind == "value" and entry.attribute == "body_region":
                    return entry
    return None


def _known_rest(lex: Lexicon, rest: str) -> tuple[bool, Entry | None]:
    """Is the rest of a glued word a word of the lexicon (not an ambiguous one), a value pattern
    (a glued scintigraphy word), or a word ending in a known word of eight letters or more
    ("doppelkontrastuntersuchung")?  With its meaning when it has one."""
    entry = lex.phrases.get((rest,))
    if entry is not None:
        return entry.kind not in ("ambiguous", "exclude"), entry
    if any(pattern.match(rest) for pattern, _named in lex.value_patterns):
        return True, None
    return any(lex.phrases.get((rest[k:],)) is not None and lex.phrases[(rest[k:],)].kind in ("neutral", "value", "implied")
               for k in range(1, len(rest) - 7)), None


def _region_prefix(lex: Lexicon, tok: str) -> tuple[Entry, Entry | None] | None:
    """A glued word that begins with a body-region word (four letters or more, a term of a language
    glued words are read in) and goes on with a known exam word: "Nierenszintigraphie",
    "Dickdarmdoppelkontrastuntersuchung", "Harntraktkontrastuntersuchung" (round 19).  The longest
    such region word; the rest's own meaning (a modality, an implied region) with it."""
    if len(tok) < 10:
        return None
    for k in range(len(tok) - 5, 3, -1):
        head = tok[:k]
        entry = lex.phrases.get((head,))
        if entry is None or entry.kind != "value" or entry.attribute != "body_region" or not _glued_language(lex, head):
            continue
        known, rest = _known_rest(lex, tok[k:])
        if known:
            return entry, rest
    return None


def _exam_tail(lex: Lexicon, tok: str) -> Entry | None:
    """A glued word that ends in an exam word implying a region (nine letters or more) after a
    prefix of three or more ("Refluxzystographie", "ENTEROCOLPOCISTODEFECOGRAFIA"): that exam
    word's meaning; the longest such tail.  When the tail also ends a listed exam word of another
    organ ("cystografi" ends "dakryocystografi": *cysto* may be the end of *dacryocysto*,
    *cholecysto*), an unknown prefix may be part of that other organ's word ("kolecystografi",
    cholecystography): the tail's region is then given below the threshold, unless the prefix is
    a word of the lexicon ("reflux") or begins a listed word of the tail's own organ ("urethro" of
    "urethrocystography")."""
    for k in range(3, len(tok) - 8):
        tail = tok[k:]
        entry = lex.phrases.get((tail,))
        if entry is not None and entry.kind == "implied" and any(a == "body_region" for a, _c in entry.implies) \
                and _glued_language(lex, tail):
            if _tail_of_another_organ(lex, tail, entry) and not _known_prefix(lex, tok[:k], entry):
                return Entry("implied", WEAK, entry.codes, entry.implies, entry.needs)
            return entry
    return None


def _regions_implied(entry: Entry) -> frozenset[str]:
    return frozenset(c for a, c in entry.implies if a == "body_region")


@lru_cache(maxsize=1)
def _glued_index() -> tuple[tuple[tuple[str, Entry], ...], frozenset[str]]:
    """The one-word exam terms implying a region, and every word of the lexicon's phrases (three
    letters or more): what the glued-tail rule checks a prefix against."""
    lex = lexicon()
    exams = tuple((key[0], e) for key, e in lex.phrases.items()
                  if len(key) == 1 and e.kind == "implied" and _regions_implied(e))
    words = frozenset(w for key in lex.phrases for w in key if len(w) >= 3 and w.isalpha())
    return exams, words


def _tail_of_another_organ(lex: Lexicon, tail: str, entry: Entry) -> bool:
    """A listed one-word exam term of another organ ends with ``tail`` ("dakryocystografi" for
    "cystografi"); a region inside the tail's counts as the same ("echoencephalogram", the brain,
    for "cephalogram", the head)."""
    mine = _regions_implied(entry)
    held = mine | {a for r in mine for a in ancestors(lex, r)}
    exams, _words = _glued_index()
    return any(word != tail and word.endswith(tail) and not all(
        r in held or (ancestors(lex, r) & mine) for r in _regions_implied(other)) for word, other in exams)


def _known_prefix(lex: Lexicon, prefix: str, entry: Entry) -> bool:
    """A word of the lexicon ("reflux"), or the beginning of a longer listed exam term of the same
    region as the tail ("urethro" of "urethrocystography", "miktions" of
    "miktionszystourethrographie")."""
    exams, words = _glued_index()
    mine = _regions_implied(entry)
    return prefix in words or any(len(word) > len(prefix) and word.startswith(prefix) and _regions_implied(other) == mine
                                  for word, other in exams)


def _glued_language(lex: Lexicon, piece: str) -> bool:
    """A piece of a glued word is read only as a term of a language glued words are read in
    (vocabulary.yaml context ``glued_languages``): "bilateralmente" is no "bilateral" + the
    Lithuanian "mente" (scapula)."""
    langs = lex.phrase_languages.get((piece,))
    return not (lex.rules.glued_languages and langs and not langs & lex.rules.glued_languages)


def _three_parts(lex: Lexicon, tok: str) -> tuple[Entry, Entry, Entry] | None:
    """A glued sequence name of three known words with a number among them ("3dt1mdc" = 3d,
    t1, mdc; "axt1fs"): only when exactly one such cut exists, no part is ambiguous and one
    names a value."""
    if len(tok) < 6 or not any(ch.isdigit() for ch in tok) or not any(ch.isalpha() for ch in tok):
        return None
    found = []
    for k in range(2, len(tok) - 3):
        for j in range(k + 2, len(tok) - 1):
            parts = [lex.phrases.get((piece,)) for piece in (tok[:k], tok[k:j], tok[j:])]
            if all(e is not None and e.kind not in ("ambiguous", "exclude") for e in parts) and \
                    any(e.kind == "value" for e in parts if e is not None):
                found.append(tuple(e for e in parts if e is not None))
    return found[0] if len(found) == 1 and len(found[0]) == 3 else None


@dataclass
class _Found:
    """A hit with the token span that gave it (for the context rules)."""

    hit: Hit
    start: int
    end: int
    needs: str = ""


def _known_pairs(lex: Lexicon) -> frozenset[tuple[str, str]]:
    """Adjacent word pairs of the multi-word phrases ("with and" of "with and without contrast")."""
    return frozenset((a, b) for key in lex.phrases for a, b in zip(key, key[1:]) if len(a) >= 3 and len(b) >= 3)


def _split_glued(lex: Lexicon, toks: list[str]) -> tuple[list[str], set[int]]:
    """Glued words nothing else reads ("withand") split in two, where the two parts are
    neighbours in a phrase of the lexicon ("with and without contrast"); one split only."""
    known = _known_pairs_cached()
    out: list[str] = []
    split_at: set[int] = set()
    for tok in toks:
        if len(tok) >= 6 and tok.isalpha() and (tok,) not in lex.phrases and token_meaning(lex, tok) is None:
            cuts = [k for k in range(3, len(tok) - 2) if (tok[:k], tok[k:]) in known]
            if len(cuts) == 1:
                split_at.update((len(out), len(out) + 1))
                out += [tok[:cuts[0]], tok[cuts[0]:]]
                continue
        out.append(tok)
    return out, split_at


@lru_cache(maxsize=1)
def _known_pairs_cached() -> frozenset[tuple[str, str]]:
    return _known_pairs(lexicon())



def _best_phrase(lex: Lexicon, toks: list[str], i: int) -> tuple[int, Entry, str] | None:
    """Longest phrase at ``i``, or a phrase whose last word the description cut short."""
    n = len(toks)
    best: tuple[int, Entry, str] | None = None
    for length in range(min(lex.max_len, n - i), 0, -1):
        entry = lex.phrases.get(tuple(toks[i:i + length]))
        if entry is not None:
            best = (length, entry, "exact")
            break
    span = n - i
    if span >= 2 and (best is None or best[0] < span) and span <= lex.max_len and toks[-1].isalpha() and len(toks[-1]) >= 3:
        # the description was cut in the middle of its last word ("SIN CONTRA")
        cands = [e for last, e in lex.by_head.get(tuple(toks[i:n - 1]), ()) if last.startswith(toks[-1]) and last != toks[-1]]
        entry = _same(cands)
        if entry is not None:
            best = (span, entry, "prefix")
    return best


def sequence_words(lex: Lexicon, text: str) -> tuple[str, ...]:
    """The words of a description without its contrast words ("t1 space sag iso" for
    "t1_space_sag_iso+C" and for "t1_space_sag_iso")."""
    toks = tokens(repair_mojibake(text))
    out: list[str] = []
    i = 0
    while i < len(toks):
        best = _best_phrase(lex, toks, i)
        if best is not None:
            length, entry, _quality = best
            if entry.attribute == "contrast" or any(attribute == "contrast" for attribute, _code in entry.implies):
                i += length
                continue
        if toks[i] not in _PUNCT:
            out.append(toks[i])
        i += 1
    return tuple(out)


_LETTERS = re.compile(r"[^\W\d_]+")


def _split_case(lex: Lexicon, text: str) -> str:
    """A word whose leading capitals meet lower-case letters ("CTThorax", "RMcranio", "TCcranio")
    is two words when the case change falls where both parts are known words, one of them
    naming a value, and only one such cut exists: the change of case stands for the space."""
    def cut(match: re.Match[str]) -> str:
        word = match.group(0)
        caps = next((k for k, ch in enumerate(word) if not ch.isupper()), len(word))
        if caps < 2 or caps == len(word) or not word[caps].islower():
            return word
        cuts = [k for k in {caps - 1, caps} if k >= 2 and len(word) - k >= 3 and _both_known(lex, word[:k], word[k:])]
        return f"{word[:cuts[0]]} {word[cuts[0]:]}" if len(cuts) == 1 else word
    return _LETTERS.sub(cut, text)


_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")


def _split_camel(lex: Lexicon, text: str) -> str:
    """A protocol name written in camel case ("HeadAcute", "ColonPRONE", "ThorHR"): where a
    lower-case letter meets a capital, the change of case stands for a space when the piece
    before it (three letters or more) is a known word naming a value.  Only such pieces are cut
    off, so an unknown word keeps its capitals ("iDose", "PreMonitoring")."""
    def cut(match: re.Match[str]) -> str:
        pieces = _CAMEL.split(match.group(0))
        if len(pieces) < 2:
            return match.group(0)
        out, current = [], ""
        for piece in pieces[:-1]:
            current += piece
            entry = lex.phrases.get((fold(current),))
            if len(current) >= 3 and entry is not None and entry.kind == "value":
                out.append(current)
                current = ""
        # the last piece a known word that names or implies a value ("PercutaneoCholecystostomy",
        # a list whose export dropped a space): cut off too, the piece before it stays as it is
        last = lex.phrases.get((fold(pieces[-1]),))
        if current and len(pieces[-1]) >= 6 and last is not None and (last.kind == "value" or (last.kind == "implied" and last.implies)):
            out.append(current)
            current = ""
        rest = current + pieces[-1]
        # a piece of one or two letters cut off a known word ("PelvisDP", "LungHR") is a protocol
        # suffix, not a word of its own: it is not read
        out.append(rest if current or len(rest) > 2 or len(out) == 0 else "")
        return " ".join(out).strip()
    return _LETTERS.sub(cut, text)


def _both_known(lex: Lexicon, left: str, right: str) -> bool:
    a, b = lex.phrases.get((fold(left),)), lex.phrases.get((fold(right),))
    return bool(a and b and "ambiguous" not in (a.kind, b.kind) and "value" in (a.kind, b.kind))


def _join_numbers(lex: Lexicon, toks: list[str]) -> list[str]:
    """A value-pattern word written apart from its number ("sb 1000", "b=1000") is one token."""
    out: list[str] = []
    for tok in toks:
        if tok.isdigit() and out and out[-1] in lex.number_prefixes:
            out[-1] += tok
            continue
        out.append(tok)
    return out


def _level_lists(lex: Lexicon, text: str) -> str:
    """A list of spine levels names every level it lists: "XR C/T/L spine" is read as "XR
    cervical spine thoracic spine lumbar spine" (vocabulary.yaml ``spine_level_lists``); two
    neighbouring levels alone ("T/L spine") are left to the lexicon (their junction region)."""
    rules = lex.rules
    if rules.level_list is None:
        return text
    folded = fold(text)
    out, last = [], 0
    for match in rules.level_list.finditer(folded):
        listed = match.group("list") or match.group("after")
        items = [rules.level_items[i] for i in rules.level_item.findall(listed)]
        places = sorted({place for place, _phrase in items})
        if len(places) < 2 or (len(items) == 2 and places[1] - places[0] == 1):
            continue
        out += [folded[last:match.start()], " ".join(dict.fromkeys(phrase for _place, phrase in items))]
        last = match.end()
    # the pattern's positions are those of the folded text, which is then read instead
    return "".join(out) + folded[last:] if out else text


def _inverted_pairs(lex: Lexicon, toks: list[str], split_at: set[int]) -> list[str]:
    """A code list's "noun - qualifier" names ("Limb - Lower", "Hernia - Umbilical", "Artery -
    Femoral") read as the one phrase of the lexicon the two words make, in the order it knows
    ("lower limb", "hernia umbilical"); the dash moves behind them.  Two words that make no value
    phrase stay a list ("Neck - Chest")."""
    out = list(toks)
    for i in range(len(out) - 2):
        a, dash, b = out[i], out[i + 1], out[i + 2]
        if dash != "-" or {i, i + 2} & split_at:
            continue
        for pair in ((a, b), (b, a)):
            entry = lex.phrases.get(pair)
            if entry is not None and entry.kind == "value":
                out[i], out[i + 1], out[i + 2] = pair[0], pair[1], dash
                break
    return out


@lru_cache(maxsize=65536)
def analyse(text: str | None, context: str = "") -> TextAnalysis:
    """Scan one description: longest phrase first, then kernels, glued words, truncations; then
    the context rules.  ``context`` is the header Modality when there is one ("PT", "NM"...)."""
    lex = lexicon()
    text = _level_lists(lex, repair_mojibake(text or ""))
    toks, split_at = _split_glued(lex, _join_numbers(lex, tokens(_split_camel(lex, _split_case(lex, text)))))
    toks = _inverted_pairs(lex, toks, split_at)
    n = len(toks)
    found: list[_Found] = []
    excluded: list[str] = []
    unmapped: list[str] = []
    in_phrase: set[int] = set()      # words read as part of a longer phrase ("lumbar injection")
    recognised = 0
    matched: list[tuple[str, ...]] = []   # the phrases read (for the language evidence)
    i = 0
    while i < n:
        best = _best_phrase(lex, toks, i)
        if best is not None:
            length, entry, quality = best
            in_phrase.update(range(i, i + length) if length > 1 else ())
            matched.append(tuple(toks[i:i + length]))
            if quality == "exact" and split_at & set(range(i, i + length)):
                quality = "compound"
            for hit in _record(entry, quality, excluded, unmapped, " ".join(toks[i:i + length])):
                found.append(_Found(hit, i, i + length, entry.needs))
            recognised += entry.kind != "ambiguous"
            i += length
            continue
        tok = toks[i]
        i += 1
        if tok in _PUNCT or is_numeric(tok):
            continue
        single = token_meaning(lex, tok)
        if single is None:
            unmapped.append(tok)
            continue
        recognised += 1
        for entry, quality in single:
            for hit in _record(entry, quality, excluded, unmapped, tok):
                found.append(_Found(hit, i - 1, i, entry.needs))
    sides = _side_abbreviations(lex, toks, matched, found)
    found.extend(sides)
    recognised += len(sides)
    unmapped = [w for w in unmapped if not any(toks[f.start] == w for f in sides)]
    found = _context_rules(lex, toks, fold(text or ""), found, context, frozenset(in_phrase))
    header_modality = lex.header_values["modality"].get(header_key(context)) if context else None
    if header_modality:   # the modality the header states (what `filed_under_modalities` asks)
        found.append(_Found(Hit("ctx:header_modality", tuple(header_modality), "exact"), 0, 0))
    if _thin_language(lex, toks, matched):
        found.append(_Found(Hit("ctx:thin_language", (), "exact"), 0, 0))
    if _unconfirmed_language(lex, toks, matched, found):
        found.append(_Found(Hit("ctx:unconfirmed_language", (), "exact"), 0, 0))
    hits = tuple(f.hit for f in found)
    return TextAnalysis(hits, excluded[0] if excluded else None, tuple(dict.fromkeys(unmapped)), recognised)


def _side_abbreviations(lex: Lexicon, toks: list[str], matched: list[tuple[str, ...]], found: list[_Found]) -> list[_Found]:
    """Side abbreviations of German, Dutch and Swedish exam names ("Rö Handgelenk li", "Knä hö":
    vocabulary.yaml context ``side_abbreviations``): a side only directly before or after a
    body-region word that is a term of a language writing that abbreviation; when that word is
    also a term of another language ("Hand"), the text must show such a language elsewhere (a
    function word, or a phrase only they list)."""
    rules = lex.rules
    if not rules.side_words:
        return []
    taken = {k for f in found for k in range(f.start, f.end)}
    regions = [(f, tuple(toks[f.start:f.end])) for f in found if f.hit.attribute == "body_region" and f.hit.quality == "exact"]
    present = set(toks)

    def shown(langs: frozenset[str]) -> bool:
        return any(rules.language_words.get(lang, frozenset()) & present for lang in langs) or any(
            lex.phrase_languages.get(key) and lex.phrase_languages[key] <= langs for key in matched
            if not any(key == region for _f, region in regions))

    out = []
    for i, tok in enumerate(toks):
        writers = frozenset(lang for lang, words in rules.side_words.items() if tok in words)
        if not writers or i in taken:
            continue
        codes = {rules.side_words[lang][tok] for lang in writers}
        for f, key in regions:
            langs = lex.phrase_languages.get(key, frozenset())
            if (f.end == i or f.start == i + 1) and langs & writers and len(codes) == 1 and (langs <= writers or shown(writers)):
                out.append(_Found(Hit("laterality", (codes.pop(),), "exact"), i, i + 1))
                break
    return out


def _thin_language(lex: Lexicon, toks: list[str], matched: list[tuple[str, ...]]) -> bool:
    """The text shows a language whose lexicon no large real set has tuned (vocabulary.yaml
    context ``deep_languages``): a function word of another language (``language_words``), or
    a value phrase that only other languages' terms list ("tomografia computada", "cadera")."""
    rules = lex.rules
    if not rules.deep_languages:
        return False
    present = set(toks)
    if any(words & present for lang, words in rules.language_words.items() if lang not in rules.deep_languages):
        return True
    return any(key in lex.phrase_languages and not lex.phrase_languages[key] & rules.deep_languages for key in matched)


def _shown_languages(lex: Lexicon, toks: list[str], matched: list[tuple[str, ...]], bound: frozenset[str]) -> set[str]:
    """Languages the text shows besides the words of ``bound``: function words (``language_words``)
    and value phrases that no deeply tuned language's terms list."""
    rules = lex.rules
    present = set(toks)
    shown = {lang for lang, words in rules.language_words.items() if words & present}
    for key in matched:
        langs = lex.phrase_languages.get(key, frozenset())
        if not (len(key) == 1 and key[0] in bound) and not langs & rules.deep_languages:
            shown |= langs
    return shown


def _unconfirmed_language(lex: Lexicon, toks: list[str], matched: list[tuple[str, ...]], found: list[_Found]) -> bool:
    """A region read from a word that names a region only in some languages (vocabulary.yaml
    context ``only_in_language``: "mano") in a text that shows none of them."""
    bound: dict[str, set[str]] = {}
    for lang, words in lex.rules.only_in_language.items():
        for word in words:
            bound.setdefault(word, set()).add(lang)
    used = {toks[f.start] for f in found if f.hit.attribute == "body_region" and f.end - f.start == 1 and toks[f.start] in bound}
    if not used:
        return False
    shown = _shown_languages(lex, toks, matched, frozenset(bound))
    return any(not bound[word] & shown for word in used)


_NM_PET = ("RID10330", "RID10337", "RID10341")
_CT = "RID10321"


def _context_rules(lex: Lexicon, toks: list[str], folded: str, found: list[_Found], context: str,
                   in_phrase: frozenset[int] = frozenset()) -> list[_Found]:
    """Words read by their neighbours: kernel words need a reconstruction cue; "pre MRI" is a
    reason; "Tc" beside a tracer is technetium; anatomy next to a cancer word after PET/NM is
    the indication."""
    rules = lex.rules
    found = [f for f in found if not f.needs or rules.has_context(f.needs, toks, folded)]
    for k in range(1, len(toks)):
        if toks[k] in rules.abbreviations and toks[k - 1] in rules.abbreviation_only_after.get(toks[k], rules.abbreviation_after):
            found.append(_Found(Hit("body_region", rules.abbreviations[toks[k]], "exact"), k, k + 1))
    if len(toks) >= 2 and toks[-1] in rules.final_words and not rules.final_unless & set(toks):
        attribute, code = rules.final_words[toks[-1]]
        if not any(f.hit.attribute == attribute for f in found):
            found.append(_Found(Hit(attribute, (code,), "exact"), len(toks) - 1, len(toks)))
    found = [f for f in found if not (f.hit.attribute == "modality" and f.hit.quality != "implied"
                                      and any(tuple(toks[max(0, f.start - k):f.start]) in rules.reason_prefixes for k in (1, 2)))]
    if rules.spine_levels:
        found = _spine_levels(rules, toks, found, in_phrase)
    if rules.vessel_words:
        found = _vessel_words(lex, toks, found, context)
    if rules.part_of:
        found = _parts(rules, toks, found)
    found = _alternatives(rules, toks, _conditions(rules, toks, _excluded(rules, toks, _language_bound(rules, toks, found))))
    if rules.fetal_words & set(toks):
        found.append(_Found(Hit("ctx:fetal", (), "exact"), 0, 0))
    modalities = {c for f in found if f.hit.attribute == "modality" for c in f.hit.codes}
    if modalities & set(_NM_PET) or context in ("NM", "PT"):
        found = [f for f in found if not (f.hit.codes == (_CT,) and f.end - f.start == 1 and toks[f.start] in rules.element_words)]
        found = _drop_indications(lex, toks, found, context)
    return found


_SPINE_WINDOW = 6   # a level word counts when a spine word or exam stands at most this many words before it


def _spine_levels(rules: ContextRules, toks: list[str], found: list[_Found], in_phrase: frozenset[int]) -> list[_Found]:
    """A level word after a spine word or a spine exam names the spine level, not the thorax or
    the uterine cervix ("MIELOGRAFIA TORACICA", "COLUMNA SEGMENTOS CERVICAL TORACICO LUMBAR");
    so does a level word right before a spine exam word ("Thoracic myelogram", "CERVICAL CT
    MYELOGRAPHY": ``before`` within ``before_window`` words); a word read inside a longer phrase
    keeps that reading ("via lumbar injection")."""
    levels = [k for k, t in enumerate(toks) if t in rules.spine_levels and k not in in_phrase
              and (any(w in rules.spine_words for w in toks[max(0, k - _SPINE_WINDOW):k])
                   or any(w in rules.spine_exams_after for w in toks[k + 1:k + 1 + rules.spine_exams_window]))]
    if not levels:
        return found
    kept = [f for f in found if not (f.hit.attribute == "body_region" and f.end - f.start == 1 and f.start in levels)]
    return kept + [_Found(Hit("body_region", (rules.spine_levels[toks[k]],), "exact"), k, k + 1) for k in levels]


def _vessel_words(lex: Lexicon, toks: list[str], found: list[_Found], context: str) -> list[_Found]:
    """A bare vessel word ("arterial", "venosa") in an MR or ultrasound vascular exam names the
    vessels, not a contrast phase ("MRA ARTERIAL HEAD", "ANGIORRESSONANCIA VENOSA CEREBRAL": an MR
    angiography may be time-of-flight or phase-contrast): its contrast reading is dropped.  A
    phase phrase ("fase arterial", "arterial phase") and CT ("ANGIO-TC ... ARTERIAL") keep theirs,
    and so does an MR series with no vascular word ("AX T1 ARTERIAL", "LAVA ARTERIAL").  In a
    nuclear medicine exam (``always``) such a word is never a phase ("NM EXTREMITIES VENOUS
    THROMBOSIS")."""
    rules = lex.rules
    bare = [f for f in found if f.hit.attribute == "contrast" and f.end - f.start == 1 and toks[f.start] in rules.vessel_words]
    if not bare:
        return found
    header = lex.header_values["modality"].get(header_key(context)) if context else None
    modalities = {c for f in found if f.hit.attribute == "modality" for c in f.hit.codes} | set(header or ())
    exam = bool(modalities & rules.vessel_always) or any(
        tuple(toks[k:k + len(e)]) == e for e in rules.vessel_exams for k in range(len(toks) - len(e) + 1))
    if not exam:
        others = [t for t in toks if t not in rules.vessel_words]
        exam = bool(modalities & rules.vessel_modalities) and rules.has_context(rules.vessel_context, others, " ".join(others))
    return [f for f in found if f not in bare] if exam else found


_PART_GAP = 3   # at most this many link words between a part and its whole ("neck of the femur")


def _parts(rules: ContextRules, toks: list[str], found: list[_Found]) -> list[_Found]:
    """A region word right after a structure it is a part of, or before it with only link words
    between ("femur neck", "bladder neck", "neck of the femur", "cuello del femur"), names that
    part of the structure, not the region: dropped, the structure kept."""
    regions = [f for f in found if f.hit.attribute == "body_region"]

    def names_a_part(f: _Found) -> bool:
        wholes = rules.part_of.get(f.hit.codes[0], frozenset()) if len(f.hit.codes) == 1 else frozenset()
        return any(set(g.hit.codes) & wholes and (
            g.end == f.start or (f.end < g.start <= f.end + _PART_GAP and all(t in rules.part_links for t in toks[f.end:g.start])))
            for g in regions if g is not f)

    return [f for f in found if not (f.hit.attribute == "body_region" and names_a_part(f))]


def _language_bound(rules: ContextRules, toks: list[str], found: list[_Found]) -> list[_Found]:
    """A word that is an abbreviation of something else in one language ("mano": manometry in
    French) names no region when the text shows words of that language."""
    present = set(toks)
    blocked = set().union(*(words for lang, words in rules.not_in_language.items()
                            if rules.language_words.get(lang, frozenset()) & present)) if rules.not_in_language else set()
    return [f for f in found if not (blocked and f.hit.attribute == "body_region" and f.end - f.start == 1 and toks[f.start] in blocked)]


def _after_marker(rules: ContextRules, markers: frozenset[tuple[str, ...]], toks: list[str], found: list[_Found]) -> list[_Found]:
    """Body-region hits named within ``alternative_window`` words after one of ``markers`` while
    another region is named before the marker."""
    ends = [k + len(m) for m in markers for k in range(len(toks) - len(m) + 1) if tuple(toks[k:k + len(m)]) == m]
    regions = [f for f in found if f.hit.attribute == "body_region"]
    return [f for f in regions if any(end <= f.start < end + rules.alternative_window
                                      and any(g.end <= end - 1 for g in regions if g is not f) for end in ends)]


def _excluded(rules: ContextRules, toks: list[str], found: list[_Found]) -> list[_Found]:
    """Body-region hits within ``exclusion_window`` words after an exclusion word ("excluding
    iliac, tibial") name what is not imaged: dropped."""
    ends = [k + len(m) for m in rules.exclusion_markers for k in range(len(toks) - len(m) + 1) if tuple(toks[k:k + len(m)]) == m]
    return [f for f in found if not (f.hit.attribute == "body_region"
                                     and any(end <= f.start < end + rules.exclusion_window for end in ends))]


def _conditions(rules: ContextRules, toks: list[str], found: list[_Found]) -> list[_Found]:
    """A region word just before a systemic condition ("renal failure") names the indication:
    dropped when another region is named."""
    named = [f for f in found if f.hit.attribute == "body_region"]
    starts = {f.start for f in named}
    # the condition word next, or one word further when that word names no region ("renal osteo-dystrophy")
    cond = [f for f in named if set(toks[f.end:f.end + (1 if f.end + 1 in starts or f.end in starts else 2)]) & rules.condition_words]
    if not cond or len(cond) == len(named):
        return found
    return [f for f in found if f not in cond]


def _alternatives(rules: ContextRules, toks: list[str], found: list[_Found]) -> list[_Found]:
    """A region named just after "and/or" ("et/ou", CCAM's "+/-") is an alternative: the regions
    are kept and the answer flagged (below the threshold: either may be the one imaged)."""
    if _after_marker(rules, rules.alternative_markers, toks, found):
        found.append(_Found(Hit("ctx:alternative", (), "exact"), 0, 0))
    return found


def _drop_indications(lex: Lexicon, toks: list[str], found: list[_Found], context: str) -> list[_Found]:
    rules = lex.rules

    def indication_near(f: _Found) -> bool:
        after = f.end
        while after < len(toks) and toks[after] in rules.indication_links:
            after += 1
        before = f.start - 1
        while before >= 0 and toks[before] in rules.indication_links:
            before -= 1
        return (after < len(toks) and toks[after] in rules.indication_words) or (before >= 0 and toks[before] in rules.indication_words)

    kept = [f for f in found if not (f.hit.attribute == "body_region" and not set(f.hit.codes) & rules.fields_of_view
                                     and indication_near(f))]
    pet = {c for f in kept if f.hit.attribute == "modality" for c in f.hit.codes} & {"RID10337", "RID10341"} or context == "PT"
    if len(kept) < len(found) and pet and rules.oncology_region and not any(f.hit.attribute == "body_region" for f in kept):
        kept.append(_Found(Hit("body_region", (rules.oncology_region,), "implied"), 0, 0))
    return kept


# ---------------------------------------------------------------- per-text resolution

@dataclass(frozen=True)
class Claim:
    """One attribute as one source states it: codes (or None) with a confidence/problem."""

    codes: tuple[str, ...] | None
    confidence: float = 0.0
    problem: str | None = None


_BEST = {"exact": 3, "compound": 2, "prefix": 1, "implied": 0, "weak": -1}
# (flags carry the quality of the word that raised them; they never give a value)


def _quality(hits: list[Hit]) -> float:
    best = max(hits, key=lambda h: _BEST[h.quality]).quality
    return CONF[best]


def _apply_supersedes(lex: Lexicon, codes: list[str]) -> list[str]:
    dropped = {s for c in codes for s in (lex.concepts[c].supersedes if c in lex.concepts else ())}
    return [c for c in codes if c not in dropped]


def resolve(analysis: TextAnalysis, attribute: str) -> Claim:
    """What the text claims for ``attribute`` (codes None when silent or self-contradictory)."""
    lex = lexicon()
    hits = analysis.values(attribute)
    if attribute == "weighting":
        for flag in ("derived_map", "no_term"):
            if analysis.values("flag:" + flag):
                return Claim(None, 0.0, lex.flag_reasons[flag])
    if not hits and attribute == "contrast":
        # "POST"/"PRE" beside a T1 weighting: post/pre-contrast
        ctx = analysis.values("t1ctx:contrast")
        weights = {c for h in analysis.values("weighting") for c in h.codes}
        if ctx and weights == {"RID10794"}:
            ctx_codes = list(dict.fromkeys(c for h in ctx for c in h.codes))
            if len(ctx_codes) == 1:
                return Claim((ctx_codes[0],), CONF["implied"])
            return Claim((WITH_WITHOUT,), min(CONF["implied"], CONFIDENT))
    if not hits:
        return Claim(None)
    named = [h for h in hits if h.quality not in ("implied", "weak")]
    use = named or [h for h in hits if h.quality == "implied"] or hits
    conf = _quality(use)
    if attribute == "body_region":
        codes: list[str] = []
        for h in use:
            for c in h.codes:
                if c not in codes:
                    codes.append(c)
        # a focus inside a region also named: keep the region ("thorax ... lung" -> thorax);
        # a part named beside its whole of the same kind (`within`: a spine level beside "spine",
        # a finger beside "hand"): keep the part ("cervical spine ... spinal" -> cervical spine)
        # a focus whose region holds a named region ("cervical spine ... facet block": the facet
        # joints of the spine, the cervical spine named) is that region's too: keep the region
        named_codes = set(codes)
        inner = {w for c in codes for w in lex.concepts[c].within if c in lex.concepts} & named_codes
        regions = {c for c in named_codes if c in lex.concepts and not lex.concepts[c].focus}
        held = {a for r in regions for a in ancestors(lex, r)}
        keep = [c for c in codes if c not in inner and not (_region_of(lex, c) & (named_codes | held) - {c})]
        # a structure found in every region (`everywhere` in vocabulary.yaml: lymph nodes) named
        # beside a region is that region's focus ("US NECK ... DEEP CERVICAL LYMPH NODE BIOPSY")
        anywhere = set(keep) & lex.rules.everywhere
        if anywhere and any(c not in anywhere and c not in lex.rules.fields_of_view for c in keep):
            keep = [c for c in keep if c not in anywhere]
        if (_composite(lex, keep) or (analysis.values("ctx:fetal") and _outside_pregnancy(lex, keep))
                or (analysis.values("ctx:alternative") and len(keep) > 1)
                or analysis.values("ctx:unconfirmed_language")
                or (analysis.values("ctx:thin_language") and _thin_evidence(lex, keep, use))
                or _filed_apart(lex, keep, analysis)):
            conf = min(conf, CONF["uncertain_region"])
        return Claim(tuple(keep), conf)
    distinct = list(dict.fromkeys(c for h in use for c in h.codes))
    distinct = _apply_supersedes(lex, distinct)
    if attribute == "contrast":
        if WITH_WITHOUT in distinct or {WITH, WITHOUT} <= set(distinct):
            return Claim((WITH_WITHOUT,), min(conf, CONFIDENT))
    if attribute == "plane" and OBLIQUE in distinct and len(distinct) > 1:
        return Claim((OBLIQUE,), min(conf, CONFIDENT))
    if len(distinct) > 1:
        labels = ", ".join(lex.label(c) for c in distinct)
        return Claim(None, 0.0, f"the description names several values ({labels})")
    return Claim(tuple(distinct), conf)


def _playbook_region(lex: Lexicon, code: str) -> str:
    concept = lex.concepts.get(code)
    return concept.region if concept is not None and concept.region else code


def _thin_evidence(lex: Lexicon, codes: list[str], hits: list[Hit]) -> bool:
    """In a thinly tuned language: regions of several body-region groups (the abdomen and pelvis
    count as one volume), or a region read from glued words ("transcutanee" is no kidney)."""
    return len({lex.rules.one_volume.get(g, g) for g in _groups(lex, codes)}) > 1 or any(h.quality == "compound" for h in hits)


def _groups(lex: Lexicon, codes: list[str]) -> set[str]:
    """The body-region groups of ``codes`` (a region outside every group is a group of its own)."""
    return {lex.rules.region_group.get(r, r) for r in (_playbook_region(lex, c) for c in codes)}


def _composite(lex: Lexicon, codes: list[str]) -> bool:
    """Regions of several body-region groups that do not form one contiguous volume (head and
    thorax; the abdomen and the legs): a composite act."""
    rules = lex.rules
    groups = {rules.region_group[r] for r in (_playbook_region(lex, c) for c in codes) if r in rules.region_group}
    if len(groups) < 2:
        return False
    reached = {min(groups)}
    grown = True
    while grown:
        more = {g for g in groups - reached if any(frozenset((g, r)) in rules.adjacent_groups for r in reached)}
        reached |= more
        grown = bool(more)
    return reached != groups


def _filed_apart(lex: Lexicon, codes: list[str], analysis: TextAnalysis) -> bool:
    """A structure at the boundary of two body regions, which code lists file under either
    (`filed_under` in body_region.yaml; with `filed_under_modalities`, only in an exam of those
    modalities, by the text or the header): which region the exam belongs to is uncertain."""
    modalities = {c for h in analysis.values("modality") + analysis.values("ctx:header_modality") for c in h.codes}
    for code in codes:
        concept = lex.concepts.get(code)
        if concept is None or not concept.filed_under:
            continue
        if concept.filed_under_modalities and not modalities & set(concept.filed_under_modalities):
            continue
        # the text names one of the regions it may be filed under too ("US Neck Parotid"): settled
        if (set(concept.filed_under) | {concept.region}) & (set(codes) - {code}):
            continue
        return True
    return False


def _outside_pregnancy(lex: Lexicon, codes: list[str]) -> bool:
    """In a fetal context, an organ outside the abdomen and pelvis is the fetus's, not the imaged region."""
    return any(_playbook_region(lex, c) not in lex.rules.fetal_regions for c in codes)


def _region_of(lex: Lexicon, code: str) -> set[str]:
    concept = lex.concepts.get(code)
    return {concept.region} if concept is not None and concept.region else set()


def _parents(lex: Lexicon, code: str) -> set[str]:
    concept = lex.concepts.get(code)
    if concept is None:
        return set()
    out = set(concept.within)
    if concept.region:
        out.add(concept.region)
    return out


# ---------------------------------------------------------------- header evidence

def evidence_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return " ".join(evidence_text(v) for v in value)
    if isinstance(value, float) and math.isnan(value):
        return ""
    return str(value).strip()


def header_claims(ev: Mapping[str, Any]) -> dict[str, Claim]:
    """What the DICOM header says for each attribute (absent attributes give no claim)."""
    lex = lexicon()
    out: dict[str, Claim] = {}
    modality = evidence_text(ev.get("Modality")).upper()
    if modality:
        codes = lex.header_values["modality"].get(header_key(modality))
        if codes:
            out["modality"] = Claim(codes, CONF["header_modality"])
        elif modality in lex.non_image_modalities:
            out["modality"] = Claim(None, 0.0, f"non-image series (Modality {modality})")
    if "modality" not in out:
        implied = []
        kernel = evidence_text(ev.get("ConvolutionKernel"))
        if kernel:
            a = analyse(kernel)
            implied += [c for h in a.values("modality") for c in h.codes]
        pharm = evidence_text(ev.get("Radiopharmaceutical"))
        if pharm:
            a = analyse(pharm)
            implied += [c for h in a.values("modality") for c in h.codes]
        implied = list(dict.fromkeys(implied))
        if len(implied) == 1:
            out["modality"] = Claim((implied[0],), CONF["header_implied"])
    body = header_key(evidence_text(ev.get("BodyPartExamined")))
    if body:
        codes = lex.header_values["body_region"].get(body)
        if codes:
            out["body_region"] = Claim(codes, CONF["header_body"])
    if "body_region" not in out and out.get("modality") and out["modality"].codes:
        # what the stated modality implies, as its terms do (modality.yaml ``implies``: MG, the
        # breast): the region of "L CC", "R MLO", "SPECIMEN" of a mammography series
        concept = lex.concepts.get(out["modality"].codes[0])
        regions = tuple(code for attr, code in (concept.implies if concept else ()) if attr == "body_region")
        if regions:
            out["body_region"] = Claim(regions, CONF["implied"])
    agent = evidence_text(ev.get("ContrastBolusAgent"))
    if agent and " ".join(tokens(agent)) not in lex.agent_negations and tokens(agent):
        out["contrast"] = Claim((WITH,), CONF["header_contrast"])
    plane = _plane(ev.get("ImageOrientationPatient"))
    if plane:
        out["plane"] = plane
    for key in ("Laterality", "ImageLaterality"):
        lat = evidence_text(ev.get(key)).upper()
        codes = lex.header_values["laterality"].get(lat) if lat else None
        if codes:
            out["laterality"] = Claim(codes, CONF["header_laterality"])
            break
    weighting = _weighting(ev)
    if weighting:
        out["weighting"] = Claim((weighting,), CONF["header_weighting"])
    return out


def _plane(iop: Any) -> Claim | None:
    if not isinstance(iop, (list, tuple)) or len(iop) != 6:
        return None
    try:
        r = [float(v) for v in iop[:3]]
        c = [float(v) for v in iop[3:]]
    except (TypeError, ValueError):
        return None
    n = [r[1] * c[2] - r[2] * c[1], r[2] * c[0] - r[0] * c[2], r[0] * c[1] - r[1] * c[0]]
    size = math.sqrt(sum(v * v for v in n))
    if not size or any(math.isnan(v) for v in n):
        return None
    n = [abs(v) / size for v in n]
    axis = max(range(3), key=lambda k: n[k])
    if n[axis] < 0.8:
        return Claim((OBLIQUE,), CONF["header_plane_weak"])
    code = (SAGITTAL, CORONAL, AXIAL)[axis]
    return Claim((code,), CONF["header_plane"] if n[axis] >= 0.9 else CONF["header_plane_weak"])


def _weighting(ev: Mapping[str, Any]) -> str | None:
    """MR weighting from the sequence parameters, by the header rules of weighting.yaml
    (only the unmistakable cases; grey zones give none)."""
    modality = evidence_text(ev.get("Modality")).upper()
    if modality and modality != "MR":
        return None
    return weighting_from_header(ev, lexicon().sequence_rules)


# ---------------------------------------------------------------- combining description + header

def compatible(attribute: str, desc: tuple[str, ...], head: tuple[str, ...], ev: Mapping[str, Any] | None = None) -> bool:
    lex = lexicon()
    if set(desc) & set(head):
        return True
    if attribute == "modality":
        dicom = evidence_text((ev or {}).get("Modality")).upper()
        return any(dicom in lex.concepts[d].compatible for d in desc if d in lex.concepts)
    if attribute == "body_region":
        for d in desc:
            for h in head:
                if h in ancestors(lex, d) or d in ancestors(lex, h):
                    return True
        return False
    if attribute == "contrast":
        return WITH_WITHOUT in desc and WITH in head
    if attribute == "plane":
        return OBLIQUE in desc or OBLIQUE in head
    if attribute == "weighting":
        d, h = desc[0], head[0]
        return h in lex.concepts[d].supersedes or d in lex.concepts[h].supersedes
    return False


def ancestors(lex: Lexicon, code: str) -> set[str]:
    seen: set[str] = set()
    todo = [code]
    while todo:
        for parent in _parents(lex, todo.pop()):
            if parent not in seen:
                seen.add(parent)
                todo.append(parent)
    return seen


def value(code: str, source: str, confidence: float) -> dict:
    return {"scheme": "RADLEX", "code": code, "label": lexicon().label(code), "source": source, "confidence": round(min(confidence, 1.0), 2)}


def render(attribute: str, codes: tuple[str, ...], source: str, confidence: float):
    if attribute == "body_region":
        return [value(c, source, confidence) for c in codes]
    return value(codes[0], source, confidence)

