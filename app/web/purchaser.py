"""The purchaser's pages (tilaaja): agreements of a board and year with their measures' traffic
lights, the overdue list, the values waiting for review, amendments and version comparison.

The pages call the services (app.submissions.calendar and review, app.agreements.versioning
and diff) and read through app.auth.authz.scope: another municipality's board or value is the 404 page.
"""

from collections import defaultdict
from datetime import date
from decimal import Decimal
from typing import Annotated, Any, NamedTuple

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup
from pydantic import Field, ValidationError
from sqlalchemy.orm import Session, selectinload

from app.agreements import diff as agreement_diff
from app.agreements import versioning
from app.agreements.models import ServiceAgreement
from app.agreements.service import (
    agreements_in_force,
    board_agreement_years,
    board_agreements,
    boards_with_agreements,
)
from app.auth.authz import may_write
from app.auth.models import User
from app.core.access import get_readable
from app.core.db import SessionDep
from app.core.errors import Conflict, InvalidInput
from app.core.periods import Period
from app.core.types import MAX_ID
from app.indicators.models import Measure
from app.indicators.service import measures_with_targets
from app.organisations.models import Board, Provider
from app.organisations.service import providers_by_id
from app.reports import charts
from app.reports import status as judging
from app.reports.status import MeasureStatus, Rolled
from app.submissions import notes
from app.submissions.calendar import due_items
from app.submissions.ledger import Ledger, MeasureInfo, StoredValue, period_of
from app.submissions.models import NoteKind
from app.submissions.review import accept_many, waiting_for_review
from app.submissions.review import review as review_value
from app.submissions.schemas import ReviewIn
from app.web.deps import AmenderPage, Lang, PurchaserPage, ReviewerPage, check_csrf
from app.web.i18n import t
from app.web.render import number, render
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


def _trend(measure: Measure | None, rolled: Rolled | None, period: Period | None,
           lang: str) -> Markup | str:
    """Baseline, the yearly targets and the year so far as a small chart with its alt text
    (the reports' chart and point: what is compared with the year's target, e.g. a summed
    measure's forecast, not the latest month against a whole year's target)."""
    if measure is None:
        return ""
    baseline = (charts.Point(measure.baseline_year, measure.baseline_value)
                if measure.baseline_value is not None and measure.baseline_year else None)
    targets = [charts.Point(t.year, t.value) for t in measure.targets]
    actuals = ([charts.Point(period.year, rolled.compared, rolled.partial)]
               if rolled is not None and period is not None else [])
    years = sorted({p.year for p in (*targets, *actuals)} | ({baseline.year} if baseline else set()))
    if not years:
        return ""
    parts = ([t("trend_baseline", lang, year=baseline.year, value=number(baseline.value, lang))]
             if baseline else [])
    parts += [t("trend_target", lang, year=p.year, value=number(p.value, lang)) for p in targets]
    parts += [t("trend_actual", lang, period=period.code if period else "",
                value=number(p.value, lang)) for p in actuals]
    return charts.trend(f"{measure.code}: " + " ".join(parts), measure.name, years, baseline,
                        targets, actuals, width=120, height=40)


class Counted(NamedTuple):
    period_start: date
    period_end: date
    value: Decimal


def _judge(info: MeasureInfo, values: list[Counted], period: Period | None) -> MeasureStatus:
    """The light as the board's follow-up report has it for the latest period reported: the
    year so far rolled up by the measure's rule against the year's target."""
    if period is None:
        return MeasureStatus(judging.Status.no_value, None, None)
    return judging.measure_status(rollup=info.rollup, direction=info.direction,
                                  tolerance=info.tolerance, targets=info.targets, values=values,
                                  period=period)


def _attach_notes(session: Session, user: User, rows: list[dict[str, Any]]) -> None:
    """The conversation about the latest value of each red and amber measure (one query)."""
    deviating = {judging.Status.off_track.value, judging.Status.at_risk.value}
    ids = [m["value"].id for m in rows if m["value"] is not None and m["status"] in deviating]
    talk = notes.threads(session, user, ids)
    for m in rows:
        m["notes"] = talk.get(m["value"].id, []) if m["value"] is not None else []


@router.get("", response_class=HTMLResponse)
def overview(request: Request, session: SessionDep, lang: Lang, user: PurchaserPage,
             board: QueryId = None,
             year: Annotated[int | None, Query(ge=1990, le=2100)] = None) -> HTMLResponse:
    boards = boards_with_agreements(session, user)
    chosen = _board(session, user, board, boards)
    years: list[int] = []
    agreements: list[ServiceAgreement] = []
    measures: dict[int, list[dict[str, Any]]] = defaultdict(list)
    providers: dict[int, Provider] = {}
    if chosen is not None:
        years = board_agreement_years(session, user, chosen.id)
        year = year if year is not None else (years[0] if years else None)
        # Of each agreement the version in force today (or at the year's end), and the drafts
        # of its amendment, labelled; only the version in force has measures here.
        on = min(date.today(), date(year or date.today().year, 12, 31))
        in_force = {a.id for a in agreements_in_force(session, user, chosen.id, year, on)}
        newest_counted = {a.code: a.version for a in board_agreements(
            session, user, chosen.id, year) if a.id in in_force}
        agreements = [a for a in board_agreements(session, user, chosen.id, year)
                      if a.id in in_force or (a.status in versioning.DRAFTING
                                              and a.version > newest_counted.get(a.code, 0))]
        providers = providers_by_id(session, user, (a.provider_id for a in agreements))
        ledger = Ledger.load(session, user, board_id=chosen.id, year=year)
        latest: dict[str, Any] = {}
        counted: dict[str, list[Counted]] = defaultdict(list)
        returned: dict[str, list[str]] = defaultdict(list)
        for row in ledger.values.values():
            if not row.status.counts:  # not reported until submitted again
                returned[row.lineage].append(row.period)
                continue
            row_period = period_of(row.period)
            counted[row.lineage].append(Counted(row_period.start, row_period.end, row.value))
            key = (row_period.end, row_period.end - row_period.start)
            if row.lineage not in latest or key > latest[row.lineage][0]:
                latest[row.lineage] = (key, row, row_period)
        trends = measures_with_targets(session, user, list(ledger.measures))
        for info in sorted(ledger.measures.values(), key=lambda m: (m.goal_code, m.code)):
            if info.agreement_id not in in_force:
                continue
            entry = latest.get(info.lineage)
            stored: StoredValue | None = entry[1] if entry else None
            period: Period | None = entry[2] if entry else None
            target = info.target(period) if period else info.targets.get(year or 0)
            judged = _judge(info, counted[info.lineage], period)
            measures[info.agreement_id].append({
                "info": info, "value": stored, "period": period, "target": target,
                "status": judged.status.value, "rolled": judged.rolled,
                "trend": _trend(trends.get(info.id), judged.rolled, period, lang),
                "returned": sorted(returned[info.lineage]),
            })
        _attach_notes(session, user, [m for ms in measures.values() for m in ms])
    may_amend = may_write(user, ServiceAgreement)
    return render(request, "purchaser.html", lang, user, boards=boards, board=chosen,
                  years=years, year=year, agreements=agreements, measures=measures,
                  providers=providers, may_amend=may_amend, amendable=versioning.AMENDABLE)


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
    for i in items:
        i["provider_name"] = names.get(i["provider_id"], i["provider_code"])
        i["days_late"] = (today - i["due_date"]).days
    items.sort(key=lambda i: (i["provider_name"], i["due_date"], i["measure_code"]))
    return render(request, "overdue.html", lang, user, boards=boards, board=chosen,
                  items=items, today=today)


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
            where = f"&board={board}" if board else ""
            return RedirectResponse(f"/purchaser/review?done={body.decision}{where}",
                                    status_code=303)
    return _review_page(request, session, lang, user, board, errors={value_id: error},
                        reasons={value_id: reason}, status_code=422)


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
        where = f"&board={board}" if board else ""
        return RedirectResponse(f"/purchaser/review?done=note{where}#v-{value_id}",
                                status_code=303)
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
