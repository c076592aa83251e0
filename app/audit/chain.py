"""The hash chain of the audit trail: appending entries and verifying them (``sopimus audit
verify``).

Each entry's ``hash`` is SHA-256 of the previous entry's hash followed by the entry's canonical
JSON (app.audit.canonical: sorted keys, Decimal as a fixed-point string at the column's scale,
dates ISO 8601, datetimes in UTC). Appending reads and updates the one-row chain head; on
PostgreSQL the head is locked (SELECT … FOR UPDATE) at the first flush of a writing
transaction, before any row of it is written, so concurrent writers append one after the other
and never fork the chain; SQLite has one writer at a time anyway.
"""

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, Table, event, insert, select, update
from sqlalchemy.orm import Session

from app.audit.canonical import canonical
from app.audit.models import GENESIS, AuditChainHead, AuditEntry
from app.core.db import as_utc

HEAD_ID = 1
HASHED = ("at", "user", "request_id", "action", "entity", "entity_id", "municipality_id",
          "agreement", "before", "after")

_entries: Table = AuditEntry.__table__  # type: ignore[assignment]
_head: Table = AuditChainHead.__table__  # type: ignore[assignment]


def entry_hash(entry: dict[str, Any]) -> str:
    payload = {k: entry[k] for k in HASHED}
    payload["at"] = _at_text(entry["at"])
    return hashlib.sha256((entry["prev_hash"] + canonical(payload)).encode("utf-8")).hexdigest()


@lru_cache(maxsize=64)
def _at_text(at: datetime) -> str:
    return as_utc(at).isoformat(timespec="microseconds")


def transaction_state(session: Session) -> dict[str, Any]:
    """What holds until the session's transaction (or savepoint) ends: the chain head as this
    transaction wrote it (it holds the lock, nobody else appends) and the rows' parents."""
    state: dict[str, Any] = session.info.setdefault("audit_transaction", {"parents": {}})
    return state


@event.listens_for(Session, "after_transaction_end")
def _forget(session: Session, _transaction: Any) -> None:
    session.info.pop("audit_transaction", None)


def lock_chain(session: Session, conn: Connection) -> None:
    """Take the chain head for this transaction (PostgreSQL; SQLite serialises writers)."""
    state = transaction_state(session)
    if conn.dialect.name == "postgresql" and not state.get("locked"):
        conn.execute(select(_head.c.id).where(_head.c.id == HEAD_ID).with_for_update())
        state["locked"] = True


def append(session: Session, conn: Connection, entries: list[dict[str, Any]]) -> None:
    """Chain ``entries`` after the last one and store them with the new chain head."""
    if not entries:
        return
    state = transaction_state(session)
    if "head" not in state:
        head = conn.execute(
            select(_head.c.last_hash, _head.c.entries).where(_head.c.id == HEAD_ID).with_for_update()
        ).first()
        if head is None:
            conn.execute(insert(_head).values(id=HEAD_ID, last_hash=GENESIS, entries=0))
        state["head"] = tuple(head) if head is not None else (GENESIS, 0)
    prev, count = state["head"]
    for entry in entries:
        entry["prev_hash"] = prev
        entry["hash"] = prev = entry_hash(entry)
    conn.execute(insert(_entries), entries)
    conn.execute(update(_head).where(_head.c.id == HEAD_ID)
                 .values(last_hash=prev, entries=count + len(entries)))
    state["head"] = (prev, count + len(entries))


@dataclass
class Verification:
    ok: bool
    entries: int
    broken_id: int | None = None
    reason: str = ""


def _rows(conn: Connection) -> Iterator[dict[str, Any]]:
    last = 0
    while True:  # in pages, so that a long trail is never all in memory
        page = [dict(r) for r in conn.execute(
            select(_entries).where(_entries.c.id > last).order_by(_entries.c.id).limit(1000)
        ).mappings()]
        if not page:
            return
        yield from page
        last = page[-1]["id"]


def verify(conn: Connection) -> Verification:
    """Recompute the chain; name the first entry that does not fit."""
    prev, count = GENESIS, 0
    for row in _rows(conn):
        if row["prev_hash"] != prev:
            return Verification(False, count, row["id"], "its prev_hash is not the hash of the entry "
                                "before it: an entry before it was removed, inserted or rehashed")
        if entry_hash(row) != row["hash"]:
            return Verification(False, count, row["id"],
                                "its content does not match its hash: the entry was altered")
        prev = row["hash"]
        count += 1
    head = conn.execute(select(_head).where(_head.c.id == HEAD_ID)).mappings().first()
    if head is not None and (head["last_hash"] != prev or head["entries"] != count):
        return Verification(False, count, None, f"the chain head records {head['entries']} "
                            f"entries but {count} were found: entries were removed from its end")
    return Verification(True, count)
