"""One hash chain per municipality: writers of different municipalities do not wait for each
other; writers of one municipality still append one after the other."""

import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, insert, select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from app.audit.chain import entry_hash, verify
from app.audit.models import GENESIS, LEGACY_CHAIN, AuditEntry
from app.core.migrate import upgrade
from app.organisations.models import Board, Municipality
from tests.conftest import DATABASES, empty_database


def _municipalities(engine: Engine, *codes: str) -> list[int]:
    with Session(engine) as s:
        made = [Municipality(code=c, name_fi=f"Kunta {c}", created_by="t", updated_by="t")
                for c in codes]
        s.add_all(made)
        s.commit()
        return [m.id for m in made]


def _board(s: Session, municipality_id: int, code: str) -> None:
    s.add(Board(municipality_id=municipality_id, code=code, name_fi=code, created_by="t",
                updated_by="t"))
    s.flush()


def _bounded(s: Session) -> None:
    """A lock wait on this transaction raises at once instead of hanging the test."""
    s.execute(text("SET LOCAL lock_timeout = '300ms'"))


def test_a_write_of_one_municipality_does_not_wait_for_another(committing_engine: Engine
                                                                ) -> None:
    a_id, b_id = _municipalities(committing_engine, "109", "165")
    postgresql = committing_engine.dialect.name == "postgresql"
    with Session(committing_engine) as a:
        _board(a, a_id, "A1")  # A holds its chain's head until it commits
        if postgresql:  # SQLite has one writer at a time for the whole database
            with Session(committing_engine) as b:
                _bounded(b)
                _board(b, b_id, "B1")  # would raise (lock timeout) if it waited for A
                b.commit()
            with Session(committing_engine) as same:
                _bounded(same)
                with pytest.raises(OperationalError, match="lock timeout"):
                    _board(same, a_id, "A2")  # the same municipality waits for A
        a.commit()
    with Session(committing_engine) as s:
        if not postgresql:
            _board(s, b_id, "B1")
            s.commit()
        result = verify(s.connection())
        assert result.ok and result.chains == 2, result
        first_b = s.scalars(select(AuditEntry).where(AuditEntry.chain == b_id)
                            .order_by(AuditEntry.id)).first()
        assert first_b is not None and first_b.prev_hash == GENESIS


def test_concurrent_writers_of_two_municipalities_keep_both_chains(committing_engine: Engine
                                                                   ) -> None:
    ids = _municipalities(committing_engine, "109", "165")
    errors: list[BaseException] = []

    def writer(name: str, municipality_id: int) -> None:
        try:
            for i in range(6):
                with Session(committing_engine) as s:
                    _board(s, municipality_id, f"{name}{i}")
                    s.commit()
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n, ids[k % 2]))
               for k, n in enumerate(("A", "B", "C", "D"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with Session(committing_engine) as s:
        result = verify(s.connection())
        assert result.ok, result
        assert result.entries == s.scalar(select(func.count()).select_from(AuditEntry)) == 2 + 24
        for chain in ids:
            prevs = s.scalars(select(AuditEntry.prev_hash).where(AuditEntry.chain == chain)).all()
            assert len(prevs) == len(set(prevs)) == 13  # no fork: each follows a different one


def test_an_entry_moved_to_another_chain_is_named(committing_engine: Engine) -> None:
    a_id, b_id = _municipalities(committing_engine, "109", "165")
    with Session(committing_engine) as s:
        _board(s, a_id, "A1")
        s.commit()
        moved = s.scalars(select(AuditEntry).where(AuditEntry.entity == "boards")).one()
        s.execute(text("UPDATE audit_entries SET chain = :b WHERE id = :id"),
                  {"b": b_id, "id": moved.id})
        result = verify(s.connection())
        assert not result.ok and result.chain == a_id
        assert "removed from its end" in result.reason
        s.execute(text("UPDATE audit_chain_head SET entries = entries - 1, last_hash = "
                       "(SELECT prev_hash FROM audit_entries WHERE id = :id) WHERE id = :a"),
                  {"id": moved.id, "a": a_id})  # and the head of A made to fit
        result = verify(s.connection())
        assert (result.ok, result.chain, result.broken_id) == (False, b_id, moved.id)
        assert "another municipality" in result.reason


@pytest.mark.parametrize("kind", DATABASES)
def test_entries_of_before_0013_stay_one_sealed_chain(kind: str, tmp_path: Path) -> None:
    engine, drop = empty_database(kind, tmp_path)
    try:
        upgrade(engine, "0011")
        prev = GENESIS
        with engine.begin() as conn:  # two entries as the one chain of 0011 wrote them
            for n, municipality_id in ((1, None), (2, 7)):
                entry = {"at": datetime(2026, 11, 1, tzinfo=UTC), "user": "demo",
                         "request_id": None, "action": "create", "entity": "boards",
                         "entity_id": n, "municipality_id": municipality_id, "agreement": None,
                         "before": None, "after": {"code": f"B{n}"}, "prev_hash": prev}
                entry["hash"] = prev = entry_hash(entry)
                conn.execute(insert(AuditEntry.__table__).values(entry))
            conn.execute(text("UPDATE audit_chain_head SET last_hash = :h, entries = 2"),
                         {"h": prev})
        upgrade(engine)
        with Session(engine) as s:
            assert set(s.scalars(select(AuditEntry.chain))) == {LEGACY_CHAIN}
            result = verify(s.connection())
            assert (result.ok, result.entries, result.chains) == (True, 2, 1)
            s.execute(text("UPDATE audit_entries SET entity_id = 9 WHERE entity_id = 1"))
            result = verify(s.connection())
            assert (result.ok, result.chain, result.broken_id) == (False, LEGACY_CHAIN, 1)
    finally:
        engine.dispose()
        drop()
