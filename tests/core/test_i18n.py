"""The one catalogue (app/locale/{fi,sv,en}/LC_MESSAGES/messages.po): complete in every language,
in step with the code, and the API's problems in the language the client asks for."""

import re
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.agreements.models import AgreementStatus, ResourceKind
from app.auth.models import Role
from app.core.i18n import LANGUAGES, message_keys, po_path, t
from app.core.periods import Frequency
from app.core.settings import get_settings
from app.indicators.models import Direction, ValueStatus
from app.organisations.models import ProviderKind
from app.reports.status import Status
from app.submissions.calendar import DueStatus
from app.submissions.ledger import Action
from tests.helpers import auth, create_municipality, create_user
from tests.web.test_pages import csrf_of

ROOT = Path(__file__).resolve().parents[2]
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def catalogue(lang: str) -> Catalog:
    with po_path(lang).open("rb") as po:
        return read_po(po, locale=lang)


def untranslated(catalog: Catalog) -> list[str]:
    """The msgids without a translation, or only a fuzzy one."""
    return sorted(str(m.id) for m in catalog if m.id and (not m.string or m.fuzzy))


def extracted_keys() -> set[str]:
    """Every message the code and the templates use, as Babel's extractor finds them."""
    with (ROOT / "babel.cfg").open() as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    keywords = {**DEFAULT_KEYWORDS, "t": None, "say": None}
    return {str(found[2]) for found in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=keywords)}


def test_a_message_without_a_translation_is_found() -> None:
    catalog = Catalog(locale="sv")
    catalog.add("login", "Logga in")
    catalog.add("logout", "")
    catalog.add("home", "Hem", flags=["fuzzy"])
    assert untranslated(catalog) == ["home", "logout"]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_message_is_translated(lang: str) -> None:
    catalog = catalogue(lang)
    assert not catalog.fuzzy
    assert untranslated(catalog) == []
    assert {str(m.id) for m in catalog if m.id} == message_keys()


def test_the_catalogue_holds_exactly_the_messages_of_the_code() -> None:
    assert extracted_keys() == message_keys()


def test_a_message_has_the_same_placeholders_in_every_language() -> None:
    texts = {lang: {str(m.id): str(m.string) for m in catalogue(lang) if m.id} for lang in LANGUAGES}
    for key in message_keys():
        names = {lang: set(PLACEHOLDER.findall(texts[lang][key])) for lang in LANGUAGES}
        assert names["sv"] == names["fi"] == names["en"], key
        for lang in LANGUAGES:  # a stray % would fail at run time
            assert t(key, lang, **dict.fromkeys(names[lang], "x")), (key, lang)


@pytest.mark.parametrize(("prefix", "values"), [
    ("status_", AgreementStatus), ("role_", Role), ("due_", DueStatus), ("value_", ValueStatus),
    ("", Status), ("direction_", Direction), ("every_", Frequency),
    ("", ProviderKind), ("", ResourceKind), ("action_", Action),
])
def test_a_value_the_templates_name_has_a_message(prefix: str, values: type) -> None:
    assert {f"{prefix}{v.value}" for v in values} <= message_keys()


def test_the_pages_and_the_reports_share_their_words() -> None:
    assert t("period", "fi") == "Raportointikausi"
    assert t("status", "sv") == "Status"
    assert t("direction_and_tolerance", "fi", direction="suurempi on parempi",
             tolerance="5 %") == "suurempi on parempi, toleranssi 5 %"
    assert t("realised_pct", "fi") == "Toteuma-%"
    assert t("target_of_year", "sv", year=2015) == "Mål 2015"


# --- The API's problems ------------------------------------------------------------------


def test_a_problem_is_in_english_unless_the_client_asks_for_finnish_or_swedish(
        client: TestClient) -> None:
    english = client.get("/api/v1/auth/me")
    assert english.status_code == 401
    assert (english.json()["title"], english.json()["detail"]) == (
        "Not authenticated", "Log in first: send 'Authorization: Bearer <token>'")
    assert english.headers["content-language"] == "en"

    finnish = client.get("/api/v1/auth/me", headers={"Accept-Language": "fi-FI,en;q=0.5"})
    assert (finnish.json()["title"], finnish.json()["detail"]) == (
        "Tunnistautuminen puuttuu", "Kirjaudu ensin: lähetä 'Authorization: Bearer <token>'")
    assert finnish.headers["content-language"] == "fi"

    swedish = client.get("/api/v1/no-such-thing", headers={"Accept-Language": "de, sv;q=0.8"})
    assert swedish.status_code == 404
    assert (swedish.json()["title"], swedish.json()["detail"]) == ("Hittades inte", "Hittades inte")

    german = client.get("/api/v1/no-such-thing", headers={"Accept-Language": "de"})
    assert german.json()["title"] == "Not Found"


def test_a_failed_login_is_told_in_the_clients_language(client: TestClient, db: Session) -> None:
    create_user(db, Role.purchaser_director, create_municipality(db), username="tilaajajohtaja")
    wrong = client.post("/api/v1/auth/token", headers={"Accept-Language": "sv"},
                        data={"username": "tilaajajohtaja", "password": "wrong password!"})
    assert wrong.status_code == 401
    assert (wrong.json()["title"], wrong.json()["detail"]) == (
        "Inte autentiserad", "Fel användarnamn eller lösenord")


def test_the_login_page_tells_of_too_many_attempts_in_the_users_language(
        client: TestClient, db: Session) -> None:
    client.base_url = "https://testserver"  # the login form's cookie is Secure
    create_user(db, Role.purchaser_director, create_municipality(db), username="tilaajajohtaja")
    limit = int(get_settings().login_rate_per_account_and_address.split("/")[0])
    for _ in range(limit + 1):
        page = client.post("/login", data={"username": "tilaajajohtaja", "password": "väärin",
                                           "csrf": csrf_of(client.get("/login").text)})
    assert page.status_code == 429
    assert ("Liian monta epäonnistunutta kirjautumista tälle käyttäjätunnukselle tästä "
            "osoitteesta; yritä uudelleen") in page.text


def test_our_validators_and_pydantics_own_checks_answer_in_the_clients_language(
        client: TestClient, db: Session) -> None:
    director = create_user(db, Role.purchaser_director, create_municipality(db))
    response = client.get("/api/v1/deliveries", params={"period": "2025-13", "provider_id": "x"},
                          headers={**auth(db, director), "Accept-Language": "fi"})
    assert response.status_code == 422
    assert {e["field"]: e["message"] for e in response.json()["errors"]} == {
        "period": "'2025-13': kuukaudet ovat 01–12",
        "provider_id": "anna kokonaisluku",
    }


def test_a_bound_and_a_missing_field_are_told_in_swedish_with_the_bound_named(
        client: TestClient, db: Session) -> None:
    director = create_user(db, Role.purchaser_director, create_municipality(db))
    response = client.post("/api/v1/submissions", json={"period": "2025", "value": "x"},
                           headers={**auth(db, director), "Accept-Language": "sv"})
    assert response.status_code == 422
    assert {e["field"]: e["message"] for e in response.json()["errors"]} == {
        "measure_id": "obligatorisk uppgift saknas", "value": "ange ett tal"}


def test_english_keeps_pydantics_own_words(client: TestClient, db: Session) -> None:
    director = create_user(db, Role.purchaser_director, create_municipality(db))
    response = client.get("/api/v1/deliveries", params={"provider_id": "x"},
                          headers={**auth(db, director), "Accept-Language": "en"})
    assert response.json()["errors"][0]["message"] == (
        "Input should be a valid integer, unable to parse string as an integer")
