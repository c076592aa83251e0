"""A service agreement is approved only within an approved order budget (tilausbudjetti).

The agreement orders services that a board's order budget pays for, so before it is approved
the budget that pays must

- exist,
- have an approved version (approved, in force or closed: the budget the board decided on), and
- in that version (the newest such) have a line for the agreement's provider.

Which budget pays: the agreement's ``order_budget_id`` (its board and year; the other boards of
a joint agreement share its goals, as LANULA and TETOLA in Hämeenlinna, not its bill). Without
one, the budget of each of its boards for its year: each board orders from the provider.

The city's own production may be one party to the agreement while its budget lines name its
units (Hämeenlinna's HML-OMA and the lines of HML-ALUE1…7): for an own production unit, a line
of any own production unit of the municipality counts.

A budget's draft amendment does not stop the approval while an earlier version is approved:
the approved one is the budget that counts. Each refusal is a 409 naming the budget (board,
year, id) and what to do first.
"""

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.agreements.models import (
    PUBLISHED,
    AgreementStatus,
    ServiceAgreement,
    service_agreement_boards,
)
from app.budgets.models import OrderBudget, OrderBudgetLine
from app.core.errors import Conflict
from app.core.i18n import N_, t
from app.organisations.models import Board, Provider, ProviderKind

OWN = ProviderKind.own_production_unit


def _refuse(key: str, **values: object) -> Conflict:
    return Conflict(t(key, "en", **values), field="to", message=(key, values))


def _paying_boards(session: Session, agreement: ServiceAgreement) -> list[Board]:
    if agreement.order_budget_id is not None:
        budget = session.get_one(OrderBudget, agreement.order_budget_id)
        return [session.get_one(Board, budget.board_id)]
    return list(session.scalars(select(Board).join(
        service_agreement_boards, service_agreement_boards.c.board_id == Board.id).where(
        service_agreement_boards.c.service_agreement_id == agreement.id).order_by(Board.code)))


def _approved_budget(session: Session, board: Board, year: int) -> OrderBudget:
    """The newest approved version of ``board``'s order budget of ``year`` (409 if none)."""
    budgets = list(session.scalars(select(OrderBudget).where(
        OrderBudget.board_id == board.id, OrderBudget.year == year)
        .order_by(OrderBudget.version.desc())))
    if not budgets:
        raise _refuse(N_("detail_budget_missing"), board=board.code, year=year)
    approved = [b for b in budgets if b.status in PUBLISHED]
    if approved:
        return approved[0]
    newest = budgets[0]
    key = (N_("detail_budget_in_negotiation") if newest.status is AgreementStatus.negotiation
           else N_("detail_budget_draft"))
    raise _refuse(key, board=board.code, year=year, id=newest.id)


def _has_line(session: Session, budget: OrderBudget, provider: Provider) -> bool:
    stmt = select(OrderBudgetLine.id).join(Provider, Provider.id == OrderBudgetLine.provider_id) \
        .where(OrderBudgetLine.order_budget_id == budget.id)
    if provider.kind is OWN:
        stmt = stmt.where((Provider.id == provider.id) | (Provider.kind == OWN))
    else:
        stmt = stmt.where(Provider.id == provider.id)
    return session.scalar(stmt.limit(1)) is not None


def check_budgets(session: Session, agreement: ServiceAgreement) -> None:
    """409 unless the budget that pays for ``agreement`` is approved with a line for its
    provider (see the module docstring)."""
    provider = session.get_one(Provider, agreement.provider_id)
    for board in _paying_boards(session, agreement):
        budget = _approved_budget(session, board, agreement.year)
        if not _has_line(session, budget, provider):
            raise _refuse(N_("detail_budget_no_line"), board=board.code, year=agreement.year,
                          id=budget.id, provider=f"{provider.code} ({provider.name})")
