"""Prometheus metrics of the HTTP requests: how many, how long, how many at once; and how many
of the database pool's connections are lent out.

Labelled by the route's template (``/api/v1/goals/{obj_id}``, not the id: a label per object
would grow without end), method and status; a path that matches no route is ``unmatched``.
With several processes (``sopimus serve --workers N``) each writes its figures to files in
PROMETHEUS_MULTIPROC_DIR and /metrics adds up all processes' (prometheus_client's multiprocess
mode: the variable must be set before prometheus_client is first imported, which ``sopimus
serve`` does for its workers).
"""

import os
import time
from collections.abc import Callable, Iterator, Mapping, Sequence

from fastapi.routing import iter_route_contexts
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Receive, Scope, Send

from app.core.asgi import StatusOf
from app.core.db import get_engine

REQUESTS = Counter("sopimus_http_requests", "HTTP requests answered",
                   ["method", "route", "status"])
DURATION = Histogram("sopimus_http_request_duration_seconds",
                     "Time from the request's arrival to the end of its answer",
                     ["method", "route", "status"],
                     buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))
IN_FLIGHT = Gauge("sopimus_http_requests_in_flight", "Requests being answered now",
                  multiprocess_mode="livesum")
DB_CONNECTIONS = Gauge("sopimus_db_connections_in_use",
                       "Database connections of the pool lent out, when a request last ended",
                       multiprocess_mode="livesum")
CONTENT_TYPE = CONTENT_TYPE_LATEST


def _multiprocess_dir() -> str | None:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None


def exposition() -> bytes:
    """Every metric in Prometheus' text format: this process's, or all processes' together."""
    if _multiprocess_dir() is None:
        return generate_latest(REGISTRY)
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    return generate_latest(registry)


def process_exits() -> None:
    """This process' live gauges (requests in flight) no longer count (multiprocess mode)."""
    if _multiprocess_dir() is not None:
        multiprocess.mark_process_dead(os.getpid())  # type: ignore[no-untyped-call]


class MetricsMiddleware:
    """Counts and times every HTTP request (outermost: the time includes the other middleware)."""

    def __init__(self, app: ASGIApp, routes: Callable[[], Sequence[BaseRoute]]) -> None:
        self.app = app
        self.routes = routes
        self._templates: dict[int, str] | None = None

    def _route(self, scope: Scope) -> str:
        """The matched route's whole template: the route in the scope knows only its own
        router's part (``/boards/{obj_id}``, without ``/api/v1``)."""
        if self._templates is None:  # the routes are all there by the first request
            self._templates = {id(context.original_route): context.path
                               for context in iter_route_contexts(self.routes()) if context.path}
        route = scope.get("route")
        if route is None:
            return "unmatched"
        return self._templates.get(id(route)) or str(getattr(route, "path", "unmatched"))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        answer = StatusOf(send)
        started = time.perf_counter()
        IN_FLIGHT.inc()
        try:
            await self.app(scope, receive, answer)
        finally:
            IN_FLIGHT.dec()
            labels = (scope["method"], self._route(scope), str(answer.status))
            REQUESTS.labels(*labels).inc()
            DURATION.labels(*labels).observe(time.perf_counter() - started)
            _sample_pool()


def _sample_pool() -> None:
    """The pool's count of lent connections (a counter it keeps: nothing is asked of the
    database). SQLite's in-memory pool keeps none."""
    checked_out = getattr(get_engine().pool, "checkedout", None)
    if checked_out is not None:
        DB_CONNECTIONS.set(checked_out())


JOBS = Counter("sopimus_jobs", "Job runs ended, by task and outcome (done, failed, retried)",
               ["task", "outcome"])
JOB_DURATION = Histogram("sopimus_job_duration_seconds", "Time a job's run took, by task",
                         ["task", "outcome"],
                         buckets=(0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600))


def job_finished(task: str, outcome: str, seconds: float) -> None:
    """One run of a job of ``task`` ended ``outcome`` after ``seconds`` (a worker's figures
    reach /metrics when it shares PROMETHEUS_MULTIPROC_DIR with the API processes)."""
    JOBS.labels(task, outcome).inc()
    JOB_DURATION.labels(task, outcome).observe(seconds)


class _QueueCollector(Collector):
    def __init__(self, counts: Mapping[str, int]) -> None:
        self.counts = counts

    def collect(self) -> Iterator[GaugeMetricFamily]:
        family = GaugeMetricFamily(
            "sopimus_jobs_in_queue", "The queue's jobs now, by state (waiting, running, stalled: "
            "running on a silent worker, failed), as /ready counts them", labels=["state"])
        for state, count in self.counts.items():
            family.add_metric([state], count)
        yield family


def queue_exposition(counts: Mapping[str, int]) -> bytes:
    """The queue's jobs by state, read from the database at the scrape (every process sees
    the same queue: no per-process figures to add up)."""
    registry = CollectorRegistry()
    registry.register(_QueueCollector(counts))
    return generate_latest(registry)
