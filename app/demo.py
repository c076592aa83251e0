"""The demo data: the seed agreement sets under contracts/ (approved, in their own years), one
user per role, and Hämeenlinna's year in progress (app.demo_year, app.demo_progress)."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.agreements.models import FrameworkAgreement
from app.auth.models import Role, User
from app.auth.service import create_user
from app.contracts.importer import import_text
from app.core.migrate import ROOT
from app.demo_progress import act_on, action_due, approve_seeds, demo_loaded, load_year
from app.demo_year import BOARD, SEED, YearPlan
from app.organisations.models import Board, Municipality, Provider, PurchaserUnit
from app.web.board_rows import board_overview

CONTRACTS = ROOT / "contracts"
SYSTEM = User(username="demo", full_name="Demo data", role=Role.admin)


@dataclass(frozen=True)
class DemoUser:
    username: str
    password: str
    role: str
    municipality: str
    provider: str


def database_is_empty(session: Session) -> bool:
    return not session.scalar(select(func.count()).select_from(Municipality))


def contract_files() -> list[Path]:
    return sorted(CONTRACTS.glob("*.yaml"))


def demo_password(username: str) -> str:
    """Demo passwords are predictable on purpose: README lists them. Never use in production."""
    return f"Demo-{username}-2025!"


def load_demo(session: Session, progress: Callable[[str], None] = lambda _: None
              ) -> list[DemoUser]:
    """Load the demo (see the module docstring); the users it creates. Once loaded, loading
    it again changes nothing (``demo_loaded``): the approved agreements are no longer drafts
    that a second import could write over."""
    if demo_loaded(session):
        progress("The demo data is already loaded; nothing changed.")
        return []
    for path in contract_files():
        progress(f"Importing {path.name}")
        import_text(session, SYSTEM, path.read_text(encoding="utf-8"), path.name)
    progress("Approving the seed agreements")
    approve_seeds(session, SYSTEM, progress)
    users: list[DemoUser] = []
    add = _adder(session, users)
    hameenlinna = session.scalars(select(Municipality).where(Municipality.code == "109")).one()
    add("109-director", Role.purchaser_director, hameenlinna)  # who acts in the year
    director = session.scalars(select(User).where(User.username == "109-director")).one()
    plan = YearPlan.of(date.today())
    report = load_year(session, SYSTEM, director, (CONTRACTS / SEED).read_text(encoding="utf-8"),
                       plan, progress)
    _act_on_board_misses(session, director, hameenlinna, plan)
    # The report renders in a process of its own meanwhile: hashing the passwords takes long.
    progress("Creating demo users")
    _add_users(session, add)
    report.store(session, director)
    return users


def _act_on_board_misses(session: Session, director: User, municipality: Municipality,
                         plan: YearPlan) -> None:
    """The red and amber measures of the board member's first screen (the latest value of the
    year, app.web.board_rows) get their provider's corrective action too: the report judged
    its own period."""
    board = session.scalars(select(Board).where(Board.municipality_id == municipality.id,
                                                Board.code == BOARD)).one()
    rows = board_overview(session, director, board.id, plan.year, "fi").all_rows()
    for r in rows:
        if r.status in ("off_track", "at_risk") and r.value is not None and not r.notes:
            act_on(session, session.get_one(Provider, r.info.provider_id), r.value.id,
                   r.info.code, action_due(plan))


Add = Callable[..., None]


def _adder(session: Session, users: list[DemoUser]) -> Add:
    def add(username: str, role: Role, municipality: Municipality | None,
            provider: Provider | None = None, board_id: int | None = None,
            unit_id: int | None = None) -> None:
        if session.scalar(select(User.id).where(User.username == username)):
            return
        password = demo_password(username)
        create_user(session, username=username, password=password,
                    full_name=username.replace("-", " ").title(), role=role,
                    municipality_id=municipality.id if municipality else None,
                    provider_id=provider.id if provider else None, board_id=board_id,
                    purchaser_unit_id=unit_id)
        users.append(DemoUser(username, password, role.value,
                              municipality.code if municipality else "",
                              provider.code if provider else ""))
    return add


def _add_users(session: Session, add: Add) -> None:
    """One user per role in each municipality, and a reporter for each provider."""
    add("admin", Role.admin, None)
    for m in session.scalars(select(Municipality).order_by(Municipality.code)):
        add(f"{m.code}-admin", Role.admin, m)
        add(f"{m.code}-director", Role.purchaser_director, m)
        # The board member sits on the board of the municipality's framework agreement, or
        # (a set without one, as Lappeenranta's ownership steering) on its first board.
        board_id = session.scalar(select(FrameworkAgreement.board_id).where(
            FrameworkAgreement.municipality_id == m.id).order_by(FrameworkAgreement.id)) \
            or session.scalar(select(Board.id).where(Board.municipality_id == m.id)
                              .order_by(Board.id))
        add(f"{m.code}-board", Role.board_member, m, board_id=board_id)
        # The purchaser manager drafts within a purchaser unit of that board, if it has one.
        unit_id = session.scalar(select(PurchaserUnit.id).where(
            PurchaserUnit.board_id == board_id).order_by(PurchaserUnit.id)) if board_id else None
        add(f"{m.code}-manager", Role.purchaser_manager, m, unit_id=unit_id)
        providers = session.scalars(
            select(Provider).where(Provider.municipality_id == m.id).order_by(Provider.code))
        for p in providers:
            add(f"{m.code}-{p.code.lower()}", Role.provider_reporter, m, p)
