"""Due lists, the agreements' reporting calendars and their deadlines."""

from collections import defaultdict
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any

from pydantic import Field
from sqlalchemy import select
from sqlalchemy.orm import Session
from typing_extensions import TypedDict  # pydantic reads only this one on Python < 3.12

from app.agreements.models import ServiceAgreement
from app.auth.models import User
from app.core import access
from app.core.access import get_readable
from app.core.errors import InvalidInput
from app.core.periods import Frequency, Period, PeriodError, periods_of_year
from app.goals.models import Goal
from app.indicators.models import DataSource, Direction, Measure
from app.organisations.models import Municipality, Provider
from app.submissions import rules
from app.submissions.ledger import Ledger, deadline_or_default, period_of
from app.submissions.models import ReportingDeadline


class DueStatus(StrEnum):
    due = "due"  # not reported, the due date not passed
    overdue = "overdue"  # not reported, the due date passed
    submitted = "submitted"
    accepted = "accepted"
    returned = "returned"


# The due lists and the calendar as the services hand them on and the API answers them
# (app.submissions.schemas names them for the routes).
class DueItem(TypedDict):
    """One period of one measure a provider reports: its due date, status and value."""

    municipality_id: int
    purchaser: Annotated[str, Field(description="The municipality that asks for the value "
                                                "(its name)")]
    service_agreement_id: int
    service_agreement_code: str
    provider_id: int
    provider_code: str
    goal_code: str
    measure_id: int
    lineage: Annotated[str, Field(description="The measure across the agreement's versions")]
    measure_code: str
    measure_name: str
    indicator_code: Annotated[str | None, Field(description="A shared indicator: reported once "
                                                            "for every purchaser")]
    unit: str
    direction: Direction
    frequency: Frequency
    target: Decimal | None
    tolerance: Decimal
    period: str
    period_start: date
    period_end: date
    due_date: date
    status: DueStatus
    overdue: Annotated[bool, Field(description="Not reported (or returned) and the due date "
                                               "has passed")]
    locked: Annotated[bool, Field(description="Accepted and the period closed: no more changes")]
    value_id: int | None
    value: Decimal | None
    comment: str | None
    return_reason: str | None
    flagged: bool
    flag_reason: str | None


class CalendarPeriod(TypedDict):
    """A period of an agreement's reporting calendar and its due date."""

    period: str
    period_start: date
    period_end: date
    due_date: date
    default_due_date: date
    explicit: Annotated[bool, Field(description="Set in the agreement's calendar (else the "
                                                "default)")]
    reporting_deadline_id: int | None
    measures: Annotated[int, Field(description="Measures of the agreement reported for this "
                                               "period")]


class Calendar(TypedDict):
    service_agreement_id: int
    service_agreement_code: str
    year: int
    periods: list[CalendarPeriod]


def due_items(session: Session, user: User, *, as_of: date, year: int | None = None,
              agreement_id: int | None = None, provider_id: int | None = None,
              board_id: int | None = None) -> list[DueItem]:
    """Every period of every provider-reported measure, with its due date and status."""
    ledger = Ledger.load(session, user, year=year, agreement_id=agreement_id,
                         provider_id=provider_id, board_id=board_id,
                         sources=[DataSource.provider])
    providers = dict(session.execute(select(Provider.id, Provider.code).where(
        Provider.id.in_({m.provider_id for m in ledger.measures.values()}))).all()) \
        if ledger.measures else {}
    purchasers = municipality_names(session, {m.municipality_id
                                              for m in ledger.measures.values()})
    items: list[DueItem] = []
    for info in ledger.measures.values():
        for period in periods_of_year(info.agreement_year, info.frequency):
            if not ledger.counts_for(info, period):
                continue  # another version of the agreement is in force for the period
            due = ledger.due_date(info, period)
            stored = ledger.values.get((info.lineage, period.code))
            if stored is None:
                status = DueStatus.overdue if due < as_of else DueStatus.due
            else:
                status = DueStatus(stored.status.value)
            items.append({
                "municipality_id": info.municipality_id,
                "purchaser": purchasers.get(info.municipality_id, ""),
                "service_agreement_id": info.agreement_id,
                "service_agreement_code": info.agreement_code, "provider_id": info.provider_id,
                "provider_code": providers.get(info.provider_id, ""), "goal_code": info.goal_code,
                "measure_id": info.id, "lineage": info.lineage, "measure_code": info.code,
                "measure_name": info.name, "indicator_code": info.indicator_code,
                "unit": info.unit, "direction": info.direction, "frequency": info.frequency,
                "target": info.target(period), "tolerance": info.tolerance,
                "period": period.code, "period_start": period.start, "period_end": period.end,
                "due_date": due, "status": status,
                "overdue": due < as_of and (stored is None or not stored.status.counts),
                "locked": stored is not None and rules.is_locked(stored.status, due, as_of),
                "value_id": stored.id if stored else None,
                "value": stored.value if stored else None,
                "comment": stored.comment if stored else None,
                "return_reason": stored.return_reason if stored else None,
                "flagged": stored.flagged if stored else False,
                "flag_reason": stored.flag_reason if stored else None,
            })
    items.sort(key=lambda i: (i["due_date"], i["purchaser"], i["service_agreement_code"],
                              i["goal_code"], i["measure_code"], i["period_start"],
                              i["period_end"]))
    return items


def municipality_names(session: Session, ids: set[int]) -> dict[int, str]:
    """The municipalities' names (the purchasers a provider's items are for)."""
    if not ids:
        return {}
    return {i: n for i, n in session.execute(select(Municipality.id, Municipality.name_fi)
                                             .where(Municipality.id.in_(ids)))}


def calendar(session: Session, user: User, agreement_id: int) -> Calendar:
    """The agreement's reporting calendar: which periods are reported, by which date."""
    agreement = get_readable(session, ServiceAgreement, agreement_id, user)
    frequencies: dict[Any, int] = defaultdict(int)
    for frequency in session.scalars(
        select(Measure.frequency).join(Goal, Goal.id == Measure.goal_id)
        .where(Goal.service_agreement_id == agreement.id)
    ):
        frequencies[frequency] += 1
    explicit = {d.period: d for d in session.scalars(
        select(ReportingDeadline).where(ReportingDeadline.service_agreement_id == agreement.id))}
    periods: dict[str, tuple[Period, int]] = {}  # the period and its number of measures
    for frequency, count in frequencies.items():
        for period in periods_of_year(agreement.year, frequency):
            _, measures = periods.get(period.code, (period, 0))
            periods[period.code] = (period, measures + count)
    for code in explicit:
        try:
            periods.setdefault(code, (period_of(code), 0))
        except PeriodError:  # pragma: no cover - the rules keep codes valid
            continue
    rows: list[CalendarPeriod] = []
    for code, (period, measures) in periods.items():
        deadline = explicit.get(code)
        rows.append({
            "period": code, "period_start": period.start, "period_end": period.end,
            "due_date": deadline_or_default(deadline.due_date if deadline else None, period),
            "default_due_date": rules.default_due_date(period), "explicit": deadline is not None,
            "reporting_deadline_id": deadline.id if deadline else None,
            "measures": measures,
        })
    rows.sort(key=lambda r: (r["due_date"], r["period_start"], r["period_end"]))
    return {"service_agreement_id": agreement.id, "service_agreement_code": agreement.code,
            "year": agreement.year, "periods": rows}


def deadline_rules(session: Session, deadline: ReportingDeadline, _: dict[str, Any]) -> None:
    agreement = session.get_one(ServiceAgreement, deadline.service_agreement_id)
    period = period_of(deadline.period)
    if period.year != agreement.year:
        raise InvalidInput(f"{period.code} is not in the agreement's year {agreement.year}",
                           field="period")
    deadline.period = period.code
    if deadline.due_date < period.end:
        raise InvalidInput(
            f"the due date {deadline.due_date.isoformat()} is before {period.code} ends "
            f"({period.end.isoformat()})", field="due_date")


access.register(ReportingDeadline, deadline_rules)
