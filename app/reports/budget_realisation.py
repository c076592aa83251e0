"""The follow-up report's order-budget part: the board's order budget of the year (the version
in force at the period's end, app.agreements.in_force) against what was delivered, per line,
per provider and in total, with the lines furthest from the order for the first page."""

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
from app.core.periods import Period
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
            "deviation_pct": r.deviation_pct}


def _distance(line: BudgetLine) -> Decimal:
    return abs(line.deviation_euros or Decimal(0))


def budget_realisation(session: Session, user: User, board_id: int, period: Period, lang: str
                       ) -> Budget | None:
    """The board's order budget of the year (the version in force at the period's end) against
    what was delivered (on the lines of any of its versions: app.reports.status.delivered)."""
    readable = list(session.scalars(scope(select(OrderBudget), OrderBudget, user).where(
        OrderBudget.board_id == board_id, OrderBudget.year == period.year)))
    budget = in_force.counting(readable, period.end)
    if budget is None or (budget.status not in APPROVED and any(
            b.status in APPROVED for b in in_force.all_versions(session, OrderBudget, readable))):
        return None  # only an unapproved amendment is readable: it does not count
    lines = list(session.scalars(scope(select(OrderBudgetLine), OrderBudgetLine, user).where(
        OrderBudgetLine.order_budget_id == budget.id)))
    products = {p.id: p for p in session.scalars(select(ProductRow).where(
        ProductRow.id.in_({ln.product_id for ln in lines})))}
    providers = readable_providers(session, user, {ln.provider_id for ln in lines})
    done = st.delivered(session, user, budget.id, period)
    groups: dict[int, list[tuple[OrderBudgetLine, st.Realisation]]] = {}
    for ln in lines:
        groups.setdefault(ln.provider_id, []).append(
            (ln, st.realise(period.year, ln.volume, ln.total, done.get(st.line_key(ln)))))
    out: list[ProviderBudget] = []
    for provider_id, items in sorted(groups.items(), key=lambda kv: providers[kv[0]].code):
        items.sort(key=lambda x: natural(products[x[0].product_id].code))
        provider = providers[provider_id]
        reported = [BudgetLine(
            id=ln.id, product=Product(code=products[ln.product_id].code,
                                      name=display_name(products[ln.product_id], lang),
                                      unit=products[ln.product_id].unit),
            unit_price=ln.unit_price, provider=provider.name, **_fields(r))
            for ln, r in items if r.forecast_euros is not None]
        silent = [r for _, r in items if r.forecast_euros is None]
        out.append(ProviderBudget(
            provider=provider_entry(provider), lines=reported, unreported=len(silent),
            unreported_euros=sum((r.ordered_euros for r in silent), Decimal(0)),
            total=realisation(st.total([r for _, r in items]))))
    everything = st.total([r for items in groups.values() for _, r in items])
    deviating = sorted((ln for p in out for ln in p.lines if ln.deviation_euros),
                       key=_distance, reverse=True)
    return Budget(id=budget.id, title=budget.title, year=budget.year, version=budget.version,
                  providers=out, total=realisation(everything),
                  lines_reported=sum(1 for ln in lines if st.line_key(ln) in done), lines=len(lines),
                  elapsed_pct=(st.year_share(period.year, period.end) * 100).quantize(
                      Decimal("0.1")),
                  largest_deviations=deviating[:LARGEST])
