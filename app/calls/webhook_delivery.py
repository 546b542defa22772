"""The outbox handler that POSTs a webhook: signed body, delivery log, retries with backoff.

The handler keeps its own retry schedule (a new outbox job per retry) rather than raising, so every
failed attempt is written to the delivery log in the same transaction as the job's completion.
Nothing is lost (the job and the delivery row commit together) and nothing is sent twice on purpose:
a delivered delivery is skipped unless the redelivery was asked for by hand.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from datetime import timedelta
from typing import Any

import httpx
from sqlmodel import Session

from app.calls import signing
from app.calls.webhook_models import WebhookAttempt, WebhookDelivery, WebhookEvent, WebhookSubscription
from app.calls.webhooks import JOB_KIND, secret_of
from app.core import outbox
from app.core.clock import utcnow
from app.core.config import get_settings

log = logging.getLogger("permanence.calls.webhooks")
MAX_ATTEMPTS = 8


def backoff(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min, … capped at 6 h."""
    return timedelta(seconds=min(30 * 2 ** (attempts - 1), 6 * 3600))


def render(session: Session, sub: WebhookSubscription, event: WebhookEvent) -> bytes:
    data: dict[str, Any] = dict(event.payload)
    if sub.detail == "content" and event.event_type.startswith("message.") and "message_id" in data:
        from app.calls import messages  # content is decrypted only here, only for such subscriptions

        data["content"] = messages.content_for_webhook(session, uuid.UUID(data["message_id"]))
    document = {
        "id": str(event.id),
        "type": event.event_type,
        "created_at": event.created_at.isoformat(),
        "practice_id": str(event.practice_id),
        "data": data,
    }
    return json.dumps(document, separators=(",", ":"), sort_keys=True).encode()


def post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int | None, str | None]:
    try:
        response = httpx.post(
            url,
            content=body,
            headers=headers,
            timeout=get_settings().webhook_timeout_seconds,
            follow_redirects=False,
        )
    except httpx.HTTPError as exc:
        return None, type(exc).__name__
    if 200 <= response.status_code < 300:
        return response.status_code, None
    return response.status_code, f"HTTP {response.status_code}"


@outbox.handler(JOB_KIND)
def deliver(session: Session, payload: dict[str, Any]) -> None:
    delivery = session.get(WebhookDelivery, uuid.UUID(payload["delivery_id"]))
    manual = bool(payload.get("manual"))
    if delivery is None or (delivery.status == "delivered" and not manual):
        return
    sub = session.get(WebhookSubscription, delivery.subscription_id)
    event = session.get(WebhookEvent, delivery.event_id)
    assert sub is not None and event is not None
    if not sub.active:
        delivery.status, delivery.last_error = "failed", "subscription deactivated"
        session.flush()
        return
    body = render(session, sub, event)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "Permanence-Webhooks/1",
        signing.HEADER: signing.header(secret_of(session, sub), int(time.time()), body),
        "Permanence-Event": event.event_type,
        "Permanence-Event-Id": str(event.id),
        "Permanence-Delivery-Id": str(delivery.id),
    }
    started = time.monotonic()
    code, error = post(sub.url, body, headers)
    now = utcnow()
    session.add(
        WebhookAttempt(
            delivery_id=delivery.id,
            practice_id=delivery.practice_id,
            at=now,
            status_code=code,
            error=error,
            duration_ms=int((time.monotonic() - started) * 1000),
            manual=manual,
        )
    )
    delivery.attempts += 1
    delivery.last_status_code, delivery.last_error = code, error
    if error is None:
        delivery.status, delivery.delivered_at, delivery.next_attempt_at = "delivered", now, None
        _delivered(session, event)
    elif manual or delivery.attempts >= MAX_ATTEMPTS:
        delivery.status, delivery.next_attempt_at = "failed", None
        log.warning("webhook delivery %s failed (attempt %d)", delivery.id, delivery.attempts)
    else:
        delivery.next_attempt_at = now + backoff(delivery.attempts)
        outbox.enqueue(
            session,
            JOB_KIND,
            {"delivery_id": str(delivery.id)},
            practice_id=delivery.practice_id,
            run_at=delivery.next_attempt_at,
        )
    session.flush()


def _delivered(session: Session, event: WebhookEvent) -> None:
    if event.event_type == "message.created" and "message_id" in event.payload:
        from app.calls import messages

        messages.mark_delivered(session, uuid.UUID(event.payload["message_id"]), "webhook")
