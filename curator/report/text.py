"""The audit report as a readable plain-text summary."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from curator.analyses.audit import DEMOGRAPHICS, shown_path
from curator.common.visible import visible


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
        rows.append([site, entry["studies"], f"{age['percent']}% ({age['derivable']} derived)"]
                    + [f"{entry[n]['percent']}%" for n in DEMOGRAPHICS if n != "age"])
    out.extend(_table(["site", "studies", "age", "sex", "ethnic group", "size", "weight"], rows))
    _risk(report, add)
    add("")
    add("Identifier exposure (attributes present, never their values)")
    add("------------------------------------------------------------")
    out.extend(_table(["attribute", "instances"], [[a["attribute"], a["instances"]] for a in report["identifiers"]["attributes"]]) or ["  none"])
    add("")
    b = report["burned_in"]
    add("Burned-in annotation")
    add("--------------------")
    add(f"  declared YES: {b['yes']}   at risk, flag missing: {b['at_risk_flag_missing']}")
    if "pixel_screen" in b:
        screen = b["pixel_screen"]
        add(f"  pixel screen: {screen['text_like']} of {screen['screened']} images show text-like regions"
            + (f" ({screen['not_decoded']} not decodable)" if screen["not_decoded"] else ""))
        for modality, row in screen["by_modality"].items():
            if row["text_like"]:
                add(f"    {modality}: {row['text_like']} of {row['screened']}")
    add("")
    add("Private tag creators")
    add("--------------------")
    creators = [[c["creator"], c["instances"]] for c in report["private_creators"] or []]
    out.extend(_table(["creator", "instances"], creators) if creators else ["  none"])
    charsets = [[c["declared"], c["read_as"], c["instances"]] for c in report.get("character_sets") or []]
    if charsets:
        add("")
        add("Text not in its declared character set")
        add("--------------------------------------")
        out.extend(_table(["declared", "read as", "instances"], charsets))
    for kind in ("type1", "type2"):
        add("")
        add(f"Missing {kind.replace('type', 'type ')} attributes")
        add("-" * 22)
        items = report["missing_attributes"][kind]
        out.extend(_table(["attribute", "instances"], [[a["attribute"], a["instances"]] for a in items]) if items else ["  none"])
    if "normalization" in report:
        _analyses(report, add, out)
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
            add(f"  {shown_path(r)}: {r['reason']}")
    # one element of ``out`` is one line: a header value (a manufacturer, a model, a path) with
    # a line break or a terminal escape sequence is shown escaped, never acted on
    return "\n".join(visible(line) for line in out) + "\n"


def _risk(report: Mapping[str, Any], add) -> None:
    identity = report.get("patient_identity")
    if identity:
        add(f"  patient identity: {identity['studies_joined']} studies joined to their patient "
            f"({identity['conflicts']} with another PatientID, {identity['conflict_instances']} instances); "
            f"without issuer: {identity.get('issuer_missing_linked', 0)} PatientIDs linked to their site's one issuer, "
            f"{identity.get('issuer_missing_per_site', 0)} named one patient per site")
    kan = report.get("k_anonymity")
    if kan:
        r = kan["after"]
        add(f"  k-anonymity (k={kan['k']}, measured over age, sex, ethnic group, size, weight, site): smallest group {r['smallest_group']}, "
            f"{r['records_below_k']} studies of {r['patients_below_k']} patients in groups below k")


def _analyses(report: Mapping[str, Any], add, out: list[str]) -> None:
    norm = report["normalization"]
    add("")
    add("Description normalization (RadLex): coverage per site")
    add("-----------------------------------------------------")
    attributes = ["modality", "body_region", "contrast", "weighting", "plane", "laterality"]
    rows = []
    for site, entry in norm["sites"].items():
        cov = entry["coverage"]
        rows.append([site, entry["series"], entry["excluded"]] + ["-" if cov.get(a) is None else f"{100 * cov[a]:.0f}%" for a in attributes])
    out.extend(_table(["site", "series", "excluded", *attributes], rows))
    add(f"  conflicts between description and header: {sum(c['series'] for c in norm['conflicts'])} series")
    for c in norm["conflicts"]:
        add(f"    {c['site']}: {c['description']!r} {c['attribute']}: description says {c['description_says']}, header says {c['header_says']}")
    add(f"  unmapped descriptions: {len(norm['unmapped_descriptions'])}")
    for u in norm["unmapped_descriptions"]:
        add(f"    {u['site']}: {u['description']!r} ({u['series']} series)")
    procedures = report.get("procedures", [])
    determined = sum(1 for p in procedures if p["procedure"])
    add(f"  studies with a Playbook procedure: {determined} of {len(procedures)}")
    seg = report["segmentation_summary"]
    add("")
    add("Segmentation provenance")
    add("-----------------------")
    add(f"  segmentations: {seg['n_segmentations']}   without provenance: {seg['n_without_provenance']}   curator-supplied: {seg['n_with_curator_provenance']}")
    for s in report["segmentations"]:
        flag = "" if s.get("has_provenance") else "  [no provenance: " + "; ".join(s.get("provenance_issues") or []) + "]"
        add(f"  {s['key']}  {s.get('kind')}  {s.get('algorithm_type') or '?'}  "
            f"{s.get('algorithm_name') or ''} {s.get('algorithm_version') or ''}{flag}".rstrip())
    h = report["harmonization"]
    add("")
    add(f"Harmonization batches (flagged under {h['threshold']} series)")
    add("-" * 45)
    out.extend(_table(["site", "modality", "manufacturer", "model", "technique", "thickness", "series", "flag"],
                      [[b["site"], b["modality"], b["manufacturer"], b["model"], b["technique"], b["thickness_band"], b["n_series"],
                        "small" if b["under_threshold"] else ""] for b in h["batches"]]))
