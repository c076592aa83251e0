"""The pages' templates, their filters (numbers and dates in the user's language) and render()."""

from datetime import date
from functools import lru_cache
from typing import Any
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader

from app.auth.authz import is_purchaser
from app.auth.models import User
from app.core import formatting
from app.core.i18n import message_keys, t, translations
from app.core.migrate import ROOT
from app.web.deps import csrf_token
from app.web.i18n import LANGUAGES
from app.web.upload_words import history_reason


def number(value: Any, lang: str = "fi", decimals: int = 4) -> str:
    """A value as reported (up to four decimals): 1 234 567,5 in Finnish and Swedish,
    1,234,567.5 in English. A target worked out for a part of the year (70,6667 %) is shown
    with two, as the report shows it."""
    return formatting.number(value, lang, decimals=decimals, empty="")


def day(value: date | None, lang: str = "fi") -> str:
    """15.6.2015 in Finnish and Swedish, 15 Jun 2015 in English."""
    return formatting.day(value, lang, empty="")


@lru_cache
def templates(lang: str) -> Jinja2Templates:
    """The pages' templates in one language: ``_("key", name=value)`` is the catalogue's message
    (Jinja's i18n extension, newstyle: values are escaped and filled in)."""
    env = Environment(loader=FileSystemLoader(ROOT / "templates" / "web"), autoescape=True,
                      extensions=["jinja2.ext.i18n"])
    env.install_gettext_translations(translations(lang), newstyle=True)  # type: ignore[attr-defined]
    env.filters["number"] = number
    env.filters["day"] = day
    env.filters["euros"] = formatting.whole_euros
    env.filters["unit"] = formatting.unit_text
    env.filters["history_reason"] = history_reason
    return Jinja2Templates(env=env)


def _message_or(key: str, fallback: str, lang: str) -> str:
    """The message ``key`` if the catalogue has one (a compared field's name), else ``fallback``."""
    return t(key, lang) if key in message_keys() else fallback


def render(request: Request, name: str, lang: str, user: User | None, status_code: int = 200,
           **context: Any) -> HTMLResponse:
    return templates(lang).TemplateResponse(request, name, {
        "lang": lang, "user": user, "is_purchaser": bool(user and is_purchaser(user)),
        "tk": lambda key, fallback: _message_or(key, fallback, lang),
        "languages": LANGUAGES, "csrf": csrf_token(request), "path": request.url.path,
        "quote": quote, "organisation": getattr(request.state, "organisation", None), **context,
    }, status_code=status_code)
