"""Request and response bodies of submissions, review, deadlines, deliveries and Sotkanet."""

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from app.core.pagination import PageParams
from app.core.types import Code, Id, Money, Quantity, ReadSchema, Schema, Text, Value, Year
from app.indicators.models import ValueStatus
from app.indicators.schemas import IndicatorValueRead, PeriodCode
from app.organisations.schemas import MunicipalityCode
from app.submissions.calendar import DueItem as DueItem  # typed where it is made: a TypedDict
from app.submissions.calendar import DueStatus
from app.submissions.ledger import Action
from app.submissions.models import NoteKind


class SubmissionIn(Schema):
    measure_id: Id
    period: PeriodCode
    value: Value = Field(description="In the measure's unit, within its allowed range")
    comment: Text | None = Field(
        None, description="Required when the value misses its target beyond the tolerance")
    reason: Text | None = Field(
        None, description="Required for a correction: why the value changes (kept in history)")


class SubmissionResult(BaseModel):
    action: Action
    indicator_value: IndicatorValueRead


class DueQuery(PageParams):
    year: Year | None = None
    service_agreement_id: Id | None = None
    provider_id: Id | None = None
    status: DueStatus | None = None
    overdue: bool | None = None
    as_of: date | None = Field(None, description="Compute due and overdue as of this day "
                                                 "(default today)")


class ReviewIn(Schema):
    decision: Literal["accept", "return"]
    reason: Text | None = Field(None, description="Required when the value is returned")


class RevisionRead(ReadSchema):
    changed_at: datetime = Field(validation_alias="created_at")
    changed_by: str = Field(validation_alias="created_by")
    old_value: Decimal | None
    new_value: Decimal
    old_comment: str | None
    new_comment: str | None
    old_status: ValueStatus | None
    new_status: ValueStatus
    reason: str | None


class HistoryRead(BaseModel):
    indicator_value: IndicatorValueRead
    revisions: list[RevisionRead] = Field(description="Every change, oldest first")


class OverdueRead(BaseModel):
    board_id: int
    as_of: date
    items: list[DueItem]


class ReportingDeadlineCreate(Schema):
    service_agreement_id: Id
    period: PeriodCode
    due_date: date


class ReportingDeadlineUpdate(Schema):
    due_date: date | None = None


class ReportingDeadlineRead(ReadSchema):
    id: int
    municipality_id: int
    service_agreement_id: int
    period: str
    due_date: date


class ReportingDeadlineFilters(Schema):
    service_agreement_id: Id | None = None


class DeliveryCreate(Schema):
    order_budget_line_id: Id
    period: PeriodCode
    volume: Quantity | None = Field(
        None, description="Delivered volume in the product's unit; required on a line of "
        "volume × unit price, optional on a line of an appropriation in euros")
    euros: Money
    comment: Text | None = None


class DeliveryUpdate(Schema):
    volume: Quantity | None = None
    euros: Money | None = None
    comment: Text | None = None


class DeliveryRead(ReadSchema):
    id: int
    municipality_id: int
    order_budget_line_id: int
    period: str
    period_start: date
    period_end: date
    volume: Decimal | None
    euros: Decimal
    comment: str | None
    created_by: str
    created_at: datetime
    updated_by: str
    updated_at: datetime


class DeliveryFilters(Schema):
    order_budget_line_id: Id | None = None
    order_budget_id: Id | None = None
    provider_id: Id | None = None
    period: PeriodCode | None = None


class BulkRow(BaseModel):
    row: int
    measure_id: int
    measure_code: str
    service_agreement_code: str
    period: str
    action: Action
    old_value: Decimal | None
    value: Decimal
    flagged: bool
    flag_reason: str | None


class BulkResult(BaseModel):
    dry_run: bool
    created: int
    updated: int
    unchanged: int
    skipped: int = Field(description="Rows without a value or comment")
    rows: list[BulkRow] = Field(description="The rows that create or update a value")


class BulkRowError(BaseModel):
    """A row of a file of values (row, column), a national measure (measure, field) or an item
    of a Sotkanet file (file, item, field)."""

    row: int | None = None
    column: str | None = None
    measure: str | None = None
    file: str | None = None
    item: int | None = None
    field: str | None = None
    message: str


class SotkanetMeasure(BaseModel):
    measure_id: int
    measure_code: str
    indicator: int
    region: int
    region_title: str
    created: list[str]
    updated: list[str]
    unchanged: list[str]


class SotkanetResult(BaseModel):
    created: int
    updated: int
    unchanged: int
    measures: list[SotkanetMeasure]


class NoteIn(Schema):
    """A note on a value that misses its target: the provider's explanation or corrective
    action (with its due date), the purchaser's answer or acceptance."""

    kind: NoteKind
    text: Text = Field("", description="Required, except for an acceptance")
    action_due: date | None = Field(None, description="A corrective action's due date")


class NoteRead(ReadSchema):
    id: int
    indicator_value_id: int
    kind: NoteKind
    text: str
    action_due: date | None
    author_role: str
    created_by: str
    created_at: datetime


class BulkJobRead(BaseModel):
    """A bulk upload applied outside the request: poll it until done or failed."""

    id: int
    kind: Literal["values", "sotkanet"]
    provider_id: int | None
    municipality_id: int | None
    filename: str
    status: Literal["queued", "running", "done", "failed"]
    progress: int
    stage: str | None
    attempts: int
    created_at: datetime
    updated_at: datetime
    result: BulkResult | SotkanetResult | None = Field(
        None, description="What was stored (done): as a direct upload or load answers")
    error: str | None = Field(None, description="Why nothing was stored (failed)")
    errors: list[BulkRowError] | None = Field(None, description="The rows' errors (failed)")
    rows_with_errors: int | None = None
    errors_not_listed: int | None = None


class SharedSubmissionIn(Schema):
    indicator: Code = Field(description="The shared indicator's code (a measure's "
                                        "indicator_code)")
    purchasers: Annotated[list[MunicipalityCode], Field(min_length=1, max_length=100)] = Field(
        description="The municipalities (Statistics Finland's codes) the figure is reported "
        "to: exactly those whose measures of the indicator count for the period (the due "
        "list names them). A purchaser asking for it but not named, or named but not asking, "
        "refuses the whole report (409): a figure never reaches a purchaser its reporter did "
        "not name")
    period: PeriodCode
    value: Value = Field(description="One figure, stored for every purchaser's measure of the "
                                     "indicator in force for the period")
    comment: Text | None = Field(
        None, description="Required when the value misses a purchaser's target beyond its "
        "tolerance")
    reason: Text | None = Field(
        None, description="Required for a correction: why the value changes (kept in history)")


class SharedStored(BaseModel):
    """Where the figure was stored: one purchaser's measure."""

    municipality_id: int
    purchaser: str = Field(description="The municipality (its name)")
    service_agreement_id: int
    service_agreement_code: str
    measure_id: int
    measure_code: str
    indicator_value_id: int
    action: Action


class SharedSubmissionResult(BaseModel):
    indicator: str
    period: str
    stored: list[SharedStored]
