"""What a load balancer and Prometheus ask a server process: /health, /ready and /metrics (the
same answers at /health/live and /health/ready; the older /healthz and /readyz:
tests/core/test_health.py)."""

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import text
from sqlalchemy.orm import Session

from app.auth import ratelimit
from app.auth.models import Role
from app.core.db import make_engine, open_session
from app.core.queue import on_postgresql
from app.core.settings import get_settings
from app.main import app
from tests.helpers import auth, create_municipality, create_user

UNREACHABLE = "postgresql://postgres@127.0.0.1:1/sopimus"  # nothing listens on port 1


@pytest.mark.parametrize("path", ["/health", "/health/live"])
def test_live_answers_while_the_process_runs(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert (response.status_code, response.json()) == (200, {"status": "ok"})


def test_ready_answers_while_the_database_is_there(client: TestClient, db: Session) -> None:
    """On PostgreSQL with the job queue's figures (SQLite's jobs are the server's own)."""
    response = client.get("/ready")
    queue = {"queue": {"waiting": 0, "running": 0, "stalled": 0, "failed": 0}}
    expected = {"status": "ready", **(queue if on_postgresql(db) else {})}
    assert (response.status_code, response.json()) == (200, expected)


def test_ready_counts_the_waiting_jobs_and_a_backlog_is_no_503(
        client: TestClient, db: Session) -> None:
    if on_postgresql(db):
        for n in range(3):
            db.execute(text("INSERT INTO procrastinate_jobs (queue_name, task_name, args) "
                            "VALUES ('default', 'reports.render', :args)"),
                       {"args": f'{{"job_id": {n}}}'})
    response = client.get("/health/ready")
    assert response.status_code == 200
    assert response.json().get("queue", {}).get("waiting") == (3 if on_postgresql(db) else None)


def test_ready_answers_503_naming_the_queue_when_its_tables_are_missing(
        client: TestClient, db: Session) -> None:
    """PostgreSQL: workers cannot run without procrastinate's tables (the test's transaction
    renames one, and is rolled back). SQLite has no such tables to miss."""
    if on_postgresql(db):
        db.execute(text("ALTER TABLE procrastinate_jobs RENAME TO procrastinate_jobs_away"))
    response = client.get("/health/ready")
    assert response.status_code == (503 if on_postgresql(db) else 200)
    assert list(response.json().get("checks", {})) == (["queue"] if on_postgresql(db) else [])


@pytest.mark.parametrize("path", ["/ready", "/health/ready"])
def test_ready_answers_503_naming_the_database_when_it_is_unreachable(
        client: TestClient, path: str) -> None:
    def unreachable() -> Iterator[Session]:
        with Session(make_engine(UNREACHABLE)) as session:
            yield session

    app.dependency_overrides[open_session] = unreachable  # the client fixture restores its own
    response = client.get(path)
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    assert list(response.json()["checks"]) == ["database"]
    assert response.json()["checks"]["database"].startswith(
        "Cannot reach the database postgresql+psycopg://postgres@127.0.0.1:1/sopimus")
    assert client.get("/health").status_code == 200  # the process itself is alive


@pytest.fixture
def redis_down(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(get_settings(), "rate_limit_storage", "redis://127.0.0.1:1")
    ratelimit._limiter.cache_clear()
    yield
    ratelimit._limiter.cache_clear()


def test_ready_answers_503_naming_redis_when_the_rate_limit_store_is_down(
    client: TestClient, redis_down: None
) -> None:
    response = client.get("/health/ready")
    assert response.status_code == 503
    assert response.json()["checks"] == {"rate_limit_store": (
        "Cannot reach the rate limit store redis://127.0.0.1:1: check "
        "SOPIMUS_RATE_LIMIT_STORAGE and that Redis is running.")}


def _count(client: TestClient, headers: dict[str, str], route: str) -> float:
    response = client.get("/metrics", headers=headers)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=")
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            if sample.name == "sopimus_http_requests_total" and sample.labels == {
                    "method": "GET", "route": route, "status": "404"}:
                return sample.value
    return 0.0


def test_metrics_count_a_request_by_its_route_template(client: TestClient, db: Session) -> None:
    headers = auth(db, create_user(db, Role.admin, username="root-admin"))  # the installation's
    before = _count(client, headers, "/api/v1/boards/{obj_id}")
    assert client.get("/api/v1/boards/987654").status_code == 404
    assert _count(client, headers, "/api/v1/boards/{obj_id}") == before + 1


def test_metrics_count_the_queues_jobs_by_state(client: TestClient, db: Session) -> None:
    """PostgreSQL's queue (SQLite's jobs are the server's own: no such figures)."""
    if on_postgresql(db):
        for n in range(3):
            db.execute(text("INSERT INTO procrastinate_jobs (queue_name, task_name, args) "
                            "VALUES ('default', 'reports.render', :args)"),
                       {"args": f'{{"job_id": {n}}}'})
    headers = auth(db, create_user(db, Role.admin, username="root-admin"))
    response = client.get("/metrics", headers=headers)
    queue = {sample.labels["state"]: sample.value
             for family in text_string_to_metric_families(response.text)
             for sample in family.samples if sample.name == "sopimus_jobs_in_queue"}
    expected = {"waiting": 3, "running": 0, "stalled": 0, "failed": 0}
    assert queue == (expected if on_postgresql(db) else {})


def test_metrics_are_not_for_a_municipalitys_admin(client: TestClient, db: Session) -> None:
    headers = auth(db, create_user(db, Role.admin, create_municipality(db)))
    response = client.get("/metrics", headers=headers)
    assert response.status_code == 403

