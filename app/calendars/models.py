"""Agenda sources and the busy time synchronised from them.

`AgendaSource` says where a practitioner's agenda lives (internal, a private iCal link, a CalDAV
collection, or a local file for the demo) and how its last sync went. `AgendaObject` remembers each
remote object's ETag, so an incremental sync refetches only what changed. `BusyInterval` is what
slot search reads: plain UTC intervals, no calendar text at all.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.core.clock import utcnow
from app.core.db import UTCDateTime
from app.crypto.column import encrypted_column
from app.crypto.fields import Sealed

SOURCE_KINDS = ("internal", "ics_url", "caldav", "file")


class AgendaSource(SQLModel, table=True):
    """Where one practitioner's agenda lives; the URL and credential are sealed (app.crypto)."""

    __tablename__ = "agenda_source"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    practice_id: uuid.UUID = Field(foreign_key="practice.id", index=True, ondelete="CASCADE")
    practitioner_id: uuid.UUID = Field(foreign_key="practitioner.id", unique=True, ondelete="CASCADE")
    kind: str = Field(default="internal", max_length=16)
    # A private iCal link is itself a secret (it grants read access): sealed like the password.
    url: Sealed | None = encrypted_column("agenda_source", "url")
    url_hint: str = Field(default="", max_length=200)  # scheme://host only, for display
    username: str | None = Field(default=None, max_length=200)
    credential: Sealed | None = encrypted_column("agenda_source", "credential")
    tentative_busy: bool = True
    sync_interval_minutes: int = 15
    # Sync state: RFC 6578 token (CalDAV), validators (iCal link), the horizon last expanded.
    sync_token: str | None = Field(default=None, sa_type=Text)
    etag: str | None = Field(default=None, max_length=300)
    last_modified: str | None = Field(default=None, max_length=64)
    expanded_from: datetime | None = Field(default=None, sa_type=UTCDateTime)
    expanded_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    status: str = Field(default="never", max_length=16)  # never, ok, error
    last_synced_at: datetime | None = Field(default=None, sa_type=UTCDateTime)  # last good sync
    last_attempt_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_error: str | None = Field(default=None, max_length=300)
    error_count: int = 0
    next_sync_at: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)
    revision: int = 1
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class AgendaObject(SQLModel, table=True):
    """One remote calendar object (a CalDAV resource, or the whole iCal document: href "")."""

    __tablename__ = "agenda_object"
    __table_args__ = (UniqueConstraint("source_id", "href", name="uq_agenda_object_source_href"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    practice_id: uuid.UUID = Field(foreign_key="practice.id", index=True, ondelete="CASCADE")
    source_id: uuid.UUID = Field(foreign_key="agenda_source.id", ondelete="CASCADE")
    href: str = Field(max_length=1000)
    etag: str | None = Field(default=None, max_length=300)
    error: str | None = Field(default=None, max_length=300)  # why its last version could not be read


class BusyInterval(SQLModel, table=True):
    """A busy stretch of a practitioner's remote agenda, [start_at, end_at) in UTC."""

    __tablename__ = "busy_interval"
    __table_args__ = (Index("ix_busy_interval_practitioner_start", "practitioner_id", "start_at"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    practice_id: uuid.UUID = Field(foreign_key="practice.id", index=True, ondelete="CASCADE")
    practitioner_id: uuid.UUID = Field(foreign_key="practitioner.id", ondelete="CASCADE")
    source_id: uuid.UUID = Field(foreign_key="agenda_source.id", index=True, ondelete="CASCADE")
    start_at: datetime = Field(sa_type=UTCDateTime)
    end_at: datetime = Field(sa_type=UTCDateTime)
    uid: str = Field(default="", max_length=300)
    recurrence_id: str | None = Field(default=None, max_length=32)
    href: str = Field(default="", max_length=1000)
    etag: str | None = Field(default=None, max_length=300)
