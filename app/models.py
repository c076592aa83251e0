"""Every model, imported once so that the metadata is complete (Alembic, tests)."""

# The hooks every session runs: the audit trail and the immutability of approved agreements.
import app.agreements.lifecycle
import app.audit.service  # noqa: F401
from app.agreements.models import (
    AgreementTransition,
    FrameworkAgreement,
    LongTermGoal,
    NegotiationComment,
    Perspective,
    ServiceAgreement,
)
from app.audit.models import AuditChainHead, AuditEntry
from app.auth.models import AuthSession, User
from app.budgets.models import OrderBudget, OrderBudgetLine
from app.catalogue.models import Product, ProductGroup, ServiceArea
from app.core.db import Base
from app.goals.models import Action, Goal, Resource
from app.indicators.models import IndicatorValue, Measure, MeasureTarget
from app.organisations.models import Board, Municipality, Provider, PurchaserUnit, Region

__all__ = [
    "Action", "AgreementTransition", "AuditChainHead", "AuditEntry", "AuthSession", "Base",
    "Board", "FrameworkAgreement", "Goal", "IndicatorValue", "LongTermGoal", "Measure",
    "MeasureTarget", "Municipality", "NegotiationComment", "OrderBudget", "OrderBudgetLine",
    "Perspective", "Product", "ProductGroup", "Provider", "PurchaserUnit", "Region", "Resource",
    "ServiceAgreement", "ServiceArea", "User",
]
