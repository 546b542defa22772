"""Foreign scheduling objects for the authorization matrix (tests/authz_world.py asks for them here)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from app.core.clock import utcnow
from app.practices.models import Practice
from app.scheduling import booking, feeds, holds, hours, service
from app.scheduling import rules as r
from app.scheduling.schemas import AppointmentIn, HoldIn, OpeningExceptionIn
from tests.factories import ADMIN, Factory

from .conftest import open_all_week


def _bookable(make: Factory, practice: Practice, name: str) -> tuple[Any, Any, Any]:
    doctor = make.practitioner(practice, name=name)
    open_all_week(make, doctor, "00:00", "24:00")
    motif = make.motif(practice, code=f"m{str(doctor.id)[:8]}")
    request = r.SlotRequest(now=utcnow() + timedelta(days=1), practitioner_id=doctor.id, limit=2)
    found = service.compute_slots(make.db, practice, motif, request)
    return doctor, motif, found


def foreign_id(param: str, make: Factory, practice: Practice, marker: str) -> str:
    doctor, motif, found = _bookable(make, practice, f"Dr {marker} {param}")
    if param == "hold_id":
        body = HoldIn(
            practice_id=practice.id, practitioner_id=doctor.id, motif_id=motif.id, start=found[0].start
        )
        return str(holds.create_hold(make.db, ADMIN, body).id)
    if param == "appointment_id":
        appointment_in = AppointmentIn(
            practice_id=practice.id, practitioner_id=doctor.id, motif_id=motif.id, start=found[1].start
        )
        return str(booking.book(make.db, ADMIN, appointment_in, None)[0].id)
    if param == "exception_id":
        day = found[0].start.date()
        return str(
            hours.add_exception(make.db, ADMIN, practice.id, OpeningExceptionIn(day=day, kind="closed")).id
        )
    if param == "token_id":
        return str(feeds.create_token(make.db, ADMIN, doctor.id, rotate=False).id)
    raise KeyError(param)


def bodies(practice: Practice, practitioner_id: str, motif_id: str) -> dict[str, Any]:
    start = (utcnow() + timedelta(days=2)).replace(hour=10, minute=0, second=0, microsecond=0).isoformat()
    ids = {
        "practice_id": str(practice.id),
        "practitioner_id": practitioner_id,
        "motif_id": motif_id,
        "start": start,
    }
    return {
        "hold": ids,
        "appointment": ids,
        "reschedule": {"start": start},
        "hours": {"rules": [{"weekday": 0, "start": "09:00", "end": "12:00"}]},
        "exception": {"day": start[:10], "kind": "closed"},
    }
