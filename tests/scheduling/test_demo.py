"""`permanence demo` leaves bookable agendas: every demo practitioner has opening hours and slots."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from app import demo
from app.core.clock import utcnow
from app.practices.models import Motif, Practice, Practitioner
from app.scheduling import rules as r
from app.scheduling import service


def test_demo_practitioners_have_slots(db):
    demo.seed(db)
    practices = db.scalars(select(Practice)).all()
    assert practices
    for practice in practices:
        motif = db.scalars(select(Motif).where(Motif.practice_id == practice.id)).first()
        doctors = db.scalars(select(Practitioner).where(Practitioner.practice_id == practice.id)).all()
        request = r.SlotRequest(now=utcnow(), window_end=utcnow() + timedelta(days=7), limit=500)
        found = service.compute_slots(db, practice, motif, request)
        assert {s.practitioner_id for s in found} == {d.id for d in doctors}, practice.name
