"""What both reports share: the schema version of their data and the pieces both build it
from, read in the caller's scope (the data's common parts are app.reports.data's)."""

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from app.auth.authz import scope
from app.auth.models import User
from app.core.errors import InvalidInput
from app.core.periods import Period, PeriodError, parse_period
from app.indicators.models import Measure
from app.organisations.models import Provider
from app.reports.data import Baseline, Ref, Span
from app.reports.data import ProviderRef as ProviderRef

SCHEMA_VERSION = 1


def display_name(obj: Any, lang: str) -> str:
    name: str = (obj.name_sv if lang == "sv" and getattr(obj, "name_sv", None) else obj.name_fi)
    return name


def parse_report_period(code: str, field: str = "period") -> Period:
    try:
        return parse_period(code)
    except PeriodError as exc:
        raise InvalidInput(str(exc), field=field) from None


def span(p: Period) -> Span:
    return Span(code=p.code, start=p.start, end=p.end)


def provider_entry(p: Provider) -> ProviderRef:
    return ProviderRef(id=p.id, code=p.code, name=p.name, kind=p.kind.value,
                       business_id=p.business_id)


def ref(obj: Any, lang: str) -> Ref:
    return Ref(id=obj.id, code=obj.code, name=display_name(obj, lang))


def baseline(m: Measure) -> Baseline | None:
    return Baseline(year=m.baseline_year, value=m.baseline_value) \
        if m.baseline_value is not None else None


def ids(objs: Sequence[Any]) -> list[int]:
    return [o.id for o in objs]


def readable_measures(session: Session, user: User, goal_ids: list[int]) -> list[Measure]:
    stmt = scope(select(Measure), Measure, user).where(Measure.goal_id.in_(goal_ids))
    return list(session.scalars(stmt.options(selectinload(Measure.targets))))


def readable_providers(session: Session, user: User, ids: set[int]) -> dict[int, Provider]:
    stmt = scope(select(Provider), Provider, user).where(Provider.id.in_(ids))
    return {p.id: p for p in session.scalars(stmt)}
