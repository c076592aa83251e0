"""The one place that decides who may read and write what.

Reads are scoped in the query itself, for lists and single objects alike: an object the caller
may not see is simply not found (404), so its existence does not leak. Writes are checked after
the scoped fetch (403).
"""

from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, select

from app.agreements.models import ServiceAgreement
from app.auth.models import Role, User
from app.budgets.models import Delivery, OrderBudget, OrderBudgetLine
from app.core.errors import Forbidden
from app.goals.models import Action, Goal, Resource
from app.indicators.models import IndicatorValue, Measure, MeasureTarget
from app.organisations.models import Municipality, Provider
from app.submissions.models import IndicatorValueRevision, ReportingDeadline

S = TypeVar("S", bound=Select)  # type: ignore[type-arg]

PURCHASER_ROLES = frozenset({Role.admin, Role.purchaser_director, Role.purchaser_manager})


def is_installation_admin(user: User) -> bool:
    return user.role is Role.admin and user.municipality_id is None


def _provider_filter(model: Any, provider_id: int) -> ColumnElement[bool] | None:
    """What a provider reporter may see of each model: only what concerns his provider."""
    own_agreements = select(ServiceAgreement.id).where(ServiceAgreement.provider_id == provider_id)
    own_goals = select(Goal.id).where(Goal.service_agreement_id.in_(own_agreements))
    own_measures = select(Measure.id).where(Measure.provider_id == provider_id)
    own_lines = select(OrderBudgetLine.id).where(OrderBudgetLine.provider_id == provider_id)
    filters: dict[Any, ColumnElement[bool]] = {
        Provider: Provider.id == provider_id,
        ServiceAgreement: ServiceAgreement.provider_id == provider_id,
        Goal: Goal.service_agreement_id.in_(own_agreements),
        Action: Action.goal_id.in_(own_goals),
        Resource: Resource.goal_id.in_(own_goals),
        Measure: Measure.provider_id == provider_id,
        MeasureTarget: MeasureTarget.measure_id.in_(own_measures),
        IndicatorValue: IndicatorValue.measure_id.in_(own_measures),
        OrderBudgetLine: OrderBudgetLine.provider_id == provider_id,
        Delivery: Delivery.order_budget_line_id.in_(own_lines),
        ReportingDeadline: ReportingDeadline.service_agreement_id.in_(own_agreements),
        IndicatorValueRevision: IndicatorValueRevision.indicator_value_id.in_(
            select(IndicatorValue.id).where(IndicatorValue.measure_id.in_(own_measures))
        ),
        OrderBudget: OrderBudget.id.in_(
            select(OrderBudgetLine.order_budget_id).where(OrderBudgetLine.provider_id == provider_id)
        ),
    }
    return filters.get(model)


def scope(stmt: S, model: Any, user: User) -> S:
    """Restrict a select of ``model`` to the rows ``user`` may read."""
    if is_installation_admin(user):
        return stmt
    if model is Municipality:
        return stmt.where(Municipality.id == user.municipality_id)  # type: ignore[return-value]
    scoped = stmt.where(model.municipality_id == user.municipality_id)
    if user.role is Role.provider_reporter:
        provider_filter = _provider_filter(model, user.provider_id or 0)
        if provider_filter is not None:
            scoped = scoped.where(provider_filter)
    return scoped  # type: ignore[return-value]


def may_write(user: User, model: Any) -> bool:
    if is_installation_admin(user):
        return True
    if model is Municipality:
        return False
    if user.role in PURCHASER_ROLES:
        return True
    # A provider reporter reaches only his own measures and order lines (scope), and writes
    # only their values and deliveries.
    return user.role is Role.provider_reporter and model in (IndicatorValue, Delivery)


def require_write(user: User, model: Any) -> None:
    if not may_write(user, model):
        raise Forbidden(f"Your role ({user.role.value}) may not change {model.__tablename__}")
