"""The access log of reads and exports of non-public data (906/2019), at each request's end.

A read must not become a write that every other request contends for (on SQLite one writer at
a time): its entry is queued in this process and one thread writes the queue in batches, every
``access_log_flush_seconds`` or as soon as ``access_log_batch_size`` entries wait, and once
more at shutdown. Each server process queues and writes its own. An entry that cannot be
stored stays queued and is tried again; at shutdown, what still cannot be stored is written to
the application log rather than lost. Logins are not queued: they are written with the
request (app.auth.service.log_access), so that a failed login is stored even when the request
fails. The last use of an API token is noted the same way, so that a read with an API token
writes nothing either.
"""

import json
import logging
import threading
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Any

from fastapi import Request
from sqlalchemy import Table, bindparam, insert, update
from sqlalchemy.orm import Session

from app.auth.models import AccessLogEntry, ApiToken, User
from app.core.db import begin_write, on_request_end, utcnow
from app.core.settings import get_settings

log = logging.getLogger(__name__)

SessionFactory = Callable[[], AbstractContextManager[Session]]

# Core statements: the ORM's audit hooks and unit of work have nothing to do with these rows.
_access_log: Table = AccessLogEntry.__table__  # type: ignore[assignment]
_api_tokens: Table = ApiToken.__table__  # type: ignore[assignment]


class AccessLogWriter:
    """Entries waiting to be stored, and the thread that stores them."""

    def __init__(self) -> None:
        self._lock = threading.Lock()  # guards the queues
        self._flushing = threading.Lock()  # one batch at a time, in order
        self._entries: list[dict[str, Any]] = []
        self._token_uses: dict[int, datetime] = {}
        self._factory: SessionFactory | None = None
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def record(self, entry: dict[str, Any]) -> None:
        with self._lock:
            self._entries.append(entry)
            full = len(self._entries) >= get_settings().access_log_batch_size
        if full:
            self._wake.set()

    def token_used(self, token_id: int, at: datetime) -> None:
        with self._lock:
            self._token_uses[token_id] = at

    def pending(self) -> int:
        with self._lock:
            return len(self._entries)

    def start(self, factory: SessionFactory, *, background: bool = True) -> None:
        """Store through ``factory``'s sessions; ``background``: by a thread of its own (else
        only when ``flush`` is called: the test suite's single session is not shared)."""
        self._factory = factory
        if background and self._thread is None:
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name="access-log", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        """Stop the thread and store what is queued; what cannot be stored goes to the log."""
        if self._thread is not None:
            self._stop.set()
            self._wake.set()
            self._thread.join()
            self._thread = None
        try:
            self.flush()
        except Exception:
            log.exception("the access log could not be stored at shutdown")
            self._dump_to_log()
        self._factory = None

    def flush(self) -> int:
        """Store every queued entry (and token use) now; return how many entries. On failure
        they stay queued, in order, and the error is raised."""
        with self._flushing:
            with self._lock:
                entries, self._entries = self._entries, []
                uses, self._token_uses = self._token_uses, {}
            if not entries and not uses:
                return 0
            try:
                self._store(entries, uses)
            except BaseException:
                with self._lock:
                    self._entries[:0] = entries
                    for token_id, at in uses.items():
                        self._token_uses.setdefault(token_id, at)
                raise
            return len(entries)

    def _store(self, entries: list[dict[str, Any]], uses: dict[int, datetime]) -> None:
        if self._factory is None:
            raise RuntimeError("the access log is not started (the app's lifespan starts it)")
        with self._factory() as session:
            begin_write(session)
            if entries:
                session.execute(insert(_access_log), entries)
            if uses:
                session.execute(update(_api_tokens).where(_api_tokens.c.id == bindparam("t_id"))
                                .values(last_used_at=bindparam("t_at")),
                                [{"t_id": k, "t_at": v} for k, v in uses.items()])
            session.commit()

    def _run(self) -> None:
        settings = get_settings()
        while not self._stop.is_set():
            self._wake.wait(settings.access_log_flush_seconds)
            self._wake.clear()
            try:
                self.flush()
            except Exception:
                # Kept queued and tried again; the requests themselves go on being answered.
                log.exception("the access log could not be stored; %d entries wait",
                              self.pending())

    def _dump_to_log(self) -> None:
        with self._lock:
            entries, self._entries = self._entries, []
        for entry in entries:
            log.error("access log entry not stored: %s", json.dumps(entry, default=str))


writer = AccessLogWriter()


def flush() -> int:
    """Store the queued entries now (tests, before they read the access log)."""
    return writer.flush()


def entry(user: User | None, action: str, target: str, outcome: int, address: str | None,
          username: str | None = None) -> dict[str, Any]:
    """An access-log row as stored, made at the moment of access."""
    return {"at": utcnow(), "user_id": user.id if user else None,
            "username": username or (user.username if user else ""),
            "municipality_id": user.municipality_id if user else None, "action": action,
            "target": target[:2000], "outcome": outcome, "address": address}


@on_request_end
def log_request(_session: Session, request: Request, status: int) -> None:
    user = getattr(request.state, "user", None)
    if user is None:  # the public reads only public data
        return
    path = request.url.path
    action = "export" if path.endswith("/export") else "import" if path.endswith("/import") \
        else "read" if request.method == "GET" else None
    if action is None:
        return
    target = f"{request.method} {path}" + (f"?{request.url.query}" if request.url.query else "")
    writer.record(entry(user, action, target, status,
                        request.client.host if request.client else None))
