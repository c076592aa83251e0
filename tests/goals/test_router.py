"""Yearly goals derive from a long-term goal of their own framework; actions and resources."""

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.agreements.models import FrameworkAgreement, LongTermGoal, Perspective
from app.auth.models import Role
from tests.helpers import auth, create, create_user, create_world


def _long_term_goal(db: Session, framework: FrameworkAgreement) -> LongTermGoal:
    perspective = create(db, Perspective, framework_agreement_id=framework.id, position=1,
                         name_fi="Asiakas")
    goal: LongTermGoal = create(db, LongTermGoal, perspective_id=perspective.id, code="1",
                                title="Lapset voivat hyvin")
    return goal


def test_a_goal_may_derive_from_its_own_frameworks_long_term_goal(
    client: TestClient, db: Session
) -> None:
    w = create_world(db)
    long_term = _long_term_goal(db, w["framework"])
    h = auth(db, create_user(db, Role.purchaser_director, w["municipality"]))
    response = client.post("/api/v1/goals", headers=h, json={
        "service_agreement_id": w["agreement"].id, "code": "2", "title": "Harrastukset",
        "long_term_goal_id": long_term.id})
    assert response.status_code == 201, response.text
    assert response.json()["long_term_goal_id"] == long_term.id


def test_a_goal_from_another_frameworks_long_term_goal_is_refused_naming_the_field(
    client: TestClient, db: Session
) -> None:
    w = create_world(db)
    other = create(db, FrameworkAgreement, board_id=w["board"].id, title="Toinen puitesopimus",
                   first_year=2017, last_year=2020)
    long_term = _long_term_goal(db, other)
    h = auth(db, create_user(db, Role.purchaser_director, w["municipality"]))
    response = client.post("/api/v1/goals", headers=h, json={
        "service_agreement_id": w["agreement"].id, "code": "2", "title": "Harrastukset",
        "long_term_goal_id": long_term.id})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "long_term_goal_id"


def test_actions_of_a_goal_are_listed_in_their_order(client: TestClient, db: Session) -> None:
    w = create_world(db)
    h = auth(db, create_user(db, Role.purchaser_director, w["municipality"]))
    for position, text in [(2, "Toinen"), (1, "Ensimmäinen")]:
        response = client.post("/api/v1/actions", headers=h, json={
            "goal_id": w["goal"].id, "position": position, "description": text})
        assert response.status_code == 201, response.text
    listed = client.get(f"/api/v1/actions?goal_id={w['goal'].id}", headers=h).json()["items"]
    assert [a["description"] for a in listed] == ["Ensimmäinen", "Toinen"]


def test_a_reporter_of_another_provider_does_not_see_the_goal(
    client: TestClient, db: Session
) -> None:
    w = create_world(db)
    theirs = create_world(db, "837")
    reporter = auth(db, create_user(db, Role.provider_reporter, theirs["municipality"],
                                    provider_id=theirs["provider"].id))
    response = client.get(f"/api/v1/goals/{w['goal'].id}", headers=reporter)
    assert response.status_code == 404
