"""Use cases of calls: open (routed by the number dialled), answer, link, close, read, list."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from app.audit import service as audit
from app.auth.actor import Actor
from app.auth.deps import get_owned
from app.calls import targets, webhooks
from app.calls.models import Call, CallLink
from app.calls.schemas import CallAnswer, CallClose, CallLinkIn, CallOpen
from app.core.clock import utcnow
from app.core.errors import Conflict, Invalid, NotFound
from app.core.schemas import e164
from app.crypto import service as keys
from app.crypto.fields import RowCipher
from app.patients import search as patients
from app.patients.schemas import PatientSearch
from app.practices import service as practices
from app.triage.models import TriageSession

RESOURCE = "call"


def _event(session: Session, actor: Actor, action: str, call: Call) -> None:
    audit.record(
        session,
        actor=actor,
        action=action,
        practice_id=call.practice_id,
        resource_type=RESOURCE,
        resource_id=call.id,
    )


def aware(value: datetime | None, name: str) -> datetime:
    if value is None:
        return utcnow()
    if value.tzinfo is None:
        raise Invalid(f"{name} needs a time zone offset.")
    return value


def cipher(session: Session, call: Call) -> RowCipher:
    return RowCipher(keys.keyring_for(session, call.practice_id), "call", call.id)


def caller_number(session: Session, call: Call) -> str | None:
    return cipher(session, call).open("caller_number", call.caller_number)


def _existing(session: Session, practice_id: uuid.UUID, column: str, value: str | None) -> Call | None:
    if value is None:
        return None
    stmt = select(Call).where(Call.practice_id == practice_id, getattr(Call, column) == value)
    return session.scalars(stmt).one_or_none()


def open_call(session: Session, actor: Actor, body: CallOpen, idempotency_key: str | None = None) -> Call:
    try:
        called = e164(body.called_number)
    except ValueError as exc:
        raise Invalid("called_number is not a valid phone number.") from exc
    practice = practices.route_called_number(session, actor, called)
    # A retried request (telephony system or console) is the same call.
    existing = _existing(session, practice.id, "external_ref", body.external_ref) or _existing(
        session, practice.id, "idempotency_key", idempotency_key
    )
    if existing is not None:
        return existing
    caller = None
    if body.caller_number:
        try:
            caller = e164(body.caller_number, practice.phone_region)
        except ValueError as exc:
            raise Invalid("caller_number is not a valid phone number.") from exc
    try:
        sheet_version: int | None = practices.current_sheet(session, practice.id).version
    except NotFound:
        sheet_version = None
    call = Call(
        practice_id=practice.id,
        called_number=called,
        external_ref=body.external_ref,
        idempotency_key=idempotency_key,
        ringing_at=aware(body.ringing_at, "ringing_at"),
        sheet_version=sheet_version,
        opened_by_kind=actor.kind,
        opened_by_id=actor.id,
    )
    call.caller_number = cipher(session, call).seal("caller_number", caller)
    if body.answered:
        call.status, call.answered_at = "answered", max(utcnow(), call.ringing_at)
        call.agent_id = actor.id if actor.kind == "user" else None
    try:
        with session.begin_nested():  # two retries racing: the loser returns the winner's call
            session.add(call)
    except IntegrityError:
        winner = _existing(session, practice.id, "external_ref", body.external_ref) or _existing(
            session, practice.id, "idempotency_key", idempotency_key
        )
        if winner is None:
            raise
        return winner
    _event(session, actor, "call.create", call)
    return call


def candidates(session: Session, actor: Actor, call: Call) -> list[uuid.UUID]:
    """Patients of the practice with the caller's number (blind index), if the actor may see patients."""
    number = caller_number(session, call)
    if number is None or not actor.can("patients", "read"):
        return []
    hits, _ = patients.search(session, actor, call.practice_id, PatientSearch(phone=number, limit=10))
    return [h.patient.id for h in hits if h.data is not None]


def get_call(session: Session, actor: Actor, call_id: uuid.UUID) -> Call:
    call = get_owned(session, actor, Call, call_id, resource_type=RESOURCE)
    return call


def read_call(session: Session, actor: Actor, call_id: uuid.UUID) -> Call:
    call = get_call(session, actor, call_id)
    _event(session, actor, "call.read", call)
    return call


def answer(session: Session, actor: Actor, call: Call, body: CallAnswer) -> Call:
    if call.status != "ringing":
        raise Conflict("This call has already been answered or ended.")
    at = aware(body.answered_at, "answered_at")
    if at < call.ringing_at:
        raise Invalid("answered_at is before the call started ringing.")
    call.status, call.answered_at = "answered", at
    if actor.kind == "user":
        call.agent_id = actor.id
    session.flush()
    _event(session, actor, "call.answer", call)
    return call


def close(session: Session, actor: Actor, call: Call, body: CallClose) -> Call:
    if call.status == "ended":
        if call.outcome == body.outcome:
            return call  # a retried close changes nothing
        raise Conflict("This call has already ended.")
    at = aware(body.ended_at, "ended_at")
    if at < (call.answered_at or call.ringing_at):
        raise Invalid("ended_at is before the call was answered or started ringing.")
    if call.answered_at is None and body.outcome != "abandoned":
        raise Invalid("A call that was never answered can only end as abandoned.")
    call.status, call.outcome, call.ended_at = "ended", body.outcome, at
    session.flush()
    _event(session, actor, "call.close", call)
    webhooks.emit(
        session,
        call.practice_id,
        "call.closed",
        {
            "call_id": str(call.id),
            "outcome": call.outcome,
            "ringing_at": call.ringing_at.isoformat(),
            "answered_at": call.answered_at.isoformat() if call.answered_at else None,
            "ended_at": at.isoformat(),
            "linked": {kind: [str(t) for t in ids] for kind, ids in links_by_kind(session, call).items()},
        },
    )
    return call


def add_link(session: Session, actor: Actor, call: Call, body: CallLinkIn) -> CallLink:
    targets.check(session, actor, call.practice_id, body.kind, body.target_id)
    return link(session, call, body.kind, body.target_id, actor)


def link(session: Session, call: Call, kind: str, target_id: uuid.UUID, actor: Actor) -> CallLink:
    """Attach a checked object of the call's practice (idempotent)."""
    existing = session.scalars(
        select(CallLink).where(
            CallLink.call_id == call.id, CallLink.kind == kind, CallLink.target_id == target_id
        )
    ).one_or_none()
    if existing is not None:
        return existing
    row = CallLink(call_id=call.id, practice_id=call.practice_id, kind=kind, target_id=target_id)
    session.add(row)
    session.flush()
    _event(session, actor, "call.link", call)
    return row


def links_of(session: Session, call_id: uuid.UUID) -> list[CallLink]:
    stmt = (
        select(CallLink)
        .where(CallLink.call_id == call_id)
        .order_by(col(CallLink.created_at), col(CallLink.kind))
    )
    return list(session.scalars(stmt))


def all_links(session: Session, call: Call) -> list[CallLink]:
    """Explicit links plus triage sessions started with this call's id (app/triage records call_id)."""
    rows = links_of(session, call.id)
    linked = {(r.kind, r.target_id) for r in rows}
    started = session.exec(
        select(TriageSession.id, TriageSession.created_at).where(
            TriageSession.call_id == call.id, TriageSession.practice_id == call.practice_id
        )
    ).all()
    for triage_id, at in started:
        if ("triage_session", triage_id) not in linked:
            rows.append(
                CallLink(
                    call_id=call.id,
                    practice_id=call.practice_id,
                    kind="triage_session",
                    target_id=triage_id,
                    created_at=at,
                )
            )
    return sorted(rows, key=lambda r: (r.created_at, r.kind))


def links_by_kind(session: Session, call: Call) -> dict[str, list[uuid.UUID]]:
    out: dict[str, list[uuid.UUID]] = {}
    for row in all_links(session, call):
        out.setdefault(row.kind, []).append(row.target_id)
    return out


def incoming_calls(session: Session, actor: Actor, limit: int) -> list[Call]:
    """Ringing calls across every practice the actor is assigned to, oldest first (who to pick up next)."""
    stmt = select(Call).where(Call.status == "ringing")
    if actor.practice_ids is not None:
        stmt = stmt.where(col(Call.practice_id).in_(actor.practice_ids))
    rows = list(session.scalars(stmt.order_by(col(Call.ringing_at)).limit(limit)))
    for practice_id in dict.fromkeys(r.practice_id for r in rows):
        audit.record(
            session,
            actor=actor,
            action="call.list",
            practice_id=practice_id,
            resource_type="practice",
            resource_id=practice_id,
        )
    return rows


def list_calls(
    session: Session,
    actor: Actor,
    practice_id: uuid.UUID,
    *,
    since: datetime | None,
    until: datetime | None,
    status: str | None,
    outcome: str | None,
    agent_id: uuid.UUID | None,
    limit: int,
) -> list[Call]:
    practice = practices.get_practice(session, actor, practice_id)
    stmt = select(Call).where(Call.practice_id == practice.id)
    if since is not None:
        stmt = stmt.where(col(Call.ringing_at) >= aware(since, "from"))
    if until is not None:
        stmt = stmt.where(col(Call.ringing_at) < aware(until, "to"))
    if status is not None:
        stmt = stmt.where(Call.status == status)
    if outcome is not None:
        stmt = stmt.where(Call.outcome == outcome)
    if agent_id is not None:
        stmt = stmt.where(Call.agent_id == agent_id)
    rows = list(session.scalars(stmt.order_by(col(Call.ringing_at).desc()).limit(limit)))
    audit.record(
        session,
        actor=actor,
        action="call.list",
        practice_id=practice.id,
        resource_type="practice",
        resource_id=practice.id,
    )
    return rows
