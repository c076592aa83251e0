"""Deliveries of one order line do not overlap, except the year-to-date reports (T1, T2, the
year); an overlap is refused with a 409 naming the delivery already there."""

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.auth.models import Role
from app.budgets.models import Delivery, OrderBudgetLine
from app.core import writes
from app.core.errors import Conflict
from tests.agreements.flow import budget_for
from tests.helpers import ROOT, auth, create_user, create_world

API = "/api/v1/deliveries"


def _line_and_reporter(db: Session) -> tuple[OrderBudgetLine, dict[str, str]]:
    w = create_world(db)
    budget = budget_for(db, w)
    line = db.scalars(select(OrderBudgetLine).where(
        OrderBudgetLine.order_budget_id == budget.id)).one()
    reporter = create_user(db, Role.provider_reporter, w["municipality"],
                           provider_id=w["provider"].id)
    return line, {**auth(db, reporter), "Accept-Language": "fi"}


def _deliver(client: TestClient, h: dict[str, str], line: OrderBudgetLine, period: str) -> Any:
    return client.post(API, headers=h, json={"order_budget_line_id": line.id, "period": period,
                                             "volume": "10", "euros": "500.00"})


def _count(db: Session, line: OrderBudgetLine) -> int:
    return int(db.scalar(select(func.count()).select_from(Delivery)
                         .where(Delivery.order_budget_line_id == line.id)) or 0)


def test_a_period_overlapping_a_delivery_of_the_line_is_refused_naming_it(
    client: TestClient, db: Session
) -> None:
    line, h = _line_and_reporter(db)
    first = _deliver(client, h, line, "2015-T1")
    assert first.status_code == 201, first.text
    for period in ("2015-03", "2015-Q1"):
        response = _deliver(client, h, line, period)
        assert response.status_code == 409, (period, response.text)
        assert response.json()["detail"] == (
            f"Tilausrivillä {line.id} on jo toteutunut suorite kaudelta 2015-T1 "
            f"(id {first.json()['id']}), joka on päällekkäinen kauden {period} kanssa: korjaa "
            "mieluummin sitä tai ilmoita kausia, jotka eivät mene päällekkäin")
    assert _count(db, line) == 1


def test_months_and_quarters_do_not_mix_on_a_line(client: TestClient, db: Session) -> None:
    line, h = _line_and_reporter(db)
    for month in ("2015-01", "2015-02"):
        assert _deliver(client, h, line, month).status_code == 201
    quarter = _deliver(client, h, line, "2015-Q1")
    assert quarter.status_code == 409
    assert "kaudelta 2015-01" in quarter.json()["detail"]
    year = _deliver(client, h, line, "2015")
    assert year.status_code == 409
    assert "kaudelta 2015-01" in year.json()["detail"]
    assert _deliver(client, h, line, "2015-Q2").status_code == 201  # April–June: no overlap
    assert _count(db, line) == 3


def test_year_to_date_reports_follow_each_other(client: TestClient, db: Session) -> None:
    """T1 (Jan–Apr), T2 (Jan–Aug) and the year are cumulative: each replaces the one before it
    in the budget realisation (app.reports.status.cover), so they may all be there."""
    line, h = _line_and_reporter(db)
    for period in ("2015-T1", "2015-T2", "2015"):
        response = _deliver(client, h, line, period)
        assert response.status_code == 201, (period, response.text)
    month = _deliver(client, h, line, "2015-09")
    assert month.status_code == 409
    assert "kaudelta 2015 " in month.json()["detail"]


def test_a_change_of_period_into_another_delivery_is_refused(
    client: TestClient, db: Session
) -> None:
    """The API does not change a delivery's period; a change through the service layer (an
    import, the CLI) meets the same rule."""
    line, h = _line_and_reporter(db)
    january = _deliver(client, h, line, "2015-01").json()
    may = db.get_one(Delivery, _deliver(client, h, line, "2015-05").json()["id"])
    with pytest.raises(Conflict) as refused:
        writes.update(db, ROOT, may, {"period": "2015-Q1"})
    assert refused.value.field == "period"
    assert refused.value.detail == (
        f"Order line {line.id} already has a delivery for 2015-01 (id {january['id']}), "
        "which overlaps 2015-Q1: correct that delivery instead, or report periods that do "
        "not overlap")
    db.expire(may)  # what is stored
    assert may.period == "2015-05"
