"""The lifecycle of an agreement version (sopimuksen elinkaari), for framework agreements, order
budgets and service agreements alike.

    draft ──▶ negotiation ──▶ approved ──▶ in_force ──▶ closed
      ▲            │              │                        ▲
      └────────────┘              └────────────────────────┘

- draft (luonnos): the purchaser drafts; negotiation (neuvottelu): sent to the provider for
  comment, comments are kept (``NegotiationComment``), the draft may still be edited or sent
  back to draft; approved (hyväksytty): the board decision is recorded (body, meeting date,
  § number, register id, optional link to the minutes); in_force (voimassa): put in force
  explicitly, at the earliest on its first day (1 January of its year, or of a framework
  agreement's first year); closed (päättynyt).
- An approved version is a public record: it is never edited in place. Its rows and their
  content (see app.agreements.ownership) are locked in approved, in_force, closed and
  superseded; any write gets 409 telling how to amend. The check is one change guard run by
  the audit trail's flush hook for every writer (API, importer, CLI).
- An amendment (``amend``) copies an approved or in-force version into version v+1 as a draft.
  Only the approval of v+1 supersedes v (status ``superseded``, set by the system only).
- Indicator values stay attached to measures, and are not agreement content: providers keep
  reporting against approved versions. When an amendment of a service agreement is approved,
  the values reported on the superseded version's measures move to the matching measures of the
  new version (same goal code and measure code, a period the new measure is reported for, no
  value there yet), so that the version in force carries the year's whole series; values that
  have no such measure stay where they were. Each move is in the audit trail.

Every transition is an ``AgreementTransition`` row and an audit entry (action ``transition``).
"""

from datetime import date
from typing import Any

from sqlalchemy import Connection, func, select
from sqlalchemy.orm import Session, selectinload

from app.agreements.lifecycle_schemas import TransitionIn
from app.agreements.models import (
    AgreementStatus,
    AgreementTransition,
    FrameworkAgreement,
    LongTermGoal,
    NegotiationComment,
    Perspective,
    ServiceAgreement,
)
from app.agreements.ownership import (
    AGREEMENT_TABLES,
    CONTENT_TABLES,
    VERSION_KEYS,
    Cache,
    Ref,
    agreement_of,
    agreement_row,
)
from app.auth.authz import Act, authorize, scope
from app.auth.models import User
from app.budgets.models import OrderBudget, OrderBudgetLine
from app.core.audit import Change, change_guards, set_actor
from app.core.crud import label as noun
from app.core.db import Base
from app.core.errors import Conflict, InvalidInput, NotFound
from app.core.periods import periods_of_year
from app.goals.models import Action, Goal, Resource
from app.indicators.models import IndicatorValue, Measure, MeasureTarget

S = AgreementStatus
Agreement = FrameworkAgreement | OrderBudget | ServiceAgreement

TRANSITIONS: dict[AgreementStatus, tuple[AgreementStatus, ...]] = {
    S.draft: (S.negotiation,),
    S.negotiation: (S.draft, S.approved),
    S.approved: (S.in_force, S.closed),
    S.in_force: (S.closed,),
    S.closed: (),
    S.superseded: (),
}
LOCKED = frozenset({S.approved, S.in_force, S.closed, S.superseded})
AMENDABLE = frozenset({S.approved, S.in_force})
DECISION_FIELDS = ("organization", "event_date", "article_number", "register_id")
DECISION_TO = S.approved
def _name(table: str, row: dict[str, Any]) -> str:
    if table == "service_agreements":
        return str(row["code"])
    if table == "order_budgets":
        return f"{row['year']} ({row['title']})"
    return f"{row['first_year']}–{row['last_year']} ({row['title']})"


def start_date(obj: Agreement) -> date:
    """The day an approved version may enter into force: the first day of its (first) year."""
    year = obj.first_year if isinstance(obj, FrameworkAgreement) else obj.year
    return date(year, 1, 1)


# -- immutability -------------------------------------------------------------------------------

def _version_query(table_name: str, row: dict[str, Any]) -> Any:
    table = Base.metadata.tables[table_name]
    keys = VERSION_KEYS[table_name]
    return select(table.c.id, table.c.version, table.c.status).where(
        *(table.c[k] == row[k] for k in keys))


def immutable(conn: Connection, ref: Ref, cache: Cache, change: Change | None = None) -> Conflict:
    """409 for a write to a locked version, saying what to do instead."""
    table, agreement_id = ref
    row = agreement_row(conn, ref, cache) or {}
    status, version = AgreementStatus(row["status"]), row["version"]
    what = f"{noun(table).capitalize()} {_name(table, row)} version {version} is {status.value}"
    part = "" if change is None or change.table == table else \
        f" (a change to its {noun(change.table)}s)"
    amend = f"/api/v1{AGREEMENT_TABLES[table]}/{agreement_id}/amendments"
    newer = [r for r in conn.execute(_version_query(table, row)) if r.version > version]
    if status in AMENDABLE and not newer:
        hint = (f"To change it, amend it: POST {amend} creates version {version + 1} as a draft "
                "to edit and take to the board.")
    elif newer:
        latest = max(newer, key=lambda r: r.version)
        hint = (f"Version {latest.version} (id {latest.id}, {AgreementStatus(latest.status).value})"
                " is the latest: " + ("edit that draft." if latest.status in {S.draft, S.negotiation}
                                      else "amend that one."))
    else:
        hint = "A closed agreement is not changed any more."
    return Conflict(f"{what}: an approved agreement is a public record and is never edited in "
                    f"place{part}. {hint}", amend=amend if status in AMENDABLE else None)


def check_immutable(conn: Connection, changes: list[Change]) -> None:
    """The change guard: no write touches an approved (in force, closed, superseded) version."""
    cache: Cache = {}
    for change in changes:
        if change.table in AGREEMENT_TABLES:
            if change.action == "create" or change.before is None:
                continue
            moved = change.changed & set(VERSION_KEYS[change.table])
            if moved and change.before["version"] > 1:
                raise Conflict(
                    f"Version {change.before['version']} of {noun(change.table)} "
                    f"{_name(change.table, change.before)} is an amendment: it keeps its "
                    f"agreement's {', '.join(sorted(moved))}. For another agreement, carry it "
                    "over or create a new one", field=sorted(moved)[0])
            if change.before["status"] not in LOCKED:
                continue
            if change.action == "transition" and change.changed == {"status"} \
                    and not change.collections:
                continue  # the lifecycle moving the version on
            raise immutable(conn, (change.table, change.before["id"]), cache, change)
        if change.table in CONTENT_TABLES:
            for row in (change.before, change.after):
                ref = agreement_of(conn, change.table, row, cache) if row else None
                stored = agreement_row(conn, ref, cache) if ref else None
                if ref and stored and stored["status"] in LOCKED:
                    raise immutable(conn, ref, cache, change)


change_guards.append(check_immutable)


# -- versions ---------------------------------------------------------------------------------

def _key_filter(model: Any, obj: Agreement) -> list[Any]:
    return [getattr(model, k) == getattr(obj, k) for k in VERSION_KEYS[model.__tablename__]]


def versions(session: Session, user: User, obj: Agreement, options: Any = ()) -> list[Any]:
    """Every version of the same agreement the user may read, oldest first."""
    model = type(obj)
    stmt = scope(select(model), model, user).where(*_key_filter(model, obj))
    return list(session.scalars(stmt.options(*options).order_by(model.version)))


def version_of(session: Session, user: User, obj: Agreement, number: int) -> Any:
    for candidate in versions(session, user, obj):
        if candidate.version == number:
            return candidate
    raise NotFound(f"{noun(obj).capitalize()} {obj.id} has no version {number}")


def _latest(session: Session, model: Any, obj: Agreement) -> Any:
    return session.scalar(select(model).where(*_key_filter(model, obj))
                          .order_by(model.version.desc()).limit(1))


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


def transition(session: Session, user: User, obj: Agreement, data: dict[str, Any]) -> Agreement:
    """Move ``obj`` to ``data['to']`` if the lifecycle allows it (409 lists what it allows).
    ``data`` is a TransitionIn body; whoever calls, it is validated as one."""
    set_actor(session, user.username)
    data = TransitionIn.model_validate(data).model_dump()
    to = AgreementStatus(data["to"])
    # Approval records the board's decision: the purchaser director (or an admin) does it.
    authorize(session, user, Act.approve if to is S.approved else Act.transition, obj)
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
        newer = session.scalar(select(func.max(type(obj).version)).where(*_key_filter(type(obj), obj)))
        if newer is not None and newer > obj.version:
            raise Conflict(f"Version {newer} of this {noun(obj)} exists; approve the latest version",
                           field="to")
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


def _supersede(session: Session, user: User, obj: Agreement) -> None:
    """The approval of version v+1 supersedes the versions before it still approved or in force."""
    model: Any = type(obj)
    older = session.scalars(select(model).where(
        *_key_filter(model, obj), model.version < obj.version,
        model.status.in_([S.approved, S.in_force]))).all()
    for previous in older:
        _record(session, user, previous, previous.status, S.superseded,
                comment=f"superseded by version {obj.version} (id {obj.id})")
        previous.status = S.superseded
        previous.updated_by = user.username
        session.flush()
        if isinstance(obj, ServiceAgreement):
            _move_values(session, previous, obj)


def _measures_by_key(session: Session, agreement_id: int) -> dict[tuple[str, str], Measure]:
    rows = session.execute(select(Goal.code, Measure).join(Measure, Measure.goal_id == Goal.id)
                           .where(Goal.service_agreement_id == agreement_id)).all()
    return {(goal_code, measure.code): measure for goal_code, measure in rows}


def _move_values(session: Session, old: ServiceAgreement, new: ServiceAgreement) -> None:
    """Indicator values follow the version in force (see the module docstring)."""
    targets = _measures_by_key(session, new.id)
    for key, measure in _measures_by_key(session, old.id).items():
        target = targets.get(key)
        if target is None:
            continue
        taken = set(session.scalars(select(IndicatorValue.period)
                                    .where(IndicatorValue.measure_id == target.id)))
        for value in session.scalars(select(IndicatorValue)
                                     .where(IndicatorValue.measure_id == measure.id)):
            year = value.period_start.year
            allowed = {p.code for p in periods_of_year(year, target.frequency)}
            if value.period in allowed and value.period not in taken:
                value.measure_id = target.id
                taken.add(value.period)
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
        author_role=user.role.value, provider_id=user.provider_id, text=text,
        created_by=user.username, updated_by=user.username,
    )
    session.add(note)
    session.flush()
    return note


def events(session: Session, model: Any, obj: Agreement) -> list[Any]:
    column = getattr(model, next(iter(_refs(obj))))
    return list(session.scalars(select(model).where(column == obj.id).order_by(model.id)))


# -- amendments -------------------------------------------------------------------------------

_NOT_COPIED = frozenset({"id", "created_at", "updated_at", "created_by", "updated_by",
                         "row_version"})


def _copy(session: Session, user: User, obj: Any, **overrides: Any) -> Any:
    """A new row with ``obj``'s column values (but its own id and attribution)."""
    model = type(obj)
    values = {c.key: getattr(obj, c.key) for c in model.__mapper__.column_attrs
              if c.key not in _NOT_COPIED}
    copy = model(**{**values, **overrides}, created_by=user.username, updated_by=user.username)
    session.add(copy)
    return copy


def amend(session: Session, user: User, obj: Agreement) -> Agreement:
    """Version v+1 of an approved or in-force version, as a draft with all its content."""
    set_actor(session, user.username)
    model = type(obj)
    authorize(session, user, Act.write, obj)
    latest = _latest(session, model, obj)
    if latest.id != obj.id:
        state = "being drafted: edit it" if latest.status in {S.draft, S.negotiation} \
            else f"{latest.status.value}: amend that one"
        raise Conflict(f"Version {latest.version} (id {latest.id}) of this {noun(obj)} is {state}")
    if obj.status not in AMENDABLE:
        raise Conflict(f"{noun(obj).capitalize()} {obj.id} version {obj.version} is "
                       f"{obj.status.value}: only an approved or in-force version is amended; "
                       "edit the draft itself")
    new: Any
    if isinstance(obj, ServiceAgreement):
        new = _amend_service_agreement(session, user, obj)
    elif isinstance(obj, OrderBudget):
        new = _copy(session, user, obj, version=obj.version + 1, status=S.draft)
        session.flush()
        copy_lines(session, user, obj, new)
    else:
        new = _copy(session, user, obj, version=obj.version + 1, status=S.draft)
        session.flush()
        _copy_framework_content(session, user, obj, new)
    session.flush()
    amended: FrameworkAgreement | OrderBudget | ServiceAgreement = new
    return amended


def copy_lines(session: Session, user: User, old: OrderBudget, new: OrderBudget) -> None:
    for line in session.scalars(select(OrderBudgetLine)
                                .where(OrderBudgetLine.order_budget_id == old.id)
                                .order_by(OrderBudgetLine.id)):
        _copy(session, user, line, order_budget_id=new.id)
    session.flush()


def _copy_framework_content(session: Session, user: User, old: FrameworkAgreement,
                            new: FrameworkAgreement) -> None:
    perspectives = session.scalars(select(Perspective).where(
        Perspective.framework_agreement_id == old.id).order_by(Perspective.position)).all()
    copies = {p.id: _copy(session, user, p, framework_agreement_id=new.id) for p in perspectives}
    session.flush()
    goals = session.scalars(select(LongTermGoal).options(selectinload(LongTermGoal.boards))
                            .where(LongTermGoal.perspective_id.in_(copies))
                            .order_by(LongTermGoal.id)).all()
    for goal in goals:
        copy = _copy(session, user, goal, perspective_id=copies[goal.perspective_id].id)
        copy.boards = list(goal.boards)
    session.flush()


def _newest_budget(session: Session, budget_id: int | None) -> int | None:
    """The newest version of the order budget an agreement is based on."""
    if budget_id is None:
        return None
    budget = session.get_one(OrderBudget, budget_id)
    latest = _latest(session, OrderBudget, budget)
    return latest.id if latest is not None else budget_id


def _amend_service_agreement(session: Session, user: User, old: ServiceAgreement
                             ) -> ServiceAgreement:
    return _copy_service_agreement(
        session, user, old, version=old.version + 1, status=S.draft,
        order_budget_id=_newest_budget(session, old.order_budget_id))


def _copy_service_agreement(session: Session, user: User, old: ServiceAgreement,
                            target_years: range | None = None, **changes: Any
                            ) -> ServiceAgreement:
    """A draft copy of ``old`` with ``changes``: its boards, goals and their content (for an
    amendment or a carry-over)."""
    old = session.scalars(select(ServiceAgreement).options(selectinload(ServiceAgreement.boards))
                          .where(ServiceAgreement.id == old.id)).one()
    new: ServiceAgreement = _copy(session, user, old, **changes)
    new.boards = list(old.boards)
    session.flush()
    copy_goals(session, user, old, new, target_years)
    return new


def copy_goals(session: Session, user: User, old: ServiceAgreement, new: ServiceAgreement,
               target_years: range | None = None) -> None:
    """Goals with their actions, resources, measures and targets (of ``target_years`` only,
    if given); indicator values are not copied."""
    goals = session.scalars(select(Goal).where(Goal.service_agreement_id == old.id)
                            .order_by(Goal.code)).all()
    goal_copies = {g.id: _copy(session, user, g, service_agreement_id=new.id) for g in goals}
    session.flush()
    model: Any
    for model in (Action, Resource):
        for child in session.scalars(select(model).where(model.goal_id.in_(goal_copies))
                                     .order_by(model.id)):
            _copy(session, user, child, goal_id=goal_copies[child.goal_id].id)
    measures = session.scalars(select(Measure).where(Measure.goal_id.in_(goal_copies))
                               .order_by(Measure.id)).all()
    measure_copies = {m.id: _copy(session, user, m, goal_id=goal_copies[m.goal_id].id)
                      for m in measures}
    session.flush()
    for target in session.scalars(select(MeasureTarget)
                                  .where(MeasureTarget.measure_id.in_(measure_copies))
                                  .order_by(MeasureTarget.year)):
        if target_years is None or target.year in target_years:
            _copy(session, user, target, measure_id=measure_copies[target.measure_id].id)
    session.flush()


# -- carry-over -------------------------------------------------------------------------------

def _next_year_text(text: str, old: int, new: int) -> str:
    return text.replace(str(old), str(new))


def carry_over(session: Session, user: User, old: ServiceAgreement, year: int | None,
               code: str | None, title: str | None) -> tuple[ServiceAgreement, list[dict[str, Any]]]:
    """Vuoden vaihde: a draft for another year of the same framework agreement with this
    agreement's goals, actions, resources and measures, and the targets the measures have for
    the framework's years. Returns the draft and the measures that have no target for its year
    (to fill in)."""
    set_actor(session, user.username)
    authorize(session, user, Act.write, old)
    year = year if year is not None else old.year + 1
    framework = session.get_one(FrameworkAgreement, old.framework_agreement_id)
    if year == old.year:
        raise InvalidInput(f"The agreement is already for {year}; carry it over to another year",
                           field="year")
    if not framework.first_year <= year <= framework.last_year:
        raise InvalidInput(f"year {year} is outside the framework agreement's years "
                           f"{framework.first_year}–{framework.last_year}; a new framework "
                           "agreement comes first", field="year")
    code = code or (_next_year_text(old.code, old.year, year) if str(old.year) in old.code
                    else f"{old.code}-{year}")
    if session.scalar(select(ServiceAgreement.id).where(
            ServiceAgreement.municipality_id == old.municipality_id,
            ServiceAgreement.code == code)) is not None:
        raise Conflict(f"A service agreement with code={code} already exists; give another code",
                       field="code")
    budget = None
    if old.order_budget_id is not None:
        board_id = session.get_one(OrderBudget, old.order_budget_id).board_id
        budget = session.scalar(select(OrderBudget.id).where(
            OrderBudget.board_id == board_id, OrderBudget.year == year)
            .order_by(OrderBudget.version.desc()).limit(1))
    new = _copy_service_agreement(
        session, user, old, range(framework.first_year, framework.last_year + 1), code=code,
        year=year, version=1, status=S.draft,
        title=title or _next_year_text(old.title, old.year, year), order_budget_id=budget)
    rows = session.execute(
        select(Goal.code, Measure.code, Measure.id).join(Measure, Measure.goal_id == Goal.id)
        .where(Goal.service_agreement_id == new.id)
        .where(~Measure.id.in_(select(MeasureTarget.measure_id).where(MeasureTarget.year == year)))
        .order_by(Goal.code, Measure.code)).all()
    missing = [{"goal_code": g, "measure_code": m, "measure_id": i, "year": year}
               for g, m, i in rows]
    return new, missing
