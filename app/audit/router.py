"""The audit trail under /api/v1/audit: read only; no API edits or deletes an entry."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from app.audit.queries import entries_query
from app.audit.schemas import AuditEntryRead, AuditFilters
from app.auth.authz import Act
from app.auth.models import User
from app.auth.policy import may_do
from app.core.db import SessionDep
from app.core.pagination import Page, PageParams, page_of

router = APIRouter(prefix="/audit", tags=["audit"])


class AuditQuery(AuditFilters, PageParams):
    pass


@router.get("", response_model=Page[AuditEntryRead],
            summary="The audit trail: who changed what and when, oldest first")
def list_entries(session: SessionDep, user: Annotated[User, Depends(may_do(Act.read_audit))],
                 query: Annotated[AuditQuery, Query()]) -> Any:
    stmt = entries_query(user, query.model_dump(exclude=set(PageParams.model_fields)))
    return page_of(session, stmt, query)
