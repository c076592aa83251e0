"""The audit trail, captured in one place for every writer: SQLAlchemy session events.

Every create, update and delete of a row of a model carrying ``app.core.db.Attributed`` is
recorded, whoever writes it (the API, the importer, the CLI, any feature's service): the
session's ``before_flush`` reads each changed row as stored and as it will be, asks the
change guards (app.core.audit.change_guards: the immutability of approved agreements) and
``after_flush`` appends the entries to the hash chain in the same transaction, so a rolled back
change leaves no entry. Rows the database deletes or nulls itself (ON DELETE CASCADE / SET NULL)
are recorded too. ORM bulk statements (``session.execute(delete(Model)…)``) go through
``do_orm_execute`` and are recorded the same way.

The chain: each entry's ``hash`` is SHA-256 of the previous entry's hash followed by the
entry's canonical JSON (sorted keys, Decimal as a fixed-point string at the column's scale,
dates ISO 8601, datetimes in UTC). Appending reads and updates the one-row chain head; on
PostgreSQL the head is locked (SELECT … FOR UPDATE) at the first flush of a writing
transaction, before any row of it is written, so concurrent writers append one after the other
and never fork the chain; SQLite has one writer at a time anyway.
"""

import hashlib
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from functools import cache, lru_cache
from typing import Any

from sqlalchemy import (
    Column,
    Connection,
    Date,
    DateTime,
    Integer,
    Numeric,
    Select,
    String,
    Table,
    UniqueConstraint,
    event,
    insert,
    inspect,
    select,
    update,
)
from sqlalchemy import Enum as SAEnum
from sqlalchemy.orm import ORMExecuteState, Session
from sqlalchemy.orm.attributes import instance_dict
from sqlalchemy.sql import operators, visitors
from sqlalchemy.sql.elements import BinaryExpression, BindParameter, ColumnElement

from app.agreements.ownership import AGREEMENT_TABLES, Cache, agreement_of, preload, ref_text
from app.audit.models import GENESIS, AuditChainHead, AuditEntry
from app.auth.authz import Act, is_installation_admin, may
from app.core.audit import Change, change_guards, current_actor, request_id
from app.core.db import Attributed, Base, as_utc, model_of_table, utcnow
from app.core.errors import Forbidden

BOOKKEEPING = frozenset({"created_at", "created_by", "updated_at", "updated_by", "row_version"})
HEAD_ID = 1
HASHED = ("at", "user", "request_id", "action", "entity", "entity_id", "municipality_id",
          "agreement", "before", "after")

_entries: Table = AuditEntry.__table__  # type: ignore[assignment]
_head: Table = AuditChainHead.__table__  # type: ignore[assignment]
def audited(model: Any) -> bool:
    """Rows of attributed models, less those that are a history themselves (``audit_trail``
    False: a value's revisions are written with the value's own audited change)."""
    return isinstance(model, type) and issubclass(model, Attributed) \
        and getattr(model, "audit_trail", True)


# -- canonical values -------------------------------------------------------------------------

def plain(value: Any, column: Column[Any] | None = None) -> Any:
    """A JSON value that is the same however the value was given (Decimal('5') or '5.0000')."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Decimal | float) or (
        column is not None and isinstance(column.type, Numeric) and isinstance(value, int)
    ):
        number = Decimal(str(value))
        scale = column.type.scale if column is not None and isinstance(column.type, Numeric) else None
        if scale is not None:
            number = number.quantize(Decimal(1).scaleb(-scale))
        return format(number, "f")
    if isinstance(value, datetime):
        return as_utc(value).isoformat(timespec="microseconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, bytes | bytearray | memoryview):
        # A document's bytes are in its own row; the trail keeps their digest and size.
        data = bytes(value)
        return {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}
    return value


def _converter(column: Column[Any]) -> Callable[[Any], Any]:
    """The column's value as JSON, chosen once per column (the trail may get 10 000 rows)."""
    kind = column.type
    if isinstance(kind, Numeric) and kind.scale is not None:
        quantum = Decimal(1).scaleb(-kind.scale)

        def number(value: Any) -> Any:
            if value is None:
                return None
            value = value if isinstance(value, Decimal) else Decimal(str(value))
            return format(value.quantize(quantum), "f")
        return number
    if isinstance(kind, Integer | String) and not isinstance(kind, SAEnum):
        return lambda value: value.value if isinstance(value, Enum) else value
    if isinstance(kind, Date) and not isinstance(kind, DateTime):
        return lambda value: value.isoformat() if isinstance(value, date) else value
    return lambda value: plain(value, column)


_converters: dict[str, dict[str, Callable[[Any], Any]]] = {}


def _plain_row(table: Table, row: dict[str, Any], names: Iterable[str] | None = None) -> dict[str, Any]:
    converters = _converters.get(table.name)
    if converters is None:
        converters = _converters[table.name] = {c.name: _converter(c) for c in table.c}
    keys = [k for k in (names if names is not None else row) if k not in BOOKKEEPING]
    return {k: converters[k](row.get(k)) if k in converters else plain(row.get(k)) for k in keys}


def canonical(payload: dict[str, Any]) -> str:
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def entry_hash(entry: dict[str, Any]) -> str:
    payload = {k: entry[k] for k in HASHED}
    payload["at"] = _at_text(entry["at"])
    return hashlib.sha256((entry["prev_hash"] + canonical(payload)).encode("utf-8")).hexdigest()


@lru_cache(maxsize=64)
def _at_text(at: datetime) -> str:
    return as_utc(at).isoformat(timespec="microseconds")


_SIMPLE = (str, int, bool, Decimal, date, type(None))


def _equal(a: Any, b: Any) -> bool:
    if type(a) is type(b) and type(a) in _SIMPLE:
        return bool(a == b)  # the common case, quick (Decimal compares by value: 5 == 5.00)
    if isinstance(a, Decimal | int | float) and isinstance(b, Decimal | int | float) \
            and not isinstance(a, bool) and not isinstance(b, bool):
        return Decimal(str(a)) == Decimal(str(b))
    if isinstance(a, datetime) and isinstance(b, datetime):
        return as_utc(a) == as_utc(b)
    return bool(plain(a) == plain(b))


# -- reading changes --------------------------------------------------------------------------

def _table(model: Any) -> Table:
    return model.__table__  # type: ignore[no-any-return]


def _stored(conn: Connection, table: Table, pk: Any) -> dict[str, Any] | None:
    row = conn.execute(select(table).where(table.c.id == pk)).mappings().first()
    return dict(row) if row else None


_column_keys: dict[type, list[tuple[str, str]]] = {}


def _values(obj: Any) -> dict[str, Any]:
    """The object's column values as it holds them (loaded or set), by column name."""
    keys = _column_keys.get(type(obj))
    if keys is None:
        keys = _column_keys[type(obj)] = [(a.key, a.columns[0].name)
                                          for a in inspect(type(obj)).column_attrs]
    held = instance_dict(obj)
    return {name: held[key] for key, name in keys if key in held}


def _collections(obj: Any) -> dict[str, tuple[list[int], list[int]]]:
    """Many-to-many links that change (e.g. a goal's boards) as id lists before and after."""
    state = inspect(obj)
    out = {}
    for rel in state.mapper.relationships:
        if rel.secondary is None:
            continue
        history = state.attrs[rel.key].history
        if not (history.added or history.deleted):
            continue
        kept = [o.id for o in history.unchanged or ()]
        before = sorted(kept + [o.id for o in history.deleted or ()])
        after = sorted(kept + [o.id for o in history.added or ()])
        if before != after:
            out[rel.key.removesuffix("s") + "_ids"] = (before, after)
    return out


def _update(table: Table, model: Any, before: dict[str, Any], after: dict[str, Any],
            obj: Any = None, collections: dict[str, tuple[list[int], list[int]]] | None = None,
            cascade: bool = False) -> Change:
    changed = {k for k in after if k not in BOOKKEEPING and not _equal(before.get(k), after[k])}
    action = "transition" if table.name in AGREEMENT_TABLES and "status" in changed else "update"
    return Change(action, table.name, model, before=before, after=after, changed=changed,
                  collections=collections or {}, obj=obj, cascade=cascade)


@cache
def _dependents(table: str) -> list[tuple[Table, Any, Any, str]]:
    """(child table, its model, foreign key, CASCADE or SET NULL) of the audited rows that the
    database deletes or nulls with a row of ``table``: fixed by the schema, found once."""
    out = []
    for child in Base.metadata.sorted_tables:
        model = model_of_table(child.name)
        if not audited(model):
            continue
        for fk in child.foreign_keys:
            rule = (fk.ondelete or "").upper()
            if fk.column.table.name == table and rule in {"CASCADE", "SET NULL"}:
                out.append((child, model, fk, rule))
    return out


@cache
def _dependent_links(table: str) -> list[tuple[Any, Any, Any, str]]:
    """(foreign key to ``table``, the other foreign key, owner model, collection name) of the
    many-to-many links the database drops with a row of ``table``."""
    out = []
    for link in Base.metadata.sorted_tables:
        fks = list(link.foreign_keys)
        if model_of_table(link.name) is not None or len(fks) != 2:
            continue
        for fk, other in (fks, fks[::-1]):
            owner_model = model_of_table(other.column.table.name)
            if fk.column.table.name != table or (fk.ondelete or "").upper() != "CASCADE" \
                    or not audited(owner_model):
                continue
            relation = next((r for r in inspect(owner_model).relationships
                             if r.secondary is link), None)
            if relation is not None:
                out.append((fk, other, owner_model, relation.key.removesuffix("s") + "_ids"))
    return out


def _cascades(conn: Connection, table: str, ids: list[Any], seen: set[tuple[str, Any]]
              ) -> list[Change]:
    """The rows the database will delete (CASCADE) or null (SET NULL) when ``ids`` go."""
    out: list[Change] = []
    for child, model, fk, rule in _dependents(table):
        deleted = []
        for row in conn.execute(select(child).where(fk.parent.in_(ids))).mappings():
            before = dict(row)
            if (child.name, before["id"]) in seen:
                continue
            if rule == "CASCADE":
                seen.add((child.name, before["id"]))
                out.append(Change("delete", child.name, model, before=before, cascade=True))
                deleted.append(before["id"])
            else:
                out.append(_update(child, model, before, {**before, fk.parent.name: None},
                                   cascade=True))
        if deleted:
            out.extend(_cascades(conn, child.name, deleted, seen))
    out.extend(_cascaded_links(conn, table, ids, seen))
    return out


def _cascaded_links(conn: Connection, table: str, ids: list[Any], seen: set[tuple[str, Any]]
                    ) -> list[Change]:
    """Many-to-many links the database drops with ``ids`` (e.g. a board's links to the goals it
    is responsible for): an update of each owner's collection (its board_ids)."""
    out: list[Change] = []
    for fk, other, owner_model, name in _dependent_links(table):
        owners = sorted(set(conn.execute(select(other.parent).where(fk.parent.in_(ids)))
                            .scalars()))
        owner_table = other.column.table
        for owner_id in owners:
            if (owner_table.name, owner_id) in seen:
                continue
            row = _stored(conn, owner_table, owner_id)
            linked = sorted(conn.execute(select(fk.parent).where(other.parent == owner_id))
                            .scalars())
            if row is None:
                continue
            out.append(Change("update", owner_table.name, owner_model, before=row, after=row,
                              collections={name: (linked, [i for i in linked if i not in ids])},
                              cascade=True))
    return out


def _stored_rows(conn: Connection, objs: Iterable[Any]) -> dict[tuple[str, Any], dict[str, Any]]:
    """The rows of ``objs`` as stored, by (table, id): a query per table, not per row."""
    ids: dict[str, list[Any]] = {}
    for obj in objs:
        ids.setdefault(_table(type(obj)).name, []).append(obj.id)
    rows: dict[tuple[str, Any], dict[str, Any]] = {}
    for name, wanted in ids.items():
        table = Base.metadata.tables[name]
        for start in range(0, len(wanted), 1000):
            for row in conn.execute(select(table).where(
                    table.c.id.in_(wanted[start:start + 1000]))).mappings():
                rows[(name, row["id"])] = dict(row)
    return rows


def collect(session: Session, conn: Connection) -> list[Change]:
    """Every audited row this flush will create, update or delete, as stored and as it will be."""
    changes: list[Change] = []
    for obj in session.new:
        if audited(type(obj)):
            changes.append(Change("create", _table(type(obj)).name, type(obj), after=_values(obj),
                                  obj=obj))
    dirty = [obj for obj in session.dirty if audited(type(obj))
             and session.is_modified(obj, include_collections=True)]
    deleted = [obj for obj in session.deleted if audited(type(obj))]
    stored = _stored_rows(conn, [*dirty, *deleted])
    for obj in dirty:
        model = type(obj)
        table = _table(model)
        before = stored.get((table.name, obj.id))
        if before is None:
            continue
        changes.append(_update(table, model, before, {**before, **_values(obj)}, obj,
                               _collections(obj)))
    seen = {(_table(type(obj)).name, obj.id) for obj in deleted}
    for obj in deleted:
        table = _table(type(obj))
        before = stored.get((table.name, obj.id))
        if before is not None:
            changes.append(Change("delete", table.name, type(obj), before=before, obj=obj))
            changes.extend(_cascades(conn, table.name, [obj.id], seen))
    return changes


# -- entries ----------------------------------------------------------------------------------

def _entry(conn: Connection, session: Session, change: Change, at: datetime, cache: Cache
           ) -> dict[str, Any] | None:
    table: Table = Base.metadata.tables[change.table]
    row = change.row
    if change.action == "create":
        before, after = None, _plain_row(table, row)
    elif change.action == "delete":
        before, after = _plain_row(table, row), None
    else:
        if not change.changed and not change.collections:
            return None  # only bookkeeping columns moved
        assert change.before is not None and change.after is not None
        names = sorted(change.changed)
        before = _plain_row(table, change.before, names)
        after = _plain_row(table, change.after, names)
        for name, (old, new) in change.collections.items():
            before[name], after[name] = old, new
    return {
        "at": at,
        "user": current_actor(session, None if change.action == "delete" else row.get("updated_by")),
        "request_id": request_id.get(),
        "action": change.action,
        "entity": change.table,
        "entity_id": row.get("id"),
        "municipality_id": row.get("id") if change.table == "municipalities"
        else row.get("municipality_id"),
        "agreement": ref_text(agreement_of(conn, change.table, row, cache)),
        "before": before,
        "after": after,
    }


def _transaction_state(session: Session) -> dict[str, Any]:
    """What holds until the session's transaction (or savepoint) ends: the chain head as this
    transaction wrote it (it holds the lock, nobody else appends) and the rows' parents."""
    state: dict[str, Any] = session.info.setdefault("audit_transaction", {"parents": {}})
    return state


@event.listens_for(Session, "after_transaction_end")
def _forget(session: Session, _transaction: Any) -> None:
    session.info.pop("audit_transaction", None)


def lock_chain(session: Session, conn: Connection) -> None:
    """Take the chain head for this transaction (PostgreSQL; SQLite serialises writers)."""
    state = _transaction_state(session)
    if conn.dialect.name == "postgresql" and not state.get("locked"):
        conn.execute(select(_head.c.id).where(_head.c.id == HEAD_ID).with_for_update())
        state["locked"] = True


def append(session: Session, conn: Connection, entries: list[dict[str, Any]]) -> None:
    """Chain ``entries`` after the last one and store them with the new chain head."""
    if not entries:
        return
    state = _transaction_state(session)
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


def _parents(session: Session, changes: Iterable[Change] = ()) -> Cache:
    """Rows' parents known in this transaction, less those this flush moves or deletes."""
    cache: Cache = _transaction_state(session)["parents"]
    for key in [k for k in cache if k[0] == "row"]:
        del cache[key]  # an agreement's row (its status) is read again at every flush
    for change in changes:
        if change.action != "create" and change.before is not None:
            cache.pop((change.table, change.before.get("id")), None)
    return cache


@dataclass
class _Pending:
    creates: list[Change] = field(default_factory=list)
    entries: list[dict[str, Any]] = field(default_factory=list)
    at: datetime = field(default_factory=utcnow)


@event.listens_for(Session, "before_flush")
def _before_flush(session: Session, _context: Any, _instances: Any) -> None:
    session.info.pop("audit_pending", None)
    if not any(audited(type(o)) for o in (*session.new, *session.dirty, *session.deleted)):
        return
    conn = session.connection()
    lock_chain(session, conn)  # before this flush writes any row: no lock-order cycle
    with session.no_autoflush:
        changes = collect(session, conn)
        for guard in change_guards:
            guard(conn, changes)
    pending = _Pending()
    cache = _parents(session, changes)
    for change in changes:
        if change.action == "create":
            pending.creates.append(change)
        else:
            entry = _entry(conn, session, change, pending.at, cache)
            if entry is not None:
                pending.entries.append(entry)
    session.info["audit_pending"] = pending


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, _context: Any) -> None:
    pending: _Pending | None = session.info.pop("audit_pending", None)
    if pending is None:
        return
    conn = session.connection()
    cache = _parents(session)
    created = []
    for change in pending.creates:
        change.after = _values(change.obj)  # now with its id and defaults
        entry = _entry(conn, session, change, pending.at, cache)
        if entry is not None:
            created.append(entry)
    append(session, conn, created + pending.entries)


# -- bulk statements --------------------------------------------------------------------------

def _bulk_rows(state: ORMExecuteState, table: Table) -> list[dict[str, Any]]:
    params: Any = state.parameters
    if isinstance(params, list):
        return [dict(p) for p in params]
    if params:
        return [dict(params)]
    compiled = state.statement.compile()  # type: ignore[attr-defined]
    return [{k: v for k, v in compiled.params.items() if k in table.c}]


def _inserted_ids(conn: Connection, table: Table, rows: list[dict[str, Any]]) -> list[Any]:
    """Ids of rows inserted by a bulk INSERT, found again by a natural key they carry."""
    if all(r.get("id") is not None for r in rows):
        return [r["id"] for r in rows]
    for constraint in table.constraints:
        names = [c.name for c in constraint.columns] if isinstance(constraint, UniqueConstraint) \
            else []
        if not names or not all(n in r for r in rows for n in names):
            continue
        stored = conn.execute(select(table.c.id, *(table.c[n] for n in names))
                              .where(table.c[names[0]].in_({r[names[0]] for r in rows})))
        found = {tuple(_plain_row(table, dict(zip(names, r[1:], strict=True))).values()): r[0]
                 for r in stored}
        return [found.get(tuple(_plain_row(table, r, names).values())) for r in rows]
    return [None] * len(rows)


def _id_parameter(where: ColumnElement[Any], table: Table) -> str:
    """The name of the parameter an executemany UPDATE or DELETE compares ``table.id`` with."""
    for clause in visitors.iterate(where):
        if isinstance(clause, BinaryExpression) and clause.operator is operators.eq:
            column, value = clause.left, clause.right
            if isinstance(column, Column) and column.name == "id" \
                    and getattr(column.table, "name", None) == table.name \
                    and isinstance(value, BindParameter):
                return value.key
    raise TypeError(f"an executemany statement on {table.name} must name each row by its id "
                    "(WHERE id = :parameter) for the audit trail")


@event.listens_for(Session, "do_orm_execute")
def _bulk_statement(state: ORMExecuteState) -> Any:
    if not (state.is_insert or state.is_update or state.is_delete):
        return None
    mapper = state.bind_mapper
    if mapper is None or not audited(mapper.class_):
        return None
    session, model = state.session, mapper.class_
    table: Table = mapper.local_table  # type: ignore[assignment]
    conn = session.connection()
    lock_chain(session, conn)
    at = utcnow()
    if state.is_insert:
        rows = _bulk_rows(state, table)
        changes = [Change("create", table.name, model, after=row) for row in rows]
        for guard in change_guards:
            guard(conn, changes)
        result = state.invoke_statement()
        for change, pk in zip(changes, _inserted_ids(conn, table, rows), strict=True):
            assert change.after is not None
            change.after = {**change.after, "id": pk}
    else:
        where = state.statement.whereclause  # type: ignore[attr-defined]
        params = state.parameters
        if isinstance(params, list) and params:
            # Executemany (a bulk UPDATE by primary key, or one naming its rows' ids by a bound
            # parameter): only the rows it names, not the whole table.
            key = "id" if where is None else _id_parameter(where, table)
            where = table.c.id.in_([p[key] for p in params])
        query: Select[Any] = select(table) if where is None else select(table).where(where)
        befores = [dict(r) for r in conn.execute(query).mappings()]
        if state.is_delete:
            seen = {(table.name, b["id"]) for b in befores}
            changes = [Change("delete", table.name, model, before=b) for b in befores]
            changes += _cascades(conn, table.name, [b["id"] for b in befores], seen)
            for guard in change_guards:
                guard(conn, changes)
            result = state.invoke_statement()
        else:
            result = state.invoke_statement()
            afters = {r["id"]: dict(r) for r in conn.execute(
                select(table).where(table.c.id.in_([b["id"] for b in befores]))).mappings()}
            changes = [_update(table, model, b, afters.get(b["id"], b)) for b in befores]
            for guard in change_guards:
                guard(conn, changes)
    cache = _parents(session, changes)
    preload(conn, table.name, [c.row for c in changes], cache)
    entries = [e for e in (_entry(conn, session, c, at, cache) for c in changes) if e is not None]
    append(session, conn, entries)
    return result


# -- reading and verifying --------------------------------------------------------------------

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


def entries_query(user: Any, filters: dict[str, Any]) -> Select[Any]:
    """The entries ``user`` may read (purchaser roles and admins, own municipality), filtered."""
    if not may(user, Act.read_audit):
        raise Forbidden(f"Your role ({user.role.value}) may not read the audit trail")
    stmt = select(AuditEntry)
    if not is_installation_admin(user):
        stmt = stmt.where(AuditEntry.municipality_id == user.municipality_id)
    for name in ("entity", "entity_id", "agreement", "user", "action", "municipality_id"):
        if filters.get(name) is not None:
            stmt = stmt.where(getattr(AuditEntry, name) == filters[name])
    if filters.get("since") is not None:
        stmt = stmt.where(AuditEntry.at >= as_utc(filters["since"]))
    if filters.get("until") is not None:
        stmt = stmt.where(AuditEntry.at < as_utc(filters["until"]))
    return stmt.order_by(AuditEntry.id)
