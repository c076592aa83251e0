"""Framework agreements, perspectives, long-term goals and service agreements under /api/v1."""

from sqlalchemy.orm import selectinload

from app.agreements import diff, in_force, service, snapshots
from app.agreements import schemas as s
from app.agreements.lifecycle_router import lifecycle_router
from app.agreements.models import FrameworkAgreement, LongTermGoal, Perspective, ServiceAgreement
from app.core.resources import Resource, crud_router

TAG = "agreements"

routers = [
    # The lifecycle routes first: /service-agreements/diff is not an id.
    lifecycle_router("/framework-agreements", FrameworkAgreement, s.FrameworkAgreementRead, TAG,
                     snapshot=(snapshots.FrameworkAgreementSnapshot, snapshots.framework_snapshot),
                     diff=(diff.FrameworkAgreementDiff, diff.compare_framework_agreements)),
    lifecycle_router("/service-agreements", ServiceAgreement, s.ServiceAgreementRead, TAG,
                     snapshot=(snapshots.ServiceAgreementSnapshot, snapshots.service_agreement_snapshot),
                     diff=(diff.ServiceAgreementDiff, diff.compare_service_agreements),
                     carry_over=True, options=[selectinload(ServiceAgreement.boards)]),
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
