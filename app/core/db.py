"""Engine, session and the declarative base shared by every feature."""

from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from functools import lru_cache
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy import (
    Connection,
    DateTime,
    Engine,
    Integer,
    MetaData,
    String,
    create_engine,
    event,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, declared_attr, mapped_column, sessionmaker
from starlette.concurrency import run_in_threadpool

from app.core.errors import DomainError
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
    # Many readers beside one writer: in WAL mode readers never wait for the writer, and a
    # writer waits up to busy_timeout for another instead of failing with "database is locked".
    cursor.execute(f"PRAGMA busy_timeout={get_settings().sqlite_busy_timeout_ms}")
    cursor.execute("PRAGMA journal_mode=WAL")
    # In WAL mode NORMAL is safe from corruption; a power cut may lose the last commits only.
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


SQLITE_BEGIN = "sqlite_begin"
"""Execution option naming SQLite's BEGIN mode for a connection's transaction ("IMMEDIATE")."""


def _sqlite_begin(conn: Connection) -> None:
    # A deferred transaction that reads and then writes cannot wait for another writer: SQLite
    # answers SQLITE_BUSY at once, whatever the busy timeout. BEGIN IMMEDIATE takes the write
    # lock first (waiting for it), so a request that will write asks for it this way.
    conn.exec_driver_sql(f"BEGIN {conn.get_execution_options().get(SQLITE_BEGIN, '')}".strip())


# PostgreSQL: a connection per worker thread that may hold one, kept open (opening one costs
# more than the request), and as many again in a burst.
POOL_SIZE = 20


def make_engine(url: str, echo: bool = False) -> Engine:
    if url.startswith("sqlite"):
        # One connection per concurrent request: the pool must not be the narrower gate
        # (the server runs up to 40 requests in threads at once).
        engine = create_engine(url, echo=echo, connect_args={"check_same_thread": False},
                               **({} if _in_memory(url) else {"pool_size": 10,
                                                              "max_overflow": 40}))
        event.listen(engine, "connect", _sqlite_on_connect)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    # With SQLAlchemy's default pool of 5, every request beyond the fifth at once opened and
    # closed a connection of its own (a fifth of the requests at 16 clients). 20 stay open, 20
    # more for a burst: 40, the threadpool's threads (anyio's default), per process, well
    # within PostgreSQL's default max_connections of 100 for two workers.
    return create_engine(url, echo=echo, pool_pre_ping=True, pool_size=POOL_SIZE,
                         max_overflow=POOL_SIZE)


def _in_memory(url: str) -> bool:
    return url in {"sqlite://", "sqlite:///:memory:"} or "mode=memory" in url


def begin_write(session: Session) -> None:
    """Start the session's transaction as a writer's: on SQLite with BEGIN IMMEDIATE (a no-op
    elsewhere, and when the transaction has already begun)."""
    bind = session.get_bind()
    if bind.dialect.name == "sqlite" and not session.in_transaction():
        session.connection(execution_options={SQLITE_BEGIN: "IMMEDIATE"})


@lru_cache
def get_engine() -> Engine:
    settings = get_settings()
    return make_engine(settings.database_url, settings.sql_echo)


_assembled: list[str] = []


def mark_assembled(by: str) -> None:
    """Called by the module that imports every model, session hook and rule (app.models)."""
    _assembled.append(by)


@lru_cache
def get_sessionmaker() -> sessionmaker[Session]:
    # A session without the audit and lifecycle hooks would write unrecorded: refuse it.
    if not _assembled:
        raise RuntimeError("Import app.models before opening a session: it puts every mapper, "
                           "session hook and rule in place")
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


async def open_session() -> AsyncIterator[Session]:
    """The request's session (tests override this to run inside a rolled-back transaction).

    Opened and closed on the event loop: neither touches the database here (the connection is
    checked out at the first query, in a worker thread, and get_db_session has committed or
    rolled back before the close returns it to the pool), and each hop to a worker thread costs
    a request more than the work."""
    session = get_sessionmaker()()
    try:
        yield session
    finally:
        session.close()


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _finish(session: Session, request: Request) -> None:
    """The request succeeded: its end hooks (the access log) join it, and it is committed."""
    try:
        for hook in _request_end_hooks:
            hook(session, request, 200)
        session.commit()
    except BaseException:
        session.rollback()
        raise


def _fail(session: Session, request: Request, exc: BaseException) -> None:
    """The request failed: nothing it did is stored but what must be kept (a failed login's
    log entry) and its end hooks, told the error's status."""
    if not isinstance(exc, DomainError):
        session.rollback()
        return
    kept = session.info.pop("keep_on_rollback", [])
    session.rollback()
    if kept:
        begin_write(session)
    for obj in kept:
        session.add(obj)
    for hook in _request_end_hooks:
        hook(session, request, exc.status)
    session.commit()


async def get_db_session(
    request: Request, session: Annotated[Session, Depends(open_session, scope="function")]
) -> AsyncIterator[Session]:
    """One session per request, committed once at its edge, rolled back on any error.

    A request that may write (any method but GET, HEAD, OPTIONS) starts as a writer (see
    ``begin_write``); reads never take SQLite's write lock, so they never wait for one another.
    What touches the database runs in a worker thread; a read needs one hop here, at its end.
    """
    # Only SQLite has a writer's BEGIN: elsewhere a write request spares the worker-thread hop.
    if request.method not in SAFE_METHODS and session.get_bind().dialect.name == "sqlite":
        await run_in_threadpool(begin_write, session)
    try:
        yield session
    except BaseException as exc:
        await run_in_threadpool(_fail, session, request, exc)
        raise
    await run_in_threadpool(_finish, session, request)


# scope="function": the commit runs before the response is sent, so a failed commit is reported.
SessionDep = Annotated[Session, Depends(get_db_session, scope="function")]
