"""The audit report as a readable plain-text summary."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from curator.audit import DEMOGRAPHICS


def _table(headers: list[str], rows: list[list[Any]]) -> list[str]:
    cells = [[str(h) for h in headers]] + [[("" if c is None else str(c)) for c in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    lines = []
    for n, row in enumerate(cells):
        lines.append("  " + "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths))).rstrip())
        if n == 0:
            lines.append("  " + "  ".join("-" * w for w in widths))
    return lines


def render_text(report: Mapping[str, Any]) -> str:
    out: list[str] = []
    add = out.append
    add("curator audit")
    add("=============")
    add(f"files seen: {report['files']}   instances indexed: {report['instances']}   rejected: {len(report['rejected'])}")
    add(f"patients: {report['patients']}   studies: {report['studies']}   series: {len(report['series'])}")
    add("")
    add("Findings")
    add("--------")
    if not report["findings"]:
        add("  none")
    for f in report["findings"]:
        add(f"  {f['severity'].upper():8} {f['count']:>7}  {f['message']}")
    for title, name in (("site", "by_site"), ("modality", "by_modality"), ("manufacturer", "by_manufacturer"), ("model", "by_model")):
        add("")
        add(f"Inventory by {title}")
        add("-" * (13 + len(title)))
        table = report["inventory"][name]
        out.extend(_table([title, "patients", "studies", "series", "instances"],
                          [[k, v["patients"], v["studies"], v["series"], v["instances"]] for k, v in table.items()]))
    add("")
    add("Demographics completeness per site (% of studies)")
    add("-------------------------------------------------")
    rows = []
    for site, entry in report["demographics"].items():
        age = entry["age"]
        rows.append([site, entry["studies"], f"{age['percent']}% ({age['derivable']} derived)"] + [f"{entry[n]['percent']}%" for n in DEMOGRAPHICS if n != "age"])
    out.extend(_table(["site", "studies", "age", "sex", "ethnic group", "size", "weight"], rows))
    add("")
    add("Identifier exposure (attributes present, never their values)")
    add("------------------------------------------------------------")
    out.extend(_table(["attribute", "instances"], [[a["attribute"], a["instances"]] for a in report["identifiers"]["attributes"]]) or ["  none"])
    add("")
    b = report["burned_in"]
    add("Burned-in annotation")
    add("--------------------")
    add(f"  declared YES: {b['yes']}   at risk, flag missing: {b['at_risk_flag_missing']}")
    add("")
    add("Private tag creators")
    add("--------------------")
    out.extend(_table(["creator", "instances"], [[c["creator"], c["instances"]] for c in report["private_creators"]]) if report["private_creators"] else ["  none"])
    for kind in ("type1", "type2"):
        add("")
        add(f"Missing {kind.replace('type', 'type ')} attributes")
        add("-" * 22)
        items = report["missing_attributes"][kind]
        out.extend(_table(["attribute", "instances"], [[a["attribute"], a["instances"]] for a in items]) if items else ["  none"])
    add("")
    add("Quality")
    add("-------")
    q = report["quality"]
    out.extend(_table(["dimension", "fail", "pass", "total", "weight", "score"],
                      [[d, v["fail"], v["pass"], v["total"], v["weight"], f"{v['score']:.3f}"] for d, v in q["dimensions"].items()]))
    add(f"  weighted total: {q['total']:.3f}")
    if report["rejected"]:
        add("")
        add("Rejected files")
        add("--------------")
        for r in report["rejected"]:
            add(f"  {r['path']}: {r['reason']}")
    return "\n".join(out) + "\n"
