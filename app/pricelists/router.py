"""Price lists under /api/v1: the lists, their coefficients and items, the order lines' items,
the providers' item deliveries, and a list with its lines' monthly invoicing."""

from fastapi import Request

from app.auth.policy import LoggedIn
from app.core.access import get_readable
from app.core.db import SessionDep
from app.core.errors import api_language
from app.core.resources import Resource, crud_router
from app.core.types import IdPath
from app.pricelists import invoicing
from app.pricelists import schemas as s
from app.pricelists.models import ItemDelivery, OrderLineItem, PriceCoefficient, PriceItem, PriceList

TAG = "price lists"


lists = crud_router(Resource(
    "/price-lists", PriceList, s.PriceListCreate, s.PriceListUpdate, s.PriceListRead, TAG,
    filters=s.PriceListFilters, order_by=[PriceList.year.desc(), PriceList.code]))


@lists.get("/{obj_id}/invoicing", response_model=s.PriceListView,
           summary="A price list's items with their computed prices, and the monthly invoicing "
           "of the order lines priced by it against the order")
def price_list_invoicing(request: Request, session: SessionDep, user: LoggedIn, obj_id: IdPath
                         ) -> s.PriceListView:
    """In the language of Accept-Language (the names of the list and its items)."""
    price_list = get_readable(session, PriceList, obj_id, user)
    return invoicing.view(session, user, price_list, api_language(request),
                          invoicing.newest_lines(session, user, price_list.id))


routers = [
    lists,
    crud_router(Resource(
        "/price-coefficients", PriceCoefficient, s.CoefficientCreate, s.CoefficientUpdate,
        s.CoefficientRead, TAG, filters=s.CoefficientFilters,
        order_by=[PriceCoefficient.price_list_id, PriceCoefficient.coefficient,
                  PriceCoefficient.id])),
    crud_router(Resource(
        "/price-items", PriceItem, s.ItemCreate, s.ItemUpdate, s.ItemRead, TAG,
        filters=s.ItemFilters, order_by=[PriceItem.price_list_id, PriceItem.code])),
    crud_router(Resource(
        "/order-line-items", OrderLineItem, s.LineItemCreate, s.LineItemUpdate,
        s.LineItemRead, TAG, filters=s.LineItemFilters,
        order_by=[OrderLineItem.order_budget_line_id, OrderLineItem.id])),
    crud_router(Resource(
        "/item-deliveries", ItemDelivery, s.ItemDeliveryCreate, s.ItemDeliveryUpdate,
        s.ItemDeliveryRead, TAG, filters=s.ItemDeliveryFilters,
        order_by=[ItemDelivery.order_budget_line_id, ItemDelivery.period_start,
                  ItemDelivery.item_id])),
]
