"""Ylivuotinen budjetointi over three years (seeds/002, 7.6: each unit's surplus or deficit
followed over the years), from the Mikkeli set (contracts/491-…, its figures invented): a
line's balance (what it had available, its appropriation and what it carried in, less what
was delivered) runs from 2009 through 2010 into 2011; a line not marked breaks the chain.

Street maintenance: 2009 6 200 000 − 6 050 000 = +150 000; 2010 6 000 000 + 150 000 −
6 080 000 = +70 000 into 2011 (the year before alone would give −80 000). Green areas: 2009
−30 000; 2010 1 380 000 − 30 000 − 1 340 000 = +10 000. Construction is not marked in 2011."""

from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth.models import Role
from app.budgets.models import OrderBudget, OrderBudgetLine
from app.catalogue.models import Product
from app.contracts.importer import import_text
from app.core import formatting
from app.demo import CONTRACTS, SYSTEM
from app.organisations.models import Board, Municipality, Provider
from app.reports.budget_realisation import carried_in
from app.reports.follow_up import follow_up
from app.reports.follow_up_data import Balance, Budget
from app.reports.render import render_html
from tests.helpers import ROOT, auth, create_user

MIKKELI = CONTRACTS / "491-mikkeli-tekniset-palvelut-2009-2011.yaml"
STREETS, GREEN, BUILDING = "KATUJEN-KUNNOSSAPITO", "VIHERALUEET", "KATUJEN-RAKENTAMINEN"


def _load(db: Session, text: str | None = None) -> int:
    """The Mikkeli set (or ``text``, a changed copy); the board's id."""
    import_text(db, SYSTEM, text or MIKKELI.read_text(encoding="utf-8"), MIKKELI.name)
    return db.scalars(select(Board.id).join(Municipality).where(
        Municipality.code == "491", Board.code == "TEKNINEN")).one()


def _carried(db: Session, board_id: int, year: int) -> dict[str, Decimal]:
    codes = dict(db.execute(select(Product.id, Product.code)).all())
    return {codes[product]: amount
            for (product, _), amount in carried_in(db, ROOT, board_id, year).items()}


def _budget(db: Session, board_id: int, period: str, lang: str = "fi") -> Budget:
    budget = follow_up(db, ROOT, board_id, period, lang).budget
    assert budget is not None
    return budget


def _balances(budget: Budget) -> dict[str, Balance]:
    names = {"Katujen ja yleisten alueiden kunnossapito": STREETS,
             "Viheralueiden hoito": GREEN, "Katujen ja kunnallistekniikan rakentaminen": BUILDING}
    return {names[b.product]: b for b in budget.balances}


def test_the_first_year_leaves_its_appropriation_less_its_deliveries(db: Session) -> None:
    board_id = _load(db)
    assert _carried(db, board_id, 2010) == {
        STREETS: Decimal("150000.00"), GREEN: Decimal("-30000.00"),
        BUILDING: Decimal("150000.00")}


def test_a_surplus_carried_in_and_not_spent_goes_on_into_the_third_year(db: Session) -> None:
    board_id = _load(db)
    assert _carried(db, board_id, 2011) == {
        STREETS: Decimal("70000.00"), GREEN: Decimal("10000.00"),
        BUILDING: Decimal("50000.00")}


def test_a_line_not_marked_breaks_the_chain(db: Session) -> None:
    """Green areas not marked in 2010: 2009's deficit stays there, 2011 gets 2010's own
    1 380 000 − 1 340 000 = +40 000."""
    text = MIKKELI.read_text(encoding="utf-8").replace(
        "      carry_over_from_previous_year: true  # 2009: −30 000", "      # 2009: −30 000", 1)
    board_id = _load(db, text)
    assert _carried(db, board_id, 2011)[GREEN] == Decimal("40000.00")


def test_the_report_shows_each_lines_running_balance(db: Session) -> None:
    budget = _budget(db, _load(db), "2011-T2")
    balances = _balances(budget)
    assert set(balances) == {STREETS, GREEN}  # construction does not carry over in 2011
    streets = balances[STREETS]
    assert (streets.carried_in, streets.appropriation, streets.delivered, streets.balance) == (
        Decimal("70000.00"), Decimal("5900000.00"), Decimal("3980000.00"),
        Decimal("1990000.00"))
    green = balances[GREEN]
    assert (green.carried_in, green.balance) == (Decimal("10000.00"), Decimal("410000.00"))


def test_the_year_closes_with_the_balance_the_next_year_gets(db: Session) -> None:
    balances = _balances(_budget(db, _load(db), "2010"))
    assert {k: b.balance for k, b in balances.items()} == {
        STREETS: Decimal("70000.00"), GREEN: Decimal("10000.00"),
        BUILDING: Decimal("50000.00")}


@pytest.mark.parametrize(("lang", "heading", "carried"), [
    ("fi", "Ylivuotinen budjetointi", "Siirtynyt edelliseltä vuodelta"),
    ("sv", "Budgetering över årsskiftet", "Överfört från föregående år"),
    ("en", "Budgeting across years", "Carried in from the previous year"),
])
def test_the_balance_table_in_each_language(db: Session, lang: str, heading: str,
                                           carried: str) -> None:
    html = render_html(follow_up(db, ROOT, _load(db), "2011-T2", lang), with_charts=False)
    assert heading in html and carried in html
    assert formatting.money(Decimal("70000"), lang, signed=True) in html


def test_the_provider_reports_the_years_delivery_on_a_mikkeli_line(
    client: TestClient, db: Session
) -> None:
    """The year's delivery closes 2011: 5 900 000 + 70 000 − 5 950 000 = +20 000."""
    board_id = _load(db)
    provider = db.scalars(select(Provider).where(Provider.code == "YIT-KUNTATEKNIIKKA")).one()
    line = db.scalars(select(OrderBudgetLine).join(OrderBudget).join(Product).where(
        OrderBudget.year == 2011, Product.code == STREETS)).one()
    reporter = create_user(db, Role.provider_reporter,
                           db.get_one(Municipality, provider.municipality_id),
                           provider_id=provider.id)
    response = client.post("/api/v1/deliveries", headers=auth(db, reporter), json={
        "order_budget_line_id": line.id, "period": "2011", "euros": "5950000.00"})
    assert response.status_code == 201, response.text
    assert _balances(_budget(db, board_id, "2011"))[STREETS].balance == Decimal("20000.00")


def test_the_board_reads_the_balances_through_the_api(client: TestClient, db: Session) -> None:
    board_id = _load(db)
    municipality = db.scalars(select(Municipality).where(Municipality.code == "491")).one()
    member = create_user(db, Role.board_member, municipality, board_id=board_id)
    response = client.get("/api/v1/reports/budget-balance", headers=auth(db, member),
                          params={"board_id": board_id, "period": "2011-T2", "language": "en"})
    assert response.status_code == 200, response.text
    streets = next(b for b in response.json()["balances"]
                   if b["product"] == "Katujen ja yleisten alueiden kunnossapito")
    assert (streets["carried_in"], streets["balance"]) == ("70000.00", "1990000.00")
