"""The purchaser's review of a submitted value: accept it or return it with a reason, until
the period is closed."""

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.agreements.models import ServiceAgreement
from app.agreements.service import service_agreement_has_board
from app.auth.authz import Act, authorize, scope
from app.auth.models import User
from app.core.access import get_readable
from app.core.db import utcnow
from app.core.errors import Conflict, InvalidInput
from app.goals.models import Goal
from app.indicators.models import IndicatorValue, Measure, ValueStatus
from app.organisations.models import Provider
from app.submissions import rules
from app.submissions.ledger import deadline_or_default, period_of, revision
from app.submissions.models import IndicatorValueRevision, ReportingDeadline


def value_due_date(session: Session, value: IndicatorValue) -> date:
    explicit = session.scalar(
        select(ReportingDeadline.due_date)
        .join(Goal, Goal.service_agreement_id == ReportingDeadline.service_agreement_id)
        .join(Measure, Measure.goal_id == Goal.id)
        .where(Measure.id == value.measure_id, ReportingDeadline.period == value.period))
    return deadline_or_default(explicit, period_of(value.period))


def locked_error(session: Session, value: IndicatorValue, today: date) -> Conflict | None:
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
    locked = locked_error(session, value, today)
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


def accept_many(session: Session, user: User, value_ids: list[int], today: date
                ) -> list[IndicatorValue]:
    """Accept several values at once, all or nothing: the first that may not be accepted (not
    readable 404, not the user's to review 403, locked 409) raises, and the caller rolls back
    the ones before it. Each accepted value keeps its own revision under the user's name."""
    return [review(session, user, value_id, "accept", None, today)
            for value_id in dict.fromkeys(value_ids)]


def waiting_for_review(session: Session, user: User, board_id: int | None, limit: int
                       ) -> list[Any]:
    """The submitted values the user may read, of a board if given, with their measure's code,
    name and unit, goal's code, agreement's code and provider's name, by provider, agreement,
    goal, measure and period."""
    stmt = (
        scope(select(IndicatorValue, Measure.code, Measure.name, Measure.unit, Goal.code,
                     ServiceAgreement.code, Provider.name), IndicatorValue, user)
        .join(Measure, Measure.id == IndicatorValue.measure_id)
        .join(Goal, Goal.id == Measure.goal_id)
        .join(ServiceAgreement, ServiceAgreement.id == Goal.service_agreement_id)
        .join(Provider, Provider.id == Measure.provider_id)
        .where(IndicatorValue.status == ValueStatus.submitted)
        .order_by(Provider.name, ServiceAgreement.code, Goal.code, Measure.code,
                  IndicatorValue.period_start, IndicatorValue.period_end)
        .limit(limit)
    )
    if board_id is not None:
        stmt = stmt.where(service_agreement_has_board(board_id))
    return list(session.execute(stmt))
