"""Issued reports on the web: the purchaser issues, everyone downloads, nothing on bad input."""

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.auth.models import Role
from app.reports.models import IssuedReport
from tests.helpers import create_user
from tests.reports.helpers import Demo, small_world
from tests.web.test_pages import csrf_of, web_login


def test_purchaser_issues_and_the_public_downloads(client: TestClient, db: Session) -> None:
    client.base_url = "https://testserver"
    demo = small_world(db)
    create_user(db, Role.purchaser_director, demo.municipality, username="johtaja")
    web_login(client, "johtaja")
    page = client.get("/reports")
    assert "Julkaise seurantaraportti" in page.text
    assert '<option value="2015-T2" >2015-T2</option>' in page.text  # a list, not free text
    bad = client.post("/reports/issue", data={"csrf": csrf_of(page.text), "board_id":
                                              demo.board.id, "period": "2015-T9",
                                              "language": "fi", "confirm": "1"})
    assert bad.status_code == 422 and "Kausi 2015-T9 ei ole lautakunnan" in bad.text
    assert db.scalar(select(func.count()).select_from(IssuedReport)) == 0
    issued = client.post("/reports/issue", data={"csrf": csrf_of(page.text), "board_id":
                                                 demo.board.id, "period": "2015-T2",
                                                 "language": "sv", "confirm": "1"},
                         follow_redirects=False)
    assert issued.status_code == 303, issued.text
    report = db.scalar(select(IssuedReport))
    assert report is not None and report.language.value == "sv"

    client.cookies.clear()  # the public
    listed = client.get("/reports")
    assert "Uppföljningsrapport" in listed.text and "Julkaise" not in listed.text
    pdf = client.get(f"/reports/{report.id}.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert client.get("/reports/999999.pdf").status_code == 404


def test_a_reporter_may_not_issue(client: TestClient, db: Session) -> None:
    client.base_url = "https://testserver"
    demo = small_world(db)
    provider = db.get(type(demo.agreement), demo.agreement.id).provider_id
    create_user(db, Role.provider_reporter, demo.municipality, provider_id=provider,
                username="raportoija")
    web_login(client, "raportoija")
    page = client.get("/reports")
    assert "Julkaise seurantaraportti" not in page.text
    refused = client.post("/reports/issue", data={"csrf": csrf_of(page.text), "board_id":
                                                  demo.board.id, "period": "2015-T2",
                                                  "language": "fi", "confirm": "1"})
    assert refused.status_code == 403
    assert db.scalar(select(func.count()).select_from(IssuedReport)) == 0


def test_a_purchaser_manager_is_not_offered_a_form_he_may_not_send(
        client: TestClient, db: Session) -> None:
    client.base_url = "https://testserver"
    demo = small_world(db)
    create_user(db, Role.purchaser_manager, demo.municipality, username="paallikko")
    web_login(client, "paallikko")
    page = client.get("/reports")
    assert page.status_code == 200 and "Julkaise seurantaraportti" not in page.text
    assert 'href="/purchaser"' in page.text  # still the purchaser's navigation


def _issuer(client: TestClient, db: Session) -> Demo:
    client.base_url = "https://testserver"
    demo = small_world(db)  # a draft agreement, two values waiting for review
    create_user(db, Role.purchaser_director, demo.municipality, username="johtaja")
    web_login(client, "johtaja")
    return demo


def _reports(db: Session) -> int:
    return db.scalar(select(func.count()).select_from(IssuedReport)) or 0


def test_issuing_without_the_confirmation_shows_the_preview(client: TestClient,
                                                            db: Session) -> None:
    demo = _issuer(client, db)
    answer = client.post("/reports/issue", data={
        "csrf": csrf_of(client.get("/reports").text), "board_id": demo.board.id,
        "period": "2015-T2", "language": "fi"}, follow_redirects=False)
    assert answer.status_code == 303 and _reports(db) == 0
    assert answer.headers["location"] == (
        f"/reports/preview?board_id={demo.board.id}&period=2015-T2&language=fi")


def test_the_preview_warns_of_unreviewed_values_and_draft_agreements(client: TestClient,
                                                                    db: Session) -> None:
    demo = _issuer(client, db)
    page = client.get(f"/reports/preview?board_id={demo.board.id}&period=2015-T2&language=fi")
    assert page.status_code == 200 and _reports(db) == 0
    assert "Tarkastamattomat arvot (2)" in page.text
    assert "Sopimukset, jotka ovat vielä luonnoksia (1)" in page.text
    assert "Puuttuvat arvot" not in page.text


def test_the_year_s_preview_lists_the_missing_value(client: TestClient, db: Session) -> None:
    demo = _issuer(client, db)
    page = client.get(f"/reports/preview?board_id={demo.board.id}&period=2015&language=fi")
    assert "Puuttuvat arvot (1)" in page.text and "M1 Mittari · 2015</li>" in page.text


def test_a_period_outside_the_list_is_a_finnish_422(client: TestClient, db: Session) -> None:
    demo = _issuer(client, db)
    page = client.get(f"/reports/preview?board_id={demo.board.id}&period=2016-T1&language=fi")
    assert page.status_code == 422
    assert "Kausi 2016-T1 ei ole lautakunnan LANULA seurantakausi" in page.text


def test_the_confirmed_preview_issues_the_report(client: TestClient, db: Session) -> None:
    demo = _issuer(client, db)
    page = client.get(f"/reports/preview?board_id={demo.board.id}&period=2015-T2&language=fi")
    issued = client.post("/reports/issue", data={
        "csrf": csrf_of(page.text), "board_id": demo.board.id, "period": "2015-T2",
        "language": "fi", "confirm": "1"}, follow_redirects=False)
    assert issued.status_code == 303 and _reports(db) == 1


def test_the_preview_pdf_is_not_kept(client: TestClient, db: Session) -> None:
    demo = _issuer(client, db)
    pdf = client.get(f"/reports/preview/report.pdf?board_id={demo.board.id}&period=2015-T2"
                     "&language=fi")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF") and _reports(db) == 0
