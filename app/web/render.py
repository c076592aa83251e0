"""The pages' templates, their filters (numbers and dates in the user's language) and render()."""

from datetime import date
from typing import Any
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from app.auth.authz import is_purchaser
from app.auth.models import User
from app.core import formatting
from app.core.migrate import ROOT
from app.web.deps import csrf_token
from app.web.i18n import LANGUAGES, MESSAGES, t

templates = Jinja2Templates(directory=str(ROOT / "templates" / "web"))


def number(value: Any, lang: str = "fi") -> str:
    """A value as reported (up to four decimals): 1 234 567,5 in Finnish and Swedish,
    1,234,567.5 in English."""
    return formatting.number(value, lang, decimals=4, empty="")


def day(value: date | None, lang: str = "fi") -> str:
    """15.6.2015 in Finnish and Swedish, 15 Jun 2015 in English."""
    return formatting.day(value, lang, empty="")


templates.env.filters["number"] = number
templates.env.filters["day"] = day


def render(request: Request, name: str, lang: str, user: User | None, status_code: int = 200,
           **context: Any) -> HTMLResponse:
    return templates.TemplateResponse(request, name, {
        "lang": lang, "t": lambda key, **kw: t(key, lang, **kw), "user": user,
        "is_purchaser": bool(user and is_purchaser(user)),
        "tk": lambda key, fallback: t(key, lang) if key in MESSAGES else fallback,
        "languages": LANGUAGES, "csrf": csrf_token(request), "path": request.url.path,
        "quote": quote, "organisation": getattr(request.state, "organisation", None), **context,
    }, status_code=status_code)
