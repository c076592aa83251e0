"""A price list as people read it (its coefficients and items with their computed prices) and
the monthly invoicing of the order lines priced by it against the order (no HTTP here).

The months invoiced (laskutus) are the item deliveries' euros per month, summed over the lines
of the order line's identity (product and provider) in every version of its budget, as
app.reports.status.delivered counts deliveries; the order to date is the line's total pro rata
to the month's end (app.core.periods.year_share)."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from app.auth.authz import scope
from app.auth.models import User
from app.budgets.models import OrderBudget, OrderBudgetLine
from app.catalogue.models import Product
from app.core.periods import parse_period, year_share
from app.core.types import euros
from app.organisations.models import Provider
from app.pricelists.models import ItemDelivery, OrderLineItem, PriceCoefficient, PriceItem, PriceList
from app.pricelists.schemas import (
    Coefficient,
    CoefficientClass,
    LineInvoicing,
    MonthInvoiced,
    PricedItem,
    PriceListView,
)

ZERO = Decimal("0.00")


def _name(obj: PriceList | PriceItem, lang: str) -> str:
    return obj.name_sv if lang == "sv" and obj.name_sv else obj.name_fi


def coefficients(session: Session, user: User | None, price_list_id: int) -> list[Coefficient]:
    rows = session.scalars(scope(select(PriceCoefficient), PriceCoefficient, user).where(
        PriceCoefficient.price_list_id == price_list_id).order_by(PriceCoefficient.id))
    by_name: dict[str, list[CoefficientClass]] = {}
    for c in rows:
        by_name.setdefault(c.coefficient, []).append(
            CoefficientClass(class_code=c.class_code, name=c.name_fi, factor=c.factor))
    return [Coefficient(name=n, classes=cs) for n, cs in by_name.items()]


def items(session: Session, user: User | None, price_list_id: int) -> list[PriceItem]:
    return list(session.scalars(scope(select(PriceItem), PriceItem, user).where(
        PriceItem.price_list_id == price_list_id).order_by(PriceItem.id)))


def _priced(item: PriceItem, lang: str) -> PricedItem:
    return PricedItem(code=item.code, name=_name(item, lang), reference_units=item.reference_units,
                      classes=item.classes or {}, unit_price=item.unit_price)


def view(session: Session, user: User | None, price_list: PriceList, lang: str,
         lines: list[OrderBudgetLine] | None = None, until: date | None = None) -> PriceListView:
    """The list with its items; with ``lines`` (priced by it), their months up to ``until``."""
    listed = items(session, user, price_list.id)
    return PriceListView(
        id=price_list.id, code=price_list.code, year=price_list.year,
        name=_name(price_list, lang), name_sv=price_list.name_sv, reference_code=price_list.reference_code,
        reference_name=price_list.reference_name, base_price=price_list.base_price,
        coefficients=coefficients(session, user, price_list.id),
        items=[_priced(i, lang) for i in listed],
        lines=[invoicing(session, user, ln, listed, lang, until) for ln in lines or []])


def newest_lines(session: Session, user: User | None, price_list_id: int
                 ) -> list[OrderBudgetLine]:
    """The lines priced by the list, of the newest version of their budget that ``user``
    reads."""
    rows = session.execute(scope(select(OrderBudgetLine, OrderBudget.version), OrderBudgetLine,
                                 user).join(OrderBudget,
                                            OrderBudget.id == OrderBudgetLine.order_budget_id)
                           .where(OrderBudgetLine.price_list_id == price_list_id)
                           .order_by(OrderBudget.version, OrderBudgetLine.id)).all()
    newest: dict[tuple[int, int], OrderBudgetLine] = {}
    for line, _ in rows:
        newest[(line.product_id, line.provider_id)] = line
    return list(newest.values())


def invoiced_months(session: Session, user: User | None, line: OrderBudgetLine, until: date
                    ) -> dict[str, Decimal]:
    """The euros invoiced per month (period code) on the line's identity up to ``until``."""
    out: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for row in _deliveries(session, user, line, until):
        out[row.period] += row.euros
    return dict(out)


def _deliveries(session: Session, user: User | None, line: OrderBudgetLine, until: date
                ) -> list[ItemDelivery]:
    """The item deliveries on the line's identity in any version of its budget."""
    budget = session.get_one(OrderBudget, line.order_budget_id)
    same = scope(select(OrderBudgetLine.id), OrderBudgetLine, user).join(
        OrderBudget, OrderBudget.id == OrderBudgetLine.order_budget_id).where(
        OrderBudget.board_id == budget.board_id, OrderBudget.year == budget.year,
        OrderBudgetLine.product_id == line.product_id,
        OrderBudgetLine.provider_id == line.provider_id)
    return list(session.scalars(scope(select(ItemDelivery), ItemDelivery, user).where(
        ItemDelivery.order_budget_line_id.in_(same), ItemDelivery.period_end <= until)))


def months(total: Decimal, year: int, invoiced: dict[str, Decimal]) -> list[MonthInvoiced]:
    """Each month up to the last one invoiced: its invoicing, the cumulative sum, the order
    pro rata to the month's end, and the difference."""
    last = max((parse_period(p).start.month for p in invoiced), default=0)
    out: list[MonthInvoiced] = []
    cumulative = ZERO
    for m in range(1, last + 1):
        period = parse_period(f"{year}-{m:02d}")
        cumulative += invoiced.get(period.code, ZERO)
        to_date = euros(total * year_share(year, period.end))
        out.append(MonthInvoiced(period=period.code, euros=invoiced.get(period.code, ZERO),
                                 cumulative=cumulative, budget_to_date=to_date,
                                 deviation=cumulative - to_date))
    return out


def invoicing(session: Session, user: User | None, line: OrderBudgetLine, listed: list[PriceItem],
              lang: str, until: date | None = None) -> LineInvoicing:
    budget = session.get_one(OrderBudget, line.order_budget_id)
    until = until or date(budget.year, 12, 31)
    ordered = {r.item_id: r for r in session.scalars(scope(
        select(OrderLineItem), OrderLineItem, user).where(
        OrderLineItem.order_budget_line_id == line.id))}
    delivered = _delivered_by_item(session, user, line, until)
    rows = []
    for item in listed:
        row, done = ordered.get(item.id), delivered.get(item.id, (Decimal(0), ZERO))
        if row is None and not done[0]:
            continue
        rows.append(_priced(item, lang).model_copy(update={
            "ordered_volume": row.volume if row else None,
            "ordered_euros": row.euros if row else None,
            "delivered_volume": done[0], "delivered_euros": done[1]}))
    invoiced = invoiced_months(session, user, line, until)
    return LineInvoicing(
        line_id=line.id, product=_product(session, line.product_id, lang),
        provider=session.get_one(Provider, line.provider_id).name, total=line.total, items=rows,
        months=months(line.total, budget.year, invoiced),
        invoiced=sum(invoiced.values(), ZERO))


def _product(session: Session, product_id: int, lang: str) -> str:
    product = session.get_one(Product, product_id)
    return product.name_sv if lang == "sv" and product.name_sv else product.name_fi


def _delivered_by_item(session: Session, user: User | None, line: OrderBudgetLine, until: date
                       ) -> dict[int, tuple[Decimal, Decimal]]:
    out: dict[int, tuple[Decimal, Decimal]] = {}
    for row in _deliveries(session, user, line, until):
        volume, amount = out.get(row.item_id, (Decimal(0), ZERO))
        out[row.item_id] = (volume + row.volume, amount + row.euros)
    return out


@dataclass(frozen=True)
class ItemMonth:
    """A month's invoicing of one order line's identity, as a delivery of euros (no volume:
    the items' volumes are not of one unit) for the budget realisation."""

    key: tuple[int, int]  # product, provider (app.reports.status.line_key)
    period: str
    period_start: date
    period_end: date
    euros: Decimal
    volume: Decimal | None = None


def item_months(session: Session, user: User | None, lines: Select[Any], start: date, end: date
                ) -> list[ItemMonth]:
    """The item deliveries on ``lines`` (a select of line ids) from ``start`` to ``end``, summed
    per line identity and month."""
    rows = session.execute(
        scope(select(ItemDelivery.period, ItemDelivery.period_start, ItemDelivery.period_end,
                     OrderBudgetLine.product_id, OrderBudgetLine.provider_id,
                     func.sum(ItemDelivery.euros)), ItemDelivery, user)
        .join(OrderBudgetLine, OrderBudgetLine.id == ItemDelivery.order_budget_line_id)
        .where(ItemDelivery.order_budget_line_id.in_(lines), ItemDelivery.period_start >= start,
               ItemDelivery.period_end <= end)
        .group_by(ItemDelivery.period, ItemDelivery.period_start, ItemDelivery.period_end,
                  OrderBudgetLine.product_id, OrderBudgetLine.provider_id)
        .order_by(ItemDelivery.period_start))
    return [ItemMonth((product, provider), period, first, last, euros(Decimal(total)))
            for period, first, last, product, provider, total in rows]


def views_for_lines(session: Session, user: User | None, lines: list[OrderBudgetLine],
                    lang: str, until: date | None = None) -> list[PriceListView]:
    """The price lists that ``lines`` are priced by, each with its lines (and their months
    up to ``until``)."""
    by_list: dict[int, list[OrderBudgetLine]] = {}
    for line in lines:
        if line.price_list_id is not None:
            by_list.setdefault(line.price_list_id, []).append(line)
    lists = session.scalars(scope(select(PriceList), PriceList, user).where(
        PriceList.id.in_(by_list)).order_by(PriceList.code))
    return [view(session, user, p, lang, by_list[p.id], until) for p in lists]
