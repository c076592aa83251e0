"""Typed domain errors and the one handler that turns every error into RFC 9457 problem details."""

import logging
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"


class DomainError(Exception):
    """A rule of the domain was not met; carries its HTTP status and a message people can act on."""

    status = 400
    title = "Bad request"

    def __init__(self, detail: str, *, field: str | None = None, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.field = field
        self.extra = extra


class NotFound(DomainError):
    status = 404
    title = "Not found"


class Forbidden(DomainError):
    status = 403
    title = "Forbidden"


class Unauthorized(DomainError):
    status = 401
    title = "Not authenticated"


class Conflict(DomainError):
    status = 409
    title = "Conflict"


class InvalidInput(DomainError):
    status = 422
    title = "Invalid input"


class PayloadTooLarge(DomainError):
    status = 413
    title = "Payload too large"


class PreconditionFailed(DomainError):
    """The resource changed since the client read it (its If-Match ETag is stale)."""

    status = 412
    title = "Precondition failed"


class PreconditionRequired(DomainError):
    """An update or delete came without If-Match: it could overwrite someone else's change."""

    status = 428
    title = "Precondition required"


def problem(
    status: int, title: str, detail: str, *, errors: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None, **extra: Any,
) -> JSONResponse:
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status, "detail": detail}
    if errors is not None:
        body["errors"] = errors
    body.update({k: v for k, v in extra.items() if v is not None})
    return JSONResponse(
        jsonable_encoder(body), status_code=status, media_type=PROBLEM_JSON, headers=headers
    )


def _field_name(loc: tuple[Any, ...]) -> str:
    # ("body", "lines", 0, "volume") -> "lines[0].volume"; the "body"/"query" prefix is the source.
    parts = list(loc[1:]) if loc and loc[0] in {"body", "query", "path", "header"} else list(loc)
    name = ""
    for part in parts:
        name += f"[{part}]" if isinstance(part, int) else (f".{part}" if name else str(part))
    return name or (str(loc[0]) if loc else "")


def validation_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    errors = []
    for err in exc.errors():
        loc = tuple(err.get("loc", ()))
        errors.append(
            {"field": _field_name(loc), "in": loc[0] if loc else None, "message": err.get("msg")}
        )
    return errors


# The web pages render errors as HTML (set by app.web); the API always answers problem details.
HtmlErrorPage = Callable[[Request, int, str], Response]
html_error_page: list[HtmlErrorPage] = []


def _wants_html(request: Request) -> bool:
    return bool(html_error_page) and not request.url.path.startswith("/api/")


def domain_response(request: Request, exc: DomainError) -> Response:
    """The answer to a domain error: the error page on the web pages, a problem elsewhere."""
    if _wants_html(request):
        return html_error_page[0](request, exc.status, exc.detail)
    headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
    extra = dict(exc.extra)
    errors = extra.pop("errors", None)
    if errors is None and exc.field:
        errors = [{"field": exc.field, "message": exc.detail}]
    return problem(exc.status, exc.title, exc.detail, errors=errors, headers=headers, **extra)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def _domain(request: Request, exc: DomainError) -> Response:
        return domain_response(request, exc)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Response:
        if _wants_html(request):
            return html_error_page[0](request, 422, "; ".join(
                f"{e['field']}: {e['message']}" for e in validation_errors(exc)))
        errors = validation_errors(exc)
        detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
        return problem(422, "Invalid input", detail, errors=errors)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 413:  # the body limit (app.core.limits) cut the request
            return domain_response(request, PayloadTooLarge(str(exc.detail)))
        if _wants_html(request):
            return html_error_page[0](request, exc.status_code, str(exc.detail))
        return problem(
            exc.status_code, str(exc.detail), str(exc.detail), headers=getattr(exc, "headers", None)
        )

    @app.exception_handler(IntegrityError)
    async def _integrity(_: Request, exc: IntegrityError) -> JSONResponse:
        # Services check natural keys first; this is the backstop for a race between two requests.
        log.info("integrity error: %s", exc.orig)
        return problem(
            409, "Conflict", "The change conflicts with existing data (a duplicate or a missing "
            "reference); reload and try again."
        )

    @app.exception_handler(StaleDataError)
    async def _stale(_: Request, exc: StaleDataError) -> JSONResponse:
        # Two writers passed the If-Match check at once; the row version caught the second.
        log.info("stale write: %s", exc)
        return problem(
            412, "Precondition failed", "Someone else changed this record at the same moment; "
            "nothing of your change was stored. Reload it and apply your change again."
        )

    @app.exception_handler(DataError)
    async def _data(_: Request, exc: DataError) -> JSONResponse:
        log.info("data error: %s", exc.orig)
        return problem(422, "Invalid input", "A value is out of range for its field.")

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:  # pragma: no cover
        log.exception("unexpected error", exc_info=exc)
        return problem(500, "Internal error", "An unexpected error occurred; it has been logged.")
