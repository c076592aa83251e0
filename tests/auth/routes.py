"""The app's own route table: every route with its dependant (its declaration of callers)."""

from typing import Any

from fastapi.routing import APIRoute

from app.main import app


def api_routes() -> list[tuple[str, str, Any]]:
    """(method, path, dependant) for every route of the app (API, pages, health check)."""
    out: list[tuple[str, str, Any]] = []
    for route in app.routes:
        if isinstance(route, APIRoute):
            out += [(method, route.path, route.dependant) for method in route.methods]
        elif hasattr(route, "effective_route_contexts"):  # an included router's routes
            for ctx in route.effective_route_contexts():
                out += [(method, ctx.path, ctx.dependant) for method in ctx.methods]
    return sorted(out, key=lambda r: (r[1], r[0]))
