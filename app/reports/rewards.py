"""Rewards (palkitseminen) of ownership and purchase steering: a measure's reward rule applied
to its year's value and target, computed at the year's end, never typed in.

- ``fixed``: the rule's amount in euros when the year's target is met;
- ``share``: the rule's per cent of the excess over the target (above it for a measure where
  higher is better, below it where lower is), at most the cap; cents rounded half up.

The year's value and whether its target is met are the reports' (app.reports.status: the
year's values rolled up by the measure's rule, judged in its direction, without tolerance: a
value at risk has not met its target). A reward is pending ("ratkeaa vuoden lopussa") until the
day ``as_of`` reaches the year's last day and the values counted cover the whole year, and
while the year has no target.
"""

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from app.agreements.models import ServiceAgreement
from app.auth.authz import scope
from app.auth.models import User
from app.core.access import get_readable
from app.core.ordering import natural
from app.core.periods import parse_period
from app.core.types import euros
from app.goals.models import Goal
from app.indicators.models import Direction, IndicatorValue, Measure, RewardKind
from app.reports import status as st
from app.reports.data import RewardEntry, RewardRule


class RewardState(StrEnum):
    earned = "earned"  # ansaittu
    not_earned = "not_earned"  # ei ansaittu
    pending = "pending"  # ratkeaa vuoden lopussa


def reward_rule(m: Measure) -> RewardRule | None:
    """The measure's reward rule as the reports show it (None: it has none)."""
    reward = m.reward
    if reward is None:
        return None
    return RewardRule(kind=reward.kind.value, amount=reward.amount, percent=reward.percent,
                      cap=reward.cap, description=reward.description)


def reward_amount(m: Measure, value: Decimal, target: Decimal) -> Decimal:
    """The euros a met target earns under the measure's rule."""
    if m.reward_kind == RewardKind.fixed:
        return euros(m.reward_amount or Decimal(0))
    excess = value - target if m.direction is Direction.higher_is_better else target - value
    earned = max(excess, Decimal(0)) * (m.reward_percent or Decimal(0)) / 100
    if m.reward_cap is not None:
        earned = min(earned, m.reward_cap)
    return euros(earned)


def measure_reward(m: Measure, values: Sequence[IndicatorValue], year: int, as_of: date,
                   goal: str = "", agreement: str = "") -> RewardEntry:
    """The reward of one measure (with a rule) for ``year`` from its counted values."""
    now = st.measure_status(
        rollup=m.rollup, direction=m.direction, tolerance=Decimal(0),
        targets={t.year: t.value for t in m.targets}, values=values,
        period=parse_period(str(year)), comparison=m.comparison, baseline=m.baseline_value)
    decided = (as_of >= date(year, 12, 31) and now.rolled is not None
               and not now.rolled.partial and now.target is not None)
    state, earned = RewardState.pending, None
    if decided:
        assert now.compared is not None and now.target is not None
        met = now.status is st.Status.on_track
        state = RewardState.earned if met else RewardState.not_earned
        earned = reward_amount(m, now.compared, now.target) if met else Decimal("0.00")
    rule = reward_rule(m)
    assert rule is not None
    return RewardEntry(
        measure_id=m.id, code=m.code, name=m.name, unit=m.unit, direction=m.direction.value,
        goal=goal, agreement=agreement, year=year,
        rule=rule,
        target=now.target, value=now.compared if now.rolled else None,
        state=state.value, earned=earned)


def rewards_of(session: Session, user: User | None, agreements: Sequence[ServiceAgreement],
               year: int, as_of: date) -> list[RewardEntry]:
    """The rewards of the measures with a rule in these agreements, by agreement, goal and
    measure code."""
    goals = {g.id: g for g in session.scalars(scope(select(Goal), Goal, user).where(
        Goal.service_agreement_id.in_([a.id for a in agreements])))}
    measures = list(session.scalars(scope(select(Measure), Measure, user).where(
        Measure.goal_id.in_(goals), Measure.reward_kind.is_not(None))
        .options(selectinload(Measure.targets))))
    values: dict[str, list[IndicatorValue]] = {}
    for v in st.counted_values(session, user, [m.id for m in measures], date(year, 12, 31)):
        values.setdefault(v.lineage, []).append(v)
    codes = {a.id: a.code for a in agreements}
    order = {a.id: i for i, a in enumerate(agreements)}

    def key(m: Measure) -> tuple[int, Any, Any]:
        goal = goals[m.goal_id]
        return order[goal.service_agreement_id], natural(goal.code), natural(m.code)

    return [measure_reward(m, values.get(m.lineage, []), year, as_of, goals[m.goal_id].code,
                           codes[goals[m.goal_id].service_agreement_id])
            for m in sorted(measures, key=key)]


def agreement_rewards(session: Session, user: User | None, agreement_id: int, year: int | None = None,
                      as_of: date | None = None) -> list[RewardEntry]:
    """The rewards of one agreement version the user may read (404 otherwise), for ``year``
    (the agreement's own by default), as of today."""
    agreement = get_readable(session, ServiceAgreement, agreement_id, user)
    return rewards_of(session, user, [agreement], year or agreement.year,
                      as_of or date.today())
