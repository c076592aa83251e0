"""Liveness, readiness and metrics, outside the API (/api/v1) and the pages.

- ``/health`` (and ``/health/live``, ``/healthz``): the process answers; nothing else is asked,
  so that a process is not restarted because its database is down.
- ``/ready`` (and ``/health/ready``, ``/readyz``): the database answers at the schema this version needs,
  the rate limit store (Redis) answers when one is configured, and on PostgreSQL the job
  queue's tables are there; else 503 with a problem naming each that is down (``checks``), for
  the load balancer to send requests elsewhere. On PostgreSQL the answer counts the queue's
  jobs waiting, running, stalled and failed: a backlog is for the operator, not a 503.
- ``/metrics``: Prometheus' text format, for the installation's admin (a personal API token in
  the scraper's ``Authorization: Bearer`` header): route templates and timings tell an outsider
  what the installation serves and how busy it is. On PostgreSQL with the queue's jobs by state
  (``sopimus_jobs_in_queue``), read from the database at each scrape.
"""

from typing import Annotated

from fastapi import APIRouter, Depends, Response
from sqlalchemy.orm import Session

from app.auth.models import Role, User
from app.auth.policy import Anyone, allow
from app.auth.ratelimit import storage_problem
from app.core import metrics
from app.core.db import open_session
from app.core.errors import problem
from app.core.health import database_problem
from app.core.queue import queue_state

router = APIRouter(include_in_schema=False)
InstallationAdmin = Annotated[User, Depends(allow({Role.admin}, installation=True))]


@router.get("/health")
@router.get("/health/live")
@router.get("/healthz")
def live(_: Anyone) -> dict[str, str]:
    """Liveness: the process answers (it does not look at the database)."""
    return {"status": "ok"}


@router.get("/ready", response_model=None)
@router.get("/health/ready", response_model=None)
@router.get("/readyz", response_model=None)
def ready(_: Anyone, session: Annotated[Session, Depends(open_session)]
          ) -> dict[str, object] | Response:
    """Readiness: the database answers at the right schema, and so does Redis if configured;
    on PostgreSQL the job queue's tables are there (with its figures)."""
    database = database_problem(session)
    state, queue = queue_state(session) if database is None else (None, None)
    down = {name: reason for name, reason in (("database", database),
                                              ("rate_limit_store", storage_problem()),
                                              ("queue", queue))
            if reason is not None}
    if down:
        return problem(503, "Service unavailable", " ".join(down.values()), checks=down)
    if state is None:
        return {"status": "ready"}
    return {"status": "ready", "queue": state.model_dump()}


@router.get("/metrics")
def prometheus_metrics(_: InstallationAdmin, session: Annotated[Session, Depends(open_session)]
                       ) -> Response:
    """The processes' figures; on PostgreSQL also the queue's jobs by state."""
    body = metrics.exposition()
    state = queue_state(session)[0]  # None on SQLite, or if the queue cannot be read
    if state is not None:
        body += metrics.queue_exposition(state.model_dump())
    return Response(body, media_type=metrics.CONTENT_TYPE)
