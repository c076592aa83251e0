"""Order budgets (tilausbudjetit) and their lines."""

from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    Integer,
    Select,
    String,
    Text,
    UniqueConstraint,
    false,
    select,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.agreements.models import PUBLISHED, AgreementStatus
from app.core.db import Base
from app.core.models import MONEY, QUANTITY, TenantOwned, enum_column
from app.core.visibility import Reach, Viewer, Visibility, Writers, declare, define_reach


class PopulationMoment(StrEnum):
    """Väestömomentti of child budgeting: how the money reaches children."""

    direct = "direct"  # suoraan lapselle
    via_family = "via_family"  # perheen kautta
    via_environment = "via_environment"  # ympäristön kautta
    incidental = "incidental"  # satunnaisesti


class AgeSegment(StrEnum):
    age_0_3 = "0-3"
    age_4_8 = "4-8"
    age_9_13 = "9-13"
    age_14_18 = "14-18"
    age_19_29 = "19-29"
    adults = "adults"
    all = "all"


class OrderBudget(TenantOwned, Base):
    """Tilausbudjetti: what one board orders in one year."""

    __tablename__ = "order_budgets"
    __table_args__ = (UniqueConstraint("board_id", "year", "version"),)

    board_id: Mapped[int] = mapped_column(ForeignKey("boards.id", ondelete="RESTRICT"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(300))
    status: Mapped[AgreementStatus] = enum_column(AgreementStatus, default=AgreementStatus.draft)
    version: Mapped[int] = mapped_column(Integer, default=1)
    # Voimaantulo: the day from which an approved version counts (set by the approval).
    effective_from: Mapped[date | None] = mapped_column(Date)


# Ylivuotinen budjetointi: how many years back a chain of carry-overs is followed (a report
# computes them in one pass, oldest first; an export writes their budgets).
CHAIN_YEARS = 10


class OrderBudgetLine(TenantOwned, Base):
    """Tilausrivi: product × provider, in one of three forms: volume × unit price (total = volume ×
    unit price), an appropriation in euros without a volume (määräraha, e.g. a voucher
    scheme's "vajaa 0,5 milj. €": total = the appropriation), or priced by a price list
    (``price_list_id``: total = Σ volume × unit price of its items, app.pricelists).

    ``carry_over``: the line's surplus or deficit of the year before (the same product and
    provider's appropriation and what it carried in itself, minus what was delivered) is
    carried into this year (ylivuotinen budjetointi: a running balance of the unit over the
    years, broken by a year whose line is not marked), app.reports.budget_realisation."""

    __tablename__ = "order_budget_lines"
    __table_args__ = (UniqueConstraint("order_budget_id", "product_id", "provider_id"),)

    order_budget_id: Mapped[int] = mapped_column(
        ForeignKey("order_budgets.id", ondelete="CASCADE"), index=True
    )
    product_id: Mapped[int] = mapped_column(
        ForeignKey("products.id", ondelete="RESTRICT"), index=True
    )
    provider_id: Mapped[int] = mapped_column(
        ForeignKey("providers.id", ondelete="RESTRICT"), index=True
    )
    volume: Mapped[Decimal | None] = mapped_column(QUANTITY)
    unit_price: Mapped[Decimal | None] = mapped_column(MONEY)
    appropriation: Mapped[Decimal | None] = mapped_column(MONEY)
    # A string reference: app.pricelists builds on budgets, not budgets on it.
    price_list_id: Mapped[int | None] = mapped_column(
        ForeignKey("price_lists.id", ondelete="RESTRICT"), index=True)
    total: Mapped[Decimal] = mapped_column(MONEY)
    carry_over: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    population_moment: Mapped[PopulationMoment | None] = enum_column(PopulationMoment,
                                                                      nullable=True)
    age_segment: Mapped[AgeSegment | None] = enum_column(AgeSegment, nullable=True)


class Delivery(TenantOwned, Base):
    """Toteutunut suorite: the volume delivered and the euros spent on an order line in a
    reporting period, submitted by the provider for the budget follow-up."""

    __tablename__ = "deliveries"
    __table_args__ = (UniqueConstraint("order_budget_line_id", "period"),)

    order_budget_line_id: Mapped[int] = mapped_column(
        ForeignKey("order_budget_lines.id", ondelete="CASCADE"), index=True
    )
    period: Mapped[str] = mapped_column(String(10))
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    volume: Mapped[Decimal | None] = mapped_column(QUANTITY)  # none on a line of euros only
    euros: Mapped[Decimal] = mapped_column(MONEY)
    comment: Mapped[str | None] = mapped_column(Text)


# What a board's member, a provider's reporter and the public reach (app.core.visibility).
def _budgets(viewer: Viewer, _: Reach) -> Select[Any]:
    if viewer.board_id is not None:
        return select(OrderBudget.id).where(OrderBudget.board_id == viewer.board_id)
    if viewer.providers is not None:  # the budgets with a line of his
        return select(OrderBudgetLine.order_budget_id).where(
            OrderBudgetLine.provider_id.in_(viewer.providers))
    return select(OrderBudget.id).where(OrderBudget.status.in_(PUBLISHED))


def _lines(viewer: Viewer, reach: Reach) -> Select[Any]:
    if viewer.providers is not None:  # the budget's other providers' lines are not his
        return select(OrderBudgetLine.id).where(OrderBudgetLine.provider_id.in_(viewer.providers))
    return select(OrderBudgetLine.id).where(OrderBudgetLine.order_budget_id.in_(reach["budgets"]))


define_reach("budgets", _budgets)
define_reach("budget lines", _lines)
declare(OrderBudget, Visibility.CONTENT, lambda reach: OrderBudget.id.in_(reach["budgets"]))
declare(OrderBudgetLine, Visibility.CONTENT,
        lambda reach: OrderBudgetLine.id.in_(reach["budget lines"]))
# A provider's reporter reports the deliveries of his own order lines.
declare(Delivery, Visibility.VALUES,
        lambda reach: Delivery.order_budget_line_id.in_(reach["budget lines"]),
        writers=Writers.ALSO_REPORTERS)
