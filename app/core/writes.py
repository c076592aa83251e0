"""Scoped create, update and delete, and the checks every write makes.

References must point at objects the caller can see in the same municipality, natural keys must
stay unique (read from the table's unique constraints), and each write is attributed. The
model's rules (app.core.access.register) apply whoever calls: API, import, CLI, tests.

Optimistic concurrency: every resource carries its row version (``row_version``) as its ETag;
PATCH and DELETE require If-Match with it (none: 428, stale: 412, nothing changed). The same
counter guards the UPDATE itself (SQLAlchemy's version_id_col), so two requests that pass the
check at the same moment still cannot both write.
"""

from typing import Any

from sqlalchemy import UniqueConstraint, and_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.core.access import (
    User,
    a,
    get_readable,
    label,
    model_for_table,
    require_write,
    require_write_object,
    rules_of,
)
from app.core.audit import set_actor
from app.core.db import utcnow
from app.core.errors import Conflict, InvalidInput, NotFound, PreconditionFailed, PreconditionRequired


def _reference(session: Session, user: User, model: Any, name: str, ref_id: int) -> Any:
    ref_model = model_for_table(
        next(iter(model.__table__.c[name].foreign_keys)).column.table.name
    )
    return _ref_or_422(session, user, ref_model, name, ref_id)


def _resolve(session: Session, user: User, model: Any, obj: Any, data: dict[str, Any]) -> None:
    """Check every reference in ``data`` and keep the object in one municipality."""
    tenant_owned = "municipality_id" in model.__table__.c
    municipalities: set[int] = set()
    if tenant_owned and obj.municipality_id is not None:
        municipalities.add(obj.municipality_id)
    for name, value in data.items():
        if name.endswith("_ids") and value is not None:
            relation = name.removesuffix("_ids") + "s"
            target = getattr(model, relation).property.mapper.class_
            refs = [_ref_or_422(session, user, target, name, ref_id) for ref_id in value]
            municipalities.update(r.municipality_id for r in refs)
            setattr(obj, relation, refs)
        elif name in model.__table__.c and model.__table__.c[name].foreign_keys and value:
            ref = _reference(session, user, model, name, value)
            municipalities.add(ref.id if name == "municipality_id" else ref.municipality_id)
    if not tenant_owned:
        return
    if len(municipalities) > 1:
        raise InvalidInput("The references point to different municipalities")
    if obj.municipality_id is None:
        if not municipalities:
            raise InvalidInput("municipality_id is required", field="municipality_id")
        obj.municipality_id = municipalities.pop()


def _ref_or_422(session: Session, user: User, target: Any, name: str, ref_id: int) -> Any:
    try:
        return get_readable(session, target, ref_id, user)
    except NotFound:
        raise InvalidInput(f"{name}: there is no {label(target)} with id {ref_id}",
                           field=name) from None


def check_unique(session: Session, obj: Any) -> None:
    """Natural keys (the table's unique constraints) get a 409 that names the key."""
    table = obj.__table__
    for constraint in table.constraints:
        if not isinstance(constraint, UniqueConstraint):
            continue
        columns = [c.name for c in constraint.columns]
        values = {c: getattr(obj, c) for c in columns}
        if any(v is None for v in values.values()):
            continue
        model = type(obj)
        stmt = select(model.id).where(and_(*(getattr(model, c) == v for c, v in values.items())))
        if obj.id is not None:
            stmt = stmt.where(model.id != obj.id)
        if session.scalar(stmt) is not None:
            shown = ", ".join(
                f"{c}={v}" for c, v in values.items() if c not in {"municipality_id"}
            )
            raise Conflict(
                f"{a(label(model)).capitalize()} with {shown} already exists", field=columns[-1]
            )


def attribute(obj: Any, user: User, *, new: bool) -> None:
    if new:
        obj.created_by = user.username
    else:
        obj.updated_at = utcnow()  # a real UPDATE even if only links changed: a new row version
    obj.updated_by = user.username


def etag(obj: Any) -> str:
    return f'"{obj.row_version}"'


def check_if_match(obj: Any, if_match: str | None) -> None:
    """If-Match must name the object's current ETag: 428 without it, 412 if it is stale."""
    what = f"{label(type(obj))} {obj.id}"
    if if_match is None or not if_match.strip():
        raise PreconditionRequired(
            f"Send If-Match with the ETag of the {what} as you read it (now {etag(obj)}), "
            "so that no one else's change is overwritten"
        )
    tags = [t.strip() for t in if_match.split(",")]
    if "*" in tags or etag(obj) in tags:
        return
    raise PreconditionFailed(
        f"The {what} was changed by someone else since you read it (ETag {', '.join(tags)}, "
        f"now {etag(obj)}); nothing was stored. Reload it, apply your change again and send "
        "the new ETag in If-Match", etag=etag(obj),
    )




def create(session: Session, user: User, model: Any, data: dict[str, Any]) -> Any:
    """Create an object under the model's registered rules (whoever calls: API, import, CLI)."""
    set_actor(session, user.username)
    res = rules_of(model)
    obj = model()
    _assign(obj, data, res.nested, new=True)
    _resolve(session, user, model, obj, data)
    require_write(user, model)
    if res.rules:
        res.rules(session, obj, data)
    check_unique(session, obj)
    attribute(obj, user, new=True)
    session.add(obj)
    session.flush()
    require_write_object(session, user, obj)
    if res.after_write:
        res.after_write(session, user, obj, data)
    return obj


def update(session: Session, user: User, obj: Any, data: dict[str, Any]) -> Any:
    set_actor(session, user.username)
    model = type(obj)
    res = rules_of(model)
    require_write(user, model)
    require_write_object(session, user, obj)
    if "municipality_id" in data and data["municipality_id"] != obj.municipality_id:
        raise InvalidInput("An object cannot move to another municipality",
                           field="municipality_id")
    _assign(obj, data, res.nested, new=False)
    _resolve(session, user, model, obj, data)
    if res.rules:
        res.rules(session, obj, data)
    check_unique(session, obj)
    attribute(obj, user, new=False)
    session.flush()
    if res.after_write:
        res.after_write(session, user, obj, data)
    return obj


def delete(session: Session, user: User, obj: Any) -> None:
    set_actor(session, user.username)
    require_write(user, type(obj))
    require_write_object(session, user, obj)
    before_delete = rules_of(type(obj)).before_delete
    if before_delete:
        before_delete(session, user, obj)
    try:
        with session.begin_nested():
            session.delete(obj)
            session.flush()
    except IntegrityError:
        raise Conflict(
            f"This {label(type(obj))} cannot be deleted while other records refer to it; "
            "delete or move those first"
        ) from None


def _assign(obj: Any, data: dict[str, Any], nested: frozenset[str], *, new: bool) -> None:
    columns = obj.__table__.c
    for name, value in data.items():
        if name in nested or name.endswith("_ids"):
            continue
        if value is None and name in columns and not columns[name].nullable:
            if new:
                continue  # not given: the column's default or a rule fills it
            raise InvalidInput(f"{name}: may not be empty", field=name)
        enum_class = getattr(columns[name].type, "enum_class", None) if name in columns else None
        if enum_class is not None and isinstance(value, str):
            value = enum_class(value)  # the object holds what a load from the database gives
        setattr(obj, name, value)

