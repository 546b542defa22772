"""Remote faults: a webhook receiver or an SMTP server down for a while never blocks the agent, never
loses the message, never duplicates it; failures show in the delivery log and escalation moves on."""

from __future__ import annotations

import json
import logging
import time

from app.calls import signing
from app.calls.webhook_models import WebhookDelivery
from app.practices import service as practices
from app.practices.schemas import InstructionSheetIn, PractitionerIn
from tests.factories import ADMIN


def _setup(live, escalation_minutes=5):
    s, make = live.build()
    practice = make.practice("Cabinet du Port")
    practices.publish_sheet(
        s,
        ADMIN,
        practice.id,
        InstructionSheetIn(greeting="Bonjour", urgent_calls="15", escalation_minutes=escalation_minutes),
    )
    doctor = practices.add_practitioner(
        s,
        practice.id,
        PractitionerIn(display_name="Dr Roux", specialty="generaliste", urgent_email="roux@cabinet-port.fr"),
    )
    practices.add_practitioner(
        s,
        practice.id,
        PractitionerIn(
            display_name="Dr Blanc", specialty="generaliste", urgent_email="blanc@cabinet-port.fr"
        ),
    )
    agent, supervisor = make.headers("agent", [practice]), make.headers("supervisor", [practice])
    s.commit()
    s.close()
    return practice, doctor, agent, supervisor


def _message(live, practice, doctor, agent, priority="normal"):
    r = live.client.post(
        f"/api/v1/practices/{practice.id}/messages",
        json={"practitioner_id": str(doctor.id), "subject": "Résultats d'analyse", "priority": priority},
        headers=agent,
    )
    assert r.status_code == 201, r.text
    return r.json()["id"]


def test_webhook_receiver_down_then_up_delivers_exactly_once(live):
    practice, doctor, agent, supervisor = _setup(live)
    r = live.client.post(
        f"/api/v1/practices/{practice.id}/webhooks",
        json={"url": live.http.url, "event_types": ["message.created"]},
        headers=supervisor,
    )
    secret, hook_id = r.json()["secret"], r.json()["id"]
    live.http.stop()
    started = time.monotonic()
    message_id = _message(live, practice, doctor, agent)
    assert time.monotonic() - started < 5  # the agent's request does not touch the receiver

    live.drain()
    live.due_now("calls.webhook")
    live.drain()
    [delivery] = live.get(WebhookDelivery)
    assert delivery.status == "pending" and delivery.attempts == 2 and delivery.last_status_code is None
    assert delivery.next_attempt_at is not None
    assert len(live.pending("calls.webhook")) == 1  # one retry scheduled, not one per failure

    live.http.start()
    live.http.status = 503  # up but failing: retried too
    live.due_now("calls.webhook")
    live.drain()
    live.http.status = 200
    live.due_now("calls.webhook")
    live.drain()
    for _ in range(3):  # more time passes: nothing is sent again
        live.due_now("calls.webhook")
        live.drain()
    assert len(live.http.received) == 2  # the 503 and the success
    final = live.http.received[-1]
    assert signing.verify(secret, final.headers["permanence-signature"], final.body, int(time.time()))
    assert json.loads(final.body)["data"]["message_id"] == message_id
    assert final.headers["permanence-event-id"] == live.http.received[0].headers["permanence-event-id"]

    log = live.client.get(f"/api/v1/webhooks/{hook_id}/deliveries", headers=supervisor).json()
    [entry] = log
    assert entry["status"] == "delivered" and entry["attempts"] == 4
    assert [a["status_code"] for a in entry["log"]] == [None, None, 503, 200]
    assert entry["log"][0]["error"] == "ConnectError"

    # Manual redelivery sends the same event again, flagged in the log.
    r = live.client.post(f"/api/v1/webhook-deliveries/{entry['id']}/redeliver", headers=supervisor)
    assert r.status_code == 200, r.text
    live.drain()
    assert len(live.http.received) == 3
    assert json.loads(live.http.received[-1].body)["id"] == json.loads(final.body)["id"]
    entry = live.client.get(f"/api/v1/webhooks/{hook_id}/deliveries", headers=supervisor).json()[0]
    assert entry["log"][-1]["manual"] is True and entry["status"] == "delivered"


def test_smtp_down_is_a_recorded_failure_and_escalation_moves_on(live, caplog):
    caplog.set_level(logging.DEBUG)  # our loggers; the test SMTP server logs what it receives
    practice, doctor, agent, _ = _setup(live)
    live.smtp.stop()
    message_id = _message(live, practice, doctor, agent, priority="urgent")
    live.drain()
    [first] = live.attempts(message_id)
    assert first.status == "retrying" and first.tries == 1 and first.last_error
    listed = live.client.get(f"/api/v1/practices/{practice.id}/messages", headers=agent).json()
    assert listed[0]["failed_attempts"] == 1 and listed[0]["status"] == "new"
    assert "subject" not in listed[0]

    # The practitioner cannot be reached: escalation re-sends, then goes to the next practitioner.
    live.due_now("calls.escalate")
    live.drain()
    live.due_now("calls.escalate")
    live.drain()
    steps = [(a.step, a.recipient) for a in live.attempts(message_id)]
    assert steps == [(0, "roux@cabinet-port.fr"), (1, "roux@cabinet-port.fr"), (2, "blanc@cabinet-port.fr")]

    # The server comes back: every queued e-mail goes out once, nothing lost, nothing doubled.
    live.smtp.start()
    for _ in range(3):
        live.due_now("calls.email")
        live.drain()
    assert sorted(r for m in live.smtp.inbox for r in m.recipients) == [
        "blanc@cabinet-port.fr",
        "roux@cabinet-port.fr",
        "roux@cabinet-port.fr",
    ]
    assert all(a.status == "sent" for a in live.attempts(message_id))
    assert live.message(message_id).status == "delivered"

    # Acknowledged through the API by the practitioner: no further step.
    s, make = live.build()
    headers = make.headers("practitioner", [practice])
    s.commit()
    s.close()
    r = live.client.post(f"/api/v1/messages/{message_id}/acknowledge", headers=headers)
    assert r.status_code == 200 and r.json()["acknowledged_via"] == "api"
    live.due_now("calls.escalate")
    live.drain()
    assert len(live.attempts(message_id)) == 3
    ours = "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith("mail.log"))
    assert "failed" in ours and "analyse" not in ours  # failures logged, no health data


def test_contacts_run_out_and_the_message_stays_visible(live):
    practice, doctor, agent, _ = _setup(live)
    message_id = _message(live, practice, doctor, agent, priority="urgent")
    for _ in range(5):
        live.due_now("calls.escalate")
        live.drain()
    # initial, resend, one other practitioner; then nothing left (an audit event says so)
    assert len(live.attempts(message_id)) == 3
    assert not live.pending("calls.escalate")
    assert live.message(message_id).status == "delivered"


def test_payload_detail_is_what_the_subscription_allows(live):
    practice, doctor, agent, supervisor = _setup(live)
    for detail in ("ids", "content"):
        r = live.client.post(
            f"/api/v1/practices/{practice.id}/webhooks",
            json={
                "url": f"{live.http.url}?detail={detail}",
                "event_types": ["message.created"],
                "detail": detail,
            },
            headers=supervisor,
        )
        assert r.status_code == 201, r.text
    message_id = _message(live, practice, doctor, agent)
    live.drain()
    bodies = {req.path.rsplit("=", 1)[1]: json.loads(req.body) for req in live.http.received}
    assert "content" not in bodies["ids"]["data"]
    assert bodies["content"]["data"]["content"]["subject"] == "Résultats d'analyse"
    assert (
        bodies["ids"]["id"] == bodies["content"]["id"] and bodies["ids"]["data"]["message_id"] == message_id
    )
    # the stored event and the outbox never hold the text
    from app.calls.webhook_models import WebhookEvent
    from app.core.outbox import OutboxJob

    assert "analyse" not in json.dumps([e.payload for e in live.get(WebhookEvent)])
    assert "analyse" not in json.dumps([j.payload for j in live.get(OutboxJob)])


def test_a_receiver_that_never_recovers_ends_failed_and_can_be_redelivered(live):
    from app.calls.webhook_delivery import MAX_ATTEMPTS

    practice, doctor, agent, supervisor = _setup(live)
    r = live.client.post(
        f"/api/v1/practices/{practice.id}/webhooks",
        json={"url": live.http.url, "event_types": ["message.created"]},
        headers=supervisor,
    )
    hook = r.json()["id"]
    live.http.status = 500
    _message(live, practice, doctor, agent)
    for _ in range(MAX_ATTEMPTS + 3):
        live.due_now("calls.webhook")
        live.drain()
    [delivery] = live.get(WebhookDelivery)
    assert delivery.status == "failed" and delivery.attempts == MAX_ATTEMPTS == len(live.http.received)
    assert not live.pending("calls.webhook")
    live.http.status = 200
    entry = live.client.get(f"/api/v1/webhooks/{hook}/deliveries", headers=supervisor).json()[0]
    live.client.post(f"/api/v1/webhook-deliveries/{entry['id']}/redeliver", headers=supervisor)
    live.drain()
    assert live.get(WebhookDelivery)[0].status == "delivered"
    # a deactivated subscription receives nothing more
    assert live.client.delete(f"/api/v1/webhooks/{hook}", headers=supervisor).status_code == 204
    _message(live, practice, doctor, agent)
    live.drain()
    assert len(live.http.received) == MAX_ATTEMPTS + 1
