"""Request and response bodies of reports, issued reports and rendering jobs."""

from datetime import datetime
from typing import Literal, Self

from pydantic import Field, field_validator, model_validator

from app.core.pagination import PageParams
from app.core.periods import parse_period
from app.core.types import Id, ReadSchema, Schema, Text
from app.reports.follow_up_data import Balance
from app.reports.models import JobStatus, Language, ReportKind


def _period_code(value: str | None) -> str | None:
    return None if value is None else parse_period(value).code


class FollowUpQuery(Schema):
    """A board's follow-up report for a period, e.g. LANULA 2015-T2."""

    board_id: Id
    period: str = Field(max_length=10, examples=["2015-T2"])
    language: Language = Language.fi
    format: Literal["pdf", "html"] = "pdf"

    _period = field_validator("period")(_period_code)


class BalanceQuery(Schema):
    """A board's order budget of the period's year: each line's running balance so far."""

    board_id: Id
    period: str = Field(max_length=10, examples=["2011-T2"])
    language: Language = Language.fi

    _period = field_validator("period")(_period_code)


class BudgetBalance(Schema):
    """Ylivuotinen budjetointi: the lines of the board's budget (the version counting at the
    period's end) that carry the year before's surplus or deficit in, each with what it
    carried in, its appropriation, what was delivered so far and its balance (None fields and
    no lines: the board has no budget of the year that the caller may read)."""

    budget_id: int | None
    title: str | None
    year: int
    version: int | None
    period: str
    balances: list[Balance]


class AgreementQuery(Schema):
    """One service agreement version as a document."""

    service_agreement_id: Id
    board_id: Id | None = None
    language: Language = Language.fi
    format: Literal["pdf", "html"] = "pdf"


class ReportRequest(Schema):
    """What to issue: a follow-up report (board_id, period) or an agreement document
    (service_agreement_id, optionally the board it is issued for)."""

    kind: ReportKind
    board_id: Id | None = None
    period: str | None = Field(default=None, max_length=10, examples=["2015-T2"])
    service_agreement_id: Id | None = None
    language: Language = Language.fi
    decision_proposal: Text | None = Field(
        default=None, description="Päätösehdotus: the purchaser's proposal to the board, printed "
                                  "on a follow-up report's first page")

    _period = field_validator("period")(_period_code)

    @model_validator(mode="after")
    def _complete(self) -> Self:
        if self.kind is ReportKind.follow_up:
            missing = [n for n in ("board_id", "period") if getattr(self, n) is None]
            if missing:
                raise ValueError(f"a follow-up report needs {' and '.join(missing)}")
            if self.decision_proposal is not None and not self.decision_proposal.strip():
                self.decision_proposal = None
            if self.service_agreement_id is not None:
                raise ValueError("a follow-up report is per board and period; "
                                 "leave service_agreement_id out")
        else:
            if self.service_agreement_id is None:
                raise ValueError("an agreement document needs service_agreement_id")
            if self.period is not None:
                raise ValueError("an agreement document has no period; leave period out")
            if self.decision_proposal is not None:
                raise ValueError("a decision proposal goes with a follow-up report")
        return self


class _ReportOf(ReadSchema):
    """What a report is of: an issued report's and a rendering job's first fields."""

    id: int
    municipality_id: int
    board_id: int
    kind: ReportKind
    period: str | None
    service_agreement_id: int | None


class IssuedReportRead(_ReportOf):
    subject: str
    language: Language
    title: str
    filename: str
    sha256: str
    size: int
    pages: int
    decision_proposal: str | None
    issued_at: datetime
    issued_by: str


class IssuedReportFilters(PageParams):
    board_id: Id | None = None
    kind: ReportKind | None = None
    period: str | None = Field(default=None, max_length=10)
    service_agreement_id: Id | None = None
    language: Language | None = None

    _period = field_validator("period")(_period_code)


class RenderJobRead(_ReportOf):
    language: Language
    status: JobStatus
    progress: int
    stage: str | None
    error: str | None
    attempts: int
    issued_report_id: int | None
    decision_proposal: str | None
    created_at: datetime
    created_by: str
    updated_at: datetime
