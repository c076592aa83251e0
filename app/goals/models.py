"""Yearly goals of a service agreement, their actions and resources."""

from decimal import Decimal

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.agreements.models import ResourceKind
from app.core.db import Base
from app.core.models import MONEY, TenantOwned, enum_column


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
