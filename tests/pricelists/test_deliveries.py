"""A provider's reporter reports, per month, the volume delivered of each item of his own line
(201; euros at the item's price); another provider's line is not his (404 for its deliveries,
422 naming the line he may not see); a month outside the budget's year or not a month is 422."""

from decimal import Decimal

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.auth.models import Role
from app.pricelists.models import ItemDelivery
from tests.helpers import auth, create, create_user
from tests.pricelists.helpers import price_world

API = "/api/v1"


def test_a_reporter_reports_the_items_of_his_own_line(client: TestClient, db: Session) -> None:
    w = price_world(db)
    m = w["municipality"]
    reporter = auth(db, create_user(db, Role.provider_reporter, m, provider_id=w["provider"].id))
    body = {"order_budget_line_id": w["line"].id, "item_id": w["root"].id, "period": "2015-03",
            "volume": "3"}
    created = client.post(f"{API}/item-deliveries", headers=reporter, json=body)
    assert created.status_code == 201, created.text
    row = created.json()
    assert Decimal(row["euros"]) == Decimal("529.92")  # 3 × 176,64
    assert (row["period_start"], row["period_end"]) == ("2015-03-01", "2015-03-31")
    assert client.post(f"{API}/item-deliveries", headers=reporter, json=body).status_code == 409
    mine = client.get(f"{API}/item-deliveries", headers=reporter).json()
    assert [r["id"] for r in mine["items"]] == [row["id"]]


def test_another_providers_line_is_not_his(client: TestClient, db: Session) -> None:
    w = price_world(db)
    m = w["municipality"]
    reporter = auth(db, create_user(db, Role.provider_reporter, m, provider_id=w["provider"].id))
    theirs = create(db, ItemDelivery, order_budget_line_id=w["other_line"].id,
                    item_id=w["filling"].id, period="2015-02", volume=4)
    assert client.get(f"{API}/item-deliveries/{theirs.id}", headers=reporter).status_code == 404
    assert client.patch(f"{API}/item-deliveries/{theirs.id}", headers={
        **reporter, "If-Match": '"1"'}, json={"volume": "1"}).status_code == 404
    refused = client.post(f"{API}/item-deliveries", headers=reporter, json={
        "order_budget_line_id": w["other_line"].id, "item_id": w["filling"].id,
        "period": "2015-03", "volume": "1"})
    assert refused.status_code == 422
    assert "order_budget_line_id" in refused.text


def test_a_delivery_is_a_month_of_the_budgets_year(client: TestClient, db: Session) -> None:
    w = price_world(db)
    h = auth(db, create_user(db, Role.purchaser_director, w["municipality"]))
    body = {"order_budget_line_id": w["line"].id, "item_id": w["filling"].id, "volume": "1"}
    for period in ("2015-T1", "2014-12"):
        bad = client.post(f"{API}/item-deliveries", headers=h, json={**body, "period": period})
        assert bad.status_code == 422, bad.text
        assert bad.json()["errors"][0]["field"] == "period"


def test_a_lump_delivery_on_a_line_priced_by_items_is_refused(client: TestClient,
                                                              db: Session) -> None:
    w = price_world(db)
    h = auth(db, create_user(db, Role.purchaser_director, w["municipality"]))
    lump = client.post(f"{API}/deliveries", headers=h, json={
        "order_budget_line_id": w["line"].id, "period": "2015-03", "volume": "3",
        "euros": "100.00"})
    assert lump.status_code == 422, lump.text
    assert lump.json()["errors"][0]["field"] == "order_budget_line_id"
