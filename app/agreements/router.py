"""Framework agreements, perspectives, long-term goals and service agreements under /api/v1
(their lifecycle routes: app.lifecycle.router)."""

from sqlalchemy.orm import selectinload

from app.agreements import in_force, service
from app.agreements import schemas as s
from app.agreements.models import FrameworkAgreement, LongTermGoal, Perspective, ServiceAgreement
from app.core.resources import Resource, crud_router

TAG = "agreements"

routers = [
    crud_router(Resource(
        "/framework-agreements", FrameworkAgreement, s.FrameworkAgreementCreate,
        s.FrameworkAgreementUpdate, s.FrameworkAgreementRead, TAG,
        filters=s.FrameworkAgreementFilters,
        filter_exprs={"year": service.framework_years_contain,
                      "in_force_on": in_force.in_force_filter(FrameworkAgreement)},
        order_by=[FrameworkAgreement.first_year.desc()],
    )),
    crud_router(Resource(
        "/perspectives", Perspective, s.PerspectiveCreate, s.PerspectiveUpdate,
        s.PerspectiveRead, TAG, filters=s.PerspectiveFilters,
        order_by=[Perspective.framework_agreement_id, Perspective.position],
    )),
    crud_router(Resource(
        "/long-term-goals", LongTermGoal, s.LongTermGoalCreate, s.LongTermGoalUpdate,
        s.LongTermGoalRead, TAG, filters=s.LongTermGoalFilters,
        filter_exprs={"board_id": service.long_term_goal_has_board,
                      "framework_agreement_id": service.long_term_goal_in_framework},
        options=[selectinload(LongTermGoal.boards)],
        order_by=[LongTermGoal.perspective_id, LongTermGoal.code],
    )),
    crud_router(Resource(
        "/service-agreements", ServiceAgreement, s.ServiceAgreementCreate,
        s.ServiceAgreementUpdate, s.ServiceAgreementRead, TAG,
        filters=s.ServiceAgreementFilters,
        filter_exprs={"board_id": service.service_agreement_has_board,
                      "in_force_on": in_force.in_force_filter(ServiceAgreement)},
        options=[selectinload(ServiceAgreement.boards)],
        order_by=[ServiceAgreement.year.desc(), ServiceAgreement.code],
    )),
]
