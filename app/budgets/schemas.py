"""Request and response bodies of order budgets."""

from datetime import date
from decimal import Decimal

from pydantic import Field

from app.agreements.models import AgreementStatus
from app.budgets.models import AgeSegment, PopulationMoment
from app.core.types import Id, InForceOn, Money, Name, Quantity, ReadSchema, Schema, Year


class OrderBudgetCreate(Schema):
    board_id: Id
    year: Year
    title: Name


class OrderBudgetUpdate(Schema):
    year: Year | None = None
    title: Name | None = None


class OrderBudgetRead(ReadSchema):
    id: int
    municipality_id: int
    board_id: int
    year: int
    title: str
    status: AgreementStatus
    version: int
    effective_from: date | None = Field(
        None, description="The day from which this approved version counts (voimaantulo)")


class OrderBudgetFilters(Schema):
    municipality_id: Id | None = None
    board_id: Id | None = None
    year: Year | None = None
    status: AgreementStatus | None = None
    in_force_on: InForceOn | None = None


APPROPRIATION = ("An appropriation in euros (määräraha) for a line without a volume, e.g. a "
                 "voucher scheme; give either it or volume and unit_price")
PRICE_LIST = ("Price the line by this price list (of the budget's board and year): its total is "
              "then the sum of its items (/order-line-items); no volume, unit_price or "
              "appropriation")
CARRY_OVER = ("Carry the year before's surplus or deficit of this product and provider "
              "(its appropriation minus what was delivered) into this year")


class OrderBudgetLineCreate(Schema):
    order_budget_id: Id
    product_id: Id
    provider_id: Id
    volume: Quantity | None = None
    unit_price: Money | None = None
    appropriation: Money | None = Field(None, description=APPROPRIATION)
    price_list_id: Id | None = Field(None, description=PRICE_LIST)
    carry_over: bool = Field(False, description=CARRY_OVER)
    population_moment: PopulationMoment | None = None
    age_segment: AgeSegment | None = None


class OrderBudgetLineUpdate(Schema):
    volume: Quantity | None = None
    unit_price: Money | None = None
    appropriation: Money | None = Field(None, description=APPROPRIATION)
    price_list_id: Id | None = Field(None, description=PRICE_LIST)
    carry_over: bool | None = None
    population_moment: PopulationMoment | None = None
    age_segment: AgeSegment | None = None


class OrderBudgetLineRead(ReadSchema):
    id: int
    municipality_id: int
    order_budget_id: int
    product_id: int
    provider_id: int
    volume: Decimal | None
    unit_price: Decimal | None
    appropriation: Decimal | None
    price_list_id: int | None = None
    total: Decimal
    carry_over: bool
    population_moment: PopulationMoment | None
    age_segment: AgeSegment | None


class OrderBudgetLineFilters(Schema):
    order_budget_id: Id | None = None
    provider_id: Id | None = None
    product_id: Id | None = None


class ProviderTotal(Schema):
    provider_id: int
    code: str
    name: str
    total: Decimal


class ProductGroupTotal(Schema):
    product_group_id: int
    code: str
    name_fi: str
    total: Decimal


class OrderBudgetTotals(Schema):
    order_budget_id: int
    total: Decimal
    lines: int
    by_provider: list[ProviderTotal]
    by_product_group: list[ProductGroupTotal]
