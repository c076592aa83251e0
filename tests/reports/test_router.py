"""Reports through the API: previews, issuing (immutable, SHA-256), listing, downloading,
rendering jobs polled to completion, and who may do what."""

import base64
import hashlib
from collections.abc import Iterator
from contextlib import nullcontext
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.auth.models import Role
from app.core.db import utcnow
from app.core.errors import Conflict
from app.main import app
from app.reports import jobs, render
from app.reports import router as reports_router
from app.reports.models import IssuedReport, RenderJob
from tests.helpers import auth, create_user, create_world
from tests.reports.helpers import Demo, attachment, pdf_text, small_world

API = "/api/v1/reports"


@pytest.fixture
def demo(db: Session) -> Demo:
    return small_world(db)


@pytest.fixture
def director(db: Session, demo: Demo) -> dict[str, str]:
    return auth(db, create_user(db, Role.purchaser_director, demo.municipality))


@pytest.fixture
def jobs_in_test_session(client: TestClient, db: Session) -> Iterator[None]:
    """Background jobs use the test's session (the client fixture clears the override)."""
    app.dependency_overrides[jobs.get_session_factory] = lambda: (lambda: nullcontext(db))
    yield


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
    assert 'alt="Utvecklingen av mätaren M1. Mål 2015: 80' in html.text  # Swedish alt text

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


def test_a_large_report_renders_as_a_job_polled_to_completion(
        client: TestClient, db: Session, demo: Demo, director: dict[str, str],
        jobs_in_test_session: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reports_router, "SYNC_MEASURE_LIMIT", 0)  # the board has one measure
    too_large = client.post(f"{API}/issued", headers=director, json=follow_up(demo))
    assert too_large.status_code == 422
    assert too_large.json()["jobs"] == f"{API}/jobs"

    started = client.post(f"{API}/jobs", headers=director, json=follow_up(demo, language="sv"))
    assert started.status_code == 202, started.text
    location = started.headers["location"]
    assert location == f"{API}/jobs/{started.json()['id']}"
    assert started.json()["status"] == "queued"

    polled = []
    for _ in range(100):  # the background task has run when the client returned
        job = client.get(location, headers=director).json()
        polled.append(job["status"])
        if job["status"] in {"done", "failed"}:
            break
    assert job["status"] == "done", job
    assert job["progress"] == 100 and job["error"] is None
    download = client.get(f"{API}/issued/{job['issued_report_id']}/pdf", headers=director)
    assert download.status_code == 200
    assert "Uppföljningsrapport" in pdf_text(download.content)
    listed = client.get(f"{API}/issued", headers=director, params={"board_id": demo.board.id})
    assert [r["id"] for r in listed.json()["items"]] == [job["issued_report_id"]]


def test_a_failed_job_says_so(client: TestClient, demo: Demo, director: dict[str, str],
                              jobs_in_test_session: None, monkeypatch: pytest.MonkeyPatch
                              ) -> None:
    def broken(*_: Any, **__: Any) -> Any:
        raise render.RenderFailed("The rendering process ended without a result (exit code -9)")

    monkeypatch.setattr(render, "render_in_child", broken)
    started = client.post(f"{API}/jobs", headers=director, json=follow_up(demo))
    job = client.get(started.headers["location"], headers=director).json()
    assert job["status"] == "failed" and job["issued_report_id"] is None
    assert "could not be rendered" in job["error"]
    assert client.get(f"{API}/issued", headers=director).json()["total"] == 0


def test_a_job_the_server_stopped_working_on_ends_as_failed(
        client: TestClient, db: Session, demo: Demo, director: dict[str, str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(jobs, "run", lambda *_: None)  # the server stops before it runs
    location = client.post(f"{API}/jobs", headers=director,
                           json=follow_up(demo)).headers["location"]
    assert client.get(location, headers=director).json()["status"] == "queued"
    table = RenderJob.__table__
    db.execute(update(table).values(updated_at=utcnow() - jobs.ABANDONED - timedelta(minutes=1)))
    job = client.get(location, headers=director).json()
    assert (job["status"], job["issued_report_id"]) == ("failed", None)
    assert "interrupted" in job["error"] and "Start it again" in job["error"]


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
