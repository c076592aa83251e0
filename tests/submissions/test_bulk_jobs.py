"""Large bulk uploads and Sotkanet loads as jobs, end to end on a database that really commits: on PostgreSQL
queued in procrastinate and run by a worker (until the queue is empty), on SQLite run by the
server's own runner. Uploaded and polled through the API."""

from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from prometheus_client import REGISTRY
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from app.auth import ratelimit
from app.core.db import open_session
from app.core.queue import local, postgres_conninfo, run_worker
from app.core.settings import get_settings
from app.indicators.models import IndicatorValue
from app.main import app
from app.reports import jobs as report_jobs
from app.submissions import bulk_jobs
from app.submissions.models import BulkJob
from tests.submissions.helpers import csv_bytes, submission_world, upload
from tests.submissions.test_sotkanet import files as sotkanet_files
from tests.submissions.test_sotkanet import national

HEADER = ["measure_code", "period", "value", "comment"]
MONTHS = [["KAYNNIT", f"2015-{month:02d}", str(1150 + month), ""] for month in range(1, 13)]


@dataclass
class Live:
    client: TestClient
    engine: Engine
    sessions: sessionmaker[Session]
    w: dict[str, Any]

    def run_jobs(self) -> None:
        """What `sopimus worker` (PostgreSQL) or the server's runner (SQLite) does."""
        if self.engine.dialect.name == "postgresql":
            conninfo = postgres_conninfo(self.engine.url.render_as_string(hide_password=False))
            run_worker(conninfo, wait=False, install_signal_handlers=False,
                       listen_notify=False)
        else:
            local.run_until_idle()

    def poll(self, location: str, headers: dict[str, str]) -> dict[str, Any]:
        answer = self.client.get(location, headers=headers)
        assert answer.status_code == 200, answer.text
        job: dict[str, Any] = answer.json()
        return job

    def values(self) -> dict[str, Decimal]:
        with self.sessions() as session:
            return {v.period: v.value for v in session.scalars(select(IndicatorValue))}


@pytest.fixture
def live(committing_engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[Live]:
    factory = sessionmaker(bind=committing_engine, expire_on_commit=False, autoflush=False)
    with factory() as session:
        w = submission_world(session)
        session.commit()

    def session_override() -> Iterator[Session]:
        with factory() as session:
            yield session

    app.dependency_overrides[open_session] = session_override
    monkeypatch.setattr(bulk_jobs, "sessions", lambda: factory)
    monkeypatch.setattr(report_jobs, "sessions", lambda: factory)  # the runner asks it too
    ratelimit.reset()
    with TestClient(app, raise_server_exceptions=False) as client:
        yield Live(client, committing_engine, factory, w)
    app.dependency_overrides.clear()


def jobs_done() -> float:
    return REGISTRY.get_sample_value(
        "sopimus_jobs_total", {"task": bulk_jobs.TASK, "outcome": "done"}) or 0.0


def test_a_file_above_the_threshold_is_a_job_that_stores_every_row(
        live: Live, monkeypatch: pytest.MonkeyPatch) -> None:
    data = csv_bytes([HEADER, *MONTHS])
    monkeypatch.setattr(get_settings(), "bulk_async_bytes", len(data) - 1)
    done_before = jobs_done()
    started = upload(live.client, live.w["hr"], data)
    assert started.status_code == 202, started.text
    location = started.headers["location"]
    assert live.poll(location, live.w["hr"])["status"] == "queued"
    assert live.values() == {}  # nothing before the job runs

    live.run_jobs()
    job = live.poll(location, live.w["hr"])
    assert (job["status"], job["progress"], job["attempts"], job["error"]) == ("done", 100, 1, None)
    assert (job["result"]["created"], job["result"]["updated"]) == (12, 0)
    assert live.values() == {f"2015-{m:02d}": Decimal(1150 + m) for m in range(1, 13)}
    assert jobs_done() == done_before + 1
    with live.sessions() as session:  # the upload is not kept once applied
        assert session.get_one(BulkJob, job["id"]).data == b""


def test_a_csv_file_of_more_lines_than_the_threshold_is_a_job(
        live: Live, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(get_settings(), "bulk_async_rows", 12)  # the header and 12 rows: 13
    started = upload(live.client, live.w["hr"], csv_bytes([HEADER, *MONTHS]))
    assert started.status_code == 202, started.text


def test_a_small_file_stays_synchronous(live: Live) -> None:
    response = upload(live.client, live.w["hr"], csv_bytes([HEADER, *MONTHS[:2]]))
    assert (response.status_code, response.json()["created"]) == (200, 2)


def test_a_job_run_again_stores_nothing_twice(live: Live) -> None:
    started = upload(live.client, live.w["hr"], csv_bytes([HEADER, *MONTHS]), **{"async": "true"})
    job_id = live.poll(started.headers["location"], live.w["hr"])["id"]
    live.run_jobs()
    bulk_jobs.execute(live.sessions, job_id)  # a retried task: the job is done already
    with live.sessions() as session:
        stored = session.scalar(select(func.count()).select_from(IndicatorValue))
        revisions = session.get_one(BulkJob, job_id).attempts
    assert (stored, revisions) == (12, 1)


def test_a_bad_row_fails_the_job_naming_the_row_and_nothing_is_stored(live: Live) -> None:
    rows = [HEADER, *MONTHS[:5], ["KAYNNIT", "2015-06", "abc", ""], *MONTHS[6:]]
    started = upload(live.client, live.w["hr"], csv_bytes(rows), **{"async": "true"})
    assert started.status_code == 202, started.text
    live.run_jobs()
    job = live.poll(started.headers["location"], live.w["hr"])
    assert job["status"] == "failed"
    assert [(e["row"], e["column"], e["message"]) for e in job["errors"]] == [
        (7, "value", "'abc' is not a number")]
    assert job["result"] is None
    assert live.values() == {}


def test_another_users_job_is_not_there_for_him(live: Live) -> None:
    started = upload(live.client, live.w["hr"], csv_bytes([HEADER, *MONTHS]), **{"async": "true"})
    answer = live.client.get(started.headers["location"], headers=live.w["hp"])
    assert answer.status_code == 404


def test_a_sotkanet_load_as_a_job_stores_the_national_values(live: Live) -> None:
    with live.sessions() as session:
        measure_id = national(session, live.w).id
        session.commit()
    started = live.client.post("/api/v1/sotkanet/load", headers=live.w["hp"],
                               params={"async": "true"}, files=sotkanet_files())
    assert started.status_code == 202, started.text
    live.run_jobs()
    job = live.poll(started.headers["location"], live.w["hp"])
    assert (job["kind"], job["status"], job["result"]["created"]) == ("sotkanet", "done", 4)
    with live.sessions() as session:
        stored = {v.period: v.value for v in session.scalars(
            select(IndicatorValue).where(IndicatorValue.measure_id == measure_id))}
    assert stored == {"2013": Decimal("6.1"), "2014": Decimal("6.4"), "2015": Decimal("5.9"),
                      "2016": Decimal("5.7")}
