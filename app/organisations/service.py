"""Domain rules of the organisations feature."""

from typing import Any

from sqlalchemy.orm import Session

from app.core import crud
from app.core.errors import InvalidInput
from app.organisations.models import Provider, ProviderKind


def provider_rules(_: Session, provider: Provider, __: dict[str, Any]) -> None:
    if provider.kind is ProviderKind.own_production_unit and provider.business_id:
        raise InvalidInput(
            "An own production unit is part of the municipality: it is known by its internal "
            "code, not by a business ID of its own",
            field="business_id",
        )


crud.register(Provider, provider_rules)
