"""Carry-over: next year's draft from this year's agreement, with its targets to fill in."""

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.agreements.models import ServiceAgreement
from app.auth.models import Role
from app.budgets.models import OrderBudget
from app.organisations.models import Municipality
from tests.agreements.flow import approve, approve_budget_of, import_hameenlinna
from tests.helpers import auth, create, create_user, create_world

API = "/api/v1"


def test_next_years_draft_brings_goals_measures_and_the_framework_years_targets(
    client: TestClient, db: Session
) -> None:
    import_hameenlinna(db)
    agreement = db.scalars(select(ServiceAgreement)).one()
    m = db.get_one(Municipality, agreement.municipality_id)
    h = auth(db, create_user(db, Role.purchaser_director, m))
    path = f"{API}/service-agreements/{agreement.id}"
    approve_budget_of(client, h, path)
    approve(client, h, path)
    budget_2016 = create(db, OrderBudget, board_id=db.get_one(
        OrderBudget, agreement.order_budget_id).board_id, year=2016, title="Tilausbudjetti 2016")

    response = client.post(f"{path}/carry-over", headers=h, json={})
    assert response.status_code == 201, response.text
    body = response.json()
    new = body["agreement"]
    assert (new["code"], new["year"], new["version"], new["status"]) == (
        "HML-LANULA-2016-OMA", 2016, 1, "draft")
    assert new["title"] == "Lasten ja nuorten palvelujen palvelusopimus 2016, oma palvelutuotanto"
    assert new["framework_agreement_id"] == agreement.framework_agreement_id
    assert new["order_budget_id"] == budget_2016.id
    assert new["board_ids"] == client.get(path, headers=h).json()["board_ids"]  # LANULA, TETOLA
    assert len(new["board_ids"]) == 2
    assert response.headers["Location"] == f"/api/v1/service-agreements/{new['id']}"

    snapshot = client.get(f"{API}/service-agreements/{new['id']}/versions/1", headers=h).json()
    assert [g["code"] for g in snapshot["goals"]] == ["1", "2", "3", "4", "5"]
    measures = {m["code"]: m for g in snapshot["goals"] for m in g["measures"]}
    assert measures["HARRASTUS"]["targets"] == [{"year": 2015, "value": "75.0000"},
                                                {"year": 2016, "value": "90.0000"}]
    goal_2 = next(g for g in snapshot["goals"] if g["code"] == "2")
    assert len(goal_2["actions"]) == 3 and goal_2["resources"][0]["kind"] == "transfer"
    assert body["missing_targets"] == []  # every measure has its 2016 target already
    values = client.get(f"{API}/indicator-values", headers=h,
                        params={"year": 2016, "limit": 10}).json()
    assert values["total"] == 0  # reported values stay with the agreement they were reported on


def test_carry_over_flags_the_targets_to_fill_in_and_stays_within_the_framework(
    client: TestClient, db: Session
) -> None:
    w = create_world(db)  # framework 2013–2016, agreement SA1 for 2015, a measure without targets
    h = auth(db, create_user(db, Role.purchaser_manager, w["municipality"]))
    path = f"{API}/service-agreements/{w['agreement'].id}"
    outside = client.post(f"{path}/carry-over", headers=h, json={"year": 2017})
    assert outside.status_code == 422
    assert outside.json()["errors"][0]["field"] == "year"
    assert "2013–2016" in outside.json()["detail"]

    response = client.post(f"{path}/carry-over", headers=h, json={})
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["agreement"]["code"] == "SA1-2016"
    assert body["missing_targets"] == [{"goal_code": "1", "measure_code": "M1", "year": 2016,
                                        "measure_id": body["missing_targets"][0]["measure_id"]}]
    again = client.post(f"{path}/carry-over", headers=h, json={})
    assert again.status_code == 409 and "SA1-2016" in again.json()["detail"]
    board = auth(db, create_user(db, Role.board_member, w["municipality"], board_id=w["board"].id))
    assert client.post(f"{path}/carry-over", headers=board, json={"year": 2014}).status_code == 403
