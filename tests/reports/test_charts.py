"""The one trend chart (the follow-up report's and the purchaser overview's): readable in print,
with labelled axes, and its points spelt out as alternative text."""

import io
import re
import xml.etree.ElementTree as ET
from decimal import Decimal
from urllib.parse import unquote

import pytest
import weasyprint.svg
from pypdf import PdfReader
from weasyprint import HTML

from app.reports import charts, svg_text

SVG = "{http://www.w3.org/2000/svg}"


def svg_of(markup: str) -> ET.Element:
    data = re.search(r'src="data:image/svg\+xml,([^"]+)"', markup)
    assert data is not None
    return ET.fromstring(unquote(data[1]))


def cost_trend() -> charts.Trend:
    return charts.Trend(
        code="KORJAAVAT", name="Korjaavien palveluiden kustannukset", unit="euroa",
        years=[2013, 2014, 2015, 2016], baseline=charts.Point(2014, Decimal(15_750_000)),
        targets=[charts.Point(2015, Decimal(15_300_000)), charts.Point(2016, Decimal(14_800_000))],
        actuals=[charts.Point(2015, Decimal(10_240_000), hollow=True)], period="2015-T2")


@pytest.mark.parametrize(("lang", "axis"), [("fi", "Vuosi"), ("sv", "År"), ("en", "Year")])
def test_the_trend_chart_has_labelled_axes_and_periods(lang: str, axis: str) -> None:
    svg = svg_of(charts.measure_trend(cost_trend(), lang))
    texts = [t.text for t in svg.iter(f"{SVG}text")]
    # The unit (one notation for euros), the year axis' title, the years and the period so far.
    assert texts[0] == "€"
    assert axis in texts
    assert {"2013", "2014", "2015-T2", "2016"} <= set(texts)
    # The value axis' lowest and highest gridlines, in the language's number format, span
    # the values (10 240 000 – 15 750 000).
    ticks = [t.replace("\u00a0", " ").replace(",", " ") for t in texts
             if t and t[0].isdigit() and "-" not in t and len(t) > 6]
    assert ticks == ["10 000 000", "16 000 000"]
    # At least 6 cm wide in print (CSS px are 1/96 in): 6 cm is 227 px.
    assert int(svg.attrib["width"]) >= 227


def test_the_target_is_a_dashed_line_and_the_alt_text_names_the_points() -> None:
    markup = charts.measure_trend(cost_trend(), "fi")
    svg = svg_of(markup)
    [target] = [p for p in svg.iter(f"{SVG}polyline") if p.get("stroke-dasharray")]
    assert len(target.attrib["points"].split()) == 2
    alt = re.search(r'alt="([^"]+)"', markup)
    assert alt is not None
    assert "Tavoite 2016: 14 800 000 €." in alt[1].replace("\u00a0", " ")


def test_the_years_are_centred_under_their_points() -> None:
    svg = svg_of(charts.measure_trend(cost_trend(), "fi"))
    middle = {t.text: float(t.attrib["x"]) + charts.text_width(str(t.text)) / 2
              for t in svg.iter(f"{SVG}text")}
    # The target squares (2015, 2016): "M{x - 2.5} {y - 2.5}h5v5h-5z" each.
    [squares] = [p for p in svg.iter(f"{SVG}path")
                 if p.get("fill") == "#fff" and p.get("stroke") == charts.TARGET]
    x2015, x2016 = (float(x) + 2.5 for x in re.findall(r"M([\d.]+) ", squares.attrib["d"]))
    assert abs(middle["2015-T2"] - x2015) < 0.5
    assert abs(middle["2016"] - x2016) < 0.5


def labels_drawn(pdf: bytes) -> tuple[list[tuple[str, float, float]], int]:
    """The chart's labels as the PDF shows them (text, x, y) and how many text operators."""
    shown: list[tuple[str, float, float]] = []
    operators = [0]

    def text(t: str, cm: object, tm: list[float], font: object, size: object) -> None:
        if t.strip():
            shown.append((t.replace("\u00a0", " "), round(tm[4], 1), round(tm[5], 1)))

    def operator(op: bytes, *_: object) -> None:
        operators[0] += op == b"TJ"

    PdfReader(io.BytesIO(pdf)).pages[0].extract_text(visitor_text=text,
                                                     visitor_operand_before=operator)
    return shown, operators[0]


def test_the_labels_are_drawn_as_words_where_weasyprint_puts_its_letters(
        monkeypatch: pytest.MonkeyPatch) -> None:
    html = f"<html><body>{charts.measure_trend(cost_trend(), 'fi')}</body></html>"
    assert svg_text.install()
    words, word_ops = labels_drawn(HTML(string=html).write_pdf())
    monkeypatch.setitem(weasyprint.svg.TAGS, "text", weasyprint.svg.TAGS["text"].original)
    letters, letter_ops = labels_drawn(HTML(string=html).write_pdf())
    assert words == letters
    assert [w for w, _, _ in words] == ["€", "10 000 000", "16 000 000", "2013", "2014",
                                        "2015-T2", "2016", "Vuosi"]
    # One text operator a label, not one a letter.
    assert word_ops == 8 and letter_ops == sum(len(w.replace(" ", "")) for w, _, _ in words)
