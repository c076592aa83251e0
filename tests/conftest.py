"""Test databases: every test that touches the database runs on SQLite and on PostgreSQL.

Each database is built by Alembic once per run; each test runs inside a transaction that is
rolled back. PostgreSQL gets a fresh database per run, dropped at the end. With CI=true a
PostgreSQL that cannot be reached fails the run; elsewhere its tests are skipped.
"""

import os
from collections.abc import Callable, Iterator
from pathlib import Path

os.environ.setdefault("SOPIMUS_ENVIRONMENT", "test")
os.environ.setdefault("SOPIMUS_ARGON2_MEMORY_KIB", "1024")
os.environ.setdefault("SOPIMUS_ARGON2_TIME_COST", "1")

import psycopg
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from app.auth import ratelimit
from app.core.db import open_session
from app.core.migrate import upgrade
from app.core.scratch import scratch_database
from app.main import app

POSTGRES_URL = os.environ.get(
    "SOPIMUS_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
DATABASES = ["sqlite", "postgresql"]
_ran_on: set[str] = set()


def empty_database(kind: str, tmp: Path) -> tuple[Engine, Callable[[], None]]:
    """An empty database of ``kind`` and the function that removes it; without a PostgreSQL
    server, skipped (or failed in CI)."""
    try:
        return scratch_database(kind, POSTGRES_URL, "sopimus_test", tmp)
    except psycopg.OperationalError as exc:
        if IN_CI:
            pytest.fail(f"PostgreSQL is not reachable at {POSTGRES_URL} (CI=true): {exc}")
        pytest.skip(f"PostgreSQL is not reachable: {exc}")


@pytest.fixture(scope="session", params=DATABASES)
def engine(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
           ) -> Iterator[Engine]:
    engine, drop = empty_database(request.param, tmp_path_factory.mktemp("db"))
    upgrade(engine)
    _ran_on.add(request.param)
    yield engine
    drop()


@pytest.fixture(params=DATABASES)
def committing_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A migrated database of the test's own, for code that really commits (as in production)
    where the rolled-back ``db`` session would hide it."""
    engine, drop = empty_database(request.param, tmp_path)
    upgrade(engine)
    yield engine
    drop()


@pytest.fixture
def db(engine: Engine) -> Iterator[Session]:
    """A session inside a transaction that is rolled back after the test."""
    connection = engine.connect()
    transaction = connection.begin()
    session = Session(bind=connection, join_transaction_mode="create_savepoint",
                      expire_on_commit=False, autoflush=False)
    yield session
    session.close()
    transaction.rollback()
    connection.close()


@pytest.fixture
def client(db: Session) -> Iterator[TestClient]:
    def session_override() -> Iterator[Session]:
        db.commit()  # what the test set up is committed data for the request (to a savepoint)
        yield db

    app.dependency_overrides[open_session] = session_override
    ratelimit.reset()
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client
    app.dependency_overrides.clear()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if _ran_on:
        Path(".pytest-databases").write_text(
            ", ".join(d for d in DATABASES if d in _ran_on) + "\n"
        )
