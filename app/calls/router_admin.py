"""HTTP routes for practice reports, billing (plan and CSV export) and webhook subscriptions."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Query, Response
from sqlmodel import Session

from app.audit import service as audit
from app.auth.actor import Actor
from app.auth.deps import CanAdminWrite, CanReadPractices, CanReadReports, CanWritePractices
from app.calls import reports, webhooks
from app.calls.report_schemas import (
    AttemptLog,
    BillingPlanIn,
    BillingPlanOut,
    DeliveryOut,
    Report,
    WebhookCreated,
    WebhookIn,
    WebhookOut,
)
from app.calls.webhook_models import WebhookSubscription
from app.core.config import get_settings
from app.core.db import SessionDep
from app.core.errors import Invalid
from app.practices import service as practices

router = APIRouter(prefix="/api/v1", tags=["reports", "webhooks"])


def _audit(session: Session, actor: Actor, action: str, practice_id: uuid.UUID) -> None:
    audit.record(
        session,
        actor=actor,
        action=action,
        practice_id=practice_id,
        resource_type="practice",
        resource_id=practice_id,
    )


@router.get("/practices/{practice_id}/reports", response_model=Report)
def practice_report(
    practice_id: uuid.UUID,
    actor: CanReadReports,
    session: SessionDep,
    from_: Annotated[date, Query(alias="from")],
    to: Annotated[date, Query()],
) -> Report:
    """Calls, answer and handling times, outcomes, bookings, messages, by day and hour (practice time)."""
    practice = practices.get_practice(session, actor, practice_id)
    _audit(session, actor, "report.read", practice.id)
    return reports.report(session, practice, from_, to)


@router.get("/practices/{practice_id}/billing-plan", response_model=BillingPlanOut)
def read_plan(practice_id: uuid.UUID, actor: CanReadReports, session: SessionDep) -> BillingPlanOut:
    practice = practices.get_practice(session, actor, practice_id)
    return BillingPlanOut(**reports.get_plan(session, practice.id).model_dump())


@router.put("/practices/{practice_id}/billing-plan", response_model=BillingPlanOut)
def set_plan(
    practice_id: uuid.UUID, body: BillingPlanIn, actor: CanAdminWrite, session: SessionDep
) -> BillingPlanOut:
    practice = practices.get_practice(session, actor, practice_id)
    plan = reports.set_plan(session, practice.id, body)
    _audit(session, actor, "billing.plan", practice.id)
    return BillingPlanOut(**plan.model_dump())


@router.get("/practices/{practice_id}/billing", response_class=Response)
def billing_export(
    practice_id: uuid.UUID,
    actor: CanReadReports,
    session: SessionDep,
    month: Annotated[str, Query(pattern=r"^\d{4}-\d{2}$")],
) -> Response:
    """The month's billing lines under the practice's pricing model, as CSV."""
    practice = practices.get_practice(session, actor, practice_id)
    _, text = reports.billing_csv(session, practice, month)
    _audit(session, actor, "billing.export", practice.id)
    headers = {"Content-Disposition": f'attachment; filename="billing-{practice.id}-{month}.csv"'}
    return Response(text, media_type="text/csv; charset=utf-8", headers=headers)


def _check_url(url: str) -> None:
    parts = urlsplit(url)
    allowed = ("https",) if get_settings().env == "production" else ("https", "http")
    if parts.scheme not in allowed or not parts.hostname:
        raise Invalid("The webhook URL must be https (http only outside production).")


def _sub_out(sub: WebhookSubscription) -> WebhookOut:
    return WebhookOut(**sub.model_dump(exclude={"secret"}))


@router.post("/practices/{practice_id}/webhooks", response_model=WebhookCreated, status_code=201)
def create_webhook(
    practice_id: uuid.UUID, body: WebhookIn, actor: CanWritePractices, session: SessionDep
) -> WebhookCreated:
    """Subscribe a URL to event types; the signing secret is in this answer only."""
    practice = practices.get_practice(session, actor, practice_id)
    _check_url(body.url)
    sub, secret = webhooks.subscribe(
        session,
        actor,
        practice.id,
        url=body.url,
        event_types=list(body.event_types),
        detail=body.detail,
        description=body.description,
    )
    return WebhookCreated(**_sub_out(sub).model_dump(), secret=secret)


@router.get("/practices/{practice_id}/webhooks", response_model=list[WebhookOut])
def list_webhooks(practice_id: uuid.UUID, actor: CanReadPractices, session: SessionDep) -> list[WebhookOut]:
    practice = practices.get_practice(session, actor, practice_id)
    _audit(session, actor, "webhook.list", practice.id)
    return [_sub_out(s) for s in webhooks.list_subscriptions(session, practice.id)]


@router.delete("/webhooks/{webhook_id}", status_code=204)
def delete_webhook(webhook_id: uuid.UUID, actor: CanWritePractices, session: SessionDep) -> Response:
    webhooks.deactivate(session, actor, webhooks.get_subscription(session, actor, webhook_id))
    return Response(status_code=204)


@router.get("/webhooks/{webhook_id}/deliveries", response_model=list[DeliveryOut])
def list_deliveries(
    webhook_id: uuid.UUID,
    actor: CanReadPractices,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[DeliveryOut]:
    """The delivery log: every event sent to this subscription and every attempt."""
    sub = webhooks.get_subscription(session, actor, webhook_id)
    _audit(session, actor, "webhook.log", sub.practice_id)
    return [
        DeliveryOut(
            **d.model_dump(),
            event_type=e.event_type,
            log=[AttemptLog(**a.model_dump()) for a in attempts],
        )
        for d, e, attempts in webhooks.deliveries(session, sub, limit)
    ]


@router.post("/webhook-deliveries/{delivery_id}/redeliver", response_model=DeliveryOut)
def redeliver(delivery_id: uuid.UUID, actor: CanWritePractices, session: SessionDep) -> DeliveryOut:
    """Queue the event again for this subscription (now, whatever its state)."""
    delivery = webhooks.redeliver(session, actor, webhooks.get_delivery(session, actor, delivery_id))
    event_type = webhooks.event_type_of(session, delivery)
    return DeliveryOut(**delivery.model_dump(), event_type=event_type, log=[])
