"""The ``price_lists`` section of a contracts file, and the items and deliveries of the order
lines priced by them: their import and export.

A list is matched by its code and year, a coefficient's class by the coefficient's name and the
class's code, an item by its code, so that importing a file twice changes nothing. Rows of a
list that the file no longer has are removed (the file describes the list whole). The unit
prices are computed by app.pricelists.service, never read from the file.
"""

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth.authz import scope
from app.auth.models import User
from app.budgets.models import OrderBudgetLine
from app.contracts import price_list_docs as pd
from app.contracts import schema as d
from app.contracts.voucher_sets import Importing, _remove_others, _rows
from app.core.periods import parse_period
from app.organisations.models import Board
from app.pricelists import service
from app.pricelists.models import ItemDelivery, OrderLineItem, PriceCoefficient, PriceItem, PriceList


def import_price_lists(imp: Importing, docs: list[pd.PriceListDoc]) -> None:
    boards = imp.code_map(Board)
    seen: set[tuple[str, int]] = set()
    for i, doc in enumerate(docs):
        path = f"price_lists[{i}]"
        if (doc.code, doc.year) in seen:
            imp.error(f"{path}.code", f"price list {doc.code} of {doc.year} appears twice")
            continue
        seen.add((doc.code, doc.year))
        board = imp.ref(boards, doc.board, "board", f"{path}.board")
        if board is None:
            continue
        row = imp.upsert(PriceList, {"municipality_id": imp.municipality_id, "code": doc.code,
                                     "year": doc.year}, {
            "board_id": board, "name_fi": doc.name_fi, "name_sv": doc.name_sv,
            "reference_code": doc.reference_code, "reference_name": doc.reference_name,
            "base_price": doc.base_price}, None, path)
        _coefficients(imp, row, doc, path)
        _items(imp, row, doc, path)


def _coefficients(imp: Importing, row: PriceList, doc: pd.PriceListDoc, path: str) -> None:
    kept: set[int] = set()
    for j, c in enumerate(doc.coefficients):
        for k, cls in enumerate(c.classes):
            kept.add(imp.upsert(PriceCoefficient, {
                "price_list_id": row.id, "coefficient": c.name, "class_code": cls.code},
                {"name_fi": cls.name, "factor": cls.factor}, None,
                f"{path}.coefficients[{j}].classes[{k}]").id)
    _remove_others(imp, PriceCoefficient, PriceCoefficient.price_list_id == row.id, kept)


def _items(imp: Importing, row: PriceList, doc: pd.PriceListDoc, path: str) -> None:
    kept: set[int] = set()
    for j, item in enumerate(doc.items):
        kept.add(imp.upsert(PriceItem, {"price_list_id": row.id, "code": item.code}, {
            "name_fi": item.name_fi, "name_sv": item.name_sv,
            "reference_units": item.reference_units, "classes": dict(item.classes)},
            service.item_rules, f"{path}.items[{j}]").id)
    _remove_others(imp, PriceItem, PriceItem.price_list_id == row.id, kept)
    with imp.at(path):  # a changed base price or factor reprices the items kept as they were
        service.reprice(imp.session, row.id)


def import_line_items(imp: Importing, line: OrderBudgetLine, doc: d.OrderLineDoc,
                      path: str) -> None:
    """The items ordered on a line priced by a list, and the provider's deliveries of them."""
    if line.price_list_id is None:
        return
    codes = dict(imp.session.execute(select(PriceItem.code, PriceItem.id).where(
        PriceItem.price_list_id == line.price_list_id)).all())
    kept: set[int] = set()
    for j, entry in enumerate(doc.items or []):
        item = imp.ref(codes, entry.item, "item", f"{path}.items[{j}].item")
        if any(e.item == entry.item for e in (doc.items or [])[:j]):
            imp.error(f"{path}.items[{j}].item", f"item {entry.item} appears twice on the line: "
                      "put its whole volume on one row")
        elif item is not None:
            kept.add(imp.upsert(OrderLineItem, {"order_budget_line_id": line.id,
                                                "item_id": item}, {"volume": entry.volume},
                                service.line_item_rules, f"{path}.items[{j}]").id)
    _remove_others(imp, OrderLineItem, OrderLineItem.order_budget_line_id == line.id, kept)
    with imp.at(path):
        service.retotal(imp.session, line.id)
    import_deliveries(imp, line, doc, path)


def import_deliveries(imp: Importing, line: OrderBudgetLine, doc: d.OrderLineDoc,
                      path: str) -> None:
    """The provider's monthly deliveries of the line's items (reported values, not content:
    also on a line of an approved budget)."""
    if line.price_list_id is None:
        return
    codes = dict(imp.session.execute(select(PriceItem.code, PriceItem.id).where(
        PriceItem.price_list_id == line.price_list_id)).all())
    done: set[int] = set()
    for j, month in enumerate(doc.item_deliveries):
        period = parse_period(month.period)
        if any(parse_period(m.period).code == period.code for m in doc.item_deliveries[:j]):
            imp.error(f"{path}.item_deliveries[{j}].period", f"{period.code} appears twice: one "
                      "entry per month")
            continue
        for k, entry in enumerate(month.items):
            where = f"{path}.item_deliveries[{j}].items[{k}]"
            item = imp.ref(codes, entry.item, "item", f"{where}.item")
            if item is not None:
                done.add(imp.upsert(ItemDelivery, {
                    "order_budget_line_id": line.id, "item_id": item, "period": period.code},
                    {"period_start": period.start, "period_end": period.end,
                     "volume": entry.volume}, service.delivery_rules, where).id)
    _remove_others(imp, ItemDelivery, ItemDelivery.order_budget_line_id == line.id, done)


# -- the export ------------------------------------------------------------------------------------
def export_price_lists(session: Session, user: User, board: Board, year: int
                       ) -> list[pd.PriceListDoc]:
    """The board's price lists of ``year`` as ``user`` reads them."""
    return [pd.PriceListDoc(
        code=p.code, board=board.code, year=p.year, name_fi=p.name_fi, name_sv=p.name_sv,
        reference_code=p.reference_code, reference_name=p.reference_name,
        base_price=p.base_price, coefficients=_coefficient_docs(session, user, p.id),
        items=[pd.PriceItemDoc(code=i.code, name_fi=i.name_fi, name_sv=i.name_sv,
                              reference_units=i.reference_units, classes=i.classes or {})
               for i in _rows(session, user, PriceItem, PriceItem.price_list_id == p.id)])
        for p in _rows(session, user, PriceList, PriceList.board_id == board.id,
                       PriceList.year == year)]


def _coefficient_docs(session: Session, user: User, price_list_id: int
                      ) -> list[pd.CoefficientDoc]:
    by_name: dict[str, list[pd.CoefficientClassDoc]] = {}
    for c in _rows(session, user, PriceCoefficient, PriceCoefficient.price_list_id == price_list_id):
        by_name.setdefault(c.coefficient, []).append(
            pd.CoefficientClassDoc(code=c.class_code, name=c.name_fi, factor=c.factor))
    return [pd.CoefficientDoc(name=n, classes=cs) for n, cs in by_name.items()]


def line_fields(session: Session, user: User, line: OrderBudgetLine) -> dict[str, Any]:
    """What an exported line priced by a list carries: the list's code, its items, the
    deliveries (each month's items)."""
    if line.price_list_id is None:
        return {}
    code = session.get_one(PriceList, line.price_list_id).code
    item_codes = dict(session.execute(select(PriceItem.id, PriceItem.code).where(
        PriceItem.price_list_id == line.price_list_id)).all())
    items = [pd.LineItemDoc(item=item_codes[r.item_id], volume=r.volume) for r in _rows(
        session, user, OrderLineItem, OrderLineItem.order_budget_line_id == line.id)]
    months: dict[str, list[pd.LineItemDoc]] = {}
    for r in session.scalars(scope(select(ItemDelivery), ItemDelivery, user).where(
            ItemDelivery.order_budget_line_id == line.id).order_by(
            ItemDelivery.period_start, ItemDelivery.id)):
        months.setdefault(r.period, []).append(pd.LineItemDoc(item=item_codes[r.item_id],
                                                             volume=r.volume))
    return {"price_list": code, "items": items, "item_deliveries": [
        pd.ItemDeliveryDoc(period=p, items=rows) for p, rows in months.items()]}
