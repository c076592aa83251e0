"""The Vantaa file (contracts/092-…): its price list imports with the unit prices computed, the
line totals its items, the export round-trips it unchanged, and the follow-up report's budget
realisation shows the months invoiced against the order and counts them as delivered."""

from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.budgets.models import OrderBudgetLine
from app.contracts import exporter
from app.contracts.importer import ImportFailed, import_text
from app.demo import SYSTEM
from app.pricelists.models import PriceItem
from app.reports.follow_up import follow_up
from tests.helpers import ROOT
from tests.pricelists.helpers import VANTAA, load_vantaa


def test_the_vantaa_file_imports_and_round_trips(db: Session) -> None:
    board = load_vantaa(db)
    prices = {code: price for code, price in db.execute(
        select(PriceItem.code, PriceItem.unit_price))}
    # 40,00 € × 2,4 × difficulty class 4 (1,60) × adult (1,00)
    assert prices["SGA10"] == Decimal("153.60")
    assert prices["SFA10-I"] == Decimal("46.00")  # 40,00 € × the elderly's 1,15
    line = db.scalars(select(OrderBudgetLine)).one()
    assert line.total == Decimal("2608800.00")
    first = exporter.dump(exporter.build(db, SYSTEM, "092", board.code, 2010))
    import_text(db, SYSTEM, first, VANTAA.name)
    assert exporter.dump(exporter.build(db, SYSTEM, "092", board.code, 2010)) == first


def test_the_follow_up_shows_the_months_invoiced_against_the_order(db: Session) -> None:
    board = load_vantaa(db)
    report = follow_up(db, ROOT, board.id, "2010-T2", "fi")
    assert report.budget is not None
    [price_list] = report.budget.price_lists
    [line] = price_list.lines
    january = line.months[0]
    # 1 831 × 40,00 + 712 × 80,00 + 193 × 153,60 + 954 × 22,40 + 472 × 46,00
    assert january.euros == Decimal("202926.40")
    assert january.budget_to_date == Decimal("217400.00")  # 2 608 800,00 € / 12
    assert [m.period for m in line.months][-1] == "2010-06"
    assert line.months[-1].cumulative == line.invoiced == Decimal("1271786.40")
    # and the invoicing is what the line delivered in the budget realisation
    assert report.budget.total.delivered_euros == Decimal("1271786.40")


def test_an_unknown_class_or_a_twice_ordered_item_is_named_by_its_path(db: Session) -> None:
    text = VANTAA.read_text(encoding="utf-8")
    cases = [
        (text.replace('classes: {vaativuusluokka: "4", ikäluokka: aikuinen}',
                      'classes: {vaativuusluokka: "9", ikäluokka: aikuinen}', 1),
         "price_lists[0].items[2]"),
        (text.replace("        - {item: SFA20, volume: 9000}\n",
                      "        - {item: SFA10, volume: 9000}\n", 1),
         "order_budget.lines[0].items[1].item"),
    ]
    for broken, path in cases:
        with pytest.raises(ImportFailed) as failed:
            import_text(db, SYSTEM, broken, VANTAA.name)
        assert failed.value.errors[0]["path"].startswith(path), failed.value.errors
    assert db.scalar(select(PriceItem.id)) is None  # all or nothing
