"""Rendering outside the request: a persisted job with progress that the client polls.

The request creates the job and commits; after the response, a background task reads the
report's data in its own session, renders the PDF in a spawned child process (so that the
memory of a large report is returned when it ends) and stores the issued report. One report
renders at a time; others wait queued.
"""

import logging
import threading
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth.authz import require_write
from app.auth.models import User
from app.core.access import get_readable
from app.core.db import as_utc, get_sessionmaker, utcnow
from app.core.errors import DomainError
from app.organisations.models import Board
from app.reports import render, service
from app.reports.agreement_document import agreement_document
from app.reports.models import IssuedReport, JobStatus, RenderJob, ReportKind
from app.reports.service import ReportSpec

log = logging.getLogger(__name__)

SessionFactory = Callable[[], AbstractContextManager[Session]]

_one_at_a_time = threading.Lock()
# No progress for this long: the process that ran the job is gone. A 54-page report renders in
# ~8 s, and a queued job waits for the ones before it.
ABANDONED = timedelta(minutes=30)


def get_session_factory() -> SessionFactory:
    """Where background jobs get their sessions (a dependency, so tests can swap it)."""
    return get_sessionmaker()


def settle_if_abandoned(session: Session, job: RenderJob) -> RenderJob:
    """A job the server stopped working on (it was restarted mid-render) is failed, not left
    "running" for ever: a render reports progress every few seconds."""
    if job.status in {JobStatus.queued, JobStatus.running} \
            and as_utc(job.updated_at) < utcnow() - ABANDONED:
        job.status, job.stage = JobStatus.failed, "failed"
        job.error = ("The rendering was interrupted: the server stopped while it was working. "
                     "Start it again.")
        session.flush()
    return job


def spec_of(job: RenderJob) -> ReportSpec:
    return ReportSpec(kind=job.kind, language=job.language.value, board_id=job.board_id,
                      period=job.period, service_agreement_id=job.service_agreement_id)


def start(session: Session, user: User, spec: ReportSpec) -> RenderJob:
    """Check the request now (the caller gets 4xx at once), queue the job."""
    require_write(user, IssuedReport)
    if spec.kind is ReportKind.follow_up:
        assert spec.board_id is not None and spec.period is not None
        board = get_readable(session, Board, spec.board_id, user)
        municipality_id, board_id = board.municipality_id, board.id
    else:
        assert spec.service_agreement_id is not None
        # Building the document's data checks the agreement and the board; it is cheap.
        data = agreement_document(session, user, spec.service_agreement_id,
                                  spec.language, spec.board_id)
        municipality_id, board_id = data.municipality.id, data.board.id
    job = RenderJob(
        municipality_id=municipality_id, board_id=board_id, kind=spec.kind, period=spec.period,
        service_agreement_id=spec.service_agreement_id, language=spec.language,
        status=JobStatus.queued, progress=0, stage="queued",
        created_by=user.username, updated_by=user.username,
    )
    session.add(job)
    session.flush()
    return job


def run(factory: SessionFactory, job_id: int) -> None:
    """The job itself (a background task): data, PDF in a child process, issued report."""
    with factory() as session:
        job = session.get_one(RenderJob, job_id)
        last = {"progress": -1}

        def update(progress: int, stage: str, *, force: bool = False) -> None:
            # Commit when the progress moves visibly, so that pollers see it.
            if force or progress - last["progress"] >= 3:
                job.status, job.progress, job.stage = JobStatus.running, progress, stage[:100]
                session.commit()
                last["progress"] = progress

        try:
            with _one_at_a_time:
                user = session.scalar(select(User).where(User.username == job.created_by))
                if user is None or not user.is_active:
                    raise DomainError(f"User {job.created_by} may no longer issue reports")
                update(2, "reading the data", force=True)
                data = service.build(session, user, spec_of(job))
                update(8, "writing HTML", force=True)
                html = render.render_html(data)
                rendered = render.render_in_child(
                    html, data, lambda pct, stage: update(10 + pct * 85 // 100, stage))
                update(96, "storing the report", force=True)
                report = service.store(session, user, data, rendered.pdf, rendered.pages)
                job.issued_report_id = report.id
                job.status, job.progress, job.stage = JobStatus.done, 100, "done"
                session.commit()
        except Exception as exc:
            session.rollback()
            if isinstance(exc, DomainError):
                error = exc.detail
            else:
                log.exception("rendering job %s failed", job_id)
                error = "The report could not be rendered; the error has been logged."
            job.status, job.stage, job.error = JobStatus.failed, "failed", error
            session.commit()
