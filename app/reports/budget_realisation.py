"""The follow-up report's order-budget part: the board's order budget of the year (the version
in force at the period's end, app.agreements.in_force) against what was delivered, per line,
per provider and in total, with the lines furthest from the order for the first page.

Ylivuotinen budjetointi: a line marked ``carry_over`` has the surplus or deficit of the same
product and provider in the year before (its line in the budget in force at that year's end,
less the euros delivered in the whole year) carried in, shown as "siirtynyt edelliseltä
vuodelta" (app.reports.status.carried_over)."""

from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.agreements import in_force
from app.agreements.models import APPROVED
from app.auth.authz import scope
from app.auth.models import User
from app.budgets.models import OrderBudget, OrderBudgetLine
from app.catalogue.models import Product as ProductRow
from app.core.ordering import natural
from app.core.periods import Period, parse_period, year_share
from app.pricelists import invoicing
from app.reports import status as st
from app.reports.common import display_name, provider_entry, readable_providers
from app.reports.follow_up_data import Budget, BudgetLine, Product, ProviderBudget, Realisation

LARGEST = 5  # deviations named on the first page


def realisation(r: st.Realisation) -> Realisation:
    return Realisation(**_fields(r))


def _fields(r: st.Realisation) -> dict[str, object]:
    return {"ordered_volume": r.ordered_volume, "ordered_euros": r.ordered_euros,
            "delivered_volume": r.delivered_volume, "delivered_euros": r.delivered_euros,
            "until": r.until, "realised_pct": r.realised_pct,
            "forecast_euros": r.forecast_euros, "deviation_euros": r.deviation_euros,
            "deviation_pct": r.deviation_pct, "carried_euros": r.carried_euros,
            "available_euros": r.available_euros}


def _counting(session: Session, user: User, board_id: int, period: Period
              ) -> OrderBudget | None:
    """The board's budget of the period's year that counts at the period's end (None when only
    an unapproved amendment of an approved one is readable: it does not count)."""
    readable = list(session.scalars(scope(select(OrderBudget), OrderBudget, user).where(
        OrderBudget.board_id == board_id, OrderBudget.year == period.year)))
    budget = in_force.counting(readable, period.end)
    if budget is None or (budget.status not in APPROVED and any(
            b.status in APPROVED for b in in_force.all_versions(session, OrderBudget, readable))):
        return None
    return budget


def _lines(session: Session, user: User, budget: OrderBudget) -> list[OrderBudgetLine]:
    return list(session.scalars(scope(select(OrderBudgetLine), OrderBudgetLine, user).where(
        OrderBudgetLine.order_budget_id == budget.id)))


def carried_in(session: Session, user: User, board_id: int, year: int
               ) -> dict[tuple[int, int], Decimal]:
    """The surplus (+) or deficit (−) of each line of ``year`` − 1 (by app.reports.status.line_key)
    that reported deliveries: what a line of ``year`` marked carry_over brings in."""
    previous = parse_period(str(year - 1))
    budget = _counting(session, user, board_id, previous)
    if budget is None:
        return {}
    done = st.delivered(session, user, budget.id, previous)
    out: dict[tuple[int, int], Decimal] = {}
    for ln in _lines(session, user, budget):
        amount = st.carried_over(st.realise(previous.year, ln.volume, ln.total,
                                            done.get(st.line_key(ln))))
        if amount is not None:
            out[st.line_key(ln)] = amount
    return out


def _distance(line: BudgetLine) -> Decimal:
    return abs(line.deviation_euros or Decimal(0))


def budget_realisation(session: Session, user: User, board_id: int, period: Period, lang: str
                       ) -> Budget | None:
    """The board's order budget of the year (the version in force at the period's end) against
    what was delivered (on the lines of any of its versions: app.reports.status.delivered)."""
    budget = _counting(session, user, board_id, period)
    if budget is None:
        return None
    lines = _lines(session, user, budget)
    carried = carried_in(session, user, board_id, period.year) \
        if any(ln.carry_over for ln in lines) else {}
    products = {p.id: p for p in session.scalars(select(ProductRow).where(
        ProductRow.id.in_({ln.product_id for ln in lines})))}
    providers = readable_providers(session, user, {ln.provider_id for ln in lines})
    done = st.delivered(session, user, budget.id, period)
    views = invoicing.views_for_lines(session, user, lines, lang, period.end)
    price_lists: dict[int | None, str] = {v.id: v.code for v in views}
    groups: dict[int, list[tuple[OrderBudgetLine, st.Realisation]]] = {}
    for ln in lines:
        groups.setdefault(ln.provider_id, []).append(
            (ln, st.realise(period.year, ln.volume, ln.total, done.get(st.line_key(ln)),
                            carried.get(st.line_key(ln)) if ln.carry_over else None)))
    out: list[ProviderBudget] = []
    for provider_id, items in sorted(groups.items(), key=lambda kv: providers[kv[0]].code):
        items.sort(key=lambda x: natural(products[x[0].product_id].code))
        provider = providers[provider_id]
        reported = [BudgetLine(
            id=ln.id, product=Product(code=products[ln.product_id].code,
                                      name=display_name(products[ln.product_id], lang),
                                      unit=products[ln.product_id].unit),
            unit_price=ln.unit_price, price_list=price_lists.get(ln.price_list_id),
            provider=provider.name, **_fields(r))
            for ln, r in items if r.forecast_euros is not None]
        silent = [r for _, r in items if r.forecast_euros is None]
        out.append(ProviderBudget(
            provider=provider_entry(provider), lines=reported, unreported=len(silent),
            unreported_euros=sum((r.available_euros for r in silent), Decimal(0)),
            total=realisation(st.total([r for _, r in items]))))
    everything = st.total([r for items in groups.values() for _, r in items])
    deviating = sorted((ln for p in out for ln in p.lines if ln.deviation_euros),
                       key=_distance, reverse=True)
    return Budget(id=budget.id, title=budget.title, year=budget.year, version=budget.version,
                  providers=out, total=realisation(everything),
                  lines_reported=sum(1 for ln in lines if st.line_key(ln) in done), lines=len(lines),
                  elapsed_pct=(year_share(period.year, period.end) * 100).quantize(
                      Decimal("0.1")),
                  largest_deviations=deviating[:LARGEST], price_lists=views)
