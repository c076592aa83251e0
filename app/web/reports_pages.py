"""Issued reports on the web: listed and downloadable by board members and the public; the
purchaser issues a board's follow-up report from here, in two steps: a preview that lists what
the report rests on that is not settled (values not reviewed, returned or missing, agreements
still drafts), then the confirmation that issues it."""

from datetime import date
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session, undefer

from app.agreements.service import board_agreement_years, boards_with_agreements
from app.auth.authz import may_write
from app.auth.models import User
from app.core.access import get_readable
from app.core.db import SessionDep
from app.core.errors import DomainError, InvalidInput
from app.core.periods import parse_period
from app.core.types import MAX_ID
from app.organisations.models import Board
from app.organisations.service import readable_boards
from app.reports import render as report_render
from app.reports.follow_up import follow_up
from app.reports.models import IssuedReport, ReportKind
from app.reports.readiness import readiness, report_periods
from app.reports.router import issue_now, pdf_response
from app.reports.service import ReportSpec, issued_reports
from app.web.deps import IssuerPage, Lang, Visitor, check_csrf
from app.web.i18n import LANGUAGES, t
from app.web.render import render as render_page

router = APIRouter(include_in_schema=False)
BoardId = Annotated[int, Query(ge=1, le=MAX_ID)]
PeriodCode = Annotated[str, Query(max_length=10)]
Language = Annotated[str, Query(max_length=2)]


def _page(request: Request, session: Session, lang: str, user: User | None,
          status_code: int = 200, **context: Any) -> HTMLResponse:
    reports = issued_reports(session, user)
    boards = {b.id: b for b in readable_boards(session, user)}
    may_issue = may_write(user, IssuedReport)
    periods: list[str] = []
    if may_issue and user is not None:
        years = [y for b in boards_with_agreements(session, user)
                 for y in board_agreement_years(session, user, b.id)]
        periods = report_periods(years)
    return render_page(request, "reports.html", lang, user, status_code, reports=reports,
                       boards=boards, may_issue=may_issue, periods=periods, **context)


def _choice_error(session: Session, user: User, lang: str, board: Board, period: str,
                  language: str) -> str | None:
    """Why the form's board, period and language cannot make a report, in ``lang``; None when
    they can: the period is one of the board's report periods (T1, T2, the year of a year it
    has agreements for)."""
    if language not in LANGUAGES:
        return t("err_report_language", lang)
    if period not in report_periods(board_agreement_years(session, user, board.id)):
        return t("err_report_period", lang, period=period, board=board.code)
    return None


@router.get("/reports", response_class=HTMLResponse)
def reports(request: Request, session: SessionDep, lang: Lang, user: Visitor,
            issued: int | None = None) -> HTMLResponse:
    return _page(request, session, lang, user, issued=issued)


@router.get("/reports/{report_id}.pdf")
def download(session: SessionDep, user: Visitor, report_id: int) -> Response:
    report = get_readable(session, IssuedReport, report_id, user, [undefer(IssuedReport.pdf)])
    return pdf_response(report.pdf, report.filename, report.sha256, kind="attachment")


@router.get("/reports/preview", response_class=HTMLResponse)
def preview(request: Request, session: SessionDep, lang: Lang, user: IssuerPage,
            board_id: BoardId, period: PeriodCode, language: Language = "fi") -> HTMLResponse:
    """The first step of issuing: the choice, the warnings and the confirmation form."""
    board = get_readable(session, Board, board_id, user)  # another municipality's: 404
    error = _choice_error(session, user, lang, board, period, language)
    if error:
        return _page(request, session, lang, user, error=error, period=period,
                     board_id=board.id, language=language, status_code=422)
    ready = readiness(session, user, board.id, parse_period(period), date.today())
    query = urlencode({"board_id": board.id, "period": period, "language": language})
    return render_page(request, "report_preview.html", lang, user, board=board, period=period,
                       language=language, ready=ready, pdf=f"/reports/preview/report.pdf?{query}")


@router.get("/reports/preview/report.pdf")
def preview_pdf(session: SessionDep, lang: Lang, user: IssuerPage, board_id: BoardId,
                period: PeriodCode, language: Language = "fi") -> Response:
    """The report as it would be issued now, not kept."""
    board = get_readable(session, Board, board_id, user)
    error = _choice_error(session, user, lang, board, period, language)
    if error:
        raise InvalidInput(error, field="period")
    data = follow_up(session, user, board.id, period, language)
    rendered = report_render.render_pdf(report_render.render_html(data), data)
    return pdf_response(rendered.pdf, data.filename)


@router.post("/reports/issue", response_class=HTMLResponse)
def issue(
    request: Request, session: SessionDep, lang: Lang, user: IssuerPage,
    csrf: Annotated[str, Form(max_length=200)],
    board_id: Annotated[int, Form(ge=1, le=MAX_ID)],
    period: Annotated[str, Form(max_length=10)], language: Annotated[str, Form(max_length=2)],
    confirm: Annotated[str, Form(max_length=5)] = "",
    decision_proposal: Annotated[str, Form(max_length=10_000)] = "",
) -> Response:
    """The second step: issues the report once the preview has been confirmed; without the
    confirmation it shows the preview."""
    check_csrf(request, csrf)
    period = period.strip()
    if confirm != "1":
        query = urlencode({"board_id": board_id, "period": period, "language": language})
        return RedirectResponse(f"/reports/preview?{query}", status_code=303)
    board = get_readable(session, Board, board_id, user)
    error = _choice_error(session, user, lang, board, period, language)
    if error is None:
        try:
            report = issue_now(session, user, ReportSpec(
                ReportKind.follow_up, language, board_id=board.id, period=period,
                decision_proposal=decision_proposal.strip() or None))
        except DomainError as exc:
            if exc.status in (403, 404):
                raise
            session.rollback()
            error = exc.detail_in(lang)
        else:
            return RedirectResponse(f"/reports?issued={report.id}", status_code=303)
    return _page(request, session, lang, user, error=error, period=period,
                 board_id=board_id, language=language, status_code=422)
