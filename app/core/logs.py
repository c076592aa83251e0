"""Log lines: one JSON object a line (``SOPIMUS_LOG_FORMAT=json``, for production: a log
collector reads the fields without parsing prose) or a line of text (the default, for a person).

Every line names the request it belongs to (``request_id``, the id echoed in the answer's
X-Request-ID header) or the job (``job_task``, ``job_id``: the feature's job row). The line per
request (logger ``sopimus.http``, written by ``RequestLogMiddleware``) adds method, path,
status and duration_ms; uvicorn's own line per request is turned off, as it knows no request id.

``logging_config`` is a ``logging.config.dictConfig`` dictionary: ``sopimus serve`` gives it to
uvicorn, which applies it in each of its processes; ``sopimus worker`` applies it itself.
"""

import logging
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import IO, Literal

from pythonjsonlogger.json import JsonFormatter
from starlette.types import ASGIApp, Receive, Scope, Send

from app.core.asgi import StatusOf
from app.core.audit import request_id

LogFormat = Literal["text", "json"]
REQUESTS_LOGGER = "sopimus.http"

_job: ContextVar[tuple[str, int] | None] = ContextVar("sopimus_log_job", default=None)
request_log = logging.getLogger(REQUESTS_LOGGER)


@contextmanager
def job_context(task: str, job_id: int) -> Iterator[None]:
    """What is logged inside names the job (the task's name and the feature's job id)."""
    token = _job.set((task, job_id))
    try:
        yield
    finally:
        _job.reset(token)


class ContextFilter(logging.Filter):
    """Adds the request id and the job to every record the handler writes (None outside)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get()
        job = _job.get()
        if job is not None:
            record.job_task, record.job_id = job
        return True


TEXT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"


def json_formatter() -> logging.Formatter:
    """timestamp (ISO 8601, UTC), level, logger, message, then the record's context and extra
    fields (``request_id``, ``job_task``, ``job_id``, the request line's method…)."""
    return JsonFormatter("{levelname}{name}{message}", style="{", timestamp=True,
                         rename_fields={"levelname": "level", "name": "logger"})


def make_handler(log_format: LogFormat = "text", stream: IO[str] | None = None) -> logging.Handler:
    """The one handler every line goes through (standard error unless ``stream``)."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.addFilter(ContextFilter())
    handler.setFormatter(json_formatter() if log_format == "json" else logging.Formatter(TEXT))
    return handler


def logging_config(log_format: LogFormat, level: str = "INFO", *, request_lines: bool = True
                   ) -> dict[str, object]:
    """The dictConfig of a server or worker process: everything through ``make_handler``;
    uvicorn's loggers pass their lines on to it; ``request_lines`` False drops the line per
    request (``sopimus serve --no-access-log``)."""
    passed_on = {"handlers": [], "propagate": True}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "handlers": {"main": {"()": "app.core.logs.make_handler", "log_format": log_format}},
        "root": {"level": level, "handlers": ["main"]},
        "loggers": {
            "uvicorn": {**passed_on, "level": level},
            "uvicorn.error": {**passed_on, "level": level},
            "uvicorn.access": {**passed_on, "level": "WARNING"},  # ours has the request id
            REQUESTS_LOGGER: {**passed_on, "level": "INFO" if request_lines else "WARNING"},
            # /ready asks alembic for the schema's revision: two lines a probe, every probe.
            "alembic": {**passed_on, "level": "WARNING"},
        },
    }


class RequestLogMiddleware:
    """One line per request when ``sopimus.http`` logs INFO. Placed inside
    RequestIdMiddleware, so that the line carries the request's id."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not request_log.isEnabledFor(logging.INFO):
            await self.app(scope, receive, send)
            return
        answer = StatusOf(send)
        started = time.perf_counter()
        try:
            await self.app(scope, receive, answer)
        finally:
            duration_ms = round((time.perf_counter() - started) * 1000, 1)
            # The path without its query: a query may carry what a log should not keep.
            request_log.info("%s %s %s %.1f ms", scope["method"], scope["path"], answer.status,
                             duration_ms, extra={"method": scope["method"], "path": scope["path"],
                                                 "status": answer.status, "duration_ms": duration_ms})
