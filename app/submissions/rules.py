"""The rules of submitting indicator values, as plain functions (no database, no HTTP).

Each rule lives here once and is used by the single submission, the file upload, the generic
``/indicator-values`` endpoints and the due list alike:

- **Due date** (:func:`default_due_date`): a period without an explicit deadline in its
  agreement's reporting calendar is due on the 15th day of the second month after the period
  ends — 2015-T1 (Jan–Apr) on 15.6.2015, 2015-03 on 15.5.2015, the year 2015 on 15.2.2016.
- **Target for a period** (:func:`part_year_target`): what a value of part of a year is held
  against, by the measure's ``comparison`` (chosen when the measure is made; by default what
  its roll-up suggests: ``sum`` → pro-rated sum, ``mean`` → year-to-date level, ``last`` →
  latest level). Tertials are cumulative (T1 = Jan–Apr, T2 = Jan–Aug), so a tertial's value
  covers the year so far; a month or a quarter covers only itself.

  - *pro-rated sum* (suhteutettu summa): the year's target × the months the value covers / 12
    — T1 4/12, T2 8/12, a quarter 3/12, a month 1/12; in a report the sum of the months or
    quarters so far against the months from January to the latest one (3/12 after March);
  - *year-to-date level* (vuoden tähänastinen taso): the whole target; the value is the level
    of the year so far — a tertial's value itself, in a report the mean of the months so far;
  - *latest level* (viimeisin taso): the whole target against the latest value;
  - *target path* (tavoitepolku): a level on its way from the start (the previous year's
    target, else the measure's baseline) to the year's target by December: start + (target −
    start) × the months from January to the period's end / 12; the latest value is compared.
    Without a start level the whole target.

  The submission's comment rule (:func:`period_target`) and the report's light
  (:func:`year_so_far_target`, app.reports.status) both take the target from here.
- **Comment required** (:func:`target_shortfall`): when the value misses the period's target
  by more than the measure's tolerance (in the measure's unit) in the measure's direction.
- **Flag** (:func:`flag_reason`): a value is accepted but flagged for the purchaser when it
  differs by more than 50 % from the mean of the provider's earlier values of the same
  measure — same code and unit, periods of the same kind before this one (months with
  months, quarters with quarters, T1 with T1, T2 with T2, years with years, as tertials are
  cumulative), the latest 12 of them — and there are at least 2 such values.
- **Plausibility** (:func:`implausible`): a value more than ten times its period's target, the
  measure's baseline or the mean of the provider's earlier values (the flag rule's) is asked
  about before it is stored: a slip of the keyboard (1 000 000 days for 30) is caught where
  it is typed, while a value within the measure's min and max may still be real.
- **Lock** (:func:`is_locked`): a value is locked once it has been accepted *and* its period's
  due date has passed: the period is closed. Nobody changes or reviews a locked value again
  (409). Before the due date an accepted value may still be corrected; the correction goes
  back to the purchaser for review.
- **What counts** (``ValueStatus.counts`` in app.indicators.models, used by the reports, the
  purchaser's overview and the due and overdue lists): a value returned for correction counts
  as not reported until the provider submits it again.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from app.core.periods import Frequency, Period
from app.indicators.models import Comparison, Direction, Rollup, ValueStatus

FLAG_MIN_EARLIER = 2
FLAG_LOOKBACK = 12
FLAG_RELATIVE = Decimal("0.5")
DUE_DAY = 15
DUE_MONTHS_AFTER = 2


def default_due_date(period: Period) -> date:
    """The 15th day of the second month after the period ends (2015-T1 → 15.6.2015)."""
    month = period.end.month + DUE_MONTHS_AFTER
    year = period.end.year + (month - 1) // 12
    return date(year, (month - 1) % 12 + 1, DUE_DAY)


def period_kind(period: Period) -> str:
    """Which periods are comparable: months, quarters, T1, T2 and years each with their own."""
    if period.frequency == Frequency.tertial:
        return period.code[-2:]  # "T1" or "T2"
    return period.frequency.value


def months(period: Period) -> int:
    return months_between(period.start, period.end)


def months_between(start: date, end: date) -> int:
    """The calendar months from ``start``'s to ``end``'s, both counted."""
    return (end.year - start.year) * 12 + end.month - start.month + 1


@dataclass(frozen=True)
class PartYear:
    """What a value of part of a year is held against, and how it was worked out."""

    comparison: Comparison
    year_target: Decimal  # the year's target
    months: int  # pro-rated: the months the value covers; target path: months since January
    start: Decimal | None  # the target path's start level
    target: Decimal  # what the value is held against


def part_year_target(targets: dict[int, Decimal], comparison: Comparison, year: int, *,
                     covered: int, elapsed: int, baseline: Decimal | None = None
                     ) -> PartYear | None:
    """The target for a value of ``year`` covering ``covered`` months and ending ``elapsed``
    months after the year began, or None when the year has no target."""
    year_target = targets.get(year)
    if year_target is None:
        return None
    if comparison is Comparison.pro_rated_sum:
        return PartYear(comparison, year_target, covered, None, year_target * covered / 12)
    start = targets.get(year - 1, baseline)
    if comparison is Comparison.target_path and start is not None and elapsed < 12:
        return PartYear(comparison, year_target, elapsed, start,
                        start + (year_target - start) * elapsed / 12)
    return PartYear(comparison, year_target, 12, None, year_target)


def period_target(targets: dict[int, Decimal], comparison: Comparison, period: Period,
                  baseline: Decimal | None = None) -> Decimal | None:
    """The target one value of ``period`` is held against, or None when the year has none."""
    part = part_year_target(targets, comparison, period.year, covered=months(period),
                            elapsed=period.end.month, baseline=baseline)
    return part.target if part else None


def year_so_far_target(targets: dict[int, Decimal], comparison: Comparison, rollup: Rollup, *,
                       latest_start: date, latest_end: date, baseline: Decimal | None = None
                       ) -> PartYear | None:
    """The target of a report's value of the year so far, whose latest period runs from
    ``latest_start`` to ``latest_end``: a summed roll-up covers the months from January to
    its end, any other the latest period's months (a cumulative tertial's are from January
    anyway)."""
    covered = (latest_end.month if rollup is Rollup.sum
               else months_between(latest_start, latest_end))
    return part_year_target(targets, comparison, latest_end.year, covered=covered,
                            elapsed=latest_end.month, baseline=baseline)


def compared_value(comparison: Comparison, year_so_far: Decimal, latest: Decimal) -> Decimal:
    """The value a report compares: the latest one for the latest level and the target path,
    else the year so far by the measure's roll-up (sum, mean or the latest)."""
    if comparison in (Comparison.latest_level, Comparison.target_path):
        return latest
    return year_so_far


def target_shortfall(value: Decimal, target: Decimal | None, tolerance: Decimal,
                     direction: Direction) -> Decimal | None:
    """How far ``value`` misses ``target`` beyond the tolerance, or None if it does not."""
    if target is None:
        return None
    gap = target - value if direction == Direction.higher_is_better else value - target
    return gap if gap > tolerance else None


def flag_reason(value: Decimal, earlier: list[Decimal]) -> str | None:
    """Why ``value`` is far from the provider's earlier values (newest last), or None."""
    recent = earlier[-FLAG_LOOKBACK:]
    if len(recent) < FLAG_MIN_EARLIER:
        return None
    mean = sum(recent, Decimal(0)) / len(recent)
    if abs(value - mean) <= FLAG_RELATIVE * abs(mean):
        return None
    return (f"{plain(value)} differs by more than {FLAG_RELATIVE * 100:.0f} % from {plain(mean)}, "
            f"the mean of the {len(recent)} earlier values of this measure")


PLAUSIBLE_FACTOR = Decimal(10)


def implausible(value: Decimal, references: list[tuple[str, Decimal | None]]
                ) -> tuple[str, Decimal] | None:
    """The first of ``references`` (what, amount) that ``value`` exceeds more than tenfold."""
    for kind, reference in references:
        if reference is not None and reference > 0 and value > PLAUSIBLE_FACTOR * reference:
            return kind, reference
    return None


def is_locked(status: ValueStatus, due_date: date, today: date) -> bool:
    """Accepted, and the period's due date has passed: the period is closed."""
    return status == ValueStatus.accepted and due_date < today


def plain(number: Decimal) -> str:
    """A number as people write it: no exponent, no trailing zeros, at most 2 decimals."""
    rounded = number.quantize(Decimal("0.01")) if number != number.to_integral() else number
    text = f"{rounded:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text
