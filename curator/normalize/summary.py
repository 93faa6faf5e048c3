"""Report-ready summary of normalization results: coverage per site, conflicts, unmapped
descriptions (for the audit JSON and the text/html reports)."""
from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from curator.normalize.lexicon import ATTRIBUTES


def summarize(rows: Iterable[tuple[str | None, str | None, Mapping[str, Any]]]) -> dict:
    """``rows``: (site, series description, normalize_series result) per series.

    Returns ``{"sites": {site: {"series": n, "excluded": n, "coverage": {attr: fraction},
    "conflicts": {attr: n}}}, "unmapped_descriptions": [{site, description, series,
    unmapped_tokens}], "conflicts": [{site, description, attribute, description_says,
    header_says, series}]}`` with everything sorted (deterministic).  Coverage is over the
    series that are not excluded; weighting coverage is over MR series only."""
    per_site: dict[str, dict] = defaultdict(lambda: {"series": 0, "excluded": 0, "answered": Counter(), "eligible": Counter(), "conflicts": Counter()})
    unmapped: Counter = Counter()
    unmapped_tokens: dict[tuple[str, str], list[str]] = {}
    conflicts: Counter = Counter()
    # Series sharing site, description and result object are counted together.
    results: dict[int, Mapping[str, Any]] = {}
    repeats: Counter = Counter()
    unmapped_result: dict[int, bool] = {}
    for site, description, result in rows:
        results[id(result)] = result
        repeats[(site or "*", description, id(result))] += 1
        if id(result) not in unmapped_result:
            unmapped_result[id(result)] = not result.get("excluded") and all(result.get(a) is None for a in ATTRIBUTES if a != "modality")
        if unmapped_result[id(result)] and description:  # the last such series gives the tokens shown
            unmapped_tokens[(site or "*", description)] = list(result.get("unmapped_tokens") or [])
    for (site, description, result_id), n in repeats.items():
        result = results[result_id]
        s = per_site[site]
        s["series"] += n
        if result.get("excluded"):
            s["excluded"] += n
            continue
        is_mr = (result.get("modality") or {}).get("code") == "RID10312"
        for attribute in ATTRIBUTES:
            if attribute == "weighting" and not is_mr:
                continue
            s["eligible"][attribute] += n
            s["answered"][attribute] += n * (result.get(attribute) is not None)
        for c in result.get("conflicts") or []:
            s["conflicts"][c["attribute"]] += n
            says = (c["attribute"], str(c["description_says"]), str(c["header_says"]))
            conflicts[(site, description or "", *says)] += n
        if unmapped_result[result_id] and description:
            unmapped[(site, description)] += n
    sites = {}
    for site in sorted(per_site):
        s = per_site[site]
        sites[site] = {
            "series": s["series"],
            "excluded": s["excluded"],
            "coverage": {a: round(s["answered"][a] / s["eligible"][a], 4) if s["eligible"][a] else None for a in ATTRIBUTES},
            "conflicts": {a: s["conflicts"][a] for a in ATTRIBUTES if s["conflicts"][a]},
        }
    return {
        "sites": sites,
        "unmapped_descriptions": [
            {"site": site, "description": d, "series": n, "unmapped_tokens": unmapped_tokens[(site, d)]}
            for (site, d), n in sorted(unmapped.items())
        ],
        "conflicts": [
            {"site": k[0], "description": k[1], "attribute": k[2], "description_says": k[3], "header_says": k[4], "series": n}
            for k, n in sorted(conflicts.items())
        ],
    }
