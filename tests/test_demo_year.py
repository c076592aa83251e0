"""The demo's year in progress on any day it may be loaded: the plan YearPlan.of(day) makes."""

from datetime import date, timedelta

import pytest

from app.core.periods import Frequency, periods_of_year
from app.demo_year import EXAMPLE_PROVIDER, Planned, YearPlan

# Every week of a year, and its first and last day.
DAYS = [date(2027, 1, 1) + timedelta(days=7 * n) for n in range(53)] + [date(2027, 12, 31)]


def states(plan: YearPlan, provider: str = EXAMPLE_PROVIDER) -> list[Planned]:
    return [plan.planned(provider, p) for p in plan.months]


@pytest.mark.parametrize("day", DAYS, ids=str)
def test_the_example_provider_has_one_value_returned(day: date) -> None:
    assert states(YearPlan.of(day)).count(Planned.returned) == 1


@pytest.mark.parametrize("day", DAYS, ids=str)
def test_the_example_provider_has_one_value_overdue_once_a_due_date_has_passed(day: date
                                                                               ) -> None:
    plan = YearPlan.of(day)
    overdue = [p for p, s in zip(plan.months, states(plan), strict=True)
               if s is Planned.missing and plan.closed(p)]
    assert len(overdue) == (1 if day > date(2027, 3, 15) else 0)


@pytest.mark.parametrize("day", DAYS, ids=str)
def test_the_amendment_leaves_t1_to_version_1(day: date) -> None:
    t1, t2 = periods_of_year(day.year, Frequency.tertial)[:2]
    plan = YearPlan.of(day)
    assert t1.end < plan.effective_from <= t2.end


@pytest.mark.parametrize("day", DAYS, ids=str)
def test_the_amendment_is_decided_before_it_takes_effect(day: date) -> None:
    plan = YearPlan.of(day)
    assert plan.amended_on <= min(day, plan.effective_from)


def test_the_other_providers_have_nothing_returned_or_overdue() -> None:
    plan = YearPlan.of(date(2027, 11, 30))
    assert set(states(plan, "HML-ALUE2")) == {Planned.accepted, Planned.submitted,
                                              Planned.missing}
    assert [p.code for p, s in zip(plan.months, states(plan, "HML-ALUE2"), strict=True)
            if s is Planned.missing] == ["2027-11", "2027-12"]
