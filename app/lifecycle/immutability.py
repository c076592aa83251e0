"""Immutability: an approved version is a public record and is never edited in place.

Its rows and their content (see app.agreements.ownership) are locked in approved, in_force,
closed and superseded; any write gets 409 telling how to amend (app.lifecycle.versioning). The
check is one change guard run by the audit trail's flush hook for every writer (API, importer,
CLI); it is registered when this module is imported.
"""

from typing import Any

from sqlalchemy import Connection, select

from app.agreements.models import AgreementStatus
from app.agreements.ownership import (
    AGREEMENT_TABLES,
    CONTENT_TABLES,
    VERSION_KEYS,
    Cache,
    Ref,
    agreement_of,
    agreement_row,
)
from app.core.access import label as noun
from app.core.audit import Change, change_guards
from app.core.db import Base
from app.core.errors import Conflict
from app.lifecycle.versioning import AMENDABLE, S

LOCKED = frozenset({S.approved, S.in_force, S.closed, S.superseded})


def _name(table: str, row: dict[str, Any]) -> str:
    if table == "service_agreements":
        return str(row["code"])
    if table == "order_budgets":
        return f"{row['year']} ({row['title']})"
    return f"{row['first_year']}–{row['last_year']} ({row['title']})"


def _version_query(table_name: str, row: dict[str, Any]) -> Any:
    table = Base.metadata.tables[table_name]
    keys = VERSION_KEYS[table_name]
    return select(table.c.id, table.c.version, table.c.status).where(
        *(table.c[k] == row[k] for k in keys))


def immutable(conn: Connection, ref: Ref, cache: Cache, change: Change | None = None) -> Conflict:
    """409 for a write to a locked version, saying what to do instead."""
    table, agreement_id = ref
    row = agreement_row(conn, ref, cache) or {}
    status, version = AgreementStatus(row["status"]), row["version"]
    what = f"{noun(table).capitalize()} {_name(table, row)} version {version} is {status.value}"
    part = "" if change is None or change.table == table else \
        f" (a change to its {noun(change.table)}s)"
    amend = f"/api/v1{AGREEMENT_TABLES[table]}/{agreement_id}/amendments"
    newer = [r for r in conn.execute(_version_query(table, row)) if r.version > version]
    if status in AMENDABLE and not newer:
        hint = (f"To change it, amend it: POST {amend} creates version {version + 1} as a draft "
                "to edit and take to the board.")
    elif newer:
        latest = max(newer, key=lambda r: r.version)
        hint = (f"Version {latest.version} (id {latest.id}, {AgreementStatus(latest.status).value})"
                " is the latest: " + ("edit that draft." if latest.status in {S.draft, S.negotiation}
                                      else "amend that one."))
    else:
        hint = "A closed agreement is not changed any more."
    return Conflict(f"{what}: an approved agreement is a public record and is never edited in "
                    f"place{part}. {hint}", amend=amend if status in AMENDABLE else None)


def check_immutable(conn: Connection, changes: list[Change]) -> None:
    """The change guard: no write touches an approved (in force, closed, superseded) version."""
    cache: Cache = {}
    for change in changes:
        if change.table in AGREEMENT_TABLES:
            if change.action == "create" or change.before is None:
                continue
            moved = change.changed & set(VERSION_KEYS[change.table])
            if moved and change.before["version"] > 1:
                raise Conflict(
                    f"Version {change.before['version']} of {noun(change.table)} "
                    f"{_name(change.table, change.before)} is an amendment: it keeps its "
                    f"agreement's {', '.join(sorted(moved))}. For another agreement, carry it "
                    "over or create a new one", field=sorted(moved)[0])
            if change.before["status"] not in LOCKED:
                continue
            if change.action == "transition" and change.changed == {"status"} \
                    and not change.collections:
                continue  # the lifecycle moving the version on
            raise immutable(conn, (change.table, change.before["id"]), cache, change)
        if change.table in CONTENT_TABLES:
            for row in (change.before, change.after):
                ref = agreement_of(conn, change.table, row, cache) if row else None
                stored = agreement_row(conn, ref, cache) if ref else None
                if ref and stored and stored["status"] in LOCKED:
                    raise immutable(conn, ref, cache, change)


change_guards.append(check_immutable)
