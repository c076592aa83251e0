"""The follow-up report's first page stays a summary on a board with many amber measures: every
red measure, only the amber ones furthest from their targets, and how many others there are and
where."""

import re
from decimal import Decimal

from sqlalchemy.orm import Session

from app.indicators.models import IndicatorValue, Measure, MeasureTarget
from app.reports import render
from app.reports.follow_up import AMBER_NAMED, follow_up
from tests.helpers import ROOT, create, create_world
from tests.reports.helpers import pdf_pages


def many_amber(db: Session, amber: int = 8) -> int:
    """create_world's board: M1 red (60 against 80, tolerance 10) and ``amber`` amber measures
    A1, A2…, A1 the nearest its target (79), each next one a point further."""
    w = create_world(db)
    create(db, MeasureTarget, measure_id=w["measure"].id, year=2015, value=Decimal(80))
    db.get_one(Measure, w["measure"].id).tolerance = Decimal(10)
    create(db, IndicatorValue, measure_id=w["measure"].id, period="2015-T2", value=Decimal(60),
           comment="Henkilöstövaje.")
    for i in range(1, amber + 1):
        m = create(db, Measure, goal_id=w["goal"].id, code=f"A{i}", name=f"Lievä poikkeama {i}",
                   unit="%", direction="higher_is_better", frequency="tertial", rollup="last",
                   tolerance=Decimal(10), min_value=0, max_value=100)
        create(db, MeasureTarget, measure_id=m.id, year=2015, value=Decimal(80))
        create(db, IndicatorValue, measure_id=m.id, period="2015-T2", value=Decimal(80 - i),
               comment="Sijaisia puuttui.")
    db.flush()
    return int(w["board"].id)


def test_the_first_page_names_every_red_measure_and_only_the_worst_amber_ones(db: Session
                                                                           ) -> None:
    data = follow_up(db, ROOT, many_amber(db), "2015-T2", "fi")
    summary = data.summary
    assert AMBER_NAMED == 5
    assert [(m.code, m.status) for m in summary.attention] == [
        ("M1", "off_track"), ("A8", "at_risk"), ("A7", "at_risk"), ("A6", "at_risk"),
        ("A5", "at_risk"), ("A4", "at_risk")]
    assert summary.at_risk_not_named == 3
    # The counts still count every measure.
    assert {s.status: s.count for s in summary.statuses}["at_risk"] == 8

    pages = pdf_pages(render.render_pdf(render.render_html(data), data).pdf)
    pointer = re.search(r"muut 3 ovat tiloineen luvussa\s+Mittarit \(s\. (\d+)\)", pages[0])
    assert pointer is not None, pages[0]
    # The page it points to is where the chapter of measures, with the other three, begins.
    chapter = pages[int(pointer[1]) - 1]
    assert "Mittarit" in chapter and "Lievä poikkeama 1" in chapter


def test_a_board_with_few_amber_measures_gets_them_all_on_the_first_page(db: Session) -> None:
    summary = follow_up(db, ROOT, many_amber(db, amber=5), "2015-T2", "fi").summary
    assert [m.code for m in summary.attention] == ["M1", "A5", "A4", "A3", "A2", "A1"]
    assert summary.at_risk_not_named == 0
