"""Practices, the numbers callers dial, instruction sheets (versioned), practitioners and motifs."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.core.clock import utcnow
from app.core.db import UTCDateTime

SPECIALTIES = ("generaliste", "pediatre", "dentiste", "kine", "psychologue", "gyneco", "ophtalmo")
LEVELS = ("emergency", "urgent", "soon", "routine", "self_care")


class Practice(SQLModel, table=True):
    __tablename__ = "practice"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    name: str = Field(max_length=160)
    specialties: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    timezone: str = Field(default="Europe/Paris", max_length=64)
    phone_region: str = Field(default="FR", max_length=2)  # default region for callers' local numbers
    address: str = Field(default="", max_length=300)
    feed_detail: str = Field(default="minimal", max_length=16)  # minimal, motif, patient (what feeds show)
    revision: int = 1
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class CalledNumber(SQLModel, table=True):
    """A number callers dial to reach a practice; calls are routed by it (E.164, unique)."""

    __tablename__ = "called_number"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    practice_id: uuid.UUID = Field(foreign_key="practice.id", index=True, ondelete="CASCADE")
    number: str = Field(max_length=20, unique=True)
    label: str = Field(default="", max_length=80)


class InstructionSheet(SQLModel, table=True):
    """What agents must say and do for a practice; never edited in place — each change is a new version."""

    __tablename__ = "instruction_sheet"
    __table_args__ = (
        UniqueConstraint("practice_id", "version", name="uq_instruction_sheet_practice_version"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    practice_id: uuid.UUID = Field(foreign_key="practice.id", index=True, ondelete="CASCADE")
    version: int
    greeting: str = Field(max_length=500)
    urgent_calls: str = Field(max_length=2000)
    transfer_contacts: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
    coverage_hours: str = Field(default="", max_length=500)
    instructions: str = Field(default="", max_length=5000)
    escalation_minutes: int = 15  # an urgent message not acknowledged by then is escalated
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    created_by: uuid.UUID | None = None


class Practitioner(SQLModel, table=True):
    __tablename__ = "practitioner"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    practice_id: uuid.UUID = Field(foreign_key="practice.id", index=True, ondelete="CASCADE")
    display_name: str = Field(max_length=120)
    specialty: str = Field(max_length=32)
    urgent_phone: str | None = Field(default=None, max_length=20)
    urgent_email: str | None = Field(default=None, max_length=254)
    user_id: uuid.UUID | None = Field(default=None, foreign_key="user_account.id", ondelete="SET NULL")
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Motif(SQLModel, table=True):
    """An appointment reason and the rules its slots follow."""

    __tablename__ = "motif"
    __table_args__ = (UniqueConstraint("practice_id", "code", name="uq_motif_practice_code"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    practice_id: uuid.UUID = Field(foreign_key="practice.id", index=True, ondelete="CASCADE")
    code: str = Field(max_length=40)  # vocabulary motif code, see docs/protocol-format.md
    label: str = Field(max_length=120)
    duration_minutes: int = 15
    buffer_before_minutes: int = 0
    buffer_after_minutes: int = 0
    patient_kind: str = Field(default="any", max_length=8)  # any, new, known
    bookable_by_agents: bool = True
    colour: str = Field(default="#3b82f6", max_length=9)
    min_notice_minutes: int = 0
    horizon_days: int = 60
    daily_cap: int | None = None  # per practitioner per day
    reserved_levels: list[str] = Field(
        default_factory=lambda: ["urgent"], sa_column=Column(JSON, nullable=False)
    )
    active: bool = True


class MotifPractitioner(SQLModel, table=True):
    """Which practitioners offer a motif (none listed: every practitioner of the practice)."""

    __tablename__ = "motif_practitioner"

    motif_id: uuid.UUID = Field(foreign_key="motif.id", primary_key=True, ondelete="CASCADE")
    practitioner_id: uuid.UUID = Field(foreign_key="practitioner.id", primary_key=True, ondelete="CASCADE")
