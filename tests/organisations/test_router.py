from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.auth.models import Role
from app.organisations.models import Board
from tests.helpers import auth, create_user, create_world, if_match


def test_a_duplicate_board_code_gets_409_naming_the_code(client: TestClient, db: Session) -> None:
    w = create_world(db)
    h = auth(db, create_user(db, Role.purchaser_director, w["municipality"]))
    response = client.post("/api/v1/boards", headers=h, json={
        "municipality_id": w["municipality"].id, "code": "LANULA", "name_fi": "Toinen"})
    assert response.status_code == 409
    assert response.headers["content-type"] == "application/problem+json"
    assert "code=LANULA" in response.json()["detail"]
    assert db.scalar(select(func.count()).select_from(Board)) == 1


def test_the_same_board_code_is_fine_in_another_municipality(
    client: TestClient, db: Session
) -> None:
    create_world(db, "109")
    other = create_world(db, "837")
    h = auth(db, create_user(db, Role.admin, other["municipality"]))
    response = client.get("/api/v1/boards", headers=h)
    assert [b["code"] for b in response.json()["items"]] == ["LANULA"]
    assert response.json()["items"][0]["municipality_id"] == other["municipality"].id


def test_business_id_check_digit_is_validated(client: TestClient, db: Session) -> None:
    w = create_world(db)
    h = auth(db, create_user(db, Role.purchaser_director, w["municipality"]))
    body = {"municipality_id": w["municipality"].id, "code": "X", "name": "X Oy",
            "kind": "company", "business_id": "0204819-9"}
    response = client.post("/api/v1/providers", headers=h, json=body)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "business_id"

    body["business_id"] = "02048198"  # compact form is accepted and normalised
    assert client.post("/api/v1/providers", headers=h, json=body).json()["business_id"] == \
        "0204819-8"


def test_own_production_unit_has_no_business_id(client: TestClient, db: Session) -> None:
    w = create_world(db)
    h = auth(db, create_user(db, Role.purchaser_director, w["municipality"]))
    response = client.post("/api/v1/providers", headers=h, json={
        "municipality_id": w["municipality"].id, "code": "OMA", "name": "Alue 1",
        "kind": "own_production_unit", "business_id": "0204819-8"})
    assert response.status_code == 422
    assert "internal code" in response.json()["detail"]


def test_another_municipalitys_objects_answer_404(client: TestClient, db: Session) -> None:
    mine = create_world(db, "109")
    theirs = create_world(db, "837")
    h = auth(db, create_user(db, Role.purchaser_director, mine["municipality"]))
    for path, obj in [("boards", "board"), ("providers", "provider"),
                      ("service-agreements", "agreement"), ("measures", "measure")]:
        assert client.get(f"/api/v1/{path}/{theirs[obj].id}", headers=h).status_code == 404
        assert client.patch(f"/api/v1/{path}/{theirs[obj].id}", headers=h,
                            json={}).status_code == 404
        assert client.delete(f"/api/v1/{path}/{theirs[obj].id}", headers=h).status_code == 404
    # nor can one point a new object at another municipality's board
    response = client.post("/api/v1/order-budgets", headers=h, json={
        "board_id": theirs["board"].id, "year": 2015, "title": "Ei"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "board_id"


def test_a_board_member_reads_but_may_not_write(client: TestClient, db: Session) -> None:
    w = create_world(db)
    h = auth(db, create_user(db, Role.board_member, w["municipality"], board_id=w["board"].id))
    assert client.get(f"/api/v1/boards/{w['board'].id}", headers=h).status_code == 200
    response = client.patch(f"/api/v1/boards/{w['board'].id}", headers=h, json={"name_fi": "X"})
    assert response.status_code == 403
    assert db.get(Board, w["board"].id).name_fi == "Lasten ja nuorten lautakunta"


def test_requests_without_a_valid_token_get_401(client: TestClient, db: Session) -> None:
    assert client.get("/api/v1/indicator-values").status_code == 401
    assert client.post("/api/v1/boards", json={}).status_code == 401
    # master data is public, but a token that is sent must be valid
    assert client.get("/api/v1/boards").status_code == 200
    response = client.get("/api/v1/boards", headers={"Authorization": "Bearer forged"})
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"


def test_malformed_input_never_answers_500(client: TestClient, db: Session) -> None:
    w = create_world(db)
    h = auth(db, create_user(db, Role.admin, w["municipality"]))
    m = w["municipality"].id
    cases = [
        ("get", "/api/v1/boards/99999999999999999999", None),
        ("get", "/api/v1/boards/-1", None),
        ("post", "/api/v1/boards", {"municipality_id": m, "code": "A\x00", "name_fi": "x"}),
        ("post", "/api/v1/boards", {"municipality_id": m, "code": "A", "name_fi": "x\x00"}),
        ("post", "/api/v1/boards", {"municipality_id": 2**40, "code": "A", "name_fi": "x"}),
        ("post", "/api/v1/boards", {"municipality_id": m, "code": "A" * 500, "name_fi": "x"}),
        ("post", "/api/v1/order-budget-lines", {"order_budget_id": 1, "product_id": 1,
                                                "provider_id": 1, "volume": "1e400",
                                                "unit_price": "NaN"}),
        ("post", "/api/v1/indicator-values", {"measure_id": w["measure"].id,
                                              "period": "2015-T9", "value": "1"}),
        ("get", "/api/v1/boards?limit=100000&offset=-5", None),
        ("patch", f"/api/v1/boards/{w['board'].id}", {"code": None}),  # with If-Match below
        ("post", "/api/v1/boards", {"municipality_id": m, "code": "B", "name_fi": "x", "x": 1}),
    ]
    for method, url, body in cases:
        headers = if_match(client, h, url) if method == "patch" else h
        response = client.request(method, url, headers=headers, json=body)
        assert response.status_code == 422, (url, body, response.text)
        assert response.json()["status"] == response.status_code
    raw = client.post("/api/v1/boards", headers={**h, "content-type": "application/json"},
                      content=b"{not json")
    assert raw.status_code == 422
