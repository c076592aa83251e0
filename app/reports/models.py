"""Issued reports (annetut raportit) and the jobs that render them.

An issued report is a public record: its PDF is stored with its SHA-256 and never changed or
deleted through the application; issuing the same report again stores a new row.
"""

from datetime import datetime
from enum import StrEnum
from typing import Any, ClassVar

from sqlalchemy import DateTime, ForeignKey, Index, Integer, LargeBinary, String, Text, event
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import Base
from app.core.errors import Conflict
from app.core.models import TenantOwned, enum_column
from app.core.visibility import Visibility, declare


class ReportKind(StrEnum):
    follow_up = "follow_up"  # seurantaraportti: a board's follow-up report for a period
    agreement = "agreement"  # palvelusopimus: the service agreement document of one version


class Language(StrEnum):
    fi = "fi"
    sv = "sv"
    en = "en"


class IssuedReport(TenantOwned, Base):
    """Annettu raportti: an immutable PDF/A-3a document with its SHA-256."""

    __tablename__ = "issued_reports"
    __table_args__ = (
        Index("ix_issued_reports_listing", "municipality_id", "board_id", "created_at", "id"),
    )

    board_id: Mapped[int] = mapped_column(ForeignKey("boards.id", ondelete="RESTRICT"), index=True)
    kind: Mapped[ReportKind] = enum_column(ReportKind)
    # The period code of a follow-up report; the agreement (and its version) of an agreement.
    period: Mapped[str | None] = mapped_column(String(10))
    service_agreement_id: Mapped[int | None] = mapped_column(
        ForeignKey("service_agreements.id", ondelete="RESTRICT"), index=True
    )
    subject: Mapped[str] = mapped_column(String(100))  # "2015-T2" or "HML-LANULA-2015-OMA v1"
    language: Mapped[Language] = enum_column(Language)
    title: Mapped[str] = mapped_column(String(300))
    filename: Mapped[str] = mapped_column(String(200))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    pages: Mapped[int] = mapped_column(Integer)
    pdf: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    # Päätösehdotus: what the purchaser proposes the board decide, printed on the first page.
    decision_proposal: Mapped[str | None] = mapped_column(Text)

    @property
    def issued_at(self) -> datetime:
        return self.created_at

    @property
    def issued_by(self) -> str:
        return self.created_by


@event.listens_for(IssuedReport, "before_update")
@event.listens_for(IssuedReport, "before_delete")
def _immutable(_mapper: Any, _connection: Any, report: IssuedReport) -> None:
    raise Conflict(f"Issued report {report.id} is a public record and cannot be changed; "
                   "issue the report again to get a new version")


class JobStatus(StrEnum):
    queued = "queued"
    running = "running"
    done = "done"
    failed = "failed"


FINISHED = frozenset({JobStatus.done, JobStatus.failed})


class RenderJob(TenantOwned, Base):
    """A report rendered outside the request: the client polls its progress."""

    __tablename__ = "render_jobs"
    # The audit trail records the job's creation and its result (the issued report, or the
    # error), not each step of its progress (app.audit.changes.quiet).
    audit_quiet: ClassVar[frozenset[str]] = frozenset(
        {"status", "progress", "stage", "attempts", "heartbeat_at"})

    board_id: Mapped[int] = mapped_column(ForeignKey("boards.id", ondelete="CASCADE"), index=True)
    kind: Mapped[ReportKind] = enum_column(ReportKind)
    period: Mapped[str | None] = mapped_column(String(10))
    service_agreement_id: Mapped[int | None] = mapped_column(
        ForeignKey("service_agreements.id", ondelete="CASCADE"), index=True
    )
    language: Mapped[Language] = enum_column(Language)
    status: Mapped[JobStatus] = enum_column(JobStatus, default=JobStatus.queued)
    progress: Mapped[int] = mapped_column(Integer, default=0)  # per cent
    stage: Mapped[str | None] = mapped_column(String(100))
    error: Mapped[str | None] = mapped_column(Text)
    issued_report_id: Mapped[int | None] = mapped_column(
        ForeignKey("issued_reports.id", ondelete="SET NULL"), index=True
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # When the job last showed life (SQLite's runner retries a running job silent for long).
    heartbeat_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decision_proposal: Mapped[str | None] = mapped_column(Text)  # kept by the issued report


# Issued reports are public documents; rendering is the purchaser's work (app.core.visibility).
declare(IssuedReport, Visibility.PUBLIC_RECORD)
declare(RenderJob, Visibility.PURCHASER_WORK)
