"""Measures (mittarit), their yearly targets and the indicator values reported for them."""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any
from uuid import uuid4

from sqlalchemy import (
    Boolean,
    ColumnElement,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Select,
    String,
    Text,
    UniqueConstraint,
    and_,
    event,
    false,
    select,
)
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Mapped, Mapper, aliased, mapped_column, relationship

from app.agreements.models import ServiceAgreement
from app.core.db import Base
from app.core.models import MONEY, VALUE, TenantOwned, enum_column
from app.core.periods import Frequency
from app.core.visibility import Reach, Viewer, Visibility, Writers, declare, define_reach
from app.goals.models import Goal


class Direction(StrEnum):
    higher_is_better = "higher_is_better"
    lower_is_better = "lower_is_better"


class Rollup(StrEnum):
    """How the values of a year's periods combine into the year's value."""

    sum = "sum"
    mean = "mean"
    last = "last"


class Comparison(StrEnum):
    """How a part year's value is held against the year's target (app.submissions.rules)."""

    pro_rated_sum = "pro_rated_sum"  # suhteutettu summa: target × months / 12
    year_to_date_level = "year_to_date_level"  # vuoden tähänastinen taso: the whole target
    latest_level = "latest_level"  # viimeisin taso: the whole target
    target_path = "target_path"  # tavoitepolku: from the start level towards the target


# The comparison a measure gets when it is made without one: what its roll-up suggests.
DEFAULT_COMPARISON = {Rollup.sum: Comparison.pro_rated_sum,
                      Rollup.mean: Comparison.year_to_date_level,
                      Rollup.last: Comparison.latest_level}


def _default_comparison(context: Any) -> Comparison:
    rollup = context.get_current_parameters().get("rollup") or Rollup.last
    return DEFAULT_COMPARISON[Rollup(rollup)]


class RewardKind(StrEnum):
    """A measure's reward (palkitseminen) when its year's target is met (app.reports.rewards)."""

    fixed = "fixed"  # a fixed bonus in euros
    share = "share"  # a share (per cent) of the excess over the target, up to an optional cap


class DataSource(StrEnum):
    provider = "provider"  # the provider reports it
    purchaser = "purchaser"  # the purchaser enters it
    national = "national"  # a national indicator: THL Sotkanet


class ValueStatus(StrEnum):
    """Where a reported value stands in the purchaser's review (tarkastus)."""

    submitted = "submitted"  # toimitettu: waits for the purchaser's review
    accepted = "accepted"  # hyväksytty
    returned = "returned"  # palautettu: back on the provider's list with a reason

    @property
    def counts(self) -> bool:
        """The one rule of what counts as reported — in the reports, the purchaser's overview
        and the due and overdue lists: a value returned for correction does not, until the
        provider submits it again; a submitted value counts before it is reviewed."""
        return self is not ValueStatus.returned


@dataclass(frozen=True)
class Reward:
    """A measure's reward rule as one value (its columns on the measure)."""

    kind: RewardKind
    amount: Decimal | None  # fixed: the bonus in euros
    percent: Decimal | None  # share: per cent of the excess over the target
    cap: Decimal | None  # share: at most this, in euros
    description: str | None


def new_lineage() -> str:
    return uuid4().hex


class Measure(TenantOwned, Base):
    """Mittari: what is measured for a goal, with baseline, targets and tolerance.

    A value within ``tolerance`` (in the measure's unit) on the wrong side of the target is
    "at risk"; further away it is "off track".
    """

    __tablename__ = "measures"
    __table_args__ = (UniqueConstraint("goal_id", "code"),)

    goal_id: Mapped[int] = mapped_column(ForeignKey("goals.id", ondelete="CASCADE"), index=True)
    provider_id: Mapped[int] = mapped_column(
        ForeignKey("providers.id", ondelete="RESTRICT"), index=True
    )
    code: Mapped[str] = mapped_column(String(40))
    # A shared indicator: the same provider's measures with this code in several purchasers'
    # agreements are one figure, reported once (POST /submissions/shared).
    indicator_code: Mapped[str | None] = mapped_column(String(40), index=True)
    name: Mapped[str] = mapped_column(Text)
    unit: Mapped[str] = mapped_column(String(40))
    direction: Mapped[Direction] = enum_column(Direction)
    baseline_value: Mapped[Decimal | None] = mapped_column(VALUE)
    baseline_year: Mapped[int | None] = mapped_column(Integer)
    tolerance: Mapped[Decimal] = mapped_column(VALUE, default=Decimal(0))
    frequency: Mapped[Frequency] = enum_column(Frequency)
    rollup: Mapped[Rollup] = enum_column(Rollup, default=Rollup.last)
    comparison: Mapped[Comparison] = enum_column(Comparison, default=_default_comparison)
    min_value: Mapped[Decimal | None] = mapped_column(VALUE)
    max_value: Mapped[Decimal | None] = mapped_column(VALUE)
    source: Mapped[DataSource] = enum_column(DataSource, default=DataSource.provider)
    sotkanet_indicator_id: Mapped[int | None] = mapped_column(Integer)
    sotkanet_region_id: Mapped[int | None] = mapped_column(Integer)
    # The measure's identity across the versions of its agreement: an amendment copies it, so
    # the values reported before an amendment belong to the amended measure too.
    lineage: Mapped[str] = mapped_column(String(32), index=True)
    # The reward rule, on the measure's own row so that an amendment copies it with the
    # measure; computed at the year's end, never typed in (app.reports.rewards).
    reward_kind: Mapped[RewardKind | None] = enum_column(RewardKind, nullable=True)
    reward_amount: Mapped[Decimal | None] = mapped_column(MONEY)  # fixed: the bonus in euros
    reward_percent: Mapped[Decimal | None] = mapped_column(VALUE)  # share: per cent of excess
    reward_cap: Mapped[Decimal | None] = mapped_column(MONEY)  # share: at most this, euros
    reward_description: Mapped[str | None] = mapped_column(Text)
    targets: Mapped[list["MeasureTarget"]] = relationship(
        lazy="raise", order_by="MeasureTarget.year", cascade="all, delete-orphan",
        passive_deletes=True,
    )

    @property
    def reward(self) -> Reward | None:
        if self.reward_kind is None:
            return None
        return Reward(RewardKind(self.reward_kind), self.reward_amount, self.reward_percent,
                      self.reward_cap, self.reward_description)


class MeasureTarget(TenantOwned, Base):
    """Tavoitetaso: the measure's target for one year."""

    __tablename__ = "measure_targets"
    __table_args__ = (UniqueConstraint("measure_id", "year"),)

    measure_id: Mapped[int] = mapped_column(
        ForeignKey("measures.id", ondelete="CASCADE"), index=True
    )
    year: Mapped[int] = mapped_column(Integer)
    value: Mapped[Decimal] = mapped_column(VALUE)


class IndicatorValue(TenantOwned, Base):
    """Toteuma: the value reported for a measure and a reporting period."""

    __tablename__ = "indicator_values"
    __table_args__ = (
        # One value per measure and period whichever version of the agreement it was reported
        # against (app.agreements.in_force).
        UniqueConstraint("lineage", "period"),
        # Lists are scoped by municipality and ordered by measure and period: one index serves
        # the page, the count and the measure filter (scripts/bench_api.py).
        Index("ix_indicator_values_listing", "municipality_id", "measure_id", "period_start",
              "period_end", "id"),
    )

    # The measure (version) the value was reported against; ``lineage`` is that measure's.
    measure_id: Mapped[int] = mapped_column(
        ForeignKey("measures.id", ondelete="CASCADE"), index=True
    )
    lineage: Mapped[str] = mapped_column(String(32), index=True)
    period: Mapped[str] = mapped_column(String(10))
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    value: Mapped[Decimal] = mapped_column(VALUE)
    comment: Mapped[str | None] = mapped_column(Text)
    # Review (app.submissions): the purchaser accepts a value or returns it with a reason.
    status: Mapped[ValueStatus] = enum_column(
        ValueStatus, default=ValueStatus.submitted, server_default=ValueStatus.submitted.value
    )
    return_reason: Mapped[str | None] = mapped_column(Text)
    reviewed_by: Mapped[str | None] = mapped_column(String(150))
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Far from the provider's earlier values (app.submissions.rules.flag_reason): accepted,
    # but shown to the purchaser with the reason.
    flagged: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    flag_reason: Mapped[str | None] = mapped_column(Text)

    @classmethod
    def counted(cls) -> ColumnElement[bool]:
        """ValueStatus.counts in a query's WHERE."""
        return cls.status.in_([s for s in ValueStatus if s.counts])


@event.listens_for(Measure, "before_insert")
def _lineage_by_code(_: Mapper[Any], connection: Connection, measure: Measure) -> None:
    """A measure is identified by its goal's and its own code within its agreement: one added to
    a new version under a code an earlier version had is that measure again (the importer and
    the CRUD endpoints alike)."""
    if measure.lineage is not None:
        return
    goal, agreement = aliased(Goal), aliased(ServiceAgreement)
    same, same_goal = aliased(Measure), aliased(Goal)
    earlier = connection.scalar(
        select(Measure.lineage).join(Goal, Goal.id == Measure.goal_id)
        .join(ServiceAgreement, ServiceAgreement.id == Goal.service_agreement_id)
        .join(agreement, and_(agreement.municipality_id == ServiceAgreement.municipality_id,
                              agreement.code == ServiceAgreement.code,
                              agreement.id != ServiceAgreement.id))
        .join(goal, and_(goal.service_agreement_id == agreement.id, goal.code == Goal.code))
        .where(goal.id == measure.goal_id, Measure.code == measure.code,
               # a measure of this version may hold it under another code (renamed): two
               # measures of one version never share an identity (nor their values)
               Measure.lineage.not_in(select(same.lineage)
                                      .join(same_goal, same_goal.id == same.goal_id)
                                      .where(same_goal.service_agreement_id == agreement.id)))
        .order_by(ServiceAgreement.version.desc()).limit(1))
    measure.lineage = earlier or new_lineage()


@event.listens_for(IndicatorValue, "before_insert")
def _lineage_of_measure(_: Mapper[Any], connection: Connection, value: IndicatorValue) -> None:
    """Whoever writes a value, it takes its measure's lineage (the CRUD endpoint, the form)."""
    if value.lineage is None:
        value.lineage = connection.scalar(select(Measure.lineage)
                                          .where(Measure.id == value.measure_id))


# What a board's member, a provider's reporter and the public reach (app.core.visibility).
def _measures(viewer: Viewer, reach: Reach) -> Select[Any]:
    if viewer.providers is not None:  # the measures he reports
        return select(Measure.id).where(Measure.provider_id.in_(viewer.providers))
    return select(Measure.id).where(Measure.goal_id.in_(reach["goals"]))


define_reach("measures", _measures)
declare(Measure, Visibility.CONTENT, lambda reach: Measure.id.in_(reach["measures"]))
declare(MeasureTarget, Visibility.CONTENT,
        lambda reach: MeasureTarget.measure_id.in_(reach["measures"]))
# A provider's reporter reports the values of his own measures.
declare(IndicatorValue, Visibility.VALUES,
        lambda reach: IndicatorValue.measure_id.in_(reach["measures"]),
        writers=Writers.ALSO_REPORTERS)
