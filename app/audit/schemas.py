"""The audit trail's read API."""

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints

from app.core.types import Id, ReadSchema, Schema

AgreementRef = Annotated[str, StringConstraints(pattern=r"^[a-z_]{1,60}:[0-9]{1,10}$"),
                         Field(examples=["service_agreements:12"])]


class AuditFilters(Schema):
    entity: Annotated[str, StringConstraints(pattern=r"^[a-z_]{1,60}$"),
                      Field(examples=["measures"])] | None = None
    entity_id: Id | None = None
    agreement: AgreementRef | None = Field(
        None, description="An agreement version as <table>:<id>: its own entries and those "
                          "of its content")
    user: Annotated[str, StringConstraints(min_length=1, max_length=150)] | None = None
    action: Literal["create", "update", "delete", "transition"] | None = None
    since: datetime | None = Field(None, description="From this moment (inclusive)")
    until: datetime | None = Field(None, description="Before this moment")
    municipality_id: Id | None = None


class AuditEntryRead(ReadSchema):
    id: int
    at: datetime
    user: str
    request_id: str | None
    action: str
    entity: str
    entity_id: int | None
    municipality_id: int | None
    agreement: str | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    prev_hash: str
    hash: str
