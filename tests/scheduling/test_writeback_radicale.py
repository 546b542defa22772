"""Write-back and sync against a real Radicale: bookings land, remote events block slots, conflicts
are flagged, and a server that goes away only delays delivery — nothing lost, nothing duplicated."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import pytest
from sqlmodel import Session, select

from app.calendars import service as calendars
from app.calendars.caldav_client import CalDAVClient, object_name
from app.calendars.ical_write import CalendarEvent, render_event
from app.core import outbox
from app.core.clock import utcnow
from app.scheduling import writeback
from app.scheduling.models import Appointment
from tests.calendars.conftest import calendar_url, radicale  # noqa: F401 - fixtures
from tests.radicale_server import RadicaleServer, radicale_server

from .test_booking_api import booking, slots

pytestmark = pytest.mark.radicale


def run_jobs(db: Session) -> dict[str, int]:
    """What `permanence worker` does, inside the test's transaction."""
    done: dict[str, int] = {}
    for job_id in outbox.claim(db, limit=50):
        status = outbox.perform(db, job_id)
        done[status] = done.get(status, 0) + 1
    return done


def objects_with(server: RadicaleServer, calendar: str, uid: str) -> list[bytes]:
    with CalDAVClient(server.url, server.username, server.password) as remote:
        result = remote.query(calendar, utcnow() - timedelta(days=30), utcnow() + timedelta(days=400))
        found = remote.multiget(calendar, [ref.href for ref in result.changed])
    return [o.data for o in found if f"UID:{uid}".encode() in o.data.replace(b"\r\n ", b"")]


def connect(db: Session, clinic, server: RadicaleServer, calendar: str):
    doctor = clinic.doctors[0]
    source = calendars.set_source(
        db, doctor, "caldav", url=calendar, username=server.username, password=server.password
    )
    calendars.sync_source(db, source)
    return doctor, source


def test_a_booking_appears_in_the_practitioners_calendar(client, clinic, db, radicale, calendar_url):  # noqa: F811
    doctor, _ = connect(db, clinic, radicale, calendar_url)
    slot = slots(client, clinic, practitioner_id=str(doctor.id), limit=1)[0]
    made = client.post("/api/v1/appointments", json=booking(clinic, slot), headers=clinic.agent).json()
    assert made["writeback_state"] == "pending"
    assert run_jobs(db) == {"done": 1}
    stored = objects_with(radicale, calendar_url, made["uid"])
    assert len(stored) == 1 and b"SEQUENCE:0" in stored[0]
    assert (
        client.get(f"/api/v1/appointments/{made['id']}", headers=clinic.agent).json()["writeback_state"]
        == "synced"
    )
    # Cancelling writes STATUS:CANCELLED with If-Match, same object, SEQUENCE 1.
    client.post(f"/api/v1/appointments/{made['id']}/cancel", headers=clinic.agent)
    run_jobs(db)
    stored = objects_with(radicale, calendar_url, made["uid"])
    assert len(stored) == 1 and b"STATUS:CANCELLED" in stored[0] and b"SEQUENCE:1" in stored[0]


def test_an_event_created_remotely_removes_the_slot_after_sync(client, clinic, db, radicale, calendar_url):  # noqa: F811
    doctor, source = connect(db, clinic, radicale, calendar_url)
    first = slots(client, clinic, practitioner_id=str(doctor.id), limit=1)[0]
    with CalDAVClient(radicale.url, radicale.username, radicale.password) as remote:
        start = first["start"]
        begin = datetime.fromisoformat(start)
        event = CalendarEvent(
            uid="bloc@remote", sequence=0, start=begin, end=begin + timedelta(minutes=50), tz="Europe/Paris",
            summary="Bloc", last_modified=utcnow(),
        )  # fmt: skip
        remote.put(calendar_url + object_name("bloc@remote"), render_event(event))
    assert slots(client, clinic, practitioner_id=str(doctor.id), limit=1)[0]["start"] == start, (
        "not synced yet"
    )
    calendars.sync_source(db, source)
    after = slots(client, clinic, practitioner_id=str(doctor.id), limit=1)[0]
    assert datetime.fromisoformat(after["start"]) >= begin + timedelta(minutes=50)
    found = client.get(
        f"/api/v1/practices/{clinic.practice.id}/slots",
        params={"motif_id": str(clinic.motif.id), "practitioner_id": str(doctor.id)},
        headers=clinic.agent,
    ).json()
    assert found["agendas"][0]["status"] == "ok" and found["agendas"][0]["age_seconds"] is not None


def test_a_remote_change_after_booking_is_flagged_as_a_conflict(client, clinic, db, radicale, calendar_url):  # noqa: F811
    doctor, _ = connect(db, clinic, radicale, calendar_url)
    slot = slots(client, clinic, practitioner_id=str(doctor.id), limit=1)[0]
    made = client.post("/api/v1/appointments", json=booking(clinic, slot), headers=clinic.agent).json()
    run_jobs(db)
    row = db.get(Appointment, uuid.UUID(made["id"]))
    with CalDAVClient(radicale.url, radicale.username, radicale.password) as remote:
        later = timedelta(hours=2)
        moved = CalendarEvent(
            uid=row.uid, sequence=3, start=row.start_at + later, end=row.end_at + later,
            tz="Europe/Paris", summary="Déplacé par le praticien", last_modified=utcnow(),
        )  # fmt: skip
        remote.put(row.remote_href, render_event(moved), etag=row.remote_etag)
    assert writeback.verify_remote(db, row) is False
    seen = client.get(f"/api/v1/appointments/{made['id']}", headers=clinic.agent).json()
    assert seen["conflict"] is True and seen["writeback_state"] == "conflict"
    # A later change is never pushed over the practitioner's own edit.
    client.post(f"/api/v1/appointments/{made['id']}/cancel", headers=clinic.agent)
    run_jobs(db)
    stored = objects_with(radicale, calendar_url, row.uid)
    assert len(stored) == 1 and b"SEQUENCE:3" in stored[0]


def test_an_update_refused_with_412_flags_the_conflict(client, clinic, db, radicale, calendar_url):  # noqa: F811
    doctor, _ = connect(db, clinic, radicale, calendar_url)
    first, second = slots(client, clinic, practitioner_id=str(doctor.id), limit=2)
    made = client.post("/api/v1/appointments", json=booking(clinic, first), headers=clinic.agent).json()
    run_jobs(db)
    row = db.get(Appointment, uuid.UUID(made["id"]))
    with CalDAVClient(radicale.url, radicale.username, radicale.password) as remote:
        remote.put(
            row.remote_href,
            objects_with(radicale, calendar_url, row.uid)[0].replace(b"SEQUENCE:0", b"SEQUENCE:7"),
            etag=row.remote_etag,
        )
    client.post(
        f"/api/v1/appointments/{made['id']}/reschedule", json={"start": second["start"]}, headers=clinic.agent
    )
    assert run_jobs(db) == {"done": 1}
    seen = client.get(f"/api/v1/appointments/{made['id']}", headers=clinic.agent).json()
    assert seen["conflict"] is True and seen["writeback_error"]


def test_server_down_then_back_delivers_once(client, clinic, db):
    with radicale_server() as server:
        calendar = server.make_calendar("agenda")
        doctor, _ = connect(db, clinic, server, calendar)
        slot = slots(client, clinic, practitioner_id=str(doctor.id), limit=1)[0]
        made = client.post("/api/v1/appointments", json=booking(clinic, slot), headers=clinic.agent).json()
        server.stop()
        assert run_jobs(db) == {"pending": 1}, "the outbox keeps the job and retries later"
        job = db.scalars(select(outbox.OutboxJob).where(outbox.OutboxJob.kind == writeback.JOB_KIND)).one()
        assert job.attempts == 1 and job.run_at > utcnow()
        assert db.get(Appointment, uuid.UUID(made["id"])).writeback_state == "pending"
        server.start()
        job.run_at = utcnow() - timedelta(seconds=1)
        db.flush()
        assert run_jobs(db) == {"done": 1}
        # A duplicate job (e.g. re-enqueued by a second worker) changes nothing remotely.
        outbox.enqueue(db, writeback.JOB_KIND, {"appointment_id": made["id"]})
        assert run_jobs(db) == {"done": 1}
        stored = objects_with(server, calendar, made["uid"])
        assert len(stored) == 1
        assert db.get(Appointment, uuid.UUID(made["id"])).writeback_state == "synced"


def test_the_next_sync_reveals_a_remote_edit_or_deletion(client, clinic, db, radicale, calendar_url):  # noqa: F811
    doctor, source = connect(db, clinic, radicale, calendar_url)
    first, second = slots(client, clinic, practitioner_id=str(doctor.id), limit=2)
    edited = client.post("/api/v1/appointments", json=booking(clinic, first), headers=clinic.agent).json()
    deleted = client.post("/api/v1/appointments", json=booking(clinic, second), headers=clinic.agent).json()
    run_jobs(db)
    calendars.sync_source(db, source, now=utcnow() + timedelta(seconds=1))
    assert writeback.flag_remote_changes(db) == 0, "our own writes, seen by sync, are not conflicts"
    rows = {key: db.get(Appointment, uuid.UUID(made["id"])) for key, made in (("e", edited), ("d", deleted))}
    with CalDAVClient(radicale.url, radicale.username, radicale.password) as remote:
        body = objects_with(radicale, calendar_url, rows["e"].uid)[0].replace(b"SEQUENCE:0", b"SEQUENCE:4")
        remote.put(rows["e"].remote_href, body, etag=rows["e"].remote_etag)
        remote.delete(rows["d"].remote_href)
    calendars.sync_source(db, source, now=utcnow() + timedelta(seconds=2))
    assert writeback.flag_remote_changes(db) == 2
    for made in (edited, deleted):
        seen = client.get(f"/api/v1/appointments/{made['id']}", headers=clinic.agent).json()
        assert seen["conflict"] is True and seen["writeback_state"] == "conflict"
