"""What a flush or a bulk statement changes in audited rows, read as stored and as it will be:
the rows of the session's new, dirty and deleted objects, their many-to-many links, and the
rows the database deletes or nulls itself with them (ON DELETE CASCADE / SET NULL).
"""

from collections.abc import Iterable
from functools import cache
from typing import Any

from sqlalchemy import Connection, Table, inspect, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import instance_dict

from app.agreements.ownership import AGREEMENT_TABLES
from app.audit.canonical import BOOKKEEPING, equal
from app.core.audit import Change
from app.core.db import Attributed, Base, model_of_table


def audited(model: Any) -> bool:
    """Rows of attributed models, less those that are a history themselves (``audit_trail``
    False: a value's revisions are written with the value's own audited change)."""
    return isinstance(model, type) and issubclass(model, Attributed) \
        and getattr(model, "audit_trail", True)


def quiet(obj: Any) -> bool:
    """An update of only the columns that its model declares ``audit_quiet`` (a job's
    progress): not a domain change, so not recorded, and it takes no lock of the trail."""
    names = getattr(type(obj), "audit_quiet", None)
    if not names:
        return False
    state = inspect(obj)
    return all(a.key in names or a.key in BOOKKEEPING
               for a in state.attrs if a.history.has_changes())


def _table(model: Any) -> Table:
    return model.__table__  # type: ignore[no-any-return]


def _stored(conn: Connection, table: Table, pk: Any) -> dict[str, Any] | None:
    row = conn.execute(select(table).where(table.c.id == pk)).mappings().first()
    return dict(row) if row else None


_column_keys: dict[type, list[tuple[str, str]]] = {}


def column_values(obj: Any) -> dict[str, Any]:
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


def update_change(table: Table, model: Any, before: dict[str, Any], after: dict[str, Any],
            obj: Any = None, collections: dict[str, tuple[list[int], list[int]]] | None = None,
            cascade: bool = False) -> Change:
    changed = {k for k in after if k not in BOOKKEEPING and not equal(before.get(k), after[k])}
    if changed <= getattr(model, "audit_quiet", frozenset()):
        changed = set()  # progress only (see ``quiet``); with any other column, all are recorded
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


def cascades(conn: Connection, table: str, ids: list[Any], seen: set[tuple[str, Any]]
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
                out.append(update_change(child, model, before, {**before, fk.parent.name: None},
                                   cascade=True))
        if deleted:
            out.extend(cascades(conn, child.name, deleted, seen))
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
            changes.append(Change("create", _table(type(obj)).name, type(obj), after=column_values(obj),
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
        changes.append(update_change(table, model, before, {**before, **column_values(obj)}, obj,
                               _collections(obj)))
    seen = {(_table(type(obj)).name, obj.id) for obj in deleted}
    for obj in deleted:
        table = _table(type(obj))
        before = stored.get((table.name, obj.id))
        if before is not None:
            changes.append(Change("delete", table.name, type(obj), before=before, obj=obj))
            changes.extend(cascades(conn, table.name, [obj.id], seen))
    return changes
