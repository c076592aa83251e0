"""The service agreement document's data (app.reports.agreement_document builds it): typed,
read by the template as attributes and embedded in the PDF as JSON."""

from datetime import date
from decimal import Decimal

from app.pricelists.schemas import PriceListView
from app.reports.data import (
    Baseline,
    CodeTitle,
    Data,
    ProviderRef,
    ReportHeader,
    RewardRule,
    Span,
)
from app.vouchers.schemas import SchemeSummary


class Decision(Data):
    """The board's decision approving the version: body, date, §."""

    body: str
    date: date | None
    article_number: str | None


class AgreementFacts(Data):
    id: int
    code: str
    title: str
    description: str | None
    year: int
    version: int
    status: str
    start: date
    end: date
    steering: str = "purchase"  # ownership: the goals are the owner's strategic goals

    @property
    def draft(self) -> bool:
        return self.status in ("draft", "negotiation")

    @property
    def ownership(self) -> bool:
        return self.steering == "ownership"


class Framework(Data):
    title: str
    first_year: int
    last_year: int


class LineProduct(Data):
    code: str
    name: str
    unit: str


class OrderedLine(Data):
    id: int
    product_group: str
    product: LineProduct
    provider: str
    volume: Decimal | None  # None on a line of an appropriation in euros or by a price list
    unit_price: Decimal | None
    price_list: str | None = None  # the code of the price list the line is priced by
    total: Decimal
    carry_over: bool = False  # the year before's surplus or deficit is carried in


class Action(Data):
    description: str
    responsible: str | None


class Resource(Data):
    kind: str
    description: str | None
    amount: Decimal | None


class DocumentMeasure(Data):
    id: int
    code: str
    name: str
    unit: str
    direction: str
    frequency: str
    rollup: str
    comparison: str  # how a part year is compared (app.submissions.rules)
    tolerance: Decimal
    provider: str | None  # another provider than the agreement's
    indicator: str | None = None  # a shared indicator: one figure for several purchasers
    baseline: Baseline | None
    targets: dict[int, Decimal]
    reward: RewardRule | None = None  # paid when the year's target is met


class DocumentGoal(Data):
    id: int
    code: str
    title: str
    description: str | None
    long_term_goal: CodeTitle | None
    actions: list[Action]
    resources: list[Resource]
    measures: list[DocumentMeasure]


class CalendarRow(Span):
    measures: list[str]


class AgreementDocument(ReportHeader):
    boards: list[str]
    agreement: AgreementFacts
    framework: Framework | None  # None: an agreement outside any framework agreement
    decision: Decision | None
    provider: ProviderRef
    lines: list[OrderedLine]
    lines_total: Decimal
    years: list[int]
    goals: list[DocumentGoal]
    calendar: list[CalendarRow]
    vouchers: list[SchemeSummary] = []  # the board's service vouchers of the year
    price_lists: list[PriceListView] = []  # the lists that its lines are priced by

    def measure_count(self) -> int:
        return sum(len(g.measures) for g in self.goals)
