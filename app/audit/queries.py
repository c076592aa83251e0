"""The audit trail as the API reads it (GET /api/v1/audit, an agreement's history), with
its access rule."""

from typing import Any

from sqlalchemy import Select, select

from app.audit.models import AuditEntry
from app.auth.authz import Act, is_installation_admin, may
from app.core.db import as_utc
from app.core.errors import Forbidden


def entries_query(user: Any, filters: dict[str, Any]) -> Select[Any]:
    """The entries ``user`` may read (purchaser roles and admins, own municipality), filtered."""
    if not may(user, Act.read_audit):
        raise Forbidden(f"Your role ({user.role.value}) may not read the audit trail")
    stmt = select(AuditEntry)
    if not is_installation_admin(user):
        stmt = stmt.where(AuditEntry.municipality_id == user.municipality_id)
    for name in ("entity", "entity_id", "agreement", "user", "action", "municipality_id"):
        if filters.get(name) is not None:
            stmt = stmt.where(getattr(AuditEntry, name) == filters[name])
    if filters.get("since") is not None:
        stmt = stmt.where(AuditEntry.at >= as_utc(filters["since"]))
    if filters.get("until") is not None:
        stmt = stmt.where(AuditEntry.at < as_utc(filters["until"]))
    return stmt.order_by(AuditEntry.id)
