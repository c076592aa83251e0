"""Versions of an agreement read as they were, and compared: the Hämeenlinna agreement."""

from decimal import Decimal

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.agreements.diff import FrameworkAgreementDiff, ServiceAgreementDiff
from app.agreements.diff_text import render_framework_agreement, render_service_agreement
from app.agreements.models import FrameworkAgreement, ServiceAgreement
from app.auth.models import Role
from app.budgets.models import OrderBudget, OrderBudgetLine
from app.catalogue.models import Product
from app.organisations.models import Municipality, Provider
from tests.agreements.flow import amend, approve, approve_budget_of, import_hameenlinna, patch
from tests.helpers import auth, create_user, create_world

API = "/api/v1"


def _hameenlinna(db: Session) -> tuple[ServiceAgreement, OrderBudget, Municipality]:
    import_hameenlinna(db)
    agreement = db.scalars(select(ServiceAgreement).where(
        ServiceAgreement.code == "HML-LANULA-2015-OMA")).one()
    budget = db.get_one(OrderBudget, agreement.order_budget_id)
    return agreement, budget, db.get_one(Municipality, agreement.municipality_id)


def _line(db: Session, budget_id: int, product: str, provider: str) -> OrderBudgetLine:
    return db.scalars(select(OrderBudgetLine).join(Product).join(
        Provider, Provider.id == OrderBudgetLine.provider_id).where(
        OrderBudgetLine.order_budget_id == budget_id, Product.code == product,
        Provider.code == provider)).one()


def test_two_real_versions_of_the_hameenlinna_agreement_are_compared(
    client: TestClient, db: Session
) -> None:
    agreement, budget, m = _hameenlinna(db)
    h = auth(db, create_user(db, Role.purchaser_director, m))
    sa_path, ob_path = f"{API}/service-agreements/{agreement.id}", f"{API}/order-budgets/{budget.id}"
    approve(client, h, ob_path)
    approve(client, h, sa_path)

    # The budget is amended: day care for the under-threes of region 1 costs 80.50 € a day.
    budget2 = amend(client, h, ob_path)
    line = _line(db, budget2["id"], "PK-ALLE3", "HML-ALUE1")
    patch(client, h, f"{API}/order-budget-lines/{line.id}", {"unit_price": "80.50"})
    approve(client, h, f"{API}/order-budgets/{budget2['id']}")

    # The agreement is amended on the new budget: a changed target and a new measure.
    v2 = amend(client, h, sa_path)
    assert (v2["version"], v2["status"], v2["order_budget_id"]) == (2, "draft", budget2["id"])
    measures = client.get(f"{API}/measures", headers=h,
                          params={"service_agreement_id": v2["id"], "limit": 50}).json()["items"]
    costs = next(x for x in measures if x["code"] == "KORJAAVAT-KUSTANNUKSET")
    patch(client, h, f"{API}/measures/{costs['id']}",
          {"targets": [{"year": 2015, "value": "15100000"}, {"year": 2016, "value": "14800000"}]})
    hobby_goal = costs["goal_id"]
    created = client.post(f"{API}/measures", headers=h, json={
        "goal_id": hobby_goal, "code": "KOTIKAYNNIT", "name": "Perheiden kotikäynnit",
        "unit": "kpl", "direction": "higher_is_better", "frequency": "tertial",
        "rollup": "sum", "targets": [{"year": 2015, "value": 400}]})
    assert created.status_code == 201, created.text
    approve(client, h, f"{API}/service-agreements/{v2['id']}")

    response = client.get(f"{API}/service-agreements/diff", headers=h,
                          params={"from": agreement.id, "to": v2["id"]})
    assert response.status_code == 200, response.text
    diff = response.json()
    assert (diff["from"]["version"], diff["to"]["version"]) == (1, 2)
    assert diff["from"]["status"] == "superseded" and diff["to"]["status"] == "approved"
    assert diff["goals"] == []
    by_code = {x["code"]: x for x in diff["measures"]}
    assert set(by_code) == {"KORJAAVAT-KUSTANNUKSET", "KOTIKAYNNIT"}
    assert by_code["KORJAAVAT-KUSTANNUKSET"]["change"] == "changed"
    assert by_code["KORJAAVAT-KUSTANNUKSET"]["targets"] == [
        {"year": 2015, "from": "15300000.0000", "to": "15100000.0000"}]
    assert by_code["KOTIKAYNNIT"]["change"] == "added"
    assert by_code["KOTIKAYNNIT"]["targets"] == [{"year": 2015, "from": None, "to": "400.0000"}]
    assert diff["fields"] == [{"field": "order_budget_id", "from": budget.id, "to": budget2["id"]}]
    lines = diff["order_budget"]["lines"]
    assert lines == [{
        "product": "PK-ALLE3", "provider": "HML-ALUE1", "change": "changed",
        "volume_from": "23000.0000", "volume_to": "23000.0000",
        "unit_price_from": "78.00", "unit_price_to": "80.50",
        "total_from": "1794000.00", "total_to": "1851500.00", "effect": "57500.00", "fields": []}]
    assert Decimal(diff["budget_effect"]) == Decimal("23000") * Decimal("2.50") == Decimal("57500")
    assert Decimal(diff["order_budget"]["total_to"]) - Decimal(diff["order_budget"]["total_from"]) \
        == Decimal("57500.00")

    text = render_service_agreement(ServiceAgreementDiff.model_validate(diff))
    assert "~ 2/KORJAAVAT-KUSTANNUKSET" in text
    assert "target 2015: 15300000 → 15100000" in text
    assert "+ 2/KOTIKAYNNIT Perheiden kotikäynnit" in text
    assert "PK-ALLE3 / HML-ALUE1: unit price 78.00 → 80.50 (+57 500.00 €)" in text
    assert text.endswith("Budget effect: +57 500.00 €\n")


def test_each_version_reads_as_it_was(client: TestClient, db: Session) -> None:
    agreement, _, m = _hameenlinna(db)
    h = auth(db, create_user(db, Role.purchaser_director, m))
    path = f"{API}/service-agreements/{agreement.id}"
    approve_budget_of(client, h, path)
    approve(client, h, path)
    v2 = amend(client, h, path)
    goals = client.get(f"{API}/goals", headers=h,
                       params={"service_agreement_id": v2["id"]}).json()["items"]
    goal = next(g for g in goals if g["code"] == "3")
    patch(client, h, f"{API}/goals/{goal['id']}", {"title": "Jokaisella lapsella on harrastus"})

    versions = client.get(f"{path}/versions", headers=h).json()
    assert [(v["version"], v["status"]) for v in versions] == [(1, "approved"), (2, "draft")]
    assert client.get(f"{API}/service-agreements/{v2['id']}/versions", headers=h).json() == versions
    first = client.get(f"{API}/service-agreements/{v2['id']}/versions/1", headers=h).json()
    second = client.get(f"{path}/versions/2", headers=h).json()
    assert first["id"] == agreement.id and second["id"] == v2["id"]
    titles = [{g["code"]: g["title"] for g in v["goals"]}["3"] for v in (first, second)]
    assert titles == ["Jokaiselle lapselle tarjotaan mahdollisuus yhteen harrastukseen",
                      "Jokaisella lapsella on harrastus"]
    hobby = next(g for g in first["goals"] if g["code"] == "3")["measures"][0]
    assert hobby["code"] == "HARRASTUS"
    assert hobby["targets"] == [{"year": 2015, "value": "75.0000"}, {"year": 2016, "value": "90.0000"}]
    assert [v["version"] for v in (first, second)] == [1, 2]
    assert client.get(f"{path}/versions/3", headers=h).status_code == 404


def test_order_budget_versions_are_compared_with_their_euro_effect(
    client: TestClient, db: Session
) -> None:
    _, budget, m = _hameenlinna(db)
    h = auth(db, create_user(db, Role.purchaser_director, m))
    path = f"{API}/order-budgets/{budget.id}"
    approve(client, h, path)
    v2 = amend(client, h, path)
    line = _line(db, v2["id"], "NUORISOTILAT", "HML-KESKITETYT")
    patch(client, h, f"{API}/order-budget-lines/{line.id}", {"volume": "70000"})
    gone = _line(db, v2["id"], "LN-PSYKIATRIA", "KHSHP")
    response = client.delete(f"{API}/order-budget-lines/{gone.id}",
                             headers={**h, "If-Match": f'"{gone.row_version}"'})
    assert response.status_code == 204, response.text

    diff = client.get(f"{API}/order-budgets/diff", headers=h,
                      params={"from": budget.id, "to": v2["id"]}).json()
    changes = {(x["product"], x["change"]): x for x in diff["lines"]}
    assert changes[("NUORISOTILAT", "changed")]["effect"] == "17200.00"  # 2 000 × 8.60
    assert changes[("LN-PSYKIATRIA", "removed")]["effect"] == "-1378000.00"  # 5 200 × 265
    assert diff["effect"] == "-1360800.00"


def test_framework_agreement_versions_are_compared(client: TestClient, db: Session) -> None:
    agreement, _, m = _hameenlinna(db)
    h = auth(db, create_user(db, Role.purchaser_director, m))
    framework = db.get_one(FrameworkAgreement, agreement.framework_agreement_id)
    path = f"{API}/framework-agreements/{framework.id}"
    approve(client, h, path)
    v2 = amend(client, h, path)
    perspectives = client.get(f"{API}/perspectives", headers=h,
                              params={"framework_agreement_id": v2["id"]}).json()["items"]
    first = perspectives[0]
    patch(client, h, f"{API}/perspectives/{first['id']}", {"name_sv": "Kundperspektiv"})
    goals = client.get(f"{API}/long-term-goals", headers=h,
                       params={"framework_agreement_id": v2["id"]}).json()["items"]
    changed = goals[0]
    patch(client, h, f"{API}/long-term-goals/{changed['id']}",
          {"evaluation": "Kouluterveyskysely 2017"})
    added = client.post(f"{API}/long-term-goals", headers=h, json={
        "perspective_id": first["id"], "code": "9.9", "title": "Uusi pitkän aikavälin tavoite",
        "board_ids": [framework.board_id]})
    assert added.status_code == 201, added.text

    response = client.get(f"{API}/framework-agreements/diff", headers=h,
                          params={"from": framework.id, "to": v2["id"]})
    assert response.status_code == 200, response.text
    diff = response.json()
    assert (diff["from"]["version"], diff["to"]["version"]) == (1, 2)
    assert diff["fields"] == []
    assert diff["perspectives"] == [{"name": first["name_fi"], "change": "changed", "fields": [
        {"field": "name_sv", "from": first["name_sv"], "to": "Kundperspektiv"}]}]
    by_code = {g["code"]: g for g in diff["goals"]}
    assert set(by_code) == {changed["code"], "9.9"}
    assert by_code["9.9"]["change"] == "added"
    assert by_code[changed["code"]]["fields"] == [
        {"field": "evaluation", "from": changed["evaluation"], "to": "Kouluterveyskysely 2017"}]
    text = render_framework_agreement(FrameworkAgreementDiff.model_validate(diff))
    assert f"+ {first['name_fi']} / 9.9 Uusi pitkän aikavälin tavoite" in text
    assert "evaluation: " in text and "→ Kouluterveyskysely 2017" in text

    stranger = auth(db, create_user(db, Role.purchaser_director,
                                    create_world(db, "837")["municipality"]))
    assert client.get(f"{API}/framework-agreements/diff", headers=stranger,
                      params={"from": framework.id, "to": v2["id"]}).status_code == 404
