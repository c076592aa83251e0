"""The follow-up report's first page names every goal of the board's agreements with its light,
the worst of its measures' lights, by a shape as well as a colour."""

import re

from sqlalchemy.orm import Session

from app.reports import render
from app.reports.follow_up import follow_up
from app.reports.status import worst
from tests.helpers import ROOT
from tests.reports.helpers import load_hml, pdf_pages


def test_the_first_page_lists_every_goal_with_its_light(db: Session) -> None:
    demo = load_hml(db, deliveries=False)
    data = follow_up(db, ROOT, demo.board.id, "2015-T2", "fi")
    first = re.sub(r"\s+", " ", pdf_pages(render.render_pdf(render.render_html(data), data).pdf)[0])
    # The shapes named once, then one line a goal: goal 2's and 3's measures are at risk, 4's
    # and 5's on track; goal 1 has no measure, so nothing measured.
    assert "● Tavoitteessa · ▲ Riskissä · ■ Jäljessä tavoitteesta · ○ Ei arvoa" in first
    for line in ("○ 1 Lapsi otetaan huomioon aikuisten palveluissa",
                 "▲ 2 Palvelurakenteen painopiste siirtyy varhaisiin ja kevyempiin palveluihin",
                 "▲ 3 Jokaiselle lapselle tarjotaan mahdollisuus yhteen harrastukseen",
                 "● 4 Tuntiperusteinen laskutus päivähoidossa",
                 "● 5 Palveluseteli varhaiskasvatukseen"):
        assert line in first, first


def test_a_goal_takes_the_worst_light_of_its_measures() -> None:
    assert worst(["on_track", "off_track", "at_risk"]) == "off_track"
    assert worst(["on_track", "no_value"]) == "no_value"
    assert worst(["no_target", "on_track"]) == "no_target"
    assert worst(["on_track", "on_track"]) == "on_track"
    assert worst([]) is None
