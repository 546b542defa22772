"""Scheduling tables: opening hours, reserved blocks, slot claims, holds, appointments, feed tokens.

Every hold and every live appointment owns one `SlotClaim` row covering its slot *with buffers*. On
PostgreSQL an exclusion constraint (btree_gist) forbids two overlapping claims of one practitioner, so
no number of processes can double-book, and a hold and an appointment cannot overlap either. On SQLite
every transaction is `BEGIN IMMEDIATE` (app/core/db.py), so the overlap check in the booking
transaction is serialised.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.core.clock import utcnow
from app.core.db import UTCDateTime

APPOINTMENT_STATUSES = ("booked", "cancelled")
# none: nothing to write (internal agenda); pending: job queued; synced; conflict: remote refused or
# changed it (shown to agents, never dropped); failed: gave up after the outbox's retries.
WRITEBACK_STATES = ("none", "pending", "synced", "conflict", "failed")


class OpeningRule(SQLModel, table=True):
    """Weekly opening of a practitioner in the practice's wall time (minutes after local midnight)."""

    __tablename__ = "opening_rule"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    practice_id: uuid.UUID = Field(foreign_key="practice.id", index=True, ondelete="CASCADE")
    practitioner_id: uuid.UUID = Field(foreign_key="practitioner.id", index=True, ondelete="CASCADE")
    weekday: int  # 0 = Monday
    start_minute: int
    end_minute: int  # up to 1440


class OpeningException(SQLModel, table=True):
    """A dated closure (whole day when no times) or one-off opening; no practitioner = whole practice."""

    __tablename__ = "opening_exception"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    practice_id: uuid.UUID = Field(foreign_key="practice.id", index=True, ondelete="CASCADE")
    practitioner_id: uuid.UUID | None = Field(
        default=None, foreign_key="practitioner.id", index=True, ondelete="CASCADE"
    )
    day: date = Field(index=True)
    kind: str = Field(max_length=8)  # closed, open
    start_minute: int | None = None
    end_minute: int | None = None
    label: str = Field(default="", max_length=120)


class ReservedBlock(SQLModel, table=True):
    """Weekly time kept for the motif's reserved dispositions, released to all `release_minutes` before."""

    __tablename__ = "reserved_block"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    practice_id: uuid.UUID = Field(foreign_key="practice.id", index=True, ondelete="CASCADE")
    practitioner_id: uuid.UUID = Field(foreign_key="practitioner.id", index=True, ondelete="CASCADE")
    weekday: int
    start_minute: int
    end_minute: int
    release_minutes: int = 120


class SlotClaim(SQLModel, table=True):
    """The time a hold or a live appointment occupies, buffers included (the row the constraint guards)."""

    __tablename__ = "slot_claim"
    __table_args__ = (Index("ix_slot_claim_practitioner_start", "practitioner_id", "starts_at"),)

    id: uuid.UUID = Field(primary_key=True)  # the hold's or the appointment's id
    practice_id: uuid.UUID = Field(foreign_key="practice.id", index=True, ondelete="CASCADE")
    practitioner_id: uuid.UUID = Field(foreign_key="practitioner.id", ondelete="CASCADE")
    motif_id: uuid.UUID | None = None
    kind: str = Field(max_length=12)  # hold, appointment
    starts_at: datetime = Field(sa_type=UTCDateTime)  # slot start − buffer before
    ends_at: datetime = Field(sa_type=UTCDateTime)  # slot end + buffer after
    slot_start: datetime = Field(sa_type=UTCDateTime)
    slot_end: datetime = Field(sa_type=UTCDateTime)
    expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime)  # holds only


class Hold(SQLModel, table=True):
    """A short reservation while the caller decides; an expired hold frees its slot by itself."""

    __tablename__ = "slot_hold"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    practice_id: uuid.UUID = Field(foreign_key="practice.id", index=True, ondelete="CASCADE")
    practitioner_id: uuid.UUID = Field(foreign_key="practitioner.id", ondelete="CASCADE")
    motif_id: uuid.UUID = Field(foreign_key="motif.id", ondelete="CASCADE")
    start_at: datetime = Field(sa_type=UTCDateTime)
    end_at: datetime = Field(sa_type=UTCDateTime)
    disposition: str = Field(default="routine", max_length=12)
    actor_kind: str = Field(max_length=16)
    actor_id: uuid.UUID
    expires_at: datetime = Field(sa_type=UTCDateTime, index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Appointment(SQLModel, table=True):
    """A booking. Cancel and reschedule keep its identity: same iCalendar UID, SEQUENCE + 1."""

    __tablename__ = "appointment"
    __table_args__ = (
        UniqueConstraint("practice_id", "idempotency_key", name="uq_appointment_practice_idempotency_key"),
        Index("ix_appointment_practitioner_start", "practitioner_id", "start_at"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    practice_id: uuid.UUID = Field(foreign_key="practice.id", index=True, ondelete="CASCADE")
    practitioner_id: uuid.UUID = Field(foreign_key="practitioner.id", ondelete="CASCADE")
    motif_id: uuid.UUID = Field(foreign_key="motif.id", ondelete="RESTRICT")
    patient_id: uuid.UUID | None = Field(default=None, index=True)  # patients domain (encrypted records)
    triage_session_id: uuid.UUID | None = None
    call_id: uuid.UUID | None = None
    disposition: str = Field(default="routine", max_length=12)
    reserved: bool = False  # booked into a reserved block
    actor_kind: str = Field(max_length=16)
    actor_id: uuid.UUID
    start_at: datetime = Field(sa_type=UTCDateTime)
    end_at: datetime = Field(sa_type=UTCDateTime)
    status: str = Field(default="booked", max_length=12)
    uid: str = Field(max_length=120, unique=True)
    sequence: int = 0
    idempotency_key: str | None = Field(default=None, max_length=200)
    request_hash: str | None = Field(default=None, max_length=64)
    writeback_state: str = Field(default="none", max_length=12)
    writeback_error: str | None = Field(default=None, max_length=300)
    remote_href: str | None = Field(default=None, max_length=500)
    remote_etag: str | None = Field(default=None, max_length=200)
    conflict: bool = False
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    cancelled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class FeedToken(SQLModel, table=True):
    """A practitioner's secret feed URL token (256 bits), stored as its SHA-256 only."""

    __tablename__ = "feed_token"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    practice_id: uuid.UUID = Field(foreign_key="practice.id", index=True, ondelete="CASCADE")
    practitioner_id: uuid.UUID = Field(foreign_key="practitioner.id", index=True, ondelete="CASCADE")
    token_hash: str = Field(max_length=64, unique=True)
    hint: str = Field(max_length=8)  # first characters, to tell tokens apart in the admin UI
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
