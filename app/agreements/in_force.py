"""The version in force (voimassa oleva versio): which version of a framework agreement, an
order budget or a service agreement counts for a period.

- Only versions the board approved count (``APPROVED``: approved, in force, closed or
  superseded). Each approval records the day the version takes effect (``effective_from``,
  by default the decision's meeting date).
- For a period, the approved version that took effect last on or before the period's last day
  counts; an amendment that takes effect on 1 July therefore counts for 2025-T2 (January–August)
  and 2025-07 on, and 2025-T1 and 2025-06 keep the earlier version's targets and prices.
- A period before the first approved version took effect is still that version's: the first
  version is the agreement of its whole year, however late the board approved it.
- An agreement no version of which has been approved yet is represented by its newest draft,
  labelled as a draft wherever it is shown. An unapproved amendment of an approved agreement
  never counts: its approved version does until the amendment is approved.

Measures keep their identity across versions (``Measure.lineage``): a value reported for a
period belongs to the measure, whichever version it was reported against.
"""

from collections.abc import Callable, Iterable, Sequence
from datetime import date
from typing import Any, Protocol, TypeVar

from sqlalchemy import ColumnElement, case, func, select, tuple_
from sqlalchemy.orm import Session, aliased

from app.agreements.models import APPROVED, FrameworkAgreement, ServiceAgreement
from app.agreements.ownership import VERSION_KEYS


class Versioned(Protocol):
    @property
    def id(self) -> int: ...

    @property
    def version(self) -> int: ...

    @property
    def status(self) -> Any: ...

    @property
    def effective_from(self) -> date | None: ...


V = TypeVar("V", bound=Versioned)


def counting(versions: Iterable[V], on: date) -> V | None:
    """Of the versions of ONE agreement, the one that counts on the day ``on``."""
    ordered = sorted(versions, key=lambda v: v.version)
    approved = [v for v in ordered if v.status in APPROVED]
    if not approved:
        return ordered[-1] if ordered else None
    started = [v for v in approved if v.effective_from is None or v.effective_from <= on]
    return started[-1] if started else approved[0]


def version_key(obj: Any) -> tuple[Any, ...]:
    """What the versions of one agreement share (municipality and code, board and year …)."""
    return tuple(getattr(obj, k) for k in VERSION_KEYS[obj.__tablename__])


def counting_of_each(rows: Iterable[V], on: date) -> list[V]:
    """The counting version of each agreement among ``rows`` (all versions of several)."""
    by_key: dict[tuple[Any, ...], list[V]] = {}
    for row in rows:
        by_key.setdefault(version_key(row), []).append(row)
    chosen = (counting(versions, on) for versions in by_key.values())
    return [v for v in chosen if v is not None]


def all_versions(session: Session, model: Any, objs: Sequence[Any]) -> list[Any]:
    """Every version of the agreements ``objs`` are versions of (unscoped: a version's
    siblings decide what counts, whoever asks)."""
    keys = {version_key(o) for o in objs}
    if not keys:
        return []
    columns = [getattr(model, k) for k in VERSION_KEYS[model.__tablename__]]
    return list(session.scalars(select(model).where(tuple_(*columns).in_(list(keys)))))


def counts_on(session: Session, obj: ServiceAgreement | FrameworkAgreement | Any, on: date
              ) -> Any:
    """The version of ``obj``'s agreement that counts on the day ``on``."""
    return counting(all_versions(session, type(obj), [obj]), on)


def counting_in_sql(model: Any, on: date) -> ColumnElement[bool]:
    """``counting`` as a condition on ``model``'s rows: true of the version of each agreement
    that counts on the day ``on``. One aggregate per agreement (its version key) in the
    database, so that a list filtered by it is paged there like any other filter: the newest
    approved version that took effect by then, else the first approved one, else the newest."""
    other = aliased(model)  # not correlated with the rows it filters
    names = VERSION_KEYS[model.__tablename__]
    approved = other.status.in_(APPROVED)
    started = approved & (other.effective_from.is_(None) | (other.effective_from <= on))
    counted = select(*(getattr(other, k) for k in names), func.coalesce(
        func.max(case((started, other.version))),
        func.min(case((approved, other.version))),
        func.max(other.version),
    )).group_by(*(getattr(other, k) for k in names))
    return tuple_(*(getattr(model, k) for k in names), model.version).in_(counted)


def in_force_filter(model: Any) -> Callable[[date], ColumnElement[bool]]:
    """The list filter ``in_force_on`` of ``model`` (app.core.resources.Resource.filter_exprs)."""
    return lambda on: counting_in_sql(model, on)
