#!/usr/bin/env python3
"""Accuracy, coverage, confident-wrong rate and speed of description normalization.

    python benchmarks/normalize.py              # development set (tests/data/descriptions_dev.csv)
    python benchmarks/normalize.py --holdout    # the held-out set: run once, as the final check
    python benchmarks/normalize.py --errors     # also list every wrong or missed answer

Definitions (per attribute, over the labelled items):
  determinable   the label gives a value
  coverage       answered / determinable
  accuracy       correct / answered, on determinable items (body_region: same set of codes)
  recall         correct / determinable
  invented       answers where the label says "not determinable" (counted as wrong)
  confident-wrong rate   wrong answers with confidence >= 0.8 / all answers with confidence >= 0.8
  must-stay-unmapped     items labelled unmappable that got no value at all
Timing: each description normalized with cold caches (the lexicon itself compiled once).
"""
from __future__ import annotations

import argparse
import csv
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"
sys.path.insert(0, str(ROOT))

from curator.normalize import ATTRIBUTES, CONFIDENT, lexicon, normalize_text  # noqa: E402
from curator.normalize.engine import analyse  # noqa: E402


def load(path: Path) -> list[dict]:
    aliases = {r["alias"]: r["rid"] for r in csv.DictReader((DATA / "descriptions_aliases.csv").open(encoding="utf-8"))}
    items = []
    for row in csv.DictReader(path.open(encoding="utf-8")):
        expected = {}
        for attribute in ATTRIBUTES:
            cell = row[attribute]
            expected[attribute] = None if cell == "-" else frozenset(aliases[a] for a in cell.split("+"))
        items.append({**row, "expected": expected, "unmappable": row["must_stay_unmapped"] == "yes"})
    return items


def predict(item: dict) -> dict:
    field = "StudyDescription" if item["level"] == "study" else "SeriesDescription"
    return normalize_text(item["text"], field=field)


def codes_of(value) -> tuple[frozenset[str] | None, float]:
    if not value:
        return None, 0.0
    items = value if isinstance(value, list) else [value]
    return frozenset(v["code"] for v in items), min(v["confidence"] for v in items)


def evaluate(items: list[dict], show_errors: bool = False) -> dict:
    stats = {a: dict(det=0, answered=0, correct=0, invented=0, conf_answers=0, conf_wrong=0) for a in ATTRIBUTES}
    unmappable = [0, 0]
    errors = []
    for item in items:
        result = predict(item)
        any_value = False
        for attribute in ATTRIBUTES:
            got, conf = codes_of(result[attribute])
            want = item["expected"][attribute]
            s = stats[attribute]
            any_value |= got is not None
            wrong = False
            if want is not None:
                s["det"] += 1
                if got is not None:
                    s["answered"] += 1
                    if got == want:
                        s["correct"] += 1
                    else:
                        wrong = True
            elif got is not None:
                s["invented"] += 1
                wrong = True
            if got is not None and conf >= CONFIDENT:
                s["conf_answers"] += 1
                s["conf_wrong"] += wrong
            if show_errors and (wrong or (want is not None and got is None)):
                label = lambda codes: "+".join(sorted(lexicon().label(c) for c in codes)) if codes else "-"  # noqa: E731
                errors.append(f"{item['id']} [{item['lang']}] {item['text']!r}: {attribute} want {label(want)} got {label(got)}"
                              + (f" ({conf:.2f})" if got else ""))
        if item["unmappable"]:
            unmappable[0] += 1
            unmappable[1] += not any_value
    return {"stats": stats, "unmappable": unmappable, "errors": errors}


def timing(items: list[dict]) -> tuple[float, float, float]:
    lexicon()
    times = []
    for _ in range(3):
        for item in items:
            analyse.cache_clear()
            t0 = time.perf_counter()
            predict(item)
            times.append(time.perf_counter() - t0)
    times.sort()
    return statistics.mean(times) * 1000, times[int(len(times) * 0.95)] * 1000, times[-1] * 1000


def pct(a: int, b: int) -> str:
    return f"{100 * a / b:6.1f}%" if b else "    n/a"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--holdout", action="store_true", help="evaluate the held-out set (final check only)")
    parser.add_argument("--errors", action="store_true", help="list wrong and missed answers")
    args = parser.parse_args(argv)
    path = DATA / ("descriptions_holdout.csv" if args.holdout else "descriptions_dev.csv")
    items = load(path)
    out = evaluate(items, args.errors)
    print(f"set: {path.name}  items: {len(items)}  (study {sum(i['level'] == 'study' for i in items)}, "
          f"series {sum(i['level'] == 'series' for i in items)}, languages {len({i['lang'] for i in items})})")
    print(f"{'attribute':<12}{'determ.':>8}{'coverage':>10}{'accuracy':>10}{'recall':>9}{'invented':>10}{'conf-wrong':>12}")
    tot = dict(det=0, answered=0, correct=0, invented=0, conf_answers=0, conf_wrong=0)
    for attribute, s in out["stats"].items():
        for k in tot:
            tot[k] += s[k]
        print(f"{attribute:<12}{s['det']:>8}{pct(s['answered'], s['det']):>10}{pct(s['correct'], s['answered']):>10}"
              f"{pct(s['correct'], s['det']):>9}{s['invented']:>10}{pct(s['conf_wrong'], s['conf_answers']):>12}")
    print(f"{'ALL':<12}{tot['det']:>8}{pct(tot['answered'], tot['det']):>10}{pct(tot['correct'], tot['answered']):>10}"
          f"{pct(tot['correct'], tot['det']):>9}{tot['invented']:>10}{pct(tot['conf_wrong'], tot['conf_answers']):>12}")
    n, kept = out["unmappable"]
    print(f"must-stay-unmapped left unmapped: {kept}/{n} ({pct(kept, n).strip()})")
    print(f"confident answers (>= {CONFIDENT}): {tot['conf_answers']}, of which wrong: {tot['conf_wrong']} "
          f"({pct(tot['conf_wrong'], tot['conf_answers']).strip()})")
    mean, p95, worst = timing(items)
    print(f"time per description (cold cache): mean {mean:.3f} ms, p95 {p95:.3f} ms, max {worst:.3f} ms")
    for line in out["errors"]:
        print("  " + line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
