"""A returned value on the pages: on the provider's reporting page with the reason, corrected
from there; missing in the purchaser's overview and late on the overdue page."""

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlalchemy.orm import Session

from app.indicators.models import IndicatorValue, ValueStatus
from tests.helpers import create
from tests.web.test_pages import post_form, reporting_world, values, web_login

REASON = "Osuus nousi paljon: tarkista lähde"


def returned_world(client: TestClient, db: Session) -> dict[str, Any]:
    """reporting_world (target 80 % for 2015) with 2015-T1's 85 % returned with REASON."""
    client.base_url = "https://testserver"
    w = reporting_world(db)
    value = create(db, IndicatorValue, measure_id=w["measure"].id, period="2015-T1", value=85)
    db.execute(update(IndicatorValue).where(IndicatorValue.id == value.id).values(
        status=ValueStatus.returned, return_reason=REASON))
    db.flush()
    return w


def test_the_reporting_page_lists_a_returned_value_with_its_reason(
    client: TestClient, db: Session
) -> None:
    returned_world(client, db)
    web_login(client, "raportoija")
    page = client.get("/reporting").text
    group = page[page.index('id="group-returned"'):]
    assert REASON in group[:group.index("</section>")]


def test_a_reporter_sends_a_correction_of_a_returned_value_from_its_page(
    client: TestClient, db: Session
) -> None:
    w = returned_world(client, db)
    web_login(client, "raportoija")
    path = f"/reporting/{w['measure'].id}/2015-T1"
    assert REASON in client.get(path).text
    sent = post_form(client, path, {"value": "82", "reason": "Lähde tarkistettu"})
    assert sent.status_code == 303
    assert [(v.value, v.status) for v in values(db)] == [(82, ValueStatus.submitted)]


def test_the_purchasers_overview_shows_a_returned_value_as_missing(
    client: TestClient, db: Session
) -> None:
    w = returned_world(client, db)
    web_login(client, "tilaaja")
    page = client.get(f"/purchaser?board={w['board'].id}&year=2015").text
    row = page[page.index("Mittari</a> <span"):]
    row = row[:row.index("</tr>")]
    assert "light no_value" in row and "Palautettu korjattavaksi: 2015-T1" in row, row


def test_the_overdue_page_lists_a_returned_value_with_its_reason(
    client: TestClient, db: Session
) -> None:
    returned_world(client, db)
    web_login(client, "tilaaja")
    page = client.get("/purchaser/overdue").text
    row = page[page.index("<td data-label=\"Raportointikausi\">2015-T1"):]
    assert REASON in row[:row.index("</tr>")]
