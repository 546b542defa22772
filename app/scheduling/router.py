"""HTTP routes of slot search, holds and appointments (thin: parse, authorize, call the service)."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Header, Query, Response
from pydantic import AwareDatetime

from app.auth.deps import CanReadScheduling, CanWriteScheduling
from app.core.clock import utcnow
from app.core.db import SessionDep
from app.core.errors import Invalid
from app.practices import service as practices
from app.scheduling import booking, holds, service
from app.scheduling import rules as r
from app.scheduling.schemas import (
    AppointmentIn,
    AppointmentOut,
    Disposition,
    HoldIn,
    HoldOut,
    RescheduleIn,
    SlotsOut,
)

router = APIRouter(prefix="/api/v1", tags=["scheduling"])
IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key", min_length=1, max_length=200)]


@router.get("/practices/{practice_id}/slots", response_model=SlotsOut)
def search_slots(
    practice_id: uuid.UUID,
    actor: CanReadScheduling,
    session: SessionDep,
    motif_id: uuid.UUID,
    urgency: Disposition = "routine",
    start: AwareDatetime | None = None,
    end: AwareDatetime | None = None,
    practitioner_id: uuid.UUID | None = None,
    part_of_day: Literal["morning", "afternoon"] | None = None,
    weekday: Annotated[list[int] | None, Query(max_length=7)] = None,
    patient_kind: Literal["new", "known", "any"] | None = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 10,
) -> SlotsOut:
    """The first fitting slots for a motif, in the practice's time zone (emergency: 422, never booked)."""
    if weekday is not None and any(not 0 <= d <= 6 for d in weekday):
        raise Invalid("weekday must be between 0 (Monday) and 6 (Sunday).")
    request = r.SlotRequest(
        now=utcnow(),
        disposition=urgency,
        window_start=start,
        window_end=end,
        practitioner_id=practitioner_id,
        part_of_day=part_of_day,
        weekdays=frozenset(weekday) if weekday else None,
        patient_kind=patient_kind,
        limit=limit,
    )
    return service.search(session, actor, practice_id, motif_id, request)


@router.post("/holds", response_model=HoldOut, status_code=201)
def create_hold(body: HoldIn, actor: CanWriteScheduling, session: SessionDep) -> HoldOut:
    """Hold a slot for a short time while the caller decides (409 with alternatives if taken)."""
    return holds.create_hold(session, actor, body)


@router.delete("/holds/{hold_id}", status_code=204)
def release_hold(hold_id: uuid.UUID, actor: CanWriteScheduling, session: SessionDep) -> Response:
    holds.release_hold(session, actor, hold_id)
    return Response(status_code=204)


@router.post(
    "/appointments",
    response_model=AppointmentOut,
    status_code=201,
    responses={200: {"description": "Replay of an earlier request with the same Idempotency-Key"}},
)
def book(
    body: AppointmentIn,
    actor: CanWriteScheduling,
    session: SessionDep,
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> AppointmentOut:
    """Book atomically; 409 with alternatives when the slot is gone; same key + body → same appointment."""
    appointment, created = booking.book(session, actor, body, idempotency_key)
    if not created:
        response.status_code = 200
        response.headers["Idempotent-Replayed"] = "true"
    return booking.public(appointment, practices.get_practice(session, actor, appointment.practice_id))


@router.get("/appointments/{appointment_id}", response_model=AppointmentOut)
def read_appointment(
    appointment_id: uuid.UUID, actor: CanReadScheduling, session: SessionDep
) -> AppointmentOut:
    appointment = booking.get(session, actor, appointment_id)
    return booking.public(appointment, practices.get_practice(session, actor, appointment.practice_id))


@router.get("/practices/{practice_id}/appointments", response_model=list[AppointmentOut])
def list_appointments(
    practice_id: uuid.UUID,
    actor: CanReadScheduling,
    session: SessionDep,
    practitioner_id: uuid.UUID | None = None,
    patient_id: uuid.UUID | None = None,
    start: AwareDatetime | None = None,
    end: AwareDatetime | None = None,
    status: Literal["booked", "cancelled"] | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[AppointmentOut]:
    practice = practices.get_practice(session, actor, practice_id)
    rows = booking.list_for_practice(
        session,
        actor,
        practice.id,
        practitioner_id=practitioner_id,
        patient_id=patient_id,
        start=start,
        end=end,
        status=status,
        limit=limit,
    )
    return [booking.public(row, practice) for row in rows]


@router.post("/appointments/{appointment_id}/cancel", response_model=AppointmentOut)
def cancel(appointment_id: uuid.UUID, actor: CanWriteScheduling, session: SessionDep) -> AppointmentOut:
    appointment = booking.cancel(session, actor, appointment_id)
    return booking.public(appointment, practices.get_practice(session, actor, appointment.practice_id))


@router.post("/appointments/{appointment_id}/reschedule", response_model=AppointmentOut)
def reschedule(
    appointment_id: uuid.UUID, body: RescheduleIn, actor: CanWriteScheduling, session: SessionDep
) -> AppointmentOut:
    appointment = booking.reschedule(session, actor, appointment_id, body)
    return booking.public(appointment, practices.get_practice(session, actor, appointment.practice_id))
