"""Typed domain errors and the one handler that turns every error into RFC 9457 problem details."""

import logging
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from babel import negotiate_locale
from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.core.i18n import LANGUAGES, N_, InvalidValue, pydantic_text, t
from app.core.routing import route_path

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"


class DomainError(Exception):
    """A rule of the domain was not met; carries its HTTP status and a message people can act on."""

    status = 400
    title = "Bad request"

    def __init__(self, detail: str, *, field: str | None = None,
                 message: tuple[str, dict[str, Any]] | None = None, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.field = field
        # The catalogue's key of the detail and its values, where the raise site has one: the
        # detail in the client's language (a detail with values cannot be found by its words).
        self.message = message
        self.extra = extra

    def error_in(self, message: str, lang: str) -> str:
        """An entry of the problem's ``errors`` in ``lang``, where the catalogue has it."""
        return in_language(message, lang)

    def detail_in(self, lang: str) -> str:
        """The detail in ``lang``, where the catalogue has it."""
        if self.message is not None:
            key, values = self.message
            return t(key, lang, **values)
        return in_language(self.detail, lang)


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


def validation_errors(exc: RequestValidationError, lang: str = "en") -> list[dict[str, Any]]:
    """The fields and what is wrong with them in ``lang``: a validator's InvalidValue and
    pydantic's common checks in the catalogue's words (English: pydantic's own)."""
    errors = []
    for err in exc.errors():
        loc = tuple(err.get("loc", ()))
        message = err.get("msg")
        ours = (err.get("ctx") or {}).get("error")
        if lang == "en":
            pass  # as pydantic says it
        elif isinstance(ours, InvalidValue):
            message = ours.text(lang)
        else:
            message = pydantic_text(err["type"], err.get("ctx"), lang) or message
        errors.append({"field": _field_name(loc), "in": loc[0] if loc else None,
                       "message": message})
    return errors


# What a problem says, in the client's language (Accept-Language: fi, sv, en; English when it
# asks for none of them): its title, and the most common details, found by their English words
# (the en catalogue's text equals the raise site's; tests/core/test_i18n.py checks the commonest).
CATALOGUED = (
    N_("title_bad_request"), N_("title_not_found"), N_("title_forbidden"),
    N_("title_not_authenticated"), N_("title_login_required"), N_("title_conflict"),
    N_("title_invalid_input"), N_("title_payload_too_large"), N_("title_precondition_failed"),
    N_("title_precondition_required"), N_("title_too_many_requests"),
    N_("title_too_large_to_render"), N_("title_internal_error"),
    N_("http_not_found"), N_("http_method_not_allowed"),
    N_("detail_wrong_password"), N_("detail_totp_required"), N_("detail_api_token_invalid"),
    N_("detail_access_token_invalid"), N_("detail_session_ended"), N_("detail_log_in_first"),
    N_("detail_conflicting_data"), N_("detail_stale_write"), N_("detail_out_of_range"),
    N_("detail_unexpected"),
)
API_LANGUAGE = "en"


@lru_cache
def _by_english() -> dict[str, str]:
    return {t(key, "en"): key for key in CATALOGUED}


def in_language(text: str, lang: str) -> str:
    """``text`` (English) in ``lang`` if the catalogue has it, else as it is."""
    key = _by_english().get(text)
    return t(key, lang) if key else text


def api_language(request: Request) -> str:
    """The language the client prefers most (Accept-Language, by q) of fi, sv and en."""
    preferred: list[tuple[float, str]] = []
    for part in request.headers.get("accept-language", "").split(","):
        tag, _, params = part.strip().partition(";")
        q = params.strip().removeprefix("q=")
        try:
            weight = float(q) if params else 1.0
        except ValueError:
            continue
        if tag and weight > 0:
            preferred.append((weight, tag.strip()))
    ordered = [tag for _, tag in sorted(preferred, key=lambda p: -p[0])]  # stable for equal q
    chosen = negotiate_locale(ordered, LANGUAGES, sep="-")
    return chosen.lower() if chosen else API_LANGUAGE


def _problem(request: Request, status: int, title: str, detail: str, *,
             errors: list[dict[str, Any]] | None = None, headers: dict[str, str] | None = None,
             translated: Callable[[str], str] | None = None, lang: str | None = None,
             error_in: Callable[[str, str], str] | None = None, **extra: Any) -> JSONResponse:
    """``problem`` in the client's language (``lang`` if the caller has worked it out;
    ``translated``: the detail in a language, where the raise site knows it; ``error_in``: an
    entry of ``errors`` in a language)."""
    lang = lang or api_language(request)
    if errors is not None:
        errors = [{**e, "message": (error_in or in_language)(e["message"], lang)}
                  if isinstance(e.get("message"), str) else e for e in errors]
    headers = {**(headers or {}), "Content-Language": lang, "Vary": "Accept-Language"}
    return problem(status, in_language(title, lang),
                   (translated(lang) if translated else None) or in_language(detail, lang),
                   errors=errors,
                   headers=headers, **extra)


# The web pages render errors as HTML (set by app.web); the API always answers problem details.
HtmlErrorPage = Callable[[Request, int, str], Response]
html_error_page: list[HtmlErrorPage] = []


# Asked by programs (the API, a load balancer's probes, a Prometheus scraper), never by a browser.
MACHINE_PATHS = ("/api/", "/health/", "/metrics")


def _wants_html(request: Request) -> bool:
    return bool(html_error_page) and not route_path(request.scope).startswith(MACHINE_PATHS)


def domain_error_headers(exc: DomainError) -> dict[str, str]:
    """The headers an error's answer carries: the authentication scheme with a 401, and with
    a 429 (or a 503) when to try again, in seconds (RFC 9110 Retry-After)."""
    headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else {}
    if exc.extra.get("retry_after") is not None:
        headers["Retry-After"] = str(int(exc.extra["retry_after"]))
    return headers


def domain_response(request: Request, exc: DomainError) -> Response:
    """The answer to a domain error: the error page on the web pages, a problem in the
    client's language elsewhere (the body-size middleware answers through it too)."""
    headers = domain_error_headers(exc)
    if _wants_html(request):
        page = html_error_page[0](request, exc.status, exc.detail)
        page.headers.update(headers)
        return page
    extra = dict(exc.extra)
    errors = extra.pop("errors", None)
    if errors is None and exc.field:
        errors = [{"field": exc.field, "message": exc.detail}]
    return _problem(request, exc.status, exc.title, exc.detail, errors=errors, headers=headers,
                    translated=exc.detail_in, error_in=exc.error_in, **extra)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def _domain(request: Request, exc: DomainError) -> Response:
        return domain_response(request, exc)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Response:
        html = _wants_html(request)
        lang = API_LANGUAGE if html else api_language(request)
        errors = validation_errors(exc, lang)
        detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
        if html:
            return html_error_page[0](request, 422, detail)
        return _problem(request, 422, "Invalid input", detail, errors=errors, lang=lang)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 413:  # the body limit (app.core.limits) cut the request
            return domain_response(request, PayloadTooLarge(str(exc.detail)))
        if _wants_html(request):
            return html_error_page[0](request, exc.status_code, str(exc.detail))
        return _problem(request, exc.status_code, str(exc.detail), str(exc.detail),
                        headers=getattr(exc, "headers", None))

    @app.exception_handler(IntegrityError)
    async def _integrity(request: Request, exc: IntegrityError) -> JSONResponse:
        # Services check natural keys first; this is the backstop for a race between two requests.
        log.info("integrity error: %s", exc.orig)
        return _problem(
            request, 409, "Conflict", "The change conflicts with existing data (a duplicate or a missing "
            "reference); reload and try again."
        )

    @app.exception_handler(StaleDataError)
    async def _stale(request: Request, exc: StaleDataError) -> JSONResponse:
        # Two writers passed the If-Match check at once; the row version caught the second.
        log.info("stale write: %s", exc)
        return _problem(
            request, 412, "Precondition failed", "Someone else changed this record at the same moment; "
            "nothing of your change was stored. Reload it and apply your change again."
        )

    @app.exception_handler(DataError)
    async def _data(request: Request, exc: DataError) -> JSONResponse:
        log.info("data error: %s", exc.orig)
        return _problem(request, 422, "Invalid input", "A value is out of range for its field.")

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:  # pragma: no cover
        log.exception("unexpected error", exc_info=exc)
        return _problem(request, 500, "Internal error",
                        "An unexpected error occurred; it has been logged.")
