"""Engine, session and the declarative base shared by every feature."""

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from functools import lru_cache
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy import DateTime, Engine, Integer, MetaData, String, create_engine, event
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, declared_attr, mapped_column, sessionmaker

from app.core.settings import get_settings

# One naming convention so that Alembic's autogenerate and both databases agree on names.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(moment: datetime) -> datetime:
    """``moment`` in UTC; a naive one (SQLite stores no time zone) is taken as UTC."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)



_models_by_table: dict[str, Any] = {}


def model_of_table(name: str) -> Any | None:
    """The mapped class of the table ``name`` (None for a link table without a class)."""
    if name not in _models_by_table:
        _models_by_table.update({m.local_table.name: m.class_  # type: ignore[attr-defined]
                                 for m in Base.registry.mappers})
        _models_by_table.setdefault(name, None)
    return _models_by_table[name]

class Attributed:
    """Who created and last changed a row, and when (every domain object carries it)."""

    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    created_by: Mapped[str] = mapped_column(String(150))
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )
    updated_by: Mapped[str] = mapped_column(String(150))
    # Optimistic concurrency: SQLAlchemy bumps the counter on every UPDATE and adds
    # "AND row_version = <as read>" to it, so a stale write matches no row (StaleDataError, 412).
    # It is the resource's ETag; not to be confused with an agreement's ``version`` (amendments).
    row_version: Mapped[int] = mapped_column(Integer, server_default="1")

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:
        return {"version_id_col": cls.__table__.c.row_version}  # type: ignore[attr-defined]


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    # pysqlite's own transaction handling breaks SAVEPOINT; let SQLAlchemy emit BEGIN itself.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


POOL_SIZE = 20


def make_engine(url: str, echo: bool = False) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, echo=echo, connect_args={"check_same_thread": False})
        event.listen(engine, "connect", _sqlite_on_connect)
        event.listen(engine, "begin", lambda conn: conn.exec_driver_sql("BEGIN"))
        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    # With SQLAlchemy's default pool of 5, every request beyond the fifth at once opened and
    # closed a connection of its own (a fifth of the requests at 16 clients). 20 stay open, 20
    # more for a burst: 40, the threadpool's threads (anyio's default), per process, well
    # within PostgreSQL's default max_connections of 100 for two workers.
    return create_engine(url, echo=echo, pool_pre_ping=True, pool_size=POOL_SIZE,
                         max_overflow=POOL_SIZE)


@lru_cache
def get_engine() -> Engine:
    settings = get_settings()
    return make_engine(settings.database_url, settings.sql_echo)


@lru_cache
def get_sessionmaker() -> sessionmaker[Session]:
    import app.models  # noqa: F401  (every mapper and the audit and lifecycle hooks are in place)

    return sessionmaker(bind=get_engine(), expire_on_commit=False, autoflush=False)


RequestHook = Callable[[Session, Request, int], None]
_request_end_hooks: list[RequestHook] = []


def on_request_end(hook: RequestHook) -> RequestHook:
    """Register work that joins the request's transaction at its end, with the outcome's
    HTTP status (the access log uses it); it is committed even when the request failed."""
    _request_end_hooks.append(hook)
    return hook


def keep_on_rollback(session: Session, obj: Any) -> None:
    """Add ``obj`` so that it is stored even if the request fails (a failed login's log entry)."""
    session.add(obj)
    session.info.setdefault("keep_on_rollback", []).append(obj)


def open_session() -> Iterator[Session]:
    """The request's session (tests override this to run inside a rolled-back transaction)."""
    with get_sessionmaker()() as session:
        yield session


def get_db_session(
    request: Request, session: Annotated[Session, Depends(open_session, scope="function")]
) -> Iterator[Session]:
    """One session per request, committed once at its edge, rolled back on any error."""
    from app.core.errors import DomainError

    try:
        yield session
        for hook in _request_end_hooks:
            hook(session, request, 200)
        session.commit()
    except DomainError as exc:
        kept = session.info.pop("keep_on_rollback", [])
        session.rollback()
        for obj in kept:
            session.add(obj)
        for hook in _request_end_hooks:
            hook(session, request, exc.status)
        session.commit()
        raise
    except BaseException:
        session.rollback()
        raise


# scope="function": the commit runs before the response is sent, so a failed commit is reported.
SessionDep = Annotated[Session, Depends(get_db_session, scope="function")]
