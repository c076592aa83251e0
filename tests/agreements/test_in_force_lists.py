"""The version in force in the API's lists: ``in_force_on`` gives, of each agreement, the version
that counts on that day (app.agreements.in_force), paged in the database."""

from datetime import date

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.agreements.service import listed_agreements
from tests.agreements import test_in_force as base
from tests.agreements.flow import DECISION, amend, approve, move
from tests.agreements.test_in_force import API, CODE, Amended, _approve_v2

amended = base.amended  # the fixture: v1 approved, v2 drafted


def _listed(client: TestClient, w: Amended, path: str, day: str) -> list[tuple[str, int]]:
    response = client.get(f"{API}/{path}", headers=w.director,
                          params={"in_force_on": day, "limit": 100})
    assert response.status_code == 200, response.text
    return [(i.get("code", ""), i["version"]) for i in response.json()["items"]]


def test_the_list_gives_each_agreement_as_it_stood_on_the_day(
        client: TestClient, amended: Amended) -> None:
    _approve_v2(client, amended, "2015-07-01")
    mine = [v for code, v in _listed(client, amended, "service-agreements", "2015-03-01")
            if code == CODE]
    assert mine == [1]
    mine = [v for code, v in _listed(client, amended, "service-agreements", "2015-09-01")
            if code == CODE]
    assert mine == [2]


def test_a_draft_amendment_is_not_the_version_in_force(
        client: TestClient, amended: Amended) -> None:
    mine = [v for code, v in _listed(client, amended, "service-agreements", "2015-09-01")
            if code == CODE]
    assert mine == [1]
    everything = client.get(f"{API}/service-agreements", headers=amended.director,
                            params={"limit": 100}).json()["items"]
    assert sorted(i["version"] for i in everything if i["code"] == CODE) == [1, 2]


def test_the_measures_in_force_on_a_day_are_those_of_the_version_in_force(
        client: TestClient, amended: Amended) -> None:
    _approve_v2(client, amended, "2015-07-01")
    for day, agreement_id in (("2015-03-01", amended.v1), ("2015-09-01", amended.v2["id"])):
        ids = {m["id"] for m in client.get(f"{API}/measures", headers=amended.director, params={
            "in_force_on": day, "limit": 500}).json()["items"]}
        assert amended.measures[agreement_id] in ids
        assert len(ids & set(amended.measures.values())) == 1


def _versions_on(client: TestClient, w: Amended, path: str, day: str) -> list[int]:
    response = client.get(f"{API}/{path}", headers=w.director,
                          params={"in_force_on": day, "board_id": w.board_id, "limit": 100})
    assert response.status_code == 200, response.text
    return [i["version"] for i in response.json()["items"]]


def test_an_order_budget_amended_from_july_counts_from_july(
        client: TestClient, amended: Amended) -> None:
    v1 = client.get(f"{API}/service-agreements/{amended.v1}", headers=amended.director).json()
    budget = amend(client, amended.director, f"{API}/order-budgets/{v1['order_budget_id']}")
    path = f"{API}/order-budgets/{budget['id']}"
    move(client, amended.director, path, "negotiation")
    move(client, amended.director, path, "approved", **{**DECISION, "event_date": "2015-06-10",
                                                        "effective_from": "2015-07-01"})
    assert _versions_on(client, amended, "order-budgets", "2015-03-01") == [1]
    assert _versions_on(client, amended, "order-budgets", "2015-09-01") == [2]


def test_a_framework_agreement_is_its_approved_version_while_amended(
        client: TestClient, amended: Amended) -> None:
    frameworks = client.get(f"{API}/framework-agreements", headers=amended.director, params={
        "board_id": amended.board_id}).json()["items"]
    assert [f["version"] for f in frameworks] == [1]
    path = f"{API}/framework-agreements/{frameworks[0]['id']}"
    assert _versions_on(client, amended, "framework-agreements", "2015-09-01") == [1]  # a draft
    approve(client, amended.director, path)
    amend(client, amended.director, path)
    assert _versions_on(client, amended, "framework-agreements", "2015-09-01") == [1]


def test_a_bad_day_is_a_problem_naming_the_field(client: TestClient, amended: Amended
                                                 ) -> None:
    response = client.get(f"{API}/service-agreements", headers=amended.director,
                          params={"in_force_on": "2015-02-30"})
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == "in_force_on"


def test_the_page_lists_an_amendment_that_takes_effect_later_after_the_version_in_force(
        client: TestClient, db: Session, amended: Amended) -> None:
    _approve_v2(client, amended, "2015-07-01")
    rows = [(r.agreement.version, r.drafting, r.earlier_versions) for r in listed_agreements(
        db, None, date(2015, 3, 1), 2015) if r.agreement.code == CODE]
    assert rows == [(1, False, False), (2, False, False)]
    rows = [(r.agreement.version, r.earlier_versions) for r in listed_agreements(
        db, None, date(2015, 9, 1), 2015) if r.agreement.code == CODE]
    assert rows == [(2, True)]
