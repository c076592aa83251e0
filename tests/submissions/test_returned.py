"""A value returned for correction: back on the provider's due list with the reason, overdue
once its due date has passed, not counted in the reports until it is submitted again."""

from decimal import Decimal
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.indicators.models import IndicatorValue, ValueStatus
from app.reports import render
from app.reports.follow_up import follow_up
from app.reports.follow_up_data import MeasureEntry
from tests.helpers import if_match
from tests.submissions.helpers import csv_bytes, submission_world, submit, upload

DUE = "/api/v1/submissions/due"
REASON = "Luku näyttää sisältävän helmikuun käynnit"


def returned_world(client: TestClient, db: Session) -> dict[str, Any]:
    """submission_world with January's 1 300 visits submitted and returned with REASON
    (January 2015 was due on 15.3.2015: long ago)."""
    w = submission_world(db)
    sent = submit(client, w["hr"], w["visits"], "2015-01", "1300")
    assert sent.status_code == 201, sent.text
    w["value_id"] = sent.json()["indicator_value"]["id"]
    returned = review(client, w, "return", REASON)
    assert returned.status_code == 200, returned.text
    return w


def review(client: TestClient, w: dict[str, Any], decision: str, reason: str | None = None
           ) -> Any:
    body = {"decision": decision, **({"reason": reason} if reason else {})}
    return client.post(f"/api/v1/indicator-values/{w['value_id']}/review", headers=w["hp"],
                       json=body)


def visits_in_report(db: Session, w: dict[str, Any]) -> MeasureEntry:
    data = follow_up(db, w["purchaser"], w["board"].id, "2015-01", "fi")
    return next(m for s in data.perspectives for a in s.agreements for g in a.goals
                for m in g.measures if m.id == w["visits"].id)


def test_a_returned_value_is_on_the_providers_due_list_with_its_reason(
    client: TestClient, db: Session
) -> None:
    w = returned_world(client, db)
    listed = client.get(DUE, headers=w["hr"], params={"status": "returned"}).json()["items"]
    assert [(i["period"], i["return_reason"]) for i in listed] == [("2015-01", REASON)]


def test_the_overdue_list_has_a_value_returned_after_its_due_date(
    client: TestClient, db: Session
) -> None:
    w = returned_world(client, db)
    overdue = client.get(f"/api/v1/boards/{w['board'].id}/overdue", headers=w["hp"]).json()
    january = [(i["status"], i["return_reason"]) for i in overdue["items"]
               if i["period"] == "2015-01"]
    assert january == [("returned", REASON)]


def test_a_returned_value_is_missing_from_the_report_with_the_reason_why(
    client: TestClient, db: Session
) -> None:
    w = returned_world(client, db)
    visits = visits_in_report(db, w)
    assert (visits.status, visits.value, visits.returned) == ("no_value", None, ["2015-01"])
    data = follow_up(db, w["purchaser"], w["board"].id, "2015-01", "fi")
    missing = [(m.code, m.returned) for p in data.no_value for m in p.measures]
    assert missing == [("KAYNNIT", ["2015-01"]), ("M1", [])]


def test_the_reports_chapter_of_missing_values_names_the_returned_period(
    client: TestClient, db: Session
) -> None:
    w = returned_world(client, db)
    data = follow_up(db, w["purchaser"], w["board"].id, "2015-01", "fi")
    html = render.render_html(data, with_charts=False)
    chapter = html[html.index('id="no-value"'):]
    assert "KAYNNIT: Mittari KAYNNIT<br><span class=\"small\">Palautettu korjattavaksi: 2015-01" \
        in chapter


def test_a_corrected_value_counts_again_once_accepted(client: TestClient, db: Session) -> None:
    w = returned_world(client, db)
    corrected = submit(client, w["hr"], w["visits"], "2015-01", "1250",
                       reason="Helmikuun käynnit poistettu")
    assert corrected.json()["indicator_value"]["status"] == "submitted"
    assert review(client, w, "accept").json()["status"] == "accepted"
    visits = visits_in_report(db, w)
    assert (visits.value, visits.returned) == (Decimal(1250), [])


def test_a_returned_value_sent_again_unchanged_goes_back_to_review_with_a_reason(
    client: TestClient, db: Session
) -> None:
    w = returned_world(client, db)
    no_reason = submit(client, w["hr"], w["visits"], "2015-01", "1300")
    assert no_reason.status_code == 422
    assert [e["field"] for e in no_reason.json()["errors"]] == ["reason"]
    again = submit(client, w["hr"], w["visits"], "2015-01", "1300",
                   reason="Tarkistettu: luku on oikein")
    assert (again.status_code, again.json()["indicator_value"]["status"]) == (200, "submitted")


def test_a_files_unchanged_row_leaves_a_returned_value_returned(
    client: TestClient, db: Session
) -> None:
    w = returned_world(client, db)
    stored = upload(client, w["hr"], csv_bytes([["measure_code", "period", "value"],
                                                ["KAYNNIT", "2015-01", "1300"]]))
    assert stored.json()["unchanged"] == 1, stored.text
    db.expire_all()
    assert db.get_one(IndicatorValue, w["value_id"]).status == ValueStatus.returned


def test_a_returned_value_patched_as_it_was_goes_back_to_review(
    client: TestClient, db: Session
) -> None:
    w = returned_world(client, db)
    path = f"/api/v1/indicator-values/{w['value_id']}"
    patched = client.patch(path, headers=if_match(client, w["hr"], path),
                           json={"value": "1300", "reason": "Tarkistettu: luku on oikein"})
    assert patched.json()["status"] == "submitted", patched.text
