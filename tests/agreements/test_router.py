from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.auth.models import Role
from tests.helpers import auth, create_user, create_world


def test_service_agreement_year_lies_within_the_framework(client: TestClient, db: Session) -> None:
    w = create_world(db)
    h = auth(db, create_user(db, Role.purchaser_director, w["municipality"]))
    body = {"code": "SA2", "framework_agreement_id": w["framework"].id,
            "provider_id": w["provider"].id, "year": 2017, "title": "Liian myöhään",
            "board_ids": [w["board"].id]}
    response = client.post("/api/v1/service-agreements", headers=h, json=body)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "year"
    assert "2013–2016" in response.json()["detail"]
    created = client.post("/api/v1/service-agreements", headers=h, json={**body, "year": 2016})
    assert created.status_code == 201
    assert created.json()["status"] == "draft"


def test_framework_years_are_in_order(client: TestClient, db: Session) -> None:
    w = create_world(db)
    h = auth(db, create_user(db, Role.purchaser_director, w["municipality"]))
    response = client.post("/api/v1/framework-agreements", headers=h, json={
        "board_id": w["board"].id, "title": "X", "first_year": 2017, "last_year": 2016})
    assert response.status_code == 422 and "before first_year" in response.json()["detail"]


def test_lists_filter_by_board_year_and_provider(client: TestClient, db: Session) -> None:
    w = create_world(db)
    h = auth(db, create_user(db, Role.board_member, w["municipality"], board_id=w["board"].id))
    params = {"board_id": w["board"].id, "year": 2015, "provider_id": w["provider"].id}
    listed = client.get("/api/v1/service-agreements", headers=h, params=params).json()
    assert [a["code"] for a in listed["items"]] == ["SA1"] and listed["total"] == 1
    none = client.get("/api/v1/service-agreements", headers=h, params={**params, "year": 2016})
    assert none.json() == {"items": [], "total": 0, "limit": 100, "offset": 0}
    frameworks = client.get("/api/v1/framework-agreements", headers=h, params={"year": 2014})
    assert frameworks.json()["total"] == 1


def test_pages_follow_limit_and_offset_with_filters(client: TestClient, db: Session) -> None:
    w = create_world(db)
    h = auth(db, create_user(db, Role.purchaser_director, w["municipality"]))
    for code in ("SA2", "SA3"):
        client.post("/api/v1/service-agreements", headers=h, json={
            "code": code, "framework_agreement_id": w["framework"].id,
            "provider_id": w["provider"].id, "year": 2015, "title": code,
            "board_ids": [w["board"].id]})
    page = client.get("/api/v1/service-agreements", headers=h,
                      params={"year": 2015, "limit": 1, "offset": 1})
    assert page.status_code == 200, page.text
    assert (page.json()["total"], page.json()["limit"], page.json()["offset"]) == (3, 1, 1)
    assert [a["code"] for a in page.json()["items"]] == ["SA2"]
    bad = client.get("/api/v1/service-agreements", headers=h, params={"limit": 0, "yaer": 2015})
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json()["errors"]} == {"limit", "yaer"}
