"""API shapes of calls and messages (request bodies are StrictModel; table models never leave as JSON)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from app.core.schemas import StrictModel

Outcome = Literal[
    "booked",
    "rescheduled",
    "cancelled",
    "message_taken",
    "transferred",
    "redirected_emergency",
    "advice_given",
    "information_only",
    "wrong_number",
    "abandoned",
]
Priority = Literal["urgent", "high", "normal", "low"]
LinkKind = Literal["triage_session", "appointment", "patient", "message"]


class CallOpen(StrictModel):
    called_number: str = Field(min_length=3, max_length=32)
    caller_number: str | None = Field(default=None, max_length=32)  # None: withheld
    external_ref: str | None = Field(default=None, min_length=1, max_length=120)
    ringing_at: datetime | None = None  # the telephony system's time; default now
    answered: bool = False  # an agent opening the call while talking to the caller


class CallAnswer(StrictModel):
    answered_at: datetime | None = None


class CallClose(StrictModel):
    outcome: Outcome
    ended_at: datetime | None = None


class CallLinkIn(StrictModel):
    kind: LinkKind
    target_id: uuid.UUID


class CallLinkOut(BaseModel):
    kind: str
    target_id: uuid.UUID
    created_at: datetime


class CallOut(BaseModel):
    id: uuid.UUID
    practice_id: uuid.UUID
    called_number: str
    caller_number: str | None
    external_ref: str | None
    status: str
    outcome: str | None
    ringing_at: datetime
    answered_at: datetime | None
    ended_at: datetime | None
    agent_id: uuid.UUID | None
    sheet_version: int | None
    candidate_patient_ids: list[uuid.UUID]
    links: list[CallLinkOut]


class CallSummary(BaseModel):
    """A line of a call list: no caller number."""

    id: uuid.UUID
    practice_id: uuid.UUID
    status: str
    outcome: str | None
    ringing_at: datetime
    answered_at: datetime | None
    ended_at: datetime | None
    agent_id: uuid.UUID | None


class MessageIn(StrictModel):
    practitioner_id: uuid.UUID
    call_id: uuid.UUID | None = None
    triage_session_id: uuid.UUID | None = None
    kind: Literal["message", "callback"] = "message"
    priority: Priority | None = None  # raised, never lowered, by the triage disposition
    subject: str = Field(min_length=1, max_length=200)
    body: str = Field(default="", max_length=5000)
    caller_name: str | None = Field(default=None, max_length=200)
    callback_number: str | None = Field(default=None, max_length=32)
    preferred_time: str | None = Field(default=None, max_length=200)


class AttemptOut(BaseModel):
    id: uuid.UUID
    channel: str
    reason: str
    step: int
    recipient_label: str
    status: str
    tries: int
    last_error: str | None
    created_at: datetime
    sent_at: datetime | None


class MessageOut(BaseModel):
    id: uuid.UUID
    practice_id: uuid.UUID
    practitioner_id: uuid.UUID
    call_id: uuid.UUID | None
    triage_session_id: uuid.UUID | None
    kind: str
    priority: str
    subject: str | None
    body: str | None
    caller_name: str | None
    callback_number: str | None
    preferred_time: str | None
    status: str
    escalation_step: int
    created_at: datetime
    delivered_at: datetime | None
    acknowledged_at: datetime | None
    acknowledged_via: str | None
    done_at: datetime | None
    attempts: list[AttemptOut]


class MessageSummary(BaseModel):
    """A line of a message list: ids, priority and lifecycle only."""

    id: uuid.UUID
    practitioner_id: uuid.UUID
    call_id: uuid.UUID | None
    kind: str
    priority: str
    status: str
    escalation_step: int
    failed_attempts: int
    created_at: datetime
    acknowledged_at: datetime | None
