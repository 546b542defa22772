"""Agenda source routes: set, read status, sync now; secrets never come back; audited."""

from __future__ import annotations

from sqlmodel import Session, col, select

from app.audit.models import AuditEvent
from app.calendars.models import AgendaSource
from app.core.outbox import OutboxJob
from tests.factories import Factory

SECRET_URL = "https://calendar.example.org/private-4f0c9b2e7a/basic.ics"


def test_set_read_and_sync_an_ics_link(client, db: Session, make: Factory):
    practice = make.practice()
    doctor = make.practitioner(practice)
    headers = make.headers("supervisor", [practice])
    r = client.put(
        f"/api/v1/practitioners/{doctor.id}/agenda",
        json={"kind": "ics_url", "url": SECRET_URL, "tentative_busy": False},
        headers=headers,
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["kind"] == "ics_url" and body["url_hint"] == "https://calendar.example.org"
    assert body["status"] == "never" and body["age_seconds"] is None and body["tentative_busy"] is False
    assert "4f0c9b2e7a" not in r.text
    source = db.scalars(select(AgendaSource).where(AgendaSource.practitioner_id == doctor.id)).one()
    assert source.url is not None and "4f0c9b2e7a" not in source.url.token  # sealed at rest
    jobs = db.scalars(select(OutboxJob).where(OutboxJob.kind == "calendars.sync")).all()
    assert [j.payload["source_id"] for j in jobs if j.practice_id == practice.id] == [str(source.id)]
    assert "4f0c9b2e7a" not in str([j.payload for j in jobs])

    r = client.get(f"/api/v1/practitioners/{doctor.id}/agenda", headers=make.headers("agent", [practice]))
    assert r.status_code == 200 and r.json()["kind"] == "ics_url"

    r = client.post(f"/api/v1/practitioners/{doctor.id}/agenda/sync", headers=headers)
    assert r.status_code == 202 and r.json()["job_id"]

    actions = db.scalars(
        select(AuditEvent.action).where(
            AuditEvent.chain == str(practice.id), col(AuditEvent.action).like("agenda.%")
        )
    ).all()
    assert sorted(actions) == ["agenda.read", "agenda.sync", "agenda.update"]


def test_caldav_password_is_stored_sealed_and_never_returned(client, db: Session, make: Factory):
    practice = make.practice()
    doctor = make.practitioner(practice)
    r = client.put(
        f"/api/v1/practitioners/{doctor.id}/agenda",
        json={
            "kind": "caldav",
            "url": "https://dav.example.org/dr/agenda/",
            "username": "dr",
            "password": "hunter2-xyz",
        },
        headers=make.headers("admin"),
    )
    assert r.status_code == 200, r.text
    assert r.json()["has_credential"] is True and "hunter2" not in r.text
    source = db.scalars(select(AgendaSource).where(AgendaSource.practitioner_id == doctor.id)).one()
    assert source.credential is not None and "hunter2" not in source.credential.token


def test_internal_agenda_has_nothing_to_sync(client, make: Factory):
    practice = make.practice()
    doctor = make.practitioner(practice)
    headers = make.headers("supervisor", [practice])
    r = client.get(f"/api/v1/practitioners/{doctor.id}/agenda", headers=headers)
    assert r.status_code == 200 and r.json()["kind"] == "internal"
    r = client.post(f"/api/v1/practitioners/{doctor.id}/agenda/sync", headers=headers)
    assert r.status_code == 409 and r.headers["content-type"].startswith("application/problem+json")


def test_bad_bodies_are_problems(client, make: Factory):
    practice = make.practice()
    doctor = make.practitioner(practice)
    headers = make.headers("supervisor", [practice])
    url = f"/api/v1/practitioners/{doctor.id}/agenda"
    for body in (
        {"kind": "ics_url"},
        {"kind": "file", "url": "/etc/passwd"},
        {"kind": "ics_url", "url": "file:///etc/passwd"},
        {"kind": "caldav", "url": "webcal://x.org/a"},
        {"kind": "internal", "colour": "red"},
        {"kind": "ics_url", "url": "https://x.org/a.ics", "sync_interval_minutes": 1},
    ):
        r = client.put(url, json=body, headers=headers)
        assert r.status_code == 422, body
        assert "passwd" not in r.text


def test_agents_may_not_change_sources(client, make: Factory):
    practice = make.practice()
    doctor = make.practitioner(practice)
    r = client.put(
        f"/api/v1/practitioners/{doctor.id}/agenda",
        json={"kind": "internal"},
        headers=make.headers("agent", [practice]),
    )
    assert r.status_code == 403


def test_foreign_practitioner_is_not_found(client, make: Factory):
    home, foreign = make.practice(), make.practice()
    doctor = make.practitioner(foreign)
    r = client.get(f"/api/v1/practitioners/{doctor.id}/agenda", headers=make.headers("supervisor", [home]))
    assert r.status_code == 404
