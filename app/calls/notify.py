"""E-mail to practitioners: one DeliveryAttempt row per sending, performed by the outbox worker.

The e-mail carries the message (the practitioner needs it at once) and an acknowledgement link with a
signed, expiring token. Logs name ids only. Without an SMTP host outside production the e-mail is
logged (ids only) instead of sent, so development needs no mail server.
"""

from __future__ import annotations

import logging
import smtplib
import time
import uuid
from datetime import timedelta
from email.message import EmailMessage
from typing import Any

from sqlmodel import Session

from app.calls import ack_token
from app.calls.models import DeliveryAttempt, PractitionerMessage
from app.core import outbox
from app.core.clock import utcnow
from app.core.config import get_settings
from app.practices.models import Practice

log = logging.getLogger("permanence.calls.email")
JOB_KIND = "calls.email"
MAX_TRIES = 6
PRIORITY_LABELS = {"urgent": "URGENT", "high": "Prioritaire", "normal": "Message", "low": "Pour information"}


def backoff(tries: int) -> timedelta:
    return timedelta(seconds=min(60 * 2 ** (tries - 1), 3600))


def queue(
    session: Session, msg: PractitionerMessage, address: str | None, label: str, reason: str, step: int
) -> DeliveryAttempt:
    attempt = DeliveryAttempt(
        message_id=msg.id,
        practice_id=msg.practice_id,
        reason=reason,
        step=step,
        recipient=address or "",
        recipient_label=label[:120],
    )
    if not address:
        attempt.status, attempt.last_error = "failed", "no e-mail address for this contact"
    session.add(attempt)
    session.flush()
    if address:
        outbox.enqueue(session, JOB_KIND, {"attempt_id": str(attempt.id)}, practice_id=msg.practice_id)
    return attempt


def _key() -> str:
    return get_settings().secret_key.get_secret_value()


def ack_url(attempt: DeliveryAttempt) -> str:
    expires = int(time.time()) + get_settings().ack_link_hours * 3600
    token = ack_token.issue(_key(), ack_token.AckClaim(attempt.message_id, attempt.id, expires))
    return f"{get_settings().public_base_url.rstrip('/')}/ack/{token}"


def read_ack_token(token: str) -> ack_token.AckClaim | None:
    return ack_token.read(_key(), token, int(time.time()))


def compose(session: Session, msg: PractitionerMessage, attempt: DeliveryAttempt) -> EmailMessage:
    from app.calls import messages

    practice = session.get(Practice, msg.practice_id)
    text = messages.content(session, msg)
    mail = EmailMessage()
    label = PRIORITY_LABELS.get(msg.priority, "Message")
    again = " (relance)" if attempt.reason != "initial" else ""
    mail["Subject"] = f"[{label}] Nouveau message{again} - {practice.name if practice else ''}"
    mail["From"] = get_settings().smtp_from
    mail["To"] = attempt.recipient
    mail["Message-ID"] = f"<{attempt.id}@permanence>"
    mail["X-Permanence-Message"] = str(msg.id)
    lines = [
        f"{label} - {'rappel demandé' if msg.kind == 'callback' else 'message'} reçu le "
        f"{msg.created_at.strftime('%d/%m/%Y %H:%M')} UTC",
        "",
        f"Objet : {text['subject'] or ''}",
        f"Appelant : {text['caller_name'] or 'non précisé'}",
        f"Numéro de rappel : {text['callback_number'] or 'non précisé'}",
        f"Moment préféré : {text['preferred_time'] or 'non précisé'}",
        "",
        text["body"] or "",
        "",
        "Pour accuser réception, ouvrez ce lien :",
        ack_url(attempt),
    ]
    mail.set_content("\n".join(lines))
    return mail


def send(mail: EmailMessage) -> None:
    settings = get_settings()
    assert settings.smtp_host is not None
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=settings.smtp_timeout_seconds) as smtp:
        smtp.send_message(mail)


@outbox.handler(JOB_KIND)
def deliver(session: Session, payload: dict[str, Any]) -> None:
    from app.calls import messages

    attempt = session.get(DeliveryAttempt, uuid.UUID(payload["attempt_id"]))
    if attempt is None or attempt.status in ("sent", "failed"):
        return
    msg = session.get(PractitionerMessage, attempt.message_id)
    assert msg is not None
    attempt.tries += 1
    settings = get_settings()
    error = None
    if settings.smtp_host is None and settings.env == "production":
        error = "no SMTP host configured"
    elif settings.smtp_host is None:
        log.info("e-mail for message %s (attempt %s) logged, not sent: no SMTP host", msg.id, attempt.id)
    else:
        try:
            send(compose(session, msg, attempt))
        except (OSError, smtplib.SMTPException) as exc:
            error = type(exc).__name__
    if error is None:
        attempt.status, attempt.sent_at, attempt.last_error = "sent", utcnow(), None
        messages.mark_delivered(session, msg.id, "email")
    else:
        attempt.last_error = error
        log.warning("e-mail attempt %s for message %s failed (%s)", attempt.id, msg.id, error)
        if attempt.tries >= MAX_TRIES:
            attempt.status = "failed"
        else:
            attempt.status = "retrying"
            run_at = utcnow() + backoff(attempt.tries)
            outbox.enqueue(
                session, JOB_KIND, {"attempt_id": str(attempt.id)}, practice_id=msg.practice_id, run_at=run_at
            )
    session.flush()
