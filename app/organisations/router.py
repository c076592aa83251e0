"""Municipalities, boards, purchaser units, regions and providers under /api/v1."""

from app.core.resources import Resource, crud_router
from app.organisations import schemas as s
from app.organisations.models import Board, Municipality, Provider, PurchaserUnit, Region

TAG = "organisations"

routers = [
    crud_router(Resource("/municipalities", Municipality, s.MunicipalityCreate,
                         s.MunicipalityUpdate, s.MunicipalityRead, TAG, order_by=[Municipality.code])),
    crud_router(Resource("/boards", Board, s.BoardCreate, s.BoardUpdate, s.BoardRead, TAG,
                         filters=s.NamedFilters, order_by=[Board.code])),
    crud_router(Resource("/purchaser-units", PurchaserUnit, s.PurchaserUnitCreate,
                         s.PurchaserUnitUpdate, s.PurchaserUnitRead, TAG,
                         filters=s.NamedFilters, order_by=[PurchaserUnit.code])),
    crud_router(Resource("/regions", Region, s.RegionCreate, s.RegionUpdate, s.RegionRead, TAG,
                         filters=s.NamedFilters, order_by=[Region.code])),
    crud_router(Resource("/providers", Provider, s.ProviderCreate, s.ProviderUpdate,
                         s.ProviderRead, TAG, filters=s.ProviderFilters,
                         order_by=[Provider.code])),
]
