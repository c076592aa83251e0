"""Small worlds of price lists, and the Vantaa file of contracts/."""

from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.budgets.models import OrderBudget, OrderBudgetLine
from app.catalogue.models import Product, ProductGroup, ServiceArea
from app.contracts.importer import import_text
from app.demo import SYSTEM
from app.organisations.models import Board, Provider
from app.pricelists.models import OrderLineItem, PriceCoefficient, PriceItem, PriceList
from tests.helpers import create, create_world

VANTAA = Path(__file__).resolve().parents[2] / "contracts" / \
    "092-vantaa-suun-terveydenhuolto-2010.yaml"


def load_vantaa(db: Session) -> Board:
    import_text(db, SYSTEM, VANTAA.read_text(encoding="utf-8"), VANTAA.name)
    return db.scalars(select(Board).where(Board.code == "SOTELA")).one()


def price_world(db: Session) -> dict[str, Any]:
    """create_world's municipality with a price list of 2015 (base 40,00 €, a difficulty and
    an age coefficient, two items) and a budget 2015 whose line for its provider is priced by
    the list: 100 fillings and 10 root canals; a second provider with a line of its own."""
    w = create_world(db)
    mid = w["municipality"].id
    area = create(db, ServiceArea, municipality_id=mid, code="TERVEYS", name_fi="Terveys")
    group = create(db, ProductGroup, service_area_id=area.id, code="SUU", name_fi="Suu")
    w["product"] = create(db, Product, product_group_id=group.id, code="HAMMAS",
                          name_fi="Hammashoito", unit="toimenpide")
    w["other"] = create(db, Provider, municipality_id=mid, code="P2", name="Toinen Oy",
                        kind="company")
    w["list"] = pl = create(db, PriceList, board_id=w["board"].id, code="HINNASTO", year=2015,
                            name_fi="Hinnasto", reference_code="SFA10",
                            reference_name="yhden pinnan täyte", base_price="40.00")
    for coefficient, code, factor in [("vaativuusluokka", "2", "1.00"),
                                      ("vaativuusluokka", "4", "1.60"),
                                      ("ikäluokka", "aikuinen", "1.00"),
                                      ("ikäluokka", "ikääntynyt", "1.15")]:
        create(db, PriceCoefficient, price_list_id=pl.id, coefficient=coefficient,
               class_code=code, factor=factor)
    w["filling"] = create(db, PriceItem, price_list_id=pl.id, code="SFA10", name_fi="Täyte",
                          reference_units="1.0",
                          classes={"vaativuusluokka": "2", "ikäluokka": "aikuinen"})
    w["root"] = create(db, PriceItem, price_list_id=pl.id, code="SGA10", name_fi="Juurihoito",
                       reference_units="2.4",
                       classes={"vaativuusluokka": "4", "ikäluokka": "ikääntynyt"})
    w["budget"] = create(db, OrderBudget, board_id=w["board"].id, year=2015, title="TB 2015")
    w["line"] = create(db, OrderBudgetLine, order_budget_id=w["budget"].id,
                       product_id=w["product"].id, provider_id=w["provider"].id,
                       price_list_id=pl.id)
    w["other_line"] = create(db, OrderBudgetLine, order_budget_id=w["budget"].id,
                             product_id=w["product"].id, provider_id=w["other"].id,
                             price_list_id=pl.id)
    for item, volume in [(w["filling"], 100), (w["root"], 10)]:
        create(db, OrderLineItem, order_budget_line_id=w["line"].id, item_id=item.id,
               volume=volume)
    create(db, OrderLineItem, order_budget_line_id=w["other_line"].id, item_id=w["filling"].id,
           volume=50)
    return w
