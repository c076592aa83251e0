"""Column helpers shared by the feature models."""

from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import Enum, ForeignKey, Integer, Numeric
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from app.core.db import Attributed

MONEY = Numeric(14, 2)
QUANTITY = Numeric(16, 4)
VALUE = Numeric(18, 4)


def enum_column(enum: type[StrEnum], **kwargs: Any) -> Any:
    """Enums are stored as plain strings, so adding a member needs no database migration."""
    return mapped_column(
        Enum(enum, native_enum=False, length=40, values_callable=lambda e: [m.value for m in e]),
        **kwargs,
    )


class TenantOwned(Attributed):
    """A row that belongs to one municipality (the tenant); access is scoped by it."""

    id: Mapped[int] = mapped_column(Integer, primary_key=True)

    @declared_attr
    def municipality_id(cls) -> Mapped[int]:
        return mapped_column(ForeignKey("municipalities.id", ondelete="CASCADE"), index=True)


__all__ = ["MONEY", "QUANTITY", "VALUE", "Decimal", "TenantOwned", "enum_column"]
