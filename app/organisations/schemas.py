"""Request and response bodies of the organisations feature."""

from typing import Annotated

from pydantic import AfterValidator, Field
from stdnum.fi import ytunnus

from app.core.i18n import N_, InvalidValue
from app.core.types import Code, Id, Name, ReadSchema, Schema
from app.organisations.models import ProviderKind


def normalised_business_id(value: str) -> str:
    """Y-tunnus with its check digit, normalised to 1234567-8 (ValueError if it is none)."""
    return str(ytunnus.format(ytunnus.validate(value)))


def _business_id(value: str) -> str:
    try:
        return normalised_business_id(value)
    except Exception as exc:  # stdnum raises its own ValidationError subclasses
        raise InvalidValue(N_("invalid_business_id"), value=value, reason=str(exc)) from None


BusinessId = Annotated[str, AfterValidator(_business_id)]
def _municipality_code(value: str) -> str:
    if len(value) != 3 or not value.isdigit():
        raise InvalidValue(N_("invalid_municipality_code"))
    return value


MunicipalityCode = Annotated[str, AfterValidator(_municipality_code)]


class MunicipalityCreate(Schema):
    code: MunicipalityCode
    name_fi: Name
    name_sv: Name | None = None


class MunicipalityUpdate(Schema):
    name_fi: Name | None = None
    name_sv: Name | None = None


class MunicipalityRead(ReadSchema):
    id: int
    code: str
    name_fi: str
    name_sv: str | None


class NamedCreate(Schema):
    municipality_id: Id
    code: Code
    name_fi: Name
    name_sv: Name | None = None


class NamedUpdate(Schema):
    code: Code | None = None
    name_fi: Name | None = None
    name_sv: Name | None = None


class NamedRead(ReadSchema):
    id: int
    municipality_id: int
    code: str
    name_fi: str
    name_sv: str | None


class BoardCreate(NamedCreate):
    pass


class BoardUpdate(NamedUpdate):
    pass


class BoardRead(NamedRead):
    pass


class PurchaserUnitCreate(NamedCreate):
    board_id: Id | None = None


class PurchaserUnitUpdate(NamedUpdate):
    board_id: Id | None = None


class PurchaserUnitRead(NamedRead):
    board_id: int | None


class RegionCreate(NamedCreate):
    pass


class RegionUpdate(NamedUpdate):
    pass


class RegionRead(NamedRead):
    pass


class ProviderCreate(Schema):
    municipality_id: Id
    code: Code
    name: Name
    kind: ProviderKind
    business_id: BusinessId | None = None
    region_id: Id | None = None


class ProviderUpdate(Schema):
    code: Code | None = None
    name: Name | None = None
    kind: ProviderKind | None = None
    business_id: BusinessId | None = None
    region_id: Id | None = None


class ProviderRead(ReadSchema):
    id: int
    municipality_id: int
    code: str
    name: str
    kind: ProviderKind
    business_id: str | None
    region_id: int | None
    organisation_id: int | None = Field(description="The installation's provider organisation "
                                        "of its business ID (set from business_id)")


class NamedFilters(Schema):
    municipality_id: Id | None = None


class ProviderFilters(Schema):
    municipality_id: Id | None = None
    kind: ProviderKind | None = None
    region_id: Id | None = None
