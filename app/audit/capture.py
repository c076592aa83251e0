"""The audit trail, captured in one place for every writer: SQLAlchemy session events,
registered when this module is imported (app.models imports it).

Every create, update and delete of a row of a model carrying ``app.core.db.Attributed`` is
recorded, whoever writes it (the API, the importer, the CLI, any feature's service): the
session's ``before_flush`` reads each changed row as stored and as it will be
(app.audit.changes), asks the change guards (app.core.audit.change_guards: the immutability of
approved agreements) and ``after_flush`` appends the entries to the hash chain
(app.audit.chain) in the same transaction, so a rolled back change leaves no entry. Rows the
database deletes or nulls itself (ON DELETE CASCADE / SET NULL) are recorded too. ORM bulk
statements (``session.execute(delete(Model)…)``) go through ``do_orm_execute`` and are recorded
the same way.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Column, Connection, Select, Table, UniqueConstraint, event, select
from sqlalchemy.orm import ORMExecuteState, Session
from sqlalchemy.sql import operators, visitors
from sqlalchemy.sql.elements import BinaryExpression, BindParameter, ColumnElement

from app.agreements.ownership import Cache, agreement_of, preload, ref_text
from app.audit.canonical import plain_row
from app.audit.chain import append, chain_of, lock_chains, transaction_state
from app.audit.changes import audited, cascades, collect, column_values, quiet, update_change
from app.core.audit import Change, change_guards, current_actor, request_id
from app.core.db import Base, utcnow


def _entry(conn: Connection, session: Session, change: Change, at: datetime, cache: Cache
           ) -> dict[str, Any] | None:
    table: Table = Base.metadata.tables[change.table]
    row = change.row
    if change.action == "create":
        before, after = None, plain_row(table, row)
    elif change.action == "delete":
        before, after = plain_row(table, row), None
    else:
        if not change.changed and not change.collections:
            return None  # only bookkeeping columns moved
        assert change.before is not None and change.after is not None
        names = sorted(change.changed)
        before = plain_row(table, change.before, names)
        after = plain_row(table, change.after, names)
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


def _parents(session: Session, changes: Iterable[Change] = ()) -> Cache:
    """Rows' parents known in this transaction, less those this flush moves or deletes."""
    cache: Cache = transaction_state(session)["parents"]
    for key in [k for k in cache if k[0] == "row"]:
        del cache[key]  # an agreement's row (its status) is read again at every flush
    for change in changes:
        if change.action != "create" and change.before is not None:
            cache.pop((change.table, change.before.get("id")), None)
    return cache


def _chains(changes: Iterable[Change]) -> set[int]:
    """The chains ``changes`` will append to, as far as known before they are written: a new
    municipality's own (its id is not yet known) and a new row given its municipality only
    through a relationship are locked when their entries are appended."""
    chains = set()
    for change in changes:
        row = change.row
        if change.table == "municipalities":
            if row.get("id") is not None:
                chains.add(chain_of(row["id"]))
        elif row.get("municipality_id") is not None \
                or "municipality_id" not in Base.metadata.tables[change.table].c:
            chains.add(chain_of(row.get("municipality_id")))
    return chains


@dataclass
class _Pending:
    creates: list[Change] = field(default_factory=list)
    entries: list[dict[str, Any]] = field(default_factory=list)
    at: datetime = field(default_factory=utcnow)


@event.listens_for(Session, "before_flush")
def _before_flush(session: Session, _context: Any, _instances: Any) -> None:
    session.info.pop("audit_pending", None)
    if not any(audited(type(o)) for o in (*session.new, *session.deleted)) \
            and not any(audited(type(o)) and not quiet(o) for o in session.dirty):
        return
    conn = session.connection()
    with session.no_autoflush:
        changes = collect(session, conn)
        for guard in change_guards:
            guard(conn, changes)
    lock_chains(session, conn, _chains(changes))  # before this flush writes any row
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
        change.after = column_values(change.obj)  # now with its id and defaults
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
        found = {tuple(plain_row(table, dict(zip(names, r[1:], strict=True))).values()): r[0]
                 for r in stored}
        return [found.get(tuple(plain_row(table, r, names).values())) for r in rows]
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
    at = utcnow()
    if state.is_insert:
        rows = _bulk_rows(state, table)
        changes = [Change("create", table.name, model, after=row) for row in rows]
        for guard in change_guards:
            guard(conn, changes)
        lock_chains(session, conn, _chains(changes))
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
            changes += cascades(conn, table.name, [b["id"] for b in befores], seen)
            for guard in change_guards:
                guard(conn, changes)
            lock_chains(session, conn, _chains(changes))
            result = state.invoke_statement()
        else:
            lock_chains(session, conn, _chains(Change("update", table.name, model, before=b)
                                               for b in befores))
            result = state.invoke_statement()
            afters = {r["id"]: dict(r) for r in conn.execute(
                select(table).where(table.c.id.in_([b["id"] for b in befores]))).mappings()}
            changes = [update_change(table, model, b, afters.get(b["id"], b)) for b in befores]
            for guard in change_guards:
                guard(conn, changes)
    cache = _parents(session, changes)
    preload(conn, table.name, [c.row for c in changes], cache)
    entries = [e for e in (_entry(conn, session, c, at, cache) for c in changes) if e is not None]
    append(session, conn, entries)
    return result
