"""The follow-up report's data (app.reports.follow_up builds it): typed, read by the template
as attributes and embedded in the PDF as JSON."""

from datetime import date, datetime
from decimal import Decimal

from app.core.ordering import natural
from app.pricelists.schemas import PriceListView
from app.reports.data import (
    Baseline,
    CodeTitle,
    Data,
    ProviderRef,
    ReportHeader,
    RewardEntry,
    Span,
)
from app.reports.status import worst
from app.vouchers.schemas import SchemeFollowUp


class YearTarget(Data):
    year: int
    value: Decimal


class TrendPoint(Data):
    year: int
    target: Decimal | None
    actual: Decimal | None
    partial: bool  # the year is not complete: its point is the year so far


class PeriodValue(Data):
    """A period of the report's year up to the report's end: the year so far at its end as
    its status compares it, and the target the comparison rule holds it against then."""

    code: str
    actual: Decimal | None
    target: Decimal | None


class ReportedValue(Data):
    id: int
    period: str
    value: Decimal
    comment: str | None
    reviewed: bool  # accepted by the purchaser; a submitted value is not yet


class Note(Data):
    """One note of a value's deviation thread (app.submissions.notes): the provider's explanation
    or corrective action (with its date), the purchaser's answer or acceptance."""

    period: str
    kind: str
    text: str
    action_due: date | None
    author_role: str
    author: str
    at: datetime


class Deviation(Data):
    """A red or amber measure with what its provider says and does and what the purchaser
    answered (app.reports.deviations)."""

    code: str
    name: str
    unit: str
    provider: str
    status: str
    value: Decimal | None
    target: Decimal | None
    comments: list[ReportedValue]
    notes: list[Note]


class ComparedWith(Data):
    """How a measure's value was held against the year's target (app.submissions.rules)."""

    comparison: str
    value: Decimal | None  # the value compared
    months: int  # pro-rated: the months covered; target path: the months since January
    start: Decimal | None  # the target path's start level
    year_target: Decimal
    target: Decimal  # what the value was held against


class MeasureEntry(Data):
    id: int
    code: str
    name: str
    unit: str
    direction: str
    rollup: str
    comparison: str
    frequency: str
    tolerance: Decimal
    provider: ProviderRef
    baseline: Baseline | None
    targets: list[YearTarget]
    target: Decimal | None
    value: Decimal | None
    compared: Decimal | None  # what the status compares with the target
    forecast: bool  # ``compared`` is a year-end forecast (a sum over part of the year)
    until: date | None
    # How the value was held against the year's target, printed beside the light.
    compared_with: ComparedWith | None = None
    status: str
    previous_status: str
    reported_values: list[ReportedValue]
    trend: list[TrendPoint]
    periods: list[PeriodValue] = []  # the report's year, period by period (its chart)
    goal: str  # the goal's code
    agreement: str  # the service agreement's code
    draft: bool  # the agreement is not approved yet
    returned: list[str] = []  # periods of the year returned for correction: not counted
    notes: list[Note] = []  # the deviation threads of the year's values

    @property
    def explanation(self) -> ReportedValue | None:
        """The provider's latest comment of the year: why the value is what it is."""
        commented = [v for v in self.reported_values if v.comment]
        return commented[-1] if commented else None

    @property
    def corrective_action(self) -> Note | None:
        """The provider's latest corrective action of the year: what is done about a miss."""
        acts = [n for n in self.notes if n.kind == "corrective_action"]
        return acts[-1] if acts else None

    @property
    def unreviewed(self) -> bool:
        return any(not v.reviewed for v in self.reported_values)


class GoalEntry(Data):
    id: int
    code: str
    title: str
    description: str | None
    long_term_goal: CodeTitle | None
    measures: list[MeasureEntry]

    @property
    def status(self) -> str | None:
        return worst(m.status for m in self.measures)


class AgreementRef(Data):
    id: int
    code: str
    title: str
    version: int
    status: str
    provider: ProviderRef
    steering: str = "purchase"  # ownership: the goals are the owner's strategic goals

    @property
    def draft(self) -> bool:
        return self.status in ("draft", "negotiation")

    @property
    def ownership(self) -> bool:
        return self.steering == "ownership"


class AgreementBlock(Data):
    """One agreement's goals in a perspective, with their measures."""

    agreement: AgreementRef
    goals: list[GoalEntry]


class Section(Data):
    number: int
    name: str
    finnish: bool  # the name exists only in Finnish (shown so in a Swedish or English report)
    agreements: list[AgreementBlock]


class StatusCount(Data):
    status: str
    count: int
    share: Decimal


class Change(Data):
    code: str
    name: str
    provider: str
    before: str
    now: str


class Transition(Data):
    before: str
    now: str
    count: int


class Summary(Data):
    statuses: list[StatusCount]
    measures: int
    changes: list[Change]
    transitions: list[Transition]  # how many measures moved from one status to another
    new_values: int
    # Named on the first page, the worst first: every red measure, the worst amber ones.
    attention: list[MeasureEntry]
    at_risk_not_named: int = 0  # the other amber measures (in the chapter of measures)
    unreviewed: int  # values counted in the report that the purchaser has not accepted
    drafts: list[str]  # codes of agreements in the report that are not approved


class Realisation(Data):
    ordered_volume: Decimal | None  # None: a line of an appropriation in euros
    ordered_euros: Decimal
    delivered_volume: Decimal | None
    delivered_euros: Decimal | None
    until: date | None
    realised_pct: Decimal | None
    forecast_euros: Decimal | None
    deviation_euros: Decimal | None
    deviation_pct: Decimal | None
    # Siirtynyt edelliseltä vuodelta: the year before's surplus (+) or deficit (−) carried in;
    # the per cents and the deviation are of available_euros (ordered_euros + carried_euros).
    carried_euros: Decimal | None = None
    available_euros: Decimal | None = None


class Product(Data):
    code: str
    name: str
    unit: str


class BudgetLine(Realisation):
    id: int
    product: Product
    unit_price: Decimal | None  # None: a line of an appropriation in euros or by a price list
    price_list: str | None = None  # the code of the price list the line is priced by
    provider: str  # the provider's name, for the list of the largest deviations


class ProviderBudget(Data):
    provider: ProviderRef
    lines: list[BudgetLine]  # the lines with deliveries reported
    unreported: int  # lines without deliveries (left out of ``lines``)
    unreported_euros: Decimal  # what they order
    total: Realisation


class Balance(Data):
    """Ylivuotinen budjetointi: the running balance of a line that carries the year before's
    surplus or deficit in (yksikkökohtainen yli- tai alijäämä)."""

    product: str
    provider: str
    carried_in: Decimal | None  # from the year before (None: nothing reported there)
    appropriation: Decimal  # this year's
    delivered: Decimal | None  # so far (None: nothing reported yet)
    balance: Decimal | None  # carried into the next year if its line is marked too


class Budget(Data):
    id: int
    title: str
    year: int
    version: int
    providers: list[ProviderBudget]
    total: Realisation
    lines_reported: int
    lines: int
    elapsed_pct: Decimal  # the share of the year elapsed by the period's end, in per cent
    largest_deviations: list[BudgetLine]  # the reported lines furthest from the order
    # The price lists of lines priced by items, with their months invoiced against the order.
    price_lists: list[PriceListView] = []
    balances: list[Balance] = []  # the lines that carry a balance over, oldest chain first


class NoValueMeasure(Data):
    code: str
    name: str
    unit: str
    goal: str
    agreement: str
    returned: list[str] = []


class NoValueGroup(Data):
    provider: ProviderRef
    measures: list[NoValueMeasure]


class FollowUpReport(ReportHeader):
    period: Span
    previous_period: Span
    summary: Summary
    agreements: list[AgreementRef]
    perspectives: list[Section]
    budget: Budget | None
    no_value: list[NoValueGroup]
    deviations: list[Deviation] = []
    vouchers: list[SchemeFollowUp] = []  # the board's service vouchers of the year
    # Tulostavoitteet ja palkkiot: the rewards of the measures with a rule (app.reports.rewards)
    rewards: list[RewardEntry] = []
    # Päätösehdotus: the purchaser's proposal to the board, when issuing (app.reports.service).
    decision_proposal: str | None = None

    def goal_lights(self) -> list[tuple[AgreementRef, GoalEntry]]:
        """Every goal of the report with its light, for the first page: by agreement (in the
        report's order), then by code."""
        order = {a.id: i for i, a in enumerate(self.agreements)}
        goals = [(b.agreement, g) for s in self.perspectives for b in s.agreements
                 for g in b.goals]
        return sorted(goals, key=lambda ag: (order[ag[0].id], natural(ag[1].code)))

    def measure_count(self) -> int:
        return self.summary.measures

    @property
    def ownership(self) -> bool:
        """Every agreement of the report is the owner's steering (omistajaohjaus)."""
        return bool(self.agreements) and all(a.ownership for a in self.agreements)
