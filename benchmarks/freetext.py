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
  after it, independent).

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
    print(f"{len(planted)} planted texts, {len(safe)} safe texts")
    for name, m in rows.items():
        print(f"{name:<45} recall {100 * m['recall']:5.1f}% of {m['occurrences']} planted occurrences; "
              f"over-removal {100 * m['over_removal']:4.1f}% of {m['safe_words']} safe words; {m['texts_per_s']:,.0f} texts/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
