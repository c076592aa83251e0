"""Issued reports on the web: listed and downloadable by board members and the public; the
purchaser issues a board's follow-up report from here."""

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import undefer

from app.auth.authz import may_write
from app.auth.models import User
from app.core.access import get_readable
from app.core.db import SessionDep
from app.core.errors import DomainError
from app.organisations.service import readable_boards
from app.reports.models import IssuedReport, ReportKind
from app.reports.router import issue_now, pdf_response
from app.reports.service import ReportSpec, issued_reports
from app.web.deps import IssuerPage, Lang, Visitor, check_csrf
from app.web.render import render as render_page

router = APIRouter(include_in_schema=False)


def _page(request: Request, session: SessionDep, lang: str, user: User | None,
          status_code: int = 200, **context: Any) -> HTMLResponse:
    reports = issued_reports(session, user)
    boards = {b.id: b for b in readable_boards(session, user)}
    return render_page(request, "reports.html", lang, user, status_code, reports=reports,
                       boards=boards, may_issue=may_write(user, IssuedReport),
                       **context)


@router.get("/reports", response_class=HTMLResponse)
def reports(request: Request, session: SessionDep, lang: Lang, user: Visitor,
            issued: int | None = None) -> HTMLResponse:
    return _page(request, session, lang, user, issued=issued)


@router.get("/reports/{report_id}.pdf")
def download(session: SessionDep, user: Visitor, report_id: int) -> Response:
    report = get_readable(session, IssuedReport, report_id, user, [undefer(IssuedReport.pdf)])
    return pdf_response(report.pdf, report.filename, report.sha256, kind="attachment")


@router.post("/reports/issue", response_class=HTMLResponse)
def issue(
    request: Request, session: SessionDep, lang: Lang, user: IssuerPage,
    csrf: Annotated[str, Form(max_length=200)], board_id: Annotated[int, Form()],
    period: Annotated[str, Form(max_length=10)], language: Annotated[str, Form(max_length=2)],
) -> Response:
    check_csrf(request, csrf)
    try:
        report = issue_now(session, user, ReportSpec(
            ReportKind.follow_up, language, board_id=board_id, period=period.strip()))
    except DomainError as exc:
        if exc.status in (403, 404):
            raise
        session.rollback()
        return _page(request, session, lang, user, error=exc.detail, period=period,
                     board_id=board_id, status_code=422)
    return RedirectResponse(f"/reports?issued={report.id}", status_code=303)
