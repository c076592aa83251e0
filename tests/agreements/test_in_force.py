"""The version in force: an amendment counts from the day it takes effect, a draft never, and a
measure keeps its values across versions. The Hämeenlinna agreement through the HTTP API."""

import re
from dataclasses import dataclass
from io import BytesIO
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.agreements.models import ServiceAgreement
from app.auth.models import Role
from app.organisations.models import Board, Municipality
from app.submissions.template import COLUMNS
from tests.agreements.flow import DECISION, amend, approve, etag, import_hameenlinna, move, patch
from tests.helpers import auth, create_user, create_world

API = "/api/v1"
REPORTS = f"{API}/reports"
CODE = "HML-LANULA-2015-OMA"


@dataclass
class Amended:
    director: dict[str, str]
    reporter: dict[str, str]
    board_id: int
    v1: int
    v2: dict[str, Any]
    measures: dict[int, int]  # agreement id -> its HARRASTUS measure id


def _harrastus(client: TestClient, headers: dict[str, str], agreement_id: int) -> dict[str, Any]:
    measures = client.get(f"{API}/measures", headers=headers, params={
        "service_agreement_id": agreement_id, "limit": 100}).json()["items"]
    measure: dict[str, Any] = next(m for m in measures if m["code"] == "HARRASTUS")
    return measure


def _preview(client: TestClient, w: Amended, period: str) -> str:
    response = client.get(f"{REPORTS}/follow-up", headers=w.director, params={
        "board_id": w.board_id, "period": period, "format": "html", "language": "fi"})
    assert response.status_code == 200, response.text
    return response.text


def _target_of_harrastus(html: str) -> str:
    """The 2015 target the report's chart of HARRASTUS states (its alt text)."""
    found = re.search(r'alt="[^"]*HARRASTUS[^"]*?Tavoite 2015: ([0-9,]+)', html)
    assert found is not None, "no chart of HARRASTUS in the report"
    return found.group(1)


@pytest.fixture
def amended(client: TestClient, db: Session) -> Amended:
    """v1 approved (from 12.12.2014) with HARRASTUS 2015 target 75 and values T1 66, T2 70;
    v2 drafted with the target 80."""
    import_hameenlinna(db)
    v1 = db.scalars(select(ServiceAgreement).where(ServiceAgreement.code == CODE)).one()
    board = db.scalars(select(Board).where(Board.code == "LANULA",
                                           Board.municipality_id == v1.municipality_id)).one()
    municipality = db.get_one(Municipality, v1.municipality_id)
    director = auth(db, create_user(db, Role.purchaser_director, municipality))
    reporter = auth(db, create_user(db, Role.provider_reporter, municipality,
                                    provider_id=v1.provider_id))
    if v1.order_budget_id is not None:
        approve(client, director, f"{API}/order-budgets/{v1.order_budget_id}")
    approve(client, director, f"{API}/service-agreements/{v1.id}")
    v2 = amend(client, director, f"{API}/service-agreements/{v1.id}")
    measure = _harrastus(client, director, v2["id"])
    patch(client, director, f"{API}/measures/{measure['id']}",
          {"targets": [{"year": 2015, "value": 80}, {"year": 2016, "value": 90}]})
    return Amended(director, reporter, board.id, v1.id, v2, {
        v1.id: _harrastus(client, director, v1.id)["id"], v2["id"]: measure["id"]})


def _approve_v2(client: TestClient, w: Amended, effective_from: str) -> None:
    path = f"{API}/service-agreements/{w.v2['id']}"
    move(client, w.director, path, "negotiation")
    move(client, w.director, path, "approved", **{**DECISION, "event_date": "2015-06-10",
                                                  "effective_from": effective_from})


def test_a_drafted_amendment_leaves_the_boards_report_unchanged(
        client: TestClient, amended: Amended) -> None:
    html = _preview(client, amended, "2015-T2")
    assert _target_of_harrastus(html) == "75"
    assert "Ei arvoa" not in html.split("HARRASTUS", 1)[1].split("</tr>", 1)[0]


def test_an_approved_amendment_counts_from_the_day_it_takes_effect(
        client: TestClient, amended: Amended) -> None:
    _approve_v2(client, amended, "2015-07-01")
    agreement = client.get(f"{API}/service-agreements/{amended.v2['id']}",
                           headers=amended.director).json()
    assert agreement["effective_from"] == "2015-07-01"
    assert _target_of_harrastus(_preview(client, amended, "2015-T1")) == "75"
    t2 = _preview(client, amended, "2015-T2")
    assert _target_of_harrastus(t2) == "80"
    values = client.get(f"{API}/indicator-values", headers=amended.director, params={
        "measure_id": amended.measures[amended.v2["id"]], "year": 2015}).json()["items"]
    assert [(v["period"], v["value"]) for v in values] == [
        ("2015-T1", "66.0000"), ("2015-T2", "70.0000"), ("2015", "77.0000")]


def test_a_value_for_a_superseded_version_is_refused_naming_the_measure_in_force(
        client: TestClient, amended: Amended) -> None:
    _approve_v2(client, amended, "2015-07-01")
    old, new = amended.measures[amended.v1], amended.measures[amended.v2["id"]]
    refused = client.post(f"{API}/submissions", headers=amended.reporter, json={
        "measure_id": old, "period": "2015-T2", "value": 78, "reason": "korjaus"})
    assert refused.status_code == 409, refused.text
    assert f"report it for measure {new}, in version 2" in refused.json()["detail"]
    corrected = client.post(f"{API}/submissions", headers=amended.reporter, json={
        "measure_id": new, "period": "2015-T2", "value": 78, "reason": "korjaus"})
    assert corrected.status_code == 200, corrected.text
    assert corrected.json()["action"] == "updated"


def test_the_due_list_shows_each_measure_once_per_period(
        client: TestClient, amended: Amended) -> None:
    _approve_v2(client, amended, "2015-07-01")
    due = client.get(f"{API}/submissions/due", headers=amended.reporter, params={
        "year": 2015, "limit": 500}).json()["items"]
    harrastus = {i["period"]: i["measure_id"] for i in due if i["measure_code"] == "HARRASTUS"}
    assert sum(1 for i in due if i["measure_code"] == "HARRASTUS") == 3
    assert harrastus == {"2015-T1": amended.measures[amended.v1],
                         "2015-T2": amended.measures[amended.v2["id"]],
                         "2015": amended.measures[amended.v2["id"]]}


def test_the_template_lists_each_measure_once_per_period_with_the_target_in_force(
        client: TestClient, amended: Amended) -> None:
    _approve_v2(client, amended, "2015-07-01")
    response = client.get(f"{API}/submissions/template.xlsx", headers=amended.reporter,
                          params={"year": 2015})
    assert response.status_code == 200, response.text
    rows = list(load_workbook(BytesIO(response.content)).active.iter_rows(values_only=True))
    keys = [key for key, _ in COLUMNS]  # the headings are in the user's language
    harrastus = [dict(zip(keys, r, strict=True)) for r in rows[1:] if r[keys.index(
        "measure_code")] == "HARRASTUS"]
    assert [(r["period"], r["target"]) for r in harrastus] == [
        ("2015-T1", pytest.approx(66.33, abs=0.01)), ("2015-T2", 74),  # target paths from 62 %
        ("2015", 80)]


def test_a_file_of_codes_is_accepted_after_an_amendment(
        client: TestClient, amended: Amended) -> None:
    _approve_v2(client, amended, "2015-07-01")
    csv = "measure_code;period;value;comment\nHARRASTUS;2015;79;Syksyn kerhot\n"
    response = client.post(f"{API}/submissions/bulk", headers=amended.reporter,
                           files={"file": ("arvot.csv", csv.encode(), "text/csv")})
    assert response.status_code == 200, response.text
    assert response.json()["updated"] == 1


def test_an_amendment_cannot_take_effect_before_the_version_it_amends(
        client: TestClient, amended: Amended) -> None:
    path = f"{API}/service-agreements/{amended.v2['id']}"
    move(client, amended.director, path, "negotiation")
    response = client.post(f"{path}/transitions", headers=amended.director, json={
        "to": "approved", **DECISION, "effective_from": "2014-12-01"})
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == "effective_from"


def test_a_measure_added_under_a_code_a_renamed_one_left_is_a_measure_of_its_own(
        client: TestClient, amended: Amended) -> None:
    """HARRASTUS renamed in v2 keeps its identity (and values); a new HARRASTUS beside it is
    another measure, not a second holder of the same values."""
    renamed = amended.measures[amended.v2["id"]]
    old = patch(client, amended.director, f"{API}/measures/{renamed}", {"code": "HARRASTUS-V"})
    body = {k: old[k] for k in ("goal_id", "provider_id", "name", "unit", "direction",
                                "tolerance", "frequency", "rollup")}
    created = client.post(f"{API}/measures", headers=amended.director,
                          json={**body, "code": "HARRASTUS"})
    assert created.status_code == 201, created.text
    assert created.json()["lineage"] != old["lineage"]


def test_an_amendment_taking_effect_after_its_year_is_refused(
        client: TestClient, amended: Amended) -> None:
    """It would never count, and no later amendment could take effect before it."""
    path = f"{API}/service-agreements/{amended.v2['id']}"
    move(client, amended.director, path, "negotiation")
    answer = client.post(f"{path}/transitions", headers=amended.director, json={
        "to": "approved", **DECISION, "event_date": "2015-06-10", "effective_from": "2016-01-01"})
    assert answer.status_code == 422, answer.text
    assert answer.json()["errors"][0]["field"] == "effective_from"
    assert client.get(path, headers=amended.director).json()["status"] == "negotiation"


def test_a_draft_with_values_reported_is_not_deleted_with_them(client: TestClient, db: Session
                                                               ) -> None:
    """A never approved agreement's values are reported against its own measures: deleting the
    draft (or its goal or measure) would delete them with it."""
    w = create_world(db)
    director = auth(db, create_user(db, Role.purchaser_director, w["municipality"]))
    value = client.post(f"{API}/indicator-values", headers=director, json={
        "measure_id": w["measure"].id, "period": "2015-T1", "value": "41"})
    assert value.status_code == 201, value.text
    path = f"{API}/service-agreements/{w['agreement'].id}"
    refused = client.delete(path, headers=etag(client, director, path))
    assert refused.status_code == 409, refused.text
    measure = f"{API}/measures/{w['measure'].id}"
    assert client.delete(measure, headers=etag(client, director, measure)).status_code == 409
    assert client.get(f"{API}/indicator-values/{value.json()['id']}",
                      headers=director).status_code == 200


def test_a_superseded_version_is_not_carried_over(client: TestClient, amended: Amended) -> None:
    """Next year follows the agreement as it stands: the version in force, not a superseded one."""
    _approve_v2(client, amended, "2015-07-01")
    response = client.post(f"{API}/service-agreements/{amended.v1}/carry-over",
                           headers=amended.director, json={})
    assert response.status_code == 409, response.text
    assert f"superseded by version 2 (id {amended.v2['id']})" in response.json()["detail"]
