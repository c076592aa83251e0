"""The provider reporter's pages (raportointi): the due list, the form per measure and period,
the file upload and the template download.

Every rule is the API's: the pages call app.submissions (service, bulk, template) and read
through app.auth.authz.scope, so another provider's measure answers the 404 page.
"""

from datetime import date
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from app.auth.authz import own_provider, provider_ids
from app.auth.models import User
from app.core.access import get_readable
from app.core.db import SessionDep
from app.core.downloads import file_response
from app.core.errors import Conflict, DomainError, Forbidden, InvalidInput, NotFound
from app.core.limits import LONG_FORM_LIMIT, body_limit, upload_limit
from app.core.periods import Period, PeriodError, period_codes
from app.indicators.models import Measure
from app.organisations.models import Provider
from app.reports.status import Status, judge
from app.submissions import bulk, columns, files, notes, staged, template
from app.submissions.calendar import DueStatus, due_items, municipality_names
from app.submissions.ledger import Ledger, MeasureInfo, period_of
from app.submissions.models import NoteKind
from app.submissions.schemas import SubmissionIn
from app.submissions.values import history, implausible, last_values_of_series, submit
from app.web.deps import Lang, ReporterPage, check_csrf
from app.web.i18n import t
from app.web.render import number, render
from app.web.upload_words import RowError, row_errors

router = APIRouter(prefix="/reporting")
# The due list's groups, the ones that need the reporter first.
GROUPS = (DueStatus.returned, DueStatus.overdue, DueStatus.due, DueStatus.submitted,
          DueStatus.accepted)
LAST_VALUES = 8


def reporter(session: Session, user: User, provider: int | None = None) -> int:
    """The reporter's provider the page is about (the pages are the provider reporter's:
    ReporterPage): his own, or the one of his organisation's he names (another's: 404)."""
    if user.provider_id is None and user.provider_organisation_id is None:
        raise Forbidden("Only a provider's reporter reports values on these pages")
    try:
        return own_provider(session, user, provider)
    except InvalidInput:  # an organisation's reporter of several: which one, on the due list
        raise NotFound("Choose the purchaser on the due list") from None


def purchasers(session: Session, user: User) -> list[Provider]:
    """An organisation's reporter's providers, one per municipality (the purchasers that ask
    of it), for the due list's files; a reporter of one provider: none to choose from."""
    if user.provider_organisation_id is None:
        return []
    return list(session.scalars(select(Provider).where(Provider.id.in_(provider_ids(user)))
                                .order_by(Provider.municipality_id)))


@router.get("", response_class=HTMLResponse)
def due_list(request: Request, session: SessionDep, lang: Lang, user: ReporterPage,
             saved: str | None = None) -> HTMLResponse:
    today = date.today()
    items = due_items(session, user, as_of=today)  # his own: every municipality's
    groups = [(status, [i for i in items if i["status"] is status]) for status in GROUPS]
    providers = purchasers(session, user)
    return render(request, "reporting.html", lang, user, groups=[g for g in groups if g[1]],
                  today=today, saved=saved, providers=providers,
                  names=municipality_names(session, {p.municipality_id for p in providers}))


@router.get("/template.xlsx")
def template_download(session: SessionDep, lang: Lang, user: ReporterPage,
                      provider: int | None = None) -> Response:
    provider_id = reporter(session, user, provider)
    code = get_readable(session, Provider, provider_id, user).code
    data = template.template(session, user, provider_id, today=date.today(), lang=lang)
    return file_response(data, f"toteumat-{code}.xlsx", template.XLSX)


@router.get("/upload", response_class=HTMLResponse)
def upload_page(request: Request, session: SessionDep, lang: Lang, user: ReporterPage,
                created: int | None = None, updated: int | None = None,
                unchanged: int | None = None, provider: int | None = None) -> Response:
    if provider is None and user.provider_organisation_id is not None:
        return RedirectResponse("/reporting", status_code=303)  # which purchaser's: chosen there
    reporter(session, user, provider)
    stored = None if created is None else {"created": created, "updated": updated or 0,
                                            "unchanged": unchanged or 0}
    return render(request, "upload.html", lang, user, stored=stored, provider=provider)


@router.post("/upload", response_class=HTMLResponse)
@body_limit(upload_limit(files.MAX_BYTES))
async def upload(request: Request, session: SessionDep, lang: Lang, user: ReporterPage,
                 provider: int | None = None) -> Response:
    # who may upload, and for which of his providers, is decided before the file is read
    provider_id = await run_in_threadpool(reporter, session, user, provider)
    form = await request.form(max_files=1, max_fields=4)
    try:
        csrf, action, file, token = (form.get(k) for k in ("csrf", "action", "file", "token"))
        check_csrf(request, csrf if isinstance(csrf, str) else None)
        data = await file.read() if isinstance(file, UploadFile) else b""
        filename = (file.filename if isinstance(file, UploadFile) else None) or "file"
    finally:
        await form.close()
    # Reading the workbook and checking its rows is CPU work: off the event loop.
    return await run_in_threadpool(_upload, request, session, lang, user, provider_id, data,
                                   filename, token if isinstance(token, str) else "",
                                   dry_run=action != "store")


def _upload(request: Request, session: Session, lang: str, user: User, provider_id: int,
            data: bytes, filename: str, token: str, *, dry_run: bool) -> Response:
    """Preview or store the file sent, or (without one) the file of the preview ``token``
    kept (app.submissions.staged)."""
    error: str | None = None
    rows: list[RowError] = []
    rejected: dict[str, int] = {}  # how many rows had errors, how many errors are not listed
    if not data and token:
        kept = staged.take(session, user, token)
        if kept is None:  # expired, stored already, or not the user's
            return render(request, "upload.html", lang, user, status_code=422,
                          error=t("upload_staged_expired", lang))
        data, filename = kept.data, kept.filename
    else:
        token = ""  # a file sent replaces the one previewed
    if not data:
        error = t("upload_empty", lang)
    elif len(data) > files.MAX_BYTES:
        error = t("upload_too_large", lang, mib=files.MAX_BYTES // (1024 * 1024))
    else:
        try:
            result = bulk.import_file(session, user, data, filename, provider_id,
                                      dry_run=dry_run, today=date.today())
        except columns.BulkRejected as exc:
            rows = row_errors(list(exc.extra.get("errors") or []), lang)
            rejected = {k: exc.extra[k] for k in ("rows_with_errors", "errors_not_listed")}
        except DomainError as exc:  # unreadable, too large: nothing was stored
            error = exc.detail_in(lang)
        else:
            if not dry_run:  # Post/Redirect/Get
                if token:
                    staged.discard(session, user, token)
                return RedirectResponse(
                    f"/reporting/upload?created={result.created}&updated={result.updated}"
                    f"&unchanged={result.unchanged}&provider={provider_id}", status_code=303)
            return render(request, "upload.html", lang, user, preview=result, filename=filename,
                          token=token or staged.stage(session, user, data, filename))
    return render(request, "upload.html", lang, user, status_code=422, error=error,
                  bad_rows=rows, filename=filename, **rejected)


def _period(info: MeasureInfo, code: str) -> Period:
    """A period the measure is reported for in its agreement's year, else the 404 page."""
    try:
        period = period_of(code)
    except PeriodError:
        raise NotFound(f"No reporting period {code}") from None
    if period.code not in period_codes(info.agreement_year, info.frequency):
        raise NotFound(f"Measure {info.code} is not reported for {code}")
    return period


def _form_context(session: Session, user: User, measure_id: int, code: str) -> dict[str, Any]:
    """Everything the form shows: the measure, the period's target, due date and state, the
    stored value with its history, and the series' last values."""
    measure = get_readable(session, Measure, measure_id, user)  # another provider's: 404
    ledger = Ledger.load(session, user, measure_ids=[measure.id])
    info = ledger.measures.get(measure.id)
    if info is None:
        raise NotFound(f"No measure with id {measure_id}")
    period = _period(info, code)
    items = due_items(session, user, as_of=date.today(), agreement_id=info.agreement_id,
                      provider_id=info.provider_id)
    item = next((i for i in items if i["measure_id"] == info.id and i["period"] == period.code),
                None)
    if item is None:  # not reported by the provider (national or the purchaser's)
        raise NotFound(f"Measure {info.code} is not reported by the provider")
    revisions = history(session, user, item["value_id"])[1] if item["value_id"] else []
    last = last_values_of_series(session, user, info.provider_id, info.code, info.unit,
                                 period.code, LAST_VALUES)
    target = item["target"]
    misses = (item["value"] is not None and target is not None and
              judge(item["value"], target, info.direction, info.tolerance) is not Status.on_track)
    thread = notes.thread(session, user, item["value_id"]) if item["value_id"] else []
    return {"info": info, "period": period, "item": item, "revisions": revisions,
            "last_values": last, "year_target": info.targets.get(period.year),
            "notes": thread, "misses": misses, "note_form": {}, "note_error": None}


@router.get("/{measure_id}/{code}", response_class=HTMLResponse)
def value_form(request: Request, session: SessionDep, lang: Lang, user: ReporterPage,
               measure_id: int, code: str, saved: str | None = None) -> HTMLResponse:
    context = _form_context(session, user, measure_id, code)
    item = context["item"]
    form = {"value": "" if item["value"] is None else _plain(item["value"]),
            "comment": item["comment"] or "", "reason": ""}
    return render(request, "report_value.html", lang, user, form=form, errors={},
                  saved=saved, **context)


def _plain(number: Any) -> str:
    """A stored value as the form shows it: Finnish decimal comma, no trailing zeros."""
    text = f"{number:f}"
    text = text.rstrip("0").rstrip(".") if "." in text else text
    return text.replace(".", ",")


def _messages(lang: str, info: MeasureInfo, period: Period, exc: DomainError
              ) -> dict[str, str]:
    """The service's errors as messages next to the fields, in the user's language."""
    errors = exc.extra.get("errors") or [{"field": exc.field or "form", "message": exc.detail}]
    out: dict[str, str] = {}
    for error in errors:
        field, message = str(error.get("field") or "form"), str(error.get("message"))
        if isinstance(exc, Conflict):
            field, message = "form", t("err_locked", lang)
        elif isinstance(exc, Forbidden):
            field, message = "form", t("err_not_reported", lang)
        elif field == "value":
            low = "–" if info.min_value is None else number(info.min_value, lang)
            high = "–" if info.max_value is None else number(info.max_value, lang)
            message = t("err_range", lang, low=low, high=high, unit=info.unit)
        elif field == "comment":
            target = info.target(period)
            message = t("err_comment_required", lang,
                        target="–" if target is None else number(target, lang),
                        tolerance=number(info.tolerance, lang), unit=info.unit)
        elif field == "reason":
            message = t("err_reason_required", lang)
        else:
            field = field if field in ("value", "comment", "reason") else "form"
        out.setdefault(field, message)
    return out


@router.post("/{measure_id}/{code}", response_class=HTMLResponse)
@body_limit(LONG_FORM_LIMIT)
def submit_value(
    request: Request, session: SessionDep, lang: Lang, user: ReporterPage, measure_id: int,
    code: str, csrf: Annotated[str, Form(max_length=200)],
    value: Annotated[str, Form(max_length=100)] = "",
    comment: Annotated[str, Form(max_length=10_000)] = "",
    reason: Annotated[str, Form(max_length=10_000)] = "",
    confirmed: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    check_csrf(request, csrf)
    context = _form_context(session, user, measure_id, code)
    info, period = context["info"], context["period"]
    errors: dict[str, str] = {}
    question: str | None = None
    number = None
    if not value.strip():
        errors["value"] = t("err_required", lang)
    else:
        try:
            number = bulk.parse_decimal(value)
        except ValueError:
            errors["value"] = t("err_number", lang)
    if number is not None:
        try:  # the API's request body, the API's validation
            body = SubmissionIn(measure_id=info.id, period=period.code, value=number,
                                comment=comment or None, reason=reason or None)
        except ValidationError as exc:
            for e in exc.errors():
                field = str(e["loc"][0]) if e["loc"] else "form"
                errors.setdefault(field if field in ("value", "comment", "reason") else "form",
                                  t("err_invalid", lang))
        else:
            if confirmed != value:  # asked before it is stored, unless confirmed as typed
                question = _question(session, user, info, period, number, lang,
                                     context["item"]["value"])
            if question is None:
                try:
                    _, action = submit(session, user, body.measure_id, body.period, body.value,
                                       body.comment, body.reason, date.today())
                except (InvalidInput, Conflict, Forbidden) as exc:
                    errors = _messages(lang, info, period, exc)
                else:
                    return RedirectResponse(
                        f"/reporting/{info.id}/{period.code}?saved={action.value}",
                        status_code=303)
    form = {"value": value, "comment": comment, "reason": reason}
    return render(request, "report_value.html", lang, user, status_code=422, form=form,
                  errors=errors, question=question, saved=None, **context)


@router.post("/{measure_id}/{code}/notes", response_class=HTMLResponse)
@body_limit(LONG_FORM_LIMIT)
def add_note(
    request: Request, session: SessionDep, lang: Lang, user: ReporterPage, measure_id: int,
    code: str, csrf: Annotated[str, Form(max_length=200)],
    kind: Annotated[str, Form(max_length=40)] = NoteKind.corrective_action.value,
    text: Annotated[str, Form(max_length=10_000)] = "",
    action_due: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    """The provider explains why the value misses its target, or names a corrective action
    with its due date (app.submissions.notes): kept with the value, as written."""
    check_csrf(request, csrf)
    context = _form_context(session, user, measure_id, code)
    value_id = context["item"]["value_id"]
    if value_id is None:
        raise NotFound(f"No value for {code} yet")
    error = None
    try:
        due = date.fromisoformat(action_due) if action_due.strip() else None
        notes.add(session, user, value_id, NoteKind(kind), text, due)
    except ValueError:
        error = t("err_note_invalid", lang)
    except (InvalidInput, Forbidden) as exc:
        error = t("err_note_action_due", lang) if exc.field == "action_due" else \
            t("err_note_invalid", lang)
    else:
        return RedirectResponse(f"/reporting/{measure_id}/{code}?saved=note#deviation",
                                status_code=303)
    item = context["item"]
    form = {"value": "" if item["value"] is None else _plain(item["value"]),
            "comment": item["comment"] or "", "reason": ""}
    context.update(note_form={"kind": kind, "text": text, "action_due": action_due},
                   note_error=error)
    return render(request, "report_value.html", lang, user, status_code=422, form=form,
                  errors={}, saved=None, **context)


def _question(session: Session, user: User, info: MeasureInfo, period: Period, value: Decimal,
              lang: str, stored: Decimal | None) -> str | None:
    """The plausibility question (rules.implausible) for a value within the measure's range
    (outside it the range's error answers), unless it is the value already stored."""
    if value == stored or (info.min_value is not None and value < info.min_value) or (
            info.max_value is not None and value > info.max_value):
        return None
    found = implausible(session, user, info.id, period.code, value)
    if found is None:
        return None
    kind, reference = found
    return t(f"plausible_{kind}", lang, value=number(value, lang),
             reference=number(reference, lang), unit=info.unit)
