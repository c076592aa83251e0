"""The price lists of a contracts file (app.contracts.schema): a list with its coefficients
and items, and an order line's items and monthly deliveries. An item's unit price is computed
on import (app.pricelists.service), never written in the file."""

from decimal import Decimal
from typing import Annotated

from pydantic import Field

from app.contracts.doc import Doc
from app.core.types import Code, Money, Name, Quantity, Year
from app.indicators.schemas import PeriodCode


class LineItemDoc(Doc):
    item: Code = Field(description="The item's code in the line's price list")
    volume: Quantity


class ItemDeliveryDoc(Doc):
    """The provider's report of a month: the volume delivered of each item (the euros follow
    from the items' unit prices)."""

    period: PeriodCode = Field(description="A month, e.g. 2010-03")
    items: Annotated[list[LineItemDoc], Field(min_length=1)]


class CoefficientClassDoc(Doc):
    code: Code = Field(description="The class, e.g. 3 or lapsi")
    name: Name | None = None
    factor: Annotated[Decimal, Field(gt=0, max_digits=10, decimal_places=4)]


class CoefficientDoc(Doc):
    name: Code = Field(description="e.g. vaativuusluokka, ikäluokka")
    classes: Annotated[list[CoefficientClassDoc], Field(min_length=1)]


class PriceItemDoc(Doc):
    code: Code
    name_fi: Name
    name_sv: Name | None = None
    reference_units: Annotated[Decimal, Field(gt=0, max_digits=10, decimal_places=4)] = Field(
        description="The item's value in reference items (1.0: the reference item itself)")
    classes: dict[Code, Code] = Field(
        default_factory=dict, description="coefficient: the item's class in it")


class PriceListDoc(Doc):
    """Hinnasto: a board's price list of a year. An item's unit price is the base price ×
    its reference units × the factors of its classes, computed on import (never written)."""

    code: Code
    board: Code
    year: Year
    name_fi: Name
    name_sv: Name | None = None
    reference_code: Code = Field(description="The reference item, e.g. SFA10")
    reference_name: Name = Field(description="e.g. 'yhden pinnan täyte'")
    base_price: Money = Field(description="The reference item's price in euros")
    coefficients: list[CoefficientDoc] = []
    items: list[PriceItemDoc] = []
