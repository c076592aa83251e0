"""The rendering job as a task of the queue engine (app.core.queue): a procrastinate task on
PostgreSQL, a picker of the server's in-process runner on SQLite. Both run ``jobs.execute``."""

from contextlib import suppress
from datetime import timedelta

import procrastinate
from sqlalchemy import and_, or_, select

from app.core.db import utcnow
from app.core.queue import local, queue
from app.reports import jobs
from app.reports.models import JobStatus, RenderJob

# SQLite: a running job without a heartbeat (progress) for this long was left by a server that
# stopped; it is run again. A 54-page report renders in ~8 s and reports progress every few.
STALLED = timedelta(minutes=5)


class _Retry(procrastinate.BaseRetryStrategy):
    """Retry until the job has run ``jobs.ATTEMPTS`` times, ``jobs.RETRY_WAIT`` apart (read
    when it fails, as the SQLite runner does)."""

    def get_retry_decision(self, *, exception: BaseException, job: procrastinate.jobs.Job
                           ) -> procrastinate.RetryDecision | None:
        if job.attempts + 1 >= jobs.ATTEMPTS:
            return None
        return procrastinate.RetryDecision(
            retry_in={"seconds": int(jobs.RETRY_WAIT.total_seconds())})


@queue.task(name=jobs.TASK, retry=_Retry())
def render_report(job_id: int) -> None:
    jobs.execute(jobs.sessions(), job_id)


@local.register
def pick_render_job() -> bool:
    """SQLite: run the oldest job that is queued (and due), or that a stopped server left
    running; False when there is none."""
    factory = jobs.sessions()
    now = utcnow()
    with factory() as session:
        if session.get_bind().dialect.name != "sqlite":
            return False
        due = or_(RenderJob.attempts == 0, RenderJob.heartbeat_at.is_(None),
                  RenderJob.heartbeat_at <= now - jobs.RETRY_WAIT)
        job_id = session.scalar(
            select(RenderJob.id).where(or_(
                and_(RenderJob.status == JobStatus.queued, due),
                and_(RenderJob.status == JobStatus.running, RenderJob.heartbeat_at < now - STALLED),
            )).order_by(RenderJob.id).limit(1))
    if job_id is None:
        return False
    with suppress(Exception):  # recorded on the job and logged; it is picked again when due
        jobs.execute(factory, job_id)
    return True
