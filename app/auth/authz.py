"""The one place that decides who may read and write what.

Reads are scoped in the query itself, for lists and single objects alike: an object the caller
may not see is simply not found (404), so its existence does not leak. Writes are checked after
the scoped fetch (403).

Who sees what:
- the installation's admin (role admin, no municipality): everything;
- admin, purchaser director and purchaser manager: their municipality;
- board member: the municipality's master data, and the agreements, budgets and values of
  his board;
- provider reporter: master data, and only what concerns his provider;
- the public (no login): master data and approved agreements with their content.
A model that is not listed for a restricted role is hidden from it: new models are private
until a rule here says otherwise.
"""

from enum import StrEnum
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, exists, false, select, true
from sqlalchemy.orm import Session

from app.agreements.models import (
    AgreementStatus,
    FrameworkAgreement,
    LongTermGoal,
    Perspective,
    ServiceAgreement,
    service_agreement_boards,
)
from app.auth.models import Role, User
from app.budgets.models import Delivery, OrderBudget, OrderBudgetLine
from app.catalogue.models import Product, ProductGroup, ServiceArea
from app.core.errors import Forbidden, NotFound
from app.goals.models import Action, Goal, Resource
from app.indicators.models import IndicatorValue, Measure, MeasureTarget
from app.organisations.models import Board, Municipality, Provider, PurchaserUnit, Region
from app.reports.models import IssuedReport, RenderJob
from app.submissions.models import IndicatorValueRevision, ReportingDeadline

S = TypeVar("S", bound=Select)  # type: ignore[type-arg]

ALL_ROLES = frozenset(Role)
PURCHASER_ROLES = frozenset({Role.admin, Role.purchaser_director, Role.purchaser_manager})
# Approval records the board's decision: the purchaser director (or an admin) does it.
DIRECTOR_ROLES = frozenset({Role.admin, Role.purchaser_director})
PUBLISHED = (AgreementStatus.approved, AgreementStatus.in_force, AgreementStatus.closed)
# Public record of the municipality's organisation and catalogue: readable by every role.
MASTER_DATA = frozenset({Municipality, Board, PurchaserUnit, Region, Provider, ServiceArea,
                         ProductGroup, Product})
# What the purchaser organisation writes; a purchaser manager only what is not master data.
AGREEMENT_CONTENT = frozenset({FrameworkAgreement, Perspective, LongTermGoal, OrderBudget,
                               OrderBudgetLine, ServiceAgreement, Goal, Action, Resource, Measure,
                               MeasureTarget, IndicatorValue, IndicatorValueRevision,
                               ReportingDeadline, Delivery})
# Issued reports are public documents once issued.
PUBLIC_RECORDS = frozenset({IssuedReport})
# Reported values: they reach the public through issued reports only.
VALUES = frozenset({IndicatorValue, IndicatorValueRevision, Delivery})
# Created, changed and deleted by the installation's admin only.
INSTALLATION_ONLY = frozenset({Municipality})
# Readable without login (what exactly of them: read_filter).
PUBLIC_MODELS = MASTER_DATA | (AGREEMENT_CONTENT - VALUES)


def is_installation_admin(user: User | None) -> bool:
    return user is not None and user.role is Role.admin and user.municipality_id is None


def is_purchaser(user: User) -> bool:
    """The purchaser's side: admins, purchaser directors and managers."""
    return user.role in PURCHASER_ROLES


def _content_filter(model: Any, frameworks: Any, budgets: Any, agreements: Any,
                    measures: Any | None = None) -> ColumnElement[bool]:
    """Agreement content reachable from the allowed frameworks, budgets and agreements."""
    goals = select(Goal.id).where(Goal.service_agreement_id.in_(agreements))
    if measures is None:
        measures = select(Measure.id).where(Measure.goal_id.in_(goals))
    filters: dict[Any, ColumnElement[bool]] = {
        FrameworkAgreement: FrameworkAgreement.id.in_(frameworks),
        Perspective: Perspective.framework_agreement_id.in_(frameworks),
        LongTermGoal: LongTermGoal.perspective_id.in_(
            select(Perspective.id).where(Perspective.framework_agreement_id.in_(frameworks))),
        OrderBudget: OrderBudget.id.in_(budgets),
        OrderBudgetLine: OrderBudgetLine.order_budget_id.in_(budgets),
        ServiceAgreement: ServiceAgreement.id.in_(agreements),
        Goal: Goal.id.in_(goals),
        Action: Action.goal_id.in_(goals),
        Resource: Resource.goal_id.in_(goals),
        Measure: Measure.id.in_(measures),
        MeasureTarget: MeasureTarget.measure_id.in_(measures),
        IndicatorValue: IndicatorValue.measure_id.in_(measures),
        IndicatorValueRevision: IndicatorValueRevision.indicator_value_id.in_(
            select(IndicatorValue.id).where(IndicatorValue.measure_id.in_(measures))),
        ReportingDeadline: ReportingDeadline.service_agreement_id.in_(agreements),
        Delivery: Delivery.order_budget_line_id.in_(
            select(OrderBudgetLine.id).where(OrderBudgetLine.order_budget_id.in_(budgets))),
    }
    return filters.get(model, false())


def _provider_filter(model: Any, provider_id: int) -> ColumnElement[bool]:
    agreements = select(ServiceAgreement.id).where(ServiceAgreement.provider_id == provider_id)
    frameworks = select(ServiceAgreement.framework_agreement_id).where(
        ServiceAgreement.provider_id == provider_id)
    budgets = select(OrderBudgetLine.order_budget_id).where(
        OrderBudgetLine.provider_id == provider_id)
    measures = select(Measure.id).where(Measure.provider_id == provider_id)
    if model is OrderBudgetLine:  # the budget's other providers' lines are not his
        return OrderBudgetLine.provider_id == provider_id
    if model is Delivery:  # nor their deliveries
        return Delivery.order_budget_line_id.in_(
            select(OrderBudgetLine.id).where(OrderBudgetLine.provider_id == provider_id))
    return _content_filter(model, frameworks, budgets, agreements, measures)


def _board_filter(model: Any, board_id: int) -> ColumnElement[bool]:
    agreements = select(service_agreement_boards.c.service_agreement_id).where(
        service_agreement_boards.c.board_id == board_id)
    frameworks = select(FrameworkAgreement.id).where(FrameworkAgreement.board_id == board_id)
    budgets = select(OrderBudget.id).where(OrderBudget.board_id == board_id)
    return _content_filter(model, frameworks, budgets, agreements)


def _public_filter(model: Any) -> ColumnElement[bool]:
    if model in VALUES:
        return false()
    return _content_filter(
        model,
        select(FrameworkAgreement.id).where(FrameworkAgreement.status.in_(PUBLISHED)),
        select(OrderBudget.id).where(OrderBudget.status.in_(PUBLISHED)),
        select(ServiceAgreement.id).where(ServiceAgreement.status.in_(PUBLISHED)),
    )


def read_filter(model: Any, user: User | None) -> ColumnElement[bool]:
    """The condition on ``model``'s rows that ``user`` (None: the public) may read."""
    if is_installation_admin(user):
        return true()
    if user is None:
        return true() if model in MASTER_DATA | PUBLIC_RECORDS else _public_filter(model)
    if model in PUBLIC_RECORDS:  # issued reports: the board member's those of his board
        tenant = model.municipality_id == user.municipality_id
        return tenant & (IssuedReport.board_id == (user.board_id or 0)) \
            if user.role is Role.board_member else tenant
    if model is RenderJob:  # the purchaser organisation's work in progress
        return (RenderJob.municipality_id == user.municipality_id) if user.role in \
            PURCHASER_ROLES else false()
    if model is Municipality:
        return Municipality.id == user.municipality_id
    tenant = model.municipality_id == user.municipality_id
    if model in MASTER_DATA or user.role in PURCHASER_ROLES:
        return tenant
    if user.role is Role.provider_reporter:
        return tenant & _provider_filter(model, user.provider_id or 0)
    if user.role is Role.board_member:
        return tenant & _board_filter(model, user.board_id or 0)
    return false()


def scope(stmt: S, model: Any, user: User | None) -> S:
    """Restrict a select of ``model`` to the rows ``user`` may read."""
    return stmt.where(read_filter(model, user))  # type: ignore[return-value]


class Act(StrEnum):
    """What a caller does to an object, beyond reading it."""

    write = "change"  # create, update, delete, amend, carry over, import
    transition = "move on in its lifecycle"
    approve = "approve"
    comment = "comment on"
    review = "review"
    load_national = "load national indicators into"
    import_agreements = "import agreements into"
    read_audit = "read the audit trail of"
    manage_users = "manage"


# Who does each act, whatever the object (write: may_role_write decides per model).
ACT_ROLES: dict[Act, frozenset[Role]] = {
    Act.transition: PURCHASER_ROLES,
    Act.approve: DIRECTOR_ROLES,
    Act.comment: PURCHASER_ROLES | {Role.provider_reporter},
    Act.review: PURCHASER_ROLES,
    Act.load_national: PURCHASER_ROLES,
    Act.import_agreements: PURCHASER_ROLES,
    Act.read_audit: PURCHASER_ROLES,
    Act.manage_users: frozenset({Role.admin}),
}


def may_role_write(role: Role, model: Any) -> bool:
    """Function-level: may this role change this kind of object at all? (The installation's
    admin also changes municipalities: ``may_write``.)"""
    if model in INSTALLATION_ONLY:
        return False
    if role in DIRECTOR_ROLES:
        return True
    if role is Role.purchaser_manager:
        return model in AGREEMENT_CONTENT
    # A provider reporter reaches only his own measures and order lines (scope), and writes
    # only their values and deliveries.
    return role is Role.provider_reporter and model in (IndicatorValue, Delivery)


def roles_for(act: Act, model: Any = None) -> frozenset[Role]:
    """The roles that may do ``act`` (to ``model``): what a route declares (app.auth.policy)."""
    if act is Act.write:
        if model in INSTALLATION_ONLY:
            return frozenset({Role.admin})  # and of admins, the installation's: installation
        return frozenset(r for r in Role if may_role_write(r, model))
    return ACT_ROLES[act]


def may(user: User | None, act: Act, model: Any = None) -> bool:
    if user is None:
        return False
    if is_installation_admin(user):
        return True
    if act is Act.write:
        return may_role_write(user.role, model)
    return user.role in ACT_ROLES[act]


def may_write(user: User | None, model: Any) -> bool:
    """Function-level: may this user change this kind of object at all?"""
    return may(user, Act.write, model)


def require_write(user: User | None, model: Any) -> None:
    if not may_write(user, model):
        role = user.role.value if user else "public"
        raise Forbidden(f"Your role ({role}) may not change {model.__tablename__}")


def _readable(session: Session, user: User, obj: Any) -> bool:
    model = type(obj)
    if model is User:
        return obj.municipality_id == user.municipality_id
    if "municipality_id" not in model.__table__.c and model is not Municipality:
        return True  # not tenant data (e.g. a user's own API token: checked by its owner)
    return bool(session.scalar(select(exists().where(model.id == obj.id,
                                                     read_filter(model, user)))))


def _manager_board(session: Session, user: User) -> int | None:
    if user.role is not Role.purchaser_manager or user.purchaser_unit_id is None:
        return None
    return session.scalar(select(PurchaserUnit.board_id)
                          .where(PurchaserUnit.id == user.purchaser_unit_id))


def authorize(session: Session, user: User | None, act: Act, obj: Any, model: Any = None
              ) -> None:
    """The one check before every write: may ``user`` do ``act`` to ``obj`` (or, with
    ``model``, to a new ``model`` row under ``obj``, e.g. a value of a measure)?

    The role (403), the tenant and, for a provider reporter or a board member, his provider or
    board (the object must be one he can read: else 404, as if it did not exist), and a
    purchaser manager's purchaser unit: he drafts only his unit's board's agreements (403).
    """
    model = model or type(obj)
    if user is None or not may(user, act, model):
        role = user.role.value if user else "public"
        who = " or ".join(r.value.replace("_", " ") for r in Role if r in roles_for(act, model))
        raise Forbidden(f"Your role ({role}) may not {act.value} {label(model)}: "
                        f"{who or 'no one'} may")
    if is_installation_admin(user):
        return
    if not _readable(session, user, obj):
        raise NotFound(f"No {label(type(obj))} with id {obj.id}")
    board_id = _manager_board(session, user)
    if board_id is None or type(obj) not in AGREEMENT_CONTENT:
        return
    inside = session.scalar(select(exists().where(type(obj).id == obj.id,
                                                  _board_filter(type(obj), board_id))))
    if not inside:
        raise Forbidden("A purchaser manager drafts only the agreements of his purchaser "
                        "unit's board")


def require_write_object(session: Session, user: User, obj: Any) -> None:
    """Object-level check of a change (create, update, delete): ``authorize`` with Act.write."""
    authorize(session, user, Act.write, obj)


def label(model: Any) -> str:
    """'order_budget_lines' -> 'order budget line'."""
    return str(model.__tablename__).removesuffix("s").replace("_", " ")
