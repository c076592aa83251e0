"""The contracts/ file format: one YAML document per agreement set.

A set is what one board agrees for a framework period: the municipality, the boards, units,
regions, providers and products it refers to, the framework agreement (puitesopimus) with its
perspectives and long-term goals, if the set has one, the order budgets (tilausbudjetti) with
their lines, and the service agreements (palvelusopimukset) with goals, actions, resources, measures,
targets and reported values. Everything is referred to by code, never by database id.
"""

from datetime import date
from decimal import Decimal
from typing import Annotated

from pydantic import ConfigDict, Field, StringConstraints, model_validator
from pydantic.config import JsonDict

from app.agreements.models import AgreementStatus, ResourceKind, Steering
from app.budgets.models import AgeSegment, PopulationMoment
from app.contracts.doc import Doc
from app.contracts.price_list_docs import ItemDeliveryDoc, LineItemDoc, PriceListDoc
from app.contracts.voucher_docs import VoucherSchemeDoc
from app.core.periods import Frequency
from app.core.types import Code, Money, Name, Quantity, Text, Value, Year
from app.indicators.models import Comparison, DataSource, Direction, RewardKind, Rollup
from app.indicators.schemas import Percent, PeriodCode, SotkanetId, Tolerance
from app.lifecycle.schemas import ArticleNumber, RegisterId
from app.organisations.models import ProviderKind
from app.organisations.schemas import BusinessId, MunicipalityCode


class MunicipalityDoc(Doc):
    code: MunicipalityCode = Field(description="Statistics Finland's number, e.g. '109'")
    name_fi: Name
    name_sv: Name | None = None


class BoardDoc(Doc):
    code: Code
    name_fi: Name
    name_sv: Name | None = None


class PurchaserUnitDoc(Doc):
    code: Code
    name_fi: Name
    name_sv: Name | None = None
    board: Code | None = None


class RegionDoc(Doc):
    code: Code
    name_fi: Name
    name_sv: Name | None = None


class ProviderDoc(Doc):
    code: Code = Field(description="For an own production unit: its internal code")
    name: Name
    kind: ProviderKind
    business_id: BusinessId | None = None
    region: Code | None = None


class ProductDoc(Doc):
    code: Code
    name_fi: Name
    name_sv: Name | None = None
    unit: Code = Field(description="Unit of output, e.g. hoitopäivä, oppilas, käynti, tunti")


class ProductGroupDoc(Doc):
    code: Code
    name_fi: Name
    name_sv: Name | None = None
    products: list[ProductDoc] = []


class ServiceAreaDoc(Doc):
    code: Code
    name_fi: Name
    name_sv: Name | None = None
    product_groups: list[ProductGroupDoc] = []


class LongTermGoalDoc(Doc):
    code: Code
    title: Text
    actions: Text | None = Field(None, description="Toimenpiteet ja vastuutaho")
    boards: Annotated[list[Code], Field(min_length=1)]
    resources: list[ResourceKind] = []
    evaluation: Text | None = Field(None, description="Arviointimittarit")


class PerspectiveDoc(Doc):
    name_fi: Name
    name_sv: Name | None = None
    goals: list[LongTermGoalDoc] = []


class ApprovalDoc(Doc):
    """The board's decision that approved a version (as POST .../transitions records it)."""

    organization: Name | None = Field(None, description="The deciding body")
    event_date: date | None = Field(None, description="The meeting date")
    article_number: ArticleNumber | None = Field(None, description="The § number")
    register_id: RegisterId | None = Field(None, description="The case's register id")
    minutes_url: Annotated[str, StringConstraints(max_length=500, pattern=r"^https?://\S+$")] \
        | None = Field(None, description="Link to the minutes (pöytäkirja)")
    effective_from: date | None = Field(
        None, description="The day from which the version counts (voimaantulo); the meeting "
        "date by default")


class Versioned(Doc):
    """Which version of an agreement a document describes. Without ``version`` a document
    describes the agreement as it should now be: version 1 of a new agreement, an edit of a
    draft, or (if its content differs from the approved latest version) the next version as a
    draft. An approved version is never changed in place."""

    version: int | None = Field(None, ge=1, le=1000, description="The version number (1, 2 …)")
    status: AgreementStatus | None = Field(
        None, description="The version's state; of a version new to the database: a draft, "
        "or an approved (in force, closed, superseded) one with its approval")
    approval: ApprovalDoc | None = None


class FrameworkAgreementDoc(Versioned):
    board: Code
    title: Name
    description: Text | None = None
    first_year: Year
    last_year: Year
    perspectives: list[PerspectiveDoc] = []


# A line gives volume and unit price, an appropriation in euros, or a price list and its items:
# exactly one of the three.
_VOLUME, _APPROPRIATION, _LIST = ["volume", "unit_price"], ["appropriation"], ["price_list", "items"]


def _only(required: list[str], *others: list[str]) -> JsonDict:
    return {"required": list(required),
            "not": {"anyOf": [{"required": [name]} for o in others for name in o]}}


_ONE_FORM: JsonDict = {"oneOf": [_only(_VOLUME, _APPROPRIATION, _LIST),
                                 _only(_APPROPRIATION, _VOLUME, _LIST),
                                 _only(_LIST, _VOLUME, _APPROPRIATION)]}


class DeliveryDoc(Doc):
    """Toteutunut suorite: what the provider reported delivered on the line in a period (as
    POST /deliveries records it); a line of euros has no volume."""

    period: PeriodCode
    volume: Quantity | None = None
    euros: Money
    comment: Text | None = None


class OrderLineDoc(Doc):
    """Tilausrivi: volume × unit price, (a voucher scheme, a grant) an appropriation in euros
    without a volume, or (Vantaa's oral health) priced by a price list: the volume ordered of
    each item at its computed unit price."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=_ONE_FORM)

    product: Code
    provider: Code
    volume: Quantity | None = None
    unit_price: Money | None = None
    appropriation: Money | None = Field(
        None, description="Määräraha in euros, for a line without a volume (e.g. 'vajaa 0,5 "
        "milj. €' of a voucher scheme); instead of volume and unit_price")
    price_list: Code | None = Field(
        None, description="The code of a price list of the budget's board and year (in "
        "price_lists); with items, instead of volume and unit_price")
    items: list[LineItemDoc] | None = Field(
        None, description="The volume ordered of each item of the price list")
    item_deliveries: list[ItemDeliveryDoc] = Field(
        [], description="A line priced by a price list: the provider's monthly deliveries by "
        "item (the euros follow from the items' unit prices)")
    carry_over_from_previous_year: bool = Field(
        False, description="Ylivuotinen budjetointi: the surplus or deficit of the same product "
        "and provider in the year before (its appropriation and what it carried in itself, "
        "less what was delivered) is carried into this year: a running balance over the years "
        "that a line not marked breaks")
    population_moment: PopulationMoment | None = None
    age_segment: AgeSegment | None = None
    deliveries: list[DeliveryDoc] = Field(
        [], description="Reported deliveries (the budget follow-up): not agreement content, "
        "as a measure's values are not")

    @model_validator(mode="after")
    def _one_form(self) -> "OrderLineDoc":
        by_volume = self.volume is not None or self.unit_price is not None
        by_list = self.price_list is not None or self.items is not None
        if sum([by_volume, self.appropriation is not None, by_list]) > 1:
            raise ValueError("give one of volume and unit_price, an appropriation in euros, or "
                             "a price_list and its items")
        if by_list and (self.price_list is None or self.items is None):
            raise ValueError("a line priced by a price list gives both price_list and items")
        if not by_list and self.appropriation is None and (
                self.volume is None or self.unit_price is None):
            raise ValueError("give volume and unit_price, an appropriation in euros, or a "
                             "price_list and its items")
        if self.item_deliveries and not by_list:
            raise ValueError("item_deliveries are for a line priced by a price list")
        return self


class OrderBudgetDoc(Versioned):
    board: Code
    year: Year
    title: Name
    lines: list[OrderLineDoc] = []


class BaselineDoc(Doc):
    value: Value
    year: Year


class RangeDoc(Doc):
    min: Value | None = None
    max: Value | None = None


class SotkanetDoc(Doc):
    indicator: SotkanetId
    region: SotkanetId


class ValueDoc(Doc):
    period: PeriodCode
    value: Value
    comment: Text | None = None


class RewardDoc(Doc):
    """Palkitseminen: ``fixed`` pays ``amount`` euros when the year's target is met; ``share``
    pays ``percent`` per cent of the excess over the target, at most ``cap`` euros."""

    kind: RewardKind
    amount: Money | None = Field(None, description="fixed: the bonus in euros")
    percent: Percent | None = Field(None, description="share: per cent of the excess")
    cap: Money | None = Field(None, description="share: at most this many euros")
    description: Text | None = None


class MeasureDoc(Doc):
    code: Code
    name: Text
    unit: Name
    direction: Direction
    baseline: BaselineDoc | None = None
    targets: dict[Year, Value] = Field(default_factory=dict, description="year: target")
    tolerance: Tolerance = Decimal(0)
    frequency: Frequency
    rollup: Rollup = Rollup.last
    comparison: Comparison | None = Field(
        None, description="How a part year's value is held against the year's target "
        "(default: sum → pro_rated_sum, mean → year_to_date_level, last → latest_level)")
    range: RangeDoc | None = None
    source: DataSource = DataSource.provider
    sotkanet: SotkanetDoc | None = None
    provider: Code | None = Field(None, description="Responsible provider if not the agreement's")
    indicator: Code | None = Field(
        None, description="A shared indicator: the same provider's measures with this code in "
        "several purchasers' agreements are one figure, reported once")
    reward: RewardDoc | None = Field(None, description="A reward when the year's target is met")
    values: list[ValueDoc] = []


class ActionDoc(Doc):
    description: Text
    responsible: Name | None = None


class ResourceDoc(Doc):
    kind: ResourceKind
    description: Text | None = None
    amount: Money | None = None


class GoalDoc(Doc):
    code: Code
    title: Text
    description: Text | None = None
    long_term_goal: Code | None = Field(None, description="Code of the framework goal")
    actions: list[ActionDoc] = []
    resources: list[ResourceDoc] = []
    measures: list[MeasureDoc] = []


class ServiceAgreementDoc(Versioned):
    code: Code
    provider: Code
    boards: Annotated[list[Code], Field(min_length=1)]
    year: Year
    title: Name
    description: Text | None = None
    steering: Steering = Field(
        Steering.purchase, description="purchase (tilaajaohjaus) or ownership (omistajaohjaus: "
        "the goals are the owner's strategic goals for its joint municipal authority, "
        "municipal enterprise or in-house company)")
    goals: list[GoalDoc] = []


class EarlierVersionsDoc(Doc):
    """The versions before the latest, oldest first: what an export writes besides the
    latest version of each agreement (each version once)."""

    framework_agreements: list[FrameworkAgreementDoc] = []
    order_budgets: list[OrderBudgetDoc] = []
    service_agreements: list[ServiceAgreementDoc] = []


class AgreementSet(Doc):
    """Sopimuskokonaisuus: one file under contracts/."""

    municipality: MunicipalityDoc
    boards: list[BoardDoc] = []
    purchaser_units: list[PurchaserUnitDoc] = []
    regions: list[RegionDoc] = []
    providers: list[ProviderDoc] = []
    catalogue: list[ServiceAreaDoc] = []
    framework_agreement: FrameworkAgreementDoc | None = Field(
        None, description="Without one, the set's service agreements stand outside any "
        "framework agreement (a voucher scheme, a small purchase)")
    order_budget: OrderBudgetDoc | None = None
    order_budgets: list[OrderBudgetDoc] = Field(
        default_factory=list, description="More order budgets: other years (e.g. the year a "
        "surplus is carried from) or other boards")
    service_agreements: list[ServiceAgreementDoc] = []
    earlier_versions: EarlierVersionsDoc | None = None
    voucher_schemes: list[VoucherSchemeDoc] = Field(
        [], description="Service vouchers of the set's boards (the export: of its year)")
    price_lists: list[PriceListDoc] = Field(
        [], description="Price lists of the set's boards (the export: of its year), which "
        "order lines are priced by")


def json_schema() -> str:
    """The JSON Schema of the format, as kept in contracts/schema/ (a test keeps it fresh)."""
    import json

    schema = AgreementSet.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "https://sopimus.fi/schema/agreement-set.schema.json"
    return json.dumps(schema, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
