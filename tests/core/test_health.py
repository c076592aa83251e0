"""The server refuses to start without its database, saying why in one line; /readyz tells a
load balancer whether the database is there (/healthz only that the process answers)."""

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.core.db import get_engine, get_sessionmaker, make_engine, open_session
from app.core.health import DatabaseNotReady
from app.core.settings import get_settings
from app.main import app

UNREACHABLE = "postgresql://postgres@127.0.0.1:1/sopimus"  # nothing listens on port 1
SOPIMUS = str(Path(sys.executable).parent / "sopimus")


def _empty_sqlite(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    with make_engine(url).connect():  # the file exists, with no schema
        pass
    return url


def _requests_use(url: str) -> None:
    """Requests get their sessions from the database at ``url`` (the client fixture restores
    its own override at its end)."""
    def sessions() -> Iterator[Session]:
        with Session(make_engine(url)) as session:
            yield session

    app.dependency_overrides[open_session] = sessions


def test_readyz_answers_while_the_database_is_there(client: TestClient) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["status"] == "ready"


def test_readyz_answers_503_as_a_problem_when_the_database_is_down(client: TestClient) -> None:
    _requests_use(UNREACHABLE)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["detail"].startswith("Cannot reach the database postgresql")
    assert client.get("/healthz").status_code == 200  # the process itself is alive


def test_readyz_answers_503_when_the_database_is_not_migrated(
    client: TestClient, tmp_path: Path
) -> None:
    url = _empty_sqlite(tmp_path)
    _requests_use(url)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert "run `sopimus db upgrade`" in response.json()["detail"]


def _serve(url: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SOPIMUS_DATABASE_URL": url}
    return subprocess.run([SOPIMUS, "serve", "--port", "1"], env=env, capture_output=True,
                          text=True, timeout=60, check=False)


def test_serve_refuses_an_unreachable_database_in_one_line() -> None:
    done = _serve(UNREACHABLE)
    assert done.returncode == 1
    assert done.stderr.splitlines() == [
        "Cannot reach the database postgresql+psycopg://postgres@127.0.0.1:1/sopimus "
        '(connection failed: connection to server at "127.0.0.1", port 1 failed: Connection '
        "refused): check SOPIMUS_DATABASE_URL and that the database server is running."]


def test_serve_refuses_an_unmigrated_database_in_one_line(tmp_path: Path) -> None:
    url = _empty_sqlite(tmp_path)
    done = _serve(url)
    assert done.returncode == 1
    assert done.stderr.splitlines() == [
        f"The database {url} is not migrated to the newest schema (it has no schema yet, this "
        f"version needs {_head()}): run `sopimus db upgrade`."]


def test_serve_does_not_create_a_missing_database_file(tmp_path: Path) -> None:
    done = _serve(f"sqlite:///{tmp_path / 'typo.db'}")
    assert done.returncode == 1
    assert "does not exist: create it with `sopimus db upgrade`" in done.stderr
    assert not (tmp_path / "typo.db").exists()


def test_the_app_does_not_start_on_an_unmigrated_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(get_settings(), "database_url", _empty_sqlite(tmp_path))
    get_engine.cache_clear()
    get_sessionmaker.cache_clear()
    try:
        with pytest.raises(DatabaseNotReady, match="run `sopimus db upgrade`"), TestClient(app):
            pass
    finally:
        get_engine.cache_clear()
        get_sessionmaker.cache_clear()


def _head() -> str | None:
    from app.core.migrate import head_revision

    return head_revision()
