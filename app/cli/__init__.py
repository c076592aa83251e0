"""The ``sopimus`` command line: the typer app, put together from one module per use case.

database: ``db upgrade``/``db downgrade``, ``demo``; serve: ``serve``; agreements: ``import``,
``export``, ``schema``, ``diff``; users: ``user create``, ``user email``; indicators:
``sotkanet load``; reports: ``report follow-up``/``report agreement``, ``audit verify``;
``worker``; ``remind``. What they share is in common. Every help text and message is the
catalogue's, in the operator's language (common.language).
"""

import typer

from app.cli import agreements, database, indicators, remind, reports, serve, users, worker
from app.cli.common import say

app = typer.Typer(help=say("cli_help_app"), no_args_is_help=True)
# In the order `sopimus --help` lists them.
app.command(help=say("cli_help_demo"))(database.demo)
app.command("import", help=say("cli_help_import"))(agreements.import_)
app.command(help=say("cli_help_export"))(agreements.export)
app.command(help=say("cli_help_schema"))(agreements.schema)
app.command(help=say("cli_help_serve"))(serve.serve)
app.command(help=say("cli_help_diff"))(agreements.diff)
app.command(help=say("cli_help_worker"))(worker.worker)
app.command(help=say("cli_help_remind"))(remind.remind)
app.add_typer(database.db_app, name="db")
app.add_typer(users.user_app, name="user")
app.add_typer(indicators.sotkanet_app, name="sotkanet")
app.add_typer(reports.audit_app, name="audit")
app.add_typer(reports.report_app, name="report")


def main() -> None:
    from app.core.audit import SYSTEM_ACTOR, actor

    actor.set(SYSTEM_ACTOR)  # what the command line changes is the system's doing
    app(prog_name="sopimus")
