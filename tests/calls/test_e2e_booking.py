"""A call → a booking through the scheduling API → signed appointment webhooks (created, rescheduled,
cancelled), ids and times only; the booking is linked to the call and counted in the report."""

from __future__ import annotations

import json
import time
from datetime import datetime
from zoneinfo import ZoneInfo

from app.calls import signing
from app.practices import service as practices
from app.scheduling import hours
from app.scheduling.schemas import OpeningHoursIn, WeeklyHoursIn
from tests.factories import ADMIN


def _setup(live):
    s, make = live.build()
    practice = make.practice("Cabinet Saint-Roch")
    doctor = make.practitioner(practice, "Dr Petit")
    week = OpeningHoursIn(rules=[WeeklyHoursIn(weekday=d, start="08:00", end="20:00") for d in range(7)])
    hours.replace(s, ADMIN, doctor.id, week)
    motif = make.motif(practice, code="consultation", minutes=20)
    number = practices.numbers_of(s, practice.id)[0].number
    agent, supervisor = make.headers("agent", [practice]), make.headers("supervisor", [practice])
    s.commit()
    s.close()
    return practice, doctor, motif, number, agent, supervisor


def test_booking_during_a_call_reaches_the_integrator(live):
    practice, doctor, motif, number, agent, supervisor = _setup(live)
    client = live.client
    r = client.post(
        f"/api/v1/practices/{practice.id}/webhooks",
        json={
            "url": live.http.url,
            "event_types": [
                "appointment.created",
                "appointment.rescheduled",
                "appointment.cancelled",
                "call.closed",
            ],
        },
        headers=supervisor,
    )
    secret = r.json()["secret"]
    call = client.post(
        "/api/v1/calls", json={"called_number": number, "answered": True}, headers=agent
    ).json()

    slots = client.get(
        f"/api/v1/practices/{practice.id}/slots",
        params={"motif_id": str(motif.id), "limit": 3},
        headers=agent,
    ).json()["slots"]
    body = {
        "practice_id": str(practice.id),
        "practitioner_id": str(doctor.id),
        "motif_id": str(motif.id),
        "start": slots[0]["start"],
        "call_id": call["id"],
    }
    r = client.post("/api/v1/appointments", json=body, headers=agent)
    assert r.status_code == 201, r.text
    appointment = r.json()
    r = client.post(
        f"/api/v1/appointments/{appointment['id']}/reschedule",
        json={"start": slots[2]["start"]},
        headers=agent,
    )
    assert r.status_code == 200, r.text
    r = client.post(f"/api/v1/appointments/{appointment['id']}/cancel", headers=agent)
    assert r.status_code == 200, r.text
    r = client.post(f"/api/v1/calls/{call['id']}/close", json={"outcome": "booked"}, headers=agent)
    assert ("appointment", appointment["id"]) in {(x["kind"], x["target_id"]) for x in r.json()["links"]}

    live.drain()
    events = []
    for req in live.http.received:
        assert signing.verify(secret, req.headers["permanence-signature"], req.body, int(time.time()))
        events.append(json.loads(req.body))
    kinds = sorted(e["type"] for e in events)
    assert kinds == ["appointment.cancelled", "appointment.created", "appointment.rescheduled", "call.closed"]
    by_type = {e["type"]: e["data"] for e in events}
    created = by_type["appointment.created"]
    assert created["appointment_id"] == appointment["id"] and created["call_id"] == call["id"]
    assert datetime.fromisoformat(created["start_at"]) == datetime.fromisoformat(slots[0]["start"])
    assert by_type["appointment.rescheduled"]["sequence"] >= 1
    assert by_type["appointment.cancelled"]["status"] == "cancelled"
    assert set(created) == {
        "appointment_id",
        "practitioner_id",
        "motif_id",
        "patient_id",
        "call_id",
        "status",
        "start_at",
        "end_at",
        "sequence",
    }
    assert by_type["call.closed"]["linked"]["appointment"] == [appointment["id"]]

    today = datetime.now(ZoneInfo(practice.timezone)).date().isoformat()
    report = client.get(
        f"/api/v1/practices/{practice.id}/reports", params={"from": today, "to": today}, headers=supervisor
    ).json()
    assert report["bookings"] == 1 and report["outcomes"] == {"booked": 1}


def test_a_rolled_back_booking_emits_nothing(live):
    practice, doctor, motif, _number, agent, supervisor = _setup(live)
    live.client.post(
        f"/api/v1/practices/{practice.id}/webhooks",
        json={"url": live.http.url, "event_types": ["appointment.created"]},
        headers=supervisor,
    )
    slots = live.client.get(
        f"/api/v1/practices/{practice.id}/slots", params={"motif_id": str(motif.id)}, headers=agent
    ).json()["slots"]
    body = {"practice_id": str(practice.id), "practitioner_id": str(doctor.id), "motif_id": str(motif.id)}
    assert (
        live.client.post(
            "/api/v1/appointments", json=body | {"start": slots[0]["start"]}, headers=agent
        ).status_code
        == 201
    )
    # the same slot again: refused, rolled back — no event, no delivery
    assert (
        live.client.post(
            "/api/v1/appointments", json=body | {"start": slots[0]["start"]}, headers=agent
        ).status_code
        == 409
    )
    live.drain()
    assert len(live.http.received) == 1
