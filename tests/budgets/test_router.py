"""Order budgets: a line's total is volume × unit price in cents; totals per provider and group."""

from decimal import Decimal
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.auth.models import Role
from app.catalogue.models import Product, ProductGroup, ServiceArea
from app.organisations.models import Provider
from tests.helpers import auth, create, create_user, create_world, if_match


def _catalogue(db: Session, municipality_id: int) -> dict[str, Any]:
    area = create(db, ServiceArea, municipality_id=municipality_id, code="VAKA",
                  name_fi="Varhaiskasvatus")
    care = create(db, ProductGroup, service_area_id=area.id, code="PK", name_fi="Päiväkoti")
    school = create(db, ProductGroup, service_area_id=area.id, code="EO", name_fi="Esiopetus")
    return {
        "day": create(db, Product, product_group_id=care.id, code="HPV", name_fi="Hoitopäivä",
                      unit="hoitopäivä"),
        "pupil": create(db, Product, product_group_id=school.id, code="OPP", name_fi="Oppilas",
                        unit="oppilas"),
    }


def _budget(client: TestClient, h: dict[str, str], board_id: int) -> int:
    response = client.post("/api/v1/order-budgets", headers=h, json={
        "board_id": board_id, "year": 2015, "title": "Tilausbudjetti 2015"})
    assert response.status_code == 201, response.text
    budget_id: int = response.json()["id"]
    return budget_id


def _line(client: TestClient, h: dict[str, str], budget_id: int, product: Product,
          provider: Provider, volume: str, price: str) -> dict[str, Any]:
    response = client.post("/api/v1/order-budget-lines", headers=h, json={
        "order_budget_id": budget_id, "product_id": product.id, "provider_id": provider.id,
        "volume": volume, "unit_price": price})
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def test_a_lines_total_is_volume_times_unit_price_rounded_to_cents(
    client: TestClient, db: Session
) -> None:
    w = create_world(db)
    products = _catalogue(db, w["municipality"].id)
    h = auth(db, create_user(db, Role.purchaser_director, w["municipality"]))
    budget_id = _budget(client, h, w["board"].id)
    line = _line(client, h, budget_id, products["day"], w["provider"], "2500.5", "78.33")
    assert Decimal(line["total"]) == Decimal("195864.17")  # 195 864.165, half up


def test_changing_a_lines_volume_recomputes_its_total(client: TestClient, db: Session) -> None:
    w = create_world(db)
    products = _catalogue(db, w["municipality"].id)
    h = auth(db, create_user(db, Role.purchaser_director, w["municipality"]))
    budget_id = _budget(client, h, w["board"].id)
    line = _line(client, h, budget_id, products["day"], w["provider"], "100", "80.50")
    path = f"/api/v1/order-budget-lines/{line['id']}"
    response = client.patch(path, headers=if_match(client, h, path), json={"volume": "120"})
    assert response.status_code == 200, response.text
    assert Decimal(response.json()["total"]) == Decimal("9660.00")


def _budget_of_two_providers(client: TestClient, db: Session
                             ) -> tuple[dict[str, Any], dict[str, str], int]:
    """P1: 1 000 care days at 78.00 and 20 pupils at 5 000.00; P2: 500 care days at 80.10."""
    w = create_world(db)
    products = _catalogue(db, w["municipality"].id)
    w["other"] = create(db, Provider, municipality_id=w["municipality"].id, code="P2",
                        name="Tuottaja 2", kind="own_production_unit")
    h = auth(db, create_user(db, Role.purchaser_director, w["municipality"]))
    budget_id = _budget(client, h, w["board"].id)
    _line(client, h, budget_id, products["day"], w["provider"], "1000", "78.00")
    _line(client, h, budget_id, products["pupil"], w["provider"], "20", "5000.00")
    _line(client, h, budget_id, products["day"], w["other"], "500", "80.10")
    return w, h, budget_id


def test_totals_add_up_per_provider_and_per_product_group(client: TestClient, db: Session) -> None:
    _, h, budget_id = _budget_of_two_providers(client, db)
    totals = client.get(f"/api/v1/order-budgets/{budget_id}/totals", headers=h).json()
    assert Decimal(totals["total"]) == Decimal("218050.00")
    assert totals["lines"] == 3
    assert {p["code"]: Decimal(p["total"]) for p in totals["by_provider"]} == {
        "P1": Decimal("178000.00"), "P2": Decimal("40050.00")}
    assert {g["code"]: Decimal(g["total"]) for g in totals["by_product_group"]} == {
        "EO": Decimal("100000.00"), "PK": Decimal("118050.00")}


def test_a_negative_volume_is_refused_naming_the_field(client: TestClient, db: Session) -> None:
    w = create_world(db)
    products = _catalogue(db, w["municipality"].id)
    h = auth(db, create_user(db, Role.purchaser_director, w["municipality"]))
    budget_id = _budget(client, h, w["board"].id)
    response = client.post("/api/v1/order-budget-lines", headers=h, json={
        "order_budget_id": budget_id, "product_id": products["day"].id,
        "provider_id": w["provider"].id, "volume": "-1", "unit_price": "78.00"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "volume"


def test_a_reporter_sees_only_his_own_providers_lines_in_the_totals(
    client: TestClient, db: Session
) -> None:
    w, _, budget_id = _budget_of_two_providers(client, db)
    reporter = auth(db, create_user(db, Role.provider_reporter, w["municipality"],
                                    provider_id=w["other"].id))
    totals = client.get(f"/api/v1/order-budgets/{budget_id}/totals", headers=reporter)
    assert totals.status_code == 200, totals.text
    assert Decimal(totals.json()["total"]) == Decimal("40050.00")


def test_a_service_agreements_order_budget_is_of_the_agreements_year(
    client: TestClient, db: Session
) -> None:
    w = create_world(db)
    h = auth(db, create_user(db, Role.purchaser_director, w["municipality"]))
    response = client.post("/api/v1/order-budgets", headers=h, json={
        "board_id": w["board"].id, "year": 2016, "title": "Tilausbudjetti 2016"})
    assert response.status_code == 201, response.text
    path = f"/api/v1/service-agreements/{w['agreement'].id}"
    answer = client.patch(path, headers=if_match(client, h, path),
                          json={"order_budget_id": response.json()["id"]})
    assert answer.status_code == 422
    assert answer.json()["errors"] == [{"field": "order_budget_id",
                                        "message": "the order budget is for 2016, the agreement "
                                                   "for 2015"}]
