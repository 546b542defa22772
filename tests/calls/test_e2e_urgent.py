"""A call routed by the number dialled → urgent triage → message → e-mail and webhook delivered →
not acknowledged → escalated → acknowledged through the e-mailed link. Real SMTP and HTTP receivers."""

from __future__ import annotations

import json
import logging
import re
import time

from app.calls import signing
from app.calls.models import Call
from app.calls.webhook_models import WebhookAttempt
from app.patients import service as patients
from app.patients.schemas import PatientCreate
from app.practices import service as practices
from app.practices.schemas import InstructionSheetIn, PractitionerIn
from tests.factories import ADMIN

SUBJECT = "Rétention urinaire depuis ce matin"
BODY = "Patient de 70 ans, ne peut plus uriner, douleur abdominale basse."


def _setup(live):
    s, make = live.build()
    practice = make.practice("Cabinet des Tilleuls")
    practices.publish_sheet(
        s,
        ADMIN,
        practice.id,
        InstructionSheetIn(
            greeting="Cabinet des Tilleuls, bonjour",
            urgent_calls="15 si détresse",
            transfer_contacts=[{"name": "Médecin de garde", "email": "garde@cabinet-tilleuls.fr"}],
            escalation_minutes=10,
        ),
    )
    doctor = practices.add_practitioner(
        s,
        practice.id,
        PractitionerIn(
            display_name="Dr Martin", specialty="generaliste", urgent_email="martin@cabinet-tilleuls.fr"
        ),
    )
    practices.add_practitioner(
        s,
        practice.id,
        PractitionerIn(
            display_name="Dr Durand", specialty="generaliste", urgent_email="durand@cabinet-tilleuls.fr"
        ),
    )
    patient, _, _ = patients.create(
        s, ADMIN, practice.id, PatientCreate(surname="Lefèvre", phones=["06 12 34 56 78"])
    )
    number = practices.numbers_of(s, practice.id)[0].number
    agent = make.headers("agent", [practice])
    supervisor = make.headers("supervisor", [practice])
    s.commit()
    s.close()
    return practice, doctor, patient, number, agent, supervisor


def _triage_urgent(client, headers, practice_id, call_id):
    r = client.post(
        "/api/v1/triage/sessions",
        json={"practice_id": str(practice_id), "protocol_id": "urinary_symptoms", "call_id": call_id},
        headers=headers,
    )
    assert r.status_code == 201, r.text
    session = r.json()
    for _ in range(60):
        question = session["next_question"]
        if question is None:
            break
        answer = "yes" if question["finding"] == "unable_to_urinate" else "no"
        r = client.post(
            f"/api/v1/triage/sessions/{session['id']}/answers",
            json={"finding": question["finding"], "answer": answer},
            headers=headers,
        )
        assert r.status_code == 200, r.text
        session = r.json()
    assert session["disposition"]["level"] == "urgent", session["disposition"]
    return session["id"]


def _verified(live, secret):
    out = []
    for req in live.http.received:
        assert signing.verify(secret, req.headers["permanence-signature"], req.body, int(time.time()))
        assert not signing.verify(
            "whsec_wrong", req.headers["permanence-signature"], req.body, int(time.time())
        )
        out.append(json.loads(req.body))
    return out


def test_urgent_message_is_delivered_escalated_and_acknowledged(live, caplog):
    caplog.set_level(logging.DEBUG)  # our loggers; the test SMTP server logs what it receives
    practice, doctor, patient, number, agent, supervisor = _setup(live)
    client = live.client
    r = client.post(
        f"/api/v1/practices/{practice.id}/webhooks",
        json={
            "url": live.http.url,
            "event_types": ["message.created", "message.acknowledged", "call.closed"],
        },
        headers=supervisor,
    )
    assert r.status_code == 201, r.text
    secret = r.json()["secret"]
    assert secret.startswith("whsec_")
    listed = client.get(f"/api/v1/practices/{practice.id}/webhooks", headers=supervisor).json()
    assert "secret" not in listed[0] and secret not in json.dumps(listed)

    # The call: routed by the number dialled; the caller's number finds the patient.
    r = client.post(
        "/api/v1/calls",
        json={"called_number": number, "caller_number": "+33612345678", "answered": True},
        headers=agent,
    )
    assert r.status_code == 201, r.text
    call = r.json()
    assert call["practice_id"] == str(practice.id)
    assert call["candidate_patient_ids"] == [str(patient.id)]
    assert call["sheet_version"] == 1 and call["status"] == "answered"

    triage_id = _triage_urgent(client, agent, practice.id, call["id"])
    r = client.post(
        f"/api/v1/practices/{practice.id}/messages",
        json={
            "practitioner_id": str(doctor.id),
            "call_id": call["id"],
            "triage_session_id": triage_id,
            "kind": "callback",
            "subject": SUBJECT,
            "body": BODY,
            "caller_name": "Mme Lefèvre",
            "callback_number": "06 12 34 56 78",
            "preferred_time": "tout de suite",
        },
        headers=agent,
    )
    assert r.status_code == 201, r.text
    message = r.json()
    assert message["priority"] == "urgent"  # from the triage disposition, nobody typed it
    assert message["status"] == "new" and message["callback_number"] == "+33612345678"
    assert not live.smtp.inbox and not live.http.received  # the agent did not wait for any remote

    # The worker delivers the e-mail and the signed webhook.
    live.drain()
    [mail] = live.smtp.to("martin@cabinet-tilleuls.fr")
    assert SUBJECT in mail.text and BODY in mail.text and "/ack/" in mail.text
    assert SUBJECT not in str(mail.message["Subject"])  # health data stays out of headers
    assert mail.message["Subject"].startswith("[URGENT]")
    [created] = _verified(live, secret)
    assert created["type"] == "message.created" and created["data"]["message_id"] == message["id"]
    raw = live.http.received[0].body.decode()
    for health in (SUBJECT, BODY, "Lefèvre", "612345678"):
        assert health not in raw  # ids and times only by default
    assert live.message(message["id"]).status == "delivered"

    # Not acknowledged: the escalation job fires at the sheet's delay — re-sent, then the next contact.
    [job] = live.pending("calls.escalate")
    assert 9 * 60 <= (job.run_at - live.message(message["id"]).created_at).total_seconds() <= 10 * 60 + 5
    live.due_now("calls.escalate")
    live.drain()
    assert len(live.smtp.to("martin@cabinet-tilleuls.fr")) == 2
    live.due_now("calls.escalate")
    live.drain()
    [garde] = live.smtp.to("garde@cabinet-tilleuls.fr")
    assert "(relance)" in str(garde.message["Subject"])
    attempts = live.attempts(message["id"])
    assert [(a.reason, a.step, a.recipient, a.status) for a in attempts] == [
        ("initial", 0, "martin@cabinet-tilleuls.fr", "sent"),
        ("resend", 1, "martin@cabinet-tilleuls.fr", "sent"),
        ("escalation", 2, "garde@cabinet-tilleuls.fr", "sent"),
    ]

    # The practitioner on duty acknowledges through the link: GET changes nothing, POST acknowledges.
    link = re.search(r"http\S+/ack/(\S+)", garde.text)
    assert link is not None
    path = "/ack/" + link.group(1)
    page = client.get(path)
    assert (
        page.status_code == 200 and "<form" in page.text and page.headers["referrer-policy"] == "no-referrer"
    )
    assert live.message(message["id"]).status == "delivered"
    assert client.post(path).status_code == 200
    acked = live.message(message["id"])
    assert acked.status == "acknowledged" and acked.acknowledged_via == "link"
    assert client.post(path).status_code == 200  # twice is harmless
    assert client.post("/ack/" + link.group(1)[:-2] + "xx").status_code == 404

    # Escalation stops; the acknowledgement is announced by webhook.
    live.due_now("calls.escalate")
    live.drain()
    assert len(live.smtp.inbox) == 3
    assert [e["type"] for e in _verified(live, secret)] == ["message.created", "message.acknowledged"]

    r = client.post(f"/api/v1/calls/{call['id']}/close", json={"outcome": "message_taken"}, headers=agent)
    assert r.status_code == 200, r.text
    links = {(link["kind"], link["target_id"]) for link in r.json()["links"]}
    assert ("message", message["id"]) in links and ("triage_session", triage_id) in links
    live.drain()
    closed = _verified(live, secret)[-1]
    assert closed["type"] == "call.closed" and closed["data"]["outcome"] == "message_taken"
    assert "612345678" not in live.http.received[-1].body.decode()
    assert live.get(Call)[0].outcome == "message_taken"
    assert len(live.get(WebhookAttempt)) == 3

    r = client.get(f"/api/v1/messages/{message['id']}", headers=agent)
    assert r.json()["status"] == "acknowledged" and len(r.json()["attempts"]) == 3
    r = client.post(
        f"/api/v1/messages/{message['id']}/done", headers=make_practitioner_headers(live, practice)
    )
    assert r.status_code == 200 and r.json()["status"] == "done"
    ours = "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith("mail.log"))
    for health in (SUBJECT, BODY, "Lefèvre", "612345678"):
        assert health not in ours


def make_practitioner_headers(live, practice):
    s, make = live.build()
    headers = make.headers("practitioner", [practice])
    s.commit()
    s.close()
    return headers
