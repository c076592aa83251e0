"""The budget realisation of lines of euros and of a surplus carried from the year before
(ylivuotinen budjetointi), from the Jyväskylä voucher set (tests/contracts/data), in the
report's data, its HTML, and the agreement document of an agreement outside a framework."""

from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.agreements.models import ServiceAgreement
from app.budgets.models import Delivery, OrderBudget, OrderBudgetLine
from app.catalogue.models import Product
from app.contracts.importer import import_text
from app.core import formatting
from app.core.periods import parse_period
from app.demo import SYSTEM
from app.organisations.models import Board
from app.reports.agreement_document import agreement_document
from app.reports.follow_up import follow_up
from app.reports.follow_up_data import Budget, BudgetLine
from app.reports.render import render_html
from tests.contracts.test_euro_sets import SET
from tests.helpers import ROOT
from tests.reports.helpers import deliver


def _line(db: Session, year: int, product: str) -> OrderBudgetLine:
    return db.scalars(select(OrderBudgetLine).join(
        OrderBudget, OrderBudget.id == OrderBudgetLine.order_budget_id).join(
        Product, Product.id == OrderBudgetLine.product_id).where(
        OrderBudget.year == year, Product.code == product)).one()


def _euros_only(db: Session, ln: OrderBudgetLine, period: str, euros: str) -> None:
    p = parse_period(period)
    db.add(Delivery(municipality_id=ln.municipality_id, order_budget_line_id=ln.id,
                    period=p.code, period_start=p.start, period_end=p.end, volume=None,
                    euros=Decimal(euros), created_by="test", updated_by="test"))


def _set(db: Session, home_care_2009: str = "1850000") -> int:
    """The set with home care's 2009 (``home_care_2009`` of the 1 900 000,00 € ordered) and
    T1 2010 (700 000,00 €), and the elderly's vouchers of T1 2010 (150 000,00 € invoiced, no
    volume); the families' vouchers are not reported. Returns the board's id."""
    import_text(db, SYSTEM, SET.read_text(encoding="utf-8"), SET.name)
    deliver(db, _line(db, 2009, "KOTIHOITO"), "2009", "92500", home_care_2009)
    deliver(db, _line(db, 2010, "KOTIHOITO"), "2010-T1", "34000", "700000")
    _euros_only(db, _line(db, 2010, "PS-VANHUS"), "2010-T1", "150000")
    db.flush()
    return db.scalars(select(Board.id).where(Board.code == "SOTELA")).one()


def _budget(db: Session, board_id: int, period: str) -> Budget:
    budget = follow_up(db, ROOT, board_id, period, "fi").budget
    assert budget is not None
    return budget


def _lines(budget: Budget) -> dict[str, BudgetLine]:
    return {ln.product.code: ln for p in budget.providers for ln in p.lines}


def test_a_euro_line_holds_the_euros_invoiced_against_its_appropriation(db: Session) -> None:
    budget = _budget(db, _set(db), "2010-T1")
    vouchers = _lines(budget)["PS-VANHUS"]
    assert (vouchers.ordered_volume, vouchers.unit_price, vouchers.delivered_volume) == (
        None, None, None)
    assert (vouchers.ordered_euros, vouchers.delivered_euros, vouchers.realised_pct,
            vouchers.forecast_euros, vouchers.deviation_euros, vouchers.deviation_pct) == (
        Decimal("490000.00"), Decimal("150000.00"), Decimal("30.6"), Decimal("450000.00"),
        Decimal("-40000.00"), Decimal("-8.2"))
    assert budget.elapsed_pct == Decimal("33.3")  # January–April of the year
    assert vouchers.carried_euros is None


def test_the_year_befores_surplus_is_carried_into_the_line(db: Session) -> None:
    budget = _budget(db, _set(db), "2010-T1")
    home_care = _lines(budget)["KOTIHOITO"]
    assert (home_care.ordered_euros, home_care.carried_euros, home_care.available_euros) == (
        Decimal("2000000.00"), Decimal("50000.00"), Decimal("2050000.00"))
    # 700 000 of 2 050 000; the forecast 700 000 / (4/12) = 2 100 000 is 50 000 over.
    assert (home_care.realised_pct, home_care.forecast_euros, home_care.deviation_euros,
            home_care.deviation_pct) == (
        Decimal("34.1"), Decimal("2100000.00"), Decimal("50000.00"), Decimal("2.4"))
    t = budget.total
    assert (t.ordered_euros, t.carried_euros, t.delivered_euros) == (
        Decimal("2640000.00"), Decimal("50000.00"), Decimal("850000.00"))
    # 2 100 000 + 450 000 forecast, the families' 150 000 as ordered, against 2 690 000.
    assert (t.forecast_euros, t.deviation_euros) == (Decimal("2700000.00"), Decimal("10000.00"))


def test_a_deficit_is_carried_as_a_negative_amount(db: Session) -> None:
    budget = _budget(db, _set(db, home_care_2009="1960000"), "2010-T1")
    home_care = _lines(budget)["KOTIHOITO"]
    assert (home_care.carried_euros, home_care.available_euros) == (
        Decimal("-60000.00"), Decimal("1940000.00"))


def test_the_report_shows_the_amount_carried_and_the_appropriation(db: Session) -> None:
    board_id = _set(db)
    for lang, words in (("fi", "edellisvuodelta"), ("sv", "från föregående år"),
                        ("en", "from the year before")):
        html = render_html(follow_up(db, ROOT, board_id, "2010-T1", lang), with_charts=False)
        assert f"{formatting.money(Decimal('50000'), lang, signed=True)} {words}" in html
    fi = render_html(follow_up(db, ROOT, board_id, "2010-T1", "fi"), with_charts=False)
    assert "Määräraha" in fi


def test_the_agreement_document_of_an_agreement_outside_a_framework(db: Session) -> None:
    _set(db)
    agreement = db.scalars(select(ServiceAgreement).where(
        ServiceAgreement.code == "JKL-PS-2010")).one()
    data = agreement_document(db, ROOT, agreement.id, "fi")
    assert data.framework is None
    assert {(ln.product.code, ln.volume, ln.total) for ln in data.lines} == {
        ("PS-VANHUS", None, Decimal("490000.00")), ("PS-LAPSIPERHE", None, Decimal("150000.00"))}
    html = render_html(data, with_charts=False)
    assert "Ei puitesopimusta" in html and "Määräraha" in html


def test_the_follow_up_lists_the_measures_of_an_agreement_outside_a_framework(
    db: Session
) -> None:
    data = follow_up(db, ROOT, _set(db), "2010-T1", "fi")
    assert [[m.code for a in s.agreements for g in a.goals for m in g.measures]
            for s in data.perspectives] == [["SETELIT"]]
