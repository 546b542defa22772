"""API shapes of practice reports, billing plans and webhook subscriptions."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field

from app.core.schemas import StrictModel

EventType = Literal[
    "appointment.created",
    "appointment.cancelled",
    "appointment.rescheduled",
    "message.created",
    "message.acknowledged",
    "call.closed",
]


class Counts(BaseModel):
    received: int
    answered: int
    abandoned: int


class DayCounts(Counts):
    day: date


class HourCounts(Counts):
    hour: int


class Durations(BaseModel):
    """Seconds; null when no call qualifies."""

    mean: float | None
    p90: float | None


class Report(BaseModel):
    practice_id: uuid.UUID
    timezone: str
    from_date: date
    to_date: date
    received: int
    answered: int
    abandoned: int
    answer_time: Durations
    handling_time: Durations
    outcomes: dict[str, int]
    bookings: int
    messages: int
    messages_by_priority: dict[str, int]
    emergency_redirections: int
    by_day: list[DayCounts]
    by_hour: list[HourCounts]


class BillingPlanIn(StrictModel):
    model: Literal["per_call", "package", "per_hour"]
    per_call_cents: int = Field(default=0, ge=0, le=1_000_000)
    monthly_fee_cents: int = Field(default=0, ge=0, le=100_000_000)
    included_calls: int = Field(default=0, ge=0, le=1_000_000)
    overage_cents: int = Field(default=0, ge=0, le=1_000_000)
    hourly_cents: int = Field(default=0, ge=0, le=10_000_000)


class BillingPlanOut(BaseModel):
    practice_id: uuid.UUID
    model: str
    per_call_cents: int
    monthly_fee_cents: int
    included_calls: int
    overage_cents: int
    hourly_cents: int
    updated_at: datetime


class WebhookIn(StrictModel):
    url: str = Field(min_length=8, max_length=500)
    event_types: list[EventType] = Field(min_length=1, max_length=6)
    detail: Literal["ids", "content"] = "ids"
    description: str = Field(default="", max_length=200)


class WebhookOut(BaseModel):
    id: uuid.UUID
    practice_id: uuid.UUID
    url: str
    event_types: list[str]
    detail: str
    secret_hint: str
    description: str
    active: bool
    created_at: datetime


class WebhookCreated(WebhookOut):
    secret: str  # shown once


class AttemptLog(BaseModel):
    at: datetime
    status_code: int | None
    error: str | None
    duration_ms: int
    manual: bool


class DeliveryOut(BaseModel):
    id: uuid.UUID
    event_id: uuid.UUID
    event_type: str
    status: str
    attempts: int
    last_status_code: int | None
    last_error: str | None
    next_attempt_at: datetime | None
    created_at: datetime
    delivered_at: datetime | None
    log: list[AttemptLog]
