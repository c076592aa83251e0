"""Who is acting and in which request: what the audit trail (app.audit) records with every change.

The actor is taken, in this order, from the session (``set_actor``: the API sets it for the
current user, app.core.writes and the importer for whoever they act for), from the ``actor``
context variable (the CLI sets it to the system user) and at last from the row's
``updated_by``. The request id comes from ``RequestIdMiddleware`` (the client's X-Request-ID
when it is sane, else a new one), echoed in the response.

``change_guards`` are called with every change about to be written, before it is: the
lifecycle registers the rule that approved agreements are never edited in place here, so it
applies to every writer (API, importer, CLI, other features' services) in one place.
"""

import re
import uuid
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.orm import Session
from starlette.types import ASGIApp, Message, Receive, Scope, Send

actor: ContextVar[str | None] = ContextVar("sopimus_actor", default=None)
request_id: ContextVar[str | None] = ContextVar("sopimus_request_id", default=None)

SYSTEM_ACTOR = "system"
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:\-]{1,64}$")


def set_actor(session: Session, username: str) -> None:
    """Attribute what this session writes from now on to ``username``."""
    session.info["actor"] = username


def current_actor(session: Session, row_updated_by: str | None = None) -> str:
    return session.info.get("actor") or actor.get() or row_updated_by or SYSTEM_ACTOR


@dataclass
class Change:
    """One row about to be created, updated or deleted (or already, for bulk statements).

    ``before`` is the stored row (update, delete), ``after`` the row as it will be (create,
    update; without its id for a create). ``changed`` names the columns whose value changes,
    bookkeeping columns excluded; ``collections`` the many-to-many links that change
    (e.g. board_ids: (before, after)). ``cascade`` marks rows the database changes itself
    (ON DELETE CASCADE / SET NULL) because of another row's deletion.
    """

    action: str  # create | update | delete | transition
    table: str
    model: Any
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None
    changed: set[str] = field(default_factory=set)
    collections: dict[str, tuple[list[int], list[int]]] = field(default_factory=dict)
    obj: Any = None
    cascade: bool = False

    @property
    def row(self) -> dict[str, Any]:
        """The row's values as they will be (or were, for a delete)."""
        return self.after if self.after is not None else (self.before or {})


ChangeGuard = Callable[[Connection, list[Change]], None]
change_guards: list[ChangeGuard] = []


class RequestIdMiddleware:
    """Give every request an id (the client's X-Request-ID if sane) and echo it back."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = dict(scope.get("headers") or []).get(b"x-request-id", b"").decode("latin-1")
        rid = given if _REQUEST_ID.match(given) else uuid.uuid4().hex
        token = request_id.set(rid)

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"x-request-id", rid.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            request_id.reset(token)
