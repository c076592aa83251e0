"""A measure's page: its time series (this year and the earlier years of the same provider's
measure of the same code and unit) against the targets, its values with their status and
history, the provider and the comparison rule. Read like the API: a measure the user may not
read is the 404 page."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from app.auth.authz import scope
from app.auth.models import User
from app.core.access import get_readable
from app.core.db import SessionDep
from app.core.errors import NotFound
from app.core.periods import Period
from app.core.types import MAX_ID
from app.indicators.models import IndicatorValue, Measure
from app.organisations.models import Provider
from app.reports import charts
from app.reports.status import MeasureStatus, counted_values, measure_status, returned_values
from app.submissions.ledger import Ledger, MeasureInfo, period_of
from app.submissions.models import IndicatorValueRevision
from app.submissions.values import history
from app.web.deps import Lang, page_for
from app.web.render import render

router = APIRouter(prefix="/measures")
AnyUserPage = Annotated[User, page_for()]
UNTIL = date(2100, 12, 31)


@dataclass(frozen=True)
class YearPoint:
    """A year's values rolled up and judged at its latest period reported."""

    year: int
    period: Period
    judged: MeasureStatus


@dataclass(frozen=True)
class ValueRow:
    value: IndicatorValue
    revisions: list[IndicatorValueRevision]


def _family(session: Session, user: User, measure: Measure) -> list[Measure]:
    """The provider's measures of the same code and unit, any year (earlier agreements')."""
    return list(session.scalars(
        scope(select(Measure), Measure, user)
        .where(Measure.provider_id == measure.provider_id, Measure.code == measure.code,
               Measure.unit == measure.unit)
        .options(selectinload(Measure.targets))))


def _years(info: MeasureInfo, targets: dict[int, Decimal], values: list[IndicatorValue]
           ) -> list[YearPoint]:
    by_year: dict[int, list[IndicatorValue]] = defaultdict(list)
    for v in values:
        by_year[v.period_start.year].append(v)
    points = []
    for year, of_year in sorted(by_year.items()):
        latest = max(of_year, key=lambda v: (v.period_end, v.period_end - v.period_start))
        period = period_of(latest.period)
        points.append(YearPoint(year, period, measure_status(
            rollup=info.rollup, direction=info.direction, tolerance=info.tolerance,
            targets=targets, values=of_year, period=period, comparison=info.comparison,
            baseline=info.baseline)))
    return points


def _chart(measure: Measure, targets: dict[int, Decimal], points: list[YearPoint],
           lang: str) -> Markup | str:
    baseline = (charts.Point(measure.baseline_year, measure.baseline_value)
                if measure.baseline_value is not None and measure.baseline_year else None)
    target_points = [charts.Point(y, v) for y, v in sorted(targets.items())]
    actuals = [charts.Point(p.year, p.judged.rolled.compared, p.judged.rolled.partial)
               for p in points if p.judged.rolled is not None]
    years = sorted({p.year for p in (*target_points, *actuals)}
                   | ({baseline.year} if baseline else set()))
    if not years:
        return ""
    return charts.measure_trend(charts.Trend(
        code=measure.code, name=measure.name, unit=measure.unit, years=years, baseline=baseline,
        targets=target_points, actuals=actuals), lang, (360, 150))


@router.get("/{measure_id}", response_class=HTMLResponse)
def measure_page(request: Request, session: SessionDep, lang: Lang, user: AnyUserPage,
                 measure_id: Annotated[int, Path(ge=1, le=MAX_ID)]) -> HTMLResponse:
    measure: Measure = get_readable(session, Measure, measure_id, user,
                                    [selectinload(Measure.targets)])
    info = Ledger.load(session, user, measure_ids=[measure.id]).measures.get(measure.id)
    if info is None:
        raise NotFound("Measure not found")
    provider = get_readable(session, Provider, measure.provider_id, user)
    family = _family(session, user, measure)
    targets: dict[int, Decimal] = {}
    for m in sorted(family, key=lambda m: m.id == measure.id):  # its own targets win
        targets.update({tg.year: tg.value for tg in m.targets})
    ids = [m.id for m in family]
    points = _years(info, targets, counted_values(session, user, ids, UNTIL))
    own = sorted([*counted_values(session, user, [measure.id], UNTIL),
                  *returned_values(session, user, [measure.id], UNTIL)],
                 key=lambda v: (v.period_end, v.period_start), reverse=True)
    rows = [ValueRow(v, history(session, user, v.id)[1]) for v in own]
    return render(request, "measure.html", lang, user, measure=measure, info=info,
                  provider=provider, targets=sorted(targets.items()), points=points,
                  chart=_chart(measure, targets, points, lang), rows=rows)
