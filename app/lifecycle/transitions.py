"""The lifecycle of an agreement version (sopimuksen elinkaari), for framework agreements, order
budgets and service agreements alike: the state machine, the approval and negotiation comments.

    draft ──▶ negotiation ──▶ approved ──▶ in_force ──▶ closed
      ▲            │              │                        ▲
      └────────────┘              └────────────────────────┘

- draft (luonnos): the purchaser drafts; negotiation (neuvottelu): sent to the provider for
  comment, comments are kept (``NegotiationComment``), the draft may still be edited or sent
  back to draft; approved (hyväksytty): the board decision is recorded (body, meeting date,
  § number, register id, optional link to the minutes); in_force (voimassa): put in force
  explicitly, at the earliest on its first day (1 January of its year, or of a framework
  agreement's first year); closed (päättynyt).
- An approved version is locked (app.lifecycle.immutability); it is changed by an amendment
  (app.lifecycle.versioning), whose approval supersedes the versions before it.
- An approval records the day from which the version counts (``effective_from``, the meeting
  date by default); app.agreements.in_force picks the version that counts for each period.
  Indicator values are not agreement content and never move: they belong to the measure's
  lineage, which an amendment keeps.

Every transition is an ``AgreementTransition`` row and an audit entry (action ``transition``).
"""

from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.agreements.models import (
    APPROVED,
    AgreementStatus,
    AgreementTransition,
    FrameworkAgreement,
    NegotiationComment,
    ServiceAgreement,
)
from app.auth.authz import Act, authorize, provider_ids
from app.auth.models import User
from app.core.access import label as noun
from app.core.audit import set_actor
from app.core.errors import Conflict, InvalidInput
from app.lifecycle.budget_check import check_budgets
from app.lifecycle.schemas import TransitionIn
from app.lifecycle.versioning import Agreement, S, key_filter
from app.organisations.models import Provider

TRANSITIONS: dict[AgreementStatus, tuple[AgreementStatus, ...]] = {
    S.draft: (S.negotiation,),
    S.negotiation: (S.draft, S.approved),
    S.approved: (S.in_force, S.closed),
    S.in_force: (S.closed,),
    S.closed: (),
    S.superseded: (),
}
DECISION_FIELDS = ("organization", "event_date", "article_number", "register_id")
DECISION_TO = S.approved


def start_date(obj: Agreement) -> date:
    """The day an approved version may enter into force: the first day of its (first) year."""
    year = obj.first_year if isinstance(obj, FrameworkAgreement) else obj.year
    return date(year, 1, 1)


def end_date(obj: Agreement) -> date:
    """The last day of the agreement's (last) year: a version taking effect later never counts."""
    year = obj.last_year if isinstance(obj, FrameworkAgreement) else obj.year
    return date(year, 12, 31)


# -- transitions ------------------------------------------------------------------------------

def _refs(obj: Agreement) -> dict[str, int]:
    column = {"framework_agreements": "framework_agreement_id", "order_budgets": "order_budget_id",
              "service_agreements": "service_agreement_id"}[obj.__tablename__]
    return {column: obj.id}


def _record(session: Session, user: User, obj: Agreement, old: AgreementStatus,
            new: AgreementStatus, **decision: Any) -> AgreementTransition:
    event = AgreementTransition(
        **_refs(obj), municipality_id=obj.municipality_id, version=obj.version,
        from_status=old, to_status=new, created_by=user.username, updated_by=user.username,
        **decision,
    )
    session.add(event)
    return event


def authorize_move(session: Session, user: User, obj: Agreement, to: AgreementStatus) -> None:
    """May ``user`` move ``obj`` to ``to``? Approval records the board's decision: the
    purchaser director (or an admin) does it."""
    authorize(session, user, Act.approve if to is S.approved else Act.transition, obj)


def transition(session: Session, user: User, obj: Agreement, data: dict[str, Any]) -> Agreement:
    """Move ``obj`` to ``data['to']`` if the lifecycle allows it (409 lists what it allows).
    ``data`` is a TransitionIn body; whoever calls, it is validated as one."""
    set_actor(session, user.username)
    data = TransitionIn.model_validate(data).model_dump()
    to = AgreementStatus(data["to"])
    authorize_move(session, user, obj, to)
    allowed = TRANSITIONS[obj.status]
    if to not in allowed:
        shown = ", ".join(s.value for s in allowed) or "nothing (it is final)"
        raise Conflict(f"{noun(obj).capitalize()} {obj.id} version {obj.version} is "
                       f"{obj.status.value}: it can move to {shown}, not to {to.value}",
                       field="to", allowed_transitions=[s.value for s in allowed])
    decision = {k: data.get(k) for k in (*DECISION_FIELDS, "minutes_url")}
    if to is DECISION_TO:
        missing = [k for k in DECISION_FIELDS if not decision.get(k)]
        if missing:
            raise InvalidInput(
                "An approval records the board's decision: " + ", ".join(missing)
                + " required (the deciding body, the meeting date, the § number and the case's "
                "register id)", field=missing[0],
                errors=[{"field": k, "message": "required for an approval"} for k in missing])
    else:
        given = [k for k, v in decision.items() if v is not None]
        if given:
            raise InvalidInput(f"Only an approval records a board decision; remove {', '.join(given)}",
                               field=given[0])
    if to is S.in_force and date.today() < start_date(obj):
        raise Conflict(f"{noun(obj).capitalize()} {obj.id} enters into force on "
                       f"{start_date(obj).isoformat()}; put it in force from that day", field="to")
    if to is S.approved:
        newer = session.scalar(select(func.max(type(obj).version)).where(*key_filter(type(obj), obj)))
        if newer is not None and newer > obj.version:
            raise Conflict(f"Version {newer} of this {noun(obj)} exists; approve the latest version",
                           field="to")
        if isinstance(obj, ServiceAgreement):
            check_budgets(session, obj)
        explicit = data.get("effective_from")
        if explicit is not None and explicit > end_date(obj):
            raise InvalidInput(
                f"Version {obj.version} cannot take effect after {end_date(obj).isoformat()}, "
                "the end of its agreement's period: it would never count", field="effective_from")
        obj.effective_from = _effective_from(session, obj, explicit or decision["event_date"])
    elif data.get("effective_from") is not None:
        raise InvalidInput("Only an approval sets the day a version takes effect; remove "
                           "effective_from", field="effective_from")
    old = obj.status
    obj.status = to
    obj.updated_by = user.username
    _record(session, user, obj, old, to, comment=data.get("comment"),
            **{k: (str(v) if k == "minutes_url" and v is not None else v)
               for k, v in decision.items()})
    session.flush()
    if to is S.approved:
        _supersede(session, user, obj)
    return obj


def _effective_from(session: Session, obj: Agreement, day: date | None) -> date | None:
    """An amendment takes effect no earlier than the version it amends did (on the same day,
    it replaces that version for every period)."""
    model: Any = type(obj)
    earlier = session.scalar(select(func.max(model.effective_from)).where(
        *key_filter(model, obj), model.version < obj.version, model.status.in_(APPROVED)))
    if earlier is not None and day is not None and day < earlier:
        raise InvalidInput(f"Version {obj.version} cannot take effect before {earlier.isoformat()}, "
                           "the day the version it amends took effect", field="effective_from")
    return day


def _supersede(session: Session, user: User, obj: Agreement) -> None:
    """The approval of version v+1 supersedes the versions before it still approved or in force."""
    model: Any = type(obj)
    older = session.scalars(select(model).where(
        *key_filter(model, obj), model.version < obj.version,
        model.status.in_([S.approved, S.in_force]))).all()
    for previous in older:
        _record(session, user, previous, previous.status, S.superseded,
                comment=f"superseded by version {obj.version} (id {obj.id})")
        previous.status = S.superseded
        previous.updated_by = user.username
        session.flush()


# -- comments ---------------------------------------------------------------------------------

def comment(session: Session, user: User, obj: Agreement, text: str) -> NegotiationComment:
    """A comment on a version in negotiation: the provider's (or the purchaser's), kept."""
    set_actor(session, user.username)
    authorize(session, user, Act.comment, obj)
    if obj.status is not S.negotiation:
        raise Conflict(f"{noun(obj).capitalize()} {obj.id} version {obj.version} is "
                       f"{obj.status.value}; comments are taken while it is in negotiation")
    note = NegotiationComment(
        **_refs(obj), municipality_id=obj.municipality_id, version=obj.version,
        author_role=user.role.value, provider_id=_speaking_for(session, user, obj), text=text,
        created_by=user.username, updated_by=user.username,
    )
    session.add(note)
    session.flush()
    return note


def _speaking_for(session: Session, user: User, obj: Agreement) -> int | None:
    """The provider a reporter's comment speaks for: his own, or (an organisation's reporter)
    his organisation's provider row in the agreement's municipality."""
    if user.provider_organisation_id is None:
        return user.provider_id
    mine = provider_ids(user).where(Provider.municipality_id == obj.municipality_id)
    return session.scalars(mine.order_by(Provider.id)).first()


def events(session: Session, model: Any, obj: Agreement) -> list[Any]:
    column = getattr(model, next(iter(_refs(obj))))
    return list(session.scalars(select(model).where(column == obj.id).order_by(model.id)))
