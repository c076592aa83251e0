"""How large a request body may be: a small default for every route, more where declared.

``BodyLimitMiddleware`` (pure ASGI) wraps ``receive`` so that the limit holds while the body is
read, whoever reads it (FastAPI's form and JSON parsing, Starlette's multipart parser that spools
file parts to disk, an endpoint's ``await request.body()``):

- a Content-Length over the limit is answered 413 at once, before a byte is read;
- a body without one (chunked) is counted as it arrives and cut with 413 as soon as it passes
  the limit: the app reads at most the limit plus one chunk.

Every route takes ``DEFAULT_BODY_LIMIT``. An upload declares its larger limit on its endpoint,
below the route decorator::

    @router.post("/submissions/bulk", ...)
    @body_limit(upload_limit(files.MAX_BYTES))
    async def bulk_upload(...): ...

``declared_limit(endpoint)`` reads it back. The middleware matches the route only when a body
passes the default, so an ordinary request pays for a header lookup and a counter.
"""

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from fastapi.routing import iter_route_contexts
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.routing import BaseRoute, compile_path
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core.errors import PayloadTooLarge, domain_response

KiB = 1024
MiB = 1024 * KiB

# Logins, JSON bodies and web forms: the largest is a 10 000-character text field.
DEFAULT_BODY_LIMIT = 64 * KiB
# A web form with two 10 000-character fields (comment and reason), percent-encoded.
LONG_FORM_LIMIT = 256 * KiB
# Multipart boundaries, part headers and the small fields around the files of an upload.
FORM_OVERHEAD = 64 * KiB

_ATTRIBUTE = "__body_limit__"
Endpoint = TypeVar("Endpoint", bound=Callable[..., Any])


def upload_limit(file_bytes: int, files: int = 1) -> int:
    """The body limit of a multipart upload of ``files`` files of at most ``file_bytes`` each."""
    return file_bytes * files + FORM_OVERHEAD


def body_limit(size: int) -> Callable[[Endpoint], Endpoint]:
    """Declare that an endpoint takes a request body of up to ``size`` bytes."""
    def declare(endpoint: Endpoint) -> Endpoint:
        setattr(endpoint, _ATTRIBUTE, size)
        return endpoint
    return declare


def declared_limit(endpoint: Callable[..., Any] | None) -> int | None:
    limit = getattr(endpoint, _ATTRIBUTE, None)
    return limit if isinstance(limit, int) else None


def describe(limit: int) -> str:
    return f"{limit // MiB} MiB" if limit >= MiB else f"{limit // KiB} KiB"


class BodyTooLarge(HTTPException):
    """Raised from ``receive`` when the body passes its limit; the error handler answers 413."""

    def __init__(self, scope: Scope, limit: int) -> None:
        super().__init__(413, f"The request body is larger than {describe(limit)}, the most "
                              f"{scope['method']} {scope['path']} accepts")


@dataclass(frozen=True)
class _Declared:
    path: re.Pattern[str]
    methods: frozenset[str]
    limit: int


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp, routes: Callable[[], Sequence[BaseRoute]],
                 default: int = DEFAULT_BODY_LIMIT) -> None:
        self.app = app
        self.routes = routes
        self.default = default
        self._declared: list[_Declared] | None = None

    def limit_for(self, scope: Scope) -> int:
        """The matched route's declared limit, else the default."""
        if self._declared is None:  # the routes are all there by the first request
            self._declared = [
                _Declared(compile_path(context.path)[0], frozenset(context.methods or ()), limit)
                for context in iter_route_contexts(self.routes())  # with the routers' prefixes
                if context.path and (limit := declared_limit(context.endpoint)) is not None]
        path = scope["path"].removeprefix(scope.get("root_path", ""))
        for declared in self._declared:
            if scope["method"] in declared.methods and declared.path.match(path):
                return declared.limit
        return self.default

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.default
        length = _content_length(scope)
        if length is not None and length > limit:
            limit = self.limit_for(scope)
            if length > limit:
                await _refuse(scope, receive, send, BodyTooLarge(scope, limit))
                return
        await _Guard(self, scope, receive, send, limit).run()


class _Guard:
    """One request: counts what the app reads, and answers 413 if the app did not."""

    def __init__(self, middleware: BodyLimitMiddleware, scope: Scope, receive: Receive,
                 send: Send, limit: int) -> None:
        self.middleware, self.scope, self._receive, self._send = middleware, scope, receive, send
        self.limit = limit
        self.looked_up = limit != middleware.default
        self.received = 0
        self.error: BodyTooLarge | None = None
        self.started = False
        self.dropping = False

    async def run(self) -> None:
        try:
            await self.middleware.app(self.scope, self.receive, self.send)
        except BodyTooLarge:
            if self.started and not self.dropping:
                raise
        if self.error is not None and (self.dropping or not self.started):
            await _refuse(self.scope, self._receive, self._send, self.error)

    async def receive(self) -> Message:
        if self.error is not None:
            raise self.error
        message = await self._receive()
        if message["type"] == "http.request":
            self.received += len(message.get("body", b""))
            if self.received > self.limit and not self.looked_up:
                self.limit, self.looked_up = self.middleware.limit_for(self.scope), True
            if self.received > self.limit:
                self.error = BodyTooLarge(self.scope, self.limit)
                raise self.error
        return message

    async def send(self, message: Message) -> None:
        # After the cut, whatever the app answers that is not the 413 is replaced by it.
        if message["type"] == "http.response.start":
            self.started = True
            self.dropping = self.error is not None and message["status"] != 413
        if not self.dropping:
            await self._send(message)


async def _refuse(scope: Scope, receive: Receive, send: Send, error: BodyTooLarge) -> None:
    request = Request(scope, receive)
    response = domain_response(request, PayloadTooLarge(str(error.detail)))
    response.headers["Connection"] = "close"  # the rest of the body is not read
    await response(scope, receive, send)


def _content_length(scope: Scope) -> int | None:
    value = Headers(scope=scope).get("content-length")
    return int(value) if value is not None and value.isascii() and value.isdigit() else None
