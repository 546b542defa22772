"""Appointments: atomic, idempotent booking; cancel and reschedule keeping the iCalendar identity."""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, SQLModel, col, select

from app.audit import service as audit
from app.auth.actor import Actor
from app.auth.deps import get_owned
from app.calls.models import Call
from app.core.clock import utcnow
from app.patients.models import Patient
from app.practices import service as practices
from app.practices.models import Practice
from app.scheduling import holds, repository, writeback
from app.scheduling import service as slots
from app.scheduling.exceptions import (
    AppointmentCancelled,
    HoldMismatch,
    IdempotencyKeyReused,
    MotifNotOffered,
)
from app.scheduling.models import Appointment, SlotClaim
from app.scheduling.schemas import AppointmentIn, AppointmentOut, RescheduleIn
from app.triage.models import TriageSession

UID_DOMAIN = "permanence"


def request_hash(body: AppointmentIn) -> str:
    """Fingerprint of what was asked (the same instant in another offset is the same request)."""
    data = body.model_dump(mode="json")
    data["start"] = body.start.astimezone(UTC).isoformat()
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


def _replay(session: Session, practice_id: uuid.UUID, key: str, digest: str) -> Appointment | None:
    stmt = select(Appointment).where(
        Appointment.practice_id == practice_id, Appointment.idempotency_key == key
    )
    found = session.scalars(stmt).first()
    if found is not None and found.request_hash != digest:
        raise IdempotencyKeyReused("This Idempotency-Key was used for a different request.")
    return found


def book(session: Session, actor: Actor, body: AppointmentIn, key: str | None) -> tuple[Appointment, bool]:
    """Book the slot; returns (appointment, created). The same key and body replay the first answer."""
    practices.get_practice(session, actor, body.practice_id)
    digest = request_hash(body)
    if key and (done := _replay(session, body.practice_id, key, digest)) is not None:
        return done, False
    practice, motif, practitioner = slots.practice_objects(
        session, actor, body.practice_id, body.motif_id, body.practitioner_id
    )
    assert practitioner is not None
    if actor.role == "agent" and not motif.bookable_by_agents:
        raise MotifNotOffered("This motif is not bookable by agents.")
    _check_links(session, actor, practice.id, body)
    now = utcnow()
    hold = holds.get_hold(session, actor, body.hold_id) if body.hold_id else None
    if hold is not None and (
        hold.practitioner_id != practitioner.id or hold.motif_id != motif.id or hold.start_at != body.start
    ):
        raise HoldMismatch("The hold is for another slot.")
    if hold is not None and hold.actor_id != actor.id:
        raise HoldMismatch("The hold belongs to someone else.")
    hold = hold or holds.own_hold(session, actor, practitioner.id, body.start, now)
    if hold is not None:
        holds.drop_hold(session, hold)  # the booking takes its place (restored if we roll back)
    repository.purge_expired_holds(session, practitioner.id, now)
    if motif.daily_cap is not None and session.get_bind().dialect.name == "postgresql":
        # Caps count several rows: serialise this practitioner's capped bookings (SQLite already is).
        session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:k))"), {"k": str(practitioner.id)})
    slot = slots.check_slot(session, practice, motif, practitioner, body.start, body.disposition, now)
    appointment = Appointment(
        practice_id=practice.id,
        practitioner_id=practitioner.id,
        motif_id=motif.id,
        patient_id=body.patient_id,
        triage_session_id=body.triage_session_id,
        call_id=body.call_id,
        disposition=body.disposition,
        reserved=slot.reserved,
        actor_kind=actor.kind,
        actor_id=actor.id,
        start_at=slot.start,
        end_at=slot.end,
        idempotency_key=key,
        request_hash=digest if key else None,
        uid="",
    )
    appointment.uid = f"{appointment.id}@{UID_DOMAIN}"
    try:
        with session.begin_nested():
            session.add(appointment)
            slots.claim(session, appointment.id, "appointment", practice, motif, slot, None)
            session.flush()
    except IntegrityError:  # a concurrent booking won the slot or the key (PostgreSQL constraints)
        if key and (done := _replay(session, practice.id, key, digest)) is not None:
            return done, False
        raise slots.unavailable(session, practice, motif, body.start, body.disposition, now) from None
    writeback.schedule(session, appointment)
    audit.record(
        session,
        actor=actor,
        action="appointment.create",
        practice_id=practice.id,
        resource_type="appointment",
        resource_id=appointment.id,
    )
    return appointment, True


def _check_links(session: Session, actor: Actor, practice_id: uuid.UUID, body: AppointmentIn) -> None:
    """A linked patient, triage session or call must belong to the same practice (else 404)."""
    links: list[tuple[type[SQLModel], uuid.UUID | None, str]] = [
        (Patient, body.patient_id, "patient"),
        (TriageSession, body.triage_session_id, "triage_session"),
        (Call, body.call_id, "call"),
    ]
    for model, linked_id, kind in links:
        if linked_id is None:
            continue
        get_owned(session, actor, model, linked_id, resource_type=kind, in_practice=practice_id)


def get(session: Session, actor: Actor, appointment_id: uuid.UUID, *, audited: bool = True) -> Appointment:
    row = get_owned(session, actor, Appointment, appointment_id, resource_type="appointment")
    if audited:
        audit.record(
            session,
            actor=actor,
            action="appointment.read",
            practice_id=row.practice_id,
            resource_type="appointment",
            resource_id=row.id,
        )
    return row


def cancel(session: Session, actor: Actor, appointment_id: uuid.UUID) -> Appointment:
    """Cancel (idempotent): frees the slot, SEQUENCE + 1, STATUS:CANCELLED written back and in feeds."""
    row = get(session, actor, appointment_id, audited=False)
    if row.status != "cancelled":
        now = utcnow()
        row.status, row.sequence, row.cancelled_at, row.updated_at = "cancelled", row.sequence + 1, now, now
        claim_row = session.get(SlotClaim, row.id)
        if claim_row is not None:
            session.delete(claim_row)
        session.flush()
        writeback.schedule(session, row)
    audit.record(
        session,
        actor=actor,
        action="appointment.cancel",
        practice_id=row.practice_id,
        resource_type="appointment",
        resource_id=row.id,
    )
    return row


def reschedule(session: Session, actor: Actor, appointment_id: uuid.UUID, body: RescheduleIn) -> Appointment:
    """Move to another start, same practitioner: same UID, SEQUENCE + 1, slot checked like a booking."""
    row = get(session, actor, appointment_id, audited=False)
    if row.status == "cancelled":
        raise AppointmentCancelled("A cancelled appointment cannot be rescheduled; book a new one.")
    practice, motif, practitioner = slots.practice_objects(
        session, actor, row.practice_id, row.motif_id, row.practitioner_id
    )
    assert practitioner is not None
    now = utcnow()
    repository.purge_expired_holds(session, practitioner.id, now)
    slot = slots.check_slot(
        session, practice, motif, practitioner, body.start, body.disposition, now, skip_claim=row.id
    )
    claim_row = session.get(SlotClaim, row.id)
    try:
        with session.begin_nested():
            if claim_row is None:  # cannot happen for a booked appointment, but never leave it unclaimed
                claim_row = slots.claim(session, row.id, "appointment", practice, motif, slot, None)
            fresh = slots.claim_bounds(motif, slot)
            claim_row.starts_at, claim_row.ends_at, claim_row.slot_start, claim_row.slot_end = fresh
            row.start_at, row.end_at, row.reserved = slot.start, slot.end, slot.reserved
            row.disposition, row.sequence, row.updated_at = body.disposition, row.sequence + 1, now
            session.flush()
    except IntegrityError:
        raise slots.unavailable(session, practice, motif, body.start, body.disposition, now) from None
    writeback.schedule(session, row)
    audit.record(
        session,
        actor=actor,
        action="appointment.reschedule",
        practice_id=row.practice_id,
        resource_type="appointment",
        resource_id=row.id,
    )
    return row


def list_for_practice(
    session: Session,
    actor: Actor,
    practice_id: uuid.UUID,
    *,
    practitioner_id: uuid.UUID | None = None,
    patient_id: uuid.UUID | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    status: str | None = None,
    limit: int = 100,
) -> list[Appointment]:
    practice = practices.get_practice(session, actor, practice_id)
    stmt = select(Appointment).where(Appointment.practice_id == practice.id)
    if practitioner_id is not None:
        stmt = stmt.where(Appointment.practitioner_id == practitioner_id)
    if patient_id is not None:
        stmt = stmt.where(Appointment.patient_id == patient_id)
    if start is not None:
        stmt = stmt.where(col(Appointment.end_at) > start)
    if end is not None:
        stmt = stmt.where(col(Appointment.start_at) < end)
    if status is not None:
        stmt = stmt.where(Appointment.status == status)
    rows = list(session.scalars(stmt.order_by(col(Appointment.start_at)).limit(limit)))
    audit.record(
        session,
        actor=actor,
        action="appointment.list",
        practice_id=practice.id,
        resource_type="practice",
        resource_id=practice.id,
    )
    return rows


def public(row: Appointment, practice: Practice | str) -> AppointmentOut:
    tz = ZoneInfo(practice if isinstance(practice, str) else practice.timezone)
    data = row.model_dump()
    data["start"], data["end"] = row.start_at.astimezone(tz), row.end_at.astimezone(tz)
    return AppointmentOut(**data)
