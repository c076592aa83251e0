"""The price lists page: the price lists of a year that the caller reads, each with its
coefficients, its items at their computed unit prices and the monthly invoicing of the order
lines priced by it against the order (the API's ``/price-lists/{id}/invoicing``)."""

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import select

from app.auth.authz import scope
from app.auth.models import User
from app.core import formatting
from app.core.db import SessionDep
from app.core.types import Year
from app.pricelists import invoicing
from app.pricelists.models import PriceList
from app.web.deps import Lang, page_for
from app.web.render import render

router = APIRouter(prefix="/price-lists")
LoggedInPage = Annotated[User, page_for()]


@router.get("", response_class=HTMLResponse)
def price_lists(request: Request, session: SessionDep, lang: Lang, user: LoggedInPage,
                year: Annotated[Year | None, Query()] = None) -> HTMLResponse:
    years = sorted(set(session.scalars(scope(select(PriceList.year), PriceList, user)
                                       .distinct())), reverse=True)
    chosen = year if year is not None else (years[0] if years else None)
    lists = list(session.scalars(scope(select(PriceList), PriceList, user).where(
        PriceList.year == chosen).order_by(PriceList.code))) if chosen else []
    views = [invoicing.view(session, user, p, lang, invoicing.newest_lines(session, user, p.id))
             for p in lists]
    return render(request, "price_lists.html", lang, user, years=years, year=chosen,
                  price_lists=views,
                  money=lambda value, signed=False: formatting.money(value, lang, signed=signed),
                  num=lambda value: formatting.number(value, lang, decimals=4))
