"""Scheduling's domain errors (rendered as RFC 9457 problems by app/core/errors.py)."""

from __future__ import annotations

from app.core.errors import Conflict, DomainError, Invalid


class SlotUnavailable(Conflict):
    """Taken, held, closed or off the grid; the problem lists the next `alternatives`."""

    type, title = "slot-unavailable", "Slot unavailable"


class EmergencyNotBookable(Invalid):
    type, title = "emergency-not-bookable", "Emergencies are never booked"


class MotifNotOffered(Invalid):
    type, title = "motif-not-offered", "Motif not offered"


class IdempotencyKeyReused(DomainError):
    status, type, title = 422, "idempotency-key-reused", "Idempotency key reused with a different request"


class HoldMismatch(Conflict):
    type, title = "hold-mismatch", "Hold does not match"


class AppointmentCancelled(Conflict):
    type, title = "appointment-cancelled", "Appointment cancelled"
