"""Domain rules of the organisations feature."""

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth.authz import scope
from app.auth.models import User
from app.core import access
from app.core.audit import current_actor
from app.core.errors import InvalidInput
from app.organisations.models import Board, Provider, ProviderKind, ProviderOrganisation


def provider_rules(session: Session, provider: Provider, _: dict[str, Any]) -> None:
    if provider.kind is ProviderKind.own_production_unit and provider.business_id:
        raise InvalidInput(
            "An own production unit is part of the municipality: it is known by its internal "
            "code, not by a business ID of its own",
            field="business_id",
        )
    link_organisation(session, provider)


def link_organisation(session: Session, provider: Provider) -> None:
    """A provider with a business ID is the installation's organisation of that Y-tunnus (one
    legal person, whichever municipality's agreements it is party to): link it, creating the
    organisation the first time the Y-tunnus is seen; without one it is linked to none."""
    if not provider.business_id:
        provider.organisation = None
        return
    with session.no_autoflush:  # the provider is written after its own checks (check_unique)
        organisation = session.scalar(select(ProviderOrganisation).where(
            ProviderOrganisation.business_id == provider.business_id))
    if organisation is None:
        by = current_actor(session, provider.updated_by)
        organisation = ProviderOrganisation(
            business_id=provider.business_id, name=provider.name, kind=provider.kind,
            created_by=by, updated_by=by)
    provider.organisation = organisation  # inserted first, in the provider's flush


access.register(Provider, provider_rules)


def readable_boards(session: Session, user: User | None, limit: int | None = None) -> list[Board]:
    """The boards the user may read, by code."""
    return list(session.scalars(scope(select(Board), Board, user).order_by(Board.code)
                                .limit(limit)))


def providers_by_id(session: Session, user: User | None, ids: Iterable[int]
                    ) -> dict[int, Provider]:
    """The providers of these ids that the user may read."""
    return {p.id: p for p in session.scalars(scope(select(Provider).where(
        Provider.id.in_(set(ids))), Provider, user))}
