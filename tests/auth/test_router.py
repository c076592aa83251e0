from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.auth.models import Role
from tests.helpers import PASSWORD, create_municipality, create_user


def test_login_logout_and_a_disabled_user(client: TestClient, db: Session) -> None:
    m = create_municipality(db)
    user = create_user(db, Role.purchaser_director, m, username="tilaajajohtaja")
    wrong = client.post("/api/v1/auth/token", data={"username": "tilaajajohtaja",
                                                    "password": "wrong password!"})
    assert wrong.status_code == 401
    assert PASSWORD not in wrong.text and "wrong password!" not in wrong.text

    token = client.post("/api/v1/auth/token", data={"username": "tilaajajohtaja",
                                                    "password": PASSWORD}).json()["access_token"]
    h = {"Authorization": f"Bearer {token}"}
    me = client.get("/api/v1/auth/me", headers=h).json()
    assert (me["username"], me["role"], me["municipality_id"]) == ("tilaajajohtaja",
                                                                   "purchaser_director", m.id)
    assert client.post("/api/v1/auth/logout", headers=h).status_code == 204
    assert client.get("/api/v1/auth/me", headers=h).status_code == 401  # revoked at once

    token = client.post("/api/v1/auth/token", data={"username": "tilaajajohtaja",
                                                    "password": PASSWORD}).json()["access_token"]
    user.is_active = False
    db.flush()
    assert client.get("/api/v1/auth/me",
                      headers={"Authorization": f"Bearer {token}"}).status_code == 401
