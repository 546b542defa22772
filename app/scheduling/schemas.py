"""API shapes of scheduling: slots, holds, appointments, opening hours, feed tokens."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Literal

from pydantic import AwareDatetime, BaseModel, Field, field_validator

from app.core.schemas import StrictModel

Disposition = Literal["emergency", "urgent", "soon", "routine", "self_care"]
CLOCK = r"^([01]\d|2[0-3]):[0-5]\d$|^24:00$"
HHMM = Field(pattern=CLOCK)


class SlotOut(BaseModel):
    start: datetime
    end: datetime
    practitioner_id: uuid.UUID
    reserved: bool


class AgendaFreshness(BaseModel):
    """How old the busy time of a remote agenda is: search uses the last good sync, never waits."""

    practitioner_id: uuid.UUID
    kind: str
    status: str
    last_synced_at: datetime | None
    age_seconds: float | None


class SlotsOut(BaseModel):
    practice_id: uuid.UUID
    motif_id: uuid.UUID
    disposition: Disposition
    time_zone: str
    slots: list[SlotOut]
    agendas: list[AgendaFreshness] = []


class HoldIn(StrictModel):
    practice_id: uuid.UUID
    practitioner_id: uuid.UUID
    motif_id: uuid.UUID
    start: AwareDatetime
    disposition: Disposition = "routine"
    ttl_seconds: int | None = Field(default=None, ge=15, le=900)  # default: PERMANENCE_HOLD_TTL_SECONDS


class HoldOut(BaseModel):
    id: uuid.UUID
    practice_id: uuid.UUID
    practitioner_id: uuid.UUID
    motif_id: uuid.UUID
    start: datetime
    end: datetime
    expires_at: datetime


class AppointmentIn(StrictModel):
    practice_id: uuid.UUID
    practitioner_id: uuid.UUID
    motif_id: uuid.UUID
    start: AwareDatetime
    disposition: Disposition = "routine"
    hold_id: uuid.UUID | None = None
    patient_id: uuid.UUID | None = None
    triage_session_id: uuid.UUID | None = None
    call_id: uuid.UUID | None = None


class RescheduleIn(StrictModel):
    start: AwareDatetime
    disposition: Disposition = "routine"


class AppointmentOut(BaseModel):
    id: uuid.UUID
    practice_id: uuid.UUID
    practitioner_id: uuid.UUID
    motif_id: uuid.UUID
    patient_id: uuid.UUID | None
    triage_session_id: uuid.UUID | None
    call_id: uuid.UUID | None
    disposition: str
    reserved: bool
    start: datetime
    end: datetime
    status: str
    uid: str
    sequence: int
    writeback_state: str
    writeback_error: str | None
    conflict: bool
    created_at: datetime
    updated_at: datetime
    cancelled_at: datetime | None


class WeeklyHoursIn(StrictModel):
    weekday: int = Field(ge=0, le=6)
    start: str = HHMM
    end: str = HHMM


class ReservedBlockIn(WeeklyHoursIn):
    release_minutes: int = Field(default=120, ge=0, le=14 * 1440)


class OpeningHoursIn(StrictModel):
    rules: list[WeeklyHoursIn] = Field(default_factory=list, max_length=100)
    reserved_blocks: list[ReservedBlockIn] = Field(default_factory=list, max_length=100)

    @field_validator("rules", "reserved_blocks")
    @classmethod
    def _ordered(cls, spans: list[WeeklyHoursIn]) -> list[WeeklyHoursIn]:
        for span in spans:
            if span.end != "24:00" and span.end <= span.start:
                raise ValueError("end must be after start")
        return spans


class OpeningExceptionIn(StrictModel):
    practitioner_id: uuid.UUID | None = None
    day: date
    kind: Literal["closed", "open"]
    start: str | None = Field(default=None, pattern=CLOCK)
    end: str | None = Field(default=None, pattern=CLOCK)
    label: str = Field(default="", max_length=120)


class OpeningExceptionOut(BaseModel):
    id: uuid.UUID
    practitioner_id: uuid.UUID | None
    day: date
    kind: str
    start: str | None
    end: str | None
    label: str


class OpeningHoursOut(BaseModel):
    practitioner_id: uuid.UUID
    time_zone: str
    rules: list[WeeklyHoursIn]
    reserved_blocks: list[ReservedBlockIn]


class FeedTokenOut(BaseModel):
    id: uuid.UUID
    practitioner_id: uuid.UUID
    hint: str
    created_at: datetime
    revoked_at: datetime | None


class FeedTokenCreated(FeedTokenOut):
    token: str
    url: str
