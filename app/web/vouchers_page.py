"""The service vouchers page: the schemes of a year that the caller reads, each with its value
rules, its register of approved providers and their follow-up against the budget (the API's
``/voucher-schemes/{id}/follow-up``, for the whole year)."""

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import select

from app.auth.authz import scope
from app.auth.models import User
from app.core import formatting
from app.core.db import SessionDep
from app.core.periods import parse_period
from app.core.types import Year
from app.vouchers import service
from app.vouchers.models import VoucherScheme
from app.web.deps import Lang, page_for
from app.web.render import render

router = APIRouter(prefix="/vouchers")
LoggedInPage = Annotated[User, page_for()]


@router.get("", response_class=HTMLResponse)
def vouchers(request: Request, session: SessionDep, lang: Lang, user: LoggedInPage,
             year: Annotated[Year | None, Query()] = None) -> HTMLResponse:
    years = sorted(set(session.scalars(scope(select(VoucherScheme.year), VoucherScheme, user)
                                       .distinct())), reverse=True)
    chosen = year if year is not None else (years[0] if years else None)
    schemes = list(session.scalars(scope(select(VoucherScheme), VoucherScheme, user).where(
        VoucherScheme.year == chosen).order_by(VoucherScheme.code))) if chosen else []
    follow_ups = [service.follow_up(session, user, s, parse_period(str(s.year)))
                  for s in schemes]
    return render(request, "vouchers.html", lang, user, years=years, year=chosen,
                  schemes=follow_ups,
                  money=lambda value: formatting.money(value, lang),
                  pct=lambda value: formatting.percent(value, lang))
