"""Versions of an agreement: reading them, amending an approved version and carrying a service
agreement over to another year.

- An amendment (``amend``) copies an approved or in-force version into version v+1 as a draft.
  Only the approval of v+1 supersedes v (status ``superseded``, set by the system only; see
  app.lifecycle.transitions).
- A carry-over (vuoden vaihde, ``carry_over``) drafts a service agreement for another year of
  the same framework agreement with the same content.
"""

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from app.agreements.models import (
    APPROVED,
    AgreementStatus,
    FrameworkAgreement,
    LongTermGoal,
    Perspective,
    ServiceAgreement,
)
from app.agreements.ownership import VERSION_KEYS
from app.auth.authz import Act, authorize, scope
from app.auth.models import User
from app.budgets.models import OrderBudget, OrderBudgetLine
from app.core.access import label as noun
from app.core.audit import set_actor
from app.core.errors import Conflict, InvalidInput, NotFound
from app.goals.models import Action, Goal, Resource
from app.indicators.models import Measure, MeasureTarget, new_lineage
from app.lifecycle.schemas import MissingTarget
from app.pricelists.models import OrderLineItem

S = AgreementStatus
Agreement = FrameworkAgreement | OrderBudget | ServiceAgreement
AMENDABLE = frozenset({S.approved, S.in_force})
DRAFTING = frozenset({S.draft, S.negotiation})  # seen by those who draft, labelled, not counted


def key_filter(model: Any, obj: Agreement) -> list[Any]:
    return [getattr(model, k) == getattr(obj, k) for k in VERSION_KEYS[model.__tablename__]]


def versions(session: Session, user: User | None, obj: Agreement, options: Any = ()) -> list[Any]:
    """Every version of the same agreement the user may read, oldest first."""
    model = type(obj)
    stmt = scope(select(model), model, user).where(*key_filter(model, obj))
    return list(session.scalars(stmt.options(*options).order_by(model.version)))


def version_of(session: Session, user: User, obj: Agreement, number: int) -> Any:
    for candidate in versions(session, user, obj):
        if candidate.version == number:
            return candidate
    raise NotFound(f"{noun(obj).capitalize()} {obj.id} has no version {number}")


def _latest(session: Session, model: Any, obj: Agreement) -> Any:
    return session.scalar(select(model).where(*key_filter(model, obj))
                          .order_by(model.version.desc()).limit(1))


# -- amendments -------------------------------------------------------------------------------

_NOT_COPIED = frozenset({"id", "created_at", "updated_at", "created_by", "updated_by",
                         "row_version", "effective_from"})  # a new version takes effect anew


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
    """The lines, and the items of a line priced by a price list (at the prices ordered)."""
    for line in list(session.scalars(select(OrderBudgetLine)
                                     .where(OrderBudgetLine.order_budget_id == old.id)
                                     .order_by(OrderBudgetLine.id))):
        copy = _copy(session, user, line, order_budget_id=new.id)
        if line.price_list_id is None:
            continue
        session.flush()
        for item in list(session.scalars(select(OrderLineItem).where(
                OrderLineItem.order_budget_line_id == line.id).order_by(OrderLineItem.id))):
            _copy(session, user, item, order_budget_line_id=copy.id)
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
    if given: a carry-over, whose measures get an identity of their own); indicator values are
    not copied (an amendment's measures share them)."""
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
    # An amendment's measures are the same measures (their values follow them); a carry-over's
    # are new ones, of another year.
    carried = target_years is not None
    measure_copies = {m.id: _copy(session, user, m, goal_id=goal_copies[m.goal_id].id,
                                  lineage=new_lineage() if carried else m.lineage)
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


def _latest_approved(session: Session, obj: ServiceAgreement) -> ServiceAgreement:
    latest: ServiceAgreement = session.scalars(
        select(ServiceAgreement).where(*key_filter(ServiceAgreement, obj),
                                       ServiceAgreement.status.in_(APPROVED))
        .order_by(ServiceAgreement.version.desc()).limit(1)).one()
    return latest


def carry_over(session: Session, user: User, old: ServiceAgreement, year: int | None,
               code: str | None, title: str | None
               ) -> tuple[ServiceAgreement, list[MissingTarget]]:
    """Vuoden vaihde: a draft for another year of the same framework agreement with this
    agreement's goals, actions, resources and measures, and the targets the measures have for
    the framework's years. Returns the draft and the measures that have no target for its year
    (to fill in)."""
    set_actor(session, user.username)
    authorize(session, user, Act.write, old)
    if old.status is S.superseded:  # next year follows the agreement as it stands now
        latest = _latest_approved(session, old)
        raise Conflict(f"Version {old.version} of {old.code} is superseded by version "
                       f"{latest.version} (id {latest.id}): carry that one over")
    year = year if year is not None else old.year + 1
    framework = session.get_one(FrameworkAgreement, old.framework_agreement_id) \
        if old.framework_agreement_id is not None else None
    if year == old.year:
        raise InvalidInput(f"The agreement is already for {year}; carry it over to another year",
                           field="year")
    if framework is not None and not framework.first_year <= year <= framework.last_year:
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
        session, user, old, range(framework.first_year, framework.last_year + 1) if framework
        else range(year, year + 1), code=code,
        year=year, version=1, status=S.draft,
        title=title or _next_year_text(old.title, old.year, year), order_budget_id=budget)
    rows = session.execute(
        select(Goal.code, Measure.code, Measure.id).join(Measure, Measure.goal_id == Goal.id)
        .where(Goal.service_agreement_id == new.id)
        .where(~Measure.id.in_(select(MeasureTarget.measure_id).where(MeasureTarget.year == year)))
        .order_by(Goal.code, Measure.code)).all()
    missing = [MissingTarget(goal_code=g, measure_code=m, measure_id=i, year=year)
               for g, m, i in rows]
    return new, missing
