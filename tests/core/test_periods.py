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


@pytest.mark.parametrize("code", ["2025-T3", "2025-Q5", "2025-13", "2025-00", "25", "2025-T",
                                  "1800", "2025-q1", ""])
def test_bad_period_codes_are_refused_with_the_valid_forms(code: str) -> None:
    with pytest.raises(PeriodError) as err:
        parse_period(code)
    assert "2025" in str(err.value) or "between" in str(err.value)


def test_tertial_measures_report_t1_t2_and_the_year() -> None:
    codes = [p.code for p in periods_of_year(2015, Frequency.tertial)]
    assert codes == ["2015-T1", "2015-T2", "2015"]
    assert len(periods_of_year(2015, Frequency.month)) == 12
