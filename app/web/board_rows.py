"""A board's measures of a year with their traffic lights: the rows of the purchaser's
overview, its XLSX export and the home dashboards.

Each measure of the agreements in force is judged as the board's follow-up report judges it
(app.reports.status.measure_status) for the latest period reported, from the values that
count (a returned value does not, until it is submitted again).
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Annotated, NamedTuple
from urllib.parse import urlencode

from fastapi import Query
from markupsafe import Markup
from sqlalchemy.orm import Session

from app.agreements.models import ServiceAgreement
from app.agreements.service import agreements_in_force, board_agreements
from app.auth.models import User
from app.core.ordering import natural
from app.core.periods import Period
from app.indicators.models import Measure
from app.indicators.service import measures_with_targets
from app.lifecycle import versioning
from app.organisations.models import Board, Provider
from app.organisations.service import providers_by_id
from app.reports import charts
from app.reports import status as judging
from app.reports.status import SEVERITY, MeasureStatus, Rolled
from app.submissions import notes, rules
from app.submissions.ledger import Ledger, MeasureInfo, StoredValue, period_of
from app.submissions.models import DeviationNote

STATUSES = ("off_track", "at_risk", "no_value", "no_target", "on_track")
SORTS = ("status", "measure", "provider")


class Counted(NamedTuple):
    period_start: date
    period_end: date
    value: Decimal


@dataclass
class Row:
    """One measure of the overview: its latest value, target, light and small chart."""

    info: MeasureInfo
    provider: str
    value: StoredValue | None
    period: Period | None
    target: Decimal | None
    status: str
    rolled: Rolled | None
    trend: Markup | str
    returned: list[str] = field(default_factory=list)
    part: rules.PartYear | None = None  # how a part year was compared with the year's target
    compared: Decimal | None = None
    notes: list[DeviationNote] = field(default_factory=list)  # the latest value's conversation

    @property
    def gap(self) -> Decimal | None:
        """How far the compared value is from the target, on the wrong side (positive)."""
        if self.rolled is None or self.target is None:
            return None
        diff = self.target - self.rolled.compared
        return diff if self.info.direction.value == "higher_is_better" else -diff


@dataclass
class Overview:
    agreements: list[ServiceAgreement]
    rows: dict[int, list[Row]]  # by agreement id
    providers: dict[int, Provider]
    in_force: set[int] = field(default_factory=set)  # the versions that count; others drafts

    def all_rows(self) -> list[Row]:
        return [r for a in self.agreements for r in self.rows.get(a.id, [])]


def _trend(measure: Measure | None, rolled: Rolled | None, period: Period | None,
           lang: str) -> Markup | str:
    """Baseline, the yearly targets and the year so far: the reports' one trend chart (what
    is compared with the year's target, e.g. a summed measure's forecast, not the latest
    month against a whole year's target)."""
    if measure is None:
        return ""
    baseline = (charts.Point(measure.baseline_year, measure.baseline_value)
                if measure.baseline_value is not None and measure.baseline_year else None)
    targets = [charts.Point(t.year, t.value) for t in measure.targets]
    actuals = ([charts.Point(period.year, rolled.compared, rolled.partial)]
               if rolled is not None and period is not None else [])
    years = sorted({p.year for p in (*targets, *actuals)} | ({baseline.year} if baseline else set()))
    if not years:
        return ""
    return charts.measure_trend(charts.Trend(
        code=measure.code, name=measure.name, unit=measure.unit, years=years, baseline=baseline,
        targets=targets, actuals=actuals, until=rolled.until if rolled else None,
        period=period.code if period else None), lang, charts.SMALL)


def judge(info: MeasureInfo, values: list[Counted], period: Period | None) -> MeasureStatus:
    """The light as the board's follow-up report has it for the latest period reported: the
    year so far rolled up by the measure's rule against the year's target."""
    if period is None:
        return MeasureStatus(judging.Status.no_value, None, None)
    return judging.measure_status(rollup=info.rollup, direction=info.direction,
                                  tolerance=info.tolerance, targets=info.targets, values=values,
                                  period=period, comparison=info.comparison,
                                  baseline=info.baseline)


def board_overview(session: Session, user: User, board_id: int, year: int | None,
                   lang: str) -> Overview:
    """Of each agreement of the board and year the version in force today (or at the year's
    end), and the drafts of its amendment; only the version in force has measures."""
    on = min(date.today(), date(year or date.today().year, 12, 31))
    in_force = {a.id for a in agreements_in_force(session, user, board_id, year, on)}
    of_year = board_agreements(session, user, board_id, year)
    newest_counted = {a.code: a.version for a in of_year if a.id in in_force}
    agreements = [a for a in of_year
                  if a.id in in_force or (a.status in versioning.DRAFTING
                                          and a.version > newest_counted.get(a.code, 0))]
    providers = providers_by_id(session, user, (a.provider_id for a in agreements))
    ledger = Ledger.load(session, user, board_id=board_id, year=year)
    latest: dict[str, tuple[tuple[date, timedelta], StoredValue, Period]] = {}
    counted: dict[str, list[Counted]] = defaultdict(list)
    returned: dict[str, list[str]] = defaultdict(list)
    for row in ledger.values.values():
        if not row.status.counts:  # not reported until submitted again
            returned[row.lineage].append(row.period)
            continue
        row_period = period_of(row.period)
        counted[row.lineage].append(Counted(row_period.start, row_period.end, row.value))
        key = (row_period.end, row_period.end - row_period.start)
        if row.lineage not in latest or key > latest[row.lineage][0]:
            latest[row.lineage] = (key, row, row_period)
    trends = measures_with_targets(session, user, list(ledger.measures))
    rows: dict[int, list[Row]] = defaultdict(list)
    for info in sorted(ledger.measures.values(), key=lambda m: (m.goal_code, m.code)):
        if info.agreement_id not in in_force:
            continue
        entry = latest.get(info.lineage)
        stored = entry[1] if entry else None
        period = entry[2] if entry else None
        target = info.target(period) if period else info.targets.get(year or 0)
        judged = judge(info, counted[info.lineage], period)
        provider = providers.get(info.provider_id)
        rows[info.agreement_id].append(Row(
            info=info, provider=provider.name if provider else "", value=stored, period=period,
            target=target, status=judged.status.value, rolled=judged.rolled,
            trend=_trend(trends.get(info.id), judged.rolled, period, lang),
            returned=sorted(returned[info.lineage]), part=judged.part, compared=judged.compared))
    _attach_notes(session, user, [r for rs in rows.values() for r in rs])
    return Overview(agreements, rows, providers, in_force)


def _attach_notes(session: Session, user: User, rows: list[Row]) -> None:
    """The conversation about the latest value of each red and amber measure (one query)."""
    deviating = {judging.Status.off_track.value, judging.Status.at_risk.value}
    talk = notes.threads(session, user, [r.value.id for r in rows
                                         if r.value is not None and r.status in deviating])
    for r in rows:
        r.notes = talk.get(r.value.id, []) if r.value is not None else []


@dataclass(frozen=True)
class Filters:
    """The overview's choices: provider, goal (code), status, a search and the sort order."""

    provider: int | None = None
    goal: str | None = None
    status: str | None = None
    q: str | None = None
    sort: str | None = None

    def admits(self, row: Row) -> bool:
        needle = (self.q or "").strip().casefold()
        return ((self.provider is None or row.info.provider_id == self.provider)
                and (not self.goal or row.info.goal_code == self.goal)
                and (not self.status or row.status == self.status)
                and (not needle or needle in row.info.name.casefold()
                     or needle in row.info.code.casefold()))

    def apply(self, rows: list[Row]) -> list[Row]:
        chosen = [r for r in rows if self.admits(r)]
        if self.sort == "status":  # the worst news first
            chosen.sort(key=lambda r: (-SEVERITY[r.status], r.info.goal_code, r.info.code))
        elif self.sort == "measure":
            chosen.sort(key=lambda r: (r.info.name.casefold(), r.info.code))
        elif self.sort == "provider":
            chosen.sort(key=lambda r: (r.provider.casefold(), r.info.goal_code, r.info.code))
        return chosen

    @property
    def active(self) -> bool:
        return bool(self.provider or self.goal or self.status or (self.q or "").strip())


# The form's "all" is an empty value: no choice, not a number that fails to parse (an id
# beyond MAX_ID is no provider's: nothing matches it).
AnyOrId = Annotated[str | None, Query(max_length=12, pattern=r"^([1-9][0-9]*)?$")]


def filters_of(provider: AnyOrId = None,
               goal: Annotated[str | None, Query(max_length=50)] = None,
               status: Annotated[str | None, Query(max_length=20)] = None,
               q: Annotated[str | None, Query(max_length=200)] = None,
               sort: Annotated[str | None, Query(max_length=20)] = None) -> Filters:
    """The query's filters; an unknown status or sort is no choice (the whole table)."""
    return Filters(provider=int(provider) if provider else None, goal=goal or None,
                   status=status if status in STATUSES else None, q=q or None,
                   sort=sort if sort in SORTS else None)


class Choices(NamedTuple):
    providers: list[tuple[int, str]]
    goals: list[str]


def choices(rows: list[Row]) -> Choices:
    """The providers and goals of the board's measures, for the filters' lists."""
    providers = sorted({(r.info.provider_id, r.provider) for r in rows}, key=lambda p: p[1])
    goals = sorted({r.info.goal_code for r in rows}, key=natural)
    return Choices(providers, goals)


def export_query(board: Board | None, year: int | None, filters: Filters) -> str:
    """The overview's query string as chosen (the export link keeps the filters)."""
    pairs = {"board": board.id if board else None, "year": year, "provider": filters.provider,
             "goal": filters.goal, "status": filters.status, "q": filters.q,
             "sort": filters.sort}
    return urlencode({k: v for k, v in pairs.items() if v not in (None, "")})
