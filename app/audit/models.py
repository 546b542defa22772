"""Append-only audit events, one hash chain per practice (and one `system` chain)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.core.clock import utcnow
from app.core.db import UTCDateTime

SYSTEM_CHAIN = "system"


class AuditEvent(SQLModel, table=True):
    __tablename__ = "audit_event"
    __table_args__ = (
        UniqueConstraint("chain", "seq", name="uq_audit_event_chain_seq"),
        Index("ix_audit_event_chain_at", "chain", "at"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    chain: str = Field(max_length=40)  # practice id as text, or "system"
    seq: int
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    actor_type: str = Field(max_length=16)  # user, api_key, feed, anonymous, system
    actor_id: str | None = Field(default=None, max_length=64)
    action: str = Field(max_length=64)  # e.g. patient.read, auth.login, authz.denied
    resource_type: str | None = Field(default=None, max_length=40)
    resource_id: str | None = Field(default=None, max_length=64)  # pseudonymous id, never a name
    outcome: str = Field(default="success", max_length=16)  # success, denied, failure, error
    request_id: str | None = Field(default=None, max_length=64)
    prev_hash: str = Field(max_length=64)
    hash: str = Field(max_length=64)


class AuditChainHead(SQLModel, table=True):
    """The newest event of each chain; locked while appending, and proof against a deleted tail."""

    __tablename__ = "audit_chain_head"

    chain: str = Field(primary_key=True, max_length=40)
    seq: int = 0
    last_hash: str = Field(default="0" * 64, max_length=64)
