"""The HTML audit report: self-contained, deterministic, escaped, suppressed, no identifier,
and (in headless Chromium) its charts are really drawn."""
from __future__ import annotations

import copy
import json
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from typer.testing import CliRunner

from curator.report import charts
from curator.analyses.audit import build_report, to_json
from curator.cli import app
from curator.report.html import render_html
from curator.index.scan import scan_source
from curator.testing.synthetic import PLANTED_VALUES
from tests.conftest import assert_no_planted, write_planted

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "collection"
SECTIONS = ("findings", "inventory", "demographics", "equipment", "harmonization", "normalization", "segmentations",
            "exposure", "quality", "rejected", "series")
runner = CliRunner()


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> dict:
    index = tmp_path_factory.mktemp("index") / "i.parquet"
    return build_report(scan_source(EXAMPLES, index, workers=1, progress=False).frame())


def _chromium() -> str | None:
    if Path("/usr/bin/chromium").exists():
        return "/usr/bin/chromium"
    return shutil.which("chromium")


def _screenshot(html: str, folder: Path, height: int = 12000) -> np.ndarray:
    folder.mkdir(parents=True, exist_ok=True)
    page = folder / "report.html"
    page.write_text(html, encoding="utf-8")
    png = folder / "shot.png"
    subprocess.run(
        [_chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync", "--hide-scrollbars",
         "--force-color-profile=srgb", f"--user-data-dir={folder / 'profile'}", f"--screenshot={png}",
         f"--window-size=1280,{height}", page.as_uri()],
        check=True, capture_output=True, timeout=180,
    )
    return np.asarray(Image.open(png).convert("RGB"))


def _pixels(image: np.ndarray, colour: str) -> np.ndarray:
    rgb = np.array([int(colour[i:i + 2], 16) for i in (1, 3, 5)], dtype=image.dtype)
    return (image == rgb).all(axis=2)


# One colour per kind of chart; each must cover a real area of the page (1,500 pixels: more than
# the legend swatches of that colour, which stay when the bars themselves are not drawn).
CHART_COLOURS = {
    "inventory (patients)": charts.METRIC_COLOURS["patients"],
    "inventory (instances)": charts.METRIC_COLOURS["instances"],
    "completeness / coverage heat table": charts.HEAT_STEPS[0][1],
    "age pyramid, female (hatched: suppressed)": charts.SEX_COLOURS["F"],
    "age pyramid, male (hatched: suppressed)": charts.SEX_COLOURS["M"],
    "manufacturer / model mix": charts.CATEGORICAL[0],
    "protocol mix": charts.PROTOCOL,
    "harmonization batches under threshold": charts.BATCH_SMALL,
    "segmentation provenance": charts.PROVENANCE_OK,
    "identifier exposure": charts.IDENTIFIER,
    "burned-in annotation": charts.BURNED_YES,
    "quality scores": charts.QUALITY,
    "rejected files": charts.REJECTED,
}


@pytest.mark.external
@pytest.mark.skipif(_chromium() is None, reason="chromium is not installed (Debian package `chromium`, installed by .ci/run)")
def test_charts_are_drawn_in_headless_chromium(report, tmp_path: Path):
    html = render_html(report)
    image = _screenshot(html, tmp_path / "with")
    background = np.array([255, 255, 255], dtype=image.dtype)
    drawn_rows = np.nonzero((image != background).any(axis=2).any(axis=1))[0]
    assert drawn_rows.max() < image.shape[0] - 50, "the page is longer than the screenshot: raise the window height"
    for chart, colour in CHART_COLOURS.items():
        mask = _pixels(image, colour)
        assert mask.sum() >= 1500, f"{chart}: no bars drawn ({mask.sum()} pixels of {colour})"
        ys, xs = np.nonzero(mask)
        box = image[ys.min():ys.max() + 1, xs.min():xs.max() + 1]
        ink = (box != background).any(axis=2).mean()
        assert ink > 0.15, f"{chart}: the chart area is mostly blank ({ink:.0%} drawn)"
    # Control: the same page with its SVG charts removed has none of those colours, so the
    # pixels above come from the charts and not from the rest of the page.
    bare = re.sub(r"<svg\b.*?</svg>", "", html, flags=re.DOTALL)
    assert bare.count("<svg") == 0 and html.count("<svg") >= len(CHART_COLOURS)
    control = _screenshot(bare, tmp_path / "without")
    for chart, colour in CHART_COLOURS.items():
        assert _pixels(control, colour).sum() == 0, f"{chart}: colour {colour} also used outside the charts"


def test_self_contained_accessible_and_deterministic(report):
    html = render_html(report)
    assert html == render_html(copy.deepcopy(report))
    assert html == render_html(json.loads(to_json(report))), "the JSON form of the report must render identically"
    lowered = html.lower()
    for forbidden in ("<script", "<link", "<img", "<iframe", "@import", "src=", "https://"):
        assert forbidden not in lowered, forbidden
    assert re.findall(r"http://[^\"' ]+", html) == ["http://www.w3.org/2000/svg"] * html.count("<svg")
    assert re.findall(r"url\(([^)]*)\)", html) and all(u.startswith("#") for u in re.findall(r"url\(([^)]*)\)", html))
    svgs = re.findall(r"<svg\b.*?</svg>", html, flags=re.DOTALL)
    assert len(svgs) >= 10
    for svg in svgs:
        assert 'role="img"' in svg and "<title id=" in svg and "<desc id=" in svg
    ids = re.findall(r'\bid="([^"]+)"', html)
    assert len(ids) == len(set(ids)), "element ids must be unique"
    for section in SECTIONS:
        assert f'id="{section}"' in html, section
    assert html.count("<details><summary>Data table</summary><table>") >= 8  # table fallbacks of the charts


def test_batches_under_threshold_are_highlighted(report):
    html = render_html(report)
    batches = report["harmonization"]["batches"]
    assert batches and any(b["under_threshold"] for b in batches)
    table = html.split('id="harmonization"', 1)[1].split("</table>", 1)[0]
    rows = re.findall(r"<tr( class=\"small\")?><td[^>]*>(b[0-9a-f]+)</td>", table)
    assert {key: bool(small) for small, key in rows} == {b["batch"]: b["under_threshold"] for b in batches}
    # now with a threshold that the biggest batch reaches: its bar is green, the others orange
    big = max(b["n_series"] for b in batches)
    changed = copy.deepcopy(report)
    changed["harmonization"]["threshold"] = big
    for b in changed["harmonization"]["batches"]:
        b["under_threshold"] = b["n_series"] < big
    html = render_html(changed)
    figure = html.split('id="harmonization"', 1)[1].split("</svg>", 1)[0]
    fills = re.findall(r'<rect [^>]*fill="(#[0-9a-f]{6})" class="bar"', figure)
    assert fills.count(charts.BATCH_OK) == sum(1 for b in batches if b["n_series"] >= big) > 0
    assert fills.count(charts.BATCH_SMALL) == sum(1 for b in batches if b["n_series"] < big) > 0
    assert f"threshold {big}" in figure


def test_small_counts_in_the_distribution_are_never_shown_exactly(report):
    changed = copy.deepcopy(report)
    changed["demographics_distribution"] = {
        "unit": "studies", "suppressed_below": 5, "unknown_age": 2,
        "age_bins": {"10-19": {"F": 7, "M": "<5", "O": 0, "unknown": 0},
                     "5-9": {"F": 3, "M": 11, "O": 0, "unknown": 1}},  # exact small counts from a careless producer
    }
    html = render_html(changed)
    section = html.split('id="demographics"', 1)[1].split("</section>", 1)[0]
    rows = dict(re.findall(r"<tr><td[^>]*>(\d+-\d+)</td>(.*?)</tr>", section))
    cells = {b: re.findall(r"<td[^>]*>(.*?)</td>", r) for b, r in rows.items()}
    assert cells == {"5-9": ["&lt;5", "11", "0", "&lt;5"], "10-19": ["7", "&lt;5", "0", "0"]}
    assert list(rows) == ["5-9", "10-19"]  # youngest first, not in the key order of the dict
    assert "without a known age: &lt;5" in section
    pyramid = section.split("<h3>Age and sex distribution</h3>", 1)[1].split("</svg>", 1)[0]
    numbers = set(re.findall(r">(\d+)</text>", pyramid))
    assert {"3", "1", "2"}.isdisjoint(numbers) and {"7", "11"} <= numbers


def test_missing_sections_are_skipped_and_ages_not_recomputed(report):
    minimal = {k: v for k, v in copy.deepcopy(report).items() if k not in
               {"normalization", "segmentations", "segmentation_summary", "harmonization", "demographics_distribution", "procedures"}}
    for s in minimal["series"]:
        s.pop("normalized", None)
    html = render_html(minimal)
    assert "no age/sex distribution" in html and "No harmonization batches" in html
    assert "No normalization in this report" in html and "No segmentation analysis" in html
    assert "Age and sex distribution" in html and charts.SEX_COLOURS["F"] not in html
    assert render_html({}).startswith("<!DOCTYPE html>")


def test_every_report_string_is_escaped(report):
    evil = '<script>alert("x")</script>&amp;'
    changed = copy.deepcopy(report)
    changed["inventory"]["by_site"][evil] = {"patients": 1, "studies": 1, "series": 1, "instances": 1}
    changed["series"][0]["protocol"] = evil
    changed["series"][0]["site"] = evil
    changed["rejected"].append({"path": evil, "reason": evil})
    changed["findings"].append({"severity": "info", "code": evil, "count": 1, "message": evil})
    changed["harmonization"]["batches"][0]["model"] = evil
    html = render_html(changed)
    assert "<script" not in html and 'alert("x")' not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;amp;" in html


HOSTILE = ('<script>alert(1)</script>', '"><img src=x onerror=alert(2)>', "' onmouseover='alert(3)")


@pytest.mark.parametrize("hostile", HOSTILE)
def test_a_hostile_description_is_escaped_wherever_it_is_shown(report, hostile):
    """Header-derived text (descriptions, protocol, sites, conflicts, unmapped words,
    segmentation issues) cannot open a tag or leave an attribute: the templates escape it."""
    changed = copy.deepcopy(report)
    for series in changed["series"]:
        series["series_description"] = series["protocol"] = series["site"] = hostile
        if isinstance(series.get("normalized"), dict):
            series["normalized"]["conflicts"] = [{"attribute": "plane", "description_says": hostile, "header_says": hostile}]
    changed["normalization"]["conflicts"] = [{"site": hostile, "description": hostile, "attribute": "plane",
                                             "description_says": hostile, "header_says": hostile, "series": 1}]
    changed["normalization"]["unmapped_descriptions"] = [{"site": hostile, "description": hostile, "series": 1,
                                                         "unmapped_tokens": [hostile]}]
    changed["segmentations"] = [{"key": hostile, "site": hostile, "kind": "SEG", "algorithm_type": hostile,
                                 "has_provenance": False, "provenance_issues": [hostile], "segments": [], "referenced_series": []}]
    changed["findings"] = [{"severity": hostile, "code": hostile, "count": 1, "message": hostile}]
    changed["curator_version"] = hostile
    html = render_html(changed)
    assert hostile not in html
    for fragment in ("<script", "<img", '"><img', "' onmouseover"):  # no tag opened, no attribute left (quotes escaped)
        assert fragment not in html
    escaped = charts.esc(hostile)
    assert html.count(escaped) >= len(changed["series"]) + 5  # shown, escaped, in every place it goes
    # the page is still the page: one document, its sections, no stray tags
    assert html.count("<html") == 1 and html.count("</html>") == 1
    assert all(f'<section id="{s}">' in html for s in SECTIONS if s != "harmonization")


def test_no_planted_identifier_in_the_html(tmp_path: Path):
    source = tmp_path / "src"
    write_planted(source, 3)
    shutil.copytree(EXAMPLES, source / "collection")
    out = tmp_path / "report.html"
    result = runner.invoke(app, ["audit", str(source), "--format", "html", "--out", str(out), "--workers", "1",
                                 "--index", str(tmp_path / "i.parquet")])
    assert result.exit_code == 0, result.output
    html = out.read_text(encoding="utf-8")
    assert "<svg" in html and "site-a" in html  # the report is real, not an empty page
    assert_no_planted(html, "the HTML report")
    folded = html.casefold()
    leaked = sorted(v for v in PLANTED_VALUES if v.casefold() in folded)
    assert not leaked, f"{len(leaked)} planted identifiers of examples/collection leaked into the HTML report"


def test_normalization_conflicts_and_the_other_coverage_form(report):
    changed = copy.deepcopy(report)
    changed["normalization"]["conflicts"] = [{"site": "site-a", "description": "CT HEAD WO", "attribute": "contrast",
                                              "description_says": "without contrast", "header_says": "with contrast", "series": 2}]
    html = render_html(changed)
    section = html.split('id="normalization"', 1)[1].split("</section>", 1)[0]
    assert "Conflicts per attribute" in section and "<td>without contrast</td>" in section.replace(' class="nw"', "")
    # coverage given as percent per site (coverage_by_site), conflicts as a number, unmapped as "unmapped"
    changed["normalization"] = {"coverage_by_site": {"site-x": {"modality": 100.0, "plane": 12.5, "weighting": None}},
                                "conflicts": 3, "unmapped": [{"site": "site-x", "description": "XYZ", "series": 4}]}
    section = render_html(changed).split('id="normalization"', 1)[1].split("</section>", 1)[0]
    assert ">12.5 %</text>" in section and ">n/a</text>" in section and "3 series have a description" in section
    assert "<td class=\"nw\">XYZ</td>" in section
