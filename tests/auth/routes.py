"""The app's own route table, with each route's dependencies."""

from collections.abc import Iterator
from typing import Any

from fastapi.routing import APIRoute

from app.main import app


def _calls(dependant: Any) -> Iterator[Any]:
    for dep in dependant.dependencies:
        yield dep.call
        yield from _calls(dep)


def api_routes() -> list[tuple[str, str, set[Any]]]:
    """(method, path, every dependency callable) for every API route of the app."""
    out: list[tuple[str, str, set[Any]]] = []

    def walk(routes: Any) -> None:
        for route in routes:
            if isinstance(route, APIRoute):
                for method in route.methods:
                    out.append((method, route.path, set(_calls(route.dependant))))
            elif hasattr(route, "effective_route_contexts"):
                for ctx in route.effective_route_contexts():
                    for method in ctx.methods:
                        out.append((method, ctx.path, set(_calls(ctx.dependant))))

    walk(app.routes)
    return sorted(out, key=lambda r: (r[1], r[0]))
