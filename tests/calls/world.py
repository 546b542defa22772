"""What the authorization matrix needs from the calls domain: foreign objects, bodies and queries."""

from __future__ import annotations

from typing import Any

from sqlmodel import select

from app.calls import messages, service, webhooks
from app.calls.schemas import CallOpen, MessageIn
from app.practices import service as practices
from tests.factories import ADMIN


def _call(w: Any, marker: str) -> str:
    number = practices.numbers_of(w.make.db, w.foreign.id)[0].number
    call = service.open_call(w.make.db, ADMIN, CallOpen(called_number=number, caller_number="0611223344"))
    return str(call.id)


def _message(w: Any, marker: str) -> str:
    body = MessageIn(practitioner_id=w.foreign_id("practitioner_id"), subject=marker, body=marker)
    return str(messages.create(w.make.db, ADMIN, w.foreign.id, body).id)


def _webhook(w: Any, marker: str) -> str:
    sub, _ = webhooks.subscribe(
        w.make.db,
        ADMIN,
        w.foreign.id,
        url="https://example.invalid/hook",
        event_types=["call.closed"],
        detail="ids",
        description=marker,
    )
    return str(sub.id)


def _delivery(w: Any, marker: str) -> str:
    from app.calls.webhook_models import WebhookDelivery

    w.foreign_id("webhook_id")
    event = webhooks.emit(w.make.db, w.foreign.id, "call.closed", {"call_id": None})
    row = w.make.db.exec(select(WebhookDelivery).where(WebhookDelivery.event_id == event.id)).first()
    return str(row.id)


FOREIGN = {"call_id": _call, "message_id": _message, "webhook_id": _webhook, "delivery_id": _delivery}


def foreign_id(param: str, w: Any, marker: str) -> str:
    return FOREIGN[param](w, marker)


def bodies(w: Any) -> dict[tuple[str, str], dict[str, Any]]:
    number = practices.numbers_of(w.make.db, w.foreign.id)[0].number
    return {
        ("POST", "/api/v1/calls"): {"called_number": number, "caller_number": "0611223344"},
        ("POST", "/api/v1/calls/{call_id}/answer"): {},
        ("POST", "/api/v1/calls/{call_id}/close"): {"outcome": "abandoned"},
        ("POST", "/api/v1/calls/{call_id}/links"): {
            "kind": "patient",
            "target_id": w.foreign_id("patient_id"),
        },
        ("POST", "/api/v1/practices/{practice_id}/messages"): {
            "practitioner_id": w.foreign_id("practitioner_id"),
            "subject": "Rappel",
        },
        ("PUT", "/api/v1/practices/{practice_id}/billing-plan"): {"model": "per_call", "per_call_cents": 150},
        ("POST", "/api/v1/practices/{practice_id}/webhooks"): {
            "url": "https://example.org/hook",
            "event_types": ["call.closed"],
        },
    }


QUERIES = {
    ("GET", "/api/v1/practices/{practice_id}/reports"): {"from": "2026-11-01", "to": "2026-11-30"},
    ("GET", "/api/v1/practices/{practice_id}/billing"): {"month": "2026-11"},
}
FOREIGN_INPUT = {("POST", "/api/v1/calls")}
