"""Domain rules of framework and service agreements."""

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from app.agreements import in_force
from app.agreements.models import (
    APPROVED,
    FrameworkAgreement,
    LongTermGoal,
    Perspective,
    ServiceAgreement,
    long_term_goal_boards,
    service_agreement_boards,
)
from app.auth.authz import scope
from app.auth.models import User
from app.core import access
from app.core.errors import InvalidInput
from app.core.ordering import natural
from app.organisations.models import Board

MAX_FRAMEWORK_YEARS = 8


def framework_rules(_: Session, agreement: FrameworkAgreement, __: dict[str, Any]) -> None:
    if agreement.last_year < agreement.first_year:
        raise InvalidInput(
            f"last_year {agreement.last_year} is before first_year {agreement.first_year}",
            field="last_year",
        )
    if agreement.last_year - agreement.first_year >= MAX_FRAMEWORK_YEARS:
        raise InvalidInput(
            f"A framework agreement spans at most {MAX_FRAMEWORK_YEARS} years (normally 4)",
            field="last_year",
        )


def service_agreement_rules(
    session: Session, agreement: ServiceAgreement, _: dict[str, Any]
) -> None:
    """(Its order budget's year: app.budgets.service.) An agreement outside any framework
    agreement (a voucher scheme, a small purchase) has only its own year."""
    if agreement.framework_agreement_id is None:
        return
    framework = session.get_one(FrameworkAgreement, agreement.framework_agreement_id)
    if not framework.first_year <= agreement.year <= framework.last_year:
        raise InvalidInput(
            f"year {agreement.year} is outside the framework agreement's years "
            f"{framework.first_year}–{framework.last_year}",
            field="year",
        )


def agreement_years() -> tuple[ColumnElement[int], ColumnElement[int]]:
    """A service agreement's first and last year in a query outer-joined to its framework
    agreement: the framework's years, or the agreement's own year outside any framework."""
    return (func.coalesce(FrameworkAgreement.first_year, ServiceAgreement.year).label("first_year"),
            func.coalesce(FrameworkAgreement.last_year, ServiceAgreement.year).label("last_year"))


def framework_years_contain(year: int) -> ColumnElement[bool]:
    return (FrameworkAgreement.first_year <= year) & (FrameworkAgreement.last_year >= year)


def service_agreement_has_board(board_id: int) -> ColumnElement[bool]:
    return ServiceAgreement.id.in_(
        select(service_agreement_boards.c.service_agreement_id).where(
            service_agreement_boards.c.board_id == board_id
        )
    )


def long_term_goal_has_board(board_id: int) -> ColumnElement[bool]:
    return LongTermGoal.id.in_(
        select(long_term_goal_boards.c.long_term_goal_id).where(
            long_term_goal_boards.c.board_id == board_id
        )
    )


def long_term_goal_in_framework(framework_id: int) -> ColumnElement[bool]:
    return LongTermGoal.perspective_id.in_(
        select(Perspective.id).where(Perspective.framework_agreement_id == framework_id)
    )


access.register(FrameworkAgreement, framework_rules)
access.register(ServiceAgreement, service_agreement_rules)


def readable_agreements(session: Session, user: User | None, year: int | None = None,
                        board_id: int | None = None, limit: int = 500) -> list[ServiceAgreement]:
    """The service agreements the user may read, the newest year first, of a year and a board
    if given (in the query: a board's agreements are never cut off by the limit)."""
    stmt = scope(select(ServiceAgreement), ServiceAgreement, user).order_by(
        ServiceAgreement.year.desc(), ServiceAgreement.code, ServiceAgreement.version)
    if year is not None:
        stmt = stmt.where(ServiceAgreement.year == year)
    if board_id is not None:
        stmt = stmt.where(service_agreement_has_board(board_id))
    return list(session.scalars(stmt.limit(limit)))


def boards_with_agreements(session: Session, user: User) -> list[Board]:
    """The boards the user may read that have service agreements the user may read."""
    with_agreements = select(service_agreement_boards.c.board_id).where(
        service_agreement_boards.c.service_agreement_id.in_(
            scope(select(ServiceAgreement.id), ServiceAgreement, user)))
    return list(session.scalars(scope(select(Board), Board, user)
                                .where(Board.id.in_(with_agreements))
                                .order_by(Board.municipality_id, Board.code)))


def board_agreement_years(session: Session, user: User, board_id: int) -> list[int]:
    """The years of a board's service agreements that the user may read, the newest first."""
    return sorted(set(session.scalars(
        scope(select(ServiceAgreement.year), ServiceAgreement, user)
        .where(service_agreement_has_board(board_id)).distinct())), reverse=True)


def board_agreements(session: Session, user: User, board_id: int, year: int | None
                     ) -> list[ServiceAgreement]:
    """A board's service agreements of a year that the user may read, by code and version."""
    return list(session.scalars(
        scope(select(ServiceAgreement), ServiceAgreement, user)
        .where(service_agreement_has_board(board_id), ServiceAgreement.year == year)
        .order_by(ServiceAgreement.code, ServiceAgreement.version)))


def agreements_in_force(session: Session, user: User, board_id: int, year: int | None,
                        on: date) -> list[ServiceAgreement]:
    """A board's service agreements of a year as they stand on the day ``on``: of each, the
    version in force then (app.agreements.in_force), if the user may read it; by code."""
    readable = board_agreements(session, user, board_id, year)
    chosen = {a.id for a in in_force.counting_of_each(
        in_force.all_versions(session, ServiceAgreement, readable), on)}
    return sorted((a for a in readable if a.id in chosen), key=lambda a: natural(a.code))


@dataclass(frozen=True)
class Listed:
    """A row of the list of agreements: the version in force, or a newer version of it (a draft
    or a version in negotiation: ``drafting``, labelled, never counted; or an approved version
    that takes effect later)."""

    agreement: ServiceAgreement
    drafting: bool
    earlier_versions: bool  # older versions exist (history, not rows of the list)


def listed_agreements(session: Session, user: User | None, today: date, year: int | None = None,
                      board_id: int | None = None) -> list[Listed]:
    """One row per agreement the user may read: the version in force today (at the end of its
    year if the year is past), and after it the newer versions that the user may read (drafts
    and versions in negotiation: who drafts and negotiates them, by the scope; an approved
    version that takes effect later: everyone). Superseded versions are history, not rows.
    Chosen in Python (app.agreements.in_force.counting) since the day depends on each
    agreement's year; the readable versions are few (at most 500 are read)."""
    readable = readable_agreements(session, user, year, board_id)
    by_key: dict[tuple[Any, ...], list[ServiceAgreement]] = {}
    for version in in_force.all_versions(session, ServiceAgreement, readable):
        by_key.setdefault(in_force.version_key(version), []).append(version)
    counting: dict[tuple[Any, ...], ServiceAgreement] = {}
    for key, versions in by_key.items():
        last_year = max(v.year for v in versions)
        chosen = in_force.counting(versions, min(today, date(last_year, 12, 31)))
        if chosen is not None:
            counting[key] = chosen
    rows = []
    for agreement in readable:
        counts = counting.get(in_force.version_key(agreement))
        if counts is None:
            continue
        drafting = agreement.status not in APPROVED
        # After the version in force: drafts, and an approved version not yet in force.
        if agreement.id == counts.id or agreement.version > counts.version:
            rows.append(Listed(agreement, drafting, agreement.id == counts.id
                               and agreement.version > 1))
    return rows


def newest_approved(session: Session, user: User | None, agreement: ServiceAgreement
                    ) -> ServiceAgreement | None:
    """The newest approved version of ``agreement``'s agreement that the user may read: what a
    superseded version's page points to."""
    return session.scalar(
        scope(select(ServiceAgreement), ServiceAgreement, user)
        .where(ServiceAgreement.municipality_id == agreement.municipality_id,
               ServiceAgreement.code == agreement.code,
               ServiceAgreement.status.in_(APPROVED))
        .order_by(ServiceAgreement.version.desc()).limit(1))
