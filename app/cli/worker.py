"""``sopimus worker``: runs the queued jobs (report rendering, the periodic work) on PostgreSQL.

Start as many as the load needs, on as many machines: they share the queue in the database.
SQLite has no workers: the server runs its jobs itself (app.core.queue.local).
"""

import logging.config
from typing import Annotated

import typer

from app.cli.common import say


def worker(
    concurrency: Annotated[int, typer.Option(
        help=say("cli_opt_concurrency"))] = 1,
    name: Annotated[str | None, typer.Option(help=say("cli_opt_worker_name"))] = None,
) -> None:
    """Run queued jobs until stopped (Ctrl+C or SIGTERM: the job at hand is finished first)."""
    from app import models  # noqa: F401  (mappers, audit hooks and rules before a session)
    from app.core.db import get_engine
    from app.core.health import engine_problem
    from app.core.logs import logging_config
    from app.core.queue import postgres_conninfo, run_worker
    from app.core.settings import get_settings
    from app.reminders import tasks as reminder_tasks  # noqa: F401  (the tasks this worker knows)
    from app.reports import tasks  # noqa: F401
    from app.submissions import bulk_jobs  # noqa: F401

    engine = get_engine()
    if engine.dialect.name != "postgresql":
        typer.echo(say("cli_worker_needs_postgres"), err=True)
        raise typer.Exit(1)
    problem = engine_problem(engine)
    if problem is not None:
        typer.echo(problem, err=True)
        raise typer.Exit(1)
    settings = get_settings()
    logging.config.dictConfig(logging_config(settings.log_format, settings.log_level))
    run_worker(postgres_conninfo(engine.url.render_as_string(hide_password=False)),
               concurrency=concurrency, name=name)
