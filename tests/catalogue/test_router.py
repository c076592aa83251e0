"""The product catalogue: service areas → product groups → products, per municipality."""

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.auth.models import Role
from app.catalogue.models import Product
from tests.helpers import auth, create_user, create_world


def _area_and_group(client: TestClient, h: dict[str, str], municipality_id: int) -> int:
    area = client.post("/api/v1/service-areas", headers=h, json={
        "municipality_id": municipality_id, "code": "VAPAA", "name_fi": "Vapaa-aika"})
    assert area.status_code == 201, area.text
    group = client.post("/api/v1/product-groups", headers=h, json={
        "service_area_id": area.json()["id"], "code": "KIRJASTO", "name_fi": "Kirjasto"})
    assert group.status_code == 201, group.text
    group_id: int = group.json()["id"]
    return group_id


def test_a_product_is_created_under_its_group_and_listed_by_group(
    client: TestClient, db: Session
) -> None:
    w = create_world(db)
    h = auth(db, create_user(db, Role.purchaser_director, w["municipality"]))
    group_id = _area_and_group(client, h, w["municipality"].id)
    product = client.post("/api/v1/products", headers=h, json={
        "product_group_id": group_id, "code": "LAINAT", "name_fi": "Lainat", "unit": "laina"})
    assert product.status_code == 201, product.text
    assert product.json()["municipality_id"] == w["municipality"].id

    listed = client.get(f"/api/v1/products?product_group_id={group_id}", headers=h)
    assert [p["code"] for p in listed.json()["items"]] == ["LAINAT"]


def test_a_duplicate_product_code_in_a_group_gets_409(client: TestClient, db: Session) -> None:
    w = create_world(db)
    h = auth(db, create_user(db, Role.purchaser_director, w["municipality"]))
    group_id = _area_and_group(client, h, w["municipality"].id)
    body = {"product_group_id": group_id, "code": "LAINAT", "name_fi": "Lainat", "unit": "laina"}
    assert client.post("/api/v1/products", headers=h, json=body).status_code == 201
    response = client.post("/api/v1/products", headers=h, json={**body, "name_fi": "Toinen"})
    assert response.status_code == 409
    assert db.scalar(select(func.count()).select_from(Product)) == 1


def test_a_product_group_under_another_municipalitys_area_is_refused_naming_the_field(
    client: TestClient, db: Session
) -> None:
    mine = create_world(db, "109")
    theirs = create_world(db, "837")
    their_h = auth(db, create_user(db, Role.purchaser_director, theirs["municipality"]))
    area = client.post("/api/v1/service-areas", headers=their_h, json={
        "municipality_id": theirs["municipality"].id, "code": "VAPAA", "name_fi": "Vapaa-aika"})
    h = auth(db, create_user(db, Role.purchaser_director, mine["municipality"]))
    response = client.post("/api/v1/product-groups", headers=h, json={
        "service_area_id": area.json()["id"], "code": "KIRJASTO", "name_fi": "Kirjasto"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "service_area_id"


def test_a_board_member_reads_the_catalogue_but_may_not_add_to_it(
    client: TestClient, db: Session
) -> None:
    w = create_world(db)
    director = auth(db, create_user(db, Role.purchaser_director, w["municipality"]))
    _area_and_group(client, director, w["municipality"].id)
    member = auth(db, create_user(db, Role.board_member, w["municipality"],
                                  board_id=w["board"].id))
    assert client.get("/api/v1/service-areas", headers=member).json()["total"] == 1
    response = client.post("/api/v1/service-areas", headers=member, json={
        "municipality_id": w["municipality"].id, "code": "OPETUS", "name_fi": "Opetus"})
    assert response.status_code == 403
