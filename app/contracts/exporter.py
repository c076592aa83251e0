"""Export an agreement set from the database as contracts/ YAML (the inverse of the import)."""

from decimal import Decimal
from enum import Enum
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from app.agreements import in_force
from app.agreements.models import (
    APPROVED,
    AgreementTransition,
    FrameworkAgreement,
    LongTermGoal,
    Perspective,
    ServiceAgreement,
)
from app.agreements.service import service_agreement_has_board
from app.auth.authz import scope
from app.auth.models import User
from app.budgets.models import CHAIN_YEARS, Delivery, OrderBudget, OrderBudgetLine
from app.catalogue.models import Product, ProductGroup, ServiceArea
from app.contracts import schema as d
from app.contracts.price_lists import export_price_lists, line_fields
from app.contracts.voucher_sets import export_schemes
from app.core.errors import NotFound
from app.goals.models import Action, Goal, Resource
from app.indicators.models import DEFAULT_COMPARISON, IndicatorValue, Measure, MeasureTarget
from app.lifecycle.transitions import events
from app.lifecycle.versioning import Agreement, S, versions
from app.organisations.models import Board, Municipality, Provider, PurchaserUnit, Region


class _Dumper(yaml.SafeDumper):
    def ignore_aliases(self, data: Any) -> bool:
        return True  # the importer refuses anchors and aliases: a repeated value is written out


def _decimal(dumper: yaml.SafeDumper, value: Decimal) -> yaml.ScalarNode:
    text = format(value.normalize(), "f")
    tag = "tag:yaml.org,2002:int" if "." not in text else "tag:yaml.org,2002:float"
    return dumper.represent_scalar(tag, text)


def _enum(dumper: yaml.SafeDumper, value: Enum) -> yaml.ScalarNode:
    return dumper.represent_str(str(value.value))


_Dumper.add_representer(Decimal, _decimal)
_Dumper.add_multi_representer(Enum, _enum)


def dump(doc: d.AgreementSet) -> str:
    data = doc.model_dump(mode="python", exclude_defaults=True)
    return yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=100)


def _all(session: Session, user: User, model: Any, *where: Any) -> list[Any]:
    return list(session.scalars(scope(select(model), model, user).where(*where)
                                .order_by(model.id)))


def _children(session: Session, user: User, model: Any, parent: Any, ids: list[int],
              *order: Any, load: tuple[Any, ...] = ()) -> dict[int, list[Any]]:
    """The rows of ``model`` under each of the parents ``ids`` (as ``user`` may read them), in one
    query: an export's number of statements does not grow with its goals or measures."""
    out: dict[int, list[Any]] = {}
    if not ids:
        return out
    for row in session.scalars(scope(select(model), model, user).options(*load)
                               .where(parent.in_(ids)).order_by(*(order or (model.id,)))):
        out.setdefault(getattr(row, parent.key), []).append(row)
    return out


def _codes(session: Session, model: Any, municipality_id: int) -> dict[int, str]:
    return dict(session.execute(select(model.id, model.code)
                                .where(model.municipality_id == municipality_id)).all())


def build(session: Session, user: User, municipality_code: str, board_code: str, year: int
          ) -> d.AgreementSet:
    """The agreement set as ``user`` may read it: a framework (or an agreement, a budget line,
    a value) he cannot see is not exported, as a read of it would answer 404. Every version is
    written once, marked with its number, state and approval: the latest of each agreement in
    the set's body, the earlier ones under ``earlier_versions``."""
    municipality = session.scalar(scope(select(Municipality), Municipality, user)
                                  .where(Municipality.code == municipality_code))
    if municipality is None:
        raise NotFound(f"No municipality with code {municipality_code}")
    mid = municipality.id
    board = session.scalar(select(Board).where(Board.municipality_id == mid,
                                               Board.code == board_code))
    if board is None:
        raise NotFound(f"No board {board_code} in municipality {municipality_code}")
    framework = session.scalar(
        scope(select(FrameworkAgreement), FrameworkAgreement, user).where(
            FrameworkAgreement.board_id == board.id, FrameworkAgreement.first_year <= year,
            FrameworkAgreement.last_year >= year,
        ).order_by(FrameworkAgreement.version.desc()))
    frameworks = versions(session, user, framework) if framework else []
    boards, regions = _codes(session, Board, mid), _codes(session, Region, mid)
    providers, products = _codes(session, Provider, mid), _codes(session, Product, mid)
    budgets = [[_budget(session, user, b, board.code, products, providers)
                for b in versions(session, user, latest)]
               for y in _budget_years(session, user, board.id, year, framework)
               for latest in [_latest_budget(session, user, board.id, y)] if latest]
    groups: dict[str, list[ServiceAgreement]] = {}
    for sa in session.scalars(
            scope(select(ServiceAgreement), ServiceAgreement, user)
            .options(selectinload(ServiceAgreement.boards))
            .where(ServiceAgreement.framework_agreement_id.in_([f.id for f in frameworks])
                   if framework else (ServiceAgreement.framework_agreement_id.is_(None)
                                      & service_agreement_has_board(board.id)),
                   ServiceAgreement.year == year).order_by(ServiceAgreement.id)):
        groups.setdefault(sa.code, []).append(sa)
    if framework is None and not budgets and not groups:
        raise NotFound(f"No framework agreement, order budget or service agreement of "
                       f"{board_code} for {year}")
    agreements = [[_service_agreement(session, user, sa, boards, providers, placed)
                   for sa in sorted(group, key=lambda sa: sa.version)]
                  for group in groups.values()
                  for placed in [_placed_values(session, user, group)]]
    main_budget = budgets[0][-1] if budgets and budgets[0][-1].year == year else None
    earlier = d.EarlierVersionsDoc(
        framework_agreements=[_framework(session, user, f, boards) for f in frameworks[:-1]],
        order_budgets=[doc for budget_docs in budgets for doc in budget_docs[:-1]],
        service_agreements=[doc for group_docs in agreements for doc in group_docs[:-1]])
    return d.AgreementSet(
        municipality=d.MunicipalityDoc(code=municipality.code, name_fi=municipality.name_fi,
                                       name_sv=municipality.name_sv),
        boards=[d.BoardDoc(code=b.code, name_fi=b.name_fi, name_sv=b.name_sv)
                for b in _all(session, user, Board, Board.municipality_id == mid)],
        purchaser_units=[
            d.PurchaserUnitDoc(code=u.code, name_fi=u.name_fi, name_sv=u.name_sv,
                               board=boards.get(u.board_id) if u.board_id else None)
            for u in _all(session, user, PurchaserUnit, PurchaserUnit.municipality_id == mid)],
        regions=[d.RegionDoc(code=r.code, name_fi=r.name_fi, name_sv=r.name_sv)
                 for r in _all(session, user, Region, Region.municipality_id == mid)],
        providers=[
            d.ProviderDoc(code=p.code, name=p.name, kind=p.kind, business_id=p.business_id,
                          region=regions.get(p.region_id) if p.region_id else None)
            for p in _all(session, user, Provider, Provider.municipality_id == mid)],
        catalogue=_catalogue(session, user, mid),
        framework_agreement=_framework(session, user, frameworks[-1], boards)
        if frameworks else None,
        order_budget=main_budget,
        order_budgets=[budget_docs[-1] for budget_docs in budgets
                       if budget_docs[-1] is not main_budget],
        service_agreements=[group_docs[-1] for group_docs in agreements],
        earlier_versions=earlier if earlier != d.EarlierVersionsDoc() else None,
        voucher_schemes=export_schemes(session, user, board, year, products, providers),
        price_lists=export_price_lists(session, user, board, year),
    )


def _budget_years(session: Session, user: User, board_id: int, year: int,
                  framework: FrameworkAgreement | None) -> list[int]:
    """The years whose order budgets the set holds: the year's first, then the framework's
    other years and the years before as far as a chain of carry-overs reaches (at most
    CHAIN_YEARS): the figures of the year rest on them."""
    others = set(range(framework.first_year, framework.last_year + 1)) if framework else set()
    back = year
    while back > year - CHAIN_YEARS and _carries_over(session, user, board_id, back):
        back -= 1
        others.add(back)
    return [year, *sorted(others - {year})]


def _carries_over(session: Session, user: User, board_id: int, year: int) -> bool:
    latest = _latest_budget(session, user, board_id, year)
    return latest is not None and session.scalar(select(OrderBudgetLine.id).where(
        OrderBudgetLine.order_budget_id == latest.id, OrderBudgetLine.carry_over).limit(1)
    ) is not None


def _latest_budget(session: Session, user: User, board_id: int, year: int) -> OrderBudget | None:
    return session.scalar(scope(select(OrderBudget), OrderBudget, user).where(
        OrderBudget.board_id == board_id, OrderBudget.year == year
    ).order_by(OrderBudget.version.desc()))


def _approval(session: Session, obj: Agreement) -> d.ApprovalDoc | None:
    if obj.status not in APPROVED:
        return None
    approvals = [e for e in events(session, AgreementTransition, obj) if e.to_status is S.approved]
    if not approvals:
        return d.ApprovalDoc(effective_from=obj.effective_from)
    e = approvals[-1]
    return d.ApprovalDoc(organization=e.organization, event_date=e.event_date,
                         article_number=e.article_number, register_id=e.register_id,
                         minutes_url=e.minutes_url, effective_from=obj.effective_from)


def _marks(session: Session, obj: Agreement) -> dict[str, Any]:
    """Which version a document describes: its number, state and approval."""
    return {"version": obj.version, "status": obj.status, "approval": _approval(session, obj)}


def _budget(session: Session, user: User, budget: OrderBudget, board: str,
            products: dict[int, str], providers: dict[int, str]) -> d.OrderBudgetDoc:
    lines = _all(session, user, OrderBudgetLine, OrderBudgetLine.order_budget_id == budget.id)
    done = _children(session, user, Delivery, Delivery.order_budget_line_id,
                     [ln.id for ln in lines], Delivery.period_start, Delivery.period_end)
    return d.OrderBudgetDoc(
        **_marks(session, budget), board=board, year=budget.year, title=budget.title,
        lines=[d.OrderLineDoc(product=products[line.product_id],
                              provider=providers[line.provider_id], volume=line.volume,
                              unit_price=line.unit_price, appropriation=line.appropriation,
                              carry_over_from_previous_year=line.carry_over,
                              population_moment=line.population_moment,
                              age_segment=line.age_segment,
                              **line_fields(session, user, line),
                              deliveries=[d.DeliveryDoc(period=x.period, volume=x.volume,
                                                        euros=x.euros, comment=x.comment)
                                          for x in done.get(line.id, [])])
               for line in lines])


def _placed_values(session: Session, user: User, group: list[ServiceAgreement]
                   ) -> dict[int, list[IndicatorValue]]:
    """The values of the versions' measures, each under the measure of the version that counts
    for its period (a value belongs to the measure's lineage, not to a version: no version
    column is needed, and an import puts it back where it counts)."""
    rows = session.execute(select(Measure.id, Measure.lineage, Goal.service_agreement_id)
                           .join(Goal, Goal.id == Measure.goal_id)
                           .where(Goal.service_agreement_id.in_([sa.id for sa in group]))
                           .order_by(Measure.id)).all()
    measure_of = {(sa_id, lineage): measure_id for measure_id, lineage, sa_id in rows}
    newest = {lineage: measure_id for measure_id, lineage, _ in
              sorted(rows, key=lambda r: next(s.version for s in group if s.id == r[2]))}
    placed: dict[int, list[IndicatorValue]] = {}
    for value in _all(session, user, IndicatorValue,
                      IndicatorValue.lineage.in_({lineage for _, lineage, _ in rows})):
        chosen = in_force.counting(group, value.period_end)
        measure_id = measure_of.get((chosen.id, value.lineage)) if chosen else None
        placed.setdefault(measure_id or newest[value.lineage], []).append(value)
    return placed


def _catalogue(session: Session, user: User, mid: int) -> list[d.ServiceAreaDoc]:
    areas = _all(session, user, ServiceArea, ServiceArea.municipality_id == mid)
    groups = _children(session, user, ProductGroup, ProductGroup.service_area_id,
                       [a.id for a in areas])
    products = _children(session, user, Product, Product.product_group_id,
                         [g.id for gs in groups.values() for g in gs])
    return [
        d.ServiceAreaDoc(code=a.code, name_fi=a.name_fi, name_sv=a.name_sv, product_groups=[
            d.ProductGroupDoc(code=g.code, name_fi=g.name_fi, name_sv=g.name_sv, products=[
                d.ProductDoc(code=p.code, name_fi=p.name_fi, name_sv=p.name_sv, unit=p.unit)
                for p in products.get(g.id, [])])
            for g in groups.get(a.id, [])])
        for a in areas
    ]


def _framework(session: Session, user: User, fa: FrameworkAgreement, boards: dict[int, str]
               ) -> d.FrameworkAgreementDoc:
    found = list(session.scalars(scope(select(Perspective), Perspective, user).where(
        Perspective.framework_agreement_id == fa.id).order_by(Perspective.position)))
    goals = _children(session, user, LongTermGoal, LongTermGoal.perspective_id,
                      [p.id for p in found], load=(selectinload(LongTermGoal.boards),))
    perspectives = [d.PerspectiveDoc(name_fi=p.name_fi, name_sv=p.name_sv, goals=[
        d.LongTermGoalDoc(code=g.code, title=g.title, actions=g.actions,
                          boards=[boards[b.id] for b in sorted(g.boards, key=lambda b: b.id)],
                          resources=list(g.resources), evaluation=g.evaluation)
        for g in goals.get(p.id, [])]) for p in found]
    return d.FrameworkAgreementDoc(**_marks(session, fa), board=boards[fa.board_id], title=fa.title,
                                   description=fa.description, first_year=fa.first_year,
                                   last_year=fa.last_year, perspectives=perspectives)


def _service_agreement(session: Session, user: User, sa: ServiceAgreement, boards: dict[int, str],
                       providers: dict[int, str], placed: dict[int, list[IndicatorValue]]
                       ) -> d.ServiceAgreementDoc:
    long_term = dict(session.execute(select(LongTermGoal.id, LongTermGoal.code).join(Perspective)
                                     .where(Perspective.framework_agreement_id ==
                                            sa.framework_agreement_id)).all()) \
        if sa.framework_agreement_id is not None else {}
    found = _all(session, user, Goal, Goal.service_agreement_id == sa.id)
    ids = [g.id for g in found]
    actions = _children(session, user, Action, Action.goal_id, ids, Action.position, Action.id)
    resources = _children(session, user, Resource, Resource.goal_id, ids)
    measures = _children(session, user, Measure, Measure.goal_id, ids)
    targets = _children(session, user, MeasureTarget, MeasureTarget.measure_id,
                        [m.id for ms in measures.values() for m in ms], MeasureTarget.year)
    goals = [d.GoalDoc(
        code=g.code, title=g.title, description=g.description,
        long_term_goal=long_term.get(g.long_term_goal_id) if g.long_term_goal_id else None,
        actions=[d.ActionDoc(description=a.description, responsible=a.responsible)
                 for a in actions.get(g.id, [])],
        resources=[d.ResourceDoc(kind=r.kind, description=r.description, amount=r.amount)
                   for r in resources.get(g.id, [])],
        measures=[_measure(m, sa, providers, targets.get(m.id, []), placed.get(m.id, []))
                  for m in measures.get(g.id, [])],
    ) for g in found]
    return d.ServiceAgreementDoc(
        **_marks(session, sa), code=sa.code, provider=providers[sa.provider_id],
        boards=[boards[b.id] for b in sorted(sa.boards, key=lambda b: b.id)], year=sa.year,
        title=sa.title, description=sa.description, steering=sa.steering, goals=goals)


def _measure(m: Measure, sa: ServiceAgreement, providers: dict[int, str],
             targets: list[MeasureTarget], values: list[IndicatorValue]) -> d.MeasureDoc:
    has_range = m.min_value is not None or m.max_value is not None
    return d.MeasureDoc(
        code=m.code, name=m.name, unit=m.unit, direction=m.direction,
        baseline=d.BaselineDoc(value=m.baseline_value, year=m.baseline_year)
        if m.baseline_value is not None and m.baseline_year is not None else None,
        targets={t.year: t.value for t in targets},
        tolerance=m.tolerance, frequency=m.frequency, rollup=m.rollup,
        # Written only when chosen apart from the roll-up's default, as files leave it out.
        comparison=m.comparison if m.comparison != DEFAULT_COMPARISON[m.rollup] else None,
        range=d.RangeDoc(min=m.min_value, max=m.max_value) if has_range else None,
        source=m.source,
        sotkanet=d.SotkanetDoc(indicator=m.sotkanet_indicator_id, region=m.sotkanet_region_id)
        if m.sotkanet_indicator_id and m.sotkanet_region_id else None,
        provider=providers[m.provider_id] if m.provider_id != sa.provider_id else None,
        indicator=m.indicator_code,
        reward=d.RewardDoc.model_validate(m.reward, from_attributes=True) if m.reward else None,
        values=[d.ValueDoc(period=v.period, value=v.value, comment=v.comment) for v in values],
    )


def version_doc(session: Session, user: User, obj: Agreement
                ) -> d.FrameworkAgreementDoc | d.OrderBudgetDoc | d.ServiceAgreementDoc:
    """One stored version as an export describes it, without reported values (to compare a
    file's document with)."""
    mid = obj.municipality_id
    boards = _codes(session, Board, mid)
    if isinstance(obj, FrameworkAgreement):
        return _framework(session, user, obj, boards)
    providers = _codes(session, Provider, mid)
    if isinstance(obj, OrderBudget):
        return _budget(session, user, obj, boards[obj.board_id], _codes(session, Product, mid),
                       providers)
    sa = session.scalars(select(ServiceAgreement).options(selectinload(ServiceAgreement.boards))
                         .where(ServiceAgreement.id == obj.id)).one()
    return _service_agreement(session, user, sa, boards, providers, {})
