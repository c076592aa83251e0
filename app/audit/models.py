"""The audit trail (muutosloki): one append-only, hash-chained entry per change."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import Base

GENESIS = "0" * 64
NO_MUNICIPALITY = 0  # the chain of entries without a municipality (users, the installation)
LEGACY_CHAIN = -1  # the one chain of every entry written before revision 0013, sealed


class AuditEntry(Base):
    """Who changed what and when, with the row before and after.

    ``hash`` = SHA-256 of ``prev_hash`` followed by the entry's canonical JSON, so altering,
    inserting or removing an entry breaks the chain (``sopimus audit verify``). No API edits or
    deletes an entry. ``municipality_id`` carries no foreign key on purpose: the trail outlives
    what it describes.
    """

    __tablename__ = "audit_entries"
    __table_args__ = (
        Index("ix_audit_entries_listing", "municipality_id", "at", "id"),
        Index("ix_audit_entries_chain", "chain", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    user: Mapped[str] = mapped_column(String(150), index=True)
    request_id: Mapped[str | None] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(20))  # create | update | delete | transition
    entity: Mapped[str] = mapped_column(String(60))  # the table, e.g. service_agreements
    entity_id: Mapped[int | None] = mapped_column(Integer)
    municipality_id: Mapped[int | None] = mapped_column(Integer)
    agreement: Mapped[str | None] = mapped_column(String(80), index=True)  # "service_agreements:12"
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # The hash chain it belongs to (app.audit.chain): its municipality's id, 0 without one.
    chain: Mapped[int] = mapped_column(Integer, server_default="0")
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)


Index("ix_audit_entries_entity", AuditEntry.entity, AuditEntry.entity_id)


class AuditChainHead(Base):
    """One row per chain (``id`` = the chain): the hash and length of the chain. Writers lock
    it (PostgreSQL: FOR UPDATE) so that two transactions cannot both append after the same
    entry; and cutting entries off the end of the chain no longer matches it."""

    __tablename__ = "audit_chain_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_hash: Mapped[str] = mapped_column(String(64))
    entries: Mapped[int] = mapped_column(Integer)
