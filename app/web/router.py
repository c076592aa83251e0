"""Server-rendered pages: the same access rules as the API (app.auth.authz), Finnish by
default with Swedish and English a click away."""

from datetime import date
from pathlib import Path
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import selectinload

from app.agreements.models import AgreementStatus as S
from app.agreements.models import ServiceAgreement
from app.agreements.service import listed_agreements, newest_approved
from app.auth import service as auth_service
from app.auth.authz import is_purchaser, may_write
from app.auth.models import Role
from app.auth.ratelimit import TooManyRequests
from app.core.access import get_readable
from app.core.db import SessionDep
from app.core.errors import Unauthorized, domain_error_headers, in_language
from app.core.migrate import ROOT
from app.core.settings import get_settings
from app.goals.service import agreement_goals
from app.indicators.service import goals_measures
from app.lifecycle import versioning
from app.organisations.models import Provider
from app.organisations.service import providers_by_id, readable_boards
from app.reports.rewards import rewards_of
from app.web import (
    dashboard,
    measure_page,
    price_lists_page,
    purchaser,
    reporting,
    settings_page,
    vouchers_page,
)
from app.web.deps import (
    LANG_COOKIE,
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    Lang,
    Visitor,
    WebAnyone,
    check_csrf,
    get_lang,
    new_login_csrf,
)
from app.web.i18n import LANGUAGES, t
from app.web.render import render

router = APIRouter(include_in_schema=False)
router.include_router(reporting.router)
router.include_router(purchaser.router)
router.include_router(measure_page.router)
router.include_router(settings_page.router)
router.include_router(vouchers_page.router)
router.include_router(price_lists_page.router)


def _safe_next(target: str | None) -> str:
    """Only local paths: no open redirect."""
    return target if target and target.startswith("/") and not target.startswith("//") else "/"


def _cookie(response: Response, name: str, value: str, max_age: int | None = None) -> None:
    response.set_cookie(name, value, max_age=max_age, httponly=True, secure=True,
                        samesite="lax", path="/")


@router.get("/", response_class=HTMLResponse)
def home(request: Request, session: SessionDep, lang: Lang, user: Visitor,
         year: Annotated[int | None, Query(ge=1990, le=2100)] = None) -> HTMLResponse:
    """The first screen: for the logged-in their dashboard (app.web.dashboard)."""
    boards: list[dashboard.BoardCounts] = []
    mine = None
    if user is not None and is_purchaser(user):
        boards = dashboard.purchaser_dashboard(session, user, year, lang)
    elif user is not None and user.role is Role.board_member:
        boards = dashboard.board_member_dashboard(session, user, year, lang)
    elif user is not None and user.role is Role.provider_reporter:
        mine = dashboard.reporter_dashboard(session, user)
    return render(request, "home.html", lang, user, boards=boards, mine=mine,
                  years=dashboard.dashboard_years(boards), year=year)


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, lang: Lang, user: Visitor, next: str = "/") -> HTMLResponse:
    token = request.cookies.get(LOGIN_CSRF_COOKIE) or new_login_csrf()
    request.cookies[LOGIN_CSRF_COOKIE] = token  # so that the page's form token matches
    response = render(request, "login.html", lang, user, next=_safe_next(next))
    _cookie(response, LOGIN_CSRF_COOKIE, token, max_age=3600)
    return response


@router.post("/login", response_class=HTMLResponse)
def login(
    request: Request, session: SessionDep, lang: Lang, _: WebAnyone,
    username: Annotated[str, Form(max_length=150)], password: Annotated[str, Form(max_length=1024)],
    csrf: Annotated[str, Form(max_length=200)], totp: Annotated[str, Form(max_length=12)] = "",
    next: Annotated[str, Form(max_length=500)] = "/",
) -> Response:
    check_csrf(request, csrf)
    try:
        user, mfa_complete = auth_service.authenticate(
            session, username, password, totp or None,
            request.client.host if request.client else None)
    except (Unauthorized, TooManyRequests) as exc:
        message = (t("login_failed", lang) if isinstance(exc, Unauthorized)
                   else exc.detail_in(lang))
        page = render(request, "login.html", lang, None, status_code=exc.status, error=message,
                      username=username, next=_safe_next(next))
        if isinstance(exc, TooManyRequests):
            page.headers.update(domain_error_headers(exc))  # Retry-After
        return page
    token = auth_service.start_session(session, user, mfa_complete)
    response = RedirectResponse(_safe_next(next), status_code=303)
    _cookie(response, SESSION_COOKIE, token, max_age=get_settings().session_hours * 3600)
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/")
    return response


@router.post("/logout")
def logout(request: Request, session: SessionDep, _: WebAnyone,
           csrf: Annotated[str, Form(max_length=200)]) -> Response:
    check_csrf(request, csrf)
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        auth_service.end_session(session, token)
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/lang/{code}")
def choose_language(_: WebAnyone, code: str, next: str = "/") -> Response:
    response = RedirectResponse(_safe_next(next), status_code=303)
    if code in LANGUAGES:
        response.set_cookie(LANG_COOKIE, code, max_age=365 * 86400, secure=True,
                            httponly=True, samesite="lax", path="/")
    return response


@router.get("/agreements", response_class=HTMLResponse)
def agreements(request: Request, session: SessionDep, lang: Lang, user: Visitor,
               year: int | None = None, board: int | None = None) -> HTMLResponse:
    rows = listed_agreements(session, user, date.today(), year if year is not None
                             and 1990 <= year <= 2100 else None, board)
    providers = providers_by_id(session, user, (r.agreement.provider_id for r in rows))
    boards = readable_boards(session, user, limit=200) if user else []
    return render(request, "agreements.html", lang, user, agreements=rows, providers=providers,
                  boards=boards, year=year, board=board)


@router.get("/agreements/{agreement_id}", response_class=HTMLResponse)
def agreement(request: Request, session: SessionDep, lang: Lang, user: Visitor,
              agreement_id: int, amended: bool = False) -> HTMLResponse:
    sa = get_readable(session, ServiceAgreement, agreement_id, user,
                      [selectinload(ServiceAgreement.boards)])
    goals = agreement_goals(session, user, sa.id)
    measures = goals_measures(session, user, [g.id for g in goals])
    provider = get_readable(session, Provider, sa.provider_id, user)
    # Every version the user may read is the agreement's history; purchasers compare them.
    versions = versioning.versions(session, user, sa)
    newest = newest_approved(session, user, sa) if sa.status is S.superseded else None
    rewards = {r.measure_id: r for r in rewards_of(session, user, [sa], sa.year, date.today())}
    return render(request, "agreement.html", lang, user, agreement=sa, goals=goals,
                  measures=measures, agreement_provider=provider, amended=amended,
                  rewards=rewards,
                  may_amend=may_write(user, ServiceAgreement),
                  amendable=versioning.AMENDABLE, versions=versions,
                  may_compare=bool(user and is_purchaser(user)), newest=newest,
                  drafting=versioning.DRAFTING)


STATIC = Path(ROOT / "templates" / "static")


def error_page(request: Request, status: int, detail: str) -> Response:
    """Errors of the web pages: a login page for 401, a page in the user's language else."""
    if status == 401:
        return RedirectResponse(f"/login?next={quote(request.url.path)}", status_code=303)
    lang = get_lang(request)
    key = {404: "not_found", 403: "forbidden", 409: "conflict"}.get(status)
    if status == 403 and "form has expired" in detail:
        key = "csrf_failed"
    message = t(key, lang) if key else detail
    if status == 422:  # pydantic's words are English: the page names the fields in its own
        fields = sorted({part.split(":", 1)[0].strip() for part in detail.split("; ")})
        message = t("bad_address", lang, fields=", ".join(fields))
    if status == 409:  # what cannot be done, and why (the service's words)
        message = f"{message} {in_language(detail, lang)}"
    return render(request, "error.html", lang, getattr(request.state, "user", None),
                  status_code=status, title=f"{status}", message=message)
