"""Which agreement version a row belongs to, found from its table and values alone.

Used where only rows are at hand (the flush hooks of the audit trail and the immutability
check), so it works the same for the API, the importer and any other writer. An agreement
version's content: a framework agreement's perspectives and long-term goals, an order
budget's lines (and their items), a service agreement's goals, actions, resources, measures
and targets.
Indicator values belong to an agreement for the audit trail, but are not its content:
providers keep reporting against approved agreements.
"""

from typing import Any

from sqlalchemy import Connection, select

from app.core.db import Base

# agreement table -> its path under /api/v1
AGREEMENT_TABLES = {
    "framework_agreements": "/framework-agreements",
    "order_budgets": "/order-budgets",
    "service_agreements": "/service-agreements",
}
# The columns that, beside ``version``, name one agreement across its versions.
VERSION_KEYS = {
    "framework_agreements": ("board_id", "first_year"),
    "order_budgets": ("board_id", "year"),
    "service_agreements": ("municipality_id", "code"),
}
# child table -> (foreign key column, parent table)
PARENTS = {
    "perspectives": ("framework_agreement_id", "framework_agreements"),
    "long_term_goals": ("perspective_id", "perspectives"),
    "order_budget_lines": ("order_budget_id", "order_budgets"),
    "order_line_items": ("order_budget_line_id", "order_budget_lines"),
    "goals": ("service_agreement_id", "service_agreements"),
    "actions": ("goal_id", "goals"),
    "resources": ("goal_id", "goals"),
    "measures": ("goal_id", "goals"),
    "measure_targets": ("measure_id", "measures"),
    "indicator_values": ("measure_id", "measures"),
}
CONTENT_TABLES = frozenset(PARENTS) - {"indicator_values"}
# Rows about one agreement version that are not its content (app.agreements.models.OfAgreement).
EVENT_TABLES = frozenset({"agreement_transitions", "negotiation_comments"})
_AGREEMENT_FKS = (("framework_agreement_id", "framework_agreements"),
                  ("order_budget_id", "order_budgets"),
                  ("service_agreement_id", "service_agreements"))

Ref = tuple[str, int]
Cache = dict[tuple[Any, ...], Any]


def agreement_of(conn: Connection, table: str, row: dict[str, Any], cache: Cache) -> Ref | None:
    """The agreement version (table, id) that ``row`` of ``table`` belongs to, if any."""
    if table in AGREEMENT_TABLES:
        return (table, row["id"]) if row.get("id") is not None else None
    if table in EVENT_TABLES:
        for column, agreement_table in _AGREEMENT_FKS:
            if row.get(column) is not None:
                return agreement_table, row[column]
        return None
    hop = PARENTS.get(table)
    parent_id = row.get(hop[0]) if hop else None
    while hop is not None and parent_id is not None:
        parent = hop[1]
        if parent in AGREEMENT_TABLES:
            return parent, parent_id
        hop = PARENTS[parent]
        key = (parent, parent_id)
        if key not in cache:
            parent_table = Base.metadata.tables[parent]
            cache[key] = conn.execute(
                select(parent_table.c[hop[0]]).where(parent_table.c.id == parent_id)
            ).scalar()
        parent_id = cache[key]
    return None


def preload(conn: Connection, table: str, rows: list[dict[str, Any]], cache: Cache) -> None:
    """Fill ``cache`` with the parents of many rows at once (a query per level, not per row),
    so that :func:`agreement_of` finds them there: a bulk upload of 10 000 values has some 800
    measures."""
    hop = PARENTS.get(table)
    ids = {row.get(hop[0]) for row in rows} if hop else set()
    while hop is not None and hop[1] not in AGREEMENT_TABLES:
        parent, hop = hop[1], PARENTS[hop[1]]
        wanted = sorted(i for i in ids if i is not None and (parent, i) not in cache)
        parent_table = Base.metadata.tables[parent]
        for start in range(0, len(wanted), 1000):
            chunk = wanted[start:start + 1000]
            found = {child: above for child, above in conn.execute(
                select(parent_table.c.id, parent_table.c[hop[0]])
                .where(parent_table.c.id.in_(chunk)))}
            for parent_id in chunk:
                cache[(parent, parent_id)] = found.get(parent_id)
        ids = {cache.get((parent, i)) for i in ids if i is not None}


def agreement_row(conn: Connection, ref: Ref, cache: Cache) -> dict[str, Any] | None:
    key = ("row", *ref)
    if key not in cache:
        table = Base.metadata.tables[ref[0]]
        row = conn.execute(select(table).where(table.c.id == ref[1])).mappings().first()
        cache[key] = dict(row) if row else None
    found: dict[str, Any] | None = cache[key]
    return found


def ref_text(ref: Ref | None) -> str | None:
    """How the audit trail names an agreement version: 'service_agreements:12'."""
    return f"{ref[0]}:{ref[1]}" if ref else None
