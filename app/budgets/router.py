"""Order budgets and their lines under /api/v1 (their lifecycle routes: app.lifecycle.router)."""

from app.agreements import in_force
from app.auth.policy import Reader
from app.budgets import schemas as s
from app.budgets import service
from app.budgets.models import OrderBudget, OrderBudgetLine
from app.core.access import get_readable
from app.core.db import SessionDep
from app.core.resources import Resource, crud_router
from app.core.types import IdPath

TAG = "budgets"

budgets = crud_router(Resource(
    "/order-budgets", OrderBudget, s.OrderBudgetCreate, s.OrderBudgetUpdate, s.OrderBudgetRead,
    TAG, filters=s.OrderBudgetFilters, order_by=[OrderBudget.year.desc()],
    filter_exprs={"in_force_on": in_force.in_force_filter(OrderBudget)},
))


@budgets.get("/{obj_id}/totals", response_model=s.OrderBudgetTotals,
             summary="Totals of an order budget per provider and product group")
def budget_totals(session: SessionDep, user: Reader, obj_id: IdPath) -> s.OrderBudgetTotals:
    budget = get_readable(session, OrderBudget, obj_id, user)
    return service.totals(session, user, budget)


routers = [
    budgets,
    crud_router(Resource(
        "/order-budget-lines", OrderBudgetLine, s.OrderBudgetLineCreate,
        s.OrderBudgetLineUpdate, s.OrderBudgetLineRead, TAG, filters=s.OrderBudgetLineFilters,
    )),
]
