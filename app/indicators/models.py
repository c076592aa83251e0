"""Measures (mittarit), their yearly targets and the indicator values reported for them."""

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Select,
    String,
    Text,
    UniqueConstraint,
    false,
    select,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.db import Base
from app.core.models import VALUE, TenantOwned, enum_column
from app.core.periods import Frequency
from app.core.visibility import Reach, Viewer, Visibility, Writers, declare, define_reach


class Direction(StrEnum):
    higher_is_better = "higher_is_better"
    lower_is_better = "lower_is_better"


class Rollup(StrEnum):
    """How the values of a year's periods combine into the year's value."""

    sum = "sum"
    mean = "mean"
    last = "last"


class DataSource(StrEnum):
    provider = "provider"  # the provider reports it
    purchaser = "purchaser"  # the purchaser enters it
    national = "national"  # a national indicator: THL Sotkanet


class ValueStatus(StrEnum):
    """Where a reported value stands in the purchaser's review (tarkastus)."""

    submitted = "submitted"  # toimitettu: waits for the purchaser's review
    accepted = "accepted"  # hyväksytty
    returned = "returned"  # palautettu: back on the provider's list with a reason


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
    name: Mapped[str] = mapped_column(Text)
    unit: Mapped[str] = mapped_column(String(40))
    direction: Mapped[Direction] = enum_column(Direction)
    baseline_value: Mapped[Decimal | None] = mapped_column(VALUE)
    baseline_year: Mapped[int | None] = mapped_column(Integer)
    tolerance: Mapped[Decimal] = mapped_column(VALUE, default=Decimal(0))
    frequency: Mapped[Frequency] = enum_column(Frequency)
    rollup: Mapped[Rollup] = enum_column(Rollup, default=Rollup.last)
    min_value: Mapped[Decimal | None] = mapped_column(VALUE)
    max_value: Mapped[Decimal | None] = mapped_column(VALUE)
    source: Mapped[DataSource] = enum_column(DataSource, default=DataSource.provider)
    sotkanet_indicator_id: Mapped[int | None] = mapped_column(Integer)
    sotkanet_region_id: Mapped[int | None] = mapped_column(Integer)
    targets: Mapped[list["MeasureTarget"]] = relationship(
        lazy="raise", order_by="MeasureTarget.year", cascade="all, delete-orphan",
        passive_deletes=True,
    )


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
        UniqueConstraint("measure_id", "period"),
        # Lists are scoped by municipality and ordered by measure and period: one index serves
        # the page, the count and the measure filter (scripts/bench_api.py).
        Index("ix_indicator_values_listing", "municipality_id", "measure_id", "period_start",
              "period_end", "id"),
    )

    measure_id: Mapped[int] = mapped_column(
        ForeignKey("measures.id", ondelete="CASCADE"), index=True
    )
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


# What a board's member, a provider's reporter and the public reach (app.core.visibility).
def _measures(viewer: Viewer, reach: Reach) -> Select[Any]:
    if viewer.provider_id is not None:  # the measures he reports
        return select(Measure.id).where(Measure.provider_id == viewer.provider_id)
    return select(Measure.id).where(Measure.goal_id.in_(reach["goals"]))


define_reach("measures", _measures)
declare(Measure, Visibility.CONTENT, lambda reach: Measure.id.in_(reach["measures"]))
declare(MeasureTarget, Visibility.CONTENT,
        lambda reach: MeasureTarget.measure_id.in_(reach["measures"]))
# A provider's reporter reports the values of his own measures.
declare(IndicatorValue, Visibility.VALUES,
        lambda reach: IndicatorValue.measure_id.in_(reach["measures"]),
        writers=Writers.ALSO_REPORTERS)
