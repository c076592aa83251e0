"""Which report to build, dispatching to the module of each, and issuing a report as an
immutable record."""

import hashlib
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth.authz import require_write, scope
from app.auth.models import User
from app.core.errors import InvalidInput
from app.reports.agreement_data import AgreementDocument
from app.reports.agreement_document import agreement_document
from app.reports.follow_up import follow_up
from app.reports.follow_up_data import FollowUpReport
from app.reports.models import IssuedReport, ReportKind


@dataclass(frozen=True)
class ReportSpec:
    """Which report: a board's follow-up for a period, or one service agreement's document."""

    kind: ReportKind
    language: str = "fi"
    board_id: int | None = None
    period: str | None = None
    service_agreement_id: int | None = None
    # Päätösehdotus: the purchaser's proposal to the board, on a follow-up's first page.
    decision_proposal: str | None = None


def build(session: Session, user: User, spec: ReportSpec, now: datetime | None = None
          ) -> FollowUpReport | AgreementDocument:
    if spec.kind is ReportKind.follow_up:
        if spec.board_id is None or spec.period is None:
            raise InvalidInput("A follow-up report needs board_id and period", field="board_id")
        data = follow_up(session, user, spec.board_id, spec.period, spec.language, now)
        return data.model_copy(update={"decision_proposal": spec.decision_proposal})
    if spec.service_agreement_id is None:
        raise InvalidInput("An agreement document needs service_agreement_id",
                           field="service_agreement_id")
    return agreement_document(session, user, spec.service_agreement_id, spec.language,
                              spec.board_id, now)


# --- issuing ------------------------------------------------------------------------------


def store(session: Session, user: User, data: FollowUpReport | AgreementDocument, pdf: bytes,
          pages: int) -> IssuedReport:
    """Keep an issued report: immutable, with the SHA-256 of its bytes."""
    require_write(user, IssuedReport)
    if isinstance(data, FollowUpReport):
        period, agreement_id, subject = data.period.code, None, data.period.code
    else:
        period, agreement_id = None, data.agreement.id
        subject = f"{data.agreement.code} v{data.agreement.version}"
    report = IssuedReport(
        municipality_id=data.municipality.id, board_id=data.board.id,
        kind=ReportKind(data.kind), period=period, service_agreement_id=agreement_id,
        subject=subject,
        language=data.language, title=data.title[:300], filename=data.filename,
        sha256=hashlib.sha256(pdf).hexdigest(), size=len(pdf), pages=pages, pdf=pdf,
        decision_proposal=data.decision_proposal if isinstance(data, FollowUpReport) else None,
        created_by=user.username, updated_by=user.username,
    )
    session.add(report)
    session.flush()
    return report


def issued_reports(session: Session, user: User | None, limit: int = 200) -> list[IssuedReport]:
    """The issued reports the user may read, the newest first."""
    return list(session.scalars(
        scope(select(IssuedReport), IssuedReport, user)
        .order_by(IssuedReport.created_at.desc(), IssuedReport.id.desc()).limit(limit)))
