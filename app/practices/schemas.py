"""API shapes for practices, instruction sheets, practitioners and motifs."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field

from app.core.schemas import PhoneNumber, StrictModel, TimeZoneName

Specialty = Literal["generaliste", "pediatre", "dentiste", "kine", "psychologue", "gyneco", "ophtalmo"]
Level = Literal["emergency", "urgent", "soon", "routine", "self_care"]


class CalledNumberIn(StrictModel):
    number: PhoneNumber
    label: str = Field(default="", max_length=80)


class CalledNumberOut(BaseModel):
    number: str
    label: str


class PracticeCreate(StrictModel):
    name: str = Field(min_length=1, max_length=160)
    specialties: list[Specialty] = Field(min_length=1, max_length=7)
    timezone: TimeZoneName = "Europe/Paris"
    phone_region: Literal["FR", "RE", "MQ", "GP", "GF", "YT", "PM", "BL", "MF", "NC", "PF"] = "FR"
    address: str = Field(default="", max_length=300)
    feed_detail: Literal["minimal", "motif", "patient"] = "minimal"
    called_numbers: list[CalledNumberIn] = Field(default_factory=list, max_length=20)


class PracticeUpdate(StrictModel):
    name: str | None = Field(default=None, min_length=1, max_length=160)
    specialties: list[Specialty] | None = Field(default=None, min_length=1, max_length=7)
    timezone: TimeZoneName | None = None
    address: str | None = Field(default=None, max_length=300)
    feed_detail: Literal["minimal", "motif", "patient"] | None = None
    called_numbers: list[CalledNumberIn] | None = Field(default=None, max_length=20)


class PracticePublic(BaseModel):
    id: uuid.UUID
    name: str
    specialties: list[str]
    timezone: str
    phone_region: str
    address: str
    feed_detail: str
    revision: int
    called_numbers: list[CalledNumberOut]


class TransferContact(StrictModel):
    name: str = Field(min_length=1, max_length=120)
    phone: PhoneNumber | None = None
    email: EmailStr | None = None
    when: str = Field(default="", max_length=300)


class InstructionSheetIn(StrictModel):
    greeting: str = Field(min_length=1, max_length=500)
    urgent_calls: str = Field(min_length=1, max_length=2000)
    transfer_contacts: list[TransferContact] = Field(default_factory=list, max_length=20)
    coverage_hours: str = Field(default="", max_length=500)
    instructions: str = Field(default="", max_length=5000)
    escalation_minutes: int = Field(default=15, ge=1, le=24 * 60)


class InstructionSheetPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    practice_id: uuid.UUID
    version: int
    greeting: str
    urgent_calls: str
    transfer_contacts: list[dict[str, str | None]]
    coverage_hours: str
    instructions: str
    escalation_minutes: int
    created_at: datetime


class PractitionerIn(StrictModel):
    display_name: str = Field(min_length=1, max_length=120)
    specialty: Specialty
    urgent_phone: PhoneNumber | None = None
    urgent_email: EmailStr | None = None
    user_id: uuid.UUID | None = None


class PractitionerUpdate(StrictModel):
    display_name: str | None = Field(default=None, min_length=1, max_length=120)
    urgent_phone: PhoneNumber | None = None
    urgent_email: EmailStr | None = None
    active: bool | None = None


class PractitionerPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    practice_id: uuid.UUID
    display_name: str
    specialty: str
    urgent_phone: str | None
    urgent_email: str | None
    active: bool


class MotifIn(StrictModel):
    code: str = Field(min_length=1, max_length=40, pattern=r"^[a-z][a-z0-9_]*$")
    label: str = Field(min_length=1, max_length=120)
    duration_minutes: int = Field(default=15, ge=5, le=480)
    buffer_before_minutes: int = Field(default=0, ge=0, le=120)
    buffer_after_minutes: int = Field(default=0, ge=0, le=120)
    patient_kind: Literal["any", "new", "known"] = "any"
    bookable_by_agents: bool = True
    colour: str = Field(default="#3b82f6", pattern=r"^#[0-9a-fA-F]{6}$")
    min_notice_minutes: int = Field(default=0, ge=0, le=60 * 24 * 30)
    horizon_days: int = Field(default=60, ge=1, le=730)
    daily_cap: int | None = Field(default=None, ge=1, le=200)
    reserved_levels: list[Level] = Field(default=["urgent"])
    practitioner_ids: list[uuid.UUID] = Field(default_factory=list, max_length=100)


class MotifUpdate(StrictModel):
    label: str | None = Field(default=None, min_length=1, max_length=120)
    duration_minutes: int | None = Field(default=None, ge=5, le=480)
    buffer_before_minutes: int | None = Field(default=None, ge=0, le=120)
    buffer_after_minutes: int | None = Field(default=None, ge=0, le=120)
    bookable_by_agents: bool | None = None
    min_notice_minutes: int | None = Field(default=None, ge=0, le=60 * 24 * 30)
    horizon_days: int | None = Field(default=None, ge=1, le=730)
    daily_cap: int | None = Field(default=None, ge=1, le=200)
    active: bool | None = None


class MotifPublic(BaseModel):
    id: uuid.UUID
    practice_id: uuid.UUID
    code: str
    label: str
    duration_minutes: int
    buffer_before_minutes: int
    buffer_after_minutes: int
    patient_kind: str
    bookable_by_agents: bool
    colour: str
    min_notice_minutes: int
    horizon_days: int
    daily_cap: int | None
    reserved_levels: list[str]
    practitioner_ids: list[uuid.UUID]
    active: bool
