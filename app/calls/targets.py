"""What a call or a message may point at: objects of the same practice, whatever their domain."""

from __future__ import annotations

import uuid

from sqlmodel import Session, SQLModel

from app.auth.actor import Actor
from app.auth.deps import get_owned
from app.calls.models import PractitionerMessage
from app.patients.models import Patient
from app.scheduling.models import Appointment
from app.triage.models import TriageSession

MODELS: dict[str, type[SQLModel]] = {
    "patient": Patient,
    "triage_session": TriageSession,
    "appointment": Appointment,
    "message": PractitionerMessage,
}


def get(session: Session, actor: Actor, practice_id: uuid.UUID, kind: str, target_id: uuid.UUID) -> SQLModel:
    """The object if it exists, the actor sees its practice and it is the given practice's; else 404."""
    return get_owned(session, actor, MODELS[kind], target_id, resource_type=kind, in_practice=practice_id)


def check(session: Session, actor: Actor, practice_id: uuid.UUID, kind: str, target_id: uuid.UUID) -> None:
    get(session, actor, practice_id, kind, target_id)


def triage_level(session: Session, actor: Actor, practice_id: uuid.UUID, session_id: uuid.UUID) -> str | None:
    row = get(session, actor, practice_id, "triage_session", session_id)
    assert isinstance(row, TriageSession)
    return row.level
