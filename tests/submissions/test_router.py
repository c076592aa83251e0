"""Submitting, correcting and reviewing single values; due lists, calendar, deliveries."""

from datetime import timedelta
from decimal import Decimal
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from app.budgets.models import OrderBudget, OrderBudgetLine
from app.catalogue.models import Product, ProductGroup, ServiceArea
from app.core.db import utcnow
from app.indicators.models import IndicatorValue
from app.organisations.models import Provider
from app.submissions.idempotency import KEPT
from app.submissions.models import IdempotencyKey
from tests.helpers import auth, create, create_user, if_match
from tests.submissions.helpers import add_measure, submission_world, submit

DUE = "/api/v1/submissions/due"


def count(db: Session, model: Any = IndicatorValue) -> int:
    return db.scalar(select(func.count()).select_from(model)) or 0


def due_item(client: TestClient, headers: dict[str, str], measure_id: int, period: str,
             **params: Any) -> dict[str, Any]:
    items = client.get(DUE, headers=headers, params={"limit": 500, **params}).json()["items"]
    return next(i for i in items if i["measure_id"] == measure_id and i["period"] == period)


def test_the_due_list_has_every_period_with_its_due_date_and_status(
    client: TestClient, db: Session
) -> None:
    w = submission_world(db)
    listed = client.get(DUE, headers=w["hr"], params={"as_of": "2015-03-20", "limit": 500})
    assert listed.status_code == 200, listed.text
    body = listed.json()
    assert body["total"] == 12 + 3  # the monthly measure and the tertial measure M1
    january = due_item(client, w["hr"], w["visits"].id, "2015-01", as_of="2015-03-20")
    assert (january["due_date"], january["status"], january["overdue"]) == \
        ("2015-03-15", "overdue", True)
    assert Decimal(january["target"]) == 1200  # 14 400 a year, summed over months
    february = due_item(client, w["hr"], w["visits"].id, "2015-02", as_of="2015-03-20")
    assert (february["due_date"], february["status"], february["overdue"]) == \
        ("2015-04-15", "due", False)

    assert submit(client, w["hr"], w["visits"], "2015-01", "1180").status_code == 201
    january = due_item(client, w["hr"], w["visits"].id, "2015-01", as_of="2015-03-20")
    assert (january["status"], january["overdue"], Decimal(january["value"])) == \
        ("submitted", False, 1180)
    only_overdue = client.get(DUE, headers=w["hr"],
                              params={"as_of": "2015-03-20", "overdue": True}).json()
    assert {i["period"] for i in only_overdue["items"]} == set()  # January is in


def test_a_reporter_sees_and_submits_only_his_own_providers_measures(
    client: TestClient, db: Session
) -> None:
    w = submission_world(db)
    other = create(db, Provider, municipality_id=w["municipality"].id, code="P2",
                   name="Tuottaja 2", kind="company", business_id="0112038-9")
    theirs = add_measure(db, w, "MUUT", provider_id=other.id)
    codes = {i["measure_code"] for i in client.get(DUE, headers=w["hr"],
                                                   params={"limit": 500}).json()["items"]}
    assert codes == {"M1", "KAYNNIT"}
    assert submit(client, w["hr"], theirs, "2015-T1", "5").status_code == 404
    everyone = {i["measure_code"] for i in client.get(DUE, headers=w["hp"],
                                                      params={"limit": 500}).json()["items"]}
    assert everyone == {"M1", "KAYNNIT", "MUUT"}
    assert submit(client, w["hb"], w["visits"], "2015-01", "1200").status_code == 403
    assert count(db) == 0


def test_a_comment_is_required_when_the_value_misses_its_target(
    client: TestClient, db: Session
) -> None:
    w = submission_world(db)
    missed = submit(client, w["hr"], w["visits"], "2015-02", "1050")
    assert missed.status_code == 422
    error = missed.json()["errors"][0]
    assert error["field"] == "comment"
    assert "misses the target 1200 käyntiä by 150 (tolerance 100)" in error["message"]
    within = submit(client, w["hr"], w["visits"], "2015-02", "1120")
    assert within.status_code == 201, within.text
    explained = submit(client, w["hr"], w["visits"], "2015-03", "1050",
                       comment="Hiihtoloma-viikolla vähemmän käyntejä.")
    assert explained.status_code == 201
    out_of_range = submit(client, w["hr"], w["visits"], "2015-04", "-1", comment="x")
    assert out_of_range.status_code == 422
    assert "smallest allowed value 0" in out_of_range.json()["errors"][0]["message"]
    wrong_period = submit(client, w["hr"], w["visits"], "2015-T1", "1200")
    assert wrong_period.status_code == 422
    assert wrong_period.json()["errors"][0]["field"] == "period"


def test_a_correction_keeps_the_earlier_value_in_the_history(
    client: TestClient, db: Session
) -> None:
    w = submission_world(db)
    first = submit(client, w["hr"], w["visits"], "2015-01", "1180", comment="Tammikuu")
    value_id = first.json()["indicator_value"]["id"]
    no_reason = submit(client, w["hr"], w["visits"], "2015-01", "1210", comment="Tammikuu")
    assert no_reason.status_code == 422
    assert no_reason.json()["errors"][0]["field"] == "reason"
    corrected = submit(client, w["hr"], w["visits"], "2015-01", "1210", comment="Tammikuu",
                       reason="Yhden toimipisteen käynnit puuttuivat")
    assert corrected.status_code == 200, corrected.text
    assert corrected.json()["action"] == "updated"
    same = submit(client, w["hr"], w["visits"], "2015-01", "1210", comment="Tammikuu")
    assert (same.status_code, same.json()["action"]) == (200, "unchanged")

    history = client.get(f"/api/v1/indicator-values/{value_id}/history", headers=w["hp"])
    assert history.status_code == 200
    body = history.json()
    assert Decimal(body["indicator_value"]["value"]) == 1210
    [revision] = body["revisions"]
    assert (Decimal(revision["old_value"]), Decimal(revision["new_value"])) == (1180, 1210)
    assert revision["changed_by"] == w["reporter"].username
    assert revision["reason"] == "Yhden toimipisteen käynnit puuttuivat"
    assert revision["changed_at"]
    # The generic PATCH keeps the same history.
    patched = client.patch(f"/api/v1/indicator-values/{value_id}", headers=if_match(
        client, w["hr"], f"/api/v1/indicator-values/{value_id}"),
                           json={"value": "1215", "reason": "Täsmennys"})
    assert patched.status_code == 200, patched.text
    revisions = client.get(f"/api/v1/indicator-values/{value_id}/history",
                           headers=w["hr"]).json()["revisions"]
    assert [(r["old_value"][:4], r["new_value"][:4], r["reason"]) for r in revisions] == [
        ("1180", "1210", "Yhden toimipisteen käynnit puuttuivat"), ("1210", "1215", "Täsmennys")]


def test_a_value_far_from_the_providers_earlier_values_is_accepted_but_flagged(
    client: TestClient, db: Session
) -> None:
    w = submission_world(db)
    for period, value in (("2015-01", "1180"), ("2015-02", "1240")):
        assert submit(client, w["hr"], w["visits"], period, value).json()[
            "indicator_value"]["flagged"] is False
    far = submit(client, w["hr"], w["visits"], "2015-03", "2900")
    assert far.status_code == 201
    value = far.json()["indicator_value"]
    assert value["flagged"] is True
    assert value["flag_reason"] == ("2900 differs by more than 50 % from 1210, the mean of the "
                                    "2 earlier values of this measure")
    flagged = client.get("/api/v1/indicator-values", headers=w["hp"],
                         params={"flagged": True}).json()
    assert [v["period"] for v in flagged["items"]] == ["2015-03"]
    fixed = submit(client, w["hr"], w["visits"], "2015-03", "1290", reason="Näppäilyvirhe")
    assert fixed.json()["indicator_value"]["flagged"] is False


def test_the_purchaser_returns_and_accepts_and_a_closed_period_is_locked(
    client: TestClient, db: Session
) -> None:
    w = submission_world(db)
    value_id = submit(client, w["hr"], w["visits"], "2015-01", "1180").json()[
        "indicator_value"]["id"]
    review = f"/api/v1/indicator-values/{value_id}/review"
    assert client.post(review, headers=w["hr"], json={"decision": "accept"}).status_code == 403
    assert client.post(review, headers=w["hb"], json={"decision": "accept"}).status_code == 403
    no_reason = client.post(review, headers=w["hp"], json={"decision": "return"})
    assert no_reason.status_code == 422
    returned = client.post(review, headers=w["hp"], json={
        "decision": "return", "reason": "Luku näyttää sisältävän helmikuun käynnit"})
    assert returned.status_code == 200, returned.text
    assert returned.json()["status"] == "returned"
    # Back on the provider's list, overdue as its due date has passed.
    item = due_item(client, w["hr"], w["visits"].id, "2015-01")
    assert (item["status"], item["overdue"], item["return_reason"]) == \
        ("returned", True, "Luku näyttää sisältävän helmikuun käynnit")
    again = submit(client, w["hr"], w["visits"], "2015-01", "1150",
                   reason="Helmikuun käynnit poistettu")
    assert again.json()["indicator_value"]["status"] == "submitted"
    accepted = client.post(review, headers=w["hp"], json={"decision": "accept"})
    assert accepted.json()["status"] == "accepted"
    assert accepted.json()["reviewed_by"] == w["purchaser"].username
    # 2015-01 was due on 15.3.2015: the period is closed and the value locked.
    assert due_item(client, w["hr"], w["visits"].id, "2015-01")["locked"] is True
    locked = submit(client, w["hr"], w["visits"], "2015-01", "1160", reason="Vielä korjaus")
    assert locked.status_code == 409
    assert "closed on 2015-03-15" in locked.json()["detail"]
    assert client.post(review, headers=w["hp"], json={
        "decision": "return", "reason": "x"}).status_code == 409
    current = if_match(client, w["hp"], f"/api/v1/indicator-values/{value_id}")
    assert client.patch(f"/api/v1/indicator-values/{value_id}", headers=current,
                        json={"value": "1"}).status_code == 409
    assert client.delete(f"/api/v1/indicator-values/{value_id}",
                         headers=current).status_code == 409
    statuses = [(r["old_status"], r["new_status"]) for r in client.get(
        f"/api/v1/indicator-values/{value_id}/history", headers=w["hr"]).json()["revisions"]]
    assert statuses == [("submitted", "returned"), ("returned", "submitted"),
                        ("submitted", "accepted")]


def test_the_same_idempotency_key_stores_nothing_twice(client: TestClient, db: Session) -> None:
    w = submission_world(db)
    key = {"Idempotency-Key": "3b8e7c1e-5b0a-4f57-a0a3-6f1f0f0b2a11"}
    first = submit(client, w["hr"], w["visits"], "2015-01", "1180", **key)
    assert first.status_code == 201
    again = submit(client, w["hr"], w["visits"], "2015-01", "1180", **key)
    assert (again.status_code, again.json()) == (201, first.json())
    assert again.headers["Idempotent-Replayed"] == "true"
    assert count(db) == 1
    other_body = submit(client, w["hr"], w["visits"], "2015-02", "1180", **key)
    assert other_body.status_code == 422
    assert "different request" in other_body.json()["detail"]
    assert count(db) == 1
    # Keys are per user: the purchaser's same key is another key.
    theirs = submit(client, w["hp"], w["visits"], "2015-02", "1180", **key)
    assert theirs.status_code == 201
    assert count(db, IdempotencyKey) == 2
    bad_key = submit(client, w["hr"], w["visits"], "2015-03", "1180",
                     **{"Idempotency-Key": "x" * 201})
    assert bad_key.status_code == 422


def test_an_idempotency_key_is_forgotten_after_a_day(client: TestClient, db: Session) -> None:
    w = submission_world(db)
    key = {"Idempotency-Key": "paivan-vanha"}
    assert submit(client, w["hr"], w["visits"], "2015-01", "1180", **key).status_code == 201
    table = IdempotencyKey.__table__
    db.execute(update(table).values(created_at=utcnow() - KEPT - timedelta(minutes=1)))
    again = submit(client, w["hr"], w["visits"], "2015-02", "1190", **key)
    assert again.status_code == 201, again.text
    assert "Idempotent-Replayed" not in again.headers
    assert count(db) == 2 and count(db, IdempotencyKey) == 1


def test_purchasers_keep_the_reporting_calendar(client: TestClient, db: Session) -> None:
    w = submission_world(db)
    agreement = w["agreement"].id
    calendar = client.get(f"/api/v1/service-agreements/{agreement}/calendar", headers=w["hr"])
    assert calendar.status_code == 200
    periods = {p["period"]: p for p in calendar.json()["periods"]}
    assert set(periods) == {f"2015-{m:02d}" for m in range(1, 13)} | {"2015-T1", "2015-T2",
                                                                         "2015"}
    assert (periods["2015-T1"]["due_date"], periods["2015-T1"]["explicit"]) == ("2015-06-15",
                                                                                  False)
    assert periods["2015"]["measures"] == 1 and periods["2015-01"]["measures"] == 1

    body = {"service_agreement_id": agreement, "period": "2015-T1", "due_date": "2015-05-31"}
    assert client.post("/api/v1/reporting-deadlines", headers=w["hr"],
                       json=body).status_code == 403
    created = client.post("/api/v1/reporting-deadlines", headers=w["hp"], json=body)
    assert created.status_code == 201, created.text
    early = client.post("/api/v1/reporting-deadlines", headers=w["hp"], json={
        **body, "period": "2015-T2", "due_date": "2015-08-01"})
    assert early.status_code == 422 and early.json()["errors"][0]["field"] == "due_date"
    other_year = client.post("/api/v1/reporting-deadlines", headers=w["hp"], json={
        **body, "period": "2016-T1", "due_date": "2016-06-01"})
    assert other_year.status_code == 422
    twice = client.post("/api/v1/reporting-deadlines", headers=w["hp"], json=body)
    assert twice.status_code == 409
    periods = {p["period"]: p for p in client.get(
        f"/api/v1/service-agreements/{agreement}/calendar", headers=w["hr"]).json()["periods"]}
    assert (periods["2015-T1"]["due_date"], periods["2015-T1"]["explicit"]) == ("2015-05-31",
                                                                                  True)
    item = due_item(client, w["hr"], w["measure"].id, "2015-T1", as_of="2015-06-01")
    assert (item["due_date"], item["status"]) == ("2015-05-31", "overdue")


def test_a_board_sees_the_overdue_submissions_of_its_agreements(
    client: TestClient, db: Session
) -> None:
    w = submission_world(db)
    submit(client, w["hr"], w["visits"], "2015-01", "1180")
    response = client.get(f"/api/v1/boards/{w['board'].id}/overdue", headers=w["hb"],
                          params={"as_of": "2015-04-20"})
    assert response.status_code == 200, response.text
    overdue = [(i["measure_code"], i["period"]) for i in response.json()["items"]]
    assert overdue == [("KAYNNIT", "2015-02")]  # January is in; March is due on 15.5.
    later = client.get(f"/api/v1/boards/{w['board'].id}/overdue", headers=w["hp"],
                       params={"as_of": "2015-06-16"}).json()["items"]
    assert [(i["measure_code"], i["period"]) for i in later] == [
        ("KAYNNIT", "2015-02"), ("KAYNNIT", "2015-03"), ("KAYNNIT", "2015-04"),
        ("M1", "2015-T1")]
    assert client.get("/api/v1/boards/999999/overdue", headers=w["hp"]).status_code == 404


def test_providers_report_deliveries_of_their_own_order_lines(
    client: TestClient, db: Session
) -> None:
    w = submission_world(db)
    m = w["municipality"]
    other = create(db, Provider, municipality_id=m.id, code="P2", name="Tuottaja 2",
                   kind="company", business_id="0112038-9")
    area = create(db, ServiceArea, municipality_id=m.id, code="LNP", name_fi="Lapset")
    group = create(db, ProductGroup, service_area_id=area.id, code="VAKA", name_fi="Vaka")
    product = create(db, Product, product_group_id=group.id, code="PKH", name_fi="Päiväkoti",
                     unit="hoitopäivä")
    budget = create(db, OrderBudget, board_id=w["board"].id, year=2015, title="TB 2015")
    own = create(db, OrderBudgetLine, order_budget_id=budget.id, product_id=product.id,
                 provider_id=w["provider"].id, volume=52000, unit_price=71.35)
    theirs = create(db, OrderBudgetLine, order_budget_id=budget.id, product_id=product.id,
                    provider_id=other.id, volume=8000, unit_price=68.90)
    body = {"order_budget_line_id": own.id, "period": "2015-T1", "volume": "17450.5",
            "euros": "1245093.18", "comment": "Tammi–huhtikuu"}
    created = client.post("/api/v1/deliveries", headers=w["hr"], json=body)
    assert created.status_code == 201, created.text
    delivered = created.json()
    assert (delivered["period_start"], delivered["period_end"]) == ("2015-01-01", "2015-04-30")
    assert delivered["created_by"] == w["reporter"].username
    assert client.post("/api/v1/deliveries", headers=w["hr"],
                       json=body).status_code == 409
    not_his = client.post("/api/v1/deliveries", headers=w["hr"],
                          json={**body, "order_budget_line_id": theirs.id})
    assert not_his.status_code == 422
    wrong_year = client.post("/api/v1/deliveries", headers=w["hr"],
                             json={**body, "period": "2016-T1"})
    assert wrong_year.status_code == 422
    assert client.post("/api/v1/deliveries", headers=w["hb"],
                       json={**body, "period": "2015-T2"}).status_code == 403
    corrected = client.patch(f"/api/v1/deliveries/{delivered['id']}", headers=if_match(
        client, w["hr"], f"/api/v1/deliveries/{delivered['id']}"), json={"volume": "17460"})
    assert corrected.status_code == 200
    purchaser_line = client.post("/api/v1/deliveries", headers=w["hp"], json={
        **body, "order_budget_line_id": theirs.id})
    assert purchaser_line.status_code == 201
    mine = client.get("/api/v1/deliveries", headers=w["hr"]).json()
    assert [d["order_budget_line_id"] for d in mine["items"]] == [own.id]
    by_budget = client.get("/api/v1/deliveries", headers=w["hp"],
                           params={"order_budget_id": budget.id}).json()
    assert by_budget["total"] == 2


def test_hidden_and_malformed_requests_never_answer_500(client: TestClient, db: Session) -> None:
    w = submission_world(db)
    member = create_user(db, username="another-reporter", role=w["reporter"].role,
                         municipality=w["municipality"], provider_id=w["provider"].id)
    cases = [
        ("get", "/api/v1/indicator-values/999999/history", None, 404),
        # a reporter reviews nothing: refused (403) before the id or the body is looked at
        ("post", "/api/v1/indicator-values/999999/review", {"decision": "accept"}, 403),
        ("post", "/api/v1/indicator-values/1/review", {"decision": "maybe"}, 403),
        ("post", "/api/v1/submissions", {"measure_id": w["visits"].id, "period": "2015-13",
                                         "value": "1"}, 422),
        ("post", "/api/v1/submissions", {"measure_id": w["visits"].id, "period": "2015-01",
                                         "value": "1e99"}, 422),
        ("post", "/api/v1/submissions", {"measure_id": w["visits"].id, "period": "2015-01",
                                         "value": "1", "extra": 1}, 422),
        ("get", "/api/v1/service-agreements/999999/calendar", None, 404),
        ("get", f"{DUE}?status=lost", None, 422),
        ("get", f"{DUE}?as_of=yesterday", None, 422),
    ]
    headers = auth(db, member)
    for method, url, body, status in cases:
        response = client.request(method, url, headers=headers, json=body)
        assert response.status_code == status, (url, response.text)
        assert response.json()["status"] == status
