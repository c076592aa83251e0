"""The product catalogue under /api/v1."""

from app.catalogue import schemas as s
from app.catalogue.models import Product, ProductGroup, ServiceArea
from app.core.resources import Resource, crud_router

TAG = "catalogue"

routers = [
    crud_router(Resource("/service-areas", ServiceArea, s.ServiceAreaCreate, s.ServiceAreaUpdate,
                         s.ServiceAreaRead, TAG, filters=s.CatalogueFilters,
                         order_by=[ServiceArea.code])),
    crud_router(Resource("/product-groups", ProductGroup, s.ProductGroupCreate,
                         s.ProductGroupUpdate, s.ProductGroupRead, TAG,
                         filters=s.ProductGroupFilters, order_by=[ProductGroup.code])),
    crud_router(Resource("/products", Product, s.ProductCreate, s.ProductUpdate, s.ProductRead,
                         TAG, filters=s.ProductFilters, order_by=[Product.code])),
]
