"""Small inline SVG charts, each with its alternative text (<title>, <desc>, aria-label).

Kept deliberately simple — a few lines and dots, no gradients or filters — so that hundreds of
them lay out fast and stay small in the PDF.
"""

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
    t, d = escape(title), escape(desc)
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{t}">'
        f"<title>{t}</title><desc>{d}</desc>{body}</svg>"
    )


def trend(title: str, desc: str, years: Sequence[int], baseline: Point | None,
          targets: Sequence[Point], actuals: Sequence[Point], *,
          width: int = 122, height: int = 48) -> Markup:
    """Baseline (grey dot), targets (dashed) and actuals (line) over the framework years."""
    left, right, top, bottom = 9, 9, 5, 11
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

    parts = [f'<line x1="{left}" y1="{height - bottom + 1}" x2="{width - right}" '
             f'y2="{height - bottom + 1}" stroke="#d0d7de" stroke-width="0.6"/>']
    if len(targets) > 1:
        pts = " ".join(f"{x(p.year)},{y(p.value)}" for p in targets)
        parts.append(f'<polyline points="{pts}" fill="none" stroke="{TARGET}" '
                     f'stroke-width="0.9" stroke-dasharray="2.5 1.5"/>')
    parts += [f'<rect x="{x(p.year) - 1.6}" y="{y(p.value) - 1.6}" width="3.2" height="3.2" '
              f'fill="#fff" stroke="{TARGET}" stroke-width="0.8"/>' for p in targets]
    if baseline:
        parts.append(f'<circle cx="{x(baseline.year)}" cy="{y(baseline.value)}" r="2" '
                     f'fill="{BASELINE}"/>')
    if len(actuals) > 1:
        pts = " ".join(f"{x(p.year)},{y(p.value)}" for p in actuals)
        parts.append(f'<polyline points="{pts}" fill="none" stroke="{ACTUAL}" '
                     f'stroke-width="1.4"/>')
    parts += [f'<circle cx="{x(p.year)}" cy="{y(p.value)}" r="2.1" '
              f'fill="{"#fff" if p.hollow else ACTUAL}" stroke="{ACTUAL}" stroke-width="1"/>'
              for p in actuals]
    label = 'font-family="DejaVu Sans" font-size="7" fill="#57606a" text-anchor="middle"'
    shown = range(first, last + 1) if last - first <= 6 else (first, last)
    parts += [f'<text x="{x(year)}" y="{height - 2}" {label}>{year}</text>' for year in shown]
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
