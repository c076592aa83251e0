"""Request and response bodies of the product catalogue."""

from app.core.types import Code, Id, Name, Schema
from app.organisations.schemas import NamedCreate, NamedRead, NamedUpdate


class ServiceAreaCreate(NamedCreate):
    pass


class ServiceAreaUpdate(NamedUpdate):
    pass


class ServiceAreaRead(NamedRead):
    pass


class ProductGroupCreate(Schema):
    service_area_id: Id
    code: Code
    name_fi: Name
    name_sv: Name | None = None


class ProductGroupUpdate(NamedUpdate):
    service_area_id: Id | None = None


class ProductGroupRead(NamedRead):
    service_area_id: int


class ProductCreate(Schema):
    product_group_id: Id
    code: Code
    name_fi: Name
    name_sv: Name | None = None
    unit: Code  # unit of output, e.g. hoitopäivä (care day), oppilas (pupil), käynti (visit)


class ProductUpdate(NamedUpdate):
    product_group_id: Id | None = None
    unit: Code | None = None


class ProductRead(NamedRead):
    product_group_id: int
    unit: str


class CatalogueFilters(Schema):
    municipality_id: Id | None = None


class ProductGroupFilters(CatalogueFilters):
    service_area_id: Id | None = None


class ProductFilters(CatalogueFilters):
    product_group_id: Id | None = None
