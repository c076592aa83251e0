"""The board's follow-up report (seurantaraportti): its measures judged for a period against
the previous report, and the realisation of its order budget (app.reports.budget_realisation).

``follow_up`` returns the report's data as typed models (app.reports.follow_up_data): the
template reads them, and the same data is embedded in the PDF as JSON.
"""

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.agreements.models import (
    FrameworkAgreement,
    LongTermGoal,
    Perspective,
    ServiceAgreement,
    Steering,
)
from app.agreements.service import agreements_in_force
from app.auth.authz import scope
from app.auth.models import User
from app.core.access import get_readable
from app.core.i18n import N_
from app.core.ordering import natural
from app.core.periods import Period, parse_period, periods_of_year
from app.goals.models import Goal
from app.indicators.models import IndicatorValue, Measure, ValueStatus
from app.organisations.models import Board, Municipality, Provider
from app.reports import status as st
from app.reports.budget_realisation import budget_realisation
from app.reports.common import (
    SCHEMA_VERSION,
    baseline,
    display_name,
    ids,
    parse_report_period,
    provider_entry,
    readable_measures,
    readable_providers,
    ref,
    span,
)
from app.reports.data import CodeTitle, ProviderRef
from app.reports.deviations import deviations, notes_of
from app.reports.follow_up_data import (
    AgreementBlock,
    AgreementRef,
    Change,
    ComparedWith,
    FollowUpReport,
    GoalEntry,
    MeasureEntry,
    Note,
    NoValueGroup,
    NoValueMeasure,
    PeriodValue,
    ReportedValue,
    Section,
    StatusCount,
    Summary,
    Transition,
    TrendPoint,
    YearTarget,
)
from app.reports.i18n import t
from app.reports.models import IssuedReport, ReportKind
from app.reports.rewards import rewards_of
from app.vouchers import service as vouchers

# The statuses the first page names measure by measure.
ATTENTION = (st.Status.off_track.value, st.Status.at_risk.value)
# Every red measure is named on the first page, but only this many amber ones (the furthest
# from their targets): a board with a hundred amber measures still gets a one-page summary, with
# the count of the rest and where they are.
AMBER_NAMED = 5


def agreements_in_report(session: Session, user: User, board_id: int, period: Period
                         ) -> list[ServiceAgreement]:
    """The board's service agreements of the period's year: of each, the version in force at
    the period's end (app.agreements.in_force); an unapproved amendment never counts."""
    return agreements_in_force(session, user, board_id, period.year, period.end)


def follow_up(session: Session, user: User, board_id: int, period_code: str, lang: str,
              now: datetime | None = None) -> FollowUpReport:
    """Seurantaraportti: the board's measures and order budget for a period."""
    period = parse_report_period(period_code)
    board = get_readable(session, Board, board_id, user)
    municipality = session.get_one(Municipality, board.municipality_id)
    previous = previous_report_period(session, user, board.id, period)

    agreements = agreements_in_report(session, user, board.id, period)
    frameworks = {f.id: f for f in session.scalars(scope(
        select(FrameworkAgreement), FrameworkAgreement, user).where(
        FrameworkAgreement.id.in_({a.framework_agreement_id for a in agreements})))}
    perspectives = list(session.scalars(scope(select(Perspective), Perspective, user).where(
        Perspective.framework_agreement_id.in_(frameworks)).order_by(
        Perspective.framework_agreement_id, Perspective.position)))
    long_term = {g.id: g for g in session.scalars(scope(select(LongTermGoal), LongTermGoal, user)
                                                    .where(LongTermGoal.perspective_id.in_(
                                                        ids(perspectives))))}
    agreement_order = {a.id: i for i, a in enumerate(agreements)}
    goals = sorted(session.scalars(scope(select(Goal), Goal, user).where(
        Goal.service_agreement_id.in_(ids(agreements)))),
        key=lambda g: (agreement_order[g.service_agreement_id], natural(g.code)))
    measures = sorted(readable_measures(session, user, ids(goals)), key=lambda m: natural(m.code))
    providers = readable_providers(session, user, {a.provider_id for a in agreements}
                           | {m.provider_id for m in measures})
    values: dict[str, list[IndicatorValue]] = {}  # by lineage: whichever version took them
    for v in st.counted_values(session, user, ids(measures), period.end):
        values.setdefault(v.lineage, []).append(v)
    # Not counted, but named: why a measure lacks a value (or a later one) in this report.
    notes = notes_of(session, user, (v for vs in values.values() for v in vs
                                     if v.period_start.year == period.year))
    returned: dict[str, list[str]] = {}
    for v in st.returned_values(session, user, ids(measures), period.end):
        if v.period_start.year == period.year:
            returned.setdefault(v.lineage, []).append(v.period)

    by_id = {a.id: a for a in agreements}
    goal_of = {g.id: g for g in goals}
    refs = {a.id: _agreement_ref(a, providers) for a in agreements}
    measures_of: dict[int, list[MeasureEntry]] = {}
    entries: list[MeasureEntry] = []
    for m in measures:
        agreement = by_id[goal_of[m.goal_id].service_agreement_id]
        framework = frameworks.get(agreement.framework_agreement_id or 0)
        years = range(framework.first_year, framework.last_year + 1) if framework \
            else range(agreement.year, agreement.year + 1)
        entry = _measure_entry(m, values.get(m.lineage, []), period, previous, list(years),
                               providers, goal_of[m.goal_id].code, refs[agreement.id],
                               returned.get(m.lineage, []), notes)
        measures_of.setdefault(m.goal_id, []).append(entry)
        entries.append(entry)

    def goal_entry(g: Goal) -> GoalEntry:
        ltg = long_term.get(g.long_term_goal_id or 0)
        return GoalEntry(id=g.id, code=g.code, title=g.title, description=g.description,
                         long_term_goal=CodeTitle(code=ltg.code, title=ltg.title) if ltg else None,
                         measures=measures_of.get(g.id, []))

    def by_agreements(in_section: list[Goal]) -> list[AgreementBlock]:
        """One table per agreement: its goals in this perspective, with their measures."""
        grouped: dict[int, list[Goal]] = {}
        for g in in_section:
            grouped.setdefault(g.service_agreement_id, []).append(g)
        return [AgreementBlock(agreement=refs[a.id], goals=[
                    goal_entry(g) for g in sorted(grouped[a.id], key=lambda g: (
                        natural(long_term[g.long_term_goal_id].code)
                        if g.long_term_goal_id in long_term else [], natural(g.code)))])
                for a in agreements if a.id in grouped]

    named: list[tuple[str, bool, list[Goal]]] = []
    for p in perspectives:
        in_p = [g for g in goals if g.long_term_goal_id in long_term
                and long_term[g.long_term_goal_id].perspective_id == p.id]
        if in_p:
            named.append((display_name(p, lang), lang == "en" or (lang == "sv" and not p.name_sv),
                          in_p))
    other = [g for g in goals if g.long_term_goal_id not in long_term]
    if other:
        named.append((_other_goals(other, by_id, lang), False, other))
    sections = [Section(number=n, name=name, finnish=finnish, agreements=by_agreements(in_s))
                for n, (name, finnish, in_s) in enumerate(named, start=1)]

    board_name = display_name(board, lang)
    municipality_name = display_name(municipality, lang)
    return FollowUpReport(
        schema_=f"sopimus/follow-up-report/{SCHEMA_VERSION}",
        kind=ReportKind.follow_up.value,
        language=lang,
        title=f"{t('follow_up_report', lang)} {period.code}{_steering(agreements, lang)} – "
              f"{board_name}",
        subject=f"{t('follow_up_report', lang)}: {municipality_name}, {board_name} "
                f"({board.code}), {period.code}",
        author=f"{municipality_name} – {board_name}",
        filename=f"{board.code}-{period.code}-{lang}.pdf",
        generated_at=(now or datetime.now(UTC)).replace(microsecond=0),
        municipality=ref(municipality, lang),
        board=ref(board, lang),
        period=span(period),
        previous_period=span(previous),
        summary=_summary(entries, values, previous, period, list(refs.values())),
        agreements=list(refs.values()),
        perspectives=sections,
        budget=budget_realisation(session, user, board.id, period, lang),
        no_value=_no_value(sections),
        deviations=deviations(entries),
        vouchers=[vouchers.follow_up(session, user, scheme, period)
                  for scheme in vouchers.schemes_of(session, user, board.id, period.year)],
        rewards=rewards_of(session, user, agreements, period.year, period.end),
    )


def _other_goals(goals: list[Goal], agreements: dict[int, ServiceAgreement], lang: str) -> str:
    """The section of goals outside any perspective: the owner's strategic goals when they all
    are an ownership agreement's, else "other goals"."""
    owner = all(agreements[g.service_agreement_id].steering is Steering.ownership for g in goals)
    return t(N_("owner_goals") if owner else N_("other_goals"), lang)


def _steering(agreements: list[ServiceAgreement], lang: str) -> str:
    """" – Omistajaohjaus" in the title of a report whose agreements all are the owner's."""
    owner = bool(agreements) and all(a.steering is Steering.ownership for a in agreements)
    return f" – {t('steering_ownership', lang)}" if owner else ""


def _agreement_ref(a: ServiceAgreement, providers: dict[int, Provider]) -> AgreementRef:
    return AgreementRef(id=a.id, code=a.code, title=a.title, version=a.version,
                        status=a.status.value, provider=provider_entry(providers[a.provider_id]),
                        steering=a.steering.value)


def _summary(entries: list[MeasureEntry], values: dict[str, list[IndicatorValue]],
             previous: Period, period: Period, agreements: list[AgreementRef]) -> Summary:
    """The board's first page: counts, what is off track or at risk, what changed."""
    counts = {s: 0 for s in st.STATUS_ORDER}
    for e in entries:
        counts[st.Status(e.status)] += 1
    changes = sorted((Change(code=e.code, name=e.name, provider=e.provider.name,
                             before=e.previous_status, now=e.status)
                      for e in entries if e.previous_status != e.status),
                     key=lambda c: (-st.SEVERITY[c.now], st.SEVERITY[c.before]))
    transitions: dict[tuple[str, str], int] = {}
    for c in changes:
        transitions[c.before, c.now] = transitions.get((c.before, c.now), 0) + 1
    counted = [v for vs in values.values() for v in vs if v.period_start.year == period.year]
    red, amber = ([e for e in sorted(entries, key=_shortfall, reverse=True) if e.status == s]
                  for s in ATTENTION)
    return Summary(
        statuses=[StatusCount(status=s.value, count=n, share=(
            Decimal(n * 100) / (len(entries) or 1)).quantize(Decimal("0.1")))
            for s, n in counts.items() if n or s is not st.Status.no_target],
        measures=len(entries),
        changes=changes,
        # Worst news first.
        transitions=[Transition(before=b, now=n, count=k) for (b, n), k in sorted(
            transitions.items(), key=lambda x: (-st.SEVERITY[x[0][1]], st.SEVERITY[x[0][0]]))],
        new_values=sum(1 for v in counted if previous.end < v.period_end),
        attention=[*red, *amber[:AMBER_NAMED]],
        at_risk_not_named=len(amber[AMBER_NAMED:]),
        unreviewed=sum(1 for v in counted if v.status is not ValueStatus.accepted),
        drafts=[a.code for a in agreements if a.draft],
    )


def _shortfall(e: MeasureEntry) -> Decimal:
    """How far the measure falls short of what it was held against, in tolerances (amber is
    above 0 and at most 1, red above 1): the order of "the worst first"."""
    c = e.compared_with
    if c is None or c.value is None or not e.tolerance:
        return Decimal(0)
    gap = c.target - c.value if e.direction == "higher_is_better" else c.value - c.target
    return gap / e.tolerance


def _no_value(sections: list[Section]) -> list[NoValueGroup]:
    groups: dict[int, tuple[ProviderRef, list[NoValueMeasure]]] = {}
    for section in sections:
        for block in section.agreements:
            for g in block.goals:
                for e in g.measures:
                    if e.status == st.Status.no_value:
                        groups.setdefault(e.provider.id, (e.provider, []))[1].append(
                            NoValueMeasure(code=e.code, name=e.name, unit=e.unit, goal=g.code,
                                           agreement=block.agreement.code, returned=e.returned))
    return sorted((NoValueGroup(provider=p, measures=ms) for p, ms in groups.values()),
                  key=lambda x: x.provider.name)


def previous_report_period(session: Session, user: User, board_id: int, period: Period) -> Period:
    """The period of the board's last follow-up report issued before ``period`` (same year or
    the year before), or the period before it in the Finnish cadence."""
    issued = session.scalars(scope(select(IssuedReport.period), IssuedReport, user).where(
        IssuedReport.board_id == board_id, IssuedReport.kind == ReportKind.follow_up))
    earlier = [p for p in (parse_period(code) for code in set(issued) if code)
               if p.end < period.end and p.year >= period.year - 1]
    return max(earlier, key=lambda p: (p.end, p.start)) if earlier else st.previous_period(period)


def _measure_entry(m: Measure, values: list[IndicatorValue], period: Period, previous: Period,
                   years: list[int], providers: dict[int, Provider], goal: str,
                   agreement: AgreementRef, returned: list[str],
                   notes: dict[int, list[Note]]) -> MeasureEntry:
    targets = {t_.year: t_.value for t_ in m.targets}
    args: dict[str, Any] = {"rollup": m.rollup, "direction": m.direction,
                            "tolerance": m.tolerance, "targets": targets, "values": values,
                            "comparison": m.comparison, "baseline": m.baseline_value}
    now = st.measure_status(period=period, **args)
    before = st.measure_status(period=previous, **args)
    trend = []
    for year in sorted(set(years) | {period.year}):
        rolled = st.roll_up(m.rollup, [v for v in values if v.period_start.year == year])
        trend.append(TrendPoint(year=year, target=targets.get(year),
                                actual=rolled.compared if rolled else None,
                                partial=bool(rolled and rolled.partial)))
    return MeasureEntry(
        id=m.id, code=m.code, name=m.name, unit=m.unit,
        direction=m.direction.value, rollup=m.rollup.value, comparison=m.comparison.value,
        frequency=m.frequency.value, tolerance=m.tolerance,
        provider=provider_entry(providers[m.provider_id]),
        baseline=baseline(m),
        targets=[YearTarget(year=y, value=v) for y, v in sorted(targets.items())],
        target=now.target,
        value=now.value,
        compared=now.rolled.compared if now.rolled else None,
        forecast=bool(now.rolled and m.rollup.value == "sum" and now.rolled.partial),
        until=now.rolled.until if now.rolled else None,
        compared_with=_compared_with(now),
        status=now.status.value,
        previous_status=before.status.value,
        reported_values=[ReportedValue(id=v.id, period=v.period, value=v.value,
                                       comment=v.comment,
                                       reviewed=v.status is ValueStatus.accepted)
                         for v in values if v.period_start.year == period.year],
        notes=[n for v in values if v.period_start.year == period.year
               for n in notes.get(v.id, [])],
        trend=trend, periods=_periods(m, args, period), goal=goal, agreement=agreement.code,
        draft=agreement.draft,
        returned=returned,
    )


def _periods(m: Measure, args: dict[str, Any], period: Period) -> list[PeriodValue]:
    """The report's year period by period (the measure's own), each judged as the report would
    have judged it then: the value compared and the target of that moment."""
    out = []
    for p in periods_of_year(period.year, m.frequency):
        if p.end > period.end:
            break
        then = st.measure_status(period=p, **args)
        out.append(PeriodValue(code=p.code, actual=then.compared if then.part else (
            then.rolled.compared if then.rolled else None),
            target=then.part.target if then.part else then.target))
    return out


def _compared_with(now: st.MeasureStatus) -> ComparedWith | None:
    part = now.part
    if part is None:
        return None
    return ComparedWith(comparison=part.comparison.value, value=now.compared, months=part.months,
                        start=part.start, year_target=part.year_target, target=part.target)
