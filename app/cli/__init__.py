"""The ``sopimus`` command line: the typer app, put together from one module per use case.

database: ``db upgrade``/``db downgrade``, ``demo``; serve: ``serve``; agreements: ``import``,
``export``, ``schema``, ``diff``; users: ``user create``, ``user email``; indicators:
``sotkanet load``; reports: ``report follow-up``/``report agreement``, ``audit verify``;
``worker``; ``remind``. What they share is in common.
"""

import typer

from app.cli import agreements, database, indicators, remind, reports, serve, users, worker

app = typer.Typer(help="Sopimus: purchaser–provider contract steering.", no_args_is_help=True)
# In the order `sopimus --help` lists them.
app.command()(database.demo)
app.command("import")(agreements.import_)
app.command()(agreements.export)
app.command()(agreements.schema)
app.command()(serve.serve)
app.command()(agreements.diff)
app.command()(worker.worker)
app.command()(remind.remind)
app.add_typer(database.db_app, name="db")
app.add_typer(users.user_app, name="user")
app.add_typer(indicators.sotkanet_app, name="sotkanet")
app.add_typer(reports.audit_app, name="audit")
app.add_typer(reports.report_app, name="report")


def main() -> None:
    from app.core.audit import SYSTEM_ACTOR, actor

    actor.set(SYSTEM_ACTOR)  # what the command line changes is the system's doing
    app(prog_name="sopimus")
