"""The hash chains of the audit trail: appending entries and verifying them (``sopimus audit
verify``).

One chain per tenant: the entries of a municipality form its own chain (``chain`` = its id),
entries without a municipality (users, the installation's admin) the chain ``0``, and the
entries written before revision 0013 stay as they were sealed in one chain, ``-1``, which
grows no more. So writers of different municipalities never wait for each other.

Each entry's ``hash`` is SHA-256 of the previous entry's hash in its chain followed by the
entry's canonical JSON (app.audit.canonical: sorted keys, Decimal as a fixed-point string at the
column's scale, dates ISO 8601, datetimes in UTC). Appending reads and updates the chain's head
row; on PostgreSQL the head is locked (SELECT … FOR UPDATE), where possible at the first flush
of a writing transaction before any row of it is written, so concurrent writers of one
municipality append one after the other and never fork its chain; SQLite has one writer at a
time anyway. A transaction that needs several chains locks them in ascending order.
"""

import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, Table, event, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from app.audit.canonical import canonical
from app.audit.models import GENESIS, LEGACY_CHAIN, NO_MUNICIPALITY, AuditChainHead, AuditEntry
from app.core.db import as_utc

HASHED = ("at", "user", "request_id", "action", "entity", "entity_id", "municipality_id",
          "agreement", "before", "after")

_entries: Table = AuditEntry.__table__  # type: ignore[assignment]
_head: Table = AuditChainHead.__table__  # type: ignore[assignment]


def chain_of(municipality_id: int | None) -> int:
    return NO_MUNICIPALITY if municipality_id is None else municipality_id


def entry_hash(entry: dict[str, Any]) -> str:
    payload = {k: entry[k] for k in HASHED}
    payload["at"] = _at_text(entry["at"])
    return hashlib.sha256((entry["prev_hash"] + canonical(payload)).encode("utf-8")).hexdigest()


@lru_cache(maxsize=64)
def _at_text(at: datetime) -> str:
    return as_utc(at).isoformat(timespec="microseconds")


def transaction_state(session: Session) -> dict[str, Any]:
    """What holds until the session's transaction (or savepoint) ends: the heads of the chains
    this transaction has locked, as it wrote them (nobody else appends), and rows' parents."""
    state: dict[str, Any] = session.info.setdefault("audit_transaction",
                                                    {"parents": {}, "heads": {}})
    return state


@event.listens_for(Session, "after_transaction_end")
def _forget(session: Session, _transaction: Any) -> None:
    session.info.pop("audit_transaction", None)


def _read_head(conn: Connection, chain: int) -> Any:
    query = select(_head.c.last_hash, _head.c.entries).where(_head.c.id == chain)
    return conn.execute(query.with_for_update() if conn.dialect.name == "postgresql"
                        else query).first()


def _take(session: Session, conn: Connection, chains: Iterable[int]) -> None:
    heads: dict[int, tuple[str, int]] = transaction_state(session)["heads"]
    for chain in sorted(set(chains) - heads.keys()):
        head = _read_head(conn, chain)
        if head is None:
            # Two first writers of one chain: the second waits for the first's commit, inserts
            # nothing and then locks the row the first created.
            dialect_insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
            conn.execute(dialect_insert(_head).values(id=chain, last_hash=GENESIS, entries=0)
                         .on_conflict_do_nothing())
            head = _read_head(conn, chain)
        heads[chain] = (head[0], head[1])


def lock_chains(session: Session, conn: Connection, chains: Iterable[int]) -> None:
    """Take the heads of ``chains`` for this transaction on PostgreSQL, in ascending order (no
    lock-order cycle between two transactions), creating a chain's head at its first entry.
    SQLite has one writer at a time; there a read before the transaction's first write would
    only turn a wait for the writer into "database is locked"."""
    if conn.dialect.name == "postgresql":
        _take(session, conn, chains)


def append(session: Session, conn: Connection, entries: list[dict[str, Any]]) -> None:
    """Chain ``entries`` after the last one of their chains; store them and the new heads."""
    if not entries:
        return
    for entry in entries:
        entry["chain"] = chain_of(entry["municipality_id"])
    _take(session, conn, (e["chain"] for e in entries))
    heads: dict[int, tuple[str, int]] = transaction_state(session)["heads"]
    touched = {e["chain"]: heads[e["chain"]] for e in entries}
    for entry in entries:
        prev, count = heads[entry["chain"]]
        entry["prev_hash"] = prev
        entry["hash"] = entry_hash(entry)
        heads[entry["chain"]] = (entry["hash"], count + 1)
    conn.execute(insert(_entries), entries)
    for chain in touched:
        last_hash, count = heads[chain]
        conn.execute(update(_head).where(_head.c.id == chain)
                     .values(last_hash=last_hash, entries=count))


@dataclass
class Verification:
    ok: bool
    entries: int
    broken_id: int | None = None
    reason: str = ""
    chain: int | None = None  # the chain that is broken: a municipality's id, 0 or -1
    chains: int = 0


def _rows(conn: Connection, chain: int) -> Iterator[dict[str, Any]]:
    last = 0
    while True:  # in pages, so that a long trail is never all in memory
        page = [dict(r) for r in conn.execute(
            select(_entries).where(_entries.c.chain == chain, _entries.c.id > last)
            .order_by(_entries.c.id).limit(1000)
        ).mappings()]
        if not page:
            return
        yield from page
        last = page[-1]["id"]


def _verify_chain(conn: Connection, chain: int, head: Any) -> Verification:
    prev, count = GENESIS, 0
    for row in _rows(conn, chain):
        if chain != LEGACY_CHAIN and chain_of(row["municipality_id"]) != chain:
            return Verification(False, count, row["id"], "it is in the chain of another "
                                "municipality: it was moved", chain)
        if row["prev_hash"] != prev:
            return Verification(False, count, row["id"], "its prev_hash is not the hash of the entry "
                                "before it: an entry before it was removed, inserted or rehashed",
                                chain)
        if entry_hash(row) != row["hash"]:
            return Verification(False, count, row["id"],
                                "its content does not match its hash: the entry was altered", chain)
        prev = row["hash"]
        count += 1
    if head is None and count:
        return Verification(False, count, None, "the chain has no head: it was removed", chain)
    if head is not None and (head["last_hash"] != prev or head["entries"] != count):
        return Verification(False, count, None, f"the chain head records {head['entries']} "
                            f"entries but {count} were found: entries were removed from its end",
                            chain)
    return Verification(True, count, chain=chain)


def verify(conn: Connection) -> Verification:
    """Recompute every chain; name the first broken one and the first entry that does not fit
    (``entries`` counts the entries found intact)."""
    heads = {h["id"]: h for h in conn.execute(select(_head)).mappings()}
    chains = sorted(heads.keys() | set(conn.scalars(select(_entries.c.chain).distinct())))
    total = 0
    for chain in chains:
        result = _verify_chain(conn, chain, heads.get(chain))
        if not result.ok:
            result.entries += total
            result.chains = len(chains)
            return result
        total += result.entries
    return Verification(True, total, chains=len(chains))
