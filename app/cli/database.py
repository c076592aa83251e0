"""The database: migrating it (``sopimus db``), loading the demo data."""

import csv
from pathlib import Path
from typing import Annotated

import typer

from app.cli.common import say, sessions

db_app = typer.Typer(help=say("cli_help_db"), no_args_is_help=True)


@db_app.command("upgrade", help=say("cli_help_db_upgrade"))
def db_upgrade(revision: str = "head") -> None:
    """Migrate the database (SOPIMUS_DATABASE_URL) to the newest schema."""
    from app.core.db import get_engine
    from app.core.migrate import upgrade

    upgrade(get_engine(), revision)
    typer.echo(say("cli_database_at_url", revision=revision,
                   url=get_engine().url.render_as_string()))


@db_app.command("downgrade", help=say("cli_help_db_downgrade"))
def db_downgrade(revision: str = typer.Argument(..., help=say("cli_opt_revision"))) -> None:
    """Migrate the database back to an older schema."""
    from app.core.db import get_engine
    from app.core.migrate import downgrade

    downgrade(get_engine(), revision)
    typer.echo(say("cli_database_at", revision=revision))


def demo(
    users_csv: Annotated[Path | None, typer.Option(help=say("cli_opt_users_csv"))] = None,
    if_empty: Annotated[bool, typer.Option(help=say("cli_opt_if_empty"))] = False,
) -> None:
    """Load the demo data: the seed municipalities and one user per role."""
    from app.demo import DemoUser, database_is_empty, load_demo
    from app.demo_progress import demo_loaded

    with sessions()() as session:
        if if_empty and not database_is_empty(session):
            typer.echo(say("cli_demo_not_loaded"))
            return
        if demo_loaded(session):
            typer.echo(say("cli_demo_already"))
            return
        users: list[DemoUser] = load_demo(session, progress=lambda msg: typer.echo(msg, err=True))
        session.commit()
    typer.echo(say("cli_demo_users"))
    for u in users:
        typer.echo(f"  {u.username:<28} {u.password:<24} {u.role:<20} {u.municipality:<4} "
                   f"{u.provider}")
    if users_csv:
        with users_csv.open("w", newline="", encoding="utf-8") as f:
            writer = csv.writer(f)
            writer.writerow(["username", "password", "role", "municipality", "provider"])
            writer.writerows([u.username, u.password, u.role, u.municipality, u.provider]
                             for u in users)
        typer.echo(say("cli_wrote", file=users_csv))

