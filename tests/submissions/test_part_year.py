"""Part-year comparisons (app.submissions.rules): what a T1, T2, month or quarter value is held
against by each comparison, and the report's light taking the same target."""

from decimal import Decimal
from typing import NamedTuple

import pytest

from app.core.periods import parse_period
from app.indicators.models import DEFAULT_COMPARISON, Comparison, Direction, Rollup
from app.reports import status as st
from app.submissions import rules

TARGETS = {2015: Decimal(1200)}
BASELINE = Decimal(300)


@pytest.mark.parametrize(("comparison", "period", "target"), [
    # Pro-rated sum: the year's target × the months the value covers / 12 (tertials are
    # cumulative: T1 Jan–Apr, T2 Jan–Aug).
    (Comparison.pro_rated_sum, "2015-T1", Decimal(400)),
    (Comparison.pro_rated_sum, "2015-T2", Decimal(800)),
    (Comparison.pro_rated_sum, "2015-03", Decimal(100)),
    (Comparison.pro_rated_sum, "2015-Q3", Decimal(300)),
    (Comparison.pro_rated_sum, "2015", Decimal(1200)),
    # Levels: the whole target whatever the period.
    (Comparison.year_to_date_level, "2015-T1", Decimal(1200)),
    (Comparison.year_to_date_level, "2015-03", Decimal(1200)),
    (Comparison.latest_level, "2015-T2", Decimal(1200)),
    (Comparison.latest_level, "2015-03", Decimal(1200)),
    # Target path: from the baseline 300 towards 1200 by the months since January.
    (Comparison.target_path, "2015-T1", Decimal(600)),
    (Comparison.target_path, "2015-T2", Decimal(900)),
    (Comparison.target_path, "2015-03", Decimal(525)),
    (Comparison.target_path, "2015-Q3", Decimal(975)),
    (Comparison.target_path, "2015", Decimal(1200)),
])
def test_the_target_of_one_value_by_its_comparison(comparison: Comparison, period: str,
                                                   target: Decimal) -> None:
    assert rules.period_target(TARGETS, comparison, parse_period(period), BASELINE) == target


def test_a_target_path_starts_from_the_previous_years_target_else_the_baseline() -> None:
    targets = {2014: Decimal(600), 2015: Decimal(1200)}
    t1 = parse_period("2015-T1")
    assert rules.period_target(targets, Comparison.target_path, t1, BASELINE) == 800
    assert rules.period_target(TARGETS, Comparison.target_path, t1, None) == 1200
    assert rules.period_target(TARGETS, Comparison.pro_rated_sum, parse_period("2016-T1")) is None


def test_a_measure_made_without_a_comparison_gets_what_its_roll_up_suggests() -> None:
    expected = {Rollup.sum: Comparison.pro_rated_sum, Rollup.mean: Comparison.year_to_date_level,
                Rollup.last: Comparison.latest_level}
    assert expected == DEFAULT_COMPARISON


class Value(NamedTuple):
    period_start: object
    period_end: object
    value: Decimal


def values(*pairs: tuple[str, int]) -> list[Value]:
    return [Value(parse_period(p).start, parse_period(p).end, Decimal(v)) for p, v in pairs]


def judged(comparison: Comparison, rollup: Rollup, items: list[Value], period: str, *,
           tolerance: int = 0, targets: dict[int, Decimal] = TARGETS) -> st.MeasureStatus:
    return st.measure_status(rollup=rollup, direction=Direction.higher_is_better,
                             tolerance=Decimal(tolerance), targets=targets, values=items,
                             period=parse_period(period), comparison=comparison,
                             baseline=BASELINE)


def test_a_cumulative_tertial_is_behind_a_whole_years_target_but_not_its_pro_rated_part(
) -> None:
    t1 = values(("2015-T1", 420))
    latest = judged(Comparison.latest_level, Rollup.last, t1, "2015-T1", tolerance=50)
    assert (latest.status, latest.part and latest.part.target) == (
        st.Status.off_track, Decimal(1200))
    pro_rated = judged(Comparison.pro_rated_sum, Rollup.last, t1, "2015-T1", tolerance=50)
    assert (pro_rated.status, pro_rated.compared) == (st.Status.on_track, Decimal(420))
    assert pro_rated.part and (pro_rated.part.months, pro_rated.part.target) == (4, Decimal(400))
    t2 = values(("2015-T1", 420), ("2015-T2", 760))  # T2 replaces T1: 760 vs 800
    assert judged(Comparison.pro_rated_sum, Rollup.last, t2, "2015-T2", tolerance=50
                  ).status is st.Status.at_risk


def test_a_sum_of_months_so_far_is_held_against_the_months_from_january() -> None:
    months = values(("2015-01", 100), ("2015-02", 90), ("2015-03", 80))  # 270 vs 3/12 × 1200
    now = judged(Comparison.pro_rated_sum, Rollup.sum, months, "2015-03", tolerance=20)
    assert (now.status, now.compared) == (st.Status.off_track, Decimal(270))
    assert now.part and (now.part.months, now.part.target) == (3, Decimal(300))
    assert judged(Comparison.pro_rated_sum, Rollup.sum, months, "2015-03", tolerance=40
                  ).status is st.Status.at_risk


def test_levels_of_months_compare_the_mean_so_far_or_the_latest_with_the_whole_target() -> None:
    months = values(("2015-01", 80), ("2015-02", 90), ("2015-03", 100))
    targets = {2015: Decimal(95)}
    so_far = judged(Comparison.year_to_date_level, Rollup.mean, months, "2015-03",
                    targets=targets)
    assert (so_far.status, so_far.compared) == (st.Status.off_track, Decimal(90))
    latest = judged(Comparison.latest_level, Rollup.mean, months, "2015-03", targets=targets)
    assert (latest.status, latest.compared) == (st.Status.on_track, Decimal(100))
    assert latest.part and latest.part.target == 95


def test_a_target_path_compares_the_latest_value_with_the_way_so_far() -> None:
    months = values(("2015-01", 380), ("2015-02", 450), ("2015-03", 520))  # path: 525
    now = judged(Comparison.target_path, Rollup.last, months, "2015-03", tolerance=10)
    assert (now.status, now.compared) == (st.Status.at_risk, Decimal(520))
    assert now.part and (now.part.start, now.part.months, now.part.target) == (
        BASELINE, 3, Decimal(525))


@pytest.mark.parametrize("comparison", list(Comparison))
@pytest.mark.parametrize("period", ["2015-T1", "2015-T2", "2015-Q2", "2015-05", "2015"])
def test_the_report_holds_a_single_value_against_the_target_its_submission_was(
    comparison: Comparison, period: str
) -> None:
    """The light and the deviation-comment rule agree: one value, one target."""
    now = judged(comparison, Rollup.last, values((period, 500)), period)
    assert now.part is not None
    assert now.part.target == rules.period_target(TARGETS, comparison, parse_period(period),
                                                  BASELINE)
