"""What the reports show, read in the caller's scope, and issuing them as immutable records.

``follow_up`` and ``agreement_document`` return the report's data as plain dicts (Decimal and
date values): the templates render them, and the same data is embedded in the PDF as JSON.
"""

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from app.agreements.models import (
    AgreementStatus,
    AgreementTransition,
    FrameworkAgreement,
    LongTermGoal,
    Perspective,
    ServiceAgreement,
)
from app.agreements.service import service_agreement_has_board
from app.auth.authz import require_write, scope
from app.auth.models import User
from app.budgets.models import OrderBudget, OrderBudgetLine
from app.catalogue.models import Product, ProductGroup
from app.core.crud import get_readable
from app.core.errors import InvalidInput, NotFound
from app.core.ordering import natural
from app.core.periods import Period, PeriodError, parse_period, periods_of_year
from app.goals.models import Action, Goal, Resource
from app.indicators.models import IndicatorValue, Measure
from app.organisations.models import Board, Municipality, Provider, ProviderKind
from app.reports import status as st
from app.reports.i18n import t
from app.reports.models import IssuedReport, ReportKind

SCHEMA_VERSION = 1


@dataclass(frozen=True)
class ReportSpec:
    """Which report: a board's follow-up for a period, or one service agreement's document."""

    kind: ReportKind
    language: str = "fi"
    board_id: int | None = None
    period: str | None = None
    service_agreement_id: int | None = None


def build(session: Session, user: User, spec: ReportSpec, now: datetime | None = None
          ) -> dict[str, Any]:
    if spec.kind is ReportKind.follow_up:
        if spec.board_id is None or spec.period is None:
            raise InvalidInput("A follow-up report needs board_id and period", field="board_id")
        return follow_up(session, user, spec.board_id, spec.period, spec.language, now)
    if spec.service_agreement_id is None:
        raise InvalidInput("An agreement document needs service_agreement_id",
                           field="service_agreement_id")
    return agreement_document(session, user, spec.service_agreement_id, spec.language,
                              spec.board_id, now)


# --- helpers -----------------------------------------------------------------------------


def _name(obj: Any, lang: str) -> str:
    name: str = (obj.name_sv if lang == "sv" and getattr(obj, "name_sv", None) else obj.name_fi)
    return name


def _period(code: str, field: str = "period") -> Period:
    try:
        return parse_period(code)
    except PeriodError as exc:
        raise InvalidInput(str(exc), field=field) from None


def _span(p: Period) -> dict[str, Any]:
    return {"code": p.code, "start": p.start, "end": p.end}


def _provider(p: Provider) -> dict[str, Any]:
    return {"id": p.id, "code": p.code, "name": p.name, "kind": p.kind.value,
            "business_id": p.business_id}


def _ids(objs: Sequence[Any]) -> list[int]:
    return [o.id for o in objs]


def agreements_in_report(session: Session, user: User, board_id: int, year: int
                         ) -> list[ServiceAgreement]:
    """The board's service agreements of the year, one per code: its newest version."""
    stmt = scope(select(ServiceAgreement), ServiceAgreement, user).where(
        service_agreement_has_board(board_id), ServiceAgreement.year == year,
    ).order_by(ServiceAgreement.code, ServiceAgreement.version)
    newest: dict[str, ServiceAgreement] = {}
    for agreement in session.scalars(stmt):
        newest[agreement.code] = agreement
    return sorted(newest.values(), key=lambda a: natural(a.code))


def board_decision(session: Session, agreement: ServiceAgreement) -> dict[str, Any] | None:
    """The board's decision approving this version (body, date, §), as the lifecycle recorded
    it at the approval (app.agreements.transitions); None until the version is approved."""
    approval = session.scalars(
        select(AgreementTransition).where(
            AgreementTransition.service_agreement_id == agreement.id,
            AgreementTransition.to_status == AgreementStatus.approved,
        ).order_by(AgreementTransition.id.desc())
    ).first()
    if approval is None or approval.organization is None:
        return None
    return {"body": approval.organization, "date": approval.event_date,
            "article_number": approval.article_number}


def _measures(session: Session, user: User, goal_ids: list[int]) -> list[Measure]:
    stmt = scope(select(Measure), Measure, user).where(Measure.goal_id.in_(goal_ids))
    return list(session.scalars(stmt.options(selectinload(Measure.targets))))


def _providers(session: Session, user: User, ids: set[int]) -> dict[int, Provider]:
    stmt = scope(select(Provider), Provider, user).where(Provider.id.in_(ids))
    return {p.id: p for p in session.scalars(stmt)}


# --- the follow-up report ----------------------------------------------------------------


def follow_up(session: Session, user: User, board_id: int, period_code: str, lang: str,
              now: datetime | None = None) -> dict[str, Any]:
    """Seurantaraportti: the board's measures and order budget for a period."""
    period = _period(period_code)
    board = get_readable(session, Board, board_id, user)
    municipality = session.get_one(Municipality, board.municipality_id)
    previous = previous_report_period(session, user, board.id, period)

    agreements = agreements_in_report(session, user, board.id, period.year)
    frameworks = {f.id: f for f in session.scalars(scope(
        select(FrameworkAgreement), FrameworkAgreement, user).where(
        FrameworkAgreement.id.in_({a.framework_agreement_id for a in agreements})))}
    perspectives = list(session.scalars(scope(select(Perspective), Perspective, user).where(
        Perspective.framework_agreement_id.in_(frameworks)).order_by(
        Perspective.framework_agreement_id, Perspective.position)))
    long_term = {g.id: g for g in session.scalars(scope(select(LongTermGoal), LongTermGoal, user)
                                                    .where(LongTermGoal.perspective_id.in_(
                                                        _ids(perspectives))))}
    agreement_order = {a.id: i for i, a in enumerate(agreements)}
    goals = sorted(session.scalars(scope(select(Goal), Goal, user).where(
        Goal.service_agreement_id.in_(_ids(agreements)))),
        key=lambda g: (agreement_order[g.service_agreement_id], natural(g.code)))
    measures = sorted(_measures(session, user, _ids(goals)), key=lambda m: natural(m.code))
    providers = _providers(session, user, {a.provider_id for a in agreements}
                           | {m.provider_id for m in measures})
    values: dict[int, list[IndicatorValue]] = {}
    for v in st.counted_values(session, user, _ids(measures), period.end):
        values.setdefault(v.measure_id, []).append(v)

    years_of = {a.id: range(frameworks[a.framework_agreement_id].first_year,
                            frameworks[a.framework_agreement_id].last_year + 1)
                for a in agreements}
    agreement_of_goal = {g.id: g.service_agreement_id for g in goals}
    measures_of: dict[int, list[dict[str, Any]]] = {}
    entries: list[dict[str, Any]] = []
    for m in measures:
        entry = _measure_entry(m, values.get(m.id, []), period, previous,
                               list(years_of[agreement_of_goal[m.goal_id]]), providers)
        measures_of.setdefault(m.goal_id, []).append(entry)
        entries.append(entry)

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
                 "provider": _provider(providers[a.provider_id]),
                 "goals": [goal_entry(g) for g in sorted(grouped[a.id], key=lambda g: (
                     natural(long_term[g.long_term_goal_id].code)
                     if g.long_term_goal_id in long_term else [], natural(g.code)))]}
                for a in agreements if a.id in grouped]

    sections: list[dict[str, Any]] = []
    for p in perspectives:
        in_p = [g for g in goals if g.long_term_goal_id in long_term
                and long_term[g.long_term_goal_id].perspective_id == p.id]
        if in_p:
            sections.append({"number": 0, "name": _name(p, lang),
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
                                "goal": g["code"], "agreement": block["agreement"]["code"]})

    board_name = _name(board, lang)
    title = f"{t('follow_up_report', lang)} {period.code} – {board_name}"
    return {
        "schema": f"sopimus/follow-up-report/{SCHEMA_VERSION}",
        "kind": ReportKind.follow_up.value,
        "language": lang,
        "title": title,
        "subject": f"{t('follow_up_report', lang)}: {_name(municipality, lang)}, {board_name} "
                   f"({board.code}), {period.code}",
        "author": f"{_name(municipality, lang)} – {board_name}",
        "filename": f"{board.code}-{period.code}-{lang}.pdf",
        "generated_at": (now or datetime.now(UTC)).replace(microsecond=0),
        "municipality": {"id": municipality.id, "code": municipality.code,
                         "name": _name(municipality, lang)},
        "board": {"id": board.id, "code": board.code, "name": board_name},
        "period": _span(period),
        "previous_period": _span(previous),
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
                        "provider": _provider(providers[a.provider_id])} for a in agreements],
        "perspectives": sections,
        "budget": budget,
        "no_value": sorted(no_value.values(), key=lambda x: x["provider"]["name"]),
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
        "provider": _provider(providers[m.provider_id]),
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
        "reported_values": [{"period": v.period, "value": v.value, "comment": v.comment}
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
    """The board's order budget of the year (newest version) against what was delivered."""
    budget = session.scalars(scope(select(OrderBudget), OrderBudget, user).where(
        OrderBudget.board_id == board_id, OrderBudget.year == period.year).order_by(
        OrderBudget.version.desc())).first()
    if budget is None:
        return None
    lines = list(session.scalars(scope(select(OrderBudgetLine), OrderBudgetLine, user).where(
        OrderBudgetLine.order_budget_id == budget.id)))
    products = {p.id: p for p in session.scalars(select(Product).where(
        Product.id.in_({ln.product_id for ln in lines})))}
    providers = _providers(session, user, {ln.provider_id for ln in lines})
    done = st.delivered(session, user, budget.id, period)
    groups: dict[int, list[tuple[OrderBudgetLine, st.Realisation]]] = {}
    for ln in lines:
        groups.setdefault(ln.provider_id, []).append(
            (ln, st.realise(period.year, ln.volume, ln.total, done.get(ln.id))))
    out = []
    for provider_id, items in sorted(groups.items(), key=lambda kv: providers[kv[0]].code):
        items.sort(key=lambda x: natural(products[x[0].product_id].code))
        out.append({
            "provider": _provider(providers[provider_id]),
            "lines": [{"id": ln.id, "product": {"code": products[ln.product_id].code,
                                                "name": _name(products[ln.product_id], lang),
                                                "unit": products[ln.product_id].unit},
                       "unit_price": ln.unit_price, **_realisation(r)} for ln, r in items],
            "total": _realisation(st.total([r for _, r in items])),
        })
    everything = st.total([r for items in groups.values() for _, r in items])
    return {"id": budget.id, "title": budget.title, "year": budget.year,
            "version": budget.version, "providers": out, "total": _realisation(everything),
            "lines_reported": sum(1 for ln in lines if ln.id in done), "lines": len(lines)}


# --- the service agreement document ------------------------------------------------------


def ordered_lines(session: Session, user: User, agreement: ServiceAgreement,
                  provider: Provider) -> list[OrderBudgetLine]:
    """The order-budget lines the agreement orders: its provider's lines; an agreement with
    the municipality's own production as a whole also orders the lines of own production
    units that have no service agreement of their own that year."""
    if agreement.order_budget_id is None:
        return []
    stmt = scope(select(OrderBudgetLine), OrderBudgetLine, user).where(
        OrderBudgetLine.order_budget_id == agreement.order_budget_id)
    if provider.kind is ProviderKind.own_production_unit:
        with_own = select(ServiceAgreement.provider_id).where(
            ServiceAgreement.municipality_id == agreement.municipality_id,
            ServiceAgreement.year == agreement.year, ServiceAgreement.id != agreement.id)
        own_units = select(Provider.id).where(
            Provider.municipality_id == agreement.municipality_id,
            Provider.kind == ProviderKind.own_production_unit, Provider.id.not_in(with_own))
        stmt = stmt.where((OrderBudgetLine.provider_id == provider.id)
                          | OrderBudgetLine.provider_id.in_(own_units))
    else:
        stmt = stmt.where(OrderBudgetLine.provider_id == provider.id)
    return list(session.scalars(stmt))


def agreement_document(session: Session, user: User, agreement_id: int, lang: str,
                       board_id: int | None = None, now: datetime | None = None
                       ) -> dict[str, Any]:
    """Palvelusopimus: one version of a service agreement as a document."""
    agreement = get_readable(session, ServiceAgreement, agreement_id, user,
                             [selectinload(ServiceAgreement.boards)])
    boards = sorted(agreement.boards, key=lambda b: b.id)
    if board_id is not None and board_id not in {b.id for b in boards}:
        raise InvalidInput(f"Board {board_id} is not a party to agreement {agreement.code}",
                           field="board_id")
    if not boards:
        raise NotFound(f"Agreement {agreement.code} has no board")
    board = next(b for b in boards if board_id in (None, b.id))
    municipality = session.get_one(Municipality, agreement.municipality_id)
    provider = get_readable(session, Provider, agreement.provider_id, user)
    framework = session.get_one(FrameworkAgreement, agreement.framework_agreement_id)

    lines = ordered_lines(session, user, agreement, provider)
    products = {p.id: p for p in session.scalars(select(Product).where(
        Product.id.in_({ln.product_id for ln in lines})))}
    product_groups = {g.id: g for g in session.scalars(select(ProductGroup).where(
        ProductGroup.id.in_({p.product_group_id for p in products.values()})))}
    line_providers = _providers(session, user, {ln.provider_id for ln in lines})
    lines.sort(key=lambda ln: (natural(product_groups[products[ln.product_id].product_group_id]
                                        .code), natural(products[ln.product_id].code),
                               line_providers[ln.provider_id].code))

    goals = sorted(session.scalars(scope(select(Goal), Goal, user).where(
        Goal.service_agreement_id == agreement.id)), key=lambda g: natural(g.code))
    long_term = {g.id: g for g in session.scalars(select(LongTermGoal).where(
        LongTermGoal.id.in_({g.long_term_goal_id for g in goals if g.long_term_goal_id})))}
    actions = list(session.scalars(scope(select(Action), Action, user).where(
        Action.goal_id.in_(_ids(goals))).order_by(Action.position, Action.id)))
    resources = list(session.scalars(scope(select(Resource), Resource, user).where(
        Resource.goal_id.in_(_ids(goals))).order_by(Resource.id)))
    measures = sorted(_measures(session, user, _ids(goals)), key=lambda m: natural(m.code))
    measure_providers = _providers(session, user, {m.provider_id for m in measures})

    calendar: dict[str, dict[str, Any]] = {}
    for m in measures:
        for p in periods_of_year(agreement.year, m.frequency):
            row = calendar.setdefault(p.code, {**_span(p), "measures": []})
            row["measures"].append(m.code)

    # The target columns: the years the measures have targets for, else the agreement's year.
    years = sorted({tg.year for m in measures for tg in m.targets} or {agreement.year})
    board_names = [f"{_name(b, lang)} ({b.code})" for b in boards]
    title = f"{t('service_agreement', lang)} {agreement.code} v{agreement.version}"
    total = sum((ln.total for ln in lines), Decimal(0))
    return {
        "schema": f"sopimus/service-agreement/{SCHEMA_VERSION}",
        "kind": ReportKind.agreement.value,
        "language": lang,
        "title": title,
        "subject": f"{agreement.title} ({agreement.year})",
        "author": f"{_name(municipality, lang)} – {', '.join(_name(b, lang) for b in boards)}",
        "filename": f"{agreement.code}-v{agreement.version}-{lang}.pdf",
        "generated_at": (now or datetime.now(UTC)).replace(microsecond=0),
        "municipality": {"id": municipality.id, "code": municipality.code,
                         "name": _name(municipality, lang)},
        "board": {"id": board.id, "code": board.code, "name": _name(board, lang)},
        "boards": board_names,
        "agreement": {
            "id": agreement.id, "code": agreement.code, "title": agreement.title,
            "description": agreement.description, "year": agreement.year,
            "version": agreement.version, "status": agreement.status.value,
            "start": date(agreement.year, 1, 1), "end": date(agreement.year, 12, 31),
        },
        "framework": {"title": framework.title, "first_year": framework.first_year,
                      "last_year": framework.last_year},
        "decision": board_decision(session, agreement),
        "provider": _provider(provider),
        "lines": [{
            "id": ln.id,
            "product_group": _name(product_groups[products[ln.product_id].product_group_id], lang),
            "product": {"code": products[ln.product_id].code,
                        "name": _name(products[ln.product_id], lang),
                        "unit": products[ln.product_id].unit},
            "provider": line_providers[ln.provider_id].name,
            "volume": ln.volume, "unit_price": ln.unit_price, "total": ln.total,
        } for ln in lines],
        "lines_total": total,
        "years": years,
        "goals": [{
            "id": g.id, "code": g.code, "title": g.title, "description": g.description,
            "long_term_goal": ({"code": long_term[g.long_term_goal_id].code,
                                "title": long_term[g.long_term_goal_id].title}
                               if g.long_term_goal_id in long_term else None),
            "actions": [{"description": a.description, "responsible": a.responsible}
                        for a in actions if a.goal_id == g.id],
            "resources": [{"kind": str(r.kind), "description": r.description,
                           "amount": r.amount} for r in resources if r.goal_id == g.id],
            "measures": [{
                "id": m.id, "code": m.code, "name": m.name, "unit": m.unit,
                "direction": m.direction.value, "frequency": m.frequency.value,
                "rollup": m.rollup.value, "tolerance": m.tolerance,
                "provider": (measure_providers[m.provider_id].name
                             if m.provider_id != provider.id else None),
                "baseline": ({"year": m.baseline_year, "value": m.baseline_value}
                             if m.baseline_value is not None else None),
                "targets": {tg.year: tg.value for tg in m.targets},
            } for m in measures if m.goal_id == g.id],
        } for g in goals],
        "calendar": sorted(calendar.values(), key=lambda r: (r["end"], r["start"])),
    }


# --- issuing ------------------------------------------------------------------------------


def store(session: Session, user: User, data: dict[str, Any], pdf: bytes, pages: int
          ) -> IssuedReport:
    """Keep an issued report: immutable, with the SHA-256 of its bytes."""
    require_write(user, IssuedReport)
    follow = data["kind"] == ReportKind.follow_up
    report = IssuedReport(
        municipality_id=data["municipality"]["id"], board_id=data["board"]["id"],
        kind=ReportKind(data["kind"]),
        period=data["period"]["code"] if follow else None,
        service_agreement_id=None if follow else data["agreement"]["id"],
        subject=(data["period"]["code"] if follow
                 else f"{data['agreement']['code']} v{data['agreement']['version']}"),
        language=data["language"], title=data["title"][:300], filename=data["filename"],
        sha256=hashlib.sha256(pdf).hexdigest(), size=len(pdf), pages=pages, pdf=pdf,
        created_by=user.username, updated_by=user.username,
    )
    session.add(report)
    session.flush()
    return report
