"""An approved version is a public record: no write reaches it or its content, whoever writes."""

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from app.agreements.models import LongTermGoal, Perspective, ServiceAgreement
from app.auth.models import Role
from app.budgets.models import OrderBudget, OrderBudgetLine
from app.catalogue.models import Product, ProductGroup, ServiceArea
from app.contracts.importer import import_text
from app.core.errors import Conflict
from app.demo import SYSTEM
from app.goals.models import Action, Goal
from app.indicators.models import MeasureTarget
from app.organisations.models import Board, Municipality
from tests.agreements.flow import (
    HAMEENLINNA,
    amend,
    approve,
    approve_budget_of,
    import_hameenlinna,
    move,
)
from tests.helpers import auth, create, create_user, create_world

API = "/api/v1"


def _approved_world(client: TestClient, db: Session) -> tuple[dict[str, Any], dict[str, str]]:
    w = create_world(db)
    m = w["municipality"]
    area = create(db, ServiceArea, municipality_id=m.id, code="LNP", name_fi="Lapset")
    group = create(db, ProductGroup, service_area_id=area.id, code="VAKA", name_fi="Vaka")
    w["product"] = create(db, Product, product_group_id=group.id, code="PK", name_fi="Päiväkoti",
                          unit="hoitopäivä")
    w["budget"] = create(db, OrderBudget, board_id=w["board"].id, year=2015, title="Budjetti")
    w["line"] = create(db, OrderBudgetLine, order_budget_id=w["budget"].id,
                       product_id=w["product"].id, provider_id=w["provider"].id, volume=100,
                       unit_price="50.00")
    w["perspective"] = create(db, Perspective, framework_agreement_id=w["framework"].id,
                              position=1, name_fi="Tuottavuus")
    w["long_term_goal"] = create(db, LongTermGoal, perspective_id=w["perspective"].id, code="3.1",
                                 title="Painopiste", board_ids=[w["board"].id])
    w["action"] = create(db, Action, goal_id=w["goal"].id, description="Kotikäynnit")
    h = auth(db, create_user(db, Role.purchaser_director, m))
    for path in (f"framework-agreements/{w['framework'].id}", f"order-budgets/{w['budget'].id}",
                 f"service-agreements/{w['agreement'].id}"):
        approve(client, h, f"{API}/{path}")
    return w, h


def _write(client: TestClient, h: dict[str, str], method: str, path: str,
           body: dict[str, Any] | None) -> Any:
    headers = h
    if method in {"patch", "delete"}:
        headers = {**h, "If-Match": client.get(f"{API}{path}", headers=h).headers["ETag"]}
    return client.request(method, f"{API}{path}", headers=headers, json=body)


def test_writes_to_an_approved_version_and_its_content_get_409_with_the_amend_hint(
    client: TestClient, db: Session
) -> None:
    w, h = _approved_world(client, db)
    sa, ob, fa = w["agreement"].id, w["budget"].id, w["framework"].id
    cases = [
        ("patch", f"/service-agreements/{sa}", {"title": "Muutettu"}, "service-agreements", sa),
        ("patch", f"/service-agreements/{sa}", {}, "service-agreements", sa),
        ("delete", f"/service-agreements/{sa}", None, "service-agreements", sa),
        ("patch", f"/goals/{w['goal'].id}", {"title": "Muutettu"}, "service-agreements", sa),
        ("post", "/goals", {"service_agreement_id": sa, "code": "9", "title": "Uusi"},
         "service-agreements", sa),
        ("delete", f"/goals/{w['goal'].id}", None, "service-agreements", sa),
        ("patch", f"/actions/{w['action'].id}", {"description": "x"}, "service-agreements", sa),
        ("post", "/resources", {"goal_id": w["goal"].id, "kind": "additional", "amount": "5.00"},
         "service-agreements", sa),
        ("patch", f"/measures/{w['measure'].id}", {"name": "Toinen"}, "service-agreements", sa),
        ("patch", f"/measures/{w['measure'].id}", {"targets": [{"year": 2015, "value": 9}]},
         "service-agreements", sa),
        ("post", "/measures", {"goal_id": w["goal"].id, "code": "M2", "name": "Uusi", "unit": "%",
                               "direction": "higher_is_better", "frequency": "year"},
         "service-agreements", sa),
        ("delete", f"/measures/{w['measure'].id}", None, "service-agreements", sa),
        ("patch", f"/order-budgets/{ob}", {"title": "Muutettu"}, "order-budgets", ob),
        ("patch", f"/order-budget-lines/{w['line'].id}", {"unit_price": "51.00"}, "order-budgets", ob),
        ("delete", f"/order-budget-lines/{w['line'].id}", None, "order-budgets", ob),
        ("patch", f"/perspectives/{w['perspective'].id}", {"name_fi": "x"}, "framework-agreements", fa),
        ("patch", f"/long-term-goals/{w['long_term_goal'].id}", {"board_ids": [w["board"].id, 10**6]},
         None, None),  # an unknown board: 422 before anything is written
        ("post", "/perspectives", {"framework_agreement_id": fa, "position": 2, "name_fi": "Uusi"},
         "framework-agreements", fa),
    ]
    for method, path, body, kind, agreement_id in cases:
        response = _write(client, h, method, path, body)
        if kind is None:
            assert response.status_code == 422, (path, response.text)
            continue
        assert response.status_code == 409, (method, path, response.text)
        problem = response.json()
        hint = f"POST /api/v1/{kind}/{agreement_id}/amendments"
        assert hint in problem["detail"], (path, problem["detail"])
        assert "version 1 is approved" in problem["detail"]
        assert problem["amend"] == f"/api/v1/{kind}/{agreement_id}/amendments"
    assert db.get_one(ServiceAgreement, sa).title == "Palvelusopimus"
    assert db.scalar(select(func.count()).select_from(Goal)) == 1
    assert db.get_one(OrderBudgetLine, w["line"].id).unit_price == 50


def test_indicator_values_are_still_reported_against_an_approved_version(
    client: TestClient, db: Session
) -> None:
    w, h = _approved_world(client, db)
    response = client.post(f"{API}/indicator-values", headers=h, json={
        "measure_id": w["measure"].id, "period": "2015-T1", "value": "12"})
    assert response.status_code == 201, response.text


def test_the_amendment_is_editable_and_the_approved_version_stays_as_it_was(
    client: TestClient, db: Session
) -> None:
    w, h = _approved_world(client, db)
    v2 = amend(client, h, f"{API}/service-agreements/{w['agreement'].id}")
    goals = client.get(f"{API}/goals", headers=h, params={"service_agreement_id": v2["id"]}).json()
    assert len(goals["items"]) == 1
    goal = goals["items"][0]
    changed = _write(client, h, "patch", f"/goals/{goal['id']}", {"title": "Uusi otsikko"})
    assert changed.status_code == 200, changed.text
    assert db.get_one(Goal, w["goal"].id).title == "Tavoite"
    again = _write(client, h, "patch", f"/goals/{w['goal'].id}", {"title": "x"})
    assert again.status_code == 409
    assert f"Version 2 (id {v2['id']}, draft) is the latest: edit that draft" in again.json()["detail"]
    # the negotiation of the draft is still editable; the approval locks it
    path = f"/service-agreements/{v2['id']}"
    move(client, h, f"{API}{path}", "negotiation")
    assert _write(client, h, "patch", path, {"description": "Neuvoteltu"}).status_code == 200


def test_the_importer_cannot_change_an_approved_version(client: TestClient, db: Session) -> None:
    import_hameenlinna(db)
    agreement = db.scalars(select(ServiceAgreement)).first()
    assert agreement is not None
    h = auth(db, create_user(db, Role.purchaser_director,
                             db.get(Municipality, agreement.municipality_id)))
    approve_budget_of(client, h, f"{API}/service-agreements/{agreement.id}")
    for a in db.scalars(select(ServiceAgreement)).all():
        approve(client, h, f"{API}/service-agreements/{a.id}")
    text = HAMEENLINNA.read_text(encoding="utf-8")
    assert not import_text(db, SYSTEM, text).changed  # the same file changes nothing: fine
    edited = text.replace("2015: 75  # keksitty", "2015: 80")
    with pytest.raises(Conflict) as refused:
        import_text(db, SYSTEM, edited)
    assert "amendments" in refused.value.detail
    target = db.scalars(select(MeasureTarget).where(MeasureTarget.year == 2015,
                                                    MeasureTarget.value == 75)).all()
    assert len(target) == 1


def test_a_bulk_statement_cannot_change_an_approved_version(client: TestClient, db: Session) -> None:
    w, _ = _approved_world(client, db)
    with pytest.raises(Conflict):
        db.execute(delete(Action).where(Action.goal_id == w["goal"].id))
    db.rollback()
    assert db.scalar(select(func.count()).select_from(Action)) == 1


def test_an_amendment_keeps_its_agreements_code(client: TestClient, db: Session) -> None:
    w, h = _approved_world(client, db)
    v2 = amend(client, h, f"{API}/service-agreements/{w['agreement'].id}")
    response = _write(client, h, "patch", f"/service-agreements/{v2['id']}", {"code": "SA9"})
    assert response.status_code == 409
    assert "keeps its agreement's code" in response.json()["detail"]
    assert _write(client, h, "patch", f"/service-agreements/{v2['id']}",
                  {"title": "Muutettu"}).status_code == 200


def test_deleting_a_board_cannot_change_an_approved_agreements_links(
    client: TestClient, db: Session
) -> None:
    w = create_world(db)
    tetola = create(db, Board, municipality_id=w["municipality"].id, code="TETOLA",
                    name_fi="Terveyslautakunta")
    perspective = create(db, Perspective, framework_agreement_id=w["framework"].id, position=1,
                         name_fi="Tuottavuus")
    create(db, LongTermGoal, perspective_id=perspective.id, code="3.1", title="Yhteinen tavoite",
           board_ids=[w["board"].id, tetola.id])
    h = auth(db, create_user(db, Role.admin, w["municipality"]))
    approve(client, h, f"{API}/framework-agreements/{w['framework'].id}")
    response = _write(client, h, "delete", f"/boards/{tetola.id}", None)
    assert response.status_code == 409, response.text
    assert f"POST /api/v1/framework-agreements/{w['framework'].id}/amendments" \
        in response.json()["detail"]
    assert db.get(Board, tetola.id) is not None
