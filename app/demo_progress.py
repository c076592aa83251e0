"""What has happened in the demo by the day it is loaded: the boards' approvals, the
providers' values reviewed, one agreement amended mid-year and one follow-up report issued.

Everything goes through the services a user's request would (transitions, versioning,
review, the reports service), so the demo keeps every rule: budgets are approved before the
agreements they pay for, an amendment takes effect no earlier than the version it amends.
"""

import threading
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.agreements.models import (
    AgreementStatus,
    FrameworkAgreement,
    ServiceAgreement,
    service_agreement_boards,
)
from app.auth.models import Role, User
from app.budgets.models import OrderBudget
from app.contracts.importer import import_text
from app.core.errors import DomainError
from app.core.periods import Frequency, parse_period
from app.demo_year import (
    AMENDED_MEASURE,
    AMENDED_PROVIDER,
    AMENDED_TARGET,
    BOARD,
    DEMO_MARK,
    EXAMPLE_PROVIDER,
    RETURN_REASON,
    Planned,
    YearPlan,
    demo_set,
)
from app.goals.models import Goal
from app.indicators.models import IndicatorValue, Measure, MeasureTarget
from app.lifecycle import transitions, versioning
from app.organisations.models import Board, Municipality, Provider
from app.reports import render
from app.reports import service as reports
from app.reports.models import IssuedReport, ReportKind
from app.submissions import notes
from app.submissions.models import NoteKind
from app.submissions.review import review

S = AgreementStatus
Agreement = FrameworkAgreement | OrderBudget | ServiceAgreement
Progress = Callable[[str], None]


def demo_loaded(session: Session) -> bool:
    """Whether the demo's year in progress is already in the database."""
    return session.scalar(select(FrameworkAgreement.id).where(
        FrameworkAgreement.title.contains(DEMO_MARK)).limit(1)) is not None


def approve(session: Session, user: User, obj: Agreement, on: date, *, in_force: bool = False,
            effective_from: date | None = None) -> None:
    """draft → negotiation → approved (the board's decision on ``on``) [→ in force]."""
    if isinstance(obj, ServiceAgreement) and obj.framework_agreement_id is not None:
        board_id = session.get_one(FrameworkAgreement, obj.framework_agreement_id).board_id
    elif isinstance(obj, ServiceAgreement):  # outside any framework (Vantaa 2010): its board's
        board_id = min(session.scalars(select(service_agreement_boards.c.board_id).where(
            service_agreement_boards.c.service_agreement_id == obj.id)))
    else:
        board_id = obj.board_id
    municipality = session.get_one(Municipality, obj.municipality_id)
    transitions.transition(session, user, obj, {"to": "negotiation"})
    transitions.transition(session, user, obj, {
        "to": "approved", "organization": session.get_one(Board, board_id).name_fi,
        "event_date": on, "article_number": str(100 + obj.id % 100),
        "register_id": f"{municipality.code}/{obj.id}/02.05.00/{on.year}",
        "effective_from": effective_from})
    if in_force:
        transitions.transition(session, user, obj, {"to": "in_force"})


def _drafts(session: Session, model: Any, **where: Any) -> list[Any]:
    return list(session.scalars(select(model).filter_by(status=S.draft, **where)
                                .order_by(model.id)))


def approve_seeds(session: Session, user: User, progress: Progress) -> None:
    """The seed cases approved as their boards did, so that the public can read them: each
    framework agreement, then each order budget, then the agreements the budgets pay for."""
    for fa in _drafts(session, FrameworkAgreement):
        approve(session, user, fa, date(fa.first_year - 1, 12, 12))
    for budget in _drafts(session, OrderBudget):
        approve(session, user, budget, date(budget.year - 1, 12, 12))
    for agreement in _drafts(session, ServiceAgreement):
        try:
            with session.begin_nested():
                approve(session, user, agreement, date(agreement.year - 1, 12, 12))
        except DomainError as exc:  # e.g. no budget pays for it: it stays a draft
            progress(f"{agreement.code} stays a draft: {exc.detail}")


def load_year(session: Session, system: User, director: User, seed_text: str, plan: YearPlan,
              progress: Progress) -> "PendingReport":
    """The current year's agreement set: imported, approved and put in force, its values
    reviewed, one agreement amended and the board's follow-up report started (the caller
    stores it once rendered)."""
    progress(f"Carrying Hämeenlinna's {BOARD} agreements over into {plan.year}")
    import_text(session, system, demo_set(plan, seed_text), f"demo {plan.year}")
    decided = date(plan.year - 1, 12, 12)
    fa = session.scalars(select(FrameworkAgreement).where(
        FrameworkAgreement.first_year == plan.year,
        FrameworkAgreement.title.contains(DEMO_MARK))).one()
    approve(session, director, fa, decided, in_force=True)
    agreements = list(session.scalars(select(ServiceAgreement).where(
        ServiceAgreement.framework_agreement_id == fa.id).order_by(ServiceAgreement.id)))
    budget = session.get_one(OrderBudget, agreements[0].order_budget_id)
    approve(session, director, budget, decided, in_force=True)
    for agreement in agreements:
        approve(session, director, agreement, decided, in_force=True)
    progress("Reviewing the values reported so far")
    _review(session, director, plan, [a.id for a in agreements])
    progress("Amending an agreement mid-year")
    own = next(a for a in agreements
               if session.get_one(Provider, a.provider_id).code == AMENDED_PROVIDER)
    _amend(session, director, own, plan)
    progress(f"Issuing {BOARD}'s follow-up report for {plan.report_period}")
    spec = reports.ReportSpec(ReportKind.follow_up, "fi", board_id=budget.board_id,
                              period=plan.report_period)
    _act_on_misses(session, plan, agreements, reports.build(session, director, spec))
    return PendingReport(reports.build(session, director, spec))


# What a provider does about a measure off track or at risk, by the measure's code.
ACTIONS = {
    "HARRASTUS": "Kerhotarjontaa lisätään syyslukukaudella kolmeen kouluun.",
    "KORJAAVAT-KUSTANNUKSET": "Kiireelliset sijoitukset käydään läpi; perhetyötä lisätään.",
    "TAYTTOASTE": "Ryhmiä yhdistetään ja vapaat paikat tarjotaan jonossa oleville.",
}
ACTION = "Syyt selvitetään ja toimintaa korjataan; tilanne raportoidaan seuraavalla kaudella."


def act_on(session: Session, provider: Provider, value_id: int, code: str, due: date) -> None:
    """The provider's corrective action on a value that misses its target, as his reporter
    would write it (app.submissions.notes)."""
    municipality = session.get_one(Municipality, provider.municipality_id).code
    writer = User(username=f"{municipality}-{provider.code.lower()}",
                  role=Role.provider_reporter, municipality_id=provider.municipality_id,
                  provider_id=provider.id)
    notes.add(session, writer, value_id, NoteKind.corrective_action, ACTIONS.get(code, ACTION),
              due)


def action_due(plan: YearPlan) -> date:
    return plan.today + timedelta(days=45)


def _act_on_misses(session: Session, plan: YearPlan, agreements: list[ServiceAgreement],
                   data: Any) -> None:
    """Each red and amber measure of the report gets its provider's corrective action on the
    value the report judges (the latest of the report's period)."""
    missing = {(d.provider, d.code) for d in data.deviations}
    report_end = parse_period(plan.report_period).end
    for agreement in agreements:
        provider = session.get_one(Provider, agreement.provider_id)
        measures = session.scalars(select(Measure).join(Goal, Goal.id == Measure.goal_id)
                                   .where(Goal.service_agreement_id == agreement.id))
        for m in measures:
            if (provider.name, m.code) not in missing:
                continue
            judged = session.scalars(select(IndicatorValue.id).where(
                IndicatorValue.measure_id == m.id, IndicatorValue.period_end <= report_end)
                .order_by(IndicatorValue.period_end.desc())).first()
            if judged is not None:
                act_on(session, provider, judged, m.code, action_due(plan))


def _review(session: Session, director: User, plan: YearPlan, agreement_ids: list[int]) -> None:
    """Accept or return the monthly values as planned; HML-OMA's tertials are accepted once
    closed, the rest wait for the purchaser's review (submitted)."""
    rows = session.execute(
        select(IndicatorValue, Provider.code, Measure.frequency)
        .join(Measure, Measure.id == IndicatorValue.measure_id)
        .join(Goal, Goal.id == Measure.goal_id)
        .join(ServiceAgreement, ServiceAgreement.id == Goal.service_agreement_id)
        .join(Provider, Provider.id == ServiceAgreement.provider_id)
        .where(ServiceAgreement.id.in_(agreement_ids)).order_by(IndicatorValue.id)).all()
    period_of = {p.code: p for p in plan.months}
    for value, provider, frequency in rows:
        if frequency is Frequency.month:
            planned = plan.planned(provider, period_of[value.period])
        else:  # HML-OMA's T1 once closed; its T2 waits for review
            tertial = next(p for p in plan.tertials if p.code == value.period)
            first = value.period.endswith("-T1")
            planned = Planned.accepted if first and plan.closed(tertial) else Planned.submitted
        if planned is Planned.accepted:
            review(session, director, value.id, "accept", None, plan.today)
        elif planned is Planned.returned:
            review(session, director, value.id, "return", RETURN_REASON, plan.today)


def _amend(session: Session, director: User, v1: ServiceAgreement, plan: YearPlan) -> None:
    """Version 2 raises one measure's target of the year, from ``plan.effective_from``."""
    v2 = versioning.amend(session, director, v1)
    target = session.scalars(select(MeasureTarget).join(
        Measure, Measure.id == MeasureTarget.measure_id).join(Goal, Goal.id == Measure.goal_id)
        .where(Goal.service_agreement_id == v2.id, Measure.code == AMENDED_MEASURE,
               MeasureTarget.year == plan.year)).one()
    assert target.value == AMENDED_TARGET[0]
    target.value = AMENDED_TARGET[1]
    target.updated_by = director.username
    session.flush()
    approve(session, director, v2, plan.amended_on, in_force=True,
            effective_from=plan.effective_from)


class PendingReport:
    """A report being rendered by a thread while the demo goes on (hashing the users'
    passwords, which leaves the interpreter free); ``store`` keeps it once rendered."""

    def __init__(self, data: render.ReportData) -> None:
        self.data = data
        self._html = render.render_html(data)
        self._outcome: list[render.Rendered | BaseException] = []
        self._thread = threading.Thread(target=self._render, daemon=True)
        self._thread.start()

    def _render(self) -> None:
        try:
            self._outcome.append(render.render_pdf(self._html, self.data))
        except BaseException as exc:  # the demo's thread raises it in store
            self._outcome.append(exc)

    def store(self, session: Session, user: User) -> IssuedReport:
        self._thread.join()
        outcome = self._outcome[0]
        if isinstance(outcome, BaseException):
            raise outcome
        return reports.store(session, user, self.data, outcome.pdf, outcome.pages)


def example_provider_username(municipality_code: str = "109") -> str:
    """The README's example provider reporter: the one with a value returned and one overdue."""
    return f"{municipality_code}-{EXAMPLE_PROVIDER.lower()}"
