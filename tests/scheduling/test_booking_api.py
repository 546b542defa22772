"""Slot search, holds and appointments through the API (on SQLite and PostgreSQL alike)."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import select

from app.audit.models import AuditEvent
from app.scheduling.models import Hold, SlotClaim


def slots(client, clinic, **params):
    query = {"motif_id": str(clinic.motif.id), **params}
    r = client.get(f"/api/v1/practices/{clinic.practice.id}/slots", params=query, headers=clinic.agent)
    assert r.status_code == 200, r.text
    return r.json()["slots"]


def booking(clinic, slot, **extra):
    return {
        "practice_id": str(clinic.practice.id),
        "practitioner_id": slot["practitioner_id"],
        "motif_id": str(clinic.motif.id),
        "start": slot["start"],
        **extra,
    }


def test_slots_are_in_the_practice_zone_ordered_and_emergency_is_refused(client, clinic):
    found = slots(client, clinic, limit=6)
    assert len(found) == 6
    starts = [datetime.fromisoformat(s["start"]) for s in found]
    assert starts == sorted(starts)
    assert all(s["start"][-6:] in ("+01:00", "+02:00") for s in found)
    assert {s["practitioner_id"] for s in found} == {str(d.id) for d in clinic.doctors}
    r = client.get(
        f"/api/v1/practices/{clinic.practice.id}/slots",
        params={"motif_id": str(clinic.motif.id), "urgency": "emergency"},
        headers=clinic.agent,
    )
    assert r.status_code == 422
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["type"].endswith("/emergency-not-bookable")


def test_a_hold_hides_the_slot_and_expired_holds_free_it(client, clinic, db):
    first = slots(client, clinic, practitioner_id=str(clinic.doctors[0].id), limit=1)[0]
    r = client.post("/api/v1/holds", json=booking(clinic, first), headers=clinic.agent)
    assert r.status_code == 201, r.text
    hold_id = uuid.UUID(r.json()["id"])
    assert (
        slots(client, clinic, practitioner_id=str(clinic.doctors[0].id), limit=1)[0]["start"]
        != first["start"]
    )
    again = client.post("/api/v1/holds", json=booking(clinic, first), headers=clinic.agent)
    assert again.status_code == 409
    assert again.json()["alternatives"], "a conflict proposes the next slots"
    # The hold expires: the slot is free again without anyone releasing it.
    hold = db.get(Hold, hold_id)
    hold.expires_at = hold.expires_at - timedelta(hours=1)
    claim = db.get(SlotClaim, hold.id)
    claim.expires_at = hold.expires_at
    db.flush()
    assert (
        slots(client, clinic, practitioner_id=str(clinic.doctors[0].id), limit=1)[0]["start"]
        == first["start"]
    )
    retaken = client.post("/api/v1/holds", json=booking(clinic, first), headers=clinic.agent)
    assert retaken.status_code == 201
    assert client.delete(f"/api/v1/holds/{retaken.json()['id']}", headers=clinic.agent).status_code == 204
    assert db.get(Hold, hold_id) is None, "the expired hold was purged lazily"


def test_booking_is_idempotent_and_a_taken_slot_answers_409_with_alternatives(client, clinic):
    slot = slots(client, clinic, limit=1)[0]
    body = booking(clinic, slot, disposition="routine")
    key = {"Idempotency-Key": "call-42-booking", **clinic.agent}
    first = client.post("/api/v1/appointments", json=body, headers=key)
    assert first.status_code == 201, first.text
    replay = client.post("/api/v1/appointments", json=body, headers=key)
    assert replay.status_code == 200
    assert replay.json()["id"] == first.json()["id"]
    assert replay.headers["Idempotent-Replayed"] == "true"
    other = client.post("/api/v1/appointments", json={**body, "disposition": "soon"}, headers=key)
    assert other.status_code == 422
    assert other.json()["type"].endswith("/idempotency-key-reused")
    taken = client.post("/api/v1/appointments", json=body, headers=clinic.agent)
    assert taken.status_code == 409
    problem = taken.json()
    assert problem["type"].endswith("/slot-unavailable")
    assert problem["alternatives"] and all(
        a["start"] != slot["start"] or a["practitioner_id"] != slot["practitioner_id"]
        for a in problem["alternatives"]
    )
    appointment = first.json()
    assert appointment["status"] == "booked" and appointment["sequence"] == 0
    assert appointment["uid"].endswith("@permanence")
    assert appointment["start"] == slot["start"]


def test_a_held_slot_can_be_booked_by_its_holder_only(client, clinic, make):
    slot = slots(client, clinic, limit=1)[0]
    hold = client.post("/api/v1/holds", json=booking(clinic, slot), headers=clinic.agent).json()
    colleague = make.headers("agent", [clinic.practice])
    assert (
        client.post("/api/v1/appointments", json=booking(clinic, slot), headers=colleague).status_code == 409
    )
    mine = client.post(
        "/api/v1/appointments", json=booking(clinic, slot, hold_id=hold["id"]), headers=clinic.agent
    )
    assert mine.status_code == 201, mine.text


def test_cancel_and_reschedule_keep_the_identity(client, clinic):
    first, second = slots(client, clinic, practitioner_id=str(clinic.doctors[0].id), limit=2)
    made = client.post("/api/v1/appointments", json=booking(clinic, first), headers=clinic.agent).json()
    moved = client.post(
        f"/api/v1/appointments/{made['id']}/reschedule", json={"start": second["start"]}, headers=clinic.agent
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["uid"] == made["uid"] and moved.json()["sequence"] == 1
    assert moved.json()["start"] == second["start"]
    free = slots(client, clinic, practitioner_id=str(clinic.doctors[0].id), limit=1)[0]
    assert free["start"] == first["start"], "the old slot is free again"
    cancelled = client.post(f"/api/v1/appointments/{made['id']}/cancel", headers=clinic.agent)
    assert cancelled.json()["status"] == "cancelled" and cancelled.json()["sequence"] == 2
    assert (
        client.post(f"/api/v1/appointments/{made['id']}/cancel", headers=clinic.agent).json()["sequence"] == 2
    )
    again = client.post(
        f"/api/v1/appointments/{made['id']}/reschedule", json={"start": first["start"]}, headers=clinic.agent
    )
    assert again.status_code == 409
    listed = client.get(
        f"/api/v1/practices/{clinic.practice.id}/appointments",
        params={"status": "cancelled"},
        headers=clinic.agent,
    )
    assert [a["id"] for a in listed.json()] == [made["id"]]


def test_foreign_objects_answer_404_and_reads_are_audited(client, clinic, make, db):
    other = make.practice("Autre cabinet")
    foreign_motif = make.motif(other, code="autre")
    r = client.get(
        f"/api/v1/practices/{clinic.practice.id}/slots",
        params={"motif_id": str(foreign_motif.id)},
        headers=clinic.agent,
    )
    assert r.status_code == 404
    slot = slots(client, clinic, limit=1)[0]
    made = client.post("/api/v1/appointments", json=booking(clinic, slot), headers=clinic.agent).json()
    outsider = make.headers("agent", [other])
    assert client.get(f"/api/v1/appointments/{made['id']}", headers=outsider).status_code == 404
    assert client.get(f"/api/v1/appointments/{made['id']}", headers=clinic.agent).status_code == 200
    actions = set(db.scalars(select(AuditEvent.action).where(AuditEvent.resource_id == made["id"])))
    assert {"appointment.create", "appointment.read"} <= actions


def test_closure_and_reserved_blocks_through_the_admin_api(client, clinic, make):
    admin = make.headers("admin")
    doctor = clinic.doctors[0]
    first = slots(client, clinic, practitioner_id=str(doctor.id), limit=1)[0]
    day = first["start"][:10]
    r = client.post(
        f"/api/v1/practices/{clinic.practice.id}/opening-exceptions",
        json={"practitioner_id": str(doctor.id), "day": day, "kind": "closed", "label": "congrès"},
        headers=admin,
    )
    assert r.status_code == 201, r.text
    after = slots(client, clinic, practitioner_id=str(doctor.id), limit=1)[0]
    assert after["start"][:10] > day
    assert client.delete(f"/api/v1/opening-exceptions/{r.json()['id']}", headers=admin).status_code == 204
    hours = {
        "rules": [{"weekday": d, "start": "00:00", "end": "24:00"} for d in range(7)],
        "reserved_blocks": [
            {"weekday": d, "start": "00:00", "end": "24:00", "release_minutes": 0} for d in range(7)
        ],
    }
    assert (
        client.put(f"/api/v1/practitioners/{doctor.id}/opening-hours", json=hours, headers=admin).status_code
        == 200
    )
    # Today's block has begun, so it is released to everyone; later days stay reserved for urgent calls.
    today = datetime.now(ZoneInfo("Europe/Paris")).date().isoformat()
    routine = slots(client, clinic, practitioner_id=str(doctor.id), limit=100)
    assert {s["start"][:10] for s in routine} <= {today}
    urgent = slots(client, clinic, practitioner_id=str(doctor.id), limit=3, urgency="urgent")
    late = datetime.now(ZoneInfo("Europe/Paris")).hour == 23
    assert late or (urgent and all(s["reserved"] for s in urgent))
    read = client.get(f"/api/v1/practitioners/{doctor.id}/opening-hours", headers=clinic.agent).json()
    assert read["reserved_blocks"][0]["release_minutes"] == 0 and read["time_zone"] == "Europe/Paris"
    assert read["rules"][0] == {"weekday": 0, "start": "00:00", "end": "24:00"}


def test_linked_records_must_belong_to_the_practice(client, clinic, make, db):
    from app.patients import service as patients
    from app.patients.schemas import PatientCreate
    from tests.factories import ADMIN

    other = make.practice("Cabinet voisin")
    theirs, _, _ = patients.create(
        db, ADMIN, other.id, PatientCreate(surname="Voisin", phones=["0611223344"])
    )
    ours, _, _ = patients.create(
        db, ADMIN, clinic.practice.id, PatientCreate(surname="Nôtre", phones=["0611223355"])
    )
    slot = slots(client, clinic, limit=1)[0]
    foreign = client.post(
        "/api/v1/appointments", json=booking(clinic, slot, patient_id=str(theirs.id)), headers=clinic.agent
    )
    assert foreign.status_code == 404
    unknown = client.post(
        "/api/v1/appointments", json=booking(clinic, slot, call_id=str(uuid.uuid4())), headers=clinic.agent
    )
    assert unknown.status_code == 404
    made = client.post(
        "/api/v1/appointments", json=booking(clinic, slot, patient_id=str(ours.id)), headers=clinic.agent
    )
    assert made.status_code == 201 and made.json()["patient_id"] == str(ours.id)
    listed = client.get(
        f"/api/v1/practices/{clinic.practice.id}/appointments",
        params={"patient_id": str(ours.id)},
        headers=clinic.agent,
    )
    assert [a["id"] for a in listed.json()] == [made.json()["id"]]
