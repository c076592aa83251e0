"""Import an agreement set (contracts/ YAML) into the database: all or nothing, idempotent.

Objects are matched by their natural keys (codes, years, periods), so importing the same file
twice changes nothing and importing an edited file updates what changed. Every domain rule of
the API applies; every error is collected with its path in the file, and on any error nothing
is stored. Agreement versions (which one a document describes, amendments drafted from a
changed file, approved versions never changed in place): app.contracts.versions.
"""

from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from app.agreements.models import FrameworkAgreement, LongTermGoal, Perspective, ServiceAgreement
from app.agreements.service import framework_rules, service_agreement_rules
from app.auth.models import User
from app.budgets.models import OrderBudget
from app.catalogue.models import Product, ProductGroup, ServiceArea
from app.contracts import schema as d
from app.contracts.budget_import import BudgetSteps
from app.contracts.loading import ImportFailed, parse
from app.contracts.price_lists import import_price_lists
from app.contracts.upserts import ImportResult, Upserts, same
from app.contracts.versions import by_code, docs_of, measure_in_force
from app.contracts.voucher_sets import import_schemes
from app.core.audit import set_actor
from app.core.i18n import N_
from app.goals.models import Action, Goal, Resource
from app.goals.service import goal_rules
from app.indicators.models import (
    DEFAULT_COMPARISON,
    IndicatorValue,
    Measure,
    MeasureTarget,
    ValueStatus,
)
from app.indicators.service import REWARD_COLUMNS, measure_rules, value_rules
from app.organisations.models import Board, Municipality, Provider, PurchaserUnit, Region
from app.organisations.service import provider_rules
from app.submissions.ledger import revision
from app.submissions.models import IndicatorValueRevision


class Importer(Upserts, BudgetSteps):
    """An agreement set walked document by document, all or nothing."""

    # -- the document -------------------------------------------------------------------------
    def run(self, doc: d.AgreementSet) -> ImportResult:
        m = doc.municipality
        municipality = self.upsert(Municipality, {"code": m.code},
                                   {"name_fi": m.name_fi, "name_sv": m.name_sv})
        self.municipality_id = municipality.id
        mid = {"municipality_id": municipality.id}
        for b in doc.boards:
            self.upsert(Board, {**mid, "code": b.code}, {"name_fi": b.name_fi, "name_sv": b.name_sv})
        for r in doc.regions:
            self.upsert(Region, {**mid, "code": r.code}, {"name_fi": r.name_fi, "name_sv": r.name_sv})
        boards, regions = self.code_map(Board), self.code_map(Region)
        for i, u in enumerate(doc.purchaser_units):
            self.upsert(PurchaserUnit, {**mid, "code": u.code}, {
                "name_fi": u.name_fi, "name_sv": u.name_sv,
                "board_id": self.ref(boards, u.board, "board", f"purchaser_units[{i}].board")})
        for i, p in enumerate(doc.providers):
            self.upsert(Provider, {**mid, "code": p.code}, {
                "name": p.name, "kind": p.kind, "business_id": p.business_id,
                "region_id": self.ref(regions, p.region, "region", f"providers[{i}].region"),
            }, provider_rules, f"providers[{i}]")
        for area in doc.catalogue:
            sa = self.upsert(ServiceArea, {**mid, "code": area.code},
                             {"name_fi": area.name_fi, "name_sv": area.name_sv})
            for group in area.product_groups:
                pg = self.upsert(ProductGroup, {**mid, "code": group.code}, {
                    "name_fi": group.name_fi, "name_sv": group.name_sv, "service_area_id": sa.id})
                for prod in group.products:
                    self.upsert(Product, {**mid, "code": prod.code}, {
                        "name_fi": prod.name_fi, "name_sv": prod.name_sv, "unit": prod.unit,
                        "product_group_id": pg.id})
        earlier = doc.earlier_versions or d.EarlierVersionsDoc()
        framework = None
        if (f := doc.framework_agreement) is not None:
            framework = self.chain(FrameworkAgreement, [
                FrameworkAgreement.board_id == boards.get(f.board),
                FrameworkAgreement.first_year == f.first_year],
                docs_of(earlier.framework_agreements, "framework_agreements",
                        [(f, "framework_agreement")]),
                lambda doc, path, n: self.framework(doc, path, n, boards))
        import_price_lists(self, doc.price_lists)  # before the budgets: lines are priced by them
        budgets = self.budgets(doc, earlier, boards)
        import_schemes(self, doc.voucher_schemes)
        result: ImportResult = self.result
        if doc.framework_agreement is not None and framework is None:
            return result
        for code, docs in by_code(doc.service_agreements, earlier.service_agreements).items():
            self.chain(ServiceAgreement, [ServiceAgreement.municipality_id == self.municipality_id,
                                          ServiceAgreement.code == code], docs,
                       lambda doc, path, n: self.service_agreement(doc, path, n, framework,
                                                                   budgets, boards),
                       self.stored_values)
        return result

    def framework(self, f: d.FrameworkAgreementDoc, fpath: str, version: int,
                  boards: dict[str, int]) -> Any:
        board_id = self.ref(boards, f.board, "board", f"{fpath}.board")
        if board_id is None:
            return None
        fa = self.upsert(FrameworkAgreement, {"board_id": board_id, "first_year": f.first_year,
                                              "version": version},
                         {"title": f.title, "description": f.description,
                          "last_year": f.last_year}, framework_rules, fpath)
        for pi, p in enumerate(f.perspectives):
            path = f"{fpath}.perspectives[{pi}]"
            persp = self.upsert(Perspective, {"framework_agreement_id": fa.id, "position": pi + 1},
                                {"name_fi": p.name_fi, "name_sv": p.name_sv})
            for gi, g in enumerate(p.goals):
                gpath = f"{path}.goals[{gi}]"
                goal = self.upsert(LongTermGoal, {"perspective_id": persp.id, "code": g.code}, {
                    "title": g.title, "actions": g.actions, "evaluation": g.evaluation,
                    "resources": [r.value for r in g.resources]})
                ids = [self.ref(boards, c, "board", f"{gpath}.boards[{j}]")
                       for j, c in enumerate(g.boards)]
                self._set_boards(goal, LongTermGoal, [i for i in ids if i is not None])
        return fa

    def _set_boards(self, obj: Any, model: Any, board_ids: list[int]) -> None:
        loaded = self.session.scalar(
            select(model).where(model.id == obj.id).options(selectinload(model.boards))
        )
        assert loaded is not None
        if sorted(b.id for b in loaded.boards) != sorted(board_ids):
            loaded.boards = list(self.session.scalars(select(Board).where(Board.id.in_(board_ids))))
            self.result.updated += 1
            self.session.flush()

    def service_agreement(self, s: d.ServiceAgreementDoc, path: str, version: int,
                          framework: Any, budgets: dict[tuple[str, int], OrderBudget],
                          boards: dict[str, int]) -> Any:
        provider = self.ref(self.code_map(Provider), s.provider, "provider", f"{path}.provider")
        if provider is None:
            return None
        key = {"municipality_id": self.municipality_id, "code": s.code, "version": version}
        stored = self.session.scalar(select(ServiceAgreement).filter_by(**key))
        # The budget of its year of the first of its boards that has one in the file.
        budget = next((budgets[(b, s.year)] for b in s.boards if (b, s.year) in budgets), None)
        sa = self.upsert(ServiceAgreement, key, {  # a stored version keeps its framework version
            "framework_agreement_id": stored.framework_agreement_id if stored
            else framework.id if framework is not None else None,
            "provider_id": provider, "year": s.year,
            "title": s.title, "description": s.description, "steering": s.steering,
            "order_budget_id": stored.order_budget_id if stored and stored.order_budget_id
            else budget.id if budget is not None else None,
        }, service_agreement_rules, path)
        ids = [self.ref(boards, c, "board", f"{path}.boards[{j}]") for j, c in enumerate(s.boards)]
        self._set_boards(sa, ServiceAgreement, [i for i in ids if i is not None])
        long_term = dict(self.session.execute(
            select(LongTermGoal.code, LongTermGoal.id).join(Perspective)
            .where(Perspective.framework_agreement_id == sa.framework_agreement_id)).all())
        providers = self.code_map(Provider)
        for gpath, g in self.once(s.goals, f"{path}.goals", "goal", "in the agreement"):
            goal = self.upsert(Goal, {"service_agreement_id": sa.id, "code": g.code}, {
                "title": g.title, "description": g.description,
                "long_term_goal_id": self.ref(long_term, g.long_term_goal, "long-term goal",
                                              f"{gpath}.long_term_goal"),
            }, goal_rules, gpath)
            self.replace_children(Action, "goal_id", goal.id, [
                {"position": j, "description": a.description, "responsible": a.responsible}
                for j, a in enumerate(g.actions)], ("position", "description", "responsible"))
            self.replace_children(Resource, "goal_id", goal.id, [
                {"kind": r.kind, "description": r.description, "amount": r.amount}
                for r in g.resources], ("kind", "description", "amount"))
            self.measures(g, gpath, goal, providers, provider)
        return sa

    def stored_values(self, sa: ServiceAgreement, s: d.ServiceAgreementDoc, path: str) -> None:
        """The values in the document of an approved version the file does not change."""
        rows = self.session.execute(select(Goal.code, Measure).join(
            Measure, Measure.goal_id == Goal.id).where(Goal.service_agreement_id == sa.id))
        measures: dict[tuple[str, str], Measure] = {(g, m.code): m for g, m in rows}
        for gi, g in enumerate(s.goals):
            for mi, m in enumerate(g.measures):
                measure = measures.get((g.code, m.code))
                for vi, v in enumerate(m.values if measure is not None else []):
                    assert measure is not None
                    self.value(measure, v.period, v.value, v.comment,
                               f"{path}.goals[{gi}].measures[{mi}].values[{vi}]")

    def measures(self, g: d.GoalDoc, gpath: str, goal: Goal, providers: dict[str, int],
                 agreement_provider: int) -> None:
        for mpath, m in self.once(g.measures, f"{gpath}.measures", "measure", f"in goal {g.code}"):
            targets = [{"year": y, "value": v} for y, v in sorted(m.targets.items())]
            values = {
                "name": m.name, "unit": m.unit, "direction": m.direction,
                "baseline_value": m.baseline.value if m.baseline else None,
                "baseline_year": m.baseline.year if m.baseline else None,
                "tolerance": m.tolerance, "frequency": m.frequency, "rollup": m.rollup,
                "comparison": m.comparison or DEFAULT_COMPARISON[m.rollup],
                "min_value": m.range.min if m.range else None,
                "max_value": m.range.max if m.range else None, "source": m.source,
                "sotkanet_indicator_id": m.sotkanet.indicator if m.sotkanet else None,
                "sotkanet_region_id": m.sotkanet.region if m.sotkanet else None,
                "indicator_code": m.indicator,
                "provider_id": self.ref(providers, m.provider, "provider", f"{mpath}.provider")
                if m.provider else agreement_provider,
                **reward_columns(m.reward),
            }
            errors_before = len(self.result.errors)

            def rules(session: Session, obj: Any, vals: dict[str, Any],
                      targets: list[dict[str, Any]] = targets) -> None:
                measure_rules(session, obj, {**vals, "targets": targets})

            measure = self.upsert(Measure, {"goal_id": goal.id, "code": m.code}, values, rules, mpath)
            if len(self.result.errors) > errors_before:
                continue
            self.replace_children(MeasureTarget, "measure_id", measure.id, targets,
                                  ("year", "value"))
            for vi, v in enumerate(m.values):
                self.value(measure, v.period, v.value, v.comment, f"{mpath}.values[{vi}]")

    def value(self, measure: Measure, period: str, value: Decimal, comment: str | None,
              path: str) -> None:
        """A reported value; a change to a stored one is kept in its history like a
        correction, and an accepted one is not changed at all (review closed it)."""
        stored = self.session.scalar(select(IndicatorValue).filter_by(lineage=measure.lineage,
                                                                      period=period))
        if stored is not None and (not same(stored.value, value) or stored.comment != comment):
            if stored.status is ValueStatus.accepted:
                self.refuse(path, N_("import_value_accepted"), measure=measure.code,
                            period=period)
                return
            self.session.add(IndicatorValueRevision(**revision(
                stored, municipality_id=stored.municipality_id, by=self.actor, new_value=value,
                new_comment=comment, new_status=stored.status, reason="contracts import")))
        # A value belongs to the measure's lineage; a new one is reported against the version
        # in force for its period.
        key: dict[str, Any] = {"lineage": measure.lineage, "period": period}
        if stored is None:
            in_force_id = measure_in_force(self.session, measure, period)
            if in_force_id is None:
                self.refuse(path, N_("import_measure_new_in_draft"), measure=measure.code,
                            period=period)
                return
            key["measure_id"] = in_force_id
        self.upsert(IndicatorValue, key, {"value": value, "comment": comment}, value_rules, path)


def reward_columns(reward: d.RewardDoc | None) -> dict[str, Any]:
    """A measure's reward as its columns (none: every column empty)."""
    given = reward.model_dump() if reward is not None else {}
    return {column: given.get(key) for key, column in REWARD_COLUMNS.items()}


def import_text(session: Session, actor: User, text: str, source: str = "",
                doc: d.AgreementSet | None = None, lang: str = "en") -> ImportResult:
    """Import one file (``doc``: its parse, if the caller has it) inside a savepoint: on any
    error nothing of it stays; ``lang``: the language of the amendments' diffs."""
    doc = doc or parse(text, source)
    set_actor(session, actor.username)  # the audit trail's "who"
    importer = Importer(session, actor, text)
    importer.lang = lang
    with session.begin_nested() as savepoint:
        result = importer.run(doc)
        if result.errors:
            savepoint.rollback()
            raise ImportFailed(result.errors, source, result.words)
    return result

