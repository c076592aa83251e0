"""Work done outside the request: procrastinate on PostgreSQL, a runner in the server's own
process on SQLite.

On PostgreSQL the features' tasks are procrastinate tasks of ``queue``; a request asks for one
with ``defer`` on its own session's connection, so the job is queued in the same transaction as
the write that asks for it (both are stored, or neither). ``sopimus worker`` runs them; several
workers on several machines share the queue; procrastinate's locks keep two workers off the
same work and its worker heartbeats let ``retry_stalled_jobs`` give a dead worker's job to
another. The schema is created by our Alembic migrations (0011), not by procrastinate's CLI.

SQLite (the embedded default) has no procrastinate: the features register a *local picker*
(``local.register``) that takes one job of their own tables and runs the same task function;
``local`` runs the pickers in a thread of the server, so ``./scripts/run`` stays one command.
"""

import logging
import threading
from collections.abc import Callable
from contextlib import suppress
from datetime import timedelta
from typing import Any

import procrastinate
from pydantic import BaseModel
from sqlalchemy import Engine, and_, event, or_, select, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from app.core.db import utcnow

log = logging.getLogger(__name__)

# The connector is given when a worker starts (``run_worker``); a request defers on its own
# connection, which needs no pool.
queue = procrastinate.App(connector=procrastinate.PsycopgConnector())

# Seconds without a heartbeat after which a worker counts as dead and its job is retried.
STALLED_AFTER = 60
# The stall check goes before the waiting jobs (procrastinate takes the highest priority first):
# else a worker busy with a backlog runs it only once the backlog is done, and a dead worker's
# job waits behind every job queued after it.
STALL_CHECK_PRIORITY = 100
# Succeeded queue jobs are kept this long, then removed every night: the minute's stall check
# alone leaves 1 440 of them a day. Failed ones stay for the operator; the state a user sees of a
# job is in its own table (render_jobs, bulk_jobs), not here.
KEEP_SUCCEEDED_HOURS = 7 * 24


def on_postgresql(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def defer(session: Session, task: str, *, lock: str | None = None,
          queueing_lock: str | None = None, **kwargs: Any) -> None:
    """Queue ``task`` with ``kwargs`` in the session's transaction (PostgreSQL); on SQLite wake
    the in-process runner, whose pickers find the job in the feature's own table."""
    if not on_postgresql(session):
        session.info[_WAKE] = True  # after the commit: before it, the runner cannot see the job
        return
    connection = session.connection().connection.driver_connection
    queue.configure_task(task, lock=lock, queueing_lock=queueing_lock,
                         connection=connection).defer(**kwargs)


_WAKE = "queue_wake_local_runner"


@event.listens_for(Session, "after_commit")
def _wake_after_commit(session: Session) -> None:
    if session.info.pop(_WAKE, False):
        local.wake()


@event.listens_for(Session, "after_rollback")
def _forget_wake(session: Session) -> None:
    session.info.pop(_WAKE, None)


def postgres_conninfo(url: str) -> str:
    """A libpq URL from an SQLAlchemy one (``postgresql+psycopg://`` → ``postgresql://``)."""
    scheme, rest = url.split("://", 1)
    return f"{scheme.split('+', 1)[0]}://{rest}"


def run_worker(conninfo: str, **options: Any) -> None:
    """Run a procrastinate worker on the database ``conninfo`` (``sopimus worker``; the tests
    with ``wait=False``: until the queue is empty)."""
    connector = procrastinate.PsycopgConnector(conninfo=conninfo)
    with queue.replace_connector(connector) as app:
        app.run_worker(**options)


@queue.periodic(cron="* * * * *")
@queue.task(name="retry_stalled_jobs", queueing_lock="retry_stalled_jobs", pass_context=True,
            priority=STALL_CHECK_PRIORITY)
async def retry_stalled_jobs(context: procrastinate.JobContext, timestamp: int) -> None:
    """Every minute: the jobs of workers that stopped sending heartbeats go back to the queue."""
    await retry_stalled(context.app)


@queue.periodic(cron="17 3 * * *")
@queue.task(name="remove_old_jobs", queueing_lock="remove_old_jobs", pass_context=True)
async def remove_old_jobs(context: procrastinate.JobContext, timestamp: int) -> None:
    """Every night: the queue's succeeded jobs finished more than a week ago are deleted."""
    await remove_old(context.app)


async def remove_old(app: procrastinate.App) -> None:
    await app.job_manager.delete_old_jobs(nb_hours=KEEP_SUCCEEDED_HOURS)


async def retry_stalled(app: procrastinate.App) -> int:
    stalled = await app.job_manager.get_stalled_jobs(seconds_since_heartbeat=STALLED_AFTER)
    count = 0
    for job in stalled:
        log.warning("job %s (%s) of a stalled worker is retried", job.id, job.task_name)
        await app.job_manager.retry_job(job)
        count += 1
    return count


class QueueState(BaseModel):
    """What the readiness check tells of procrastinate's queue (PostgreSQL)."""

    waiting: int  # queued, not yet taken by a worker (a backlog is not a fault)
    running: int
    stalled: int  # running on a worker silent for STALLED_AFTER seconds (retried in a minute)
    failed: int


_STATE = text("""
    SELECT count(*) FILTER (WHERE job.status = 'todo') AS waiting,
           count(*) FILTER (WHERE job.status = 'doing') AS running,
           count(*) FILTER (WHERE job.status = 'doing' AND (job.worker_id IS NULL OR NOT EXISTS (
               SELECT 1 FROM procrastinate_workers w WHERE w.id = job.worker_id
                AND w.last_heartbeat >= now() - make_interval(secs => :seconds)))) AS stalled,
           count(*) FILTER (WHERE job.status = 'failed') AS failed
      FROM procrastinate_jobs job""")


def queue_state(session: Session) -> tuple[QueueState | None, str | None]:
    """The queue's figures, or why it cannot be read (its tables missing: the workers cannot
    run). SQLite has no queue of procrastinate's: (None, None)."""
    if not on_postgresql(session):
        return None, None
    try:
        tables = session.execute(text(
            "SELECT to_regclass('procrastinate_jobs') IS NOT NULL "
            "AND to_regclass('procrastinate_workers') IS NOT NULL")).scalar()
        if not tables:
            return None, ("The job queue's tables (procrastinate_jobs) are missing: run "
                          "`sopimus db upgrade`.")
        row = session.execute(_STATE, {"seconds": STALLED_AFTER}).one()
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        return None, f"The job queue cannot be read ({reason})."
    return QueueState(waiting=row.waiting, running=row.running, stalled=row.stalled,
                      failed=row.failed), None


Picker = Callable[[], bool]
"""Takes one waiting job and runs it; False when there was none."""


def pick_due_job(sessions: Callable[[], Any], model: Any, queued: Any, running: Any,
                 retry_wait: timedelta, stalled: timedelta,
                 execute: Callable[[Any, int], None]) -> bool:
    """SQLite: run the oldest queued job of ``model`` that is due (its first run, or its retry
    wait is over), or one that a stopped server left ``running`` silent for ``stalled``. True
    if one ran; False when there is none (or the database is not SQLite: workers pick there).
    ``model`` has ``status``, ``attempts`` and ``heartbeat_at``."""
    now = utcnow()
    with sessions() as session:
        if session.get_bind().dialect.name != "sqlite":
            return False
        due = or_(model.attempts == 0, model.heartbeat_at.is_(None),
                  model.heartbeat_at <= now - retry_wait)
        job_id = session.scalar(
            select(model.id).where(or_(
                and_(model.status == queued, due),
                and_(model.status == running, model.heartbeat_at < now - stalled),
            )).order_by(model.id).limit(1))
    if job_id is None:
        return False
    with suppress(Exception):  # recorded on the job and logged; it is picked again when due
        execute(sessions, job_id)
    return True


class LocalRunner:
    """SQLite's queue: one thread that runs the registered pickers until none finds work, then
    waits to be woken (``defer``) or for ``POLL`` seconds (a stalled job comes due)."""

    POLL = 30.0

    def __init__(self) -> None:
        self.pickers: list[Picker] = []
        # Called at every turn of the thread only (not by run_until_idle): periodic work that
        # decides itself whether it is due, as procrastinate's periodic tasks on PostgreSQL.
        self.periodic: list[Callable[[], None]] = []
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def register(self, picker: Picker) -> Picker:
        self.pickers.append(picker)
        return picker

    def wake(self) -> None:
        self._wake.set()

    def run_until_idle(self) -> int:
        """Run waiting jobs until there are none; how many ran."""
        ran = 0
        while not self._stop.is_set() and any([picker() for picker in self.pickers]):
            ran += 1
        return ran

    def _loop(self) -> None:
        while not self._stop.is_set():
            self._wake.clear()
            try:
                for work in self.periodic:
                    work()
                self.run_until_idle()
            except Exception:  # a picker's own failure: log it and keep serving
                log.exception("the in-process job runner failed; it goes on")
            self._wake.wait(self.POLL)

    def start(self, engine: Engine) -> None:
        """Start the thread on SQLite (PostgreSQL's jobs are the workers')."""
        if engine.dialect.name != "sqlite" or self._thread is not None:
            return
        self._thread = threading.Thread(target=self._loop, name="sopimus-jobs", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop the thread after the job at hand (a job cut short is run again when due)."""
        if self._thread is None:
            return
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout=60)
        self._thread = None
        self._stop.clear()


local = LocalRunner()
