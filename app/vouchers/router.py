"""Service vouchers under /api/v1: the schemes, their value tables, the register of approved
providers, the providers' reports and a scheme's follow-up."""

from typing import Annotated

from fastapi import Query
from sqlalchemy import ColumnElement, select

from app.auth.policy import LoggedIn
from app.core.access import get_readable
from app.core.db import SessionDep
from app.core.periods import parse_period
from app.core.resources import Resource, crud_router
from app.core.types import IdPath
from app.vouchers import schemas as s
from app.vouchers import service
from app.vouchers.models import VoucherProvider, VoucherReport, VoucherScheme, VoucherValue

TAG = "vouchers"


def _report_of_scheme(scheme_id: int) -> ColumnElement[bool]:
    return VoucherReport.voucher_provider_id.in_(
        select(VoucherProvider.id).where(VoucherProvider.scheme_id == scheme_id))


schemes = crud_router(Resource(
    "/voucher-schemes", VoucherScheme, s.SchemeCreate, s.SchemeUpdate, s.SchemeRead, TAG,
    filters=s.SchemeFilters, order_by=[VoucherScheme.year.desc(), VoucherScheme.code]))


@schemes.get("/{obj_id}/follow-up", response_model=s.SchemeFollowUp,
             summary="A voucher scheme's follow-up per provider and in total, against its budget")
def scheme_follow_up(session: SessionDep, user: LoggedIn, obj_id: IdPath,
                     query: Annotated[s.FollowUpQuery, Query()]) -> s.SchemeFollowUp:
    scheme = get_readable(session, VoucherScheme, obj_id, user)
    return service.follow_up(session, user, scheme, parse_period(query.period))


routers = [
    schemes,
    crud_router(Resource(
        "/voucher-values", VoucherValue, s.ValueCreate, s.ValueUpdate, s.ValueRead, TAG,
        filters=s.ValueFilters,
        order_by=[VoucherValue.scheme_id, VoucherValue.income_band, VoucherValue.household_size])),
    crud_router(Resource(
        "/voucher-providers", VoucherProvider, s.ApprovalCreate, s.ApprovalUpdate,
        s.ApprovalRead, TAG, filters=s.ApprovalFilters,
        order_by=[VoucherProvider.scheme_id, VoucherProvider.approved_on])),
    crud_router(Resource(
        "/voucher-reports", VoucherReport, s.ReportCreate, s.ReportUpdate, s.ReportRead, TAG,
        filters=s.ReportFilters, filter_exprs={"scheme_id": _report_of_scheme},
        order_by=[VoucherReport.voucher_provider_id, VoucherReport.period_start])),
]
