"""The submission rules as plain functions: due dates, targets, flags, locks, numbers, cells."""

from datetime import date
from decimal import Decimal

import pytest

from app.core.periods import parse_period
from app.indicators.models import Direction, ValueStatus
from app.submissions import rules
from app.submissions.bulk import parse_decimal
from app.submissions.files import neutralise, unneutralise


@pytest.mark.parametrize(("period", "due"), [
    ("2015-T1", date(2015, 6, 15)),  # ends 30.4.
    ("2015-T2", date(2015, 10, 15)),  # ends 31.8.
    ("2015", date(2016, 2, 15)),
    ("2015-Q4", date(2016, 2, 15)),
    ("2015-11", date(2016, 1, 15)),
    ("2015-03", date(2015, 5, 15)),
])
def test_a_period_is_due_on_the_15th_of_the_second_month_after_it_ends(period: str,
                                                                         due: date) -> None:
    assert rules.default_due_date(parse_period(period)) == due


def test_a_value_misses_its_target_only_beyond_the_tolerance_in_its_direction() -> None:
    higher, lower = Direction.higher_is_better, Direction.lower_is_better
    five = Decimal(5)
    assert rules.target_shortfall(Decimal(70), Decimal(75), five, higher) is None
    assert rules.target_shortfall(Decimal(69), Decimal(75), five, higher) == 6
    assert rules.target_shortfall(Decimal(90), Decimal(75), five, higher) is None
    assert rules.target_shortfall(Decimal(81), Decimal(75), five, lower) == 6
    assert rules.target_shortfall(Decimal(10), Decimal(75), five, lower) is None
    assert rules.target_shortfall(Decimal(10), None, five, higher) is None


def test_a_value_far_from_the_mean_of_earlier_values_is_flagged() -> None:
    earlier = [Decimal(100), Decimal(110)]
    assert rules.flag_reason(Decimal(150), earlier) is None  # +43 %
    reason = rules.flag_reason(Decimal(400), earlier)
    assert reason == ("400 differs by more than 50 % from 105, the mean of the 2 earlier "
                      "values of this measure")
    assert rules.flag_reason(Decimal(50), earlier) is not None  # −52 %
    assert rules.flag_reason(Decimal(1000), [Decimal(100)]) is None  # one value says little
    assert rules.flag_reason(Decimal(0), [Decimal(0), Decimal(0)]) is None
    # Only the latest 12 earlier values count: an old level no longer matters.
    history = [Decimal(1000)] * 5 + [Decimal(100)] * 12
    assert rules.flag_reason(Decimal(110), history) is None


def test_an_accepted_value_is_locked_once_its_due_date_has_passed() -> None:
    due = date(2015, 6, 15)
    assert not rules.is_locked(ValueStatus.accepted, due, date(2015, 6, 15))
    assert rules.is_locked(ValueStatus.accepted, due, date(2015, 6, 16))
    assert not rules.is_locked(ValueStatus.submitted, due, date(2016, 1, 1))
    assert not rules.is_locked(ValueStatus.returned, due, date(2016, 1, 1))


@pytest.mark.parametrize(("cell", "number"), [
    ("12.5", Decimal("12.5")), ("12,5", Decimal("12.5")), ("1 234,5", Decimal("1234.5")),
    ("1\u00a0234", Decimal(1234)), (" -3 ", Decimal(-3)), (12.3, Decimal("12.3")),
    (7, Decimal(7)), (0.1 + 0.2, Decimal("0.3")), ("1e3", Decimal(1000)),
])
def test_numbers_are_read_as_people_write_them(cell: object, number: Decimal) -> None:
    assert parse_decimal(cell) == number


@pytest.mark.parametrize(("cell", "message"), [
    ("viisi", "is not a number"), ("1,2,3", "is not a number"), ("NaN", "finite"),
    ("1.23456", "at most 4 decimals"), ("1e20", "too large"), (True, "expected a number"),
    ("Infinity", "finite"), (float("nan"), "finite"), (1e300, "too large"),
    ("1e-999999999", "at most 4 decimals"),
])
def test_what_is_not_a_number_is_said_so(cell: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_decimal(cell)


def test_cells_a_spreadsheet_would_run_are_neutralised_and_read_back() -> None:
    for dangerous in ("=HYPERLINK(\"http://x\")", "+1+2", "-2+3", "@SUM(A1)", "\tx"):
        assert neutralise(dangerous) == "'" + dangerous
        assert unneutralise(neutralise(dangerous)) == dangerous
    for safe in ("Kesän leiritoiminta", "-5", "+3.2", "'quoted"):
        assert neutralise(safe) == safe
    assert unneutralise("'quoted") == "'quoted"
