"""The web upload: the reporter's role before the file is read, the parse off the event loop,
and a bounded body."""


import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.core.limits import DEFAULT_BODY_LIMIT
from app.submissions import bulk, files
from tests.helpers import record_loop_use
from tests.web.test_pages import csrf_of, reporting_world, web_login

GOOD = b"measure_code;period;value\nM1;2015-T1;81\n"


def test_the_upload_parses_off_the_event_loop(client: TestClient, db: Session,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    client.base_url = "https://testserver"
    reporting_world(db)
    web_login(client, "raportoija")
    loops = record_loop_use(monkeypatch, bulk, "read_table")
    token = csrf_of(client.get("/reporting/upload").text)
    response = client.post("/reporting/upload", data={"csrf": token, "action": "preview"},
                           files={"file": ("toteumat.csv", GOOD, "text/csv")})
    assert response.status_code == 200
    assert loops == [False]


def test_a_purchaser_is_refused_before_the_file_is_read(client: TestClient, db: Session) -> None:
    client.base_url = "https://testserver"
    reporting_world(db)
    web_login(client, "tilaaja")
    # A form without its CSRF field: read first, it would be refused as malformed (422).
    response = client.post("/reporting/upload", files={"file": ("x.csv", GOOD, "text/csv")})
    assert response.status_code == 403


def test_an_oversize_upload_page_post_answers_413(client: TestClient, db: Session) -> None:
    client.base_url = "https://testserver"
    reporting_world(db)
    web_login(client, "raportoija")
    token = csrf_of(client.get("/reporting/upload").text)
    response = client.post("/reporting/upload", data={"csrf": token, "action": "preview"},
                           files={"file": ("x.csv", b"a" * (files.MAX_BYTES + 128 * 1024))})
    assert response.status_code == 413
    login = client.post("/login", data={"username": "x" * DEFAULT_BODY_LIMIT, "csrf": token})
    assert login.status_code == 413
