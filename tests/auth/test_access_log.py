"""The access log (906/2019) keeps every entry, though reads queue theirs and one thread per
process stores them in batches."""

import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from app.auth import access
from app.auth.access import AccessLogWriter
from app.auth.models import AccessLogEntry, Role
from app.core.settings import get_settings
from tests.helpers import auth, create_user, create_world


def _stored(engine: Engine) -> int:
    with Session(engine) as session:
        return session.scalar(select(func.count()).select_from(AccessLogEntry)) or 0


def test_entries_recorded_by_many_threads_are_all_stored_by_the_end(
    committing_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(get_settings(), "access_log_batch_size", 25)
    monkeypatch.setattr(get_settings(), "access_log_flush_seconds", 0.01)
    writer = AccessLogWriter()
    writer.start(lambda: Session(committing_engine))

    def reader(n: int) -> None:
        for i in range(100):
            writer.record(access.entry(None, "read", f"GET /api/v1/goals/{i}", 200, "10.0.0.1",
                                       username=f"lukija-{n}"))

    threads = [threading.Thread(target=reader, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    writer.stop()
    assert _stored(committing_engine) == 800
    assert writer.pending() == 0


def test_entries_that_cannot_be_stored_wait_and_are_stored_later(committing_engine: Engine) -> None:
    writer = AccessLogWriter()
    down = True

    def sessions() -> AbstractContextManager[Session]:
        if down:
            raise ConnectionError("the database is down")
        return Session(committing_engine)

    writer.start(sessions, background=False)
    for i in range(3):
        writer.record(access.entry(None, "read", f"GET /api/v1/boards/{i}", 200, None, "u"))
    with pytest.raises(ConnectionError):
        writer.flush()
    assert writer.pending() == 3 and _stored(committing_engine) == 0
    down = False
    writer.record(access.entry(None, "read", "GET /api/v1/boards/3", 200, None, "u"))
    assert writer.flush() == 4
    with Session(committing_engine) as session:
        targets = session.scalars(select(AccessLogEntry.target).order_by(AccessLogEntry.id))
        assert list(targets) == [f"GET /api/v1/boards/{i}" for i in range(4)]


def test_what_cannot_be_stored_at_shutdown_goes_to_the_application_log(
    caplog: pytest.LogCaptureFixture
) -> None:
    @contextmanager
    def down() -> Iterator[Session]:
        raise ConnectionError("the database is down")
        yield  # pragma: no cover

    writer = AccessLogWriter()
    writer.start(down, background=False)
    writer.record(access.entry(None, "read", "GET /api/v1/goals/7", 200, "10.0.0.1", "lukija"))
    writer.stop()
    assert writer.pending() == 0
    assert any("GET /api/v1/goals/7" in r.getMessage() and "lukija" in r.getMessage()
               for r in caplog.records)


def test_a_read_writes_nothing_until_the_log_is_flushed(client: TestClient, db: Session) -> None:
    w = create_world(db)
    headers = auth(db, create_user(db, Role.purchaser_manager, w["municipality"],
                                   username="lukija"))
    assert client.get(f"/api/v1/goals/{w['goal'].id}", headers=headers).status_code == 200
    reads = select(AccessLogEntry.target).where(AccessLogEntry.username == "lukija")
    assert db.scalars(reads).all() == []
    assert access.flush() == 1
    assert db.scalars(reads).all() == [f"GET /api/v1/goals/{w['goal'].id}"]


def test_an_api_token_read_notes_its_last_use_with_the_log(client: TestClient, db: Session) -> None:
    w = create_world(db)
    reporter = auth(db, create_user(db, Role.provider_reporter, w["municipality"],
                                    provider_id=w["provider"].id))
    created = client.post("/api/v1/auth/api-tokens", headers=reporter, json={"name": "Järjestelmä"})
    as_system = {"Authorization": f"Bearer {created.json()['token']}"}
    assert client.get("/api/v1/auth/me", headers=as_system).status_code == 200
    access.flush()
    listed = client.get("/api/v1/auth/api-tokens", headers=reporter).json()
    assert listed[0]["last_used_at"] is not None
