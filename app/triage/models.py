"""Triage sessions: the protocol version used, the patient context and answers (encrypted), the outcome."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlmodel import Field, SQLModel

from app.core.clock import utcnow
from app.core.db import UTCDateTime
from app.crypto.column import encrypted_column
from app.crypto.fields import Sealed

TABLE = "triage_session"


class TriageSession(SQLModel, table=True):
    """One triage of one call. Clear columns say which protocol and which level, never which answers."""

    __tablename__ = TABLE

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    practice_id: uuid.UUID = Field(foreign_key="practice.id", index=True, ondelete="CASCADE")
    protocol_id: str = Field(max_length=64)
    protocol_version: int
    protocol_hash: str = Field(max_length=64)  # sha256 of the exact protocol content used
    global_hash: str = Field(max_length=64)  # sha256 of the global red flags in force
    context: Sealed | None = encrypted_column(TABLE, "context")  # JSON: age_years, sex, pregnant
    answers: Sealed | None = encrypted_column(TABLE, "answers")  # JSON: [[finding, answer], ...]
    rule_path: Sealed | None = encrypted_column(TABLE, "rule_path")  # JSON: fired rules and modifiers
    level: str | None = Field(default=None, max_length=16)  # current disposition (final once completed)
    answer_count: int = 0
    actor_kind: str = Field(max_length=16)
    actor_id: uuid.UUID
    call_id: uuid.UUID | None = Field(default=None, index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    completed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Idempotent creation: keyed digests (practice index key) of the client's Idempotency-Key and body.
    create_key: str | None = Field(default=None, max_length=64, index=True)
    create_fingerprint: str | None = Field(default=None, max_length=64)
