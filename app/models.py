"""Every model, imported once so that the metadata is complete (Alembic, tests)."""

from app.agreements.models import FrameworkAgreement, LongTermGoal, Perspective, ServiceAgreement
from app.auth.models import AuthSession, User
from app.budgets.models import Delivery, OrderBudget, OrderBudgetLine
from app.catalogue.models import Product, ProductGroup, ServiceArea
from app.core.db import Base
from app.goals.models import Action, Goal, Resource
from app.indicators.models import IndicatorValue, Measure, MeasureTarget
from app.organisations.models import Board, Municipality, Provider, PurchaserUnit, Region
from app.reports.models import IssuedReport, RenderJob

__all__ = [
    "Action", "AuthSession", "Base", "Board", "Delivery", "FrameworkAgreement", "Goal",
    "IndicatorValue", "IssuedReport", "LongTermGoal", "Measure", "MeasureTarget", "Municipality",
    "OrderBudget", "OrderBudgetLine", "Perspective", "Product", "ProductGroup", "Provider",
    "PurchaserUnit", "Region", "RenderJob", "Resource", "ServiceAgreement", "ServiceArea", "User",
]
