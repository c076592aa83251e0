"""What a board's follow-up report would rest on that is not settled yet: before the purchaser
issues it, the values of the report's year up to its period that are not yet reviewed, that
were returned or that are missing, and the board's agreements of the year that are still
drafts. Issuing is not refused for them; the purchaser decides, knowing."""

from datetime import date

from pydantic import BaseModel
from sqlalchemy.orm import Session

from app.agreements.models import AgreementStatus
from app.auth.models import User
from app.core.periods import Frequency, Period, periods_of_year
from app.reports.follow_up import agreements_in_report
from app.submissions.calendar import DueStatus, due_items

UNSETTLED = (AgreementStatus.draft, AgreementStatus.negotiation)


class OpenValue(BaseModel):
    agreement: str
    measure: str
    name: str
    period: str


class DraftAgreement(BaseModel):
    code: str
    version: int
    title: str
    status: AgreementStatus


class Readiness(BaseModel):
    unreviewed: list[OpenValue] = []
    returned: list[OpenValue] = []
    missing: list[OpenValue] = []
    drafts: list[DraftAgreement] = []
    no_agreements: bool = False

    @property
    def warnings(self) -> int:
        return (len(self.unreviewed) + len(self.returned) + len(self.missing) + len(self.drafts)
                + int(self.no_agreements))


def report_periods(years: list[int]) -> list[str]:
    """The periods a follow-up report is issued for in the Finnish cadence (T1, T2 and the
    year), the newest year first."""
    return [p.code for year in sorted(set(years), reverse=True)
            for p in periods_of_year(year, Frequency.tertial)]


def readiness(session: Session, user: User, board_id: int, period: Period, today: date
              ) -> Readiness:
    """The board's open values up to ``period`` and its unsettled agreements of the year."""
    out = Readiness()
    for item in due_items(session, user, as_of=today, year=period.year, board_id=board_id):
        if item["period_end"] > period.end:
            continue
        entry = OpenValue(agreement=item["service_agreement_code"], measure=item["measure_code"],
                          name=item["measure_name"], period=item["period"])
        if item["value_id"] is None:
            out.missing.append(entry)
        elif item["status"] is DueStatus.submitted:
            out.unreviewed.append(entry)
        elif item["status"] is DueStatus.returned:
            out.returned.append(entry)
    agreements = agreements_in_report(session, user, board_id, period)
    out.no_agreements = not agreements
    out.drafts = [DraftAgreement(code=a.code, version=a.version, title=a.title, status=a.status)
                  for a in agreements if a.status in UNSETTLED]
    return out
