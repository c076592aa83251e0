"""Chart labels drawn as words, not letter by letter (WeasyPrint's SVG <text>).

WeasyPrint lays out and draws an SVG <text> one letter at a time (each letter its own Pango
layout and text operator) so that it can honour per-letter x, y, dx, dy and rotate lists. The
report's charts use none of that: a label is one string at one point, left-aligned
(app.reports.charts). For such a label this draws the string in one go — what WeasyPrint does
for HTML text — which makes the charts of a large report several times cheaper to draw, the PDF
smaller, and the labels kerned. Every other <text> (lists of positions, anchors, spacing,
children…) is left to WeasyPrint.

``install`` replaces WeasyPrint's handler for <text> in the rendering process. It relies on
WeasyPrint's internals (70.x): if they are not what it expects, it installs nothing and the
charts are drawn as before, only slower.
"""

import importlib
import logging
from math import inf
from typing import Any

log = logging.getLogger(__name__)

# The attributes a label may have (the font ones inherited from the chart's <g>).
PLAIN = frozenset({"x", "y", "font-family", "font-size", "fill"})


def _single(value: str | None) -> bool:
    """One coordinate, not a list of per-letter ones."""
    return value is None or len(value.replace(",", " ").split()) == 1


def is_plain(node: Any) -> bool:
    """A label this module draws: text only, one position, nothing else to honour."""
    return (node.tag == "text" and bool(node.text) and not list(node)
            and PLAIN.issuperset(node.attrib)
            and _single(node.attrib.get("x")) and _single(node.attrib.get("y")))


def install() -> bool:
    """Draw plain labels as words in this process; False (and nothing changed) if WeasyPrint
    is not the version this was written for."""
    try:
        svg = importlib.import_module("weasyprint.svg")
        text = importlib.import_module("weasyprint.svg.text")
        from weasyprint.css.properties import INITIAL_VALUES
        from weasyprint.draw.text import draw_first_line
        from weasyprint.matrix import Matrix
        from weasyprint.text.line_break import split_first_line

        original = svg.TAGS["text"]
    except (ImportError, AttributeError, KeyError):  # another WeasyPrint: leave it as it is
        log.warning("SVG labels drawn letter by letter: WeasyPrint's internals have changed")
        return False
    if getattr(original, "sopimus_plain", False):
        return True

    def draw(image: Any, node: Any, font_size: float) -> None:
        if not is_plain(node):
            original(image, node, font_size)
            return
        style = text.Style()
        style.update(INITIAL_VALUES)
        style.font_config = image.font_config
        style["font_family"] = [font.strip("\"' ") for font in
                                node.get("font-family", "sans-serif").split(",")]
        style["font_size"] = font_size
        layout, _, _, width, height, baseline = split_first_line(
            node.text, style, image.context, inf, 0)
        x = text.size(node.get("x", "0"), font_size, image.inner_width)
        y = text.size(node.get("y", "0"), font_size, image.inner_height)
        # As WeasyPrint draws each letter, but once for the whole string.
        image.stream.push_state()
        fill, stroke = image.set_graphical_state(node, font_size)
        image.stream.begin_text()
        layout.reactivate(style)
        image.fill_stroke(fill, stroke, text=True)
        box = text.TextBox(layout, style)
        box.baseline = baseline
        draw_first_line(image.stream, box, "none", "none", Matrix(d=-1, e=x, f=y))
        image.stream.end_text()
        image.stream.pop_state()
        image.cursor_position = (x + width, y)
        node.text_bounding_box = (x, y - baseline, width, height)

    draw.sopimus_plain = True  # type: ignore[attr-defined]
    draw.original = original  # type: ignore[attr-defined]
    svg.TAGS["text"] = draw
    return True
