"""What changed between two agreement versions (diffs), compared by their snapshots
(app.lifecycle.snapshots); app.lifecycle.diff_text writes them as text.

A diff compares two versions (or two years' agreements after a carry-over): goals by code,
measures by goal and measure code, targets by year, actions and resources as rows, order budget
lines by product and provider. Each line change carries its euro effect (total after − total
before); a service agreement's budget effect is the change of the order budget it is based on
when the two versions are based on different order budget versions (the whole budget: the
own production's lines are usually ordered from its units, not from the agreement's party).
"""

from collections.abc import Callable
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from app.agreements.models import AgreementStatus
from app.auth.models import User
from app.core.ordering import natural
from app.lifecycle.snapshots import (
    ZERO,
    ActionSnap,
    FrameworkAgreementSnapshot,
    OrderBudgetSnapshot,
    ResourceSnap,
    ServiceAgreementSnapshot,
    TargetSnap,
    framework_snapshot,
    order_budget_snapshot,
    service_agreement_snapshot,
)

Change = Literal["added", "removed", "changed"]


class DiffModel(BaseModel):
    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)


class FieldChange(DiffModel):
    field: str
    from_: Any = Field(alias="from")
    to: Any


class TargetChange(DiffModel):
    year: int
    from_: Decimal | None = Field(alias="from")
    to: Decimal | None


class MeasureChange(DiffModel):
    goal: str
    code: str
    name: str
    change: Change
    fields: list[FieldChange] = []
    targets: list[TargetChange] = []


class GoalChange(DiffModel):
    code: str
    title: str
    change: Change
    fields: list[FieldChange] = []
    actions_added: list[ActionSnap] = []
    actions_removed: list[ActionSnap] = []
    resources_added: list[ResourceSnap] = []
    resources_removed: list[ResourceSnap] = []


class LineChange(DiffModel):
    product: str
    provider: str
    change: Change
    volume_from: Decimal | None = None
    volume_to: Decimal | None = None
    unit_price_from: Decimal | None = None
    unit_price_to: Decimal | None = None
    total_from: Decimal
    total_to: Decimal
    effect: Decimal = Field(description="total_to − total_from, euros")
    fields: list[FieldChange] = []


class VersionRef(DiffModel):
    id: int
    version: int
    status: AgreementStatus
    label: str


class OrderBudgetDiff(DiffModel):
    from_: VersionRef = Field(alias="from")
    to: VersionRef
    fields: list[FieldChange]
    lines: list[LineChange]
    total_from: Decimal
    total_to: Decimal
    effect: Decimal = Field(description="total_to − total_from, euros")


class ServiceAgreementDiff(DiffModel):
    from_: VersionRef = Field(alias="from")
    to: VersionRef
    fields: list[FieldChange]
    goals: list[GoalChange]
    measures: list[MeasureChange]
    order_budget: OrderBudgetDiff | None = Field(
        description="The change of the order budget the agreement is based on, if the two "
                    "versions are based on different order budget versions")
    resource_effect: Decimal = Field(description="Change of the goals' resource amounts, euros")
    budget_effect: Decimal = Field(description="The order budget's effect, euros")


class PerspectiveChange(DiffModel):
    name: str
    change: Change
    fields: list[FieldChange] = []


class LongTermGoalChange(DiffModel):
    perspective: str
    code: str
    title: str
    change: Change
    fields: list[FieldChange] = []


class FrameworkAgreementDiff(DiffModel):
    from_: VersionRef = Field(alias="from")
    to: VersionRef
    fields: list[FieldChange]
    perspectives: list[PerspectiveChange]
    goals: list[LongTermGoalChange]


def _fields(old: BaseModel, new: BaseModel, skip: set[str]) -> list[FieldChange]:
    return [FieldChange(field=name, from_=getattr(old, name), to=getattr(new, name))
            for name in type(old).model_fields
            if name not in skip and getattr(old, name) != getattr(new, name)]


def _rows_diff(old: list[Any], new: list[Any], key: Callable[[Any], Any]) -> tuple[list[Any], list[Any]]:
    old_keys, new_keys = [key(o) for o in old], [key(n) for n in new]
    return ([n for n, k in zip(new, new_keys, strict=True) if k not in old_keys],
            [o for o, k in zip(old, old_keys, strict=True) if k not in new_keys])


def _targets(old: list[TargetSnap], new: list[TargetSnap]) -> list[TargetChange]:
    before, after = {t.year: t.value for t in old}, {t.year: t.value for t in new}
    return [TargetChange(year=y, from_=before.get(y), to=after.get(y))
            for y in sorted(before.keys() | after.keys())
            if before.get(y) is None or after.get(y) is None or before[y] != after[y]]


def _ref(obj: ServiceAgreementSnapshot | OrderBudgetSnapshot | FrameworkAgreementSnapshot
         ) -> VersionRef:
    if isinstance(obj, ServiceAgreementSnapshot):
        label = obj.code
    elif isinstance(obj, OrderBudgetSnapshot):
        label = f"{obj.board} {obj.year}"
    else:
        label = f"{obj.board} {obj.first_year}–{obj.last_year}"
    return VersionRef(id=obj.id, version=obj.version, status=obj.status, label=label)


def budget_diff(old: OrderBudgetSnapshot, new: OrderBudgetSnapshot) -> OrderBudgetDiff:
    before = {(line.product, line.provider): line for line in old.lines}
    after = {(line.product, line.provider): line for line in new.lines}
    changes = []
    for key in sorted(before.keys() | after.keys()):
        b, a = before.get(key), after.get(key)
        total_from, total_to = (b.total if b else ZERO), (a.total if a else ZERO)
        fields = _fields(b, a, {"product", "provider", "volume", "unit_price", "total"}) \
            if a and b else []
        if a and b and total_from == total_to and a.volume == b.volume \
                and a.unit_price == b.unit_price and not fields:
            continue
        changes.append(LineChange(
            product=key[0], provider=key[1],
            change="added" if b is None else "removed" if a is None else "changed",
            volume_from=b.volume if b else None, volume_to=a.volume if a else None,
            unit_price_from=b.unit_price if b else None, unit_price_to=a.unit_price if a else None,
            total_from=total_from, total_to=total_to, effect=total_to - total_from, fields=fields))
    return OrderBudgetDiff(
        from_=_ref(old), to=_ref(new), fields=_fields(old, new, {"id", "lines", "total", "status",
                                                                 "version"}),
        lines=changes, total_from=old.total, total_to=new.total, effect=new.total - old.total)


def service_agreement_diff(old: ServiceAgreementSnapshot, new: ServiceAgreementSnapshot,
                           budgets: tuple[OrderBudgetSnapshot, OrderBudgetSnapshot] | None
                           ) -> ServiceAgreementDiff:
    goals_before = {g.code: g for g in old.goals}
    goals_after = {g.code: g for g in new.goals}
    goal_changes: list[GoalChange] = []
    measure_changes: list[MeasureChange] = []
    resource_effect = ZERO
    for code in sorted(goals_before.keys() | goals_after.keys(), key=natural):
        b, a = goals_before.get(code), goals_after.get(code)
        resources_b = sum((r.amount or ZERO for r in b.resources), ZERO) if b else ZERO
        resources_a = sum((r.amount or ZERO for r in a.resources), ZERO) if a else ZERO
        resource_effect += resources_a - resources_b
        if b is None or a is None:
            goal = a or b
            assert goal is not None
            goal_changes.append(GoalChange(code=code, title=goal.title,
                                           change="added" if b is None else "removed"))
        else:
            fields = _fields(b, a, {"code", "actions", "resources", "measures"})
            actions = _rows_diff(b.actions, a.actions, lambda x: (x.description, x.responsible))
            resources = _rows_diff(b.resources, a.resources,
                                   lambda x: (x.kind, x.description, x.amount))
            if fields or any(actions) or any(resources):
                goal_changes.append(GoalChange(
                    code=code, title=a.title, change="changed", fields=fields,
                    actions_added=actions[0], actions_removed=actions[1],
                    resources_added=resources[0], resources_removed=resources[1]))
        measures_b = {m.code: m for m in (b.measures if b else [])}
        measures_a = {m.code: m for m in (a.measures if a else [])}
        for mcode in sorted(measures_b.keys() | measures_a.keys()):
            mb, ma = measures_b.get(mcode), measures_a.get(mcode)
            if mb is None or ma is None:
                measure = ma or mb
                assert measure is not None
                measure_changes.append(MeasureChange(
                    goal=code, code=mcode, name=measure.name,
                    change="added" if mb is None else "removed",
                    targets=_targets(mb.targets if mb else [], ma.targets if ma else [])))
                continue
            fields = _fields(mb, ma, {"code", "targets"})
            targets = _targets(mb.targets, ma.targets)
            if fields or targets:
                measure_changes.append(MeasureChange(goal=code, code=mcode, name=ma.name,
                                                     change="changed", fields=fields,
                                                     targets=targets))
    budget = budget_diff(*budgets) if budgets else None
    return ServiceAgreementDiff(
        from_=_ref(old), to=_ref(new),
        fields=_fields(old, new, {"id", "goals", "status", "version"}),
        goals=goal_changes, measures=measure_changes, order_budget=budget,
        resource_effect=resource_effect, budget_effect=budget.effect if budget else ZERO)


def framework_diff(old: FrameworkAgreementSnapshot, new: FrameworkAgreementSnapshot
                   ) -> FrameworkAgreementDiff:
    """Perspectives by their Finnish name, long-term goals by perspective and code."""
    before = {p.name_fi: p for p in old.perspectives}
    after = {p.name_fi: p for p in new.perspectives}
    perspectives: list[PerspectiveChange] = []
    goals: list[LongTermGoalChange] = []
    for name in sorted(before.keys() | after.keys(),
                       key=lambda n: (after[n].position if n in after else before[n].position, n)):
        b, a = before.get(name), after.get(name)
        if b is None or a is None:
            perspectives.append(PerspectiveChange(name=name,
                                                  change="added" if b is None else "removed"))
        elif fields := _fields(b, a, {"name_fi", "goals"}):
            perspectives.append(PerspectiveChange(name=name, change="changed", fields=fields))
        goals_b = {g.code: g for g in (b.goals if b else [])}
        goals_a = {g.code: g for g in (a.goals if a else [])}
        for code in sorted(goals_b.keys() | goals_a.keys(), key=natural):
            gb, ga = goals_b.get(code), goals_a.get(code)
            if gb is None or ga is None:
                goal = ga or gb
                assert goal is not None
                goals.append(LongTermGoalChange(perspective=name, code=code, title=goal.title,
                                                change="added" if gb is None else "removed"))
            elif fields := _fields(gb, ga, {"code"}):
                goals.append(LongTermGoalChange(perspective=name, code=code, title=ga.title,
                                                change="changed", fields=fields))
    return FrameworkAgreementDiff(
        from_=_ref(old), to=_ref(new),
        fields=_fields(old, new, {"id", "perspectives", "status", "version"}),
        perspectives=perspectives, goals=goals)


def compare_framework_agreements(session: Session, user: User, from_id: int, to_id: int
                                 ) -> FrameworkAgreementDiff:
    return framework_diff(framework_snapshot(session, user, from_id),
                          framework_snapshot(session, user, to_id))


def compare_service_agreements(session: Session, user: User, from_id: int, to_id: int
                               ) -> ServiceAgreementDiff:
    old = service_agreement_snapshot(session, user, from_id)
    new = service_agreement_snapshot(session, user, to_id)
    budgets = None
    if old.order_budget_id != new.order_budget_id and old.order_budget_id and new.order_budget_id:
        budgets = (order_budget_snapshot(session, user, old.order_budget_id),
                   order_budget_snapshot(session, user, new.order_budget_id))
    return service_agreement_diff(old, new, budgets)


def compare_order_budgets(session: Session, user: User, from_id: int, to_id: int) -> OrderBudgetDiff:
    return budget_diff(order_budget_snapshot(session, user, from_id),
                       order_budget_snapshot(session, user, to_id))
