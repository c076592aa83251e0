"""The importer's part for order budgets (app.contracts.importer): a set's budgets, each with
its earlier versions, and their lines (volume × unit price, or an appropriation in euros) with
the deliveries reported on them."""

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.budgets.models import Delivery, OrderBudget, OrderBudgetLine
from app.budgets.service import line_rules
from app.catalogue.models import Product
from app.contracts import schema as d
from app.contracts.price_lists import import_deliveries, import_line_items
from app.contracts.versions import VersionSteps
from app.core.i18n import N_
from app.core.periods import parse_period
from app.organisations.models import Provider
from app.pricelists.models import PriceList
from app.submissions.deliveries import delivery_rules


class BudgetSteps(VersionSteps):
    """Order budgets of a set; the plumbing is the importer's (app.contracts.importer)."""

    municipality_id: int

    def upsert(self, model: Any, key: dict[str, Any], values: dict[str, Any],
               rules: Callable[[Session, Any, dict[str, Any]], None] | None = None,
               path: str = "") -> Any:
        raise NotImplementedError

    def code_map(self, model: Any) -> dict[str, int]:
        raise NotImplementedError

    def at(self, path: str) -> AbstractContextManager[None]:
        raise NotImplementedError

    def ref(self, codes: dict[str, int], code: str | None, what: str, path: str) -> int | None:
        raise NotImplementedError

    def budgets(self, doc: d.AgreementSet, earlier: d.EarlierVersionsDoc,
                boards: dict[str, int]) -> dict[tuple[str, int], OrderBudget]:
        """The file's order budgets (each with its earlier versions), by board code and year."""
        main = ([(doc.order_budget, "order_budget")] if doc.order_budget is not None else []) + \
            [(ob, f"order_budgets[{i}]") for i, ob in enumerate(doc.order_budgets)]
        out: dict[tuple[str, int], OrderBudget] = {}
        keys = {(ob.board, ob.year) for ob, _ in main}
        for i, e in enumerate(earlier.order_budgets):
            if (e.board, e.year) not in keys:
                self.refuse(f"earlier_versions.order_budgets[{i}]",
                            N_("import_earlier_budget_alone"), board=e.board, year=e.year)
        seen: set[tuple[str, int]] = set()
        for ob, path in main:
            if (ob.board, ob.year) in seen:
                self.refuse(f"{path}.year", N_("import_second_budget"), board=ob.board,
                            year=ob.year)
                continue
            seen.add((ob.board, ob.year))
            versions = [(e, f"earlier_versions.order_budgets[{i}]")
                        for i, e in enumerate(earlier.order_budgets)
                        if (e.board, e.year) == (ob.board, ob.year)] + [(ob, path)]
            budget = self.chain(OrderBudget, [
                OrderBudget.board_id == boards.get(ob.board), OrderBudget.year == ob.year],
                versions, lambda doc, path, n: self.budget(doc, path, n, boards),
                self.stored_deliveries)
            if budget is not None:
                out[(ob.board, ob.year)] = budget
        return out

    def budget(self, b: d.OrderBudgetDoc, bpath: str, version: int, boards: dict[str, int]
               ) -> Any:
        board_id = self.ref(boards, b.board, "board", f"{bpath}.board")
        if board_id is None:
            return None
        budget = self.upsert(OrderBudget, {"board_id": board_id, "year": b.year,
                                           "version": version}, {"title": b.title})
        products, providers = self.code_map(Product), self.code_map(Provider)
        seen: set[tuple[int, int]] = set()
        for i, line in enumerate(b.lines):
            path = f"{bpath}.lines[{i}]"
            product = self.ref(products, line.product, "product", f"{path}.product")
            provider = self.ref(providers, line.provider, "provider", f"{path}.provider")
            if product is None or provider is None:
                continue
            if (product, provider) in seen:
                self.refuse(path, N_("import_second_line"), product=line.product,
                            provider=line.provider)
                continue
            seen.add((product, provider))
            price_list = self._price_list(line, b.year, f"{path}.price_list")
            if line.price_list is not None and price_list is None:
                continue
            row = self.upsert(OrderBudgetLine, {"order_budget_id": budget.id,
                                                "product_id": product, "provider_id": provider}, {
                "volume": line.volume, "unit_price": line.unit_price,
                "appropriation": line.appropriation, "price_list_id": price_list,
                "carry_over": line.carry_over_from_previous_year,
                "population_moment": line.population_moment, "age_segment": line.age_segment,
            }, line_rules, path)
            import_line_items(self, row, line, path)
            self.deliveries(row, line, path)
        for stored in self.session.scalars(
            select(OrderBudgetLine).where(OrderBudgetLine.order_budget_id == budget.id)
        ):
            if (stored.product_id, stored.provider_id) not in seen:  # removed from the file
                self.session.delete(stored)
                self.result.updated += 1
        return budget

    def stored_deliveries(self, budget: OrderBudget, b: d.OrderBudgetDoc, path: str) -> None:
        """The deliveries in the document of an approved version the file does not change."""
        products, providers = self.code_map(Product), self.code_map(Provider)
        lines = {(ln.product_id, ln.provider_id): ln for ln in self.session.scalars(
            select(OrderBudgetLine).where(OrderBudgetLine.order_budget_id == budget.id))}
        for i, line in enumerate(b.lines):
            stored = lines.get((products.get(line.product, 0), providers.get(line.provider, 0)))
            if stored is not None:
                import_deliveries(self, stored, line, f"{path}.lines[{i}]")
                self.deliveries(stored, line, f"{path}.lines[{i}]")

    def deliveries(self, stored: OrderBudgetLine, line: d.OrderLineDoc, path: str) -> None:
        """The line's reported deliveries (one per period; those not in the file stay, as a
        measure's values do)."""
        for i, delivery in enumerate(line.deliveries):
            period = parse_period(delivery.period)
            self.upsert(Delivery, {"order_budget_line_id": stored.id, "period": period.code}, {
                "period_start": period.start, "period_end": period.end,
                "volume": delivery.volume, "euros": delivery.euros, "comment": delivery.comment,
            }, delivery_rules, f"{path}.deliveries[{i}]")

    def _price_list(self, line: d.OrderLineDoc, year: int, path: str) -> int | None:
        if line.price_list is None:
            return None
        found: int | None = self.session.scalar(select(PriceList.id).where(
            PriceList.municipality_id == self.municipality_id,
            PriceList.code == line.price_list, PriceList.year == year))
        if found is None:
            self.error(path, f"no price list {line.price_list} of {year} (in price_lists)")
        return found
