"""Price lists (hinnastot) with coefficients, order lines priced by their items and the
providers' monthly deliveries of those items.

Vantaa's oral health enterprise (2010) invoices monthly straight from its procedure records,
priced by a list whose reference item is SFA10 (a one-surface filling): every procedure is
worth so many reference units, scaled by coefficients such as its difficulty class and the
patient's age class. A price list therefore holds the reference item's base price, the named
coefficients with a factor per class, and the items with their reference units and classes;
an item's unit price is computed from these (app.pricelists.service.unit_price), never typed in.

An order line (app.budgets.models.OrderBudgetLine) may name a price list: its content is then
the volume ordered of each item (OrderLineItem, agreement content, versioned with the line),
and the provider reports the volume delivered of each item per month (ItemDelivery, reported
values like app.budgets.models.Delivery).
"""

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Date,
    ForeignKey,
    Integer,
    Numeric,
    Select,
    String,
    UniqueConstraint,
    or_,
    select,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.budgets.models import OrderBudgetLine
from app.core.db import Base
from app.core.models import MONEY, QUANTITY, TenantOwned
from app.core.visibility import Reach, Viewer, Visibility, Writers, declare, define_reach

FACTOR = Numeric(10, 4)


class PriceList(TenantOwned, Base):
    """Hinnasto: a board's price list of a year, built on a reference item's base price."""

    __tablename__ = "price_lists"
    __table_args__ = (UniqueConstraint("municipality_id", "code", "year"),)

    board_id: Mapped[int] = mapped_column(ForeignKey("boards.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(40))
    year: Mapped[int] = mapped_column(Integer)
    name_fi: Mapped[str] = mapped_column(String(300))
    name_sv: Mapped[str | None] = mapped_column(String(300))
    reference_code: Mapped[str] = mapped_column(String(40))  # e.g. SFA10
    reference_name: Mapped[str] = mapped_column(String(300))  # e.g. "yhden pinnan täyte"
    base_price: Mapped[Decimal] = mapped_column(MONEY)  # the reference item's price, euros


class PriceCoefficient(TenantOwned, Base):
    """One class of a named coefficient and its factor: e.g. ``vaativuusluokka`` class ``3``
    × 1.25, or ``ikäluokka`` class ``lapsi`` × 0.9. The rows of one coefficient name are the
    coefficient."""

    __tablename__ = "price_coefficients"
    __table_args__ = (UniqueConstraint("price_list_id", "coefficient", "class_code"),)

    price_list_id: Mapped[int] = mapped_column(ForeignKey("price_lists.id", ondelete="CASCADE"),
                                               index=True)
    coefficient: Mapped[str] = mapped_column(String(40))
    class_code: Mapped[str] = mapped_column(String(40))
    name_fi: Mapped[str | None] = mapped_column(String(300))
    factor: Mapped[Decimal] = mapped_column(FACTOR)


class PriceItem(TenantOwned, Base):
    """Hinnaston nimike: a procedure worth ``reference_units`` reference items, in one class of
    some of the list's coefficients (``classes``: coefficient → class code). ``unit_price`` is
    computed whenever the item, the base price or a factor changes."""

    __tablename__ = "price_items"
    __table_args__ = (UniqueConstraint("price_list_id", "code"),)

    price_list_id: Mapped[int] = mapped_column(ForeignKey("price_lists.id", ondelete="CASCADE"),
                                               index=True)
    code: Mapped[str] = mapped_column(String(40))
    name_fi: Mapped[str] = mapped_column(String(300))
    name_sv: Mapped[str | None] = mapped_column(String(300))
    reference_units: Mapped[Decimal] = mapped_column(FACTOR)
    classes: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    unit_price: Mapped[Decimal] = mapped_column(MONEY)


class OrderLineItem(TenantOwned, Base):
    """The volume ordered of one item on an order line priced by a price list. ``unit_price``
    is the item's price when the row was written (the order keeps the price it was agreed at);
    ``euros`` = volume × unit price."""

    __tablename__ = "order_line_items"
    __table_args__ = (UniqueConstraint("order_budget_line_id", "item_id"),)

    order_budget_line_id: Mapped[int] = mapped_column(
        ForeignKey("order_budget_lines.id", ondelete="CASCADE"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("price_items.id", ondelete="RESTRICT"),
                                         index=True)
    volume: Mapped[Decimal] = mapped_column(QUANTITY)
    unit_price: Mapped[Decimal] = mapped_column(MONEY)
    euros: Mapped[Decimal] = mapped_column(MONEY)


class ItemDelivery(TenantOwned, Base):
    """The volume of one item delivered on an order line in a month, reported by the provider;
    ``euros`` = volume × the item's unit price (the month's invoice row, laskutus)."""

    __tablename__ = "item_deliveries"
    __table_args__ = (UniqueConstraint("order_budget_line_id", "item_id", "period"),)

    order_budget_line_id: Mapped[int] = mapped_column(
        ForeignKey("order_budget_lines.id", ondelete="CASCADE"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("price_items.id", ondelete="RESTRICT"),
                                         index=True)
    period: Mapped[str] = mapped_column(String(10))
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    volume: Mapped[Decimal] = mapped_column(QUANTITY)
    unit_price: Mapped[Decimal] = mapped_column(MONEY)
    euros: Mapped[Decimal] = mapped_column(MONEY)


# What a board's member, a provider's reporter and the public reach (app.core.visibility): the
# board its own lists; anyone else the lists that the order lines he reaches are priced by.
def _lists(viewer: Viewer, reach: Reach) -> Select[Any]:
    used = select(OrderBudgetLine.price_list_id).where(
        OrderBudgetLine.id.in_(reach["budget lines"]), OrderBudgetLine.price_list_id.is_not(None))
    if viewer.board_id is not None:
        return select(PriceList.id).where(or_(PriceList.board_id == viewer.board_id,
                                              PriceList.id.in_(used)))
    return select(PriceList.id).where(PriceList.id.in_(used))


define_reach("price lists", _lists)
declare(PriceList, Visibility.CONTENT, lambda reach: PriceList.id.in_(reach["price lists"]))
declare(PriceCoefficient, Visibility.CONTENT,
        lambda reach: PriceCoefficient.price_list_id.in_(reach["price lists"]))
declare(PriceItem, Visibility.CONTENT,
        lambda reach: PriceItem.price_list_id.in_(reach["price lists"]))
declare(OrderLineItem, Visibility.CONTENT,
        lambda reach: OrderLineItem.order_budget_line_id.in_(reach["budget lines"]))
# A provider's reporter reports the item deliveries of his own order lines.
declare(ItemDelivery, Visibility.VALUES,
        lambda reach: ItemDelivery.order_budget_line_id.in_(reach["budget lines"]),
        writers=Writers.ALSO_REPORTERS)
