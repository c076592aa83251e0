"""The FastAPI application: every feature's router under /api/v1."""

import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, contextmanager

from fastapi import APIRouter, FastAPI
from fastapi.concurrency import run_in_threadpool
from fastapi.staticfiles import StaticFiles
from starlette.routing import Match
from starlette.types import Scope

from app import models  # noqa: F401  (all mappers configured before the first request)
from app.agreements.router import routers as agreement_routers
from app.audit.router import router as audit_router
from app.auth import access
from app.auth.router import router as auth_router
from app.budgets.router import routers as budget_routers
from app.catalogue.router import routers as catalogue_routers
from app.contracts.router import router as contracts_router
from app.core.audit import RequestIdMiddleware
from app.core.db import get_engine, get_sessionmaker, open_session
from app.core.errors import html_error_page, install_error_handlers
from app.core.health import DatabaseNotReady, engine_problem
from app.core.limits import BodyLimitMiddleware
from app.core.logs import RequestLogMiddleware
from app.core.metrics import MetricsMiddleware, process_exits
from app.core.queue import local as local_jobs
from app.core.routing import route_path
from app.core.security import install_security_headers
from app.core.settings import get_settings
from app.goals.router import routers as goal_routers
from app.indicators.router import routers as indicator_routers
from app.lifecycle.router import routers as lifecycle_routers
from app.ops.router import router as ops_router
from app.organisations.router import routers as organisation_routers
from app.pricelists.router import routers as price_list_routers
from app.reminders import tasks as reminder_tasks  # noqa: F401  (daily reminders)
from app.reports import tasks as report_tasks  # noqa: F401  (the jobs' tasks registered)
from app.reports.router import agreement_router as reports_agreement_router
from app.reports.router import router as reports_router
from app.submissions.router import routers as submission_routers
from app.vouchers.router import routers as voucher_routers
from app.web.reports_pages import router as web_reports_router
from app.web.router import STATIC, error_page
from app.web.router import router as web_router

API_PREFIX = "/api/v1"

log = logging.getLogger(__name__)


class PrefixRouter(APIRouter):
    """Routes that all start with ``path_prefix``: any other path is passed over with one string
    test. FastAPI otherwise tries every route of every included router in turn, twice (to find
    the router, then within it), ~180 regular expressions for a request to /api/v1/indicator-values."""

    def __init__(self, path_prefix: str) -> None:
        super().__init__()
        self.path_prefix = path_prefix

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if not route_path(scope).startswith(self.path_prefix):
            return Match.NONE, {}
        return super().matches(scope)


def include_api(app: FastAPI, router: APIRouter) -> None:
    """``router`` under /api/v1, skipped at once by a request for another of its routers."""
    guarded = PrefixRouter(API_PREFIX + router.prefix)
    guarded.include_router(router)
    app.include_router(guarded, prefix=API_PREFIX)


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    override = app.dependency_overrides.get(open_session)
    if override is None:
        if get_settings().check_database_on_start:
            await run_in_threadpool(refuse_to_start_without_database)
        access.writer.start(get_sessionmaker())
        # SQLite: the jobs run in this process (PostgreSQL's run in `sopimus worker`).
        local_jobs.start(get_engine())
    else:
        # The test suite's one session per test: the access log is written into it when the
        # test flushes it (app.auth.access.flush), not by a thread beside the requests.
        access.writer.start(contextmanager(override), background=False)
    # Start-up leaves ~170 000 long-lived objects; frozen, they are no longer walked by every
    # full collection (~120 ms each, the p99 of list requests in scripts/bench_api.py).
    gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        await run_in_threadpool(local_jobs.stop)  # a job cut short is run again at the next start
        await run_in_threadpool(access.writer.stop)  # what is queued is stored before exit
        process_exits()


def refuse_to_start_without_database() -> None:
    problem = engine_problem(get_engine())
    if problem is not None:
        log.critical(problem)
        raise DatabaseNotReady(problem)


def create_app() -> FastAPI:
    app = FastAPI(
        title="Sopimus",
        summary="Purchaser–provider contract steering (sopimusohjaus) for Finnish municipalities",
        version="0.1.0",
        lifespan=lifespan,
    )
    install_error_handlers(app)
    app.add_middleware(BodyLimitMiddleware, routes=lambda: app.routes)  # innermost
    install_security_headers(app)
    app.add_middleware(RequestLogMiddleware)  # inside RequestIdMiddleware: it has the id
    app.add_middleware(RequestIdMiddleware)
    app.add_middleware(MetricsMiddleware, routes=lambda: app.routes)  # outermost: all the time
    # The lifecycle routes before the agreements' and budgets': /service-agreements/diff is no id.
    for router in (auth_router, *organisation_routers, *catalogue_routers, *lifecycle_routers,
                   *agreement_routers,
                   *budget_routers, *goal_routers, *indicator_routers, contracts_router,
                   *submission_routers, *voucher_routers, *price_list_routers,
                   audit_router, reports_router, reports_agreement_router):
        include_api(app, router)
    app.include_router(ops_router)
    app.include_router(web_router)
    app.include_router(web_reports_router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    html_error_page.append(error_page)

    return app


app = create_app()
