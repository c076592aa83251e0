"""Agreement sets as files: import (POST) and export (GET) under /api/v1/contracts."""

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel
from sqlalchemy import select

from app.auth.authz import PURCHASER_ROLES, is_installation_admin
from app.auth.deps import CurrentUser
from app.auth.models import Role, User
from app.contracts import exporter, importer
from app.core.db import SessionDep
from app.core.downloads import file_response
from app.core.errors import Forbidden, InvalidInput, NotFound
from app.core.types import Code, Year
from app.organisations.models import Municipality

router = APIRouter(prefix="/contracts", tags=["contracts"])

MAX_FILE_BYTES = 2 * 1024 * 1024
YAML = "application/yaml"


class ImportSummary(BaseModel):
    created: int
    updated: int
    unchanged: int


def _own_municipality(session: SessionDep, user: User, code: str) -> Municipality:
    """The municipality the user may act in, or 404 as if it did not exist."""
    municipality = session.scalar(select(Municipality).where(Municipality.code == code))
    if municipality is None or not (
        is_installation_admin(user) or municipality.id == user.municipality_id
    ):
        raise NotFound(f"No municipality with code {code}")
    return municipality


@router.post("/import", response_model=ImportSummary, summary="Import an agreement set (YAML)",
             openapi_extra={"requestBody": {"required": True, "content": {
                 YAML: {"schema": {"type": "string"}}}}})
async def import_file(request: Request, session: SessionDep, user: CurrentUser) -> ImportSummary:
    body = await request.body()
    if len(body) > MAX_FILE_BYTES:
        raise InvalidInput(f"The file is larger than {MAX_FILE_BYTES // 1024} KiB")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidInput("The file is not UTF-8 text") from None
    doc = importer.parse(text)
    if not is_installation_admin(user):
        _own_municipality(session, user, doc.municipality.code)
        if user.role not in PURCHASER_ROLES:
            raise Forbidden("Only the purchaser organisation imports agreements")
    result = importer.import_text(session, user, text)
    return ImportSummary(created=result.created, updated=result.updated,
                         unchanged=result.unchanged)


@router.get("/export", summary="Export an agreement set as YAML",
            responses={200: {"content": {YAML: {}}}})
def export_file(
    session: SessionDep, user: CurrentUser,
    municipality: Annotated[str, Query(max_length=3, examples=["109"])],
    board: Annotated[Code, Query(examples=["LANULA"])],
    year: Annotated[Year, Query(examples=[2015])],
) -> Response:
    _own_municipality(session, user, municipality)
    if user.role is Role.provider_reporter:
        raise Forbidden("A provider reporter sees only his own provider's agreements")
    doc = exporter.build(session, municipality, board, year)
    filename = f"{municipality}-{board}-{year}.yaml"
    return file_response(exporter.dump(doc).encode("utf-8"), filename, YAML)
