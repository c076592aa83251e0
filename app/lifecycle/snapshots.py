"""Agreement versions as they were (snapshots): the whole version with its content, named by
codes. Since an approved version is never edited in place, the snapshot of version n is that
version as the board approved it.
"""

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from app.agreements.models import (
    AgreementStatus,
    FrameworkAgreement,
    LongTermGoal,
    Perspective,
    ServiceAgreement,
)
from app.auth.authz import scope
from app.auth.models import User
from app.budgets.models import OrderBudget, OrderBudgetLine
from app.catalogue.models import Product
from app.core.access import get_readable
from app.goals.models import Action, Goal, Resource
from app.indicators.models import Measure
from app.organisations.models import Board, Provider
from app.pricelists.models import OrderLineItem, PriceItem, PriceList

ZERO = Decimal("0.00")


class Snap(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class TargetSnap(Snap):
    year: int
    value: Decimal


class MeasureSnap(Snap):
    code: str
    name: str
    unit: str
    direction: str
    provider: str
    baseline_value: Decimal | None
    baseline_year: int | None
    tolerance: Decimal
    frequency: str
    rollup: str
    comparison: str
    min_value: Decimal | None
    max_value: Decimal | None
    source: str
    sotkanet_indicator_id: int | None
    indicator_code: str | None = None  # a shared indicator (snapshots before it: none)
    sotkanet_region_id: int | None
    reward_kind: str | None = None
    reward_amount: Decimal | None = None
    reward_percent: Decimal | None = None
    reward_cap: Decimal | None = None
    reward_description: str | None = None
    targets: list[TargetSnap]


class ActionSnap(Snap):
    position: int
    description: str
    responsible: str | None


class ResourceSnap(Snap):
    kind: str
    description: str | None
    amount: Decimal | None


class GoalSnap(Snap):
    code: str
    title: str
    description: str | None
    long_term_goal: str | None
    actions: list[ActionSnap]
    resources: list[ResourceSnap]
    measures: list[MeasureSnap]


class ServiceAgreementSnapshot(Snap):
    id: int
    code: str
    version: int
    status: AgreementStatus
    year: int
    title: str
    description: str | None
    steering: str = "purchase"
    provider: str
    framework_agreement_id: int | None
    order_budget_id: int | None
    boards: list[str]
    goals: list[GoalSnap]


class LineSnap(Snap):
    product: str
    provider: str
    volume: Decimal | None
    unit_price: Decimal | None
    appropriation: Decimal | None = None
    price_list: str | None = None
    items: dict[str, Decimal] = {}  # a line priced by a price list: item code → volume
    carry_over: bool = False
    total: Decimal
    population_moment: str | None
    age_segment: str | None


class OrderBudgetSnapshot(Snap):
    id: int
    board: str
    year: int
    version: int
    status: AgreementStatus
    title: str
    total: Decimal
    lines: list[LineSnap]


class LongTermGoalSnap(Snap):
    code: str
    title: str
    actions: str | None
    resources: list[str]
    evaluation: str | None
    boards: list[str]


class PerspectiveSnap(Snap):
    position: int
    name_fi: str
    name_sv: str | None
    goals: list[LongTermGoalSnap]


class FrameworkAgreementSnapshot(Snap):
    id: int
    board: str
    first_year: int
    last_year: int
    version: int
    status: AgreementStatus
    title: str
    description: str | None
    perspectives: list[PerspectiveSnap]




def _codes(session: Session, model: Any, ids: Iterable[int | None]) -> dict[int, str]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return dict(session.execute(select(model.id, model.code).where(model.id.in_(wanted))).all())


def service_agreement_snapshot(session: Session, user: User, agreement_id: int
                               ) -> ServiceAgreementSnapshot:
    agreement = get_readable(session, ServiceAgreement, agreement_id, user,
                             [selectinload(ServiceAgreement.boards)])
    goals = session.scalars(scope(select(Goal), Goal, user)
                            .where(Goal.service_agreement_id == agreement.id)
                            .order_by(Goal.code)).all()
    goal_ids = [g.id for g in goals]

    def children(model: Any, *order: Any) -> dict[int, list[Any]]:
        out: dict[int, list[Any]] = {g: [] for g in goal_ids}
        for row in session.scalars(scope(select(model), model, user)
                                   .where(model.goal_id.in_(goal_ids)).order_by(*order)):
            out[row.goal_id].append(row)
        return out

    actions = children(Action, Action.position, Action.id)
    resources = children(Resource, Resource.id)
    measures: dict[int, list[Any]] = {g: [] for g in goal_ids}
    for m in session.scalars(scope(select(Measure), Measure, user).options(
            selectinload(Measure.targets)).where(Measure.goal_id.in_(goal_ids))
            .order_by(Measure.code)):
        measures[m.goal_id].append(m)
    providers = _codes(session, Provider, [agreement.provider_id,
                                           *(m.provider_id for ms in measures.values() for m in ms)])
    long_term = _codes(session, LongTermGoal, [g.long_term_goal_id for g in goals])
    return ServiceAgreementSnapshot(
        id=agreement.id, code=agreement.code, version=agreement.version, status=agreement.status,
        year=agreement.year, title=agreement.title, description=agreement.description,
        steering=agreement.steering, provider=providers[agreement.provider_id],
        framework_agreement_id=agreement.framework_agreement_id,
        order_budget_id=agreement.order_budget_id,
        boards=sorted(b.code for b in agreement.boards),
        goals=[GoalSnap(
            code=g.code, title=g.title, description=g.description,
            long_term_goal=long_term.get(g.long_term_goal_id or 0),
            actions=[ActionSnap.model_validate(a) for a in actions[g.id]],
            resources=[ResourceSnap.model_validate(r) for r in resources[g.id]],
            measures=[MeasureSnap.model_validate({
                **{k: getattr(m, k) for k in MeasureSnap.model_fields
                   if k not in {"provider", "targets"}},
                "provider": providers[m.provider_id],
                "targets": [TargetSnap.model_validate(t) for t in m.targets],
            }) for m in measures[g.id]],
        ) for g in goals],
    )


def order_budget_snapshot(session: Session, user: User, budget_id: int) -> OrderBudgetSnapshot:
    budget = get_readable(session, OrderBudget, budget_id, user)
    rows = session.execute(
        scope(select(OrderBudgetLine, Product.code, Provider.code), OrderBudgetLine, user)
        .join(Product, Product.id == OrderBudgetLine.product_id)
        .join(Provider, Provider.id == OrderBudgetLine.provider_id)
        .where(OrderBudgetLine.order_budget_id == budget.id)
        .order_by(Product.code, Provider.code)).all()
    items = _line_items(session, user, [line.id for line, _, _ in rows])
    lists = dict(session.execute(select(PriceList.id, PriceList.code).where(
        PriceList.id.in_({line.price_list_id for line, _, _ in rows}))).all())
    lines = [LineSnap(product=product, provider=provider, volume=line.volume,
                      unit_price=line.unit_price, appropriation=line.appropriation,
                      price_list=lists.get(line.price_list_id) if line.price_list_id else None,
                      items=items.get(line.id, {}),
                      carry_over=line.carry_over, total=line.total,
                      population_moment=line.population_moment, age_segment=line.age_segment)
             for line, product, provider in rows]
    return OrderBudgetSnapshot(
        id=budget.id, board=session.get_one(Board, budget.board_id).code, year=budget.year,
        version=budget.version, status=budget.status, title=budget.title,
        total=sum((line.total for line in lines), ZERO), lines=lines)


def framework_snapshot(session: Session, user: User, framework_id: int
                       ) -> FrameworkAgreementSnapshot:
    framework = get_readable(session, FrameworkAgreement, framework_id, user)
    perspectives = session.scalars(select(Perspective).where(
        Perspective.framework_agreement_id == framework.id).order_by(Perspective.position)).all()
    goals: dict[int, list[LongTermGoal]] = {p.id: [] for p in perspectives}
    for goal in session.scalars(select(LongTermGoal).options(selectinload(LongTermGoal.boards))
                                .where(LongTermGoal.perspective_id.in_(goals))
                                .order_by(LongTermGoal.code)):
        goals[goal.perspective_id].append(goal)
    return FrameworkAgreementSnapshot(
        id=framework.id, board=session.get_one(Board, framework.board_id).code,
        first_year=framework.first_year, last_year=framework.last_year,
        version=framework.version, status=framework.status, title=framework.title,
        description=framework.description,
        perspectives=[PerspectiveSnap(
            position=p.position, name_fi=p.name_fi, name_sv=p.name_sv,
            goals=[LongTermGoalSnap(code=g.code, title=g.title, actions=g.actions,
                                    resources=list(g.resources), evaluation=g.evaluation,
                                    boards=sorted(b.code for b in g.boards))
                   for g in goals[p.id]]) for p in perspectives])


def _line_items(session: Session, user: User, line_ids: list[int]) -> dict[int, dict[str, Decimal]]:
    """The items ordered on each line priced by a price list: item code → volume."""
    out: dict[int, dict[str, Decimal]] = {}
    for line_id, code, volume in session.execute(
            scope(select(OrderLineItem.order_budget_line_id, PriceItem.code,
                         OrderLineItem.volume), OrderLineItem, user)
            .join(PriceItem, PriceItem.id == OrderLineItem.item_id)
            .where(OrderLineItem.order_budget_line_id.in_(line_ids))
            .order_by(PriceItem.code)):
        out.setdefault(line_id, {})[code] = volume
    return out
