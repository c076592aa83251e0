"""Order lines of an appropriation in euros (no volume, no unit price), deliveries of euros on
them, and service agreements outside any framework agreement, through the API."""

from decimal import Decimal
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.auth.models import Role
from app.budgets.models import OrderBudget
from tests.agreements.flow import amend, approve_in_db
from tests.budgets.test_router import _budget, _catalogue
from tests.helpers import auth, create_user, create_world, if_match

LINES = "/api/v1/order-budget-lines"


def _setup(client: TestClient, db: Session) -> tuple[dict[str, Any], dict[str, str], int]:
    w = create_world(db)
    w.update(_catalogue(db, w["municipality"].id))
    h = {**auth(db, create_user(db, Role.purchaser_director, w["municipality"])),
         "Accept-Language": "fi"}
    return w, h, _budget(client, h, w["board"].id)


def _post(client: TestClient, h: dict[str, str], w: dict[str, Any], budget_id: int,
          **form: str) -> Any:
    return client.post(LINES, headers=h, json={
        "order_budget_id": budget_id, "product_id": w["day"].id,
        "provider_id": w["provider"].id, **form})


def test_a_line_of_an_appropriation_totals_the_appropriation(
    client: TestClient, db: Session
) -> None:
    w, h, budget_id = _setup(client, db)
    response = _post(client, h, w, budget_id, appropriation="490000", carry_over=True)
    assert response.status_code == 201, response.text
    line = response.json()
    assert (line["volume"], line["unit_price"], line["carry_over"]) == (None, None, True)
    assert Decimal(line["appropriation"]) == Decimal(line["total"]) == Decimal("490000.00")
    totals = client.get(f"/api/v1/order-budgets/{budget_id}/totals", headers=h).json()
    assert Decimal(totals["total"]) == Decimal("490000.00")


def test_a_line_of_both_forms_is_refused_naming_the_field_in_finnish(
    client: TestClient, db: Session
) -> None:
    w, h, budget_id = _setup(client, db)
    response = _post(client, h, w, budget_id, appropriation="150000", volume="10",
                     unit_price="5.00")
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "volume"
    assert response.json()["detail"] == (
        "Tilausrivillä on joko määräraha euroina (appropriation) tai määrä ja yksikköhinta, ei "
        "molempia: poista volume")
    assert client.get(LINES, headers=h).json()["total"] == 0


def test_a_line_without_a_unit_price_or_an_appropriation_is_refused_naming_the_field(
    client: TestClient, db: Session
) -> None:
    w, h, budget_id = _setup(client, db)
    response = _post(client, h, w, budget_id, volume="10")
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "unit_price"
    english = _post(client, {**h, "Accept-Language": "en"}, w, budget_id)
    assert english.status_code == 422
    assert english.json()["errors"] == [{"field": "volume", "message": (
        "Give the order line a volume and a unit_price, or an appropriation in euros: volume "
        "is missing")}]
    swedish = _post(client, {**h, "Accept-Language": "sv"}, w, budget_id)
    assert swedish.json()["detail"] == (
        "Ange mängd (volume) och enhetspris (unit_price) eller ett anslag i euro (appropriation) "
        "för beställningsraden: volume saknas")


def test_a_line_changes_from_volume_to_euros(client: TestClient, db: Session) -> None:
    w, h, budget_id = _setup(client, db)
    line = _post(client, h, w, budget_id, volume="100", unit_price="80.50").json()
    path = f"{LINES}/{line['id']}"
    response = client.patch(path, headers=if_match(client, h, path), json={
        "volume": None, "unit_price": None, "appropriation": "12000.40"})
    assert response.status_code == 200, response.text
    assert Decimal(response.json()["total"]) == Decimal("12000.40")


def test_a_delivery_of_euros_needs_no_volume_on_a_euro_line_only(
    client: TestClient, db: Session
) -> None:
    w, h, budget_id = _setup(client, db)
    euro_line = _post(client, h, w, budget_id, appropriation="150000").json()
    w["day"] = w["pupil"]
    volume_line = _post(client, h, w, budget_id, volume="20", unit_price="5000").json()
    ok = client.post("/api/v1/deliveries", headers=h, json={
        "order_budget_line_id": euro_line["id"], "period": "2015-T1", "euros": "48250.00"})
    assert ok.status_code == 201, ok.text
    assert (ok.json()["volume"], Decimal(ok.json()["euros"])) == (None, Decimal("48250.00"))
    refused = client.post("/api/v1/deliveries", headers=h, json={
        "order_budget_line_id": volume_line["id"], "period": "2015-T1", "euros": "500.00"})
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "volume"
    assert refused.json()["detail"] == (
        "Tilausrivi on määrä × yksikköhinta: ilmoita toteutunut määrä (volume)")


def test_a_service_agreement_outside_any_framework_is_created_and_read(
    client: TestClient, db: Session
) -> None:
    w, h, _ = _setup(client, db)
    response = client.post("/api/v1/service-agreements", headers=h, json={
        "code": "PS-2015", "provider_id": w["provider"].id, "year": 2015,
        "title": "Palvelusetelit 2015", "board_ids": [w["board"].id]})
    assert response.status_code == 201, response.text
    read = client.get(f"/api/v1/service-agreements/{response.json()['id']}", headers=h)
    assert read.json()["framework_agreement_id"] is None
    goal = client.post("/api/v1/goals", headers=h, json={
        "service_agreement_id": response.json()["id"], "code": "1", "title": "Valinnanvapaus"})
    assert goal.status_code == 201, goal.text
    measure = client.post("/api/v1/measures", headers=h, json={
        "goal_id": goal.json()["id"], "code": "SETELIT", "name": "Myönnetyt setelit",
        "unit": "kpl", "direction": "higher_is_better", "frequency": "tertial",
        "rollup": "sum", "targets": [{"year": 2016, "value": "100"}]})
    assert measure.status_code == 422  # outside a framework, the agreement's year only
    assert measure.json()["errors"][0]["field"] == "targets"


def test_an_amendment_of_an_appropriation_shows_its_effect_in_euros(
    client: TestClient, db: Session
) -> None:
    w, h, budget_id = _setup(client, db)
    _post(client, h, w, budget_id, appropriation="490000")
    approve_in_db(db, db.get_one(OrderBudget, budget_id))
    new = amend(client, h, f"/api/v1/order-budgets/{budget_id}")
    line = client.get(LINES, headers=h, params={"order_budget_id": new["id"]}).json()["items"][0]
    path = f"{LINES}/{line['id']}"
    response = client.patch(path, headers=if_match(client, h, path),
                            json={"appropriation": "495000", "carry_over": True})
    assert response.status_code == 200, response.text
    diff = client.get("/api/v1/order-budgets/diff", headers=h,
                      params={"from": budget_id, "to": new["id"]}).json()
    [change] = diff["lines"]
    assert Decimal(change["effect"]) == Decimal("5000.00")
    assert {f["field"] for f in change["fields"]} == {"appropriation", "carry_over"}
