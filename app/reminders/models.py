"""What the reminders sent: a digest per user and day (so a retried or duplicated run of the
day sends none twice), and each item it told of (so no due date is told of twice)."""

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Date, DateTime, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import Base, utcnow
from app.core.models import enum_column


class ReminderKind(StrEnum):
    due = "due"  # the due date is within the reminder window
    overdue = "overdue"  # the due date has passed and nothing (accepted or waiting) is reported


class ReminderDigest(Base):
    __tablename__ = "reminder_digests"
    __table_args__ = (UniqueConstraint("user_id", "day"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)
    sent_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    items: Mapped[int] = mapped_column(Integer)  # values due or overdue it listed


class ReminderItem(Base):
    """One value a digest told a user of: a measure's lineage (the same measure in every version
    of its agreement), a period, due soon or overdue, by which due date. Its unique key keeps the
    same reminder from being sent twice; a due date moved later is a new one."""

    __tablename__ = "reminder_items"
    __table_args__ = (UniqueConstraint("user_id", "lineage", "period", "kind", "due_date"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    digest_id: Mapped[int] = mapped_column(
        ForeignKey("reminder_digests.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    lineage: Mapped[str] = mapped_column(String(32))
    period: Mapped[str] = mapped_column(String(10))
    kind: Mapped[ReminderKind] = enum_column(ReminderKind)
    due_date: Mapped[date] = mapped_column(Date)
