"""Framework agreements (puitesopimukset) and service agreements (palvelusopimukset)."""

from datetime import date
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Integer,
    Select,
    String,
    Table,
    Text,
    UniqueConstraint,
    select,
)
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from app.core.db import Base
from app.core.models import TenantOwned, enum_column
from app.core.visibility import Reach, Viewer, Visibility, declare, define_reach
from app.organisations.models import Board


class AgreementStatus(StrEnum):
    draft = "draft"  # luonnos
    negotiation = "negotiation"  # neuvottelussa
    approved = "approved"  # hyväksytty
    in_force = "in_force"  # voimassa
    closed = "closed"  # päättynyt
    superseded = "superseded"  # korvattu: a later version was approved (app.lifecycle.transitions)


# The versions the board approved: each counts for the periods it was in force
# (app.agreements.in_force). A superseded version still counts for the periods before its
# successor took effect, so the public reads it too.
APPROVED = (AgreementStatus.approved, AgreementStatus.in_force, AgreementStatus.closed,
            AgreementStatus.superseded)
# The versions the public may read, with their content.
PUBLISHED = APPROVED


class Steering(StrEnum):
    """How a service agreement steers its provider."""

    purchase = "purchase"  # tilaajaohjaus: the purchaser orders from a provider
    # omistajaohjaus: the owner sets strategic goals for its joint municipal authority,
    # municipal enterprise or in-house company (Lappeenranta and Eksote)
    ownership = "ownership"


class ResourceKind(StrEnum):
    """Resurssit as the Hämeenlinna goal table names them."""

    existing = "existing"  # olemassa oleva resurssi
    transfer = "transfer"  # resurssin siirto
    additional = "additional"  # lisäresurssi
    investment = "investment"  # investointi
    bequest_funds = "bequest_funds"  # testamenttivarat


long_term_goal_boards = Table(
    "long_term_goal_boards",
    Base.metadata,
    Column("long_term_goal_id", ForeignKey("long_term_goals.id", ondelete="CASCADE"),
           primary_key=True),
    Column("board_id", ForeignKey("boards.id", ondelete="CASCADE"), primary_key=True),
)

service_agreement_boards = Table(
    "service_agreement_boards",
    Base.metadata,
    Column("service_agreement_id", ForeignKey("service_agreements.id", ondelete="CASCADE"),
           primary_key=True),
    Column("board_id", ForeignKey("boards.id", ondelete="CASCADE"), primary_key=True),
)


class FrameworkAgreement(TenantOwned, Base):
    """Puitesopimus: a board's agreement over the council term, normally four years."""

    __tablename__ = "framework_agreements"
    __table_args__ = (UniqueConstraint("board_id", "first_year", "version"),)

    board_id: Mapped[int] = mapped_column(ForeignKey("boards.id", ondelete="RESTRICT"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str | None] = mapped_column(Text)
    first_year: Mapped[int] = mapped_column(Integer)
    last_year: Mapped[int] = mapped_column(Integer)
    status: Mapped[AgreementStatus] = enum_column(AgreementStatus, default=AgreementStatus.draft)
    version: Mapped[int] = mapped_column(Integer, default=1)
    # Voimaantulo: the day from which an approved version counts (set by the approval).
    effective_from: Mapped[date | None] = mapped_column(Date)


class Perspective(TenantOwned, Base):
    """Näkökulma: one of the framework agreement's perspectives, e.g. tuottavuus."""

    __tablename__ = "perspectives"
    __table_args__ = (UniqueConstraint("framework_agreement_id", "position"),)

    framework_agreement_id: Mapped[int] = mapped_column(
        ForeignKey("framework_agreements.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    name_fi: Mapped[str] = mapped_column(String(300))
    name_sv: Mapped[str | None] = mapped_column(String(300))


class LongTermGoal(TenantOwned, Base):
    """Pitkän aikavälin tavoite: a row of the framework agreement's goal table."""

    __tablename__ = "long_term_goals"
    __table_args__ = (UniqueConstraint("perspective_id", "code"),)

    perspective_id: Mapped[int] = mapped_column(
        ForeignKey("perspectives.id", ondelete="CASCADE"), index=True
    )
    code: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(Text)
    actions: Mapped[str | None] = mapped_column(Text)  # toimenpiteet ja vastuutaho
    resources: Mapped[list[str]] = mapped_column(JSON, default=list)  # ResourceKind values
    evaluation: Mapped[str | None] = mapped_column(Text)  # arviointimittarit
    boards: Mapped[list[Board]] = relationship(secondary=long_term_goal_boards, lazy="raise")


class ServiceAgreement(TenantOwned, Base):
    """Palvelusopimus: one or more boards × one provider × one year."""

    __tablename__ = "service_agreements"
    __table_args__ = (UniqueConstraint("municipality_id", "code", "version"),)

    code: Mapped[str] = mapped_column(String(40))
    # None: an agreement outside any framework agreement (a voucher scheme, a small purchase).
    framework_agreement_id: Mapped[int | None] = mapped_column(
        ForeignKey("framework_agreements.id", ondelete="RESTRICT"), index=True
    )
    order_budget_id: Mapped[int | None] = mapped_column(
        ForeignKey("order_budgets.id", ondelete="SET NULL"), index=True
    )
    provider_id: Mapped[int] = mapped_column(
        ForeignKey("providers.id", ondelete="RESTRICT"), index=True
    )
    year: Mapped[int] = mapped_column(Integer, index=True)
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str | None] = mapped_column(Text)
    status: Mapped[AgreementStatus] = enum_column(AgreementStatus, default=AgreementStatus.draft)
    version: Mapped[int] = mapped_column(Integer, default=1)
    # Voimaantulo: the day from which an approved version counts (set by the approval).
    effective_from: Mapped[date | None] = mapped_column(Date)
    steering: Mapped[Steering] = enum_column(Steering, default=Steering.purchase,
                                             server_default=Steering.purchase.value)
    boards: Mapped[list[Board]] = relationship(secondary=service_agreement_boards, lazy="raise")


def _board_ids(self: LongTermGoal | ServiceAgreement) -> list[int]:
    return sorted(board.id for board in self.boards)


LongTermGoal.board_ids = property(_board_ids)
ServiceAgreement.board_ids = property(_board_ids)


class OfAgreement(TenantOwned):
    """A row about exactly one agreement version: a framework agreement, an order budget or a
    service agreement (one foreign key each, so that deleting a draft deletes its rows)."""

    @declared_attr
    def framework_agreement_id(cls) -> Mapped[int | None]:
        return mapped_column(ForeignKey("framework_agreements.id", ondelete="CASCADE"), index=True)

    @declared_attr
    def order_budget_id(cls) -> Mapped[int | None]:
        return mapped_column(ForeignKey("order_budgets.id", ondelete="CASCADE"), index=True)

    @declared_attr
    def service_agreement_id(cls) -> Mapped[int | None]:
        return mapped_column(ForeignKey("service_agreements.id", ondelete="CASCADE"), index=True)

    @declared_attr.directive
    def __table_args__(cls) -> tuple[CheckConstraint]:
        one = " + ".join(f"(CASE WHEN {c} IS NULL THEN 0 ELSE 1 END)" for c in (
            "framework_agreement_id", "order_budget_id", "service_agreement_id"))
        return (CheckConstraint(f"{one} = 1", name="one_agreement"),)


class AgreementTransition(OfAgreement, Base):
    """Tilasiirtymä: one step of an agreement version's lifecycle. An approval records the
    board decision (päätös) with the fields of the Finnish open decision API: the deciding
    body (organization), the meeting date (event_date), the § number (article_number) and the
    case's register id (register_id, diaarinumero), with an optional link to the minutes."""

    __tablename__ = "agreement_transitions"

    version: Mapped[int] = mapped_column(Integer)
    from_status: Mapped[AgreementStatus] = enum_column(AgreementStatus)
    to_status: Mapped[AgreementStatus] = enum_column(AgreementStatus)
    organization: Mapped[str | None] = mapped_column(String(300))
    event_date: Mapped[date | None] = mapped_column(Date)
    article_number: Mapped[str | None] = mapped_column(String(20))
    register_id: Mapped[str | None] = mapped_column(String(60))
    minutes_url: Mapped[str | None] = mapped_column(String(500))
    comment: Mapped[str | None] = mapped_column(Text)


class NegotiationComment(OfAgreement, Base):
    """Neuvottelukommentti: a comment on an agreement version in negotiation, typically the
    provider's; kept with the version, never edited."""

    __tablename__ = "negotiation_comments"

    version: Mapped[int] = mapped_column(Integer)
    author_role: Mapped[str] = mapped_column(String(40))
    provider_id: Mapped[int | None] = mapped_column(
        ForeignKey("providers.id", ondelete="SET NULL"), index=True
    )
    text: Mapped[str] = mapped_column(Text)


# What a board's member, a provider's reporter and the public reach (app.core.visibility).
def _frameworks(viewer: Viewer, _: Reach) -> Select[Any]:
    if viewer.board_id is not None:
        return select(FrameworkAgreement.id).where(FrameworkAgreement.board_id == viewer.board_id)
    if viewer.providers is not None:  # the frameworks of his service agreements
        return select(ServiceAgreement.framework_agreement_id).where(
            ServiceAgreement.provider_id.in_(viewer.providers))
    return select(FrameworkAgreement.id).where(FrameworkAgreement.status.in_(PUBLISHED))


def _agreements(viewer: Viewer, _: Reach) -> Select[Any]:
    if viewer.board_id is not None:
        return select(service_agreement_boards.c.service_agreement_id).where(
            service_agreement_boards.c.board_id == viewer.board_id)
    if viewer.providers is not None:
        return select(ServiceAgreement.id).where(ServiceAgreement.provider_id.in_(viewer.providers))
    return select(ServiceAgreement.id).where(ServiceAgreement.status.in_(PUBLISHED))


define_reach("frameworks", _frameworks)
define_reach("agreements", _agreements)
declare(FrameworkAgreement, Visibility.CONTENT,
        lambda reach: FrameworkAgreement.id.in_(reach["frameworks"]))
declare(Perspective, Visibility.CONTENT,
        lambda reach: Perspective.framework_agreement_id.in_(reach["frameworks"]))
declare(LongTermGoal, Visibility.CONTENT, lambda reach: LongTermGoal.perspective_id.in_(
    select(Perspective.id).where(Perspective.framework_agreement_id.in_(reach["frameworks"]))))
declare(ServiceAgreement, Visibility.CONTENT,
        lambda reach: ServiceAgreement.id.in_(reach["agreements"]))
