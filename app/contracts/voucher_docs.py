"""The service vouchers of a contracts file (app.contracts.schema ``voucher_schemes``): a
scheme with its value rule, the register of approved providers and their reports (counts,
never a person's data)."""

from datetime import date
from decimal import Decimal
from typing import Annotated

from pydantic import Field, StringConstraints

from app.contracts.doc import Doc
from app.core.types import Code, Money, Name, Text, Year
from app.indicators.schemas import PeriodCode
from app.vouchers.models import ValueRule


class VoucherValueDoc(Doc):
    band: Code = Field(description="The income band (tuloluokka)")
    household_size: Annotated[int, Field(ge=1, le=20)] = Field(
        description="Persons in the household; the largest size counts for larger households")
    income_limit: Money | None = Field(None, description="The band's upper limit of monthly "
                                       "gross income (€)")
    value: Money


class VoucherReportDoc(Doc):
    period: PeriodCode
    vouchers_granted: Annotated[int, Field(ge=0)]
    vouchers_used: Annotated[int, Field(ge=0)]
    euros: Money
    customers: Annotated[int, Field(ge=0)] = Field(description="A count, never a person")
    comment: Text | None = None


class VoucherProviderDoc(Doc):
    """An entry of the register of approved providers, with the provider's reports."""

    provider: Code
    applied_on: date
    approved_on: date | None = None
    suspended_on: date | None = None
    decision: Annotated[str, StringConstraints(min_length=1, max_length=300)] | None = Field(
        None, description="The decision that approved it, e.g. 'LANULA 12.12.2013 § 145'")
    reports: list[VoucherReportDoc] = []


class VoucherSchemeDoc(Doc):
    """Palveluseteli: a board's voucher for a product in a year. Its value is ``fixed_value``
    or, income-related, its ``value_table``; ``deductible`` is the least a customer pays of
    each service."""

    code: Code
    board: Code
    product: Code
    year: Year
    name_fi: Name
    name_sv: Name | None = None
    value_rule: ValueRule
    fixed_value: Money | None = None
    value_table: list[VoucherValueDoc] = []
    deductible: Money = Decimal(0)
    budget_euros: Money
    budget_vouchers: Annotated[int, Field(ge=0)] | None = None
    providers: list[VoucherProviderDoc] = []
