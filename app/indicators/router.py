"""Measures and indicator values under /api/v1."""

from sqlalchemy.orm import selectinload

from app.core.crud import Resource, crud_router
from app.indicators import schemas as s
from app.indicators import service
from app.indicators.models import IndicatorValue, Measure
from app.submissions import service as submissions

TAG = "indicators"

routers = [
    crud_router(Resource(
        "/measures", Measure, s.MeasureCreate, s.MeasureUpdate, s.MeasureRead, TAG,
        filters=s.MeasureFilters, rules=service.measure_rules, nested=frozenset({"targets"}),
        after_write=service.replace_targets,
        filter_exprs={"service_agreement_id": service.measure_in_agreement},
        options=[selectinload(Measure.targets)], order_by=[Measure.goal_id, Measure.code],
    )),
    crud_router(Resource(
        "/indicator-values", IndicatorValue, s.IndicatorValueCreate, s.IndicatorValueUpdate,
        s.IndicatorValueRead, TAG, filters=s.IndicatorValueFilters,
        # The same rules as /submissions: lock, comment, flag, history (app.submissions).
        rules=submissions.crud_value_rules, after_write=submissions.crud_value_after_write,
        before_delete=submissions.crud_value_before_delete, nested=frozenset({"reason"}),
        filter_exprs={"provider_id": service.value_of_provider, "year": service.value_in_year},
        order_by=[IndicatorValue.measure_id, IndicatorValue.period_start,
                  IndicatorValue.period_end],
    )),
]
