from datetime import date

import pytest

from app.core.periods import Frequency, PeriodError, parse_period, periods_of_year


@pytest.mark.parametrize(("code", "start", "end"), [
    ("2025", date(2025, 1, 1), date(2025, 12, 31)),
    ("2025-T1", date(2025, 1, 1), date(2025, 4, 30)),
    ("2025-T2", date(2025, 1, 1), date(2025, 8, 31)),  # cumulative, as in interim reports
    ("2025-Q3", date(2025, 7, 1), date(2025, 9, 30)),
    ("2025-03", date(2025, 3, 1), date(2025, 3, 31)),
    ("2024-02", date(2024, 2, 1), date(2024, 2, 29)),
])
def test_period_codes_have_explicit_dates(code: str, start: date, end: date) -> None:
    period = parse_period(code)
    assert (period.start, period.end, period.code) == (start, end, code)


FORMS = "is not a reporting period; use 2025, 2025-T1, 2025-T2, 2025-Q3 or 2025-03"


@pytest.mark.parametrize(("code", "says"), [
    ("2025-T3", "tertials are T1 (Jan–Apr) and T2 (Jan–Aug); the full year is '2025'"),
    ("2025-Q5", "quarters are Q1 to Q4"),
    ("2025-13", "months are 01 to 12"),
    ("2025-00", "months are 01 to 12"),
    ("1800", "the year must be between 1990 and 2100"),
    ("25", FORMS), ("2025-T", FORMS), ("2025-q1", FORMS), ("", FORMS),
])
def test_bad_period_codes_are_refused_saying_what_is_wrong(code: str, says: str) -> None:
    with pytest.raises(PeriodError) as err:
        parse_period(code)
    assert str(err.value).endswith(says)


def test_tertial_measures_report_t1_t2_and_the_year() -> None:
    codes = [p.code for p in periods_of_year(2015, Frequency.tertial)]
    assert codes == ["2015-T1", "2015-T2", "2015"]
    assert len(periods_of_year(2015, Frequency.month)) == 12
