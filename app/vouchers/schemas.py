"""Request and response bodies of service vouchers."""

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, Field

from app.core.types import Code, Id, Money, Name, ReadSchema, Schema, Text, Year
from app.indicators.schemas import PeriodCode
from app.vouchers.models import ValueRule

Count = Annotated[int, Field(ge=0, le=100_000_000)]
HouseholdSize = Annotated[int, Field(ge=1, le=20, description="Persons in the household; the "
                                     "table's largest size counts for larger households")]
Decision = Annotated[str, Field(min_length=1, max_length=300,
                                description="The decision, e.g. 'LANULA 12.12.2013 § 145'")]


class Attribution(ReadSchema):
    created_by: str
    created_at: datetime
    updated_by: str
    updated_at: datetime


# -- schemes -----------------------------------------------------------------------------------
class SchemeCreate(Schema):
    board_id: Id
    product_id: Id
    code: Code
    year: Year
    name_fi: Name
    name_sv: Name | None = None
    value_rule: ValueRule
    fixed_value: Money | None = Field(None, description="The value of a fixed voucher")
    deductible: Money = Field(Decimal(0), description="Omavastuu: the least the customer pays "
                              "of each service")
    budget_euros: Money
    budget_vouchers: Count | None = None


class SchemeUpdate(Schema):
    name_fi: Name | None = None
    name_sv: Name | None = None
    value_rule: ValueRule | None = None
    fixed_value: Money | None = None
    deductible: Money | None = None
    budget_euros: Money | None = None
    budget_vouchers: Count | None = None


class SchemeRead(Attribution):
    id: int
    municipality_id: int
    board_id: int
    product_id: int
    code: str
    year: int
    name_fi: str
    name_sv: str | None
    value_rule: ValueRule
    fixed_value: Decimal | None
    deductible: Decimal
    budget_euros: Decimal
    budget_vouchers: int | None


class SchemeFilters(Schema):
    board_id: Id | None = None
    product_id: Id | None = None
    year: Year | None = None


# -- the value table ---------------------------------------------------------------------------
class ValueCreate(Schema):
    scheme_id: Id
    income_band: Code
    household_size: HouseholdSize
    income_limit: Money | None = Field(None, description="The band's upper limit of monthly "
                                       "gross income (€); none: no limit")
    value: Money


class ValueUpdate(Schema):
    income_limit: Money | None = None
    value: Money | None = None


class ValueRead(Attribution):
    id: int
    scheme_id: int
    income_band: str
    household_size: int
    income_limit: Decimal | None
    value: Decimal


class ValueFilters(Schema):
    scheme_id: Id | None = None


# -- the register --------------------------------------------------------------------------------
class ApprovalCreate(Schema):
    scheme_id: Id
    provider_id: Id
    applied_on: date
    approved_on: date | None = None
    suspended_on: date | None = None
    decision: Decision | None = None


class ApprovalUpdate(Schema):
    applied_on: date | None = None
    approved_on: date | None = None
    suspended_on: date | None = None
    decision: Decision | None = None


class ApprovalRead(Attribution):
    id: int
    scheme_id: int
    provider_id: int
    applied_on: date
    approved_on: date | None
    suspended_on: date | None
    decision: str | None


class ApprovalFilters(Schema):
    scheme_id: Id | None = None
    provider_id: Id | None = None


# -- the providers' reports ------------------------------------------------------------------------
class ReportCreate(Schema):
    voucher_provider_id: Id = Field(description="The provider's entry in the register")
    period: PeriodCode
    vouchers_granted: Count
    vouchers_used: Count
    euros: Money = Field(description="The vouchers' value paid for the services")
    customers: Count = Field(description="Customers served (a count, never a person)")
    comment: Text | None = None


class ReportUpdate(Schema):
    vouchers_granted: Count | None = None
    vouchers_used: Count | None = None
    euros: Money | None = None
    customers: Count | None = None
    comment: Text | None = None


class ReportRead(Attribution):
    id: int
    voucher_provider_id: int
    period: str
    period_start: date
    period_end: date
    vouchers_granted: int
    vouchers_used: int
    euros: Decimal
    customers: int
    comment: str | None


class ReportFilters(Schema):
    voucher_provider_id: Id | None = None
    scheme_id: Id | None = None
    period: PeriodCode | None = None


# -- the follow-up ----------------------------------------------------------------------------------
class FollowUpQuery(Schema):
    period: PeriodCode = Field(description="Up to the end of this period, e.g. 2010-T2")


class Figures(BaseModel):
    vouchers_granted: int
    vouchers_used: int
    euros: Decimal
    customers: int = Field(description="Summed over the periods reported")
    reported_until: date | None


class ProviderFigures(Figures):
    provider_id: int
    code: str
    name: str
    applied_on: date
    approved_on: date | None
    suspended_on: date | None
    decision: str | None


class SchemeFollowUp(BaseModel):
    id: int
    code: str
    name_fi: str
    name_sv: str | None
    year: int
    product_code: str
    product_name: str
    unit: str
    value_rule: ValueRule
    fixed_value: Decimal | None
    table_min: Decimal | None = Field(description="An income-related voucher's least value")
    table_max: Decimal | None
    deductible: Decimal
    budget_euros: Decimal
    budget_vouchers: int | None
    period: str
    period_end: date
    elapsed_pct: Decimal = Field(description="The share of the year elapsed, in per cent")
    approved: int = Field(description="Providers in the register on the period's end")
    providers: list[ProviderFigures]
    total: Figures
    euros_pct: Decimal | None = Field(description="Euros used of the budget, in per cent")
    vouchers_pct: Decimal | None = Field(description="Vouchers used of the budget, in per cent")
    forecast_euros: Decimal | None = Field(
        description="The year at the pace of the months reported")


class SchemeSummary(BaseModel):
    """A scheme in a line, as the agreement document names it beside the ordered services."""

    code: str
    name_fi: str
    name_sv: str | None
    product_name: str
    unit: str
    value_rule: ValueRule
    fixed_value: Decimal | None
    table_min: Decimal | None
    table_max: Decimal | None
    deductible: Decimal
    budget_euros: Decimal
    budget_vouchers: int | None
    approved: int = Field(description="Providers in the register on the day")
    provider_approved_on: date | None = Field(
        description="When the agreement's provider was approved for it, if it was")
    provider_decision: str | None
