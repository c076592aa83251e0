"""What the command groups share: a session, the operator who acts, a municipality by its code.

The commands import what they use when they run, so that `sopimus --help` starts at once: the
lazy imports point down the layers (the CLI is on top), they dodge no cycle.
"""

from typing import Any

import typer

from app.auth.models import Role


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
        raise typer.BadParameter(f"no municipality with code {code}")
    return found
