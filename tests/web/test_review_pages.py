"""The purchaser's review cards: target and light beside the value, and accepting several values
in one request, all or nothing."""

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.indicators.models import ValueStatus
from app.submissions.models import IndicatorValueRevision
from tests.web.test_pages import csrf_of, post_form, reporting_world, values, web_login


def _reported(client: TestClient, db: Session, reports: dict[str, str]) -> dict[str, Any]:
    """reporting_world (M1, target 80 %) with ``reports`` (period → value) submitted by the
    reporter; the purchaser logged in."""
    client.base_url = "https://testserver"
    w = reporting_world(db)
    web_login(client, "raportoija")
    for period, value in reports.items():
        path = f"/reporting/{w['measure'].id}/{period}"
        assert post_form(client, path, {"value": value, "comment": "Syy"}).status_code == 303
    client.post("/logout", data={"csrf": csrf_of(client.get("/").text)})
    web_login(client, "tilaaja")
    return w


def test_a_card_shows_the_target_and_the_light_beside_the_value(client: TestClient,
                                                                 db: Session) -> None:
    _reported(client, db, {"2015-T1": "70"})
    page = client.get("/purchaser/review").text
    card = " ".join(page[page.index('class="review-item"'):].split())
    assert ('<strong>70 %</strong> <span class="light off_track">Jäljessä tavoitteesta</span></p>'
            ' <p class="muted"><span class="target">Tavoite 80 %</span>') in card


def test_a_card_of_a_value_on_target_is_on_track(client: TestClient, db: Session) -> None:
    _reported(client, db, {"2015-T1": "85"})
    assert '<span class="light on_track">Tavoitteessa</span>' in client.get(
        "/purchaser/review").text


def test_accept_all_shown_accepts_every_value_under_the_reviewers_name(client: TestClient,
                                                                       db: Session) -> None:
    _reported(client, db, {"2015-T1": "81", "2015-T2": "82"})
    ids = [v.id for v in values(db)]
    page = client.get("/purchaser/review").text
    answer = client.post("/purchaser/review/accept", data={
        "csrf": csrf_of(page), "scope": "shown", "shown": [str(i) for i in ids]},
        follow_redirects=False)
    assert answer.status_code == 303
    assert "Hyväksytty 2 arvoa." in client.get(answer.headers["location"]).text
    assert [(v.status, v.reviewed_by) for v in values(db)] == [
        (ValueStatus.accepted, "tilaaja")] * 2
    revisions = db.scalars(select(IndicatorValueRevision.created_by).where(
        IndicatorValueRevision.new_status == ValueStatus.accepted)).all()
    assert sorted(revisions) == ["tilaaja", "tilaaja"]


def test_accept_selected_accepts_only_the_ticked_values(client: TestClient, db: Session) -> None:
    _reported(client, db, {"2015-T1": "81", "2015-T2": "82"})
    first, second = values(db)
    page = client.get("/purchaser/review").text
    client.post("/purchaser/review/accept", data={
        "csrf": csrf_of(page), "scope": "selected", "ids": [str(second.id)],
        "shown": [str(first.id), str(second.id)]})
    assert [v.status for v in values(db)] == [ValueStatus.submitted, ValueStatus.accepted]


def test_a_locked_value_among_the_chosen_accepts_none_of_them(client: TestClient,
                                                              db: Session) -> None:
    _reported(client, db, {"2015-T1": "81", "2015-T2": "82"})
    first, second = values(db)
    page = client.get("/purchaser/review").text
    # 2015-T1 accepted: its due date 15.6.2015 has passed, so it is locked.
    client.post(f"/purchaser/review/{first.id}", data={"csrf": csrf_of(page),
                                                       "decision": "accept"})
    answer = client.post("/purchaser/review/accept", data={
        "csrf": csrf_of(page), "ids": [str(second.id), str(first.id)]})
    assert answer.status_code == 422 and "Mitään ei hyväksytty" in answer.text
    assert [v.status for v in values(db)] == [ValueStatus.accepted, ValueStatus.submitted]


def test_accepting_nothing_chosen_is_a_finnish_422(client: TestClient, db: Session) -> None:
    _reported(client, db, {"2015-T1": "81"})
    page = client.get("/purchaser/review").text
    answer = client.post("/purchaser/review/accept", data={"csrf": csrf_of(page)})
    assert answer.status_code == 422 and "Valitse ainakin yksi arvo" in answer.text


def test_bulk_accept_without_the_form_token_is_refused(client: TestClient, db: Session) -> None:
    _reported(client, db, {"2015-T1": "81"})
    answer = client.post("/purchaser/review/accept", data={
        "csrf": "forged", "scope": "shown", "shown": [str(values(db)[0].id)]})
    assert answer.status_code == 403 and values(db)[0].status == ValueStatus.submitted


def test_another_municipalitys_value_in_a_bulk_accept_is_a_404(client: TestClient,
                                                               db: Session) -> None:
    _reported(client, db, {"2015-T1": "81"})
    page = client.get("/purchaser/review").text
    answer = client.post("/purchaser/review/accept", data={
        "csrf": csrf_of(page), "ids": [str(values(db)[0].id), "999999"]})
    assert answer.status_code == 404 and values(db)[0].status == ValueStatus.submitted
