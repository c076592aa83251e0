"""Reminders by e-mail (``sopimus remind``): what the daily periodic task does, for cron."""

from datetime import date
from typing import Annotated

import typer


def remind(
    day: Annotated[str | None, typer.Option("--date", help="As of this day (default today)")
                   ] = None,
    days: Annotated[int | None, typer.Option(
        help="Values due within this many days (default SOPIMUS_REMINDER_DAYS, 7)")] = None,
) -> None:
    """E-mail each provider reporter the values due soon and overdue, each purchaser his
    providers' overdue values; each reminder once per due date, one e-mail a day at most."""
    from app import models  # noqa: F401  (mappers, audit hooks and rules before a session)
    from app.core.db import get_sessionmaker
    from app.reminders.service import send_digests

    try:
        today = date.fromisoformat(day) if day else date.today()
    except ValueError:
        raise typer.BadParameter(f"not a date (YYYY-MM-DD): {day}", param_hint="--date") from None
    run = send_digests(get_sessionmaker(), today, days=days)
    typer.echo(f"Reminders of {today}: {run.sent} sent, {run.already_sent} already sent today, "
               f"{run.without_email} without an e-mail address, {run.nothing_new} with nothing "
               f"new, {run.turned_off} with reminders turned off.")
