"""The service agreement document's data (app.reports.agreement_document builds it): typed,
read by the template as attributes and embedded in the PDF as JSON."""

from datetime import date
from decimal import Decimal

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
    volume: Decimal | None  # None on a line of an appropriation in euros
    unit_price: Decimal | None
    total: Decimal


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

    def measure_count(self) -> int:
        return sum(len(g.measures) for g in self.goals)
