"""A set without a framework agreement, with order lines of euros, a carry-over and two order
budgets, in the contracts format: import, export and the round trip byte for byte.

The set (tests/contracts/data/179-jyvaskyla-palveluseteli-2010.yaml) follows
seeds/002_d45b91c9de78c05a.txt, 7.13 "Jyväskylän palvelusetelit": 260 000 euros for the
vouchers of the elderly and disabled in 2009, "vajaa 0,5 milj. euroa" (490 000 here) in the
2010 budget and 150 000 euros for the families' home help voucher; and 7.6 "Ylivuotinen
budjetointi" (the home care's carry-over). Home care's figures and the dates are invented.
"""

import json
from decimal import Decimal
from pathlib import Path

import jsonschema
import pytest
import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.agreements.models import ServiceAgreement
from app.budgets.models import OrderBudget, OrderBudgetLine
from app.catalogue.models import Product
from app.contracts import exporter
from app.contracts.importer import import_text
from app.contracts.loading import ImportFailed
from app.contracts.schema import json_schema
from app.demo import SYSTEM

SET = Path(__file__).parent / "data" / "179-jyvaskyla-palveluseteli-2010.yaml"


def _import(db: Session) -> str:
    text = SET.read_text(encoding="utf-8")
    result = import_text(db, SYSTEM, text, SET.name)
    assert result.created > 0 and not result.errors
    return text


def test_the_set_exports_byte_for_byte_as_it_was_imported(db: Session) -> None:
    text = _import(db)
    assert exporter.dump(exporter.build(db, SYSTEM, "179", "SOTELA", 2010)) == text


def test_importing_the_set_again_changes_nothing(db: Session) -> None:
    text = _import(db)
    again = import_text(db, SYSTEM, text, SET.name)
    assert (again.created, again.updated, again.amendments) == (0, 0, [])


def test_euro_lines_carry_over_and_an_agreement_outside_a_framework_are_stored(
    db: Session
) -> None:
    _import(db)
    rows = db.execute(select(OrderBudget.year, Product.code, OrderBudgetLine)
                      .join(OrderBudgetLine, OrderBudgetLine.order_budget_id == OrderBudget.id)
                      .join(Product, Product.id == OrderBudgetLine.product_id)).all()
    lines = {(year, code): line for year, code, line in rows}
    vouchers = lines[(2010, "PS-VANHUS")]
    assert (vouchers.volume, vouchers.unit_price, vouchers.appropriation, vouchers.total) == (
        None, None, Decimal("490000.00"), Decimal("490000.00"))
    assert lines[(2010, "KOTIHOITO")].carry_over is True
    assert lines[(2009, "KOTIHOITO")].total == Decimal("1900000.00")  # 95 000 × 20.00
    agreement = db.scalars(select(ServiceAgreement).where(
        ServiceAgreement.code == "JKL-PS-2010")).one()
    budget_2010 = db.scalars(select(OrderBudget).where(OrderBudget.year == 2010)).one()
    assert (agreement.framework_agreement_id, agreement.order_budget_id) == (None, budget_2010.id)


@pytest.mark.parametrize(("new", "message"), [
    ("    appropriation: 490000\n    volume: 10\n",
     "give one of volume and unit_price, an appropriation in euros, or a price_list"),
    ("", "give volume and unit_price, an appropriation in euros, or a price_list"),
], ids=["both", "neither"])
def test_a_line_of_both_forms_or_neither_is_refused_naming_it(
    db: Session, new: str, message: str
) -> None:
    text = SET.read_text(encoding="utf-8").replace("    appropriation: 490000\n", new, 1)
    with pytest.raises(ImportFailed) as failed:
        import_text(db, SYSTEM, text, SET.name)
    assert [e["path"] for e in failed.value.errors] == ["order_budget.lines[0]"]
    assert message in failed.value.errors[0]["message"]
    assert db.scalar(select(OrderBudget.id)) is None  # nothing stored


def test_the_set_validates_against_the_json_schema_and_a_line_of_both_forms_does_not() -> None:
    schema = json.loads(json_schema())
    data = yaml.safe_load(SET.read_text(encoding="utf-8"))
    jsonschema.validate(json.loads(json.dumps(data, default=str)), schema)
    data["order_budget"]["lines"][0]["volume"] = 10
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(json.loads(json.dumps(data, default=str)), schema)


def test_a_second_budget_of_the_same_board_and_year_is_refused_naming_it(db: Session) -> None:
    text = SET.read_text(encoding="utf-8").replace("  year: 2009\n  title: Tilausbudjetti 2009",
                                                   "  year: 2010\n  title: Tilausbudjetti 2009")
    with pytest.raises(ImportFailed) as failed:
        import_text(db, SYSTEM, text, SET.name)
    assert [e["path"] for e in failed.value.errors] == ["order_budgets[0].year"]
    assert db.scalar(select(OrderBudget.id)) is None
