"""Deliveries for the budget follow-up: each is for a period of its order budget's year."""

from typing import Any

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from app.budgets.models import Delivery, OrderBudget, OrderBudgetLine
from app.core import access
from app.core.errors import InvalidInput
from app.submissions.ledger import period_of


def delivery_rules(session: Session, delivery: Delivery, _: dict[str, Any]) -> None:
    """A delivery is for a period of its order budget's year."""
    line = session.get_one(OrderBudgetLine, delivery.order_budget_line_id)
    budget = session.get_one(OrderBudget, line.order_budget_id)
    period = period_of(delivery.period)
    if period.year != budget.year:
        raise InvalidInput(f"{period.code} is not in the order budget's year {budget.year}",
                           field="period")
    delivery.period, delivery.period_start, delivery.period_end = (period.code, period.start,
                                                                   period.end)


def delivery_in_budget(order_budget_id: int) -> ColumnElement[bool]:
    return Delivery.order_budget_line_id.in_(
        select(OrderBudgetLine.id).where(OrderBudgetLine.order_budget_id == order_budget_id))


def delivery_of_provider(provider_id: int) -> ColumnElement[bool]:
    return Delivery.order_budget_line_id.in_(
        select(OrderBudgetLine.id).where(OrderBudgetLine.provider_id == provider_id))


access.register(Delivery, delivery_rules)
