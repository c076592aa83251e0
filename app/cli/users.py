"""Users (``sopimus user``)."""

from typing import Annotated, Any

import typer

from app.auth.models import Role
from app.cli.common import error, municipality_id_of, say, sessions

user_app = typer.Typer(help=say("cli_help_user"), no_args_is_help=True)


@user_app.command("create", help=say("cli_help_user_create"))
def user_create(
    username: str,
    role: Annotated[Role, typer.Option(help=say("cli_opt_role"))],
    full_name: Annotated[str, typer.Option(help=say("cli_opt_full_name"))] = "",
    municipality: Annotated[str | None, typer.Option(help=say("cli_opt_municipality"))] = None,
    provider: Annotated[str | None, typer.Option(help=say("cli_opt_provider"))] = None,
    board: Annotated[str | None, typer.Option(help=say("cli_opt_user_board"))] = None,
    unit: Annotated[str | None, typer.Option(help=say("cli_opt_unit"))] = None,
    organisation: Annotated[str | None, typer.Option(help=say("cli_opt_organisation"))] = None,
    password: Annotated[str | None, typer.Option(help=say("cli_opt_password"),
                                                 envvar="SOPIMUS_NEW_PASSWORD")] = None,
) -> None:
    """Create a user; an admin without a municipality administers the whole installation."""
    from sqlalchemy import select

    from app.auth.service import create_user
    from app.core.errors import DomainError
    from app.core.i18n import N_
    from app.organisations.models import Board, Provider, PurchaserUnit

    if password is None:
        password = typer.prompt(say("cli_password"), hide_input=True, confirmation_prompt=True)
    with sessions()() as session:
        municipality_id = None
        ids: dict[Any, int] = {}
        if municipality:
            municipality_id = municipality_id_of(session, municipality)
        # The provider, board and purchaser unit by their codes in the municipality.
        for model, code, missing in ((Provider, provider, N_("cli_no_provider")),
                                     (Board, board, N_("cli_no_board_in")),
                                     (PurchaserUnit, unit, N_("cli_no_unit"))):
            if code:
                found = session.scalar(select(model.id).where(
                    model.code == code, model.municipality_id == municipality_id))
                if found is None:
                    raise typer.BadParameter(say(missing, code=code, municipality=municipality))
                ids[model] = found
        provider_id, board_id, unit_id = (ids.get(m) for m in (Provider, Board, PurchaserUnit))
        organisation_id = _organisation_id(session, organisation) if organisation else None
        try:
            create_user(session, username=username, password=password,
                        full_name=full_name or username, role=role,
                        municipality_id=municipality_id, provider_id=provider_id,
                        board_id=board_id, purchaser_unit_id=unit_id,
                        provider_organisation_id=organisation_id)
        except DomainError as exc:
            typer.echo(error(exc), err=True)
            raise typer.Exit(1) from None
        session.commit()
    typer.echo(say("cli_user_created", username=username, role=role.value))


def _organisation_id(session: Any, business_id: str) -> int:
    """The provider organisation of a Y-tunnus (as written, or normalised: 2283136-6)."""
    from contextlib import suppress

    from sqlalchemy import select

    from app.organisations.models import ProviderOrganisation
    from app.organisations.schemas import normalised_business_id

    with suppress(ValueError):  # not a valid Y-tunnus: not found below
        business_id = normalised_business_id(business_id)
    found = session.scalar(select(ProviderOrganisation.id).where(
        ProviderOrganisation.business_id == business_id))
    if found is None:
        raise typer.BadParameter(say("cli_no_organisation", business_id=business_id))
    return int(found)


@user_app.command("email", help=say("cli_help_user_email"))
def user_email(
    username: str,
    address: Annotated[str, typer.Argument(help=say("cli_opt_address"))],
    language: Annotated[str | None, typer.Option(help=say("cli_opt_email_language"))] = None,
) -> None:
    """Set a user's e-mail address (and the language of what is sent to it)."""
    from pydantic import TypeAdapter, ValidationError
    from sqlalchemy import select

    from app.auth.models import User
    from app.auth.schemas import Email, EmailLanguage

    try:
        email = TypeAdapter(Email).validate_python(address) if address else None
        lang = TypeAdapter(EmailLanguage | None).validate_python(language)
    except ValidationError as exc:
        raise typer.BadParameter(str(exc.errors()[0]["msg"])) from None
    with sessions()() as session:
        user = session.scalar(select(User).where(User.username == username))
        if user is None:
            typer.echo(say("cli_no_such_user", username=username), err=True)
            raise typer.Exit(1)
        user.email = email
        if lang is not None:
            user.language = lang
        session.commit()
    typer.echo(say("cli_user_email", username=username, email=email or say("cli_no_email")))
