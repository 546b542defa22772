"""Calls, what they are linked to, messages to practitioners and every attempt to deliver them.

Clear columns hold ids, states and times only; who called and what they said are ciphertexts
(`Sealed`, app/crypto). Patients, triage sessions and appointments are referenced by plain UUID
columns (no foreign keys): those tables live on other migration branches.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.core.clock import utcnow
from app.core.db import UTCDateTime
from app.crypto.column import encrypted_column
from app.crypto.fields import Sealed

PRIORITIES = ("urgent", "high", "normal", "low")  # most pressing first


class Call(SQLModel, table=True):
    """One inbound call: routed by the number dialled, timed from ringing to hang-up."""

    __tablename__ = "call"
    __table_args__ = (
        UniqueConstraint("practice_id", "external_ref", name="uq_call_practice_external_ref"),
        UniqueConstraint("practice_id", "idempotency_key", name="uq_call_practice_idempotency_key"),
        Index("ix_call_practice_ringing", "practice_id", "ringing_at"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    practice_id: uuid.UUID = Field(foreign_key="practice.id", ondelete="CASCADE")
    called_number: str = Field(max_length=20)
    caller_number: Sealed | None = encrypted_column("call", "caller_number")
    external_ref: str | None = Field(default=None, max_length=120)  # the telephony system's call id
    idempotency_key: str | None = Field(default=None, max_length=200)  # a console retry is the same call
    status: str = Field(default="ringing", max_length=12)  # ringing, answered, ended
    outcome: str | None = Field(default=None, max_length=24)
    ringing_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    answered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    ended_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    agent_id: uuid.UUID | None = None  # the user who answered
    sheet_version: int | None = None  # instruction sheet shown to the agent
    opened_by_kind: str = Field(max_length=16)
    opened_by_id: uuid.UUID
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class CallLink(SQLModel, table=True):
    """Something made or found during a call: a triage session, an appointment, a patient, a message."""

    __tablename__ = "call_link"
    __table_args__ = (UniqueConstraint("call_id", "kind", "target_id", name="uq_call_link_target"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    call_id: uuid.UUID = Field(foreign_key="call.id", index=True, ondelete="CASCADE")
    practice_id: uuid.UUID = Field(foreign_key="practice.id", index=True, ondelete="CASCADE")
    kind: str = Field(max_length=16)
    target_id: uuid.UUID
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class PractitionerMessage(SQLModel, table=True):
    """A message or callback request for a practitioner; new → delivered → acknowledged → done."""

    __tablename__ = "practitioner_message"
    __table_args__ = (
        Index("ix_practitioner_message_practice_created", "practice_id", "created_at"),
        UniqueConstraint(
            "practice_id", "idempotency_key", name="uq_practitioner_message_practice_idempotency_key"
        ),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    practice_id: uuid.UUID = Field(foreign_key="practice.id", ondelete="CASCADE")
    practitioner_id: uuid.UUID = Field(foreign_key="practitioner.id", ondelete="CASCADE")
    call_id: uuid.UUID | None = Field(default=None, foreign_key="call.id", index=True, ondelete="SET NULL")
    triage_session_id: uuid.UUID | None = None
    priority: str = Field(default="normal", max_length=8)
    kind: str = Field(default="message", max_length=12)  # message, callback
    subject: Sealed | None = encrypted_column("practitioner_message", "subject")
    body: Sealed | None = encrypted_column("practitioner_message", "body")
    caller_name: Sealed | None = encrypted_column("practitioner_message", "caller_name")
    callback_number: Sealed | None = encrypted_column("practitioner_message", "callback_number")
    preferred_time: Sealed | None = encrypted_column("practitioner_message", "preferred_time")
    status: str = Field(default="new", max_length=16)
    escalation_step: int = 0  # 0: first sending; n: n-th escalation step done
    idempotency_key: str | None = Field(default=None, max_length=200)  # a retried request, one message
    sheet_version: int | None = None
    author_kind: str = Field(max_length=16)
    author_id: uuid.UUID
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    delivered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    acknowledged_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    acknowledged_via: str | None = Field(default=None, max_length=12)  # link, api
    acknowledged_by: uuid.UUID | None = None
    done_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class DeliveryAttempt(SQLModel, table=True):
    """One try to reach someone about a message (e-mail); escalation adds one row per step."""

    __tablename__ = "message_delivery_attempt"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    message_id: uuid.UUID = Field(foreign_key="practitioner_message.id", index=True, ondelete="CASCADE")
    practice_id: uuid.UUID = Field(foreign_key="practice.id", index=True, ondelete="CASCADE")
    channel: str = Field(default="email", max_length=8)
    reason: str = Field(max_length=12)  # initial, resend, escalation
    step: int = 0
    recipient: str = Field(max_length=254)  # an e-mail address of the practice's staff, not a patient's
    recipient_label: str = Field(default="", max_length=120)
    status: str = Field(default="pending", max_length=8)  # pending, sent, failed
    tries: int = 0
    last_error: str | None = Field(default=None, max_length=300)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class BillingPlan(SQLModel, table=True):
    """How a practice pays: per call, a monthly package plus overage, or per hour of handling (cents)."""

    __tablename__ = "billing_plan"

    practice_id: uuid.UUID = Field(foreign_key="practice.id", primary_key=True, ondelete="CASCADE")
    model: str = Field(max_length=12)  # per_call, package, per_hour
    per_call_cents: int = 0
    monthly_fee_cents: int = 0
    included_calls: int = 0
    overage_cents: int = 0
    hourly_cents: int = 0
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
