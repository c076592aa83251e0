"""The rendering job as a task of the queue engine (app.core.queue): a procrastinate task on
PostgreSQL, a picker of the server's in-process runner on SQLite. Both run ``jobs.execute``."""

from datetime import timedelta

import procrastinate

from app.core.queue import local, pick_due_job, queue
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
    return pick_due_job(jobs.sessions(), RenderJob, JobStatus.queued, JobStatus.running,
                        jobs.RETRY_WAIT, STALLED, jobs.execute)
