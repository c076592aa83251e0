"""Every model, hook and rule, imported once: the metadata is complete (Alembic, tests) and a
session may be opened (app.core.db.get_sessionmaker refuses one before this is imported)."""

# The hooks every session runs: the audit trail and the immutability of approved agreements.
# The rules each feature registers with app.core.access, and the access policy they run under.
import app.agreements.service
import app.audit.capture
import app.auth.policy
import app.budgets.service
import app.goals.service
import app.indicators.service
import app.lifecycle.immutability
import app.organisations.service
import app.pricelists.service
import app.submissions.calendar  # registers its crud rules, as do deliveries and values
import app.submissions.deliveries
import app.submissions.values
import app.vouchers.service  # noqa: F401
from app.agreements.models import (
    AgreementTransition,
    FrameworkAgreement,
    LongTermGoal,
    NegotiationComment,
    Perspective,
    ServiceAgreement,
)
from app.audit.models import AuditChainHead, AuditEntry
from app.auth.models import AccessLogEntry, ApiToken, AuthSession, User
from app.budgets.models import Delivery, OrderBudget, OrderBudgetLine
from app.catalogue.models import Product, ProductGroup, ServiceArea
from app.core.db import Base, mark_assembled
from app.goals.models import Action, Goal, Resource
from app.indicators.models import IndicatorValue, Measure, MeasureTarget
from app.organisations.models import Board, Municipality, Provider, PurchaserUnit, Region
from app.pricelists.models import ItemDelivery, OrderLineItem, PriceCoefficient, PriceItem, PriceList
from app.reminders.models import ReminderDigest, ReminderItem
from app.reports.models import IssuedReport, RenderJob
from app.submissions.models import (
    BulkJob,
    DeviationNote,
    IdempotencyKey,
    IndicatorValueRevision,
    ReportingDeadline,
)
from app.vouchers.models import VoucherProvider, VoucherReport, VoucherScheme, VoucherValue

__all__ = [
    "AccessLogEntry",
    "Action",
    "AgreementTransition",
    "ApiToken",
    "AuditChainHead",
    "AuditEntry",
    "AuthSession",
    "Base",
    "Board",
    "BulkJob",
    "Delivery",
    "DeviationNote",
    "FrameworkAgreement",
    "Goal",
    "IdempotencyKey",
    "IndicatorValue",
    "IndicatorValueRevision",
    "IssuedReport",
    "ItemDelivery",
    "LongTermGoal",
    "Measure",
    "MeasureTarget",
    "Municipality",
    "NegotiationComment",
    "OrderBudget",
    "OrderBudgetLine",
    "OrderLineItem",
    "Perspective",
    "PriceCoefficient",
    "PriceItem",
    "PriceList",
    "Product",
    "ProductGroup",
    "Provider",
    "PurchaserUnit",
    "Region",
    "ReminderDigest",
    "ReminderItem",
    "RenderJob",
    "ReportingDeadline",
    "Resource",
    "ServiceAgreement",
    "ServiceArea",
    "User",
    "VoucherProvider",
    "VoucherReport",
    "VoucherScheme",
    "VoucherValue",
]

mark_assembled(__name__)
