"""Use cases for practices, their numbers, instruction sheets, practitioners and motifs."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from app.auth.actor import Actor
from app.auth.deps import ensure_practice, get_owned
from app.auth.models import UserPractice
from app.core.errors import Conflict, NotFound, PreconditionFailed
from app.practices.models import (
    CalledNumber,
    InstructionSheet,
    Motif,
    MotifPractitioner,
    Practice,
    Practitioner,
)
from app.practices.schemas import (
    CalledNumberIn,
    InstructionSheetIn,
    MotifIn,
    MotifUpdate,
    PracticeCreate,
    PracticeUpdate,
    PractitionerIn,
    PractitionerUpdate,
)


def get_practice(session: Session, actor: Actor, practice_id: uuid.UUID) -> Practice:
    """The practice, if it exists and the actor is assigned to it; otherwise 404."""
    practice = session.get(Practice, practice_id)
    ensure_practice(
        session, actor, practice.id if practice else None, resource_type="practice", resource_id=practice_id
    )
    assert practice is not None
    return practice


def visible_practices(session: Session, actor: Actor) -> Sequence[Practice]:
    stmt = select(Practice).order_by(Practice.name)
    if actor.practice_ids is not None:
        stmt = stmt.where(col(Practice.id).in_(actor.practice_ids))
    return session.scalars(stmt).all()


def numbers_of(session: Session, practice_id: uuid.UUID) -> list[CalledNumber]:
    stmt = select(CalledNumber).where(CalledNumber.practice_id == practice_id).order_by(CalledNumber.number)
    return list(session.scalars(stmt))


def _set_numbers(session: Session, practice: Practice, numbers: list[CalledNumberIn]) -> None:
    wanted = {n.number: n.label for n in numbers}
    taken = session.scalars(
        select(CalledNumber).where(
            col(CalledNumber.number).in_(wanted), CalledNumber.practice_id != practice.id
        )
    ).first()
    if taken is not None:
        raise Conflict("This number already routes to another practice.")
    for row in numbers_of(session, practice.id):
        session.delete(row)
    session.flush()
    for number, label in wanted.items():
        session.add(CalledNumber(practice_id=practice.id, number=number, label=label))
    session.flush()


def create_practice(session: Session, actor: Actor, body: PracticeCreate) -> Practice:
    data = body.model_dump(exclude={"called_numbers"})
    practice = Practice(**data)
    session.add(practice)
    session.flush()
    _set_numbers(session, practice, body.called_numbers)
    if actor.kind == "user" and actor.practice_ids is not None:
        session.add(UserPractice(user_id=actor.id, practice_id=practice.id))  # the creator may manage it
        session.flush()
    return practice


def update_practice(
    session: Session, practice: Practice, body: PracticeUpdate, if_match: str | None
) -> Practice:
    if if_match is not None and if_match.strip('W/"') != str(practice.revision):
        raise PreconditionFailed(
            "The practice changed since you read it; reload and retry.", current_revision=practice.revision
        )
    changes = body.model_dump(exclude_unset=True, exclude={"called_numbers"})
    for key, value in changes.items():
        setattr(practice, key, value)
    if body.called_numbers is not None:
        _set_numbers(session, practice, body.called_numbers)
    practice.revision += 1
    session.flush()
    return practice


def route_called_number(session: Session, actor: Actor, number: str) -> Practice:
    row = session.scalars(select(CalledNumber).where(CalledNumber.number == number)).one_or_none()
    ensure_practice(session, actor, row.practice_id if row else None, resource_type="practice")
    assert row is not None
    return get_practice(session, actor, row.practice_id)


# Instruction sheets -----------------------------------------------------------------------------------


def current_sheet(session: Session, practice_id: uuid.UUID) -> InstructionSheet:
    sheet = session.scalars(
        select(InstructionSheet)
        .where(InstructionSheet.practice_id == practice_id)
        .order_by(col(InstructionSheet.version).desc())
        .limit(1)
    ).first()
    if sheet is None:
        raise NotFound("This practice has no instruction sheet yet.")
    return sheet


def sheet_version(session: Session, practice_id: uuid.UUID, version: int) -> InstructionSheet:
    sheet = session.scalars(
        select(InstructionSheet).where(
            InstructionSheet.practice_id == practice_id,
            InstructionSheet.version == version,
        )
    ).one_or_none()
    if sheet is None:
        raise NotFound("Instruction sheet version not found.")
    return sheet


def publish_sheet(
    session: Session, actor: Actor, practice_id: uuid.UUID, body: InstructionSheetIn
) -> InstructionSheet:
    latest = session.scalar(
        select(func.max(InstructionSheet.version)).where(InstructionSheet.practice_id == practice_id)
    )
    data: dict[str, Any] = body.model_dump()
    sheet = InstructionSheet(practice_id=practice_id, version=(latest or 0) + 1, created_by=actor.id, **data)
    session.add(sheet)
    session.flush()
    return sheet


# Practitioners ----------------------------------------------------------------------------------------


def get_practitioner(session: Session, actor: Actor, practitioner_id: uuid.UUID) -> Practitioner:
    row = get_owned(session, actor, Practitioner, practitioner_id, resource_type="practitioner")
    return row


def list_practitioners(session: Session, practice_id: uuid.UUID) -> list[Practitioner]:
    stmt = (
        select(Practitioner)
        .where(Practitioner.practice_id == practice_id)
        .order_by(Practitioner.display_name)
    )
    return list(session.scalars(stmt))


def add_practitioner(session: Session, practice_id: uuid.UUID, body: PractitionerIn) -> Practitioner:
    row = Practitioner(practice_id=practice_id, **body.model_dump())
    session.add(row)
    session.flush()
    return row


def update_practitioner(session: Session, row: Practitioner, body: PractitionerUpdate) -> Practitioner:
    for key, value in body.model_dump(exclude_unset=True).items():
        setattr(row, key, value)
    session.flush()
    return row


# Motifs -----------------------------------------------------------------------------------------------


def get_motif(session: Session, actor: Actor, motif_id: uuid.UUID) -> Motif:
    row = get_owned(session, actor, Motif, motif_id, resource_type="motif")
    return row


def motif_practitioners(session: Session, motif_id: uuid.UUID) -> list[uuid.UUID]:
    stmt = select(MotifPractitioner.practitioner_id).where(MotifPractitioner.motif_id == motif_id)
    return sorted(session.scalars(stmt), key=str)


def list_motifs(session: Session, practice_id: uuid.UUID) -> list[Motif]:
    stmt = select(Motif).where(Motif.practice_id == practice_id).order_by(Motif.label)
    return list(session.scalars(stmt))


def add_motif(session: Session, actor: Actor, practice_id: uuid.UUID, body: MotifIn) -> Motif:
    if session.scalars(
        select(Motif.id).where(Motif.practice_id == practice_id, Motif.code == body.code)
    ).first():
        raise Conflict("This practice already has a motif with this code.")
    motif = Motif(practice_id=practice_id, **body.model_dump(exclude={"practitioner_ids"}))
    session.add(motif)
    session.flush()
    for pid in dict.fromkeys(body.practitioner_ids):
        practitioner = get_practitioner(session, actor, pid)
        if practitioner.practice_id != practice_id:
            raise NotFound("Practitioner not found.")
        session.add(MotifPractitioner(motif_id=motif.id, practitioner_id=pid))
    session.flush()
    return motif


def update_motif(session: Session, motif: Motif, body: MotifUpdate) -> Motif:
    for key, value in body.model_dump(exclude_unset=True).items():
        setattr(motif, key, value)
    session.flush()
    return motif
