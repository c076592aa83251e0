"""The upload page: a previewed file is stored without choosing it again, and every word of it
(bad rows, the history, the template's headers, the labels) is in the user's language."""

import io
import re
from datetime import timedelta
from typing import Any

import openpyxl
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from app.auth.models import Role
from app.core.db import utcnow
from app.submissions.models import StagedUpload
from tests.helpers import create_user
from tests.web.test_pages import csrf_of, reporting_world, values, web_login

GOOD = "measure_code;period;value\nM1;2015-T1;81\nM1;2015-T2;82\n"


def _reporter(client: TestClient, db: Session) -> dict[str, Any]:
    client.base_url = "https://testserver"
    w = reporting_world(db)
    web_login(client, "raportoija")
    return w


def _post(client: TestClient, data: dict[str, str], text: str | None = None,
          name: str = "toteumat.csv") -> Any:
    files = {"file": (name, text.encode(), "text/csv")} if text is not None else None
    return client.post("/reporting/upload", files=files, follow_redirects=False, data={
        "csrf": csrf_of(client.get("/reporting/upload").text), **data})


def _token(page: str) -> str:
    found = re.search(r'name="token" value="([^"]+)"', page)
    assert found, "the preview offers its store form"
    return found[1]


def test_a_previewed_file_is_stored_without_choosing_it_again(client: TestClient,
                                                               db: Session) -> None:
    _reporter(client, db)
    preview = _post(client, {"action": "preview"}, GOOD)
    assert values(db) == []
    stored = _post(client, {"action": "store", "token": _token(preview.text)})
    assert stored.status_code == 303
    assert [(v.period, v.value) for v in values(db)] == [("2015-T1", 81), ("2015-T2", 82)]


def test_a_preview_is_kept_in_the_database_and_removed_once_stored(client: TestClient,
                                                                   db: Session) -> None:
    """Any API process, on any machine, can store what another one previewed."""
    _reporter(client, db)
    token = _token(_post(client, {"action": "preview"}, GOOD).text)
    assert db.scalars(select(StagedUpload.filename)).all() == ["toteumat.csv"]
    _post(client, {"action": "store", "token": token})
    assert db.scalar(select(func.count()).select_from(StagedUpload)) == 0


def test_a_new_preview_replaces_the_users_earlier_one(client: TestClient, db: Session) -> None:
    _reporter(client, db)
    first = _token(_post(client, {"action": "preview"}, GOOD).text)
    _post(client, {"action": "preview"}, GOOD, name="toinen.csv")
    assert db.scalars(select(StagedUpload.filename)).all() == ["toinen.csv"]
    assert _post(client, {"action": "store", "token": first}).status_code == 422


def test_a_preview_older_than_half_an_hour_is_not_stored(client: TestClient, db: Session) -> None:
    _reporter(client, db)
    token = _token(_post(client, {"action": "preview"}, GOOD).text)
    db.execute(update(StagedUpload).values(created_at=utcnow() - timedelta(minutes=31)))
    answer = _post(client, {"action": "store", "token": token})
    assert answer.status_code == 422 and values(db) == []


def test_a_stored_preview_cannot_be_stored_twice(client: TestClient, db: Session) -> None:
    _reporter(client, db)
    token = _token(_post(client, {"action": "preview"}, GOOD).text)
    _post(client, {"action": "store", "token": token})
    again = _post(client, {"action": "store", "token": token})
    assert again.status_code == 422 and "Valitse tiedosto uudelleen" in again.text


def test_another_users_preview_token_opens_nothing(client: TestClient, db: Session) -> None:
    w = _reporter(client, db)
    token = _token(_post(client, {"action": "preview"}, GOOD).text)
    create_user(db, Role.provider_reporter, w["municipality"], provider_id=w["provider"].id,
                username="toinen")
    client.post("/logout", data={"csrf": csrf_of(client.get("/").text)})
    web_login(client, "toinen")
    answer = _post(client, {"action": "store", "token": token})
    assert answer.status_code == 422 and values(db) == []


def test_an_upload_without_a_file_is_a_finnish_422_page(client: TestClient, db: Session) -> None:
    _reporter(client, db)
    answer = _post(client, {"action": "store"})
    assert answer.status_code == 422 and "Valitse tiedosto." in answer.text


def test_bad_rows_are_explained_in_finnish(client: TestClient, db: Session) -> None:
    _reporter(client, db)
    bad = _post(client, {"action": "store"},
                "measure_code;period;value\nM1;2015-T2;12,3x\nM9;2015;1\nM1;2015-T9;1\n")
    assert "<td>”12,3x” ei ole luku</td>" in bad.text
    assert "<td>palveluntuottajallanne ei ole mittaria M9</td>" in bad.text
    assert "<td>”2015-T9” ei ole raportointikausi" in bad.text


def test_bad_rows_are_explained_in_swedish(client: TestClient, db: Session) -> None:
    _reporter(client, db)
    client.get("/lang/sv")
    bad = _post(client, {"action": "store"}, "measure_code;period;value\nM1;2015-T2;150\n")
    assert "150 är större än det största tillåtna värdet 100 %" in bad.text


def test_the_history_names_the_upload_in_finnish(client: TestClient, db: Session) -> None:
    w = _reporter(client, db)
    _post(client, {"action": "store"}, GOOD)
    _post(client, {"action": "store"}, "measure_code;period;value\nM1;2015-T1;83\n", "hyvä.csv")
    page = client.get(f"/reporting/{w['measure'].id}/2015-T1").text
    assert "tiedoston lataus hyvä.csv, rivi 2" in page


def _headers(content: bytes) -> list[Any]:
    sheet = openpyxl.load_workbook(io.BytesIO(content)).worksheets[0]  # the values' sheet
    return [c.value for c in sheet[1]][:4]


def test_the_template_has_finnish_headers(client: TestClient, db: Session) -> None:
    _reporter(client, db)
    content = client.get("/reporting/template.xlsx").content
    assert _headers(content) == ["Sopimus", "Tavoite", "Mittarin tunnus", "Mittarin nimi"]


def test_the_swedish_template_comes_back_as_an_upload(client: TestClient, db: Session) -> None:
    _reporter(client, db)
    client.get("/lang/sv")
    content = client.get("/reporting/template.xlsx").content
    assert _headers(content) == ["Avtal", "Mål", "Mätarens kod", "Mätarens namn"]
    stored = _post(client, {"action": "store"}, "Mätarens kod;Period;Utfall\nM1;2015-T1;81\n")
    assert stored.status_code == 303 and values(db)[0].value == 81


def test_upload_and_template_download_are_two_words(client: TestClient, db: Session) -> None:
    _reporter(client, db)
    page = client.get("/reporting/upload").text
    assert "<h1>Lähetä tiedosto</h1>" in page
    assert '<a href="/reporting/template.xlsx">Lataa Excel-pohja</a>' in page
