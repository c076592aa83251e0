"""The board's follow-up report (seurantaraportti): its measures judged for a period against
the previous report, and the realisation of its order budget.

``follow_up`` returns the report's data as a plain dict (Decimal and date values): the template
renders it, and the same data is embedded in the PDF as JSON.
"""

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.agreements import in_force
from app.agreements.models import (
    APPROVED,
    FrameworkAgreement,
    LongTermGoal,
    Perspective,
    ServiceAgreement,
)
from app.agreements.service import agreements_in_force
from app.auth.authz import scope
from app.auth.models import User
from app.budgets.models import OrderBudget, OrderBudgetLine
from app.catalogue.models import Product
from app.core.access import get_readable
from app.core.ordering import natural
from app.core.periods import Period, parse_period
from app.goals.models import Goal
from app.indicators.models import IndicatorValue, Measure
from app.organisations.models import Board, Municipality, Provider
from app.reports import status as st
from app.reports.common import (
    SCHEMA_VERSION,
    display_name,
    ids,
    parse_report_period,
    provider_entry,
    readable_measures,
    readable_providers,
    span,
)
from app.reports.deviations import attach_notes, deviations
from app.reports.i18n import t
from app.reports.models import IssuedReport, ReportKind


def agreements_in_report(session: Session, user: User, board_id: int, period: Period
                         ) -> list[ServiceAgreement]:
    """The board's service agreements of the period's year: of each, the version in force at
    the period's end (app.agreements.in_force); an unapproved amendment never counts."""
    return agreements_in_force(session, user, board_id, period.year, period.end)


def follow_up(session: Session, user: User, board_id: int, period_code: str, lang: str,
              now: datetime | None = None) -> dict[str, Any]:
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
    returned: dict[str, list[str]] = {}
    for v in st.returned_values(session, user, ids(measures), period.end):
        if v.period_start.year == period.year:
            returned.setdefault(v.lineage, []).append(v.period)

    years_of = {a.id: range(frameworks[a.framework_agreement_id].first_year,
                            frameworks[a.framework_agreement_id].last_year + 1)
                for a in agreements}
    agreement_of_goal = {g.id: g.service_agreement_id for g in goals}
    measures_of: dict[int, list[dict[str, Any]]] = {}
    entries: list[dict[str, Any]] = []
    for m in measures:
        entry = _measure_entry(m, values.get(m.lineage, []), period, previous,
                               list(years_of[agreement_of_goal[m.goal_id]]), providers)
        entry["returned"] = returned.get(m.lineage, [])
        measures_of.setdefault(m.goal_id, []).append(entry)
        entries.append(entry)

    attach_notes(session, user, entries)

    def goal_entry(g: Goal) -> dict[str, Any]:
        ltg = long_term.get(g.long_term_goal_id or 0)
        return {
            "id": g.id, "code": g.code, "title": g.title, "description": g.description,
            "long_term_goal": {"code": ltg.code, "title": ltg.title} if ltg else None,
            "measures": measures_of.get(g.id, []),
        }

    def by_agreements(in_section: list[Goal]) -> list[dict[str, Any]]:
        """One table per agreement: its goals in this perspective, with their measures."""
        grouped: dict[int, list[Goal]] = {}
        for g in in_section:
            grouped.setdefault(g.service_agreement_id, []).append(g)
        return [{"agreement": {"id": a.id, "code": a.code, "title": a.title,
                               "version": a.version, "status": a.status.value},
                 "provider": provider_entry(providers[a.provider_id]),
                 "goals": [goal_entry(g) for g in sorted(grouped[a.id], key=lambda g: (
                     natural(long_term[g.long_term_goal_id].code)
                     if g.long_term_goal_id in long_term else [], natural(g.code)))]}
                for a in agreements if a.id in grouped]

    sections: list[dict[str, Any]] = []
    for p in perspectives:
        in_p = [g for g in goals if g.long_term_goal_id in long_term
                and long_term[g.long_term_goal_id].perspective_id == p.id]
        if in_p:
            sections.append({"number": 0, "name": display_name(p, lang),
                             "agreements": by_agreements(in_p)})
    other = [g for g in goals if g.long_term_goal_id not in long_term]
    if other:
        sections.append({"number": 0, "name": t("other_goals", lang),
                         "agreements": by_agreements(other)})
    for number, section in enumerate(sections, start=1):
        section["number"] = number

    budget = _budget(session, user, board.id, period, lang)
    counts = {s: 0 for s in st.STATUS_ORDER}
    for e in entries:
        counts[st.Status(e["status"])] += 1
    changes = sorted((
        {"code": e["code"], "name": e["name"], "provider": e["provider"]["name"],
         "before": e["previous_status"], "now": e["status"]}
        for e in entries if e["previous_status"] != e["status"]),
        key=lambda c: (-st.SEVERITY[c["now"]], st.SEVERITY[c["before"]]))
    transitions: dict[tuple[str, str], int] = {}
    for c in changes:
        transitions[c["before"], c["now"]] = transitions.get((c["before"], c["now"]), 0) + 1
    new_values = sum(1 for vs in values.values() for v in vs
                     if previous.end < v.period_end <= period.end)
    no_value: dict[int, dict[str, Any]] = {}
    for section in sections:
        for block in section["agreements"]:
            for g in block["goals"]:
                for e in g["measures"]:
                    if e["status"] == st.Status.no_value:
                        no_value.setdefault(e["provider"]["id"], {
                            "provider": e["provider"], "measures": []})["measures"].append({
                                "code": e["code"], "name": e["name"], "unit": e["unit"],
                                "goal": g["code"], "agreement": block["agreement"]["code"],
                                "returned": e["returned"]})

    board_name = display_name(board, lang)
    title = f"{t('follow_up_report', lang)} {period.code} – {board_name}"
    return {
        "schema": f"sopimus/follow-up-report/{SCHEMA_VERSION}",
        "kind": ReportKind.follow_up.value,
        "language": lang,
        "title": title,
        "subject": f"{t('follow_up_report', lang)}: {display_name(municipality, lang)}, {board_name} "
                   f"({board.code}), {period.code}",
        "author": f"{display_name(municipality, lang)} – {board_name}",
        "filename": f"{board.code}-{period.code}-{lang}.pdf",
        "generated_at": (now or datetime.now(UTC)).replace(microsecond=0),
        "municipality": {"id": municipality.id, "code": municipality.code,
                         "name": display_name(municipality, lang)},
        "board": {"id": board.id, "code": board.code, "name": board_name},
        "period": span(period),
        "previous_period": span(previous),
        "summary": {
            "statuses": [{"status": s.value, "count": n,
                          "share": (Decimal(n * 100) / (len(entries) or 1)).quantize(Decimal("0.1"))}
                         for s, n in counts.items() if n or s is not st.Status.no_target],
            "measures": len(entries),
            "changes": changes,
            # How many measures moved from one status to another, worst news first.
            "transitions": [{"before": b, "now": n, "count": k} for (b, n), k in sorted(
                transitions.items(), key=lambda x: (-st.SEVERITY[x[0][1]], st.SEVERITY[x[0][0]]))],
            "new_values": new_values,
        },
        "agreements": [{"id": a.id, "code": a.code, "title": a.title, "version": a.version,
                        "provider": provider_entry(providers[a.provider_id])} for a in agreements],
        "perspectives": sections,
        "budget": budget,
        "no_value": sorted(no_value.values(), key=lambda x: x["provider"]["name"]),
        "deviations": deviations(entries),
        "decision_proposal": None,  # the purchaser's, when issuing (app.reports.service)
    }


def previous_report_period(session: Session, user: User, board_id: int, period: Period) -> Period:
    """The period of the board's last follow-up report issued before ``period`` (same year or
    the year before), or the period before it in the Finnish cadence."""
    issued = session.scalars(scope(select(IssuedReport.period), IssuedReport, user).where(
        IssuedReport.board_id == board_id, IssuedReport.kind == ReportKind.follow_up))
    earlier = [p for p in (parse_period(code) for code in set(issued) if code)
               if p.end < period.end and p.year >= period.year - 1]
    return max(earlier, key=lambda p: (p.end, p.start)) if earlier else st.previous_period(period)


def _measure_entry(m: Measure, values: list[IndicatorValue], period: Period, previous: Period,
                   years: list[int], providers: dict[int, Provider]) -> dict[str, Any]:
    targets = {t_.year: t_.value for t_ in m.targets}
    args: dict[str, Any] = {"rollup": m.rollup, "direction": m.direction,
                            "tolerance": m.tolerance, "targets": targets, "values": values}
    now = st.measure_status(period=period, **args)
    before = st.measure_status(period=previous, **args)
    trend = []
    for year in sorted(set(years) | {period.year}):
        rolled = st.roll_up(m.rollup, [v for v in values if v.period_start.year == year])
        trend.append({"year": year, "target": targets.get(year),
                      "actual": rolled.compared if rolled else None,
                      "partial": bool(rolled and rolled.partial)})
    return {
        "id": m.id, "code": m.code, "name": m.name, "unit": m.unit,
        "direction": m.direction.value, "rollup": m.rollup.value,
        "frequency": m.frequency.value, "tolerance": m.tolerance,
        "provider": provider_entry(providers[m.provider_id]),
        "baseline": ({"year": m.baseline_year, "value": m.baseline_value}
                     if m.baseline_value is not None else None),
        "targets": [{"year": y, "value": v} for y, v in sorted(targets.items())],
        "target": now.target,
        "value": now.value,
        "compared": now.rolled.compared if now.rolled else None,
        "forecast": bool(now.rolled and m.rollup.value == "sum" and now.rolled.partial),
        "until": now.rolled.until if now.rolled else None,
        "status": now.status.value,
        "previous_status": before.status.value,
        "reported_values": [{"id": v.id, "period": v.period, "value": v.value,
                             "comment": v.comment}
                   for v in values if v.period_start.year == period.year],
        "trend": trend,
    }


def _realisation(r: st.Realisation) -> dict[str, Any]:
    return {"ordered_volume": r.ordered_volume, "ordered_euros": r.ordered_euros,
            "delivered_volume": r.delivered_volume, "delivered_euros": r.delivered_euros,
            "until": r.until, "realised_pct": r.realised_pct,
            "forecast_euros": r.forecast_euros, "deviation_euros": r.deviation_euros,
            "deviation_pct": r.deviation_pct}


def _budget(session: Session, user: User, board_id: int, period: Period, lang: str
            ) -> dict[str, Any] | None:
    """The board's order budget of the year (the version in force at the period's end) against
    what was delivered."""
    readable = list(session.scalars(scope(select(OrderBudget), OrderBudget, user).where(
        OrderBudget.board_id == board_id, OrderBudget.year == period.year)))
    chosen = in_force.counting(readable, period.end)
    if chosen is None or (chosen.status not in APPROVED and any(
            b.status in APPROVED for b in in_force.all_versions(session, OrderBudget, readable))):
        return None  # only an unapproved amendment is readable: it does not count
    budget = chosen
    lines = list(session.scalars(scope(select(OrderBudgetLine), OrderBudgetLine, user).where(
        OrderBudgetLine.order_budget_id == budget.id)))
    products = {p.id: p for p in session.scalars(select(Product).where(
        Product.id.in_({ln.product_id for ln in lines})))}
    providers = readable_providers(session, user, {ln.provider_id for ln in lines})
    done = st.delivered(session, user, budget.id, period)
    groups: dict[int, list[tuple[OrderBudgetLine, st.Realisation]]] = {}
    for ln in lines:
        groups.setdefault(ln.provider_id, []).append(
            (ln, st.realise(period.year, ln.volume, ln.total, done.get(st.line_key(ln)))))
    out = []
    for provider_id, items in sorted(groups.items(), key=lambda kv: providers[kv[0]].code):
        items.sort(key=lambda x: natural(products[x[0].product_id].code))
        out.append({
            "provider": provider_entry(providers[provider_id]),
            "lines": [{"id": ln.id, "product": {"code": products[ln.product_id].code,
                                                "name": display_name(products[ln.product_id], lang),
                                                "unit": products[ln.product_id].unit},
                       "unit_price": ln.unit_price, **_realisation(r)} for ln, r in items],
            "total": _realisation(st.total([r for _, r in items])),
        })
    everything = st.total([r for items in groups.values() for _, r in items])
    return {"id": budget.id, "title": budget.title, "year": budget.year,
            "version": budget.version, "providers": out, "total": _realisation(everything),
            "lines_reported": sum(1 for ln in lines if st.line_key(ln) in done),
            "lines": len(lines)}
