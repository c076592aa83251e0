"""Is the database there, and at the schema this code needs? Asked at start-up (the server and
``sopimus serve`` refuse to start without it) and by the readiness check (/readyz)."""

from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from app.core.migrate import current_revision, head_revision


class DatabaseNotReady(RuntimeError):
    """The server cannot serve: its one line says what is wrong and what to run."""


def _missing_sqlite_file(engine: Engine) -> Path | None:
    """The SQLite file the URL names, if it does not exist (connecting would create it empty)."""
    url = engine.url
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:" \
            or url.query.get("uri") or url.database.startswith("file:"):
        return None
    path = Path(url.database)
    return None if path.exists() else path


def database_problem(session: Session) -> str | None:
    """None if the session's database answers and is migrated to head; else one line saying
    what is wrong and what to do."""
    engine = session.get_bind().engine
    url = engine.url.render_as_string(hide_password=True)
    missing = _missing_sqlite_file(engine)
    if missing is not None:
        return (f"The database file {missing} does not exist: create it with `sopimus db "
                f"upgrade` (SOPIMUS_DATABASE_URL={url}).")
    try:
        at = current_revision(session.connection())
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        return (f"Cannot reach the database {url} ({reason}): check SOPIMUS_DATABASE_URL and "
                "that the database server is running.")
    head = head_revision()
    if at != head:
        where = f"it is at revision {at}" if at else "it has no schema yet"
        return (f"The database {url} is not migrated to the newest schema ({where}, this "
                f"version needs {head}): run `sopimus db upgrade`.")
    return None


def engine_problem(engine: Engine) -> str | None:
    """``database_problem`` for a database that no session has opened yet."""
    with Session(engine) as session:
        return database_problem(session)
