"""Deliveries in the contracts format (an order line's ``deliveries``): imported with the line,
exported back, checked as the API checks them (errors name their path in the file), and not
agreement content: an approved budget takes new deliveries from a file without an amendment.
The Mikkeli set (contracts/491-…) reports its lines' deliveries of 2009–2011."""

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.budgets.models import Delivery, OrderBudget, OrderBudgetLine
from app.catalogue.models import Product
from app.contracts.importer import import_text
from app.contracts.loading import ImportFailed
from app.demo import CONTRACTS, SYSTEM
from app.demo_progress import approve

MIKKELI = CONTRACTS / "491-mikkeli-tekniset-palvelut-2009-2011.yaml"
STREETS_2011 = """          - {period: 2011-T2, euros: 3980000}
"""


def _text() -> str:
    return MIKKELI.read_text(encoding="utf-8")


def _euros(db: Session, year: int, product: str) -> dict[str, Decimal]:
    rows = db.execute(select(Delivery.period, Delivery.euros).join(OrderBudgetLine).join(
        OrderBudget).join(Product, Product.id == OrderBudgetLine.product_id).where(
        OrderBudget.year == year, Product.code == product))
    return {period: euros for period, euros in rows}


def test_the_lines_deliveries_are_imported(db: Session) -> None:
    import_text(db, SYSTEM, _text(), MIKKELI.name)
    assert _euros(db, 2010, "KATUJEN-KUNNOSSAPITO") == {
        "2010-T1": Decimal("2180000.00"), "2010-T2": Decimal("4060000.00"),
        "2010": Decimal("6080000.00")}
    assert db.scalar(select(func.count()).select_from(Delivery)) == 18  # 3 + 9 + 6


def test_a_delivery_outside_its_budgets_year_is_refused_naming_it(db: Session) -> None:
    text = _text().replace("{period: 2011-T1, euros: 2050000}", "{period: 2012-T1, euros: 1}", 1)
    with pytest.raises(ImportFailed) as failed:
        import_text(db, SYSTEM, text, MIKKELI.name)
    assert [e["path"] for e in failed.value.errors] == [
        "order_budgets[1].lines[0].deliveries[0].period"]


def test_an_approved_budget_takes_new_deliveries_without_an_amendment(db: Session) -> None:
    import_text(db, SYSTEM, _text(), MIKKELI.name)
    budget = db.scalars(select(OrderBudget).where(OrderBudget.year == 2011)).one()
    approve(db, SYSTEM, budget, date(2010, 12, 12))
    text = _text().replace(STREETS_2011, STREETS_2011 + """          - {period: "2011", euros: 5950000}
""", 1)
    result = import_text(db, SYSTEM, text, MIKKELI.name)
    assert result.amendments == []
    assert _euros(db, 2011, "KATUJEN-KUNNOSSAPITO")["2011"] == Decimal("5950000.00")
    assert db.scalar(select(func.count()).select_from(OrderBudget)
                     .where(OrderBudget.year == 2011)) == 1
