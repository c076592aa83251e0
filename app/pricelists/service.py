"""The rules of price lists (no HTTP here).

- An item's unit price = the base price × its reference units × the product of the factors of
  its coefficients' classes, rounded to cents half up (``unit_price``). It is computed when the
  item is written and again for the whole list when the base price or a factor changes
  (``reprice``); nobody types it in.
- An order line priced by a list is ordered item by item (OrderLineItem): the row keeps the
  item's price when it was written, and the line's total is the sum of its rows (``retotal``).
- A provider reports the volume delivered of an item per month (ItemDelivery): its euros are
  the volume at the item's unit price; a month once per line and item.
"""

from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth.models import User
from app.budgets.models import Delivery, OrderBudget, OrderBudgetLine
from app.core import access
from app.core.errors import InvalidInput
from app.core.periods import Frequency, parse_period
from app.core.types import euros
from app.pricelists.models import ItemDelivery, OrderLineItem, PriceCoefficient, PriceItem, PriceList

ZERO = Decimal("0.00")


def unit_price(base_price: Decimal, reference_units: Decimal, factors: list[Decimal]) -> Decimal:
    """Base price × reference units × each factor, in cents (half up, as invoices round)."""
    price = Decimal(base_price) * Decimal(reference_units)
    for factor in factors:
        price *= Decimal(factor)
    return euros(price)


def factors_of(session: Session, price_list_id: int) -> dict[tuple[str, str], Decimal]:
    """The list's factors by (coefficient, class)."""
    return {(c.coefficient, c.class_code): c.factor for c in session.scalars(
        select(PriceCoefficient).where(PriceCoefficient.price_list_id == price_list_id))}


def item_rules(session: Session, item: PriceItem, _: dict[str, Any]) -> None:
    """Each class named is a class of one of the list's coefficients; the price follows."""
    with session.no_autoflush:  # the item, added before its price is known, waits for it
        _price_item(session, item)


def _price_item(session: Session, item: PriceItem) -> None:
    # A row refused here is still flushed by an import (which then rolls back whole): it needs
    # a price meanwhile.
    item.unit_price = item.unit_price if item.unit_price is not None else ZERO
    factors = factors_of(session, item.price_list_id)
    coefficients = {name for name, _ in factors}
    classes = dict(item.classes or {})
    for name, class_code in classes.items():
        if name not in coefficients:
            raise InvalidInput(f"the price list has no coefficient {name!r}; it has "
                               f"{', '.join(sorted(coefficients)) or 'none'}",
                               field=f"classes.{name}")
        if (name, class_code) not in factors:
            known = sorted(c for n, c in factors if n == name)
            raise InvalidInput(f"coefficient {name} has no class {class_code!r}; its classes "
                               f"are {', '.join(known)}", field=f"classes.{name}")
    price_list = session.get_one(PriceList, item.price_list_id)
    item.classes = classes
    item.unit_price = unit_price(price_list.base_price, item.reference_units,
                                 [factors[(n, c)] for n, c in sorted(classes.items())])


def reprice(session: Session, price_list_id: int) -> None:
    """Compute the unit price of every item of the list again (the base or a factor changed)."""
    session.flush()
    for item in session.scalars(select(PriceItem).where(PriceItem.price_list_id == price_list_id)):
        item_rules(session, item, {})
    session.flush()


def coefficient_delete_check(session: Session, _: User, row: PriceCoefficient) -> None:
    """A class that an item is in is not deleted from under it."""
    for item in session.scalars(select(PriceItem).where(
            PriceItem.price_list_id == row.price_list_id)):
        if (item.classes or {}).get(row.coefficient) == row.class_code:
            raise InvalidInput(f"item {item.code} is in class {row.class_code} of "
                               f"{row.coefficient}", field="class_code")


# -- order lines priced by a list ---------------------------------------------------------------
def line_list_rule(session: Session, line: OrderBudgetLine, _: dict[str, Any]) -> None:
    """A line's price list is of its budget's board and year; its total is its items' sum."""
    if line.price_list_id is None:
        return
    price_list = session.get_one(PriceList, line.price_list_id)
    budget = session.get_one(OrderBudget, line.order_budget_id)
    if (price_list.board_id, price_list.year) != (budget.board_id, budget.year):
        raise InvalidInput(f"price list {price_list.code} is of another board or year than "
                           "the order budget", field="price_list_id")
    if line.id is not None:
        if session.scalar(select(OrderLineItem.id).join(
                PriceItem, PriceItem.id == OrderLineItem.item_id).where(
                OrderLineItem.order_budget_line_id == line.id,
                PriceItem.price_list_id != line.price_list_id).limit(1)) is not None:
            raise InvalidInput("the line has items of another price list: delete them first",
                               field="price_list_id")
        line.total = line_total(session, line.id)


def _item_of_line(session: Session, line_id: int, item_id: int) -> tuple[OrderBudgetLine,
                                                                           PriceItem]:
    line = session.get_one(OrderBudgetLine, line_id)
    item = session.get_one(PriceItem, item_id)
    if line.price_list_id is None:
        raise InvalidInput("the order line is not priced by a price list",
                           field="order_budget_line_id")
    if item.price_list_id != line.price_list_id:
        raise InvalidInput(f"item {item.code} is not on the line's price list", field="item_id")
    return line, item


def _unpriced(row: OrderLineItem | ItemDelivery) -> None:
    """Zero until priced: a row refused by its rules is still flushed by an import (which then
    rolls back whole)."""
    row.unit_price = row.unit_price if row.unit_price is not None else ZERO
    row.euros = row.euros if row.euros is not None else ZERO


def line_item_rules(session: Session, row: OrderLineItem, __: dict[str, Any]) -> None:
    _unpriced(row)
    with session.no_autoflush:  # the row waits for its price
        _, item = _item_of_line(session, row.order_budget_line_id, row.item_id)
    row.unit_price = item.unit_price
    row.euros = euros(Decimal(row.volume) * item.unit_price)


def line_total(session: Session, line_id: int) -> Decimal:
    return sum(session.scalars(select(OrderLineItem.euros).where(
        OrderLineItem.order_budget_line_id == line_id)), ZERO)


def retotal(session: Session, line_id: int) -> None:
    """The line's total is the sum of its items (after they were written or deleted)."""
    session.flush()
    line = session.get_one(OrderBudgetLine, line_id)
    total = line_total(session, line_id)
    if line.total != total:
        line.total = total
        session.flush()


def delivery_rules(session: Session, row: ItemDelivery, _: dict[str, Any]) -> None:
    """A month of the budget's year, of an item of the line's list, at the item's price."""
    _unpriced(row)
    with session.no_autoflush:  # the row waits for its price
        line, item = _item_of_line(session, row.order_budget_line_id, row.item_id)
        budget = session.get_one(OrderBudget, line.order_budget_id)
    period = parse_period(row.period)
    if period.frequency is not Frequency.month:
        raise InvalidInput(f"{period.code} is not a month: items are invoiced monthly, e.g. "
                           f"{budget.year}-03", field="period")
    if period.year != budget.year:
        raise InvalidInput(f"{period.code} is not in the order budget's year {budget.year}",
                           field="period")
    row.period, row.period_start, row.period_end = period.code, period.start, period.end
    row.unit_price = item.unit_price
    row.euros = euros(Decimal(row.volume) * item.unit_price)


def no_lump_delivery(session: Session, row: Delivery, _: dict[str, Any]) -> None:
    """A line priced by a list is delivered item by item: a lump sum beside the months of its
    items would be counted instead of them."""
    if session.get_one(OrderBudgetLine, row.order_budget_line_id).price_list_id is not None:
        raise InvalidInput("the order line is priced by a price list: report the items "
                           "delivered per month (/item-deliveries)", field="order_budget_line_id")


def _after_list(session: Session, _: User, row: PriceList, __: dict[str, Any]) -> None:
    reprice(session, row.id)


def _after_coefficient(session: Session, _: User, row: PriceCoefficient, __: dict[str, Any]
                       ) -> None:
    reprice(session, row.price_list_id)


def _after_line_item(session: Session, _: User, row: OrderLineItem, __: dict[str, Any]) -> None:
    retotal(session, row.order_budget_line_id)


def _before_line_item_delete(session: Session, _: User, row: OrderLineItem) -> None:
    line = session.get_one(OrderBudgetLine, row.order_budget_line_id)
    line.total = line_total(session, line.id) - row.euros


access.register(PriceList, after_write=_after_list)
access.register(PriceCoefficient, after_write=_after_coefficient,
                before_delete=coefficient_delete_check)
access.register(PriceItem, item_rules)
access.register(OrderLineItem, line_item_rules, after_write=_after_line_item,
                before_delete=_before_line_item_delete)
access.register(ItemDelivery, delivery_rules)
access.add_rule(OrderBudgetLine, line_list_rule)
access.add_rule(Delivery, no_lump_delivery)
