"""The one place that decides who may read and write what.

Reads are scoped in the query itself, for lists and single objects alike: an object the caller
may not see is simply not found (404), so its existence does not leak. Writes are checked after
the scoped fetch (403).

Who sees what:
- the installation's admin (role admin, no municipality): everything;
- admin, purchaser director and purchaser manager: their municipality;
- board member: the municipality's master data, and the agreements, budgets and values of
  his board;
- provider reporter: master data, and only what concerns his provider; a reporter of a
  provider organisation (one Y-tunnus, several municipalities) the same of each of its
  municipalities' provider rows, each municipality's only as far as it concerns them;
- the public (no login): master data and approved agreements with their content.
Each feature declares beside its models what kind of record they are and what a board, a
provider or the public reaches (app.core.visibility); the roles above are applied here. A model
that declares nothing is hidden from the restricted roles: new models are private until their
feature says otherwise.
"""

from enum import StrEnum
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, exists, false, select, true
from sqlalchemy.orm import Session

from app.auth.models import Role, User
from app.core.access import model_for_table
from app.core.errors import Forbidden, InvalidInput, NotFound
from app.core.visibility import (
    INSTALLATION,
    Reach,
    Viewer,
    Visibility,
    Writers,
    models,
    rule_of,
    written_by,
)

S = TypeVar("S", bound=Select)  # type: ignore[type-arg]

ALL_ROLES = frozenset(Role)
PURCHASER_ROLES = frozenset({Role.admin, Role.purchaser_director, Role.purchaser_manager})
# Approval records the board's decision: the purchaser director (or an admin) does it.
DIRECTOR_ROLES = frozenset({Role.admin, Role.purchaser_director})
# Each kind of record, as the features declare their models (app.core.visibility): live sets.
# Public record of the municipality's organisation and catalogue: readable by every role.
MASTER_DATA = models[Visibility.MASTER_DATA]


class _OfKinds:
    """The models of some kinds, as declared so far (a live ``in``, like the sets above)."""

    def __init__(self, *kinds: Visibility) -> None:
        self.kinds = kinds

    def __contains__(self, model: Any) -> bool:
        return any(model in models[kind] for kind in self.kinds)


# What the purchaser organisation writes; a purchaser manager only what is not master data.
AGREEMENT_CONTENT = _OfKinds(Visibility.CONTENT, Visibility.VALUES)
# Created, changed and deleted by the installation's admin only (the municipalities).
INSTALLATION_ONLY = written_by[Writers.INSTALLATION]
# Written by a provider's reporter too: the values and deliveries he reports.
REPORTED = written_by[Writers.ALSO_REPORTERS]
# Readable without login (what exactly of them: read_filter).
PUBLIC_MODELS = _OfKinds(Visibility.MASTER_DATA, Visibility.CONTENT)


def is_public(model: Any) -> bool:
    return model in PUBLIC_MODELS


def is_installation_admin(user: User | None) -> bool:
    return user is not None and user.role is Role.admin and user.municipality_id is None


def is_purchaser(user: User) -> bool:
    """The purchaser's side: admins, purchaser directors and managers."""
    return user.role in PURCHASER_ROLES


def _reached(model: Any, viewer: Viewer) -> ColumnElement[bool]:
    """The rows of agreement content ``model`` within the viewer's reach (none if undeclared)."""
    rule = rule_of(model)
    if rule is None or rule.reached is None:
        return false()
    return rule.reached(Reach(viewer))


def _board_filter(model: Any, board_id: int) -> ColumnElement[bool]:
    return _reached(model, Viewer(board_id=board_id))


def provider_ids(user: User) -> Select[Any]:
    """The ids of the providers ``user`` reports for: an organisation's reporter every
    municipality's provider row linked to his organisation, another reporter his provider
    (none: an empty set, whatever else the user is). The one place that says so: reach rules,
    pages and routes all use it."""
    provider = model_for_table("providers")
    if user.role is not Role.provider_reporter:
        return select(provider.id).where(false())
    if user.provider_organisation_id is not None:
        return select(provider.id).where(
            provider.organisation_id == user.provider_organisation_id)
    return select(provider.id).where(provider.id == (user.provider_id or 0))


def reports_for(session: Session, user: User, provider_id: int) -> bool:
    """Is ``provider_id`` one of the providers ``user`` reports for?"""
    return provider_id in set(session.scalars(provider_ids(user)))


def own_provider(session: Session, user: User, provider_id: int | None) -> int:
    """The one of his providers a reporter's request is about: the one he names (another's:
    404), else his only one (an organisation's reporter of several must name it: 422)."""
    mine: list[int] = list(session.scalars(provider_ids(user)))
    if provider_id is not None:
        if provider_id not in mine:
            raise NotFound(f"No provider with id {provider_id}")
        return provider_id
    if len(mine) != 1:
        raise InvalidInput("provider_id: required; you report for several providers (one per "
                           "municipality): whose values?", field="provider_id")
    return mine[0]


def _user_tenant(column: Any, user: User) -> ColumnElement[bool]:
    """``column`` names one of the user's municipalities: his own, or an organisation
    reporter's, the municipalities of his providers."""
    if user.role is Role.provider_reporter and user.provider_organisation_id is not None:
        provider = model_for_table("providers")
        within: ColumnElement[bool] = column.in_(
            select(provider.municipality_id).where(provider.id.in_(provider_ids(user))))
        return within
    own: ColumnElement[bool] = column == user.municipality_id
    return own


def read_filter(model: Any, user: User | None) -> ColumnElement[bool]:
    """The condition on ``model``'s rows that ``user`` (None: the public) may read."""
    if is_installation_admin(user):
        return true()
    rule = rule_of(model)
    kind = rule.visibility if rule else None  # undeclared: private to the purchasers
    if user is None:
        if kind in (Visibility.MASTER_DATA, Visibility.PUBLIC_RECORD):
            return true()
        return _reached(model, Viewer()) if kind is Visibility.CONTENT else false()
    if rule is not None and rule.tenant is INSTALLATION:  # of no municipality: as the public
        return true() if kind is Visibility.MASTER_DATA else false()
    column = rule.tenant if rule and rule.tenant is not None else model.municipality_id
    tenant = _user_tenant(column, user)
    if kind is Visibility.PUBLIC_RECORD:  # issued reports: the board member's those of his board
        return tenant & (model.board_id == (user.board_id or 0)) \
            if user.role is Role.board_member else tenant
    if kind is Visibility.PURCHASER_WORK:  # the purchaser organisation's work in progress
        return tenant if user.role in PURCHASER_ROLES else false()
    if kind is Visibility.MASTER_DATA or user.role in PURCHASER_ROLES:
        return tenant
    if user.role is Role.provider_reporter:
        return tenant & _reached(model, Viewer(providers=provider_ids(user)))
    if user.role is Role.board_member:
        return tenant & _board_filter(model, user.board_id or 0)
    return false()


def scope(stmt: S, model: Any, user: User | None) -> S:
    """Restrict a select of ``model`` to the rows ``user`` may read."""
    return stmt.where(read_filter(model, user))


def scope_writable(session: Session, stmt: S, model: Any, user: User) -> S:
    """Restrict a select of ``model`` to the rows ``user`` may change: those he reads and, for
    a purchaser manager, his unit's board's (``authorize``'s rule, in the query, for a write
    of many rows at once)."""
    stmt = scope(stmt, model, user)
    board_id = _manager_board(session, user)
    if board_id is not None and model in AGREEMENT_CONTENT:
        stmt = stmt.where(_board_filter(model, board_id))
    return stmt


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
    return role is Role.provider_reporter and model in REPORTED


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
        return bool(obj.municipality_id == user.municipality_id)
    rule = rule_of(model)
    if rule is not None and rule.tenant is INSTALLATION:
        return rule.visibility is Visibility.MASTER_DATA
    if "municipality_id" not in model.__table__.c and (rule is None or rule.tenant is None):
        return True  # not tenant data (e.g. a user's own API token: checked by its owner)
    return bool(session.scalar(select(exists().where(model.id == obj.id,
                                                     read_filter(model, user)))))


def _manager_board(session: Session, user: User) -> int | None:
    if user.role is not Role.purchaser_manager or user.purchaser_unit_id is None:
        return None
    unit = model_for_table("purchaser_units")  # the user's unit, as his row names it
    return session.scalar(select(unit.board_id).where(unit.id == user.purchaser_unit_id))


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
        allowed = roles_for(act, model)
        who = " or ".join(r.value.replace("_", " ") for r in Role if r in allowed)
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
