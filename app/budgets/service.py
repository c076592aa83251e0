"""Domain rules of order budgets: line totals and the totals per provider and product group."""

from collections import defaultdict
from decimal import Decimal
from typing import Any, NoReturn

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.agreements.models import ServiceAgreement
from app.auth.authz import scope
from app.auth.models import User
from app.budgets.models import OrderBudget, OrderBudgetLine
from app.budgets.schemas import OrderBudgetTotals, ProductGroupTotal, ProviderTotal
from app.catalogue.models import Product, ProductGroup
from app.core import access
from app.core.errors import InvalidInput
from app.core.i18n import N_, t
from app.core.types import euros
from app.organisations.models import Provider


def line_total(volume: Decimal, unit_price: Decimal) -> Decimal:
    """An order line's total is its volume times its unit price, in cents."""
    return euros(volume * unit_price)


def line_rules(_: Session, line: OrderBudgetLine, __: dict[str, Any]) -> None:
    """A line is in exactly one form: volume × unit price, an appropriation in euros, or
    priced by a price list (whose items' rules, app.pricelists, keep its total)."""
    if line.price_list_id is not None:
        for name in ("volume", "unit_price", "appropriation"):
            if getattr(line, name) is not None:
                _refuse(N_("detail_line_priced_by_list"), name)
        line.total = line.total if line.total is not None else Decimal("0.00")
        return
    if line.appropriation is not None:
        for name in ("volume", "unit_price"):
            if getattr(line, name) is not None:
                _refuse(N_("detail_line_two_forms"), name)
        line.total = euros(Decimal(line.appropriation))
        return
    if line.volume is None:
        _refuse(N_("detail_line_needs_volume_or_appropriation"), "volume")
    elif line.unit_price is None:
        _refuse(N_("detail_line_needs_volume_or_appropriation"), "unit_price")
    else:
        line.total = line_total(Decimal(line.volume), Decimal(line.unit_price))


def _refuse(key: str, name: str) -> NoReturn:
    values = {"field": name}
    raise InvalidInput(t(key, "en", **values), field=name, message=(key, values))


def agreement_budget_rule(session: Session, agreement: ServiceAgreement, _: dict[str, Any]
                          ) -> None:
    """A service agreement's order budget is of the agreement's year."""
    if agreement.order_budget_id is not None:
        budget = session.get_one(OrderBudget, agreement.order_budget_id)
        if budget.year != agreement.year:
            raise InvalidInput(
                f"the order budget is for {budget.year}, "
                f"the agreement for {agreement.year}",
                field="order_budget_id",
            )


def totals(session: Session, user: User | None, budget: OrderBudget) -> OrderBudgetTotals:
    rows: list[Any] = session.execute(  # type: ignore[assignment]
        scope(select(OrderBudgetLine, Provider, ProductGroup), OrderBudgetLine, user)
        .join(Provider, Provider.id == OrderBudgetLine.provider_id)
        .join(Product, Product.id == OrderBudgetLine.product_id)
        .join(ProductGroup, ProductGroup.id == Product.product_group_id)
        .where(OrderBudgetLine.order_budget_id == budget.id)
    ).all()
    by_provider: dict[int, Decimal] = defaultdict(Decimal)
    by_group: dict[int, Decimal] = defaultdict(Decimal)
    providers: dict[int, Provider] = {}
    groups: dict[int, ProductGroup] = {}
    for line, provider, group in rows:
        by_provider[provider.id] += line.total
        by_group[group.id] += line.total
        providers[provider.id], groups[group.id] = provider, group
    return OrderBudgetTotals(
        order_budget_id=budget.id,
        total=sum((line.total for line, _, _ in rows), Decimal("0.00")),
        lines=len(rows),
        by_provider=[
            ProviderTotal(provider_id=p.id, code=p.code, name=p.name, total=by_provider[p.id])
            for p in sorted(providers.values(), key=lambda p: p.code)
        ],
        by_product_group=[
            ProductGroupTotal(product_group_id=g.id, code=g.code, name_fi=g.name_fi,
                              total=by_group[g.id])
            for g in sorted(groups.values(), key=lambda g: g.code)
        ],
    )


access.register(OrderBudgetLine, line_rules)
access.add_rule(ServiceAgreement, agreement_budget_rule)
