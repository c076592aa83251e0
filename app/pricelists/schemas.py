"""Request and response bodies of price lists, order lines by item and item deliveries."""

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, Field

from app.core.types import Code, Id, Money, Name, Quantity, ReadSchema, Schema, Year
from app.indicators.schemas import PeriodCode

Factor = Annotated[Decimal, Field(gt=0, max_digits=10, decimal_places=4, allow_inf_nan=False,
                                  description="The multiplier of the class, e.g. 1.25")]
ReferenceUnits = Annotated[Decimal, Field(gt=0, max_digits=10, decimal_places=4,
                                          allow_inf_nan=False,
                                          description="The item's value in reference items, "
                                          "e.g. 1.0 for SFA10 itself")]
Classes = Annotated[dict[Code, Code], Field(
    max_length=10, description="Coefficient → the item's class in it, e.g. "
    "{'vaativuusluokka': '3', 'ikäluokka': 'aikuinen'}")]
Month = Annotated[PeriodCode, Field(examples=["2010-03"], description="A month, e.g. 2010-03")]


class Attribution(ReadSchema):
    created_by: str
    created_at: datetime
    updated_by: str
    updated_at: datetime


# -- price lists -------------------------------------------------------------------------------
class PriceListCreate(Schema):
    board_id: Id
    code: Code
    year: Year
    name_fi: Name
    name_sv: Name | None = None
    reference_code: Code = Field(description="The reference item, e.g. SFA10")
    reference_name: Name = Field(description="e.g. 'yhden pinnan täyte'")
    base_price: Money = Field(description="The reference item's price in euros")


class PriceListUpdate(Schema):
    name_fi: Name | None = None
    name_sv: Name | None = None
    reference_code: Code | None = None
    reference_name: Name | None = None
    base_price: Money | None = None


class PriceListRead(Attribution):
    id: int
    municipality_id: int
    board_id: int
    code: str
    year: int
    name_fi: str
    name_sv: str | None
    reference_code: str
    reference_name: str
    base_price: Decimal


class PriceListFilters(Schema):
    board_id: Id | None = None
    year: Year | None = None


# -- coefficients --------------------------------------------------------------------------------
class CoefficientCreate(Schema):
    price_list_id: Id
    coefficient: Code = Field(description="The coefficient's name, e.g. vaativuusluokka")
    class_code: Code = Field(description="The class, e.g. 3 or lapsi")
    name_fi: Name | None = None
    factor: Factor


class CoefficientUpdate(Schema):
    name_fi: Name | None = None
    factor: Factor | None = None


class CoefficientRead(Attribution):
    id: int
    price_list_id: int
    coefficient: str
    class_code: str
    name_fi: str | None
    factor: Decimal


class CoefficientFilters(Schema):
    price_list_id: Id | None = None


# -- items -------------------------------------------------------------------------------------
class ItemCreate(Schema):
    price_list_id: Id
    code: Code
    name_fi: Name
    name_sv: Name | None = None
    reference_units: ReferenceUnits
    classes: Classes = {}


class ItemUpdate(Schema):
    name_fi: Name | None = None
    name_sv: Name | None = None
    reference_units: ReferenceUnits | None = None
    classes: Classes | None = None


class ItemRead(Attribution):
    id: int
    price_list_id: int
    code: str
    name_fi: str
    name_sv: str | None
    reference_units: Decimal
    classes: dict[str, str]
    unit_price: Decimal = Field(description="Computed: base price × reference units × factors")


class ItemFilters(Schema):
    price_list_id: Id | None = None


# -- order lines by item -------------------------------------------------------------------------
class LineItemCreate(Schema):
    order_budget_line_id: Id
    item_id: Id
    volume: Quantity


class LineItemUpdate(Schema):
    volume: Quantity | None = None


class LineItemRead(Attribution):
    id: int
    order_budget_line_id: int
    item_id: int
    volume: Decimal
    unit_price: Decimal
    euros: Decimal


class LineItemFilters(Schema):
    order_budget_line_id: Id | None = None


# -- item deliveries -----------------------------------------------------------------------------
class ItemDeliveryCreate(Schema):
    order_budget_line_id: Id
    item_id: Id
    period: Month
    volume: Quantity


class ItemDeliveryUpdate(Schema):
    volume: Quantity | None = None


class ItemDeliveryRead(Attribution):
    id: int
    order_budget_line_id: int
    item_id: int
    period: str
    period_start: date
    period_end: date
    volume: Decimal
    unit_price: Decimal
    euros: Decimal = Field(description="Computed: volume × the item's unit price")


class ItemDeliveryFilters(Schema):
    order_budget_line_id: Id | None = None
    item_id: Id | None = None
    period: PeriodCode | None = None


# -- the monthly invoicing against the order --------------------------------------------------------
class MonthInvoiced(BaseModel):
    period: str
    euros: Decimal = Field(description="Invoiced in the month (laskutus)")
    cumulative: Decimal
    budget_to_date: Decimal = Field(description="The order pro rata to the month's end")
    deviation: Decimal = Field(description="cumulative − budget_to_date")


class PricedItem(BaseModel):
    code: str
    name: str
    reference_units: Decimal
    classes: dict[str, str]
    unit_price: Decimal
    ordered_volume: Decimal | None = None
    ordered_euros: Decimal | None = None
    delivered_volume: Decimal = Decimal(0)
    delivered_euros: Decimal = Decimal(0)


class CoefficientClass(BaseModel):
    class_code: str
    name: str | None
    factor: Decimal


class Coefficient(BaseModel):
    name: str
    classes: list[CoefficientClass]


class LineInvoicing(BaseModel):
    """An order line priced by a list: its items and the months invoiced against its total."""

    line_id: int
    product: str
    provider: str
    total: Decimal
    items: list[PricedItem]
    months: list[MonthInvoiced]
    invoiced: Decimal


class PriceListView(BaseModel):
    id: int
    code: str
    year: int
    name: str  # in the reader's language where the list has it
    name_sv: str | None
    reference_code: str
    reference_name: str
    base_price: Decimal
    coefficients: list[Coefficient]
    items: list[PricedItem]
    lines: list[LineInvoicing] = []
