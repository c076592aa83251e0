"""A measure's status and a budget line's realisation, rule by rule (no database)."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from app.core.periods import parse_period, year_share
from app.indicators.models import Direction, Rollup
from app.reports.status import (
    Delivered,
    Status,
    cover,
    judge,
    measure_status,
    previous_period,
    realise,
    roll_up,
    total,
)


@dataclass
class V:
    period: str
    value: Decimal

    @property
    def period_start(self) -> date:
        return parse_period(self.period).start

    @property
    def period_end(self) -> date:
        return parse_period(self.period).end


def test_cumulative_tertials_count_once_and_months_all() -> None:
    tertials = [V("2015-T1", Decimal(5)), V("2015-T2", Decimal(9))]
    assert [v.period for v in cover(tertials)] == ["2015-T2"]
    assert [v.period for v in cover([*tertials, V("2015", Decimal(12))])] == ["2015"]
    months = [V(f"2015-{m:02d}", Decimal(m)) for m in (1, 2, 3)]
    assert [v.period for v in cover(months)] == ["2015-03", "2015-02", "2015-01"]


def test_roll_up_by_rule() -> None:
    months = [V(f"2015-{m:02d}", Decimal(10)) for m in range(1, 7)]
    summed = roll_up(Rollup.sum, months)
    assert summed and summed.value == 60 and summed.compared == 120 and summed.partial
    assert roll_up(Rollup.mean, months).compared == 10  # type: ignore[union-attr]
    last = roll_up(Rollup.last, [V("2015-T1", Decimal(66)), V("2015-T2", Decimal(70))])
    assert last and last.value == 70 and last.compared == 70
    year = roll_up(Rollup.sum, [V("2015", Decimal(100))])
    assert year and year.compared == 100 and not year.partial
    assert roll_up(Rollup.sum, []) is None


def test_tolerance_is_at_risk_on_the_wrong_side_and_inclusive() -> None:
    up, down = Direction.higher_is_better, Direction.lower_is_better
    assert judge(Decimal(75), Decimal(75), up, Decimal(5)) is Status.on_track
    assert judge(Decimal(70), Decimal(75), up, Decimal(5)) is Status.at_risk
    assert judge(Decimal("69.9"), Decimal(75), up, Decimal(5)) is Status.off_track
    assert judge(Decimal(80), Decimal(75), down, Decimal(5)) is Status.at_risk
    assert judge(Decimal(70), Decimal(75), down, Decimal(5)) is Status.on_track
    assert judge(Decimal(81), Decimal(75), down, Decimal(5)) is Status.off_track


def test_no_value_and_no_target() -> None:
    args = {"rollup": Rollup.last, "direction": Direction.higher_is_better,
            "tolerance": Decimal(1), "period": parse_period("2015-T2")}
    assert measure_status(targets={2015: Decimal(1)}, values=[], **args).status is Status.no_value
    later = [V("2015", Decimal(3))]  # the year ends after T2: it does not count yet
    assert measure_status(targets={2015: Decimal(1)}, values=later, **args).status \
        is Status.no_value
    values = [V("2015-T1", Decimal(3))]
    assert measure_status(targets={2016: Decimal(1)}, values=values, **args).status \
        is Status.no_target


def test_a_sum_is_judged_by_its_forecast() -> None:
    months = [V(f"2015-{m:02d}", Decimal(10)) for m in range(1, 7)]  # 60 by June: 120 a year
    args = {"rollup": Rollup.sum, "direction": Direction.higher_is_better,
            "values": months, "period": parse_period("2015-06")}
    assert measure_status(targets={2015: Decimal(120)}, tolerance=Decimal(0), **args).status \
        is Status.on_track
    assert measure_status(targets={2015: Decimal(125)}, tolerance=Decimal(5), **args).status \
        is Status.at_risk


def test_previous_report_in_the_finnish_cadence() -> None:
    cases = {"2015-T2": "2015-T1", "2015-T1": "2014", "2015": "2015-T2", "2015-Q1": "2014-Q4",
             "2015-Q3": "2015-Q2", "2015-01": "2014-12", "2015-07": "2015-06"}
    for code, before in cases.items():
        assert previous_period(parse_period(code)).code == before, code


def test_year_share() -> None:
    assert year_share(2015, date(2015, 8, 31)) == Decimal(8) / 12
    assert year_share(2015, date(2015, 12, 31)) == 1
    assert year_share(2015, date(2014, 12, 31)) == 0


def test_realisation_forecasts_linearly_and_totals_keep_unreported_lines_at_order() -> None:
    done = Delivered(Decimal(15800), Decimal("1232400"), date(2015, 8, 31))
    r = realise(2015, Decimal(23000), Decimal("1794000"), done)
    assert r.forecast_euros == Decimal("1848600.00")
    assert r.deviation_euros == Decimal("54600.00")
    assert r.deviation_pct == Decimal("3.0")
    assert r.realised_pct == Decimal("68.7")
    assert r.forecast_volume == Decimal(23700)
    unreported = realise(2015, Decimal(10), Decimal("1000"), None)
    assert unreported.forecast_euros is None and unreported.deviation_euros is None
    both = total([r, unreported])
    assert both.ordered_euros == Decimal("1795000")
    assert both.forecast_euros == Decimal("1849600.00")
    assert both.deviation_euros == Decimal("54600.00")


def test_a_tiny_deviation_has_no_sign() -> None:
    done = Delivered(Decimal(8), Decimal("799.99"), date(2015, 8, 31))
    r = realise(2015, Decimal(12), Decimal("1200"), done)
    assert r.deviation_euros == Decimal("-0.01") and str(r.deviation_pct) == "0.0"
