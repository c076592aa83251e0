"""Reminders by e-mail (``sopimus remind``): what the daily periodic task does, for cron."""

from datetime import date
from typing import Annotated

import typer

from app.cli.common import say


def remind(
    day: Annotated[str | None, typer.Option("--date", help=say("cli_opt_date"))
                   ] = None,
    days: Annotated[int | None, typer.Option(
        help=say("cli_opt_days"))] = None,
) -> None:
    """E-mail each provider reporter the values due soon and overdue, each purchaser his
    providers' overdue values; each reminder once per due date, one e-mail a day at most."""
    from app import models  # noqa: F401  (mappers, audit hooks and rules before a session)
    from app.core.db import get_sessionmaker
    from app.reminders.service import send_digests

    try:
        today = date.fromisoformat(day) if day else date.today()
    except ValueError:
        raise typer.BadParameter(say("cli_not_a_date", day=day), param_hint="--date") from None
    run = send_digests(get_sessionmaker(), today, days=days)
    typer.echo(say("cli_reminders", day=today.isoformat(), sent=run.sent, already=run.already_sent,
                   without=run.without_email, nothing=run.nothing_new, off=run.turned_off))
