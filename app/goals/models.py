"""Yearly goals of a service agreement, their actions and resources."""

from decimal import Decimal
from typing import Any

from sqlalchemy import ForeignKey, Integer, Select, String, Text, UniqueConstraint, select
from sqlalchemy.orm import Mapped, mapped_column

from app.agreements.models import ResourceKind
from app.core.db import Base
from app.core.models import MONEY, TenantOwned, enum_column
from app.core.visibility import Reach, Viewer, Visibility, declare, define_reach


class Goal(TenantOwned, Base):
    """Vuositavoite: a yearly goal, derived from a long-term goal of the framework agreement."""

    __tablename__ = "goals"
    __table_args__ = (UniqueConstraint("service_agreement_id", "code"),)

    service_agreement_id: Mapped[int] = mapped_column(
        ForeignKey("service_agreements.id", ondelete="CASCADE"), index=True
    )
    long_term_goal_id: Mapped[int | None] = mapped_column(
        ForeignKey("long_term_goals.id", ondelete="SET NULL"), index=True
    )
    code: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)


class Action(TenantOwned, Base):
    """Toimenpide, with its responsible party (vastuutaho)."""

    __tablename__ = "actions"

    goal_id: Mapped[int] = mapped_column(ForeignKey("goals.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    description: Mapped[str] = mapped_column(Text)
    responsible: Mapped[str | None] = mapped_column(String(300))


class Resource(TenantOwned, Base):
    """Resurssi allotted to a goal: existing, transfer, additional, investment, bequest funds."""

    __tablename__ = "resources"

    goal_id: Mapped[int] = mapped_column(ForeignKey("goals.id", ondelete="CASCADE"), index=True)
    kind: Mapped[ResourceKind] = enum_column(ResourceKind)
    description: Mapped[str | None] = mapped_column(Text)
    amount: Mapped[Decimal | None] = mapped_column(MONEY)


# The goals of the service agreements a viewer reaches (app.core.visibility).
def _goals(_: Viewer, reach: Reach) -> Select[Any]:
    return select(Goal.id).where(Goal.service_agreement_id.in_(reach["agreements"]))


define_reach("goals", _goals)
declare(Goal, Visibility.CONTENT, lambda reach: Goal.id.in_(reach["goals"]))
declare(Action, Visibility.CONTENT, lambda reach: Action.goal_id.in_(reach["goals"]))
declare(Resource, Visibility.CONTENT, lambda reach: Resource.goal_id.in_(reach["goals"]))
