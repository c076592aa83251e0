"""The value ledger: what submitting an indicator value is checked against.

Everything a request needs is loaded once into a :class:`Ledger` (the provider's measures with
their agreements and targets, the stored values, the deadlines) and checked in memory, so one
value and ten thousand values from a file go through the same code at the same cost per row.
The rules themselves are in ``rules.py``; submitting is in ``values.py``.
"""

from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import select, tuple_
from sqlalchemy.orm import Session

from app.agreements import in_force
from app.agreements.models import AgreementStatus, FrameworkAgreement, ServiceAgreement
from app.agreements.service import agreement_years, service_agreement_has_board
from app.auth.authz import scope
from app.auth.models import Role, User
from app.core.db import utcnow
from app.core.periods import Frequency, Period, parse_period, period_codes
from app.goals.models import Goal
from app.indicators.models import (
    Comparison,
    DataSource,
    Direction,
    IndicatorValue,
    Measure,
    MeasureTarget,
    Rollup,
    ValueStatus,
)
from app.submissions import rules
from app.submissions.models import ReportingDeadline

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
    comparison: Comparison
    baseline: Decimal | None
    min_value: Decimal | None
    max_value: Decimal | None
    source: DataSource
    lineage: str
    goal_code: str
    agreement_id: int
    agreement_code: str
    agreement_year: int
    agreement_version: int
    first_year: int
    last_year: int
    indicator_code: str | None = None  # a shared indicator, reported once for every purchaser
    targets: dict[int, Decimal] = field(default_factory=dict)

    def series(self, period: Period) -> tuple[int, str, str, str]:
        """The provider's comparable values: same measure code and unit, same kind of period."""
        return (self.provider_id, self.code, self.unit, rules.period_kind(period))

    def target(self, period: Period) -> Decimal | None:
        return rules.period_target(self.targets, self.comparison, period, self.baseline)


@dataclass
class StoredValue:
    id: int
    measure_id: int
    lineage: str
    period: str
    value: Decimal
    comment: str | None
    status: ValueStatus
    return_reason: str | None
    flagged: bool
    flag_reason: str | None
    row_version: int = 1


@dataclass(frozen=True)
class AgreementVersion:
    """One version of a service agreement, for :func:`app.agreements.in_force.counting`."""

    id: int
    version: int
    status: AgreementStatus
    effective_from: date | None


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
        self.values: dict[tuple[str, str], StoredValue] = {}  # by lineage and period
        self.deadlines: dict[tuple[int, str], date] = {}
        self.history = History()
        # Every version of the loaded measures' agreements, and each version's measure of a
        # lineage: which version counts for a period, and its measure.
        self.versions: dict[tuple[int, str], list[AgreementVersion]] = {}
        self.lineages: dict[tuple[int, str], int] = {}

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
                   Measure.frequency, Measure.rollup, Measure.comparison,
                   Measure.baseline_value, Measure.min_value, Measure.max_value,
                   Measure.source, Measure.lineage, Measure.indicator_code,
                   Goal.code.label("goal_code"),
                   ServiceAgreement.id.label("agreement_id"),
                   ServiceAgreement.code.label("agreement_code"),
                   ServiceAgreement.year.label("agreement_year"),
                   ServiceAgreement.version.label("agreement_version"), *agreement_years())
            .join(Goal, Goal.id == Measure.goal_id)
            .join(ServiceAgreement, ServiceAgreement.id == Goal.service_agreement_id)
            .outerjoin(FrameworkAgreement,
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
                rollup=Rollup(m.rollup), comparison=Comparison(m.comparison),
                baseline=_decimal(m.baseline_value), min_value=_decimal(m.min_value),
                max_value=_decimal(m.max_value), source=DataSource(m.source),
                lineage=m.lineage, goal_code=m.goal_code, agreement_id=m.agreement_id,
                agreement_code=m.agreement_code, agreement_year=m.agreement_year,
                agreement_version=m.agreement_version, first_year=m.first_year,
                last_year=m.last_year, indicator_code=m.indicator_code,
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
        ledger._load_versions(session, ids)
        for sa_id, period_code, due in session.execute(
            select(ReportingDeadline.service_agreement_id, ReportingDeadline.period,
                   ReportingDeadline.due_date)
            .where(ReportingDeadline.service_agreement_id.in_(agreements))
        ):
            ledger.deadlines[(sa_id, period_code)] = due
        values = (
            select(IndicatorValue.id, IndicatorValue.measure_id, IndicatorValue.lineage,
                   IndicatorValue.period,
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
            values = values.where(IndicatorValue.lineage.in_(
                stmt.with_only_columns(Measure.lineage).scalar_subquery()))
        lineages = {m.lineage for m in ledger.measures.values()}
        for row in session.execute(values):
            period = period_of(row.period)
            if history:
                ledger.history.put((row.provider_id, row.code, row.unit, rules.period_kind(period)),
                                   period, row.value)
            if row.lineage in lineages:
                ledger.values[(row.lineage, row.period)] = StoredValue(
                    id=row.id, measure_id=row.measure_id, lineage=row.lineage, period=row.period,
                    value=row.value,
                    comment=row.comment, status=row.status, return_reason=row.return_reason,
                    flagged=row.flagged, flag_reason=row.flag_reason, row_version=row.row_version,
                )
        return ledger

    def _load_versions(self, session: Session, measure_ids: Any) -> None:
        mine = select(ServiceAgreement.municipality_id, ServiceAgreement.code).join(
            Goal, Goal.service_agreement_id == ServiceAgreement.id).join(
            Measure, Measure.goal_id == Goal.id).where(Measure.id.in_(measure_ids))
        siblings = select(ServiceAgreement.id, ServiceAgreement.municipality_id,
                          ServiceAgreement.code, ServiceAgreement.version,
                          ServiceAgreement.status, ServiceAgreement.effective_from).where(
            tuple_(ServiceAgreement.municipality_id, ServiceAgreement.code).in_(mine))
        for row in session.execute(siblings):
            self.versions.setdefault((row.municipality_id, row.code), []).append(AgreementVersion(
                row.id, row.version, AgreementStatus(row.status), row.effective_from))
        lineages = select(Measure.lineage).where(Measure.id.in_(measure_ids))
        for agreement_id, lineage, measure_id in session.execute(
            select(Goal.service_agreement_id, Measure.lineage, Measure.id)
            .join(Goal, Goal.id == Measure.goal_id).where(Measure.lineage.in_(lineages))
        ):
            self.lineages[(agreement_id, lineage)] = measure_id

    def counting(self, info: MeasureInfo, period: Period) -> AgreementVersion | None:
        """The version of ``info``'s agreement that counts for ``period``."""
        return in_force.counting(self.versions.get((info.municipality_id, info.agreement_code),
                                                   []), period.end)

    def counts_for(self, info: MeasureInfo, period: Period) -> bool:
        chosen = self.counting(info, period)
        return chosen is None or chosen.id == info.agreement_id

    def due_date(self, info: MeasureInfo, period: Period) -> date:
        return deadline_or_default(self.deadlines.get((info.agreement_id, period.code)), period)

    def decide(self, user: User | None, info: MeasureInfo, period: Period, value: Decimal,
               comment: str | None, today: date) -> Decision:
        """Check one value against the rules (all but the flag, see :meth:`flag`). Without a
        ``user`` the caller checks who may report the measure."""
        comment = clean_comment(comment)
        existing = self.values.get((info.lineage, period.code))
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
        if errors:
            return decision
        if not self.counts_for(info, period):
            decision.conflict = True
            errors.append(("measure_id", self._not_in_force(info, period)))
            return decision
        if existing is not None and existing.value == value and existing.comment == comment:
            decision.action = Action.unchanged
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

    def _not_in_force(self, info: MeasureInfo, period: Period) -> str:
        chosen = self.counting(info, period)
        assert chosen is not None
        measure = self.lineages.get((chosen.id, info.lineage))
        where = (f"report it for measure {measure}, in version {chosen.version}" if measure
                 else f"version {chosen.version} (id {chosen.id}) has no such measure")
        return (f"measure {info.code} of {info.agreement_code} version {info.agreement_version} "
                f"does not count for {period.code}: version {chosen.version} is in force then; "
                f"{where}")

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
