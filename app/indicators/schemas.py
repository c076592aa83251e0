"""Request and response bodies of measures and indicator values."""

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated

from pydantic import AfterValidator, Field

from app.core.periods import Frequency, parse_period
from app.core.types import (
    Code,
    Id,
    InForceOn,
    Money,
    Name,
    ReadSchema,
    Schema,
    Text,
    Value,
    Year,
)
from app.indicators.models import (
    Comparison,
    DataSource,
    Direction,
    RewardKind,
    Rollup,
    ValueStatus,
)


def _period_code(value: str) -> str:
    return parse_period(value).code


PeriodCode = Annotated[str, Field(max_length=10, examples=["2025-T2"]),
                       AfterValidator(_period_code)]
Tolerance = Annotated[Decimal, Field(ge=0, max_digits=18, decimal_places=4,
                                     allow_inf_nan=False)]
SotkanetId = Annotated[int, Field(ge=1, le=2_147_483_647)]


class TargetIn(Schema):
    year: Year
    value: Value


class TargetRead(ReadSchema):
    year: int
    value: Decimal


Percent = Annotated[Decimal, Field(gt=0, le=100, max_digits=7, decimal_places=4,
                                   allow_inf_nan=False)]


class RewardIn(Schema):
    """Palkitseminen: a fixed bonus in euros when the year's target is met (``amount``), or a
    share in per cent of the excess over the target (``percent``, optionally at most ``cap``
    euros). Computed at the year's end (GET /service-agreements/{id}/rewards)."""

    kind: RewardKind
    amount: Money | None = Field(None, description="fixed: the bonus in euros")
    percent: Percent | None = Field(None, description="share: per cent of the excess over "
                                    "the target")
    cap: Money | None = Field(None, description="share: at most this many euros")
    description: Text | None = None


class RewardRead(ReadSchema):
    """A measure's reward rule (app.indicators.models.Reward)."""

    kind: RewardKind
    amount: Decimal | None
    percent: Decimal | None
    cap: Decimal | None
    description: str | None


class MeasureCreate(Schema):
    goal_id: Id
    provider_id: Id | None = Field(
        None, description="Responsible provider; the service agreement's provider if omitted"
    )
    code: Code
    name: Text
    unit: Name
    direction: Direction
    baseline_value: Value | None = None
    baseline_year: Year | None = None
    tolerance: Tolerance = Decimal(0)
    frequency: Frequency
    rollup: Rollup = Rollup.last
    comparison: Comparison | None = Field(
        None, description="How a part year's value is held against the year's target; if "
        "omitted, what the roll-up suggests: sum → pro_rated_sum, mean → year_to_date_level, "
        "last → latest_level (README: Part-year comparison)")
    min_value: Value | None = None
    max_value: Value | None = None
    source: DataSource = DataSource.provider
    sotkanet_indicator_id: SotkanetId | None = None
    sotkanet_region_id: SotkanetId | None = None
    indicator_code: Code | None = Field(
        None, description="A shared indicator: the same provider's measures with this code in "
        "several purchasers' agreements are one figure, reported once")
    targets: Annotated[list[TargetIn], Field(max_length=20)] = []
    reward: RewardIn | None = None


class MeasureUpdate(Schema):
    provider_id: Id | None = None
    code: Code | None = None
    name: Text | None = None
    unit: Name | None = None
    direction: Direction | None = None
    baseline_value: Value | None = None
    baseline_year: Year | None = None
    tolerance: Tolerance | None = None
    frequency: Frequency | None = None
    rollup: Rollup | None = None
    comparison: Comparison | None = None
    min_value: Value | None = None
    max_value: Value | None = None
    source: DataSource | None = None
    sotkanet_indicator_id: SotkanetId | None = None
    sotkanet_region_id: SotkanetId | None = None
    indicator_code: Code | None = None
    targets: Annotated[list[TargetIn], Field(max_length=20)] | None = None
    reward: RewardIn | None = Field(None, description="null removes the reward rule")


class MeasureRead(ReadSchema):
    id: int
    municipality_id: int
    goal_id: int
    provider_id: int
    code: str
    name: str
    unit: str
    direction: Direction
    baseline_value: Decimal | None
    baseline_year: int | None
    tolerance: Decimal
    frequency: Frequency
    rollup: Rollup
    comparison: Comparison
    min_value: Decimal | None
    max_value: Decimal | None
    source: DataSource
    sotkanet_indicator_id: int | None
    sotkanet_region_id: int | None
    indicator_code: str | None
    lineage: str = Field(description="The measure's identity across the versions of its agreement; "
                         "its values are shared by every version")
    targets: list[TargetRead]
    reward: RewardRead | None = None


class MeasureFilters(Schema):
    goal_id: Id | None = None
    provider_id: Id | None = None
    service_agreement_id: Id | None = None
    source: DataSource | None = None
    in_force_on: InForceOn | None = None


class IndicatorValueCreate(Schema):
    measure_id: Id
    period: PeriodCode
    value: Value
    comment: Text | None = None


class IndicatorValueUpdate(Schema):
    value: Value | None = None
    comment: Text | None = None
    reason: Text | None = Field(None, description="Why the value is corrected (kept in its history)")


class IndicatorValueRead(ReadSchema):
    id: int
    municipality_id: int
    measure_id: int
    period: str
    period_start: date
    period_end: date
    value: Decimal
    comment: str | None
    status: ValueStatus
    return_reason: str | None
    reviewed_by: str | None
    reviewed_at: datetime | None
    flagged: bool
    flag_reason: str | None
    created_by: str
    created_at: datetime
    updated_by: str
    updated_at: datetime


class IndicatorValueFilters(Schema):
    measure_id: Id | None = None
    period: PeriodCode | None = None
    year: Year | None = None
    provider_id: Id | None = None
    status: ValueStatus | None = None
    flagged: bool | None = None
