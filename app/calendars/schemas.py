"""API shapes of agenda sources: secrets go in, never come out."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field, model_validator

from app.core.schemas import StrictModel


class AgendaSourceIn(StrictModel):
    """Where the practitioner's agenda lives. `password` is stored encrypted and never returned."""

    kind: Literal["internal", "ics_url", "caldav"]
    url: str | None = Field(default=None, max_length=2000, pattern=r"^(https?|webcal)://")
    username: str | None = Field(default=None, max_length=200)
    password: str | None = Field(default=None, max_length=500)
    tentative_busy: bool = True
    sync_interval_minutes: int = Field(default=15, ge=5, le=1440)

    @model_validator(mode="after")
    def _url_when_remote(self) -> AgendaSourceIn:
        if self.kind != "internal" and not self.url:
            raise ValueError("url is required for ics_url and caldav sources")
        if self.kind == "caldav" and self.url and self.url.startswith("webcal"):
            raise ValueError("a CalDAV collection URL is http(s)")
        return self


class AgendaStatusPublic(BaseModel):
    practitioner_id: uuid.UUID
    kind: str
    url_hint: str
    username: str | None
    has_credential: bool
    tentative_busy: bool
    sync_interval_minutes: int
    status: Literal["never", "ok", "partial", "error"]
    last_synced_at: datetime | None
    age_seconds: float | None = Field(description="Age of the last good sync, in seconds")
    last_attempt_at: datetime | None
    last_error: str | None
    next_sync_at: datetime | None
    busy_intervals: int = Field(description="Busy intervals stored over the sync horizon")


class SyncQueued(BaseModel):
    practitioner_id: uuid.UUID
    job_id: uuid.UUID
