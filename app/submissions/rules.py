"""The rules of submitting indicator values, as plain functions (no database, no HTTP).

Each rule lives here once and is used by the single submission, the file upload, the generic
``/indicator-values`` endpoints and the due list alike:

- **Due date** (:func:`default_due_date`): a period without an explicit deadline in its
  agreement's reporting calendar is due on the 15th day of the second month after the period
  ends — 2015-T1 (Jan–Apr) on 15.6.2015, 2015-03 on 15.5.2015, the year 2015 on 15.2.2016.
- **Target for a period** (:func:`period_target`): the measure's target for the period's year;
  for measures whose year is the *sum* of its periods the target is pro-rated by the period's
  months (a quarter gets a quarter of it; the cumulative T2 gets 8/12).
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

from datetime import date
from decimal import Decimal

from app.core.periods import Frequency, Period
from app.indicators.models import Direction, Rollup, ValueStatus

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
    return (period.end.year - period.start.year) * 12 + period.end.month - period.start.month + 1


def period_target(targets: dict[int, Decimal], rollup: Rollup, period: Period) -> Decimal | None:
    """The target a value of ``period`` is held against, or None when the year has none."""
    target = targets.get(period.year)
    if target is None:
        return None
    if rollup == Rollup.sum:
        return target * months(period) / 12
    return target


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
