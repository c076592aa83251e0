"""Submissions, review, reporting calendar, deliveries and national indicators under /api/v1."""

import json
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Request, Response
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from app.auth.authz import Act, own_provider
from app.auth.models import Role, User
from app.auth.policy import LoggedIn, allow, may_do
from app.budgets.models import Delivery
from app.core.access import get_readable
from app.core.db import SessionDep
from app.core.downloads import file_response
from app.core.errors import InvalidInput
from app.core.i18n import DEFAULT, Language
from app.core.limits import body_limit, upload_limit
from app.core.pagination import Page
from app.core.resources import Resource, crud_router
from app.core.settings import get_settings
from app.core.types import Id, IdPath, Year
from app.indicators.models import IndicatorValue
from app.indicators.schemas import IndicatorValueRead
from app.organisations.models import Board, Municipality, Provider
from app.submissions import (
    bulk,
    bulk_jobs,
    calendar,
    files,
    idempotency,
    notes,
    shared,
    sotkanet,
    template,
    values,
)
from app.submissions import schemas as s
from app.submissions.deliveries import delivery_in_budget, delivery_of_provider
from app.submissions.ledger import Action
from app.submissions.models import ReportingDeadline
from app.submissions.review import review as review_value

TAG = "submissions"

router = APIRouter(tags=[TAG])
# Who may call (authz's rules); each value and measure itself: authz.authorize.
ValueWriter = Annotated[User, Depends(may_do(Act.write, IndicatorValue))]
Reviewer = Annotated[User, Depends(may_do(Act.review))]
# The provider's reporter and the purchaser talk about a deviation; which kind each: notes.
NoteWriter = Annotated[User, Depends(may_do(Act.comment))]
NationalLoader = Annotated[User, Depends(may_do(Act.load_national))]
# A shared indicator is the provider's own figure: his reporter alone reports it.
SharedReporter = Annotated[User, Depends(allow({Role.provider_reporter}))]
IdempotencyKey = Annotated[str | None, Header(alias=idempotency.HEADER,
                                              description="Any unique string, e.g. a UUID")]


def _provider(session: SessionDep, user: User, provider_id: int | None) -> int:
    """The provider whose values the request is about: a reporter's own (an organisation's
    reporter names which of his), else given."""
    if user.role is Role.provider_reporter:
        return own_provider(session, user, provider_id)
    if provider_id is None:
        raise InvalidInput("provider_id: required; whose values?", field="provider_id")
    get_readable(session, Provider, provider_id, user)
    return provider_id


async def _files(request: Request, names: tuple[str, ...]) -> dict[str, tuple[str, bytes]]:
    """The multipart files ``names``. The route's ``max_body_size`` bounds what is read (413);
    each parser checks its own file's size."""
    form = await request.form(max_files=len(names), max_fields=len(names) + 5)
    try:
        out = {}
        for name in names:
            item = form.get(name)
            if not isinstance(item, UploadFile):
                raise InvalidInput(f"{name}: send the file as the multipart/form-data field "
                                   f"'{name}'", field=name)
            out[name] = (item.filename or name, await item.read())
        return out
    finally:
        await form.close()


def _multipart(*names: str) -> dict[str, Any]:
    return {"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
        "type": "object", "required": list(names),
        "properties": {n: {"type": "string", "format": "binary"} for n in names}}}}}}


# -- due list, single submission, history and review -------------------------------------------


@router.get("/submissions/due", response_model=Page[s.DueItem],
            summary="What is due, overdue, submitted, accepted and returned, with due dates")
def due(session: SessionDep, user: LoggedIn, query: Annotated[s.DueQuery, Query()]) -> Any:
    as_of = query.as_of or date.today()
    items = calendar.due_items(session, user, as_of=as_of, year=query.year,
                              agreement_id=query.service_agreement_id,
                              provider_id=query.provider_id)
    if query.status is not None:
        items = [i for i in items if i["status"] is query.status]
    if query.overdue is not None:
        items = [i for i in items if i["overdue"] is query.overdue]
    return {"items": items[query.offset:query.offset + query.limit], "total": len(items),
            "limit": query.limit, "offset": query.offset}


@router.post("/submissions", response_model=s.SubmissionResult, status_code=201,
             summary="Submit or correct the value of a measure for a period",
             responses={200: {"description": "A correction (or the same value again)"}})
def submit(session: SessionDep, user: ValueWriter, body: s.SubmissionIn,
           idempotency_key: IdempotencyKey = None) -> Response:
    def run() -> tuple[int, Any]:
        value, action = values.submit(session, user, body.measure_id, body.period, body.value,
                                       body.comment, body.reason, date.today())
        read = IndicatorValueRead.model_validate(get_readable(session, IndicatorValue,
                                                              value.id, user))
        result = s.SubmissionResult(action=action, indicator_value=read)
        return (201 if action is Action.created else 200), result

    request_hash = idempotency.fingerprint("POST /submissions", body.model_dump_json())
    return idempotency.run_once(session, user, idempotency_key, request_hash, run)


@router.post("/submissions/shared", response_model=s.SharedSubmissionResult, status_code=201,
             summary="Report a shared indicator once: stored for every purchaser's measure of "
                     "it in force for the period, all or nothing")
def submit_shared(session: SessionDep, user: SharedReporter,
                  body: s.SharedSubmissionIn) -> Any:
    stored = shared.submit_shared(session, user, body.indicator, body.period, body.value,
                                  body.comment, body.reason, date.today(), body.purchasers)
    return s.SharedSubmissionResult(indicator=body.indicator, period=body.period,
                                    stored=stored)


@router.get("/indicator-values/{obj_id}/history", response_model=s.HistoryRead,
            summary="Every change of a reported value: who, when, old, new and why")
def value_history(session: SessionDep, user: LoggedIn, obj_id: IdPath) -> Any:
    value, revisions = values.history(session, user, obj_id)
    return {"indicator_value": value, "revisions": revisions}


@router.post("/indicator-values/{obj_id}/review", response_model=IndicatorValueRead,
             summary="Accept a reported value, or return it to the provider with a reason")
def review(session: SessionDep, user: Reviewer, obj_id: IdPath, body: s.ReviewIn) -> Any:
    value = review_value(session, user, obj_id, body.decision, body.reason, date.today())
    return get_readable(session, IndicatorValue, value.id, user)


@router.get("/indicator-values/{obj_id}/notes", response_model=list[s.NoteRead],
            summary="The conversation about a value that misses its target, oldest first")
def value_notes(session: SessionDep, user: LoggedIn, obj_id: IdPath) -> Any:
    return notes.thread(session, user, obj_id)


@router.post("/indicator-values/{obj_id}/notes", response_model=s.NoteRead, status_code=201,
             summary="Explain a miss or name a corrective action with its date (the provider), "
                     "answer or accept (the purchaser); notes are kept as written")
def add_value_note(session: SessionDep, user: NoteWriter, obj_id: IdPath, body: s.NoteIn) -> Any:
    return notes.add(session, user, obj_id, body.kind, body.text, body.action_due)


# -- files ---------------------------------------------------------------------------------------


def _large(filename: str, data: bytes) -> bool:
    """A file that would keep the request long: its size, or a CSV file's lines (counted
    without reading it; an XLSX file's rows are known only once it is unpacked)."""
    settings = get_settings()
    if len(data) > settings.bulk_async_bytes:
        return True
    is_xlsx = data[:4] == b"PK\x03\x04" or filename.lower().endswith((".xlsx", ".xlsm"))
    return not is_xlsx and data.count(b"\n") > settings.bulk_async_rows


@router.post("/submissions/bulk", response_model=s.BulkResult,
             summary="Upload values as CSV or XLSX: every row or nothing",
             description="A file larger than the installation's thresholds (size, a CSV "
                         "file's lines), or with async=true, is applied as a job: 202 and the "
                         "job (poll its Location). A dry run always answers at once.",
             responses={202: {"model": s.BulkJobRead, "description": "Queued as a job"}},
             openapi_extra=_multipart("file"))
@body_limit(upload_limit(files.MAX_BYTES))
async def bulk_upload(
    request: Request, session: SessionDep, user: ValueWriter,
    dry_run: Annotated[bool, Query(description="Check and report, store nothing")] = False,
    provider_id: Annotated[Id | None, Query(description="Purchasers: whose values")] = None,
    as_job: Annotated[bool, Query(alias="async",
                                  description="Apply as a job (202) whatever the size")] = False,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    parts = await _files(request, ("file",))
    filename, data = parts["file"]
    queued = not dry_run and (as_job or _large(filename, data))

    def work() -> Response:
        provider = _provider(session, user, provider_id)

        def run() -> tuple[int, Any]:
            if queued:
                # The file's form (size, rows, header) is refused at once; its rows' values
                # against the rules, and the writes, are the job's.
                files.read_table(data, filename)
                return 202, bulk_jobs.read(bulk_jobs.start(session, user, provider, filename,
                                                           data))
            return 200, bulk.import_file(session, user, data, filename, provider,
                                         dry_run=dry_run, today=date.today())

        if dry_run:  # stores nothing, so it needs no key
            return idempotency.run_once(session, user, None, "", run)
        request_hash = idempotency.fingerprint("POST /submissions/bulk", str(provider),
                                               filename, data)
        answer = idempotency.run_once(session, user, idempotency_key, request_hash, run)
        if answer.status_code == 202:
            job_id = json.loads(bytes(answer.body))["id"]
            answer.headers["Location"] = f"/api/v1/submissions/jobs/{job_id}"
        return answer

    return await run_in_threadpool(work)


@router.get("/submissions/jobs/{job_id}", response_model=s.BulkJobRead,
            summary="A bulk upload applied as a job: status, progress, result or rows' errors")
def bulk_job(session: SessionDep, user: LoggedIn, job_id: IdPath) -> Any:
    return bulk_jobs.read(bulk_jobs.get_own(session, user, job_id))


@router.get("/submissions/template.xlsx", summary="XLSX template of the provider's due values",
            responses={200: {"content": {template.XLSX: {}}}})
def download_template(
    session: SessionDep, user: LoggedIn, year: Year | None = None,
    service_agreement_id: Id | None = None, provider_id: Id | None = None,
    language: Language = DEFAULT,
) -> Response:
    provider = _provider(session, user, provider_id)
    code = get_readable(session, Provider, provider, user).code
    data = template.template(session, user, provider, today=date.today(), year=year,
                             agreement_id=service_agreement_id, lang=language)
    name = f"toteumat-{code}{f'-{year}' if year else ''}.xlsx"
    return file_response(data, name, template.XLSX)


@router.get("/submissions/export.csv", summary="The values as CSV (formula cells neutralised)",
            responses={200: {"content": {"text/csv": {}}}})
def export_values(session: SessionDep, user: LoggedIn, year: Year | None = None,
                  provider_id: Id | None = None) -> Response:
    if provider_id is not None or user.role is Role.provider_reporter:
        provider_id = _provider(session, user, provider_id)  # another's: 404
    text = template.export_csv(session, user, provider_id=provider_id, year=year)
    return file_response(text.encode("utf-8"), "toteumat.csv", "text/csv; charset=utf-8")


# -- the reporting calendar and overdue submissions ---------------------------------------------


@router.get("/service-agreements/{obj_id}/calendar", response_model=calendar.Calendar,
            summary="The agreement's reporting calendar: which periods, by which due date")
def agreement_calendar(session: SessionDep, user: LoggedIn, obj_id: IdPath) -> Any:
    return calendar.calendar(session, user, obj_id)


@router.get("/boards/{obj_id}/overdue", response_model=s.OverdueRead,
            summary="Overdue submissions of the board's service agreements")
def board_overdue(session: SessionDep, user: LoggedIn, obj_id: IdPath,
                  as_of: date | None = None) -> Any:
    board = get_readable(session, Board, obj_id, user)
    day = as_of or date.today()
    items = [i for i in calendar.due_items(session, user, as_of=day, board_id=board.id)
             if i["overdue"]]
    return {"board_id": board.id, "as_of": day, "items": items}


# -- national indicators -------------------------------------------------------------------------


@router.post("/sotkanet/load", response_model=s.SotkanetResult,
             summary="Load national measures' values from Sotkanet's data and regions files",
             description="With async=true the load is a job: 202 and the job (poll its "
                         "Location, GET /api/v1/submissions/jobs/{id}).",
             responses={202: {"model": s.BulkJobRead, "description": "Queued as a job"}},
             openapi_extra=_multipart("data", "regions"))
@body_limit(upload_limit(sotkanet.MAX_BYTES, files=2))
async def sotkanet_load(
    request: Request, session: SessionDep, user: NationalLoader,
    municipality_id: Annotated[Id | None, Query(description="Installation admins: which")] = None,
    as_job: Annotated[bool, Query(alias="async", description="Load as a job (202)")] = False,
) -> Any:
    parts = await _files(request, ("data", "regions"))

    def work() -> Any:
        if municipality_id is not None:
            get_readable(session, Municipality, municipality_id, user)
        if as_job:
            for name in ("data", "regions"):
                sotkanet.check_size(parts[name][1], name)
            job = bulk_jobs.start_sotkanet(session, user, municipality_id, parts["data"][1],
                                           parts["regions"][1])
            return JSONResponse(jsonable_encoder(bulk_jobs.read(job)), status_code=202,
                                headers={"Location": f"/api/v1/submissions/jobs/{job.id}"})
        values = sotkanet.parse_values(parts["data"][1])
        regions = sotkanet.parse_regions(parts["regions"][1])
        return sotkanet.load(session, user, values, regions, municipality_id=municipality_id)

    return await run_in_threadpool(work)


routers = [
    router,
    crud_router(Resource(
        "/reporting-deadlines", ReportingDeadline, s.ReportingDeadlineCreate,
        s.ReportingDeadlineUpdate, s.ReportingDeadlineRead, TAG,
        filters=s.ReportingDeadlineFilters,
        order_by=[ReportingDeadline.service_agreement_id, ReportingDeadline.due_date],
    )),
    crud_router(Resource(
        "/deliveries", Delivery, s.DeliveryCreate, s.DeliveryUpdate, s.DeliveryRead, TAG,
        filters=s.DeliveryFilters,
        filter_exprs={"order_budget_id": delivery_in_budget,
                      "provider_id": delivery_of_provider},
        order_by=[Delivery.order_budget_line_id, Delivery.period_start, Delivery.period_end],
    )),
]
