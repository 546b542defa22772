"""Messages over the API: encryption at rest, priority from triage, lifecycle, what lists show."""

from __future__ import annotations

import uuid

from sqlalchemy import text
from sqlmodel import select

from app.calls.models import DeliveryAttempt, PractitionerMessage
from app.core.outbox import OutboxJob
from app.practices import service as practices
from app.practices.schemas import PractitionerIn
from app.triage.models import TriageSession
from tests.factories import ADMIN

SECRET_TEXT = "Douleur thoracique depuis une heure"


def _setup(make, db, email="dr.vidal@cabinet-vidal.fr"):
    practice = make.practice()
    make.sheet(practice)
    doctor = practices.add_practitioner(
        db, practice.id, PractitionerIn(display_name="Dr Vidal", specialty="generaliste", urgent_email=email)
    )
    return practice, doctor


def _triage(db, practice, level):
    row = TriageSession(
        practice_id=practice.id,
        protocol_id="chest_pain",
        protocol_version=1,
        protocol_hash="0" * 64,
        global_hash="0" * 64,
        level=level,
        actor_kind="system",
        actor_id=ADMIN.id,
    )
    db.add(row)
    db.flush()
    return row


def test_message_is_encrypted_and_queued(client, make, db):
    practice, doctor = _setup(make, db)
    agent = make.headers("agent", [practice])
    r = client.post(
        f"/api/v1/practices/{practice.id}/messages",
        json={
            "practitioner_id": str(doctor.id),
            "subject": SECRET_TEXT,
            "body": SECRET_TEXT,
            "callback_number": "0611223344",
        },
        headers=agent,
    )
    assert r.status_code == 201, r.text
    out = r.json()
    assert out["subject"] == SECRET_TEXT and out["priority"] == "normal" and out["status"] == "new"
    assert out["attempts"][0]["status"] == "pending" and out["attempts"][0]["reason"] == "initial"
    for column in ("subject", "body", "callback_number"):
        raw = db.execute(text(f"SELECT {column} FROM practitioner_message")).scalar_one()
        assert raw.startswith("pe1") and SECRET_TEXT not in raw and "611223344" not in raw
    jobs = db.scalars(select(OutboxJob).where(OutboxJob.practice_id == practice.id)).all()
    assert {j.kind for j in jobs} == {"calls.email"}  # normal priority: no escalation
    assert all(SECRET_TEXT not in str(j.payload) for j in jobs)
    assert (
        client.post(
            f"/api/v1/practices/{practice.id}/messages",
            json={"practitioner_id": str(doctor.id), "subject": "x", "callback_number": "99"},
            headers=agent,
        ).status_code
        == 422
    )


def test_priority_follows_the_disposition_up_never_down(client, make, db):
    practice, doctor = _setup(make, db)
    agent = make.headers("agent", [practice])
    url = f"/api/v1/practices/{practice.id}/messages"
    cases = [
        ("emergency", "low", "urgent"),
        ("soon", None, "high"),
        ("routine", "urgent", "urgent"),
        ("self_care", None, "low"),
    ]
    for level, asked, expected in cases:
        triage = _triage(db, practice, level)
        body = {"practitioner_id": str(doctor.id), "subject": "x", "triage_session_id": str(triage.id)}
        if asked:
            body["priority"] = asked
        assert client.post(url, json=body, headers=agent).json()["priority"] == expected, level
    urgent = db.scalars(select(PractitionerMessage).where(PractitionerMessage.priority == "urgent")).all()
    escalations = db.scalars(select(OutboxJob).where(OutboxJob.kind == "calls.escalate")).all()
    assert len(escalations) == len(urgent) == 2


def test_lifecycle_through_the_api(client, make, db):
    practice, doctor = _setup(make, db)
    agent = make.headers("agent", [practice])
    practitioner = make.headers("practitioner", [practice])
    msg = client.post(
        f"/api/v1/practices/{practice.id}/messages",
        json={"practitioner_id": str(doctor.id), "subject": "Rappel"},
        headers=agent,
    ).json()
    url = f"/api/v1/messages/{msg['id']}"
    r = client.post(url + "/acknowledge", headers=practitioner)
    assert r.json()["status"] == "acknowledged" and r.json()["acknowledged_at"] and r.json()["delivered_at"]
    first = r.json()["acknowledged_at"]
    assert client.post(url + "/acknowledge", headers=practitioner).json()["acknowledged_at"] == first
    r = client.post(url + "/done", headers=practitioner)
    assert r.json()["status"] == "done" and r.json()["done_at"]
    listed = client.get(
        f"/api/v1/practices/{practice.id}/messages", params={"status": "done"}, headers=agent
    ).json()
    assert [m["id"] for m in listed] == [msg["id"]] and "body" not in listed[0]
    mine = {"practitioner_id": str(doctor.id)}
    assert (
        len(client.get(f"/api/v1/practices/{practice.id}/messages", params=mine, headers=agent).json()) == 1
    )
    nobody = {"practitioner_id": str(practice.id)}
    assert client.get(f"/api/v1/practices/{practice.id}/messages", params=nobody, headers=agent).json() == []
    readonly = make.api_key_headers([practice], scopes=["calls:read"])
    assert client.post(url + "/acknowledge", headers=readonly).status_code == 403


def test_missing_address_is_a_recorded_failure(client, make, db):
    practice = make.practice()
    doctor = practices.add_practitioner(
        db, practice.id, PractitionerIn(display_name="Dr Sans", specialty="generaliste")
    )
    agent = make.headers("agent", [practice])
    r = client.post(
        f"/api/v1/practices/{practice.id}/messages",
        json={"practitioner_id": str(doctor.id), "subject": "x", "priority": "urgent"},
        headers=agent,
    )
    assert r.status_code == 201
    [attempt] = db.scalars(select(DeliveryAttempt)).all()
    assert attempt.status == "failed" and attempt.last_error
    assert not db.scalars(select(OutboxJob).where(OutboxJob.kind == "calls.email")).all()
    assert db.scalars(
        select(OutboxJob).where(OutboxJob.kind == "calls.escalate")
    ).all()  # escalation still runs


def test_practitioner_of_another_practice_is_refused(client, make, db):
    practice, _ = _setup(make, db)
    other, stranger = _setup(make, db)
    agent = make.headers("agent", [practice, other])
    r = client.post(
        f"/api/v1/practices/{practice.id}/messages",
        json={"practitioner_id": str(stranger.id), "subject": "x"},
        headers=agent,
    )
    assert r.status_code == 404


def test_webhook_subscriptions_validate_their_input(client, make, db):
    practice, _ = _setup(make, db)
    supervisor = make.headers("supervisor", [practice])
    url = f"/api/v1/practices/{practice.id}/webhooks"
    assert (
        client.post(
            url, json={"url": "ftp://example.org/x", "event_types": ["call.closed"]}, headers=supervisor
        ).status_code
        == 422
    )
    assert (
        client.post(
            url, json={"url": "https://example.org/x", "event_types": ["call.opened"]}, headers=supervisor
        ).status_code
        == 422
    )
    assert (
        client.post(
            url, json={"url": "https://example.org/x", "event_types": []}, headers=supervisor
        ).status_code
        == 422
    )
    r = client.post(
        url, json={"url": "https://example.org/x", "event_types": ["call.closed"]}, headers=supervisor
    )
    assert r.status_code == 201
    raw = db.execute(text("SELECT secret FROM webhook_subscription")).scalar_one()
    assert raw.startswith("pe1") and r.json()["secret"] not in raw
    hook = r.json()["id"]
    assert client.delete(f"/api/v1/webhooks/{hook}", headers=supervisor).status_code == 204
    assert client.get(url, headers=supervisor).json()[0]["active"] is False


def test_acknowledgement_link_route(client, make, db, monkeypatch):
    from app.calls import notify
    from app.core.config import get_settings

    practice, doctor = _setup(make, db)
    agent = make.headers("agent", [practice])
    msg = client.post(
        f"/api/v1/practices/{practice.id}/messages",
        json={"practitioner_id": str(doctor.id), "subject": SECRET_TEXT},
        headers=agent,
    ).json()
    attempt = db.scalars(select(DeliveryAttempt)).one()
    monkeypatch.setattr(get_settings(), "ack_link_hours", -1)
    expired = notify.ack_url(attempt).split("/ack/", 1)[1]
    monkeypatch.setattr(get_settings(), "ack_link_hours", 72)
    fresh = notify.ack_url(attempt).split("/ack/", 1)[1]
    assert "/ack/" in notify.ack_url(attempt) and SECRET_TEXT not in fresh and str(practice.id) not in fresh
    assert client.get(f"/ack/{expired}").status_code == 404
    assert client.post(f"/ack/{expired}").status_code == 404
    page = client.get(f"/ack/{fresh}")
    assert (
        page.status_code == 200
        and SECRET_TEXT not in page.text
        and page.headers["cache-control"] == "no-store"
    )
    assert db.get(PractitionerMessage, uuid.UUID(msg["id"])).status == "new"  # GET changes nothing
    r = client.post(f"/ack/{fresh}")
    assert r.status_code == 200 and SECRET_TEXT not in r.text
    db.expire_all()
    row = db.get(PractitionerMessage, uuid.UUID(msg["id"]))
    assert row.status == "acknowledged" and row.acknowledged_via == "link" and row.acknowledged_by is None


def test_a_retried_request_is_one_message_and_one_call(client, make, db):
    practice, doctor = _setup(make, db)
    agent = make.headers("agent", [practice])
    url = f"/api/v1/practices/{practice.id}/messages"
    body = {"practitioner_id": str(doctor.id), "subject": "Rappel"}
    first = client.post(url, json=body, headers=agent | {"Idempotency-Key": "k-1"}).json()
    again = client.post(url, json=body, headers=agent | {"Idempotency-Key": "k-1"}).json()
    other = client.post(url, json=body, headers=agent | {"Idempotency-Key": "k-2"}).json()
    assert first["id"] == again["id"] != other["id"]
    assert len(db.scalars(select(DeliveryAttempt)).all()) == 2  # two e-mails, not three
    number = practices.numbers_of(db, practice.id)[0].number
    calls = [
        client.post(
            "/api/v1/calls", json={"called_number": number}, headers=agent | {"Idempotency-Key": "c-1"}
        ).json()
        for _ in range(2)
    ]
    assert calls[0]["id"] == calls[1]["id"]


def test_escalation_keeps_the_delay_of_the_sheet_in_force_when_the_message_was_left(client, make, db):
    from app.calls import escalation
    from app.practices.schemas import InstructionSheetIn

    practice, doctor = _setup(make, db)  # sheet version 1: 15 minutes
    agent = make.headers("agent", [practice])
    msg = client.post(
        f"/api/v1/practices/{practice.id}/messages",
        json={"practitioner_id": str(doctor.id), "subject": "x", "priority": "urgent"},
        headers=agent,
    ).json()
    practices.publish_sheet(
        db, ADMIN, practice.id, InstructionSheetIn(greeting="B", urgent_calls="15", escalation_minutes=60)
    )
    [first] = db.scalars(select(OutboxJob).where(OutboxJob.kind == "calls.escalate")).all()
    escalation.escalate(db, dict(first.payload))
    jobs = db.scalars(select(OutboxJob).where(OutboxJob.kind == "calls.escalate")).all()
    second = next(j for j in jobs if j.payload["step"] == 2)
    row = db.get(PractitionerMessage, uuid.UUID(msg["id"]))
    assert row.sheet_version == 1 and row.escalation_step == 1
    assert 14 * 60 < (second.run_at - second.created_at).total_seconds() <= 15 * 60 + 5
