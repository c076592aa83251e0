"""No lost updates: every resource has an ETag; PATCH and DELETE need a current If-Match."""

import threading
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from app.audit.chain import verify
from app.audit.models import AuditEntry
from app.auth.models import Role
from app.core import resources
from app.organisations.models import Board, Municipality
from tests.helpers import auth, create_user, create_world

API = "/api/v1"


def test_two_managers_edit_the_same_agreement_and_exactly_one_wins(
    client: TestClient, db: Session
) -> None:
    w = create_world(db)
    first = auth(db, create_user(db, Role.purchaser_manager, w["municipality"], username="anna"))
    second = auth(db, create_user(db, Role.purchaser_manager, w["municipality"], username="eero"))
    path = f"{API}/service-agreements/{w['agreement'].id}"
    read_a, read_b = client.get(path, headers=first), client.get(path, headers=second)
    assert read_a.headers["ETag"] == read_b.headers["ETag"] == f'"{read_a.json()["row_version"]}"'

    results = [client.patch(path, json={"title": title}, headers={**h, "If-Match": etag})
               for h, title, etag in ((first, "Annan versio", read_a.headers["ETag"]),
                                      (second, "Eeron versio", read_b.headers["ETag"]))]
    assert [r.status_code for r in results] == [200, 412]
    assert results[0].headers["ETag"] != read_a.headers["ETag"]
    assert results[1].headers["content-type"] == "application/problem+json"
    assert "changed by someone else" in results[1].json()["detail"]
    assert client.get(path, headers=second).json()["title"] == "Annan versio"

    # Eero reloads, sees Anna's change and applies his on top of it.
    fresh = client.get(path, headers=second).headers["ETag"]
    retry = client.patch(path, json={"description": "Eeron lisäys"},
                         headers={**second, "If-Match": fresh})
    assert retry.status_code == 200
    assert (retry.json()["title"], retry.json()["description"]) == ("Annan versio", "Eeron lisäys")


def test_an_update_or_delete_without_if_match_gets_428_and_changes_nothing(
    client: TestClient, db: Session
) -> None:
    w = create_world(db)
    h = auth(db, create_user(db, Role.purchaser_director, w["municipality"]))
    path = f"{API}/goals/{w['goal'].id}"
    response = client.patch(path, json={"title": "Ilman"}, headers=h)
    assert response.status_code == 428
    assert "If-Match" in response.json()["detail"]
    assert client.delete(path, headers=h).status_code == 428
    stale = client.delete(path, headers={**h, "If-Match": '"999"'})
    assert stale.status_code == 412 and stale.json()["etag"] == '"1"'
    assert client.get(path, headers=h).json()["title"] == "Tavoite"
    assert client.delete(path, headers={**h, "If-Match": '"1"'}).status_code == 204


def test_two_writers_past_the_check_at_once_still_cannot_both_write(
    client: TestClient, db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The row version guards the UPDATE itself: a change stored between the If-Match check and
    the write (another request) makes this write match no row: 412, nothing of it stored."""
    w = create_world(db)
    h = auth(db, create_user(db, Role.purchaser_director, w["municipality"]))
    board = w["board"]
    checked = resources.check_if_match

    def check_then_someone_else_writes(obj: Any, if_match: str | None) -> None:
        checked(obj, if_match)
        db.connection().execute(update(Board).where(Board.id == board.id).values(
            name_fi="Toisen muutos", row_version=Board.row_version + 1))

    monkeypatch.setattr(resources, "check_if_match", check_then_someone_else_writes)
    path = f"{API}/boards/{board.id}"
    response = client.patch(path, json={"name_fi": "Minun muutokseni"},
                            headers={**h, "If-Match": client.get(path, headers=h).headers["ETag"]})
    assert response.status_code == 412, response.text
    assert "nothing of your change was stored" in response.json()["detail"]
    assert client.get(path, headers=h).json()["name_fi"] != "Minun muutokseni"


def _municipality(engine: Engine) -> int:
    with Session(engine) as s:
        m = Municipality(code="109", name_fi="Hämeenlinna", created_by="t", updated_by="t")
        s.add(m)
        s.flush()
        s.add(Board(municipality_id=m.id, code="LANULA", name_fi="Lanula", created_by="t",
                    updated_by="t"))
        s.commit()
        return m.id


def test_two_sessions_committing_the_same_row_lose_nothing(committing_engine: Engine) -> None:
    _municipality(committing_engine)
    # as the app's sessions: what was read stays as read after a commit
    with Session(committing_engine, expire_on_commit=False) as a, \
            Session(committing_engine, expire_on_commit=False) as b:
        board_a = a.scalars(select(Board)).one()
        board_b = b.scalars(select(Board)).one()
        a.commit()
        b.commit()  # both have read version 1 and hold no transaction open
        board_a.name_fi, board_a.updated_by = "A", "a"
        a.commit()
        board_b.name_fi, board_b.updated_by = "B", "b"
        with pytest.raises(StaleDataError):
            b.commit()
    with Session(committing_engine) as s:
        assert s.scalars(select(Board)).one().name_fi == "A"
        assert verify(s.connection()).ok


def test_concurrent_writers_append_one_chain(committing_engine: Engine) -> None:
    municipality_id = _municipality(committing_engine)
    errors: list[BaseException] = []

    def writer(name: str) -> None:
        try:
            for i in range(8):
                with Session(committing_engine) as s:
                    s.add(Board(municipality_id=municipality_id, code=f"{name}{i}", name_fi=name,
                                created_by=name, updated_by=name))
                    s.commit()
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in ("A", "B", "C")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with Session(committing_engine) as s:
        result = verify(s.connection())
        assert result.ok, result
        assert result.entries == s.scalar(select(func.count()).select_from(AuditEntry)) == 2 + 24
        prevs = s.scalars(select(AuditEntry.prev_hash)).all()
        assert len(prevs) == len(set(prevs))  # no two entries follow the same one: no fork
