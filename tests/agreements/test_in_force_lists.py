"""The version in force in the API's lists: ``in_force_on`` gives, of each agreement, the version
that counts on that day (app.agreements.in_force), paged in the database."""

from fastapi.testclient import TestClient

from tests.agreements import test_in_force as base
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


def test_order_budgets_and_framework_agreements_filter_by_the_day(
        client: TestClient, amended: Amended) -> None:
    for path in ("order-budgets", "framework-agreements"):
        listed = _listed(client, amended, path, "2015-03-01")
        everything = client.get(f"{API}/{path}", headers=amended.director,
                                params={"limit": 100}).json()["items"]
        assert len(listed) == len(everything)  # one version each


def test_a_bad_day_is_a_problem_naming_the_field(client: TestClient, amended: Amended
                                                 ) -> None:
    response = client.get(f"{API}/service-agreements", headers=amended.director,
                          params={"in_force_on": "2015-02-30"})
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == "in_force_on"
