"""Small SVG charts as images, each with its alternative text (the <img>'s alt).

Kept deliberately simple — a few lines, dots and labels, no gradients or filters — so that
hundreds of them lay out fast and stay small in the PDF. One trend chart (``measure_trend``)
serves the follow-up report and the purchaser's overview alike. Shapes and dashes, not colour
alone, tell the series apart (greyscale, colour blindness).

What a chart costs in WeasyPrint is its text: each <text> is laid out by Pango letter by letter,
and one that is centred or right-aligned (text-anchor) becomes a PDF form object of its own
(hundreds of bytes, thousands of them in a large report). So every label is left-aligned at a
position computed here from the font's advance widths, which also lets the report draw it as one
word (app.reports.svg_text), and the labels share one font declaration.
"""

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import partial
from html import escape
from urllib.parse import quote

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
FONT_SIZE = 8  # px, the labels' size

# DejaVu Sans' advance widths (thousandths of an em) of the characters that labels use: numbers
# in every language's format, units, years and periods. Others count as 0.6 em.
_WIDTHS = {ch: width for chars, width in (
    ("\u202f\u2009", 200), ("'", 275), ("ijl", 278), ("IJ", 295), (" ,.\u00a0", 318),
    ("/:;", 337), ("f", 352), ("-", 361), ("()[]", 390), ("t", 392), ("!²³", 401), ("r", 411),
    ("–°", 500), ("s", 521), ("z", 525), ("c", 550), ("L", 557), ("F", 575), ("k", 579),
    ("vxy", 592), ("P", 603), ("TY", 611), ("oö", 612), ("aäå", 613), ("eé", 615), ("E", 632),
    ("hnuü", 634), ("Sbdgpq", 635), ("0123456789€µ$", 636), ("K", 656), ("AVÄÅ", 684),
    ("XZ", 685), ("B", 686), ("R", 695), ("C", 698), ("U", 732), ("N", 748), ("H", 752),
    ("D", 770), ("G", 775), ("OQÖ", 787), ("w", 818), ("+<=>−", 838), ("M", 863), ("%", 950),
    ("m", 974), ("W", 989)) for ch in chars}


def text_width(text: str, size: float = FONT_SIZE) -> float:
    """The width of ``text`` set in DejaVu Sans at ``size`` px."""
    return sum(_WIDTHS.get(ch, 600) for ch in text) * size / 1000


def _label(x: float, y: float, text: str, anchor: str = "start") -> str:
    """A label at (x, y): its start, middle or end there, by its measured width."""
    shift = {"start": 0.0, "middle": 0.5, "end": 1.0}[anchor] * text_width(text)
    return f'<text x="{round(x - shift, 1)}" y="{round(y, 1)}">{escape(text)}</text>'


@dataclass(frozen=True)
class Point:
    year: int
    value: Decimal
    hollow: bool = False  # a year not yet complete


def _svg(width: int, height: int, alt: str, body: str) -> Markup:
    """An <img> of the SVG, its alternative text on the image (what the PDF's figure tag and
    a screen reader take).

    As an image (a data: URL) rather than inline, the SVG stays out of the HTML document's
    tree: hundreds of charts add next to nothing to the styling and layout of the report. The
    URL is percent-encoded rather than base64: shorter, less for the HTML parser to read."""
    svg = (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}">{body}</svg>')
    # Single-quoted attributes and only what a URL may not hold escaped (<, >, #, %, &…):
    # the labels' own quotes are entities (escape), so none is lost.
    data = quote(svg.replace('"', "'"), safe=" /=:.,-'")
    return Markup(f'<img class="chart" width="{width}" height="{height}" alt="{escape(alt)}" '
                  f'src="data:image/svg+xml,{data}">')


@dataclass(frozen=True)
class PeriodPoint:
    """One period of the report's year: the year so far at its end, as its status compares it
    (a sum's total so far, the latest level…), and the target it is held against then."""

    code: str  # 2015-T1, 2015-03
    actual: Decimal | None
    target: Decimal | None


@dataclass(frozen=True)
class Trend:
    """A measure's time series: what one chart shows, in the PDF and on the purchaser's page.

    With ``periods``, the years before theirs one point each and then the periods of the
    report's year (the follow-up report); without, every year, the current one as its year so
    far (the web's smaller chart)."""

    code: str
    name: str
    unit: str
    years: Sequence[int]
    baseline: Point | None
    targets: Sequence[Point]
    actuals: Sequence[Point]
    until: date | None = None  # the end of the year-so-far point's last period
    period: str | None = None  # that period's code (2015-T2), the label of the point
    periods: Sequence[PeriodPoint] = ()
    this_year: int | None = None  # the periods' year: later years are left out


# Print: 250 × 104 px is 6,6 × 2,75 cm (CSS px are 1/96 in); the web's is a little smaller.
PRINT = (250, 104)
SMALL = (200, 96)


def _before(trend: Trend) -> Trend:
    """The trend without the points of the periods' year and later ones (they are periods)."""
    if trend.this_year is None:
        return trend
    year = trend.this_year
    return Trend(code=trend.code, name=trend.name, unit=trend.unit,
                 years=[y for y in trend.years if y < year],
                 baseline=trend.baseline if trend.baseline and trend.baseline.year < year
                 else None,
                 targets=[p for p in trend.targets if p.year < year],
                 actuals=[p for p in trend.actuals if p.year < year],
                 periods=trend.periods, this_year=year)


def measure_trend(trend: Trend, lang: str, size: tuple[int, int] = PRINT) -> Markup:
    """The one trend chart: baseline, targets (dashed line) and actuals (solid line) on
    labelled axes (years and periods; the unit), with the points spelt out as alternative
    text."""
    # The periods' year's own target is told in words (what its periods aim at), not drawn.
    year_target = next((p for p in trend.targets if p.year == trend.this_year), None) \
        if trend.periods else None
    trend = _before(trend)
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
    for q in trend.periods:
        if q.target is not None:
            parts.append(t("chart_target", lang, year=q.code, value=qty(q.target)))
        if q.actual is not None:
            parts.append(t("chart_actual", lang, year=q.code, value=qty(q.actual)))
    if year_target is not None:
        parts.append(t("chart_target", lang, year=year_target.year, value=qty(year_target.value)))
    alt = t("chart_alt", lang, name=trend.code, points=" ".join(parts))
    axes = Axes(x=t("chart_axis_period", lang) if trend.periods else t("chart_axis_year", lang),
                y=formatting.unit_text(trend.unit, lang),
                number=partial(formatting.number, lang=lang, decimals=1),
                partial_label=trend.period)
    width, height = size
    return _svg(width, height, alt, _trend_body(trend, axes, width, height))


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


# A series' points: (slot on the x axis, value), and the series drawn as one line.
Series = list[tuple[int, Decimal]]


@dataclass(frozen=True)
class Slots:
    """The x axis: a slot a year, then a slot a period of the report's year."""

    labels: list[str]
    years: int  # how many of them are years
    targets: list[Series]
    actuals: list[tuple[Series, bool]]  # each with whether its marks are hollow (year so far)
    baseline: tuple[int, Decimal] | None


def _slots(trend: Trend, axes: Axes) -> Slots:
    points = [*trend.targets, *trend.actuals] + ([trend.baseline] if trend.baseline else [])
    known = {*trend.years, *(p.year for p in points)}
    years = list(range(min(known), max(known) + 1)) if known else []
    hollow_years = {p.year for p in trend.actuals if p.hollow}
    labels = [axes.partial_label if y in hollow_years and axes.partial_label and not trend.periods
              else str(y) for y in years]
    at = {y: i for i, y in enumerate(years)}
    first = len(years)
    labels += [q.code for q in trend.periods]

    def periods(pick: Callable[[PeriodPoint], Decimal | None]) -> Series:
        return [(first + i, v) for i, q in enumerate(trend.periods) if (v := pick(q)) is not None]

    targets = [[(at[p.year], p.value) for p in trend.targets], periods(lambda q: q.target)]
    actuals = [([(at[p.year], p.value) for p in trend.actuals if not p.hollow], False),
               ([(at[p.year], p.value) for p in trend.actuals if p.hollow], True),
               (periods(lambda q: q.actual), True)]
    base = (at[trend.baseline.year], trend.baseline.value) if trend.baseline else None
    return Slots(labels, first, targets, actuals, base)


def _spaced(labels: list[str], xs: list[float], years: int, gap: float = 4) -> list[int]:
    """The slots whose labels fit side by side: the last one (the report's period) always, then
    the years, then the other periods from the latest back, each where it clears those shown."""
    if not labels:
        return []
    spans: list[tuple[float, float]] = []
    shown = []
    for i in [len(labels) - 1, *range(years), *reversed(range(years, len(labels) - 1))]:
        half = text_width(labels[i]) / 2 + gap / 2
        span = (xs[i] - half, xs[i] + half)
        if all(span[1] <= s[0] or s[1] <= span[0] for s in spans):
            spans.append(span)
            shown.append(i)
    return sorted(shown)


def _trend_body(trend: Trend, axes: Axes, width: int, height: int) -> str:
    slots = _slots(trend, axes)
    values = ([v for series in slots.targets for _, v in series]
              + [v for series, _ in slots.actuals for _, v in series]
              + ([slots.baseline[1]] if slots.baseline else [])) or [Decimal(0), Decimal(1)]
    ticks = nice_ticks(min(values), max(values), 3)
    labels = [axes.number(v) for v in ticks]
    left = round(6 + max(text_width(labels[0]), text_width(labels[-1])))
    right, top, bottom = 10, 14, 24
    inner_w, inner_h = width - left - right, height - top - bottom
    low, high = ticks[0], ticks[-1]
    xs = [round(left + 6 + i * (inner_w - 12) / max(len(slots.labels) - 1, 1), 1)
          for i in range(len(slots.labels))]

    def y(value: Decimal) -> float:
        return round(top + float((high - value) / (high - low)) * inner_h, 1)

    # One font declaration for all the labels (a <g> the <text>s inherit it from).
    texts = [_label(2, 9, axes.y)]
    grid = "".join(f"M{left} {y(value)}H{width - right}" for value in ticks)
    if 0 < slots.years < len(slots.labels):  # where the years end and the periods begin
        grid += f"M{round((xs[slots.years - 1] + xs[slots.years]) / 2, 1)} {top}V{height - bottom}"
    parts = [f'<path d="{grid}" stroke="#d0d7de" stroke-width="0.6"/>']
    # Only the lowest and highest gridlines are labelled: two values give the scale, and each
    # label costs (see the module's docstring).
    for value, label in ((ticks[0], labels[0]), (ticks[-1], labels[-1])):
        texts.append(_label(left - 3, y(value) + 3, label, "end"))
    base = height - bottom
    parts.append(f'<path d="M{left} {top}V{base}H{width - right}" stroke="#57606a" '
                 f'stroke-width="0.8" fill="none"/>')
    for i in _spaced(slots.labels, xs, slots.years):
        texts.append(_label(xs[i], base + 10, slots.labels[i], "middle"))
    texts.append(_label(left + inner_w / 2, height - 2, axes.x, "middle"))
    parts.append(f'<g font-family="DejaVu Sans, sans-serif" font-size="{FONT_SIZE}" fill="#32383f">'
                 f'{"".join(texts)}</g>')
    for series in slots.targets:
        if len(series) > 1:
            pts = " ".join(f"{xs[i]},{y(v)}" for i, v in series)
            parts.append(f'<polyline points="{pts}" fill="none" stroke="{TARGET}" '
                         f'stroke-width="1.1" stroke-dasharray="4 2"/>')
    squares = "".join(f"M{xs[i] - 2.5} {y(v) - 2.5}h5v5h-5z"
                      for series in slots.targets for i, v in series)
    if squares:
        parts.append(f'<path d="{squares}" fill="#fff" stroke="{TARGET}" stroke-width="1"/>')
    if slots.baseline:
        bx, by = xs[slots.baseline[0]], y(slots.baseline[1])
        parts.append(f'<path d="M{bx - 2.8} {by - 2.8}h5.6v5.6h-5.6z" fill="{BASELINE}"/>')
    # The years' actuals and the year so far's are lines of their own: a year's total and
    # a part of one are not on one scale.
    for series, _ in slots.actuals:
        if len(series) > 1:
            pts = " ".join(f"{xs[i]},{y(v)}" for i, v in series)
            parts.append(f'<polyline points="{pts}" fill="none" stroke="{ACTUAL}" '
                         f'stroke-width="1.8"/>')
    for hollow in (False, True):
        # Diamonds: straight lines are cheaper to draw than arcs, hundreds of times over.
        dots = "".join(f"M{xs[i]} {round(y(v) - 3.5, 1)}l3.5 3.5l-3.5 3.5l-3.5 -3.5z"
                       for series, h in slots.actuals if h is hollow for i, v in series)
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
    return _svg(width, height, title, "".join(parts))
