"""The audit report as one self-contained HTML file with charts (no network at view time).

``render_html(report)`` turns the report dict of :func:`curator.analyses.audit.build_report` (the JSON
contract) into a single HTML page: inline CSS, inline SVG charts drawn by
:mod:`curator.report.charts`, no JavaScript, no external fonts, images or links to fetch.

Rules:

* Only what is in the report is shown; nothing is looked up or computed from elsewhere
  (the report has already been scrubbed of identifiers).  The markup lives in Jinja2
  templates (``curator/report/templates/``: ``page.html.j2``, ``components.html.j2``,
  ``report.css``) rendered with autoescape: every value is escaped unless it is markup
  (a ``markupsafe.Markup``) made by those templates or by :mod:`curator.report.charts`.
* Counts of the age/sex distribution below ``k`` are shown as ``<k`` (never exactly), even
  if an older report carries an exact small count.
* Sections whose data are absent from the report (older reports, partial analyses) are
  skipped with a short note, never a crash.
* Deterministic: the same report gives byte-identical HTML (no clock, sorted output).

See ``docs/audit-report-html.md`` for the sections and how to read them.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from curator.analyses.audit import shown_path
from curator.report import charts
from curator.report.charts import Bar, count, esc

NORMALIZED_ATTRIBUTES = ("modality", "body_region", "contrast", "weighting", "plane", "laterality")
DEMOGRAPHIC_ATTRIBUTES = (("age", "age"), ("sex", "sex"), ("ethnic_group", "ethnic group"), ("size", "size"), ("weight", "weight"))
METRICS = ("patients", "studies", "series", "instances")
MAX_BARS = 40  # bars per chart before the rest is summed as "other"
MAX_ROWS = 1000  # rows per table before the rest is left to the JSON report
SEVERITY_CLASS = {"error": "sev-error", "warning": "sev-warning", "info": "sev-info"}

TEMPLATES = Path(__file__).resolve().parent / "templates"  # package data (pyproject: package-data)


def _escaped(value: Any) -> Markup:
    """What every ``{{ value }}`` of the templates prints: markup as it is, anything else
    escaped (quotes too) with :func:`curator.report.charts.esc`, the escaping of the charts, so the
    page stays byte-identical to what it was; ``None`` prints nothing."""
    return value if isinstance(value, Markup) else Markup(esc(value))


@cache
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True, finalize=_escaped,
                             keep_trailing_newline=True, undefined=jinja2.StrictUndefined)
    env.filters["cell"] = _cell
    env.tests["markup"] = lambda value: isinstance(value, Markup)
    return env


def _macros() -> Any:
    """The macros of ``components.html.j2`` (each returns markup)."""
    return _environment().get_template("components.html.j2").module


class _Page:
    """Collects the sections of the page; hands out chart ids in order (deterministic)."""

    def __init__(self) -> None:
        self.m = _macros()
        self.parts: list[Markup] = []
        self.toc: list[tuple[str, str]] = []
        self.n = 0

    def cid(self) -> str:
        self.n += 1
        return f"chart{self.n}"

    def section(self, anchor: str, title: str) -> None:
        self.toc.append((anchor, title))
        self.parts.append(self.m.section(anchor, title))

    def end(self) -> None:
        self.parts.append(self.m.section_end())

    def add(self, markup: Markup) -> None:
        self.parts.append(markup)

    def h3(self, text: str, id: str = "") -> None:
        self.parts.append(self.m.h3(text, id))

    def p(self, text: str, cls: str = "") -> None:
        self.parts.append(self.m.p(text, cls))

    def figure(self, svg: str, caption: str, table: Markup | str = "") -> None:
        self.parts.append(self.m.figure(Markup(svg), caption, table))  # the SVG of curator.report.charts escapes its own text


def _table(headers: Sequence[str], rows: Sequence[Sequence[Any]], numeric: Sequence[bool] | None = None,
           row_classes: Sequence[str] | None = None, caption: str = "") -> Markup:
    """An HTML table; cell values are escaped unless they are markup (badges, flags)."""
    return _macros().table(headers, rows, numeric or [False] * len(headers), row_classes or [], caption)


def _cell(value: Any) -> Any:
    """The text of a table cell (markup is kept as it is; the template escapes the rest)."""
    if isinstance(value, Markup):
        return value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        return count(value)
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    return value


def _int(value: Any) -> int:
    try:
        return int(value or 0)
    except (TypeError, ValueError):
        return 0


def _capped(rows: list, what: str) -> tuple[list, str]:
    if len(rows) <= MAX_ROWS:
        return rows, ""
    return rows[:MAX_ROWS], f"Showing the first {MAX_ROWS:,} of {len(rows):,} {what}; the JSON report lists all."


def _top(items: list[tuple[str, float]], limit: int = MAX_BARS) -> list[tuple[str, float]]:
    """The ``limit`` largest items (ties by name), the rest summed as one "other" item."""
    ordered = sorted(items, key=lambda kv: (-kv[1], kv[0]))
    if len(ordered) <= limit:
        return ordered
    rest = ordered[limit - 1:]
    return ordered[: limit - 1] + [(f"other ({len(rest)})", sum(v for _, v in rest))]


# --------------------------------------------------------------------------- sections


def _header(page: _Page, report: Mapping[str, Any]) -> None:
    quality = (report.get("quality") or {}).get("total")
    cards = [
        ("files seen", report.get("files")), ("instances indexed", report.get("instances")),
        ("files rejected", len(report.get("rejected") or [])), ("patients", report.get("patients")),
        ("studies", report.get("studies")), ("series", len(report.get("series") or [])),
    ]
    if quality is not None:
        cards.append(("quality score", f"{float(quality):.3f}"))
    page.add(page.m.cards([(k, count(v) if v is not None else "-") for k, v in cards]))
    page.p("This report holds counts, one-way keys, scrubbed descriptions and facts about identifiers "
           "(which attributes are present), never identifier values. Counts of the age/sex distribution "
           "below the suppression threshold are shown as ranges (\u201c<k\u201d).", "note")


def _findings(page: _Page, report: Mapping[str, Any]) -> None:
    findings = report.get("findings") or []
    page.section("findings", "Findings")
    if not findings:
        page.p("No findings.")
    else:
        rows = [[page.m.badge(SEVERITY_CLASS.get(str(f.get("severity")), "sev-info"), f.get("severity")),
                 f.get("count"), f.get("message"), page.m.code(f.get("code"))] for f in findings]
        page.add(_table(["severity", "count", "what", "code"], rows, [False, True, False, False]))
    page.end()


def _inventory(page: _Page, report: Mapping[str, Any]) -> None:
    inventory = report.get("inventory") or {}
    page.section("inventory", "Inventory per site and modality")
    for name, what in (("by_site", "site"), ("by_modality", "modality")):
        table = inventory.get(name) or {}
        if not table:
            page.p(f"No inventory by {what} in this report.", "note")
            continue
        rows = [(str(k), {m: _int(v.get(m)) for m in METRICS}) for k, v in sorted(table.items())]
        page.h3(f"By {what}")
        page.figure(
            charts.bar_table(page.cid(), f"Inventory by {what}", f"Patients, studies, series and instances per {what}; "
                             "each column has its own scale.", rows, METRICS),
            f"Patients, studies, series and instances per {what} (each column on its own scale).",
            _table([what, *METRICS], [[k, *(v[m] for m in METRICS)] for k, v in rows], [False] + [True] * 4),
        )
    page.end()


def _mix(page: _Page, report: Mapping[str, Any]) -> None:
    series = report.get("series") or []
    inventory = report.get("inventory") or {}
    page.section("equipment", "Manufacturer, model and protocol mix")
    image_series = [s for s in series if not s.get("is_segmentation")]
    if image_series:
        manufacturers = _top([(m, n) for m, n in Counter(str(s.get("manufacturer") or "(missing)") for s in image_series).items()], 10)
        names = [m for m, _ in manufacturers]
        other = next((m for m in names if m.startswith("other (")), None)
        per_site: dict[str, Counter] = {}
        for s in image_series:
            manufacturer = str(s.get("manufacturer") or "(missing)")
            part = manufacturer if manufacturer in names else other
            per_site.setdefault(str(s.get("site") or "(missing)"), Counter())[part] += 1
        parts = [(m, charts.CATEGORICAL[i % len(charts.CATEGORICAL)]) for i, m in enumerate(names)]
        rows = [(site, dict(per_site[site])) for site in sorted(per_site)]
        page.h3("Manufacturers per site (image series)")
        page.figure(
            charts.stacked_hbar(page.cid(), "Image series per site by manufacturer",
                                "Stacked bars: the number of image series of each manufacturer at each site.", rows, parts, unit="series"),
            "Image series per site, stacked by manufacturer (segmentations excluded).",
            _table(["site", *names], [[site, *(c.get(m, 0) for m in names)] for site, c in rows], [False] + [True] * len(names)),
        )
    by_model = inventory.get("by_model") or {}
    if by_model:
        items = _top([(str(k), _int(v.get("series"))) for k, v in by_model.items()])
        page.h3("Scanner models")
        page.figure(
            charts.hbar(page.cid(), "Series per scanner model", "Horizontal bars: series per manufacturer model name.",
                        [Bar(k, v, charts.CATEGORICAL[0]) for k, v in items], unit="series"),
            "Series per scanner model (all series, segmentations included).",
            _table(["model", *METRICS], [[k, *(_int(v.get(m)) for m in METRICS)] for k, v in sorted(by_model.items())],
                   [False] + [True] * 4),
        )
    by_manufacturer = inventory.get("by_manufacturer") or {}
    if by_manufacturer:
        page.add(_table(["manufacturer", *METRICS], [[k, *(_int(v.get(m)) for m in METRICS)] for k, v in sorted(by_manufacturer.items())],
                        [False] + [True] * 4, caption="Inventory by manufacturer"))
    protocols = Counter(str(s.get("protocol")) for s in image_series if s.get("protocol"))
    if protocols:
        items = _top(list(protocols.items()), 25)
        page.h3("Protocols")
        page.figure(
            charts.hbar(page.cid(), "Series per protocol name", "Horizontal bars: image series per (scrubbed) protocol name, most frequent first.",
                        [Bar(k, v, charts.PROTOCOL) for k, v in items], unit="series"),
            f"Image series per protocol name (the {min(len(protocols), 25)} most frequent of {len(protocols)}; scrubbed text).",
            _table(["protocol", "series"], [[k, v] for k, v in items], [False, True]),
        )
    _harmonization(page, report)
    page.end()


def _harmonization(page: _Page, report: Mapping[str, Any]) -> None:
    h = report.get("harmonization")
    page.h3("Acquisition batches (harmonization)", "harmonization")
    if not h:
        page.p("No harmonization batches in this report.", "note")
        return
    threshold = _int(h.get("threshold"))
    batches = list(h.get("batches") or [])
    if not batches:
        page.p("No image series to batch.", "note")
        return
    small = sum(1 for b in batches if b.get("under_threshold"))
    page.p(f"{len(batches)} batches (site \u00d7 modality \u00d7 manufacturer \u00d7 model \u00d7 technique \u00d7 thickness); "
           f"{small} have fewer than {threshold} series and are highlighted: statistical harmonization of such batches is unreliable.")

    def label(b: Mapping[str, Any]) -> str:
        parts = [b.get("site"), b.get("modality"), b.get("manufacturer"), b.get("model"), b.get("technique"), b.get("thickness_band")]
        return " \u00b7 ".join(str(p) for p in parts if p not in (None, ""))

    shown = batches[:MAX_BARS * 2]
    bars = [Bar(label(b), _int(b.get("n_series")), charts.BATCH_SMALL if b.get("under_threshold") else charts.BATCH_OK,
                "small" if b.get("under_threshold") else "") for b in shown]
    caption = f"Series per acquisition batch; dashed line: the threshold of {threshold} series."
    if len(batches) > len(shown):
        caption += f" The first {len(shown)} of {len(batches)} batches are drawn; the table lists more."
    page.figure(charts.hbar(page.cid(), "Series per acquisition batch", f"Horizontal bars: series per batch; batches under "
                            f"{threshold} series in orange, others in green; a dashed line marks the threshold.", bars,
                            unit="series", threshold=threshold, threshold_label=f"threshold {threshold}",
                            legend=[(f"under {threshold} series", charts.BATCH_SMALL), (f"{threshold} series or more", charts.BATCH_OK)],
                            max_label=560),
                caption)
    rows, note = _capped(batches, "batches")
    page.add(_table(["batch", "site", "modality", "manufacturer", "model", "technique", "thickness", "series", "flag"],
                    [[b.get("batch"), b.get("site"), b.get("modality"), b.get("manufacturer"), b.get("model"), b.get("technique"),
                      b.get("thickness_band"), _int(b.get("n_series")),
                      page.m.flag("small") if b.get("under_threshold") else ""] for b in rows],
                    [False] * 7 + [True, False], ["small" if b.get("under_threshold") else "" for b in rows]))
    if note:
        page.p(note, "note")


def _demographics(page: _Page, report: Mapping[str, Any]) -> None:
    demographics = report.get("demographics") or {}
    page.section("demographics", "Demographics")
    if demographics:
        sites = sorted(demographics)
        cells = {}
        for site in sites:
            for name, title in DEMOGRAPHIC_ATTRIBUTES:
                item = demographics[site].get(name)
                if not isinstance(item, Mapping):
                    continue
                percent = float(item.get("percent") or 0.0)
                cells[(site, title)] = (percent, f"{percent:g} %")
        page.h3("Completeness per site (% of studies with the attribute)")
        table_rows = []
        for site in sites:
            entry = demographics[site]
            row = [site, _int(entry.get("studies"))]
            for name, _ in DEMOGRAPHIC_ATTRIBUTES:
                item = entry.get(name) or {}
                row.append(f"{item.get('percent', 0):g} % ({_int(item.get('present'))}/{_int(item.get('total'))})")
            age = entry.get("age") or {}
            row.append(f"{_int(age.get('in_header'))} in header, {_int(age.get('derivable'))} derived")
            table_rows.append(row)
        page.figure(
            charts.heatmap(page.cid(), "Demographics completeness per site", "Heat table: percent of studies per site that have "
                           "age, sex, ethnic group, size and weight; darker blue is more complete, orange is none.",
                           sites, [t for _, t in DEMOGRAPHIC_ATTRIBUTES], cells),
            "Percent of studies per site with each attribute (age counts ages in the header or derivable from dates).",
            _table(["site", "studies", *(t for _, t in DEMOGRAPHIC_ATTRIBUTES), "age source"], table_rows, [False, True] + [False] * 6),
        )
    else:
        page.p("No demographics in this report.", "note")
    dist = report.get("demographics_distribution")
    page.h3("Age and sex distribution")
    if not isinstance(dist, Mapping) or not dist.get("age_bins"):
        page.p("The report has no age/sex distribution (it is not computed here from anything else).", "note")
    else:
        k = _int(dist.get("suppressed_below")) or 5
        bins = sorted(dist["age_bins"], key=_bin_order)
        values = {str(b): v if isinstance(v, Mapping) else {} for b, v in dist["age_bins"].items()}
        unit = str(dist.get("unit") or "studies")
        page.figure(
            charts.pyramid(page.cid(), "Age and sex distribution", f"Age pyramid of {unit} by sex: female to the left, male to "
                           f"the right, other and unknown sex as extra columns; counts below {k} are hatched and shown as <{k}.",
                           bins, values, k),
            f"{unit.capitalize()} per age bin (age at the study) and sex. Counts below {k} are suppressed: drawn hatched up to {k} "
            f"and printed as \u201c<{k}\u201d.",
            _table(["age", "F", "M", "O", "unknown"],
                   [[b, *(charts.shown(values[str(b)].get(s, 0), k) for s in ("F", "M", "O", "unknown"))] for b in bins],
                   [False] + [True] * 4),
        )
        if "unknown_age" in dist:
            page.p(f"{unit.capitalize()} without a known age: {charts.shown(dist.get('unknown_age'), k)}.", "note")
    _risk(page, report)
    page.end()


def _risk(page: _Page, report: Mapping[str, Any]) -> None:
    """Re-identification risk (k-anonymity, measured) and how patients were resolved."""
    kan = report.get("k_anonymity")
    if isinstance(kan, Mapping) and isinstance(kan.get("after"), Mapping):
        risk, k = kan["after"], _int(kan.get("k"))
        page.h3("Re-identification risk (k-anonymity over age, sex, ethnic group, size, weight and site)")
        page.add(_table(["k", "studies", "patients", "groups", "smallest group", "studies below k", "patients below k"],
                        [[k, _int(risk.get("records")), _int(risk.get("patients")), _int(risk.get("groups")),
                          _int(risk.get("smallest_group")), _int(risk.get("records_below_k")), _int(risk.get("patients_below_k"))]],
                        [True] * 7))
        page.p("Measured on the source, not enforced: a public release enforces k (curator deid --access public); "
               "controlled-access releases keep every value and report this figure.", "note")
    identity = report.get("patient_identity")
    if isinstance(identity, Mapping):
        page.p(f"Patient identity: {_int(identity.get('studies_joined'))} studies had instances naming another or no issuer "
               f"or another patient and were joined to their study's patient ({_int(identity.get('conflicts'))} with another "
               f"PatientID: {_int(identity.get('conflict_instances'))} instances). Without IssuerOfPatientID: "
               f"{_int(identity.get('issuer_missing_linked'))} PatientIDs linked to their site's one issuer, "
               f"{_int(identity.get('issuer_missing_per_site'))} site and PatientID pairs named one patient per site "
               "(never linked across sites).", "note")


def _bin_order(label: str) -> tuple[float, str]:
    """Age bins youngest first, whatever the key order of the (JSON) report: "5-9" before "10-14"."""
    digits = ""
    for c in str(label):
        if not c.isdigit():
            break
        digits += c
    return (float(digits) if digits else float("inf"), str(label))


def _coverage(norm: Mapping[str, Any]) -> dict[str, dict[str, float | None]]:
    """Coverage percent per site and attribute, from either form of the normalization section."""
    out: dict[str, dict[str, float | None]] = {}
    if isinstance(norm.get("sites"), Mapping):
        for site, entry in norm["sites"].items():
            cov = (entry or {}).get("coverage") or {}
            out[str(site)] = {a: (None if cov.get(a) is None else round(100.0 * float(cov[a]), 1)) for a in cov}
    elif isinstance(norm.get("coverage_by_site"), Mapping):
        for site, cov in norm["coverage_by_site"].items():
            out[str(site)] = {a: (None if v is None else float(v)) for a, v in (cov or {}).items()}
    return out


def _normalization(page: _Page, report: Mapping[str, Any]) -> None:
    norm = report.get("normalization")
    page.section("normalization", "Normalization coverage and conflicts")
    if not isinstance(norm, Mapping):
        page.p("No normalization in this report.", "note")
        page.end()
        return
    coverage = _coverage(norm)
    if coverage:
        sites = sorted(coverage)
        attributes = [a for a in NORMALIZED_ATTRIBUTES if any(a in coverage[s] for s in sites)]
        attributes += sorted({a for s in sites for a in coverage[s]} - set(attributes))
        cells = {(s, a): (coverage[s].get(a), "n/a" if coverage[s].get(a) is None else f"{coverage[s][a]:g} %")
                 for s in sites for a in attributes}
        sites_info = norm.get("sites") if isinstance(norm.get("sites"), Mapping) else {}
        page.figure(
            charts.heatmap(page.cid(), "Normalization coverage per site", "Heat table: percent of series per site whose "
                           "description or header gave a RadLex term for each attribute; n/a where not applicable.",
                           sites, [a.replace("_", " ") for a in attributes],
                           {(s, a.replace("_", " ")): v for (s, a), v in cells.items()}),
            "Percent of (non-excluded) series per site with a normalized value; weighting is counted over MR series only.",
            _table(["site", "series", "excluded", *attributes],
                   [[s, _int((sites_info.get(s) or {}).get("series")) if sites_info else "",
                     _int((sites_info.get(s) or {}).get("excluded")) if sites_info else "", *(cells[(s, a)][1] for a in attributes)]
                    for s in sites], [False, True, True] + [True] * len(attributes)),
        )
    conflicts = norm.get("conflicts")
    page.h3("Conflicts between description and header")
    if isinstance(conflicts, list) and conflicts:
        per_attribute: Counter[str] = Counter()
        for c in conflicts:
            per_attribute[str(c.get("attribute"))] += _int(c.get("series")) or 1
        page.figure(
            charts.hbar(page.cid(), "Conflicts per attribute", "Horizontal bars: series whose description and header disagree, per attribute.",
                        [Bar(a, n, charts.BATCH_SMALL) for a, n in sorted(per_attribute.items())], unit="series"),
            "Series whose description and header disagree, per normalized attribute.")
        rows, note = _capped(conflicts, "conflicts")
        page.add(_table(["site", "description", "attribute", "description says", "header says", "series"],
                        [[c.get("site"), c.get("description"), c.get("attribute"), c.get("description_says"), c.get("header_says"),
                          _int(c.get("series")) or 1] for c in rows], [False] * 5 + [True]))
        if note:
            page.p(note, "note")
    elif isinstance(conflicts, int | float) and not isinstance(conflicts, bool) and conflicts:
        page.p(f"{count(conflicts)} series have a description that disagrees with the header.")
    else:
        page.p("None.")
    unmapped = norm.get("unmapped_descriptions", norm.get("unmapped")) or []
    page.h3("Unmapped descriptions")
    if unmapped:
        rows, note = _capped(list(unmapped), "descriptions")
        page.add(_table(["site", "description", "series", "unmapped words"],
                        [[u.get("site"), u.get("description"), _int(u.get("series")), u.get("unmapped_tokens") or []] for u in rows],
                        [False, False, True, False], caption="Review these with `curator mappings review`."))
        if note:
            page.p(note, "note")
    else:
        page.p("None.")
    procedures = report.get("procedures")
    if isinstance(procedures, list) and procedures:
        determined = sum(1 for p in procedures if p.get("procedure"))
        page.p(f"Studies with a RadLex Playbook procedure: {determined} of {len(procedures)}.")
    page.end()


def _segmentations(page: _Page, report: Mapping[str, Any]) -> None:
    segs = report.get("segmentations")
    page.section("segmentations", "Segmentation provenance")
    if not isinstance(segs, list):
        page.p("No segmentation analysis in this report.", "note")
        page.end()
        return
    if not segs:
        page.p("No segmentations (SEG or RTSTRUCT) in the archive.")
        page.end()
        return
    groups: dict[str, Counter] = {}
    for s in segs:
        name = f"{s.get('kind') or 'unknown'} \u00b7 {s.get('algorithm_type') or 'unknown type'}"
        groups.setdefault(name, Counter())["with provenance" if s.get("has_provenance") else "without provenance"] += 1
    parts = [("with provenance", charts.PROVENANCE_OK), ("without provenance", charts.PROVENANCE_MISSING)]
    rows = [(g, dict(groups[g])) for g in sorted(groups)]
    without = sum(1 for s in segs if not s.get("has_provenance"))
    page.p(f"{len(segs)} segmentations; {without} do not say how they were made (algorithm type, name or version missing).")
    page.figure(
        charts.stacked_hbar(page.cid(), "Segmentations by kind and algorithm type", "Stacked bars: segmentations per kind and "
                            "algorithm type, blue with provenance, orange without.", rows, parts, unit="segmentations"),
        "Segmentations per kind and algorithm type, split by whether their provenance is complete.")
    table_rows, note = _capped(segs, "segmentations")
    page.add(_table(
        ["key", "site", "kind", "algorithm type", "algorithm", "version", "segments", "referenced series", "provenance"],
        [[s.get("key"), s.get("site"), s.get("kind"), s.get("algorithm_type"), s.get("algorithm_name"), s.get("algorithm_version"),
          len(s.get("segments") or []), len(s.get("referenced_series") or []),
          page.m.ok("complete") if s.get("has_provenance")
          else page.m.flagged("missing", "; ".join(str(i) for i in s.get("provenance_issues") or []))]
         for s in table_rows],
        [False] * 6 + [True, True, False], ["" if s.get("has_provenance") else "missing" for s in table_rows]))
    if note:
        page.p(note, "note")
    page.end()


def _exposure(page: _Page, report: Mapping[str, Any]) -> None:
    page.section("exposure", "Identifier exposure and burned-in risk")
    attributes = (report.get("identifiers") or {}).get("attributes") or []
    page.p("Which identifying attributes occur in the source, and in how many instances. Their values are never read into "
           "this report; de-identify before sharing.")
    if attributes:
        items = _top([(str(a.get("attribute")), _int(a.get("instances"))) for a in attributes], 80)
        page.figure(
            charts.hbar(page.cid(), "Identifying attributes present", "Horizontal bars: instances in which each identifying "
                        "attribute is present.", [Bar(k, v, charts.IDENTIFIER) for k, v in items], unit="instances"),
            "Instances carrying each identifying attribute (attribute names only).",
            _table(["attribute", "instances"], [[a.get("attribute"), _int(a.get("instances"))] for a in attributes], [False, True]),
        )
    else:
        page.p("No identifying attributes found.")
    burned = report.get("burned_in") or {}
    page.h3("Burned-in annotation")
    page.p(f"Instances declaring burned-in annotation (BurnedInAnnotation YES): {count(_int(burned.get('yes')))}; "
           f"instances of at-risk modalities without the flag: {count(_int(burned.get('at_risk_flag_missing')))}.")
    screen = burned.get("pixel_screen")
    if isinstance(screen, dict):
        text_like = {str(m): _int(row.get("text_like")) for m, row in (screen.get("by_modality") or {}).items() if isinstance(row, dict)}
        detail = ", ".join(f"{m}: {count(n)}" for m, n in sorted(text_like.items()) if n)
        page.p(f"Pixel screen (whatever the header says): {count(_int(screen.get('text_like')))} of "
               f"{count(_int(screen.get('screened')))} images show text-like regions along their edges"
               + (f" ({detail})" if detail else "") + ".")
    by_modality = burned.get("by_modality") or {}
    if by_modality:
        parts = [("declared YES", charts.BURNED_YES), ("at risk, flag missing", charts.BURNED_RISK)]
        rows = [(str(m), {"declared YES": _int(v.get("yes")), "at risk, flag missing": _int(v.get("at_risk_flag_missing"))})
                for m, v in sorted(by_modality.items())]
        page.figure(
            charts.stacked_hbar(page.cid(), "Burned-in annotation risk per modality", "Stacked bars per modality: instances "
                                "declaring burned-in annotation (red) and at-risk instances without the flag (salmon).", rows, parts,
                                unit="instances"),
            "Instances with burned-in annotation declared, or at risk with the flag missing, per modality.",
            _table(["modality", "declared YES", "at risk, flag missing"], [[m, *v.values()] for m, v in rows], [False, True, True]),
        )
    creators = report.get("private_creators") or []
    page.h3("Private tag creators")
    if creators:
        page.add(_table(["creator", "instances"], [[c.get("creator"), _int(c.get("instances"))] for c in creators], [False, True]))
    else:
        page.p("None.")
    charsets = report.get("character_sets") or []
    if charsets:
        page.h3("Text not in its declared character set")
        page.add(_table(["declared", "read as", "instances"],
                        [[c.get("declared") or "none", c.get("read_as"), _int(c.get("instances"))] for c in charsets], [False, False, True]))
    page.end()


def _quality(page: _Page, report: Mapping[str, Any]) -> None:
    quality = report.get("quality") or {}
    dims = quality.get("dimensions") or {}
    page.section("quality", "Quality score")
    if dims:
        bars = [Bar(str(d), round(100.0 * float(v.get("score") or 0), 1), charts.QUALITY, suffix=" %") for d, v in dims.items()]
        page.figure(charts.hbar(page.cid(), "Quality score per dimension", "Horizontal bars: percent of checks passed per "
                                "dimension.", bars, width=760, unit="of checks passed"),
                    "Percent of checks passed per dimension.")
        page.add(_table(["dimension", "fail", "pass", "total", "weight", "score"],
                        [[d, _int(v.get("fail")), _int(v.get("pass")), _int(v.get("total")), v.get("weight"),
                          f"{float(v.get('score') or 0):.3f}"] for d, v in dims.items()], [False] + [True] * 5))
    if quality.get("total") is not None:
        page.p(f"Weighted total: {float(quality['total']):.3f}")
    missing = report.get("missing_attributes") or {}
    for kind, title in (("type1", "Missing type 1 attributes (required, non-empty)"), ("type2", "Missing type 2 attributes (required, may be empty)")):
        page.h3(title)
        items = missing.get(kind) or []
        if items:
            page.add(_table(["attribute", "instances"], [[a.get("attribute"), _int(a.get("instances"))] for a in items], [False, True]))
        else:
            page.p("None.")
    page.end()


def _rejected(page: _Page, report: Mapping[str, Any]) -> None:
    rejected = report.get("rejected") or []
    page.section("rejected", "Rejected files")
    if not rejected:
        page.p("No file was rejected.")
        page.end()
        return
    reasons = Counter(str(r.get("reason") or "").split(" (")[0] for r in rejected)
    items = _top(list(reasons.items()))
    page.figure(
        charts.hbar(page.cid(), "Rejected files by reason", "Horizontal bars: rejected files per reason.",
                    [Bar(k, v, charts.REJECTED) for k, v in items], unit="files"),
        "Rejected files per reason (details in parentheses are grouped).")
    rows, note = _capped(list(rejected), "rejected files")
    page.add(_table(["file (relative to the source)", "reason"], [[shown_path(r), r.get("reason")] for r in rows]))
    if note:
        page.p(note, "note")
    page.end()


def _label(value: Any) -> str:
    if isinstance(value, Mapping):
        return str(value.get("label") or value.get("code") or "")
    if isinstance(value, list):
        return ", ".join(_label(v) for v in value)
    return "" if value is None else str(value)


def _series(page: _Page, report: Mapping[str, Any]) -> None:
    series = report.get("series") or []
    page.section("series", "Series")
    if not series:
        page.p("No series.")
        page.end()
        return
    rows, note = _capped(list(series), "series")
    has_norm = any(isinstance(s.get("normalized"), Mapping) for s in rows)
    headers = ["key", "site", "modality", "manufacturer", "model", "series description", "instances"]
    if has_norm:
        headers += ["modality (RadLex)", "body region", "contrast", "weighting", "plane", "laterality", "conflicts"]
    body, classes = [], []
    for s in rows:
        row = [s.get("key"), s.get("site"), s.get("modality"), s.get("manufacturer"), s.get("model"), s.get("series_description"),
               _int(s.get("instances"))]
        conflicts: list[dict[str, Any]] = []
        if has_norm:
            n = s.get("normalized") if isinstance(s.get("normalized"), Mapping) else {}
            conflicts = n.get("conflicts") or []
            row += [_label(n.get(a)) for a in NORMALIZED_ATTRIBUTES]
            row.append("; ".join(f"{c.get('attribute')}: description says {c.get('description_says')}, header says {c.get('header_says')}"
                                 for c in conflicts))
        body.append(row)
        classes.append("small" if conflicts else "")
    page.add(page.m.details(f"All {len(series):,} series (keys are one-way hashes)",
                            _table(headers, body, [False] * 6 + [True] + [False] * (len(headers) - 7), classes)))
    if note:
        page.p(note, "note")
    page.end()


def render_html(report: Mapping[str, Any]) -> str:
    """The audit report as one self-contained HTML page (deterministic, no network at view time)."""
    page = _Page()
    _header(page, report)
    _findings(page, report)
    _inventory(page, report)
    _demographics(page, report)
    _mix(page, report)
    _normalization(page, report)
    _segmentations(page, report)
    _exposure(page, report)
    _quality(page, report)
    _rejected(page, report)
    _series(page, report)
    intro, *rest = page.parts
    notice = rest.pop(0)
    versions = f"curator {report.get('curator_version', '?')} \u00b7 report version {report.get('report_version', '?')}"
    return _environment().get_template("page.html.j2").render(versions=versions, intro=intro, notice=notice, toc=page.toc,
                                                               sections=rest)
