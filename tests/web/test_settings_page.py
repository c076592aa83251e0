"""The user's own settings page: reminders by e-mail on or off and their language."""

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.auth.models import User
from tests.submissions.helpers import submission_world
from tests.web.test_pages import csrf_of, web_login


def test_a_reporter_turns_his_reminders_off_on_his_settings_page(client: TestClient,
                                                                 db: Session) -> None:
    client.base_url = "https://testserver"  # the session cookie is Secure
    w = submission_world(db)
    web_login(client, w["reporter"].username)
    assert 'href="/settings"' in client.get("/").text  # reached from every page's header
    page = client.get("/settings")
    assert page.status_code == 200
    assert 'name="reminders" type="checkbox" value="on" aria-describedby="reminders-hint" checked' \
        in page.text
    assert "Sinulla ei ole sähköpostiosoitetta" in page.text
    forged = client.post("/settings", data={"csrf": "forged", "language": "sv"})
    assert forged.status_code == 403
    saved = client.post("/settings", data={"csrf": csrf_of(page.text), "language": "sv"},
                        follow_redirects=False)  # the checkbox unticked: not sent
    assert saved.status_code == 303 and saved.headers["location"] == "/settings?saved=true"
    after = client.get("/settings?saved=true")
    assert "Asetukset tallennettu." in after.text
    assert 'value="sv" selected' in after.text and " checked" not in after.text
    db.expire_all()
    reporter = db.get_one(User, w["reporter"].id)
    assert (reporter.reminders, reporter.language) == (False, "sv")
    client.post("/settings", data={"csrf": csrf_of(after.text), "language": "fi",
                                   "reminders": "on"})
    db.expire_all()
    assert db.get_one(User, w["reporter"].id).reminders is True


def test_a_bad_language_changes_nothing(client: TestClient, db: Session) -> None:
    client.base_url = "https://testserver"
    w = submission_world(db)
    web_login(client, w["purchaser"].username)
    page = client.get("/settings")
    assert "arvoista, joiden eräpäivä on mennyt" in page.text  # a purchaser's reminders
    bad = client.post("/settings", data={"csrf": csrf_of(page.text), "language": "de"})
    assert bad.status_code == 422
    db.expire_all()
    assert db.get_one(User, w["purchaser"].id).reminders is True


def test_a_board_member_is_told_he_gets_no_reminders(client: TestClient, db: Session) -> None:
    client.base_url = "https://testserver"
    w = submission_world(db)
    web_login(client, w["member"].username)
    page = client.get("/settings")
    assert "Roolisi käyttäjät eivät saa muistutuksia" in page.text
    assert 'type="checkbox"' not in page.text
