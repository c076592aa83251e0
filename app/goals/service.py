"""Domain rules of yearly goals."""

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.agreements.models import LongTermGoal, Perspective, ServiceAgreement
from app.auth.authz import scope
from app.auth.models import User
from app.core import access
from app.core.errors import InvalidInput
from app.goals.models import Goal


def goal_rules(session: Session, goal: Goal, _: dict[str, Any]) -> None:
    """A yearly goal derives from a long-term goal of its own agreement's framework."""
    if goal.long_term_goal_id is None:
        return
    agreement = session.get_one(ServiceAgreement, goal.service_agreement_id)
    long_term = session.get_one(LongTermGoal, goal.long_term_goal_id)
    perspective = session.get_one(Perspective, long_term.perspective_id)
    if perspective.framework_agreement_id != agreement.framework_agreement_id:
        raise InvalidInput(
            "the long-term goal belongs to another framework agreement "
            "than the service agreement",
            field="long_term_goal_id",
        )


access.register(Goal, goal_rules)


def agreement_goals(session: Session, user: User | None, agreement_id: int) -> list[Goal]:
    """The goals of a service agreement that the user may read, by code."""
    return list(session.scalars(scope(select(Goal).where(Goal.service_agreement_id == agreement_id),
                                      Goal, user).order_by(Goal.code)))
