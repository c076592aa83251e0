"""Small inline SVG charts, each with its alternative text (<title>, <desc>, aria-label).

Kept deliberately simple — a few lines and dots, no gradients or filters — so that hundreds of
them lay out fast and stay small in the PDF.
"""

import base64
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from html import escape

from markupsafe import Markup

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


def trend(title: str, desc: str, years: Sequence[int], baseline: Point | None,
          targets: Sequence[Point], actuals: Sequence[Point], *,
          width: int = 96, height: int = 34) -> Markup:
    """Baseline (grey dot), targets (dashed) and actuals (line) over the framework years."""
    left, right, top, bottom = 6, 6, 4, 5
    values = [p.value for p in (*targets, *actuals)] + ([baseline.value] if baseline else [])
    first = min([*years, *(p.year for p in (*targets, *actuals))]
                + ([baseline.year] if baseline else []))
    last = max([*years, *(p.year for p in (*targets, *actuals))])
    low, high = (min(values), max(values)) if values else (Decimal(0), Decimal(1))
    if low == high:
        low, high = low - 1, high + 1
    span_x = max(last - first, 1)
    inner_w, inner_h = width - left - right, height - top - bottom

    def x(year: int) -> float:
        return round(left + (year - first) * inner_w / span_x, 1)

    def y(value: Decimal) -> float:
        return round(top + float((high - value) / (high - low)) * inner_h, 1)

    parts = [f'<path d="M{left} {height - bottom + 1}H{width - right}" stroke="#d0d7de" '
             f'stroke-width="0.6"/>']
    ticks = "".join(f"M{x(year)} {height - bottom + 1}v2" for year in range(first, last + 1))
    parts.append(f'<path d="{ticks}" stroke="#8c959f" stroke-width="0.6"/>')
    if len(targets) > 1:
        pts = " ".join(f"{x(p.year)},{y(p.value)}" for p in targets)
        parts.append(f'<polyline points="{pts}" fill="none" stroke="{TARGET}" '
                     f'stroke-width="0.9" stroke-dasharray="2.5 1.5"/>')
    if targets:
        squares = "".join(f"M{x(p.year) - 1.6} {y(p.value) - 1.6}h3.2v3.2h-3.2z" for p in targets)
        parts.append(f'<path d="{squares}" fill="#fff" stroke="{TARGET}" stroke-width="0.8"/>')
    if baseline:
        bx, by = x(baseline.year), y(baseline.value)
        parts.append(f'<path d="M{bx - 1.8} {by - 1.8}h3.6v3.6h-3.6z" fill="{BASELINE}"/>')
    if len(actuals) > 1:
        pts = " ".join(f"{x(p.year)},{y(p.value)}" for p in actuals)
        parts.append(f'<polyline points="{pts}" fill="none" stroke="{ACTUAL}" '
                     f'stroke-width="1.4"/>')
    for hollow in (False, True):
        # Diamonds: straight lines are cheaper to draw than arcs, hundreds of times over.
        dots = "".join(f"M{x(p.year)} {round(y(p.value) - 2.4, 1)}l2.4 2.4l-2.4 2.4l-2.4 -2.4z"
                       for p in actuals if p.hollow is hollow)
        if dots:
            parts.append(f'<path d="{dots}" fill="{"#fff" if hollow else ACTUAL}" '
                         f'stroke="{ACTUAL}" stroke-width="1"/>')
    return _svg(width, height, title, desc, "".join(parts))


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
