"""Small inline SVG charts, each with its alternative text (<title>, <desc>, aria-label).

Kept deliberately simple — a few lines, dots and labels, no gradients or filters — so that
hundreds of them lay out fast and stay small in the PDF. One trend chart (``measure_trend``)
serves the follow-up report and the purchaser's overview alike. Shapes and dashes, not colour
alone, tell the series apart (greyscale, colour blindness).
"""

import base64
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import partial
from html import escape

from markupsafe import Markup

from app.core import formatting
from app.core.i18n import t

COLOURS = {
    "on_track": "#1a7f37",
    "at_risk": "#b58300",
    "off_track": "#cf222e",
    "no_value": "#8c959f",
    "no_target": "#57606a",
}
ACTUAL = "#0b5cad"
TARGET = "#444"
BASELINE = "#8c959f"


@dataclass(frozen=True)
class Point:
    year: int
    value: Decimal
    hollow: bool = False  # a year not yet complete


def _svg(width: int, height: int, title: str, desc: str, body: str) -> Markup:
    """An <img> of the SVG, with the alternative text both on the image and in the SVG.

    As an image (a data: URL) rather than inline, the SVG stays out of the HTML document's
    tree: hundreds of charts add next to nothing to the styling and layout of the report."""
    t, d = escape(title), escape(desc)
    svg = (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}"><title>{t}</title><desc>{d}</desc>{body}</svg>')
    data = base64.b64encode(svg.encode()).decode()
    return Markup(f'<img class="chart" width="{width}" height="{height}" alt="{t}" '
                  f'src="data:image/svg+xml;base64,{data}">')


@dataclass(frozen=True)
class Trend:
    """A measure's time series: what one chart shows, in the PDF and on the purchaser's page."""

    code: str
    name: str
    unit: str
    years: Sequence[int]
    baseline: Point | None
    targets: Sequence[Point]
    actuals: Sequence[Point]
    until: date | None = None  # the end of the year-so-far point's last period
    period: str | None = None  # that period's code (2015-T2), the label of the point


# Print: 250 × 104 px is 6,6 × 2,75 cm (CSS px are 1/96 in); the web's is a little smaller.
PRINT = (250, 104)
SMALL = (200, 96)


def measure_trend(trend: Trend, lang: str, size: tuple[int, int] = PRINT) -> Markup:
    """The one trend chart: baseline, yearly targets (dashed line) and actuals (solid line)
    on labelled axes (years; the unit), with the points spelt out as alternative text."""
    qty = partial(formatting.quantity, unit=trend.unit, lang=lang)
    parts = []
    if trend.baseline:
        parts.append(t("chart_baseline", lang, year=trend.baseline.year,
                       value=qty(trend.baseline.value)))
    parts += [t("chart_target", lang, year=p.year, value=qty(p.value)) for p in trend.targets]
    for p in trend.actuals:
        if p.hollow and trend.until:
            parts.append(t("chart_actual_partial", lang, year=p.year,
                           until=formatting.day(trend.until, lang), value=qty(p.value)))
        else:
            parts.append(t("chart_actual", lang, year=p.year, value=qty(p.value)))
    title = t("chart_alt", lang, name=trend.code, points=" ".join(parts))
    desc = f"{trend.name}. {t('chart_legend', lang)}"
    axes = Axes(x=t("chart_axis_year", lang), y=formatting.unit_text(trend.unit, lang),
                number=partial(formatting.number, lang=lang, decimals=1),
                partial_label=trend.period)
    width, height = size
    return _svg(width, height, title, desc,
                _trend_body(trend, axes, width, height))


@dataclass(frozen=True)
class Axes:
    x: str  # the x axis' title
    y: str  # the y axis' title: the unit
    number: Callable[[Decimal], str]
    partial_label: str | None  # the label of the year-so-far point (its period)


def nice_ticks(low: Decimal, high: Decimal, count: int = 4) -> list[Decimal]:
    """Round values spanning ``low``–``high`` for a value axis (1, 2 or 5 × 10ⁿ apart)."""
    if low == high:
        low, high = low - abs(low) / 10 - 1, high + abs(high) / 10 + 1
    raw = (high - low) / count
    step = Decimal(10) ** math.floor(math.log10(float(raw)))
    for factor in (1, 2, 5, 10):
        if raw <= step * factor:
            step *= factor
            break
    first = math.floor(low / step) * step
    ticks = [first]
    while ticks[-1] < high:
        ticks.append(ticks[-1] + step)
    return ticks


def _trend_body(trend: Trend, axes: Axes, width: int, height: int) -> str:
    points = [*trend.targets, *trend.actuals] + ([trend.baseline] if trend.baseline else [])
    years = sorted({*trend.years, *(p.year for p in points)})
    first, last = years[0], years[-1]
    values = [p.value for p in points] or [Decimal(0), Decimal(1)]
    ticks = nice_ticks(min(values), max(values), 3)
    labels = [axes.number(v) for v in ticks]
    left = 8 + 5 * max(len(labels[0]), len(labels[-1]))
    right, top, bottom = 10, 14, 24
    inner_w, inner_h = width - left - right, height - top - bottom
    low, high = ticks[0], ticks[-1]

    def x(year: int) -> float:
        return round(left + 6 + (year - first) * (inner_w - 12) / max(last - first, 1), 1)

    def y(value: Decimal) -> float:
        return round(top + float((high - value) / (high - low)) * inner_h, 1)

    font = 'font-family="DejaVu Sans, sans-serif" font-size="8" fill="#32383f"'
    parts = [f'<text x="2" y="9" {font}>{escape(axes.y)}</text>']
    grid = "".join(f"M{left} {y(value)}H{width - right}" for value in ticks)
    parts.append(f'<path d="{grid}" stroke="#d0d7de" stroke-width="0.6"/>')
    # Only the lowest and highest gridlines are labelled: SVG text is what costs in a PDF of
    # hundreds of charts (time and size), and two values give the scale.
    for value, label in ((ticks[0], labels[0]), (ticks[-1], labels[-1])):
        parts.append(f'<text x="{left - 3}" y="{y(value) + 3}" text-anchor="end" {font}>'
                     f'{escape(label)}</text>')
    base = height - bottom
    parts.append(f'<path d="M{left} {top}V{base}H{width - right}" stroke="#57606a" '
                 f'stroke-width="0.8" fill="none"/>')
    hollow_years = {p.year for p in trend.actuals if p.hollow}
    for year in range(first, last + 1):
        label = axes.partial_label if year in hollow_years and axes.partial_label else str(year)
        parts.append(f'<text x="{x(year)}" y="{base + 10}" text-anchor="middle" {font}>'
                     f'{escape(label)}</text>')
    parts.append(f'<text x="{left + inner_w / 2}" y="{height - 2}" text-anchor="middle" '
                 f'{font}>{escape(axes.x)}</text>')
    if len(trend.targets) > 1:
        pts = " ".join(f"{x(p.year)},{y(p.value)}" for p in trend.targets)
        parts.append(f'<polyline points="{pts}" fill="none" stroke="{TARGET}" '
                     f'stroke-width="1.1" stroke-dasharray="4 2"/>')
    if trend.targets:
        squares = "".join(f"M{x(p.year) - 2.5} {y(p.value) - 2.5}h5v5h-5z" for p in trend.targets)
        parts.append(f'<path d="{squares}" fill="#fff" stroke="{TARGET}" stroke-width="1"/>')
    if trend.baseline:
        bx, by = x(trend.baseline.year or first), y(trend.baseline.value)
        parts.append(f'<path d="M{bx - 2.8} {by - 2.8}h5.6v5.6h-5.6z" fill="{BASELINE}"/>')
    if len(trend.actuals) > 1:
        pts = " ".join(f"{x(p.year)},{y(p.value)}" for p in trend.actuals)
        parts.append(f'<polyline points="{pts}" fill="none" stroke="{ACTUAL}" '
                     f'stroke-width="1.8"/>')
    for hollow in (False, True):
        # Diamonds: straight lines are cheaper to draw than arcs, hundreds of times over.
        dots = "".join(f"M{x(p.year)} {round(y(p.value) - 3.5, 1)}l3.5 3.5l-3.5 3.5l-3.5 -3.5z"
                       for p in trend.actuals if p.hollow is hollow)
        if dots:
            parts.append(f'<path d="{dots}" fill="{"#fff" if hollow else ACTUAL}" '
                         f'stroke="{ACTUAL}" stroke-width="1.4"/>')
    return "".join(parts)


def status_bar(title: str, counts: Sequence[tuple[str, int]], *, width: int = 420,
               height: int = 14) -> Markup:
    """One horizontal bar split by status."""
    total = sum(n for _, n in counts) or 1
    parts, at = [], 0.0
    for status, n in counts:
        if not n:
            continue
        w = round(width * n / total, 1)
        parts.append(f'<rect x="{round(at, 1)}" y="0" width="{w}" height="{height}" '
                     f'fill="{COLOURS[status]}"/>')
        at += w
    return _svg(width, height, title, title, "".join(parts))
