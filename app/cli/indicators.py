"""National indicators from Sotkanet (``sopimus sotkanet``)."""

from pathlib import Path
from typing import Annotated

import typer

from app.cli.common import counts, error, municipality_id_of, operator, say, sessions

sotkanet_app = typer.Typer(help=say("cli_help_sotkanet"), no_args_is_help=True)


@sotkanet_app.command("load", help=say("cli_help_sotkanet_load"))
def sotkanet_load(
    file: Annotated[Path, typer.Argument(help=say("cli_opt_sotkanet_file"))],
    regions: Annotated[Path, typer.Option(help=say("cli_opt_regions"))],
    municipality: Annotated[str | None, typer.Option(help=say("cli_opt_only_municipality"))] = None,
    user: Annotated[str | None, typer.Option(help=say("cli_opt_sotkanet_user"))] = None,
) -> None:
    """Load the yearly values of national measures from Sotkanet files: all or nothing."""
    from sqlalchemy import select

    from app.auth.models import User
    from app.core.errors import DomainError
    from app.submissions import sotkanet

    with sessions()() as session:
        actor = operator("sotkanet")
        if user is not None:
            found = session.scalar(select(User).where(User.username == user))
            if found is None:
                raise typer.BadParameter(say("cli_no_user", user=user))
            actor = found
        municipality_id = None
        if municipality:
            municipality_id = municipality_id_of(session, municipality)
        try:
            result = sotkanet.load(
                session, actor, sotkanet.parse_values(file.read_bytes()),
                sotkanet.parse_regions(regions.read_bytes()), municipality_id=municipality_id)
        except DomainError as exc:
            session.rollback()
            typer.echo(error(exc), err=True)
            for err in exc.extra.get("errors", []):
                typer.echo("  " + ", ".join(f"{k}: {v}" for k, v in err.items()), err=True)
            raise typer.Exit(1) from None
        session.commit()
    for m in result.measures:
        typer.echo(say("cli_sotkanet_measure", code=m.measure_code, indicator=m.indicator,
                       region=m.region_title, counts=counts(
                           len(m.created), len(m.updated), len(m.unchanged))))
    typer.echo(counts(result.created, result.updated, result.unchanged))
