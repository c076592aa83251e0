"""The purchaser's review cards: each value waiting for review beside its period's target, the
traffic light of the value against that target (the rule of app.reports.status.judge, in the
measure's direction and tolerance) and the measure's earlier periods of the year."""

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from app.auth.models import User
from app.indicators.models import IndicatorValue
from app.reports.status import Status, judge
from app.submissions.ledger import Ledger, period_of
from app.submissions.models import DeviationNote
from app.submissions.notes import threads

EARLIER_SHOWN = 3


@dataclass(frozen=True)
class ReviewCard:
    value: IndicatorValue
    target: Decimal | None
    status: Status
    earlier: list[tuple[str, Decimal]] = field(default_factory=list)
    notes: list[DeviationNote] = field(default_factory=list)  # the provider's and the answers


@dataclass
class ReviewGroup:
    """A measure's values waiting for review: its name and whereabouts are said once."""

    measure_id: int
    code: str
    name: str
    unit: str
    goal: str
    agreement: str
    provider: str
    cards: list[ReviewCard] = field(default_factory=list)


def review_cards(session: Session, user: User, rows: list[Any]) -> list[ReviewGroup]:
    """``rows`` of app.submissions.review.waiting_for_review (by provider, agreement, goal,
    measure and period) as cards, grouped by measure."""
    if not rows:
        return []
    ledger = Ledger.load(session, user, measure_ids={r[0].measure_id for r in rows})
    by_measure: dict[str, list[tuple[Any, str, Decimal]]] = {}  # by lineage: every version
    for stored in ledger.values.values():
        period = period_of(stored.period)
        by_measure.setdefault(stored.lineage, []).append(
            ((period.end, period.start), stored.period, stored.value))
    talk = threads(session, user, [r[0].id for r in rows])
    groups: list[ReviewGroup] = []
    for value, code, name, unit, goal, agreement, provider in rows:
        if not groups or groups[-1].measure_id != value.measure_id:
            groups.append(ReviewGroup(value.measure_id, code, name, unit, goal, agreement,
                                      provider))
        info = ledger.measures.get(value.measure_id)
        period = period_of(value.period)
        target = info.target(period) if info else None
        status = (Status.no_target if info is None or target is None
                  else judge(value.value, target, info.direction, info.tolerance))
        before = sorted(e for e in by_measure.get(value.lineage, [])
                        if e[0] < (period.end, period.start))
        groups[-1].cards.append(ReviewCard(value, target, status,
                                           [(p, v) for _, p, v in before[-EARLIER_SHOWN:]],
                                           talk.get(value.id, [])))
    return groups
