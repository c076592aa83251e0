"""What the command groups share: a session, the operator who acts, a municipality by its code,
and the operator's language.

The commands import what they use when they run, so that `sopimus --help` starts at once: the
lazy imports point down the layers (the CLI is on top), they dodge no cycle.
"""

import os
from typing import Any

import typer

from app.auth.models import Role


def language() -> str:
    """The operator's language, as gettext finds it (LANGUAGE, LC_ALL, LC_MESSAGES, LANG):
    fi_FI.UTF-8 is Finnish, sv_FI Swedish; anything else (C, en_GB …) English."""
    from app.core.i18n import LANGUAGES

    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        if value := os.environ.get(name):
            code = value.split(":")[0][:2].lower()
            return code if code in LANGUAGES else "en"
    return "en"


def say(key: str, **values: Any) -> str:
    """The message ``key`` of the catalogue in the operator's language."""
    from app.core.i18n import t

    return t(key, language(), **values)


def error(exc: Any) -> str:
    """A domain error as the command line tells it: its detail, in the operator's language
    where the catalogue has it."""
    return say("cli_error", detail=exc.detail_in(language()))


def counts(created: int, updated: int, unchanged: int) -> str:
    return say("cli_counts", created=created, updated=updated, unchanged=unchanged)


def sessions() -> Any:
    """The sessionmaker, with every model, session hook and rule in place (app.models)."""
    from app import models  # noqa: F401
    from app.core.db import get_sessionmaker

    return get_sessionmaker()


def operator(username: str | None = None) -> Any:
    """Who acts from the command line: the installation's admin, unsaved, named in the audit
    trail as ``username`` (default: cli:<the operating system's user>)."""
    import getpass

    from app.auth.models import User

    return User(username=username or f"cli:{getpass.getuser()}", full_name="Command line",
                role=Role.admin)


def municipality_id_of(session: Any, code: str) -> int:
    from sqlalchemy import select

    from app.organisations.models import Municipality

    found: int | None = session.scalar(select(Municipality.id).where(Municipality.code == code))
    if found is None:
        raise typer.BadParameter(say("cli_no_municipality", code=code))
    return found
