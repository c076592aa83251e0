"""The web pages follow the API's access rules, use CSRF tokens, and speak three languages."""

import re

from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlalchemy.orm import Session

from app.agreements.models import AgreementStatus, ServiceAgreement
from app.auth.models import Role
from app.organisations.models import Provider
from tests.helpers import PASSWORD, create, create_user, create_world


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', html)
    assert match, "no CSRF token in the form"
    return match.group(1)


def web_login(client: TestClient, username: str, password: str = PASSWORD) -> None:
    page = client.get("/login")
    response = client.post("/login", data={"username": username, "password": password,
                                           "csrf": csrf_of(page.text)}, follow_redirects=False)
    assert response.status_code == 303, response.text
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie and "Secure" in cookie and "SameSite=lax" in cookie


def test_login_shows_name_role_and_organisation(client: TestClient, db: Session) -> None:
    client.base_url = "https://testserver"  # the session cookie is Secure
    w = create_world(db)
    create_user(db, Role.purchaser_director, w["municipality"], username="tilaaja")
    wrong = client.post("/login", data={"username": "tilaaja", "password": "väärin",
                                         "csrf": csrf_of(client.get("/login").text)})
    assert wrong.status_code == 401 and "Väärä käyttäjätunnus tai salasana" in wrong.text
    web_login(client, "tilaaja")
    home = client.get("/")
    assert "Tilaajajohtaja" in home.text and "Kunta 109" in home.text
    agreements = client.get("/agreements")
    assert "Palvelusopimus" in agreements.text and "Luonnos" in agreements.text


def test_forms_without_the_csrf_token_are_refused(client: TestClient, db: Session) -> None:
    client.base_url = "https://testserver"
    create_user(db, Role.admin, username="root")
    client.get("/login")
    refused = client.post("/login", data={"username": "root", "password": PASSWORD,
                                          "csrf": "forged"})
    assert refused.status_code == 403 and "Lomake on vanhentunut" in refused.text
    web_login(client, "root")
    assert client.post("/logout", data={"csrf": "forged"}).status_code == 403
    assert "Kirjaudu ulos" in client.get("/").text  # still logged in
    logout = client.post("/logout", data={"csrf": csrf_of(client.get("/").text)},
                         follow_redirects=False)
    assert logout.status_code == 303
    assert "Kirjaudu sisään" in client.get("/").text


def test_a_provider_never_sees_another_providers_page(client: TestClient, db: Session) -> None:
    client.base_url = "https://testserver"
    w = create_world(db)
    other = create(db, Provider, municipality_id=w["municipality"].id, code="P2", name="Toinen",
                   kind="association")
    theirs = create(db, ServiceAgreement, code="SA2", framework_agreement_id=w["framework"].id,
                    provider_id=other.id, year=2015, title="Toisen sopimus",
                    board_ids=[w["board"].id])
    create_user(db, Role.provider_reporter, w["municipality"], provider_id=w["provider"].id,
                username="raportoija")
    web_login(client, "raportoija")
    listed = client.get("/agreements").text
    assert "Palvelusopimus" in listed and "Toisen sopimus" not in listed
    guessed = client.get(f"/agreements/{theirs.id}")
    assert guessed.status_code == 404 and "Toisen sopimus" not in guessed.text
    assert client.get(f"/agreements/{w['agreement'].id}").status_code == 200


def test_the_public_sees_approved_agreements_only(client: TestClient, db: Session) -> None:
    w = create_world(db)
    assert "Palvelusopimus" not in client.get("/agreements").text
    assert client.get(f"/agreements/{w['agreement'].id}").status_code == 404
    db.execute(update(ServiceAgreement).values(status=AgreementStatus.approved))
    assert "Palvelusopimus" in client.get("/agreements").text
    assert client.get(f"/agreements/{w['agreement'].id}").status_code == 200


def test_finnish_by_default_swedish_and_english_a_click_away(client: TestClient) -> None:
    client.base_url = "https://testserver"
    assert 'lang="fi"' in client.get("/").text
    for code, words in (("sv", "Logga in"), ("en", "Log in"), ("fi", "Kirjaudu sisään")):
        client.get(f"/lang/{code}?next=/")
        page = client.get("/").text
        assert f'<html lang="{code}">' in page and words in page
    assert client.get("/lang/en?next=https://evil.example/", follow_redirects=False
                      ).headers["location"] == "/"
