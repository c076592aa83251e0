"""Reports under /api/v1/reports: previews (PDF or HTML), issued reports and rendering jobs.

- ``GET /reports/follow-up`` and ``GET /reports/agreement``: the report rendered now, as
  ``application/pdf`` or, with ``format=html``, as HTML for a preview (not stored).
- ``GET /reports/budget-balance``: the running balance of the board's order lines that carry
  a surplus or deficit over the years (the follow-up's table of it, as JSON).
- ``POST /reports/issued``: issue a report (purchasers): stored immutable with its SHA-256;
  issuing again stores a new issue. ``GET /reports/issued`` lists them (per board),
  ``GET /reports/issued/{id}/pdf`` downloads one.
- ``POST /reports/jobs``: the same, rendered outside the request by the queue (app.reports.jobs);
  poll ``GET /reports/jobs/{id}`` for its progress and the issued report's id. Reports with more than
  ``SYNC_MEASURE_LIMIT`` measures render only this way.
- ``GET /service-agreements/{id}/rewards?year=``: the rewards of an agreement's measures for
  a year (app.reports.rewards), for whoever reads the agreement.
"""

import base64
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response, status
from fastapi.responses import HTMLResponse
from sqlalchemy import select
from sqlalchemy.orm import Session, undefer

from app.auth.authz import Act, require_write, scope
from app.auth.models import User
from app.auth.policy import LoggedIn, Purchaser, Reader, may_do
from app.core.access import get_readable
from app.core.db import SessionDep
from app.core.downloads import file_response
from app.core.errors import DomainError
from app.core.pagination import Page, page_of
from app.core.periods import parse_period
from app.core.types import IdPath, Year
from app.organisations.models import Board
from app.reports import follow_up as follow_up_report
from app.reports import jobs, render, rewards, service
from app.reports import schemas as s
from app.reports.agreement_document import agreement_document
from app.reports.budget_realisation import budget_realisation
from app.reports.data import RewardEntry, measure_count
from app.reports.models import IssuedReport, RenderJob
from app.reports.render import ReportData
from app.reports.service import ReportSpec

router = APIRouter(prefix="/reports", tags=["reports"])
# A service agreement's figures computed from its measures: its rewards.
agreement_router = APIRouter(prefix="/service-agreements", tags=["reports"])

PDF = "application/pdf"
# Issuing keeps a report for good: who may (authz's rules for issued reports).
Issuer = Annotated[User, Depends(may_do(Act.write, IssuedReport))]
SYNC_MEASURE_LIMIT = 80
PDF_OR_HTML: dict[int | str, dict[str, Any]] = {
    200: {"content": {PDF: {}, "text/html": {}}, "description": "The report"}}


class RenderAsJob(DomainError):
    status = 422
    title = "Too large to render in a request"


def _small_enough(data: ReportData) -> None:
    count = measure_count(data)
    if count > SYNC_MEASURE_LIMIT:
        raise RenderAsJob(
            f"This report has {count} measures; a report with more than {SYNC_MEASURE_LIMIT} "
            "renders outside the request: POST /api/v1/reports/jobs with the report's kind, "
            "board_id, period or service_agreement_id and language, then poll "
            "GET /api/v1/reports/jobs/{id}. The HTML preview (format=html) is always available.",
            jobs="/api/v1/reports/jobs",
        )


def pdf_response(pdf: bytes, filename: str, sha256: str | None = None, kind: str = "inline"
                 ) -> Response:
    headers = {}
    if sha256:
        digest = base64.b64encode(bytes.fromhex(sha256)).decode()
        headers = {"ETag": f'"{sha256}"', "Repr-Digest": f"sha-256=:{digest}:"}
    return file_response(pdf, filename, PDF, inline=kind == "inline", headers=headers)


def _preview(data: ReportData, fmt: str) -> Response:
    if fmt == "html":
        return HTMLResponse(render.render_html(data, styles="inline"))
    _small_enough(data)
    rendered = render.render_pdf(render.render_html(data), data)
    return pdf_response(rendered.pdf, data.filename)


@router.get("/follow-up", response_class=Response, responses=PDF_OR_HTML,
            summary="A board's follow-up report for a period (PDF, or HTML for a preview)")
def follow_up(session: SessionDep, user: LoggedIn,
              query: Annotated[s.FollowUpQuery, Query()]) -> Response:
    data = follow_up_report.follow_up(session, user, query.board_id, query.period,
                                      query.language.value)
    return _preview(data, query.format)


@router.get("/agreement", response_class=Response, responses=PDF_OR_HTML,
            summary="A service agreement version as a document (PDF, or HTML for a preview)")
def agreement(session: SessionDep, user: LoggedIn,
              query: Annotated[s.AgreementQuery, Query()]) -> Response:
    data = agreement_document(session, user, query.service_agreement_id, query.language.value,
                              query.board_id)
    return _preview(data, query.format)


@router.get("/budget-balance", response_model=s.BudgetBalance,
            summary="The running balance of a board's order lines that carry a surplus or "
                    "deficit from year to year (ylivuotinen budjetointi)")
def budget_balance(session: SessionDep, user: LoggedIn,
                   query: Annotated[s.BalanceQuery, Query()]) -> s.BudgetBalance:
    get_readable(session, Board, query.board_id, user)
    period = parse_period(query.period)
    budget = budget_realisation(session, user, query.board_id, period, query.language.value)
    return s.BudgetBalance(
        budget_id=budget.id if budget else None, title=budget.title if budget else None,
        year=period.year, version=budget.version if budget else None, period=period.code,
        balances=budget.balances if budget else [])


def _spec(body: s.ReportRequest) -> ReportSpec:
    return ReportSpec(kind=body.kind, language=body.language.value, board_id=body.board_id,
                      period=body.period, service_agreement_id=body.service_agreement_id,
                      decision_proposal=body.decision_proposal)


@router.post("/issued", response_model=s.IssuedReportRead, status_code=status.HTTP_201_CREATED,
             summary="Issue a report: render it and keep it, immutable, with its SHA-256")
def issue(session: SessionDep, user: Issuer, body: s.ReportRequest) -> Any:
    return issue_now(session, user, _spec(body))


def issue_now(session: Session, user: User, spec: ReportSpec) -> IssuedReport:
    """Render a report within the request and keep it (the API and the web page)."""
    require_write(user, IssuedReport)
    data = service.build(session, user, spec)
    _small_enough(data)
    rendered = render.render_pdf(render.render_html(data), data)
    return service.store(session, user, data, rendered.pdf, rendered.pages)


@router.get("/issued", response_model=Page[s.IssuedReportRead], summary="List issued reports")
def list_issued(session: SessionDep, user: LoggedIn,
                query: Annotated[s.IssuedReportFilters, Query()]) -> Any:
    stmt = scope(select(IssuedReport), IssuedReport, user)
    for name in ("board_id", "kind", "period", "service_agreement_id", "language"):
        value = getattr(query, name)
        if value is not None:
            stmt = stmt.where(getattr(IssuedReport, name) == value)
    stmt = stmt.order_by(IssuedReport.created_at.desc(), IssuedReport.id.desc())
    return page_of(session, stmt, query)


@router.get("/issued/{report_id}", response_model=s.IssuedReportRead,
            summary="An issued report's record")
def read_issued(session: SessionDep, user: LoggedIn, report_id: IdPath) -> Any:
    return get_readable(session, IssuedReport, report_id, user)


@router.get("/issued/{report_id}/pdf", response_class=Response,
            responses={200: {"content": {PDF: {}}, "description": "The issued PDF"}},
            summary="Download an issued report (ETag and Repr-Digest carry its SHA-256)")
def download_issued(session: SessionDep, user: LoggedIn, report_id: IdPath) -> Response:
    report = get_readable(session, IssuedReport, report_id, user, [undefer(IssuedReport.pdf)])
    return pdf_response(report.pdf, report.filename, report.sha256, kind="attachment")


@router.post("/jobs", response_model=s.RenderJobRead, status_code=status.HTTP_202_ACCEPTED,
             summary="Issue a report rendered outside the request; poll the job")
def start_job(session: SessionDep, user: Issuer, body: s.ReportRequest, response: Response
              ) -> RenderJob:
    # Queued in the request's transaction: committed with it, or not at all.
    job = jobs.start(session, user, _spec(body))
    response.headers["Location"] = f"/api/v1/reports/jobs/{job.id}"
    return job


@router.get("/jobs/{job_id}", response_model=s.RenderJobRead,
            summary="A rendering job: its status, progress, attempts and issued report")
def read_job(session: SessionDep, user: Purchaser, job_id: IdPath) -> Any:
    return get_readable(session, RenderJob, job_id, user)


@agreement_router.get(
    "/{obj_id}/rewards", response_model=list[RewardEntry],
    summary="The rewards of an agreement's measures for a year: earned (euros), not earned, "
            "or pending until the year is over (computed, never typed in)")
def agreement_rewards(session: SessionDep, user: Reader, obj_id: IdPath,
                      year: Annotated[Year | None, Query(
                          description="The year (the agreement's own if omitted)")] = None
                      ) -> list[RewardEntry]:
    return rewards.agreement_rewards(session, user, obj_id, year)
