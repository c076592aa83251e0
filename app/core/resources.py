"""Serving a model as a REST resource: the shared list, create, read, update and delete routes.

Each feature's router describes its resource (path, schemas, filters) and ``crud_router`` builds
the routes, scoped by the access policy and writing through app.core.writes.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Response, status
from pydantic import BaseModel, Field, create_model
from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.interfaces import LoaderOption

from app.core.access import User, a, get_readable, label, policy, require_write_object, scope
from app.core.db import SessionDep
from app.core.pagination import Page, PageParams, page_of
from app.core.types import IdPath
from app.core.writes import check_if_match, create, delete, etag, update


@cache
def with_row_version(read: type[BaseModel]) -> type[BaseModel]:
    """``read`` with the row version (the ETag's value) that PATCH and DELETE need."""
    return create_model(
        read.__name__, __base__=read, __module__=read.__module__,
        row_version=(int, Field(description="The ETag's value: send it in If-Match")),
    )


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

    def writable(session: SessionDep, user: Writer, obj_id: IdPath) -> Any:  # type: ignore[valid-type]
        """The object of the path, checked before FastAPI reads the body or the handler an
        If-Match: 404 if the caller may not see it, 403 if he may not change it (their 422, 412
        or 428 would tell that it exists)."""
        obj = load(session, user, obj_id)
        require_write_object(session, user, obj)
        return obj

    Target = Annotated[Any, Depends(writable)]

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
    def update_(session: SessionDep, user: Writer, obj: Target, body: Update,  # type: ignore[valid-type]
                response: Response, if_match: IfMatch = None) -> Any:
        check_if_match(obj, if_match)
        update(session, user, obj, body.model_dump(exclude_unset=True))  # type: ignore[attr-defined]
        obj = load(session, user, obj.id)
        response.headers["ETag"] = etag(obj)
        return obj

    @router.delete("/{obj_id}", status_code=status.HTTP_204_NO_CONTENT,
                   summary=f"Delete {a(label(res.model))}",
                   responses={412: {"description": "If-Match is stale"},
                              428: {"description": "If-Match is missing"}})
    def delete_(session: SessionDep, user: Writer, obj: Target,  # type: ignore[valid-type]
                if_match: IfMatch = None) -> Response:
        check_if_match(obj, if_match)
        delete(session, user, obj)
        return Response(status_code=status.HTTP_204_NO_CONTENT)

    return router
