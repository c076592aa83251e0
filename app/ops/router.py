"""Liveness, readiness and metrics, outside the API (/api/v1) and the pages.

- ``/health/live`` (and the older ``/healthz``): the process answers; nothing else is asked,
  so that a process is not restarted because its database is down.
- ``/health/ready`` (and ``/readyz``): the database answers at the schema this version needs,
  the rate limit store (Redis) answers when one is configured, and on PostgreSQL the job
  queue's tables are there; else 503 with a problem naming each that is down (``checks``), for
  the load balancer to send requests elsewhere. On PostgreSQL the answer counts the queue's
  jobs waiting, running, stalled and failed: a backlog is for the operator, not a 503.
- ``/metrics``: Prometheus' text format, for the installation's admin (a personal API token in
  the scraper's ``Authorization: Bearer`` header): route templates and timings tell an outsider
  what the installation serves and how busy it is.
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


@router.get("/health/live")
@router.get("/healthz")
def live(_: Anyone) -> dict[str, str]:
    """Liveness: the process answers (it does not look at the database)."""
    return {"status": "ok"}


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
def prometheus_metrics(_: InstallationAdmin) -> Response:
    return Response(metrics.exposition(), media_type=metrics.CONTENT_TYPE)
