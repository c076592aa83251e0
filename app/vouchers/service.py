"""The rules of service vouchers and their follow-up (no HTTP here).

- A scheme's value is fixed (``fixed_value``) or read from its table by income band and
  household size (``voucher_value``); the customer pays at least the deductible of each
  service (``settle``).
- An entry of the register is applied for, then approved, then perhaps suspended, in that
  order; a provider reports the periods of the scheme's year in which it was approved and not
  suspended, each period once (periods of one entry do not overlap: each is counted once).
- The follow-up (``follow_up``) sums the reports of each provider up to a period's end, against
  the scheme's budget and the share of the year elapsed.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth.authz import scope
from app.auth.models import User
from app.catalogue.models import Product
from app.core import access
from app.core.errors import Conflict, InvalidInput
from app.core.periods import Period, parse_period, year_share
from app.core.types import euros
from app.organisations.models import Provider
from app.vouchers.models import ValueRule, VoucherProvider, VoucherReport, VoucherScheme, VoucherValue
from app.vouchers.schemas import Figures, ProviderFigures, SchemeFollowUp, SchemeSummary

HUNDRED = Decimal(100)


# -- the scheme's value and the customer's deductible ----------------------------------------
def scheme_rules(session: Session, scheme: VoucherScheme, _: dict[str, Any]) -> None:
    """A fixed value has its value; a table's values are its rows, not the fixed value."""
    if scheme.value_rule is ValueRule.fixed and scheme.fixed_value is None:
        raise InvalidInput("a fixed voucher needs its fixed_value", field="fixed_value")
    if scheme.value_rule is ValueRule.income_table and scheme.fixed_value is not None:
        raise InvalidInput("an income-related voucher takes its values from its table, not "
                           "fixed_value", field="fixed_value")
    if scheme.value_rule is ValueRule.fixed and session.scalar(
            select(VoucherValue.id).where(VoucherValue.scheme_id == scheme.id)) is not None:
        raise InvalidInput("the scheme has a table of values: delete its rows before making "
                           "its value fixed", field="value_rule")


def value_rules(session: Session, row: VoucherValue, _: dict[str, Any]) -> None:
    scheme = session.get_one(VoucherScheme, row.scheme_id)
    if scheme.value_rule is not ValueRule.income_table:
        raise InvalidInput(f"scheme {scheme.code} has a fixed value, not a table of values",
                           field="scheme_id")


def voucher_value(session: Session, scheme: VoucherScheme, income_band: str | None = None,
                  household_size: int = 1) -> Decimal:
    """The voucher's value for a household: the fixed value, or the table's row of its income
    band for its size (the band's largest size in the table counts for larger households)."""
    if scheme.value_rule is ValueRule.fixed:
        assert scheme.fixed_value is not None  # scheme_rules
        return scheme.fixed_value
    rows = session.scalars(select(VoucherValue).where(
        VoucherValue.scheme_id == scheme.id, VoucherValue.income_band == income_band,
        VoucherValue.household_size <= household_size,
    ).order_by(VoucherValue.household_size.desc())).first()
    if rows is None:
        raise InvalidInput(f"scheme {scheme.code} has no value for income band {income_band} "
                           f"and a household of {household_size}", field="income_band")
    return rows.value


@dataclass(frozen=True)
class Settlement:
    voucher_pays: Decimal
    customer_pays: Decimal


def settle(price: Decimal, value: Decimal, deductible: Decimal) -> Settlement:
    """Who pays a service of ``price``: the voucher up to its value, the customer the rest and
    at least the deductible (never more than the price)."""
    customer = min(price, max(price - value, deductible))
    return Settlement(voucher_pays=euros(price - customer), customer_pays=euros(customer))


# -- the register and the reports --------------------------------------------------------------
def approval_rules(session: Session, entry: VoucherProvider, _: dict[str, Any]) -> None:
    if entry.approved_on is not None and entry.approved_on < entry.applied_on:
        raise InvalidInput("approved_on is before applied_on", field="approved_on")
    if entry.suspended_on is not None:
        if entry.approved_on is None:
            raise InvalidInput("only an approved provider is suspended", field="suspended_on")
        if entry.suspended_on < entry.approved_on:
            raise InvalidInput("suspended_on is before approved_on", field="suspended_on")


def report_rules(session: Session, report: VoucherReport, _: dict[str, Any]) -> None:
    entry = session.get_one(VoucherProvider, report.voucher_provider_id)
    scheme = session.get_one(VoucherScheme, entry.scheme_id)
    period = parse_period(report.period)
    if period.year != scheme.year:
        raise InvalidInput(f"{period.code} is not in the scheme's year {scheme.year}",
                           field="period")
    if entry.approved_on is None or entry.approved_on > period.end:
        raise InvalidInput(f"the provider was not approved for {scheme.code} by the end of "
                           f"{period.code}", field="period")
    if entry.suspended_on is not None and entry.suspended_on < period.start:
        raise InvalidInput(f"the provider was suspended on {entry.suspended_on.isoformat()}, "
                           f"before {period.code}", field="period")
    _check_overlap(session, report, period)
    report.period, report.period_start, report.period_end = period.code, period.start, period.end


def _check_overlap(session: Session, report: VoucherReport, period: Period) -> None:
    stmt = select(VoucherReport).where(
        VoucherReport.voucher_provider_id == report.voucher_provider_id,
        VoucherReport.period_start <= period.end, VoucherReport.period_end >= period.start,
        VoucherReport.period != period.code)  # the same period is the natural key's 409
    if report.id is not None:
        stmt = stmt.where(VoucherReport.id != report.id)
    other = session.scalars(stmt.order_by(VoucherReport.period_start)).first()
    if other is not None:
        raise Conflict(f"{period.code} overlaps the report of {other.period} (id {other.id}); "
                       "each voucher is counted once: correct that report or report the "
                       "months after it", field="period")


access.register(VoucherScheme, scheme_rules)
access.register(VoucherValue, value_rules)
access.register(VoucherProvider, approval_rules)
access.register(VoucherReport, report_rules)


# -- the follow-up -------------------------------------------------------------------------------


def _pct(part: Decimal | int, whole: Decimal | int | None) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) * HUNDRED / Decimal(whole)).quantize(Decimal("0.1"))


def _figures(reports: list[VoucherReport]) -> Figures:
    return Figures(vouchers_granted=sum(r.vouchers_granted for r in reports),
                   vouchers_used=sum(r.vouchers_used for r in reports),
                   euros=sum((r.euros for r in reports), Decimal("0.00")),
                   customers=sum(r.customers for r in reports),
                   reported_until=max((r.period_end for r in reports), default=None))


def schemes_of(session: Session, user: User | None, board_id: int, year: int
               ) -> list[VoucherScheme]:
    return list(session.scalars(scope(select(VoucherScheme), VoucherScheme, user).where(
        VoucherScheme.board_id == board_id, VoucherScheme.year == year
    ).order_by(VoucherScheme.code, VoucherScheme.id)))


def follow_up(session: Session, user: User | None, scheme: VoucherScheme, period: Period
              ) -> SchemeFollowUp:
    """A scheme's follow-up up to the end of ``period``: each provider of the register that
    ``user`` reads, and the total, against the budget. Customers are summed over the periods:
    a customer served in two periods counts twice (the reports carry counts, not persons)."""
    entries = list(session.scalars(scope(select(VoucherProvider), VoucherProvider, user)
                                   .where(VoucherProvider.scheme_id == scheme.id)))
    providers = {p.id: p for p in session.scalars(select(Provider).where(
        Provider.id.in_({e.provider_id for e in entries})))}
    reports: dict[int, list[VoucherReport]] = {}
    for r in session.scalars(scope(select(VoucherReport), VoucherReport, user).where(
            VoucherReport.voucher_provider_id.in_([e.id for e in entries]),
            VoucherReport.period_end <= period.end)):
        reports.setdefault(r.voucher_provider_id, []).append(r)
    rows = sorted((ProviderFigures(
        provider_id=e.provider_id, code=providers[e.provider_id].code,
        name=providers[e.provider_id].name, applied_on=e.applied_on, approved_on=e.approved_on,
        suspended_on=e.suspended_on, decision=e.decision,
        **_figures(reports.get(e.id, [])).model_dump()) for e in entries),
        key=lambda p: (p.name.casefold(), p.code))
    total = _figures([r for rs in reports.values() for r in rs])
    product = session.get_one(Product, scheme.product_id)
    table = list(session.scalars(scope(select(VoucherValue.value), VoucherValue, user)
                                 .where(VoucherValue.scheme_id == scheme.id)))
    share = year_share(scheme.year, period.end)
    return SchemeFollowUp(
        id=scheme.id, code=scheme.code, name_fi=scheme.name_fi, name_sv=scheme.name_sv,
        year=scheme.year, product_code=product.code, product_name=product.name_fi,
        unit=product.unit, value_rule=scheme.value_rule, fixed_value=scheme.fixed_value,
        table_min=min(table, default=None), table_max=max(table, default=None),
        deductible=scheme.deductible, budget_euros=scheme.budget_euros,
        budget_vouchers=scheme.budget_vouchers, period=period.code, period_end=period.end,
        elapsed_pct=(share * HUNDRED).quantize(Decimal("0.1")),
        approved=sum(1 for e in entries if _in_register(e, period.end)),
        providers=rows, total=total,
        euros_pct=_pct(total.euros, scheme.budget_euros),
        vouchers_pct=_pct(total.vouchers_used, scheme.budget_vouchers),
        forecast_euros=_forecast(scheme.year, total))


def _forecast(year: int, total: Figures) -> Decimal | None:
    """The year at the pace of the months reported: providers report after their periods, so
    the pace is that of the reports, not of the report's period."""
    reported = year_share(year, total.reported_until) if total.reported_until else Decimal(0)
    return euros(total.euros / reported) if reported else None


def _in_register(entry: VoucherProvider, on: date) -> bool:
    """Approved by ``on`` and not suspended by then."""
    return entry.approved_on is not None and entry.approved_on <= on and (
        entry.suspended_on is None or entry.suspended_on > on)


def summary(session: Session, user: User | None, scheme: VoucherScheme, on: date,
            provider_id: int) -> SchemeSummary:
    """The scheme's rules and budget, its register on ``on``, and whether ``provider_id`` is
    in it."""
    entries = list(session.scalars(select(VoucherProvider).where(
        VoucherProvider.scheme_id == scheme.id)))  # a count of the register: public facts
    own = next((e for e in entries if e.provider_id == provider_id
                and _in_register(e, on)), None)
    table = list(session.scalars(scope(select(VoucherValue.value), VoucherValue, user)
                                 .where(VoucherValue.scheme_id == scheme.id)))
    product = session.get_one(Product, scheme.product_id)
    return SchemeSummary(
        code=scheme.code, name_fi=scheme.name_fi, name_sv=scheme.name_sv,
        product_name=product.name_fi, unit=product.unit, value_rule=scheme.value_rule,
        fixed_value=scheme.fixed_value, table_min=min(table, default=None),
        table_max=max(table, default=None), deductible=scheme.deductible,
        budget_euros=scheme.budget_euros, budget_vouchers=scheme.budget_vouchers,
        approved=sum(1 for e in entries if _in_register(e, on)),
        provider_approved_on=own.approved_on if own else None,
        provider_decision=own.decision if own else None)
