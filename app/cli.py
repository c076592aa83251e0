"""The ``sopimus`` command line."""

import csv
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from app.auth.models import Role
from app.reports.models import Language

app = typer.Typer(help="Sopimus: purchaser–provider contract steering.", no_args_is_help=True)
db_app = typer.Typer(help="The database.", no_args_is_help=True)
user_app = typer.Typer(help="Users.", no_args_is_help=True)
sotkanet_app = typer.Typer(help="National indicators from THL's Sotkanet.", no_args_is_help=True)
audit_app = typer.Typer(help="The audit trail.", no_args_is_help=True)
report_app = typer.Typer(help="Reports as PDF/A-3a (or HTML when the file ends in .html).",
                         no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(user_app, name="user")
app.add_typer(sotkanet_app, name="sotkanet")
app.add_typer(audit_app, name="audit")
app.add_typer(report_app, name="report")


# The commands import what they use when they run, so that `sopimus --help` starts at once:
# the lazy imports point down the layers (the CLI is on top), they dodge no cycle.
def _sessions() -> Any:
    """The sessionmaker, with every model, session hook and rule in place (app.models)."""
    from app import models  # noqa: F401
    from app.core.db import get_sessionmaker

    return get_sessionmaker()


def _operator(username: str | None = None) -> Any:
    """Who acts from the command line: the installation's admin, unsaved, named in the audit
    trail as ``username`` (default: cli:<the operating system's user>)."""
    import getpass

    from app.auth.models import User

    return User(username=username or f"cli:{getpass.getuser()}", full_name="Command line",
                role=Role.admin)


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


@app.command()
def demo(
    users_csv: Annotated[Path | None, typer.Option(help="Also write the demo users as CSV")] = None,
    if_empty: Annotated[bool, typer.Option(help="Load only into an empty database")] = False,
) -> None:
    """Load the demo data: the seed municipalities and one user per role."""
    from app.demo import DemoUser, database_is_empty, load_demo

    with _sessions()() as session:
        if if_empty and not database_is_empty(session):
            typer.echo("The database already has data; demo data not loaded.")
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


@app.command("import")
def import_(files: Annotated[list[Path], typer.Argument(help="Agreement set YAML files")]) -> None:
    """Import agreement sets: all files or nothing; importing the same file again changes nothing."""
    from app.contracts.importer import ImportFailed, import_text, read_file
    from app.core.errors import DomainError
    from app.demo import SYSTEM

    with _sessions()() as session:
        try:
            for path in files:
                result = import_text(session, SYSTEM, read_file(path), str(path))
                typer.echo(f"{path}: {result.created} created, {result.updated} updated, "
                           f"{result.unchanged} unchanged")
        except ImportFailed as exc:
            session.rollback()
            typer.echo(f"Rejected {exc.detail.split(':')[0]}; nothing was imported:", err=True)
            for err in exc.errors:
                line = f" (line {err['line']})" if err.get("line") else ""
                typer.echo(f"  {err['path']}: {err['message']}{line}", err=True)
            raise typer.Exit(1) from None
        except DomainError as exc:  # e.g. the file would change an approved agreement
            session.rollback()
            typer.echo(f"Rejected; nothing was imported: {exc.detail}", err=True)
            raise typer.Exit(1) from None
        session.commit()


@app.command()
def export(
    municipality: Annotated[str, typer.Option(help="Municipality code, e.g. 109")],
    board: Annotated[str, typer.Option(help="Board code, e.g. LANULA")],
    year: Annotated[int, typer.Option(help="Year of the order budget and service agreements")],
    output: Annotated[Path | None, typer.Option("-o", "--output", help="File (default stdout)")] = None,
) -> None:
    """Export an agreement set as YAML."""
    from app.contracts.exporter import build, dump
    from app.core.errors import DomainError

    reader = _operator()
    with _sessions()() as session:
        try:
            text = dump(build(session, reader, municipality, board, year))
        except DomainError as exc:
            typer.echo(f"Error: {exc.detail}", err=True)
            raise typer.Exit(1) from None
    if output:
        output.write_text(text, encoding="utf-8")
        typer.echo(f"Wrote {output}", err=True)
    else:
        typer.echo(text, nl=False)


@app.command()
def schema(
    output: Annotated[Path | None, typer.Option("-o", "--output", help="File (default stdout)")] = None,
) -> None:
    """Write the JSON Schema of the contracts/ file format."""
    from app.contracts.schema import json_schema

    if output:
        output.write_text(json_schema(), encoding="utf-8")
    else:
        typer.echo(json_schema(), nl=False)


@app.command()
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


@user_app.command("create")
def user_create(
    username: str,
    role: Annotated[Role, typer.Option(help="admin, purchaser_director, …")],
    full_name: Annotated[str, typer.Option(help="Shown in the app")] = "",
    municipality: Annotated[str | None, typer.Option(help="Municipality code, e.g. 109")] = None,
    provider: Annotated[str | None, typer.Option(help="Provider code (provider reporters)")] = None,
    board: Annotated[str | None, typer.Option(help="Board code (board members)")] = None,
    unit: Annotated[str | None, typer.Option(help="Purchaser unit code (purchaser managers)")] = None,
    password: Annotated[str | None, typer.Option(help="Asked for if not given",
                                                 envvar="SOPIMUS_NEW_PASSWORD")] = None,
) -> None:
    """Create a user; an admin without a municipality administers the whole installation."""
    from sqlalchemy import select

    from app.auth.service import create_user
    from app.core.errors import DomainError
    from app.organisations.models import Board, Provider, PurchaserUnit

    if password is None:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    with _sessions()() as session:
        municipality_id = provider_id = board_id = unit_id = None
        if municipality:
            municipality_id = _municipality_id(session, municipality)
        if provider:
            provider_id = session.scalar(select(Provider.id).where(
                Provider.code == provider, Provider.municipality_id == municipality_id))
            if provider_id is None:
                raise typer.BadParameter(f"no provider with code {provider} in {municipality}")
        if board:
            board_id = session.scalar(select(Board.id).where(
                Board.code == board, Board.municipality_id == municipality_id))
            if board_id is None:
                raise typer.BadParameter(f"no board with code {board} in {municipality}")
        if unit:
            unit_id = session.scalar(select(PurchaserUnit.id).where(
                PurchaserUnit.code == unit, PurchaserUnit.municipality_id == municipality_id))
            if unit_id is None:
                raise typer.BadParameter(f"no purchaser unit with code {unit} in {municipality}")
        try:
            create_user(session, username=username, password=password,
                        full_name=full_name or username, role=role,
                        municipality_id=municipality_id, provider_id=provider_id,
                        board_id=board_id, purchaser_unit_id=unit_id)
        except DomainError as exc:
            typer.echo(f"Error: {exc.detail}", err=True)
            raise typer.Exit(1) from None
        session.commit()
    typer.echo(f"Created user {username} ({role.value})")


@sotkanet_app.command("load")
def sotkanet_load(
    file: Annotated[Path, typer.Argument(help="Sotkanet data (JSON array of indicator, region, "
                                              "year, gender, value, absValue)")],
    regions: Annotated[Path, typer.Option(help="Sotkanet's regions list (JSON)")],
    municipality: Annotated[str | None, typer.Option(help="Only this municipality, e.g. 109")] = None,
    user: Annotated[str | None, typer.Option(help="Attribute the values to this purchaser "
                                                  "(default: 'sotkanet')")] = None,
) -> None:
    """Load the yearly values of national measures from Sotkanet files: all or nothing."""
    from sqlalchemy import select

    from app.auth.models import User
    from app.core.errors import DomainError
    from app.submissions import sotkanet

    with _sessions()() as session:
        actor = _operator("sotkanet")
        if user is not None:
            found = session.scalar(select(User).where(User.username == user))
            if found is None:
                raise typer.BadParameter(f"no user {user}")
            actor = found
        municipality_id = None
        if municipality:
            municipality_id = _municipality_id(session, municipality)
        try:
            result = sotkanet.load(
                session, actor, sotkanet.parse_values(file.read_bytes()),
                sotkanet.parse_regions(regions.read_bytes()), municipality_id=municipality_id)
        except DomainError as exc:
            session.rollback()
            typer.echo(f"Error: {exc.detail}", err=True)
            for err in exc.extra.get("errors", []):
                typer.echo("  " + ", ".join(f"{k}: {v}" for k, v in err.items()), err=True)
            raise typer.Exit(1) from None
        session.commit()
    for m in result["measures"]:
        typer.echo(f"{m['measure_code']} (indicator {m['indicator']}, {m['region_title']}): "
                   f"{len(m['created'])} created, {len(m['updated'])} updated, "
                   f"{len(m['unchanged'])} unchanged")
    typer.echo(f"{result['created']} created, {result['updated']} updated, "
               f"{result['unchanged']} unchanged")


@app.command()
def diff(
    municipality: Annotated[str, typer.Option(help="Municipality code, e.g. 109")],
    from_: Annotated[int, typer.Option("--from", help="Version compared from, e.g. 1")],
    to: Annotated[int, typer.Option("--to", help="Version compared to, e.g. 2")],
    agreement: Annotated[str | None, typer.Option(help="Service agreement code")] = None,
    budget: Annotated[str | None, typer.Option(help="Board code of an order budget")] = None,
    framework: Annotated[str | None, typer.Option(
        help="Board code of a framework agreement")] = None,
    year: Annotated[int | None, typer.Option(
        help="The order budget's year, or a year the framework agreement covers")] = None,
) -> None:
    """Compare two versions of a service agreement (--agreement), an order budget (--budget,
    --year) or a framework agreement (--framework, --year): goals, measures, targets, lines,
    volumes and prices with the euro effect; perspectives and long-term goals."""
    from sqlalchemy import select

    from app.agreements import diff as d
    from app.agreements.models import FrameworkAgreement, ServiceAgreement
    from app.budgets.models import OrderBudget
    from app.organisations.models import Board

    if sum(x is not None for x in (agreement, budget, framework)) != 1 \
            or (agreement is None and year is None):
        raise typer.BadParameter("give --agreement CODE, --budget BOARD --year YEAR or "
                                 "--framework BOARD --year YEAR")
    reader = _operator()
    with _sessions()() as session:
        m_id = _municipality_id(session, municipality)
        if agreement is not None:
            ids = dict(session.execute(select(ServiceAgreement.version, ServiceAgreement.id).where(
                ServiceAgreement.municipality_id == m_id, ServiceAgreement.code == agreement)).all())
            what = f"service agreement {agreement}"
        elif budget is not None:
            ids = dict(session.execute(
                select(OrderBudget.version, OrderBudget.id).join(Board).where(
                    Board.municipality_id == m_id, Board.code == budget, OrderBudget.year == year)
            ).all())
            what = f"order budget {budget} {year}"
        else:
            ids = dict(session.execute(
                select(FrameworkAgreement.version, FrameworkAgreement.id).join(Board).where(
                    Board.municipality_id == m_id, Board.code == framework,
                    FrameworkAgreement.first_year <= year, FrameworkAgreement.last_year >= year)
            ).all())
            what = f"framework agreement {framework} covering {year}"
        for version in (from_, to):
            if version not in ids:
                shown = ", ".join(map(str, sorted(ids))) or "none"
                typer.echo(f"Error: {what} has no version {version} (versions: {shown})", err=True)
                raise typer.Exit(1)
        if agreement is not None:
            typer.echo(d.render_service_agreement(
                d.compare_service_agreements(session, reader, ids[from_], ids[to])), nl=False)
        elif budget is not None:
            typer.echo(d.render_order_budget(
                d.compare_order_budgets(session, reader, ids[from_], ids[to])), nl=False)
        else:
            typer.echo(d.render_framework_agreement(
                d.compare_framework_agreements(session, reader, ids[from_], ids[to])), nl=False)


@audit_app.command("verify")
def audit_verify() -> None:
    """Recompute the audit trail's hash chain; exit 1 naming the first entry that is broken."""
    from app.audit.chain import verify

    with _sessions()() as session:
        result = verify(session.connection())
    if result.ok:
        typer.echo(f"The audit trail is intact: {result.entries} entries.")
        return
    where = f"entry {result.broken_id}" if result.broken_id is not None else "its end"
    typer.echo(f"The audit trail is broken at {where}: {result.reason} "
               f"({result.entries} entries before it are intact).", err=True)
    raise typer.Exit(1)


Output = Annotated[Path, typer.Option("-o", "--output", help="The PDF (or .html) to write")]
MunicipalityOpt = Annotated[str | None, typer.Option(
    help="Municipality code, e.g. 109 (needed when the code is used in several)")]
LangOpt = Annotated[Language, typer.Option("--lang", help="Language of the report")]
IssueOpt = Annotated[bool, typer.Option(
    help="Also keep it as an issued report (immutable, listed per board)")]


def _one(rows: list[Any], what: str, code: str) -> Any:
    if not rows:
        raise typer.BadParameter(f"no {what} with code {code}")
    municipalities = sorted({r.municipality_id for r in rows})
    if len(municipalities) > 1:
        raise typer.BadParameter(f"several municipalities have a {what} {code}; "
                                 "give --municipality")
    return rows[-1]


def _municipality_id(session: Any, code: str) -> int:
    from sqlalchemy import select

    from app.organisations.models import Municipality

    municipality_id: int | None = session.scalar(
        select(Municipality.id).where(Municipality.code == code))
    if municipality_id is None:
        raise typer.BadParameter(f"no municipality with code {code}")
    return municipality_id


def _where_municipality(session: Any, stmt: Any, model: Any, municipality: str | None) -> Any:
    if municipality is None:
        return stmt
    return stmt.where(model.municipality_id == _municipality_id(session, municipality))


def _write_report(session: Any, spec: Any, output: Path, issue: bool) -> None:
    """Render with a progress bar; optionally keep it as an issued report."""

    from app.core.errors import DomainError
    from app.reports import render, service

    user = _operator()
    try:
        data = service.build(session, user, spec)
    except DomainError as exc:
        typer.echo(f"Error: {exc.detail}", err=True)
        raise typer.Exit(1) from None
    if output.suffix.lower() in {".html", ".htm"}:
        output.write_text(render.render_html(data, styles="inline"), encoding="utf-8")
        typer.echo(f"Wrote {output} (HTML)", err=True)
        return
    render.lenient_gc()  # this process renders one report and ends
    with typer.progressbar(length=100, label=data["title"][:60], file=sys.stderr) as bar:
        def progress(pct: int, _stage: str) -> None:
            bar.update(max(0, pct - bar.pos))

        rendered = render.render_pdf(render.render_html(data), data, progress)
    output.write_bytes(rendered.pdf)
    typer.echo(f"Wrote {output}: {rendered.pages} pages, {len(rendered.pdf) // 1024} KiB, "
               f"{rendered.seconds:.1f} s", err=True)
    if issue:
        report = service.store(session, user, data, rendered.pdf, rendered.pages)
        session.commit()
        typer.echo(f"Issued report {report.id}: sha256 {report.sha256}", err=True)


@report_app.command("follow-up")
def report_follow_up(
    board: Annotated[str, typer.Option(help="Board code, e.g. LANULA")],
    period: Annotated[str, typer.Option(help="Reporting period, e.g. 2015-T2")],
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

    with _sessions()() as session:
        stmt = _where_municipality(session, select(Board).where(Board.code == board), Board,
                                   municipality)
        found = _one(list(session.scalars(stmt)), "board", board)
        _write_report(session, ReportSpec(ReportKind.follow_up, lang.value, board_id=found.id,
                                          period=period), output, issue)


@report_app.command("agreement")
def report_agreement(
    agreement: Annotated[str, typer.Option(help="Service agreement code")],
    output: Output,
    version: Annotated[int | None, typer.Option(help="Version (default: the newest)")] = None,
    municipality: MunicipalityOpt = None,
    board: Annotated[str | None, typer.Option(
        help="Board code, for an agreement of several boards (default: the first)")] = None,
    lang: LangOpt = Language.fi,
    issue: IssueOpt = False,
) -> None:
    """A service agreement version as a document."""
    from sqlalchemy import select

    from app.agreements.models import ServiceAgreement
    from app.organisations.models import Board
    from app.reports.models import ReportKind
    from app.reports.service import ReportSpec

    with _sessions()() as session:
        stmt = select(ServiceAgreement).where(ServiceAgreement.code == agreement)
        if version is not None:
            stmt = stmt.where(ServiceAgreement.version == version)
        stmt = _where_municipality(session, stmt, ServiceAgreement, municipality)
        found = _one(list(session.scalars(stmt.order_by(ServiceAgreement.version))),
                     "service agreement", agreement)
        board_id = None
        if board:
            board_id = session.scalar(select(Board.id).where(
                Board.code == board, Board.municipality_id == found.municipality_id))
            if board_id is None:
                raise typer.BadParameter(f"no board with code {board}")
        _write_report(session, ReportSpec(ReportKind.agreement, lang.value, board_id=board_id,
                                          service_agreement_id=found.id), output, issue)


def main() -> None:
    from app.core.audit import SYSTEM_ACTOR, actor

    actor.set(SYSTEM_ACTOR)  # what the command line changes is the system's doing
    app(prog_name="sopimus")


if __name__ == "__main__":
    main()
