"""Tokens, passwords, two-factor login, rate limits, headers and the access log."""

import base64
import json
from datetime import UTC, datetime, timedelta

import pyotp
from fastapi.testclient import TestClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.agreements.models import ServiceAgreement
from app.auth.access import flush
from app.auth.models import AccessLogEntry, ApiToken, AuthSession, Role
from app.core.settings import get_settings
from app.indicators.models import IndicatorValue, Measure
from app.main import app
from app.organisations.models import Provider
from tests.helpers import PASSWORD, auth, create, create_municipality, create_user, create_world


def login(client: TestClient, username: str, password: str = PASSWORD, **extra: str) -> object:
    return client.post("/api/v1/auth/token",
                       data={"username": username, "password": password, **extra})


def _jwt(header: dict, payload: dict, signature: bytes = b"") -> str:
    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()
    return ".".join([b64(json.dumps(header).encode()), b64(json.dumps(payload).encode()),
                     b64(signature)])


def test_forged_and_expired_tokens_get_401(client: TestClient, db: Session) -> None:
    w = create_world(db)
    user = create_user(db, Role.admin, w["municipality"], username="paakayttaja")
    claims = {"sub": "paakayttaja", "exp": 4102444800}
    forged = [
        _jwt({"alg": "none", "typ": "JWT"}, claims),
        _jwt({"alg": "HS256", "typ": "JWT"}, claims, b"wrong signature"),
        "sop_" + "A" * 43,  # a made-up API token
        "",
    ]
    for token in forged:
        response = client.get("/api/v1/indicator-values",
                              headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401, token
    headers = auth(db, user)
    db.execute(update(AuthSession).values(expires_at=datetime.now(UTC) - timedelta(seconds=1)))
    assert client.get("/api/v1/auth/me", headers=headers).status_code == 401


def test_a_provider_reaches_nothing_of_another_provider(client: TestClient, db: Session) -> None:
    w = create_world(db)
    other = create(db, Provider, municipality_id=w["municipality"].id, code="P2", name="Toinen",
                   kind="association")
    theirs = create(db, Measure, goal_id=w["goal"].id, provider_id=other.id, code="M2",
                    name="Toisen mittari", unit="kpl", direction="higher_is_better",
                    frequency="tertial")
    value = create(db, IndicatorValue, measure_id=theirs.id, period="2015-T1", value=3,
                   comment="Toisen kommentti")
    mine = auth(db, create_user(db, Role.provider_reporter, w["municipality"],
                                provider_id=w["provider"].id))
    assert client.get(f"/api/v1/indicator-values/{value.id}", headers=mine).status_code == 404
    assert client.patch(f"/api/v1/indicator-values/{value.id}", headers=mine,
                        json={"comment": "muutettu"}).status_code == 404
    assert client.post("/api/v1/indicator-values", headers=mine, json={
        "measure_id": theirs.id, "period": "2015-T2", "value": "1"}).status_code == 422
    listed = client.get("/api/v1/indicator-values", headers=mine).json()
    assert value.id not in {v["id"] for v in listed["items"]}
    assert client.get(f"/api/v1/providers/{other.id}", headers=mine).status_code == 200  # public
    their_agreement = create(db, ServiceAgreement, code="SA2", framework_agreement_id=w[
        "framework"].id, provider_id=other.id, year=2015, title="Toisen sopimus",
        board_ids=[w["board"].id])
    assert client.get(f"/api/v1/service-agreements/{their_agreement.id}",
                      headers=mine).status_code == 404
    # a reporter changes no agreement at all: the route's declaration refuses him (403)
    # whatever the id, so the answer tells nothing of the other provider's agreement
    assert client.patch(f"/api/v1/service-agreements/{their_agreement.id}", headers=mine,
                        json={"title": "muutettu"}).status_code == 403
    db.refresh(value)
    assert value.comment == "Toisen kommentti"


def test_passwords_common_refused_long_accepted(client: TestClient, db: Session) -> None:
    m = create_municipality(db)
    admin = auth(db, create_user(db, Role.admin, m, username="kunta-admin"))
    body = {"username": "uusi", "full_name": "Uusi Käyttäjä", "role": "purchaser_manager"}
    for weak in ("password1234", "qwertyuiop12", "salasana1234"):
        response = client.post("/api/v1/auth/users", headers=admin, json={**body,
                                                                          "password": weak})
        assert response.status_code == 422, weak
        assert weak not in response.text  # never echoed
    long_password = "pitkä salasana, jota ei katkaista " * 4  # 136 characters
    created = client.post("/api/v1/auth/users", headers=admin,
                          json={**body, "password": long_password})
    assert created.status_code == 201, created.text
    assert created.json()["municipality_id"] == m.id
    assert login(client, "uusi", long_password).status_code == 200
    assert login(client, "uusi", long_password[:72]).status_code == 401  # nothing truncated


def test_a_board_member_is_created_with_his_board(client: TestClient, db: Session) -> None:
    w = create_world(db)
    admin = auth(db, create_user(db, Role.admin, w["municipality"], username="kunta-admin"))
    body = {"username": "jasen", "full_name": "Lautakunnan Jäsen", "role": "board_member",
            "password": "lautakunnan jäsenen salasana"}
    without = client.post("/api/v1/auth/users", headers=admin, json=body)
    assert without.status_code == 422
    assert without.json()["errors"][0]["field"] == "board_id"
    created = client.post("/api/v1/auth/users", headers=admin,
                          json={**body, "board_id": w["board"].id})
    assert created.status_code == 201, created.text
    assert created.json()["board_id"] == w["board"].id


def test_a_user_logs_in_at_his_address_while_another_address_guesses_his_password(
    client: TestClient, db: Session
) -> None:
    create_user(db, Role.admin, username="kohde")
    attacker = TestClient(app, client=("203.0.113.9", 40000), raise_server_exceptions=False)
    guesses = [login(attacker, "kohde", "väärä salasana") for _ in range(50)]
    per_pair = int(get_settings().login_rate_per_account_and_address.split("/")[0])
    assert [r.status_code for r in guesses[:per_pair]] == [401] * per_pair
    refused = guesses[-1]
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert refused.json()["retry_after"] == int(refused.headers["Retry-After"])
    assert login(client, "kohde").status_code == 200  # from his own address


def test_guessing_from_many_addresses_reaches_the_account_cap_which_admins_see(
    client: TestClient, db: Session
) -> None:
    m = create_municipality(db)
    create_user(db, Role.purchaser_manager, m, username="kohde")
    admin = auth(db, create_user(db, Role.admin, m, username="kunta-admin"))
    cap = int(get_settings().login_rate_per_account.split("/")[0])
    per_pair = int(get_settings().login_rate_per_account_and_address.split("/")[0])
    statuses = []
    for n in range(cap // per_pair):
        botnet = TestClient(app, client=(f"198.51.100.{n}", 40000), raise_server_exceptions=False)
        statuses += [login(botnet, "kohde", "väärä salasana").status_code
                     for _ in range(per_pair)]
    assert statuses == [401] * cap
    refused = login(client, "kohde")  # now even the right password, for a while
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 60  # the cap's window is an hour
    flush()
    seen = client.get("/api/v1/auth/access-log", headers=admin, params={"outcome": 429})
    assert [(e["username"], e["action"], e["target"]) for e in seen.json()["items"]] == [
        ("kohde", "login", "kohde (login_rate_per_account)")]


def test_two_factor_login(client: TestClient, db: Session) -> None:
    user = create_user(db, Role.purchaser_director, create_municipality(db), username="johtaja")
    headers = auth(db, user)
    uri = client.post("/api/v1/auth/totp/setup", headers=headers).json()["otpauth_uri"]
    totp = pyotp.parse_uri(uri)
    bad = client.post("/api/v1/auth/totp/confirm", headers=headers, json={"code": "000000"})
    assert bad.status_code == 422
    ok = client.post("/api/v1/auth/totp/confirm", headers=headers, json={"code": totp.now()})
    assert ok.status_code == 204
    assert login(client, "johtaja").status_code == 401
    assert login(client, "johtaja", totp="123456").status_code == 401
    assert login(client, "johtaja", totp=totp.now()).status_code == 200


def test_two_factor_required_by_setting(client: TestClient, db: Session, monkeypatch) -> None:
    monkeypatch.setattr(get_settings(), "require_totp", True)
    create_user(db, Role.admin, create_municipality(db), username="vaatii")
    response = login(client, "vaatii")
    assert response.status_code == 200 and response.json()["mfa_setup_required"]
    headers = {"Authorization": f"Bearer {response.json()['access_token']}"}
    assert client.get("/api/v1/boards", headers=headers).status_code == 403
    uri = client.post("/api/v1/auth/totp/setup", headers=headers).json()["otpauth_uri"]
    client.post("/api/v1/auth/totp/confirm", headers=headers,
                json={"code": pyotp.parse_uri(uri).now()})
    assert client.get("/api/v1/boards", headers=headers).status_code == 200


def test_api_tokens_are_shown_once_stored_hashed_and_revocable(
    client: TestClient, db: Session
) -> None:
    w = create_world(db)
    reporter = auth(db, create_user(db, Role.provider_reporter, w["municipality"],
                                    provider_id=w["provider"].id))
    created = client.post("/api/v1/auth/api-tokens", headers=reporter,
                          json={"name": "Tuottajan järjestelmä"})
    assert created.status_code == 201
    token = created.json()["token"]
    assert db.scalar(select(ApiToken.token_hash)) != token
    assert "token" not in client.get("/api/v1/auth/api-tokens", headers=reporter).json()[0]
    as_system = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/auth/me", headers=as_system).json()["role"] == "provider_reporter"
    assert client.post("/api/v1/boards", headers=as_system, json={
        "municipality_id": w["municipality"].id, "code": "X", "name_fi": "X"}).status_code == 403
    token_id = created.json()["id"]
    assert client.delete(f"/api/v1/auth/api-tokens/{token_id}",
                         headers=reporter).status_code == 204
    assert client.get("/api/v1/auth/me", headers=as_system).status_code == 401


def test_disabling_a_user_ends_his_sessions(client: TestClient, db: Session) -> None:
    m = create_municipality(db)
    admin = auth(db, create_user(db, Role.admin, m, username="kunta-admin"))
    worker = create_user(db, Role.purchaser_manager, m, username="tyontekija")
    session_token = auth(db, worker)
    response = client.patch(f"/api/v1/auth/users/{worker.id}", headers=admin,
                            json={"is_active": False})
    assert response.status_code == 200 and response.json()["is_active"] is False
    assert client.get("/api/v1/auth/me", headers=session_token).status_code == 401
    assert login(client, "tyontekija").status_code == 401
    foreign_admin = auth(db, create_user(db, Role.admin, create_municipality(db, "837")))
    assert client.patch(f"/api/v1/auth/users/{worker.id}", headers=foreign_admin,
                        json={"is_active": True}).status_code == 404


def test_the_access_log_records_logins_and_reads(client: TestClient, db: Session) -> None:
    w = create_world(db)
    create_user(db, Role.purchaser_manager, w["municipality"], username="lukija")
    login(client, "lukija", "väärin väärin")
    token = login(client, "lukija").json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    client.get(f"/api/v1/indicator-values?measure_id={w['measure'].id}", headers=headers)
    client.get("/api/v1/indicator-values/99999", headers=headers)
    flush()
    entries = db.scalars(select(AccessLogEntry).order_by(AccessLogEntry.id)).all()
    seen = [(e.username, e.action, e.outcome) for e in entries]
    assert ("lukija", "login", 401) in seen and ("lukija", "login", 200) in seen
    assert ("lukija", "read", 200) in seen and ("lukija", "read", 404) in seen
    assert all(PASSWORD not in e.target for e in entries)
    assert client.get("/api/v1/auth/access-log", headers=headers).status_code == 403
    admin = auth(db, create_user(db, Role.admin, w["municipality"], username="kunta-admin"))
    log = client.get("/api/v1/auth/access-log", headers=admin, params={"username": "lukija"})
    assert log.status_code == 200 and log.json()["total"] >= 4


def test_security_headers_on_every_response(client: TestClient) -> None:
    for path in ("/api/v1/boards", "/api/v1/nothing-here", "/healthz"):
        headers = client.get(path).headers
        assert "object-src 'none'" in headers["content-security-policy"]
        assert "frame-ancestors 'none'" in headers["content-security-policy"]
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["strict-transport-security"].startswith("max-age=")
        assert headers["referrer-policy"]


def test_user_and_access_log_pages_check_their_limits(client: TestClient, db: Session) -> None:
    admin = auth(db, create_user(db, Role.admin, create_municipality(db), username="kunta-admin"))
    for path in ("/api/v1/auth/users", "/api/v1/auth/access-log"):
        too_many = client.get(path, headers=admin, params={"limit": 1000})
        assert too_many.status_code == 422, too_many.text
        assert too_many.json()["errors"][0]["field"] == "limit"
        assert client.get(path, headers=admin, params={"limit": 2}).json()["limit"] == 2
