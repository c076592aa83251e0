"""The lifecycle routes of framework agreements, order budgets and service agreements.

Under each agreement's path: ``/{id}/transitions`` (POST moves it on, GET its history with the
board decision), ``/{id}/comments`` (negotiation comments), ``/{id}/amendments`` (POST: the
next version as a draft), ``/{id}/versions`` and ``/{id}/versions/{n}`` (a version as it was),
``/{id}/audit`` (its audit trail) and ``/diff?from=&to=``; service agreements also have
``/{id}/carry-over``. app.main includes these routers before the agreements' and budgets' CRUD
routers, so that ``/diff`` is not taken for an id.
"""

from collections.abc import Callable, Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Response, status
from pydantic import BaseModel, create_model
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.interfaces import LoaderOption

from app.agreements import schemas as agreements
from app.agreements.models import (
    AgreementTransition,
    FrameworkAgreement,
    NegotiationComment,
    ServiceAgreement,
)
from app.agreements.ownership import ref_text
from app.audit.queries import entries_query
from app.audit.schemas import AuditEntryRead
from app.auth.authz import Act, authorize
from app.auth.models import User
from app.auth.policy import LoggedIn, may_do
from app.budgets.models import OrderBudget
from app.budgets.schemas import OrderBudgetRead
from app.core.access import a, get_readable, label
from app.core.db import SessionDep
from app.core.pagination import Page, PageParams, page_of
from app.core.resources import IfMatch, with_row_version
from app.core.types import MAX_ID, IdPath
from app.core.writes import check_if_match, etag
from app.lifecycle import diff, snapshots, transitions, versioning
from app.lifecycle.schemas import (
    CarryOverIn,
    CommentIn,
    CommentRead,
    MissingTarget,
    TransitionIn,
    TransitionRead,
)

Snapshot = Callable[[Any, User, Any], BaseModel]
Diff = Callable[[Any, User, int, int], BaseModel]
QueryId = Annotated[int, Query(ge=1, le=MAX_ID)]


def lifecycle_router(path: str, model: Any, read: type[BaseModel], tag: str, *,
                     snapshot: tuple[type[BaseModel], Snapshot],
                     diff: tuple[type[BaseModel], Diff] | None = None,
                     carry_over: bool = False,
                     options: Sequence[LoaderOption] = ()) -> APIRouter:
    router = APIRouter(prefix=path, tags=[tag])
    Read = with_row_version(read)
    noun = label(model)
    article = a(noun)
    # Who may call each route (authz's rules); the object itself: authz.authorize.
    Mover = Annotated[User, Depends(may_do(Act.transition))]
    Commenter = Annotated[User, Depends(may_do(Act.comment))]
    Writer = Annotated[User, Depends(may_do(Act.write, model))]
    AuditReader = Annotated[User, Depends(may_do(Act.read_audit))]

    def load(session: Any, user: User, obj_id: int) -> Any:
        return get_readable(session, model, obj_id, user, options)

    def target(caller: Any, act: Act | None = None) -> Callable[..., Any]:
        """The object of the path as a dependency: 404 for a caller who may not see it and
        403 for one who may not ``act`` on it, before FastAPI reads the body or the handler
        an If-Match (their 422, 412 or 428 would tell that it exists)."""
        def dependency(session: SessionDep, user: caller, obj_id: IdPath) -> Any:
            obj = load(session, user, obj_id)
            if act is not None:
                authorize(session, user, act, obj)
            return obj
        return dependency

    Moved = Annotated[Any, Depends(target(Mover, Act.transition))]
    Commented = Annotated[Any, Depends(target(Commenter, Act.comment))]
    Written = Annotated[Any, Depends(target(Writer, Act.write))]
    Seen = Annotated[Any, Depends(target(LoggedIn))]
    Audited = Annotated[Any, Depends(target(AuditReader))]

    def answer(session: Any, user: User, obj_id: int, response: Response) -> Any:
        obj = load(session, user, obj_id)
        response.headers["ETag"] = etag(obj)
        return obj

    if diff is not None:
        diff_model, compare = diff

        @router.get("/diff", response_model=diff_model,
                    summary=f"Compare two {noun}s (e.g. two versions)")
        def diff_(session: SessionDep, user: LoggedIn,
                  from_: Annotated[int, Query(alias="from", ge=1, le=MAX_ID)],
                  to: QueryId) -> Any:
            return compare(session, user, from_, to)

    @router.post("/{obj_id}/transitions", response_model=Read,
                 summary=f"Move {article} on in its lifecycle",
                 responses={409: {"description": "Not allowed now; lists allowed_transitions"}})
    def transition_(session: SessionDep, user: Mover, obj_id: IdPath, obj: Moved,
                    body: TransitionIn, response: Response, if_match: IfMatch = None) -> Any:
        transitions.authorize_move(session, user, obj, body.to)  # an approval: the director's
        if if_match is not None:
            check_if_match(obj, if_match)
        transitions.transition(session, user, obj, body.model_dump())
        return answer(session, user, obj_id, response)

    @router.get("/{obj_id}/transitions", response_model=list[TransitionRead],
                summary="The version's lifecycle so far, with the board decision")
    def transitions_(session: SessionDep, user: LoggedIn, obj: Seen) -> Any:
        return transitions.events(session, AgreementTransition, obj)

    @router.post("/{obj_id}/comments", response_model=CommentRead,
                 status_code=status.HTTP_201_CREATED,
                 summary="Comment on a version in negotiation (the provider's comments are kept)")
    def comment_(session: SessionDep, user: Commenter, obj: Commented, body: CommentIn) -> Any:
        return transitions.comment(session, user, obj, body.text)

    @router.get("/{obj_id}/comments", response_model=list[CommentRead],
                summary="The negotiation comments on the version")
    def comments_(session: SessionDep, user: LoggedIn, obj: Seen) -> Any:
        return transitions.events(session, NegotiationComment, obj)

    @router.post("/{obj_id}/amendments", response_model=Read, status_code=status.HTTP_201_CREATED,
                 summary="Amend an approved version: the next version as a draft")
    def amend_(session: SessionDep, user: Writer, obj: Written, response: Response,
               if_match: IfMatch = None) -> Any:
        if if_match is not None:
            check_if_match(obj, if_match)
        new = versioning.amend(session, user, obj)
        response.headers["Location"] = f"/api/v1{path}/{new.id}"
        return answer(session, user, new.id, response)

    @router.get("/{obj_id}/versions", response_model=list[Read],  # type: ignore[valid-type]
                summary=f"Every version of the {noun}, oldest first")
    def versions_(session: SessionDep, user: LoggedIn, obj: Seen) -> Any:
        return versioning.versions(session, user, obj, options)

    snapshot_model, take = snapshot

    @router.get("/{obj_id}/versions/{number}", response_model=snapshot_model,
                summary=f"Version n of the {noun} as it was, with all its content")
    def version_(session: SessionDep, user: LoggedIn, obj: Seen,
                 number: Annotated[int, Path(ge=1, le=10_000)]) -> Any:
        return take(session, user, versioning.version_of(session, user, obj, number).id)

    @router.get("/{obj_id}/audit", response_model=Page[AuditEntryRead],
                summary="The audit trail of this version and its content")
    def audit_(session: SessionDep, user: AuditReader, obj: Audited,
               page: Annotated[PageParams, Query()]) -> Any:
        stmt = entries_query(user, {"agreement": ref_text((model.__tablename__, obj.id))})
        return page_of(session, stmt, page)

    if carry_over:
        CarryOverResult = create_model("CarryOverResult", agreement=(Read, ...),
                                       missing_targets=(list[MissingTarget], ...))

        @router.post("/{obj_id}/carry-over", response_model=CarryOverResult,
                     status_code=status.HTTP_201_CREATED,
                     summary="A draft for another year of the framework, with the goals and "
                             "measures; lists the targets to fill in")
        def carry_over_(session: SessionDep, user: Writer, old: Written, body: CarryOverIn,
                        response: Response) -> Any:
            new, missing = versioning.carry_over(session, user, old, body.year, body.code,
                                                body.title)
            response.headers["Location"] = f"/api/v1{path}/{new.id}"
            return {"agreement": answer(session, user, new.id, response),
                    "missing_targets": missing}

    return router


routers = [
    lifecycle_router("/framework-agreements", FrameworkAgreement,
                     agreements.FrameworkAgreementRead, "agreements",
                     snapshot=(snapshots.FrameworkAgreementSnapshot, snapshots.framework_snapshot),
                     diff=(diff.FrameworkAgreementDiff, diff.compare_framework_agreements)),
    lifecycle_router("/service-agreements", ServiceAgreement, agreements.ServiceAgreementRead,
                     "agreements",
                     snapshot=(snapshots.ServiceAgreementSnapshot, snapshots.service_agreement_snapshot),
                     diff=(diff.ServiceAgreementDiff, diff.compare_service_agreements),
                     carry_over=True, options=[selectinload(ServiceAgreement.boards)]),
    lifecycle_router("/order-budgets", OrderBudget, OrderBudgetRead, "budgets",
                     snapshot=(snapshots.OrderBudgetSnapshot, snapshots.order_budget_snapshot),
                     diff=(diff.OrderBudgetDiff, diff.compare_order_budgets)),
]
