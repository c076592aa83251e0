"""An item's unit price is computed from the list's base price, its reference units and the
factors of its classes (cents, half up); an order line priced by the list totals its items;
an unknown class is refused naming the field; an amendment copies the items and an approved
version's items are not changed in place."""

from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth.models import Role
from app.budgets.models import OrderBudgetLine
from app.core.errors import InvalidInput
from app.pricelists.models import OrderLineItem, PriceItem, PriceList
from app.pricelists.service import unit_price
from tests.agreements.flow import amend, approve_in_db
from tests.helpers import auth, create, create_user, if_match
from tests.pricelists.helpers import price_world

API = "/api/v1"


def test_the_unit_price_is_the_base_times_the_units_times_the_factors(db: Session) -> None:
    w = price_world(db)
    # 40,00 € × 2,4 SFA10 units × difficulty class 4 (1,60) × elderly (1,15)
    assert w["root"].unit_price == Decimal("176.64")
    assert w["filling"].unit_price == Decimal("40.00")
    # rounded to cents half up, as invoices are: 40,10 × 1,25 = 50,125
    assert unit_price(Decimal("40.10"), Decimal(1), [Decimal("1.25")]) == Decimal("50.13")


def test_a_new_factor_reprices_the_items(client: TestClient, db: Session) -> None:
    w = price_world(db)
    h = auth(db, create_user(db, Role.purchaser_director, w["municipality"]))
    path = f"{API}/price-lists/{w['list'].id}"
    assert client.patch(path, headers=if_match(client, h, path),
                        json={"base_price": "50.00"}).status_code == 200
    item = client.get(f"{API}/price-items/{w['root'].id}", headers=h).json()
    assert Decimal(item["unit_price"]) == Decimal("220.80")  # 50 × 2,4 × 1,6 × 1,15


def test_the_line_total_is_the_sum_of_its_items(client: TestClient, db: Session) -> None:
    w = price_world(db)
    h = auth(db, create_user(db, Role.purchaser_director, w["municipality"]))
    line = f"{API}/order-budget-lines/{w['line'].id}"
    assert Decimal(client.get(line, headers=h).json()["total"]) == Decimal("5766.40")
    row = db.scalars(select(OrderLineItem).where(
        OrderLineItem.order_budget_line_id == w["line"].id,
        OrderLineItem.item_id == w["root"].id)).one()
    changed = client.patch(f"{API}/order-line-items/{row.id}", headers=if_match(
        client, h, f"{API}/order-line-items/{row.id}"), json={"volume": "20"})
    assert changed.status_code == 200, changed.text
    assert Decimal(changed.json()["euros"]) == Decimal("3532.80")
    assert Decimal(client.get(line, headers=h).json()["total"]) == Decimal("7532.80")
    # a line priced by a list has no volume of its own
    both = client.patch(line, headers=if_match(client, h, line), json={"volume": "5"})
    assert both.status_code == 422
    assert both.json()["errors"][0]["field"] == "volume"


def test_an_unknown_coefficient_class_is_refused_naming_the_field(client: TestClient,
                                                                  db: Session) -> None:
    w = price_world(db)
    h = auth(db, create_user(db, Role.purchaser_director, w["municipality"]))
    body = {"price_list_id": w["list"].id, "code": "SFA30", "name_fi": "Kolmen pinnan täyte",
            "reference_units": "2.0", "classes": {"vaativuusluokka": "9"}}
    bad = client.post(f"{API}/price-items", headers=h, json=body)
    assert bad.status_code == 422, bad.text
    assert bad.json()["errors"][0]["field"] == "classes.vaativuusluokka"
    unknown = client.post(f"{API}/price-items", headers=h,
                          json={**body, "classes": {"kiireellisyys": "1"}})
    assert unknown.json()["errors"][0]["field"] == "classes.kiireellisyys"
    assert client.post(f"{API}/price-items", headers=h, json={
        **body, "classes": {"vaativuusluokka": "4"}}).status_code == 201


def test_an_amendment_copies_the_items_and_the_approved_ones_stay(client: TestClient,
                                                                   db: Session) -> None:
    w = price_world(db)
    h = auth(db, create_user(db, Role.purchaser_director, w["municipality"]))
    approve_in_db(db, w["budget"])
    db.commit()
    row = db.scalars(select(OrderLineItem).where(
        OrderLineItem.order_budget_line_id == w["line"].id)).first()
    assert row is not None
    locked = client.patch(f"{API}/order-line-items/{row.id}", headers=if_match(
        client, h, f"{API}/order-line-items/{row.id}"), json={"volume": "999"})
    assert locked.status_code == 409, locked.text
    assert client.delete(f"{API}/order-line-items/{row.id}", headers=if_match(
        client, h, f"{API}/order-line-items/{row.id}")).status_code == 409

    new = amend(client, h, f"{API}/order-budgets/{w['budget'].id}")
    line = db.scalars(select(OrderBudgetLine).where(
        OrderBudgetLine.order_budget_id == new["id"],
        OrderBudgetLine.provider_id == w["provider"].id)).one()
    copied = {code: volume for code, volume in db.execute(
        select(PriceItem.code, OrderLineItem.volume).join(
            OrderLineItem, OrderLineItem.item_id == PriceItem.id)
        .where(OrderLineItem.order_budget_line_id == line.id))}
    assert copied == {"SFA10": Decimal(100), "SGA10": Decimal(10)}
    assert line.total == Decimal("5766.40")
    # the draft's items are its own to change
    draft_row = db.scalars(select(OrderLineItem).where(
        OrderLineItem.order_budget_line_id == line.id)).first()
    assert draft_row is not None
    assert client.patch(f"{API}/order-line-items/{draft_row.id}", headers=if_match(
        client, h, f"{API}/order-line-items/{draft_row.id}"),
        json={"volume": "1"}).status_code == 200


def test_an_item_of_another_list_is_refused(db: Session) -> None:
    w = price_world(db)
    other = create(db, PriceList, board_id=w["board"].id, code="TOINEN", year=2015,
                   name_fi="Toinen", reference_code="SFA10", reference_name="täyte",
                   base_price="10.00")
    item = create(db, PriceItem, price_list_id=other.id, code="X", name_fi="X",
                  reference_units="1")
    with pytest.raises(InvalidInput) as refused:
        create(db, OrderLineItem, order_budget_line_id=w["line"].id, item_id=item.id, volume=1)
    assert refused.value.field == "item_id"


def test_the_diff_names_the_items_changed(client: TestClient, db: Session) -> None:
    w = price_world(db)
    h = auth(db, create_user(db, Role.purchaser_director, w["municipality"]))
    approve_in_db(db, w["budget"])
    db.commit()
    new = amend(client, h, f"{API}/order-budgets/{w['budget'].id}")
    row = db.scalars(select(OrderLineItem).join(
        OrderBudgetLine, OrderBudgetLine.id == OrderLineItem.order_budget_line_id).where(
        OrderBudgetLine.order_budget_id == new["id"],
        OrderBudgetLine.provider_id == w["provider"].id,
        OrderLineItem.item_id == w["root"].id)).one()
    path = f"{API}/order-line-items/{row.id}"
    assert client.patch(path, headers=if_match(client, h, path),
                        json={"volume": "12"}).status_code == 200
    diff = client.get(f"{API}/order-budgets/diff", headers=h,
                      params={"from": w["budget"].id, "to": new["id"]}).json()
    [line] = [ln for ln in diff["lines"] if ln["provider"] == "P1"]
    assert Decimal(line["effect"]) == Decimal("353.28")  # 2 root canals × 176,64
    [items] = [f for f in line["fields"] if f["field"] == "items"]
    assert Decimal(items["to"]["SGA10"]) == Decimal(12)
