"""Security headers on every response."""

from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request, Response

from app.core.settings import get_settings

# data: images are the pages' small SVG charts.
CSP = ("default-src 'self'; img-src 'self' data:; object-src 'none'; frame-ancestors 'none'; "
       "base-uri 'self'; form-action 'self'")
# The interactive API docs load Swagger UI from its CDN; nothing else may.
DOCS_CSP = ("default-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'self'; "
            "script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
            "style-src 'self' https://cdn.jsdelivr.net; img-src 'self' data: https://fastapi.tiangolo.com")


def install_security_headers(app: FastAPI) -> None:
    hsts = f"max-age={get_settings().hsts_seconds}; includeSubDomains"

    @app.middleware("http")
    async def security_headers(request: Request,
                               call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        response = await call_next(request)
        docs = request.url.path in {"/docs", "/redoc", "/docs/oauth2-redirect"}
        response.headers.setdefault("Content-Security-Policy", DOCS_CSP if docs else CSP)
        response.headers.setdefault("Strict-Transport-Security", hsts)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        if request.url.path.startswith("/api/"):
            response.headers.setdefault("Cache-Control", "no-store")
        return response
