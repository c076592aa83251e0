"""Agreement sets as files (import, export, schema) and the differences between versions (diff)."""

from pathlib import Path
from typing import Annotated

import typer

from app.cli.common import counts, error, language, municipality_id_of, operator, say, sessions


def import_(files: Annotated[list[Path], typer.Argument(help=say("cli_opt_files"))]) -> None:
    """Import agreement sets: all files or nothing; importing the same file again changes nothing."""
    from app.contracts.importer import import_text
    from app.contracts.loading import ImportFailed, read_file
    from app.core.errors import DomainError
    from app.core.health import database_problem
    from app.demo import SYSTEM

    with sessions()() as session:
        problem = database_problem(session)  # not a traceback from the first query
        if problem is not None:
            typer.echo(problem, err=True)
            raise typer.Exit(1)
        try:
            for path in files:
                result = import_text(session, SYSTEM, read_file(path), str(path),
                                     lang=language())
                if not result.changed:
                    typer.echo(say("cli_import_no_changes", file=path, unchanged=result.unchanged))
                    continue
                typer.echo(f"{path}: "
                           f"{counts(result.created, result.updated, result.unchanged)}")
                for amendment in result.amendments:  # a changed approved agreement
                    typer.echo(say("cli_amendment_drafted", agreement=amendment.agreement,
                                   version=amendment.version))
                    typer.echo(amendment.diff, nl=False)
        except ImportFailed as exc:
            session.rollback()
            typer.echo(say("cli_import_rejected_file", file=exc.detail.split(':')[0]), err=True)
            for err in exc.errors:
                line = say("cli_at_line", line=err["line"]) if err.get("line") else ""
                typer.echo(f"  {err['path']}: {err['message']}{line}", err=True)
            raise typer.Exit(1) from None
        except DomainError as exc:  # e.g. the file would change an approved agreement
            session.rollback()
            typer.echo(say("cli_import_rejected", detail=error(exc)), err=True)
            raise typer.Exit(1) from None
        session.commit()


def export(
    municipality: Annotated[str, typer.Option(help=say("cli_opt_municipality"))],
    board: Annotated[str, typer.Option(help=say("cli_opt_board"))],
    year: Annotated[int, typer.Option(help=say("cli_opt_export_year"))],
    output: Annotated[Path | None, typer.Option("-o", "--output", help=say("cli_opt_output"))] = None,
) -> None:
    """Export an agreement set as YAML."""
    from app.contracts.exporter import build, dump
    from app.core.errors import DomainError

    reader = operator()
    with sessions()() as session:
        try:
            text = dump(build(session, reader, municipality, board, year))
        except DomainError as exc:
            typer.echo(error(exc), err=True)
            raise typer.Exit(1) from None
    if output:
        output.write_text(text, encoding="utf-8")
        typer.echo(say("cli_wrote", file=output), err=True)
    else:
        typer.echo(text, nl=False)


def schema(
    output: Annotated[Path | None, typer.Option("-o", "--output", help=say("cli_opt_output"))] = None,
) -> None:
    """Write the JSON Schema of the contracts/ file format."""
    from app.contracts.schema import json_schema

    if output:
        output.write_text(json_schema(), encoding="utf-8")
    else:
        typer.echo(json_schema(), nl=False)


def diff(
    municipality: Annotated[str, typer.Option(help=say("cli_opt_municipality"))],
    from_: Annotated[int, typer.Option("--from", help=say("cli_opt_from"))],
    to: Annotated[int, typer.Option("--to", help=say("cli_opt_to"))],
    agreement: Annotated[str | None, typer.Option(help=say("cli_opt_agreement"))] = None,
    budget: Annotated[str | None, typer.Option(help=say("cli_opt_budget"))] = None,
    framework: Annotated[str | None, typer.Option(
        help=say("cli_opt_framework"))] = None,
    year: Annotated[int | None, typer.Option(
        help=say("cli_opt_diff_year"))] = None,
) -> None:
    """Compare two versions of a service agreement (--agreement), an order budget (--budget,
    --year) or a framework agreement (--framework, --year): goals, measures, targets, lines,
    volumes and prices with the euro effect; perspectives and long-term goals."""
    from sqlalchemy import select

    from app.agreements.models import FrameworkAgreement, ServiceAgreement
    from app.budgets.models import OrderBudget
    from app.lifecycle import diff as d
    from app.lifecycle import diff_text
    from app.organisations.models import Board

    if sum(x is not None for x in (agreement, budget, framework)) != 1 \
            or (agreement is None and year is None):
        raise typer.BadParameter(say("cli_diff_which"))
    reader = operator()
    with sessions()() as session:
        m_id = municipality_id_of(session, municipality)
        if agreement is not None:
            ids = dict(session.execute(select(ServiceAgreement.version, ServiceAgreement.id).where(
                ServiceAgreement.municipality_id == m_id, ServiceAgreement.code == agreement)).all())
            what = say("cli_service_agreement", code=agreement)
        elif budget is not None:
            ids = dict(session.execute(
                select(OrderBudget.version, OrderBudget.id).join(Board).where(
                    Board.municipality_id == m_id, Board.code == budget, OrderBudget.year == year)
            ).all())
            what = say("cli_order_budget", board=budget, year=year)
        else:
            ids = dict(session.execute(
                select(FrameworkAgreement.version, FrameworkAgreement.id).join(Board).where(
                    Board.municipality_id == m_id, Board.code == framework,
                    FrameworkAgreement.first_year <= year, FrameworkAgreement.last_year >= year)
            ).all())
            what = say("cli_framework_agreement", board=framework, year=year)
        for version in (from_, to):
            if version not in ids:
                shown = ", ".join(map(str, sorted(ids))) or say("cli_none")
                typer.echo(say("cli_no_version", what=what, version=version, versions=shown),
                           err=True)
                raise typer.Exit(1)
        if agreement is not None:
            typer.echo(diff_text.render_service_agreement(
                d.compare_service_agreements(session, reader, ids[from_], ids[to]), language()),
                nl=False)
        elif budget is not None:
            typer.echo(diff_text.render_order_budget(
                d.compare_order_budgets(session, reader, ids[from_], ids[to]), language()), nl=False)
        else:
            typer.echo(diff_text.render_framework_agreement(
                d.compare_framework_agreements(session, reader, ids[from_], ids[to]), language()),
                nl=False)
