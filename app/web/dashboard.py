"""The home page's dashboards: what is due, waiting for review, returned, red and amber, by
board for the purchaser; the board's measures off track, by how much and what the provider
says, for the board member; the reporter's own due, overdue and returned values.

Every count is the count of a list a link opens (the overdue list, the review list, the
overview filtered by status), read through the same services and the same access rules.
"""

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy.orm import Session

from app.agreements.service import board_agreement_years, boards_with_agreements
from app.auth.models import User
from app.organisations.models import Board
from app.reports.status import SEVERITY
from app.submissions.calendar import DueItem, DueStatus, due_items
from app.submissions.review import waiting_for_review
from app.web.board_rows import Row, board_overview

# "Due" on the dashboards: not reported yet, the due date within this many days.
DUE_SOON_DAYS = 30
REVIEW_COUNT_LIMIT = 1000


@dataclass
class BoardCounts:
    board: Board
    year: int | None
    years: list[int] = field(default_factory=list)  # the board's years, the newest first
    due: int = 0
    overdue: int = 0
    to_review: int = 0
    returned: int = 0
    lights: Counter[str] = field(default_factory=Counter)
    off: list[Row] = field(default_factory=list)  # off track and at risk, the worst first


@dataclass
class ReporterCounts:
    due: int
    overdue: int
    returned: int


def _year(years: list[int], year: int | None) -> int | None:
    """The year asked if the board has agreements then, else this year's or the newest."""
    if year in years:
        return year
    return date.today().year if date.today().year in years else (years[0] if years else None)


def _due_counts(items: list[DueItem], today: date) -> tuple[int, int, int]:
    soon = today + timedelta(days=DUE_SOON_DAYS)
    due = sum(1 for i in items if i["status"] is DueStatus.due
              and i["due_date"] <= soon)
    overdue = sum(1 for i in items if i["status"] is DueStatus.overdue)
    returned = sum(1 for i in items if i["status"] is DueStatus.returned)
    return due, overdue, returned


def board_counts(session: Session, user: User, board: Board, year: int | None, lang: str,
                 *, work: bool) -> BoardCounts:
    """A board's lights for the year (and with ``work`` the purchaser's lists' counts)."""
    years = board_agreement_years(session, user, board.id)
    chosen = _year(years, year)
    counts = BoardCounts(board, chosen, years)
    if chosen is None:
        return counts
    rows = board_overview(session, user, board.id, chosen, lang).all_rows()
    counts.lights = Counter(r.status for r in rows)
    counts.off = sorted((r for r in rows if r.status in ("off_track", "at_risk")),
                        key=lambda r: (-SEVERITY[r.status], r.info.goal_code, r.info.code))
    if work:
        today = date.today()
        items = due_items(session, user, as_of=today, year=chosen, board_id=board.id)
        counts.due, counts.overdue, counts.returned = _due_counts(items, today)
        counts.to_review = len(waiting_for_review(session, user, board.id, REVIEW_COUNT_LIMIT))
    return counts


def dashboard_years(boards: list[BoardCounts]) -> list[int]:
    """The years any of the boards has agreements of, the newest first (the year chooser)."""
    return sorted({y for b in boards for y in b.years}, reverse=True)


def purchaser_dashboard(session: Session, user: User, year: int | None, lang: str
                        ) -> list[BoardCounts]:
    return [board_counts(session, user, b, year, lang, work=True)
            for b in boards_with_agreements(session, user)]


def board_member_dashboard(session: Session, user: User, year: int | None, lang: str
                           ) -> list[BoardCounts]:
    return [board_counts(session, user, b, year, lang, work=False)
            for b in boards_with_agreements(session, user) if b.id == user.board_id]


def reporter_dashboard(session: Session, user: User) -> ReporterCounts:
    today = date.today()
    items = due_items(session, user, as_of=today)  # scoped: his own providers' alone
    return ReporterCounts(*_due_counts(items, today))
