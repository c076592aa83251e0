"""Small create_* helpers for tests: real objects through the service layer."""

import asyncio
import functools
from typing import Any

import pytest
from sqlalchemy.orm import Session

from app.auth.models import Role, User
from app.auth.service import create_user as create_user_
from app.auth.service import start_session
from app.core import writes
from app.organisations.models import Board, Municipality

ROOT = User(username="root", full_name="Root", role=Role.admin)  # installation admin, unsaved

PASSWORD = "correct horse battery staple"


def create_user(db: Session, role: Role = Role.admin, municipality: Municipality | None = None,
                provider_id: int | None = None, username: str | None = None,
                board_id: int | None = None, purchaser_unit_id: int | None = None) -> User:
    name = username or f"{role.value}-{municipality.code if municipality else 'all'}-{provider_id}"
    return create_user_(db, username=name, password=PASSWORD, full_name=name.title(), role=role,
                        municipality_id=municipality.id if municipality else None,
                        provider_id=provider_id, board_id=board_id,
                        purchaser_unit_id=purchaser_unit_id)


def auth(db: Session, user: User) -> dict[str, str]:
    return {"Authorization": f"Bearer {start_session(db, user)}"}


def if_match(client: Any, headers: dict[str, str], path: str) -> dict[str, str]:
    """``headers`` with If-Match set to the ETag a GET of ``path`` answers (for PATCH, DELETE)."""
    response = client.get(path, headers=headers)
    assert response.status_code == 200, response.text
    return {**headers, "If-Match": response.headers["ETag"]}


def record_loop_use(monkeypatch: pytest.MonkeyPatch, owner: Any, name: str) -> list[bool]:
    """Wraps ``owner.name`` for the test; each call appends whether it ran on the event loop, so
    a test can show that CPU-heavy work (a parse) runs in a worker thread instead."""
    on_loop: list[bool] = []
    real = getattr(owner, name)

    @functools.wraps(real)
    def recording(*args: Any, **kwargs: Any) -> Any:
        try:
            asyncio.get_running_loop()
            on_loop.append(True)
        except RuntimeError:
            on_loop.append(False)
        return real(*args, **kwargs)

    monkeypatch.setattr(owner, name, recording)
    return on_loop


def create(db: Session, model: Any, **data: Any) -> Any:
    return writes.create(db, ROOT, model, data)


def create_municipality(db: Session, code: str = "109", name: str = "Hämeenlinna") -> Municipality:
    municipality: Municipality = create(db, Municipality, code=code, name_fi=name)
    return municipality


def create_board(db: Session, municipality: Municipality, code: str = "LANULA") -> Board:
    board: Board = create(db, Board, municipality_id=municipality.id, code=code,
                          name_fi="Lasten ja nuorten lautakunta")
    return board


def create_world(db: Session, code: str = "109") -> dict[str, Any]:
    """A municipality with a board, a framework 2013–2016, a provider, an agreement 2015, a
    goal and a tertial measure: the smallest set the rules can be tried on."""
    from app.agreements.models import FrameworkAgreement, ServiceAgreement
    from app.goals.models import Goal
    from app.indicators.models import Measure
    from app.organisations.models import Provider

    m = create_municipality(db, code, f"Kunta {code}")
    board = create_board(db, m)
    provider = create(db, Provider, municipality_id=m.id, code="P1", name="Tuottaja 1",
                      kind="company", business_id="0204819-8")
    framework = create(db, FrameworkAgreement, board_id=board.id, title="Puitesopimus",
                       first_year=2013, last_year=2016)
    agreement = create(db, ServiceAgreement, code="SA1", framework_agreement_id=framework.id,
                       provider_id=provider.id, year=2015, title="Palvelusopimus",
                       board_ids=[board.id])
    goal = create(db, Goal, service_agreement_id=agreement.id, code="1", title="Tavoite")
    measure = create(db, Measure, goal_id=goal.id, code="M1", name="Mittari", unit="%",
                     direction="higher_is_better", frequency="tertial", rollup="last",
                     min_value=0, max_value=100)
    return {"municipality": m, "board": board, "provider": provider, "framework": framework,
            "agreement": agreement, "goal": goal, "measure": measure}
