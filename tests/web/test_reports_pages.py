"""Issued reports on the web: the purchaser issues, everyone downloads, nothing on bad input."""

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.auth.models import Role
from app.reports.models import IssuedReport
from tests.helpers import create_user
from tests.reports.helpers import small_world
from tests.web.test_pages import csrf_of, web_login


def test_purchaser_issues_and_the_public_downloads(client: TestClient, db: Session) -> None:
    client.base_url = "https://testserver"
    demo = small_world(db)
    create_user(db, Role.purchaser_director, demo.municipality, username="johtaja")
    web_login(client, "johtaja")
    page = client.get("/reports")
    assert "Julkaise seurantaraportti" in page.text
    bad = client.post("/reports/issue", data={"csrf": csrf_of(page.text), "board_id":
                                              demo.board.id, "period": "2015-T9",
                                              "language": "fi"})
    assert bad.status_code == 422 and "2015-T9" in bad.text
    assert db.scalar(select(func.count()).select_from(IssuedReport)) == 0
    issued = client.post("/reports/issue", data={"csrf": csrf_of(page.text), "board_id":
                                                 demo.board.id, "period": "2015-T2",
                                                 "language": "sv"}, follow_redirects=False)
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
                                                  "language": "fi"})
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
