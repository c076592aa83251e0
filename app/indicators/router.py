"""Measures and indicator values under /api/v1."""

from sqlalchemy.orm import selectinload

from app.core.resources import Resource, crud_router
from app.indicators import schemas as s
from app.indicators import service
from app.indicators.models import IndicatorValue, Measure

TAG = "indicators"

routers = [
    crud_router(Resource(
        "/measures", Measure, s.MeasureCreate, s.MeasureUpdate, s.MeasureRead, TAG,
        filters=s.MeasureFilters,
        filter_exprs={"service_agreement_id": service.measure_in_agreement,
                      "in_force_on": service.measure_in_force},
        options=[selectinload(Measure.targets)], order_by=[Measure.goal_id, Measure.code],
    )),
    crud_router(Resource(
        "/indicator-values", IndicatorValue, s.IndicatorValueCreate, s.IndicatorValueUpdate,
        s.IndicatorValueRead, TAG, filters=s.IndicatorValueFilters,
        filter_exprs={"provider_id": service.value_of_provider, "year": service.value_in_year,
                      "measure_id": service.value_of_measure},
        order_by=[IndicatorValue.measure_id, IndicatorValue.period_start,
                  IndicatorValue.period_end],
    )),
]
