"""Patient records (every identity field encrypted) and their blind indexes."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.core.clock import utcnow
from app.core.db import UTCDateTime
from app.crypto.column import encrypted_column
from app.crypto.fields import Sealed

TABLE = "patient"


class Patient(SQLModel, table=True):
    """One caller known to one practice. Clear columns hold no health or identity data."""

    __tablename__ = TABLE
    __table_args__ = (UniqueConstraint("practice_id", "create_key", name="uq_patient_practice_create_key"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    practice_id: uuid.UUID = Field(foreign_key="practice.id", index=True, ondelete="CASCADE")
    surname: Sealed | None = encrypted_column(TABLE, "surname")
    birth_surname: Sealed | None = encrypted_column(TABLE, "birth_surname")
    given_names: Sealed | None = encrypted_column(TABLE, "given_names")
    birth_date: Sealed | None = encrypted_column(TABLE, "birth_date")
    sex: Sealed | None = encrypted_column(TABLE, "sex")
    phones: Sealed | None = encrypted_column(TABLE, "phones")  # JSON list of E.164 numbers
    email: Sealed | None = encrypted_column(TABLE, "email")
    notes: Sealed | None = encrypted_column(TABLE, "notes")  # secretariat notes
    revision: int = 1  # the ETag; bumped by every change of content (not by key rotation)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    last_activity_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)  # retention
    erased_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Idempotent creation: keyed digests (HMAC with the practice's index key) of the client's
    # Idempotency-Key and of the normalised body, so a replay returns the first record.
    create_key: str | None = Field(default=None, max_length=64)
    create_fingerprint: str | None = Field(default=None, max_length=64)


class PatientIndex(SQLModel, table=True):
    """One blind-index value of one patient (several per patient: each phone, surname, …)."""

    __tablename__ = "patient_index"
    __table_args__ = (Index("ix_patient_index_lookup", "practice_id", "name", "value"),)

    patient_id: uuid.UUID = Field(foreign_key="patient.id", primary_key=True, ondelete="CASCADE")
    name: str = Field(max_length=32, primary_key=True)
    value: str = Field(max_length=16, primary_key=True)
    practice_id: uuid.UUID = Field(foreign_key="practice.id", ondelete="CASCADE")
