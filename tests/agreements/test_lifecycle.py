"""The lifecycle of framework agreements, order budgets and service agreements alike."""

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.agreements.models import AgreementStatus, FrameworkAgreement, ServiceAgreement
from app.agreements.transitions import TRANSITIONS
from app.auth.models import Role
from app.goals.models import Goal
from app.indicators.models import IndicatorValue, Measure
from app.organisations.models import Provider
from tests.agreements.flow import DECISION, amend, approve, budget_for, move
from tests.helpers import auth, create, create_user, create_world

API = "/api/v1"
KINDS = ["framework-agreements", "order-budgets", "service-agreements"]


def _agreements(db: Session, kind: str = "service-agreements"
                ) -> tuple[dict[str, Any], dict[str, int]]:
    """The world's agreements; the order budget approved unless it is the one tried."""
    w = create_world(db)
    budget = budget_for(db, w, approved=kind == "service-agreements")
    return w, {"framework-agreements": w["framework"].id, "order-budgets": budget.id,
               "service-agreements": w["agreement"].id}


def _refused(client: TestClient, h: dict[str, str], path: str, state: AgreementStatus) -> None:
    """Every move the lifecycle does not allow from ``state`` gets 409 listing the allowed."""
    allowed = sorted(s.value for s in TRANSITIONS[state])
    for to in AgreementStatus:
        if to in TRANSITIONS[state]:
            continue
        body = {"to": to.value, **(DECISION if to is AgreementStatus.approved else {})}
        response = client.post(f"{path}/transitions", headers=h, json=body)
        assert response.status_code == 409, (state, to, response.text)
        problem = response.json()
        assert sorted(problem["allowed_transitions"]) == allowed, (state, to)
        assert f"not to {to.value}" in problem["detail"]
    assert client.get(path, headers=h).json()["status"] == state.value


@pytest.mark.parametrize("kind", KINDS)
def test_every_transition_allowed_and_refused(client: TestClient, db: Session, kind: str) -> None:
    w, ids = _agreements(db, kind)
    h = auth(db, create_user(db, Role.purchaser_director, w["municipality"]))
    path = f"{API}/{kind}/{ids[kind]}"
    S = AgreementStatus
    _refused(client, h, path, S.draft)
    assert move(client, h, path, "negotiation")["status"] == "negotiation"
    _refused(client, h, path, S.negotiation)
    assert move(client, h, path, "draft")["status"] == "draft"  # back for another round
    move(client, h, path, "negotiation")
    assert move(client, h, path, "approved", **DECISION)["status"] == "approved"
    _refused(client, h, path, S.approved)
    assert move(client, h, path, "in_force")["status"] == "in_force"
    _refused(client, h, path, S.in_force)
    assert move(client, h, path, "closed")["status"] == "closed"
    _refused(client, h, path, S.closed)

    history = client.get(f"{path}/transitions", headers=h).json()
    assert [(t["from_status"], t["to_status"]) for t in history] == [
        ("draft", "negotiation"), ("negotiation", "draft"), ("draft", "negotiation"),
        ("negotiation", "approved"), ("approved", "in_force"), ("in_force", "closed")]
    decision = history[3]
    assert {k: decision[k] for k in ("organization", "event_date", "article_number",
                                     "register_id", "minutes_url")} == {
        **DECISION, "article_number": "145"}
    assert decision["created_by"] == "purchaser_director-109-None"


@pytest.mark.parametrize("kind", KINDS)
def test_an_approved_version_may_also_close_without_entering_into_force(
    client: TestClient, db: Session, kind: str
) -> None:
    w, ids = _agreements(db, kind)
    h = auth(db, create_user(db, Role.purchaser_director, w["municipality"]))
    path = f"{API}/{kind}/{ids[kind]}"
    approve(client, h, path)
    assert move(client, h, path, "closed")["status"] == "closed"


def test_an_approval_records_the_whole_board_decision(client: TestClient, db: Session) -> None:
    w, ids = _agreements(db)
    h = auth(db, create_user(db, Role.purchaser_director, w["municipality"]))
    path = f"{API}/service-agreements/{ids['service-agreements']}"
    move(client, h, path, "negotiation")
    response = client.post(f"{path}/transitions", headers=h,
                           json={"to": "approved", "organization": "LANULA"})
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == [
        "event_date", "article_number", "register_id"]
    bad = client.post(f"{path}/transitions", headers=h,
                      json={**DECISION, "to": "approved", "minutes_url": "javascript:alert(1)"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "minutes_url"
    extra = client.post(f"{path}/transitions", headers=h,
                        json={"to": "draft", "organization": "LANULA"})
    assert extra.status_code == 422 and "Only an approval" in extra.json()["detail"]
    assert client.get(path, headers=h).json()["status"] == "negotiation"


def test_only_the_purchaser_director_records_an_approval(client: TestClient, db: Session) -> None:
    w, ids = _agreements(db)
    m = w["municipality"]
    manager = auth(db, create_user(db, Role.purchaser_manager, m))
    board = auth(db, create_user(db, Role.board_member, m, board_id=w["board"].id))
    reporter = auth(db, create_user(db, Role.provider_reporter, m, provider_id=w["provider"].id))
    path = f"{API}/service-agreements/{ids['service-agreements']}"
    assert client.post(f"{path}/transitions", headers=board,
                       json={"to": "negotiation"}).status_code == 403
    assert client.post(f"{path}/transitions", headers=reporter,
                       json={"to": "negotiation"}).status_code == 403
    move(client, manager, path, "negotiation")  # the manager drafts and negotiates
    response = client.post(f"{path}/transitions", headers=manager, json={"to": "approved", **DECISION})
    assert response.status_code == 403
    assert "purchaser director" in response.json()["detail"]
    director = auth(db, create_user(db, Role.purchaser_director, m))
    assert move(client, director, path, "approved", **DECISION)["status"] == "approved"


def test_a_version_enters_into_force_from_its_first_day(client: TestClient, db: Session) -> None:
    w = create_world(db)
    h = auth(db, create_user(db, Role.purchaser_director, w["municipality"]))
    future = create(db, FrameworkAgreement, board_id=w["board"].id, title="Tuleva",
                    first_year=2097, last_year=2100)
    path = f"{API}/framework-agreements/{future.id}"
    approve(client, h, path)
    response = client.post(f"{path}/transitions", headers=h, json={"to": "in_force"})
    assert response.status_code == 409
    assert "enters into force on 2097-01-01" in response.json()["detail"]


def test_the_providers_comments_in_negotiation_are_kept(client: TestClient, db: Session) -> None:
    w, ids = _agreements(db)
    m = w["municipality"]
    director = auth(db, create_user(db, Role.purchaser_director, m))
    reporter = auth(db, create_user(db, Role.provider_reporter, m, provider_id=w["provider"].id))
    board = auth(db, create_user(db, Role.board_member, m, board_id=w["board"].id))
    path = f"{API}/service-agreements/{ids['service-agreements']}"
    text = {"text": "Tavoite 75 % on liian korkea kevätlukukaudelle."}
    early = client.post(f"{path}/comments", headers=reporter, json=text)
    assert early.status_code == 409 and "in negotiation" in early.json()["detail"]
    move(client, director, path, "negotiation")
    response = client.post(f"{path}/comments", headers=reporter, json=text)
    assert response.status_code == 201, response.text
    assert response.json()["author_role"] == "provider_reporter"
    assert response.json()["provider_id"] == w["provider"].id
    assert client.post(f"{path}/comments", headers=board, json=text).status_code == 403
    approve_body = {"to": "approved", **DECISION}
    assert client.post(f"{path}/transitions", headers=director, json=approve_body).status_code == 200
    comments = client.get(f"{path}/comments", headers=board).json()
    assert [(c["text"], c["version"]) for c in comments] == [(text["text"], 1)]
    # another provider's reporter does not see this agreement at all
    other = create(db, Provider, municipality_id=m.id, code="P2", name="Toinen", kind="company",
                   business_id="0204819-8")
    stranger = auth(db, create_user(db, Role.provider_reporter, m, provider_id=other.id))
    assert client.get(f"{path}/comments", headers=stranger).status_code == 404


def test_an_amendment_supersedes_only_when_approved(client: TestClient, db: Session) -> None:
    w, ids = _agreements(db)
    h = auth(db, create_user(db, Role.purchaser_director, w["municipality"]))
    path = f"{API}/service-agreements/{ids['service-agreements']}"
    draft = client.post(f"{path}/amendments", headers=h)
    assert draft.status_code == 409 and "only an approved or in-force" in draft.json()["detail"]
    approve(client, h, path)
    move(client, h, path, "in_force")
    v2 = amend(client, h, path)
    assert (v2["version"], v2["status"], v2["code"]) == (2, "draft", "SA1")
    again = client.post(f"{path}/amendments", headers=h)
    assert again.status_code == 409
    assert f"Version 2 (id {v2['id']})" in again.json()["detail"]
    assert client.get(path, headers=h).json()["status"] == "in_force"  # until v2 is approved
    approve(client, h, f"{API}/service-agreements/{v2['id']}")
    assert client.get(path, headers=h).json()["status"] == "superseded"
    history = client.get(f"{path}/transitions", headers=h).json()
    assert history[-1]["to_status"] == "superseded"
    assert f"superseded by version 2 (id {v2['id']})" in history[-1]["comment"]
    refused = client.post(f"{path}/transitions", headers=h, json={"to": "closed"})
    assert refused.status_code == 409 and refused.json()["allowed_transitions"] == []


def test_reported_values_belong_to_the_amended_measure_too(client: TestClient, db: Session
                                                           ) -> None:
    w, ids = _agreements(db)
    m = w["municipality"]
    h = auth(db, create_user(db, Role.purchaser_director, m))
    reporter = auth(db, create_user(db, Role.provider_reporter, m, provider_id=w["provider"].id))
    path = f"{API}/service-agreements/{ids['service-agreements']}"
    approve(client, h, path)
    value = client.post(f"{API}/indicator-values", headers=reporter, json={
        "measure_id": w["measure"].id, "period": "2015-T1", "value": "41"})
    assert value.status_code == 201, value.text  # reporting goes on against approved versions
    v2 = amend(client, h, path)
    approve(client, h, f"{API}/service-agreements/{v2['id']}")
    new_measure = db.scalars(select(Measure).join(Goal, Goal.id == Measure.goal_id)
                             .where(Goal.service_agreement_id == v2["id"])).one()
    db.expire_all()
    # The value stays where it was reported (the superseded version reads as it was) and is
    # the amended measure's value as well: one identity, one value per period.
    assert db.get_one(IndicatorValue, value.json()["id"]).measure_id == w["measure"].id
    listed = client.get(f"{API}/indicator-values", headers=h,
                        params={"measure_id": new_measure.id}).json()["items"]
    assert [v["id"] for v in listed] == [value.json()["id"]]
    assert db.get_one(ServiceAgreement, v2["id"]).status is AgreementStatus.approved


def test_a_transition_with_a_stale_etag_changes_nothing(client: TestClient, db: Session) -> None:
    w, ids = _agreements(db)
    h = auth(db, create_user(db, Role.purchaser_director, w["municipality"]))
    path = f"{API}/service-agreements/{ids['service-agreements']}"
    etag = client.get(path, headers=h).headers["ETag"]
    moved = client.post(f"{path}/transitions", headers={**h, "If-Match": etag},
                        json={"to": "negotiation"})
    assert moved.status_code == 200 and moved.headers["ETag"] != etag
    stale = client.post(f"{path}/transitions", headers={**h, "If-Match": etag},
                        json={"to": "draft"})
    assert stale.status_code == 412
    assert client.get(path, headers=h).json()["status"] == "negotiation"


def test_malformed_lifecycle_requests_never_answer_500(client: TestClient, db: Session) -> None:
    w, ids = _agreements(db)
    h = auth(db, create_user(db, Role.admin, w["municipality"]))
    sa = f"{API}/service-agreements/{ids['service-agreements']}"
    cases = [
        ("post", f"{sa}/transitions", {"to": "superseded"}, 409),
        ("post", f"{sa}/transitions", {"to": "nowhere"}, 422),
        ("post", f"{sa}/transitions", {"to": "negotiation", "x": 1}, 422),
        ("post", f"{sa}/transitions", {"to": "approved", **DECISION, "event_date": "12.12.2014"}, 422),
        ("post", f"{sa}/transitions", {"to": "approved", **DECISION, "article_number": "x" * 50}, 422),
        ("post", f"{API}/service-agreements/99999999999/transitions", {"to": "negotiation"}, 422),
        ("post", f"{sa}/comments", {"text": ""}, 422),
        ("post", f"{sa}/comments", {"text": "a\x00b"}, 422),
        ("post", f"{sa}/carry-over", {"year": 1800}, 422),
        ("get", f"{sa}/versions/0", None, 422),
        ("get", f"{sa}/versions/99999999999", None, 422),
        ("get", f"{API}/service-agreements/diff?from=1", None, 422),
        ("get", f"{API}/service-agreements/diff?from=-1&to=2", None, 422),
        ("get", f"{API}/service-agreements/diff?from=99999&to=99998", None, 404),
        ("get", f"{API}/order-budgets/diff?from=abc&to=1", None, 422),
        ("get", f"{API}/audit?since=yesterday", None, 422),
        ("get", f"{API}/audit?entity_id=99999999999", None, 422),
        ("post", f"{API}/framework-agreements/{ids['framework-agreements']}/amendments", None, 409),
    ]
    for method, url, body, status in cases:
        response = client.request(method, url, headers=h, json=body)
        assert response.status_code == status, (url, body, response.text)
        assert response.json()["status"] == response.status_code
