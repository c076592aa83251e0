"""Agreement sets as files: import (POST) and export (GET) under /api/v1/contracts."""

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, Field
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from app.auth.authz import Act, authorize, is_installation_admin, scope
from app.auth.models import User
from app.auth.policy import LoggedIn, Purchaser
from app.contracts import exporter, importer, loading
from app.contracts.versions import Amendment
from app.core.db import SessionDep
from app.core.downloads import file_response
from app.core.errors import InvalidInput, NotFound
from app.core.limits import body_limit
from app.core.types import Code, Year
from app.organisations.models import Municipality

router = APIRouter(prefix="/contracts", tags=["contracts"])

YAML = "application/yaml"


class ImportSummary(BaseModel):
    created: int
    updated: int
    unchanged: int
    changed: bool = Field(description="False: the file describes what is stored (a no-op)")
    amendments: list[Amendment] = Field(
        description="Versions drafted because the file changes an approved agreement, each "
                    "with its diff (euros included)")


def _own_municipality(session: SessionDep, user: User, code: str,
                      act: Act | None = None) -> Municipality | None:
    """The municipality the user may read (and ``act`` in), or 404 as if it did not exist
    (None: a new one, which the installation's admin imports)."""
    municipality = session.scalar(scope(select(Municipality), Municipality, user)
                                  .where(Municipality.code == code))
    if municipality is None:
        if act is not None and is_installation_admin(user):
            return None
        raise NotFound(f"No municipality with code {code}")
    if act is not None:
        authorize(session, user, act, municipality)
    return municipality


@router.post("/import", response_model=ImportSummary, summary="Import an agreement set (YAML)",
             openapi_extra={"requestBody": {"required": True, "content": {
                 YAML: {"schema": {"type": "string"}}}}})
@body_limit(loading.MAX_FILE_BYTES)
async def import_file(request: Request, session: SessionDep, user: Purchaser) -> ImportSummary:
    # Who may import at all is declared (Purchaser), so it is decided before a byte of the file
    # is read or parsed; the municipality in the file, after parsing.
    body = await request.body()

    def work() -> ImportSummary:  # parsing and importing are CPU work: off the event loop
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            raise InvalidInput("The file is not UTF-8 text") from None
        doc = loading.parse(text)
        _own_municipality(session, user, doc.municipality.code, Act.import_agreements)
        result = importer.import_text(session, user, text, doc=doc)
        return ImportSummary(created=result.created, updated=result.updated,
                             unchanged=result.unchanged, changed=result.changed,
                             amendments=result.amendments)

    return await run_in_threadpool(work)


@router.get("/export", summary="Export an agreement set as YAML",
            responses={200: {"content": {YAML: {}}}})
def export_file(
    session: SessionDep, user: LoggedIn,
    municipality: Annotated[str, Query(max_length=3, examples=["109"])],
    board: Annotated[Code, Query(examples=["LANULA"])],
    year: Annotated[Year, Query(examples=[2015])],
) -> Response:
    _own_municipality(session, user, municipality)
    # Only what the user may read: another board's member finds no framework (404), a
    # provider reporter only his provider's agreements, lines and values.
    doc = exporter.build(session, user, municipality, board, year)
    filename = f"{municipality}-{board}-{year}.yaml"
    return file_response(exporter.dump(doc).encode("utf-8"), filename, YAML)
