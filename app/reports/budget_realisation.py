"""The follow-up report's order-budget part: the board's order budget of the year (the version
in force at the period's end, app.agreements.in_force) against what was delivered, per line,
per provider and in total, with the lines furthest from the order for the first page.

Ylivuotinen budjetointi: a line marked ``carry_over`` has the surplus or deficit of the same
product and provider in the year before (its line in the budget in force at that year's end
and what that line carried in itself, less the euros delivered in the whole year) carried in,
shown as "siirtynyt edelliseltä vuodelta" (app.reports.status.carried_over), and its running
balance in a table of its own (``Budget.balances``): carried in, the year's appropriation,
delivered, the balance for the next year."""

from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.agreements import in_force
from app.agreements.models import APPROVED
from app.auth.authz import scope
from app.auth.models import User
from app.budgets.models import CHAIN_YEARS, OrderBudget, OrderBudgetLine
from app.catalogue.models import Product as ProductRow
from app.core.ordering import natural
from app.core.periods import Period, parse_period, year_share
from app.organisations.models import Provider
from app.pricelists import invoicing
from app.reports import status as st
from app.reports.common import display_name, provider_entry, readable_providers
from app.reports.follow_up_data import Balance, Budget, BudgetLine, Product, ProviderBudget, Realisation

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
    """The surplus (+) or deficit (−) that each line (by app.reports.status.line_key) of
    ``year`` − 1 leaves: what a line of ``year`` marked carry_over brings in. The balance runs
    over the years: computed in one pass, oldest year first, through the unbroken run of years
    with a budget (at most CHAIN_YEARS back); a line not marked carries nothing in, so its
    balance starts again from its own appropriation."""
    carried: dict[tuple[int, int], Decimal] = {}
    for y in _chain_years(session, user, board_id, year):
        carried = _leaves(session, user, board_id, y, carried)
    return carried


def _chain_years(session: Session, user: User, board_id: int, year: int) -> list[int]:
    """The years before ``year`` a carry-over may come through, oldest first."""
    have = {b.year for b in session.scalars(scope(select(OrderBudget), OrderBudget, user).where(
        OrderBudget.board_id == board_id, OrderBudget.year >= year - CHAIN_YEARS,
        OrderBudget.year < year))}
    first = year
    while first - 1 in have:
        first -= 1
    return list(range(first, year))


def _leaves(session: Session, user: User, board_id: int, year: int,
            carried: dict[tuple[int, int], Decimal]) -> dict[tuple[int, int], Decimal]:
    """What each line of ``year``'s budget leaves for the year after, given what the year
    before left (``carried``); lines without deliveries leave nothing known."""
    whole = parse_period(str(year))
    budget = _counting(session, user, board_id, whole)
    if budget is None:
        return {}
    done = st.delivered(session, user, budget.id, whole)
    out: dict[tuple[int, int], Decimal] = {}
    for ln in _lines(session, user, budget):
        key = st.line_key(ln)
        amount = st.carried_over(st.realise(year, ln.volume, ln.total, done.get(key),
                                            carried.get(key) if ln.carry_over else None))
        if amount is not None:
            out[key] = amount
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
                  largest_deviations=deviating[:LARGEST], price_lists=views,
                  balances=_balances(groups, products, providers, lang))


def _balances(groups: dict[int, list[tuple[OrderBudgetLine, st.Realisation]]],
              products: dict[int, ProductRow], providers: dict[int, Provider], lang: str
              ) -> list[Balance]:
    """The running balance of each line marked carry_over, by provider and product."""
    return [Balance(product=display_name(products[ln.product_id], lang),
                    provider=providers[provider_id].name, carried_in=r.carried_euros,
                    appropriation=r.ordered_euros, delivered=r.delivered_euros,
                    balance=r.balance_euros)
            for provider_id, items in sorted(groups.items(), key=lambda kv: providers[kv[0]].code)
            for ln, r in sorted(items, key=lambda x: natural(products[x[0].product_id].code))
            if ln.carry_over]
