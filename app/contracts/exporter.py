"""Export an agreement set from the database as contracts/ YAML (the inverse of the import)."""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from app.agreements.models import FrameworkAgreement, LongTermGoal, Perspective, ServiceAgreement
from app.auth.authz import scope
from app.auth.models import User
from app.budgets.models import OrderBudget, OrderBudgetLine
from app.catalogue.models import Product, ProductGroup, ServiceArea
from app.contracts import schema as d
from app.core.errors import NotFound
from app.goals.models import Action, Goal, Resource
from app.indicators.models import IndicatorValue, Measure, MeasureTarget
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


def _codes(session: Session, model: Any, municipality_id: int) -> dict[int, str]:
    return dict(session.execute(select(model.id, model.code)
                                .where(model.municipality_id == municipality_id)).all())


def build(session: Session, user: User, municipality_code: str, board_code: str, year: int
          ) -> d.AgreementSet:
    """The agreement set as ``user`` may read it: a framework (or an agreement, a budget line,
    a value) he cannot see is not exported, as a read of it would answer 404."""
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
    if framework is None:
        raise NotFound(f"No framework agreement of {board_code} covers {year}")
    boards, regions = _codes(session, Board, mid), _codes(session, Region, mid)
    providers, products = _codes(session, Provider, mid), _codes(session, Product, mid)
    agreements = list(session.scalars(
        scope(select(ServiceAgreement), ServiceAgreement, user)
        .options(selectinload(ServiceAgreement.boards))
        .where(ServiceAgreement.framework_agreement_id == framework.id,
               ServiceAgreement.year == year).order_by(ServiceAgreement.id)))
    content = _content(session, user, framework.id, agreements)
    budget = session.scalar(scope(select(OrderBudget), OrderBudget, user).where(
        OrderBudget.board_id == board.id, OrderBudget.year == year
    ).order_by(OrderBudget.version.desc()))
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
        framework_agreement=_framework(session, user, framework, boards),
        order_budget=d.OrderBudgetDoc(
            board=board.code, year=budget.year, title=budget.title,
            lines=[d.OrderLineDoc(product=products[line.product_id],
                                  provider=providers[line.provider_id], volume=line.volume,
                                  unit_price=line.unit_price,
                                  population_moment=line.population_moment,
                                  age_segment=line.age_segment)
                   for line in _all(session, user, OrderBudgetLine,
                                    OrderBudgetLine.order_budget_id == budget.id)],
        ) if budget else None,
        service_agreements=[_service_agreement(sa, content, boards, providers)
                            for sa in agreements],
    )


def _grouped(session: Session, user: User, model: Any, column: Any, parents: Iterable[int],
             *order_by: Any) -> dict[int, list[Any]]:
    """The readable rows of ``model`` under each of ``parents`` (``column`` names the parent), in
    one query, each parent's in id order (or ``order_by``)."""
    groups: dict[int, list[Any]] = defaultdict(list)
    ids = sorted(set(parents))
    if ids:
        for row in session.scalars(scope(select(model), model, user).where(column.in_(ids))
                                   .order_by(*(order_by or (model.id,)))):
            groups[getattr(row, column.key)].append(row)
    return groups


def _catalogue(session: Session, user: User, mid: int) -> list[d.ServiceAreaDoc]:
    areas = _all(session, user, ServiceArea, ServiceArea.municipality_id == mid)
    groups = _grouped(session, user, ProductGroup, ProductGroup.service_area_id,
                      (a.id for a in areas))
    products = _grouped(session, user, Product, Product.product_group_id,
                        (g.id for gs in groups.values() for g in gs))
    return [
        d.ServiceAreaDoc(code=a.code, name_fi=a.name_fi, name_sv=a.name_sv, product_groups=[
            d.ProductGroupDoc(code=g.code, name_fi=g.name_fi, name_sv=g.name_sv, products=[
                d.ProductDoc(code=p.code, name_fi=p.name_fi, name_sv=p.name_sv, unit=p.unit)
                for p in products[g.id]])
            for g in groups[a.id]])
        for a in areas
    ]


def _framework(session: Session, user: User, fa: FrameworkAgreement, boards: dict[int, str]
               ) -> d.FrameworkAgreementDoc:
    perspectives = list(session.scalars(scope(select(Perspective), Perspective, user).where(
        Perspective.framework_agreement_id == fa.id).order_by(Perspective.position)))
    goals: dict[int, list[LongTermGoal]] = defaultdict(list)
    for g in session.scalars(scope(select(LongTermGoal), LongTermGoal, user)
                             .options(selectinload(LongTermGoal.boards))
                             .where(LongTermGoal.perspective_id.in_([p.id for p in perspectives]))
                             .order_by(LongTermGoal.id)):
        goals[g.perspective_id].append(g)
    return d.FrameworkAgreementDoc(
        board=boards[fa.board_id], title=fa.title, description=fa.description,
        first_year=fa.first_year, last_year=fa.last_year, perspectives=[
            d.PerspectiveDoc(name_fi=p.name_fi, name_sv=p.name_sv, goals=[
                d.LongTermGoalDoc(code=g.code, title=g.title, actions=g.actions,
                                  boards=[boards[b.id] for b in sorted(g.boards, key=lambda b: b.id)],
                                  resources=list(g.resources), evaluation=g.evaluation)
                for g in goals[p.id]])
            for p in perspectives])


@dataclass
class _Content:
    """The goals, actions, resources, measures, targets and values of the exported service
    agreements, each kind read in one query and grouped by its parent's id."""

    long_term: dict[int, str]
    goals: dict[int, list[Goal]]
    actions: dict[int, list[Action]]
    resources: dict[int, list[Resource]]
    measures: dict[int, list[Measure]]
    targets: dict[int, list[MeasureTarget]]
    values: dict[int, list[IndicatorValue]]


def _content(session: Session, user: User, framework_id: int, agreements: list[ServiceAgreement]
             ) -> _Content:
    goals = _grouped(session, user, Goal, Goal.service_agreement_id, (a.id for a in agreements))
    goal_ids = [g.id for gs in goals.values() for g in gs]
    measures = _grouped(session, user, Measure, Measure.goal_id, goal_ids)
    measure_ids = [m.id for ms in measures.values() for m in ms]
    return _Content(
        long_term=dict(session.execute(select(LongTermGoal.id, LongTermGoal.code).join(Perspective)
                                       .where(Perspective.framework_agreement_id == framework_id)
                                       ).all()),
        goals=goals,
        actions=_grouped(session, user, Action, Action.goal_id, goal_ids, Action.position,
                         Action.id),
        resources=_grouped(session, user, Resource, Resource.goal_id, goal_ids),
        measures=measures,
        targets=_grouped(session, user, MeasureTarget, MeasureTarget.measure_id, measure_ids,
                         MeasureTarget.year),
        values=_grouped(session, user, IndicatorValue, IndicatorValue.measure_id,
                        measure_ids),  # file order
    )


def _service_agreement(sa: ServiceAgreement, content: _Content, boards: dict[int, str],
                       providers: dict[int, str]) -> d.ServiceAgreementDoc:
    long_term = content.long_term
    goals = [d.GoalDoc(
        code=g.code, title=g.title, description=g.description,
        long_term_goal=long_term.get(g.long_term_goal_id) if g.long_term_goal_id else None,
        actions=[d.ActionDoc(description=a.description, responsible=a.responsible)
                 for a in content.actions[g.id]],
        resources=[d.ResourceDoc(kind=r.kind, description=r.description, amount=r.amount)
                   for r in content.resources[g.id]],
        measures=[_measure(m, sa, content, providers) for m in content.measures[g.id]],
    ) for g in content.goals[sa.id]]
    return d.ServiceAgreementDoc(
        code=sa.code, provider=providers[sa.provider_id],
        boards=[boards[b.id] for b in sorted(sa.boards, key=lambda b: b.id)], year=sa.year,
        title=sa.title, description=sa.description, goals=goals)


def _measure(m: Measure, sa: ServiceAgreement, content: _Content, providers: dict[int, str]
             ) -> d.MeasureDoc:
    has_range = m.min_value is not None or m.max_value is not None
    return d.MeasureDoc(
        code=m.code, name=m.name, unit=m.unit, direction=m.direction,
        baseline=d.BaselineDoc(value=m.baseline_value, year=m.baseline_year)
        if m.baseline_value is not None and m.baseline_year is not None else None,
        targets={t.year: t.value for t in content.targets[m.id]},
        tolerance=m.tolerance, frequency=m.frequency, rollup=m.rollup,
        range=d.RangeDoc(min=m.min_value, max=m.max_value) if has_range else None,
        source=m.source,
        sotkanet=d.SotkanetDoc(indicator=m.sotkanet_indicator_id, region=m.sotkanet_region_id)
        if m.sotkanet_indicator_id and m.sotkanet_region_id else None,
        provider=providers[m.provider_id] if m.provider_id != sa.provider_id else None,
        values=[d.ValueDoc(period=v.period, value=v.value, comment=v.comment)
                for v in content.values[m.id]],
    )
