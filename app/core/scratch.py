"""Throwaway databases for the test suite and the benchmarks: an SQLite file, or a new
PostgreSQL database on a server (created beside the URL's database, dropped with FORCE)."""

import shutil
import tempfile
import uuid
from collections.abc import Callable
from pathlib import Path

import psycopg
from sqlalchemy import Engine

from app.core.db import make_engine


def _admin_url(server_url: str) -> str:
    return server_url.rsplit("/", 1)[0] + "/postgres"


def postgres_unreachable(server_url: str) -> str | None:
    """None if the server answers, else why not."""
    try:
        with psycopg.connect(_admin_url(server_url), autocommit=True, connect_timeout=5):
            return None
    except psycopg.OperationalError as exc:
        return str(exc).strip() or type(exc).__name__


def create_postgres_database(server_url: str, prefix: str) -> str:
    """A new empty database on the server of ``server_url``; its URL. Raises
    psycopg.OperationalError if the server cannot be reached."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(_admin_url(server_url), autocommit=True, connect_timeout=5) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return server_url.rsplit("/", 1)[0] + f"/{name}"


def drop_postgres_database(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    with psycopg.connect(_admin_url(url), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def scratch_database(kind: str, server_url: str, prefix: str, directory: Path | None = None
                     ) -> tuple[Engine, Callable[[], None]]:
    """An empty database of ``kind`` ("sqlite" in ``directory`` or a temporary one, or
    "postgresql" on the server of ``server_url``) and the function that removes it."""
    if kind == "sqlite":
        folder = directory or Path(tempfile.mkdtemp(prefix=f"{prefix}_"))
        engine = make_engine(f"sqlite:///{folder / f'{uuid.uuid4().hex}.db'}")

        def drop_sqlite() -> None:
            engine.dispose()
            if directory is None:
                shutil.rmtree(folder, ignore_errors=True)

        return engine, drop_sqlite
    url = create_postgres_database(server_url, prefix)
    engine = make_engine(url)

    def drop_postgres() -> None:
        engine.dispose()
        drop_postgres_database(url)

    return engine, drop_postgres
