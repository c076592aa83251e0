"""The Jyväskylä voucher set (tests/vouchers/data) and small worlds of vouchers."""

from datetime import date
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.catalogue.models import Product, ProductGroup, ServiceArea
from app.contracts.importer import import_text
from app.demo import SYSTEM
from app.organisations.models import Board, Provider
from app.vouchers.models import VoucherProvider, VoucherScheme
from tests.helpers import create, create_world

JKL = Path(__file__).parent / "data" / "179-jyvaskyla-palvelusetelit-2010.yaml"


def load_jkl(db: Session) -> Board:
    import_text(db, SYSTEM, JKL.read_text(encoding="utf-8"), JKL.name)
    return db.scalars(select(Board).where(Board.code == "SOTE")).one()


def scheme_doc(code: str) -> dict[str, Any]:
    """The scheme as the file writes it (to compute what the report must say)."""
    data = yaml.safe_load(JKL.read_text(encoding="utf-8"))
    doc: dict[str, Any] = next(s for s in data["voucher_schemes"] if s["code"] == code)
    return doc


def voucher_world(db: Session) -> dict[str, Any]:
    """create_world's municipality with a fixed voucher of 2015, its provider approved and a
    second provider approved too."""
    w = create_world(db)
    mid = w["municipality"].id
    area = create(db, ServiceArea, municipality_id=mid, code="VANHUS", name_fi="Vanhuspalvelut")
    group = create(db, ProductGroup, service_area_id=area.id, code="KOTIHOITO",
                   name_fi="Kotihoito")
    w["product"] = create(db, Product, product_group_id=group.id, code="SIIVOUS",
                          name_fi="Siivous", unit="tunti")
    w["other"] = create(db, Provider, municipality_id=mid, code="P2", name="Toinen Oy",
                        kind="company")
    w["scheme"] = create(db, VoucherScheme, board_id=w["board"].id, product_id=w["product"].id,
                         code="SIIVOUS", year=2015, name_fi="Siivousseteli", value_rule="fixed",
                         fixed_value="20.00", deductible="5.00", budget_euros="10000.00",
                         budget_vouchers=500)
    w["entry"] = create(db, VoucherProvider, scheme_id=w["scheme"].id,
                        provider_id=w["provider"].id, applied_on=date(2014, 11, 3),
                        approved_on=date(2014, 12, 12), decision="LANULA 12.12.2014 § 145")
    w["other_entry"] = create(db, VoucherProvider, scheme_id=w["scheme"].id,
                              provider_id=w["other"].id, applied_on=date(2015, 1, 5),
                              approved_on=date(2015, 2, 2), decision="LANULA 2.2.2015 § 12")
    return w
