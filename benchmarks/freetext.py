"""Measure the free-text filter: recall on planted identifiers, over-removal of safe words.

The test set is the one of ``curator.testing.planted``: every free text planted for its patients
(comments, descriptions, protocol names, SR text, ROI descriptions; names in ten languages
and scripts, staff after titles and roles, operator codes, streets, IDs inside longer
strings), each staff pattern in mixed case and in capitals, and safe clinical texts.

* recall: share of planted identifier occurrences that no longer occur after cleaning,
  for the filter alone (``curator.deid.freetext.allowlist``: no knowledge of the patient's
  header values) and for the whole cleaning (``curator.deid.freetext.clean`` with the values);
* over-removal: share of the safe words (words of the safe texts, and words of the planted
  texts that are not part of an identifier) that were replaced;
* texts/s of the filter;
* over-removal per language on clinical free text without identifiers
  (``tests/data/freetext_clinical_multilingual.yaml``: report impressions, series comments and
  reasons for study in Italian, German, Dutch, Spanish, Portuguese, French, Swedish and Polish,
  through ``curator.deid.freetext.clean`` as de-identification calls it): ``dev`` (the sentences
  the report vocabulary of ``mappings/freetext/clinical-words.yaml`` was written against) and
  ``holdout`` (written after its first round, seen before its second) and ``holdout2`` (written
  after it, independent);
* per language of fourteen in nine scripts (zh, ja, ko, ru, uk, el, tr, ar, he, hi, th, vi, pl, cs:
  ``tests/data/freetext_scripts_multilingual.yaml``): over-removal of clinical sentences (``dev``,
  ``holdout``) and of the planted sentences outside their identifiers (units: words; letters of
  Chinese, Japanese and Thai, written without spaces; ``holdout2`` written after the first round of
  the vocabulary, seen by the second; ``holdout3`` written after the second, independent), and recall of the planted names, IDs, dates,
  telephone numbers, places and ages of 90+ without and with the patient's header values.

``--philter`` also runs philter-lite (``pip install philter-lite``) on the same texts.  Its
part-of-speech step needs NLTK's tagger model, which is downloaded from the internet and
which curator may not fetch; when the model is absent the run says so, and
``--philter-naive-pos`` substitutes a naive tagger (capitalised word = proper noun) so that
its rules and word lists can still be measured (an approximation of philter-lite).

    python benchmarks/freetext.py [--philter] [--philter-naive-pos]
"""
from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from curator.deid import freetext  # noqa: E402
from curator.common.fold import fold  # noqa: E402
from curator.testing.planted import PEOPLE, SAFE_TEXTS, STAFF, planted_texts, plants  # noqa: E402

_WORD = re.compile(r"[^\W_]+")


def test_set() -> tuple[list[tuple[str, frozenset[str]]], list[str]]:
    """(planted text, identifier values of its patient) pairs, and the safe texts."""
    from pydicom.dataset import Dataset

    from curator.deid.scrub import identifier_values

    planted = []
    for n, person in enumerate(PEOPLE):
        ds = Dataset()
        ds.PatientName = f"{person.family}^{person.given}"
        ds.PatientID = person.patient_id
        ds.PatientAddress = person.address
        ds.PatientTelephoneNumbers = person.phone
        values = identifier_values(ds)
        planted += [(text, values) for text in planted_texts(n, person).values()]
    for around, name, _ in STAFF:
        planted += [(around.format(name), frozenset()), (around.format(name).upper(), frozenset())]
    return planted, list(SAFE_TEXTS)


def _occurs(plant, text: str) -> bool:
    probe = fold(plant.value)
    if plant.word:
        return re.search(rf"(?<![^\W_]){re.escape(probe)}(?![^\W_])", fold(text)) is not None
    return probe in fold(text)


def measure(clean, planted, safe) -> dict[str, float]:
    """Recall and over-removal of ``clean(text, values) -> cleaned text``."""
    all_plants = plants()
    occurrences = caught = 0
    safe_words = removed_safe = 0
    start = time.perf_counter()
    for text, values in planted:
        cleaned = clean(text, values)
        present = [p for p in all_plants if _occurs(p, text)]
        occurrences += len(present)
        caught += sum(not _occurs(p, cleaned) for p in present)
        probes = [fold(w) for p in present for w in _WORD.findall(p.value)]
        kept = {fold(w) for w in _WORD.findall(cleaned)}
        for word in _WORD.findall(text):
            if not any(probe in fold(word) for probe in probes):  # not (part of) an identifier
                safe_words += 1
                removed_safe += fold(word) not in kept
    for text in safe:
        kept = {fold(w) for w in _WORD.findall(clean(text, frozenset()))}
        for word in _WORD.findall(text):
            safe_words += 1
            removed_safe += fold(word) not in kept
    elapsed = time.perf_counter() - start
    return {"occurrences": occurrences, "recall": caught / occurrences, "safe_words": safe_words,
            "over_removal": removed_safe / safe_words, "texts_per_s": (len(planted) + len(safe)) / elapsed}


def descriptions(paths: list[Path]) -> dict[str, float]:
    """Over-removal on real description sets (no identifiers in them), and how many
    descriptions normalize differently once cleaned."""
    import csv

    from curator.normalize.series import normalize_text
    from curator.normalize.lexicon import ATTRIBUTES

    words = removed = texts = changed = 0
    for path in paths:
        with path.open(encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                if row.get("split", "holdout") != "holdout":
                    continue
                text = row["text"]
                cleaned, n = freetext.allowlist(text)
                words += len(_WORD.findall(text))
                removed += n
                texts += 1
                before, after = normalize_text(text), normalize_text(cleaned)
                changed += any(before.get(a) != after.get(a) for a in ATTRIBUTES)
    return {"texts": texts, "words": words, "over_removal": removed / words, "normalization_changed": changed / texts}


MULTILINGUAL = Path(__file__).resolve().parent.parent / "tests" / "data" / "freetext_clinical_multilingual.yaml"


def over_removal_per_language(part: str, path: Path = MULTILINGUAL) -> dict[str, tuple[int, int]]:
    """{language: (words, words removed)} of the ``part`` (``dev``, ``holdout``, ``holdout2``) of the
    multilingual clinical set, cleaned as de-identification cleans free text (no identifier in it)."""
    import yaml

    data = yaml.safe_load(path.read_text(encoding="utf-8"))[part]
    out = {}
    for language, texts in data.items():
        words = removed = 0
        for text in texts:
            kept = {fold(w) for w in _WORD.findall(freetext.clean(text, frozenset()) or "")}
            found = [fold(w) for w in _WORD.findall(text)]
            words += len(found)
            removed += sum(w not in kept for w in found)
        out[language] = (words, removed)
    return out


SCRIPTS = Path(__file__).resolve().parent.parent / "tests" / "data" / "freetext_scripts_multilingual.yaml"
# Characters of scripts written without spaces between words: each letter is one unit of the
# over-removal count (a word cannot be told apart without a dictionary).
_UNSPACED = re.compile(r"[\u0e00-\u0e7f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


def _units(text: str) -> list[tuple[int, int]]:
    """Spans of the units of ``text``: a word of a spaced script, a letter of an unspaced one."""
    out = []
    for m in _WORD.finditer(text):
        start = m.start()
        for i, ch in enumerate(m.group(), m.start()):
            if _UNSPACED.match(ch):
                if start < i:
                    out.append((start, i))
                if ch.isalpha() or ch.isdigit():
                    out.append((i, i + 1))
                start = i + 1
        if start < m.end():
            out.append((start, m.end()))
    return out


def _kept_units(text: str, cleaned: str, skip: list[tuple[int, int]]) -> tuple[int, int]:
    """(units of ``text`` outside the ``skip`` spans, of which removed by ``cleaned``): a unit is
    kept when every character of it is in a block that ``cleaned`` matches in place."""
    from difflib import SequenceMatcher

    kept = [False] * len(text)
    for a, _b, size in SequenceMatcher(None, text, cleaned, autojunk=False).get_matching_blocks():
        kept[a:a + size] = [True] * size
    units = removed = 0
    for start, end in _units(text):
        if any(s < end and start < e for s, e in skip):
            continue
        units += 1
        removed += not all(kept[start:end])
    return units, removed


def _plant_spans(text: str, plants: list[str]) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for p in plants for m in re.finditer(re.escape(p), text)]


def _plant_left(plant: str, cleaned: str) -> bool:
    """Whether the planted string still occurs in ``cleaned`` (folded; whole words unless it is
    written in a script without spaces)."""
    probe, text = fold(plant), fold(cleaned)
    if _UNSPACED.search(plant):
        return probe in text
    word = r"[^\W_\u0e00-\u0e7f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]"  # a letter of a spaced script
    return re.search(rf"(?<!{word}){re.escape(probe)}(?!{word})", text) is not None


def scripts_figures(path: Path = SCRIPTS) -> dict[str, dict[str, int]]:
    """Per language of the multi-script set: clinical units and units removed (``dev``,
    ``holdout``, ``holdout2``, ``holdout3``, ``planted``: the planted sentences outside their plants, cleaned with the
    patient's values), plants, and plants removed without the header values (``filter``:
    ``clean(text)``) and with them (``full``: ``clean(text, values)``, as de-identification calls it)."""
    import yaml
    from pydicom.dataset import Dataset

    from curator.deid.scrub import identifier_values

    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    out: dict[str, dict[str, int]] = {}
    for part in ("dev", "holdout", "holdout2", "holdout3"):
        for language, texts in data["clinical"][part].items():
            row = out.setdefault(language, {})
            units = removed = 0
            for text in texts:
                u, r = _kept_units(text, freetext.clean(text, frozenset()) or "", [])
                units += u
                removed += r
            row[f"{part}_units"], row[f"{part}_removed"] = units, removed
    for language, entry in data["planted"].items():
        ds = Dataset()
        ds.PatientName = entry["patient"]["name"]
        ds.PatientID = str(entry["patient"]["id"])
        values = identifier_values(ds)
        row = out.setdefault(language, {})
        row.update(planted_units=0, planted_removed=0, plants=0, filter=0, full=0)
        for item in entry["texts"]:
            text, plants = item["text"], [str(p) for p in item["plants"]]
            full = freetext.clean(text, values) or ""
            alone = freetext.clean(text, frozenset()) or ""
            u, r = _kept_units(text, full, _plant_spans(text, plants))
            row["planted_units"] += u
            row["planted_removed"] += r
            row["plants"] += len(plants)
            row["filter"] += sum(not _plant_left(p, alone) for p in plants)
            row["full"] += sum(not _plant_left(p, full) for p in plants)
    return out


def print_scripts_figures(figures: dict[str, dict[str, int]]) -> None:
    print("multi-script clinical free text (tests/data/freetext_scripts_multilingual.yaml; units: words, "
          "letters of zh/ja/th): over-removal dev | holdout | holdout2 | holdout3 | planted sentences; identifier recall "
          "without | with header values")
    total: dict[str, int] = {}
    for row in figures.values():
        for key, value in row.items():
            total[key] = total.get(key, 0) + value
    for language, row in [*figures.items(), ("all", total)]:
        print(f"  {language:<4} {100 * row['dev_removed'] / row['dev_units']:5.1f}% of {row['dev_units']:>3} | "
              f"{100 * row['holdout_removed'] / row['holdout_units']:5.1f}% of {row['holdout_units']:>3} | "
              f"{100 * row['holdout2_removed'] / row['holdout2_units']:5.1f}% of {row['holdout2_units']:>3} | "
              f"{100 * row['holdout3_removed'] / row['holdout3_units']:5.1f}% of {row['holdout3_units']:>3} | "
              f"{100 * row['planted_removed'] / row['planted_units']:5.1f}% of {row['planted_units']:>3}; recall "
              f"{100 * row['filter'] / row['plants']:5.1f}% | {100 * row['full'] / row['plants']:5.1f}% of {row['plants']}")


def _philter(naive_pos: bool):
    import os

    import philter_lite
    import philter_lite.philter as ph

    if naive_pos:
        ph._get_pos = lambda text: [(w, "NNP" if w[:1].isupper() else "NN") for w in ph._get_clean(text)]
    config = os.path.join(os.path.dirname(philter_lite.__file__), "configs", "philter_delta.toml")
    filters = philter_lite.load_filters(config)

    def clean(text: str, values: frozenset[str]) -> str:
        include, _, _ = philter_lite.detect_phi(text, filters)
        return philter_lite.transform_text_asterisk(text, include)

    return clean


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--philter", action="store_true", help="also measure philter-lite")
    parser.add_argument("--philter-naive-pos", action="store_true", help="philter-lite with a naive tagger (no NLTK model)")
    args = parser.parse_args()
    planted, safe = test_set()
    freetext.load()
    rows = {
        "curator filter alone (allowlist + names)": measure(lambda t, v: freetext.allowlist(t)[0], planted, safe),
        "curator full cleaning (with header values)": measure(freetext.clean, planted, safe),
    }
    if args.philter or args.philter_naive_pos:
        try:
            clean = _philter(args.philter_naive_pos)
            clean("probe", frozenset())
            name = "philter-lite 0.6.0" + (" (naive tagger)" if args.philter_naive_pos else "")
            rows[name] = measure(clean, planted, safe)
        except ImportError:
            print("philter-lite: not installed (pip install philter-lite)")
        except LookupError:
            print("philter-lite: cannot run, NLTK's tagger model is not installed (a download curator may not do)")
    data = Path(__file__).resolve().parent.parent / "tests" / "data"
    for name, label in (("descriptions_real.csv", "RSNA Playbook names, holdout (their words are in the allowlist)"),
                        ("descriptions_holdout.csv", "multilingual vendor descriptions, holdout (independent)")):
        d = descriptions([data / name])
        print(f"{label}: {d['texts']} texts, {d['words']} words; over-removal {100 * d['over_removal']:.2f}%; "
              f"normalization changed for {100 * d['normalization_changed']:.2f}% of texts")
    for part in ("dev", "holdout", "holdout2"):
        figures = over_removal_per_language(part)
        print(f"clinical free text, {part} ({sum(w for w, _ in figures.values())} words): over-removal "
              + ", ".join(f"{lang} {100 * r / w:.1f}%" for lang, (w, r) in figures.items()))
    print_scripts_figures(scripts_figures())
    print(f"{len(planted)} planted texts, {len(safe)} safe texts")
    for name, m in rows.items():
        print(f"{name:<45} recall {100 * m['recall']:5.1f}% of {m['occurrences']} planted occurrences; "
              f"over-removal {100 * m['over_removal']:4.1f}% of {m['safe_words']} safe words; {m['texts_per_s']:,.0f} texts/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
