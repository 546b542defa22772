"""Key storage: wrapped practice keys, master-key check values, and rotation progress.

Only wrapped keys are stored; the master key never touches the database.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.core.clock import utcnow
from app.core.db import UTCDateTime


class PracticeKey(SQLModel, table=True):
    """One version of a practice's data key, or its blind-index key, wrapped by the master key."""

    __tablename__ = "practice_key"
    __table_args__ = (
        UniqueConstraint(
            "practice_id", "purpose", "version", name="uq_practice_key_practice_purpose_version"
        ),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    practice_id: uuid.UUID = Field(foreign_key="practice.id", index=True, ondelete="CASCADE")
    purpose: str = Field(max_length=8)  # data, index
    version: int
    wrapped: str = Field(sa_type=Text)  # pw1.m<master version>.<base64url>
    master_version: int
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    retired_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class MasterKeyCheck(SQLModel, table=True):
    """A non-secret fingerprint per master key version, to refuse a wrong key at start."""

    __tablename__ = "master_key_check"

    version: int = Field(primary_key=True)
    check_value: str = Field(max_length=32)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class KeyRotation(SQLModel, table=True):
    """Progress of one re-encryption pass, so an interrupted `rotate-keys` resumes where it stopped."""

    __tablename__ = "key_rotation"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    practice_id: uuid.UUID | None = Field(
        default=None, foreign_key="practice.id", index=True, ondelete="CASCADE"
    )
    kind: str = Field(max_length=8)  # data, master
    target_version: int
    table_name: str = Field(default="", max_length=64)  # table being re-encrypted now
    last_row_id: uuid.UUID | None = None  # rows are processed in id order; the cursor
    rows_done: int = 0
    started_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
