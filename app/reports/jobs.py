"""Rendering outside the request: a persisted job with progress that the client polls.

The request checks what is asked, stores the job and queues its task in the same transaction
(app.core.queue: procrastinate on PostgreSQL, the server's own runner on SQLite). The task
(``execute``, app.reports.tasks runs it) reads the report's data in its own session, renders
the PDF in a spawned child process (so that the memory of a large report is returned when it
ends) and stores the issued report and the job's result in one commit.

A job is idempotent: a finished one (done or failed) is left as it is when its task runs
again. A failed attempt is retried ``ATTEMPTS`` times in all; a domain error (the requester
may no longer issue reports) is final at once. Progress is not audited (RenderJob.audit_quiet);
the job's creation and its result are.
"""

import logging
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth.authz import require_write
from app.auth.models import User
from app.core import metrics
from app.core.access import get_readable
from app.core.audit import set_actor
from app.core.db import get_sessionmaker, utcnow
from app.core.errors import DomainError
from app.core.logs import job_context
from app.core.queue import defer
from app.organisations.models import Board
from app.reports import render, service
from app.reports.agreement_document import agreement_document
from app.reports.models import FINISHED, IssuedReport, JobStatus, RenderJob, ReportKind
from app.reports.service import ReportSpec

log = logging.getLogger(__name__)

SessionFactory = Callable[[], AbstractContextManager[Session]]

TASK = "reports.render"
# Runs of a job in all, the first included, and the wait before the next one.
ATTEMPTS = 3
RETRY_WAIT = timedelta(seconds=10)


def sessions() -> SessionFactory:
    """Where a job's task gets its session (a function, so that tests can point it elsewhere)."""
    return get_sessionmaker()


def spec_of(job: RenderJob) -> ReportSpec:
    return ReportSpec(kind=job.kind, language=job.language.value, board_id=job.board_id,
                      period=job.period, service_agreement_id=job.service_agreement_id,
                      decision_proposal=job.decision_proposal)


def report_lock(job: RenderJob) -> str:
    """One report (kind, subject, language): its jobs render one after the other, never two at
    once on two workers."""
    subject = job.period if job.kind == ReportKind.follow_up else job.service_agreement_id
    return f"report:{job.kind}:{job.board_id}:{subject}:{job.language}"


def start(session: Session, user: User, spec: ReportSpec) -> RenderJob:
    """Check the request now (the caller gets 4xx at once), store the job and queue it."""
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
        status=JobStatus.queued, progress=0, stage="queued", attempts=0,
        decision_proposal=spec.decision_proposal,
        created_by=user.username, updated_by=user.username,
    )
    session.add(job)
    session.flush()
    # The queueing lock refuses a second queued copy of the same job.
    defer(session, TASK, lock=report_lock(job), queueing_lock=f"render-job-{job.id}",
          job_id=job.id)
    return job


class Retry(Exception):
    """The attempt failed and the job will be tried again (the queue engine sees it raised)."""


def execute(factory: SessionFactory, job_id: int) -> None:
    """Run the job once: nothing if it is finished (or gone); else one attempt. Raises
    ``Retry`` (or the attempt's error, on the last) when it failed for a reason that may pass."""
    started = time.perf_counter()
    with job_context(TASK, job_id), factory() as session:
        job = session.get(RenderJob, job_id)
        if job is None or job.status in FINISHED:
            return
        set_actor(session, job.created_by)  # the result is the requester's doing
        job.attempts += 1
        job.status, job.stage, job.heartbeat_at = JobStatus.running, "started", utcnow()
        session.commit()
        try:
            _render(session, job)
        except Exception as exc:
            session.rollback()
            try:
                _attempt_failed(session, job, exc)
            finally:
                outcome = "failed" if job.status is JobStatus.failed else "retried"
                metrics.job_finished(TASK, outcome, time.perf_counter() - started)
        else:
            metrics.job_finished(TASK, "done", time.perf_counter() - started)


def _attempt_failed(session: Session, job: RenderJob, exc: Exception) -> None:
    if isinstance(exc, DomainError):
        error = exc.detail
    else:
        log.exception("rendering job %s failed (attempt %s of %s)", job.id, job.attempts, ATTEMPTS)
        error = "The report could not be rendered; the error has been logged."
    if isinstance(exc, DomainError) or job.attempts >= ATTEMPTS:
        job.status, job.stage, job.error = JobStatus.failed, "failed", error
        session.commit()
        if isinstance(exc, DomainError):
            return  # final: the same request would fail the same way
        raise exc
    job.status, job.progress = JobStatus.queued, 0
    job.stage = f"attempt {job.attempts} failed; retrying"
    job.heartbeat_at = utcnow()
    session.commit()
    raise Retry(error) from exc


def _render(session: Session, job: RenderJob) -> None:
    last = {"progress": -1}

    def update(progress: int, stage: str, *, force: bool = False) -> None:
        # Commit when the progress moves visibly, so that pollers see it; the heartbeat tells
        # SQLite's runner that the job is alive.
        if force or progress - last["progress"] >= 3:
            job.progress, job.stage, job.heartbeat_at = progress, stage[:100], utcnow()
            session.commit()
            last["progress"] = progress

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
    # The issued report and the job's result in one commit: a worker that dies before it
    # leaves neither, and the job's next run renders it once.
    report = service.store(session, user, data, rendered.pdf, rendered.pages)
    job.issued_report_id = report.id
    job.status, job.progress, job.stage, job.error = JobStatus.done, 100, "done", None
    session.commit()
