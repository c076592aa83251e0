"""Request and response bodies of goals, actions and resources."""

from decimal import Decimal
from typing import Annotated

from pydantic import Field

from app.agreements.models import ResourceKind
from app.core.types import Code, Id, Money, Name, ReadSchema, Schema, Text


class GoalCreate(Schema):
    service_agreement_id: Id
    long_term_goal_id: Id | None = None
    code: Code
    title: Text
    description: Text | None = None


class GoalUpdate(Schema):
    long_term_goal_id: Id | None = None
    code: Code | None = None
    title: Text | None = None
    description: Text | None = None


class GoalRead(ReadSchema):
    id: int
    municipality_id: int
    service_agreement_id: int
    long_term_goal_id: int | None
    code: str
    title: str
    description: str | None


class GoalFilters(Schema):
    service_agreement_id: Id | None = None
    long_term_goal_id: Id | None = None


Position = Annotated[int, Field(ge=0, le=999)]


class ActionCreate(Schema):
    goal_id: Id
    position: Position = 0
    description: Text
    responsible: Name | None = None


class ActionUpdate(Schema):
    position: Position | None = None
    description: Text | None = None
    responsible: Name | None = None


class ActionRead(ReadSchema):
    id: int
    municipality_id: int
    goal_id: int
    position: int
    description: str
    responsible: str | None


class ResourceCreate(Schema):
    goal_id: Id
    kind: ResourceKind
    description: Text | None = None
    amount: Money | None = None


class ResourceUpdate(Schema):
    kind: ResourceKind | None = None
    description: Text | None = None
    amount: Money | None = None


class ResourceRead(ReadSchema):
    id: int
    municipality_id: int
    goal_id: int
    kind: ResourceKind
    description: str | None
    amount: Decimal | None


class GoalChildFilters(Schema):
    goal_id: Id | None = None
