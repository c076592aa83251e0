"""Reporting periods (raportointikaudet): the one place that knows their codes and dates.

Codes: ``2025`` (year), ``2025-T1`` (Jan–Apr) and ``2025-T2`` (Jan–Aug) — tertials are
cumulative as in Finnish municipal interim reports, and the third report is the year
itself — ``2025-Q3`` (Jul–Sep), ``2025-03`` (March).
"""

import calendar
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from functools import lru_cache

from app.core.i18n import N_, InvalidValue


class Frequency(StrEnum):
    month = "month"
    quarter = "quarter"
    tertial = "tertial"
    year = "year"


_PATTERN = re.compile(r"^(?P<year>\d{4})(?:-(?:T(?P<t>\d)|Q(?P<q>\d)|(?P<m>\d{2})))?$")


class PeriodError(InvalidValue):
    pass


@dataclass(frozen=True, order=True)
class Period:
    start: date
    end: date
    code: str
    frequency: Frequency

    @property
    def year(self) -> int:
        return self.start.year

    def __str__(self) -> str:
        return self.code


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def parse_period(code: str) -> Period:
    if not isinstance(code, str):
        raise PeriodError(N_("period_forms"), code=code)
    return _parse(code)


@lru_cache(maxsize=4096)
def _parse(code: str) -> Period:
    """Remembered: an upload repeats the same dozen codes thousands of times (Period is
    immutable, so one instance serves them all)."""
    match = _PATTERN.match(code.strip())
    if not match:
        raise PeriodError(N_("period_forms"), code=code)
    year = int(match["year"])
    if not 1990 <= year <= 2100:
        raise PeriodError(N_("period_year_range"), code=code)
    if match["t"]:
        tertial = int(match["t"])
        if tertial not in (1, 2):
            raise PeriodError(N_("period_tertials"), code=code, year=year)
        return Period(date(year, 1, 1), _month_end(year, 4 * tertial), f"{year}-T{tertial}",
                      Frequency.tertial)
    if match["q"]:
        quarter = int(match["q"])
        if not 1 <= quarter <= 4:
            raise PeriodError(N_("period_quarters"), code=code)
        return Period(date(year, 3 * quarter - 2, 1), _month_end(year, 3 * quarter),
                      f"{year}-Q{quarter}", Frequency.quarter)
    if match["m"]:
        month = int(match["m"])
        if not 1 <= month <= 12:
            raise PeriodError(N_("period_months"), code=code)
        return Period(date(year, month, 1), _month_end(year, month), f"{year}-{month:02d}",
                      Frequency.month)
    return Period(date(year, 1, 1), date(year, 12, 31), str(year), Frequency.year)


@lru_cache(maxsize=1024)
def periods_of_year(year: int, frequency: Frequency) -> tuple[Period, ...]:
    """The periods a measure of this frequency reports in one year, in order (remembered: due
    lists ask it for every measure)."""
    codes = {
        Frequency.month: [f"{year}-{m:02d}" for m in range(1, 13)],
        Frequency.quarter: [f"{year}-Q{q}" for q in range(1, 5)],
        Frequency.tertial: [f"{year}-T1", f"{year}-T2", str(year)],
        Frequency.year: [str(year)],
    }[frequency]
    return tuple(parse_period(code) for code in codes)


@lru_cache(maxsize=1024)
def period_codes(year: int, frequency: Frequency) -> tuple[str, ...]:
    """The codes of :func:`periods_of_year`."""
    return tuple(p.code for p in periods_of_year(year, frequency))


def year_share(year: int, until: date) -> Decimal:
    """The share of ``year`` elapsed by ``until``: months, as reporting periods end at month
    ends (the budget realisation and the voucher follow-up count it so)."""
    if until < date(year, 1, 1):
        return Decimal(0)
    if until >= date(year, 12, 31):
        return Decimal(1)
    if until.day == calendar.monthrange(until.year, until.month)[1]:
        return Decimal(until.month) / 12
    days = 366 if calendar.isleap(year) else 365
    return Decimal((until - date(year, 1, 1)).days + 1) / days
