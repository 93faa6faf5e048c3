"""Inline SVG charts for the HTML audit report.

Pure functions that turn already-computed numbers into ``<svg>`` markup: no JavaScript, no
external fonts or files, no randomness, no clock.  Every piece of text is escaped with
:func:`html.escape`, every number is formatted the same way on every run, so the same
input always gives byte-identical markup.

Each chart carries a ``<title>`` and a ``<desc>`` (referenced by ``aria-labelledby``);
the report places a data table next to every chart as the accessible fallback.  Long labels
are shortened with an ellipsis in the drawing; the full label is in the ``<title>`` of the
bar and in the table.

The colours are constants (below) so that tests can find the drawn bars in a screenshot.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape
from typing import Any, NamedTuple

FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'DejaVu Sans', 'Liberation Sans', Arial, sans-serif"
CHAR_PX = 6.8  # rough width of one character at 12px, used to size label columns
ROW = 22  # height of one bar row
BAR = 14  # height of one bar

# Colours (also used by tests to find the charts in a screenshot).
INK = "#222222"
MUTED = "#666666"
GRID = "#dddddd"
METRIC_COLOURS = {"patients": "#6a51a3", "studies": "#2c7fb8", "series": "#238b45", "instances": "#3f6fb5"}
SEX_COLOURS = {"F": "#c2417a", "M": "#1f78b4", "O": "#8c6bb1", "unknown": "#8a8a8a"}
BATCH_OK = "#4d9a6a"
BATCH_SMALL = "#e6851e"
THRESHOLD_LINE = "#b00020"
IDENTIFIER = "#7b3294"
BURNED_YES = "#a50f15"
BURNED_RISK = "#f08a5d"
PROVENANCE_OK = "#2166ac"
PROVENANCE_MISSING = "#e08214"
QUALITY = "#1c9099"
REJECTED = "#8c510a"
PROTOCOL = "#35978f"
CATEGORICAL = ("#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac")
# Heat scale for percentages: (lowest percent of the step, fill, text colour).  0 % has its own
# warm colour so that "nothing" stands out from "little"; None (not applicable) is grey.
HEAT_STEPS = ((100.0, "#08519c", "#ffffff"), (90.0, "#3182bd", "#ffffff"), (75.0, "#6baed6", INK),
              (50.0, "#bdd7e7", INK), (1e-9, "#eff3ff", INK), (0.0, "#fdd0a2", INK))
HEAT_NONE = "#e6e6e6"


def esc(value: object) -> str:
    """``value`` as escaped text (quotes too)."""
    return escape("" if value is None else str(value), quote=True)


def num(value: float) -> str:
    """A coordinate: at most one decimal, no trailing zeros (deterministic)."""
    text = f"{float(value):.1f}"
    return text.removesuffix(".0")


def count(value: object) -> str:
    """A count with thousands separators; a non-number (e.g. ``"<5"``) as given."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    return f"{int(value):,}" if float(value).is_integer() else f"{value:,}"


def text_px(text: str) -> float:
    """A generous estimate of the width of ``text`` at 12px (no font metrics at hand)."""
    wide = sum(1 for c in text if c.isupper() or c.isdigit() or c in "mwMW@%_")
    narrow = sum(1 for c in text if c in " .,:;'|!iljtf()[]")
    return (len(text) - wide - narrow) * CHAR_PX + wide * 8.6 + narrow * 4.2


def shorten(text: str, max_px: float) -> str:
    if text_px(text) <= max_px:
        return text
    while text and text_px(text + "\u2026") > max_px:
        text = text[:-1]
    return text + "\u2026"


def label_width(labels: Sequence[str], lo: float = 60, hi: float = 260) -> float:
    longest = max((text_px(s) for s in labels), default=0)
    return max(lo, min(hi, longest + 16))


def heat(percent: float | None) -> tuple[str, str]:
    """(fill, text colour) of a percentage on the heat scale."""
    if percent is None:
        return HEAT_NONE, MUTED
    for low, fill, ink in HEAT_STEPS:
        if percent >= low:
            return fill, ink
    return HEAT_STEPS[-1][1], HEAT_STEPS[-1][2]


def svg(cid: str, title: str, desc: str, width: float, height: float, body: str, defs: str = "") -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="{esc(cid)}" viewBox="0 0 {num(width)} {num(height)}" '
        f'width="{num(width)}" height="{num(height)}" role="img" aria-labelledby="{esc(cid)}-t {esc(cid)}-d" '
        f'font-family="{esc(FONT)}" font-size="12" fill="{INK}">'
        f'<title id="{esc(cid)}-t">{esc(title)}</title><desc id="{esc(cid)}-d">{esc(desc)}</desc>'
        f'{"<defs>" + defs + "</defs>" if defs else ""}{body}</svg>'
    )


def _text(x: float, y: float, text: str, anchor: str = "start", fill: str = INK, extra: str = "") -> str:
    return f'<text x="{num(x)}" y="{num(y)}" text-anchor="{anchor}" fill="{fill}"{extra}>{esc(text)}</text>'


def _rect(x: float, y: float, w: float, h: float, fill: str, tip: str | None = None, extra: str = "") -> str:
    inner = f"<title>{esc(tip)}</title>" if tip else ""
    return f'<rect x="{num(x)}" y="{num(y)}" width="{num(max(w, 0))}" height="{num(h)}" fill="{fill}"{extra}>{inner}</rect>'


def _hatch(pid: str, colour: str) -> str:
    """A hatched fill: used for suppressed counts (the value is somewhere below k)."""
    return (f'<pattern id="{esc(pid)}" patternUnits="userSpaceOnUse" width="6" height="6" patternTransform="rotate(45)">'
            f'<rect width="6" height="6" fill="#ffffff"/><rect width="3" height="6" fill="{colour}"/></pattern>')


def _legend(items: Sequence[tuple[str, str]], x: float, y: float, width: float) -> tuple[str, float]:
    """Legend swatches laid out left to right, wrapping; returns (markup, height used)."""
    out, cx, cy = [], x, y
    for name, fill in items:
        w = 18 + text_px(name) + 16
        if cx + w > x + width and cx > x:
            cx, cy = x, cy + 18
        out.append(_rect(cx, cy, 12, 12, fill) + _text(cx + 16, cy + 10, name))
        cx += w
    return "".join(out), cy - y + 18


class Bar(NamedTuple):
    label: str
    value: float
    fill: str
    note: str = ""  # appended to the value label, e.g. "small"
    suffix: str = ""  # appended to the number, e.g. " %"


def hbar(cid: str, title: str, desc: str, bars: Sequence[Bar], width: float = 1000, unit: str = "",
         threshold: float | None = None, threshold_label: str = "", legend: Sequence[tuple[str, str]] = (),
         max_label: float = 260) -> str:
    """Horizontal bar chart, one bar per item, optional vertical threshold line."""
    labels = [b.label for b in bars]
    lw = label_width(labels, hi=max_label)
    value_w = 130
    plot_w = max(100.0, width - lw - value_w)
    top = 20 if threshold is not None else 4
    peak = max([b.value for b in bars] + [threshold or 0, 1])
    out = []
    for i, b in enumerate(bars):
        y = top + i * ROW
        w = plot_w * b.value / peak
        tip = f"{b.label}: {count(b.value)}{b.suffix}{(' ' + unit) if unit else ''}{('; ' + b.note) if b.note else ''}"
        out.append(_text(lw - 8, y + 15, shorten(b.label, lw - 12), "end", extra=f' data-full="{esc(b.label)}"'))
        out.append(_rect(lw, y + 4, w, BAR, b.fill, tip, ' class="bar"'))
        out.append(_text(lw + w + 6, y + 15, count(b.value) + b.suffix + (f"  {b.note}" if b.note else ""), fill=MUTED))
    height: float = top + len(bars) * ROW + 6
    if threshold is not None:
        x = lw + plot_w * threshold / peak
        out.append(f'<line x1="{num(x)}" y1="{num(top - 4)}" x2="{num(x)}" y2="{num(height - 2)}" stroke="{THRESHOLD_LINE}" '
                   f'stroke-width="2" stroke-dasharray="5 3"/>')
        out.append(_text(x, 12, threshold_label, "middle", THRESHOLD_LINE))
    if legend:
        markup, used = _legend(legend, lw, height + 4, plot_w + value_w)
        out.append(markup)
        height += used + 8
    return svg(cid, title, desc, width, height, "".join(out))


def bar_table(cid: str, title: str, desc: str, rows: Sequence[tuple[str, Mapping[str, float]]],
              metrics: Sequence[str], width: float = 1000) -> str:
    """Small multiples: one row per category, one column per metric, each column on its own scale."""
    lw = label_width([r[0] for r in rows])
    col_w = (width - lw) / max(1, len(metrics))
    bar_w = col_w - 70
    out = []
    for j, metric in enumerate(metrics):
        x = lw + j * col_w
        out.append(_text(x, 14, metric, extra=' font-weight="600"'))
    for i, (label, values) in enumerate(rows):
        y = 22 + i * ROW
        out.append(_text(lw - 8, y + 15, shorten(label, lw - 12), "end", extra=f' data-full="{esc(label)}"'))
        for j, metric in enumerate(metrics):
            peak = max([float(r[1].get(metric) or 0) for r in rows] + [1])
            value = float(values.get(metric) or 0)
            x = lw + j * col_w
            w = bar_w * value / peak
            out.append(_rect(x, y + 4, w, BAR, METRIC_COLOURS.get(metric, CATEGORICAL[j % len(CATEGORICAL)]),
                             f"{label}: {count(values.get(metric) or 0)} {metric}", ' class="bar"'))
            out.append(_text(x + w + 4, y + 15, count(values.get(metric) or 0), fill=MUTED))
    return svg(cid, title, desc, width, 22 + len(rows) * ROW + 6, "".join(out))


def stacked_hbar(cid: str, title: str, desc: str, rows: Sequence[tuple[str, Mapping[str, float]]],
                 parts: Sequence[tuple[str, str]], width: float = 1000, unit: str = "") -> str:
    """Horizontal stacked bars (one per row), parts in the given order and colours, with a legend."""
    lw = label_width([r[0] for r in rows])
    plot_w = max(100.0, width - lw - 70)
    peak = max([sum(float(v or 0) for v in r[1].values()) for r in rows] + [1])
    out = []
    for i, (label, values) in enumerate(rows):
        y = 4 + i * ROW
        out.append(_text(lw - 8, y + 15, shorten(label, lw - 12), "end", extra=f' data-full="{esc(label)}"'))
        x = lw
        for name, fill in parts:
            value = float(values.get(name) or 0)
            if not value:
                continue
            w = plot_w * value / peak
            out.append(_rect(x, y + 4, w, BAR, fill, f"{label} / {name}: {count(values.get(name))}{(' ' + unit) if unit else ''}",
                             ' class="bar" stroke="#ffffff" stroke-width="0.5"'))
            x += w
        total = sum((float(v or 0) for v in values.values()), 0.0)
        out.append(_text(x + 6, y + 15, count(int(total) if total.is_integer() else total), fill=MUTED))
    height = 4 + len(rows) * ROW + 6
    markup, used = _legend(parts, lw, height + 2, plot_w + 60)
    out.append(markup)
    return svg(cid, title, desc, width, height + used + 8, "".join(out))


def heatmap(cid: str, title: str, desc: str, rows: Sequence[str], cols: Sequence[str],
            cells: Mapping[tuple[str, str], tuple[float | None, str]], width: float = 1000) -> str:
    """Heat table: rows × cols, each cell (percent or None, text to print)."""
    lw = label_width(rows)
    cw = min(140.0, (width - lw) / max(1, len(cols)))
    out = []
    for j, col in enumerate(cols):
        out.append(_text(lw + j * cw + cw / 2, 14, shorten(col, cw - 4), "middle", extra=' font-weight="600"'))
    for i, row in enumerate(rows):
        y = 22 + i * (ROW + 4)
        out.append(_text(lw - 8, y + 16, shorten(row, lw - 12), "end", extra=f' data-full="{esc(row)}"'))
        for j, col in enumerate(cols):
            percent, text = cells.get((row, col), (None, "n/a"))
            fill, ink = heat(percent)
            x = lw + j * cw
            out.append(_rect(x + 1, y, cw - 2, ROW, fill, f"{row} / {col}: {text}", ' class="cell"'))
            out.append(_text(x + cw / 2, y + 15, text, "middle", ink))
    height = 22 + len(rows) * (ROW + 4) + 4
    scale = [("100 %", HEAT_STEPS[0][1]), ("90-99 %", HEAT_STEPS[1][1]), ("75-89 %", HEAT_STEPS[2][1]),
             ("50-74 %", HEAT_STEPS[3][1]), ("1-49 %", HEAT_STEPS[4][1]), ("0 %", HEAT_STEPS[5][1]), ("n/a", HEAT_NONE)]
    markup, used = _legend(scale, lw, height + 2, width - lw)
    out.append(markup)
    return svg(cid, title, desc, width, height + used + 8, "".join(out))


def is_suppressed(value: object, k: int) -> bool:
    """A count that must not be shown exactly: a string such as ``"<5"`` or a number in 1..k-1."""
    if isinstance(value, bool):
        return True
    if isinstance(value, int | float):
        return 0 < value < k
    return True


def shown(value: object, k: int) -> str:
    """The printable form of a distribution count (never an exact count below ``k``)."""
    if is_suppressed(value, k):
        return f"<{k}"
    return count(value)


def pyramid(cid: str, title: str, desc: str, bins: Sequence[str], values: Mapping[str, Mapping[str, object]],
            k: int, width: float = 1000) -> str:
    """Age pyramid: F to the left, M to the right, O and unknown sex as two extra columns.

    Bins are drawn youngest at the bottom.  A suppressed count (below ``k``) is drawn as a
    hatched bar reaching ``k`` (the count lies somewhere below) and labelled ``<k``.
    """
    sexes = ("F", "M", "O", "unknown")

    def length(value: Any) -> float:
        return float(k) if is_suppressed(value, k) else float(value or 0)

    peak = max([length(values.get(b, {}).get(s, 0)) for b in bins for s in sexes] + [1.0])
    lw = 64  # the age labels in the middle
    side = small = (width - lw - 12) / 4  # F, M, O and unknown panels: same width, same scale
    defs = "".join(_hatch(f"{cid}-h{s}", SEX_COLOURS[s]) for s in sexes)
    out = [_text(side - 4, 14, "F (female)", "end", extra=' font-weight="600"'),
           _text(side + lw + 4, 14, "M (male)", extra=' font-weight="600"'),
           _text(side * 2 + lw + 12, 14, "O (other)", extra=' font-weight="600"'),
           _text(side * 2 + lw + 12 + small, 14, "unknown sex", extra=' font-weight="600"')]
    ordered = list(reversed(bins))
    for i, b in enumerate(ordered):
        y = 22 + i * ROW
        row = values.get(b, {})
        out.append(_text(side + lw / 2, y + 15, b, "middle"))
        for s in sexes:
            value = row.get(s, 0)
            suppressed = is_suppressed(value, k)
            fill = f"url(#{cid}-h{s})" if suppressed else SEX_COLOURS[s]
            tip = f"age {b}, sex {s}: {shown(value, k)} studies"
            extra = f' class="bar" stroke="{SEX_COLOURS[s]}" stroke-width="1"'
            if s == "F":
                w = (side - 40) * length(value) / peak
                out.append(_rect(side - w, y + 4, w, BAR, fill, tip, extra) if w else "")
                out.append(_text(side - w - 4, y + 15, shown(value, k), "end", MUTED))
            elif s == "M":
                w = (side - 40) * length(value) / peak
                x = side + lw
                out.append(_rect(x, y + 4, w, BAR, fill, tip, extra) if w else "")
                out.append(_text(x + w + 4, y + 15, shown(value, k), fill=MUTED))
            else:
                x = side * 2 + lw + 12 + (0 if s == "O" else small)
                w = (small - 40) * length(value) / peak
                out.append(_rect(x, y + 4, w, BAR, fill, tip, extra) if w else "")
                out.append(_text(x + w + 4, y + 15, shown(value, k), fill=MUTED))
    height = 22 + len(bins) * ROW + 6
    out.append(f'<line x1="{num(side)}" y1="18" x2="{num(side)}" y2="{num(height - 4)}" stroke="{GRID}"/>')
    out.append(f'<line x1="{num(side + lw)}" y1="18" x2="{num(side + lw)}" y2="{num(height - 4)}" stroke="{GRID}"/>')
    legend = [(f"count below {k} (suppressed)", f"url(#{cid}-hF)")]
    markup, used = _legend(legend, 0, height + 2, width)
    out.append(markup)
    return svg(cid, title, desc, width, height + used + 8, "".join(out), defs)
