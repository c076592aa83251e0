"""The one trend chart (the follow-up report's and the purchaser overview's): readable in print,
with labelled axes, and its points spelt out as alternative text."""

import io
import re
import xml.etree.ElementTree as ET
from decimal import Decimal
from itertools import pairwise
from urllib.parse import unquote

import pytest
import weasyprint.svg
from pypdf import PdfReader
from sqlalchemy.orm import Session
from weasyprint import HTML

from app.reports import charts, render, svg_text
from app.reports.follow_up import follow_up
from tests.helpers import ROOT
from tests.reports.helpers import load_hml

SVG = "{http://www.w3.org/2000/svg}"


def svg_of(markup: str) -> ET.Element:
    data = re.search(r'src="data:image/svg\+xml,([^"]+)"', markup)
    assert data is not None
    return ET.fromstring(unquote(data[1]))


def cost_trend() -> charts.Trend:
    """Two years before the report's, then its year's two tertials (a sum: the total so far
    against the pro-rated target); 2016 lies after the report and is left out."""
    return charts.Trend(
        code="KORJAAVAT", name="Korjaavien palveluiden kustannukset", unit="euroa",
        years=[2013, 2014, 2015, 2016], baseline=charts.Point(2014, Decimal(15_750_000)),
        targets=[charts.Point(2013, Decimal(16_500_000)), charts.Point(2014, Decimal(16_000_000)),
                 charts.Point(2015, Decimal(15_300_000)), charts.Point(2016, Decimal(14_800_000))],
        actuals=[charts.Point(2013, Decimal(16_200_000)), charts.Point(2014, Decimal(15_900_000)),
                 charts.Point(2015, Decimal(10_240_000), hollow=True)], period="2015-T2",
        periods=[charts.PeriodPoint("2015-T1", Decimal(4_900_000), Decimal(5_100_000)),
                 charts.PeriodPoint("2015-T2", Decimal(10_240_000), Decimal(10_200_000))],
        this_year=2015)


@pytest.mark.parametrize(("lang", "axis"), [("fi", "Vuosi ja kausi"), ("sv", "År och period"),
                                            ("en", "Year and period")])
def test_the_trend_chart_has_labelled_axes_and_periods(lang: str, axis: str) -> None:
    svg = svg_of(charts.measure_trend(cost_trend(), lang))
    texts = [t.text for t in svg.iter(f"{SVG}text")]
    # The unit (one notation for euros), the x axis' title, the years before the report's and
    # the report year's periods; not the report's year as a whole nor the years after it.
    assert texts[0] == "€"
    assert axis in texts
    assert [t for t in texts if t and t.startswith("20") and len(t) < 8] == [
        "2013", "2014", "2015-T1", "2015-T2"]
    # The value axis' lowest and highest gridlines, in the language's number format, span
    # the values (4 900 000 – 16 500 000).
    ticks = [t.replace("\u00a0", " ").replace(",", " ") for t in texts[1:3]]
    assert ticks == ["0", "20 000 000"]
    # At least 6 cm wide in print (CSS px are 1/96 in): 6 cm is 227 px.
    assert int(svg.attrib["width"]) >= 227


def centres(svg: ET.Element) -> dict[str, float]:
    return {str(t.text): float(t.attrib["x"]) + charts.text_width(str(t.text)) / 2
            for t in svg.iter(f"{SVG}text")}


def line_points(line: ET.Element) -> list[tuple[float, float]]:
    return [(float(x), float(y)) for x, y in (p.split(",") for p in line.attrib["points"].split())]


def test_the_years_then_the_periods_each_against_its_target() -> None:
    svg = svg_of(charts.measure_trend(cost_trend(), "fi"))
    at = centres(svg)
    lines = list(svg.iter(f"{SVG}polyline"))
    targets = [line_points(p) for p in lines if p.get("stroke-dasharray")]
    actuals = [line_points(p) for p in lines if not p.get("stroke-dasharray")]
    # A dashed target line and a solid actual line through the years, and another pair through
    # the periods: a year's total and part of a year are not joined.
    for pair in (targets, actuals):
        assert [[round(x) for x, _ in line] for line in pair] == [
            [round(at["2013"]), round(at["2014"])], [round(at["2015-T1"]), round(at["2015-T2"])]]
    # Heights (smaller is higher): 2013's actual 16,2 M below its target 16,5 M; T2's actual
    # 10,24 M above its target 10,2 M and T1's 4,9 M below 5,1 M.
    (t13, _), (t1, t2) = targets
    (a13, _), (a1, a2) = actuals
    assert a13[1] > t13[1] and a2[1] < t2[1] and a1[1] > t1[1] and a2[1] < a1[1]
    # The years' actuals are filled diamonds, the periods' (the year so far) hollow ones.
    diamonds = {p.get("fill"): len(re.findall("M", p.attrib["d"])) for p in svg.iter(f"{SVG}path")
                if p.get("stroke") == charts.ACTUAL}
    assert diamonds == {charts.ACTUAL: 2, "#fff": 2}


def test_the_alt_text_names_every_point() -> None:
    markup = charts.measure_trend(cost_trend(), "fi")
    alt = re.search(r'alt="([^"]+)"', markup)
    assert alt is not None
    text = alt[1].replace("\u00a0", " ").replace("&#x27;", "'")
    for point in ("Lähtötaso 2014: 15 750 000 €.", "Tavoite 2013: 16 500 000 €.",
                  "Toteuma 2014: 15 900 000 €.", "Tavoite 2015-T1: 5 100 000 €.",
                  "Toteuma 2015-T1: 4 900 000 €.", "Toteuma 2015-T2: 10 240 000 €."):
        assert point in text, text
    assert "2016" not in text


def test_the_labels_of_many_periods_do_not_overlap() -> None:
    """A monthly measure in the T2 report: eight months after two years; the latest month is
    always labelled, the others where they fit."""
    months = [charts.PeriodPoint(f"2015-{m:02d}", Decimal(m), Decimal(8)) for m in range(1, 9)]
    trend = charts.Trend(code="K", name="K", unit="kpl", years=[2013, 2014], baseline=None,
                         targets=[], actuals=[charts.Point(2013, Decimal(90)),
                                              charts.Point(2014, Decimal(95))],
                         periods=months, this_year=2015)
    svg = svg_of(charts.measure_trend(trend, "fi"))
    labels = sorted((float(t.attrib["x"]), str(t.text)) for t in svg.iter(f"{SVG}text")
                    if str(t.text).startswith("20"))
    assert labels[-1][1] == "2015-08" and labels[0][1] == "2013"
    for (x, text), (next_x, _) in pairwise(labels):
        assert x + charts.text_width(text) < next_x


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
    assert [w for w, _, _ in words] == ["€", "0", "20 000 000", "2013", "2014", "2015-T1",
                                        "2015-T2", "Vuosi ja kausi"]
    # One text operator a label, not one a letter.
    assert word_ops == 8 and letter_ops == sum(len(w.replace(" ", "")) for w, _, _ in words)


def test_the_report_charts_the_year_period_by_period_as_its_status_compares_it(
        db: Session) -> None:
    demo = load_hml(db, deliveries=False)
    data = follow_up(db, ROOT, demo.board.id, "2015-T2", "fi")
    measures = {m.code: m for s in data.perspectives for b in s.agreements for g in b.goals
                for m in g.measures}
    costs, hobby = measures["KORJAAVAT-KUSTANNUKSET"], measures["HARRASTUS"]
    # Costs, summed from January: the total so far against the pro-rated target (4/12 and
    # 8/12 of 15 300 000).
    assert [(p.code, p.actual, p.target) for p in costs.periods] == [
        ("2015-T1", Decimal(5_080_000), Decimal(5_100_000)),
        ("2015-T2", Decimal(10_240_000), Decimal(10_200_000))]
    # A share on a target path from 62 % (2014) to 75 %: the latest level against the path.
    assert [(p.code, p.actual, round(p.target or 0, 2)) for p in hobby.periods] == [
        ("2015-T1", Decimal(66), Decimal("66.33")), ("2015-T2", Decimal(70), Decimal("70.67"))]
    alt = re.search(r'alt="([^"]+)"', render.trend_chart(costs, "fi"))
    assert alt is not None
    assert "Tavoite 2015-T1: 5 100 000 €. Toteuma 2015-T1: 5 080 000 €." in alt[1].replace(
        "\u00a0", " ")
