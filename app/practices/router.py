"""HTTP routes for practices, instruction sheets, practitioners and motifs (thin: parse, authorize, call)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Header, Query, Response
from sqlmodel import Session

from app.audit import service as audit
from app.auth.actor import Actor
from app.auth.deps import CanReadPractices, CanWritePractices
from app.core.db import SessionDep
from app.core.errors import Invalid
from app.core.schemas import e164
from app.practices import service
from app.practices.models import Motif, Practice
from app.practices.schemas import (
    CalledNumberOut,
    InstructionSheetIn,
    InstructionSheetPublic,
    MotifIn,
    MotifPublic,
    MotifUpdate,
    PracticeCreate,
    PracticePublic,
    PracticeUpdate,
    PractitionerIn,
    PractitionerPublic,
    PractitionerUpdate,
)

router = APIRouter(prefix="/api/v1", tags=["practices"])


def _public(session: Session, practice: Practice) -> PracticePublic:
    numbers = [
        CalledNumberOut(number=n.number, label=n.label) for n in service.numbers_of(session, practice.id)
    ]
    return PracticePublic(**practice.model_dump(), called_numbers=numbers)


def _motif_public(session: Session, motif: Motif) -> MotifPublic:
    return MotifPublic(**motif.model_dump(), practitioner_ids=service.motif_practitioners(session, motif.id))


def _audit(
    session: Session,
    actor: Actor,
    action: str,
    practice_id: uuid.UUID,
    kind: str,
    rid: uuid.UUID | None = None,
) -> None:
    audit.record(
        session,
        actor=actor,
        action=action,
        practice_id=practice_id,
        resource_type=kind,
        resource_id=rid or practice_id,
    )


@router.get("/practices", response_model=list[PracticePublic])
def list_practices(actor: CanReadPractices, session: SessionDep) -> list[PracticePublic]:
    return [_public(session, p) for p in service.visible_practices(session, actor)]


@router.post("/practices", response_model=PracticePublic, status_code=201)
def create_practice(body: PracticeCreate, actor: CanWritePractices, session: SessionDep) -> PracticePublic:
    practice = service.create_practice(session, actor, body)
    _audit(session, actor, "practice.create", practice.id, "practice")
    return _public(session, practice)


@router.get("/practices/route", response_model=PracticePublic)
def route_call(
    actor: CanReadPractices,
    session: SessionDep,
    called_number: Annotated[str, Query(min_length=3, max_length=32)],
) -> PracticePublic:
    """The practice a dialled number belongs to (how a call is routed)."""
    try:
        number = e164(called_number)
    except ValueError as exc:
        raise Invalid("called_number is not a valid phone number.") from exc
    practice = service.route_called_number(session, actor, number)
    _audit(session, actor, "practice.read", practice.id, "practice")
    return _public(session, practice)


@router.get("/practices/{practice_id}", response_model=PracticePublic)
def read_practice(
    practice_id: uuid.UUID, actor: CanReadPractices, session: SessionDep, response: Response
) -> PracticePublic:
    practice = service.get_practice(session, actor, practice_id)
    _audit(session, actor, "practice.read", practice.id, "practice")
    response.headers["ETag"] = f'"{practice.revision}"'
    return _public(session, practice)


@router.patch("/practices/{practice_id}", response_model=PracticePublic)
def update_practice(
    practice_id: uuid.UUID,
    body: PracticeUpdate,
    actor: CanWritePractices,
    session: SessionDep,
    response: Response,
    if_match: Annotated[str | None, Header()] = None,
) -> PracticePublic:
    practice = service.update_practice(
        session, service.get_practice(session, actor, practice_id), body, if_match
    )
    _audit(session, actor, "practice.update", practice.id, "practice")
    response.headers["ETag"] = f'"{practice.revision}"'
    return _public(session, practice)


@router.get("/practices/{practice_id}/instructions", response_model=InstructionSheetPublic)
def read_instructions(
    practice_id: uuid.UUID,
    actor: CanReadPractices,
    session: SessionDep,
    version: Annotated[int | None, Query(ge=1)] = None,
) -> InstructionSheetPublic:
    """The current instruction sheet, or a given version (what an agent saw on an earlier call)."""
    practice = service.get_practice(session, actor, practice_id)
    sheet = (
        service.sheet_version(session, practice.id, version)
        if version
        else service.current_sheet(session, practice.id)
    )
    _audit(session, actor, "instructions.read", practice.id, "instruction_sheet", sheet.id)
    return InstructionSheetPublic.model_validate(sheet)


@router.post("/practices/{practice_id}/instructions", response_model=InstructionSheetPublic, status_code=201)
def publish_instructions(
    practice_id: uuid.UUID, body: InstructionSheetIn, actor: CanWritePractices, session: SessionDep
) -> InstructionSheetPublic:
    practice = service.get_practice(session, actor, practice_id)
    sheet = service.publish_sheet(session, actor, practice.id, body)
    _audit(session, actor, "instructions.publish", practice.id, "instruction_sheet", sheet.id)
    return InstructionSheetPublic.model_validate(sheet)


@router.get("/practices/{practice_id}/practitioners", response_model=list[PractitionerPublic])
def list_practitioners(
    practice_id: uuid.UUID, actor: CanReadPractices, session: SessionDep
) -> list[PractitionerPublic]:
    practice = service.get_practice(session, actor, practice_id)
    _audit(session, actor, "practitioner.list", practice.id, "practice")
    return [PractitionerPublic.model_validate(p) for p in service.list_practitioners(session, practice.id)]


@router.post("/practices/{practice_id}/practitioners", response_model=PractitionerPublic, status_code=201)
def add_practitioner(
    practice_id: uuid.UUID, body: PractitionerIn, actor: CanWritePractices, session: SessionDep
) -> PractitionerPublic:
    practice = service.get_practice(session, actor, practice_id)
    row = service.add_practitioner(session, practice.id, body)
    _audit(session, actor, "practitioner.create", practice.id, "practitioner", row.id)
    return PractitionerPublic.model_validate(row)


@router.get("/practitioners/{practitioner_id}", response_model=PractitionerPublic)
def read_practitioner(
    practitioner_id: uuid.UUID, actor: CanReadPractices, session: SessionDep
) -> PractitionerPublic:
    row = service.get_practitioner(session, actor, practitioner_id)
    _audit(session, actor, "practitioner.read", row.practice_id, "practitioner", row.id)
    return PractitionerPublic.model_validate(row)


@router.patch("/practitioners/{practitioner_id}", response_model=PractitionerPublic)
def update_practitioner(
    practitioner_id: uuid.UUID, body: PractitionerUpdate, actor: CanWritePractices, session: SessionDep
) -> PractitionerPublic:
    row = service.update_practitioner(
        session, service.get_practitioner(session, actor, practitioner_id), body
    )
    _audit(session, actor, "practitioner.update", row.practice_id, "practitioner", row.id)
    return PractitionerPublic.model_validate(row)


@router.get("/practices/{practice_id}/motifs", response_model=list[MotifPublic])
def list_motifs(practice_id: uuid.UUID, actor: CanReadPractices, session: SessionDep) -> list[MotifPublic]:
    practice = service.get_practice(session, actor, practice_id)
    _audit(session, actor, "motif.list", practice.id, "practice")
    return [_motif_public(session, m) for m in service.list_motifs(session, practice.id)]


@router.post("/practices/{practice_id}/motifs", response_model=MotifPublic, status_code=201)
def add_motif(
    practice_id: uuid.UUID, body: MotifIn, actor: CanWritePractices, session: SessionDep
) -> MotifPublic:
    practice = service.get_practice(session, actor, practice_id)
    motif = service.add_motif(session, actor, practice.id, body)
    _audit(session, actor, "motif.create", practice.id, "motif", motif.id)
    return _motif_public(session, motif)


@router.get("/motifs/{motif_id}", response_model=MotifPublic)
def read_motif(motif_id: uuid.UUID, actor: CanReadPractices, session: SessionDep) -> MotifPublic:
    motif = service.get_motif(session, actor, motif_id)
    _audit(session, actor, "motif.read", motif.practice_id, "motif", motif.id)
    return _motif_public(session, motif)


@router.patch("/motifs/{motif_id}", response_model=MotifPublic)
def update_motif(
    motif_id: uuid.UUID, body: MotifUpdate, actor: CanWritePractices, session: SessionDep
) -> MotifPublic:
    motif = service.update_motif(session, service.get_motif(session, actor, motif_id), body)
    _audit(session, actor, "motif.update", motif.practice_id, "motif", motif.id)
    return _motif_public(session, motif)
