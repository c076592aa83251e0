"""The purchaser's pages (tilaaja): agreements of a board and year with their measures' traffic
lights, the overdue list, the values waiting for review, amendments and version comparison.

The pages call the services (app.submissions.calendar and review, app.lifecycle.versioning
and diff) and read through app.auth.authz.scope: another municipality's board or value is the 404 page.
"""

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import Field, ValidationError
from sqlalchemy.orm import Session, selectinload

from app.agreements.models import ServiceAgreement
from app.agreements.service import board_agreement_years, boards_with_agreements
from app.auth.authz import may_write
from app.auth.models import User
from app.core.access import get_readable
from app.core.db import SessionDep
from app.core.downloads import file_response
from app.core.errors import Conflict, InvalidInput
from app.core.types import MAX_ID
from app.lifecycle import diff as agreement_diff
from app.lifecycle import versioning
from app.organisations.models import Board
from app.organisations.service import providers_by_id
from app.submissions import notes
from app.submissions.calendar import DueItem, due_items
from app.submissions.models import NoteKind
from app.submissions.review import accept_many, waiting_for_review
from app.submissions.review import review as review_value
from app.submissions.schemas import ReviewIn
from app.submissions.template import XLSX
from app.web.board_rows import (
    SORTS,
    STATUSES,
    Filters,
    Overview,
    board_overview,
    choices,
    export_query,
    filters_of,
)
from app.web.deps import AmenderPage, Lang, PurchaserPage, ReviewerPage, check_csrf
from app.web.i18n import t
from app.web.overview_xlsx import overview_xlsx
from app.web.render import render
from app.web.review_cards import review_cards

router = APIRouter(prefix="/purchaser")
QueryId = Annotated[int | None, Query(ge=1, le=MAX_ID)]
FormId = Annotated[int, Field(ge=1, le=MAX_ID)]
REVIEW_LIMIT = 300


def _board(session: Session, user: User, board_id: int | None, boards: list[Board]
           ) -> Board | None:
    if board_id is not None:
        board: Board = get_readable(session, Board, board_id, user)  # another municipality's: 404
        return board
    return boards[0] if boards else None


OverviewFilters = Annotated[Filters, Depends(filters_of)]


def _overview_data(session: Session, user: User, board: int | None, year: int | None,
                   lang: str) -> tuple[list[Board], Board | None, list[int], int | None,
                                       Overview]:
    boards = boards_with_agreements(session, user)
    chosen = _board(session, user, board, boards)
    years: list[int] = []
    data = Overview([], {}, {})
    if chosen is not None:
        years = board_agreement_years(session, user, chosen.id)
        year = year if year is not None else (years[0] if years else None)
        data = board_overview(session, user, chosen.id, year, lang)
    return boards, chosen, years, year, data


@router.get("", response_class=HTMLResponse)
def overview(request: Request, session: SessionDep, lang: Lang, user: PurchaserPage,
             filters: OverviewFilters, board: QueryId = None,
             year: Annotated[int | None, Query(ge=1990, le=2100)] = None) -> HTMLResponse:
    boards, chosen, years, year, data = _overview_data(session, user, board, year, lang)
    every = data.all_rows()
    flat = filters.apply(every) if filters.active or filters.sort else []
    return render(request, "purchaser.html", lang, user, boards=boards, board=chosen,
                  years=years, year=year, agreements=data.agreements, measures=data.rows,
                  providers=data.providers, may_amend=may_write(user, ServiceAgreement),
                  amendable=versioning.AMENDABLE, filters=filters, flat=flat,
                  choices=choices(every), statuses=STATUSES, sorts=SORTS,
                  export=export_query(chosen, year, filters), counted=data.in_force)


@router.get("/export.xlsx")
def overview_export(session: SessionDep, lang: Lang, user: PurchaserPage,
                    filters: OverviewFilters, board: QueryId = None,
                    year: Annotated[int | None, Query(ge=1990, le=2100)] = None) -> Response:
    """The overview's table as filtered and sorted, one row per measure."""
    _, chosen, _, year, data = _overview_data(session, user, board, year, lang)
    name = f"mittarit-{chosen.code if chosen else ''}-{year or ''}.xlsx"
    return file_response(overview_xlsx(filters.apply(data.all_rows()), lang), name, XLSX)


class OverdueItem(DueItem):
    provider_name: str
    days_late: int


@router.get("/overdue", response_class=HTMLResponse)
def overdue(request: Request, session: SessionDep, lang: Lang, user: PurchaserPage,
            board: QueryId = None) -> HTMLResponse:
    boards = boards_with_agreements(session, user)
    chosen = get_readable(session, Board, board, user) if board is not None else None
    today = date.today()
    items = [i for i in due_items(session, user, as_of=today,
                                          board_id=chosen.id if chosen else None)
             if i["overdue"]]
    names: dict[int, str] = {p.id: p.name for p in providers_by_id(
        session, user, (i["provider_id"] for i in items)).values()} if items else {}
    late = [OverdueItem(**i, provider_name=names.get(i["provider_id"], i["provider_code"]),
                        days_late=(today - i["due_date"]).days) for i in items]
    late.sort(key=lambda i: (i["provider_name"], i["due_date"], i["measure_code"]))
    return render(request, "overdue.html", lang, user, boards=boards, board=chosen,
                  items=late, today=today)


def _review_page(request: Request, session: SessionDep, lang: str, user: User,
                 board: int | None, errors: dict[int, str] | None = None,
                 reasons: dict[int, str] | None = None, done: str | None = None,
                 status_code: int = 200, bulk_error: str | None = None,
                 accepted: int | None = None, note_errors: dict[int, str] | None = None
                 ) -> HTMLResponse:
    boards = boards_with_agreements(session, user)
    chosen = get_readable(session, Board, board, user) if board is not None else None
    rows = waiting_for_review(session, user, chosen.id if chosen else None, REVIEW_LIMIT)
    return render(request, "review.html", lang, user, status_code=status_code,
                  groups=review_cards(session, user, rows), boards=boards, board=chosen,
                  errors=errors or {}, reasons=reasons or {}, bulk_error=bulk_error,
                  done=done if done in ("accept", "return", "note") else None, accepted=accepted,
                  limit=REVIEW_LIMIT, note_errors=note_errors or {})


@router.get("/review", response_class=HTMLResponse)
def review_list(request: Request, session: SessionDep, lang: Lang, user: PurchaserPage,
                board: QueryId = None, done: str | None = None,
                accepted: Annotated[int | None, Query(ge=0, le=REVIEW_LIMIT)] = None
                ) -> HTMLResponse:
    return _review_page(request, session, lang, user, board, done=done, accepted=accepted)


@router.post("/review/accept", response_class=HTMLResponse)
def accept_selected(
    request: Request, session: SessionDep, lang: Lang, user: ReviewerPage,
    csrf: Annotated[str, Form(max_length=200)],
    scope: Annotated[str, Form(max_length=20)] = "selected",
    ids: Annotated[list[FormId] | None, Form(max_length=REVIEW_LIMIT)] = None,
    shown: Annotated[list[FormId] | None, Form(max_length=REVIEW_LIMIT)] = None,
    board: Annotated[int | None, Form(ge=1, le=MAX_ID)] = None,
) -> Response:
    """Accept the chosen values (or every value the page showed) in one request, all or
    nothing: a locked one among them leaves every one waiting."""
    check_csrf(request, csrf)
    chosen = (shown if scope == "shown" else ids) or []
    if not chosen:
        error = t("err_bulk_none", lang)
    else:
        try:
            accepted = accept_many(session, user, chosen, date.today())
        except Conflict:
            session.rollback()
            error = t("err_bulk_locked", lang)
        else:
            where = f"&board={board}" if board else ""
            return RedirectResponse(f"/purchaser/review?accepted={len(accepted)}{where}",
                                    status_code=303)
    return _review_page(request, session, lang, user, board, bulk_error=error,
                        status_code=422)


@router.post("/review/{value_id}", response_class=HTMLResponse)
def review(request: Request, session: SessionDep, lang: Lang, user: ReviewerPage, value_id: int,
           csrf: Annotated[str, Form(max_length=200)],
           decision: Annotated[str, Form(max_length=20)],
           reason: Annotated[str, Form(max_length=10_000)] = "",
           board: Annotated[int | None, Form(ge=1, le=MAX_ID)] = None) -> Response:
    check_csrf(request, csrf)
    error = None
    try:  # the API's request body, the API's validation
        body = ReviewIn(decision=decision, reason=reason or None)
    except ValidationError:
        error = t("err_invalid", lang)
    else:
        try:
            review_value(session, user, value_id, body.decision, body.reason, date.today())
        except InvalidInput:
            error = t("err_return_reason", lang)
        except Conflict:
            error = t("err_locked", lang)
        else:
            return _reviewed(body.decision, board)
    return _review_page(request, session, lang, user, board, errors={value_id: error},
                        reasons={value_id: reason}, status_code=422)


def _reviewed(done: str, board: int | None, anchor: str = "") -> Response:
    """Back to the review list (Post/Redirect/Get), its board filter kept."""
    where = f"&board={board}" if board else ""
    return RedirectResponse(f"/purchaser/review?done={done}{where}{anchor}", status_code=303)


@router.post("/review/{value_id}/notes", response_class=HTMLResponse)
def answer(request: Request, session: SessionDep, lang: Lang, user: ReviewerPage, value_id: int,
           csrf: Annotated[str, Form(max_length=200)],
           kind: Annotated[str, Form(max_length=40)] = NoteKind.answer.value,
           text: Annotated[str, Form(max_length=10_000)] = "",
           board: Annotated[int | None, Form(ge=1, le=MAX_ID)] = None) -> Response:
    """The purchaser answers the provider's explanation or corrective action, or accepts it."""
    check_csrf(request, csrf)
    try:
        notes.add(session, user, value_id, NoteKind(kind), text, None)
    except (ValueError, InvalidInput):
        error = t("err_note_invalid", lang)
    else:
        return _reviewed("note", board, f"#v-{value_id}")
    return _review_page(request, session, lang, user, board, note_errors={value_id: error},
                        status_code=422)


@router.post("/agreements/{agreement_id}/amend")
def amend(request: Request, session: SessionDep, user: AmenderPage, agreement_id: int,
          csrf: Annotated[str, Form(max_length=200)]) -> Response:
    """Start an amendment: version v+1 of an approved agreement as a draft (the lifecycle's
    rules: only the latest approved or in-force version, only by who may write agreements)."""
    check_csrf(request, csrf)
    agreement = get_readable(session, ServiceAgreement, agreement_id, user,
                             [selectinload(ServiceAgreement.boards)])
    new = versioning.amend(session, user, agreement)
    return RedirectResponse(f"/agreements/{new.id}?amended=1", status_code=303)


@router.get("/compare", response_class=HTMLResponse)
def compare(request: Request, session: SessionDep, lang: Lang, user: PurchaserPage,
            from_: Annotated[int, Query(alias="from", ge=1, le=MAX_ID)],
            to: Annotated[int, Query(ge=1, le=MAX_ID)]) -> HTMLResponse:
    result = agreement_diff.compare_service_agreements(session, user, from_, to)
    return render(request, "compare.html", lang, user, diff=result)
