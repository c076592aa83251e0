"""Service vouchers (palveluseteli): a scheme per service and year, its value table, the register
of approved voucher providers and their follow-up figures.

A voucher is not ordered from a provider on an order line: the customer chooses among the
providers the municipality has approved (continuously, not by tendering), and the municipality
pays the voucher's value. A scheme therefore carries its own rules (the voucher's value, fixed
or by income band and household size, and the customer's deductible), its budget in euros and
in vouchers, and the register; the providers report counts only (vouchers granted and used,
euros, customers served), never a person's data.
"""

from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import Date, ForeignKey, Integer, Select, String, Text, UniqueConstraint, select
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import Base
from app.core.models import MONEY, TenantOwned, enum_column
from app.core.visibility import Reach, Viewer, Visibility, Writers, declare, define_reach


class ValueRule(StrEnum):
    fixed = "fixed"  # one value for every customer
    income_table = "income_table"  # by the household's income band and size (tulosidonnainen)


class VoucherScheme(TenantOwned, Base):
    """Palveluseteli: one voucher of a board for a service (a product of the catalogue) in a
    year. Two schemes may cover one product (e.g. two values for one service), told apart by
    their codes."""

    __tablename__ = "voucher_schemes"
    __table_args__ = (UniqueConstraint("municipality_id", "code", "year"),)

    board_id: Mapped[int] = mapped_column(ForeignKey("boards.id", ondelete="CASCADE"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="RESTRICT"),
                                            index=True)
    code: Mapped[str] = mapped_column(String(40))
    year: Mapped[int] = mapped_column(Integer)
    name_fi: Mapped[str] = mapped_column(String(300))
    name_sv: Mapped[str | None] = mapped_column(String(300))
    value_rule: Mapped[ValueRule] = enum_column(ValueRule)
    fixed_value: Mapped[Decimal | None] = mapped_column(MONEY)
    # Omavastuuosuus: the least a customer pays of each service the voucher is used for.
    deductible: Mapped[Decimal] = mapped_column(MONEY, default=Decimal(0))
    budget_euros: Mapped[Decimal] = mapped_column(MONEY)
    budget_vouchers: Mapped[int | None] = mapped_column(Integer)


class VoucherValue(TenantOwned, Base):
    """A row of an income-related scheme's table: the voucher's value for a household of
    ``household_size`` persons (or more, in the table's largest size) in income band
    ``income_band``, whose monthly gross income is at most ``income_limit`` (none: no limit)."""

    __tablename__ = "voucher_values"
    __table_args__ = (UniqueConstraint("scheme_id", "income_band", "household_size"),)

    scheme_id: Mapped[int] = mapped_column(ForeignKey("voucher_schemes.id", ondelete="CASCADE"),
                                           index=True)
    income_band: Mapped[str] = mapped_column(String(40))
    household_size: Mapped[int] = mapped_column(Integer)
    income_limit: Mapped[Decimal | None] = mapped_column(MONEY)
    value: Mapped[Decimal] = mapped_column(MONEY)


class VoucherProvider(TenantOwned, Base):
    """The register of approved voucher providers: a provider's application to a scheme, the
    decision that approved it and, if so, its suspension."""

    __tablename__ = "voucher_providers"
    __table_args__ = (UniqueConstraint("scheme_id", "provider_id"),)

    scheme_id: Mapped[int] = mapped_column(ForeignKey("voucher_schemes.id", ondelete="CASCADE"),
                                           index=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("providers.id", ondelete="RESTRICT"),
                                             index=True)
    applied_on: Mapped[date] = mapped_column(Date)
    approved_on: Mapped[date | None] = mapped_column(Date)
    suspended_on: Mapped[date | None] = mapped_column(Date)
    decision: Mapped[str | None] = mapped_column(String(300))  # e.g. "LANULA 12.12.2013 § 145"


class VoucherReport(TenantOwned, Base):
    """An approved provider's follow-up of a reporting period: counts only."""

    __tablename__ = "voucher_reports"
    __table_args__ = (UniqueConstraint("voucher_provider_id", "period"),)

    voucher_provider_id: Mapped[int] = mapped_column(
        ForeignKey("voucher_providers.id", ondelete="CASCADE"), index=True)
    period: Mapped[str] = mapped_column(String(10))
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    vouchers_granted: Mapped[int] = mapped_column(Integer)
    vouchers_used: Mapped[int] = mapped_column(Integer)
    euros: Mapped[Decimal] = mapped_column(MONEY)
    customers: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str | None] = mapped_column(Text)


# What a board's member and a provider's reporter reach (app.core.visibility). The public
# reaches nothing here through the API: the follow-up is published in the board's reports.
def _schemes(viewer: Viewer, _: Reach) -> Select[Any]:
    if viewer.board_id is not None:
        return select(VoucherScheme.id).where(VoucherScheme.board_id == viewer.board_id)
    if viewer.providers is not None:  # the schemes he is in the register of
        return select(VoucherProvider.scheme_id).where(
            VoucherProvider.provider_id.in_(viewer.providers))
    return select(VoucherScheme.id).where(VoucherScheme.id.is_(None))


def _approvals(viewer: Viewer, reach: Reach) -> Select[Any]:
    if viewer.providers is not None:  # his own entries; the other providers' are not his
        return select(VoucherProvider.id).where(VoucherProvider.provider_id.in_(viewer.providers))
    return select(VoucherProvider.id).where(VoucherProvider.scheme_id.in_(reach["voucher schemes"]))


define_reach("voucher schemes", _schemes)
define_reach("voucher approvals", _approvals)
declare(VoucherScheme, Visibility.CONTENT,
        lambda reach: VoucherScheme.id.in_(reach["voucher schemes"]))
declare(VoucherValue, Visibility.CONTENT,
        lambda reach: VoucherValue.scheme_id.in_(reach["voucher schemes"]))
declare(VoucherProvider, Visibility.CONTENT,
        lambda reach: VoucherProvider.id.in_(reach["voucher approvals"]))
# A provider's reporter reports the follow-up of his own entries in the register.
declare(VoucherReport, Visibility.VALUES,
        lambda reach: VoucherReport.voucher_provider_id.in_(reach["voucher approvals"]),
        writers=Writers.ALSO_REPORTERS)
