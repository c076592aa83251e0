"""Rendering jobs end to end on a database that really commits: on PostgreSQL queued in
procrastinate and run by a worker (until the queue is empty), on SQLite run by the server's own
runner. Requested through the API, polled through it, retried, failed, left by a dead worker."""

import asyncio
import io
import json
import logging
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, TypeVar

import procrastinate
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select, text, update
from sqlalchemy.orm import Session, sessionmaker

from app.audit.models import AuditEntry
from app.auth import ratelimit
from app.auth.models import Role, User
from app.core.db import open_session, utcnow
from app.core.logs import make_handler
from app.core.queue import defer, local, postgres_conninfo, queue, remove_old, retry_stalled, run_worker
from app.main import app
from app.reports import jobs, render, tasks
from app.reports import router as reports_router
from app.reports.models import IssuedReport, RenderJob, ReportKind
from app.reports.service import ReportSpec
from app.submissions import bulk_jobs
from tests.helpers import auth, create_user
from tests.reports.helpers import Demo, pdf_text, small_world

API = "/api/v1/reports"


@dataclass
class Live:
    client: TestClient
    engine: Engine
    sessions: sessionmaker[Session]
    demo: Demo
    username: str
    director: dict[str, str]

    @property
    def postgresql(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    def conninfo(self) -> str:
        return postgres_conninfo(self.engine.url.render_as_string(hide_password=False))

    def run_jobs(self) -> None:
        """What `sopimus worker` (PostgreSQL) or the server's runner (SQLite) does, until no
        job is left."""
        if self.postgresql:
            run_worker(self.conninfo(), wait=False, install_signal_handlers=False,
                       listen_notify=False)
        else:
            local.run_until_idle()

    def request(self, **extra: Any) -> str:
        body = {"kind": "follow_up", "board_id": self.demo.board.id, "period": "2015-T2", **extra}
        started = self.client.post(f"{API}/jobs", headers=self.director, json=body)
        assert started.status_code == 202, started.text
        assert started.json()["status"] == "queued"
        return started.headers["location"]

    def poll_as_admin(self, location: str) -> dict[str, Any]:
        with self.sessions() as session:
            headers = auth(session, create_user(session, Role.admin))
            session.commit()
        answer = self.client.get(location, headers=headers)
        assert answer.status_code == 200, answer.text
        job: dict[str, Any] = answer.json()
        return job

    def poll(self, location: str) -> dict[str, Any]:
        answer = self.client.get(location, headers=self.director)
        assert answer.status_code == 200, answer.text
        job: dict[str, Any] = answer.json()
        return job


@pytest.fixture
def live(committing_engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[Live]:
    factory = sessionmaker(bind=committing_engine, expire_on_commit=False, autoflush=False)
    with factory() as session:
        demo = small_world(session)
        user = create_user(session, Role.purchaser_director, demo.municipality)
        username, director = user.username, auth(session, user)
        session.commit()

    def session_override() -> Iterator[Session]:
        with factory() as session:
            yield session

    app.dependency_overrides[open_session] = session_override
    monkeypatch.setattr(jobs, "sessions", lambda: factory)
    monkeypatch.setattr(bulk_jobs, "sessions", lambda: factory)  # the runner asks it too
    monkeypatch.setattr(jobs, "RETRY_WAIT", timedelta(0))  # retried at once
    ratelimit.reset()
    with TestClient(app, raise_server_exceptions=False) as client:
        yield Live(client, committing_engine, factory, demo, username, director)
    app.dependency_overrides.clear()


def test_a_requested_job_is_rendered_and_its_pdf_downloaded(
        live: Live, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reports_router, "SYNC_MEASURE_LIMIT", 0)  # the board has one measure
    too_large = live.client.post(f"{API}/issued", headers=live.director,
                                 json={"kind": "follow_up", "board_id": live.demo.board.id,
                                       "period": "2015-T2"})
    assert too_large.json()["jobs"] == f"{API}/jobs"

    location = live.request(language="sv")
    job = live.poll(location)
    assert location == f"{API}/jobs/{job['id']}"
    assert job["status"] == "queued"
    live.run_jobs()
    job = live.poll(location)
    assert (job["status"], job["progress"], job["attempts"], job["error"]) == ("done", 100, 1, None)
    download = live.client.get(f"{API}/issued/{job['issued_report_id']}/pdf", headers=live.director)
    assert download.status_code == 200
    assert "Uppföljningsrapport" in pdf_text(download.content)


def test_the_audit_trail_has_the_jobs_creation_and_result_not_its_progress(live: Live) -> None:
    job_id = live.poll(live.request())["id"]
    live.run_jobs()
    with live.sessions() as session:
        entries = session.scalars(select(AuditEntry).where(
            AuditEntry.entity == "render_jobs", AuditEntry.entity_id == job_id)
            .order_by(AuditEntry.id)).all()
        report_id = session.get_one(RenderJob, job_id).issued_report_id
    assert [(e.action, e.user) for e in entries] == [("create", live.username),
                                                      ("update", live.username)]
    assert entries[1].after is not None
    assert (entries[1].after["status"], entries[1].after["issued_report_id"]) == ("done", report_id)


def test_a_job_whose_task_fails_is_retried_then_failed_with_its_error(
        live: Live, monkeypatch: pytest.MonkeyPatch) -> None:
    runs = []

    def broken(*_: Any, **__: Any) -> Any:
        runs.append(1)
        raise render.RenderFailed("The rendering process ended without a result (exit code -9)")

    monkeypatch.setattr(render, "render_in_child", broken)
    location = live.request()
    live.run_jobs()
    job = live.poll(location)
    assert (job["status"], job["attempts"], job["issued_report_id"]) == ("failed", jobs.ATTEMPTS, None)
    assert job["error"] == "The report could not be rendered; the error has been logged."
    assert len(runs) == jobs.ATTEMPTS
    assert live.client.get(f"{API}/issued", headers=live.director).json()["total"] == 0


def test_a_jobs_log_lines_name_the_job(live: Live, monkeypatch: pytest.MonkeyPatch) -> None:
    """The worker's lines (SOPIMUS_LOG_FORMAT=json) carry the task and the job's id."""
    def broken(*_: Any, **__: Any) -> Any:
        raise render.RenderFailed("The rendering process ended without a result (exit code -9)")

    monkeypatch.setattr(render, "render_in_child", broken)
    monkeypatch.setattr(jobs, "ATTEMPTS", 1)
    stream = io.StringIO()
    handler = make_handler("json", stream)
    logging.getLogger().addHandler(handler)
    try:
        job_id = live.poll(live.request())["id"]
        live.run_jobs()
    finally:
        logging.getLogger().removeHandler(handler)
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    [failed] = [line for line in lines if line["logger"] == "app.reports.jobs"]
    assert (failed["level"], failed["job_task"], failed["job_id"]) == ("ERROR", jobs.TASK, job_id)
    assert failed["message"] == f"rendering job {job_id} failed (attempt 1 of 1)"


def test_a_job_that_can_no_longer_be_done_fails_at_once(live: Live) -> None:
    location = live.request()
    with live.sessions() as session:
        session.execute(update(User).where(User.username == live.username).values(is_active=False))
        session.commit()
    live.run_jobs()
    job = live.poll_as_admin(location)
    assert (job["status"], job["attempts"]) == ("failed", 1)
    assert job["error"] == f"User {live.username} may no longer issue reports"


def _die_mid_job(live: Live, job_id: int, *, silent: bool = True) -> None:
    """A worker took the job, marked it running and died (its heartbeat stopped; with
    ``silent=False`` procrastinate's worker still looks alive)."""
    long_ago = utcnow() - tasks.STALLED - timedelta(minutes=1)
    with live.sessions() as session:
        session.execute(update(RenderJob.__table__).where(RenderJob.__table__.c.id == job_id)
                        .values(status="running", attempts=1, progress=40, heartbeat_at=long_ago))
        if live.postgresql:
            worker = session.execute(text("SELECT procrastinate_register_worker_v1()")).scalar_one()
            taken = session.execute(text("SELECT id FROM procrastinate_fetch_job_v2(NULL, :w)"),
                                    {"w": worker}).scalar_one()
            assert taken is not None
        session.commit()
    if live.postgresql and silent:
        _silence_workers(live)


def _silence_workers(live: Live) -> None:
    """procrastinate's workers stopped sending heartbeats a while ago."""
    long_ago = utcnow() - tasks.STALLED - timedelta(minutes=1)
    with live.sessions() as session:
        session.execute(text("UPDATE procrastinate_workers SET last_heartbeat = :t"),
                        {"t": long_ago})
        session.commit()


T = TypeVar("T")


def _periodic_now(live: Live, task: Callable[[procrastinate.App], Awaitable[T]]) -> T:
    """One of the queue's periodic tasks (``retry_stalled``, ``remove_old``), run now."""
    async def run() -> T:
        connector = procrastinate.PsycopgConnector(conninfo=live.conninfo())
        with queue.replace_connector(connector) as queue_app:
            async with queue_app.open_async():
                return await task(queue_app)

    return asyncio.run(run())


def _retry_stalled(live: Live) -> int:
    return _periodic_now(live, retry_stalled)


def _remove_old(live: Live) -> None:
    _periodic_now(live, remove_old)


def _queue_job(session: Session, status: str, days_ago: int) -> int:
    """A job of procrastinate's that ended ``days_ago`` with ``status``."""
    job: int = session.execute(text(
        "INSERT INTO procrastinate_jobs (queue_name, task_name, args, status) "
        "VALUES ('default', 'reports.render', '{}', CAST(:s AS procrastinate_job_status)) "
        "RETURNING id"), {"s": status}).scalar_one()
    session.execute(text(
        "INSERT INTO procrastinate_events (job_id, type, at) VALUES "
        "(:j, CAST(:s AS procrastinate_job_event_type), now() - make_interval(days => :d))"),
        {"j": job, "s": status, "d": days_ago})
    session.execute(text("UPDATE procrastinate_events SET at = now() - make_interval(days => :d)"
                         " WHERE job_id = :j"), {"d": days_ago, "j": job})
    return job


def test_the_nightly_clean_up_keeps_a_weeks_jobs_and_every_failed_one(live: Live) -> None:
    """The queue's succeeded jobs over a week old go (the minute's stall check alone leaves
    1 440 a day); newer ones and failed ones stay. The job's state that the API shows is its
    own row, on either database, and stays."""
    location = live.request()
    live.run_jobs()
    if live.postgresql:
        with live.sessions() as session:
            old, failed, recent = (_queue_job(session, "succeeded", 8),
                                   _queue_job(session, "failed", 8),
                                   _queue_job(session, "succeeded", 6))
            session.commit()
        _remove_old(live)
        with live.sessions() as session:
            left = set(session.scalars(text("SELECT id FROM procrastinate_jobs WHERE id IN "
                                            "(:a, :b, :c)"), {"a": old, "b": failed,
                                                              "c": recent}).all())
        assert left == {failed, recent}
    assert live.poll(location)["status"] == "done"


def test_a_job_left_by_a_dead_worker_is_run_again(live: Live) -> None:
    location = live.request()
    _die_mid_job(live, live.poll(location)["id"], silent=False)
    if live.postgresql:
        # Another worker's run (with the stall check it may take first) leaves the job of a
        # worker that still sends heartbeats alone, however long the job takes.
        live.run_jobs()
        assert live.poll(location)["status"] == "running"
        _silence_workers(live)
        assert _retry_stalled(live) == 1
    live.run_jobs()
    job = live.poll(location)
    assert (job["status"], job["attempts"], job["error"]) == ("done", 2, None)
    assert live.client.get(f"{API}/issued", headers=live.director).json()["total"] == 1


def test_a_dead_workers_job_runs_before_the_jobs_queued_after_it(
        live: Live, monkeypatch: pytest.MonkeyPatch) -> None:
    """A worker with a backlog takes the minute's stall check first, so the dead worker's job
    does not wait until the backlog is done (SQLite's runner takes the oldest job anyway)."""
    first = live.poll(live.request())["id"]
    _die_mid_job(live, first)
    second = live.poll(live.request(language="sv"))["id"]
    if live.postgresql:
        with live.sessions() as session:  # the minute's tick of the periodic stall check
            defer(session, "retry_stalled_jobs", timestamp=0)
            session.commit()
    ran: list[int] = []
    execute = jobs.execute

    def recorded(factory: jobs.SessionFactory, job_id: int) -> None:
        ran.append(job_id)
        execute(factory, job_id)

    monkeypatch.setattr(jobs, "execute", recorded)
    live.run_jobs()
    assert ran == [first, second]


def test_a_finished_job_run_again_does_nothing(live: Live) -> None:
    job_id = live.poll(live.request())["id"]
    live.run_jobs()
    with live.sessions() as session:
        version = session.get_one(RenderJob, job_id).row_version
    jobs.execute(live.sessions, job_id)  # a second delivery of the same task
    with live.sessions() as session:
        assert session.get_one(RenderJob, job_id).row_version == version
        assert session.scalar(select(func.count()).select_from(IssuedReport)) == 1


def test_the_job_is_queued_in_the_transaction_that_asks_for_it(live: Live) -> None:
    location = live.request()
    job_id = live.poll(location)["id"]
    if live.postgresql:
        with live.sessions() as session:
            queued = session.execute(text(
                "SELECT task_name, lock, queueing_lock, args->>'job_id' FROM procrastinate_jobs"
                " WHERE task_name = :task"), {"task": jobs.TASK}).one()
        assert tuple(queued) == (jobs.TASK, f"report:follow_up:{live.demo.board.id}:2015-T2:fi",
                                 f"render-job-{job_id}", str(job_id))
    if live.postgresql:  # the same report asked again: no worker takes it while one renders it
        live.request()
        with live.sessions() as session:
            worker = session.execute(text("SELECT procrastinate_register_worker_v1()")).scalar()
            fetch = text("SELECT id FROM procrastinate_fetch_job_v2(NULL, :w)")
            assert session.execute(fetch, {"w": worker}).scalar() is not None
            assert session.execute(fetch, {"w": worker}).scalar() is None
            session.rollback()
    # A transaction that asks for a job and then fails leaves neither the job nor its entry.
    with live.sessions() as session:
        user = session.scalars(select(User).where(User.username == live.username)).one()
        jobs.start(session, user, ReportSpec(kind=ReportKind.follow_up, language="sv",
                                             board_id=live.demo.board.id, period="2015-T1"))
        session.rollback()
    with live.sessions() as session:
        asked = 2 if live.postgresql else 1
        assert session.scalar(select(func.count()).select_from(RenderJob)) == asked
        if live.postgresql:
            assert session.execute(text("SELECT count(*) FROM procrastinate_jobs WHERE "
                                        "task_name = :task"), {"task": jobs.TASK}).scalar() == asked
