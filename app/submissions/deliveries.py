"""Deliveries for the budget follow-up: each is for a period of its order budget's year, and
the periods of one order line do not overlap, except the year-to-date reports (T1, T2 and the
year), which are cumulative: each replaces the one before it in the budget realisation
(app.reports.status.cover). Any other overlap would be counted once and the rest silently left
out, so it is refused (409 naming the delivery already there)."""

from typing import Any

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from app.budgets.models import Delivery, OrderBudget, OrderBudgetLine
from app.core import access
from app.core.errors import Conflict, InvalidInput
from app.core.i18n import N_, t
from app.core.periods import Frequency, Period
from app.submissions.ledger import period_of


def delivery_rules(session: Session, delivery: Delivery, _: dict[str, Any]) -> None:
    """A delivery is for a period of its order budget's year that overlaps no other delivery of
    its line (but the year-to-date ones: the module docstring)."""
    line = session.get_one(OrderBudgetLine, delivery.order_budget_line_id)
    budget = session.get_one(OrderBudget, line.order_budget_id)
    period = period_of(delivery.period)
    if period.year != budget.year:
        raise InvalidInput(f"{period.code} is not in the order budget's year {budget.year}",
                           field="period")
    if delivery.volume is None and line.appropriation is None:  # a line of volume × price
        key = N_("detail_delivery_needs_volume")
        raise InvalidInput(t(key, "en"), field="volume", message=(key, {}))
    _check_overlap(session, delivery, period)
    delivery.period, delivery.period_start, delivery.period_end = (period.code, period.start,
                                                                   period.end)


YEAR_TO_DATE = frozenset({Frequency.tertial, Frequency.year})


def _check_overlap(session: Session, delivery: Delivery, period: Period) -> None:
    stmt = select(Delivery).where(
        Delivery.order_budget_line_id == delivery.order_budget_line_id,
        Delivery.period_start <= period.end, Delivery.period_end >= period.start,
        Delivery.period != period.code,  # the same period is the natural key's 409
    ).order_by(Delivery.period_start, Delivery.period_end)
    if delivery.id is not None:
        stmt = stmt.where(Delivery.id != delivery.id)
    for other in session.scalars(stmt):
        if period.frequency in YEAR_TO_DATE and period_of(other.period).frequency in YEAR_TO_DATE:
            continue
        key = N_("detail_delivery_overlaps")
        values = {"line": delivery.order_budget_line_id, "period": other.period,
                  "id": other.id, "new": period.code}
        raise Conflict(t(key, "en", **values), field="period", message=(key, values))


def delivery_in_budget(order_budget_id: int) -> ColumnElement[bool]:
    return Delivery.order_budget_line_id.in_(
        select(OrderBudgetLine.id).where(OrderBudgetLine.order_budget_id == order_budget_id))


def delivery_of_provider(provider_id: int) -> ColumnElement[bool]:
    return Delivery.order_budget_line_id.in_(
        select(OrderBudgetLine.id).where(OrderBudgetLine.provider_id == provider_id))


access.register(Delivery, delivery_rules)
