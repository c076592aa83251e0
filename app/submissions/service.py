"""Submitting indicator values: due lists, submissions and corrections with history, review,
the reporting calendar and overdue lists. No HTTP here; the rules are in ``rules.py``.

Everything a request needs is loaded once into a :class:`Ledger` (the provider's measures with
their agreements and targets, the stored values, the deadlines) and checked in memory, so one
value and ten thousand values from a file go through the same code at the same cost per row.
"""

from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from app.agreements.models import FrameworkAgreement, ServiceAgreement
from app.agreements.service import service_agreement_has_board
from app.auth.authz import Act, authorize, scope
from app.auth.models import Role, User
from app.budgets.models import Delivery, OrderBudget, OrderBudgetLine
from app.core import crud
from app.core.crud import get_readable
from app.core.db import utcnow
from app.core.errors import Conflict, Forbidden, InvalidInput
from app.core.periods import (
    Frequency,
    Period,
    PeriodError,
    parse_period,
    period_codes,
    periods_of_year,
)
from app.goals.models import Goal
from app.indicators.models import (
    DataSource,
    Direction,
    IndicatorValue,
    Measure,
    MeasureTarget,
    Rollup,
    ValueStatus,
)
from app.organisations.models import Provider
from app.submissions import rules
from app.submissions.models import IndicatorValueRevision, ReportingDeadline

period_of = parse_period  # remembered in app.core.periods


@dataclass
class MeasureInfo:
    """What the rules need of one measure, its goal, agreement and framework."""

    id: int
    municipality_id: int
    provider_id: int
    code: str
    name: str
    unit: str
    direction: Direction
    tolerance: Decimal
    frequency: Frequency
    rollup: Rollup
    min_value: Decimal | None
    max_value: Decimal | None
    source: DataSource
    goal_code: str
    agreement_id: int
    agreement_code: str
    agreement_year: int
    first_year: int
    last_year: int
    targets: dict[int, Decimal] = field(default_factory=dict)

    def series(self, period: Period) -> tuple[int, str, str, str]:
        """The provider's comparable values: same measure code and unit, same kind of period."""
        return (self.provider_id, self.code, self.unit, rules.period_kind(period))

    def target(self, period: Period) -> Decimal | None:
        return rules.period_target(self.targets, self.rollup, period)


@dataclass
class StoredValue:
    id: int
    measure_id: int
    period: str
    value: Decimal
    comment: str | None
    status: ValueStatus
    return_reason: str | None
    flagged: bool
    flag_reason: str | None
    row_version: int = 1


class History:
    """The provider's values per series, oldest first, for the flag rule."""

    def __init__(self) -> None:
        self._points: dict[tuple[int, str, str, str], dict[str, tuple[date, Decimal]]] = \
            defaultdict(dict)
        self._sorted: dict[tuple[int, str, str, str], tuple[list[date], list[Decimal]]] = {}

    def put(self, series: tuple[int, str, str, str], period: Period, value: Decimal) -> None:
        self._points[series][period.code] = (period.start, value)
        self._sorted.pop(series, None)

    def earlier(self, series: tuple[int, str, str, str], period: Period) -> list[Decimal]:
        if series not in self._sorted:
            points = sorted(self._points[series].values())
            self._sorted[series] = ([p[0] for p in points], [p[1] for p in points])
        starts, values = self._sorted[series]
        end = bisect_left(starts, period.start)
        return values[max(0, end - rules.FLAG_LOOKBACK):end]


class Action(StrEnum):
    created = "created"
    updated = "updated"
    unchanged = "unchanged"


@dataclass
class Decision:
    """What one submitted value would do, or why it may not."""

    info: MeasureInfo
    period: Period
    value: Decimal
    comment: str | None
    existing: StoredValue | None
    action: Action
    errors: list[tuple[str, str]] = field(default_factory=list)
    conflict: bool = False  # the value is locked
    flag: str | None = None


def clean_comment(comment: str | None) -> str | None:
    if comment is None:
        return None
    comment = comment.strip()
    return comment or None


class Ledger:
    """Measures, stored values and deadlines loaded once; the rules checked in memory."""

    def __init__(self) -> None:
        self.measures: dict[int, MeasureInfo] = {}
        self.values: dict[tuple[int, str], StoredValue] = {}
        self.deadlines: dict[tuple[int, str], date] = {}
        self.history = History()

    @classmethod
    def load(
        cls, session: Session, user: User | None, *, measure_ids: Iterable[int] | None = None,
        provider_id: int | None = None, agreement_id: int | None = None,
        year: int | None = None, board_id: int | None = None,
        sources: Iterable[DataSource] | None = None, history: bool = False,
    ) -> "Ledger":
        """Load the measures that match the filters (and ``user`` may read).

        With ``history`` the stored values of every measure of the same providers and codes
        are loaded too (earlier years' agreements), for the flag rule.
        """
        ledger = cls()
        stmt = (
            select(Measure.id, Measure.municipality_id, Measure.provider_id, Measure.code,
                   Measure.name, Measure.unit, Measure.direction, Measure.tolerance,
                   Measure.frequency, Measure.rollup, Measure.min_value, Measure.max_value,
                   Measure.source, Goal.code.label("goal_code"),
                   ServiceAgreement.id.label("agreement_id"),
                   ServiceAgreement.code.label("agreement_code"),
                   ServiceAgreement.year.label("agreement_year"), FrameworkAgreement.first_year,
                   FrameworkAgreement.last_year)
            .join(Goal, Goal.id == Measure.goal_id)
            .join(ServiceAgreement, ServiceAgreement.id == Goal.service_agreement_id)
            .join(FrameworkAgreement,
                  FrameworkAgreement.id == ServiceAgreement.framework_agreement_id)
        )
        if user is not None:
            stmt = scope(stmt, Measure, user)
        if measure_ids is not None:
            stmt = stmt.where(Measure.id.in_(list(measure_ids)))
        if provider_id is not None:
            stmt = stmt.where(Measure.provider_id == provider_id)
        if agreement_id is not None:
            stmt = stmt.where(ServiceAgreement.id == agreement_id)
        if year is not None:
            stmt = stmt.where(ServiceAgreement.year == year)
        if board_id is not None:
            stmt = stmt.where(service_agreement_has_board(board_id))
        if sources is not None:
            stmt = stmt.where(Measure.source.in_(list(sources)))
        for m in session.execute(stmt):
            ledger.measures[m.id] = MeasureInfo(
                id=m.id, municipality_id=m.municipality_id, provider_id=m.provider_id,
                code=m.code, name=m.name, unit=m.unit, direction=Direction(m.direction),
                tolerance=_decimal(m.tolerance) or Decimal(0), frequency=Frequency(m.frequency),
                rollup=Rollup(m.rollup), min_value=_decimal(m.min_value),
                max_value=_decimal(m.max_value), source=DataSource(m.source),
                goal_code=m.goal_code, agreement_id=m.agreement_id,
                agreement_code=m.agreement_code, agreement_year=m.agreement_year,
                first_year=m.first_year, last_year=m.last_year,
            )
        if not ledger.measures:
            return ledger
        # The same selection as a subquery: no list of thousands of ids as parameters.
        ids = stmt.with_only_columns(Measure.id).scalar_subquery()
        for measure_id, target_year, target in session.execute(
            select(MeasureTarget.measure_id, MeasureTarget.year, MeasureTarget.value)
            .where(MeasureTarget.measure_id.in_(ids))
        ):
            ledger.measures[measure_id].targets[target_year] = target
        agreements = list({m.agreement_id for m in ledger.measures.values()})
        for sa_id, period_code, due in session.execute(
            select(ReportingDeadline.service_agreement_id, ReportingDeadline.period,
                   ReportingDeadline.due_date)
            .where(ReportingDeadline.service_agreement_id.in_(agreements))
        ):
            ledger.deadlines[(sa_id, period_code)] = due
        values = (
            select(IndicatorValue.id, IndicatorValue.measure_id, IndicatorValue.period,
                   IndicatorValue.value, IndicatorValue.comment, IndicatorValue.status,
                   IndicatorValue.return_reason, IndicatorValue.flagged,
                   IndicatorValue.flag_reason, IndicatorValue.row_version, Measure.provider_id,
                   Measure.code, Measure.unit)
            .join(Measure, Measure.id == IndicatorValue.measure_id)
        )
        if user is not None:
            values = scope(values, IndicatorValue, user)
        if history:
            providers = {m.provider_id for m in ledger.measures.values()}
            values = values.where(Measure.provider_id.in_(providers))
            codes = {m.code for m in ledger.measures.values()}
            if len(codes) <= 100:  # a few measures: only theirs; a file: all the provider's
                values = values.where(Measure.code.in_(codes))
        else:
            values = values.where(IndicatorValue.measure_id.in_(ids))
        for row in session.execute(values):
            period = period_of(row.period)
            if history:
                ledger.history.put((row.provider_id, row.code, row.unit, rules.period_kind(period)),
                                   period, row.value)
            if row.measure_id in ledger.measures:
                ledger.values[(row.measure_id, row.period)] = StoredValue(
                    id=row.id, measure_id=row.measure_id, period=row.period, value=row.value,
                    comment=row.comment, status=row.status, return_reason=row.return_reason,
                    flagged=row.flagged, flag_reason=row.flag_reason, row_version=row.row_version,
                )
        return ledger

    def due_date(self, info: MeasureInfo, period: Period) -> date:
        return deadline_or_default(self.deadlines.get((info.agreement_id, period.code)), period)

    def decide(self, user: User | None, info: MeasureInfo, period: Period, value: Decimal,
               comment: str | None, today: date) -> Decision:
        """Check one value against the rules (all but the flag, see :meth:`flag`). Without a
        ``user`` the caller checks who may report the measure."""
        comment = clean_comment(comment)
        existing = self.values.get((info.id, period.code))
        decision = Decision(info, period, value, comment, existing,
                            Action.created if existing is None else Action.updated)
        errors = decision.errors
        if user is not None and user.role is Role.provider_reporter \
                and info.source != DataSource.provider:
            who = ("a national indicator loaded from Sotkanet" if info.source == DataSource.national
                   else "entered by the purchaser")
            errors.append(("measure", f"measure {info.code} is {who}; providers do not report it"))
            return decision
        allowed = period_codes(period.year, info.frequency)
        if period.code not in allowed:
            errors.append(("period", f"measure {info.code} is reported by {info.frequency.value} "
                                     f"({', '.join(allowed)}), not for {period.code}"))
        elif not info.first_year <= period.year <= info.last_year:
            errors.append(("period", f"{period.code} is outside the agreement's years "
                                     f"{info.first_year}–{info.last_year}"))
        if existing is not None and existing.value == value and existing.comment == comment:
            decision.action = Action.unchanged
            return decision
        if errors:
            return decision
        if existing is not None and rules.is_locked(existing.status, self.due_date(info, period),
                                                    today):
            decision.conflict = True
            errors.append(("period", (
                f"the value of {info.code} for {period.code} was accepted and the period closed "
                f"on {self.due_date(info, period).isoformat()}; it can no longer be changed")))
            return decision
        unit = f" {info.unit}"
        if info.min_value is not None and value < info.min_value:
            errors.append(("value", f"{rules.plain(value)} is below the smallest allowed value "
                                    f"{rules.plain(info.min_value)}{unit}"))
        if info.max_value is not None and value > info.max_value:
            errors.append(("value", f"{rules.plain(value)} is above the largest allowed value "
                                    f"{rules.plain(info.max_value)}{unit}"))
        target = info.target(period)
        shortfall = rules.target_shortfall(value, target, info.tolerance, info.direction)
        if shortfall is not None and comment is None and target is not None:
            errors.append(("comment", (
                f"required: {rules.plain(value)}{unit} misses the target {rules.plain(target)}"
                f"{unit} by {rules.plain(shortfall)} (tolerance {rules.plain(info.tolerance)}); "
                "explain the deviation")))
        return decision

    def flag(self, decision: Decision) -> str | None:
        info, period = decision.info, decision.period
        return rules.flag_reason(decision.value, self.history.earlier(info.series(period), period))


def _decimal(number: Any) -> Decimal | None:
    return None if number is None else Decimal(number)


def deadline_or_default(explicit: date | None, period: Period) -> date:
    return explicit if explicit is not None else rules.default_due_date(period)


def revision(value: IndicatorValue | StoredValue, *, municipality_id: int, by: str,
             new_value: Decimal, new_comment: str | None, new_status: ValueStatus,
             reason: str | None) -> dict[str, Any]:
    """A history row of ``value`` before the change (for an executemany or the ORM)."""
    stamp = utcnow()
    return {
        "indicator_value_id": value.id, "municipality_id": municipality_id,
        "old_value": value.value, "new_value": new_value, "old_comment": value.comment,
        "new_comment": new_comment, "old_status": value.status, "new_status": new_status,
        "reason": reason, "created_by": by, "updated_by": by, "created_at": stamp,
        "updated_at": stamp,
    }


# -- one value ---------------------------------------------------------------------------------


def submit(session: Session, user: User, measure_id: int, period_code: str, value: Decimal,
           comment: str | None, reason: str | None, today: date) -> tuple[IndicatorValue, Action]:
    """Submit or correct the value of a measure for a period; a correction keeps history."""
    measure = get_readable(session, Measure, measure_id, user)
    authorize(session, user, Act.write, measure, IndicatorValue)
    ledger = Ledger.load(session, user, measure_ids=[measure.id], history=True)
    info = ledger.measures[measure.id]
    decision = ledger.decide(user, info, period_of(period_code), value, comment, today)
    refuse(decision, reason)
    if decision.action is Action.unchanged:
        assert decision.existing is not None
        return session.get_one(IndicatorValue, decision.existing.id), decision.action
    flag = ledger.flag(decision)
    if decision.existing is None:
        obj = IndicatorValue(
            municipality_id=info.municipality_id, measure_id=info.id, period=decision.period.code,
            period_start=decision.period.start, period_end=decision.period.end, value=value,
            comment=decision.comment, status=ValueStatus.submitted, flagged=flag is not None,
            flag_reason=flag, created_by=user.username, updated_by=user.username,
        )
        session.add(obj)
    else:
        obj = session.get_one(IndicatorValue, decision.existing.id)
        session.add(IndicatorValueRevision(**revision(
            obj, municipality_id=obj.municipality_id, by=user.username, new_value=value,
            new_comment=decision.comment, new_status=ValueStatus.submitted,
            reason=clean_comment(reason))))
        resubmit(obj, value, decision.comment, flag)
        obj.updated_by = user.username
    session.flush()
    return obj, decision.action


def refuse(decision: Decision, reason: str | None) -> None:
    """Raise what is wrong with a submitted value, the same way wherever it comes from: a locked
    value 409, a measure the provider does not report 403, else every problem at once (422),
    among them a correction without its reason."""
    if decision.conflict:
        raise Conflict(decision.errors[0][1], field="period")
    if decision.errors and decision.errors[0][0] == "measure":
        raise Forbidden(decision.errors[0][1], field="measure_id")
    errors = list(decision.errors)
    if decision.action is Action.updated and clean_comment(reason) is None:
        errors.append(("reason", "required for a correction: say why the value changes"))
    if errors:
        raise InvalidInput("; ".join(f"{f}: {m}" for f, m in errors), field=errors[0][0],
                           errors=[{"field": f, "message": m} for f, m in errors])


def resubmit(obj: IndicatorValue, value: Decimal, comment: str | None, flag: str | None) -> None:
    """A changed value goes (back) to the purchaser for review."""
    obj.value, obj.comment = value, comment
    obj.status = ValueStatus.submitted
    obj.return_reason = obj.reviewed_by = obj.reviewed_at = None
    obj.flagged, obj.flag_reason = flag is not None, flag


def value_due_date(session: Session, value: IndicatorValue) -> date:
    agreement_id = session.scalar(
        select(Goal.service_agreement_id).join(Measure, Measure.goal_id == Goal.id)
        .where(Measure.id == value.measure_id))
    explicit = session.scalar(select(ReportingDeadline.due_date).where(
        ReportingDeadline.service_agreement_id == agreement_id,
        ReportingDeadline.period == value.period))
    return deadline_or_default(explicit, period_of(value.period))


def _locked_error(session: Session, value: IndicatorValue, today: date) -> Conflict | None:
    due = value_due_date(session, value)
    if rules.is_locked(value.status, due, today):
        return Conflict(f"The value for {value.period} was accepted and the period closed on "
                        f"{due.isoformat()}; it can no longer be changed", field="period")
    return None


def review(session: Session, user: User, value_id: int, decision: str, reason: str | None,
           today: date) -> IndicatorValue:
    """The purchaser accepts a value or returns it to the provider with a reason."""
    value: IndicatorValue = get_readable(session, IndicatorValue, value_id, user)
    authorize(session, user, Act.review, value)
    locked = _locked_error(session, value, today)
    if locked is not None:
        raise locked
    reason = reason.strip() if reason else None
    new_status = ValueStatus.accepted if decision == "accept" else ValueStatus.returned
    if new_status == ValueStatus.returned and not reason:
        raise InvalidInput("reason: say why the value is returned", field="reason")
    session.add(IndicatorValueRevision(**revision(
        value, municipality_id=value.municipality_id, by=user.username, new_value=value.value,
        new_comment=value.comment, new_status=new_status, reason=reason)))
    value.status = new_status
    value.return_reason = reason if new_status == ValueStatus.returned else None
    value.reviewed_by, value.reviewed_at = user.username, utcnow()
    value.updated_by = user.username
    session.flush()
    return value


def history(session: Session, user: User, value_id: int) -> tuple[IndicatorValue,
                                                                    list[IndicatorValueRevision]]:
    value = get_readable(session, IndicatorValue, value_id, user)
    revisions = session.scalars(
        scope(select(IndicatorValueRevision), IndicatorValueRevision, user)
        .where(IndicatorValueRevision.indicator_value_id == value.id)
        .order_by(IndicatorValueRevision.created_at, IndicatorValueRevision.id)
    ).all()
    return value, list(revisions)


# -- the generic /indicator-values endpoints keep the same rules --------------------------------

_PENDING = "sopimus.pending_revisions"


def crud_value_rules(session: Session, value: IndicatorValue, data: dict[str, Any]) -> None:
    """POST/PATCH /indicator-values decide as :func:`submit` does (Ledger.decide, then
    :func:`refuse`): the lock, the period and range, the comment rule, and a correction's
    reason; the value goes back to review and keeps its history.

    Reporters and purchasers alike: a purchaser may also correct values of measures the
    provider does not report (after_write refuses those to a reporter), but not a locked value
    and not without a reason. The review itself is POST /indicator-values/{id}/review.
    """
    period = period_of(value.period)
    value.period, value.period_start, value.period_end = period.code, period.start, period.end
    with session.no_autoflush:  # the stored value, not the one being written
        ledger = Ledger.load(session, None, measure_ids=[value.measure_id], history=True)
    info = ledger.measures[value.measure_id]
    decision = ledger.decide(None, info, period, value.value, value.comment, date.today())
    if value.id is None and decision.existing is not None:
        return  # the measure and period have a value: check_unique answers 409
    reason = data.get("reason")
    refuse(decision, reason)
    value.comment = decision.comment
    if decision.action is Action.unchanged:
        return
    if decision.existing is not None:
        session.info.setdefault(_PENDING, {})[value.id] = (decision.existing,
                                                           clean_comment(reason))
    resubmit(value, value.value, decision.comment, ledger.flag(decision))


def crud_value_after_write(session: Session, user: User, value: IndicatorValue,
                           _: dict[str, Any]) -> None:
    measure = session.get_one(Measure, value.measure_id)
    if user.role is Role.provider_reporter and measure.source != DataSource.provider:
        raise Forbidden(f"measure {measure.code} is not reported by the provider",
                        field="measure_id")
    pending = session.info.get(_PENDING, {}).pop(value.id, None)
    if pending is None:
        return
    old, reason = pending
    session.add(IndicatorValueRevision(**revision(
        old, municipality_id=value.municipality_id, by=user.username, new_value=value.value,
        new_comment=value.comment, new_status=value.status, reason=reason)))
    session.flush()


def crud_value_before_delete(session: Session, _: User, value: IndicatorValue) -> None:
    locked = _locked_error(session, value, date.today())
    if locked is not None:
        raise locked


# -- due lists, the calendar and overdue submissions -------------------------------------------


class DueStatus(StrEnum):
    due = "due"  # not reported, the due date not passed
    overdue = "overdue"  # not reported, the due date passed
    submitted = "submitted"
    accepted = "accepted"
    returned = "returned"


def due_items(session: Session, user: User, *, as_of: date, year: int | None = None,
              agreement_id: int | None = None, provider_id: int | None = None,
              board_id: int | None = None) -> list[dict[str, Any]]:
    """Every period of every provider-reported measure, with its due date and status."""
    ledger = Ledger.load(session, user, year=year, agreement_id=agreement_id,
                         provider_id=provider_id, board_id=board_id,
                         sources=[DataSource.provider])
    providers = dict(session.execute(select(Provider.id, Provider.code).where(
        Provider.id.in_({m.provider_id for m in ledger.measures.values()}))).all()) \
        if ledger.measures else {}
    items: list[dict[str, Any]] = []
    for info in ledger.measures.values():
        for period in periods_of_year(info.agreement_year, info.frequency):
            due = ledger.due_date(info, period)
            stored = ledger.values.get((info.id, period.code))
            if stored is None:
                status = DueStatus.overdue if due < as_of else DueStatus.due
            else:
                status = DueStatus(stored.status.value)
            items.append({
                "service_agreement_id": info.agreement_id,
                "service_agreement_code": info.agreement_code, "provider_id": info.provider_id,
                "provider_code": providers.get(info.provider_id, ""), "goal_code": info.goal_code,
                "measure_id": info.id, "measure_code": info.code, "measure_name": info.name,
                "unit": info.unit, "direction": info.direction, "frequency": info.frequency,
                "target": info.target(period), "tolerance": info.tolerance,
                "period": period.code, "period_start": period.start, "period_end": period.end,
                "due_date": due, "status": status,
                "overdue": due < as_of and (stored is None or stored.status == ValueStatus.returned),
                "locked": stored is not None and rules.is_locked(stored.status, due, as_of),
                "value_id": stored.id if stored else None,
                "value": stored.value if stored else None,
                "comment": stored.comment if stored else None,
                "return_reason": stored.return_reason if stored else None,
                "flagged": stored.flagged if stored else False,
                "flag_reason": stored.flag_reason if stored else None,
            })
    items.sort(key=lambda i: (i["due_date"], i["service_agreement_code"], i["goal_code"],
                              i["measure_code"], i["period_start"], i["period_end"]))
    return items


def calendar(session: Session, user: User, agreement_id: int) -> dict[str, Any]:
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
    periods: dict[str, dict[str, Any]] = {}
    for frequency, count in frequencies.items():
        for period in periods_of_year(agreement.year, frequency):
            entry = periods.setdefault(period.code, {"period": period, "measures": 0})
            entry["measures"] += count
    for code in explicit:
        try:
            periods.setdefault(code, {"period": period_of(code), "measures": 0})
        except PeriodError:  # pragma: no cover - the rules keep codes valid
            continue
    rows = []
    for code, entry in periods.items():
        period, deadline = entry["period"], explicit.get(code)
        rows.append({
            "period": code, "period_start": period.start, "period_end": period.end,
            "due_date": deadline_or_default(deadline.due_date if deadline else None, period),
            "default_due_date": rules.default_due_date(period), "explicit": deadline is not None,
            "reporting_deadline_id": deadline.id if deadline else None,
            "measures": entry["measures"],
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


# -- deliveries for the budget follow-up -------------------------------------------------------


def delivery_rules(session: Session, delivery: Delivery, _: dict[str, Any]) -> None:
    """A delivery is for a period of its order budget's year."""
    line = session.get_one(OrderBudgetLine, delivery.order_budget_line_id)
    budget = session.get_one(OrderBudget, line.order_budget_id)
    period = period_of(delivery.period)
    if period.year != budget.year:
        raise InvalidInput(f"{period.code} is not in the order budget's year {budget.year}",
                           field="period")
    delivery.period, delivery.period_start, delivery.period_end = (period.code, period.start,
                                                                   period.end)


def delivery_in_budget(order_budget_id: int) -> ColumnElement[bool]:
    return Delivery.order_budget_line_id.in_(
        select(OrderBudgetLine.id).where(OrderBudgetLine.order_budget_id == order_budget_id))


def delivery_of_provider(provider_id: int) -> ColumnElement[bool]:
    return Delivery.order_budget_line_id.in_(
        select(OrderBudgetLine.id).where(OrderBudgetLine.provider_id == provider_id))


# A value written through /indicator-values meets the same rules as one submitted here: lock,
# comment, flag, history.
crud.register(IndicatorValue, crud_value_rules, nested=frozenset({"reason"}),
              after_write=crud_value_after_write, before_delete=crud_value_before_delete)
crud.register(ReportingDeadline, deadline_rules)
crud.register(Delivery, delivery_rules)
