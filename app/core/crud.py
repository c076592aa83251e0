"""Scoped create, read, update and delete shared by the feature routers.

Everything that is the same for every resource lives here once: access scoping (through the
access policy that app.auth registers with ``use_policy`` when it is imported: core imports
no feature), references that must point at objects the caller can see in the same
municipality, natural keys that must stay unique (read from the table's unique constraints),
attribution and pagination. Each feature registers its own domain rules with ``register``
when its service module is imported, so they apply whoever creates the object (API, import,
CLI, tests), whether or not a router was built.

Optimistic concurrency: every resource carries its row version (``row_version``) as its ETag;
PATCH and DELETE require If-Match with it (none: 428, stale: 412, nothing changed). The same
counter guards the UPDATE itself (SQLAlchemy's version_id_col), so two requests that pass the
check at the same moment still cannot both write.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Annotated, Any, Protocol, TypeVar

from fastapi import APIRouter, Header, Query, Response, status
from pydantic import BaseModel, Field, create_model
from sqlalchemy import ColumnElement, Select, UniqueConstraint, and_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.interfaces import LoaderOption

from app.core.audit import set_actor
from app.core.db import SessionDep, model_of_table, utcnow
from app.core.errors import Conflict, InvalidInput, NotFound, PreconditionFailed, PreconditionRequired
from app.core.pagination import Page, PageParams, page_of
from app.core.types import IdPath

# The caller: app.auth's User (core does not import it); None is the public.
User = Any
S = TypeVar("S", bound=Select)  # type: ignore[type-arg]

Rules = Callable[[Session, Any, dict[str, Any]], None]


class AccessPolicy(Protocol):
    """Who may read and write what: app.auth's policy, registered when app.auth is imported."""

    # The routes' declarations of who may call them (Annotated dependencies giving the caller)
    reader: Any  # the public too (None) or any logged-in user
    logged_in: Any  # any logged-in user

    def writer(self, model: Any) -> Any:
        """The declaration of who may write ``model`` at all."""
        ...

    def scope(self, stmt: S, model: Any, user: User | None) -> S: ...
    def is_public(self, model: Any) -> bool: ...
    def require_write(self, user: User | None, model: Any) -> None: ...
    def require_write_object(self, session: Session, user: User, obj: Any) -> None: ...


_policy: list[AccessPolicy] = []


def use_policy(policy: AccessPolicy) -> None:
    """Register the access policy (app.auth does, once, at import)."""
    _policy[:] = [policy]


def policy() -> AccessPolicy:
    if not _policy:  # never open by default: a missing policy is a start-up error
        raise RuntimeError("No access policy is registered: import app.auth.policy first")
    return _policy[0]


def scope(stmt: S, model: Any, user: User | None) -> S:
    return policy().scope(stmt, model, user)


def require_write(user: User | None, model: Any) -> None:
    policy().require_write(user, model)


def require_write_object(session: Session, user: User, obj: Any) -> None:
    policy().require_write_object(session, user, obj)


@dataclass(frozen=True)
class ModelRules:
    """A model's domain rules, applied by create, update and delete whoever calls them."""

    rules: Rules | None = None
    nested: frozenset[str] = frozenset()  # fields that after_write stores, not the column
    after_write: Callable[[Session, User, Any, dict[str, Any]], None] | None = None
    before_delete: Callable[[Session, User, Any], None] | None = None


_rules: dict[Any, ModelRules] = {}


def register(model: Any, rules: Rules | None = None, *, nested: frozenset[str] = frozenset(),
             after_write: Callable[[Session, User, Any, dict[str, Any]], None] | None = None,
             before_delete: Callable[[Session, User, Any], None] | None = None) -> None:
    """Register ``model``'s rules; a feature calls it when its service module is imported."""
    _rules[model] = ModelRules(rules, nested, after_write, before_delete)


def rules_of(model: Any) -> ModelRules:
    return _rules.get(model, ModelRules())


def label(model_or_table: Any) -> str:
    """'order_budget_lines' (a model or its table's name) -> 'order budget line'."""
    name: str = model_or_table if isinstance(model_or_table, str) \
        else model_or_table.__tablename__
    return name.removesuffix("s").replace("_", " ")


def a(noun: str) -> str:
    return ("an " if noun[:1] in "aeiou" else "a ") + noun


def model_for_table(table_name: str) -> Any:
    model = model_of_table(table_name)
    if model is None:
        raise LookupError(table_name)
    return model


def get_readable(
    session: Session, model: Any, obj_id: int, user: User | None,
    options: Sequence[LoaderOption] = (),
) -> Any:
    stmt = scope(select(model).where(model.id == obj_id), model, user)
    obj = session.scalar(stmt.options(*options).execution_options(populate_existing=True))
    if obj is None:
        raise NotFound(f"No {label(model)} with id {obj_id}")
    return obj


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


@cache
def with_row_version(read: type[BaseModel]) -> type[BaseModel]:
    """``read`` with the row version (the ETag's value) that PATCH and DELETE need."""
    return create_model(
        read.__name__, __base__=read, __module__=read.__module__,
        row_version=(int, Field(description="The ETag's value: send it in If-Match")),
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


@dataclass
class Resource:
    """How one model is served as a REST resource (its rules: ``register``)."""

    path: str
    model: Any
    create: type[BaseModel]
    update: type[BaseModel]
    read: type[BaseModel]
    tag: str
    filters: type[BaseModel] | None = None
    filter_exprs: dict[str, Callable[[Any], ColumnElement[bool]]] = field(default_factory=dict)
    options: Sequence[LoaderOption] = ()
    order_by: Sequence[Any] = ()


def list_stmt(res: Resource, user: User | None, filters: BaseModel | None) -> Any:
    stmt = scope(select(res.model), res.model, user).options(*res.options)
    values = filters.model_dump(exclude_none=True, exclude=set(PageParams.model_fields)) \
        if filters else {}
    for name, value in values.items():
        expr = res.filter_exprs.get(name)
        stmt = stmt.where(expr(value) if expr else getattr(res.model, name) == value)
    return stmt.order_by(*res.order_by, res.model.id)


IfMatch = Annotated[str | None, Header(description="The ETag of the object as you read it")]


_served: dict[Any, Resource] = {}


def resource_of(model: Any) -> Resource:
    """How ``model`` is served (its path and schemas), once its feature's router is built."""
    return _served[model]


def crud_router(res: Resource) -> APIRouter:
    _served[res.model] = res
    router = APIRouter(prefix=res.path, tags=[res.tag])
    Create, Update, Read = res.create, res.update, with_row_version(res.read)
    # One query model per list: its filters and the page parameters, unknown ones refused.
    ListQuery = type(f"{res.model.__name__}ListQuery",
                     (res.filters, PageParams) if res.filters else (PageParams,), {})

    # Approved agreements and master data are public records: readable without login.
    access = policy()
    Readers = access.reader if access.is_public(res.model) else access.logged_in
    # Who may change it at all (the policy's rules); the object itself: require_write_object.
    Writer = access.writer(res.model)

    def load(session: Session, user: User | None, obj_id: int) -> Any:
        return get_readable(session, res.model, obj_id, user, res.options)

    @router.get("", response_model=Page[Read], summary=f"List {res.model.__tablename__}")  # type: ignore[valid-type]
    def list_(
        session: SessionDep, user: Readers,  # type: ignore[valid-type]
        query: Annotated[ListQuery, Query()],  # type: ignore[valid-type]
    ) -> Any:
        page: PageParams = query
        return page_of(session, list_stmt(res, user, page), page)

    @router.post("", response_model=Read, status_code=status.HTTP_201_CREATED,
                 summary=f"Create {a(label(res.model))}")
    def create_(session: SessionDep, user: Writer, body: Create, response: Response) -> Any:  # type: ignore[valid-type]
        obj = create(session, user, res.model, body.model_dump())  # type: ignore[attr-defined]
        obj = load(session, user, obj.id)
        response.headers["ETag"] = etag(obj)
        return obj

    @router.get("/{obj_id}", response_model=Read, summary=f"Read {a(label(res.model))}")
    def read_(session: SessionDep, user: Readers, obj_id: IdPath,  # type: ignore[valid-type]
              response: Response) -> Any:
        obj = load(session, user, obj_id)
        response.headers["ETag"] = etag(obj)
        return obj

    @router.patch("/{obj_id}", response_model=Read, summary=f"Update {a(label(res.model))}",
                  responses={412: {"description": "If-Match is stale"},
                             428: {"description": "If-Match is missing"}})
    def update_(session: SessionDep, user: Writer, obj_id: IdPath, body: Update,  # type: ignore[valid-type]
                response: Response, if_match: IfMatch = None) -> Any:
        obj = load(session, user, obj_id)
        check_if_match(obj, if_match)
        update(session, user, obj, body.model_dump(exclude_unset=True))  # type: ignore[attr-defined]
        obj = load(session, user, obj.id)
        response.headers["ETag"] = etag(obj)
        return obj

    @router.delete("/{obj_id}", status_code=status.HTTP_204_NO_CONTENT,
                   summary=f"Delete {a(label(res.model))}",
                   responses={412: {"description": "If-Match is stale"},
                              428: {"description": "If-Match is missing"}})
    def delete_(session: SessionDep, user: Writer, obj_id: IdPath,  # type: ignore[valid-type]
                if_match: IfMatch = None) -> Response:
        obj = load(session, user, obj_id)
        check_if_match(obj, if_match)
        delete(session, user, obj)
        return Response(status_code=status.HTTP_204_NO_CONTENT)

    return router
