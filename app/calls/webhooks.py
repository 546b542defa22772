"""Integrator webhooks: emitting events, managing subscriptions, the delivery log, manual redelivery.

`emit(session, practice_id, event_type, payload)` is what any domain calls, inside its transaction,
when something happened: it stores the event once and queues one outbox job per matching
subscription. Payloads hold ids and times only (app/calls/webhook_delivery.py sends them).
"""

from __future__ import annotations

import secrets
import uuid
from typing import Any

from sqlmodel import Session, col, select

from app.audit import service as audit
from app.auth.actor import Actor
from app.auth.deps import get_owned
from app.calls.webhook_models import (
    EVENT_TYPES,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEvent,
    WebhookSubscription,
)
from app.core import outbox
from app.core.errors import Invalid
from app.crypto import service as keys
from app.crypto.fields import RowCipher

JOB_KIND = "calls.webhook"


def emit(session: Session, practice_id: uuid.UUID, event_type: str, payload: dict[str, Any]) -> WebhookEvent:
    """Record an event and queue its delivery to every active subscription of the practice."""
    if event_type not in EVENT_TYPES:
        raise ValueError(f"unknown webhook event type {event_type!r}")
    event = WebhookEvent(practice_id=practice_id, event_type=event_type, payload=payload)
    session.add(event)
    session.flush()
    subs = session.scalars(
        select(WebhookSubscription).where(
            WebhookSubscription.practice_id == practice_id, col(WebhookSubscription.active).is_(True)
        )
    )
    for sub in subs:
        if event_type in sub.event_types:
            delivery = WebhookDelivery(practice_id=practice_id, subscription_id=sub.id, event_id=event.id)
            session.add(delivery)
            session.flush()
            outbox.enqueue(session, JOB_KIND, {"delivery_id": str(delivery.id)}, practice_id=practice_id)
    return event


def subscribe(
    session: Session,
    actor: Actor,
    practice_id: uuid.UUID,
    *,
    url: str,
    event_types: list[str],
    detail: str,
    description: str,
) -> tuple[WebhookSubscription, str]:
    """A new subscription and its signing secret (returned once; stored encrypted)."""
    if not set(event_types) <= set(EVENT_TYPES) or not event_types:
        raise Invalid("Unknown or missing event types.")
    secret = "whsec_" + secrets.token_urlsafe(32)
    sub = WebhookSubscription(
        practice_id=practice_id,
        url=url,
        event_types=sorted(set(event_types)),
        detail=detail,
        secret_hint=secret[6:12],
        description=description,
    )
    sub.secret = _cipher(session, sub).seal("secret", secret)
    session.add(sub)
    session.flush()
    _event(session, actor, "webhook.create", sub.practice_id, sub.id)
    return sub, secret


def _cipher(session: Session, sub: WebhookSubscription) -> RowCipher:
    return RowCipher(keys.keyring_for(session, sub.practice_id), "webhook_subscription", sub.id)


def secret_of(session: Session, sub: WebhookSubscription) -> str:
    value = _cipher(session, sub).open("secret", sub.secret)
    assert value is not None
    return value


def _event(session: Session, actor: Actor, action: str, practice_id: uuid.UUID, rid: uuid.UUID) -> None:
    audit.record(
        session, actor=actor, action=action, practice_id=practice_id, resource_type="webhook", resource_id=rid
    )


def get_subscription(session: Session, actor: Actor, subscription_id: uuid.UUID) -> WebhookSubscription:
    sub = get_owned(session, actor, WebhookSubscription, subscription_id, resource_type="webhook")
    return sub


def list_subscriptions(session: Session, practice_id: uuid.UUID) -> list[WebhookSubscription]:
    stmt = select(WebhookSubscription).where(WebhookSubscription.practice_id == practice_id)
    return list(session.scalars(stmt.order_by(col(WebhookSubscription.created_at))))


def deactivate(session: Session, actor: Actor, sub: WebhookSubscription) -> None:
    sub.active = False
    session.flush()
    _event(session, actor, "webhook.delete", sub.practice_id, sub.id)


def deliveries(
    session: Session, sub: WebhookSubscription, limit: int
) -> list[tuple[WebhookDelivery, WebhookEvent, list[WebhookAttempt]]]:
    rows = session.exec(
        select(WebhookDelivery, WebhookEvent)
        .join(WebhookEvent, col(WebhookEvent.id) == col(WebhookDelivery.event_id))
        .where(WebhookDelivery.subscription_id == sub.id)
        .order_by(col(WebhookDelivery.created_at).desc())
        .limit(limit)
    ).all()
    out = []
    for delivery, event in rows:
        attempts = session.scalars(
            select(WebhookAttempt)
            .where(WebhookAttempt.delivery_id == delivery.id)
            .order_by(col(WebhookAttempt.at))
        ).all()
        out.append((delivery, event, list(attempts)))
    return out


def get_delivery(session: Session, actor: Actor, delivery_id: uuid.UUID) -> WebhookDelivery:
    row = get_owned(session, actor, WebhookDelivery, delivery_id, resource_type="webhook_delivery")
    return row


def redeliver(session: Session, actor: Actor, delivery: WebhookDelivery) -> WebhookDelivery:
    """Send again now, even if delivered (receivers dedupe on Permanence-Event-Id)."""
    delivery.status, delivery.next_attempt_at = "pending", None
    session.flush()
    outbox.enqueue(
        session, JOB_KIND, {"delivery_id": str(delivery.id), "manual": True}, practice_id=delivery.practice_id
    )
    _event(session, actor, "webhook.redeliver", delivery.practice_id, delivery.id)
    return delivery


def event_type_of(session: Session, delivery: WebhookDelivery) -> str:
    event = session.get(WebhookEvent, delivery.event_id)
    assert event is not None
    return event.event_type
