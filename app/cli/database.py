"""The database: migrating it (``sopimus db``), loading the demo data, serving the app."""

import csv
from pathlib import Path
from typing import Annotated

import typer

from app.cli.common import sessions

db_app = typer.Typer(help="The database.", no_args_is_help=True)


@db_app.command("upgrade")
def db_upgrade(revision: str = "head") -> None:
    """Migrate the database (SOPIMUS_DATABASE_URL) to the newest schema."""
    from app.core.db import get_engine
    from app.core.migrate import upgrade

    upgrade(get_engine(), revision)
    typer.echo(f"Database at {revision}: {get_engine().url.render_as_string()}")


@db_app.command("downgrade")
def db_downgrade(revision: str = typer.Argument(..., help="Target revision, e.g. base")) -> None:
    """Migrate the database back to an older schema."""
    from app.core.db import get_engine
    from app.core.migrate import downgrade

    downgrade(get_engine(), revision)
    typer.echo(f"Database at {revision}")


def demo(
    users_csv: Annotated[Path | None, typer.Option(help="Also write the demo users as CSV")] = None,
    if_empty: Annotated[bool, typer.Option(help="Load only into an empty database")] = False,
) -> None:
    """Load the demo data: the seed municipalities and one user per role."""
    from app.demo import DemoUser, database_is_empty, load_demo
    from app.demo_progress import demo_loaded

    with sessions()() as session:
        if if_empty and not database_is_empty(session):
            typer.echo("The database already has data; demo data not loaded.")
            return
        if demo_loaded(session):
            typer.echo("The demo data is already loaded; nothing changed.")
            return
        users: list[DemoUser] = load_demo(session, progress=lambda msg: typer.echo(msg, err=True))
        session.commit()
    typer.echo("Demo users (username / password / role / municipality / provider):")
    for u in users:
        typer.echo(f"  {u.username:<28} {u.password:<24} {u.role:<20} {u.municipality:<4} "
                   f"{u.provider}")
    if users_csv:
        with users_csv.open("w", newline="", encoding="utf-8") as f:
            writer = csv.writer(f)
            writer.writerow(["username", "password", "role", "municipality", "provider"])
            writer.writerows([u.username, u.password, u.role, u.municipality, u.provider]
                             for u in users)
        typer.echo(f"Wrote {users_csv}")


def serve(
    port: Annotated[int | None, typer.Option(help="Port (default SOPIMUS_PORT or 8000)")] = None,
    host: Annotated[str | None, typer.Option(help="Address (default 127.0.0.1)")] = None,
) -> None:
    """Serve the web app and the API (once the database answers and is migrated)."""
    import uvicorn

    from app.core.db import get_engine
    from app.core.health import engine_problem
    from app.core.settings import get_settings

    settings = get_settings()
    problem = engine_problem(get_engine()) if settings.check_database_on_start else None
    if problem is not None:
        typer.echo(problem, err=True)
        raise typer.Exit(1)
    uvicorn.run("app.main:app", host=host or settings.host, port=port or settings.port,
                proxy_headers=False)
