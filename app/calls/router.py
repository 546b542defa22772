"""HTTP routes for calls and messages (thin: parse, authorize, call a service, shape the answer)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Header, Query
from sqlmodel import Session

from app.auth.actor import Actor
from app.auth.deps import CanReadCalls, CanWriteCalls
from app.calls import messages, service
from app.calls.models import Call, PractitionerMessage
from app.calls.schemas import (
    AttemptOut,
    CallAnswer,
    CallClose,
    CallLinkIn,
    CallLinkOut,
    CallOpen,
    CallOut,
    CallSummary,
    MessageIn,
    MessageOut,
    MessageSummary,
    Outcome,
)
from app.core.db import SessionDep

router = APIRouter(prefix="/api/v1", tags=["calls"])
IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key", min_length=1, max_length=200)]


def _call_out(
    session: Session, actor: Actor, call: Call, candidates: list[uuid.UUID] | None = None
) -> CallOut:
    links = [
        CallLinkOut(kind=r.kind, target_id=r.target_id, created_at=r.created_at)
        for r in service.all_links(session, call)
    ]
    return CallOut(
        **call.model_dump(exclude={"caller_number"}),
        caller_number=service.caller_number(session, call),
        candidate_patient_ids=candidates or [],
        links=links,
    )


@router.post("/calls", response_model=CallOut, status_code=201)
def open_call(
    body: CallOpen, actor: CanWriteCalls, session: SessionDep, idempotency_key: IdempotencyKey = None
) -> CallOut:
    """Open a call: the number dialled routes it to its practice; the caller's number finds candidates."""
    call = service.open_call(session, actor, body, idempotency_key)
    return _call_out(session, actor, call, service.candidates(session, actor, call))


@router.get("/calls/{call_id}", response_model=CallOut)
def read_call(call_id: uuid.UUID, actor: CanReadCalls, session: SessionDep) -> CallOut:
    return _call_out(session, actor, service.read_call(session, actor, call_id))


@router.post("/calls/{call_id}/answer", response_model=CallOut)
def answer_call(call_id: uuid.UUID, body: CallAnswer, actor: CanWriteCalls, session: SessionDep) -> CallOut:
    call = service.answer(session, actor, service.get_call(session, actor, call_id), body)
    return _call_out(session, actor, call)


@router.post("/calls/{call_id}/close", response_model=CallOut)
def close_call(call_id: uuid.UUID, body: CallClose, actor: CanWriteCalls, session: SessionDep) -> CallOut:
    call = service.close(session, actor, service.get_call(session, actor, call_id), body)
    return _call_out(session, actor, call)


@router.post("/calls/{call_id}/links", response_model=CallOut)
def link_call(call_id: uuid.UUID, body: CallLinkIn, actor: CanWriteCalls, session: SessionDep) -> CallOut:
    """Attach a triage session, an appointment, a patient or a message of the same practice."""
    call = service.get_call(session, actor, call_id)
    service.add_link(session, actor, call, body)
    return _call_out(session, actor, call)


@router.get("/calls", response_model=list[CallSummary])
def incoming_calls(
    actor: CanReadCalls, session: SessionDep, limit: Annotated[int, Query(ge=1, le=200)] = 50
) -> list[CallSummary]:
    """Calls still ringing in any of the caller's practices, oldest first: one poll for the console."""
    rows = service.incoming_calls(session, actor, limit)
    return [CallSummary(**r.model_dump(exclude={"caller_number"})) for r in rows]


@router.get("/practices/{practice_id}/calls", response_model=list[CallSummary])
def list_calls(
    practice_id: uuid.UUID,
    actor: CanReadCalls,
    session: SessionDep,
    from_: Annotated[datetime | None, Query(alias="from")] = None,
    to: Annotated[datetime | None, Query()] = None,
    status: Annotated[str | None, Query(pattern="^(ringing|answered|ended)$")] = None,
    outcome: Annotated[Outcome | None, Query()] = None,
    agent_id: Annotated[uuid.UUID | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[CallSummary]:
    rows = service.list_calls(
        session,
        actor,
        practice_id,
        since=from_,
        until=to,
        status=status,
        outcome=outcome,
        agent_id=agent_id,
        limit=limit,
    )
    return [CallSummary(**r.model_dump(exclude={"caller_number"})) for r in rows]


def _message_out(session: Session, msg: PractitionerMessage) -> MessageOut:
    attempts = [AttemptOut(**a.model_dump()) for a in messages.attempts_of(session, msg.id)]
    data = msg.model_dump(exclude=set(messages.CONTENT))
    return MessageOut(**data, **messages.content(session, msg), attempts=attempts)


@router.post("/practices/{practice_id}/messages", response_model=MessageOut, status_code=201)
def create_message(
    practice_id: uuid.UUID,
    body: MessageIn,
    actor: CanWriteCalls,
    session: SessionDep,
    idempotency_key: IdempotencyKey = None,
) -> MessageOut:
    """Leave a message or callback request for a practitioner; e-mail and escalation run in the worker."""
    return _message_out(session, messages.create(session, actor, practice_id, body, idempotency_key))


@router.get("/practices/{practice_id}/messages", response_model=list[MessageSummary])
def list_messages(
    practice_id: uuid.UUID,
    actor: CanReadCalls,
    session: SessionDep,
    status: Annotated[str | None, Query(pattern="^(new|delivered|acknowledged|done)$")] = None,
    practitioner_id: Annotated[uuid.UUID | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[MessageSummary]:
    rows = messages.list_for_practice(session, actor, practice_id, status, limit, practitioner_id)
    failed = messages.failed_counts(session, [r.id for r in rows])
    return [
        MessageSummary(**r.model_dump(exclude=set(messages.CONTENT)), failed_attempts=failed.get(r.id, 0))
        for r in rows
    ]


@router.get("/messages/{message_id}", response_model=MessageOut)
def read_message(message_id: uuid.UUID, actor: CanReadCalls, session: SessionDep) -> MessageOut:
    return _message_out(session, messages.read(session, actor, message_id))


@router.post("/messages/{message_id}/acknowledge", response_model=MessageOut)
def acknowledge_message(message_id: uuid.UUID, actor: CanWriteCalls, session: SessionDep) -> MessageOut:
    msg = messages.acknowledge(session, actor, messages.get(session, actor, message_id), "api")
    return _message_out(session, msg)


@router.post("/messages/{message_id}/done", response_model=MessageOut)
def finish_message(message_id: uuid.UUID, actor: CanWriteCalls, session: SessionDep) -> MessageOut:
    return _message_out(session, messages.finish(session, actor, messages.get(session, actor, message_id)))
