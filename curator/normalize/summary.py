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
    for site, description, result in rows:
        site = site or "*"
        s = per_site[site]
        s["series"] += 1
        if result.get("excluded"):
            s["excluded"] += 1
            continue
        is_mr = (result.get("modality") or {}).get("code") == "RID10312"
        for attribute in ATTRIBUTES:
            if attribute == "weighting" and not is_mr:
                continue
            s["eligible"][attribute] += 1
            s["answered"][attribute] += result.get(attribute) is not None
        for c in result.get("conflicts") or []:
            s["conflicts"][c["attribute"]] += 1
            says = (c["attribute"], str(c["description_says"]), str(c["header_says"]))
            conflicts[(site, description or "", *says)] += 1
        if all(result.get(a) is None for a in ATTRIBUTES if a != "modality") and description:
            unmapped[(site, description)] += 1
            unmapped_tokens[(site, description)] = list(result.get("unmapped_tokens") or [])
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
