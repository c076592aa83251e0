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
Each feature declares beside its models what kind of record they are and what a board, a
provider or the public reaches (app.core.visibility); the roles above are applied here. A model
that declares nothing is hidden from the restricted roles: new models are private until their
feature says otherwise.
"""

from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, exists, false, select, true
from sqlalchemy.orm import Session

from app.auth.models import Role, User
from app.budgets.models import Delivery
from app.core.errors import Forbidden
from app.core.visibility import Reach, Viewer, Visibility, models, rule_of
from app.indicators.models import IndicatorValue
from app.organisations.models import Municipality, PurchaserUnit

S = TypeVar("S", bound=Select)  # type: ignore[type-arg]

PURCHASER_ROLES = frozenset({Role.admin, Role.purchaser_director, Role.purchaser_manager})
# Each kind of record, as the features declare their models (app.core.visibility): live sets.
# Public record of the municipality's organisation and catalogue: readable by every role.
MASTER_DATA = models[Visibility.MASTER_DATA]
# Reported values: they reach the public through issued reports only.
VALUES = models[Visibility.VALUES]
# Issued reports are public documents once issued.
PUBLIC_RECORDS = models[Visibility.PUBLIC_RECORD]


class _OfKinds:
    """The models of some kinds, as declared so far (a live ``in``, like the sets above)."""

    def __init__(self, *kinds: Visibility) -> None:
        self.kinds = kinds

    def __contains__(self, model: Any) -> bool:
        return any(model in models[kind] for kind in self.kinds)


# What the purchaser organisation writes; a purchaser manager only what is not master data.
AGREEMENT_CONTENT = _OfKinds(Visibility.CONTENT, Visibility.VALUES)
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
    column = rule.tenant if rule and rule.tenant is not None else model.municipality_id
    tenant: ColumnElement[bool] = column == user.municipality_id
    if kind is Visibility.PUBLIC_RECORD:  # issued reports: the board member's those of his board
        return tenant & (model.board_id == (user.board_id or 0)) \
            if user.role is Role.board_member else tenant
    if kind is Visibility.PURCHASER_WORK:  # the purchaser organisation's work in progress
        return tenant if user.role in PURCHASER_ROLES else false()
    if kind is Visibility.MASTER_DATA or user.role in PURCHASER_ROLES:
        return tenant
    if user.role is Role.provider_reporter:
        return tenant & _reached(model, Viewer(provider_id=user.provider_id or 0))
    if user.role is Role.board_member:
        return tenant & _board_filter(model, user.board_id or 0)
    return false()


def scope(stmt: S, model: Any, user: User | None) -> S:
    """Restrict a select of ``model`` to the rows ``user`` may read."""
    return stmt.where(read_filter(model, user))  # type: ignore[return-value]


def may_write(user: User | None, model: Any) -> bool:
    """Function-level: may this role change this kind of object at all?"""
    if user is None:
        return False
    if is_installation_admin(user):
        return True
    if model is Municipality:
        return False
    if user.role in (Role.admin, Role.purchaser_director):
        return True
    if user.role is Role.purchaser_manager:
        return model in AGREEMENT_CONTENT
    # A provider reporter reaches only his own measures and order lines (scope), and writes
    # only their values and deliveries.
    return user.role is Role.provider_reporter and model in (IndicatorValue, Delivery)


def require_write(user: User | None, model: Any) -> None:
    if not may_write(user, model):
        role = user.role.value if user else "public"
        raise Forbidden(f"Your role ({role}) may not change {model.__tablename__}")


def require_write_object(session: Session, user: User, obj: Any) -> None:
    """Object-level: a purchaser manager drafts only within his purchaser unit's board."""
    if user.role is not Role.purchaser_manager or user.purchaser_unit_id is None:
        return
    board_id = session.scalar(select(PurchaserUnit.board_id)
                              .where(PurchaserUnit.id == user.purchaser_unit_id))
    if board_id is None:
        return
    model = type(obj)
    if model not in AGREEMENT_CONTENT:
        return
    inside = session.scalar(select(exists().where(model.id == obj.id,
                                                  _board_filter(model, board_id))))
    if not inside:
        raise Forbidden("A purchaser manager drafts only the agreements of his purchaser "
                        "unit's board")
