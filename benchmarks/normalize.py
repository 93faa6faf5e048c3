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

from curator.normalize import ATTRIBUTES, CONFIDENT, lexicon, normalize_description, normalize_series, normalize_text, study_contrast  # noqa: E402
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



# ---------------------------------------------------------------- real-world sets

REAL_FIELDS = ("modality", "body_region", "contrast", "weighting", "laterality")
DICOM_MODALITY = {"RID10321": "CT", "RID10312": "MR", "RID10337": "PT", "RID10330": "NM",
                  "RID10326": "US", "RID10357": "MG", "RID10345": "DX", "RID49584": "XA", "RID10361": "RF"}


def load_real(path: Path, split: str | None = None) -> list[dict]:
    """Rows of a real-world set (scripts/build_real_descriptions.py), optionally one split."""
    rows = list(csv.DictReader(path.open(encoding="utf-8")))
    return [r for r in rows if split is None or r["split"] == split]


def _codes(cell: str) -> frozenset[str]:
    return frozenset(c for c in (cell or "").split("+") if c)


def _ancestors(code: str) -> set[str]:
    """Curator's region/focus links plus the RadLex is-a parents of the shipped subset."""
    from curator.normalize.engine import ancestors as concept_ancestors
    lex = lexicon()
    out = set(concept_ancestors(lex, code))
    todo = [code, *out]
    while todo:
        parent = lex.terms.get(todo.pop(), ("", ""))[1]
        if parent and parent not in out:
            out.add(parent)
            todo.append(parent)
    return out


def judge_region(got: frozenset[str], regions: frozenset[str], foci: frozenset[str]) -> str:
    """right | imprecise (less specific, or part of the regions) | wrong."""
    named = regions | foci
    verdicts = []
    for code in got:
        anc = _ancestors(code)
        if code in named or anc & named:
            verdicts.append("ok")
        elif any(code in _ancestors(n) for n in named):
            verdicts.append("coarse")
        else:
            return "wrong"
    covered = all(any(c == r or r in _ancestors(c) for c in got) for r in regions) if regions else \
        any(c in foci or _ancestors(c) & foci for c in got)
    return "right" if covered and all(v == "ok" for v in verdicts) else "imprecise"


WHOLE_BODY = "RID39569"


def judge_any(got: frozenset[str], allowed: frozenset[str]) -> str:
    """A source that gives a group of regions (SIGTAP's forma de organizacao): right when every
    answered region lies inside one of them, imprecise when it is broader than one (the whole
    body holds every region), else wrong.  A filing list files each exam under one group: an
    answer of several regions of which some lie inside the group and the others outside it is
    ``filed`` ("Thorax Abdomen Pelvis" under THORAX, a CT of the head and thorax under the
    nervous system): the group confirms a part, the others are the list's filing, neither right
    nor confidently wrong.  A single region outside the group stays wrong."""
    verdicts = []
    for code in got:
        if code in allowed or _ancestors(code) & allowed:
            verdicts.append("right")
        elif code == WHOLE_BODY or any(code in _ancestors(a) for a in allowed):
            verdicts.append("imprecise")
        else:
            verdicts.append("outside")
    if "outside" in verdicts:
        return "filed" if len(verdicts) > 1 and set(verdicts) != {"outside"} else "wrong"
    return "right" if all(v == "right" for v in verdicts) else "imprecise"


# Sequence header columns of a real set (scripts/build_real_descriptions.py, BIDS sidecars)
SEQUENCE_HEADER = {"scanning_sequence": "ScanningSequence", "sequence_variant": "SequenceVariant",
                   "sequence_name": "SequenceName", "repetition_time": "RepetitionTime", "echo_time": "EchoTime",
                   "inversion_time": "InversionTime", "flip_angle": "FlipAngle", "echo_train_length": "EchoTrainLength"}


def has_sequence_header(items: list[dict]) -> bool:
    return bool(items) and all(column in items[0] for column in SEQUENCE_HEADER)


def predict_real(item: dict, header: bool | str) -> dict:
    """``header``: False (text only), True (the header Modality) or "sequence" (the Modality
    and the series' sequence header, as a DICOM series would give them)."""
    modality = DICOM_MODALITY.get(item["modality"]) if header else None
    if header == "sequence":
        evidence = {"SeriesDescription" if item.get("level") == "series" else "StudyDescription": item["text"], "Modality": modality}
        for column, keyword in SEQUENCE_HEADER.items():
            cell = item.get(column) or ""
            evidence[keyword] = cell.split("\\") if keyword in ("ScanningSequence", "SequenceVariant") else (cell or None)
        return normalize_series(evidence)
    return normalize_description(item["text"], modality=modality, level=item.get("level") or "study",
                                 study_description=item.get("study_description") or None)


FILINGS = DATA / "descriptions_real_filings.csv"


def reviewed_filings() -> dict[str, frozenset[str]]:
    """Development rows whose confidently wrong body region was reviewed as the list's filing
    (tests/data/descriptions_real_filings.csv): id -> the answer reviewed.  The row counts as a
    filing only while curator still gives that answer; it stays confidently wrong in the
    headline figures (the labels are the source's)."""
    return {row["id"]: _codes(row["answer"]) for row in csv.DictReader(FILINGS.open(encoding="utf-8"))}


def evaluate_real(items: list[dict], header: bool | str = True, show_errors: bool = False) -> dict:
    """Per field: labelled, right, confidently wrong (and of those, reviewed filings), wrong below
    the threshold, imprecise, abstained, invented."""
    keys = ("labelled", "right", "conf_right", "conf_wrong", "conf_wrong_filing", "low_wrong", "imprecise", "filed",
            "abstained", "invented")
    filings = reviewed_filings()
    stats = {f: dict.fromkeys(keys, 0) for f in REAL_FIELDS}
    errors = []
    contradictory = contradictory_names(items, header)
    for item in items:
        if _name_key(item, header) in contradictory:
            continue
        result = predict_real(item, header)
        for field in REAL_FIELDS:
            got, conf = codes_of(result.get(field))
            if field == "body_region":
                regions, foci = _codes(item["body_region"]), _codes(item["focus"])
                allowed = _codes(item.get("region_any", ""))
                labelled = bool(regions or foci or allowed)
            else:
                want = _codes(item.get(field, ""))
                labelled = bool(want)
            s = stats[field]
            if not labelled:
                s["invented"] += got is not None
                continue
            s["labelled"] += 1
            if got is None:
                s["abstained"] += 1
                verdict = "abstained"
            else:
                verdict = region_verdict(got, regions, foci, allowed) if field == "body_region" else \
                    ("right" if got == want else "wrong")
                if verdict == "wrong":
                    s["conf_wrong" if conf >= CONFIDENT else "low_wrong"] += 1
                    s["conf_wrong_filing"] += field == "body_region" and conf >= CONFIDENT and filings.get(item["id"]) == got
                else:
                    s[verdict] += 1
                    s["conf_right"] += verdict == "right" and conf >= CONFIDENT
            if show_errors and verdict != "right":
                label = lambda codes: "+".join(sorted(lexicon().label(c) for c in codes)) if codes else "-"  # noqa: E731
                want_text = (f"one of {label(allowed)}" if allowed else f"{label(regions)} / focus {label(foci)}") \
                    if field == "body_region" else label(want)
                errors.append(f"{verdict:<9} {item['id']} {item['text']!r}: {field} want {want_text} got {label(got)}"
                              + (f" ({conf:.2f})" if got else ""))
    skipped = sum(_name_key(i, header) in contradictory for i in items)
    return {"stats": stats, "errors": errors, "n": len(items) - skipped, "contradictory": skipped}


def region_verdict(got: frozenset[str], regions: frozenset[str], foci: frozenset[str], allowed: frozenset[str]) -> str:
    return judge_any(got, allowed) if allowed else judge_region(got, regions, foci)


def _name_key(item: dict, header: bool | str) -> tuple[str, ...]:
    key = (item.get("institution", ""), item["text"].casefold(), (item.get("study_description") or "").casefold())
    return key + (item.get("modality", ""),) if header else key


def contradictory_names(items: list[dict], header: bool | str = False) -> set[tuple[str, ...]]:
    """Names one source labels in two different ways (one order name mapped to several
    procedures): no answer can be right for both, so they are counted apart.  With the header
    Modality given, a name listed under two modalities (Malaysia's ``Pelvis`` as a radiograph
    and as a CT) is two questions, not a contradiction."""
    seen: dict[tuple[str, ...], set[tuple]] = {}
    for item in items:
        labels = tuple(item.get(f, "") for f in ("modality", "body_region", "focus", "region_any", "contrast", "laterality"))
        seen.setdefault(_name_key(item, header), set()).add(labels)
    return {key for key, labels in seen.items() if len(labels) > 1}


def print_real(title: str, out: dict) -> None:
    extra = f" ({out['contradictory']} more whose source gives contradictory labels, counted apart)" if out.get("contradictory") else ""
    print(f"\n{title}: {out['n']} descriptions{extra}")
    print(f"{'field':<12}{'labelled':>9}{'right':>9}{'conf-wrong':>12}{'low-wrong':>11}{'imprecise':>11}{'filed':>8}{'abstained':>11}{'invented':>10}")
    for field, s in out["stats"].items():
        n = s["labelled"]
        print(f"{field:<12}{n:>9}{pct(s['right'], n):>9}{pct(s['conf_wrong'], n):>12}{pct(s['low_wrong'], n):>11}"
              f"{pct(s['imprecise'], n):>11}{pct(s['filed'], n):>8}{pct(s['abstained'], n):>11}{s['invented']:>10}")
    print("  filed: several regions, some inside the group the list files the exam under, the others outside")
    region = out["stats"]["body_region"]
    if region["conf_wrong_filing"]:
        print(f"  of the confidently wrong body regions, {region['conf_wrong_filing']} of {region['conf_wrong']} "
              f"({pct(region['conf_wrong_filing'], region['labelled']).strip()} of the labelled) are reviewed filings: "
              f"the words read right, the list files the exam under another region group ({FILINGS.name})")


def synthetic_as_real(items: list[dict]) -> list[dict]:
    """The hand-written sets in the real-set shape (body region: the labelled codes are the regions)."""
    out = []
    for item in items:
        e = item["expected"]

        def cell(a: str, e: dict = e) -> str:
            return "+".join(sorted(e[a])) if e[a] else ""

        out.append({"id": item["id"], "text": item["text"], "level": item["level"], "modality": cell("modality"),
                    "body_region": cell("body_region"), "focus": "", "contrast": cell("contrast"),
                    "weighting": cell("weighting"), "laterality": cell("laterality")})
    return out


def by_source(items: list[dict]) -> list[tuple[str, list[dict]]]:
    """The items of a set grouped per institution and language (only when there are several);
    a set of collections (the IDC series set: one institution per collection) per source part instead."""
    groups: dict[tuple[str, str], list[dict]] = {}
    for item in items:
        groups.setdefault((item.get("institution", ""), item.get("lang", "")), []).append(item)
    if any(item.get("collection") for item in items):
        groups = {}
        for item in items:
            groups.setdefault((item.get("source", ""), item.get("lang", "")), []).append(item)
    return [(f"{inst} [{lang}]", rows) for (inst, lang), rows in sorted(groups.items())] if len(groups) > 1 else []


def main_real(args: argparse.Namespace) -> int:
    split = "holdout" if args.holdout else "dev"
    real = [("RSNA RadLex Playbook names", DATA / "descriptions_real.csv"),
            ("SIGTAP imaging procedures (Brazil, pt)", DATA / "descriptions_real_sigtap.csv"),
            ("SIGTAP ultrasound and nuclear medicine procedures (Brazil, pt)", DATA / "descriptions_real_sigtap_us_nm.csv"),
            ("CCAM imaging acts (France, fr)", DATA / "descriptions_real_ccam.csv"),
            ("CUPS imaging procedures (Colombia, es)", DATA / "descriptions_real_cups.csv"),
            ("MY Core imaging code list (Ministry of Health Malaysia, en)", DATA / "descriptions_real_mycore.csv"),
            ("VistA radiology procedure file (US Department of Veterans Affairs, en)", DATA / "descriptions_real_va.csv"),
            ("Catalogo nazionale delle prestazioni, imaging (Ministero della Salute, Italy, it)", DATA / "descriptions_real_cnp.csv"),
            ("GOÄ section O, imaging (Gebührenordnung für Ärzte, Germany, de)", DATA / "descriptions_real_goae.csv"),
            ("MR series descriptions of public BIDS datasets (held out by site)", DATA / "descriptions_real_bids.csv")]
    real += [(args.external.name, args.external)] if args.external else []
    sets = [(f"real: {name}, {split} split", load_real(path, split)) for name, path in real]
    print_by_language([item for _title, items in sets for item in items], split)
    # Series descriptions as scanners write them, apart from the study/order-level lists above
    sets.append((f"real series: Imaging Data Commons collections (CC BY; split by collection), {split} split",
                 load_real(DATA / "descriptions_real_series.csv", split)))
    synth_file = "descriptions_holdout.csv" if args.holdout else "descriptions_dev.csv"
    sets.append((f"synthetic: {synth_file} (hand-written)", synthetic_as_real(load(DATA / synth_file))))
    print_study_contrast(f"real studies: contrast of MR series read with their study (BIDS, held out by site), {split} split",
                         load_real(DATA / "descriptions_real_bids_studies.csv", split))
    names = {True: "header modality given", "sequence": "header modality and sequence header given", False: "text only"}
    for title, items in sets:
        for header in (True, "sequence", False) if has_sequence_header(items) else (True, False):
            out = evaluate_real(items, header=header, show_errors=args.errors and bool(header))
            print_real(f"{title}, {names[header]}", out)
            for line in out["errors"]:
                print("  " + line)
            if header and by_source(items):
                print_by_source(by_source(items))
    return 0


def evaluate_study_contrast(items: list[dict], study: bool) -> dict:
    """Contrast of the MR series of a study-grouped set (descriptions_real_bids_studies.csv): each
    series read alone (its name and the header Modality, ContrastBolusAgent when the sidecar kept
    one), or with its study's other series (``study_contrast``)."""
    by_study: dict[str, list[dict]] = {}
    for item in items:
        by_study.setdefault(item["study"], []).append(item)
    s = dict.fromkeys(("labelled", "right", "conf_right", "conf_wrong", "low_wrong", "abstained", "invented"), 0)
    for key in sorted(by_study):
        rows = by_study[key]
        evidence = [{"SeriesDescription": r["text"], "Modality": DICOM_MODALITY[r["modality"]],
                     "ContrastBolusAgent": r.get("contrast_agent") or None} for r in rows]
        results = [normalize_series(ev) for ev in evidence]
        if study:
            results = study_contrast(list(zip(evidence, results)))
        for row, result in zip(rows, results):
            got, conf = codes_of(result.get("contrast"))
            want = _codes(row["contrast"])
            if not want:
                s["invented"] += got is not None
                continue
            s["labelled"] += 1
            if got is None:
                s["abstained"] += 1
            elif got == want:
                s["right"] += 1
                s["conf_right"] += conf >= CONFIDENT
            else:
                s["conf_wrong" if conf >= CONFIDENT else "low_wrong"] += 1
    return s


def print_study_contrast(title: str, items: list[dict]) -> None:
    print(f"\n{title}: {len(items)} series in {len({i['study'] for i in items})} studies, header modality given")
    print(f"  {'read':<22}{'labelled':>9}{'right':>9}{'conf-right':>12}{'conf-wrong':>12}{'low-wrong':>11}{'abstained':>11}{'invented':>10}")
    for name, study in (("series alone", False), ("with its study", True)):
        s = evaluate_study_contrast(items, study)
        n = s["labelled"]
        print(f"  {name:<22}{n:>9}{pct(s['right'], n):>9}{pct(s['conf_right'], n):>12}{pct(s['conf_wrong'], n):>12}"
              f"{pct(s['low_wrong'], n):>11}{pct(s['abstained'], n):>11}{s['invented']:>10}")


def print_by_language(items: list[dict], split: str) -> None:
    """All real sets together, one block per language (header modality given): right,
    confidently wrong and abstained per labelled field."""
    by_lang: dict[str, list[dict]] = {}
    for item in items:
        by_lang.setdefault(item.get("lang") or "?", []).append(item)
    print(f"\nreal sets per language, {split} split, header modality given "
          "(text-only modality in the last column):")
    print(f"  {'lang':<6}{'field':<12}{'n':>6}{'right':>9}{'conf-wrong':>12}{'abstained':>11}{'conf-right':>12}")
    for lang, rows in sorted(by_lang.items()):
        out, text_only = evaluate_real(rows, header=True), evaluate_real(rows, header=False)
        for field, s in out["stats"].items():
            if field == "modality":
                s = text_only["stats"]["modality"]
            if s["labelled"]:
                n = s["labelled"]
                label = "modality*" if field == "modality" else field
                print(f"  {lang:<6}{label:<12}{n:>6}{pct(s['right'], n):>9}{pct(s['conf_wrong'], n):>12}{pct(s['abstained'], n):>11}"
                      f"{pct(s['conf_right'], n):>12}")
    print("  * modality from the text alone (with the header it is always the header's)")
    print("  conf-right: right at a confidence of at least CONFIDENT (what lowering a confidence costs)")


def print_by_source(groups: list[tuple[str, list[dict]]]) -> None:
    """One line per source (institution, language) and labelled field, header modality given
    (modality itself, given by the header, is left out)."""
    print(f"  per source, header modality given:\n  {'source [lang]':<58}{'field':<12}{'n':>5}{'right':>9}{'conf-wrong':>12}{'abstained':>11}")
    for group, rows in groups:
        out = evaluate_real(rows, header=True)
        for field, s in out["stats"].items():
            if s["labelled"] and field != "modality":
                n = s["labelled"]
                print(f"  {group[:57]:<58}{field:<12}{n:>5}{pct(s['right'], n):>9}{pct(s['conf_wrong'], n):>12}{pct(s['abstained'], n):>11}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--holdout", action="store_true", help="evaluate the held-out set (final check only)")
    parser.add_argument("--errors", action="store_true", help="list wrong and missed answers")
    parser.add_argument("--real", action="store_true", help="per-field table on the real-world and synthetic sets")
    parser.add_argument("--external", type=Path, help="a further real-world set built by scripts/build_real_descriptions.py")
    args = parser.parse_args(argv)
    if args.real or args.external:
        return main_real(args)
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
