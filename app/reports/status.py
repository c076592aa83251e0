"""A measure's status for a period and an order budget's realisation.

Status (tila) of a measure for a reporting period:

- the values that count (``counted_values``) of the period's year up to the period's end are
  rolled up by the measure's rule: ``last`` takes the latest value, ``sum`` adds and ``mean``
  averages the values of non-overlapping periods (tertials are cumulative — T1 is Jan–Apr and
  T2 Jan–Aug — so T2 replaces T1 instead of adding to it);
- the measure's ``comparison`` decides which value is held against which part of the year's
  target (``app.submissions.rules.year_so_far_target``, the same rule that asks a provider's
  value for a comment): a pro-rated sum against the target × the months so far / 12, a level
  against the whole target, a target path against the way from the start level to it;
  a ``sum``'s year-end forecast (the sum so far divided by the share of the year it covers)
  is still shown and drawn in the charts;
- in the measure's direction: on the right side (or on the target) is on track; on the wrong
  side by at most the tolerance (in the measure's unit) is at risk; further is off track.
  Without values it is "no value"; without a target for the year, "no target".

Budget realisation (tilausbudjetin toteuma) per order-budget line: delivered volume and euros
of the year so far, the year-end forecast from the periods reported so far (linear in the
share of the year they cover), and its deviation from the order in euros and per cent. A line
of an appropriation in euros has no ordered volume: its euros delivered (invoiced) are held
against the appropriation; so is a line priced by a price list, whose months invoiced (its
items delivered at their unit prices, app.pricelists) are its deliveries. A line that carries
the year before's surplus or deficit over has that amount (``carried_euros``) added to what it
may spend: the per cents and the deviation are of the appropriation and the amount carried
together.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any, NamedTuple, Protocol, TypeVar

from sqlalchemy import ColumnElement, Select, select
from sqlalchemy.orm import Session

from app.auth.authz import scope
from app.auth.models import User
from app.budgets.models import Delivery, OrderBudget, OrderBudgetLine
from app.core.periods import Frequency, Period, parse_period, year_share
from app.core.types import euros
from app.indicators.models import (
    DEFAULT_COMPARISON,
    Comparison,
    Direction,
    IndicatorValue,
    Measure,
    Rollup,
)
from app.pricelists.invoicing import ItemMonth, item_months
from app.submissions import rules


class Status(StrEnum):
    on_track = "on_track"  # tavoitteessa
    at_risk = "at_risk"  # riskissä
    off_track = "off_track"  # jäljessä tavoitteesta
    no_value = "no_value"  # ei arvoa
    no_target = "no_target"  # ei tavoitetta


# How bad a status is, for listing the worst news first.
SEVERITY = {"off_track": 3, "at_risk": 2, "no_value": 1, "no_target": 0, "on_track": 0}



def worst(statuses: Iterable[str]) -> str | None:
    """A goal's light: the worst of its measures' (on track only when every measure is), None
    for a goal without measures."""
    return max(statuses, key=lambda s: (SEVERITY[s], s != Status.on_track), default=None)


STATUS_ORDER = [Status.on_track, Status.at_risk, Status.off_track, Status.no_value,
                Status.no_target]


class Periodic(Protocol):
    @property
    def period_start(self) -> date: ...

    @property
    def period_end(self) -> date: ...


P = TypeVar("P", bound=Periodic)


def counted_values(session: Session, user: User | None, measure_ids: Any, until: date
                   ) -> list[IndicatorValue]:
    """The indicator values that count in reports, up to ``until``: the one place to narrow
    them, by the one rule of what counts (ValueStatus.counts: not a value returned for
    correction). A measure's values are those of its lineage, whichever version of the
    agreement they were reported against.

    ``measure_ids`` is a list of ids or a select of them."""
    return _values(session, user, measure_ids, until, IndicatorValue.counted())


def returned_values(session: Session, user: User, measure_ids: Any, until: date
                    ) -> list[IndicatorValue]:
    """The values up to ``until`` that do not count: returned to the provider for correction
    (the reports name them as the reason a value is missing)."""
    return _values(session, user, measure_ids, until, ~IndicatorValue.counted())


def _values(session: Session, user: User | None, measure_ids: Any, until: date,
            condition: ColumnElement[bool]) -> list[IndicatorValue]:
    stmt: Select[tuple[IndicatorValue]] = scope(select(IndicatorValue), IndicatorValue, user)
    stmt = stmt.where(IndicatorValue.lineage.in_(
                          select(Measure.lineage).where(Measure.id.in_(measure_ids))),
                      IndicatorValue.period_end <= until, condition)
    return list(session.scalars(stmt.order_by(IndicatorValue.lineage,
                                              IndicatorValue.period_end,
                                              IndicatorValue.period_start)))


def cover(items: Iterable[P]) -> list[P]:
    """The non-overlapping periods that cover the time so far, latest first.

    Walking back from the latest period, a period counts only if it ends before the start of
    the one counted after it: cumulative tertials (T1 ⊂ T2 ⊂ year) leave only the latest;
    months or quarters all count."""
    chosen: list[P] = []
    covered_from: date | None = None
    for item in sorted(items, key=lambda i: (i.period_end, i.period_start), reverse=True):
        if covered_from is None or item.period_end < covered_from:
            chosen.append(item)
            covered_from = item.period_start
    return chosen




@dataclass(frozen=True)
class Rolled:
    value: Decimal  # the roll-up of the year so far
    compared: Decimal  # what is compared with the target (a sum's forecast, else the value)
    until: date  # the end of the latest period counted
    partial: bool  # the periods counted do not cover the whole year
    latest: Decimal  # the latest value counted
    latest_start: date  # the start of the latest period counted


def roll_up(rollup: Rollup, values: Sequence[Any]) -> Rolled | None:
    """Roll the values of one year (objects with period_start, period_end, value) up."""
    chosen = cover(values)
    if not chosen:
        return None
    until = chosen[0].period_end
    year = until.year
    share = year_share(year, until)
    amounts = [v.value for v in chosen]
    if rollup is Rollup.last:
        value = amounts[0]
    elif rollup is Rollup.sum:
        value = sum(amounts, Decimal(0))
    else:
        value = sum(amounts, Decimal(0)) / len(amounts)
    compared = value / share if rollup is Rollup.sum and 0 < share < 1 else value
    return Rolled(value, compared, until, share < 1, amounts[0], chosen[0].period_start)


def judge(compared: Decimal, target: Decimal, direction: Direction, tolerance: Decimal) -> Status:
    """On track on the right side of the target; at risk within tolerance on the wrong side."""
    gap = target - compared if direction is Direction.higher_is_better else compared - target
    if gap <= 0:
        return Status.on_track
    if gap <= tolerance:
        return Status.at_risk
    return Status.off_track


@dataclass(frozen=True)
class MeasureStatus:
    status: Status
    target: Decimal | None  # the year's target
    rolled: Rolled | None
    part: rules.PartYear | None = None  # what the value was held against, and how
    compared: Decimal | None = None  # the value held against it

    @property
    def value(self) -> Decimal | None:
        return self.rolled.value if self.rolled else None


def measure_status(
    *, rollup: Rollup, direction: Direction, tolerance: Decimal, targets: dict[int, Decimal],
    values: Sequence[Any], period: Period, comparison: Comparison | None = None,
    baseline: Decimal | None = None,
) -> MeasureStatus:
    """The status of one measure for ``period`` from its values (any years; those of the
    period's year up to its end count)."""
    year_values = [v for v in values
                   if v.period_start.year == period.year and v.period_end <= period.end]
    rolled = roll_up(rollup, year_values)
    target = targets.get(period.year)
    if rolled is None:
        return MeasureStatus(Status.no_value, target, None)
    if target is None:
        return MeasureStatus(Status.no_target, None, rolled)
    how = comparison or DEFAULT_COMPARISON[rollup]
    part = rules.year_so_far_target(targets, how, rollup, latest_start=rolled.latest_start,
                                    latest_end=rolled.until, baseline=baseline)
    assert part is not None  # the year has a target
    compared = rules.compared_value(how, rolled.value, rolled.latest)
    return MeasureStatus(judge(compared, part.target, direction, tolerance), target, rolled,
                         part, compared)


def previous_period(period: Period) -> Period:
    """The report before ``period`` in the Finnish cadence: T1 → the previous year,
    T2 → T1, the year → T2; quarters and months step back one."""
    y = period.year
    if period.frequency is Frequency.year:
        return parse_period(f"{y}-T2")
    if period.frequency is Frequency.tertial:
        return parse_period(f"{y}-T1" if period.end.month == 8 else str(y - 1))
    if period.frequency is Frequency.quarter:
        q = (period.end.month // 3) - 1
        return parse_period(f"{y}-Q{q}" if q else f"{y - 1}-Q4")
    m = period.end.month - 1
    return parse_period(f"{y}-{m:02d}" if m else f"{y - 1}-12")


# --- Budget realisation ------------------------------------------------------------------


class Delivered(NamedTuple):
    """Delivered volume and euros of a line in the year so far, and until when they run (no
    volume on a line of euros whose deliveries give none)."""

    volume: Decimal | None
    euros: Decimal
    until: date


def line_key(line: OrderBudgetLine) -> tuple[int, int]:
    """An order line's identity across the versions of its budget: product and provider."""
    return (line.product_id, line.provider_id)


def delivered(session: Session, user: User, budget_id: int, period: Period
              ) -> dict[tuple[int, int], Delivered]:
    """Volumes and euros delivered on each line (by :func:`line_key`) of an order budget in
    ``period``'s year up to its end, on the lines of any version of the budget (lines without
    deliveries are absent)."""
    budget = session.get_one(OrderBudget, budget_id)
    versions = select(OrderBudget.id).where(OrderBudget.board_id == budget.board_id,
                                            OrderBudget.year == budget.year)
    lines = scope(select(OrderBudgetLine.id), OrderBudgetLine, user).where(
        OrderBudgetLine.order_budget_id.in_(versions))
    rows = session.execute(select(Delivery, OrderBudgetLine.product_id, OrderBudgetLine.provider_id)
                           .join(OrderBudgetLine, OrderBudgetLine.id == Delivery.order_budget_line_id)
                           .where(Delivery.order_budget_line_id.in_(lines),
                                  Delivery.period_start >= date(period.year, 1, 1),
                                  Delivery.period_end <= period.end).order_by(Delivery.id))
    by_line: dict[tuple[int, int], dict[str, Delivery | ItemMonth]] = {}
    for row, product_id, provider_id in rows:
        # One delivery per period and line identity (the newest version's if both have one).
        by_line.setdefault((product_id, provider_id), {})[row.period] = row
    # A line priced by a price list: each month's items invoiced, in euros.
    for month in item_months(session, user, lines, date(period.year, 1, 1), period.end):
        by_line.setdefault(month.key, {}).setdefault(month.period, month)
    out: dict[tuple[int, int], Delivered] = {}
    for line_id, periods in by_line.items():
        chosen = cover(list(periods.values()))
        volumes = [d.volume for d in chosen if d.volume is not None]
        out[line_id] = Delivered(sum(volumes, Decimal(0)) if volumes else None,
                                 sum((d.euros for d in chosen), Decimal(0)),
                                 chosen[0].period_end)
    return out


@dataclass(frozen=True)
class Realisation:
    ordered_volume: Decimal | None  # None: a line of an appropriation in euros
    ordered_euros: Decimal
    delivered_volume: Decimal | None
    delivered_euros: Decimal | None
    until: date | None
    forecast_volume: Decimal | None
    forecast_euros: Decimal | None
    carried_euros: Decimal | None = None  # siirtynyt edelliseltä vuodelta (+ surplus)

    @property
    def available_euros(self) -> Decimal:
        """What the line may spend: the order and the amount carried from the year before."""
        return self.ordered_euros + (self.carried_euros or Decimal(0))

    @property
    def balance_euros(self) -> Decimal | None:
        """Yli- tai alijäämä: what is available less what was delivered so far (None before a
        delivery is reported)."""
        if self.delivered_euros is None:
            return None
        return self.available_euros - self.delivered_euros

    @property
    def realised_pct(self) -> Decimal | None:
        return _pct(self.delivered_euros, self.available_euros)

    @property
    def deviation_euros(self) -> Decimal | None:
        return None if self.forecast_euros is None else self.forecast_euros - self.available_euros

    @property
    def deviation_pct(self) -> Decimal | None:
        return _pct(self.deviation_euros, self.available_euros)


def _pct(part: Decimal | None, whole: Decimal) -> Decimal | None:
    if part is None or not whole:
        return None
    pct = (part * 100 / whole).quantize(Decimal("0.1"))
    return pct if pct else Decimal("0.0")  # no "-0,0 %"


def realise(year: int, ordered_volume: Decimal | None, ordered_euros: Decimal,
            done: Delivered | None, carried: Decimal | None = None) -> Realisation:
    """A line's realisation; the forecast extrapolates linearly to the year's end."""
    if done is None:
        return Realisation(ordered_volume, ordered_euros, None, None, None, None, None, carried)
    share = year_share(year, done.until)
    forecast_volume = done.volume / share if share and done.volume is not None else None
    forecast_euros = euros(done.euros / share) if share else None
    return Realisation(ordered_volume, ordered_euros, done.volume, done.euros, done.until,
                       forecast_volume, forecast_euros, carried)


def carried_over(previous: Realisation) -> Decimal | None:
    """The surplus (+) or deficit (−) a line of the year before leaves: what it had available
    (its appropriation and what it carried in itself) less the euros delivered in that year;
    None when nothing was reported for it. A line that carried nothing in leaves its
    appropriation less its deliveries: the chain starts there."""
    return previous.balance_euros


def total(items: Sequence[Realisation]) -> Realisation:
    """Totals of several lines; the forecast and its deviation over the lines reported."""
    reported = [r for r in items if r.forecast_euros is not None]
    carried = [r.carried_euros for r in items if r.carried_euros is not None]
    return Realisation(
        sum((r.ordered_volume for r in items if r.ordered_volume is not None), Decimal(0)),
        sum((r.ordered_euros for r in items), Decimal(0)),
        None,  # volumes of different products do not add up
        sum((r.delivered_euros or Decimal(0) for r in reported), Decimal(0)) if reported else None,
        max((r.until for r in reported if r.until), default=None),
        None,
        (sum((r.forecast_euros or Decimal(0) for r in reported), Decimal(0))
         + sum((r.available_euros for r in items if r.forecast_euros is None), Decimal(0)))
        if reported else None,
        sum(carried, Decimal(0)) if carried else None,
    )
