"""Limit/offset pages with the total, for every list endpoint."""

from typing import Annotated, Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

MAX_LIMIT = 500


class PageParams(BaseModel):
    """Query parameters of every list: a list's filters extend this model."""

    model_config = ConfigDict(extra="forbid")

    limit: Annotated[int, Field(ge=1, le=MAX_LIMIT, description="Rows per page")] = 100
    offset: Annotated[int, Field(ge=0, le=10_000_000, description="Rows to skip")] = 0


T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int
    limit: int
    offset: int


def fetch_page(session: Session, stmt: Select[Any], params: PageParams) -> tuple[list[Any], int]:
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    rows = session.scalars(stmt.limit(params.limit).offset(params.offset)).all()
    return list(rows), total


def page_of(session: Session, stmt: Select[Any], params: PageParams) -> dict[str, Any]:
    """One page of ``stmt`` as a :class:`Page` answers it: items, total, limit and offset."""
    items, total = fetch_page(session, stmt, params)
    return {"items": items, "total": total, "limit": params.limit, "offset": params.offset}
