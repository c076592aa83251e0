"""Reporting deadlines, the history of indicator values, idempotency keys and bulk jobs."""

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, ClassVar

from sqlalchemy import (
    Date,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    event,
    select,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import Base, utcnow
from app.core.errors import Conflict
from app.core.models import VALUE, TenantOwned, enum_column
from app.core.visibility import Visibility, declare
from app.indicators.models import IndicatorValue, ValueStatus


class ReportingDeadline(TenantOwned, Base):
    """Raportoinnin määräpäivä: the due date of one reporting period of a service agreement.

    Periods without a row here are due on the default date of
    app.submissions.rules.default_due_date (the 15th of the second month after the period).
    """

    __tablename__ = "reporting_deadlines"
    __table_args__ = (UniqueConstraint("service_agreement_id", "period"),)

    service_agreement_id: Mapped[int] = mapped_column(
        ForeignKey("service_agreements.id", ondelete="CASCADE"), index=True
    )
    period: Mapped[str] = mapped_column(String(10))
    due_date: Mapped[date] = mapped_column(Date)


class IndicatorValueRevision(TenantOwned, Base):
    """One change of a reported value: a correction, a return or an acceptance.

    ``created_by`` / ``created_at`` say who changed it and when (the API calls them
    ``changed_by`` / ``changed_at``); ``reason`` says why.
    """

    __tablename__ = "indicator_value_revisions"
    # Not in the audit trail: each revision is written with the audited update of its value
    # (who, when, before and after), so an entry of its own would say the same twice.
    audit_trail: ClassVar[bool] = False

    indicator_value_id: Mapped[int] = mapped_column(
        ForeignKey("indicator_values.id", ondelete="CASCADE"), index=True
    )
    old_value: Mapped[Decimal | None] = mapped_column(VALUE)
    new_value: Mapped[Decimal] = mapped_column(VALUE)
    old_comment: Mapped[str | None] = mapped_column(Text)
    new_comment: Mapped[str | None] = mapped_column(Text)
    old_status: Mapped[ValueStatus | None] = enum_column(ValueStatus, nullable=True)
    new_status: Mapped[ValueStatus] = enum_column(ValueStatus)
    reason: Mapped[str | None] = mapped_column(Text)


class NoteKind(StrEnum):
    """What a note on a value's deviation says, and so who writes it."""

    explanation = "explanation"  # selvitys: the provider explains the miss
    corrective_action = "corrective_action"  # korjaava toimenpide, with its due date
    answer = "answer"  # the purchaser's answer
    accepted = "accepted"  # the purchaser accepts the explanation or the action


class DeviationNote(TenantOwned, Base):
    """Poikkeaman käsittely: one note in the conversation about a value that misses its target,
    between its provider and the purchaser. Kept with the value, never edited or deleted:
    ``created_by`` and ``author_role`` say who wrote it."""

    __tablename__ = "deviation_notes"

    indicator_value_id: Mapped[int] = mapped_column(
        ForeignKey("indicator_values.id", ondelete="CASCADE"), index=True
    )
    author_role: Mapped[str] = mapped_column(String(40))
    kind: Mapped[NoteKind] = enum_column(NoteKind)
    text: Mapped[str] = mapped_column(Text)
    action_due: Mapped[date | None] = mapped_column(Date)  # a corrective action's due date


@event.listens_for(DeviationNote, "before_update")
@event.listens_for(DeviationNote, "before_delete")
def _append_only(_mapper: Any, _connection: Any, note: DeviationNote) -> None:
    raise Conflict(f"Note {note.id} is kept as written; add a new note instead")


class IdempotencyKey(Base):
    """A write request answered under a client's Idempotency-Key, per user.

    The same key with the same request gets the stored answer again; nothing is written twice.
    """

    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("user_id", "key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(200))
    request_hash: Mapped[str] = mapped_column(String(64))
    response_status: Mapped[int] = mapped_column(Integer)
    response_body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class BulkJobStatus(StrEnum):
    queued = "queued"
    running = "running"
    done = "done"
    failed = "failed"


class BulkJobKind(StrEnum):
    values = "values"  # a provider's file of values (app.submissions.bulk)
    sotkanet = "sotkanet"  # Sotkanet's data and regions files (app.submissions.sotkanet)


class BulkJob(Base):
    """A large file of values applied outside the request (app.submissions.bulk_jobs).

    The user's own: only he sees it. The upload is kept until the job is finished, then
    emptied. Not audited as such: the values it stores are (each insert and update).
    """

    __tablename__ = "bulk_jobs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[BulkJobKind] = enum_column(BulkJobKind, default=BulkJobKind.values)
    # values: whose; sotkanet: the municipality asked for (an installation admin's), if any
    provider_id: Mapped[int | None] = mapped_column(
        ForeignKey("providers.id", ondelete="CASCADE"))
    municipality_id: Mapped[int | None] = mapped_column(
        ForeignKey("municipalities.id", ondelete="CASCADE"))
    filename: Mapped[str] = mapped_column(String(200))
    data: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    regions: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)  # sotkanet
    status: Mapped[BulkJobStatus] = enum_column(BulkJobStatus, default=BulkJobStatus.queued)
    progress: Mapped[int] = mapped_column(Integer, default=0)  # per cent
    stage: Mapped[str | None] = mapped_column(String(100))
    error: Mapped[str | None] = mapped_column(Text)
    # JSON: the BulkResult of a job done, or the problem (with the rows' errors) of one failed.
    result: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    heartbeat_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow,
                                                 onupdate=utcnow)


class StagedUpload(Base):
    """A previewed upload kept for a short while (app.submissions.staged), in the database so
    that the store may reach any API process on any machine. The user's own; not audited (the
    values stored from it are)."""

    __tablename__ = "staged_uploads"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)  # sha256 of the token
    filename: Mapped[str] = mapped_column(String(255))
    data: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow,
                                                 index=True)


# Deadlines go with the service agreements, revisions with their values (app.core.visibility).
declare(ReportingDeadline, Visibility.CONTENT,
        lambda reach: ReportingDeadline.service_agreement_id.in_(reach["agreements"]))
declare(DeviationNote, Visibility.VALUES,
        lambda reach: DeviationNote.indicator_value_id.in_(
            select(IndicatorValue.id).where(IndicatorValue.measure_id.in_(reach["measures"]))))
declare(IndicatorValueRevision, Visibility.VALUES,
        lambda reach: IndicatorValueRevision.indicator_value_id.in_(
            select(IndicatorValue.id).where(IndicatorValue.measure_id.in_(reach["measures"]))))
