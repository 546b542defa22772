"""Escalation of urgent messages nobody acknowledged: send again, then to the next contact.

The instruction sheet in force for the call sets the delay (`escalation_minutes`). Step 1 re-sends to
the practitioner; each later step goes to the next contact — the sheet's transfer contacts with an
e-mail, then the practice's other active practitioners' urgent addresses. Each step is an outbox job
scheduled at its time (`run_at`), so the agent never waits; each sending is a DeliveryAttempt row.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlmodel import Session

from app.audit import service as audit
from app.calls import notify
from app.calls.models import PractitionerMessage
from app.core import outbox
from app.core.clock import utcnow
from app.core.errors import NotFound
from app.practices import service as practices
from app.practices.models import InstructionSheet, Practitioner

log = logging.getLogger("permanence.calls.escalation")
JOB_KIND = "calls.escalate"
DEFAULT_MINUTES = 15


@dataclass(frozen=True)
class SystemActor:
    kind: str = "system"
    id: uuid.UUID | None = None


def sheet_for(session: Session, msg: PractitionerMessage) -> InstructionSheet | None:
    try:
        if msg.sheet_version is not None:
            return practices.sheet_version(session, msg.practice_id, msg.sheet_version)
        return practices.current_sheet(session, msg.practice_id)
    except NotFound:
        return None


def sheet_version_now(session: Session, practice_id: uuid.UUID) -> int | None:
    """The version in force now: a message left without a call keeps the delay of its time."""
    try:
        return practices.current_sheet(session, practice_id).version
    except NotFound:
        return None


def delay(session: Session, msg: PractitionerMessage) -> timedelta:
    sheet = sheet_for(session, msg)
    return timedelta(minutes=sheet.escalation_minutes if sheet else DEFAULT_MINUTES)


def schedule(session: Session, msg: PractitionerMessage) -> None:
    outbox.enqueue(
        session,
        JOB_KIND,
        {"message_id": str(msg.id), "step": msg.escalation_step + 1},
        practice_id=msg.practice_id,
        run_at=utcnow() + delay(session, msg),
    )


def contacts(session: Session, msg: PractitionerMessage) -> list[tuple[str | None, str]]:
    """(address, label) in escalation order; the first is the practitioner the message is for."""
    primary = session.get(Practitioner, msg.practitioner_id)
    chain: list[tuple[str | None, str]] = [
        (primary.urgent_email, primary.display_name) if primary else (None, "")
    ]
    sheet = sheet_for(session, msg)
    for contact in sheet.transfer_contacts if sheet else []:
        if contact.get("email"):
            chain.append((str(contact["email"]), str(contact.get("name", ""))))
    for other in practices.list_practitioners(session, msg.practice_id):
        if other.id != msg.practitioner_id and other.active and other.urgent_email:
            chain.append((other.urgent_email, other.display_name))
    seen: set[str] = set()
    unique = []
    for address, label in chain:
        if address is None or address.lower() not in seen:
            unique.append((address, label))
            seen.add((address or "").lower())
    return unique


@outbox.handler(JOB_KIND)
def escalate(session: Session, payload: dict[str, Any]) -> None:
    msg = session.get(PractitionerMessage, uuid.UUID(payload["message_id"]))
    step = int(payload["step"])
    if msg is None or msg.status in ("acknowledged", "done") or step != msg.escalation_step + 1:
        return
    chain = contacts(session, msg)
    index = 0 if step == 1 else step - 1
    if index >= len(chain):
        audit.record(
            session,
            actor=SystemActor(),
            action="message.escalation_exhausted",
            practice_id=msg.practice_id,
            resource_type="message",
            resource_id=msg.id,
            outcome="failure",
        )
        log.warning("message %s: no contact left to escalate to", msg.id)
        return
    address, label = chain[index]
    msg.escalation_step = step
    notify.queue(session, msg, address, label, "resend" if step == 1 else "escalation", step)
    audit.record(
        session,
        actor=SystemActor(),
        action="message.escalate",
        practice_id=msg.practice_id,
        resource_type="message",
        resource_id=msg.id,
    )
    schedule(session, msg)
