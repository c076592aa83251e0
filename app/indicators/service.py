"""Domain rules of measures and indicator values."""

from datetime import date
from typing import Any, NamedTuple

from sqlalchemy import ColumnElement, delete, func, inspect, select
from sqlalchemy.orm import Session, selectinload

from app.agreements import in_force
from app.agreements.models import FrameworkAgreement, ServiceAgreement
from app.auth.authz import scope
from app.auth.models import User
from app.core import access
from app.core.errors import Conflict, InvalidInput
from app.core.i18n import N_
from app.core.periods import parse_period, periods_of_year
from app.goals.models import Goal
from app.indicators.models import (
    DEFAULT_COMPARISON,
    DataSource,
    IndicatorValue,
    Measure,
    MeasureTarget,
    RewardKind,
    Rollup,
)


class _Years(NamedTuple):
    first_year: int
    last_year: int


def _agreement_and_framework(session: Session, goal_id: int) -> tuple[ServiceAgreement, _Years]:
    """The agreement and its years: its framework agreement's, or (an agreement outside any
    framework) its own year."""
    goal = session.get_one(Goal, goal_id)
    agreement = session.get_one(ServiceAgreement, goal.service_agreement_id)
    if agreement.framework_agreement_id is None:
        return agreement, _Years(agreement.year, agreement.year)
    framework = session.get_one(FrameworkAgreement, agreement.framework_agreement_id)
    return agreement, _Years(framework.first_year, framework.last_year)


def _comparison_follows_rollup(measure: Measure, data: dict[str, Any]) -> None:
    """A comparison left at what the old roll-up suggested follows a changed roll-up; one
    chosen apart from it stays."""
    if data.get("comparison") is not None:
        return
    old = inspect(measure).attrs.rollup.history.deleted
    if old and measure.comparison == DEFAULT_COMPARISON[Rollup(old[0])]:
        measure.comparison = DEFAULT_COMPARISON[Rollup(measure.rollup)]


REWARD_COLUMNS = {"kind": "reward_kind", "amount": "reward_amount",
                  "percent": "reward_percent", "cap": "reward_cap",
                  "description": "reward_description"}


def set_reward(measure: Measure, data: dict[str, Any]) -> None:
    """A request's ``reward`` (an object, or None to remove the rule) onto the columns."""
    if "reward" not in data:
        return
    reward = data["reward"] or {}
    for key, column in REWARD_COLUMNS.items():
        setattr(measure, column, reward.get(key))


def check_reward(measure: Measure) -> None:
    """A fixed reward needs its amount, a share its per cent; neither takes the other's."""
    kind = measure.reward_kind
    given = {key for key, column in REWARD_COLUMNS.items()
             if key not in ("kind", "description") and getattr(measure, column) is not None}
    if kind is None:
        if given:
            raise InvalidInput("a reward needs its kind: fixed or share", field="reward.kind")
        return
    needed, allowed = ({"amount"}, {"amount"}) if kind == RewardKind.fixed \
        else ({"percent"}, {"percent", "cap"})
    if missing := sorted(needed - given):
        raise InvalidInput(f"a {kind} reward needs its {missing[0]}",
                           field=f"reward.{missing[0]}")
    if extra := sorted(given - allowed):
        raise InvalidInput(f"a {kind} reward takes no {extra[0]}", field=f"reward.{extra[0]}")


def measure_rules(session: Session, measure: Measure, data: dict[str, Any]) -> None:
    set_reward(measure, data)
    check_reward(measure)
    agreement, framework = _agreement_and_framework(session, measure.goal_id)
    if measure.provider_id is None:
        measure.provider_id = agreement.provider_id
    years = range(framework.first_year, framework.last_year + 1)
    for target in data.get("targets") or []:
        if target["year"] not in years:
            raise InvalidInput(
                f"a target for {target['year']} is outside the agreement's years "
                f"{framework.first_year}–{framework.last_year}",
                field="targets",
            )
    target_years = [t["year"] for t in data.get("targets") or []]
    if len(target_years) != len(set(target_years)):
        raise InvalidInput("a year may have only one target", field="targets")
    if measure.baseline_value is not None and measure.baseline_year is None:
        raise InvalidInput("a baseline needs its year", field="baseline_year")
    _comparison_follows_rollup(measure, data)
    if (
        measure.min_value is not None and measure.max_value is not None
        and measure.min_value > measure.max_value
    ):
        raise InvalidInput("min_value is greater than max_value", field="min_value")
    if measure.source is DataSource.national and (
        measure.sotkanet_indicator_id is None or measure.sotkanet_region_id is None
    ):
        raise InvalidInput(
            "A national indicator needs its Sotkanet indicator id and region id",
            field="sotkanet_indicator_id",
        )


def replace_targets(session: Session, user: User, measure: Measure, data: dict[str, Any]) -> None:
    if data.get("targets") is None:
        return
    session.execute(delete(MeasureTarget).where(MeasureTarget.measure_id == measure.id))
    for target in data["targets"]:
        session.add(MeasureTarget(
            measure_id=measure.id, municipality_id=measure.municipality_id, year=target["year"],
            value=target["value"], created_by=user.username, updated_by=user.username,
        ))
    session.flush()


def value_rules(session: Session, value: IndicatorValue, _: dict[str, Any]) -> None:
    measure = session.get_one(Measure, value.measure_id)
    period = parse_period(value.period)
    value.period_start, value.period_end = period.start, period.end
    allowed = [p.code for p in periods_of_year(period.year, measure.frequency)]
    if period.code not in allowed:
        raise InvalidInput(
            f"measure {measure.code} is reported by {measure.frequency.value} "
            f"({', '.join(allowed)}), not for {period.code}",
            field="period",
        )
    framework = _agreement_and_framework(session, measure.goal_id)[1]
    if not framework.first_year <= period.year <= framework.last_year:
        raise InvalidInput(
            f"{period.code} is outside the agreement's years "
            f"{framework.first_year}–{framework.last_year}",
            field="period",
        )
    if measure.min_value is not None and value.value < measure.min_value:
        raise InvalidInput(
            f"{value.value} is below the smallest allowed value {measure.min_value} "
            f"{measure.unit}",
            field="value",
        )
    if measure.max_value is not None and value.value > measure.max_value:
        raise InvalidInput(
            f"{value.value} is above the largest allowed value {measure.max_value} "
            f"{measure.unit}",
            field="value",
        )


def measure_in_agreement(agreement_id: int) -> ColumnElement[bool]:
    return Measure.goal_id.in_(select(Goal.id).where(Goal.service_agreement_id == agreement_id))


def measure_in_force(on: date) -> ColumnElement[bool]:
    """The measures of the service agreement versions that count on the day ``on``."""
    return Measure.goal_id.in_(select(Goal.id).where(Goal.service_agreement_id.in_(
        select(ServiceAgreement.id).where(in_force.counting_in_sql(ServiceAgreement, on)))))


def value_of_provider(provider_id: int) -> ColumnElement[bool]:
    return IndicatorValue.measure_id.in_(select(Measure.id).where(Measure.provider_id == provider_id))


def value_of_measure(measure_id: int) -> ColumnElement[bool]:
    """The values of a measure are those of its lineage, whichever version they were reported
    against (app.agreements.in_force)."""
    return IndicatorValue.lineage.in_(select(Measure.lineage).where(Measure.id == measure_id))


def value_in_year(year: int) -> ColumnElement[bool]:
    return (IndicatorValue.period_start >= date(year, 1, 1)) & (
        IndicatorValue.period_end <= date(year, 12, 31)
    )


access.register(Measure, measure_rules, nested=frozenset({"targets", "reward"}),
                after_write=replace_targets)


def goals_measures(session: Session, user: User | None, goal_ids: list[int]) -> list[Measure]:
    """The measures of these goals that the user may read, with their targets, by code."""
    return list(session.scalars(
        scope(select(Measure).where(Measure.goal_id.in_(goal_ids)), Measure, user)
        .options(selectinload(Measure.targets)).order_by(Measure.code)))


def measures_with_targets(session: Session, user: User | None, ids: list[int]
                          ) -> dict[int, Measure]:
    """The measures of these ids that the user may read, with their targets."""
    return {m.id: m for m in session.scalars(
        scope(select(Measure), Measure, user).where(Measure.id.in_(ids))
        .options(selectinload(Measure.targets)))}


# -- values are not lost with a draft ------------------------------------------------------------

def _measures_under(obj: Any) -> Any:
    if isinstance(obj, Measure):
        return select(Measure.id).where(Measure.id == obj.id)
    goals = (select(Goal.id).where(Goal.id == obj.id) if isinstance(obj, Goal)
             else select(Goal.id).where(Goal.service_agreement_id == obj.id))
    return select(Measure.id).where(Measure.goal_id.in_(goals))


def refuse_to_delete_values(session: Session, _: User, obj: Any) -> None:
    """A measure, goal or (draft) service agreement whose measures have values reported against
    them is not deleted: the values would go with it (the foreign keys cascade)."""
    count = session.scalar(select(func.count()).select_from(IndicatorValue).where(
        IndicatorValue.measure_id.in_(_measures_under(obj))))
    if count:
        raise Conflict(
            f"{count} indicator value(s) are reported against the measures of this "
            f"{access.label(obj)}; deleting it would delete them: return or delete them first",
            message=(N_("detail_values_would_be_lost"), {"count": count}))


for _model in (ServiceAgreement, Goal, Measure):
    access.add_delete_check(_model, refuse_to_delete_values)
