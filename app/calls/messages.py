"""Messages and callback requests for practitioners: new → delivered → acknowledged → done.

Creating a message queues its e-mail (and its `message.created` webhook) in the same transaction and,
when urgent, the first escalation check: the agent is never kept waiting by a remote server.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, func, select

from app.audit import service as audit
from app.auth.actor import Actor
from app.auth.deps import get_owned
from app.calls import escalation, notify, targets, webhooks
from app.calls import service as calls
from app.calls.models import DeliveryAttempt, PractitionerMessage
from app.calls.priority import derive
from app.calls.schemas import MessageIn
from app.core.clock import utcnow
from app.core.errors import Conflict, Invalid, NotFound
from app.core.schemas import e164
from app.crypto import service as keys
from app.crypto.fields import RowCipher
from app.practices import service as practices

RESOURCE = "message"
CONTENT = ("subject", "body", "caller_name", "callback_number", "preferred_time")


@dataclass(frozen=True)
class LinkActor:
    """Who acknowledges through an e-mailed link: known by the delivery attempt the link was sent in."""

    id: uuid.UUID
    kind: str = "ack_link"


def cipher(session: Session, msg: PractitionerMessage) -> RowCipher:
    return RowCipher(keys.keyring_for(session, msg.practice_id), "practitioner_message", msg.id)


def content(session: Session, msg: PractitionerMessage) -> dict[str, str | None]:
    c = cipher(session, msg)
    return {name: c.open(name, getattr(msg, name)) for name in CONTENT}


def content_for_webhook(session: Session, message_id: uuid.UUID) -> dict[str, str | None] | None:
    msg = session.get(PractitionerMessage, message_id)
    return content(session, msg) if msg is not None else None


def _event(session: Session, actor: Any, action: str, msg: PractitionerMessage) -> None:
    audit.record(
        session,
        actor=actor,
        action=action,
        practice_id=msg.practice_id,
        resource_type=RESOURCE,
        resource_id=msg.id,
    )


def create(
    session: Session,
    actor: Actor,
    practice_id: uuid.UUID,
    body: MessageIn,
    idempotency_key: str | None = None,
) -> PractitionerMessage:
    practice = practices.get_practice(session, actor, practice_id)
    replay = _replay(session, practice.id, idempotency_key)
    if replay is not None:  # a retried request: one message, one e-mail
        return replay
    practitioner = practices.get_practitioner(session, actor, body.practitioner_id)
    if practitioner.practice_id != practice.id:
        raise NotFound("Practitioner not found.")
    call = None
    if body.call_id is not None:
        call = calls.get_call(session, actor, body.call_id)
        if call.practice_id != practice.id:
            raise NotFound("Call not found.")
    level = None
    if body.triage_session_id is not None:
        level = targets.triage_level(session, actor, practice.id, body.triage_session_id)
    callback = None
    if body.callback_number:
        try:
            callback = e164(body.callback_number, practice.phone_region)
        except ValueError as exc:
            raise Invalid("callback_number is not a valid phone number.") from exc
    msg = PractitionerMessage(
        practice_id=practice.id,
        practitioner_id=practitioner.id,
        call_id=body.call_id,
        triage_session_id=body.triage_session_id,
        priority=derive(body.priority, level),
        kind=body.kind,
        sheet_version=call.sheet_version if call else escalation.sheet_version_now(session, practice.id),
        author_kind=actor.kind,
        author_id=actor.id,
        idempotency_key=idempotency_key,
    )
    c = cipher(session, msg)
    values = body.model_dump(include=set(CONTENT)) | {"callback_number": callback}
    for name in CONTENT:
        setattr(msg, name, c.seal(name, values[name] or None))
    try:
        with session.begin_nested():  # two retries racing: the loser returns the winner's message
            session.add(msg)
    except IntegrityError:
        winner = _replay(session, practice.id, idempotency_key)
        if winner is None:
            raise
        return winner
    if call is not None:
        calls.link(session, call, "message", msg.id, actor)
        if body.triage_session_id is not None:
            calls.link(session, call, "triage_session", body.triage_session_id, actor)
    _event(session, actor, "message.create", msg)
    webhooks.emit(session, msg.practice_id, "message.created", _ids(msg))
    notify.queue(session, msg, practitioner.urgent_email, practitioner.display_name, "initial", 0)
    if msg.priority == "urgent":
        escalation.schedule(session, msg)
    return msg


def _replay(session: Session, practice_id: uuid.UUID, key: str | None) -> PractitionerMessage | None:
    if key is None:
        return None
    stmt = select(PractitionerMessage).where(
        PractitionerMessage.practice_id == practice_id, PractitionerMessage.idempotency_key == key
    )
    return session.scalars(stmt).one_or_none()


def _ids(msg: PractitionerMessage) -> dict[str, Any]:
    return {
        "message_id": str(msg.id),
        "call_id": str(msg.call_id) if msg.call_id else None,
        "practitioner_id": str(msg.practitioner_id),
        "priority": msg.priority,
        "kind": msg.kind,
        "status": msg.status,
        "created_at": msg.created_at.isoformat(),
        "acknowledged_at": msg.acknowledged_at.isoformat() if msg.acknowledged_at else None,
    }


def get(session: Session, actor: Actor, message_id: uuid.UUID) -> PractitionerMessage:
    msg = get_owned(session, actor, PractitionerMessage, message_id, resource_type=RESOURCE)
    return msg


def read(session: Session, actor: Actor, message_id: uuid.UUID) -> PractitionerMessage:
    msg = get(session, actor, message_id)
    _event(session, actor, "message.read", msg)
    return msg


def attempts_of(session: Session, message_id: uuid.UUID) -> list[DeliveryAttempt]:
    stmt = select(DeliveryAttempt).where(DeliveryAttempt.message_id == message_id)
    return list(session.scalars(stmt.order_by(col(DeliveryAttempt.created_at), col(DeliveryAttempt.step))))


def failed_counts(session: Session, ids: list[uuid.UUID]) -> dict[uuid.UUID, int]:
    if not ids:
        return {}
    rows = session.exec(
        select(DeliveryAttempt.message_id, func.count())
        .where(
            col(DeliveryAttempt.message_id).in_(ids), col(DeliveryAttempt.status).in_(("retrying", "failed"))
        )
        .group_by(col(DeliveryAttempt.message_id))
    ).all()
    return {mid: int(n) for mid, n in rows}


def list_for_practice(
    session: Session,
    actor: Actor,
    practice_id: uuid.UUID,
    status: str | None,
    limit: int,
    practitioner_id: uuid.UUID | None = None,
) -> list[PractitionerMessage]:
    practice = practices.get_practice(session, actor, practice_id)
    stmt = select(PractitionerMessage).where(PractitionerMessage.practice_id == practice.id)
    if status is not None:
        stmt = stmt.where(PractitionerMessage.status == status)
    if practitioner_id is not None:
        stmt = stmt.where(PractitionerMessage.practitioner_id == practitioner_id)
    rows = list(session.scalars(stmt.order_by(col(PractitionerMessage.created_at).desc()).limit(limit)))
    audit.record(
        session,
        actor=actor,
        action="message.list",
        practice_id=practice.id,
        resource_type="practice",
        resource_id=practice.id,
    )
    return rows


def mark_delivered(session: Session, message_id: uuid.UUID, channel: str) -> None:
    msg = session.get(PractitionerMessage, message_id)
    if msg is not None and msg.status == "new":
        msg.status, msg.delivered_at = "delivered", utcnow()
        session.flush()


def acknowledge(session: Session, actor: Any, msg: PractitionerMessage, via: str) -> PractitionerMessage:
    """Idempotent: a second acknowledgement (another link, the API) changes nothing."""
    if msg.status in ("acknowledged", "done"):
        return msg
    now = utcnow()
    msg.status, msg.acknowledged_at, msg.acknowledged_via = "acknowledged", now, via
    msg.acknowledged_by = actor.id if getattr(actor, "kind", "") == "user" else None
    msg.delivered_at = msg.delivered_at or now
    session.flush()
    _event(session, actor, "message.acknowledge", msg)
    webhooks.emit(session, msg.practice_id, "message.acknowledged", _ids(msg))
    return msg


def acknowledge_by_link(session: Session, token: str) -> PractitionerMessage:
    claim = notify.read_ack_token(token)
    attempt = session.get(DeliveryAttempt, claim.attempt_id) if claim else None
    if claim is None or attempt is None or attempt.message_id != claim.message_id:
        raise NotFound("This acknowledgement link is invalid or has expired.")
    msg = session.get(PractitionerMessage, claim.message_id)
    assert msg is not None
    return acknowledge(session, LinkActor(id=attempt.id), msg, "link")


def finish(session: Session, actor: Actor, msg: PractitionerMessage) -> PractitionerMessage:
    if msg.status == "done":
        return msg
    if msg.status not in ("delivered", "acknowledged", "new"):
        raise Conflict("This message cannot be closed now.")
    now = utcnow()
    if msg.acknowledged_at is None:
        acknowledge(session, actor, msg, "api")
    msg.status, msg.done_at = "done", now
    session.flush()
    _event(session, actor, "message.done", msg)
    return msg
