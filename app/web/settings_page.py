"""The user's own settings page: reminders by e-mail on or off and the language of his e-mails,
as PATCH /api/v1/auth/me sets them. Every logged-in user reaches it from the page header."""

from typing import Annotated, Literal

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app.auth import service as auth_service
from app.auth.models import User
from app.auth.schemas import OwnSettings
from app.core.db import SessionDep
from app.core.settings import get_settings
from app.reminders.digest import PURCHASERS, REPORTERS
from app.web.deps import Lang, check_csrf, page_for
from app.web.render import render

router = APIRouter(prefix="/settings")
AnyUserPage = Annotated[User, page_for()]


@router.get("", response_class=HTMLResponse)
def settings_page(request: Request, lang: Lang, user: AnyUserPage,
                  saved: bool = False) -> HTMLResponse:
    kind = "reporter" if user.role in REPORTERS else \
        "purchaser" if user.role in PURCHASERS else None  # who gets none is told so
    return render(request, "settings.html", lang, user, saved=saved, reminded=kind,
                  days=get_settings().reminder_days)


@router.post("")
def save_settings(
    request: Request, session: SessionDep, user: AnyUserPage,
    csrf: Annotated[str, Form(max_length=200)],
    language: Annotated[Literal["fi", "sv", "en"], Form()] = "fi",
    # An unticked checkbox is not sent at all: absent means off.
    reminders: Annotated[Literal["on", ""], Form()] = "",
) -> Response:
    check_csrf(request, csrf)
    auth_service.apply_own_settings(user, OwnSettings(language=language,
                                                      reminders=reminders == "on"))
    session.flush()
    return RedirectResponse("/settings?saved=true", status_code=303)
