"""Constrained types shared by the schemas: text without NUL, codes, years, money and ids."""

from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Annotated

from fastapi import Path
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from app.core.i18n import N_, InvalidValue

MAX_ID = 2_147_483_647  # PostgreSQL integer; a larger id can name no row.


def no_nul(value: str) -> str:
    if "\x00" in value:
        raise InvalidValue(N_("invalid_nul"))
    return value


Name = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300),
    AfterValidator(no_nul),
]
Text = Annotated[str, StringConstraints(max_length=10_000), AfterValidator(no_nul)]
Code = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40,
                           pattern=r"^[0-9A-Za-zÅÄÖåäö_.\-]+$"),
]
Year = Annotated[int, Field(ge=1990, le=2100)]
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
# A list filter: of each agreement, the version that counts on that day (app.agreements.in_force).
InForceOn = Annotated[date, Field(description="Of each agreement, only the version that counts "
                                  "on this day (the version in force); YYYY-MM-DD",
                                  examples=["2015-09-01"])]
IdPath = Annotated[int, Path(ge=1, le=MAX_ID)]
# Euros with two decimals; up to a trillion is more than any municipal budget line.
Money = Annotated[Decimal, Field(max_digits=14, decimal_places=2, ge=0, allow_inf_nan=False)]
Quantity = Annotated[Decimal, Field(max_digits=16, decimal_places=4, ge=0, allow_inf_nan=False)]
Value = Annotated[Decimal, Field(max_digits=18, decimal_places=4, allow_inf_nan=False)]

CENT = Decimal("0.01")


def euros(amount: Decimal) -> Decimal:
    """Round to cents the way invoices do (half up)."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


class Schema(BaseModel):
    """Request bodies forbid unknown fields: nobody sets what is not his to set."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False)


class ReadSchema(BaseModel):
    model_config = ConfigDict(from_attributes=True)
