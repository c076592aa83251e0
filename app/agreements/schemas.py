"""Request and response bodies of framework and service agreements."""

from datetime import date
from typing import Annotated

from pydantic import Field

from app.agreements.models import AgreementStatus, ResourceKind, Steering
from app.core.types import Code, Id, InForceOn, Name, ReadSchema, Schema, Text, Year

BoardIds = Annotated[list[Id], Field(min_length=1, max_length=20)]


class FrameworkAgreementCreate(Schema):
    board_id: Id
    title: Name
    description: Text | None = None
    first_year: Year
    last_year: Year


class FrameworkAgreementUpdate(Schema):
    title: Name | None = None
    description: Text | None = None
    first_year: Year | None = None
    last_year: Year | None = None


class FrameworkAgreementRead(ReadSchema):
    id: int
    municipality_id: int
    board_id: int
    title: str
    description: str | None
    first_year: int
    last_year: int
    status: AgreementStatus
    version: int
    effective_from: date | None = Field(
        None, description="The day from which this approved version counts (voimaantulo)")


class FrameworkAgreementFilters(Schema):
    municipality_id: Id | None = None
    board_id: Id | None = None
    year: Year | None = None
    status: AgreementStatus | None = None
    in_force_on: InForceOn | None = None


class PerspectiveCreate(Schema):
    framework_agreement_id: Id
    position: Annotated[int, Field(ge=1, le=99)]
    name_fi: Name
    name_sv: Name | None = None


class PerspectiveUpdate(Schema):
    position: Annotated[int, Field(ge=1, le=99)] | None = None
    name_fi: Name | None = None
    name_sv: Name | None = None


class PerspectiveRead(ReadSchema):
    id: int
    municipality_id: int
    framework_agreement_id: int
    position: int
    name_fi: str
    name_sv: str | None


class PerspectiveFilters(Schema):
    framework_agreement_id: Id | None = None


class LongTermGoalCreate(Schema):
    perspective_id: Id
    code: Code
    title: Text
    actions: Text | None = None
    resources: Annotated[list[ResourceKind], Field(max_length=5)] = []
    evaluation: Text | None = None
    board_ids: BoardIds


class LongTermGoalUpdate(Schema):
    code: Code | None = None
    title: Text | None = None
    actions: Text | None = None
    resources: Annotated[list[ResourceKind], Field(max_length=5)] | None = None
    evaluation: Text | None = None
    board_ids: BoardIds | None = None


class LongTermGoalRead(ReadSchema):
    id: int
    municipality_id: int
    perspective_id: int
    code: str
    title: str
    actions: str | None
    resources: list[ResourceKind]
    evaluation: str | None
    board_ids: list[int]


class LongTermGoalFilters(Schema):
    perspective_id: Id | None = None
    framework_agreement_id: Id | None = None
    board_id: Id | None = None


class ServiceAgreementCreate(Schema):
    code: Code
    framework_agreement_id: Id | None = Field(
        None, description="None: an agreement outside any framework agreement (a voucher "
        "scheme, a small purchase)")
    order_budget_id: Id | None = None
    provider_id: Id
    year: Year
    title: Name
    description: Text | None = None
    steering: Steering = Field(
        Steering.purchase, description="purchase (tilaajaohjaus) or ownership "
        "(omistajaohjaus: the owner's strategic goals for its joint municipal authority, "
        "municipal enterprise or in-house company)")
    board_ids: BoardIds


class ServiceAgreementUpdate(Schema):
    code: Code | None = None
    order_budget_id: Id | None = None
    year: Year | None = None
    title: Name | None = None
    description: Text | None = None
    steering: Steering | None = None
    board_ids: BoardIds | None = None


class ServiceAgreementRead(ReadSchema):
    id: int
    municipality_id: int
    code: str
    framework_agreement_id: int | None
    order_budget_id: int | None
    provider_id: int
    year: int
    title: str
    description: str | None
    status: AgreementStatus
    version: int
    effective_from: date | None = Field(
        None, description="The day from which this approved version counts (voimaantulo)")
    steering: Steering
    board_ids: list[int]


class ServiceAgreementFilters(Schema):
    municipality_id: Id | None = None
    board_id: Id | None = None
    year: Year | None = None
    provider_id: Id | None = None
    status: AgreementStatus | None = None
    framework_agreement_id: Id | None = None
    in_force_on: InForceOn | None = None
