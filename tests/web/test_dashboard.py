"""The home dashboards, the overview's filters, sort and export, and the measure page, on a
board with one measure off track (red), one at risk (amber) and one on track."""

import re
from io import BytesIO
from typing import Any

from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import update
from sqlalchemy.orm import Session

from app.auth.models import Role
from app.indicators.models import IndicatorValue, Measure, MeasureTarget, ValueStatus
from tests.helpers import create, create_user, create_world
from tests.web.test_pages import reporting_world, web_login

SHORT_STAFFED = "Henkilöstöpula keväällä"


def dashboard_world(client: TestClient, db: Session) -> dict[str, Any]:
    """reporting_world's M1 "Mittari" at 60 % against 80 % (off track, with a comment), M2
    "Asiakastyytyväisyys" at 77 against 80 within its tolerance 5 (at risk), M3 "Bonus" at 90
    against 50 (on track) with its 2015-T2 returned; every 2015-T1 value waits for review."""
    client.base_url = "https://testserver"
    w = reporting_world(db)
    create(db, IndicatorValue, measure_id=w["measure"].id, period="2015-T1", value=60,
           comment=SHORT_STAFFED)
    amber = create(db, Measure, goal_id=w["goal"].id, code="M2", name="Asiakastyytyväisyys",
                   unit="pistettä", direction="higher_is_better", frequency="tertial",
                   rollup="last", tolerance=5)
    create(db, MeasureTarget, measure_id=amber.id, year=2015, value=80)
    create(db, IndicatorValue, measure_id=amber.id, period="2015-T1", value=77)
    green = create(db, Measure, goal_id=w["goal"].id, code="M3", name="Bonus", unit="kpl",
                   direction="higher_is_better", frequency="tertial", rollup="last")
    create(db, MeasureTarget, measure_id=green.id, year=2015, value=50)
    create(db, IndicatorValue, measure_id=green.id, period="2015-T1", value=90)
    back = create(db, IndicatorValue, measure_id=green.id, period="2015-T2", value=95)
    db.execute(update(IndicatorValue).where(IndicatorValue.id == back.id).values(
        status=ValueStatus.returned, return_reason="Tarkista"))
    create_user(db, Role.board_member, w["municipality"], board_id=w["board"].id,
                username="jasen")
    db.flush()
    return {**w, "amber": amber, "green": green}


def counts(page: str) -> list[tuple[str, int]]:
    """The dashboard's counts with the link each opens (the board's id as B)."""
    found = re.findall(r'<a href="([^"]+)"><span class="count">(\d+)</span>', page)
    return [(re.sub(r"board=\d+", "board=B", href.replace("&amp;", "&")), int(n))
            for href, n in found]


def test_the_purchasers_home_counts_what_is_due_to_review_returned_red_and_amber(
    client: TestClient, db: Session
) -> None:
    w = dashboard_world(client, db)
    web_login(client, "tilaaja")
    page = client.get("/").text
    assert f"{w['board'].code} – {w['board'].name_fi}, 2015" in page
    # 3 measures × 3 periods: 3 reported, 1 returned, 5 overdue
    assert counts(page) == [
        ("/purchaser/overdue?board=B", 5), ("/purchaser/review?board=B", 3),
        ("/purchaser/overdue?board=B", 1),  # returned: listed with the overdue, with the reason
        ("/purchaser?board=B&year=2015&status=off_track", 1),
        ("/purchaser?board=B&year=2015&status=at_risk", 1)]
    assert counts(client.get("/?year=2014").text) == counts(page)  # no agreements: the newest
    red = client.get(f"/purchaser?board={w['board'].id}&year=2015&status=off_track").text
    assert "Rajatut mittarit: 1" in red


def test_the_board_members_home_shows_what_is_off_track_by_how_much_and_why(
    client: TestClient, db: Session
) -> None:
    dashboard_world(client, db)
    web_login(client, "jasen")
    page = client.get("/").text
    lights = re.findall(r'<span class="count">(\d+)</span> <span class="light (\w+)">', page)
    assert lights == [("1", "off_track"), ("1", "at_risk"), ("0", "no_value"), ("1", "on_track")]
    table = page[page.index("Tavoitteesta jäljessä ja riskissä"):]
    rows = re.findall(r'<tr>.*?</tr>', table[table.index("<tbody>"):], re.S)
    assert [re.search(r'">([^<]+)</a>', r).group(1) for r in rows] == [  # type: ignore[union-attr]
        "Mittari", "Asiakastyytyväisyys"]
    assert "20 %" in rows[0] and SHORT_STAFFED in rows[0] and "3 pistettä" in rows[1]


def test_the_reporters_home_counts_due_overdue_and_returned(
    client: TestClient, db: Session
) -> None:
    dashboard_world(client, db)
    web_login(client, "raportoija")
    assert counts(client.get("/").text) == [
        ("/reporting#group-overdue", 5), ("/reporting#group-due", 0),
        ("/reporting#group-returned", 1)]


def rows_of(page: str) -> list[str]:
    flat = page[page.index("overview-flat"):]
    return re.findall(r'<a href="/measures/\d+">([^<]+)</a>', flat[:flat.index("</table>")])


def test_the_overview_filters_by_status_and_sorts(client: TestClient, db: Session) -> None:
    w = dashboard_world(client, db)
    web_login(client, "tilaaja")
    base = f"/purchaser?board={w['board'].id}&year=2015"
    assert rows_of(client.get(f"{base}&status=off_track").text) == ["Mittari"]
    assert rows_of(client.get(f"{base}&sort=status").text) == [
        "Mittari", "Asiakastyytyväisyys", "Bonus"]
    assert rows_of(client.get(f"{base}&sort=measure").text) == [
        "Asiakastyytyväisyys", "Bonus", "Mittari"]
    assert rows_of(client.get(f"{base}&q=m3").text) == ["Bonus"]
    assert rows_of(client.get(f"{base}&goal=1&provider={w['provider'].id}&sort=provider"
                              ).text) == ["Mittari", "Asiakastyytyväisyys", "Bonus"]


def test_the_forms_all_providers_is_no_choice_and_a_bad_choice_an_error_page(
        client: TestClient, db: Session) -> None:
    """The filter form sends provider= for "all"; a value that is no id answers the error page
    with the user's header (422), never a 500."""
    w = dashboard_world(client, db)
    web_login(client, "tilaaja")
    base = f"/purchaser?board={w['board'].id}&year=2015"
    assert rows_of(client.get(f"{base}&provider=&goal=1&status=&q=&sort=status").text) == [
        "Mittari", "Asiakastyytyväisyys", "Bonus"]
    bad = client.get(f"{base}&provider=x")
    assert bad.status_code == 422 and "Kirjaudu ulos" in bad.text
    assert "Sivun osoitteessa on arvo, jota ei voi käyttää (provider)." in bad.text


def test_the_export_has_the_filtered_rows(client: TestClient, db: Session) -> None:
    w = dashboard_world(client, db)
    web_login(client, "tilaaja")
    response = client.get(f"/purchaser/export.xlsx?board={w['board'].id}&year=2015"
                          "&status=at_risk")
    assert response.status_code == 200
    assert "attachment" in response.headers["content-disposition"]
    sheet = load_workbook(BytesIO(response.content)).active
    assert sheet is not None
    table = [[c.value for c in row] for row in sheet.iter_rows()]
    assert table[0][:5] == ["Tuottaja", "Sopimus", "Tavoite", "Mittarin tunnus", "Mittari"]
    assert [(r[3], r[7], r[9], r[10]) for r in table[1:]] == [("M2", 77, 80, "Riskissä")]


def test_the_measure_page_shows_the_series_values_and_rule_to_its_readers(
    client: TestClient, db: Session
) -> None:
    w = dashboard_world(client, db)
    elsewhere = create_world(db, "837")
    create_user(db, Role.purchaser_director, elsewhere["municipality"], username="muualla")
    web_login(client, "jasen")
    page = client.get(f"/measures/{w['green'].id}")
    assert page.status_code == 200
    assert "Vertailusääntö" in page.text and "Tuottaja 1" in page.text
    assert 'class="chart"' in page.text and "Tarkista" in page.text  # the returned value's reason
    web_login(client, "muualla")
    assert client.get(f"/measures/{w['green'].id}").status_code == 404
