"""Reports (``sopimus report``) and the audit trail's check (``sopimus audit``)."""

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from app.cli.common import error, municipality_id_of, operator, say, sessions
from app.reports.models import Language

audit_app = typer.Typer(help=say("cli_help_audit"), no_args_is_help=True)
report_app = typer.Typer(help=say("cli_help_report"), no_args_is_help=True)


@audit_app.command("verify", help=say("cli_help_audit_verify"))
def audit_verify() -> None:
    """Recompute the audit trail's hash chains (one per municipality, 0 without one, -1 the
    entries before revision 0013); exit 1 naming the broken chain and its first broken entry."""
    from app.audit.chain import verify

    with sessions()() as session:
        result = verify(session.connection())
    if result.ok:
        typer.echo(say("cli_audit_intact", entries=result.entries, chains=result.chains))
        return
    where = say("cli_audit_entry", id=result.broken_id) if result.broken_id is not None \
        else say("cli_audit_end")
    typer.echo(say("cli_audit_broken", chain=result.chain, where=where, reason=result.reason,
                   entries=result.entries), err=True)
    raise typer.Exit(1)


Output = Annotated[Path, typer.Option("-o", "--output", help=say("cli_opt_report_output"))]


MunicipalityOpt = Annotated[str | None, typer.Option(
    help=say("cli_opt_report_municipality"))]


LangOpt = Annotated[Language, typer.Option("--lang", help=say("cli_opt_report_lang"))]


IssueOpt = Annotated[bool, typer.Option(
    help=say("cli_opt_issue"))]


def _one(rows: list[Any], missing: str, code: str) -> Any:
    """The one of ``rows`` (the last), or ``missing`` (a message) when there is none."""
    if not rows:
        raise typer.BadParameter(missing)
    municipalities = sorted({r.municipality_id for r in rows})
    if len(municipalities) > 1:
        raise typer.BadParameter(say("cli_code_in_several", code=code))
    return rows[-1]


def _where_municipality(session: Any, stmt: Any, model: Any, municipality: str | None) -> Any:
    if municipality is None:
        return stmt
    return stmt.where(model.municipality_id == municipality_id_of(session, municipality))


def _write_report(session: Any, spec: Any, output: Path, issue: bool) -> None:
    """Render with a progress bar; optionally keep it as an issued report."""

    from app.core.errors import DomainError
    from app.reports import render, service

    user = operator()
    try:
        data = service.build(session, user, spec)
    except DomainError as exc:
        typer.echo(error(exc), err=True)
        raise typer.Exit(1) from None
    if output.suffix.lower() in {".html", ".htm"}:
        output.write_text(render.render_html(data, styles="inline"), encoding="utf-8")
        typer.echo(say("cli_wrote_html", file=output), err=True)
        return
    render.lenient_gc()  # this process renders one report and ends
    with typer.progressbar(length=100, label=data.title[:60], file=sys.stderr) as bar:
        def progress(pct: int, _stage: str) -> None:
            bar.update(max(0, pct - bar.pos))

        rendered = render.render_pdf(render.render_html(data), data, progress)
    output.write_bytes(rendered.pdf)
    typer.echo(say("cli_wrote_pdf", file=output, pages=rendered.pages,
                   kib=len(rendered.pdf) // 1024, seconds=f"{rendered.seconds:.1f}"), err=True)
    if issue:
        report = service.store(session, user, data, rendered.pdf, rendered.pages)
        session.commit()
        typer.echo(say("cli_issued", id=report.id, sha256=report.sha256), err=True)


@report_app.command("follow-up", help=say("cli_help_report_follow_up"))
def report_follow_up(
    board: Annotated[str, typer.Option(help=say("cli_opt_board"))],
    period: Annotated[str, typer.Option(help=say("cli_opt_period"))],
    output: Output,
    municipality: MunicipalityOpt = None,
    lang: LangOpt = Language.fi,
    issue: IssueOpt = False,
) -> None:
    """A board's follow-up report for a period."""
    from sqlalchemy import select

    from app.organisations.models import Board
    from app.reports.models import ReportKind
    from app.reports.service import ReportSpec

    with sessions()() as session:
        stmt = _where_municipality(session, select(Board).where(Board.code == board), Board,
                                   municipality)
        found = _one(list(session.scalars(stmt)), say("cli_no_board", code=board), board)
        _write_report(session, ReportSpec(ReportKind.follow_up, lang.value, board_id=found.id,
                                          period=period), output, issue)


@report_app.command("agreement", help=say("cli_help_report_agreement"))
def report_agreement(
    agreement: Annotated[str, typer.Option(help=say("cli_opt_agreement"))],
    output: Output,
    version: Annotated[int | None, typer.Option(help=say("cli_opt_version"))] = None,
    municipality: MunicipalityOpt = None,
    board: Annotated[str | None, typer.Option(
        help=say("cli_opt_report_board"))] = None,
    lang: LangOpt = Language.fi,
    issue: IssueOpt = False,
) -> None:
    """A service agreement version as a document."""
    from sqlalchemy import select

    from app.agreements.models import ServiceAgreement
    from app.organisations.models import Board
    from app.reports.models import ReportKind
    from app.reports.service import ReportSpec

    with sessions()() as session:
        stmt = select(ServiceAgreement).where(ServiceAgreement.code == agreement)
        if version is not None:
            stmt = stmt.where(ServiceAgreement.version == version)
        stmt = _where_municipality(session, stmt, ServiceAgreement, municipality)
        found = _one(list(session.scalars(stmt.order_by(ServiceAgreement.version))),
                     say("cli_no_agreement", code=agreement), agreement)
        board_id = None
        if board:
            board_id = session.scalar(select(Board.id).where(
                Board.code == board, Board.municipality_id == found.municipality_id))
            if board_id is None:
                raise typer.BadParameter(say("cli_no_board", code=board))
        _write_report(session, ReportSpec(ReportKind.agreement, lang.value, board_id=board_id,
                                          service_agreement_id=found.id), output, issue)
