"""Large bulk uploads (and Sotkanet loads) applied outside the request, as tasks of the queue
(app.core.queue).

The request stores the upload (bounded by the route, files.MAX_BYTES) as a job of the user's
own and queues its task in the same transaction: procrastinate on PostgreSQL, the server's own
runner on SQLite. The task checks and stores the file with the rules of a synchronous upload
(app.submissions.bulk): every row or nothing. The values and the job's result are stored in one
commit, and a job found finished is left as it is, so a task run twice stores nothing twice.
A file with bad rows fails the job with the rows' errors; nothing is stored. A Sotkanet load
(its data and regions files) is a job of the same kind, run by app.submissions.sotkanet. The upload is
emptied when the job is finished.
"""

import json
import logging
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import date, timedelta

import procrastinate
from fastapi.encoders import jsonable_encoder
from sqlalchemy.orm import Session

from app.auth.models import User
from app.core import metrics
from app.core.audit import set_actor
from app.core.db import get_sessionmaker, utcnow
from app.core.errors import DomainError, NotFound
from app.core.i18n import N_, t
from app.core.logs import job_context
from app.core.queue import defer, local, pick_due_job, queue
from app.submissions import bulk, sotkanet
from app.submissions.models import BulkJob, BulkJobKind, BulkJobStatus
from app.submissions.schemas import BulkJobRead

log = logging.getLogger(__name__)

SessionFactory = Callable[[], AbstractContextManager[Session]]

TASK = "submissions.bulk"
ATTEMPTS = 3  # runs in all of a job whose attempt failed for a reason that may pass
RETRY_WAIT = timedelta(seconds=10)
STALLED = timedelta(minutes=5)  # SQLite: a running job this silent was left by a stopped server
FINISHED = frozenset({BulkJobStatus.done, BulkJobStatus.failed})


def sessions() -> SessionFactory:
    """Where the task gets its session (a function, so that tests can point it elsewhere)."""
    return get_sessionmaker()


def start(session: Session, user: User, provider_id: int, filename: str, data: bytes) -> BulkJob:
    """Store the upload as the user's job and queue its task in the request's transaction."""
    return _queue(session, BulkJob(kind=BulkJobKind.values, user_id=user.id,
                                   provider_id=provider_id, filename=filename[:200], data=data))


def start_sotkanet(session: Session, user: User, municipality_id: int | None, data: bytes,
                   regions: bytes) -> BulkJob:
    """Store Sotkanet's two files as the user's job and queue its task."""
    return _queue(session, BulkJob(kind=BulkJobKind.sotkanet, user_id=user.id,
                                   municipality_id=municipality_id, filename="sotkanet",
                                   data=data, regions=regions))


def _queue(session: Session, job: BulkJob) -> BulkJob:
    job.status, job.progress, job.stage, job.attempts = BulkJobStatus.queued, 0, "queued", 0
    session.add(job)
    session.flush()
    defer(session, TASK, lock=f"bulk-job-{job.id}", queueing_lock=f"bulk-job-{job.id}",
          job_id=job.id)
    return job


def get_own(session: Session, user: User, job_id: int) -> BulkJob:
    """The user's own job; another's is not there for him."""
    job = session.get(BulkJob, job_id)
    if job is None or job.user_id != user.id:
        key, values = N_("detail_no_bulk_job"), {"id": job_id}
        raise NotFound(t(key, "en", **values), message=(key, values))
    return job


def read(job: BulkJob) -> BulkJobRead:
    """The job as its owner sees it: the result of one done, the rows' errors of one failed."""
    fields: dict[str, object] = {
        "id": job.id, "kind": job.kind.value, "provider_id": job.provider_id,
        "municipality_id": job.municipality_id, "filename": job.filename,
        "status": job.status.value, "progress": job.progress, "stage": job.stage,
        "attempts": job.attempts, "created_at": job.created_at, "updated_at": job.updated_at,
        "error": job.error}
    stored = json.loads(job.result) if job.result else None
    if stored is not None and job.status is BulkJobStatus.done:
        fields["result"] = stored
    elif stored is not None:
        fields.update({key: stored.get(key) for key in
                       ("errors", "rows_with_errors", "errors_not_listed")})
    return BulkJobRead.model_validate(fields)


class Retry(Exception):
    """The attempt failed for a reason that may pass; the job is tried again."""


def execute(factory: SessionFactory, job_id: int) -> None:
    """Run the job once: nothing if it is finished (or gone); else one attempt."""
    started = time.perf_counter()
    with job_context(TASK, job_id), factory() as session:
        job = session.get(BulkJob, job_id)
        if job is None or job.status in FINISHED:
            return
        user = session.get(User, job.user_id)
        job.attempts += 1
        job.status, job.stage, job.heartbeat_at = BulkJobStatus.running, "checking", utcnow()
        session.commit()
        try:
            if user is None or not user.is_active:
                raise DomainError(f"User {job.user_id} may no longer upload values")
            set_actor(session, user.username)  # the values are the uploader's doing
            result = _apply(session, user, job)
        except DomainError as exc:  # final: the same file would fail the same way
            session.rollback()
            body = {"status": exc.status, "detail": exc.detail, **jsonable_encoder(exc.extra)}
            _finish(session, job, BulkJobStatus.failed, body, exc.detail)
            metrics.job_finished(TASK, "failed", time.perf_counter() - started)
            return
        except Exception as exc:
            session.rollback()
            _attempt_failed(session, job, exc, started)
            return
        # The values and the job's result in one commit: a retried task finds the job done.
        _finish(session, job, BulkJobStatus.done, jsonable_encoder(result), None)
        metrics.job_finished(TASK, "done", time.perf_counter() - started)


def _apply(session: Session, user: User, job: BulkJob) -> object:
    """Check and store the job's files as the synchronous request would; its answer."""
    if job.kind is BulkJobKind.sotkanet:
        values = sotkanet.parse_values(job.data)
        regions = sotkanet.parse_regions(job.regions or b"")
        return sotkanet.load(session, user, values, regions, municipality_id=job.municipality_id)
    assert job.provider_id is not None
    return bulk.import_file(session, user, job.data, job.filename, job.provider_id,
                            dry_run=False, today=date.today())


def _finish(session: Session, job: BulkJob, status: BulkJobStatus, body: object,
            error: str | None) -> None:
    job.status, job.progress, job.stage, job.error = status, 100, status.value, error
    job.result = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
    job.data, job.regions = b"", None  # the upload is not kept once applied or refused
    job.heartbeat_at = utcnow()
    session.commit()


def _attempt_failed(session: Session, job: BulkJob, exc: Exception, started: float) -> None:
    log.error("bulk job %s failed (attempt %s of %s)", job.id, job.attempts, ATTEMPTS,
              exc_info=exc)
    error = "The file could not be applied; the error has been logged."
    if job.attempts >= ATTEMPTS:
        _finish(session, job, BulkJobStatus.failed, {"status": 500, "detail": error}, error)
        metrics.job_finished(TASK, "failed", time.perf_counter() - started)
        raise exc
    job.status, job.progress = BulkJobStatus.queued, 0
    job.stage = f"attempt {job.attempts} failed; retrying"
    job.heartbeat_at = utcnow()
    session.commit()
    metrics.job_finished(TASK, "retried", time.perf_counter() - started)
    raise Retry(error) from exc


@queue.task(name=TASK, retry=procrastinate.RetryStrategy(
    max_attempts=ATTEMPTS - 1, wait=int(RETRY_WAIT.total_seconds())))
def apply_bulk_file(job_id: int) -> None:
    execute(sessions(), job_id)


@local.register
def pick_bulk_job() -> bool:
    """SQLite: run the oldest queued (and due) job, or one a stopped server left running."""
    return pick_due_job(sessions(), BulkJob, BulkJobStatus.queued, BulkJobStatus.running,
                        RETRY_WAIT, STALLED, execute)
