"""Domain rules of the organisations feature."""

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth.authz import scope
from app.auth.models import User
from app.core import access
from app.core.errors import InvalidInput
from app.organisations.models import Board, Provider, ProviderKind


def provider_rules(_: Session, provider: Provider, __: dict[str, Any]) -> None:
    if provider.kind is ProviderKind.own_production_unit and provider.business_id:
        raise InvalidInput(
            "An own production unit is part of the municipality: it is known by its internal "
            "code, not by a business ID of its own",
            field="business_id",
        )


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
