"""Appointment webhooks without coupling scheduling to calls: a `before_flush` listener.

When a flush inserts an Appointment, cancels one or moves its start, the matching webhook event and
its deliveries are added to the same flush (so they commit or roll back with the booking), and an
appointment made during a call is linked to that call. Scheduling needs no change to emit them.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import col, select

from app.calls.models import Call, CallLink
from app.calls.webhook_models import WebhookDelivery, WebhookEvent, WebhookSubscription
from app.calls.webhooks import JOB_KIND
from app.core.outbox import OutboxJob
from app.scheduling.models import Appointment


def payload(row: Appointment) -> dict[str, Any]:
    """Ids and times only."""
    return {
        "appointment_id": str(row.id),
        "practitioner_id": str(row.practitioner_id),
        "motif_id": str(row.motif_id),
        "patient_id": str(row.patient_id) if row.patient_id else None,
        "call_id": str(row.call_id) if row.call_id else None,
        "status": row.status,
        "start_at": row.start_at.isoformat(),
        "end_at": row.end_at.isoformat(),
        "sequence": row.sequence,
    }


def _changed(row: Appointment, name: str) -> bool:
    return bool(inspect(row).attrs[name].history.has_changes())


def _kind(session: OrmSession, row: Appointment) -> str | None:
    if row in session.new:
        return "appointment.created"
    if _changed(row, "status") and row.status == "cancelled":
        return "appointment.cancelled"
    if row.status == "booked" and _changed(row, "start_at"):
        return "appointment.rescheduled"
    return None


def _queue(session: OrmSession, row: Appointment, event_type: str) -> None:
    ev = WebhookEvent(practice_id=row.practice_id, event_type=event_type, payload=payload(row))
    session.add(ev)
    subs = session.scalars(
        select(WebhookSubscription).where(
            WebhookSubscription.practice_id == row.practice_id, col(WebhookSubscription.active).is_(True)
        )
    )
    for sub in subs:
        if event_type in sub.event_types:
            delivery = WebhookDelivery(practice_id=row.practice_id, subscription_id=sub.id, event_id=ev.id)
            session.add(delivery)
            session.add(
                OutboxJob(
                    kind=JOB_KIND, payload={"delivery_id": str(delivery.id)}, practice_id=row.practice_id
                )
            )


def _link(session: OrmSession, row: Appointment) -> None:
    call = session.get(Call, row.call_id) if row.call_id else None
    if call is not None and call.practice_id == row.practice_id:
        session.add(
            CallLink(call_id=call.id, practice_id=call.practice_id, kind="appointment", target_id=row.id)
        )


@event.listens_for(OrmSession, "before_flush")
def _on_flush(session: OrmSession, _context: Any, _instances: Any) -> None:
    rows = [o for o in (*session.new, *session.dirty) if isinstance(o, Appointment)]
    if not rows:
        return
    with session.no_autoflush:
        for row in rows:
            kind = _kind(session, row)
            if kind is None:
                continue
            _queue(session, row, kind)
            if kind == "appointment.created":
                _link(session, row)
