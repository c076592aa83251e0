"""Reports through the API: previews, issuing (immutable, SHA-256), listing, downloading,
and who may do what (rendering jobs: test_jobs)."""

import base64
import hashlib
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth.models import Role
from app.core.errors import Conflict
from app.reports.models import IssuedReport
from tests.helpers import auth, create_user, create_world
from tests.reports.helpers import Demo, attachment, pdf_text, small_world

API = "/api/v1/reports"


@pytest.fixture
def demo(db: Session) -> Demo:
    return small_world(db)


@pytest.fixture
def director(db: Session, demo: Demo) -> dict[str, str]:
    return auth(db, create_user(db, Role.purchaser_director, demo.municipality))


def follow_up(demo: Demo, **extra: Any) -> dict[str, Any]:
    return {"kind": "follow_up", "board_id": demo.board.id, "period": "2015-T2", **extra}


def test_previews_as_html_and_pdf(client: TestClient, demo: Demo, director: dict[str, str]
                                  ) -> None:
    html = client.get(f"{API}/follow-up", headers=director, params={
        "board_id": demo.board.id, "period": "2015-T2", "language": "sv", "format": "html"})
    assert html.status_code == 200, html.text
    assert html.headers["content-type"].startswith("text/html")
    assert '<html lang="sv">' in html.text and "Uppföljningsrapport" in html.text
    assert "@page" in html.text  # the stylesheet is inline in a preview
    assert 'alt="Utvecklingen av mätaren M1. Mål 2015-T1: 80' in html.text  # Swedish alt text

    pdf = client.get(f"{API}/agreement", headers=director, params={
        "service_agreement_id": demo.agreement.id, "language": "en"})
    assert pdf.status_code == 200, pdf.text
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-")
    assert 'filename="SA1-v1-en.pdf"' in pdf.headers["content-disposition"]
    assert "Ordered services" in pdf_text(pdf.content)


def test_the_api_describes_the_reports(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert {f"{API}/follow-up", f"{API}/agreement", f"{API}/issued", f"{API}/issued/{{report_id}}",
            f"{API}/issued/{{report_id}}/pdf", f"{API}/jobs", f"{API}/jobs/{{job_id}}"} <= set(paths)


def test_bad_requests_name_the_field(client: TestClient, demo: Demo, director: dict[str, str]
                                     ) -> None:
    cases = [
        ("get", f"{API}/follow-up", {"board_id": demo.board.id, "period": "2015-T3"}, "period"),
        ("get", f"{API}/follow-up", {"board_id": demo.board.id, "period": "2015", "x": 1}, "x"),
        ("get", f"{API}/follow-up", {"board_id": demo.board.id, "period": "2015",
                                     "language": "de"}, "language"),
        ("post", f"{API}/issued", {"kind": "follow_up", "board_id": demo.board.id}, "body"),
        ("post", f"{API}/issued", {"kind": "agreement", "period": "2015"}, "body"),
        ("post", f"{API}/jobs", {**follow_up(demo), "period": "2015-13"}, "period"),
    ]
    for method, url, params, field in cases:
        if method == "get":
            response = client.get(url, headers=director, params=params)
        else:
            response = client.post(url, headers=director, json=params)
        assert response.status_code == 422, (url, params, response.text)
        assert response.headers["content-type"] == "application/problem+json"
        assert field in {e["field"] for e in response.json()["errors"]}, response.json()


def test_issuing_twice_gives_two_listed_issues_with_their_sha256(
        client: TestClient, db: Session, demo: Demo, director: dict[str, str]) -> None:
    first = client.post(f"{API}/issued", headers=director, json=follow_up(demo))
    second = client.post(f"{API}/issued", headers=director, json=follow_up(demo))
    assert first.status_code == second.status_code == 201, first.text
    assert first.json()["id"] != second.json()["id"]
    assert first.json()["subject"] == second.json()["subject"] == "2015-T2"
    assert first.json()["issued_by"] == "purchaser_director-109-None"
    assert first.json()["title"] == "Seurantaraportti 2015-T2 – Lasten ja nuorten lautakunta"

    listed = client.get(f"{API}/issued", headers=director,
                        params={"board_id": demo.board.id, "kind": "follow_up"}).json()
    assert listed["total"] == 2
    assert [r["id"] for r in listed["items"]] == [second.json()["id"], first.json()["id"]]
    for record in listed["items"]:
        download = client.get(f"{API}/issued/{record['id']}/pdf", headers=director)
        assert download.status_code == 200
        digest = hashlib.sha256(download.content).hexdigest()
        assert digest == record["sha256"] and len(download.content) == record["size"]
        assert download.headers["etag"] == f'"{digest}"'
        assert download.headers["repr-digest"] == (
            f"sha-256=:{base64.b64encode(bytes.fromhex(digest)).decode()}:")
        assert download.headers["content-disposition"].startswith("attachment;")
        assert attachment(download.content)["period"]["code"] == "2015-T2"
        stored = db.get_one(IssuedReport, record["id"])
        assert hashlib.sha256(stored.pdf).hexdigest() == record["sha256"]

    # An issued report is a public record: no route changes it, nor may the code.
    assert client.delete(f"{API}/issued/{first.json()['id']}", headers=director).status_code == 405
    assert client.patch(f"{API}/issued/{first.json()['id']}", headers=director,
                        json={"title": "x"}).status_code == 405
    report = db.get_one(IssuedReport, first.json()["id"])
    report.title = "Muutettu"
    with pytest.raises(Conflict):
        db.flush()
    db.rollback()

    # The next report's "changes since" compare with the last one issued (2015-T2), not with
    # the period before it in the calendar (the year 2015).
    again = client.post(f"{API}/issued", headers=director,
                        json=follow_up(demo, period="2016-T1", language="en"))
    assert again.status_code == 201
    download = client.get(f"{API}/issued/{again.json()['id']}/pdf", headers=director)
    assert attachment(download.content)["previous_period"]["code"] == "2015-T2"


def test_who_may_issue_and_read(client: TestClient, db: Session, demo: Demo,
                                director: dict[str, str]) -> None:
    issued = client.post(f"{API}/issued", headers=director, json={
        "kind": "agreement", "service_agreement_id": demo.agreement.id, "language": "sv"})
    assert issued.status_code == 201, issued.text
    report_id = issued.json()["id"]

    board_member = auth(db, create_user(db, Role.board_member, demo.municipality,
                                        board_id=demo.board.id))
    refused = client.post(f"{API}/issued", headers=board_member, json=follow_up(demo))
    assert refused.status_code == 403
    assert client.post(f"{API}/jobs", headers=board_member,
                       json=follow_up(demo)).status_code == 403
    listed = client.get(f"{API}/issued", headers=board_member, params={"board_id": demo.board.id})
    assert [r["id"] for r in listed.json()["items"]] == [report_id]
    assert client.get(f"{API}/issued/{report_id}/pdf", headers=board_member).status_code == 200

    other = create_world(db, "837")
    stranger = auth(db, create_user(db, Role.purchaser_director, other["municipality"]))
    assert client.get(f"{API}/issued/{report_id}", headers=stranger).status_code == 404
    assert client.get(f"{API}/issued/{report_id}/pdf", headers=stranger).status_code == 404
    assert client.get(f"{API}/issued", headers=stranger).json()["total"] == 0
    assert client.post(f"{API}/issued", headers=stranger,
                       json=follow_up(demo)).status_code == 404
    assert client.get(f"{API}/follow-up", headers=stranger, params={
        "board_id": demo.board.id, "period": "2015-T2", "format": "html"}).status_code == 404
    assert client.get(f"{API}/issued").status_code == 401


def test_the_issued_record_lists_without_loading_the_pdf(db: Session, demo: Demo) -> None:
    from app.reports import service
    from app.reports.follow_up import follow_up

    data = follow_up(db, create_user(db, Role.admin), demo.board.id, "2015-T1", "fi")
    report = service.store(db, create_user(db, Role.admin, username="a2"), data, b"%PDF-1.7 x", 1)
    db.expire_all()
    loaded = db.scalars(select(IssuedReport).where(IssuedReport.id == report.id)).one()
    assert "pdf" not in loaded.__dict__  # deferred: lists never read the bytes
    assert loaded.sha256 == hashlib.sha256(b"%PDF-1.7 x").hexdigest()


def test_the_preview_names_the_red_measure_on_its_first_page(
        client: TestClient, demo: Demo, director: dict[str, str]) -> None:
    html = client.get(f"{API}/follow-up", headers=director, params={
        "board_id": demo.board.id, "period": "2015-T2", "format": "html"})
    assert html.status_code == 200, html.text
    summary = html.text[html.text.index('id="summary"'):html.text.index('id="measures"')]
    row = summary[summary.index("<b>M1</b>"):]
    row = row[:row.index("</tr>")]
    # The measure 78 % against 80 %, its light and the provider's explanation, on one row.
    assert "78\u00a0%" in row and "80\u00a0%" in row
    assert "Jäljessä tavoitteesta" in row and "Kesä" in row
