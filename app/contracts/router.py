"""Agreement sets as files: import (POST) and export (GET) under /api/v1/contracts."""

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from app.auth.authz import is_installation_admin, is_purchaser
from app.auth.deps import CurrentUser
from app.auth.models import Role, User
from app.contracts import exporter, importer
from app.core.db import SessionDep
from app.core.errors import Forbidden, InvalidInput, NotFound
from app.core.limits import body_limit
from app.core.types import Code, Year
from app.organisations.models import Municipality

router = APIRouter(prefix="/contracts", tags=["contracts"])

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
@body_limit(importer.MAX_FILE_BYTES)
async def import_file(request: Request, session: SessionDep, user: CurrentUser) -> ImportSummary:
    # Who may import at all is decided before a byte of the file is read or parsed.
    if not is_purchaser(user):
        raise Forbidden("Only the purchaser organisation imports agreements")
    body = await request.body()

    def work() -> ImportSummary:  # parsing and importing are CPU work: off the event loop
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            raise InvalidInput("The file is not UTF-8 text") from None
        doc = importer.parse(text)
        if not is_installation_admin(user):
            _own_municipality(session, user, doc.municipality.code)
        result = importer.import_text(session, user, text, doc=doc)
        return ImportSummary(created=result.created, updated=result.updated,
                             unchanged=result.unchanged)

    return await run_in_threadpool(work)


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
    return Response(exporter.dump(doc), media_type=YAML,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})
